/*
 * sender.c - the delivery engine; see sender.h for the contract.
 *
 * One state machine per sender: RESOLVE -> (per endpoint: TLSA lookup
 * for dane levels -> SMTP session through probe/smtp_client ->
 * policy judge -> AUTH -> MAIL -> RCPT... -> DATA -> QUIT) -> done.
 * Protocol references: RFC 5321 (section 3.3 mail transactions, 4.5.2
 * transparency, 5.1 MX order), RFC 1870 (SIZE), RFC 6152 (8BITMIME),
 * RFC 6531 (SMTPUTF8), RFC 4954 (AUTH), RFC 7672 (DANE for SMTP).
 */
#include "relay/sender.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/smtp_client.h"
#include "probe/target.h"
#include "probe/tlsa.h"
#include "relay/auth.h"
#include "relay/message.h"
#include "wire/smtp.h"
#include "wire/smtp_data.h"

#define DEFAULT_STEP_MS 30000
#define DEFAULT_DATA_MS 600000
#define DEFAULT_ATTEMPTS 5

struct mx_sender {
	struct event_base *base;
	struct mx_send_params p;
	struct mx_sender_cbs cbs;
	void *arg;
	struct mx_send_result *r;
	struct event *ev_kick; /* start / next step from the loop */
	struct event *ev_done;
	int64_t t0;
	size_t next_ep;		     /* next endpoint to try */
	unsigned nconn;		     /* connection records made */
	struct mx_send_attempt *cur; /* current attempt (in r->attempts) */
	size_t cur_idx;
	struct mx_smtp_client *client;
	struct mx_auth *auth;
	size_t rcpt_i;
	size_t naccepted;
	int64_t stage_t0;
	enum mx_send_stage stage; /* our own stage in progress */
	int decided;		  /* attempt outcome decided */
	int finished;		  /* done scheduled */
	int resolving, tlsa_pending;
	int canceled;
	struct mx_buf payload;	 /* dot-stuffed message */
	struct mx_tls_params tp; /* borrowed by the engine */
};

