/*
 * lines.c - the line buffer the drill-down panes and the help fill, and
 * its scrolled drawing.  A pane is text built from the model on each
 * redraw of the one endpoint shown (cheap: one endpoint), then drawn
 * from a scroll offset; every line goes through tui_put() and so
 * through the sanitiser.
 *
 * Ownership: struct tui_lines owns its strings; reset keeps the array.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "tui/tui_int.h"

#define TUI_LINES_MAX 5000 /* a pane longer than this is cut */

void tui_lines_reset(struct tui_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].s);
	l->n = 0;
}

void tui_lines_free(struct tui_lines *l)
{
	tui_lines_reset(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

void tui_lines_add(struct tui_lines *l, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (l->n >= TUI_LINES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	MX_GROW(l->v, l->n, l->cap);
	l->v[l->n].s = xstrdup(l->n + 1 == TUI_LINES_MAX ? "(cut)" : buf);
	l->v[l->n].attr = attr;
	l->n++;
}

void tui_lines_draw(struct mx_tui *tui, const struct tui_lines *l, int y, int h,
		    int w, int *scroll)
{
	int i, max;

	if (h <= 0 || w <= 0)
		return;
	max = (int)l->n - h;
	if (max < 0)
		max = 0;
	if (*scroll > max)
		*scroll = max;
	if (*scroll < 0)
		*scroll = 0;
	for (i = 0; i < h && (size_t)(*scroll + i) < l->n; i++) {
		const struct tui_line *ln = &l->v[*scroll + i];

		tui_put(tui, y + i, 0, w, ln->s, ln->attr, 0);
	}
}
