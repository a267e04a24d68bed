/*
 * test_x509.c - probe/x509.c: certificate facts and chain order.
 *
 * Decodes the test PKI of tests/data/certs (see make.sh there for what
 * each file is) and certificates built here with OpenSSL for the hostile
 * cases (control bytes in names, too many SANs, a bad iPAddress, an
 * impostor issuer).  Expected values come from the make.sh specification
 * or from a second, independent OpenSSL route (X509_digest, i2d_PUBKEY,
 * ASN1_INTEGER_get), never from mx_x509_decode itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "model/result.h"
#include "probe/x509.h"

#define T2024 ((time_t)1704067200) /* 2024-01-01T00:00:00Z */
#define T2064 ((time_t)2966371200) /* 2064-01-01T00:00:00Z */
#define T2010 ((time_t)1262304000)
#define T2011 ((time_t)1293840000)

/* ---- helpers ----------------------------------------------------------- */

static X509 *load_pem(const char *name)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[1024];
	FILE *fp;
	X509 *x;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/certs/%s.pem", dir, name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL)
		fail_msg("no certificate in %s", path);
	return x;
}

/* DER of an X509; caller frees with OPENSSL_free. */
static uint8_t *der_of(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	*len = (size_t)n;
	return der;
}

static uint8_t *load_der(const char *name, size_t *len)
{
	X509 *x = load_pem(name);
	uint8_t *der = der_of(x, len);

	X509_free(x);
	return der;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * n] = '\0';
}

