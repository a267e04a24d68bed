/*
 * nagios.h - `check --nagios`: the monitoring-plugins output contract.
 *
 * Purpose: render a judged struct mx_run as one status line
 *   MXPROBE OK|WARNING|CRITICAL|UNKNOWN - <summary>|<perfdata>
 * then one long-output line per finding above info ("[SEVERITY] id at
 * where: evidence").  The status word is the run's exit status; the
 * summary names the worst findings (at most MX_NAGIOS_MAX_IDS, "+N
 * more") and where they were seen.  Perfdata, in the guidelines' syntax
 * 'label'=value[UOM];[warn];[crit];[min];[max]:
 *   time=<s>s;;;0                  the run's wall time
 *   days_left=<n>;<w>:;<c>:;;      fewest days left of any leaf (omitted
 *                                  when no leaf was seen; <c>: only with -c)
 *   '<addr>:<port> <step>'=<n>ms;;;0   step durations of each endpoint
 *                                  (connect, greeting, ehlo, starttls,
 *                                  tls; only steps that ran), labels made
 *                                  unique with "#2", "#3"...
 * Nothing is judged here: the status, the days left and the thresholds
 * come from the analyzers (model/result.h).
 * Ownership: the run is borrowed.  Text from the model is already escaped
 * ASCII; '|' and control bytes are replaced so the line stays one line.
 * Returns 0, or -1 when writing failed.
 */
#ifndef MX_REPORTS_NAGIOS_H
#define MX_REPORTS_NAGIOS_H

#include <stdio.h>

#include "model/result.h"

#define MX_NAGIOS_MAX_IDS 3

int mx_report_nagios(FILE *fp, const struct mx_run *run);

/* The status word of an exit status: "OK", "WARNING", "CRITICAL",
 * "UNKNOWN". */
const char *mx_nagios_status_word(enum mx_exit e);

#endif
