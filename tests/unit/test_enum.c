/*
 * test_enum.c - the enumeration plan (probe/enum.h, part 1) against a
 * scripted picker, the classification of raw hello results, and the
 * connection pool on a real event loop.
 *
 * The scripted picker plays a server: a set of accepted suites in its
 * preference order, server or client order, an optional limit on the
 * suites per hello beyond which it answers FIN (the large-hello
 * intolerance), FIN or an alert when nothing is shared, and groups.  The
 * tests assert what the plan finds (suites, order, groups, refusals), and
 * what it costs in connections: accepted + 1 per version, + 0 or 1 for
 * the order check, + the chunks after a split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "probe/enum.h"
#include "wire/tls_registry.h"

/* ---- the scripted picker ------------------------------------------------- */

struct sim {
	uint16_t pref[MX_ENUM_MAX_OFFER]; /* accepted, server preference */
	size_t npref;
	int server_order;    /* 1: its order; 0: the client's */
	size_t max_suites;   /* more suites offered: FIN; 0: no limit */
	int odd_when_none;   /* nothing shared: FIN, not alert 40 */
	uint16_t groups[16]; /* accepted groups, its preference */
	size_t ngroups;
	int ecdhe_only_groups; /* TLS <= 1.2: groups only for ECDHE */
};

static int in(const uint16_t *v, size_t n, uint16_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static size_t pos_in(const uint16_t *v, size_t n, uint16_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return i;
	return n;
}

static void sim_answer(const struct sim *s, const struct mx_offer *o,
		       struct mx_answer *a)
{
	size_t i;
	uint16_t suite = 0, group = 0;
	int found = 0;

	memset(a, 0, sizeof(*a));
	if (s->max_suites && o->nsuites > s->max_suites) {
		a->kind = MX_ANS_ODD;
		snprintf(a->what, sizeof(a->what),
			 "FIN right after the ClientHello");
		return;
	}
	if (s->server_order) {
		for (i = 0; i < s->npref && !found; i++)
			if (in(o->suites, o->nsuites, s->pref[i])) {
				suite = s->pref[i];
				found = 1;
			}
	} else {
		for (i = 0; i < o->nsuites && !found; i++)
			if (in(s->pref, s->npref, o->suites[i])) {
				suite = o->suites[i];
				found = 1;
			}
	}
	if (found && s->ngroups > 0) {
		const struct mx_suite *su = mx_suite_by_id(suite);
		int wants = !s->ecdhe_only_groups ||
			    (su != NULL && su->kx == MX_KX_ECDHE);

		for (i = 0; i < s->ngroups && wants && group == 0; i++)
			if (in(o->groups, o->ngroups, s->groups[i]))
				group = s->groups[i];
		if (wants && group == 0)
			found = 0; /* no common group: no handshake */
	}
	if (!found) {
		a->kind = s->odd_when_none ? MX_ANS_ODD : MX_ANS_REFUSED;
		snprintf(a->what, sizeof(a->what), "%s",
			 s->odd_when_none
				 ? "FIN right after the ClientHello"
				 : "fatal alert 40 (handshake_failure)");
		return;
	}
	a->kind = MX_ANS_PICK;
	a->suite = suite;
	a->group = group;
}

/* Run one chain alone to the end; returns the connections it took. */
static size_t run(struct mx_enum_chain *c, const struct sim *s)
{
	struct mx_offer o;
	struct mx_answer a;
	size_t n = 0, i;

	for (;;) {
		enum mx_chain_step st = mx_enum_chain_next(c, &o);

		if (st == MX_CHAIN_DONE)
			return n;
		assert_int_equal(st, MX_CHAIN_OFFER);
		assert_true(o.nsuites > 0);
		for (i = 1; i < o.nsuites; i++)
			assert_false(in(o.suites, i, o.suites[i]));
		sim_answer(s, &o, &a);
		mx_enum_chain_answer(c, &a);
		assert_true(++n < 2000);
	}
}

/* The first n suites of our TLS 1.2 offer, and their positions. */
static size_t our12(uint16_t *out, size_t max)
{
	return mx_enum_offer_suites(MX_EV_TLS12, out, max);
}

/* ---- offers --------------------------------------------------------------- */

static void test_offer_lists(void **state)
{
	uint16_t v[MX_ENUM_MAX_OFFER], g[MX_ENUM_MAX_GROUPS];
	size_t n[MX_EV__N], i, k, ng;
	int e;

	(void)state;
	for (e = 0; e < MX_EV__N; e++) {
		n[e] = mx_enum_offer_suites(e, v, MX_ENUM_MAX_OFFER);
		assert_true(n[e] > 0);
		for (i = 0; i < n[e]; i++) {
			const struct mx_suite *s = mx_suite_by_id(v[i]);

			assert_non_null(s);
			assert_false(s->flags & MX_SUITE_SCSV);
			assert_int_equal(!!(s->flags & MX_SUITE_TLS13),
					 e == MX_EV_TLS13);
			assert_true(e == MX_EV_TLS13 ||
				    s->min_version <= mx_enum_ver_code(e));
			for (k = 0; k < i; k++)
				assert_int_not_equal(v[k], v[i]);
		}
		ng = mx_enum_offer_groups(e, g, MX_ENUM_MAX_GROUPS);
		if (e == MX_EV_SSL3)
			assert_int_equal(ng, 0);
		else
			assert_int_equal(g[0], 0x001d); /* x25519 first */
		for (i = 0; i < ng; i++) {
			const struct mx_group *gr = mx_group_by_id(g[i]);

			assert_non_null(gr);
			/* RFC 7919: no ffdhe in TLS <= 1.2 offers */
			if (e != MX_EV_TLS13)
				assert_int_equal(gr->kind, MX_GROUP_EC);
			else
				assert_true(gr->tls13);
		}
	}
	/* Every version adds suites; TLS 1.2 offers more than 255, which is
	 * what the split exists for. */
	assert_true(n[MX_EV_TLS10] >= n[MX_EV_SSL3]);
	assert_true(n[MX_EV_TLS12] > n[MX_EV_TLS11]);
	assert_true(n[MX_EV_TLS12] > 255);
	/* Our order: a sound forward-secret AEAD suite first, the broken
	 * ones (NULL, export, RC4, DES, anon) after every sound one. */
	mx_enum_offer_suites(MX_EV_TLS12, v, MX_ENUM_MAX_OFFER);
	{
		const struct mx_suite *s = mx_suite_by_id(v[0]);
		int seen_broken = 0;
		const uint32_t broken = MX_SUITE_NULL | MX_SUITE_EXPORT |
					MX_SUITE_RC4 | MX_SUITE_DES |
					MX_SUITE_ANON;

		assert_true(s->flags & MX_SUITE_FS);
		assert_true(s->flags & MX_SUITE_AEAD);
		for (i = 0; i < n[MX_EV_TLS12]; i++) {
			s = mx_suite_by_id(v[i]);
			if (s->flags & broken)
				seen_broken = 1;
			else
				assert_false(seen_broken);
		}
	}
}

/* ---- suite loop and order ------------------------------------------------ */

static void check_picks(const struct mx_enum_chain *c, const uint16_t *want,
			size_t n)
{
	size_t i;

	assert_int_equal(c->npicks, n);
	for (i = 0; i < n; i++)
		assert_int_equal(c->picks[i], want[i]);
}

/* Server order that differs from ours: found for free. */
static void test_server_order_free(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t conns;

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.server_order = 1;
	/* positions 9, 2, 30, 5 of our offer */
	s.pref[0] = ours[9];
	s.pref[1] = ours[2];
	s.pref[2] = ours[30];
	s.pref[3] = ours[5];
	s.npref = 4;
	mx_enum_shared_init(&sh);
	sh.tls13 = 1; /* no TLS 1.2 group loop */
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	conns = run(&c, &s);
	check_picks(&c, s.pref, 4);
	assert_int_equal(c.state, 1);
	assert_int_equal(c.server_order, 1);
	assert_int_equal(c.order_conns, 0);
	assert_int_equal(conns, 4 + 1); /* accepted + 1 */
	assert_int_equal(c.conns, conns);
	assert_non_null(strstr(c.order_method, "no extra connection"));
	assert_int_equal(sh.big_state, 1); /* the large offer was answered */
}

/* Server order that happens to be ours: one extra connection says so. */
static void test_server_order_coincident(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t conns;

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.server_order = 1;
	s.pref[0] = ours[1];
	s.pref[1] = ours[4];
	s.pref[2] = ours[7];
	s.npref = 3;
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	conns = run(&c, &s);
	check_picks(&c, s.pref, 3);
	assert_int_equal(c.server_order, 1);
	assert_int_equal(c.order_conns, 1);
	assert_int_equal(conns, 3 + 2);
	assert_non_null(strstr(c.order_method, "kept its first choice"));
}

static void test_client_order(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER], want[3];
	size_t conns;

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.server_order = 0;
	/* the server's own list is in some other order */
	s.pref[0] = ours[40];
	s.pref[1] = ours[3];
	s.pref[2] = ours[12];
	s.npref = 3;
	want[0] = ours[3];
	want[1] = ours[12];
	want[2] = ours[40];
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	conns = run(&c, &s);
	check_picks(&c, want, 3); /* found in our order */
	assert_int_equal(c.server_order, 0);
	assert_int_equal(c.order_conns, 1);
	assert_int_equal(conns, 3 + 2);
	assert_non_null(strstr(c.order_method, "client order"));
}

