/*
 * pool.c - connection slots per address and in all, FIFO (by priority),
 * backoff, and the run's connection ids; see pool.h.
 *
 * The addresses are a hash table (FNV-1a, chained, doubled when it holds
 * twice as many addresses as buckets): a scan over 10,000 addresses looks
 * one up in constant time, not by walking every address seen.  An address
 * with nothing to remember - no connection running, its cap untouched by a
 * backoff, its backoff and rate delay over - is dropped from the table
 * once the table holds more than PRUNE_AT addresses (swept then, and again
 * each time the count doubles from what the sweep left), so memory follows
 * the addresses in use, not every address of the run; its peak goes with
 * it (mx_pool_peak then says 0).
 */
#include "probe/pool.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"

#define PRUNE_AT 1024

struct pool_host {
	char *addr;
	uint32_t hash;
	int running;
	int peak; /* most at once */
	int cap;
	int64_t not_before;
	int64_t next_start;	/* mx_pool_set_rate: no new connection before */
	struct pool_host *next; /* in its bucket */
};

struct mx_pool {
	struct event_base *base;
	int per_host, global, running;
	struct pool_host **buckets;
	size_t nhosts, nbuckets; /* nbuckets: a power of two */
	size_t prune_at;	 /* sweep when nhosts passes this */
	struct mx_pool_wait *head, *tail;
	struct event *ev_pump;
	unsigned next_id; /* last connection id handed out */
	unsigned granted;
	int rate_ms; /* mx_pool_set_rate: ms between starts per host, 0 off */
};

static uint32_t addr_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static struct pool_host *host_find(const struct mx_pool *p, const char *addr)
{
	uint32_t h = addr_hash(addr);
	struct pool_host *x;

	for (x = p->buckets[h & (p->nbuckets - 1)]; x != NULL; x = x->next)
		if (x->hash == h && strcmp(x->addr, addr) == 0)
			return x;
	return NULL;
}

static void rehash(struct mx_pool *p, size_t nb)
{
	struct pool_host **b = xcalloc(nb, sizeof(*b));
	size_t i;

	for (i = 0; i < p->nbuckets; i++) {
		struct pool_host *x = p->buckets[i], *nx;

		for (; x != NULL; x = nx) {
			nx = x->next;
			x->next = b[x->hash & (nb - 1)];
			b[x->hash & (nb - 1)] = x;
		}
	}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = nb;
}

/* Nothing to remember about h: the table may forget it. */
static int host_forgettable(const struct mx_pool *p, const struct pool_host *h,
			    int64_t now)
{
	return h->running == 0 && h->cap == p->per_host &&
	       h->not_before <= now && h->next_start <= now;
}

static void prune(struct mx_pool *p)
{
	int64_t now = mx_now_ms();
	size_t i;

	for (i = 0; i < p->nbuckets; i++) {
		struct pool_host **pp = &p->buckets[i], *x;

		while ((x = *pp) != NULL) {
			if (host_forgettable(p, x, now)) {
				*pp = x->next;
				free(x->addr);
				free(x);
				p->nhosts--;
			} else {
				pp = &x->next;
			}
		}
	}
	p->prune_at = p->nhosts * 2 > PRUNE_AT ? p->nhosts * 2 : PRUNE_AT;
}

static struct pool_host *pool_host(struct mx_pool *p, const char *addr)
{
	struct pool_host *h = host_find(p, addr);

	if (h != NULL)
		return h;
	/* Never while a caller holds a host pointer: each public function
	 * looks up one host and uses only that one. */
	if (p->nhosts >= p->prune_at)
		prune(p);
	if (p->nhosts >= p->nbuckets * 2)
		rehash(p, p->nbuckets * 2);
	h = xcalloc(1, sizeof(*h));
	h->addr = xstrdup(addr);
	h->hash = addr_hash(addr);
	h->cap = p->per_host;
	h->next = p->buckets[h->hash & (p->nbuckets - 1)];
	p->buckets[h->hash & (p->nbuckets - 1)] = h;
	p->nhosts++;
	return h;
}

static void pool_schedule(struct mx_pool *p, int64_t ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	event_add(p->ev_pump, &tv); /* re-adding moves the timeout */
}

/* A foreground request for addr is queued: background ones wait. */
static int fg_waiting(const struct mx_pool *p, const char *addr)
{
	const struct mx_pool_wait *w;

	for (w = p->head; w != NULL; w = w->next)
		if (!w->background && strcmp(w->addr, addr) == 0)
			return 1;
	return 0;
}

