/*
 * test_policy.c - analyzers/policy: every level against a table of
 * session facts (Postfix semantics: may never falls back after a failed
 * handshake, verify matches the MX host, secure the next-hop domain and
 * its subdomains), fingerprints, DANE-EE and DANE-TA matching against
 * real certificates (tests/data/certs), TLSA usability, and a sweep of
 * hostile name lengths for the secure matcher.
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

#include "analyzers/policy.h"
#include "common/xalloc.h"

/* ---- fixtures ------------------------------------------------------------ */

static char *hex(const uint8_t *p, size_t n)
{
	char *s = xmalloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	return s;
}

/* Load a PEM certificate into an mx_cert: DER, names, fingerprints. */
static void load_cert(struct mx_cert *c, const char *name,
		      const char *const *sans, size_t nsans, const char *cn)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096];
	FILE *fp;
	X509 *x;
	unsigned char *der = NULL, *spki = NULL, md[32];
	int len, slen;
	size_t i;

	snprintf(path, sizeof(path), "%s/certs/%s.pem",
		 dir ? dir : "tests/data", name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	memset(c, 0, sizeof(*c));
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	c->der = xmalloc((size_t)len);
	memcpy(c->der, der, (size_t)len);
	c->der_len = (size_t)len;
	EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL);
	c->sha256 = hex(md, 32);
	slen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	EVP_Digest(spki, (size_t)slen, md, NULL, EVP_sha256(), NULL);
	c->spki_sha256 = hex(md, 32);
	OPENSSL_free(der);
	OPENSSL_free(spki);
	X509_free(x);
	c->cn = xstrdup(cn ? cn : "");
	c->san_dns = xcalloc(nsans + 1, sizeof(char *));
	for (i = 0; i < nsans; i++)
		c->san_dns[i] = xstrdup(sans[i]);
	c->nsan_dns = nsans;
}

static const char *const leaf_sans[] = {"mx1.lab.test", "mail.lab.test"};
static const char *const wild_sans[] = {"*.lab.test", "lab.test"};

/* A completed, verified TLS session with leaf (+ int). */
static void tls_ok(struct mx_tls *t, int with_int)
{
	memset(t, 0, sizeof(*t));
	t->attempted = 1;
	t->completed = 1;
	t->version = xstrdup("TLSv1.3");
	t->verify_done = 1;
	t->verify_code = 0;
	load_cert(mx_chain_add(&t->chain), "leaf", leaf_sans, 2,
		  "mx1.lab.test");
	if (with_int)
		load_cert(mx_chain_add(&t->chain), "int", NULL, 0,
			  "mxprobe Test Intermediate CA");
}

static void facts_base(struct mx_policy_facts *f, struct mx_tls *t)
{
	memset(f, 0, sizeof(*f));
	f->mode = MX_MODE_STARTTLS;
	f->session_ok = 1;
	f->starttls_offered = 1;
	f->starttls_code = t && t->attempted ? 220 : 0;
	f->tls = t && t->attempted ? t : NULL;
	f->mx_host = "mx1.lab.test";
	f->nexthop = "lab.test";
	f->tlsa = MX_TLSA_NOT_LOOKED_UP;
}

#define DTLS MX_POLICY_DELIVER_TLS
#define DCLR MX_POLICY_DELIVER_CLEAR
#define DEF MX_POLICY_DEFER

static void expect(enum mx_tls_policy level, const struct mx_policy_facts *f,
		   enum mx_policy_decision want, const char *want_id,
		   const char *why_has)
{
	struct mx_policy_verdict v;

	mx_policy_judge(level, f, &v);
	if (v.decision != want)
		fail_msg("%s: decision %s, want %s (%s)",
			 mx_tls_policy_name(level),
			 mx_policy_decision_name(v.decision),
			 mx_policy_decision_name(want), v.why);
	if ((want_id == NULL) != (v.reason_id == NULL) ||
	    (want_id && strcmp(want_id, v.reason_id) != 0))
		fail_msg("%s: reason %s, want %s (%s)",
			 mx_tls_policy_name(level),
			 v.reason_id ? v.reason_id : "none",
			 want_id ? want_id : "none", v.why);
	if (why_has && strstr(v.why, why_has) == NULL)
		fail_msg("%s: why '%s' lacks '%s'", mx_tls_policy_name(level),
			 v.why, why_has);
}

