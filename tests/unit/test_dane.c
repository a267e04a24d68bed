/*
 * test_dane.c - analyzers/dane (DANE in check) and probe/dns_ad (the
 * resolver's AD bit).
 *
 * Certificates are made here with OpenSSL (EC P-256: a root, an
 * intermediate, leaves that are good, expired, or for another name), so
 * every usage x selector x matching type is matched against real DER:
 * DANE-EE(3) and DANE-TA(2) match with the right data and not with one
 * bit flipped; PKIX-TA(0)/PKIX-EE(1) and undefined parameters are
 * unusable; digests of every wrong length are malformed; DANE-EE ignores
 * expiry and names; DANE-TA needs its CA in the chain sent (or the whole
 * CA in a 2 0 0 record), checks dates and the MX host name.  Then the
 * endpoint states and findings (with the endpoint analyzer, so the DANE
 * column is what the table shows), the confidence formula with DANE
 * (doc/confidence.md example 4), and the AD query builder and answer
 * parser with every truncation, wrong id, flags and question.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "analyzers/analyze.h"
#include "analyzers/dane.h"
#include "common/xalloc.h"
#include "probe/dns_ad.h"

#define NOW ((time_t)1767225600) /* 2026-01-01 */
#define DAY 86400

/* ---- certificates ------------------------------------------------------- */

struct pki {
	EVP_PKEY *root_key, *int_key, *leaf_key;
	X509 *root, *inter, *leaf, *leaf_expired, *leaf_other;
};

static EVP_PKEY *new_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *v)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, v);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, int ca, const char *san,
		       long from_days, long to_days, long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_time_adj_ex(X509_getm_notBefore(x), (int)from_days, 0,
			 (time_t[]){NOW});
	X509_time_adj_ex(X509_getm_notAfter(x), (int)to_days, 0,
			 (time_t[]){NOW});
	X509_set_pubkey(x, key);
	add_ext(x, issuer ? issuer : x, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		add_ext(x, issuer ? issuer : x, NID_key_usage,
			"critical,keyCertSign,cRLSign");
	if (san)
		add_ext(x, issuer ? issuer : x, NID_subject_alt_name, san);
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static void pki_make(struct pki *p)
{
	p->root_key = new_key();
	p->int_key = new_key();
	p->leaf_key = new_key();
	p->root = make_cert("test root", p->root_key, NULL, p->root_key, 1,
			    NULL, -10, 3650, 1);
	p->inter = make_cert("test intermediate", p->int_key, p->root,
			     p->root_key, 1, NULL, -10, 3650, 2);
	p->leaf = make_cert("mx1.lab.test", p->leaf_key, p->inter, p->int_key,
			    0, "DNS:mx1.lab.test", -1, 300, 3);
	p->leaf_expired = make_cert("mx1.lab.test", p->leaf_key, p->inter,
				    p->int_key, 0, "DNS:mx1.lab.test", -500,
				    -100, 4);
	p->leaf_other = make_cert("other.example.net", p->leaf_key, p->inter,
				  p->int_key, 0, "DNS:other.example.net", -1,
				  300, 5);
}

static void pki_free(struct pki *p)
{
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->int_key);
	EVP_PKEY_free(p->leaf_key);
	X509_free(p->root);
	X509_free(p->inter);
	X509_free(p->leaf);
	X509_free(p->leaf_expired);
	X509_free(p->leaf_other);
}

/* The model's view of x: DER, names, self_issued. */
static void cert_fill(struct mx_cert *c, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	char buf[256];
	GENERAL_NAMES *gens;
	int i;

	assert_true(len > 0);
	memset(c, 0, sizeof(*c));
	c->der = xmalloc((size_t)len);
	memcpy(c->der, der, (size_t)len);
	c->der_len = (size_t)len;
	OPENSSL_free(der);
	X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof(buf));
	c->subject = xstrdup(buf);
	X509_NAME_oneline(X509_get_issuer_name(x), buf, sizeof(buf));
	c->issuer = xstrdup(buf);
	buf[0] = '\0';
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf,
				  sizeof(buf));
	c->cn = xstrdup(buf);
	c->self_issued = X509_check_issued(x, x) == X509_V_OK;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type != GEN_DNS)
			continue;
		c->san_dns =
			realloc(c->san_dns, (c->nsan_dns + 1) * sizeof(char *));
		c->san_dns[c->nsan_dns++] = xstrdup(
			(const char *)ASN1_STRING_get0_data(g->d.dNSName));
	}
	GENERAL_NAMES_free(gens);
}

