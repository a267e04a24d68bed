/*
 * smtp_data_cmd.c - the server side of SMTP commands: the command line
 * reader (struct mx_smtp_cmd_reader) and the parser of EHLO HELO MAIL
 * RCPT DATA RSET NOOP QUIT STARTTLS (RFC 5321 §4.1.1, RFC 3207 §4) with
 * the MAIL parameters SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8
 * (RFC 6531).
 *
 * Purpose: one table of verbs (verbs[]) and their argument kinds; paths
 * are checked by smtp_data_path.c.
 * API: mx_smtp_cmd_parse(), mx_smtp_cmd_reader_*(), mx_smtp_cmd_feed(),
 * mx_smtp_verb_name(), mx_cmd_status_name() (wire/smtp_data.h).
 * Ownership: a parsed command is a value (fixed arrays); peer text in
 * `detail` is escaped.
 * Limits: MX_SMTP_CMD_MAX_LINE octets per line with CRLF; an over-long
 * line is reported once, when its line end arrives.
 */
#include "wire/smtp_data.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "wire/smtp_data_int.h"

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
	struct mx_smtp_mbox m;
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
			if (mx_smtp_read_domain(c, 0, &u) == 0)
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
	if (!mx_smtp_read_mailbox(c, !is_mail, &m) || !mx_cur_ok(c) ||
	    peek(c) != '>')
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
			ok = mx_smtp_read_address_literal(&c);
			cmd->address_literal = ok;
		} else {
			ok = mx_smtp_read_domain(&c, 1, &cmd->utf8) > 0;
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
