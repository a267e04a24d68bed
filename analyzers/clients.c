/*
 * clients.c - client simulation, cipher-string advice and the client
 * findings; see clients.h for the contract.
 *
 * The profile table below is the data; the functions after it are the
 * few rules a TLS server applies when it picks (RFC 8446 §4.1.1, RFC 5246
 * §7.4.1.3): the highest common version; with server preference the
 * first of its suites the client offers, else the client's first the
 * server accepts; an ECDHE suite only with a common curve (RFC 8422
 * §5.1); a TLS 1.3 group from the client's key shares, else any common
 * group through a HelloRetryRequest (RFC 8446 §4.1.4).  Then the client's
 * own checks of what it got: DH group size floors and ceilings, EC size.
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
 *
 * Limits: predictions cover the handshake only; a verifying client's
 * certificate checks are the chain and name findings' business.
 */
#include "analyzers/clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "analyzers/confirm_judge.h"
#include "common/xalloc.h"
#include "model/finding.h"
#include "wire/tls_registry.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

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
		.min_version = MX_TLS12,
		.max_version = MX_TLS13,
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
		.min_version = MX_TLS12,
		.max_version = MX_TLS13,
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
		.min_version = MX_TLS12,
		.max_version = MX_TLS12,
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
		.min_version = MX_TLS10,
		.max_version = MX_TLS13,
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
		.min_version = MX_TLS10,
		.max_version = MX_TLS13,
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
		.min_version = MX_TLS12, /* >=TLSv1, but level 2 */
		.max_version = MX_TLS13,
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
		.min_version = MX_TLS10,
		.max_version = MX_TLS12,
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
		.min_version = MX_TLS12,
		.max_version = MX_TLS12,
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
		.min_version = MX_TLS12,
		.max_version = MX_TLS13,
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
		.min_version = MX_TLS10,
		.max_version = MX_TLS12,
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

const char *mx_client_fail_name(enum mx_client_fail f)
{
	static const char *const n[] = {
		[MX_CF_NONE] = "none",
		[MX_CF_UNKNOWN] = "unknown",
		[MX_CF_VERSION] = "version",
		[MX_CF_NO_SUITE] = "no_suite",
		[MX_CF_NO_GROUP] = "no_group",
		[MX_CF_DH_SMALL] = "dh_small",
		[MX_CF_DH_LARGE] = "dh_large",
		[MX_CF_EC_SMALL] = "ec_small",
		[MX_CF_INTOLERANCE] = "intolerance",
	};
	return (unsigned)f < N(n) ? n[f] : "unknown";
}

/* ---- prediction --------------------------------------------------------- */

/* A profile as a working set: resolved suite ids (possibly filtered, for
 * advice), groups. */
struct work {
	const struct mx_client_profile *p;
	uint16_t suites[128];
	size_t nsuites;
};

static void work_init(struct work *w, const struct mx_client_profile *p)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->p = p;
	for (i = 0; i < p->nsuites && w->nsuites < N(w->suites); i++)
		w->suites[w->nsuites++] = p->suites[i];
}

static int offers_suite(const struct work *w, uint16_t id)
{
	size_t i;

	for (i = 0; i < w->nsuites; i++)
		if (w->suites[i] == id)
			return 1;
	return 0;
}

static int version_index(uint16_t v)
{
	return v >= MX_SSL3 && v <= MX_TLS13 ? (int)(v - MX_SSL3) : -1;
}

static int server_has_group(const struct mx_enum *e, uint16_t id)
{
	size_t i;

	for (i = 0; i < e->ngroups; i++)
		if (e->groups[i].id == id)
			return 1;
	return 0;
}

static uint16_t group_id(const char *name)
{
	const struct mx_group *g = mx_group_by_name(name);

	return g != NULL ? g->id : 0;
}

static int client_has_group(const struct mx_client_profile *p, uint16_t id)
{
	size_t i;

	for (i = 0; i < p->ngroups; i++)
		if (group_id(p->groups[i]) == id)
			return 1;
	return 0;
}

/* The group of an (EC)DHE exchange with named groups.  TLS 1.3: a key
 * share the server accepts, else any common group (HelloRetryRequest).
 * TLS 1.2 ECDHE: the curve the server took for the enumeration's offer if
 * this client offers it too, else the client's first common one.  0 when
 * there is no common group; `kind` restricts to EC or FFDHE (0: any). */
