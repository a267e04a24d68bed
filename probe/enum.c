/*
 * enum.c - the enumerator: the chains of one endpoint (enum_plan.c)
 * through the run's connection pool (probe/pool.h) and the raw hello
 * engine (probe/rawhello.h) on the caller's loop; see enum.h (part 3)
 * for the contract and the connection budget.
 *
 * Contract: one slot per version (lane 0) and one per version for lane
 * 1; a slot with something to offer waits for a pool grant, builds the
 * hello (enum_offer.c), sends it, classifies the answer (enum_classify.c)
 * and hands it to its chain; what each pick showed is kept
 * (enum_facts.c) and written into the caller's struct mx_enum when every
 * chain is done.  Retries (refused or timed-out connections, 4xx) wait a
 * doubling backoff that also lowers the address's cap; a chain that
 * waits on nobody running is a broken invariant and aborts the
 * enumeration rather than hang.  done() is called from the loop, never
 * from inside start, free or cancel.
 * Ownership: see enum.h; the slots, hello buffers and (without a shared
 * one) the DH cache are ours.
 * Limits: MAX_TOTAL_RETRIES retries per enumeration, backoff up to
 * MAX_BACKOFF_MS, the params' deadline.
 */
#include "probe/enum_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"

/* ---- enumerator ---------------------------------------------------------- */

#define MAX_TOTAL_RETRIES 24
#define MAX_BACKOFF_MS 30000

static void pump(struct mx_enumerator *en);

/* The order in which the versions' chains ask the pool: TLS 1.2 first.
 * It has the most suites, so its suite loop (one connection per
 * accepted suite, each waiting for the one before on a server-order
 * server) is the longest chain of the endpoint: begun first, it ends
 * with the others instead of running alone at the tail (measured:
 * dhe1024, 13 dependent TLS 1.2 connections, began after TLS 1.3's).
 * TLS 1.3 next (what it finds decides TLS 1.2's group loop). */
static const int ver_order[MX_EV__N] = {MX_EV_TLS12, MX_EV_TLS13, MX_EV_TLS11,
					MX_EV_TLS10, MX_EV_SSL3};

/* The slot whose chain and pick details a slot serves. */
static struct mx_enum_slot *main_of(struct mx_enum_slot *s)
{
	return s->lane || s->glane ? s->owner : s;
}

/* Slot k of the 3 x MX_EV__N: lane 0, lane 1, the group lane. */
static struct mx_enum_slot *slot_at(struct mx_enumerator *en, int k)
{
	if (k < MX_EV__N)
		return &en->slots[k];
	if (k < 2 * MX_EV__N)
		return &en->aux[k - MX_EV__N];
	return &en->gaux[k - 2 * MX_EV__N];
}

static int deadline_passed(const struct mx_enumerator *en)
{
	return en->p.deadline_ms != 0 && mx_now_ms() >= en->p.deadline_ms;
}

static void slot_idle(struct mx_enum_slot *s)
{
	s->busy = 0;
	if (s->granted) {
		s->granted = 0;
		mx_pool_release(s->en->pool, s->en->p.addr);
	}
}

static void abort_all(struct mx_enumerator *en, const char *why)
{
	int i;

	/* Cut to the buffer; the precision says so to -Wformat-truncation,
	 * which sees through the inlined callers' longer texts. */
	if (en->fatal[0] == 0)
		snprintf(en->fatal, sizeof(en->fatal), "%.*s",
			 (int)sizeof(en->fatal) - 1, why);
	for (i = 0; i < MX_EV__N; i++)
		if (en->slots[i].active)
			mx_enum_chain_abort(&en->slots[i].ch, why);
}

