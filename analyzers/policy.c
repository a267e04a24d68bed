/*
 * policy.c - delivery TLS policy judgement; see policy.h and
 * model/policy.h for the levels' meaning (Postfix postconf(5)
 * smtp_tls_security_level; RFC 7672 for dane).
 *
 * Pure: reads facts, writes a verdict.  OpenSSL is used only as a
 * library of X.509 functions (decode DER, digests, path validation) for
 * DANE matching; nothing touches the network.
 */
#include "analyzers/policy.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "analyzers/hostname.h"
#include "wire/mtasts.h"
#include "model/finding.h"

#define ID_DEFER "policy.would_defer"
#define ID_CLEAR "policy.cleartext"
#define ID_DANE_FALLBACK "policy.dane_fallback"

static void set(struct mx_policy_verdict *v, enum mx_policy_decision d,
		const char *id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set(struct mx_policy_verdict *v, enum mx_policy_decision d,
		const char *id, const char *fmt, ...)
{
	va_list ap;

	v->decision = d;
	v->reason_id = id;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

/* ---- helpers --------------------------------------------------------- */

int mx_policy_fp_normalize(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	if (in == NULL || outlen == 0)
		return -1;
	for (; *in; in++) {
		if (*in == ':')
			continue;
		if (!isxdigit((unsigned char)*in) || n + 1 >= outlen ||
		    n >= 128)
			return -1;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n > 0 && n % 2 == 0 ? 0 : -1;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

/* One certificate DNS-ID against ".domain": a proper subdomain. */
static int dot_match(const char *id, const char *dotdomain)
{
	if (id == NULL || id[0] == '\0')
		return 0;
	if (strncmp(id, "*.", 2) == 0) {
		/* "*.d" names hosts in d: a subdomain of d if d is dotdomain's
		 * domain or a subdomain of it */
		return strcasecmp(id + 2, dotdomain + 1) == 0 ||
		       ends_with_ci(id + 2, dotdomain);
	}
	return strlen(id) > strlen(dotdomain) && ends_with_ci(id, dotdomain);
}

int mx_policy_secure_match(const struct mx_cert *leaf, const char *name)
{
	size_t i;

	if (leaf == NULL || name == NULL || name[0] == '\0' ||
	    strlen(name) > 253)
		return 0;
	if (name[0] != '.')
		return mx_cert_matches_name(leaf, name);
	if (name[1] == '\0' || name[1] == '.')
		return 0;
	/* RFC 6125 section 6.4.4: the CN only without dNSName SANs */
	if (leaf->nsan_dns > 0) {
		for (i = 0; i < leaf->nsan_dns; i++)
			if (dot_match(leaf->san_dns[i], name))
				return 1;
		return 0;
	}
	return dot_match(leaf->cn, name);
}

int mx_tlsa_usable(const struct mx_tlsa_rr *rr)
{
	/* RFC 7672 section 3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable */
	if (rr->usage != 2 && rr->usage != 3)
		return 0;
	if (rr->selector > 1 || rr->mtype > 2)
		return 0;
	if (rr->mtype == 1 && rr->len != 32)
		return 0;
	if (rr->mtype == 2 && rr->len != 64)
		return 0;
	return rr->len > 0;
}

/* The selected content of x (RFC 6698 section 2.1.2), DER, malloc'ed. */
static unsigned char *select_der(X509 *x, uint8_t selector, int *len)
{
	unsigned char *der = NULL;

	if (selector == 0)
		*len = i2d_X509(x, &der);
	else
		*len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (*len <= 0) {
		OPENSSL_free(der);
		return NULL;
	}
	return der;
}

static int rr_matches(X509 *x, const struct mx_tlsa_rr *rr)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned char *der;
	int len, ok = 0;

	der = select_der(x, rr->selector, &len);
	if (der == NULL)
		return 0;
	switch (rr->mtype) {
	case 0:
		ok = (size_t)len == rr->len &&
		     memcmp(der, rr->data, rr->len) == 0;
		break;
	case 1:
	case 2:
		if (EVP_Digest(der, (size_t)len, md, &mdlen,
			       rr->mtype == 1 ? EVP_sha256() : EVP_sha512(),
			       NULL) == 1)
			ok = mdlen == rr->len &&
			     memcmp(md, rr->data, rr->len) == 0;
		break;
	default:
		break;
	}
	OPENSSL_free(der);
	return ok;
}

static X509 *decode(const struct mx_cert *c)
{
	const unsigned char *p = c->der;

	if (c->der == NULL || c->der_len == 0 || c->der_len > 65536)
		return NULL;
	return d2i_X509(NULL, &p, (long)c->der_len);
}

/* DANE-TA(2): the chain as sent, anchored at ta, verifies the leaf. */
static int ta_verifies(X509 *leaf, X509 *ta, STACK_OF(X509) * untrusted,
		       time_t now, char *why, size_t whylen)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	if (store == NULL || ctx == NULL || !X509_STORE_add_cert(store, ta) ||
	    !X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
		snprintf(why, whylen, "out of memory checking the chain");
		goto out;
	}
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	if (now != 0)
		X509_STORE_CTX_set_time(ctx, 0, now);
	else
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(ctx) == 1) {
		ok = 1;
	} else {
		int e = X509_STORE_CTX_get_error(ctx);

		snprintf(why, whylen,
			 "the chain does not verify up to the DANE-TA "
			 "certificate: %s",
			 X509_verify_cert_error_string(e));
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

int mx_dane_match(const struct mx_tls *tls, const struct mx_tlsa_rr *rr,
		  size_t n, const char *mx_host, const char *nexthop,
		  time_t now, char *why, size_t whylen)
{
	X509 **certs = NULL;
	STACK_OF(X509) *untrusted = NULL;
	size_t i, j, nusable = 0, nc;
	int matched = 0;

	snprintf(why, whylen, "no TLSA record matches the certificates sent");
	if (tls == NULL || !tls->completed || tls->chain.n == 0) {
		snprintf(why, whylen, "no certificate to match (no TLS)");
		return 0;
	}
	nc = tls->chain.n > 16 ? 16 : tls->chain.n;
	certs = calloc(nc, sizeof(*certs));
	untrusted = sk_X509_new_null();
	if (certs == NULL || untrusted == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	for (i = 0; i < nc; i++) {
		certs[i] = decode(&tls->chain.v[i]);
		if (i > 0 && certs[i] != NULL)
			sk_X509_push(untrusted, certs[i]);
	}
	if (certs[0] == NULL) {
		snprintf(why, whylen, "the leaf certificate does not decode");
		goto out;
	}
	for (i = 0; i < n && !matched; i++) {
		if (!mx_tlsa_usable(&rr[i]))
			continue;
		nusable++;
		if (rr[i].usage == 3) {
			/* DANE-EE: the leaf key or certificate; names and
			 * dates are not checked (RFC 7671 section 5.1) */
			if (rr_matches(certs[0], &rr[i])) {
				matched = 1;
				snprintf(why, whylen,
					 "DANE-EE(3) %u %u matches the server "
					 "certificate",
					 rr[i].selector, rr[i].mtype);
			}
			continue;
		}
		/* DANE-TA(2): a certificate the server sent (RFC 7671
		 * section 5.2: the TA must be in the chain unless the
		 * record holds it whole) */
		for (j = 1; j < nc && !matched; j++) {
			if (certs[j] == NULL || !rr_matches(certs[j], &rr[i]))
				continue;
			if (!ta_verifies(certs[0], certs[j], untrusted, now,
					 why, whylen))
				continue;
			/* RFC 7672 section 3.2.2: the MX host name or the
			 * next-hop domain */
			if ((mx_host &&
			     mx_cert_matches_name(&tls->chain.v[0], mx_host)) ||
			    (nexthop &&
			     mx_cert_matches_name(&tls->chain.v[0], nexthop))) {
				matched = 1;
				snprintf(why, whylen,
					 "DANE-TA(2) %u %u matches certificate "
					 "%zu of the chain, which verifies "
					 "the server certificate",
					 rr[i].selector, rr[i].mtype, j);
			} else {
				snprintf(why, whylen,
					 "DANE-TA(2) matched, but the "
					 "certificate names neither %s nor %s",
					 mx_host ? mx_host : "-",
					 nexthop ? nexthop : "-");
			}
		}
	}
	if (nusable == 0)
		snprintf(why, whylen,
			 "no usable TLSA record (RFC 7672 "
			 "section 3.1)");
out:
	if (certs)
		for (i = 0; i < nc; i++)
			X509_free(certs[i]);
	free(certs);
	sk_X509_free(untrusted);
	return matched;
}

/* ---- the judgement ---------------------------------------------------- */

static int tls_up(const struct mx_policy_facts *f)
{
	return f->tls != NULL && f->tls->completed;
}

static const char *fail_text(const struct mx_tls *t)
{
	if (t->fail_detail && t->fail_detail[0])
		return t->fail_detail;
	return mx_tls_fail_name(t->fail);
}

/* The session has no TLS: why, and the verdict for a level that needs
 * it.  Returns 1 if v was set (TLS is missing), 0 if TLS is up. */
static int require_tls(const struct mx_policy_facts *f,
		       enum mx_tls_policy level, struct mx_policy_verdict *v)
{
	const char *name = mx_tls_policy_name(level);

	if (tls_up(f))
		return 0;
	if (f->tls != NULL && f->tls->attempted)
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s: the TLS handshake failed (%s)", name,
		    fail_text(f->tls));
	else if (f->mode == MX_MODE_PLAIN)
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s requires TLS; the session is plain SMTP", name);
	else if (!f->session_ok)
		set(v, MX_POLICY_DEFER, NULL,
		    "%s: no SMTP session to judge (connection or greeting "
		    "failed)",
		    name);
	else if (!f->starttls_offered)
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s requires TLS, and the server does not offer STARTTLS",
		    name);
	else if (f->starttls_code != 0 && f->starttls_code != 220)
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s requires TLS, and the server refused STARTTLS (%d)",
		    name, f->starttls_code);
	else
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s requires TLS, and no TLS session was made", name);
	return 1;
}

static int chain_verified(const struct mx_policy_facts *f,
			  enum mx_tls_policy level, struct mx_policy_verdict *v)
{
	const struct mx_tls *t = f->tls;

	if (!t->verify_done) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s: the certificate chain was not verified",
		    mx_tls_policy_name(level));
		return 0;
	}
	if (t->verify_code != 0) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s: the certificate chain does not verify: %s (depth %d)",
		    mx_tls_policy_name(level),
		    t->verify_error ? t->verify_error : "error",
		    t->verify_depth);
		return 0;
	}
	if (t->chain.n == 0) {
		set(v, MX_POLICY_DEFER, ID_DEFER, "%s: no certificate sent",
		    mx_tls_policy_name(level));
		return 0;
	}
	return 1;
}

