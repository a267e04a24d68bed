/*
 * capture_text.c - the text of a capture: one connection's wire
 * timeline, and the streamed report of `mxprobe pcap FILE`; see
 * capture_text.h.
 *
 * Names of versions, suites, groups and alerts are the model's (the
 * decoder looked them up in wire/'s registries); a number without a name
 * is shown in hex.
 */
#include "reports/capture_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/severity.h"
#include "reports/textutil.h"

static const char *dir_name(int dir)
{
	return dir ? "server" : "client";
}

const char *mx_cap_version_label(const char *name, uint16_t v, char *buf,
				 size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "0x%04x", v);
	return buf;
}

/* The negotiated suite: its OpenSSL name, else its IANA name, else its
 * number ("0x00FF"). */
static const char *suite_label(const struct mx_capsess *s, char *buf,
			       size_t len)
{
	if (s->suite_openssl)
		return s->suite_openssl;
	if (s->suite_iana)
		return s->suite_iana;
	snprintf(buf, len, "0x%04X", s->suite);
	return buf;
}

static void ms_offset(char *buf, size_t len, int64_t t_us, int64_t start_us)
{
	int64_t d = t_us - start_us;
	const char *sign = d < 0 ? "-" : "+";

	if (d < 0)
		d = -d;
	snprintf(buf, len, "%s%" PRId64 ".%03" PRId64 " ms", sign, d / 1000,
		 d % 1000);
}

void mx_capsess_text_peers(const struct mx_capsess *s, char *buf, size_t len)
{
	int v6 = s->family == AF_INET6;

	snprintf(buf, len, "%s%s%s:%u -> %s%s%s:%u", v6 ? "[" : "", s->client,
		 v6 ? "]" : "", s->cport, v6 ? "[" : "", s->server,
		 v6 ? "]" : "", s->sport);
}

void mx_capsess_text_timeline(FILE *out, const struct mx_capsess *s,
			      const char *indent)
{
	char off[40];
	size_t i;

	for (i = 0; i < s->nev && i < MX_CAP_MAX_EVENTS; i++) {
		const struct mx_cap_event *e = &s->ev[i];

		ms_offset(off, sizeof(off), e->t_us, s->start_us);
		mx_out_fmt(out, "%s%12s  %-6s  %s\n", indent, off,
			   dir_name(e->dir),
			   e->text[0] ? e->text
				      : mx_cap_ev_name(
						(enum mx_cap_ev_kind)e->kind));
	}
	if (s->ev_dropped > 0)
		mx_out_fmt(out, "%s(%zu more events not kept)\n", indent,
			   s->ev_dropped);
}

/* ---- the pcap report: one session ------------------------------------- */

static const char *mode_text(const struct mx_capsess *s)
{
	if (s->implicit_tls)
		return "implicit TLS";
	if (s->starttls_sent && s->tls)
		return "STARTTLS";
	if (s->starttls_sent)
		return "STARTTLS (no TLS followed)";
	if (s->smtp && s->tls)
		return "SMTP+TLS";
	if (s->smtp)
		return "SMTP, no TLS";
	return "TLS";
}

static void header(FILE *out, int color, const struct mx_capsess *s)
{
	char peers[200], vb[16], sb[16];

	mx_capsess_text_peers(s, peers, sizeof(peers));
	mx_out_text(out, "\n");
	mx_colour_on(out, color, MX_C_BOLD);
	mx_out_fmt(out, "session %u  %s  %s", s->id, peers, mode_text(s));
	if (s->server_hello)
		mx_out_fmt(out, "  %s %s",
			   mx_cap_version_label(s->version_name, s->version, vb,
						sizeof(vb)),
			   suite_label(s, sb, sizeof(sb)));
	mx_colour_off(out, color, MX_C_BOLD);
	mx_out_text(out, "\n");
}

static void hellos(FILE *out, const struct mx_capsess *s)
{
	char vb[16], vb2[16], line[512], sb[16];
	size_t i;

	for (i = 0; i < s->nhellos && i < MX_CAP_MAX_HELLOS; i++) {
		const struct mx_cap_hello *h = &s->hellos[i];

		snprintf(line, sizeof(line),
			 "SNI %s, up to %s (legacy %s), %u suites, %u groups, "
			 "%u extensions, %zu B",
			 h->sni[0] ? h->sni : "(none)",
			 mx_cap_version_label(h->max_version_name,
					      h->max_version, vb, sizeof(vb)),
			 mx_cap_version_label(h->legacy_version_name,
					      h->legacy_version, vb2,
					      sizeof(vb2)),
			 h->nsuites, h->ngroups, h->next, h->len);
		mx_out_field(out, "  ",
			     s->nhellos > 1 ? "ClientHello*:" : "ClientHello:",
			     line);
		if (h->ja3_md5[0])
			mx_out_fmt(out, "  %-14s JA3 %s\n", "", h->ja3_md5);
	}
	if (s->server_hello) {
		snprintf(line, sizeof(line), "%s %s%s%s%s",
			 mx_cap_version_label(s->version_name, s->version, vb,
					      sizeof(vb)),
			 suite_label(s, sb, sizeof(sb)),
			 s->hrr ? " (after HelloRetryRequest)" : "",
			 s->ja3s_md5[0] ? ", JA3S " : "", s->ja3s_md5);
		mx_out_field(out, "  ", "ServerHello:", line);
	}
}

