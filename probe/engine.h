/*
 * engine.h - one run on the caller's event loop: resolve -> probe ->
 * enumerate -> clients (bisect, re-enumerate, confirm, advise) over every
 * endpoint of every target, driven by completion callbacks.
 *
 * This is the engine behind `check`, `certs`, `ciphers` and `check
 * --deep`, and what the dashboard embeds.  The caller owns the
 * event_base: the engine never creates one, never spins it and never
 * stops it; it tells the caller through callbacks.  Several runs may
 * share one loop (and, for politeness across them, one pool).
 *
 * Stages per endpoint (enum mx_stage), each started by the completion of
 * the one before:
 *   resolve  DNS for the endpoint's target (probe/dns.h: MX, A/AAAA)
 *   probe    one SMTP client session (probe/smtp_client.h): connect,
 *            greeting, EHLO, STARTTLS or implicit TLS, EHLO, QUIT
 *   enum     suite enumeration (probe/enum.h), when asked: every
 *            endpoint whose handshake was attempted, or completed, or
 *            (params.intolerance) failed with FIN or RST, or met
 *            silence while a small hello is answered
 *   clients  the clients step (probe/confirm.h): bisection, the
 *            re-enumeration without a dropped class, the simulation,
 *            confirmations and advice tests
 * Independent endpoints proceed concurrently; every connection of every
 * stage is granted by one pool (probe/pool.h: per-address cap, global
 * cap, backoff) and leaves a record in its endpoint (model/conn.h) with an
 * id unique in the pool.
 *
 * Cancel (SIGINT in the CLI): no new connection is granted, connections
 * still open are closed at once, what is not finished is marked as such
 * (MX_STOP_CANCELLED for an endpoint probe that did not end, "cancelled"
 * in an enumeration's incomplete reason, clients left unconfirmed), and
 * done follows from the loop - well within a second.
 *
 * Facts only: the caller runs the analyzers when done is called.
 *
 * API:
 *   e = mx_engine_new(base, run, &params, &cbs, arg);
 *   mx_engine_start(e);     ... cbs.progress(...) per stage change,
 *                           cbs.done(arg) once, from the loop;
 *   mx_engine_cancel(e);    optional; done follows;
 *   mx_engine_free(e)       (inside done or later).
 * Ownership: run, params strings, the clients table and a pool or DNS
 * context given in params are borrowed until mx_engine_free; the run is
 * filled in place.  With a DNS context of the caller's the engine works
 * on a share of it (mx_dns_share): cancelling or freeing the engine
 * cancels its own lookups only, and the caller frees the context after
 * its last engine.
 */
#ifndef MX_PROBE_ENGINE_H
#define MX_PROBE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "probe/confirm.h"
#include "probe/pool.h"
#include "probe/tls.h"

struct event_base;
struct mx_dns;
struct mx_engine;

enum mx_stage {
	MX_STAGE_QUEUED = 0, /* waiting for a connection slot */
	MX_STAGE_RESOLVE,
	MX_STAGE_PROBE,
	MX_STAGE_ENUM,
	MX_STAGE_CLIENTS,
	MX_STAGE_DONE,
	MX_STAGE__N
};

enum mx_engine_enum {
	MX_ENGINE_ENUM_NONE = 0,
	MX_ENGINE_ENUM_ATTEMPTED, /* `ciphers`: the handshake was tried */
	MX_ENGINE_ENUM_COMPLETED, /* `check --deep`: it completed */
};

struct mx_engine_params {
	/* resolve: a DNS context of the caller's (shared by several runs:
	 * one libunbound cache and AD-bit cache for all, probe/dns.h), or
	 * NULL for one of the run's own from these settings */
	struct mx_dns *dns;
	const char *resolver; /* NULL: /etc/resolv.conf */
	const char *trust_anchor;
	int dns_timeout_ms;
	/* probe */
	const char *helo;
	int step_timeout_ms;	  /* each SMTP/TLS step */
	int endpoint_deadline_ms; /* the whole endpoint probe */
	const struct mx_tls_backend *tls;
	struct mx_tls_params tls_params; /* sni is set per endpoint */
	int handshake_only; /* end each probe once TLS is up (`ciphers`) */
	/* politeness: a pool of the caller's (shared by several runs), or
	 * NULL for one of the run's own with these caps */
	struct mx_pool *pool;
	int per_host; /* 0: 2 */
	int global;   /* 0: 16 */
	/* enumerate and clients */
	enum mx_engine_enum enumerate;
	/* `check`: an endpoint whose handshake failed without an alert
	 * at once (FIN or RST after the ClientHello: the signature of
	 * intolerance) is enumerated after its probe and gets the clients
	 * step (bisection, confirmations, advice tests) whatever
	 * `enumerate` says, so its fix names strings a real handshake
	 * confirmed.  After silence one small hello asks first whether
	 * the server answers anything (each hello of the rest would wait
	 * the whole timeout); only then the same.  Needs `clients`. */
	int intolerance;
	int hello_timeout_ms; /* cap of a hello's answer; 0: 10000 */
	/* Every stage of an endpoint ends within this many ms of its probe's
	 * start (0: no limit beyond each stage's own): a timer stops what
	 * still runs then, and what it stops is marked incomplete. */
	int job_deadline_ms;
	const struct mx_confirm_client *clients; /* NULL: no clients step */
	size_t nclients;
	void (*simulate)(struct mx_enum *e);
	const struct mx_log *log;
};

struct mx_engine_cbs {
	/* An endpoint (ep; NULL while its target resolves) of target t
	 * entered stage st.  Optional. */
	void (*progress)(void *arg, const struct mx_target *t,
			 const struct mx_endpoint *ep, enum mx_stage st);
	/* Every endpoint is done (or the run was cancelled). */
	void (*done)(void *arg);
};

/* NULL with a message in err when the engine cannot start (DNS context). */
struct mx_engine *mx_engine_new(struct event_base *base, struct mx_run *run,
				const struct mx_engine_params *p,
				const struct mx_engine_cbs *cbs, void *arg,
				char *err, size_t errlen);
void mx_engine_start(struct mx_engine *e);
void mx_engine_cancel(struct mx_engine *e);
int mx_engine_cancelled(const struct mx_engine *e);
void mx_engine_free(struct mx_engine *e);

/* Progress figures: endpoints known and done, connections so far. */
struct mx_engine_stats {
	size_t targets, targets_resolved;
	size_t endpoints, endpoints_done;
	size_t per_stage[MX_STAGE__N];
	unsigned connections;
};
void mx_engine_stats(const struct mx_engine *e, struct mx_engine_stats *st);

const char *mx_stage_name(enum mx_stage st); /* "probe", "enum" ... */

#endif
