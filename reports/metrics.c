/*
 * metrics.c - one probe run in the Prometheus text exposition format
 * (see metrics.h).
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "model/where.h"
#include "reports/metrics.h"

void mx_metrics_label(FILE *out, const char *v)
{
	for (; v != NULL && *v; v++) {
		if (*v == '\\')
			fputs("\\\\", out);
		else if (*v == '"')
			fputs("\\\"", out);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

static void family(FILE *out, const char *name, const char *type,
		   const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void lbl(FILE *out, const char *sep, const char *name, const char *v)
{
	fprintf(out, "%s%s=\"", sep, name);
	mx_metrics_label(out, v);
	fputc('"', out);
}

static const char *ep_name(char *buf, size_t len, const struct mx_endpoint *ep)
{
	return mx_endpoint_where_buf(buf, len, ep);
}

static int ep_reached(const struct mx_endpoint *ep)
{
	if (ep->mode == MX_MODE_PLAIN)
		return ep->smtp.stop == MX_STOP_NONE;
	return ep->tls.completed;
}

int mx_metrics_success(const struct mx_run *run)
{
	size_t i, j, n = 0;

	if (run->interrupted)
		return 0;
	for (i = 0; i < run->ntargets; i++) {
		const struct mx_target *t = &run->targets[i];

		for (j = 0; j < t->nendpoints; j++, n++)
			if (!ep_reached(&t->endpoints[j]))
				return 0;
	}
	return n > 0;
}

/* "TLSv1.3" -> "TLS 1.3" (blackbox_exporter's spelling) */
static void tls_version(char *buf, size_t len, const char *v)
{
	if (strncmp(v, "TLSv", 4) == 0)
		snprintf(buf, len, "TLS %s", v + 4);
	else if (strncmp(v, "SSLv", 4) == 0)
		snprintf(buf, len, "SSL %s", v + 4);
	else
		snprintf(buf, len, "%s", v);
}

#define FOR_EACH_EP(run, t, ep, i, j)                                          \
	for (i = 0; i < (run)->ntargets; i++)                                  \
		for (t = &(run)->targets[i], j = 0; j < t->nendpoints; j++)    \
			if ((ep = &t->endpoints[j]) != NULL)

static void cert_metrics(FILE *out, const struct mx_run *run)
{
	const struct mx_target *t;
	const struct mx_endpoint *ep;
	char w[MX_WHERE_MAX], ver[64];
	time_t earliest = 0;
	int have = 0;
	size_t i, j, k;

	FOR_EACH_EP(run, t, ep, i, j)
	for (k = 0; k < ep->tls.chain.n; k++) {
		time_t na = ep->tls.chain.v[k].not_after;

		if (!have || na < earliest)
			earliest = na;
		have = 1;
	}
	if (have) {
		family(out, "probe_ssl_earliest_cert_expiry", "gauge",
		       "Earliest expiry of any certificate sent, in Unix "
		       "seconds.");
		fprintf(out, "probe_ssl_earliest_cert_expiry %lld\n",
			(long long)earliest);
	}
	family(out, "probe_tls_version_info", "gauge",
	       "The TLS version negotiated, per endpoint.");
	FOR_EACH_EP(run, t, ep, i, j)
	if (ep->tls.completed && ep->tls.version) {
		tls_version(ver, sizeof(ver), ep->tls.version);
		fputs("probe_tls_version_info", out);
		lbl(out, "{", "endpoint", ep_name(w, sizeof(w), ep));
		lbl(out, ",", "version", ver);
		fputs("} 1\n", out);
	}
	family(out, "probe_ssl_last_chain_info", "gauge",
	       "The leaf certificate each endpoint sent.");
	FOR_EACH_EP(run, t, ep, i, j)
	if (ep->tls.chain.n > 0) {
		const struct mx_cert *c = &ep->tls.chain.v[0];

		fputs("probe_ssl_last_chain_info", out);
		lbl(out, "{", "endpoint", ep_name(w, sizeof(w), ep));
		lbl(out, ",", "fingerprint_sha256", c->sha256);
		lbl(out, ",", "subject", c->subject);
		lbl(out, ",", "issuer", c->issuer);
		lbl(out, ",", "serialnumber", c->serial);
		fputs("} 1\n", out);
	}
}