static uint16_t pick_group(const struct mx_client_profile *p,
			   const struct mx_enum *e,
			   const struct mx_enum_suite *seen, int tls13)
{
	size_t i;

	if (e->ngroups == 0) {
		/* Groups not enumerated: trust what the suite showed. */
		uint16_t g = seen && seen->group ? group_id(seen->group) : 0;

		return g != 0 && client_has_group(p, g) ? g : 0;
	}
	if (tls13) {
		for (i = 0; i < p->nkey_shares && i < p->ngroups; i++)
			if (server_has_group(e, group_id(p->groups[i])))
				return group_id(p->groups[i]);
	} else if (seen != NULL && seen->group != NULL) {
		uint16_t g = group_id(seen->group);

		if (g != 0 && client_has_group(p, g) && server_has_group(e, g))
			return g;
	}
	for (i = 0; i < p->ngroups; i++) {
		const struct mx_group *g = mx_group_by_name(p->groups[i]);

		if (g == NULL || !server_has_group(e, g->id))
			continue;
		if (!tls13 && g->kind != MX_GROUP_EC)
			continue; /* TLS 1.2 ECDHE takes curves only */
		return g->id;
	}
	return 0;
}

/* The enumeration's record of a suite in a version, or NULL. */
static const struct mx_enum_suite *seen_suite(const struct mx_enum_version *v,
					      uint16_t id)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->suites[i].id == id)
			return &v->suites[i];
	return NULL;
}

/* The suite the server picks for this client in version v, or NULL. */
static const struct mx_enum_suite *pick_suite(const struct work *w,
					      const struct mx_enum *e,
					      const struct mx_enum_version *v,
					      int tls13)
{
	const struct mx_enum_suite *best = NULL;
	size_t i;

	if (v->server_order != 0) {
		/* Server preference (or unknown: the enumeration lists
		 * the server's order when it has one). */
		for (i = 0; i < v->n; i++) {
			const struct mx_enum_suite *s = &v->suites[i];
			const struct mx_suite *r = mx_suite_by_id(s->id);

			if (!offers_suite(w, s->id))
				continue;
			if (!tls13 && r && r->kx == MX_KX_ECDHE &&
			    e->ngroups > 0 && pick_group(w->p, e, s, 0) == 0)
				continue; /* RFC 8422 §5.1: no common curve */
			if (best == NULL || (s->rank >= 0 && best->rank >= 0 &&
					     s->rank < best->rank))
				best = s;
		}
		return best;
	}
	for (i = 0; i < w->nsuites; i++) {
		const struct mx_enum_suite *s = seen_suite(v, w->suites[i]);
		const struct mx_suite *r = mx_suite_by_id(w->suites[i]);

		if (s == NULL)
			continue;
		if (!tls13 && r && r->kx == MX_KX_ECDHE && e->ngroups > 0 &&
		    pick_group(w->p, e, s, 0) == 0)
			continue;
		return s;
	}
	return NULL;
}

static const char *group_label(uint16_t id)
{
	const struct mx_group *g = mx_group_by_id(id);

	return g != NULL ? g->iana : "unknown group";
}

/* Does this client's hello carry what the intolerant server drops?  A
 * suite class: when the client offers a suite of it; the TLS 1.3 offer:
 * when the client speaks TLS 1.3; an extension, the hello size or the
 * combination: every modern (TLS 1.2+) hello carries them. */
static int hits_intolerance(const struct work *w, const struct mx_enum *e)
{
	size_t i;

	if (!e->intolerant)
		return 0;
	switch (e->trigger.kind) {
	case MX_INTOL_NONE:
		return 0;
	case MX_INTOL_TLS13:
		return w->p->max_version >= MX_TLS13;
	case MX_INTOL_EXTENSION:
	case MX_INTOL_SIZE:
	case MX_INTOL_COMBINATION:
		return w->p->max_version >= MX_TLS12;
	case MX_INTOL_CIPHER:
		break;
	}
	for (i = 0; i < w->nsuites; i++) {
		const struct mx_suite *s = mx_suite_by_id(w->suites[i]);

		if (s == NULL)
			continue;
		if ((int)s->cipher == e->trigger.cipher)
			return 1;
		/* the AES-CCM class covers CCM_8 too */
		if (s->cipher == MX_CIPHER_AES_CCM8 &&
		    e->trigger.cipher == MX_CIPHER_AES_CCM)
			return 1;
	}
	return 0;
}

