/*
 * tls_flight.h - incremental parser of a server's first flight (TLS
 * records and plaintext handshake messages), for the raw hello engine
 * and the capture decoder alike.
 *
 * Purpose: after our ClientHello, say exactly what the server answered:
 * ServerHello (version - from supported_versions for TLS 1.3 - random,
 * session id, suite, compression, extensions; HelloRetryRequest is
 * recognised by its special random, RFC 8446 §4.1.3), Certificate (TLS
 * <= 1.2), ServerKeyExchange (DHE p/g/Ys, ECDHE named curve and point,
 * export RSA modulus, PSK hint; the signature is recorded, not verified),
 * CertificateRequest, CertificateStatus, ServerHelloDone - or an alert,
 * or bytes that are not TLS at all (an SMTP "220 " or an HTTP reply).
 *
 * API (engine style: opaque handle + facts):
 *   f = mx_flight_new();
 *   st = mx_flight_feed(f, p, n, &used);  as bytes arrive; `used` bytes
 *        were taken (never past the end of the flight);
 *   st = mx_flight_eof(f);                 when the peer closed;
 *   facts = mx_flight_facts(f);            whenever; complete on DONE;
 *   mx_flight_free(f);
 * The record layer alone is mx_tls_record_next() (one record from a
 * cursor), shared with the capture decoder.
 *
 * Outcomes (STYLE habit 4: truncated, invalid and unsupported differ):
 *   MORE          need more bytes
 *   DONE          flight complete: ServerHelloDone (TLS <= 1.2), or a TLS
 *                 1.3 ServerHello / HelloRetryRequest (what follows it is
 *                 encrypted or a new round)
 *   ALERT         a fatal alert or close_notify arrived (facts: level,
 *                 description); other warning alerts are counted and
 *                 parsing goes on
 *   NOT_TLS       the first bytes are not a TLS record (facts.head keeps
 *                 the first bytes, raw: escape before showing)
 *   EMPTY         EOF before any byte (FIN right after the hello)
 *   TRUNCATED     EOF inside a record, a message, or before the flight
 *                 ended
 *   INVALID       malformed: bad length, trailing bytes, wrong order,
 *                 zero-length fragment, interleaved record types ...
 *   UNSUPPORTED   well-formed but outside what we parse: SSLv2 server
 *                 hello, explicit EC curves, unknown handshake messages
 *   RECORD_OVERFLOW  a record longer than 2^14 + 2048 (RFC 5246 §6.2.3)
 *   TOO_BIG       reassembly beyond MX_FLIGHT_MAX_BYTES, or more than
 *                 MX_FLIGHT_MAX_CERTS certificates
 * Every status but MORE is final and sticky; facts.detail says where
 * (our own words, never peer bytes).
 *
 * Ownership: the handle owns everything in its facts: certificate DER and
 * key exchange values are copies (valid until mx_flight_free), so callers
 * may keep pointers while the handle lives; copy them to keep longer.
 * Limits: MX_FLIGHT_MAX_BYTES of handshake data (256 KiB), records up to
 * MX_TLS_MAX_RECORD, MX_FLIGHT_MAX_CERTS certificates, 64 extension types
 * remembered per ServerHello.
 */
#ifndef MX_WIRE_TLS_FLIGHT_H
#define MX_WIRE_TLS_FLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "common/cursor.h"

#define MX_TLS_MAX_RECORD (16384 + 2048) /* RFC 5246 §6.2.3 */
#define MX_FLIGHT_MAX_BYTES (256 * 1024)
#define MX_FLIGHT_MAX_CERTS 32
#define MX_FLIGHT_MAX_EXTS 64
#define MX_FLIGHT_HEAD 64

/* ---- record layer ------------------------------------------------------ */

enum mx_rec_status {
	MX_REC_OK = 0,
	MX_REC_MORE,	 /* the cursor ends inside the record */
	MX_REC_NOT_TLS,	 /* content type or version byte not TLS */
	MX_REC_SSLV2,	 /* an SSLv2-framed message (RFC 6176) */
	MX_REC_OVERFLOW, /* length > MX_TLS_MAX_RECORD */
};

struct mx_tls_record {
	uint8_t type; /* 20..24 */
	uint16_t version;
	const uint8_t *body; /* borrowed from the cursor's bytes */
	size_t len;
};

/* Read one record at c; on MX_REC_OK the cursor moves past it, on any
 * other status it does not move. */
enum mx_rec_status mx_tls_record_next(struct mx_cur *c,
				      struct mx_tls_record *out);

/* ---- flight ----------------------------------------------------------- */

