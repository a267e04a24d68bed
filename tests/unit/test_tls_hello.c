/*
 * test_tls_hello.c - the raw ClientHello builder and key shares
 * (wire/tls_hello.h, wire/tls_keyshare.c).
 *
 * Golden files: tests/data/tls/hello_tls12.bin, hello_tls13.bin and
 * hello_tls13_hrr.bin are the exact bytes the builder produces with the
 * counter random source below (byte i of the stream is i mod 256).  They
 * were cross-checked once by hand against a real server: each file was
 * sent over loopback to `openssl s_server -accept 127.0.0.28:4433` (OpenSSL
 * 3.0, the key and certificate in tests/data/tls/) by
 * tests/data/tls/capture.py, which answered with a ServerHello (TLS 1.2
 * ECDHE and DHE, TLS 1.3 with x25519) or a HelloRetryRequest for
 * secp256r1 (hello_tls13_hrr.bin offers only an X25519MLKEM768 share,
 * which OpenSSL 3.0 does not implement); those replies are the captured
 * flights in tests/data/tls/ (see README there).  The same cross-check
 * also runs on every `make check`, in memory: test_openssl_accepts feeds
 * each golden hello to a libssl server over memory BIOs.
 *
 * To regenerate the golden files after an intended change:
 *   MX_GOLDEN_WRITE=/path/to/tests/data/tls tests/unit/test_tls_hello
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "wire/tls_hello.h"
#include "wire/tls_registry.h"

/* ---- the injected random source ---------------------------------------- */

struct counter {
	unsigned next;
};

static void counter_random(void *ctx, uint8_t *out, size_t n)
{
	struct counter *c = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(c->next++);
}

/* ---- the golden hellos ------------------------------------------------- */

struct golden {
	struct mx_hello_params p;
	struct mx_hello_key_share ks[2];
	uint8_t share[2][1300];
	struct counter rnd;
};

static const uint16_t suites12[] = {
	0xC02F, 0xC030, 0xC02B, 0xC02C, 0xCCA8, 0xCCA9, 0x009E,
	0x009F, 0xC013, 0xC014, 0x0033, 0x0039, 0x002F, 0x0035,
	0x000A, 0x0005, 0x0004, 0x0003, 0x0018, 0xC011,
};
static const uint16_t suites13[] = {0x1301, 0x1302, 0x1303,
				    0xC02B, 0xC02F, 0xC030};
static const uint16_t groups12[] = {29, 23, 24, 256};
static const uint16_t groups13[] = {0x11EC, 29, 23, 30, 256};
static const uint16_t groups_hrr[] = {0x11EC, 23};
static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
				0x0806, 0x0601, 0x0807, 0x0203, 0x0201};
static const uint16_t v13[] = {MX_TLS13, MX_TLS12};
static const uint8_t pf[] = {0};
static const char *const alpn[] = {"smtp"};

enum which { G_TLS12, G_TLS13, G_HRR };

static void golden_init(struct golden *g, enum which w)
{
	struct mx_hello_params *p = &g->p;

	memset(g, 0, sizeof(*g));
	p->random = counter_random;
	p->random_ctx = &g->rnd;
	p->legacy_version = MX_TLS12;
	p->sni = "mx1.lab.test";
	p->sigschemes = sigs;
	p->nsigschemes = sizeof(sigs) / sizeof(sigs[0]);
	p->point_formats = pf;
	p->npoint_formats = 1;
	if (w == G_TLS12) {
		p->suites = suites12;
		p->nsuites = sizeof(suites12) / sizeof(suites12[0]);
		p->groups = groups12;
		p->ngroups = 4;
		p->ext = MX_HELLO_RENEG_INFO | MX_HELLO_EMS |
			 MX_HELLO_SESSION_TICKET | MX_HELLO_STATUS_REQUEST |
			 MX_HELLO_ETM;
		p->pad_to = 512;
		return;
	}
	p->suites = suites13;
	p->nsuites = sizeof(suites13) / sizeof(suites13[0]);
	p->versions = v13;
	p->nversions = 2;
	p->alpn = alpn;
	p->nalpn = 1;
	p->ext = MX_HELLO_EMS | MX_HELLO_PSK_MODES | MX_HELLO_RANDOM_SESSION_ID;
	p->key_shares = g->ks;
	g->ks[0].group = 0x11EC;
	g->ks[0].key = g->share[0];
	g->ks[0].len = mx_keyshare_make(0x11EC, counter_random, &g->rnd,
					g->share[0], sizeof(g->share[0]));
	assert_int_equal(g->ks[0].len, 1216);
	if (w == G_HRR) {
		p->groups = groups_hrr;
		p->ngroups = 2;
		p->nkey_shares = 1;
		return;
	}
	p->groups = groups13;
	p->ngroups = 5;
	g->ks[1].group = 29;
	g->ks[1].key = g->share[1];
	g->ks[1].len = mx_keyshare_make(29, counter_random, &g->rnd,
					g->share[1], sizeof(g->share[1]));
	assert_int_equal(g->ks[1].len, 32);
	p->nkey_shares = 2;
}