static void predict_work(const struct work *w, const struct mx_enum *e,
			 struct mx_client_prediction *out)
{
	const struct mx_client_profile *p = w->p;
	const struct mx_enum_version *v = NULL;
	const struct mx_enum_suite *s;
	const struct mx_suite *r;
	int vi, hi = -1, lo = -1, known = 0;
	uint16_t ver;

	memset(out, 0, sizeof(*out));
	/* First: a hello the server drops never gets to version or suite
	 * choice (and the enumeration may have taken the drop for a
	 * refused version). */
	if (hits_intolerance(w, e)) {
		out->fail = MX_CF_INTOLERANCE;
		snprintf(out->why, sizeof(out->why),
			 "the server drops hellos offering %s (%s): handshake "
			 "intolerance",
			 e->intolerance_trigger,
			 e->intolerance_reaction ? e->intolerance_reaction
						 : "no answer");
		return;
	}
	/* RFC 8446 §4.2.1 / RFC 5246 §7.4.1.2: the highest common version. */
	for (ver = p->max_version; ver >= p->min_version && ver >= MX_SSL3;
	     ver--) {
		vi = version_index(ver);
		if (vi >= 0 && e->v[vi].state == 1) {
			v = &e->v[vi];
			break;
		}
	}
	for (vi = 0; vi < MX_EV__N; vi++) {
		if (e->v[vi].state == 1) {
			if (lo < 0)
				lo = vi;
			hi = vi;
		}
		if (e->v[vi].state >= 0)
			known = 1;
	}
	if (v == NULL) {
		out->fail = known ? MX_CF_VERSION : MX_CF_UNKNOWN;
		if (!known)
			snprintf(out->why, sizeof(out->why),
				 "no enumeration facts to predict from");
		else if (lo < 0)
			snprintf(out->why, sizeof(out->why),
				 "the server accepted no protocol version");
		else
			snprintf(out->why, sizeof(out->why),
				 "no common protocol version: the server "
				 "speaks %s..%s, the client %s..%s",
				 mx_enum_ver_name(lo), mx_enum_ver_name(hi),
				 mx_tls_version_name(p->min_version),
				 mx_tls_version_name(p->max_version));
		return;
	}
	out->version = ver;
	out->server_order = v->server_order;
	s = pick_suite(w, e, v, ver == MX_TLS13);
	if (s == NULL) {
		out->fail = MX_CF_NO_SUITE;
		snprintf(out->why, sizeof(out->why),
			 "no cipher suite in common in %s: the server accepts "
			 "%zu suites, none of them offered by the client (the "
			 "server sends handshake_failure)",
			 mx_tls_version_name(ver), v->n);
		return;
	}
	out->suite = s->id;
	r = mx_suite_by_id(s->id);
	if (ver == MX_TLS13) {
		const struct mx_group *g;

		out->group = pick_group(p, e, s, 1);
		if (out->group == 0 && e->ngroups > 0) {
			out->fail = MX_CF_NO_GROUP;
			snprintf(out->why, sizeof(out->why),
				 "no common key exchange group in TLSv1.3 "
				 "(the server sends handshake_failure)");
			return;
		}
		g = mx_group_by_id(out->group);
		snprintf(out->kx, sizeof(out->kx), "%s %s",
			 g && g->kind == MX_GROUP_FFDHE ? "DH" : "ECDH",
			 group_label(out->group));
	} else if (r != NULL && r->kx == MX_KX_DHE) {
		int bits = s->kx_bits;
		char prime[80] = "";

		if (s->dh_prime != NULL)
			snprintf(prime, sizeof(prime), " (%s)", s->dh_prime);
		snprintf(out->kx, sizeof(out->kx), "DH %d%s", bits, prime);
		if (bits > 0 && bits < p->dh_min_bits) {
			out->fail = MX_CF_DH_SMALL;
			snprintf(out->why, sizeof(out->why),
				 "DHE chosen (%s) with a %d-bit group%s: %s "
				 "needs at least %d bits and aborts with `%s`",
				 r->iana, bits, prime, p->name, p->dh_min_bits,
				 p->dh_error);
			return;
		}
		if (bits > 0 && p->dh_max_bits > 0 && bits > p->dh_max_bits) {
			out->fail = MX_CF_DH_LARGE;
			snprintf(out->why, sizeof(out->why),
				 "DHE chosen (%s) with a %d-bit group: %s "
				 "handles at most %d bits",
				 r->iana, bits, p->name, p->dh_max_bits);
			return;
		}
	} else if (r != NULL && r->kx == MX_KX_ECDHE) {
		const struct mx_group *g;

		out->group = pick_group(p, e, s, 0);
		g = mx_group_by_id(out->group);
		snprintf(out->kx, sizeof(out->kx), "ECDH %s",
			 out->group ? group_label(out->group)
				    : (s->group ? s->group : "?"));
		if (g != NULL && g->bits < p->ec_min_bits) {
			out->fail = MX_CF_EC_SMALL;
			snprintf(out->why, sizeof(out->why),
				 "ECDHE on %s (%u bits): %s needs at least %d",
				 g->iana, g->bits, p->name, p->ec_min_bits);
			return;
		}
	} else if (r != NULL) {
		snprintf(out->kx, sizeof(out->kx), "%s", mx_kx_name(r->kx));
	}
	out->ok = 1;
}

