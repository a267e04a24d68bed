/*
 * json.h - the JSON report (schema doc/mxprobe-check.schema.json,
 * described in doc/json.md): every fact and every judgement of the run,
 * written with jansson, indented by 2, keys in a fixed order.
 *
 * Reads the model only.  Returns 0, or -1 when building or writing the
 * document failed.
 */
#ifndef MX_REPORTS_JSON_H
#define MX_REPORTS_JSON_H

#include <stdio.h>

#include "model/result.h"

#define MX_JSON_SCHEMA_ID "https://mxprobe.invalid/schema/check/2"
#define MX_JSON_SCHEMA_VERSION 2

int mx_report_json(FILE *out, const struct mx_run *run);
/* The same document on one line (JSON Lines: `scan`), without the
 * newline, ASCII only so it holds no raw newline; malloc'd (free()), or
 * NULL when building it failed. */
char *mx_report_json_line(const struct mx_run *run);

#endif
