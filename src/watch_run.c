/*
 * watch_run.c - the targets of `mxprobe watch` on the program's one
 * event loop (see watch_int.h).
 *
 * Every probe of a target is one engine (probe/engine.h) over a fresh
 * run; every engine shares the watch's one pool, so the per-address cap
 * holds across targets.  When a target's probe ends: the analyzers judge
 * the run, each endpoint becomes a snapshot (model/snapshot.h), the
 * drift analyzer compares it with that endpoint's previous one (in
 * memory, else the newest in the history file), the snapshot goes to
 * the history (store/history.h) and the dashboard's rows are rebuilt.
 *
 * Rounds: each target's next probe is planned `--interval` after its
 * last one ended, jittered by +-10% (so targets that started together
 * spread out).  A target whose time came (or that a key asked for) is
 * due; due targets start in target order, at most WATCH_INFLIGHT at once
 * (each engine holds a run and its connections; they share one DNS
 * context, src/watch_setup.c), from a zero-delay
 * event on the loop, never from inside an engine's callback.  While
 * paused only the targets asked for by a key start.  Without a terminal
 * the targets go in step: round k is reported once every target has
 * ended k probes, then every target is planned again.  No timer runs but
 * these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "analyzers/analyze.h"
#include "analyzers/drift.h"
#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/engine.h"
#include "probe/target.h"
#include "src/commands.h"
#include "src/watch_int.h"
#include "store/history.h"
#include "tui/tui.h"

/* ---- endpoint states -------------------------------------------------- */

static struct wep *wep_find(struct wtarget *tg, const char *key)
{
	size_t i;

	for (i = 0; i < tg->neps; i++)
		if (strcmp(tg->eps[i].key, key) == 0)
			return &tg->eps[i];
	return NULL;
}

static struct wep *wep_find_row(struct wtarget *tg, const char *rowkey)
{
	size_t i;

	for (i = 0; i < tg->neps; i++)
		if (strcmp(tg->eps[i].rowkey, rowkey) == 0)
			return &tg->eps[i];
	return NULL;
}

static size_t wep_get(struct wtarget *tg, const char *key)
{
	struct wep *e = wep_find(tg, key);

	if (e != NULL)
		return (size_t)(e - tg->eps);
	MX_GROW(tg->eps, tg->neps, tg->capeps);
	e = &tg->eps[tg->neps];
	memset(e, 0, sizeof(*e));
	e->key = xstrdup(key);
	e->rowkey = xasprintf("%s %s", tg->spec, key);
	e->hist = xcalloc(WATCH_HIST, sizeof(*e->hist));
	return tg->neps++;
}

/* The endpoint's recent snapshots from the history file, once. */
static void wep_load(struct watch *w, const struct wtarget *tg, struct wep *e)
{
	struct mx_history_list l = {0};
	char err[512];
	size_t i;

	if (e->loaded || w->hist == NULL)
		return;
	e->loaded = 1;
	if (mx_history_list_endpoint(w->hist, e->key, tg->spec, WATCH_HIST, &l,
				     err, sizeof(err)) < 0) {
		snprintf(w->msg, sizeof(w->msg), "history: %s", err);
		mx_history_list_free(&l);
		return;
	}
	for (i = 0; i < l.n && e->nhist < WATCH_HIST; i++) {
		e->hist[e->nhist++] = l.v[i];
		l.v[i] = NULL;
	}
	mx_history_list_free(&l);
}

/* s becomes the newest; the oldest falls off when full. */
static void wep_push(struct wep *e, struct mx_snapshot *s)
{
	if (e->nhist == WATCH_HIST)
		mx_snapshot_free(e->hist[--e->nhist]);
	memmove(e->hist + 1, e->hist, e->nhist * sizeof(*e->hist));
	e->hist[0] = s;
	e->nhist++;
}

void mx_watch_wep_clear(struct wep *e)
{
	size_t i;

	for (i = 0; i < e->nhist; i++)
		mx_snapshot_free(e->hist[i]);
	free(e->hist);
	free(e->key);
	free(e->rowkey);
}

/* ---- rounds ------------------------------------------------------------ */

static uint64_t rng_next(struct watch *w)
{
	/* xorshift64: jitter only, no secret */
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* The interval with +-10% jitter, in ms. */
static int64_t jittered_ms(struct watch *w)
{
	int64_t base = (int64_t)w->interval_s * 1000;
	int64_t span = base / 5; /* 20%: -10% .. +10% */

	if (span <= 0)
		return base;
	return base - span / 2 + (int64_t)(rng_next(w) % (uint64_t)span);
}

static void plan(struct wtarget *tg, int64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	evtimer_add(tg->timer, &tv);
	tg->next_at = mx_wall_now() + (time_t)((ms + 999) / 1000);
}

static void request(struct wtarget *tg, int deep, int manual);
static void kick(struct watch *w);

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct wtarget *tg = arg;

	(void)fd;
	(void)what;
	tg->next_at = 0;
	request(tg, tg->w->o->deep, 0);
}

