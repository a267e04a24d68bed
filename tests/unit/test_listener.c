/*
 * test_listener.c - the relay's SMTP listener, driven over real loopback
 * sockets in the same event loop: a raw client socket for byte-exact
 * hostile input, and the probe's own SMTP client engine for STARTTLS.
 *
 * What must hold: every bad input gets its SMTP error (code and enhanced
 * code) and leaves the spool exactly as it was; a good message gets
 * "250 ... queued as ID" only once it is in the spool, byte for byte
 * (dot-stuffing undone); a failed spool write answers 451 and queues
 * nothing.  Plus the network rules (allowed networks, client limit,
 * timeouts).  The address parsers (--allow, --listen) are tested in
 * test_netaddr.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "probe/smtp_client.h"
#include "relay/listener.h"
#include "relay/spool.h"
#include "tests/unit/relay_fixture.h"
#include "wire/smtp_data.h"

#define WAIT_MS 5000

struct fx {
	struct rfx_spool sp;
	struct event_base *base;
	struct mx_listener *l;
	struct mx_buf log;
	uint32_t rnd;
	size_t queued_calls;
	char last_id[MX_SPOOL_ID_LEN + 1];
	int fd; /* the raw client */
	char rbuf[8192];
	size_t rlen;
};

static void on_queued(void *arg, const char *id, const struct mx_envelope *env,
		      size_t size)
{
	struct fx *f = arg;

	(void)env;
	(void)size;
	f->queued_calls++;
	snprintf(f->last_id, sizeof(f->last_id), "%s", id);
}

static const char *data_dir(void)
{
	const char *d = getenv("TEST_DATA_DIR");

	return d ? d : "tests/data";
}

/* Start a spool and a listener; p may override the defaults. */
static void fx_start(struct fx *f, const struct mx_listener_params *over)
{
	struct mx_listener_params p;
	char err[256];

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	rfx_spool_open(&f->sp, "test_listener", &f->rnd);
	f->base = event_base_new();
	assert_non_null(f->base);
	mx_buf_init(&f->log, 0);
	if (over)
		p = *over;
	else
		memset(&p, 0, sizeof(p));
	p.addr = "127.0.0.1";
	p.port = 0;
	p.hostname = "relay.test";
	if (p.max_message_size == 0)
		p.max_message_size = 4096;
	if (p.max_recipients == 0)
		p.max_recipients = 3;
	if (p.max_errors == 0)
		p.max_errors = 10;
	p.spool = f->sp.spool;
	p.log.fn = rfx_log_sink;
	p.log.arg = &f->log;
	p.queued = on_queued;
	p.queued_arg = f;
	f->l = mx_listener_new(f->base, &p, err, sizeof(err));
	if (f->l == NULL)
		fail_msg("listener: %s", err);
}

static void fx_stop(struct fx *f)
{
	if (f->fd >= 0)
		close(f->fd);
	mx_listener_free(f->l);
	rfx_spool_close(&f->sp);
	event_base_free(f->base);
	mx_buf_free(&f->log);
}

/* Messages in queue/, and files in tmp/ (always 0 between puts). */
static size_t queue_count(struct fx *f)
{
	return rfx_spool_count(f->sp.spool, MX_SPOOL_AREA_QUEUE);
}

static size_t dir_entries(const char *dir, const char *sub)
{
	char path[256];
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* ---- the raw client ---------------------------------------------------- */

static void pump(struct fx *f, int ms)
{
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	if (ms > 0 && f->fd >= 0) {
		struct pollfd pfd = {.fd = f->fd, .events = POLLIN};

		poll(&pfd, 1, ms);
	}
	event_base_loop(f->base, EVLOOP_NONBLOCK);
}

static void cl_connect(struct fx *f)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(mx_listener_port(f->l));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		assert_int_equal(errno, EINPROGRESS);
	f->fd = fd;
	f->rlen = 0;
}

static void cl_close(struct fx *f)
{
	int64_t t0 = mx_now_ms();

	close(f->fd);
	f->fd = -1;
	/* Let the listener see the EOF and free the session. */
	while (mx_listener_sessions(f->l) > 0 && mx_now_ms() - t0 < WAIT_MS)
		pump(f, 5);
	assert_int_equal(mx_listener_sessions(f->l), 0);
}

static void cl_send(struct fx *f, const void *p, size_t n)
{
	const uint8_t *b = p;
	int64_t t0 = mx_now_ms();

	while (n > 0) {
		ssize_t w = send(f->fd, b, n, MSG_NOSIGNAL);

		if (w > 0) {
			b += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINPROGRESS &&
			   errno != ENOTCONN) {
			fail_msg("send: %s", strerror(errno));
		}
		pump(f, 0);
		if (mx_now_ms() - t0 > WAIT_MS)
			fail_msg("send timed out");
	}
}

