/*
 * test_enum_raw.c - the raw ClientHello engine (probe/rawhello.h) and the
 * enumerator driver (probe/enum.h, part 3) against scripted peers.
 *
 * Real servers are exercised by tests/integration/ciphers.sh against the
 * lab.  Here the peer is a listening socket on 127.0.0.1 (ephemeral port)
 * on the same event loop, which speaks SMTP up to "220" to STARTTLS and
 * then reacts to the hello as scripted: a canned alert or flight (whole
 * or dribbled), FIN, RST, silence, SMTP text; or, for the enumerator, it
 * parses the ClientHello and answers like a small TLS server that accepts
 * a fixed set of suites in its own order.  The peer checks that the bytes
 * it received are exactly the hello the engine was given.
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
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/cursor.h"
#include "probe/enum.h"
#include "probe/rawhello.h"

/* ---- the peer ------------------------------------------------------------ */

enum reaction { R_BYTES, R_FIN, R_RST, R_SILENT, R_DRIBBLE, R_SERVER };

struct peer;

struct pconn {
	struct peer *p;
	int fd;
	struct event *ev;
	int tls; /* past STARTTLS */
	int greeted;
	char line[2048];
	size_t llen;
	struct mx_buf hello; /* raw bytes after the hand-over */
	int reacted;
};

struct peer {
	struct event_base *base;
	int lfd;
	uint16_t port;
	struct event *ev_accept;
	int implicit;
	const char *greeting; /* "220 ..." */
	const char *ehlo;     /* reply to EHLO */
	const char *starttls; /* reply to STARTTLS */
	const char *inject;   /* sent right after the STARTTLS reply */
	enum reaction react;
	const uint8_t *bytes; /* R_BYTES / R_DRIBBLE */
	size_t nbytes;
	int greet421; /* first N connections get 421 */
	size_t conns;
	uint8_t last_hello[512]; /* the hello as received */
	size_t nlast;
	struct pconn *pc[64];
	size_t npc;
};

