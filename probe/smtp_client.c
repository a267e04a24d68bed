/*
 * smtp_client.c - the SMTP client engine; see smtp_client.h.
 *
 * A state machine over probe/conn.c.  Each state that waits for the
 * server arms the step timer; every reply is parsed by wire/smtp.c with
 * its limits.  finish() is the single exit: it records the TLS facts,
 * closes the connection and schedules the done callback from the loop.
 */
#include "probe/smtp_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/conn.h"
#include "wire/tls_registry.h"

#define DEFAULT_TIMEOUT_MS 30000
#define QUIT_TIMEOUT_MS 3000
#define PEER_QUOTE_MAX 160 /* escaped peer bytes quoted in `error` */
#define PEER_RAW_MAX 4096  /* raw peer bytes kept for the quote */
#define MAX_UNSOLICITED 8  /* unsolicited replies skipped, then a stop */

enum st {
	ST_INIT = 0,
	ST_CONNECT,
	ST_TLS_IMPLICIT,
	ST_GREETING,
	ST_EHLO,
	ST_HELO,
	ST_STARTTLS,
	ST_TLS,
	ST_EHLO_TLS,
	ST_READY,
	ST_CMD,
	ST_DATA,
	ST_QUIT,
	ST_RAW, /* handed over, or about to be (raw_ready) */
	ST_DONE,
};

struct mx_smtp_client {
	struct event_base *base;
	struct mx_smtp_params p;
	struct mx_smtp *smtp;
	struct mx_tls *tls;
	const struct mx_smtp_client_cbs *cbs;
	void *arg;
	struct mx_conn *conn;
	struct event *ev_timer;
	struct event *ev_finish;
	enum st st;
	int64_t t0;	 /* start, monotonic ms */
	int64_t step_t0; /* start of the current step */
	struct mx_smtp_reply reply;
	mx_smtp_reply_cb cmd_cb;
	void *cmd_arg;
	int tls_up;
	int clipped; /* the step timer was cut by the deadline */
	int finishing;
	int done_called;
	enum mx_stop pending_tls_stop; /* TLS failed; finish is scheduled */
	/* Unsolicited input (RFC 5321 §4.3, §2.1: a reply answers the
	 * command sent before it; nothing else may be taken for it).
	 * `stale` counts the bytes that had arrived, unread, when our last
	 * command went out: a reply that starts among them was sent before
	 * the server saw the command.  `stray` marks the reply being read
	 * as such; `nstray` counts those skipped. */
	size_t stale;
	int stray;
	unsigned nstray;
};