/* Run one chain with lane 1 offered a slot whenever it wants one; both
 * lanes' offers are out at once and answered alternately (lane 1 first
 * when `one_first`).  Returns the connections. */
static size_t run_lanes(struct mx_enum_chain *c, const struct sim *s,
			int one_first, size_t *lane1_offers)
{
	struct mx_offer o0, o1;
	struct mx_answer a;
	int out0 = 0, out1 = 0, turn = one_first;
	size_t n = 0;

	*lane1_offers = 0;
	for (;;) {
		if (!out0) {
			enum mx_chain_step st = mx_enum_chain_next(c, &o0);

			if (st == MX_CHAIN_DONE) {
				assert_false(out1);
				return n;
			}
			out0 = st == MX_CHAIN_OFFER;
		}
		if (!out1 &&
		    mx_enum_chain_next_lane1(c, &o1, 1) == MX_CHAIN_OFFER) {
			out1 = 1;
			(*lane1_offers)++;
		}
		assert_true(out0 || out1); /* no stall */
		if (out1 && (turn || !out0)) {
			sim_answer(s, &o1, &a);
			mx_enum_chain_answer_lane1(c, &a);
			out1 = 0;
		} else {
			sim_answer(s, &o0, &a);
			mx_enum_chain_answer(c, &a);
			out0 = 0;
		}
		turn = !turn;
		assert_true(++n < 2000);
	}
}

/* A client-order server: lane 1 tells the order early and then asks from
 * the other end of the candidates; every accepted suite is found, listed
 * in our order, at accepted + 3 connections at most (the order probe, a
 * refusal per lane or one suite named by both lanes and one refusal). */
