/*
 * test_capdec.c - the capture decoder (analyzers/capdec.h) on scripted
 * sessions: Ethernet/IPv4/TCP frames built here, SMTP lines, and real TLS
 * bytes (the golden ClientHellos and the s_server flights of
 * tests/data/tls, see its README).
 *
 * Cases: a STARTTLS session end to end (every frame noted), implicit TLS
 * found by content on port 2587 with a 1024-bit DH group named, a FIN and
 * a RST right after the ClientHello (delay measured), a RST in the SMTP
 * dialogue, a handshake_failure alert, a TLS 1.3 HelloRetryRequest and
 * second hello, retransmissions, AUTH PLAIN and LOGIN withheld (the
 * canary password and its base64 appear nowhere; every frame that
 * carried them is reported secret), 535 judged smtp.auth_failed,
 * malformed TLS (a decode_error, no crash), a hello split over records
 * and segments, overlong SMTP lines, session order, a non-mail flow,
 * frames that are not TCP, and a hostile sweep (every prefix and bit
 * flips of a whole session, under ASan in the sanitizer build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/capdec.h"
#include "analyzers/capjudge.h"
#include "common/base64.h"
#include "common/buf.h"
#include "wire/tls_registry.h"

#define MAXF 4096

/* ---- what the decoder reported ----------------------------------------- */

struct got {
	struct mx_capsess *s[400];
	size_t ns;
	struct mx_buf notes; /* "frame flow dir: text\n" */
	uint8_t noted[MAXF], secret[MAXF];
};

static void on_session(void *arg, struct mx_capsess *s)
{
	struct got *g = arg;

	assert_true(g->ns < 400);
	g->s[g->ns++] = s;
}

static void on_note(void *arg, uint64_t frame, unsigned flow, int dir,
		    const char *text)
{
	struct got *g = arg;

	assert_true(frame > 0 && frame < MAXF);
	g->noted[frame] = 1;
	mx_buf_printf(&g->notes, "%llu %u %d: %s\n", (unsigned long long)frame,
		      flow, dir, text);
}

static void on_secret(void *arg, uint64_t frame)
{
	struct got *g = arg;

	assert_true(frame > 0 && frame < MAXF);
	g->secret[frame] = 1;
}

/* ---- frames -------------------------------------------------------------- */

struct net {
	struct mx_capdec *d;
	struct got g;
	uint64_t frames;
	int64_t t;
	struct mx_buf *rec; /* frames as [u16 length][bytes], or NULL */
};

struct conn {
	struct net *n;
	uint8_t ip[2][4]; /* client, server */
	uint16_t port[2];
	uint32_t seq[2];
	uint64_t last; /* frame number of the last segment */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One Ethernet/IPv4/TCP frame from side dir; returns its number. */
static uint64_t seg(struct conn *c, int dir, uint8_t flags, uint32_t seq,
		    const void *p, size_t len, uint16_t window)
{
	static const uint8_t mac[2][6] = {{2, 0, 0, 0, 0, 1},
					  {2, 0, 0, 0, 0, 2}};
	uint8_t f[14 + 20 + 20 + 1500];

	assert_true(len <= 1500);
	memcpy(f, mac[!dir], 6);
	memcpy(f + 6, mac[dir], 6);
	put16(f + 12, 0x0800);
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	put16(f + 16, (uint16_t)(40 + len));
	put16(f + 20, 0x4000);
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, c->ip[dir], 4);
	memcpy(f + 30, c->ip[!dir], 4);
	put16(f + 34, c->port[dir]);
	put16(f + 36, c->port[!dir]);
	put32(f + 38, seq);
	put32(f + 42, (flags & 0x10) ? c->seq[!dir] : 0);
	f[46] = 0x50;
	f[47] = flags;
	put16(f + 48, window);
	if (len)
		memcpy(f + 54, p, len);
	c->n->t += 100;
	if (c->n->rec) {
		mx_buf_push_u16(c->n->rec, (uint16_t)(54 + len));
		mx_buf_push(c->n->rec, f, 54 + len);
	}
	mx_capdec_frame(c->n->d, f, 54 + len, 54 + len, c->n->t);
	c->last = ++c->n->frames;
	return c->last;
}

static uint64_t tx(struct conn *c, int dir, uint8_t flags, const void *p,
		   size_t len)
{
	uint64_t fr = seg(c, dir, flags, c->seq[dir], p, len, 65535);

	c->seq[dir] += (uint32_t)len + ((flags & 0x03) ? 1 : 0);
	return fr;
}

/* Bytes in segments of at most mss. */
static void data(struct conn *c, int dir, const void *p, size_t len, size_t mss)
{
	const uint8_t *b = p;

	while (len > 0) {
		size_t k = len < mss ? len : mss;

		tx(c, dir, 0x18, b, k);
		b += k;
		len -= k;
	}
}

static void say(struct conn *c, int dir, const char *s)
{
	data(c, dir, s, strlen(s), 1400);
}

static void conn_init(struct conn *c, struct net *n, int k, uint16_t sport)
{
	memset(c, 0, sizeof(*c));
	c->n = n;
	memcpy(c->ip[0], (uint8_t[]){127, 0, 0, 1}, 4);
	memcpy(c->ip[1], (uint8_t[]){127, 0, 0, 31}, 4);
	c->port[0] = (uint16_t)(40000 + k);
	c->port[1] = sport;
	c->seq[0] = 1000u * (uint32_t)k + 7;
	c->seq[1] = 0xfffff000u; /* wraps during the session */
}

static void open3(struct conn *c)
{
	tx(c, 0, 0x02, NULL, 0);
	tx(c, 1, 0x12, NULL, 0);
	tx(c, 0, 0x10, NULL, 0);
}

static void close4(struct conn *c)
{
	tx(c, 0, 0x11, NULL, 0);
	tx(c, 1, 0x11, NULL, 0);
	tx(c, 0, 0x10, NULL, 0);
}

