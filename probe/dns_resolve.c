/*
 * dns_resolve.c - a parsed target to the hosts and endpoints of the
 * result model, through the queries of dns.c; see dns.h.
 *
 * mx_resolve_target (RFC 5321 §5.1): see dns.h.  MX records are sorted by
 * preference, stably (records with equal preference stay in the order the
 * resolver gave: we do not shuffle, so runs are reproducible).  A single
 * MX "0 ." is a null MX (RFC 7505 §3): t->null_mx, no hosts; a "." with
 * another preference or among other MX records is not a null MX: it is
 * skipped and noted in t->dns_error.  NODATA for MX is
 * the implicit MX: the domain itself, preference 0, t->implicit_mx.  The
 * A and AAAA lookups of all hosts run in parallel; endpoints are then laid
 * out host by host in preference order, IPv4 addresses before IPv6 ones.
 * t->dns_ms is the whole resolution's time, host->dns_ms the longer of
 * its A and AAAA lookups; host->dnssec_secure is set when both answers
 * were validated.  Limits: at most MX_DNS_MAX_MX hosts from an MX set and
 * MX_DNS_MAX_ADDRS addresses per family per host (the rest are dropped and
 * noted in t->dns_error).  A host target gets one host entry (preference
 * -1) with its A and AAAA lookups; an address literal gets one host entry
 * named by the address, statuses NOT_ASKED, and one endpoint, with no
 * DNS at all (its callback still comes from the loop, via a zero timer).
 *
 * API: mx_resolve_target() (dns.h); mx_dns_resolve_cancel_all() for
 * mx_dns_free() (dns_int.h).
 * Ownership: a job lives on dns->jobs until its callback has run or
 * mx_dns_free() cancelled it; the target is the caller's and must stay
 * valid until the callback.
 */
#include "probe/dns.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/dns_int.h"
#include "probe/target.h"

/* ---- resolving a target ------------------------------------------------ */

struct rquery {
	struct rjob *job;
	size_t host; /* index into t->hosts */
	int af;
};

struct raddrs {
	char **v4, **v6;
	size_t n4, n6;
	int sec4, sec6;
	int64_t ms4, ms6;
};

struct rjob {
	struct mx_dns *dns;
	struct rjob *prev, *next;
	struct mx_target *t;
	mx_resolve_cb cb;
	void *arg;
	int64_t started;
	size_t pending; /* queries not yet answered */
	struct event *done;
	struct raddrs *addrs; /* one per t->hosts entry */
	struct rquery *rq;    /* two per host: A, AAAA */
	size_t nhosts;
	size_t dropped; /* addresses over the cap */
};

static void job_free(struct rjob *job)
{
	size_t i, k;

	if (job->done)
		event_free(job->done);
	for (i = 0; i < job->nhosts; i++) {
		for (k = 0; k < job->addrs[i].n4; k++)
			free(job->addrs[i].v4[k]);
		for (k = 0; k < job->addrs[i].n6; k++)
			free(job->addrs[i].v6[k]);
		free(job->addrs[i].v4);
		free(job->addrs[i].v6);
	}
	free(job->addrs);
	free(job->rq);
	free(job);
}

static void job_unlink(struct rjob *job)
{
	if (job->prev)
		job->prev->next = job->next;
	else
		job->dns->jobs = job->next;
	if (job->next)
		job->next->prev = job->prev;
	job->prev = job->next = NULL;
}

void mx_dns_resolve_cancel_all(struct mx_dns *dns)
{
	while (dns->jobs != NULL) {
		struct rjob *job = dns->jobs;

		job_unlink(job);
		job_free(job);
	}
}

/* Append a note to t->dns_error ("; "-separated). */
static void note(struct mx_target *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct mx_target *t, const char *fmt, ...)
{
	struct mx_buf b;
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mx_buf_init(&b, 0);
	if (t->dns_error != NULL)
		mx_buf_printf(&b, "%s; ", t->dns_error);
	mx_buf_push_str(&b, line);
	mx_buf_push(&b, "", 0);
	free(t->dns_error);
	t->dns_error = (char *)mx_buf_take(&b, NULL);
}

