/*
 * target.c - judgement of one target: DNS findings, the endpoints, the
 * target's worst severity and its confidence.
 *
 * API: mx_analyze_target() (analyze.h).  Clears and fills t->findings,
 * t->worst, t->confidence and every endpoint's judgement.
 *
 * DNS rules (RFC 5321 section 5.1, RFC 7505):
 *  - dns.null_mx (info): "MX 0 ." - the domain accepts no mail.
 *  - dns.no_mx (info): no MX record, the domain itself is the implicit MX.
 *  - dns.lookup_failed for the MX query (NXDOMAIN, SERVFAIL, timeout,
 *    bogus, error) and for every MX host whose A and AAAA lookups both
 *    failed; severity unknown when nothing at all could be tested,
 *    warning otherwise (one host of several).
 *  - probe.nothing_tested (unknown) when no endpoint was attempted and no
 *    other finding says why.
 * Variation by DNS status lives in `dns_fail_rules`.
 */
#include "analyzers/analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/mtasts.h"
#include "common/xalloc.h"

static const struct dns_fail_rule {
	enum mx_dns_status st;
	const char *what;
	const char *mx_fix;   /* for the MX query; NULL: catalogue fix */
	const char *host_fix; /* for an MX host's A/AAAA */
} dns_fail_rules[] = {
	{MX_DNS_NXDOMAIN, "the name does not exist (NXDOMAIN)",
	 "The domain does not exist in DNS: check its spelling and its "
	 "delegation at the parent zone (dig +trace).",
	 "The MX record points to a name that does not exist: correct the "
	 "MX record or publish A/AAAA records for the host."},
	{MX_DNS_NODATA, "no records of the type (NODATA)", NULL,
	 "The MX host has no A or AAAA record: publish its address (an MX "
	 "must name a host with an address record, not a CNAME: RFC 2181 "
	 "section 10.3) or remove the MX record."},
	{MX_DNS_SERVFAIL, "the resolver answered SERVFAIL",
	 "The authoritative servers fail or are unreachable, or DNSSEC "
	 "validation fails at the resolver: check the zone's servers and "
	 "signatures (dig +trace, dig +cd).",
	 NULL},
	{MX_DNS_TIMEOUT, "the lookup timed out",
	 "The authoritative servers do not answer in time: check that they "
	 "are reachable over UDP and TCP port 53.",
	 NULL},
	{MX_DNS_BOGUS, "DNSSEC validation failed (bogus)",
	 "The zone's DNSSEC signatures do not validate: check the DS record "
	 "at the parent and the RRSIG expiry (dig +dnssec, DNSViz). "
	 "Validating senders cannot deliver.",
	 "The MX host's address records fail DNSSEC validation: check the "
	 "host zone's DS record and signatures (dig +dnssec, DNSViz)."},
	{MX_DNS_ERROR, "the resolver reported an error", NULL, NULL},
};

static const struct dns_fail_rule *dns_fail(enum mx_dns_status st)
{
	size_t i;

	for (i = 0; i < sizeof(dns_fail_rules) / sizeof(dns_fail_rules[0]); i++)
		if (dns_fail_rules[i].st == st)
			return &dns_fail_rules[i];
	return NULL;
}

static int ep_attempted(const struct mx_endpoint *ep)
{
	return ep->smtp.connect.state != MX_STEP_NOT_RUN ||
	       ep->smtp.stop == MX_STOP_CONNECT_REFUSED ||
	       ep->smtp.stop == MX_STOP_CONNECT_TIMEOUT ||
	       ep->smtp.stop == MX_STOP_CONNECT_ERROR;
}

