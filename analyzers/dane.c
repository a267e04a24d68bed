/*
 * dane.c - TLSA records against the chain as sent; see dane.h.
 *
 * The chain is decoded once per endpoint (struct chainx, at most
 * MAX_CERTS certificates of at most 64 KiB each); every record is then
 * matched against it.  Findings name each record that decided, so a
 * mismatch shows what was published next to what was served.
 */
#include "analyzers/dane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "analyzers/endpoint_int.h"
#include "analyzers/hostname.h"
#include "common/xalloc.h"

#define MAX_CERTS 16
#define WHY_MAX 320
#define EV_MAX 1600

struct chainx {
	X509 *c[MAX_CERTS];
	size_t n;
	STACK_OF(X509) * untrusted; /* c[1..] */
};

static void chainx_free(struct chainx *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		X509_free(x->c[i]);
	sk_X509_free(x->untrusted);
	memset(x, 0, sizeof(*x));
}

static X509 *der_cert(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;

	if (der == NULL || len == 0 || len > 65536)
		return NULL;
	return d2i_X509(NULL, &p, (long)len);
}

/* 0, or -1 when the leaf does not decode (then nothing matches). */
static int chainx_init(struct chainx *x, const struct mx_tls *tls)
{
	size_t i;

	memset(x, 0, sizeof(*x));
	x->untrusted = sk_X509_new_null();
	if (x->untrusted == NULL)
		return -1;
	for (i = 0; i < tls->chain.n && i < MAX_CERTS; i++) {
		x->c[i] =
			der_cert(tls->chain.v[i].der, tls->chain.v[i].der_len);
		x->n = i + 1;
		if (i > 0 && x->c[i] != NULL)
			sk_X509_push(x->untrusted, x->c[i]);
	}
	return x->n > 0 && x->c[0] != NULL ? 0 : -1;
}

/* RFC 6698 section 2.1.2/2.1.3: the selected content of x, matched. */
static int rr_matches(X509 *x, const struct mx_dane_rr *rr)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	int len, ok = 0;

	if (x == NULL)
		return 0;
	len = rr->selector == 0
		      ? i2d_X509(x, &der)
		      : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (len <= 0 || der == NULL) {
		OPENSSL_free(der);
		return 0;
	}
	if (rr->mtype == 0)
		ok = (size_t)len == rr->len &&
		     memcmp(der, rr->data, rr->len) == 0;
	else if (EVP_Digest(der, (size_t)len, md, &mdlen,
			    rr->mtype == 1 ? EVP_sha256() : EVP_sha512(),
			    NULL) == 1)
		ok = mdlen == rr->len && memcmp(md, rr->data, rr->len) == 0;
	OPENSSL_free(der);
	return ok;
}

/* The chain as sent verifies the leaf up to ta (dates checked when now
 * is not 0).  1, or 0 with the verifier's reason in why. */
static int ta_verifies(const struct chainx *x, X509 *ta, time_t now, char *why,
		       size_t whylen)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	if (store == NULL || ctx == NULL || !X509_STORE_add_cert(store, ta) ||
	    !X509_STORE_CTX_init(ctx, store, x->c[0], x->untrusted)) {
		snprintf(why, whylen, "out of memory verifying the chain");
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	if (now != 0)
		X509_STORE_CTX_set_time(ctx, 0, now);
	else
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) == 1)
		ok = 1;
	else
		snprintf(why, whylen,
			 "the chain sent does not verify up to it: %s",
			 X509_verify_cert_error_string(
				 X509_STORE_CTX_get_error(ctx)));
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static int params_usable(const struct mx_dane_rr *rr, char *why, size_t whylen)
{
	if (rr->usage == 0 || rr->usage == 1) {
		snprintf(why, whylen,
			 "%s(%u) is unusable for SMTP (RFC 7672 section "
			 "3.1.3): DANE senders ignore it",
			 mx_dane_usage_name(rr->usage), rr->usage);
		return 0;
	}
	if (rr->usage > 3 || rr->selector > 1 || rr->mtype > 2) {
		snprintf(why, whylen,
			 "usage %u, selector %u, matching type %u: not "
			 "defined for DANE (RFC 7671 section 4)",
			 rr->usage, rr->selector, rr->mtype);
		return 0;
	}
	return 1;
}

static int length_ok(const struct mx_dane_rr *rr, char *why, size_t whylen)
{
	static const size_t want[] = {0, 32, 64};

	if (rr->mtype == 0 ? rr->len > 0 : rr->len == want[rr->mtype])
		return 1;
	snprintf(why, whylen,
		 "%s data of %zu octets (want %zu): malformed, unusable",
		 rr->mtype == 0	  ? "Full(0)"
		 : rr->mtype == 1 ? "SHA2-256(1)"
				  : "SHA2-512(2)",
		 rr->len, rr->mtype == 0 ? (size_t)1 : want[rr->mtype]);
	return 0;
}

