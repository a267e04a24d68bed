/*
 * text.c - the text report; see text.h for the contract.
 *
 * Layout per target:
 *   === <name> ===             header: target, MX list or "no MX" /
 *                              "null MX", DNS time
 *   summary table              Pref | Host [IP]:port | Connect | Banner |
 *                              EHLO | TLS offered | TLS negotiated |
 *                              Cert | Name | DANE; cells "OK 12ms", "WARN",
 *                              "FAIL", "-" (not reached); MX order
 *   details (opts.details)     greeting, EHLO before/after TLS, TLS
 *                              parameters, chain as sent, verification
 *   transcript (opts.transcript) "-> EHLO x" / "<- 250-..." with ms
 *   findings                   sorted by severity: id, where, title,
 *                              evidence, fix, reference
 *   Confidence: N%
 * and once at the end the run's status line.
 *
 * All output goes through mx_out_text()/mx_out_fmt() (reports/textutil.h),
 * which pass printable ASCII and newlines and turn anything else into
 * '?'; ANSI sequences are written only by mx_colour_on()/_off() and only
 * with opts.color.
 */
#include "reports/sts_text.h"
#include "reports/text.h"
#include "reports/wire_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/where.h"
#include "reports/textutil.h"
#include "reports/util.h"

struct tw {
	FILE *out;
	int color;
	time_t now; /* the run's start: "days left" are relative to it */
};

/* ---- summary table ---------------------------------------------------- */

#define NCOLS (2 + MX_COL__N)
static const char *const col_head[NCOLS] = {
	"Pref",	       "Host [IP]:port", "Connect", "Banner", "EHLO",
	"TLS offered", "TLS negotiated", "Cert",    "Name",   "DANE",
};

static enum mx_colour verdict_colour(enum mx_verdict v)
{
	static const enum mx_colour c[] = {[MX_V_NONE] = MX_C_NONE,
					   [MX_V_OK] = MX_C_GREEN,
					   [MX_V_WARN] = MX_C_YELLOW,
					   [MX_V_FAIL] = MX_C_RED};
	return (size_t)v < sizeof(c) / sizeof(c[0]) ? c[v] : MX_C_NONE;
}

/* Milliseconds shown in a column's cell, or -1 for none. */
static int64_t col_ms(const struct mx_endpoint *ep, int col)
{
	switch (col) {
	case MX_COL_CONNECT:
		return ep->smtp.connect.ms;
	case MX_COL_BANNER:
		return ep->smtp.banner.ms;
	case MX_COL_EHLO:
		return ep->smtp.ehlo.ms;
	case MX_COL_TLS_NEGOTIATED:
		return ep->tls.attempted ? ep->tls.handshake_ms
					 : ep->smtp.starttls.ms;
	default:
		return -1;
	}
}

static char *verdict_cell(const struct mx_endpoint *ep, int col)
{
	enum mx_verdict v = ep->col[col];
	int64_t ms = col_ms(ep, col);

	switch (v) {
	case MX_V_OK:
		return ms >= 0 ? xasprintf("OK %lldms", (long long)ms)
			       : xstrdup("OK");
	case MX_V_WARN:
		return ms >= 0 ? xasprintf("WARN %lldms", (long long)ms)
			       : xstrdup("WARN");
	case MX_V_FAIL:
		return xstrdup("FAIL");
	default:
		return xstrdup("-");
	}
}

static char *ep_label(const struct mx_endpoint *ep)
{
	char buf[MX_WHERE_MAX];

	return xstrdup(mx_endpoint_where_buf(buf, sizeof(buf), ep));
}

struct row {
	char *cell[NCOLS];
	enum mx_verdict v[NCOLS];
};

static void row_free(struct row *r)
{
	int i;

	for (i = 0; i < NCOLS; i++)
		free(r->cell[i]);
}

static void row_endpoint(struct row *r, const struct mx_endpoint *ep)
{
	int c;

	memset(r, 0, sizeof(*r));
	r->cell[0] = ep->pref >= 0 ? xasprintf("%d", ep->pref) : xstrdup("-");
	r->cell[1] = ep_label(ep);
	for (c = 0; c < MX_COL__N; c++) {
		r->cell[2 + c] = verdict_cell(ep, c);
		r->v[2 + c] = ep->col[c];
	}
}

