/*
 * test_connrec.c - connection records (model/conn.h) and what the I/O
 * layer writes into them (probe/conn.c, probe/smtp_client.c,
 * probe/rawhello.c).
 *
 * Model: names, first-call-wins marks and ends, the alert that replaces
 * the close it caused, the one-line describer.  Hello summary: hellos
 * built by wire/tls_hello.c (whole, fragmented into small records,
 * without supported_versions) and every truncation of one.
 * Engines: a scripted SMTP peer on 127.0.0.1 (ephemeral port) driven by
 * the test's own loop answers greeting, EHLO and STARTTLS, then treats
 * the ClientHello as the scenario says: FIN, RST, silence or a fatal
 * alert; a closed port gives a refusal; a plain session ends with QUIT.
 * Each record is checked against what the peer saw: the local port is
 * the peer port accept() returned, the remote port the listener's, the
 * start wall time inside the test's window, the marks in order, bytes
 * out/in equal to what the peer read/wrote, and how it ended.
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
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "model/conn.h"
#include "model/result.h"
#include "probe/conn.h"
#include "probe/rawhello.h"
#include "probe/smtp_client.h"
#include "probe/tls.h"
#include "wire/tls_hello.h"

/* ---- model ------------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mx_conn_kind_name(MX_CONN_PROBE), "probe");
	assert_string_equal(mx_conn_kind_name(MX_CONN_ENUM), "enum");
	assert_string_equal(mx_conn_kind_name(MX_CONN_ADVICE), "advice");
	assert_string_equal(mx_conn_kind_name(0), "unknown");
	assert_string_equal(mx_conn_kind_name(99), "unknown");
	assert_string_equal(mx_conn_mark_name(MX_MARK_HELLO_SENT),
			    "hello_sent");
	assert_string_equal(mx_conn_mark_name(MX_MARK_END), "end");
	assert_string_equal(mx_conn_mark_name(MX_MARK__N), "unknown");
	assert_string_equal(mx_conn_how_name(MX_HOW_PEER_FIN), "peer_fin");
	assert_string_equal(mx_conn_how_name(MX_HOW_CANCELLED), "cancelled");
	assert_string_equal(mx_conn_how_name(42), "unknown");
	assert_string_equal(mx_conn_version_name(0x0303), "TLSv1.2");
	assert_string_equal(mx_conn_version_name(0x0301), "TLSv1");
	assert_null(mx_conn_version_name(0x7f1c));
}

static void test_first_wins(void **state)
{
	struct mx_conn_purpose p = {.kind = MX_CONN_ENUM, .step = -1};
	struct mx_connrec r;
	int m;

	(void)state;
	mx_connrec_init(&r, 3, &p);
	assert_int_equal(r.id, 3);
	assert_int_equal(r.alert, -1);
	for (m = 0; m < MX_MARK__N; m++)
		assert_true(r.mark_us[m] == -1);
	/* Marks before the start mean nothing: ignored. */
	mx_connrec_mark(&r, MX_MARK_CONNECTED);
	assert_true(r.mark_us[MX_MARK_CONNECTED] == -1);
	mx_connrec_start(&r);
	assert_true(r.start_wall_us > 0 && r.start_mono_us > 0);
	mx_connrec_mark(&r, MX_MARK_CONNECTED);
	assert_true(r.mark_us[MX_MARK_CONNECTED] >= 0);
	{
		int64_t first = r.mark_us[MX_MARK_CONNECTED];
		struct timespec ts = {0, 2000000};

		nanosleep(&ts, NULL);
		mx_connrec_mark(&r, MX_MARK_CONNECTED);
		assert_true(r.mark_us[MX_MARK_CONNECTED] == first);
		mx_connrec_mark(&r, MX_MARK_GREETING);
		assert_true(r.mark_us[MX_MARK_GREETING] >= first + 2000);
	}
	mx_connrec_mark(&r, MX_MARK__N); /* out of range: ignored */
	mx_connrec_end(&r, MX_HOW_TIMEOUT, -1, 0);
	mx_connrec_end(&r, MX_HOW_WE_CLOSED, -1, 0);
	assert_int_equal(r.how, MX_HOW_TIMEOUT);
	assert_true(r.mark_us[MX_MARK_END] >= r.mark_us[MX_MARK_GREETING]);
	/* A timeout is not replaced by an alert. */
	mx_connrec_alert(&r, MX_HOW_ALERT_RECV, 40);
	assert_int_equal(r.how, MX_HOW_TIMEOUT);
	assert_int_equal(r.alert, -1);
	mx_connrec_answer(&r, "flight", 0x0303, 0xc02f, 23);
	mx_connrec_answer(&r, "fin", 0, 0, 0);
	assert_string_equal(r.answer, "flight");
	assert_int_equal(r.answer_suite, 0xc02f);
}

