/*
 * client_profiles.c - the client profile table; see client_profiles.h
 * for the contract.
 *
 * Sources of the profile facts (the `basis` of each row):
 *  - OpenSSL 3: Debian 12 builds OpenSSL 3.0 with
 *    -DOPENSSL_TLS_SECURITY_LEVEL=2 (`openssl version -a`); level 1 asks
 *    for 80-bit security (DH >= 1024, EC >= 160), level 2 for 112 bits
 *    (DH >= 2048, EC >= 224); both disable TLS 1.0/1.1 (SSL_CTX_set_
 *    security_level(3)).  Refusal text: "dh key too small".
 *  - GnuTLS 3.7 NORMAL: suites and groups as `gnutls-cli -l --priority
 *    NORMAL` lists them; NORMAL's security parameter "weak" puts the DH
 *    floor at 1008 bits (a 1024-bit group passes, 768 does not - both
 *    checked by tests/unit/test_tls_gnutls.c).
 *  - Exim with GnuTLS: the smtp transport's tls_dh_min_bits defaults to
 *    1024 (Exim specification, smtp transport options), priority NORMAL.
 *  - Postfix 3.7 smtp(8): smtp_tls_ciphers = medium, tls_medium_cipherlist
 *    = aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH (`postconf -d`), with the
 *    system OpenSSL's security level (2 on Debian).
 *  - Cisco AsyncOS: sslconfig's default outbound "MEDIUM:HIGH:-SSLv2:
 *    -aNULL:!RC4:@STRENGTH:-EXPORT", methods TLS 1.0-1.2 (Cisco TAC
 *    document 117855); an OpenSSL 1.0.2-era client refuses DH < 768.
 *  - Java 8u2xx (SunJSSE): TLS 1.2 client by default; suite order of the
 *    8u261+ JSSE; jdk.tls.disabledAlgorithms "DH keySize < 1024, EC
 *    keySize < 224, 3DES_EDE_CBC, anon, NULL"; DHE groups up to 8192 bits
 *    since 8u171 (JDK-8072452; 2048 before).
 *  - Java 17 (SunJSSE): protocols, suites in order and disabledAlgorithms
 *    read from OpenJDK 17.0.15 (SSLContext.getDefault()); default named
 *    groups x25519, secp256r1, secp384r1, secp521r1, x448, ffdhe2048..8192.
 *  - Exchange 2016/2019 on Windows Server 2016/2019 (Schannel): "TLS
 *    Cipher Suites in Windows 10 v1607" order, curves curve25519, NistP256,
 *    NistP384 ("TLS Elliptic Curves in Windows 10 1607 and later"), DH
 *    client minimum 1024 bits ("TLS registry settings",
 *    ClientMinKeyBitLength), no TLS 1.3.
 */
#include "model/client_profiles.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Protocol versions as wire codes (RFC 8446 §4.2.1, RFC 5246 appendix
 * E); the model does not include wire/tls_registry.h. */
enum { V_TLS10 = 0x0301, V_TLS12 = 0x0303, V_TLS13 = 0x0304 };

/* ---- suite lists (IANA code points, client order) ----------------------- */

/* OpenSSL 3.0's default TLS 1.3 suites, in its order. */
#define OSSL3_TLS13                                                            \
	0x1302,		/* TLS_AES_256_GCM_SHA384 */                           \
		0x1303, /* TLS_CHACHA20_POLY1305_SHA256 */                     \
		0x1301, /* TLS_AES_128_GCM_SHA256 */

/* `openssl ciphers -s -tls1_2 -stdname DEFAULT` (OpenSSL 3.0, levels 1
 * and 2 give the same list). */
static const uint16_t ossl3_default[] = {
	OSSL3_TLS13 0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	0xc030,		    /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	0x009f,		    /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xcca9,		    /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xcca8,		    /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xccaa,		    /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc02b,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	0xc02f,		    /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x009e,		    /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0xc024,		    /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
	0xc028,		    /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
	0x006b,		    /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
	0xc023,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	0xc027,		    /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0067,		    /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
	0xc00a,		    /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
	0xc014,		    /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
	0x0039,		    /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0xc009,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0xc013,		    /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
	0x0033,		    /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
	0x009d,		    /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	0x009c,		    /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	0x003d,		    /* TLS_RSA_WITH_AES_256_CBC_SHA256 */
	0x003c,		    /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
	0x0035,		    /* TLS_RSA_WITH_AES_256_CBC_SHA */
	0x002f,		    /* TLS_RSA_WITH_AES_128_CBC_SHA */
};