/* A finding already written (same id and place): skip the repeat. */
static int seen_before(const struct mx_findings *fs, size_t upto,
		       const struct mx_finding *f)
{
	size_t k;

	for (k = 0; k < upto; k++)
		if (strcmp(fs->v[k].def->id, f->def->id) == 0 &&
		    strcmp(fs->v[k].where ? fs->v[k].where : "",
			   f->where ? f->where : "") == 0)
			return 1;
	return 0;
}

static void findings(FILE *out, const struct mx_findings *fs, const char *place)
{
	size_t k;

	for (k = 0; k < fs->n; k++) {
		const struct mx_finding *f = &fs->v[k];

		if (seen_before(fs, k, f))
			continue;
		fputs("mxprobe_finding", out);
		lbl(out, "{", "id", f->def->id);
		lbl(out, ",", "severity", mx_severity_name(f->severity));
		lbl(out, ",", "endpoint", f->where ? f->where : place);
		fputs("} 1\n", out);
	}
}

static void step(FILE *out, const char *where, const char *name,
		 const struct mx_step *s)
{
	if (s->state != MX_STEP_OK && s->state != MX_STEP_FAILED)
		return;
	fputs("mxprobe_step_duration_seconds", out);
	lbl(out, "{", "endpoint", where);
	lbl(out, ",", "step", name);
	fprintf(out, "} %.3f\n", (double)s->ms / 1000.0);
}

static int dane_judged(const struct mx_dane *d)
{
	return d->state == MX_DANE_OK || d->state == MX_DANE_MISMATCH ||
	       d->state == MX_DANE_TA_NOT_SENT || d->state == MX_DANE_NO_TLS;
}

static void mxprobe_metrics(FILE *out, const struct mx_run *run)
{
	const struct mx_target *t;
	const struct mx_endpoint *ep;
	char w[MX_WHERE_MAX];
	size_t i, j;

	family(out, "mxprobe_finding", "gauge",
	       "A finding of the analyzers (doc/findings.md), 1 per id and "
	       "place.");
	for (i = 0; i < run->ntargets; i++) {
		t = &run->targets[i];
		findings(out, &t->findings, t->name ? t->name : t->spec);
		for (j = 0; j < t->nendpoints; j++)
			findings(out, &t->endpoints[j].findings,
				 ep_name(w, sizeof(w), &t->endpoints[j]));
	}
	family(out, "mxprobe_temp_key_size", "gauge",
	       "Size in bits of the ephemeral key exchange key, per "
	       "endpoint.");
	FOR_EACH_EP(run, t, ep, i, j)
	if (ep->tls.completed && ep->tls.temp_key_bits > 0) {
		const char *kind = ep->tls.temp_key_group
					   ? ep->tls.temp_key_group
					   : ep->tls.temp_key_type;

		fputs("mxprobe_temp_key_size", out);
		lbl(out, "{", "endpoint", ep_name(w, sizeof(w), ep));
		lbl(out, ",", "kind", kind ? kind : "unknown");
		fprintf(out, "} %d\n", ep->tls.temp_key_bits);
	}
	family(out, "mxprobe_dane_match", "gauge",
	       "1 when a usable TLSA record matches the chain (RFC 7672), 0 "
	       "when none does; absent without usable records.");
	FOR_EACH_EP(run, t, ep, i, j)
	if (dane_judged(&ep->dane)) {
		fputs("mxprobe_dane_match", out);
		lbl(out, "{", "endpoint", ep_name(w, sizeof(w), ep));
		fprintf(out, "} %d\n", ep->dane.state == MX_DANE_OK);
	}
	family(out, "mxprobe_step_duration_seconds", "gauge",
	       "Duration of each SMTP/TLS step of an endpoint's probe.");
	FOR_EACH_EP(run, t, ep, i, j)
	{
		const struct mx_smtp *s = &ep->smtp;

		ep_name(w, sizeof(w), ep);
		step(out, w, "connect", &s->connect);
		step(out, w, "banner", &s->banner);
		step(out, w, "ehlo", &s->ehlo);
		step(out, w, "starttls", &s->starttls);
		step(out, w, "tls", &s->tls);
		step(out, w, "ehlo_tls", &s->ehlo_tls);
		step(out, w, "quit", &s->quit);
	}
	family(out, "mxprobe_exit_status", "gauge",
	       "What 'mxprobe check' would exit with: 0 OK, 1 warning, 2 "
	       "critical, 3 unknown.");
	fprintf(out, "mxprobe_exit_status %d\n", (int)run->exit_status);
}

