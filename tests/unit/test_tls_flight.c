/*
 * test_tls_flight.c - the server flight parser and the record layer
 * (wire/tls_flight.h).
 *
 * Real flights: tests/data/tls/flight_*.bin were captured from `openssl
 * s_server` (OpenSSL 3.0) on 127.0.0.28 answering our golden hellos (see
 * tests/data/tls/README and capture.py): TLS 1.2 ECDHE, TLS 1.2 DHE with
 * Postfix's compiled-in 1024-bit group, TLS 1.3, a HelloRetryRequest and
 * a handshake_failure alert.  Each is parsed whole, byte by byte and in
 * uneven chunks, and cut at every length (truncation sweep).  Crafted
 * flights cover each malformed case by name, and a hostile-length sweep
 * rewrites every length field of a real flight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "wire/tls_flight.h"
#include "wire/tls_registry.h"

static uint8_t *read_data(const char *name, size_t *len)
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

/* Feed in chunks of `step` bytes (0: all at once); then EOF if MORE. */
static enum mx_flight_status run(struct mx_flight *f, const uint8_t *p,
				 size_t n, size_t step, size_t *used)
{
	enum mx_flight_status st = MX_FLIGHT_MORE;
	size_t off = 0;

	*used = 0;
	if (step == 0)
		step = n ? n : 1;
	while (off < n && st == MX_FLIGHT_MORE) {
		size_t k = n - off < step ? n - off : step, u;

		st = mx_flight_feed(f, p + off, k, &u);
		assert_true(u <= k);
		*used += u;
		if (st == MX_FLIGHT_MORE)
			assert_int_equal(u, k);
		off += k;
	}
	if (st == MX_FLIGHT_MORE)
		st = mx_flight_eof(f);
	return st;
}

/* ---- real flights ------------------------------------------------------ */

static void check_tls12_ecdhe(const struct mx_flight_facts *x)
{
	assert_int_equal(x->status, MX_FLIGHT_DONE);
	assert_int_equal(x->sh.version, MX_TLS12);
	assert_int_equal(x->sh.suite, 0xC02F); /* our first offer */
	assert_int_equal(x->sh.compression, 0);
	assert_true(x->sh.ems);
	assert_true(x->sh.reneg_info);
	assert_int_equal(x->sh.reneg_info_len, 0);
	assert_false(x->sh.hrr);
	assert_int_equal(x->ncerts, 1);
	assert_true(x->ske.seen);
	assert_int_equal(x->ske.kind, MX_SKE_ECDHE);
	assert_int_equal(x->ske.curve_type, 3);
	assert_int_equal(x->ske.group, 29); /* x25519, our first group */
	assert_int_equal(x->ske.point.len, 32);
	assert_true(x->ske.has_signature);
	assert_non_null(mx_sigscheme_by_id(x->ske.sig_scheme));
	assert_int_equal(x->ske.sig_len, 256); /* RSA-2048 */
	assert_true(x->has_done);
	assert_int_equal(x->nhs, 4);
}

/* The certificate in the flight is the one s_server was given. */
static void check_cert_is_ours(const struct mx_flight_facts *x)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096];
	unsigned char *der = NULL;
	int n;
	FILE *f;
	X509 *c;

	snprintf(path, sizeof(path), "%s/tls/server-rsa.pem",
		 dir ? dir : "tests/data");
	f = fopen(path, "r");
	assert_non_null(f);
	c = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(c);
	n = i2d_X509(c, &der);
	assert_true(n > 0);
	assert_int_equal(x->certs[0].len, (size_t)n);
	assert_memory_equal(x->certs[0].p, der, (size_t)n);
	OPENSSL_free(der);
	X509_free(c);
}

static void test_real_tls12_ecdhe(void **state)
{
	static const size_t steps[] = {0, 1, 2, 3, 5, 7, 100, 4096};
	size_t len, i, used;
	uint8_t *d = read_data("flight_tls12_ecdhe.bin", &len);

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct mx_flight *f = mx_flight_new();

		assert_int_equal(run(f, d, len, steps[i], &used),
				 MX_FLIGHT_DONE);
		assert_int_equal(used, len);
		check_tls12_ecdhe(mx_flight_facts(f));
		check_cert_is_ours(mx_flight_facts(f));
		assert_int_equal(mx_flight_facts(f)->bytes, len);
		assert_int_equal(mx_flight_facts(f)->record_version, 0x0303);
		mx_flight_free(f);
	}
	free(d);
}