static void job_done(evutil_socket_t fd, short what, void *arg)
{
	struct rjob *job = arg;
	struct mx_target *t = job->t;
	mx_resolve_cb cb = job->cb;
	void *cbarg = job->arg;
	size_t i, k;

	(void)fd;
	(void)what;
	for (i = 0; i < job->nhosts; i++) {
		struct raddrs *ra = &job->addrs[i];
		struct mx_host *h = &t->hosts[i];

		h->first_ep = t->nendpoints;
		h->nep = ra->n4 + ra->n6;
		h->dns_ms = ra->ms4 > ra->ms6 ? ra->ms4 : ra->ms6;
		h->dnssec_secure = ra->sec4 && ra->sec6;
		for (k = 0; k < ra->n4 + ra->n6; k++) {
			struct mx_endpoint *ep = mx_target_add_endpoint(t);
			int v4 = k < ra->n4;

			ep->host = xstrdup(t->hosts[i].name);
			ep->addr = xstrdup(v4 ? ra->v4[k] : ra->v6[k - ra->n4]);
			ep->family = v4 ? AF_INET : AF_INET6;
			ep->port = t->port;
			ep->mode = t->mode;
			ep->pref = t->hosts[i].pref;
		}
	}
	if (job->dropped > 0)
		note(t, "%zu addresses beyond %d per family and host ignored",
		     job->dropped, MX_DNS_MAX_ADDRS);
	t->dns_ms = mx_now_ms() - job->started;
	job_unlink(job);
	job_free(job);
	cb(cbarg, t);
}

/* One more answer in: when none are left, finish from the loop. */
static void job_settle(struct rjob *job)
{
	static const struct timeval zero = {0, 0};

	if (job->pending == 0)
		evtimer_add(job->done, &zero);
}

static void on_addr(void *arg, const struct mx_dns_answer *ans)
{
	struct rquery *rq = arg;
	struct rjob *job = rq->job;
	struct mx_host *h = &job->t->hosts[rq->host];
	struct raddrs *ra = &job->addrs[rq->host];
	char ***v = rq->af == AF_INET ? &ra->v4 : &ra->v6;
	size_t *n = rq->af == AF_INET ? &ra->n4 : &ra->n6;
	size_t i;

	if (rq->af == AF_INET) {
		h->a_status = ans->status;
		ra->sec4 = ans->secure;
		ra->ms4 = ans->ms;
	} else {
		h->aaaa_status = ans->status;
		ra->sec6 = ans->secure;
		ra->ms6 = ans->ms;
	}
	for (i = 0; i < ans->naddrs; i++) {
		if (*n >= MX_DNS_MAX_ADDRS) {
			job->dropped++;
			continue;
		}
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = xstrdup(ans->addrs[i]);
	}
	job->pending--;
	job_settle(job);
}

/* Start A and AAAA for every host; a lookup that cannot start is ERROR. */
static void job_lookup_hosts(struct rjob *job)
{
	struct mx_target *t = job->t;
	size_t i;

	job->nhosts = t->nhosts;
	job->addrs = xcalloc(t->nhosts ? t->nhosts : 1, sizeof(*job->addrs));
	job->rq = xcalloc(2 * (t->nhosts ? t->nhosts : 1), sizeof(*job->rq));
	for (i = 0; i < t->nhosts; i++) {
		int f;

		for (f = 0; f < 2; f++) {
			struct rquery *rq = &job->rq[2 * i + (size_t)f];
			enum mx_dns_status *st =
				f == 0 ? &t->hosts[i].a_status
				       : &t->hosts[i].aaaa_status;

			rq->job = job;
			rq->host = i;
			rq->af = f == 0 ? AF_INET : AF_INET6;
			/* An escaped (odd) name is never looked up. */
			if (!mx_is_clean(t->hosts[i].name) ||
			    t->hosts[i].name[0] == 0) {
				*st = MX_DNS_ERROR;
				continue;
			}
			if (mx_dns_query(job->dns, t->hosts[i].name,
					 f == 0 ? RR_A : RR_AAAA, on_addr,
					 rq) < 0) {
				*st = MX_DNS_ERROR;
				continue;
			}
			job->pending++;
		}
	}
}

static void add_host(struct mx_target *t, const char *name, int pref)
{
	struct mx_host *h = mx_target_add_host(t);

	h->name = xstrdup(name);
	h->pref = pref;
}

