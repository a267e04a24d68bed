/*
 * message.h - build the RFC 5322 test message that mxprobe sends.
 *
 * mx_msg_new() turns a small params struct into the message bytes, the
 * unique token and the Message-ID, so a report can say what to look for
 * and an end-to-end check can find the message by its token.  Nothing
 * here does I/O; time and randomness are injected (a caller passes
 * mx_relay_random_os or, in tests, a deterministic source), so the same
 * params give the same bytes.
 *
 * The message (RFC 5322, RFC 2045/2046, RFC 2047):
 *   Date: Tue, 19 Nov 2024 10:00:00 +0000      (params.date, in UTC)
 *   From: <from>                               (addr-spec)
 *   To: <to>, <to>, ...                        (folded)
 *   Subject: <subject>                         (default "mxprobe test
 *                                               <token>"; non-ASCII is
 *                                               sent as RFC 2047 B words)
 *   Message-ID: <YYYYMMDDhhmmss.<16 hex>@<hostname>>
 *   X-Mxprobe-Token: <32 lower-case hex>
 *   MIME-Version: 1.0
 *   Content-Type: text/plain; charset=utf-8
 *   Content-Transfer-Encoding: 7bit | 8bit
 *   <extra headers, in the order given>
 *
 *   <body, or a default text that repeats the token>
 *   <padding lines up to pad_to_size>
 *
 * Rules:
 *  - Every line ends in CRLF (RFC 5322 §2.1, §2.3); body line ends are
 *    normalised (LF, CR, CRLF -> CRLF).  The message is NOT dot-stuffed:
 *    wire/smtp_data.h mx_smtp_dot_stuff() makes the DATA payload.
 *  - No line is longer than 998 octets (RFC 5322 §2.1.1).  Header fields
 *    are folded at white space to 78 columns where they can be and fail
 *    with MX_MSG_LINE_TOO_LONG where they cannot.  Body lines longer than
 *    998 octets are REJECTED by default (MX_MSG_LONG_REJECT: the test
 *    message carries the user's body unchanged, or nothing) - the diag
 *    names the line; MX_MSG_LONG_WRAP instead hard-breaks them at 998
 *    octets (never inside a UTF-8 sequence) and counts the breaks.
 *  - The body is text/plain; charset=utf-8: it must be valid UTF-8 and
 *    hold no NUL (RFC 2045 §2.7/2.8).  A body with octets >= 0x80 is sent
 *    as 8bit and sets MX_MSG_NEED_8BITMIME (RFC 6152).
 *  - Addresses are RFC 5321 Mailboxes (wire/smtp_data.h
 *    mx_smtp_mailbox_ok), at most MX_MSG_MAX_RCPTS recipients.  UTF-8 in
 *    an address or in an extra header's value sets MX_MSG_NEED_SMTPUTF8
 *    and MX_MSG_NEED_8BITMIME (RFC 6531, RFC 6532).
 *  - Extra headers are "Name: value": name 1..76 printable ASCII octets
 *    without ':' (RFC 5322 §3.6.8), value without CR, LF, NUL or other
 *    controls except TAB (no header injection), valid UTF-8.  Names this
 *    builder writes itself (Date, From, To, ...) are refused, since RFC
 *    5322 §3.6 allows them once.
 *  - pad_to_size: padding lines of printable ASCII are appended to the
 *    body until the message is exactly pad_to_size octets; when exactly 1
 *    octet is missing it becomes pad_to_size + 1 (a CRLF line cannot be
 *    1 octet long).  A message already that large is left as it is.
 *    Limit MX_MSG_MAX_SIZE.
 *  - hostname NULL means "mxprobe.invalid" (RFC 2606); it must be an
 *    ASCII domain name (it is the Message-ID's right-hand side).
 *
 * Ownership: params are borrowed for the call.  *out is owned by the
 * caller and released with mx_msg_free().
 */
#ifndef MX_RELAY_MESSAGE_H
#define MX_RELAY_MESSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifndef MX_RANDOM_FN_DEFINED
#define MX_RANDOM_FN_DEFINED
/* An injected random source: fill out[0..n) and return 1, or return 0.
 * (Also declared, identically, by relay/spool.h.) */
typedef int (*mx_random_fn)(void *ctx, uint8_t *out, size_t n);
#endif

/* The operating system's randomness (getrandom(2)); ctx is unused. */
int mx_relay_random_os(void *ctx, uint8_t *out, size_t n);

#define MX_MSG_TOKEN_LEN 32
#define MX_MSG_MAX_RCPTS 1000
#define MX_MSG_MAX_SUBJECT 998
#define MX_MSG_MAX_HEADERS 100
#define MX_MSG_MAX_SIZE (64u * 1024u * 1024u)
#define MX_MSG_MAX_LINE 998

enum mx_msg_long_lines {
	MX_MSG_LONG_REJECT = 0, /* default: refuse, name the line */
	MX_MSG_LONG_WRAP,	/* hard-break at 998 octets */
};

struct mx_msg_params {
	const char *from;      /* addr-spec, required */
	const char *const *to; /* addr-specs, 1..MX_MSG_MAX_RCPTS */
	size_t nto;
	const char *subject; /* NULL: "mxprobe test <token>" */
	const uint8_t *body; /* NULL: a default text */
	size_t body_len;
	const char *const *headers; /* "Name: value" */
	size_t nheaders;
	size_t pad_to_size; /* 0: no padding */
	enum mx_msg_long_lines long_lines;
	time_t date;	     /* the Date: header */
	mx_random_fn random; /* required */
	void *random_ctx;
	const char *hostname; /* Message-ID right side */
};

enum mx_msg_need {
	MX_MSG_NEED_8BITMIME = 1u << 0, /* send with BODY=8BITMIME */
	MX_MSG_NEED_SMTPUTF8 = 1u << 1, /* send with SMTPUTF8 */
};

struct mx_msg {
	uint8_t *data; /* the message, CRLF line ends, not stuffed */
	size_t len;    /* also the MAIL FROM SIZE= value (RFC 1870 §3) */
	char token[MX_MSG_TOKEN_LEN + 1];
	char *message_id; /* "<...@host>", as in the header */
	unsigned need;	  /* enum mx_msg_need bits */
	size_t wrapped;	  /* body lines broken by MX_MSG_LONG_WRAP */
	size_t padding;	  /* octets of padding added */
};

enum mx_msg_status {
	MX_MSG_OK = 0,
	MX_MSG_BAD_PARAM,     /* no from / no to / no random / bad host */
	MX_MSG_BAD_ADDRESS,   /* from or a to is not a Mailbox */
	MX_MSG_BAD_SUBJECT,   /* controls, ill-formed UTF-8, too long */
	MX_MSG_BAD_HEADER,    /* an extra header is malformed/reserved */
	MX_MSG_BAD_BODY,      /* NUL or ill-formed UTF-8 */
	MX_MSG_LINE_TOO_LONG, /* a line that cannot be kept <= 998 */
	MX_MSG_TOO_BIG,	      /* over MX_MSG_MAX_SIZE */
	MX_MSG_RANDOM_FAILED, /* the random source failed */
};

struct mx_msg_diag {
	enum mx_msg_status status;
	char text[200]; /* what was wrong; peer-free, printable */
};

/* Build the message.  Returns MX_MSG_OK and sets *out, or a status with
 * the detail in *diag (which may be NULL) and *out == NULL. */
enum mx_msg_status mx_msg_new(const struct mx_msg_params *p,
			      struct mx_msg **out, struct mx_msg_diag *diag);
void mx_msg_free(struct mx_msg *m);
const char *mx_msg_status_name(enum mx_msg_status s);

#endif
