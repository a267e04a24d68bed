/*
 * engine.c - one run on the caller's loop; see engine.h.
 *
 * A job per endpoint walks the stages; each stage's engine calls back
 * when it is done and the job starts the next.  The engine's only own
 * event is a zero timer that reports `done` from the loop.  Here: the
 * jobs' bookkeeping, the probe, the resolve step and the public API;
 * the enumeration, precheck and clients stages are engine_stages.c
 * (shared state in engine_int.h).
 */
#include "probe/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "model/where.h"
#include "probe/bisect.h"
#include "probe/dns.h"
#include "probe/enum.h"
#include "probe/smtp_client.h"
#include "probe/target.h"
#include "probe/mtasts.h"
#include "probe/tlsa.h"

/* The developer log (-v): every stage change of every endpoint, with the
 * time since its probe started and its connections so far. */
static void log_stage(const struct job *j, enum mx_stage st)
{
	const struct mx_endpoint *ep = &j->t->endpoints[j->ep];
	int64_t ms = ep->started_ms > 0 ? mx_now_ms() - ep->started_ms : 0;
	char w[MX_WHERE_MAX];

	mx_log_msg(j->e->p.log, MX_LOG_INFO,
		   "%s: %s (%lld ms, %zu connections)%s%s",
		   mx_endpoint_where_buf(w, sizeof(w), ep), mx_stage_name(st),
		   (long long)ms, ep->nconns,
		   st == MX_STAGE_DONE && ep->smtp.stop != MX_STOP_NONE
			   ? "; probe stopped: "
			   : "",
		   st == MX_STAGE_DONE && ep->smtp.stop != MX_STOP_NONE
			   ? mx_stop_name(ep->smtp.stop)
			   : "");
}

void mx_eng_set_stage(struct job *j, enum mx_stage st)
{
	struct mx_engine *e = j->e;

	j->st = st;
	log_stage(j, st);
	if (st == MX_STAGE_DONE)
		e->done_jobs++;
	if (e->cbs.progress)
		e->cbs.progress(e->arg, j->t, ep_of(j), st);
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_engine *e = arg;

	(void)fd;
	(void)what;
	mx_log_msg(e->p.log, MX_LOG_INFO,
		   "run done: %zu targets, %zu endpoints%s", e->run->ntargets,
		   e->njobs, e->cancelled ? " (cancelled)" : "");
	e->cbs.done(e->arg); /* may free e */
}

static void check_done(struct mx_engine *e)
{
	struct timeval zero = {0, 0};

	if (e->finished || !e->started || e->resolving > 0 ||
	    e->tlsa_pending > 0 || e->sts_pending > 0 ||
	    e->done_jobs < e->njobs)
		return;
	e->finished = 1;
	event_add(e->ev_done, &zero);
}

void mx_eng_job_finish(struct job *j)
{
	if (j->ev_deadline != NULL)
		event_del(j->ev_deadline);
	mx_eng_set_stage(j, MX_STAGE_DONE);
	check_done(j->e);
}

/* ---- probe ------------------------------------------------------------- */

static void probe_ready(void *arg, struct mx_smtp_client *c)
{
	(void)arg;
	mx_smtp_client_quit(c);
}

static void release_slot(struct job *j)
{
	if (j->granted) {
		j->granted = 0;
		mx_pool_release(j->e->pool, ep_of(j)->addr);
	}
}