static void test_real_tls12_dhe1024(void **state)
{
	size_t len, used;
	uint8_t *d = read_data("flight_tls12_dhe1024.bin", &len);
	struct mx_flight *f = mx_flight_new();
	const struct mx_flight_facts *x = mx_flight_facts(f);
	const struct mx_dh_prime *known;

	(void)state;
	assert_int_equal(run(f, d, len, 1, &used), MX_FLIGHT_DONE);
	assert_int_equal(x->sh.suite, 0x009E);
	assert_int_equal(x->ske.kind, MX_SKE_DHE);
	assert_int_equal(x->ske.dh_bits, 1024);
	assert_int_equal(x->ske.dh_g.len, 1);
	assert_int_equal(x->ske.dh_g.p[0], 2);
	assert_true(x->ske.dh_ys.len > 0 && x->ske.dh_ys.len <= 128);
	/* The registry names the group from p alone. */
	known = mx_dh_prime_by_p(x->ske.dh_p.p, x->ske.dh_p.len);
	assert_non_null(known);
	assert_string_equal(known->name, "Postfix built-in 1024-bit");
	assert_int_equal(mx_dh_is_safe_prime(x->ske.dh_p.p, x->ske.dh_p.len),
			 MX_DH_SAFE_PRIME);
	mx_flight_free(f);
	free(d);
}

static void test_real_tls13(void **state)
{
	size_t len, used;
	uint8_t *d = read_data("flight_tls13.bin", &len);
	struct mx_flight *f = mx_flight_new();
	const struct mx_flight_facts *x = mx_flight_facts(f);

	(void)state;
	assert_int_equal(run(f, d, len, 0, &used), MX_FLIGHT_DONE);
	assert_int_equal(x->sh.legacy_version, MX_TLS12);
	assert_int_equal(x->sh.version, MX_TLS13);
	assert_true(x->sh.has_supported_versions);
	assert_int_equal(x->sh.suite, 0x1301);
	assert_true(x->sh.has_key_share);
	assert_int_equal(x->sh.key_share_group, 29);
	assert_int_equal(x->sh.key_share_len, 32);
	assert_int_equal(x->sh.session_id_len, 32); /* echoed */
	assert_false(x->sh.hrr);
	/* Parsing stops after the ServerHello; the CCS and the encrypted
	 * records that follow stay with the caller. */
	assert_true(used < len);
	assert_int_equal(d[used], 20);
	assert_int_equal(x->nhs, 1);
	mx_flight_free(f);
	free(d);
}

static void test_real_hrr(void **state)
{
	size_t len, used;
	uint8_t *d = read_data("flight_tls13_hrr.bin", &len);
	struct mx_flight *f = mx_flight_new();
	const struct mx_flight_facts *x = mx_flight_facts(f);

	(void)state;
	assert_int_equal(run(f, d, len, 3, &used), MX_FLIGHT_DONE);
	assert_true(x->sh.hrr);
	assert_int_equal(x->sh.version, MX_TLS13);
	assert_int_equal(x->sh.key_share_group, 23); /* secp256r1 */
	assert_int_equal(x->sh.key_share_len, 0);
	assert_int_equal(used,
			 5 + 4 + (size_t)((d[6] << 16) | (d[7] << 8) | d[8]));
	mx_flight_free(f);
	free(d);
}

static void test_real_alert(void **state)
{
	size_t len, used;
	uint8_t *d = read_data("flight_alert.bin", &len);
	struct mx_flight *f = mx_flight_new();
	const struct mx_flight_facts *x = mx_flight_facts(f);

	(void)state;
	assert_int_equal(run(f, d, len, 1, &used), MX_FLIGHT_ALERT);
	assert_true(x->alert);
	assert_int_equal(x->alert_level, 2);
	assert_int_equal(x->alert_desc, 40);
	assert_string_equal(mx_tls_alert_name(x->alert_desc),
			    "handshake_failure");
	assert_string_equal(mx_tls_alert_level_name(x->alert_level), "fatal");
	assert_int_equal(used, 7);
	/* Final and sticky: later bytes are not taken. */
	assert_int_equal(mx_flight_feed(f, d, len, &used), MX_FLIGHT_ALERT);
	assert_int_equal(used, 0);
	assert_int_equal(mx_flight_eof(f), MX_FLIGHT_ALERT);
	mx_flight_free(f);
	free(d);
}

