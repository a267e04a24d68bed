/*
 * test_capjudge.c - findings from capture sessions (analyzers/capjudge.h)
 * on sessions written by hand: a close right after the hello (FIN and
 * RST), a reset at another time, retransmissions and zero windows,
 * alerts from either side, bytes that are not TLS, DH and EC sizes at the
 * thresholds, SMTP failure replies paired with their commands (PIPELINING,
 * AUTH continuations), hello intolerance across sessions, and the
 * capture's own findings (drops, truncation, no mail, midstream).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/capjudge.h"
#include "wire/tls_registry.h"

static struct mx_capsess *sess(void)
{
	struct mx_capsess *s = malloc(sizeof(*s));

	assert_non_null(s);
	mx_capsess_init(s);
	s->id = 1;
	snprintf(s->client, sizeof(s->client), "192.0.2.1");
	snprintf(s->server, sizeof(s->server), "192.0.2.25");
	s->cport = 40000;
	s->sport = 25;
	s->start_us = 1000000;
	return s;
}

static void sess_free(struct mx_capsess *s)
{
	mx_capsess_clear(s);
	free(s);
}

static void line(struct mx_capsess *s, int dir, int code, const char *t)
{
	assert_true(s->nsmtp < MX_CAP_MAX_SMTP);
	s->smtp_lines[s->nsmtp].dir = (uint8_t)dir;
	s->smtp_lines[s->nsmtp].code = code;
	s->smtp_lines[s->nsmtp].text = strdup(t);
	s->nsmtp++;
	s->smtp = 1;
}

static struct mx_cap_hello *hello(struct mx_capsess *s, size_t len,
				  uint16_t maxv, const uint16_t *suites,
				  unsigned n, const char *ja3)
{
	struct mx_cap_hello *h = &s->hellos[s->nhellos++];
	unsigned i;

	h->len = len;
	h->max_version = maxv;
	h->legacy_version = MX_TLS12;
	h->nsuites = n;
	for (i = 0; i < n && i < 64; i++)
		h->suites[i] = suites[i];
	h->next = 10;
	h->ngroups = 4;
	snprintf(h->ja3_md5, sizeof(h->ja3_md5), "%s", ja3);
	snprintf(h->sni, sizeof(h->sni), "mx1.lab.test");
	s->tls = 1;
	return h;
}

static const char *ev(const struct mx_findings *fs, const char *id)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].def->id, id) == 0)
			return fs->v[i].evidence;
	fail_msg("no %s", id);
	return NULL;
}

static const char *fix(const struct mx_findings *fs, const char *id)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].def->id, id) == 0)
			return fs->v[i].fix ? fs->v[i].fix : fs->v[i].def->fix;
	return "";
}

static const uint16_t big[] = {0x1301, 0x1302, 0xc02b, 0xc02f, 0xc02c,
			       0xc030, 0x009e, 0xc013, 0x002f, 0x000a};
static const uint16_t small[] = {0xc013, 0x002f, 0x000a};

static void test_fin_after_hello(void **state)
{
	struct mx_capsess *s = sess();
	struct mx_findings fs = {0};
	const char *e;

	(void)state;
	hello(s, 517, MX_TLS13, big, 10, "aaaa");
	s->close_after_hello_us = 3200;
	s->fin_dir[1] = 1;
	mx_capjudge_session(s, &fs, "mx [192.0.2.25]:25");
	assert_int_equal(fs.n, 1);
	e = ev(&fs, "tcp.fin_after_client_hello");
	assert_non_null(strstr(e, "the server sent FIN 3 ms after the "
				  "ClientHello"));
	assert_non_null(strstr(e, "517 B, TLSv1.3 max, 10 suites (AES-GCM, "
				  "CBC, 3DES, ECDHE, DHE, static RSA; offers "
				  "TLS 1.3)"));
	assert_non_null(strstr(e, "SNI mx1.lab.test"));
	assert_string_equal(fs.v[0].where, "mx [192.0.2.25]:25");
	assert_int_equal(fs.v[0].severity, MX_SEV_CRIT);
	mx_findings_clear(&fs);
	/* a RST right after the hello: the same finding, and the RST named */
	s->close_after_hello_rst = 1;
	s->fin_dir[1] = 0;
	s->rst_dir[1] = 1;
	s->rst_us[1] = 2000000;
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 2);
	assert_non_null(strstr(ev(&fs, "tcp.fin_after_client_hello"), "RST"));
	assert_string_equal(ev(&fs, "tcp.reset_by_peer"),
			    "the server reset the connection 3 ms after the "
			    "ClientHello, with no alert: the server or a "
			    "middlebox refuses that hello");
	mx_findings_clear(&fs);
	/* a RST after the server's own FIN is a teardown */
	s->close_after_hello_us = -1;
	s->fin_dir[1] = 1;
	s->fin_us[1] = 1900000;
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 0);
	sess_free(s);
}

