/*
 * test_workers.c - the relay's delivery workers and their configuration.
 *
 * The destination table parser gets valid and malformed files (every
 * error names its line), a sweep of hostile lengths (line, domain, rows,
 * fingerprints) and every octet value; routing and the retry schedule
 * are table-driven.  Delivery runs for real: the workers of spool A hand
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

/* ---- the destination table ---------------------------------------------- */

static int parse(const char *text, struct mx_dest_table *t, char *err,
		 size_t errlen)
{
	return mx_dest_parse((const uint8_t *)text, strlen(text), t, err,
			     errlen);
}

static void test_dest_valid(void **state)
{
	static const char text[] =
		"# relay destinations\r\n"
		"\n"
		"lab.test   via=smtps://smtp.lab.test tls=verify max-conc=2 "
		"auth=yes # the lab\n"
		".Lab.Test  tls=encrypt\n"
		"\t example.org via=mx tls=fingerprint fp=" /* 64 hex */
		"AB:CD:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
		"ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89 fp="
		"0000000000000000000000000000000000000000000000000000000000000000"
		"\n"
		"DEFAULT via=submission://smtp.lab.test:2587 auth=no";
	struct mx_dest_table t;
	char err[256] = "";

	(void)state;
	if (parse(text, &t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.v[0].kind, MX_DEST_DOMAIN);
	assert_string_equal(t.v[0].domain, "lab.test");
	assert_string_equal(t.v[0].via, "smtps://smtp.lab.test");
	assert_int_equal(t.v[0].policy, MX_POLICY_VERIFY);
	assert_int_equal(t.v[0].max_conc, 2);
	assert_int_equal(t.v[0].auth, 1);
	assert_int_equal(t.v[0].line, 3);
	assert_int_equal(t.v[1].kind, MX_DEST_SUBDOMAINS);
	assert_string_equal(t.v[1].domain, "lab.test");
	assert_null(t.v[1].via);
	assert_int_equal(t.v[1].auth, -1);
	assert_int_equal(t.v[2].nfp, 2);
	assert_string_equal(t.v[2].via, "mx");
	assert_int_equal(t.v[2].policy, MX_POLICY_FINGERPRINT);
	assert_int_equal(t.v[3].kind, MX_DEST_DEFAULT);
	assert_int_equal(t.v[3].auth, 0);
	assert_int_equal(t.v[3].line, 6);
	mx_dest_table_free(&t);

	/* Empty and comment-only files are empty tables. */
	assert_int_equal(parse("", &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(parse("# nothing\n\n   \t\n", &t, err, sizeof(err)),
			 0);
	assert_int_equal(t.n, 0);
}

static void test_dest_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *err; /* substring */
	} cases[] = {
		{"lab.test via\n", "line 1: \"via\" is not key=value"},
		{"lab.test via=\n", "has no value"},
		{"lab.test colour=red\n", "unknown key"},
		{"lab.test tls=paranoid\n", "unknown TLS level"},
		{"lab.test tls=verifyverifyverify\n", "unknown TLS level"},
		{"lab.test tls=may tls=none\n", "\"tls\" given twice"},
		{"lab.test max-conc=0\n", "max-conc wants 1 to 100"},
		{"lab.test max-conc=101\n", "max-conc"},
		{"lab.test max-conc=1x\n", "max-conc"},
		{"lab.test max-conc=-1\n", "max-conc"},
		{"lab.test auth=maybe\n", "auth wants yes or no"},
		{"lab.test fp=abcd\n", "64 hex digits"},
		{"lab.test tls=fingerprint\n", "needs fp="},
		{"lab.test via=smtp://user:pw@host\n", "no user information"},
		{"lab.test via=smtp://host:99999\n", "line 1: via="},
		{"lab.test via=ftp://host\n", "line 1: via="},
		{"-lab.test\n", "not a domain"},
		{"lab..test\n", "not a domain"},
		{"lab.test.\n\n", "not a domain"},
		{".\n", "not a domain"},
		{"j\xc3\xb6rg.test\n", "A-labels"},
		{"a.test\nb.test\na.test\n",
		 "line 3: destination given before on line 1"},
		{"default\nDefault tls=may\n",
		 "line 2: destination given before"},
		{".a.test\n.A.TEST\n", "line 2"},
		{"lab.test\x01 tls=may\n", "line 1: control character 0x01"},
		{"ok.test\nlab.test tls=may\x7f\n",
		 "line 2: control character"},
		{"lab.test tls=may\0\n", "control character 0x00"},
		{"a.test\rb.test\n", "control character 0x0d"},
	};
	struct mx_dest_table t;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].text);

		/* the NUL case carries its NUL */
		if (strstr(cases[i].err, "0x00"))
			len += 2;
		err[0] = 0;
		memset(&t, 0xa5, sizeof(t));
		if (mx_dest_parse((const uint8_t *)cases[i].text, len, &t, err,
				  sizeof(err)) == 0)
			fail_msg("accepted: %s", cases[i].text);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg("%s: error \"%s\", want \"%s\"", cases[i].text,
				 err, cases[i].err);
		/* a failed parse leaves an empty table */
		assert_int_equal(t.n, 0);
		assert_null(t.v);
	}
}