/* ---- the levels ---------------------------------------------------------- */

static void test_good_server(void **state)
{
	struct mx_tls t;
	struct mx_policy_facts f;

	(void)state;
	tls_ok(&t, 1);
	facts_base(&f, &t);
	expect(MX_POLICY_NONE, &f, DCLR, "policy.cleartext", NULL);
	expect(MX_POLICY_MAY, &f, DTLS, NULL, "TLSv1.3");
	expect(MX_POLICY_ENCRYPT, &f, DTLS, NULL, NULL);
	expect(MX_POLICY_VERIFY, &f, DTLS, NULL, "mx1.lab.test");
	expect(MX_POLICY_SECURE, &f, DTLS, NULL, "lab.test");
	/* no TLSA looked up: dane is may, dane-only defers */
	expect(MX_POLICY_DANE, &f, DTLS, "policy.dane_fallback", NULL);
	expect(MX_POLICY_DANE_ONLY, &f, DEF, "policy.would_defer", NULL);
	/* fingerprint without any given */
	expect(MX_POLICY_FINGERPRINT, &f, DEF, "policy.would_defer",
	       "no fingerprint");
	mx_tls_clear(&t);
}

static void test_no_starttls(void **state)
{
	struct mx_policy_facts f;
	size_t l;

	(void)state;
	facts_base(&f, NULL);
	f.starttls_offered = 0;
	expect(MX_POLICY_MAY, &f, DCLR, "policy.cleartext", "not offered");
	for (l = MX_POLICY_ENCRYPT; l < MX_POLICY__N; l++) {
		/* dane and mta-sts without a policy in force act as may */
		if (l == MX_POLICY_DANE || l == MX_POLICY_MTA_STS)
			continue;
		expect((enum mx_tls_policy)l, &f, DEF, "policy.would_defer",
		       NULL);
	}
	/* refused before 220: may goes on in clear; 421 ends it */
	f.starttls_offered = 1;
	f.starttls_code = 454;
	expect(MX_POLICY_MAY, &f, DCLR, "policy.cleartext", "454");
	expect(MX_POLICY_ENCRYPT, &f, DEF, "policy.would_defer", "454");
	f.starttls_code = 421;
	expect(MX_POLICY_MAY, &f, DEF, "policy.would_defer", "421");
	/* no session at all: nothing to say about TLS */
	f.session_ok = 0;
	f.starttls_code = 0;
	expect(MX_POLICY_MAY, &f, DEF, NULL, NULL);
}

/* RFC-free Postfix rule: may never falls back after a failed handshake */
static void test_failed_handshake(void **state)
{
	struct mx_tls t;
	struct mx_policy_facts f;
	size_t l;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.attempted = 1;
	t.fail = MX_TLS_FAIL_ALERT_RECV;
	t.fail_detail = xstrdup("handshake failure");
	facts_base(&f, &t);
	for (l = MX_POLICY_MAY; l < MX_POLICY__N; l++)
		expect((enum mx_tls_policy)l, &f, DEF, "policy.would_defer",
		       l == MX_POLICY_DANE_ONLY ? NULL : "handshake failure");
	expect(MX_POLICY_NONE, &f, DCLR, "policy.cleartext", NULL);
	mx_tls_clear(&t);
}

/* mta-sts (RFC 8461 section 4): enforce wants the MX among the patterns
 * and TLS that validates for it; testing and no policy act as may. */
