/*
 * tui.c - the dashboard's lifecycle and frame: curses start and stop,
 * the rows and header facts src/ hands over, the view table, and the
 * drawing helpers (every string goes through tui_put, which sanitises).
 *
 * Contract (tui.h): newterm on params out/in (or stdout/stdin), cbreak,
 * noecho, keypad, nodelay input, a short ESC delay, no cursor, colours
 * only when params.color and the terminal has them.  A frame is drawn
 * only when something is dirty (or forced), with erase() and
 * wnoutrefresh()+doupdate(), so curses sends only what changed; no
 * timers, no clear() per frame.  mx_tui_restore() is idempotent and is
 * the fatal-path exit; mx_tui_free() restores and frees.
 *
 * Ownership: the handle copies the rows array and the strings it keeps
 * (selected key, drill key, filter, message, history path); FILE *out,
 * *in are borrowed and never closed.
 */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "tui/sanitize.h"
#include "tui/tui_int.h"

/* Colour pairs, one per attribute that has a colour. */
static const struct {
	int attr;
	short fg, bg;
	attr_t extra;
} colors[] = {
	{TA_OK, COLOR_GREEN, -1, 0},
	{TA_WARN, COLOR_YELLOW, -1, A_BOLD},
	{TA_CRIT, COLOR_RED, -1, A_BOLD},
	{TA_UNKNOWN, COLOR_MAGENTA, -1, 0},
	{TA_BUSY, COLOR_CYAN, -1, 0},
	{TA_INFO, COLOR_BLUE, -1, 0},
	{TA_HEAD, COLOR_BLACK, COLOR_CYAN, 0},
	{TA_TITLE, COLOR_CYAN, -1, A_BOLD},
};

/* Monochrome (NO_COLOR, --no-color, or a terminal without colours). */
static const attr_t mono[TA__N] = {
	[TA_NORMAL] = A_NORMAL,	    [TA_OK] = A_NORMAL,
	[TA_WARN] = A_BOLD,	    [TA_CRIT] = A_BOLD | A_UNDERLINE,
	[TA_UNKNOWN] = A_UNDERLINE, [TA_BUSY] = A_NORMAL,
	[TA_INFO] = A_NORMAL,	    [TA_HEAD] = A_REVERSE,
	[TA_TITLE] = A_BOLD,	    [TA_DIM] = A_DIM,
	[TA_SEL] = A_REVERSE,
};

attr_t tui_attr(const struct mx_tui *tui, int a)
{
	attr_t extra = (a & TA_F_REV) ? A_REVERSE : 0;
	size_t i;

	a &= ~TA_F_REV;
	if (a < 0 || a >= TA__N)
		return extra;
	if (tui->color)
		for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
			if (colors[i].attr == a)
				return COLOR_PAIR((short)(i + 1)) |
				       colors[i].extra | extra;
	return mono[a] | extra;
}

int tui_put(struct mx_tui *tui, int y, int x, int w, const char *s, int a,
	    int pad)
{
	char buf[2048];
	int cols, maxx = getmaxx(stdscr), maxy = getmaxy(stdscr);

	if (y < 0 || y >= maxy || x < 0 || x >= maxx || w <= 0)
		return 0;
	if (w > maxx - x)
		w = maxx - x;
	cols = (int)mx_tui_sanitize(s, buf, sizeof(buf), (size_t)w, tui->utf8);
	attrset(tui_attr(tui, a));
	mvaddstr(y, x, buf);
	if (pad && cols < w)
		mvhline(y, x + cols, ' ', w - cols);
	attrset(A_NORMAL);
	return cols;
}

void tui_hline(struct mx_tui *tui, int y, int x, int w)
{
	if (w > 0)
		mvhline(y, x, tui->p.ascii ? '-' : ACS_HLINE, w);
}

static const struct mx_tui_row *find_row(const struct mx_tui *tui,
					 const char *key)
{
	size_t i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < tui->nrows; i++)
		if (tui->rows[i].key && strcmp(tui->rows[i].key, key) == 0)
			return &tui->rows[i];
	return NULL;
}

const struct mx_tui_row *tui_drill_row(const struct mx_tui *tui)
{
	return find_row(tui, tui->drill_key);
}

const struct mx_tui_row *tui_selected_row(const struct mx_tui *tui)
{
	return tui->nvis > 0 ? &tui->rows[tui->vis[tui->sel]] : NULL;
}

/* The view table (STYLE.md habit 8). */
static const struct {
	const char *name;
	void (*draw)(struct mx_tui *tui);
} views[TUI_VIEW__N] = {
	[TUI_OVERVIEW] = {"overview", tui_draw_overview},
	[TUI_DRILL] = {"drill", tui_draw_drill},
	[TUI_HELP] = {"help", tui_draw_help},
};

static void set_err(char *err, size_t errlen, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", what);
}

