/*
 * test_history_path.c - where watch and history keep the history file
 * (src/history_path.c): --history as given; $XDG_STATE_HOME/mxprobe/
 * (absolute only) with its directories made 0700; else
 * $HOME/.local/state/mxprobe/; an existing directory kept as it is;
 * neither variable, or a file where a directory belongs: one line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/history_path.h"

static void rm_tree(const char *base)
{
	char cmd[128];
	static const char *const sub[] = {
		"x/mxprobe",	  "x",	      "h/.local/state/mxprobe",
		"h/.local/state", "h/.local", "h",
		"f/mxprobe",	  ""};

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", base, sub[i]);
		rmdir(cmd);
	}
	snprintf(cmd, sizeof(cmd), "%s/f", base);
	unlink(cmd);
	rmdir(base);
}

static void test_paths(void **state)
{
	struct mx_opts o;
	char err[256], want[160], dir[160], base[64];
	char *p;
	struct stat st;

	(void)state;
	snprintf(base, sizeof(base), "/tmp/test_history_path.XXXXXX");
	assert_non_null(mkdtemp(base));
	memset(&o, 0, sizeof(o));

	/* --history FILE: as given, nothing made */
	o.history_path = "rel/dir/h.sqlite";
	p = mx_cli_history_path(&o, err, sizeof(err));
	assert_string_equal(p, "rel/dir/h.sqlite");
	free(p);
	assert_int_equal(access("rel", F_OK), -1);
	o.history_path = "";
	assert_null(mx_cli_history_path(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "--history"));
	o.history_path = NULL;

	/* XDG_STATE_HOME, made 0700 down from it */
	snprintf(dir, sizeof(dir), "%s/x", base);
	setenv("XDG_STATE_HOME", dir, 1);
	setenv("HOME", "/nonexistent-home", 1);
	p = mx_cli_history_path(&o, err, sizeof(err));
	snprintf(want, sizeof(want), "%s/x/mxprobe/history.sqlite", base);
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	snprintf(dir, sizeof(dir), "%s/x/mxprobe", base);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* again: the directory is kept */
	chmod(dir, 0750);
	p = mx_cli_history_path(&o, err, sizeof(err));
	assert_non_null(p);
	free(p);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);

	/* a relative XDG_STATE_HOME is ignored: HOME */
	setenv("XDG_STATE_HOME", "relative/state", 1);
	snprintf(dir, sizeof(dir), "%s/h", base);
	setenv("HOME", dir, 1);
	p = mx_cli_history_path(&o, err, sizeof(err));
	snprintf(want, sizeof(want), "%s/h/.local/state/mxprobe/history.sqlite",
		 base);
	assert_non_null(p);
	assert_string_equal(p, want);
	free(p);
	assert_int_equal(access("relative", F_OK), -1);

	/* neither */
	unsetenv("XDG_STATE_HOME");
	unsetenv("HOME");
	assert_null(mx_cli_history_path(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "--history FILE"));
	assert_null(strchr(err, '\n'));

	/* a file where the directory belongs */
	snprintf(dir, sizeof(dir), "%s/f", base);
	{
		FILE *fp = fopen(dir, "w");
		assert_non_null(fp);
		fclose(fp);
	}
	setenv("XDG_STATE_HOME", dir, 1);
	assert_null(mx_cli_history_path(&o, err, sizeof(err)));
	assert_true(strstr(err, "not a directory") != NULL ||
		    strstr(err, "cannot create") != NULL);
	unsetenv("XDG_STATE_HOME");
	rm_tree(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
