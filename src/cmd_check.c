/*
 * cmd_check.c - `mxprobe check TARGET...`: wiring only.
 */
#include <stdio.h>

#include "reports/json.h"
#include "reports/text.h"
#include "src/commands.h"

int cmd_check(struct mx_opts *o)
{
	struct mx_run *run;
	struct mx_text_opts to = {0};
	FILE *out;
	int status;

	if (o->nargs < 1) {
		fprintf(stderr, "mxprobe check: name a target (try 'mxprobe "
				"check --help')\n");
		return 3;
	}
	run = mx_cli_build_run(o);
	if (run == NULL)
		return 3;
	if (mx_cli_probe(run, o) < 0) {
		mx_run_free(run);
		return 3;
	}
	out = mx_cli_open_output(o);
	if (out == NULL) {
		mx_run_free(run);
		return 3;
	}
	if (o->json) {
		mx_report_json(out, run);
	} else {
		to.color = mx_cli_use_color(out, o);
		to.transcript = o->transcript;
		to.details = 1;
		mx_report_text(out, run, &to);
	}
	status = (int)run->exit_status;
	if (mx_cli_close_output(out, o) < 0)
		status = 3;
	mx_run_free(run);
	return status;
}
