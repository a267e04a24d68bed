/*
 * history_text.c - `mxprobe history` as text (reports/history.h).
 *
 * Layout:
 *   History: FILE (schema 1), 2 endpoints, 5 probes, matching X, since T
 *
 *   mx1.lab.test[127.0.0.31]:25/starttls  (target lab.test, MX 10)
 *     TIME                     STATE     TLS      SUITE ... TEMP KEY
 *     DAYS  SERIAL  DRIFT
 *     ... one line per probe, newest first ...
 *
 *     Drift:                       (only when there is any)
 *     <the one finding layout per drift finding, newest first; where is
 *      the endpoint key and the probe's time; the evidence says
 *      "before -> after">
 *
 *   Status: WORD (exit N)
 * Ownership: nothing kept.  Every string goes through the text guard.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/finding.h"
#include "model/severity.h"
#include "reports/history.h"
#include "reports/textutil.h"
#include "reports/util.h"

static int cmp_key(const struct mx_history_view *v, size_t a, size_t b)
{
	return strcmp(v->v[a]->key != NULL ? v->v[a]->key : "",
		      v->v[b]->key != NULL ? v->v[b]->key : "");
}

size_t *mx_history_groups(const struct mx_history_view *v, size_t **starts,
			  size_t *ngroups)
{
	size_t *idx = xcalloc(v->n ? v->n : 1, sizeof(*idx));
	size_t *st = xcalloc(v->n ? v->n : 1, sizeof(*st));
	size_t ng = 0;

	for (size_t i = 0; i < v->n; i++)
		idx[i] = i;
	/* insertion sort by key, stable: each key keeps newest first */
	for (size_t i = 1; i < v->n; i++) {
		size_t x = idx[i], j = i;
		while (j > 0 && cmp_key(v, idx[j - 1], x) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = x;
	}
	for (size_t i = 0; i < v->n; i++)
		if (i == 0 || cmp_key(v, idx[i - 1], idx[i]) != 0)
			st[ng++] = i;
	*starts = st;
	*ngroups = ng;
	return idx;
}

static void probe_line(FILE *out, int color, const struct mx_snapshot *s)
{
	char when[40], sev[16], key[64], days[16];
	enum mx_colour c = mx_severity_colour(s->worst);
	int known;
	long d = mx_snapshot_days_left(s, s->at, &known);
	enum mx_severity dw = MX_SEV_OK;

	mx_rep_date(s->at, when, sizeof(when));
	mx_upper(mx_severity_name(s->worst), sev, sizeof(sev));
	if (s->temp_key_type != NULL)
		snprintf(key, sizeof(key), "%.24s %d", s->temp_key_type,
			 s->temp_key_bits);
	else
		snprintf(key, sizeof(key), "-");
	if (known)
		snprintf(days, sizeof(days), "%ld", d);
	else
		snprintf(days, sizeof(days), "-");
	mx_out_fmt(out, "  %-23s  ", when);
	mx_colour_on(out, color, c);
	mx_out_fmt(out, "%-8s", sev);
	mx_colour_off(out, color, c);
	if (s->tls_ok)
		mx_out_fmt(out, "  %-7s  %-38s  %-12s",
			   mx_nz(s->tls_version, "-"), mx_nz(s->suite, "-"),
			   key);
	else {
		char why[96];
		if (s->mode == MX_MODE_PLAIN && s->complete)
			snprintf(why, sizeof(why), "plain (no TLS asked)");
		else
			snprintf(why, sizeof(why), "no TLS (%.80s)",
				 !s->complete ? "cancelled"
					      : mx_nz(s->stop, "?"));
		mx_out_fmt(out, "  %-7s  %-52s", "-", why);
	}
	mx_out_fmt(out, "  %5s  %s", days, mx_nz(s->cert_serial, "-"));
	for (size_t i = 0; i < s->ndrift; i++)
		dw = mx_severity_worse(dw, s->drift[i].severity);
	if (s->ndrift > 0) {
		enum mx_colour dc = mx_severity_colour(dw);
		mx_out_text(out, "  ");
		mx_colour_on(out, color, dc);
		mx_out_fmt(out, "drift %zu", s->ndrift);
		mx_colour_off(out, color, dc);
	}
	mx_out_text(out, "\n");
}