static void test_alert_replaces_close(void **state)
{
	struct mx_connrec r;
	int64_t end;

	(void)state;
	mx_connrec_init(&r, 1, NULL);
	assert_int_equal(r.purpose.step, -1);
	mx_connrec_start(&r);
	mx_connrec_end(&r, MX_HOW_PEER_FIN, -1, 0);
	end = r.mark_us[MX_MARK_END];
	mx_connrec_alert(&r, MX_HOW_ALERT_RECV, 40);
	assert_int_equal(r.how, MX_HOW_ALERT_RECV);
	assert_int_equal(r.alert, 40);
	assert_true(r.mark_us[MX_MARK_END] == end);
	/* Not an alert kind: ignored. */
	mx_connrec_alert(&r, MX_HOW_PEER_RST, 1);
	assert_int_equal(r.how, MX_HOW_ALERT_RECV);
	mx_connrec_init(&r, 2, NULL);
	mx_connrec_start(&r);
	mx_connrec_alert(&r, MX_HOW_ALERT_SENT, 71);
	assert_int_equal(r.how, MX_HOW_ALERT_SENT);
	assert_int_equal(r.alert, 71);
	assert_true(r.mark_us[MX_MARK_END] >= 0);
	mx_connrec_init(&r, 3, NULL);
	mx_connrec_start(&r);
	mx_connrec_end(&r, MX_HOW_REFUSED, -1, ECONNREFUSED);
	mx_connrec_alert(&r, MX_HOW_ALERT_RECV, 40);
	assert_int_equal(r.how, MX_HOW_REFUSED);
}

static void test_describe(void **state)
{
	static const struct {
		struct mx_conn_purpose p;
		unsigned id;
		const char *want;
	} cases[] = {
		{{.kind = MX_CONN_ENUM,
		  .version = 0x0303,
		  .nsuites = 44,
		  .step = -1},
		 7,
		 "conn 7, enumeration TLSv1.2 (44 suites offered)"},
		{{.kind = MX_CONN_PROBE, .step = -1}, 1, "conn 1, probe"},
		{{.kind = MX_CONN_BISECT,
		  .version = 0x0303,
		  .step = 2,
		  .dropped = "AES-GCM suites",
		  .nsuites = 12},
		 9,
		 "conn 9, bisection step 2 TLSv1.2, testing AES-GCM suites "
		 "(12 suites offered)"},
		{{.kind = MX_CONN_RETRY,
		  .version = 0x0304,
		  .dropped = "AES-GCM suites",
		  .step = -1},
		 10,
		 "conn 10, enumeration TLSv1.3, without AES-GCM suites"},
		{{.kind = MX_CONN_CONFIRM,
		  .profile = "java8",
		  .stack = "openssl",
		  .step = -1},
		 11,
		 "conn 11, confirmation java8 (openssl)"},
		{{.kind = MX_CONN_GROUPS,
		  .version = 0x7f1c,
		  .ngroups = 3,
		  .step = -1},
		 12,
		 "conn 12, group probe 0x7f1c (3 groups offered)"},
	};
	struct mx_connrec r;
	char buf[200], tiny[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mx_connrec_init(&r, cases[i].id, &cases[i].p);
		assert_string_equal(mx_connrec_describe(&r, buf, sizeof(buf)),
				    cases[i].want);
		/* Truncation keeps a terminated prefix. */
		mx_connrec_describe(&r, tiny, sizeof(tiny));
		assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
		assert_int_equal(strncmp(tiny, cases[i].want, 7), 0);
	}
}