static void probe_done(void *arg, struct mx_smtp_client *c)
{
	struct job *j = arg;
	struct mx_endpoint *ep = ep_of(j);
	char w[MX_WHERE_MAX];

	(void)c;
	ep->total_ms = mx_now_ms() - ep->started_ms;
	mx_log_trace(j->e->p.log, MX_TRACE_SCHED, "done %s in %lld ms: %s",
		     mx_endpoint_where_buf(w, sizeof(w), ep),
		     (long long)ep->total_ms, mx_stop_name(ep->smtp.stop));
	mx_smtp_client_free(j->client);
	j->client = NULL;
	release_slot(j);
	/* The server pushed back: later connections to it wait. */
	if (ep->smtp.stop == MX_STOP_CONNECT_REFUSED ||
	    (ep->smtp.stop == MX_STOP_GREETING_REJECTED &&
	     ep->smtp.greeting.code == 421))
		mx_pool_backoff(j->e->pool, ep->addr, 1000);
	if (!j->early) {
		mx_eng_start_enum(j);
		return;
	}
	j->probe_over = 1;
	if (!mx_eng_wants_enum(j->e, ep)) {
		j->drop_enum = 1;
		if (j->en != NULL)
			mx_enumerator_cancel(j->en, "no TLS on this endpoint");
	} else if (j->en != NULL) {
		/* What the probe measured bounds the hellos from now on. */
		mx_enumerator_set_hello_timeout(
			j->en,
			mx_enum_hello_timeout(ep, j->e->p.hello_timeout_ms));
		mx_eng_set_stage(j, MX_STAGE_ENUM);
		mx_eng_prestart_clients(j);
	}
	if (j->enum_over) /* the enumeration ended first */
		mx_eng_enum_done(j, NULL);
}

static void probe_grant(void *arg)
{
	static const struct mx_smtp_client_cbs cbs = {probe_ready, probe_done};
	struct job *j = arg;
	struct mx_engine *e = j->e;
	struct mx_endpoint *ep = ep_of(j);
	struct mx_smtp_params sp;
	struct mx_conn_purpose pu;
	int64_t now = mx_now_ms();

	j->waiting = 0;
	j->granted = 1;
	j->tp = e->p.tls_params;
	/* SNI is the MX host name; never an address (RFC 6066 §3). */
	j->tp.sni = mx_is_ip_literal(ep->host) ? NULL : ep->host;
	memset(&sp, 0, sizeof(sp));
	sp.host = ep->host;
	sp.addr = ep->addr;
	sp.port = ep->port;
	sp.mode = ep->mode;
	sp.helo = e->p.helo;
	sp.starttls = 1;
	sp.require_tls = 0; /* judge, do not enforce */
	sp.handshake_only = e->p.handshake_only;
	sp.tls = e->p.tls;
	sp.tls_params = &j->tp;
	sp.connect_timeout_ms = e->p.step_timeout_ms;
	sp.greeting_timeout_ms = e->p.step_timeout_ms;
	sp.command_timeout_ms = e->p.step_timeout_ms;
	sp.tls_timeout_ms = e->p.step_timeout_ms;
	sp.deadline_ms = e->p.endpoint_deadline_ms > 0
				 ? now + e->p.endpoint_deadline_ms
				 : 0;
	sp.log = e->p.log;
	memset(&pu, 0, sizeof(pu));
	pu.kind = MX_CONN_PROBE;
	pu.step = -1;
	sp.rec = j->rec =
		mx_endpoint_conn_new(ep, mx_pool_conn_id(e->pool), &pu);
	ep->started_ms = now;
	/* The endpoint's deadline is a promise for every stage: a timer
	 * stops whatever still runs when it passes. */
	if (e->p.job_deadline_ms > 0) {
		struct timeval tv;

		j->deadline = now + e->p.job_deadline_ms;
		tv.tv_sec = e->p.job_deadline_ms / 1000;
		tv.tv_usec = (e->p.job_deadline_ms % 1000) * 1000;
		evtimer_add(j->ev_deadline, &tv);
	}
	mx_eng_set_stage(j, MX_STAGE_PROBE);
	j->client =
		mx_smtp_client_new(e->base, &sp, &ep->smtp, &ep->tls, &cbs, j);
	mx_smtp_client_start(j->client);
	/* `ciphers` and `check --deep`: the enumeration need not wait for
	 * the probe - its hellos take the slots the probe leaves (the
	 * per-host cap holds).  When the probe then finds no TLS (`ciphers`)
	 * or no completed handshake (`--deep`), it is dropped: the hellos
	 * made by then (one, usually) stay recorded. */
	if (e->p.enumerate != MX_ENGINE_ENUM_NONE &&
	    ep->mode != MX_MODE_PLAIN && !e->cancelled) {
		j->early = 1;
		mx_eng_launch_enum(j, e->p.hello_timeout_ms);
	}
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	char w[MX_WHERE_MAX];

	(void)fd;
	(void)what;
	mx_log_msg(j->e->p.log, MX_LOG_INFO,
		   "%s: the endpoint's deadline passed in stage %s",
		   mx_endpoint_where_buf(w, sizeof(w), ep_of(j)),
		   mx_stage_name(j->st));
	if (j->en != NULL)
		mx_enumerator_cancel(j->en, "deadline reached");
	else if (j->pre != NULL)
		mx_bisect_cancel(j->pre, "the deadline was reached");
	else if (j->st == MX_STAGE_CLIENTS && j->cs != NULL)
		mx_clients_step_cancel(j->cs, "the deadline was reached");
	/* The probe session has the same deadline of its own. */
}

