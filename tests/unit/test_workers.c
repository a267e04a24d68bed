/*
 * test_workers.c - the relay's delivery workers (workers.c,
 * workers_route.c, delivery.c, delivery_log.c).  Their configuration has
 * its own tests: test_dest.c (the destination table and routing) and
 * test_retry.c (the retry schedule).
 *
 * Delivery runs for real: the workers of spool A hand
 * messages to the real sender (relay/sender.h), which delivers them over
 * loopback to the relay's own listener in front of spool B - all on one
 * event loop.  Checked: delivered bytes equal queued bytes, the spool
 * entry goes only after the remote 250; a temporary failure is retried
 * on schedule and expires into dead/; a permanent one bounces at once;
 * recipients refused with 452 are requeued alone; recipients of two
 * destinations are split; messages found at start are delivered; a
 * shutdown does not count an interrupted attempt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/policy.h"
#include "common/buf.h"
#include "common/clock.h"
#include "relay/listener.h"
#include "relay/spool.h"
#include "relay/workers.h"
#include "tests/unit/relay_fixture.h"

#define WAIT_MS 15000

/* ---- delivery over loopback -------------------------------------------- */

struct fx {
	struct event_base *base;
	struct event *tick;
	uint32_t rnd;
	struct rfx_spool a, b, c;
	struct mx_listener *lb, *lc;
	struct mx_workers *w;
	struct mx_buf log;
	struct mx_dest_table dests;
	unsigned retry[4];
	size_t max_deliveries;
	int drained;
};

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static struct mx_listener *receiver(struct fx *f, struct rfx_spool *s,
				    size_t max_rcpts, size_t max_size, int tls)
{
	struct mx_listener_params p;
	struct mx_listener *l;
	char err[256], cert[256], key[256];
	const char *dd = getenv("TEST_DATA_DIR");

	rfx_spool_open(s, "test_workers", &f->rnd);
	snprintf(cert, sizeof(cert), "%s/certs/chain.pem",
		 dd ? dd : "tests/data");
	snprintf(key, sizeof(key), "%s/certs/leaf.key", dd ? dd : "tests/data");
	memset(&p, 0, sizeof(p));
	p.addr = "127.0.0.1";
	p.hostname = "receiver.test";
	p.max_recipients = max_rcpts;
	p.max_message_size = max_size;
	p.spool = s->spool;
	if (tls) {
		p.tls_cert = cert;
		p.tls_key = key;
	}
	l = mx_listener_new(f->base, &p, err, sizeof(err));
	if (l == NULL)
		fail_msg("receiver: %s", err);
	return l;
}

static void fx_start(struct fx *f)
{
	struct timeval tv = {0, 100000};

	memset(f, 0, sizeof(*f));
	f->base = event_base_new();
	f->tick = event_new(f->base, -1, EV_PERSIST, tick_cb, f);
	event_add(f->tick, &tv);
	mx_buf_init(&f->log, 0);
	rfx_spool_open(&f->a, "test_workers", &f->rnd);
	f->retry[0] = 1;
	f->retry[1] = 1;
}

static void workers_start(struct fx *f, const char *smarthost,
			  enum mx_tls_policy policy, unsigned lifetime)
{
	struct mx_workers_params p;
	char err[256];
	const char *dd = getenv("TEST_DATA_DIR");
	static char ca[256];

	snprintf(ca, sizeof(ca), "%s/certs/root.pem", dd ? dd : "tests/data");
	memset(&p, 0, sizeof(p));
	p.spool = f->a.spool;
	p.dests = f->dests.n ? &f->dests : NULL;
	p.smarthost = smarthost;
	p.policy = policy;
	p.retry = f->retry;
	p.nretry = 2;
	p.max_lifetime_s = lifetime;
	p.max_deliveries = f->max_deliveries;
	p.judge = mx_policy_judge;
	p.ca_file = ca;
	p.helo = "relay.test";
	p.step_timeout_ms = 3000;
	p.data_timeout_ms = 3000;
	p.log.fn = rfx_log_sink;
	p.log.arg = &f->log;
	f->w = mx_workers_new(f->base, &p, err, sizeof(err));
	if (f->w == NULL)
		fail_msg("workers: %s", err);
	assert_true(mx_workers_start(f->w, err, sizeof(err)) >= 0);
}

