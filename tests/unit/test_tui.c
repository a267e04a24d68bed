/*
 * test_tui.c - the dashboard (tui/), driven for real: curses runs on a
 * pseudo-terminal (test_tui_fixture.c), keys are typed at the master
 * side as a terminal would send them (the sequences come from terminfo),
 * and the test checks what can be observed: callbacks and their keys,
 * the selection, filter and sort, the view and pane, the screen read
 * back with mvinnstr(), and the bytes written to the terminal (an
 * escape-carrying banner must not reach it).  The sanitiser's own table
 * and sweep are in test_tui_sanitize.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>
#include <locale.h>
#include <term.h>

#include "common/xalloc.h"
#include "tests/unit/test_tui_fixture.h"
#include "tui/tui.h"

#define NOW ((time_t)1765000000)

/* ---- the dashboard on a pty ----------------------------------------- */

struct calls {
	int reprobe, enumerate, pause, quit, opened;
	int paused;
	char key[256];
};

static void cb_reprobe(void *arg, const char *key)
{
	struct calls *c = arg;

	c->reprobe++;
	snprintf(c->key, sizeof(c->key), "%s", key);
}

static void cb_enumerate(void *arg, const char *key)
{
	struct calls *c = arg;

	c->enumerate++;
	snprintf(c->key, sizeof(c->key), "%s", key);
}

static void cb_pause(void *arg, int paused)
{
	struct calls *c = arg;

	c->pause++;
	c->paused = paused;
}

static void cb_quit(void *arg)
{
	((struct calls *)arg)->quit++;
}

static void cb_opened(void *arg, const char *key)
{
	struct calls *c = arg;

	c->opened++;
	snprintf(c->key, sizeof(c->key), "%s", key);
}

struct fx {
	struct tui_term term;
	struct tui_model model;
	struct mx_tui *tui;
	struct calls calls;
};

static struct fx *fx_open(const char *termname, int rows, int cols,
			  size_t nrows, int rich,
			  int color /* 1 colour, 2 ascii */)
{
	static const struct mx_tui_cbs cbs = {cb_reprobe, cb_enumerate,
					      cb_pause, cb_quit, cb_opened};
	struct mx_tui_params p;
	struct fx *f = xcalloc(1, sizeof(*f));
	char err[256] = "";

	assert_int_equal(tui_term_open(&f->term, termname, rows, cols), 0);
	memset(&p, 0, sizeof(p));
	p.color = color & 1;
	p.ascii = (color & 2) != 0;
	p.interval_s = 300;
	p.history_path = "/tmp/h.sqlite";
	p.out = f->term.out;
	p.in = f->term.in;
	f->tui = mx_tui_new(&p, &cbs, &f->calls, err, sizeof(err));
	if (f->tui == NULL)
		fail_msg("mx_tui_new: %s", err);
	tui_model_build(&f->model, nrows, rich, NOW);
	mx_tui_set_rows(f->tui, f->model.rows, f->model.nrows);
	mx_tui_draw(f->tui, NOW, 1);
	return f;
}

static void fx_close(struct fx *f)
{
	mx_tui_free(f->tui);
	tui_model_free(&f->model);
	tui_term_close(&f->term);
	free(f);
}

/* Type raw bytes, then let the dashboard read them, then redraw. */
static void type(struct fx *f, const char *s)
{
	tui_term_type(&f->term, s, strlen(s));
	mx_tui_input(f->tui);
	mx_tui_draw(f->tui, NOW, 0);
}

/* Type the terminal's sequence for a key capability ("kcud1", "kf1"). */
static void type_cap(struct fx *f, const char *cap)
{
	const char *s = tigetstr(cap);

	if (s == NULL || s == (const char *)-1)
		fail_msg("terminfo has no %s", cap);
	type(f, s);
}