static void set_error(struct mx_send_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The error is our words and model strings, which are escaped already
 * (model/result.h): escaping it again would show "\\r\\n" for a CR LF.
 * Only a control or 8-bit byte that slipped in unescaped is escaped. */
static void set_error(struct mx_send_result *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	const unsigned char *p;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->error);
	for (p = (const unsigned char *)buf; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			break;
	r->error = *p ? mx_escape_str(buf, 0) : xstrdup(buf);
}

/* ---- the sender --------------------------------------------------------- */

static void kick_cb(evutil_socket_t fd, short what, void *arg);
static void done_cb(evutil_socket_t fd, short what, void *arg);
static void next_attempt(struct mx_sender *s);
static void finish(struct mx_sender *s);

static int policy_needs_judge(enum mx_tls_policy p)
{
	return p != MX_POLICY_NONE;
}

struct mx_sender *mx_sender_new(struct event_base *base,
				const struct mx_send_params *p,
				const struct mx_sender_cbs *cbs, void *arg,
				char *err, size_t errlen)
{
	struct mx_sender *s;
	struct mx_target *t;
	struct mx_data_stats ds;
	size_t i;

	if (base == NULL || p == NULL || cbs == NULL || cbs->done == NULL) {
		snprintf(err, errlen, "missing event base, params or callback");
		return NULL;
	}
	if (p->nexthop == NULL || p->from == NULL || p->nrcpts == 0 ||
	    p->rcpts == NULL || p->msg == NULL) {
		snprintf(err, errlen,
			 "a next hop, a sender, at least one "
			 "recipient and a message are required");
		return NULL;
	}
	if ((unsigned)p->policy >= MX_POLICY__N ||
	    (policy_needs_judge(p->policy) && p->judge == NULL)) {
		snprintf(err, errlen, "TLS policy %s needs a judge",
			 mx_tls_policy_name(p->policy));
		return NULL;
	}
	if (p->auth_user && p->auth_password == NULL) {
		snprintf(err, errlen, "AUTH needs a password");
		return NULL;
	}
	for (i = 0; i < p->nrcpts; i++) {
		if (p->rcpts[i] == NULL || strlen(p->rcpts[i]) > 512 ||
		    strpbrk(p->rcpts[i], "\r\n<>") != NULL) {
			snprintf(err, errlen, "recipient %zu is not an address",
				 i + 1);
			return NULL;
		}
	}
	if (strlen(p->from) > 512 || strpbrk(p->from, "\r\n<>") != NULL) {
		snprintf(err, errlen, "the sender is not an address");
		return NULL;
	}
	if (p->helo &&
	    (strlen(p->helo) > 255 || strpbrk(p->helo, "\r\n ") != NULL)) {
		snprintf(err, errlen, "bad HELO name");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->p = *p;
	if (s->p.tls == NULL)
		s->p.tls = &mx_tls_openssl;
	if (s->p.helo == NULL)
		s->p.helo = "localhost";
	if (s->p.step_timeout_ms <= 0)
		s->p.step_timeout_ms = DEFAULT_STEP_MS;
	if (s->p.data_timeout_ms <= 0)
		s->p.data_timeout_ms = DEFAULT_DATA_MS;
	if (s->p.max_attempts == 0)
		s->p.max_attempts = DEFAULT_ATTEMPTS;
	if (s->p.random == NULL)
		s->p.random = mx_relay_random_os;
	s->cbs = *cbs;
	s->arg = arg;
	s->r = xcalloc(1, sizeof(*s->r));
	s->r->policy = p->policy;
	s->r->effective = p->policy;
	s->r->status = MX_SEND_TEMPFAIL;
	s->r->run = mx_run_new();
	t = mx_run_add_target(s->r->run);
	s->r->target = t;
	if (mx_target_parse(p->nexthop, t, err, errlen) < 0) {
		mx_sender_free(s);
		return NULL;
	}
	s->r->target = &s->r->run->targets[0];
	s->r->nexthop = xstrdup(s->r->target->name);
	if (s->p.dns == NULL && !(s->r->target->kind == MX_TARGET_HOST &&
				  mx_is_ip_literal(s->r->target->name))) {
		snprintf(err, errlen, "a DNS context is needed for %s",
			 s->r->target->name);
		mx_sender_free(s);
		return NULL;
	}
	/* The DATA payload, once (RFC 5321 section 4.5.2). */
	mx_buf_init(&s->payload, MX_MSG_MAX_SIZE + MX_MSG_MAX_SIZE / 4);
	if (mx_smtp_dot_stuff(p->msg, p->msg_len, 0, &s->payload, &ds) !=
	    MX_DATA_OK) {
		snprintf(err, errlen,
			 "the message cannot be sent as SMTP "
			 "DATA (NUL, over-long line, or too big)");
		mx_sender_free(s);
		return NULL;
	}
	s->r->message_len = p->msg_len;
	s->ev_kick = evtimer_new(base, kick_cb, s);
	s->ev_done = evtimer_new(base, done_cb, s);
	if (s->ev_kick == NULL || s->ev_done == NULL) {
		snprintf(err, errlen, "cannot create timers");
		mx_sender_free(s);
		return NULL;
	}
	return s;
}

void mx_sender_free(struct mx_sender *s)
{
	if (s == NULL)
		return;
	if (s->client)
		mx_smtp_client_free(s->client);
	mx_auth_free(s->auth);
	if (s->ev_kick)
		event_free(s->ev_kick);
	if (s->ev_done)
		event_free(s->ev_done);
	mx_buf_free(&s->payload);
	mx_send_result_free(s->r);
	free(s);
}

const struct mx_send_result *mx_sender_result(const struct mx_sender *s)
{
	return s->r;
}

struct mx_send_result *mx_sender_take_result(struct mx_sender *s)
{
	struct mx_send_result *r = s->r;

	s->r = NULL;
	return r;
}

static void event_out(struct mx_sender *s, enum mx_send_event ev)
{
	if (s->cbs.event && s->cur)
		s->cbs.event(s->arg, s, ev, s->cur);
}

/* ---- resolution ---------------------------------------------------------- */

static void literal_endpoint(struct mx_target *t)
{
	struct mx_host *h = mx_target_add_host(t);
	struct mx_endpoint *ep;

	h->name = xstrdup(t->name);
	h->pref = -1;
	h->first_ep = t->nendpoints;
	h->nep = 1;
	ep = mx_target_add_endpoint(t);
	ep->host = xstrdup(t->name);
	ep->addr = xstrdup(t->name);
	ep->family = strchr(t->name, ':') ? AF_INET6 : AF_INET;
	ep->port = t->port;
	ep->mode = t->mode;
	ep->pref = -1;
}

static void resolved_cb(void *arg, struct mx_target *t)
{
	struct mx_sender *s = arg;

	(void)t;
	s->resolving = 0;
	if (s->canceled) {
		finish(s);
		return;
	}
	next_attempt(s);
}

int mx_sender_start(struct mx_sender *s, char *err, size_t errlen)
{
	static const struct timeval zero = {0, 0};
	struct mx_target *t = s->r->target;

	s->t0 = mx_now_ms();
	if (t->kind == MX_TARGET_HOST && mx_is_ip_literal(t->name)) {
		literal_endpoint(t);
		evtimer_add(s->ev_kick, &zero);
		return 0;
	}
	if (mx_resolve_target(s->p.dns, t, resolved_cb, s) < 0) {
		snprintf(err, errlen, "DNS lookups for %s could not be started",
			 t->name);
		return -1;
	}
	s->resolving = 1;
	return 0;
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	next_attempt(arg);
}

void mx_sender_cancel(struct mx_sender *s)
{
	s->canceled = 1;
	if (s->r) {
		s->r->cancelled = 1;
		set_error(s->r, "canceled");
	}
	if (s->client) {
		mx_smtp_client_abort(s->client, "canceled");
		return;
	}
	if (!s->resolving && !s->tlsa_pending)
		finish(s);
}

/* ---- the outcome ---------------------------------------------------------- */

static void finish(struct mx_sender *s)
{
	static const struct timeval zero = {0, 0};

	if (s->finished)
		return;
	s->finished = 1;
	event_del(s->ev_kick);
	s->r->total_ms = mx_now_ms() - s->t0;
	evtimer_add(s->ev_done, &zero);
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_sender *s = arg;

	(void)fd;
	(void)what;
	s->cbs.done(s->arg, s, s->r);
}

static int deadline_passed(const struct mx_sender *s)
{
	return s->p.deadline_ms > 0 &&
	       mx_now_ms() - s->t0 >= (int64_t)s->p.deadline_ms;
}

/* The attempt is over: decide whether to try the next endpoint. */
static void attempt_over(struct mx_sender *s)
{
	static const struct timeval zero = {0, 0};
	struct mx_send_attempt *a = s->cur;
	struct mx_send_result *r = s->r;

	a->total_ms = mx_now_ms() - s->t0 - a->started_ms;
	event_out(s, MX_SEND_EV_ATTEMPT_DONE);
	r->final = s->cur_idx;
	r->failed_stage = a->failed;
	if (a->judged) {
		r->effective = a->verdict.effective;
		if (a->verdict.decision == MX_POLICY_DEFER) {
			free(r->policy_why);
			r->policy_why = xstrdup(a->verdict.why);
			r->policy_reason_id = a->verdict.reason_id;
		} else {
			free(r->policy_why);
			r->policy_why = NULL;
			r->policy_reason_id = a->verdict.reason_id;
		}
	}
	s->cur = NULL;
	if (r->delivered || !a->temporary || s->canceled ||
	    s->next_ep >= r->target->nendpoints ||
	    r->nattempts >= s->p.max_attempts || deadline_passed(s)) {
		if (r->delivered)
			r->status = s->naccepted < s->p.nrcpts
					    ? MX_SEND_PARTIAL
					    : MX_SEND_DELIVERED;
		else if (!a->temporary)
			r->status = MX_SEND_PERMFAIL;
		else
			r->status = MX_SEND_TEMPFAIL;
		r->permanent = r->status == MX_SEND_PERMFAIL;
		finish(s);
		return;
	}
	evtimer_add(s->ev_kick, &zero);
}

static void fail_stage(struct mx_sender *s, enum mx_send_stage st,
		       int temporary)
{
	struct mx_send_attempt *a = s->cur;

	if (a->failed == MX_SEND_STAGE_NONE) {
		a->failed = st;
		a->temporary = temporary;
	}
	if (st > MX_SEND_STAGE_POLICY && st < MX_SEND_STAGE__N &&
	    a->stage[st].step.state != MX_STEP_FAILED) {
		a->stage[st].step.state = MX_STEP_FAILED;
		a->stage[st].step.ms = mx_now_ms() - s->stage_t0;
	}
}

static void stage_begin(struct mx_sender *s, enum mx_send_stage st)
{
	s->stage = st;
	s->stage_t0 = mx_now_ms();
}

static void stage_ok(struct mx_sender *s, enum mx_send_stage st,
		     const struct mx_smtp_reply *rep)
{
	struct mx_send_step *x = &s->cur->stage[st];

	x->step.state = MX_STEP_OK;
	x->step.ms = mx_now_ms() - s->stage_t0;
	if (rep) {
		mx_reply_clear(&x->reply);
		mx_reply_from_wire(&x->reply, rep);
	}
}

static void stage_reply(struct mx_sender *s, enum mx_send_stage st,
			const struct mx_smtp_reply *rep)
{
	struct mx_send_step *x = &s->cur->stage[st];

	mx_reply_clear(&x->reply);
	if (rep)
		mx_reply_from_wire(&x->reply, rep);
	fail_stage(s, st, rep == NULL || rep->code < 500);
}

/* A command got no reply: the session stopped (silence, FIN, RST, a
 * reply over a limit; the engine's stop and error say which).  A reply
 * cut at a limit still said its code: keep it, so a 550 stays a
 * permanent 550 (the engine's error names the limit). */
static void no_reply(struct mx_sender *s, struct mx_smtp_client *c,
		     enum mx_send_stage st)
{
	const struct mx_smtp_reply *cut = mx_smtp_client_cut_reply(c);

	if (cut == NULL) {
		fail_stage(s, st, 1);
		return;
	}
	stage_reply(s, st, cut);
	s->cur->stage[st].cut = 1;
}

static void refuse(struct mx_sender *s, enum mx_send_stage st,
		   enum mx_send_refusal why, int temporary, const char *what)
{
	s->cur->refusal = why;
	fail_stage(s, st, temporary);
	set_error(s->r, "%s", what);
	mx_smtp_client_quit(s->client);
}

/* ---- policy ------------------------------------------------------------- */

static void fill_facts(struct mx_sender *s, struct mx_policy_facts *f)
{
	struct mx_send_attempt *a = s->cur;
	struct mx_target *t = s->r->target;

	memset(f, 0, sizeof(*f));
	f->mode = a->mode;
	f->session_ok = a->smtp.ehlo.state == MX_STEP_OK;
	f->starttls_offered = (a->smtp.caps.flags & MX_SMTP_CAP_STARTTLS) != 0;
	f->starttls_code = a->smtp.starttls_reply.code;
	f->tls = a->tls.attempted ? &a->tls : NULL;
	f->mx_host = a->host;
	f->mx_host_secure = t->kind == MX_TARGET_DOMAIN ? t->mx_dnssec_secure
							: 0;
	f->nexthop = s->r->nexthop;
	f->match = s->p.secure_match;
	f->nmatch = s->p.nsecure_match;
	f->fingerprints = s->p.fingerprints;
	f->nfingerprints = s->p.nfingerprints;
	f->tlsa = a->tlsa;
	f->tlsa_rr = a->tlsa_rr;
	f->ntlsa_rr = a->ntlsa;
	f->now = mx_wall_now();
	f->sts_mode = s->p.sts_mode;
	f->sts_mx = s->p.sts_mx;
	f->nsts_mx = s->p.nsts_mx;
}

static void judge(struct mx_sender *s)
{
	struct mx_policy_facts f;
	struct mx_send_attempt *a = s->cur;

	if (s->p.policy == MX_POLICY_NONE && s->p.judge == NULL) {
		memset(&a->verdict, 0, sizeof(a->verdict));
		a->verdict.decision = a->tls.completed
					      ? MX_POLICY_DELIVER_TLS
					      : MX_POLICY_DELIVER_CLEAR;
		a->verdict.effective = MX_POLICY_NONE;
		snprintf(a->verdict.why, sizeof(a->verdict.why),
			 "none: TLS is not used at this level");
		a->judged = 1;
		return;
	}
	fill_facts(s, &f);
	s->p.judge(s->p.policy, &f, &a->verdict);
	a->judged = 1;
}

/* Does the level (after the TLSA lookup) make TLS mandatory? */
static int tls_required(const struct mx_sender *s,
			const struct mx_send_attempt *a)
{
	switch (s->p.policy) {
	case MX_POLICY_NONE:
	case MX_POLICY_MAY:
		return 0;
	case MX_POLICY_DANE:
		return a->tlsa == MX_TLSA_USABLE;
	default:
		return 1;
	}
}

/* ---- commands ------------------------------------------------------------- */

static void send_mail(struct mx_sender *s);
static void send_rcpt(struct mx_sender *s);
static void quit(struct mx_sender *s)
{
	mx_smtp_client_quit(s->client);
}

static void data_done_cb(void *arg, struct mx_smtp_client *c,
			 const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_DATA);
		return;
	}
	if (rep->code == 250) {
		stage_ok(s, MX_SEND_STAGE_DATA, rep);
		s->r->delivered = 1;
		s->r->encrypted = mx_smtp_client_tls_active(s->client);
		quit(s);
		return;
	}
	stage_reply(s, MX_SEND_STAGE_DATA, rep);
	quit(s);
}

