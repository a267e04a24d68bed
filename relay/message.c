/*
 * message.c - the RFC 5322 test message; see message.h for the contract.
 *
 * The user's body and header texts are read through struct mx_cur (they
 * come from files and the command line); the message is written through a
 * capped struct mx_buf.
 */
#include "relay/message.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "common/base64.h"
#include "common/buf.h"
#include "common/cursor.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "wire/smtp_data.h"

/* RFC 5322 §2.1.1: lines SHOULD be at most 78 characters. */
#define FOLD_AT 78
/* RFC 2047 §2: an encoded-word is at most 75 characters; 45 octets of
 * text make 60 base64 characters, plus "=?utf-8?B?" and "?=". */
#define EW_CHUNK 45

int mx_relay_random_os(void *ctx, uint8_t *out, size_t n)
{
	size_t got = 0;

	(void)ctx;
	while (got < n) {
		ssize_t r = getrandom(out + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		got += (size_t)r;
	}
	return 1;
}

static enum mx_msg_status fail(struct mx_msg_diag *d, enum mx_msg_status st,
			       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum mx_msg_status fail(struct mx_msg_diag *d, enum mx_msg_status st,
			       const char *fmt, ...)
{
	va_list ap;

	if (d) {
		d->status = st;
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return st;
}

/* User text in a diagnostic: escaped and short. */
static void esc_short(const char *s, char *out, size_t outlen)
{
	char *e = mx_escape_str(s, outlen > 4 ? outlen - 4 : 1);

	snprintf(out, outlen, "%s", e);
	free(e);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int is_wsp(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* Write "Name: value" CRLF, folded (RFC 5322 §2.2.3, §3.2.2) before white
 * space so that lines stay within 78 characters where possible and
 * within 998 always; a folded line never holds only white space.
 * Returns 0 when a run without white space is too long for 998. */
static int push_folded(struct mx_buf *b, const char *name, const uint8_t *v,
		       size_t vlen)
{
	struct mx_buf line;
	size_t s = 0, min_break;
	int ok = 1;

	mx_buf_init(&line, 0);
	mx_buf_printf(&line, "%s: ", name);
	mx_buf_push(&line, v, vlen);
	/* The first line must keep "Name:" and something after it. */
	min_break = strlen(name) + 2;
	while (!line.err && line.len - s > FOLD_AT) {
		size_t pos = 0, i, lim = s + FOLD_AT;
		int seen = 0;

		for (i = s; i < line.len && (i <= lim || pos == 0); i++) {
			if (i - s > MX_MSG_MAX_LINE)
				break;
			if (is_wsp(line.p[i]) && seen && i > min_break) {
				pos = i;
				if (i > lim)
					break;
			} else if (!is_wsp(line.p[i])) {
				seen = 1;
			}
		}
		if (pos == 0) {
			if (line.len - s > MX_MSG_MAX_LINE)
				ok = 0;
			break;
		}
		mx_buf_push(b, line.p + s, pos - s);
		mx_buf_push(b, "\r\n", 2);
		s = pos;
	}
	if (ok) {
		mx_buf_push(b, line.p + s, line.len - s);
		mx_buf_push(b, "\r\n", 2);
	}
	mx_buf_free(&line);
	return ok;
}

/* Scan user text: printable ASCII, TAB and well-formed UTF-8 only.
 * Returns 0 at the first other octet; *utf8 is set when non-ASCII was
 * seen. */
static int text_ok(const char *s, size_t n, int *utf8)
{
	struct mx_cur c;

	mx_cur_init(&c, (const uint8_t *)s, n);
	while (mx_cur_left(&c) > 0) {
		uint8_t ch = c.p[0];
		size_t k;

		if (ch >= 0x80) {
			k = mx_utf8_seq(c.p, mx_cur_left(&c));
			if (k == 0)
				return 0;
			*utf8 = 1;
			mx_cur_skip(&c, k);
		} else if ((ch >= 0x20 && ch < 0x7f) || ch == '\t') {
			mx_cur_skip(&c, 1);
		} else {
			return 0;
		}
	}
	return 1;
}

/* RFC 2047 B encoded-words, each holding whole characters (§5 (3)),
 * separated by spaces for push_folded to break at. */
static void encode_words(const uint8_t *p, size_t n, struct mx_buf *out)
{
	char enc[MX_B64_ENCODED_LEN(EW_CHUNK) + 1];
	struct mx_cur c;

	mx_cur_init(&c, p, n);
	while (mx_cur_left(&c) > 0) {
		size_t take = 0, left = mx_cur_left(&c);

		while (take < left) {
			size_t k = c.p[take] >= 0x80 ? mx_utf8_seq(c.p + take,
								   left - take)
						     : 1;

			if (k == 0 || take + k > EW_CHUNK)
				break;
			take += k;
		}
		if (out->len)
			mx_buf_push_u8(out, ' ');
		mx_buf_push_str(out, "=?utf-8?B?");
		if (mx_b64_encode(mx_cur_bytes(&c, take), take, enc,
				  sizeof(enc)) < 0)
			mx_fatal(__func__, "an encoded-word does not fit");
		mx_buf_push_str(out, enc);
		mx_buf_push_str(out, "?=");
	}
}

/* Names this builder writes: RFC 5322 §3.6 allows each once. */
static const char *const reserved[] = {
	"Date",
	"From",
	"To",
	"Subject",
	"Message-ID",
	"MIME-Version",
	"Content-Type",
	"Content-Transfer-Encoding",
	"X-Mxprobe-Token",
};

/* "Name: value" -> name and value; returns 0 if malformed. */
static enum mx_msg_status check_header(const char *h, size_t idx,
				       size_t *namelen, const char **value,
				       int *utf8, struct mx_msg_diag *d)
{
	size_t n = 0, i;
	char shown[48];

	while (h[n] && h[n] != ':' && (unsigned char)h[n] >= 33 &&
	       (unsigned char)h[n] <= 126)
		n++;
	if (n == 0 || n > 76 || h[n] != ':')
		return fail(d, MX_MSG_BAD_HEADER,
			    "header %zu: not \"Name: value\" (name: 1-76 "
			    "printable characters, then ':')",
			    idx + 1);
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (strlen(reserved[i]) == n &&
		    strncasecmp(reserved[i], h, n) == 0)
			return fail(d, MX_MSG_BAD_HEADER,
				    "header %zu: %s is written by mxprobe "
				    "itself",
				    idx + 1, reserved[i]);
	}
	*namelen = n;
	*value = h + n + 1;
	while (is_wsp(**value))
		(*value)++;
	if (!text_ok(*value, strlen(*value), utf8)) {
		esc_short(h, shown, sizeof(shown));
		return fail(d, MX_MSG_BAD_HEADER,
			    "header %zu (%s): control characters (CR, LF, "
			    "...) or ill-formed UTF-8 in the value",
			    idx + 1, shown);
	}
	return MX_MSG_OK;
}

/* The body, CRLF line ends, checked and (optionally) wrapped. */
static enum mx_msg_status push_body(struct mx_buf *b, const uint8_t *p,
				    size_t n, enum mx_msg_long_lines mode,
				    struct mx_msg *m, int *eightbit,
				    struct mx_msg_diag *d)
{
	struct mx_cur c;
	size_t linelen = 0, lineno = 1;

	mx_cur_init(&c, p, n);
	while (mx_cur_left(&c) > 0) {
		uint8_t ch = c.p[0];
		size_t k = 1;

		if (ch == '\r' || ch == '\n') {
			mx_cur_skip(&c, 1);
			if (ch == '\r' && mx_cur_left(&c) > 0 && c.p[0] == '\n')
				mx_cur_skip(&c, 1);
			mx_buf_push(b, "\r\n", 2);
			linelen = 0;
			lineno++;
			continue;
		}
		if (ch == 0)
			return fail(d, MX_MSG_BAD_BODY, "body line %zu: NUL",
				    lineno);
		if (ch >= 0x80) {
			k = mx_utf8_seq(c.p, mx_cur_left(&c));
			if (k == 0)
				return fail(d, MX_MSG_BAD_BODY,
					    "body line %zu: not UTF-8 "
					    "(charset=utf-8 is declared)",
					    lineno);
			*eightbit = 1;
		}
		if (linelen + k > MX_MSG_MAX_LINE) {
			/* RFC 5322 §2.1.1 */
			if (mode != MX_MSG_LONG_WRAP)
				return fail(d, MX_MSG_LINE_TOO_LONG,
					    "body line %zu is longer than %d "
					    "octets (RFC 5322 2.1.1); wrap "
					    "it or allow wrapping",
					    lineno, MX_MSG_MAX_LINE);
			mx_buf_push(b, "\r\n", 2);
			m->wrapped++;
			linelen = 0;
		}
		mx_buf_push(b, mx_cur_bytes(&c, k), k);
		linelen += k;
	}
	if (n > 0 && linelen > 0)
		mx_buf_push(b, "\r\n", 2);
	return MX_MSG_OK;
}

/* Padding lines up to `want` octets (see message.h). */
static void pad(struct mx_buf *b, size_t want, struct mx_msg *m)
{
	static const char pattern[] = "mxprobe-padding-0123456789-abcdefghij"
				      "klmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTU"
				      "VWXYZ";
	_Static_assert(sizeof(pattern) - 1 >= FOLD_AT - 2, "pattern");
	size_t start = b->len;

	while (!b->err && b->len < want) {
		size_t r = want - b->len, line = r < FOLD_AT ? r : FOLD_AT;

		if (r == 1)
			line = 2; /* cannot make 1; one over */
		else if (r - line == 1)
			line--;
		mx_buf_push(b, pattern, line - 2);
		mx_buf_push(b, "\r\n", 2);
	}
	m->padding = b->len - start;
}

enum mx_msg_status mx_msg_new(const struct mx_msg_params *p,
			      struct mx_msg **out, struct mx_msg_diag *d)
{
	static const char *const wday[] = {"Sun", "Mon", "Tue", "Wed",
					   "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec"};
	const char *host = p->hostname ? p->hostname : "mxprobe.invalid";
	struct mx_msg *m = NULL;
	struct mx_buf b, tmp;
	enum mx_msg_status st = MX_MSG_OK;
	uint8_t rnd[24];
	char idhex[17], shown[64];
	struct tm tm;
	size_t i;
	int utf8, eightbit = 0;

	*out = NULL;
	if (d) {
		d->status = MX_MSG_OK;
		d->text[0] = 0;
	}
	mx_buf_init(&b, MX_MSG_MAX_SIZE);
	mx_buf_init(&tmp, 0);
	if (p->from == NULL || p->to == NULL || p->nto == 0 ||
	    p->random == NULL) {
		st = fail(d, MX_MSG_BAD_PARAM,
			  "a sender, at least one recipient and a random "
			  "source are required");
		goto out;
	}
	if (p->nto > MX_MSG_MAX_RCPTS || p->nheaders > MX_MSG_MAX_HEADERS) {
		st = fail(d, MX_MSG_BAD_PARAM,
			  "at most %d recipients and %d extra headers",
			  MX_MSG_MAX_RCPTS, MX_MSG_MAX_HEADERS);
		goto out;
	}
	utf8 = 0;
	if (!mx_smtp_domain_ok(host, strlen(host), &utf8) || utf8) {
		esc_short(host, shown, sizeof(shown));
		st = fail(d, MX_MSG_BAD_PARAM,
			  "host name \"%s\" is not an ASCII domain name",
			  shown);
		goto out;
	}
	if (gmtime_r(&p->date, &tm) == NULL || tm.tm_year + 1900 < 1900 ||
	    tm.tm_year + 1900 > 9999) {
		st = fail(d, MX_MSG_BAD_PARAM, "date out of range");
		goto out;
	}
	m = xcalloc(1, sizeof(*m));

	/* Addresses (RFC 5321 §4.1.2; UTF-8: RFC 6531). */
	utf8 = 0;
	if (!mx_smtp_mailbox_ok(p->from, strlen(p->from), &utf8)) {
		esc_short(p->from, shown, sizeof(shown));
		st = fail(d, MX_MSG_BAD_ADDRESS,
			  "sender \"%s\" is not an address (local@domain)",
			  shown);
		goto out;
	}
	for (i = 0; i < p->nto; i++) {
		if (p->to[i] == NULL ||
		    !mx_smtp_mailbox_ok(p->to[i], strlen(p->to[i]), &utf8)) {
			esc_short(p->to[i] ? p->to[i] : "", shown,
				  sizeof(shown));
			st = fail(d, MX_MSG_BAD_ADDRESS,
				  "recipient %zu \"%s\" is not an address "
				  "(local@domain)",
				  i + 1, shown);
			goto out;
		}
	}
	if (utf8)
		m->need |= MX_MSG_NEED_SMTPUTF8 | MX_MSG_NEED_8BITMIME;

	/* Token and Message-ID from the injected random source. */
	if (!p->random(p->random_ctx, rnd, sizeof(rnd))) {
		st = fail(d, MX_MSG_RANDOM_FAILED, "the random source failed");
		goto out;
	}
	hex(rnd, 16, m->token);
	hex(rnd + 16, 8, idhex);
	m->message_id = xasprintf("<%04d%02d%02d%02d%02d%02d.%s@%s>",
				  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				  tm.tm_hour, tm.tm_min, tm.tm_sec, idhex,
				  host);

	/* RFC 5322 §3.3 date-time, in UTC. */
	mx_buf_printf(&b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
		      wday[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
		      tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (!push_folded(&b, "From", (const uint8_t *)p->from, strlen(p->from)))
		goto too_long;
	for (i = 0; i < p->nto; i++) {
		if (i)
			mx_buf_push_str(&tmp, ", ");
		mx_buf_push_str(&tmp, p->to[i]);
	}
	if (!push_folded(&b, "To", tmp.p, tmp.len))
		goto too_long;

	/* Subject: ASCII as is, otherwise RFC 2047 encoded-words. */
	mx_buf_reset(&tmp);
	if (p->subject == NULL) {
		mx_buf_printf(&tmp, "mxprobe test %s", m->token);
	} else {
		size_t sl = strlen(p->subject);

		utf8 = 0;
		if (sl > MX_MSG_MAX_SUBJECT ||
		    !text_ok(p->subject, sl, &utf8)) {
			st = fail(d, MX_MSG_BAD_SUBJECT,
				  "subject: control characters, ill-formed "
				  "UTF-8 or more than %d octets",
				  MX_MSG_MAX_SUBJECT);
			goto out;
		}
		while (sl > 0 && is_wsp(p->subject[sl - 1]))
			sl--;
		if (utf8)
			encode_words((const uint8_t *)p->subject, sl, &tmp);
		else
			mx_buf_push(&tmp, p->subject, sl);
	}
	if (!push_folded(&b, "Subject", tmp.p, tmp.len))
		goto too_long;
	mx_buf_printf(&b, "Message-ID: %s\r\n", m->message_id);
	mx_buf_printf(&b, "X-Mxprobe-Token: %s\r\n", m->token);
	mx_buf_push_str(&b, "MIME-Version: 1.0\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\n");
	/* The encoding is known only after the body is checked: keep its
	 * place and write the body into tmp first. */
	mx_buf_reset(&tmp);
	if (p->body == NULL) {
		mx_buf_printf(&tmp,
			      "This is a test message sent by mxprobe.\r\n"
			      "Token: %s\r\n",
			      m->token);
	} else {
		st = push_body(&tmp, p->body, p->body_len, p->long_lines, m,
			       &eightbit, d);
		if (st != MX_MSG_OK)
			goto out;
	}
	/* RFC 2045 §6.2: 8bit when the body has octets >= 0x80. */
	if (eightbit)
		m->need |= MX_MSG_NEED_8BITMIME;
	mx_buf_printf(&b, "Content-Transfer-Encoding: %s\r\n",
		      eightbit ? "8bit" : "7bit");

	for (i = 0; i < p->nheaders; i++) {
		const char *value = NULL;
		size_t nl = 0;
		char name[80];

		utf8 = 0;
		if (p->headers[i] == NULL) {
			st = fail(d, MX_MSG_BAD_HEADER, "header %zu is NULL",
				  i + 1);
			goto out;
		}
		st = check_header(p->headers[i], i, &nl, &value, &utf8, d);
		if (st != MX_MSG_OK)
			goto out;
		if (utf8)
			m->need |= MX_MSG_NEED_SMTPUTF8 | MX_MSG_NEED_8BITMIME;
		memcpy(name, p->headers[i], nl);
		name[nl] = 0;
		{
			size_t vl = strlen(value);

			while (vl > 0 && is_wsp(value[vl - 1]))
				vl--;
			if (!push_folded(&b, name, (const uint8_t *)value, vl))
				goto too_long;
		}
	}
	mx_buf_push(&b, "\r\n", 2);
	mx_buf_push(&b, tmp.p, tmp.len);
	if (p->pad_to_size > MX_MSG_MAX_SIZE) {
		st = fail(d, MX_MSG_TOO_BIG, "padding over %u octets",
			  MX_MSG_MAX_SIZE);
		goto out;
	}
	pad(&b, p->pad_to_size, m);
	if (b.err) {
		st = fail(d, MX_MSG_TOO_BIG, "message over %u octets",
			  MX_MSG_MAX_SIZE);
		goto out;
	}
	m->data = mx_buf_take(&b, &m->len);
	*out = m;
	m = NULL;
	goto out;
too_long:
	st = fail(d, MX_MSG_LINE_TOO_LONG,
		  "a header has a word too long to fold into %d octets "
		  "(RFC 5322 2.1.1)",
		  MX_MSG_MAX_LINE);
out:
	mx_msg_free(m);
	mx_buf_free(&b);
	mx_buf_free(&tmp);
	return st;
}

void mx_msg_free(struct mx_msg *m)
{
	if (m == NULL)
		return;
	free(m->data);
	free(m->message_id);
	free(m);
}

const char *mx_msg_status_name(enum mx_msg_status s)
{
	switch (s) {
	case MX_MSG_OK:
		return "ok";
	case MX_MSG_BAD_PARAM:
		return "bad_param";
	case MX_MSG_BAD_ADDRESS:
		return "bad_address";
	case MX_MSG_BAD_SUBJECT:
		return "bad_subject";
	case MX_MSG_BAD_HEADER:
		return "bad_header";
	case MX_MSG_BAD_BODY:
		return "bad_body";
	case MX_MSG_LINE_TOO_LONG:
		return "line_too_long";
	case MX_MSG_TOO_BIG:
		return "too_big";
	case MX_MSG_RANDOM_FAILED:
		return "random_failed";
	}
	return "unknown";
}
