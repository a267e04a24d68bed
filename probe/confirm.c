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
#include "wire/tls_registry.h"

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
	int bs_state; /* 0 not run, 1 running, 2 done */
	int bs_rc;
	int started; /* mx_clients_step_start was called */
	struct mx_enum_retry *rt;
	/* the confirmations: one session per playable profile, started
	 * early (mx_clients_step_prestart) or after the simulation */
	struct mx_hs *cf;
	size_t ncf;
	struct mx_hs_batch *cfb;
	int cf_state; /* 0 not started, 1 running, 2 done */
	int want_cf;  /* the simulation is done: go on once cf is */
	/* the advice tests, after the simulation, beside the confirmations
	 * still running (not after them: the last of them would run alone
	 * while the other slot idles) */
	struct mx_hs *ad;
	int *ad_kind;
	size_t *ad_idx;
	size_t nad;
	struct mx_hs_batch *adb;
	int ad_state; /* 0 not started, 1 running, 2 done */
	/* advice strings whose settings a confirmation has: its handshake
	 * answers them once it is over */
	int *lk_kind;
	size_t *lk_idx, *lk_cf;
	size_t nlk;
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
			   const struct mx_tls_backend *be, const char *advice,
			   const char *tls13)
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
	if (be == &mx_tls_openssl) {
		s->tls.cipher_list = advice;
		/* the advice's TLS 1.3 suites: a setting of their own */
		if (tls13 != NULL)
			s->tls.ciphersuites = tls13;
	} else
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

static void set_advice_ok(struct mx_client_sim *c, int kind, int ok)
{
	if (kind == K_ADVICE_OPENSSL)
		c->advice_openssl_ok = ok;
	else
		c->advice_gnutls_ok = ok;
}

/* The confirmations and the advice tests are both over: keep what each
 * real session got. */
static void advice_over(struct mx_clients_step *cs)
{
	struct mx_enum *e = cs->ep->enumr;
	size_t i, j;

	if (cs->cf_state != 2 || cs->ad_state != 2 || cs->st == ST_DONE)
		return;
	for (i = 0; i < e->nclients; i++) {
		struct mx_client_sim *c = &e->clients[i];

		for (j = 0; j < cs->ncf; j++) {
			const struct mx_hs *r = &cs->cf[j];

			if (strcmp(r->purpose.profile, c->profile) != 0)
				continue;
			if (r->dup)
				r = &cs->cf[r->dup_of];
			if (!r->skipped)
				store_real(c, r);
			break;
		}
	}
	for (i = 0; i < cs->nad; i++) {
		const struct mx_hs *r = &cs->ad[i];

		if (!r->skipped) /* not tried: left untested */
			set_advice_ok(&e->clients[cs->ad_idx[i]],
				      cs->ad_kind[i], r->ok);
	}
	for (i = 0; i < cs->nlk; i++) {
		const struct mx_hs *r = &cs->cf[cs->lk_cf[i]];

		if (r->dup)
			r = &cs->cf[r->dup_of];
		if (!r->skipped)
			set_advice_ok(&e->clients[cs->lk_idx[i]],
				      cs->lk_kind[i], r->ok);
	}
	finish(cs);
}

static void on_advised(void *arg)
{
	struct mx_clients_step *cs = arg;

	cs->ad_state = 2;
	advice_over(cs);
}

/* The confirmation session with the settings of s, if any. */
static long confirmed_as(const struct mx_clients_step *cs,
			 const struct mx_hs *s)
{
	size_t i;

	for (i = 0; i < cs->ncf; i++)
		if (mx_hs_same(&cs->cf[i], s))
			return (long)i;
	return -1;
}

static void add_advice(struct mx_clients_step *cs, size_t client,
		       const struct mx_confirm_client *cc,
		       const struct mx_tls_backend *be, const char *advice,
		       const char *tls13, int kind, const char *profile)
{
	struct mx_hs *s = &cs->ad[cs->nad];
	long r;

	advice_session(s, cc, be, advice, tls13);
	s->tls.sni = cs->ep->host;
	purpose(s, kind, profile);
	/* The same settings as a confirmation: its handshake answers. */
	r = confirmed_as(cs, s);
	if (r >= 0) {
		memset(s, 0, sizeof(*s));
		cs->lk_kind[cs->nlk] = kind;
		cs->lk_idx[cs->nlk] = client;
		cs->lk_cf[cs->nlk++] = (size_t)r;
		return;
	}
	cs->ad_kind[cs->nad] = kind;
	cs->ad_idx[cs->nad++] = client;
}

/* The simulation is done: test the advice strings (the confirmations
 * may still run; advice_over waits for both). */
