/*
 * test_reports.c - the text and JSON renderers (reports/text.c,
 * reports/json.c).
 *
 * Golden files: a run built by hand - lab.test with a good MX, an MX
 * that misses its intermediate and serves a 1024-bit DH group, an MX
 * that does not resolve, and an implicit-TLS host that drops the
 * handshake - judged by the real analyzers with a fixed "now", rendered
 * without colour and compared byte for byte with
 * tests/data/golden/report-lab.txt and report-lab.json.  On a mismatch
 * the actual output is written to ./report-lab.{txt,json}.actual (the
 * build directory under `make check`) for diffing.
 *
 * Also: colour only when asked, bytes outside printable ASCII never
 * reach the output, the JSON parses back with the values of the model,
 * findings are sorted by severity, and write errors are reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyzers/analyze.h"
#include "common/xalloc.h"
#include "reports/json.h"
#include "reports/jsonutil.h"
#include "reports/text.h"
#include "tests/unit/test_analyzers_fixtures.h"

/* ---- the golden run ---------------------------------------------------- */

/* A connection record with fixed values (model/conn.h): the JSON golden
 * and the schema check cover every field of `connections`. */
static struct mx_connrec *golden_conn(struct mx_endpoint *ep, unsigned id,
				      enum mx_conn_kind kind, uint16_t lport,
				      int64_t start_us, enum mx_conn_how how)
{
	struct mx_conn_purpose pu = {.kind = kind, .step = -1};
	struct mx_connrec *r = mx_endpoint_conn_new(ep, id, &pu);

	snprintf(r->local_addr, sizeof(r->local_addr), "127.0.0.1");
	r->local_port = lport;
	snprintf(r->remote_addr, sizeof(r->remote_addr), "%s", ep->addr);
	r->remote_port = ep->port;
	r->start_wall_us = (int64_t)FIX_NOW * 1000000 + start_us;
	r->start_mono_us = 5000000 + start_us;
	r->mark_us[MX_MARK_CONNECTED] = 310;
	r->how = how;
	return r;
}

static struct mx_run *golden_run(void)
{
	struct mx_run *run = mx_run_new();
	struct mx_analyze_params p;
	struct mx_target *t;
	struct mx_endpoint *ep;
	struct mx_connrec *r;
	struct mx_host *h;

	run->tool_version = xstrdup("0.1.0-test");
	run->started = FIX_NOW;
	run->elapsed_ms = 1234;
	run->helo = xstrdup("probe.mxprobe.invalid");
	run->timeout_ms = 10000;

