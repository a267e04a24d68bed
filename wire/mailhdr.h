/*
 * mailhdr.h - a message's header section: fields, the Received chain
 * with TLS per hop and hop delays, Authentication-Results (pure; no I/O).
 *
 * mx_mailhdr_parse() reads the header section of a message (RFC 5322
 * §2.2) up to the empty line, CRLF or LF line ends, and unfolds each field
 * (§2.2.3: a line end followed by WSP is removed, the WSP stays).  A
 * leading mbox "From " line is skipped.  It then parses:
 *
 *  - Received (RFC 5321 §4.4, RFC 5322 §3.6.7): the from / by / via /
 *    with / id / for clauses (a clause's words up to the next clause
 *    keyword; its first comment kept apart), the date after the last ';'
 *    outside comments, and the TLS of the hop from the formats MTAs write:
 *      Postfix   (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384
 *                (256/256 bits) key-exchange X25519 ...)
 *      Exchange  (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_...)
 *      Gmail     (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256)
 *      Sendmail  (version=TLSv1.3 cipher=... bits=256 verify=NOT)
 *      Exim      with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384
 *    plus the protocol names of RFC 3848 / RFC 6531 (ESMTPS, ESMTPSA,
 *    LMTPS, UTF8SMTPS... say TLS; SMTP, ESMTP, ESMTPA, LMTP say clear
 *    text).  Versions are normalised to OpenSSL's names ("TLS1_2" ->
 *    "TLSv1.2").  The chain is stored oldest hop first (the reverse of
 *    header order); each hop's delay is its date minus the previous
 *    (older) hop's date, negative when clocks disagree.
 *  - Authentication-Results (RFC 8601 §2.2) and ARC-Authentication-Results
 *    (RFC 8617 §4.1.2, with its "i=" instance): authserv-id, version, and
 *    each method=result with its reason, first comment and ptype.property
 *    =value pairs (header.d=, smtp.mailfrom=, ...).  Two deviations seen
 *    in the wild are accepted, not flagged: no authserv-id at all
 *    (Exchange Online starts with "spf=pass"; no_authserv_id is set) and
 *    name=value pairs without a ptype (Exchange's "action=none").
 *  - Dates (RFC 5322 §3.3 with the obsolete forms of §4.3: two-digit
 *    years, UT/GMT/EST.../military zones, comments) to time_t (UTC) and
 *    the zone offset in minutes.  No TZ database is involved.
 *
 * Limits (a header section is peer data): MX_HDR_MAX_BYTES for the
 * section, MX_HDR_MAX_FIELDS fields, MX_HDR_MAX_FIELD octets for one
 * unfolded field; MX_HDR_MAX_RECEIVED Received and MX_HDR_MAX_AUTHRES
 * (ARC-)Authentication-Results fields are parsed (more are counted as
 * dropped); MX_AR_MAX_METHODS methods and MX_AR_MAX_PROPS properties each;
 * comments nest at most MX_HDR_MAX_NEST deep.  Parsing stops at the first
 * problem with the section (status says which); everything before it is
 * kept.  A Received or A-R field that cannot be fully understood keeps what
 * was understood and has `malformed` set.
 *
 * Ownership: mx_mailhdr_parse() returns a struct owned by the caller,
 * freed with mx_mailhdr_free(); every string in it is owned by it, is
 * escaped (common/escape.h: printable ASCII only), and is NULL when the
 * element was absent.  The input is only borrowed.
 */
#ifndef MX_WIRE_MAILHDR_H
#define MX_WIRE_MAILHDR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MX_HDR_MAX_BYTES (1024u * 1024u)
#define MX_HDR_MAX_FIELDS 1000
#define MX_HDR_MAX_FIELD (64u * 1024u)
#define MX_HDR_MAX_RECEIVED 100
#define MX_HDR_MAX_AUTHRES 50
#define MX_AR_MAX_METHODS 64
#define MX_AR_MAX_PROPS 32
#define MX_HDR_MAX_NEST 16
/* Escaped text kept per field value / per parsed element. */
#define MX_HDR_VALUE_MAX 4096
#define MX_HDR_ITEM_MAX 512

enum mx_hdr_status {
	MX_HDR_OK = 0,	     /* ended at the empty line */
	MX_HDR_UNTERMINATED, /* input ended inside the header section */
	MX_HDR_TOO_BIG,	     /* section over MX_HDR_MAX_BYTES */
	MX_HDR_TOO_MANY_FIELDS,
	MX_HDR_FIELD_TOO_BIG, /* one field over MX_HDR_MAX_FIELD */
	MX_HDR_MALFORMED,     /* a line that is neither field nor folding */
};

struct mx_hdr_field {
	char *name;
	char *value; /* unfolded, surrounding WSP trimmed */
};