/* Screen line y as text (trailing spaces kept). */
static const char *screen_line(int y, char *buf, int len)
{
	int n = mvinnstr(y, 0, buf, len - 1);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* Nonzero if any screen line contains s. */
static int screen_has(const char *s)
{
	char buf[512];
	int y;

	for (y = 0; y < LINES; y++)
		if (strstr(screen_line(y, buf, sizeof(buf)), s) != NULL)
			return 1;
	return 0;
}

static void test_lifecycle(void **state)
{
	struct fx *f = fx_open("xterm-256color", 24, 80, 8, 0, 1);
	char buf[256];

	(void)state;
	assert_int_equal(LINES, 24);
	assert_int_equal(COLS, 80);
	assert_non_null(
		strstr(screen_line(0, buf, sizeof(buf)), "mxprobe watch"));
	assert_non_null(strstr(buf, "8 endpoints"));
	assert_true(mx_tui_fd(f->tui) == fileno(f->term.in));
	assert_string_equal(mx_tui_view_name(f->tui), "overview");
	mx_tui_restore(f->tui);
	mx_tui_restore(f->tui); /* idempotent */
	mx_tui_draw(f->tui, NOW, 1);
	fx_close(f);
}

static void test_draw_only_when_dirty(void **state)
{
	struct fx *f = fx_open("vt100", 24, 80, 4, 0, 0);
	unsigned long n = mx_tui_draw_count(f->tui);

	(void)state;
	mx_tui_draw(f->tui, NOW, 0);
	mx_tui_draw(f->tui, NOW + 10, 0); /* same minute */
	assert_int_equal(mx_tui_draw_count(f->tui), n);
	mx_tui_draw(f->tui, NOW, 1);
	assert_int_equal(mx_tui_draw_count(f->tui), n + 1);
	mx_tui_set_status(f->tui, NOW + 300, 0, "round 2");
	mx_tui_draw(f->tui, NOW, 0);
	assert_int_equal(mx_tui_draw_count(f->tui), n + 2);
	assert_true(screen_has("round 2"));
	fx_close(f);
}

static void test_keys_and_callbacks(void **state)
{
	struct fx *f = fx_open("xterm-256color", 24, 80, 12, 0, 1);
	const char *k2;

	(void)state;
	assert_string_equal(mx_tui_selected_key(f->tui),
			    mx_tui_visible_key(f->tui, 0));
	type(f, "jj");
	k2 = mx_tui_visible_key(f->tui, 2);
	assert_string_equal(mx_tui_selected_key(f->tui), k2);
	type_cap(f, "kcuu1");
	assert_string_equal(mx_tui_selected_key(f->tui),
			    mx_tui_visible_key(f->tui, 1));
	type_cap(f, "kcud1");
	type(f, "r");
	assert_int_equal(f->calls.reprobe, 1);
	assert_string_equal(f->calls.key, k2);
	type(f, "e");
	assert_int_equal(f->calls.enumerate, 1);
	assert_string_equal(f->calls.key, k2);
	type(f, "G");
	assert_string_equal(mx_tui_selected_key(f->tui),
			    mx_tui_visible_key(f->tui, 11));
	type(f, "g");
	assert_string_equal(mx_tui_selected_key(f->tui),
			    mx_tui_visible_key(f->tui, 0));
	type_cap(f, "knp"); /* PgDn: a page is 19 rows, 12 shown */
	assert_string_equal(mx_tui_selected_key(f->tui),
			    mx_tui_visible_key(f->tui, 11));
	type_cap(f, "kpp");
	assert_string_equal(mx_tui_selected_key(f->tui),
			    mx_tui_visible_key(f->tui, 0));
	type(f, "p");
	assert_int_equal(f->calls.pause, 1);
	assert_int_equal(f->calls.paused, 1);
	assert_true(screen_has("PAUSED"));
	type(f, "p");
	assert_int_equal(f->calls.paused, 0);
	type(f, "?");
	assert_string_equal(mx_tui_view_name(f->tui), "help");
	assert_true(screen_has("help"));
	type(f, "\x1b");
	assert_string_equal(mx_tui_view_name(f->tui), "overview");
	type_cap(f, "kf1");
	assert_string_equal(mx_tui_view_name(f->tui), "help");
	type_cap(f, "kf1");
	assert_string_equal(mx_tui_view_name(f->tui), "overview");
	type(f, "q");
	assert_int_equal(f->calls.quit, 1);
	type_cap(f, "kf10");
	assert_int_equal(f->calls.quit, 2);
	assert_int_equal(f->calls.reprobe, 1); /* nothing else fired */
	fx_close(f);
}

static void test_filter(void **state)
{
	struct fx *f = fx_open("xterm-256color", 24, 80, 12, 0, 1);
	size_t i;

	(void)state;
	assert_int_equal(mx_tui_visible_rows(f->tui), 12);
	type(f, "/MX1.D");
	assert_true(screen_has("/MX1.D_"));
	assert_int_equal(mx_tui_visible_rows(f->tui), 12); /* not applied */
	type(f, "\r");
	assert_string_equal(mx_tui_filter(f->tui), "MX1.D");
	assert_int_equal(mx_tui_visible_rows(f->tui), 3);
	for (i = 0; i < 3; i++)
		assert_non_null(strstr(mx_tui_visible_key(f->tui, i), "mx1.d"));
	assert_true(screen_has("filter \"MX1.D\" 3/12"));
	/* an address substring */
	type(f, "/\x15"
		"127.0.0.12\r");
	assert_int_equal(mx_tui_visible_rows(f->tui), 1);
	/* target substring; Backspace edits */
	type(f, "/\x15"
		"d2.lab.tesx\x7f"
		"t\r");
	assert_string_equal(mx_tui_filter(f->tui), "d2.lab.test");
	assert_int_equal(mx_tui_visible_rows(f->tui), 4);
	/* Esc cancels the line, the filter stays */
	type(f, "/zzz\x1b");
	assert_string_equal(mx_tui_filter(f->tui), "d2.lab.test");
	assert_int_equal(mx_tui_visible_rows(f->tui), 4);
	/* nothing matches: an empty list, keys still safe */
	type(f, "/\x15nomatch\r");
	assert_int_equal(mx_tui_visible_rows(f->tui), 0);
	assert_null(mx_tui_selected_key(f->tui));
	type(f, "jjGr\r");
	assert_int_equal(f->calls.reprobe, 0);
	assert_true(screen_has("no endpoint matches"));
	/* Esc in the overview clears the filter */
	type(f, "\x1b");
	assert_string_equal(mx_tui_filter(f->tui), "");
	assert_int_equal(mx_tui_visible_rows(f->tui), 12);
	fx_close(f);
}

static void test_sort(void **state)
{
	struct fx *f = fx_open("xterm-256color", 24, 120, 16, 0, 1);
	const struct mx_tui_row *rows = f->model.rows;
	char first[256];
	size_t i;

	(void)state;
	/* state: worst first - the CRIT rows (fixture: index % 4 == 2,
	 * not busy) lead */
	assert_string_equal(mx_tui_sort_name(f->tui), "state");
	assert_string_equal(mx_tui_visible_key(f->tui, 0), rows[2].key);
	type(f, "s");
	assert_string_equal(mx_tui_sort_name(f->tui), "domain");
	assert_string_equal(mx_tui_visible_key(f->tui, 0), rows[0].key);
	type(f, "s");
	assert_string_equal(mx_tui_sort_name(f->tui), "host");
	type(f, "s");
	assert_string_equal(mx_tui_sort_name(f->tui), "days left");
	/* fixture: endpoint i expires in i % 120 - 1 days: row 0 first */
	assert_string_equal(mx_tui_visible_key(f->tui, 0), rows[0].key);
	assert_string_equal(mx_tui_visible_key(f->tui, 15), rows[15].key);
	type(f, "s");
	assert_string_equal(mx_tui_sort_name(f->tui), "last probe");
	/* last = NOW - k: the stalest is the last row */
	assert_string_equal(mx_tui_visible_key(f->tui, 0), rows[15].key);
	type(f, "S");
	assert_string_equal(mx_tui_visible_key(f->tui, 0), rows[0].key);
	type(f, "Ss");
	assert_string_equal(mx_tui_sort_name(f->tui), "state");
	/* the order does not depend on the order src gives the rows */
	snprintf(first, sizeof(first), "%s", mx_tui_visible_key(f->tui, 0));
	{
		struct mx_tui_row rev[16];
		char *keys[16];

		for (i = 0; i < 16; i++) {
			rev[i] = rows[15 - i];
			keys[i] = xstrdup(mx_tui_visible_key(f->tui, i));
		}
		mx_tui_set_rows(f->tui, rev, 16);
		for (i = 0; i < 16; i++) {
			assert_string_equal(mx_tui_visible_key(f->tui, i),
					    keys[i]);
			free(keys[i]);
		}
	}
	assert_string_equal(mx_tui_visible_key(f->tui, 0), first);
	fx_close(f);
}

static void test_selection_kept(void **state)
{
	struct fx *f = fx_open("xterm-256color", 24, 80, 12, 0, 1);
	struct mx_tui_row rows[12];
	char want[256];
	size_t i;

	(void)state;
	type(f, "s"); /* domain order: the fixture's own */
	type(f, "jjjj");
	snprintf(want, sizeof(want), "%s", mx_tui_selected_key(f->tui));
	/* rows come back rotated, and with two rows fewer */
	for (i = 0; i < 12; i++)
		rows[i] = f->model.rows[(i + 5) % 12];
	mx_tui_set_rows(f->tui, rows, 10);
	assert_string_equal(mx_tui_selected_key(f->tui), want);
	/* the selected row disappears: the position is kept, clamped */
	mx_tui_set_rows(f->tui, f->model.rows, 3);
	assert_string_equal(mx_tui_selected_key(f->tui), f->model.rows[2].key);
	mx_tui_set_rows(f->tui, NULL, 0);
	assert_null(mx_tui_selected_key(f->tui));
	mx_tui_draw(f->tui, NOW, 1);
	assert_true(screen_has("no endpoints yet"));
	fx_close(f);
}

static void test_drill(void **state)
{
	static const char *const panes[] = {"Summary", "Chain",	   "Suites",
					    "Clients", "Findings", "SMTP",
					    "Wire",    "History"};
	struct fx *f = fx_open("xterm-256color", 24, 80, 8, 1, 1);
	char key[256];
	size_t i;

	(void)state;
	type(f, "j");
	snprintf(key, sizeof(key), "%s", mx_tui_selected_key(f->tui));
	type(f, "\r");
	assert_string_equal(mx_tui_view_name(f->tui), "drill");
	assert_string_equal(mx_tui_drill_key(f->tui), key);
	assert_int_equal(f->calls.opened, 1);
	assert_string_equal(f->calls.key, key);
	assert_string_equal(mx_tui_pane_name(f->tui), "Summary");
	assert_true(screen_has(key));
	assert_true(screen_has("connect"));
	for (i = 1; i < 8; i++) {
		type(f, "\t");
		assert_string_equal(mx_tui_pane_name(f->tui), panes[i]);
	}
	type(f, "\t");
	assert_string_equal(mx_tui_pane_name(f->tui), "Summary");
	type_cap(f, "kcbt"); /* Shift-Tab */
	assert_string_equal(mx_tui_pane_name(f->tui), "History");
	assert_true(screen_has("drift.cert_replaced"));
	assert_true(screen_has("serial 01 -> serial 0A1B2C3D"));
	type(f, "2");
	assert_true(screen_has("Chain as sent: 2 certificates"));
	assert_true(screen_has("CN=Lab Intermediate CA"));
	type(f, "3");
	assert_true(screen_has("TLS_DHE_RSA_WITH_AES_128_CBC_SHA"));
	type(f, "4");
	assert_true(screen_has("dh key too small"));
	type(f, "5");
	assert_true(screen_has("[critical] cert.expired"));
	/* long fixes wrap instead of being cut at the edge */
	assert_true(screen_has("TLSA 3 1 1"));
	type(f, "6");
	assert_true(screen_has("C: EHLO probe"));
	type(f, "7");
	assert_true(screen_has("SYN+ACK"));
	/* r and e act on the drilled endpoint */
	type(f, "r");
	assert_string_equal(f->calls.key, key);
	/* scrolling within a pane, then back */
	type(f, "1jjjG");
	type(f, "\x1b");
	assert_string_equal(mx_tui_view_name(f->tui), "overview");
	assert_null(mx_tui_pane_name(f->tui));
	assert_string_equal(mx_tui_selected_key(f->tui), key);
	fx_close(f);
}

static void test_drill_missing_facts(void **state)
{
	struct fx *f = fx_open("xterm-256color", 24, 80, 4, 0, 1);

	(void)state;
	type(f, "\r3");
	assert_true(screen_has("not enumerated: press e"));
	type(f, "7");
	assert_true(screen_has("not captured"));
	type(f, "8");
	assert_true(screen_has("no history yet"));
	/* the endpoint leaves the list while it is shown */
	mx_tui_set_rows(f->tui, NULL, 0);
	mx_tui_draw(f->tui, NOW, 0);
	assert_true(screen_has("no longer in the list"));
	type(f, "\x1b");
	assert_string_equal(mx_tui_view_name(f->tui), "overview");
	fx_close(f);
}

/* A banner with escapes - raw, as if the model's escaping had failed -
 * must change nothing on screen: the bytes never reach the terminal. */
static void test_escape_injection(void **state)
{
	static const char evil[] = "220 \x1b[2J\x1b]0;PWNED\x07\xc2\x9b"
				   "31mRED \x9b"
				   "1J end";
	struct fx *f = fx_open("xterm-256color", 24, 80, 4, 0, 1);
	struct mx_endpoint *ep = &f->model.run->targets[0].endpoints[0];
	char buf[256];
	size_t i;

	(void)state;
	free(ep->smtp.greeting.text);
	ep->smtp.greeting.text = xstrdup(evil);
	free(f->model.run->targets[0].spec);
	f->model.run->targets[0].spec = xstrdup("d0.\x1b[2J.test");
	for (i = 0; i < 4; i++) /* the target's four endpoints */
		f->model.rows[i].target = f->model.run->targets[0].spec;
	mx_tui_set_rows(f->tui, f->model.rows, f->model.nrows);
	type(f, "sg"); /* domain order: row 0 first */
	tui_term_forget(&f->term);
	type(f, "\r");
	mx_tui_draw(f->tui, NOW, 1);
	assert_true(screen_has("?[2J?]0;PWNED?"));
	assert_false(tui_term_saw(&f->term, "\x1b]0;PWNED", 9));
	assert_false(tui_term_saw(&f->term, "\x07", 1));
	assert_false(tui_term_saw(&f->term, "\xc2\x9b", 2));
	assert_false(tui_term_saw(&f->term, "\x9b", 1));
	assert_false(tui_term_saw(&f->term, "\x1b[2J.test", 9));
	/* the header is intact */
	assert_non_null(
		strstr(screen_line(0, buf, sizeof(buf)), "[127.0.0.1]:25") ||
		strstr(buf, "mx0.d0.lab.test"));
	fx_close(f);
}

static void check_header(int rows, int cols)
{
	char buf[512];

	assert_int_equal(LINES, rows);
	assert_int_equal(COLS, cols);
	screen_line(0, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, " mxprobe watch", 14 < cols ? 14 : cols),
			 0);
}

