/* Security group rules as EC2's API speaks of them (one protocol, one port or ICMP range, one
 * peer: a CIDR or a group), decoded from both request forms the aws CLI and boto3 send, compared
 * with the lab's rules by meaning (not by spelling), named by stable ids, and written into a
 * model the way a lab file would write them, so that lab_export writes the change. */
#ifndef VPCLAB_API_SG_RULE_H
#define VPCLAB_API_SG_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "control/api/api.h"
#include "vpclab/addr.h"

struct lab;
struct lab_sg;
struct lab_sg_rule;
struct lab_vpc;

/* Most rules one request may name (AWS's quota per group and direction is 60). */
#define SG_PERMS_MAX 64

struct sg_perm {
	int proto;              /* -1: all; else 0..255 */
	int lo, hi;             /* tcp/udp: ports 0..65535; icmp: type and code (-1 all); else -1 */
	bool is_cidr;           /* the peer: prefix, else the group named `group` */
	struct prefix4 prefix;
	char group[64];         /* a group of the lab ("default": its VPC's default group) */
	int group_vpc;          /* the VPC of `group` (index in the model), -1 when a CIDR */
};

/* The id of group `name` of vpc (the VPC's default group: "default"): sg- and 17 hex digits. */
void sg_group_id(char out[48], const char *lab, const char *vpc, const char *name);
/* The group an id or a name (one of them NULL) names in m: its name into name and its VPC
 * index into *vpc. 0, or api_fail'd -1: InvalidGroupId.Malformed, InvalidGroup.NotFound. */
int sg_group_find(const struct lab *m, const char *lab, const char *id, const char *gname,
		  char name[64], int *vpc, struct api_out *o);

/* The rules of a request: IpPermissions.N.* (IpProtocol, FromPort, ToPort, IpRanges.M.CidrIp,
 * Groups.M.GroupId|GroupName), or the older top-level IpProtocol/FromPort/ToPort/CidrIp/
 * SourceSecurityGroupName; one sg_perm per (permission, peer). Group peers are looked up in m.
 * 0 with *n, or api_fail'd -1 (InvalidParameterValue, MissingParameter, InvalidGroup.NotFound,
 * InvalidParameterCombination). */
int sg_perms_decode(const struct lab *m, const char *lab, const struct api_req *r,
		    struct sg_perm *out, size_t cap, size_t *n, struct api_out *o);

/* A lab rule (checked) as a perm. */
void sg_perm_of_rule(const struct lab_sg_rule *x, struct sg_perm *p);
bool sg_perm_eq(const struct sg_perm *a, const struct sg_perm *b);
/* The stable id of a rule of group sg_id (of VPC vpc): sgr- and 17 hex digits, a hash of its
 * meaning, the same DescribeSecurityGroupRules gives the compiled rule. */
void sg_rule_id(char out[48], const char *lab, const char *vpc, const char *sg_id, bool egress,
		const struct sg_perm *p);
/* "peer: 198.51.100.10/32, TCP, from port: 22, to port: 22, ALLOW", AWS's words for a rule. */
void sg_perm_text(const struct sg_perm *p, char *buf, size_t cap);

/* The rules of one direction of g (outbound, when none is written: the allow-all rule a new
 * group has), as perms into out (cap); how many. */
size_t sg_rules_of(const struct lab_sg *g, bool egress, struct sg_perm *out, size_t cap);
/* The rules of the group called name in VPC v as sg_rules_of gives them; for `default` not
 * declared in the file, AWS's implicit ones (inbound all from itself, outbound all). */
size_t sg_rules_named(const struct lab_vpc *v, const char *name, bool egress, struct sg_perm *out,
		      size_t cap);
/* VPC v's `default` group in m: the declared one, or one added to v (m's arena) with AWS's
 * implicit rules written out, so that changes to it are a file's changes. NULL: memory. */
struct lab_sg *sg_default_declare(struct lab *m, struct lab_vpc *v);
/* Adds the rules to g's direction in m's arena, written as a file writes them. 0, or api_fail'd
 * -1: InvalidPermission.Duplicate (one exists, or is named twice), RulesPerSecurityGroupLimit-
 * Exceeded, InternalError (memory). */
int sg_rules_add(struct lab *m, struct lab_sg *g, bool egress, const struct sg_perm *p, size_t n,
		 struct api_out *o);
/* Removes them. 0, or api_fail'd -1: InvalidPermission.NotFound (one is not there). */
int sg_rules_remove(struct lab *m, struct lab_sg *g, bool egress, const struct sg_perm *p, size_t n,
		    struct api_out *o);

/* One <item> of a securityGroupRuleSet. */
void sg_rule_xml(struct xml *x, const char *lab, const char *vpc, const char *sg, bool egress,
		 const struct sg_perm *p);

#endif
