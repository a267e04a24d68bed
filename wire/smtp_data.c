/*
 * smtp_data.c - DATA payload (dot-stuffing both ways) and server-side
 * command parsing; see smtp_data.h for the contract and the limits.
 *
 * Every scan reads through struct mx_cur: a byte is looked at only after
 * mx_cur_left() said it exists (peek()), and taken with mx_cur_u8() /
 * mx_cur_bytes().
 */
#include "wire/smtp_data.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "common/escape.h"
#include "common/xalloc.h"

/* The next byte, or -1 at the end (or after an error). */
static int peek(const struct mx_cur *c)
{
	return mx_cur_left(c) ? c->p[0] : -1;
}

/* Length of the run at the cursor made of bytes that are not CR, LF or
 * NUL (the bytes the DATA scanners treat specially). */
static size_t plain_run(const struct mx_cur *c)
{
	size_t left = mx_cur_left(c), n = 0;

	while (n < left && c->p[n] != '\r' && c->p[n] != '\n' && c->p[n] != 0)
		n++;
	return n;
}

static size_t count_8bit(const uint8_t *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] >= 0x80;
	return k;
}

/* ---- client side: dot-stuffing ---------------------------------------- */

enum mx_data_status mx_smtp_dot_stuff(const uint8_t *msg, size_t len,
				      size_t max_line, struct mx_buf *out,
				      struct mx_data_stats *stp)
{
	struct mx_data_stats st_local, *st = stp ? stp : &st_local;
	struct mx_cur c;
	size_t linelen = 0, wirelen = 0;
	int at_start = 1;

	memset(st, 0, sizeof(*st));
	if (max_line == 0)
		max_line = MX_SMTP_DATA_MAX_LINE;
	mx_cur_init(&c, msg, len);
	while (mx_cur_left(&c) > 0) {
		size_t n = plain_run(&c);
		int ch;

		if (n > 0) {
			const uint8_t *run = mx_cur_bytes(&c, n);

			/* RFC 5321 §4.5.2: a line that starts with "." gets
			 * one more; it is on the wire, so it counts towards
			 * the line length (but not towards the SIZE). */
			if (at_start && run[0] == '.') {
				mx_buf_push_u8(out, '.');
				st->stuffed++;
				wirelen++;
			}
			at_start = 0;
			mx_buf_push(out, run, n);
			st->eightbit += count_8bit(run, n);
			linelen += n;
			wirelen += n;
			if (wirelen > max_line)
				return MX_DATA_LINE_TOO_LONG;
			continue;
		}
		ch = mx_cur_u8(&c);
		if (ch == 0) {
			st->nul++;
			return MX_DATA_NUL;
		}
		if (ch == '\r') {
			if (peek(&c) == '\n')
				mx_cur_skip(&c, 1);
			else
				st->bare_cr++;
		} else {
			st->bare_lf++;
		}
		/* RFC 5321 §2.3.8: lines end in CRLF, whatever came in. */
		mx_buf_push(out, "\r\n", 2);
		st->lines++;
		st->octets += linelen + 2;
		if (linelen > st->longest)
			st->longest = linelen;
		linelen = wirelen = 0;
		at_start = 1;
	}
	if (!at_start) {
		/* The last line had no line end: give it one. */
		mx_buf_push(out, "\r\n", 2);
		st->lines++;
		st->octets += linelen + 2;
		if (linelen > st->longest)
			st->longest = linelen;
	}
	/* RFC 5321 §4.1.1.4: the end of mail data is CRLF "." CRLF. */
	mx_buf_push(out, ".\r\n", 3);
	return out->err ? MX_DATA_TOO_BIG : MX_DATA_OK;
}

/* ---- server side: the DATA reader ------------------------------------ */

enum {
	RS_BOL = 0, /* at the start of a line */
	RS_DOT,	    /* "." at the start of a line */
	RS_DOT_CR,  /* ".\r" at the start of a line */
	RS_TEXT,    /* inside a line */
	RS_CR,	    /* CR inside a line */
	RS_END,
};

void mx_smtp_data_reader_init(struct mx_smtp_data_reader *r, size_t max_size,
			      size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->max_size = max_size;
	r->max_line = max_line ? max_line : MX_SMTP_DATA_MAX_LINE;
	r->state = RS_BOL;
	r->first_err = MX_DATA_OK;
	r->status = MX_DATA_MORE;
}

