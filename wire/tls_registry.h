/*
 * tls_registry.h - TLS registries as data: cipher suites, named groups,
 * signature schemes, protocol versions, alerts, handshake and extension
 * names, and well-known Diffie-Hellman primes.
 *
 * Purpose: the probe records code points; analyzers and renderers turn them
 * into names and properties through these tables.  Everything here is a
 * `static const` table written from the IANA "TLS Parameters" and "TLS
 * ExtensionType Values" registries and the RFCs named next to each table
 * (RFC 5246, 8446, 4492/8422, 7919, 2409, 3526, 5114, 8701, ...).  Suites
 * and primes outside IANA that real servers still send (OpenSSL's
 * EXPORT1024 suites, the pre-RFC ChaCha20 code points, OpenSSL's GOST
 * code points, the compiled-in DH groups of mail software) are marked as
 * such (MX_SUITE_UNOFFICIAL, source text).
 *
 * API:
 *   mx_suite_by_id(id)            -> const struct mx_suite * or NULL
 *   mx_suite_by_name(name)        -> by IANA or OpenSSL name (ASCII case
 *                                    insensitive), or NULL
 *   mx_suite_count()/mx_suite_at(i)  iterate in code point order
 *   mx_group_by_id / mx_group_by_name / mx_group_count / mx_group_at
 *   mx_sigscheme_by_id / mx_sigscheme_name (legacy {hash,sig} pairs of
 *                                    RFC 5246 §7.4.1.4.1 are named too)
 *   mx_tls_version_name(v)        "TLSv1.2", "SSLv3", or NULL
 *   mx_tls_alert_name(d), mx_tls_handshake_name(t), mx_tls_ext_name(t)
 *   mx_tls_grease(v)              nonzero for RFC 8701 GREASE values
 *   mx_dh_prime_by_p(p, len)      -> const struct mx_dh_prime * or NULL;
 *                                    p is big-endian, leading zero bytes
 *                                    ignored
 *   mx_dh_prime_count()/mx_dh_prime_at(i)
 *   mx_dh_prime_bytes(e, out, max) decode an entry's hex to bytes
 *   mx_dh_is_safe_prime(p, len)   in wire/dh_check.c: the only function
 *                                    here that needs libcrypto (link with
 *                                    $(OPENSSL_LIBS))
 *
 * Ownership: every pointer returned points into static tables; never free.
 * Limits: lookups are linear or binary searches over a few hundred rows;
 * mx_dh_is_safe_prime refuses p longer than MX_DH_MAX_BYTES.
 */
#ifndef MX_WIRE_TLS_REGISTRY_H
#define MX_WIRE_TLS_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

/* Protocol versions on the wire (RFC 6101, 2246, 4346, 5246, 8446). */
#define MX_SSL3 0x0300
#define MX_TLS10 0x0301
#define MX_TLS11 0x0302
#define MX_TLS12 0x0303
#define MX_TLS13 0x0304

/* ---- cipher suites ------------------------------------------------------ */

enum mx_kx {
	MX_KX_NULL = 0, /* TLS_NULL_WITH_NULL_NULL, integrity-only */
	MX_KX_RSA,	/* static RSA key transport */
	MX_KX_DH,	/* static DH (certificate holds the DH key) */
	MX_KX_DHE,	/* ephemeral finite-field DH (incl. DH_anon) */
	MX_KX_ECDH,	/* static ECDH */
	MX_KX_ECDHE,	/* ephemeral ECDH (incl. ECDH_anon) */
	MX_KX_PSK,
	MX_KX_RSA_PSK,
	MX_KX_DHE_PSK,
	MX_KX_ECDHE_PSK,
	MX_KX_SRP,
	MX_KX_KRB5,
	MX_KX_GOST,
	MX_KX_ECCPWD,
	MX_KX_ANY, /* TLS 1.3: negotiated apart from the suite */
	MX_KX__N
};

enum mx_auth {
	MX_AUTH_NULL = 0,
	MX_AUTH_ANON, /* DH_anon, ECDH_anon: no server authentication */
	MX_AUTH_RSA,
	MX_AUTH_DSS,
	MX_AUTH_ECDSA,
	MX_AUTH_PSK,
	MX_AUTH_SRP,
	MX_AUTH_KRB5,
	MX_AUTH_GOST,
	MX_AUTH_ECCPWD,
	MX_AUTH_ANY, /* TLS 1.3 */
	MX_AUTH__N
};

