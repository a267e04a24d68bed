/*
 * tls_keyshare.c - valid client key_share public values from an injected
 * random source (see mx_keyshare_make() in tls_hello.h).
 *
 * Kept apart from tls_hello.c because it uses libcrypto; link
 * $(OPENSSL_LIBS).  The private key is derived from random bytes and
 * wiped; it is never returned (the raw hello engine stops after the
 * server's flight and never computes a shared secret).
 *
 *   x25519 / x448      RFC 7748 §6: public = X(priv, 9 / 5), raw bytes.
 *   secp256r1/384/521  RFC 8446 §4.2.8.2: UncompressedPointRepresentation
 *                      of priv * G, priv = 1 + (random mod (n - 1)).
 *   ffdhe*             RFC 8446 §4.2.8.1 / RFC 7919: g^x mod p, left
 *                      padded to the size of p; x has 2 * security bits.
 *   ML-KEM-512/768/1024  FIPS 203 §7.2 checks only that every encoded
 *                      coefficient is below q = 3329, so k * 256 random
 *                      coefficients < q (ByteEncode12) followed by a
 *                      random 32-byte rho form a valid encapsulation key.
 *   hybrids            draft-ietf-tls-ecdhe-mlkem §3: X25519MLKEM768 is
 *                      ML-KEM || X25519; SecP256r1MLKEM768 and
 *                      SecP384r1MLKEM1024 are ECDH point || ML-KEM;
 *                      X25519Kyber768Draft00 is X25519 || Kyber-768.
 */
#include "wire/tls_hello.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "wire/tls_registry.h"

#define MLKEM_Q 3329

static size_t raw_xdh(int type, size_t len, mx_random_fn rnd, void *ctx,
		      uint8_t *out, size_t max)
{
	uint8_t priv[56];
	EVP_PKEY *k;
	size_t n = max;

	if (max < len)
		return 0;
	rnd(ctx, priv, len);
	k = EVP_PKEY_new_raw_private_key(type, NULL, priv, len);
	OPENSSL_cleanse(priv, sizeof(priv));
	if (k == NULL)
		return 0;
	if (EVP_PKEY_get_raw_public_key(k, out, &n) != 1 || n != len)
		n = 0;
	EVP_PKEY_free(k);
	return n;
}

static size_t ec_point(int nid, size_t len, mx_random_fn rnd, void *ctx,
		       uint8_t *out, size_t max)
{
	uint8_t seed[96];
	EC_GROUP *g = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *d = NULL, *nm1 = NULL;
	BN_CTX *bn = NULL;
	/* 16 bytes more than the order: the mod bias is negligible */
	size_t r = 0, seedlen = (len - 1) / 2 + 16;

	if (max < len || seedlen > sizeof(seed))
		return 0;
	g = EC_GROUP_new_by_curve_name(nid);
	pt = g ? EC_POINT_new(g) : NULL;
	bn = BN_CTX_new();
	d = BN_new();
	nm1 = BN_new();
	if (pt == NULL || bn == NULL || d == NULL || nm1 == NULL)
		goto out;
	rnd(ctx, seed, seedlen);
	if (BN_bin2bn(seed, (int)seedlen, d) == NULL ||
	    !BN_sub(nm1, EC_GROUP_get0_order(g), BN_value_one()) ||
	    !BN_mod(d, d, nm1, bn) || !BN_add_word(d, 1) ||
	    !EC_POINT_mul(g, pt, d, NULL, NULL, bn))
		goto out;
	r = EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, out, max,
			       bn);
	if (r != len)
		r = 0;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	BN_clear_free(d);
	BN_free(nm1);
	BN_CTX_free(bn);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return r;
}