static const char *golden_file(enum which w)
{
	return w == G_TLS12   ? "hello_tls12.bin"
	       : w == G_TLS13 ? "hello_tls13.bin"
			      : "hello_tls13_hrr.bin";
}

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

static void build_golden(enum which w, struct mx_buf *out)
{
	struct golden g;
	struct mx_hello_diag d;

	golden_init(&g, w);
	mx_buf_init(out, 0);
	assert_int_equal(mx_hello_build(&g.p, out, &d), MX_HELLO_OK);
	assert_null(d.what);
}

static void check_golden(enum which w)
{
	const char *wdir = getenv("MX_GOLDEN_WRITE");
	struct mx_buf out;
	uint8_t *want;
	size_t wlen;

	build_golden(w, &out);
	if (wdir) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", wdir, golden_file(w));
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(out.p, 1, out.len, f), out.len);
		fclose(f);
	}
	want = read_data(golden_file(w), &wlen);
	assert_int_equal(out.len, wlen);
	assert_memory_equal(out.p, want, wlen);
	free(want);
	mx_buf_free(&out);
}

static void test_golden_tls12(void **state)
{
	(void)state;
	check_golden(G_TLS12);
}

static void test_golden_tls13(void **state)
{
	(void)state;
	check_golden(G_TLS13);
}

static void test_golden_hrr(void **state)
{
	(void)state;
	check_golden(G_HRR);
}

/* ---- an independent decode of what we built --------------------------- */

struct decoded {
	uint16_t rec_version, version;
	uint8_t random[32];
	size_t sid_len, nsuites, hs_len;
	uint16_t ext_types[32];
	size_t next;
	struct mx_cur key_share; /* body of the key_share extension */
	int has_ext_block;
};

/* Reads one record holding the whole ClientHello. */
static void decode(const uint8_t *p, size_t len, struct decoded *d)
{
	struct mx_cur c, rec, hs, v, exts;

	memset(d, 0, sizeof(*d));
	mx_cur_init(&c, p, len);
	assert_int_equal(mx_cur_u8(&c), 22);
	d->rec_version = mx_cur_u16(&c);
	mx_cur_sub16(&c, &rec);
	assert_true(mx_cur_done(&c));
	assert_int_equal(mx_cur_u8(&rec), 1);
	mx_cur_sub24(&rec, &hs);
	assert_true(mx_cur_done(&rec));
	d->hs_len = mx_cur_left(&hs) + 4;
	d->version = mx_cur_u16(&hs);
	mx_cur_copy(&hs, d->random, 32);
	mx_cur_sub8(&hs, &v);
	d->sid_len = mx_cur_left(&v);
	mx_cur_sub16(&hs, &v);
	d->nsuites = mx_cur_left(&v) / 2;
	mx_cur_sub8(&hs, &v);
	assert_true(mx_cur_left(&v) >= 1);
	if (mx_cur_left(&hs) == 0) {
		assert_true(mx_cur_ok(&hs));
		return;
	}
	d->has_ext_block = 1;
	mx_cur_sub16(&hs, &exts);
	assert_true(mx_cur_done(&hs));
	while (mx_cur_left(&exts) > 0) {
		uint16_t t = mx_cur_u16(&exts);

		mx_cur_sub16(&exts, &v);
		assert_true(mx_cur_ok(&exts));
		assert_true(d->next < 32);
		d->ext_types[d->next++] = t;
		if (t == 51)
			d->key_share = v;
	}
	assert_true(mx_cur_done(&exts));
}