struct event *mx_watch_timer_new(struct wtarget *tg)
{
	return evtimer_new(tg->w->base, on_timer, tg);
}

time_t mx_watch_next_round(const struct watch *w)
{
	time_t next = 0;
	size_t i;

	for (i = 0; i < w->nt; i++)
		if (w->t[i].next_at != 0 &&
		    (next == 0 || w->t[i].next_at < next))
			next = w->t[i].next_at;
	return next;
}

size_t mx_watch_busy(const struct watch *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->nt; i++)
		n += w->t[i].engine != NULL;
	return n;
}

void mx_watch_resume(struct watch *w)
{
	kick(w);
	mx_watch_refresh(w);
}

void mx_watch_cancel_all(struct watch *w)
{
	size_t i;

	for (i = 0; i < w->nt; i++) {
		if (w->t[i].engine != NULL)
			mx_engine_cancel(w->t[i].engine);
		if (w->t[i].timer != NULL)
			evtimer_del(w->t[i].timer);
		w->t[i].next_at = 0;
	}
}

/* ---- one probe of one target ----------------------------------------- */

static void stop_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	mx_watch_stop(arg);
}

static void on_progress(void *arg, const struct mx_target *t,
			const struct mx_endpoint *ep, enum mx_stage st)
{
	struct wtarget *tg = arg;
	const char *name = st == MX_STAGE_DONE ? NULL : mx_stage_name(st);

	(void)t;
	/* queued comes before the endpoint's first connection: its address
	 * joins the capture's filter now (for targets that are names, the
	 * first one opens the device and drops privileges) */
	if (tg->w->cap != NULL && st == MX_STAGE_QUEUED &&
	    mx_cli_capture_endpoint(tg->w->cap, ep) < 0 && !tg->w->cap_failed) {
		static const struct timeval now = {0, 0};

		/* the watch ends (exit 3): not from the engine's callback */
		tg->w->cap_failed = 1;
		event_base_once(tg->w->base, -1, EV_TIMEOUT, stop_soon, tg->w,
				&now);
	}
	if (ep != NULL && ep->addr != NULL) {
		char *key = mx_snapshot_key(ep);
		size_t k = wep_get(tg, key); /* may move tg->eps */

		tg->eps[k].busy = name;
		free(key);
	}
	if (name != NULL)
		tg->busy = name;
	mx_watch_refresh(tg->w);
}

/* Snapshots, drift, history for every endpoint of the judged run. */
static void record(struct wtarget *tg, struct mx_run *run, time_t now)
{
	struct watch *w = tg->w;
	struct mx_target *t = &run->targets[0];
	char err[512];
	size_t i;

	for (i = 0; i < tg->neps; i++) {
		tg->eps[i].seen = 0;
		tg->eps[i].busy = NULL;
	}
	free(tg->epmap);
	tg->epmap =
		xcalloc(t->nendpoints ? t->nendpoints : 1, sizeof(*tg->epmap));
	for (i = 0; i < t->nendpoints; i++) {
		struct mx_endpoint *ep = &t->endpoints[i];
		char *key = mx_snapshot_key(ep);
		size_t k = wep_get(tg, key);
		struct wep *e = &tg->eps[k];
		struct mx_snapshot *s;

		free(key);
		tg->epmap[i] = k;
		e->seen = 1;
		wep_load(w, tg, e);
		s = mx_snapshot_from_endpoint(t, ep, now);
		mx_drift_judge(mx_drift_baseline(e->hist, e->nhist), s);
		if (w->hist != NULL &&
		    mx_history_add(w->hist, s, err, sizeof(err)) < 0) {
			snprintf(w->msg, sizeof(w->msg), "history: %s", err);
			if (w->tui == NULL)
				fprintf(stderr, "mxprobe watch: %s\n", w->msg);
		}
		wep_push(e, s);
	}
}

/* Without a terminal: report round k once every target ended k probes,
 * then plan the next round of every target. */
