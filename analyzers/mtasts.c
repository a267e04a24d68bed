/*
 * mtasts.c - MTA-STS and TLS-RPT judgement; see mtasts.h.
 */
#include "analyzers/mtasts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "model/where.h"
#include "wire/mtasts.h"

static void strv_add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void errs_add(struct mx_sts *s, const char *what,
		     const struct mx_sts_errors *e)
{
	char line[160];
	size_t i;

	for (i = 0; i < e->n && i < MX_STS_MAX_ERRORS; i++) {
		snprintf(line, sizeof(line), "%s: %s", what, e->v[i]);
		strv_add(&s->errors, &s->nerrors, line);
	}
	if (e->n > MX_STS_MAX_ERRORS) {
		snprintf(line, sizeof(line), "%s: %zu more", what,
			 e->n - MX_STS_MAX_ERRORS);
		strv_add(&s->errors, &s->nerrors, line);
	}
}

/* "a; b; c" of the first errors (for evidence). */
static char *errs_text(const struct mx_sts_errors *e)
{
	struct mx_buf b;
	size_t i;

	mx_buf_init(&b, 2048);
	for (i = 0; i < e->n && i < MX_STS_MAX_ERRORS; i++)
		mx_buf_printf(&b, "%s%s", i ? "; " : "", e->v[i]);
	if (e->n > MX_STS_MAX_ERRORS)
		mx_buf_printf(&b, "; %zu more", e->n - MX_STS_MAX_ERRORS);
	mx_buf_push(&b, "", 1);
	return b.err ? xstrdup("?") : (char *)mx_buf_take(&b, NULL);
}

/* ---- TLS-RPT -------------------------------------------------------------- */

static void judge_rpt(struct mx_target *t, int sts_published)
{
	struct mx_sts *s = &t->sts;
	const struct mx_txt_rec *rec = NULL;
	struct mx_tlsrpt_rec r;
	size_t i, n = 0;
	struct mx_finding *f;
	char *e;

	for (i = 0; i < s->rpt.n; i++)
		if (mx_tlsrpt_is_rpt(s->rpt.v[i].raw, s->rpt.v[i].len)) {
			n++;
			rec = &s->rpt.v[i];
		}
	if (n == 0) {
		s->rpt_state = MX_RPT_NONE;
		if (sts_published)
			mx_findings_add(&t->findings, "tlsrpt.missing",
					s->rpt.qname,
					"no v=TLSRPTv1 TXT record at %s (%s)",
					s->rpt.qname ? s->rpt.qname : "?",
					mx_dns_status_name(s->rpt.status));
		return;
	}
	if (n > 1) {
		s->rpt_state = MX_RPT_INVALID;
		strv_add(&s->errors, &s->nerrors,
			 "TLS-RPT: more than one v=TLSRPTv1 record");
		mx_findings_add(&t->findings, "tlsrpt.invalid", s->rpt.qname,
				"%zu v=TLSRPTv1 records at %s (RFC 8460 "
				"section 3: reporters use none of them)",
				n, s->rpt.qname ? s->rpt.qname : "?");
		return;
	}
	if (mx_tlsrpt_parse(rec->raw, rec->len, &r) == 0) {
		struct mx_buf b;

		s->rpt_state = MX_RPT_OK;
		mx_buf_init(&b, 8192);
		for (i = 0; i < r.nrua; i++) {
			strv_add(&s->rpt_uris, &s->nrpt_uris, r.rua[i]);
			mx_buf_printf(&b, "%s%s", i ? ", " : "", r.rua[i]);
		}
		mx_buf_push(&b, "", 1);
		mx_findings_add(&t->findings, "tlsrpt.ok", s->rpt.qname,
				"TLS reports go to %s",
				b.err ? "?" : (const char *)b.p);
		mx_buf_free(&b);
	} else {
		s->rpt_state = MX_RPT_INVALID;
		errs_add(s, "TLS-RPT", &r.err);
		for (i = 0; i < r.nrua; i++)
			strv_add(&s->rpt_uris, &s->nrpt_uris, r.rua[i]);
		e = errs_text(&r.err);
		f = mx_findings_add(&t->findings, "tlsrpt.invalid",
				    s->rpt.qname, "%s: \"%s\": %s",
				    s->rpt.qname ? s->rpt.qname : "?",
				    rec->text ? rec->text : "", e);
		(void)f;
		free(e);
	}
	mx_tlsrpt_free(&r);
}

/* ---- MTA-STS -------------------------------------------------------------- */