static void pc_close(struct pconn *c, int rst)
{
	if (c->fd < 0)
		return;
	if (rst) {
		struct linger l = {1, 0};

		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	event_del(c->ev);
	close(c->fd);
	c->fd = -1;
}

static void pc_send(struct pconn *c, const void *b, size_t n)
{
	if (c->fd >= 0)
		(void)!write(c->fd, b, n);
}

static void pc_sends(struct pconn *c, const char *s)
{
	pc_send(c, s, strlen(s));
}

/* Bytes of one whole TLS record at the front of b, or 0. */
static size_t whole_record(const struct mx_buf *b)
{
	size_t n;

	if (b->len < 5)
		return 0;
	n = 5 + (((size_t)b->p[3] << 8) | b->p[4]);
	return b->len >= n ? n : 0;
}

/* A small TLS server for the enumerator: TLS 1.2 only, suites c030,
 * 009f, 002f in this order; anything else gets alert 70 or 40. */
static const uint16_t srv_suites[] = {0xc030, 0x009f, 0x002f};

static void server_answer(struct pconn *c, const uint8_t *rec, size_t len)
{
	static const uint8_t a70[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70};
	static const uint8_t a40[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40};
	struct mx_cur cur, hs, body, suites, ext, exts;
	uint16_t cv, pick = 0;
	int tls13 = 0;
	size_t i;

	mx_cur_init(&cur, rec, len);
	mx_cur_skip(&cur, 5);
	mx_cur_u8(&cur); /* client_hello */
	mx_cur_sub24(&cur, &hs);
	cv = mx_cur_u16(&hs);
	mx_cur_skip(&hs, 32);
	mx_cur_sub8(&hs, &body);
	mx_cur_sub16(&hs, &suites);
	mx_cur_sub8(&hs, &body);
	if (mx_cur_left(&hs) > 0) {
		mx_cur_sub16(&hs, &exts);
		while (mx_cur_left(&exts) >= 4 && mx_cur_ok(&exts)) {
			uint16_t t = mx_cur_u16(&exts);

			mx_cur_sub16(&exts, &ext);
			if (t == 43)
				tls13 = 1;
		}
	}
	assert_true(mx_cur_ok(&cur));
	if (tls13 || cv != 0x0303) {
		pc_send(c, a70, sizeof(a70));
		pc_close(c, 0);
		return;
	}
	for (i = 0; i < sizeof(srv_suites) / 2 && !pick; i++) {
		struct mx_cur s2 = suites;

		while (mx_cur_left(&s2) >= 2)
			if (mx_cur_u16(&s2) == srv_suites[i])
				pick = srv_suites[i];
	}
	if (!pick) {
		pc_send(c, a40, sizeof(a40));
		pc_close(c, 0);
		return;
	}
	{
		/* ServerHello (no extensions) + ServerHelloDone */
		uint8_t m[5 + 42 + 4];
		size_t k = 0;

		m[k++] = 0x16, m[k++] = 0x03, m[k++] = 0x03;
		m[k++] = 0x00, m[k++] = 46;
		m[k++] = 0x02, m[k++] = 0, m[k++] = 0, m[k++] = 38;
		m[k++] = 0x03, m[k++] = 0x03;
		memset(m + k, 0x5a, 32);
		k += 32;
		m[k++] = 0; /* session id */
		m[k++] = (uint8_t)(pick >> 8), m[k++] = (uint8_t)pick;
		m[k++] = 0; /* compression */
		m[k++] = 0x0e, m[k++] = 0, m[k++] = 0, m[k++] = 0;
		pc_send(c, m, k);
	}
}

static void react(struct pconn *c)
{
	struct peer *p = c->p;
	size_t n = whole_record(&c->hello);

	if (c->reacted || n == 0)
		return;
	c->reacted = 1;
	p->nlast = c->hello.len < sizeof(p->last_hello) ? c->hello.len
							: sizeof(p->last_hello);
	memcpy(p->last_hello, c->hello.p, p->nlast);
	switch (p->react) {
	case R_BYTES:
		pc_send(c, p->bytes, p->nbytes);
		break;
	case R_DRIBBLE: {
		size_t i;

		for (i = 0; i < p->nbytes; i++) {
			pc_send(c, p->bytes + i, 1);
			usleep(200);
		}
		break;
	}
	case R_FIN:
		pc_close(c, 0);
		break;
	case R_RST:
		pc_close(c, 1);
		break;
	case R_SILENT:
		break;
	case R_SERVER:
		server_answer(c, c->hello.p, n);
		break;
	}
}

static void pc_line(struct pconn *c, const char *l)
{
	struct peer *p = c->p;

	if (strncasecmp(l, "EHLO", 4) == 0) {
		pc_sends(c, p->ehlo);
	} else if (strncasecmp(l, "STARTTLS", 8) == 0) {
		pc_sends(c, p->starttls);
		if (strncmp(p->starttls, "220", 3) == 0) {
			if (p->inject)
				pc_sends(c, p->inject);
			c->tls = 1;
		}
	} else if (strncasecmp(l, "QUIT", 4) == 0) {
		pc_sends(c, "221 bye\r\n");
		pc_close(c, 0);
	} else {
		pc_sends(c, "502 what\r\n");
	}
}

static void pc_read(evutil_socket_t fd, short what, void *arg)
{
	struct pconn *c = arg;
	uint8_t buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t i;

	(void)what;
	if (n <= 0) {
		pc_close(c, 0);
		return;
	}
	for (i = 0; i < n; i++) {
		if (c->tls) {
			mx_buf_push(&c->hello, buf + i, (size_t)(n - i));
			react(c);
			return;
		}
		if (buf[i] == '\n') {
			c->line[c->llen] = 0;
			pc_line(c, c->line);
			c->llen = 0;
		} else if (buf[i] != '\r' && c->llen < sizeof(c->line) - 1) {
			c->line[c->llen++] = (char)buf[i];
		}
	}
}

static void peer_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct peer *p = arg;
	struct pconn *c;
	int fd = accept(lfd, NULL, NULL);

	(void)what;
	if (fd < 0 || p->npc >= 64) {
		if (fd >= 0)
			close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	c->p = p;
	c->fd = fd;
	mx_buf_init(&c->hello, 0);
	c->ev = event_new(p->base, fd, EV_READ | EV_PERSIST, pc_read, c);
	event_add(c->ev, NULL);
	p->pc[p->npc++] = c;
	p->conns++;
	if (p->implicit) {
		c->tls = 1;
		return;
	}
	if (p->greet421 > 0) {
		p->greet421--;
		pc_sends(c, "421 4.7.0 too busy, try later\r\n");
		pc_close(c, 0);
		return;
	}
	pc_sends(c, p->greeting);
}

static void peer_start(struct peer *p, struct event_base *base)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	p->base = base;
	if (p->greeting == NULL)
		p->greeting = "220 peer ESMTP\r\n";
	if (p->ehlo == NULL)
		p->ehlo = "250-peer\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
	if (p->starttls == NULL)
		p->starttls = "220 2.0.0 go ahead\r\n";
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(p->lfd, 64), 0);
	getsockname(p->lfd, (struct sockaddr *)&sa, &sl);
	p->port = ntohs(sa.sin_port);
	p->ev_accept =
		event_new(base, p->lfd, EV_READ | EV_PERSIST, peer_accept, p);
	event_add(p->ev_accept, NULL);
}

