/*
 * smtp_client_io.c - lines out and replies in for the SMTP client engine
 * (smtp_client.h, smtp_client_int.h): commands into the transcript
 * (AUTH secrets redacted) and onto the connection; the reply reader, which
 * feeds wire/smtp.c's parser, records each line as received, skips
 * unsolicited replies (RFC 5321 §4.3, §2.1) and stops on a reply over a
 * limit or not SMTP, quoting the peer's bytes once escaped; replies and
 * EHLO keywords converted into the model.
 */
#include "probe/smtp_client_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/conn.h"

int64_t sc_now_rel(const struct mx_smtp_client *c)
{
	return mx_now_ms() - c->t0;
}

void sc_note(struct mx_smtp_client *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mx_tx_add(&c->smtp->tx, MX_TX_NOTE, sc_now_rel(c), buf, strlen(buf));
}

/* ---- sending ----------------------------------------------------------- */

int sc_send_line(struct mx_smtp_client *c, const char *line, int redact)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", line);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	/* Whatever is still unread now arrived before this command. */
	c->stale = mx_conn_in(c->conn)->len;
	c->stray = 0;
	if (redact) {
		/* Keep the verb (e.g. "AUTH PLAIN") and hide the rest. */
		const char *sp = strchr(line, ' ');
		const char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		size_t keep = sp2 ? (size_t)(sp2 - line) : sp ? 0 : 0;
		char red[128];

		if (keep > 64)
			keep = 0;
		snprintf(red, sizeof(red), "%.*s%s<redacted>", (int)keep, line,
			 keep ? " " : "");
		mx_tx_add(&c->smtp->tx, MX_TX_SENT, sc_now_rel(c), red,
			  strlen(red));
	} else {
		mx_tx_add(&c->smtp->tx, MX_TX_SENT, sc_now_rel(c), line,
			  strlen(line));
	}
	if (c->p.rec)
		mx_log_trace(c->p.log, MX_TRACE_SMTP, "conn %u: %s -> %s",
			     c->p.rec->id, c->p.addr,
			     redact ? "<redacted>" : line);
	else
		mx_log_trace(c->p.log, MX_TRACE_SMTP, "%s -> %s", c->p.addr,
			     redact ? "<redacted>" : line);
	return mx_conn_write(c->conn, buf, (size_t)n);
}

void sc_send_cmd(struct mx_smtp_client *c, enum st st, const char *line,
		 int timeout_ms)
{
	c->st = st;
	mx_smtp_reply_reset(&c->reply);
	if (sc_send_line(c, line, 0) < 0) {
		sc_finish(c, MX_STOP_INTERNAL, "cannot send %s", line);
		return;
	}
	sc_arm(c, timeout_ms);
}

void sc_send_ehlo(struct mx_smtp_client *c, enum st st)
{
	char line[300];

	snprintf(line, sizeof(line), "%s %s", st == ST_HELO ? "HELO" : "EHLO",
		 c->p.helo);
	sc_send_cmd(c, st, line, c->p.command_timeout_ms);
}

/* ---- replies ----------------------------------------------------------- */

void mx_reply_from_wire(struct mx_reply *out, const struct mx_smtp_reply *r)
{
	struct mx_buf b;
	size_t i;

	mx_reply_clear(out);
	out->code = r->code;
	memcpy(out->enh, r->enh, sizeof(out->enh));
	out->enh[sizeof(out->enh) - 1] = 0;
	out->nlines = r->nlines;
	mx_buf_init(&b, 0);
	mx_buf_push(&b, "", 0);
	for (i = 0; i < r->nlines; i++) {
		if (i)
			mx_buf_push_u8(&b, '\n');
		const char *t = r->lines[i].text;
		size_t tl = r->lines[i].len;
		char enh[16];
		size_t el = mx_smtp_parse_enhanced(t, tl, r->code, enh);

		/* The enhanced code is kept in out->enh, not in the text. */
		if (el > 0 && el < tl && t[el] == ' ') {
			t += el + 1;
			tl -= el + 1;
		} else if (el > 0 && el == tl) {
			t += el;
			tl = 0;
		}
		mx_escape_buf(&b, t, tl, 1024);
	}
	out->text = (char *)mx_buf_take(&b, NULL);
	if (out->text == NULL)
		out->text = xstrdup("");
}

void sc_caps_from_wire(struct mx_caps *caps, const struct mx_smtp_reply *r)
{
	struct mx_smtp_ehlo e;
	size_t i;

	mx_caps_clear(caps);
	mx_smtp_parse_ehlo(r, &e);
	caps->valid = 1;
	caps->flags = e.flags;
	caps->size = e.size;
	caps->auth = mx_escape_str(e.auth, 0);
	for (i = 1; i < r->nlines; i++) {
		char *k = mx_escape(r->lines[i].text, r->lines[i].len, 256);
		mx_caps_add_keyword(caps, k);
		free(k);
	}
}

/* The command a state waits on, for notes. */
static const char *awaited(const struct mx_smtp_client *c)
{
	switch (c->st) {
	case ST_EHLO:
		return "EHLO";
	case ST_HELO:
		return "HELO";
	case ST_STARTTLS:
		return "STARTTLS";
	case ST_EHLO_TLS:
		return "EHLO after TLS";
	case ST_QUIT:
		return "QUIT";
	case ST_DATA:
		return "the message";
	default:
		return "the command";
	}
}

/* Whether code can answer the command the state waits on (RFC 5321
 * §4.3.2): EHLO/HELO 250 or an error, STARTTLS 220 (RFC 3207 §4) or an
 * error, QUIT 221 or an error; any code for the greeting and for the
 * caller's commands. */
