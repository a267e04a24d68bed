/*
 * cmd_check.c - `mxprobe check TARGET...`: wiring only.
 */
#include <stdio.h>
#include <string.h>

#include "reports/ciphers.h"
#include "reports/json.h"
#include "reports/nagios.h"
#include "reports/text.h"
#include "src/commands.h"

int cmd_check(struct mx_opts *o)
{
	struct mx_run *run;
	struct mx_text_opts to = {0};
	FILE *out, *early = NULL, *jf = NULL;
	struct mx_opts jo;
	int status;

	if (o->nargs < 1) {
		fprintf(stderr, "mxprobe check: name a target (try 'mxprobe "
				"check --help')\n");
		return 3;
	}
	if (o->send_test && o->json &&
	    (o->output == NULL || strcmp(o->output, "-") == 0)) {
		fprintf(stderr, "mxprobe check: --send-test with --json needs "
				"-o FILE (the send test goes to "
				"FILE.send-test.json)\n");
		return 3;
	}
	run = mx_cli_build_run(o);
	if (run == NULL)
		return 3;
	if (o->junit && (jf = mx_cli_open_junit(o, &jo)) == NULL) {
		mx_run_free(run);
		return 3;
	}
	/* --deep: enumerate every endpoint whose TLS handshake was tried,
	 * failed ones included (versions, suites, DH groups, clients) in
	 * the same run.  Without it, an endpoint whose handshake failed
	 * without an alert (FIN, RST, silence) still gets the bisection
	 * and the tested client settings its fix names. */
	/* --capture drops privileges once the device is open: the
	 * report file is opened before that. */
	if (o->capture && (early = mx_cli_open_output(o)) == NULL) {
		mx_cli_abort_output(jf, &jo);
		mx_run_free(run);
		return 3;
	}
	if (mx_cli_run(run, o,
		       MX_PROBE_INTOLERANCE | (o->deep ? MX_PROBE_ENUM : 0)) <
	    0) {
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
		/* --nagios (issue 12): the status line replaces the report */
		mx_report_nagios(out, run);
	} else if (o->json) {
		mx_report_json(out, run);
	} else {
		to.color = mx_cli_use_color(out, o);
		to.transcript = o->transcript;
		to.details = 1;
		/* the status line closes the report, after --deep's
		 * enumeration and --send-test's delivery */
		mx_report_text_body(out, run, &to);
		if (o->deep)
			mx_report_ciphers_deep(out, run, to.color);
	}
	status = (int)run->exit_status;
	if (o->send_test) {
		/* End-to-end (issue #4): the test message through the first
		 * target, confirmed in --maildir when given.  Text: appended
		 * to the report; JSON: a second document in
		 * <output>.send-test.json (the check document stays valid). */
		const char *rcpt[1] = {o->send_test};
		FILE *sout = out;
		char path[4096];
		int st;

		if (o->json) {
			snprintf(path, sizeof(path), "%s.send-test.json",
				 o->output);
			sout = fopen(path, "w");
			if (sout == NULL) {
				fprintf(stderr, "mxprobe: cannot write %s\n",
					path);
				status = 3;
			}
		} else {
			fprintf(out, "\nSend test to %s:\n", o->send_test);
			fflush(out);
		}
		if (sout) {
			st = mx_cli_send(o, o->args[0], rcpt, 1, sout, o->json);
			if (st != 0 && status < 2)
				status = st == 3 ? 3 : 2;
			if (sout != out && fclose(sout) != 0)
				status = 3;
		}
	}
	if (!o->json && !o->nagios)
		mx_report_status(out, to.color, status);
	if (mx_cli_close_output(out, o) < 0)
		status = 3;
	if (jf && mx_cli_close_junit(jf, &jo, run) < 0)
		status = 3;
	mx_run_free(run);
	return status;
}
