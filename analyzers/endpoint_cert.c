/*
 * endpoint_cert.c - the certificate rules of the endpoint analyzer:
 * validity (expired, not yet valid, expiring soon), self-signed, the
 * chain as verified (untrusted root, missing intermediate, the
 * verification errors table), the order of the chain as sent, and whether
 * the certificate names the MX host (RFC 6125).  Pure: facts in,
 * findings out (endpoint_int.h).
 */
#include "analyzers/endpoint_int.h"

#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/hostname.h"
#include "common/buf.h"
#include "common/xalloc.h"

/* ---- rules: certificates ---------------------------------------------- */

static void cert_label(const struct mx_chain *ch, size_t i, char *out,
		       size_t len)
{
	if (i == 0)
		snprintf(out, len, "leaf certificate");
	else if (ch->v[i].self_signed)
		snprintf(out, len, "root certificate #%zu", i);
	else
		snprintf(out, len, "intermediate certificate #%zu", i);
}

/* RFC 5280 section 4.1.2.5: validity, for every certificate sent. */
void mx_ep_rule_validity(struct ep_ctx *c)
{
	const struct mx_chain *ch = &c->ep->tls.chain;
	time_t now = c->p->now;
	int64_t soon = (int64_t)c->p->expiring_soon_days * 86400;
	char label[64], date[40];
	size_t i;

	for (i = 0; i < ch->n; i++) {
		const struct mx_cert *k = &ch->v[i];

		if (k->not_before == 0 && k->not_after == 0)
			continue; /* validity unknown */
		cert_label(ch, i, label, sizeof(label));
		if (k->not_after < now) {
			mx_ep_fmt_date(k->not_after, date, sizeof(date));
			mx_ep_emit(c, MX_COL_CERT, "cert.expired", MX_SEV_OK,
				   NULL,
				   "the %s '%s' expired on %s (%lld days ago)",
				   label, mx_ep_nz(k->subject), date,
				   (long long)(((int64_t)now - k->not_after) /
					       86400));
			c->expired_seen = 1;
		} else if (k->not_before > now) {
			mx_ep_fmt_date(k->not_before, date, sizeof(date));
			mx_ep_emit(
				c, MX_COL_CERT, "cert.expired", MX_SEV_OK,
				"The certificate is not valid yet: check the "
				"server's clock and the certificate's notBefore; "
				"install the certificate that is currently valid.",
				"the %s '%s' is not valid before %s (in %lld "
				"days)",
				label, mx_ep_nz(k->subject), date,
				(long long)(((int64_t)k->not_before - now) /
					    86400));
			c->expired_seen = 1;
		} else if ((int64_t)k->not_after - now < soon) {
			/* check -c DAYS: below it the same finding is
			 * critical (issue 12) */
			int crit = c->p->expiring_crit_days > 0 &&
				   (int64_t)k->not_after - now <
					   (int64_t)c->p->expiring_crit_days *
						   86400;

			mx_ep_fmt_date(k->not_after, date, sizeof(date));
			mx_ep_emit(c, MX_COL_CERT, "cert.expiring_soon",
				   crit ? MX_SEV_CRIT : MX_SEV_OK, NULL,
				   "the %s '%s' expires on %s (in %lld days; "
				   "threshold %d days)",
				   label, mx_ep_nz(k->subject), date,
				   (long long)(((int64_t)k->not_after - now) /
					       86400),
				   crit ? c->p->expiring_crit_days
					: c->p->expiring_soon_days);
		}
	}
}

void mx_ep_rule_self_signed(struct ep_ctx *c)
{
	const struct mx_chain *ch = &c->ep->tls.chain;

	if (ch->n > 0 && ch->v[0].self_signed)
		mx_ep_emit(c, MX_COL_CERT, "cert.self_signed", MX_SEV_OK, NULL,
			   "the leaf certificate '%s' is signed by its own key",
			   mx_ep_nz(ch->v[0].subject));
}

/* Verification errors (OpenSSL x509_vfy.h) and what they mean here.
 * Codes explained by another finding are handled in rule_chain. */