static int in_list(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* ---- the test PKI, table-driven ---------------------------------------- */

struct cert_case {
	const char *file;
	const char *cn;
	const char *subject;
	const char *issuer;
	const char *key_type;
	int key_bits;
	int is_ca, self_issued, self_signed;
	time_t not_before, not_after;
	const char *dns[3]; /* expected dNSName SANs (NULL-terminated) */
	const char *ip[3];
	const char *aia_ca, *aia_ocsp;
};

#define INT_DN "CN=mxprobe Test Intermediate CA,O=mxprobe test"
#define ROOT_DN "CN=mxprobe Test Root CA,O=mxprobe test"

static const struct cert_case cases[] = {
	{
		.file = "root",
		.cn = "mxprobe Test Root CA",
		.subject = ROOT_DN,
		.issuer = ROOT_DN,
		.key_type = "RSA",
		.key_bits = 2048,
		.is_ca = 1,
		.self_issued = 1,
		.self_signed = 1,
		.not_before = T2024,
		.not_after = T2064,
	},
	{
		.file = "other-root",
		.cn = "Unrelated Root CA",
		.subject = "CN=Unrelated Root CA,O=elsewhere",
		.issuer = "CN=Unrelated Root CA,O=elsewhere",
		.key_type = "RSA",
		.key_bits = 2048,
		.is_ca = 1,
		.self_issued = 1,
		.self_signed = 1,
		.not_before = T2024,
		.not_after = T2064,
	},
	{
		.file = "int",
		.cn = "mxprobe Test Intermediate CA",
		.subject = INT_DN,
		.issuer = ROOT_DN,
		.key_type = "RSA",
		.key_bits = 2048,
		.is_ca = 1,
		.not_before = T2024,
		.not_after = T2064,
	},
	{
		.file = "leaf",
		.cn = "mx1.lab.test",
		.subject = "CN=mx1.lab.test,O=mxprobe test",
		.issuer = INT_DN,
		.key_type = "RSA",
		.key_bits = 2048,
		.not_before = T2024,
		.not_after = T2064,
		.dns = {"mx1.lab.test", "mail.lab.test"},
		.ip = {"127.0.0.31", "::1"},
		.aia_ca = "http://pki.lab.test/int.crt",
		.aia_ocsp = "http://ocsp.lab.test/",
	},
	{
		.file = "expired",
		.cn = "expired.lab.test",
		.subject = "CN=expired.lab.test",
		.issuer = INT_DN,
		.key_type = "RSA",
		.key_bits = 2048,
		.not_before = T2010,
		.not_after = T2011,
		.dns = {"expired.lab.test"},
	},
	{
		.file = "selfsigned",
		.cn = "selfsigned.lab.test",
		.subject = "CN=selfsigned.lab.test",
		.issuer = "CN=selfsigned.lab.test",
		.key_type = "RSA",
		.key_bits = 2048,
		.self_issued = 1,
		.self_signed = 1,
		.not_before = T2024,
		.not_after = T2064,
		.dns = {"selfsigned.lab.test"},
	},
	{
		.file = "nosan",
		.cn = "nosan.lab.test",
		.subject = "CN=nosan.lab.test,O=mxprobe test",
		.issuer = INT_DN,
		.key_type = "RSA",
		.key_bits = 2048,
		.not_before = T2024,
		.not_after = T2064,
	},
	{
		.file = "wildcard",
		.cn = "*.lab.test",
		.subject = "CN=*.lab.test",
		.issuer = INT_DN,
		.key_type = "RSA",
		.key_bits = 2048,
		.not_before = T2024,
		.not_after = T2064,
		.dns = {"*.lab.test", "lab.test"},
	},
	{
		.file = "rsa1024",
		.cn = "rsa1024.lab.test",
		.subject = "CN=rsa1024.lab.test",
		.issuer = INT_DN,
		.key_type = "RSA",
		.key_bits = 1024,
		.not_before = T2024,
		.not_after = T2064,
		.dns = {"rsa1024.lab.test"},
	},
	{
		.file = "ec256",
		.cn = "ec256.lab.test",
		.subject = "CN=ec256.lab.test",
		.issuer = INT_DN,
		.key_type = "EC",
		.key_bits = 256,
		.not_before = T2024,
		.not_after = T2064,
		.dns = {"ec256.lab.test"},
	},
	{
		.file = "ed25519",
		.cn = "ed25519.lab.test",
		.subject = "CN=ed25519.lab.test",
		.issuer = INT_DN,
		.key_type = "Ed25519",
		.key_bits = 256,
		.not_before = T2024,
		.not_after = T2064,
		.dns = {"ed25519.lab.test"},
	},
};

static void check_case(const struct cert_case *tc)
{
	X509 *x = load_pem(tc->file);
	size_t len, i, n;
	uint8_t *der = der_of(x, &len);
	struct mx_cert c = {0};
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	char want[2 * EVP_MAX_MD_SIZE + 1], serial[32];
	unsigned char *spki = NULL;
	int spki_len;

	assert_int_equal(mx_x509_decode(der, len, &c), 0);
	assert_int_equal(c.der_len, len);
	assert_memory_equal(c.der, der, len);
	assert_string_equal(c.cn, tc->cn);
	assert_string_equal(c.subject, tc->subject);
	assert_string_equal(c.issuer, tc->issuer);
	assert_string_equal(c.key_type, tc->key_type);
	assert_int_equal(c.key_bits, tc->key_bits);
	assert_string_equal(c.sig_alg, "sha256WithRSAEncryption");
	assert_int_equal(c.is_ca, tc->is_ca);
	assert_int_equal(c.self_issued, tc->self_issued);
	assert_int_equal(c.self_signed, tc->self_signed);
	assert_true(c.not_before == tc->not_before);
	assert_true(c.not_after == tc->not_after);

	for (n = 0; tc->dns[n] != NULL; n++)
		assert_true(in_list(c.san_dns, c.nsan_dns, tc->dns[n]));
	assert_int_equal(c.nsan_dns, n);
	for (n = 0; tc->ip[n] != NULL; n++)
		assert_true(in_list(c.san_ip, c.nsan_ip, tc->ip[n]));
	assert_int_equal(c.nsan_ip, n);
	if (tc->aia_ca == NULL)
		assert_null(c.aia_ca_issuers);
	else
		assert_string_equal(c.aia_ca_issuers, tc->aia_ca);
	if (tc->aia_ocsp == NULL)
		assert_null(c.aia_ocsp);
	else
		assert_string_equal(c.aia_ocsp, tc->aia_ocsp);

	/* Serial and fingerprints, by another OpenSSL route. */
	snprintf(serial, sizeof(serial), "%lX",
		 ASN1_INTEGER_get(X509_get0_serialNumber(x)));
	assert_string_equal(c.serial, serial);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &mdlen), 1);
	hex(md, mdlen, want);
	assert_string_equal(c.sha256, want);
	spki_len = i2d_PUBKEY(X509_get0_pubkey(x), &spki);
	assert_true(spki_len > 0);
	assert_int_equal(EVP_Digest(spki, (size_t)spki_len, md, &mdlen,
				    EVP_sha256(), NULL),
			 1);
	hex(md, mdlen, want);
	assert_string_equal(c.spki_sha256, want);
	for (i = 0; i < strlen(c.sha256); i++)
		assert_non_null(strchr("0123456789abcdef", c.sha256[i]));

	OPENSSL_free(spki);
	mx_cert_clear(&c);
	assert_null(c.der);
	OPENSSL_free(der);
	X509_free(x);
}