static void fx_stop(struct fx *f)
{
	mx_workers_free(f->w);
	mx_listener_free(f->lb);
	mx_listener_free(f->lc);
	rfx_spool_close(&f->a);
	rfx_spool_close(&f->b);
	rfx_spool_close(&f->c);
	mx_dest_table_free(&f->dests);
	event_free(f->tick);
	event_base_free(f->base);
	mx_buf_free(&f->log);
}

/* Queue a message in spool A (as the listener would) and tell the
 * workers; returns its ID in id. */
static void queue(struct fx *f, const char *const *rcpts, size_t n,
		  const char *msg, char id[MX_SPOOL_ID_LEN + 1])
{
	struct mx_envelope env;
	struct mx_spool_diag d;

	memset(&env, 0, sizeof(env));
	env.from = (char *)"sender@relay.test";
	env.rcpts = (char **)rcpts;
	env.nrcpts = n;
	env.created = mx_wall_now();
	env.next_attempt = env.created;
	assert_int_equal(mx_spool_put(f->a.spool, &env, (const uint8_t *)msg,
				      strlen(msg), id, &d),
			 MX_SPOOL_OK);
	if (f->w)
		mx_workers_add(f->w, id, &env);
}

/* Run the loop until cond(f) or the wait is over. */
static int run_until(struct fx *f, int (*cond)(struct fx *), int ms)
{
	int64_t t0 = mx_now_ms();

	while (!cond(f)) {
		if (mx_now_ms() - t0 > ms)
			return 0;
		event_base_loop(f->base, EVLOOP_ONCE);
	}
	return 1;
}

static int a_empty(struct fx *f)
{
	return rfx_spool_count(f->a.spool, MX_SPOOL_AREA_QUEUE) == 0 &&
	       mx_workers_active(f->w) == 0;
}

static int a_dead(struct fx *f)
{
	return rfx_spool_count(f->a.spool, MX_SPOOL_AREA_DEAD) > 0;
}

static int idle(struct fx *f)
{
	return mx_workers_active(f->w) == 0 &&
	       mx_workers_stats(f->w)->attempts > 0;
}

/* The one message of a spool. */
static void only_message(struct mx_spool *sp, struct mx_envelope *env,
			 uint8_t **msg, size_t *len)
{
	struct mx_spool_list l;
	struct mx_spool_diag d;

	memset(&l, 0, sizeof(l));
	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_QUEUE, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 1);
	memset(env, 0, sizeof(*env));
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, l.ids[0], env,
				       msg, len, &d),
			 MX_SPOOL_OK);
	mx_spool_list_free(&l);
}

static const char msg1[] = "From: <sender@relay.test>\r\n"
			   "Subject: through the workers\r\n"
			   "\r\n"
			   ".a line with a dot\r\n"
			   "bye\r\n";

static void test_deliver(void **state)
{
	static const char *const rcpts[] = {"a@lab.test", "b@lab.test"};
	struct fx f;
	char hop[64], id[MX_SPOOL_ID_LEN + 1], want[128];
	struct mx_envelope env;
	uint8_t *msg = NULL;
	size_t len = 0;

	(void)state;
	fx_start(&f);
	f.lb = receiver(&f, &f.b, 0, 0, 1);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)mx_listener_port(f.lb));
	workers_start(&f, hop, MX_POLICY_ENCRYPT, 3600);
	queue(&f, rcpts, 2, msg1, id);
	assert_true(run_until(&f, a_empty, WAIT_MS));
	only_message(f.b.spool, &env, &msg, &len);
	assert_string_equal(env.from, "sender@relay.test");
	assert_int_equal(env.nrcpts, 2);
	assert_string_equal(env.rcpts[1], "b@lab.test");
	assert_int_equal(len, strlen(msg1));
	assert_memory_equal(msg, msg1, len);
	free(msg);
	mx_envelope_clear(&env);
	assert_int_equal(mx_workers_stats(f.w)->delivered, 1);
	assert_int_equal(mx_workers_queued(f.w), 0);
	/* the appliance-shaped lines */
	snprintf(want, sizeof(want),
		 "New SMTP DCID 1 interface 127.0.0.1 address 127.0.0.1 port "
		 "%u",
		 (unsigned)mx_listener_port(f.lb));
	assert_true(rfx_log_has(&f.log, want));
	assert_true(rfx_log_has(&f.log,
				"DCID 1 TLS success protocol TLSv1.3 cipher "
				"TLS_"));
	snprintf(want, sizeof(want),
		 "Delivery start DCID 1 MID %s to RID [0, 1]", id);
	assert_true(rfx_log_has(&f.log, want));
	snprintf(want, sizeof(want),
		 "Message done DCID 1 MID %s to RID [0, 1] [250 2.0.0 Ok: "
		 "queued as ",
		 id);
	assert_true(rfx_log_has(&f.log, want));
	assert_true(rfx_log_has(&f.log, "DCID 1 close"));
	fx_stop(&f);
}