static void test_endpoint_owns(void **state)
{
	struct mx_endpoint ep;
	struct mx_connrec *first, *r = NULL;
	struct mx_conn_purpose p = {.kind = MX_CONN_ENUM, .step = -1};
	unsigned i;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	first = mx_endpoint_conn_new(&ep, 1, &p);
	for (i = 2; i <= 40; i++)
		r = mx_endpoint_conn_new(&ep, i, &p);
	/* The array grew; the records stayed put. */
	assert_ptr_equal(ep.conns[0], first);
	assert_ptr_equal(ep.conns[39], r);
	assert_int_equal(ep.nconns, 40);
	assert_int_equal(first->id, 1);
	assert_int_equal(r->id, 40);
	mx_endpoint_clear(&ep);
	assert_int_equal(ep.nconns, 0);
	assert_null(ep.conns);
}

/* ---- hello summary ------------------------------------------------------ */

static void fixed_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, 0x5a, n);
}

static const uint16_t suites[] = {0xc02f, 0xc030, 0x009e,
				  0x1301, 0x1302, 0x00ff};
static const uint16_t groups[] = {29, 23, 24};
static const uint16_t versions[] = {0x0304, 0x0303, 0x0302};

static void build_hello(struct mx_buf *out, int with_versions,
			size_t record_max)
{
	struct mx_hello_params hp;
	struct mx_hello_diag diag;

	memset(&hp, 0, sizeof(hp));
	hp.legacy_version = 0x0303;
	hp.record_max = record_max;
	if (with_versions) {
		hp.versions = versions;
		hp.nversions = 3;
	}
	hp.suites = suites;
	hp.nsuites = 6;
	hp.groups = groups;
	hp.ngroups = 3;
	hp.sni = "mx.lab.test";
	hp.random = fixed_random;
	mx_buf_init(out, 0);
	assert_int_equal(mx_hello_build(&hp, out, &diag), MX_HELLO_OK);
}

static void test_hello_summary(void **state)
{
	struct mx_connrec r;
	struct mx_buf h;

	(void)state;
	mx_connrec_init(&r, 1, NULL);
	build_hello(&h, 1, 0);
	assert_int_equal(mx_connrec_hello_summary(&r, h.p, h.len), 0);
	assert_int_equal(r.hello_len, h.len);
	assert_int_equal(r.hello_nsuites, 5); /* the SCSV is no suite */
	assert_int_equal(r.hello_ngroups, 3);
	assert_int_equal(r.hello_min_version, 0x0302);
	assert_int_equal(r.hello_max_version, 0x0304);
	mx_buf_free(&h);

	/* Fragmented into many records: reassembled. */
	build_hello(&h, 1, 40);
	assert_int_equal((size_t)h.p[3] << 8 | h.p[4], 40); /* record 1 */
	assert_true(h.len > 2 * (5 + 40)); /* three records or more */
	assert_int_equal(mx_connrec_hello_summary(&r, h.p, h.len), 0);
	assert_int_equal(r.hello_nsuites, 5);
	assert_int_equal(r.hello_ngroups, 3);
	assert_int_equal(r.hello_max_version, 0x0304);
	mx_buf_free(&h);

	/* No supported_versions: client_version is the maximum. */
	build_hello(&h, 0, 0);
	assert_int_equal(mx_connrec_hello_summary(&r, h.p, h.len), 0);
	assert_int_equal(r.hello_min_version, 0);
	assert_int_equal(r.hello_max_version, 0x0303);
	mx_buf_free(&h);
}