static void row_unresolved(struct row *r, const struct mx_host *h)
{
	int c;

	memset(r, 0, sizeof(*r));
	r->cell[0] = h->pref >= 0 ? xasprintf("%d", h->pref) : xstrdup("-");
	r->cell[1] = xasprintf("%s [no address: A %s, AAAA %s]",
			       mx_nz(h->name, "?"),
			       mx_dns_status_name(h->a_status),
			       mx_dns_status_name(h->aaaa_status));
	for (c = 2; c < NCOLS; c++)
		r->cell[c] = xstrdup("-");
}

static void print_row(struct tw *w, const struct row *r, const size_t *width,
		      int header)
{
	int c;

	for (c = 0; c < NCOLS; c++) {
		const char *s = header ? col_head[c] : r->cell[c];
		enum mx_colour k = header ? MX_C_BOLD : verdict_colour(r->v[c]);
		size_t len = strlen(s);

		mx_colour_on(w->out, w->color, k);
		mx_out_text(w->out, s);
		mx_colour_off(w->out, w->color, k);
		if (c < NCOLS - 1)
			mx_out_fmt(w->out, "%*s", (int)(width[c] - len + 2),
				   "");
	}
	mx_out_text(w->out, "\n");
}

static void summary_table(struct tw *w, const struct mx_target *t)
{
	size_t *order = mx_rep_host_order(t);
	struct row *rows;
	size_t nrows = 0, i, j, width[NCOLS];
	char *covered = xcalloc(t->nendpoints ? t->nendpoints : 1, 1);
	int c;

	rows = xcalloc(t->nendpoints + t->nhosts + 1, sizeof(*rows));
	for (i = 0; i < t->nhosts; i++) {
		const struct mx_host *h = &t->hosts[order[i]];

		if (h->nep == 0)
			row_unresolved(&rows[nrows++], h);
		for (j = h->first_ep;
		     j < h->first_ep + h->nep && j < t->nendpoints; j++) {
			row_endpoint(&rows[nrows++], &t->endpoints[j]);
			covered[j] = 1;
		}
	}
	for (j = 0; j < t->nendpoints; j++)
		if (!covered[j])
			row_endpoint(&rows[nrows++], &t->endpoints[j]);
	for (c = 0; c < NCOLS; c++) {
		width[c] = strlen(col_head[c]);
		for (i = 0; i < nrows; i++)
			if (strlen(rows[i].cell[c]) > width[c])
				width[c] = strlen(rows[i].cell[c]);
	}
	if (nrows == 0) {
		mx_out_text(w->out, "No endpoint to test.\n");
	} else {
		print_row(w, NULL, width, 1);
		for (i = 0; i < nrows; i++)
			print_row(w, &rows[i], width, 0);
	}
	for (i = 0; i < nrows; i++)
		row_free(&rows[i]);
	free(rows);
	free(covered);
	free(order);
}

/* ---- details ---------------------------------------------------------- */

static void out_reply(struct tw *w, const char *label, const struct mx_reply *r)
{
	char *v;

	if (r->code == 0 && r->text == NULL)
		return;
	v = xasprintf("%d%s%s %s", r->code, r->enh[0] ? " " : "", r->enh,
		      mx_nz(r->text, ""));
	mx_out_field(w->out, "  ", label, v);
	free(v);
}

static void out_caps(struct tw *w, const char *label, const struct mx_caps *k)
{
	size_t i;
	char *s;

	if (!k->valid)
		return;
	s = xstrdup("");
	for (i = 0; i < k->nkeywords; i++) {
		char *n = xasprintf("%s%s%s", s, i ? ", " : "", k->keywords[i]);

		free(s);
		s = n;
	}
	mx_out_field(w->out, "  ", label, s[0] ? s : "(no keywords)");
	free(s);
}