enum mx_flight_status {
	MX_FLIGHT_MORE = 0,
	MX_FLIGHT_DONE,
	MX_FLIGHT_ALERT,
	MX_FLIGHT_NOT_TLS,
	MX_FLIGHT_EMPTY,
	MX_FLIGHT_TRUNCATED,
	MX_FLIGHT_INVALID,
	MX_FLIGHT_UNSUPPORTED,
	MX_FLIGHT_RECORD_OVERFLOW,
	MX_FLIGHT_TOO_BIG,
};

struct mx_bytes {
	uint8_t *p; /* owned by the flight handle */
	size_t len;
};

struct mx_server_hello {
	int seen;
	int hrr; /* HelloRetryRequest (RFC 8446 §4.1.3) */
	uint16_t legacy_version;
	uint16_t version; /* negotiated: supported_versions or legacy */
	uint8_t random[32];
	uint8_t session_id[32];
	size_t session_id_len;
	uint16_t suite;
	uint8_t compression;
	/* RFC 8446 §4.1.3: last 8 bytes of random "DOWNGRD" 01 / 00 */
	int downgrade_tls12, downgrade_tls11;
	/* extensions */
	uint16_t ext[MX_FLIGHT_MAX_EXTS]; /* types, in order */
	size_t next;
	int has_supported_versions;
	int has_key_share;
	uint16_t key_share_group; /* HRR: selected_group */
	size_t key_share_len;	  /* 0 in an HRR */
	int ems;		  /* RFC 7627 */
	int etm;		  /* RFC 7366 */
	int reneg_info;		  /* RFC 5746 */
	size_t reneg_info_len;	  /* 0 on an initial handshake */
	int session_ticket;	  /* RFC 5077 */
	int status_request;	  /* RFC 6066 */
	int has_alpn;
	uint8_t alpn[256]; /* raw protocol name: escape to show */
	size_t alpn_len;
	int has_point_formats;
	uint8_t point_formats[16];
	size_t npoint_formats;
};

enum mx_ske_kind {
	MX_SKE_NONE = 0,
	MX_SKE_DHE,   /* p, g, Ys (DHE_*, DH_anon, DHE_PSK) */
	MX_SKE_ECDHE, /* named curve, point (ECDHE_*, ECDH_anon) */
	MX_SKE_RSA,   /* export RSA: modulus, exponent */
	MX_SKE_PSK,   /* PSK identity hint only */
};

struct mx_ske {
	int seen;
	uint8_t kind;		  /* enum mx_ske_kind */
	struct mx_bytes psk_hint; /* PSK suites */
	struct mx_bytes dh_p, dh_g, dh_ys;
	unsigned dh_bits;   /* significant bits of p */
	uint8_t curve_type; /* 3 = named_curve (RFC 8422 §5.4) */
	uint16_t group;
	struct mx_bytes point;
	struct mx_bytes rsa_modulus, rsa_exponent;
	unsigned rsa_bits;
	int has_signature;   /* anon and PSK suites carry none */
	uint16_t sig_scheme; /* TLS 1.2 SignatureAndHashAlgorithm, or 0 */
	size_t sig_len;
};

struct mx_flight_facts {
	enum mx_flight_status status;
	char detail[160];	 /* our words: where and why */
	uint16_t record_version; /* of the first record */
	size_t records;
	size_t oversized_records;     /* 2^14 < length <= 2^14 + 2048 */
	size_t bytes;		      /* consumed so far */
	uint8_t head[MX_FLIGHT_HEAD]; /* first bytes received, raw */
	size_t head_len;
	struct mx_server_hello sh;
	struct mx_bytes certs[MX_FLIGHT_MAX_CERTS]; /* DER, as sent */
	size_t ncerts;
	int has_certificate;
	int has_cert_status;  /* CertificateStatus (RFC 6066 §8) */
	int has_cert_request; /* CertificateRequest */
	struct mx_ske ske;
	int has_done;	      /* ServerHelloDone */
	uint8_t hs_types[32]; /* handshake types seen, in order */
	size_t nhs;
	size_t warnings;      /* warning alerts that did not end it */
	uint8_t warning_desc; /* the last one's description */
	int alert;	      /* the alert that ended the flight */
	uint8_t alert_level, alert_desc;
};

struct mx_flight;

struct mx_flight *mx_flight_new(void);
void mx_flight_free(struct mx_flight *f);
enum mx_flight_status mx_flight_feed(struct mx_flight *f, const uint8_t *p,
				     size_t n, size_t *used);
enum mx_flight_status mx_flight_eof(struct mx_flight *f);
const struct mx_flight_facts *mx_flight_facts(const struct mx_flight *f);
const char *mx_flight_status_name(enum mx_flight_status s);
/* "fatal" / "warning" / NULL (RFC 5246 §7.2). */
const char *mx_tls_alert_level_name(uint8_t level);

#endif
