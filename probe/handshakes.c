/*
 * handshakes.c - a batch of real TLS sessions through the pool; see
 * handshakes.h.
 */
#include "probe/handshakes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/smtp_client.h"

#define DEFAULT_TIMEOUT_MS 10000

enum { S_QUEUED = 0, S_WAITING, S_RUNNING, S_FINISHED };

struct mx_hs_batch {
	struct event_base *base;
	struct mx_pool *pool;
	struct mx_endpoint *ep;
	struct mx_hs_params p;
	struct mx_hs *ss;
	size_t n;
	mx_hs_done_fn done;
	void *arg;
	struct event *ev_done;
	int cancelled, finished;
	char why[80]; /* why it was cancelled */
};

static void check_done(struct mx_hs_batch *b);

static int same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int mx_hs_same(const struct mx_hs *a, const struct mx_hs *b)
{
	const struct mx_tls_params *x = &a->tls, *y = &b->tls;

	return a->be == b->be && same_str(x->sni, y->sni) &&
	       same_str(x->cipher_list, y->cipher_list) &&
	       same_str(x->ciphersuites, y->ciphersuites) &&
	       same_str(x->groups, y->groups) &&
	       same_str(x->priority, y->priority) &&
	       x->min_version == y->min_version &&
	       x->max_version == y->max_version &&
	       x->security_level == y->security_level &&
	       x->client_cert == y->client_cert;
}

static void skip(struct mx_hs *s, const char *why)
{
	s->skipped = 1;
	s->state = S_FINISHED;
	s->out.fail = MX_TLS_FAIL_OTHER;
	free(s->out.fail_detail);
	s->out.fail_detail = xasprintf("not tried: %s", why);
}

/* The engine is done: free it, fill the facts, give the slot back. */
static void session_end(struct mx_hs *s)
{
	struct mx_hs_batch *b = s->b;

	mx_smtp_client_free(s->c);
	s->c = NULL;
	if (!s->out.attempted && s->smtp.stop != MX_STOP_NONE) {
		/* Never got to TLS: say why in the TLS facts. */
		free(s->out.fail_detail);
		s->out.fail_detail = xasprintf(
			"no handshake: %s%s%s", mx_stop_name(s->smtp.stop),
			s->smtp.error ? ": " : "",
			s->smtp.error ? s->smtp.error : "");
		s->out.fail = MX_TLS_FAIL_OTHER;
	}
	s->ok = s->out.completed && s->out.fail == MX_TLS_FAIL_NONE;
	mx_smtp_clear(&s->smtp);
	s->state = S_FINISHED;
	mx_pool_release(b->pool, b->ep->addr);
}

static void on_ready(void *arg, struct mx_smtp_client *c)
{
	(void)arg;
	mx_smtp_client_quit(c);
}

static void on_done(void *arg, struct mx_smtp_client *c)
{
	struct mx_hs *s = arg;

	(void)c;
	session_end(s);
	check_done(s->b);
}

static void on_grant(void *arg)
{
	static const struct mx_smtp_client_cbs cbs = {on_ready, on_done};
	struct mx_hs *s = arg;
	struct mx_hs_batch *b = s->b;
	struct mx_endpoint *ep = b->ep;
	struct mx_smtp_params sp;
	int timeout = b->p.timeout_ms > 0 ? b->p.timeout_ms
					  : DEFAULT_TIMEOUT_MS;
	int64_t limit = mx_now_ms() + 6 * (int64_t)timeout;

	if (b->cancelled ||
	    (b->p.deadline_ms > 0 && mx_now_ms() >= b->p.deadline_ms)) {
		mx_pool_release(b->pool, ep->addr);
		skip(s, b->cancelled ? b->why : "the deadline was reached");
		check_done(b);
		return;
	}
	memset(&s->smtp, 0, sizeof(s->smtp));
	if (s->tls.sni == NULL)
		s->tls.sni = ep->host;
	/* Only "does it negotiate" is asked here: no trust store. */
	s->tls.no_trust_store = 1;
	memset(&sp, 0, sizeof(sp));
	sp.host = ep->host;
	sp.addr = ep->addr;
	sp.port = ep->port;
	sp.mode = ep->mode == MX_MODE_IMPLICIT ? MX_MODE_IMPLICIT
					       : MX_MODE_STARTTLS;
	sp.helo = b->p.helo ? b->p.helo : "mxprobe.invalid";
	sp.starttls = 1;
	sp.require_tls = 1;
	sp.handshake_only = 1;
	sp.tls = s->be;
	sp.tls_params = &s->tls;
	sp.connect_timeout_ms = sp.greeting_timeout_ms = timeout;
	sp.command_timeout_ms = sp.tls_timeout_ms = timeout;
	sp.deadline_ms = b->p.deadline_ms > 0 && b->p.deadline_ms < limit
				 ? b->p.deadline_ms
				 : limit;
	sp.log = b->p.log;
	sp.rec =
		mx_endpoint_conn_new(ep, mx_pool_conn_id(b->pool), &s->purpose);
	s->state = S_RUNNING;
	s->c = mx_smtp_client_new(b->base, &sp, &s->smtp, &s->out, &cbs, s);
	if (s->c == NULL || mx_smtp_client_start(s->c) < 0) {
		session_end(s);
		check_done(b);
	}
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_hs_batch *b = arg;

	(void)fd;
	(void)what;
	b->done(b->arg); /* may free b */
}

