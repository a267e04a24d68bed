/*
 * sts_text.h - the MTA-STS and TLS-RPT section of a domain target in the
 * text report (the facts of probe/mtasts.c, the verdict of
 * analyzers/mtasts.c; the findings repeat it with fixes).
 */
#ifndef MX_REPORTS_STS_TEXT_H
#define MX_REPORTS_STS_TEXT_H

#include <stdio.h>

#include "model/result.h"

/* Nothing when MTA-STS was not looked up for t. */
void mx_report_sts_text(FILE *out, const struct mx_target *t);

#endif
