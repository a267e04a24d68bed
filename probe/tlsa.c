/*
 * tlsa.c - TLSA lookups for the endpoints of a target; see tlsa.h.
 *
 * Each endpoint gets one struct tq (its query's callback argument); the
 * lookup counts the queries still out and, when the last one answers,
 * applies RFC 7672 §2.2.1 and arms a zero timer on the DNS loop so that
 * `done` always runs from the loop, never from inside
 * mx_tlsa_lookup_new() or a DNS callback that might free the context.
 */
#include "probe/tlsa.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/dns_int.h"
#include "probe/target.h"

struct tq {
	struct mx_tlsa_lookup *l;
	size_t i;
};

struct mx_tlsa_lookup {
	const struct mx_target *t;
	int via_ad;   /* secure means the resolver's AD bit */
	size_t *same; /* endpoint whose query this one shares, or itself */
	mx_tlsa_done_cb done;
	void *arg;
	struct event *fire;
	struct mx_tlsa_result *res; /* one per endpoint */
	struct tq *q;
	size_t n, pending;
};

int mx_tlsa_qname(char *out, size_t len, const char *host, unsigned port)
{
	int n;

	if (len == 0)
		return -1;
	out[0] = '\0';
	if (host == NULL || host[0] == '\0')
		return -1;
	n = snprintf(out, len, "_%u._tcp.%s", port, host);
	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

enum mx_tlsa_state mx_tlsa_state_of(const struct mx_dns_answer *ans)
{
	switch (ans->status) {
	case MX_DNS_OK:
		return ans->secure ? MX_TLSA_USABLE : MX_TLSA_INSECURE;
	case MX_DNS_NODATA:
	case MX_DNS_NXDOMAIN:
		return ans->secure ? MX_TLSA_NONE : MX_TLSA_INSECURE;
	default:
		return MX_TLSA_FAILED;
	}
}

enum mx_tlsa_state mx_tlsa_mx_rule(const struct mx_target *t,
				   enum mx_tlsa_state s)
{
	/* RFC 7672 §2.2.1: an insecure MX lookup voids the TLSA records. */
	if (t->kind == MX_TARGET_DOMAIN && !t->mx_dnssec_secure &&
	    s != MX_TLSA_FAILED)
		return MX_TLSA_INSECURE;
	return s;
}

static void finish(struct mx_tlsa_lookup *l)
{
	static const struct timeval zero = {0, 0};
	size_t i;

	for (i = 0; i < l->n; i++)
		l->res[i].state = mx_tlsa_mx_rule(l->t, l->res[i].state);
	evtimer_add(l->fire, &zero);
}

static void on_fire(evutil_socket_t fd, short what, void *arg)
{
	struct mx_tlsa_lookup *l = arg;

	(void)fd;
	(void)what;
	/* the timer goes now, so the caller may free its loop before the
	 * lookup */
	event_free(l->fire);
	l->fire = NULL;
	l->done(l->arg, l);
}

size_t mx_tlsa_rrs_copy(const struct mx_dns_answer *ans,
			struct mx_tlsa_rr **out)
{
	size_t i, n;

	*out = NULL;
	n = ans->ntlsa > MX_TLSA_MAX_RR ? MX_TLSA_MAX_RR : ans->ntlsa;
	if (n == 0)
		return 0;
	*out = xcalloc(n, sizeof(**out));
	for (i = 0; i < n; i++) {
		uint8_t *d = xmalloc(ans->tlsa[i].len + 1);

		memcpy(d, ans->tlsa[i].data, ans->tlsa[i].len);
		(*out)[i].usage = ans->tlsa[i].usage;
		(*out)[i].selector = ans->tlsa[i].selector;
		(*out)[i].mtype = ans->tlsa[i].mtype;
		(*out)[i].data = d;
		(*out)[i].len = ans->tlsa[i].len;
	}
	return n;
}

static void fill(struct mx_tlsa_result *r, const struct mx_dns_answer *ans)
{
	r->state = mx_tlsa_state_of(ans);
	r->answered = 1;
	r->status = ans->status;
	r->secure = ans->secure;
	r->ms = ans->ms;
	r->nmalformed = ans->nmalformed;
	if (ans->why_bogus != NULL)
		r->why_bogus = xstrdup(ans->why_bogus);
	r->nrr = mx_tlsa_rrs_copy(ans, &r->rr);
}

static void on_answer(void *arg, const struct mx_dns_answer *ans)
{
	struct tq *q = arg;
	struct mx_tlsa_lookup *l = q->l;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->same[i] == q->i)
			fill(&l->res[i], ans);
	if (--l->pending == 0)
		finish(l);
}

/* The first endpoint before i with the same host (case ignored) and
 * port, or i itself. */
