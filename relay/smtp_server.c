/*
 * smtp_server.c - the SMTP dialogue of one relay session (RFC 5321 server
 * side, RFC 3207 STARTTLS, RFC 1870 SIZE, RFC 2920 PIPELINING, RFC 6531
 * SMTPUTF8): replies, commands, the DATA phase and the message into the
 * spool.  See listener.h for the dialogue and its error replies, and
 * listener_int.h for the shared state.
 *
 * Input is parsed one command line at a time (wire/smtp_data.h), so the
 * replies to pipelined commands come out in order and the bytes after
 * STARTTLS can be dropped (RFC 3207 §4.2).  "250" to the end of DATA is
 * sent only after mx_spool_put() returned MX_SPOOL_OK.  This file never
 * frees a session: listener.c does, from its own callbacks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "relay/listener_int.h"

/* ---- replies ------------------------------------------------------------ */

static void send_raw(struct mx_ls_session *s, const char *text, size_t n)
{
	if (s->tls_state == TLS_HANDSHAKE)
		return; /* no SMTP reply inside a handshake */
	if (s->tls_state == TLS_UP) {
		if (mx_tls_server_write(s->tls, (const uint8_t *)text, n) ==
		    MX_TLS_IO_OK)
			mx_ls_tls_flush(s);
	} else {
		mx_buf_push(&s->out, text, n);
	}
	mx_ls_want_write(s);
}

void mx_ls_reply(struct mx_ls_session *s, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)(sizeof(line) - 3);
	line[n] = '\r';
	line[n + 1] = '\n';
	send_raw(s, line, (size_t)n + 2);
}

void mx_ls_clear_transaction(struct mx_ls_session *s)
{
	size_t i;

	free(s->from);
	s->from = NULL;
	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	s->nrcpts = 0;
	s->have_mail = 0;
	s->smtputf8 = 0;
	mx_buf_free(&s->msg);
}

/* A 4xx/5xx answer to client input.  Counts towards max_errors; beyond
 * it the session ends with 421 (RFC 5321 §4.2.2: 421 closes). */
void mx_ls_reject(struct mx_ls_session *s, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mx_ls_reply(s, "%s", line);
	s->l->stats.rejected++;
	mx_rlog(&s->l->p.log, MX_RLOG_INFO, "ICID %lu reply %s", s->icid, line);
	if (++s->errors >= s->l->p.max_errors && s->state != SS_CLOSING) {
		mx_ls_reply(s, "421 4.7.0 %s Error: too many errors",
			    s->l->hostname);
		mx_rlog(&s->l->p.log, MX_RLOG_INFO,
			"ICID %lu too many errors (%zu), closing", s->icid,
			s->errors);
		mx_ls_closing(s);
	}
}

/* ---- the message ------------------------------------------------------- */

