/*
 * enum_plan.c - the enumeration plan: struct mx_enum_chain, one per
 * protocol version, with its second lane; see enum.h (part 1) for the
 * API and the connection budget.
 *
 * Contract: pure, no I/O, no allocation.  mx_enum_chain_next() says what
 * to offer next (or to wait, or done), mx_enum_chain_answer() takes what
 * the server did; the phases are SUITES -> (RANK) -> ORDER ->
 * (GROUPS_WAIT) -> GROUPS -> DONE.  The chains of one endpoint share
 * what they learn about large hellos and TLS 1.3 through struct
 * mx_enum_shared.  Lane 1 (mx_enum_chain_next_lane1/_answer_lane1) asks
 * the other end of the same version's candidates at once.
 *
 * Why one file of ~700 lines and not two: lane 1 is not a layer on top
 * of the chain but half of its suite loop.  It reads and writes lane 0's
 * state (the candidates, the picks, lane0_done, the phase, the order
 * found early), and lane 0's answers must know about lane 1 (a refusal
 * of the whole offer while lane 1 still asks, lane1_busy before the loop
 * ends, the interleaved picks sorted back).  Apart, the phase and lane
 * constants and the list helpers would become a second interface to the
 * chain's insides.
 *
 * Limits: MX_ENUM_MAX_OFFER suites and MX_ENUM_MAX_GROUPS groups per
 * chain; texts cut to their buffers.
 */
#include "probe/enum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/tls_registry.h"

/* ---- plan ---------------------------------------------------------------- */

enum {
	PH_SUITES = 0,
	PH_RANK,
	PH_ORDER,
	PH_GROUPS_WAIT,
	PH_GROUPS,
	PH_GLANE_WAIT, /* the suites are done, the group lane is not */
	PH_DONE,
};

/* The group lane (see enum.h): not begun, running, over. */
enum { GLANE_NONE = 0, GLANE_RUN, GLANE_DONE };

/* Lane 1 (see enum.h): none yet, the order probe is out, asking from
 * the other end, over. */
enum { LANE1_NONE = 0, LANE1_PROBE, LANE1_ENDS, LANE1_OVER };
#define LANE1_MIN_CAND 8 /* fewer candidates left: not worth a lane */
/* Picks before the order probe.  The probe replaces the order check at
 * the end of the loop on a client-order server; on a server-order server
 * whose picks would have left our order later (order told for free) it
 * costs one connection - made only on a slot that would idle. */
#define LANE1_MIN_PICKS 2

static int in_list(const uint16_t *v, size_t n, uint16_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static size_t pos_of(const uint16_t *v, size_t n, uint16_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return i;
	return n;
}

static void list_remove(uint16_t *v, size_t *n, uint16_t x)
{
	size_t i = pos_of(v, *n, x);

	if (i < *n) {
		memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(*v));
		(*n)--;
	}
}

static int me_of(const struct mx_enum_chain *c)
{
	return (int)c->ver + 1;
}

static int lane1_busy(const struct mx_enum_chain *c)
{
	return c->lane1_out;
}

struct pos_id {
	size_t pos;
	uint16_t id;
};

