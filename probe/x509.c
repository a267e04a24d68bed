/*
 * x509.c - certificate facts from DER, with OpenSSL; see x509.h.
 *
 * Purpose: turn one DER certificate (as a server sent it) into the plain
 * struct mx_cert of the result model, and tell whether a sent chain is in
 * issuing order.  X.509 and ASN.1 are parsed by OpenSSL only (d2i_X509);
 * this file never looks at the DER bytes itself.
 *
 * API: mx_x509_decode(), mx_x509_chain_in_order().
 *
 * Ownership: mx_x509_decode() clears `out` first (it must be zeroed, as
 * mx_chain_add() returns it, or hold an earlier result), then stores a
 * copy of the DER and malloc'ed strings that mx_cert_clear() frees.  The
 * X509 objects made here never leave this file.
 *
 * Limits: DER up to MX_X509_MAX_DER bytes (RFC 8446 §4.4.2 allows 2^24-1
 * per certificate; real ones are a few KiB); the DER must be exactly one
 * certificate (trailing bytes are an error); every text field is escaped
 * (common/escape.h) and capped at MX_X509_MAX_TEXT bytes; at most
 * MX_X509_MAX_SANS dNSName and as many iPAddress SANs are kept.
 * Fingerprints are lowercase hex without separators.
 */
#include "probe/x509.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/escape.h"
#include "common/xalloc.h"

#define MX_X509_MAX_DER (1024 * 1024)
#define MX_X509_MAX_TEXT 1024
#define MX_X509_MAX_SANS 200

/* Key type names: the model's stable strings, not OpenSSL's. */
static const struct {
	int id;
	const char *name;
} key_types[] = {
	{EVP_PKEY_RSA, "RSA"},	   {EVP_PKEY_RSA_PSS, "RSA-PSS"},
	{EVP_PKEY_EC, "EC"},	   {EVP_PKEY_ED25519, "Ed25519"},
	{EVP_PKEY_ED448, "Ed448"}, {EVP_PKEY_DSA, "DSA"},
	{EVP_PKEY_DH, "DH"},	   {EVP_PKEY_DHX, "DH"},
};

static char *hex_of(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = xmalloc(n * 2 + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 0x0f];
	}
	s[2 * n] = '\0';
	return s;
}

static char *sha256_hex(const uint8_t *p, size_t n)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return NULL;
	return hex_of(md, mdlen);
}

/* One line RFC 2253 form of a name, capped.  XN_FLAG_RFC2253 already
 * escapes control and high bytes (RFC 2253 section 2.4: "\1B"), so its
 * output is printable ASCII and is kept as it is; escaping it again
 * doubled every backslash ("CN=\\1B[2J").  Anything else still goes
 * through mx_escape (the model's rule). */
static int printable(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

static char *name_text(const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL, *r;
	long n;

	if (b == NULL)
		mx_fatal(__func__, "out of memory");
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) < 0) {
		BIO_free(b);
		return xstrdup("");
	}
	n = BIO_get_mem_data(b, &data);
	if (n < 0)
		n = 0;
	if (printable((const unsigned char *)data, (size_t)n)) {
		size_t keep = (size_t)n;

		if (keep > MX_X509_MAX_TEXT) /* as mx_escape caps: "..." */
			keep = MX_X509_MAX_TEXT - 3;
		r = xmalloc(keep + 4);
		memcpy(r, data, keep);
		if (keep < (size_t)n)
			memcpy(r + keep, "...", 3), keep += 3;
		r[keep] = '\0';
	} else {
		r = mx_escape(data, (size_t)n, MX_X509_MAX_TEXT);
	}
	BIO_free(b);
	return r;
}

/* The first commonName of the subject as escaped UTF-8, or "". */
static char *common_name(const X509_NAME *name)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	const ASN1_STRING *v;
	unsigned char *utf8 = NULL;
	char *r;
	int n;

	if (i < 0)
		return xstrdup("");
	v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	n = ASN1_STRING_to_UTF8(&utf8, v);
	if (n < 0) /* not convertible: show the raw bytes, escaped */
		return mx_escape(ASN1_STRING_get0_data(v),
				 (size_t)ASN1_STRING_length(v),
				 MX_X509_MAX_TEXT);
	r = mx_escape(utf8, (size_t)n, MX_X509_MAX_TEXT);
	OPENSSL_free(utf8);
	return r;
}