/* A completed session whose chain as sent is certs[0..n-1]. */
static void tls_with(struct mx_tls *t, X509 *const *certs, size_t n)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->attempted = t->completed = 1;
	for (i = 0; i < n; i++)
		cert_fill(mx_chain_add(&t->chain), certs[i]);
}

/* The TLSA data of x for selector s and matching type m (malloc'ed). */
static uint8_t *tlsa_data(X509 *x, int s, int m, size_t *len)
{
	unsigned char *der = NULL, md[64];
	unsigned int mdlen = 0;
	int dlen = s == 0 ? i2d_X509(x, &der)
			  : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	uint8_t *out;

	assert_true(dlen > 0);
	if (m == 0) {
		out = xmalloc((size_t)dlen);
		memcpy(out, der, (size_t)dlen);
		*len = (size_t)dlen;
	} else {
		assert_int_equal(
			EVP_Digest(der, (size_t)dlen, md, &mdlen,
				   m == 1 ? EVP_sha256() : EVP_sha512(), NULL),
			1);
		out = xmalloc(mdlen);
		memcpy(out, md, mdlen);
		*len = mdlen;
	}
	OPENSSL_free(der);
	return out;
}

static void rr_set(struct mx_dane_rr *rr, int u, int s, int m, X509 *x)
{
	memset(rr, 0, sizeof(*rr));
	rr->usage = (uint8_t)u;
	rr->selector = (uint8_t)s;
	rr->mtype = (uint8_t)m;
	rr->data = tlsa_data(x, s > 1 ? 1 : s, m > 2 ? 1 : m, &rr->len);
}

static enum mx_dane_rr_result judge(const struct mx_dane_rr *rr,
				    const struct mx_tls *t, const char *host)
{
	char why[320];
	enum mx_dane_rr_result r =
		mx_dane_rr_judge(rr, t, host, NOW, why, sizeof(why));

	assert_true(strlen(why) > 0); /* every outcome says why */
	return r;
}

/* ---- per record ---------------------------------------------------------- */

static void test_matrix(void **state)
{
	struct pki p;
	struct mx_tls t;
	X509 *chain[2];
	int u, s, m;

	(void)state;
	pki_make(&p);
	chain[0] = p.leaf;
	chain[1] = p.inter;
	tls_with(&t, chain, 2);
	for (u = 0; u < 4; u++)
		for (s = 0; s < 2; s++)
			for (m = 0; m < 3; m++) {
				struct mx_dane_rr rr;
				/* EE usages name the leaf, TA usages the
				 * intermediate the server sends */
				X509 *x = (u == 1 || u == 3) ? p.leaf : p.inter;
				enum mx_dane_rr_result want =
					u < 2 ? MX_DANE_RR_UNUSABLE
					      : MX_DANE_RR_MATCH;

				rr_set(&rr, u, s, m, x);
				if (judge(&rr, &t, "mx1.lab.test") != want)
					fail_msg("TLSA %d %d %d: %s", u, s, m,
						 mx_dane_rr_result_name(judge(
							 &rr, &t,
							 "mx1.lab.test")));
				/* one bit off: no match (unusable stays; a
				 * DANE-TA digest that names nothing sent is
				 * taken for a CA not sent; a whole "2 0 0"
				 * CA certificate is its key and name, its own
				 * signature is not checked) */
				rr.data[rr.len - 1] ^= 1;
				if (u < 2)
					assert_int_equal(judge(&rr, &t,
							       "mx1.lab.test"),
							 MX_DANE_RR_UNUSABLE);
				else if (u == 3)
					assert_int_equal(judge(&rr, &t,
							       "mx1.lab.test"),
							 MX_DANE_RR_NO_MATCH);
				else if (s == 0 && m == 0)
					assert_int_equal(judge(&rr, &t,
							       "mx1.lab.test"),
							 MX_DANE_RR_MATCH);
				else
					assert_int_equal(
						judge(&rr, &t, "mx1.lab.test"),
						MX_DANE_RR_TA_NOT_SENT);
				/* DANE-EE of the intermediate, DANE-TA of the
				 * leaf: nothing */
				free(rr.data);
				if (u >= 2) {
					rr_set(&rr, u, s, m,
					       u == 3 ? p.inter : p.leaf);
					assert_int_not_equal(
						judge(&rr, &t, "mx1.lab.test"),
						MX_DANE_RR_MATCH);
					free(rr.data);
				}
			}
	mx_tls_clear(&t);
	pki_free(&p);
}