static void run_advice(struct mx_clients_step *cs)
{
	struct mx_enum *e = cs->ep->enumr;
	struct mx_hs_params hp;
	size_t i;

	cs->ad_state = 1;
	if (cs->cancelled || e->nclients == 0) {
		cs->ad_state = 2;
		advice_over(cs);
		return;
	}
	cs->ad = xcalloc(2 * e->nclients, sizeof(*cs->ad));
	cs->ad_kind = xcalloc(2 * e->nclients, sizeof(*cs->ad_kind));
	cs->ad_idx = xcalloc(2 * e->nclients, sizeof(*cs->ad_idx));
	cs->lk_kind = xcalloc(2 * e->nclients, sizeof(*cs->lk_kind));
	cs->lk_idx = xcalloc(2 * e->nclients, sizeof(*cs->lk_idx));
	cs->lk_cf = xcalloc(2 * e->nclients, sizeof(*cs->lk_cf));
	for (i = 0; i < e->nclients; i++) {
		struct mx_client_sim *c = &e->clients[i];
		const struct mx_confirm_client *cc =
			entry_for(&cs->p, c->profile);

		if (c->advice_openssl != NULL)
			add_advice(cs, i, cc, &mx_tls_openssl,
				   c->advice_openssl, c->advice_openssl_tls13,
				   K_ADVICE_OPENSSL, c->profile);
		if (c->advice_gnutls != NULL)
			add_advice(cs, i, cc, &mx_tls_gnutls, c->advice_gnutls,
				   NULL, K_ADVICE_GNUTLS, c->profile);
	}
	if (cs->nad == 0) {
		cs->ad_state = 2;
		advice_over(cs);
		return;
	}
	memset(&hp, 0, sizeof(hp));
	hp.helo = cs->p.helo;
	hp.timeout_ms = cs->p.timeout_ms;
	hp.deadline_ms = cs->p.deadline_ms;
	hp.log = cs->p.log;
	cs->adb = mx_hs_batch_new(cs->base, cs->pool, cs->ep, &hp, cs->ad,
				  cs->nad, on_advised, cs);
	mx_hs_batch_start(cs->adb);
}

static void on_confirmed(void *arg)
{
	struct mx_clients_step *cs = arg;

	cs->cf_state = 2;
	if (cs->want_cf)
		advice_over(cs);
}

/* Start the confirmations: one session per profile a local stack can
 * play.  They need no enumeration (only the comparison with the
 * prediction does, later), so they may run beside it. */
/* How long a confirmation of cc is likely to take, from the version the
 * probe's own handshake got: 2 when it should complete a TLS <= 1.2
 * handshake (one more round trip for the server's Finished), 0 when it
 * should stop at the server's first flight (no common version) or
 * complete TLS 1.3 (the client is done when it sends its Finished); +1
 * for GnuTLS (measured a little slower).  A guess, only for the order. */
static int cf_cost(const struct mx_clients_step *cs,
		   const struct mx_confirm_client *cc)
{
	int v = 0, nv, lo = cc->tls.min_version, hi = cc->tls.max_version;
	int cost = cc->be == &mx_tls_gnutls;
	uint16_t w;

	for (w = 0x0300; w <= 0x0304 && cs->ep->tls.version != NULL; w++) {
		const char *n = mx_tls_version_name(w);

		if (n != NULL && strcmp(n, cs->ep->tls.version) == 0)
			v = w;
	}
	if (v == 0)
		return cost;
	nv = hi != 0 && hi < v ? hi : v;
	if (nv <= 0x0303 && (lo == 0 || lo <= nv))
		cost += 2;
	return cost;
}

static void start_cf(struct mx_clients_step *cs, int background)
{
	struct mx_hs_params hp;
	size_t i;
	int c;

	cs->cf_state = 1;
	cs->cf = xcalloc(cs->p.nclients > 0 ? cs->p.nclients : 1,
			 sizeof(*cs->cf));
	/* Longest first: the confirmations fill the slots to the end of
	 * the run, and what runs last runs alone when the connections do
	 * not pair up; better a short one there. */
	for (c = 3; c >= 0; c--)
		for (i = 0; i < cs->p.nclients; i++) {
			const struct mx_confirm_client *cc = &cs->p.clients[i];
			struct mx_hs *s;

			if (cc->be == NULL || cc->id == NULL ||
			    cf_cost(cs, cc) != c)
				continue;
			s = &cs->cf[cs->ncf++];
			s->be = cc->be;
			s->tls = cc->tls;
			s->tls.sni = cs->ep->host;
			purpose(s, K_CONFIRM, cc->id);
		}
	memset(&hp, 0, sizeof(hp));
	hp.helo = cs->p.helo;
	hp.timeout_ms = cs->p.timeout_ms;
	hp.deadline_ms = cs->p.deadline_ms;
	hp.background = background;
	hp.log = cs->p.log;
	/* Independent handshakes: as many at once as the pool allows for
	 * this address, each distinct one once. */
	cs->cfb = mx_hs_batch_new(cs->base, cs->pool, cs->ep, &hp, cs->cf,
				  cs->ncf, on_confirmed, cs);
	mx_hs_batch_start(cs->cfb);
}

