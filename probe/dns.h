/*
 * dns.h - asynchronous DNS with libunbound, on the one event loop.
 *
 * mx_dns wraps a ub_ctx in asynchronous mode; its file descriptor is
 * watched by the libevent base passed in, so DNS never blocks the probe.
 * With `resolver` set, queries go to that server (ub_ctx_set_fwd); else
 * /etc/resolv.conf.  With `trust_anchor` set, answers are DNSSEC-validated
 * by libunbound (secure/bogus); else `secure` is the resolver's AD bit,
 * as Postfix trusts it (smtp_dns_support_level = dnssec): libunbound
 * drops that bit, so the resolver is asked once more directly
 * (probe/dns_ad.h, see probe/dns.c).
 *
 * mx_resolve_target() turns a parsed target into hosts and endpoints in the
 * model: for a domain, MX (sorted by preference; null MX and implicit MX
 * recognised), then A and AAAA of every MX host; for a host name, its A
 * and AAAA; for an address literal, the address.  Each lookup's status and
 * time is recorded; a failed lookup for one MX host does not stop the
 * others.  The callback fires once when everything is resolved.
 *
 * Sharing: mx_dns_share() gives another handle on one context - its
 * libunbound cache, its resolver and its cache of AD-bit answers
 * (dns_ad.h) - with queries and resolutions of its own: freeing a share
 * cancels what that share has outstanding and nothing else, so several
 * runs (the targets of a scan, a watch, an exporter) ask the resolver
 * once for what they share and each can still be cancelled alone.
 *
 * Ownership: answers passed to callbacks are borrowed for the call only.
 * A share is freed with mx_dns_free() like the context; when the context
 * is freed first it lives on, without queries of its own, until its last
 * share is freed.
 */
#ifndef MX_PROBE_DNS_H
#define MX_PROBE_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/result.h"

struct event_base;
struct mx_dns;

struct mx_dns_params {
	const char *resolver;	  /* "IP" or "IP:PORT" or "[v6]:PORT" */
	const char *trust_anchor; /* file with DS/DNSKEY; NULL: none */
	int timeout_ms;		  /* per query; 0: 5000 */
	const struct mx_log *log;
};

struct mx_dns_mx {
	uint16_t pref;
	char *name; /* without the trailing dot; "" = root */
};

struct mx_dns_tlsa {
	uint8_t usage, selector, mtype;
	uint8_t *data;
	size_t len;
};

struct mx_dns_answer {
	enum mx_dns_status status;
	int secure; /* DNSSEC validated */
	char *why_bogus;
	int64_t ms;
	/* the record data, by type */
	struct mx_dns_mx *mx;
	size_t nmx;
	char **addrs; /* A/AAAA as numeric strings */
	size_t naddrs;
	struct mx_dns_tlsa *tlsa;
	size_t ntlsa;
	char **txt; /* TXT strings, raw (escape to show) */
	size_t ntxt;
	const char *error; /* resolver error / rcode, static */
	size_t nmalformed; /* records whose rdata did not decode */
};

typedef void (*mx_dns_cb)(void *arg, const struct mx_dns_answer *ans);

struct mx_dns *mx_dns_new(struct event_base *base,
			  const struct mx_dns_params *p, char *err,
			  size_t errlen);
/* Cancel dns's own outstanding queries and resolutions (no callback of
 * theirs runs afterwards) and free it; may be called from a callback. */
void mx_dns_free(struct mx_dns *dns);
/* A handle on dns's context with queries of its own (see above), each
 * with timeout_ms (0: the context's); NULL when dns is NULL, is itself
 * a share or was freed. */
struct mx_dns *mx_dns_share(struct mx_dns *dns, int timeout_ms);
/* rrtype: 15 MX, 1 A, 28 AAAA, 52 TLSA, 16 TXT.  Returns 0 or -1. */
int mx_dns_query(struct mx_dns *dns, const char *name, int rrtype, mx_dns_cb cb,
		 void *arg);

/* Decode one record's rdata (uncompressed wire format, as libunbound
 * hands it) of type rrtype and append it to ans.  Returns 0, or -1 if the
 * rdata is truncated, malformed or of another type (ans unchanged).
 * Exposed for the unit tests and the fuzz target. */
int mx_dns_rdata_decode(struct mx_dns_answer *ans, int rrtype, const uint8_t *p,
			size_t len);
/* Free what the decoders put into ans (not ans itself); zeroes it. */
void mx_dns_answer_clear(struct mx_dns_answer *ans);

typedef void (*mx_resolve_cb)(void *arg, struct mx_target *t);
/* Fill t->hosts / t->endpoints (and t's DNS facts).  t must stay valid
 * until the callback.  Returns 0, or -1 if nothing could be started. */
int mx_resolve_target(struct mx_dns *dns, struct mx_target *t, mx_resolve_cb cb,
		      void *arg);

#endif
