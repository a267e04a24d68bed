/*
 * test_pool_rate.c - mx_pool_set_rate (probe/pool.c, `scan
 * --rate-per-host`): at most N new connections a second to one address,
 * other addresses not held back, and no limit unless asked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_default_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