static void judge_may(const struct mx_policy_facts *f,
		      struct mx_policy_verdict *v, const char *prefix)
{
	if (tls_up(f)) {
		set(v, MX_POLICY_DELIVER_TLS, NULL,
		    "%sTLS (%s), certificate not checked", prefix,
		    f->tls->version ? f->tls->version : "?");
	} else if (f->tls != NULL && f->tls->attempted) {
		/* Never clear text after a failed handshake. */
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%sthe TLS handshake failed (%s); may does not fall back "
		    "to clear text after a failed handshake",
		    prefix, fail_text(f->tls));
	} else if (!f->session_ok) {
		set(v, MX_POLICY_DEFER, NULL,
		    "%sno SMTP session to judge (connection or greeting "
		    "failed)",
		    prefix);
	} else if (f->mode == MX_MODE_IMPLICIT) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%simplicit TLS port without a TLS session", prefix);
	} else if (f->mode == MX_MODE_PLAIN || !f->starttls_offered) {
		set(v, MX_POLICY_DELIVER_CLEAR, ID_CLEAR,
		    "%sSTARTTLS not offered: clear text", prefix);
	} else if (f->starttls_code == 421) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%sthe server closed the session (421) at STARTTLS",
		    prefix);
	} else if (f->starttls_code != 0 && f->starttls_code != 220) {
		set(v, MX_POLICY_DELIVER_CLEAR, ID_CLEAR,
		    "%sSTARTTLS refused before 220 (%d): clear text", prefix,
		    f->starttls_code);
	} else {
		set(v, MX_POLICY_DELIVER_CLEAR, ID_CLEAR,
		    "%sno TLS attempted: clear text", prefix);
	}
}

