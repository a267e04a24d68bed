/*
 * snapshot.c - one endpoint's result flattened for history and drift
 * (model/snapshot.h).
 *
 * mx_snapshot_from_endpoint() copies facts and verdicts out of the
 * result model; it judges nothing new.  What it reads:
 *   leaf certificate   ep->tls.chain.v[0] (as sent)
 *   chain              the sha256 of every certificate sent, leaf first,
 *                      joined by ","
 *   verify_ok          tls.verify_done && verify_code == 0 (X509_V_OK)
 *   starttls           STARTTLS mode only, once an EHLO reply was parsed:
 *                      1 when the keyword was offered (as the analyzers
 *                      read it: the keyword list, or a handshake that
 *                      was attempted after STARTTLS), else 0; -1 for
 *                      the other modes or when EHLO was never answered
 *   findings / worst   the endpoint's own findings (not the target's);
 *                      mx_findings_worst()
 *   dane               the endpoint's DANE state; sts, sts_mode, sts_id
 *                      the target's MTA-STS state, mode and TXT id
 * Ownership: everything copied; the snapshot owns its strings.
 */
#include "model/snapshot.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/xalloc.h"

static char *dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

struct mx_snapshot *mx_snapshot_new(void)
{
	struct mx_snapshot *s = xcalloc(1, sizeof(*s));

	s->pref = -1;
	s->starttls = -1;
	return s;
}

void mx_snap_findings_free(struct mx_snap_finding *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].evidence);
		free(v[i].before);
		free(v[i].after);
	}
	free(v);
}

void mx_snapshot_free(struct mx_snapshot *s)
{
	if (s == NULL)
		return;
	free(s->key);
	free(s->target);
	free(s->host);
	free(s->addr);
	free(s->stop);
	free(s->tls_version);
	free(s->suite);
	free(s->temp_key_type);
	free(s->temp_key_group);
	free(s->cert_sha256);
	free(s->cert_serial);
	free(s->cert_subject);
	free(s->cert_issuer);
	free(s->chain);
	free(s->verify_error);
	free(s->sts_mode);
	free(s->sts_id);
	mx_snap_findings_free(s->findings, s->nfindings);
	mx_snap_findings_free(s->drift, s->ndrift);
	free(s);
}

struct mx_snap_finding *mx_snap_add(struct mx_snap_finding **v, size_t *n,
				    const char *id, enum mx_severity sev,
				    const char *evidence, const char *before,
				    const char *after)
{
	struct mx_snap_finding *f;

	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	f = &(*v)[(*n)++];
	f->id = xstrdup(id != NULL ? id : "");
	f->severity = sev;
	f->evidence = dup_or_null(evidence);
	f->before = dup_or_null(before);
	f->after = dup_or_null(after);
	return f;
}

char *mx_snapshot_key(const struct mx_endpoint *ep)
{
	const char *host = ep->host != NULL ? ep->host : "";
	const char *addr = ep->addr != NULL ? ep->addr : "";

	return xasprintf("%s[%s]:%u/%s", host, addr, (unsigned)ep->port,
			 mx_tls_mode_name(ep->mode));
}

long mx_snapshot_days_left(const struct mx_snapshot *s, time_t now, int *known)
{
	int64_t left;

	if (s == NULL || s->cert_not_after == 0) {
		if (known != NULL)
			*known = 0;
		return 0;
	}
	if (known != NULL)
		*known = 1;
	left = (int64_t)s->cert_not_after - (int64_t)now;
	/* the same rounding as analyzers/analyze.c: whole days, down */
	return (long)(left >= 0 ? left / 86400 : -((-left + 86399) / 86400));
}

/* STARTTLS offered: the keyword in the EHLO reply (case-insensitive,
 * RFC 5321 section 2.4), or a TLS handshake after STARTTLS (the probe
 * only sends STARTTLS when offered). */
