/* The running lab as a model: its kept copy (/run/vpclab/LAB/lab.yaml) with the addresses the
 * lab gave (pins.h), checked. What `vpclab export` writes and the AWS API describes and changes. */
#ifndef VPCLAB_CLI_KEPT_LAB_H
#define VPCLAB_CLI_KEPT_LAB_H

struct cli_cmd;
struct lab;

/* lab running: 0 with *out (lab_free it). Otherwise an exit code after saying why on stderr:
 * 1 not running, or the kept copy no longer checks (its errors printed), 3 unreadable. */
int cli_load_kept(const struct cli_cmd *c, const char *lab, struct lab **out);

#endif