	t = fix_domain(run, "lab.test");
	t->mx_dnssec_secure = 0;
	/* MX 10: healthy */
	fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
	fix_host(t, "mx1.lab.test", 10, 0, 1);
	r = golden_conn(&t->endpoints[0], 1, MX_CONN_PROBE, 40001, 1500,
			MX_HOW_WE_CLOSED);
	r->mark_us[MX_MARK_GREETING] = 1020;
	r->mark_us[MX_MARK_EHLO] = 1400;
	r->mark_us[MX_MARK_STARTTLS] = 1710;
	r->mark_us[MX_MARK_HELLO_SENT] = 1800;
	r->mark_us[MX_MARK_FIRST_RECORD] = 2650;
	r->mark_us[MX_MARK_END] = 9120;
	r->bytes_out = 2210;
	r->bytes_in = 5873;
	r->hello_len = 1566;
	r->hello_min_version = 0x0303;
	r->hello_max_version = 0x0304;
	r->hello_nsuites = 31;
	r->hello_ngroups = 5;
	mx_connrec_answer(r, "handshake", 0x0304, 0x1302, 29);
	/* MX 20: only the leaf sent, DHE with a 1024-bit group */
	ep = fix_good_endpoint(t, "mx3.lab.test", "127.0.0.33", 20);
	mx_cert_clear(&ep->tls.chain.v[1]);
	ep->tls.chain.n = 1;
	ep->tls.verify_code = 20;
	fix_set(&ep->tls.verify_error,
		"unable to get local issuer certificate");
	ep->tls.top_issuer_in_store = 0;
	ep->tls.verified_chain_len = 1;
	fix_set(&ep->tls.version, "TLSv1.2");
	ep->tls.suite_id = 0x009f;
	fix_set(&ep->tls.suite_iana, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
	fix_set(&ep->tls.suite_openssl, "DHE-RSA-AES256-GCM-SHA384");
	fix_set(&ep->tls.temp_key_type, "DH");
	fix_set(&ep->tls.temp_key_group, NULL);
	ep->tls.temp_key_bits = 1024;
	ep->tls.chain.v[0].not_after = FIX_NOW + 10 * FIX_DAY + 3600;
	fix_set(&ep->smtp.tx.v[8].text,
		"TLSv1.2 TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
	fix_host(t, "mx3.lab.test", 20, 1, 1);
	r = golden_conn(ep, 2, MX_CONN_ENUM, 40002, 2100, MX_HOW_WE_CLOSED);
	r->purpose.version = 0x0303;
	r->purpose.nsuites = 44;
	r->purpose.ngroups = 5;
	r->mark_us[MX_MARK_GREETING] = 990;
	r->mark_us[MX_MARK_EHLO] = 1350;
	r->mark_us[MX_MARK_STARTTLS] = 1700;
	r->mark_us[MX_MARK_HELLO_SENT] = 1760;
	r->mark_us[MX_MARK_FIRST_RECORD] = 2480;
	r->mark_us[MX_MARK_END] = 2900;
	r->bytes_out = 412;
	r->bytes_in = 3120;
	r->hello_len = 301;
	r->hello_max_version = 0x0303;
	r->hello_nsuites = 44;
	r->hello_ngroups = 5;
	mx_connrec_answer(r, "flight", 0x0303, 0x009f, 0);
	r = golden_conn(ep, 3, MX_CONN_BISECT, 40003, 3300, MX_HOW_ALERT_RECV);
	r->purpose.version = 0x0303;
	r->purpose.step = 0;
	snprintf(r->purpose.dropped, sizeof(r->purpose.dropped),
		 "AES-GCM suites");
	r->alert = 40;
	r->mark_us[MX_MARK_GREETING] = 1010;
	r->mark_us[MX_MARK_EHLO] = 1380;
	r->mark_us[MX_MARK_STARTTLS] = 1690;
	r->mark_us[MX_MARK_HELLO_SENT] = 1750;
	r->mark_us[MX_MARK_FIRST_RECORD] = 2290;
	r->mark_us[MX_MARK_END] = 2300;
	r->bytes_out = 361;
	r->bytes_in = 285;
	r->hello_len = 250;
	r->hello_max_version = 0x0303;
	r->hello_nsuites = 12;
	mx_connrec_answer(r, "alert", 0, 0, 0);
	r = golden_conn(ep, 4, MX_CONN_CONFIRM, 40004, 4400, MX_HOW_REFUSED);
	snprintf(r->purpose.profile, sizeof(r->purpose.profile), "java8");
	snprintf(r->purpose.stack, sizeof(r->purpose.stack), "openssl");
	r->mark_us[MX_MARK_CONNECTED] = -1;
	r->mark_us[MX_MARK_END] = 180;
	r->err = 111;
	/* MX 30: no address */
	h = fix_host(t, "mx9.lab.test", 30, 2, 0);
	h->a_status = MX_DNS_NXDOMAIN;
	h->aaaa_status = MX_DNS_NXDOMAIN;

	t = mx_run_add_target(run);
	t->spec = xstrdup("smtps://smtp.lab.test");
	t->kind = MX_TARGET_HOST;
	t->name = xstrdup("smtp.lab.test");
	t->port = 465;
	t->mode = MX_MODE_IMPLICIT;
	ep = fix_good_endpoint(t, "smtp.lab.test", "127.0.0.37", -1);
	ep->port = 465;
	ep->mode = MX_MODE_IMPLICIT;
	fix_cut_after(ep, 1);
	mx_tx_clear(&ep->smtp.tx);
	fix_tx(ep, MX_TX_NOTE, 1, "TLS ClientHello sent (517 bytes)");
	fix_tx(ep, MX_TX_NOTE, 3, "TCP FIN from server");
	ep->smtp.tls = (struct mx_step){MX_STEP_FAILED, 2};
	ep->smtp.stop = MX_STOP_TLS_FAILED;
	ep->tls.attempted = 1;
	ep->tls.backend = xstrdup("openssl");
	ep->tls.sni = xstrdup("smtp.lab.test");
	ep->tls.fail = MX_TLS_FAIL_EOF;
	ep->tls.fail_detail = xstrdup("unexpected eof while reading");
	ep->tls.handshake_ms = 2;
	ep->total_ms = 3;
	fix_host(t, "smtp.lab.test", -1, 0, 1);
	r = golden_conn(ep, 5, MX_CONN_PROBE, 40005, 5500, MX_HOW_PEER_FIN);
	r->mark_us[MX_MARK_HELLO_SENT] = 402;
	r->mark_us[MX_MARK_END] = 2950;
	r->bytes_out = 517;
	r->hello_len = 517;
	r->hello_min_version = 0x0303;
	r->hello_max_version = 0x0304;
	r->hello_nsuites = 31;
	r->hello_ngroups = 9;
	mx_connrec_answer(r, "fin", 0, 0, 0);

	mx_analyze_params_init(&p, FIX_NOW);
	mx_analyze_run(run, &p);
	return run;
}

/* ---- helpers ----------------------------------------------------------- */

typedef int (*render_fn)(FILE *out, const struct mx_run *run, const void *opts);

static int render_text(FILE *out, const struct mx_run *run, const void *o)
{
	return mx_report_text(out, run, o);
}

static int render_json(FILE *out, const struct mx_run *run, const void *o)
{
	(void)o;
	return mx_report_json(out, run);
}

/* noinline: once inlined, GCC 12 without sanitizers takes the pointers
 * into the returned buffer for pointers to the local `buf` itself
 * (-Wdangling-pointer false positive). */
static __attribute__((noinline)) char *
render(render_fn fn, const struct mx_run *run, const void *o, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	assert_non_null(fp);
	assert_int_equal(fn(fp, run, o), 0);
	assert_int_equal(fclose(fp), 0);
	if (len)
		*len = n;
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		n = 0;
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void golden_compare(const char *name, const char *got, size_t len)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096], actual[4096];
	size_t wlen = 0;
	char *want;

	snprintf(path, sizeof(path), "%s/golden/%s", dir ? dir : "tests/data",
		 name);
	want = slurp(path, &wlen);
	if (want == NULL || wlen != len || memcmp(want, got, len) != 0) {
		FILE *fp;

		snprintf(actual, sizeof(actual), "%s.actual", name);
		fp = fopen(actual, "wb");
		if (fp) {
			fwrite(got, 1, len, fp);
			fclose(fp);
		}
		free(want);
		fail_msg("%s differs from %s; actual output written to %s "
			 "(diff -u %s %s)",
			 name, path, actual, path, actual);
	}
	free(want);
}

/* ---- tests ------------------------------------------------------------- */

static void test_golden_text(void **state)
{
	struct mx_text_opts o = {.color = 0, .transcript = 1, .details = 1};
	struct mx_run *run = golden_run();
	size_t len;
	char *out = render(render_text, run, &o, &len);

	(void)state;
	golden_compare("report-lab.txt", out, len);
	free(out);
	mx_run_free(run);
}

static void test_golden_json(void **state)
{
	struct mx_run *run = golden_run();
	size_t len;
	char *out = render(render_json, run, NULL, &len);

	(void)state;
	golden_compare("report-lab.json", out, len);
	free(out);
	mx_run_free(run);
}

/* The summary table and its alignment, without details. */
static void test_text_summary(void **state)
{
	struct mx_text_opts o = {0, 0, 0};
	struct mx_run *run = golden_run();
	char *out = render(render_text, run, &o, NULL);
	const char *hdr, *row1, *row2, *row3, *p;

	(void)state;
	hdr = strstr(out, "Pref  Host [IP]:port");
	assert_non_null(hdr);
	row1 = strstr(out, "\n10    mx1.lab.test [127.0.0.31]:25");
	row2 = strstr(out, "\n20    mx3.lab.test [127.0.0.33]:25");
	row3 = strstr(out, "\n30    mx9.lab.test [no address: A nxdomain, "
			   "AAAA nxdomain]");
	assert_non_null(row1);
	assert_non_null(row2);
	assert_non_null(row3);
	assert_true(hdr < row1 && row1 < row2 && row2 < row3);
	/* columns line up: "Connect" starts where each row's first cell */
	{
		size_t hc = (size_t)(strstr(hdr, "Connect") - hdr);

		assert_int_equal(strncmp(row1 + 1 + hc, "OK 1ms", 6), 0);
		assert_int_equal(strncmp(row2 + 1 + hc, "OK 1ms", 6), 0);
		assert_int_equal(strncmp(row3 + 1 + hc, "-", 1), 0);
	}
	/* mx3: Cert FAIL, TLS negotiated WARN with its ms */
	p = strstr(row2, "WARN 12ms");
	assert_non_null(p);
	assert_true(p < row3);
	/* no details, no transcript */
	assert_null(strstr(out, "Transcript:"));
	assert_null(strstr(out, "Certificate chain"));
	/* implicit MX text and the host target's row */
	assert_non_null(strstr(out, "\n-     smtp.lab.test [127.0.0.37]:465"));
	assert_non_null(strstr(out, "MX: 10 mx1.lab.test, 20 mx3.lab.test, "
				    "30 mx9.lab.test (DNS 4 ms)"));
	assert_non_null(strstr(out, "\nConfidence: 76%\n"));
	assert_non_null(strstr(out, "\nStatus: CRITICAL (exit 2)\n"));
	assert_null(strchr(out, '\033'));
	free(out);
	mx_run_free(run);
}

/* Findings sorted: critical before warning before info. */
static void test_text_findings_sorted(void **state)
{
	struct mx_text_opts o = {0, 0, 0};
	struct mx_run *run = golden_run();
	char *out = render(render_text, run, &o, NULL);
	const char *crit = strstr(out, "\nCRITICAL cert.chain_incomplete");
	const char *warn1 = strstr(out, "\nWARNING  kex.temp_key_weak");
	const char *warn2 = strstr(out, "\nWARNING  cert.expiring_soon");
	const char *warn3 = strstr(out, "\nWARNING  dns.lookup_failed");

	(void)state;
	assert_non_null(crit);
	assert_non_null(warn1);
	assert_non_null(warn2);
	assert_non_null(warn3);
	assert_true(crit < warn3);
	/* stable among equals: target findings first, then endpoints */
	assert_true(warn3 < warn1 && warn1 < warn2);
	assert_non_null(strstr(out, "  Evidence:      missing issuer "));
	free(out);
	mx_run_free(run);
}

/* An MX's IPv4 and IPv6 endpoints that say the same are one in the text
 * (details once, each finding once naming both addresses); the JSON
 * keeps both; endpoints that differ stay apart (issue 11 point 5). */
static struct mx_run *twin_run(int differ)
{
	struct mx_run *run = mx_run_new();
	struct mx_analyze_params p;
	struct mx_target *t;
	struct mx_endpoint *ep;

