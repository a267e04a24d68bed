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
#include <string.h>

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

static void push(struct tui_lines *l, int attr, const char *s, size_t n)
{
	if (l->n >= TUI_LINES_MAX)
		return;
	MX_GROW(l->v, l->n, l->cap);
	l->v[l->n].s = l->n + 1 == TUI_LINES_MAX ? xstrdup("(cut)")
						 : xstrndup(s, n);
	l->v[l->n].attr = attr;
	l->n++;
}

/* Where continuation lines start: under the text after a "label: " in
 * the first half of the line, else two past the leading spaces. */
static size_t hang(const char *s, size_t wrap)
{
	size_t lead = strspn(s, " "), i;
	const char *c = strstr(s, ": ");

	if (c != NULL && (size_t)(c - s) < wrap / 2) {
		i = (size_t)(c - s) + 1;
		i += strspn(s + i, " ");
		if (i < wrap / 2)
			return i;
	}
	return lead + 2 < wrap / 2 ? lead + 2 : 0;
}

void tui_lines_add(struct tui_lines *l, int attr, const char *fmt, ...)
{
	char buf[1024], line[1024];
	size_t len, w, ind, cut, room;
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	len = strlen(buf);
	w = l->wrap > 0 ? (size_t)l->wrap : 0;
	if (w < 16 || len <= w) {
		push(l, attr, buf, len);
		return;
	}
	ind = hang(buf, w);
	p = buf;
	room = w;
	for (;;) {
		size_t n = strlen(p);

		if (n <= room) {
			cut = n;
		} else {
			for (cut = room; cut > room / 2 && p[cut] != ' '; cut--)
				;
			if (p[cut] != ' ')
				cut = room; /* no space: a hard cut */
		}
		if (p == buf) {
			push(l, attr, p, cut);
		} else {
			memset(line, ' ', ind);
			memcpy(line + ind, p, cut);
			push(l, attr, line, ind + cut);
		}
		p += cut;
		p += strspn(p, " ");
		if (*p == 0)
			break;
		room = w - ind;
	}
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