/* DANE-TA(2). */
static enum mx_dane_rr_result judge_ta(const struct mx_dane_rr *rr,
				       const struct chainx *x,
				       const struct mx_tls *tls,
				       const char *host, time_t now, char *why,
				       size_t whylen)
{
	const struct mx_cert *top;
	X509 *whole = NULL;
	size_t j;
	int found = 0;

	for (j = 1; j < x->n; j++) {
		if (!rr_matches(x->c[j], rr))
			continue;
		found = 1;
		if (!ta_verifies(x, x->c[j], now, why, whylen))
			continue;
		/* RFC 7672 section 3.2.2: the MX host name */
		if (host != NULL &&
		    !mx_cert_matches_name(&tls->chain.v[0], host)) {
			snprintf(why, whylen,
				 "matches certificate %zu sent, which "
				 "verifies the leaf, but the leaf does not "
				 "name %s (RFC 7672 section 3.2.2)",
				 j, host);
			continue;
		}
		snprintf(why, whylen,
			 "matches certificate %zu sent, which verifies the "
			 "leaf for %s",
			 j, host ? host : "the host");
		return MX_DANE_RR_MATCH;
	}
	if (found)
		return MX_DANE_RR_NO_MATCH;
	/* "2 0 0": the record is the CA certificate itself */
	if (rr->selector == 0 && rr->mtype == 0 &&
	    (whole = der_cert(rr->data, rr->len)) != NULL &&
	    X509_check_ca(whole) == 0) {
		X509_free(whole); /* a TA is a CA (RFC 7671 section 5.2) */
		whole = NULL;
	}
	if (whole != NULL) {
		int ok = ta_verifies(x, whole, now, why, whylen);

		X509_free(whole);
		if (ok && host != NULL &&
		    !mx_cert_matches_name(&tls->chain.v[0], host)) {
			snprintf(why, whylen,
				 "the CA certificate in the record verifies "
				 "the leaf, but the leaf does not name %s "
				 "(RFC 7672 section 3.2.2)",
				 host);
			return MX_DANE_RR_NO_MATCH;
		}
		if (ok) {
			snprintf(why, whylen,
				 "the CA certificate in the record verifies "
				 "the leaf (not sent by the server)");
			return MX_DANE_RR_MATCH;
		}
		return MX_DANE_RR_NO_MATCH;
	}
	top = &tls->chain.v[tls->chain.n - 1];
	if (!top->self_issued) {
		snprintf(why, whylen,
			 "matches no certificate sent; the chain sent ends "
			 "at \"%s\", whose issuer \"%s\" is not sent: a "
			 "DANE-TA CA must be in the chain (RFC 7671 section "
			 "5.2.2)",
			 mx_ep_nz(top->subject), mx_ep_nz(top->issuer));
		return MX_DANE_RR_TA_NOT_SENT;
	}
	snprintf(why, whylen, "matches no certificate of the chain sent");
	return MX_DANE_RR_NO_MATCH;
}

static enum mx_dane_rr_result judge_one(const struct mx_dane_rr *rr,
					const struct chainx *x, int decoded,
					const struct mx_tls *tls,
					const char *host, time_t now, char *why,
					size_t whylen)
{
	if (!params_usable(rr, why, whylen))
		return MX_DANE_RR_UNUSABLE;
	if (!length_ok(rr, why, whylen))
		return MX_DANE_RR_MALFORMED;
	if (tls == NULL || !tls->completed || tls->chain.n == 0) {
		snprintf(why, whylen, "no certificate to match (no TLS)");
		return MX_DANE_RR_NOT_JUDGED;
	}
	if (!decoded) {
		snprintf(why, whylen, "the leaf certificate does not decode");
		return MX_DANE_RR_NO_MATCH;
	}
	if (rr->usage == 3) {
		/* RFC 7671 section 5.1: names and dates are not checked */
		if (rr_matches(x->c[0], rr)) {
			snprintf(why, whylen,
				 "matches the leaf's %s (names and expiry "
				 "not checked, RFC 7671 section 5.1)",
				 rr->selector ? "public key" : "certificate");
			return MX_DANE_RR_MATCH;
		}
		snprintf(why, whylen, "does not match the leaf's %s",
			 rr->selector ? "public key" : "certificate");
		return MX_DANE_RR_NO_MATCH;
	}
	return judge_ta(rr, x, tls, host, now, why, whylen);
}