static void data_err(struct mx_smtp_data_reader *r, enum mx_data_status e)
{
	if (r->first_err == MX_DATA_OK)
		r->first_err = e;
}

/* Append message bytes unless a problem already condemned the message. */
static void data_emit(struct mx_smtp_data_reader *r, struct mx_buf *out,
		      const void *p, size_t n)
{
	r->st.octets += n;
	if (r->max_size && r->st.octets > r->max_size)
		data_err(r, MX_DATA_TOO_BIG);
	if (r->first_err != MX_DATA_OK)
		return;
	if (!mx_buf_push(out, p, n))
		data_err(r, MX_DATA_TOO_BIG);
}

static void data_text_octets(struct mx_smtp_data_reader *r, size_t n)
{
	r->linelen += n;
	if (r->linelen > r->max_line)
		data_err(r, MX_DATA_LINE_TOO_LONG);
}

static void data_line_end(struct mx_smtp_data_reader *r, struct mx_buf *out)
{
	data_emit(r, out, "\r\n", 2);
	r->st.lines++;
	if (r->linelen > r->st.longest)
		r->st.longest = r->linelen;
	r->linelen = 0;
	r->state = RS_BOL;
}

/* One octet that is not a line end, inside a line. */
static void data_octet(struct mx_smtp_data_reader *r, struct mx_buf *out,
		       uint8_t ch)
{
	if (ch == 0) {
		r->st.nul++;
		data_err(r, MX_DATA_NUL);
	} else if (ch == '\n') {
		/* Not a line end here (SMTP smuggling); kept as text. */
		r->st.bare_lf++;
		data_err(r, MX_DATA_BARE_LF);
	}
	if (ch >= 0x80)
		r->st.eightbit++;
	data_text_octets(r, 1);
	data_emit(r, out, &ch, 1);
	r->state = RS_TEXT;
}

enum mx_data_status mx_smtp_data_feed(struct mx_smtp_data_reader *r,
				      const uint8_t *p, size_t len,
				      size_t *used, struct mx_buf *out)
{
	struct mx_cur c;

	*used = 0;
	if (r->status != MX_DATA_MORE)
		return r->status;
	mx_cur_init(&c, p, len);
	while (mx_cur_left(&c) > 0 && r->state != RS_END) {
		size_t n;
		uint8_t ch;

		if (r->state == RS_TEXT && (n = plain_run(&c)) > 0) {
			const uint8_t *run = mx_cur_bytes(&c, n);

			r->st.eightbit += count_8bit(run, n);
			data_text_octets(r, n);
			data_emit(r, out, run, n);
			continue;
		}
		ch = mx_cur_u8(&c);
		switch (r->state) {
		case RS_BOL:
			if (ch == '.') {
				data_text_octets(r, 1);
				r->state = RS_DOT;
			} else if (ch == '\r') {
				r->state = RS_CR;
			} else {
				data_octet(r, out, ch);
			}
			break;
		case RS_DOT:
			/* RFC 5321 §4.5.2: a line of "." alone ends the
			 * data; otherwise the first "." is deleted. */
			if (ch == '\r') {
				r->state = RS_DOT_CR;
			} else {
				r->st.stuffed++;
				data_octet(r, out, ch);
			}
			break;
		case RS_DOT_CR:
			if (ch == '\n') {
				r->state = RS_END;
				break;
			}
			/* ".\r" then something else: a bare CR in a line
			 * whose (deleted) first octet was a dot. */
			r->st.stuffed++;
			r->st.bare_cr++;
			data_err(r, MX_DATA_BARE_CR);
			data_emit(r, out, "\r", 1);
			data_text_octets(r, 1);
			if (ch == '\r')
				r->state = RS_CR;
			else
				data_octet(r, out, ch);
			break;
		case RS_TEXT:
			if (ch == '\r')
				r->state = RS_CR;
			else
				data_octet(r, out, ch);
			break;
		case RS_CR:
			if (ch == '\n') {
				data_line_end(r, out);
				break;
			}
			r->st.bare_cr++;
			data_err(r, MX_DATA_BARE_CR);
			data_text_octets(r, 1);
			data_emit(r, out, "\r", 1);
			if (ch == '\r')
				r->state = RS_CR;
			else
				data_octet(r, out, ch);
			break;
		default:
			mx_fatal(__func__, "bad reader state");
		}
	}
	*used = len - mx_cur_left(&c);
	if (r->state != RS_END)
		return MX_DATA_MORE;
	r->status = r->first_err;
	if (r->status != MX_DATA_OK)
		mx_buf_reset(out);
	return r->status;
}