	run->tool_version = xstrdup("0.1.0-test");
	run->started = FIX_NOW;
	t = fix_domain(run, "lab.test");
	ep = fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
	ep->tls.chain.v[0].not_after = FIX_NOW + 10 * FIX_DAY;
	ep = fix_good_endpoint(t, "mx1.lab.test", "::1", 10);
	ep->tls.chain.v[0].not_after = FIX_NOW + 10 * FIX_DAY;
	ep->total_ms += 7; /* timings aside */
	if (differ)
		fix_set(&ep->smtp.greeting.text, "mx1.lab.test ESMTP other");
	fix_host(t, "mx1.lab.test", 10, 0, 2);
	mx_analyze_params_init(&p, FIX_NOW);
	mx_analyze_run(run, &p);
	return run;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void test_text_twins(void **state)
{
	struct mx_text_opts o = {0, 0, 1};
	struct mx_run *run = twin_run(0);
	char *out = render(render_text, run, &o, NULL);
	char *js = render(render_json, run, NULL, NULL);

	(void)state;
	assert_non_null(strstr(out, "--- mx1.lab.test [127.0.0.31]:25 and "
				    "[::1]:25 (starttls; the same answers on "
				    "both addresses) ---"));
	assert_null(strstr(out, "--- mx1.lab.test [::1]:25"));
	assert_int_equal(count(out, "Greeting:"), 1);
	/* the expiry finding once, naming both */
	assert_int_equal(count(out, "cert.expiring_soon"), 1);
	assert_non_null(strstr(out, "cert.expiring_soon  mx1.lab.test "
				    "[127.0.0.31]:25 and [::1]:25"));
	/* both rows of the table stay; JSON keeps both endpoints */
	assert_non_null(strstr(out, "mx1.lab.test [::1]:25  "));
	assert_int_equal(count(js, "\"id\": \"cert.expiring_soon\""), 2);
	free(out);
	free(js);
	mx_run_free(run);

	run = twin_run(1);
	out = render(render_text, run, &o, NULL);
	assert_non_null(
		strstr(out, "--- mx1.lab.test [::1]:25 (starttls) ---"));
	assert_int_equal(count(out, "cert.expiring_soon"), 2);
	free(out);
	mx_run_free(run);
}

static void test_text_colour(void **state)
{
	struct mx_text_opts o = {.color = 1, .transcript = 0, .details = 0};
	struct mx_run *run = golden_run();
	char *out = render(render_text, run, &o, NULL);

	(void)state;
	assert_non_null(strstr(out, "\033[32mOK 1ms\033[0m"));
	assert_non_null(strstr(out, "\033[1;31mFAIL\033[0m"));
	assert_non_null(strstr(out, "\033[33mWARN 12ms\033[0m"));
	assert_non_null(strstr(out, "\033[1;31mCRITICAL"));
	/* padding is computed on the visible text: the column after a
	 * coloured "OK 1ms" starts at the same offset as without colour */
	free(out);
	mx_run_free(run);
}

/* A string that broke the model's escaping contract still cannot put a
 * control byte on the terminal or invalid UTF-8 into the JSON. */
static void test_hostile_bytes(void **state)
{
	struct mx_text_opts o = {0, 1, 1};
	struct mx_run *run = golden_run();
	struct mx_endpoint *ep = &run->targets[0].endpoints[0];
	char *out;
	size_t len, i;
	json_t *doc;
	json_error_t jerr;

	(void)state;
	fix_set(&ep->smtp.greeting.text, "evil \033[2J\xff\xfe banner");
	fix_set(&ep->tls.chain.v[0].subject, "CN=\xc3(\x07");
	fix_tx(ep, MX_TX_RECV, 9, "raw \x1b[31m");
	out = render(render_text, run, &o, &len);
	for (i = 0; i < len; i++)
		assert_true((out[i] >= 0x20 && out[i] < 0x7f) ||
			    out[i] == '\n');
	assert_non_null(strstr(out, "evil ?[2J?? banner"));
	free(out);
	out = render(render_json, run, NULL, &len);
	for (i = 0; i < len; i++)
		assert_true((unsigned char)out[i] < 0x80);
	doc = json_loadb(out, len, 0, &jerr);
	assert_non_null(doc);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(
				json_object_get(
					json_array_get(
						json_object_get(
							json_array_get(
								json_object_get(
									doc,
									"targets"),
								0),
							"endpoints"),
						0),
					"smtp"),
				"greeting"),
			"text")),
		"evil ?[2J?? banner");
	json_decref(doc);
	free(out);
	mx_run_free(run);
}