int mx_sts_endpoint_ok(const struct mx_endpoint *ep, char *why, size_t len)
{
	static const char *const bad[] = {
		"cert.expired",		  "cert.self_signed",
		"cert.untrusted",	  "cert.chain_incomplete",
		"cert.hostname_mismatch",
	};
	size_t i, k;

	why[0] = '\0';
	if (!ep->tls.completed) {
		snprintf(why, len, "no TLS session (%s)",
			 ep->smtp.starttls.state == MX_STEP_SKIPPED
				 ? "STARTTLS not offered"
				 : mx_stop_name(ep->smtp.stop));
		return 0;
	}
	for (i = 0; i < ep->findings.n; i++)
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			if (ep->findings.v[i].def != NULL &&
			    strcmp(ep->findings.v[i].def->id, bad[k]) == 0) {
				snprintf(why, len, "%s", bad[k]);
				return 0;
			}
	if (ep->tls.verify_done && ep->tls.verify_code != 0) {
		snprintf(why, len, "chain does not verify: %s",
			 ep->tls.verify_error ? ep->tls.verify_error : "?");
		return 0;
	}
	if (ep->col[MX_COL_CERT] == MX_V_FAIL ||
	    ep->col[MX_COL_NAME] == MX_V_FAIL) {
		snprintf(why, len, "certificate judged FAIL");
		return 0;
	}
	return 1;
}

static int connected(const struct mx_endpoint *ep)
{
	return ep->smtp.connect.state == MX_STEP_OK;
}

/* Every MX host against the patterns, and the endpoints of the covered
 * ones; returns the number of failures. */
static int judge_mx(struct mx_target *t, enum mx_severity sev)
{
	struct mx_sts *s = &t->sts;
	size_t h, i, k;
	int fails = 0;

	for (h = 0; h < t->nhosts; h++) {
		const struct mx_host *mh = &t->hosts[h];
		int covered = 0;
		struct mx_buf b;

		if (mh->name == NULL || mh->name[0] == '\0')
			continue;
		for (k = 0; k < s->nmx && !covered; k++)
			covered = mx_sts_mx_match(s->mx[k], mh->name);
		if (!covered) {
			struct mx_finding *f;

			mx_buf_init(&b, 4096);
			for (k = 0; k < s->nmx; k++)
				mx_buf_printf(&b, "%s%s", k ? ", " : "",
					      s->mx[k]);
			mx_buf_push(&b, "", 1);
			f = mx_findings_add(
				&t->findings, "mtasts.mx_not_covered", mh->name,
				"MX %s matches no mx pattern of the %s policy "
				"(%s): senders that apply it %s",
				mh->name, s->mode,
				b.err ? "?" : (const char *)b.p,
				sev == MX_SEV_CRIT
					? "refuse to deliver to it"
					: "report it (testing) and deliver");
			f->severity = sev;
			mx_buf_free(&b);
			fails++;
			continue;
		}
		for (i = mh->first_ep;
		     i < mh->first_ep + mh->nep && i < t->nendpoints; i++) {
			const struct mx_endpoint *ep = &t->endpoints[i];
			char why[300], where[MX_WHERE_MAX];
			struct mx_finding *f;

			if (!connected(ep) ||
			    mx_sts_endpoint_ok(ep, why, sizeof(why)))
				continue;
			f = mx_findings_add(
				&t->findings, "mtasts.cert_invalid",
				mx_endpoint_where_buf(where, sizeof(where), ep),
				"%s under the %s policy: %s", mh->name, s->mode,
				why);
			f->severity = sev;
			fails++;
		}
	}
	return fails;
}

