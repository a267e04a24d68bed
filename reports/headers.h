/*
 * headers.h - `mxprobe headers FILE`: a message's Received chain (oldest
 * hop first) with TLS per hop and the delay between hops, and its
 * (ARC-)Authentication-Results, as text or JSON.
 *
 * Purpose: render the model of a header section (model/headers.h, which
 * analyzers/headers.c fills from what wire/mailhdr.c parsed); nothing is
 * judged here.
 * JSON (jansson, ASCII only): {"file", "status", "hops": [{"from",
 * "from_ip", "by", "with", "tls", "tls_version", "tls_cipher",
 * "authenticated", "date", "delay_s"}], "total_delay_s",
 * "authentication_results": [{"arc", "instance", "authserv_id",
 * "methods": [{"method", "result", "reason", "properties": {}}]}]}.
 * Ownership: h and file are borrowed.  Every string of h is escaped by
 * the parser already; the text goes through reports/textutil.h's guard.
 * `file` is the caller's (a path given on the command line).
 * Returns 0, or -1 when writing failed.
 */
#ifndef MX_REPORTS_HEADERS_H
#define MX_REPORTS_HEADERS_H

#include <stdio.h>

#include "reports/util.h"
#include "model/headers.h"

/* doc/mxprobe-headers.schema.json */
#define MX_HEADERS_SCHEMA_VERSION 1

/* m: the envelope of the JSON, the status line of the text (m->color
 * is not used: nothing here is coloured but the status). */
int mx_report_headers_text(FILE *out, const struct mx_headers *h,
			   const char *file, const struct mx_rep_meta *m);
int mx_report_headers_json(FILE *out, const struct mx_headers *h,
			   const char *file, const struct mx_rep_meta *m);

#endif
