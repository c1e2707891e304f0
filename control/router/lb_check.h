/* Health checkers (reference aws-elb §1): one thread per load balancer node, inside the node's
 * namespace, with its own libevent loop, so that every check is a real connection from the
 * node's address that crosses the target's security group and both subnets' ACLs, as on AWS.
 * TCP checks are a non-blocking connect; HTTP checks a GET by evhttp's client. Each result is
 * one fixed-size record written to a pipe the router reads in its loop (lb_health.c). */
#ifndef VPCLAB_LB_CHECK_H
#define VPCLAB_LB_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* One target's check, as the node runs it. */
struct lbc_check {
	uint32_t ip;             /* the target's address (host order) */
	uint16_t port;
	uint8_t http;            /* 0 TCP connect, 1 HTTP GET */
	uint16_t interval_s, timeout_s;
	uint16_t match_lo, match_hi;
	char path[128];
	uint32_t src;            /* the source address to bind (host order), 0: the kernel's choice */
	uint8_t route53;         /* HTTP: Route 53's User-Agent instead of ELB's */
};

enum lbc_outcome {
	LBC_PASS,
	LBC_FAILED,              /* refused, reset, unreachable: Target.FailedHealthChecks */
	LBC_TIMEOUT,             /* Target.Timeout */
	LBC_CODE,                /* an HTTP status outside the matcher: Target.ResponseCodeMismatch */
};

/* What a checker writes per check (smaller than PIPE_BUF: written whole or not at all). */
struct lbc_result {
	uint32_t checker;        /* the id it was started with */
	uint32_t check;          /* index into its checks */
	uint8_t outcome;         /* enum lbc_outcome */
	uint8_t pad;
	uint16_t code;           /* HTTP: the status received (0 none) */
};

struct lb_checker;

/* Starts a checker in namespace /run/netns/NS running checks[0..n) (copied), each at once and
 * then every interval, writing results to result_fd (non-blocking: a result that does not fit
 * is dropped, the next one comes an interval later). NULL with errno. */
struct lb_checker *lbc_start(const char *ns, uint32_t id, const struct lbc_check *checks, size_t n,
			     int result_fd);
/* Stops its thread (the checks in flight are abandoned, their sockets closed) and frees it. */
void lbc_stop(struct lb_checker *c);

#endif
