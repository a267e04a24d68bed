/*
 * capchain.c - verify a chain seen in a capture and name what is
 * missing; see capchain.h.
 */
#include "analyzers/capchain.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"

/* Escaped copy of n bytes into a fixed buffer (cut, always terminated). */
static void put_text(char *dst, size_t dstlen, const void *src, size_t n)
{
	char *e = mx_escape(src, n, dstlen - 1);

	snprintf(dst, dstlen, "%s", e);
	free(e);
}

static void name_text(const X509_NAME *name, char *out, size_t outlen)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &data);
		put_text(out, outlen, data, n > 0 ? (size_t)n : 0);
	}
	BIO_free(b);
}

static void cn_text(const X509_NAME *name, char *out, size_t outlen)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	const ASN1_STRING *v;
	unsigned char *utf8 = NULL;
	int n;

	out[0] = '\0';
	if (i < 0)
		return;
	v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	n = ASN1_STRING_to_UTF8(&utf8, v);
	if (n < 0) {
		put_text(out, outlen, ASN1_STRING_get0_data(v),
			 (size_t)ASN1_STRING_length(v));
		return;
	}
	put_text(out, outlen, utf8, (size_t)n);
	OPENSSL_free(utf8);
}

static void aia_text(X509 *x, char *out, size_t outlen)
{
	AUTHORITY_INFO_ACCESS *aia;
	int i, n;

	out[0] = '\0';
	aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	if (aia == NULL)
		return;
	n = sk_ACCESS_DESCRIPTION_num(aia);
	for (i = 0; i < n && out[0] == '\0'; i++) {
		const ACCESS_DESCRIPTION *ad =
			sk_ACCESS_DESCRIPTION_value(aia, i);
		const ASN1_IA5STRING *u;

		if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers ||
		    ad->location == NULL || ad->location->type != GEN_URI)
			continue;
		u = ad->location->d.uniformResourceIdentifier;
		put_text(out, outlen, ASN1_STRING_get0_data(u),
			 (size_t)ASN1_STRING_length(u));
	}
	AUTHORITY_INFO_ACCESS_free(aia);
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void cert_facts(X509 *x, const unsigned char *der, size_t len,
		       struct mx_capchain_cert *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	memset(c, 0, sizeof(*c));
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) == 1)
		for (i = 0; i < mdlen && 2 * i + 2 < sizeof(c->sha256); i++)
			snprintf(c->sha256 + 2 * i, 3, "%02x", md[i]);
	if (x == NULL)
		return;
	c->parsed = 1;
	name_text(X509_get_subject_name(x), c->subject, sizeof(c->subject));
	name_text(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
	cn_text(X509_get_subject_name(x), c->cn, sizeof(c->cn));
	aia_text(x, c->aia_ca_issuers, sizeof(c->aia_ca_issuers));
	c->is_ca = X509_check_ca(x) > 0;
	c->self_signed = X509_self_signed(x, 1) == 1;
	c->not_before = asn1_time(X509_get0_notBefore(x));
	c->not_after = asn1_time(X509_get0_notAfter(x));
}