/* Every proper prefix of a real flight is TRUNCATED at EOF, never DONE,
 * never a crash; the empty prefix is EMPTY. */
static void test_truncation_sweep(void **state)
{
	static const char *const files[] = {"flight_tls12_ecdhe.bin",
					    "flight_tls12_dhe1024.bin",
					    "flight_tls13_hrr.bin"};
	size_t i, k;

	(void)state;
	for (i = 0; i < 3; i++) {
		size_t len, used, end;
		uint8_t *d = read_data(files[i], &len);
		struct mx_flight *whole = mx_flight_new();

		/* The flight ends where the parser says DONE (an HRR is
		 * followed by a CCS that is not part of it). */
		assert_int_equal(run(whole, d, len, 0, &end), MX_FLIGHT_DONE);
		mx_flight_free(whole);
		for (k = 0; k < end; k++) {
			struct mx_flight *f = mx_flight_new();
			enum mx_flight_status st = run(f, d, k, 0, &used);

			if (k == 0)
				assert_int_equal(st, MX_FLIGHT_EMPTY);
			else if (st != MX_FLIGHT_TRUNCATED)
				fail_msg("%s cut at %zu: %s", files[i], k,
					 mx_flight_status_name(st));
			mx_flight_free(f);
		}
		free(d);
	}
}

/* Rewrite each byte of a real flight to hostile values: the parser ends
 * in some final status every time, and a DONE is only ever reported with
 * a ServerHello and a ServerHelloDone in the facts. */
static void test_hostile_bytes_sweep(void **state)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	size_t len, i, v, used;
	uint8_t *d = read_data("flight_tls12_dhe1024.bin", &len);
	uint8_t *m = malloc(len);
	size_t done = 0, invalid = 0;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < len; i++) {
		for (v = 0; v < sizeof(vals); v++) {
			struct mx_flight *f;
			enum mx_flight_status st;

			if (d[i] == vals[v])
				continue;
			memcpy(m, d, len);
			m[i] = vals[v];
			f = mx_flight_new();
			st = run(f, m, len, 0, &used);
			assert_int_not_equal(st, MX_FLIGHT_MORE);
			if (st == MX_FLIGHT_DONE) {
				assert_true(mx_flight_facts(f)->sh.seen);
				assert_true(mx_flight_facts(f)->has_done);
				done++;
			}
			if (st == MX_FLIGHT_INVALID) {
				assert_true(mx_flight_facts(f)->detail[0]);
				invalid++;
			}
			mx_flight_free(f);
		}
	}
	/* Key bytes, certificate bytes, signature bytes are opaque: many
	 * rewrites still parse; every length field rewrite does not. */
	assert_true(done > 0);
	assert_true(invalid > 0);
	free(m);
	free(d);
}

/* ---- crafted flights ---------------------------------------------------- */

/* Records: type, version 0x0303, body. */
static void put_record(struct mx_buf *b, uint8_t type, const uint8_t *p,
		       size_t n)
{
	size_t m;

	mx_buf_push_u8(b, type);
	mx_buf_push_u16(b, 0x0303);
	m = mx_buf_block_open(b, 2);
	mx_buf_push(b, p, n);
	mx_buf_block_close(b, m, 2);
}

static void put_msg(struct mx_buf *b, uint8_t type, const uint8_t *p, size_t n)
{
	size_t m;

	mx_buf_push_u8(b, type);
	m = mx_buf_block_open(b, 3);
	mx_buf_push(b, p, n);
	mx_buf_block_close(b, m, 3);
}

/* A TLS 1.2 ServerHello body for `suite` with the given raw extensions
 * block (NULL: none). */
static void sh_body(struct mx_buf *b, uint16_t version, uint16_t suite,
		    const uint8_t *exts, size_t nexts)
{
	uint8_t rnd[32];
	size_t m;

	memset(rnd, 0x5a, sizeof(rnd));
	mx_buf_push_u16(b, version);
	mx_buf_push(b, rnd, 32);
	mx_buf_push_u8(b, 0); /* no session id */
	mx_buf_push_u16(b, suite);
	mx_buf_push_u8(b, 0);
	if (exts) {
		m = mx_buf_block_open(b, 2);
		mx_buf_push(b, exts, nexts);
		mx_buf_block_close(b, m, 2);
	}
}

/* Handshake messages, one record: ServerHello(suite, exts), then extra
 * messages (type, body) given as a raw byte string, then Done. */
