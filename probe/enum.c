/*
 * enum.c - cipher suite enumeration: the plan, the connection pool and
 * the enumerator; see enum.h for the contract and the connection budget.
 *
 * Sections:
 *   offers      the registry's suites and groups per version, in our
 *               offer order (a table of preferred groups, a sort key for
 *               suites)
 *   plan        struct mx_enum_chain: phases SUITES -> (RANK) -> ORDER ->
 *               (GROUPS_WAIT) -> GROUPS -> DONE; pure, no I/O
 *   classify    raw hello result -> answer
 *   pool        connection slots per address and in all, FIFO, backoff
 *   enumerator  chains of one endpoint through pool and raw hellos;
 *               details of each pick (DH prime, safe prime, curve,
 *               certificate key) into struct mx_enum
 */
#include "probe/enum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/target.h"
#include "probe/x509.h"
#include "wire/tls_registry.h"

/* ---- offers ------------------------------------------------------------ */

/* Groups a real client would put first; the rest follow by code point. */
static const uint16_t group_pref[] = {
	0x001d,					/* x25519 */
	0x0017,					/* secp256r1 */
	0x0018,					/* secp384r1 */
	0x0019,					/* secp521r1 */
	0x001e,					/* x448 */
	0x11ec,					/* X25519MLKEM768 */
	0x11eb,					/* SecP256r1MLKEM768 */
	0x11ed,					/* SecP384r1MLKEM1024 */
	0x0100, 0x0101, 0x0102, 0x0103, 0x0104, /* ffdhe2048..8192 */
	0x001a, 0x001b, 0x001c,			/* brainpool (TLS 1.2) */
	0x001f, 0x0020, 0x0021,			/* brainpool (TLS 1.3) */
};

static int group_rank(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(group_pref) / sizeof(group_pref[0]); i++)
		if (group_pref[i] == id)
			return (int)i;
	return 1000 + id;
}

static int group_usable(enum mx_enum_ver v, const struct mx_group *g)
{
	if (v == MX_EV_SSL3)
		return 0; /* SSLv3 hellos carry no extensions */
	if (v == MX_EV_TLS13)
		return g->tls13 && g->kind != MX_GROUP_OTHER;
	/* TLS <= 1.2: the RFC 8422 curves only; no ffdhe (RFC 7919 §4
	 * would let the server hide its own DH group from us). */
	return g->kind == MX_GROUP_EC && g->id <= 0x001e;
}

