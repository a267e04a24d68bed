/*
 * wire_text.h - what --capture adds to the text reports of check and
 * ciphers: per endpoint, the wire timeline of every connection the
 * analyzers marked (s->show_timeline: it failed or ended unexpectedly),
 * and one line about the capture itself.
 *
 * Renderers only render: the choice of connections is the analyzers'
 * (analyzers/capcorr.c), the timeline lines are reports/capture_text.c's.
 */
#ifndef MX_REPORTS_WIRE_TEXT_H
#define MX_REPORTS_WIRE_TEXT_H

#include <stdio.h>

#include "model/result.h"

/* At most this many timelines per endpoint; the rest are counted. */
#define MX_WIRE_TEXT_MAX 4

void mx_report_wire_endpoint(FILE *out, int color,
			     const struct mx_endpoint *ep);
/* "Capture: lo, 48 frames, 12 TCP flows, 0 dropped; packets in F" */
void mx_report_wire_summary(FILE *out, const struct mx_run *run);

#endif
