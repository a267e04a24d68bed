/*
 * test_pool.c - probe/pool.c: background requests yield to foreground
 * ones of the same address (not of others), priorities, connection ids,
 * peaks.
 * (Caps, FIFO and backoff are tested in test_enum.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <event2/event.h>

#include "probe/pool.h"

struct grantee {
	struct mx_pool_wait w;
	int granted;
	int order; /* grant sequence number */
};

static int seq;

static void on_grant(void *arg)
{
	struct grantee *g = arg;

	g->granted++;
	g->order = ++seq;
}

static void loop_once(struct event_base *base)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
}

static void req(struct mx_pool *p, struct grantee *g, const char *addr,
		int background)
{
	memset(g, 0, sizeof(*g));
	g->w.addr = addr;
	g->w.grant = on_grant;
	g->w.arg = g;
	g->w.background = background;
	mx_pool_acquire(p, &g->w);
}

static void test_background_yields(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 1, 16);
	struct grantee bg1, bg2, fg1, fg2, other;

	(void)state;
	seq = 0;
	/* background first in the queue, then foreground: one slot */
	req(p, &bg1, "127.0.0.1", 1);
	req(p, &fg1, "127.0.0.1", 0);
	req(p, &other, "127.0.0.2", 0);
	loop_once(base);
	assert_int_equal(fg1.granted, 1);
	assert_int_equal(bg1.granted, 0);
	/* a foreground request of another address does not hold it back */
	assert_int_equal(other.granted, 1);
	/* the foreground chain asks again as it releases: it goes first */
	mx_pool_release(p, "127.0.0.1");
	req(p, &fg2, "127.0.0.1", 0);
	loop_once(base);
	assert_int_equal(fg2.granted, 1);
	assert_int_equal(bg1.granted, 0);
	/* no foreground request left: the slot goes to the background */
	mx_pool_release(p, "127.0.0.1");
	loop_once(base);
	assert_int_equal(bg1.granted, 1);
	/* background waiters do not count as using the idle slot */
	req(p, &bg2, "127.0.0.1", 1);
	assert_int_equal(mx_pool_idle(p, "127.0.0.1"), 0); /* cap 1, held */
	mx_pool_release(p, "127.0.0.1");
	assert_int_equal(mx_pool_idle(p, "127.0.0.1"), 1);
	loop_once(base);
	assert_int_equal(bg2.granted, 1);
	assert_true(fg1.order < fg2.order && fg2.order < bg1.order);
	mx_pool_release(p, "127.0.0.1");
	mx_pool_release(p, "127.0.0.2");
	assert_int_equal(mx_pool_granted(p), 5);
	assert_int_equal(mx_pool_peak(p, "127.0.0.1"), 1);
	mx_pool_free(p);
	event_base_free(base);
}

static void test_ids(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 2, 16);
	struct grantee a, b, c;

	(void)state;
	assert_int_equal(mx_pool_conn_id(p), 1);
	assert_int_equal(mx_pool_conn_id(p), 2);
	assert_int_equal(mx_pool_conn_id(p), 3);
	req(p, &a, "::1", 0);
	req(p, &b, "::1", 0);
	req(p, &c, "::1", 0);
	loop_once(base);
	assert_int_equal(a.granted + b.granted + c.granted, 2);
	assert_int_equal(mx_pool_peak(p, "::1"), 2);
	assert_int_equal(mx_pool_peak(p, "127.0.0.9"), 0);
	mx_pool_cancel(p, &c.w);
	mx_pool_release(p, "::1");
	mx_pool_release(p, "::1");
	mx_pool_free(p);
	event_base_free(base);
}

/* A higher priority goes first, FIFO among equals; background requests
 * still yield to every foreground one. */
static void test_priority(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 1, 16);
	struct grantee hold, a0, b0, c2, d1, e2, bg;

	(void)state;
	seq = 0;
	req(p, &hold, "127.0.0.1", 0);
	loop_once(base);
	assert_int_equal(hold.granted, 1);
	req(p, &a0, "127.0.0.1", 0);
	memset(&bg, 0, sizeof(bg));
	bg.w.addr = "127.0.0.1";
	bg.w.grant = on_grant;
	bg.w.arg = &bg;
	bg.w.background = 1;
	bg.w.prio = 5;
	mx_pool_acquire(p, &bg.w);
	req(p, &b0, "127.0.0.1", 0);
	memset(&c2, 0, sizeof(c2));
	c2.w.addr = "127.0.0.1";
	c2.w.grant = on_grant;
	c2.w.arg = &c2;
	c2.w.prio = 2;
	mx_pool_acquire(p, &c2.w);
	d1 = c2;
	d1.w.arg = &d1;
	d1.w.prio = 1;
	d1.w.queued = 0;
	mx_pool_acquire(p, &d1.w);
	e2 = c2;
	e2.w.arg = &e2;
	e2.w.queued = 0;
	mx_pool_acquire(p, &e2.w);
	/* one slot: release it five times, one grant each */
	for (seq = 1; seq < 7;) {
		int before = seq;

		mx_pool_release(p, "127.0.0.1");
		loop_once(base);
		assert_int_equal(seq, before + 1);
	}
	assert_int_equal(c2.order, 2);
	assert_int_equal(e2.order, 3);
	assert_int_equal(d1.order, 4);
	assert_int_equal(a0.order, 5);
	assert_int_equal(b0.order, 6);
	assert_int_equal(bg.order, 7); /* background last despite prio */
	mx_pool_release(p, "127.0.0.1");
	mx_pool_free(p);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_background_yields),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_priority),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