static void cl_sends(struct fx *f, const char *s)
{
	cl_send(f, s, strlen(s));
}

/* Read one complete reply (all its lines); returns its text, NUL
 * terminated, and its code; 0 when the connection closed first. */
static int cl_reply(struct fx *f, char *out, size_t outlen)
{
	int64_t t0 = mx_now_ms();

	for (;;) {
		size_t start = 0, i;

		/* Find the end of the last line of a reply: "ddd " ... \n */
		for (i = 0; i < f->rlen; i++) {
			if (f->rbuf[i] != '\n')
				continue;
			if (i - start >= 4 && f->rbuf[start + 3] == ' ') {
				size_t n = i + 1;
				int code;

				if (n >= outlen)
					n = outlen - 1;
				memcpy(out, f->rbuf, n);
				out[n] = 0;
				code = (f->rbuf[start] - '0') * 100 +
				       (f->rbuf[start + 1] - '0') * 10 +
				       (f->rbuf[start + 2] - '0');
				memmove(f->rbuf, f->rbuf + i + 1,
					f->rlen - i - 1);
				f->rlen -= i + 1;
				return code;
			}
			start = i + 1;
		}
		if (f->rlen == sizeof(f->rbuf))
			fail_msg("reply too long");
		{
			ssize_t r = recv(f->fd, f->rbuf + f->rlen,
					 sizeof(f->rbuf) - f->rlen,
					 MSG_DONTWAIT);

			if (r == 0) {
				out[0] = 0;
				return 0;
			}
			if (r > 0) {
				f->rlen += (size_t)r;
				continue;
			}
		}
		if (mx_now_ms() - t0 > WAIT_MS)
			fail_msg("no reply within %d ms", WAIT_MS);
		pump(f, 10);
	}
}

/* Expect a reply starting with `want` ("250", "500 5.5.2"). */
static void expect(struct fx *f, const char *want)
{
	char r[4096];

	cl_reply(f, r, sizeof(r));
	if (strncmp(r, want, strlen(want)) != 0)
		fail_msg("want \"%s\", got \"%s\"", want, r);
}

/* The peer closes: EOF within the wait. */
static void expect_eof(struct fx *f)
{
	char r[4096];
	int code = cl_reply(f, r, sizeof(r));

	if (code != 0)
		fail_msg("want EOF, got \"%s\"", r);
}

static void greet(struct fx *f)
{
	cl_connect(f);
	expect(f, "220 relay.test ESMTP");
	cl_sends(f, "EHLO client.test\r\n");
	expect(f, "250-relay.test");
}

/* ---- bad input: the table --------------------------------------------- */

struct step {
	const char *send;
	size_t len; /* 0: strlen */
	const char *expect;
};

struct bad_case {
	const char *name;
	struct step steps[8];
};

#define MAIL "MAIL FROM:<a@lab.test>\r\n"
#define RCPT "RCPT TO:<b@lab.test>\r\n"

