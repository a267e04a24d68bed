/*
 * sts_text.c - the MTA-STS and TLS-RPT section of a domain in the text
 * report of check (reports/sts_text.h).
 */
#include "reports/sts_text.h"

#include "reports/textutil.h"

/* MTA-STS and TLS-RPT of a domain (probe/mtasts.c facts, the verdict
 * of analyzers/mtasts.c; the findings say it again with fixes). */
void mx_report_sts_text(FILE *out, const struct mx_target *t)
{
	const struct mx_sts *s = &t->sts;
	size_t i;

	if (!s->looked_up)
		return;
	mx_out_text(out, "\n");
	if (s->state == MX_STS_NOT_PUBLISHED && s->rpt_state == MX_RPT_NONE) {
		mx_out_fmt(out,
			   "%-16s not published (%s TXT: %s; %s: %s); TLS-RPT: "
			   "none (%s)\n",
			   "MTA-STS:", mx_nz(s->txt.qname, "?"),
			   mx_dns_status_name(s->txt.status),
			   mx_nz(s->policy_host, "?"),
			   mx_dns_status_name(s->host_status),
			   mx_dns_status_name(s->rpt.status));
		return;
	}
	mx_out_fmt(out, "%-16s %s: ", "MTA-STS:", mx_nz(s->txt.qname, "?"));
	if (s->txt.n == 0)
		mx_out_fmt(out, "no TXT record (%s)",
			   mx_dns_status_name(s->txt.status));
	for (i = 0; i < s->txt.n; i++)
		mx_out_fmt(out, "%s\"%s\"", i ? ", " : "",
			   mx_nz(s->txt.v[i].text, ""));
	mx_out_fmt(out, "%s (%lld ms)\n", s->txt_valid ? ", valid" : "",
		   (long long)s->txt.ms);
	mx_out_fmt(out, "  %-14s %s ", "Policy:", mx_nz(s->policy_url, "?"));
	if (!s->fetched)
		mx_out_fmt(out, "not fetched (%s has %s)\n",
			   mx_nz(s->policy_host, "?"),
			   s->host_status == MX_DNS_OK
				   ? "an address"
				   : mx_dns_status_name(s->host_status));
	else
		mx_out_fmt(
			out,
			"via %s: HTTP %ld, %s, %zu bytes%s, %lld ms%s%s%s%s\n",
			mx_nz(s->policy_addr, "?"), s->http_status,
			mx_nz(s->content_type, "no Content-Type"), s->body_len,
			s->too_large ? " (over the limit)" : "",
			(long long)s->total_ms,
			s->location ? ", Location " : "",
			mx_nz(s->location, ""), s->curl_error ? ": " : "",
			mx_nz(s->curl_error, ""));
	if (s->mode != NULL) {
		mx_out_fmt(out, "  %-14s mode %s, max_age %ld, mx:", "",
			   s->mode, s->max_age);
		for (i = 0; i < s->nmx; i++)
			mx_out_fmt(out, " %s", s->mx[i]);
		mx_out_text(out, "\n");
	}
	for (i = 0; i < s->nerrors; i++)
		mx_out_fmt(out, "  %-14s %s\n",
			   i ? "" : "Problems:", s->errors[i]);
	mx_out_fmt(out, "  %-14s %s\n",
		   "Verdict:", mx_sts_state_name(s->state));
	mx_out_fmt(out, "%-16s %s: ", "TLS-RPT:", mx_nz(s->rpt.qname, "?"));
	if (s->rpt.n == 0)
		mx_out_fmt(out, "no TXT record (%s)",
			   mx_dns_status_name(s->rpt.status));
	for (i = 0; i < s->rpt.n; i++)
		mx_out_fmt(out, "%s\"%s\"", i ? ", " : "",
			   mx_nz(s->rpt.v[i].text, ""));
	mx_out_fmt(out, ": %s\n", mx_rpt_state_name(s->rpt_state));
}
