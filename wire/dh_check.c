/*
 * dh_check.c - is a DH modulus a safe prime?  (see tls_registry.h)
 *
 * The one file of wire/ that uses libcrypto (BN_check_prime, OpenSSL 3):
 * kept apart so the rest of wire/ stays free of crypto and every program
 * that calls mx_dh_is_safe_prime() links $(OPENSSL_LIBS).  p is safe when
 * p and q = (p-1)/2 are both prime (RFC 7919 §1, "safe primes"); RFC 5114
 * groups are prime but not safe by design.  No state kept: a BN_CTX per
 * call.  Inputs longer than MX_DH_MAX_BYTES are refused (an 8192-bit test
 * already costs seconds; a peer must not make us spend minutes).
 */
#include "wire/tls_registry.h"

#include <openssl/bn.h>

enum mx_dh_check mx_dh_is_safe_prime(const uint8_t *p, size_t len)
{
	enum mx_dh_check r = MX_DH_CHECK_ERROR;
	BN_CTX *ctx = NULL;
	BIGNUM *bp = NULL, *q = NULL;
	int ok;

	if (p == NULL || len == 0 || len > MX_DH_MAX_BYTES)
		return MX_DH_CHECK_ERROR;
	ctx = BN_CTX_new();
	bp = BN_bin2bn(p, (int)len, NULL);
	q = BN_new();
	if (ctx == NULL || bp == NULL || q == NULL)
		goto out;
	if (BN_num_bits(bp) < 3 || !BN_is_odd(bp))
		goto out;
	ok = BN_check_prime(bp, ctx, NULL);
	if (ok < 0)
		goto out;
	if (ok == 0) {
		r = MX_DH_NOT_PRIME;
		goto out;
	}
	/* q = (p - 1) / 2: p is odd, so a right shift does it. */
	if (!BN_rshift1(q, bp))
		goto out;
	ok = BN_check_prime(q, ctx, NULL);
	if (ok < 0)
		goto out;
	r = ok ? MX_DH_SAFE_PRIME : MX_DH_PRIME_NOT_SAFE;
out:
	BN_free(q);
	BN_free(bp);
	BN_CTX_free(ctx);
	return r;
}

const char *mx_dh_check_name(enum mx_dh_check c)
{
	switch (c) {
	case MX_DH_SAFE_PRIME:
		return "safe prime";
	case MX_DH_PRIME_NOT_SAFE:
		return "prime, not safe";
	case MX_DH_NOT_PRIME:
		return "not prime";
	case MX_DH_CHECK_ERROR:
		return "check failed";
	}
	return "?";
}