static void test_hello_summary_hostile(void **state)
{
	struct mx_connrec r;
	struct mx_buf h;
	uint8_t *copy;
	size_t n;

	(void)state;
	build_hello(&h, 1, 0);
	/* Every truncation is refused, never read past (ASan). */
	for (n = 0; n < h.len; n++) {
		copy = malloc(n ? n : 1);
		memcpy(copy, h.p, n);
		mx_connrec_init(&r, 1, NULL);
		assert_int_equal(mx_connrec_hello_summary(&r, copy, n), -1);
		assert_int_equal(r.hello_len, n);
		assert_int_equal(r.hello_nsuites, 0);
		free(copy);
	}
	/* Not a handshake record; not a ClientHello; a bad length. */
	copy = malloc(h.len);
	memcpy(copy, h.p, h.len);
	copy[0] = 21;
	assert_int_equal(mx_connrec_hello_summary(&r, copy, h.len), -1);
	memcpy(copy, h.p, h.len);
	copy[5] = 2;
	assert_int_equal(mx_connrec_hello_summary(&r, copy, h.len), -1);
	memcpy(copy, h.p, h.len);
	copy[4] = (uint8_t)(copy[4] + 1);
	assert_int_equal(mx_connrec_hello_summary(&r, copy, h.len), -1);
	free(copy);
	mx_buf_free(&h);
}

/* ---- a scripted peer ---------------------------------------------------- */

enum after_hello {
	HELLO_FIN,    /* close (FIN) once the hello is read */
	HELLO_RST,    /* reset (SO_LINGER 0) */
	HELLO_SILENT, /* say nothing */
	HELLO_ALERT,  /* fatal handshake_failure alert, stay open */
};

struct peer {
	struct event_base *base;
	int lfd, fd;
	uint16_t port;		/* listening */
	uint16_t accepted_port; /* the client's port, as accept() saw it */
	struct event *ev_accept, *ev_read;
	enum after_hello after;
	int starttls; /* advertise STARTTLS */
	int raw;      /* after "220" to STARTTLS */
	uint8_t rbuf[4096];
	size_t rlen;
	char line[1024];
	size_t llen;
	int acted, eof;
	uint64_t nread, nwritten;
};

static void peer_write(struct peer *p, const void *b, size_t n)
{
	ssize_t w = write(p->fd, b, n);

	assert_int_equal(w, (ssize_t)n);
	p->nwritten += (uint64_t)n;
}

static void peer_close(struct peer *p, int rst)
{
	if (rst) {
		struct linger l = {1, 0};

		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	event_del(p->ev_read);
	close(p->fd);
	p->fd = -1;
	p->eof = 1; /* nothing more to count */
}

static void peer_raw(struct peer *p)
{
	static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
	size_t need;

	if (p->acted || p->rlen < 5)
		return;
	need = 5 + ((size_t)p->rbuf[3] << 8 | p->rbuf[4]);
	if (p->rlen < need)
		return;
	p->acted = 1;
	switch (p->after) {
	case HELLO_FIN:
		peer_close(p, 0);
		break;
	case HELLO_RST:
		peer_close(p, 1);
		break;
	case HELLO_SILENT:
		break;
	case HELLO_ALERT:
		peer_write(p, alert, sizeof(alert));
		break;
	}
}

static void peer_line(struct peer *p)
{
	if (strncmp(p->line, "EHLO", 4) == 0) {
		const char *r = p->starttls ? "250-hi\r\n250 STARTTLS\r\n"
					    : "250 hi\r\n";
		peer_write(p, r, strlen(r));
	} else if (strncmp(p->line, "STARTTLS", 8) == 0) {
		peer_write(p, "220 go\r\n", 8);
		p->raw = 1;
	} else if (strncmp(p->line, "QUIT", 4) == 0) {
		peer_write(p, "221 bye\r\n", 9);
	} else {
		peer_write(p, "500 what\r\n", 10);
	}
}

static void peer_read(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	uint8_t buf[2048];
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t i;

	(void)what;
	if (n <= 0) {
		peer_close(p, 0);
		return;
	}
	p->nread += (uint64_t)n;
	for (i = 0; i < n; i++) {
		if (p->raw) {
			if (p->rlen < sizeof(p->rbuf))
				p->rbuf[p->rlen++] = buf[i];
			continue;
		}
		if (p->llen < sizeof(p->line) - 1)
			p->line[p->llen++] = (char)buf[i];
		if (buf[i] != '\n')
			continue;
		p->line[p->llen] = 0;
		p->llen = 0;
		peer_line(p);
	}
	if (p->raw)
		peer_raw(p);
}

static void peer_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct peer *p = arg;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	(void)what;
	p->fd = accept(lfd, (struct sockaddr *)&sa, &len);
	assert_true(p->fd >= 0);
	p->accepted_port = ntohs(sa.sin_port);
	p->ev_read =
		event_new(p->base, p->fd, EV_READ | EV_PERSIST, peer_read, p);
	event_add(p->ev_read, NULL);
	peer_write(p, "220 test ESMTP\r\n", 16);
}