static void test_params_and_lengths(void **state)
{
	static const struct {
		int u, s, m;
	} bad[] = {{3, 2, 1}, {3, 255, 1}, {3, 1, 3}, {3, 1, 255}, {2, 1, 3},
		   {4, 1, 1}, {255, 1, 1}, {0, 1, 1}, {1, 0, 0}};
	struct pki p;
	struct mx_tls t;
	struct mx_dane_rr rr;
	uint8_t buf[80];
	size_t i, n;

	(void)state;
	pki_make(&p);
	tls_with(&t, &p.leaf, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rr_set(&rr, bad[i].u, bad[i].s, bad[i].m, p.leaf);
		assert_int_equal(judge(&rr, &t, "mx1.lab.test"),
				 MX_DANE_RR_UNUSABLE);
		free(rr.data);
	}
	/* every wrong digest length: malformed, never read past len */
	memset(buf, 0xab, sizeof(buf));
	memset(&rr, 0, sizeof(rr));
	rr.usage = 3;
	rr.selector = 1;
	rr.data = buf;
	for (n = 0; n <= sizeof(buf); n++) {
		uint8_t *d = n ? xmalloc(n) : NULL;

		if (n)
			memcpy(d, buf, n);
		rr.data = d;
		rr.len = n;
		for (rr.mtype = 0; rr.mtype < 3; rr.mtype++) {
			enum mx_dane_rr_result r =
				judge(&rr, &t, "mx1.lab.test");
			int ok_len = rr.mtype == 0   ? n > 0
				     : rr.mtype == 1 ? n == 32
						     : n == 64;

			assert_int_equal(r, ok_len ? MX_DANE_RR_NO_MATCH
						   : MX_DANE_RR_MALFORMED);
		}
		free(d);
	}
	/* no TLS: not judged */
	rr_set(&rr, 3, 1, 1, p.leaf);
	t.completed = 0;
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_NOT_JUDGED);
	assert_int_equal(judge(&rr, NULL, "mx1.lab.test"),
			 MX_DANE_RR_NOT_JUDGED);
	free(rr.data);
	mx_tls_clear(&t);
	pki_free(&p);
}

/* RFC 7671 section 5.1: DANE-EE ignores names and expiry. */
static void test_ee_ignores_names_and_dates(void **state)
{
	struct pki p;
	struct mx_tls t;
	struct mx_dane_rr rr;

	(void)state;
	pki_make(&p);
	tls_with(&t, &p.leaf_expired, 1);
	rr_set(&rr, 3, 0, 1, p.leaf_expired);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_MATCH);
	free(rr.data);
	mx_tls_clear(&t);
	tls_with(&t, &p.leaf_other, 1);
	rr_set(&rr, 3, 1, 1, p.leaf_other);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_MATCH);
	/* same key as the good leaf: its 3 1 1 matches here too */
	free(rr.data);
	rr_set(&rr, 3, 1, 1, p.leaf);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_MATCH);
	free(rr.data);
	mx_tls_clear(&t);
	pki_free(&p);
}