static void judge_secure(const struct mx_policy_facts *f,
			 struct mx_policy_verdict *v)
{
	const struct mx_cert *leaf;
	char dot[256];
	size_t i;

	if (!chain_verified(f, MX_POLICY_SECURE, v))
		return;
	leaf = &f->tls->chain.v[0];
	if (f->nmatch > 0) {
		for (i = 0; i < f->nmatch; i++) {
			if (mx_policy_secure_match(leaf, f->match[i])) {
				set(v, MX_POLICY_DELIVER_TLS, NULL,
				    "secure: chain verified, the certificate "
				    "matches %s",
				    f->match[i]);
				return;
			}
		}
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "secure: the certificate matches none of the %zu match "
		    "names (first %s)",
		    f->nmatch, f->match[0]);
		return;
	}
	if (f->nexthop == NULL || f->nexthop[0] == '\0') {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "secure: no next-hop domain to match");
		return;
	}
	snprintf(dot, sizeof(dot), ".%s", f->nexthop);
	if (mx_policy_secure_match(leaf, f->nexthop) ||
	    mx_policy_secure_match(leaf, dot)) {
		set(v, MX_POLICY_DELIVER_TLS, NULL,
		    "secure: chain verified, the certificate matches %s or a "
		    "subdomain",
		    f->nexthop);
		return;
	}
	set(v, MX_POLICY_DEFER, ID_DEFER,
	    "secure: the certificate names neither %s nor a subdomain of it "
	    "(Postfix smtp_tls_secure_cert_match nexthop, dot-nexthop)",
	    f->nexthop);
}

