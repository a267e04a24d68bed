/*
 * test_tls_registry.c - cipher suites, groups, signature schemes, names
 * and well-known DH primes (wire/tls_registry.h).
 *
 * The tables are facts typed in by hand, so the tests check them against
 * an independent source wherever one runs here: every suite the local
 * libssl knows must be in our table with the same OpenSSL name, IANA name,
 * key exchange, authentication, AEAD-ness and strength bits; every RFC DH
 * prime must equal libcrypto's copy; every prime short enough to test
 * quickly must really be prime (a typo in a transcribed prime would make
 * it composite).  The rest are table invariants and table-driven facts.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "wire/tls_registry.h"

static void test_suite_table_sorted_unique(void **state)
{
	size_t i, n = mx_suite_count();

	(void)state;
	assert_true(n > 350);
	for (i = 0; i < n; i++) {
		const struct mx_suite *s = mx_suite_at(i);

		assert_non_null(s->iana);
		if (i > 0)
			assert_true(mx_suite_at(i - 1)->id < s->id);
		assert_ptr_equal(mx_suite_by_id(s->id), s);
		assert_ptr_equal(mx_suite_by_name(s->iana), s);
		if (s->openssl)
			assert_ptr_equal(mx_suite_by_name(s->openssl), s);
	}
	assert_null(mx_suite_at(n));
	assert_null(mx_suite_by_id(0x1C00));
	assert_null(mx_suite_by_id(0xFFFF));
	assert_null(mx_suite_by_name("NO-SUCH-SUITE"));
	assert_null(mx_suite_by_name(NULL));
}

/* The issue asks for these families; each must be present. */
static void test_suite_required_code_points(void **state)
{
	static const uint16_t need[] = {
		0x0000, 0x0001, 0x0003, 0x0004, 0x0006, 0x0007, 0x0008, 0x0009,
		0x000A, 0x0017, 0x0018, 0x001B, 0x002F, 0x0035, 0x0039, 0x0041,
		0x0084, 0x0096, 0x009C, 0x009E, 0x00A6, 0x00FF, 0x1301, 0x1302,
		0x1303, 0x1304, 0x1305, 0x5600, 0xC009, 0xC013, 0xC015, 0xC016,
		0xC018, 0xC02B, 0xC02F, 0xC030, 0xC050, 0xC05C, 0xC07A, 0xC09C,
		0xC0A0, 0xC0AC, 0xCCA8, 0xCCA9, 0xCCAA, 0xCCAB, 0x008C, 0x00A8,
		0xD001, 0xC100,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (mx_suite_by_id(need[i]) == NULL)
			fail_msg("suite 0x%04X missing", need[i]);
	}
}

