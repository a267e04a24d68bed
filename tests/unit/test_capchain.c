/*
 * test_capchain.c - analyzers/capchain.c: a chain seen in a capture,
 * verified against a trust store, names the certificate that is missing.
 *
 * The test PKI of tests/data/certs (make.sh there): root.pem (Test Root
 * CA), int.pem (Test Intermediate CA, by root), leaf.pem (mx1.lab.test,
 * by int, AIA caIssuers http://pki.lab.test/int.crt), other-root.pem (an
 * unrelated root), expired.pem (by int, 2010-2011).  Stores are built
 * here with X509_STORE_add_cert; no file is read by the analyzer.
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
#include <openssl/x509_vfy.h>

#include "analyzers/capchain.h"
#include "model/capture.h"
#include "model/finding.h"

#define T2030 ((time_t)1893456000) /* 2030-01-01T00:00:00Z */
#define INT_DN "CN=mxprobe Test Intermediate CA,O=mxprobe test"
#define ROOT_DN "CN=mxprobe Test Root CA,O=mxprobe test"
#define LEAF_DN "CN=mx1.lab.test,O=mxprobe test"

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

/* A chain of DERs, as the decoder keeps them. */
struct chain {
	unsigned char *der[MX_CAP_MAX_CERTS];
	size_t len[MX_CAP_MAX_CERTS];
	size_t n;
};

static void chain_add(struct chain *c, const char *name)
{
	X509 *x = load_pem(name);
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	assert_true(n > 0);
	c->der[c->n] = der;
	c->len[c->n++] = (size_t)n;
	X509_free(x);
}

static void chain_free(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		OPENSSL_free(c->der[i]);
	c->n = 0;
}

static X509_STORE *store_of(const char *a, const char *b)
{
	X509_STORE *s = X509_STORE_new();
	X509 *x;

	assert_non_null(s);
	if (a) {
		x = load_pem(a);
		assert_int_equal(X509_STORE_add_cert(s, x), 1);
		X509_free(x);
	}
	if (b) {
		x = load_pem(b);
		assert_int_equal(X509_STORE_add_cert(s, x), 1);
		X509_free(x);
	}
	return s;
}

static int verify(X509_STORE *st, const struct chain *c, const char *name,
		  time_t at, struct mx_capchain *out)
{
	struct mx_capchain_params p = {st, name, at};

	return mx_capchain_verify(&p, (const unsigned char *const *)c->der,
				  c->len, c->n, out);
}

static const struct mx_finding *only_finding(const struct mx_findings *fs,
					     const char *id)
{
	assert_int_equal(fs->n, 1);
	assert_string_equal(fs->v[0].def->id, id);
	return &fs->v[0];
}

/* ---- the appliance case ------------------------------------------------ */

static void leaf_only_root_store_names_intermediate(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", NULL);
	struct mx_capchain r;
	struct mx_findings fs = {0};
	const struct mx_finding *f;

	(void)state;
	chain_add(&c, "leaf");
	assert_int_equal(verify(st, &c, NULL, T2030, &r), 0);
	assert_true(r.done);
	assert_false(r.verified);
	assert_int_equal(r.code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.certs[0].subject, LEAF_DN);
	assert_string_equal(r.certs[0].cn, "mx1.lab.test");
	assert_string_equal(r.certs[0].issuer, INT_DN);
	assert_int_equal(strlen(r.certs[0].sha256), 64);
	assert_string_equal(r.missing, INT_DN);
	assert_string_equal(r.missing_url, "http://pki.lab.test/int.crt");
	assert_true(r.missing_is_intermediate);
	assert_false(r.top_issuer_in_store);

	mx_capchain_judge(&r, &fs, "[192.0.2.25]:25");
	f = only_finding(&fs, "cert.chain_incomplete");
	assert_non_null(strstr(f->evidence, "did not send the intermediate "
					    "'" INT_DN "'"));
	assert_non_null(strstr(f->evidence, "trust store does not have it"));
	assert_non_null(strstr(f->evidence, "http://pki.lab.test/int.crt"));
	assert_non_null(strstr(f->fix, INT_DN));
	assert_string_equal(f->where, "[192.0.2.25]:25");
	mx_findings_clear(&fs);
	chain_free(&c);
	X509_STORE_free(st);
}