static size_t ffdhe(const char *name, size_t xbytes, mx_random_fn rnd,
		    void *ctx, uint8_t *out, size_t max)
{
	uint8_t pbytes[MX_DH_MAX_BYTES], x[64];
	const struct mx_dh_prime *e = NULL;
	BIGNUM *p = NULL, *g = NULL, *bx = NULL, *y = NULL;
	BN_CTX *bn = NULL;
	size_t i, plen, r = 0;

	for (i = 0; i < mx_dh_prime_count(); i++)
		if (strcmp(mx_dh_prime_at(i)->name, name) == 0)
			e = mx_dh_prime_at(i);
	plen = mx_dh_prime_bytes(e, pbytes, sizeof(pbytes));
	if (plen == 0 || max < plen || xbytes > sizeof(x))
		return 0;
	rnd(ctx, x, xbytes);
	bn = BN_CTX_new();
	p = BN_bin2bn(pbytes, (int)plen, NULL);
	g = BN_new();
	bx = BN_bin2bn(x, (int)xbytes, NULL);
	y = BN_new();
	if (bn == NULL || p == NULL || g == NULL || bx == NULL || y == NULL ||
	    !BN_set_word(g, 2) || !BN_mod_exp(y, g, bx, p, bn))
		goto out;
	if (BN_bn2binpad(y, out, (int)plen) == (int)plen)
		r = plen;
out:
	OPENSSL_cleanse(x, sizeof(x));
	BN_clear_free(bx);
	BN_free(y);
	BN_free(g);
	BN_free(p);
	BN_CTX_free(bn);
	return r;
}

/* FIPS 203 ByteEncode12 of k*256 coefficients < q, then rho (32 bytes). */
static size_t mlkem_ek(unsigned k, mx_random_fn rnd, void *ctx, uint8_t *out,
		       size_t max)
{
	size_t len = 384 * k + 32, i;
	uint8_t r[4];

	if (max < len)
		return 0;
	for (i = 0; i < 128 * k; i++) {
		unsigned a, b;

		rnd(ctx, r, sizeof(r));
		a = ((unsigned)r[0] << 8 | r[1]) % MLKEM_Q;
		b = ((unsigned)r[2] << 8 | r[3]) % MLKEM_Q;
		out[3 * i] = (uint8_t)a;
		out[3 * i + 1] = (uint8_t)(a >> 8 | (b & 0x0f) << 4);
		out[3 * i + 2] = (uint8_t)(b >> 4);
	}
	rnd(ctx, out + 384 * k, 32);
	return len;
}

size_t mx_keyshare_make(uint16_t group, mx_random_fn random, void *ctx,
			uint8_t *out, size_t max)
{
	size_t a, b;

	if (random == NULL || out == NULL)
		return 0;
	switch (group) {
	case 23:
		return ec_point(NID_X9_62_prime256v1, 65, random, ctx, out,
				max);
	case 24:
		return ec_point(NID_secp384r1, 97, random, ctx, out, max);
	case 25:
		return ec_point(NID_secp521r1, 133, random, ctx, out, max);
	case 29:
		return raw_xdh(EVP_PKEY_X25519, 32, random, ctx, out, max);
	case 30:
		return raw_xdh(EVP_PKEY_X448, 56, random, ctx, out, max);
	case 256:
		return ffdhe("ffdhe2048", 32, random, ctx, out, max);
	case 257:
		return ffdhe("ffdhe3072", 40, random, ctx, out, max);
	case 258:
		return ffdhe("ffdhe4096", 48, random, ctx, out, max);
	case 259:
		return ffdhe("ffdhe6144", 56, random, ctx, out, max);
	case 260:
		return ffdhe("ffdhe8192", 64, random, ctx, out, max);
	case 512:
		return mlkem_ek(2, random, ctx, out, max);
	case 513:
		return mlkem_ek(3, random, ctx, out, max);
	case 514:
		return mlkem_ek(4, random, ctx, out, max);
	case 0x11EC: /* X25519MLKEM768: ML-KEM-768 || X25519 */
		a = mlkem_ek(3, random, ctx, out, max);
		b = a ? raw_xdh(EVP_PKEY_X25519, 32, random, ctx, out + a,
				max - a)
		      : 0;
		return a && b ? a + b : 0;
	case 0x11EB: /* SecP256r1MLKEM768: P-256 || ML-KEM-768 */
		a = ec_point(NID_X9_62_prime256v1, 65, random, ctx, out, max);
		b = a ? mlkem_ek(3, random, ctx, out + a, max - a) : 0;
		return a && b ? a + b : 0;
	case 0x11ED: /* SecP384r1MLKEM1024: P-384 || ML-KEM-1024 */
		a = ec_point(NID_secp384r1, 97, random, ctx, out, max);
		b = a ? mlkem_ek(4, random, ctx, out + a, max - a) : 0;
		return a && b ? a + b : 0;
	case 0x6399: /* X25519Kyber768Draft00: X25519 || Kyber-768 */
		a = raw_xdh(EVP_PKEY_X25519, 32, random, ctx, out, max);
		b = a ? mlkem_ek(3, random, ctx, out + a, max - a) : 0;
		return a && b ? a + b : 0;
	}
	return 0;
}