enum mx_dane_rr_result mx_dane_rr_judge(const struct mx_dane_rr *rr,
					const struct mx_tls *tls,
					const char *host, time_t now, char *why,
					size_t whylen)
{
	struct chainx x;
	enum mx_dane_rr_result r;
	char dummy[WHY_MAX];
	int decoded = 0;

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	memset(&x, 0, sizeof(x));
	if (tls != NULL && tls->completed && tls->chain.n > 0)
		decoded = chainx_init(&x, tls) == 0;
	r = judge_one(rr, &x, decoded, tls, host, now, why, whylen);
	chainx_free(&x);
	return r;
}

static int rr_usable(const struct mx_dane_rr *rr)
{
	return rr->result != MX_DANE_RR_UNUSABLE &&
	       rr->result != MX_DANE_RR_MALFORMED;
}

size_t mx_dane_usable_count(const struct mx_dane *d)
{
	size_t i, j, n = 0;

	for (i = 0; i < d->nrr; i++) {
		int dup = 0;

		if (!rr_usable(&d->rr[i]))
			continue;
		for (j = 0; j < i && !dup; j++)
			dup = rr_usable(&d->rr[j]) &&
			      d->rr[j].usage == d->rr[i].usage &&
			      d->rr[j].selector == d->rr[i].selector &&
			      d->rr[j].mtype == d->rr[i].mtype &&
			      d->rr[j].len == d->rr[i].len &&
			      memcmp(d->rr[j].data, d->rr[i].data,
				     d->rr[i].len) == 0;
		n += !dup;
	}
	return n;
}

static enum mx_dane_state state_of(const struct mx_endpoint *ep)
{
	const struct mx_dane *d = &ep->dane;
	size_t i, nmatch = 0, nta = 0;

	if (!d->looked_up)
		return MX_DANE_NOT_LOOKED_UP;
	if (d->status != MX_DNS_OK && d->status != MX_DNS_NODATA &&
	    d->status != MX_DNS_NXDOMAIN)
		return MX_DANE_FAILED;
	if (d->nrr == 0)
		return MX_DANE_NONE;
	if (!d->secure || d->mx_insecure)
		return MX_DANE_INSECURE;
	/* RFC 7672 section 2.2: usable or not, TLSA means TLS is a must */
	if (!ep->tls.completed)
		return MX_DANE_NO_TLS;
	if (mx_dane_usable_count(d) == 0)
		return MX_DANE_UNUSABLE;
	for (i = 0; i < d->nrr; i++) {
		nmatch += d->rr[i].result == MX_DANE_RR_MATCH;
		nta += d->rr[i].result == MX_DANE_RR_TA_NOT_SENT;
	}
	return nmatch ? MX_DANE_OK
	       : nta  ? MX_DANE_TA_NOT_SENT
		      : MX_DANE_MISMATCH;
}

void mx_dane_judge(struct mx_endpoint *ep, time_t now)
{
	struct mx_dane *d = &ep->dane;
	struct chainx x;
	char why[WHY_MAX];
	int decoded = 0;
	size_t i;

	memset(&x, 0, sizeof(x));
	if (ep->tls.completed && ep->tls.chain.n > 0)
		decoded = chainx_init(&x, &ep->tls) == 0;
	for (i = 0; i < d->nrr; i++) {
		struct mx_dane_rr *rr = &d->rr[i];

		free(rr->why);
		why[0] = '\0';
		rr->result = judge_one(rr, &x, decoded, &ep->tls, ep->host, now,
				       why, sizeof(why));
		rr->why = xstrdup(why);
	}
	chainx_free(&x);
	d->state = state_of(ep);
}

/* ---- the rule: findings against the DANE column ------------------------ */

/* "3 1 1 abc1dd2f73ef30e7..." */
static void rr_label(const struct mx_dane_rr *rr, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char h[17];
	size_t i;

	for (i = 0; i < rr->len && i < 8; i++) {
		h[2 * i] = hex[rr->data[i] >> 4];
		h[2 * i + 1] = hex[rr->data[i] & 15];
	}
	h[2 * i] = '\0';
	snprintf(out, len, "%u %u %u %s%s", rr->usage, rr->selector, rr->mtype,
		 h, rr->len > 8 ? "..." : "");
}

/* The records whose result is in `want` (a bit per result; 0: all),
 * "; "-separated with their reasons, into a malloc'ed line. */
static char *records_text(const struct mx_dane *d, unsigned want)
{
	char *s = xstrdup(""), lab[64];
	size_t i;

	for (i = 0; i < d->nrr; i++) {
		const struct mx_dane_rr *rr = &d->rr[i];
		char *n;

		if (want != 0 && !(want & (1u << rr->result)))
			continue;
		if (strlen(s) > EV_MAX) {
			n = xasprintf("%s; ...", s);
			free(s);
			return n;
		}
		rr_label(rr, lab, sizeof(lab));
		n = xasprintf("%s%sTLSA %s: %s", s, s[0] ? "; " : "", lab,
			      rr->why ? rr->why
				      : mx_dane_rr_result_name(rr->result));
		free(s);
		s = n;
	}
	return s;
}