static void root_and_intermediate_store_ok(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", "int");
	struct mx_capchain r;
	struct mx_findings fs = {0};

	(void)state;
	chain_add(&c, "leaf");
	assert_int_equal(verify(st, &c, "mx1.lab.test", T2030, &r), 0);
	assert_true(r.done);
	assert_true(r.verified);
	assert_int_equal(r.code, X509_V_OK);
	assert_int_equal(r.depth, -1);
	assert_int_equal(r.verified_len, 3);
	assert_string_equal(r.missing, "");
	assert_string_equal(r.name, "mx1.lab.test");
	mx_capchain_judge(&r, &fs, "x");
	assert_int_equal(fs.n, 0);
	chain_free(&c);
	X509_STORE_free(st);
}

static void full_chain_sent_root_store_ok(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", NULL);
	struct mx_capchain r;

	(void)state;
	chain_add(&c, "leaf");
	chain_add(&c, "int");
	assert_int_equal(verify(st, &c, "mail.lab.test", T2030, &r), 0);
	assert_true(r.verified);
	assert_int_equal(r.n, 2);
	assert_true(r.certs[1].is_ca);
	assert_false(r.certs[0].is_ca);
	chain_free(&c);
	X509_STORE_free(st);
}

/* The chain sent ends at a CA whose root nobody has: untrusted, and the
 * root is named. */
static void unknown_root_is_untrusted(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("other-root", NULL);
	struct mx_capchain r;
	struct mx_findings fs = {0};
	const struct mx_finding *f;

	(void)state;
	chain_add(&c, "leaf");
	chain_add(&c, "int");
	assert_int_equal(verify(st, &c, NULL, T2030, &r), 0);
	assert_false(r.verified);
	assert_string_equal(r.missing, ROOT_DN);
	assert_false(r.missing_is_intermediate);
	mx_capchain_judge(&r, &fs, "w");
	f = only_finding(&fs, "cert.untrusted");
	assert_non_null(strstr(f->evidence, ROOT_DN));
	assert_non_null(strstr(f->evidence, INT_DN));
	mx_findings_clear(&fs);
	chain_free(&c);
	X509_STORE_free(st);
}

static void sni_mismatch(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", NULL);
	struct mx_capchain r;
	struct mx_findings fs = {0};

	(void)state;
	chain_add(&c, "leaf");
	chain_add(&c, "int");
	assert_int_equal(verify(st, &c, "other.example.net", T2030, &r), 0);
	assert_false(r.verified);
	assert_int_equal(r.code, X509_V_ERR_HOSTNAME_MISMATCH);
	mx_capchain_judge(&r, &fs, "w");
	only_finding(&fs, "cert.hostname_mismatch");
	mx_findings_clear(&fs);
	chain_free(&c);
	X509_STORE_free(st);
}

static void expired_at_capture_time(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", "int");
	struct mx_capchain r;
	struct mx_findings fs = {0};

	(void)state;
	chain_add(&c, "expired");
	assert_int_equal(verify(st, &c, NULL, T2030, &r), 0);
	assert_false(r.verified);
	assert_int_equal(r.code, X509_V_ERR_CERT_HAS_EXPIRED);
	mx_capchain_judge(&r, &fs, "w");
	only_finding(&fs, "cert.expired");
	mx_findings_clear(&fs);
	chain_free(&c);
	X509_STORE_free(st);
}

static void self_signed_leaf(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", NULL);
	struct mx_capchain r;
	struct mx_findings fs = {0};

	(void)state;
	chain_add(&c, "selfsigned");
	assert_int_equal(verify(st, &c, NULL, T2030, &r), 0);
	assert_false(r.verified);
	assert_true(r.certs[0].self_signed);
	assert_string_equal(r.missing, "");
	mx_capchain_judge(&r, &fs, "w");
	only_finding(&fs, "cert.self_signed");
	mx_findings_clear(&fs);
	chain_free(&c);
	X509_STORE_free(st);
}

/* ---- hostile and degenerate input --------------------------------------- */