static void data_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_DATA);
		return;
	}
	if (rep->code != 354) {
		stage_reply(s, MX_SEND_STAGE_DATA, rep);
		quit(s);
		return;
	}
	if (mx_smtp_client_data(c, s->payload.p, s->payload.len, data_done_cb,
				s) < 0) {
		fail_stage(s, MX_SEND_STAGE_DATA, 1);
		set_error(s->r, "cannot send the message");
		mx_smtp_client_abort(c, "cannot send the message");
	}
}

static void rcpt_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;
	struct mx_send_rcpt *rc = &s->cur->rcpts[s->rcpt_i];

	if (rep == NULL) {
		const struct mx_smtp_reply *cut = mx_smtp_client_cut_reply(c);

		if (cut) {
			rc->st.step.ms = mx_now_ms() - s->stage_t0;
			rc->st.step.state = MX_STEP_FAILED;
			rc->st.cut = 1;
			mx_reply_from_wire(&rc->st.reply, cut);
		}
		no_reply(s, c, MX_SEND_STAGE_RCPT);
		return;
	}
	rc->st.step.ms = mx_now_ms() - s->stage_t0;
	mx_reply_from_wire(&rc->st.reply, rep);
	if (rep->code == 250 || rep->code == 251) {
		rc->st.step.state = MX_STEP_OK;
		rc->accepted = 1;
		s->naccepted++;
	} else {
		rc->st.step.state = MX_STEP_FAILED;
	}
	s->rcpt_i++;
	send_rcpt(s);
}