/* ---- resolve ------------------------------------------------------------- */

/* DANE (RFC 7672 section 2.2): the TLSA records of every endpoint's
 * _PORT._tcp.HOST, looked up beside the probes; facts into ep->dane. */
static void tlsa_done(void *arg, struct mx_tlsa_lookup *l)
{
	struct mx_engine *e = arg;
	size_t i;

	for (i = 0; i < e->run->ntargets; i++)
		if (e->tlsa[i] == l) {
			mx_tlsa_lookup_store(l, &e->run->targets[i]);
			mx_tlsa_lookup_free(l);
			e->tlsa[i] = NULL;
			e->tlsa_pending--;
		}
	check_done(e);
}

static void start_tlsa(struct mx_engine *e, struct mx_target *t)
{
	size_t i = (size_t)(t - e->run->targets);

	if (t->nendpoints == 0 || i >= e->run->ntargets || e->cancelled)
		return;
	e->tlsa[i] = mx_tlsa_lookup_new(e->base, e->dns, t, tlsa_done, e);
	if (e->tlsa[i] != NULL)
		e->tlsa_pending++;
}

/* MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) of a domain target: its
 * TXT records and policy (probe/mtasts.c), beside its probes. */
static void sts_done(void *arg, struct mx_sts_lookup *l)
{
	struct mx_engine *e = arg;
	size_t i;

	for (i = 0; i < e->run->ntargets; i++)
		if (e->sts[i] == l) {
			mx_sts_lookup_store(l, &e->run->targets[i].sts);
			mx_sts_lookup_free(l);
			e->sts[i] = NULL;
			e->sts_pending--;
		}
	check_done(e);
}

static void start_sts(struct mx_engine *e, size_t i)
{
	const struct mx_target *t = &e->run->targets[i];
	struct mx_sts_params sp = {
		.ca_file = e->p.tls_params.ca_file,
		.ca_path = e->p.tls_params.ca_path,
		.connect_timeout_ms = e->p.step_timeout_ms,
		.total_timeout_ms = 2 * e->p.step_timeout_ms,
		.log = e->p.log,
	};

	if (t->kind != MX_TARGET_DOMAIN || e->p.handshake_only)
		return;
	e->sts[i] =
		mx_sts_lookup_new(e->base, e->dns, t->name, &sp, sts_done, e);
	if (e->sts[i] != NULL)
		e->sts_pending++;
}

static void resolved(void *arg, struct mx_target *t)
{
	struct mx_engine *e = arg;
	size_t i;

	mx_log_msg(e->p.log, MX_LOG_INFO,
		   "%s: resolved, %zu hosts, %zu endpoints%s%s", t->name,
		   t->nhosts, t->nendpoints, t->dns_error ? "; " : "",
		   t->dns_error ? t->dns_error : "");
	for (i = 0; i < t->nendpoints; i++) {
		struct job *j;

		MX_GROW(e->jobs, e->njobs, e->capjobs);
		j = xcalloc(1, sizeof(*j));
		e->jobs[e->njobs++] = j;
		j->e = e;
		j->t = t;
		j->ep = i;
		j->w.addr = t->endpoints[i].addr;
		j->w.grant = probe_grant;
		j->w.arg = j;
		j->ev_deadline = evtimer_new(e->base, deadline_cb, j);
		if (j->ev_deadline == NULL)
			mx_fatal(__func__, "evtimer_new");
		mx_eng_set_stage(j, MX_STAGE_QUEUED);
		if (t->endpoints[i].addr == NULL) {
			mx_eng_job_finish(j);
			continue;
		}
		j->waiting = 1;
		mx_pool_acquire(e->pool, &j->w);
	}
	start_tlsa(e, t);
	e->resolving--;
	check_done(e);
}

