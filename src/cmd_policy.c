/*
 * cmd_policy.c - `mxprobe policy TARGET`: one probe (as `check` does it),
 * a TLSA lookup per MX host, then every delivery TLS policy level judged
 * against every endpoint by analyzers/policy.c: would deliver encrypted,
 * would deliver in clear, or would defer, and why (the findings and the
 * status from analyzers/policy_explain.c, the TLSA RRsets from
 * probe/tlsa.c).  Wiring only.
 *
 * Exit status (doc/exit-status.md): 0 an authenticated level (verify,
 * secure or dane) delivers to every endpoint; 1 only unauthenticated TLS
 * (may/encrypt) everywhere; 2 some endpoint gets mail in clear text or
 * defers even at `may`; 3 nothing could be tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "analyzers/mtasts.h"
#include "analyzers/policy.h"
#include "analyzers/policy_explain.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "model/where.h"
#include "probe/dns.h"
#include "probe/tlsa.h"
#include "reports/send.h"
#include "src/commands.h"
#include "wire/smtp.h"

static void tlsa_done(void *arg, struct mx_tlsa_lookup *l)
{
	(void)l;
	event_base_loopbreak(arg);
}

/* TLSA for every endpoint (probe/tlsa.h) on a loop of its own: the probe
 * above has finished with its loop.  NULL when nothing could be set up
 * (every endpoint then stays MX_TLSA_NOT_LOOKED_UP). */
static struct mx_tlsa_lookup *lookup_tlsa(const struct mx_opts *o,
					  const struct mx_target *t)
{
	struct event_base *base = event_base_new();
	struct mx_tlsa_lookup *l = NULL;
	struct mx_dns_params dp;
	struct mx_dns *dns;
	char err[256];

	if (base == NULL)
		return NULL;
	memset(&dp, 0, sizeof(dp));
	dp.resolver = o->resolver;
	dp.trust_anchor = o->trust_anchor;
	dp.timeout_ms = 5000;
	dns = mx_dns_new(base, &dp, err, sizeof(err));
	l = mx_tlsa_lookup_new(base, dns, t, tlsa_done, base);
	if (l != NULL)
		event_base_dispatch(base);
	mx_dns_free(dns);
	event_base_free(base);
	return l;
}

int cmd_policy(struct mx_opts *o)
{
	struct mx_run *run;
	struct mx_target *t;
	struct mx_policy_row *rows;
	struct mx_tlsa_lookup *tl;
	struct mx_policy_report rep;
	struct mx_findings fs = {0};
	FILE *out;
	size_t i;
	int status = 0;

	if (o->nargs != 1) {
		fprintf(stderr, "mxprobe policy: name exactly one target (try "
				"'mxprobe policy --help')\n");
		return 3;
	}
	run = mx_cli_build_run(o);
	if (run == NULL)
		return 3;
	if (mx_cli_probe(run, o, 0) < 0) {
		mx_run_free(run);
		return 3;
	}
	t = &run->targets[0];
	/* mta-sts: the domain's policy (fetched beside the probe) read as
	 * a sender applies it (its mode and mx patterns) */
	mx_sts_judge(t);
	rows = xcalloc(t->nendpoints + 1, sizeof(*rows));
	tl = lookup_tlsa(o, t);
	for (i = 0; i < t->nendpoints; i++) {
		struct mx_endpoint *ep = &t->endpoints[i];
		const struct mx_tlsa_result *tr = mx_tlsa_lookup_result(tl, i);
		struct mx_policy_facts f;
		char where[MX_WHERE_MAX];
		int best;

		memset(&f, 0, sizeof(f));
		f.mode = ep->mode;
		f.session_ok = ep->smtp.ehlo.state == MX_STEP_OK;
		f.starttls_offered =
			(ep->smtp.caps.flags & MX_SMTP_CAP_STARTTLS) != 0;
		f.starttls_code = ep->smtp.starttls_reply.code;
		f.tls = ep->tls.attempted ? &ep->tls : NULL;
		f.mx_host = ep->host;
		f.nexthop = t->name;
		f.match = o->nsecure_match ? o->secure_match : NULL;
		f.nmatch = (size_t)o->nsecure_match;
		f.fingerprints = o->fingerprint;
		f.nfingerprints = (size_t)o->nfingerprint;
		rows[i].tlsa = tr ? tr->state : MX_TLSA_NOT_LOOKED_UP;
		f.tlsa = rows[i].tlsa;
		f.tlsa_rr = tr ? tr->rr : NULL;
		f.ntlsa_rr = tr ? tr->nrr : 0;
		f.now = mx_wall_now();
		f.sts_mode = mx_sts_sender_mode(&t->sts);
		f.sts_mx = (const char *const *)t->sts.mx;
		f.nsts_mx = t->sts.nmx;
		rows[i].host = ep->host;
		rows[i].addr = ep->addr;
		rows[i].port = ep->port;
		rows[i].pref = ep->pref;
		rows[i].tls_version = ep->tls.completed ? ep->tls.version
							: NULL;
		rows[i].tls_suite = ep->tls.completed ? ep->tls.suite_iana
						      : NULL;
		mx_policy_judge_all(&f, rows[i].v);
		mx_endpoint_where_buf(where, sizeof(where), ep);
		best = mx_policy_explain_endpoint(&fs, where, rows[i].v,
						  rows[i].tlsa);
		if (best > status)
			status = best;
	}
	if (t->nendpoints == 0)
		status = 3;
	memset(&rep, 0, sizeof(rep));
	rep.target = t->spec;
	rep.tool_version = PACKAGE_VERSION;
	rep.started = run->started;
	rep.exit_status = status;
	rep.rows = rows;
	rep.nrows = t->nendpoints;
	rep.findings = &fs;
	out = mx_cli_open_output(o);
	if (out == NULL) {
		status = 3;
	} else {
		if (o->json)
			mx_report_policy_json(out, &rep);
		else
			mx_report_policy_text(out, &rep,
					      mx_cli_use_color(out, o));
		if (mx_cli_close_output(out, o) < 0)
			status = 3;
	}
	mx_tlsa_lookup_free(tl);
	free(rows);
	mx_findings_clear(&fs);
	mx_run_free(run);
	return status;
}
