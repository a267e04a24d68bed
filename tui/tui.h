/*
 * tui.h - the ncurses dashboard of `mxprobe watch`: the only code in
 * mxprobe that calls curses (DESIGN.md).
 *
 * The dashboard draws; it does no network work and owns no engine.
 * src/cmd_watch.c owns the event loop, the probes and the history store;
 * it hands the dashboard a fresh array of rows whenever something changed
 * (mx_tui_set_rows) and tells it when the terminal has input
 * (mx_tui_input) or was resized (mx_tui_resize).  Key presses that need
 * work (re-probe, enumerate, pause, quit, history for a row) come back
 * through the callbacks.  Drawing happens in mx_tui_draw(), which src/
 * calls from the loop after any of those (it redraws only when something
 * is dirty), so a probe never blocks drawing and nothing is drawn from
 * the network path.
 *
 * Views (a table, STYLE.md habit 8): the overview (one row per endpoint:
 * domain, preference, host [addr]:port, mode, state or stage, TLS
 * version and suite, temp key, certificate days left, DANE, MTA-STS,
 * findings by severity, last probe, drift marker), with sort (`s`) and
 * filter (`/`); a drill-down per endpoint (Enter; Tab/Shift-Tab between
 * panes; Esc back) with panes: summary and steps with timings, chain as
 * sent, suites by version, clients, findings with fixes, SMTP transcript,
 * wire timeline (when captured), history with drift; help (`?`, F1).
 * Keys: arrows and j/k, PgUp/PgDn, Home/End (g/G), Enter, Esc, Tab, `/`,
 * `s`, `r`, `e`, `p`, `?`/F1, `q`/F10.
 *
 * Terminal manners: works at 80x24 and after any resize; colours off
 * with params.color 0 (NO_COLOR, --no-color are decided by src/); ASCII
 * borders with params.ascii; every string drawn goes through one
 * sanitiser that replaces control bytes, so no peer text reaches the
 * terminal raw (the model already escapes it; this is the second fence).
 * mx_tui_free() restores the terminal; mx_tui_restore() is the same for
 * a fatal path (idempotent).
 *
 * Ownership: rows and everything they point to are borrowed until the
 * next mx_tui_set_rows() or mx_tui_free(); the dashboard copies what it
 * must keep (the selected key, the filter text).
 */
#ifndef MX_TUI_TUI_H
#define MX_TUI_TUI_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "model/result.h"
#include "model/snapshot.h"

/* One overview row: one endpoint (or a target with no endpoint yet:
 * resolving, or DNS failed). */
struct mx_tui_row {
	const char *key;    /* stable id across set_rows: the endpoint key,
			     * or the target spec for a target-only row */
	const char *target; /* target spec as the user wrote it */
	/* the latest judged result; NULL before the first probe ended */
	const struct mx_target *t;
	const struct mx_endpoint *ep; /* NULL for a target-only row */
	/* NULL idle, else the stage shown while probing: "queued",
	 * "resolve", "probe", "enum", "clients" */
	const char *busy;
	time_t last; /* wall clock of the last probe end; 0 never */
	/* the latest snapshot (with its drift) and that endpoint's history,
	 * newest first; NULL/0 when not known */
	const struct mx_snapshot *snap;
	const struct mx_snapshot *const *hist;
	size_t nhist;
	int drifted; /* drift in the latest round: the change marker */
};

struct mx_tui_params {
	int color;		  /* 0: monochrome (NO_COLOR, --no-color) */
	int ascii;		  /* 1: no line-drawing characters */
	int interval_s;		  /* shown in the header and the help */
	const char *history_path; /* shown in the help; may be NULL */
	/* where the dashboard draws and reads keys: NULL for the process's
	 * terminal (stdout/stdin); a test or bench may pass its own */
	FILE *out, *in;
};

struct mx_tui_cbs {
	void (*reprobe)(void *arg, const char *key);   /* `r` */
	void (*enumerate)(void *arg, const char *key); /* `e` */
	void (*pause)(void *arg, int paused);	       /* `p` */
	void (*quit)(void *arg);		       /* `q`, F10 */
	/* the drill-down of key opened: src may load its history and
	 * call set_rows again.  Optional. */
	void (*opened)(void *arg, const char *key);
};

struct mx_tui;

/* Start curses (newterm on params out/in), hide the cursor, enable
 * keypad; NULL with a message in err when the terminal cannot be used. */
struct mx_tui *mx_tui_new(const struct mx_tui_params *p,
			  const struct mx_tui_cbs *cbs, void *arg, char *err,
			  size_t errlen);
/* Replace the rows (the array is copied; what it points to is borrowed). */
void mx_tui_set_rows(struct mx_tui *tui, const struct mx_tui_row *rows,
		     size_t n);
/* Header facts: when the next round starts (0: none planned), paused,
 * and an optional one-line message (copied; NULL clears it). */
void mx_tui_set_status(struct mx_tui *tui, time_t next_round, int paused,
		       const char *msg);
/* The descriptor to watch for key presses. */
int mx_tui_fd(const struct mx_tui *tui);
/* Read every pending key and act on it (may call the callbacks). */
void mx_tui_input(struct mx_tui *tui);
/* The terminal changed size (SIGWINCH): relayout on the next draw. */
void mx_tui_resize(struct mx_tui *tui);
/* Redraw if anything changed since the last draw (force: always).
 * `now` is the wall clock shown ("last probe 2m ago"). */
void mx_tui_draw(struct mx_tui *tui, time_t now, int force);
/* Leave curses and give the terminal back as it was; idempotent. */
void mx_tui_restore(struct mx_tui *tui);
void mx_tui_free(struct mx_tui *tui);

/* Act on one key as if it had been typed (curses key codes: KEY_DOWN,
 * KEY_F(1), '/', ...): for tests and for wiring that reads keys itself. */
void mx_tui_key(struct mx_tui *tui, int ch);

/* Read-only queries, for tests and the wiring.  Strings are borrowed
 * (valid until the next call into the dashboard). */
/* The key of the selected overview row, NULL when the list is empty. */
const char *mx_tui_selected_key(const struct mx_tui *tui);
/* Rows shown after the filter, and the key of the i-th in sort order. */
size_t mx_tui_visible_rows(const struct mx_tui *tui);
const char *mx_tui_visible_key(const struct mx_tui *tui, size_t i);
/* "overview", "drill" or "help". */
const char *mx_tui_view_name(const struct mx_tui *tui);
/* The drill-down's pane ("Summary", "Chain", "Suites", "Clients",
 * "Findings", "SMTP", "Wire", "History") and endpoint key; NULL when no
 * drill-down is shown. */
const char *mx_tui_pane_name(const struct mx_tui *tui);
const char *mx_tui_drill_key(const struct mx_tui *tui);
/* The applied filter ("" none) and the sort key ("state", "domain",
 * "host", "days left", "last probe"). */
const char *mx_tui_filter(const struct mx_tui *tui);
const char *mx_tui_sort_name(const struct mx_tui *tui);
/* Frames drawn so far (a draw with nothing dirty does not count). */
unsigned long mx_tui_draw_count(const struct mx_tui *tui);

#endif
