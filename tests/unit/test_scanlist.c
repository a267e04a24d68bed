/*
 * test_scanlist.c - the targets file of `mxprobe scan` (src/scanlist.c):
 * comments, blanks, bad lines with their numbers, hostile bytes, very
 * long lines, a file without a final newline; --shard I/N; the shard of
 * an address list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/scanlist.h"

/* Read a whole input; the targets joined by '|', bad line numbers by
 * ',' into out. */
static void read_all(const char *data, size_t n, char *out, size_t len,
		     char *bad, size_t badlen)
{
	FILE *fp = fmemopen((void *)data, n, "r");
	struct mx_scanlist l;
	const char *line;
	char why[128];
	int r;

	assert_non_null(fp);
	out[0] = bad[0] = 0;
	mx_scanlist_init(&l, fp);
	while ((r = mx_scanlist_next(&l, &line, why, sizeof(why))) != 0) {
		if (r > 0) {
			strncat(out, line, len - strlen(out) - 1);
			strncat(out, "|", len - strlen(out) - 1);
		} else {
			char num[32];

			assert_true(why[0] != 0);
			snprintf(num, sizeof(num), "%lu,", l.lineno);
			strncat(bad, num, badlen - strlen(bad) - 1);
		}
	}
	mx_scanlist_clear(&l);
	fclose(fp);
}

static void test_comments_blanks(void **state)
{
	static const char in[] = "# header\n"
				 "lab.test\n"
				 "\n"
				 "   \t\n"
				 "  good.lab.test   # trailing comment\n"
				 "smtp://mx1.lab.test\r\n"
				 "   # indented comment\n"
				 "submission://smtp.lab.test";
	char out[512], bad[64];

	(void)state;
	read_all(in, sizeof(in) - 1, out, sizeof(out), bad, sizeof(bad));
	assert_string_equal(out, "lab.test|good.lab.test|smtp://mx1.lab.test|"
				 "submission://smtp.lab.test|");
	assert_string_equal(bad, "");
}

static void test_bad_lines(void **state)
{
	static const char in[] = "a.example\n"
				 "two targets\n"
				 "ctl\x01x\n"
				 "nul\0x\n"
				 "esc\x1b[2J\n"
				 "b.example#notacomment\n";
	char out[512], bad[64];

	(void)state;
	read_all(in, sizeof(in) - 1, out, sizeof(out), bad, sizeof(bad));
	assert_string_equal(out, "a.example|b.example#notacomment|");
	assert_string_equal(bad, "2,3,4,5,");
}

static void test_long_line(void **state)
{
	size_t n = MX_SCANLIST_MAX * 3 + 20;
	char *in = malloc(n);
	char out[512], bad[64];

	(void)state;
	assert_non_null(in);
	memset(in, 'a', n);
	memcpy(in + n - 12, "\nx.example\n", 11);
	read_all(in, n - 1, out, sizeof(out), bad, sizeof(bad));
	assert_string_equal(out, "x.example|");
	assert_string_equal(bad, "1,");
	free(in);
}

static void test_empty(void **state)
{
	char out[64], bad[64];

	(void)state;
	read_all("", 0, out, sizeof(out), bad, sizeof(bad));
	assert_string_equal(out, "");
	read_all("\n\n#\n", 4, out, sizeof(out), bad, sizeof(bad));
	assert_string_equal(out, "");
	assert_string_equal(bad, "");
}

static void test_shard_parse(void **state)
{
	int i = -1, n = -1;

	(void)state;
	assert_int_equal(mx_scanlist_shard("3/16", &i, &n), 0);
	assert_int_equal(i, 3);
	assert_int_equal(n, 16);
	assert_int_equal(mx_scanlist_shard("0/1", &i, &n), 0);
	assert_int_equal(mx_scanlist_shard("16/16", &i, &n), -1);
	assert_int_equal(mx_scanlist_shard("-1/4", &i, &n), -1);
	assert_int_equal(mx_scanlist_shard("1/0", &i, &n), -1);
	assert_int_equal(mx_scanlist_shard("1", &i, &n), -1);
	assert_int_equal(mx_scanlist_shard("/4", &i, &n), -1);
	assert_int_equal(mx_scanlist_shard("1/4x", &i, &n), -1);
	assert_int_equal(mx_scanlist_shard("99999999999999999999/4", &i, &n),
			 -1);
	assert_int_equal(mx_scanlist_shard("1/65537", &i, &n), -1);
}

static void test_shard_of(void **state)
{
	const char *a[] = {"127.0.0.32", "127.0.0.31"};
	const char *b[] = {"127.0.0.31"};
	int k, seen[4] = {0};

	(void)state;
	/* the smallest address decides, whatever the order */
	assert_int_equal(mx_scanlist_shard_of(a, 2, 7),
			 mx_scanlist_shard_of(b, 1, 7));
	assert_int_equal(mx_scanlist_shard_of(NULL, 0, 7), 0);
	for (k = 0; k < 64; k++) {
		char addr[32];
		const char *p = addr;

		snprintf(addr, sizeof(addr), "192.0.2.%d", k);
		seen[mx_scanlist_shard_of(&p, 1, 4)]++;
	}
	for (k = 0; k < 4; k++) /* spread, roughly */
		assert_true(seen[k] > 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments_blanks),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_shard_parse),
		cmocka_unit_test(test_shard_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