static void net_init(struct net *n, int linktype)
{
	struct mx_capdec_cb cb = {0};

	memset(n, 0, sizeof(*n));
	mx_buf_init(&n->g.notes, 0);
	cb.arg = &n->g;
	cb.session = on_session;
	cb.note = on_note;
	cb.secret = on_secret;
	n->t = 1700000000LL * 1000000;
	n->d = mx_capdec_new(linktype, NULL, &cb);
	assert_non_null(n->d);
}

static void net_finish(struct net *n)
{
	mx_capdec_finish(n->d);
}

static void net_free(struct net *n)
{
	size_t i;

	for (i = 0; i < n->g.ns; i++) {
		mx_capsess_clear(n->g.s[i]);
		free(n->g.s[i]);
	}
	mx_buf_free(&n->g.notes);
	mx_capdec_free(n->d);
}

static const char *notes(struct net *n)
{
	return n->g.notes.p ? (const char *)n->g.notes.p : "";
}

static void all_noted(struct net *n)
{
	uint64_t i;

	for (i = 1; i <= n->frames; i++)
		if (!n->g.noted[i])
			fail_msg("frame %llu has no note",
				 (unsigned long long)i);
}

static const struct mx_cap_event *find_ev(const struct mx_capsess *s, int kind)
{
	size_t i;

	for (i = 0; i < s->nev; i++)
		if (s->ev[i].kind == kind)
			return &s->ev[i];
	return NULL;
}

static uint8_t *read_tls(const char *name, size_t *len)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tls/%s", dir ? dir : "tests/data",
		 name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void send_file(struct conn *c, int dir, const char *name, size_t mss)
{
	size_t len;
	uint8_t *b = read_tls(name, &len);

	data(c, dir, b, len, mss);
	free(b);
}

static int has_finding(const struct mx_findings *fs, const char *id)
{
	return mx_findings_has(fs, id);
}

static const char *evidence(const struct mx_findings *fs, const char *id)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].def->id, id) == 0)
			return fs->v[i].evidence;
	return "";
}

/* Encrypted-looking records: CCS, then a record of type t. */
static void finish_tls(struct conn *c, int dir)
{
	uint8_t r[6 + 5 + 40];

	memcpy(r, (uint8_t[]){0x14, 3, 3, 0, 1, 1, 0x16, 3, 3, 0, 40}, 11);
	memset(r + 11, 0xa5, 40);
	data(c, dir, r, sizeof(r), 1400);
}

static void appdata(struct conn *c, int dir, size_t n)
{
	uint8_t r[5 + 300];

	assert_true(n <= 300);
	memcpy(r, (uint8_t[]){0x17, 3, 3, (uint8_t)(n >> 8), (uint8_t)n}, 5);
	memset(r + 5, 0x5a, n);
	data(c, dir, r, n + 5, 1400);
}

/* The scripted SMTP part up to and including 220 to STARTTLS. */
static void smtp_to_starttls(struct conn *c)
{
	say(c, 1, "220 mx1.lab.test ESMTP\r\n");
	say(c, 0, "EHLO client.lab.test\r\n");
	say(c, 1,
	    "250-mx1.lab.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
	    "250 STARTTLS\r\n");
	say(c, 0, "STARTTLS\r\n");
	say(c, 1, "220 2.0.0 Ready to start TLS\r\n");
}

/* ---- cases ------------------------------------------------------------------ */

static void test_starttls_session(void **state)
{
	struct net n;
	struct conn c;
	const struct mx_capsess *s;
	const struct mx_cap_event *e;
	struct mx_findings fs = {0};

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 1, 25);
	open3(&c);
	smtp_to_starttls(&c);
	send_file(&c, 0, "hello_tls12.bin", 1400);
	send_file(&c, 1, "flight_tls12_ecdhe.bin", 1400);
	finish_tls(&c, 0);
	finish_tls(&c, 1);
	appdata(&c, 0, 200);
	appdata(&c, 1, 100);
	close4(&c);
	net_finish(&n);

	assert_int_equal(n.g.ns, 1);
	s = n.g.s[0];
	assert_string_equal(s->decode_error, "");
	assert_string_equal(s->client, "127.0.0.1");
	assert_string_equal(s->server, "127.0.0.31");
	assert_int_equal(s->sport, 25);
	assert_true(s->saw_syn);
	assert_false(s->midstream);
	assert_true(s->smtp);
	assert_true(s->starttls_offered);
	assert_true(s->starttls_sent);
	assert_int_equal(s->starttls_reply, 220);
	assert_false(s->implicit_tls);
	assert_true(s->tls);
	assert_int_equal(s->nhellos, 1);
	assert_int_equal(s->hellos[0].len, 512);
	assert_int_equal(s->hellos[0].max_version, MX_TLS12);
	assert_int_equal(s->hellos[0].nsuites, 20);
	assert_string_equal(s->hellos[0].sni, "mx1.lab.test");
	assert_int_equal(strlen(s->hellos[0].ja3_md5), 32);
	assert_true(s->server_hello);
	assert_int_equal(s->version, MX_TLS12);
	assert_int_equal(s->suite, 0xC02F);
	assert_int_equal(strlen(s->ja3s_md5), 32);
	assert_true(s->ncerts >= 1);
	assert_int_equal(s->group, 0x001d);
	assert_int_equal(s->dh_bits, 0);
	assert_true(s->encrypted);
	assert_int_equal(s->alert, -1);
	assert_int_equal(s->close_after_hello_us, -1);
	assert_int_equal(s->hello_answer_us, 100); /* the next frame */
	assert_true(s->fin_dir[0] && s->fin_dir[1]);
	/* transcript: 220, EHLO, 4 lines, STARTTLS, 220 */
	assert_int_equal(s->nsmtp, 8);
	assert_string_equal(s->smtp_lines[0].text, "220 mx1.lab.test ESMTP");
	assert_int_equal(s->smtp_lines[0].code, 220);
	assert_string_equal(s->smtp_lines[6].text, "STARTTLS");
	assert_int_equal(s->smtp_lines[6].dir, 0);
	/* the timeline */
	assert_non_null(find_ev(s, MX_CAP_EV_SYN));
	assert_non_null(find_ev(s, MX_CAP_EV_SYNACK));
	assert_non_null(find_ev(s, MX_CAP_EV_STARTTLS));
	e = find_ev(s, MX_CAP_EV_CLIENT_HELLO);
	assert_non_null(e);
	assert_string_equal(e->text, "ClientHello 512 B, TLSv1.2 max, 20 "
				     "suites, SNI mx1.lab.test");
	e = find_ev(s, MX_CAP_EV_SERVER_HELLO);
	assert_non_null(e);
	assert_string_equal(e->text, "ServerHello TLSv1.2 "
				     "ECDHE-RSA-AES128-GCM-SHA256");
	assert_non_null(find_ev(s, MX_CAP_EV_CERTIFICATE));
	assert_non_null(strstr(find_ev(s, MX_CAP_EV_SKE)->text, "x25519"));
	assert_non_null(find_ev(s, MX_CAP_EV_HELLO_DONE));
	assert_non_null(find_ev(s, MX_CAP_EV_CCS));
	assert_non_null(find_ev(s, MX_CAP_EV_ENCRYPTED));
	assert_non_null(find_ev(s, MX_CAP_EV_FIN));
	/* notes: every frame, with words */
	all_noted(&n);
	assert_non_null(strstr(notes(&n), ": SYN"));
	assert_non_null(strstr(notes(&n), ": SYN-ACK"));
	assert_non_null(strstr(notes(&n), ": SMTP: 250 STARTTLS"));
	assert_non_null(strstr(notes(&n), ": ClientHello 512 B"));
	assert_non_null(strstr(notes(&n), ": TLS application data 200 B"));
	/* a clean session has nothing to say */
	mx_capjudge_session(s, &fs, "w");
	assert_int_equal(fs.n, 0);
	mx_findings_clear(&fs);
	/* the totals */
	assert_int_equal(mx_capdec_totals(n.d)->frames, n.frames);
	assert_int_equal(mx_capdec_totals(n.d)->mail_sessions, 1);
	net_free(&n);
}