static const struct bad_case bad_cases[] = {
	{"bare LF ends a command",
	 {{"NOOP\n", 0, "500 5.5.2"}, {"NOOP\r\n", 0, "250"}}},
	{"NUL in a command",
	 {{"NOOP a\0b\r\n", sizeof("NOOP a\0b\r\n") - 1, "500 5.5.2"}}},
	{"bare CR in a command", {{"NO\rOP\r\n", 0, "500 5.5.2"}}},
	{"unknown command", {{"XYZZY\r\n", 0, "500 5.5.1"}}},
	{"not offered",
	 {{"VRFY b@lab.test\r\n", 0, "502 5.5.1"},
	  {"AUTH PLAIN AGFhAGI=\r\n", 0, "502 5.5.1"},
	  {"STARTTLS\r\n", 0, "502 5.5.1"}}},
	{"RCPT before MAIL", {{RCPT, 0, "503 5.5.1"}}},
	{"DATA before RCPT",
	 {{MAIL, 0, "250 2.1.0"}, {"DATA\r\n", 0, "503 5.5.1"}}},
	{"DATA without MAIL", {{"DATA\r\n", 0, "503 5.5.1"}}},
	{"nested MAIL", {{MAIL, 0, "250"}, {MAIL, 0, "503 5.5.1"}}},
	{"MAIL without brackets", {{"MAIL FROM:a@lab.test\r\n", 0, "501"}}},
	{"bad recipient path",
	 {{MAIL, 0, "250"}, {"RCPT TO:<b@@lab.test>\r\n", 0, "501 5.1.3"}}},
	{"bad sender path", {{"MAIL FROM:<a b@lab.test>\r\n", 0, "501 5.1.7"}}},
	{"unknown MAIL parameter",
	 {{"MAIL FROM:<a@lab.test> FROB=1\r\n", 0, "555 5.5.4"}}},
	{"declared SIZE over the limit",
	 {{"MAIL FROM:<a@lab.test> SIZE=4097\r\n", 0, "552 5.3.4"},
	  {"MAIL FROM:<a@lab.test> SIZE=4096\r\n", 0, "250"}}},
	{"UTF-8 sender without SMTPUTF8",
	 {{"MAIL FROM:<j\xc3\xb6rg@lab.test>\r\n", 0, "553 5.6.7"}}},
	{"UTF-8 recipient without SMTPUTF8",
	 {{MAIL, 0, "250"},
	  {"RCPT TO:<j\xc3\xb6rg@lab.test>\r\n", 0, "553 5.6.7"}}},
	{"too many recipients",
	 {{MAIL, 0, "250"},
	  {"RCPT TO:<b1@lab.test>\r\n", 0, "250 2.1.5"},
	  {"RCPT TO:<b2@lab.test>\r\n", 0, "250 2.1.5"},
	  {"RCPT TO:<b3@lab.test>\r\n", 0, "250 2.1.5"},
	  {"RCPT TO:<b4@lab.test>\r\n", 0, "452 4.5.3"},
	  {"RSET\r\n", 0, "250"}}},
	{"bare LF in the message",
	 {{MAIL, 0, "250"},
	  {RCPT, 0, "250"},
	  {"DATA\r\n", 0, "354"},
	  {"Subject: x\r\n\r\none\ntwo\r\n.\r\n", 0, "554 5.6.0"}}},
	{"bare CR in the message",
	 {{MAIL, 0, "250"},
	  {RCPT, 0, "250"},
	  {"DATA\r\n", 0, "354"},
	  {"Subject: x\r\n\r\none\rtwo\r\n.\r\n", 0, "554 5.6.0"}}},
	{"NUL in the message",
	 {{MAIL, 0, "250"},
	  {RCPT, 0, "250"},
	  {"DATA\r\n", 0, "354"},
	  {"Subject: x\r\n\r\none\0two\r\n.\r\n",
	   sizeof("Subject: x\r\n\r\none\0two\r\n.\r\n") - 1, "554 5.6.0"}}},
	/* SMTP smuggling: "\n.\n" is no end of data here, so the second
	 * "transaction" is part of the (rejected) first message. */
	{"smuggled message after LF.LF",
	 {{MAIL, 0, "250"},
	  {RCPT, 0, "250"},
	  {"DATA\r\n", 0, "354"},
	  {"Subject: x\r\n\r\nhi\r\n\n.\nMAIL FROM:<evil@x.test>\r\n"
	   "RCPT TO:<victim@x.test>\r\nDATA\r\nsmuggled\r\n.\r\n",
	   0, "554 5.6.0"},
	  {"NOOP\r\n", 0, "250"}}},
	{"smuggled message after CR.CR",
	 {{MAIL, 0, "250"},
	  {RCPT, 0, "250"},
	  {"DATA\r\n", 0, "354"},
	  {"Subject: x\r\n\r\nhi\r\r.\r\rMAIL FROM:<evil@x.test>\r\n"
	   "RCPT TO:<victim@x.test>\r\nDATA\r\nsmuggled\r\n.\r\n",
	   0, "554 5.6.0"},
	  {"NOOP\r\n", 0, "250"}}},
	{"smuggled message after CRLF.LF",
	 {{MAIL, 0, "250"},
	  {RCPT, 0, "250"},
	  {"DATA\r\n", 0, "354"},
	  {"Subject: x\r\n\r\nhi\r\n.\nMAIL FROM:<evil@x.test>\r\n"
	   "RCPT TO:<victim@x.test>\r\nDATA\r\nsmuggled\r\n.\r\n",
	   0, "554 5.6.0"},
	  {"NOOP\r\n", 0, "250"}}},
};

static void run_steps(struct fx *f, const struct step *steps)
{
	size_t i;

	for (i = 0; i < 8 && steps[i].send; i++) {
		cl_send(f, steps[i].send,
			steps[i].len ? steps[i].len : strlen(steps[i].send));
		expect(f, steps[i].expect);
	}
}