static void key_exchange(FILE *out, const struct mx_capsess *s)
{
	char line[200];

	if (s->dh_bits > 0) {
		snprintf(line, sizeof(line), "DH %u bits, %s%s", s->dh_bits,
			 s->dh_prime_name[0] ? s->dh_prime_name
					     : "prime not a known group",
			 s->dh_prime_name[0] && !s->dh_prime_known_safe
				 ? " (not a safe prime)"
				 : "");
		mx_out_field(out, "  ", "Key exchange:", line);
	} else if (s->group != 0) {
		snprintf(line, sizeof(line), "ECDHE %s",
			 s->group_iana ? s->group_iana : "(unknown group)");
		mx_out_field(out, "  ", "Key exchange:", line);
	}
}

static void chain(FILE *out, const struct mx_pcap_sess *ps)
{
	const struct mx_capsess *s = ps->s;
	const struct mx_pcap_verify *v = ps->verify;
	size_t i;

	if (s->ncerts == 0) {
		if (s->server_hello)
			mx_out_field(out, "  ", "Chain:",
				     s->version == 0x0304
					     ? "not visible: TLS 1.3 encrypts "
					       "the Certificate message"
					     : "no Certificate message seen");
		return;
	}
	mx_out_fmt(out, "  Chain as sent (%zu certificate%s):\n", s->ncerts,
		   s->ncerts == 1 ? "" : "s");
	for (i = 0; v != NULL && i < v->n; i++) {
		const struct mx_pcap_cert *c = &v->certs[i];

		mx_out_fmt(out, "    %zu  %s%s\n", i,
			   c->subject ? c->subject : "(does not parse)",
			   c->is_ca ? "  [CA]" : "");
		if (c->issuer)
			mx_out_fmt(out, "       issuer %s\n", c->issuer);
	}
	if (v == NULL) {
		for (i = 0; i < s->ncerts && i < MX_CAP_MAX_CERTS; i++)
			mx_out_fmt(out, "    %zu  %zu B\n", i, s->cert_len[i]);
		return;
	}
	if (!v->done) {
		mx_out_field(out, "  ", "Verification:", "not run");
		return;
	}
	if (v->verified)
		mx_out_fmt(
			out,
			"  %-14s ok (%d certificates to a trusted root%s%s)\n",
			"Verification:", v->verified_len,
			v->name && v->name[0] ? ", name " : "",
			v->name ? v->name : "");
	else
		mx_out_fmt(out, "  %-14s FAILED: %s (%ld) at depth %d%s%s\n",
			   "Verification:", v->error ? v->error : "?", v->code,
			   v->depth, v->name && v->name[0] ? ", name " : "",
			   v->name ? v->name : "");
	if (v->missing && v->missing[0])
		mx_out_fmt(out,
			   "  %-14s %s%s%s (not sent, not in the trust "
			   "store)\n",
			   "Missing:", v->missing,
			   v->missing_url && v->missing_url[0] ? ", from " : "",
			   v->missing_url ? v->missing_url : "");
}

static void ending(FILE *out, const struct mx_capsess *s)
{
	char line[256];
	size_t n = 0;
	int d;

	line[0] = '\0';
	if (s->alert >= 0) {
		n += (size_t)snprintf(
			line + n, sizeof(line) - n, "%s alert %s (%u, %s); ",
			dir_name(s->alert_dir),
			s->alert_name ? s->alert_name : "unknown",
			s->alert_desc,
			s->alert_level == 2 ? "fatal" : "warning");
	}
	for (d = 0; d < 2; d++) {
		char off[40];

		if (s->fin_dir[d] && n < sizeof(line)) {
			ms_offset(off, sizeof(off), s->fin_us[d], s->start_us);
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      "%s FIN at %s; ", dir_name(d),
					      off);
		}
		if (s->rst_dir[d] && n < sizeof(line)) {
			ms_offset(off, sizeof(off), s->rst_us[d], s->start_us);
			n += (size_t)snprintf(line + n, sizeof(line) - n,
					      "%s RST at %s; ", dir_name(d),
					      off);
		}
	}
	if (n > 2 && n < sizeof(line))
		line[n - 2] = '\0';
	mx_out_field(out, "  ", "Ended:",
		     line[0]	    ? line
		     : s->encrypted ? "still open at the end of the capture "
				      "(encrypted traffic followed)"
				    : "still open at the end of the capture");
	if (s->retrans[0] + s->retrans[1] + s->gaps[0] + s->gaps[1] +
		    s->zero_windows[0] + s->zero_windows[1] >
	    0)
		mx_out_fmt(out,
			   "  %-14s %" PRIu64 " retransmissions, %" PRIu64
			   " gaps (%" PRIu64 " B missing), %" PRIu64
			   " zero windows%s\n",
			   "TCP:", s->retrans[0] + s->retrans[1],
			   s->gaps[0] + s->gaps[1],
			   s->gap_bytes[0] + s->gap_bytes[1],
			   s->zero_windows[0] + s->zero_windows[1],
			   s->capped ? "; per-flow cap reached" : "");
	if (s->midstream)
		mx_out_field(out, "  ", "Note:",
			     "the capture started after this connection did "
			     "(no SYN seen)");
	if (s->decode_error[0])
		mx_out_field(out, "  ", "Decoder:", s->decode_error);
}

