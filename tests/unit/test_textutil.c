/*
 * test_textutil.c - the renderers' shared output helpers
 * (reports/textutil.h): the terminal guard, formatting of any length,
 * indented fields, colours only on request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reports/textutil.h"
#include "reports/util.h"

struct mem {
	FILE *fp;
	char *buf;
	size_t len;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->fp = open_memstream(&m->buf, &m->len);
	assert_non_null(m->fp);
}

static char *mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->fp), 0);
	return m->buf;
}

/* Every byte value: printable ASCII and '\n' pass, the rest is '?'. */
static void test_out_text_guard(void **state)
{
	char in[256], want[256];
	struct mem m;
	char *got;
	int b;

	(void)state;
	for (b = 1; b < 256; b++) {
		in[b - 1] = (char)b;
		want[b - 1] = (b >= 0x20 && b < 0x7f) || b == '\n' ? (char)b
								   : '?';
	}
	in[255] = want[255] = '\0';
	mem_open(&m);
	mx_out_text(m.fp, in);
	mx_out_text(m.fp, NULL);
	got = mem_close(&m);
	assert_string_equal(got, want);
	free(got);
}

static void test_out_fmt_escapes_and_long(void **state)
{
	char *big = malloc(20001), *got;
	struct mem m;

	(void)state;
	memset(big, 'a', 20000);
	big[20000] = '\0';
	mem_open(&m);
	mx_out_fmt(m.fp, "[%s]\033[2J%d", "x\ty", 7);
	mx_out_fmt(m.fp, "%s", big);
	got = mem_close(&m);
	assert_int_equal(strlen(got), strlen("[x?y]?[2J7") + 20000);
	assert_memory_equal(got, "[x?y]?[2J7", 10);
	free(got);
	free(big);
}

static void test_out_field(void **state)
{
	struct mem m;
	char *got;

	(void)state;
	mem_open(&m);
	mx_out_field(m.fp, "  ", "Evidence:", "line one\nline two");
	mx_out_field(m.fp, "", "A-very-long-label:", "a\nb");
	mx_out_field(m.fp, "", "Fix:", NULL);
	got = mem_close(&m);
	assert_string_equal(got, "  Evidence:      line one\n"
				 "                 line two\n"
				 "A-very-long-label: a\n"
				 "                   b\n"
				 "Fix:           \n");
	free(got);
}

static void test_colours(void **state)
{
	struct mem m;
	char *got;

	(void)state;
	assert_string_equal(mx_colour_code(0, MX_C_RED), "");
	assert_string_equal(mx_colour_reset(0, MX_C_RED), "");
	assert_string_equal(mx_colour_code(1, MX_C_NONE), "");
	assert_string_equal(mx_colour_reset(1, MX_C_NONE), "");
	assert_string_equal(mx_colour_code(1, MX_C_RED), "\033[1;31m");
	assert_string_equal(mx_colour_reset(1, MX_C_RED), "\033[0m");
	assert_string_equal(mx_colour_code(1, (enum mx_colour)99), "");
	mem_open(&m);
	mx_colour_on(m.fp, 0, MX_C_GREEN);
	mx_out_text(m.fp, "a");
	mx_colour_off(m.fp, 0, MX_C_GREEN);
	mx_colour_on(m.fp, 1, MX_C_GREEN);
	mx_out_text(m.fp, "b");
	mx_colour_off(m.fp, 1, MX_C_GREEN);
	got = mem_close(&m);
	assert_string_equal(got, "a\033[32mb\033[0m");
	free(got);
}

static void test_severity_colour_and_nz(void **state)
{
	(void)state;
	assert_int_equal(mx_severity_colour(MX_SEV_CRIT), MX_C_RED);
	assert_int_equal(mx_severity_colour(MX_SEV_WARN), MX_C_YELLOW);
	assert_int_equal(mx_severity_colour(MX_SEV_UNKNOWN), MX_C_MAGENTA);
	assert_int_equal(mx_severity_colour(MX_SEV_INFO), MX_C_CYAN);
	assert_int_equal(mx_severity_colour(MX_SEV_OK), MX_C_GREEN);
	assert_int_equal(mx_severity_colour((enum mx_severity)42), MX_C_NONE);
	assert_string_equal(mx_nz(NULL, "-"), "-");
	assert_string_equal(mx_nz("", "-"), "-");
	assert_string_equal(mx_nz("x", "-"), "x");
}

/* The one finding layout, sorted worst first by mx_rep_sort_findings(). */
static void test_findings_layout(void **state)
{
	struct mx_findings fs = {0};
	struct mx_finding *f;
	const struct mx_finding **v;
	struct mem m;
	char *got, up[4];
	size_t n;

	(void)state;
	f = mx_findings_add(&fs, "dns.null_mx", "lab.test", "MX 0 .");
	f->severity = MX_SEV_INFO;
	f = mx_findings_add(&fs, "cert.expired", "mx1 [127.0.0.31]:25",
			    "notAfter 2020\nsecond line");
	mx_finding_set_fix(f, "renew it");
	v = mx_rep_sort_findings(&fs, &n);
	assert_int_equal(n, 2);
	assert_ptr_equal(v[0], &fs.v[1]); /* critical first */
	mem_open(&m);
	mx_out_findings(m.fp, 0, v, 1);
	mx_out_findings(m.fp, 0, v, 0);
	got = mem_close(&m);
	assert_string_equal(
		got, "\nFindings:\n"
		     "\nCRITICAL cert.expired  mx1 [127.0.0.31]:25\n"
		     "  The certificate has expired (or is not yet valid)\n"
		     "  Evidence:      notAfter 2020\n"
		     "                 second line\n"
		     "  Fix:           renew it\n"
		     "  Reference:     RFC 5280 section 4.1.2.5\n"
		     "\nFindings: none\n");
	free(got);
	free(v);
	v = mx_rep_sort_findings(NULL, &n);
	assert_int_equal(n, 0);
	free(v);
	mx_findings_clear(&fs);
	mx_upper("warning", up, sizeof(up));
	assert_string_equal(up, "WAR");
	mx_upper("x", up, 0); /* nothing written */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_text_guard),
		cmocka_unit_test(test_out_fmt_escapes_and_long),
		cmocka_unit_test(test_out_field),
		cmocka_unit_test(test_colours),
		cmocka_unit_test(test_severity_colour_and_nz),
		cmocka_unit_test(test_findings_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