static void test_suite_facts(void **state)
{
	static const struct {
		uint16_t id;
		const char *iana, *openssl;
		unsigned kx, auth, cipher, mac, bits, minv;
		uint32_t set, clear;
	} cases[] = {
		{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "EXP-RC4-MD5",
		 MX_KX_RSA, MX_AUTH_RSA, MX_CIPHER_RC4, MX_MAC_MD5, 40, MX_SSL3,
		 MX_SUITE_EXPORT | MX_SUITE_RC4 | MX_SUITE_MD5,
		 MX_SUITE_FS | MX_SUITE_CBC},
		{0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA",
		 MX_KX_RSA, MX_AUTH_RSA, MX_CIPHER_3DES, MX_MAC_SHA1, 112,
		 MX_SSL3, MX_SUITE_3DES | MX_SUITE_CBC,
		 MX_SUITE_FS | MX_SUITE_DES | MX_SUITE_EXPORT},
		{0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
		 "EXP-EDH-RSA-DES-CBC-SHA", MX_KX_DHE, MX_AUTH_RSA,
		 MX_CIPHER_DES40, MX_MAC_SHA1, 40, MX_SSL3,
		 MX_SUITE_EXPORT | MX_SUITE_DES | MX_SUITE_FS | MX_SUITE_CBC,
		 0},
		{0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", "ADH-RC4-MD5",
		 MX_KX_DHE, MX_AUTH_ANON, MX_CIPHER_RC4, MX_MAC_MD5, 128,
		 MX_SSL3, MX_SUITE_ANON | MX_SUITE_RC4, MX_SUITE_EXPORT},
		{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
		 "DHE-RSA-AES128-SHA", MX_KX_DHE, MX_AUTH_RSA, MX_CIPHER_AES,
		 MX_MAC_SHA1, 128, MX_SSL3, MX_SUITE_FS | MX_SUITE_CBC,
		 MX_SUITE_AEAD},
		{0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA",
		 "EXP1024-DES-CBC-SHA", MX_KX_RSA, MX_AUTH_RSA, MX_CIPHER_DES,
		 MX_MAC_SHA1, 56, MX_SSL3,
		 MX_SUITE_EXPORT | MX_SUITE_UNOFFICIAL | MX_SUITE_DES, 0},
		{0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
		 "DHE-RSA-AES256-GCM-SHA384", MX_KX_DHE, MX_AUTH_RSA,
		 MX_CIPHER_AES_GCM, MX_MAC_AEAD, 256, MX_TLS12,
		 MX_SUITE_AEAD | MX_SUITE_FS, MX_SUITE_CBC},
		{0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV", NULL, MX_KX_NULL,
		 MX_AUTH_NULL, MX_CIPHER_NULL, MX_MAC_NULL, 0, MX_SSL3,
		 MX_SUITE_SCSV, 0},
		{0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
		 MX_KX_ANY, MX_AUTH_ANY, MX_CIPHER_AES_GCM, MX_MAC_AEAD, 128,
		 MX_TLS13, MX_SUITE_TLS13 | MX_SUITE_AEAD | MX_SUITE_FS, 0},
		{0x1303, "TLS_CHACHA20_POLY1305_SHA256",
		 "TLS_CHACHA20_POLY1305_SHA256", MX_KX_ANY, MX_AUTH_ANY,
		 MX_CIPHER_CHACHA20_POLY1305, MX_MAC_AEAD, 256, MX_TLS13,
		 MX_SUITE_TLS13 | MX_SUITE_AEAD, 0},
		{0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA",
		 MX_KX_ECDHE, MX_AUTH_RSA, MX_CIPHER_RC4, MX_MAC_SHA1, 128,
		 MX_SSL3, MX_SUITE_RC4 | MX_SUITE_FS, MX_SUITE_CBC},
		{0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA", "AECDH-RC4-SHA",
		 MX_KX_ECDHE, MX_AUTH_ANON, MX_CIPHER_RC4, MX_MAC_SHA1, 128,
		 MX_SSL3, MX_SUITE_ANON | MX_SUITE_RC4, 0},
		{0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		 "ECDHE-RSA-AES128-GCM-SHA256", MX_KX_ECDHE, MX_AUTH_RSA,
		 MX_CIPHER_AES_GCM, MX_MAC_AEAD, 128, MX_TLS12,
		 MX_SUITE_AEAD | MX_SUITE_FS, MX_SUITE_CBC | MX_SUITE_ANON},
		{0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
		 "ECDH-RSA-AES128-GCM-SHA256", MX_KX_ECDH, MX_AUTH_RSA,
		 MX_CIPHER_AES_GCM, MX_MAC_AEAD, 128, MX_TLS12, MX_SUITE_AEAD,
		 MX_SUITE_FS},
		{0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8",
		 "DHE-PSK-AES128-CCM8", MX_KX_DHE_PSK, MX_AUTH_PSK,
		 MX_CIPHER_AES_CCM8, MX_MAC_AEAD, 128, MX_TLS12,
		 MX_SUITE_PSK | MX_SUITE_AEAD, 0},
		{0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
		 "ECDHE-ECDSA-CHACHA20-POLY1305", MX_KX_ECDHE, MX_AUTH_ECDSA,
		 MX_CIPHER_CHACHA20_POLY1305, MX_MAC_AEAD, 256, MX_TLS12,
		 MX_SUITE_AEAD | MX_SUITE_FS, 0},
		{0xCC13, "OLD_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		 "ECDHE-RSA-CHACHA20-POLY1305-OLD", MX_KX_ECDHE, MX_AUTH_RSA,
		 MX_CIPHER_CHACHA20_POLY1305, MX_MAC_AEAD, 256, MX_TLS12,
		 MX_SUITE_UNOFFICIAL | MX_SUITE_AEAD, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mx_suite *s = mx_suite_by_id(cases[i].id);

		assert_non_null(s);
		assert_string_equal(s->iana, cases[i].iana);
		if (cases[i].openssl)
			assert_string_equal(s->openssl, cases[i].openssl);
		assert_int_equal(s->kx, cases[i].kx);
		assert_int_equal(s->auth, cases[i].auth);
		assert_int_equal(s->cipher, cases[i].cipher);
		assert_int_equal(s->mac, cases[i].mac);
		assert_int_equal(s->bits, cases[i].bits);
		assert_int_equal(s->min_version, cases[i].minv);
		if ((s->flags & cases[i].set) != cases[i].set)
			fail_msg("0x%04X lacks flags %#x", s->id,
				 cases[i].set & ~s->flags);
		if (s->flags & cases[i].clear)
			fail_msg("0x%04X has flags %#x", s->id,
				 s->flags & cases[i].clear);
	}
	/* Names: either spelling, any case. */
	assert_int_equal(mx_suite_by_name("ecdhe-rsa-aes128-gcm-sha256")->id,
			 0xC02F);
	assert_int_equal(mx_suite_by_name("tls_rsa_with_rc4_128_md5")->id,
			 0x0004);
	assert_string_equal(mx_kx_name(MX_KX_ECDHE), "ECDHE");
	assert_string_equal(mx_auth_name(MX_AUTH_ANON), "anon");
	assert_string_equal(mx_cipher_name(MX_CIPHER_AES_GCM), "AES-GCM");
	assert_string_equal(mx_mac_name(MX_MAC_SHA384), "SHA384");
	assert_string_equal(mx_kx_name(999), "?");
}

/* Flags must agree with what the IANA name says. */
static void test_suite_flags_match_names(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < mx_suite_count(); i++) {
		const struct mx_suite *s = mx_suite_at(i);
		const char *n = s->iana;
		int aead = (s->flags & MX_SUITE_AEAD) != 0;

		if (((s->flags & MX_SUITE_ANON) != 0) !=
		    (strstr(n, "_anon_") != NULL))
			fail_msg("%s: anon flag", n);
		if (((s->flags & MX_SUITE_EXPORT) != 0) !=
		    (strstr(n, "EXPORT") != NULL))
			fail_msg("%s: export flag", n);
		if (((s->flags & MX_SUITE_RC4) != 0) !=
		    (strstr(n, "_RC4_") != NULL))
			fail_msg("%s: rc4 flag", n);
		if (((s->flags & MX_SUITE_3DES) != 0) !=
		    (strstr(n, "3DES") != NULL))
			fail_msg("%s: 3des flag", n);
		if (((s->flags & MX_SUITE_CBC) != 0) !=
		    (strstr(n, "_CBC") != NULL))
			fail_msg("%s: cbc flag", n);
		if (aead != (s->mac == MX_MAC_AEAD))
			fail_msg("%s: aead flag vs mac", n);
		if (((s->flags & MX_SUITE_TLS13) != 0) !=
		    (s->min_version == MX_TLS13))
			fail_msg("%s: tls13 flag vs min_version", n);
		if ((s->id >> 8) == 0x13 && !(s->flags & MX_SUITE_TLS13))
			fail_msg("%s: 0x13xx is TLS 1.3", n);
		if ((s->flags & MX_SUITE_EXPORT) && s->bits > 56)
			fail_msg("%s: export with %u bits", n, s->bits);
		if ((s->flags & MX_SUITE_NULL) && s->bits != 0)
			fail_msg("%s: NULL cipher with bits", n);
		if (aead && (s->flags & MX_SUITE_CBC))
			fail_msg("%s: both AEAD and CBC", n);
		if ((s->flags & MX_SUITE_FS) &&
		    !(s->kx == MX_KX_DHE || s->kx == MX_KX_ECDHE ||
		      s->kx == MX_KX_DHE_PSK || s->kx == MX_KX_ECDHE_PSK ||
		      s->kx == MX_KX_ANY))
			fail_msg("%s: FS with static key exchange", n);
		if (strstr(n, "_DHE_") && !(s->flags & MX_SUITE_FS))
			fail_msg("%s: DHE without FS", n);
	}
}