/* ---- the run --------------------------------------------------------------- */

struct mx_engine *mx_engine_new(struct event_base *base, struct mx_run *run,
				const struct mx_engine_params *p,
				const struct mx_engine_cbs *cbs, void *arg,
				char *err, size_t errlen)
{
	struct mx_engine *e = xcalloc(1, sizeof(*e));
	struct mx_dns_params dp;

	e->base = base;
	e->run = run;
	e->p = *p;
	e->cbs = *cbs;
	e->arg = arg;
	memset(&dp, 0, sizeof(dp));
	dp.resolver = p->resolver;
	dp.trust_anchor = p->trust_anchor;
	dp.timeout_ms = p->dns_timeout_ms;
	dp.log = p->log;
	if (p->dns != NULL) {
		/* the caller's context: a share of it, so that freeing
		 * this run cancels this run's lookups only */
		e->dns = mx_dns_share(p->dns, p->dns_timeout_ms);
		if (e->dns == NULL)
			mx_set_err(err, errlen,
				   "dns: the shared context is "
				   "not usable");
	} else {
		e->dns = mx_dns_new(base, &dp, err, errlen);
	}
	if (e->dns == NULL) {
		free(e);
		return NULL;
	}
	if (p->pool != NULL) {
		e->pool = p->pool;
	} else {
		e->pool = mx_pool_new(base, p->per_host, p->global);
		e->own_pool = 1;
	}
	e->dh = mx_enum_dhcache_new();
	e->ev_done = evtimer_new(base, done_cb, e);
	if (e->ev_done == NULL)
		mx_fatal(__func__, "evtimer_new");
	return e;
}

void mx_engine_start(struct mx_engine *e)
{
	size_t i;

	e->started = 1;
	e->resolving = e->run->ntargets;
	e->tlsa = xcalloc(e->run->ntargets + 1, sizeof(*e->tlsa));
	e->sts = xcalloc(e->run->ntargets + 1, sizeof(*e->sts));
	for (i = 0; i < e->run->ntargets; i++) {
		struct mx_target *t = &e->run->targets[i];

		start_sts(e, i);

		if (e->cbs.progress)
			e->cbs.progress(e->arg, t, NULL, MX_STAGE_RESOLVE);
		if (mx_resolve_target(e->dns, t, resolved, e) < 0) {
			free(t->dns_error);
			t->dns_error = xstrdup("cannot start DNS");
			e->resolving--;
		}
	}
	check_done(e);
}

