/*
 * confirm.c - the clients step of `ciphers` / `check --deep`; see
 * confirm.h for the contract.
 *
 * Stages, each started from the completion callback of the one before,
 * on the caller's loop and through the run's pool: the intolerance
 * bisection (probe/bisect.h, only when something needs explaining), the
 * re-enumeration without a dropped suite class (probe/enum_retry.h), the
 * simulation (a callback from src/), then one batch of real sessions
 * (probe/handshakes.h): a confirmation per playable profile and a test
 * per advice string.  What each real session got is stored as facts in
 * the client's record (real_*); comparing them with the prediction is
 * analyzers/confirm_judge.c's business.
 */
#include "probe/confirm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/bisect.h"
#include "probe/enum_retry.h"
#include "probe/handshakes.h"

enum { K_CONFIRM = 1, K_ADVICE_OPENSSL, K_ADVICE_GNUTLS };

enum stage { ST_BISECT = 0, ST_RETRY, ST_CONFIRM, ST_DONE };

struct mx_clients_step {
	struct event_base *base;
	struct mx_pool *pool;
	struct mx_endpoint *ep;
	struct mx_clients_params p;
	mx_clients_done_fn done;
	void *arg;
	enum stage st;
	int cancelled;
	struct mx_bisect *bs;
	struct mx_enum_retry *rt;
	struct mx_hs *ss;
	int *kinds;
	size_t *idx;
	size_t n;
	struct mx_hs_batch *hb;
	struct event *ev_done;
};

static const struct mx_confirm_client *
entry_for(const struct mx_clients_params *p, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < p->nclients; i++)
		if (p->clients[i].id != NULL &&
		    strcmp(p->clients[i].id, id) == 0)
			return &p->clients[i];
	return NULL;
}

/* An advice string tried with the profile's stack settings when the
 * stack is that library, else with the library's defaults. */
static void advice_session(struct mx_hs *s, const struct mx_confirm_client *cc,
			   const struct mx_tls_backend *be, const char *advice)
{
	memset(&s->tls, 0, sizeof(s->tls));
	s->tls.security_level = -1;
	if (cc != NULL && cc->be == be) {
		s->tls = cc->tls;
	} else if (cc != NULL) {
		/* Another stack plays it: keep the client's versions. */
		s->tls.min_version = cc->tls.min_version;
		s->tls.max_version = cc->tls.max_version;
	}
	if (be == &mx_tls_openssl)
		s->tls.cipher_list = advice;
	else
		s->tls.priority = advice;
	s->be = be;
}

/* Is there anything for the intolerance bisection to explain?  Not when
 * the probe's own full OpenSSL hello (every suite, TLS 1.0 to 1.3) was
 * answered and every raw hello got a clean answer: that server tolerates
 * big, modern hellos. */
static int bisect_needed(const struct mx_endpoint *ep)
{
	const struct mx_enum *e = ep->enumr;
	int v;

	if (!ep->tls.completed || e->incomplete)
		return 1;
	for (v = 0; v < MX_EV__N; v++)
		if (e->v[v].odd_only)
			return 1;
	return 0;
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_clients_step *cs = arg;

	(void)fd;
	(void)what;
	cs->done(cs->arg); /* may free cs */
}

static void finish(struct mx_clients_step *cs)
{
	struct timeval zero = {0, 0};

	if (cs->st == ST_DONE)
		return;
	cs->st = ST_DONE;
	event_add(cs->ev_done, &zero);
}

/* The facts of a real session, kept in the client's record. */
static void store_real(struct mx_client_sim *c, const struct mx_hs *s)
{
	const struct mx_tls *t = &s->out;

	c->real_run = 1;
	c->real_ok = s->ok;
	free(c->real_stack);
	c->real_stack = xstrdup(s->be == &mx_tls_gnutls ? "gnutls" : "openssl");
	free(c->real_version);
	c->real_version = t->version ? xstrdup(t->version) : NULL;
	c->real_suite = t->suite_id;
	free(c->real_suite_name);
	c->real_suite_name = t->suite_iana ? xstrdup(t->suite_iana) : NULL;
	free(c->real_kx_type);
	c->real_kx_type = t->temp_key_type ? xstrdup(t->temp_key_type) : NULL;
	free(c->real_kx_group);
	c->real_kx_group = t->temp_key_group ? xstrdup(t->temp_key_group)
					     : NULL;
	c->real_kx_bits = t->temp_key_bits;
	c->real_fail = (int)t->fail;
	c->real_alert = t->alert;
	free(c->real_fail_detail);
	c->real_fail_detail = t->fail_detail ? xstrdup(t->fail_detail) : NULL;
}

