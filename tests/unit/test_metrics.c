/*
 * test_metrics.c - the Prometheus text format renderer (issue 12 point
 * 3) over hand-built runs judged by the real analyzers: label escaping,
 * HELP and TYPE for every family, the blackbox_exporter names, one
 * series per endpoint, a failed endpoint, hostile certificate text;
 * and module=send (mx_report_send_metrics) over hand-built deliveries
 * explained by the real analyzer: a delivery with its TLS session and
 * end-to-end time, a RCPT refusal with its code, no attempt at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/analyze.h"
#include "analyzers/smtp_failures.h"
#include "common/xalloc.h"
#include "reports/metrics.h"
#include "tests/unit/test_analyzers_fixtures.h"

static struct mx_run *two_mx(void)
{
	struct mx_run *run = mx_run_new();
	struct mx_analyze_params p;
	struct mx_target *t = fix_domain(run, "lab.test");

	fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
	fix_good_endpoint(t, "mx2.lab.test", "127.0.0.32", 20);
	fix_host(t, "mx1.lab.test", 10, 0, 1);
	fix_host(t, "mx2.lab.test", 20, 1, 1);
	run->started = FIX_NOW;
	mx_analyze_params_init(&p, FIX_NOW);
	mx_analyze_run(run, &p);
	return run;
}

static char *render(const struct mx_run *run)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(mx_report_metrics(fp, run, 1.25), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static char *label(const char *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	mx_metrics_label(fp, v);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void test_escape(void **state)
{
	char *s;

	(void)state;
	s = label("a\\b\"c\nd");
	assert_string_equal(s, "a\\\\b\\\"c\\nd");
	free(s);
	s = label("plain é");
	assert_string_equal(s, "plain é");
	free(s);
	s = label("");
	assert_string_equal(s, "");
	free(s);
}

/* Every sample's family has HELP and TYPE before it; no sample line is
 * repeated (a duplicate series breaks a scrape). */
static void check_families(const char *text)
{
	char *copy = strdup(text), *save = NULL, *line;
	char seen[64][64];
	char *lines[512];
	size_t nseen = 0, nlines = 0, i, j;

	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		size_t n;

		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_true(nseen < 64);
			n = strcspn(line + 7, " ");
			assert_true(n < 64);
			memcpy(seen[nseen], line + 7, n);
			seen[nseen++][n] = '\0';
			continue;
		}
		if (line[0] == '#')
			continue;
		n = strcspn(line, "{ ");
		assert_true(n > 0 && n < 64);
		memcpy(name, line, n);
		name[n] = '\0';
		for (i = 0; i < nseen; i++)
			if (strcmp(seen[i], name) == 0)
				break;
		if (i == nseen)
			fail_msg("no TYPE before %s", line);
		assert_true(nlines < 512);
		for (j = 0; j < nlines; j++)
			if (strcmp(lines[j], line) == 0)
				fail_msg("repeated: %s", line);
		lines[nlines++] = line;
	}
	for (i = 0; i < nseen; i++) {
		char help[80];

		snprintf(help, sizeof(help), "# HELP %s ", seen[i]);
		assert_non_null(strstr(text, help));
	}
	free(copy);
}

static void test_good_run(void **state)
{
	struct mx_run *run = two_mx();
	char *s = render(run);

	(void)state;
	check_families(s);
	assert_non_null(strstr(s, "\nprobe_success 1\n"));
	assert_non_null(strstr(s, "\nprobe_duration_seconds 1.250000\n"));
	assert_non_null(strstr(s, "\nprobe_ssl_earliest_cert_expiry "));
	assert_non_null(
		strstr(s, "probe_tls_version_info{endpoint=\"mx1.lab.test "));
	assert_non_null(strstr(s, "version=\"TLS 1.3\"} 1\n"));
	assert_non_null(strstr(s, "probe_ssl_last_chain_info{endpoint="));
	assert_non_null(strstr(s, "fingerprint_sha256=\""));
	assert_non_null(strstr(s, "mxprobe_temp_key_size{endpoint="));
	assert_non_null(strstr(s, "step=\"connect\"}"));
	assert_non_null(strstr(s, "\nmxprobe_exit_status "));
	assert_non_null(strstr(s, "# TYPE mxprobe_finding gauge\n"));
	free(s);
	mx_run_free(run);
}

