/*
 * handshakes.h - a batch of real TLS sessions against one endpoint,
 * through the run's connection pool, on the caller's loop.
 *
 * Purpose: the client confirmations, the advice tests and the bisection's
 * advice check each ask "does this stack, with these settings, negotiate
 * with this server, and what does it get?".  Each question is one real
 * session of the SMTP client engine (TCP, greeting, EHLO, STARTTLS or
 * implicit TLS, the handshake; no trust store is loaded: negotiation is
 * asked, not trust), ended once TLS is up.  Sessions that would send the
 * same hello (same backend, same settings) run once and answer all
 * (`dup`).  Each session waits for a pool slot (per-address cap); a
 * session not started before the deadline is `skipped`.
 *
 * API (engine style):
 *   b = mx_hs_batch_new(base, pool, ep, &params, sessions, n, done, arg);
 *   mx_hs_batch_start(b);   ... done(arg) once, from the loop;
 *   mx_hs_batch_free(b)     (inside done or later; cancels what runs).
 * The caller fills sessions[i].be, .tls (and .purpose) and reads .out,
 * .ok, .skipped after done; sessions[i].tls.sni defaults to ep->host.
 *
 * Ownership: sessions, ep and params are borrowed until the batch is
 * freed; sessions[i].out belongs to the caller (mx_tls_clear it).
 * Facts only: comparing them with predictions is the analyzers' job.
 */
#ifndef MX_PROBE_HANDSHAKES_H
#define MX_PROBE_HANDSHAKES_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/conn.h"
#include "model/result.h"
#include "probe/pool.h"
#include "probe/tls.h"

struct event_base;
struct mx_hs_batch;

struct mx_hs {
	/* in */
	const struct mx_tls_backend *be;
	struct mx_tls_params tls; /* the client keeps a pointer to it */
	struct mx_conn_purpose purpose;
	/* out */
	struct mx_tls out;
	int ok;	     /* handshake completed without a failure */
	int skipped; /* never started (deadline, cancelled) */
	int dup;     /* the same handshake as [dup_of]: not run again */
	size_t dup_of;
	/* internal */
	struct mx_hs_batch *b;
	struct mx_smtp_client *c;
	struct mx_connrec *rec; /* owned by the endpoint */
	struct mx_smtp smtp;
	struct mx_pool_wait w;
	int state; /* 0 queued, 1 waiting, 2 running, 3 finished */
};

struct mx_hs_params {
	const char *helo;    /* NULL: mxprobe.invalid */
	int timeout_ms;	     /* per step; 0: 10000 */
	int64_t deadline_ms; /* absolute monotonic; 0: none */
	/* 1: ask the pool for background slots (probe/pool.h): the
	 * sessions fill slots that would idle and never delay foreground
	 * work on the same address. */
	int background;
	const struct mx_log *log;
};

/* Would sessions a and b send the same hello and take it the same way
 * (backend, SNI, cipher lists, groups, priority, versions, level)? */
int mx_hs_same(const struct mx_hs *a, const struct mx_hs *b);

typedef void (*mx_hs_done_fn)(void *arg);

struct mx_hs_batch *
mx_hs_batch_new(struct event_base *base, struct mx_pool *pool,
		struct mx_endpoint *ep, const struct mx_hs_params *p,
		struct mx_hs *ss, size_t n, mx_hs_done_fn done, void *arg);
void mx_hs_batch_start(struct mx_hs_batch *b);
/* Stop: sessions running are aborted, queued ones are skipped, their
 * facts say why ("the run was cancelled", "the deadline was reached");
 * done follows from the loop. */
void mx_hs_batch_cancel(struct mx_hs_batch *b, const char *why);
void mx_hs_batch_free(struct mx_hs_batch *b);

#endif