void mx_engine_cancel(struct mx_engine *e)
{
	size_t i;

	if (e->cancelled || e->finished)
		return;
	e->cancelled = 1;
	mx_log_msg(e->p.log, MX_LOG_INFO, "run cancelled");
	/* Targets still resolving stay without endpoints. */
	if (e->resolving > 0) {
		for (i = 0; i < e->run->ntargets; i++) {
			struct mx_target *t = &e->run->targets[i];

			if (t->nendpoints == 0 && t->dns_error == NULL &&
			    t->dns_ms == 0)
				t->dns_error = xstrdup(
					"cancelled before DNS finished");
		}
	}
	if (e->dns != NULL &&
	    (e->resolving > 0 || e->tlsa_pending > 0 || e->sts_pending > 0)) {
		mx_dns_free(e->dns); /* no DNS callback of this run after
					this (a shared context stays) */
		e->dns = NULL;
		e->resolving = 0;
		for (i = 0; i < e->run->ntargets && e->tlsa; i++) {
			mx_tlsa_lookup_free(e->tlsa[i]); /* DANE not known */
			e->tlsa[i] = NULL;
		}
		e->tlsa_pending = 0;
		for (i = 0; i < e->run->ntargets && e->sts; i++) {
			mx_sts_lookup_free(e->sts[i]); /* MTA-STS not known */
			e->sts[i] = NULL;
		}
		e->sts_pending = 0;
	}
	for (i = 0; i < e->njobs; i++) {
		struct job *j = e->jobs[i];
		struct mx_endpoint *ep = ep_of(j);

		switch (j->st) {
		case MX_STAGE_QUEUED:
			if (j->waiting) {
				mx_pool_cancel(e->pool, &j->w);
				j->waiting = 0;
			}
			ep->smtp.stop = MX_STOP_CANCELLED;
			free(ep->smtp.error);
			ep->smtp.error = xstrdup("cancelled before it started");
			mx_eng_job_finish(j);
			break;
		case MX_STAGE_PROBE:
			if (j->rec != NULL)
				mx_connrec_end(j->rec, MX_HOW_CANCELLED, -1, 0);
			mx_smtp_client_free(j->client);
			j->client = NULL;
			release_slot(j);
			if (ep->smtp.stop == MX_STOP_NONE) {
				ep->smtp.stop = MX_STOP_CANCELLED;
				free(ep->smtp.error);
				ep->smtp.error =
					xstrdup("cancelled while probing");
			}
			ep->total_ms = mx_now_ms() - ep->started_ms;
			if (j->en != NULL) {
				/* the early enumeration: enum_done goes on */
				j->probe_over = 1;
				mx_enumerator_cancel(j->en, "cancelled");
			} else {
				mx_eng_job_finish(j);
			}
			break;
		case MX_STAGE_ENUM:
			mx_enumerator_cancel(j->en, "cancelled");
			break;
		case MX_STAGE_CLIENTS:
			/* clients_done (precheck_done) follows */
			if (j->pre != NULL)
				mx_bisect_cancel(j->pre, "cancelled");
			else
				mx_clients_step_cancel(j->cs,
						       "the run was cancelled");
			break;
		default:
			break;
		}
	}
	check_done(e);
}

int mx_engine_cancelled(const struct mx_engine *e)
{
	return e->cancelled;
}

void mx_engine_stats(const struct mx_engine *e, struct mx_engine_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->targets = e->run->ntargets;
	st->targets_resolved = e->run->ntargets - e->resolving;
	st->endpoints = e->njobs;
	st->endpoints_done = e->done_jobs;
	for (i = 0; i < e->njobs; i++) {
		st->per_stage[e->jobs[i]->st]++;
		st->connections += (unsigned)ep_of(e->jobs[i])->nconns;
	}
}

void mx_engine_free(struct mx_engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->njobs; i++) {
		struct job *j = e->jobs[i];

		if (j->waiting)
			mx_pool_cancel(e->pool, &j->w);
		mx_smtp_client_free(j->client);
		release_slot(j);
		mx_enumerator_free(j->en);
		mx_bisect_free(j->pre);
		mx_clients_step_free(j->cs);
		if (j->ev_deadline != NULL)
			event_free(j->ev_deadline);
		free(j);
	}
	free(e->jobs);
	mx_dns_free(e->dns);
	for (i = 0; e->tlsa != NULL && i < e->run->ntargets; i++)
		mx_tlsa_lookup_free(e->tlsa[i]);
	free(e->tlsa);
	for (i = 0; e->sts != NULL && i < e->run->ntargets; i++)
		mx_sts_lookup_free(e->sts[i]);
	free(e->sts);
	mx_enum_dhcache_free(e->dh);
	if (e->own_pool)
		mx_pool_free(e->pool);
	event_free(e->ev_done);
	free(e);
}

const char *mx_stage_name(enum mx_stage st)
{
	static const char *const names[] = {"queued", "resolve", "probe",
					    "enum",   "clients", "done"};

	return (unsigned)st < MX_STAGE__N ? names[st] : "?";
}