enum mx_cipher {
	MX_CIPHER_NULL = 0,
	MX_CIPHER_RC4,
	MX_CIPHER_RC2,
	MX_CIPHER_IDEA,
	MX_CIPHER_DES40,
	MX_CIPHER_DES,
	MX_CIPHER_3DES,
	MX_CIPHER_AES, /* CBC */
	MX_CIPHER_AES_GCM,
	MX_CIPHER_AES_CCM,
	MX_CIPHER_AES_CCM8,
	MX_CIPHER_CAMELLIA, /* CBC */
	MX_CIPHER_CAMELLIA_GCM,
	MX_CIPHER_ARIA, /* CBC */
	MX_CIPHER_ARIA_GCM,
	MX_CIPHER_SEED,
	MX_CIPHER_CHACHA20_POLY1305,
	MX_CIPHER_SM4_GCM,
	MX_CIPHER_SM4_CCM,
	MX_CIPHER_GOST89,     /* GOST 28147-89 CNT */
	MX_CIPHER_KUZNYECHIK, /* CTR + OMAC */
	MX_CIPHER_MAGMA,      /* CTR + OMAC */
	MX_CIPHER_KUZNYECHIK_MGM,
	MX_CIPHER_MAGMA_MGM,
	MX_CIPHER_AEGIS_256,
	MX_CIPHER_AEGIS_128L,
	MX_CIPHER__N
};

enum mx_mac {
	MX_MAC_NULL = 0,
	MX_MAC_MD5,
	MX_MAC_SHA1,
	MX_MAC_SHA256,
	MX_MAC_SHA384,
	MX_MAC_AEAD, /* integrity from the AEAD cipher */
	MX_MAC_GOST, /* IMIT / OMAC / GOST R 34.11 */
	MX_MAC_SM3,
	MX_MAC__N
};

enum mx_suite_flag {
	MX_SUITE_EXPORT = 1u << 0, /* export grade (incl. EXPORT1024) */
	MX_SUITE_NULL = 1u << 1,   /* no encryption */
	MX_SUITE_ANON = 1u << 2,   /* no server authentication */
	MX_SUITE_RC4 = 1u << 3,
	MX_SUITE_DES = 1u << 4, /* single DES, DES40 included */
	MX_SUITE_3DES = 1u << 5,
	MX_SUITE_CBC = 1u << 6, /* block cipher in CBC mode */
	MX_SUITE_AEAD = 1u << 7,
	MX_SUITE_TLS13 = 1u << 8,	/* a TLS 1.3 suite (RFC 8446 §B.4) */
	MX_SUITE_FS = 1u << 9,		/* ephemeral key exchange */
	MX_SUITE_SCSV = 1u << 10,	/* signalling value, not a suite */
	MX_SUITE_UNOFFICIAL = 1u << 11, /* not in the IANA registry */
	MX_SUITE_MD5 = 1u << 12,	/* HMAC-MD5 */
	MX_SUITE_RC2 = 1u << 13,
	MX_SUITE_IDEA = 1u << 14,
	MX_SUITE_PSK = 1u << 15, /* needs a pre-shared key */
	MX_SUITE_SRP = 1u << 16,
	MX_SUITE_KRB5 = 1u << 17,
};

struct mx_suite {
	uint16_t id;
	const char *iana;     /* IANA description, e.g. TLS_RSA_WITH_... */
	const char *openssl;  /* OpenSSL name, or NULL when it has none */
	uint8_t kx;	      /* enum mx_kx */
	uint8_t auth;	      /* enum mx_auth */
	uint8_t cipher;	      /* enum mx_cipher */
	uint8_t mac;	      /* enum mx_mac */
	uint16_t bits;	      /* effective key bits: 40, 56, 112, 128, 256 */
	uint16_t min_version; /* lowest version that defines it */
	uint32_t flags;	      /* enum mx_suite_flag */
};

const struct mx_suite *mx_suite_by_id(uint16_t id);
const struct mx_suite *mx_suite_by_name(const char *name);
size_t mx_suite_count(void);
const struct mx_suite *mx_suite_at(size_t i);
const char *mx_kx_name(unsigned kx);	     /* "ECDHE" */
const char *mx_auth_name(unsigned auth);     /* "RSA" */
const char *mx_cipher_name(unsigned cipher); /* "AES-GCM" */
const char *mx_mac_name(unsigned mac);	     /* "SHA256" */

/* RFC 5746 §3.3 and RFC 7507 §6 signalling values. */
#define MX_SUITE_EMPTY_RENEGOTIATION_INFO_SCSV 0x00ff
#define MX_SUITE_FALLBACK_SCSV 0x5600

/* ---- named groups (RFC 8446 §4.2.7, RFC 8422 §5.1.1, RFC 7919) ------ */

enum mx_group_kind {
	MX_GROUP_EC = 1, /* elliptic curve, incl. x25519/x448 */
	MX_GROUP_FFDHE,	 /* finite field, RFC 7919 */
	MX_GROUP_KEM,	 /* pure ML-KEM */
	MX_GROUP_HYBRID, /* classical + ML-KEM (or draft Kyber) */
	MX_GROUP_OTHER,	 /* arbitrary_explicit_* */
};

