/*
 * overview.c - the overview: header (totals by state, next round,
 * paused, sort, filter), one line per endpoint, footer with key hints
 * or the `/` line.
 *
 * Columns are a table (STYLE.md habit 8): title, minimum and preferred
 * width, and a priority.  The layout keeps the most important columns
 * that fit at their minimum width (dropping the others, least important
 * first), then widens the kept ones toward their preferred width in
 * priority order, and gives what is left to the host column.  At 80
 * columns that is drift mark, state, target, host, TLS version,
 * findings, temp key, days left, last probe age; wider terminals add
 * suite, mode, preference, DANE and MTA-STS.
 *
 * Contract: draws from the rows as given (no model computation beyond
 * formatting); only the visible slice of the list is formatted, so a
 * redraw costs the same for 10 or 10,000 rows.
 */
#include <stdio.h>
#include <string.h>

#include "model/finding.h"
#include "model/where.h"
#include "tui/tui_int.h"

struct cell {
	char s[160];
	int attr;
	int w; /* the column's width (a cell may shorten itself) */
};

typedef void (*cell_fn)(const struct mx_tui *tui, const struct mx_tui_row *r,
			struct cell *c);

static void c_mark(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	(void)tui;
	snprintf(c->s, sizeof(c->s), "%s", r->drifted ? "*" : "");
	c->attr = TA_WARN;
}

static void c_state(const struct mx_tui *tui, const struct mx_tui_row *r,
		    struct cell *c)
{
	enum tui_state s = tui_row_state(r);

	(void)tui;
	snprintf(c->s, sizeof(c->s), "%s",
		 r->busy ? r->busy : tui_state_label(s));
	c->attr = tui_state_attr(s);
}

static void c_target(const struct mx_tui *tui, const struct mx_tui_row *r,
		     struct cell *c)
{
	(void)tui;
	snprintf(c->s, sizeof(c->s), "%s", r->target ? r->target : "");
}

static void c_pref(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	(void)tui;
	if (r->ep != NULL && r->ep->pref >= 0)
		snprintf(c->s, sizeof(c->s), "%d", r->ep->pref);
	else
		snprintf(c->s, sizeof(c->s), "-");
}

static void c_host(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	const struct mx_endpoint *ep = r->ep;

	char where[MX_WHERE_MAX], tail[96];
	size_t tl;

	(void)tui;
	if (ep != NULL) {
		/* too long: shorten the host name, keep [addr]:port whole */
		mx_endpoint_where_buf(where, sizeof(where), ep);
		snprintf(tail, sizeof(tail), " [%s]:%u",
			 ep->addr ? ep->addr : "?", ep->port);
		tl = strlen(tail);
		if (strlen(where) > (size_t)c->w && ep->host && ep->addr &&
		    strcmp(ep->host, ep->addr) != 0 && (size_t)c->w > tl + 4)
			snprintf(c->s, sizeof(c->s), "%.*s~%s",
				 (int)((size_t)c->w - tl - 1), ep->host, tail);
		else
			snprintf(c->s, sizeof(c->s), "%.159s", where);
	} else if (r->t != NULL && r->t->mx_status != MX_DNS_OK)
		snprintf(c->s, sizeof(c->s), "DNS %s",
			 mx_dns_status_name(r->t->mx_status));
	else
		snprintf(c->s, sizeof(c->s), "%s",
			 r->t && r->t->null_mx ? "null MX" : "-");
}

static void c_mode(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	(void)tui;
	snprintf(c->s, sizeof(c->s), "%s",
		 r->ep ? mx_tls_mode_name(r->ep->mode) : "-");
}

static void c_tls(const struct mx_tui *tui, const struct mx_tui_row *r,
		  struct cell *c)
{
	const struct mx_tls *t = r->ep ? &r->ep->tls : NULL;

	(void)tui;
	if (t != NULL && t->completed && t->version)
		snprintf(c->s, sizeof(c->s), "%s",
			 strncmp(t->version, "TLSv", 4) == 0 ? t->version + 4
							     : t->version);
	else if (t != NULL && t->attempted) {
		snprintf(c->s, sizeof(c->s), "failed");
		c->attr = TA_CRIT;
	} else
		snprintf(c->s, sizeof(c->s), "-");
}

static void c_suite(const struct mx_tui *tui, const struct mx_tui_row *r,
		    struct cell *c)
{
	const struct mx_tls *t = r->ep ? &r->ep->tls : NULL;
	const char *name = "-";