static void judge_fingerprint(const struct mx_policy_facts *f,
			      struct mx_policy_verdict *v)
{
	const struct mx_cert *leaf;
	char want[160];
	size_t i;

	if (f->nfingerprints == 0) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "fingerprint: no fingerprint given (--fingerprint)");
		return;
	}
	if (f->tls->chain.n == 0) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "fingerprint: no certificate sent");
		return;
	}
	leaf = &f->tls->chain.v[0];
	for (i = 0; i < f->nfingerprints; i++) {
		if (mx_policy_fp_normalize(f->fingerprints[i], want,
					   sizeof(want)) < 0)
			continue;
		if (leaf->sha256 && strcasecmp(leaf->sha256, want) == 0) {
			set(v, MX_POLICY_DELIVER_TLS, NULL,
			    "fingerprint: certificate SHA-256 matches");
			return;
		}
		if (leaf->spki_sha256 &&
		    strcasecmp(leaf->spki_sha256, want) == 0) {
			set(v, MX_POLICY_DELIVER_TLS, NULL,
			    "fingerprint: public key SHA-256 matches");
			return;
		}
	}
	set(v, MX_POLICY_DEFER, ID_DEFER,
	    "fingerprint: neither the certificate's nor its public key's "
	    "SHA-256 (%.16s...) is among the %zu given",
	    leaf->sha256 ? leaf->sha256 : "?", f->nfingerprints);
}

static void judge_dane(enum mx_tls_policy level,
		       const struct mx_policy_facts *f,
		       struct mx_policy_verdict *v)
{
	const char *name = mx_tls_policy_name(level);
	char why[256];
	size_t i, nusable = 0;
	enum mx_tlsa_state st = f->tlsa;

	if (st == MX_TLSA_USABLE) {
		for (i = 0; i < f->ntlsa_rr; i++)
			nusable += mx_tlsa_usable(&f->tlsa_rr[i]) ? 1 : 0;
		if (nusable == 0)
			st = MX_TLSA_UNUSABLE;
	}
	switch (st) {
	case MX_TLSA_USABLE:
		break;
	case MX_TLSA_FAILED:
		/* RFC 7672 section 2.2: a failed lookup is not "none" */
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "%s: the TLSA lookup failed (SERVFAIL, bogus or timeout): "
		    "deferred, RFC 7672 section 2.2",
		    name);
		return;
	case MX_TLSA_UNUSABLE:
		if (level == MX_POLICY_DANE_ONLY) {
			set(v, MX_POLICY_DEFER, ID_DEFER,
			    "dane-only: TLSA records exist but none is usable");
			return;
		}
		/* RFC 7672 section 3.1.3: TLS is still mandatory */
		v->effective = MX_POLICY_ENCRYPT;
		if (require_tls(f, level, v))
			return;
		set(v, MX_POLICY_DELIVER_TLS, ID_DANE_FALLBACK,
		    "dane: TLSA records exist but none is usable: TLS without "
		    "authentication (encrypt)");
		return;
	default:
		if (level == MX_POLICY_DANE_ONLY) {
			set(v, MX_POLICY_DEFER, ID_DEFER,
			    "dane-only: no DNSSEC-validated TLSA records (%s)",
			    mx_tlsa_state_name(st));
			return;
		}
		v->effective = MX_POLICY_MAY;
		judge_may(f, v, "dane without usable TLSA, as may: ");
		if (v->decision == MX_POLICY_DELIVER_TLS)
			v->reason_id = ID_DANE_FALLBACK;
		return;
	}
	if (require_tls(f, level, v))
		return;
	if (mx_dane_match(f->tls, f->tlsa_rr, f->ntlsa_rr, f->mx_host,
			  f->nexthop, f->now, why, sizeof(why)))
		set(v, MX_POLICY_DELIVER_TLS, NULL, "%s: %s", name, why);
	else
		set(v, MX_POLICY_DEFER, ID_DEFER, "%s: %s", name, why);
}

/* RFC 8461 section 4: enforce wants the MX among the patterns and TLS
 * that validates for the MX host; otherwise the sender acts as may. */
