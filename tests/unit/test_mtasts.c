/*
 * test_mtasts.c - MTA-STS and TLS-RPT: the parsers of wire/mtasts.c
 * (policy, TXT record, TLS-RPT record, mx patterns; well-formed and
 * malformed input) and the judgement of analyzers/mtasts.c on targets
 * built here (each finding, its severity under enforce and testing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/mtasts.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "wire/mtasts.h"

#define U(s) ((const uint8_t *)(s)), strlen(s)

/* ---- policy --------------------------------------------------------------- */

static void test_policy_valid(void **state)
{
	struct mx_sts_policy p;

	(void)state;
	assert_int_equal(mx_sts_policy_parse(U("version: STSv1\r\n"
					       "mode: enforce\r\n"
					       "mx: mail.example.com\r\n"
					       "mx: *.Example.NET\r\n"
					       "max_age: 604800\r\n"),
					     &p),
			 0);
	assert_true(p.valid);
	assert_int_equal(p.mode, MX_STS_PMODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[1], "*.example.net");
	assert_int_equal(p.err.n, 0);
	mx_sts_policy_free(&p);
	/* LF, blanks around ':', no final newline, unknown key, any order */
	assert_int_equal(mx_sts_policy_parse(U("max_age:86400\n"
					       "foo_bar: anything here\n"
					       "mode :  testing \n"
					       "mx: mx1.lab.test\n"
					       "version: STSv1"),
					     &p),
			 0);
	assert_int_equal(p.mode, MX_STS_PMODE_TESTING);
	assert_int_equal(p.nunknown, 1);
	assert_int_equal(p.err.n, 0);
	mx_sts_policy_free(&p);
	/* mode none needs no mx */
	assert_int_equal(mx_sts_policy_parse(U("version: STSv1\nmode: none\n"
					       "max_age: 0\n"),
					     &p),
			 0);
	assert_int_equal(p.mode, MX_STS_PMODE_NONE);
	assert_int_equal(p.max_age, 0);
	mx_sts_policy_free(&p);
}

static void expect_invalid(const void *text, size_t len)
{
	struct mx_sts_policy p;

	assert_int_equal(mx_sts_policy_parse(text, len, &p), -1);
	assert_false(p.valid);
	assert_true(p.err.n > 0);
	mx_sts_policy_free(&p);
}

static void test_policy_malformed(void **state)
{
	static const char nul[] = "version: STSv1\nmo\0de: enforce\n"
				  "mx: a.example\nmax_age: 1\n";
	static const uint8_t bin[] = {0xff, 0x00, 0x0a, 0x80, 0x3a, 0x0d};
	char big[3000];
	struct mx_sts_policy p;

	(void)state;
	expect_invalid("", 0);
	expect_invalid(NULL, 5);
	expect_invalid(bin, sizeof(bin));
	expect_invalid(nul, sizeof(nul) - 1);
	expect_invalid(U("version: STSv2\nmode: enforce\nmx: a.example\n"
			 "max_age: 100\n"));
	expect_invalid(U("VERSION: STSv1\nmode: enforce\nmx: a.example\n"
			 "max_age: 100\n"));
	expect_invalid(U("version: STSv1\nmode: Enforce\nmx: a.example\n"
			 "max_age: 100\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmx: a.example\n"
			 "max_age: 31557601\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmx: a.example\n"
			 "max_age: 12345678901\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmx: a.example\n"
			 "max_age: -1\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmax_age: 100\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmx: *.*.example\n"
			 "max_age: 100\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmx: a.*.example\n"
			 "max_age: 100\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmx: *example.com\n"
			 "max_age: 100\n"));
	expect_invalid(U("version: STSv1\nmode: enforce\nmx: a..example\n"
			 "max_age: 100\n"));
	expect_invalid(U("<html><body>Not Found</body></html>\n"));
	/* a valid policy with problems: they are noted, it stays valid */
	assert_int_equal(mx_sts_policy_parse(U("version: STSv1\nmode: enforce\n"
					       "mode: none\nno colon here\n"
					       "mx: good.example\n"
					       "mx: bad_host!\n"
					       "max_age: 100\n"),
					     &p),
			 0);
	assert_int_equal(p.mode, MX_STS_PMODE_ENFORCE);
	assert_int_equal(p.nmx, 1);
	assert_int_equal(p.err.n, 3);
	mx_sts_policy_free(&p);
	/* an overlong line is an error, not an overflow */
	memset(big, 'a', sizeof(big));
	memcpy(big, "mx: ", 4);
	expect_invalid(big, sizeof(big));
	/* more errors than kept: counted */
	{
		char many[600];
		int i;

		for (i = 0; i < 20; i++)
			memcpy(many + 5 * i, "junk\n", 5);
		many[100] = '\0';
		assert_int_equal(mx_sts_policy_parse(U(many), &p), -1);
		assert_true(p.err.n > MX_STS_MAX_ERRORS);
		mx_sts_policy_free(&p);
	}
}

