/*
 * test_smtp_client.c - the SMTP client engine against scripted peers.
 *
 * Real servers are exercised by tests/integration/ against the lab.  This
 * program covers protocol corners no real server shows on purpose: HELO
 * fallback, 454 to STARTTLS, bytes injected after "220" to STARTTLS (RFC
 * 3207 §4.2), refused greetings, silence, dribbling replies that only a
 * deadline stops, AUTH redaction; and the misreports of issue 13: golden
 * evidence text for hostile peer bytes, a 4xx to EHLO (no HELO), a server
 * that accepts and resets at once, unsolicited replies before the EHLO
 * reply.  The peer is a listening socket on
 * 127.0.0.1 (ephemeral port) driven by the same event loop; each scenario
 * is a script of "when a line starting with X arrives, send Y".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "model/result.h"
#include "probe/smtp_client.h"

struct step {
	const char *expect; /* line prefix the client must send; NULL:
				 * send at connect */
	const char *reply;  /* bytes to send back; NULL: close */
};

struct peer {
	struct event_base *base;
	int lfd, fd;
	uint16_t port;
	struct event *ev_accept, *ev_read, *ev_drip;
	const struct step *script;
	size_t nsteps, at;
	char line[4096];
	size_t llen;
	int drip; /* send "250-drip" every 50 ms forever */
	int silent;
	const void *greet; /* bytes sent at connect (NULs allowed) */
	size_t greet_len;
	int rst; /* accept, then reset at once (SO_LINGER 0) */
};

struct outcome {
	struct mx_smtp smtp;
	struct mx_tls tls;
	int ready, done;
	int cmd_code;
	int cut_code;	  /* mx_smtp_client_cut_reply() when no reply */
	size_t cut_lines; /* ... and its lines */
	const char *cmd;  /* command to send when ready, then QUIT */
	int cmd_flags;
	/* peer behaviour beyond the script */
	const void *greet; /* bytes sent at connect, NULs allowed */
	size_t greet_len;
	int rst;	     /* the peer accepts and resets at once */
	const char *ca_file; /* trust store for the client's TLS */
};

static void peer_send(struct peer *p, const struct step *st)
{
	if (st->reply == NULL) {
		close(p->fd);
		p->fd = -1;
		event_del(p->ev_read);
		return;
	}
	(void)!write(p->fd, st->reply, strlen(st->reply));
}

static const struct step quit_reply = {"QUIT", "221 bye\r\n"};

static void peer_read(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf));
	ssize_t i;

	(void)what;
	if (n <= 0) {
		event_del(p->ev_read);
		return;
	}
	for (i = 0; i < n; i++) {
		if (p->llen < sizeof(p->line) - 1)
			p->line[p->llen++] = buf[i];
		if (buf[i] != '\n')
			continue;
		p->line[p->llen] = 0;
		p->llen = 0;
		if (p->at < p->nsteps && p->script[p->at].expect &&
		    strncmp(p->line, p->script[p->at].expect,
			    strlen(p->script[p->at].expect)) == 0) {
			peer_send(p, &p->script[p->at]);
			p->at++;
			if (p->fd < 0)
				return;
		} else if (strncmp(p->line, "QUIT", 4) == 0) {
			peer_send(p, &quit_reply);
		}
	}
}

static void peer_drip(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)what;
	if (p->fd >= 0)
		(void)!write(p->fd, "250-drip\r\n", 10);
}

static void peer_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct peer *p = arg;
	struct timeval tv = {0, 50000};

	(void)what;
	p->fd = accept(lfd, NULL, NULL);
	assert_true(p->fd >= 0);
	if (p->silent)
		return;
	if (p->greet_len > 0)
		(void)!write(p->fd, p->greet, p->greet_len);
	if (p->drip) {
		(void)!write(p->fd, "220 hi\r\n", 8);
		p->ev_drip = event_new(p->base, -1, EV_PERSIST, peer_drip, p);
		event_add(p->ev_drip, &tv);
	}
	p->ev_read =
		event_new(p->base, p->fd, EV_READ | EV_PERSIST, peer_read, p);
	event_add(p->ev_read, NULL);
	if (p->nsteps > 0 && p->script[0].expect == NULL) {
		peer_send(p, &p->script[0]);
		p->at = 1;
	}
}