static void out_cert(struct tw *w, const struct mx_cert *k, size_t i)
{
	char nb[40], na[40], *v;
	long long left;
	size_t j;

	mx_out_fmt(w->out, "    [%zu] Subject:  %s\n", i,
		   mx_nz(k->subject, "-"));
	mx_out_fmt(w->out, "        Issuer:   %s\n", mx_nz(k->issuer, "-"));
	mx_out_fmt(w->out, "        Serial:   %s\n", mx_nz(k->serial, "-"));
	mx_rep_date(k->not_before, nb, sizeof(nb));
	mx_rep_date(k->not_after, na, sizeof(na));
	left = ((long long)k->not_after - (long long)w->now) / 86400;
	if (k->not_before > w->now)
		v = xstrdup("not yet valid");
	else if (k->not_after < w->now)
		v = xasprintf("expired %lld days ago",
			      ((long long)w->now - (long long)k->not_after) /
				      86400);
	else
		v = xasprintf("%lld days left", left);
	mx_out_fmt(w->out, "        Validity: %s .. %s (%s)\n", nb, na, v);
	free(v);
	mx_out_fmt(w->out, "        Key:      %s %d bits, signed with %s\n",
		   mx_nz(k->key_type, "?"), k->key_bits,
		   mx_nz(k->sig_alg, "?"));
	if (k->nsan_dns || k->nsan_ip) {
		mx_out_text(w->out, "        SAN:      ");
		for (j = 0; j < k->nsan_dns; j++)
			mx_out_fmt(w->out, "%sDNS:%s", j ? ", " : "",
				   k->san_dns[j]);
		for (j = 0; j < k->nsan_ip; j++)
			mx_out_fmt(w->out, "%sIP:%s",
				   j || k->nsan_dns ? ", " : "", k->san_ip[j]);
		mx_out_text(w->out, "\n");
	} else {
		mx_out_text(w->out, "        SAN:      none\n");
	}
	if (k->aia_ca_issuers || k->aia_ocsp)
		mx_out_fmt(w->out, "        AIA:      %s%s%s%s%s\n",
			   k->aia_ca_issuers ? "CA issuers " : "",
			   mx_nz(k->aia_ca_issuers, ""),
			   k->aia_ca_issuers && k->aia_ocsp ? "; " : "",
			   k->aia_ocsp ? "OCSP " : "", mx_nz(k->aia_ocsp, ""));
	mx_out_fmt(w->out, "        CA:       %s%s\n", k->is_ca ? "yes" : "no",
		   k->self_signed   ? " (self-signed)"
		   : k->self_issued ? " (self-issued)"
				    : "");
	if (k->sha256)
		mx_out_fmt(w->out, "        SHA-256:  %s\n", k->sha256);
}

static void out_tls(struct tw *w, const struct mx_endpoint *ep)
{
	const struct mx_tls *t = &ep->tls;
	size_t i;

	if (!t->attempted)
		return;
	if (t->completed) {
		mx_out_fmt(w->out, "  %-14s %s, %s (OpenSSL: %s), %lld ms\n",
			   "TLS:", mx_nz(t->version, "?"),
			   mx_nz(t->suite_iana, "?"),
			   mx_nz(t->suite_openssl, "?"),
			   (long long)t->handshake_ms);
		if (t->temp_key_type)
			mx_out_fmt(w->out, "  %-14s %s%s%s%s, %d bits\n",
				   "Temp key:", t->temp_key_type,
				   t->temp_key_group ? " (" : "",
				   mx_nz(t->temp_key_group, ""),
				   t->temp_key_group ? ")" : "",
				   t->temp_key_bits);
	} else {
		mx_out_fmt(w->out, "  %-14s failed after %lld ms: %s",
			   "TLS:", (long long)t->handshake_ms,
			   mx_tls_fail_name(t->fail));
		if (t->fail == MX_TLS_FAIL_ALERT_RECV ||
		    t->fail == MX_TLS_FAIL_ALERT_SENT)
			mx_out_fmt(w->out, " (alert %d)", t->alert);
		if (t->fail_detail)
			mx_out_fmt(w->out, ": %s", t->fail_detail);
		mx_out_text(w->out, "\n");
	}
	mx_out_fmt(w->out, "  %-14s %s, SNI %s%s%s\n",
		   "Client:", mx_nz(t->backend, "?"), mx_nz(t->sni, "none"),
		   t->alpn ? ", ALPN " : "", t->alpn ? t->alpn : "");
	if (t->chain.n > 0) {
		mx_out_fmt(w->out, "  Certificate chain as sent (%zu):\n",
			   t->chain.n);
		for (i = 0; i < t->chain.n; i++)
			out_cert(w, &t->chain.v[i], i);
		if (!t->chain_in_order && t->chain.n > 1)
			mx_out_text(w->out, "    (not in issuing order)\n");
	}
	if (t->verify_done) {
		if (t->verify_code == 0)
			mx_out_fmt(w->out,
				   "  %-14s ok (path of %d certificates)\n",
				   "Verification:", t->verified_chain_len);
		else
			mx_out_fmt(w->out,
				   "  %-14s failed: %ld %s (depth %d)\n",
				   "Verification:", t->verify_code,
				   mx_nz(t->verify_error, "?"),
				   t->verify_depth);
	}
}

/* DANE: the TLSA records of the endpoint and what each did (the
 * verdict is analyzers/dane.c's; the findings say it again with fixes). */
