/*
 * textutil.h - the text renderers' one set of output helpers (internal
 * to reports/): the guard that keeps anything but printable ASCII off
 * the terminal, formatted output through it, labelled fields with
 * indented continuation lines, and the ANSI colours.
 *
 * Purpose: text.c, ciphers.c, clients.c, send.c (and the queue and
 * headers reports) print through these, so escaping, indentation and
 * colour work the same in every command's text.
 * API: mx_out_text(), mx_out_fmt(), mx_out_field(), mx_nz(), mx_upper();
 * mx_out_finding() / mx_out_findings(): the one finding layout;
 * mx_out_twins() / mx_out_findings_grouped(): an MX's IPv4 and IPv6
 * endpoints that say the same, shown once;
 * mx_colour_on() / mx_colour_off() write a colour only when `color` is
 * set; mx_colour_code() / mx_colour_reset() give the sequence (or "")
 * for use inside one fprintf; mx_severity_colour() is the one colour of
 * each severity.
 * Ownership: nothing is kept; strings are borrowed for the call.
 * Limits: model text is escaped already (common/escape.h); this is the
 * renderers' own guard: a byte outside 0x20..0x7e other than '\n' is
 * written as '?', so a stray ESC can never reach the terminal.  ANSI
 * sequences are written only by the colour helpers.
 */
#ifndef MX_REPORTS_TEXTUTIL_H
#define MX_REPORTS_TEXTUTIL_H

#include <stddef.h>
#include <stdio.h>

#include "model/finding.h"
#include "model/result.h"

enum mx_colour {
	MX_C_NONE = 0,
	MX_C_GREEN,
	MX_C_YELLOW,
	MX_C_RED,
	MX_C_MAGENTA,
	MX_C_CYAN,
	MX_C_BOLD,
};

/* Printable ASCII and '\n' pass; anything else becomes '?'. */
void mx_out_text(FILE *out, const char *s);
/* printf through mx_out_text() (any length). */
void mx_out_fmt(FILE *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "<indent><label padded to 14> value"; the continuation lines of a
 * multi-line value (replies joined by '\n') are indented under it. */
void mx_out_field(FILE *out, const char *indent, const char *label,
		  const char *value);
/* s, or dflt when s is NULL or empty. */
const char *mx_nz(const char *s, const char *dflt);

const char *mx_colour_code(int color, enum mx_colour c);
const char *mx_colour_reset(int color, enum mx_colour c);
void mx_colour_on(FILE *out, int color, enum mx_colour c);
void mx_colour_off(FILE *out, int color, enum mx_colour c);
enum mx_colour mx_severity_colour(enum mx_severity s);

/* in, upper-cased ASCII, cut to len. */
void mx_upper(const char *in, char *out, size_t len);

/* The one layout of a finding in every command's text:
 *
 *   CRITICAL cert.expired  mx1.lab.test [127.0.0.31]:25
 *     <title>
 *     Evidence:      <evidence, continuation lines indented>
 *     Fix:           <specific fix, else the catalogue's>
 *     Reference:     <reference>
 *
 * preceded by an empty line; the severity word in its colour.
 * mx_out_findings() writes "\nFindings:" and " none" or the findings in
 * the order given (mx_rep_sorted_findings() sorts them). */
void mx_out_finding(FILE *out, int color, const struct mx_finding *f);
void mx_out_findings(FILE *out, int color, const struct mx_finding *const *v,
		     size_t n);

/* The one closing line of every command's text, always last:
 * "\nStatus: CRITICAL (exit 2)\n", the word in its colour. */
void mx_out_status(FILE *out, int color, int exit_status);

/* An MX's IPv4 and IPv6 endpoints that say the same (issue 11 point 5):
 * the same host, port and mode, verdicts, replies, TLS result, chain as
 * sent, DANE records and findings; timings aside.  Not enumerated ones
 * (their tables are shown apart). */
int mx_out_same_answers(const struct mx_endpoint *a,
			const struct mx_endpoint *b);
/* For each endpoint of t the index of its twin (mx_out_same_answers),
 * or (size_t)-1; malloc'ed. */
size_t *mx_out_twins(const struct mx_target *t);
/* mx_out_findings, with a finding of twin endpoints shown once, where
 * naming both addresses (the JSON keeps both). */
void mx_out_findings_grouped(FILE *out, int color, const struct mx_target *t,
			     const size_t *twins,
			     const struct mx_finding *const *v, size_t n);

#endif
