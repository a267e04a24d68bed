/*
 * tls_chello.h - ClientHello parser (SSLv3, TLS 1.0-1.3), the reading
 * counterpart of tls_hello.h's builder.
 *
 * Purpose: the capture decoder says what a client offered - versions,
 * suites, compression, extensions in order, SNI, groups, point formats,
 * signature schemes, ALPN, key shares - and computes JA3 from it
 * (wire/ja3.h).  A round trip test builds hellos with mx_hello_build()
 * and parses them back.
 *
 * Input: the body of one handshake message of type client_hello (1),
 * i.e. without the 4-byte handshake header, already reassembled from
 * however many records carried it.  mx_chello_parse_record() is a
 * convenience for the common case of a hello in one record (the 5-byte
 * record header, then the 4-byte handshake header).
 *
 * Outcomes: MX_CHELLO_OK; TRUNCATED (the bytes end inside a field);
 * INVALID (a length contradicts its block, an odd suite list, trailing
 * bytes, a duplicated extension); UNSUPPORTED (an SSLv2-framed hello:
 * out->sslv2 is set and the suites are not filled).  `detail` says where,
 * in our words.  Lists longer than the arrays below are cut and counted:
 * nsuites etc. hold what was kept, the *_total fields what was there.
 *
 * Ownership: out is plain data with copies (SNI and ALPN are raw bytes
 * copied, NUL-terminated; escape them before showing).  No allocation.
 */
#ifndef MX_WIRE_TLS_CHELLO_H
#define MX_WIRE_TLS_CHELLO_H

#include <stddef.h>
#include <stdint.h>

#define MX_CHELLO_MAX_SUITES 512
#define MX_CHELLO_MAX_EXTS 128
#define MX_CHELLO_MAX_LIST 128 /* groups, sigalgs, versions, key shares */

enum mx_chello_status {
	MX_CHELLO_OK = 0,
	MX_CHELLO_TRUNCATED,
	MX_CHELLO_INVALID,
	MX_CHELLO_UNSUPPORTED,
};

struct mx_chello {
	int sslv2;		 /* SSLv2-framed (RFC 6101 appendix E.2) */
	uint16_t legacy_version; /* client_version */
	uint8_t random[32];
	size_t session_id_len;
	uint16_t suites[MX_CHELLO_MAX_SUITES]; /* in order, GREASE kept */
	size_t nsuites, nsuites_total;
	uint8_t compression[16];
	size_t ncompression;
	uint16_t ext[MX_CHELLO_MAX_EXTS]; /* extension types in order */
	size_t next, next_total;
	/* server_name (RFC 6066 §3): the first host_name entry */
	int has_sni;
	char sni[256];
	/* supported_versions (RFC 8446 §4.2.1) */
	uint16_t versions[MX_CHELLO_MAX_LIST];
	size_t nversions;
	/* supported_groups (RFC 8422 §5.1.1, RFC 7919) */
	uint16_t groups[MX_CHELLO_MAX_LIST];
	size_t ngroups, ngroups_total;
	/* ec_point_formats */
	uint8_t point_formats[16];
	size_t npoint_formats;
	/* signature_algorithms (RFC 8446 §4.2.3 / RFC 5246 §7.4.1.4.1) */
	uint16_t sigalgs[MX_CHELLO_MAX_LIST];
	size_t nsigalgs, nsigalgs_total;
	/* ALPN (RFC 7301): the raw protocol_name_list, names copied */
	int has_alpn;
	uint8_t alpn[256];
	size_t alpn_len;
	/* key_share (RFC 8446 §4.2.8): the groups of the shares sent */
	uint16_t key_shares[MX_CHELLO_MAX_LIST];
	size_t nkey_shares;
	int has_reneg_info;	/* renegotiation_info extension */
	int has_scsv_reneg;	/* TLS_EMPTY_RENEGOTIATION_INFO_SCSV */
	int has_scsv_fallback;	/* TLS_FALLBACK_SCSV (RFC 7507) */
	int has_session_ticket; /* RFC 5077 */
	int has_ems;		/* RFC 7627 */
	int has_etm;		/* RFC 7366 */
	int has_status_request; /* RFC 6066 §8 */
	int has_psk;		/* pre_shared_key */
	int has_early_data;	/* early_data */
	size_t padding_len;	/* padding extension (RFC 7685) */
	uint16_t max_version;	/* highest of legacy and supported_versions,
				   * GREASE ignored */
	size_t msg_len;		/* the handshake body's length */
};

enum mx_chello_status mx_chello_parse(const uint8_t *body, size_t len,
				      struct mx_chello *out, char *detail,
				      size_t detail_len);
/* One TLS record holding one whole ClientHello handshake message; an
 * SSLv2-framed hello gives UNSUPPORTED with out->sslv2 set. */
enum mx_chello_status mx_chello_parse_record(const uint8_t *rec, size_t len,
					     struct mx_chello *out,
					     char *detail, size_t detail_len);
const char *mx_chello_status_name(enum mx_chello_status s);
/* GREASE values (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
int mx_tls_is_grease(uint16_t v);

#endif