/* verify with a name the certificate does not carry: the policy defers
 * (temporary), the message stays queued with the reason. */
static void test_policy_defers(void **state)
{
	static const char *const rcpts[] = {"a@lab.test"};
	struct fx f;
	char hop[64], id[MX_SPOOL_ID_LEN + 1];
	struct mx_envelope env;
	struct mx_spool_diag d;

	(void)state;
	fx_start(&f);
	f.lb = receiver(&f, &f.b, 0, 0, 1);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)mx_listener_port(f.lb));
	f.retry[0] = 3600;
	workers_start(&f, hop, MX_POLICY_VERIFY, 3600);
	queue(&f, rcpts, 1, msg1, id);
	assert_true(run_until(&f, idle, WAIT_MS));
	assert_int_equal(rfx_spool_count(f.b.spool, MX_SPOOL_AREA_QUEUE), 0);
	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.a.spool, MX_SPOOL_AREA_QUEUE, id, &env,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_int_equal(env.attempts, 1);
	assert_true(env.next_attempt >= mx_wall_now() + 3500);
	assert_non_null(env.last_error);
	assert_non_null(strstr(env.last_error, "TLS policy verify"));
	mx_envelope_clear(&env);
	assert_true(rfx_log_has(&f.log, "Delayed: DCID 1 MID "));
	assert_true(rfx_log_has(&f.log, "next attempt in 3600s (attempt 2)"));
	fx_stop(&f);
}

/* Nothing listens: deferred on schedule, then expired into dead/. */
static void test_retry_then_expire(void **state)
{
	static const char *const rcpts[] = {"a@lab.test"};
	struct fx f;
	char hop[64], id[MX_SPOOL_ID_LEN + 1];
	struct mx_envelope env;
	struct mx_spool_diag d;
	int fd;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	(void)state;
	/* a port that refuses: bind, never listen */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	fx_start(&f);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)ntohs(sa.sin_port));
	workers_start(&f, hop, MX_POLICY_NONE, 2);
	queue(&f, rcpts, 1, msg1, id);
	assert_true(run_until(&f, idle, WAIT_MS));
	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.a.spool, MX_SPOOL_AREA_QUEUE, id, &env,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_int_equal(env.attempts, 1);
	assert_non_null(strstr(env.last_error, "connect"));
	mx_envelope_clear(&env);
	/* retried every second until 2 s old: then bounced */
	assert_true(run_until(&f, a_dead, WAIT_MS));
	assert_int_equal(rfx_spool_count(f.a.spool, MX_SPOOL_AREA_QUEUE), 0);
	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.a.spool, MX_SPOOL_AREA_DEAD, id, &env,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_true(env.attempts >= 1);
	assert_non_null(strstr(env.dead_reason, "expired"));
	assert_non_null(strstr(env.dead_reason, "last error: connect"));
	mx_envelope_clear(&env);
	assert_true(mx_workers_stats(f.w)->deferred >= 1);
	assert_int_equal(mx_workers_stats(f.w)->bounced, 1);
	assert_true(rfx_log_has(&f.log, "(moved to dead/)"));
	close(fd);
	fx_stop(&f);
}

/* A 5xx is permanent: dead/ at once, with the reply. */
static void test_permanent(void **state)
{
	static const char *const rcpts[] = {"a@lab.test"};
	struct fx f;
	char hop[64], id[MX_SPOOL_ID_LEN + 1];
	struct mx_envelope env;
	struct mx_spool_diag d;
	struct mx_buf big;

	(void)state;
	fx_start(&f);
	/* the receiver takes 200 octets; SIZE tells the sender first */
	f.lb = receiver(&f, &f.b, 0, 200, 0);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)mx_listener_port(f.lb));
	workers_start(&f, hop, MX_POLICY_NONE, 3600);
	mx_buf_init(&big, 0);
	mx_buf_printf(&big, "Subject: big\r\n\r\n");
	while (big.len < 400)
		mx_buf_printf(&big,
			      "0123456789012345678901234567890123456789\r\n");
	mx_buf_push_u8(&big, 0);
	queue(&f, rcpts, 1, (const char *)big.p, id);
	mx_buf_free(&big);
	assert_true(run_until(&f, a_dead, WAIT_MS));
	assert_int_equal(rfx_spool_count(f.a.spool, MX_SPOOL_AREA_QUEUE), 0);
	assert_int_equal(rfx_spool_count(f.b.spool, MX_SPOOL_AREA_QUEUE), 0);
	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.a.spool, MX_SPOOL_AREA_DEAD, id, &env,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_int_equal(env.attempts, 0);
	assert_non_null(env.dead_reason);
	print_message("# dead reason: %s\n", env.dead_reason);
	mx_envelope_clear(&env);
	assert_true(rfx_log_has(&f.log, "Bounced: DCID 1 MID "));
	fx_stop(&f);
}

