/*
 * smtp.c - SMTP reply parser and EHLO keywords; see smtp.h for the API.
 *
 * Reply parser (RFC 5321 §4.2):
 *   Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *                   Reply-code [ SP textstring ] CRLF
 * The parser reads the fed bytes one at a time through a struct mx_cur,
 * collecting the current line in r->partial (at most MX_SMTP_MAX_LINE
 * bytes), and stops right after the LF that ends the last line of the
 * reply: later bytes are not consumed, so a caller that reads a reply to
 * STARTTLS keeps (and can discard or report) whatever the peer pipelined
 * behind it (RFC 3207 §4.2).
 *
 * Decisions, each taken as early as the bytes allow, so a hostile peer
 * cannot make the parser read on:
 *   - the first digit of a code must be 2..5 (RFC 5321 §4.2.1; 1yz is not
 *     used by SMTP), the second and third any digit; a continuation line
 *     must repeat the first line's code digit by digit; the fourth byte
 *     must be ' ', '-' or the line end (CR LF or bare LF).  Anything else
 *     is MX_SMTP_MALFORMED at the byte that breaks the rule.
 *   - a line that has reached MX_SMTP_MAX_LINE bytes without its LF can no
 *     longer end within the limit: MX_SMTP_LINE_TOO_LONG at that byte.
 *   - a reply whose MX_SMTP_MAX_LINES-th line is still a continuation
 *     ("250-") cannot end within the limit: MX_SMTP_TOO_MANY_LINES.
 *   - a reply that has used MX_SMTP_MAX_REPLY_BYTES bytes without ending:
 *     MX_SMTP_TOO_BIG.
 * On an error *used counts the bytes up to and including the deciding
 * byte; the status is sticky and later feeds consume nothing, and
 * mx_smtp_reply_bad_line() returns the bytes of the line that broke the
 * rule, from its first byte through the deciding one (the callers quote
 * them: nothing the peer sent is dropped from the evidence).
 * Line ends: LF ends a line; one CR before it is part of the line end.  A
 * CR elsewhere and NUL bytes are kept in the text as sent.
 *
 * EHLO (RFC 5321 §4.1.1.1): each line after the greeting line is
 *   ehlo-line = ehlo-keyword *( SP ehlo-param )
 * Keywords compare case-insensitively (RFC 5321 §2.4); a keyword ends at
 * SP, or at '=' for the pre-RFC 2554 "AUTH=PLAIN LOGIN" form that
 * Outlook-era servers still send.  Only a complete MX_SMTP_DONE reply
 * with code 250 yields capabilities.  SIZE (RFC 1870 §4) takes 1*20DIGIT;
 * a missing, malformed or out-of-range value leaves size 0.  AUTH
 * mechanisms (RFC 4954 §3, names per RFC 4422 §3.1: 1*20 of [A-Z0-9_-])
 * are upper-cased; a mechanism with any other byte is dropped whole, a
 * repeated one (AUTH and AUTH= lines together) is listed once, and the
 * list is cut before the first mechanism that would overflow `auth`.
 *
 * Ownership: the reply owns its line texts and the partial-line buffer;
 * mx_smtp_reply_free() releases them.  No global state.
 */
#include "wire/smtp.h"

#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/xalloc.h"

void mx_smtp_reply_init(struct mx_smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->status = MX_SMTP_MORE;
}

void mx_smtp_reply_free(struct mx_smtp_reply *r)
{
	size_t i;

	for (i = 0; i < r->nlines; i++)
		free(r->lines[i].text);
	free(r->lines);
	free(r->partial);
	mx_smtp_reply_init(r);
}