static void test_lanes_client_order(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t i, n, lane1, conns;
	int first;

	(void)state;
	n = our12(ours, MX_ENUM_MAX_OFFER);
	assert_true(n > 200);
	for (first = 0; first < 2; first++) {
		memset(&s, 0, sizeof(s));
		s.server_order = 0;
		for (i = 0; i < 20; i++) /* spread over both halves */
			s.pref[s.npref++] = ours[(i * 37 + 5) % n];
		mx_enum_shared_init(&sh);
		sh.tls13 = 1;
		mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
		conns = run_lanes(&c, &s, first, &lane1);
		assert_int_equal(c.npicks, 20);
		for (i = 0; i < 20; i++)
			assert_true(in(s.pref, s.npref, c.picks[i]));
		for (i = 1; i < c.npicks; i++) /* our order */
			assert_true(c.picks[i] != c.picks[i - 1]);
		assert_int_equal(c.server_order, 0);
		assert_int_equal(c.order_conns, 1);
		assert_non_null(strstr(c.order_method, "client order"));
		assert_true(lane1 >= 3); /* the probe and real work */
		assert_true(conns >= 20 + 2 && conns <= 20 + 3);
		assert_int_equal(c.conns, conns);
		assert_int_equal(c.state, 1);
		assert_int_equal(c.incomplete, 0);
		{
			uint16_t sorted[20];
			size_t k = 0, j;

			for (j = 0; j < n; j++)
				if (in(s.pref, s.npref, ours[j]))
					sorted[k++] = ours[j];
			check_picks(&c, sorted, 20);
		}
	}
}

/* Accepted suites bunched at the front of our order (bigclient: strong,
 * common suites first): from both ends, lane 1 keeps finding suites to
 * the end - it asks about half the hellos of the loop, not a share that
 * runs dry early. */
static void test_lanes_both_ends(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t i, n, lane1, conns;

	(void)state;
	n = our12(ours, MX_ENUM_MAX_OFFER);
	assert_true(n > 100);
	memset(&s, 0, sizeof(s));
	s.server_order = 0;
	for (i = 0; i < 40; i++)
		s.pref[s.npref++] = ours[i + (i > 30 ? 20 : 0)];
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	conns = run_lanes(&c, &s, 0, &lane1);
	assert_int_equal(c.npicks, 40);
	for (i = 0; i < 40; i++)
		assert_true(in(s.pref, s.npref, c.picks[i]));
	assert_int_equal(c.server_order, 0);
	assert_true(conns >= 40 + 2 && conns <= 40 + 3);
	/* the lanes share the loop: lane 1 made about half its hellos */
	assert_true(lane1 + 4 >= (conns - 2) / 2);
	assert_int_equal(c.incomplete, 0);
}

/* Both ends under every kind of timing: which lane's answer comes first
 * is drawn at random; every accepted suite is found, in our order, and
 * the budget (accepted + 2, + 1 for the order probe) holds. */
static void test_lanes_random_timing(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	unsigned seed = 12345;
	size_t n, round;

	(void)state;
	n = our12(ours, MX_ENUM_MAX_OFFER);
	for (round = 0; round < 300; round++) {
		struct mx_offer o0, o1;
		struct mx_answer a;
		int out0 = 0, out1 = 0;
		size_t i, k, conns = 0;

		memset(&s, 0, sizeof(s));
		s.server_order = 0;
		k = 2 + (size_t)rand_r(&seed) % 45;
		for (i = 0; i < k; i++) {
			uint16_t x = ours[(size_t)rand_r(&seed) % n];

			if (!in(s.pref, s.npref, x))
				s.pref[s.npref++] = x;
		}
		mx_enum_shared_init(&sh);
		sh.tls13 = 1;
		mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
		for (;;) {
			if (!out0) {
				enum mx_chain_step st =
					mx_enum_chain_next(&c, &o0);

				if (st == MX_CHAIN_DONE) {
					assert_false(out1);
					break;
				}
				out0 = st == MX_CHAIN_OFFER;
			}
			if (!out1 && mx_enum_chain_next_lane1(&c, &o1, 1) ==
					     MX_CHAIN_OFFER)
				out1 = 1;
			assert_true(out0 || out1);
			if (out1 && (!out0 || rand_r(&seed) % 2)) {
				sim_answer(&s, &o1, &a);
				mx_enum_chain_answer_lane1(&c, &a);
				out1 = 0;
			} else {
				sim_answer(&s, &o0, &a);
				mx_enum_chain_answer(&c, &a);
				out0 = 0;
			}
			assert_true(++conns < 2000);
		}
		assert_int_equal(c.npicks, s.npref);
		for (i = 0; i < c.npicks; i++)
			assert_true(in(s.pref, s.npref, c.picks[i]));
		for (i = 1; i < c.npicks; i++)
			assert_true(pos_in(ours, n, c.picks[i - 1]) <
				    pos_in(ours, n, c.picks[i]));
		assert_true(c.conns - c.order_conns <= s.npref + 2);
		assert_true(c.order_conns <= 1);
		assert_int_equal(c.conns, conns);
		assert_int_equal(c.server_order, s.npref >= 2 ? 0 : -1);
	}
}

/* A server-order server whose picks follow our order so far: the probe
 * tells server order, no split, the order is the picks' order. */