static void pool_pump(evutil_socket_t fd, short what, void *arg)
{
	struct mx_pool *p = arg;
	int64_t now, wake = -1;
	int again = 1;

	(void)fd;
	(void)what;
	while (again) {
		struct mx_pool_wait *w, *prev = NULL;

		again = 0;
		now = mx_now_ms();
		wake = -1;
		for (w = p->head; w != NULL; prev = w, w = w->next) {
			struct pool_host *h;

			if (p->running >= p->global)
				break;
			h = pool_host(p, w->addr);
			if (h->running >= h->cap)
				continue;
			if (w->background && fg_waiting(p, w->addr))
				continue;
			if (h->not_before > now) {
				if (wake < 0 || h->not_before - now < wake)
					wake = h->not_before - now;
				continue;
			}
			if (p->rate_ms > 0 && h->next_start > now) {
				if (wake < 0 || h->next_start - now < wake)
					wake = h->next_start - now;
				continue;
			}
			if (p->rate_ms > 0)
				h->next_start = now + p->rate_ms;
			/* grant: unlink, count, call (may re-enter) */
			if (prev)
				prev->next = w->next;
			else
				p->head = w->next;
			if (p->tail == w)
				p->tail = prev;
			w->next = NULL;
			w->queued = 0;
			h->running++;
			if (h->running > h->peak)
				h->peak = h->running;
			p->running++;
			p->granted++;
			w->grant(w->arg);
			again = 1;
			break;
		}
	}
	if (wake >= 0)
		pool_schedule(p, wake);
}

struct mx_pool *mx_pool_new(struct event_base *base, int per_host, int global)
{
	struct mx_pool *p = xcalloc(1, sizeof(*p));

	p->base = base;
	p->per_host = per_host > 0 ? per_host : 2;
	p->global = global > 0 ? global : 16;
	p->nbuckets = 64;
	p->buckets = xcalloc(p->nbuckets, sizeof(*p->buckets));
	p->prune_at = PRUNE_AT;
	p->ev_pump = evtimer_new(base, pool_pump, p);
	if (p->ev_pump == NULL)
		mx_fatal(__func__, "evtimer_new");
	return p;
}

void mx_pool_set_rate(struct mx_pool *p, int per_second)
{
	p->rate_ms = per_second > 0 ? (1000 + per_second - 1) / per_second : 0;
}

void mx_pool_free(struct mx_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nbuckets; i++) {
		struct pool_host *x = p->buckets[i], *nx;

		for (; x != NULL; x = nx) {
			nx = x->next;
			free(x->addr);
			free(x);
		}
	}
	free(p->buckets);
	event_free(p->ev_pump);
	free(p);
}

void mx_pool_acquire(struct mx_pool *p, struct mx_pool_wait *w)
{
	struct mx_pool_wait *x = NULL, *prev = NULL;

	if (w->queued)
		return;
	w->next = NULL;
	w->queued = 1;
	/* After every request of its priority or higher (FIFO among
	 * equals); usually the end of the queue. */
	if (w->prio > 0)
		for (x = p->head; x != NULL; prev = x, x = x->next)
			if (x->prio < w->prio)
				break;
	if (w->prio > 0 && x != NULL) {
		w->next = x;
		if (prev)
			prev->next = w;
		else
			p->head = w;
	} else if (p->tail) {
		p->tail->next = w;
		p->tail = w;
	} else {
		p->head = p->tail = w;
	}
	pool_schedule(p, 0);
}

void mx_pool_cancel(struct mx_pool *p, struct mx_pool_wait *w)
{
	struct mx_pool_wait *x, *prev = NULL;

	if (!w->queued)
		return;
	for (x = p->head; x != NULL; prev = x, x = x->next) {
		if (x != w)
			continue;
		if (prev)
			prev->next = x->next;
		else
			p->head = x->next;
		if (p->tail == x)
			p->tail = prev;
		break;
	}
	w->next = NULL;
	w->queued = 0;
}

void mx_pool_release(struct mx_pool *p, const char *addr)
{
	struct pool_host *h = pool_host(p, addr);

	if (h->running > 0)
		h->running--;
	if (p->running > 0)
		p->running--;
	if (p->head)
		pool_schedule(p, 0);
}

void mx_pool_backoff(struct mx_pool *p, const char *addr, int ms)
{
	struct pool_host *h = pool_host(p, addr);
	int64_t until = mx_now_ms() + ms;

	if (until > h->not_before)
		h->not_before = until;
	h->cap = 1;
}

int mx_pool_idle(struct mx_pool *p, const char *addr)
{
	struct pool_host *h = pool_host(p, addr);
	struct mx_pool_wait *w;
	int free_host = h->cap - h->running, free_all = p->global - p->running;
	int free = free_host < free_all ? free_host : free_all;

	if (h->not_before > mx_now_ms())
		return 0;
	/* The queued requests (a chain's next offer, just asked for) take
	 * the free slots first. */
	for (w = p->head; w != NULL && free > 0; w = w->next)
		if (!w->background && strcmp(w->addr, addr) == 0)
			free--;
	return free > 0;
}

int mx_pool_cap(const struct mx_pool *p, const char *addr)
{
	const struct pool_host *h = host_find(p, addr);

	return h != NULL ? h->cap : p->per_host;
}

unsigned mx_pool_conn_id(struct mx_pool *p)
{
	return ++p->next_id;
}

unsigned mx_pool_granted(const struct mx_pool *p)
{
	return p->granted;
}

int mx_pool_peak(const struct mx_pool *p, const char *addr)
{
	const struct pool_host *h = host_find(p, addr);

	return h != NULL ? h->peak : 0;
}

size_t mx_pool_nhosts(const struct mx_pool *p)
{
	return p->nhosts;
}