size_t mx_enum_offer_groups(enum mx_enum_ver v, uint16_t *out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < mx_group_count() && n < max; i++) {
		const struct mx_group *g = mx_group_at(i);

		if (group_usable(v, g))
			out[n++] = g->id;
	}
	/* insertion sort by preference (n is small) */
	for (i = 1; i < n; i++) {
		uint16_t x = out[i];

		for (j = i; j > 0 && group_rank(out[j - 1]) > group_rank(x);
		     j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	return n;
}

static int suite_usable(enum mx_enum_ver v, const struct mx_suite *s)
{
	if (s->flags & MX_SUITE_SCSV)
		return 0;
	if (v == MX_EV_TLS13)
		return (s->flags & MX_SUITE_TLS13) != 0;
	if (s->flags & MX_SUITE_TLS13)
		return 0;
	return s->min_version <= mx_enum_ver_code(v);
}

/* Higher is offered earlier: sound before broken, forward secrecy,
 * AEAD, more bits, certificate-authenticated before PSK/SRP/KRB5. */
static long suite_key(const struct mx_suite *s)
{
	const uint32_t broken = MX_SUITE_NULL | MX_SUITE_ANON |
				MX_SUITE_EXPORT | MX_SUITE_RC4 | MX_SUITE_DES |
				MX_SUITE_RC2;
	const uint32_t keyed = MX_SUITE_PSK | MX_SUITE_SRP | MX_SUITE_KRB5;
	long k = 0;

	k += (s->flags & broken) ? 0 : 1L << 20;
	k += (s->flags & keyed) ? 0 : 1L << 19;
	k += (s->flags & MX_SUITE_3DES) ? 0 : 1L << 18;
	k += (s->flags & MX_SUITE_FS) ? 1L << 17 : 0;
	k += (s->flags & MX_SUITE_AEAD) ? 1L << 16 : 0;
	k += (s->flags & MX_SUITE_UNOFFICIAL) ? 0 : 1L << 15;
	k += (long)(s->bits > 1023 ? 1023 : s->bits) << 5;
	return k;
}

static int cipher_excluded(const struct mx_suite *s, uint32_t exclude)
{
	return s->cipher < 32 && (exclude & (UINT32_C(1) << s->cipher)) != 0;
}

int mx_enum_suite_excluded(uint16_t id, uint32_t exclude)
{
	const struct mx_suite *s = mx_suite_by_id(id);

	return s != NULL && cipher_excluded(s, exclude);
}

size_t mx_enum_offer_suites(enum mx_enum_ver v, uint16_t *out, size_t max)
{
	return mx_enum_offer_suites_without(v, 0, out, max);
}

size_t mx_enum_offer_suites_without(enum mx_enum_ver v, uint32_t exclude,
				    uint16_t *out, size_t max)
{
	const struct mx_suite *tmp[MX_ENUM_MAX_OFFER];
	size_t i, j, n = 0;

	for (i = 0; i < mx_suite_count() && n < max && n < MX_ENUM_MAX_OFFER;
	     i++) {
		const struct mx_suite *s = mx_suite_at(i);

		if (suite_usable(v, s) && !cipher_excluded(s, exclude))
			tmp[n++] = s;
	}
	/* stable insertion sort: key descending, code point ascending */
	for (i = 1; i < n; i++) {
		const struct mx_suite *x = tmp[i];

		for (j = i; j > 0 && suite_key(tmp[j - 1]) < suite_key(x); j--)
			tmp[j] = tmp[j - 1];
		tmp[j] = x;
	}
	for (i = 0; i < n; i++)
		out[i] = tmp[i]->id;
	return n;
}

/* ---- plan ---------------------------------------------------------------- */

enum {
	PH_SUITES = 0,
	PH_RANK,
	PH_ORDER,
	PH_GROUPS_WAIT,
	PH_GROUPS,
	PH_DONE,
};

/* Lane 1 (see enum.h): none yet, the order probe is out, the candidates
 * are split, over. */
enum { LANE1_NONE = 0, LANE1_PROBE, LANE1_SPLIT, LANE1_OVER };
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
	return c->lane1_out || (c->lane1 == LANE1_SPLIT && c->ncand1 > 0);
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
		list_remove(c->cand1, &c->ncand1, a->suite);
		c->picks[c->npicks++] = a->suite;
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
	if (c->lane1 == LANE1_PROBE || c->lane1 == LANE1_SPLIT) {
		/* Lane 1 still asks: nothing this offer held is accepted
		 * (it may hold lane 1's share, offered before the split). */
		size_t i;

		for (i = 0; i < c->noffer; i++) {
			list_remove(c->cand, &c->ncand, c->offer[i]);
			list_remove(c->cand1, &c->ncand1, c->offer[i]);
		}
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
	if (c->lane1 == LANE1_SPLIT) {
		if (c->ncand1 == 0) {
			c->lane1 = LANE1_OVER;
			return MX_CHAIN_WAIT;
		}
		memcpy(c->offer1, c->cand1, c->ncand1 * sizeof(*c->cand1));
		c->noffer1 = c->ncand1;
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
	size_t n;

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
		/* Lane 1 takes the second half of the candidates. */
		n = c->lane0_done ? 0 : c->ncand / 2;
		if (n > 0) {
			memcpy(c->cand1, c->cand + (c->ncand - n),
			       n * sizeof(*c->cand));
			c->ncand1 = n;
			c->ncand -= n;
			c->lane1 = LANE1_SPLIT;
		}
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
	if (c->lane1 != LANE1_SPLIT)
		return;
	if (a->kind != MX_ANS_ODD)
		c->clean++;
	if (a->kind == MX_ANS_PICK &&
	    in_list(c->offer1, c->noffer1, a->suite)) {
		list_remove(c->cand1, &c->ncand1, a->suite);
		list_remove(c->cand, &c->ncand, a->suite);
		if (!in_list(c->picks, c->npicks, a->suite))
			c->picks[c->npicks++] = a->suite;
		c->state = 1;
		return;
	}
	if (a->kind == MX_ANS_REFUSED) {
		for (i = 0; i < c->noffer1; i++) {
			list_remove(c->cand1, &c->ncand1, c->offer1[i]);
			list_remove(c->cand, &c->ncand, c->offer1[i]);
		}
		if (c->ncand1 == 0)
			c->lane1 = LANE1_OVER;
		return;
	}
	/* Odd (or a suite not offered): lane 0 takes the share back and
	 * goes on alone, with its own handling of odd answers. */
	for (i = 0; i < c->ncand1; i++)
		if (!in_list(c->cand, c->ncand, c->cand1[i]))
			c->cand[c->ncand++] = c->cand1[i];
	sort_ours(c, c->cand, c->ncand);
	c->ncand1 = 0;
	c->lane1 = LANE1_OVER;
	c->lane0_done = 0;
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

/* ---- classify ----------------------------------------------------------- */

int mx_enum_classify(enum mx_enum_ver v, const struct mx_raw_result *r,
		     struct mx_answer *a, char *why, size_t whylen)
{
	const struct mx_flight_facts *f = r->flight;
	const struct mx_smtp *s = &r->smtp;
	uint16_t want = mx_enum_ver_code(v);
	int code;

	memset(a, 0, sizeof(*a));
	if (why && whylen)
		why[0] = 0;
	if (r->reaction == MX_RAW_NOT_SENT || f == NULL) {
		if (why)
			snprintf(why, whylen, "%s", r->detail);
		switch (s->stop) {
		case MX_STOP_CONNECT_REFUSED:
		case MX_STOP_CONNECT_TIMEOUT:
		case MX_STOP_CONNECT_ERROR:
		case MX_STOP_GREETING_TIMEOUT:
		case MX_STOP_REPLY_TIMEOUT:
		case MX_STOP_PEER_CLOSED:
		case MX_STOP_PEER_RESET:
			return 1;
		case MX_STOP_GREETING_REJECTED:
			return s->greeting.code / 100 == 4 ? 1 : -1;
		case MX_STOP_STARTTLS_REJECTED:
			if (s->starttls.state == MX_STEP_SKIPPED) {
				if (why)
					snprintf(why, whylen,
						 "STARTTLS not offered");
				return -1;
			}
			code = s->starttls_reply.code;
			return code / 100 == 4 ? 1 : -1;
		default:
			return -1;
		}
	}
	switch (r->reaction) {
	case MX_RAW_FLIGHT:
		if (!f->sh.seen) {
			a->kind = MX_ANS_ODD;
			snprintf(a->what, sizeof(a->what),
				 "a flight without ServerHello");
			return 0;
		}
		if (f->sh.version != want) {
			const char *vn = mx_tls_version_name(f->sh.version);

			a->kind = MX_ANS_REFUSED;
			snprintf(a->what, sizeof(a->what),
				 "a ServerHello for %s instead", vn ? vn : "?");
			return 0;
		}
		a->kind = MX_ANS_PICK;
		a->suite = f->sh.suite;
		if (v == MX_EV_TLS13)
			a->group = f->sh.key_share_group;
		else if (f->ske.seen && f->ske.kind == MX_SKE_ECDHE)
			a->group = f->ske.group;
		return 0;
	case MX_RAW_ALERT:
		/* RFC 8446 §6.2 / RFC 5246 §7.2.2: what a server says when
		 * nothing offered is acceptable. */
		if (f->alert_level == 2 &&
		    (f->alert_desc == 40 || f->alert_desc == 70 ||
		     f->alert_desc == 71 || f->alert_desc == 86))
			a->kind = MX_ANS_REFUSED;
		else
			a->kind = MX_ANS_ODD;
		snprintf(a->what, sizeof(a->what), "%.110s", r->detail);
		return 0;
	default:
		a->kind = MX_ANS_ODD;
		snprintf(a->what, sizeof(a->what), "%.110s", r->detail);
		return 0;
	}
}

/* ---- enumerator ---------------------------------------------------------- */

#define MAX_TOTAL_RETRIES 24
#define MAX_BACKOFF_MS 30000
#define SHARE_MAX 2048

struct pick_detail {
	uint16_t suite;
	char kx[16];
	uint16_t group;
	int kx_bits;
	const struct mx_dh_prime *prime;
	long dh_idx; /* into the DH cache, -1: no DH */
	char auth_key[40];
};

struct slot {
	struct mx_enumerator *en;
	enum mx_enum_ver ver;
	int active;
	int busy;
	int granted;
	struct mx_enum_chain ch; /* lane 0 only */
	int lane;		 /* 1: a lane-1 slot of owner's chain */
	struct slot *owner;	 /* lane 1: the version's slot */
	struct mx_offer cur;
	int tries;
	struct mx_pool_wait w;
	struct mx_rawhello *rh;
	struct mx_buf hello;
	struct pick_detail det[MX_ENUM_MAX_OFFER];
	size_t ndet;
	size_t conns, gconns; /* TCP connections, retries included */
};

struct dh_seen {
	uint8_t *p;
	size_t len;
	int safe; /* 1, 0, -1 not checked, -2 to be checked */
};

struct mx_enum_dhcache {
	struct dh_seen *v;
	size_t n, cap;
};

struct mx_enumerator {
	struct event_base *base;
	struct mx_pool *pool;
	struct mx_enum_params p;
	struct mx_enum *out;
	mx_enum_done_fn done;
	void *arg;
	struct mx_enum_shared sh;
	struct slot slots[MX_EV__N];
	struct slot aux[MX_EV__N];  /* lane 1 of each version */
	struct mx_enum_dhcache *dh; /* params.dh_cache or our own */
	int own_dh;
	struct event *ev_done;
	int64_t t0;
	size_t total_retries;
	char fatal[200]; /* why every chain stopped, if one reason */
	int finished;
};

static void pump(struct mx_enumerator *en);

/* The slot whose chain and pick details a slot serves. */
static struct slot *main_of(struct slot *s)
{
	return s->lane ? s->owner : s;
}

static void rand_openssl(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	if (RAND_bytes(out, (int)n) != 1)
		mx_fatal(__func__, "RAND_bytes failed");
}

static int deadline_passed(const struct mx_enumerator *en)
{
	return en->p.deadline_ms != 0 && mx_now_ms() >= en->p.deadline_ms;
}

struct mx_enum_dhcache *mx_enum_dhcache_new(void)
{
	return xcalloc(1, sizeof(struct mx_enum_dhcache));
}

void mx_enum_dhcache_free(struct mx_enum_dhcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->v[i].p);
	free(c->v);
	free(c);
}

/* Remember p; returns its index.  The safe-prime check (hundreds of
 * milliseconds for 2048 bits, seconds for 3072) is left for the end of
 * the enumeration, so it never stalls the connections, and is done once
 * per distinct p and run.  Published groups above 2048 bits are not
 * checked (-1): their safety is the publisher's claim, their cost is
 * seconds. */
static size_t dh_note(struct mx_enum_dhcache *c, const uint8_t *p, size_t len,
		      const struct mx_dh_prime *known, unsigned bits)
{
	struct dh_seen *d;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].len == len && memcmp(c->v[i].p, p, len) == 0)
			return i;
	MX_GROW(c->v, c->n, c->cap);
	d = &c->v[c->n];
	d->p = xmalloc(len ? len : 1);
	memcpy(d->p, p, len);
	d->len = len;
	d->safe = known != NULL && bits > 2048 ? -1 : -2;
	return c->n++;
}