/* Follow "a.0.b" through objects and arrays; NULL when absent. */
static json_t *jpath(json_t *j, const char *path)
{
	const char *p = path;

	while (j != NULL && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *key = xstrndup(p, n);

		if (json_is_array(j))
			j = json_array_get(j, (size_t)strtoul(key, NULL, 10));
		else
			j = json_object_get(j, key);
		free(key);
		p += n + (dot != NULL);
	}
	return j;
}

/* The JSON carries the model's values (parse it back). */
static void test_json_values(void **state)
{
	struct mx_run *run = golden_run();
	size_t len;
	char *out = render(render_json, run, NULL, &len);
	json_error_t jerr;
	json_t *doc = json_loadb(out, len, 0, &jerr);
	static const struct {
		const char *path, *want;
	} strs[] = {
		{"schema", MX_JSON_SCHEMA_ID},
		{"status", "critical"},
		{"started", "2025-03-01T12:00:00Z"},
		{"tool.version", "0.1.0-test"},
		{"targets.0.kind", "domain"},
		{"targets.0.worst", "critical"},
		{"targets.0.hosts.2.a_status", "nxdomain"},
		{"targets.0.endpoints.0.columns.tls_negotiated", "ok"},
		{"targets.0.endpoints.1.columns.cert", "fail"},
		{"targets.0.endpoints.1.columns.tls_negotiated", "warn"},
		{"targets.0.endpoints.1.tls.temp_key.type", "DH"},
		{"targets.0.endpoints.1.findings.0.id", "kex.temp_key_weak"},
		{"targets.0.endpoints.1.findings.0.severity", "warning"},
		{"targets.0.endpoints.1.findings.2.id",
		 "cert.chain_incomplete"},
		{"targets.0.endpoints.0.tls.chain.1.not_after",
		 "2033-05-18T12:00:00Z"},
		{"targets.0.endpoints.0.smtp.transcript.lines.1.dir", "sent"},
		{"targets.0.endpoints.0.smtp.steps.starttls.state", "ok"},
		{"targets.0.findings.0.where", "mx9.lab.test"},
		{"targets.1.endpoints.0.tls.fail", "eof"},
		{"targets.1.endpoints.0.smtp.stop", "tls_failed"},
		{"targets.1.endpoints.0.columns.banner", "none"},
		{"targets.1.findings.0", NULL},
	};
	size_t i;

	(void)state;
	assert_non_null(doc);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		json_t *v = jpath(doc, strs[i].path);

		if (strs[i].want == NULL) {
			assert_null(v);
			continue;
		}
		if (!json_is_string(v) ||
		    strcmp(json_string_value(v), strs[i].want) != 0)
			fail_msg("%s: got %s want %s", strs[i].path,
				 json_is_string(v) ? json_string_value(v)
						   : "(not a string)",
				 strs[i].want);
	}
	assert_int_equal(json_integer_value(jpath(doc, "exit_status")), 2);
	assert_int_equal(json_integer_value(jpath(doc, "schema_version")),
			 MX_JSON_SCHEMA_VERSION);
	assert_int_equal(json_integer_value(jpath(doc, "targets.0.confidence")),
			 run->targets[0].confidence);
	assert_int_equal(json_integer_value(jpath(
				 doc, "targets.0.endpoints.0.tls.suite_id")),
			 0x1302);
	assert_true(json_is_null(jpath(doc, "targets.0.endpoints.1.tls."
					    "temp_key.group")));
	assert_true(json_is_true(jpath(doc, "targets.0.endpoints.0.tls."
					    "verify.chain_in_order")));
	assert_true(json_is_null(jpath(doc, "targets.1.endpoints.0.smtp."
					    "greeting")));
	/* DER round-trips through base64 */
	{
		const char *b64 = json_string_value(
			jpath(doc, "targets.0.endpoints.0.tls.chain.0."
				   "der_base64"));
		const struct mx_cert *c =
			&run->targets[0].endpoints[0].tls.chain.v[0];

		assert_non_null(b64);
		assert_int_equal(strlen(b64), 4 * ((c->der_len + 2) / 3));
		assert_int_equal(strncmp(b64, "MTg/Rk1UW2JpcHd+", 16), 0);
	}
	/* confidence null when nothing could be tested */
	json_decref(doc);
	free(out);
	run->targets[1].confidence = -1;
	out = render(render_json, run, NULL, &len);
	doc = json_loadb(out, len, 0, &jerr);
	assert_true(json_is_null(jpath(doc, "targets.1.confidence")));
	json_decref(doc);
	free(out);
	mx_run_free(run);
}

