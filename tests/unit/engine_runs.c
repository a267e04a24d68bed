/*
 * engine_runs.c - several runs of the engine (probe/engine.h) at once on
 * one event loop against the real lab, compared with the same runs one
 * after another; and a cancelled run.
 *
 * Run by tests/integration/engine.sh (which starts the lab and exports
 * its MXPROBE_LAB_* variables); cmocka output.  Three runs: `check` of
 * the domain lab.test (every MX), `check` of one host (mx1), and a
 * `ciphers` run (enumeration, bisection, confirmations) of dhe1024.  Alone
 * each has its own loop and pool; together they share one loop and one
 * pool, as a dashboard would.  Results must be the same: per endpoint the
 * finding ids, the negotiated version and suite, the accepted suites per
 * version in order, each client's confirmation and advice verdicts, and
 * the number of connections; and together the connection ids are unique
 * across the runs.  The cancel test starts `ciphers` on the intolerant
 * front, cancels it after 60 ms (the whole run takes 0.1-0.3 s on the
 * lab) and asserts the run ends within a second with the unfinished
 * parts marked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/event.h>

#include "analyzers/analyze.h"
#include "analyzers/clients.h"
#include "common/clock.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "probe/confirm.h"
#include "probe/engine.h"
#include "probe/pool.h"
#include "probe/target.h"

struct spec {
	const char *target;
	int ciphers; /* enumerate + clients */
};

static const struct spec specs[] = {
	{"lab.test", 0},
	{"smtp://mx1.lab.test", 0},
	{"dhe1024.lab.test", 1},
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

struct slot {
	struct event_base *base;
	struct mx_run *run;
	struct mx_engine *e;
	int done;
	int *left; /* runs still going on this loop */
};

static struct mx_confirm_client *table(size_t *n)
{
	struct mx_confirm_client *cc;
	size_t i;

	*n = mx_client_profile_count();
	cc = xcalloc(*n, sizeof(*cc));
	for (i = 0; i < *n; i++) {
		const struct mx_client_profile *pr = mx_client_profile_at(i);

		cc[i].id = pr->id;
		cc[i].tls.security_level = pr->ossl_seclevel;
		cc[i].tls.min_version = pr->min_version;
		cc[i].tls.max_version = pr->max_version;
		if (pr->stack == MX_STACK_OPENSSL) {
			cc[i].be = &mx_tls_openssl;
			cc[i].tls.cipher_list = pr->ossl_ciphers;
			cc[i].tls.ciphersuites = pr->ossl_ciphersuites;
			cc[i].tls.groups = pr->ossl_groups;
		} else if (pr->stack == MX_STACK_GNUTLS) {
			cc[i].be = &mx_tls_gnutls;
			cc[i].tls.priority = pr->gnutls_priority;
		}
	}
	return cc;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		fail_msg("%s is not set: run me through "
			 "tests/integration/engine.sh",
			 name);
	return v;
}

static void params(struct mx_engine_params *p, const struct spec *s,
		   const struct mx_confirm_client *cc, size_t ncc)
{
	memset(p, 0, sizeof(*p));
	p->resolver = env("MXPROBE_LAB_RESOLVER");
	p->trust_anchor = env("MXPROBE_LAB_TRUST_ANCHOR");
	p->dns_timeout_ms = 5000;
	p->helo = "engine-test.invalid";
	p->step_timeout_ms = 5000;
	p->endpoint_deadline_ms = 30000;
	p->tls = &mx_tls_openssl;
	p->tls_params.ca_file = env("MXPROBE_LAB_CA");
	p->tls_params.security_level = 0;
	p->tls_params.cipher_list = "ALL:@SECLEVEL=0";
	p->tls_params.min_version = 0x0301;
	p->per_host = 2;
	p->global = 16;
	if (s->ciphers) {
		p->handshake_only = 1;
		p->enumerate = MX_ENGINE_ENUM_ATTEMPTED;
		p->hello_timeout_ms = 5000;
		p->job_deadline_ms = 120000;
		p->clients = cc;
		p->nclients = ncc;
		p->simulate = mx_clients_simulate;
	}
}

static void on_done(void *arg)
{
	struct slot *s = arg;

	s->done = 1;
	if (--*s->left == 0)
		event_base_loopexit(s->base, NULL);
}

static struct mx_run *new_run(const char *target)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	char err[200];

	run->helo = xstrdup("engine-test.invalid");
	assert_int_equal(mx_target_parse(target, t, err, sizeof(err)), 0);
	return run;
}

