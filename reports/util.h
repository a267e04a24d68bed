/*
 * util.h - small helpers the renderers share (internal to reports/).
 *
 * Nothing here judges: the verdicts, severities and their order come from
 * the model (model/severity.h).
 */
#ifndef MX_REPORTS_UTIL_H
#define MX_REPORTS_UTIL_H

#include <stddef.h>
#include <time.h>

#include "model/result.h"

/* "2025-03-01T12:00:00Z"; "" when the time cannot be represented. */
void mx_rep_iso8601(time_t t, char *out, size_t len);
/* "2025-03-01 12:00:00 UTC". */
void mx_rep_date(time_t t, char *out, size_t len);

/* Findings of a target (its own, then each endpoint's) sorted stably,
 * worst first (mx_severity_cmp, model/severity.h); a malloc'ed array of
 * *n borrowed pointers. */
const struct mx_finding **mx_rep_sorted_findings(const struct mx_target *t,
						 size_t *n);
/* The same for one list (NULL: none). */
const struct mx_finding **mx_rep_sort_findings(const struct mx_findings *fs,
					       size_t *n);

/* What every command's report carries besides its data: the envelope
 * of its JSON (reports/jsonutil.h) and the closing status line of its
 * text (mx_out_status(), reports/textutil.h). */
struct mx_rep_meta {
	const char *tool_version;
	time_t started;
	int exit_status; /* 0-3 */
	int color;	 /* text: ANSI colours */
};

/* "ok", "warning", "critical", "unknown" for an exit status (0-3;
 * send's stage exits 10-21 are "critical", anything else "unknown"). */
const char *mx_rep_exit_name(enum mx_exit e);

/* Host indices of a target in MX preference order (stable; pref -1
 * last); malloc'ed array of t->nhosts. */
size_t *mx_rep_host_order(const struct mx_target *t);

#endif