static void judge_mta_sts(const struct mx_policy_facts *f,
			  struct mx_policy_verdict *v)
{
	size_t i;

	if (f->sts_mode != 2) {
		v->effective = MX_POLICY_MAY;
		judge_may(f, v,
			  f->sts_mode == 1
				  ? "mta-sts in mode testing (reports only), "
				    "as may: "
				  : "mta-sts: no policy in force, as may: ");
		return;
	}
	for (i = 0; i < f->nsts_mx; i++)
		if (mx_sts_mx_match(f->sts_mx[i], f->mx_host))
			break;
	if (i == f->nsts_mx) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "mta-sts: the MX host %s matches no mx pattern of the "
		    "enforce policy (RFC 8461 section 4.1)",
		    f->mx_host ? f->mx_host : "(unknown)");
		return;
	}
	if (require_tls(f, MX_POLICY_MTA_STS, v) ||
	    !chain_verified(f, MX_POLICY_MTA_STS, v))
		return;
	if (!mx_cert_matches_name(&f->tls->chain.v[0], f->mx_host)) {
		set(v, MX_POLICY_DEFER, ID_DEFER,
		    "mta-sts: the certificate does not name the MX host %s",
		    f->mx_host);
		return;
	}
	set(v, MX_POLICY_DELIVER_TLS, NULL,
	    "mta-sts: %s is covered by the enforce policy, chain verified, "
	    "the certificate names it",
	    f->mx_host);
}

void mx_policy_judge(enum mx_tls_policy level, const struct mx_policy_facts *f,
		     struct mx_policy_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->effective = level;
	if (level == MX_POLICY_NONE) {
		/* STARTTLS is never sent at this level; only an implicit
		 * TLS port (RFC 8314) carries TLS regardless */
		if (f->mode == MX_MODE_IMPLICIT && tls_up(f))
			set(v, MX_POLICY_DELIVER_TLS, NULL,
			    "none: TLS only because the port is implicit TLS");
		else if (f->mode == MX_MODE_IMPLICIT)
			set(v, MX_POLICY_DEFER, ID_DEFER,
			    "none: implicit TLS port, and no TLS session");
		else if (!f->session_ok)
			set(v, MX_POLICY_DEFER, NULL,
			    "none: no SMTP session to judge");
		else
			set(v, MX_POLICY_DELIVER_CLEAR, ID_CLEAR,
			    "none: TLS is not used at this level");
		return;
	}
	if (level == MX_POLICY_MAY) {
		judge_may(f, v, "may: ");
		return;
	}
	if (level == MX_POLICY_DANE || level == MX_POLICY_DANE_ONLY) {
		judge_dane(level, f, v);
		return;
	}
	if (level == MX_POLICY_MTA_STS) {
		judge_mta_sts(f, v);
		return;
	}
	if (require_tls(f, level, v))
		return;
	switch (level) {
	case MX_POLICY_ENCRYPT:
		set(v, MX_POLICY_DELIVER_TLS, NULL,
		    "encrypt: TLS (%s), certificate not checked",
		    f->tls->version ? f->tls->version : "?");
		return;
	case MX_POLICY_VERIFY:
		if (!chain_verified(f, level, v))
			return;
		if (f->mx_host == NULL ||
		    !mx_cert_matches_name(&f->tls->chain.v[0], f->mx_host)) {
			set(v, MX_POLICY_DEFER, ID_DEFER,
			    "verify: the certificate does not name the MX host "
			    "%s",
			    f->mx_host ? f->mx_host : "(unknown)");
			return;
		}
		set(v, MX_POLICY_DELIVER_TLS, NULL,
		    "verify: chain verified, the certificate names %s",
		    f->mx_host);
		return;
	case MX_POLICY_SECURE:
		judge_secure(f, v);
		return;
	case MX_POLICY_FINGERPRINT:
		judge_fingerprint(f, v);
		return;
	default:
		set(v, MX_POLICY_DEFER, ID_DEFER, "unknown policy level %d",
		    (int)level);
		return;
	}
}

void mx_policy_judge_all(const struct mx_policy_facts *f,
			 struct mx_policy_verdict *v)
{
	size_t i;

	for (i = 0; i < MX_POLICY__N; i++)
		mx_policy_judge((enum mx_tls_policy)i, f, &v[i]);
}

void mx_policy_add_finding(struct mx_findings *fs, const char *where,
			   enum mx_tls_policy level,
			   const struct mx_policy_verdict *v)
{
	if (v->reason_id == NULL)
		return;
	mx_findings_add(fs, v->reason_id, where, "%s (level %s)", v->why,
			mx_tls_policy_name(level));
}