static void peer_start(struct peer *p, struct event_base *base,
		       enum after_hello after, int starttls)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->base = base;
	p->after = after;
	p->starttls = starttls;
	p->fd = -1;
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(p->lfd >= 0);
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(p->lfd, 4), 0);
	assert_int_equal(getsockname(p->lfd, (struct sockaddr *)&sa, &len), 0);
	p->port = ntohs(sa.sin_port);
	p->ev_accept =
		event_new(base, p->lfd, EV_READ | EV_PERSIST, peer_accept, p);
	event_add(p->ev_accept, NULL);
}

static void peer_stop(struct peer *p)
{
	if (p->ev_accept)
		event_free(p->ev_accept);
	if (p->ev_read)
		event_free(p->ev_read);
	if (p->fd >= 0)
		close(p->fd);
	if (p->lfd >= 0)
		close(p->lfd);
}

/* A port nothing listens on (bound, then closed). */
static uint16_t closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Run the loop until *done and (no peer, or the peer saw the end). */
static void run_until(struct event_base *base, const int *done,
		      const struct peer *p)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (*done && (p == NULL || p->eof || p->fd < 0))
			return;
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 5)
			fail_msg("scenario did not finish in 5 s");
		{
			struct timespec ts = {0, 1000000};

			nanosleep(&ts, NULL);
		}
	}
}

static void check_marks_in_order(const struct mx_connrec *r)
{
	int64_t last = 0;
	int m;

	for (m = 0; m < MX_MARK__N; m++) {
		if (r->mark_us[m] < 0)
			continue;
		if (r->mark_us[m] < last)
			fail_msg("mark %s at %lld us before an earlier step "
				 "(%lld us)",
				 mx_conn_mark_name(m), (long long)r->mark_us[m],
				 (long long)last);
		last = r->mark_us[m];
	}
	assert_true(r->mark_us[MX_MARK_END] >= 0);
}

static void check_tuple(const struct mx_connrec *r, const struct peer *p)
{
	assert_string_equal(r->local_addr, "127.0.0.1");
	assert_string_equal(r->remote_addr, "127.0.0.1");
	assert_int_equal(r->remote_port, p->port);
	assert_true(r->local_port != 0);
	assert_int_equal(r->local_port, p->accepted_port);
}

static void check_bytes(const struct mx_connrec *r, const struct peer *p)
{
	if (r->bytes_out != p->nread || r->bytes_in != p->nwritten)
		fail_msg("bytes: record out %llu in %llu, peer read %llu "
			 "wrote %llu",
			 (unsigned long long)r->bytes_out,
			 (unsigned long long)r->bytes_in,
			 (unsigned long long)p->nread,
			 (unsigned long long)p->nwritten);
}