static void send_rcpt(struct mx_sender *s)
{
	char line[600];
	struct mx_send_attempt *a = s->cur;
	size_t i;

	if (s->rcpt_i < s->p.nrcpts) {
		stage_begin(s, MX_SEND_STAGE_RCPT);
		snprintf(line, sizeof(line), "RCPT TO:<%s>",
			 s->p.rcpts[s->rcpt_i]);
		if (mx_smtp_client_cmd(s->client, line, 0, rcpt_cb, s) < 0)
			mx_smtp_client_abort(s->client, "cannot send RCPT");
		return;
	}
	/* All recipients answered: the RCPT stage as a whole. */
	a->stage[MX_SEND_STAGE_RCPT].step.ms = 0;
	for (i = 0; i < a->nrcpts; i++)
		a->stage[MX_SEND_STAGE_RCPT].step.ms += a->rcpts[i].st.step.ms;
	if (s->naccepted == 0) {
		/* the last refusal is the stage's reply; permanent only if
		 * every refusal was */
		int temp = 0;

		for (i = 0; i < a->nrcpts; i++)
			temp |= a->rcpts[i].st.reply.code < 500;
		mx_reply_clear(&a->stage[MX_SEND_STAGE_RCPT].reply);
		a->stage[MX_SEND_STAGE_RCPT].reply.code =
			a->rcpts[a->nrcpts - 1].st.reply.code;
		memcpy(a->stage[MX_SEND_STAGE_RCPT].reply.enh,
		       a->rcpts[a->nrcpts - 1].st.reply.enh,
		       sizeof(a->stage[MX_SEND_STAGE_RCPT].reply.enh));
		a->stage[MX_SEND_STAGE_RCPT].reply.text =
			xstrdup(a->rcpts[a->nrcpts - 1].st.reply.text
					? a->rcpts[a->nrcpts - 1].st.reply.text
					: "");
		a->stage[MX_SEND_STAGE_RCPT].reply.nlines = 1;
		fail_stage(s, MX_SEND_STAGE_RCPT, temp);
		a->stage[MX_SEND_STAGE_RCPT].step.state = MX_STEP_FAILED;
		quit(s);
		return;
	}
	a->stage[MX_SEND_STAGE_RCPT].step.state =
		s->naccepted == s->p.nrcpts ? MX_STEP_OK : MX_STEP_FAILED;
	stage_begin(s, MX_SEND_STAGE_DATA);
	if (mx_smtp_client_cmd(s->client, "DATA", 0, data_cb, s) < 0)
		mx_smtp_client_abort(s->client, "cannot send DATA");
}

