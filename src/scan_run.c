/*
 * scan_run.c - `mxprobe scan`: the targets in flight on one event loop,
 * one JSON line per target as soon as it is done (doc/scan.md).
 *
 * Every target is a run of its own (one engine each), all engines share
 * the loop and one pool (per-address cap, global cap --concurrency, at
 * most --rate-per-host new connections a second to one address), at most
 * --concurrency targets in flight; a target's run is freed once its line
 * is written.  They share one DNS context too (issue 12: DNS answers
 * cached across targets): libunbound's cache and the AD-bit cache
 * (probe/dns_ad.h), so an MX host that several domains name is asked
 * for once; each engine works on a share of it and cancels its own
 * lookups only.  cmd_scan.c makes it (before --shard's resolution, which
 * fills its caches too) and frees it after the last engine.  --state FILE records finished targets (fsync'd); --shard
 * I/N resolves every target first and keeps those whose smallest address
 * hashes to I (src/scanlist.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/analyze.h"
#include "analyzers/clients.h"
#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/engine.h"
#include "probe/target.h"
#include "reports/json.h"
#include "src/commands.h"
#include "src/scan_int.h"
#include "src/scanlist.h"

struct job {
	struct scan *s;
	struct mx_run *run;
	struct mx_engine *engine;
	const char *spec;
	struct job *next, *prev;
};

static struct mx_run *scan_run(struct scan *s, const char *spec)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	char err[256];

	run->tool_version = xstrdup(PACKAGE_VERSION);
	run->helo = xstrdup(s->helo);
	run->timeout_ms = s->o->timeout_s * 1000;
	if (mx_target_parse(spec, t, err, sizeof(err)) < 0) {
		mx_run_free(run); /* checked when read: cannot happen */
		return NULL;
	}
	return run;
}

static void job_free(struct job *j)
{
	struct scan *s = j->s;

	if (j->prev)
		j->prev->next = j->next;
	else
		s->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	mx_engine_free(j->engine);
	mx_run_free(j->run);
	free(j);
	s->inflight--;
}

static void progress(struct scan *s, int force)
{
	int64_t now = mx_now_ms(), el;
	double rate;

	if (!s->show_progress || (!force && now - s->last_progress < 250))
		return;
	s->last_progress = now;
	el = now - s->t0;
	rate = el > 0 ? (double)s->done * 1000.0 / (double)el : 0.0;
	fprintf(stderr,
		"\r\033[Kmxprobe scan: %zu/%zu done, %.1f/s, %zu failed, "
		"%zu in flight",
		s->done, s->total, rate, s->failed, s->inflight);
	if (rate > 0 && s->done < s->total)
		fprintf(stderr, ", ETA %.0fs",
			(double)(s->total - s->done) / rate);
	fflush(stderr);
	s->progress_shown = 1;
}

static void on_progress(void *arg, const struct mx_target *t,
			const struct mx_endpoint *ep, enum mx_stage st)
{
	struct job *j = arg;

	(void)t;
	(void)ep;
	(void)st;
	progress(j->s, 0);
}

static void refill(struct scan *s);

static void on_done(void *arg)
{
	struct job *j = arg;
	struct scan *s = j->s;
	struct mx_analyze_params ap;
	char *line;

	if (s->interrupted) {
		/* cut short: not written, not recorded - a resume redoes it */
		job_free(j);
		refill(s);
		return;
	}
	j->run->elapsed_ms = mx_now_ms() - j->run->elapsed_ms;
	mx_analyze_params_init(&ap, mx_wall_now());
	mx_analyze_run(j->run, &ap);
	line = mx_report_json_line(j->run);
	if (line == NULL ||
	    mx_scan_emit(s, j->spec, line, (int)j->run->exit_status) < 0)
		s->write_failed = 1;
	free(line);
	job_free(j);
	progress(s, 0);
	refill(s);
}

static int start_one(struct scan *s, const char *spec)
{
	struct mx_engine_cbs cbs = {on_progress, on_done};
	struct job *j = xcalloc(1, sizeof(*j));
	char err[256];

	j->s = s;
	j->spec = spec;
	j->run = scan_run(s, spec);
	if (j->run == NULL) {
		free(j);
		return -1;
	}
	j->engine = mx_engine_new(s->base, j->run, &s->ep, &cbs, j, err,
				  sizeof(err));
	if (j->engine == NULL) {
		fprintf(stderr, "mxprobe scan: %s\n", err);
		mx_run_free(j->run);
		free(j);
		return -1;
	}
	j->next = s->jobs;
	if (s->jobs)
		s->jobs->prev = j;
	s->jobs = j;
	s->inflight++;
	j->run->started = mx_wall_now();
	j->run->elapsed_ms = mx_now_ms(); /* start; the length at the end */
	mx_engine_start(j->engine);
	return 0;
}

static void refill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct scan *s = arg;

	(void)fd;
	(void)what;
	while (!s->interrupted && !s->failed_start &&
	       s->inflight < (size_t)s->window && s->next < s->ntargets) {
		if (start_one(s, s->targets[s->next++]) < 0)
			s->failed_start = 1;
	}
	if (s->inflight == 0 &&
	    (s->next >= s->ntargets || s->interrupted || s->failed_start))
		event_base_loopexit(s->base, NULL);
}

/* Never from inside an engine's callback: from the loop. */
static void refill(struct scan *s)
{
	static const struct timeval now = {0, 0};

	event_base_once(s->base, -1, EV_TIMEOUT, refill_cb, s, &now);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct scan *s = arg;
	struct job *j;

	(void)what;
	if (s->interrupted)
		event_base_loopbreak(s->base);
	s->interrupted = (int)sig;
	for (j = s->jobs; j != NULL; j = j->next)
		mx_engine_cancel(j->engine);
	refill(s);
}

int mx_scan_probe(struct scan *s)
{
	struct event *ev_int, *ev_term;
	if (s->ep.dns == NULL) /* cmd_scan.c makes the scan's DNS context */
		mx_fatal(__func__, "no DNS context");
	ev_int = evsignal_new(s->base, SIGINT, on_signal, s);
	ev_term = evsignal_new(s->base, SIGTERM, on_signal, s);
	if (ev_int == NULL || ev_term == NULL || event_add(ev_int, NULL) < 0 ||
	    event_add(ev_term, NULL) < 0) {
		fprintf(stderr, "mxprobe scan: cannot watch for signals\n");
		if (ev_int)
			event_free(ev_int);
		if (ev_term)
			event_free(ev_term);
		return -1;
	}
	refill(s);
	event_base_dispatch(s->base);
	while (s->jobs) /* a second signal broke the loop */
		job_free(s->jobs);
	if (s->progress_shown)
		fprintf(stderr, "\r\033[K");
	event_free(ev_int);
	event_free(ev_term);
	return s->failed_start ? -1 : 0;
}