void mx_smtp_reply_reset(struct mx_smtp_reply *r)
{
	mx_smtp_reply_free(r);
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Digit i (0..2) of the first line's code, as a character. */
static uint8_t code_digit(int code, size_t i)
{
	static const int div[3] = {100, 10, 1};

	return (uint8_t)('0' + code / div[i] % 10);
}

/*
 * Check byte number `pos` (0-based) of the current line as soon as it
 * arrives.  Returns 0 if the line can still be a valid reply line.
 */
static int prefix_ok(const struct mx_smtp_reply *r, size_t pos, uint8_t c)
{
	if (pos < 3) {
		if (!is_digit(c))
			return 0;
		if (r->nlines > 0) /* RFC 5321 §4.2.1: same code throughout */
			return c == code_digit(r->code, pos);
		if (pos == 0) /* RFC 5321 §4.2: first digit 2..5 */
			return c >= '2' && c <= '5';
		return 1;
	}
	if (pos == 3)
		return c == ' ' || c == '-' || c == '\r' || c == '\n';
	if (pos == 4 && r->partial[3] == '\r')
		return c == '\n'; /* "250\r" must be "250\r\n" */
	return 1;
}

/*
 * A complete line (LF included) is in r->partial.  Returns MORE when a
 * continuation line was stored, DONE when the last line was, or an error.
 */
static enum mx_smtp_status finish_line(struct mx_smtp_reply *r)
{
	struct mx_cur c;
	struct mx_smtp_line *line;
	const uint8_t *text;
	size_t n = r->plen - 1; /* without the LF */
	size_t tlen;
	int code, last;
	uint8_t sep;

	if (n > 0 && r->partial[n - 1] == '\r')
		n--;
	else
		r->bare_lf++;
	mx_cur_init(&c, r->partial, n);
	code = (mx_cur_u8(&c) - '0') * 100;
	code += (mx_cur_u8(&c) - '0') * 10;
	code += mx_cur_u8(&c) - '0';
	if (!mx_cur_ok(&c))
		return MX_SMTP_MALFORMED; /* fewer than three bytes */
	sep = mx_cur_left(&c) > 0 ? mx_cur_u8(&c) : ' ';
	if (sep != ' ' && sep != '-')
		return MX_SMTP_MALFORMED;
	last = sep == ' ';
	tlen = mx_cur_left(&c);
	text = mx_cur_bytes(&c, tlen);
	if (!mx_cur_done(&c))
		return MX_SMTP_MALFORMED;

	MX_GROW(r->lines, r->nlines, r->cap);
	line = &r->lines[r->nlines];
	line->len = tlen;
	line->text = xmalloc(tlen + 1);
	if (tlen > 0)
		memcpy(line->text, text, tlen);
	line->text[tlen] = '\0';
	if (r->nlines == 0) {
		r->code = code;
		(void)mx_smtp_parse_enhanced(r->lines[0].text, r->lines[0].len,
					     code, r->enh);
	}
	r->nlines++;
	r->plen = 0;
	if (last)
		return MX_SMTP_DONE;
	if (r->nlines >= MX_SMTP_MAX_LINES)
		return MX_SMTP_TOO_MANY_LINES;
	return MX_SMTP_MORE;
}

enum mx_smtp_status mx_smtp_reply_feed(struct mx_smtp_reply *r,
				       const uint8_t *p, size_t len,
				       size_t *used)
{
	struct mx_cur c;
	size_t n = 0;

	*used = 0;
	if (r->status != MX_SMTP_MORE)
		return r->status;
	if (r->partial == NULL)
		r->partial = xmalloc(MX_SMTP_MAX_LINE);
	mx_cur_init(&c, p, len);
	while (r->status == MX_SMTP_MORE && mx_cur_left(&c) > 0) {
		uint8_t b = mx_cur_u8(&c);

		n++;
		r->bytes++;
		if (!prefix_ok(r, r->plen, b)) {
			/* Keep the deciding byte with the line (plen < 5 here),
			 * so the caller can quote the line as it was sent. */
			r->partial[r->plen++] = b;
			r->status = MX_SMTP_MALFORMED;
			break;
		}
		r->partial[r->plen++] = b;
		if (b == '\n')
			r->status = finish_line(r);
		else if (r->plen >= MX_SMTP_MAX_LINE)
			r->status = MX_SMTP_LINE_TOO_LONG;
		if (r->status == MX_SMTP_MORE &&
		    r->bytes >= MX_SMTP_MAX_REPLY_BYTES)
			r->status = MX_SMTP_TOO_BIG;
	}
	*used = n;
	return r->status;
}

const uint8_t *mx_smtp_reply_bad_line(const struct mx_smtp_reply *r,
				      size_t *len)
{
	*len = 0;
	if (r->status == MX_SMTP_MORE || r->status == MX_SMTP_DONE ||
	    r->partial == NULL)
		return NULL;
	*len = r->plen;
	return r->partial;
}

const char *mx_smtp_status_name(enum mx_smtp_status s)
{
	static const char *const t[] = {
		"more",		  "done",    "line_too_long",
		"too_many_lines", "too_big", "malformed",
	};

	if ((size_t)s < sizeof(t) / sizeof(t[0]))
		return t[s];
	return "unknown";
}

/* Read 1..3 digits into out + *n; returns the byte that ended the run,
 * or -1 at the end of the text, or -2 after a fourth digit. */
static int digits3(struct mx_cur *c, char *out, size_t *n)
{
	size_t k = 0;

	while (mx_cur_left(c) > 0) {
		uint8_t b = mx_cur_u8(c);

		if (!is_digit(b))
			return k > 0 ? b : -2;
		if (k == 3)
			return -2;
		out[(*n)++] = (char)b;
		k++;
	}
	return k > 0 ? -1 : -2;
}

/*
 * RFC 3463 §2: status-code = class "." subject "." detail, class 2/4/5,
 * subject and detail 1*3digit; RFC 2034 §4 puts SP between it and the
 * text.  The longest is "5.999.999" (9 bytes).
 */
size_t mx_smtp_parse_enhanced(const char *text, size_t len, int code, char *out)
{
	struct mx_cur c;
	char tmp[16];
	size_t n = 0;
	uint8_t cls;
	int end;

	out[0] = '\0';
	/* RFC 3463 §3.1: classes 2, 4 and 5 only. */
	if (text == NULL || code < 200 || code > 599 || code / 100 == 3)
		return 0;
	mx_cur_init(&c, (const uint8_t *)text, len);
	cls = mx_cur_u8(&c);
	if (!mx_cur_ok(&c) || cls != (uint8_t)('0' + code / 100))
		return 0;
	tmp[n++] = (char)cls;
	if (mx_cur_u8(&c) != '.')
		return 0;
	tmp[n++] = '.';
	if (digits3(&c, tmp, &n) != '.')
		return 0;
	tmp[n++] = '.';
	end = digits3(&c, tmp, &n);
	if (end != -1 && end != ' ')
		return 0;
	memcpy(out, tmp, n);
	out[n] = '\0';
	return n;
}

/* ---- EHLO ------------------------------------------------------------ */

/* STARTTLS RFC 3207, PIPELINING RFC 2920, SIZE RFC 1870, AUTH RFC 4954,
 * 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, CHUNKING and BINARYMIME RFC 3030,
 * REQUIRETLS RFC 8689, ENHANCEDSTATUSCODES RFC 2034, DSN RFC 3461,
 * DELIVERBY RFC 2852, ETRN RFC 1985, VRFY RFC 5321 §3.5.2. */
static const struct {
	const char *name;
	unsigned bit;
} ehlo_keywords[] = {
	{"STARTTLS", MX_SMTP_CAP_STARTTLS},
	{"PIPELINING", MX_SMTP_CAP_PIPELINING},
	{"SIZE", MX_SMTP_CAP_SIZE},
	{"AUTH", MX_SMTP_CAP_AUTH},
	{"8BITMIME", MX_SMTP_CAP_8BITMIME},
	{"SMTPUTF8", MX_SMTP_CAP_SMTPUTF8},
	{"CHUNKING", MX_SMTP_CAP_CHUNKING},
	{"REQUIRETLS", MX_SMTP_CAP_REQUIRETLS},
	{"ENHANCEDSTATUSCODES", MX_SMTP_CAP_ENHANCEDSTATUSCODES},
	{"DSN", MX_SMTP_CAP_DSN},
	{"BINARYMIME", MX_SMTP_CAP_BINARYMIME},
	{"DELIVERBY", MX_SMTP_CAP_DELIVERBY},
	{"ETRN", MX_SMTP_CAP_ETRN},
	{"VRFY", MX_SMTP_CAP_VRFY},
};

#define NKEYWORDS (sizeof(ehlo_keywords) / sizeof(ehlo_keywords[0]))
/* Longer than any keyword we know; RFC 4422 §3.1 mechanism names. */
#define MAX_KEYWORD 32
#define MAX_MECH 20

static uint8_t upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
}

