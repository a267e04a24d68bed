/*
 * severity.h - the one order of severities (enum mx_severity lives in
 * model/finding.h).
 *
 * Purpose: "worst" of a set of findings, the exit status and the display
 * order of findings all follow one precedence:
 *   critical > warning > unknown > info > ok
 * (unknown - "could not test" - outranks info but never a real warning).
 * API: mx_severity_rank() (higher is worse), mx_severity_worse() (the
 * worse of two), mx_severity_cmp() (a qsort-style display order, worst
 * first).
 * Ownership / limits: pure functions; an out-of-range value ranks as
 * unknown.
 */
#ifndef MX_MODEL_SEVERITY_H
#define MX_MODEL_SEVERITY_H

#include "model/finding.h"

int mx_severity_rank(enum mx_severity s);
enum mx_severity mx_severity_worse(enum mx_severity a, enum mx_severity b);
/* < 0 when a is shown before b (a is worse), 0 when equal, > 0 after. */
int mx_severity_cmp(enum mx_severity a, enum mx_severity b);

#endif
