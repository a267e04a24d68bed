/*
 * smtp_data.h - the DATA phase and the server side of SMTP commands
 * (pure; no I/O).
 *
 * Three pieces, all pure functions over bytes:
 *
 * 1. mx_smtp_dot_stuff() - client side: turn a message into the DATA
 *    payload.  Line ends are normalised to CRLF (a bare LF or a bare CR
 *    becomes CRLF; RFC 5321 §2.3.8), a line starting with "." gets one
 *    more "." (RFC 5321 §4.5.2), a missing final line end is added, and
 *    the end-of-data line ".\r\n" is appended.  NUL is refused (RFC 5321
 *    §2.4 / RFC 2045 §2.8: not even 8BITMIME carries NUL); a text line
 *    longer than `max_line` octets (default 998, i.e. 1000 with CRLF,
 *    RFC 5321 §4.5.3.1.6) is refused rather than silently broken.
 *
 * 2. struct mx_smtp_data_reader - server side: read what follows "354"
 *    up to and including the end-of-data line, undoing the dot-stuffing.
 *    The end of data is *only* CRLF "." CRLF: a bare LF or bare CR never
 *    ends a line here (SMTP smuggling: "\n.\n", "\r.\r" and "\r\n.\n" are
 *    not terminators).  Bare LF, bare CR, NUL, an over-long line or a
 *    message over `max_size` do not stop the reader - it keeps consuming
 *    (so the dialogue stays in step) and reports the first problem when
 *    the real end of data arrives; the message bytes are then dropped.
 *    The listener answers accordingly (554 5.6.0 / 552 5.3.4 / 500 5.5.2)
 *    and writes nothing to the spool.
 *
 * 3. struct mx_smtp_cmd_reader - server side: split the client's bytes into
 *    command lines (at most MX_SMTP_CMD_MAX_LINE = 512 octets with CRLF,
 *    RFC 5321 §4.5.3.1.4) and parse EHLO HELO MAIL RCPT DATA RSET NOOP
 *    QUIT STARTTLS (RFC 5321 §4.1.1, RFC 3207 §4).  One line per call, so
 *    the caller can discard pipelined bytes after STARTTLS (RFC 3207
 *    §4.2: reset the reader and drop the rest of its input).  An
 *    over-long line is reported once, when its line end finally arrives,
 *    and the whole line is discarded; a line ending in a bare LF, or
 *    holding a NUL or a bare CR, is reported (not parsed).
 *    Paths are checked against RFC 5321 §4.1.2 (Dot-string or
 *    Quoted-string local part, domain or address literal), with the
 *    limits of §4.5.3.1 (local part 64, domain 255, path 256 octets);
 *    UTF-8 in a path is accepted and flagged (RFC 6531 §3.3), the caller
 *    requires the SMTPUTF8 parameter.  A source route (A-d-l) is parsed
 *    and dropped (RFC 5321 §4.1.1.3 / appendix C).  "MAIL FROM: <a>"
 *    (a space after the colon) is accepted as Postfix does; an address
 *    without angle brackets is refused.  MAIL parameters: SIZE=n (RFC
 *    1870), BODY=7BIT|8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531); RCPT takes
 *    none.  Anything else is MX_CMD_BAD_PARAM (555 5.5.4).
 *
 * Ownership: nothing returned here points into the caller's input; a
 * parsed command is a value (fixed arrays).  Text in a command (the EHLO
 * domain, a path) is raw client bytes that passed the syntax check -
 * printable ASCII or UTF-8, no controls - but escape it before showing
 * (common/escape.h) all the same.  The data reader writes into a
 * caller-owned struct mx_buf.
 */
#ifndef MX_WIRE_SMTP_DATA_H
#define MX_WIRE_SMTP_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets with CRLF. */
#define MX_SMTP_DATA_MAX_LINE 998
/* RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define MX_SMTP_CMD_MAX_LINE 512
/* RFC 5321 §4.5.3.1.1-3. */
#define MX_SMTP_MAX_LOCAL 64
#define MX_SMTP_MAX_DOMAIN 255
#define MX_SMTP_MAX_PATH 256

