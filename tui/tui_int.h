/*
 * tui_int.h - what the files of tui/ share: the dashboard handle, the
 * list of visible rows (filter and sort), the line buffer the drill-down
 * panes fill, and the drawing helpers every string goes through.
 *
 * Contract: internal to tui/ (src/ sees only tui.h).  Every string that
 * reaches curses goes through tui_put() (which calls the sanitiser of
 * tui/sanitize.h); nothing here does I/O besides curses.
 *
 * Ownership: struct mx_tui owns its row array copy (the rows' pointers
 * are borrowed, tui.h), the visible index, the copied keys and texts,
 * and the pane line buffer.
 */
#ifndef MX_TUI_TUI_INT_H
#define MX_TUI_TUI_INT_H

#include <curses.h>
#include <stddef.h>
#include <time.h>

#include "tui/tui.h"

/* Views, in the order of the view table (tui.c). */
enum tui_view { TUI_OVERVIEW = 0, TUI_DRILL, TUI_HELP, TUI_VIEW__N };

/* What a drawn piece of text means; tui_attr() maps it to curses
 * attributes for colour or monochrome. */
enum tui_attr {
	TA_NORMAL = 0,
	TA_OK,
	TA_WARN,
	TA_CRIT,
	TA_UNKNOWN,
	TA_BUSY,
	TA_INFO,
	TA_HEAD,  /* header and footer bars */
	TA_TITLE, /* section titles in panes */
	TA_DIM,
	TA_SEL, /* the selected row */
	TA__N
};
#define TA_F_REV 0x100 /* or'ed into an attr: also reversed (selection) */

/* Sort keys (`s` cycles them). */
enum tui_sort {
	TUI_SORT_STATE = 0,
	TUI_SORT_DOMAIN,
	TUI_SORT_HOST,
	TUI_SORT_DAYS,
	TUI_SORT_LAST,
	TUI_SORT__N
};

/* A row's state as the overview shows it. */
enum tui_state {
	TS_OK = 0,
	TS_WARN,
	TS_CRIT,
	TS_UNKNOWN,
	TS_PROBING,
	TS_NONE, /* never probed and not busy */
	TS__N
};

/* One line of a drill-down pane (or of the help). */
struct tui_line {
	char *s;
	int attr; /* enum tui_attr */
};
struct tui_lines {
	struct tui_line *v;
	size_t n, cap;
	/* wrap lines longer than this many columns (0: never); continuation
	 * lines are indented under the text after the line's "label: " */
	int wrap;
};

#define TUI_FILTER_MAX 128
#define TUI_NPANES 8

struct mx_tui {
	SCREEN *scr;
	FILE *out, *in;
	int restored;
	int utf8; /* the locale's codeset is UTF-8 */
	int color;
	struct mx_tui_params p;
	char *history_path;
	struct mx_tui_cbs cbs;
	void *arg;
	/* rows: the copied array; vis: indices into it, filtered, sorted */
	struct mx_tui_row *rows;
	size_t nrows, caprows;
	size_t *vis;
	size_t nvis, capvis;
	size_t tot[TS__N];
	size_t sel, top; /* selection and first shown, in vis */
	char *sel_key;
	enum tui_sort sort;
	int sort_rev;
	char filter[TUI_FILTER_MAX];
	int editing; /* the `/` line is open */
	char edit[TUI_FILTER_MAX];
	/* header facts */
	time_t next_round;
	int paused;
	char msg[256];
	/* views */
	enum tui_view view, back; /* back: the view help returns to */
	char *drill_key;
	int pane;
	int scroll[TUI_NPANES];
	int help_scroll;
	struct tui_lines lines; /* the pane or help being shown */
	/* drawing */
	int dirty;
	long drawn_minute; /* now / 60 at the last draw */
	time_t now;
	int page; /* rows of the list area at the last draw */
	unsigned long draws;
};

/* ---- term.c: nonzero if terminfo knows $TERM (prints nothing) ---- */
int tui_term_known(FILE *out);