static void test_mta_sts(void **state)
{
	static const char *const pats[] = {"mail.lab.test", "*.lab.test"};
	static const char *const other[] = {"mx.example.net"};
	struct mx_tls t;
	struct mx_policy_facts f;

	(void)state;
	tls_ok(&t, 1);
	facts_base(&f, &t);
	f.mx_host = "mx1.lab.test";
	f.sts_mode = 2;
	f.sts_mx = pats;
	f.nsts_mx = 2;
	expect(MX_POLICY_MTA_STS, &f, DTLS, NULL, "covered");
	f.sts_mx = other;
	f.nsts_mx = 1;
	expect(MX_POLICY_MTA_STS, &f, DEF, "policy.would_defer", "mx pattern");
	f.sts_mode = 1; /* testing: reports only */
	expect(MX_POLICY_MTA_STS, &f, DTLS, NULL, "testing");
	f.sts_mode = 2;
	f.sts_mx = pats;
	f.nsts_mx = 2;
	f.mx_host = "mx9.lab.test"; /* covered by *.lab.test, not named */
	expect(MX_POLICY_MTA_STS, &f, DEF, "policy.would_defer",
	       "does not name");
	f.mx_host = "mx1.lab.test";
	t.verify_code = 20;
	t.verify_error = xstrdup("unable to get local issuer certificate");
	expect(MX_POLICY_MTA_STS, &f, DEF, "policy.would_defer", "verify");
	f.sts_mode = 0; /* no policy: may, the chain not checked */
	expect(MX_POLICY_MTA_STS, &f, DTLS, NULL, "no policy");
	f.starttls_offered = 0;
	f.tls = NULL;
	expect(MX_POLICY_MTA_STS, &f, DCLR, "policy.cleartext", NULL);
	f.sts_mode = 2;
	expect(MX_POLICY_MTA_STS, &f, DEF, "policy.would_defer", "STARTTLS");
	mx_tls_clear(&t);
}

static void test_verify_and_secure(void **state)
{
	static const char *const match_other[] = {"example.net",
						  ".example.net"};
	static const char *const match_sub[] = {".lab.test"};
	struct mx_tls t;
	struct mx_policy_facts f;

	(void)state;
	tls_ok(&t, 1);
	facts_base(&f, &t);
	/* verify: the MX host name, not the domain */
	f.mx_host = "mx9.lab.test";
	expect(MX_POLICY_VERIFY, &f, DEF, "policy.would_defer", "mx9.lab.test");
	expect(MX_POLICY_ENCRYPT, &f, DTLS, NULL, NULL);
	/* secure: mx1.lab.test is a subdomain of lab.test */
	expect(MX_POLICY_SECURE, &f, DTLS, NULL, NULL);
	f.nexthop = "example.org";
	expect(MX_POLICY_SECURE, &f, DEF, "policy.would_defer", "example.org");
	f.match = match_other;
	f.nmatch = 2;
	expect(MX_POLICY_SECURE, &f, DEF, "policy.would_defer", NULL);
	f.match = match_sub;
	f.nmatch = 1;
	expect(MX_POLICY_SECURE, &f, DTLS, NULL, ".lab.test");
	/* an unverified chain fails verify and secure but not encrypt */
	f.match = NULL;
	f.nmatch = 0;
	f.nexthop = "lab.test";
	f.mx_host = "mx1.lab.test";
	t.verify_code = 20;
	t.verify_error = xstrdup("unable to get local issuer certificate");
	t.verify_depth = 1;
	expect(MX_POLICY_VERIFY, &f, DEF, "policy.would_defer", "local issuer");
	expect(MX_POLICY_SECURE, &f, DEF, "policy.would_defer", "local issuer");
	expect(MX_POLICY_ENCRYPT, &f, DTLS, NULL, NULL);
	expect(MX_POLICY_MAY, &f, DTLS, NULL, NULL);
	t.verify_done = 0;
	expect(MX_POLICY_VERIFY, &f, DEF, "policy.would_defer", "not verified");
	mx_tls_clear(&t);
}

static void test_secure_match(void **state)
{
	struct mx_cert leaf, wild;
	char name[400];
	size_t n;

	(void)state;
	load_cert(&leaf, "leaf", leaf_sans, 2, "mx1.lab.test");
	load_cert(&wild, "wildcard", wild_sans, 2, "*.lab.test");
	assert_true(mx_policy_secure_match(&leaf, "mx1.lab.test"));
	assert_true(mx_policy_secure_match(&leaf, ".lab.test"));
	assert_true(mx_policy_secure_match(&leaf, ".test"));
	assert_true(mx_policy_secure_match(&leaf, ".LAB.TEST"));
	assert_false(mx_policy_secure_match(&leaf, "lab.test"));
	assert_false(mx_policy_secure_match(&leaf, ".mx1.lab.test"));
	assert_false(mx_policy_secure_match(&leaf, ".ab.test"));
	assert_false(mx_policy_secure_match(&leaf, "."));
	assert_false(mx_policy_secure_match(&leaf, ".."));
	assert_false(mx_policy_secure_match(&leaf, ""));
	assert_false(mx_policy_secure_match(NULL, "lab.test"));
	/* "*.lab.test" names hosts in lab.test */
	assert_true(mx_policy_secure_match(&wild, ".lab.test"));
	assert_true(mx_policy_secure_match(&wild, "lab.test"));
	assert_true(mx_policy_secure_match(&wild, "mx7.lab.test"));
	assert_false(mx_policy_secure_match(&wild, ".other.test"));
	/* hostile lengths: nothing past 253 matches, nothing crashes */
	for (n = 0; n < sizeof(name) - 1; n++) {
		memset(name, 'a', n);
		name[n] = '\0';
		if (n > 10)
			memcpy(name + n - 9, ".lab.test", 9);
		if (n > 0)
			name[0] = n % 2 ? '.' : 'a';
		(void)mx_policy_secure_match(&leaf, name);
		if (n > 253)
			assert_false(mx_policy_secure_match(&wild, name));
	}
	mx_cert_clear(&leaf);
	mx_cert_clear(&wild);
}