static void test_lanes_server_order(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t i, lane1, conns;

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.server_order = 1;
	for (i = 0; i < 6; i++)
		s.pref[s.npref++] = ours[2 + 3 * i]; /* follows ours */
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	conns = run_lanes(&c, &s, 0, &lane1);
	check_picks(&c, s.pref, 6);
	assert_int_equal(c.server_order, 1);
	assert_int_equal(lane1, 1); /* the probe only */
	assert_int_equal(c.order_conns, 1);
	assert_int_equal(conns, 6 + 1 + 1);
	assert_non_null(strstr(c.order_method, "server order"));
}

/* No idle slot (start = 0): lane 1 never begins. */
static void test_lanes_not_started(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct mx_offer o;
	struct mx_answer a;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t i;

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 5; i++)
		s.pref[s.npref++] = ours[i * 7];
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(mx_enum_chain_next(&c, &o), MX_CHAIN_OFFER);
		sim_answer(&s, &o, &a);
		mx_enum_chain_answer(&c, &a);
		assert_int_equal(mx_enum_chain_next_lane1(&c, &o, 0),
				 MX_CHAIN_WAIT);
	}
}

static void test_order_check_skipped(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.pref[0] = ours[0];
	s.pref[1] = ours[1];
	s.npref = 2;
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, MX_ENUM_NO_ORDER, NULL, 0,
			   NULL, 0);
	assert_int_equal(run(&c, &s), 3);
	assert_int_equal(c.server_order, -1);
	/* a single suite needs no check either */
	s.npref = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	assert_int_equal(run(&c, &s), 2);
	assert_int_equal(c.server_order, -1);
	assert_int_equal(c.order_conns, 0);
}

static void test_refused_version(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s)); /* accepts nothing: alert 40 */
	mx_enum_shared_init(&sh);
	mx_enum_chain_init(&c, MX_EV_SSL3, &sh, 0, NULL, 0, NULL, 0);
	assert_int_equal(run(&c, &s), 1);
	assert_int_equal(c.state, 0);
	assert_int_equal(c.npicks, 0);
	assert_non_null(strstr(c.refusal, "handshake_failure"));
	assert_int_equal(sh.prober, 0);
	assert_int_equal(sh.big_state, 0); /* a refusal says nothing */
}

/* A server that closes when nothing is left (FIN instead of an alert):
 * the loop ends there too, at the same cost. */
static void test_fin_ends_loop(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.odd_when_none = 1;
	s.server_order = 1;
	s.pref[0] = ours[20];
	s.pref[1] = ours[10];
	s.npref = 2;
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	assert_int_equal(run(&c, &s), 3);
	check_picks(&c, s.pref, 2);
	assert_int_equal(c.state, 1);
	assert_int_equal(c.server_order, 1);
	assert_false(sh.big_state == 2);
}

/* ---- large hellos ---------------------------------------------------------- */

/* The server FINs on more than 100 suites: the chain splits into chunks
 * of 64, says so, finds every suite, and ranks them in one pass. */
static void test_split(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t n, conns, nchunks;

	(void)state;
	n = our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.max_suites = 100;
	s.server_order = 1;
	/* picks spread over several chunks, in an order of its own */
	s.pref[0] = ours[200];
	s.pref[1] = ours[3];
	s.pref[2] = ours[70];
	s.pref[3] = ours[150];
	s.npref = 4;
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	conns = run(&c, &s);
	check_picks(&c, s.pref, 4);
	assert_int_equal(c.state, 1);
	assert_int_equal(c.server_order, 1);
	assert_int_equal(sh.big_state, 2);
	assert_int_equal(sh.split_at, MX_ENUM_SPLIT_MIN);
	assert_non_null(strstr(sh.split_reason, "FIN"));
	assert_non_null(strstr(sh.split_reason, "TLSv1.2"));
	/* full offer + 128-chunk (both FIN), then one connection per pick
	 * and one per chunk with nothing (left), then the rank pass
	 * (accepted - 1); no order check was needed (not monotonic) */
	nchunks = (n - 4 + MX_ENUM_SPLIT_MIN - 1) / MX_ENUM_SPLIT_MIN;
	assert_int_equal(conns, 2 + 4 + nchunks + 3);
	assert_int_equal(c.order_conns, 0);
	assert_int_equal(sh.prober, 0);
}

/* A version the server refuses with FIN at any size: three tries (full,
 * 128, 64), no split claimed, the first reaction reported. */
static void test_odd_refusal_no_split(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.odd_when_none = 1;
	mx_enum_shared_init(&sh);
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	assert_int_equal(run(&c, &s), 3);
	assert_int_equal(c.state, 0);
	assert_int_equal(sh.big_state, 0);
	assert_non_null(strstr(c.refusal, "FIN"));
	assert_int_equal(sh.prober, 0);
}

/* Once a large hello was answered, an odd answer is a refusal: one
 * connection. */
static void test_odd_after_large_ok(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.odd_when_none = 1;
	mx_enum_shared_init(&sh);
	sh.big_state = 1;
	sh.big_ok = 349;
	mx_enum_chain_init(&c, MX_EV_SSL3, &sh, 0, NULL, 0, NULL, 0);
	assert_int_equal(run(&c, &s), 1);
	assert_int_equal(c.state, 0);
}

/* While one chain tests a large hello, other large offers wait; after a
 * split verdict they start in chunks. */
