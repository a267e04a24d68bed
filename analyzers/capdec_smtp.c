/*
 * capdec_smtp.c - SMTP in a capture: client commands by line, server
 * replies with their codes (wire/smtp.h parses them, multi-line included),
 * replies paired with the commands they answer (a FIFO, so PIPELINING
 * works), the EHLO reply's STARTTLS keyword, and the switch to TLS after
 * a 2xx reply to STARTTLS (RFC 3207 section 4).
 *
 * AUTH (RFC 4954 section 4): from the client's AUTH command to the final
 * 2xx/4xx/5xx reply, the command keeps only its name and mechanism
 * ("AUTH PLAIN [withheld]"), every client line and every 334 line becomes
 * "[AUTH data withheld]" in the transcript, events and notes, and every
 * frame that carried any of those bytes is reported through the secret
 * callback.  The escaped text of a withheld line is never made.
 *
 * Message content (after 354 to DATA, and BDAT chunks, RFC 3030) is
 * counted, not kept: the transcript gets one "[message: N lines, M
 * bytes]" line for it.
 *
 * Limits: a line keeps CD_LINE_MAX bytes (the rest is cut, counted and
 * noted); replies go to the parser cut to 2040 bytes a line; CD_CMDS
 * commands wait for replies (more are not paired).
 */
#include "analyzers/capdec_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/escape.h"
#include "common/xalloc.h"

#define REPLY_LINE_MAX 2040

static const char *const verbs[] = {
	"EHLO", "HELO", "LHLO", "MAIL", "RCPT",	   "DATA",     "BDAT",
	"RSET", "NOOP", "QUIT", "VRFY", "EXPN",	   "HELP",     "STARTTLS",
	"AUTH", "ETRN", "TURN", "ATRN", "XCLIENT", "XFORWARD",
};

static int known_verb(const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(v, verbs[i]) == 0)
			return 1;
	return 0;
}

/* The first word, upper case, letters only ("" when it is not one). */
static void verb_of(const char *line, size_t len, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < len && i + 1 < outlen && line[i] != ' '; i++) {
		if (!isalpha((unsigned char)line[i])) {
			out[0] = '\0';
			return;
		}
		out[i] = (char)toupper((unsigned char)line[i]);
	}
	out[i] = '\0';
	if (i < len && line[i] != ' ')
		out[0] = '\0'; /* longer than a verb */
}

static void push_cmd(struct cd_flow *fl, const char *v)
{
	if (fl->ncmds >= CD_CMDS)
		return;
	snprintf(fl->cmds[fl->ncmds], sizeof(fl->cmds[0]), "%s", v);
	fl->ncmds++;
}

static void pop_cmd(struct cd_flow *fl)
{
	if (fl->ncmds == 0)
		return;
	memmove(fl->cmds[0], fl->cmds[1],
		(fl->ncmds - 1) * sizeof(fl->cmds[0]));
	fl->ncmds--;
}

/* One transcript line (text already escaped or our own words), and its
 * timeline event while the reserve for TCP and TLS events allows. */
static void add_line(struct cd_flow *fl, int dir, int code, int64_t ts,
		     uint64_t frame, const char *text)
{
	struct mx_capsess *s = fl->s;

	if (s->nsmtp < MX_CAP_MAX_SMTP) {
		struct mx_cap_smtp_line *l = &s->smtp_lines[s->nsmtp++];

		l->t_us = ts;
		l->dir = (uint8_t)dir;
		l->code = code;
		l->text = xstrdup(text);
	} else {
		s->smtp_dropped++;
	}
	if (s->nev + CD_EV_RESERVE < MX_CAP_MAX_EVENTS)
		mx_capsess_event(s, ts, frame, dir, MX_CAP_EV_SMTP, 0, "%s",
				 text);
	else
		s->ev_dropped++;
	cd_note(fl, frame, dir, "SMTP: %s", text);
}

/* Every frame that carried the current line is secret. */
static void secret_line(struct cd_flow *fl, int dir)
{
	struct cd_dir *dd = &fl->dir[dir];
	size_t i;

	for (i = 0; i < dd->nframes; i++)
		cd_secret(fl, dd->frames[i]);
}

static int starts_auth(const struct cd_dir *dd)
{
	return dd->buf.len >= 4 &&
	       strncasecmp((const char *)dd->buf.p, "AUTH", 4) == 0;
}

