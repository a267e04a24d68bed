/*
 * cmd_certs.c - `mxprobe certs TARGET [--export DIR] [--json]`: wiring
 * only.
 *
 * Probes the target like `check` (for a domain: every MX endpoint), takes
 * the first endpoint whose handshake delivered a chain, shows it, and with
 * --export writes <CN>.pem per certificate plus chain.pem.  The chain is
 * judged by the analyzers as `check` judges it
 * (mx_analyze_chain_verdict(): the cert.* findings of that endpoint).
 * Output: text (reports/chain.h), or with --json the certs document
 * (doc/mxprobe-certs.schema.json).
 * Exit as `check`: 0 the chain is fine, 1 warning (e.g. expiring soon),
 * 2 critical (untrusted, expired, name mismatch, self-signed...; or no
 * chain because the handshake failed: the endpoint's findings say why,
 * in text and JSON with an empty certificate list), 3 nothing could be
 * asked (no endpoint) or the export failed (e.g. a file exists and
 * --force was not given).
 */
#include <stdio.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "common/clock.h"
#include "model/severity.h"
#include "reports/chain.h"
#include "reports/pem.h"
#include "src/commands.h"

/* more than the catalogue has cert.* and local.* entries */
#define CERTS_MAX_FINDINGS 32

int cmd_certs(struct mx_opts *o)
{
	struct mx_run *run;
	const struct mx_endpoint *ep = NULL;
	const struct mx_finding *fv[CERTS_MAX_FINDINGS];
	struct mx_export_result res;
	struct mx_chain_report cr;
	char err[512];
	FILE *out, *early = NULL;
	size_t i, j;
	int rc;

	if (o->nargs != 1) {
		fprintf(stderr, "mxprobe certs: name exactly one target (try "
				"'mxprobe certs --help')\n");
		return 3;
	}
	run = mx_cli_build_run(o);
	if (run == NULL)
		return 3;
	/* A bare name is the server to look at: no MX lookup, no
	 * dns.no_mx (issue 11 point 5). */
	mx_cli_names_are_hosts(run);
	/* --capture drops privileges once the device is open: the
	 * report file is opened before that. */
	if (o->capture && (early = mx_cli_open_output(o)) == NULL) {
		mx_run_free(run);
		return 3;
	}
	if (mx_cli_probe(run, o, 0) < 0) {
		mx_cli_abort_output(early, o);
		mx_run_free(run);
		return 3;
	}
	for (i = 0; i < run->ntargets && ep == NULL; i++)
		for (j = 0; j < run->targets[i].nendpoints && ep == NULL; j++)
			if (run->targets[i].endpoints[j].tls.chain.n > 0)
				ep = &run->targets[i].endpoints[j];
	if (ep == NULL) {
		/* No handshake delivered a chain: report the first endpoint
		 * with what its probe found (why there is no chain), and exit
		 * as `check` would. */
		for (i = 0; i < run->ntargets && ep == NULL; i++)
			if (run->targets[i].nendpoints > 0)
				ep = &run->targets[i].endpoints[0];
		if (ep == NULL) {
			fprintf(stderr,
				"mxprobe certs: %s has no address to ask for "
				"a certificate (a bare name is one host, not "
				"a domain: 'mxprobe check %s' probes its MX "
				"hosts and says why)\n",
				o->args[0], o->args[0]);
			mx_cli_abort_output(early, o);
			mx_run_free(run);
			return 3;
		}
		fprintf(stderr,
			"mxprobe certs: %s sent no certificate (no TLS "
			"handshake completed; the findings say why)\n",
			o->args[0]);
	}
	memset(&res, 0, sizeof(res));
	if (o->export_dir &&
	    mx_export_chain(&ep->tls.chain, o->export_dir, o->force, &res, err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "mxprobe certs: %s\n", err);
		mx_export_result_free(&res);
		mx_cli_abort_output(early, o);
		mx_run_free(run);
		return 3;
	}
	memset(&cr, 0, sizeof(cr));
	if (ep->tls.chain.n > 0) {
		rc = (int)mx_analyze_chain_verdict(ep, fv, CERTS_MAX_FINDINGS,
						   &cr.nfindings);
	} else {
		/* every finding of the endpoint: they say why no chain */
		enum mx_severity worst = MX_SEV_OK;

		for (i = 0; i < ep->findings.n && i < CERTS_MAX_FINDINGS; i++) {
			fv[cr.nfindings++] = &ep->findings.v[i];
			worst = mx_severity_worse(worst,
						  ep->findings.v[i].severity);
		}
		rc = cr.nfindings > 0 ? (int)mx_exit_for_severity(worst) : 3;
	}
	if (run->interrupted) /* cut short: exit 3 (doc/exit-status.md) */
		rc = 3;
	cr.target = o->args[0];
	cr.ep = ep;
	cr.now = mx_wall_now();
	cr.dir = o->export_dir;
	cr.exported = o->export_dir ? &res : NULL;
	cr.show_pem = o->export_dir == NULL;
	cr.findings = fv;
	cr.meta.tool_version = PACKAGE_VERSION;
	cr.meta.started = run->started;
	cr.meta.exit_status = rc;
	out = early ? early : mx_cli_open_output(o);
	if (out == NULL) {
		rc = 3;
	} else {
		cr.meta.color = mx_cli_use_color(out, o);
		if ((o->json ? mx_report_chain_json(out, &cr)
			     : mx_report_chain(out, &cr)) < 0)
			rc = 3;
		if (mx_cli_close_output(out, o) < 0)
			rc = 3;
	}
	mx_export_result_free(&res);
	mx_run_free(run);
	return rc;
}
