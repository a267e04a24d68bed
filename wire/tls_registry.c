/*
 * tls_registry.c - named groups, signature schemes, versions, alerts,
 * handshake types and extension names (see tls_registry.h).  Cipher
 * suites live in tls_suites.c, DH primes in dh_primes.c.
 *
 * Sources: IANA "TLS Supported Groups" (RFC 8422 §5.1.1, RFC 7919 §2,
 * RFC 8446 §4.2.7, RFC 8734 brainpool TLS 1.3, RFC 9367 GOST, RFC 8998
 * SM2, draft-ietf-tls-ecdhe-mlkem and draft-connolly-tls-mlkem-key-
 * agreement for the ML-KEM code points, draft-tls-westerbaan-xyber768d00
 * for the old Kyber draft code point); "TLS SignatureScheme" (RFC 8446
 * §4.2.3, RFC 8734, RFC 9367, RFC 8998) and the TLS 1.2 {hash, signature}
 * registries (RFC 5246 §7.4.1.4.1); "TLS Alerts" (RFC 8446 §6, RFC 5246
 * §7.2, RFC 7507, RFC 8701); "TLS HandshakeType"; "TLS ExtensionType
 * Values".  All tables are static const and sorted by code point.
 */
#include "wire/tls_registry.h"

#include <stdio.h>

#include <stddef.h>
#include <strings.h>

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- named groups ------------------------------------------------------ */

#define EC MX_GROUP_EC
#define FF MX_GROUP_FFDHE
#define KEM MX_GROUP_KEM
#define HYB MX_GROUP_HYBRID
#define OTH MX_GROUP_OTHER

/* {id, IANA name, OpenSSL name, kind, bits, client share bytes, TLS 1.3,
 *  unofficial}.  Share lengths: uncompressed points (RFC 8446 §4.2.8.2),
 *  32/56 for X25519/X448 (RFC 7748), p-sized for ffdhe (§4.2.8.1),
 *  ML-KEM encapsulation keys (FIPS 203) after/before the classical share
 *  as the hybrid drafts order them. */