static void end_data(struct mx_ls_session *s, enum mx_data_status st)
{
	struct mx_listener *l = s->l;
	struct mx_envelope env;
	struct mx_spool_diag d;
	char id[MX_SPOOL_ID_LEN + 1];
	size_t i, size = s->msg.len;
	char *from;

	s->state = SS_CMD;
	mx_ls_arm_timer(s, l->p.command_timeout_ms);
	switch (st) {
	case MX_DATA_OK:
		break;
	case MX_DATA_TOO_BIG:
		/* RFC 1870 §6.2 */
		mx_ls_reject(
			s,
			"552 5.3.4 Error: message too large (limit %zu octets)",
			l->p.max_message_size);
		goto out;
	case MX_DATA_LINE_TOO_LONG:
		/* RFC 5321 §4.5.3.1.6: 1000 octets with CRLF */
		mx_ls_reject(s,
			     "500 5.5.2 Error: message line longer than %d "
			     "octets",
			     MX_SMTP_DATA_MAX_LINE);
		goto out;
	case MX_DATA_BARE_LF:
	case MX_DATA_BARE_CR:
		/* RFC 5321 §2.3.8: CR and LF only as CRLF; anything else
		 * could smuggle a second message past another server. */
		mx_ls_reject(s,
			     "554 5.6.0 Error: bare %s received in the message "
			     "(RFC 5321 2.3.8)",
			     st == MX_DATA_BARE_LF ? "LF" : "CR");
		goto out;
	case MX_DATA_NUL:
		mx_ls_reject(s, "554 5.6.0 Error: NUL octet in the message");
		goto out;
	default:
		mx_ls_reject(s, "451 4.3.0 Error: message not accepted (%s)",
			     mx_data_status_name(st));
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.from = s->from;
	env.rcpts = s->rcpts;
	env.nrcpts = s->nrcpts;
	env.created = mx_wall_now();
	env.next_attempt = env.created;
	memset(&d, 0, sizeof(d));
	if (mx_spool_put(l->p.spool, &env, s->msg.p ? s->msg.p : (uint8_t *)"",
			 s->msg.len, id, &d) != MX_SPOOL_OK) {
		/* Not durable: the client must keep the message. */
		l->stats.spool_errors++;
		mx_rlog(&l->p.log, MX_RLOG_WARNING,
			"ICID %lu spool write failed: %s (%s)", s->icid,
			mx_spool_status_name(d.status), d.text);
		mx_ls_reject(s, "451 4.3.0 Error: queue file write error");
		goto out;
	}
	/* RFC 5321 §4.1.1.4 / §6.1: only now is the message ours. */
	mx_ls_reply(s, "250 2.0.0 Ok: queued as %s", id);
	l->stats.messages++;
	from = mx_escape_str(s->from, 600);
	mx_rlog(&l->p.log, MX_RLOG_INFO, "MID %s ICID %lu From: <%s>", id,
		s->icid, from);
	for (i = 0; i < s->nrcpts; i++) {
		char *r = mx_escape_str(s->rcpts[i], 600);

		mx_rlog(&l->p.log, MX_RLOG_INFO,
			"MID %s ICID %lu RID %zu To: <%s>", id, s->icid, i, r);
		free(r);
	}
	mx_rlog(&l->p.log, MX_RLOG_INFO, "MID %s ready %zu bytes from <%s>", id,
		size, from);
	mx_rlog(&l->p.log, MX_RLOG_INFO, "MID %s queued for delivery", id);
	free(from);
	if (l->p.queued)
		l->p.queued(l->p.queued_arg, id, &env, size);
out:
	mx_ls_clear_transaction(s);
}

/* ---- commands ---------------------------------------------------------- */

static void cmd_ehlo(struct mx_ls_session *s, const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;
	char *name = mx_escape(c->arg, c->arglen, 255);

	/* RFC 5321 §4.1.4: EHLO/HELO resets the transaction. */
	mx_ls_clear_transaction(s);
	s->helo = 1;
	s->esmtp = c->verb == MX_VERB_EHLO;
	if (!s->esmtp) {
		mx_ls_reply(s, "250 %s", l->hostname);
	} else {
		mx_ls_reply(s, "250-%s", l->hostname);
		mx_ls_reply(s, "250-PIPELINING");
		mx_ls_reply(s, "250-SIZE %zu", l->p.max_message_size);
		if (l->tls_ctx && s->tls_state == TLS_OFF)
			mx_ls_reply(s, "250-STARTTLS");
		mx_ls_reply(s, "250-8BITMIME");
		mx_ls_reply(s, "250-SMTPUTF8");
		mx_ls_reply(s, "250 ENHANCEDSTATUSCODES");
	}
	mx_rlog(&l->p.log, MX_RLOG_DEBUG, "ICID %lu %s %s", s->icid,
		s->esmtp ? "EHLO" : "HELO", name);
	free(name);
}

static void cmd_mail(struct mx_ls_session *s, const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;

	if (!s->helo) {
		mx_ls_reject(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->have_mail) {
		mx_ls_reject(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	/* RFC 1870 §6.2: a declared size over the limit. */
	if (c->has_size && c->size > l->p.max_message_size) {
		mx_ls_reject(
			s,
			"552 5.3.4 Error: message size exceeds the limit of "
			"%zu octets",
			l->p.max_message_size);
		return;
	}
	/* RFC 6531 §3.4: a UTF-8 path needs the SMTPUTF8 parameter. */
	if (c->utf8 && !c->smtputf8) {
		mx_ls_reject(s, "553 5.6.7 Error: non-ASCII address without "
				"SMTPUTF8");
		return;
	}
	if (c->arglen > MX_SPOOL_MAX_ADDR) {
		mx_ls_reject(s, "501 5.5.4 Error: address too long");
		return;
	}
	s->from = xstrndup(c->arg, c->arglen);
	s->have_mail = 1;
	s->smtputf8 = c->smtputf8;
	mx_ls_reply(s, "250 2.1.0 Ok");
}

static void cmd_rcpt(struct mx_ls_session *s, const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;

	if (!s->have_mail) {
		mx_ls_reject(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	/* RFC 5321 §4.5.3.1.10: 452 for too many recipients, so the client
	 * sends the rest in another transaction. */
	if (s->nrcpts >= l->p.max_recipients) {
		mx_ls_reject(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	if (c->utf8 && !s->smtputf8) {
		mx_ls_reject(s, "553 5.6.7 Error: non-ASCII address without "
				"SMTPUTF8");
		return;
	}
	if (c->arglen == 0 || c->arglen > MX_SPOOL_MAX_ADDR) {
		mx_ls_reject(s, "501 5.1.3 Error: bad recipient address");
		return;
	}
	MX_GROW(s->rcpts, s->nrcpts, s->rcpts_cap);
	s->rcpts[s->nrcpts++] = xstrndup(c->arg, c->arglen);
	mx_ls_reply(s, "250 2.1.5 Ok");
}

static void cmd_data(struct mx_ls_session *s)
{
	struct mx_listener *l = s->l;

	if (!s->have_mail) {
		mx_ls_reject(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->nrcpts == 0) {
		mx_ls_reject(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	mx_smtp_data_reader_init(&s->dr, l->p.max_message_size, 0);
	/* The cap equals the limit: the reader counts and reports. */
	mx_buf_init(&s->msg, l->p.max_message_size);
	s->state = SS_DATA;
	mx_ls_arm_timer(s, l->p.data_timeout_ms);
	mx_ls_reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void start_tls(struct mx_ls_session *s)
{
	struct mx_listener *l = s->l;
	char err[256];
	size_t dropped = s->in.len + mx_smtp_cmd_reader_pending(&s->cr);

	mx_ls_reply(s, "220 2.0.0 Ready to start TLS");
	/* RFC 3207 §4.2: anything the client sent after STARTTLS, before
	 * the handshake, is discarded, and all SMTP state is forgotten. */
	mx_buf_reset(&s->in);
	mx_smtp_cmd_reader_reset(&s->cr);
	if (dropped)
		mx_rlog(&l->p.log, MX_RLOG_INFO,
			"ICID %lu dropped %zu octets pipelined after STARTTLS",
			s->icid, dropped);
	mx_ls_clear_transaction(s);
	s->helo = s->esmtp = 0;
	s->tls = mx_tls_server_new(l->tls_ctx, err, sizeof(err));
	if (s->tls == NULL) {
		mx_rlog(&l->p.log, MX_RLOG_WARNING, "ICID %lu TLS failed: %s",
			s->icid, err);
		mx_ls_closing(s);
		return;
	}
	s->tls_state = TLS_HANDSHAKE;
}

static void handle(struct mx_ls_session *s, enum mx_cmd_status st,
		   const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;

	switch (st) {
	case MX_CMD_OK:
		break;
	case MX_CMD_LINE_TOO_LONG:
		/* RFC 5321 §4.5.3.1.4: 512 octets with CRLF */
		mx_ls_reject(s, "500 5.5.2 Error: line too long");
		return;
	case MX_CMD_BARE_LF:
	case MX_CMD_BARE_CR:
	case MX_CMD_NUL:
		/* RFC 5321 §2.3.8 */
		mx_ls_reject(s,
			     "500 5.5.2 Error: bad syntax: %s in the command",
			     st == MX_CMD_BARE_LF   ? "bare LF"
			     : st == MX_CMD_BARE_CR ? "bare CR"
						    : "NUL");
		return;
	case MX_CMD_UNKNOWN:
		mx_ls_reject(s, "500 5.5.1 Error: command not recognized");
		return;
	case MX_CMD_SYNTAX:
		mx_ls_reject(s, "501 5.5.4 Syntax error: %s", c->detail);
		return;
	case MX_CMD_BAD_PATH:
		mx_ls_reject(s, "501 %s Error: bad address syntax: %s",
			     c->verb == MX_VERB_MAIL ? "5.1.7" : "5.1.3",
			     c->detail);
		return;
	case MX_CMD_PATH_TOO_LONG:
		mx_ls_reject(s, "501 5.5.4 Error: path too long: %s",
			     c->detail);
		return;
	case MX_CMD_BAD_PARAM:
		mx_ls_reject(s, "555 5.5.4 Error: %s", c->detail);
		return;
	default:
		mx_ls_reject(s, "500 5.5.1 Error: %s", mx_cmd_status_name(st));
		return;
	}
	switch (c->verb) {
	case MX_VERB_EHLO:
	case MX_VERB_HELO:
		cmd_ehlo(s, c);
		break;
	case MX_VERB_MAIL:
		cmd_mail(s, c);
		break;
	case MX_VERB_RCPT:
		cmd_rcpt(s, c);
		break;
	case MX_VERB_DATA:
		cmd_data(s);
		break;
	case MX_VERB_RSET:
		mx_ls_clear_transaction(s);
		mx_ls_reply(s, "250 2.0.0 Ok");
		break;
	case MX_VERB_NOOP:
		mx_ls_reply(s, "250 2.0.0 Ok");
		break;
	case MX_VERB_QUIT:
		mx_ls_reply(s, "221 2.0.0 Bye");
		if (s->tls_state == TLS_UP) {
			mx_tls_server_shutdown(s->tls);
			mx_ls_tls_flush(s);
		}
		mx_ls_closing(s);
		break;
	case MX_VERB_STARTTLS:
		if (l->tls_ctx == NULL)
			mx_ls_reject(
				s, "502 5.5.1 Error: command not implemented");
		else if (s->tls_state != TLS_OFF)
			mx_ls_reject(s, "503 5.5.1 Error: TLS already active");
		else if (c->arglen > 0)
			mx_ls_reject(s, "501 5.5.4 Syntax: STARTTLS");
		else
			start_tls(s);
		break;
	default:
		/* VRFY EXPN HELP AUTH BDAT: not offered here. */
		mx_ls_reject(s, "502 5.5.1 Error: command not implemented");
		break;
	}
}

/* Parse what is buffered, as far as the state allows. */
void mx_ls_process(struct mx_ls_session *s)
{
	while (s->in.len > 0 && s->state != SS_CLOSING &&
	       s->tls_state != TLS_HANDSHAKE && !s->paused) {
		size_t used = 0;

		if (s->state == SS_DATA) {
			enum mx_data_status st = mx_smtp_data_feed(
				&s->dr, s->in.p, s->in.len, &used, &s->msg);

			mx_buf_consume(&s->in, used);
			if (st != MX_DATA_MORE)
				end_data(s, st);
		} else {
			struct mx_smtp_cmd c;
			enum mx_cmd_status st;

			memset(&c, 0, sizeof(c));
			st = mx_smtp_cmd_feed(&s->cr, s->in.p, s->in.len, &used,
					      &c);
			mx_buf_consume(&s->in, used);
			if (st != MX_CMD_MORE)
				handle(s, st, &c);
		}
		if (s->out.len > MX_LISTENER_MAX_OUT && !s->paused &&
		    s->state != SS_CLOSING) {
			/* The client pipelines without reading replies. */
			s->paused = 1;
			event_del(s->ev_read);
		}
	}
}