const char *mx_data_status_name(enum mx_data_status s)
{
	switch (s) {
	case MX_DATA_MORE:
		return "more";
	case MX_DATA_OK:
		return "ok";
	case MX_DATA_TOO_BIG:
		return "too_big";
	case MX_DATA_LINE_TOO_LONG:
		return "line_too_long";
	case MX_DATA_BARE_LF:
		return "bare_lf";
	case MX_DATA_BARE_CR:
		return "bare_cr";
	case MX_DATA_NUL:
		return "nul";
	}
	return "unknown";
}

/* ---- syntax of paths (RFC 5321 §4.1.2) -------------------------------- */

/* Read one well-formed UTF-8 sequence (RFC 3629 §4) whose lead byte is
 * next; returns 0 and marks the cursor invalid otherwise. */
static int take_utf8(struct mx_cur *c)
{
	uint8_t b0 = mx_cur_u8(c), b1;
	size_t more, i;

	if (b0 >= 0xc2 && b0 <= 0xdf)
		more = 1;
	else if (b0 >= 0xe0 && b0 <= 0xef)
		more = 2;
	else if (b0 >= 0xf0 && b0 <= 0xf4)
		more = 3;
	else
		goto bad;
	if (peek(c) < 0)
		goto bad;
	b1 = (uint8_t)peek(c);
	/* No overlongs, no surrogates, nothing past U+10FFFF. */
	if ((b0 == 0xe0 && b1 < 0xa0) || (b0 == 0xed && b1 > 0x9f) ||
	    (b0 == 0xf0 && b1 < 0x90) || (b0 == 0xf4 && b1 > 0x8f))
		goto bad;
	for (i = 0; i < more; i++) {
		int ch = peek(c);

		if (ch < 0x80 || ch > 0xbf)
			goto bad;
		mx_cur_skip(c, 1);
	}
	return 1;
bad:
	mx_cur_invalid(c);
	return 0;
}

size_t mx_utf8_seq(const uint8_t *p, size_t n)
{
	struct mx_cur c;

	mx_cur_init(&c, p, n);
	if (n == 0 || p[0] < 0x80 || !take_utf8(&c))
		return 0;
	return n - mx_cur_left(&c);
}