static void on_raw_done(void *arg, struct mx_rawhello *rh,
			const struct mx_raw_result *r)
{
	struct mx_enum_slot *s = arg;
	struct mx_enumerator *en = s->en;
	struct mx_answer a;
	char why[200];
	int rc;

	rc = mx_enum_classify(s->ver, r, &a, why, sizeof(why));
	if (rc == 0 && a.kind == MX_ANS_PICK &&
	    s->cur.purpose != MX_OFFER_GROUPS)
		mx_enum_record_pick(en, main_of(s), r->flight);
	mx_rawhello_free(rh);
	s->rh = NULL;
	s->granted = 0;
	mx_pool_release(en->pool, en->p.addr);
	if (rc == 0 && s->lane) {
		mx_enum_chain_answer_lane1(&main_of(s)->ch, &a);
	} else if (rc == 0 && s->glane) {
		mx_enum_chain_answer_glane(&main_of(s)->ch, &a);
	} else if (rc == 0) {
		mx_enum_chain_answer(&s->ch, &a);
	} else if (rc > 0 &&
		   s->tries < (en->p.retries < 0 ? 0
			       : en->p.retries	 ? en->p.retries
						 : 3) &&
		   en->total_retries < MAX_TOTAL_RETRIES &&
		   !deadline_passed(en)) {
		int64_t ms = (int64_t)(en->p.backoff_ms > 0 ? en->p.backoff_ms
							    : 1000)
			     << s->tries;

		if (ms > MAX_BACKOFF_MS)
			ms = MAX_BACKOFF_MS;
		s->tries++;
		en->total_retries++;
		en->out->retries++;
		mx_log_trace(en->p.log, MX_TRACE_SCHED,
			     "enum %s %s: %s; retry %d in %lld ms", en->p.addr,
			     mx_enum_ver_name(s->ver), why, s->tries,
			     (long long)ms);
		mx_pool_backoff(en->pool, en->p.addr, (int)ms);
		mx_pool_acquire(en->pool, &s->w); /* still busy */
		return;
	} else {
		char msg[240];

		snprintf(msg, sizeof(msg), "%s%s", why,
			 rc > 0 ? " (retries exhausted)" : "");
		if (rc < 0)
			abort_all(en, msg);
		else
			mx_enum_chain_abort(&main_of(s)->ch, msg);
		if (s->glane)
			mx_enum_chain_glane_drop(&main_of(s)->ch);
	}
	s->busy = 0;
	pump(en);
}

static void on_grant(void *arg)
{
	struct mx_enum_slot *s = arg;
	struct mx_enumerator *en = s->en;
	struct mx_rawhello_params rp;
	char err[200];

	s->granted = 1;
	if (deadline_passed(en)) {
		mx_enum_chain_abort(&main_of(s)->ch, "deadline reached");
		if (s->lane)
			main_of(s)->ch.lane1_out = 0;
		if (s->glane)
			mx_enum_chain_glane_drop(&main_of(s)->ch);
		slot_idle(s);
		pump(en);
		return;
	}
	if (mx_enum_build_hello(&en->p, s->ver, &s->cur, &s->hello, err,
				sizeof(err)) < 0) {
		mx_enum_chain_abort(&main_of(s)->ch, err);
		if (s->lane)
			main_of(s)->ch.lane1_out = 0;
		if (s->glane)
			mx_enum_chain_glane_drop(&main_of(s)->ch);
		slot_idle(s);
		pump(en);
		return;
	}
	memset(&rp, 0, sizeof(rp));
	rp.host = en->p.host;
	rp.addr = en->p.addr;
	rp.port = en->p.port;
	rp.mode = en->p.mode;
	rp.helo = en->p.helo;
	rp.hello = s->hello.p;
	rp.hello_len = s->hello.len;
	rp.connect_timeout_ms = en->p.step_timeout_ms;
	rp.greeting_timeout_ms = en->p.step_timeout_ms;
	rp.command_timeout_ms = en->p.step_timeout_ms;
	rp.hello_timeout_ms = en->p.hello_timeout_ms;
	rp.deadline_ms = en->p.deadline_ms;
	rp.log = en->p.log;
	if (s->cur.purpose == MX_OFFER_GROUPS)
		main_of(s)->gconns++;
	else
		main_of(s)->conns++;
	en->out->connections++;
	if (en->p.record_in != NULL && en->pool != NULL) {
		struct mx_conn_purpose pu;

		memset(&pu, 0, sizeof(pu));
		pu.step = -1;
		switch (s->cur.purpose) {
		case MX_OFFER_RANK:
			pu.kind = MX_CONN_RANK;
			break;
		case MX_OFFER_ORDER:
			pu.kind = MX_CONN_ORDER;
			break;
		case MX_OFFER_GROUPS:
			pu.kind = MX_CONN_GROUPS;
			break;
		default:
			pu.kind = MX_CONN_ENUM;
			break;
		}
		if (en->p.record_kind != 0)
			pu.kind = (enum mx_conn_kind)en->p.record_kind;
		if (en->p.record_what != NULL)
			snprintf(pu.dropped, sizeof(pu.dropped), "%s",
				 en->p.record_what);
		pu.version = mx_enum_ver_code(s->ver);
		pu.nsuites = (unsigned)s->cur.nsuites;
		pu.ngroups = (unsigned)s->cur.ngroups;
		rp.rec = s->rec = mx_endpoint_conn_new(
			en->p.record_in, mx_pool_conn_id(en->pool), &pu);
	}
	mx_log_trace(en->p.log, MX_TRACE_SCHED,
		     "enum %s %s%s: offer %zu suites, %zu groups (%d)",
		     en->p.addr, mx_enum_ver_name(s->ver),
		     s->lane	? " lane 1"
		     : s->glane ? " group lane"
				: "",
		     s->cur.nsuites, s->cur.ngroups, (int)s->cur.purpose);
	s->rh = mx_rawhello_new(en->base, &rp, on_raw_done, s);
	mx_rawhello_start(s->rh);
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_enumerator *en = arg;

	(void)fd;
	(void)what;
	if (en->done)
		en->done(en->arg, en); /* may free en */
}