static int dh_resolve(struct mx_enum_dhcache *c, size_t i)
{
	struct dh_seen *d = &c->v[i];

	if (d->safe != -2)
		return d->safe;
	switch (mx_dh_is_safe_prime(d->p, d->len)) {
	case MX_DH_SAFE_PRIME:
		d->safe = 1;
		break;
	case MX_DH_PRIME_NOT_SAFE:
	case MX_DH_NOT_PRIME:
		d->safe = 0;
		break;
	default:
		d->safe = -1;
		break;
	}
	return d->safe;
}

static void add_cert_key(struct mx_enum *out, const char *k)
{
	size_t i;

	for (i = 0; i < out->ncert_keys; i++)
		if (strcmp(out->cert_keys[i], k) == 0)
			return;
	MX_GROW(out->cert_keys, out->ncert_keys, out->capcert_keys);
	out->cert_keys[out->ncert_keys++] = xstrdup(k);
}

static const char *group_kx(const struct mx_group *g)
{
	switch (g->kind) {
	case MX_GROUP_FFDHE:
		return "DH";
	case MX_GROUP_KEM:
		return "KEM";
	case MX_GROUP_HYBRID:
		return "ECDH+KEM";
	default:
		return "ECDH";
	}
}

/* What the pick of a suite showed: key exchange and certificate key. */
static void record_pick(struct mx_enumerator *en, struct slot *s,
			const struct mx_flight_facts *f)
{
	const struct mx_suite *su = mx_suite_by_id(f->sh.suite);
	const struct mx_group *g;
	struct pick_detail *d;
	size_t i;

	for (i = 0; i < s->ndet; i++)
		if (s->det[i].suite == f->sh.suite)
			return;
	if (s->ndet >= MX_ENUM_MAX_OFFER)
		return;
	d = &s->det[s->ndet++];
	memset(d, 0, sizeof(*d));
	d->suite = f->sh.suite;
	d->dh_idx = -1;
	if (s->ver == MX_EV_TLS13) {
		g = mx_group_by_id(f->sh.key_share_group);
		d->group = f->sh.key_share_group;
		snprintf(d->kx, sizeof(d->kx), "%s", g ? group_kx(g) : "?");
		d->kx_bits = g ? g->bits : 0;
	} else if (f->ske.seen && f->ske.kind == MX_SKE_DHE) {
		snprintf(d->kx, sizeof(d->kx), "DH");
		d->kx_bits = (int)f->ske.dh_bits;
		d->prime = mx_dh_prime_by_p(f->ske.dh_p.p, f->ske.dh_p.len);
		d->dh_idx = (long)dh_note(en->dh, f->ske.dh_p.p,
					  f->ske.dh_p.len, d->prime,
					  f->ske.dh_bits);
	} else if (f->ske.seen && f->ske.kind == MX_SKE_ECDHE) {
		g = mx_group_by_id(f->ske.group);
		snprintf(d->kx, sizeof(d->kx), "ECDH");
		d->group = f->ske.group;
		d->kx_bits = g ? g->bits : 0;
	} else if (f->ske.seen && f->ske.kind == MX_SKE_RSA) {
		snprintf(d->kx, sizeof(d->kx), "RSA");
		d->kx_bits = (int)f->ske.rsa_bits; /* export temp key */
	} else if (su != NULL) {
		snprintf(d->kx, sizeof(d->kx), "%s", mx_kx_name(su->kx));
	}
	if (f->ncerts > 0) {
		struct mx_cert c;

		memset(&c, 0, sizeof(c));
		if (mx_x509_decode(f->certs[0].p, f->certs[0].len, &c) == 0 &&
		    c.key_type != NULL) {
			snprintf(d->auth_key, sizeof(d->auth_key), "%s %d",
				 c.key_type, c.key_bits);
			add_cert_key(en->out, d->auth_key);
		}
		mx_cert_clear(&c);
	}
}

