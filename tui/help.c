/*
 * help.c - the help view (`?`, F1): the keys, what the overview columns
 * mean, the interval and the history file.  Scrolls like a pane; Esc,
 * `?` or F1 return to the view it was opened from.
 */
#include <stdio.h>

#include "tui/tui_int.h"

static const char *const help_text[] = {
	"Keys",
	"  Up/Down, j/k       move the selection (overview) or scroll (panes)",
	"  PgUp/PgDn          a page up or down",
	"  Home/End, g/G      first / last",
	"  Enter              open the drill-down of the selected endpoint",
	"  Tab, Shift-Tab     next / previous pane (also l/h, or 1..8)",
	"  Esc                back; in the overview: clear the filter",
	"  /                  filter: key, target, host or address contains "
	"the text",
	"                     (Enter applies, Esc cancels, Ctrl-U clears)",
	"  s / S              cycle the sort key / reverse the order",
	"  r                  re-probe the selected endpoint now",
	"  e                  enumerate suites and clients of it now",
	"  p                  pause / resume the rounds",
	"  ?, F1              this help",
	"  q, F10             quit",
	"  Ctrl-L             repaint the screen",
	"",
	"Overview columns",
	"  *                  something drifted in the latest round",
	"  STATE              worst finding: OK, WARN, CRIT, UNKNOWN (could "
	"not test),",
	"                     or the stage while a probe runs",
	"  TARGET, PREF       the target as given, MX preference",
	"  HOST [ADDR]:PORT   the endpoint probed; MODE starttls/implicit/plain",
	"  TLS, SUITE         negotiated version and cipher suite",
	"  TEMPKEY            ephemeral key exchange negotiated; once enumerated",
	"                     the weakest DH group accepted (\"DH 1024\" is weak)",
	"  DAYS               days until the leaf certificate expires",
	"  DANE, STS          DANE (TLSA) and MTA-STS state",
	"  C/W/I              findings: critical / warning / info",
	"  LAST               time since the last probe ended",
	"",
	"Sort keys",
	"  state (worst first), domain, host, days left (fewest first),",
	"  last probe (stalest first)",
};

void tui_draw_help(struct mx_tui *tui)
{
	int w = COLS, h = LINES;
	size_t i;

	tui_put(tui, 0, 0, w, " mxprobe watch - help (Esc: back)", TA_HEAD, 1);
	tui_lines_reset(&tui->lines);
	tui->lines.wrap = w;
	for (i = 0; i < sizeof(help_text) / sizeof(help_text[0]); i++)
		tui_lines_add(&tui->lines,
			      help_text[i][0] != ' ' && help_text[i][0] != 0
				      ? TA_TITLE
				      : TA_NORMAL,
			      "%s", help_text[i]);
	tui_lines_add(&tui->lines, TA_NORMAL, "%s", "");
	tui_lines_add(&tui->lines, TA_NORMAL,
		      "Rounds every %d s (with jitter); history in %s",
		      tui->p.interval_s,
		      tui->p.history_path ? tui->p.history_path
					  : "(no history file)");
	tui->page = h - 2;
	tui_lines_draw(tui, &tui->lines, 1, h - 2, w, &tui->help_scroll);
	tui_put(tui, h - 1, 0, w, "Esc/?:back  j/k PgUp/PgDn:scroll  q:quit",
		TA_HEAD, 1);
}
