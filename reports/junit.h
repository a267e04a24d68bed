/*
 * junit.h - `check --junit FILE`: the run as JUnit XML for CI servers.
 *
 * Purpose: render a judged struct mx_run in the common JUnit schema
 * (tests/data/junit/junit.xsd):
 *   <testsuites name="mxprobe" tests failures errors skipped time>
 *     <testsuite name=TARGET tests failures errors skipped time timestamp>
 *       <testcase classname="mxprobe.TARGET.ADDR:PORT" name=CHECK time>
 * Per endpoint, one testcase per summary column (connect, greeting, ehlo,
 * starttls, tls, certificate, name, dane): a column the probe did not
 * reach is <skipped/>, a failed one (a critical finding) a <failure>;
 * then one testcase per finding id seen (name = the id): critical ->
 * <failure message type=id>, unknown -> <error>, warning and info ->
 * <system-out> lines.  Target findings (DNS, MTA-STS) go to classname
 * "mxprobe.TARGET" the same way; a target with no endpoint gets one
 * "endpoints" testcase that is skipped (nothing was tested).
 * Nothing is judged here: verdicts and severities come from the
 * analyzers.
 * Ownership: the run is borrowed.  Every text is XML-escaped (& < > " '),
 * control and non-ASCII bytes become '?', so the document is well-formed
 * UTF-8 whatever the peers sent.
 * Returns 0, or -1 when writing failed.
 */
#ifndef MX_REPORTS_JUNIT_H
#define MX_REPORTS_JUNIT_H

#include <stdio.h>

#include "model/result.h"

int mx_report_junit(FILE *fp, const struct mx_run *run);

/* XML-escape s into fp (exposed for tests). */
void mx_junit_escape(FILE *fp, const char *s);

#endif