static size_t sig_list(enum mx_enum_ver v, uint16_t *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < mx_sigscheme_count() && n < max; i++) {
		const struct mx_sigscheme *s = mx_sigscheme_at(i);

		if (v == MX_EV_TLS13 && s->legacy)
			continue;
		out[n++] = s->id;
	}
	return n;
}

static int build_hello(struct mx_enumerator *en, struct slot *s, char *err,
		       size_t errlen)
{
	static const uint8_t pf[] = {0}; /* uncompressed (RFC 8422 §5.1.2) */
	static const uint16_t v13[] = {MX_TLS13};
	struct mx_hello_params hp;
	struct mx_hello_diag d = {0};
	struct mx_hello_key_share ks;
	uint16_t sigs[128];
	uint8_t share[SHARE_MAX];
	size_t i;
	const struct mx_offer *o = &s->cur;

	memset(&hp, 0, sizeof(hp));
	mx_buf_reset(&s->hello);
	hp.random = en->p.random ? en->p.random : rand_openssl;
	hp.random_ctx = en->p.random ? en->p.random_ctx : NULL;
	hp.suites = o->suites;
	hp.nsuites = o->nsuites;
	if (s->ver == MX_EV_SSL3) {
		/* RFC 6101: no extensions. */
		hp.record_version = MX_SSL3;
		hp.legacy_version = MX_SSL3;
	} else {
		hp.record_version = MX_TLS10;
		hp.legacy_version = s->ver == MX_EV_TLS13
					    ? MX_TLS12
					    : mx_enum_ver_code(s->ver);
		if (en->p.host && !mx_is_ip_literal(en->p.host) &&
		    strlen(en->p.host) <= 255)
			hp.sni = en->p.host;
		hp.groups = o->groups;
		hp.ngroups = o->ngroups;
		/* RFC 7685: keep the hello out of 256..511 bytes, which
		 * some load balancers cannot read. */
		hp.pad_to = 512;
		if (s->ver == MX_EV_TLS12 || s->ver == MX_EV_TLS13) {
			hp.sigschemes = sigs;
			hp.nsigschemes = sig_list(s->ver, sigs, 128);
		}
		if (s->ver == MX_EV_TLS13) {
			hp.versions = v13;
			hp.nversions = 1;
			hp.ext = MX_HELLO_PSK_MODES |
				 MX_HELLO_RANDOM_SESSION_ID;
			/* One key share, for the first group we can make
			 * one for (RFC 8446 §4.2.8). */
			for (i = 0; i < o->ngroups; i++) {
				ks.len = mx_keyshare_make(o->groups[i],
							  hp.random,
							  hp.random_ctx, share,
							  sizeof(share));
				if (ks.len > 0) {
					ks.group = o->groups[i];
					ks.key = share;
					hp.key_shares = &ks;
					hp.nkey_shares = 1;
					break;
				}
			}
		} else {
			hp.point_formats = pf;
			hp.npoint_formats = 1;
			hp.ext = MX_HELLO_RENEG_INFO | MX_HELLO_EMS;
		}
	}
	if (mx_hello_build(&hp, &s->hello, &d) != MX_HELLO_OK || s->hello.err) {
		snprintf(err, errlen, "cannot build the hello: %s",
			 d.what ? d.what : "too big");
		return -1;
	}
	return 0;
}

