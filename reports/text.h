/*
 * text.h - the text report: a CheckTLS-like summary table per target,
 * then per-endpoint details, the transcript if asked, the findings sorted
 * by severity with evidence and fix, the confidence and the status line.
 *
 * Reads the model only (no verdict is recomputed here).  Output is plain
 * ASCII: model text is escaped already, and any byte outside printable
 * ASCII that still arrives is shown as '?'.  ANSI colour only when
 * opts.color is set (the caller decides: isatty(fileno(out)) and no
 * NO_COLOR in the environment).
 *
 * Returns 0, or -1 when writing to `out` failed.
 */
#ifndef MX_REPORTS_TEXT_H
#define MX_REPORTS_TEXT_H

#include <stdio.h>

#include "model/result.h"

struct mx_text_opts {
	int color;	/* ANSI colours */
	int transcript; /* the SMTP/TLS transcript per endpoint */
	int details;	/* greeting, EHLO, TLS, chain per endpoint */
};

int mx_report_text(FILE *out, const struct mx_run *run,
		   const struct mx_text_opts *o);
/* The same without the closing status line, for a caller that appends
 * more (check --deep, --send-test) and then closes the report with
 * mx_report_status(). */
int mx_report_text_body(FILE *out, const struct mx_run *run,
			const struct mx_text_opts *o);
/* The one closing line of every command's text, always last:
 * "\nStatus: CRITICAL (exit 2)\n" (mx_out_status(), textutil.h). */
void mx_report_status(FILE *out, int color, int exit_status);

#endif