static void test_decode_test_pki(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* The leaf's SPKI fingerprint is the same in every certificate of that
 * key (what DANE 3 1 1 pins), and differs from the DER fingerprint. */
static void test_fingerprints_differ(void **state)
{
	size_t la, lb;
	uint8_t *a = load_der("leaf", &la), *b = load_der("int", &lb);
	struct mx_cert ca = {0}, cb = {0};

	(void)state;
	assert_int_equal(mx_x509_decode(a, la, &ca), 0);
	assert_int_equal(mx_x509_decode(b, lb, &cb), 0);
	assert_int_equal(strlen(ca.sha256), 64);
	assert_int_equal(strlen(ca.spki_sha256), 64);
	assert_string_not_equal(ca.sha256, ca.spki_sha256);
	assert_string_not_equal(ca.sha256, cb.sha256);
	assert_string_not_equal(ca.spki_sha256, cb.spki_sha256);
	/* Decoding again into a used struct replaces, not leaks. */
	assert_int_equal(mx_x509_decode(b, lb, &ca), 0);
	assert_string_equal(ca.sha256, cb.sha256);
	mx_cert_clear(&ca);
	mx_cert_clear(&cb);
	OPENSSL_free(a);
	OPENSSL_free(b);
}

/* ---- hostile input ----------------------------------------------------- */

static void test_garbage_der(void **state)
{
	static const struct {
		const char *p;
		size_t len;
	} bad[] = {
		{"", 0},
		{"\x30", 1},
		{"\x30\x00", 2},
		{"\x30\x82\xff\xff\x30\x82", 6},
		{"\x30\x84\xff\xff\xff\xff", 6},
		{"\x02\x01\x00", 3},
		{"-----BEGIN CERTIFICATE-----\n", 28},
		{"220 mx.lab.test ESMTP\r\n", 23},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mx_cert c = {0};

		assert_int_equal(mx_x509_decode((const uint8_t *)bad[i].p,
						bad[i].len, &c),
				 -1);
		/* The DER is kept even when it does not parse. */
		assert_int_equal(c.der_len, bad[i].len);
		assert_non_null(c.der);
		assert_memory_equal(c.der, bad[i].p, bad[i].len);
		assert_null(c.subject);
		mx_cert_clear(&c);
	}
}

/* Every truncation of a real certificate fails cleanly; so does one
 * trailing byte (a certificate is exactly one DER object). */
static void test_truncated_and_trailing(void **state)
{
	size_t len, n;
	uint8_t *der = load_der("leaf", &len);
	uint8_t *copy;
	struct mx_cert c = {0};

	(void)state;
	for (n = 0; n < len; n++) {
		/* A heap copy of exactly n bytes lets ASan see overreads. */
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, der, n);
		assert_int_equal(mx_x509_decode(copy, n, &c), -1);
		assert_int_equal(c.der_len, n);
		mx_cert_clear(&c);
		free(copy);
	}
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, der, len);
	copy[len] = 0;
	assert_int_equal(mx_x509_decode(copy, len + 1, &c), -1);
	mx_cert_clear(&c);
	assert_int_equal(mx_x509_decode(copy, len, &c), 0);
	mx_cert_clear(&c);
	free(copy);
	OPENSSL_free(der);
}

/* Flip bits across the whole certificate: whatever parses must come back
 * complete, whatever does not must fail; nothing may crash or leak. */
static void test_bit_flips(void **state)
{
	size_t len, i;
	uint8_t *der = load_der("ec256", &len);
	uint8_t *copy = malloc(len);
	int parsed = 0, failed = 0;

	(void)state;
	assert_non_null(copy);
	for (i = 0; i < len; i++) {
		static const uint8_t masks[] = {0x01, 0x80, 0xff};
		size_t m;

		for (m = 0; m < sizeof(masks); m++) {
			struct mx_cert c = {0};

			memcpy(copy, der, len);
			copy[i] ^= masks[m];
			if (mx_x509_decode(copy, len, &c) == 0) {
				parsed++;
				assert_non_null(c.subject);
				assert_non_null(c.issuer);
				assert_non_null(c.cn);
				assert_non_null(c.key_type);
				assert_non_null(c.sig_alg);
				assert_non_null(c.sha256);
			} else {
				failed++;
			}
			mx_cert_clear(&c);
		}
	}
	/* Both outcomes occur: flips in a signature still parse, flips in
	 * the outer lengths do not. */
	assert_true(parsed > 0);
	assert_true(failed > 0);
	free(copy);
	OPENSSL_free(der);
}

/* ---- certificates built here ------------------------------------------- */

/* A self-signed certificate with the given CN (raw bytes allowed) and
 * extensions added by the caller through `add`. */