static void test_decode_structure(void **state)
{
	static const uint16_t want13[] = {0, 11, 10, 16, 23, 13, 43, 45, 51};
	static const uint16_t want12[] = {0,  11, 10, 35,     22,
					  23, 13, 5,  0xff01, 21};
	struct mx_buf out;
	struct decoded d;
	struct mx_cur ks, share;
	size_t i;

	(void)state;
	build_golden(G_TLS13, &out);
	decode(out.p, out.len, &d);
	assert_int_equal(d.rec_version, 0x0301);
	assert_int_equal(d.version, 0x0303);
	assert_int_equal(d.sid_len, 32);
	assert_int_equal(d.nsuites, 6);
	/* Key shares were drawn first (1216 + 32 bytes of ML-KEM input and
	 * x25519 private key), so the hello random continues the stream. */
	assert_int_equal(d.next, sizeof(want13) / sizeof(want13[0]));
	assert_memory_equal(d.ext_types, want13, sizeof(want13));

	/* key_share: X25519MLKEM768 (1216) then x25519 (32), and the
	 * x25519 value is the public key of the drawn private key. */
	ks = d.key_share;
	mx_cur_sub16(&ks, &share);
	assert_true(mx_cur_done(&ks));
	assert_int_equal(mx_cur_u16(&share), 0x11EC);
	mx_cur_skip(&share, mx_cur_u16(&share));
	assert_int_equal(mx_cur_u16(&share), 29);
	assert_int_equal(mx_cur_u16(&share), 32);
	{
		/* Replay the counter source: the hybrid share, then the
		 * x25519 private key, then the hello random. */
		struct counter c = {0};
		uint8_t tmp[1300], priv[32], pub[32];
		size_t plen = sizeof(pub);
		EVP_PKEY *k;

		assert_int_equal(mx_keyshare_make(0x11EC, counter_random, &c,
						  tmp, sizeof(tmp)),
				 1216);
		counter_random(&c, priv, sizeof(priv));
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv,
						 32);
		assert_non_null(k);
		assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &plen), 1);
		EVP_PKEY_free(k);
		assert_memory_equal(mx_cur_bytes(&share, 32), pub, 32);
		assert_true(mx_cur_done(&share));
		/* The hello random comes next in the stream. */
		counter_random(&c, priv, sizeof(priv));
		assert_memory_equal(d.random, priv, 32);
	}
	mx_buf_free(&out);

	build_golden(G_TLS12, &out);
	decode(out.p, out.len, &d);
	assert_int_equal(d.sid_len, 0);
	assert_int_equal(d.nsuites, sizeof(suites12) / sizeof(suites12[0]));
	assert_int_equal(d.next, sizeof(want12) / sizeof(want12[0]));
	assert_memory_equal(d.ext_types, want12, sizeof(want12));
	assert_int_equal(d.hs_len, 512); /* padded (RFC 7685) */
	for (i = 0; i < 32; i++)
		assert_int_equal(d.random[i], i);
	mx_buf_free(&out);
}

/* SSLv3: no extensions at all, record version 3.0, byte-exact. */
static void test_sslv3_exact(void **state)
{
	static const uint16_t suite[] = {0x000A};
	uint8_t want[50] = {0x16, 0x03, 0x00, 0x00, 0x2d, 0x01,
			    0x00, 0x00, 0x29, 0x03, 0x00};
	struct mx_hello_params p;
	struct counter c = {100};
	struct mx_buf out;
	size_t i;

	(void)state;
	for (i = 0; i < 32; i++)
		want[11 + i] = (uint8_t)(100 + i);
	want[43] = 0x00; /* session id length */
	want[44] = 0x00, want[45] = 0x02, want[46] = 0x00, want[47] = 0x0a;
	want[48] = 0x01, want[49] = 0x00; /* compression: null */
	memset(&p, 0, sizeof(p));
	p.legacy_version = MX_SSL3;
	p.suites = suite;
	p.nsuites = 1;
	p.random = counter_random;
	p.random_ctx = &c;
	mx_buf_init(&out, 0);
	assert_int_equal(mx_hello_build(&p, &out, NULL), MX_HELLO_OK);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.p, want, sizeof(want));
	mx_buf_free(&out);
}