static void slot_idle(struct slot *s)
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

	if (en->fatal[0] == 0)
		snprintf(en->fatal, sizeof(en->fatal), "%s", why);
	for (i = 0; i < MX_EV__N; i++)
		if (en->slots[i].active)
			mx_enum_chain_abort(&en->slots[i].ch, why);
}

static void on_raw_done(void *arg, struct mx_rawhello *rh,
			const struct mx_raw_result *r)
{
	struct slot *s = arg;
	struct mx_enumerator *en = s->en;
	struct mx_answer a;
	char why[200];
	int rc;

	rc = mx_enum_classify(s->ver, r, &a, why, sizeof(why));
	if (rc == 0 && a.kind == MX_ANS_PICK &&
	    s->cur.purpose != MX_OFFER_GROUPS)
		record_pick(en, main_of(s), r->flight);
	mx_rawhello_free(rh);
	s->rh = NULL;
	s->granted = 0;
	mx_pool_release(en->pool, en->p.addr);
	if (rc == 0 && s->lane) {
		mx_enum_chain_answer_lane1(&main_of(s)->ch, &a);
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
	}
	s->busy = 0;
	pump(en);
}

static void on_grant(void *arg)
{
	struct slot *s = arg;
	struct mx_enumerator *en = s->en;
	struct mx_rawhello_params rp;
	char err[200];

	s->granted = 1;
	if (deadline_passed(en)) {
		mx_enum_chain_abort(&main_of(s)->ch, "deadline reached");
		if (s->lane)
			main_of(s)->ch.lane1_out = 0;
		slot_idle(s);
		pump(en);
		return;
	}
	if (build_hello(en, s, err, sizeof(err)) < 0) {
		mx_enum_chain_abort(&main_of(s)->ch, err);
		if (s->lane)
			main_of(s)->ch.lane1_out = 0;
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
		rp.rec = mx_endpoint_conn_new(en->p.record_in,
					      mx_pool_conn_id(en->pool), &pu);
	}
	mx_log_trace(en->p.log, MX_TRACE_SCHED,
		     "enum %s %s%s: offer %zu suites, %zu groups (%d)",
		     en->p.addr, mx_enum_ver_name(s->ver),
		     s->lane ? " lane 1" : "", s->cur.nsuites, s->cur.ngroups,
		     (int)s->cur.purpose);
	s->rh = mx_rawhello_new(en->base, &rp, on_raw_done, s);
	mx_rawhello_start(s->rh);
}