static void on_confirmed(void *arg)
{
	struct mx_clients_step *cs = arg;
	struct mx_enum *e = cs->ep->enumr;
	size_t i;

	for (i = 0; i < cs->n; i++) {
		struct mx_client_sim *c = &e->clients[cs->idx[i]];
		const struct mx_hs *r =
			cs->ss[i].dup ? &cs->ss[cs->ss[i].dup_of] : &cs->ss[i];

		if (r->skipped) {
			/* not tried: left unconfirmed / untested */
		} else if (cs->kinds[i] == K_CONFIRM) {
			store_real(c, r);
		} else if (cs->kinds[i] == K_ADVICE_OPENSSL) {
			c->advice_openssl_ok = r->ok;
		} else {
			c->advice_gnutls_ok = r->ok;
		}
	}
	for (i = 0; i < cs->n; i++)
		mx_tls_clear(&cs->ss[i].out);
	mx_hs_batch_free(cs->hb);
	cs->hb = NULL;
	finish(cs);
}

static void purpose(struct mx_hs *s, int kind, const char *profile)
{
	memset(&s->purpose, 0, sizeof(s->purpose));
	s->purpose.kind = kind == K_CONFIRM ? MX_CONN_CONFIRM : MX_CONN_ADVICE;
	s->purpose.step = -1;
	s->purpose.version = s->tls.max_version;
	snprintf(s->purpose.profile, sizeof(s->purpose.profile), "%s",
		 profile ? profile : "");
	snprintf(s->purpose.stack, sizeof(s->purpose.stack), "%s",
		 s->be == &mx_tls_gnutls ? "gnutls" : "openssl");
}

static void start_confirm(struct mx_clients_step *cs)
{
	struct mx_enum *e = cs->ep->enumr;
	struct mx_hs_params hp;
	size_t i, n = 0;

	cs->st = ST_CONFIRM;
	if (cs->p.simulate != NULL)
		cs->p.simulate(e);
	if (cs->cancelled || e->nclients == 0) {
		finish(cs);
		return;
	}
	cs->ss = xcalloc(3 * e->nclients, sizeof(*cs->ss));
	cs->kinds = xcalloc(3 * e->nclients, sizeof(*cs->kinds));
	cs->idx = xcalloc(3 * e->nclients, sizeof(*cs->idx));
	for (i = 0; i < e->nclients; i++) {
		struct mx_client_sim *c = &e->clients[i];
		const struct mx_confirm_client *cc =
			entry_for(&cs->p, c->profile);

		if (cc != NULL && cc->be != NULL) {
			cs->ss[n].be = cc->be;
			cs->ss[n].tls = cc->tls;
			cs->kinds[n] = K_CONFIRM;
			purpose(&cs->ss[n], K_CONFIRM, c->profile);
			cs->idx[n++] = i;
		}
		if (c->advice_openssl != NULL) {
			advice_session(&cs->ss[n], cc, &mx_tls_openssl,
				       c->advice_openssl);
			cs->kinds[n] = K_ADVICE_OPENSSL;
			purpose(&cs->ss[n], K_ADVICE_OPENSSL, c->profile);
			cs->idx[n++] = i;
		}
		if (c->advice_gnutls != NULL) {
			advice_session(&cs->ss[n], cc, &mx_tls_gnutls,
				       c->advice_gnutls);
			cs->kinds[n] = K_ADVICE_GNUTLS;
			purpose(&cs->ss[n], K_ADVICE_GNUTLS, c->profile);
			cs->idx[n++] = i;
		}
	}
	cs->n = n;
	memset(&hp, 0, sizeof(hp));
	hp.helo = cs->p.helo;
	hp.timeout_ms = cs->p.timeout_ms;
	hp.deadline_ms = cs->p.deadline_ms;
	hp.log = cs->p.log;
	/* Independent handshakes: as many at once as the pool allows for
	 * this address, each distinct one once. */
	cs->hb = mx_hs_batch_new(cs->base, cs->pool, cs->ep, &hp, cs->ss, n,
				 on_confirmed, cs);
	mx_hs_batch_start(cs->hb);
}