static void test_fragmentation(void **state)
{
	struct golden g;
	struct mx_buf one, many, joined;
	struct mx_cur c;
	size_t nrec = 0;

	(void)state;
	golden_init(&g, G_TLS13);
	mx_buf_init(&one, 0);
	assert_int_equal(mx_hello_build(&g.p, &one, NULL), MX_HELLO_OK);
	golden_init(&g, G_TLS13);
	g.p.record_max = 100;
	mx_buf_init(&many, 0);
	assert_int_equal(mx_hello_build(&g.p, &many, NULL), MX_HELLO_OK);
	mx_buf_init(&joined, 0);
	mx_cur_init(&c, many.p, many.len);
	while (mx_cur_left(&c) > 0) {
		struct mx_cur frag;

		assert_int_equal(mx_cur_u8(&c), 22);
		assert_int_equal(mx_cur_u16(&c), 0x0301);
		mx_cur_sub16(&c, &frag);
		assert_true(mx_cur_ok(&c));
		assert_true(mx_cur_left(&frag) <= 100);
		assert_true(mx_cur_left(&frag) > 0);
		mx_buf_push(&joined, frag.p, mx_cur_left(&frag));
		nrec++;
	}
	/* Same handshake message, cut into ceil(len / 100) records. */
	assert_int_equal(joined.len, one.len - 5);
	assert_memory_equal(joined.p, one.p + 5, joined.len);
	assert_int_equal(nrec, (joined.len + 99) / 100);
	mx_buf_free(&one);
	mx_buf_free(&many);
	mx_buf_free(&joined);
}

static void test_padding(void **state)
{
	static const size_t targets[] = {0,   60,  100, 101, 102, 103,
					 104, 105, 300, 511, 512, 1000};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		static const uint16_t suite[] = {0xC02F};
		struct mx_hello_params p;
		struct counter c = {0};
		struct mx_buf out;
		struct decoded d;
		size_t natural = 4 + 2 + 32 + 1 + 4 + 2; /* 45, no ext */

		memset(&p, 0, sizeof(p));
		p.legacy_version = MX_TLS12;
		p.suites = suite;
		p.nsuites = 1;
		p.random = counter_random;
		p.random_ctx = &c;
		p.pad_to = targets[i];
		mx_buf_init(&out, 0);
		assert_int_equal(mx_hello_build(&p, &out, NULL), MX_HELLO_OK);
		decode(out.p, out.len, &d);
		if (targets[i] <= natural) {
			assert_int_equal(d.hs_len, natural);
			assert_false(d.has_ext_block);
		} else {
			/* 2 bytes of block length + 4 of extension header
			 * are the least padding can add. */
			size_t least = natural + 6;

			assert_int_equal(d.hs_len, targets[i] > least
							   ? targets[i]
							   : least);
			assert_int_equal(d.ext_types[0], 21);
		}
		mx_buf_free(&out);
	}
}