static void test_sizes(void **state)
{
	struct fx *f = fx_open("xterm-256color", 24, 80, 40, 1, 1);
	char buf[512];
	int v;

	(void)state;
	check_header(24, 80);
	screen_line(2, buf, sizeof(buf));
	assert_non_null(strstr(buf, "STATE"));
	assert_non_null(strstr(buf, "HOST [ADDR]:PORT"));
	assert_non_null(strstr(buf, "DAYS"));
	assert_null(strstr(buf, "SUITE")); /* dropped at 80 columns */
	/* at 80 a long host name is shortened, [addr]:port kept whole */
	assert_true(screen_has("mx1.d0.lab.t~ [127.0.0.2]:25"));
	/* that endpoint negotiated X25519, but its enumeration saw a DHE
	 * suite with DH 1024: the weak group is what TEMPKEY shows */
	{
		int y;
		char l[512];

		for (y = 3; y < LINES - 1; y++)
			if (strstr(screen_line(y, l, sizeof(l)),
				   "[127.0.0.2]:25") != NULL)
				break;
		assert_true(y < LINES - 1);
		assert_non_null(strstr(l, "DH 1024"));
		assert_null(strstr(l, "X25519"));
	}
	/* wider: more columns */
	tui_term_resize(&f->term, 60, 200);
	mx_tui_resize(f->tui);
	mx_tui_draw(f->tui, NOW, 0);
	check_header(60, 200);
	screen_line(2, buf, sizeof(buf));
	assert_non_null(strstr(buf, "SUITE"));
	assert_non_null(strstr(buf, "DANE"));
	assert_non_null(strstr(buf, "MODE"));
	/* small: 40x10, every view */
	tui_term_resize(&f->term, 10, 40);
	mx_tui_resize(f->tui);
	mx_tui_draw(f->tui, NOW, 0);
	check_header(10, 40);
	type(f, "G");
	type(f, "\r");
	for (v = 0; v < 8; v++) {
		type(f, "\tG");
		assert_string_equal(mx_tui_view_name(f->tui), "drill");
	}
	type(f, "?G");
	type(f, "\x1b\x1b");
	check_header(10, 40);
	/* tiny, then back to 80x24 */
	tui_term_resize(&f->term, 3, 12);
	mx_tui_resize(f->tui);
	mx_tui_draw(f->tui, NOW, 0);
	type(f, "\r\t?");
	type(f, "\x1b\x1b");
	tui_term_resize(&f->term, 24, 80);
	mx_tui_resize(f->tui);
	mx_tui_draw(f->tui, NOW, 0);
	check_header(24, 80);
	fx_close(f);
}

static void test_ascii_mono(void **state)
{
	struct fx *f = fx_open("vt100", 24, 80, 6, 1, 2);

	(void)state;
	check_header(24, 80);
	type(f, "\r");
	assert_string_equal(mx_tui_view_name(f->tui), "drill");
	fx_close(f);
}

static void test_bad_terminal(void **state)
{
	struct tui_term t;
	struct mx_tui_params p;
	char err[256] = "";

	(void)state;
	assert_int_equal(tui_term_open(&t, "no-such-terminal-type", 24, 80), 0);
	memset(&p, 0, sizeof(p));
	p.out = t.out;
	p.in = t.in;
	assert_null(mx_tui_new(&p, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "TERM"));
	assert_null(mx_tui_new(NULL, NULL, NULL, err, sizeof(err)));
	tui_term_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_draw_only_when_dirty),
		cmocka_unit_test(test_keys_and_callbacks),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_selection_kept),
		cmocka_unit_test(test_drill),
		cmocka_unit_test(test_drill_missing_facts),
		cmocka_unit_test(test_escape_injection),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_ascii_mono),
		cmocka_unit_test(test_bad_terminal),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "C.utf8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