static void out_dane(struct tw *w, const struct mx_endpoint *ep)
{
	static const char hex[] = "0123456789abcdef";
	const struct mx_dane *d = &ep->dane;
	size_t i, k;

	if (!d->looked_up)
		return;
	mx_out_fmt(w->out, "  %-14s %s: %s, %s%s%s%s (%lld ms)\n",
		   "DANE:", mx_nz(d->qname, "?"),
		   d->nrr ? "TLSA records" : mx_dns_status_name(d->status),
		   d->secure ? (d->via_ad ? "secure (resolver AD bit)"
					  : "secure (validated)")
			     : "not validated",
		   d->mx_insecure ? ", MX lookup not validated" : "",
		   d->why_bogus ? ": " : "", mx_nz(d->why_bogus, ""),
		   (long long)d->ms);
	for (i = 0; i < d->nrr; i++) {
		const struct mx_dane_rr *rr = &d->rr[i];
		char h[2 * 32 + 4];

		for (k = 0; k < rr->len && k < 32; k++) {
			h[2 * k] = hex[rr->data[k] >> 4];
			h[2 * k + 1] = hex[rr->data[k] & 15];
		}
		h[2 * k] = '\0';
		mx_out_fmt(w->out, "    TLSA %u %u %u %s%s  %s(%u): %s%s%s\n",
			   rr->usage, rr->selector, rr->mtype, h,
			   rr->len > 32 ? "..." : "",
			   mx_dane_usage_name(rr->usage), rr->usage,
			   mx_dane_rr_result_name(rr->result),
			   rr->why && rr->why[0] ? ": " : "",
			   mx_nz(rr->why, ""));
	}
	mx_out_fmt(w->out, "  %-14s %s\n",
		   "DANE verdict:", mx_dane_state_name(d->state));
}

static void out_transcript(struct tw *w, const struct mx_transcript *tx)
{
	static const char *const arrow[] = {
		[MX_TX_SENT] = "->", [MX_TX_RECV] = "<-", [MX_TX_NOTE] = "**"};
	size_t i;

	mx_out_text(w->out, "  Transcript:\n");
	for (i = 0; i < tx->n; i++) {
		const struct mx_tx_line *l = &tx->v[i];
		const char *a = (size_t)l->dir < 3 ? arrow[l->dir] : "??";

		mx_out_fmt(w->out, "    %s %s  (%lld ms)\n", a,
			   mx_nz(l->text, ""), (long long)l->t_ms);
	}
	if (tx->n == 0)
		mx_out_text(w->out, "    (empty)\n");
	if (tx->dropped)
		mx_out_fmt(w->out, "    (%zu more lines not kept)\n",
			   tx->dropped);
}

/* twin: the other address of the same MX that said the same, or NULL */
static void out_endpoint(struct tw *w, const struct mx_endpoint *ep,
			 const struct mx_endpoint *twin,
			 const struct mx_text_opts *o)
{
	const struct mx_smtp *s = &ep->smtp;
	char *label = ep_label(ep);

	if (twin != NULL)
		mx_out_fmt(w->out,
			   "\n--- %s and [%s]:%u (%s; the same answers on "
			   "both addresses) ---\n",
			   label, mx_nz(twin->addr, "?"), twin->port,
			   mx_tls_mode_name(ep->mode));
	else
		mx_out_fmt(w->out, "\n--- %s (%s) ---\n", label,
			   mx_tls_mode_name(ep->mode));
	free(label);
	if (o->details) {
		out_reply(w, "Greeting:", &s->greeting);
		if (s->used_helo)
			mx_out_field(w->out, "  ",
				     "EHLO:", "refused; HELO accepted");
		out_caps(w, "EHLO:", &s->caps);
		out_reply(w, "STARTTLS:", &s->starttls_reply);
		out_tls(w, ep);
		out_dane(w, ep);
		out_caps(w, "EHLO (TLS):", &s->caps_tls);
		if (s->stop != MX_STOP_NONE)
			mx_out_fmt(w->out, "  %-14s %s%s%s\n",
				   "Stopped:", mx_stop_name(s->stop),
				   s->error ? ": " : "", mx_nz(s->error, ""));
		mx_out_fmt(w->out, "  %-14s %lld ms\n",
			   "Total:", (long long)ep->total_ms);
	}
	if (o->transcript)
		out_transcript(w, &s->tx);
}

/* ---- findings, target, run -------------------------------------------- */