static char *serial_text(const ASN1_INTEGER *ai)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(ai, NULL);
	char *h, *r;

	if (bn == NULL)
		return xstrdup("");
	h = BN_bn2hex(bn);
	BN_free(bn);
	if (h == NULL)
		return xstrdup("");
	r = mx_escape_str(h, MX_X509_MAX_TEXT);
	OPENSSL_free(h);
	return r;
}

/* ASN1_TIME (UTCTime or GeneralizedTime, RFC 5280 §4.1.2.5) to time_t;
 * 0 when OpenSSL cannot read it. */
static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void key_facts(X509 *x, struct mx_cert *out)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	size_t i;
	int id;

	if (pk == NULL) {
		/* An algorithm OpenSSL cannot load: name its OID. */
		ASN1_OBJECT *alg = NULL;
		char buf[128];

		if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL,
					   X509_get_X509_PUBKEY(x)) == 1 &&
		    alg != NULL && OBJ_obj2txt(buf, sizeof(buf), alg, 0) > 0)
			out->key_type = mx_escape_str(buf, MX_X509_MAX_TEXT);
		else
			out->key_type = xstrdup("unknown");
		out->key_bits = 0;
		return;
	}
	id = EVP_PKEY_get_base_id(pk);
	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (key_types[i].id == id)
			out->key_type = xstrdup(key_types[i].name);
	if (out->key_type == NULL)
		out->key_type = mx_escape_str(EVP_PKEY_get0_type_name(pk),
					      MX_X509_MAX_TEXT);
	out->key_bits = EVP_PKEY_get_bits(pk);
}

static char *sig_alg_text(const X509 *x)
{
	int nid = X509_get_signature_nid(x);
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	char buf[128];

	if (nid != NID_undef && OBJ_nid2ln(nid) != NULL)
		return xstrdup(OBJ_nid2ln(nid));
	X509_get0_signature(NULL, &alg, x);
	if (alg != NULL)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	if (obj != NULL && OBJ_obj2txt(buf, sizeof(buf), obj, 1) > 0)
		return mx_escape_str(buf, MX_X509_MAX_TEXT);
	return xstrdup("unknown");
}

/* iPAddress SAN (RFC 5280 §4.2.1.6: 4 octets IPv4, 16 octets IPv6). */
static char *ip_text(const ASN1_OCTET_STRING *o)
{
	char buf[INET6_ADDRSTRLEN];
	int len = ASN1_STRING_length(o);
	const unsigned char *p = ASN1_STRING_get0_data(o);

	if (len == 4 && inet_ntop(AF_INET, p, buf, sizeof(buf)) != NULL)
		return xstrdup(buf);
	if (len == 16 && inet_ntop(AF_INET6, p, buf, sizeof(buf)) != NULL)
		return xstrdup(buf);
	/* Neither: a broken certificate; show the octets. */
	{
		char *h = hex_of(p, len > 0 ? (size_t)len : 0);
		char *r = xasprintf("invalid:%s", h);

		free(h);
		if (strlen(r) > MX_X509_MAX_TEXT) {
			char *c = mx_escape_str(r, MX_X509_MAX_TEXT);
			free(r);
			r = c;
		}
		return r;
	}
}

static void san_facts(X509 *x, struct mx_cert *out)
{
	GENERAL_NAMES *gens;
	size_t capd = 0, capi = 0;
	int i, n;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens == NULL)
		return;
	n = sk_GENERAL_NAME_num(gens);
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS && out->nsan_dns < MX_X509_MAX_SANS) {
			const ASN1_IA5STRING *s = g->d.dNSName;

			MX_GROW(out->san_dns, out->nsan_dns, capd);
			out->san_dns[out->nsan_dns++] =
				mx_escape(ASN1_STRING_get0_data(s),
					  (size_t)ASN1_STRING_length(s),
					  MX_X509_MAX_TEXT);
		} else if (g->type == GEN_IPADD &&
			   out->nsan_ip < MX_X509_MAX_SANS) {
			MX_GROW(out->san_ip, out->nsan_ip, capi);
			out->san_ip[out->nsan_ip++] = ip_text(g->d.iPAddress);
		}
	}
	GENERAL_NAMES_free(gens);
}

/* Authority Information Access (RFC 5280 §4.2.2.1): the first caIssuers
 * and the first OCSP URI. */