static void test_bad_input_table(void **state)
{
	struct fx f;
	size_t i;

	(void)state;
	fx_start(&f, NULL);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		print_message("# %s\n", bad_cases[i].name);
		greet(&f);
		run_steps(&f, bad_cases[i].steps);
		/* The session goes on, and QUIT works. */
		cl_sends(&f, "QUIT\r\n");
		expect(&f, "221 2.0.0");
		expect_eof(&f);
		cl_close(&f);
		assert_int_equal(queue_count(&f), 0);
		assert_int_equal(dir_entries(f.sp.dir, "tmp"), 0);
		assert_int_equal(f.queued_calls, 0);
	}
	assert_true(mx_listener_stats(f.l)->rejected >= i);
	assert_int_equal(mx_listener_stats(f.l)->messages, 0);
	fx_stop(&f);
}

/* Commands before EHLO are out of sequence too. */
static void test_mail_before_ehlo(void **state)
{
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	cl_connect(&f);
	expect(&f, "220");
	cl_sends(&f, MAIL);
	expect(&f, "503 5.5.1");
	cl_sends(&f, "HELO client.test\r\n");
	expect(&f, "250 relay.test");
	cl_sends(&f, MAIL);
	expect(&f, "250 2.1.0");
	cl_close(&f);
	assert_int_equal(queue_count(&f), 0);
	fx_stop(&f);
}

/* ---- hostile lengths --------------------------------------------------- */

/* Command lines around the 512-octet limit (RFC 5321 §4.5.3.1.4). */
static void test_command_length_sweep(void **state)
{
	struct fx f;
	char line[700];
	size_t total;

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	for (total = 500; total <= 530; total++) {
		size_t k = total - 7; /* "NOOP " + k + CRLF */

		memcpy(line, "NOOP ", 5);
		memset(line + 5, 'x', k);
		memcpy(line + 5 + k, "\r\n", 2);
		cl_send(&f, line, total);
		expect(&f, total <= MX_SMTP_CMD_MAX_LINE ? "250" : "500 5.5.2");
		if (total % 8 == 0) {
			/* keep under max_errors */
			cl_close(&f);
			greet(&f);
		}
	}
	/* A very long line, sent in pieces, is one error. */
	cl_close(&f);
	greet(&f);
	{
		char big[5000];

		memset(big, 'A', sizeof(big));
		cl_send(&f, big, sizeof(big));
		cl_send(&f, big, sizeof(big));
		cl_sends(&f, "\r\nNOOP\r\n");
		expect(&f, "500 5.5.2");
		expect(&f, "250");
	}
	cl_close(&f);
	assert_int_equal(queue_count(&f), 0);
	fx_stop(&f);
}

/* Send one message whose body is `body` (already stuffed, ending in
 * CRLF); returns the reply code. */
static int send_message(struct fx *f, const char *body, size_t len, char *reply,
			size_t rlen)
{
	cl_sends(f, MAIL);
	expect(f, "250");
	cl_sends(f, RCPT);
	expect(f, "250");
	cl_sends(f, "DATA\r\n");
	expect(f, "354");
	cl_send(f, body, len);
	cl_sends(f, ".\r\n");
	return cl_reply(f, reply, rlen);
}

/* Data lines around 998 octets (RFC 5321 §4.5.3.1.6). */
static void test_data_line_sweep(void **state)
{
	struct fx f;
	char body[1100], r[512];
	size_t n, queued = 0;

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	for (n = 990; n <= 1005; n++) {
		int code;

		memset(body, 'y', n);
		memcpy(body + n, "\r\n", 2);
		code = send_message(&f, body, n + 2, r, sizeof(r));
		if (n <= MX_SMTP_DATA_MAX_LINE) {
			assert_int_equal(code, 250);
			queued++;
		} else {
			if (strncmp(r, "500 5.5.2", 9) != 0)
				fail_msg("line of %zu: got %s", n, r);
		}
		assert_int_equal(queue_count(&f), queued);
		if (n % 4 == 0) {
			cl_close(&f);
			greet(&f);
		}
	}
	cl_close(&f);
	fx_stop(&f);
}

/* Messages around the size limit (RFC 1870): the count is of message
 * octets, without the transparency dots. */
static void test_size_sweep(void **state)
{
	struct fx f;
	char body[4200], r[512];
	size_t total, queued = 0;

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	for (total = 4090; total <= 4102; total += 2) {
		size_t i;
		int code;

		/* Lines of 78 octets + CRLF, each starting with a dot that
		 * is stuffed on the wire; the last line fills up. */
		size_t o = 0, w = 0;

		while (total - o > 0) {
			size_t line = total - o >= 80 ? 78 : total - o - 2;

			body[w++] = '.';
			body[w++] = '.';
			for (i = 1; i < line; i++)
				body[w++] = 'z';
			body[w++] = '\r';
			body[w++] = '\n';
			o += line + 2;
		}
		code = send_message(&f, body, w, r, sizeof(r));
		if (total <= 4096) {
			if (code != 250)
				fail_msg("size %zu: %s", total, r);
			queued++;
		} else if (strncmp(r, "552 5.3.4", 9) != 0) {
			fail_msg("size %zu: %s", total, r);
		}
		assert_int_equal(queue_count(&f), queued);
	}
	cl_close(&f);
	fx_stop(&f);
}