static X509 *build_cert(EVP_PKEY *key, const uint8_t *cn, int cnlen,
			const char *issuer_cn, GENERAL_NAMES *san)
{
	X509 *x = X509_new();
	X509_NAME *subj = X509_NAME_new(), *iss = X509_NAME_new();

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	assert_int_equal(
		X509_NAME_add_entry_by_NID(subj, NID_commonName, MBSTRING_ASC,
					   (unsigned char *)cn, cnlen, -1, 0),
		1);
	if (issuer_cn != NULL)
		X509_NAME_add_entry_by_txt(iss, "CN", MBSTRING_ASC,
					   (const unsigned char *)issuer_cn, -1,
					   -1, 0);
	X509_set_subject_name(x, subj);
	X509_set_issuer_name(x, issuer_cn != NULL ? iss : subj);
	X509_set_pubkey(x, key);
	if (san != NULL)
		assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, san,
						   0, X509V3_ADD_DEFAULT),
				 1);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	X509_NAME_free(subj);
	X509_NAME_free(iss);
	return x;
}

static void add_dns(GENERAL_NAMES *gens, const char *name)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();

	ASN1_STRING_set(s, name, -1);
	GENERAL_NAME_set0_value(g, GEN_DNS, s);
	sk_GENERAL_NAME_push(gens, g);
}

static void add_ip(GENERAL_NAMES *gens, const uint8_t *p, int len)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();

	ASN1_OCTET_STRING_set(s, p, len);
	GENERAL_NAME_set0_value(g, GEN_IPADD, s);
	sk_GENERAL_NAME_push(gens, g);
}

/* Peer text with control bytes is escaped in every field. */
static void test_escaped_fields(void **state)
{
	static const uint8_t evil_cn[] = "evil\x1b[2J\\mx";
	static const uint8_t bad_ip[] = {1, 2, 3, 4, 5};
	static const uint8_t v4[] = {192, 0, 2, 1};
	EVP_PKEY *key = EVP_EC_gen("P-256");
	GENERAL_NAMES *san = sk_GENERAL_NAME_new_null();
	struct mx_cert c = {0};
	size_t len;
	uint8_t *der;
	X509 *x;

	(void)state;
	assert_non_null(key);
	add_dns(san, "a\nb.example");
	add_ip(san, v4, 4);
	add_ip(san, bad_ip, 5);
	x = build_cert(key, evil_cn, (int)sizeof(evil_cn) - 1, NULL, san);
	der = der_of(x, &len);
	assert_int_equal(mx_x509_decode(der, len, &c), 0);
	assert_string_equal(c.cn, "evil\\x1b[2J\\\\mx");
	assert_null(strchr(c.subject, 0x1b));
	/* RFC 2253's own escapes, once: "\1B" and "\\", not doubled */
	assert_string_equal(c.subject, "CN=evil\\1B[2J\\\\mx");
	assert_int_equal(c.nsan_dns, 1);
	assert_string_equal(c.san_dns[0], "a\\nb.example");
	assert_int_equal(c.nsan_ip, 2);
	assert_string_equal(c.san_ip[0], "192.0.2.1");
	assert_string_equal(c.san_ip[1], "invalid:0102030405");
	assert_string_equal(c.key_type, "EC");
	assert_string_equal(c.sig_alg, "ecdsa-with-SHA256");
	assert_int_equal(c.self_issued, 1);
	assert_int_equal(c.self_signed, 1);
	assert_int_equal(c.is_ca, 0);
	assert_null(c.aia_ocsp);
	mx_cert_clear(&c);
	OPENSSL_free(der);
	X509_free(x);
	GENERAL_NAMES_free(san);
	EVP_PKEY_free(key);
}

/* SANs are capped at 200 per kind; long names are capped with "...". */
static void test_san_cap_and_long_names(void **state)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	GENERAL_NAMES *san = sk_GENERAL_NAME_new_null();
	struct mx_cert c = {0};
	char name[64], longname[3000];
	uint8_t *der;
	size_t len;
	X509 *x;
	int i;

	(void)state;
	for (i = 0; i < 250; i++) {
		snprintf(name, sizeof(name), "host%d.lab.test", i);
		add_dns(san, name);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	x = build_cert(key, (const uint8_t *)"x", 1, NULL, san);
	der = der_of(x, &len);
	assert_int_equal(mx_x509_decode(der, len, &c), 0);
	assert_int_equal(c.nsan_dns, 200);
	assert_string_equal(c.san_dns[0], "host0.lab.test");
	assert_string_equal(c.san_dns[199], "host199.lab.test");
	mx_cert_clear(&c);
	OPENSSL_free(der);
	X509_free(x);
	GENERAL_NAMES_free(san);

	/* A 2999-byte SAN: kept, capped, visibly truncated. */
	san = sk_GENERAL_NAME_new_null();
	add_dns(san, longname);
	x = build_cert(key, (const uint8_t *)"y", 1, NULL, san);
	der = der_of(x, &len);
	assert_int_equal(mx_x509_decode(der, len, &c), 0);
	assert_int_equal(c.nsan_dns, 1);
	assert_true(strlen(c.san_dns[0]) <= 1024 + 3);
	assert_string_equal(c.san_dns[0] + strlen(c.san_dns[0]) - 3, "...");
	mx_cert_clear(&c);
	OPENSSL_free(der);
	X509_free(x);
	GENERAL_NAMES_free(san);
	EVP_PKEY_free(key);
}