static void test_implicit_dhe1024(void **state)
{
	struct net n;
	struct conn c;
	const struct mx_capsess *s;
	struct mx_findings fs = {0};

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 2, 2587); /* not an implicit-TLS port */
	open3(&c);
	send_file(&c, 0, "hello_tls12.bin", 100); /* split in segments */
	send_file(&c, 1, "flight_tls12_dhe1024.bin", 1400);
	tx(&c, 0, 0x14, NULL, 0); /* the client resets: dh key too small */
	net_finish(&n);

	assert_int_equal(n.g.ns, 1);
	s = n.g.s[0];
	assert_string_equal(s->decode_error, "");
	assert_true(s->implicit_tls);
	assert_false(s->smtp);
	assert_true(s->tls);
	assert_int_equal(s->nhellos, 1);
	assert_int_equal(s->suite, 0x009E);
	assert_int_equal(s->dh_bits, 1024);
	assert_string_equal(s->dh_prime_name, "Postfix built-in 1024-bit "
					      "(1024 bit)");
	assert_non_null(strstr(find_ev(s, MX_CAP_EV_SKE)->text,
			       "DH 1024 bits (Postfix built-in 1024-bit)"));
	assert_true(s->rst_dir[0]);
	assert_false(s->rst_dir[1]);
	all_noted(&n);
	mx_capjudge_session(s, &fs, "w");
	assert_true(has_finding(&fs, "kex.dh_1024"));
	assert_non_null(
		strstr(evidence(&fs, "kex.dh_1024"), "dh key too small"));
	assert_true(has_finding(&fs, "kex.dh_common_prime"));
	assert_false(has_finding(&fs, "tcp.reset_by_peer"));
	mx_findings_clear(&fs);
	net_free(&n);
}

/* FIN (or RST) from the server 3 ms after the hello. */
static void close_after_hello(int rst)
{
	struct net n;
	struct conn c;
	const struct mx_capsess *s;
	const struct mx_cap_event *e;
	struct mx_findings fs = {0};
	char want[96];

	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 3, 25);
	open3(&c);
	smtp_to_starttls(&c);
	send_file(&c, 0, "hello_tls13.bin", 1400);
	tx(&c, 1, 0x10, NULL, 0); /* the server acks the hello */
	n.t += 2800;		  /* 3 ms after the hello's last segment */
	tx(&c, 1, rst ? 0x14 : 0x11, NULL, 0);
	if (!rst)
		close4(&c);
	net_finish(&n);

	assert_int_equal(n.g.ns, 1);
	s = n.g.s[0];
	assert_int_equal(s->close_after_hello_us, 3000);
	assert_int_equal(s->close_after_hello_rst, rst);
	assert_int_equal(s->nhellos, 1);
	assert_int_equal(s->hellos[0].max_version, MX_TLS13);
	e = find_ev(s, rst ? MX_CAP_EV_RST : MX_CAP_EV_FIN);
	assert_non_null(e);
	snprintf(want, sizeof(want),
		 "server %s 3 ms after ClientHello, no alert",
		 rst ? "RST" : "FIN");
	assert_string_equal(e->text, want);
	assert_non_null(strstr(notes(&n), want));
	all_noted(&n);
	mx_capjudge_session(s, &fs, "w");
	assert_true(has_finding(&fs, "tcp.fin_after_client_hello"));
	assert_non_null(strstr(evidence(&fs, "tcp.fin_after_client_hello"),
			       "3 ms after the ClientHello"));
	assert_non_null(strstr(evidence(&fs, "tcp.fin_after_client_hello"),
			       "offers TLS 1.3"));
	assert_non_null(
		strstr(evidence(&fs, "tcp.fin_after_client_hello"), "AES-GCM"));
	assert_int_equal(has_finding(&fs, "tcp.reset_by_peer"), rst);
	mx_findings_clear(&fs);
	net_free(&n);
}

