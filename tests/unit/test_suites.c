/*
 * test_suites.c - analyzers/suites.c: findings and grades from
 * enumeration facts.
 *
 * Each case is the enumeration of a server type the lab also has (DHE
 * 1024 behind ECDHE, a legacy TLS 1.0/1.1 box, 3DES, anonymous suites on
 * an MX, export/RC4/NULL, SSLv3, DH 1536, an incomplete run, a clean
 * modern server) written as facts; the assertions are on finding ids,
 * severities, evidence words and suite grades.  The full pipeline
 * (mx_analyze_run) is run too, so the exit status follows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "analyzers/suites.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "wire/tls_registry.h"

struct fx {
	struct mx_run *run;
	struct mx_target *t;
	struct mx_endpoint *ep;
	struct mx_analyze_params p;
};

static void fx_init(struct fx *f, uint16_t port, enum mx_tls_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->run = mx_run_new();
	f->t = mx_run_add_target(f->run);
	f->t->kind = MX_TARGET_HOST;
	f->t->name = xstrdup("mx.example.test");
	f->ep = mx_target_add_endpoint(f->t);
	f->ep->host = xstrdup("mx.example.test");
	f->ep->addr = xstrdup("192.0.2.25");
	f->ep->port = port;
	f->ep->mode = mode;
	f->ep->pref = -1;
	f->ep->enumr = mx_enum_new();
	mx_analyze_params_init(&f->p, 1700000000);
}

static void fx_free(struct fx *f)
{
	mx_run_free(f->run);
}

/* One accepted suite, as the probe writes it. */
static struct mx_enum_suite *suite(struct fx *f, enum mx_enum_ver v,
				   uint16_t id, const char *kx,
				   const char *group, int bits,
				   const char *prime, int safe)
{
	const struct mx_suite *su = mx_suite_by_id(id);
	struct mx_enum_version *ver = &f->ep->enumr->v[v];
	struct mx_enum_suite *s = mx_enum_add_suite(ver);

	assert_non_null(su);
	ver->state = 1;
	s->id = id;
	s->rank = ver->server_order == 1 ? (int)ver->n - 1 : -1;
	s->iana = xstrdup(su->iana);
	s->openssl = su->openssl ? xstrdup(su->openssl) : NULL;
	s->cipher_bits = su->bits;
	s->kx = kx ? xstrdup(kx) : NULL;
	s->group = group ? xstrdup(group) : NULL;
	s->kx_bits = bits;
	s->dh_prime = prime ? xstrdup(prime) : NULL;
	s->dh_safe_prime = safe;
	return s;
}

static void refused(struct fx *f, enum mx_enum_ver v, const char *how)
{
	f->ep->enumr->v[v].state = 0;
	f->ep->enumr->v[v].refusal = xstrdup(how);
}

static const struct mx_finding *find(const struct fx *f, const char *id)
{
	size_t i;

	for (i = 0; i < f->ep->findings.n; i++)
		if (strcmp(f->ep->findings.v[i].def->id, id) == 0)
			return &f->ep->findings.v[i];
	return NULL;
}

static void expect(const struct fx *f, const char *id, enum mx_severity sev,
		   const char *word)
{
	const struct mx_finding *x = find(f, id);

	if (x == NULL)
		fail_msg("no finding %s", id);
	if (x->severity != sev)
		fail_msg("%s: severity %s, want %s", id,
			 mx_severity_name(x->severity), mx_severity_name(sev));
	if (word && strstr(x->evidence, word) == NULL &&
	    (x->fix == NULL || strstr(x->fix, word) == NULL))
		fail_msg("%s: '%s' not in evidence '%s'", id, word,
			 x->evidence);
}

static size_t count(const struct fx *f, const char *id)
{
	size_t i, n = 0;

	for (i = 0; i < f->ep->findings.n; i++)
		if (strcmp(f->ep->findings.v[i].def->id, id) == 0)
			n++;
	return n;
}

/* dhe1024.lab.test: TLS 1.2 only, server order, ECDHE first, then DHE
 * with RFC 2409 group 2. */
static void dhe1024(struct fx *f)
{
	fx_init(f, 25, MX_MODE_STARTTLS);
	f->ep->enumr->v[MX_EV_TLS12].server_order = 1;
	suite(f, MX_EV_TLS12, 0xc030, "ECDH", "x25519", 253, NULL, -1);
	suite(f, MX_EV_TLS12, 0xc02f, "ECDH", "x25519", 253, NULL, -1);
	suite(f, MX_EV_TLS12, 0x009f, "DH", NULL, 1024, "RFC 2409 group 2", 1);
	suite(f, MX_EV_TLS12, 0x009e, "DH", NULL, 1024, "RFC 2409 group 2", 1);
	refused(f, MX_EV_TLS13, "fatal alert 70 (protocol_version)");
	refused(f, MX_EV_TLS11, "fatal alert 70 (protocol_version)");
	refused(f, MX_EV_TLS10, "fatal alert 70 (protocol_version)");
	refused(f, MX_EV_SSL3, "fatal alert 70 (protocol_version)");
}

