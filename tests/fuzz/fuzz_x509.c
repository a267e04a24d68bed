/*
 * fuzz_x509.c - libFuzzer entry for mx_x509_decode and
 * mx_x509_chain_in_order (probe/x509.c).
 *
 * The input is one certificate as DER (seeds: the test PKI in
 * tests/fuzz/corpus/x509/, made by tests/data/certs/make.sh).  Checks
 * the decoder's promises: it returns 0 or -1; the DER copy is always
 * kept; on success every text field is present and escaped (printable
 * ASCII only), the SAN lists respect the cap, fingerprints are 64 hex
 * digits; on failure no field but the DER is set.  The chain check runs
 * on [input, input] and must answer 0 or 1 (0 when the input does not
 * decode).
 * A broken promise aborts, which the driver and libFuzzer report.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/result.h"
#include "probe/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
	if (s == NULL)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

static void check_hex64(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != 64)
		abort();
	for (i = 0; i < 64; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_cert c;
	struct mx_chain ch;
	size_t i;
	int rc, order;

	memset(&c, 0, sizeof(c));
	rc = mx_x509_decode(data, size, &c);
	if (rc != 0 && rc != -1)
		abort();
	if (c.der_len != size || (size > 0 && memcmp(c.der, data, size)))
		abort();
	if (rc == 0) {
		check_text(c.subject);
		check_text(c.issuer);
		check_text(c.cn);
		check_text(c.serial);
		check_text(c.key_type);
		check_text(c.sig_alg);
		check_hex64(c.sha256);
		if (c.spki_sha256 != NULL)
			check_hex64(c.spki_sha256);
		if (c.nsan_dns > 200 || c.nsan_ip > 200)
			abort();
		for (i = 0; i < c.nsan_dns; i++)
			check_text(c.san_dns[i]);
		for (i = 0; i < c.nsan_ip; i++)
			check_text(c.san_ip[i]);
		if (c.aia_ca_issuers != NULL)
			check_text(c.aia_ca_issuers);
		if (c.aia_ocsp != NULL)
			check_text(c.aia_ocsp);
		if (c.self_signed && !c.self_issued)
			abort();
	} else if (c.subject != NULL || c.cn != NULL || c.sha256 != NULL ||
		   c.nsan_dns != 0) {
		abort();
	}
	mx_cert_clear(&c);

	/* The order check reads only the DER: give it [input, input]. */
	memset(&ch, 0, sizeof(ch));
	for (i = 0; i < 2; i++) {
		struct mx_cert *e = mx_chain_add(&ch);

		e->der = malloc(size ? size : 1);
		if (e->der == NULL)
			abort();
		if (size)
			memcpy(e->der, data, size);
		e->der_len = size;
	}
	order = mx_x509_chain_in_order(&ch);
	if (order != 0 && order != 1)
		abort();
	/* An undecodable certificate can never be in order. */
	if (rc != 0 && order != 0)
		abort();
	mx_chain_clear(&ch);
	return 0;
}