void mx_pcap_text_session(FILE *out, int color, const struct mx_pcap_sess *ps)
{
	const struct mx_capsess *s = ps->s;
	char when[40], dur[40];
	size_t i;

	header(out, color, s);
	mx_rep_date((time_t)(s->start_us / 1000000), when, sizeof(when));
	ms_offset(dur, sizeof(dur), s->end_us, s->start_us);
	mx_out_fmt(out,
		   "  %-14s %s, lasted %s, frames %" PRIu64 "-%" PRIu64 "\n",
		   "Started:", when, dur + 1, s->first_frame, s->last_frame);
	mx_out_text(out, "  Timeline:\n");
	mx_capsess_text_timeline(out, s, "    ");
	hellos(out, s);
	key_exchange(out, s);
	chain(out, ps);
	ending(out, s);
	if (ps->findings != NULL && ps->findings->n > 0) {
		const struct mx_finding **v =
			mx_rep_sort_findings(ps->findings, &i);
		size_t k;

		for (k = 0; k < i; k++)
			mx_out_finding(out, color, v[k]);
		free((void *)v);
	}
}

/* ---- the pcap report: summary and status ------------------------------ */

int mx_pcap_text_end(FILE *out, const struct mx_pcap_summary *sum)
{
	const struct mx_capture *t = sum->totals;
	const uint64_t *c = sum->findings_by_sev;
	const struct mx_finding **v;
	size_t n = 0, i;

	mx_out_text(out, "\nSummary\n");
	mx_out_fmt(out, "  %-14s %s (%s, link type %s)\n", "File:",
		   strcmp(sum->file, "-") == 0 ? "standard input" : sum->file,
		   mx_nz(sum->format, "?"), mx_nz(sum->linktype, "?"));
	if (t != NULL) {
		mx_out_fmt(out,
			   "  %-14s %" PRIu64 " (%" PRIu64
			   " B); skipped: %" PRIu64 " not TCP, %" PRIu64
			   " IP fragments, %" PRIu64 " undecodable\n",
			   "Frames:", t->frames, t->bytes, t->not_tcp,
			   t->fragments, t->undecodable);
		if (t->file_error[0])
			mx_out_fmt(out, "  %-14s %s%s\n", "Reader:",
				   t->truncated ? "the file is cut short: "
						: "",
				   t->file_error);
	}
	mx_out_fmt(out,
		   "  %-14s %" PRIu64 " with SMTP or TLS; %" PRIu64
		   " other TCP flows not shown%s\n",
		   "Sessions:", sum->sessions_shown, sum->sessions_other,
		   sum->sessions_shown == 0
			   ? " (no SMTP or TLS in this capture)"
			   : "");
	if (t != NULL && t->flows_evicted > 0)
		mx_out_fmt(out,
			   "  %-14s %" PRIu64 " flows evicted at the cap\n", "",
			   t->flows_evicted);
	mx_out_fmt(out,
		   "  %-14s %" PRIu64 " critical, %" PRIu64 " warning, %" PRIu64
		   " unknown, %" PRIu64 " info\n",
		   "Findings:", c[MX_SEV_CRIT], c[MX_SEV_WARN],
		   c[MX_SEV_UNKNOWN], c[MX_SEV_INFO]);
	mx_out_fmt(out, "  %-14s %s\n",
		   "Trust store:", mx_nz(sum->trust_store, "none"));
	mx_out_fmt(out, "  %-14s %zu distinct%s\n",
		   "Certificates:", sum->certs_distinct,
		   sum->certs_dropped ? " (more than the export keeps)" : "");
	if (sum->export_dir != NULL && sum->exported != NULL &&
	    sum->exported->n == 0)
		mx_out_fmt(out,
			   "  %-14s %s: nothing (no certificate was seen)\n",
			   "Exported to:", sum->export_dir);
	else if (sum->export_dir != NULL && sum->exported != NULL) {
		mx_out_fmt(out, "  %-14s %s:", "Exported to:", sum->export_dir);
		for (i = 0; i < sum->exported->n; i++)
			mx_out_fmt(out, " %s%s", sum->exported->v[i].name,
				   sum->exported->v[i].is_ca ? " (CA)" : "");
		if (sum->exported->chain_name)
			mx_out_fmt(out, " %s", sum->exported->chain_name);
		mx_out_text(out, "\n");
	}
	v = mx_rep_sort_findings(sum->findings, &n);
	if (n > 0) {
		mx_out_text(out, "\nCapture findings:\n");
		for (i = 0; i < n; i++)
			mx_out_finding(out, sum->meta.color, v[i]);
	}
	free((void *)v);
	mx_out_status(out, sum->meta.color, sum->meta.exit_status);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