static int ossl_kx(int nid)
{
	switch (nid) {
	case NID_kx_rsa:
		return MX_KX_RSA;
	case NID_kx_ecdhe:
		return MX_KX_ECDHE;
	case NID_kx_dhe:
		return MX_KX_DHE;
	case NID_kx_ecdhe_psk:
		return MX_KX_ECDHE_PSK;
	case NID_kx_dhe_psk:
		return MX_KX_DHE_PSK;
	case NID_kx_rsa_psk:
		return MX_KX_RSA_PSK;
	case NID_kx_psk:
		return MX_KX_PSK;
	case NID_kx_srp:
		return MX_KX_SRP;
	case NID_kx_gost:
	case NID_kx_gost18:
		return MX_KX_GOST;
	case NID_kx_any:
		return MX_KX_ANY;
	}
	return -1;
}

static int ossl_auth(int nid)
{
	switch (nid) {
	case NID_auth_rsa:
		return MX_AUTH_RSA;
	case NID_auth_ecdsa:
		return MX_AUTH_ECDSA;
	case NID_auth_psk:
		return MX_AUTH_PSK;
	case NID_auth_dss:
		return MX_AUTH_DSS;
	case NID_auth_gost01:
	case NID_auth_gost12:
		return MX_AUTH_GOST;
	case NID_auth_srp:
		return MX_AUTH_SRP;
	case NID_auth_null:
		return MX_AUTH_ANON;
	case NID_auth_any:
		return MX_AUTH_ANY;
	}
	return -1;
}