int mx_report_metrics(FILE *out, const struct mx_run *run, double duration_s)
{
	family(out, "probe_success", "gauge",
	       "1 when every endpoint of the target was reached over TLS.");
	fprintf(out, "probe_success %d\n", mx_metrics_success(run));
	family(out, "probe_duration_seconds", "gauge",
	       "How long the probe took, in seconds.");
	fprintf(out, "probe_duration_seconds %.6f\n", duration_s);
	cert_metrics(out, run);
	mxprobe_metrics(out, run);
	return ferror(out) ? -1 : 0;
}

/* ---- module=send -------------------------------------------------------- */

/* The code of the reply that failed the stage (RCPT: the first refused
 * recipient's when the stage itself holds none); 0 when none came. */
static int failed_code(const struct mx_send_attempt *a, enum mx_send_stage st)
{
	size_t i;

	if (a->stage[st].reply.code > 0)
		return a->stage[st].reply.code;
	if (st == MX_SEND_STAGE_RCPT)
		for (i = 0; i < a->nrcpts; i++)
			if (!a->rcpts[i].accepted &&
			    a->rcpts[i].st.reply.code > 0)
				return a->rcpts[i].st.reply.code;
	return 0;
}

static void send_tls(FILE *out, const struct mx_send_attempt *a, const char *w)
{
	char ver[64];
	size_t k;
	time_t earliest = 0;

	for (k = 0; a != NULL && k < a->tls.chain.n; k++)
		if (k == 0 || a->tls.chain.v[k].not_after < earliest)
			earliest = a->tls.chain.v[k].not_after;
	if (a != NULL && a->tls.chain.n > 0) {
		family(out, "probe_ssl_earliest_cert_expiry", "gauge",
		       "Earliest expiry of any certificate sent, in Unix "
		       "seconds.");
		fprintf(out, "probe_ssl_earliest_cert_expiry %lld\n",
			(long long)earliest);
	}
	family(out, "probe_tls_version_info", "gauge",
	       "The TLS version negotiated for the delivery.");
	if (a != NULL && a->tls.completed && a->tls.version) {
		tls_version(ver, sizeof(ver), a->tls.version);
		fputs("probe_tls_version_info", out);
		lbl(out, "{", "endpoint", w);
		lbl(out, ",", "version", ver);
		fputs("} 1\n", out);
	}
	family(out, "probe_ssl_last_chain_info", "gauge",
	       "The leaf certificate the delivery's server sent.");
	if (a != NULL && a->tls.chain.n > 0) {
		const struct mx_cert *c = &a->tls.chain.v[0];

		fputs("probe_ssl_last_chain_info", out);
		lbl(out, "{", "endpoint", w);
		lbl(out, ",", "fingerprint_sha256", c->sha256);
		lbl(out, ",", "subject", c->subject);
		lbl(out, ",", "issuer", c->issuer);
		lbl(out, ",", "serialnumber", c->serial);
		fputs("} 1\n", out);
	}
}