static void start_colors(struct mx_tui *tui)
{
	size_t i;

	if (!tui->p.color || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		init_pair((short)(i + 1), colors[i].fg, colors[i].bg);
	tui->color = 1;
}

struct mx_tui *mx_tui_new(const struct mx_tui_params *p,
			  const struct mx_tui_cbs *cbs, void *arg, char *err,
			  size_t errlen)
{
	struct mx_tui *tui;
	const char *cs;

	if (p == NULL) {
		set_err(err, errlen, "no dashboard parameters");
		return NULL;
	}
	tui = xcalloc(1, sizeof(*tui));
	tui->p = *p;
	tui->history_path = p->history_path ? xstrdup(p->history_path) : NULL;
	tui->p.history_path = tui->history_path;
	if (cbs != NULL)
		tui->cbs = *cbs;
	tui->arg = arg;
	tui->out = p->out ? p->out : stdout;
	tui->in = p->in ? p->in : stdin;
	cs = nl_langinfo(CODESET);
	tui->utf8 = cs != NULL &&
		    (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	fflush(tui->out);
	/* ask terminfo first: a newterm() that fails leaks its screen
	 * (ncurses 6.4) */
	tui->scr = tui_term_known(tui->out) ? newterm(NULL, tui->out, tui->in)
					    : NULL;
	if (tui->scr == NULL) {
		set_err(err, errlen,
			"cannot start the dashboard on this terminal "
			"(is TERM set to a known terminal type?)");
		free(tui->history_path);
		free(tui);
		return NULL;
	}
	set_term(tui->scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, TRUE);
	start_colors(tui);
	tui->view = TUI_OVERVIEW;
	tui->dirty = 1;
	return tui;
}

void mx_tui_set_rows(struct mx_tui *tui, const struct mx_tui_row *rows,
		     size_t n)
{
	if (tui == NULL)
		return;
	if (n > tui->caprows) {
		tui->rows = xreallocarray(tui->rows, n, sizeof(*tui->rows));
		tui->caprows = n;
	}
	if (n > 0)
		memcpy(tui->rows, rows, n * sizeof(*rows));
	tui->nrows = n;
	tui_list_rebuild(tui);
	tui->dirty = 1;
}

void mx_tui_set_status(struct mx_tui *tui, time_t next_round, int paused,
		       const char *msg)
{
	if (tui == NULL)
		return;
	tui->next_round = next_round;
	tui->paused = paused != 0;
	snprintf(tui->msg, sizeof(tui->msg), "%s", msg ? msg : "");
	tui->dirty = 1;
}

int mx_tui_fd(const struct mx_tui *tui)
{
	return tui ? fileno(tui->in) : -1;
}

void mx_tui_input(struct mx_tui *tui)
{
	int i, ch;

	if (tui == NULL || tui->restored)
		return;
	set_term(tui->scr);
	/* bounded: a paste of thousands of keys is read over several calls
	 * (the descriptor stays readable) */
	for (i = 0; i < 1024; i++) {
		ch = wgetch(stdscr);
		if (ch == ERR)
			break;
		tui_handle_key(tui, ch);
	}
}

void mx_tui_key(struct mx_tui *tui, int ch)
{
	if (tui != NULL)
		tui_handle_key(tui, ch);
}

void mx_tui_resize(struct mx_tui *tui)
{
	struct winsize ws;

	if (tui == NULL || tui->restored)
		return;
	set_term(tui->scr);
	if (ioctl(fileno(tui->out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0 && (ws.ws_row != LINES || ws.ws_col != COLS))
		resizeterm(ws.ws_row, ws.ws_col);
	tui->dirty = 1;
}

void mx_tui_draw(struct mx_tui *tui, time_t now, int force)
{
	if (tui == NULL || tui->restored)
		return;
	/* ages are shown in whole minutes past the first one: a new minute
	 * is a change */
	if ((long)(now / 60) != tui->drawn_minute)
		tui->dirty = 1;
	tui->now = now;
	if (!tui->dirty && !force)
		return;
	set_term(tui->scr);
	erase();
	if (tui->view >= 0 && tui->view < TUI_VIEW__N)
		views[tui->view].draw(tui);
	wnoutrefresh(stdscr);
	doupdate();
	tui->dirty = 0;
	tui->drawn_minute = (long)(now / 60);
	tui->draws++;
}

void mx_tui_restore(struct mx_tui *tui)
{
	if (tui == NULL || tui->restored)
		return;
	set_term(tui->scr);
	curs_set(1);
	endwin();
	fflush(tui->out);
	tui->restored = 1;
}

void mx_tui_free(struct mx_tui *tui)
{
	if (tui == NULL)
		return;
	mx_tui_restore(tui);
	delscreen(tui->scr);
	tui_lines_free(&tui->lines);
	free(tui->rows);
	free(tui->vis);
	free(tui->sel_key);
	free(tui->drill_key);
	free(tui->history_path);
	free(tui);
}

/* ---- read-only queries (tests and the wiring) -------------------------- */

const char *mx_tui_selected_key(const struct mx_tui *tui)
{
	const struct mx_tui_row *r = tui ? tui_selected_row(tui) : NULL;

	return r ? r->key : NULL;
}

size_t mx_tui_visible_rows(const struct mx_tui *tui)
{
	return tui ? tui->nvis : 0;
}

const char *mx_tui_visible_key(const struct mx_tui *tui, size_t i)
{
	return tui && i < tui->nvis ? tui->rows[tui->vis[i]].key : NULL;
}

const char *mx_tui_view_name(const struct mx_tui *tui)
{
	return tui ? views[tui->view].name : NULL;
}

const char *mx_tui_pane_name(const struct mx_tui *tui)
{
	return tui && tui->view == TUI_DRILL ? tui_pane_get(tui->pane)->name
					     : NULL;
}

const char *mx_tui_filter(const struct mx_tui *tui)
{
	return tui ? tui->filter : NULL;
}

const char *mx_tui_sort_name(const struct mx_tui *tui)
{
	return tui ? tui_sort_name(tui->sort) : NULL;
}

const char *mx_tui_drill_key(const struct mx_tui *tui)
{
	return tui && tui->view == TUI_DRILL ? tui->drill_key : NULL;
}

unsigned long mx_tui_draw_count(const struct mx_tui *tui)
{
	return tui ? tui->draws : 0;
}