/* Postfix "medium" through OpenSSL 3.0 at level 2. */
static const uint16_t postfix_medium[] = {
	OSSL3_TLS13 0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	0xc030,		    /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	0x00a3,		    /* TLS_DHE_DSS_WITH_AES_256_GCM_SHA384 */
	0x009f,		    /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xcca9,		    /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xcca8,		    /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xccaa,		    /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc0af,		    /* TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 */
	0xc0ad,		    /* TLS_ECDHE_ECDSA_WITH_AES_256_CCM */
	0xc0a3,		    /* TLS_DHE_RSA_WITH_AES_256_CCM_8 */
	0xc09f,		    /* TLS_DHE_RSA_WITH_AES_256_CCM */
	0xc05d,		    /* TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384 */
	0xc061,		    /* TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384 */
	0xc057,		    /* TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384 */
	0xc053,		    /* TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384 */
	0xc024,		    /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
	0xc028,		    /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
	0x006b,		    /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
	0x006a,		    /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 */
	0xc073,		    /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384 */
	0xc077,		    /* TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384 */
	0x00c4,		    /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256 */
	0x00c3,		    /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256 */
	0xc00a,		    /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
	0xc014,		    /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
	0x0039,		    /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0x0038,		    /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA */
	0x0088,		    /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA */
	0x0087,		    /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA */
	0x009d,		    /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	0xc0a1,		    /* TLS_RSA_WITH_AES_256_CCM_8 */
	0xc09d,		    /* TLS_RSA_WITH_AES_256_CCM */
	0xc051,		    /* TLS_RSA_WITH_ARIA_256_GCM_SHA384 */
	0x003d,		    /* TLS_RSA_WITH_AES_256_CBC_SHA256 */
	0x00c0,		    /* TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256 */
	0x0035,		    /* TLS_RSA_WITH_AES_256_CBC_SHA */
	0x0084,		    /* TLS_RSA_WITH_CAMELLIA_256_CBC_SHA */
	0xc02b,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	0xc02f,		    /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x00a2,		    /* TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 */
	0x009e,		    /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0xc0ae,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 */
	0xc0ac,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM */
	0xc0a2,		    /* TLS_DHE_RSA_WITH_AES_128_CCM_8 */
	0xc09e,		    /* TLS_DHE_RSA_WITH_AES_128_CCM */
	0xc05c,		    /* TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256 */
	0xc060,		    /* TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256 */
	0xc056,		    /* TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256 */
	0xc052,		    /* TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256 */
	0xc023,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	0xc027,		    /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0067,		    /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0040,		    /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 */
	0xc072,		    /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0xc076,		    /* TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0x00be,		    /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0x00bd,		    /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256 */
	0xc009,		    /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0xc013,		    /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
	0x0033,		    /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
	0x0032,		    /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
	0x0045,		    /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA */
	0x0044,		    /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA */
	0x009c,		    /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	0xc0a0,		    /* TLS_RSA_WITH_AES_128_CCM_8 */
	0xc09c,		    /* TLS_RSA_WITH_AES_128_CCM */
	0xc050,		    /* TLS_RSA_WITH_ARIA_128_GCM_SHA256 */
	0x003c,		    /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
	0x00ba,		    /* TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0x002f,		    /* TLS_RSA_WITH_AES_128_CBC_SHA */
	0x0041,		    /* TLS_RSA_WITH_CAMELLIA_128_CBC_SHA */
};

/* `openssl ciphers -s -tls1_2 -stdname DHE` (OpenSSL 3.0, level 2): what
 * `openssl s_client -cipher DHE` and appliances with a DHE-only list
 * offer. */
static const uint16_t ossl3_dhe[] = {
	0x00a3, /* TLS_DHE_DSS_WITH_AES_256_GCM_SHA384 */
	0x009f, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xccaa, /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc0a3, /* TLS_DHE_RSA_WITH_AES_256_CCM_8 */
	0xc09f, /* TLS_DHE_RSA_WITH_AES_256_CCM */
	0xc057, /* TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384 */
	0xc053, /* TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384 */
	0x00a2, /* TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 */
	0x009e, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0xc0a2, /* TLS_DHE_RSA_WITH_AES_128_CCM_8 */
	0xc09e, /* TLS_DHE_RSA_WITH_AES_128_CCM */
	0xc056, /* TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256 */
	0xc052, /* TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256 */
	0x006b, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
	0x006a, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 */
	0x00c4, /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256 */
	0x00c3, /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256 */
	0x0067, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0040, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 */
	0x00be, /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0x00bd, /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256 */
	0x0039, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0x0038, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA */
	0x0088, /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA */
	0x0087, /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA */
	0x0033, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
	0x0032, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
	0x0045, /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA */
	0x0044, /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA */
};