/* Every octet value inside a command: a reply, never a crash, nothing
 * queued. */
static void test_octet_sweep(void **state)
{
	struct fx f;
	unsigned b;

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	for (b = 0; b < 256; b++) {
		char line[16];
		char r[512];
		int code;

		memcpy(line, "NOOP a?b\r\n", 10);
		line[6] = (char)b;
		cl_send(&f, line, 10);
		code = cl_reply(&f, r, sizeof(r));
		assert_true(code == 250 || (code >= 500 && code < 600));
		if (b == 0 || b == '\r' || b == '\n')
			assert_int_equal(code, 500);
		if (code != 250) {
			cl_close(&f);
			greet(&f);
		}
	}
	cl_close(&f);
	assert_int_equal(queue_count(&f), 0);
	fx_stop(&f);
}

/* ---- good messages ----------------------------------------------------- */

static void test_message_queued(void **state)
{
	static const char wire[] = "Subject: hello\r\n"
				   "\r\n"
				   "..leading dot\r\n"
				   "plain line\r\n"
				   "...two dots\r\n";
	static const char want[] = "Subject: hello\r\n"
				   "\r\n"
				   ".leading dot\r\n"
				   "plain line\r\n"
				   "..two dots\r\n";
	struct fx f;
	struct mx_envelope env;
	struct mx_spool_diag d;
	uint8_t *msg = NULL;
	size_t len = 0;
	char r[512], id[MX_SPOOL_ID_LEN + 1];

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	/* RFC 2920: the whole envelope in one write. */
	cl_sends(&f, "MAIL FROM:<a@lab.test> SIZE=80 BODY=8BITMIME\r\n"
		     "RCPT TO:<b@lab.test>\r\n"
		     "RCPT TO:<c@lab.test>\r\n"
		     "DATA\r\n");
	expect(&f, "250 2.1.0");
	expect(&f, "250 2.1.5");
	expect(&f, "250 2.1.5");
	expect(&f, "354");
	assert_int_equal(queue_count(&f), 0);
	cl_sends(&f, wire);
	cl_sends(&f, ".\r\nQUIT\r\n");
	assert_int_equal(cl_reply(&f, r, sizeof(r)), 250);
	assert_non_null(strstr(r, "2.0.0 Ok: queued as "));
	/* The 250 names the spool ID, and the file is there now. */
	snprintf(id, sizeof(id), "%.28s", strstr(r, "queued as ") + 10);
	assert_true(mx_spool_id_ok(id));
	assert_string_equal(id, f.last_id);
	assert_int_equal(queue_count(&f), 1);
	expect(&f, "221");
	expect_eof(&f);
	cl_close(&f);

	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.sp.spool, MX_SPOOL_AREA_QUEUE, id,
				       &env, &msg, &len, &d),
			 MX_SPOOL_OK);
	assert_string_equal(env.from, "a@lab.test");
	assert_int_equal(env.nrcpts, 2);
	assert_string_equal(env.rcpts[0], "b@lab.test");
	assert_string_equal(env.rcpts[1], "c@lab.test");
	assert_int_equal(env.attempts, 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(msg, want, len);
	free(msg);
	mx_envelope_clear(&env);

	/* The appliance-style log lines. */
	assert_true(rfx_log_has(&f.log,
				"New SMTP ICID 1 interface 127.0.0.1 address "
				"127.0.0.1 port "));
	assert_true(rfx_log_has(&f.log, "ICID 1 ACCEPT"));
	assert_true(rfx_log_has(&f.log, "ICID 1 From: <a@lab.test>"));
	assert_true(rfx_log_has(&f.log, "ICID 1 RID 1 To: <c@lab.test>"));
	assert_true(rfx_log_has(&f.log, "queued for delivery"));
	assert_true(rfx_log_has(&f.log, "ICID 1 close"));
	fx_stop(&f);
}

