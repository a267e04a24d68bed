/*
 * probe_common.c - what `check` and `certs` share: targets, the probe
 * run, the analysis, the output file; and the enumeration step of
 * `ciphers` and `check --deep`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/analyze.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "probe/enum.h"
#include "probe/sched.h"
#include "probe/target.h"
#include "src/clients.h"
#include "src/commands.h"

struct mx_run *mx_cli_build_run(const struct mx_opts *o)
{
	struct mx_run *run = mx_run_new();
	char hn[256];
	int i;

	run->tool_version = xstrdup(PACKAGE_VERSION);
	if (o->helo) {
		run->helo = xstrdup(o->helo);
	} else if (gethostname(hn, sizeof(hn)) == 0 &&
		   memchr(hn, 0, sizeof(hn)) && strchr(hn, '.') != NULL) {
		run->helo = xstrdup(hn);
	} else {
		run->helo = xstrdup("mxprobe.invalid");
	}
	run->timeout_ms = o->timeout_s * 1000;
	for (i = 0; i < o->nargs; i++) {
		struct mx_target *t = mx_run_add_target(run);
		char err[256];

		if (mx_target_parse(o->args[i], t, err, sizeof(err)) < 0) {
			fprintf(stderr, "mxprobe: bad target '%s': %s\n",
				o->args[i], err);
			mx_run_free(run);
			return NULL;
		}
	}
	return run;
}

int mx_cli_probe(struct mx_run *run, const struct mx_opts *o, unsigned flags)
{
	struct event_base *base;
	struct mx_sched_params sp;
	struct mx_analyze_params ap;
	struct mx_log log;
	char err[256];
	int64_t t0 = mx_now_ms();
	int rc;

	mx_log_init(&log, stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	base = event_base_new();
	if (base == NULL) {
		fprintf(stderr, "mxprobe: cannot create the event loop\n");
		return -1;
	}
	memset(&sp, 0, sizeof(sp));
	sp.resolver = o->resolver;
	sp.trust_anchor = o->trust_anchor;
	sp.helo = run->helo;
	sp.step_timeout_ms = o->timeout_s * 1000;
	sp.endpoint_deadline_ms = o->deadline_s * 1000;
	sp.dns_timeout_ms = o->timeout_s * 1000 < 10000 ? o->timeout_s * 1000
							: 10000;
	sp.per_host = o->per_host;
	sp.tls = &mx_tls_openssl;
	sp.tls_params.ca_file = o->ca_file;
	sp.tls_params.ca_path = o->ca_path;
	/* Gather facts: complete the handshake with whatever the server
	 * offers (legacy versions, small DH groups), then judge it.  What
	 * a strict client would do is the client simulation's business. */
	sp.tls_params.security_level = 0;
	sp.tls_params.cipher_list = "ALL:@SECLEVEL=0";
	sp.tls_params.min_version = 0x0301; /* TLS 1.0 */
	sp.log = &log;
	sp.handshake_only = (flags & MX_PROBE_TLS_ONLY) != 0;
	run->started = mx_wall_now();
	rc = mx_probe_run(base, run, &sp, err, sizeof(err));
	event_base_free(base);
	if (rc < 0) {
		fprintf(stderr, "mxprobe: %s\n", err);
		return -1;
	}
	run->elapsed_ms = mx_now_ms() - t0;
	mx_analyze_params_init(&ap, mx_wall_now());
	mx_analyze_run(run, &ap);
	return 0;
}

/* Which endpoints the enumeration takes: those where the normal probe
 * got a TLS handshake going (a failed handshake is what the raw hellos
 * explain best), or only those where it completed. */
static int wants_enum(const struct mx_endpoint *ep, int completed_only)
{
	if (ep->mode == MX_MODE_PLAIN || ep->addr == NULL)
		return 0;
	return completed_only ? ep->tls.completed : ep->tls.attempted;
}

int mx_cli_enumerate(struct mx_run *run, const struct mx_opts *o,
		     int completed_only)
{
	struct mx_endpoint **eps = NULL;
	struct mx_enum_params ep;
	struct mx_analyze_params ap;
	struct mx_log log;
	char err[256];
	size_t n = 0, cap = 0, i, j;
	int64_t t0 = mx_now_ms();
	int rc = 0;

	mx_log_init(&log, stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	for (i = 0; i < run->ntargets; i++)
		for (j = 0; j < run->targets[i].nendpoints; j++) {
			struct mx_endpoint *e = &run->targets[i].endpoints[j];

			if (!wants_enum(e, completed_only))
				continue;
			MX_GROW(eps, n, cap);
			eps[n++] = e;
		}
	memset(&ep, 0, sizeof(ep));
	ep.helo = run->helo;
	ep.step_timeout_ms = o->timeout_s * 1000;
	ep.hello_timeout_ms = o->timeout_s < 10 ? o->timeout_s * 1000 : 10000;
	/* The enumeration of one endpoint costs dozens of connections: give
	 * it twice the per-endpoint deadline. */
	ep.deadline_ms = t0 + (int64_t)o->deadline_s * 2000;
	ep.log = &log;
	if (n > 0 && mx_enum_endpoints(eps, n, &ep, o->per_host, 16, err,
				       sizeof(err)) < 0) {
		fprintf(stderr, "mxprobe: %s\n", err);
		rc = -1;
	}
	/* The clients step (simulation, real handshakes, advice,
	 * intolerance) reads the enumeration. */
	for (i = 0; rc == 0 && i < n; i++)
		if (eps[i]->enumr != NULL)
			mx_cli_clients(NULL, eps[i], o, run->helo, &log);
	free(eps);
	run->elapsed_ms += mx_now_ms() - t0;
	mx_analyze_params_init(&ap, mx_wall_now());
	mx_analyze_run(run, &ap);
	return rc;
}

FILE *mx_cli_open_output(const struct mx_opts *o)
{
	FILE *fp;

	if (o->output == NULL || strcmp(o->output, "-") == 0)
		return stdout;
	fp = fopen(o->output, "w");
	if (fp == NULL)
		fprintf(stderr, "mxprobe: cannot write %s: %s\n", o->output,
			strerror(errno));
	return fp;
}

int mx_cli_close_output(FILE *fp, const struct mx_opts *o)
{
	int bad = ferror(fp);

	if (fp == stdout)
		bad |= fflush(fp) != 0;
	else
		bad |= fclose(fp) != 0;
	if (bad) {
		fprintf(stderr, "mxprobe: error writing %s\n",
			o->output ? o->output : "standard output");
		return -1;
	}
	return 0;
}

int mx_cli_use_color(FILE *fp, const struct mx_opts *o)
{
	const char *nc = getenv("NO_COLOR");

	if (o->no_color || (nc != NULL && nc[0] != '\0'))
		return 0;
	return isatty(fileno(fp));
}
