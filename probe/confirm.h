/*
 * confirm.h - the clients step of `ciphers` / `check --deep`: real
 * handshakes that confirm the client simulation and test the advice.
 *
 * Purpose: a prediction is a claim; this step checks it the only way
 * that counts.  For each simulated client (ep->enumr->clients) that a
 * local stack can play - OpenSSL (mx_tls_openssl with the profile's cipher
 * list, TLS 1.3 suites, security level and versions) or GnuTLS
 * (mx_tls_gnutls with its priority string) - one real STARTTLS or
 * implicit-TLS session through the SMTP client engine; what it got
 * (version, suite, key exchange, or the failure) is stored in the
 * client's record (mx_client_sim.real_*) and compared with the
 * prediction by the analyzers (analyzers/confirm_judge.c:
 * client.prediction_mismatch).  Then every advice string
 * (advice_openssl, advice_gnutls) is tried in a real handshake:
 * advice_*_ok = 1 when it negotiated (PASS), 0 when not (FAIL).
 *
 * The whole step for one enumerated endpoint, each stage started by the
 * completion of the one before on the caller's loop: the intolerance
 * bisection (probe/bisect.h, when asked and needed), the re-enumeration
 * of the versions a dropped suite class blocked (probe/enum_retry.h),
 * the simulation (a callback: the probe layer does not call analyzers;
 * src/ passes mx_clients_simulate), the confirmations and advice tests
 * (probe/handshakes.h).
 *
 * Connections: one per distinct playable profile setting and one per
 * distinct advice string, each granted by the run's pool (the per-host
 * cap), each bounded by the step timeouts and the deadline; what the
 * deadline or a cancel stops is left unconfirmed.  These sessions load no
 * trust store: they ask whether a client negotiates, not whether it
 * trusts the chain.
 *
 * API (engine style):
 *   cs = mx_clients_step_new(base, pool, ep, &params, done, arg);
 *   mx_clients_step_start(cs);   ... done(arg) once, from the loop;
 *   mx_clients_step_cancel(cs)   stops early (done follows);
 *   mx_clients_step_free(cs).
 *
 * Ownership: params (and the clients table) borrowed until freed;
 * results go into the endpoint's enumeration facts (owned by it).
 * Facts only: the judgement is the analyzers'.
 */
#ifndef MX_PROBE_CONFIRM_H
#define MX_PROBE_CONFIRM_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "probe/pool.h"
#include "probe/tls.h"

struct event_base;
struct mx_clients_step;

/* How to play one profile (mx_confirm_client_table, probe/client_play.h,
 * builds them from the profile table). */
struct mx_confirm_client {
	const char *id;			 /* mx_client_sim.profile */
	const struct mx_tls_backend *be; /* NULL: no local stack can */
	struct mx_tls_params tls;	 /* the profile in be's terms */
};

struct mx_clients_params {
	const char *helo;    /* EHLO name; NULL: mxprobe.invalid */
	int timeout_ms;	     /* per step; 0: 10000 */
	int64_t deadline_ms; /* absolute monotonic; 0: none */
	const struct mx_log *log;
	const struct mx_confirm_client *clients;
	size_t nclients;
	int bisect; /* run the intolerance bisection */
	/* Fills ep->enumr->clients (src/ passes mx_clients_simulate). */
	void (*simulate)(struct mx_enum *e);
};

typedef void (*mx_clients_done_fn)(void *arg);

struct mx_clients_step *mx_clients_step_new(struct event_base *base,
					    struct mx_pool *pool,
					    struct mx_endpoint *ep,
					    const struct mx_clients_params *p,
					    mx_clients_done_fn done, void *arg);
void mx_clients_step_start(struct mx_clients_step *cs);
/* Optional, before start (while the enumeration runs): begin the
 * confirmations at once, on background slots of the pool - they need no
 * enumeration, so they fill slots the enumeration leaves idle - and,
 * when the endpoint's probe saw its own full hello fail, the bisection
 * (needed whatever the enumeration finds).  start() then waits for
 * them where it needs them. */
void mx_clients_step_prestart(struct mx_clients_step *cs);
/* Stop early; what did not run stays unconfirmed, with `why` in the
 * facts ("the run was cancelled", "the deadline was reached"). */
void mx_clients_step_cancel(struct mx_clients_step *cs, const char *why);
void mx_clients_step_free(struct mx_clients_step *cs);

#endif