static void test_dhe1024(void **state)
{
	struct fx f;
	const struct mx_enum_version *v;

	(void)state;
	dhe1024(&f);
	assert_int_equal(mx_analyze_enum(f.ep, &f.p, "here"), MX_SEV_CRIT);
	expect(&f, "kex.dh_1024", MX_SEV_CRIT, "RFC 2409 group 2");
	expect(&f, "kex.dh_1024", MX_SEV_CRIT, "DH 1024");
	expect(&f, "kex.dh_1024", MX_SEV_CRIT, "prefers ECDHE");
	expect(&f, "kex.dh_1024", MX_SEV_CRIT, "ECDH x25519");
	expect(&f, "kex.dh_1024", MX_SEV_CRIT, "dh key too small");
	expect(&f, "kex.dh_1024", MX_SEV_CRIT, "DHE-RSA-AES256-GCM-SHA384");
	expect(&f, "kex.dh_common_prime", MX_SEV_WARN, "RFC 2409 group 2");
	expect(&f, "version.no_tls13", MX_SEV_INFO, "protocol_version");
	assert_null(find(&f, "kex.dh_weak_group"));
	assert_null(find(&f, "suite.insecure"));
	assert_null(find(&f, "suite.no_forward_secrecy"));
	assert_null(find(&f, "suite.cbc_legacy"));
	assert_null(find(&f, "order.client_preference"));
	assert_null(find(&f, "version.tls10"));
	assert_int_equal(count(&f, "kex.dh_1024"), 1);
	v = &f.ep->enumr->v[MX_EV_TLS12];
	assert_int_equal(v->suites[0].grade, MX_GRADE_GOOD);
	assert_int_equal(v->suites[2].grade, MX_GRADE_INSECURE);
	assert_string_equal(v->suites[2].grade_why, "DH 1024");
	assert_string_equal(mx_suite_grade_name(v->suites[2].grade),
			    "insecure");
	fx_free(&f);
}

/* Analysing twice gives the same result (grades replaced, not leaked). */
static void test_idempotent_and_pipeline(void **state)
{
	struct fx f;
	size_t n;

	(void)state;
	dhe1024(&f);
	mx_analyze_run(f.run, &f.p);
	n = f.ep->findings.n;
	assert_true(n >= 3);
	assert_non_null(find(&f, "kex.dh_1024"));
	assert_int_equal(f.run->exit_status, MX_EXIT_CRITICAL);
	mx_analyze_run(f.run, &f.p);
	assert_int_equal(f.ep->findings.n, n);
	assert_int_equal(f.ep->enumr->v[MX_EV_TLS12].suites[3].grade,
			 MX_GRADE_INSECURE);
	fx_free(&f);
}

/* legacy.lab.test: TLS 1.0 and 1.1, DHE 1024 and static RSA, CBC only,
 * client order. */
static void test_legacy(void **state)
{
	struct fx f;
	int v;

	(void)state;
	fx_init(&f, 25, MX_MODE_STARTTLS);
	for (v = MX_EV_TLS10; v <= MX_EV_TLS11; v++) {
		f.ep->enumr->v[v].server_order = 0;
		suite(&f, v, 0x0039, "DH", NULL, 1024, NULL, 1);
		suite(&f, v, 0x0033, "DH", NULL, 1024, NULL, 1);
		suite(&f, v, 0x0035, "RSA", NULL, 0, NULL, -1);
		suite(&f, v, 0x002f, "RSA", NULL, 0, NULL, -1);
	}
	refused(&f, MX_EV_TLS12, "fatal alert 70 (protocol_version)");
	refused(&f, MX_EV_TLS13, "fatal alert 70 (protocol_version)");
	refused(&f, MX_EV_SSL3, "fatal alert 40 (handshake_failure)");
	mx_analyze_enum(f.ep, &f.p, "here");
	expect(&f, "version.tls10", MX_SEV_WARN, "RFC 8996");
	expect(&f, "version.tls11", MX_SEV_WARN, "TLSv1.1");
	expect(&f, "suite.no_forward_secrecy", MX_SEV_WARN, "AES256-SHA");
	expect(&f, "suite.cbc_legacy", MX_SEV_WARN, "No AEAD");
	expect(&f, "kex.dh_1024", MX_SEV_CRIT, "a custom prime");
	expect(&f, "order.client_preference", MX_SEV_WARN, "AES256-SHA");
	expect(&f, "version.no_tls13", MX_SEV_INFO, "TLSv1.1");
	/* a custom prime is not a common one */
	assert_null(find(&f, "kex.dh_common_prime"));
	assert_null(find(&f, "version.sslv3"));
	assert_null(find(&f, "suite.insecure"));
	fx_free(&f);
}