static void peer_start(struct peer *p, struct event_base *base,
		       const struct step *script, size_t n)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	memset(p, 0, sizeof(*p));
	p->base = base;
	p->script = script;
	p->nsteps = n;
	p->fd = -1;
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(p->lfd >= 0);
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(p->lfd, 4), 0);
	getsockname(p->lfd, (struct sockaddr *)&sa, &sl);
	p->port = ntohs(sa.sin_port);
	p->ev_accept = event_new(base, p->lfd, EV_READ, peer_accept, p);
	event_add(p->ev_accept, NULL);
}

static void peer_stop(struct peer *p)
{
	if (p->ev_read)
		event_free(p->ev_read);
	if (p->ev_drip)
		event_free(p->ev_drip);
	event_free(p->ev_accept);
	if (p->fd >= 0)
		close(p->fd);
	close(p->lfd);
}

static void on_cmd_reply(void *arg, struct mx_smtp_client *c,
			 const struct mx_smtp_reply *r)
{
	struct outcome *o = arg;

	o->cmd_code = r ? r->code : -1;
	if (r) {
		mx_smtp_client_quit(c);
	} else {
		const struct mx_smtp_reply *cut = mx_smtp_client_cut_reply(c);

		o->cut_code = cut ? cut->code : -1;
		o->cut_lines = cut ? cut->nlines : 0;
	}
}

static void on_ready(void *arg, struct mx_smtp_client *c)
{
	struct outcome *o = arg;

	o->ready++;
	if (o->cmd)
		assert_int_equal(mx_smtp_client_cmd(c, o->cmd, o->cmd_flags,
						    on_cmd_reply, o),
				 0);
	else
		mx_smtp_client_quit(c);
}

static void on_done(void *arg, struct mx_smtp_client *c)
{
	struct outcome *o = arg;

	(void)c;
	o->done++;
}

static const struct mx_smtp_client_cbs cbs = {on_ready, on_done};