static void test_bad_params(void **state)
{
	static const uint16_t suite[] = {0xC02F};
	static const uint8_t sid[33] = {0};
	static const char *const empty_alpn[] = {""};
	char longname[300];
	struct mx_hello_params p;
	struct counter c = {0};
	struct mx_buf out;
	struct mx_hello_diag d;
	int i;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	for (i = 0; i < 10; i++) {
		memset(&p, 0, sizeof(p));
		p.legacy_version = MX_TLS12;
		p.suites = suite;
		p.nsuites = 1;
		p.random = counter_random;
		p.random_ctx = &c;
		switch (i) {
		case 0:
			p.random = NULL;
			break;
		case 1:
			p.legacy_version = 0x0200;
			break;
		case 2:
			p.legacy_version = 0x0304;
			break;
		case 3:
			p.nsuites = 0;
			break;
		case 4:
			p.session_id = sid;
			p.session_id_len = 33;
			break;
		case 5:
			p.sni = "";
			break;
		case 6:
			p.sni = longname;
			break;
		case 7:
			p.alpn = empty_alpn;
			p.nalpn = 1;
			break;
		case 8:
			p.ngroups = 2;
			break; /* count without list */
		case 9:
			p.record_version = 0x0200;
			break;
		}
		mx_buf_init(&out, 0);
		d.what = NULL;
		assert_int_equal(mx_hello_build(&p, &out, &d),
				 MX_HELLO_BAD_PARAMS);
		assert_non_null(d.what);
		assert_int_equal(out.len, 0);
		mx_buf_free(&out);
	}
	assert_int_equal(mx_hello_build(NULL, &out, &d), MX_HELLO_BAD_PARAMS);
	assert_string_equal(mx_hello_status_name(MX_HELLO_TOO_BIG), "too big");
}

static void test_too_big(void **state)
{
	uint16_t *many = calloc(40000, sizeof(*many));
	static const uint16_t suite[] = {0xC02F};
	struct mx_hello_params p;
	struct counter c = {0};
	struct mx_buf out;
	struct mx_hello_diag d;

	(void)state;
	assert_non_null(many);
	memset(&p, 0, sizeof(p));
	p.legacy_version = MX_TLS12;
	p.suites = many;
	p.nsuites = 40000; /* 80000 bytes > cipher_suites<2..2^16-2> */
	p.random = counter_random;
	p.random_ctx = &c;
	mx_buf_init(&out, 0);
	assert_int_equal(mx_hello_build(&p, &out, &d), MX_HELLO_TOO_BIG);
	assert_non_null(d.what);
	mx_buf_free(&out);
	/* Groups list over 2^16 inside the extensions block. */
	p.suites = suite;
	p.nsuites = 1;
	p.groups = many;
	p.ngroups = 33000;
	mx_buf_init(&out, 0);
	assert_int_equal(mx_hello_build(&p, &out, &d), MX_HELLO_TOO_BIG);
	mx_buf_free(&out);
	/* The caller's cap on the output. */
	p.ngroups = 0;
	mx_buf_init(&out, 20);
	assert_int_equal(mx_hello_build(&p, &out, &d), MX_HELLO_TOO_BIG);
	mx_buf_free(&out);
	free(many);
}

/* ---- key shares -------------------------------------------------------- */

static void test_keyshares_valid(void **state)
{
	static const uint16_t ids[] = {23,     24,     25,     29,    30,
				       256,    257,    512,    513,   514,
				       0x11EB, 0x11EC, 0x11ED, 0x6399};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct mx_group *g = mx_group_by_id(ids[i]);
		uint8_t buf[2000];
		struct counter c = {(unsigned)i * 13};
		size_t n = mx_keyshare_make(ids[i], counter_random, &c, buf,
					    sizeof(buf));

		assert_non_null(g);
		if (n != g->share_len)
			fail_msg("%s: %zu bytes, registry says %u", g->iana, n,
				 g->share_len);
		/* Too small an output: refused, not overrun. */
		assert_int_equal(mx_keyshare_make(ids[i], counter_random, &c,
						  buf, n - 1),
				 0);
	}
	assert_int_equal(
		mx_keyshare_make(0x1234, counter_random, NULL, NULL, 0), 0);
}

static void test_keyshare_points_on_curve(void **state)
{
	static const struct {
		uint16_t id;
		int nid;
	} curves[] = {{23, NID_X9_62_prime256v1},
		      {24, NID_secp384r1},
		      {25, NID_secp521r1}};
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		uint8_t buf[200];
		struct counter c = {7};
		size_t n = mx_keyshare_make(curves[i].id, counter_random, &c,
					    buf, sizeof(buf));
		EC_GROUP *g = EC_GROUP_new_by_curve_name(curves[i].nid);
		EC_POINT *pt = EC_POINT_new(g);

		assert_int_equal(buf[0], 0x04);
		assert_int_equal(EC_POINT_oct2point(g, pt, buf, n, NULL), 1);
		assert_int_equal(EC_POINT_is_on_curve(g, pt, NULL), 1);
		EC_POINT_free(pt);
		EC_GROUP_free(g);
	}
}