static int is_sep(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * Read one token, upper-cased, into out (room for max bytes and a NUL).
 * The token ends at a separator (SP or HT, or '=' when stop_eq), which is
 * consumed, or at the end of the text.  *ok is cleared if the token holds
 * a byte outside [A-Z0-9_-] (after upper-casing) or is longer than max.
 */
static size_t token(struct mx_cur *c, char *out, size_t max, int stop_eq,
		    int *ok)
{
	size_t n = 0;

	*ok = 1;
	while (mx_cur_left(c) > 0) {
		uint8_t b = upper(mx_cur_u8(c));

		if (is_sep(b) || (stop_eq && b == '='))
			break;
		if (!((b >= 'A' && b <= 'Z') || is_digit(b) || b == '-' ||
		      b == '_'))
			*ok = 0;
		if (n < max)
			out[n] = (char)b;
		n++;
	}
	if (n > max) {
		*ok = 0;
		n = max;
	}
	out[n] = '\0';
	return n;
}

/* RFC 1870 §4: "SIZE" [SP size-param], size-param = 1*20DIGIT.  Returns
 * 0 if the value is absent, not all digits, or beyond 64 bits. */
static uint64_t parse_size(struct mx_cur *c)
{
	char d[20 + 1];
	uint64_t v = 0;
	size_t n = 0, i;
	int ok = 1;

	while (n == 0 && mx_cur_left(c) > 0)
		n = token(c, d, 20, 0, &ok);
	if (!ok)
		return 0;
	for (i = 0; i < n; i++) {
		uint64_t digit = (uint64_t)(d[i] - '0');

		if (!is_digit((uint8_t)d[i]) || v > (UINT64_MAX - digit) / 10)
			return 0;
		v = v * 10 + digit;
	}
	return v;
}

/* Nonzero if mechanism m is already a word of the list. */
static int auth_has(const char *list, const char *m)
{
	size_t ml = strlen(m);
	const char *p = list;

	while (*p != '\0') {
		size_t wl = strcspn(p, " ");

		if (wl == ml && memcmp(p, m, ml) == 0)
			return 1;
		p += wl;
		if (*p == ' ')
			p++;
	}
	return 0;
}

/* Append the valid mechanisms of an AUTH line; returns 0 once the list
 * is full (the caller stops adding: the cut is at a whole mechanism). */
static int parse_auth(struct mx_cur *c, char *list, size_t size)
{
	for (;;) {
		char m[MAX_MECH + 1];
		size_t have, ml;
		int ok;

		if (mx_cur_left(c) == 0)
			return 1;
		ml = token(c, m, MAX_MECH, 0, &ok);
		if (!ok || ml == 0 || auth_has(list, m))
			continue;
		have = strlen(list);
		if (have + (have > 0) + ml + 1 > size)
			return 0;
		if (have > 0)
			list[have++] = ' ';
		memcpy(list + have, m, ml + 1);
	}
}

void mx_smtp_parse_ehlo(const struct mx_smtp_reply *r, struct mx_smtp_ehlo *out)
{
	size_t i, k;
	int auth_full = 0, have_size = 0;

	memset(out, 0, sizeof(*out));
	if (r->status != MX_SMTP_DONE || r->code != 250)
		return;
	for (i = 1; i < r->nlines; i++) {
		struct mx_cur c;
		char kw[MAX_KEYWORD + 1];
		int ok;

		mx_cur_init(&c, (const uint8_t *)r->lines[i].text,
			    r->lines[i].len);
		(void)token(&c, kw, MAX_KEYWORD, 1, &ok);
		if (!ok)
			continue;
		for (k = 0; k < NKEYWORDS; k++)
			if (strcmp(kw, ehlo_keywords[k].name) == 0)
				break;
		if (k == NKEYWORDS)
			continue; /* unknown keywords are ignored */
		out->flags |= ehlo_keywords[k].bit;
		if (ehlo_keywords[k].bit == MX_SMTP_CAP_SIZE && !have_size) {
			have_size = 1;
			out->size = parse_size(&c);
		} else if (ehlo_keywords[k].bit == MX_SMTP_CAP_AUTH &&
			   !auth_full) {
			auth_full =
				!parse_auth(&c, out->auth, sizeof(out->auth));
		}
	}
}

const char *mx_smtp_cap_name(unsigned bit)
{
	size_t k;

	for (k = 0; k < NKEYWORDS; k++)
		if (ehlo_keywords[k].bit == bit)
			return ehlo_keywords[k].name;
	return NULL;
}