void mx_client_predict(const struct mx_client_profile *p,
		       const struct mx_enum *e,
		       struct mx_client_prediction *out)
{
	struct work w;

	work_init(&w, p);
	predict_work(&w, e, out);
}

/* ---- advice ------------------------------------------------------------- */

/* Insecure by the list (NULL, anon, EXPORT, RC4, DES, 3DES) and
 * MD5 MACs: never in advice. */
static int insecure(const struct mx_suite *s)
{
	return (s->flags & (MX_SUITE_NULL | MX_SUITE_ANON | MX_SUITE_EXPORT |
			    MX_SUITE_RC4 | MX_SUITE_DES | MX_SUITE_3DES |
			    MX_SUITE_MD5)) != 0;
}

/* Drop from w the suites `drop` says no to. */
static void work_filter(struct work *w, int (*drop)(const struct mx_suite *))
{
	size_t i, n = 0;

	for (i = 0; i < w->nsuites; i++) {
		const struct mx_suite *s = mx_suite_by_id(w->suites[i]);

		if (s != NULL && !drop(s))
			w->suites[n++] = w->suites[i];
	}
	w->nsuites = n;
}

static int is_dhe(const struct mx_suite *s)
{
	return s->kx == MX_KX_DHE || insecure(s);
}

/* The suites the server accepts in the profile's versions that are
 * secure and that a stack can name, in the server's order. */
static char *explicit_list(const struct mx_client_profile *p,
			   const struct mx_enum *e, int openssl)
{
	char buf[1024];
	size_t len = 0, i;
	int vi;

	buf[0] = '\0';
	for (vi = version_index(p->max_version);
	     vi >= 0 && vi >= version_index(p->min_version); vi--) {
		const struct mx_enum_version *v = &e->v[vi];

		if (v->state != 1 || mx_enum_ver_code(vi) == MX_TLS13)
			continue;
		for (i = 0; i < v->n; i++) {
			const struct mx_suite *s =
				mx_suite_by_id(v->suites[i].id);
			const char *name;
			int n;

			if (s == NULL || insecure(s) || s->kx == MX_KX_DHE)
				continue;
			name = openssl ? s->openssl : s->iana;
			if (name == NULL || strstr(buf, name) != NULL)
				continue;
			n = snprintf(buf + len, sizeof(buf) - len, "%s%s",
				     len ? ":" : "", name);
			if (n < 0 || (size_t)n >= sizeof(buf) - len)
				break;
			len += (size_t)n;
		}
	}
	return len > 0 ? xstrdup(buf) : NULL;
}