static void on_retried(void *arg, int rc)
{
	struct mx_clients_step *cs = arg;

	(void)rc;
	mx_enum_retry_free(cs->rt);
	cs->rt = NULL;
	start_confirm(cs);
}

static void on_bisected(void *arg, int rc)
{
	struct mx_clients_step *cs = arg;
	const struct mx_enum *e = cs->ep->enumr;
	struct mx_enum_retry_params rp;

	mx_bisect_free(cs->bs);
	cs->bs = NULL;
	/* A suite class as trigger: the versions it blocked, enumerated
	 * again without it, so the simulation sees them. */
	if (rc != 1 || cs->cancelled || e->trigger.kind != MX_INTOL_CIPHER) {
		start_confirm(cs);
		return;
	}
	cs->st = ST_RETRY;
	memset(&rp, 0, sizeof(rp));
	rp.helo = cs->p.helo;
	rp.timeout_ms = cs->p.timeout_ms;
	rp.deadline_ms = cs->p.deadline_ms;
	rp.log = cs->p.log;
	cs->rt = mx_enum_retry_new(cs->base, cs->pool, cs->ep,
				   mx_bisect_class_mask(e->trigger.cipher),
				   e->intolerance_trigger, &rp, on_retried, cs);
	mx_enum_retry_start(cs->rt);
}

struct mx_clients_step *mx_clients_step_new(struct event_base *base,
					    struct mx_pool *pool,
					    struct mx_endpoint *ep,
					    const struct mx_clients_params *p,
					    mx_clients_done_fn done, void *arg)
{
	struct mx_clients_step *cs = xcalloc(1, sizeof(*cs));

	cs->base = base;
	cs->pool = pool;
	cs->ep = ep;
	cs->p = *p;
	cs->done = done;
	cs->arg = arg;
	cs->ev_done = evtimer_new(base, done_cb, cs);
	if (cs->ev_done == NULL)
		mx_fatal(__func__, "evtimer_new");
	return cs;
}

void mx_clients_step_start(struct mx_clients_step *cs)
{
	struct mx_bisect_params bp;

	if (cs->ep->enumr == NULL ||
	    (cs->p.deadline_ms > 0 && mx_now_ms() >= cs->p.deadline_ms)) {
		finish(cs);
		return;
	}
	if (!cs->p.bisect || !bisect_needed(cs->ep)) {
		start_confirm(cs);
		return;
	}
	cs->st = ST_BISECT;
	memset(&bp, 0, sizeof(bp));
	bp.helo = cs->p.helo;
	bp.timeout_ms = cs->p.timeout_ms;
	bp.deadline_ms = cs->p.deadline_ms;
	bp.log = cs->p.log;
	cs->bs =
		mx_bisect_new(cs->base, cs->pool, cs->ep, &bp, on_bisected, cs);
	mx_bisect_start(cs->bs);
}

void mx_clients_step_cancel(struct mx_clients_step *cs, const char *why)
{
	if (cs->cancelled || cs->st == ST_DONE)
		return;
	cs->cancelled = 1;
	if (cs->bs != NULL)
		mx_bisect_cancel(cs->bs, why);
	else if (cs->rt != NULL)
		mx_enum_retry_cancel(cs->rt);
	else if (cs->hb != NULL)
		mx_hs_batch_cancel(cs->hb, why);
}

const char *mx_clients_step_stage(const struct mx_clients_step *cs)
{
	static const char *const names[] = {"bisect", "retry", "confirm",
					    "done"};

	return names[cs->st];
}

void mx_clients_step_free(struct mx_clients_step *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	mx_bisect_free(cs->bs);
	mx_enum_retry_free(cs->rt);
	if (cs->hb != NULL) {
		mx_hs_batch_free(cs->hb);
		for (i = 0; i < cs->n; i++)
			mx_tls_clear(&cs->ss[i].out);
	}
	free(cs->ss);
	free(cs->kinds);
	free(cs->idx);
	event_free(cs->ev_done);
	free(cs);
}
