/*
 * test_enum_retry.c - the suite-class exclusion of the enumeration
 * (mx_enum_offer_suites_without, probe/enum.h) and the pure parts of the
 * re-enumeration after a handshake intolerance (probe/enum_retry.h):
 * which versions are blocked, and how a new record is merged.
 *
 * The plan is driven by a scripted intolerant server: FIN to any hello
 * offering an AES-GCM suite, otherwise the first of its suites offered,
 * alert 40 when none is.  With the registry's whole offer the plan learns
 * nothing (the lab's "intolerant" front); without AES-GCM it finds the
 * server's CBC suites.  The network part (mx_enum_retry_without) is
 * exercised against the lab by tests/integration/clients.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/enum.h"
#include "probe/enum.h"
#include "probe/enum_retry.h"
#include "wire/tls_registry.h"

#define GCM (UINT32_C(1) << MX_CIPHER_AES_GCM)

static size_t count_class(const uint16_t *v, size_t n, unsigned cipher)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const struct mx_suite *s = mx_suite_by_id(v[i]);

		if (s != NULL && s->cipher == cipher)
			k++;
	}
	return k;
}

static int has(const uint16_t *v, size_t n, uint16_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* ---- the filter ----------------------------------------------------------- */

static void test_offer_without(void **state)
{
	static uint16_t all[MX_ENUM_MAX_OFFER], kept[MX_ENUM_MAX_OFFER];
	int v;

	(void)state;
	for (v = 0; v < MX_EV__N; v++) {
		size_t na = mx_enum_offer_suites(v, all, MX_ENUM_MAX_OFFER);
		size_t nk = mx_enum_offer_suites_without(v, 0, kept,
							 MX_ENUM_MAX_OFFER);
		size_t i, j, gcm = count_class(all, na, MX_CIPHER_AES_GCM);

		/* nothing excluded: the same offer */
		assert_true(na > 0);
		assert_int_equal(nk, na);
		assert_memory_equal(kept, all, na * sizeof(*all));
		/* without AES-GCM: exactly those gone, the rest in order */
		nk = mx_enum_offer_suites_without(v, GCM, kept,
						  MX_ENUM_MAX_OFFER);
		assert_int_equal(nk, na - gcm);
		assert_int_equal(count_class(kept, nk, MX_CIPHER_AES_GCM), 0);
		for (i = 0, j = 0; i < na; i++) {
			const struct mx_suite *s = mx_suite_by_id(all[i]);

			if (s != NULL && s->cipher == MX_CIPHER_AES_GCM)
				continue;
			assert_true(j < nk);
			assert_int_equal(kept[j], all[i]);
			j++;
		}
		assert_int_equal(j, nk);
		/* every class out: nothing to offer */
		assert_int_equal(
			mx_enum_offer_suites_without(v, UINT32_MAX, kept,
						     MX_ENUM_MAX_OFFER),
			0);
	}
	/* TLS 1.2 and 1.3 have AES-GCM suites, TLS 1.1 has none */
	assert_true(mx_enum_offer_suites(MX_EV_TLS12, all, MX_ENUM_MAX_OFFER) >
		    mx_enum_offer_suites_without(MX_EV_TLS12, GCM, kept,
						 MX_ENUM_MAX_OFFER));
	{
		size_t n = mx_enum_offer_suites_without(MX_EV_TLS13, GCM, kept,
							MX_ENUM_MAX_OFFER);

		assert_false(has(kept, n, 0x1301)); /* AES_128_GCM */
		assert_false(has(kept, n, 0x1302)); /* AES_256_GCM */
		assert_true(has(kept, n, 0x1303));  /* CHACHA20 */
	}
	assert_true(mx_enum_suite_excluded(0xc02f, GCM));
	assert_true(mx_enum_suite_excluded(0x1301, GCM));
	assert_false(mx_enum_suite_excluded(0xc013, GCM)); /* AES-CBC */
	assert_false(mx_enum_suite_excluded(0xc02f, 0));
	assert_false(mx_enum_suite_excluded(0xfefe, UINT32_MAX)); /* unknown */
	/* the max is honoured */
	assert_int_equal(
		mx_enum_offer_suites_without(MX_EV_TLS12, GCM, kept, 3), 3);
}

/* ---- the plan against an intolerant server -------------------------------- */

/* The lab's intolerant front: Postfix's TLS 1.2 CBC suites behind it. */
static const uint16_t srv[] = {0xc014, 0xc013, 0x0035, 0x002f};

