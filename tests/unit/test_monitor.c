/*
 * test_monitor.c - the --nagios and --junit renderers (issue 12 point 4)
 * over hand-built runs judged by the real analyzers: the status line and
 * its perfdata syntax, the day thresholds (-w/-c through the analyzer
 * params), the JUnit counts and outcomes, and hostile text.
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/analyze.h"
#include "reports/junit.h"
#include "reports/nagios.h"
#include "tests/unit/test_analyzers_fixtures.h"

/* One healthy domain with one MX endpoint; leaf expires in `days`. */
static struct mx_run *one_mx(long days, int warn, int crit)
{
	struct mx_run *run = mx_run_new();
	struct mx_analyze_params p;
	struct mx_target *t = fix_domain(run, "lab.test");
	struct mx_endpoint *ep;

	ep = fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
	ep->tls.chain.v[0].not_after = FIX_NOW + days * FIX_DAY + 3600;
	fix_host(t, "mx1.lab.test", 10, 0, 1);
	run->elapsed_ms = 1234;
	run->started = FIX_NOW;
	mx_analyze_params_init(&p, FIX_NOW);
	if (warn > 0)
		p.expiring_soon_days = warn;
	p.expiring_crit_days = crit;
	mx_analyze_run(run, &p);
	return run;
}

static char *render(int junit, const struct mx_run *run)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(junit ? mx_report_junit(fp, run)
			       : mx_report_nagios(fp, run),
			 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* The monitoring-plugins perfdata syntax:
 * 'label'=value[UOM];[warn];[crit];[min];[max], space separated. */
static void assert_perfdata(const char *line)
{
	static const char *re =
		"^(('[^'=]+'|[^' =|]+)=-?[0-9]+(\\.[0-9]+)?(us|ms|s|%|B|KB|MB|"
		"TB|c)?(;[-0-9.:~@]*){0,4}( |$))+$";
	const char *bar = strchr(line, '|');
	regex_t rx;

	assert_non_null(bar);
	assert_null(strchr(bar + 1, '|'));
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&rx, bar + 1, 0, NULL, 0) != 0)
		fail_msg("bad perfdata: %s", bar + 1);
	regfree(&rx);
}

static char *first_line(const char *s)
{
	size_t n = strcspn(s, "\n");
	char *l = malloc(n + 1);

	assert_non_null(l);
	memcpy(l, s, n);
	l[n] = '\0';
	return l;
}

static void test_nagios_ok(void **state)
{
	struct mx_run *run = one_mx(300, 0, 0);
	char *out, *l;

	(void)state;
	out = render(0, run);
	l = first_line(out);
	assert_int_equal(run->exit_status, MX_EXIT_OK);
	assert_true(strncmp(l, "MXPROBE OK - lab.test: 1 endpoint, ", 35) == 0);
	assert_non_null(strstr(l, "|time=1.234s;;;0 days_left=300;14:;;; "));
	assert_non_null(strstr(l, "'127.0.0.31:25 connect'="));
	assert_non_null(strstr(l, "'127.0.0.31:25 tls'="));
	assert_perfdata(l);
	/* only the status line: no finding above info */
	assert_string_equal(out + strlen(l), "\n");
	free(l);
	free(out);
	mx_run_free(run);
}

static void test_nagios_thresholds(void **state)
{
	struct mx_run *run = one_mx(20, 30, 0);
	char *out, *l;

	(void)state;
	out = render(0, run);
	l = first_line(out);
	assert_int_equal(run->exit_status, MX_EXIT_WARNING);
	assert_non_null(strstr(l, "MXPROBE WARNING - cert.expiring_soon at "
				  "mx1.lab.test [127.0.0.31]:25|"));
	assert_non_null(strstr(l, " days_left=20;30:;;; "));
	assert_perfdata(l);
	assert_non_null(strstr(out, "\n[WARNING] cert.expiring_soon at "));
	free(l);
	free(out);
	mx_run_free(run);

	run = one_mx(20, 30, 25);
	out = render(0, run);
	l = first_line(out);
	assert_int_equal(run->exit_status, MX_EXIT_CRITICAL);
	assert_true(strncmp(l, "MXPROBE CRITICAL - cert.expiring_soon", 37) ==
		    0);
	assert_non_null(strstr(l, " days_left=20;30:;25:;; "));
	assert_perfdata(l);
	free(l);
	free(out);
	mx_run_free(run);

	/* below -w, above -c: a warning; defaults unchanged (14) */
	run = one_mx(20, 30, 10);
	assert_int_equal(run->exit_status, MX_EXIT_WARNING);
	mx_run_free(run);
	run = one_mx(20, 0, 0);
	assert_int_equal(run->exit_status, MX_EXIT_OK);
	mx_run_free(run);
	/* expired: days left below zero, critical as before */
	run = one_mx(-3, 0, 0);
	assert_int_equal(run->exit_status, MX_EXIT_CRITICAL);
	assert_int_equal(run->cert_days_known, 1);
	assert_true(run->cert_days_left < 0);
	mx_run_free(run);
}

static void test_nagios_nothing(void **state)
{
	struct mx_run *run = mx_run_new();
	char *out;

	(void)state;
	run->exit_status = MX_EXIT_UNKNOWN;
	out = render(0, run);
	assert_string_equal(out,
			    "MXPROBE UNKNOWN - no target|time=0.000s;;;0\n");
	free(out);
	mx_run_free(run);
	assert_string_equal(mx_nagios_status_word((enum mx_exit)9), "UNKNOWN");
}

