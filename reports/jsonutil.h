/*
 * jsonutil.h - the JSON renderers' one set of helpers (internal to
 * reports/) and the one envelope every command's document starts with.
 *
 * Purpose: json.c (check, ciphers), ciphers.c and clients.c (the
 * "enumeration"), send.c (send, policy), headers.c, queue.c and the certs
 * report build their documents through these, so null handling, the
 * non-UTF-8 guard, times and the envelope are the same everywhere.
 * API: a sticky error context (struct mx_jc): every builder marks it when
 * jansson fails to allocate, mx_j_set()/mx_j_push() steal their value
 * also on failure; mx_j_envelope() starts a document, mx_j_dump() writes
 * and frees it.
 * Envelope (doc/json.md "Envelope"): schema
 * ("https://mxprobe.invalid/schema/<command>/<version>"), schema_version,
 * tool {name, version}, started (ISO 8601 UTC), status (ok, warning,
 * critical, unknown), exit_status (0-3); the command's data follows.
 * Ownership: values returned are new references.
 * Limits: strings that are not valid UTF-8 are written with every byte
 * outside printable ASCII replaced by '?' (model text is escaped ASCII
 * already; this is the last guard).
 */
#ifndef MX_REPORTS_JSONUTIL_H
#define MX_REPORTS_JSONUTIL_H

#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "model/finding.h"

struct mx_jc {
	int err; /* sticky: building the document failed */
};

#define MX_J_SCHEMA_BASE "https://mxprobe.invalid/schema/"

json_t *mx_j_chk(struct mx_jc *c, json_t *j);
/* o[key] = v (v stolen, also on failure). */
void mx_j_set(struct mx_jc *c, json_t *o, const char *key, json_t *v);
/* a += v (v stolen, also on failure). */
void mx_j_push(struct mx_jc *c, json_t *a, json_t *v);
/* A string, or null for NULL. */
json_t *mx_j_str(struct mx_jc *c, const char *s);
json_t *mx_j_int(struct mx_jc *c, long long v);
json_t *mx_j_bool(struct mx_jc *c, int v);
/* 1 / 0 / -1 as true / false / null. */
json_t *mx_j_tri(struct mx_jc *c, int v);
/* ISO 8601 UTC, or null when t cannot be represented. */
json_t *mx_j_time(struct mx_jc *c, time_t t);
json_t *mx_j_null(struct mx_jc *c);
json_t *mx_j_obj(struct mx_jc *c);
json_t *mx_j_arr(struct mx_jc *c);
/* An array of strings. */
json_t *mx_j_strv(struct mx_jc *c, char *const *v, size_t n);

/* The one shape of a finding in every document: id, severity,
 * default_severity, title, where, evidence, fix, reference. */
json_t *mx_j_finding(struct mx_jc *c, const struct mx_finding *f);
/* A list of them (NULL: []). */
json_t *mx_j_findings(struct mx_jc *c, const struct mx_findings *fs);

/* A new document with the envelope of `command` (check, ciphers, certs,
 * send, policy, headers, queue) filled in; the caller adds its data. */
json_t *mx_j_envelope(struct mx_jc *c, const char *command, int schema_version,
		      const char *tool_version, time_t started,
		      int exit_status);

/* Writes root indented by 2, ASCII only, and a newline; frees root.
 * -1 when building (c->err) or writing failed: then nothing is written
 * from a failed build. */
int mx_j_dump(struct mx_jc *c, FILE *out, json_t *root);

#endif