static void test_tcp(void **state)
{
	struct mx_capsess *s = sess();
	struct mx_findings fs = {0};

	(void)state;
	mx_capsess_event(s, 1100000, 4, 0, MX_CAP_EV_SMTP, 0, "EHLO x");
	mx_capsess_event(s, 1250000, 5, 1, MX_CAP_EV_RST, 0, "server RST");
	s->rst_dir[1] = 1;
	s->rst_us[1] = 1250000;
	s->retrans[0] = 2;
	s->retrans[1] = 3;
	s->gap_bytes[1] = 100;
	s->zero_windows[1] = 1;
	mx_capjudge_session(s, &fs, "w");
	assert_string_equal(ev(&fs, "tcp.reset_by_peer"),
			    "the server reset the connection 250 ms after its "
			    "first packet; the last thing before it: EHLO x");
	assert_string_equal(ev(&fs, "tcp.retransmissions"),
			    "5 retransmitted segments (client 2, server 3); "
			    "100 bytes were never captured");
	assert_non_null(strstr(ev(&fs, "tcp.zero_window"), "1 times by the "
							   "server"));
	assert_int_equal(fs.n, 3);
	mx_findings_clear(&fs);
	sess_free(s);
}

static void test_alerts(void **state)
{
	struct mx_capsess *s = sess();
	struct mx_findings fs = {0};

	(void)state;
	hello(s, 300, MX_TLS12, small, 3, "bbbb");
	s->alert = 40;
	s->alert_level = 2;
	s->alert_desc = 40;
	s->alert_dir = 1;
	mx_capjudge_session(s, &fs, "w");
	assert_non_null(strstr(ev(&fs, "tls.handshake_failed"),
			       "the server sent fatal alert 40 "
			       "(handshake_failure) after the ClientHello"));
	assert_non_null(
		strstr(fix(&fs, "tls.handshake_failed"), "nothing it accepts"));
	mx_findings_clear(&fs);
	/* the client refuses the chain */
	s->alert = 48;
	s->alert_desc = 48;
	s->alert_dir = 0;
	mx_capjudge_session(s, &fs, "w");
	assert_non_null(strstr(ev(&fs, "tls.handshake_failed"),
			       "the client sent fatal alert 48 (unknown_ca)"));
	assert_non_null(
		strstr(fix(&fs, "tls.handshake_failed"), "trust store"));
	mx_findings_clear(&fs);
	/* a warning is nothing */
	s->alert_level = 1;
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 0);
	/* but a close_notify from the server instead of a ServerHello is */
	s->alert = 0;
	s->alert_desc = 0;
	s->alert_dir = 1;
	mx_capjudge_session(s, &fs, "w");
	assert_non_null(strstr(ev(&fs, "tls.handshake_failed"),
			       "the server sent warning alert 0 "
			       "(close_notify) after the ClientHello"));
	mx_findings_clear(&fs);
	sess_free(s);
}

static void test_silence(void **state)
{
	struct mx_capsess *s = sess();
	struct mx_findings fs = {0};

	(void)state;
	hello(s, 300, MX_TLS12, small, 3, "bbbb")->t_us = 1100000;
	s->fin_dir[0] = 1;
	s->fin_us[0] = 31100000;
	mx_capjudge_session(s, &fs, "w");
	assert_non_null(strstr(ev(&fs, "tls.handshake_failed"),
			       "the server sent nothing after the "
			       "ClientHello (300 B"));
	assert_non_null(strstr(ev(&fs, "tls.handshake_failed"),
			       "closed 30000 ms later"));
	mx_findings_clear(&fs);
	/* an answer came: not silence */
	s->hello_answer_us = 2000;
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 0);
	sess_free(s);
}