/* A null reverse-path, and a failed message does not poison the next. */
static void test_null_sender_after_reject(void **state)
{
	struct fx f;
	struct mx_envelope env;
	struct mx_spool_diag d;
	char r[512];

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	assert_int_equal(send_message(&f, "bad\nline\r\n", 10, r, sizeof(r)),
			 554);
	cl_sends(&f, "MAIL FROM:<>\r\n");
	expect(&f, "250");
	cl_sends(&f, RCPT);
	expect(&f, "250");
	cl_sends(&f, "DATA\r\n");
	expect(&f, "354");
	cl_sends(&f, "Subject: bounce\r\n\r\nx\r\n.\r\n");
	expect(&f, "250 2.0.0");
	cl_close(&f);
	assert_int_equal(queue_count(&f), 1);
	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.sp.spool, MX_SPOOL_AREA_QUEUE,
				       f.last_id, &env, NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_string_equal(env.from, "");
	mx_envelope_clear(&env);
	fx_stop(&f);
}

/* The spool cannot write: 451, and nothing is queued. */
static void test_spool_failure(void **state)
{
	struct fx f;
	char path[128], r[512];

	(void)state;
	fx_start(&f, NULL);
	snprintf(path, sizeof(path), "%s/tmp", f.sp.dir);
	assert_int_equal(rmdir(path), 0);
	greet(&f);
	assert_int_equal(send_message(&f, "Subject: x\r\n\r\nx\r\n", 17, r,
				      sizeof(r)),
			 451);
	assert_non_null(strstr(r, "4.3.0"));
	assert_int_equal(queue_count(&f), 0);
	assert_int_equal(f.queued_calls, 0);
	assert_int_equal(mx_listener_stats(f.l)->spool_errors, 1);
	assert_true(rfx_log_has(&f.log, "spool write failed"));
	cl_close(&f);
	fx_stop(&f);
}

/* ---- network rules ----------------------------------------------------- */

static void test_not_allowed(void **state)
{
	struct fx f;
	struct mx_listener_params p;
	struct mx_net nets[2];

	(void)state;
	assert_int_equal(mx_net_parse("10.0.0.0/8", &nets[0]), 0);
	assert_int_equal(mx_net_parse("::1", &nets[1]), 0);
	memset(&p, 0, sizeof(p));
	p.allow = nets;
	p.nallow = 2;
	fx_start(&f, &p);
	cl_connect(&f);
	expect(&f, "554 5.7.1");
	expect_eof(&f);
	cl_close(&f);
	assert_true(rfx_log_has(&f.log, "ICID 1 REJECT address 127.0.0.1"));
	assert_int_equal(mx_listener_stats(f.l)->refused, 1);
	assert_int_equal(queue_count(&f), 0);
	fx_stop(&f);
}

static void test_too_many_clients(void **state)
{
	struct fx f;
	struct mx_listener_params p;
	int first;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.max_clients = 1;
	fx_start(&f, &p);
	cl_connect(&f);
	expect(&f, "220");
	first = f.fd;
	cl_connect(&f);
	expect(&f, "421 4.3.2");
	expect_eof(&f);
	close(f.fd);
	f.fd = first;
	cl_sends(&f, "NOOP\r\n");
	expect(&f, "250");
	cl_close(&f);
	fx_stop(&f);
}

static void test_too_many_errors(void **state)
{
	struct fx f;
	int i;

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	for (i = 0; i < 9; i++) {
		cl_sends(&f, "BOGUS\r\n");
		expect(&f, "500 5.5.1");
	}
	cl_sends(&f, "BOGUS\r\nNOOP\r\n");
	expect(&f, "500 5.5.1");
	expect(&f, "421 4.7.0");
	expect_eof(&f);
	cl_close(&f);
	fx_stop(&f);
}

static void test_timeouts(void **state)
{
	struct fx f;
	struct mx_listener_params p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.command_timeout_ms = 150;
	p.data_timeout_ms = 150;
	fx_start(&f, &p);
	greet(&f);
	expect(&f, "421 4.4.2");
	expect_eof(&f);
	cl_close(&f);
	/* In the middle of DATA: nothing is queued. */
	greet(&f);
	cl_sends(&f, MAIL RCPT "DATA\r\n");
	expect(&f, "250");
	expect(&f, "250");
	expect(&f, "354");
	cl_sends(&f, "Subject: half\r\n\r\nhalf a mess");
	expect(&f, "421 4.4.2");
	expect_eof(&f);
	cl_close(&f);
	assert_int_equal(queue_count(&f), 0);
	assert_true(
		rfx_log_has(&f.log, "timeout during DATA (nothing queued)"));
	fx_stop(&f);
}

/* Shutdown in the middle of DATA: 421, nothing queued. */
static void test_shutdown(void **state)
{
	struct fx f;

	(void)state;
	fx_start(&f, NULL);
	greet(&f);
	cl_sends(&f, MAIL RCPT "DATA\r\n");
	expect(&f, "250");
	expect(&f, "250");
	expect(&f, "354");
	cl_sends(&f, "Subject: half\r\n\r\n");
	pump(&f, 10);
	mx_listener_shutdown(f.l);
	expect(&f, "421 4.3.2");
	expect_eof(&f);
	cl_close(&f);
	assert_int_equal(queue_count(&f), 0);
	fx_stop(&f);
}