static const struct mx_group groups[] = {
	{1, "sect163k1", "sect163k1", EC, 163, 0, 0, 0},
	{2, "sect163r1", "sect163r1", EC, 163, 0, 0, 0},
	{3, "sect163r2", "sect163r2", EC, 163, 0, 0, 0},
	{4, "sect193r1", "sect193r1", EC, 193, 0, 0, 0},
	{5, "sect193r2", "sect193r2", EC, 193, 0, 0, 0},
	{6, "sect233k1", "sect233k1", EC, 233, 0, 0, 0},
	{7, "sect233r1", "sect233r1", EC, 233, 0, 0, 0},
	{8, "sect239k1", "sect239k1", EC, 239, 0, 0, 0},
	{9, "sect283k1", "sect283k1", EC, 283, 0, 0, 0},
	{10, "sect283r1", "sect283r1", EC, 283, 0, 0, 0},
	{11, "sect409k1", "sect409k1", EC, 409, 0, 0, 0},
	{12, "sect409r1", "sect409r1", EC, 409, 0, 0, 0},
	{13, "sect571k1", "sect571k1", EC, 571, 0, 0, 0},
	{14, "sect571r1", "sect571r1", EC, 571, 0, 0, 0},
	{15, "secp160k1", "secp160k1", EC, 160, 41, 0, 0},
	{16, "secp160r1", "secp160r1", EC, 160, 41, 0, 0},
	{17, "secp160r2", "secp160r2", EC, 160, 41, 0, 0},
	{18, "secp192k1", "secp192k1", EC, 192, 49, 0, 0},
	{19, "secp192r1", "P-192", EC, 192, 49, 0, 0},
	{20, "secp224k1", "secp224k1", EC, 224, 57, 0, 0},
	{21, "secp224r1", "P-224", EC, 224, 57, 0, 0},
	{22, "secp256k1", "secp256k1", EC, 256, 65, 0, 0},
	{23, "secp256r1", "P-256", EC, 256, 65, 1, 0},
	{24, "secp384r1", "P-384", EC, 384, 97, 1, 0},
	{25, "secp521r1", "P-521", EC, 521, 133, 1, 0},
	{26, "brainpoolP256r1", "brainpoolP256r1", EC, 256, 65, 0, 0},
	{27, "brainpoolP384r1", "brainpoolP384r1", EC, 384, 97, 0, 0},
	{28, "brainpoolP512r1", "brainpoolP512r1", EC, 512, 129, 0, 0},
	{29, "x25519", "X25519", EC, 253, 32, 1, 0},
	{30, "x448", "X448", EC, 448, 56, 1, 0},
	{31, "brainpoolP256r1tls13", "brainpoolP256r1tls13", EC, 256, 65, 1, 0},
	{32, "brainpoolP384r1tls13", "brainpoolP384r1tls13", EC, 384, 97, 1, 0},
	{33, "brainpoolP512r1tls13", "brainpoolP512r1tls13", EC, 512, 129, 1,
	 0},
	{34, "GC256A", NULL, EC, 256, 64, 1, 0},
	{35, "GC256B", NULL, EC, 256, 64, 1, 0},
	{36, "GC256C", NULL, EC, 256, 64, 1, 0},
	{37, "GC256D", NULL, EC, 256, 64, 1, 0},
	{38, "GC512A", NULL, EC, 512, 128, 1, 0},
	{39, "GC512B", NULL, EC, 512, 128, 1, 0},
	{40, "GC512C", NULL, EC, 512, 128, 1, 0},
	{41, "curveSM2", "SM2", EC, 256, 65, 1, 0},
	{256, "ffdhe2048", "ffdhe2048", FF, 2048, 256, 1, 0},
	{257, "ffdhe3072", "ffdhe3072", FF, 3072, 384, 1, 0},
	{258, "ffdhe4096", "ffdhe4096", FF, 4096, 512, 1, 0},
	{259, "ffdhe6144", "ffdhe6144", FF, 6144, 768, 1, 0},
	{260, "ffdhe8192", "ffdhe8192", FF, 8192, 1024, 1, 0},
	{512, "MLKEM512", "MLKEM512", KEM, 512, 800, 1, 0},
	{513, "MLKEM768", "MLKEM768", KEM, 768, 1184, 1, 0},
	{514, "MLKEM1024", "MLKEM1024", KEM, 1024, 1568, 1, 0},
	{0x11EB, "SecP256r1MLKEM768", "SecP256r1MLKEM768", HYB, 768, 1249, 1,
	 0},
	{0x11EC, "X25519MLKEM768", "X25519MLKEM768", HYB, 768, 1216, 1, 0},
	{0x11ED, "SecP384r1MLKEM1024", "SecP384r1MLKEM1024", HYB, 1024, 1665, 1,
	 0},
	{0x6399, "X25519Kyber768Draft00", "X25519Kyber768Draft00", HYB, 768,
	 1216, 1, 1},
	{0x639A, "SecP256r1Kyber768Draft00", NULL, HYB, 768, 1249, 1, 1},
	{0xFF01, "arbitrary_explicit_prime_curves", NULL, OTH, 0, 0, 0, 0},
	{0xFF02, "arbitrary_explicit_char2_curves", NULL, OTH, 0, 0, 0, 0},
};

#undef EC
#undef FF
#undef KEM
#undef HYB
#undef OTH

size_t mx_group_count(void)
{
	return N_ELEM(groups);
}

const struct mx_group *mx_group_at(size_t i)
{
	return i < N_ELEM(groups) ? &groups[i] : NULL;
}

const struct mx_group *mx_group_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_ELEM(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

const struct mx_group *mx_group_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < N_ELEM(groups); i++) {
		if (strcasecmp(groups[i].iana, name) == 0)
			return &groups[i];
		if (groups[i].openssl &&
		    strcasecmp(groups[i].openssl, name) == 0)
			return &groups[i];
	}
	/* OpenSSL's own aliases for the NIST curves. */
	if (strcasecmp(name, "prime256v1") == 0)
		return mx_group_by_id(23);
	return NULL;
}

/* ---- signature schemes ------------------------------------------------- */