static void start(struct slot *s, struct event_base *base,
		  const struct spec *sp, struct mx_pool *pool,
		  const struct mx_confirm_client *cc, size_t ncc, int *left)
{
	static const struct mx_engine_cbs cbs = {NULL, on_done};
	struct mx_engine_params p;
	char err[200];

	params(&p, sp, cc, ncc);
	p.pool = pool;
	s->base = base;
	s->left = left;
	s->run = new_run(sp->target);
	s->e = mx_engine_new(base, s->run, &p, &cbs, s, err, sizeof(err));
	assert_non_null(s->e);
	mx_engine_start(s->e);
}

static void finish(struct slot *s)
{
	struct mx_analyze_params ap;

	assert_int_equal(s->done, 1);
	mx_engine_free(s->e);
	s->e = NULL;
	mx_analyze_params_init(&ap, mx_wall_now());
	mx_analyze_run(s->run, &ap);
}

/* What must be the same, one line per fact, into a buffer. */
static void digest(const struct mx_run *run, char *buf, size_t len)
{
	size_t off = 0, i, j, k, v;

#define PUT(...)                                                               \
	do {                                                                   \
		if (off < len)                                                 \
			off += (size_t)snprintf(buf + off, len - off,          \
						__VA_ARGS__);                  \
	} while (0)
	for (i = 0; i < run->ntargets; i++) {
		const struct mx_target *t = &run->targets[i];

		PUT("target %s endpoints %zu\n", t->name, t->nendpoints);
		for (j = 0; j < t->findings.n; j++)
			PUT(" t-finding %s\n", t->findings.v[j].def->id);
		for (j = 0; j < t->nendpoints; j++) {
			const struct mx_endpoint *ep = &t->endpoints[j];
			const struct mx_enum *e = ep->enumr;

			PUT("ep %s %s:%u stop=%s tls=%s %s conns=%zu\n",
			    ep->host, ep->addr, ep->port,
			    mx_stop_name(ep->smtp.stop),
			    ep->tls.version ? ep->tls.version : "-",
			    ep->tls.suite_iana ? ep->tls.suite_iana : "-",
			    ep->nconns);
			for (k = 0; k < ep->findings.n; k++)
				PUT(" finding %s\n", ep->findings.v[k].def->id);
			if (e == NULL)
				continue;
			for (v = 0; v < MX_EV__N; v++) {
				PUT(" %s state=%d order=%d:",
				    mx_enum_ver_name((enum mx_enum_ver)v),
				    e->v[v].state, e->v[v].server_order);
				for (k = 0; k < e->v[v].n; k++)
					PUT(" %04x", e->v[v].suites[k].id);
				PUT("\n");
			}
			PUT(" intolerant=%d\n", e->intolerant);
			for (k = 0; k < e->nclients; k++)
				PUT(" client %s ok=%d confirmed=%d advice=%d/%d\n",
				    e->clients[k].profile, e->clients[k].ok,
				    e->clients[k].confirmed,
				    e->clients[k].advice_openssl_ok,
				    e->clients[k].advice_gnutls_ok);
		}
	}
#undef PUT
}