static size_t first_same(const struct mx_target *t, size_t i)
{
	const struct mx_endpoint *a = &t->endpoints[i];
	size_t j;

	for (j = 0; j < i; j++) {
		const struct mx_endpoint *b = &t->endpoints[j];

		if (a->host != NULL && b->host != NULL && a->port == b->port &&
		    strcasecmp(a->host, b->host) == 0)
			return j;
	}
	return i;
}

struct mx_tlsa_lookup *mx_tlsa_lookup_new(struct event_base *base,
					  struct mx_dns *dns,
					  const struct mx_target *t,
					  mx_tlsa_done_cb done, void *arg)
{
	struct mx_tlsa_lookup *l;
	char qname[300];
	size_t i;

	if (base == NULL || t == NULL || done == NULL)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->t = t;
	l->done = done;
	l->arg = arg;
	l->n = t->nendpoints;
	l->res = xcalloc(l->n + 1, sizeof(*l->res));
	l->q = xcalloc(l->n + 1, sizeof(*l->q));
	l->same = xcalloc(l->n + 1, sizeof(*l->same));
	l->via_ad = dns != NULL && !dns->validating && dns->ad != NULL;
	l->fire = evtimer_new(base, on_fire, l);
	if (l->fire == NULL) {
		mx_tlsa_lookup_free(l);
		return NULL;
	}
	for (i = 0; dns != NULL && i < l->n; i++) {
		const struct mx_endpoint *ep = &t->endpoints[i];

		l->q[i].l = l;
		l->q[i].i = i;
		l->same[i] = first_same(t, i);
		if (l->same[i] != i)
			continue; /* answered by that endpoint's query */
		/* not looked up for an address literal (no name to ask
		 * about: _25._tcp.192.0.2.1 would go to the resolver for
		 * nothing), when the name does not fit, or when the query
		 * cannot start */
		if (ep->host != NULL && !mx_is_ip_literal(ep->host) &&
		    mx_tlsa_qname(qname, sizeof(qname), ep->host,
				  (unsigned)ep->port) == 0 &&
		    mx_dns_query(dns, qname, RR_TLSA, on_answer, &l->q[i]) == 0)
			l->pending++;
	}
	if (l->pending == 0)
		finish(l);
	return l;
}

const struct mx_tlsa_result *
mx_tlsa_lookup_result(const struct mx_tlsa_lookup *l, size_t i)
{
	return l != NULL && i < l->n ? &l->res[i] : NULL;
}

void mx_tlsa_lookup_free(struct mx_tlsa_lookup *l)
{
	size_t i, j;

	if (l == NULL)
		return;
	if (l->fire)
		event_free(l->fire);
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < l->res[i].nrr; j++)
			free((void *)l->res[i].rr[j].data);
		free(l->res[i].rr);
		free(l->res[i].why_bogus);
	}
	free(l->res);
	free(l->q);
	free(l->same);
	free(l);
}

void mx_tlsa_lookup_store(const struct mx_tlsa_lookup *l, struct mx_target *t)
{
	char qname[300];
	size_t i, j;

	if (l == NULL || t == NULL)
		return;
	for (i = 0; i < t->nendpoints && i < l->n; i++) {
		struct mx_endpoint *ep = &t->endpoints[i];
		const struct mx_tlsa_result *r = &l->res[i];
		struct mx_dane *d = &ep->dane;

		mx_dane_clear(d);
		if (!r->answered || ep->host == NULL ||
		    mx_is_ip_literal(ep->host) ||
		    mx_tlsa_qname(qname, sizeof(qname), ep->host,
				  (unsigned)ep->port) < 0)
			continue;
		d->looked_up = 1;
		d->qname = xstrdup(qname);
		d->status = r->status;
		d->secure = r->secure;
		d->via_ad = l->via_ad;
		/* RFC 7672 section 2.2.1 (finish() applied it to state) */
		d->mx_insecure = t->kind == MX_TARGET_DOMAIN &&
				 !t->mx_dnssec_secure;
		d->why_bogus = r->why_bogus ? xstrdup(r->why_bogus) : NULL;
		d->ms = r->ms;
		d->nmalformed = r->nmalformed;
		if (r->nrr == 0)
			continue;
		d->rr = xcalloc(r->nrr, sizeof(*d->rr));
		for (j = 0; j < r->nrr; j++) {
			d->rr[j].usage = r->rr[j].usage;
			d->rr[j].selector = r->rr[j].selector;
			d->rr[j].mtype = r->rr[j].mtype;
			d->rr[j].data = xmalloc(r->rr[j].len + 1);
			memcpy(d->rr[j].data, r->rr[j].data, r->rr[j].len);
			d->rr[j].len = r->rr[j].len;
		}
		d->nrr = r->nrr;
	}
}