static void aia_facts(X509 *x, struct mx_cert *out)
{
	AUTHORITY_INFO_ACCESS *aia;
	int i, n;

	aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	if (aia == NULL)
		return;
	n = sk_ACCESS_DESCRIPTION_num(aia);
	for (i = 0; i < n; i++) {
		const ACCESS_DESCRIPTION *ad =
			sk_ACCESS_DESCRIPTION_value(aia, i);
		int m = OBJ_obj2nid(ad->method);
		char **dst = NULL;
		const ASN1_IA5STRING *u;

		if (ad->location == NULL || ad->location->type != GEN_URI)
			continue;
		if (m == NID_ad_ca_issuers && out->aia_ca_issuers == NULL)
			dst = &out->aia_ca_issuers;
		else if (m == NID_ad_OCSP && out->aia_ocsp == NULL)
			dst = &out->aia_ocsp;
		if (dst == NULL)
			continue;
		u = ad->location->d.uniformResourceIdentifier;
		*dst = mx_escape(ASN1_STRING_get0_data(u),
				 (size_t)ASN1_STRING_length(u),
				 MX_X509_MAX_TEXT);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
}

static int basic_ca(X509 *x)
{
	BASIC_CONSTRAINTS *bc;
	int ca;

	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	if (bc == NULL)
		return 0;
	ca = bc->ca != 0;
	BASIC_CONSTRAINTS_free(bc);
	return ca;
}

static char *spki_sha256(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	char *r;

	if (n <= 0)
		return NULL;
	r = sha256_hex(der, (size_t)n);
	OPENSSL_free(der);
	return r;
}

/* d2i the whole buffer as exactly one certificate, or NULL. */
static X509 *parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (der == NULL || len == 0 || len > MX_X509_MAX_DER)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) { /* trailing bytes */
		X509_free(x);
		x = NULL;
	}
	return x;
}

int mx_x509_decode(const uint8_t *der, size_t len, struct mx_cert *out)
{
	X509 *x;
	EVP_PKEY *pk;

	mx_cert_clear(out);
	out->der = xmalloc(len);
	if (len)
		memcpy(out->der, der, len);
	out->der_len = len;

	x = parse_der(der, len);
	if (x == NULL) {
		ERR_clear_error();
		return -1;
	}
	out->subject = name_text(X509_get_subject_name(x));
	out->issuer = name_text(X509_get_issuer_name(x));
	out->cn = common_name(X509_get_subject_name(x));
	out->serial = serial_text(X509_get0_serialNumber(x));
	out->not_before = asn1_time(X509_get0_notBefore(x));
	out->not_after = asn1_time(X509_get0_notAfter(x));
	key_facts(x, out);
	out->sig_alg = sig_alg_text(x);
	san_facts(x, out);
	aia_facts(x, out);
	out->sha256 = sha256_hex(der, len);
	out->spki_sha256 = spki_sha256(x);
	out->is_ca = basic_ca(x);
	out->self_issued = X509_NAME_cmp(X509_get_subject_name(x),
					 X509_get_issuer_name(x)) == 0;
	pk = X509_get0_pubkey(x);
	out->self_signed = out->self_issued && pk != NULL &&
			   X509_verify(x, pk) == 1;
	X509_free(x);
	ERR_clear_error();
	return 0;
}

/* RFC 8446 §4.4.2 / RFC 5246 §7.4.2: each certificate must be certified
 * by the one that follows it.  Checked by name, key identifiers and key
 * usage (X509_check_issued) and by signature (X509_verify). */
int mx_x509_chain_in_order(const struct mx_chain *ch)
{
	X509 *cur = NULL, *next = NULL;
	int ok = 1;
	size_t i;

	if (ch == NULL || ch->n < 2)
		return 1;
	cur = parse_der(ch->v[0].der, ch->v[0].der_len);
	for (i = 0; ok && i + 1 < ch->n; i++) {
		EVP_PKEY *pk;

		next = parse_der(ch->v[i + 1].der, ch->v[i + 1].der_len);
		if (cur == NULL || next == NULL) {
			ok = 0;
			break;
		}
		pk = X509_get0_pubkey(next);
		if (X509_check_issued(next, cur) != X509_V_OK || pk == NULL ||
		    X509_verify(cur, pk) != 1)
			ok = 0;
		X509_free(cur);
		cur = next;
		next = NULL;
	}
	X509_free(cur);
	X509_free(next);
	ERR_clear_error();
	return ok;
}
