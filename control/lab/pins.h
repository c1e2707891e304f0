/* The addresses a running lab gave what its file leaves without one (vpclab apply). The kept
 * copy of the file is what runs, but a fresh check of it assigns addresses in file order, while an
 * apply assigned the new objects' addresses around the running ones (lab_keep_addresses): checked
 * again, an instance added before others would take their addresses. The router writes the
 * addresses beside the kept copy at each apply; whoever loads the kept copy pins them first. */
#ifndef VPCLAB_LAB_PINS_H
#define VPCLAB_LAB_PINS_H

#include <stdio.h>

struct lab;

/* m checked: one line per instance and NAT gateway ("instance VPC NAME IP", "nat_gateway VPC
 * NAME IP") and per load balancer node ("lb_node LB SUBNET IP": apply keeps them too), per instance without an elastic IP its auto-assigned public IP ("public_ip VPC NAME IP",
 * 0.0.0.0 for none) and per elastic IP
 * ("elastic_ip NAME IP"). 0 or -EIO. */
int lab_pins_write(const struct lab *m, FILE *out);

/* m loaded, not checked: each object named in `in` that leaves its address out gets that one
 * (its place, for errors, is the object's own); an instance named by a public_ip line keeps
 * that public IP, or none (kept_public, as lab_keep_addresses sets it). Lines naming nothing in m are skipped. 0 or
 * -ENOMEM. */
int lab_pins_read(struct lab *m, FILE *in);
/* The same from the file at path; a file that is not there pins nothing (a lab no apply has
 * changed yet). 0 or -ENOMEM / -errno. */
int lab_pins_load(struct lab *m, const char *path);

#endif