static void finish(struct mx_enumerator *en)
{
	struct timeval zero = {0, 0};

	if (en->finished)
		return;
	en->finished = 1;
	mx_enum_write_facts(en);
	event_add(en->ev_done, &zero);
}

/* Ask each version's second slot in x[] (lane 1 or the group lane) for
 * an offer; returns 1 when one was asked for.  *busy counts them. */
static int pump_lanes(struct mx_enumerator *en, struct mx_enum_slot *x,
		      int *busy)
{
	int k, progress = 0;

	for (k = 0; k < MX_EV__N; k++) {
		int i = ver_order[k];
		struct mx_enum_chain *ch = &en->slots[i].ch;
		enum mx_chain_step st;

		if (x[i].busy) {
			(*busy)++;
			continue;
		}
		if (!en->slots[i].active || deadline_passed(en))
			continue;
		/* Lane 1 begins (its order probe) whether or not a slot
		 * idles right now: the connections an enumeration makes
		 * must not depend on timing (the same run alone and beside
		 * others makes the same ones). */
		if (x[i].lane)
			st = mx_enum_chain_next_lane1(ch, &x[i].cur, 1);
		else
			st = mx_enum_chain_next_glane(ch, &x[i].cur);
		if (st != MX_CHAIN_OFFER)
			continue;
		x[i].busy = 1;
		x[i].tries = 0;
		(*busy)++;
		progress = 1;
		/* The group lane is a chain too (one group per answer);
		 * lane 1 asks only with a slot to spare. */
		x[i].w.prio = x[i].glane ? (int)ch->group_conns : 0;
		mx_pool_acquire(en->pool, &x[i].w);
	}
	return progress;
}

static void pump(struct mx_enumerator *en)
{
	int progress = 1, i, k, active, busy;

	if (en->finished)
		return;
	while (progress) {
		progress = 0;
		active = busy = 0;
		for (k = 0; k < MX_EV__N; k++) {
			struct mx_enum_slot *s = &en->slots[ver_order[k]];
			enum mx_chain_step st;

			if (!s->active)
				continue;
			active++;
			if (s->busy) {
				busy++;
				continue;
			}
			if (deadline_passed(en))
				mx_enum_chain_abort(&s->ch, "deadline reached");
			st = mx_enum_chain_next(&s->ch, &s->cur);
			if (st == MX_CHAIN_DONE) {
				s->active = 0;
				progress = 1;
				continue;
			}
			if (st == MX_CHAIN_WAIT)
				continue;
			s->busy = 1;
			s->tries = 0;
			busy++;
			progress = 1;
			/* A suite loop that keeps finding suites is the chain
			 * the endpoint waits for: it goes before first offers,
			 * order checks and other short work. */
			s->w.prio = s->cur.purpose == MX_OFFER_SUITES
					    ? (int)s->ch.npicks
					    : 0;
			mx_pool_acquire(en->pool, &s->w);
		}
		/* Lane 1: a second connection for a version (its order
		 * probe, then the other end of the candidates on a
		 * client-order server); it asks at priority 0, so it takes
		 * what the chains leave.  The group lane: the group loop
		 * beside the suite loop, a chain of its own: on a server with
		 * many groups it is the longest chain of all, and packing it
		 * in beside the suites beats leaving it for the tail
		 * (measured: 3des 12.5 -> 11.0 s, dhe1024 4.7 -> 4.5 s at 25
		 * ms each way). */
		progress |= pump_lanes(en, en->aux, &busy);
		progress |= pump_lanes(en, en->gaux, &busy);
		if (!progress && active > 0 && busy == 0) {
			/* Everyone waits on someone who is not running: a
			 * broken invariant of the plan; do not hang. */
			abort_all(en, "internal: enumeration stalled");
			progress = 1;
		}
	}
	for (i = 0; i < MX_EV__N; i++)
		if (en->slots[i].active || en->aux[i].busy || en->gaux[i].busy)
			return;
	finish(en);
}

/* A second slot (lane 1 or the group lane) of owner's version. */
static void lane_init(struct mx_enum_slot *x, struct mx_enum_slot *owner)
{
	x->en = owner->en;
	x->ver = owner->ver;
	x->owner = owner;
	x->w.addr = owner->en->p.addr;
	x->w.grant = on_grant;
	x->w.arg = x;
	mx_buf_init(&x->hello, 64 * 1024);
}