static void send_stages(FILE *out, const struct mx_send_result *r,
			const struct mx_send_attempt *a)
{
	int st;

	family(out, "mxprobe_send_stage_duration_seconds", "gauge",
	       "Duration of each stage of the delivery (the deciding "
	       "attempt).");
	for (st = MX_SEND_STAGE_RESOLVE; a != NULL && st < MX_SEND_STAGE__N;
	     st++) {
		const struct mx_step *s = &a->stage[st].step;

		if (s->state != MX_STEP_OK && s->state != MX_STEP_FAILED)
			continue;
		fputs("mxprobe_send_stage_duration_seconds", out);
		lbl(out, "{", "stage", mx_send_stage_name(st));
		fprintf(out, "} %.3f\n", (double)s->ms / 1000.0);
	}
	family(out, "mxprobe_send_failed_stage", "gauge",
	       "1 for the stage at which the delivery failed; absent when it "
	       "did not.");
	if (r->failed_stage != MX_SEND_STAGE_NONE) {
		fputs("mxprobe_send_failed_stage", out);
		lbl(out, "{", "stage", mx_send_stage_name(r->failed_stage));
		fputs("} 1\n", out);
	}
	family(out, "mxprobe_send_reply_code", "gauge",
	       "The SMTP reply code that failed the delivery, by stage; absent "
	       "when no reply came.");
	if (r->failed_stage != MX_SEND_STAGE_NONE && a != NULL &&
	    failed_code(a, r->failed_stage) > 0) {
		fputs("mxprobe_send_reply_code", out);
		lbl(out, "{", "stage", mx_send_stage_name(r->failed_stage));
		fprintf(out, "} %d\n", failed_code(a, r->failed_stage));
	}
}

int mx_report_send_metrics(FILE *out, const struct mx_send_metrics *m)
{
	const struct mx_send_result *r = m->r;
	const struct mx_send_attempt *a = mx_send_result_final(r);
	char w[MX_WHERE_MAX];

	if (a != NULL)
		mx_where(w, sizeof(w), a->host, a->addr, (unsigned)a->port);
	family(out, "probe_success", "gauge",
	       "1 when the test message was accepted for every recipient.");
	fprintf(out, "probe_success %d\n", r->status == MX_SEND_DELIVERED);
	family(out, "probe_duration_seconds", "gauge",
	       "How long the probe took, in seconds.");
	fprintf(out, "probe_duration_seconds %.6f\n", m->duration_s);
	family(out, "mxprobe_send_delivered", "gauge",
	       "1 when the server accepted the message (DATA got 250).");
	fprintf(out, "mxprobe_send_delivered %d\n", r->delivered != 0);
	family(out, "mxprobe_send_encrypted", "gauge",
	       "1 when the delivery's session was over TLS.");
	fprintf(out, "mxprobe_send_encrypted %d\n", r->encrypted != 0);
	send_stages(out, r, a);
	send_tls(out, a, a != NULL ? w : "");
	family(out, "mxprobe_finding", "gauge",
	       "A finding of the analyzers (doc/findings.md), 1 per id and "
	       "place.");
	findings(out, &r->findings, r->nexthop ? r->nexthop : "");
	if (m->e2e_checked) {
		family(out, "mxprobe_send_arrived", "gauge",
		       "1 when the message was found in the --maildir "
		       "within the scrape's time.");
		fprintf(out, "mxprobe_send_arrived %d\n", m->e2e_found != 0);
	}
	if (m->e2e_found) {
		family(out, "mxprobe_end_to_end_seconds", "gauge",
		       "From the scrape's start to the message's arrival in "
		       "the --maildir.");
		fprintf(out, "mxprobe_end_to_end_seconds %.3f\n", m->e2e_s);
	}
	return ferror(out) ? -1 : 0;
}