static void out_findings(struct tw *w, const struct mx_target *t,
			 const size_t *twins)
{
	size_t n;
	const struct mx_finding **v = mx_rep_sorted_findings(t, &n);

	mx_out_findings_grouped(w->out, w->color, t, twins, v, n);
	free(v);
}

static void out_target_header(struct tw *w, const struct mx_target *t)
{
	size_t *order = mx_rep_host_order(t);
	size_t i;

	mx_out_text(w->out, "\n");
	mx_colour_on(w->out, w->color, MX_C_BOLD);
	mx_out_fmt(w->out, "=== %s ===", mx_nz(t->name, mx_nz(t->spec, "?")));
	mx_colour_off(w->out, w->color, MX_C_BOLD);
	mx_out_text(w->out, "\n");
	mx_out_fmt(w->out, "Target: %s (%s, port %u, %s)\n",
		   mx_nz(t->spec, "?"),
		   t->kind == MX_TARGET_DOMAIN ? "domain" : "host", t->port,
		   mx_tls_mode_name(t->mode));
	if (t->kind == MX_TARGET_DOMAIN) {
		if (t->null_mx)
			mx_out_text(w->out,
				    "MX: null MX (RFC 7505): the domain "
				    "accepts no mail");
		else if (t->implicit_mx)
			mx_out_text(w->out,
				    "MX: no MX: implicit MX (the domain's own "
				    "address)");
		else if (t->mx_status != MX_DNS_OK && t->nhosts == 0)
			mx_out_fmt(w->out, "MX: lookup failed: %s%s%s",
				   mx_dns_status_name(t->mx_status),
				   t->dns_error ? ": " : "",
				   mx_nz(t->dns_error, ""));
		else {
			mx_out_text(w->out, "MX:");
			for (i = 0; i < t->nhosts; i++)
				mx_out_fmt(w->out, "%s %d %s", i ? "," : "",
					   t->hosts[order[i]].pref,
					   mx_nz(t->hosts[order[i]].name, "?"));
		}
		mx_out_fmt(w->out, " (DNS %lld ms%s)\n", (long long)t->dns_ms,
			   t->mx_dnssec_secure ? ", DNSSEC secure" : "");
	}
	free(order);
}

static void out_target(struct tw *w, const struct mx_target *t,
		       const struct mx_text_opts *o)
{
	size_t i, *twins = mx_out_twins(t);

	out_target_header(w, t);
	mx_out_text(w->out, "\n");
	summary_table(w, t);
	/* An MX's IPv4 and IPv6 endpoints that say the same: once (the
	 * transcripts, when asked, are each their own). */
	if (o->details || o->transcript)
		for (i = 0; i < t->nendpoints; i++) {
			if (twins[i] != (size_t)-1 && twins[i] < i &&
			    !o->transcript)
				continue;
			out_endpoint(w, &t->endpoints[i],
				     twins[i] != (size_t)-1 && !o->transcript
					     ? &t->endpoints[twins[i]]
					     : NULL,
				     o);
		}
	/* --capture: timelines of what failed on the wire */
	for (i = 0; i < t->nendpoints; i++)
		mx_report_wire_endpoint(w->out, w->color, &t->endpoints[i]);
	mx_report_sts_text(w->out, t);
	out_findings(w, t, twins);
	free(twins);
	if (t->confidence >= 0)
		mx_out_fmt(w->out, "\nConfidence: %d%%\n", t->confidence);
	else
		mx_out_text(w->out,
			    "\nConfidence: n/a (nothing could be tested)\n");
}

int mx_report_text_body(FILE *out, const struct mx_run *run,
			const struct mx_text_opts *o)
{
	static const struct mx_text_opts dflt = {0, 0, 1};
	struct tw w;
	char started[32];
	size_t i;

	if (o == NULL)
		o = &dflt;
	w.out = out;
	w.color = o->color;
	w.now = run->started;
	mx_rep_iso8601(run->started, started, sizeof(started));
	mx_out_fmt(out, "mxprobe %s: started %s, %lld ms\n",
		   mx_nz(run->tool_version, "?"), started,
		   (long long)run->elapsed_ms);
	for (i = 0; i < run->ntargets; i++)
		out_target(&w, &run->targets[i], o);
	mx_report_wire_summary(out, run);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}

int mx_report_text(FILE *out, const struct mx_run *run,
		   const struct mx_text_opts *o)
{
	if (mx_report_text_body(out, run, o) < 0)
		return -1;
	mx_out_status(out, o ? o->color : 0, (int)run->exit_status);
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}

void mx_report_status(FILE *out, int color, int exit_status)
{
	mx_out_status(out, color, exit_status);
}