static void test_failed_endpoint(void **state)
{
	struct mx_run *run = mx_run_new();
	struct mx_analyze_params p;
	struct mx_target *t = fix_domain(run, "lab.test");
	struct mx_endpoint *ep;
	char *s;

	(void)state;
	fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
	ep = fix_good_endpoint(t, "mx2.lab.test", "127.0.0.32", 20);
	fix_cut_after(ep, 1);
	ep->smtp.connect.state = MX_STEP_FAILED;
	ep->smtp.stop = MX_STOP_CONNECT_REFUSED;
	fix_host(t, "mx1.lab.test", 10, 0, 1);
	fix_host(t, "mx2.lab.test", 20, 1, 1);
	mx_analyze_params_init(&p, FIX_NOW);
	mx_analyze_run(run, &p);
	s = render(run);
	check_families(s);
	assert_non_null(strstr(s, "\nprobe_success 0\n"));
	assert_non_null(strstr(s, "mxprobe_finding{id=\""));
	assert_null(strstr(s, "version=\"TLS 1.3\"} 1\nprobe_tls_version_info"
			      "{endpoint=\"mx2"));
	free(s);
	mx_run_free(run);
}

static void test_hostile_subject(void **state)
{
	struct mx_run *run = two_mx();
	char *s;

	(void)state;
	fix_set(&run->targets[0].endpoints[0].tls.chain.v[0].subject,
		"CN=evil\"} 1\nprobe_success 1\\");
	s = render(run);
	check_families(s);
	assert_non_null(strstr(s, "subject=\"CN=evil\\\"} 1\\nprobe_success "
				  "1\\\\\""));
	free(s);
	mx_run_free(run);
}

static void test_empty_run(void **state)
{
	struct mx_run *run = mx_run_new();
	char *s;

	(void)state;
	s = render(run);
	check_families(s);
	assert_non_null(strstr(s, "probe_success 0\n"));
	assert_null(strstr(s, "probe_ssl_earliest_cert_expiry "));
	free(s);
	mx_run_free(run);
}

/* ---- module=send ---------------------------------------------------- */

/* One attempt at smtp.lab.test:587 with every stage up to last OK (its
 * TLS session taken from a fixture endpoint), recipient replies given. */
static struct mx_send_result *delivery(enum mx_send_stage failed, int code)
{
	struct mx_send_result *r = xcalloc(1, sizeof(*r));
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "lab.test");
	struct mx_endpoint *ep =
		fix_good_endpoint(t, "smtp.lab.test", "127.0.0.37", 10);
	struct mx_send_attempt *a;
	int st;

	r->nexthop = xstrdup("submission://smtp.lab.test");
	r->attempts = xcalloc(1, sizeof(*r->attempts));
	r->nattempts = r->capattempts = 1;
	a = &r->attempts[0];
	a->host = xstrdup("smtp.lab.test");
	a->addr = xstrdup("127.0.0.37");
	a->port = 587;
	a->tls = ep->tls; /* moved */
	memset(&ep->tls, 0, sizeof(ep->tls));
	mx_run_free(run);
	for (st = MX_SEND_STAGE_CONNECT; st < MX_SEND_STAGE__N; st++) {
		if (failed != MX_SEND_STAGE_NONE && st > (int)failed)
			break;
		a->stage[st].step.state = st == (int)failed ? MX_STEP_FAILED
							    : MX_STEP_OK;
		a->stage[st].step.ms = 12;
	}
	a->rcpts = xcalloc(1, sizeof(*a->rcpts));
	a->nrcpts = 1;
	a->rcpts[0].addr = xstrdup("test@lab.test");
	a->rcpts[0].accepted = failed != MX_SEND_STAGE_RCPT;
	a->rcpts[0].st.reply.code = failed == MX_SEND_STAGE_RCPT ? code : 250;
	a->rcpts[0].st.reply.text = xstrdup(
		failed == MX_SEND_STAGE_RCPT
			? "<test@lab.test>: Recipient address rejected: "
			  "Access denied"
			: "2.1.5 Ok");
	a->failed = failed;
	r->failed_stage = failed;
	r->delivered = failed == MX_SEND_STAGE_NONE;
	r->encrypted = 1;
	r->status = r->delivered  ? MX_SEND_DELIVERED
		    : code >= 500 ? MX_SEND_PERMFAIL
				  : MX_SEND_TEMPFAIL;
	r->permanent = code >= 500;
	mx_send_result_explain(r);
	return r;
}