static void test_fin_after_hello(void **state)
{
	(void)state;
	close_after_hello(0);
}

static void test_rst_after_hello(void **state)
{
	(void)state;
	close_after_hello(1);
}

static void test_reset_in_smtp(void **state)
{
	struct net n;
	struct conn c;
	struct mx_findings fs = {0};

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 4, 25);
	open3(&c);
	say(&c, 1, "220 mx1.lab.test ESMTP\r\n");
	say(&c, 0, "EHLO client.lab.test\r\n");
	tx(&c, 1, 0x14, NULL, 0);
	net_finish(&n);
	assert_int_equal(n.g.ns, 1);
	assert_int_equal(n.g.s[0]->close_after_hello_us, -1);
	mx_capjudge_session(n.g.s[0], &fs, "w");
	assert_true(has_finding(&fs, "tcp.reset_by_peer"));
	assert_non_null(strstr(evidence(&fs, "tcp.reset_by_peer"),
			       "EHLO client.lab.test"));
	mx_findings_clear(&fs);
	net_free(&n);
}

static void test_alert(void **state)
{
	struct net n;
	struct conn c;
	const struct mx_capsess *s;
	struct mx_findings fs = {0};

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 5, 465);
	open3(&c);
	send_file(&c, 0, "hello_tls12.bin", 1400);
	send_file(&c, 1, "flight_alert.bin", 1400);
	close4(&c);
	net_finish(&n);
	s = n.g.s[0];
	assert_int_equal(s->alert, 40);
	assert_int_equal(s->alert_level, 2);
	assert_int_equal(s->alert_dir, 1);
	assert_int_equal(s->close_after_hello_us, -1);
	assert_string_equal(find_ev(s, MX_CAP_EV_ALERT)->text,
			    "alert fatal handshake_failure (server)");
	mx_capjudge_session(s, &fs, "w");
	assert_true(has_finding(&fs, "tls.handshake_failed"));
	assert_non_null(strstr(evidence(&fs, "tls.handshake_failed"),
			       "fatal alert 40 (handshake_failure)"));
	assert_false(has_finding(&fs, "tcp.fin_after_client_hello"));
	mx_findings_clear(&fs);
	net_free(&n);
}

/* An implicit-TLS client on a port whose server greets in plain SMTP. */
static void test_implicit_on_smtp_port(void **state)
{
	struct net n;
	struct conn c;
	struct mx_findings fs = {0};

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 25, 25);
	open3(&c);
	say(&c, 1, "220 mx1.lab.test ESMTP\r\n");
	send_file(&c, 0, "hello_tls12.bin", 1400);
	say(&c, 1, "500 5.5.2 Error: bad syntax\r\n");
	close4(&c);
	net_finish(&n);
	assert_true(n.g.s[0]->implicit_tls);
	assert_int_equal(n.g.s[0]->nhellos, 1);
	assert_int_equal(n.g.s[0]->close_after_hello_us, -1);
	mx_capjudge_session(n.g.s[0], &fs, "w");
	assert_non_null(
		strstr(evidence(&fs, "tls.handshake_failed"), "plain SMTP"));
	mx_findings_clear(&fs);
	net_free(&n);
}

/* An SSLv2-framed ClientHello (RFC 6101 appendix E.2) as the first
 * bytes: implicit TLS, the hello recorded with its version. */
static void test_sslv2_hello(void **state)
{
	static const uint8_t v2[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15,
				     0x00, 0x00, 0x00, 0x10, 0x07, 0x00, 0xc0,
				     0x05, 0x00, 0x80, 0x03, 0x00, 0x80, 0x01,
				     0x00, 0x80, 0x06, 0x00, 0x40, 0x04, 0x00,
				     0x80, 0x02, 0x00, 0x80, 0x00, 0x01, 0x02,
				     0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
				     0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	struct net n;
	struct conn c;
	const struct mx_capsess *s;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 26, 465);
	open3(&c);
	data(&c, 0, v2, sizeof(v2), 1400);
	close4(&c);
	net_finish(&n);
	s = n.g.s[0];
	assert_true(s->implicit_tls);
	assert_int_equal(s->nhellos, 1);
	assert_int_equal(s->hellos[0].max_version, MX_TLS10);
	assert_string_equal(find_ev(s, MX_CAP_EV_CLIENT_HELLO)->text,
			    "ClientHello 48 B (SSLv2 format), TLSv1 max");
	assert_string_equal(s->decode_error, "");
	net_free(&n);
}

static void test_hrr(void **state)
{
	struct net n;
	struct conn c;
	const struct mx_capsess *s;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 6, 465);
	open3(&c);
	send_file(&c, 0, "hello_tls13_hrr.bin", 1400);
	send_file(&c, 1, "flight_tls13_hrr.bin", 1400);
	data(&c, 0, (uint8_t[]){0x14, 3, 3, 0, 1, 1}, 6, 1400);
	send_file(&c, 0, "hello_tls13.bin", 1400);
	send_file(&c, 1, "flight_tls13.bin", 1400);
	close4(&c);
	net_finish(&n);
	s = n.g.s[0];
	assert_string_equal(s->decode_error, "");
	assert_int_equal(s->nhellos, 2);
	assert_true(s->hrr);
	assert_true(s->server_hello);
	assert_int_equal(s->version, MX_TLS13);
	assert_int_equal(s->group, 0x001d);
	assert_true(s->encrypted);
	assert_non_null(find_ev(s, MX_CAP_EV_HRR));
	assert_non_null(strstr(find_ev(s, MX_CAP_EV_HRR)->text, "secp256r1"));
	assert_int_equal(s->ncerts, 0); /* encrypted in TLS 1.3 */
	net_free(&n);
}