static void test_write_errors(void **state)
{
	struct mx_text_opts o = {0, 1, 1};
	struct mx_run *run = golden_run();
	FILE *ro = fopen("/dev/null", "r");

	(void)state;
	assert_non_null(ro);
	assert_int_equal(mx_report_text(ro, run, &o), -1);
	clearerr(ro);
	assert_int_equal(mx_report_json(ro, run), -1);
	fclose(ro);
	mx_run_free(run);
}

/* An empty run renders and says unknown. */
static void test_empty_run(void **state)
{
	struct mx_run *run = mx_run_new();
	struct mx_analyze_params p;
	char *out;

	(void)state;
	run->started = FIX_NOW;
	mx_analyze_params_init(&p, FIX_NOW);
	mx_analyze_run(run, &p);
	out = render(render_text, run, NULL, NULL);
	assert_non_null(strstr(out, "Status: UNKNOWN (exit 3)"));
	free(out);
	out = render(render_json, run, NULL, NULL);
	assert_non_null(strstr(out, "\"targets\": []"));
	assert_non_null(strstr(out, "\"tool\": {\n    \"name\": \"mxprobe\",\n"
				    "    \"version\": null\n  }"));
	free(out);
	mx_run_free(run);
}

/* Issue 13: one closing status line and one JSON envelope for every
 * command (the other renderers call these two). */