static void test_fingerprint(void **state)
{
	struct mx_tls t;
	struct mx_policy_facts f;
	const char *fps[2];
	char colon[200];
	size_t i, o = 0;

	(void)state;
	tls_ok(&t, 0);
	facts_base(&f, &t);
	/* the certificate's SHA-256 in upper case with colons */
	for (i = 0; t.chain.v[0].sha256[i]; i++) {
		if (i > 0 && i % 2 == 0)
			colon[o++] = ':';
		colon[o++] = (char)(t.chain.v[0].sha256[i] >= 'a'
					    ? t.chain.v[0].sha256[i] - 32
					    : t.chain.v[0].sha256[i]);
	}
	colon[o] = '\0';
	fps[0] = "00";
	fps[1] = colon;
	f.fingerprints = fps;
	f.nfingerprints = 2;
	expect(MX_POLICY_FINGERPRINT, &f, DTLS, NULL, "certificate");
	fps[1] = t.chain.v[0].spki_sha256;
	expect(MX_POLICY_FINGERPRINT, &f, DTLS, NULL, "public key");
	fps[1] = "zz:not:hex";
	expect(MX_POLICY_FINGERPRINT, &f, DEF, "policy.would_defer", NULL);
	/* a fingerprint does not care about the chain's verification */
	fps[1] = t.chain.v[0].sha256;
	t.verify_code = 18;
	expect(MX_POLICY_FINGERPRINT, &f, DTLS, NULL, NULL);
	{
		char out[200];

		assert_int_equal(
			mx_policy_fp_normalize("AB:cd", out, sizeof(out)), 0);
		assert_string_equal(out, "abcd");
		assert_int_equal(
			mx_policy_fp_normalize("abc", out, sizeof(out)), -1);
		assert_int_equal(mx_policy_fp_normalize("", out, sizeof(out)),
				 -1);
		assert_int_equal(mx_policy_fp_normalize("ab", out, 2), -1);
	}
	mx_tls_clear(&t);
}

/* ---- DANE (RFC 7671, RFC 7672) ------------------------------------------- */