/* ---- writing the facts ---------------------------------------------------- */

static void add_group(struct mx_enum *out, uint16_t id, enum mx_enum_ver v)
{
	const struct mx_group *g = mx_group_by_id(id);
	struct mx_enum_group *eg;
	size_t i;

	for (i = 0; i < out->ngroups; i++)
		if (out->groups[i].id == id) {
			out->groups[i].versions |= 1u << v;
			return;
		}
	eg = mx_enum_add_group(out);
	eg->id = id;
	eg->kx_bits = g ? g->bits : 0;
	eg->name = g ? xstrdup(g->iana) : xasprintf("0x%04x", id);
	eg->versions = 1u << v;
}

static void append_reason(struct mx_enum *out, const char *r)
{
	out->incomplete = 1;
	mx_enum_join(&out->incomplete_reason, r);
}

/* A reason of version v: said in the enumeration's reason and kept with
 * v, so a later re-run of v (probe/enum_retry.c) can take it back. */
static void version_reason(struct mx_enum *out, struct mx_enum_version *v,
			   const char *r)
{
	append_reason(out, r);
	mx_enum_join(&v->incomplete_reason, r);
}

static void write_version(struct mx_enumerator *en, struct slot *s)
{
	struct mx_enum_version *v = &en->out->v[s->ver];
	const struct mx_enum_chain *c = &s->ch;
	size_t i, j;

	v->state = c->state;
	/* RFC 5246 appendix E.1: a server that speaks a lower version must
	 * answer with it; only odd reactions while a lower version works is
	 * intolerance, not a refusal. */
	if (c->state == 0 && c->clean == 0 && s->ver <= MX_EV_TLS12) {
		int w;

		for (w = (int)s->ver - 1; w >= 0; w--)
			if (en->slots[w].ch.state == 1)
				break;
		if (w >= 0) {
			char r[240];

			snprintf(r, sizeof(r),
				 "%s: every hello got %.60s while %s was "
				 "accepted - handshake intolerance, not a "
				 "refusal (RFC 5246 appendix E.1); its suites "
				 "are not known",
				 mx_enum_ver_name(s->ver), c->refusal,
				 mx_enum_ver_name(w));
			v->state = -1;
			v->refusal = xstrdup(c->refusal);
			version_reason(en->out, v, r);
		}
	}
	v->odd_only = c->conns > 0 && c->clean == 0 && c->npicks == 0;
	v->server_order = c->state == 1 ? c->server_order : -1;
	v->connections = s->conns;
	v->order_connections = c->order_conns;
	v->group_connections = s->gconns;
	if (c->order_method[0])
		v->order_method = xstrdup(c->order_method);
	if (v->state == 0 && c->refusal[0])
		v->refusal = xstrdup(c->refusal);
	/* One reason for all, said once. */
	if (c->incomplete &&
	    (en->fatal[0] == 0 || strstr(c->reason, en->fatal) == NULL))
		version_reason(en->out, v, c->reason);
	for (i = 0; i < c->npicks; i++) {
		const struct mx_suite *su = mx_suite_by_id(c->picks[i]);
		const struct pick_detail *d = NULL;
		struct mx_enum_suite *es = mx_enum_add_suite(v);

		for (j = 0; j < s->ndet; j++)
			if (s->det[j].suite == c->picks[i])
				d = &s->det[j];
		es->id = c->picks[i];
		es->rank = v->server_order == 1 ? (int)i : -1;
		es->iana = su ? xstrdup(su->iana)
			      : xasprintf("0x%04x", c->picks[i]);
		es->openssl = su && su->openssl ? xstrdup(su->openssl) : NULL;
		es->cipher_bits = su ? su->bits : 0;
		if (d == NULL)
			continue;
		es->kx = d->kx[0] ? xstrdup(d->kx) : NULL;
		if (d->group) {
			const struct mx_group *g = mx_group_by_id(d->group);

			es->group = g ? xstrdup(g->iana)
				      : xasprintf("0x%04x", d->group);
		} else if (d->prime != NULL &&
			   strncmp(d->prime->name, "ffdhe", 5) == 0) {
			es->group = xstrdup(d->prime->name);
		}
		es->kx_bits = d->kx_bits;
		es->dh_prime = d->prime ? xstrdup(d->prime->name) : NULL;
		es->dh_safe_prime =
			d->dh_idx >= 0 ? dh_resolve(en->dh, (size_t)d->dh_idx)
				       : -1;
		es->auth_key = d->auth_key[0] ? xstrdup(d->auth_key) : NULL;
		if (d->group)
			add_group(en->out, d->group, s->ver);
	}
	for (i = 0; i < c->ngfound; i++)
		add_group(en->out, c->gfound[i], s->ver);
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
	int i;

	if (en->finished)
		return;
	en->finished = 1;
	if (en->fatal[0])
		append_reason(en->out, en->fatal);
	for (i = 0; i < MX_EV__N; i++)
		if (en->slots[i].ch.nall > 0 || en->slots[i].active ||
		    en->slots[i].conns > 0)
			write_version(en, &en->slots[i]);
	if (en->sh.big_state == 2) {
		en->out->split_hello = 1;
		en->out->split_reason = xstrdup(en->sh.split_reason);
	}
	en->out->per_host_cap = mx_pool_cap(en->pool, en->p.addr);
	en->out->ms = mx_now_ms() - en->t0;
	event_add(en->ev_done, &zero);
}