static int pos_cmp(const void *a, const void *b)
{
	const struct pos_id *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Sort v (n <= MX_ENUM_MAX_OFFER) into our offer order. */
static void sort_ours(const struct mx_enum_chain *c, uint16_t *v, size_t n)
{
	struct pos_id t[MX_ENUM_MAX_OFFER];
	size_t i;

	for (i = 0; i < n; i++) {
		t[i].pos = pos_of(c->all, c->nall, v[i]);
		t[i].id = v[i];
	}
	qsort(t, n, sizeof(*t), pos_cmp);
	for (i = 0; i < n; i++)
		v[i] = t[i].id;
}

void mx_enum_shared_init(struct mx_enum_shared *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->tls13 = -1;
}

void mx_enum_chain_init(struct mx_enum_chain *c, enum mx_enum_ver v,
			struct mx_enum_shared *sh, unsigned flags,
			const uint16_t *suites, size_t nsuites,
			const uint16_t *groups, size_t ngroups)
{
	memset(c, 0, sizeof(*c));
	c->ver = v;
	c->sh = sh;
	c->flags = flags;
	c->state = -1;
	c->server_order = -1;
	if (suites != NULL) {
		c->nall = nsuites < MX_ENUM_MAX_OFFER ? nsuites
						      : MX_ENUM_MAX_OFFER;
		memcpy(c->all, suites, c->nall * sizeof(*suites));
	} else {
		c->nall = mx_enum_offer_suites(v, c->all, MX_ENUM_MAX_OFFER);
	}
	if (groups != NULL) {
		c->ngall = ngroups < MX_ENUM_MAX_GROUPS ? ngroups
							: MX_ENUM_MAX_GROUPS;
		memcpy(c->gall, groups, c->ngall * sizeof(*groups));
	} else {
		c->ngall = mx_enum_offer_groups(v, c->gall, MX_ENUM_MAX_GROUPS);
	}
	memcpy(c->cand, c->all, c->nall * sizeof(*c->all));
	c->ncand = c->nall;
	c->phase = PH_SUITES;
}

static void set_offer(struct mx_enum_chain *c, const uint16_t *v, size_t n)
{
	memmove(c->offer, v, n * sizeof(*v));
	c->noffer = n;
}

static void fill(struct mx_enum_chain *c, struct mx_offer *o,
		 enum mx_offer_purpose pu, const uint16_t *g, size_t ng)
{
	o->ver = c->ver;
	o->purpose = pu;
	o->suites = c->offer;
	o->nsuites = c->noffer;
	o->groups = g;
	o->ngroups = ng;
}

static int is_ecdhe(uint16_t id)
{
	const struct mx_suite *s = mx_suite_by_id(id);

	return s != NULL && s->kx == MX_KX_ECDHE;
}

/* Set up the group loop, or finish. */
static void groups_start(struct mx_enum_chain *c)
{
	size_t i;

	c->phase = PH_DONE;
	/* The group lane did (or does) the group loop already. */
	if (c->glane == GLANE_RUN) {
		c->phase = PH_GLANE_WAIT;
		return;
	}
	if (c->glane == GLANE_DONE)
		return;
	if ((c->flags & MX_ENUM_NO_GROUPS) || c->npicks == 0 || c->incomplete)
		return;
	c->ngsuites = 0;
	if (c->ver == MX_EV_TLS13) {
		memcpy(c->gsuites, c->picks, c->npicks * sizeof(*c->picks));
		c->ngsuites = c->npicks;
	} else if (c->ver == MX_EV_TLS12) {
		/* TLS 1.3 answers the group question where it is spoken. */
		if (c->sh->tls13 == 1)
			return;
		for (i = 0; i < c->npicks; i++)
			if (is_ecdhe(c->picks[i]))
				c->gsuites[c->ngsuites++] = c->picks[i];
		if (c->ngsuites == 0)
			return;
		if (c->sh->tls13 < 0) {
			c->phase = PH_GROUPS_WAIT;
			return;
		}
	} else {
		return;
	}
	c->ngcand = 0;
	for (i = 0; i < c->ngall; i++)
		if (!in_list(c->gfound, c->ngfound, c->gall[i]))
			c->gcand[c->ngcand++] = c->gall[i];
	if (c->ngcand > 0)
		c->phase = PH_GROUPS;
}

static void order_start(struct mx_enum_chain *c)
{
	size_t i;

	if (c->server_order != -1) {
		/* told early, by lane 1's order probe */
		groups_start(c);
		return;
	}

	if (c->npicks < 2) {
		if (c->npicks == 1)
			snprintf(c->order_method, sizeof(c->order_method),
				 "one suite: no order to tell");
		groups_start(c);
		return;
	}
	if (c->flags & MX_ENUM_NO_ORDER) {
		snprintf(c->order_method, sizeof(c->order_method),
			 "not checked");
		groups_start(c);
		return;
	}
	for (i = 1; i < c->npicks; i++)
		if (pos_of(c->all, c->nall, c->picks[i]) <
		    pos_of(c->all, c->nall, c->picks[i - 1])) {
			/* A client-order server always takes the first
			 * acceptable suite of our offer, so its picks follow
			 * our order; these did not. */
			c->server_order = 1;
			snprintf(c->order_method, sizeof(c->order_method),
				 "server order: its choices did not follow our "
				 "offer order (no extra connection)");
			groups_start(c);
			return;
		}
	if (c->chunk && c->npicks > c->chunk) {
		snprintf(c->order_method, sizeof(c->order_method),
			 "not checked: more accepted suites than this server "
			 "takes in one hello");
		groups_start(c);
		return;
	}
	c->phase = PH_ORDER;
}

static void end_suites(struct mx_enum_chain *c)
{
	size_t i, j;

	if (c->sh->prober == me_of(c))
		c->sh->prober = 0;
	if (c->npicks > 0)
		c->state = 1;
	else if (!c->incomplete)
		c->state = 0;
	if (c->server_order == 0 && c->lane1 != LANE1_NONE)
		sort_ours(c, c->picks, c->npicks); /* two lanes interleaved */
	if (c->ver == MX_EV_TLS13)
		c->sh->tls13 = c->npicks > 0 ? 1 : 0;
	if (c->multi_chunk && c->npicks >= 2 && c->npicks <= c->chunk &&
	    !c->incomplete && !(c->flags & MX_ENUM_NO_ORDER)) {
		/* Picks from several chunks: their order across chunks is
		 * not known.  Offer them together, in our order. */
		c->ncand = 0;
		for (i = 0; i < c->nall; i++)
			for (j = 0; j < c->npicks; j++)
				if (c->all[i] == c->picks[j])
					c->cand[c->ncand++] = c->all[i];
		c->npicks = 0;
		c->phase = PH_RANK;
		return;
	}
	if (c->incomplete) {
		c->phase = PH_DONE;
		return;
	}
	order_start(c);
}

enum mx_chain_step mx_enum_chain_next(struct mx_enum_chain *c,
				      struct mx_offer *o)
{
	size_t i, n;

	for (;;) {
		switch (c->phase) {
		case PH_SUITES:
			if (c->ncand == 0 || c->lane0_done) {
				if (lane1_busy(c))
					return MX_CHAIN_WAIT;
				end_suites(c);
				continue;
			}
			/* Both ends: lane 1's offer out holds every candidate
			 * left; with one left (or none acceptable, by
			 * ends_one) its answer settles it, a second hello
			 * would only repeat it. */
			if (c->lane1 == LANE1_ENDS && c->lane1_out &&
			    (c->ncand < 2 || c->ends_one))
				return MX_CHAIN_WAIT;
			if (c->chunk == 0 && c->sh->big_state == 2 &&
			    c->ncand > c->sh->split_at)
				c->chunk = c->sh->split_at;
			if (c->chunk == 0 && c->ncand > MX_ENUM_BIG_OFFER &&
			    !(c->sh->big_state == 1 &&
			      c->sh->big_ok >= c->ncand)) {
				if (c->sh->prober != 0 &&
				    c->sh->prober != me_of(c))
					return MX_CHAIN_WAIT;
				c->sh->prober = me_of(c);
			}
			n = c->chunk && c->chunk < c->ncand ? c->chunk
							    : c->ncand;
			set_offer(c, c->cand, n);
			fill(c, o, MX_OFFER_SUITES, c->gall, c->ngall);
			c->lane0_out = 1;
			return MX_CHAIN_OFFER;
		case PH_RANK:
			set_offer(c, c->cand, c->ncand);
			fill(c, o, MX_OFFER_RANK, c->gall, c->ngall);
			return MX_CHAIN_OFFER;
		case PH_ORDER:
			for (i = 0; i < c->npicks; i++)
				c->offer[i] = c->picks[c->npicks - 1 - i];
			c->noffer = c->npicks;
			fill(c, o, MX_OFFER_ORDER, c->gall, c->ngall);
			return MX_CHAIN_OFFER;
		case PH_GROUPS_WAIT:
			if (c->sh->tls13 < 0)
				return MX_CHAIN_WAIT;
			groups_start(c);
			continue;
		case PH_GLANE_WAIT:
			if (c->glane == GLANE_RUN)
				return MX_CHAIN_WAIT;
			c->phase = PH_DONE;
			continue;
		case PH_GROUPS:
			set_offer(c, c->gsuites, c->ngsuites);
			fill(c, o, MX_OFFER_GROUPS, c->gcand, c->ngcand);
			return MX_CHAIN_OFFER;
		default:
			return MX_CHAIN_DONE;
		}
	}
}

static void confirm_split(struct mx_enum_chain *c)
{
	struct mx_enum_shared *sh = c->sh;

	if (c->big_fail_n == 0 || sh->big_state == 2)
		return;
	sh->big_state = 2;
	sh->split_at = c->chunk;
	snprintf(sh->split_reason, sizeof(sh->split_reason),
		 "%s: a hello offering %zu suites got %s; hellos of %zu "
		 "suites were answered, so every offer was split",
		 mx_enum_ver_name(c->ver), c->big_fail_n, c->big_fail_what,
		 c->chunk);
	if (sh->prober == me_of(c))
		sh->prober = 0;
}

static void drop_offer(struct mx_enum_chain *c)
{
	size_t i;

	for (i = 0; i < c->noffer; i++)
		list_remove(c->cand, &c->ncand, c->offer[i]);
	c->chunks_done++;
}

static void answer_suites(struct mx_enum_chain *c, const struct mx_answer *a)
{
	struct mx_enum_shared *sh = c->sh;

	c->conns++;
	c->lane0_out = 0;
	if (a->kind != MX_ANS_ODD)
		c->clean++;
	if (a->kind == MX_ANS_PICK) {
		if (!in_list(c->offer, c->noffer, a->suite)) {
			c->incomplete = 1;
			snprintf(c->reason, sizeof(c->reason),
				 "%s: the server chose suite 0x%04x, which was "
				 "not offered",
				 mx_enum_ver_name(c->ver), a->suite);
			end_suites(c);
			return;
		}
		if (c->chunk) {
			confirm_split(c);
		} else if (sh->big_state != 2) {
			if (c->noffer > sh->big_ok)
				sh->big_ok = c->noffer;
			if (sh->prober == me_of(c) ||
			    c->noffer > MX_ENUM_BIG_OFFER)
				sh->big_state = 1;
			if (sh->prober == me_of(c))
				sh->prober = 0;
		}
		list_remove(c->cand, &c->ncand, a->suite);
		/* Lane 1 may have found it first (both ends). */
		if (!in_list(c->picks, c->npicks, a->suite)) {
			c->picks[c->npicks++] = a->suite;
			c->ends_one = 0;
		} else if (c->lane1 == LANE1_ENDS) {
			c->ends_one = 1;
		}
		c->state = 1;
		if (c->chunk) {
			size_t ci = c->chunks_done + 1;

			if (c->pick_chunk != 0 && c->pick_chunk != ci)
				c->multi_chunk = 1;
			c->pick_chunk = ci;
		}
		return;
	}
	/* An odd answer to a large whole offer: try smaller hellos. */
	if (a->kind == MX_ANS_ODD && c->chunk == 0 && c->npicks == 0 &&
	    c->noffer > MX_ENUM_SPLIT_MIN &&
	    !(sh->big_state == 1 && sh->big_ok >= c->noffer)) {
		c->big_fail_n = c->noffer;
		snprintf(c->big_fail_what, sizeof(c->big_fail_what), "%s",
			 a->what);
		c->chunk = c->noffer > MX_ENUM_BIG_OFFER ? MX_ENUM_BIG_OFFER
							 : MX_ENUM_SPLIT_MIN;
		if (sh->big_state == 2 && sh->split_at < c->chunk)
			c->chunk = sh->split_at;
		return;
	}
	/* Still finding out whether splitting helps. */
	if (c->chunk && c->big_fail_n && sh->big_state != 2 && c->npicks == 0) {
		if (a->kind == MX_ANS_REFUSED) {
			/* A clean answer to a small hello after an odd one to
			 * the large hello: the size was the problem. */
			confirm_split(c);
			drop_offer(c);
			snprintf(c->refusal, sizeof(c->refusal), "%s", a->what);
			if (c->ncand == 0)
				end_suites(c);
			return;
		}
		if (c->chunk > MX_ENUM_SPLIT_MIN) {
			c->chunk = MX_ENUM_SPLIT_MIN;
			return;
		}
		/* Small hellos fare no better: the version is refused,
		 * oddly.  The first reaction is the one to report. */
		snprintf(c->refusal, sizeof(c->refusal), "%s",
			 c->big_fail_what);
		c->chunk = 0;
		end_suites(c);
		return;
	}
	if (c->chunk) {
		/* No acceptable suite in this chunk. */
		drop_offer(c);
		if (c->npicks == 0)
			snprintf(c->refusal, sizeof(c->refusal), "%s", a->what);
		if (c->ncand == 0)
			end_suites(c);
		return;
	}
	/* The whole remaining offer refused: the loop is over. */
	if (c->npicks == 0)
		snprintf(c->refusal, sizeof(c->refusal), "%s", a->what);
	if (c->lane1 == LANE1_PROBE || c->lane1 == LANE1_ENDS) {
		/* Lane 1 still asks: nothing this offer held is accepted
		 * (it held every candidate left). */
		size_t i;

		for (i = 0; i < c->noffer; i++)
			list_remove(c->cand, &c->ncand, c->offer[i]);
		c->lane0_done = 1;
		return;
	}
	end_suites(c);
}

static void answer_rank(struct mx_enum_chain *c, const struct mx_answer *a)
{
	size_t i;

	c->conns++;
	if (a->kind == MX_ANS_PICK && in_list(c->cand, c->ncand, a->suite)) {
		list_remove(c->cand, &c->ncand, a->suite);
		c->picks[c->npicks++] = a->suite;
		if (c->ncand == 1) {
			/* The last one needs no connection. */
			c->picks[c->npicks++] = c->cand[0];
			c->ncand = 0;
			order_start(c);
		}
		return;
	}
	for (i = 0; i < c->ncand; i++)
		c->picks[c->npicks++] = c->cand[i];
	c->ncand = 0;
	c->server_order = -1;
	snprintf(c->order_method, sizeof(c->order_method),
		 "unknown: the rank pass after the split got %.80s", a->what);
	groups_start(c);
}

static void answer_order(struct mx_enum_chain *c, const struct mx_answer *a)
{
	const struct mx_suite *s;

	c->conns++;
	c->order_conns++;
	if (a->kind != MX_ANS_PICK || !in_list(c->picks, c->npicks, a->suite)) {
		c->server_order = -1;
		snprintf(c->order_method, sizeof(c->order_method),
			 "unknown: the order check got %s",
			 a->kind == MX_ANS_PICK ? "a suite not offered"
						: a->what);
	} else if (a->suite == c->picks[c->npicks - 1]) {
		c->server_order = 0;
		snprintf(
			c->order_method, sizeof(c->order_method),
			"client order: offered in reverse, the server took our "
			"first choice (1 extra connection)");
	} else if (a->suite == c->picks[0]) {
		c->server_order = 1;
		snprintf(
			c->order_method, sizeof(c->order_method),
			"server order: offered in reverse, the server kept its "
			"first choice (1 extra connection)");
	} else {
		s = mx_suite_by_id(a->suite);
		c->server_order = 1;
		snprintf(c->order_method, sizeof(c->order_method),
			 "server order, not strictly the one found: offered in "
			 "reverse, the server chose %s (1 extra connection)",
			 s ? s->iana : "another suite");
	}
	groups_start(c);
}

static void answer_groups(struct mx_enum_chain *c, const struct mx_answer *a)
{
	c->group_conns++;
	if (a->kind == MX_ANS_PICK && a->group != 0 &&
	    in_list(c->gcand, c->ngcand, a->group)) {
		list_remove(c->gcand, &c->ngcand, a->group);
		if (c->ngcand == 0)
			c->phase = PH_DONE;
		return;
	}
	c->phase = PH_DONE;
}

void mx_enum_chain_answer(struct mx_enum_chain *c, const struct mx_answer *a)
{
	if (a->kind == MX_ANS_PICK && a->group != 0 &&
	    !in_list(c->gfound, c->ngfound, a->group) &&
	    c->ngfound < MX_ENUM_MAX_GROUPS)
		c->gfound[c->ngfound++] = a->group;
	switch (c->phase) {
	case PH_SUITES:
		answer_suites(c, a);
		break;
	case PH_RANK:
		answer_rank(c, a);
		break;
	case PH_ORDER:
		answer_order(c, a);
		break;
	case PH_GROUPS:
		answer_groups(c, a);
		break;
	default:
		break;
	}
}

/* ---- lane 1 ------------------------------------------------------------- */

enum mx_chain_step mx_enum_chain_next_lane1(struct mx_enum_chain *c,
					    struct mx_offer *o, int start)
{
	size_t i;

	if (c->lane1_out || c->phase != PH_SUITES || c->incomplete)
		return MX_CHAIN_WAIT;
	if (c->lane1 == LANE1_ENDS) {
		/* Both ends of one list: lane 1 offers every candidate left
		 * in reverse, so a client-order server names the last
		 * acceptable one in our order while lane 0's offer names the
		 * first.  With one candidate left and lane 0's offer out
		 * (it holds it), a second hello would only repeat it; so
		 * after both lanes named the same suite (ends_one). */
		if (c->ncand == 0 || c->lane0_done ||
		    (c->lane0_out && (c->ncand < 2 || c->ends_one)))
			return MX_CHAIN_WAIT;
		for (i = 0; i < c->ncand; i++)
			c->offer1[i] = c->cand[c->ncand - 1 - i];
		c->noffer1 = c->ncand;
		fill(c, o, MX_OFFER_SUITES, c->gall, c->ngall);
		o->suites = c->offer1;
		o->nsuites = c->noffer1;
		c->lane1_out = 1;
		return MX_CHAIN_OFFER;
	}
	if (!start || c->lane1 != LANE1_NONE || c->nosplit || c->chunk ||
	    c->sh->big_state == 2 || (c->flags & MX_ENUM_NO_ORDER) ||
	    c->lane0_done || c->npicks < LANE1_MIN_PICKS ||
	    c->ncand < LANE1_MIN_CAND)
		return MX_CHAIN_WAIT;
	for (i = 1; i < c->npicks; i++)
		if (pos_of(c->all, c->nall, c->picks[i]) <
		    pos_of(c->all, c->nall, c->picks[i - 1])) {
			c->nosplit = 1; /* server order, seen for free */
			return MX_CHAIN_WAIT;
		}
	c->probe_first = c->picks[0];
	c->probe_last = c->picks[c->npicks - 1];
	c->offer1[0] = c->probe_last;
	c->offer1[1] = c->probe_first;
	c->noffer1 = 2;
	c->lane1 = LANE1_PROBE;
	c->lane1_out = 1;
	fill(c, o, MX_OFFER_ORDER, c->gall, c->ngall);
	o->suites = c->offer1;
	o->nsuites = c->noffer1;
	return MX_CHAIN_OFFER;
}

static void lane1_probe_answer(struct mx_enum_chain *c,
			       const struct mx_answer *a)
{
	c->order_conns++;
	c->lane1 = LANE1_OVER;
	c->nosplit = 1;
	if (a->kind != MX_ANS_PICK)
		return; /* the order check at the end tells */
	if (a->suite == c->probe_last) {
		c->server_order = 0;
		snprintf(c->order_method, sizeof(c->order_method),
			 "client order: our last find offered before our "
			 "first, the server took the one offered first (1 "
			 "extra connection)");
		/* Lane 1 works the other end of the same candidates (not a
		 * share of them): whatever shares the two lanes were
		 * given, the suites a server accepts are not spread evenly
		 * over our order, so one share ran dry while the other
		 * lane found the rest alone (measured: bigclient, 44
		 * suites).  From both ends, both lanes find suites until
		 * the list is exhausted. */
		if (!c->lane0_done && c->ncand >= 2)
			c->lane1 = LANE1_ENDS;
	} else if (a->suite == c->probe_first) {
		c->server_order = 1;
		snprintf(c->order_method, sizeof(c->order_method),
			 "server order: our last find offered before our "
			 "first, the server kept its first choice (1 extra "
			 "connection)");
	}
}

void mx_enum_chain_answer_lane1(struct mx_enum_chain *c,
				const struct mx_answer *a)
{
	size_t i;

	c->lane1_out = 0;
	c->conns++;
	if (a->kind == MX_ANS_PICK && a->group != 0 &&
	    !in_list(c->gfound, c->ngfound, a->group) &&
	    c->ngfound < MX_ENUM_MAX_GROUPS)
		c->gfound[c->ngfound++] = a->group;
	if (c->phase != PH_SUITES || c->incomplete) {
		c->lane1 = LANE1_OVER; /* the chain moved on or gave up */
		return;
	}
	if (c->lane1 == LANE1_PROBE) {
		lane1_probe_answer(c, a);
		return;
	}
	if (c->lane1 != LANE1_ENDS)
		return;
	if (a->kind != MX_ANS_ODD)
		c->clean++;
	if (a->kind == MX_ANS_PICK &&
	    in_list(c->offer1, c->noffer1, a->suite)) {
		list_remove(c->cand, &c->ncand, a->suite);
		if (!in_list(c->picks, c->npicks, a->suite)) {
			c->picks[c->npicks++] = a->suite;
			c->ends_one = 0;
		} else {
			c->ends_one = 1;
		}
		c->state = 1;
		return;
	}
	if (a->kind == MX_ANS_REFUSED) {
		/* It held every candidate left then: none is accepted. */
		for (i = 0; i < c->noffer1; i++)
			list_remove(c->cand, &c->ncand, c->offer1[i]);
		c->lane1 = LANE1_OVER;
		return;
	}
	/* Odd (or a suite not offered): lane 0 goes on alone, with its
	 * own handling of odd answers. */
	c->lane1 = LANE1_OVER;
}

void mx_enum_chain_abort(struct mx_enum_chain *c, const char *why)
{
	size_t i;

	if (c->phase == PH_DONE)
		return;
	c->incomplete = 1;
	snprintf(c->reason, sizeof(c->reason), "%s: %s",
		 mx_enum_ver_name(c->ver), why);
	if (c->phase == PH_RANK) {
		for (i = 0; i < c->ncand; i++)
			c->picks[c->npicks++] = c->cand[i];
		c->ncand = 0;
		c->server_order = -1;
	}
	if (c->phase == PH_SUITES || c->phase == PH_RANK) {
		if (c->sh->prober == me_of(c))
			c->sh->prober = 0;
		if (c->ver == MX_EV_TLS13 && c->sh->tls13 < 0)
			c->sh->tls13 = c->npicks > 0 ? 1 : 0;
		c->state = c->npicks > 0 ? 1 : -1;
	}
	c->phase = PH_DONE;
}

/* ---- the group lane ------------------------------------------------------ */

enum mx_chain_step mx_enum_chain_next_glane(struct mx_enum_chain *c,
					    struct mx_offer *o)
{
	size_t i, n = 0;

	if (c->glane == GLANE_DONE || c->glane_out ||
	    (c->flags & MX_ENUM_NO_GROUPS) || c->incomplete || c->chunk != 0 ||
	    c->sh->big_state == 2)
		return MX_CHAIN_WAIT;
	if (c->phase != PH_SUITES && c->phase != PH_ORDER &&
	    c->phase != PH_GLANE_WAIT)
		return MX_CHAIN_WAIT;
	if (c->ver == MX_EV_TLS12) {
		/* TLS 1.3 answers the group question where it is spoken. */
		if (c->sh->tls13 != 0)
			return MX_CHAIN_WAIT;
		for (i = 0; i < c->npicks; i++)
			if (is_ecdhe(c->picks[i]))
				c->gloffer[n++] = c->picks[i];
	} else if (c->ver == MX_EV_TLS13) {
		for (i = 0; i < c->npicks; i++)
			c->gloffer[n++] = c->picks[i];
	} else {
		return MX_CHAIN_WAIT;
	}
	if (n == 0)
		return MX_CHAIN_WAIT;
	if (c->glane == GLANE_NONE) {
		c->ngcand = 0;
		for (i = 0; i < c->ngall; i++)
			if (!in_list(c->gfound, c->ngfound, c->gall[i]))
				c->gcand[c->ngcand++] = c->gall[i];
		if (c->ngcand == 0) {
			c->glane = GLANE_DONE;
			return MX_CHAIN_WAIT;
		}
		c->glane = GLANE_RUN;
	}
	c->ngloffer = n;
	c->glane_out = 1;
	o->ver = c->ver;
	o->purpose = MX_OFFER_GROUPS;
	o->suites = c->gloffer;
	o->nsuites = c->ngloffer;
	o->groups = c->gcand;
	o->ngroups = c->ngcand;
	return MX_CHAIN_OFFER;
}

void mx_enum_chain_answer_glane(struct mx_enum_chain *c,
				const struct mx_answer *a)
{
	c->glane_out = 0;
	c->group_conns++;
	if (a->kind == MX_ANS_PICK && a->group != 0 &&
	    !in_list(c->gfound, c->ngfound, a->group) &&
	    c->ngfound < MX_ENUM_MAX_GROUPS)
		c->gfound[c->ngfound++] = a->group;
	if (a->kind == MX_ANS_PICK && a->group != 0 &&
	    in_list(c->gcand, c->ngcand, a->group)) {
		list_remove(c->gcand, &c->ngcand, a->group);
		if (c->ngcand == 0)
			c->glane = GLANE_DONE;
		return;
	}
	c->glane = GLANE_DONE;
}

void mx_enum_chain_glane_drop(struct mx_enum_chain *c)
{
	c->glane_out = 0;
	c->glane = GLANE_DONE;
}
