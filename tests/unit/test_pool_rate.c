/*
 * test_pool_rate.c - mx_pool_set_rate (probe/pool.c, `scan
 * --rate-per-host`): at most N new connections a second to one address,
 * other addresses not held back, and no limit unless asked; and the
 * address table of a many-address scan: bounded by the addresses in use
 * (idle ones forgotten), while an address under backoff or still inside
 * its rate delay is remembered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/event.h>

#include "common/clock.h"
#include "probe/pool.h"

struct grantee {
	struct mx_pool_wait w;
	int granted;
	int64_t at;
};

static void on_grant(void *arg)
{
	struct grantee *g = arg;

	g->granted++;
	g->at = mx_now_ms();
}

static void req(struct mx_pool *p, struct grantee *g, const char *addr)
{
	memset(g, 0, sizeof(*g));
	g->w.addr = addr;
	g->w.grant = on_grant;
	g->w.arg = g;
	mx_pool_acquire(p, &g->w);
}

static void stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopexit(arg, NULL);
}

/* Run the loop for ms milliseconds. */
static void run_for(struct event_base *base, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_once(base, -1, EV_TIMEOUT, stop, base, &tv);
	event_base_dispatch(base);
}

static void test_rate(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 4, 16);
	struct grantee a1, a2, a3, b1;
	int64_t t0 = mx_now_ms();

	(void)state;
	mx_pool_set_rate(p, 5); /* one start every 200 ms per address */
	req(p, &a1, "127.0.0.1");
	req(p, &a2, "127.0.0.1");
	req(p, &a3, "127.0.0.1");
	req(p, &b1, "127.0.0.2");
	run_for(base, 100);
	assert_int_equal(a1.granted, 1);
	assert_int_equal(a2.granted, 0); /* the cap would allow it */
	assert_int_equal(b1.granted, 1); /* another address: not held */
	run_for(base, 500);
	assert_int_equal(a2.granted, 1);
	assert_int_equal(a3.granted, 1);
	assert_true(a2.at - a1.at >= 190);
	assert_true(a3.at - a2.at >= 190);
	assert_true(a3.at - t0 < 600);
	mx_pool_release(p, "127.0.0.1");
	mx_pool_release(p, "127.0.0.1");
	mx_pool_release(p, "127.0.0.1");
	mx_pool_release(p, "127.0.0.2");
	mx_pool_free(p);
	event_base_free(base);
}

static void test_default_off(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 4, 16);
	struct grantee a1, a2, a3;

	(void)state;
	req(p, &a1, "127.0.0.1");
	req(p, &a2, "127.0.0.1");
	req(p, &a3, "127.0.0.1");
	run_for(base, 20);
	assert_int_equal(a1.granted + a2.granted + a3.granted, 3);
	mx_pool_release(p, "127.0.0.1");
	mx_pool_release(p, "127.0.0.1");
	mx_pool_release(p, "127.0.0.1");
	mx_pool_free(p);
	event_base_free(base);
}

#define NADDR 5000

struct churn {
	struct mx_pool *p;
	struct mx_pool_wait w;
	char addr[32];
	int granted;
	size_t most_hosts;
};

/* Granted, then released at once (a probe that ends at once); the
 * table's size noted while the address is held. */
static void churn_grant(void *arg)
{
	struct churn *c = arg;
	size_t n = mx_pool_nhosts(c->p);

	c->granted++;
	if (n > c->most_hosts)
		c->most_hosts = n;
	mx_pool_release(c->p, c->addr);
}

/* NADDR distinct addresses, one connection each, all queued at once
 * under a global cap of 8: every one granted; without a rate (nothing
 * to remember about an address once released) the table never near
 * NADDR. */
static struct churn *churn(struct event_base *base, struct mx_pool *p,
			   unsigned base_addr, int bounded)
{
	struct churn *c = calloc(NADDR, sizeof(*c));
	size_t i, most = 0;
	int granted = 0, rounds;

	assert_non_null(c);
	for (i = 0; i < NADDR; i++) {
		unsigned a = base_addr + (unsigned)i;

		c[i].p = p;
		snprintf(c[i].addr, sizeof(c[i].addr), "10.%u.%u.%u",
			 (a >> 16) & 255, (a >> 8) & 255, a & 255);
		c[i].w.addr = c[i].addr;
		c[i].w.grant = churn_grant;
		c[i].w.arg = &c[i];
		mx_pool_acquire(p, &c[i].w);
	}
	for (rounds = 0; rounds < 100 && granted < NADDR; rounds++) {
		run_for(base, 20);
		for (granted = 0, i = 0; i < NADDR; i++)
			granted += c[i].granted;
	}
	assert_int_equal(granted, NADDR);
	for (i = 0; i < NADDR; i++)
		if (c[i].most_hosts > most)
			most = c[i].most_hosts;
	if (bounded) {
		assert_true(most <= 2 * 1024 + 8);
		assert_true(mx_pool_nhosts(p) <= 2 * 1024 + 8);
	}
	return c;
}

static void test_table_bounded(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 2, 8);

	(void)state;
	free(churn(base, p, 1, 1));
	assert_int_equal(mx_pool_granted(p), NADDR);
	mx_pool_free(p);
	event_base_free(base);
}

/* A backoff is not forgotten however many addresses come after it; nor
 * is the rate delay of an address just used. */
static void test_table_remembers(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 2, 8);
	struct grantee r1, r2;

	(void)state;
	mx_pool_set_rate(p, 1); /* one start a second per address */
	req(p, &r1, "192.0.2.7");
	run_for(base, 20);
	assert_int_equal(r1.granted, 1);
	mx_pool_release(p, "192.0.2.7");
	mx_pool_backoff(p, "192.0.2.9", 10);
	free(churn(base, p, 1 << 16, 0));
	assert_int_equal(mx_pool_cap(p, "192.0.2.9"), 1);
	/* still inside its second: the next start waits for it */
	req(p, &r2, "192.0.2.7");
	run_for(base, 20);
	if (mx_now_ms() - r1.at < 900)
		assert_int_equal(r2.granted, 0);
	run_for(base, 1100);
	assert_int_equal(r2.granted, 1);
	assert_true(r2.at - r1.at >= 990);
	mx_pool_release(p, "192.0.2.7");
	mx_pool_free(p);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_default_off),
		cmocka_unit_test(test_table_bounded),
		cmocka_unit_test(test_table_remembers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
