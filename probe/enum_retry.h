/*
 * enum_retry.h - enumerate again, without the suite class an intolerant
 * server drops, the versions the intolerance kept from being enumerated.
 *
 * Purpose: a server that sends FIN (RST, silence, an odd alert) right
 * after any hello offering one suite class (e.g. AES-GCM) leaves every
 * version whose offer contains that class "not known" (or "refused" by
 * FIN) after the enumeration (probe/enum.h), although it may accept the
 * other suites of that version.  Once the bisection (probe/bisect.h) has
 * named the class, each such version is enumerated again with the class
 * left out of every offer, and the result replaces the old record when it
 * is better: accepted, or refused cleanly (an alert, another version).
 * The class stays untested in those versions, and the enumeration says
 * so (mx_enum.untested*).
 *
 * Which versions: state -1 or 0 with odd answers only
 * (mx_enum_version.odd_only and a refusal), whose registry offer has
 * members of the class and others.
 *
 * API: mx_enum_retry_new() does it all (the run's loop and pool);
 * mx_enum_retry_blocked() and mx_enum_retry_merge() are its pure parts,
 * for the tests.
 * Ownership: params borrowed for the call; ep->enumr is changed in
 * place.  Facts only, no judgement.
 */
#ifndef MX_PROBE_ENUM_RETRY_H
#define MX_PROBE_ENUM_RETRY_H

#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "probe/pool.h"

struct mx_enum_retry_params {
	const char *helo;
	int timeout_ms;	     /* per step and per hello; 0: 10000 */
	int64_t deadline_ms; /* absolute monotonic; 0: none */
	const struct mx_log *log;
};

/* Versions of e (bits 1u << enum mx_enum_ver) that only got odd answers
 * and whose offer without `exclude` (bits 1u << MX_CIPHER_*) is smaller
 * but not empty. */
unsigned mx_enum_retry_blocked(const struct mx_enum *e, uint32_t exclude);

/* Merge `fresh`, an enumeration of the versions `ran` without the class
 * named `what` ("AES-GCM suites"), into e: a version's record is replaced
 * when the new one is accepted or cleanly refused (its old incomplete
 * reason is taken back, its new one added), connections, retries, time,
 * groups and certificate keys are added, and the class is recorded as
 * untested in the replaced versions.  Takes what it keeps out of fresh
 * (free fresh afterwards).  Returns the versions replaced (bits). */
unsigned mx_enum_retry_merge(struct mx_enum *e, struct mx_enum *fresh,
			     unsigned ran, const char *what);

/* The engine: enumerate the blocked versions of ep->enumr again without
 * `exclude` (bits 1u << MX_CIPHER_*, the class named `what`) through the
 * run's pool on the caller's loop, and merge.  done(arg, rc) follows once
 * from the loop: rc = the versions replaced (bits, 0 when none was
 * blocked or none did better).  Its connections are recorded in ep with
 * purpose "retry" and the class left out. */
struct event_base;
struct mx_enum_retry;
typedef void (*mx_enum_retry_done_fn)(void *arg, int rc);
struct mx_enum_retry *mx_enum_retry_new(struct event_base *base,
					struct mx_pool *pool,
					struct mx_endpoint *ep,
					uint32_t exclude, const char *what,
					const struct mx_enum_retry_params *p,
					mx_enum_retry_done_fn done, void *arg);
void mx_enum_retry_start(struct mx_enum_retry *r);
/* Stop early: what is not finished is marked incomplete; done follows. */
void mx_enum_retry_cancel(struct mx_enum_retry *r, const char *why);
void mx_enum_retry_free(struct mx_enum_retry *r);

#endif