/* `gnutls-cli -l --priority NORMAL` (GnuTLS 3.7.9). */
static const uint16_t gnutls_normal[] = {
	0x1302, /* TLS_AES_256_GCM_SHA384 */
	0x1303, /* TLS_CHACHA20_POLY1305_SHA256 */
	0x1301, /* TLS_AES_128_GCM_SHA256 */
	0x1304, /* TLS_AES_128_CCM_SHA256 */
	0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	0xcca9, /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc0ad, /* TLS_ECDHE_ECDSA_WITH_AES_256_CCM */
	0xc00a, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
	0xc02b, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	0xc0ac, /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM */
	0xc009, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0xc030, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xcca8, /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc014, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
	0xc02f, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0xc013, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
	0x009d, /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	0xc09d, /* TLS_RSA_WITH_AES_256_CCM */
	0x0035, /* TLS_RSA_WITH_AES_256_CBC_SHA */
	0x009c, /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	0xc09c, /* TLS_RSA_WITH_AES_128_CCM */
	0x002f, /* TLS_RSA_WITH_AES_128_CBC_SHA */
	0x009f, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xccaa, /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc09f, /* TLS_DHE_RSA_WITH_AES_256_CCM */
	0x0039, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0x009e, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0xc09e, /* TLS_DHE_RSA_WITH_AES_128_CCM */
	0x0033, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
};

/* OpenSSL 3.0 "MEDIUM:HIGH:-SSLv2:-aNULL:!RC4:@STRENGTH:-EXPORT" at level
 * 0 (what the AsyncOS default string selects from OpenSSL 3's suites). */
static const uint16_t asyncos_default[] = {
	0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	0xc030, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	0x00a3, /* TLS_DHE_DSS_WITH_AES_256_GCM_SHA384 */
	0x009f, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xcca9, /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xcca8, /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xccaa, /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc0af, /* TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 */
	0xc0ad, /* TLS_ECDHE_ECDSA_WITH_AES_256_CCM */
	0xc0a3, /* TLS_DHE_RSA_WITH_AES_256_CCM_8 */
	0xc09f, /* TLS_DHE_RSA_WITH_AES_256_CCM */
	0xc05d, /* TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384 */
	0xc061, /* TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384 */
	0xc057, /* TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384 */
	0xc053, /* TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384 */
	0xc024, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
	0xc028, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
	0x006b, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
	0x006a, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 */
	0xc073, /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384 */
	0xc077, /* TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384 */
	0x00c4, /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256 */
	0x00c3, /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256 */
	0xc00a, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
	0xc014, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
	0x0039, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0x0038, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA */
	0x0088, /* TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA */
	0x0087, /* TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA */
	0x009d, /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	0xc0a1, /* TLS_RSA_WITH_AES_256_CCM_8 */
	0xc09d, /* TLS_RSA_WITH_AES_256_CCM */
	0xc051, /* TLS_RSA_WITH_ARIA_256_GCM_SHA384 */
	0x003d, /* TLS_RSA_WITH_AES_256_CBC_SHA256 */
	0x00c0, /* TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256 */
	0x0035, /* TLS_RSA_WITH_AES_256_CBC_SHA */
	0x0084, /* TLS_RSA_WITH_CAMELLIA_256_CBC_SHA */
	0xc02b, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	0xc02f, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x00a2, /* TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 */
	0x009e, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0xc0ae, /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 */
	0xc0ac, /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM */
	0xc0a2, /* TLS_DHE_RSA_WITH_AES_128_CCM_8 */
	0xc09e, /* TLS_DHE_RSA_WITH_AES_128_CCM */
	0xc05c, /* TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256 */
	0xc060, /* TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256 */
	0xc056, /* TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256 */
	0xc052, /* TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256 */
	0xc023, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	0xc027, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0067, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0040, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 */
	0xc072, /* TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0xc076, /* TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0x00be, /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0x00bd, /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256 */
	0xc009, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0xc013, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
	0x0033, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
	0x0032, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
	0x0045, /* TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA */
	0x0044, /* TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA */
	0x009c, /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	0xc0a0, /* TLS_RSA_WITH_AES_128_CCM_8 */
	0xc09c, /* TLS_RSA_WITH_AES_128_CCM */
	0xc050, /* TLS_RSA_WITH_ARIA_128_GCM_SHA256 */
	0x003c, /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
	0x00ba, /* TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256 */
	0x002f, /* TLS_RSA_WITH_AES_128_CBC_SHA */
	0x0041, /* TLS_RSA_WITH_CAMELLIA_128_CBC_SHA */
};

