/*
 * util.c - helpers shared by the renderers; see util.h.
 */
#include "reports/util.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "model/severity.h"

void mx_rep_iso8601(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%s", "");
}

void mx_rep_date(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, len, "@%lld", (long long)t);
}

/* Insertion sort, worst first: stable, and the lists are short. */
static void sort_findings(const struct mx_finding **v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		const struct mx_finding *f = v[i];

		for (j = i; j > 0 && mx_severity_cmp(v[j - 1]->severity,
						     f->severity) > 0;
		     j--)
			v[j] = v[j - 1];
		v[j] = f;
	}
}

const struct mx_finding **mx_rep_sorted_findings(const struct mx_target *t,
						 size_t *n)
{
	const struct mx_finding **v;
	size_t total = t->findings.n, i, j, k = 0;

	for (i = 0; i < t->nendpoints; i++)
		total += t->endpoints[i].findings.n;
	v = xcalloc(total ? total : 1, sizeof(*v));
	for (i = 0; i < t->findings.n; i++)
		v[k++] = &t->findings.v[i];
	for (i = 0; i < t->nendpoints; i++)
		for (j = 0; j < t->endpoints[i].findings.n; j++)
			v[k++] = &t->endpoints[i].findings.v[j];
	sort_findings(v, total);
	*n = total;
	return v;
}

const struct mx_finding **mx_rep_sort_findings(const struct mx_findings *fs,
					       size_t *n)
{
	size_t k = fs ? fs->n : 0, i;
	const struct mx_finding **v = xcalloc(k ? k : 1, sizeof(*v));

	for (i = 0; i < k; i++)
		v[i] = &fs->v[i];
	sort_findings(v, k);
	*n = k;
	return v;
}

const char *mx_rep_exit_name(enum mx_exit e)
{
	static const char *const t[] = {"ok", "warning", "critical", "unknown"};
	/* send's 10-21 name the stage a delivery failed at: critical */
	if ((int)e >= 10)
		return "critical";
	return (size_t)e < sizeof(t) / sizeof(t[0]) ? t[e] : "unknown";
}

size_t *mx_rep_host_order(const struct mx_target *t)
{
	size_t *v = xcalloc(t->nhosts ? t->nhosts : 1, sizeof(*v));
	size_t i, j;

	for (i = 0; i < t->nhosts; i++) {
		unsigned p = (unsigned)t->hosts[i].pref;

		for (j = i; j > 0 && (unsigned)t->hosts[v[j - 1]].pref > p; j--)
			v[j] = v[j - 1];
		v[j] = i;
	}
	return v;
}