static int code_fits(const struct mx_smtp_client *c, int code)
{
	switch (c->st) {
	case ST_EHLO:
	case ST_HELO:
	case ST_EHLO_TLS:
		return code == 250 || code >= 400;
	case ST_STARTTLS:
		return code == 220 || code >= 400;
	case ST_QUIT:
		return code == 221 || code >= 400;
	default:
		return 1;
	}
}

/*
 * A complete reply that answers nothing we sent: it began before our
 * command went out, or its code cannot answer that command (a second
 * "220" while EHLO is outstanding).  RFC 5321 §4.3 / §2.1: it is not the
 * reply; record it (the note starts "unsolicited reply", which the
 * analyzers read), drop it and keep waiting for the real one.  A stray
 * "250" that arrives after EHLO went out cannot be told from the answer.
 */
static void skip_unsolicited(struct mx_smtp_client *c)
{
	const struct mx_smtp_reply *r = &c->reply;
	char head[160];
	struct mx_buf b;
	int n;

	if (++c->nstray > MAX_UNSOLICITED) {
		sc_finish(c, MX_STOP_REPLY_LIMIT,
			  "more than %d unsolicited replies", MAX_UNSOLICITED);
		return;
	}
	if (c->stray)
		n = snprintf(head, sizeof(head),
			     "unsolicited reply, came before %s was sent: "
			     "'%03d%s",
			     awaited(c), r->code, r->nlines > 1 ? "-" : " ");
	else
		n = snprintf(head, sizeof(head),
			     "unsolicited reply, came while %s was "
			     "outstanding (%03d cannot answer it): '%03d%s",
			     awaited(c), r->code, r->code,
			     r->nlines > 1 ? "-" : " ");
	mx_buf_init(&b, 0);
	mx_buf_push(&b, head, n > 0 ? (size_t)n : 0);
	if (r->nlines > 0)
		mx_buf_push(&b, r->lines[0].text, r->lines[0].len);
	mx_buf_push_str(&b, "'");
	if (r->nlines > 1)
		mx_buf_printf(&b, " (+%zu lines)", r->nlines - 1);
	/* mx_tx_add escapes the peer's part once. */
	mx_tx_add(&c->smtp->tx, MX_TX_NOTE, sc_now_rel(c), b.p, b.len);
	mx_buf_free(&b);
	mx_smtp_reply_reset(&c->reply);
	c->stray = 0;
}

/* The parser stopped on an error: stop, quoting the line that broke the
 * rule from its first byte, and what followed it in the buffer. */
static void reply_error(struct mx_smtp_client *c, enum mx_smtp_status s,
			const struct mx_buf *in)
{
	struct mx_step *st = sc_current_step(c);
	size_t blen;
	const uint8_t *bad = mx_smtp_reply_bad_line(&c->reply, &blen);
	char what[160];

	if (st)
		sc_step_set(c, st, MX_STEP_FAILED);
	if (s == MX_SMTP_MALFORMED) {
		sc_finish_quoting(c, MX_STOP_REPLY_MALFORMED,
				  "not an SMTP reply", bad, blen, in->p,
				  in->len);
		return;
	}
	/* The code of the lines read so far is what the server said (a
	 * 550 cut at the line limit is still a 550): name it. */
	if (c->reply.nlines > 0)
		snprintf(what, sizeof(what),
			 "reply limit exceeded (%s) after %zu lines, %zu "
			 "bytes of a %03d reply",
			 mx_smtp_status_name(s), c->reply.nlines,
			 c->reply.bytes, c->reply.code);
	else
		snprintf(what, sizeof(what),
			 "reply limit exceeded (%s) after %zu lines, %zu bytes",
			 mx_smtp_status_name(s), c->reply.nlines,
			 c->reply.bytes);
	sc_finish_quoting(c, MX_STOP_REPLY_LIMIT, what, bad, blen, NULL, 0);
}

void sc_conn_readable(void *arg)
{
	struct mx_smtp_client *c = arg;
	struct mx_buf *in = mx_conn_in(c->conn);

	while (in->len > 0 && !c->finishing) {
		size_t used = 0;
		enum mx_smtp_status s;
		size_t i, first;

		if (c->st == ST_READY || c->st == ST_DONE) {
			/* Unsolicited bytes: keep them visible, drop them. */
			mx_tx_add(&c->smtp->tx, MX_TX_RECV, sc_now_rel(c),
				  in->p, in->len);
			sc_note(c, "unsolicited data from the server");
			mx_buf_reset(in);
			return;
		}
		if (c->reply.bytes == 0 && c->st != ST_GREETING)
			c->stray = c->stale > 0;
		first = c->reply.nlines;
		s = mx_smtp_reply_feed(&c->reply, in->p, in->len, &used);
		c->stale -= used < c->stale ? used : c->stale;
		for (i = first; i < c->reply.nlines; i++) {
			char line[MX_SMTP_MAX_LINE + 8];
			int n = snprintf(
				line, sizeof(line), "%03d%c", c->reply.code,
				i + 1 < c->reply.nlines || s != MX_SMTP_DONE
					? '-'
					: ' ');
			size_t tl = c->reply.lines[i].len;

			if (tl > sizeof(line) - (size_t)n - 1)
				tl = sizeof(line) - (size_t)n - 1;
			memcpy(line + n, c->reply.lines[i].text, tl);
			mx_tx_add(&c->smtp->tx, MX_TX_RECV, sc_now_rel(c), line,
				  (size_t)n + tl);
		}
		mx_buf_consume(in, used);
		if (s == MX_SMTP_MORE)
			return;
		if (s == MX_SMTP_DONE) {
			if (c->stray || !code_fits(c, c->reply.code))
				skip_unsolicited(c);
			else
				sc_on_reply(c);
			continue;
		}
		reply_error(c, s, in);
		return;
	}
}
