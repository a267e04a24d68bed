/*
 * result.c - constructors, destructors and names for the result model.
 */
#include "model/result.h"

#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/xalloc.h"

#define MX_TX_MAX_LINE_BYTES 2048

struct mx_run *mx_run_new(void)
{
	return xcalloc(1, sizeof(struct mx_run));
}

void mx_reply_clear(struct mx_reply *r)
{
	free(r->text);
	memset(r, 0, sizeof(*r));
}

void mx_caps_clear(struct mx_caps *c)
{
	size_t i;

	free(c->auth);
	for (i = 0; i < c->nkeywords; i++)
		free(c->keywords[i]);
	free(c->keywords);
	memset(c, 0, sizeof(*c));
}

void mx_caps_add_keyword(struct mx_caps *c, const char *escaped)
{
	MX_GROW(c->keywords, c->nkeywords, c->capkeywords);
	c->keywords[c->nkeywords++] = xstrdup(escaped);
}

void mx_tx_add(struct mx_transcript *tx, enum mx_tx_dir dir, int64_t t_ms,
	       const void *raw, size_t len)
{
	struct mx_tx_line *l;

	if (tx->n >= MX_TX_MAX_LINES) {
		tx->dropped++;
		return;
	}
	MX_GROW(tx->v, tx->n, tx->cap);
	l = &tx->v[tx->n++];
	l->dir = dir;
	l->t_ms = t_ms;
	l->text = mx_escape(raw, len, MX_TX_MAX_LINE_BYTES);
}

void mx_tx_clear(struct mx_transcript *tx)
{
	size_t i;

	for (i = 0; i < tx->n; i++)
		free(tx->v[i].text);
	free(tx->v);
	memset(tx, 0, sizeof(*tx));
}

void mx_cert_clear(struct mx_cert *c)
{
	size_t i;

	free(c->der);
	free(c->subject);
	free(c->issuer);
	free(c->cn);
	free(c->serial);
	free(c->key_type);
	free(c->sig_alg);
	for (i = 0; i < c->nsan_dns; i++)
		free(c->san_dns[i]);
	free(c->san_dns);
	for (i = 0; i < c->nsan_ip; i++)
		free(c->san_ip[i]);
	free(c->san_ip);
	free(c->aia_ca_issuers);
	free(c->aia_ocsp);
	free(c->sha256);
	free(c->spki_sha256);
	memset(c, 0, sizeof(*c));
}

void mx_chain_clear(struct mx_chain *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++)
		mx_cert_clear(&ch->v[i]);
	free(ch->v);
	memset(ch, 0, sizeof(*ch));
}

struct mx_cert *mx_chain_add(struct mx_chain *ch)
{
	struct mx_cert *c;

	MX_GROW(ch->v, ch->n, ch->cap);
	c = &ch->v[ch->n++];
	memset(c, 0, sizeof(*c));
	return c;
}

void mx_tls_clear(struct mx_tls *t)
{
	free(t->backend);
	free(t->sni);
	free(t->version);
	free(t->suite_iana);
	free(t->suite_openssl);
	free(t->temp_key_type);
	free(t->temp_key_group);
	free(t->alpn);
	free(t->fail_detail);
	free(t->verify_error);
	mx_chain_clear(&t->chain);
	memset(t, 0, sizeof(*t));
}

void mx_smtp_clear(struct mx_smtp *s)
{
	mx_reply_clear(&s->greeting);
	mx_reply_clear(&s->starttls_reply);
	mx_caps_clear(&s->caps);
	mx_caps_clear(&s->caps_tls);
	free(s->error);
	mx_tx_clear(&s->tx);
	memset(s, 0, sizeof(*s));
}

void mx_endpoint_clear(struct mx_endpoint *ep)
{
	size_t i;

	free(ep->host);
	free(ep->addr);
	mx_smtp_clear(&ep->smtp);
	mx_tls_clear(&ep->tls);
	mx_enum_free(ep->enumr);
	for (i = 0; i < ep->nconns; i++)
		free(ep->conns[i]);
	free(ep->conns);
	for (i = 0; i < ep->ncaps; i++) {
		mx_capsess_clear(ep->caps[i]);
		free(ep->caps[i]);
	}
	free(ep->caps);
	mx_findings_clear(&ep->findings);
	mx_dane_clear(&ep->dane);
	memset(ep, 0, sizeof(*ep));
}

struct mx_connrec *mx_endpoint_conn_new(struct mx_endpoint *ep, unsigned id,
					const struct mx_conn_purpose *p)
{
	struct mx_connrec *r = xmalloc(sizeof(*r));

	mx_connrec_init(r, id, p);
	MX_GROW(ep->conns, ep->nconns, ep->capconns);
	ep->conns[ep->nconns++] = r;
	return r;
}

struct mx_target *mx_run_add_target(struct mx_run *run)
{
	struct mx_target *t;

	MX_GROW(run->targets, run->ntargets, run->captargets);
	t = &run->targets[run->ntargets++];
	memset(t, 0, sizeof(*t));
	t->confidence = -1;
	return t;
}

struct mx_host *mx_target_add_host(struct mx_target *t)
{
	struct mx_host *h;

	MX_GROW(t->hosts, t->nhosts, t->caphosts);
	h = &t->hosts[t->nhosts++];
	memset(h, 0, sizeof(*h));
	h->pref = -1;
	return h;
}

struct mx_endpoint *mx_target_add_endpoint(struct mx_target *t)
{
	struct mx_endpoint *ep;

	MX_GROW(t->endpoints, t->nendpoints, t->capendpoints);
	ep = &t->endpoints[t->nendpoints++];
	memset(ep, 0, sizeof(*ep));
	ep->pref = -1;
	return ep;
}