static void line_frame(struct cd_flow *fl, int dir, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];

	if (dd->nframes > 0 && dd->frames[dd->nframes - 1] == frame)
		return;
	if (dd->nframes >= CD_LINE_FRAMES) {
		/* A line over that many frames: decide about the frames
		 * seen so far now. */
		if (fl->auth || (dir == MX_DIR_C2S && starts_auth(dd)))
			secret_line(fl, dir);
		dd->nframes = 0;
	}
	MX_GROW(dd->frames, dd->nframes, dd->capframes);
	dd->frames[dd->nframes++] = frame;
}

/* Bytes held after STARTTLS go where the reply says. */
static void release_held(struct cd_flow *fl, enum cd_mode mode)
{
	struct cd_dir *c = &fl->dir[MX_DIR_C2S];
	uint8_t *tmp;
	size_t n;

	if (c->mode != CD_HOLD)
		return;
	c->mode = mode;
	if (c->buf.len == 0)
		return;
	n = c->buf.len;
	tmp = xmalloc(n);
	memcpy(tmp, c->buf.p, n);
	mx_buf_reset(&c->buf);
	cd_feed(fl, MX_DIR_C2S, tmp, n, c->last_us, c->last_frame);
	free(tmp);
}

static void reply_done(struct cd_flow *fl, int code, int64_t ts, uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	char cmd[sizeof(fl->cmds[0])];

	s->smtp = 1;
	fl->replies++;
	if (code == 334)
		return; /* RFC 4954 section 4: a continuation */
	fl->auth = 0;	/* a final reply ends an AUTH exchange */
	if (fl->ncmds == 0)
		return; /* the greeting, or a reply nobody asked for */
	snprintf(cmd, sizeof(cmd), "%s", fl->cmds[0]);
	pop_cmd(fl);
	if ((strcmp(cmd, "EHLO") == 0 || strcmp(cmd, "LHLO") == 0) &&
	    code / 100 == 2) {
		struct mx_smtp_ehlo caps;

		mx_smtp_parse_ehlo(&fl->reply, &caps);
		if (caps.flags & MX_SMTP_CAP_STARTTLS)
			s->starttls_offered = 1;
	} else if (strcmp(cmd, "DATA") == 0 && code == 354) {
		fl->data = 1;
		fl->data_lines = fl->data_bytes = 0;
	} else if (strcmp(cmd, "STARTTLS") == 0) {
		s->starttls_reply = code;
		if (code / 100 == 2) {
			/* RFC 3207 section 4.2: TLS starts in both
			 * directions after this reply. */
			mx_capsess_event(s, ts, frame, MX_DIR_S2C,
					 MX_CAP_EV_STARTTLS, 0,
					 "%d to STARTTLS: TLS starts", code);
			fl->dir[MX_DIR_S2C].mode = CD_TLS;
			fl->kind = "TLS";
			release_held(fl, CD_TLS);
		} else {
			release_held(fl, CD_SMTP);
		}
	}
}

static void client_line(struct cd_flow *fl, const char *line, size_t len,
			size_t cut, int64_t ts, uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	struct cd_dir *dd = &fl->dir[MX_DIR_C2S];
	char v[16], t[96], *esc;

	fl->client_lines++;
	if (fl->data) {
		if (len == 1 && line[0] == '.') {
			fl->data = 0;
			snprintf(t, sizeof(t),
				 "[message: %llu lines, %llu bytes]",
				 (unsigned long long)fl->data_lines,
				 (unsigned long long)fl->data_bytes);
			add_line(fl, MX_DIR_C2S, 0, ts, frame, t);
			push_cmd(fl, ".");
		} else {
			fl->data_lines++;
			fl->data_bytes += len + cut + 2;
		}
		return;
	}
	if (fl->auth) {
		secret_line(fl, MX_DIR_C2S);
		add_line(fl, MX_DIR_C2S, 0, ts, frame, "[AUTH data withheld]");
		return;
	}
	verb_of(line, len, v, sizeof(v));
	if (strcmp(v, "AUTH") == 0) {
		char mech[24];
		size_t i = 5, m = 0;

		fl->auth = 1;
		s->auth_seen = 1;
		s->smtp = 1;
		secret_line(fl, MX_DIR_C2S);
		while (i < len && line[i] == ' ')
			i++;
		while (i < len && line[i] != ' ' && m + 1 < sizeof(mech)) {
			unsigned char ch = (unsigned char)line[i++];

			mech[m++] = isalnum(ch) || ch == '-' || ch == '_'
					    ? (char)toupper(ch)
					    : '?';
		}
		mech[m] = '\0';
		while (i < len && line[i] != ' ')
			i++; /* an over-long mechanism name */
		while (i < len && line[i] == ' ')
			i++;
		snprintf(t, sizeof(t), "AUTH %s%s", mech,
			 i < len || cut ? " [withheld]" : "");
		add_line(fl, MX_DIR_C2S, 0, ts, frame, t);
		mx_capsess_event(s, ts, frame, MX_DIR_C2S, MX_CAP_EV_AUTH_CUT,
				 0, "AUTH %s exchange withheld", mech);
		push_cmd(fl, "AUTH");
		return;
	}
	if (known_verb(v))
		s->smtp = 1;
	esc = mx_escape(line, len, 480);
	if (cut) {
		char *c = xasprintf("%s [line cut: %zu more bytes]", esc, cut);

		free(esc);
		esc = c;
		cd_error(fl, "a client line longer than %d bytes was cut",
			 CD_LINE_MAX);
	}
	add_line(fl, MX_DIR_C2S, 0, ts, frame, esc);
	free(esc);
	push_cmd(fl, v[0] ? v : "?");
	if (strcmp(v, "STARTTLS") == 0) {
		s->starttls_sent = 1;
		dd->mode = CD_HOLD;
	} else if (strcmp(v, "BDAT") == 0) {
		size_t i = 4;
		uint64_t size = 0;

		while (i < len && line[i] == ' ')
			i++;
		while (i < len && isdigit((unsigned char)line[i]) &&
		       size < UINT64_MAX / 10 - 10)
			size = size * 10 + (uint64_t)(line[i++] - '0');
		dd->bdat_left = size;
	}
}