struct mx_group {
	uint16_t id;
	const char *iana;    /* "secp256r1", "x25519", "X25519MLKEM768" */
	const char *openssl; /* OpenSSL's short name ("P-256"), or NULL */
	uint8_t kind;	     /* enum mx_group_kind */
	uint16_t bits;	     /* key size as OpenSSL reports it; for KEMs
				 * the ML-KEM parameter set (512/768/1024) */
	uint16_t share_len;  /* client key_share length, 0: unknown */
	uint8_t tls13;	     /* usable in TLS 1.3 (RFC 8446 §4.2.7) */
	uint8_t unofficial;  /* draft code point, not (or no longer) IANA */
};

const struct mx_group *mx_group_by_id(uint16_t id);
const struct mx_group *mx_group_by_name(const char *name);
size_t mx_group_count(void);
const struct mx_group *mx_group_at(size_t i);

/* ---- signature schemes (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1) ------- */

struct mx_sigscheme {
	uint16_t id;
	const char *name; /* "rsa_pss_rsae_sha256", "ecdsa_sha1" */
	uint8_t legacy;	  /* a TLS 1.2 {hash, signature} pair only */
};

const struct mx_sigscheme *mx_sigscheme_by_id(uint16_t id);
size_t mx_sigscheme_count(void);
const struct mx_sigscheme *mx_sigscheme_at(size_t i);

/* ---- versions, alerts, handshake types, extensions ------------------- */

const char *mx_tls_version_name(uint16_t v);
/* For showing a code point whatever it is: the version's name, else
 * "0x0305" in buf; the suite's OpenSSL (else IANA) name, else "0x00FF". */
const char *mx_tls_version_label(uint16_t v, char *buf, size_t len);
const char *mx_suite_label(uint16_t id, char *buf, size_t len);
const char *mx_tls_alert_name(uint8_t desc); /* RFC 8446 §6 + older */
const char *mx_tls_handshake_name(uint8_t type);
const char *mx_tls_ext_name(uint16_t type);
int mx_tls_grease(uint16_t v); /* RFC 8701 §2 */

/* ---- well-known Diffie-Hellman primes --------------------------------- */

#define MX_DH_MAX_BYTES 1024 /* 8192-bit p */

struct mx_dh_prime {
	const char *name;   /* "RFC 2409 group 2" */
	const char *source; /* where it ships: "RFC 2409 §6.2; OpenSSL
				 * get_rfc2409_prime_1024" */
	uint16_t bits;
	const char *g_hex; /* generator, big-endian hex */
	const char *p_hex; /* prime, big-endian hex, no leading zeros */
};

const struct mx_dh_prime *mx_dh_prime_by_p(const uint8_t *p, size_t len);
size_t mx_dh_prime_count(void);
const struct mx_dh_prime *mx_dh_prime_at(size_t i);
/* Whether a published prime of the table is a safe prime, without the
 * check's cost: 1 safe, 0 not (RFC 5114), -1 above 2048 bits (not
 * claimed; the table is verified up to 2048 bits by test_tls_registry). */
int mx_dh_prime_known_safe(const struct mx_dh_prime *e);
/* Decode e->p_hex into out; returns the byte count, 0 if it does not fit. */
size_t mx_dh_prime_bytes(const struct mx_dh_prime *e, uint8_t *out, size_t max);

enum mx_dh_check {
	MX_DH_SAFE_PRIME = 0, /* p and (p-1)/2 both prime */
	MX_DH_PRIME_NOT_SAFE, /* p prime, (p-1)/2 composite */
	MX_DH_NOT_PRIME,      /* p composite */
	MX_DH_CHECK_ERROR,    /* too long, empty, even, or libcrypto error */
};
/* wire/dh_check.c (libcrypto BN_check_prime); slow for big p: 8192-bit
 * takes seconds. */
enum mx_dh_check mx_dh_is_safe_prime(const uint8_t *p, size_t len);
const char *mx_dh_check_name(enum mx_dh_check c);

/* TLS extension code points (IANA TLS ExtensionType Values), shared by
 * the ClientHello builder and parser. */
enum {
	MX_EXT_SERVER_NAME = 0,
	MX_EXT_STATUS_REQUEST = 5,
	MX_EXT_SUPPORTED_GROUPS = 10,
	MX_EXT_EC_POINT_FORMATS = 11,
	MX_EXT_SIGNATURE_ALGORITHMS = 13,
	MX_EXT_ALPN = 16,
	MX_EXT_PADDING = 21,
	MX_EXT_ETM = 22,
	MX_EXT_EMS = 23,
	MX_EXT_SESSION_TICKET = 35,
	MX_EXT_PRE_SHARED_KEY = 41,
	MX_EXT_EARLY_DATA = 42,
	MX_EXT_SUPPORTED_VERSIONS = 43,
	MX_EXT_PSK_MODES = 45,
	MX_EXT_KEY_SHARE = 51,
	MX_EXT_RENEGOTIATION_INFO = 0xff01,
};

#endif