static void test_large_offers_wait(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c12, c11;
	struct mx_offer o12, o11;
	struct mx_answer a;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t conns;

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.max_suites = 100;
	s.pref[0] = ours[0];
	s.npref = 1;
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c12, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	mx_enum_chain_init(&c11, MX_EV_TLS11, &sh, 0, NULL, 0, NULL, 0);
	assert_true(c11.nall > MX_ENUM_BIG_OFFER);
	assert_int_equal(mx_enum_chain_next(&c12, &o12), MX_CHAIN_OFFER);
	assert_int_equal(sh.prober, MX_EV_TLS12 + 1);
	assert_int_equal(mx_enum_chain_next(&c11, &o11), MX_CHAIN_WAIT);
	sim_answer(&s, &o12, &a); /* FIN */
	mx_enum_chain_answer(&c12, &a);
	assert_int_equal(mx_enum_chain_next(&c11, &o11), MX_CHAIN_WAIT);
	assert_int_equal(mx_enum_chain_next(&c12, &o12), MX_CHAIN_OFFER);
	assert_int_equal(o12.nsuites, MX_ENUM_BIG_OFFER);
	sim_answer(&s, &o12, &a); /* FIN again */
	mx_enum_chain_answer(&c12, &a);
	assert_int_equal(mx_enum_chain_next(&c12, &o12), MX_CHAIN_OFFER);
	assert_int_equal(o12.nsuites, MX_ENUM_SPLIT_MIN);
	sim_answer(&s, &o12, &a); /* answered: the split is confirmed */
	assert_int_equal(a.kind, MX_ANS_PICK);
	mx_enum_chain_answer(&c12, &a);
	assert_int_equal(sh.big_state, 2);
	assert_int_equal(mx_enum_chain_next(&c11, &o11), MX_CHAIN_OFFER);
	assert_int_equal(o11.nsuites, MX_ENUM_SPLIT_MIN);
	/* and TLS 1.1 never pays for the large hello itself */
	sim_answer(&s, &o11, &a);
	mx_enum_chain_answer(&c11, &a);
	conns = 1 + run(&c11, &s);
	assert_int_equal(c11.conns, conns);
	assert_int_equal(c11.big_fail_n, 0);
	run(&c12, &s);
	assert_int_equal(c12.npicks, 1);
}

/* After a large hello was answered, the next large offer goes at once. */
static void test_large_ok_shared(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c12, c11;
	struct mx_offer o;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.pref[0] = ours[5];
	s.npref = 1;
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c12, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	mx_enum_chain_init(&c11, MX_EV_TLS11, &sh, 0, NULL, 0, NULL, 0);
	run(&c12, &s);
	assert_int_equal(sh.big_state, 1);
	assert_true(sh.big_ok >= c11.nall);
	assert_int_equal(mx_enum_chain_next(&c11, &o), MX_CHAIN_OFFER);
	assert_int_equal(o.nsuites, c11.nall);
}

/* ---- groups -------------------------------------------------------------- */

static void test_groups_tls13(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct sim s;
	size_t conns;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.server_order = 1;
	s.pref[0] = 0x1302;
	s.pref[1] = 0x1301;
	s.npref = 2;
	s.groups[0] = 0x0018; /* secp384r1 first */
	s.groups[1] = 0x001d;
	s.groups[2] = 0x0100; /* ffdhe2048 */
	s.ngroups = 3;
	mx_enum_shared_init(&sh);
	mx_enum_chain_init(&c, MX_EV_TLS13, &sh, 0, NULL, 0, NULL, 0);
	conns = run(&c, &s);
	check_picks(&c, s.pref, 2);
	assert_int_equal(sh.tls13, 1);
	assert_int_equal(c.ngfound, 3);
	assert_true(in(c.gfound, c.ngfound, 0x0018));
	assert_true(in(c.gfound, c.ngfound, 0x001d));
	assert_true(in(c.gfound, c.ngfound, 0x0100));
	/* one group came with the suite picks; two more + the refusal */
	assert_int_equal(c.group_conns, 3);
	assert_int_equal(conns - c.group_conns, c.conns);
}

static void test_groups_tls12_wait_for_tls13(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct mx_offer o;
	struct mx_answer a;
	struct sim s;
	enum mx_chain_step st;
	size_t n = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.server_order = 1;
	s.pref[0] = 0xc02f; /* ECDHE-RSA-AES128-GCM-SHA256 */
	s.pref[1] = 0x009e; /* DHE-RSA-AES128-GCM-SHA256 */
	s.npref = 2;
	s.groups[0] = 0x0017;
	s.groups[1] = 0x0018;
	s.ngroups = 2;
	s.ecdhe_only_groups = 1;
	mx_enum_shared_init(&sh);
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	while ((st = mx_enum_chain_next(&c, &o)) == MX_CHAIN_OFFER) {
		assert_int_not_equal(o.purpose, MX_OFFER_GROUPS);
		sim_answer(&s, &o, &a);
		mx_enum_chain_answer(&c, &a);
		assert_true(++n < 100);
	}
	assert_int_equal(st, MX_CHAIN_WAIT); /* is TLS 1.3 there? */
	sh.tls13 = 0;
	n = run(&c, &s);
	assert_int_equal(c.ngfound, 2);
	assert_int_equal(c.group_conns, 2); /* one new group + refusal */
	assert_int_equal(n, 2);
	/* With TLS 1.3 accepted, no TLS 1.2 group loop at all. */
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	run(&c, &s);
	assert_int_equal(c.group_conns, 0);
	assert_int_equal(c.ngfound, 1);
}

/* ---- broken servers ------------------------------------------------------ */

/* The group lane: the group loop beside the suite loop, once an ECDHE
 * suite is known and TLS 1.3 refused; the same groups and the same group
 * budget (new groups + 1) as the group loop after the suites, and the
 * chain runs no group loop of its own. */
