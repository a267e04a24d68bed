/*
 * smtp_client.c - the SMTP client engine; see smtp_client.h.
 *
 * The dialogue: a state machine over probe/conn.c.  Each state that
 * waits for the server arms the step timer (smtp_client_end.c); every
 * reply is read by smtp_client_io.c with wire/smtp.c's limits and comes
 * here (sc_on_reply) when it answers what the state waits on.
 * sc_finish() is the single exit.  The pieces share smtp_client_int.h.
 */
#include "probe/smtp_client_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/conn.h"

int64_t mx_smtp_client_elapsed(const struct mx_smtp_client *c)
{
	return sc_now_rel(c);
}

const struct mx_smtp_reply *
mx_smtp_client_cut_reply(const struct mx_smtp_client *c)
{
	const struct mx_smtp_reply *r = &c->reply;

	if (c->smtp->stop != MX_STOP_REPLY_LIMIT || r->nlines == 0)
		return NULL;
	if (r->status != MX_SMTP_LINE_TOO_LONG &&
	    r->status != MX_SMTP_TOO_MANY_LINES && r->status != MX_SMTP_TOO_BIG)
		return NULL;
	return r;
}

int mx_smtp_client_tls_active(const struct mx_smtp_client *c)
{
	return c->tls_up;
}

const struct mx_caps *mx_smtp_client_caps(const struct mx_smtp_client *c)
{
	return c->tls_up && c->smtp->caps_tls.valid ? &c->smtp->caps_tls
						    : &c->smtp->caps;
}

/* raw_ready: offer the connection to the raw engine. */
static void hand_over(struct mx_smtp_client *c)
{
	c->st = ST_RAW;
	event_del(c->ev_timer);
	c->p.raw_ready(c->arg, c);
	if (c->conn != NULL && c->st == ST_RAW)
		sc_finish(c, MX_STOP_INTERNAL,
			  "nobody took the raw connection");
}

struct mx_conn *mx_smtp_client_take_conn(struct mx_smtp_client *c,
					 const struct mx_conn_cbs *cbs,
					 void *arg, size_t *dropped)
{
	struct mx_conn *conn = c->conn;
	struct mx_buf *in;

	if (c->st != ST_RAW || conn == NULL || c->finishing)
		return NULL;
	in = mx_conn_in(conn);
	if (dropped)
		*dropped = in->len;
	if (in->len > 0)
		sc_note(c,
			"discarded %zu bytes the server sent after 220 to "
			"STARTTLS, before the hello (RFC 3207 section 4.2)",
			in->len);
	mx_buf_reset(in);
	mx_conn_set_cbs(conn, cbs, arg);
	c->conn = NULL;
	c->st = ST_DONE;
	c->finishing = 1;
	c->done_called = 1; /* inert from now on: no done callback */
	event_del(c->ev_timer);
	return conn;
}

void sc_start_tls(struct mx_smtp_client *c, enum st st)
{
	char err[256];
	size_t dropped = 0;

	if (c->p.raw_ready != NULL) {
		hand_over(c);
		return;
	}
	c->st = st;
	c->tls->attempted = 1;
	sc_arm(c, c->p.tls_timeout_ms);
	if (mx_conn_start_tls(c->conn, c->p.tls, c->p.tls_params, &dropped, err,
			      sizeof(err)) < 0) {
		/* Nothing went out yet: our own setup failed (a trust
		 * store that cannot load), not the server. */
		sc_step_set(c, &c->smtp->tls, MX_STEP_FAILED);
		c->tls->fail = MX_TLS_FAIL_LOCAL;
		sc_finish(c, MX_STOP_LOCAL, "TLS setup on this machine: %s",
			  err);
		return;
	}
	c->smtp->starttls_dropped = dropped;
	if (dropped > 0)
		sc_note(c,
			"discarded %zu bytes the server sent after 220 to "
			"STARTTLS, before the handshake (RFC 3207 section 4.2)",
			dropped);
}

static void go_ready(struct mx_smtp_client *c)
{
	c->st = ST_READY;
	event_del(c->ev_timer);
	c->cbs->ready(c->arg, c);
}

/* After EHLO/HELO succeeded in clear: STARTTLS or ready. */
static void after_ehlo(struct mx_smtp_client *c)
{
	if (c->p.mode == MX_MODE_STARTTLS && c->p.starttls) {
		if (c->smtp->caps.flags & MX_SMTP_CAP_STARTTLS) {
			sc_send_cmd(c, ST_STARTTLS, "STARTTLS",
				    c->p.command_timeout_ms);
			return;
		}
		c->smtp->starttls.state = MX_STEP_SKIPPED;
		c->smtp->tls.state = MX_STEP_SKIPPED;
		if (c->p.require_tls) {
			sc_finish(c, MX_STOP_STARTTLS_REJECTED,
				  "STARTTLS not offered and TLS is required");
			return;
		}
	}
	go_ready(c);
}