static void test_together_equals_alone(void **state)
{
	struct slot alone[NSPECS], together[NSPECS];
	struct mx_confirm_client *cc;
	struct event_base *base;
	struct mx_pool *pool;
	static char a[NSPECS][32768], b[NSPECS][32768];
	unsigned *ids;
	size_t ncc, i, j, k, nids = 0, capids = 4096;
	int left;

	(void)state;
	cc = table(&ncc);
	/* Alone: each run on its own loop and pool. */
	for (i = 0; i < NSPECS; i++) {
		memset(&alone[i], 0, sizeof(alone[i]));
		base = event_base_new();
		left = 1;
		start(&alone[i], base, &specs[i], NULL, cc, ncc, &left);
		event_base_dispatch(base);
		finish(&alone[i]);
		event_base_free(base);
		digest(alone[i].run, a[i], sizeof(a[i]));
	}
	/* Together: one loop, one pool for the three runs. */
	base = event_base_new();
	pool = mx_pool_new(base, 2, 16);
	left = (int)NSPECS;
	memset(together, 0, sizeof(together));
	for (i = 0; i < NSPECS; i++)
		start(&together[i], base, &specs[i], pool, cc, ncc, &left);
	event_base_dispatch(base);
	for (i = 0; i < NSPECS; i++) {
		finish(&together[i]);
		digest(together[i].run, b[i], sizeof(b[i]));
		print_message("# run %zu (%s): %zu bytes of facts\n", i,
			      specs[i].target, strlen(b[i]));
		if (strcmp(a[i], b[i]) != 0)
			print_message("# alone:\n%s# together:\n%s", a[i],
				      b[i]);
		assert_string_equal(a[i], b[i]);
	}
	/* One pool: ids unique across the runs, none above what it gave. */
	ids = xcalloc(capids, sizeof(*ids));
	for (i = 0; i < NSPECS; i++)
		for (j = 0; j < together[i].run->ntargets; j++) {
			const struct mx_target *t =
				&together[i].run->targets[j];

			for (k = 0; k < t->nendpoints; k++) {
				size_t c;

				for (c = 0; c < t->endpoints[k].nconns; c++) {
					assert_true(nids < capids);
					ids[nids++] =
						t->endpoints[k].conns[c]->id;
				}
			}
		}
	for (i = 0; i < nids; i++) {
		assert_true(ids[i] >= 1 && ids[i] <= mx_pool_granted(pool));
		for (j = i + 1; j < nids; j++)
			assert_true(ids[i] != ids[j]);
	}
	assert_int_equal(nids, mx_pool_granted(pool));
	print_message("# %zu connections, ids unique across 3 runs\n", nids);
	free(ids);
	for (i = 0; i < NSPECS; i++) {
		mx_run_free(alone[i].run);
		mx_run_free(together[i].run);
	}
	mx_pool_free(pool);
	event_base_free(base);
	free(cc);
}

struct canceller {
	struct slot *s;
	int64_t at;
};

static void cancel_cb(evutil_socket_t fd, short what, void *arg)
{
	struct canceller *c = arg;

	(void)fd;
	(void)what;
	c->at = mx_now_ms();
	mx_engine_cancel(c->s->e);
}

/* A run cancelled in the middle of its enumeration ends within a second,
 * what was not finished is marked, every connection record has ended. */
static void test_cancel(void **state)
{
	static const struct spec sp = {"intolerant.lab.test", 1};
	struct mx_confirm_client *cc;
	struct event_base *base = event_base_new();
	struct timeval tv = {0, 60000};
	struct canceller c;
	struct event *ev;
	struct slot s;
	const struct mx_endpoint *ep;
	size_t ncc, i;
	int64_t ended;
	int left = 1;

	(void)state;
	cc = table(&ncc);
	memset(&s, 0, sizeof(s));
	start(&s, base, &sp, NULL, cc, ncc, &left);
	c.s = &s;
	c.at = 0;
	ev = evtimer_new(base, cancel_cb, &c);
	evtimer_add(ev, &tv);
	event_base_dispatch(base);
	ended = mx_now_ms();
	assert_true(c.at > 0);
	print_message("# done %lld ms after the cancel\n",
		      (long long)(ended - c.at));
	assert_true(ended - c.at < 1000);
	assert_true(mx_engine_cancelled(s.e));
	finish(&s);
	assert_int_equal(s.run->targets[0].nendpoints, 1);
	ep = &s.run->targets[0].endpoints[0];
	/* 60 ms into it the run is past the probe (the lab answers in
	 * milliseconds) and inside the enumeration or clients step. */
	if (ep->enumr != NULL && !ep->enumr->intolerant) {
		assert_true(ep->enumr->incomplete);
		assert_non_null(
			strstr(ep->enumr->incomplete_reason, "cancelled"));
	} else {
		assert_true(ep->smtp.stop == MX_STOP_CANCELLED ||
			    ep->enumr != NULL);
	}
	for (i = 0; i < ep->nconns; i++)
		assert_int_not_equal(ep->conns[i]->how, MX_HOW_NONE);
	print_message("# %zu connections recorded before the cancel\n",
		      ep->nconns);
	event_free(ev);
	mx_run_free(s.run);
	event_base_free(base);
	free(cc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_together_equals_alone),
		cmocka_unit_test(test_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