static void check_done(struct mx_hs_batch *b)
{
	struct timeval zero = {0, 0};
	size_t i;

	if (b->finished)
		return;
	for (i = 0; i < b->n; i++)
		if (!b->ss[i].dup && b->ss[i].state != S_FINISHED)
			return;
	b->finished = 1;
	/* Duplicates take the answer of the session they repeat. */
	for (i = 0; i < b->n; i++) {
		struct mx_hs *s = &b->ss[i];

		if (!s->dup)
			continue;
		s->ok = b->ss[s->dup_of].ok;
		s->skipped = b->ss[s->dup_of].skipped;
		s->state = S_FINISHED;
	}
	event_add(b->ev_done, &zero);
}

struct mx_hs_batch *
mx_hs_batch_new(struct event_base *base, struct mx_pool *pool,
		struct mx_endpoint *ep, const struct mx_hs_params *p,
		struct mx_hs *ss, size_t n, mx_hs_done_fn done, void *arg)
{
	struct mx_hs_batch *b = xcalloc(1, sizeof(*b));
	size_t i, j;

	b->base = base;
	b->pool = pool;
	b->ep = ep;
	b->p = *p;
	b->ss = ss;
	b->n = n;
	b->done = done;
	b->arg = arg;
	b->ev_done = evtimer_new(base, done_cb, b);
	if (b->ev_done == NULL)
		mx_fatal(__func__, "evtimer_new");
	for (i = 0; i < n; i++) {
		struct mx_hs *s = &ss[i];

		s->b = b;
		s->state = S_QUEUED;
		s->w.addr = ep->addr;
		s->w.grant = on_grant;
		s->w.arg = s;
		s->w.background = p->background;
		/* One real handshake answers every repeat of it. */
		for (j = 0; j < i; j++)
			if (!ss[j].dup && mx_hs_same(s, &ss[j])) {
				s->dup = 1;
				s->dup_of = j;
				break;
			}
	}
	return b;
}

void mx_hs_batch_start(struct mx_hs_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct mx_hs *s = &b->ss[i];

		if (s->dup)
			continue;
		s->state = S_WAITING;
		mx_pool_acquire(b->pool, &s->w);
	}
	check_done(b);
}

void mx_hs_batch_cancel(struct mx_hs_batch *b, const char *why)
{
	size_t i;

	if (b->cancelled)
		return;
	b->cancelled = 1;
	snprintf(b->why, sizeof(b->why), "%s", why ? why : "cancelled");
	for (i = 0; i < b->n; i++) {
		struct mx_hs *s = &b->ss[i];

		if (s->dup)
			continue;
		if (s->state == S_WAITING) {
			mx_pool_cancel(b->pool, &s->w);
			skip(s, b->why);
		} else if (s->state == S_RUNNING && s->c != NULL) {
			if (s->rec != NULL)
				mx_connrec_end(s->rec, MX_HOW_CANCELLED, -1, 0);
			mx_smtp_client_abort(s->c, b->why);
		}
	}
	check_done(b);
}

void mx_hs_batch_free(struct mx_hs_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		struct mx_hs *s = &b->ss[i];

		if (s->state == S_WAITING)
			mx_pool_cancel(b->pool, &s->w);
		if (s->c != NULL) {
			mx_smtp_client_free(s->c);
			s->c = NULL;
			mx_smtp_clear(&s->smtp);
			mx_pool_release(b->pool, b->ep->addr);
		}
	}
	event_free(b->ev_done);
	free(b);
}
