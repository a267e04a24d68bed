/*
 * relay.c - the relay engine: spool + workers + listener on one loop; see
 * relay.h for start, stop and recovery.
 */
#include "relay/relay.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"

#define DEFAULT_DRAIN_MS 10000
#define POLL_MS 50
/* Sessions of the listener get this long to read their 421. */
#define SESSION_LINGER_MS 2000

struct mx_relay {
	struct event_base *base;
	struct mx_relay_params p;
	struct mx_spool *spool;
	struct mx_workers *workers;
	struct mx_listener *listener;
	struct event *ev_term, *ev_int, *ev_poll;
	int stopping;
	int forced;
	int drained;
	int64_t stop_deadline;
};

static void on_queued(void *arg, const char *id, const struct mx_envelope *env,
		      size_t size)
{
	struct mx_relay *r = arg;

	(void)size;
	mx_workers_add(r->workers, id, env);
}

static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_relay *r = arg;
	struct timeval tv = {0, POLL_MS * 1000};

	(void)fd;
	(void)what;
	if ((r->drained && mx_listener_sessions(r->listener) == 0) ||
	    mx_now_ms() >= r->stop_deadline) {
		mx_rlog(&r->p.log, MX_RLOG_INFO,
			"relay stopped (%zu messages in the queue)",
			mx_workers_queued(r->workers));
		if (r->p.stopped != NULL)
			r->p.stopped(r->p.stopped_arg, 0);
		return;
	}
	event_add(r->ev_poll, &tv);
}

static void drained_cb(void *arg)
{
	struct mx_relay *r = arg;

	r->drained = 1;
}

void mx_relay_stop(struct mx_relay *r)
{
	struct timeval tv = {0, 0};

	if (r->stopping)
		return;
	r->stopping = 1;
	r->stop_deadline = mx_now_ms() + r->p.drain_ms + SESSION_LINGER_MS;
	mx_rlog(&r->p.log, MX_RLOG_INFO,
		"relay stopping: no new connections, %zu deliveries get %d ms",
		mx_workers_active(r->workers), r->p.drain_ms);
	mx_listener_shutdown(r->listener);
	mx_workers_shutdown(r->workers, r->p.drain_ms, drained_cb, r);
	event_add(r->ev_poll, &tv);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct mx_relay *r = arg;

	(void)what;
	if (r->stopping) {
		mx_rlog(&r->p.log, MX_RLOG_WARNING,
			"signal %d again: stopping now (the queue is kept)",
			(int)sig);
		r->forced = 1;
		if (r->p.stopped != NULL)
			r->p.stopped(r->p.stopped_arg, 1);
		return;
	}
	mx_rlog(&r->p.log, MX_RLOG_INFO, "received %s",
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	mx_relay_stop(r);
}

struct mx_relay *mx_relay_new(struct event_base *base,
			      const struct mx_relay_params *p, char *err,
			      size_t errlen)
{
	struct mx_relay *r = xcalloc(1, sizeof(*r));
	struct mx_spool_params sp;
	struct mx_spool_diag d;
	const struct mx_spool_recovery *rec;
	struct mx_listener_params lp;
	struct mx_workers_params wp;
	long n;

	r->base = base;
	r->p = *p;
	if (r->p.drain_ms <= 0)
		r->p.drain_ms = DEFAULT_DRAIN_MS;
	memset(&sp, 0, sizeof(sp));
	sp.dir = p->spool_dir;
	sp.random = p->random;
	sp.random_ctx = p->random_ctx;
	memset(&d, 0, sizeof(d));
	if (mx_spool_open(&sp, &r->spool, &d) != MX_SPOOL_OK) {
		snprintf(err, errlen, "spool %s: %s", p->spool_dir, d.text);
		goto fail;
	}
	rec = mx_spool_recovered(r->spool);
	mx_rlog(&r->p.log, MX_RLOG_INFO,
		"spool %s opened: recovery removed %zu unacknowledged file(s) "
		"from tmp/, moved %zu bad name(s) to corrupt/, removed %zu "
		"message(s) already in dead/",
		p->spool_dir, rec->tmp_removed, rec->bad_names,
		rec->stale_removed);

	wp = p->work;
	wp.spool = r->spool;
	wp.log = p->log;
	r->workers = mx_workers_new(base, &wp, err, errlen);
	if (r->workers == NULL)
		goto fail;
	n = mx_workers_start(r->workers, err, errlen);
	if (n < 0)
		goto fail;
	mx_rlog(&r->p.log, MX_RLOG_INFO, "%ld message(s) in the queue", n);

	lp = p->listen;
	lp.spool = r->spool;
	lp.log = p->log;
	lp.queued = on_queued;
	lp.queued_arg = r;
	r->listener = mx_listener_new(base, &lp, err, errlen);
	if (r->listener == NULL)
		goto fail;
	mx_rlog(&r->p.log, MX_RLOG_INFO, "listening on %s port %u", lp.addr,
		(unsigned)mx_listener_port(r->listener));

	r->ev_poll = event_new(base, -1, 0, poll_cb, r);
	if (r->ev_poll == NULL) {
		snprintf(err, errlen, "event_new failed");
		goto fail;
	}
	if (p->signals) {
		r->ev_term = evsignal_new(base, SIGTERM, signal_cb, r);
		r->ev_int = evsignal_new(base, SIGINT, signal_cb, r);
		if (r->ev_term == NULL || r->ev_int == NULL ||
		    event_add(r->ev_term, NULL) < 0 ||
		    event_add(r->ev_int, NULL) < 0) {
			snprintf(err, errlen, "cannot handle signals");
			goto fail;
		}
	}
	return r;
fail:
	mx_relay_free(r);
	return NULL;
}

struct mx_listener *mx_relay_listener(struct mx_relay *r)
{
	return r->listener;
}

struct mx_workers *mx_relay_workers(struct mx_relay *r)
{
	return r->workers;
}

struct mx_spool *mx_relay_spool(struct mx_relay *r)
{
	return r->spool;
}

void mx_relay_free(struct mx_relay *r)
{
	if (r == NULL)
		return;
	if (r->ev_term)
		event_free(r->ev_term);
	if (r->ev_int)
		event_free(r->ev_int);
	if (r->ev_poll)
		event_free(r->ev_poll);
	mx_listener_free(r->listener);
	mx_workers_free(r->workers);
	mx_spool_free(r->spool);
	free(r);
}
