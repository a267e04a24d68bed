/*
 * test_ja3.c - JA3 and JA3S strings and their MD5 (wire/ja3.h).
 *
 * The known vector is the example of the JA3 description (Salesforce):
 * "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0".
 * A ClientHello with exactly those fields (plus GREASE values, which JA3
 * leaves out) is written byte by byte, parsed, and its JA3 string
 * compared; the expected MD5 is computed here from the expected string
 * with libcrypto's streaming EVP interface (not the one ja3.c uses) and
 * compared with the published fingerprint as well.  A hello built by
 * mx_hello_build() with GREASE in suites, groups and versions is checked
 * against a string derived by hand from its parameters.  JA3S from a
 * ServerHello struct, empty fields, cut lists and a too small buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "common/buf.h"
#include "wire/ja3.h"
#include "wire/tls_chello.h"
#include "wire/tls_hello.h"

static const char known[] =
	"769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0";

/* MD5 of s by the streaming EVP calls, as lower-case hex. */
static void md5_hex(const char *s, char out[33])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_md5(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, s, strlen(s)), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, md, &n), 1);
	EVP_MD_CTX_free(c);
	assert_int_equal(n, 16);
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void ext_empty(struct mx_buf *b, uint16_t type)
{
	mx_buf_push_u16(b, type);
	mx_buf_push_u16(b, 0);
}

/* The known vector's hello, with GREASE added in every list. */
static void known_hello(struct mx_chello *ch)
{
	static const uint16_t suites[] = {0x0a0a, 47,	 53,	5,     10,
					  49161,  49162, 49171, 49172, 50,
					  56,	  19,	 4};
	struct mx_buf b;
	size_t i, e, l, k;

	mx_buf_init(&b, 0);
	mx_buf_push_u16(&b, 769);
	for (i = 0; i < 32; i++)
		mx_buf_push_u8(&b, (uint8_t)i);
	mx_buf_push_u8(&b, 0);
	l = mx_buf_block_open(&b, 2);
	for (i = 0; i < sizeof(suites) / 2; i++)
		mx_buf_push_u16(&b, suites[i]);
	mx_buf_block_close(&b, l, 2);
	mx_buf_push_u8(&b, 1);
	mx_buf_push_u8(&b, 0);
	e = mx_buf_block_open(&b, 2);
	ext_empty(&b, 0x1a1a);	/* GREASE extension */
	mx_buf_push_u16(&b, 0); /* server_name "a" */
	l = mx_buf_block_open(&b, 2);
	k = mx_buf_block_open(&b, 2);
	mx_buf_push_u8(&b, 0);
	mx_buf_push_u16(&b, 1);
	mx_buf_push_u8(&b, 'a');
	mx_buf_block_close(&b, k, 2);
	mx_buf_block_close(&b, l, 2);
	mx_buf_push_u16(&b, 10); /* supported_groups */
	l = mx_buf_block_open(&b, 2);
	k = mx_buf_block_open(&b, 2);
	mx_buf_push_u16(&b, 0x2a2a);
	mx_buf_push_u16(&b, 23);
	mx_buf_push_u16(&b, 24);
	mx_buf_push_u16(&b, 25);
	mx_buf_block_close(&b, k, 2);
	mx_buf_block_close(&b, l, 2);
	mx_buf_push_u16(&b, 11); /* ec_point_formats */
	l = mx_buf_block_open(&b, 2);
	mx_buf_push_u8(&b, 1);
	mx_buf_push_u8(&b, 0);
	mx_buf_block_close(&b, l, 2);
	ext_empty(&b, 0xfafa); /* GREASE again, last */
	mx_buf_block_close(&b, e, 2);
	assert_int_equal(b.err, 0);
	assert_int_equal(mx_chello_parse(b.p, b.len, ch, NULL, 0),
			 MX_CHELLO_OK);
	mx_buf_free(&b);
}

static void test_known_vector(void **state)
{
	struct mx_chello ch;
	char s[MX_JA3_STR_MAX], h[MX_JA3_HEX], want[33];

	(void)state;
	known_hello(&ch);
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), 0);
	assert_string_equal(s, known);
	md5_hex(known, want);
	assert_int_equal(mx_ja3_md5(s, h), 0);
	assert_string_equal(h, want);
	/* the fingerprint published with the JA3 description */
	assert_string_equal(h, "ada70206e40642a3e4461f35503241d5");
	assert_int_equal(mx_ja3_md5("", h), 0);
	assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
}

static void counter_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, 0x5c, n);
}