static int starttls_state(const struct mx_endpoint *ep)
{
	const struct mx_caps *k = &ep->smtp.caps;

	if (ep->mode != MX_MODE_STARTTLS || !k->valid)
		return -1;
	for (size_t i = 0; i < k->nkeywords; i++) {
		const char *kw = k->keywords[i];
		if (kw != NULL && strncasecmp(kw, "STARTTLS", 8) == 0 &&
		    (kw[8] == '\0' || kw[8] == ' '))
			return 1;
	}
	if (ep->tls.attempted || ep->smtp.starttls.state != MX_STEP_NOT_RUN)
		return 1;
	return 0;
}

static char *chain_list(const struct mx_chain *ch)
{
	struct mx_buf b;
	size_t len;
	uint8_t *p;

	if (ch->n == 0)
		return NULL;
	mx_buf_init(&b, 0);
	for (size_t i = 0; i < ch->n; i++) {
		if (i > 0)
			mx_buf_push_str(&b, ",");
		mx_buf_push_str(&b, ch->v[i].sha256 != NULL ? ch->v[i].sha256
							    : "?");
	}
	mx_buf_push(&b, "", 1);
	if (b.err) {
		mx_buf_free(&b);
		return NULL;
	}
	p = mx_buf_take(&b, &len);
	return (char *)p;
}

struct mx_snapshot *mx_snapshot_from_endpoint(const struct mx_target *t,
					      const struct mx_endpoint *ep,
					      time_t at)
{
	struct mx_snapshot *s = mx_snapshot_new();
	const struct mx_tls *tls = &ep->tls;

	s->key = mx_snapshot_key(ep);
	s->target = dup_or_null(t != NULL ? t->spec : NULL);
	s->host = dup_or_null(ep->host);
	s->addr = dup_or_null(ep->addr);
	s->port = ep->port;
	s->mode = ep->mode;
	s->pref = ep->pref;
	s->at = at;
	s->total_ms = ep->total_ms;
	s->worst = mx_findings_worst(&ep->findings);
	s->complete = ep->smtp.stop != MX_STOP_CANCELLED;
	s->connected =
		ep->smtp.connect.state == MX_STEP_OK &&
		(ep->mode == MX_MODE_IMPLICIT || ep->smtp.greeting.code == 220);
	s->starttls = starttls_state(ep);
	s->stop = xstrdup(mx_stop_name(ep->smtp.stop));

	s->tls_ok = tls->completed;
	if (tls->completed) {
		s->tls_version = dup_or_null(tls->version);
		s->suite = dup_or_null(tls->suite_iana);
		s->temp_key_type = dup_or_null(tls->temp_key_type);
		s->temp_key_group = dup_or_null(tls->temp_key_group);
		s->temp_key_bits = tls->temp_key_bits;
	}
	if (tls->chain.n > 0) {
		const struct mx_cert *leaf = &tls->chain.v[0];
		s->cert_sha256 = dup_or_null(leaf->sha256);
		s->cert_serial = dup_or_null(leaf->serial);
		s->cert_subject = dup_or_null(leaf->subject);
		s->cert_issuer = dup_or_null(leaf->issuer);
		s->cert_not_after = leaf->not_after;
		s->chain = chain_list(&tls->chain);
		s->chain_len = (int)tls->chain.n;
	}
	s->verify_ok = tls->verify_done && tls->verify_code == 0;
	if (tls->verify_done && tls->verify_code != 0)
		s->verify_error = dup_or_null(tls->verify_error);

	s->dane = ep->dane.state;
	if (t != NULL) {
		s->sts = t->sts.state;
		s->sts_mode = dup_or_null(t->sts.mode);
		s->sts_id = dup_or_null(t->sts.txt_id);
	}
	for (size_t i = 0; i < ep->findings.n; i++) {
		const struct mx_finding *f = &ep->findings.v[i];
		mx_snap_add(&s->findings, &s->nfindings,
			    f->def != NULL ? f->def->id : "", f->severity,
			    f->evidence, NULL, NULL);
	}
	return s;
}