static const char hostile[] = "evil|x='1'<b>&\"q\"\n\x1b[2J\xff\xfe";

static void test_nagios_hostile(void **state)
{
	struct mx_run *run = one_mx(300, 0, 0);
	struct mx_endpoint *ep = &run->targets[0].endpoints[0];
	char *out, *l;
	const char *p;

	(void)state;
	fix_set(&run->targets[0].spec, hostile);
	fix_set(&ep->addr, "1.2.3.4'='x|y");
	/* a finding whose text is hostile, after the judgement */
	mx_findings_add(&ep->findings, "cert.self_signed", hostile, "%s",
			hostile);
	ep->findings.v[ep->findings.n - 1].severity = MX_SEV_WARN;
	out = render(0, run);
	l = first_line(out);
	assert_perfdata(l);
	for (p = out; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	assert_non_null(strstr(l, "'1.2.3.4___x_y:25 connect'="));
	/* the hostile newline did not start a line of its own */
	assert_null(strstr(out, "\n\x1b"));
	free(l);
	free(out);
	mx_run_free(run);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

static void test_junit_ok(void **state)
{
	struct mx_run *run = one_mx(300, 0, 0);
	char *out;

	(void)state;
	out = render(1, run);
	assert_true(strncmp(out,
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			    "<testsuites name=\"mxprobe\" ",
			    66) == 0);
	assert_non_null(strstr(out, "failures=\"0\" errors=\"0\""));
	assert_non_null(strstr(out, "<testsuite name=\"lab.test\" "));
	assert_non_null(strstr(out, "timestamp=\"2025-03-01T12:00:00\""));
	assert_non_null(strstr(out, "<testcase classname=\"mxprobe.lab.test."
				    "127.0.0.31:25\" name=\"connect\""));
	assert_non_null(strstr(out, "name=\"certificate\""));
	assert_int_equal(count(out, "<failure"), 0);
	assert_int_equal(count(out, "<testsuite "), 1);
	assert_non_null(strstr(out, "</testsuites>\n"));
	free(out);
	mx_run_free(run);
}

static void test_junit_outcomes(void **state)
{
	struct mx_run *run = one_mx(-3, 0, 0);
	struct mx_target *t;
	struct mx_endpoint *ep;
	struct mx_analyze_params p;
	char *out;

	(void)state;
	/* a second endpoint that never connected: its columns skip */
	t = &run->targets[0];
	ep = fix_good_endpoint(t, "mx2.lab.test", "127.0.0.32", 20);
	fix_cut_after(ep, 0);
	ep->smtp.connect.state = MX_STEP_FAILED;
	ep->smtp.stop = MX_STOP_CONNECT_REFUSED;
	fix_host(t, "mx2.lab.test", 20, 1, 1);
	mx_analyze_params_init(&p, FIX_NOW);
	mx_analyze_run(run, &p);
	out = render(1, run);
	/* the expired leaf: a certificate column failure and a
	 * cert.expired testcase with its failure typed by the id */
	assert_non_null(strstr(out, "name=\"cert.expired\""));
	assert_non_null(strstr(out, "type=\"cert.expired\""));
	assert_true(count(out, "<failure") >= 2);
	assert_true(count(out, "<skipped") >= 1);
	assert_non_null(strstr(out, "127.0.0.32:25\" name=\"tls\""));
	free(out);
	mx_run_free(run);
}

static void test_junit_hostile(void **state)
{
	struct mx_run *run = one_mx(300, 0, 0);
	struct mx_endpoint *ep = &run->targets[0].endpoints[0];
	char *out;
	const char *p;

	(void)state;
	fix_set(&run->targets[0].spec, hostile);
	mx_findings_add(&ep->findings, "cert.expired", hostile, "%s", hostile);
	ep->findings.v[ep->findings.n - 1].severity = MX_SEV_CRIT;
	mx_findings_add(&ep->findings, "dns.lookup_failed", hostile, "%s",
			hostile);
	ep->findings.v[ep->findings.n - 1].severity = MX_SEV_UNKNOWN;
	out = render(1, run);
	assert_non_null(strstr(out, "evil|x=&apos;1&apos;&lt;b&gt;&amp;&quot;"
				    "q&quot;\n?[2J??"));
	assert_null(strstr(out, "<b>"));
	for (p = out; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	assert_int_equal(count(out, "<error "), 1);
	assert_non_null(strstr(out, "errors=\"1\""));
	free(out);
	mx_run_free(run);
}

static void test_junit_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	mx_junit_escape(fp, "a<&>\"'\tb\x01\x7f");
	mx_junit_escape(fp, NULL);
	fclose(fp);
	assert_string_equal(buf, "a&lt;&amp;&gt;&quot;&apos;\tb??");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nagios_ok),
		cmocka_unit_test(test_nagios_thresholds),
		cmocka_unit_test(test_nagios_nothing),
		cmocka_unit_test(test_nagios_hostile),
		cmocka_unit_test(test_junit_ok),
		cmocka_unit_test(test_junit_outcomes),
		cmocka_unit_test(test_junit_hostile),
		cmocka_unit_test(test_junit_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