/* ---- STARTTLS with the probe's SMTP client ---------------------------- */

struct tls_run {
	struct fx *f;
	struct mx_smtp smtp;
	struct mx_tls tls;
	int step;
	int done;
	int codes[8];
	struct mx_buf payload;
};

static void tls_reply(void *arg, struct mx_smtp_client *c,
		      const struct mx_smtp_reply *r);

static void tls_next(struct tls_run *t, struct mx_smtp_client *c)
{
	static const char *const cmds[] = {"MAIL FROM:<a@lab.test>",
					   "RCPT TO:<b@lab.test>", "DATA"};

	if (t->step < 3) {
		assert_int_equal(mx_smtp_client_cmd(c, cmds[t->step], 0,
						    tls_reply, t),
				 0);
	} else if (t->step == 3) {
		assert_int_equal(mx_smtp_client_data(c, t->payload.p,
						     t->payload.len, tls_reply,
						     t),
				 0);
	} else {
		mx_smtp_client_quit(c);
	}
}

static void tls_reply(void *arg, struct mx_smtp_client *c,
		      const struct mx_smtp_reply *r)
{
	struct tls_run *t = arg;

	if (r == NULL)
		return;
	t->codes[t->step++] = r->code;
	tls_next(t, c);
}

static void tls_ready(void *arg, struct mx_smtp_client *c)
{
	struct tls_run *t = arg;

	/* After TLS, STARTTLS is no longer offered (RFC 3207 §4.2). */
	assert_true(mx_smtp_client_tls_active(c));
	tls_next(t, c);
}

static void tls_done(void *arg, struct mx_smtp_client *c)
{
	struct tls_run *t = arg;

	(void)c;
	t->done = 1;
}