static void flight(struct mx_buf *out, uint16_t suite, const uint8_t *exts,
		   size_t nexts, const uint8_t *more, size_t nmore, int done)
{
	struct mx_buf hs, b;

	mx_buf_init(&hs, 0);
	mx_buf_init(&b, 0);
	sh_body(&b, MX_TLS12, suite, exts, nexts);
	put_msg(&hs, 2, b.p, b.len);
	if (more)
		mx_buf_push(&hs, more, nmore);
	if (done)
		put_msg(&hs, 14, NULL, 0);
	mx_buf_init(out, 0);
	put_record(out, 22, hs.p, hs.len);
	mx_buf_free(&hs);
	mx_buf_free(&b);
}

static enum mx_flight_status parse(const uint8_t *p, size_t n,
				   struct mx_flight **fp)
{
	size_t used;
	struct mx_flight *f = mx_flight_new();
	enum mx_flight_status st = run(f, p, n, 0, &used);

	if (fp)
		*fp = f;
	else
		mx_flight_free(f);
	return st;
}

static void test_not_tls(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		enum mx_flight_status want;
	} cases[] = {
		{"220 mx1.lab.test ESMTP Postfix\r\n", 32, MX_FLIGHT_NOT_TLS},
		{"HTTP/1.1 400 Bad Request\r\n", 26, MX_FLIGHT_NOT_TLS},
		{"554 5.7.0 no\r\n", 14, MX_FLIGHT_NOT_TLS},
		{"\x16\x01\x00\x00\x05", 5,
		 MX_FLIGHT_NOT_TLS}, /* version 1.0 */
		{"\x19\x03\x03\x00\x01x", 6, MX_FLIGHT_NOT_TLS}, /* type 25 */
		/* SSLv2 SERVER-HELLO: length with high bit, msg type 4 */
		{"\x80\x2e\x04\x00\x01\x00\x02", 7, MX_FLIGHT_UNSUPPORTED},
		{"\x16\x04", 2, MX_FLIGHT_NOT_TLS},
		{"\x16\x03", 2, MX_FLIGHT_TRUNCATED},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_flight *f;
		enum mx_flight_status st =
			parse((const uint8_t *)cases[i].in, cases[i].len, &f);

		if (st != cases[i].want)
			fail_msg("case %zu: %s", i, mx_flight_status_name(st));
		assert_int_equal(mx_flight_facts(f)->head_len,
				 cases[i].len < MX_FLIGHT_HEAD
					 ? cases[i].len
					 : MX_FLIGHT_HEAD);
		assert_memory_equal(mx_flight_facts(f)->head, cases[i].in,
				    mx_flight_facts(f)->head_len);
		mx_flight_free(f);
	}
}

static void test_eof_outcomes(void **state)
{
	struct mx_flight *f = mx_flight_new();
	struct mx_buf b;
	size_t used;

	(void)state;
	assert_int_equal(mx_flight_eof(f), MX_FLIGHT_EMPTY);
	mx_flight_free(f);

	/* A whole ServerHello, then EOF: truncated before Done. */
	flight(&b, 0xC02F, NULL, 0, NULL, 0, 0);
	f = mx_flight_new();
	assert_int_equal(mx_flight_feed(f, b.p, b.len, &used), MX_FLIGHT_MORE);
	assert_int_equal(used, b.len);
	assert_int_equal(mx_flight_eof(f), MX_FLIGHT_TRUNCATED);
	assert_non_null(strstr(mx_flight_facts(f)->detail, "ServerHelloDone"));
	mx_flight_free(f);
	mx_buf_free(&b);
}

/* One ServerHello message split over three records, then Done in a
 * fourth; and several messages in one record (the real flights). */
static void test_reassembly(void **state)
{
	struct mx_buf sh, msg, out;
	struct mx_flight *f;
	size_t a, c;

	(void)state;
	mx_buf_init(&sh, 0);
	mx_buf_init(&msg, 0);
	mx_buf_init(&out, 0);
	sh_body(&sh, MX_TLS12, 0xC02F, (const uint8_t *)"\x00\x17\x00\x00", 4);
	put_msg(&msg, 2, sh.p, sh.len);
	a = 3;
	c = 20;
	put_record(&out, 22, msg.p, a);
	put_record(&out, 22, msg.p + a, c);
	put_record(&out, 22, msg.p + a + c, msg.len - a - c);
	put_record(&out, 22, (const uint8_t *)"\x0e\x00\x00\x00", 4);
	assert_int_equal(parse(out.p, out.len, &f), MX_FLIGHT_DONE);
	assert_true(mx_flight_facts(f)->sh.ems);
	assert_int_equal(mx_flight_facts(f)->records, 4);
	mx_flight_free(f);

	/* An alert between the pieces of a split message is invalid. */
	mx_buf_reset(&out);
	put_record(&out, 22, msg.p, a);
	put_record(&out, 21, (const uint8_t *)"\x02\x28", 2);
	assert_int_equal(parse(out.p, out.len, NULL), MX_FLIGHT_INVALID);
	mx_buf_free(&sh);
	mx_buf_free(&msg);
	mx_buf_free(&out);
}

