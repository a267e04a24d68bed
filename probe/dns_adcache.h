/*
 * dns_adcache.h - a small bounded cache of the resolver's AD-bit answers
 * (probe/dns_ad.h), so that the targets of a run, a scan, a watch or an
 * exporter that share a name (their MX host's A, AAAA and TLSA) ask the
 * resolver for its AD bit once.
 *
 * Purpose: keyed by (qname without case and trailing dot, qtype); the
 * value is the AD bit.  An entry lives for the answer's TTL: the lowest
 * TTL of its answer records, capped at MX_DNS_ADCACHE_TTL_MAX seconds;
 * a negative answer (NXDOMAIN or NODATA, RFC 2308 section 5) for the
 * lower of its SOA's TTL and MINIMUM, capped at
 * MX_DNS_ADCACHE_NEG_TTL_MAX.  A TTL of 0 is not stored.
 *
 * API: the clock is the caller's: every call takes `now_ms`, monotonic
 * milliseconds (common/clock.h mx_now_ms() in the probe, any value in
 * the tests).  mx_dns_adcache_get() answers 1 (AD), 0 (no AD) or -1 (not
 * cached or expired); mx_dns_adcache_put() stores or replaces.
 *
 * Ownership: the cache copies the names.  Limits: at most `cap` entries
 * (0: MX_DNS_ADCACHE_CAP); when full, expired entries go first, then the
 * one that expires soonest.  Names over 253 octets are not stored.
 */
#ifndef MX_PROBE_DNS_ADCACHE_H
#define MX_PROBE_DNS_ADCACHE_H

#include <stddef.h>
#include <stdint.h>

#define MX_DNS_ADCACHE_CAP 4096
#define MX_DNS_ADCACHE_TTL_MAX 3600u	/* seconds */
#define MX_DNS_ADCACHE_NEG_TTL_MAX 900u /* seconds */

struct mx_dns_adcache;

struct mx_dns_adcache *mx_dns_adcache_new(size_t cap);
void mx_dns_adcache_free(struct mx_dns_adcache *c);
int mx_dns_adcache_get(struct mx_dns_adcache *c, const char *name, int rrtype,
		       int64_t now_ms);
/* ttl_s: the answer's TTL in seconds (capped here); negative: it was
 * NXDOMAIN or NODATA (the other cap). */
void mx_dns_adcache_put(struct mx_dns_adcache *c, const char *name, int rrtype,
			int ad, uint32_t ttl_s, int negative, int64_t now_ms);
size_t mx_dns_adcache_count(const struct mx_dns_adcache *c);

#endif