static void round_check(struct watch *w)
{
	size_t i;

	for (i = 0; i < w->nt; i++)
		if (w->t[i].engine != NULL || w->t[i].rounds <= w->round)
			return;
	if (mx_watch_emit_round(w) < 0)
		w->failed = 1;
	w->round++;
	if (w->failed ||
	    (w->o->rounds > 0 && w->round >= (unsigned)w->o->rounds)) {
		mx_watch_stop(w);
		return;
	}
	for (i = 0; i < w->nt; i++)
		plan(&w->t[i], jittered_ms(w));
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --capture: this probe's packets into run (ep->caps), then every frame
 * older than the oldest probe still in flight is given back. */
static void capture_done(struct wtarget *tg, struct mx_run *run)
{
	struct watch *w = tg->w;
	int64_t keep = wall_us();
	size_t i;

	for (i = 0; i < w->nt; i++)
		if (w->t[i].engine != NULL && w->t[i].t0_wall_us < keep)
			keep = w->t[i].t0_wall_us;
	mx_cli_capture_finish_one(w->cap, run, tg->t0_wall_us, keep);
}

static void on_done(void *arg)
{
	struct wtarget *tg = arg;
	struct watch *w = tg->w;
	struct mx_run *run = tg->cur, *old;
	struct mx_analyze_params ap;
	time_t now = mx_wall_now();
	size_t i;
	int all;

	run->elapsed_ms = mx_now_ms() - tg->t0;
	mx_engine_free(tg->engine);
	tg->engine = NULL;
	tg->cur = NULL;
	tg->busy = NULL;
	if (w->quitting) { /* cancelled on the way out: not recorded */
		mx_run_free(run);
		if (mx_watch_busy(w) == 0)
			mx_watch_stop(w);
		return;
	}
	if (w->cap != NULL)
		capture_done(tg, run);
	mx_analyze_params_init(&ap, now);
	mx_analyze_run(run, &ap);
	record(tg, run, now);
	old = tg->run;
	tg->run = run;
	tg->last = now;
	tg->rounds++;
	tg->enumerating = 0;
	if (w->tui == NULL) {
		mx_run_free(old);
		kick(w);
		round_check(w);
		return;
	}
	/* the dashboard: this target's next probe, unless --rounds is
	 * reached by every target */
	if (tg->want_enum) {
		tg->want_enum = 0;
		request(tg, 1, 1);
	} else if (w->o->rounds == 0 || tg->rounds < (unsigned)w->o->rounds) {
		plan(tg, jittered_ms(w));
	}
	kick(w); /* a slot is free: targets waiting for one start */
	mx_watch_retire(w, old); /* the rows may point into it until the
				  * next rebuild */
	mx_watch_refresh(w);
	for (i = 0, all = w->o->rounds > 0; all && i < w->nt; i++)
		all = w->t[i].engine == NULL &&
		      w->t[i].rounds >= (unsigned)w->o->rounds;
	if (all)
		mx_watch_stop(w);
}

/* Start a probe of tg now (an engine over a fresh run). */
static int start(struct wtarget *tg, int deep)
{
	struct watch *w = tg->w;
	struct mx_engine_cbs cbs = {on_progress, on_done};
	struct mx_run *run;
	char err[256];

	if (tg->engine != NULL || w->quitting)
		return -1;
	run = mx_run_new();
	run->tool_version = xstrdup(PACKAGE_VERSION);
	run->helo = xstrdup(w->helo);
	run->timeout_ms = w->o->timeout_s * 1000;
	if (mx_target_parse(tg->spec, mx_run_add_target(run), err,
			    sizeof(err)) < 0) {
		/* checked when read: cannot happen */
		mx_run_free(run);
		return -1;
	}
	tg->engine = mx_engine_new(w->base, run, deep ? &w->ep_deep : &w->ep,
				   &cbs, tg, err, sizeof(err));
	if (tg->engine == NULL) {
		snprintf(w->msg, sizeof(w->msg), "%s", err);
		if (w->tui == NULL) {
			fprintf(stderr, "mxprobe watch: %s\n", err);
			w->failed = 1;
			mx_watch_stop(w);
		}
		mx_run_free(run);
		return -1;
	}
	tg->cur = run;
	tg->busy = "queued";
	tg->enumerating = deep;
	tg->t0 = mx_now_ms();
	tg->t0_wall_us = wall_us();
	run->started = mx_wall_now();
	mx_engine_start(tg->engine);
	mx_watch_refresh(w);
	return 0;
}

/* Start the targets that are due, in target order, while fewer than
 * WATCH_INFLIGHT probe;
 * while paused only those asked for by a key. */
static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;
	size_t i, busy = mx_watch_busy(w);

	(void)fd;
	(void)what;
	w->kick_pending = 0;
	for (i = 0; i < w->nt && busy < WATCH_INFLIGHT && !w->quitting; i++) {
		struct wtarget *tg = &w->t[i];

		if (!tg->due || tg->engine != NULL ||
		    (w->paused && !tg->due_manual))
			continue;
		tg->due = tg->due_manual = 0;
		if (start(tg, tg->due_deep) == 0)
			busy++;
		tg->due_deep = 0;
	}
	mx_watch_refresh(w);
}