enum mx_rcvd_tls {
	MX_RCVD_TLS_UNKNOWN = 0, /* the hop does not say */
	MX_RCVD_TLS_NO,		 /* protocol says clear text */
	MX_RCVD_TLS_YES,	 /* protocol or TLS details say TLS */
};

struct mx_received {
	size_t field_index; /* index in mx_mailhdr.fields */
	char *from;	    /* HELO name as written, e.g. "mail.example" */
	char *from_comment; /* "mail.example [192.0.2.1]" */
	char *from_ip;	    /* "192.0.2.1" (from [..] or the comment) */
	char *by;
	char *by_comment;
	char *via;
	char *with;	/* all words: "ESMTPS", "Microsoft SMTP Server" */
	char *protocol; /* known protocol, upper case, or NULL */
	char *id;
	char *for_; /* "<user@example.org>" */
	int auth;   /* ESMTPA / ESMTPSA / ... */
	enum mx_rcvd_tls tls;
	char *tls_version; /* "TLSv1.3" (normalised) or as written */
	char *tls_cipher;
	int tls_bits;	  /* 0 when not said */
	char *tls_verify; /* Sendmail verify=, or NULL */
	char *tls_kex;	  /* Postfix key-exchange, or NULL */
	char *tls_text;	  /* the comment / words the TLS came from */
	int has_date;
	time_t date;	/* UTC */
	int tz_minutes; /* the zone as written, e.g. +60 for +0100 */
	char *date_text;
	int has_delay;	 /* this hop and the previous one have dates */
	int64_t delay_s; /* date - previous (older) hop's date */
	int malformed;
};

struct mx_ar_prop {
	char *name; /* "header.d", "smtp.mailfrom" */
	char *value;
};

struct mx_ar_method {
	char *method;  /* "dkim", "spf", "dmarc", "arc", ... */
	char *version; /* "dkim/1" -> "1", else NULL */
	char *result;  /* "pass", "fail", "none", ... */
	char *reason;  /* reason= value, or NULL */
	char *comment; /* first comment after the result, or NULL */
	struct mx_ar_prop *props;
	size_t nprops, capprops;
};

struct mx_authres {
	size_t field_index;
	int arc;	   /* ARC-Authentication-Results */
	int instance;	   /* ARC i= (1..50), 0 for plain A-R */
	char *authserv_id; /* NULL when missing (Exchange Online) */
	int no_authserv_id;
	int version; /* 0 when absent */
	int none;    /* "none": no authentication done */
	struct mx_ar_method *m;
	size_t nm, capm;
	int malformed;
};

struct mx_mailhdr {
	enum mx_hdr_status status;
	size_t header_bytes; /* octets consumed, empty line included */
	size_t body_offset;  /* == header_bytes when status is OK */
	int mbox_from;	     /* a leading "From " line was skipped */
	size_t bare_lf;	     /* header lines ended by LF alone */
	struct mx_hdr_field *fields;
	size_t nfields, capfields;
	struct mx_received *rcvd; /* oldest hop first */
	size_t nrcvd, caprcvd;
	size_t rcvd_dropped; /* Received fields over the limit */
	int has_total_delay; /* newest date - oldest date */
	int64_t total_delay_s;
	struct mx_authres *ar; /* in header order (newest first) */
	size_t nar, capar;
	size_t ar_dropped;
};

struct mx_mailhdr *mx_mailhdr_parse(const uint8_t *p, size_t len);
void mx_mailhdr_free(struct mx_mailhdr *h);
/* The nth (0-based) field called `name` (case-insensitive), or NULL. */
const char *mx_mailhdr_get(const struct mx_mailhdr *h, const char *name,
			   size_t nth);
const char *mx_hdr_status_name(enum mx_hdr_status s);
const char *mx_rcvd_tls_name(enum mx_rcvd_tls t);

/* The parsers of single unfolded field values (raw bytes), for callers
 * that have one field; they fill *out, which mx_received_clear() /
 * mx_authres_clear() release. */
void mx_received_parse(const uint8_t *p, size_t len, struct mx_received *out);
void mx_received_clear(struct mx_received *r);
void mx_authres_parse(const uint8_t *p, size_t len, int arc,
		      struct mx_authres *out);
void mx_authres_clear(struct mx_authres *a);

/* RFC 5322 §3.3 date-time (and §4.3 obsolete forms); returns 1 and fills
 * *t (UTC) and *tz_minutes, or 0. */
int mx_mailhdr_parse_date(const uint8_t *p, size_t len, time_t *t,
			  int *tz_minutes);
/* "TLS1_2", "TLSv1.2", "TLS1.2" -> "TLSv1.2"; NULL if not a version. */
const char *mx_tls_version_norm(const char *s, size_t len);

#endif