static void test_record_layer(void **state)
{
	static uint8_t big[5 + MX_TLS_MAX_RECORD + 1];
	struct mx_cur c;
	struct mx_tls_record r;

	(void)state;
	mx_cur_init(&c, (const uint8_t *)"\x16\x03\x01\x00\x02\xab\xcd\x15", 8);
	assert_int_equal(mx_tls_record_next(&c, &r), MX_REC_OK);
	assert_int_equal(r.type, 22);
	assert_int_equal(r.version, 0x0301);
	assert_int_equal(r.len, 2);
	assert_int_equal(r.body[1], 0xcd);
	assert_int_equal(mx_cur_left(&c), 1);
	assert_int_equal(mx_tls_record_next(&c, &r), MX_REC_MORE);
	assert_int_equal(mx_cur_left(&c), 1); /* did not move */

	/* 2^14 + 2048 is the largest legal record; one more overflows. */
	big[0] = 22;
	big[1] = 3;
	big[2] = 3;
	big[3] = (uint8_t)(MX_TLS_MAX_RECORD >> 8);
	big[4] = (uint8_t)MX_TLS_MAX_RECORD;
	mx_cur_init(&c, big, 5 + MX_TLS_MAX_RECORD);
	assert_int_equal(mx_tls_record_next(&c, &r), MX_REC_OK);
	big[4] = (uint8_t)(MX_TLS_MAX_RECORD + 1);
	mx_cur_init(&c, big, sizeof(big));
	assert_int_equal(mx_tls_record_next(&c, &r), MX_REC_OVERFLOW);
	assert_int_equal(parse(big, sizeof(big), NULL),
			 MX_FLIGHT_RECORD_OVERFLOW);
	/* Header cut anywhere: MORE. */
	mx_cur_init(&c, big, 4);
	assert_int_equal(mx_tls_record_next(&c, &r), MX_REC_MORE);
}

struct bad_case {
	const char *name;
	uint16_t suite;
	const char *exts;
	size_t nexts;
	const char *more; /* raw handshake messages after ServerHello */
	size_t nmore;
	int done;
	enum mx_flight_status want;
};