/* Cross-check against the real libssl: every code point it knows. */
static void test_suite_against_libssl(void **state)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	unsigned id, seen = 0;

	(void)state;
	assert_non_null(ssl);
	for (id = 0; id <= 0xffff; id++) {
		uint8_t b[2] = {(uint8_t)(id >> 8), (uint8_t)id};
		const SSL_CIPHER *c = SSL_CIPHER_find(ssl, b);
		const struct mx_suite *s;
		const char *std;

		if (c == NULL)
			continue;
		seen++;
		s = mx_suite_by_id((uint16_t)id);
		if (s == NULL)
			fail_msg("libssl knows 0x%04X (%s), we do not", id,
				 SSL_CIPHER_get_name(c));
		if (s->openssl == NULL ||
		    strcmp(s->openssl, SSL_CIPHER_get_name(c)) != 0)
			fail_msg("0x%04X: OpenSSL name %s, table %s", id,
				 SSL_CIPHER_get_name(c),
				 s->openssl ? s->openssl : "NULL");
		if (s->flags & MX_SUITE_SCSV)
			continue;
		std = SSL_CIPHER_standard_name(c);
		if (std && !(s->flags & MX_SUITE_UNOFFICIAL) &&
		    strcmp(std, s->iana) != 0)
			fail_msg("0x%04X: IANA name %s, libssl %s", id, s->iana,
				 std);
		if (ossl_kx(SSL_CIPHER_get_kx_nid(c)) != (int)s->kx &&
		    s->kx != MX_KX_GOST)
			fail_msg("0x%04X %s: kx %s disagrees with libssl", id,
				 s->iana, mx_kx_name(s->kx));
		if (ossl_auth(SSL_CIPHER_get_auth_nid(c)) != (int)s->auth &&
		    s->auth != MX_AUTH_GOST)
			fail_msg("0x%04X %s: auth %s disagrees with libssl", id,
				 s->iana, mx_auth_name(s->auth));
		if (SSL_CIPHER_is_aead(c) != ((s->flags & MX_SUITE_AEAD) != 0))
			fail_msg("0x%04X %s: AEAD disagrees with libssl", id,
				 s->iana);
		if (SSL_CIPHER_get_bits(c, NULL) != (int)s->bits &&
		    s->kx != MX_KX_GOST)
			fail_msg("0x%04X %s: %d bits in libssl, %u here", id,
				 s->iana, SSL_CIPHER_get_bits(c, NULL),
				 s->bits);
	}
	assert_true(seen > 100);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