static void mail_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;
	size_t i;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_MAIL);
		return;
	}
	if (rep->code != 250) {
		stage_reply(s, MX_SEND_STAGE_MAIL, rep);
		quit(s);
		return;
	}
	stage_ok(s, MX_SEND_STAGE_MAIL, rep);
	event_out(s, MX_SEND_EV_DELIVERY);
	a->rcpts = xcalloc(s->p.nrcpts, sizeof(*a->rcpts));
	a->nrcpts = s->p.nrcpts;
	for (i = 0; i < s->p.nrcpts; i++)
		a->rcpts[i].addr = mx_escape_str(s->p.rcpts[i], 600);
	s->rcpt_i = 0;
	s->naccepted = 0;
	send_rcpt(s);
}

static void send_mail(struct mx_sender *s)
{
	const struct mx_caps *caps = mx_smtp_client_caps(s->client);
	char line[700];
	size_t n;

	stage_begin(s, MX_SEND_STAGE_MAIL);
	/* RFC 1870 section 6: do not send what the server said it will
	 * refuse; RFC 6152 section 3 / RFC 6531 section 3.4: an 8-bit body
	 * or a UTF-8 address needs the extension. */
	if ((s->p.need & MX_MSG_NEED_SMTPUTF8) &&
	    !(caps->flags & MX_SMTP_CAP_SMTPUTF8)) {
		refuse(s, MX_SEND_STAGE_MAIL, MX_REFUSE_NEED_SMTPUTF8, 0,
		       "the message needs SMTPUTF8, which the server lacks");
		return;
	}
	if ((s->p.need & MX_MSG_NEED_8BITMIME) &&
	    !(caps->flags & MX_SMTP_CAP_8BITMIME)) {
		refuse(s, MX_SEND_STAGE_MAIL, MX_REFUSE_NEED_8BITMIME, 0,
		       "the message needs 8BITMIME, which the server lacks");
		return;
	}
	if ((caps->flags & MX_SMTP_CAP_SIZE) && caps->size > 0 &&
	    s->p.msg_len > caps->size) {
		refuse(s, MX_SEND_STAGE_MAIL, MX_REFUSE_SIZE, 0,
		       "the message is larger than the server's SIZE");
		return;
	}
	n = (size_t)snprintf(line, sizeof(line), "MAIL FROM:<%s>", s->p.from);
	if (caps->flags & MX_SMTP_CAP_SIZE)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " SIZE=%zu",
				      s->p.msg_len);
	if ((s->p.need & MX_MSG_NEED_8BITMIME) && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n,
				      " BODY=8BITMIME");
	if ((s->p.need & MX_MSG_NEED_SMTPUTF8) && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " SMTPUTF8");
	if (mx_smtp_client_cmd(s->client, line, 0, mail_cb, s) < 0)
		mx_smtp_client_abort(s->client, "cannot send MAIL");
}

/* ---- AUTH (RFC 4954) --------------------------------------------------- */