static void rule_mx(struct mx_target *t, int tested)
{
	const struct dns_fail_rule *r;
	struct mx_finding *f;

	if (t->kind != MX_TARGET_DOMAIN)
		return;
	if (t->null_mx) {
		mx_findings_add(&t->findings, "dns.null_mx", t->name,
				"%s publishes 'MX 0 .' (RFC 7505)",
				t->name ? t->name : "");
		return;
	}
	if (t->implicit_mx || t->mx_status == MX_DNS_NODATA) {
		mx_findings_add(&t->findings, "dns.no_mx", t->name,
				"%s has no MX record; senders use the "
				"domain's own A/AAAA address",
				t->name ? t->name : "");
		return;
	}
	r = dns_fail(t->mx_status);
	if (r == NULL)
		return;
	f = mx_findings_add(&t->findings, "dns.lookup_failed", t->name,
			    "MX lookup for %s: %s%s%s", t->name ? t->name : "",
			    r->what, t->dns_error ? ": " : "",
			    t->dns_error ? t->dns_error : "");
	f->severity = tested ? MX_SEV_WARN : MX_SEV_UNKNOWN;
	if (r->mx_fix)
		mx_finding_set_fix(f, "%s", r->mx_fix);
}

static int addr_failed(enum mx_dns_status s)
{
	return s != MX_DNS_OK;
}

/* The more telling status decides the fix: a failure beats NODATA. */
static const char *host_fix(enum mx_dns_status a, enum mx_dns_status aaaa)
{
	const struct dns_fail_rule *r[2] = {dns_fail(a), dns_fail(aaaa)};
	int pass, i;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < 2; i++)
			if (r[i] && r[i]->host_fix &&
			    (pass == 1 || r[i]->st != MX_DNS_NODATA))
				return r[i]->host_fix;
	return NULL;
}

static void rule_hosts(struct mx_target *t, int tested)
{
	size_t i;

	for (i = 0; i < t->nhosts; i++) {
		const struct mx_host *h = &t->hosts[i];
		const char *fix;
		struct mx_finding *f;
		char pref[32] = "";

		if (h->nep > 0 || !addr_failed(h->a_status) ||
		    !addr_failed(h->aaaa_status) ||
		    (h->a_status == MX_DNS_NOT_ASKED &&
		     h->aaaa_status == MX_DNS_NOT_ASKED))
			continue;
		if (h->pref >= 0)
			snprintf(pref, sizeof(pref), " (preference %d)",
				 h->pref);
		f = mx_findings_add(&t->findings, "dns.lookup_failed", h->name,
				    "%s host %s%s has no usable address: A %s, "
				    "AAAA %s",
				    h->pref >= 0 ? "MX" : "the",
				    h->name ? h->name : "", pref,
				    mx_dns_status_name(h->a_status),
				    mx_dns_status_name(h->aaaa_status));
		f->severity = tested ? MX_SEV_WARN : MX_SEV_UNKNOWN;
		fix = host_fix(h->a_status, h->aaaa_status);
		if (fix)
			mx_finding_set_fix(f, "%s", fix);
	}
}

void mx_analyze_target(struct mx_target *t, const struct mx_analyze_params *p)
{
	size_t i;
	int tested = 0;

	mx_findings_clear(&t->findings);
	for (i = 0; i < t->nendpoints; i++) {
		mx_analyze_endpoint(&t->endpoints[i], p);
		tested |= ep_attempted(&t->endpoints[i]);
	}
	rule_mx(t, tested);
	rule_hosts(t, tested);
	mx_sts_judge(t); /* MTA-STS, TLS-RPT: analyzers/mtasts.c */
	if (!tested && !t->null_mx &&
	    mx_findings_worst(&t->findings) != MX_SEV_UNKNOWN)
		mx_findings_add(&t->findings, "probe.nothing_tested", t->name,
				"no endpoint of %s was probed (%zu host%s, "
				"%zu endpoint%s)",
				t->name ? t->name : "", t->nhosts,
				t->nhosts == 1 ? "" : "s", t->nendpoints,
				t->nendpoints == 1 ? "" : "s");
	t->worst = mx_findings_worst(&t->findings);
	for (i = 0; i < t->nendpoints; i++)
		t->worst = mx_severity_worse(
			t->worst, mx_findings_worst(&t->endpoints[i].findings));
	t->confidence = mx_target_confidence(t);
}