	(void)tui;
	/* the OpenSSL name: shorter, and what `openssl s_client` says */
	if (t != NULL && t->completed)
		name = t->suite_openssl ? t->suite_openssl
					: tui_s(t->suite_iana);
	snprintf(c->s, sizeof(c->s), "%s", name);
}

/* The weakest DH group an enumeration saw accepted (0: none). */
static int weakest_dh(const struct mx_enum *e)
{
	size_t v, i;
	int min = 0;

	for (v = 0; e != NULL && v < MX_EV__N; v++)
		for (i = 0; i < e->v[v].n; i++) {
			const struct mx_enum_suite *s = &e->v[v].suites[i];

			if (s->kx && strcmp(s->kx, "DH") == 0 &&
			    s->kx_bits > 0 && (min == 0 || s->kx_bits < min))
				min = s->kx_bits;
		}
	return min;
}

static int dh_attr(int bits)
{
	return bits <= 1024 ? TA_CRIT : bits < 2048 ? TA_WARN : TA_NORMAL;
}

/* The negotiated ephemeral key; a weak DH group the enumeration found
 * (what a DHE-only sender gets) wins over it, highlighted. */
static void c_tkey(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	const struct mx_tls *t = r->ep ? &r->ep->tls : NULL;
	int dh = r->ep ? weakest_dh(r->ep->enumr) : 0;

	(void)tui;
	if (dh > 0 && dh < 2048) {
		snprintf(c->s, sizeof(c->s), "DH %d", dh);
		c->attr = dh_attr(dh);
	} else if (t == NULL || !t->completed || t->temp_key_type == NULL) {
		snprintf(c->s, sizeof(c->s), "-");
	} else if (strcmp(t->temp_key_type, "DH") == 0) {
		snprintf(c->s, sizeof(c->s), "DH %d", t->temp_key_bits);
		c->attr = dh_attr(t->temp_key_bits);
	} else if (t->temp_key_group != NULL) { /* "P-256", "X25519" */
		snprintf(c->s, sizeof(c->s), "%s", t->temp_key_group);
	} else {
		snprintf(c->s, sizeof(c->s), "%s", t->temp_key_type);
	}
}

static void c_days(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	int known;
	long d = tui_row_days(r, tui->now, &known);

	if (!known) {
		snprintf(c->s, sizeof(c->s), "-");
		return;
	}
	snprintf(c->s, sizeof(c->s), "%ld", d);
	c->attr = d <= 7 ? TA_CRIT : d <= 30 ? TA_WARN : TA_NORMAL;
}

