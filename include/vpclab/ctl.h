/* The control socket: /run/vpclab/LAB/ctl, a Unix stream socket only root can open (0600 in a
 * 0700 directory). A client sends one request line and reads the answer until EOF.
 * Answers are JSON objects (jansson); errors are {"error": "text"}. */
#ifndef VPCLAB_CTL_H
#define VPCLAB_CTL_H

#define VL_RUN_DIR "/run/vpclab"
#define VL_CTL_MAX_LINE 1024        /* a request line, its newline included */

/* The requests: the first word of the line; what follows it, and the answer. */
#define VL_CTL_STATUS "status"      /* -> the status object (control/router/status.c builds it) */
#define VL_CTL_DOWN "down"          /* -> {"ok": true}; the router exits, the requester removes the namespaces */
#define VL_CTL_FLOWS "flows"        /* -> {"interfaces": [{name, flows}], "nat_gateways": [...]};
				     * a flow: {protocol, from, to, state, admitted_by, idle_s,
				     * packets_out, packets_back, bytes_out, bytes_back, tracked}
				     * in that order (tracked false: AWS would not track it) */
#define VL_CTL_NAT "nat"            /* [NAME] -> {"nat_gateways": [{name, counters, translations}]} */
#define VL_CTL_EIP "eip"            /* associate EIP INSTANCE | disassociate EIP -> {ok, eip, ip, instance} */
#define VL_CTL_FLOWLOGS_FLUSH "flowlogs-flush" /* -> {"ok": true} once the window is written */
#define VL_CTL_TRACE "trace"        /* {JSON trace request} -> {"text", "delivered"} */
#define VL_CTL_APPLY "apply"        /* {"staged", "source", "dry_run"} -> {changes: [{op, kind, name,
				     * detail, ends}], dry_run, applied, ends?, translations_ends?,
				     * ended?, translations_ended?, router_ms?, generation?, warning?}
				     * (a dry run has ends, an applied one ended..generation) or {"error", "input"} */
#define VL_CTL_LB "lb"              /* [NAME] -> {"load_balancers": [{name, type, scheme, dns, vpc,
				     * cross_zone, nodes: [{subnet, az, namespace, private_ip,
				     * public_ip}], listeners: [{protocol, port, forward, idle_timeout}],
				     * target_groups: [{name, protocol, port, health_check: {protocol,
				     * port, path, interval, timeout, healthy, unhealthy, matcher},
				     * targets: [{instance, port, az, state, reason, description}]}],
				     * counters: {CloudWatch name: n}}]} or {"error": "no such load balancer"} */
#define VL_CTL_DNS "dns"            /* {"name", "type": wire number, "from"?: instance or internet
				     * host (default the first instance)} -> {name, from, from_kind,
				     * vpc, answered, type, rcode, answers: [{name, type, ttl,
				     * data}], authority, steps: [{name, source, rcode, why, zone?,
				     * record?, instance?, load_balancer?}], note?} or {"error"} */
#define VL_CTL_ASG "asg"            /* [NAME] -> {"groups": [{name, vpc, launch_template, min,
				     * desired, max, subnets: [names], target_groups: [names],
				     * health_check: {type: "ec2"|"elb", grace_period}, metric_period,
				     * cooldown, policies: [{name, metric, target, value (the last
				     * period's, null when it had no data), above, below (consecutive
				     * periods above the target / below 90% of it)}], instances:
				     * [{name, subnet, az, ip, life: "Pending"|"InService"|
				     * "Terminating", health: "Healthy"|"Unhealthy", launched (ISO
				     * 8601 UTC), launch_template}], activities: [{time, status:
				     * "Successful"|"InProgress"|"Failed", description, cause,
				     * details?}] (newest first, at most 100)}]} or {"error": "no such
				     * auto scaling group"} */
#define VL_CTL_ASG_SET_DESIRED "asg-set-desired" /* NAME N -> {"ok": true, group, from, to} or
				     * {"error": AWS's ValidationError text, "input": true} */
#define VL_CTL_CAPTURE "capture"    /* {JSON capture spec} -> a pcapng stream, or {"error"} */

#endif
