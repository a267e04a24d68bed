/*
 * workers.c - delivery workers of the relay: the queue index and the
 * scheduler; see workers.h for the rules and the log lines, and
 * workers_int.h for how the work is split across files.
 *
 * In memory the workers keep an index of the spool's queue/ (one item per
 * message: ID, created, attempts, next attempt, route), built at start
 * from the spool and extended by mx_workers_add().  The spool stays the
 * truth: every decision is written there first (done / update / bounce),
 * the index follows.  Scheduling runs from the event loop only (a kick
 * event and one timer for the earliest next attempt), never from inside
 * a callback of the listener or the sender.
 */
#include "relay/workers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "relay/workers_int.h"

static const unsigned default_retry[] = {60, 300, 900, 1800, 3600};
#define DEFAULT_LIFETIME (5u * 24u * 3600u)
#define DEFAULT_DELIVERIES 10

/* ---- the index ---------------------------------------------------------- */

void mx_wk_kick(struct mx_workers *w)
{
	if (!w->shutting || w->active == 0)
		event_active(w->ev_kick, EV_TIMEOUT, 0);
}

struct mx_wk_item *mx_wk_item_add(struct mx_workers *w, const char *id,
				  time_t created, time_t next,
				  uint32_t attempts)
{
	struct mx_wk_item *it = xcalloc(1, sizeof(*it));

	it->w = w;
	snprintf(it->id, sizeof(it->id), "%s", id);
	it->created = created;
	it->next = next;
	it->attempts = attempts;
	MX_GROW(w->v, w->n, w->cap);
	w->v[w->n++] = it;
	return it;
}

static void item_free(struct mx_wk_item *it)
{
	if (it->sender)
		mx_sender_free(it->sender);
	mx_envelope_clear(&it->env);
	free(it->msg);
	free(it->nexthop);
	free(it->key);
	free(it);
}

void mx_wk_item_remove(struct mx_workers *w, struct mx_wk_item *it)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (w->v[i] == it) {
			w->v[i] = w->v[--w->n];
			break;
		}
	}
	item_free(it);
}

/* Drop an item whose file is gone or corrupt. */
void mx_wk_lost(struct mx_workers *w, struct mx_wk_item *it,
		const struct mx_spool_diag *d)
{
	if (d->status == MX_SPOOL_CORRUPT) {
		w->stats.corrupt++;
		mx_rlog(&w->p.log, MX_RLOG_CRITICAL,
			"MID %s unreadable spool file moved to corrupt/: %s",
			it->id, d->text);
	} else {
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s cannot be loaded: %s", it->id, d->text);
	}
	mx_wk_item_remove(w, it);
}

/* ---- the scheduler ------------------------------------------------------ */

/* Deliveries running to one destination: only the busy items are
 * looked at (at most max_deliveries), not the whole queue. */
static size_t conc(const struct mx_workers *w, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < w->nbusy; i++)
		if (strcmp(w->busy[i]->key, key) == 0)
			n++;
	return n;
}

static int by_next(const void *a, const void *b)
{
	const struct mx_wk_item *x = *(const struct mx_wk_item *const *)a;
	const struct mx_wk_item *y = *(const struct mx_wk_item *const *)b;

	if (x->next != y->next)
		return x->next < y->next ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void arm(struct mx_workers *w, time_t when)
{
	time_t now = mx_wall_now();
	struct timeval tv;

	tv.tv_sec = when > now ? when - now : 0;
	tv.tv_usec = when > now ? 0 : 1000;
	event_add(w->ev_timer, &tv);
}

static void pick(struct mx_workers *w)
{
	time_t now, earliest = 0;
	size_t i;

	if (w->shutting) {
		if (w->active == 0 && w->drained) {
			void (*fn)(void *) = w->drained;

			w->drained = NULL;
			fn(w->drained_arg);
		}
		return;
	}
	/* Route what is new (may split and add items). */
	for (i = 0; i < w->n;) {
		struct mx_wk_item *it = w->v[i];
		size_t before = w->n;

		if (it->state == IT_NEW && it->next <= mx_wall_now()) {
			mx_wk_route_item(w, it);
			if (w->n != before || (i < w->n && w->v[i] != it))
				continue; /* the array changed at i */
		}
		i++;
	}
	if (w->n > 1)
		qsort(w->v, w->n, sizeof(*w->v), by_next);
	now = mx_wall_now();
	for (i = 0; i < w->n; i++) {
		struct mx_wk_item *it = w->v[i];

		if (it->state == IT_BUSY)
			continue;
		if (it->next > now || it->state == IT_NEW) {
			if (earliest == 0 || it->next < earliest)
				earliest = it->next;
			continue;
		}
		if (w->active >= w->p.max_deliveries)
			break; /* a finishing delivery picks again */
		if (conc(w, it->key) >= it->max_conc)
			continue;
		mx_wk_start_delivery(w, it);
		/* mx_wk_start_delivery may remove the item (lost): another
		 * item took its place at i. */
		if (i < w->n && w->v[i] != it)
			i--;
	}
	if (earliest != 0)
		arm(w, earliest);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pick(arg);
}

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_workers *w = arg;
	size_t i;

	(void)fd;
	(void)what;
	/* Cancel what still runs; each done callback follows. */
	for (i = 0; i < w->n; i++) {
		struct mx_wk_item *it = w->v[i];

		if (it->state == IT_BUSY && it->sender && !it->cancelled) {
			it->cancelled = 1;
			mx_sender_cancel(it->sender);
		}
	}
	mx_wk_kick(w);
}