static const char *dane_short(enum mx_dane_state s)
{
	static const char *const n[] = {"-",	    "none",	 "ok",
					"MISMATCH", "TA-unsent", "no-tls",
					"insecure", "unusable",	 "FAILED"};

	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

static void c_dane(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	enum mx_dane_state s = r->ep ? r->ep->dane.state
				     : MX_DANE_NOT_LOOKED_UP;

	(void)tui;
	snprintf(c->s, sizeof(c->s), "%s", dane_short(s));
	c->attr = s == MX_DANE_OK ? TA_OK
		  : s == MX_DANE_MISMATCH || s == MX_DANE_FAILED ||
				  s == MX_DANE_TA_NOT_SENT ||
				  s == MX_DANE_NO_TLS
			  ? TA_CRIT
			  : TA_NORMAL;
}

static void c_sts(const struct mx_tui *tui, const struct mx_tui_row *r,
		  struct cell *c)
{
	static const char *const n[] = {"-",	     "none", "unusable",
					"mode-none", "ok",   "FAILING"};
	enum mx_sts_state s = r->t ? r->t->sts.state : MX_STS_NOT_LOOKED_UP;

	(void)tui;
	if (r->t == NULL && r->snap != NULL)
		s = r->snap->sts;
	snprintf(c->s, sizeof(c->s), "%s",
		 (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?");
	c->attr = s == MX_STS_OK	 ? TA_OK
		  : s == MX_STS_FAILING	 ? TA_CRIT
		  : s == MX_STS_UNUSABLE ? TA_WARN
					 : TA_NORMAL;
}

static void c_fnd(const struct mx_tui *tui, const struct mx_tui_row *r,
		  struct cell *c)
{
	const struct mx_findings *fs = r->ep  ? &r->ep->findings
				       : r->t ? &r->t->findings
					      : NULL;
	size_t i, n[MX_SEV_UNKNOWN + 1] = {0};

	(void)tui;
	if (fs == NULL) {
		snprintf(c->s, sizeof(c->s), "-");
		return;
	}
	for (i = 0; i < fs->n; i++)
		if ((unsigned)fs->v[i].severity <= MX_SEV_UNKNOWN)
			n[fs->v[i].severity]++;
	snprintf(c->s, sizeof(c->s), "%zu/%zu/%zu", n[MX_SEV_CRIT],
		 n[MX_SEV_WARN], n[MX_SEV_INFO]);
	c->attr = n[MX_SEV_CRIT]   ? TA_CRIT
		  : n[MX_SEV_WARN] ? TA_WARN
				   : TA_NORMAL;
}

static void c_last(const struct mx_tui *tui, const struct mx_tui_row *r,
		   struct cell *c)
{
	tui_age(tui->now, r->last, c->s, sizeof(c->s));
}

/* The column table; prio: lower is kept first. */
static const struct col {
	const char *title;
	int min, pref, prio;
	cell_fn fn;
} cols[] = {
	{"", 1, 1, 0, c_mark},
	{"STATE", 7, 8, 1, c_state},
	{"TARGET", 10, 22, 2, c_target},
	{"PREF", 4, 4, 13, c_pref},
	{"HOST [ADDR]:PORT", 14, 40, 3, c_host},
	{"MODE", 8, 8, 12, c_mode},
	{"TLS", 5, 6, 4, c_tls},
	{"SUITE", 22, 30, 9, c_suite},
	{"TEMPKEY", 7, 12, 6, c_tkey},
	{"DAYS", 4, 5, 7, c_days},
	{"DANE", 6, 9, 10, c_dane},
	{"STS", 6, 9, 11, c_sts},
	{"C/W/I", 6, 8, 5, c_fnd},
	{"LAST", 4, 5, 8, c_last},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))
#define TARGET_COL 2
#define HOST_COL 4

/* Widths for a terminal of w columns; 0 drops a column.  Core columns
 * (prio <= CORE) first at their minimum, then the host column up to
 * HOST_WANT (it names the endpoint) and the target column up to
 * TARGET_WANT, then the optional columns that
 * still fit, then everyone toward their preferred width, the rest to
 * the host. */
#define CORE 8
#define HOST_WANT 28
#define TARGET_WANT 16
static int add_cols(int w, int used, int lo, int hi, int width[NCOLS])
{
	int prio;
	size_t i;

	for (prio = lo; prio <= hi; prio++)
		for (i = 0; i < NCOLS; i++)
			if (cols[i].prio == prio &&
			    used + cols[i].min + (used ? 1 : 0) <= w) {
				used += cols[i].min + (used ? 1 : 0);
				width[i] = cols[i].min;
			}
	return used;
}

static int grow(int *width, int to, int extra)
{
	int add = to - *width;

	if (*width == 0 || add <= 0 || extra <= 0)
		return extra;
	add = add > extra ? extra : add;
	*width += add;
	return extra - add;
}

static void layout(int w, int width[NCOLS])
{
	int used, prio, extra;
	size_t i;

	memset(width, 0, sizeof(int) * NCOLS);
	used = add_cols(w, 0, 0, CORE, width);
	extra = grow(&width[HOST_COL], HOST_WANT, w - used);
	extra = grow(&width[TARGET_COL], TARGET_WANT, extra);
	used = add_cols(w, w - extra, CORE + 1, 31, width);
	extra = w - used;
	for (prio = 0; prio < 32 && extra > 0; prio++)
		for (i = 0; i < NCOLS && extra > 0; i++)
			if (cols[i].prio == prio)
				extra = grow(&width[i], cols[i].pref, extra);
	if (extra > 0 && width[HOST_COL] > 0)
		width[HOST_COL] += extra;
}

void tui_age(time_t now, time_t then, char *buf, size_t len)
{
	long d = (long)(now - then);

	if (then == 0)
		snprintf(buf, len, "-");
	else if (d < 60)
		snprintf(buf, len, "<1m");
	else if (d < 3600)
		snprintf(buf, len, "%ldm", d / 60);
	else if (d < 86400)
		snprintf(buf, len, "%ldh", d / 3600);
	else
		snprintf(buf, len, "%ldd", d / 86400);
}

static void header(struct mx_tui *tui, int w)
{
	char buf[512], when[32] = "";
	struct tm tm;
	int x;

	snprintf(buf, sizeof(buf),
		 " mxprobe watch  %zu endpoint%s  OK %zu  WARN %zu  CRIT %zu  "
		 "UNKNOWN %zu  probing %zu",
		 tui->nrows, tui->nrows == 1 ? "" : "s", tui->tot[TS_OK],
		 tui->tot[TS_WARN], tui->tot[TS_CRIT], tui->tot[TS_UNKNOWN],
		 tui->tot[TS_PROBING]);
	if ((int)strlen(buf) > w) /* narrow: the totals still fit */
		snprintf(buf, sizeof(buf),
			 " mxprobe watch %zu OK %zu W %zu C %zu U %zu P %zu",
			 tui->nrows, tui->tot[TS_OK], tui->tot[TS_WARN],
			 tui->tot[TS_CRIT], tui->tot[TS_UNKNOWN],
			 tui->tot[TS_PROBING]);
	tui_put(tui, 0, 0, w, buf, TA_HEAD, 1);

	if (tui->next_round != 0 && localtime_r(&tui->next_round, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	x = 0;
	if (tui->paused)
		x += tui_put(tui, 1, x, w - x, "PAUSED  ", TA_WARN, 0);
	snprintf(buf, sizeof(buf), "next %s (every %ds)  sort %s%s",
		 when[0] ? when : "-", tui->p.interval_s,
		 tui_sort_name(tui->sort), tui->sort_rev ? " (reversed)" : "");
	x += tui_put(tui, 1, x, w - x, buf, TA_NORMAL, 0);
	if (tui->filter[0] != 0) {
		snprintf(buf, sizeof(buf), "  filter \"%s\" %zu/%zu",
			 tui->filter, tui->nvis, tui->nrows);
		x += tui_put(tui, 1, x, w - x, buf, TA_BUSY, 0);
	}
	if (tui->msg[0] != 0) {
		x += tui_put(tui, 1, x, w - x, "  ", TA_NORMAL, 0);
		tui_put(tui, 1, x, w - x, tui->msg, TA_INFO, 0);
	}
}

static void footer(struct mx_tui *tui, int y, int w)
{
	char buf[256];

	if (tui->editing) {
		snprintf(buf, sizeof(buf), "/%s_", tui->edit);
		tui_put(tui, y, 0, w, buf, TA_NORMAL, 1);
		return;
	}
	tui_put(tui, y, 0, w,
		"Enter:open /:filter s:sort r:re-probe e:enum p:pause ?:help "
		"q:quit",
		TA_HEAD, 1);
}

void tui_draw_overview(struct mx_tui *tui)
{
	int width[NCOLS], w = COLS, h = LINES, y, x, page;
	size_t i, k;

	header(tui, w);
	if (h < 4)
		return;
	layout(w, width);
	for (x = 0, i = 0; i < NCOLS; i++)
		if (width[i] > 0) {
			tui_put(tui, 2, x, width[i], cols[i].title, TA_TITLE,
				0);
			x += width[i] + 1;
		}
	page = h - 4;
	tui->page = page;
	if (tui->sel < tui->top)
		tui->top = tui->sel;
	if (tui->sel >= tui->top + (size_t)page)
		tui->top = tui->sel - (size_t)page + 1;
	if (tui->nvis <= (size_t)page)
		tui->top = 0;
	else if (tui->top > tui->nvis - (size_t)page)
		tui->top = tui->nvis - (size_t)page;
	if (tui->nvis == 0)
		tui_put(tui, 3, 1, w - 1,
			tui->nrows ? "no endpoint matches the filter (Esc "
				     "clears it)"
				   : "no endpoints yet",
			TA_DIM, 0);
	for (y = 0; y < page && tui->top + (size_t)y < tui->nvis; y++) {
		size_t ri = tui->vis[tui->top + (size_t)y];
		int sel = tui->top + (size_t)y == tui->sel;

		if (sel)
			tui_put(tui, 3 + y, 0, w, "", TA_SEL, 1);
		for (x = 0, k = 0; k < NCOLS; k++) {
			struct cell c = {"", TA_NORMAL, width[k]};

			if (width[k] == 0)
				continue;
			cols[k].fn(tui, &tui->rows[ri], &c);
			if (strlen(c.s) > (size_t)width[k] && width[k] > 1) {
				c.s[width[k] - 1] = '~'; /* cut: say so */
				c.s[width[k]] = 0;
			}
			tui_put(tui, 3 + y, x, width[k], c.s,
				sel ? (c.attr == TA_NORMAL ? TA_SEL
							   : c.attr | TA_F_REV)
				    : c.attr,
				sel);
			x += width[k] + 1;
		}
	}
	footer(tui, h - 1, w);
}
