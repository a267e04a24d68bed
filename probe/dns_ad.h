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
 * mx_dns_ad_parse() reads an answer's header and question.
 *
 * Ownership: the handle and each query are the caller's to free; a query
 * must be freed before its handle.  The callback never frees the query.
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

#endif
