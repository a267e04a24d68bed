/*
 * fuzz_dane.c - fuzz target for DANE matching (mx_dane_match and
 * mx_tlsa_usable in analyzers/policy.c): a TLSA RRset from DNS against a
 * certificate chain as a server sent it - both untrusted.
 *
 * Input (through a bounded cursor; a short input just ends the lists):
 *   u8  flags: bits 0-2 the number of TLSA records (0..7), bit 3 "no
 *       time" (now = 0), bit 4 no next-hop name, bit 5 no MX host name
 *   per record: u8 usage, u8 selector, u8 mtype, u8 src, then
 *       src < 0x80: src octets of raw record data;
 *       src >= 0x80: the data is computed from chain certificate
 *       (src & 3) with the record's selector and mtype (full DER or
 *       SubjectPublicKeyInfo; raw, SHA-256 or SHA-512), and, when
 *       bit 2 of src is set, its last octet flipped - so the fuzzer
 *       reaches real matches and near misses it could never hash;
 *   then up to 4 certificates: u16 length, that many octets of DER
 *       (decoded with probe/x509.c as the TLS backends do; a DER that
 *       does not parse keeps its bytes, as a backend would).
 * Checks: the answer is 0 or 1; `why` is one printable line within its
 * buffer; no usable record or no leaf means no match; a match needs a
 * usable record; the same call twice gives the same answer; every
 * certificate and record buffer is exact-size (ASan) and freed (LSan).
 * Corpus: tests/fuzz/corpus/dane/ (the test chain leaf, intermediate,
 * root with DANE-EE and DANE-TA records that match and that miss).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "analyzers/policy.h"
#include "common/cursor.h"
#include "model/result.h"
#include "probe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The standalone driver (make check) runs fewer mutations of this slow
 * target (tests/fuzz/driver.c). */
const unsigned long fuzz_driver_iterations = 2000;

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define MAX_RR 7
#define MAX_CERTS 4

struct rrspec {
	uint8_t usage, selector, mtype, src;
	const uint8_t *raw;
};

/* The record data computed from cert c (see the header); malloc'ed, exact
 * size, NULL when it cannot be computed. */
static uint8_t *derive(const struct mx_cert *c, const struct rrspec *r,
		       size_t *len)
{
	const unsigned char *p = c->der;
	X509 *x = NULL;
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint8_t *out = NULL;
	int n = -1;

	*len = 0;
	if (c->der == NULL || c->der_len == 0)
		return NULL;
	x = d2i_X509(NULL, &p, (long)c->der_len);
	if (x == NULL)
		return NULL;
	if (r->selector == 1)
		n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	else
		n = i2d_X509(x, &der);
	if (n <= 0)
		goto out;
	if (r->mtype == 1 || r->mtype == 2) {
		if (EVP_Digest(der, (size_t)n, md, &mdlen,
			       r->mtype == 1 ? EVP_sha256() : EVP_sha512(),
			       NULL) != 1)
			goto out;
		out = malloc(mdlen);
		if (out == NULL)
			goto out;
		memcpy(out, md, mdlen);
		*len = mdlen;
	} else {
		out = malloc((size_t)n);
		if (out == NULL)
			goto out;
		memcpy(out, der, (size_t)n);
		*len = (size_t)n;
	}
	if ((r->src & 4) && *len > 0)
		out[*len - 1] ^= 1;
out:
	OPENSSL_free(der);
	X509_free(x);
	return out;
}

static void check_why(const char *why, size_t cap)
{
	size_t i, n = strnlen(why, cap);

	CHECK(n < cap);
	for (i = 0; i < n; i++)
		CHECK((unsigned char)why[i] >= 0x20 &&
		      (unsigned char)why[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_cur c;
	struct mx_tls tls;
	struct rrspec spec[MAX_RR];
	struct mx_tlsa_rr rr[MAX_RR];
	uint8_t *owned[MAX_RR] = {0};
	char why[256], why2[256];
	uint8_t flags = 0;
	size_t i, nrr = 0, nusable = 0;
	int m1, m2;

	memset(&tls, 0, sizeof(tls));
	memset(rr, 0, sizeof(rr));
	mx_cur_init(&c, data, size);
	flags = mx_cur_u8(&c);
	for (i = 0; i < (size_t)(flags & 7) && mx_cur_ok(&c); i++) {
		struct rrspec *s = &spec[nrr];

		s->usage = mx_cur_u8(&c);
		s->selector = mx_cur_u8(&c);
		s->mtype = mx_cur_u8(&c);
		s->src = mx_cur_u8(&c);
		s->raw = NULL;
		if (!mx_cur_ok(&c))
			break;
		if (s->src < 0x80) {
			const uint8_t *p = mx_cur_bytes(&c, s->src);

			if (!mx_cur_ok(&c))
				break;
			/* an exact-size copy: ASan sees any over-read */
			owned[nrr] = malloc(s->src ? s->src : 1);
			if (owned[nrr] == NULL)
				break;
			if (s->src)
				memcpy(owned[nrr], p, s->src);
			rr[nrr].data = owned[nrr];
			rr[nrr].len = s->src;
		}
		rr[nrr].usage = s->usage;
		rr[nrr].selector = s->selector;
		rr[nrr].mtype = s->mtype;
		nrr++;
	}
	while (tls.chain.n < MAX_CERTS && mx_cur_ok(&c)) {
		uint16_t len = mx_cur_u16(&c);
		const uint8_t *der = mx_cur_bytes(&c, len);

		if (!mx_cur_ok(&c) || len == 0)
			break;
		(void)mx_x509_decode(der, len, mx_chain_add(&tls.chain));
	}
	tls.completed = 1;
	for (i = 0; i < nrr; i++) {
		if (spec[i].src >= 0x80) {
			size_t k = spec[i].src & 3, len = 0;

			if (k < tls.chain.n)
				owned[i] =
					derive(&tls.chain.v[k], &spec[i], &len);
			rr[i].data = owned[i];
			rr[i].len = owned[i] ? len : 0;
		}
		if (mx_tlsa_usable(&rr[i])) {
			CHECK(rr[i].usage == 2 || rr[i].usage == 3);
			CHECK(rr[i].len > 0);
			nusable++;
		}
	}

	m1 = mx_dane_match(
		&tls, rr, nrr, (flags & 0x20) ? NULL : "mx1.lab.test",
		(flags & 0x10) ? NULL : "lab.test",
		(flags & 8) ? 0 : (time_t)1767225600 /* 2026-01-01 */, why,
		sizeof(why));
	CHECK(m1 == 0 || m1 == 1);
	check_why(why, sizeof(why));
	if (m1)
		CHECK(nusable > 0 && tls.chain.n > 0);
	m2 = mx_dane_match(&tls, rr, nrr,
			   (flags & 0x20) ? NULL : "mx1.lab.test",
			   (flags & 0x10) ? NULL : "lab.test",
			   (flags & 8) ? 0 : (time_t)1767225600, why2,
			   sizeof(why2));
	CHECK(m1 == m2);
	CHECK(strcmp(why, why2) == 0);
	/* a tiny buffer still gets a terminated line */
	(void)mx_dane_match(&tls, rr, nrr, "mx1.lab.test", "lab.test", 0, why2,
			    8);
	check_why(why2, 8);
	/* not completed: never a match */
	tls.completed = 0;
	CHECK(mx_dane_match(&tls, rr, nrr, "mx1.lab.test", "lab.test", 0, why2,
			    sizeof(why2)) == 0);

	for (i = 0; i < nrr; i++)
		free(owned[i]);
	mx_chain_clear(&tls.chain);
	return 0;
}