static void test_mx_match(void **state)
{
	(void)state;
	assert_true(mx_sts_mx_match("mx1.lab.test", "mx1.lab.test"));
	assert_true(mx_sts_mx_match("MX1.lab.test", "mx1.LAB.test."));
	assert_true(mx_sts_mx_match("*.example.com", "mx.example.com"));
	assert_false(mx_sts_mx_match("*.example.com", "a.b.example.com"));
	assert_false(mx_sts_mx_match("*.example.com", "example.com"));
	assert_false(mx_sts_mx_match("*.example.com", ".example.com"));
	assert_false(mx_sts_mx_match("*.example.com", "mxexample.com"));
	assert_false(mx_sts_mx_match("mx.example.com", "mx.example.co"));
	assert_false(mx_sts_mx_match("example.com", "mx.example.com"));
	assert_false(mx_sts_mx_match("", "mx"));
	assert_false(mx_sts_mx_match(NULL, "mx"));
	assert_false(mx_sts_mx_match("mx", NULL));
}

/* ---- TXT records ---------------------------------------------------------- */

static void test_txt(void **state)
{
	struct mx_sts_txt t;

	(void)state;
	assert_true(mx_sts_txt_is_sts(U("v=STSv1; id=1;")));
	assert_true(mx_sts_txt_is_sts(U("v=STSv1")));
	assert_false(mx_sts_txt_is_sts(U("v=STSv10; id=1")));
	assert_false(mx_sts_txt_is_sts(U("v=spf1 -all")));
	assert_false(mx_sts_txt_is_sts(NULL, 0));
	assert_int_equal(
		mx_sts_txt_parse(U("v=STSv1; id=20160831085700Z;"), &t), 0);
	assert_string_equal(t.id, "20160831085700Z");
	assert_int_equal(mx_sts_txt_parse(U("v=STSv1;id=abc"), &t), 0);
	assert_int_equal(
		mx_sts_txt_parse(U("v=STSv1 ; id=abc ; ext.x=y-z ;"), &t), 0);
	assert_int_equal(mx_sts_txt_parse(U("v=STSv1;"), &t), -1);
	assert_int_equal(mx_sts_txt_parse(U("v=STSv1; id="), &t), -1);
	assert_int_equal(
		mx_sts_txt_parse(
			U("v=STSv1; id=123456789012345678901234567890123"), &t),
		-1);
	assert_int_equal(mx_sts_txt_parse(U("v=STSv1; id=a-b"), &t), -1);
	assert_int_equal(mx_sts_txt_parse(U("id=1; v=STSv1"), &t), -1);
	assert_int_equal(mx_sts_txt_parse(U(" v=STSv1; id=1"), &t), -1);
	assert_int_equal(mx_sts_txt_parse(U("v=STSv1; id=1; id=2"), &t), -1);
	assert_int_equal(mx_sts_txt_parse(U("v=STSv1; id=1;; x=1"), &t), -1);
	assert_int_equal(mx_sts_txt_parse(U("v=STSv1; id=1; =x"), &t), -1);
	assert_int_equal(mx_sts_txt_parse(U(""), &t), -1);
	/* an embedded NUL (DNS would not deliver it; the parser still
	 * refuses it) */
	assert_int_equal(mx_sts_txt_parse((const uint8_t *)"v=STSv1\0; id=1",
					  15, &t),
			 -1);
}