static void test_group_lane(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct mx_offer o, g;
	struct mx_answer a;
	struct sim s;
	enum mx_chain_step st;
	size_t n = 0, lane = 0, i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.server_order = 1;
	s.pref[0] = 0xc02f; /* ECDHE-RSA-AES128-GCM-SHA256 */
	s.pref[1] = 0x009e; /* DHE-RSA-AES128-GCM-SHA256 */
	s.pref[2] = 0xc013; /* ECDHE-RSA-AES128-SHA */
	s.npref = 3;
	s.groups[0] = 0x0017;
	s.groups[1] = 0x0018;
	s.groups[2] = 0x001d;
	s.ngroups = 3;
	s.ecdhe_only_groups = 1;
	mx_enum_shared_init(&sh);
	sh.tls13 = 0;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	/* nothing picked yet: no lane */
	assert_int_equal(mx_enum_chain_next_glane(&c, &g), MX_CHAIN_WAIT);
	while ((st = mx_enum_chain_next(&c, &o)) == MX_CHAIN_OFFER) {
		sim_answer(&s, &o, &a);
		mx_enum_chain_answer(&c, &a);
		assert_true(++n < 100);
		/* one group-lane offer between the suite loop's offers */
		if (mx_enum_chain_next_glane(&c, &g) == MX_CHAIN_OFFER) {
			assert_int_equal(g.purpose, MX_OFFER_GROUPS);
			for (i = 0; i < g.nsuites; i++)
				assert_int_not_equal(g.suites[i], 0x009e);
			/* a second one waits for the first's answer */
			assert_int_equal(mx_enum_chain_next_glane(&c, &o),
					 MX_CHAIN_WAIT);
			sim_answer(&s, &g, &a);
			mx_enum_chain_answer_glane(&c, &a);
			lane++;
		}
	}
	/* the suite loop is over; the lane may still have groups to ask */
	while (st == MX_CHAIN_WAIT &&
	       mx_enum_chain_next_glane(&c, &g) == MX_CHAIN_OFFER) {
		sim_answer(&s, &g, &a);
		mx_enum_chain_answer_glane(&c, &a);
		lane++;
		st = mx_enum_chain_next(&c, &o);
		assert_true(++n < 100);
	}
	assert_int_equal(st, MX_CHAIN_DONE);
	assert_int_equal(c.npicks, 3);
	assert_int_equal(c.ngfound, 3);	    /* every group the server has */
	assert_int_equal(c.group_conns, 3); /* two new groups + refusal */
	assert_int_equal(lane, 3);	    /* all of them on the lane */
	/* With TLS 1.3 accepted, no lane for TLS 1.2. */
	mx_enum_shared_init(&sh);
	sh.tls13 = 1;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	while (mx_enum_chain_next(&c, &o) == MX_CHAIN_OFFER) {
		sim_answer(&s, &o, &a);
		mx_enum_chain_answer(&c, &a);
		assert_int_equal(mx_enum_chain_next_glane(&c, &g),
				 MX_CHAIN_WAIT);
	}
	assert_int_equal(c.group_conns, 0);
}

static void test_pick_not_offered(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct mx_offer o;
	struct mx_answer a;

	(void)state;
	mx_enum_shared_init(&sh);
	mx_enum_chain_init(&c, MX_EV_TLS13, &sh, 0, NULL, 0, NULL, 0);
	assert_int_equal(mx_enum_chain_next(&c, &o), MX_CHAIN_OFFER);
	memset(&a, 0, sizeof(a));
	a.kind = MX_ANS_PICK;
	a.suite = 0x0005; /* RC4-SHA in a TLS 1.3 hello */
	mx_enum_chain_answer(&c, &a);
	assert_true(c.incomplete);
	assert_non_null(strstr(c.reason, "not offered"));
	assert_int_equal(mx_enum_chain_next(&c, &o), MX_CHAIN_DONE);
	assert_int_equal(sh.tls13, 0);
}

static void test_abort(void **state)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain c;
	struct mx_offer o;
	struct mx_answer a;
	struct sim s;
	uint16_t ours[MX_ENUM_MAX_OFFER];

	(void)state;
	our12(ours, MX_ENUM_MAX_OFFER);
	memset(&s, 0, sizeof(s));
	s.pref[0] = ours[0];
	s.pref[1] = ours[1];
	s.npref = 2;
	mx_enum_shared_init(&sh);
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, 0, NULL, 0, NULL, 0);
	assert_int_equal(mx_enum_chain_next(&c, &o), MX_CHAIN_OFFER);
	sim_answer(&s, &o, &a);
	mx_enum_chain_answer(&c, &a);
	mx_enum_chain_abort(&c, "421 after 4 attempts");
	assert_int_equal(mx_enum_chain_next(&c, &o), MX_CHAIN_DONE);
	assert_true(c.incomplete);
	assert_int_equal(c.state, 1); /* what was found stays found */
	assert_int_equal(c.npicks, 1);
	assert_string_equal(c.reason, "TLSv1.2: 421 after 4 attempts");
	assert_int_equal(sh.prober, 0);
	/* nothing found: unknown, not "refused" */
	mx_enum_chain_init(&c, MX_EV_TLS11, &sh, 0, NULL, 0, NULL, 0);
	mx_enum_chain_abort(&c, "deadline reached");
	assert_int_equal(c.state, -1);
}

/* A sweep of servers: every accepted set size and limit, both orders;
 * the plan finds exactly the accepted set within its budget. */