static const struct mx_sigscheme sigschemes[] = {
	/* RFC 5246 §7.4.1.4.1 {hash, signature} pairs that RFC 8446 did
	 * not name: hash md5(1) sha1(2) sha224(3) sha256(4) sha384(5)
	 * sha512(6); signature rsa(1) dsa(2) ecdsa(3). */
	{0x0101, "rsa_md5", 1},
	{0x0102, "dsa_md5", 1},
	{0x0103, "ecdsa_md5", 1},
	{0x0201, "rsa_pkcs1_sha1", 0},
	{0x0202, "dsa_sha1", 1},
	{0x0203, "ecdsa_sha1", 0},
	{0x0301, "rsa_sha224", 1},
	{0x0302, "dsa_sha224", 1},
	{0x0303, "ecdsa_sha224", 1},
	{0x0401, "rsa_pkcs1_sha256", 0},
	{0x0402, "dsa_sha256", 1},
	{0x0403, "ecdsa_secp256r1_sha256", 0},
	{0x0501, "rsa_pkcs1_sha384", 0},
	{0x0502, "dsa_sha384", 1},
	{0x0503, "ecdsa_secp384r1_sha384", 0},
	{0x0601, "rsa_pkcs1_sha512", 0},
	{0x0602, "dsa_sha512", 1},
	{0x0603, "ecdsa_secp521r1_sha512", 0},
	{0x0708, "sm2sig_sm3", 0},	   /* RFC 8998 */
	{0x0709, "gostr34102012_256a", 0}, /* RFC 9367 */
	{0x070A, "gostr34102012_256b", 0},
	{0x070B, "gostr34102012_256c", 0},
	{0x070C, "gostr34102012_256d", 0},
	{0x070D, "gostr34102012_512a", 0},
	{0x070E, "gostr34102012_512b", 0},
	{0x070F, "gostr34102012_512c", 0},
	{0x0804, "rsa_pss_rsae_sha256", 0}, /* RFC 8446 */
	{0x0805, "rsa_pss_rsae_sha384", 0},
	{0x0806, "rsa_pss_rsae_sha512", 0},
	{0x0807, "ed25519", 0},
	{0x0808, "ed448", 0},
	{0x0809, "rsa_pss_pss_sha256", 0},
	{0x080A, "rsa_pss_pss_sha384", 0},
	{0x080B, "rsa_pss_pss_sha512", 0},
	{0x081A, "ecdsa_brainpoolP256r1tls13_sha256", 0}, /* RFC 8734 */
	{0x081B, "ecdsa_brainpoolP384r1tls13_sha384", 0},
	{0x081C, "ecdsa_brainpoolP512r1tls13_sha512", 0},
	{0x0904, "mldsa44", 0}, /* draft-ietf-tls-mldsa */
	{0x0905, "mldsa65", 0},
	{0x0906, "mldsa87", 0},
};

size_t mx_sigscheme_count(void)
{
	return N_ELEM(sigschemes);
}

const struct mx_sigscheme *mx_sigscheme_at(size_t i)
{
	return i < N_ELEM(sigschemes) ? &sigschemes[i] : NULL;
}

const struct mx_sigscheme *mx_sigscheme_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < N_ELEM(sigschemes); i++)
		if (sigschemes[i].id == id)
			return &sigschemes[i];
	return NULL;
}

/* ---- small code -> name tables ---------------------------------------- */

struct tok {
	uint16_t v;
	const char *name;
};

static const char *tok_name(const struct tok *t, size_t n, uint16_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return NULL;
}

static const struct tok versions[] = {
	{0x0002, "SSLv2"},     {MX_SSL3, "SSLv3"},    {MX_TLS10, "TLSv1"},
	{MX_TLS11, "TLSv1.1"}, {MX_TLS12, "TLSv1.2"}, {MX_TLS13, "TLSv1.3"},
	{0xFEFF, "DTLSv1"},    {0xFEFD, "DTLSv1.2"},  {0xFEFC, "DTLSv1.3"},
};

const char *mx_tls_version_name(uint16_t v)
{
	/* draft-ietf-tls-tls13-NN used 0x7f00 | NN. */
	if ((v & 0xff00) == 0x7f00)
		return "TLSv1.3-draft";
	return tok_name(versions, N_ELEM(versions), v);
}

const char *mx_tls_version_label(uint16_t v, char *buf, size_t len)
{
	const char *n = mx_tls_version_name(v);

	if (n)
		return n;
	snprintf(buf, len, "0x%04x", v);
	return buf;
}

const char *mx_suite_label(uint16_t id, char *buf, size_t len)
{
	const struct mx_suite *su = mx_suite_by_id(id);

	if (su)
		return su->openssl ? su->openssl : su->iana;
	snprintf(buf, len, "0x%04X", id);
	return buf;
}