static void pump(struct mx_enumerator *en)
{
	int progress = 1, i, active, busy;

	if (en->finished)
		return;
	while (progress) {
		progress = 0;
		active = busy = 0;
		for (i = MX_EV__N - 1; i >= 0; i--) {
			struct slot *s = &en->slots[i];
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
			mx_pool_acquire(en->pool, &s->w);
		}
		/* Lane 1: a second connection for a version, begun only when
		 * a slot for this host would otherwise idle. */
		for (i = MX_EV__N - 1; i >= 0; i--) {
			struct slot *x = &en->aux[i];
			int idle;

			if (x->busy) {
				busy++;
				continue;
			}
			if (!en->slots[i].active || deadline_passed(en))
				continue;
			idle = mx_pool_idle(en->pool, en->p.addr);
			if (mx_enum_chain_next_lane1(&en->slots[i].ch, &x->cur,
						     idle) != MX_CHAIN_OFFER)
				continue;
			x->busy = 1;
			x->tries = 0;
			busy++;
			progress = 1;
			mx_pool_acquire(en->pool, &x->w);
		}
		if (!progress && active > 0 && busy == 0) {
			/* Everyone waits on someone who is not running: a
			 * broken invariant of the plan; do not hang. */
			abort_all(en, "internal: enumeration stalled");
			progress = 1;
		}
	}
	for (i = 0; i < MX_EV__N; i++)
		if (en->slots[i].active || en->aux[i].busy)
			return;
	finish(en);
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
		struct slot *s = &en->slots[i];

		s->en = en;
		s->ver = (enum mx_enum_ver)i;
		s->w.addr = en->p.addr;
		s->w.grant = on_grant;
		s->w.arg = s;
		mx_buf_init(&s->hello, 64 * 1024);
		en->aux[i].en = en;
		en->aux[i].ver = (enum mx_enum_ver)i;
		en->aux[i].lane = 1;
		en->aux[i].owner = s;
		en->aux[i].w.addr = en->p.addr;
		en->aux[i].w.grant = on_grant;
		en->aux[i].w.arg = &en->aux[i];
		mx_buf_init(&en->aux[i].hello, 64 * 1024);
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
	for (k = 0; k < 2 * MX_EV__N; k++) {
		struct slot *s = k < MX_EV__N ? &en->slots[k]
					      : &en->aux[k - MX_EV__N];

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

void mx_enumerator_cancel(struct mx_enumerator *en)
{
	int k;

	if (en->finished)
		return;
	abort_all(en, "cancelled");
	for (k = 0; k < 2 * MX_EV__N; k++) {
		struct slot *s = k < MX_EV__N ? &en->slots[k]
					      : &en->aux[k - MX_EV__N];

		mx_pool_cancel(en->pool, &s->w);
		if (s->rh) {
			mx_rawhello_free(s->rh);
			s->rh = NULL;
		}
		if (s->granted) {
			s->granted = 0;
			mx_pool_release(en->pool, en->p.addr);
		}
		if (s->lane && s->busy)
			main_of(s)->ch.lane1_out = 0;
		s->busy = 0;
	}
	pump(en);
}