static void test_sweep(void **state)
{
	uint16_t ours[MX_ENUM_MAX_OFFER];
	size_t n = our12(ours, MX_ENUM_MAX_OFFER), k, lim, ord, none;
	unsigned seed = 7;

	(void)state;
	for (k = 0; k <= 40; k += 3)
		for (lim = 0; lim <= 300; lim += 75)
			for (ord = 0; ord < 2; ord++)
				for (none = 0; none < 2; none++) {
					struct mx_enum_shared sh;
					struct mx_enum_chain c;
					struct sim s;
					size_t i, conns, budget;

					memset(&s, 0, sizeof(s));
					s.server_order = (int)ord;
					s.max_suites = lim;
					s.odd_when_none = (int)none;
					while (s.npref < k) {
						uint16_t x;

						seed = seed * 1103515245u +
						       12345u;
						x = ours[(seed >> 8) % n];
						if (!in(s.pref, s.npref, x))
							s.pref[s.npref++] = x;
					}
					mx_enum_shared_init(&sh);
					sh.tls13 = 1;
					mx_enum_chain_init(&c, MX_EV_TLS12, &sh,
							   0, NULL, 0, NULL, 0);
					conns = run(&c, &s);
					/* A limit below 64 suites cannot be
					 * split around: refused, oddly. */
					if (lim > 0 &&
					    lim < MX_ENUM_SPLIT_MIN) {
						assert_int_equal(c.npicks, 0);
						continue;
					}
					/* A server that FINs both on large
					 * hellos and when nothing is shared,
					 * with nothing in our first chunk,
					 * looks like a refusal (documented). */
					if (none && lim > 0 && lim < n &&
					    c.npicks == 0 && k > 0) {
						for (i = 0; i < k; i++)
							assert_false(in(
								ours,
								MX_ENUM_SPLIT_MIN,
								s.pref[i]));
						continue;
					}
					assert_int_equal(c.npicks, k);
					for (i = 0; i < k; i++)
						assert_true(in(c.picks, k,
							       s.pref[i]));
					if (ord && k > 0)
						assert_int_equal(c.picks[0],
								 s.pref[0]);
					assert_int_equal(c.state, k ? 1 : 0);
					if (k >= 2)
						assert_int_equal(c.server_order,
								 (int)ord);
					/* FIN to everything: full, 128, 64 */
					budget = k == 0 && none ? 3 : k + 2;
					if (lim > 0 && lim < n)
						budget +=
							2 +
							n / MX_ENUM_SPLIT_MIN +
							1 + k;
					if (conns > budget)
						fail_msg(
							"k %zu lim %zu ord %zu "
							"none %zu: %zu "
							"connections, budget "
							"%zu",
							k, lim, ord, none,
							conns, budget);
				}
}

/* ---- classify -------------------------------------------------------------- */

static void raw_flight(struct mx_raw_result *r, struct mx_flight_facts *f,
		       enum mx_raw_reaction re)
{
	memset(r, 0, sizeof(*r));
	memset(f, 0, sizeof(*f));
	r->reaction = re;
	r->flight = f;
}

static void test_classify(void **state)
{
	struct mx_raw_result r;
	struct mx_flight_facts f;
	struct mx_answer a;
	char why[200];

	(void)state;
	/* TLS 1.2 ServerHello with ECDHE */
	raw_flight(&r, &f, MX_RAW_FLIGHT);
	f.sh.seen = 1;
	f.sh.version = 0x0303;
	f.sh.suite = 0xc02f;
	f.ske.seen = 1;
	f.ske.kind = MX_SKE_ECDHE;
	f.ske.group = 0x0017;
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &r, &a, why, 200), 0);
	assert_int_equal(a.kind, MX_ANS_PICK);
	assert_int_equal(a.suite, 0xc02f);
	assert_int_equal(a.group, 0x0017);
	/* the same flight answers a TLS 1.1 hello: another version */
	assert_int_equal(mx_enum_classify(MX_EV_TLS11, &r, &a, why, 200), 0);
	assert_int_equal(a.kind, MX_ANS_REFUSED);
	assert_non_null(strstr(a.what, "TLSv1.2"));
	/* TLS 1.3 HelloRetryRequest names the group */
	raw_flight(&r, &f, MX_RAW_FLIGHT);
	f.sh.seen = 1;
	f.sh.hrr = 1;
	f.sh.version = 0x0304;
	f.sh.suite = 0x1301;
	f.sh.key_share_group = 0x0018;
	assert_int_equal(mx_enum_classify(MX_EV_TLS13, &r, &a, why, 200), 0);
	assert_int_equal(a.kind, MX_ANS_PICK);
	assert_int_equal(a.group, 0x0018);
	/* a TLS 1.2 answer to a TLS 1.3-only hello is a refusal */
	f.sh.version = 0x0303;
	mx_enum_classify(MX_EV_TLS13, &r, &a, why, 200);
	assert_int_equal(a.kind, MX_ANS_REFUSED);
	/* alerts: 40/70/71/86 refuse cleanly, others are odd */
	raw_flight(&r, &f, MX_RAW_ALERT);
	f.alert_level = 2;
	f.alert_desc = 70;
	snprintf(r.detail, sizeof(r.detail), "fatal alert 70 (x)");
	mx_enum_classify(MX_EV_SSL3, &r, &a, why, 200);
	assert_int_equal(a.kind, MX_ANS_REFUSED);
	assert_string_equal(a.what, "fatal alert 70 (x)");
	f.alert_desc = 80;
	mx_enum_classify(MX_EV_SSL3, &r, &a, why, 200);
	assert_int_equal(a.kind, MX_ANS_ODD);
	f.alert_level = 1; /* a warning-level 40 is not a clean refusal */
	f.alert_desc = 40;
	mx_enum_classify(MX_EV_SSL3, &r, &a, why, 200);
	assert_int_equal(a.kind, MX_ANS_ODD);
	raw_flight(&r, &f, MX_RAW_FIN);
	mx_enum_classify(MX_EV_TLS10, &r, &a, why, 200);
	assert_int_equal(a.kind, MX_ANS_ODD);
	raw_flight(&r, &f, MX_RAW_FLIGHT); /* no ServerHello */
	mx_enum_classify(MX_EV_TLS10, &r, &a, why, 200);
	assert_int_equal(a.kind, MX_ANS_ODD);
	/* not sent: retry on 4xx and lost connections, not on 5xx or a
	 * missing STARTTLS */
	memset(&r, 0, sizeof(r));
	r.reaction = MX_RAW_NOT_SENT;
	r.smtp.stop = MX_STOP_GREETING_REJECTED;
	r.smtp.greeting.code = 421;
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &r, &a, why, 200), 1);
	r.smtp.greeting.code = 554;
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &r, &a, why, 200), -1);
	r.smtp.stop = MX_STOP_CONNECT_REFUSED;
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &r, &a, why, 200), 1);
	r.smtp.stop = MX_STOP_STARTTLS_REJECTED;
	r.smtp.starttls_reply.code = 454;
	r.smtp.starttls.state = MX_STEP_FAILED;
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &r, &a, why, 200), 1);
	r.smtp.starttls.state = MX_STEP_SKIPPED;
	r.smtp.starttls_reply.code = 0;
	assert_int_equal(mx_enum_classify(MX_EV_TLS12, &r, &a, why, 200), -1);
	assert_string_equal(why, "STARTTLS not offered");
}