static void test_retransmission(void **state)
{
	struct net n;
	struct conn c;
	struct mx_findings fs = {0};
	const char *l = "220 mx1.lab.test ESMTP\r\n";

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 7, 25);
	open3(&c);
	seg(&c, 1, 0x18, c.seq[1], l, strlen(l), 65535);
	tx(&c, 1, 0x18, l, strlen(l)); /* the same bytes again */
	say(&c, 0, "QUIT\r\n");
	seg(&c, 0, 0x10, c.seq[0], NULL, 0, 0); /* zero window */
	close4(&c);
	net_finish(&n);
	assert_int_equal(n.g.s[0]->retrans[1], 1);
	assert_int_equal(n.g.s[0]->nsmtp, 2);
	assert_int_equal(n.g.s[0]->zero_windows[0], 1);
	assert_non_null(find_ev(n.g.s[0], MX_CAP_EV_RETRANS));
	all_noted(&n);
	assert_non_null(strstr(notes(&n), "retransmission 24 B"));
	mx_capjudge_session(n.g.s[0], &fs, "w");
	assert_true(has_finding(&fs, "tcp.retransmissions"));
	assert_true(has_finding(&fs, "tcp.zero_window"));
	mx_findings_clear(&fs);
	net_free(&n);
}

/* Does any text of the session, or any note, hold needle? */
static int leaks(struct net *n, const char *needle)
{
	size_t i, k;

	if (strstr(notes(n), needle))
		return 1;
	for (k = 0; k < n->g.ns; k++) {
		const struct mx_capsess *s = n->g.s[k];

		for (i = 0; i < s->nsmtp; i++)
			if (strstr(s->smtp_lines[i].text, needle))
				return 1;
		for (i = 0; i < s->nev; i++)
			if (strstr(s->ev[i].text, needle))
				return 1;
		if (strstr(s->decode_error, needle))
			return 1;
	}
	return 0;
}

static void test_auth_withheld(void **state)
{
	static const char pw[] = "Canary-Pw-4711";
	uint8_t plain[64];
	char b64plain[128], b64pw[64], line[256];
	struct net n;
	struct conn c;
	const struct mx_capsess *s;
	struct mx_findings fs = {0};
	uint64_t a0, a1, b0, b1, f235, f535, r1, i;
	size_t pl, k;

	(void)state;
	pl = (size_t)snprintf((char *)plain + 1, sizeof(plain) - 1, "alice%c%s",
			      0, pw) +
	     1;
	plain[0] = 0;
	assert_true(mx_b64_encode(plain, pl, b64plain, sizeof(b64plain)) > 0);
	assert_true(mx_b64_encode((const uint8_t *)pw, strlen(pw), b64pw,
				  sizeof(b64pw)) > 0);
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 8, 587);
	open3(&c);
	say(&c, 1, "220 smtp.lab.test ESMTP\r\n");
	say(&c, 0, "EHLO client\r\n");
	say(&c, 1, "250-smtp.lab.test\r\n250 AUTH PLAIN LOGIN\r\n");
	/* AUTH PLAIN with an initial response, over several segments */
	snprintf(line, sizeof(line), "AUTH PLAIN %s\r\n", b64plain);
	a0 = n.frames + 1;
	data(&c, 0, line, strlen(line), 9);
	a1 = n.frames;
	/* the line's last segment again (a retransmission) */
	k = strlen(line) % 9 ? strlen(line) % 9 : 9;
	seg(&c, 0, 0x18, c.seq[0] - (uint32_t)k, line + strlen(line) - k, k,
	    65535);
	r1 = n.frames;
	say(&c, 1, "235 2.7.0 Authentication successful\r\n");
	f235 = n.frames;
	/* AUTH LOGIN: 334 challenges and answers */
	b0 = n.frames + 1;
	say(&c, 0, "AUTH LOGIN\r\n");
	say(&c, 1, "334 VXNlcm5hbWU6\r\n");
	say(&c, 0, "YWxpY2U=\r\n");
	say(&c, 1, "334 UGFzc3dvcmQ6\r\n");
	snprintf(line, sizeof(line), "%s\r\n", b64pw);
	say(&c, 0, line);
	b1 = n.frames;
	say(&c, 1, "535 5.7.8 Authentication credentials invalid\r\n");
	f535 = n.frames;
	say(&c, 0, "QUIT\r\n");
	say(&c, 1, "221 2.0.0 Bye\r\n");
	close4(&c);
	net_finish(&n);

	s = n.g.s[0];
	assert_true(s->auth_seen);
	for (i = a0; i <= a1; i++)
		assert_true(n.g.secret[i]);
	for (i = b0; i <= b1; i++)
		assert_true(n.g.secret[i]);
	assert_true(n.g.secret[r1]);
	assert_int_equal(s->retrans[0], 1);
	assert_false(n.g.secret[f235]);
	assert_false(n.g.secret[f535]);
	assert_false(n.g.secret[a0 - 1]);
	assert_false(leaks(&n, pw));
	assert_false(leaks(&n, b64plain));
	assert_false(leaks(&n, b64pw));
	assert_false(leaks(&n, "YWxpY2U="));
	assert_false(leaks(&n, "VXNlcm5hbWU6"));
	assert_string_equal(s->smtp_lines[4].text, "AUTH PLAIN [withheld]");
	assert_string_equal(s->smtp_lines[6].text, "AUTH LOGIN");
	assert_string_equal(s->smtp_lines[7].text, "334 [AUTH data withheld]");
	assert_string_equal(s->smtp_lines[8].text, "[AUTH data withheld]");
	assert_string_equal(s->smtp_lines[11].text,
			    "535 5.7.8 Authentication credentials invalid");
	assert_non_null(find_ev(s, MX_CAP_EV_AUTH_CUT));
	all_noted(&n);
	mx_capjudge_session(s, &fs, "w");
	assert_true(has_finding(&fs, "smtp.auth_failed"));
	assert_non_null(strstr(evidence(&fs, "smtp.auth_failed"), "auth: 535"));
	assert_non_null(strstr(evidence(&fs, "smtp.starttls_missing"),
			       "AUTH included"));
	assert_true(has_finding(&fs, "tcp.retransmissions"));
	assert_int_equal(fs.n, 3);
	mx_findings_clear(&fs);
	net_free(&n);
}