#define BIT(r) (1u << (r))

static void emit_unusable(struct ep_ctx *c, const struct mx_dane *d,
			  enum mx_severity sev)
{
	char *ev = records_text(d, BIT(MX_DANE_RR_UNUSABLE) |
					   BIT(MX_DANE_RR_MALFORMED));

	if (ev[0])
		mx_ep_emit(c, MX_COL_DANE, "dane.unsupported_params", sev, NULL,
			   "%s: %s", d->qname, ev);
	free(ev);
}

void mx_ep_rule_dane(struct ep_ctx *c)
{
	struct mx_endpoint *ep = c->ep;
	struct mx_dane *d = &ep->dane;
	size_t nusable;
	char *ev = NULL;

	mx_dane_judge(ep, c->p->now);
	nusable = mx_dane_usable_count(d);
	switch (d->state) {
	case MX_DANE_NOT_LOOKED_UP:
	case MX_DANE_NONE:
		return;
	case MX_DANE_FAILED:
		/* RFC 7672 section 2.2: a failed TLSA lookup defers mail
		 * when the host's records are secure */
		mx_ep_emit(c, MX_COL_DANE, "dane.lookup_failed",
			   d->status == MX_DNS_BOGUS || !d->mx_insecure
				   ? MX_SEV_OK
				   : MX_SEV_WARN,
			   NULL, "TLSA %s: %s%s%s", d->qname,
			   mx_dns_status_name(d->status),
			   d->why_bogus ? ": " : "", mx_ep_nz(d->why_bogus));
		return;
	case MX_DANE_INSECURE:
		mx_ep_emit(c, MX_COL_DANE, "dane.insecure", MX_SEV_OK, NULL,
			   "%zu TLSA record(s) at %s, but %s: DANE senders "
			   "ignore them",
			   d->nrr, d->qname,
			   !d->secure
				   ? (d->via_ad
					      ? "the resolver did not mark "
						"the answer authenticated (AD)"
					      : "the answer is not "
						"DNSSEC-validated")
				   : "the MX lookup of the domain was not "
				     "DNSSEC-validated (RFC 7672 section "
				     "2.2.1)");
		return;
	case MX_DANE_NO_TLS:
		mx_ep_emit(c, MX_COL_DANE, "dane.no_tls", MX_SEV_OK, NULL,
			   "%zu TLSA record(s) at %s require TLS, but %s",
			   d->nrr, d->qname,
			   ep->tls.attempted ? "the TLS handshake failed"
			   : ep->mode == MX_MODE_PLAIN
				   ? "the endpoint was probed without TLS"
				   : "no TLS session was established "
				     "(STARTTLS not offered or refused)");
		return;
	case MX_DANE_UNUSABLE:
		emit_unusable(c, d, MX_SEV_OK);
		return;
	case MX_DANE_OK:
		ev = records_text(d, BIT(MX_DANE_RR_MATCH));
		mx_ep_emit(c, MX_COL_DANE, "dane.ok", MX_SEV_OK, NULL,
			   "%s (%zu usable record(s)): %s", d->qname, nusable,
			   ev);
		free(ev);
		if (nusable == 1)
			mx_ep_emit(c, MX_COL_DANE, "dane.single_record",
				   MX_SEV_OK, NULL,
				   "%s has one usable TLSA record: no record "
				   "for the next key or CA",
				   d->qname);
		ev = records_text(d, BIT(MX_DANE_RR_TA_NOT_SENT));
		if (ev[0])
			mx_ep_emit(c, MX_COL_DANE, "dane.ta_not_sent",
				   MX_SEV_WARN, NULL, "%s: %s", d->qname, ev);
		free(ev);
		break;
	case MX_DANE_TA_NOT_SENT:
		ev = records_text(d, BIT(MX_DANE_RR_TA_NOT_SENT));
		mx_ep_emit(c, MX_COL_DANE, "dane.ta_not_sent", MX_SEV_OK, NULL,
			   "%s: no record matches the chain sent; %s", d->qname,
			   ev);
		free(ev);
		break;
	case MX_DANE_MISMATCH:
		ev = records_text(d, BIT(MX_DANE_RR_NO_MATCH) |
					     BIT(MX_DANE_RR_TA_NOT_SENT));
		mx_ep_emit(c, MX_COL_DANE, "dane.mismatch", MX_SEV_OK, NULL,
			   "%s: none of %zu usable TLSA record(s) matches the "
			   "chain sent: %s",
			   d->qname, nusable, ev);
		free(ev);
		break;
	}
	emit_unusable(c, d, MX_SEV_OK);
}