static void on_mx(void *arg, const struct mx_dns_answer *ans)
{
	struct rjob *job = arg;
	struct mx_target *t = job->t;
	size_t *order = NULL, i, j, n = 0, roots = 0;

	t->mx_status = ans->status;
	t->mx_dnssec_secure = ans->secure;
	switch (ans->status) {
	case MX_DNS_OK:
		/* RFC 7505 §3: a null MX is the only MX record. */
		if (ans->nmx == 1 && ans->mx[0].name[0] == 0 &&
		    ans->mx[0].pref == 0) {
			t->null_mx = 1;
			break;
		}
		/* Stable sort by preference (insertion sort on indices). */
		order = xcalloc(ans->nmx, sizeof(*order));
		for (i = 0; i < ans->nmx; i++) {
			if (ans->mx[i].name[0] == 0) {
				roots++;
				continue;
			}
			for (j = n; j > 0 && ans->mx[order[j - 1]].pref >
						     ans->mx[i].pref;
			     j--)
				order[j] = order[j - 1];
			order[j] = i;
			n++;
		}
		if (roots > 0)
			note(t, "MX with the root as exchange ignored (a null "
				"MX is \"0 .\" alone, RFC 7505 3)");
		if (n > MX_DNS_MAX_MX) {
			note(t, "%zu MX records beyond the first %d ignored",
			     n - MX_DNS_MAX_MX, MX_DNS_MAX_MX);
			n = MX_DNS_MAX_MX;
		}
		for (i = 0; i < n; i++)
			add_host(t, ans->mx[order[i]].name,
				 ans->mx[order[i]].pref);
		free(order);
		if (ans->nmalformed > 0)
			note(t, "%zu malformed MX records ignored",
			     ans->nmalformed);
		job_lookup_hosts(job);
		break;
	case MX_DNS_NODATA:
		/* RFC 5321 §5.1: no MX, the domain is its own MX. */
		t->implicit_mx = 1;
		add_host(t, t->name, 0);
		job_lookup_hosts(job);
		break;
	default:
		if (ans->status == MX_DNS_BOGUS)
			note(t, "MX lookup for %s: %s: %s", t->name,
			     mx_dns_status_name(ans->status),
			     ans->why_bogus ? ans->why_bogus : "");
		else if (ans->error != NULL)
			note(t, "MX lookup for %s: %s (%s)", t->name,
			     mx_dns_status_name(ans->status), ans->error);
		else
			note(t, "MX lookup for %s: %s", t->name,
			     mx_dns_status_name(ans->status));
		break;
	}
	job->pending--;
	job_settle(job);
}

int mx_resolve_target(struct mx_dns *dns, struct mx_target *t, mx_resolve_cb cb,
		      void *arg)
{
	static const struct timeval zero = {0, 0};
	struct rjob *job;

	if (dns == NULL || t == NULL || t->name == NULL || cb == NULL ||
	    mx_dns_gone(dns))
		return -1;
	job = xcalloc(1, sizeof(*job));
	job->dns = dns;
	job->t = t;
	job->cb = cb;
	job->arg = arg;
	job->started = mx_now_ms();
	job->done = evtimer_new(dns->base, job_done, job);
	if (job->done == NULL) {
		free(job);
		return -1;
	}
	job->next = dns->jobs;
	if (job->next)
		job->next->prev = job;
	dns->jobs = job;

	if (t->kind == MX_TARGET_HOST && mx_is_ip_literal(t->name)) {
		/* An address: one host, one endpoint, no DNS. */
		struct raddrs *ra;
		int v6 = strchr(t->name, ':') != NULL;

		add_host(t, t->name, -1);
		job->nhosts = 1;
		job->addrs = xcalloc(1, sizeof(*job->addrs));
		ra = &job->addrs[0];
		if (v6) {
			ra->v6 = xcalloc(1, sizeof(*ra->v6));
			ra->v6[ra->n6++] = xstrdup(t->name);
		} else {
			ra->v4 = xcalloc(1, sizeof(*ra->v4));
			ra->v4[ra->n4++] = xstrdup(t->name);
		}
		evtimer_add(job->done, &zero);
		return 0;
	}
	if (t->kind == MX_TARGET_HOST) {
		add_host(t, t->name, -1);
		job_lookup_hosts(job);
		if (job->pending == 0)
			goto fail;
		return 0;
	}
	if (mx_dns_query(dns, t->name, RR_MX, on_mx, job) < 0) {
		t->mx_status = MX_DNS_ERROR;
		goto fail;
	}
	job->pending = 1;
	return 0;
fail:
	note(t, "DNS lookups for %s could not be started", t->name);
	job_unlink(job);
	job_free(job);
	return -1;
}