static void intolerant_answer(const struct mx_offer *o, struct mx_answer *a)
{
	size_t i, j;

	memset(a, 0, sizeof(*a));
	if (count_class(o->suites, o->nsuites, MX_CIPHER_AES_GCM) > 0) {
		a->kind = MX_ANS_ODD;
		snprintf(a->what, sizeof(a->what), "FIN after ClientHello");
		return;
	}
	for (i = 0; i < sizeof(srv) / sizeof(srv[0]); i++)
		for (j = 0; j < o->nsuites; j++)
			if (o->suites[j] == srv[i]) {
				a->kind = MX_ANS_PICK;
				a->suite = srv[i];
				return;
			}
	a->kind = MX_ANS_REFUSED;
	snprintf(a->what, sizeof(a->what), "fatal alert 40");
}

static void run_plan(struct mx_enum_chain *c, int no_gcm)
{
	struct mx_offer o;
	struct mx_answer a;
	int guard = 0;

	while (mx_enum_chain_next(c, &o) == MX_CHAIN_OFFER) {
		assert_true(++guard < 100);
		/* without AES-GCM: no offer (suite loop, order check) has one */
		if (no_gcm)
			assert_int_equal(count_class(o.suites, o.nsuites,
						     MX_CIPHER_AES_GCM),
					 0);
		intolerant_answer(&o, &a);
		mx_enum_chain_answer(c, &a);
	}
}

static void test_plan_intolerant(void **state)
{
	static struct mx_enum_chain c;
	static uint16_t offer[MX_ENUM_MAX_OFFER];
	struct mx_enum_shared sh;
	size_t n, i;

	(void)state;
	/* the registry's whole offer: FIN, then FIN to the smaller hellos */
	mx_enum_shared_init(&sh);
	sh.tls13 = 0;
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, MX_ENUM_NO_GROUPS, NULL, 0,
			   NULL, 0);
	run_plan(&c, 0);
	assert_int_equal(c.npicks, 0);
	assert_int_not_equal(c.state, 1);
	assert_int_equal(c.clean, 0);
	assert_non_null(strstr(c.refusal, "FIN"));

	/* without AES-GCM: the server's suites, in its order */
	mx_enum_shared_init(&sh);
	sh.tls13 = 0;
	n = mx_enum_offer_suites_without(MX_EV_TLS12, GCM, offer,
					 MX_ENUM_MAX_OFFER);
	mx_enum_chain_init(&c, MX_EV_TLS12, &sh, MX_ENUM_NO_GROUPS, offer, n,
			   NULL, 0);
	run_plan(&c, 1);
	assert_int_equal(c.state, 1);
	assert_int_equal(c.npicks, sizeof(srv) / sizeof(srv[0]));
	for (i = 0; i < c.npicks; i++)
		assert_int_equal(c.picks[i], srv[i]);
	assert_int_equal(c.server_order, 1);
}

/* ---- blocked versions ------------------------------------------------------ */

static void set_version(struct mx_enum *e, enum mx_enum_ver v, int st, int odd,
			const char *refusal)
{
	e->v[v].state = st;
	e->v[v].odd_only = odd;
	free(e->v[v].refusal);
	e->v[v].refusal = refusal ? xstrdup(refusal) : NULL;
}

/* The lab's intolerant front after the enumeration. */
static struct mx_enum *intolerant_enum(void)
{
	struct mx_enum *e = mx_enum_new();
	struct mx_enum_group *g;

	set_version(e, MX_EV_TLS13, 0, 1, "FIN right after the ClientHello");
	set_version(e, MX_EV_TLS12, -1, 1, "FIN right after the ClientHello");
	set_version(e, MX_EV_TLS11, 1, 0, NULL);
	set_version(e, MX_EV_TLS10, -1, 0, NULL); /* deadline, no answer */
	set_version(e, MX_EV_SSL3, 0, 0, "fatal alert 40");
	e->v[MX_EV_TLS13].connections = 1;
	e->v[MX_EV_TLS12].connections = 3;
	e->v[MX_EV_TLS12].incomplete_reason = xstrdup(
		"TLSv1.2: every hello got FIN; its suites are not known");
	e->v[MX_EV_TLS10].incomplete_reason =
		xstrdup("TLSv1: deadline reached");
	e->incomplete = 1;
	e->incomplete_reason =
		xstrdup("TLSv1.2: every hello got FIN; its suites are not "
			"known; TLSv1: deadline reached");
	e->connections = 17;
	e->ms = 70;
	e->per_host_cap = 2;
	g = mx_enum_add_group(e);
	g->id = 0x001d;
	g->name = xstrdup("x25519");
	g->versions = 1u << MX_EV_TLS11;
	e->cert_keys = xcalloc(1, sizeof(char *));
	e->capcert_keys = 1;
	e->cert_keys[e->ncert_keys++] = xstrdup("RSA 2048");
	e->intolerant = 1;
	e->intolerance_reaction = xstrdup("FIN after ClientHello");
	return e;
}