static void test_tlsrpt(void **state)
{
	struct mx_tlsrpt_rec r;

	(void)state;
	assert_true(mx_tlsrpt_is_rpt(U("v=TLSRPTv1; rua=mailto:a@b")));
	assert_false(mx_tlsrpt_is_rpt(U("v=TLSRPTv10;")));
	assert_int_equal(mx_tlsrpt_parse(U("v=TLSRPTv1; rua=mailto:tlsrpt@lab."
					   "test, https://r.example/v1"),
					 &r),
			 0);
	assert_int_equal(r.nrua, 2);
	assert_string_equal(r.rua[1], "https://r.example/v1");
	mx_tlsrpt_free(&r);
	assert_int_equal(mx_tlsrpt_parse(U("v=TLSRPTv1; rua=ftp://x/"), &r),
			 -1);
	mx_tlsrpt_free(&r);
	assert_int_equal(mx_tlsrpt_parse(U("v=TLSRPTv1;"), &r), -1);
	mx_tlsrpt_free(&r);
	assert_int_equal(
		mx_tlsrpt_parse(U("v=TLSRPTv1; rua=mailto:nobody"), &r), -1);
	mx_tlsrpt_free(&r);
	assert_int_equal(mx_tlsrpt_parse(U("v=TLSRPTv1; rua=,"), &r), -1);
	mx_tlsrpt_free(&r);
	assert_int_equal(mx_tlsrpt_parse(U("rua=mailto:a@b"), &r), -1);
	mx_tlsrpt_free(&r);
	assert_int_equal(mx_tlsrpt_parse(U(" v=TLSRPTv1; rua=mailto:a@b"), &r),
			 -1);
	mx_tlsrpt_free(&r);
	assert_int_equal(mx_tlsrpt_parse((const uint8_t *)"v=TLSRPTv1\0; "
							  "rua=mailto:a@b",
					 26, &r),
			 -1);
	mx_tlsrpt_free(&r);
}

/* ---- the analyzer --------------------------------------------------------- */

static void add_txt(struct mx_txt_lookup *l, const char *qname, const char *rec)
{
	size_t n = strlen(rec);

	if (l->qname == NULL)
		l->qname = xstrdup(qname);
	l->status = MX_DNS_OK;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n].raw = xmalloc(n + 1);
	memcpy(l->v[l->n].raw, rec, n + 1);
	l->v[l->n].len = n;
	l->v[l->n].text = xstrdup(rec);
	l->n++;
}

static void set_policy(struct mx_sts *s, long status, const char *ct,
		       const char *body)
{
	s->policy_host = xstrdup("mta-sts.example.com");
	s->policy_url =
		xstrdup("https://mta-sts.example.com/.well-known/mta-sts.txt");
	s->host_status = MX_DNS_OK;
	s->fetched = 1;
	s->http_status = status;
	s->content_type = ct ? xstrdup(ct) : NULL;
	if (body != NULL) {
		s->body_len = strlen(body);
		s->body = (uint8_t *)xstrdup(body);
	}
}

/* A domain with one MX host, mx.example.com, and one endpoint with a
 * TLS session; cert_bad adds the endpoint's cert.hostname_mismatch. */
static struct mx_run *domain(const char *txt, long status, const char *body,
			     int cert_bad)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	struct mx_host *h;
	struct mx_endpoint *ep;

	t->kind = MX_TARGET_DOMAIN;
	t->name = xstrdup("example.com");
	t->mx_status = MX_DNS_OK;
	h = mx_target_add_host(t);
	h->name = xstrdup("mx.example.com");
	h->pref = 10;
	h->first_ep = 0;
	h->nep = 1;
	ep = mx_target_add_endpoint(t);
	ep->host = xstrdup("mx.example.com");
	ep->addr = xstrdup("192.0.2.1");
	ep->port = 25;
	ep->smtp.connect.state = MX_STEP_OK;
	ep->tls.completed = 1;
	ep->tls.verify_done = 1;
	if (cert_bad)
		mx_findings_add(&ep->findings, "cert.hostname_mismatch",
				"mx.example.com", "other.example.net");
	t->sts.looked_up = 1;
	t->sts.txt.qname = xstrdup("_mta-sts.example.com");
	t->sts.txt.status = MX_DNS_NXDOMAIN;
	t->sts.rpt.qname = xstrdup("_smtp._tls.example.com");
	t->sts.rpt.status = MX_DNS_NXDOMAIN;
	if (txt != NULL)
		add_txt(&t->sts.txt, "_mta-sts.example.com", txt);
	if (status >= 0)
		set_policy(&t->sts, status, "text/plain; charset=utf-8", body);
	else
		t->sts.host_status = MX_DNS_NXDOMAIN;
	return run;
}

