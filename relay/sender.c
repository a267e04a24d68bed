/*
 * sender.c - the delivery engine; see sender.h.
 *
 * The delivery as a whole: the params checked, the next hop resolved,
 * endpoints tried in order (sender_session.c runs one), and the outcome
 * decided when one delivered, failed for good, or nothing is left to try.
 * The pieces share relay/sender_int.h.
 */
#include "relay/sender_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/smtp_client.h"
#include "probe/target.h"
#include "probe/tlsa.h"
#include "relay/auth.h"
#include "relay/message.h"
#include "wire/smtp_data.h"

/* The error is our words and model strings, which are escaped already
 * (model/result.h): escaping it again would show "\\r\\n" for a CR LF.
 * Only a control or 8-bit byte that slipped in unescaped is escaped. */
void snd_set_error(struct mx_send_result *r, const char *fmt, ...)
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

int snd_policy_needs_judge(enum mx_tls_policy p)
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
	    (snd_policy_needs_judge(p->policy) && p->judge == NULL)) {
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

void snd_event_out(struct mx_sender *s, enum mx_send_event ev)
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
		snd_set_error(s->r, "canceled");
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
void snd_attempt_over(struct mx_sender *s)
{
	static const struct timeval zero = {0, 0};
	struct mx_send_attempt *a = s->cur;
	struct mx_send_result *r = s->r;

	a->total_ms = mx_now_ms() - s->t0 - a->started_ms;
	snd_event_out(s, MX_SEND_EV_ATTEMPT_DONE);
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
			snd_set_error(r,
				      "%s publishes a null MX: it accepts no "
				      "mail (RFC 7505)",
				      t->name);
		else
			snd_set_error(
				r, "%s: no address to deliver to (%s)", t->name,
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
			    mx_dns_query(s->p.dns, qname, 52, snd_tlsa_cb, s) ==
				    0) {
				s->tlsa_pending = 1;
				return;
			}
			a->tlsa = MX_TLSA_FAILED;
		}
	}
	snd_start_session(s);
}
