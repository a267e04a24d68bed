/*
 * input.c - what each key does, as a table (STYLE.md habit 8): a key, the
 * views it acts in, and its action.  The `/` filter line has its own
 * small editor (printable characters, Backspace, Ctrl-U, Enter applies,
 * Esc cancels) that takes every key while it is open.
 *
 * Contract: tui_handle_key() changes only dashboard state (selection,
 * view, pane, scroll, filter, sort) and marks it dirty; work goes back
 * to src/ through the callbacks (reprobe, enumerate, pause, quit,
 * opened), each given a key string the callee may keep only for the
 * call (it is freed after it returns, so a callback that calls
 * mx_tui_set_rows is safe).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "tui/tui_int.h"

#define V_OVER (1u << TUI_OVERVIEW)
#define V_DRILL (1u << TUI_DRILL)
#define V_HELP (1u << TUI_HELP)
#define V_ALL (V_OVER | V_DRILL | V_HELP)

#define KEY_ESC 27
#define KEY_CTRL(c) ((c)&0x1f)

static int page(const struct mx_tui *tui)
{
	return tui->page > 1 ? tui->page - 1 : 1;
}

/* Move in the current view: the selection in the overview, the scroll
 * offset of the pane or the help.  LONG_MIN/LONG_MAX: to the ends. */
static void go(struct mx_tui *tui, long delta)
{
	int *scroll = NULL;
	long v;

	if (tui->view == TUI_OVERVIEW) {
		if (delta == LONG_MIN)
			v = 0;
		else if (delta == LONG_MAX)
			v = (long)tui->nvis - 1;
		else
			v = (long)tui->sel + delta;
		tui_list_select(tui, v);
		return;
	}
	scroll = tui->view == TUI_DRILL ? &tui->scroll[tui->pane]
					: &tui->help_scroll;
	if (delta == LONG_MIN)
		v = 0;
	else if (delta == LONG_MAX)
		v = INT_MAX / 2; /* clamped when drawn */
	else
		v = *scroll + delta;
	*scroll = v < 0 ? 0 : v > INT_MAX / 2 ? INT_MAX / 2 : (int)v;
}

static void act_down(struct mx_tui *tui, int ch)
{
	(void)ch;
	go(tui, 1);
}

static void act_up(struct mx_tui *tui, int ch)
{
	(void)ch;
	go(tui, -1);
}

static void act_pgdn(struct mx_tui *tui, int ch)
{
	(void)ch;
	go(tui, page(tui));
}

static void act_pgup(struct mx_tui *tui, int ch)
{
	(void)ch;
	go(tui, -page(tui));
}

static void act_home(struct mx_tui *tui, int ch)
{
	(void)ch;
	go(tui, LONG_MIN);
}

static void act_end(struct mx_tui *tui, int ch)
{
	(void)ch;
	go(tui, LONG_MAX);
}

/* The key the action is about: the drill-down's endpoint, else the
 * selected row.  Returns a copy (NULL when none). */
static char *target_key(const struct mx_tui *tui)
{
	const struct mx_tui_row *r;

	if (tui->view != TUI_OVERVIEW && tui->drill_key != NULL)
		return xstrdup(tui->drill_key);
	r = tui_selected_row(tui);
	return r && r->key ? xstrdup(r->key) : NULL;
}

static void act_enter(struct mx_tui *tui, int ch)
{
	char *key = target_key(tui);
	int i;

	(void)ch;
	if (key == NULL)
		return;
	free(tui->drill_key);
	tui->drill_key = xstrdup(key);
	tui->view = TUI_DRILL;
	tui->pane = 0;
	for (i = 0; i < TUI_NPANES; i++)
		tui->scroll[i] = 0;
	if (tui->cbs.opened != NULL)
		tui->cbs.opened(tui->arg, key);
	free(key);
}

static void act_esc(struct mx_tui *tui, int ch)
{
	(void)ch;
	if (tui->view == TUI_HELP) {
		tui->view = tui->back;
	} else if (tui->view == TUI_DRILL) {
		tui->view = TUI_OVERVIEW;
	} else if (tui->filter[0] != 0) {
		tui->filter[0] = 0;
		tui_list_rebuild(tui);
	}
}

static void set_pane(struct mx_tui *tui, int p)
{
	tui->pane = (p % TUI_NPANES + TUI_NPANES) % TUI_NPANES;
}

static void act_tab(struct mx_tui *tui, int ch)
{
	(void)ch;
	set_pane(tui, tui->pane + 1);
}

static void act_btab(struct mx_tui *tui, int ch)
{
	(void)ch;
	set_pane(tui, tui->pane - 1);
}

static void act_pane_n(struct mx_tui *tui, int ch)
{
	set_pane(tui, ch - '1');
}

static void act_filter(struct mx_tui *tui, int ch)
{
	(void)ch;
	tui->view = TUI_OVERVIEW;
	tui->editing = 1;
	snprintf(tui->edit, sizeof(tui->edit), "%s", tui->filter);
}

static void act_sort(struct mx_tui *tui, int ch)
{
	(void)ch;
	tui->sort = (enum tui_sort)((tui->sort + 1) % TUI_SORT__N);
	tui_list_rebuild(tui);
}