static void test_not_tls(void **state)
{
	struct mx_capsess *s = sess();
	struct mx_findings fs = {0};

	(void)state;
	s->starttls_reply = 220;
	mx_capsess_event(s, 1, 9, 1, MX_CAP_EV_NOT_TLS, 5,
			 "server sent bytes that are not TLS: '500 x'");
	mx_capjudge_session(s, &fs, "w");
	assert_non_null(strstr(ev(&fs, "tls.handshake_failed"),
			       "not TLS: '500 x' (after STARTTLS)"));
	mx_findings_clear(&fs);
	sess_free(s);

	s = sess();
	s->implicit_tls = 1;
	hello(s, 300, MX_TLS12, small, 3, "cccc");
	line(s, 1, 220, "220 mx ESMTP");
	mx_capjudge_session(s, &fs, "w");
	assert_non_null(strstr(ev(&fs, "tls.handshake_failed"),
			       "plain SMTP: '220 mx ESMTP'"));
	mx_findings_clear(&fs);
	sess_free(s);
}

static void test_key_exchange(void **state)
{
	struct mx_capsess *s = sess();
	struct mx_findings fs = {0};

	(void)state;
	s->suite = 0x009e;
	s->dh_bits = 1024;
	snprintf(s->dh_prime_name, sizeof(s->dh_prime_name),
		 "RFC 2409 group 2 (1024 bit)");
	s->dh_prime_known_safe = 1;
	mx_capjudge_session(s, &fs, "w");
	assert_string_equal(ev(&fs, "kex.dh_1024"),
			    "the server's ServerKeyExchange has a 1024-bit DH "
			    "group (RFC 2409 group 2 (1024 bit), a safe prime) "
			    "for DHE-RSA-AES128-GCM-SHA256. OpenSSL clients at "
			    "security level 2 abort such a handshake with 'dh "
			    "key too small'");
	assert_true(mx_findings_has(&fs, "kex.dh_common_prime"));
	assert_false(mx_findings_has(&fs, "kex.temp_key_weak"));
	mx_findings_clear(&fs);
	s->dh_bits = 1536;
	s->dh_prime_name[0] = '\0';
	s->dh_prime_known_safe = -1;
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 1);
	assert_non_null(strstr(ev(&fs, "kex.temp_key_weak"),
			       "1536 bits (a custom prime; minimum 2048)"));
	assert_int_equal(fs.v[0].severity, MX_SEV_WARN);
	mx_findings_clear(&fs);
	s->dh_bits = 2048;
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 0);
	s->dh_bits = 0;
	s->group = 19; /* secp192r1 */
	mx_capjudge_session(s, &fs, "w");
	assert_non_null(strstr(ev(&fs, "kex.temp_key_weak"), "192 bits"));
	mx_findings_clear(&fs);
	s->group = 0x001d;
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 0);
	sess_free(s);
}

static void test_smtp(void **state)
{
	struct mx_capsess *s = sess();
	struct mx_findings fs = {0};

	(void)state;
	line(s, 1, 220, "220 mx ESMTP");
	line(s, 0, 0, "EHLO c");
	line(s, 1, 250, "250-mx");
	line(s, 1, 250, "250 AUTH LOGIN");
	line(s, 0, 0, "AUTH LOGIN");
	line(s, 1, 334, "334 [AUTH data withheld]");
	line(s, 0, 0, "[AUTH data withheld]");
	line(s, 1, 334, "334 [AUTH data withheld]");
	line(s, 0, 0, "[AUTH data withheld]");
	line(s, 1, 535, "535 5.7.8 Authentication Credentials Invalid");
	line(s, 0, 0, "MAIL FROM:<a@b>");
	line(s, 0, 0, "RCPT TO:<c@d>");
	line(s, 0, 0, "RCPT TO:<e@f>");
	line(s, 1, 530, "530-5.7.0 Authentication required");
	line(s, 1, 530, "530 5.7.0 really");
	line(s, 1, 550, "550 5.1.1 no such user");
	line(s, 1, 451, "451 4.3.0 try later");
	mx_capjudge_session(s, &fs, "w");
	assert_string_equal(ev(&fs, "smtp.auth_failed"),
			    "auth: 535 5.7.8 Authentication Credentials "
			    "Invalid");
	assert_non_null(strstr(fix(&fs, "smtp.auth_failed"), "SES"));
	assert_string_equal(ev(&fs, "smtp.auth_required"),
			    "mail: 530 5.7.0 Authentication required\nreally");
	assert_true(mx_findings_has(&fs, "smtp.recipient_rejected"));
	assert_true(mx_findings_has(&fs, "smtp.temp_failure"));
	assert_string_equal(ev(&fs, "smtp.starttls_missing"),
			    "the EHLO reply does not list STARTTLS: this "
			    "session ran in clear text");
	assert_int_equal(fs.n, 5);
	mx_findings_clear(&fs);
	sess_free(s);

	/* a refused greeting */
	s = sess();
	line(s, 1, 554, "554 5.7.1 go away");
	mx_capjudge_session(s, &fs, "w");
	assert_true(mx_findings_has(&fs, "smtp.greeting_rejected"));
	mx_findings_clear(&fs);
	sess_free(s);
}

