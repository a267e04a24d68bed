/*
 * history.h - `mxprobe history`: stored results and their drift, as text
 * (reports/history_text.c) or JSON (reports/history_json.c).
 *
 * Purpose: render what the history store (store/history.h) gave back:
 * snapshots (model/snapshot.h) grouped by endpoint key (keys in
 * alphabetical order), each endpoint's probes newest first with time,
 * worst state, TLS version and suite, temp key, certificate days left
 * (counted at that probe's time), serial, and the drift findings judged
 * when the probe was stored, each with its value before and after.
 * Text: the one finding layout (reports/textutil.h) for drift, the one
 * closing status line.  JSON: the one envelope, schema
 * doc/mxprobe-history.schema.json (doc/history.md).
 * Ownership: the view and its snapshots are borrowed.
 * Limits: the strings are the store's (printable ASCII, capped); the
 * text guard and the JSON ASCII guard apply anyway.
 * Returns 0, or -1 when writing (or building the JSON) failed.
 */
#ifndef MX_REPORTS_HISTORY_H
#define MX_REPORTS_HISTORY_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "model/snapshot.h"

/* doc/mxprobe-history.schema.json */
#define MX_HISTORY_JSON_SCHEMA_VERSION 1

struct mx_history_view {
	const char *file;  /* the history file as named (escaped here) */
	int file_schema;   /* its PRAGMA user_version */
	const char *match; /* TARGET as the user wrote it, or NULL */
	time_t since;	   /* 0: everything */
	time_t now;	   /* when the file was read: the envelope's started */
	const struct mx_snapshot *const *v; /* newest first */
	size_t n;
	int truncated;	 /* more matched than were read: the oldest left out */
	int exit_status; /* decided by the caller (src/cmd_history.c) */
};

int mx_report_history_text(FILE *out, const struct mx_history_view *v,
			   const char *tool_version, int color);
int mx_report_history_json(FILE *out, const struct mx_history_view *v,
			   const char *tool_version);

/* Internal to the two renderers: the indices of v->v grouped by
 * endpoint key (keys in strcmp order, each key's probes in the given
 * order: newest first), as a malloc'ed array of v->n; *starts gets the
 * first index of each group (malloc'ed, *ngroups entries). */
size_t *mx_history_groups(const struct mx_history_view *v, size_t **starts,
			  size_t *ngroups);

#endif