static void test_starttls(void **state)
{
	static const struct mx_smtp_client_cbs cbs = {tls_ready, tls_done};
	static const char msg[] = "Subject: over TLS\r\n\r\n.dot\r\nend\r\n";
	struct fx f;
	struct mx_listener_params p;
	struct mx_smtp_params sp;
	struct mx_tls_params tp;
	struct mx_smtp_client *c;
	struct tls_run t;
	char cert[256], key[256], ca[256];
	uint8_t *got = NULL;
	size_t len = 0;
	struct mx_envelope env;
	struct mx_spool_diag d;
	int64_t t0;

	(void)state;
	snprintf(cert, sizeof(cert), "%s/certs/chain.pem", data_dir());
	snprintf(key, sizeof(key), "%s/certs/leaf.key", data_dir());
	snprintf(ca, sizeof(ca), "%s/certs/root.pem", data_dir());
	memset(&p, 0, sizeof(p));
	p.tls_cert = cert;
	p.tls_key = key;
	fx_start(&f, &p);

	memset(&t, 0, sizeof(t));
	t.f = &f;
	mx_buf_init(&t.payload, 0);
	assert_int_equal(mx_smtp_dot_stuff((const uint8_t *)msg, strlen(msg), 0,
					   &t.payload, NULL),
			 MX_DATA_OK);
	memset(&tp, 0, sizeof(tp));
	tp.security_level = -1;
	tp.sni = "mx1.lab.test";
	tp.ca_file = ca;
	memset(&sp, 0, sizeof(sp));
	sp.host = "mx1.lab.test";
	sp.addr = "127.0.0.1";
	sp.port = mx_listener_port(f.l);
	sp.mode = MX_MODE_STARTTLS;
	sp.helo = "client.test";
	sp.starttls = 1;
	sp.require_tls = 1;
	sp.tls = &mx_tls_openssl;
	sp.tls_params = &tp;
	sp.connect_timeout_ms = sp.greeting_timeout_ms = sp.command_timeout_ms =
		sp.tls_timeout_ms = WAIT_MS;
	c = mx_smtp_client_new(f.base, &sp, &t.smtp, &t.tls, &cbs, &t);
	assert_int_equal(mx_smtp_client_start(c), 0);
	t0 = mx_now_ms();
	while (!t.done && mx_now_ms() - t0 < 2 * WAIT_MS)
		event_base_loop(f.base, EVLOOP_ONCE);
	assert_true(t.done);
	assert_int_equal(t.smtp.stop, MX_STOP_NONE);
	assert_true(t.tls.completed);
	assert_int_equal(t.tls.verify_code, 0);
	assert_true(t.smtp.caps.flags & MX_SMTP_CAP_STARTTLS);
	assert_int_equal(t.smtp.caps.size, 4096);
	assert_false(t.smtp.caps_tls.flags & MX_SMTP_CAP_STARTTLS);
	assert_int_equal(t.codes[0], 250);
	assert_int_equal(t.codes[1], 250);
	assert_int_equal(t.codes[2], 354);
	assert_int_equal(t.codes[3], 250);
	mx_smtp_client_free(c);
	mx_smtp_clear(&t.smtp);
	mx_tls_clear(&t.tls);
	mx_buf_free(&t.payload);

	assert_int_equal(queue_count(&f), 1);
	memset(&env, 0, sizeof(env));
	assert_int_equal(mx_spool_load(f.sp.spool, MX_SPOOL_AREA_QUEUE,
				       f.last_id, &env, &got, &len, &d),
			 MX_SPOOL_OK);
	assert_int_equal(len, strlen(msg));
	assert_memory_equal(got, msg, len);
	free(got);
	mx_envelope_clear(&env);
	assert_true(rfx_log_has(&f.log,
				"ICID 1 TLS success protocol TLSv1.3 cipher "));
	t0 = mx_now_ms();
	while (mx_listener_sessions(f.l) > 0 && mx_now_ms() - t0 < WAIT_MS)
		event_base_loop(f.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	fx_stop(&f);
}

/* RFC 3207 §4.2: commands pipelined after STARTTLS are dropped, and a
 * client that then does not speak TLS gets nothing queued. */
static void test_starttls_pipelined(void **state)
{
	struct fx f;
	struct mx_listener_params p;
	char cert[256], key[256];

	(void)state;
	snprintf(cert, sizeof(cert), "%s/certs/chain.pem", data_dir());
	snprintf(key, sizeof(key), "%s/certs/leaf.key", data_dir());
	memset(&p, 0, sizeof(p));
	p.tls_cert = cert;
	p.tls_key = key;
	fx_start(&f, &p);
	cl_connect(&f);
	expect(&f, "220");
	cl_sends(&f, "EHLO client.test\r\n");
	expect(&f, "250-relay.test");
	cl_sends(&f, "STARTTLS\r\n" MAIL RCPT "DATA\r\n");
	expect(&f, "220 2.0.0");
	pump(&f, 20);
	assert_true(rfx_log_has(&f.log,
				"dropped 52 octets pipelined after STARTTLS"));
	/* Not a ClientHello: the handshake fails and the session ends. */
	cl_sends(&f, "EHLO x\r\n");
	expect_eof(&f);
	cl_close(&f);
	assert_true(rfx_log_has(&f.log, "ICID 1 TLS failed: "));
	assert_int_equal(queue_count(&f), 0);
	fx_stop(&f);
}

static void test_bad_tls_files(void **state)
{
	struct fx f;
	struct mx_listener_params p;
	char cert[256], key[256], err[256];

	(void)state;
	memset(&f, 0, sizeof(f));
	rfx_spool_open(&f.sp, "test_listener", &f.rnd);
	f.base = event_base_new();
	memset(&p, 0, sizeof(p));
	p.addr = "127.0.0.1";
	p.spool = f.sp.spool;
	/* A key that does not belong to the certificate. */
	snprintf(cert, sizeof(cert), "%s/certs/chain.pem", data_dir());
	snprintf(key, sizeof(key), "%s/certs/ec256.key", data_dir());
	p.tls_cert = cert;
	p.tls_key = key;
	assert_null(mx_listener_new(f.base, &p, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match"));
	/* A certificate without a key. */
	p.tls_key = NULL;
	assert_null(mx_listener_new(f.base, &p, err, sizeof(err)));
	/* Missing file. */
	p.tls_key = "/nonexistent/key.pem";
	assert_null(mx_listener_new(f.base, &p, err, sizeof(err)));
	/* A bad bind address. */
	p.tls_cert = p.tls_key = NULL;
	p.addr = "localhost";
	assert_null(mx_listener_new(f.base, &p, err, sizeof(err)));
	rfx_spool_close(&f.sp);
	event_base_free(f.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input_table),
		cmocka_unit_test(test_mail_before_ehlo),
		cmocka_unit_test(test_command_length_sweep),
		cmocka_unit_test(test_data_line_sweep),
		cmocka_unit_test(test_size_sweep),
		cmocka_unit_test(test_octet_sweep),
		cmocka_unit_test(test_message_queued),
		cmocka_unit_test(test_null_sender_after_reject),
		cmocka_unit_test(test_spool_failure),
		cmocka_unit_test(test_not_allowed),
		cmocka_unit_test(test_too_many_clients),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_starttls_pipelined),
		cmocka_unit_test(test_bad_tls_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