/* EHLO (or HELO) was refused: stop.  RFC 5321 §3.8: after a 421 the
 * server closes the channel, so we close too instead of sending QUIT. */
static void refused(struct mx_smtp_client *c)
{
	c->smtp->stop = MX_STOP_EHLO_REJECTED;
	if (c->reply.code == 421)
		sc_finish(c, MX_STOP_EHLO_REJECTED, NULL);
	else
		mx_smtp_client_quit(c);
}

void sc_on_reply(struct mx_smtp_client *c)
{
	const struct mx_smtp_reply *r = &c->reply;
	int code = r->code;
	mx_smtp_reply_cb cb;

	event_del(c->ev_timer);
	if (c->p.rec) {
		if (c->st == ST_GREETING)
			mx_connrec_mark(c->p.rec, MX_MARK_GREETING);
		else if (c->st == ST_EHLO || c->st == ST_HELO)
			mx_connrec_mark(c->p.rec, MX_MARK_EHLO);
		else if (c->st == ST_STARTTLS)
			mx_connrec_mark(c->p.rec, MX_MARK_STARTTLS);
		mx_log_trace(c->p.log, MX_TRACE_SMTP, "conn %u: %s <- %d",
			     c->p.rec->id, c->p.addr, code);
	}
	switch (c->st) {
	case ST_GREETING:
		mx_reply_from_wire(&c->smtp->greeting, r);
		if (code != 220) {
			sc_step_set(c, &c->smtp->banner, MX_STEP_FAILED);
			c->smtp->stop = MX_STOP_GREETING_REJECTED;
			mx_smtp_client_quit(c);
			return;
		}
		sc_step_set(c, &c->smtp->banner, MX_STEP_OK);
		sc_send_ehlo(c, c->tls_up ? ST_EHLO_TLS : ST_EHLO);
		return;
	case ST_EHLO:
		if (code == 250) {
			sc_step_set(c, &c->smtp->ehlo, MX_STEP_OK);
			sc_caps_from_wire(&c->smtp->caps, r);
			after_ehlo(c);
		} else if (code >= 500) {
			/* RFC 5321 §4.1.4, §3.2: a server without EHLO answers
			 * 5xx ("command not recognized"); fall back to HELO. */
			sc_send_ehlo(c, ST_HELO);
		} else {
			/* A 4xx is temporary, not "EHLO unknown": no HELO. */
			sc_step_set(c, &c->smtp->ehlo, MX_STEP_FAILED);
			refused(c);
		}
		return;
	case ST_HELO:
		if (code == 250) {
			sc_step_set(c, &c->smtp->ehlo, MX_STEP_OK);
			c->smtp->used_helo = 1;
			after_ehlo(c);
		} else {
			sc_step_set(c, &c->smtp->ehlo, MX_STEP_FAILED);
			refused(c);
		}
		return;
	case ST_STARTTLS:
		mx_reply_from_wire(&c->smtp->starttls_reply, r);
		if (code == 220) {
			sc_step_set(c, &c->smtp->starttls, MX_STEP_OK);
			sc_start_tls(c, ST_TLS);
			return;
		}
		sc_step_set(c, &c->smtp->starttls, MX_STEP_FAILED);
		c->smtp->tls.state = MX_STEP_NOT_RUN;
		if (c->p.require_tls || code == 421) {
			c->smtp->stop = MX_STOP_STARTTLS_REJECTED;
			mx_smtp_client_quit(c);
			return;
		}
		/* Refused before 220: the session may go on in clear. */
		c->smtp->stop = MX_STOP_NONE;
		go_ready(c);
		return;
	case ST_EHLO_TLS:
		if (code == 250) {
			sc_step_set(c, &c->smtp->ehlo_tls, MX_STEP_OK);
			sc_caps_from_wire(&c->smtp->caps_tls, r);
			go_ready(c);
		} else {
			sc_step_set(c, &c->smtp->ehlo_tls, MX_STEP_FAILED);
			refused(c);
		}
		return;
	case ST_CMD:
	case ST_DATA:
		c->st = ST_READY;
		cb = c->cmd_cb;
		c->cmd_cb = NULL;
		if (cb)
			cb(c->cmd_arg, c, r);
		return;
	case ST_QUIT:
		sc_step_set(c, &c->smtp->quit,
			    code == 221 ? MX_STEP_OK : MX_STEP_FAILED);
		sc_finish(c, MX_STOP_NONE, NULL);
		return;
	default:
		sc_note(c, "unexpected reply %d in state %d", code, (int)c->st);
		return;
	}
}

/* ---- connection events ----------------------------------------------- */