static enum mx_severity sev_of(const struct mx_target *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->findings.n; i++)
		if (strcmp(t->findings.v[i].def->id, id) == 0)
			return t->findings.v[i].severity;
	return MX_SEV_OK;
}

#define POLICY(mode, mx, age)                                                  \
	"version: STSv1\r\nmode: " mode "\r\nmx: " mx "\r\nmax_age: " age "\r\n"

static void test_judge_ok_and_rpt(void **state)
{
	struct mx_run *r = domain("v=STSv1; id=1;", 200,
				  POLICY("enforce", "*.example.com", "604800"),
				  0);
	struct mx_target *t = &r->targets[0];

	(void)state;
	add_txt(&t->sts.rpt, "_smtp._tls.example.com",
		"v=TLSRPTv1; rua=mailto:r@example.com");
	mx_sts_judge(t);
	assert_int_equal(t->sts.state, MX_STS_OK);
	assert_int_equal(sev_of(t, "mtasts.ok"), MX_SEV_INFO);
	assert_int_equal(sev_of(t, "tlsrpt.ok"), MX_SEV_INFO);
	assert_int_equal(t->sts.rpt_state, MX_RPT_OK);
	assert_int_equal(t->sts.nrpt_uris, 1);
	assert_string_equal(t->sts.txt_id, "1");
	assert_int_equal(t->findings.n, 2);
	/* judging twice gives the same (judgement cleared first) */
	mx_findings_clear(&t->findings);
	mx_sts_judge(t);
	assert_int_equal(t->findings.n, 2);
	mx_run_free(r);
}

static void test_judge_not_covered(void **state)
{
	struct mx_run *r =
		domain("v=STSv1; id=1;", 200,
		       POLICY("enforce", "mail.example.com", "604800"), 0);
	struct mx_target *t = &r->targets[0];

	(void)state;
	mx_sts_judge(t);
	assert_int_equal(t->sts.state, MX_STS_FAILING);
	assert_int_equal(sev_of(t, "mtasts.mx_not_covered"), MX_SEV_CRIT);
	assert_int_equal(sev_of(t, "mtasts.ok"), MX_SEV_OK);
	assert_int_equal(sev_of(t, "tlsrpt.missing"), MX_SEV_INFO);
	mx_run_free(r);
	r = domain("v=STSv1; id=1;", 200,
		   POLICY("testing", "mail.example.com", "604800"), 0);
	t = &r->targets[0];
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.mx_not_covered"), MX_SEV_WARN);
	mx_run_free(r);
}

static void test_judge_cert(void **state)
{
	struct mx_run *r = domain("v=STSv1; id=1;", 200,
				  POLICY("enforce", "mx.example.com", "604800"),
				  1);
	struct mx_target *t = &r->targets[0];

	(void)state;
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.cert_invalid"), MX_SEV_CRIT);
	mx_run_free(r);
	r = domain("v=STSv1; id=1;", 200,
		   POLICY("testing", "mx.example.com", "3600"), 1);
	t = &r->targets[0];
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.cert_invalid"), MX_SEV_WARN);
	assert_int_equal(sev_of(t, "mtasts.max_age_short"), MX_SEV_WARN);
	mx_run_free(r);
	/* no TLS session at all */
	r = domain("v=STSv1; id=1;", 200,
		   POLICY("enforce", "mx.example.com", "604800"), 0);
	t = &r->targets[0];
	t->endpoints[0].tls.completed = 0;
	t->endpoints[0].smtp.starttls.state = MX_STEP_SKIPPED;
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.cert_invalid"), MX_SEV_CRIT);
	mx_run_free(r);
	/* not connected: not judged (connect findings say why) */
	r = domain("v=STSv1; id=1;", 200,
		   POLICY("enforce", "mx.example.com", "604800"), 1);
	t = &r->targets[0];
	t->endpoints[0].smtp.connect.state = MX_STEP_FAILED;
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.cert_invalid"), MX_SEV_OK);
	assert_int_equal(sev_of(t, "mtasts.ok"), MX_SEV_INFO);
	mx_run_free(r);
}

