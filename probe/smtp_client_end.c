/*
 * smtp_client_end.c - time and the end of an SMTP client session
 * (smtp_client.h, smtp_client_int.h): the step timer clipped by the
 * per-target deadline and what a timeout means in each state; the TLS
 * facts and the library handshake's answer in the connection record;
 * sc_finish(), the single exit (stop, escaped detail, close, the command
 * outstanding told, done scheduled from the loop), and sc_finish_quoting()
 * for stops whose evidence is the peer's own bytes.
 */
#include "probe/smtp_client_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/escape.h"
#include "probe/conn.h"
#include "wire/tls_registry.h"

/* ---- timers ------------------------------------------------------------ */

void sc_arm(struct mx_smtp_client *c, int step_ms)
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

int64_t sc_step_ms(const struct mx_smtp_client *c)
{
	return mx_now_ms() - c->step_t0;
}

void sc_step_set(struct mx_smtp_client *c, struct mx_step *s,
		 enum mx_step_state st)
{
	s->state = st;
	s->ms = sc_step_ms(c);
}

/* The step record for the state we are waiting in. */
struct mx_step *sc_current_step(struct mx_smtp_client *c)
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
	struct mx_step *s = sc_current_step(c);
	enum mx_stop stop;
	int target = c->clipped || deadline_passed(c);

	(void)fd;
	(void)what;
	if (s)
		sc_step_set(c, s, MX_STEP_FAILED);
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
		c->tls->handshake_ms = s ? s->ms : sc_step_ms(c);
		stop = MX_STOP_TLS_FAILED;
		break;
	case ST_QUIT:
		/* No 221 in time: not worth a finding (we close). */
		sc_finish(c, MX_STOP_NONE, NULL);
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
	sc_finish(c, stop, "no answer within %lld ms%s",
		  (long long)(s ? s->ms : sc_step_ms(c)),
		  target ? " (target deadline)" : "");
}

/* ---- finishing ----------------------------------------------------------- */

void sc_finish_cb(evutil_socket_t fd, short what, void *arg)
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

void sc_record_tls_facts(struct mx_smtp_client *c)
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

void sc_finish(struct mx_smtp_client *c, enum mx_stop stop, const char *fmt,
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
		sc_note(c, "%s", buf);
	}
	if (!c->tls->completed)
		sc_record_tls_facts(c);
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
void sc_finish_quoting(struct mx_smtp_client *c, enum mx_stop stop,
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
		mx_tx_add(&c->smtp->tx, MX_TX_RECV, sc_now_rel(c), raw.p,
			  raw.len);
	}
	if (c->smtp->error == NULL && !ev.err) {
		c->smtp->error = (char *)mx_buf_take(&ev, NULL);
		sc_note(c, "%s", what);
	}
	mx_buf_free(&raw);
	mx_buf_free(&ev);
	sc_finish(c, stop, NULL);
}

/* The step timer doubles as the deferred TLS-failure finish. */
void sc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_smtp_client *c = arg;

	if (c->pending_tls_stop) {
		const char *d;

		sc_record_tls_facts(c);
		d = c->tls->fail_detail;
		sc_finish(c, MX_STOP_TLS_FAILED, "TLS handshake failed: %s%s%s",
			  mx_tls_fail_name(c->tls->fail), d ? ": " : "",
			  d ? d : "");
		return;
	}
	timer_cb(fd, what, arg);
}