static void server_line(struct cd_flow *fl, const char *line, size_t len,
			size_t cut, int64_t ts, uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	char in[REPLY_LINE_MAX + 2], *esc;
	enum mx_smtp_status st;
	size_t k, used;
	int code = 0;

	if (len >= 3 && isdigit((unsigned char)line[0]) &&
	    isdigit((unsigned char)line[1]) && isdigit((unsigned char)line[2]))
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		       (line[2] - '0');
	if (code == 0 && !s->smtp) {
		/* Not an SMTP server: stop decoding this side as SMTP. */
		cd_not_mail(fl, MX_DIR_S2C, (const uint8_t *)line, len, frame);
		return;
	}
	/* 334 is only ever an AUTH continuation (RFC 4954 section 4): also
	 * when the capture began after the AUTH command. */
	if (code == 334 && !fl->auth) {
		fl->auth = 1;
		s->auth_seen = 1;
		mx_capsess_event(s, ts, frame, MX_DIR_S2C, MX_CAP_EV_AUTH_CUT,
				 0, "AUTH exchange withheld");
	}
	if (fl->auth && code == 334) {
		secret_line(fl, MX_DIR_S2C);
		add_line(fl, MX_DIR_S2C, code, ts, frame,
			 "334 [AUTH data withheld]");
	} else {
		esc = mx_escape(line, len, 480);
		if (cut) {
			char *c = xasprintf("%s [line cut: %zu more bytes]",
					    esc, cut);

			free(esc);
			esc = c;
			cd_error(fl,
				 "a server line longer than %d bytes was cut",
				 CD_LINE_MAX);
		}
		add_line(fl, MX_DIR_S2C, code, ts, frame, esc);
		free(esc);
	}
	k = len < REPLY_LINE_MAX ? len : REPLY_LINE_MAX;
	memcpy(in, line, k);
	in[k] = '\r';
	in[k + 1] = '\n';
	st = mx_smtp_reply_feed(&fl->reply, (const uint8_t *)in, k + 2, &used);
	if (st == MX_SMTP_DONE) {
		reply_done(fl, fl->reply.code, ts, frame);
		mx_smtp_reply_reset(&fl->reply);
	} else if (st != MX_SMTP_MORE) {
		cd_error(fl, "server reply: %s", mx_smtp_status_name(st));
		mx_smtp_reply_reset(&fl->reply);
		if (code && (len == 3 || line[3] == ' '))
			reply_done(fl, code, ts, frame);
	}
}

static void line_done(struct cd_flow *fl, int dir, int64_t ts, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];
	const char *line = (const char *)dd->buf.p;
	size_t len = dd->buf.len, cut = dd->line_cut;

	if (line == NULL)
		line = "";
	if (cut == 0 && len > 0 && line[len - 1] == '\n')
		len--;
	if (cut == 0 && len > 0 && line[len - 1] == '\r')
		len--;
	if (dir == MX_DIR_C2S)
		client_line(fl, line, len, cut, ts, frame);
	else
		server_line(fl, line, len, cut, ts, frame);
	mx_buf_reset(&dd->buf);
	dd->line_cut = 0;
	dd->nframes = 0;
}

