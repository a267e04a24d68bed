/*
 * rawhello.c - one raw ClientHello over STARTTLS or implicit TLS; see
 * rawhello.h for the contract.
 *
 * The SMTP part is the SMTP client engine with a raw hand-over
 * (params.raw_ready): on "220" to STARTTLS it gives us the connection,
 * which then carries bytes unchanged (probe/conn.h raw mode).  finish()
 * is the single exit; the done callback always comes from the loop
 * (ev_done), never from inside a connection callback, so the caller may
 * free the handle in it.  The SMTP client is freed only from the loop or
 * in mx_rawhello_free: we may be called from inside its call stack.
 */
#include "probe/rawhello.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/conn.h"
#include "probe/smtp_client.h"
#include "wire/tls_registry.h"

#define DEFAULT_HELLO_TIMEOUT_MS 10000

struct mx_rawhello {
	struct event_base *base;
	struct mx_rawhello_params p;
	uint8_t *hello; /* owned copy of p.hello */
	mx_rawhello_done_fn done;
	void *arg;
	struct mx_smtp_client *client;
	struct mx_tls tls;    /* the SMTP client wants one; unused */
	struct mx_conn *conn; /* after the hand-over */
	struct mx_flight *flight;
	struct event *ev_timer;
	struct event *ev_done;
	struct mx_raw_result r;
	int64_t t0, t_sent;
	int sent;
	int finished;
};