/* The receiver takes one recipient per transaction (452 for the second):
 * the second is requeued alone and delivered on the next attempt. */
static void test_partial(void **state)
{
	static const char *const rcpts[] = {"a@lab.test", "b@lab.test"};
	struct fx f;
	char hop[64], id[MX_SPOOL_ID_LEN + 1];

	(void)state;
	fx_start(&f);
	f.lb = receiver(&f, &f.b, 1, 0, 0);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)mx_listener_port(f.lb));
	workers_start(&f, hop, MX_POLICY_NONE, 3600);
	queue(&f, rcpts, 2, msg1, id);
	assert_true(run_until(&f, a_empty, WAIT_MS));
	assert_int_equal(rfx_spool_count(f.b.spool, MX_SPOOL_AREA_QUEUE), 2);
	assert_int_equal(rfx_spool_count(f.a.spool, MX_SPOOL_AREA_DEAD), 0);
	assert_true(
		rfx_log_has(&f.log, "1 deferred recipient(s) requeued as MID"));
	assert_true(rfx_log_has(&f.log, "(partly)"));
	fx_stop(&f);
}

/* Two destinations in one message: split, each part to its receiver. */
static void test_split(void **state)
{
	static const char *const rcpts[] = {"x@one.test", "y@two.test",
					    "z@one.test"};
	struct fx f;
	char text[256], err[256], id[MX_SPOOL_ID_LEN + 1];
	struct mx_envelope env;
	uint8_t *msg = NULL;
	size_t len = 0;

	(void)state;
	fx_start(&f);
	f.lb = receiver(&f, &f.b, 0, 0, 0);
	f.lc = receiver(&f, &f.c, 0, 0, 0);
	snprintf(text, sizeof(text),
		 "one.test via=smtp://127.0.0.1:%u tls=none\n"
		 "two.test via=127.0.0.1:%u tls=may\n",
		 (unsigned)mx_listener_port(f.lb),
		 (unsigned)mx_listener_port(f.lc));
	assert_int_equal(mx_dest_parse((const uint8_t *)text, strlen(text),
				       &f.dests, err, sizeof(err)),
			 0);
	workers_start(&f, NULL, MX_POLICY_NONE, 3600);
	queue(&f, rcpts, 3, msg1, id);
	assert_true(run_until(&f, a_empty, WAIT_MS));
	only_message(f.b.spool, &env, &msg, &len);
	assert_int_equal(env.nrcpts, 2);
	assert_string_equal(env.rcpts[0], "x@one.test");
	assert_string_equal(env.rcpts[1], "z@one.test");
	assert_memory_equal(msg, msg1, len);
	free(msg);
	mx_envelope_clear(&env);
	only_message(f.c.spool, &env, &msg, &len);
	assert_int_equal(env.nrcpts, 1);
	assert_string_equal(env.rcpts[0], "y@two.test");
	free(msg);
	mx_envelope_clear(&env);
	assert_int_equal(mx_workers_stats(f.w)->split, 1);
	assert_int_equal(mx_workers_stats(f.w)->delivered, 2);
	assert_true(rfx_log_has(&f.log, "split by destination: part MID"));
	fx_stop(&f);
}

/* Messages already in the spool at start are delivered (recovery). */
static void test_recovery(void **state)
{
	static const char *const rcpts[] = {"a@lab.test"};
	struct fx f;
	char hop[64], id[MX_SPOOL_ID_LEN + 1];
	int i;

	(void)state;
	fx_start(&f);
	f.lb = receiver(&f, &f.b, 0, 0, 0);
	for (i = 0; i < 5; i++)
		queue(&f, rcpts, 1, msg1, id);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)mx_listener_port(f.lb));
	workers_start(&f, hop, MX_POLICY_NONE, 3600);
	assert_int_equal(mx_workers_queued(f.w), 5);
	assert_true(run_until(&f, a_empty, WAIT_MS));
	assert_int_equal(rfx_spool_count(f.b.spool, MX_SPOOL_AREA_QUEUE), 5);
	fx_stop(&f);
}