/* SunJSSE 8u261+ TLS 1.2 order (no TLS 1.3 on the client by default). */
static const uint16_t java8[] = {
	0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	0xc02b, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	0xc030, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xc02f, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x009f, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0x00a3, /* TLS_DHE_DSS_WITH_AES_256_GCM_SHA384 */
	0x009e, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x00a2, /* TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 */
	0xc024, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
	0xc028, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
	0xc023, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	0xc027, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x006b, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
	0x006a, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 */
	0x0067, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0040, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 */
	0xc00a, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
	0xc014, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
	0x0039, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0x0038, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA */
	0xc009, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0xc013, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
	0x0033, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
	0x0032, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
	0x009d, /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	0x009c, /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	0x003d, /* TLS_RSA_WITH_AES_256_CBC_SHA256 */
	0x003c, /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
	0x0035, /* TLS_RSA_WITH_AES_256_CBC_SHA */
	0x002f, /* TLS_RSA_WITH_AES_128_CBC_SHA */
};

/* OpenJDK 17.0.15 SSLContext.getDefault() (SCSV left out). */
static const uint16_t java17[] = {
	0x1302, /* TLS_AES_256_GCM_SHA384 */
	0x1301, /* TLS_AES_128_GCM_SHA256 */
	0x1303, /* TLS_CHACHA20_POLY1305_SHA256 */
	0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	0xc02b, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	0xcca9, /* TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc030, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xcca8, /* TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0xc02f, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x009f, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xccaa, /* TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 */
	0x00a3, /* TLS_DHE_DSS_WITH_AES_256_GCM_SHA384 */
	0x009e, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x00a2, /* TLS_DHE_DSS_WITH_AES_128_GCM_SHA256 */
	0xc024, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
	0xc028, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
	0xc023, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	0xc027, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x006b, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 */
	0x006a, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA256 */
	0x0067, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 */
	0x0040, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA256 */
	0xc00a, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
	0xc014, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
	0xc009, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0xc013, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
	0x0039, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0x0038, /* TLS_DHE_DSS_WITH_AES_256_CBC_SHA */
	0x0033, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
	0x0032, /* TLS_DHE_DSS_WITH_AES_128_CBC_SHA */
	0x009d, /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	0x009c, /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	0x003d, /* TLS_RSA_WITH_AES_256_CBC_SHA256 */
	0x003c, /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
	0x0035, /* TLS_RSA_WITH_AES_256_CBC_SHA */
	0x002f, /* TLS_RSA_WITH_AES_128_CBC_SHA */
};

/* Windows Server 2016/2019 (Windows 10 v1607 list), enabled by default. */
static const uint16_t schannel2016[] = {
	0xc02c, /* TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 */
	0xc02b, /* TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 */
	0xc030, /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 */
	0xc02f, /* TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
	0x009f, /* TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 */
	0x009e, /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
	0xc024, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 */
	0xc023, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */
	0xc028, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 */
	0xc027, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
	0xc00a, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
	0xc009, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
	0xc014, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
	0xc013, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
	0x0039, /* TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
	0x0033, /* TLS_DHE_RSA_WITH_AES_128_CBC_SHA */
	0x009d, /* TLS_RSA_WITH_AES_256_GCM_SHA384 */
	0x009c, /* TLS_RSA_WITH_AES_128_GCM_SHA256 */
	0x003d, /* TLS_RSA_WITH_AES_256_CBC_SHA256 */
	0x003c, /* TLS_RSA_WITH_AES_128_CBC_SHA256 */
	0x0035, /* TLS_RSA_WITH_AES_256_CBC_SHA */
	0x002f, /* TLS_RSA_WITH_AES_128_CBC_SHA */
	0x000a, /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
};

/* ---- groups (IANA names, client order) ---------------------------------- */

static const char *const ossl3_groups[] = {
	"x25519",    "secp256r1", "x448",      "secp521r1", "secp384r1",
	"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
};
static const char *const gnutls_groups[] = {
	"secp256r1", "secp384r1", "secp521r1", "x25519",    "x448",
	"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
};
static const char *const ossl_legacy_groups[] = {"x25519", "secp256r1",
						 "secp521r1", "secp384r1"};