/* ---- the raw hello engine ----------------------------------------------- */

struct raw_case {
	const char *name;
	enum after_hello after;
	enum mx_conn_how how;
	const char *answer;
	int alert;
	int first_record; /* FIRST_RECORD must be reached */
};

static void raw_done(void *arg, struct mx_rawhello *rh,
		     const struct mx_raw_result *r)
{
	(void)rh;
	(void)r;
	*(int *)arg = 1;
}

static void run_raw_case(const struct raw_case *c)
{
	struct event_base *base = event_base_new();
	struct mx_conn_purpose pu = {.kind = MX_CONN_ENUM,
				     .version = 0x0303,
				     .nsuites = 5,
				     .step = -1};
	struct mx_rawhello_params rp;
	struct mx_rawhello *rh;
	struct mx_connrec r;
	struct peer p;
	struct mx_buf hello;
	int64_t before, after;
	int done = 0;

	assert_non_null(base);
	peer_start(&p, base, c->after, 1);
	build_hello(&hello, 1, 0);
	mx_connrec_init(&r, 7, &pu);
	memset(&rp, 0, sizeof(rp));
	rp.host = "mx.lab.test";
	rp.addr = "127.0.0.1";
	rp.port = p.port;
	rp.mode = MX_MODE_STARTTLS;
	rp.hello = hello.p;
	rp.hello_len = hello.len;
	rp.hello_timeout_ms = 300;
	rp.rec = &r;
	before = wall_us();
	rh = mx_rawhello_new(base, &rp, raw_done, &done);
	mx_rawhello_start(rh);
	run_until(base, &done, &p);
	after = wall_us();
	assert_int_equal(mx_rawhello_result(rh)->reaction == MX_RAW_NOT_SENT,
			 0);
	mx_rawhello_free(rh);

	if (r.how != c->how)
		fail_msg("%s: how %s, want %s", c->name,
			 mx_conn_how_name(r.how), mx_conn_how_name(c->how));
	assert_int_equal(r.alert, c->alert);
	assert_string_equal(r.answer, c->answer);
	assert_true(r.start_wall_us >= before && r.start_wall_us <= after);
	check_tuple(&r, &p);
	check_marks_in_order(&r);
	assert_true(r.mark_us[MX_MARK_CONNECTED] >= 0);
	assert_true(r.mark_us[MX_MARK_GREETING] >= 0);
	assert_true(r.mark_us[MX_MARK_EHLO] >= 0);
	assert_true(r.mark_us[MX_MARK_STARTTLS] >= 0);
	assert_true(r.mark_us[MX_MARK_HELLO_SENT] >= 0);
	assert_int_equal(r.mark_us[MX_MARK_FIRST_RECORD] >= 0, c->first_record);
	check_bytes(&r, &p);
	/* Our own hello, summarised. */
	assert_int_equal(r.hello_len, hello.len);
	assert_int_equal(r.hello_nsuites, 5);
	assert_int_equal(r.hello_ngroups, 3);
	assert_int_equal(r.hello_max_version, 0x0304);
	assert_int_equal(r.purpose.version, 0x0303);

	mx_buf_free(&hello);
	peer_stop(&p);
	event_base_free(base);
}

static void test_raw_fin(void **state)
{
	static const struct raw_case c = {"fin", HELLO_FIN, MX_HOW_PEER_FIN,
					  "fin", -1,	    0};
	(void)state;
	run_raw_case(&c);
}

static void test_raw_rst(void **state)
{
	static const struct raw_case c = {"rst", HELLO_RST, MX_HOW_PEER_RST,
					  "rst", -1,	    0};
	(void)state;
	run_raw_case(&c);
}

static void test_raw_timeout(void **state)
{
	static const struct raw_case c = {
		"timeout", HELLO_SILENT, MX_HOW_TIMEOUT, "timeout", -1, 0};
	(void)state;
	run_raw_case(&c);
}