static void peer_stop(struct peer *p)
{
	size_t i;

	for (i = 0; i < p->npc; i++) {
		pc_close(p->pc[i], 0);
		event_free(p->pc[i]->ev);
		mx_buf_free(&p->pc[i]->hello);
		free(p->pc[i]);
	}
	event_free(p->ev_accept);
	close(p->lfd);
}

/* ---- running one raw hello --------------------------------------------- */

/* A stand-in hello: one handshake record (the peer checks the bytes). */
static const uint8_t fake_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00,
	0x00, 0x04, 0x03, 0x03, 0xab, 0xcd,
};

struct done_box {
	struct event_base *base;
	int done;
	struct mx_raw_result r; /* copied scalars */
	enum mx_flight_status fst;
	uint16_t suite;
};

static void on_done(void *arg, struct mx_rawhello *rh,
		    const struct mx_raw_result *r)
{
	struct done_box *b = arg;

	(void)rh;
	b->done = 1;
	memcpy(&b->r, r, sizeof(*r));
	memset(&b->r.smtp, 0, sizeof(b->r.smtp)); /* owned by rh */
	b->r.smtp.stop = r->smtp.stop;
	b->r.smtp.starttls.state = r->smtp.starttls.state;
	b->r.smtp.starttls_reply.code = r->smtp.starttls_reply.code;
	b->r.smtp.greeting.code = r->smtp.greeting.code;
	b->r.flight = NULL;
	if (r->flight) {
		b->fst = r->flight->status;
		b->suite = r->flight->sh.suite;
	}
	event_base_loopexit(b->base, NULL);
}

static void run_raw(struct peer *p, struct done_box *b, int hello_ms)
{
	struct event_base *base = event_base_new();
	struct mx_rawhello_params rp;
	struct mx_rawhello *rh;

	memset(b, 0, sizeof(*b));
	b->base = base;
	peer_start(p, base);
	memset(&rp, 0, sizeof(rp));
	rp.host = "peer.test";
	rp.addr = "127.0.0.1";
	rp.port = p->port;
	rp.mode = p->implicit ? MX_MODE_IMPLICIT : MX_MODE_STARTTLS;
	rp.hello = fake_hello;
	rp.hello_len = sizeof(fake_hello);
	rp.hello_timeout_ms = hello_ms;
	rp.command_timeout_ms = 2000;
	rp.greeting_timeout_ms = 2000;
	rp.connect_timeout_ms = 2000;
	rh = mx_rawhello_new(base, &rp, on_done, b);
	mx_rawhello_start(rh);
	event_base_dispatch(base);
	assert_true(b->done);
	mx_rawhello_free(rh);
	peer_stop(p);
	event_base_free(base);
}