static void test_blocked(void **state)
{
	struct mx_enum *e = intolerant_enum();

	(void)state;
	assert_int_equal(mx_enum_retry_blocked(e, GCM),
			 (1u << MX_EV_TLS13) | (1u << MX_EV_TLS12));
	/* 3DES: no such suite in TLS 1.3, so only TLS 1.2 is worth it */
	assert_int_equal(mx_enum_retry_blocked(e, UINT32_C(1)
							  << MX_CIPHER_3DES),
			 1u << MX_EV_TLS12);
	assert_int_equal(mx_enum_retry_blocked(e, 0), 0);
	assert_int_equal(mx_enum_retry_blocked(NULL, GCM), 0);
	/* a version refused oddly without a refusal text is not blocked */
	free(e->v[MX_EV_TLS13].refusal);
	e->v[MX_EV_TLS13].refusal = NULL;
	assert_int_equal(mx_enum_retry_blocked(e, GCM), 1u << MX_EV_TLS12);
	mx_enum_free(e);
}

/* ---- merge ------------------------------------------------------------------ */

static struct mx_enum *fresh_enum(int tls12_ok)
{
	struct mx_enum *f = mx_enum_new();
	struct mx_enum_group *g;
	struct mx_enum_suite *s;

	if (tls12_ok) {
		set_version(f, MX_EV_TLS12, 1, 0, NULL);
		s = mx_enum_add_suite(&f->v[MX_EV_TLS12]);
		s->id = 0xc014;
		s->iana = xstrdup("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA");
		s = mx_enum_add_suite(&f->v[MX_EV_TLS12]);
		s->id = 0xc013;
		s->iana = xstrdup("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
		f->v[MX_EV_TLS12].server_order = 0;
		f->v[MX_EV_TLS12].order_method = xstrdup("reversed");
		f->v[MX_EV_TLS12].connections = 4;
		f->v[MX_EV_TLS12].group_connections = 2;
		g = mx_enum_add_group(f);
		g->id = 0x001d;
		g->name = xstrdup("x25519");
		g->versions = 1u << MX_EV_TLS12;
		g = mx_enum_add_group(f);
		g->id = 0x0017;
		g->name = xstrdup("secp256r1");
		g->versions = 1u << MX_EV_TLS12;
		f->cert_keys = xcalloc(2, sizeof(char *));
		f->capcert_keys = 2;
		f->cert_keys[f->ncert_keys++] = xstrdup("RSA 2048");
		f->cert_keys[f->ncert_keys++] = xstrdup("EC 256");
	} else {
		set_version(f, MX_EV_TLS12, 0, 1, "FIN right after the hello");
		f->v[MX_EV_TLS12].connections = 2;
	}
	/* TLS 1.3 without AES-GCM: a clean refusal this time */
	set_version(f, MX_EV_TLS13, 0, 0, "fatal alert 40 (handshake_failure)");
	f->v[MX_EV_TLS13].connections = 1;
	f->connections = tls12_ok ? 7 : 3;
	f->ms = 45;
	f->per_host_cap = 1;
	return f;
}

static void test_merge(void **state)
{
	struct mx_enum *e = intolerant_enum(), *f = fresh_enum(1);
	unsigned ran = (1u << MX_EV_TLS13) | (1u << MX_EV_TLS12);
	const struct mx_enum_version *v12 = &e->v[MX_EV_TLS12];

	(void)state;
	assert_int_equal(mx_enum_retry_merge(e, f, ran, "AES-GCM suites"), ran);
	mx_enum_free(f);
	/* TLS 1.2: the new record, the cost of both runs */
	assert_int_equal(v12->state, 1);
	assert_int_equal(v12->n, 2);
	assert_int_equal(v12->suites[0].id, 0xc014);
	assert_string_equal(v12->suites[1].iana,
			    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
	assert_null(v12->refusal);
	assert_null(v12->incomplete_reason);
	assert_string_equal(v12->order_method, "reversed");
	assert_int_equal(v12->connections, 3 + 4);
	assert_int_equal(v12->group_connections, 2);
	/* TLS 1.3: refused cleanly now */
	assert_int_equal(e->v[MX_EV_TLS13].state, 0);
	assert_string_equal(e->v[MX_EV_TLS13].refusal,
			    "fatal alert 40 (handshake_failure)");
	assert_int_equal(e->v[MX_EV_TLS13].connections, 2);
	/* TLS 1.2's reason taken back, TLS 1.0's kept */
	assert_true(e->incomplete);
	assert_string_equal(e->incomplete_reason, "TLSv1: deadline reached");
	/* totals */
	assert_int_equal(e->connections, 17 + 7);
	assert_int_equal(e->ms, 70 + 45);
	assert_int_equal(e->per_host_cap, 1);
	/* groups: x25519 gains TLS 1.2, secp256r1 is new */
	assert_int_equal(e->ngroups, 2);
	assert_int_equal(e->groups[0].versions,
			 (1u << MX_EV_TLS11) | (1u << MX_EV_TLS12));
	assert_int_equal(e->groups[1].id, 0x0017);
	assert_string_equal(e->groups[1].name, "secp256r1");
	/* certificate keys: one new */
	assert_int_equal(e->ncert_keys, 2);
	assert_string_equal(e->cert_keys[1], "EC 256");
	/* what could not be tested, and where */
	assert_string_equal(e->untested_class, "AES-GCM suites");
	assert_int_equal(e->untested_versions, ran);
	assert_string_equal(e->untested,
			    "AES-GCM suites untested in TLSv1.3, TLSv1.2: the "
			    "server drops hellos offering them (FIN after "
			    "ClientHello)");
	mx_enum_free(e);
}

static void test_merge_only_reason(void **state)
{
	struct mx_enum *e = intolerant_enum(), *f = fresh_enum(1);

	(void)state;
	/* TLS 1.2's reason first and alone: incomplete no more */
	free(e->incomplete_reason);
	e->incomplete_reason = xstrdup(e->v[MX_EV_TLS12].incomplete_reason);
	free(e->v[MX_EV_TLS10].incomplete_reason);
	e->v[MX_EV_TLS10].incomplete_reason = NULL;
	assert_int_equal(mx_enum_retry_merge(e, f, 1u << MX_EV_TLS12,
					     "AES-GCM suites"),
			 1u << MX_EV_TLS12);
	assert_false(e->incomplete);
	assert_null(e->incomplete_reason);
	/* TLS 1.3 was not run: untouched */
	assert_int_equal(e->v[MX_EV_TLS13].state, 0);
	assert_int_equal(e->v[MX_EV_TLS13].connections, 1);
	assert_string_equal(e->untested,
			    "AES-GCM suites untested in TLSv1.2: the server "
			    "drops hellos offering them (FIN after "
			    "ClientHello)");
	mx_enum_free(f);
	mx_enum_free(e);
}

static void test_merge_no_better(void **state)
{
	struct mx_enum *e = intolerant_enum(), *f = fresh_enum(0);
	unsigned ran = (1u << MX_EV_TLS13) | (1u << MX_EV_TLS12);

	(void)state;
	/* TLS 1.2 got FIN again: the old record stays, with its reason;
	 * TLS 1.3 is replaced (clean refusal) */
	assert_int_equal(mx_enum_retry_merge(e, f, ran, "AES-GCM suites"),
			 1u << MX_EV_TLS13);
	mx_enum_free(f);
	assert_int_equal(e->v[MX_EV_TLS12].state, -1);
	assert_int_equal(e->v[MX_EV_TLS12].connections, 3 + 2);
	assert_true(e->incomplete);
	assert_string_equal(e->incomplete_reason,
			    "TLSv1.2: every hello got FIN; its suites are not "
			    "known; TLSv1: deadline reached");
	assert_int_equal(e->untested_versions, 1u << MX_EV_TLS13);
	assert_non_null(strstr(e->untested, "untested in TLSv1.3:"));
	assert_int_equal(e->connections, 17 + 3);
	mx_enum_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_without),
		cmocka_unit_test(test_plan_intolerant),
		cmocka_unit_test(test_blocked),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_only_reason),
		cmocka_unit_test(test_merge_no_better),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