/* Hostile lengths: line, domain label and name, rows, fingerprints. */
static void test_dest_lengths(void **state)
{
	struct mx_dest_table t;
	char err[256];
	struct mx_buf b;
	size_t n, i;

	(void)state;
	/* a line of exactly MX_DEST_MAX_LINE octets parses, one more not */
	for (n = MX_DEST_MAX_LINE - 2; n <= MX_DEST_MAX_LINE + 2; n++) {
		char line[MX_DEST_MAX_LINE + 8];

		memset(line, ' ', n);
		memcpy(line, "a.test", 6);
		line[n - 1] = '#';
		line[n] = '\n';
		assert_int_equal(mx_dest_parse((uint8_t *)line, n + 1, &t, err,
					       sizeof(err)) == 0,
				 n <= MX_DEST_MAX_LINE);
		if (n > MX_DEST_MAX_LINE)
			assert_non_null(strstr(err, "longer than"));
		mx_dest_table_free(&t);
	}
	/* labels of 63 and 64 octets, names of 253 and 254 */
	for (n = 60; n <= 66; n++) {
		char name[80];

		memset(name, 'x', n);
		memcpy(name + n, ".test", 6);
		assert_int_equal(parse(name, &t, err, sizeof(err)) == 0,
				 n <= 63);
		mx_dest_table_free(&t);
	}
	for (n = 250; n <= 256; n++) {
		char name[300];

		for (i = 0; i < n; i++)
			name[i] = (i % 4 == 3) ? '.' : 'a';
		if (name[n - 1] == '.')
			name[n - 1] = 'b';
		name[n] = 0;
		assert_int_equal(parse(name, &t, err, sizeof(err)) == 0,
				 n <= 253);
		mx_dest_table_free(&t);
	}
	/* MX_DEST_MAX_ROWS rows parse, one more not */
	for (n = MX_DEST_MAX_ROWS; n <= MX_DEST_MAX_ROWS + 1; n++) {
		mx_buf_init(&b, 0);
		for (i = 0; i < n; i++)
			mx_buf_printf(&b, "d%zu.test tls=may\n", i);
		assert_int_equal(mx_dest_parse(b.p, b.len, &t, err,
					       sizeof(err)) == 0,
				 n <= MX_DEST_MAX_ROWS);
		if (n <= MX_DEST_MAX_ROWS)
			assert_int_equal(t.n, n);
		mx_dest_table_free(&t);
		mx_buf_free(&b);
	}
	/* 8 fingerprints, then 9 */
	for (n = MX_DEST_MAX_FP; n <= MX_DEST_MAX_FP + 1; n++) {
		mx_buf_init(&b, 0);
		mx_buf_printf(&b, "a.test tls=fingerprint");
		for (i = 0; i < n; i++)
			mx_buf_printf(&b, " fp=%064zx", i);
		assert_int_equal(mx_dest_parse(b.p, b.len, &t, err,
					       sizeof(err)) == 0,
				 n <= MX_DEST_MAX_FP);
		mx_dest_table_free(&t);
		mx_buf_free(&b);
	}
	/* a file over the limit */
	{
		uint8_t *big = calloc(1, MX_DEST_MAX_FILE + 1);

		memset(big, '#', MX_DEST_MAX_FILE + 1);
		assert_int_equal(mx_dest_parse(big, MX_DEST_MAX_FILE + 1, &t,
					       err, sizeof(err)),
				 -1);
		free(big);
	}
	/* every octet value in a domain position: no crash, only printable
	 * text in the error */
	for (i = 0; i < 256; i++) {
		char line[32];

		snprintf(line, sizeof(line), "a%cb.test\n", (int)(i ? i : 1));
		err[0] = 0;
		if (mx_dest_parse((uint8_t *)line, strlen(line), &t, err,
				  sizeof(err)) == 0) {
			mx_dest_table_free(&t);
			continue;
		}
		for (n = 0; err[n]; n++)
			assert_true(err[n] >= 0x20 && err[n] < 0x7f);
	}
}