static const char *const java8_groups[] = {
	"secp256r1", "secp384r1", "secp521r1", "ffdhe2048",
	"ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
};
static const char *const java17_groups[] = {
	"x25519",    "secp256r1", "secp384r1", "secp521r1", "x448",
	"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192",
};
static const char *const schannel_groups[] = {"x25519", "secp256r1",
					      "secp384r1"};

/* ---- the profiles ------------------------------------------------------- */

#define LIST(a) a, N(a)

static const struct mx_client_profile profiles[] = {
	{
		.id = "openssl3-sl2",
		.name = "OpenSSL 3 default (security level 2)",
		.basis = "Debian 12 OpenSSL 3.0 (OPENSSL_TLS_SECURITY_LEVEL=2)",
		.common = 1,
		.min_version = V_TLS12,
		.max_version = V_TLS13,
		.suites = LIST(ossl3_default),
		.groups = LIST(ossl3_groups),
		.nkey_shares = 1,
		.dh_min_bits = 2048,
		.ec_min_bits = 224,
		.dh_error = "dh key too small",
		.stack = MX_STACK_OPENSSL,
		.ossl_ciphers = "DEFAULT",
		.ossl_seclevel = 2,
	},
	{
		.id = "openssl3-sl1",
		.name = "OpenSSL 3 default (security level 1)",
		.basis = "upstream OpenSSL 3.0 default level 1",
		.common = 1,
		.min_version = V_TLS12,
		.max_version = V_TLS13,
		.suites = LIST(ossl3_default),
		.groups = LIST(ossl3_groups),
		.nkey_shares = 1,
		.dh_min_bits = 1024,
		.ec_min_bits = 160,
		.dh_error = "dh key too small",
		.stack = MX_STACK_OPENSSL,
		.ossl_ciphers = "DEFAULT",
		.ossl_seclevel = 1,
	},
	{
		/* DESIGN.md's seed problem: the appliance whose list makes
		 * the smarthost pick DHE, and OpenSSL refuse its group. */
		.id = "openssl3-sl2-dhe",
		.name = "OpenSSL 3, DHE-only cipher list (level 2)",
		.basis = "openssl s_client -tls1_2 -cipher DHE on Debian 12 "
			 "(level 2); appliances with DHE-only lists",
		.common = 1,
		.min_version = V_TLS12,
		.max_version = V_TLS12,
		.suites = LIST(ossl3_dhe),
		.groups = LIST(ossl3_groups),
		.dh_min_bits = 2048,
		.ec_min_bits = 224,
		.dh_error = "dh key too small",
		.stack = MX_STACK_OPENSSL,
		.ossl_ciphers = "DHE",
		.ossl_seclevel = 2,
		.advice_from = "openssl3-sl2",
	},
	{
		.id = "gnutls-normal",
		.name = "GnuTLS 3.7 NORMAL",
		.basis = "gnutls-cli -l --priority NORMAL (3.7.9); DH floor "
			 "1008 bits (security parameter 'weak')",
		.common = 1,
		.min_version = V_TLS10,
		.max_version = V_TLS13,
		.suites = LIST(gnutls_normal),
		.groups = LIST(gnutls_groups),
		.nkey_shares = 2,
		.dh_min_bits = 1008,
		.ec_min_bits = 224,
		.dh_error =
			"The Diffie-Hellman prime sent by the server is not "
			"acceptable (not long enough)",
		.stack = MX_STACK_GNUTLS,
		.gnutls_priority = "NORMAL",
		.ossl_seclevel = -1,
	},
	{
		.id = "exim-gnutls",
		.name = "Exim 4 smtp transport with GnuTLS",
		.basis = "Exim smtp transport: tls_require_ciphers unset "
			 "(NORMAL), tls_dh_min_bits = 1024",
		.common = 1,
		.min_version = V_TLS10,
		.max_version = V_TLS13,
		.suites = LIST(gnutls_normal),
		.groups = LIST(gnutls_groups),
		.nkey_shares = 2,
		.dh_min_bits = 1024,
		.ec_min_bits = 224,
		.dh_error =
			"The Diffie-Hellman prime sent by the server is not "
			"acceptable (not long enough)",
		.stack = MX_STACK_GNUTLS,
		/* %PROFILE_LOW: security parameter "low", DH >= 1024. */
		.gnutls_priority = "NORMAL:%PROFILE_LOW",
		.ossl_seclevel = -1,
	},
	{
		.id = "postfix",
		.name = "Postfix smtp client (medium, OpenSSL 3)",
		.basis = "postconf -d: smtp_tls_ciphers = medium, "
			 "tls_medium_cipherlist; Debian OpenSSL 3 level 2",
		.common = 1,
		.min_version = V_TLS12, /* >=TLSv1, but level 2 */
		.max_version = V_TLS13,
		.suites = LIST(postfix_medium),
		.groups = LIST(ossl3_groups),
		.nkey_shares = 1,
		.dh_min_bits = 2048,
		.ec_min_bits = 224,
		.dh_error = "dh key too small",
		.stack = MX_STACK_OPENSSL,
		.ossl_ciphers = "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
		.ossl_seclevel = 2,
	},
	{
		.id = "asyncos",
		.name = "Cisco AsyncOS-like default (outbound)",
		.basis = "sslconfig outbound default MEDIUM:HIGH:-SSLv2:-aNULL:"
			 "!RC4:@STRENGTH:-EXPORT, TLS 1.0-1.2 (Cisco TAC "
			 "117855); OpenSSL 1.0.2-era DH floor 768",
		.common = 0,
		.min_version = V_TLS10,
		.max_version = V_TLS12,
		.suites = LIST(asyncos_default),
		.groups = LIST(ossl_legacy_groups),
		.dh_min_bits = 768,
		.ec_min_bits = 160,
		.dh_error = "dh key too small",
		.stack = MX_STACK_OPENSSL,
		.ossl_ciphers = "MEDIUM:HIGH:-SSLv2:-aNULL:!RC4:@STRENGTH:"
				"-EXPORT",
		.ossl_groups = "X25519:P-256:P-521:P-384",
		.ossl_seclevel = 0,
	},
	{
		.id = "java8",
		.name = "Java 8u2xx (SunJSSE defaults)",
		.basis =
			"JSSE 8u261+: TLS 1.2 client, jdk.tls.disabledAlgorithms"
			" DH keySize < 1024, EC keySize < 224; DHE up to 8192 "
			"bits since 8u171 (JDK-8072452)",
		.common = 1,
		.min_version = V_TLS12,
		.max_version = V_TLS12,
		.suites = LIST(java8),
		.groups = LIST(java8_groups),
		.dh_min_bits = 1024,
		.dh_max_bits = 8192,
		.ec_min_bits = 224,
		.dh_error = "DH ServerKeyExchange does not comply to algorithm "
			    "constraints",
		.ossl_seclevel = -1,
	},
	{
		.id = "java17",
		.name = "Java 17 (SunJSSE defaults)",
		.basis =
			"OpenJDK 17.0.15 SSLContext.getDefault(); "
			"disabledAlgorithms DH keySize < 1024, EC keySize < 224",
		.common = 1,
		.min_version = V_TLS12,
		.max_version = V_TLS13,
		.suites = LIST(java17),
		.groups = LIST(java17_groups),
		.nkey_shares = 2,
		.dh_min_bits = 1024,
		.dh_max_bits = 8192,
		.ec_min_bits = 224,
		.dh_error = "DH ServerKeyExchange does not comply to algorithm "
			    "constraints",
		.ossl_seclevel = -1,
	},
	{
		.id = "exchange-schannel",
		.name = "Exchange 2016/2019 (Schannel, WS 2016/2019)",
		.basis = "Windows 10 v1607 / Server 2016 Schannel defaults: "
			 "suite and curve order, ClientMinKeyBitLength 1024",
		.common = 1,
		.min_version = V_TLS10,
		.max_version = V_TLS12,
		.suites = LIST(schannel2016),
		.groups = LIST(schannel_groups),
		.dh_min_bits = 1024,
		.ec_min_bits = 224, /* P-224 and below are off by default */
		.dh_error = "SEC_E_ALGORITHM_MISMATCH / Schannel event 36874",
		.ossl_seclevel = -1,
	},
};

size_t mx_client_profile_count(void)
{
	return N(profiles);
}

const struct mx_client_profile *mx_client_profile_at(size_t i)
{
	return i < N(profiles) ? &profiles[i] : NULL;
}

const struct mx_client_profile *mx_client_profile_by_id(const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < N(profiles); i++)
		if (strcmp(profiles[i].id, id) == 0)
			return &profiles[i];
	return NULL;
}