static void test_raw_alert(void **state)
{
	static const struct raw_case c = {
		"alert", HELLO_ALERT, MX_HOW_ALERT_RECV, "alert", 40, 1};
	(void)state;
	run_raw_case(&c);
}

/* ---- the SMTP client engine ------------------------------------------- */

struct smtp_out {
	struct mx_smtp smtp;
	struct mx_tls tls;
	int done;
};

static void smtp_ready(void *arg, struct mx_smtp_client *c)
{
	(void)arg;
	mx_smtp_client_quit(c);
}

static void smtp_done(void *arg, struct mx_smtp_client *c)
{
	(void)c;
	((struct smtp_out *)arg)->done = 1;
}

static const struct mx_smtp_client_cbs smtp_cbs = {smtp_ready, smtp_done};

static struct mx_smtp_client *
smtp_start(struct event_base *base, struct smtp_out *o, uint16_t port,
	   const struct mx_tls_backend *be, const struct mx_tls_params *tp,
	   struct mx_connrec *r, const struct mx_log *log)
{
	struct mx_smtp_params sp;
	struct mx_smtp_client *c;

	memset(o, 0, sizeof(*o));
	memset(&sp, 0, sizeof(sp));
	sp.host = "mx.lab.test";
	sp.addr = "127.0.0.1";
	sp.port = port;
	sp.mode = MX_MODE_STARTTLS;
	sp.helo = "probe.test";
	sp.starttls = be != NULL;
	sp.tls = be;
	sp.tls_params = tp;
	sp.connect_timeout_ms = 2000;
	sp.tls_timeout_ms = 2000;
	sp.command_timeout_ms = 2000;
	sp.greeting_timeout_ms = 2000;
	sp.log = log;
	sp.rec = r;
	c = mx_smtp_client_new(base, &sp, &o->smtp, &o->tls, &smtp_cbs, o);
	mx_smtp_client_start(c);
	return c;
}

static void smtp_finish(struct mx_smtp_client *c, struct smtp_out *o)
{
	mx_smtp_client_free(c);
	mx_smtp_clear(&o->smtp);
	mx_tls_clear(&o->tls);
}

/* A plain session that QUITs: we close. Trace lines carry the id. */
static void test_smtp_we_closed(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_conn_purpose pu = {.kind = MX_CONN_PROBE, .step = -1};
	struct mx_smtp_client *c;
	struct smtp_out o;
	struct mx_connrec r;
	struct mx_log log;
	struct peer p;
	char *trace = NULL;
	size_t tlen = 0;
	FILE *fp = open_memstream(&trace, &tlen);
	int64_t before, after;

	(void)state;
	assert_non_null(fp);
	mx_log_init(&log, fp, MX_LOG_DEBUG, MX_TRACE_ALL);
	peer_start(&p, base, HELLO_FIN, 0);
	mx_connrec_init(&r, 42, &pu);
	before = wall_us();
	c = smtp_start(base, &o, p.port, NULL, NULL, &r, &log);
	run_until(base, &o.done, &p);
	after = wall_us();
	assert_int_equal(o.smtp.stop, MX_STOP_NONE);
	smtp_finish(c, &o);
	fclose(fp);

	assert_int_equal(r.how, MX_HOW_WE_CLOSED);
	assert_int_equal(r.err, 0);
	assert_true(r.start_wall_us >= before && r.start_wall_us <= after);
	check_tuple(&r, &p);
	check_marks_in_order(&r);
	assert_true(r.mark_us[MX_MARK_GREETING] >= 0);
	assert_true(r.mark_us[MX_MARK_EHLO] >= 0);
	assert_true(r.mark_us[MX_MARK_STARTTLS] < 0);
	assert_true(r.mark_us[MX_MARK_HELLO_SENT] < 0);
	assert_int_equal(r.hello_len, 0);
	assert_string_equal(r.answer, "");
	check_bytes(&r, &p);
	assert_non_null(strstr(trace, "conn 42: "));
	assert_non_null(strstr(trace, "conn 42: 127.0.0.1 -> EHLO"));
	free(trace);
	peer_stop(&p);
	event_base_free(base);
}