/* ---- the DATA payload ------------------------------------------------ */

enum mx_data_status {
	MX_DATA_MORE = 0,      /* reader: the end of data has not come yet */
	MX_DATA_OK,	       /* complete and clean */
	MX_DATA_TOO_BIG,       /* over max_size (reader) / output cap */
	MX_DATA_LINE_TOO_LONG, /* a text line over max_line octets */
	MX_DATA_BARE_LF,       /* reader: LF without CR */
	MX_DATA_BARE_CR,       /* reader: CR not followed by LF */
	MX_DATA_NUL,	       /* a NUL octet */
};

struct mx_data_stats {
	size_t lines;	 /* text lines, the end-of-data line excluded */
	size_t longest;	 /* longest text line, without its line end */
	size_t stuffed;	 /* lines that carry a transparency dot */
	size_t bare_lf;	 /* LF without CR (normalised or reported) */
	size_t bare_cr;	 /* CR without LF (normalised or reported) */
	size_t nul;	 /* NUL octets */
	size_t eightbit; /* octets >= 0x80 (8BITMIME needed) */
	size_t octets;	 /* message size as RFC 1870 counts it: CRLF
				 * line ends, no transparency dots, no
				 * end-of-data line */
};

/* Client side: append the DATA payload for msg[0..len) to out (whose cap
 * bounds the result: MX_DATA_TOO_BIG).  max_line 0 means
 * MX_SMTP_DATA_MAX_LINE.  st may be NULL.  Returns MX_DATA_OK,
 * MX_DATA_NUL, MX_DATA_LINE_TOO_LONG or MX_DATA_TOO_BIG; on failure out
 * holds an incomplete payload that must not be sent. */
enum mx_data_status mx_smtp_dot_stuff(const uint8_t *msg, size_t len,
				      size_t max_line, struct mx_buf *out,
				      struct mx_data_stats *st);

/* Server side: the DATA reader. */
struct mx_smtp_data_reader {
	/* parameters (set by init, may be changed before the first feed) */
	size_t max_size; /* message octets (RFC 1870 count); 0: none */
	size_t max_line; /* 0: MX_SMTP_DATA_MAX_LINE */
	/* state */
	int state;
	size_t linelen; /* octets of the current line so far */
	enum mx_data_status first_err;
	enum mx_data_status status; /* sticky once not MORE */
	struct mx_data_stats st;
};

void mx_smtp_data_reader_init(struct mx_smtp_data_reader *r, size_t max_size,
			      size_t max_line);
/* Feed len bytes (from the first byte after the "354" reply).  The
 * un-stuffed message, CRLF line ends, is appended to out while no
 * problem has been seen; *used says how many bytes were consumed - never
 * past the end-of-data line, so pipelined commands after it stay with the
 * caller (RFC 2920).  Returns MX_DATA_MORE until the end of data, then
 * MX_DATA_OK or the first problem seen (out is then reset to empty). */
enum mx_data_status mx_smtp_data_feed(struct mx_smtp_data_reader *r,
				      const uint8_t *p, size_t len,
				      size_t *used, struct mx_buf *out);

const char *mx_data_status_name(enum mx_data_status s);

/* ---- command lines --------------------------------------------------- */

enum mx_smtp_verb {
	MX_VERB_NONE = 0,
	MX_VERB_EHLO,
	MX_VERB_HELO,
	MX_VERB_MAIL,
	MX_VERB_RCPT,
	MX_VERB_DATA,
	MX_VERB_RSET,
	MX_VERB_NOOP,
	MX_VERB_QUIT,
	MX_VERB_STARTTLS,
	MX_VERB_VRFY, /* recognised, not implemented (502) */
	MX_VERB_EXPN,
	MX_VERB_HELP,
	MX_VERB_AUTH,
	MX_VERB_BDAT,
	MX_VERB_UNKNOWN, /* a verb we do not know (500 5.5.1) */
};