/* The AUTH line's segments out of order: both frames are secret. */
static void test_auth_reordered(void **state)
{
	static const char l[] = "AUTH PLAIN AGFsaWNlAENhbmFyeS1Qdy00NzEx\r\n";
	struct net n;
	struct conn c;
	uint64_t f1, f2;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 19, 587);
	open3(&c);
	say(&c, 1, "220 smtp.lab.test ESMTP\r\n");
	f2 = seg(&c, 0, 0x18, c.seq[0] + 20, l + 20, sizeof(l) - 1 - 20, 65535);
	f1 = seg(&c, 0, 0x18, c.seq[0], l, 20, 65535);
	c.seq[0] += sizeof(l) - 1;
	say(&c, 1, "535 5.7.8 no\r\n");
	close4(&c);
	net_finish(&n);
	assert_true(n.g.secret[f1]);
	assert_true(n.g.secret[f2]);
	assert_false(leaks(&n, "AGFsaWNlAENhbmFyeS1Qdy00NzEx"));
	assert_string_equal(n.g.s[0]->smtp_lines[1].text,
			    "AUTH PLAIN [withheld]");
	all_noted(&n);
	net_free(&n);
}

/* A capture that began inside an AUTH LOGIN exchange: the 334 says so. */
static void test_auth_midstream(void **state)
{
	struct net n;
	struct conn c;
	uint64_t f;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 24, 25);
	say(&c, 1, "334 UGFzc3dvcmQ6\r\n");
	say(&c, 0, "Q2FuYXJ5LVB3LTQ3MTE=\r\n");
	f = c.last;
	say(&c, 1, "235 2.7.0 ok\r\n");
	say(&c, 0, "MAIL FROM:<a@b.test>\r\n");
	close4(&c);
	net_finish(&n);
	assert_true(n.g.secret[f]);
	assert_true(n.g.s[0]->auth_seen);
	assert_false(leaks(&n, "Q2FuYXJ5LVB3LTQ3MTE="));
	assert_false(leaks(&n, "UGFzc3dvcmQ6"));
	assert_string_equal(n.g.s[0]->smtp_lines[3].text,
			    "MAIL FROM:<a@b.test>");
	net_free(&n);
}

static void test_smtp_failures(void **state)
{
	struct net n;
	struct conn c;
	struct mx_findings fs = {0};

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 9, 587);
	open3(&c);
	say(&c, 1, "220 email-smtp.lab.test ESMTP\r\n");
	say(&c, 0,
	    "EHLO client\r\nMAIL FROM:<a@b.test>\r\n"
	    "RCPT TO:<c@d.test>\r\nDATA\r\n");
	say(&c, 1,
	    "250-email-smtp.lab.test\r\n250 PIPELINING\r\n"
	    "250 Ok\r\n250 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
	say(&c, 0, "Subject: x\r\n\r\nbody\r\n.\r\n");
	say(&c, 1, "554 Message rejected: Email address is not verified.\r\n");
	say(&c, 0, "STARTTLS\r\n");
	say(&c, 1, "454 4.7.0 TLS not available due to temporary reason\r\n");
	say(&c, 0, "QUIT\r\n");
	close4(&c);
	net_finish(&n);
	assert_string_equal(n.g.s[0]->smtp_lines[10].text,
			    "[message: 3 lines, 20 bytes]");
	assert_int_equal(n.g.s[0]->starttls_reply, 454);
	assert_false(n.g.s[0]->tls);
	mx_capjudge_session(n.g.s[0], &fs, "w");
	assert_true(has_finding(&fs, "smtp.sender_unverified"));
	assert_true(has_finding(&fs, "smtp.starttls_rejected"));
	mx_findings_clear(&fs);
	net_free(&n);
}

static void test_malformed_tls(void **state)
{
	static const uint8_t bad_hello[] = {0x16, 3, 1, 0, 10, 1, 0, 0,
					    6,	  3, 3, 0, 0,  0, 0};
	static const uint8_t bad_sh[] = {0x16, 3,    3,	   0,	 5,
					 2,    0xff, 0xff, 0xff, 0xff};
	static const uint8_t huge[] = {0x17, 3, 3, 0xff, 0xff};
	struct net n;
	struct conn c, d;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 10, 465);
	open3(&c);
	data(&c, 0, bad_hello, sizeof(bad_hello), 1400);
	data(&c, 1, bad_sh, sizeof(bad_sh), 1400);
	close4(&c);
	conn_init(&d, &n, 11, 465);
	open3(&d);
	send_file(&d, 0, "hello_tls12.bin", 1400);
	data(&d, 1, huge, sizeof(huge), 1400);
	close4(&d);
	net_finish(&n);
	assert_int_equal(n.g.ns, 2);
	assert_non_null(strstr(n.g.s[0]->decode_error, "ClientHello"));
	assert_int_equal(n.g.s[0]->nhellos, 1);
	assert_true(n.g.s[1]->decode_error[0] != '\0');
	all_noted(&n);
	net_free(&n);
}

/* The golden hello in records of 100 handshake bytes, 7-byte segments. */
static void test_hello_split(void **state)
{
	struct net n;
	struct conn c;
	size_t len, off;
	uint8_t *b = read_tls("hello_tls12.bin", &len);
	struct mx_buf r;

	(void)state;
	mx_buf_init(&r, 0);
	for (off = 5; off < len; off += 100) {
		size_t k = len - off < 100 ? len - off : 100;

		mx_buf_push(&r, (uint8_t[]){0x16, 3, 1, 0, (uint8_t)k}, 5);
		mx_buf_push(&r, b + off, k);
	}
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 12, 465);
	open3(&c);
	data(&c, 0, r.p, r.len, 7);
	send_file(&c, 1, "flight_tls12_ecdhe.bin", 3);
	close4(&c);
	net_finish(&n);
	assert_string_equal(n.g.s[0]->decode_error, "");
	assert_int_equal(n.g.s[0]->nhellos, 1);
	assert_int_equal(n.g.s[0]->hellos[0].len, 512);
	assert_true(n.g.s[0]->server_hello);
	all_noted(&n);
	mx_buf_free(&r);
	free(b);
	net_free(&n);
}