static void test_status_line(void **state)
{
	static const struct {
		int exit;
		const char *want;
	} t[] = {
		{0, "\nStatus: OK (exit 0)\n"},
		{1, "\nStatus: WARNING (exit 1)\n"},
		{2, "\nStatus: CRITICAL (exit 2)\n"},
		{3, "\nStatus: UNKNOWN (exit 3)\n"},
		{15, "\nStatus: CRITICAL (exit 15)\n"}, /* send: TLS stage */
		{21, "\nStatus: CRITICAL (exit 21)\n"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *buf = NULL;
		size_t n = 0;
		FILE *fp = open_memstream(&buf, &n);

		assert_non_null(fp);
		mx_report_status(fp, 0, t[i].exit);
		fclose(fp);
		assert_string_equal(buf, t[i].want);
		free(buf);
	}
}

static void test_envelope(void **state)
{
	static const char *const keys[] = {"schema", "schema_version",
					   "tool",   "started",
					   "status", "exit_status"};
	struct mx_jc c = {0};
	json_t *root = mx_j_envelope(&c, "queue", 1, "9.9", 1740830400, 1);
	const char *k;
	json_t *v;
	size_t i = 0;

	(void)state;
	assert_false(c.err);
	json_object_foreach(root, k, v)
	{
		assert_true(i < 6);
		assert_string_equal(k, keys[i]);
		i++;
	}
	assert_int_equal(i, 6);
	assert_string_equal(json_string_value(json_object_get(root, "schema")),
			    "https://mxprobe.invalid/schema/queue/1");
	assert_string_equal(json_string_value(json_object_get(root, "started")),
			    "2025-03-01T12:00:00Z");
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "warning");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(root, "tool"), "name")),
			    "mxprobe");
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_text),
		cmocka_unit_test(test_golden_json),
		cmocka_unit_test(test_text_summary),
		cmocka_unit_test(test_text_findings_sorted),
		cmocka_unit_test(test_text_twins),
		cmocka_unit_test(test_text_colour),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_empty_run),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_envelope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