static void test_dest_load(void **state)
{
	char path[] = "/tmp/test_workers.XXXXXX";
	struct mx_dest_table t;
	char err[512];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "lab.test tls=none\n", 18), 18);
	close(fd);
	assert_int_equal(mx_dest_load(path, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	mx_dest_table_free(&t);
	unlink(path);
	assert_int_equal(mx_dest_load(path, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(mx_dest_load("/tmp", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_routes(void **state)
{
	static const char text[] = "lab.test via=smtp://127.0.0.31 tls=verify "
				   "max-conc=3\n"
				   ".lab.test tls=encrypt\n"
				   ".deep.lab.test via=mx auth=yes\n"
				   "mx.test via=mx\n"
				   "default via=smtps://relay.test tls=may\n";
	static const struct {
		const char *domain;
		const char *nexthop;
		enum mx_tls_policy policy;
		int auth;
		unsigned conc;
		unsigned line; /* 0: command line */
	} cases[] = {
		{"lab.test", "smtp://127.0.0.31", MX_POLICY_VERIFY, 0, 3, 1},
		{"LAB.test", "smtp://127.0.0.31", MX_POLICY_VERIFY, 0, 3, 1},
		{"a.lab.test", "smtps://relay.test", MX_POLICY_ENCRYPT, 1, 10,
		 2},
		/* the longest suffix wins; via=mx names the domain itself;
		 * what a row does not say comes from "default" */
		{"x.deep.lab.test", "x.deep.lab.test", MX_POLICY_MAY, 1, 10, 3},
		{"deep.lab.test", "smtps://relay.test", MX_POLICY_ENCRYPT, 1,
		 10, 2},
		{"xlab.test", "smtps://relay.test", MX_POLICY_MAY, 1, 10, 5},
		/* via=mx: no credentials to an MX unless asked */
		{"mx.test", "mx.test", MX_POLICY_MAY, 0, 10, 4},
		{"other.test", "smtps://relay.test", MX_POLICY_MAY, 1, 10, 5},
	};
	struct mx_dest_table t;
	struct mx_route r;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(parse(text, &t, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The default row's next hop is not the smarthost; auth for
		 * it comes from "default" inheriting the smarthost rule:
		 * here the smarthost is that same URL. */
		mx_route_for(&t, "smtps://relay.test", MX_POLICY_ENCRYPT, 1,
			     cases[i].domain, &r);
		if (strcmp(r.nexthop, cases[i].nexthop) != 0 ||
		    r.policy != cases[i].policy || r.auth != cases[i].auth ||
		    r.max_conc != cases[i].conc ||
		    (r.row ? r.row->line : 0) != cases[i].line)
			fail_msg("%s: got %s %s auth=%d conc=%u line=%u",
				 cases[i].domain, r.nexthop,
				 mx_tls_policy_name(r.policy), r.auth,
				 r.max_conc, r.row ? r.row->line : 0);
	}
	/* no credentials at all: never auth */
	mx_route_for(&t, "smtps://relay.test", MX_POLICY_ENCRYPT, 0,
		     "other.test", &r);
	assert_int_equal(r.auth, 0);
	mx_dest_table_free(&t);
	/* no table: the smarthost with auth, or the MX without */
	mx_route_for(NULL, "smtps://relay.test", MX_POLICY_VERIFY, 1, "a.test",
		     &r);
	assert_string_equal(r.nexthop, "smtps://relay.test");
	assert_int_equal(r.auth, 1);
	assert_int_equal(r.policy, MX_POLICY_VERIFY);
	assert_null(r.row);
	mx_route_for(NULL, NULL, MX_POLICY_MAY, 1, "a.test", &r);
	assert_string_equal(r.nexthop, "a.test");
	assert_int_equal(r.auth, 0);
}

static void test_retry(void **state)
{
	static const struct {
		const char *s;
		int ok;
		size_t n;
		unsigned first, last;
	} cases[] = {
		{"60,300,900,3600", 1, 4, 60, 3600},
		{"1m,5m,15m,1h", 1, 4, 60, 3600},
		{"1", 1, 1, 1, 1},
		{"90s,2d", 1, 2, 90, 172800},
		{"7d", 1, 1, 604800, 604800},
		{"8d", 0, 0, 0, 0},
		{"604801", 0, 0, 0, 0},
		{"0", 0, 0, 0, 0},
		{"", 0, 0, 0, 0},
		{"1,", 0, 0, 0, 0},
		{",1", 0, 0, 0, 0},
		{"1,,2", 0, 0, 0, 0},
		{"1x", 0, 0, 0, 0},
		{"-1", 0, 0, 0, 0},
		{"m", 0, 0, 0, 0},
		{"1 m", 0, 0, 0, 0},
		{"9999999", 0, 0, 0, 0},
	};
	unsigned v[MX_RETRY_MAX];
	char err[200];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = mx_retry_parse(cases[i].s, v, MX_RETRY_MAX, &n, err,
				       sizeof(err));

		if ((r == 0) != cases[i].ok)
			fail_msg("\"%s\": %d (%s)", cases[i].s, r, err);
		if (r == 0) {
			assert_int_equal(n, cases[i].n);
			assert_int_equal(v[0], cases[i].first);
			assert_int_equal(v[n - 1], cases[i].last);
		}
	}
	/* 32 entries, then 33 */
	{
		char s[200] = "1";

		for (i = 1; i < MX_RETRY_MAX; i++)
			strncat(s, ",1", sizeof(s) - strlen(s) - 1);
		assert_int_equal(mx_retry_parse(s, v, MX_RETRY_MAX, &n, err,
						sizeof(err)),
				 0);
		assert_int_equal(n, MX_RETRY_MAX);
		strncat(s, ",1", sizeof(s) - strlen(s) - 1);
		assert_int_equal(mx_retry_parse(s, v, MX_RETRY_MAX, &n, err,
						sizeof(err)),
				 -1);
	}
	/* the schedule: the last interval repeats */
	assert_int_equal(mx_retry_parse("60,300,900", v, MX_RETRY_MAX, &n, err,
					sizeof(err)),
			 0);
	assert_int_equal(mx_retry_delay(v, n, 1), 60);
	assert_int_equal(mx_retry_delay(v, n, 2), 300);
	assert_int_equal(mx_retry_delay(v, n, 3), 900);
	assert_int_equal(mx_retry_delay(v, n, 4), 900);
	assert_int_equal(mx_retry_delay(v, n, 1000), 900);
	/* durations */
	{
		unsigned d;

		assert_int_equal(mx_duration_parse("5d", &d), 0);
		assert_int_equal(d, 5 * 86400);
		assert_int_equal(mx_duration_parse("3600", &d), 0);
		assert_int_equal(d, 3600);
		assert_int_equal(mx_duration_parse("366d", &d), -1);
		assert_int_equal(mx_duration_parse("0s", &d), -1);
		assert_int_equal(mx_duration_parse("h", &d), -1);
	}
}

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
	assert_int_equal(parse(text, &f.dests, err, sizeof(err)), 0);
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
	assert_int_equal(parse(text, &f.dests, err, sizeof(err)), 0);
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
		cmocka_unit_test(test_dest_valid),
		cmocka_unit_test(test_dest_malformed),
		cmocka_unit_test(test_dest_lengths),
		cmocka_unit_test(test_dest_load),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_retry),
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