static void start_bisect(struct mx_clients_step *cs);

void mx_clients_step_prestart(struct mx_clients_step *cs)
{
	if (cs->cancelled)
		return;
	if (cs->cf_state == 0)
		start_cf(cs, 1);
	/* The probe's own full hello failed: the bisection is needed
	 * whatever the enumeration finds, so it need not wait for it. */
	if (cs->p.bisect && cs->bs_state == 0 && cs->ep->enumr != NULL &&
	    cs->ep->tls.attempted && !cs->ep->tls.completed)
		start_bisect(cs);
}

static void start_confirm(struct mx_clients_step *cs)
{
	struct mx_enum *e = cs->ep->enumr;

	cs->st = ST_CONFIRM;
	if (cs->p.simulate != NULL)
		cs->p.simulate(e);
	if (cs->cancelled) {
		finish(cs);
		return;
	}
	cs->want_cf = 1;
	if (cs->cf_state == 0)
		start_cf(cs, 0);
	run_advice(cs); /* advice_over follows both */
}

static void on_retried(void *arg, int rc)
{
	struct mx_clients_step *cs = arg;

	(void)rc;
	mx_enum_retry_free(cs->rt);
	cs->rt = NULL;
	start_confirm(cs);
}

/* The bisection is over (rc as mx_bisect's) and the step has started. */
static void after_bisect(struct mx_clients_step *cs, int rc)
{
	const struct mx_enum *e = cs->ep->enumr;
	struct mx_enum_retry_params rp;

	if (cs->st == ST_DONE)
		return;
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

static void on_bisected(void *arg, int rc)
{
	struct mx_clients_step *cs = arg;

	mx_bisect_free(cs->bs);
	cs->bs = NULL;
	cs->bs_state = 2;
	cs->bs_rc = rc;
	if (cs->started)
		after_bisect(cs, rc);
}

static void start_bisect(struct mx_clients_step *cs)
{
	struct mx_bisect_params bp;

	cs->bs_state = 1;
	memset(&bp, 0, sizeof(bp));
	bp.helo = cs->p.helo;
	bp.timeout_ms = cs->p.timeout_ms;
	bp.deadline_ms = cs->p.deadline_ms;
	bp.log = cs->p.log;
	cs->bs =
		mx_bisect_new(cs->base, cs->pool, cs->ep, &bp, on_bisected, cs);
	mx_bisect_start(cs->bs);
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
	cs->started = 1;
	if (cs->ep->enumr == NULL) {
		finish(cs);
		return;
	}
	/* Past the deadline or cancelled: no more connections, but the
	 * simulation (pure) still tells what the enumeration so far means;
	 * what was not confirmed stays unconfirmed. */
	if (cs->cancelled ||
	    (cs->p.deadline_ms > 0 && mx_now_ms() >= cs->p.deadline_ms)) {
		cs->cancelled = 1;
		start_confirm(cs);
		return;
	}
	cs->st = ST_BISECT;
	if (cs->bs_state == 2) { /* began early and is over */
		after_bisect(cs, cs->bs_rc);
		return;
	}
	if (cs->bs_state == 1) /* began early: on_bisected goes on */
		return;
	if (!cs->p.bisect || !bisect_needed(cs->ep)) {
		start_confirm(cs);
		return;
	}
	start_bisect(cs);
}

void mx_clients_step_cancel(struct mx_clients_step *cs, const char *why)
{
	if (cs->cancelled || cs->st == ST_DONE)
		return;
	cs->cancelled = 1;
	if (cs->cfb != NULL && cs->cf_state == 1)
		mx_hs_batch_cancel(cs->cfb, why);
	if (cs->bs != NULL)
		mx_bisect_cancel(cs->bs, why);
	else if (cs->rt != NULL)
		mx_enum_retry_cancel(cs->rt, why);
	else if (cs->adb != NULL && cs->ad_state == 1)
		mx_hs_batch_cancel(cs->adb, why);
}

void mx_clients_step_free(struct mx_clients_step *cs)
{
	size_t i;

	if (cs == NULL)
		return;
	mx_bisect_free(cs->bs);
	mx_enum_retry_free(cs->rt);
	mx_hs_batch_free(cs->cfb);
	mx_hs_batch_free(cs->adb);
	for (i = 0; i < cs->ncf; i++)
		mx_tls_clear(&cs->cf[i].out);
	for (i = 0; i < cs->nad; i++)
		mx_tls_clear(&cs->ad[i].out);
	free(cs->cf);
	free(cs->ad);
	free(cs->ad_kind);
	free(cs->ad_idx);
	free(cs->lk_kind);
	free(cs->lk_idx);
	free(cs->lk_cf);
	event_free(cs->ev_done);
	free(cs);
}