static int is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* RFC 5322 §3.2.3 atext. */
static int is_atext(int ch)
{
	return ch > 0 && (is_alpha(ch) || is_digit(ch) ||
			  strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

/* Domain at the cursor, stopping at the first octet that cannot belong
 * to it; returns its length, 0 if invalid (RFC 5321 §4.1.2: sub-domain =
 * Let-dig [Ldh-str]; RFC 1035 §2.3.4: labels of at most 63 octets).
 * allow_us tolerates '_' (seen in EHLO names of Windows hosts). */
static size_t read_domain(struct mx_cur *c, int allow_us, int *utf8)
{
	const uint8_t *start = c->p;
	size_t label = 0;
	int last = 0; /* last octet of the current label */

	for (;;) {
		const uint8_t *before = c->p;
		int ch = peek(c);

		if (ch >= 0x80) {
			if (!take_utf8(c))
				return 0;
			*utf8 = 1;
			last = 'a';
		} else if (is_alpha(ch) || is_digit(ch) ||
			   (allow_us && ch == '_')) {
			mx_cur_skip(c, 1);
			last = ch;
		} else if (ch == '-') {
			if (label == 0)
				return 0; /* Let-dig first */
			mx_cur_skip(c, 1);
			last = ch;
		} else if (ch == '.') {
			if (label == 0 || last == '-')
				return 0;
			mx_cur_skip(c, 1);
			label = 0;
			last = 0;
			continue;
		} else {
			break;
		}
		label += (size_t)(c->p - before);
		if (label > 63)
			return 0;
	}
	if (c->p == start || label == 0 || last == '-')
		return 0;
	return (size_t)(c->p - start);
}

/* address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" dcontent ) "]" */
static int read_address_literal(struct mx_cur *c)
{
	char tmp[64];
	const uint8_t *s;
	size_t n = 0, left;

	if (mx_cur_u8(c) != '[')
		return 0;
	left = mx_cur_left(c);
	s = c->p;
	while (n < left && s[n] != ']' && n < sizeof(tmp) - 1)
		n++;
	if (n == left || s[n] != ']' || n == 0)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	mx_cur_skip(c, n + 1);
	if (n > 5 && strncasecmp(tmp, "IPv6:", 5) == 0) {
		struct in6_addr a6;
		return inet_pton(AF_INET6, tmp + 5, &a6) == 1;
	}
	if (is_digit(tmp[0])) {
		struct in_addr a4;
		return inet_pton(AF_INET, tmp, &a4) == 1;
	}
	/* General-address-literal: Standardized-tag ":" 1*dcontent */
	{
		size_t i = 0;
		while (i < n &&
		       (is_alpha(tmp[i]) || is_digit(tmp[i]) || tmp[i] == '-'))
			i++;
		if (i == 0 || i >= n || tmp[i] != ':' || i + 1 >= n)
			return 0;
		for (i++; i < n; i++)
			if (tmp[i] < 33 || tmp[i] > 126 || tmp[i] == '[' ||
			    tmp[i] == '\\')
				return 0;
	}
	return 1;
}

struct mbox {
	size_t local_len, domain_len;
	int utf8, literal, no_domain;
};

/* Local-part = Dot-string / Quoted-string; reads it and returns its
 * length, 0 if invalid. */
static size_t read_local(struct mx_cur *c, int *utf8)
{
	const uint8_t *start = c->p;
	int ch = peek(c);

	if (ch == '"') {
		mx_cur_skip(c, 1);
		for (;;) {
			ch = peek(c);
			if (ch < 0)
				return 0;
			if (ch == '"') {
				mx_cur_skip(c, 1);
				break;
			}
			if (ch == '\\') {
				/* quoted-pairSMTP = "\" %d32-126 */
				mx_cur_skip(c, 1);
				ch = peek(c);
				if (ch < 32 || ch > 126)
					return 0;
				mx_cur_skip(c, 1);
			} else if (ch >= 0x80) {
				if (!take_utf8(c))
					return 0;
				*utf8 = 1;
			} else if (ch >= 32 && ch <= 126) {
				mx_cur_skip(c, 1);
			} else {
				return 0;
			}
		}
		return (size_t)(c->p - start);
	}
	/* Dot-string = Atom *("." Atom) */
	for (;;) {
		size_t atom = 0;

		for (;;) {
			ch = peek(c);
			if (ch >= 0x80) {
				if (!take_utf8(c))
					return 0;
				*utf8 = 1;
			} else if (is_atext(ch)) {
				mx_cur_skip(c, 1);
			} else {
				break;
			}
			atom++;
		}
		if (atom == 0)
			return 0;
		if (peek(c) != '.')
			break;
		mx_cur_skip(c, 1);
	}
	return (size_t)(c->p - start);
}

/* Mailbox = Local-part "@" ( Domain / address-literal ).  With
 * allow_bare, a local part alone is accepted (RCPT TO:<postmaster>) and
 * flagged.  Returns 1 if valid. */
static int read_mailbox(struct mx_cur *c, int allow_bare, struct mbox *m)
{
	memset(m, 0, sizeof(*m));
	m->local_len = read_local(c, &m->utf8);
	if (m->local_len == 0 || !mx_cur_ok(c))
		return 0;
	if (peek(c) != '@') {
		if (!allow_bare)
			return 0;
		m->no_domain = 1;
		return 1;
	}
	mx_cur_skip(c, 1);
	if (peek(c) == '[') {
		const uint8_t *s = c->p;

		if (!read_address_literal(c))
			return 0;
		m->literal = 1;
		m->domain_len = (size_t)(c->p - s);
		return 1;
	}
	m->domain_len = read_domain(c, 0, &m->utf8);
	return m->domain_len > 0 && mx_cur_ok(c);
}

int mx_smtp_mailbox_ok(const char *s, size_t len, int *utf8)
{
	struct mx_cur c;
	struct mbox m;

	mx_cur_init(&c, (const uint8_t *)s, len);
	if (!read_mailbox(&c, 0, &m) || !mx_cur_done(&c))
		return 0;
	if (m.local_len > MX_SMTP_MAX_LOCAL ||
	    m.domain_len > MX_SMTP_MAX_DOMAIN)
		return 0;
	if (utf8)
		*utf8 = m.utf8;
	return 1;
}

int mx_smtp_domain_ok(const char *s, size_t len, int *utf8)
{
	struct mx_cur c;
	int u = 0;
	size_t n;

	mx_cur_init(&c, (const uint8_t *)s, len);
	n = read_domain(&c, 0, &u);
	if (n == 0 || n > MX_SMTP_MAX_DOMAIN || !mx_cur_done(&c))
		return 0;
	if (utf8)
		*utf8 = u;
	return 1;
}

/* ---- command lines ------------------------------------------------------ */

enum argkind {
	ARG_NONE,
	ARG_OPTIONAL,
	ARG_REQUIRED,
	ARG_DOMAIN,
	ARG_MAIL,
	ARG_RCPT
};

static const struct verb_entry {
	const char *name;
	enum mx_smtp_verb verb;
	enum argkind args;
} verbs[] = {
	{"EHLO", MX_VERB_EHLO, ARG_DOMAIN}, /* RFC 5321 §4.1.1.1 */
	{"HELO", MX_VERB_HELO, ARG_DOMAIN},
	{"MAIL", MX_VERB_MAIL, ARG_MAIL},	  /* §4.1.1.2 */
	{"RCPT", MX_VERB_RCPT, ARG_RCPT},	  /* §4.1.1.3 */
	{"DATA", MX_VERB_DATA, ARG_NONE},	  /* §4.1.1.4 */
	{"RSET", MX_VERB_RSET, ARG_NONE},	  /* §4.1.1.5 */
	{"NOOP", MX_VERB_NOOP, ARG_OPTIONAL},	  /* §4.1.1.9 */
	{"QUIT", MX_VERB_QUIT, ARG_NONE},	  /* §4.1.1.10 */
	{"STARTTLS", MX_VERB_STARTTLS, ARG_NONE}, /* RFC 3207 §4 */
	{"VRFY", MX_VERB_VRFY, ARG_REQUIRED},	  /* §4.1.1.6 */
	{"EXPN", MX_VERB_EXPN, ARG_REQUIRED},	  /* §4.1.1.7 */
	{"HELP", MX_VERB_HELP, ARG_OPTIONAL},	  /* §4.1.1.8 */
	{"AUTH", MX_VERB_AUTH, ARG_REQUIRED},	  /* RFC 4954 §4 */
	{"BDAT", MX_VERB_BDAT, ARG_REQUIRED},	  /* RFC 3030 §2 */
};

const char *mx_smtp_verb_name(enum mx_smtp_verb v)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == v)
			return verbs[i].name;
	return v == MX_VERB_UNKNOWN ? "unknown" : "none";
}

