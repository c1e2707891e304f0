/* A checked lab model written back as a lab file (vpclab export, and the AWS API, which writes
 * every change it makes as a file for the apply path). The file checks and reproduces the lab:
 * every key the loader knows, as written, with the addresses check assigned made explicit. */
#ifndef VPCLAB_LAB_EXPORT_H
#define VPCLAB_LAB_EXPORT_H

#include <stdio.h>

struct lab;

/* m: loaded and checked without error (with its pins when it is a running lab's kept copy),
 * possibly changed since (the AWS API adds, changes and removes objects in place). What is
 * written is each key as written (the lab_str/lab_int/lab_bool fields, not check's results),
 * and each address as written, else as check gave it, else none (an object added after check:
 * the apply assigns it). Writes one YAML document to out. Instances of auto scaling groups (lab_instance.group) and
 * their target registrations are left out: the group makes them. 0, -EINVAL (m not checked),
 * -ENOMEM or -EIO. */
int lab_export(const struct lab *m, FILE *out);

#endif
