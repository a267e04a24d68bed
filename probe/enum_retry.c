/*
 * enum_retry.c - re-enumeration without the dropped suite class; see
 * enum_retry.h.
 */
#include "probe/enum_retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/enum.h"

#define GLOBAL_CAP 16

unsigned mx_enum_retry_blocked(const struct mx_enum *e, uint32_t exclude)
{
	uint16_t all[MX_ENUM_MAX_OFFER], kept[MX_ENUM_MAX_OFFER];
	unsigned mask = 0;
	int v;

	if (e == NULL || exclude == 0)
		return 0;
	for (v = 0; v < MX_EV__N; v++) {
		const struct mx_enum_version *ver = &e->v[v];
		size_t na, nk;

		if (ver->state == 1 || !ver->odd_only || ver->refusal == NULL)
			continue;
		na = mx_enum_offer_suites((enum mx_enum_ver)v, all,
					  MX_ENUM_MAX_OFFER);
		nk = mx_enum_offer_suites_without((enum mx_enum_ver)v, exclude,
						  kept, MX_ENUM_MAX_OFFER);
		if (nk > 0 && nk < na)
			mask |= 1u << v;
	}
	return mask;
}

/* Take `r` back out of e->incomplete_reason, where write_version put it
 * as one "; "-separated run. */
static void remove_reason(struct mx_enum *e, const char *r)
{
	char *all = e->incomplete_reason, *p;
	size_t rl, al;

	if (all == NULL || r == NULL || (rl = strlen(r)) == 0)
		return;
	al = strlen(all);
	for (p = strstr(all, r); p != NULL; p = strstr(p + 1, r)) {
		int starts = p == all ||
			     (p - all >= 2 && p[-2] == ';' && p[-1] == ' ');
		int ends = p[rl] == 0 || (p[rl] == ';' && p[rl + 1] == ' ');
		size_t from = (size_t)(p - all), to = from + rl;

		if (!starts || !ends)
			continue;
		if (p[rl] == ';')
			to += 2; /* the separator after */
		else if (from >= 2)
			from -= 2; /* the separator before */
		memmove(all + from, all + to, al - to + 1);
		break;
	}
	if (all[0] == 0) {
		free(e->incomplete_reason);
		e->incomplete_reason = NULL;
	}
}

static void add_reason(struct mx_enum *e, const char *r)
{
	if (r != NULL && r[0] != 0)
		mx_enum_join(&e->incomplete_reason, r);
}

static void merge_groups(struct mx_enum *e, const struct mx_enum *fresh,
			 unsigned taken)
{
	size_t i, j;

	for (i = 0; i < fresh->ngroups; i++) {
		const struct mx_enum_group *g = &fresh->groups[i];
		unsigned vers = g->versions & taken;
		struct mx_enum_group *ng;

		if (vers == 0)
			continue;
		for (j = 0; j < e->ngroups; j++)
			if (e->groups[j].id == g->id)
				break;
		if (j < e->ngroups) {
			e->groups[j].versions |= vers;
			continue;
		}
		ng = mx_enum_add_group(e);
		ng->id = g->id;
		ng->kx_bits = g->kx_bits;
		ng->name = g->name ? xstrdup(g->name) : NULL;
		ng->versions = vers;
	}
}

static void merge_cert_keys(struct mx_enum *e, const struct mx_enum *fresh)
{
	size_t i, j;

	for (i = 0; i < fresh->ncert_keys; i++) {
		for (j = 0; j < e->ncert_keys; j++)
			if (strcmp(e->cert_keys[j], fresh->cert_keys[i]) == 0)
				break;
		if (j < e->ncert_keys)
			continue;
		MX_GROW(e->cert_keys, e->ncert_keys, e->capcert_keys);
		e->cert_keys[e->ncert_keys++] = xstrdup(fresh->cert_keys[i]);
	}
}

/* "AES-GCM suites untested in TLSv1.3, TLSv1.2: the server drops hellos
 * offering them (FIN after ClientHello)" */
static void untested_note(struct mx_enum *e)
{
	char vers[64] = "";
	size_t len = 0;
	int v;

	for (v = MX_EV__N - 1; v >= 0; v--)
		if (e->untested_versions & (1u << v))
			len += (size_t)snprintf(
				vers + len, sizeof(vers) - len, "%s%s",
				len ? ", " : "",
				mx_enum_ver_name((enum mx_enum_ver)v));
	free(e->untested);
	if (e->intolerance_reaction != NULL)
		e->untested = xasprintf(
			"%s untested in %s: the server drops hellos offering "
			"them (%s)",
			e->untested_class, vers, e->intolerance_reaction);
	else
		e->untested = xasprintf("%s untested in %s: the server drops "
					"hellos offering them",
					e->untested_class, vers);
}

