/*
 * queue.h - `mxprobe queue`: a relay spool as text or JSON.
 *
 * Purpose: render a judged struct mx_queue_view (model/queue.h, judged by
 * analyzers/queue.h): every message in queue/ with MID, envelope, size,
 * age, attempts, next attempt, last error and its "why"; dead/ with the
 * bounce reason; corrupt/ file names.
 * JSON (jansson): {"spool", "now", "queue": [{"mid", "readable", "size",
 * "from", "rcpts", "created", "attempts", "next_attempt", "next_in_s",
 * "last_error", "state", "why"}], "dead": [{"mid", "readable", "size",
 * "from", "rcpts", "created", "attempts", "reason"}], "corrupt": [NAME]}.
 * Times are Unix seconds.
 * Ownership: the view is borrowed.  Envelope text is spool data and is
 * escaped (common/escape.h) before it is shown either way.
 * Limits: MX_QUEUE_TEXT_MAX octets of any one envelope text.
 * Returns 0, or -1 when writing failed.
 */
#ifndef MX_REPORTS_QUEUE_H
#define MX_REPORTS_QUEUE_H

#include <stdio.h>

#include "model/queue.h"

#define MX_QUEUE_TEXT_MAX 600

/* doc/mxprobe-queue.schema.json */
#define MX_QUEUE_SCHEMA_VERSION 1

/* The envelope's started is v->now and its exit status v->exit_status;
 * the text ends with the status line. */
int mx_report_queue_text(FILE *out, const struct mx_queue_view *v,
			 const char *tool_version, int color);
int mx_report_queue_json(FILE *out, const struct mx_queue_view *v,
			 const char *tool_version);

#endif
