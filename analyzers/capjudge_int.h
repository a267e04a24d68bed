/*
 * capjudge_int.h - what the files of the capture judgement share (not a
 * public API: analyzers/capjudge.h is).
 *
 * analyzers/capjudge.c        per-session TCP, TLS and key-exchange rules,
 *                             the helpers below
 * analyzers/capjudge_smtp.c   the SMTP rules
 * analyzers/capjudge_cross.c  across sessions, and the capture itself
 */
#ifndef MX_ANALYZERS_CAPJUDGE_INT_H
#define MX_ANALYZERS_CAPJUDGE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "model/capture.h"
#include "model/finding.h"

/* Append printf text to b (size n), never past its end. */
void cj_cat(char *b, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "137 us" / "3 ms". */
void cj_delay_text(int64_t us, char *out, size_t outlen);
/* What a hello offered, in a few words. */
void cj_hello_text(const struct mx_cap_hello *h, char *b, size_t n);
void cj_rule_smtp(const struct mx_capsess *s, struct mx_findings *out,
		  const char *where);

#endif