/* ---- tui.c -------------------------------------------------------- */
attr_t tui_attr(const struct mx_tui *tui, int a);
/* Draw s at (y, x), at most w columns, sanitised; returns columns used.
 * pad: fill the rest of w with spaces. */
int tui_put(struct mx_tui *tui, int y, int x, int w, const char *s, int a,
	    int pad);
/* A horizontal line of w columns at (y, x) (ACS or '-' with ascii). */
void tui_hline(struct mx_tui *tui, int y, int x, int w);
/* The row the drill-down shows, or NULL when it left the list. */
const struct mx_tui_row *tui_drill_row(const struct mx_tui *tui);
const struct mx_tui_row *tui_selected_row(const struct mx_tui *tui);

/* ---- list.c: state, filter, sort, selection ------------------------ */
enum tui_state tui_row_state(const struct mx_tui_row *r);
const char *tui_state_label(enum tui_state s);
int tui_state_attr(enum tui_state s);
const char *tui_sort_name(enum tui_sort s);
/* Whole days left of the leaf certificate; *known 0 when unknown. */
long tui_row_days(const struct mx_tui_row *r, time_t now, int *known);
/* Rebuild vis from rows, filter and sort; keep the selection by key. */
void tui_list_rebuild(struct mx_tui *tui);
/* Move the selection to index i of vis (clamped) and remember its key. */
void tui_list_select(struct mx_tui *tui, long i);

/* ---- input.c ------------------------------------------------------ */
void tui_handle_key(struct mx_tui *tui, int ch);

/* ---- overview.c, drill.c, help.c ------------------------------------ */
void tui_draw_overview(struct mx_tui *tui);
void tui_draw_drill(struct mx_tui *tui);
void tui_draw_help(struct mx_tui *tui);
/* Age "42s", "5m", "3h", "2d" (or "-" for 0) into buf. */
void tui_age(time_t now, time_t then, char *buf, size_t len);

/* ---- lines.c: the pane line buffer --------------------------------- */
void tui_lines_reset(struct tui_lines *l);
void tui_lines_free(struct tui_lines *l);
void tui_lines_add(struct tui_lines *l, int attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Draw lines [scroll, scroll + h) at rows y.. of width w; clamps
 * *scroll to what exists. */
void tui_lines_draw(struct mx_tui *tui, const struct tui_lines *l, int y, int h,
		    int w, int *scroll);

/* ---- panes.c, panes2.c: the drill-down panes ----------------------- */
/* "2026-12-08 14:05 UTC" ("-" for 0). */
void tui_fmt_time(time_t t, char *buf, size_t len);
/* One line per '\n'-separated line of text, each after prefix. */
void tui_add_text(struct tui_lines *out, int attr, const char *prefix,
		  const char *text);
/* s, or "-" when NULL or empty. */
const char *tui_s(const char *s);
struct tui_pane {
	const char *name;
	void (*fill)(const struct mx_tui_row *r, time_t now,
		     struct tui_lines *out);
};
/* The pane table lives in drill.c (static const). */
const struct tui_pane *tui_pane_get(int i);
void tui_pane_summary(const struct mx_tui_row *r, time_t now,
		      struct tui_lines *out);
void tui_pane_chain(const struct mx_tui_row *r, time_t now,
		    struct tui_lines *out);
void tui_pane_suites(const struct mx_tui_row *r, time_t now,
		     struct tui_lines *out);
void tui_pane_clients(const struct mx_tui_row *r, time_t now,
		      struct tui_lines *out);
void tui_pane_findings(const struct mx_tui_row *r, time_t now,
		       struct tui_lines *out);
void tui_pane_smtp(const struct mx_tui_row *r, time_t now,
		   struct tui_lines *out);
void tui_pane_wire(const struct mx_tui_row *r, time_t now,
		   struct tui_lines *out);
void tui_pane_history(const struct mx_tui_row *r, time_t now,
		      struct tui_lines *out);

#endif