const char *mx_cmd_status_name(enum mx_cmd_status s)
{
	switch (s) {
	case MX_CMD_MORE:
		return "more";
	case MX_CMD_OK:
		return "ok";
	case MX_CMD_LINE_TOO_LONG:
		return "line_too_long";
	case MX_CMD_BARE_LF:
		return "bare_lf";
	case MX_CMD_BARE_CR:
		return "bare_cr";
	case MX_CMD_NUL:
		return "nul";
	case MX_CMD_UNKNOWN:
		return "unknown_command";
	case MX_CMD_SYNTAX:
		return "syntax";
	case MX_CMD_BAD_PATH:
		return "bad_path";
	case MX_CMD_PATH_TOO_LONG:
		return "path_too_long";
	case MX_CMD_BAD_PARAM:
		return "bad_param";
	}
	return "unknown";
}

static enum mx_cmd_status fail(struct mx_smtp_cmd *cmd, enum mx_cmd_status st,
			       const char *why, const uint8_t *peer,
			       size_t peerlen)
{
	size_t n = strlen(why);

	if (n >= sizeof(cmd->detail))
		n = sizeof(cmd->detail) - 1;
	memcpy(cmd->detail, why, n);
	cmd->detail[n] = 0;
	if (peer && peerlen && n + 4 < sizeof(cmd->detail)) {
		/* Escaped, and short: it ends up in a reply line. */
		char *e = mx_escape(peer, peerlen, sizeof(cmd->detail) - n - 4);
		size_t el = strlen(e);

		if (el > sizeof(cmd->detail) - n - 2)
			el = sizeof(cmd->detail) - n - 2;
		cmd->detail[n] = ' ';
		memcpy(cmd->detail + n + 1, e, el);
		cmd->detail[n + 1 + el] = 0;
		free(e);
	}
	return st;
}

static int skip_spaces(struct mx_cur *c)
{
	int n = 0;

	while (peek(c) == ' ') {
		mx_cur_skip(c, 1);
		n++;
	}
	return n;
}