/* Run one dialogue against a scripted peer. */
static void run(struct outcome *o, const struct step *script, size_t n,
		enum mx_tls_mode mode, int require_tls, int timeout_ms,
		int deadline_ms, int drip, int silent)
{
	struct event_base *base = event_base_new();
	struct peer p;
	struct mx_smtp_params sp;
	struct mx_tls_params tp;
	struct mx_smtp_client *c;

	peer_start(&p, base, script, n);
	p.drip = drip;
	p.silent = silent;
	p.greet = o->greet;
	p.greet_len = o->greet_len;
	memset(&tp, 0, sizeof(tp));
	tp.security_level = -1;
	tp.ca_file = o->ca_file;
	memset(&sp, 0, sizeof(sp));
	sp.host = "peer.test";
	sp.addr = "127.0.0.1";
	sp.port = p.port;
	sp.mode = mode;
	sp.helo = "client.test";
	sp.starttls = 1;
	sp.require_tls = require_tls;
	sp.tls = &mx_tls_openssl;
	sp.tls_params = &tp;
	sp.connect_timeout_ms = sp.greeting_timeout_ms = sp.command_timeout_ms =
		sp.tls_timeout_ms = timeout_ms;
	sp.deadline_ms = deadline_ms ? mx_now_ms() + deadline_ms : 0;
	c = mx_smtp_client_new(base, &sp, &o->smtp, &o->tls, &cbs, o);
	mx_smtp_client_start(c);
	if (o->rst) {
		/* Accept before the client's loop sees the connect complete,
		 * and reset: its first look at the socket finds the RST. */
		struct linger lg = {1, 0};
		int fd = accept(p.lfd, NULL, NULL);

		assert_true(fd >= 0);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	while (!o->done)
		event_base_loop(base, EVLOOP_ONCE);
	mx_smtp_client_free(c);
	peer_stop(&p);
	event_base_free(base);
}

static void clear(struct outcome *o)
{
	mx_smtp_clear(&o->smtp);
	mx_tls_clear(&o->tls);
}

static int tx_has(const struct mx_transcript *tx, const char *needle)
{
	size_t i;

	for (i = 0; i < tx->n; i++)
		if (strstr(tx->v[i].text, needle))
			return 1;
	return 0;
}

static void test_plain_dialogue(void **state)
{
	static const struct step s[] = {
		{NULL, "220 peer.test ESMTP\r\n"},
		{"EHLO client.test", "250-peer.test\r\n250-PIPELINING\r\n"
				     "250-SIZE 1000\r\n250 8BITMIME\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	run(&o, s, 2, MX_MODE_PLAIN, 0, 2000, 0, 0, 0);
	assert_int_equal(o.ready, 1);
	assert_int_equal(o.smtp.stop, MX_STOP_NONE);
	assert_int_equal(o.smtp.connect.state, MX_STEP_OK);
	assert_int_equal(o.smtp.banner.state, MX_STEP_OK);
	assert_int_equal(o.smtp.greeting.code, 220);
	assert_int_equal(o.smtp.ehlo.state, MX_STEP_OK);
	assert_true(o.smtp.caps.valid);
	assert_true(o.smtp.caps.flags & MX_SMTP_CAP_PIPELINING);
	assert_int_equal(o.smtp.caps.size, 1000);
	assert_int_equal(o.smtp.caps.nkeywords, 3);
	assert_int_equal(o.smtp.quit.state, MX_STEP_OK);
	assert_false(o.tls.attempted);
	assert_true(tx_has(&o.smtp.tx, "EHLO client.test"));
	assert_true(tx_has(&o.smtp.tx, "250 8BITMIME"));
	clear(&o);
}

static void test_helo_fallback(void **state)
{
	static const struct step s[] = {
		{NULL, "220 old.test SMTP\r\n"},
		{"EHLO", "502 5.5.1 command not implemented\r\n"},
		{"HELO client.test", "250 old.test\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	run(&o, s, 3, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.ready, 1);
	assert_true(o.smtp.used_helo);
	assert_false(o.smtp.caps.valid);
	assert_int_equal(o.smtp.starttls.state, MX_STEP_SKIPPED);
	assert_int_equal(o.smtp.stop, MX_STOP_NONE);
	clear(&o);
}

static void test_starttls_454(void **state)
{
	static const struct step s[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "250-mx.test\r\n250 STARTTLS\r\n"},
		{"STARTTLS",
		 "454 4.7.0 TLS not available due to temporary reason\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	/* Opportunistic: refused before 220, the session goes on in clear. */
	run(&o, s, 3, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.ready, 1);
	assert_int_equal(o.smtp.starttls.state, MX_STEP_FAILED);
	assert_int_equal(o.smtp.starttls_reply.code, 454);
	assert_string_equal(o.smtp.starttls_reply.enh, "4.7.0");
	assert_int_equal(o.smtp.stop, MX_STOP_NONE);
	assert_false(o.tls.attempted);
	clear(&o);
	/* Required: the same refusal stops the session. */
	memset(&o, 0, sizeof(o));
	run(&o, s, 3, MX_MODE_STARTTLS, 1, 2000, 0, 0, 0);
	assert_int_equal(o.ready, 0);
	assert_int_equal(o.smtp.stop, MX_STOP_STARTTLS_REJECTED);
	clear(&o);
}

/* Our own TLS setup failing (a trust store that cannot load) is a local
 * stop, not a TLS failure of the server: nothing TLS went out. */
static void test_local_tls_setup(void **state)
{
	static const struct step s[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "250-mx.test\r\n250 STARTTLS\r\n"},
		{"STARTTLS", "220 go ahead\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	o.ca_file = "/nonexistent/ca.pem";
	run(&o, s, 3, MX_MODE_STARTTLS, 1, 2000, 0, 0, 0);
	assert_int_equal(o.smtp.stop, MX_STOP_LOCAL);
	assert_int_equal(o.tls.fail, MX_TLS_FAIL_LOCAL);
	assert_non_null(strstr(o.smtp.error, "TLS setup on this machine"));
	assert_non_null(strstr(o.smtp.error, "/nonexistent/ca.pem"));
	assert_string_equal(mx_stop_name(o.smtp.stop), "local");
	clear(&o);
}

static void test_starttls_injection_and_fin(void **state)
{
	static const struct step s[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "250-mx.test\r\n250 STARTTLS\r\n"},
		/* plaintext after 220 must be discarded, then FIN */
		{"STARTTLS", "220 go ahead\r\n250 injected\r\n"},
		{"\x16", NULL},
	};
	struct outcome o = {0};

	(void)state;
	run(&o, s, 4, MX_MODE_STARTTLS, 1, 2000, 0, 0, 0);
	assert_int_equal(o.smtp.starttls.state, MX_STEP_OK);
	assert_true(tx_has(&o.smtp.tx, "discarded"));
	assert_int_equal(o.smtp.starttls_dropped, 14); /* "250 injected\r\n" */
	assert_int_equal(o.smtp.stop, MX_STOP_TLS_FAILED);
	assert_true(o.tls.attempted);
	assert_false(o.tls.completed);
	clear(&o);
}

static void test_greeting_rejected(void **state)
{
	static const struct step s[] = {
		{NULL, "554-5.7.1 no service\r\n554 5.7.1 go away\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	run(&o, s, 1, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.ready, 0);
	assert_int_equal(o.smtp.stop, MX_STOP_GREETING_REJECTED);
	assert_int_equal(o.smtp.greeting.code, 554);
	assert_int_equal(o.smtp.greeting.nlines, 2);
	assert_string_equal(o.smtp.greeting.enh, "5.7.1");
	assert_int_equal(o.smtp.banner.state, MX_STEP_FAILED);
	clear(&o);
}

static void test_silent_greeting_times_out(void **state)
{
	struct outcome o = {0};
	int64_t t0 = mx_now_ms();

	(void)state;
	run(&o, NULL, 0, MX_MODE_STARTTLS, 0, 300, 0, 0, 1);
	assert_int_equal(o.smtp.stop, MX_STOP_GREETING_TIMEOUT);
	assert_int_equal(o.smtp.banner.state, MX_STEP_FAILED);
	assert_true(mx_now_ms() - t0 < 2000);
	clear(&o);
}

static void test_dribble_stopped_by_deadline(void **state)
{
	struct outcome o = {0};
	int64_t t0 = mx_now_ms();

	(void)state;
	/* Each line comes quickly, so no step timeout fires; the endpoint
	 * deadline must. */
	run(&o, NULL, 0, MX_MODE_STARTTLS, 0, 10000, 600, 1, 0);
	assert_true(o.smtp.stop == MX_STOP_TARGET_DEADLINE ||
		    o.smtp.stop == MX_STOP_REPLY_LIMIT);
	assert_true(mx_now_ms() - t0 < 3000);
	clear(&o);
}

static void test_auth_redacted(void **state)
{
	static const struct step s[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n"},
		{"AUTH PLAIN", "235 2.7.0 ok\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	o.cmd = "AUTH PLAIN AGxhYnVzZXIAczNjcjN0LWNhbmFyeQ==";
	o.cmd_flags = MX_SMTP_REDACT;
	run(&o, s, 3, MX_MODE_PLAIN, 0, 2000, 0, 0, 0);
	assert_int_equal(o.cmd_code, 235);
	assert_false(tx_has(&o.smtp.tx, "AGxhYnVzZXIAczNjcjN0LWNhbmFyeQ"));
	assert_true(tx_has(&o.smtp.tx, "AUTH PLAIN <redacted>"));
	clear(&o);
}

static void test_connect_refused(void **state)
{
	struct outcome o = {0};
	struct event_base *base = event_base_new();
	struct mx_smtp_params sp;
	struct mx_tls_params tp = {0};
	struct mx_smtp_client *c;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);

	(void)state;
	/* A port that was just free: bind, read it, close. */
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	close(fd);
	memset(&sp, 0, sizeof(sp));
	sp.host = sp.addr = "127.0.0.1";
	sp.port = ntohs(sa.sin_port);
	sp.tls = &mx_tls_openssl;
	sp.tls_params = &tp;
	sp.connect_timeout_ms = 1000;
	c = mx_smtp_client_new(base, &sp, &o.smtp, &o.tls, &cbs, &o);
	mx_smtp_client_start(c);
	while (!o.done)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(o.smtp.stop, MX_STOP_CONNECT_REFUSED);
	assert_int_equal(o.smtp.connect.state, MX_STEP_FAILED);
	mx_smtp_client_free(c);
	event_base_free(base);
	clear(&o);
}

/* ---- issue 13: evidence text, EHLO 4xx, accept-then-RST, desync ------ */

#define LIT(s) s, sizeof(s) - 1

/*
 * Golden evidence: the peer's greeting bytes and the exact escaped model
 * text the finding quotes (the greeting's text, or the error for a stop).
 * Peer bytes appear once escaped (\r \n \t \\ \xNN), from their first
 * byte, capped at 160 escaped bytes with "...".  tests/unit/
 * test_analyzers.c (test_golden_evidence) takes these same model texts to
 * the exact evidence of the finding.  `nA` 'A' bytes follow the bytes
 * (and `expA` follow the expected prefix) for the long lines.
 */
static const struct golden {
	const char *name;
	const char *bytes;
	size_t len;
	size_t nA;
	char what; /* 'G' greeting text, 'E' error */
	const char *expect;
	size_t expA;
	const char *expect_tail;
} goldens[] = {
	{"HTTP reply", LIT("HTTP/1.1 400 Bad Request\r\nServer: x\r\n\r\n"), 0,
	 'E',
	 "not an SMTP reply: \"HTTP/1.1 400 Bad Request\\r\\nServer: "
	 "x\\r\\n\\r\\n\"",
	 0, ""},
	{"NUL first", LIT("\000220 hi\r\n"), 0, 'E',
	 "not an SMTP reply: \"\\x00220 hi\\r\\n\"", 0, ""},
	{"NUL in text", LIT("554 no\000pe\r\n"), 0, 'G', "no\\x00pe", 0, ""},
	{"ESC[2J in text", LIT("554 \033[2Jgo away\r\n"), 0, 'G',
	 "\\x1b[2Jgo away", 0, ""},
	{"ESC[2J first", LIT("\033[2J\r\n"), 0, 'E',
	 "not an SMTP reply: \"\\x1b[2J\\r\\n\"", 0, ""},
	{"OSC title", LIT("554 \033]0;title\007 bye\r\n"), 0, 'G',
	 "\\x1b]0;title\\x07 bye", 0, ""},
	{"bare LF", LIT("554 bare lf\n"), 0, 'G', "bare lf", 0, ""},
	{"bare LF garbage", LIT("hello\nworld\n"), 0, 'E',
	 "not an SMTP reply: \"hello\\nworld\\n\"", 0, ""},
	{"CR alone", LIT("554 a\rb\r\n"), 0, 'G', "a\\rb", 0, ""},
	{"8-bit bytes", LIT("554 caf\303\251 \377\r\n"), 0, 'G',
	 "caf\\xc3\\xa9 \\xff", 0, ""},
	{"backslash", LIT("554 C:\\temp\r\n"), 0, 'G', "C:\\\\temp", 0, ""},
	{"bad third digit", LIT("25X ok\r\n"), 0, 'E',
	 "not an SMTP reply: \"25X ok\\r\\n\"", 0, ""},
	{"bad line after a good one", LIT("554-first\r\nXYZ\r\n"), 0, 'E',
	 "not an SMTP reply: \"XYZ\\r\\n\"", 0, ""},
	{"very long line", LIT(""), 3000, 'E', "not an SMTP reply: \"", 160,
	 "...\""},
	{"very long reply line", LIT("554 "), 3000, 'E',
	 "reply limit exceeded (line_too_long) after 0 lines, 2048 bytes: "
	 "\"554 ",
	 156, "...\""},
};

static void test_golden_evidence(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		const struct golden *g = &goldens[i];
		struct outcome o = {0};
		size_t n = g->len + g->nA + 2, el;
		char *bytes = malloc(n), *want;
		const char *got;

		memcpy(bytes, g->bytes, g->len);
		memset(bytes + g->len, 'A', g->nA);
		n = g->len;
		if (g->nA) {
			memcpy(bytes + g->len + g->nA, "\r\n", 2);
			n += g->nA + 2;
		}
		el = strlen(g->expect) + g->expA + strlen(g->expect_tail) + 1;
		want = malloc(el);
		snprintf(want, el, "%s%*s%s", g->expect, (int)g->expA, "",
			 g->expect_tail);
		memset(want + strlen(g->expect), 'A', g->expA);
		o.greet = bytes;
		o.greet_len = n;
		run(&o, NULL, 0, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
		got = g->what == 'G' ? o.smtp.greeting.text : o.smtp.error;
		if (got == NULL || strcmp(got, want) != 0)
			print_error("%s: got '%s', want '%s'\n", g->name,
				    got ? got : "(null)", want);
		assert_non_null(got);
		assert_string_equal(got, want);
		if (g->what == 'G')
			assert_int_equal(o.smtp.stop,
					 MX_STOP_GREETING_REJECTED);
		else
			assert_true(o.smtp.stop == MX_STOP_REPLY_MALFORMED ||
				    o.smtp.stop == MX_STOP_REPLY_LIMIT);
		free(bytes);
		free(want);
		clear(&o);
	}
}

static int tx_sent(const struct mx_transcript *tx, const char *prefix)
{
	size_t i;

	for (i = 0; i < tx->n; i++)
		if (tx->v[i].dir == MX_TX_SENT &&
		    strncmp(tx->v[i].text, prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

/* RFC 5321 §4.1.4: HELO replaces EHLO after a 5xx only; a 4xx is
 * temporary.  After 451 the client QUITs; after 421 it just closes
 * (§3.8). */
static void test_ehlo_4xx_no_helo(void **state)
{
	static const struct step s451[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "451 4.3.2 Please try again later\r\n"},
		{"HELO", "250 mx.test\r\n"},
	};
	static const struct step s421[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "421 4.3.2 Service shutting down\r\n"},
		{"HELO", "250 mx.test\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	run(&o, s451, 3, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.ready, 0);
	assert_int_equal(o.smtp.stop, MX_STOP_EHLO_REJECTED);
	assert_int_equal(o.smtp.ehlo.state, MX_STEP_FAILED);
	assert_false(o.smtp.used_helo);
	assert_false(tx_sent(&o.smtp.tx, "HELO"));
	assert_true(tx_sent(&o.smtp.tx, "QUIT"));
	assert_true(tx_has(&o.smtp.tx, "451 4.3.2 Please try again later"));
	clear(&o);

	memset(&o, 0, sizeof(o));
	run(&o, s421, 3, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.smtp.stop, MX_STOP_EHLO_REJECTED);
	assert_false(tx_sent(&o.smtp.tx, "HELO"));
	assert_false(tx_sent(&o.smtp.tx, "QUIT"));
	assert_int_equal(o.smtp.quit.state, MX_STEP_NOT_RUN);
	clear(&o);
}

/* A server that accepts and resets at once: the connect succeeded, the
 * connection was lost before the greeting - not a connect failure. */
static void test_accept_then_reset(void **state)
{
	struct outcome o = {0};

	(void)state;
	o.rst = 1;
	run(&o, NULL, 0, MX_MODE_STARTTLS, 0, 2000, 0, 0, 1);
	assert_int_equal(o.smtp.stop, MX_STOP_PEER_RESET);
	assert_int_equal(o.smtp.connect.state, MX_STEP_OK);
	assert_int_equal(o.smtp.banner.state, MX_STEP_FAILED);
	assert_non_null(o.smtp.error);
	assert_string_equal(o.smtp.error,
			    "connection reset by the server as soon as it was "
			    "accepted, before the greeting");
	clear(&o);
}

static int tx_note(const struct mx_transcript *tx, const char *text)
{
	size_t i;

	for (i = 0; i < tx->n; i++)
		if (tx->v[i].dir == MX_TX_NOTE &&
		    strcmp(tx->v[i].text, text) == 0)
			return 1;
	return 0;
}

/* RFC 5321 §4.3 / §2.1: a reply that came before the command is not its
 * answer.  Each script's EHLO reply offers STARTTLS; a client that took
 * the stray line for it would see none. */
static void test_unsolicited_replies(void **state)
{
	static const struct step two_greetings[] = {
		{NULL, "220 mx.test ESMTP\r\n220 mx.test again\r\n"},
		{"EHLO", "250-mx.test\r\n250 STARTTLS\r\n"},
		{"STARTTLS", "454 4.7.0 not now\r\n"},
	};
	static const struct step stray_250[] = {
		{NULL, "220 mx.test ESMTP\r\n250 stray\r\n"},
		{"EHLO", "250-mx.test\r\n250 STARTTLS\r\n"},
		{"STARTTLS", "454 4.7.0 not now\r\n"},
	};
	/* The second 220 arrives after EHLO went out: its code tells. */
	static const struct step late_220[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "220 mx.test late\r\n250-mx.test\r\n250 STARTTLS\r\n"},
		{"STARTTLS", "454 4.7.0 not now\r\n"},
	};
	static const struct {
		const struct step *s;
		const char *note;
	} cases[] = {
		{two_greetings, "unsolicited reply, came before EHLO was sent: "
				"'220 mx.test again'"},
		{stray_250,
		 "unsolicited reply, came before EHLO was sent: '250 stray'"},
		{late_220, "unsolicited reply, came while EHLO was outstanding "
			   "(220 cannot answer it): '220 mx.test late'"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outcome o = {0};

		run(&o, cases[i].s, 3, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
		assert_int_equal(o.ready, 1);
		assert_int_equal(o.smtp.stop, MX_STOP_NONE);
		assert_int_equal(o.smtp.ehlo.state, MX_STEP_OK);
		assert_true(o.smtp.caps.flags & MX_SMTP_CAP_STARTTLS);
		assert_int_equal(o.smtp.starttls_reply.code, 454);
		if (!tx_note(&o.smtp.tx, cases[i].note))
			print_error("case %zu: no note '%s'\n", i,
				    cases[i].note);
		assert_true(tx_note(&o.smtp.tx, cases[i].note));
		clear(&o);
	}
}

/* A peer that sends nothing but stray replies is stopped by a limit. */
static void test_unsolicited_limit(void **state)
{
	static const struct step s[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "220 a\r\n220 b\r\n220 c\r\n220 d\r\n220 e\r\n"
			 "220 f\r\n220 g\r\n220 h\r\n220 i\r\n250 mx.test\r\n"},
	};
	struct outcome o = {0};

	(void)state;
	run(&o, s, 2, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.smtp.stop, MX_STOP_REPLY_LIMIT);
	assert_string_equal(o.smtp.error, "more than 8 unsolicited replies");
	clear(&o);
}

/* A reply over the line limit ends the session, but its code was said:
 * the caller can still read it (a 550 cut at the limit is a 550), and
 * the error names the limit and the code.  A session that stops another
 * way has no cut reply. */
static void test_cut_reply(void **state)
{
	static char big[200 * 16];
	static struct step s[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "250 mx.test\r\n"},
		{"MAIL", big},
	};
	static const struct step closed[] = {
		{NULL, "220 mx.test ESMTP\r\n"},
		{"EHLO", "250 mx.test\r\n"},
		{"MAIL", NULL},
	};
	struct outcome o = {0};
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 150; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n,
				      "550-5.7.1 no %zu\r\n", i);
	o.cmd = "MAIL FROM:<a@b.test>";
	run(&o, s, 3, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.cmd_code, -1);
	assert_int_equal(o.smtp.stop, MX_STOP_REPLY_LIMIT);
	assert_int_equal(o.cut_code, 550);
	assert_int_equal(o.cut_lines, 100);
	assert_non_null(strstr(o.smtp.error, "of a 550 reply"));
	clear(&o);

	memset(&o, 0, sizeof(o));
	o.cmd = "MAIL FROM:<a@b.test>";
	run(&o, closed, 3, MX_MODE_STARTTLS, 0, 2000, 0, 0, 0);
	assert_int_equal(o.cmd_code, -1);
	assert_int_equal(o.smtp.stop, MX_STOP_PEER_CLOSED);
	assert_int_equal(o.cut_code, -1);
	clear(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_dialogue),
		cmocka_unit_test(test_helo_fallback),
		cmocka_unit_test(test_starttls_454),
		cmocka_unit_test(test_local_tls_setup),
		cmocka_unit_test(test_starttls_injection_and_fin),
		cmocka_unit_test(test_greeting_rejected),
		cmocka_unit_test(test_silent_greeting_times_out),
		cmocka_unit_test(test_dribble_stopped_by_deadline),
		cmocka_unit_test(test_auth_redacted),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_golden_evidence),
		cmocka_unit_test(test_ehlo_4xx_no_helo),
		cmocka_unit_test(test_accept_then_reset),
		cmocka_unit_test(test_unsolicited_replies),
		cmocka_unit_test(test_unsolicited_limit),
		cmocka_unit_test(test_cut_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
