/*
 * dns_int.h - what the pieces of probe/dns.h share (internal to
 * probe/dns*.c and probe/tlsa.c).
 *
 * Purpose: the context struct (dns.c owns it), the record type numbers,
 * the limits, and the hook mx_dns_free() uses to cancel the target
 * resolutions of dns_resolve.c.
 * Ownership: struct mx_dns is created and freed by dns.c only; the other
 * files read it and link their jobs into dns->jobs (of the handle they
 * were given: a share's jobs are cancelled with the share).
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

/*
 * A context (from mx_dns_new: root == itself) or a share of one (from
 * mx_dns_share: root == the context).  A share copies the context's
 * settings and borrows its ub_ctx and AD handle; the fields marked
 * "root" are used on the context only.
 */
struct mx_dns {
	struct mx_dns *root;
	struct event_base *base;
	struct ub_ctx *ctx;
	struct event *ev; /* root: ub_fd readable */
	int ev_added;	  /* root */
	int timeout_ms;
	int validating;
	struct mx_dns_ad *ad; /* no trust anchor: trust the AD bit */
	const struct mx_log *log;
	struct dnsq *queries; /* this handle's outstanding queries */
	size_t nqueries;
	size_t nall;	   /* root: outstanding over the context and shares */
	size_t shares;	   /* root: shares not yet freed */
	int freed;	   /* root: mx_dns_free()d while shares remain */
	struct rjob *jobs; /* this handle's mx_resolve_target in progress */
	int in_process;	   /* root: inside ub_process() */
	int dying;	   /* root: to be freed when ub_process() returns */
};

/* --resolver "IP", "IP:PORT", "[v6]:PORT" -> "IP" / "IP@PORT" for
 * ub_ctx_set_fwd() (dns_fwd.c).  0, or -1 with a reason in err. */
int mx_dns_fwd_spec(const char *res, char *out, size_t outlen, char *err,
		    size_t errlen);

/* The handle may no longer start queries (its context is going). */
static inline int mx_dns_gone(const struct mx_dns *dns)
{
	return dns->root->dying || (dns == dns->root && dns->freed);
}

/* Cancel and free every mx_resolve_target() job of the handle dns
 * (dns_resolve.c; not those of other shares); no callback runs
 * afterwards. */
void mx_dns_resolve_cancel_all(struct mx_dns *dns);

#endif
