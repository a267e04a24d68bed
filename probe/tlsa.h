/*
 * tlsa.h - the TLSA records of a target's endpoints (RFC 6698, RFC 7672),
 * looked up through probe/dns.h on the caller's loop.
 *
 * Purpose: one TLSA query per endpoint, "_port._tcp.host" (RFC 7672
 * §2.2), each answer turned into the DANE state the policy judgement
 * reads (model/policy.h enum mx_tlsa_state) plus the RRset:
 *   NOERROR with records  -> USABLE when DNSSEC-validated, else INSECURE
 *   NODATA / NXDOMAIN      -> NONE when validated, else INSECURE
 *   anything else          -> FAILED (SERVFAIL, bogus, timeout, error)
 * and, once every answer is in, RFC 7672 §2.2.1: a domain whose MX
 * lookup was not validated voids the TLSA of its hosts (INSECURE).
 *
 * API: mx_tlsa_lookup_new() starts the queries on an mx_dns the caller
 * owns, on the caller's event loop; `done` runs once from the loop when
 * every query has answered (also when none could be started: those
 * endpoints stay NOT_LOOKED_UP, before the §2.2.1 rule).  Callbacks never
 * run inside mx_tlsa_lookup_new().
 * mx_tlsa_lookup_result() reads endpoint i's state and records.
 * mx_tlsa_lookup_store() copies every endpoint's facts into the model
 * (ep->dane, model/result.h) for `check` (analyzers/dane.c judges them).
 * Endpoints that share host and port share one query (RFC 7672 §2.2:
 * the TLSA RRset belongs to the name and port, not the address).
 *
 * Ownership: the lookup owns the records (mx_tlsa_lookup_free() releases
 * them); results are borrowed until then.  The target is borrowed and
 * must stay valid until `done`.  Free the lookup after `done` has run
 * (it then no longer refers to the loop, which may be gone), or after
 * mx_dns_free() cancelled what was still outstanding and before the
 * loop is freed.
 *
 * One answer at a time (the sender asks per endpoint as it reaches it):
 * mx_tlsa_state_of() is the table above, mx_tlsa_mx_rule() the §2.2.1
 * rule, mx_tlsa_rrs_copy() the records.
 *
 * Limits: at most MX_TLSA_MAX_RR records kept per endpoint.
 */
#ifndef MX_PROBE_TLSA_H
#define MX_PROBE_TLSA_H

#include <stddef.h>
#include <stdint.h>

#include "model/policy.h"
#include "model/result.h"

#define MX_TLSA_MAX_RR 32

struct event_base;
struct mx_dns;
struct mx_dns_answer;
struct mx_tlsa_lookup;

struct mx_tlsa_result {
	enum mx_tlsa_state state;
	struct mx_tlsa_rr *rr; /* owned by the lookup */
	size_t nrr;
	/* the answer itself (additive, for ep->dane) */
	int answered;		   /* a query was made and answered */
	enum mx_dns_status status; /* MX_DNS_NOT_ASKED when not */
	int secure;		   /* validated (or AD, see dns.h) */
	char *why_bogus;	   /* owned by the lookup, escaped */
	int64_t ms;
	size_t nmalformed;
};

typedef void (*mx_tlsa_done_cb)(void *arg, struct mx_tlsa_lookup *l);

/* The DANE state of one TLSA answer (the table above, before §2.2.1). */
enum mx_tlsa_state mx_tlsa_state_of(const struct mx_dns_answer *ans);
/* RFC 7672 §2.2.1 for a host of target t: INSECURE when t is a domain
 * whose MX lookup was not validated (FAILED stays), else s. */
enum mx_tlsa_state mx_tlsa_mx_rule(const struct mx_target *t,
				   enum mx_tlsa_state s);
/* Copy the answer's records (at most MX_TLSA_MAX_RR) into a new array
 * *out (NULL when none), each rr's data its own allocation: the caller
 * frees every data and the array.  Returns how many. */
size_t mx_tlsa_rrs_copy(const struct mx_dns_answer *ans,
			struct mx_tlsa_rr **out);

/* The owner name of an endpoint's TLSA RRset, "_25._tcp.mx.example";
 * returns -1 (and "" in out) when it does not fit or host is missing. */
int mx_tlsa_qname(char *out, size_t len, const char *host, unsigned port);

/* NULL when base, t or done is NULL.  dns may be NULL (no resolver):
 * nothing is looked up, `done` still runs from base. */
struct mx_tlsa_lookup *mx_tlsa_lookup_new(struct event_base *base,
					  struct mx_dns *dns,
					  const struct mx_target *t,
					  mx_tlsa_done_cb done, void *arg);
/* Endpoint i (index into t->endpoints); NULL when out of range. */
const struct mx_tlsa_result *
mx_tlsa_lookup_result(const struct mx_tlsa_lookup *l, size_t i);
void mx_tlsa_lookup_free(struct mx_tlsa_lookup *l);
/* Copy the facts of every endpoint of t (the target the lookup was made
 * for) into t->endpoints[i].dane, replacing what was there; address
 * literals and endpoints without a host are left not looked up. */
void mx_tlsa_lookup_store(const struct mx_tlsa_lookup *l, struct mx_target *t);

#endif