static void test_keyshare_mlkem_coefficients(void **state)
{
	uint8_t buf[1600];
	struct counter c = {0};
	size_t n, i;

	(void)state;
	n = mx_keyshare_make(514, counter_random, &c, buf, sizeof(buf));
	assert_int_equal(n, 1568);
	for (i = 0; i + 2 < n - 32; i += 3) {
		unsigned a = buf[i] | (unsigned)(buf[i + 1] & 0x0f) << 8;
		unsigned b = buf[i + 1] >> 4 | (unsigned)buf[i + 2] << 4;

		assert_true(a < 3329);
		assert_true(b < 3329);
	}
}

/* ---- the real server accepts the golden hellos ------------------------- */

static SSL_CTX *server_ctx(void)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char cert[4096], key[4096];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	snprintf(cert, sizeof(cert), "%s/tls/server-rsa.pem",
		 dir ? dir : "tests/data");
	snprintf(key, sizeof(key), "%s/tls/server-rsa.key",
		 dir ? dir : "tests/data");
	assert_non_null(ctx);
	assert_int_equal(
		SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM), 1);
	assert_int_equal(
		SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
	return ctx;
}

/* Feed `hello` to a libssl server; return its first handshake type. */
static int server_answer(SSL_CTX *ctx, const uint8_t *hello, size_t len,
			 uint8_t *reply, size_t *rlen)
{
	SSL *s = SSL_new(ctx);
	BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
	int n;

	assert_non_null(s);
	SSL_set_bio(s, in, out);
	SSL_set_accept_state(s);
	assert_int_equal(BIO_write(in, hello, (int)len), (int)len);
	(void)SSL_do_handshake(s);
	n = BIO_read(out, reply, (int)*rlen);
	*rlen = n > 0 ? (size_t)n : 0;
	SSL_free(s);
	if (*rlen < 6)
		return -1;
	return reply[0] == 22 ? reply[5] : -(int)reply[0];
}

static void test_openssl_accepts(void **state)
{
	static const uint8_t hrr_random[8] = {0xCF, 0x21, 0xAD, 0x74,
					      0xE5, 0x9A, 0x61, 0x11};
	SSL_CTX *ctx = server_ctx();
	uint8_t reply[16384];
	size_t rlen;
	struct mx_buf h;

	(void)state;
	build_golden(G_TLS12, &h);
	rlen = sizeof(reply);
	assert_int_equal(server_answer(ctx, h.p, h.len, reply, &rlen), 2);
	/* ServerHello.server_version 3.3 and our first suite, 0xC02F */
	assert_int_equal(reply[9], 3);
	assert_int_equal(reply[10], 3);
	mx_buf_free(&h);

	build_golden(G_TLS13, &h);
	rlen = sizeof(reply);
	assert_int_equal(server_answer(ctx, h.p, h.len, reply, &rlen), 2);
	mx_buf_free(&h);

	/* Only an X25519MLKEM768 share, which OpenSSL 3.0 lacks: it asks
	 * again for secp256r1 (a HelloRetryRequest, RFC 8446 §4.1.4). */
	build_golden(G_HRR, &h);
	rlen = sizeof(reply);
	assert_int_equal(server_answer(ctx, h.p, h.len, reply, &rlen), 2);
	if (memcmp(reply + 11, hrr_random, 8) != 0)
		fail_msg("expected a HelloRetryRequest");
	mx_buf_free(&h);
	SSL_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_tls12),
		cmocka_unit_test(test_golden_tls13),
		cmocka_unit_test(test_golden_hrr),
		cmocka_unit_test(test_decode_structure),
		cmocka_unit_test(test_sslv3_exact),
		cmocka_unit_test(test_fragmentation),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_keyshares_valid),
		cmocka_unit_test(test_keyshare_points_on_curve),
		cmocka_unit_test(test_keyshare_mlkem_coefficients),
		cmocka_unit_test(test_openssl_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