static void assert_hello_seen(const struct peer *p)
{
	assert_int_equal(p->nlast, sizeof(fake_hello));
	assert_memory_equal(p->last_hello, fake_hello, sizeof(fake_hello));
}

static const uint8_t alert40[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40};

/* TLS 1.2 ServerHello (suite 0x002f) and ServerHelloDone, two records. */
static const uint8_t flight12[] = {
	0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x03, 1,
	2,    3,    4,	  5,	6,    7,    8,	  9,	10,   11,   12,	  13,
	14,   15,   16,	  17,	18,   19,   20,	  21,	22,   23,   24,	  25,
	26,   27,   28,	  29,	30,   31,   32,	  0x00, 0x00, 0x2f, 0x00, 0x16,
	0x03, 0x03, 0x00, 0x04, 0x0e, 0x00, 0x00, 0x00,
};

static void test_raw_alert(void **state)
{
	struct peer p;
	struct done_box b;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.react = R_BYTES;
	p.bytes = alert40;
	p.nbytes = sizeof(alert40);
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_ALERT);
	assert_non_null(strstr(b.r.detail, "40 (handshake_failure)"));
	assert_int_equal(b.fst, MX_FLIGHT_ALERT);
	assert_int_equal(b.r.hello_len, sizeof(fake_hello));
	assert_int_equal(b.r.bytes_in, sizeof(alert40));
	assert_hello_seen(&p);
}

static void test_raw_flight_dribbled(void **state)
{
	struct peer p;
	struct done_box b;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.react = R_DRIBBLE; /* one byte at a time, across both records */
	p.bytes = flight12;
	p.nbytes = sizeof(flight12);
	run_raw(&p, &b, 3000);
	assert_int_equal(b.r.reaction, MX_RAW_FLIGHT);
	assert_int_equal(b.fst, MX_FLIGHT_DONE);
	assert_int_equal(b.suite, 0x002f);
	assert_non_null(strstr(b.r.detail, "TLSv1.2"));
	assert_int_equal(b.r.bytes_in, sizeof(flight12));
	assert_hello_seen(&p);
}

static void test_raw_implicit(void **state)
{
	struct peer p;
	struct done_box b;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.implicit = 1;
	p.react = R_BYTES;
	p.bytes = flight12;
	p.nbytes = sizeof(flight12);
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_FLIGHT);
	assert_hello_seen(&p);
}

static void test_raw_fin_rst_silent(void **state)
{
	struct peer p;
	struct done_box b;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.react = R_FIN;
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_FIN);
	assert_int_equal(b.fst, MX_FLIGHT_EMPTY);
	assert_hello_seen(&p);

	memset(&p, 0, sizeof(p));
	p.react = R_RST;
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_RST);
	assert_non_null(strstr(b.r.detail, "RST"));

	memset(&p, 0, sizeof(p));
	p.react = R_SILENT;
	run_raw(&p, &b, 200);
	assert_int_equal(b.r.reaction, MX_RAW_TIMEOUT);
	assert_true(b.r.ms_answer >= 190);
	assert_true(b.r.ms_answer < 2000);
}

/* An SMTP reply where the flight should be, and bytes injected after
 * "220" to STARTTLS (RFC 3207 §4.2): dropped, counted, not parsed. */