/* Case-insensitive match of a literal at the cursor; consumes it. */
static int take_word(struct mx_cur *c, const char *w)
{
	size_t n = strlen(w);

	if (mx_cur_left(c) < n || strncasecmp((const char *)c->p, w, n) != 0)
		return 0;
	mx_cur_skip(c, n);
	return 1;
}

static void set_arg(struct mx_smtp_cmd *cmd, const uint8_t *p, size_t n)
{
	if (n >= sizeof(cmd->arg))
		n = sizeof(cmd->arg) - 1;
	memcpy(cmd->arg, p, n);
	cmd->arg[n] = 0;
	cmd->arglen = n;
}

/* Path = "<" [ A-d-l ":" ] Mailbox ">"; Reverse-path adds "<>". */
static enum mx_cmd_status parse_path(struct mx_cur *c, struct mx_smtp_cmd *cmd,
				     int is_mail)
{
	const uint8_t *open = c->p, *mb;
	struct mbox m;
	int u = 0;

	if (peek(c) != '<')
		return fail(cmd, MX_CMD_BAD_PATH, "path must be in <>", NULL,
			    0);
	mx_cur_skip(c, 1);
	if (peek(c) == '>') {
		mx_cur_skip(c, 1);
		if (!is_mail)
			return fail(cmd, MX_CMD_BAD_PATH,
				    "null path not allowed here", NULL, 0);
		cmd->null_path = 1;
		set_arg(cmd, (const uint8_t *)"", 0);
		return MX_CMD_OK;
	}
	/* A-d-l = At-domain *( "," At-domain ): parsed, then dropped. */
	if (peek(c) == '@') {
		for (;;) {
			mx_cur_skip(c, 1); /* '@' */
			if (read_domain(c, 0, &u) == 0)
				return fail(cmd, MX_CMD_BAD_PATH,
					    "bad source route", NULL, 0);
			if (peek(c) != ',')
				break;
			mx_cur_skip(c, 1);
			if (peek(c) != '@')
				return fail(cmd, MX_CMD_BAD_PATH,
					    "bad source route", NULL, 0);
		}
		if (peek(c) != ':')
			return fail(cmd, MX_CMD_BAD_PATH, "bad source route",
				    NULL, 0);
		mx_cur_skip(c, 1);
	}
	mb = c->p;
	if (!read_mailbox(c, !is_mail, &m) || !mx_cur_ok(c) || peek(c) != '>')
		return fail(cmd, MX_CMD_BAD_PATH, "bad address syntax", NULL,
			    0);
	if (m.no_domain) {
		/* RFC 5321 §4.1.1.3: only "<Postmaster>" may omit the
		 * domain. */
		if (m.local_len != 10 ||
		    strncasecmp((const char *)mb, "postmaster", 10) != 0)
			return fail(cmd, MX_CMD_BAD_PATH,
				    "address needs a domain", NULL, 0);
		cmd->postmaster = 1;
	}
	set_arg(cmd, mb, (size_t)(c->p - mb));
	mx_cur_skip(c, 1); /* '>' */
	/* RFC 5321 §4.5.3.1.1-3. */
	if (m.local_len > MX_SMTP_MAX_LOCAL ||
	    m.domain_len > MX_SMTP_MAX_DOMAIN ||
	    (size_t)(c->p - open) > MX_SMTP_MAX_PATH)
		return fail(cmd, MX_CMD_PATH_TOO_LONG, "path too long", NULL,
			    0);
	cmd->utf8 = m.utf8 || u;
	cmd->address_literal = m.literal;
	return MX_CMD_OK;
}