static void target_clear(struct mx_target *t)
{
	size_t i;

	free(t->spec);
	free(t->name);
	free(t->dns_error);
	for (i = 0; i < t->nhosts; i++)
		free(t->hosts[i].name);
	free(t->hosts);
	for (i = 0; i < t->nendpoints; i++)
		mx_endpoint_clear(&t->endpoints[i]);
	free(t->endpoints);
	mx_findings_clear(&t->findings);
	mx_sts_clear(&t->sts);
}

void mx_run_free(struct mx_run *run)
{
	size_t i;

	if (run == NULL)
		return;
	for (i = 0; i < run->ntargets; i++)
		target_clear(&run->targets[i]);
	free(run->targets);
	free(run->tool_version);
	free(run->helo);
	free(run);
}

#define NAME(v, tab)                                                           \
	((size_t)(v) < sizeof(tab) / sizeof(tab[0]) ? tab[v] : "unknown")

const char *mx_step_state_name(enum mx_step_state s)
{
	static const char *const t[] = {"not_run", "ok", "failed", "skipped"};
	return NAME(s, t);
}

const char *mx_stop_name(enum mx_stop s)
{
	static const char *const t[] = {
		"none",
		"connect_refused",
		"connect_timeout",
		"connect_error",
		"greeting_timeout",
		"greeting_rejected",
		"reply_timeout",
		"reply_limit",
		"reply_malformed",
		"peer_closed",
		"peer_reset",
		"ehlo_rejected",
		"starttls_rejected",
		"tls_failed",
		"target_deadline",
		"internal",
		"cancelled",
		"local",
	};
	return NAME(s, t);
}

const char *mx_tls_fail_name(enum mx_tls_fail f)
{
	static const char *const t[] = {
		"none",	   "alert_received", "alert_sent", "eof",  "reset",
		"timeout", "protocol",	     "other",	   "local"};
	return NAME(f, t);
}

const char *mx_tls_mode_name(enum mx_tls_mode m)
{
	static const char *const t[] = {"starttls", "implicit", "plain"};
	return NAME(m, t);
}

const char *mx_dns_status_name(enum mx_dns_status s)
{
	static const char *const t[] = {"not_asked", "ok",	 "nodata",
					"nxdomain",  "servfail", "timeout",
					"bogus",     "error"};
	return NAME(s, t);
}

const char *mx_verdict_name(enum mx_verdict v)
{
	static const char *const t[] = {"none", "ok", "warn", "fail"};
	return NAME(v, t);
}

const char *mx_column_name(enum mx_column c)
{
	static const char *const t[] = {"connect",	  "banner",
					"ehlo",		  "tls_offered",
					"tls_negotiated", "cert",
					"name",		  "dane"};
	return NAME(c, t);
}

const char *mx_dane_state_name(enum mx_dane_state s)
{
	static const char *const t[] = {
		"not_looked_up", "none",	"ok",
		"mismatch",	 "ta_not_sent", "no_tls",
		"insecure",	 "unusable",	"failed"};
	return NAME(s, t);
}

const char *mx_dane_rr_result_name(enum mx_dane_rr_result r)
{
	static const char *const t[] = {"not_judged",  "match",	   "no_match",
					"ta_not_sent", "unusable", "malformed"};
	return NAME(r, t);
}

const char *mx_dane_usage_name(uint8_t usage)
{
	static const char *const t[] = {"PKIX-TA", "PKIX-EE", "DANE-TA",
					"DANE-EE"};
	return usage < 4 ? t[usage] : "private/unknown";
}

void mx_dane_clear(struct mx_dane *d)
{
	size_t i;

	free(d->qname);
	free(d->why_bogus);
	for (i = 0; i < d->nrr; i++) {
		free(d->rr[i].data);
		free(d->rr[i].why);
	}
	free(d->rr);
	memset(d, 0, sizeof(*d));
}

/* ---- MTA-STS and TLS-RPT ------------------------------------------------ */

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void mx_txt_lookup_clear(struct mx_txt_lookup *l)
{
	size_t i;

	free(l->qname);
	for (i = 0; i < l->n; i++) {
		free(l->v[i].raw);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void mx_sts_judgement_clear(struct mx_sts *s)
{
	free(s->txt_id);
	free(s->mode);
	strv_free(s->mx, s->nmx);
	strv_free(s->errors, s->nerrors);
	strv_free(s->rpt_uris, s->nrpt_uris);
	s->txt_id = s->mode = NULL;
	s->mx = s->errors = s->rpt_uris = NULL;
	s->nmx = s->nerrors = s->nrpt_uris = 0;
	s->state = MX_STS_NOT_LOOKED_UP;
	s->rpt_state = MX_RPT_NOT_LOOKED_UP;
	s->txt_valid = s->policy_valid = 0;
	s->max_age = -1;
}

void mx_sts_clear(struct mx_sts *s)
{
	mx_sts_judgement_clear(s);
	mx_txt_lookup_clear(&s->txt);
	mx_txt_lookup_clear(&s->rpt);
	free(s->policy_host);
	free(s->policy_url);
	free(s->policy_addr);
	free(s->content_type);
	free(s->location);
	free(s->curl_error);
	free(s->body);
	free(s->policy_text);
	memset(s, 0, sizeof(*s));
	s->max_age = -1;
}

const char *mx_sts_state_name(enum mx_sts_state s)
{
	static const char *const n[] = {
		"not_looked_up", "not_published", "unusable", "mode_none", "ok",
		"failing"};

	return (size_t)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

const char *mx_rpt_state_name(enum mx_rpt_state s)
{
	static const char *const n[] = {"not_looked_up", "none", "invalid",
					"ok"};

	return (size_t)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}