/* 3des.lab.test (implicit TLS, GnuTLS). */
static void test_3des(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 465, MX_MODE_IMPLICIT);
	f.ep->enumr->v[MX_EV_TLS12].server_order = 1;
	suite(&f, MX_EV_TLS12, 0xc02f, "ECDH", "secp256r1", 256, NULL, -1);
	suite(&f, MX_EV_TLS12, 0x000a, "RSA", NULL, 0, NULL, -1);
	mx_analyze_enum(f.ep, &f.p, "here");
	expect(&f, "suite.insecure", MX_SEV_WARN, "3DES");
	expect(&f, "suite.insecure", MX_SEV_WARN, "DES-CBC3-SHA");
	expect(&f, "suite.insecure", MX_SEV_WARN, "smtpd_tls_exclude_ciphers");
	/* one root cause: the 3DES suite is not also "no FS" nor "CBC" */
	assert_null(find(&f, "suite.no_forward_secrecy"));
	assert_null(find(&f, "suite.cbc_legacy"));
	fx_free(&f);
}

/* Anonymous suites: info on an MX (port 25), warning on submission;
 * their DH group is no kex finding. */
static void test_anon(void **state)
{
	struct fx f;
	const struct mx_finding *x;

	(void)state;
	fx_init(&f, 25, MX_MODE_STARTTLS);
	f.ep->enumr->v[MX_EV_TLS12].server_order = 0;
	suite(&f, MX_EV_TLS12, 0xc02f, "ECDH", "x25519", 253, NULL, -1);
	suite(&f, MX_EV_TLS12, 0x00a6, "DH", NULL, 1024, "RFC 2409 group 2", 1);
	suite(&f, MX_EV_TLS12, 0xc018, "ECDH", "x25519", 253, NULL, -1);
	mx_analyze_enum(f.ep, &f.p, "here");
	expect(&f, "suite.insecure", MX_SEV_INFO, "anonymous");
	expect(&f, "suite.insecure", MX_SEV_INFO, "1024 bits");
	expect(&f, "suite.insecure", MX_SEV_INFO, "aNULL");
	assert_null(find(&f, "kex.dh_1024"));
	assert_null(find(&f, "kex.dh_common_prime"));
	/* client order with only anon "bad" suites on an MX: info */
	expect(&f, "order.client_preference", MX_SEV_INFO, "TLSv1.2");
	fx_free(&f);

	fx_init(&f, 587, MX_MODE_STARTTLS);
	suite(&f, MX_EV_TLS12, 0xc02f, "ECDH", "x25519", 253, NULL, -1);
	suite(&f, MX_EV_TLS12, 0x00a6, "DH", NULL, 1024, "RFC 2409 group 2", 1);
	mx_analyze_enum(f.ep, &f.p, "here");
	x = find(&f, "suite.insecure");
	assert_non_null(x);
	assert_int_equal(x->severity, MX_SEV_WARN);
	assert_null(strstr(x->evidence, "port 25"));
	fx_free(&f);
}

static void test_broken_ciphers_and_sslv3(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 25, MX_MODE_STARTTLS);
	suite(&f, MX_EV_SSL3, 0x0005, "RSA", NULL, 0, NULL, -1);   /* RC4 */
	suite(&f, MX_EV_SSL3, 0x0003, "RSA", NULL, 512, NULL, -1); /* EXP */
	suite(&f, MX_EV_SSL3, 0x0002, "RSA", NULL, 0, NULL, -1);   /* NULL */
	suite(&f, MX_EV_SSL3, 0x0009, "RSA", NULL, 0, NULL, -1);   /* DES */
	mx_analyze_enum(f.ep, &f.p, "here");
	expect(&f, "version.sslv3", MX_SEV_CRIT, "RFC 7568");
	expect(&f, "suite.insecure", MX_SEV_CRIT, "RC4");
	expect(&f, "suite.insecure", MX_SEV_CRIT, "export");
	expect(&f, "suite.insecure", MX_SEV_CRIT, "NULL");
	expect(&f, "suite.insecure", MX_SEV_CRIT, "single DES");
	expect(&f, "suite.insecure", MX_SEV_CRIT, ":!eNULL");
	assert_int_equal(count(&f, "suite.insecure"), 1);
	assert_null(find(&f, "suite.no_forward_secrecy"));
	fx_free(&f);
}