static void finish(struct mx_smtp_client *c, enum mx_stop stop, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static int64_t now_rel(const struct mx_smtp_client *c)
{
	return mx_now_ms() - c->t0;
}

int64_t mx_smtp_client_elapsed(const struct mx_smtp_client *c)
{
	return now_rel(c);
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

static void note(struct mx_smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct mx_smtp_client *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mx_tx_add(&c->smtp->tx, MX_TX_NOTE, now_rel(c), buf, strlen(buf));
}

/* ---- timers ------------------------------------------------------------ */

static void arm(struct mx_smtp_client *c, int step_ms)
{
	int64_t now = mx_now_ms();
	int64_t ms = step_ms > 0 ? step_ms : DEFAULT_TIMEOUT_MS;
	int64_t left = mx_deadline_left(c->p.deadline_ms, now);
	struct timeval tv;

	c->clipped = left >= 0 && left < ms;
	if (c->clipped)
		ms = left;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	event_add(c->ev_timer, &tv);
	c->step_t0 = now;
}

static int64_t step_ms(const struct mx_smtp_client *c)
{
	return mx_now_ms() - c->step_t0;
}

static void step_set(struct mx_smtp_client *c, struct mx_step *s,
		     enum mx_step_state st)
{
	s->state = st;
	s->ms = step_ms(c);
}

/* The step record for the state we are waiting in. */
static struct mx_step *current_step(struct mx_smtp_client *c)
{
	switch (c->st) {
	case ST_CONNECT:
		return &c->smtp->connect;
	case ST_GREETING:
		return &c->smtp->banner;
	case ST_EHLO:
	case ST_HELO:
		return &c->smtp->ehlo;
	case ST_STARTTLS:
		return &c->smtp->starttls;
	case ST_TLS:
	case ST_TLS_IMPLICIT:
		return &c->smtp->tls;
	case ST_EHLO_TLS:
		return &c->smtp->ehlo_tls;
	case ST_QUIT:
		return &c->smtp->quit;
	default:
		return NULL;
	}
}

static int deadline_passed(const struct mx_smtp_client *c)
{
	return c->p.deadline_ms != 0 && mx_now_ms() >= c->p.deadline_ms;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_smtp_client *c = arg;
	struct mx_step *s = current_step(c);
	enum mx_stop stop;
	int target = c->clipped || deadline_passed(c);

	(void)fd;
	(void)what;
	if (s)
		step_set(c, s, MX_STEP_FAILED);
	switch (c->st) {
	case ST_CONNECT:
		stop = MX_STOP_CONNECT_TIMEOUT;
		break;
	case ST_GREETING:
		stop = MX_STOP_GREETING_TIMEOUT;
		break;
	case ST_TLS:
	case ST_TLS_IMPLICIT:
		c->tls->fail = MX_TLS_FAIL_TIMEOUT;
		c->tls->handshake_ms = s ? s->ms : step_ms(c);
		stop = MX_STOP_TLS_FAILED;
		break;
	case ST_QUIT:
		/* No 221 in time: not worth a finding (we close). */
		finish(c, MX_STOP_NONE, NULL);
		return;
	default:
		stop = MX_STOP_REPLY_TIMEOUT;
		break;
	}
	if (c->p.rec)
		mx_connrec_end(c->p.rec, MX_HOW_TIMEOUT, -1, 0);
	if (target && stop != MX_STOP_CONNECT_TIMEOUT &&
	    stop != MX_STOP_GREETING_TIMEOUT && stop != MX_STOP_TLS_FAILED)
		stop = MX_STOP_TARGET_DEADLINE;
	finish(c, stop, "no answer within %lld ms%s",
	       (long long)(s ? s->ms : step_ms(c)),
	       target ? " (target deadline)" : "");
}

/* ---- finishing ----------------------------------------------------------- */

static void finish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_smtp_client *c = arg;

	(void)fd;
	(void)what;
	if (c->done_called)
		return;
	c->done_called = 1;
	c->cbs->done(c->arg, c);
}

/* Wire code of a version name as the backends write it ("TLSv1"). */
static uint16_t version_code(const char *name)
{
	uint16_t v;

	if (name == NULL)
		return 0;
	if (strcmp(name, "TLSv1") == 0)
		return 0x0301;
	for (v = 0x0300; v <= 0x0304; v++)
		if (mx_tls_version_name(v) &&
		    strcmp(mx_tls_version_name(v), name) == 0)
			return v;
	return 0;
}

/* The library handshake's outcome into the connection record. */
static void record_answer(struct mx_smtp_client *c)
{
	static const char *const fail[] = {
		[MX_TLS_FAIL_ALERT_RECV] = "alert",
		[MX_TLS_FAIL_ALERT_SENT] = "alert_sent",
		[MX_TLS_FAIL_EOF] = "fin",
		[MX_TLS_FAIL_RESET] = "rst",
		[MX_TLS_FAIL_TIMEOUT] = "timeout",
		[MX_TLS_FAIL_PROTOCOL] = "not_tls",
		[MX_TLS_FAIL_OTHER] = "error",
	};
	const struct mx_tls *t = c->tls;
	const struct mx_group *g = mx_group_by_name(t->temp_key_group);
	struct mx_connrec *r = c->p.rec;

	if (r == NULL)
		return;
	if (t->fail == MX_TLS_FAIL_ALERT_RECV)
		mx_connrec_alert(r, MX_HOW_ALERT_RECV, t->alert);
	else if (t->fail == MX_TLS_FAIL_ALERT_SENT)
		mx_connrec_alert(r, MX_HOW_ALERT_SENT, t->alert);
	if (t->completed)
		mx_connrec_answer(r, "handshake", version_code(t->version),
				  t->suite_id, g ? g->id : 0);
	else if ((size_t)t->fail < sizeof(fail) / sizeof(fail[0]) &&
		 fail[t->fail] != NULL)
		mx_connrec_answer(r, fail[t->fail], version_code(t->version),
				  t->suite_id, g ? g->id : 0);
}

static void record_tls_facts(struct mx_smtp_client *c)
{
	struct mx_tls_session *s;
	enum mx_tls_fail keep_fail;
	int64_t hs;

	if (c->conn == NULL || (s = mx_conn_tls(c->conn)) == NULL)
		return;
	keep_fail = c->tls->fail;
	hs = c->tls->handshake_ms;
	mx_tls_clear(c->tls);
	mx_conn_tls_backend(c->conn)->facts(s, c->tls);
	c->tls->handshake_ms = hs;
	/* Socket-level causes seen by us override a generic library error. */
	if (keep_fail != MX_TLS_FAIL_NONE &&
	    (c->tls->fail == MX_TLS_FAIL_NONE ||
	     c->tls->fail == MX_TLS_FAIL_OTHER))
		c->tls->fail = keep_fail;
	record_answer(c);
}

static void finish(struct mx_smtp_client *c, enum mx_stop stop, const char *fmt,
		   ...)
{
	struct timeval zero = {0, 0};
	mx_smtp_reply_cb cb = c->cmd_cb;

	if (c->finishing)
		return;
	c->finishing = 1;
	event_del(c->ev_timer);
	if (c->smtp->stop == MX_STOP_NONE)
		c->smtp->stop = stop;
	if (fmt && c->smtp->error == NULL) {
		char buf[512];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		c->smtp->error = mx_escape_str(buf, 0);
		note(c, "%s", buf);
	}
	if (!c->tls->completed)
		record_tls_facts(c);
	mx_conn_free(c->conn);
	c->conn = NULL;
	c->st = ST_DONE;
	if (cb) {
		c->cmd_cb = NULL;
		cb(c->cmd_arg, c, NULL);
	}
	event_add(c->ev_finish, &zero);
}

/*
 * Stop with peer bytes as evidence: `what` (our own text) then the bytes
 * a (alen) followed by b (blen), quoted.  The peer bytes are escaped
 * exactly once, here, into smtp->error (capped at PEER_QUOTE_MAX escaped
 * bytes, "..." marking a cut) and recorded as received in the transcript
 * (which escapes them itself); the note carries only `what`.  Nothing
 * before the first byte of the offending line is dropped.
 */
static void finish_quoting(struct mx_smtp_client *c, enum mx_stop stop,
			   const char *what, const uint8_t *a, size_t alen,
			   const uint8_t *b, size_t blen)
{
	struct mx_buf raw, ev;

	mx_buf_init(&raw, 0);
	mx_buf_init(&ev, 0);
	if (alen > PEER_RAW_MAX)
		alen = PEER_RAW_MAX;
	if (blen > PEER_RAW_MAX - alen)
		blen = PEER_RAW_MAX - alen;
	mx_buf_push(&raw, a, alen);
	mx_buf_push(&raw, b, blen);
	mx_buf_push_str(&ev, what);
	if (raw.len > 0) {
		mx_buf_push_str(&ev, ": \"");
		mx_escape_buf(&ev, raw.p, raw.len, PEER_QUOTE_MAX);
		mx_buf_push_str(&ev, "\"");
		mx_tx_add(&c->smtp->tx, MX_TX_RECV, now_rel(c), raw.p, raw.len);
	}
	if (c->smtp->error == NULL && !ev.err) {
		c->smtp->error = (char *)mx_buf_take(&ev, NULL);
		note(c, "%s", what);
	}
	mx_buf_free(&raw);
	mx_buf_free(&ev);
	finish(c, stop, NULL);
}

/* ---- sending ----------------------------------------------------------- */

static int send_line(struct mx_smtp_client *c, const char *line, int redact)
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
		mx_tx_add(&c->smtp->tx, MX_TX_SENT, now_rel(c), red,
			  strlen(red));
	} else {
		mx_tx_add(&c->smtp->tx, MX_TX_SENT, now_rel(c), line,
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

static void send_cmd(struct mx_smtp_client *c, enum st st, const char *line,
		     int timeout_ms)
{
	c->st = st;
	mx_smtp_reply_reset(&c->reply);
	if (send_line(c, line, 0) < 0) {
		finish(c, MX_STOP_INTERNAL, "cannot send %s", line);
		return;
	}
	arm(c, timeout_ms);
}

static void send_ehlo(struct mx_smtp_client *c, enum st st)
{
	char line[300];

	snprintf(line, sizeof(line), "%s %s", st == ST_HELO ? "HELO" : "EHLO",
		 c->p.helo);
	send_cmd(c, st, line, c->p.command_timeout_ms);
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

static void caps_from_wire(struct mx_caps *caps, const struct mx_smtp_reply *r)
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

/* raw_ready: offer the connection to the raw engine. */
static void hand_over(struct mx_smtp_client *c)
{
	c->st = ST_RAW;
	event_del(c->ev_timer);
	c->p.raw_ready(c->arg, c);
	if (c->conn != NULL && c->st == ST_RAW)
		finish(c, MX_STOP_INTERNAL, "nobody took the raw connection");
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
		note(c,
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

static void start_tls(struct mx_smtp_client *c, enum st st)
{
	char err[256];
	size_t dropped = 0;

	if (c->p.raw_ready != NULL) {
		hand_over(c);
		return;
	}
	c->st = st;
	c->tls->attempted = 1;
	arm(c, c->p.tls_timeout_ms);
	if (mx_conn_start_tls(c->conn, c->p.tls, c->p.tls_params, &dropped, err,
			      sizeof(err)) < 0) {
		/* Nothing went out yet: our own setup failed (a trust
		 * store that cannot load), not the server. */
		step_set(c, &c->smtp->tls, MX_STEP_FAILED);
		c->tls->fail = MX_TLS_FAIL_LOCAL;
		finish(c, MX_STOP_LOCAL, "TLS setup on this machine: %s", err);
		return;
	}
	c->smtp->starttls_dropped = dropped;
	if (dropped > 0)
		note(c,
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
			send_cmd(c, ST_STARTTLS, "STARTTLS",
				 c->p.command_timeout_ms);
			return;
		}
		c->smtp->starttls.state = MX_STEP_SKIPPED;
		c->smtp->tls.state = MX_STEP_SKIPPED;
		if (c->p.require_tls) {
			finish(c, MX_STOP_STARTTLS_REJECTED,
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
		finish(c, MX_STOP_EHLO_REJECTED, NULL);
	else
		mx_smtp_client_quit(c);
}

static void on_reply(struct mx_smtp_client *c)
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
			step_set(c, &c->smtp->banner, MX_STEP_FAILED);
			c->smtp->stop = MX_STOP_GREETING_REJECTED;
			mx_smtp_client_quit(c);
			return;
		}
		step_set(c, &c->smtp->banner, MX_STEP_OK);
		send_ehlo(c, c->tls_up ? ST_EHLO_TLS : ST_EHLO);
		return;
	case ST_EHLO:
		if (code == 250) {
			step_set(c, &c->smtp->ehlo, MX_STEP_OK);
			caps_from_wire(&c->smtp->caps, r);
			after_ehlo(c);
		} else if (code >= 500) {
			/* RFC 5321 §4.1.4, §3.2: a server without EHLO answers
			 * 5xx ("command not recognized"); fall back to HELO. */
			send_ehlo(c, ST_HELO);
		} else {
			/* A 4xx is temporary, not "EHLO unknown": no HELO. */
			step_set(c, &c->smtp->ehlo, MX_STEP_FAILED);
			refused(c);
		}
		return;
	case ST_HELO:
		if (code == 250) {
			step_set(c, &c->smtp->ehlo, MX_STEP_OK);
			c->smtp->used_helo = 1;
			after_ehlo(c);
		} else {
			step_set(c, &c->smtp->ehlo, MX_STEP_FAILED);
			refused(c);
		}
		return;
	case ST_STARTTLS:
		mx_reply_from_wire(&c->smtp->starttls_reply, r);
		if (code == 220) {
			step_set(c, &c->smtp->starttls, MX_STEP_OK);
			start_tls(c, ST_TLS);
			return;
		}
		step_set(c, &c->smtp->starttls, MX_STEP_FAILED);
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
			step_set(c, &c->smtp->ehlo_tls, MX_STEP_OK);
			caps_from_wire(&c->smtp->caps_tls, r);
			go_ready(c);
		} else {
			step_set(c, &c->smtp->ehlo_tls, MX_STEP_FAILED);
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
		step_set(c, &c->smtp->quit,
			 code == 221 ? MX_STEP_OK : MX_STEP_FAILED);
		finish(c, MX_STOP_NONE, NULL);
		return;
	default:
		note(c, "unexpected reply %d in state %d", code, (int)c->st);
		return;
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
		finish(c, MX_STOP_REPLY_LIMIT,
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
	mx_tx_add(&c->smtp->tx, MX_TX_NOTE, now_rel(c), b.p, b.len);
	mx_buf_free(&b);
	mx_smtp_reply_reset(&c->reply);
	c->stray = 0;
}

/* The parser stopped on an error: stop, quoting the line that broke the
 * rule from its first byte, and what followed it in the buffer. */
static void reply_error(struct mx_smtp_client *c, enum mx_smtp_status s,
			const struct mx_buf *in)
{
	struct mx_step *st = current_step(c);
	size_t blen;
	const uint8_t *bad = mx_smtp_reply_bad_line(&c->reply, &blen);
	char what[160];

	if (st)
		step_set(c, st, MX_STEP_FAILED);
	if (s == MX_SMTP_MALFORMED) {
		finish_quoting(c, MX_STOP_REPLY_MALFORMED, "not an SMTP reply",
			       bad, blen, in->p, in->len);
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
	finish_quoting(c, MX_STOP_REPLY_LIMIT, what, bad, blen, NULL, 0);
}

static void conn_readable(void *arg)
{
	struct mx_smtp_client *c = arg;
	struct mx_buf *in = mx_conn_in(c->conn);

	while (in->len > 0 && !c->finishing) {
		size_t used = 0;
		enum mx_smtp_status s;
		size_t i, first;

		if (c->st == ST_READY || c->st == ST_DONE) {
			/* Unsolicited bytes: keep them visible, drop them. */
			mx_tx_add(&c->smtp->tx, MX_TX_RECV, now_rel(c), in->p,
				  in->len);
			note(c, "unsolicited data from the server");
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
			mx_tx_add(&c->smtp->tx, MX_TX_RECV, now_rel(c), line,
				  (size_t)n + tl);
		}
		mx_buf_consume(in, used);
		if (s == MX_SMTP_MORE)
			return;
		if (s == MX_SMTP_DONE) {
			if (c->stray || !code_fits(c, c->reply.code))
				skip_unsolicited(c);
			else
				on_reply(c);
			continue;
		}
		reply_error(c, s, in);
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
		step_set(c, &c->smtp->connect, MX_STEP_OK);
		if (c->p.rec)
			mx_connrec_mark(c->p.rec, MX_MARK_CONNECTED);
		c->st = c->p.mode == MX_MODE_IMPLICIT ? ST_TLS_IMPLICIT
						      : ST_GREETING;
		c->step_t0 = mx_now_ms();
		step_set(c, current_step(c), MX_STEP_FAILED);
		finish(c, MX_STOP_PEER_RESET,
		       "connection %s by the server as soon as it was "
		       "accepted, before %s",
		       err == ECONNABORTED ? "aborted" : "reset",
		       c->p.mode == MX_MODE_IMPLICIT ? "the TLS handshake"
						     : "the greeting");
		return;
	}
	if (err) {
		step_set(c, &c->smtp->connect, MX_STEP_FAILED);
		finish(c,
		       err == ECONNREFUSED ? MX_STOP_CONNECT_REFUSED
		       : err == ETIMEDOUT  ? MX_STOP_CONNECT_TIMEOUT
					   : MX_STOP_CONNECT_ERROR,
		       "connect to %s port %u: %s", c->p.addr, c->p.port,
		       strerror(err));
		return;
	}
	step_set(c, &c->smtp->connect, MX_STEP_OK);
	note(c, "connected to %s port %u", c->p.addr, c->p.port);
	if (c->p.mode == MX_MODE_IMPLICIT) {
		start_tls(c, ST_TLS_IMPLICIT);
		return;
	}
	c->st = ST_GREETING;
	mx_smtp_reply_reset(&c->reply);
	arm(c, c->p.greeting_timeout_ms);
}

static void conn_tls_done(void *arg, int ok)
{
	struct mx_smtp_client *c = arg;
	struct timeval zero = {0, 0};

	event_del(c->ev_timer);
	c->tls->handshake_ms = step_ms(c);
	if (!ok) {
		step_set(c, &c->smtp->tls, MX_STEP_FAILED);
		/* A close event may follow at once and tell FIN from RST;
		 * finish from the loop so it can be recorded first. */
		c->pending_tls_stop = MX_STOP_TLS_FAILED;
		c->st = ST_DONE;
		event_add(c->ev_timer, &zero);
		return;
	}
	step_set(c, &c->smtp->tls, MX_STEP_OK);
	c->tls_up = 1;
	record_tls_facts(c);
	note(c, "TLS established: %s %s",
	     c->tls->version ? c->tls->version : "?",
	     c->tls->suite_iana ? c->tls->suite_iana : "?");
	if (c->p.handshake_only) {
		/* Only the handshake was wanted: close now rather than wait
		 * for a greeting (implicit TLS) or send EHLO again. */
		finish(c, MX_STOP_NONE, NULL);
		return;
	}
	if (c->st == ST_TLS_IMPLICIT) {
		c->st = ST_GREETING;
		mx_smtp_reply_reset(&c->reply);
		arm(c, c->p.greeting_timeout_ms);
	} else {
		send_ehlo(c, ST_EHLO_TLS);
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
		step_set(c, &c->smtp->quit, MX_STEP_OK);
		finish(c, MX_STOP_NONE, NULL);
		return;
	}
	s = current_step(c);
	if (s)
		step_set(c, s, MX_STEP_FAILED);
	if (c->st == ST_GREETING && c->smtp->greeting.code == 0)
		c->smtp->banner.state = MX_STEP_FAILED;
	switch (end) {
	case MX_CONN_END_RESET:
		finish(c, MX_STOP_PEER_RESET, "connection reset by the server");
		break;
	case MX_CONN_END_OVERFLOW:
		finish(c, MX_STOP_REPLY_LIMIT,
		       "the server sent more than %u bytes unanswered",
		       MX_CONN_MAX_IN);
		break;
	case MX_CONN_END_ERROR:
		finish(c, MX_STOP_PEER_RESET, "socket error: %s",
		       strerror(err));
		break;
	default:
		finish(c, MX_STOP_PEER_CLOSED,
		       "connection closed by the server");
		break;
	}
}

static const struct mx_conn_cbs conn_cbs = {
	.connected = conn_connected,
	.readable = conn_readable,
	.tls_done = conn_tls_done,
	.closed = conn_closed,
};

/* The step timer doubles as the deferred TLS-failure finish. */
static void timer_or_tls_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_smtp_client *c = arg;

	if (c->pending_tls_stop) {
		const char *d;

		record_tls_facts(c);
		d = c->tls->fail_detail;
		finish(c, MX_STOP_TLS_FAILED, "TLS handshake failed: %s%s%s",
		       mx_tls_fail_name(c->tls->fail), d ? ": " : "",
		       d ? d : "");
		return;
	}
	timer_cb(fd, what, arg);
}

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
	c->ev_timer = evtimer_new(base, timer_or_tls_cb, c);
	c->ev_finish = evtimer_new(base, finish_cb, c);
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
	arm(c, c->p.connect_timeout_ms);
	if (mx_conn_connect(c->conn, c->p.addr, c->p.port, err, sizeof(err)) <
	    0) {
		step_set(c, &c->smtp->connect, MX_STEP_FAILED);
		finish(c, MX_STOP_CONNECT_ERROR, "%s", err);
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
	if (send_line(c, line, flags & MX_SMTP_REDACT) < 0) {
		finish(c, MX_STOP_INTERNAL, "cannot send a command");
		return 0;
	}
	arm(c, c->p.command_timeout_ms);
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
	note(c, "message: %zu bytes", len);
	if (mx_conn_write(c->conn, payload, len) < 0) {
		finish(c, MX_STOP_INTERNAL, "cannot send the message");
		return 0;
	}
	/* RFC 5321 §4.5.3.2.6: allow 10 minutes after the final dot. */
	arm(c,
	    c->p.command_timeout_ms > 0 ? c->p.command_timeout_ms * 2 : 600000);
	return 0;
}

void mx_smtp_client_quit(struct mx_smtp_client *c)
{
	if (c->finishing || c->conn == NULL) {
		finish(c, MX_STOP_NONE, NULL);
		return;
	}
	c->st = ST_QUIT;
	mx_smtp_reply_reset(&c->reply);
	if (send_line(c, "QUIT", 0) < 0) {
		finish(c, MX_STOP_NONE, NULL);
		return;
	}
	arm(c, QUIT_TIMEOUT_MS);
}

void mx_smtp_client_abort(struct mx_smtp_client *c, const char *why)
{
	finish(c, MX_STOP_INTERNAL, "%s", why ? why : "aborted");
}