/* ---- chain order ------------------------------------------------------- */

static void chain_push(struct mx_chain *ch, const uint8_t *der, size_t len)
{
	struct mx_cert *c = mx_chain_add(ch);

	(void)mx_x509_decode(der, len, c);
}

static void chain_of(struct mx_chain *ch, const char *const *names)
{
	size_t i, len;

	for (i = 0; names[i] != NULL; i++) {
		uint8_t *der = load_der(names[i], &len);

		chain_push(ch, der, len);
		OPENSSL_free(der);
	}
}

static void test_chain_order(void **state)
{
	static const struct {
		const char *names[5];
		int want;
	} orders[] = {
		{{NULL}, 1},
		{{"leaf", NULL}, 1},
		{{"leaf", "int", NULL}, 1},
		{{"leaf", "int", "root", NULL}, 1},
		{{"int", "root", NULL}, 1},
		{{"expired", "int", "root", NULL}, 1}, /* order, not validity */
		{{"ec256", "int", NULL}, 1},
		{{"ed25519", "int", NULL}, 1},
		{{"leaf", "root", "int", NULL}, 0}, /* intermediate last */
		{{"int", "leaf", NULL}, 0},	    /* reversed */
		{{"root", "int", "leaf", NULL}, 0}, /* fully reversed */
		{{"leaf", "int", "other-root", NULL}, 0},
		{{"leaf", "leaf", NULL}, 0},
		{{"selfsigned", "selfsigned", NULL}, 1}, /* signs itself */
		{{"leaf", "int", "root", "root", NULL}, 1},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++) {
		struct mx_chain ch = {0};

		chain_of(&ch, orders[i].names);
		if (mx_x509_chain_in_order(&ch) != orders[i].want)
			fail_msg("chain case %zu: want %d", i, orders[i].want);
		mx_chain_clear(&ch);
	}
	assert_int_equal(mx_x509_chain_in_order(NULL), 1);
}

/* An undecodable certificate breaks the order. */
static void test_chain_with_garbage(void **state)
{
	struct mx_chain ch = {0};
	static const char *const names[] = {"leaf", NULL};

	(void)state;
	chain_of(&ch, names);
	chain_push(&ch, (const uint8_t *)"\x30\x03\x02\x01\x00", 5);
	assert_int_equal(mx_x509_chain_in_order(&ch), 0);
	mx_chain_clear(&ch);
}

/* An impostor with the intermediate's name but another key: names agree,
 * the signature does not, so the chain is not in order. */
static void test_chain_impostor_issuer(void **state)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	static const char *const names[] = {"leaf", NULL};
	static const char int_cn[] = "mxprobe Test Intermediate CA";
	struct mx_chain ch = {0};
	X509_NAME *n;
	uint8_t *der;
	size_t len;
	X509 *x;

	(void)state;
	assert_non_null(key);
	x = build_cert(key, (const uint8_t *)int_cn, (int)strlen(int_cn), NULL,
		       NULL);
	/* Give it the intermediate's full DN: O=mxprobe test, CN=... */
	n = X509_NAME_new();
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
				   (const unsigned char *)"mxprobe test", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)int_cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	der = der_of(x, &len);

	chain_of(&ch, names);
	chain_push(&ch, der, len);
	assert_string_equal(ch.v[0].issuer, ch.v[1].subject);
	assert_int_equal(mx_x509_chain_in_order(&ch), 0);
	mx_chain_clear(&ch);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_test_pki),
		cmocka_unit_test(test_fingerprints_differ),
		cmocka_unit_test(test_garbage_der),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_escaped_fields),
		cmocka_unit_test(test_san_cap_and_long_names),
		cmocka_unit_test(test_chain_order),
		cmocka_unit_test(test_chain_with_garbage),
		cmocka_unit_test(test_chain_impostor_issuer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