/* ---- the pool -------------------------------------------------------------- */

struct grantee {
	struct mx_pool *pool;
	struct mx_pool_wait w;
	int granted;
	int64_t at;
};

static void on_grant(void *arg)
{
	struct grantee *g = arg;

	g->granted++;
	g->at = mx_now_ms();
}

static void loop_once(struct event_base *base)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
}

static void test_pool_caps(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 2, 3);
	struct grantee g[6];
	int i, n;

	(void)state;
	memset(g, 0, sizeof(g));
	for (i = 0; i < 6; i++) {
		g[i].w.addr = i < 4 ? "127.0.0.1" : "127.0.0.2";
		g[i].w.grant = on_grant;
		g[i].w.arg = &g[i];
		mx_pool_acquire(p, &g[i].w);
	}
	/* grants come from the loop, never from acquire */
	assert_int_equal(g[0].granted, 0);
	loop_once(base);
	/* per host 2, in all 3: FIFO */
	assert_int_equal(g[0].granted + g[1].granted, 2);
	assert_int_equal(g[2].granted + g[3].granted, 0);
	assert_int_equal(g[4].granted, 1);
	assert_int_equal(g[5].granted, 0);
	mx_pool_release(p, "127.0.0.1");
	loop_once(base);
	assert_int_equal(g[2].granted, 1);
	assert_int_equal(g[3].granted, 0);
	/* a withdrawn request is never granted */
	mx_pool_cancel(p, &g[3].w);
	mx_pool_release(p, "127.0.0.1");
	mx_pool_release(p, "127.0.0.2");
	loop_once(base);
	assert_int_equal(g[3].granted, 0);
	assert_int_equal(g[5].granted, 1);
	for (n = 0, i = 0; i < 6; i++)
		n += g[i].granted;
	assert_int_equal(n, 5);
	mx_pool_free(p);
	event_base_free(base);
}

static void test_pool_backoff(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_pool *p = mx_pool_new(base, 2, 16);
	struct grantee a, b;
	int64_t t0;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.w.addr = b.w.addr = "127.0.0.9";
	a.w.grant = b.w.grant = on_grant;
	a.w.arg = &a;
	b.w.arg = &b;
	assert_int_equal(mx_pool_cap(p, "127.0.0.9"), 2);
	t0 = mx_now_ms();
	mx_pool_backoff(p, "127.0.0.9", 150);
	assert_int_equal(mx_pool_cap(p, "127.0.0.9"), 1);
	mx_pool_acquire(p, &a.w);
	mx_pool_acquire(p, &b.w);
	loop_once(base);
	assert_int_equal(a.granted, 0); /* not before the backoff */
	while (a.granted == 0)
		event_base_loop(base, EVLOOP_ONCE);
	assert_true(a.at - t0 >= 140);
	loop_once(base);
	assert_int_equal(b.granted, 0); /* cap 1 now */
	mx_pool_release(p, "127.0.0.9");
	loop_once(base);
	assert_int_equal(b.granted, 1);
	mx_pool_free(p);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_lists),
		cmocka_unit_test(test_server_order_free),
		cmocka_unit_test(test_server_order_coincident),
		cmocka_unit_test(test_client_order),
		cmocka_unit_test(test_lanes_client_order),
		cmocka_unit_test(test_lanes_both_ends),
		cmocka_unit_test(test_lanes_random_timing),
		cmocka_unit_test(test_lanes_server_order),
		cmocka_unit_test(test_lanes_not_started),
		cmocka_unit_test(test_order_check_skipped),
		cmocka_unit_test(test_refused_version),
		cmocka_unit_test(test_fin_ends_loop),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_odd_refusal_no_split),
		cmocka_unit_test(test_odd_after_large_ok),
		cmocka_unit_test(test_large_offers_wait),
		cmocka_unit_test(test_large_ok_shared),
		cmocka_unit_test(test_groups_tls13),
		cmocka_unit_test(test_groups_tls12_wait_for_tls13),
		cmocka_unit_test(test_group_lane),
		cmocka_unit_test(test_pick_not_offered),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_pool_caps),
		cmocka_unit_test(test_pool_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