static char *render_send(const struct mx_send_result *r, int e2e)
{
	struct mx_send_metrics m;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	memset(&m, 0, sizeof(m));
	m.r = r;
	m.duration_s = 0.5;
	m.e2e_checked = e2e;
	m.e2e_found = e2e;
	m.e2e_s = 0.75;
	assert_non_null(fp);
	assert_int_equal(mx_report_send_metrics(fp, &m), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void test_send_delivered(void **state)
{
	struct mx_send_result *r = delivery(MX_SEND_STAGE_NONE, 0);
	char *s = render_send(r, 1);

	(void)state;
	check_families(s);
	assert_non_null(strstr(s, "\nprobe_success 1\n"));
	assert_non_null(strstr(s, "\nprobe_duration_seconds 0.500000\n"));
	assert_non_null(strstr(s, "\nmxprobe_send_delivered 1\n"));
	assert_non_null(strstr(s, "\nmxprobe_send_encrypted 1\n"));
	assert_non_null(strstr(s, "mxprobe_send_stage_duration_seconds{stage="
				  "\"data\"} 0.012\n"));
	assert_non_null(strstr(s, "probe_tls_version_info{endpoint=\"smtp.lab."
				  "test [127.0.0.37]:587\",version=\"TLS "
				  "1.3\"} 1\n"));
	assert_non_null(strstr(s, "probe_ssl_last_chain_info{endpoint="));
	assert_non_null(strstr(s, "\nprobe_ssl_earliest_cert_expiry "));
	assert_non_null(strstr(s, "\nmxprobe_send_arrived 1\n"));
	assert_non_null(strstr(s, "\nmxprobe_end_to_end_seconds 0.750\n"));
	assert_null(strstr(s, "\nmxprobe_send_failed_stage{"));
	assert_null(strstr(s, "\nmxprobe_send_reply_code{"));
	free(s);
	mx_send_result_free(r);
}

static void test_send_rcpt_refused(void **state)
{
	struct mx_send_result *r = delivery(MX_SEND_STAGE_RCPT, 554);
	char *s = render_send(r, 0);

	(void)state;
	check_families(s);
	assert_non_null(strstr(s, "\nprobe_success 0\n"));
	assert_non_null(strstr(s, "\nmxprobe_send_delivered 0\n"));
	/* the stage holds no reply: the refused recipient's code */
	assert_non_null(
		strstr(s, "\nmxprobe_send_failed_stage{stage=\"rcpt\"} 1\n"));
	assert_non_null(
		strstr(s, "\nmxprobe_send_reply_code{stage=\"rcpt\"} 554\n"));
	assert_non_null(strstr(s, "mxprobe_finding{id=\"smtp.recipient_"
				  "rejected\",severity=\"critical\""));
	assert_null(strstr(s, "stage=\"data\""));
	assert_null(strstr(s, "mxprobe_send_arrived"));
	assert_null(strstr(s, "mxprobe_end_to_end_seconds"));
	free(s);
	mx_send_result_free(r);
}

static void test_send_no_attempt(void **state)
{
	struct mx_send_result *r = xcalloc(1, sizeof(*r));
	char *s;

	(void)state;
	r->status = MX_SEND_TEMPFAIL;
	r->failed_stage = MX_SEND_STAGE_RESOLVE;
	s = render_send(r, 0);
	check_families(s);
	assert_non_null(strstr(s, "\nprobe_success 0\n"));
	assert_non_null(
		strstr(s, "mxprobe_send_failed_stage{stage=\"resolve\"} 1\n"));
	assert_null(strstr(s, "mxprobe_send_reply_code{"));
	assert_null(strstr(s, "probe_tls_version_info{"));
	free(s);
	mx_send_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_good_run),
		cmocka_unit_test(test_failed_endpoint),
		cmocka_unit_test(test_hostile_subject),
		cmocka_unit_test(test_empty_run),
		cmocka_unit_test(test_send_delivered),
		cmocka_unit_test(test_send_rcpt_refused),
		cmocka_unit_test(test_send_no_attempt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
