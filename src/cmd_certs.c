/*
 * cmd_certs.c - `mxprobe certs TARGET [--export DIR]`: wiring only.
 *
 * Probes the target like `check` (for a domain: every MX endpoint), takes
 * the first endpoint whose handshake delivered a chain, shows it, and with
 * --export writes <CN>.pem per certificate plus chain.pem.
 * Exit: 0 shown/exported, 3 no chain could be had (no TLS, failure) or
 * the export failed (e.g. a file exists and --force was not given).
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "reports/chain.h"
#include "reports/pem.h"
#include "src/commands.h"

int cmd_certs(struct mx_opts *o)
{
	struct mx_run *run;
	const struct mx_endpoint *ep = NULL;
	struct mx_export_result res;
	char err[512];
	FILE *out;
	size_t i, j;
	int rc = 0;

	if (o->nargs != 1) {
		fprintf(stderr, "mxprobe certs: name exactly one target (try "
				"'mxprobe certs --help')\n");
		return 3;
	}
	run = mx_cli_build_run(o);
	if (run == NULL)
		return 3;
	if (mx_cli_probe(run, o, 0) < 0) {
		mx_run_free(run);
		return 3;
	}
	for (i = 0; i < run->ntargets && ep == NULL; i++)
		for (j = 0; j < run->targets[i].nendpoints && ep == NULL; j++)
			if (run->targets[i].endpoints[j].tls.chain.n > 0)
				ep = &run->targets[i].endpoints[j];
	if (ep == NULL) {
		fprintf(stderr,
			"mxprobe certs: %s sent no certificate (no TLS "
			"handshake completed; 'mxprobe check' says why)\n",
			o->args[0]);
		mx_run_free(run);
		return 3;
	}
	memset(&res, 0, sizeof(res));
	if (o->export_dir &&
	    mx_export_chain(&ep->tls.chain, o->export_dir, o->force, &res, err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "mxprobe certs: %s\n", err);
		mx_export_result_free(&res);
		mx_run_free(run);
		return 3;
	}
	out = mx_cli_open_output(o);
	if (out == NULL) {
		rc = 3;
	} else {
		mx_report_chain(out, ep, mx_wall_now(), o->export_dir,
				o->export_dir ? &res : NULL,
				o->export_dir == NULL);
		if (mx_cli_close_output(out, o) < 0)
			rc = 3;
	}
	mx_export_result_free(&res);
	mx_run_free(run);
	return rc;
}
