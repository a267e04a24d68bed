/*
 * dns_int.h - what the pieces of probe/dns.h share (internal to
 * probe/dns*.c and probe/tlsa.c).
 *
 * Purpose: the context struct (dns.c owns it), the record type numbers,
 * the limits, and the hook mx_dns_free() uses to cancel the target
 * resolutions of dns_resolve.c.
 * Ownership: struct mx_dns is created and freed by dns.c only; the other
 * files read it and link their jobs into dns->jobs.
 * Limits: MX_DNS_MAX_MX hosts per MX set, MX_DNS_MAX_ADDRS addresses per
 * family per host, WHY_BOGUS_MAX octets of libunbound's why_bogus.
 */
#ifndef MX_PROBE_DNS_INT_H
#define MX_PROBE_DNS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "probe/dns.h"

#define MX_DNS_DEFAULT_TIMEOUT_MS 5000
#define MX_DNS_MAX_MX 32
#define MX_DNS_MAX_ADDRS 16
#define WHY_BOGUS_MAX 512

enum {
	RR_A = 1,
	RR_MX = 15,
	RR_TXT = 16,
	RR_AAAA = 28,
	RR_TLSA = 52,
	CLASS_IN = 1,
};

/* One outstanding query. */
struct dnsq {
	struct mx_dns *dns;
	struct dnsq *prev, *next;
	int async_id;
	int rrtype;
	struct event *timer;
	int64_t started;
	mx_dns_cb cb;
	void *arg;
	/* no trust anchor: the resolver's AD bit (dns_ad.h) */
	struct mx_dns_adq *adq; /* NULL: none asked or it answered */
	int ad;			/* what it answered: 1 AD, 0 not */
	int main_done;		/* libunbound answered: `held` is it */
	struct mx_dns_answer held;
};

struct rjob;

struct mx_dns {
	struct event_base *base;
	struct ub_ctx *ctx;
	struct event *ev; /* ub_fd readable */
	int ev_added;
	int timeout_ms;
	int validating;
	struct mx_dns_ad *ad; /* no trust anchor: trust the AD bit */
	const struct mx_log *log;
	struct dnsq *queries; /* outstanding */
	size_t nqueries;
	struct rjob *jobs; /* mx_resolve_target in progress */
	int in_process;	   /* inside ub_process() */
	int dying;	   /* freed from inside ub_process() */
};

/* Cancel and free every mx_resolve_target() job of dns (dns_resolve.c);
 * no callback runs afterwards. */
void mx_dns_resolve_cancel_all(struct mx_dns *dns);

#endif