/* Client settings without the suite class the intolerant server drops
 * ("AES-GCM suites"): GnuTLS removes a cipher from every version, so its
 * string always applies; an OpenSSL cipher list does not reach TLS 1.3
 * suites, so it is offered only to clients that stop at TLS 1.2 or when
 * the class has no TLS 1.3 member.  Not predicted (the enumeration saw
 * the drops as refusals): the real handshake in probe/confirm.c decides
 * PASS or FAIL. */
static const struct {
	int cipher;	    /* enum mx_cipher: the trigger's class */
	const char *ossl;   /* cipher list exclusion */
	const char *gnutls; /* priority exclusions */
	int tls13;	    /* the class has TLS 1.3 suites */
} intol_map[] = {
	{MX_CIPHER_AES_GCM, "!AESGCM", "-AES-128-GCM:-AES-256-GCM", 1},
	{MX_CIPHER_CHACHA20_POLY1305, "!CHACHA20", "-CHACHA20-POLY1305", 1},
	{MX_CIPHER_AES_CCM, "!AESCCM",
	 "-AES-128-CCM:-AES-256-CCM:-AES-128-CCM-8:-AES-256-CCM-8", 1},
	{MX_CIPHER_CAMELLIA, "!CAMELLIA", "-CAMELLIA-128-CBC:-CAMELLIA-256-CBC",
	 0},
	{MX_CIPHER_ARIA_GCM, "!ARIA", NULL, 0},
	{MX_CIPHER_3DES, "!3DES", "-3DES-CBC", 0},
};

static void intolerance_advice(const struct mx_client_profile *p,
			       const struct mx_enum *e, const char *obase,
			       const char *gbase, char **advice_openssl,
			       char **advice_gnutls)
{
	size_t i;

	for (i = 0; i < N(intol_map); i++) {
		if (e->trigger.kind != MX_INTOL_CIPHER ||
		    e->trigger.cipher != intol_map[i].cipher)
			continue;
		if (!intol_map[i].tls13 || p->max_version <= MX_TLS12)
			*advice_openssl =
				xasprintf("%s:%s", obase, intol_map[i].ossl);
		if (intol_map[i].gnutls != NULL)
			*advice_gnutls =
				xasprintf("%s:%s", gbase, intol_map[i].gnutls);
		return;
	}
}

/* Whose settings the advice starts from: the profile's own, or those of
 * `advice_from` when its own list leaves nothing once the culprit goes
 * (a DHE-only list without DHE is empty). */
static const struct mx_client_profile *
advice_base(const struct mx_client_profile *p)
{
	const struct mx_client_profile *b =
		mx_client_profile_by_id(p->advice_from);

	return b != NULL ? b : p;
}

void mx_client_advise(const struct mx_client_profile *p,
		      const struct mx_enum *e,
		      const struct mx_client_prediction *pred,
		      char **advice_openssl, char **advice_gnutls)
{
	const struct mx_client_profile *b = advice_base(p);
	const char *obase = b->ossl_ciphers ? b->ossl_ciphers : "DEFAULT";
	const char *gbase = b->gnutls_priority ? b->gnutls_priority : "NORMAL";
	struct mx_client_prediction again;
	struct work w;

	*advice_openssl = *advice_gnutls = NULL;
	if (pred->ok)
		return;
	switch (pred->fail) {
	case MX_CF_DH_SMALL:
	case MX_CF_DH_LARGE:
		/* The seed problem of DESIGN.md: a client list without
		 * DHE, so the server's (EC)DHE or RSA choice comes next. */
		work_init(&w, advice_base(p));
		w.p = p; /* the client's own limits, the base's suites */
		work_filter(&w, is_dhe);
		predict_work(&w, e, &again);
		if (!again.ok)
			return;
		*advice_openssl = xasprintf(
			"%s:!kDHE:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES:!MD5",
			obase);
		*advice_gnutls = xasprintf("%s:-DHE-RSA:-DHE-DSS", gbase);
		return;
	case MX_CF_NO_SUITE:
	case MX_CF_NO_GROUP:
	case MX_CF_EC_SMALL:
		/* Name exactly the secure suites the server accepts. */
		*advice_openssl = explicit_list(p, e, 1);
		if (*advice_openssl != NULL)
			*advice_gnutls = xstrdup("NORMAL");
		return;
	case MX_CF_INTOLERANCE:
		intolerance_advice(p, e, obase, gbase, advice_openssl,
				   advice_gnutls);
		return;
	default:
		/* Versions, unknown: no client cipher string fixes these. */
		return;
	}
}

