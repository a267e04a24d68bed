/*
 * drill.c - the drill-down of one endpoint: a title line, the pane tabs,
 * the current pane (scrolled), and the key hints.
 *
 * Panes are a table (STYLE.md habit 8): a name and a function that
 * fills a line buffer from the row (panes.c, panes2.c).  The pane is
 * rebuilt on each redraw of the drill-down - one endpoint, so cheap -
 * and drawn from its own scroll offset (kept per pane while the
 * drill-down stays open).  When the endpoint leaves the list (src/
 * dropped it) the drill-down says so instead of drawing stale memory.
 */
#include <stdio.h>

#include "tui/tui_int.h"

static const struct tui_pane panes[TUI_NPANES] = {
	{"Summary", tui_pane_summary},	 {"Chain", tui_pane_chain},
	{"Suites", tui_pane_suites},	 {"Clients", tui_pane_clients},
	{"Findings", tui_pane_findings}, {"SMTP", tui_pane_smtp},
	{"Wire", tui_pane_wire},	 {"History", tui_pane_history},
};

const struct tui_pane *tui_pane_get(int i)
{
	return &panes[(unsigned)i < TUI_NPANES ? i : 0];
}

static void title(struct mx_tui *tui, const struct mx_tui_row *r, int w)
{
	char buf[512];
	enum tui_state s = tui_row_state(r);
	int x;

	snprintf(buf, sizeof(buf), " %s ", r->key ? r->key : "?");
	x = tui_put(tui, 0, 0, w, buf, TA_HEAD, 0);
	snprintf(buf, sizeof(buf), " %s%s%s ", tui_state_label(s),
		 r->busy ? ": " : "", r->busy ? r->busy : "");
	x += tui_put(tui, 0, x, w - x, buf, tui_state_attr(s) | TA_F_REV, 0);
	if (r->drifted)
		x += tui_put(tui, 0, x, w - x, " * drift ", TA_WARN | TA_F_REV,
			     0);
	tui_put(tui, 0, x, w - x, "", TA_HEAD, 1);
}

static void tabs(struct mx_tui *tui, int w)
{
	char buf[32];
	int i, x = 0;

	for (i = 0; i < TUI_NPANES && x < w; i++) {
		snprintf(buf, sizeof(buf), " %d %s ", i + 1, panes[i].name);
		x += tui_put(tui, 1, x, w - x, buf,
			     i == tui->pane ? TA_SEL : TA_NORMAL, 0);
	}
	tui_hline(tui, 2, 0, w);
}

void tui_draw_drill(struct mx_tui *tui)
{
	const struct mx_tui_row *r = tui_drill_row(tui);
	int w = COLS, h = LINES, page;
	char buf[128];

	if (r == NULL) {
		snprintf(buf, sizeof(buf), " %s ",
			 tui->drill_key ? tui->drill_key : "?");
		tui_put(tui, 0, 0, w, buf, TA_HEAD, 1);
		tui_put(tui, 2, 1, w - 1,
			"this endpoint is no longer in the list (Esc: back)",
			TA_DIM, 0);
		return;
	}
	title(tui, r, w);
	if (h < 5)
		return;
	tabs(tui, w);
	page = h - 4;
	tui->page = page;
	tui_lines_reset(&tui->lines);
	tui->lines.wrap = w;
	panes[tui->pane].fill(r, tui->now, &tui->lines);
	tui_lines_draw(tui, &tui->lines, 3, page, w, &tui->scroll[tui->pane]);
	snprintf(buf, sizeof(buf),
		 "Tab:pane j/k PgUp/PgDn:scroll Esc:back r:re-probe e:enum "
		 "?:help q:quit  %d-%d/%zu",
		 tui->lines.n ? tui->scroll[tui->pane] + 1 : 0,
		 tui->scroll[tui->pane] + page < (int)tui->lines.n
			 ? tui->scroll[tui->pane] + page
			 : (int)tui->lines.n,
		 tui->lines.n);
	tui_put(tui, h - 1, 0, w, buf, TA_HEAD, 1);
}
