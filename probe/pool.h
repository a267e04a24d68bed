/*
 * pool.h - the one connection pool of a run: every phase (probe,
 * enumeration, bisection, confirmations, advice tests) asks it for a slot
 * before it opens a TCP connection.
 *
 * Politeness (DESIGN.md: connections are the cost): at most `per_host`
 * connections at once to one IP address and `global` in all; a server
 * that pushes back (421 greeting, refused connection) gets no new
 * connection for a while and at most one at a time from then on.
 * Requests are granted in FIFO order per address, foreground before
 * background, a higher priority (mx_pool_wait.prio) first, from the loop (never from inside mx_pool_acquire), so a
 * grant callback may start I/O at once.
 *
 * The pool also numbers the run's connections (mx_pool_conn_id): every
 * connection record (model/conn.h) of a run gets a distinct id from 1.
 *
 * API:
 *   p = mx_pool_new(base, per_host, global);
 *   mx_pool_acquire(p, &w)  ... w.grant(w.arg) later: the slot is held;
 *   mx_pool_release(p, addr) when the connection is closed;
 *   mx_pool_cancel(p, &w) withdraws a request not granted yet;
 *   mx_pool_free(p) once every user has released or cancelled.
 *
 * Ownership: waiters are embedded in their callers and borrowed while
 * queued; addresses are copied.  No I/O besides one timer.
 */
#ifndef MX_PROBE_POOL_H
#define MX_PROBE_POOL_H

#include <stddef.h>

struct event_base;
struct mx_pool;

/* A request for a connection slot, embedded in the caller (zero it). */
struct mx_pool_wait {
	const char *addr;	  /* numeric address (borrowed) */
	void (*grant)(void *arg); /* from the loop; the slot is held */
	void *arg;
	/* 1: background - granted only while no foreground request for
	 * the same address waits, so work that can go on at any time
	 * (client confirmations) fills slots that would otherwise idle
	 * without delaying a chain of dependent connections. */
	int background;
	/* Among the requests waiting for a slot, higher first (FIFO among
	 * equals): a long chain of dependent connections (an enumeration's
	 * suite loop that keeps finding suites) says how far it got, so it
	 * does not wait behind short independent work and end alone at
	 * the tail.  0 for everything else. */
	int prio;
	struct mx_pool_wait *next; /* internal */
	int queued;		   /* internal */
};

/* per_host: connections at once to one address (0: 2); global (0: 16). */
struct mx_pool *mx_pool_new(struct event_base *base, int per_host, int global);
void mx_pool_free(struct mx_pool *p);
/* At most per_second new connections a second to one address (`scan
 * --rate-per-host`); 0 (the default of a new pool): no such limit. */
void mx_pool_set_rate(struct mx_pool *p, int per_second);
/* Queue w; w->grant is called from the loop once a slot is free. */
void mx_pool_acquire(struct mx_pool *p, struct mx_pool_wait *w);
/* Withdraw a queued request (no grant follows). */
void mx_pool_cancel(struct mx_pool *p, struct mx_pool_wait *w);
void mx_pool_release(struct mx_pool *p, const char *addr);
/* The server pushed back (421, refused): no new connection to addr for
 * ms, and at most one at a time from now on. */
void mx_pool_backoff(struct mx_pool *p, const char *addr, int ms);
/* 1 when a connection to addr could start now even after every queued
 * foreground request for it got one: a slot would idle. */
int mx_pool_idle(struct mx_pool *p, const char *addr);
/* The current cap for addr (per_host until a backoff). */
int mx_pool_cap(const struct mx_pool *p, const char *addr);
/* The next connection id of the run (1, 2, ...). */
unsigned mx_pool_conn_id(struct mx_pool *p);
/* Connections granted so far, and the most that ran at once to addr
 * (for tests and the politeness figures). */
unsigned mx_pool_granted(const struct mx_pool *p);
int mx_pool_peak(const struct mx_pool *p, const char *addr);
/* The addresses the pool remembers now: those in use, held back by a
 * backoff or the rate, and idle ones not yet swept (pool.c: bounded by
 * the addresses in use, not by every address of the run). */
size_t mx_pool_nhosts(const struct mx_pool *p);

#endif
