/* The lab's key pair (api.h): random from getrandom(2), kept in the aws CLI's credentials-file
 * format under profile vpclab-LAB, root-only (0600, created so: never readable in between). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "control/api/api.h"

/* n characters of alphabet from the kernel's random bytes (rejection sampling: no bias). */
static int random_chars(char *out, size_t n, const char *alphabet)
{
	size_t alen = strlen(alphabet), limit = 256 - 256 % alen, k = 0;
	unsigned char buf[64];
	while (k < n) {
		ssize_t got = getrandom(buf, sizeof(buf), 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t i = 0; i < got && k < n; i++)
			if (buf[i] < limit)
				out[k++] = alphabet[buf[i] % alen];
	}
	out[n] = '\0';
	return 0;
}

int api_creds_new(char ak[21], char secret[41])
{
	memcpy(ak, "AKIA", 4);
	int rc = random_chars(ak + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
	return rc ? rc : random_chars(secret, 40,
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

int api_creds_read(const char *path, const char *lab, char *ak, size_t ak_cap, char *secret,
		   size_t secret_cap)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char want[128], line[512];
	snprintf(want, sizeof(want), "[vpclab-%s]", lab);
	bool in = false;
	ak[0] = secret[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '[') {
			in = strcmp(line, want) == 0;
			continue;
		}
		char k[64], v[256];
		if (!in || sscanf(line, " %63[a-z_] = %255s", k, v) != 2)
			continue;
		if (strcmp(k, "aws_access_key_id") == 0)
			snprintf(ak, ak_cap, "%s", v);
		else if (strcmp(k, "aws_secret_access_key") == 0)
			snprintf(secret, secret_cap, "%s", v);
	}
	fclose(f);
	return ak[0] && secret[0] ? 0 : -EINVAL;
}

int api_creds_ensure(const char *dir, const char *lab, char *ak, size_t ak_cap, char *secret,
		     size_t secret_cap)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/credentials", dir);
	int rc = api_creds_read(path, lab, ak, ak_cap, secret, secret_cap);
	if (rc != -ENOENT)
		return rc;
	char nak[21], nsec[41], tmp[540];
	rc = api_creds_new(nak, nsec);
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fprintf(f, "[vpclab-%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", lab, nak, nsec);
	/* link, not rename: of two processes creating the pair at once, the second reads the first's */
	if (fclose(f) != 0 || link(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc == -EEXIST ? api_creds_read(path, lab, ak, ak_cap, secret, secret_cap) : rc;
	}
	unlink(tmp);
	snprintf(ak, ak_cap, "%s", nak);
	snprintf(secret, secret_cap, "%s", nsec);
	return 0;
}
