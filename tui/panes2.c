/*
 * panes2.c - drill-down panes, part two: findings with fixes, the SMTP
 * transcript, the wire timeline (connection records and, when captured,
 * the packet timeline), and the endpoint's history with drift.
 *
 * Contract: as panes.c - read the row, fill lines, judge nothing.
 * Findings use one layout everywhere (severity, id, title; where,
 * evidence, fix, reference), worst first, ties in the analyzers' order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/severity.h"
#include "tui/tui_int.h"

static int sev_attr(enum mx_severity s)
{
	switch (s) {
	case MX_SEV_CRIT:
		return TA_CRIT;
	case MX_SEV_WARN:
		return TA_WARN;
	case MX_SEV_UNKNOWN:
		return TA_UNKNOWN;
	case MX_SEV_INFO:
		return TA_INFO;
	default:
		return TA_OK;
	}
}

struct fref {
	const struct mx_finding *f;
	size_t idx;
};

static int fref_cmp(const void *pa, const void *pb)
{
	const struct fref *a = pa, *b = pb;
	int c = mx_severity_cmp(a->f->severity, b->f->severity);

	if (c != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void finding_lines(const struct mx_finding *f, struct tui_lines *out)
{
	const struct mx_finding_def *d = f->def;
	const char *fix = f->fix ? f->fix : d ? d->fix : NULL;

	tui_lines_add(out, sev_attr(f->severity), "[%s] %s: %s",
		      mx_severity_name(f->severity), d ? d->id : "?",
		      d ? tui_s(d->title) : "-");
	if (f->where)
		tui_lines_add(out, TA_NORMAL, "    where:    %s", f->where);
	if (f->evidence)
		tui_add_text(out, TA_NORMAL, "    evidence: ", f->evidence);
	if (fix)
		tui_add_text(out, TA_NORMAL, "    fix:      ", fix);
	if (d && d->reference)
		tui_lines_add(out, TA_DIM, "    see:      %s", d->reference);
}

static void findings_block(const struct mx_findings *fs, const char *title,
			   struct tui_lines *out)
{
	struct fref *v;
	size_t i;

	if (fs == NULL || fs->n == 0)
		return;
	tui_lines_add(out, TA_TITLE, "%s (%zu)", title, fs->n);
	v = xcalloc(fs->n, sizeof(*v));
	for (i = 0; i < fs->n; i++) {
		v[i].f = &fs->v[i];
		v[i].idx = i;
	}
	qsort(v, fs->n, sizeof(*v), fref_cmp);
	for (i = 0; i < fs->n; i++)
		finding_lines(v[i].f, out);
	free(v);
}

static void drift_lines(const struct mx_snap_finding *d, size_t n,
			const char *indent, struct tui_lines *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		tui_lines_add(out, sev_attr(d[i].severity), "%s[%s] %s%s%s",
			      indent, mx_severity_name(d[i].severity),
			      tui_s(d[i].id), d[i].evidence ? ": " : "",
			      d[i].evidence ? d[i].evidence : "");
		if (d[i].before || d[i].after)
			tui_lines_add(out, TA_NORMAL, "%s    %s -> %s", indent,
				      tui_s(d[i].before), tui_s(d[i].after));
	}
}

void tui_pane_findings(const struct mx_tui_row *r, time_t now,
		       struct tui_lines *out)
{
	(void)now;
	if (r->snap != NULL && r->snap->ndrift > 0) {
		tui_lines_add(out, TA_TITLE, "Drift since the previous probe");
		drift_lines(r->snap->drift, r->snap->ndrift, "", out);
	}
	if (r->ep != NULL)
		findings_block(&r->ep->findings, "Endpoint findings", out);
	if (r->t != NULL)
		findings_block(&r->t->findings, "Target findings", out);
	if (out->n == 0)
		tui_lines_add(out, TA_DIM,
			      r->t ? "no findings" : "not probed yet");
}

void tui_pane_smtp(const struct mx_tui_row *r, time_t now,
		   struct tui_lines *out)
{
	const struct mx_transcript *tx = r->ep ? &r->ep->smtp.tx : NULL;
	size_t i;

	(void)now;
	if (tx == NULL || tx->n == 0) {
		tui_lines_add(out, TA_DIM, "no transcript");
		return;
	}
	for (i = 0; i < tx->n; i++) {
		const struct mx_tx_line *l = &tx->v[i];
		char pre[32];

		snprintf(pre, sizeof(pre), "%+6lldms %s ", (long long)l->t_ms,
			 l->dir == MX_TX_SENT	? "C:"
			 : l->dir == MX_TX_RECV ? "S:"
						: "--");
		tui_add_text(out, l->dir == MX_TX_NOTE ? TA_DIM : TA_NORMAL,
			     pre, l->text);
	}
	if (tx->dropped > 0)
		tui_lines_add(out, TA_WARN, "(%zu lines not kept)",
			      tx->dropped);
}

static void conn_lines(const struct mx_connrec *c, struct tui_lines *out)
{
	char d[160], marks[256];
	size_t o = 0;
	int m;

	mx_connrec_describe(c, d, sizeof(d));
	tui_lines_add(out, TA_TITLE, "%s", d);
	tui_lines_add(out, TA_NORMAL,
		      "    %s:%u -> %s:%u  out %llu B, in %llu B",
		      tui_s(c->local_addr), c->local_port,
		      tui_s(c->remote_addr), c->remote_port,
		      (unsigned long long)c->bytes_out,
		      (unsigned long long)c->bytes_in);
	marks[0] = 0;
	for (m = 0; m < MX_MARK__N && o < sizeof(marks); m++)
		if (c->mark_us[m] >= 0) {
			int k = snprintf(
				marks + o, sizeof(marks) - o, "%s %s +%.1fms",
				o ? "," : "",
				mx_conn_mark_name((enum mx_conn_mark)m),
				(double)c->mark_us[m] / 1000.0);
			if (k < 0)
				break;
			o += (size_t)k;
		}
	if (marks[0])
		tui_lines_add(out, TA_NORMAL, "   %s", marks);
	tui_lines_add(out,
		      c->how == MX_HOW_WE_CLOSED || c->how == MX_HOW_NONE
			      ? TA_NORMAL
			      : TA_WARN,
		      "    ended: %s%s%s", mx_conn_how_name(c->how),
		      c->answer[0] ? ", answer " : "", c->answer);
}

static void cap_lines(const struct mx_capsess *s, struct tui_lines *out)
{
	size_t i;

	tui_lines_add(out, TA_TITLE, "capture %s:%u -> %s:%u (conn %u)",
		      s->client, s->cport, s->server, s->sport, s->conn_id);
	for (i = 0; i < s->nev; i++) {
		const struct mx_cap_event *e = &s->ev[i];

		tui_lines_add(out,
			      e->kind == MX_CAP_EV_ALERT ||
					      e->kind == MX_CAP_EV_RST ||
					      e->kind == MX_CAP_EV_FIN
				      ? TA_WARN
				      : TA_NORMAL,
			      "  %+9.3fms %s %-12s %s",
			      (double)(e->t_us - s->start_us) / 1000.0,
			      e->dir ? "<-" : "->",
			      mx_cap_ev_name((enum mx_cap_ev_kind)e->kind),
			      e->text);
	}
	if (s->ev_dropped)
		tui_lines_add(out, TA_DIM, "  (%zu events not kept)",
			      s->ev_dropped);
}

void tui_pane_wire(const struct mx_tui_row *r, time_t now,
		   struct tui_lines *out)
{
	const struct mx_endpoint *ep = r->ep;
	size_t i;

	(void)now;
	if (ep == NULL || (ep->nconns == 0 && ep->ncaps == 0)) {
		tui_lines_add(out, TA_DIM, "not captured");
		return;
	}
	for (i = 0; i < ep->nconns; i++)
		conn_lines(ep->conns[i], out);
	if (ep->ncaps == 0)
		tui_lines_add(
			out, TA_DIM,
			"packets: not captured (start watch with --capture)");
	for (i = 0; i < ep->ncaps; i++)
		cap_lines(ep->caps[i], out);
}

static void snap_lines(const struct mx_snapshot *s, time_t now,
		       struct tui_lines *out)
{
	char when[64], tk[64] = "-";
	/* the snapshot's own expiry (not tui_row_days: that is the row's) */
	int known = s->cert_not_after != 0;
	long days = (long)(s->cert_not_after - now) / 86400;

	{
		struct tm tm;

		if (s->at != 0 && gmtime_r(&s->at, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		else
			snprintf(when, sizeof(when), "-");
	}
	if (s->temp_key_type)
		snprintf(tk, sizeof(tk), "%s %d", s->temp_key_type,
			 s->temp_key_bits);
	tui_lines_add(out, sev_attr(s->worst), "%s  %-7s %s %s  %s", when,
		      mx_severity_name(s->worst),
		      s->tls_ok ? tui_s(s->tls_version) : "no-TLS",
		      tui_s(s->suite), tk);
	if (s->cert_serial || known)
		tui_lines_add(out, TA_NORMAL,
			      "    cert serial %s, %ld days left, chain %d%s",
			      tui_s(s->cert_serial), days, s->chain_len,
			      s->verify_ok ? "" : ", not verified");
	drift_lines(s->drift, s->ndrift, "    ", out);
}

void tui_pane_history(const struct mx_tui_row *r, time_t now,
		      struct tui_lines *out)
{
	size_t i;

	if (r->nhist == 0 && r->snap == NULL) {
		tui_lines_add(out, TA_DIM, "no history yet");
		return;
	}
	if (r->nhist == 0) {
		snap_lines(r->snap, now, out);
		return;
	}
	tui_lines_add(out, TA_NORMAL, "%zu probes, newest first", r->nhist);
	for (i = 0; i < r->nhist; i++)
		if (r->hist[i] != NULL)
			snap_lines(r->hist[i], now, out);
}