/* ---- simulation into the model ------------------------------------------ */

static void clients_clear(struct mx_enum *e)
{
	size_t i;

	for (i = 0; i < e->nclients; i++) {
		struct mx_client_sim *c = &e->clients[i];

		free(c->profile);
		free(c->name);
		free(c->version);
		free(c->kx);
		free(c->why);
		free(c->confirm_detail);
		free(c->advice_openssl);
		free(c->advice_gnutls);
	}
	e->nclients = 0;
}

void mx_clients_simulate(struct mx_enum *e)
{
	size_t i;

	if (e == NULL)
		return;
	clients_clear(e);
	for (i = 0; i < N(profiles); i++) {
		const struct mx_client_profile *p = &profiles[i];
		struct mx_client_prediction pr;
		struct mx_client_sim *c = mx_enum_add_client(e);

		mx_client_predict(p, e, &pr);
		c->profile = xstrdup(p->id);
		c->name = xstrdup(p->name);
		c->ok = pr.ok;
		c->version = pr.version
				     ? xstrdup(mx_tls_version_name(pr.version))
				     : NULL;
		c->suite = pr.suite; /* the server's pick, even if refused */
		c->kx = pr.kx[0] ? xstrdup(pr.kx) : NULL;
		c->why = pr.ok ? NULL : xstrdup(pr.why);
		c->confirmed = -1;
		c->advice_openssl_ok = c->advice_gnutls_ok = -1;
		mx_client_advise(p, e, &pr, &c->advice_openssl,
				 &c->advice_gnutls);
	}
}

/* ---- findings ----------------------------------------------------------- */

static const char *pass_fail(int ok)
{
	return ok == 1 ? "PASS" : ok == 0 ? "FAIL" : "not tested";
}

void mx_analyze_clients(struct mx_endpoint *ep)
{
	const struct mx_enum *e = ep->enumr;
	char *where;
	size_t i;

	if (e == NULL)
		return;
	/* The real handshakes' facts against the predictions first. */
	mx_judge_confirmations(ep->enumr);
	where = mx_endpoint_where(ep);
	for (i = 0; i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];
		const struct mx_client_profile *p =
			mx_client_profile_by_id(c->profile);
		struct mx_finding *f;

		if (c->confirmed == 0)
			mx_findings_add(
				&ep->findings, "client.prediction_mismatch",
				where, "%s: %s", c->name ? c->name : "?",
				c->confirm_detail ? c->confirm_detail : "?");
		if (c->ok)
			continue;
		f = mx_findings_add(&ep->findings, "client.fails", where,
				    "%s: %s", c->name ? c->name : "?",
				    c->why ? c->why : "?");
		if (p != NULL && !p->common)
			f->severity = MX_SEV_INFO;
		if (c->advice_openssl != NULL || c->advice_gnutls != NULL)
			mx_finding_set_fix(
				f,
				"Server: fix the cause (see the evidence). "
				"Client: OpenSSL cipher list '%s' (%s), GnuTLS "
				"priority '%s' (%s).",
				c->advice_openssl ? c->advice_openssl : "-",
				pass_fail(c->advice_openssl_ok),
				c->advice_gnutls ? c->advice_gnutls : "-",
				pass_fail(c->advice_gnutls_ok));
	}
	if (e->intolerant) {
		struct mx_finding *f = mx_findings_add(
			&ep->findings, "tls.hello_intolerance", where,
			"%s when the ClientHello offers %s; a hello without "
			"them is answered",
			e->intolerance_reaction ? e->intolerance_reaction
						: "no answer",
			e->intolerance_trigger ? e->intolerance_trigger : "?");

		if (e->intolerance_advice_openssl != NULL)
			mx_finding_set_fix(
				f,
				"Upgrade or fix the server (or the middlebox in "
				"front of it). Until then clients can avoid "
				"the trigger with the OpenSSL cipher list "
				"'%s' (%s).",
				e->intolerance_advice_openssl,
				pass_fail(e->intolerance_advice_ok));
	}
	free(where);
}