/* Nothing listens: refused, with the errno; the remote is the target. */
static void test_smtp_refused(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_smtp_client *c;
	struct smtp_out o;
	struct mx_connrec r;
	uint16_t port = closed_port();

	(void)state;
	mx_connrec_init(&r, 5, NULL);
	c = smtp_start(base, &o, port, NULL, NULL, &r, NULL);
	run_until(base, &o.done, NULL);
	assert_int_equal(o.smtp.stop, MX_STOP_CONNECT_REFUSED);
	smtp_finish(c, &o);
	assert_int_equal(r.how, MX_HOW_REFUSED);
	assert_int_equal(r.err, ECONNREFUSED);
	assert_string_equal(r.remote_addr, "127.0.0.1");
	assert_int_equal(r.remote_port, port);
	assert_true(r.start_wall_us > 0);
	assert_true(r.mark_us[MX_MARK_CONNECTED] < 0);
	assert_true(r.mark_us[MX_MARK_END] >= 0);
	assert_int_equal(r.bytes_out, 0);
	assert_int_equal(r.bytes_in, 0);
	event_base_free(base);
}

/* A library handshake (OpenSSL) answered by a fatal alert: the hello
 * OpenSSL wrote is summarised, the alert ends the record. */
static void test_smtp_tls_alert(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_tls_params tp;
	struct mx_smtp_client *c;
	struct smtp_out o;
	struct mx_connrec r;
	struct peer p;

	(void)state;
	memset(&tp, 0, sizeof(tp));
	tp.sni = "mx.lab.test";
	tp.security_level = -1;
	tp.no_trust_store = 1;
	peer_start(&p, base, HELLO_ALERT, 1);
	mx_connrec_init(&r, 8, NULL);
	c = smtp_start(base, &o, p.port, &mx_tls_openssl, &tp, &r, NULL);
	run_until(base, &o.done, &p);
	assert_int_equal(o.smtp.stop, MX_STOP_TLS_FAILED);
	assert_int_equal(o.tls.fail, MX_TLS_FAIL_ALERT_RECV);
	smtp_finish(c, &o);

	assert_int_equal(r.how, MX_HOW_ALERT_RECV);
	assert_int_equal(r.alert, 40);
	assert_string_equal(r.answer, "alert");
	check_tuple(&r, &p);
	check_marks_in_order(&r);
	assert_true(r.mark_us[MX_MARK_STARTTLS] >= 0);
	assert_true(r.mark_us[MX_MARK_HELLO_SENT] >= 0);
	assert_true(r.mark_us[MX_MARK_FIRST_RECORD] >= 0);
	/* OpenSSL's own hello, read back. */
	assert_true(r.hello_len > 100);
	assert_true(r.hello_nsuites > 3);
	assert_true(r.hello_ngroups > 0);
	assert_int_equal(r.hello_max_version, 0x0304);
	assert_true(r.hello_min_version != 0 && r.hello_min_version <= 0x0303);
	check_bytes(&r, &p);
	peer_stop(&p);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_first_wins),
		cmocka_unit_test(test_alert_replaces_close),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_endpoint_owns),
		cmocka_unit_test(test_hello_summary),
		cmocka_unit_test(test_hello_summary_hostile),
		cmocka_unit_test(test_raw_fin),
		cmocka_unit_test(test_raw_rst),
		cmocka_unit_test(test_raw_timeout),
		cmocka_unit_test(test_raw_alert),
		cmocka_unit_test(test_smtp_we_closed),
		cmocka_unit_test(test_smtp_refused),
		cmocka_unit_test(test_smtp_tls_alert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