static void no_store_no_chain_garbage(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", NULL);
	struct mx_capchain r;
	struct mx_findings fs = {0};
	unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x01};
	const unsigned char *jp = junk;
	size_t jl = sizeof(junk);
	struct mx_capchain_params p = {st, NULL, T2030};

	(void)state;
	/* no certificate */
	assert_int_equal(verify(st, &c, NULL, T2030, &r), -1);
	assert_false(r.done);
	/* no store: facts, no verification */
	chain_add(&c, "leaf");
	assert_int_equal(verify(NULL, &c, NULL, T2030, &r), -1);
	assert_false(r.done);
	assert_int_equal(r.n, 1);
	assert_true(r.certs[0].parsed);
	mx_capchain_judge(&r, &fs, "w");
	assert_int_equal(fs.n, 0);
	/* a leaf that does not parse */
	assert_int_equal(mx_capchain_verify(&p, &jp, &jl, 1, &r), -1);
	assert_false(r.certs[0].parsed);
	assert_int_equal(strlen(r.certs[0].sha256), 64);
	chain_free(&c);
	X509_STORE_free(st);
}

/* Every truncation of a leaf and a garbage intermediate: no crash, and
 * never "verified". */
static void truncation_sweep(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", "int");
	struct mx_capchain r;
	struct mx_findings fs = {0};
	const unsigned char *der[2];
	size_t len[2], i;
	struct mx_capchain_params p = {st, "mx1.lab.test", T2030};

	(void)state;
	chain_add(&c, "leaf");
	for (i = 0; i < c.len[0]; i++) {
		der[0] = c.der[0];
		len[0] = i;
		der[1] = c.der[0] + i;
		len[1] = c.len[0] - i;
		mx_capchain_verify(&p, der, len, 2, &r);
		assert_false(r.verified);
		mx_capchain_judge(&r, &fs, "w");
		mx_findings_clear(&fs);
	}
	/* more certificates than the model keeps */
	{
		const unsigned char *many[MX_CAP_MAX_CERTS + 4];
		size_t ml[MX_CAP_MAX_CERTS + 4];

		for (i = 0; i < MX_CAP_MAX_CERTS + 4; i++) {
			many[i] = c.der[0];
			ml[i] = c.len[0];
		}
		assert_int_equal(mx_capchain_verify(&p, many, ml,
						    MX_CAP_MAX_CERTS + 4, &r),
				 0);
		assert_int_equal(r.n, MX_CAP_MAX_CERTS);
		assert_true(r.verified);
	}
	chain_free(&c);
	X509_STORE_free(st);
}

/* The session wrapper: the last hello's SNI is the name, the session's
 * start the time. */
static void session_wrapper(void **state)
{
	struct chain c = {0};
	X509_STORE *st = store_of("root", NULL);
	struct mx_capsess *s = calloc(1, sizeof(*s));
	struct mx_capchain r;
	size_t i;

	(void)state;
	assert_non_null(s);
	chain_add(&c, "leaf");
	for (i = 0; i < c.n; i++) {
		s->certs[i] = c.der[i];
		s->cert_len[i] = c.len[i];
	}
	s->ncerts = c.n;
	s->nhellos = 2;
	snprintf(s->hellos[0].sni, sizeof(s->hellos[0].sni), "first.test");
	snprintf(s->hellos[1].sni, sizeof(s->hellos[1].sni), "mx1.lab.test");
	s->start_us = (int64_t)T2030 * 1000000 + 5;
	assert_int_equal(mx_capchain_verify_session(st, s, &r), 0);
	assert_string_equal(r.name, "mx1.lab.test");
	assert_int_equal((long long)r.at, (long long)T2030);
	assert_string_equal(r.missing, INT_DN);
	free(s);
	chain_free(&c);
	X509_STORE_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leaf_only_root_store_names_intermediate),
		cmocka_unit_test(root_and_intermediate_store_ok),
		cmocka_unit_test(full_chain_sent_root_store_ok),
		cmocka_unit_test(unknown_root_is_untrusted),
		cmocka_unit_test(sni_mismatch),
		cmocka_unit_test(expired_at_capture_time),
		cmocka_unit_test(self_signed_leaf),
		cmocka_unit_test(no_store_no_chain_garbage),
		cmocka_unit_test(truncation_sweep),
		cmocka_unit_test(session_wrapper),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