/* Never from inside an engine's callback: from the loop, once. */
static void kick(struct watch *w)
{
	static const struct timeval now = {0, 0};

	if (w->kick_pending || w->quitting)
		return;
	if (event_base_once(w->base, -1, EV_TIMEOUT, kick_cb, w, &now) == 0)
		w->kick_pending = 1;
}

/* tg is due: it starts as soon as a slot is free (manual: even while
 * paused). */
static void request(struct wtarget *tg, int deep, int manual)
{
	evtimer_del(tg->timer);
	tg->next_at = 0;
	tg->due = 1;
	tg->due_deep |= deep;
	tg->due_manual |= manual;
	kick(tg->w);
	mx_watch_refresh(tg->w);
}

int mx_watch_probe(struct wtarget *tg, int deep)
{
	if (tg->engine != NULL || tg->w->quitting)
		return -1;
	request(tg, deep, 1);
	return 0;
}

void mx_watch_start_all(struct watch *w)
{
	size_t i;

	for (i = 0; i < w->nt; i++)
		request(&w->t[i], w->o->deep, 0);
}

struct wtarget *mx_watch_find(struct watch *w, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < w->nt; i++)
		if (strcmp(w->t[i].spec, key) == 0 ||
		    wep_find_row(&w->t[i], key) != NULL)
			return &w->t[i];
	return NULL;
}

/* ---- the dashboard's rows --------------------------------------------- */

/* "queued" for a target due that waits for a slot, else NULL. */
static const char *waiting(const struct watch *w, const struct wtarget *tg)
{
	return tg->due && (!w->paused || tg->due_manual) ? "queued" : NULL;
}

static void add_row(struct watch *w, const struct mx_tui_row *r)
{
	MX_GROW(w->rows, w->nrows, w->caprows);
	w->rows[w->nrows++] = *r;
}

void mx_watch_retire(struct watch *w, struct mx_run *run)
{
	if (run == NULL)
		return;
	if (w->tui == NULL || w->ev_rebuild == NULL) {
		mx_run_free(run);
		return;
	}
	MX_GROW(w->stale, w->nstale, w->capstale);
	w->stale[w->nstale++] = run;
}

void mx_watch_refresh(struct watch *w)
{
	int64_t wait;
	struct timeval tv;

	if (w->tui == NULL)
		return;
	if (w->ev_rebuild == NULL) {
		mx_watch_rebuild(w);
		return;
	}
	if (w->rebuild_pending)
		return;
	w->rebuild_pending = 1;
	wait = w->rebuilt_ms + WATCH_REBUILD_MS - mx_now_ms();
	if (wait < 0)
		wait = 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(w->ev_rebuild, &tv);
}

void mx_watch_rebuild(struct watch *w)
{
	size_t i, k;

	w->rebuild_pending = 0;
	w->rebuilt_ms = mx_now_ms();
	if (w->tui == NULL)
		goto stale;
	w->nrows = 0;
	for (i = 0; i < w->nt; i++) {
		struct wtarget *tg = &w->t[i];
		const struct mx_target *t = tg->run ? &tg->run->targets[0]
						    : NULL;
		struct mx_tui_row r;

		memset(&r, 0, sizeof(r));
		r.target = tg->spec;
		r.t = t;
		r.last = tg->last;
		if (t == NULL || t->nendpoints == 0) {
			r.key = tg->spec;
			r.busy = tg->engine ? tg->busy : waiting(w, tg);
			add_row(w, &r);
			continue;
		}
		for (k = 0; k < t->nendpoints; k++) {
			struct wep *e = &tg->eps[tg->epmap[k]];

			r.key = e->rowkey;
			r.ep = &t->endpoints[k];
			r.busy = tg->engine == NULL ? waiting(w, tg)
				 : e->busy	    ? e->busy
						    : tg->busy;
			r.snap = e->nhist ? e->hist[0] : NULL;
			r.hist = (const struct mx_snapshot *const *)e->hist;
			r.nhist = e->nhist;
			r.drifted = r.snap != NULL && r.snap->ndrift > 0;
			add_row(w, &r);
		}
	}
	mx_tui_set_rows(w->tui, w->rows, w->nrows);
	mx_tui_set_status(w->tui, w->paused ? 0 : mx_watch_next_round(w),
			  w->paused, w->msg[0] ? w->msg : NULL);
	if (w->ev_draw != NULL)
		event_active(w->ev_draw, EV_TIMEOUT, 0);
stale:
	/* the rows point into the targets' current runs only now */
	for (i = 0; i < w->nstale; i++)
		mx_run_free(w->stale[i]);
	w->nstale = 0;
}
