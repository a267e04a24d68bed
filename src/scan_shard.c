/*
 * scan_shard.c - `scan --shard I/N`: every target resolved first; the
 * targets that share an address (directly or through others) form one
 * group, and a group is kept when its smallest address hashes to shard
 * I - so no address is probed by two shards, whichever targets name it.
 * Every shard computes the same groups from the same answers.  The
 * cost: every shard resolves every target.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/target.h"
#include "src/scan_int.h"
#include "src/scanlist.h"

struct shard_job {
	struct shard *sh;
	struct mx_run *run;
	size_t idx;
};

struct addr_ref {
	const char *addr;
	size_t idx;
};

struct shard {
	struct scan *s;
	struct mx_dns *dns;
	unsigned char *keep;
	char ***addrs; /* per target, NULL-terminated */
	size_t next, inflight;
	int failed;
};

static void shard_fill(struct shard *sh);

static void on_resolved(void *arg, struct mx_target *t)
{
	struct shard_job *j = arg;
	struct shard *sh = j->sh;
	char **addrs = xcalloc(t->nendpoints + 1, sizeof(*addrs));
	size_t i, n = 0;

	for (i = 0; i < t->nendpoints; i++)
		if (t->endpoints[i].addr)
			addrs[n++] = xstrdup(t->endpoints[i].addr);
	sh->addrs[j->idx] = addrs;
	mx_run_free(j->run);
	free(j);
	sh->inflight--;
	shard_fill(sh);
}

static void shard_fill(struct shard *sh)
{
	struct scan *s = sh->s;

	while (!sh->failed && sh->inflight < (size_t)s->window &&
	       sh->next < s->ntargets) {
		struct shard_job *j = xcalloc(1, sizeof(*j));
		char err[256];

		j->sh = sh;
		j->idx = sh->next++;
		j->run = mx_run_new();
		if (mx_target_parse(s->targets[j->idx],
				    mx_run_add_target(j->run), err,
				    sizeof(err)) < 0 ||
		    mx_resolve_target(sh->dns, &j->run->targets[0], on_resolved,
				      j) < 0) {
			fprintf(stderr, "mxprobe scan: cannot resolve %s\n",
				s->targets[j->idx]);
			mx_run_free(j->run);
			free(j);
			sh->failed = 1;
			break;
		}
		sh->inflight++;
	}
	if (sh->inflight == 0)
		event_base_loopexit(s->base, NULL);
}

static size_t uf_find(size_t *up, size_t i)
{
	while (up[i] != i) {
		up[i] = up[up[i]];
		i = up[i];
	}
	return i;
}

static int cmp_ref(const void *a, const void *b)
{
	const struct addr_ref *x = a, *y = b;

	return strcmp(x->addr, y->addr);
}

/* Group the targets sharing an address; keep a group when its smallest
 * address (a target without one: its spec) hashes to shard I. */
static void shard_decide(struct shard *sh)
{
	struct scan *s = sh->s;
	struct addr_ref *refs = NULL;
	size_t *up = xcalloc(s->ntargets, sizeof(*up));
	const char **min = xcalloc(s->ntargets, sizeof(*min));
	size_t nrefs = 0, cap = 0, i, k;

	for (i = 0; i < s->ntargets; i++) {
		up[i] = i;
		for (k = 0; sh->addrs[i] && sh->addrs[i][k]; k++) {
			MX_GROW(refs, nrefs, cap);
			refs[nrefs].addr = sh->addrs[i][k];
			refs[nrefs++].idx = i;
		}
	}
	if (nrefs > 1)
		qsort(refs, nrefs, sizeof(*refs), cmp_ref);
	for (i = 1; i < nrefs; i++)
		if (strcmp(refs[i].addr, refs[i - 1].addr) == 0)
			up[uf_find(up, refs[i].idx)] =
				uf_find(up, refs[i - 1].idx);
	for (i = 0; i < nrefs; i++) {
		size_t r = uf_find(up, refs[i].idx);

		if (min[r] == NULL || strcmp(refs[i].addr, min[r]) < 0)
			min[r] = refs[i].addr;
	}
	for (i = 0; i < s->ntargets; i++) {
		const char *key = min[uf_find(up, i)];

		if (key == NULL) /* nothing to probe twice: by the spec */
			key = s->targets[i];
		sh->keep[i] = mx_scanlist_shard_of(&key, 1, s->o->shard_n) ==
			      s->o->shard_i;
	}
	free(refs);
	free(up);
	free(min);
}

int mx_scan_shard(struct scan *s)
{
	struct mx_dns_params dp;
	struct shard sh;
	char err[256];
	size_t i, n = 0;

	memset(&dp, 0, sizeof(dp));
	dp.resolver = s->o->resolver;
	dp.trust_anchor = s->o->trust_anchor;
	dp.timeout_ms = s->ep.dns_timeout_ms;
	dp.log = &s->log;
	memset(&sh, 0, sizeof(sh));
	sh.s = s;
	/* the scan's DNS context when there is one: its caches then serve
	 * the probes of the targets kept (src/scan_run.c) */
	sh.dns = s->ep.dns ? mx_dns_share(s->ep.dns, 0)
			   : mx_dns_new(s->base, &dp, err, sizeof(err));
	if (sh.dns == NULL) {
		fprintf(stderr, "mxprobe scan: %s\n", err);
		return -1;
	}
	if (s->ntargets == 0) {
		mx_dns_free(sh.dns);
		return 0;
	}
	sh.keep = xcalloc(s->ntargets, 1);
	sh.addrs = xcalloc(s->ntargets, sizeof(*sh.addrs));
	shard_fill(&sh);
	if (sh.inflight > 0)
		event_base_dispatch(s->base);
	mx_dns_free(sh.dns);
	if (!sh.failed)
		shard_decide(&sh);
	for (i = 0; i < s->ntargets; i++) {
		size_t k;

		for (k = 0; sh.addrs[i] && sh.addrs[i][k]; k++)
			free(sh.addrs[i][k]);
		free(sh.addrs[i]);
	}
	free(sh.addrs);
	for (i = 0; i < s->ntargets; i++) {
		if (sh.keep[i])
			s->targets[n++] = s->targets[i];
		else
			free(s->targets[i]);
	}
	s->ntargets = n;
	free(sh.keep);
	return sh.failed ? -1 : 0;
}
