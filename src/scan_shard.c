/*
 * scan_shard.c - `scan --shard I/N`: every target resolved first, kept
 * when its smallest MX address hashes to shard I, so no address is
 * probed by two shards.  The cost: every shard resolves every target.
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

struct shard {
	struct scan *s;
	struct mx_dns *dns;
	unsigned char *keep;
	size_t next, inflight;
	int failed;
};

static void shard_fill(struct shard *sh);

static void on_resolved(void *arg, struct mx_target *t)
{
	struct shard_job *j = arg;
	struct shard *sh = j->sh;
	const char **addrs = xcalloc(t->nendpoints + 1, sizeof(*addrs));
	const char *spec = sh->s->todo[j->idx];
	size_t i, n = 0;

	for (i = 0; i < t->nendpoints; i++)
		if (t->endpoints[i].addr)
			addrs[n++] = t->endpoints[i].addr;
	if (n == 0) /* nothing to probe twice: spread by the spec */
		addrs[n++] = spec;
	sh->keep[j->idx] = mx_scanlist_shard_of(addrs, n, sh->s->o->shard_n) ==
			   sh->s->o->shard_i;
	free(addrs);
	mx_run_free(j->run);
	free(j);
	sh->inflight--;
	shard_fill(sh);
}

static void shard_fill(struct shard *sh)
{
	struct scan *s = sh->s;

	while (!sh->failed && sh->inflight < (size_t)s->window &&
	       sh->next < s->ntodo) {
		struct shard_job *j = xcalloc(1, sizeof(*j));
		char err[256];

		j->sh = sh;
		j->idx = sh->next++;
		j->run = mx_run_new();
		if (mx_target_parse(s->todo[j->idx], mx_run_add_target(j->run),
				    err, sizeof(err)) < 0 ||
		    mx_resolve_target(sh->dns, &j->run->targets[0], on_resolved,
				      j) < 0) {
			fprintf(stderr, "mxprobe scan: cannot resolve %s\n",
				s->todo[j->idx]);
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
	sh.dns = mx_dns_new(s->base, &dp, err, sizeof(err));
	if (sh.dns == NULL) {
		fprintf(stderr, "mxprobe scan: %s\n", err);
		return -1;
	}
	if (s->ntodo == 0) {
		mx_dns_free(sh.dns);
		return 0;
	}
	sh.keep = xcalloc(s->ntodo, 1);
	shard_fill(&sh);
	if (sh.inflight > 0)
		event_base_dispatch(s->base);
	mx_dns_free(sh.dns);
	for (i = 0; i < s->ntodo; i++) {
		if (sh.keep[i])
			s->todo[n++] = s->todo[i];
		else
			free(s->todo[i]);
	}
	s->ntodo = n;
	free(sh.keep);
	return sh.failed ? -1 : 0;
}