static const struct verify_rule {
	long code;
	const char *why;
	const char *fix; /* NULL: cert.untrusted's */
} verify_rules[] = {
	{X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
	 "the chain ends in a self-signed root the trust store does not hold",
	 NULL},
	{X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
	 "the certificate is self-signed", NULL},
	{X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	 "the issuer of the last certificate sent is not in the trust store",
	 NULL},
	{X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
	 "an issuer certificate could not be found", NULL},
	{X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
	 "the leaf's issuer could not be found", NULL},
	{X509_V_ERR_CERT_SIGNATURE_FAILURE,
	 "a certificate's signature does not verify with its issuer's key",
	 "The server sends a wrong or outdated intermediate: install the "
	 "intermediate that issued the current leaf."},
	{X509_V_ERR_CERT_NOT_YET_VALID,
	 "the verifier found a certificate not yet valid", NULL},
	{X509_V_ERR_CERT_HAS_EXPIRED,
	 "the verifier found an expired certificate in the path",
	 "A certificate of the path the verifier built has expired (often "
	 "an old cross-signed intermediate or root): send the current "
	 "chain."},
	{X509_V_ERR_CERT_CHAIN_TOO_LONG, "the chain is too long", NULL},
	{X509_V_ERR_PATH_LENGTH_EXCEEDED,
	 "a CA's pathLenConstraint is exceeded", NULL},
	{X509_V_ERR_CERT_REVOKED, "a certificate is revoked",
	 "Replace the revoked certificate and reload the MTA."},
	{X509_V_ERR_INVALID_PURPOSE,
	 "a certificate is not valid for TLS server authentication "
	 "(extendedKeyUsage)",
	 "Reissue the certificate with extendedKeyUsage serverAuth."},
	{X509_V_ERR_INVALID_CA,
	 "a certificate used as a CA is not a valid CA (basicConstraints)",
	 NULL},
	{X509_V_ERR_KEYUSAGE_NO_CERTSIGN,
	 "an issuing certificate lacks keyCertSign", NULL},
	{X509_V_ERR_EE_KEY_TOO_SMALL,
	 "the leaf key is too small for the verifier's security level",
	 "Reissue the certificate with an RSA key of at least 2048 bits or "
	 "an EC P-256 key."},
	{X509_V_ERR_CA_KEY_TOO_SMALL,
	 "a CA key is too small for the verifier's security level", NULL},
	{X509_V_ERR_CA_MD_TOO_WEAK,
	 "a signature uses a digest too weak for the verifier (MD5/SHA-1)",
	 "Reissue the chain with SHA-256 signatures."},
};