unsigned mx_enum_retry_merge(struct mx_enum *e, struct mx_enum *fresh,
			     unsigned ran, const char *what)
{
	unsigned taken = 0;
	int v;

	if (e == NULL || fresh == NULL)
		return 0;
	for (v = 0; v < MX_EV__N; v++) {
		struct mx_enum_version *ov = &e->v[v], *nv = &fresh->v[v];
		size_t conns, gconns;

		if (!(ran & (1u << v)))
			continue;
		conns = ov->connections + nv->connections;
		gconns = ov->group_connections + nv->group_connections;
		if (!(nv->state == 1 || (nv->state == 0 && !nv->odd_only))) {
			/* no better: keep what we had, count the cost */
			ov->connections = conns;
			ov->group_connections = gconns;
			continue;
		}
		remove_reason(e, ov->incomplete_reason);
		mx_enum_version_clear(ov);
		*ov = *nv;
		memset(nv, 0, sizeof(*nv)); /* e owns it now */
		nv->state = -1;
		nv->server_order = -1;
		ov->connections = conns;
		ov->group_connections = gconns;
		add_reason(e, ov->incomplete_reason);
		taken |= 1u << v;
	}
	merge_groups(e, fresh, taken);
	merge_cert_keys(e, fresh);
	e->connections += fresh->connections;
	e->retries += fresh->retries;
	e->ms += fresh->ms;
	if (fresh->per_host_cap > 0 && fresh->per_host_cap < e->per_host_cap)
		e->per_host_cap = fresh->per_host_cap;
	if (fresh->split_hello && !e->split_hello) {
		e->split_hello = 1;
		free(e->split_reason);
		e->split_reason = fresh->split_reason;
		fresh->split_reason = NULL;
	}
	e->incomplete = e->incomplete_reason != NULL;
	if (taken != 0 && what != NULL) {
		if (e->untested_class == NULL)
			e->untested_class = xstrdup(what);
		e->untested_versions |= taken;
		untested_note(e);
	}
	return taken;
}

static void on_done(void *arg, struct mx_enumerator *en)
{
	(void)en;
	event_base_loopexit(arg, NULL);
}

int mx_enum_retry_without(struct mx_endpoint *ep, uint32_t exclude,
			  const char *what,
			  const struct mx_enum_retry_params *p)
{
	struct mx_enum_params ep_p;
	struct event_base *base;
	struct mx_enum_pool *pool;
	struct mx_enumerator *en;
	struct mx_enum *fresh;
	unsigned ran;
	int cap, timeout = p->timeout_ms > 0 ? p->timeout_ms : 10000;
	int rc;

	if (ep == NULL || ep->enumr == NULL)
		return -1;
	ran = mx_enum_retry_blocked(ep->enumr, exclude);
	if (ran == 0)
		return 0;
	if (p->deadline_ms > 0 && mx_now_ms() >= p->deadline_ms)
		return 0;
	base = event_base_new();
	if (base == NULL)
		return -1;
	/* The cap the enumeration ended with (1 after a backoff). */
	cap = ep->enumr->per_host_cap > 0 ? ep->enumr->per_host_cap : 2;
	pool = mx_enum_pool_new(base, cap, GLOBAL_CAP);
	memset(&ep_p, 0, sizeof(ep_p));
	ep_p.host = ep->host;
	ep_p.addr = ep->addr;
	ep_p.port = ep->port;
	ep_p.mode = ep->mode;
	ep_p.helo = p->helo;
	ep_p.step_timeout_ms = timeout;
	/* As mx_enum_endpoints: 20 times the probe's handshake time, at
	 * least 2 s, so silence does not cost the full timeout. */
	ep_p.hello_timeout_ms = timeout;
	if (ep->tls.completed && ep->tls.handshake_ms > 0) {
		int64_t t = ep->tls.handshake_ms * 20;

		if (t < 2000)
			t = 2000;
		if (t < timeout)
			ep_p.hello_timeout_ms = (int)t;
	}
	ep_p.deadline_ms = p->deadline_ms;
	ep_p.versions = ran;
	ep_p.exclude_ciphers = exclude;
	ep_p.log = p->log;
	fresh = mx_enum_new();
	en = mx_enumerator_new(base, pool, &ep_p, fresh, on_done, base);
	mx_enumerator_start(en);
	event_base_dispatch(base);
	mx_enumerator_free(en);
	mx_enum_pool_free(pool);
	event_base_free(base);
	mx_log_msg(p->log, MX_LOG_INFO,
		   "enum %s: %zu connections again without %s", ep->addr,
		   fresh->connections, what ? what : "?");
	rc = (int)mx_enum_retry_merge(ep->enumr, fresh, ran, what);
	mx_enum_free(fresh);
	return rc;
}