static void test_ta(void **state)
{
	struct pki p;
	struct mx_tls t;
	struct mx_dane_rr rr;
	X509 *c[3];

	(void)state;
	pki_make(&p);
	/* the TA sent: match; the wrong name or an expired leaf: no */
	c[0] = p.leaf;
	c[1] = p.inter;
	c[2] = p.root;
	tls_with(&t, c, 2);
	rr_set(&rr, 2, 1, 1, p.inter);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_MATCH);
	assert_int_equal(judge(&rr, &t, "mx9.lab.test"), MX_DANE_RR_NO_MATCH);
	free(rr.data);
	/* the root is not sent, the chain stops below it: ta_not_sent */
	rr_set(&rr, 2, 1, 1, p.root);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"),
			 MX_DANE_RR_TA_NOT_SENT);
	free(rr.data);
	mx_tls_clear(&t);
	/* root sent too: the root record matches */
	tls_with(&t, c, 3);
	rr_set(&rr, 2, 0, 2, p.root);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_MATCH);
	free(rr.data);
	/* a record of an unrelated CA, the chain complete: no match */
	{
		EVP_PKEY *k = new_key();
		X509 *other =
			make_cert("other CA", k, NULL, k, 1, NULL, -1, 100, 9);

		rr_set(&rr, 2, 1, 1, other);
		assert_int_equal(judge(&rr, &t, "mx1.lab.test"),
				 MX_DANE_RR_NO_MATCH);
		free(rr.data);
		X509_free(other);
		EVP_PKEY_free(k);
	}
	mx_tls_clear(&t);
	/* mx3/nochain: leaf only, record of the intermediate */
	tls_with(&t, c, 1);
	rr_set(&rr, 2, 1, 1, p.inter);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"),
			 MX_DANE_RR_TA_NOT_SENT);
	free(rr.data);
	/* ... unless the record is the whole CA certificate (2 0 0) */
	rr_set(&rr, 2, 0, 0, p.inter);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_MATCH);
	assert_int_equal(judge(&rr, &t, "mx9.lab.test"), MX_DANE_RR_NO_MATCH);
	free(rr.data);
	mx_tls_clear(&t);
	/* DANE-TA checks dates: an expired leaf does not verify */
	c[0] = p.leaf_expired;
	tls_with(&t, c, 2);
	rr_set(&rr, 2, 1, 1, p.inter);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_NO_MATCH);
	free(rr.data);
	mx_tls_clear(&t);
	/* a leaf that does not decode */
	tls_with(&t, c, 2);
	t.chain.v[0].der[0] ^= 0xff;
	rr_set(&rr, 3, 1, 1, p.leaf);
	assert_int_equal(judge(&rr, &t, "mx1.lab.test"), MX_DANE_RR_NO_MATCH);
	free(rr.data);
	mx_tls_clear(&t);
	pki_free(&p);
}

/* ---- per endpoint: state, findings, column --------------------------- */

static void ep_init(struct mx_endpoint *ep, struct pki *p, size_t nchain)
{
	X509 *c[2];

	memset(ep, 0, sizeof(*ep));
	ep->host = xstrdup("mx1.lab.test");
	ep->addr = xstrdup("127.0.0.31");
	ep->port = 25;
	ep->pref = 10;
	ep->smtp.connect.state = ep->smtp.banner.state = MX_STEP_OK;
	ep->smtp.ehlo.state = ep->smtp.starttls.state = MX_STEP_OK;
	ep->smtp.tls.state = MX_STEP_OK;
	c[0] = p->leaf;
	c[1] = p->inter;
	tls_with(&ep->tls, c, nchain);
	ep->tls.verify_done = 1;
	ep->tls.version = xstrdup("TLSv1.3");
	ep->dane.looked_up = 1;
	ep->dane.qname = xstrdup("_25._tcp.mx1.lab.test");
	ep->dane.status = MX_DNS_OK;
	ep->dane.secure = 1;
}

static void ep_add_rr(struct mx_endpoint *ep, int u, int s, int m, X509 *x)
{
	ep->dane.rr =
		realloc(ep->dane.rr, (ep->dane.nrr + 1) * sizeof(*ep->dane.rr));
	rr_set(&ep->dane.rr[ep->dane.nrr++], u, s, m, x);
}

static const struct mx_finding *find(const struct mx_endpoint *ep,
				     const char *id)
{
	size_t i;

	for (i = 0; i < ep->findings.n; i++)
		if (strcmp(ep->findings.v[i].def->id, id) == 0)
			return &ep->findings.v[i];
	return NULL;
}

static size_t count_dane(const struct mx_endpoint *ep)
{
	size_t i, n = 0;

	for (i = 0; i < ep->findings.n; i++)
		n += strncmp(ep->findings.v[i].def->id, "dane.", 5) == 0;
	return n;
}

static void analyze(struct mx_endpoint *ep)
{
	struct mx_analyze_params ap;

	mx_analyze_params_init(&ap, NOW);
	mx_analyze_endpoint(ep, &ap);
}

static void expect(const struct mx_endpoint *ep, const char *id,
		   enum mx_severity sev)
{
	const struct mx_finding *f = find(ep, id);

	if (f == NULL)
		fail_msg("no %s (state %s)", id,
			 mx_dane_state_name(ep->dane.state));
	assert_int_equal(f->severity, sev);
}

