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

struct mx_enum_retry {
	struct mx_endpoint *ep;
	struct mx_enumerator *en;
	struct mx_enum *fresh;
	unsigned ran;
	char *what;
	const struct mx_log *log;
	mx_enum_retry_done_fn done;
	void *arg;
	struct event *ev_done;
	int rc;
};

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_enum_retry *r = arg;

	(void)fd;
	(void)what;
	r->done(r->arg, r->rc); /* may free r */
}

static void on_done(void *arg, struct mx_enumerator *en)
{
	struct mx_enum_retry *r = arg;
	struct timeval zero = {0, 0};

	(void)en;
	mx_log_msg(r->log, MX_LOG_INFO,
		   "enum %s: %zu connections again without %s", r->ep->addr,
		   r->fresh->connections, r->what ? r->what : "?");
	r->rc = (int)mx_enum_retry_merge(r->ep->enumr, r->fresh, r->ran,
					 r->what);
	event_add(r->ev_done, &zero);
}

struct mx_enum_retry *mx_enum_retry_new(struct event_base *base,
					struct mx_pool *pool,
					struct mx_endpoint *ep,
					uint32_t exclude, const char *what,
					const struct mx_enum_retry_params *p,
					mx_enum_retry_done_fn done, void *arg)
{
	struct mx_enum_retry *r = xcalloc(1, sizeof(*r));
	struct mx_enum_params ep_p;
	int timeout = p->timeout_ms > 0 ? p->timeout_ms : 10000;

	r->ep = ep;
	r->what = what ? xstrdup(what) : NULL;
	r->log = p->log;
	r->done = done;
	r->arg = arg;
	r->ev_done = evtimer_new(base, done_cb, r);
	if (r->ev_done == NULL)
		mx_fatal(__func__, "evtimer_new");
	r->ran = ep->enumr ? mx_enum_retry_blocked(ep->enumr, exclude) : 0;
	if (r->ran == 0 ||
	    (p->deadline_ms > 0 && mx_now_ms() >= p->deadline_ms))
		return r; /* nothing to do: start says so */
	memset(&ep_p, 0, sizeof(ep_p));
	ep_p.host = ep->host;
	ep_p.addr = ep->addr;
	ep_p.port = ep->port;
	ep_p.mode = ep->mode;
	ep_p.helo = p->helo;
	ep_p.step_timeout_ms = timeout;
	ep_p.hello_timeout_ms = mx_enum_hello_timeout(ep, timeout);
	ep_p.deadline_ms = p->deadline_ms;
	ep_p.versions = r->ran;
	ep_p.exclude_ciphers = exclude;
	ep_p.record_in = ep;
	ep_p.record_kind = MX_CONN_RETRY;
	ep_p.record_what = r->what;
	ep_p.log = p->log;
	r->fresh = mx_enum_new();
	r->en = mx_enumerator_new(base, pool, &ep_p, r->fresh, on_done, r);
	return r;
}

void mx_enum_retry_start(struct mx_enum_retry *r)
{
	struct timeval zero = {0, 0};

	if (r->en == NULL) {
		event_add(r->ev_done, &zero);
		return;
	}
	mx_enumerator_start(r->en);
}

void mx_enum_retry_cancel(struct mx_enum_retry *r, const char *why)
{
	if (r->en != NULL)
		mx_enumerator_cancel(r->en, why);
}

void mx_enum_retry_free(struct mx_enum_retry *r)
{
	if (r == NULL)
		return;
	mx_enumerator_free(r->en);
	mx_enum_free(r->fresh);
	event_free(r->ev_done);
	free(r->what);
	free(r);
}