/* esmtp-param = esmtp-keyword ["=" esmtp-value] (RFC 5321 §4.1.2). */
static enum mx_cmd_status parse_params(struct mx_cur *c,
				       struct mx_smtp_cmd *cmd, int is_mail)
{
	while (mx_cur_left(c) > 0) {
		const uint8_t *kw, *val = NULL;
		size_t kwlen = 0, vallen = 0;

		if (skip_spaces(c) == 0)
			return fail(cmd, MX_CMD_SYNTAX, "junk after the path",
				    NULL, 0);
		if (mx_cur_left(c) == 0)
			break; /* trailing spaces */
		kw = c->p;
		while (is_alpha(peek(c)) || is_digit(peek(c)) ||
		       (kwlen > 0 && peek(c) == '-')) {
			mx_cur_skip(c, 1);
			kwlen++;
		}
		if (kwlen == 0)
			return fail(cmd, MX_CMD_SYNTAX, "bad parameter", NULL,
				    0);
		if (peek(c) == '=') {
			mx_cur_skip(c, 1);
			val = c->p;
			while (peek(c) >= 33 && peek(c) <= 126 &&
			       peek(c) != '=') {
				mx_cur_skip(c, 1);
				vallen++;
			}
			if (vallen == 0)
				return fail(cmd, MX_CMD_SYNTAX,
					    "empty parameter value", kw, kwlen);
		}
		if (peek(c) >= 0 && peek(c) != ' ')
			return fail(cmd, MX_CMD_SYNTAX, "bad parameter", kw,
				    kwlen);
		if (!is_mail)
			return fail(cmd, MX_CMD_BAD_PARAM,
				    "unsupported parameter", kw, kwlen);
		if (kwlen == 4 &&
		    strncasecmp((const char *)kw, "SIZE", 4) == 0) {
			/* RFC 1870 §3: SIZE=1*20DIGIT */
			uint64_t v = 0;
			size_t i;

			if (cmd->has_size || val == NULL || vallen > 20)
				return fail(cmd, MX_CMD_BAD_PARAM, "bad SIZE",
					    NULL, 0);
			for (i = 0; i < vallen; i++) {
				uint64_t d = (uint64_t)(val[i] - '0');

				if (!is_digit(val[i]) ||
				    v > (UINT64_MAX - d) / 10)
					return fail(cmd, MX_CMD_BAD_PARAM,
						    "bad SIZE", NULL, 0);
				v = v * 10 + d;
			}
			cmd->has_size = 1;
			cmd->size = v;
		} else if (kwlen == 4 &&
			   strncasecmp((const char *)kw, "BODY", 4) == 0) {
			/* RFC 6152 §2 */
			if (cmd->body != MX_BODY_NONE || val == NULL)
				return fail(cmd, MX_CMD_BAD_PARAM, "bad BODY",
					    NULL, 0);
			if (vallen == 4 &&
			    strncasecmp((const char *)val, "7BIT", 4) == 0)
				cmd->body = MX_BODY_7BIT;
			else if (vallen == 8 && strncasecmp((const char *)val,
							    "8BITMIME", 8) == 0)
				cmd->body = MX_BODY_8BITMIME;
			else
				return fail(cmd, MX_CMD_BAD_PARAM, "bad BODY",
					    val, vallen);
		} else if (kwlen == 8 &&
			   strncasecmp((const char *)kw, "SMTPUTF8", 8) == 0) {
			/* RFC 6531 §3.4: no value */
			if (val != NULL || cmd->smtputf8)
				return fail(cmd, MX_CMD_BAD_PARAM,
					    "bad SMTPUTF8", NULL, 0);
			cmd->smtputf8 = 1;
		} else {
			return fail(cmd, MX_CMD_BAD_PARAM,
				    "unsupported parameter", kw, kwlen);
		}
	}
	return MX_CMD_OK;
}

enum mx_cmd_status mx_smtp_cmd_parse(const uint8_t *line, size_t len,
				     struct mx_smtp_cmd *cmd)
{
	const struct verb_entry *ve = NULL;
	struct mx_cur c;
	const uint8_t *vp;
	size_t i, vlen = 0;
	enum mx_cmd_status st;

	memset(cmd, 0, sizeof(*cmd));
	/* Line end: CRLF is the only one (RFC 5321 §2.3.8). */
	if (len >= 2 && line[len - 2] == '\r' && line[len - 1] == '\n') {
		len -= 2;
	} else if (len >= 1 && line[len - 1] == '\n') {
		return fail(cmd, MX_CMD_BARE_LF, "bare LF", NULL, 0);
	}
	for (i = 0; i < len; i++) {
		if (line[i] == 0)
			return fail(cmd, MX_CMD_NUL, "NUL in command", NULL, 0);
		if (line[i] == '\n')
			return fail(cmd, MX_CMD_BARE_LF, "bare LF", NULL, 0);
		if (line[i] == '\r')
			return fail(cmd, MX_CMD_BARE_CR, "bare CR", NULL, 0);
	}
	/* Trailing blanks are tolerated, as most servers do. */
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;