static void test_states(void **state)
{
	struct pki p;
	struct mx_endpoint ep;

	(void)state;
	pki_make(&p);
	/* two matching records (3 1 1 leaf, 2 1 1 intermediate): ok */
	ep_init(&ep, &p, 2);
	ep_add_rr(&ep, 3, 1, 1, p.leaf);
	ep_add_rr(&ep, 2, 1, 1, p.inter);
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_OK);
	expect(&ep, "dane.ok", MX_SEV_INFO);
	assert_int_equal(count_dane(&ep), 1);
	assert_int_equal(ep.col[MX_COL_DANE], MX_V_OK);
	/* analysing twice gives the same */
	analyze(&ep);
	assert_int_equal(count_dane(&ep), 1);
	mx_endpoint_clear(&ep);

	/* one record (twice the same counts once): single_record */
	ep_init(&ep, &p, 2);
	ep_add_rr(&ep, 3, 1, 1, p.leaf);
	ep_add_rr(&ep, 3, 1, 1, p.leaf);
	analyze(&ep);
	expect(&ep, "dane.ok", MX_SEV_INFO);
	expect(&ep, "dane.single_record", MX_SEV_WARN);
	assert_int_equal(ep.col[MX_COL_DANE], MX_V_WARN);
	mx_endpoint_clear(&ep);

	/* nothing matches: mismatch, critical, FAIL */
	ep_init(&ep, &p, 2);
	ep_add_rr(&ep, 3, 1, 1, p.root);
	ep_add_rr(&ep, 3, 0, 1, p.inter);
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_MISMATCH);
	expect(&ep, "dane.mismatch", MX_SEV_CRIT);
	assert_null(find(&ep, "dane.ok"));
	assert_int_equal(ep.col[MX_COL_DANE], MX_V_FAIL);
	mx_endpoint_clear(&ep);

	/* DANE-TA of the intermediate, leaf only sent: ta_not_sent */
	ep_init(&ep, &p, 1);
	ep_add_rr(&ep, 2, 1, 1, p.inter);
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_TA_NOT_SENT);
	expect(&ep, "dane.ta_not_sent", MX_SEV_CRIT);
	assert_null(find(&ep, "dane.mismatch"));
	mx_endpoint_clear(&ep);

	/* ... beside a matching 3 1 1 and a second key: a warning */
	ep_init(&ep, &p, 1);
	ep_add_rr(&ep, 2, 1, 1, p.inter);
	ep_add_rr(&ep, 3, 1, 1, p.leaf);
	ep_add_rr(&ep, 3, 1, 1, p.root);
	analyze(&ep);
	expect(&ep, "dane.ok", MX_SEV_INFO);
	expect(&ep, "dane.ta_not_sent", MX_SEV_WARN);
	assert_null(find(&ep, "dane.single_record"));
	mx_endpoint_clear(&ep);

	/* PKIX only: unusable (TLS still there) */
	ep_init(&ep, &p, 2);
	ep_add_rr(&ep, 1, 1, 1, p.leaf);
	ep_add_rr(&ep, 0, 1, 1, p.inter);
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_UNUSABLE);
	expect(&ep, "dane.unsupported_params", MX_SEV_WARN);
	assert_int_equal(count_dane(&ep), 1);
	mx_endpoint_clear(&ep);

	/* a PKIX record beside two good ones: ok + unsupported_params */
	ep_init(&ep, &p, 2);
	ep_add_rr(&ep, 3, 1, 1, p.leaf);
	ep_add_rr(&ep, 2, 1, 1, p.inter);
	ep_add_rr(&ep, 1, 1, 1, p.leaf);
	analyze(&ep);
	expect(&ep, "dane.ok", MX_SEV_INFO);
	expect(&ep, "dane.unsupported_params", MX_SEV_WARN);
	mx_endpoint_clear(&ep);

	/* not validated, or the MX lookup was not: insecure */
	ep_init(&ep, &p, 2);
	ep_add_rr(&ep, 3, 1, 1, p.leaf);
	ep.dane.secure = 0;
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_INSECURE);
	expect(&ep, "dane.insecure", MX_SEV_WARN);
	assert_int_equal(count_dane(&ep), 1);
	ep.dane.secure = 1;
	ep.dane.mx_insecure = 1;
	analyze(&ep);
	expect(&ep, "dane.insecure", MX_SEV_WARN);
	mx_endpoint_clear(&ep);

	/* records but no TLS: no_tls, critical */
	ep_init(&ep, &p, 2);
	ep_add_rr(&ep, 3, 1, 1, p.leaf);
	ep_add_rr(&ep, 1, 1, 1, p.leaf);
	ep.tls.completed = 0;
	ep.tls.fail = MX_TLS_FAIL_EOF;
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_NO_TLS);
	expect(&ep, "dane.no_tls", MX_SEV_CRIT);
	mx_endpoint_clear(&ep);

	/* lookup failed: critical; insecure MX lookup: warning */
	ep_init(&ep, &p, 2);
	ep.dane.status = MX_DNS_BOGUS;
	ep.dane.why_bogus = xstrdup("signature expired");
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_FAILED);
	expect(&ep, "dane.lookup_failed", MX_SEV_CRIT);
	ep.dane.status = MX_DNS_SERVFAIL;
	ep.dane.mx_insecure = 1;
	analyze(&ep);
	expect(&ep, "dane.lookup_failed", MX_SEV_WARN);
	mx_endpoint_clear(&ep);

	/* no records, or not looked up: nothing, column "-" */
	ep_init(&ep, &p, 2);
	ep.dane.status = MX_DNS_NXDOMAIN;
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_NONE);
	assert_int_equal(count_dane(&ep), 0);
	assert_int_equal(ep.col[MX_COL_DANE], MX_V_NONE);
	ep.dane.looked_up = 0;
	analyze(&ep);
	assert_int_equal(ep.dane.state, MX_DANE_NOT_LOOKED_UP);
	assert_int_equal(count_dane(&ep), 0);
	mx_endpoint_clear(&ep);
	pki_free(&p);
}

