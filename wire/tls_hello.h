/*
 * tls_hello.h - raw ClientHello builder (SSLv3, TLS 1.0-1.3).
 *
 * Purpose: the enumeration engine offers exactly the suites, groups,
 * signature schemes and extensions it wants - including suites no local
 * TLS library still implements (export, RC4, DES, anon, NULL) - and the
 * bytes are identical run to run when the random source is fixed, so
 * tests compare them with golden files.
 *
 * API:
 *   mx_hello_build(params, out, diag) appends the ClientHello, framed in
 *   one or more handshake records (RFC 8446 §5.1; RFC 5246 §6.2.1), to
 *   `out`.  Encoders use mx_buf blocks so the code reads like the
 *   structures of RFC 8446 §4.1.2 and RFC 5246 §7.4.1.2.
 *
 * Randomness: the 32-byte random (and a random session id) come only from
 * params->random - wire/ has no RNG of its own.  Key shares: the builder
 * copies the public values the caller passes (it does no crypto);
 * mx_keyshare_make() in wire/tls_keyshare.c derives *valid* public values
 * (X25519/X448, NIST curves, ffdhe, ML-KEM and the hybrids) from the same
 * injected random source with libcrypto, so programs that call it link
 * $(OPENSSL_LIBS).  Private keys are never kept: we never finish a
 * handshake with this engine.
 *
 * Extension order (fixed, so golden files stay stable): server_name,
 * ec_point_formats, supported_groups, session_ticket, ALPN,
 * encrypt_then_mac, extended_master_secret, signature_algorithms,
 * status_request, supported_versions, psk_key_exchange_modes, key_share,
 * renegotiation_info, padding (RFC 7685, last).  With no extension at all
 * the extensions block is omitted (SSLv3 / RFC 5246 §7.4.1.2 allows it).
 *
 * Ownership: params and everything they point to are borrowed for the
 * call.  Limits: session id <= 32 bytes (RFC 5246 §7.4.1.2), SNI host
 * 1..255 bytes without NUL (RFC 6066 §3), ALPN names 1..255 bytes (RFC
 * 7301 §3.1), a handshake message < 2^24, records <= 2^14 bytes of
 * fragment (smaller with record_max).
 */
#ifndef MX_WIRE_TLS_HELLO_H
#define MX_WIRE_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Fills out[0..n) with random bytes. */
typedef void (*mx_random_fn)(void *ctx, uint8_t *out, size_t n);

enum mx_hello_ext {
	MX_HELLO_RENEG_INFO = 1u << 0, /* RFC 5746 empty renegotiation_info */
	MX_HELLO_EMS = 1u << 1,	       /* RFC 7627 extended_master_secret */
	MX_HELLO_SESSION_TICKET = 1u << 2, /* RFC 5077, empty */
	MX_HELLO_STATUS_REQUEST = 1u << 3, /* RFC 6066 §8, OCSP, empty lists */
	MX_HELLO_ETM = 1u << 4,		   /* RFC 7366 encrypt_then_mac */
	MX_HELLO_PSK_MODES = 1u << 5,	   /* RFC 8446 §4.2.9 psk_dhe_ke */
	MX_HELLO_RANDOM_SESSION_ID = 1u << 6, /* 32 random bytes as session
					       * id (RFC 8446 §D.4) unless
					       * session_id is given */
};

struct mx_hello_key_share {
	uint16_t group;
	const uint8_t *key; /* public value, borrowed */
	size_t len;
};

struct mx_hello_params {
	uint16_t record_version;  /* 0: 0x0301, or 0x0300 for SSLv3 */
	uint16_t legacy_version;  /* client_version 0x0300..0x0303 */
	size_t record_max;	  /* fragment size; 0: 16384 */
	const uint16_t *versions; /* supported_versions; n = 0: omit */
	size_t nversions;
	const uint16_t *suites; /* must not be empty */
	size_t nsuites;
	const uint8_t *compression; /* NULL: {0} (null) */
	size_t ncompression;
	const uint16_t *groups; /* supported_groups; n = 0: omit */
	size_t ngroups;
	const uint16_t *sigschemes; /* signature_algorithms; 0: omit */
	size_t nsigschemes;
	const uint8_t *point_formats; /* ec_point_formats; 0: omit */
	size_t npoint_formats;
	const struct mx_hello_key_share *key_shares; /* 0: omit key_share */
	size_t nkey_shares;
	const char *sni;	 /* host_name; NULL: no server_name */
	const char *const *alpn; /* protocol names; 0: omit */
	size_t nalpn;
	const uint8_t *session_id; /* NULL: see MX_HELLO_RANDOM_SESSION_ID */
	size_t session_id_len;
	unsigned ext;	     /* enum mx_hello_ext */
	size_t pad_to;	     /* RFC 7685: pad the handshake message
					 * (header included) to at least this
					 * many bytes; 0: no padding */
	mx_random_fn random; /* required */
	void *random_ctx;
};

enum mx_hello_status {
	MX_HELLO_OK = 0,
	MX_HELLO_BAD_PARAMS, /* diag says which */
	MX_HELLO_TOO_BIG,    /* a length does not fit its field, or out's cap */
};

struct mx_hello_diag {
	const char *what; /* static text; NULL on success */
};

enum mx_hello_status mx_hello_build(const struct mx_hello_params *p,
				    struct mx_buf *out,
				    struct mx_hello_diag *diag);
const char *mx_hello_status_name(enum mx_hello_status s);

/* wire/tls_keyshare.c (libcrypto): write a valid client public value for
 * `group` into out (at most max bytes), drawing the private key from
 * random.  Returns the length, or 0 for an unknown group, a too small
 * out, or a libcrypto failure.  Supported: x25519, x448, secp256r1,
 * secp384r1, secp521r1, ffdhe2048..8192 (2^x mod p, x of 256..512 bits),
 * MLKEM512/768/1024 (an encapsulation key whose coefficients are all
 * below q, which is what FIPS 203 §7.2 checks), X25519MLKEM768,
 * SecP256r1MLKEM768, SecP384r1MLKEM1024 and X25519Kyber768Draft00. */
size_t mx_keyshare_make(uint16_t group, mx_random_fn random, void *ctx,
			uint8_t *out, size_t max);

#endif