static void test_long_line(void **state)
{
	struct net n;
	struct conn c;
	char *l = malloc(6000);
	const struct mx_capsess *s;

	(void)state;
	memcpy(l, "220 ", 4);
	memset(l + 4, 'a', 5000);
	memcpy(l + 5004, "\r\n", 3);
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 13, 25);
	open3(&c);
	say(&c, 1, l);
	say(&c, 0, "QUIT\r\n");
	say(&c, 1, "221 bye\r\n");
	close4(&c);
	net_finish(&n);
	s = n.g.s[0];
	assert_true(s->smtp);
	assert_int_equal(s->nsmtp, 3);
	assert_true(strlen(s->smtp_lines[0].text) < 560);
	assert_non_null(strstr(s->smtp_lines[0].text, "[line cut: 910 more "
						      "bytes]"));
	assert_non_null(strstr(s->decode_error, "cut"));
	assert_int_equal(s->smtp_lines[2].code, 221);
	free(l);
	net_free(&n);
}

static void test_order(void **state)
{
	struct net n;
	struct conn a, b;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&a, &n, 14, 25);
	conn_init(&b, &n, 15, 25);
	open3(&a);
	open3(&b);
	say(&b, 1, "220 b\r\n");
	close4(&b);
	assert_int_equal(n.g.ns, 0); /* b waits for a */
	say(&a, 1, "220 a\r\n");
	close4(&a);
	assert_int_equal(n.g.ns, 2);
	assert_int_equal(n.g.s[0]->cport, 40014);
	assert_int_equal(n.g.s[1]->cport, 40015);
	assert_true(n.g.s[0]->id < n.g.s[1]->id);
	net_finish(&n);
	assert_int_equal(n.g.ns, 2);
	net_free(&n);
}

/* A long-lived flow does not hold more than CD_MAX_WAITING (256)
 * finished sessions back: the oldest of them go ahead. */
static void test_order_pressure(void **state)
{
	struct net n;
	struct conn a, b;
	int k;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&a, &n, 0, 25);
	open3(&a);
	for (k = 1; k <= 300; k++) {
		conn_init(&b, &n, k, 587);
		open3(&b);
		close4(&b);
	}
	assert_true(n.g.ns >= 300 - 256);
	assert_int_equal(n.g.s[0]->cport, 40001); /* the oldest first */
	close4(&a);
	net_finish(&n);
	assert_int_equal(n.g.ns, 301);
	assert_int_equal(mx_capdec_totals(n.d)->sessions, 301);
	net_free(&n);
}

static void test_not_mail(void **state)
{
	static const uint8_t udp[] = {2, 0,  0, 0,   0,	 1,    2, 0, 0,
				      0, 0,  2, 8,   0,	 0x45, 0, 0, 28,
				      0, 0,  0, 0,   64, 17,   0, 0, 127,
				      0, 0,  1, 127, 0,	 0,    2, 0, 53,
				      0, 53, 0, 8,   0,	 0};
	static const uint8_t arp[] = {2, 0, 0, 0, 0, 1, 2, 0,
				      0, 0, 0, 2, 8, 6, 0, 1};
	static const uint8_t bin[] = {0, 1, 2, 3, 0xff, 0xfe, 0, 0};
	struct net n;
	struct conn c, d;
	struct mx_findings fs = {0};
	struct mx_capture cap;

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	mx_capdec_frame(n.d, udp, sizeof(udp), sizeof(udp), 1);
	mx_capdec_frame(n.d, arp, sizeof(arp), sizeof(arp), 2);
	mx_capdec_frame(n.d, udp, 20, sizeof(udp), 3); /* cut in the IP */
	n.frames = 3;
	conn_init(&c, &n, 16, 80);
	open3(&c);
	say(&c, 0, "GET / HTTP/1.0\r\n\r\n");
	say(&c, 1, "HTTP/1.0 200 OK\r\n\r\n");
	close4(&c);
	conn_init(&d, &n, 17, 9999);
	open3(&d);
	data(&d, 0, bin, sizeof(bin), 1400);
	data(&d, 1, bin, sizeof(bin), 1400);
	close4(&d);
	net_finish(&n);
	assert_int_equal(n.g.ns, 2);
	assert_false(n.g.s[0]->smtp || n.g.s[0]->tls);
	assert_false(n.g.s[1]->smtp || n.g.s[1]->tls);
	assert_int_equal(mx_capdec_totals(n.d)->not_tcp, 2);
	assert_int_equal(mx_capdec_totals(n.d)->undecodable, 1);
	assert_int_equal(mx_capdec_totals(n.d)->frames, n.frames);
	assert_int_equal(mx_capdec_totals(n.d)->sessions, 2);
	assert_int_equal(mx_capdec_totals(n.d)->mail_sessions, 0);
	cap = *mx_capdec_totals(n.d);
	mx_capjudge_totals(&cap, &fs);
	assert_true(has_finding(&fs, "capture.no_mail"));
	mx_findings_clear(&fs);
	net_free(&n);
}

/* A midstream capture: no SYN, the server's SMTP reply first. */
static void test_midstream(void **state)
{
	struct net n;
	struct conn c;
	struct mx_capture cap;
	struct mx_findings fs = {0};

	(void)state;
	net_init(&n, MX_LINK_EN10MB);
	conn_init(&c, &n, 18, 25);
	say(&c, 1, "250 2.1.0 Ok\r\n");
	say(&c, 0, "RCPT TO:<x@y.test>\r\n");
	say(&c, 1, "250 2.1.5 Ok\r\n");
	close4(&c);
	net_finish(&n);
	assert_true(n.g.s[0]->midstream);
	assert_true(n.g.s[0]->smtp);
	cap = *mx_capdec_totals(n.d);
	mx_capjudge_totals(&cap, &fs);
	assert_true(has_finding(&fs, "capture.midstream"));
	assert_false(has_finding(&fs, "capture.no_mail"));
	mx_findings_clear(&fs);
	net_free(&n);
}