static const struct tok alerts[] = {
	{0, "close_notify"},
	{10, "unexpected_message"},
	{20, "bad_record_mac"},
	{21, "decryption_failed"},
	{22, "record_overflow"},
	{30, "decompression_failure"},
	{40, "handshake_failure"},
	{41, "no_certificate"},
	{42, "bad_certificate"},
	{43, "unsupported_certificate"},
	{44, "certificate_revoked"},
	{45, "certificate_expired"},
	{46, "certificate_unknown"},
	{47, "illegal_parameter"},
	{48, "unknown_ca"},
	{49, "access_denied"},
	{50, "decode_error"},
	{51, "decrypt_error"},
	{52, "too_many_cids_requested"},
	{60, "export_restriction"},
	{70, "protocol_version"},
	{71, "insufficient_security"},
	{80, "internal_error"},
	{86, "inappropriate_fallback"},
	{90, "user_canceled"},
	{100, "no_renegotiation"},
	{109, "missing_extension"},
	{110, "unsupported_extension"},
	{111, "certificate_unobtainable"},
	{112, "unrecognized_name"},
	{113, "bad_certificate_status_response"},
	{114, "bad_certificate_hash_value"},
	{115, "unknown_psk_identity"},
	{116, "certificate_required"},
	{117, "general_error"},
	{120, "no_application_protocol"},
	{121, "ech_required"},
};

const char *mx_tls_alert_name(uint8_t desc)
{
	return tok_name(alerts, N_ELEM(alerts), desc);
}

static const struct tok handshakes[] = {
	{0, "hello_request"},
	{1, "client_hello"},
	{2, "server_hello"},
	{3, "hello_verify_request"},
	{4, "new_session_ticket"},
	{5, "end_of_early_data"},
	{6, "hello_retry_request"},
	{8, "encrypted_extensions"},
	{9, "request_connection_id"},
	{10, "new_connection_id"},
	{11, "certificate"},
	{12, "server_key_exchange"},
	{13, "certificate_request"},
	{14, "server_hello_done"},
	{15, "certificate_verify"},
	{16, "client_key_exchange"},
	{17, "client_certificate_request"},
	{20, "finished"},
	{21, "certificate_url"},
	{22, "certificate_status"},
	{23, "supplemental_data"},
	{24, "key_update"},
	{25, "compressed_certificate"},
	{26, "ekt_key"},
	{254, "message_hash"},
};

const char *mx_tls_handshake_name(uint8_t type)
{
	return tok_name(handshakes, N_ELEM(handshakes), type);
}

static const struct tok exts[] = {
	{0, "server_name"},
	{1, "max_fragment_length"},
	{2, "client_certificate_url"},
	{3, "trusted_ca_keys"},
	{4, "truncated_hmac"},
	{5, "status_request"},
	{6, "user_mapping"},
	{7, "client_authz"},
	{8, "server_authz"},
	{9, "cert_type"},
	{10, "supported_groups"},
	{11, "ec_point_formats"},
	{12, "srp"},
	{13, "signature_algorithms"},
	{14, "use_srtp"},
	{15, "heartbeat"},
	{16, "application_layer_protocol_negotiation"},
	{17, "status_request_v2"},
	{18, "signed_certificate_timestamp"},
	{19, "client_certificate_type"},
	{20, "server_certificate_type"},
	{21, "padding"},
	{22, "encrypt_then_mac"},
	{23, "extended_master_secret"},
	{24, "token_binding"},
	{25, "cached_info"},
	{26, "tls_lts"},
	{27, "compress_certificate"},
	{28, "record_size_limit"},
	{29, "pwd_protect"},
	{30, "pwd_clear"},
	{31, "password_salt"},
	{32, "ticket_pinning"},
	{33, "tls_cert_with_extern_psk"},
	{34, "delegated_credential"},
	{35, "session_ticket"},
	{36, "TLMSP"},
	{37, "TLMSP_proxying"},
	{38, "TLMSP_delegate"},
	{39, "supported_ekt_ciphers"},
	{41, "pre_shared_key"},
	{42, "early_data"},
	{43, "supported_versions"},
	{44, "cookie"},
	{45, "psk_key_exchange_modes"},
	{47, "certificate_authorities"},
	{48, "oid_filters"},
	{49, "post_handshake_auth"},
	{50, "signature_algorithms_cert"},
	{51, "key_share"},
	{52, "transparency_info"},
	{54, "connection_id"},
	{55, "external_id_hash"},
	{56, "external_session_id"},
	{57, "quic_transport_parameters"},
	{58, "ticket_request"},
	{59, "dnssec_chain"},
	{13172, "next_protocol_negotiation"}, /* not IANA; NPN draft */
	{65037, "encrypted_client_hello"},
	{65281, "renegotiation_info"},
};

const char *mx_tls_ext_name(uint16_t type)
{
	return tok_name(exts, N_ELEM(exts), type);
}

int mx_tls_grease(uint16_t v)
{
	/* RFC 8701 §2: 0x0A0A, 0x1A1A, ... 0xFAFA. */
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}