static void test_judge_publishing(void **state)
{
	struct mx_run *r;
	struct mx_target *t;

	(void)state;
	/* nothing published: nothing said */
	r = domain(NULL, -1, NULL, 0);
	t = &r->targets[0];
	mx_sts_judge(t);
	assert_int_equal(t->sts.state, MX_STS_NOT_PUBLISHED);
	assert_int_equal(t->findings.n, 0);
	mx_run_free(r);
	/* TXT, policy 404 */
	r = domain("v=STSv1; id=1;", 404, "<html>", 0);
	t = &r->targets[0];
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.policy_unavailable"), MX_SEV_WARN);
	assert_int_equal(t->sts.state, MX_STS_UNUSABLE);
	mx_run_free(r);
	/* TXT, no address for the policy host */
	r = domain("v=STSv1; id=1;", -1, NULL, 0);
	t = &r->targets[0];
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.policy_unavailable"), MX_SEV_WARN);
	mx_run_free(r);
	/* a redirect */
	r = domain("v=STSv1; id=1;", 301, NULL, 0);
	t = &r->targets[0];
	t->sts.location = xstrdup("https://elsewhere.example/");
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.policy_redirect"), MX_SEV_WARN);
	mx_run_free(r);
	/* policy, no TXT */
	r = domain(NULL, 200, POLICY("enforce", "mx.example.com", "604800"), 0);
	t = &r->targets[0];
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.policy_without_txt"), MX_SEV_WARN);
	assert_int_equal(sev_of(t, "mtasts.ok"), MX_SEV_OK);
	mx_run_free(r);
	/* two TXT records, a bad content type, a syntax error, mode none */
	r = domain("v=STSv1; id=1;", 200,
		   "version: STSv1\nmode: none\nmax_age: 86400\njunk\n", 0);
	t = &r->targets[0];
	add_txt(&t->sts.txt, "_mta-sts.example.com", "v=STSv1; id=2;");
	add_txt(&t->sts.txt, "_mta-sts.example.com", "v=spf1 -all");
	free(t->sts.content_type);
	t->sts.content_type = xstrdup("text/html");
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.txt_invalid"), MX_SEV_WARN);
	assert_int_equal(sev_of(t, "mtasts.policy_content_type"), MX_SEV_WARN);
	assert_int_equal(sev_of(t, "mtasts.policy_syntax"), MX_SEV_WARN);
	assert_int_equal(t->sts.state, MX_STS_UNUSABLE);
	mx_run_free(r);
	r = domain("v=STSv1; id=1;", 200,
		   "version: STSv1\nmode: none\nmax_age: 86400\n", 0);
	t = &r->targets[0];
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "mtasts.mode_none"), MX_SEV_INFO);
	assert_int_equal(t->sts.state, MX_STS_MODE_NONE);
	mx_run_free(r);
	/* TLS-RPT invalid, and two records */
	r = domain(NULL, -1, NULL, 0);
	t = &r->targets[0];
	add_txt(&t->sts.rpt, "_smtp._tls.example.com",
		"v=TLSRPTv1; rua=ftp://x/");
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "tlsrpt.invalid"), MX_SEV_WARN);
	add_txt(&t->sts.rpt, "_smtp._tls.example.com",
		"v=TLSRPTv1; rua=mailto:a@b");
	mx_findings_clear(&t->findings);
	mx_sts_judge(t);
	assert_int_equal(sev_of(t, "tlsrpt.invalid"), MX_SEV_WARN);
	assert_int_equal(t->sts.rpt_state, MX_RPT_INVALID);
	mx_run_free(r);
	/* a host target is not judged */
	r = domain("v=STSv1; id=1;", 404, NULL, 0);
	t = &r->targets[0];
	t->kind = MX_TARGET_HOST;
	mx_sts_judge(t);
	assert_int_equal(t->findings.n, 0);
	mx_run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_valid),
		cmocka_unit_test(test_policy_malformed),
		cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_tlsrpt),
		cmocka_unit_test(test_judge_ok_and_rpt),
		cmocka_unit_test(test_judge_not_covered),
		cmocka_unit_test(test_judge_cert),
		cmocka_unit_test(test_judge_publishing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