/* Run until spool A is empty; returns the most deliveries seen at once. */
static size_t run_watching(struct fx *f)
{
	int64_t t0 = mx_now_ms();
	size_t most = 0;

	while (!a_empty(f) && mx_now_ms() - t0 < WAIT_MS) {
		event_base_loop(f->base, EVLOOP_ONCE);
		if (mx_workers_active(f->w) > most)
			most = mx_workers_active(f->w);
	}
	assert_true(a_empty(f));
	return most;
}

/* max-conc of a destination, and max_deliveries overall. */
static void test_concurrency(void **state)
{
	static const char *const one[] = {"a@lab.test"};
	static const char *const other[] = {"b@other.test"};
	struct fx f;
	char text[200], err[256], id[MX_SPOOL_ID_LEN + 1], hop[64];
	int i;

	(void)state;
	fx_start(&f);
	f.lb = receiver(&f, &f.b, 0, 0, 0);
	snprintf(text, sizeof(text),
		 "lab.test via=smtp://127.0.0.1:%u tls=none max-conc=1\n",
		 (unsigned)mx_listener_port(f.lb));
	assert_int_equal(mx_dest_parse((const uint8_t *)text, strlen(text),
				       &f.dests, err, sizeof(err)),
			 0);
	workers_start(&f, NULL, MX_POLICY_NONE, 3600);
	for (i = 0; i < 4; i++)
		queue(&f, one, 1, msg1, id);
	assert_int_equal(run_watching(&f), 1);
	assert_int_equal(rfx_spool_count(f.b.spool, MX_SPOOL_AREA_QUEUE), 4);
	fx_stop(&f);

	fx_start(&f);
	f.max_deliveries = 2;
	f.lb = receiver(&f, &f.b, 0, 0, 0);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)mx_listener_port(f.lb));
	workers_start(&f, hop, MX_POLICY_NONE, 3600);
	for (i = 0; i < 6; i++)
		queue(&f, i % 2 ? one : other, 1, msg1, id);
	assert_int_equal(run_watching(&f), 2);
	assert_int_equal(rfx_spool_count(f.b.spool, MX_SPOOL_AREA_QUEUE), 6);
	fx_stop(&f);
}

/* A server that never answers: shutdown cancels after the grace time,
 * the attempt is not counted, the message stays queued. */
static void drained_cb(void *arg)
{
	struct fx *f = arg;

	f->drained = 1;
}

static int drained(struct fx *f)
{
	return f->drained;
}

static void test_shutdown(void **state)
{
	static const char *const rcpts[] = {"a@lab.test"};
	struct fx f;
	char hop[64], id[MX_SPOOL_ID_LEN + 1];
	struct mx_envelope env;
	struct mx_spool_diag d;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0); /* accepts, never speaks */
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	fx_start(&f);
	snprintf(hop, sizeof(hop), "smtp://127.0.0.1:%u",
		 (unsigned)ntohs(sa.sin_port));
	workers_start(&f, hop, MX_POLICY_NONE, 3600);
	queue(&f, rcpts, 1, msg1, id);
	{
		int64_t t0 = mx_now_ms();

		while (mx_workers_active(f.w) == 0 && mx_now_ms() - t0 < 2000)
			event_base_loop(f.base, EVLOOP_ONCE);
	}
	assert_int_equal(mx_workers_active(f.w), 1);
	mx_workers_shutdown(f.w, 200, drained_cb, &f);
	assert_true(run_until(&f, drained, WAIT_MS));
	assert_int_equal(mx_workers_active(f.w), 0);
	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.a.spool, MX_SPOOL_AREA_QUEUE, id, &env,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_int_equal(env.attempts, 0);
	mx_envelope_clear(&env);
	assert_true(
		rfx_log_has(&f.log, "interrupted by shutdown; stays queued"));
	close(fd);
	fx_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deliver),
		cmocka_unit_test(test_policy_defers),
		cmocka_unit_test(test_retry_then_expire),
		cmocka_unit_test(test_permanent),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_concurrency),
		cmocka_unit_test(test_shutdown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