static void finish(struct mx_rawhello *rh, enum mx_raw_reaction re,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(struct mx_rawhello *rh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct mx_rawhello *rh, const char *fmt, ...)
{
	char buf[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mx_tx_add(&rh->r.smtp.tx, MX_TX_NOTE, mx_now_ms() - rh->t0, buf,
		  strlen(buf));
}

const char *mx_raw_reaction_name(enum mx_raw_reaction r)
{
	static const char *const n[] = {
		[MX_RAW_NOT_SENT] = "not_sent", [MX_RAW_FLIGHT] = "flight",
		[MX_RAW_ALERT] = "alert",	[MX_RAW_FIN] = "fin",
		[MX_RAW_RST] = "rst",		[MX_RAW_TIMEOUT] = "timeout",
		[MX_RAW_NOT_TLS] = "not_tls",	[MX_RAW_BROKEN] = "broken",
	};
	return (size_t)r < sizeof(n) / sizeof(n[0]) ? n[r] : "unknown";
}

/* ---- finishing -------------------------------------------------------- */

static void release_io(struct mx_rawhello *rh)
{
	if (rh->conn) {
		mx_conn_free(rh->conn);
		rh->conn = NULL;
	}
	if (rh->client) {
		mx_smtp_client_free(rh->client);
		rh->client = NULL;
	}
	if (rh->ev_timer) {
		event_free(rh->ev_timer);
		rh->ev_timer = NULL;
	}
	if (rh->ev_done) {
		event_free(rh->ev_done);
		rh->ev_done = NULL;
	}
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_rawhello *rh = arg;

	(void)fd;
	(void)what;
	/* Out of every other call stack now: the client can go. */
	if (rh->client) {
		mx_smtp_client_free(rh->client);
		rh->client = NULL;
	}
	if (rh->done)
		rh->done(rh->arg, rh, &rh->r); /* may free rh: return at once */
}

/* The server's answer into the connection record (once the hello went
 * out; a hello never sent has no answer). */
static void record_answer(struct mx_rawhello *rh, enum mx_raw_reaction re)
{
	const struct mx_flight_facts *f;
	uint16_t group;

	if (!rh->sent)
		return;
	f = mx_flight_facts(rh->flight);
	if (re == MX_RAW_ALERT && f->alert)
		mx_connrec_alert(rh->p.rec, MX_HOW_ALERT_RECV, f->alert_desc);
	if (re == MX_RAW_TIMEOUT)
		mx_connrec_end(rh->p.rec, MX_HOW_TIMEOUT, -1, 0);
	group = f->sh.key_share_group ? f->sh.key_share_group
		: f->ske.seen	      ? f->ske.group
				      : 0;
	mx_connrec_answer(rh->p.rec, mx_raw_reaction_name(re),
			  f->sh.seen ? f->sh.version : 0,
			  f->sh.seen ? f->sh.suite : 0, group);
}

static void finish(struct mx_rawhello *rh, enum mx_raw_reaction re,
		   const char *fmt, ...)
{
	struct timeval zero = {0, 0};
	int64_t now = mx_now_ms();
	va_list ap;

	if (rh->finished)
		return;
	rh->finished = 1;
	event_del(rh->ev_timer);
	rh->r.reaction = re;
	va_start(ap, fmt);
	vsnprintf(rh->r.detail, sizeof(rh->r.detail), fmt, ap);
	va_end(ap);
	rh->r.ms_total = now - rh->t0;
	if (rh->sent) {
		rh->r.ms_answer = now - rh->t_sent;
		rh->r.flight = mx_flight_facts(rh->flight);
		note(rh, "%s: %s", mx_raw_reaction_name(re), rh->r.detail);
	}
	if (rh->p.rec) {
		record_answer(rh, re);
		mx_log_trace(rh->p.log, MX_TRACE_TLS,
			     "conn %u: raw hello %s:%u: %s (%s)", rh->p.rec->id,
			     rh->p.addr, rh->p.port, mx_raw_reaction_name(re),
			     rh->r.detail);
	} else {
		mx_log_trace(rh->p.log, MX_TRACE_TLS,
			     "raw hello %s:%u: %s (%s)", rh->p.addr, rh->p.port,
			     mx_raw_reaction_name(re), rh->r.detail);
	}
	if (rh->conn) {
		/* Inside its callback the connection frees itself on return. */
		mx_conn_free(rh->conn);
		rh->conn = NULL;
	}
	event_add(rh->ev_done, &zero);
}

/* Map a final flight status to the reaction. */
static void flight_final(struct mx_rawhello *rh, enum mx_flight_status st)
{
	const struct mx_flight_facts *f = mx_flight_facts(rh->flight);
	char *head;

	switch (st) {
	case MX_FLIGHT_DONE:
		if (f->sh.hrr)
			finish(rh, MX_RAW_FLIGHT,
			       "HelloRetryRequest: suite 0x%04x, group 0x%04x",
			       f->sh.suite, f->sh.key_share_group);
		else
			finish(rh, MX_RAW_FLIGHT,
			       "ServerHello %s, suite 0x%04x",
			       mx_tls_version_name(f->sh.version)
				       ? mx_tls_version_name(f->sh.version)
				       : "unknown version",
			       f->sh.suite);
		return;
	case MX_FLIGHT_ALERT:
		finish(rh, MX_RAW_ALERT, "%s alert %u (%s)%s",
		       mx_tls_alert_level_name(f->alert_level)
			       ? mx_tls_alert_level_name(f->alert_level)
			       : "unknown-level",
		       f->alert_desc,
		       mx_tls_alert_name(f->alert_desc)
			       ? mx_tls_alert_name(f->alert_desc)
			       : "unknown",
		       f->sh.seen ? " after the ServerHello" : "");
		return;
	case MX_FLIGHT_NOT_TLS:
		head = mx_escape(f->head, f->head_len > 40 ? 40 : f->head_len,
				 0);
		finish(rh, MX_RAW_NOT_TLS, "not TLS: \"%s\"", head);
		free(head);
		return;
	case MX_FLIGHT_EMPTY:
		finish(rh, MX_RAW_FIN, "FIN right after the ClientHello");
		return;
	default:
		finish(rh, MX_RAW_BROKEN, "%s: %s", mx_flight_status_name(st),
		       f->detail);
		return;
	}
}

/* ---- the raw connection -------------------------------------------------- */

static void raw_connected(void *arg, int err)
{
	(void)arg;
	(void)err; /* connected long before the hand-over */
}

static void raw_readable(void *arg)
{
	struct mx_rawhello *rh = arg;
	struct mx_buf *in = mx_conn_in(rh->conn);

	while (in->len > 0 && !rh->finished) {
		size_t used = 0;
		enum mx_flight_status st;

		st = mx_flight_feed(rh->flight, in->p, in->len, &used);
		rh->r.bytes_in += used;
		mx_buf_consume(in, used);
		if (st != MX_FLIGHT_MORE) {
			flight_final(rh, st);
			return;
		}
		if (used == 0)
			break;
	}
	/* Bytes past the end of the flight are not ours to read. */
	mx_buf_reset(in);
}

static void raw_tls_done(void *arg, int ok)
{
	(void)arg;
	(void)ok; /* no TLS session in raw mode */
}

static void raw_closed(void *arg, enum mx_conn_end end, int err)
{
	struct mx_rawhello *rh = arg;
	enum mx_flight_status st;

	if (rh->finished)
		return;
	switch (end) {
	case MX_CONN_END_EOF:
		st = mx_flight_eof(rh->flight);
		if (st == MX_FLIGHT_TRUNCATED)
			finish(rh, MX_RAW_BROKEN,
			       "FIN inside the server's flight after %zu bytes",
			       rh->r.bytes_in);
		else
			flight_final(rh, st);
		return;
	case MX_CONN_END_RESET:
		if (rh->r.bytes_in == 0)
			finish(rh, MX_RAW_RST,
			       "RST right after the ClientHello");
		else
			finish(rh, MX_RAW_RST, "RST after %zu bytes of answer",
			       rh->r.bytes_in);
		return;
	case MX_CONN_END_OVERFLOW:
		finish(rh, MX_RAW_BROKEN,
		       "the server sent more than we buffer");
		return;
	default:
		finish(rh, MX_RAW_RST, "socket error after the hello: %s",
		       strerror(err));
		return;
	}
}

static const struct mx_conn_cbs raw_cbs = {
	.connected = raw_connected,
	.readable = raw_readable,
	.tls_done = raw_tls_done,
	.closed = raw_closed,
};

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_rawhello *rh = arg;

	(void)fd;
	(void)what;
	if (rh->r.bytes_in == 0)
		finish(rh, MX_RAW_TIMEOUT,
		       "no answer to the ClientHello in %lld ms",
		       (long long)(mx_now_ms() - rh->t_sent));
	else
		finish(rh, MX_RAW_TIMEOUT,
		       "incomplete answer (%zu bytes) after %lld ms",
		       rh->r.bytes_in, (long long)(mx_now_ms() - rh->t_sent));
}

/* ---- the SMTP part ----------------------------------------------------- */

/* STARTTLS accepted (or implicit TLS connected): our turn. */
static void on_raw(void *arg, struct mx_smtp_client *c)
{
	struct mx_rawhello *rh = arg;
	int64_t now = mx_now_ms();
	int64_t ms = rh->p.hello_timeout_ms > 0 ? rh->p.hello_timeout_ms
						: DEFAULT_HELLO_TIMEOUT_MS;
	int64_t left = mx_deadline_left(rh->p.deadline_ms, now);
	struct timeval tv;

	rh->conn = mx_smtp_client_take_conn(c, &raw_cbs, rh, &rh->r.dropped);
	if (rh->conn == NULL) {
		finish(rh, MX_RAW_NOT_SENT,
		       "the connection was not handed over");
		return;
	}
	rh->r.ms_connect = rh->r.smtp.connect.ms;
	rh->r.ms_ready = now - rh->t0;
	rh->t_sent = now;
	rh->sent = 1;
	if (rh->p.rec) {
		mx_connrec_mark(rh->p.rec, MX_MARK_HELLO_SENT);
		(void)mx_connrec_hello_summary(rh->p.rec, rh->hello,
					       rh->p.hello_len);
	}
	note(rh, "raw ClientHello, %zu bytes", rh->p.hello_len);
	if (mx_conn_write(rh->conn, rh->hello, rh->p.hello_len) < 0) {
		finish(rh, MX_RAW_RST, "cannot write the ClientHello");
		return;
	}
	rh->r.hello_len = rh->p.hello_len;
	if (left >= 0 && left < ms)
		ms = left;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	event_add(rh->ev_timer, &tv);
}

static void on_ready(void *arg, struct mx_smtp_client *c)
{
	(void)arg;
	/* Only without STARTTLS (require_tls stops that first). */
	mx_smtp_client_quit(c);
}

static void on_done(void *arg, struct mx_smtp_client *c)
{
	struct mx_rawhello *rh = arg;
	const struct mx_smtp *s = &rh->r.smtp;

	(void)c;
	if (rh->sent || rh->finished)
		return;
	rh->r.ms_connect = s->connect.ms;
	if (s->starttls_reply.code != 0 && s->starttls_reply.code != 220)
		finish(rh, MX_RAW_NOT_SENT, "%s: STARTTLS answered %d",
		       mx_stop_name(s->stop), s->starttls_reply.code);
	else if (s->greeting.code != 0 && s->greeting.code != 220)
		finish(rh, MX_RAW_NOT_SENT, "%s: greeting %d",
		       mx_stop_name(s->stop), s->greeting.code);
	else
		finish(rh, MX_RAW_NOT_SENT, "%s%s%s", mx_stop_name(s->stop),
		       s->error ? ": " : "", s->error ? s->error : "");
}

static const struct mx_smtp_client_cbs smtp_cbs = {
	.ready = on_ready,
	.done = on_done,
};

/* ---- public API -------------------------------------------------------- */

struct mx_rawhello *mx_rawhello_new(struct event_base *base,
				    const struct mx_rawhello_params *p,
				    mx_rawhello_done_fn done, void *arg)
{
	struct mx_rawhello *rh = xcalloc(1, sizeof(*rh));

	rh->base = base;
	rh->p = *p;
	rh->hello = xmalloc(p->hello_len ? p->hello_len : 1);
	if (p->hello_len)
		memcpy(rh->hello, p->hello, p->hello_len);
	rh->done = done;
	rh->arg = arg;
	rh->flight = mx_flight_new();
	rh->ev_timer = evtimer_new(base, timer_cb, rh);
	rh->ev_done = evtimer_new(base, done_cb, rh);
	if (rh->ev_timer == NULL || rh->ev_done == NULL)
		mx_fatal(__func__, "evtimer_new");
	return rh;
}

int mx_rawhello_start(struct mx_rawhello *rh)
{
	struct mx_smtp_params sp;

	rh->t0 = mx_now_ms();
	if (rh->p.hello_len == 0) {
		finish(rh, MX_RAW_NOT_SENT, "no hello to send");
		return 0;
	}
	memset(&sp, 0, sizeof(sp));
	sp.host = rh->p.host ? rh->p.host : rh->p.addr;
	sp.addr = rh->p.addr;
	sp.port = rh->p.port;
	sp.mode = rh->p.mode == MX_MODE_IMPLICIT ? MX_MODE_IMPLICIT
						 : MX_MODE_STARTTLS;
	sp.helo = rh->p.helo;
	sp.starttls = 1;
	sp.require_tls = 1; /* no STARTTLS: nothing to send a hello into */
	sp.connect_timeout_ms = rh->p.connect_timeout_ms;
	sp.greeting_timeout_ms = rh->p.greeting_timeout_ms;
	sp.command_timeout_ms = rh->p.command_timeout_ms;
	sp.tls_timeout_ms = rh->p.hello_timeout_ms;
	sp.deadline_ms = rh->p.deadline_ms;
	sp.log = rh->p.log;
	sp.raw_ready = on_raw;
	sp.rec = rh->p.rec;
	rh->client = mx_smtp_client_new(rh->base, &sp, &rh->r.smtp, &rh->tls,
					&smtp_cbs, rh);
	return mx_smtp_client_start(rh->client);
}

void mx_rawhello_free(struct mx_rawhello *rh)
{
	if (rh == NULL)
		return;
	release_io(rh);
	mx_flight_free(rh->flight);
	mx_smtp_clear(&rh->r.smtp);
	mx_tls_clear(&rh->tls);
	free(rh->hello);
	free(rh);
}

const struct mx_raw_result *mx_rawhello_result(const struct mx_rawhello *rh)
{
	return &rh->r;
}