static void test_built_hello(void **state)
{
	static const uint16_t suites[] = {0x2a2a, 0x1301, 0xc02f, 0x00ff};
	static const uint16_t groups[] = {0x3a3a, 29, 23};
	static const uint16_t versions[] = {0x4a4a, 0x0304, 0x0303};
	static const uint16_t sigs[] = {0x0403, 0x0804};
	static const uint8_t pf[] = {0};
	static const uint8_t key[32] = {9};
	static const struct mx_hello_key_share ks[] = {{29, key, 32}};
	static const char *const alpn[] = {"smtp"};
	struct mx_hello_params p;
	struct mx_buf rec;
	struct mx_chello ch;
	char s[MX_JA3_STR_MAX], h[MX_JA3_HEX], want[33];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.legacy_version = 0x0303;
	p.suites = suites;
	p.nsuites = 4;
	p.groups = groups;
	p.ngroups = 3;
	p.versions = versions;
	p.nversions = 3;
	p.sigschemes = sigs;
	p.nsigschemes = 2;
	p.point_formats = pf;
	p.npoint_formats = 1;
	p.key_shares = ks;
	p.nkey_shares = 1;
	p.alpn = alpn;
	p.nalpn = 1;
	p.sni = "mx.example.net";
	p.ext = MX_HELLO_EMS | MX_HELLO_RENEG_INFO | MX_HELLO_PSK_MODES;
	p.random = counter_random;
	mx_buf_init(&rec, 0);
	assert_int_equal(mx_hello_build(&p, &rec, NULL), MX_HELLO_OK);
	assert_int_equal(mx_chello_parse_record(rec.p, rec.len, &ch, NULL, 0),
			 MX_CHELLO_OK);
	mx_buf_free(&rec);
	/* by hand: 0x0303 = 771; suites without 0x2a2a; extensions in the
	 * builder's order: server_name 0, ec_point_formats 11,
	 * supported_groups 10, ALPN 16, EMS 23, signature_algorithms 13,
	 * supported_versions 43, psk_key_exchange_modes 45, key_share 51,
	 * renegotiation_info 65281; groups without 0x3a3a; format 0 */
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), 0);
	assert_string_equal(s, "771,4865-49199-255,0-11-10-16-23-13-43-45-51-"
			       "65281,29-23,0");
	md5_hex(s, want);
	assert_int_equal(mx_ja3_md5(s, h), 0);
	assert_string_equal(h, want);
}

static void test_empty_fields(void **state)
{
	struct mx_chello ch;
	char s[64];

	(void)state;
	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0300;
	ch.suites[0] = 10;
	ch.suites[1] = 5;
	ch.suites[2] = 4;
	ch.nsuites = ch.nsuites_total = 3;
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), 0);
	assert_string_equal(s, "768,10-5-4,,,");
	/* only GREASE: an empty field, not a stray '-' */
	ch.suites[0] = 0x0a0a;
	ch.nsuites = ch.nsuites_total = 1;
	ch.ext[0] = 0xbaba;
	ch.ext[1] = 65535;
	ch.next = ch.next_total = 2;
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), 0);
	assert_string_equal(s, "768,,65535,,");
}

static void test_ja3s(void **state)
{
	struct mx_server_hello sh;
	char s[64];

	(void)state;
	memset(&sh, 0, sizeof(sh));
	sh.legacy_version = 0x0303;
	sh.version = 0x0304; /* JA3S uses the legacy field */
	sh.suite = 0xc02f;
	sh.ext[0] = 65281;
	sh.ext[1] = 0;
	sh.ext[2] = 11;
	sh.ext[3] = 35;
	sh.ext[4] = 23;
	sh.next = 5;
	assert_int_equal(mx_ja3s_string(&sh, s, sizeof(s)), 0);
	assert_string_equal(s, "771,49199,65281-0-11-35-23");
	sh.next = 0;
	sh.suite = 0x1301;
	assert_int_equal(mx_ja3s_string(&sh, s, sizeof(s)), 0);
	assert_string_equal(s, "771,4865,");
	assert_int_equal(mx_ja3s_string(&sh, s, 8), -1);
	assert_string_equal(s, "771,");
}

/* A buffer too small: -1, NUL-terminated, cut at a value boundary. */
static void test_overflow(void **state)
{
	struct mx_chello ch;
	char full[MX_JA3_STR_MAX], s[MX_JA3_STR_MAX];
	size_t cap, n;

	(void)state;
	known_hello(&ch);
	assert_int_equal(mx_ja3_string(&ch, full, sizeof(full)), 0);
	for (cap = 1; cap <= strlen(full); cap++) {
		memset(s, 'x', sizeof(s));
		assert_int_equal(mx_ja3_string(&ch, s, cap), -1);
		n = strlen(s);
		assert_true(n < cap);
		assert_memory_equal(s, full, n);
		/* what follows in the full string starts a new value */
		assert_true(n == 0 || full[n] == '-' || full[n] == ',' ||
			    s[n - 1] == ',');
	}
	assert_int_equal(mx_ja3_string(&ch, s, 0), -1);
	assert_int_equal(mx_ja3_string(&ch, s, strlen(full) + 1), 0);
}

static void test_cut_lists(void **state)
{
	struct mx_chello ch;
	char s[MX_JA3_STR_MAX];

	(void)state;
	known_hello(&ch);
	ch.nsuites_total++;
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), -1);
	known_hello(&ch);
	ch.next_total++;
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), -1);
	known_hello(&ch);
	ch.ngroups_total++;
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), -1);
	known_hello(&ch);
	ch.sslv2 = 1;
	assert_int_equal(mx_ja3_string(&ch, s, sizeof(s)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_built_hello),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_ja3s),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_cut_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