static void act_sort_rev(struct mx_tui *tui, int ch)
{
	(void)ch;
	tui->sort_rev = !tui->sort_rev;
	tui_list_rebuild(tui);
}

static void call_key_cb(struct mx_tui *tui,
			void (*cb)(void *arg, const char *key))
{
	char *key = target_key(tui);

	if (key != NULL && cb != NULL)
		cb(tui->arg, key);
	free(key);
}

static void act_reprobe(struct mx_tui *tui, int ch)
{
	(void)ch;
	call_key_cb(tui, tui->cbs.reprobe);
}

static void act_enumerate(struct mx_tui *tui, int ch)
{
	(void)ch;
	call_key_cb(tui, tui->cbs.enumerate);
}

static void act_pause(struct mx_tui *tui, int ch)
{
	(void)ch;
	tui->paused = !tui->paused;
	if (tui->cbs.pause != NULL)
		tui->cbs.pause(tui->arg, tui->paused);
}

static void act_help(struct mx_tui *tui, int ch)
{
	(void)ch;
	if (tui->view == TUI_HELP) {
		tui->view = tui->back;
		return;
	}
	tui->back = tui->view;
	tui->view = TUI_HELP;
	tui->help_scroll = 0;
}

static void act_quit(struct mx_tui *tui, int ch)
{
	(void)ch;
	if (tui->cbs.quit != NULL)
		tui->cbs.quit(tui->arg);
}

static void act_repaint(struct mx_tui *tui, int ch)
{
	(void)ch;
	clearok(curscr, TRUE);
	(void)tui;
}

static void act_resize(struct mx_tui *tui, int ch)
{
	(void)ch;
	(void)tui; /* curses resized itself; the frame is dirty */
}

static const struct {
	int key;
	unsigned views;
	void (*act)(struct mx_tui *tui, int ch);
} keys[] = {
	{KEY_DOWN, V_ALL, act_down},
	{'j', V_ALL, act_down},
	{KEY_UP, V_ALL, act_up},
	{'k', V_ALL, act_up},
	{KEY_NPAGE, V_ALL, act_pgdn},
	{' ', V_DRILL | V_HELP, act_pgdn},
	{KEY_CTRL('f'), V_ALL, act_pgdn},
	{KEY_PPAGE, V_ALL, act_pgup},
	{KEY_CTRL('b'), V_ALL, act_pgup},
	{KEY_HOME, V_ALL, act_home},
	{'g', V_ALL, act_home},
	{KEY_END, V_ALL, act_end},
	{'G', V_ALL, act_end},
	{'\n', V_OVER, act_enter},
	{'\r', V_OVER, act_enter},
	{KEY_ENTER, V_OVER, act_enter},
	{KEY_ESC, V_ALL, act_esc},
	{KEY_LEFT, V_DRILL, act_esc},
	{KEY_RIGHT, V_OVER, act_enter},
	{'\t', V_DRILL, act_tab},
	{KEY_BTAB, V_DRILL, act_btab},
	{'l', V_DRILL, act_tab},
	{'h', V_DRILL, act_btab},
	{'1', V_DRILL, act_pane_n},
	{'2', V_DRILL, act_pane_n},
	{'3', V_DRILL, act_pane_n},
	{'4', V_DRILL, act_pane_n},
	{'5', V_DRILL, act_pane_n},
	{'6', V_DRILL, act_pane_n},
	{'7', V_DRILL, act_pane_n},
	{'8', V_DRILL, act_pane_n},
	{'/', V_OVER | V_DRILL, act_filter},
	{'s', V_OVER, act_sort},
	{'S', V_OVER, act_sort_rev},
	{'r', V_OVER | V_DRILL, act_reprobe},
	{'e', V_OVER | V_DRILL, act_enumerate},
	{'p', V_ALL, act_pause},
	{'?', V_ALL, act_help},
	{KEY_F(1), V_ALL, act_help},
	{'q', V_ALL, act_quit},
	{KEY_F(10), V_ALL, act_quit},
	{KEY_CTRL('l'), V_ALL, act_repaint},
	{KEY_RESIZE, V_ALL, act_resize},
};

/* The `/` line: it takes every key until Enter or Esc. */
static void edit_key(struct mx_tui *tui, int ch)
{
	size_t n = strlen(tui->edit);

	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		snprintf(tui->filter, sizeof(tui->filter), "%s", tui->edit);
		tui->editing = 0;
		tui->top = 0;
		tui_list_rebuild(tui);
		return;
	case KEY_ESC:
		tui->editing = 0;
		return;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (n > 0)
			tui->edit[n - 1] = 0;
		return;
	case KEY_CTRL('u'):
		tui->edit[0] = 0;
		return;
	case KEY_RESIZE:
		return;
	default:
		if (ch >= 0x20 && ch < 0x7f && n + 1 < sizeof(tui->edit)) {
			tui->edit[n] = (char)ch;
			tui->edit[n + 1] = 0;
		}
		return;
	}
}

void tui_handle_key(struct mx_tui *tui, int ch)
{
	size_t i;

	tui->dirty = 1;
	if (tui->editing) {
		edit_key(tui, ch);
		return;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].key == ch && (keys[i].views & (1u << tui->view))) {
			keys[i].act(tui, ch);
			return;
		}
}
