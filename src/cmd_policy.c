/*
 * cmd_policy.c - `mxprobe policy TARGET`: one probe (as `check` does it),
 * a TLSA lookup per MX host, then every delivery TLS policy level judged
 * against every endpoint by analyzers/policy.c: would deliver encrypted,
 * would deliver in clear, or would defer, and why.  Wiring only.
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

#include "analyzers/policy.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "probe/dns.h"
#include "reports/send.h"
#include "src/commands.h"
#include "wire/smtp.h"

struct tlsa_q {
	struct mx_policy_row *row;
	struct mx_tlsa_rr *rr;
	size_t nrr;
	int *pending;
	struct event_base *base;
};

static void tlsa_cb(void *arg, const struct mx_dns_answer *ans)
{
	struct tlsa_q *q = arg;
	size_t i, n;

	if (ans->status == MX_DNS_OK)
		q->row->tlsa = ans->secure ? MX_TLSA_USABLE : MX_TLSA_INSECURE;
	else if (ans->status == MX_DNS_NODATA || ans->status == MX_DNS_NXDOMAIN)
		q->row->tlsa = ans->secure ? MX_TLSA_NONE : MX_TLSA_INSECURE;
	else
		q->row->tlsa = MX_TLSA_FAILED;
	n = ans->ntlsa > 32 ? 32 : ans->ntlsa;
	if (n > 0) {
		q->rr = xcalloc(n, sizeof(*q->rr));
		for (i = 0; i < n; i++) {
			uint8_t *d = xmalloc(ans->tlsa[i].len + 1);

			memcpy(d, ans->tlsa[i].data, ans->tlsa[i].len);
			q->rr[i].usage = ans->tlsa[i].usage;
			q->rr[i].selector = ans->tlsa[i].selector;
			q->rr[i].mtype = ans->tlsa[i].mtype;
			q->rr[i].data = d;
			q->rr[i].len = ans->tlsa[i].len;
		}
		q->nrr = n;
	}
	if (--*q->pending == 0)
		event_base_loopbreak(q->base);
}

/* TLSA for every endpoint (RFC 7672 section 2.2: _port._tcp.host). */
static void lookup_tlsa(const struct mx_opts *o, struct mx_target *t,
			struct mx_policy_row *rows, struct tlsa_q *qs)
{
	struct event_base *base = event_base_new();
	struct mx_dns_params dp;
	struct mx_dns *dns;
	char err[256], qname[300];
	int pending = 0;
	size_t i;

	if (base == NULL)
		return;
	memset(&dp, 0, sizeof(dp));
	dp.resolver = o->resolver;
	dp.trust_anchor = o->trust_anchor;
	dp.timeout_ms = 5000;
	dns = mx_dns_new(base, &dp, err, sizeof(err));
	for (i = 0; dns && i < t->nendpoints; i++) {
		struct mx_endpoint *ep = &t->endpoints[i];

		qs[i].row = &rows[i];
		qs[i].pending = &pending;
		qs[i].base = base;
		snprintf(qname, sizeof(qname), "_%u._tcp.%s",
			 (unsigned)ep->port, ep->host);
		if (mx_dns_query(dns, qname, 52, tlsa_cb, &qs[i]) == 0)
			pending++;
	}
	if (pending > 0)
		event_base_dispatch(base);
	mx_dns_free(dns);
	event_base_free(base);
	/* RFC 7672 section 2.2.1: an insecure MX lookup voids the TLSA */
	for (i = 0; i < t->nendpoints; i++)
		if (t->kind == MX_TARGET_DOMAIN && !t->mx_dnssec_secure &&
		    rows[i].tlsa != MX_TLSA_FAILED)
			rows[i].tlsa = MX_TLSA_INSECURE;
}

int cmd_policy(struct mx_opts *o)
{
	struct mx_run *run;
	struct mx_target *t;
	struct mx_policy_row *rows;
	struct tlsa_q *qs;
	struct mx_policy_report rep;
	struct mx_findings fs = {0};
	FILE *out;
	size_t i, j;
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
	rows = xcalloc(t->nendpoints + 1, sizeof(*rows));
	qs = xcalloc(t->nendpoints + 1, sizeof(*qs));
	lookup_tlsa(o, t, rows, qs);
	for (i = 0; i < t->nendpoints; i++) {
		struct mx_endpoint *ep = &t->endpoints[i];
		struct mx_policy_facts f;
		char where[600];
		int best = 2;

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
		f.tlsa = rows[i].tlsa;
		f.tlsa_rr = qs[i].rr;
		f.ntlsa_rr = qs[i].nrr;
		f.now = mx_wall_now();
		rows[i].host = ep->host;
		rows[i].addr = ep->addr;
		rows[i].port = ep->port;
		rows[i].pref = ep->pref;
		rows[i].tls_version = ep->tls.completed ? ep->tls.version
							: NULL;
		rows[i].tls_suite = ep->tls.completed ? ep->tls.suite_iana
						      : NULL;
		mx_policy_judge_all(&f, rows[i].v);
		snprintf(where, sizeof(where), "%s [%s]:%u", ep->host, ep->addr,
			 (unsigned)ep->port);
		/* what a default sender (may) and a verifying one see */
		mx_policy_add_finding(&fs, where, MX_POLICY_MAY,
				      &rows[i].v[MX_POLICY_MAY]);
		if (rows[i].v[MX_POLICY_VERIFY].reason_id) {
			mx_policy_add_finding(&fs, where, MX_POLICY_VERIFY,
					      &rows[i].v[MX_POLICY_VERIFY]);
			fs.v[fs.n - 1].severity = MX_SEV_WARN;
		}
		if (rows[i].v[MX_POLICY_VERIFY].decision ==
			    MX_POLICY_DELIVER_TLS ||
		    rows[i].v[MX_POLICY_SECURE].decision ==
			    MX_POLICY_DELIVER_TLS ||
		    (rows[i].tlsa == MX_TLSA_USABLE &&
		     rows[i].v[MX_POLICY_DANE].decision ==
			     MX_POLICY_DELIVER_TLS))
			best = 0;
		else if (rows[i].v[MX_POLICY_MAY].decision ==
			 MX_POLICY_DELIVER_TLS)
			best = 1;
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
	for (i = 0; i < t->nendpoints; i++) {
		for (j = 0; j < qs[i].nrr; j++)
			free((void *)qs[i].rr[j].data);
		free(qs[i].rr);
	}
	free(qs);
	free(rows);
	mx_findings_clear(&fs);
	mx_run_free(run);
	return status;
}
