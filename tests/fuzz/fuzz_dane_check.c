/*
 * fuzz_dane_check.c - fuzz target for DANE in check (mx_dane_judge and
 * mx_dane_usable_count in analyzers/dane.c): a TLSA RRset from DNS
 * against a chain as a server sent it, both untrusted.
 *
 * Input: the format of fuzz_dane.c (so its corpus seeds this one too):
 *   u8  flags: bits 0-2 the number of TLSA records (0..7), bit 3 "no
 *       time" (now = 0), bit 5 no MX host name, bit 6 the TLSA answer
 *       not validated, bit 7 no TLS session
 *   per record: u8 usage, u8 selector, u8 mtype, u8 src; src < 0x80:
 *       src octets of raw data; src >= 0x80: computed from certificate
 *       (src & 3) (selector and mtype as given, last octet flipped when
 *       bit 2 of src is set);
 *   then up to 4 certificates: u16 length, DER (probe/x509.c decodes).
 * Checks: the state and every record's result are defined values; a
 * match only for a DANE-TA/DANE-EE record of the right length with a
 * TLS session; OK only with a match; every `why` a printable line;
 * judging twice gives the same; buffers exact-size (ASan), freed (LSan).
 * Corpus: tests/fuzz/corpus/dane_check/ (fuzz_dane's seeds).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "analyzers/dane.h"
#include "common/cursor.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "probe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Slow target (OpenSSL verification): fewer mutations under make check. */
const unsigned long fuzz_driver_iterations = 2000;

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define MAX_RR 7
#define MAX_CERTS 4

/* Data for a record from certificate c; malloc'ed exact size or NULL. */
static uint8_t *derive(const struct mx_cert *c, uint8_t sel, uint8_t mt,
		       int flip, size_t *len)
{
	const unsigned char *p = c->der;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint8_t *out = NULL;
	X509 *x;
	int n;

	*len = 0;
	if (c->der == NULL || c->der_len == 0)
		return NULL;
	x = d2i_X509(NULL, &p, (long)c->der_len);
	if (x == NULL)
		return NULL;
	n = sel == 1 ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der)
		     : i2d_X509(x, &der);
	if (n > 0 && (mt == 1 || mt == 2)) {
		if (EVP_Digest(der, (size_t)n, md, &mdlen,
			       mt == 1 ? EVP_sha256() : EVP_sha512(),
			       NULL) == 1 &&
		    (out = malloc(mdlen)) != NULL) {
			memcpy(out, md, mdlen);
			*len = mdlen;
		}
	} else if (n > 0 && (out = malloc((size_t)n)) != NULL) {
		memcpy(out, der, (size_t)n);
		*len = (size_t)n;
	}
	if (out != NULL && flip && *len > 0)
		out[*len - 1] ^= 1;
	OPENSSL_free(der);
	X509_free(x);
	return out;
}

static void check_why(const char *why)
{
	size_t i, n;

	if (why == NULL)
		return;
	n = strlen(why);
	CHECK(n < 1024);
	for (i = 0; i < n; i++)
		CHECK((unsigned char)why[i] >= 0x20 &&
		      (unsigned char)why[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_endpoint ep;
	struct mx_dane *d = &ep.dane;
	uint8_t src[MAX_RR];
	enum mx_dane_rr_result first[MAX_RR];
	enum mx_dane_state st;
	struct mx_cur c;
	uint8_t flags;
	size_t i, nmatch = 0;

	memset(&ep, 0, sizeof(ep));
	mx_cur_init(&c, data, size);
	flags = mx_cur_u8(&c);
	d->rr = xcalloc(MAX_RR, sizeof(*d->rr));
	for (i = 0; i < (size_t)(flags & 7) && mx_cur_ok(&c); i++) {
		struct mx_dane_rr *r = &d->rr[d->nrr];

		r->usage = mx_cur_u8(&c);
		r->selector = mx_cur_u8(&c);
		r->mtype = mx_cur_u8(&c);
		src[d->nrr] = mx_cur_u8(&c);
		if (!mx_cur_ok(&c))
			break;
		if (src[d->nrr] < 0x80) {
			const uint8_t *p = mx_cur_bytes(&c, src[d->nrr]);

			if (!mx_cur_ok(&c))
				break;
			r->len = src[d->nrr];
			r->data = xmalloc(r->len ? r->len : 1);
			if (r->len)
				memcpy(r->data, p, r->len);
		}
		d->nrr++;
	}
	while (ep.tls.chain.n < MAX_CERTS && mx_cur_ok(&c)) {
		uint16_t len = mx_cur_u16(&c);
		const uint8_t *der = mx_cur_bytes(&c, len);

		if (!mx_cur_ok(&c) || len == 0)
			break;
		(void)mx_x509_decode(der, len, mx_chain_add(&ep.tls.chain));
	}
	for (i = 0; i < d->nrr; i++)
		if (src[i] >= 0x80 && (size_t)(src[i] & 3) < ep.tls.chain.n)
			d->rr[i].data = derive(&ep.tls.chain.v[src[i] & 3],
					       d->rr[i].selector,
					       d->rr[i].mtype, src[i] & 4,
					       &d->rr[i].len);
	ep.tls.attempted = 1;
	ep.tls.completed = !(flags & 0x80);
	ep.host = (flags & 0x20) ? NULL : xstrdup("mx1.lab.test");
	d->looked_up = 1;
	d->status = MX_DNS_OK;
	d->secure = !(flags & 0x40);

	mx_dane_judge(&ep, (flags & 8) ? 0 : (time_t)1767225600);
	st = d->state;
	CHECK(st >= MX_DANE_NOT_LOOKED_UP && st <= MX_DANE_FAILED);
	for (i = 0; i < d->nrr; i++) {
		const struct mx_dane_rr *r = &d->rr[i];

		first[i] = r->result;
		CHECK(r->result >= MX_DANE_RR_NOT_JUDGED &&
		      r->result <= MX_DANE_RR_MALFORMED);
		check_why(r->why);
		if (r->result == MX_DANE_RR_MATCH) {
			CHECK(r->usage == 2 || r->usage == 3);
			CHECK(r->selector <= 1 && r->mtype <= 2);
			CHECK(r->mtype != 1 || r->len == 32);
			CHECK(r->mtype != 2 || r->len == 64);
			CHECK(ep.tls.completed && ep.tls.chain.n > 0);
			nmatch++;
		}
	}
	CHECK(mx_dane_usable_count(d) <= d->nrr);
	if (st == MX_DANE_OK)
		CHECK(nmatch > 0 && d->secure);
	if (d->nrr == 0)
		CHECK(st == MX_DANE_NONE);
	mx_dane_judge(&ep, (flags & 8) ? 0 : (time_t)1767225600);
	CHECK(d->state == st);
	for (i = 0; i < d->nrr; i++)
		CHECK(d->rr[i].result == first[i]);
	mx_endpoint_clear(&ep);
	return 0;
}