/* doc/confidence.md example 4 */
static void test_confidence_dane(void **state)
{
	struct mx_endpoint ep;
	int i;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	for (i = 0; i < MX_COL__N; i++)
		ep.col[i] = MX_V_OK;
	ep.col[MX_COL_DANE] = MX_V_NONE; /* not published: not counted */
	assert_true(mx_endpoint_score(&ep) == 100.0);
	ep.dane.nrr = 1; /* published (records not read by the score) */
	ep.col[MX_COL_DANE] = MX_V_OK;
	assert_true(mx_endpoint_score(&ep) == 100.0);
	ep.col[MX_COL_DANE] = MX_V_FAIL;
	assert_true(mx_endpoint_score(&ep) > 86.95 &&
		    mx_endpoint_score(&ep) < 86.97);
	ep.col[MX_COL_DANE] = MX_V_WARN;
	assert_true(mx_endpoint_score(&ep) > 93.47 &&
		    mx_endpoint_score(&ep) < 93.49);
	ep.dane.nrr = 0;
}

/* ---- the resolver's AD bit --------------------------------------------- */

static void test_ad_build(void **state)
{
	uint8_t q[MX_DNS_AD_QUERY_MAX];
	char name[300];
	int n;

	(void)state;
	n = mx_dns_ad_build(q, sizeof(q), 0x1234, "_25._tcp.mx1.lab.test.", 52);
	assert_int_equal(n, 12 + 23 + 4 + 11);
	assert_int_equal(q[0], 0x12);
	assert_int_equal(q[2], 0x01); /* RD */
	assert_int_equal(q[3], 0x20); /* AD */
	assert_int_equal(q[12], 3);   /* "_25" */
	assert_memory_equal(q + 13, "_25", 3);
	assert_int_equal(q[n - 11 + 0], 0); /* OPT owner: root */
	assert_int_equal(q[n - 4], 0x80);   /* DO */
	/* bad names and sizes */
	assert_int_equal(mx_dns_ad_build(q, sizeof(q), 1, "", 1), -1);
	assert_int_equal(mx_dns_ad_build(q, sizeof(q), 1, ".", 1), -1);
	assert_int_equal(mx_dns_ad_build(q, sizeof(q), 1, "a..b", 1), -1);
	assert_int_equal(mx_dns_ad_build(q, sizeof(q), 1, ".a", 1), -1);
	assert_int_equal(mx_dns_ad_build(q, sizeof(q), 1, "a", 70000), -1);
	assert_int_equal(mx_dns_ad_build(q, 20, 1, "lab.test", 1), -1);
	memset(name, 'a', sizeof(name));
	name[64] = '\0'; /* a 64-octet label */
	assert_int_equal(mx_dns_ad_build(q, sizeof(q), 1, name, 1), -1);
	name[63] = '\0';
	assert_true(mx_dns_ad_build(q, sizeof(q), 1, name, 1) > 0);
	memset(name, 'a', sizeof(name));
	for (n = 63; n < 290; n += 64)
		name[n] = '.';
	name[254] = '\0'; /* 254 octets */
	assert_int_equal(mx_dns_ad_build(q, sizeof(q), 1, name, 1), -1);
	name[253] = '\0';
	assert_true(mx_dns_ad_build(q, sizeof(q), 1, name, 1) > 0);
}

