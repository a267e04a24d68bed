/*
 * smtp.h - SMTP reply parsing and EHLO keywords (pure; no I/O).
 *
 * The reply parser is incremental: feed it bytes as they arrive; it stops
 * at the end of a complete reply (RFC 5321 §4.2: "xyz-text" continuation
 * lines, then "xyz text" or "xyz"), so bytes after the reply stay with the
 * caller (important after STARTTLS: RFC 3207 §4.2).  Limits protect
 * against a peer that never ends a line or a reply:
 *   MX_SMTP_MAX_LINE        2048 bytes a line, CRLF included (as Postfix)
 *   MX_SMTP_MAX_LINES       lines in one reply
 *   MX_SMTP_MAX_REPLY_BYTES bytes in one reply
 * Exceeding one is a distinct status, never a hang or a silent cut.
 * A line that does not start with three digits and ' ', '-' or end of
 * line is MX_SMTP_MALFORMED; so is a continuation line whose code differs
 * from the first line's.  Bare LF line ends are accepted (and counted, so
 * callers can report them).
 *
 * Ownership: the parser owns the reply's lines until mx_smtp_reply_free();
 * line text is raw peer bytes without the code prefix and the line end -
 * escape before showing.
 */
#ifndef MX_WIRE_SMTP_H
#define MX_WIRE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#define MX_SMTP_MAX_LINE 2048
#define MX_SMTP_MAX_LINES 100
#define MX_SMTP_MAX_REPLY_BYTES 65536

enum mx_smtp_status {
	MX_SMTP_MORE = 0, /* need more bytes */
	MX_SMTP_DONE,	  /* a complete reply is in the parser */
	MX_SMTP_LINE_TOO_LONG,
	MX_SMTP_TOO_MANY_LINES,
	MX_SMTP_TOO_BIG,
	MX_SMTP_MALFORMED,
};

struct mx_smtp_line {
	char *text; /* raw, NUL-terminated (NULs inside kept as-is) */
	size_t len;
};

struct mx_smtp_reply {
	int code;     /* 100..599 */
	char enh[16]; /* RFC 3463 "x.y.z" of the first line, or "" */
	struct mx_smtp_line *lines;
	size_t nlines, cap;
	size_t bytes;	/* bytes consumed so far by this reply */
	size_t bare_lf; /* lines ended by LF alone */
	/* partial-line state */
	uint8_t *partial;
	size_t plen;
	enum mx_smtp_status status; /* sticky once not MORE */
};

void mx_smtp_reply_init(struct mx_smtp_reply *r);
void mx_smtp_reply_free(struct mx_smtp_reply *r);
/* Free and re-init for the next reply. */
void mx_smtp_reply_reset(struct mx_smtp_reply *r);

/* Feed len bytes; *used is set to how many were consumed (never past the
 * end of the reply).  Returns the parser status. */
enum mx_smtp_status mx_smtp_reply_feed(struct mx_smtp_reply *r,
				       const uint8_t *p, size_t len,
				       size_t *used);
const char *mx_smtp_status_name(enum mx_smtp_status s);
/* After an error status: the bytes of the line being read when the error
 * was decided, from its first byte through the deciding byte (a malformed
 * line) or as far as it was read (a line over the limit); *len 0 and NULL
 * when no line was in progress (a reply with too many lines ends at a
 * line end).  Borrowed from the parser until the next reset. */
const uint8_t *mx_smtp_reply_bad_line(const struct mx_smtp_reply *r,
				      size_t *len);

/* Parse an RFC 3463 enhanced status code at the start of text; on success
 * copy it to out (size >= 16) and return its length, else 0.  The class
 * digit must match the reply code's first digit. */
size_t mx_smtp_parse_enhanced(const char *text, size_t len, int code,
			      char *out);

/* EHLO keywords (RFC 5321 §4.1.1.1; 3207; 4954; 1870; 6152; 6531; 3030;
 * 8689; 2034; 3461). */
enum mx_smtp_cap {
	MX_SMTP_CAP_STARTTLS = 1u << 0,
	MX_SMTP_CAP_PIPELINING = 1u << 1,
	MX_SMTP_CAP_SIZE = 1u << 2,
	MX_SMTP_CAP_AUTH = 1u << 3,
	MX_SMTP_CAP_8BITMIME = 1u << 4,
	MX_SMTP_CAP_SMTPUTF8 = 1u << 5,
	MX_SMTP_CAP_CHUNKING = 1u << 6,
	MX_SMTP_CAP_REQUIRETLS = 1u << 7,
	MX_SMTP_CAP_ENHANCEDSTATUSCODES = 1u << 8,
	MX_SMTP_CAP_DSN = 1u << 9,
	MX_SMTP_CAP_BINARYMIME = 1u << 10,
	MX_SMTP_CAP_DELIVERBY = 1u << 11,
	MX_SMTP_CAP_ETRN = 1u << 12,
	MX_SMTP_CAP_VRFY = 1u << 13,
};

#define MX_SMTP_MAX_AUTH 256

struct mx_smtp_ehlo {
	unsigned flags;		     /* MX_SMTP_CAP_* */
	uint64_t size;		     /* SIZE value, 0 if absent or no value */
	char auth[MX_SMTP_MAX_AUTH]; /* mechanisms, space separated, upper
					 * case, printable ASCII only */
};

/* Parse the keyword lines of a 250 EHLO reply (the first line is the
 * greeting domain and is skipped).  Unknown keywords are ignored. */
void mx_smtp_parse_ehlo(const struct mx_smtp_reply *r,
			struct mx_smtp_ehlo *out);
/* Name of a capability bit ("STARTTLS"), or NULL. */
const char *mx_smtp_cap_name(unsigned bit);

#endif