static int is_text_plain(const char *ct)
{
	size_t n = strlen("text/plain");

	return ct != NULL && strncasecmp(ct, "text/plain", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The policy response, when it did not give a policy: why. */
static int fetch_problem(const struct mx_sts *s, char *why, size_t len)
{
	if (s->host_status != MX_DNS_OK)
		snprintf(why, len, "%s has no address (%s)",
			 s->policy_host ? s->policy_host : "?",
			 mx_dns_status_name(s->host_status));
	else if (!s->fetched)
		snprintf(why, len, "no HTTPS request could be made%s%s",
			 s->curl_error ? ": " : "",
			 s->curl_error ? s->curl_error : "");
	else if (s->too_large)
		snprintf(why, len, "the policy is larger than 64 KiB");
	else if (s->http_status == 0)
		snprintf(why, len, "no HTTP answer: %s",
			 s->curl_error ? s->curl_error : "?");
	else if (s->http_status != 200)
		snprintf(why, len, "HTTP status %ld", s->http_status);
	else if (s->curl_error != NULL)
		snprintf(why, len, "transfer failed: %s", s->curl_error);
	else
		return 0;
	return 1;
}

static void judge_policy(struct mx_target *t, int txt_present)
{
	struct mx_sts *s = &t->sts;
	struct mx_sts_policy p;
	const char *w = s->policy_url ? s->policy_url : t->name;
	enum mx_severity sev;
	char *e;
	size_t i;

	if (s->content_type == NULL || !is_text_plain(s->content_type))
		mx_findings_add(&t->findings, "mtasts.policy_content_type", w,
				"the policy is served as %s, not text/plain",
				s->content_type ? s->content_type
						: "(no Content-Type)");
	if (mx_sts_policy_parse(s->body, s->body_len, &p) == 0)
		s->policy_valid = 1;
	if (p.err.n > 0) {
		errs_add(s, "policy", &p.err);
		e = errs_text(&p.err);
		mx_findings_add(&t->findings, "mtasts.policy_syntax", w,
				"%s policy: %s",
				s->policy_valid ? "a usable" : "an invalid", e);
		free(e);
	}
	if (p.mode != MX_STS_PMODE_MISSING)
		s->mode = xstrdup(mx_sts_pmode_name(p.mode));
	s->max_age = p.max_age;
	for (i = 0; i < p.nmx; i++)
		strv_add(&s->mx, &s->nmx, p.mx[i]);
	mx_sts_policy_free(&p);
	if (!s->policy_valid || !txt_present) {
		s->state = MX_STS_UNUSABLE;
		return;
	}
	if (p.mode == MX_STS_PMODE_NONE) {
		s->state = MX_STS_MODE_NONE;
		mx_findings_add(&t->findings, "mtasts.mode_none", w,
				"mode: none: senders drop any cached policy "
				"and apply none");
		return;
	}
	if (s->max_age < 86400)
		mx_findings_add(&t->findings, "mtasts.max_age_short", w,
				"max_age %ld s is under a day", s->max_age);
	sev = p.mode == MX_STS_PMODE_ENFORCE ? MX_SEV_CRIT : MX_SEV_WARN;
	if (judge_mx(t, sev) > 0) {
		s->state = MX_STS_FAILING;
		return;
	}
	s->state = MX_STS_OK;
	mx_findings_add(&t->findings, "mtasts.ok", t->name,
			"policy id %s, mode %s, max_age %ld: every MX is "
			"covered and its certificate is valid",
			s->txt_id ? s->txt_id : "?", s->mode, s->max_age);
}

void mx_sts_judge(struct mx_target *t)
{
	struct mx_sts *s = &t->sts;
	const struct mx_txt_rec *rec = NULL;
	struct mx_sts_txt tx;
	size_t i, n = 0;
	int policy_200, published;
	char why[600];

	mx_sts_judgement_clear(s);
	if (!s->looked_up || t->kind != MX_TARGET_DOMAIN || t->null_mx)
		return;
	for (i = 0; i < s->txt.n; i++)
		if (mx_sts_txt_is_sts(s->txt.v[i].raw, s->txt.v[i].len)) {
			n++;
			rec = &s->txt.v[i];
		}
	policy_200 = s->fetched && s->http_status == 200 && !s->too_large &&
		     s->curl_error == NULL;
	published = n > 0 || policy_200;
	judge_rpt(t, published);
	if (!published) {
		s->state = MX_STS_NOT_PUBLISHED;
		return;
	}
	s->state = MX_STS_UNUSABLE;
	if (n > 1) {
		strv_add(&s->errors, &s->nerrors,
			 "TXT: more than one v=STSv1 record");
		mx_findings_add(&t->findings, "mtasts.txt_invalid",
				s->txt.qname,
				"%zu v=STSv1 records at %s (RFC 8461 section "
				"3.1: senders then assume no policy)",
				n, s->txt.qname ? s->txt.qname : "?");
	} else if (n == 1) {
		if (mx_sts_txt_parse(rec->raw, rec->len, &tx) == 0) {
			s->txt_valid = 1;
			s->txt_id = xstrdup(tx.id);
		} else {
			char *e = errs_text(&tx.err);

			errs_add(s, "TXT", &tx.err);
			mx_findings_add(&t->findings, "mtasts.txt_invalid",
					s->txt.qname, "%s: \"%s\": %s",
					s->txt.qname ? s->txt.qname : "?",
					rec->text ? rec->text : "", e);
			free(e);
		}
	}
	if (!policy_200) {
		if (s->http_status >= 300 && s->http_status < 400) {
			mx_findings_add(&t->findings, "mtasts.policy_redirect",
					s->policy_url,
					"HTTP %ld to %s: senders do not follow "
					"redirects",
					s->http_status,
					s->location ? s->location : "?");
		} else {
			fetch_problem(s, why, sizeof(why));
			mx_findings_add(&t->findings,
					"mtasts.policy_unavailable",
					s->policy_url, "%s: %s",
					s->policy_url ? s->policy_url : "?",
					why);
		}
		strv_add(&s->errors, &s->nerrors,
			 "policy: not retrieved (see the findings)");
		return;
	}
	if (n == 0)
		mx_findings_add(&t->findings, "mtasts.policy_without_txt",
				s->txt.qname,
				"%s serves a policy but %s has no v=STSv1 "
				"record (%s): senders never fetch it",
				s->policy_host ? s->policy_host : "?",
				s->txt.qname ? s->txt.qname : "?",
				mx_dns_status_name(s->txt.status));
	judge_policy(t, s->txt_valid);
}

int mx_sts_sender_mode(const struct mx_sts *s)
{
	if (s->state != MX_STS_OK && s->state != MX_STS_FAILING)
		return 0;
	return s->mode != NULL && strcmp(s->mode, "enforce") == 0 ? 2 : 1;
}
