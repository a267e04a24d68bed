/*
 * dns_ad.h - "trust the resolver's AD bit" (Postfix smtp_dns_support_level
 * = dnssec with a validating resolver) for probe/dns.c.
 *
 * Purpose: without --trust-anchor, libunbound cannot tell whether an
 * answer was validated: it derives the AD bit of what it hands back from
 * its own validation only and drops the forwarder's (checked against an
 * unbound 1.17 forwarder: the forwarder says "ad", ub_result has secure 0
 * and answer_packet has AD clear).  So beside each libunbound query,
 * dns.c asks the resolver itself the same question once more, over UDP
 * with the AD bit set (RFC 6840 section 5.7) and EDNS DO (RFC 3225), and
 * takes the AD bit of that answer's header as `secure` - what a
 * non-validating resolver client with glibc's "trust-ad" or Postfix does.
 *
 * API: mx_dns_ad_new() picks the resolver (the --resolver address in
 * ub_ctx_set_fwd form "IP" / "IP@PORT", or else the first "nameserver"
 * of /etc/resolv.conf); NULL when there is none.  mx_dns_adq_start()
 * sends one query on the loop; `cb` runs once from the loop with 1 (AD
 * set), 0 (answer without AD) or never (no answer: the caller's timer
 * decides).  mx_dns_adq_free() cancels.  The pure halves are exposed for
 * the unit tests and the fuzz target: mx_dns_ad_build() writes the query,
 * mx_dns_ad_parse() reads an answer's header and question,
 * mx_dns_ad_parse_ttl() also how long the answer may be kept.
 *
 * Asked once: the handle keeps the answers in a bounded cache
 * (probe/dns_adcache.h: by name and type, for the answer's TTL or a
 * negative answer's SOA minimum, both capped) on the monotonic clock of
 * common/clock.h; mx_dns_ad_cached() reads it, and dns.c asks it before
 * starting a query.  Queries for a question already on the wire wait for
 * that one's answer instead of sending it again; the question is dropped
 * when the last of them is freed.
 *
 * Ownership: the handle and each query are the caller's to free; a query
 * must be freed before its handle.  The callback may free its own query
 * and others (and, from the last of them, the handle).
 * Limits: names up to 253 octets; answers up to 4096 octets are read,
 * only the header and the question are parsed (bounded cursor).
 */
#ifndef MX_PROBE_DNS_AD_H
#define MX_PROBE_DNS_AD_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct mx_dns_ad;
struct mx_dns_adq;

#define MX_DNS_AD_QUERY_MAX 300

typedef void (*mx_dns_ad_cb)(void *arg, int ad);

/* fwd: "IP" or "IP@PORT" (IPv4 or IPv6), or NULL for /etc/resolv.conf;
 * resolv_conf: the file to read then (NULL: /etc/resolv.conf). */
struct mx_dns_ad *mx_dns_ad_new(const char *fwd, const char *resolv_conf);
void mx_dns_ad_free(struct mx_dns_ad *ad);
/* The resolver asked, "IP@PORT" (for logs). */
const char *mx_dns_ad_server(const struct mx_dns_ad *ad);

struct mx_dns_adq *mx_dns_adq_start(struct mx_dns_ad *ad,
				    struct event_base *base, const char *name,
				    int rrtype, mx_dns_ad_cb cb, void *arg);
void mx_dns_adq_free(struct mx_dns_adq *q);
/* The cached AD bit for name and type: 1, 0, or -1 when not cached (or
 * expired, or ad is NULL). */
int mx_dns_ad_cached(struct mx_dns_ad *ad, const char *name, int rrtype);

/* The query (RD, AD, EDNS0 with DO) into out; returns its length, or -1
 * when the name is not a valid host name of at most 253 octets or out is
 * too small. */
int mx_dns_ad_build(uint8_t *out, size_t outlen, uint16_t id, const char *name,
		    int rrtype);
/* An answer to the query q (as built): 1 when its AD bit is set, 0 when
 * not, -1 when it is not an answer to q (id, QR, opcode, question) or is
 * truncated before the end of its question. */
int mx_dns_ad_parse(const uint8_t *p, size_t len, const uint8_t *q,
		    size_t qlen);
/* The same, and how long the answer may be kept (RFC 2308 section 5):
 * *ttl the lowest TTL of the answer records, or for NXDOMAIN / NODATA
 * (*negative set) the lower of the SOA's TTL and MINIMUM; 0 when it must
 * not be kept (TC set, another rcode, no SOA, records that do not
 * parse). */
int mx_dns_ad_parse_ttl(const uint8_t *p, size_t len, const uint8_t *q,
			size_t qlen, uint32_t *ttl, int *negative);

#endif