static void conn_connected(void *arg, int err)
{
	struct mx_smtp_client *c = arg;

	event_del(c->ev_timer);
	if (err == ECONNRESET || err == ECONNABORTED || err == EPIPE) {
		/* The handshake completed (a refusal is ECONNREFUSED) and
		 * the reset came before we looked: the server accepted and
		 * dropped us at once.  That is a lost connection in the next
		 * step, not a failed connect. */
		sc_step_set(c, &c->smtp->connect, MX_STEP_OK);
		if (c->p.rec)
			mx_connrec_mark(c->p.rec, MX_MARK_CONNECTED);
		c->st = c->p.mode == MX_MODE_IMPLICIT ? ST_TLS_IMPLICIT
						      : ST_GREETING;
		c->step_t0 = mx_now_ms();
		sc_step_set(c, sc_current_step(c), MX_STEP_FAILED);
		sc_finish(c, MX_STOP_PEER_RESET,
			  "connection %s by the server as soon as it was "
			  "accepted, before %s",
			  err == ECONNABORTED ? "aborted" : "reset",
			  c->p.mode == MX_MODE_IMPLICIT ? "the TLS handshake"
							: "the greeting");
		return;
	}
	if (err) {
		sc_step_set(c, &c->smtp->connect, MX_STEP_FAILED);
		sc_finish(c,
			  err == ECONNREFUSED ? MX_STOP_CONNECT_REFUSED
			  : err == ETIMEDOUT  ? MX_STOP_CONNECT_TIMEOUT
					      : MX_STOP_CONNECT_ERROR,
			  "connect to %s port %u: %s", c->p.addr, c->p.port,
			  strerror(err));
		return;
	}
	sc_step_set(c, &c->smtp->connect, MX_STEP_OK);
	sc_note(c, "connected to %s port %u", c->p.addr, c->p.port);
	if (c->p.mode == MX_MODE_IMPLICIT) {
		sc_start_tls(c, ST_TLS_IMPLICIT);
		return;
	}
	c->st = ST_GREETING;
	mx_smtp_reply_reset(&c->reply);
	sc_arm(c, c->p.greeting_timeout_ms);
}

static void conn_tls_done(void *arg, int ok)
{
	struct mx_smtp_client *c = arg;
	struct timeval zero = {0, 0};

	event_del(c->ev_timer);
	c->tls->handshake_ms = sc_step_ms(c);
	if (!ok) {
		sc_step_set(c, &c->smtp->tls, MX_STEP_FAILED);
		/* A close event may follow at once and tell FIN from RST;
		 * finish from the loop so it can be recorded first. */
		c->pending_tls_stop = MX_STOP_TLS_FAILED;
		c->st = ST_DONE;
		event_add(c->ev_timer, &zero);
		return;
	}
	sc_step_set(c, &c->smtp->tls, MX_STEP_OK);
	c->tls_up = 1;
	sc_record_tls_facts(c);
	sc_note(c, "TLS established: %s %s",
		c->tls->version ? c->tls->version : "?",
		c->tls->suite_iana ? c->tls->suite_iana : "?");
	if (c->p.handshake_only) {
		/* Only the handshake was wanted: close now rather than wait
		 * for a greeting (implicit TLS) or send EHLO again. */
		sc_finish(c, MX_STOP_NONE, NULL);
		return;
	}
	if (c->st == ST_TLS_IMPLICIT) {
		c->st = ST_GREETING;
		mx_smtp_reply_reset(&c->reply);
		sc_arm(c, c->p.greeting_timeout_ms);
	} else {
		sc_send_ehlo(c, ST_EHLO_TLS);
	}
}

static void conn_closed(void *arg, enum mx_conn_end end, int err)
{
	struct mx_smtp_client *c = arg;
	struct mx_step *s;

	if (c->pending_tls_stop) {
		if (end == MX_CONN_END_EOF)
			c->tls->fail = MX_TLS_FAIL_EOF;
		else if (end == MX_CONN_END_RESET)
			c->tls->fail = MX_TLS_FAIL_RESET;
		return; /* the scheduled finish completes the job */
	}
	if (c->st == ST_QUIT) {
		sc_step_set(c, &c->smtp->quit, MX_STEP_OK);
		sc_finish(c, MX_STOP_NONE, NULL);
		return;
	}
	s = sc_current_step(c);
	if (s)
		sc_step_set(c, s, MX_STEP_FAILED);
	if (c->st == ST_GREETING && c->smtp->greeting.code == 0)
		c->smtp->banner.state = MX_STEP_FAILED;
	switch (end) {
	case MX_CONN_END_RESET:
		sc_finish(c, MX_STOP_PEER_RESET,
			  "connection reset by the server");
		break;
	case MX_CONN_END_OVERFLOW:
		sc_finish(c, MX_STOP_REPLY_LIMIT,
			  "the server sent more than %u bytes unanswered",
			  MX_CONN_MAX_IN);
		break;
	case MX_CONN_END_ERROR:
		sc_finish(c, MX_STOP_PEER_RESET, "socket error: %s",
			  strerror(err));
		break;
	default:
		sc_finish(c, MX_STOP_PEER_CLOSED,
			  "connection closed by the server");
		break;
	}
}