static int is_missing_issuer(long code)
{
	return code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	       code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	       code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

/* RFC 5280 section 6: the path to a trust anchor. */
void mx_ep_rule_chain(struct ep_ctx *c)
{
	const struct mx_tls *t = &c->ep->tls;
	const struct mx_chain *ch = &t->chain;
	const struct mx_cert *top;
	const struct verify_rule *r = NULL;
	char *fix = NULL;
	size_t i;

	if (!t->verify_done || t->verify_code == X509_V_OK || ch->n == 0)
		return;
	top = &ch->v[ch->n - 1];
	/* Explained elsewhere: one root cause, one finding. */
	if (ch->v[0].self_signed)
		return; /* cert.self_signed */
	if ((t->verify_code == X509_V_ERR_CERT_HAS_EXPIRED ||
	     t->verify_code == X509_V_ERR_CERT_NOT_YET_VALID) &&
	    c->expired_seen)
		return; /* cert.expired */
	if (t->verify_code == X509_V_ERR_HOSTNAME_MISMATCH ||
	    t->verify_code == X509_V_ERR_IP_ADDRESS_MISMATCH)
		return; /* judged by rule_name from the certificate itself */
	/* The last certificate sent is a CA certificate whose issuer nobody
	 * has: servers rarely send roots, so this is an untrusted (private
	 * or unknown) root, not a missing intermediate.  Only when the leaf
	 * itself is the end of what was sent is an intermediate missing. */
	if (is_missing_issuer(t->verify_code) && !t->top_is_self_signed &&
	    !t->top_issuer_in_store && top->is_ca && ch->n > 1) {
		mx_ep_emit(
			c, MX_COL_CERT, "cert.untrusted", MX_SEV_OK,
			"The chain ends at an intermediate whose root the "
			"sender's trust store does not hold. If the root is a "
			"private CA, give it to the senders (mxprobe certs HOST "
			"--export DIR writes the CA certificates); otherwise use "
			"a certificate from a publicly trusted CA.",
			"verify error %ld '%s' at depth %d: the chain sent ends "
			"with the CA certificate '%s', issued by '%s', which is "
			"not in the trust store (an unknown or private root; "
			"were it a further intermediate, the server would miss "
			"it)",
			t->verify_code, mx_ep_nz(t->verify_error),
			t->verify_depth, mx_ep_nz(top->subject),
			mx_ep_nz(top->issuer));
		return;
	}
	if (is_missing_issuer(t->verify_code) && !t->top_is_self_signed &&
	    !t->top_issuer_in_store) {
		fix = xasprintf(
			"Send the missing certificate '%s' after the leaf, "
			"and any further intermediate below the root "
			"(Postfix: smtpd_tls_chain_files = key.pem, "
			"fullchain.pem with the CA's full chain bundle)%s%s. "
			"If '%s' is the root of a private PKI, the senders "
			"need it in their trust store instead.",
			mx_ep_nz(top->issuer),
			top->aia_ca_issuers ? "; the AIA caIssuers URL of "
					      "the last certificate sent "
					      "points to it: "
					    : "",
			mx_ep_nz(top->aia_ca_issuers), mx_ep_nz(top->issuer));
		mx_ep_emit(
			c, MX_COL_CERT, "cert.chain_incomplete", MX_SEV_OK, fix,
			"missing issuer '%s': the last certificate sent ('%s', "
			"%zu of %zu) is issued by it, the server did not send it "
			"and the trust store does not hold it (verify error %ld "
			"'%s' at depth %d)",
			mx_ep_nz(top->issuer), mx_ep_nz(top->subject), ch->n,
			ch->n, t->verify_code, mx_ep_nz(t->verify_error),
			t->verify_depth);
		free(fix);
		return;
	}
	for (i = 0; i < sizeof(verify_rules) / sizeof(verify_rules[0]); i++)
		if (verify_rules[i].code == t->verify_code)
			r = &verify_rules[i];
	if (is_missing_issuer(t->verify_code) && t->top_issuer_in_store)
		mx_ep_emit(
			c, MX_COL_CERT, "cert.untrusted", MX_SEV_OK,
			"The trust store has a certificate named like the issuer "
			"but it does not verify the chain: the server sends an "
			"outdated intermediate, or the store holds an old CA "
			"certificate. Send the current chain.",
			"verify error %ld '%s' at depth %d: an issuer named '%s' "
			"is in the trust store but does not verify '%s'",
			t->verify_code, mx_ep_nz(t->verify_error),
			t->verify_depth, mx_ep_nz(top->issuer),
			mx_ep_nz(top->subject));
	else
		mx_ep_emit(
			c, MX_COL_CERT, "cert.untrusted", MX_SEV_OK,
			r ? r->fix : NULL,
			"verify error %ld '%s' at depth %d: %s; the chain sent "
			"ends with '%s' issued by '%s'",
			t->verify_code, mx_ep_nz(t->verify_error),
			t->verify_depth, r ? r->why : "verification failed",
			mx_ep_nz(top->subject), mx_ep_nz(top->issuer));
}

void mx_ep_rule_chain_order(struct ep_ctx *c)
{
	const struct mx_tls *t = &c->ep->tls;
	struct mx_buf b;
	char *list;
	size_t i;

	if (t->chain.n < 2 || t->chain_in_order)
		return;
	mx_buf_init(&b, 0);
	mx_buf_push(&b, "", 0);
	for (i = 0; i < t->chain.n && b.len < 4 * EV_TEXT_MAX; i++)
		mx_buf_printf(&b, "%s[%zu] '%s' issued by '%s'", i ? ", " : "",
			      i, mx_ep_nz(t->chain.v[i].subject),
			      mx_ep_nz(t->chain.v[i].issuer));
	list = (char *)mx_buf_take(&b, NULL);
	mx_ep_emit(c, MX_COL_CERT, "cert.chain_order", MX_SEV_OK, NULL,
		   "sent order: %s", list ? list : "");
	free(list);
}

/* RFC 6125 section 6.4: the reference identity is the MX host name. */
void mx_ep_rule_name(struct ep_ctx *c)
{
	const struct mx_endpoint *ep = c->ep;
	const struct mx_cert *leaf;
	struct mx_buf b;
	size_t i, shown = 0, total;
	char *names;
	int ip;

	if (ep->tls.chain.n == 0 || ep->host == NULL || ep->host[0] == '\0')
		return;
	leaf = &ep->tls.chain.v[0];
	if (mx_cert_matches_name(leaf, ep->host))
		return;
	ip = mx_name_is_ip(ep->host);
	total = leaf->nsan_dns + leaf->nsan_ip;
	mx_buf_init(&b, 0);
	mx_buf_push(&b, "", 0);
	for (i = 0; i < leaf->nsan_dns && shown < EV_NAMES_MAX; i++, shown++)
		mx_buf_printf(&b, "%sDNS:%s", shown ? ", " : "",
			      leaf->san_dns[i]);
	for (i = 0; i < leaf->nsan_ip && shown < EV_NAMES_MAX; i++, shown++)
		mx_buf_printf(&b, "%sIP:%s", shown ? ", " : "",
			      leaf->san_ip[i]);
	if (total > shown)
		mx_buf_printf(&b, " and %zu more", total - shown);
	if (total == 0)
		mx_buf_printf(&b, "no subjectAltName; CN '%s'",
			      mx_ep_nz(leaf->cn));
	else if (leaf->cn && leaf->cn[0])
		mx_buf_printf(&b, "; CN '%s'%s", leaf->cn,
			      leaf->nsan_dns ? " (not used: SANs present)"
					     : "");
	names = (char *)mx_buf_take(&b, NULL);
	if (ip)
		mx_ep_emit(
			c, MX_COL_NAME, "cert.hostname_mismatch", MX_SEV_OK,
			"The target was an IP address: probe the MX host name "
			"instead, or include the address as an iPAddress "
			"subjectAltName if senders connect by address.",
			"the target was the address %s, which only an iPAddress "
			"subjectAltName can match; the certificate carries: %s",
			ep->host, names ? names : "");
	else
		mx_ep_emit(
			c, MX_COL_NAME, "cert.hostname_mismatch", MX_SEV_OK,
			NULL,
			"'%s' is not among the names the certificate carries: %s",
			ep->host, names ? names : "");
	free(names);
}
