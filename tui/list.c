/*
 * list.c - the overview's list: a row's state, the `/` filter, the `s`
 * sort and the selection kept by row key.
 *
 * Contract: tui_list_rebuild() recomputes the totals by state over all
 * rows and the visible index (rows matching the filter, sorted); it runs
 * when the rows, the filter or the sort change, never on a plain redraw.
 * The filter matches the row key, target, host and address as
 * case-insensitive substrings.  The sort is stable (ties keep the order
 * src gave) and each key has fixed tie-breakers, so equal rows never
 * jump between redraws.  The selection follows its row key across
 * rebuilds; when that row is gone the index is kept (clamped).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/severity.h"
#include "tui/tui_int.h"

enum tui_state tui_row_state(const struct mx_tui_row *r)
{
	enum mx_severity w;

	if (r->busy != NULL)
		return TS_PROBING;
	if (r->t == NULL)
		return TS_NONE;
	if (r->ep != NULL)
		w = mx_findings_worst(&r->ep->findings);
	else
		w = mx_severity_worse(mx_findings_worst(&r->t->findings),
				      r->t->worst);
	switch (w) {
	case MX_SEV_OK:
	case MX_SEV_INFO:
		return TS_OK;
	case MX_SEV_WARN:
		return TS_WARN;
	case MX_SEV_CRIT:
		return TS_CRIT;
	default:
		return TS_UNKNOWN;
	}
}

const char *tui_state_label(enum tui_state s)
{
	static const char *const n[TS__N] = {"OK",	"WARN",	   "CRIT",
					     "UNKNOWN", "probing", "-"};

	return (unsigned)s < TS__N ? n[s] : "?";
}

int tui_state_attr(enum tui_state s)
{
	static const int a[TS__N] = {TA_OK,	 TA_WARN, TA_CRIT,
				     TA_UNKNOWN, TA_BUSY, TA_DIM};

	return (unsigned)s < TS__N ? a[s] : TA_NORMAL;
}

const char *tui_sort_name(enum tui_sort s)
{
	static const char *const n[TUI_SORT__N] = {"state", "domain", "host",
						   "days left", "last probe"};

	return (unsigned)s < TUI_SORT__N ? n[s] : "?";
}

long tui_row_days(const struct mx_tui_row *r, time_t now, int *known)
{
	time_t na = 0;
	long d;

	if (r->ep != NULL && r->ep->tls.chain.n > 0)
		na = r->ep->tls.chain.v[0].not_after;
	else if (r->snap != NULL)
		na = r->snap->cert_not_after;
	*known = na != 0;
	if (na == 0)
		return 0;
	d = (long)(na - now);
	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive (ASCII) substring test. */
static int has_sub(const char *hay, const char *needle)
{
	size_t i, nl = strlen(needle);

	if (hay == NULL)
		return 0;
	for (; *hay != 0; hay++) {
		for (i = 0; i < nl; i++)
			if (hay[i] == 0 ||
			    lower((unsigned char)hay[i]) !=
				    lower((unsigned char)needle[i]))
				break;
		if (i == nl)
			return 1;
	}
	return nl == 0;
}

static int row_matches(const struct mx_tui_row *r, const char *f)
{
	if (f[0] == 0)
		return 1;
	if (has_sub(r->key, f) || has_sub(r->target, f))
		return 1;
	if (r->ep != NULL)
		return has_sub(r->ep->host, f) || has_sub(r->ep->addr, f);
	if (r->snap != NULL)
		return has_sub(r->snap->host, f) || has_sub(r->snap->addr, f);
	return 0;
}

/* A sort entry: compared field by field, then by position (stable). */
struct ent {
	long k0;
	const char *s1;
	long k2;
	const char *s3;
	size_t idx;
};

static int scmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int ent_cmp(const void *pa, const void *pb)
{
	const struct ent *a = pa, *b = pb;
	int c;

	if (a->k0 != b->k0)
		return a->k0 < b->k0 ? -1 : 1;
	if ((c = scmp(a->s1, b->s1)) != 0)
		return c;
	if (a->k2 != b->k2)
		return a->k2 < b->k2 ? -1 : 1;
	if ((c = scmp(a->s3, b->s3)) != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Worst first: CRIT, WARN, UNKNOWN, probing, OK, never probed. */
static long state_rank(enum tui_state s)
{
	static const long rank[TS__N] = {4, 1, 0, 2, 3, 5};

	return (unsigned)s < TS__N ? rank[s] : 6;
}

static void fill_ent(const struct mx_tui *tui, const struct mx_tui_row *r,
		     struct ent *e)
{
	int known;
	long d;

	e->k0 = 0;
	e->s1 = r->target;
	e->k2 = r->ep ? r->ep->pref : -1;
	e->s3 = r->key;
	switch (tui->sort) {
	case TUI_SORT_STATE:
		e->k0 = state_rank(tui_row_state(r));
		break;
	case TUI_SORT_DOMAIN:
		break;
	case TUI_SORT_HOST:
		e->s1 = r->ep ? r->ep->host : r->target;
		e->k2 = r->ep ? r->ep->port : 0;
		break;
	case TUI_SORT_DAYS:
		d = tui_row_days(r, tui->now, &known);
		e->k0 = known ? d : LONG_MAX;
		break;
	case TUI_SORT_LAST: /* stalest first, never probed before all */
		e->k0 = r->last == 0 ? LONG_MIN : (long)r->last;
		break;
	default:
		break;
	}
}

void tui_list_rebuild(struct mx_tui *tui)
{
	struct ent *e;
	size_t i, n = 0;

	memset(tui->tot, 0, sizeof(tui->tot));
	e = xcalloc(tui->nrows ? tui->nrows : 1, sizeof(*e));
	for (i = 0; i < tui->nrows; i++) {
		const struct mx_tui_row *r = &tui->rows[i];

		tui->tot[tui_row_state(r)]++;
		if (!row_matches(r, tui->filter))
			continue;
		fill_ent(tui, r, &e[n]);
		e[n].idx = i;
		n++;
	}
	qsort(e, n, sizeof(*e), ent_cmp);
	if (n > tui->capvis) {
		tui->vis = xreallocarray(tui->vis, n, sizeof(*tui->vis));
		tui->capvis = n;
	}
	for (i = 0; i < n; i++)
		tui->vis[tui->sort_rev ? n - 1 - i : i] = e[i].idx;
	tui->nvis = n;
	free(e);
	/* the selection follows its key */
	if (tui->sel_key != NULL)
		for (i = 0; i < n; i++)
			if (scmp(tui->rows[tui->vis[i]].key, tui->sel_key) ==
			    0) {
				tui->sel = i;
				return;
			}
	tui_list_select(tui, (long)tui->sel);
}

void tui_list_select(struct mx_tui *tui, long i)
{
	if (tui->nvis == 0) {
		tui->sel = 0;
		return;
	}
	if (i < 0)
		i = 0;
	if ((size_t)i >= tui->nvis)
		i = (long)tui->nvis - 1;
	tui->sel = (size_t)i;
	free(tui->sel_key);
	tui->sel_key = xstrdup(
		tui->rows[tui->vis[i]].key ? tui->rows[tui->vis[i]].key : "");
	tui->dirty = 1;
}