static const struct mx_conn_cbs conn_cbs = {
	.connected = conn_connected,
	.readable = sc_conn_readable,
	.tls_done = conn_tls_done,
	.closed = conn_closed,
};

/* ---- public API ------------------------------------------------------- */

struct mx_smtp_client *
mx_smtp_client_new(struct event_base *base, const struct mx_smtp_params *p,
		   struct mx_smtp *smtp, struct mx_tls *tls,
		   const struct mx_smtp_client_cbs *cbs, void *arg)
{
	struct mx_smtp_client *c = xcalloc(1, sizeof(*c));

	c->base = base;
	c->p = *p;
	if (c->p.helo == NULL)
		c->p.helo = "mxprobe.invalid";
	c->smtp = smtp;
	c->tls = tls;
	c->cbs = cbs;
	c->arg = arg;
	c->ev_timer = evtimer_new(base, sc_timer_cb, c);
	c->ev_finish = evtimer_new(base, sc_finish_cb, c);
	if (c->ev_timer == NULL || c->ev_finish == NULL)
		mx_fatal(__func__, "evtimer_new");
	mx_smtp_reply_init(&c->reply);
	return c;
}

void mx_smtp_client_free(struct mx_smtp_client *c)
{
	if (c == NULL)
		return;
	mx_conn_free(c->conn);
	event_free(c->ev_timer);
	event_free(c->ev_finish);
	mx_smtp_reply_free(&c->reply);
	free(c);
}

int mx_smtp_client_start(struct mx_smtp_client *c)
{
	char err[256];

	c->t0 = mx_now_ms();
	c->st = ST_CONNECT;
	c->conn = mx_conn_new(c->base, &conn_cbs, c, c->p.log);
	mx_conn_set_record(c->conn, c->p.rec);
	sc_arm(c, c->p.connect_timeout_ms);
	if (mx_conn_connect(c->conn, c->p.addr, c->p.port, err, sizeof(err)) <
	    0) {
		sc_step_set(c, &c->smtp->connect, MX_STEP_FAILED);
		sc_finish(c, MX_STOP_CONNECT_ERROR, "%s", err);
	}
	return 0;
}

int mx_smtp_client_cmd(struct mx_smtp_client *c, const char *line, int flags,
		       mx_smtp_reply_cb cb, void *arg)
{
	if (c->st != ST_READY || strpbrk(line, "\r\n") != NULL)
		return -1;
	c->cmd_cb = cb;
	c->cmd_arg = arg;
	c->st = ST_CMD;
	mx_smtp_reply_reset(&c->reply);
	if (sc_send_line(c, line, flags & MX_SMTP_REDACT) < 0) {
		sc_finish(c, MX_STOP_INTERNAL, "cannot send a command");
		return 0;
	}
	sc_arm(c, c->p.command_timeout_ms);
	return 0;
}

int mx_smtp_client_data(struct mx_smtp_client *c, const uint8_t *payload,
			size_t len, mx_smtp_reply_cb cb, void *arg)
{
	if (c->st != ST_READY)
		return -1;
	c->cmd_cb = cb;
	c->cmd_arg = arg;
	c->st = ST_DATA;
	mx_smtp_reply_reset(&c->reply);
	c->stale = mx_conn_in(c->conn)->len;
	c->stray = 0;
	sc_note(c, "message: %zu bytes", len);
	if (mx_conn_write(c->conn, payload, len) < 0) {
		sc_finish(c, MX_STOP_INTERNAL, "cannot send the message");
		return 0;
	}
	/* RFC 5321 §4.5.3.2.6: allow 10 minutes after the final dot. */
	sc_arm(c, c->p.command_timeout_ms > 0 ? c->p.command_timeout_ms * 2
					      : 600000);
	return 0;
}

void mx_smtp_client_quit(struct mx_smtp_client *c)
{
	if (c->finishing || c->conn == NULL) {
		sc_finish(c, MX_STOP_NONE, NULL);
		return;
	}
	c->st = ST_QUIT;
	mx_smtp_reply_reset(&c->reply);
	if (sc_send_line(c, "QUIT", 0) < 0) {
		sc_finish(c, MX_STOP_NONE, NULL);
		return;
	}
	sc_arm(c, QUIT_TIMEOUT_MS);
}

void mx_smtp_client_abort(struct mx_smtp_client *c, const char *why)
{
	sc_finish(c, MX_STOP_INTERNAL, "%s", why ? why : "aborted");
}