static void unhex(const char *h, uint8_t *out)
{
	size_t i;

	for (i = 0; h[2 * i]; i++) {
		unsigned v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void test_dane(void **state)
{
	struct mx_tls t;
	struct mx_policy_facts f;
	uint8_t spki[32], intsha[32], bad[32];
	struct mx_tlsa_rr rr[2];
	char why[256];

	(void)state;
	tls_ok(&t, 1);
	facts_base(&f, &t);
	unhex(t.chain.v[0].spki_sha256, spki);
	unhex(t.chain.v[1].sha256, intsha);
	memcpy(bad, spki, 32);
	bad[31] ^= 1;
	f.tlsa = MX_TLSA_USABLE;
	f.tlsa_rr = rr;
	f.ntlsa_rr = 1;
	/* DANE-EE 3 1 1 of the leaf key */
	rr[0] = (struct mx_tlsa_rr){3, 1, 1, spki, 32};
	expect(MX_POLICY_DANE, &f, DTLS, NULL, "DANE-EE");
	expect(MX_POLICY_DANE_ONLY, &f, DTLS, NULL, "DANE-EE");
	/* DANE-EE ignores names and the chain's verification */
	f.mx_host = "elsewhere.example";
	t.verify_code = 19;
	expect(MX_POLICY_DANE_ONLY, &f, DTLS, NULL, NULL);
	/* one bit off: no match, defer */
	rr[0].data = bad;
	expect(MX_POLICY_DANE, &f, DEF, "policy.would_defer", "no TLSA");
	/* DANE-TA 2 0 1 of the intermediate, names checked */
	rr[0] = (struct mx_tlsa_rr){2, 0, 1, intsha, 32};
	f.mx_host = "mx1.lab.test";
	expect(MX_POLICY_DANE, &f, DTLS, NULL, "DANE-TA");
	f.mx_host = "elsewhere.example";
	f.nexthop = "example.org";
	expect(MX_POLICY_DANE, &f, DEF, "policy.would_defer", "names neither");
	/* only unusable records (PKIX-EE 1): dane is encrypt, dane-only
	 * defers (RFC 7672 section 3.1.3) */
	rr[0] = (struct mx_tlsa_rr){1, 1, 1, spki, 32};
	expect(MX_POLICY_DANE, &f, DTLS, "policy.dane_fallback", "encrypt");
	expect(MX_POLICY_DANE_ONLY, &f, DEF, "policy.would_defer", NULL);
	/* a failed lookup defers both */
	f.tlsa = MX_TLSA_FAILED;
	expect(MX_POLICY_DANE, &f, DEF, "policy.would_defer", "TLSA lookup");
	/* insecure: dane is may */
	f.tlsa = MX_TLSA_INSECURE;
	expect(MX_POLICY_DANE, &f, DTLS, "policy.dane_fallback", "as may");
	/* matching with a wrong-length digest is unusable */
	rr[1] = (struct mx_tlsa_rr){3, 1, 1, spki, 31};
	assert_false(mx_tlsa_usable(&rr[1]));
	rr[1] = (struct mx_tlsa_rr){3, 1, 2, spki, 32};
	assert_false(mx_tlsa_usable(&rr[1]));
	rr[1] = (struct mx_tlsa_rr){3, 2, 1, spki, 32};
	assert_false(mx_tlsa_usable(&rr[1]));
	rr[1] = (struct mx_tlsa_rr){2, 1, 0, spki, 1};
	assert_true(mx_tlsa_usable(&rr[1]));
	/* no TLS at all */
	assert_false(mx_dane_match(NULL, rr, 1, "x", "y", 0, why, sizeof(why)));
	mx_tls_clear(&t);
}

static void test_judge_all(void **state)
{
	struct mx_tls t;
	struct mx_policy_facts f;
	struct mx_policy_verdict v[MX_POLICY__N];
	size_t l;

	(void)state;
	tls_ok(&t, 1);
	facts_base(&f, &t);
	mx_policy_judge_all(&f, v);
	for (l = 0; l < MX_POLICY__N; l++) {
		struct mx_policy_verdict one;

		mx_policy_judge((enum mx_tls_policy)l, &f, &one);
		assert_int_equal(one.decision, v[l].decision);
		assert_string_equal(one.why, v[l].why);
	}
	{
		struct mx_findings fs = {0};

		mx_policy_add_finding(&fs, "here", MX_POLICY_NONE,
				      &v[MX_POLICY_NONE]);
		mx_policy_add_finding(&fs, "here", MX_POLICY_VERIFY,
				      &v[MX_POLICY_VERIFY]);
		assert_int_equal(fs.n, 1);
		assert_true(mx_findings_has(&fs, "policy.cleartext"));
		mx_findings_clear(&fs);
	}
	/* names of levels round-trip */
	for (l = 0; l < MX_POLICY__N; l++) {
		enum mx_tls_policy p;

		assert_int_equal(
			mx_tls_policy_parse(
				mx_tls_policy_name((enum mx_tls_policy)l), &p),
			0);
		assert_int_equal(p, l);
	}
	assert_int_equal(
		mx_tls_policy_parse("strict", &(enum mx_tls_policy){0}), -1);
	mx_tls_clear(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_server),
		cmocka_unit_test(test_no_starttls),
		cmocka_unit_test(test_failed_handshake),
		cmocka_unit_test(test_verify_and_secure),
		cmocka_unit_test(test_mta_sts),
		cmocka_unit_test(test_secure_match),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_dane),
		cmocka_unit_test(test_judge_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