static void test_raw_not_tls_and_injection(void **state)
{
	struct peer p;
	struct done_box b;
	static const char smtp554[] = "554 5.7.0 no TLS for you\r\n";

	(void)state;
	memset(&p, 0, sizeof(p));
	p.react = R_BYTES;
	p.bytes = (const uint8_t *)smtp554;
	p.nbytes = strlen(smtp554);
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_NOT_TLS);
	assert_non_null(strstr(b.r.detail, "554 5.7.0"));

	memset(&p, 0, sizeof(p));
	p.starttls = "220 go\r\n250 injected\r\n";
	p.react = R_BYTES;
	p.bytes = alert40;
	p.nbytes = sizeof(alert40);
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_ALERT);
	/* either dropped by the SMTP engine as part of the 220 read or
	 * by the hand-over; never taken for TLS */
	assert_int_equal(b.r.bytes_in, sizeof(alert40));
}

static void test_raw_not_sent(void **state)
{
	struct peer p;
	struct done_box b;
	struct mx_answer a;
	char why[200];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.starttls = "454 4.7.0 TLS not available due to temporary reason\r\n";
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_NOT_SENT);
	assert_int_equal(b.r.smtp.stop, MX_STOP_STARTTLS_REJECTED);
	assert_null(b.r.flight);
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &b.r, &a, why, 200), 1);
	assert_int_equal(p.nlast, 0);

	memset(&p, 0, sizeof(p));
	p.ehlo = "250-peer\r\n250 8BITMIME\r\n";
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_NOT_SENT);
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &b.r, &a, why, 200), -1);
	assert_string_equal(why, "STARTTLS not offered");

	memset(&p, 0, sizeof(p));
	p.greet421 = 1;
	run_raw(&p, &b, 2000);
	assert_int_equal(b.r.reaction, MX_RAW_NOT_SENT);
	assert_int_equal(b.r.smtp.greeting.code, 421);
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &b.r, &a, why, 200), 1);
}

static void refused_done(void *arg, struct mx_rawhello *rh,
			 const struct mx_raw_result *r)
{
	(void)rh;
	(void)r;
	event_base_loopexit(arg, NULL);
}

/* A refused connection is answered from the loop, as a fact (no peer in
 * a thread needed). */
static void test_raw_sync_refused(void **state)
{
	struct mx_rawhello_params rp;
	struct event_base *base;
	struct mx_rawhello *rh;
	const struct mx_raw_result *r;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	(void)state;
	/* a port nobody listens on: bind, read the port, close */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(fd);
	memset(&rp, 0, sizeof(rp));
	rp.addr = "127.0.0.1";
	rp.port = port;
	rp.hello = fake_hello;
	rp.hello_len = sizeof(fake_hello);
	base = event_base_new();
	assert_non_null(base);
	rh = mx_rawhello_new(base, &rp, refused_done, base);
	assert_non_null(rh);
	mx_rawhello_start(rh);
	event_base_dispatch(base);
	r = mx_rawhello_result(rh);
	assert_int_equal(r->reaction, MX_RAW_NOT_SENT);
	assert_int_equal(r->smtp.stop, MX_STOP_CONNECT_REFUSED);
	mx_rawhello_free(rh);
	event_base_free(base);
}

/* ---- the enumerator against the small server ------------------------------ */

struct en_box {
	struct event_base *base;
	int done;
};

static void en_done(void *arg, struct mx_enumerator *en)
{
	struct en_box *b = arg;

	(void)en;
	b->done = 1;
	event_base_loopexit(b->base, NULL);
}

