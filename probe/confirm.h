/*
 * confirm.h - real handshakes that confirm the client simulation and test
 * the advice, and the clients step of `ciphers` / `check --deep`.
 *
 * Purpose: a prediction is a claim; this module checks it the only way
 * that counts.  For each simulated client (ep->enumr->clients) that a
 * local stack can play - OpenSSL (mx_tls_openssl with the profile's cipher
 * list, TLS 1.3 suites, security level and versions) or GnuTLS
 * (mx_tls_gnutls with its priority string) - one real STARTTLS or
 * implicit-TLS session through the SMTP client engine; the outcome is
 * compared with the prediction: agreement sets confirmed = 1, a
 * disagreement confirmed = 0 with both sides in confirm_detail (judged as
 * client.prediction_mismatch by analyzers/clients.c).  Then every advice
 * string (advice_openssl, advice_gnutls) is tried in a real handshake:
 * advice_*_ok = 1 when it negotiated (PASS), 0 when not (FAIL).
 *
 * mx_clients_run() is the whole clients step for one enumerated endpoint,
 * in this order: the intolerance bisection (probe/bisect.h, when asked),
 * the simulation (a callback: the probe layer does not call analyzers;
 * src/ passes mx_clients_simulate), the confirmations, the advice tests.
 * Call it after the enumeration filled ep->enumr and before the analysis.
 *
 * Connections: one per playable profile and one per advice string, up
 * to max_conn at once (the per-host cap), each bounded by the step
 * timeouts and the deadline; what the deadline stops is left unconfirmed.
 * These sessions load no trust store (mx_tls_params.no_trust_store): they
 * ask whether a client negotiates, not whether it trusts the chain.
 *
 * Ownership: params are borrowed for the call; results go into the
 * endpoint's enumeration facts (owned by it).  Facts only: the judgement
 * is the analyzer's.
 */
#ifndef MX_PROBE_CONFIRM_H
#define MX_PROBE_CONFIRM_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "probe/tls.h"

struct event_base;

/* How to play one profile (built by src/ from analyzers/clients.h). */
struct mx_confirm_client {
	const char *id;			 /* mx_client_sim.profile */
	const struct mx_tls_backend *be; /* NULL: no local stack can */
	struct mx_tls_params tls;	 /* the profile in be's terms */
};

struct mx_clients_params {
	const char *helo;    /* EHLO name; NULL: mxprobe.invalid */
	int timeout_ms;	     /* per step; 0: 10000 */
	int max_conn;	     /* sessions at once; 0: 1 */
	int64_t deadline_ms; /* absolute monotonic; 0: none */
	const struct mx_log *log;
	const struct mx_confirm_client *clients;
	size_t nclients;
	int bisect; /* run the intolerance bisection */
	/* Fills ep->enumr->clients (src/ passes mx_clients_simulate). */
	void (*simulate)(struct mx_enum *e);
};

/* The clients step (see above).  Returns 0, or -1 when the endpoint has no
 * enumeration or the deadline passed before anything ran. */
int mx_clients_run(struct event_base *base, struct mx_endpoint *ep,
		   const struct mx_clients_params *p);

/* Confirmations and advice tests only (the simulation already ran). */
void mx_confirm_clients(struct event_base *base, struct mx_endpoint *ep,
			const struct mx_clients_params *p);

/* One real session against ep with backend be and TLS params tp: TCP,
 * greeting, EHLO, STARTTLS (per ep->mode), the handshake, QUIT.  Fills
 * *out (clear it with mx_tls_clear); returns 1 when the handshake
 * completed without a failure, else 0.  Used by probe/bisect.c too. */
int mx_confirm_handshake(struct event_base *base, const struct mx_endpoint *ep,
			 const struct mx_tls_backend *be,
			 const struct mx_tls_params *tp,
			 const struct mx_clients_params *p, struct mx_tls *out);

#endif