static int binary(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' &&
		     p[i] != '\t') ||
		    p[i] == 0x7f)
			return 1;
	return 0;
}

size_t cd_smtp_feed(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		    int64_t ts, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];
	size_t i = 0;

	if (!fl->s->smtp && !fl->data && binary(p, n)) {
		/* Not a text protocol: stop decoding this side. */
		if (dd->buf.len > 0)
			cd_not_mail(fl, dir, dd->buf.p, dd->buf.len, frame);
		else
			cd_not_mail(fl, dir, p, n, frame);
		mx_buf_reset(&dd->buf);
		return n;
	}
	while (i < n) {
		const uint8_t *lf;
		size_t end, k, room;

		if (dir == MX_DIR_C2S && dd->bdat_left > 0) {
			k = n - i < dd->bdat_left ? n - i : dd->bdat_left;
			dd->bdat_left -= k;
			fl->data_bytes += k;
			i += k;
			continue;
		}
		/* A TLS hello where a client line would start (a client that
		 * starts TLS although STARTTLS was refused or never sent):
		 * 0x16 never begins an SMTP line. */
		if (dir == MX_DIR_C2S && dd->buf.len == 0 && !dd->line_cut &&
		    !dd->resync && !fl->data &&
		    cd_tls_sniff(p + i, n - i) == 1) {
			dd->mode = CD_TLS;
			fl->kind = "TLS";
			/* before any command: TLS from the first byte */
			if (fl->client_lines == 0)
				fl->s->implicit_tls = 1;
			return i;
		}
		lf = memchr(p + i, '\n', n - i);
		end = lf ? (size_t)(lf - p) + 1 : n;
		k = end - i;
		if (dd->resync) {
			dd->resync = lf == NULL;
			i = end;
			continue;
		}
		if (!fl->data)
			line_frame(fl, dir, frame);
		room = dd->buf.len < CD_LINE_MAX ? CD_LINE_MAX - dd->buf.len
						 : 0;
		if (room > k)
			room = k;
		mx_buf_push(&dd->buf, p + i, room);
		dd->line_cut += k - room;
		i = end;
		if (lf == NULL)
			break;
		line_done(fl, dir, ts, frame);
		if (dd->mode != CD_SMTP)
			return i;
	}
	return n;
}

/* A segment the reassembly did not deliver again (a retransmission or a
 * duplicate) carries bytes that were, or will be, part of a line: once
 * AUTH was used in the session it is secret, else it joins the current
 * line's frames (secret if that line turns out to be AUTH). */
void cd_smtp_resent(struct cd_flow *fl, int dir, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];

	if (fl->s->auth_seen || fl->auth)
		cd_secret(fl, frame);
	else if (dd->mode == CD_SMTP && dd->nframes < CD_LINE_FRAMES)
		line_frame(fl, dir, frame);
}

void cd_smtp_gap(struct cd_flow *fl, int dir)
{
	struct cd_dir *dd = &fl->dir[dir];

	/* A partial line is lost; so is the reply being read. */
	if (fl->auth || (dir == MX_DIR_C2S && starts_auth(dd)))
		secret_line(fl, dir);
	mx_buf_reset(&dd->buf);
	dd->line_cut = 0;
	dd->nframes = 0;
	dd->resync = 1;
	if (dir == MX_DIR_S2C)
		mx_smtp_reply_reset(&fl->reply);
}

void cd_smtp_close(struct cd_flow *fl)
{
	int dir;

	for (dir = 0; dir < 2; dir++) {
		struct cd_dir *dd = &fl->dir[dir];

		if (dd->mode == CD_SMTP && (dd->buf.len > 0 || dd->line_cut))
			line_done(fl, dir, dd->last_us, dd->last_frame);
	}
	/* STARTTLS without a reply: the held bytes may still be a hello. */
	if (fl->dir[MX_DIR_C2S].mode == CD_HOLD) {
		struct cd_dir *c = &fl->dir[MX_DIR_C2S];

		release_held(fl, cd_tls_sniff(c->buf.p, c->buf.len) > 0
					 ? CD_TLS
					 : CD_DEAD);
	}
}

void cd_smtp_free(struct cd_flow *fl)
{
	mx_smtp_reply_free(&fl->reply);
}