struct mx_enumerator *mx_enumerator_new(struct event_base *base,
					struct mx_pool *pool,
					const struct mx_enum_params *p,
					struct mx_enum *out,
					mx_enum_done_fn done, void *arg)
{
	struct mx_enumerator *en = xcalloc(1, sizeof(*en));
	unsigned vers = p->versions ? p->versions : (1u << MX_EV__N) - 1;
	int i;

	en->base = base;
	en->pool = pool;
	en->p = *p;
	en->out = out;
	en->done = done;
	en->arg = arg;
	en->dh = p->dh_cache;
	if (en->dh == NULL) {
		en->dh = mx_enum_dhcache_new();
		en->own_dh = 1;
	}
	mx_enum_shared_init(&en->sh);
	if (!(vers & (1u << MX_EV_TLS13)))
		en->sh.tls13 = 0;
	for (i = 0; i < MX_EV__N; i++) {
		struct mx_enum_slot *s = &en->slots[i];

		s->en = en;
		s->ver = (enum mx_enum_ver)i;
		s->w.addr = en->p.addr;
		s->w.grant = on_grant;
		s->w.arg = s;
		mx_buf_init(&s->hello, 64 * 1024);
		lane_init(&en->aux[i], s);
		en->aux[i].lane = 1;
		lane_init(&en->gaux[i], s);
		en->gaux[i].glane = 1;
		if (vers & (1u << i)) {
			uint16_t offer[MX_ENUM_MAX_OFFER];
			size_t noffer = 0;

			s->active = 1;
			if (p->exclude_ciphers != 0)
				noffer = mx_enum_offer_suites_without(
					s->ver, p->exclude_ciphers, offer,
					MX_ENUM_MAX_OFFER);
			mx_enum_chain_init(&s->ch, s->ver, &en->sh, p->flags,
					   p->exclude_ciphers ? offer : NULL,
					   noffer, NULL, 0);
		}
	}
	en->ev_done = evtimer_new(base, done_cb, en);
	if (en->ev_done == NULL)
		mx_fatal(__func__, "evtimer_new");
	return en;
}

void mx_enumerator_start(struct mx_enumerator *en)
{
	en->t0 = mx_now_ms();
	if (en->p.mode == MX_MODE_PLAIN || en->p.addr == NULL) {
		abort_all(en, "no TLS to enumerate on this endpoint");
		pump(en);
		return;
	}
	pump(en);
}

void mx_enumerator_free(struct mx_enumerator *en)
{
	int k;

	if (en == NULL)
		return;
	for (k = 0; k < 3 * MX_EV__N; k++) {
		struct mx_enum_slot *s = slot_at(en, k);

		mx_pool_cancel(en->pool, &s->w);
		if (s->rh) {
			mx_rawhello_free(s->rh);
			s->rh = NULL;
		}
		if (s->granted) {
			s->granted = 0;
			mx_pool_release(en->pool, en->p.addr);
		}
		mx_buf_free(&s->hello);
	}
	if (en->own_dh)
		mx_enum_dhcache_free(en->dh);
	event_free(en->ev_done);
	free(en);
}

int mx_enum_hello_timeout(const struct mx_endpoint *ep, int cap)
{
	int64_t t;

	if (cap <= 0)
		cap = 10000;
	/* Do not wait for what we know: the probe saw how fast this server
	 * answers a hello; silence (an intolerant server) costs 20 times
	 * that, at least 2 s, not the full timeout. */
	if (!ep->tls.completed || ep->tls.handshake_ms <= 0)
		return cap;
	t = ep->tls.handshake_ms * 20;
	if (t < 2000)
		t = 2000;
	return (int)(t < cap ? t : cap);
}

void mx_enumerator_set_hello_timeout(struct mx_enumerator *en, int ms)
{
	if (ms > 0)
		en->p.hello_timeout_ms = ms;
}

void mx_enumerator_cancel(struct mx_enumerator *en, const char *why)
{
	int k;

	if (en->finished)
		return;
	abort_all(en, why ? why : "cancelled");
	for (k = 0; k < 3 * MX_EV__N; k++) {
		struct mx_enum_slot *s = slot_at(en, k);

		mx_pool_cancel(en->pool, &s->w);
		if (s->rh) {
			if (s->rec != NULL)
				mx_connrec_end(s->rec, MX_HOW_CANCELLED, -1, 0);
			mx_rawhello_free(s->rh);
			s->rh = NULL;
		}
		if (s->granted) {
			s->granted = 0;
			mx_pool_release(en->pool, en->p.addr);
		}
		if (s->lane && s->busy)
			main_of(s)->ch.lane1_out = 0;
		if (s->glane && s->busy)
			mx_enum_chain_glane_drop(&main_of(s)->ch);
		s->busy = 0;
	}
	pump(en);
}