/* A stored finding in the one layout; an id this mxprobe does not know
 * (a newer one wrote the file) is shown with a placeholder title. */
static void drift_finding(FILE *out, int color, const struct mx_snapshot *s,
			  const struct mx_snap_finding *f)
{
	const struct mx_finding_def *def = mx_finding_def(f->id);
	struct mx_finding_def unknown = {
		f->id, f->severity, "(a finding this version does not know)",
		"-", "-"};
	struct mx_finding x;
	char when[40];

	mx_rep_date(s->at, when, sizeof(when));
	memset(&x, 0, sizeof(x));
	x.def = def != NULL ? def : &unknown;
	x.severity = f->severity;
	x.where = xasprintf("%s at %s", mx_nz(s->key, "?"), when);
	x.evidence = f->evidence;
	mx_out_finding(out, color, &x);
	free(x.where);
}

static void endpoint(FILE *out, int color, const struct mx_history_view *v,
		     const size_t *idx, size_t from, size_t to)
{
	const struct mx_snapshot *first = v->v[idx[from]];
	size_t ndrift = 0;

	mx_out_fmt(out, "\n%s", mx_nz(first->key, "?"));
	if (first->target != NULL || first->pref >= 0) {
		mx_out_text(out, "  (");
		if (first->target != NULL)
			mx_out_fmt(out, "target %s", first->target);
		if (first->pref >= 0)
			mx_out_fmt(out, "%sMX %d",
				   first->target != NULL ? ", " : "",
				   first->pref);
		mx_out_text(out, ")");
	}
	mx_out_fmt(out, "\n  %-23s  %-8s  %-7s  %-38s  %-12s  %5s  %s\n",
		   "TIME", "STATE", "TLS", "SUITE", "TEMP KEY", "DAYS",
		   "SERIAL");
	for (size_t i = from; i < to; i++) {
		probe_line(out, color, v->v[idx[i]]);
		ndrift += v->v[idx[i]]->ndrift;
	}
	if (ndrift == 0)
		return;
	mx_out_text(out, "\nDrift:\n");
	for (size_t i = from; i < to; i++) {
		const struct mx_snapshot *s = v->v[idx[i]];
		for (size_t k = 0; k < s->ndrift; k++)
			drift_finding(out, color, s, &s->drift[k]);
	}
}

int mx_report_history_text(FILE *out, const struct mx_history_view *v,
			   const char *tool_version, int color)
{
	size_t *starts = NULL, ng = 0;
	size_t *idx = mx_history_groups(v, &starts, &ng);
	char since[40];

	(void)tool_version;
	mx_out_fmt(out, "History: %s (schema %d), %zu endpoint%s, %zu probe%s",
		   mx_nz(v->file, "-"), v->file_schema, ng, ng == 1 ? "" : "s",
		   v->n, v->n == 1 ? "" : "s");
	if (v->match != NULL)
		mx_out_fmt(out, ", matching %s", v->match);
	if (v->since != 0) {
		mx_rep_date(v->since, since, sizeof(since));
		mx_out_fmt(out, ", since %s", since);
	}
	mx_out_text(out, "\n");
	if (v->truncated)
		mx_out_text(out, "(more probes match than are shown: the "
				 "oldest are left out; narrow with TARGET or "
				 "--since)\n");
	if (v->n == 0)
		mx_out_text(out, "\nNo probes stored"
				 " (mxprobe watch stores one per endpoint "
				 "and round).\n");
	for (size_t g = 0; g < ng; g++)
		endpoint(out, color, v, idx, starts[g],
			 g + 1 < ng ? starts[g + 1] : v->n);
	mx_out_status(out, color, v->exit_status);
	free(idx);
	free(starts);
	return ferror(out) ? -1 : 0;
}