static void auth_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;
	char line[MX_AUTH_LINE_MAX];
	enum mx_auth_status st;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_AUTH);
		return;
	}
	if (rep->code == 334) {
		const char *ch = rep->nlines > 0 ? rep->lines[0].text : "";

		st = mx_auth_step(s->auth, ch, line, sizeof(line));
		if (st != MX_AUTH_OK) {
			explicit_bzero(line, sizeof(line));
			/* RFC 4954 section 4: "*" cancels the exchange */
			s->cur->refusal = MX_REFUSE_AUTH_PROTOCOL;
			set_error(s->r, "AUTH %s: %s", s->cur->auth_mech,
				  mx_auth_status_name(st));
			fail_stage(s, MX_SEND_STAGE_AUTH, 0);
			if (mx_smtp_client_cmd(c, "*", 0, auth_cb, s) < 0)
				mx_smtp_client_abort(c, "AUTH canceled");
			return;
		}
		if (mx_smtp_client_cmd(c, line, MX_SMTP_REDACT, auth_cb, s) < 0)
			mx_smtp_client_abort(c, "cannot send AUTH");
		explicit_bzero(line, sizeof(line));
		return;
	}
	if (s->cur->failed == MX_SEND_STAGE_AUTH) {
		/* the reply to our "*" */
		stage_reply(s, MX_SEND_STAGE_AUTH, rep);
		quit(s);
		return;
	}
	if (rep->code == 235) {
		if (mx_auth_success(s->auth) != MX_AUTH_OK) {
			stage_reply(s, MX_SEND_STAGE_AUTH, rep);
			s->cur->refusal = MX_REFUSE_AUTH_PROTOCOL;
			fail_stage(s, MX_SEND_STAGE_AUTH, 0);
			set_error(s->r, "the server accepted SCRAM without "
					"proving it knows the password");
			quit(s);
			return;
		}
		stage_ok(s, MX_SEND_STAGE_AUTH, rep);
		mx_auth_free(s->auth);
		s->auth = NULL;
		send_mail(s);
		return;
	}
	stage_reply(s, MX_SEND_STAGE_AUTH, rep);
	quit(s);
}

static void start_auth(struct mx_sender *s)
{
	const struct mx_caps *caps = mx_smtp_client_caps(s->client);
	enum mx_auth_mech mech;
	enum mx_auth_status st;
	char line[MX_AUTH_LINE_MAX];

	stage_begin(s, MX_SEND_STAGE_AUTH);
	if (!mx_smtp_client_tls_active(s->client) &&
	    !s->p.allow_plaintext_auth) {
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_NEEDS_TLS, 1,
		       "AUTH refused in clear text (no TLS; "
		       "--allow-plaintext-auth not given)");
		return;
	}
	if (!(caps->flags & MX_SMTP_CAP_AUTH) || caps->auth == NULL ||
	    caps->auth[0] == '\0') {
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_NOT_OFFERED, 1,
		       "the server offers no AUTH");
		return;
	}
	if (mx_auth_choose(caps->auth, s->p.auth_mech, &mech) != MX_AUTH_OK) {
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_NO_MECH, 0,
		       "no offered AUTH mechanism is supported");
		return;
	}
	s->cur->auth_mech = xstrdup(mx_auth_mech_name(mech));
	s->auth = mx_auth_new(mech, s->p.auth_user, s->p.auth_password,
			      s->p.random, s->p.random_ctx, &st);
	if (s->auth == NULL ||
	    (st = mx_auth_start(s->auth, line, sizeof(line))) != MX_AUTH_OK) {
		explicit_bzero(line, sizeof(line));
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_PROTOCOL, 0,
		       "the credentials cannot be used (too long?)");
		return;
	}
	if (mx_smtp_client_cmd(s->client, line,
			       mx_auth_start_secret(s->auth) ? MX_SMTP_REDACT
							     : 0,
			       auth_cb, s) < 0)
		mx_smtp_client_abort(s->client, "cannot send AUTH");
	explicit_bzero(line, sizeof(line));
}

/* ---- the SMTP session -------------------------------------------------- */

static void client_ready(void *arg, struct mx_smtp_client *c)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;

	(void)c;
	if (a->tls.completed)
		event_out(s, MX_SEND_EV_TLS_OK);
	judge(s);
	if (a->verdict.decision == MX_POLICY_DEFER) {
		a->stage[MX_SEND_STAGE_POLICY].step.state = MX_STEP_FAILED;
		fail_stage(s, MX_SEND_STAGE_POLICY, 1);
		set_error(s->r, "TLS policy %s: %s",
			  mx_tls_policy_name(s->p.policy), a->verdict.why);
		quit(s);
		return;
	}
	a->stage[MX_SEND_STAGE_POLICY].step.state = MX_STEP_OK;
	if (s->p.auth_user) {
		start_auth(s);
		return;
	}
	a->stage[MX_SEND_STAGE_AUTH].step.state = MX_STEP_SKIPPED;
	send_mail(s);
}

