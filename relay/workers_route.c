/*
 * workers_route.c - the delivery workers' routing: every recipient of a
 * queued message through the destination table (relay/dest.h), and the
 * split of a message whose recipients go to different destinations into
 * one spool entry per destination (RFC 5321 §3.3).
 *
 * A split is durable before the original goes: every part is put
 * (fsync'ed) first; a failed put removes the parts already written and
 * keeps the original whole (tried again MX_WK_RETRY_S later).  A crash
 * in between delivers twice, never not at all.  See workers_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "relay/workers_int.h"

static const char *rcpt_domain(const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	return at ? at + 1 : "";
}

/* Route every recipient; returns the number of distinct destinations
 * and fills keys[i] (malloc'ed) for each recipient. */
static void route_rcpt(struct mx_workers *w, const char *rcpt,
		       struct mx_route *r, char **key)
{
	mx_route_for(w->p.dests, w->p.smarthost, w->p.policy,
		     w->p.auth_user != NULL, rcpt_domain(rcpt), r);
	*key = xasprintf("%u|%s|%s|%d", r->row ? r->row->line : 0, r->nexthop,
			 mx_tls_policy_name(r->policy), r->auth);
}

static void set_route(struct mx_wk_item *it, const struct mx_route *r,
		      const char *key)
{
	free(it->nexthop);
	free(it->key);
	it->nexthop = xstrdup(r->nexthop);
	it->key = xstrdup(key);
	it->policy = r->policy;
	it->auth = r->auth;
	it->max_conc = r->max_conc;
	it->row = r->row;
	it->state = IT_WAIT;
}

/* Route a new item; split it when its recipients go to more than one
 * destination (the parts replace it). */
void mx_wk_route_item(struct mx_workers *w, struct mx_wk_item *it)
{
	struct mx_envelope env, env2;
	struct mx_spool_diag d;
	struct mx_route r = {0};
	char **keys = NULL, **sub = NULL;
	uint8_t *msg = NULL;
	size_t len = 0, i, j, g = 0, ngroups = 0, nrcpts;
	char(*made)[MX_SPOOL_ID_LEN + 1] = NULL;
	int ok = 1;

	memset(&env, 0, sizeof(env));
	memset(&env2, 0, sizeof(env2));
	memset(&d, 0, sizeof(d));
	if (mx_spool_load(w->p.spool, MX_SPOOL_AREA_QUEUE, it->id, &env, NULL,
			  NULL, &d) != MX_SPOOL_OK) {
		mx_wk_lost(w, it, &d);
		return;
	}
	nrcpts = env.nrcpts;
	it->created = env.created;
	it->attempts = env.attempts;
	it->next = env.next_attempt;
	keys = xcalloc(nrcpts, sizeof(*keys));
	for (i = 0; i < nrcpts; i++) {
		route_rcpt(w, env.rcpts[i], &r, &keys[i]);
		for (j = 0; j < i && strcmp(keys[j], keys[i]) != 0; j++)
			;
		if (j == i)
			ngroups++;
	}
	if (ngroups <= 1) {
		/* r is the route of every recipient */
		set_route(it, &r, keys[0]);
		goto out;
	}
	/* RFC 5321 §3.3 lets a relay deliver one copy per destination: one
	 * spool entry per group, each durable before the original goes. */
	if (mx_spool_load(w->p.spool, MX_SPOOL_AREA_QUEUE, it->id, &env2, &msg,
			  &len, &d) != MX_SPOOL_OK) {
		mx_wk_lost(w, it, &d);
		goto out;
	}
	made = xcalloc(ngroups, sizeof(*made));
	sub = xcalloc(nrcpts, sizeof(*sub));
	for (i = 0; i < nrcpts && ok; i++) {
		struct mx_envelope part = env;
		size_t ns = 0;

		for (j = 0; j < i && strcmp(keys[j], keys[i]) != 0; j++)
			;
		if (j < i)
			continue; /* group already written */
		for (j = i; j < nrcpts; j++)
			if (strcmp(keys[j], keys[i]) == 0)
				sub[ns++] = env.rcpts[j];
		part.rcpts = sub;
		part.nrcpts = ns;
		if (mx_spool_put(w->p.spool, &part, msg, len, made[g], &d) !=
		    MX_SPOOL_OK)
			ok = 0;
		else
			g++;
	}
	if (!ok) {
		struct mx_spool_diag d2;

		/* Undo the parts: the original stays whole. */
		for (i = 0; i < g; i++)
			mx_spool_done(w->p.spool, made[i], &d2);
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s split failed (%s); retrying in %ds", it->id,
			d.text, MX_WK_RETRY_S);
		it->next = mx_wall_now() + MX_WK_RETRY_S;
		it->state = IT_NEW;
		goto out;
	}
	if (mx_spool_done(w->p.spool, it->id, &d) != MX_SPOOL_OK)
		/* Both exist now: delivered twice at worst. */
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s could not be removed after the split: %s",
			it->id, d.text);
	w->stats.split++;
	for (i = 0; i < g; i++) {
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"MID %s split by destination: part MID %s", it->id,
			made[i]);
		mx_wk_item_add(w, made[i], env.created, env.next_attempt,
			       env.attempts);
	}
	mx_wk_item_remove(w, it);
out:
	for (i = 0; keys && i < nrcpts; i++)
		free(keys[i]);
	free(keys);
	free(sub);
	free(made);
	free(msg);
	mx_envelope_clear(&env);
	mx_envelope_clear(&env2);
}
