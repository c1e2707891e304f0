/* The resolver's look-up index over one snapshot of the compiled tables: instances by (VPC,
 * private IP), by public IP and by name, load balancers by DNS name, hosted zones by name. Built
 * once per published snapshot (dns_db_create), then read-only: every question is a few binary
 * searches, never a scan of the lab. dns_resolve.c is its reader. */
#ifndef VPCLAB_DNS_DB_H
#define VPCLAB_DNS_DB_H

#include <stdint.h>

#include "vpclab/tables.h"

struct dns_db {
	const struct vl_tables *t;   /* not owned: outlives the db */
	uint16_t *by_ip;             /* instance ports, by (vpc, ip) */
	uint16_t *by_public;         /* instance ports with a public IP, by public_ip */
	uint16_t *by_name;           /* instance ports, by name */
	uint16_t *lbs;               /* load balancers, by dns (case-insensitive) */
	uint16_t *zones;             /* hosted zones, by name */
	uint32_t n_by_ip, n_by_public, n_by_name, n_lbs, n_zones;
};

/* The index of t (which must stay alive and unchanged while the db is used); NULL with errno
 * set (ENOMEM). */
struct dns_db *dns_db_create(const struct vl_tables *t);
void dns_db_destroy(struct dns_db *db);

/* Each returns an index into t's ports, lbs or zones, or VL_NONE. */
uint16_t dns_db_instance(const struct dns_db *db, uint16_t vpc, uint32_t ip);
uint16_t dns_db_public(const struct dns_db *db, uint32_t public_ip);
uint16_t dns_db_named(const struct dns_db *db, const char *name);
uint16_t dns_db_lb(const struct dns_db *db, const char *dns);

/* The most specific hosted zone that holds name (canonical) and is associated with vpc; VL_NONE
 * when none (always for vpc VL_NONE: private zones answer inside their VPCs only). */
uint16_t dns_db_zone(const struct dns_db *db, const char *name, uint16_t vpc);

#endif