/* Which engine step failed, as a send stage. */
static enum mx_send_stage engine_stage(const struct mx_smtp *m)
{
	if (m->connect.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_CONNECT;
	if (m->banner.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_BANNER;
	if (m->ehlo.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_EHLO;
	if (m->starttls.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_STARTTLS;
	if (m->tls.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_TLS;
	if (m->ehlo_tls.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_EHLO;
	return MX_SEND_STAGE_NONE;
}

static void copy_engine_steps(struct mx_send_attempt *a)
{
	struct mx_smtp *m = &a->smtp;

	a->stage[MX_SEND_STAGE_CONNECT].step = m->connect;
	a->stage[MX_SEND_STAGE_BANNER].step = m->banner;
	mx_reply_clear(&a->stage[MX_SEND_STAGE_BANNER].reply);
	if (m->greeting.code) {
		struct mx_reply *d = &a->stage[MX_SEND_STAGE_BANNER].reply;

		*d = m->greeting;
		d->text = m->greeting.text ? xstrdup(m->greeting.text) : NULL;
	}
	a->stage[MX_SEND_STAGE_EHLO].step = m->ehlo;
	if (m->ehlo_tls.state == MX_STEP_FAILED)
		a->stage[MX_SEND_STAGE_EHLO].step = m->ehlo_tls;
	a->stage[MX_SEND_STAGE_STARTTLS].step = m->starttls;
	mx_reply_clear(&a->stage[MX_SEND_STAGE_STARTTLS].reply);
	if (m->starttls_reply.code) {
		struct mx_reply *d = &a->stage[MX_SEND_STAGE_STARTTLS].reply;

		*d = m->starttls_reply;
		d->text = m->starttls_reply.text
				  ? xstrdup(m->starttls_reply.text)
				  : NULL;
	}
	a->stage[MX_SEND_STAGE_TLS].step = m->tls;
	a->stage[MX_SEND_STAGE_TLS].step.ms = a->tls.handshake_ms;
	a->stage[MX_SEND_STAGE_QUIT].step = m->quit;
}

/* Length of the first line of an escaped reply text, at most 300. */
static int first_line_len(const char *t)
{
	size_t n = 0;

	while (t && t[n] && t[n] != '\n' && n < 300)
		n++;
	return (int)n;
}

static void client_done(void *arg, struct mx_smtp_client *c)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;
	enum mx_send_stage es;

	(void)c;
	copy_engine_steps(a);
	if (a->tls.attempted && !a->tls.completed)
		event_out(s, MX_SEND_EV_TLS_FAILED);
	es = engine_stage(&a->smtp);
	if (a->failed == MX_SEND_STAGE_NONE && !s->r->delivered) {
		/* The engine stopped before we were done. */
		if (!a->judged && policy_needs_judge(s->p.policy) &&
		    (a->smtp.stop == MX_STOP_STARTTLS_REJECTED ||
		     a->smtp.stop == MX_STOP_TLS_FAILED))
			judge(s);
		if (a->smtp.stop == MX_STOP_STARTTLS_REJECTED &&
		    a->smtp.starttls_reply.code == 0) {
			/* STARTTLS not offered, TLS required: the policy */
			a->stage[MX_SEND_STAGE_POLICY].step.state =
				MX_STEP_FAILED;
			fail_stage(s, MX_SEND_STAGE_POLICY, 1);
		} else if (es != MX_SEND_STAGE_NONE) {
			int temp = 1;

			if (es == MX_SEND_STAGE_BANNER &&
			    a->smtp.greeting.code >= 500)
				temp = 0;
			if (es == MX_SEND_STAGE_STARTTLS &&
			    a->smtp.starttls_reply.code >= 500)
				temp = 1; /* other MX may do TLS */
			fail_stage(s, es, temp);
		} else if (s->stage != MX_SEND_STAGE_NONE) {
			fail_stage(s, s->stage, 1);
		} else {
			fail_stage(s, MX_SEND_STAGE_CONNECT, 1);
		}
		if (a->judged && a->verdict.decision == MX_POLICY_DEFER)
			set_error(s->r, "TLS policy %s: %s",
				  mx_tls_policy_name(s->p.policy),
				  a->verdict.why);
		else if (a->smtp.error)
			set_error(s->r, "%s", a->smtp.error);
	} else if (a->failed != MX_SEND_STAGE_NONE && !s->r->delivered &&
		   a->refusal == MX_REFUSE_NONE) {
		const struct mx_send_step *x = &a->stage[a->failed];

		if ((x->reply.code == 0 || x->cut) && a->smtp.error)
			/* A command callback saw the step fail without a
			 * whole reply (a timeout, the connection lost, a
			 * reply over a limit): the engine's error says
			 * which. */
			set_error(s->r, "%s", a->smtp.error);
		else if (x->reply.code != 0 && s->r->error == NULL)
			/* A refusal: its first line is the error. */
			set_error(s->r, "%s refused: %03d%s%s %.*s",
				  mx_send_stage_name(a->failed), x->reply.code,
				  x->reply.enh[0] ? " " : "", x->reply.enh,
				  first_line_len(x->reply.text),
				  x->reply.text ? x->reply.text : "");
	}
	mx_smtp_client_free(s->client);
	s->client = NULL;
	mx_auth_free(s->auth);
	s->auth = NULL;
	s->stage = MX_SEND_STAGE_NONE;
	attempt_over(s);
}

static const struct mx_smtp_client_cbs client_cbs = {
	.ready = client_ready,
	.done = client_done,
};

static void start_session(struct mx_sender *s)
{
	struct mx_send_attempt *a = s->cur;
	struct mx_smtp_params sp;
	struct mx_tls_params *tp = &s->tp;
	char err[256];

	memset(tp, 0, sizeof(*tp));
	tp->sni = mx_is_ip_literal(a->host) ? NULL : a->host;
	tp->ca_file = s->p.ca_file;
	tp->ca_path = s->p.ca_path;
	tp->security_level = -1;
	memset(&sp, 0, sizeof(sp));
	sp.host = a->host;
	sp.addr = a->addr;
	sp.port = a->port;
	sp.mode = a->mode;
	sp.helo = s->p.helo;
	sp.starttls = s->p.policy != MX_POLICY_NONE;
	sp.require_tls = tls_required(s, a);
	sp.tls = s->p.tls;
	sp.tls_params = tp;
	sp.connect_timeout_ms = s->p.step_timeout_ms;
	sp.greeting_timeout_ms = s->p.step_timeout_ms;
	sp.command_timeout_ms = s->p.step_timeout_ms;
	sp.tls_timeout_ms = s->p.step_timeout_ms;
	sp.deadline_ms = s->p.deadline_ms > 0 ? s->t0 + s->p.deadline_ms : 0;
	sp.log = s->p.log;
	/* Evidence: the attempt's connection record lives on its endpoint
	 * (model/conn.h), which --capture joins packets to. */
	if (s->next_ep > 0 && s->next_ep <= s->r->target->nendpoints) {
		struct mx_conn_purpose pu;

		memset(&pu, 0, sizeof(pu));
		pu.kind = MX_CONN_SEND;
		pu.step = -1;
		sp.rec = mx_endpoint_conn_new(
			&s->r->target->endpoints[s->next_ep - 1], ++s->nconn,
			&pu);
	}
	event_out(s, MX_SEND_EV_CONNECTING);
	s->client = mx_smtp_client_new(s->base, &sp, &a->smtp, &a->tls,
				       &client_cbs, s);
	if (s->client == NULL || mx_smtp_client_start(s->client) < 0) {
		snprintf(err, sizeof(err), "cannot start an SMTP session");
		set_error(s->r, "%s", err);
		if (s->client) {
			mx_smtp_client_free(s->client);
			s->client = NULL;
		}
		fail_stage(s, MX_SEND_STAGE_CONNECT, 1);
		attempt_over(s);
	}
}

/* ---- TLSA (RFC 7672 section 2.2) ----------------------------------------- */

static void tlsa_cb(void *arg, const struct mx_dns_answer *ans)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;

	s->tlsa_pending = 0;
	if (s->canceled) {
		fail_stage(s, MX_SEND_STAGE_RESOLVE, 1);
		attempt_over(s);
		return;
	}
	a->tlsa = mx_tlsa_mx_rule(s->r->target, mx_tlsa_state_of(ans));
	if (ans->status == MX_DNS_OK)
		a->ntlsa = mx_tlsa_rrs_copy(ans, &a->tlsa_rr);
	if (a->tlsa == MX_TLSA_FAILED && s->p.policy != MX_POLICY_NONE) {
		judge(s);
		a->stage[MX_SEND_STAGE_POLICY].step.state = MX_STEP_FAILED;
		fail_stage(s, MX_SEND_STAGE_RESOLVE, 1);
		set_error(s->r, "TLSA lookup for %s failed: %s", a->host,
			  ans->error ? ans->error
				     : mx_dns_status_name(ans->status));
		attempt_over(s);
		return;
	}
	start_session(s);
}

static void next_attempt(struct mx_sender *s)
{
	struct mx_send_result *r = s->r;
	struct mx_target *t = r->target;
	struct mx_endpoint *ep;
	struct mx_send_attempt *a;

	if (s->canceled) {
		finish(s);
		return;
	}
	if (r->nattempts == 0 && t->nendpoints == 0) {
		/* nothing to connect to */
		r->failed_stage = MX_SEND_STAGE_RESOLVE;
		r->status = t->null_mx || t->mx_status == MX_DNS_NXDOMAIN
				    ? MX_SEND_PERMFAIL
				    : MX_SEND_TEMPFAIL;
		r->permanent = r->status == MX_SEND_PERMFAIL;
		if (t->null_mx)
			set_error(r,
				  "%s publishes a null MX: it accepts no "
				  "mail (RFC 7505)",
				  t->name);
		else
			set_error(r, "%s: no address to deliver to (%s)",
				  t->name,
				  t->dns_error
					  ? t->dns_error
					  : mx_dns_status_name(t->mx_status));
		finish(s);
		return;
	}
	ep = &t->endpoints[s->next_ep++];
	if (r->nattempts == r->capattempts) {
		r->capattempts = r->capattempts ? r->capattempts * 2 : 4;
		r->attempts = xreallocarray(r->attempts, r->capattempts,
					    sizeof(*r->attempts));
	}
	a = &r->attempts[r->nattempts];
	memset(a, 0, sizeof(*a));
	s->cur_idx = r->nattempts++;
	s->cur = a;
	a->host = xstrdup(ep->host);
	a->addr = xstrdup(ep->addr);
	a->port = ep->port;
	a->mode = ep->mode;
	a->pref = ep->pref;
	a->started_ms = mx_now_ms() - s->t0;
	s->stage = MX_SEND_STAGE_NONE;
	if (s->p.policy == MX_POLICY_DANE ||
	    s->p.policy == MX_POLICY_DANE_ONLY) {
		char qname[300];

		if (mx_is_ip_literal(a->host) || s->p.dns == NULL) {
			a->tlsa = MX_TLSA_INSECURE;
		} else {
			if (mx_tlsa_qname(qname, sizeof(qname), a->host,
					  (unsigned)a->port) == 0 &&
			    mx_dns_query(s->p.dns, qname, 52, tlsa_cb, s) ==
				    0) {
				s->tlsa_pending = 1;
				return;
			}
			a->tlsa = MX_TLSA_FAILED;
		}
	}
	start_session(s);
}