/* ---- hostile sweep ---------------------------------------------------------- */

/* A recorded capture: a STARTTLS session with AUTH, a TLS 1.3 session
 * with an HRR, and an implicit-TLS DHE session. */
static void record_capture(struct mx_buf *rec)
{
	struct net n;
	struct conn c;

	net_init(&n, MX_LINK_EN10MB);
	n.rec = rec;
	conn_init(&c, &n, 20, 25);
	open3(&c);
	smtp_to_starttls(&c);
	send_file(&c, 0, "hello_tls12.bin", 300);
	send_file(&c, 1, "flight_tls12_ecdhe.bin", 700);
	finish_tls(&c, 0);
	finish_tls(&c, 1);
	appdata(&c, 0, 40);
	close4(&c);
	conn_init(&c, &n, 21, 587);
	open3(&c);
	say(&c, 1, "220 x ESMTP\r\n");
	say(&c, 0, "EHLO y\r\n");
	say(&c, 1, "250 AUTH LOGIN\r\n");
	say(&c, 0, "AUTH LOGIN\r\n");
	say(&c, 1, "334 VXNlcm5hbWU6\r\n");
	say(&c, 0, "Q2FuYXJ5\r\n");
	say(&c, 1, "535 no\r\n");
	close4(&c);
	conn_init(&c, &n, 22, 465);
	open3(&c);
	send_file(&c, 0, "hello_tls13_hrr.bin", 1400);
	send_file(&c, 1, "flight_tls13_hrr.bin", 1400);
	send_file(&c, 0, "hello_tls13.bin", 1400);
	send_file(&c, 1, "flight_tls13.bin", 1400);
	tx(&c, 1, 0x14, NULL, 0);
	conn_init(&c, &n, 23, 2465);
	open3(&c);
	send_file(&c, 0, "hello_tls12.bin", 1400);
	send_file(&c, 1, "flight_tls12_dhe1024.bin", 1400);
	net_finish(&n);
	net_free(&n);
}

/* Decode [u16 len][frame]... with one frame changed by fn. */
static size_t replay(const struct mx_buf *rec, size_t upto, size_t victim,
		     size_t cut, size_t flip)
{
	struct net n;
	size_t off = 0, k = 0, i, ns;
	uint8_t f[2048];

	net_init(&n, MX_LINK_EN10MB);
	while (off + 2 <= rec->len && k < upto) {
		size_t len = (size_t)rec->p[off] << 8 | rec->p[off + 1];

		memcpy(f, rec->p + off + 2, len);
		if (k == victim) {
			if (cut < len)
				len = cut;
			if (flip / 8 < len)
				f[flip / 8] ^= (uint8_t)(1u << (flip % 8));
		}
		mx_capdec_frame(n.d, f, len, len, 1000 * (int64_t)k);
		off += 2 + ((size_t)rec->p[off] << 8 | rec->p[off + 1]);
		k++;
	}
	net_finish(&n);
	for (i = 0; i < n.g.ns; i++) {
		const struct mx_capsess *s = n.g.s[i];

		assert_true(s->nev <= MX_CAP_MAX_EVENTS);
		assert_true(s->nsmtp <= MX_CAP_MAX_SMTP);
		assert_true(s->nhellos <= MX_CAP_MAX_HELLOS);
		assert_true(s->ncerts <= MX_CAP_MAX_CERTS);
		assert_true(strlen(s->decode_error) < MX_CAP_TEXT);
		assert_false(leaks(&n, "Q2FuYXJ5"));
	}
	ns = n.g.ns;
	net_free(&n);
	return ns;
}

static void test_hostile_sweep(void **state)
{
	struct mx_buf rec;
	size_t frames = 0, off = 0, k;
	uint64_t x = 88172645463325252ull;
	const char *dump = getenv("MX_CAPDEC_CORPUS_WRITE");

	(void)state;
	mx_buf_init(&rec, 0);
	record_capture(&rec);
	while (off + 2 <= rec.len) {
		off += 2 + ((size_t)rec.p[off] << 8 | rec.p[off + 1]);
		frames++;
	}
	assert_int_equal(replay(&rec, frames, SIZE_MAX, 0, 0), 4);
	/* every prefix of the capture */
	for (k = 0; k <= frames; k++)
		replay(&rec, k, SIZE_MAX, 0, 0);
	/* each frame cut short, and bit flips */
	for (k = 0; k < frames; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		replay(&rec, frames, k, (size_t)(x % 600), SIZE_MAX);
		replay(&rec, frames, k, SIZE_MAX, (size_t)(x >> 20) % 4800);
	}
	if (dump != NULL) {
		/* the fuzz seed: link selector 0 (EN10MB), then the frames */
		FILE *f = fopen(dump, "wb");

		assert_non_null(f);
		fputc(0, f);
		assert_int_equal(fwrite(rec.p, 1, rec.len, f), rec.len);
		fclose(f);
	}
	mx_buf_free(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starttls_session),
		cmocka_unit_test(test_implicit_dhe1024),
		cmocka_unit_test(test_fin_after_hello),
		cmocka_unit_test(test_rst_after_hello),
		cmocka_unit_test(test_reset_in_smtp),
		cmocka_unit_test(test_alert),
		cmocka_unit_test(test_implicit_on_smtp_port),
		cmocka_unit_test(test_sslv2_hello),
		cmocka_unit_test(test_hrr),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_auth_withheld),
		cmocka_unit_test(test_auth_reordered),
		cmocka_unit_test(test_auth_midstream),
		cmocka_unit_test(test_smtp_failures),
		cmocka_unit_test(test_malformed_tls),
		cmocka_unit_test(test_hello_split),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_order_pressure),
		cmocka_unit_test(test_not_mail),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_hostile_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