	mx_cur_init(&c, line, len);
	vp = c.p;
	while (is_alpha(peek(&c))) {
		mx_cur_skip(&c, 1);
		vlen++;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == vlen &&
		    strncasecmp(verbs[i].name, (const char *)vp, vlen) == 0)
			ve = &verbs[i];
	if (ve == NULL || (peek(&c) >= 0 && peek(&c) != ' ')) {
		cmd->verb = MX_VERB_UNKNOWN;
		return fail(cmd, MX_CMD_UNKNOWN, "unknown command", line,
			    len < 16 ? len : 16);
	}
	cmd->verb = ve->verb;
	if (peek(&c) == ' ')
		mx_cur_skip(&c, 1);
	switch (ve->args) {
	case ARG_NONE:
		if (mx_cur_left(&c) > 0)
			return fail(cmd, MX_CMD_SYNTAX, "no arguments allowed",
				    NULL, 0);
		return MX_CMD_OK;
	case ARG_OPTIONAL:
	case ARG_REQUIRED:
		if (ve->args == ARG_REQUIRED && mx_cur_left(&c) == 0)
			return fail(cmd, MX_CMD_SYNTAX, "argument required",
				    NULL, 0);
		set_arg(cmd, c.p, mx_cur_left(&c));
		return MX_CMD_OK;
	case ARG_DOMAIN: {
		/* ehlo = "EHLO" SP ( Domain / address-literal ) CRLF */
		const uint8_t *d;
		int ok;

		skip_spaces(&c);
		d = c.p;
		if (peek(&c) == '[') {
			ok = read_address_literal(&c);
			cmd->address_literal = ok;
		} else {
			ok = read_domain(&c, 1, &cmd->utf8) > 0;
		}
		if (!ok || !mx_cur_done(&c) ||
		    (size_t)(c.p - d) > MX_SMTP_MAX_DOMAIN)
			return fail(cmd, MX_CMD_SYNTAX, "invalid domain name",
				    NULL, 0);
		set_arg(cmd, d, (size_t)(c.p - d));
		return MX_CMD_OK;
	}
	case ARG_MAIL:
	case ARG_RCPT:
		if (!take_word(&c, ve->args == ARG_MAIL ? "FROM:" : "TO:"))
			return fail(cmd, MX_CMD_SYNTAX,
				    ve->args == ARG_MAIL
					    ? "syntax: MAIL FROM:<address>"
					    : "syntax: RCPT TO:<address>",
				    NULL, 0);
		skip_spaces(&c);
		st = parse_path(&c, cmd, ve->args == ARG_MAIL);
		if (st != MX_CMD_OK)
			return st;
		return parse_params(&c, cmd, ve->args == ARG_MAIL);
	}
	mx_fatal(__func__, "bad verb table");
}

void mx_smtp_cmd_reader_init(struct mx_smtp_cmd_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void mx_smtp_cmd_reader_reset(struct mx_smtp_cmd_reader *r)
{
	r->len = 0;
	r->discarding = 0;
}

size_t mx_smtp_cmd_reader_pending(const struct mx_smtp_cmd_reader *r)
{
	return r->len;
}

enum mx_cmd_status mx_smtp_cmd_feed(struct mx_smtp_cmd_reader *r,
				    const uint8_t *p, size_t len, size_t *used,
				    struct mx_smtp_cmd *cmd)
{
	struct mx_cur c;
	size_t left, n = 0;
	const uint8_t *chunk;
	int have_lf;

	mx_cur_init(&c, p, len);
	left = mx_cur_left(&c);
	while (n < left && c.p[n] != '\n')
		n++;
	have_lf = n < left;
	if (have_lf)
		n++; /* the LF belongs to this line */
	chunk = mx_cur_bytes(&c, n);
	*used = n;
	if (r->discarding) {
		if (!have_lf)
			return MX_CMD_MORE;
		r->discarding = 0;
		memset(cmd, 0, sizeof(*cmd));
		return fail(cmd, MX_CMD_LINE_TOO_LONG, "line too long", NULL,
			    0);
	}
	/* RFC 5321 §4.5.3.1.4: 512 octets with the CRLF. */
	if (n > sizeof(r->line) - r->len) {
		r->len = 0;
		if (!have_lf) {
			r->discarding = 1;
			return MX_CMD_MORE;
		}
		memset(cmd, 0, sizeof(*cmd));
		return fail(cmd, MX_CMD_LINE_TOO_LONG, "line too long", NULL,
			    0);
	}
	if (n)
		memcpy(r->line + r->len, chunk, n);
	r->len += n;
	if (!have_lf)
		return MX_CMD_MORE;
	n = r->len;
	r->len = 0;
	return mx_smtp_cmd_parse(r->line, n, cmd);
}
