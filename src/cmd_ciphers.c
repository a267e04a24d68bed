/*
 * cmd_ciphers.c - `mxprobe ciphers TARGET...`: wiring only.
 *
 * Probes the targets like `check` (DNS, SMTP, one TLS handshake per
 * endpoint: the facts the enumeration reuses), then enumerates every
 * endpoint whose TLS handshake was attempted (probe/enum.h), runs the
 * clients step, analyzes, and prints per endpoint the suites per version
 * in server order with key exchange, bits and grade, the groups, the
 * client table and advice, then the findings (reports/ciphers.h); with
 * --json the full report, each endpoint with its "enumeration".
 * Exit status as `check` (0 OK, 1 warning, 2 critical, 3 unknown).
 */
#include <stdio.h>

#include "reports/ciphers.h"
#include "reports/json.h"
#include "reports/nagios.h"
#include "src/commands.h"

int cmd_ciphers(struct mx_opts *o)
{
	struct mx_run *run;
	struct mx_ciphers_opts co = {0, 1};
	FILE *out, *early = NULL, *jf = NULL;
	struct mx_opts jo;
	int status;

	if (o->nargs < 1) {
		fprintf(stderr, "mxprobe ciphers: name a target (try 'mxprobe "
				"ciphers --help')\n");
		return 3;
	}
	run = mx_cli_build_run(o);
	if (run == NULL)
		return 3;
	/* A bare name is the server to look at: no MX lookup, no
	 * dns.no_mx (issue 11 point 5). */
	mx_cli_names_are_hosts(run);
	if (o->junit && (jf = mx_cli_open_junit(o, &jo)) == NULL) {
		mx_run_free(run);
		return 3;
	}
	/* --capture drops privileges once the device is open: the
	 * report file is opened before that. */
	if (o->capture && (early = mx_cli_open_output(o)) == NULL) {
		mx_cli_abort_output(jf, &jo);
		mx_run_free(run);
		return 3;
	}
	if (mx_cli_run(run, o, MX_PROBE_TLS_ONLY | MX_PROBE_ENUM) < 0) {
		mx_cli_abort_output(early, o);
		mx_cli_abort_output(jf, &jo);
		mx_run_free(run);
		return 3;
	}
	out = early ? early : mx_cli_open_output(o);
	if (out == NULL) {
		mx_cli_abort_output(jf, &jo);
		mx_run_free(run);
		return 3;
	}
	if (o->nagios) {
		mx_report_nagios(out, run);
	} else if (o->json) {
		mx_report_json(out, run);
	} else {
		co.color = mx_cli_use_color(out, o);
		mx_report_ciphers(out, run, &co);
	}
	status = (int)run->exit_status;
	if (mx_cli_close_output(out, o) < 0)
		status = 3;
	if (jf && mx_cli_close_junit(jf, &jo, run) < 0)
		status = 3;
	mx_run_free(run);
	return status;
}