static void test_dh_weak_group(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 25, MX_MODE_STARTTLS);
	f.ep->enumr->v[MX_EV_TLS12].server_order = 1;
	suite(&f, MX_EV_TLS12, 0x009f, "DH", NULL, 1536, "RFC 3526 group 5", 1);
	suite(&f, MX_EV_TLS13, 0x1301, "ECDH", "x25519", 253, NULL, -1);
	mx_analyze_enum(f.ep, &f.p, "here");
	expect(&f, "kex.dh_weak_group", MX_SEV_WARN, "DH 1536");
	assert_null(find(&f, "kex.dh_1024"));
	assert_null(find(&f, "kex.dh_common_prime")); /* > 1024 bits */
	assert_null(find(&f, "version.no_tls13"));
	assert_int_equal(f.ep->enumr->v[MX_EV_TLS12].suites[0].grade,
			 MX_GRADE_WEAK);
	fx_free(&f);
}

static void test_incomplete(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 25, MX_MODE_STARTTLS);
	suite(&f, MX_EV_TLS13, 0x1301, "ECDH", "x25519", 253, NULL, -1);
	f.ep->enumr->incomplete = 1;
	f.ep->enumr->incomplete_reason =
		xstrdup("TLSv1.2: greeting 421 (retries exhausted)");
	f.ep->enumr->connections = 7;
	mx_analyze_run(f.run, &f.p);
	expect(&f, "enum.incomplete", MX_SEV_UNKNOWN, "421");
	expect(&f, "enum.incomplete", MX_SEV_UNKNOWN, "7 connections");
	assert_int_equal(f.run->exit_status, MX_EXIT_UNKNOWN);
	fx_free(&f);
}

/* A modern server: TLS 1.3 and 1.2 ECDHE/AEAD in server order. */
static void test_clean(void **state)
{
	struct fx f;
	int v;

	(void)state;
	fx_init(&f, 25, MX_MODE_STARTTLS);
	f.ep->enumr->v[MX_EV_TLS12].server_order = 1;
	f.ep->enumr->v[MX_EV_TLS13].server_order = 1;
	suite(&f, MX_EV_TLS13, 0x1302, "ECDH", "x25519", 253, NULL, -1);
	suite(&f, MX_EV_TLS13, 0x1301, "ECDH", "x25519", 253, NULL, -1);
	suite(&f, MX_EV_TLS12, 0xc030, "ECDH", "x25519", 253, NULL, -1);
	suite(&f, MX_EV_TLS12, 0x009f, "DH", "ffdhe2048", 2048, "ffdhe2048", 1);
	for (v = MX_EV_SSL3; v <= MX_EV_TLS11; v++)
		refused(&f, v, "fatal alert 70 (protocol_version)");
	assert_int_equal(mx_analyze_enum(f.ep, &f.p, "here"), MX_SEV_OK);
	assert_int_equal(f.ep->findings.n, 0);
	for (v = 0; v < MX_EV__N; v++) {
		size_t i;

		for (i = 0; i < f.ep->enumr->v[v].n; i++)
			assert_int_equal(f.ep->enumr->v[v].suites[i].grade,
					 MX_GRADE_GOOD);
	}
	fx_free(&f);
}

/* A CBC suite as the server's first choice without TLS 1.3: warning. */
static void test_cbc_first(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, 25, MX_MODE_STARTTLS);
	f.ep->enumr->v[MX_EV_TLS12].server_order = 1;
	suite(&f, MX_EV_TLS12, 0xc014, "ECDH", "x25519", 253, NULL, -1);
	suite(&f, MX_EV_TLS12, 0xc030, "ECDH", "x25519", 253, NULL, -1);
	refused(&f, MX_EV_TLS13, "fatal alert 70 (protocol_version)");
	mx_analyze_enum(f.ep, &f.p, "here");
	expect(&f, "suite.cbc_legacy", MX_SEV_WARN, "first choice");
	assert_int_equal(f.ep->enumr->v[MX_EV_TLS12].suites[0].grade,
			 MX_GRADE_OK);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhe1024),
		cmocka_unit_test(test_idempotent_and_pipeline),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_3des),
		cmocka_unit_test(test_anon),
		cmocka_unit_test(test_broken_ciphers_and_sslv3),
		cmocka_unit_test(test_dh_weak_group),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_cbc_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