enum mx_cmd_status {
	MX_CMD_MORE = 0,      /* no complete line yet */
	MX_CMD_OK,	      /* a command was parsed into *cmd */
	MX_CMD_LINE_TOO_LONG, /* 500 5.5.6 */
	MX_CMD_BARE_LF,	      /* 500 5.5.2; line ended by LF alone */
	MX_CMD_BARE_CR,	      /* 500 5.5.2; CR inside the line */
	MX_CMD_NUL,	      /* 500 5.5.2 */
	MX_CMD_UNKNOWN,	      /* 500 5.5.1; cmd->verb = MX_VERB_UNKNOWN */
	MX_CMD_SYNTAX,	      /* 501 5.5.4; arguments wrong for the verb */
	MX_CMD_BAD_PATH,      /* 501 5.1.3 / 5.1.7; path syntax */
	MX_CMD_PATH_TOO_LONG, /* 501 5.5.4 (RFC 5321 §4.5.3.1) */
	MX_CMD_BAD_PARAM,     /* 555 5.5.4; unknown or bad MAIL/RCPT param */
};

enum mx_smtp_body { MX_BODY_NONE = 0, MX_BODY_7BIT, MX_BODY_8BITMIME };

struct mx_smtp_cmd {
	enum mx_smtp_verb verb;
	/* EHLO/HELO: the domain or address literal; MAIL/RCPT: the mailbox
	 * without angle brackets and source route ("" for the null
	 * reverse-path "<>"); NOOP/VRFY/...: the raw argument. */
	char arg[MX_SMTP_CMD_MAX_LINE];
	size_t arglen;
	int null_path;	     /* MAIL FROM:<> */
	int postmaster;	     /* RCPT TO:<postmaster> (no domain) */
	int utf8;	     /* the path holds UTF-8 (needs SMTPUTF8) */
	int address_literal; /* EHLO [1.2.3.4] / a@[1.2.3.4] */
	/* MAIL parameters */
	int has_size;
	uint64_t size;
	enum mx_smtp_body body;
	int smtputf8;
	char detail[96]; /* what was wrong, for the reply text */
};

struct mx_smtp_cmd_reader {
	uint8_t line[MX_SMTP_CMD_MAX_LINE];
	size_t len;
	int discarding; /* inside an over-long line */
};

void mx_smtp_cmd_reader_init(struct mx_smtp_cmd_reader *r);
/* Forget buffered bytes (after STARTTLS, RFC 3207 §4.2). */
void mx_smtp_cmd_reader_reset(struct mx_smtp_cmd_reader *r);
/* Bytes held from an incomplete line (nonzero right after STARTTLS
 * means the client pipelined past it). */
size_t mx_smtp_cmd_reader_pending(const struct mx_smtp_cmd_reader *r);
/* Consume bytes up to the end of one line; *used says how many.  Returns
 * MX_CMD_MORE when all of p was consumed without completing a line. */
enum mx_cmd_status mx_smtp_cmd_feed(struct mx_smtp_cmd_reader *r,
				    const uint8_t *p, size_t len, size_t *used,
				    struct mx_smtp_cmd *cmd);
/* Parse one complete command line (line end included or not: a final
 * CRLF is stripped, a bare LF or CR inside is reported). */
enum mx_cmd_status mx_smtp_cmd_parse(const uint8_t *line, size_t len,
				     struct mx_smtp_cmd *cmd);

/* Check an RFC 5321 §4.1.2 Mailbox (local-part "@" domain or address
 * literal) of len octets; returns 1 if valid.  *utf8 is set when it holds
 * non-ASCII (RFC 6531).  Used by the message builder too. */
int mx_smtp_mailbox_ok(const char *s, size_t len, int *utf8);
/* RFC 5321 §4.1.2 Domain (sub-domain *("." sub-domain)), UTF-8 labels
 * allowed (flagged). */
int mx_smtp_domain_ok(const char *s, size_t len, int *utf8);

/* Length (2..4) of the well-formed UTF-8 sequence (RFC 3629 §4: no
 * overlongs, no surrogates, nothing past U+10FFFF) at p[0..n), or 0. */
size_t mx_utf8_seq(const uint8_t *p, size_t n);

const char *mx_cmd_status_name(enum mx_cmd_status s);
const char *mx_smtp_verb_name(enum mx_smtp_verb v);

#endif