static void test_malformed_table(void **state)
{
	static const struct bad_case cases[] = {
		{"good: bare", 0xC02F, NULL, 0, NULL, 0, 1, MX_FLIGHT_DONE},
		{"good: EMS", 0xC02F, "\x00\x17\x00\x00", 4, NULL, 0, 1,
		 MX_FLIGHT_DONE},
		{"EMS with a body", 0xC02F, "\x00\x17\x00\x01\x00", 5, NULL, 0,
		 1, MX_FLIGHT_INVALID},
		{"duplicate extension", 0xC02F,
		 "\x00\x17\x00\x00\x00\x17\x00\x00", 8, NULL, 0, 1,
		 MX_FLIGHT_INVALID},
		{"extension longer than block", 0xC02F, "\x00\x17\x00\x05", 4,
		 NULL, 0, 1, MX_FLIGHT_INVALID},
		{"supported_versions selects 1.2", 0x1301,
		 "\x00\x2b\x00\x02\x03\x03", 6, NULL, 0, 0, MX_FLIGHT_INVALID},
		{"supported_versions selects 1.3", 0x1301,
		 "\x00\x2b\x00\x02\x03\x04", 6, NULL, 0, 0, MX_FLIGHT_DONE},
		{"ALPN with two names", 0xC02F,
		 "\x00\x10\x00\x06\x00\x04\x01\x61\x01\x62", 10, NULL, 0, 1,
		 MX_FLIGHT_INVALID},
		{"ALPN one name", 0xC02F, "\x00\x10\x00\x05\x00\x03\x02h2", 9,
		 NULL, 0, 1, MX_FLIGHT_DONE},
		{"renegotiation_info length lies", 0xC02F,
		 "\xff\x01\x00\x01\x05", 5, NULL, 0, 1, MX_FLIGHT_INVALID},
		{"Certificate, empty entry", 0xC02F, NULL, 0,
		 "\x0b\x00\x00\x06\x00\x00\x03\x00\x00\x00", 10, 1,
		 MX_FLIGHT_INVALID},
		{"Certificate list too long", 0xC02F, NULL, 0,
		 "\x0b\x00\x00\x04\x00\x00\x09\x00", 8, 1, MX_FLIGHT_INVALID},
		{"Certificate ok", 0xC02F, NULL, 0,
		 "\x0b\x00\x00\x07\x00\x00\x04\x00\x00\x01\x30", 11, 1,
		 MX_FLIGHT_DONE},
		{"Done with a body", 0xC02F, NULL, 0, "\x0e\x00\x00\x01\x00", 5,
		 0, MX_FLIGHT_INVALID},
		{"Certificate after ServerKeyExchange", 0xC02F, NULL, 0,
		 "\x0c\x00\x00\x09\x03\x00\x1d\x01\x04\x08\x04\x00\x00"
		 "\x0b\x00\x00\x03\x00\x00\x00",
		 20, 1, MX_FLIGHT_INVALID},
		{"ECDHE explicit curve", 0xC02F, NULL, 0,
		 "\x0c\x00\x00\x02\x01\x00", 6, 1, MX_FLIGHT_UNSUPPORTED},
		{"ECDHE bad curve type", 0xC02F, NULL, 0,
		 "\x0c\x00\x00\x02\x07\x00", 6, 1, MX_FLIGHT_INVALID},
		{"ECDHE empty point", 0xC02F, NULL, 0,
		 "\x0c\x00\x00\x04\x03\x00\x1d\x00", 8, 1, MX_FLIGHT_INVALID},
		{"ECDHE ok, signature", 0xC02F, NULL, 0,
		 "\x0c\x00\x00\x0b\x03\x00\x1d\x01\x04\x08\x04\x00\x02\xaa\xbb",
		 15, 1, MX_FLIGHT_DONE},
		{"ECDHE trailing byte", 0xC02F, NULL, 0,
		 "\x0c\x00\x00\x0c\x03\x00\x1d\x01\x04\x08\x04\x00\x02\xaa\xbb"
		 "\x00",
		 16, 1, MX_FLIGHT_INVALID},
		{"DH anon ok, no signature", 0x0034, NULL, 0,
		 "\x0c\x00\x00\x09\x00\x01\x17\x00\x01\x05\x00\x01\x09", 13, 1,
		 MX_FLIGHT_DONE},
		{"DH empty g", 0x0034, NULL, 0,
		 "\x0c\x00\x00\x08\x00\x01\x17\x00\x00\x00\x01\x09", 12, 1,
		 MX_FLIGHT_INVALID},
		{"SKE for an unknown suite", 0x7777, NULL, 0,
		 "\x0c\x00\x00\x01\x00", 5, 1, MX_FLIGHT_UNSUPPORTED},
		{"SKE for SRP", 0xC01D, NULL, 0, "\x0c\x00\x00\x01\x00", 5, 1,
		 MX_FLIGHT_UNSUPPORTED},
		{"PSK hint only", 0x008C, NULL, 0, "\x0c\x00\x00\x04\x00\x02hi",
		 8, 1, MX_FLIGHT_DONE},
		{"export RSA params", 0x0003, NULL, 0,
		 "\x0c\x00\x00\x0b\x00\x02\xc1\x01\x00\x01\x03\x04\x01\x00"
		 "\x00",
		 15, 1, MX_FLIGHT_DONE},
		{"second ServerHello", 0xC02F, NULL, 0, "\x02\x00\x00\x01\x00",
		 5, 1, MX_FLIGHT_INVALID},
		{"NewSessionTicket in the flight", 0xC02F, NULL, 0,
		 "\x04\x00\x00\x00", 4, 1, MX_FLIGHT_UNSUPPORTED},
		{"HelloRequest is ignored", 0xC02F, NULL, 0, "\x00\x00\x00\x00",
		 4, 1, MX_FLIGHT_DONE},
		{"CertificateStatus, CertificateRequest", 0xC02F, NULL, 0,
		 "\x16\x00\x00\x05\x01\x00\x00\x01\x30"
		 "\x0d\x00\x00\x02\x01\x01",
		 15, 1, MX_FLIGHT_DONE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_buf b;
		struct mx_flight *f;
		enum mx_flight_status st;

		flight(&b, cases[i].suite, (const uint8_t *)cases[i].exts,
		       cases[i].nexts, (const uint8_t *)cases[i].more,
		       cases[i].nmore, cases[i].done);
		st = parse(b.p, b.len, &f);
		if (st != cases[i].want)
			fail_msg("%s: got %s (%s)", cases[i].name,
				 mx_flight_status_name(st),
				 mx_flight_facts(f)->detail);
		mx_flight_free(f);
		mx_buf_free(&b);
	}
}

static void test_crafted_details(void **state)
{
	struct mx_buf b, m, sh;
	struct mx_flight *f;
	size_t i;

	(void)state;
	/* ServerHello claiming version 3.4 without supported_versions */
	mx_buf_init(&sh, 0);
	mx_buf_init(&m, 0);
	mx_buf_init(&b, 0);
	sh_body(&sh, 0x0304, 0xC02F, NULL, 0);
	put_msg(&m, 2, sh.p, sh.len);
	put_record(&b, 22, m.p, m.len);
	assert_int_equal(parse(b.p, b.len, NULL), MX_FLIGHT_UNSUPPORTED);

	/* First message is not a ServerHello */
	mx_buf_reset(&b);
	put_record(&b, 22, (const uint8_t *)"\x0e\x00\x00\x00", 4);
	assert_int_equal(parse(b.p, b.len, &f), MX_FLIGHT_INVALID);
	assert_non_null(strstr(mx_flight_facts(f)->detail, "ServerHello"));
	mx_flight_free(f);

	/* Zero-length handshake record; odd alert; app data; CCS */
	mx_buf_reset(&b);
	put_record(&b, 22, NULL, 0);
	assert_int_equal(parse(b.p, b.len, NULL), MX_FLIGHT_INVALID);
	mx_buf_reset(&b);
	put_record(&b, 21, (const uint8_t *)"\x02\x28\x00", 3);
	assert_int_equal(parse(b.p, b.len, NULL), MX_FLIGHT_INVALID);
	mx_buf_reset(&b);
	put_record(&b, 23, (const uint8_t *)"x", 1);
	assert_int_equal(parse(b.p, b.len, NULL), MX_FLIGHT_INVALID);
	mx_buf_free(&b);
	flight(&b, 0xC02F, NULL, 0, NULL, 0, 0);
	put_record(&b, 20, (const uint8_t *)"\x01", 1);
	assert_int_equal(parse(b.p, b.len, NULL), MX_FLIGHT_UNSUPPORTED);
	mx_buf_free(&b);

	/* A warning alert (unrecognized_name) does not end the flight. */
	mx_buf_init(&b, 0);
	put_record(&b, 21, (const uint8_t *)"\x01\x70", 2);
	mx_buf_free(&m);
	flight(&m, 0xC02F, NULL, 0, NULL, 0, 1);
	mx_buf_push(&b, m.p, m.len);
	assert_int_equal(parse(b.p, b.len, &f), MX_FLIGHT_DONE);
	assert_int_equal(mx_flight_facts(f)->warnings, 1);
	assert_int_equal(mx_flight_facts(f)->warning_desc, 112);
	mx_flight_free(f);

	/* A handshake message announcing more than the 256 KiB cap. */
	mx_buf_reset(&b);
	put_record(&b, 22, (const uint8_t *)"\x0b\x7f\xff\xff", 4);
	assert_int_equal(parse(b.p, b.len, NULL), MX_FLIGHT_TOO_BIG);

	/* 33 certificates: over MX_FLIGHT_MAX_CERTS. */
	mx_buf_reset(&m);
	{
		size_t l, body;

		mx_buf_push_u8(&m, 11);
		body = mx_buf_block_open(&m, 3);
		l = mx_buf_block_open(&m, 3);
		for (i = 0; i < MX_FLIGHT_MAX_CERTS + 1; i++) {
			mx_buf_push_u24(&m, 1);
			mx_buf_push_u8(&m, 0x30);
		}
		mx_buf_block_close(&m, l, 3);
		mx_buf_block_close(&m, body, 3);
	}
	mx_buf_free(&b);
	flight(&b, 0xC02F, NULL, 0, m.p, m.len, 1);
	assert_int_equal(parse(b.p, b.len, NULL), MX_FLIGHT_TOO_BIG);

	/* Handshake bytes beyond the reassembly cap across many records. */
	mx_buf_free(&b);
	mx_buf_init(&b, 0);
	{
		static uint8_t chunk[16384];

		chunk[0] = 11; /* Certificate of 16 MiB - 1 announced */
		chunk[1] = 0x03;
		chunk[2] = 0xff;
		chunk[3] = 0xff;
		mx_buf_free(&m);
		flight(&m, 0xC02F, NULL, 0, NULL, 0, 0);
		mx_buf_push(&b, m.p, m.len);
		for (i = 0; i < 20; i++)
			put_record(&b, 22, chunk, sizeof(chunk));
	}
	assert_int_equal(parse(b.p, b.len, &f), MX_FLIGHT_TOO_BIG);
	mx_flight_free(f);
	mx_buf_free(&b);
	mx_buf_free(&m);
	mx_buf_free(&sh);
}

/* A ServerHello whose session id length byte takes every value: only
 * 0..32 with the bytes to match parse; the rest are invalid. */
static void test_session_id_length_sweep(void **state)
{
	unsigned n;

	(void)state;
	for (n = 0; n < 256; n++) {
		struct mx_buf body, m, b;
		uint8_t sid[255];
		enum mx_flight_status st;
		struct mx_flight *f;

		memset(sid, 0x11, sizeof(sid));
		mx_buf_init(&body, 0);
		mx_buf_init(&m, 0);
		mx_buf_init(&b, 0);
		mx_buf_push_u16(&body, MX_TLS12);
		mx_buf_push(&body, sid, 32); /* random */
		mx_buf_push_u8(&body, (uint8_t)n);
		mx_buf_push(&body, sid, 32 < n ? 32 : n); /* at most 32 */
		mx_buf_push_u16(&body, 0xC02F);
		mx_buf_push_u8(&body, 0);
		put_msg(&m, 2, body.p, body.len);
		put_msg(&m, 14, NULL, 0);
		put_record(&b, 22, m.p, m.len);
		st = parse(b.p, b.len, &f);
		if (n <= 32)
			assert_int_equal(st, MX_FLIGHT_DONE);
		else
			assert_int_equal(st, MX_FLIGHT_INVALID);
		/* Regression (found by fuzz_tls_flight): the facts never
		 * hold a session id length above 32. */
		assert_true(mx_flight_facts(f)->sh.session_id_len <= 32);
		mx_flight_free(f);
		mx_buf_free(&body);
		mx_buf_free(&m);
		mx_buf_free(&b);
	}
}

/* The extensions-block length takes every value 0..40 for a body of
 * exactly 8 bytes (EMS + ETM): only 8 parses. */
static void test_ext_block_length_sweep(void **state)
{
	unsigned n;

	(void)state;
	for (n = 0; n < 40; n++) {
		struct mx_buf body, m, b;
		uint8_t rnd[32] = {0};
		enum mx_flight_status st;

		mx_buf_init(&body, 0);
		mx_buf_init(&m, 0);
		mx_buf_init(&b, 0);
		mx_buf_push_u16(&body, MX_TLS12);
		mx_buf_push(&body, rnd, 32);
		mx_buf_push_u8(&body, 0);
		mx_buf_push_u16(&body, 0xC02F);
		mx_buf_push_u8(&body, 0);
		mx_buf_push_u16(&body, (uint16_t)n);
		mx_buf_push(&body, "\x00\x17\x00\x00\x00\x16\x00\x00", 8);
		put_msg(&m, 2, body.p, body.len);
		put_msg(&m, 14, NULL, 0);
		put_record(&b, 22, m.p, m.len);
		st = parse(b.p, b.len, NULL);
		if (n == 8)
			assert_int_equal(st, MX_FLIGHT_DONE);
		else
			assert_int_equal(st, MX_FLIGHT_INVALID);
		mx_buf_free(&body);
		mx_buf_free(&m);
		mx_buf_free(&b);
	}
	assert_string_equal(mx_flight_status_name(MX_FLIGHT_TRUNCATED),
			    "truncated");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_tls12_ecdhe),
		cmocka_unit_test(test_real_tls12_dhe1024),
		cmocka_unit_test(test_real_tls13),
		cmocka_unit_test(test_real_hrr),
		cmocka_unit_test(test_real_alert),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_hostile_bytes_sweep),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_eof_outcomes),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_record_layer),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_crafted_details),
		cmocka_unit_test(test_session_id_length_sweep),
		cmocka_unit_test(test_ext_block_length_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