static void test_enumerator(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *pool = mx_pool_new(base, 2, 16);
	struct mx_enum *e = mx_enum_new();
	struct mx_enum_params ep;
	struct mx_enumerator *en;
	struct peer p;
	struct en_box b = {base, 0};
	const struct mx_enum_version *v;
	size_t i, per_version = 0;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.react = R_SERVER;
	p.greet421 = 1; /* the first connection is pushed back */
	peer_start(&p, base);
	memset(&ep, 0, sizeof(ep));
	ep.host = "peer.test";
	ep.addr = "127.0.0.1";
	ep.port = p.port;
	ep.mode = MX_MODE_STARTTLS;
	ep.step_timeout_ms = 2000;
	ep.hello_timeout_ms = 2000;
	ep.backoff_ms = 50;
	en = mx_enumerator_new(base, pool, &ep, e, en_done, &b);
	mx_enumerator_start(en);
	event_base_dispatch(base);
	assert_true(b.done);
	mx_enumerator_free(en);

	v = &e->v[MX_EV_TLS12];
	assert_int_equal(v->state, 1);
	assert_int_equal(v->n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(v->suites[i].id, srv_suites[i]);
		assert_int_equal(v->suites[i].rank, (int)i);
		assert_non_null(v->suites[i].iana);
	}
	assert_string_equal(v->suites[0].iana,
			    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	assert_string_equal(v->suites[2].openssl, "AES128-SHA");
	assert_int_equal(v->suites[2].cipher_bits, 128);
	assert_int_equal(v->server_order, 1);
	assert_int_equal(v->order_connections, 0);
	/* 3 picks + 1 refusal, + 1 if this chain met the 421 */
	assert_in_range(v->connections, 3 + 1, 3 + 2);
	/* our server sends no ServerKeyExchange: the group loop learns
	 * nothing and stops after one connection */
	assert_int_equal(v->group_connections, 1);
	for (i = 0; i < MX_EV__N; i++)
		if (i != MX_EV_TLS12) {
			assert_int_equal(e->v[i].state, 0);
			assert_non_null(strstr(e->v[i].refusal, "70"));
		}
	for (i = 0; i < MX_EV__N; i++)
		per_version += e->v[i].connections + e->v[i].group_connections;
	/* one retry after the 421, counted, and the cap dropped to 1 */
	assert_int_equal(e->retries, 1);
	assert_int_equal(e->per_host_cap, 1);
	assert_int_equal(e->connections, per_version);
	assert_int_equal(e->connections, p.conns);
	assert_int_equal(e->connections, 4 + 1 + 4 + 1);
	assert_false(e->incomplete);
	assert_false(e->split_hello);
	mx_enum_free(e);
	mx_pool_free(pool);
	peer_stop(&p);
	event_base_free(base);
}

/* STARTTLS missing: every chain stops at once, incomplete, with why. */
static void test_enumerator_no_starttls(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *pool = mx_pool_new(base, 2, 16);
	struct mx_enum *e = mx_enum_new();
	struct mx_enum_params ep;
	struct mx_enumerator *en;
	struct peer p;
	struct en_box b = {base, 0};

	(void)state;
	memset(&p, 0, sizeof(p));
	p.ehlo = "250-peer\r\n250 SIZE 1000\r\n";
	peer_start(&p, base);
	memset(&ep, 0, sizeof(ep));
	ep.addr = "127.0.0.1";
	ep.port = p.port;
	ep.step_timeout_ms = 2000;
	en = mx_enumerator_new(base, pool, &ep, e, en_done, &b);
	mx_enumerator_start(en);
	event_base_dispatch(base);
	mx_enumerator_free(en);
	assert_true(e->incomplete);
	assert_non_null(strstr(e->incomplete_reason, "STARTTLS not offered"));
	assert_true(e->connections <= 2); /* the two first, in parallel */
	assert_int_equal(e->v[MX_EV_TLS12].state, -1);
	mx_enum_free(e);
	mx_pool_free(pool);
	peer_stop(&p);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_alert),
		cmocka_unit_test(test_raw_flight_dribbled),
		cmocka_unit_test(test_raw_implicit),
		cmocka_unit_test(test_raw_fin_rst_silent),
		cmocka_unit_test(test_raw_not_tls_and_injection),
		cmocka_unit_test(test_raw_not_sent),
		cmocka_unit_test(test_raw_sync_refused),
		cmocka_unit_test(test_enumerator),
		cmocka_unit_test(test_enumerator_no_starttls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