static void test_intolerance(void **state)
{
	struct mx_capjudge *j = mx_capjudge_new();
	struct mx_capsess *a = sess(), *b = sess(), *c = sess(), *d = sess();
	struct mx_findings fs = {0};
	const char *e;

	(void)state;
	/* a: the big hello is dropped */
	hello(a, 517, MX_TLS13, big, 10, "aaaa");
	a->close_after_hello_us = 2000;
	/* c: the same big hello to another server works: not related */
	c->id = 2;
	snprintf(c->server, sizeof(c->server), "192.0.2.26");
	hello(c, 300, MX_TLS12, small, 3, "bbbb");
	c->server_hello = 1;
	/* d: the same hello again to the same server works: no contrast */
	d->id = 3;
	hello(d, 517, MX_TLS13, big, 10, "aaaa");
	d->server_hello = 1;
	/* b: a smaller hello works */
	b->id = 4;
	b->cport = 40001;
	hello(b, 300, MX_TLS12, small, 3, "bbbb");
	b->server_hello = 1;
	b->version = MX_TLS12;
	b->suite = 0xc013;
	mx_capjudge_capture(j, a, &fs, "w");
	mx_capjudge_capture(j, c, &fs, "w");
	mx_capjudge_capture(j, d, &fs, "w");
	assert_int_equal(fs.n, 0);
	mx_capjudge_capture(j, b, &fs, "w4");
	assert_int_equal(fs.n, 1);
	e = ev(&fs, "tls.hello_intolerance");
	assert_non_null(strstr(e, "session 1: the ClientHello (517 B, "
				  "TLSv1.3 max"));
	assert_non_null(strstr(e, "got a server FIN 2 ms later"));
	assert_non_null(strstr(e, "session 4: a different ClientHello (300 "
				  "B, TLSv1.2 max"));
	assert_non_null(strstr(e, "ServerHello TLSv1.2 ECDHE-RSA-AES128-SHA"));
	assert_non_null(strstr(e, "only the refused hello offered TLSv1.3"));
	assert_non_null(strstr(e, "suites only in it: TLS_AES_128_GCM_SHA256"));
	assert_non_null(strstr(e, "217 bytes larger"));
	assert_string_equal(fs.v[0].where, "w4");
	mx_findings_clear(&fs);
	/* reported once */
	mx_capjudge_capture(j, b, &fs, "w4");
	assert_int_equal(fs.n, 0);
	mx_capjudge_free(j);
	sess_free(a);
	sess_free(b);
	sess_free(c);
	sess_free(d);
}

static void test_totals(void **state)
{
	struct mx_capture *c = mx_capture_new();
	struct mx_findings fs = {0};
	struct mx_capsess *s = sess();

	(void)state;
	c->frames = 10;
	c->dropped = 3;
	c->if_dropped = 1;
	c->truncated = 1;
	snprintf(c->file_error, sizeof(c->file_error), "truncated dump file");
	mx_capjudge_totals(c, &fs);
	assert_string_equal(ev(&fs, "capture.dropped"),
			    "the capture missed 4 packets (kernel 3, interface "
			    "1): the timeline may be incomplete");
	assert_non_null(strstr(ev(&fs, "capture.truncated"),
			       "after 10 frames: truncated dump file"));
	assert_true(mx_findings_has(&fs, "capture.no_mail"));
	assert_false(mx_findings_has(&fs, "capture.midstream"));
	mx_findings_clear(&fs);
	/* sessions in the list count too */
	c->dropped = c->if_dropped = 0;
	c->truncated = 0;
	s->midstream = 1;
	s->smtp = 1;
	mx_capture_add(c, s);
	mx_capjudge_totals(c, &fs);
	assert_int_equal(fs.n, 1);
	assert_string_equal(ev(&fs, "capture.midstream"),
			    "1 session began before the capture did (no "
			    "SYN): their start (greeting, STARTTLS, hellos) "
			    "may be missing");
	mx_findings_clear(&fs);
	/* or the decoder's counters alone */
	c->nsess = 0;
	c->mail_sessions = 2;
	mx_capjudge_totals(c, &fs);
	assert_int_equal(fs.n, 0);
	c->nsess = 1;
	mx_capture_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fin_after_hello),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_key_exchange),
		cmocka_unit_test(test_smtp),
		cmocka_unit_test(test_intolerance),
		cmocka_unit_test(test_totals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