static int is_missing_issuer(long code)
{
	return code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	       code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	       code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

/* Does the store hold an issuer of `top`? */
static int issuer_in_store(X509_STORE *store, X509 *leaf, X509 *top,
			   STACK_OF(X509) * sent)
{
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	X509 *issuer = NULL;
	int found = 0;

	if (sc == NULL)
		return 0;
	if (X509_STORE_CTX_init(sc, store, leaf, sent) == 1 &&
	    X509_STORE_CTX_get1_issuer(&issuer, sc, top) == 1 && issuer != NULL)
		found = 1;
	X509_free(issuer);
	X509_STORE_CTX_free(sc);
	return found;
}

static void run_verify(const struct mx_capchain_params *p, X509 **x, size_t n,
		       struct mx_capchain *out)
{
	STACK_OF(X509) *sent = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *vp;
	STACK_OF(X509) * built;
	size_t i, top = 0;

	if (sent == NULL || ctx == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (x[i] != NULL) {
			if (!sk_X509_push(sent, x[i]))
				goto out;
			top = i;
		}
	if (X509_STORE_CTX_init(ctx, p->store, x[0], sent) != 1)
		goto out;
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, out->at);
	if (out->name[0] != '\0' && p->name != NULL)
		X509_VERIFY_PARAM_set1_host(vp, p->name, 0);
	out->done = 1;
	out->verified = X509_verify_cert(ctx) == 1;
	out->code = X509_STORE_CTX_get_error(ctx);
	snprintf(out->error, sizeof(out->error), "%s",
		 X509_verify_cert_error_string(out->code));
	out->depth = out->verified ? -1 : X509_STORE_CTX_get_error_depth(ctx);
	built = X509_STORE_CTX_get0_chain(ctx);
	out->verified_len = built != NULL ? sk_X509_num(built) : 0;
	out->top_self_signed = out->certs[top].self_signed;
	out->top_issuer_in_store =
		issuer_in_store(p->store, x[0], x[top], sent);
	/* RFC 5280 section 6: the path stops at the last certificate sent;
	 * its issuer is the one nobody has. */
	if (!out->verified && is_missing_issuer(out->code) &&
	    !out->top_self_signed && !out->top_issuer_in_store) {
		snprintf(out->missing, sizeof(out->missing), "%s",
			 out->certs[top].issuer);
		snprintf(out->missing_url, sizeof(out->missing_url), "%s",
			 out->certs[top].aia_ca_issuers);
		out->missing_is_intermediate = !out->certs[top].is_ca;
	}
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(sent);
	ERR_clear_error();
}

int mx_capchain_verify(const struct mx_capchain_params *p,
		       const unsigned char *const *der, const size_t *len,
		       size_t n, struct mx_capchain *out)
{
	X509 *x[MX_CAP_MAX_CERTS];
	size_t i;

	memset(out, 0, sizeof(*out));
	out->depth = -1;
	out->at = p->at != 0 ? p->at : time(NULL);
	if (n > MX_CAP_MAX_CERTS)
		n = MX_CAP_MAX_CERTS;
	out->n = n;
	if (p->name != NULL && p->name[0] != '\0')
		put_text(out->name, sizeof(out->name), p->name,
			 strlen(p->name));
	for (i = 0; i < n; i++) {
		const unsigned char *q = der[i];

		x[i] = len[i] <= (size_t)0x7fffffff
			       ? d2i_X509(NULL, &q, (long)len[i])
			       : NULL;
		cert_facts(x[i], der[i], len[i], &out->certs[i]);
	}
	ERR_clear_error();
	if (p->store != NULL && n > 0 && x[0] != NULL)
		run_verify(p, x, n, out);
	for (i = 0; i < n; i++)
		X509_free(x[i]);
	return out->done ? 0 : -1;
}

int mx_capchain_verify_session(X509_STORE *store, const struct mx_capsess *s,
			       struct mx_capchain *out)
{
	struct mx_capchain_params p;
	const unsigned char *der[MX_CAP_MAX_CERTS];
	size_t i,
		n = s->ncerts < MX_CAP_MAX_CERTS ? s->ncerts : MX_CAP_MAX_CERTS;

	memset(&p, 0, sizeof(p));
	p.store = store;
	/* the name the client asked for: the last hello's SNI (the model
	 * keeps it escaped; a name with escapes matches nothing, rightly) */
	for (i = s->nhellos; i > 0 && p.name == NULL; i--)
		if (s->hellos[i - 1].sni[0] != '\0')
			p.name = s->hellos[i - 1].sni;
	p.at = (time_t)(s->start_us / 1000000);
	for (i = 0; i < n; i++)
		der[i] = s->certs[i];
	return mx_capchain_verify(&p, der, s->cert_len, n, out);
}

/* ---- judging ---------------------------------------------------------- */

void mx_capchain_judge(const struct mx_capchain *c, struct mx_findings *fs,
		       const char *where)
{
	const struct mx_capchain_cert *top;
	struct mx_finding *f;

	if (!c->done || c->verified || c->n == 0)
		return;
	top = &c->certs[c->n - 1];
	if (c->missing[0] != '\0' && c->missing_is_intermediate) {
		f = mx_findings_add(
			fs, "cert.chain_incomplete", where,
			"the server did not send the intermediate '%s' and the "
			"trust store does not have it: the last certificate sent "
			"('%s', %zu of %zu) is issued by it (verify error %ld "
			"'%s' at depth %d)%s%s",
			c->missing, top->subject, c->n, c->n, c->code, c->error,
			c->depth,
			c->missing_url[0] ? "; its AIA caIssuers URL: " : "",
			c->missing_url);
		mx_finding_set_fix(
			f,
			"Send '%s' after the leaf (Postfix: "
			"smtpd_tls_chain_files = key.pem, fullchain.pem)%s%s; "
			"or give it to the senders' trust store "
			"(mxprobe pcap FILE --export DIR writes what was sent).",
			c->missing,
			c->missing_url[0] ? "; it can be fetched from " : "",
			c->missing_url);
		return;
	}
	if (c->missing[0] != '\0') {
		f = mx_findings_add(
			fs, "cert.untrusted", where,
			"the chain sent ends with the CA certificate '%s'; its "
			"issuer '%s' was not sent and the trust store does not "
			"have it%s%s (a private or unknown root, or a further "
			"intermediate the server omits; verify error %ld '%s' "
			"at depth %d)",
			top->subject, c->missing,
			c->missing_url[0] ? "; AIA caIssuers: " : "",
			c->missing_url, c->code, c->error, c->depth);
		mx_finding_set_fix(
			f,
			"Add '%s' to the senders' trust store if it is your "
			"private root, or send the intermediate that links "
			"'%s' to a public root.",
			c->missing, top->subject);
		return;
	}
	if (c->code == X509_V_ERR_HOSTNAME_MISMATCH) {
		mx_findings_add(fs, "cert.hostname_mismatch", where,
				"the certificate '%s' does not name '%s', the "
				"name the client asked for (SNI)",
				c->certs[0].subject, c->name);
		return;
	}
	if (c->code == X509_V_ERR_CERT_HAS_EXPIRED ||
	    c->code == X509_V_ERR_CERT_NOT_YET_VALID) {
		const struct mx_capchain_cert *k =
			c->depth >= 0 && (size_t)c->depth < c->n
				? &c->certs[c->depth]
				: &c->certs[0];

		mx_findings_add(fs, "cert.expired", where,
				"verify error %ld '%s' at depth %d ('%s') at "
				"the time of the capture",
				c->code, c->error, c->depth, k->subject);
		return;
	}
	if (c->code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
		mx_findings_add(fs, "cert.self_signed", where,
				"the leaf certificate '%s' is signed by its "
				"own key and not in the trust store",
				c->certs[0].subject);
		return;
	}
	mx_findings_add(fs, "cert.untrusted", where,
			"verify error %ld '%s' at depth %d; the chain sent "
			"(%zu certificates) ends with '%s' issued by '%s'%s",
			c->code, c->error, c->depth, c->n, top->subject,
			top->issuer,
			c->top_issuer_in_store
				? " (a certificate of that name is in the "
				  "trust store but does not verify the chain)"
				: "");
}