static void test_groups(void **state)
{
	static const struct {
		uint16_t id;
		const char *iana;
		unsigned kind, bits, share, tls13;
	} cases[] = {
		{23, "secp256r1", MX_GROUP_EC, 256, 65, 1},
		{24, "secp384r1", MX_GROUP_EC, 384, 97, 1},
		{29, "x25519", MX_GROUP_EC, 253, 32, 1},
		{30, "x448", MX_GROUP_EC, 448, 56, 1},
		{26, "brainpoolP256r1", MX_GROUP_EC, 256, 65, 0},
		{31, "brainpoolP256r1tls13", MX_GROUP_EC, 256, 65, 1},
		{256, "ffdhe2048", MX_GROUP_FFDHE, 2048, 256, 1},
		{260, "ffdhe8192", MX_GROUP_FFDHE, 8192, 1024, 1},
		{0x11EB, "SecP256r1MLKEM768", MX_GROUP_HYBRID, 768, 1249, 1},
		{0x11EC, "X25519MLKEM768", MX_GROUP_HYBRID, 768, 1216, 1},
		{0x11ED, "SecP384r1MLKEM1024", MX_GROUP_HYBRID, 1024, 1665, 1},
		{0x6399, "X25519Kyber768Draft00", MX_GROUP_HYBRID, 768, 1216,
		 1},
		{513, "MLKEM768", MX_GROUP_KEM, 768, 1184, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mx_group *g = mx_group_by_id(cases[i].id);

		assert_non_null(g);
		assert_string_equal(g->iana, cases[i].iana);
		assert_int_equal(g->kind, cases[i].kind);
		assert_int_equal(g->bits, cases[i].bits);
		assert_int_equal(g->share_len, cases[i].share);
		assert_int_equal(g->tls13, cases[i].tls13);
		assert_ptr_equal(mx_group_by_name(cases[i].iana), g);
	}
	assert_int_equal(mx_group_by_name("P-256")->id, 23);
	assert_int_equal(mx_group_by_name("prime256v1")->id, 23);
	assert_int_equal(mx_group_by_name("X25519")->id, 29);
	assert_null(mx_group_by_name("P-255"));
	assert_null(mx_group_by_id(0));
	assert_true(mx_group_by_id(0x6399)->unofficial);
	for (i = 0; i < mx_group_count(); i++) {
		const struct mx_group *g = mx_group_at(i);

		if (i > 0)
			assert_true(mx_group_at(i - 1)->id < g->id);
		if (g->kind == MX_GROUP_FFDHE)
			assert_int_equal(g->share_len * 8, g->bits);
	}
	assert_null(mx_group_at(mx_group_count()));
}

/* Curve sizes against libcrypto's own curve objects. */
static void test_groups_against_libcrypto(void **state)
{
	size_t i, checked = 0;

	(void)state;
	for (i = 0; i < mx_group_count(); i++) {
		const struct mx_group *g = mx_group_at(i);
		int nid;
		EC_GROUP *ec;

		if (g->kind != MX_GROUP_EC || g->id == 29 || g->id == 30 ||
		    g->id >= 31)
			continue;
		nid = OBJ_sn2nid(g->iana);
		if (nid == NID_undef && strcmp(g->iana, "secp256r1") == 0)
			nid = NID_X9_62_prime256v1;
		if (nid == NID_undef && strcmp(g->iana, "secp192r1") == 0)
			nid = NID_X9_62_prime192v1;
		if (nid == NID_undef)
			continue;
		ec = EC_GROUP_new_by_curve_name(nid);
		if (ec == NULL)
			continue;
		if (EC_GROUP_get_degree(ec) != (int)g->bits)
			fail_msg("%s: %d bits in libcrypto, %u here", g->iana,
				 EC_GROUP_get_degree(ec), g->bits);
		/* Uncompressed point: 1 + 2 * field bytes (RFC 8422 §5.4). */
		if (g->share_len && g->share_len != 1 + 2 * ((g->bits + 7) / 8))
			fail_msg("%s: share length %u", g->iana, g->share_len);
		EC_GROUP_free(ec);
		checked++;
	}
	assert_true(checked >= 20);
}

static void test_sigschemes_and_names(void **state)
{
	size_t i;

	(void)state;
	assert_string_equal(mx_sigscheme_by_id(0x0804)->name,
			    "rsa_pss_rsae_sha256");
	assert_string_equal(mx_sigscheme_by_id(0x0403)->name,
			    "ecdsa_secp256r1_sha256");
	assert_string_equal(mx_sigscheme_by_id(0x0807)->name, "ed25519");
	assert_true(mx_sigscheme_by_id(0x0101)->legacy);
	assert_false(mx_sigscheme_by_id(0x0201)->legacy);
	assert_null(mx_sigscheme_by_id(0x0000));
	for (i = 1; i < mx_sigscheme_count(); i++)
		assert_true(mx_sigscheme_at(i - 1)->id <
			    mx_sigscheme_at(i)->id);
	assert_null(mx_sigscheme_at(mx_sigscheme_count()));

	assert_string_equal(mx_tls_version_name(0x0300), "SSLv3");
	assert_string_equal(mx_tls_version_name(0x0301), "TLSv1");
	assert_string_equal(mx_tls_version_name(0x0303), "TLSv1.2");
	assert_string_equal(mx_tls_version_name(0x0304), "TLSv1.3");
	assert_string_equal(mx_tls_version_name(0x7f17), "TLSv1.3-draft");
	assert_null(mx_tls_version_name(0x0305));
	assert_string_equal(mx_tls_alert_name(40), "handshake_failure");
	assert_string_equal(mx_tls_alert_name(70), "protocol_version");
	assert_string_equal(mx_tls_alert_name(86), "inappropriate_fallback");
	assert_null(mx_tls_alert_name(255));
	assert_string_equal(mx_tls_handshake_name(12), "server_key_exchange");
	assert_string_equal(mx_tls_ext_name(43), "supported_versions");
	assert_string_equal(mx_tls_ext_name(0xff01), "renegotiation_info");
	assert_null(mx_tls_ext_name(0x1234));
	for (i = 0; i < 16; i++)
		assert_true(mx_tls_grease(
			(uint16_t)(i << 12 | 0x0a00 | i << 4 | 0x0a)));
	assert_false(mx_tls_grease(0x0a1a));
	assert_false(mx_tls_grease(0x1301));
}

/* ---- DH primes --------------------------------------------------------- */

static const struct mx_dh_prime *by_name(const char *name)
{
	size_t i;

	for (i = 0; i < mx_dh_prime_count(); i++)
		if (strcmp(mx_dh_prime_at(i)->name, name) == 0)
			return mx_dh_prime_at(i);
	return NULL;
}

static void expect_same(const char *name, const BIGNUM *p)
{
	const struct mx_dh_prime *e = by_name(name);
	uint8_t want[MX_DH_MAX_BYTES], got[MX_DH_MAX_BYTES];
	int wn;
	size_t gn;

	if (e == NULL)
		fail_msg("%s missing", name);
	wn = BN_bn2bin(p, want);
	gn = mx_dh_prime_bytes(e, got, sizeof(got));
	if ((size_t)wn != gn || memcmp(want, got, gn) != 0)
		fail_msg("%s differs from libcrypto", name);
	assert_int_equal(e->bits, BN_num_bits(p));
	assert_ptr_equal(mx_dh_prime_by_p(want, (size_t)wn), e);
}

static void test_dh_primes_against_libcrypto(void **state)
{
	static const struct {
		const char *name;
		int nid;
	} ff[] = {
		{"ffdhe2048", NID_ffdhe2048}, {"ffdhe3072", NID_ffdhe3072},
		{"ffdhe4096", NID_ffdhe4096}, {"ffdhe6144", NID_ffdhe6144},
		{"ffdhe8192", NID_ffdhe8192},
	};
	static const struct {
		const char *name;
		BIGNUM *(*get)(BIGNUM *);
	} modp[] = {
		{"RFC 2409 group 1", BN_get_rfc2409_prime_768},
		{"RFC 2409 group 2", BN_get_rfc2409_prime_1024},
		{"RFC 3526 group 5", BN_get_rfc3526_prime_1536},
		{"RFC 3526 group 14", BN_get_rfc3526_prime_2048},
		{"RFC 3526 group 15", BN_get_rfc3526_prime_3072},
		{"RFC 3526 group 16", BN_get_rfc3526_prime_4096},
		{"RFC 3526 group 17", BN_get_rfc3526_prime_6144},
		{"RFC 3526 group 18", BN_get_rfc3526_prime_8192},
	};
	static const struct {
		const char *name;
		DH *(*get)(void);
	} r5114[] = {
		{"RFC 5114 1024-bit/160-bit subgroup", DH_get_1024_160},
		{"RFC 5114 2048-bit/224-bit subgroup", DH_get_2048_224},
		{"RFC 5114 2048-bit/256-bit subgroup", DH_get_2048_256},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(modp) / sizeof(modp[0]); i++) {
		BIGNUM *p = modp[i].get(NULL);

		expect_same(modp[i].name, p);
		BN_free(p);
	}
	for (i = 0; i < sizeof(ff) / sizeof(ff[0]); i++) {
		DH *dh = DH_new_by_nid(ff[i].nid);

		expect_same(ff[i].name, DH_get0_p(dh));
		DH_free(dh);
	}
	for (i = 0; i < sizeof(r5114) / sizeof(r5114[0]); i++) {
		DH *dh = r5114[i].get();

		expect_same(r5114[i].name, DH_get0_p(dh));
		DH_free(dh);
	}
}

/* Every entry up to 2048 bits: prime, and safe unless RFC 5114.  This is
 * what catches a typo in the transcribed Postfix/Apache primes. */
static void test_dh_primes_are_prime(void **state)
{
	size_t i, checked = 0;

	(void)state;
	for (i = 0; i < mx_dh_prime_count(); i++) {
		const struct mx_dh_prime *e = mx_dh_prime_at(i);
		uint8_t p[MX_DH_MAX_BYTES];
		size_t n = mx_dh_prime_bytes(e, p, sizeof(p));
		enum mx_dh_check want, got;

		assert_int_equal(n * 8, e->bits);
		assert_true(p[0] & 0x80); /* exactly `bits` long */
		assert_ptr_equal(mx_dh_prime_by_p(p, n), e);
		if (e->bits > 2048)
			continue;
		want = strncmp(e->name, "RFC 5114", 8) == 0
			       ? MX_DH_PRIME_NOT_SAFE
			       : MX_DH_SAFE_PRIME;
		/* the table's claim, which saves the enumeration the check */
		assert_int_equal(mx_dh_prime_known_safe(e),
				 want == MX_DH_SAFE_PRIME ? 1 : 0);
		got = mx_dh_is_safe_prime(p, n);
		if (got != want)
			fail_msg("%s: %s", e->name, mx_dh_check_name(got));
		checked++;
	}
	assert_true(checked >= 15);
	assert_non_null(by_name("Postfix built-in 1024-bit"));
	assert_non_null(by_name("Apache mod_ssl built-in 1024-bit"));
}

static void test_dh_lookup_edges(void **state)
{
	const struct mx_dh_prime *g2 = by_name("RFC 2409 group 2");
	uint8_t p[1 + MX_DH_MAX_BYTES];
	size_t n;

	(void)state;
	assert_non_null(g2);
	/* With a leading zero byte, as an ASN.1 INTEGER would carry it. */
	p[0] = 0;
	n = mx_dh_prime_bytes(g2, p + 1, sizeof(p) - 1);
	assert_int_equal(n, 128);
	assert_ptr_equal(mx_dh_prime_by_p(p, n + 1), g2);
	/* One bit off: unknown, and composite (p + 2 of a prime ending in
	 * ...ff is even after carry?  no: flip the low bit -> even). */
	p[n] ^= 0x02;
	assert_null(mx_dh_prime_by_p(p, n + 1));
	assert_int_equal(mx_dh_is_safe_prime(p + 1, n), MX_DH_NOT_PRIME);
	p[n] ^= 0x01; /* now even */
	assert_int_equal(mx_dh_is_safe_prime(p + 1, n), MX_DH_CHECK_ERROR);
	/* Truncated p is not the group. */
	p[n] ^= 0x03;
	assert_null(mx_dh_prime_by_p(p + 1, n - 1));
	assert_null(mx_dh_prime_by_p(NULL, 0));
	assert_null(mx_dh_prime_by_p(p, 1)); /* just a zero */
	assert_int_equal(mx_dh_is_safe_prime(NULL, 0), MX_DH_CHECK_ERROR);
	assert_int_equal(mx_dh_is_safe_prime(p, MX_DH_MAX_BYTES + 1),
			 MX_DH_CHECK_ERROR);
	/* 23 = 2 * 11 + 1 is safe; 13 = 2 * 6 + 1 is prime, not safe. */
	p[0] = 23;
	assert_int_equal(mx_dh_is_safe_prime(p, 1), MX_DH_SAFE_PRIME);
	p[0] = 13;
	assert_int_equal(mx_dh_is_safe_prime(p, 1), MX_DH_PRIME_NOT_SAFE);
	p[0] = 21;
	assert_int_equal(mx_dh_is_safe_prime(p, 1), MX_DH_NOT_PRIME);
	assert_int_equal(mx_dh_prime_bytes(g2, p, 10), 0); /* too small */
	assert_string_equal(mx_dh_check_name(MX_DH_SAFE_PRIME), "safe prime");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_table_sorted_unique),
		cmocka_unit_test(test_suite_required_code_points),
		cmocka_unit_test(test_suite_facts),
		cmocka_unit_test(test_suite_flags_match_names),
		cmocka_unit_test(test_suite_against_libssl),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_groups_against_libcrypto),
		cmocka_unit_test(test_sigschemes_and_names),
		cmocka_unit_test(test_dh_primes_against_libcrypto),
		cmocka_unit_test(test_dh_primes_are_prime),
		cmocka_unit_test(test_dh_lookup_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
