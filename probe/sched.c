/*
 * sched.c - resolve targets and probe endpoints under caps; see sched.h.
 */
#include "probe/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/smtp_client.h"
#include "probe/target.h"

struct job {
	struct sched *s;
	struct mx_target *t;
	size_t ep; /* index into t->endpoints */
	struct mx_smtp_client *client;
	struct mx_tls_params tp;
	int running, finished;
};

struct sched {
	struct event_base *base;
	struct mx_run *run;
	const struct mx_sched_params *p;
	struct mx_dns *dns;
	size_t resolving;  /* targets still resolving */
	struct job **jobs; /* each job stays put: clients point at it */
	size_t njobs, capjobs;
	size_t running;
	size_t done;
	int per_host, global;
};

static void pump(struct sched *s);

static const char *ep_label(const struct mx_endpoint *ep, char *buf, size_t len)
{
	snprintf(buf, len, "%s [%s]:%u", ep->host, ep->addr, ep->port);
	return buf;
}

static size_t running_to(const struct sched *s, const char *addr)
{
	size_t i, n = 0;

	for (i = 0; i < s->njobs; i++) {
		const struct job *j = s->jobs[i];
		if (j->running &&
		    strcmp(j->t->endpoints[j->ep].addr, addr) == 0)
			n++;
	}
	return n;
}

static void job_ready(void *arg, struct mx_smtp_client *c)
{
	(void)arg;
	mx_smtp_client_quit(c);
}

static void job_done(void *arg, struct mx_smtp_client *c)
{
	struct job *j = arg;
	struct sched *s = j->s;
	struct mx_endpoint *ep = &j->t->endpoints[j->ep];
	char lb[300];

	(void)c;
	ep->total_ms = mx_now_ms() - ep->started_ms;
	mx_log_trace(s->p->log, MX_TRACE_SCHED, "done %s in %lld ms: %s",
		     ep_label(ep, lb, sizeof(lb)), (long long)ep->total_ms,
		     mx_stop_name(ep->smtp.stop));
	mx_smtp_client_free(j->client);
	j->client = NULL;
	j->running = 0;
	j->finished = 1;
	s->running--;
	s->done++;
	pump(s);
}

static const struct mx_smtp_client_cbs job_cbs = {
	.ready = job_ready,
	.done = job_done,
};

static void job_start(struct sched *s, struct job *j)
{
	struct mx_endpoint *ep = &j->t->endpoints[j->ep];
	struct mx_smtp_params sp;
	int64_t now = mx_now_ms();

	j->tp = s->p->tls_params;
	/* SNI is the MX host name; never an address (RFC 6066 §3). */
	j->tp.sni = mx_is_ip_literal(ep->host) ? NULL : ep->host;
	memset(&sp, 0, sizeof(sp));
	sp.host = ep->host;
	sp.addr = ep->addr;
	sp.port = ep->port;
	sp.mode = ep->mode;
	sp.helo = s->p->helo;
	sp.starttls = 1;
	sp.require_tls = 0; /* judge, do not enforce */
	sp.handshake_only = s->p->handshake_only;
	sp.tls = s->p->tls;
	sp.tls_params = &j->tp;
	sp.connect_timeout_ms = s->p->step_timeout_ms;
	sp.greeting_timeout_ms = s->p->step_timeout_ms;
	sp.command_timeout_ms = s->p->step_timeout_ms;
	sp.tls_timeout_ms = s->p->step_timeout_ms;
	sp.deadline_ms = s->p->endpoint_deadline_ms > 0
				 ? now + s->p->endpoint_deadline_ms
				 : 0;
	sp.log = s->p->log;
	ep->started_ms = now;
	j->running = 1;
	s->running++;
	j->client = mx_smtp_client_new(s->base, &sp, &ep->smtp, &ep->tls,
				       &job_cbs, j);
	mx_smtp_client_start(j->client);
}

/* Start what the caps allow; stop the loop when everything is done. */
static void pump(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->njobs && s->running < (size_t)s->global; i++) {
		struct job *j = s->jobs[i];

		if (j->running || j->finished)
			continue;
		if (running_to(s, j->t->endpoints[j->ep].addr) >=
		    (size_t)s->per_host)
			continue;
		job_start(s, j);
	}
	if (s->resolving == 0 && s->done == s->njobs)
		event_base_loopexit(s->base, NULL);
}

static void resolved(void *arg, struct mx_target *t)
{
	struct sched *s = arg;
	size_t i;

	mx_log_trace(s->p->log, MX_TRACE_SCHED,
		     "resolved %s: %zu hosts, %zu endpoints", t->name,
		     t->nhosts, t->nendpoints);
	for (i = 0; i < t->nendpoints; i++) {
		struct job *j;

		MX_GROW(s->jobs, s->njobs, s->capjobs);
		j = xcalloc(1, sizeof(*j));
		s->jobs[s->njobs++] = j;
		j->s = s;
		j->t = t;
		j->ep = i;
	}
	s->resolving--;
	pump(s);
}

int mx_probe_run(struct event_base *base, struct mx_run *run,
		 const struct mx_sched_params *p, char *err, size_t errlen)
{
	struct sched s;
	struct mx_dns_params dp;
	size_t i;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.base = base;
	s.run = run;
	s.p = p;
	s.per_host = p->per_host > 0 ? p->per_host : 2;
	s.global = p->global > 0 ? p->global : 16;
	memset(&dp, 0, sizeof(dp));
	dp.resolver = p->resolver;
	dp.trust_anchor = p->trust_anchor;
	dp.timeout_ms = p->dns_timeout_ms;
	dp.log = p->log;
	s.dns = mx_dns_new(base, &dp, err, errlen);
	if (s.dns == NULL)
		return -1;
	s.resolving = run->ntargets;
	for (i = 0; i < run->ntargets; i++) {
		if (mx_resolve_target(s.dns, &run->targets[i], resolved, &s) <
		    0) {
			snprintf(err, errlen, "cannot start DNS for %s",
				 run->targets[i].name);
			goto out;
		}
	}
	if (run->ntargets > 0)
		event_base_dispatch(base);
	rc = 0;
out:
	for (i = 0; i < s.njobs; i++) {
		mx_smtp_client_free(s.jobs[i]->client);
		free(s.jobs[i]);
	}
	free(s.jobs);
	mx_dns_free(s.dns);
	return rc;
}