struct mx_workers *mx_workers_new(struct event_base *base,
				  const struct mx_workers_params *p, char *err,
				  size_t errlen)
{
	struct mx_workers *w = xcalloc(1, sizeof(*w));

	w->base = base;
	w->p = *p;
	w->next_dcid = 1;
	if (p->spool == NULL) {
		snprintf(err, errlen, "the workers need a spool");
		goto fail;
	}
	if (p->retry != NULL && p->nretry > 0) {
		w->retry = p->retry;
		w->nretry = p->nretry;
	} else {
		w->retry = default_retry;
		w->nretry = sizeof(default_retry) / sizeof(default_retry[0]);
	}
	if (w->p.max_lifetime_s == 0)
		w->p.max_lifetime_s = DEFAULT_LIFETIME;
	if (w->p.max_deliveries == 0)
		w->p.max_deliveries = DEFAULT_DELIVERIES;
	if (p->judge == NULL) {
		int need = p->policy != MX_POLICY_NONE;
		size_t i;

		for (i = 0; p->dests && i < p->dests->n; i++)
			if (p->dests->v[i].has_policy &&
			    p->dests->v[i].policy != MX_POLICY_NONE)
				need = 1;
		if (need) {
			snprintf(err, errlen, "a TLS policy needs a judge");
			goto fail;
		}
	}
	w->ev_kick = event_new(base, -1, 0, kick_cb, w);
	w->ev_timer = event_new(base, -1, 0, kick_cb, w);
	w->ev_grace = event_new(base, -1, 0, grace_cb, w);
	if (w->ev_kick == NULL || w->ev_timer == NULL || w->ev_grace == NULL) {
		snprintf(err, errlen, "event_new failed");
		goto fail;
	}
	return w;
fail:
	mx_workers_free(w);
	return NULL;
}

long mx_workers_start(struct mx_workers *w, char *err, size_t errlen)
{
	struct mx_spool_list l;
	struct mx_spool_diag d;
	size_t i;

	memset(&l, 0, sizeof(l));
	memset(&d, 0, sizeof(d));
	if (mx_spool_list(w->p.spool, MX_SPOOL_AREA_QUEUE, &l, &d) !=
	    MX_SPOOL_OK) {
		snprintf(err, errlen, "spool list: %s", d.text);
		return -1;
	}
	for (i = 0; i < l.n; i++) {
		size_t j;

		for (j = 0; j < w->n && strcmp(w->v[j]->id, l.ids[i]) != 0; j++)
			;
		if (j == w->n) /* the times come with the routing */
			mx_wk_item_add(w, l.ids[i], 0, 0, 0);
	}
	mx_spool_list_free(&l);
	mx_wk_kick(w);
	return (long)w->n;
}

void mx_workers_add(struct mx_workers *w, const char *id,
		    const struct mx_envelope *env)
{
	mx_wk_item_add(w, id, env->created, env->next_attempt, env->attempts);
	mx_wk_kick(w);
}

void mx_workers_shutdown(struct mx_workers *w, int grace_ms,
			 void (*drained)(void *arg), void *arg)
{
	struct timeval tv;

	w->shutting = 1;
	w->drained = drained;
	w->drained_arg = arg;
	event_del(w->ev_timer);
	if (w->active > 0) {
		tv.tv_sec = grace_ms / 1000;
		tv.tv_usec = (grace_ms % 1000) * 1000;
		event_add(w->ev_grace, &tv);
	}
	mx_wk_kick(w);
}

size_t mx_workers_queued(const struct mx_workers *w)
{
	return w->n;
}

size_t mx_workers_active(const struct mx_workers *w)
{
	return w->active;
}

const struct mx_workers_stats *mx_workers_stats(const struct mx_workers *w)
{
	return &w->stats;
}

void mx_workers_free(struct mx_workers *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		item_free(w->v[i]);
	free(w->v);
	free(w->busy);
	if (w->ev_kick)
		event_free(w->ev_kick);
	if (w->ev_timer)
		event_free(w->ev_timer);
	if (w->ev_grace)
		event_free(w->ev_grace);
	free(w);
}