static void test_ad_parse(void **state)
{
	uint8_t q[MX_DNS_AD_QUERY_MAX], a[MX_DNS_AD_QUERY_MAX + 40];
	int n, qlen;
	size_t i;

	(void)state;
	qlen = mx_dns_ad_build(q, sizeof(q), 0xbeef, "Mx1.Lab.Test", 52);
	assert_true(qlen > 0);
	/* an answer: the query echoed, QR RD RA AD, some bytes after */
	memcpy(a, q, (size_t)qlen);
	a[2] = 0x81;
	a[3] = 0xa0;
	n = qlen + 20;
	memset(a + qlen, 0x5a, 20);
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), 1);
	a[3] = 0x80; /* no AD */
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), 0);
	a[3] = 0xa3; /* NXDOMAIN with AD: secure denial */
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), 1);
	/* the question in other case: still ours (RFC 4343) */
	a[13] = 'm';
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), 1);
	/* every truncation inside header and question: not an answer */
	for (i = 0; i < (size_t)qlen - 11; i++)
		assert_int_equal(mx_dns_ad_parse(a, i, q, (size_t)qlen), -1);
	/* wrong id, not a response, other opcode, two questions */
	a[0] ^= 1;
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), -1);
	a[0] ^= 1;
	a[2] = 0x01;
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), -1);
	a[2] = 0x89; /* opcode 1 */
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), -1);
	a[2] = 0x81;
	a[5] = 2;
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), -1);
	a[5] = 1;
	/* another name, another type, a label length past the end */
	a[14] ^= 0x01;
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), -1);
	a[14] ^= 0x01;
	a[qlen - 11 - 3] ^= 1; /* type low octet */
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), -1);
	a[qlen - 11 - 3] ^= 1;
	a[12] = 0xc0; /* a compression pointer: not our question */
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, (size_t)qlen), -1);
	assert_int_equal(mx_dns_ad_parse(NULL, 0, q, (size_t)qlen), -1);
	assert_int_equal(mx_dns_ad_parse(a, (size_t)n, q, 5), -1);
}

static void test_ad_resolver(void **state)
{
	char path[] = "/tmp/test_dane_resolvXXXXXX";
	struct mx_dns_ad *ad;
	FILE *f;
	int fd;

	(void)state;
	ad = mx_dns_ad_new("127.0.0.21", NULL);
	assert_non_null(ad);
	assert_string_equal(mx_dns_ad_server(ad), "127.0.0.21@53");
	mx_dns_ad_free(ad);
	ad = mx_dns_ad_new("::1@5353", NULL);
	assert_non_null(ad);
	assert_string_equal(mx_dns_ad_server(ad), "::1@5353");
	mx_dns_ad_free(ad);
	assert_null(mx_dns_ad_new("not-an-ip", NULL));
	assert_null(mx_dns_ad_new("127.0.0.1@0", NULL));
	assert_null(mx_dns_ad_new("127.0.0.1@70000", NULL));
	assert_null(mx_dns_ad_new("127.0.0.1@53x", NULL));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment\nsearch lab.test\nnameserver fe80::1%eth0\n"
	      "  nameserver\t127.0.0.53 # local\nnameserver 10.0.0.1\n",
	      f);
	fclose(f);
	ad = mx_dns_ad_new(NULL, path);
	assert_non_null(ad);
	assert_string_equal(mx_dns_ad_server(ad), "127.0.0.53@53");
	mx_dns_ad_free(ad);
	f = fopen(path, "w");
	fputs("nameservers 1.2.3.4\nnameserver\n", f);
	fclose(f);
	assert_null(mx_dns_ad_new(NULL, path));
	unlink(path);
	assert_null(mx_dns_ad_new(NULL, "/nonexistent/resolv.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_params_and_lengths),
		cmocka_unit_test(test_ee_ignores_names_and_dates),
		cmocka_unit_test(test_ta),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_confidence_dane),
		cmocka_unit_test(test_ad_build),
		cmocka_unit_test(test_ad_parse),
		cmocka_unit_test(test_ad_resolver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
