/*
 * dns.c - asynchronous DNS with libunbound on the libevent loop; see dns.h.
 *
 * Purpose: MX, A, AAAA, TLSA and TXT lookups that never block the probe,
 * each with its own timeout, status, DNSSEC flag and timing.  The other
 * pieces of dns.h: dns_rdata.c (decoding the records) and dns_resolve.c
 * (mx_resolve_target: a target to hosts and endpoints); dns_int.h is
 * what they share.
 *
 * How it runs.  The ub_ctx is put in asynchronous mode with a *thread*
 * (ub_ctx_async(ctx, 1)): libunbound resolves in one background thread
 * and writes finished answers to a pipe, whose read end (ub_fd) is a
 * libevent read event here; when it fires we call ub_process(), which runs
 * our answer callback in the loop's thread.  Threads rather than the
 * forked worker (dothread = 0) because a fork copies the whole probe
 * (sockets, pcap handles, the event base) into a child that then exits
 * under AddressSanitizer's leak checker, which reports the parent's heap
 * as the child's leaks; the thread shares our address space, is joined by
 * ub_ctx_delete(), and is clean under ASan/UBSan/LSan.  The fd event is
 * only added while queries are outstanding, so an idle mx_dns never keeps
 * event_base_dispatch() from returning.
 *
 * Timeouts: every query has its own libevent timer (params timeout_ms,
 * default 5000).  When it fires the query is cancelled (ub_cancel: its
 * libunbound callback will not run) and the caller's callback gets
 * MX_DNS_TIMEOUT.  Callbacks always run from the event loop, never inside
 * mx_dns_query() or mx_resolve_target().
 *
 * Resolver: params resolver "IP", "IP:PORT", "[v6]:PORT" (or a bare v6)
 * becomes ub_ctx_set_fwd("IP@PORT"); without one, /etc/resolv.conf and
 * /etc/hosts.  libunbound answers names under "test." itself (RFC 6761
 * §6.2 default local zone); we declare that zone transparent so the
 * resolver is asked, as it is for every other name (the lab is lab.test).
 * ("nodefault" would be the natural setting, but ub_ctx_set_option() keeps
 * the whole "test. nodefault" string as the zone name, so it never
 * matches.)
 *
 * DNSSEC: with a trust anchor file (ub_ctx_add_ta_file) libunbound
 * validates: `secure` is its verdict and a validation failure is
 * MX_DNS_BOGUS with why_bogus (escaped), even when the forwarder handed
 * over the data.  Without one, libunbound cannot say: it sets the AD bit
 * of the answers it hands back from its own validation only and drops
 * the forwarder's.  So then the resolver's AD bit is trusted, as Postfix
 * does with smtp_dns_support_level = dnssec: each query is also asked of
 * the resolver directly (probe/dns_ad.h) and `secure` is that answer's AD
 * bit; the callback waits for both (within the query's timeout, and at
 * most a second after libunbound's answer: an AD answer that does not
 * come in time counts as "not secure").
 *
 * Status mapping (in this order): libunbound error -> MX_DNS_ERROR (error =
 * ub_strerror); bogus -> BOGUS; rcode NOERROR with data -> OK, without ->
 * NODATA; NXDOMAIN; SERVFAIL; any other rcode -> ERROR (error = its name).
 * An OK answer whose every record fails to decode becomes ERROR
 * ("malformed rdata"); bad records among good ones are counted in
 * nmalformed and skipped.
 *
 * Sharing (mx_dns_share): a share is a struct mx_dns of its own (its
 * query list and its resolution jobs) whose `root` is the context: the
 * ub_ctx, the fd event and the AD handle are the context's, and the fd
 * event is on while any handle has a query out (root->nall).  Freeing a
 * share cancels its queries (ub_cancel, the AD half) and jobs only.
 * Freeing the context cancels its own; it is deleted when its last share
 * is gone too (and, inside ub_process(), when that returns).
 *
 * Ownership: an answer passed to a callback is ours and freed after the
 * callback returns.  mx_dns_free() cancels whatever the handle has
 * outstanding; no callback of it runs after it.  It may be called from
 * inside a callback.
 */
#include "probe/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <unbound.h>

#include "common/log.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/dns_ad.h"
#include "probe/dns_int.h"
#include "probe/target.h"

/* ---- the context -------------------------------------------------------- */

/* The context's fd event is on while any handle has a query out. */
static void update_fd_event(struct mx_dns *dns)
{
	struct mx_dns *r = dns->root;

	if (r->nall > 0 && !r->ev_added) {
		event_add(r->ev, NULL);
		r->ev_added = 1;
	} else if (r->nall == 0 && r->ev_added) {
		event_del(r->ev);
		r->ev_added = 0;
	}
}

static void q_unlink(struct dnsq *q)
{
	struct mx_dns *dns = q->dns;

	if (q->prev)
		q->prev->next = q->next;
	else
		dns->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
	dns->nqueries--;
	dns->root->nall--;
	update_fd_event(dns);
}

static void q_free(struct dnsq *q)
{
	if (q->timer)
		event_free(q->timer);
	mx_dns_adq_free(q->adq);
	mx_dns_answer_clear(&q->held);
	free(q);
}

static void really_free(struct mx_dns *dns)
{
	mx_dns_ad_free(dns->ad);
	if (dns->ev)
		event_free(dns->ev);
	if (dns->ctx)
		ub_ctx_delete(dns->ctx); /* joins the worker thread */
	free(dns);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct mx_dns *dns = arg;
	int rc;

	(void)fd;
	(void)what;
	dns->in_process = 1;
	rc = ub_process(dns->ctx);
	dns->in_process = 0;
	if (dns->dying) {
		really_free(dns);
		return;
	}
	if (rc != 0)
		mx_log_msg(dns->log, MX_LOG_WARN, "dns: ub_process: %s",
			   ub_strerror(rc));
}

struct mx_dns *mx_dns_new(struct event_base *base,
			  const struct mx_dns_params *p, char *err,
			  size_t errlen)
{
	struct mx_dns *dns = NULL;
	char fwd[INET6_ADDRSTRLEN + 16];
	int rc, fd;
	FILE *f;

	if (err && errlen)
		err[0] = 0;
	if (base == NULL || p == NULL) {
		mx_set_err(err, errlen, "dns: no event base or parameters");
		return NULL;
	}
	dns = xcalloc(1, sizeof(*dns));
	dns->root = dns;
	dns->base = base;
	dns->log = p->log;
	dns->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms
					    : MX_DNS_DEFAULT_TIMEOUT_MS;
	dns->ctx = ub_ctx_create();
	if (dns->ctx == NULL) {
		mx_set_err(err, errlen,
			   "dns: cannot create a libunbound context");
		goto fail;
	}
	/* A worker thread, not a forked process: see the file comment. */
	if ((rc = ub_ctx_async(dns->ctx, 1)) != 0) {
		mx_set_err(err, errlen, "dns: async mode: %s", ub_strerror(rc));
		goto fail;
	}
	/* Let the resolver answer for test. (RFC 6761 §6.2). */
	if ((rc = ub_ctx_set_option(dns->ctx,
				    "local-zone:", "test. transparent")) != 0) {
		mx_set_err(err, errlen, "dns: local-zone: %s", ub_strerror(rc));
		goto fail;
	}
	if (p->resolver != NULL && p->resolver[0] != 0) {
		if (mx_dns_fwd_spec(p->resolver, fwd, sizeof(fwd), err,
				    errlen) < 0)
			goto fail;
		if ((rc = ub_ctx_set_fwd(dns->ctx, fwd)) != 0) {
			mx_set_err(err, errlen, "dns: resolver %s: %s", fwd,
				   ub_strerror(rc));
			goto fail;
		}
	} else {
		if ((rc = ub_ctx_resolvconf(dns->ctx, NULL)) != 0) {
			mx_set_err(err, errlen, "dns: /etc/resolv.conf: %s",
				   ub_strerror(rc));
			goto fail;
		}
		if ((rc = ub_ctx_hosts(dns->ctx, NULL)) != 0)
			mx_log_msg(dns->log, MX_LOG_WARN,
				   "dns: /etc/hosts not used: %s",
				   ub_strerror(rc));
	}
	if (p->trust_anchor != NULL && p->trust_anchor[0] != 0) {
		/* libunbound reads the file only at the first query; check
		 * now that it is there, so the error comes early. */
		f = fopen(p->trust_anchor, "r");
		if (f == NULL) {
			char *q = mx_escape_str(p->trust_anchor, 200);

			mx_set_err(err, errlen, "dns: trust anchor %s: %s", q,
				   strerror(errno));
			free(q);
			goto fail;
		}
		fclose(f);
		if ((rc = ub_ctx_add_ta_file(dns->ctx, p->trust_anchor)) != 0) {
			mx_set_err(err, errlen, "dns: trust anchor: %s",
				   ub_strerror(rc));
			goto fail;
		}
		dns->validating = 1;
	} else {
		/* the resolver's AD bit (see the file comment); none when
		 * no resolver address is known */
		dns->ad = mx_dns_ad_new(
			p->resolver != NULL && p->resolver[0] != 0 ? fwd : NULL,
			NULL);
	}
	fd = ub_fd(dns->ctx);
	if (fd < 0) {
		mx_set_err(err, errlen, "dns: libunbound gave no descriptor");
		goto fail;
	}
	dns->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, dns);
	if (dns->ev == NULL) {
		mx_set_err(err, errlen, "dns: cannot create the fd event");
		goto fail;
	}
	return dns;
fail:
	really_free(dns);
	return NULL;
}

/* ---- queries ----------------------------------------------------------- */

struct rcode_name {
	int rcode;
	const char *name;
};

static const struct rcode_name rcode_names[] = {
	{1, "FORMERR"}, {4, "NOTIMP"},	{5, "REFUSED"}, {6, "YXDOMAIN"},
	{7, "YXRRSET"}, {8, "NXRRSET"}, {9, "NOTAUTH"}, {10, "NOTZONE"},
};

static const char *rcode_name(int rcode)
{
	size_t i;

	for (i = 0; i < sizeof(rcode_names) / sizeof(rcode_names[0]); i++)
		if (rcode_names[i].rcode == rcode)
			return rcode_names[i].name;
	return "unknown rcode";
}

static void fill_answer(struct mx_dns_answer *a, int rrtype, int err,
			struct ub_result *r)
{
	int i;

	if (err != 0 || r == NULL) {
		a->status = MX_DNS_ERROR;
		a->error = ub_strerror(err);
		return;
	}
	a->secure = r->secure != 0;
	if (r->bogus) {
		a->status = MX_DNS_BOGUS;
		a->why_bogus = mx_escape_str(
			r->why_bogus ? r->why_bogus : "bogus", WHY_BOGUS_MAX);
		return;
	}
	switch (r->rcode) {
	case 0:
		a->status = r->havedata ? MX_DNS_OK : MX_DNS_NODATA;
		break;
	case 2:
		a->status = MX_DNS_SERVFAIL;
		return;
	case 3:
		a->status = MX_DNS_NXDOMAIN;
		return;
	default:
		a->status = MX_DNS_ERROR;
		a->error = rcode_name(r->rcode);
		return;
	}
	if (a->status != MX_DNS_OK || r->data == NULL)
		return;
	for (i = 0; r->data[i] != NULL; i++) {
		size_t len = r->len[i] > 0 ? (size_t)r->len[i] : 0;

		if (mx_dns_rdata_decode(a, rrtype, (const uint8_t *)r->data[i],
					len) < 0)
			a->nmalformed++;
	}
	if (a->nmx + a->naddrs + a->ntlsa + a->ntxt == 0) {
		a->status = MX_DNS_ERROR;
		a->error = "malformed rdata";
	}
}

static void deliver(struct dnsq *q, struct mx_dns_answer *a)
{
	mx_dns_cb cb = q->cb;
	void *arg = q->arg;

	if (a->ms == 0)
		a->ms = mx_now_ms() - q->started;
	q_free(q);
	/* q is gone and the dns may be freed by the callback: touch
	 * neither afterwards. */
	cb(arg, a);
	mx_dns_answer_clear(a);
}

/* How long an AD answer may lag behind libunbound's. */
#define AD_GRACE_MS 1000

/* Both answers are in (or the AD one is given up): deliver the held
 * one with the resolver's AD bit as `secure`. */
static void deliver_held(struct dnsq *q)
{
	struct mx_dns_answer a = q->held;

	memset(&q->held, 0, sizeof(q->held)); /* a owns it now */
	q_unlink(q);
	a.secure = q->ad == 1;
	mx_log_trace(q->dns->log, MX_TRACE_DNS, "dns: id %d: resolver AD %d",
		     q->async_id, q->ad);
	deliver(q, &a);
}

static void on_ad(void *arg, int ad)
{
	struct dnsq *q = arg;

	q->ad = ad;
	mx_dns_adq_free(q->adq);
	q->adq = NULL;
	if (q->main_done)
		deliver_held(q);
}

static void on_answer(void *arg, int err, struct ub_result *r)
{
	struct dnsq *q = arg;
	struct mx_dns_answer a;

	memset(&a, 0, sizeof(a));
	fill_answer(&a, q->rrtype, err, r);
	if (r)
		ub_resolve_free(r);
	mx_log_trace(q->dns->log, MX_TRACE_DNS, "dns: answer id %d type %d: %s",
		     q->async_id, q->rrtype, mx_dns_status_name(a.status));
	if (q->dns->ad != NULL) {
		/* AD mode: wait for the resolver's own answer, at most
		 * AD_GRACE_MS more (libunbound may have answered from
		 * /etc/hosts or its cache, and a resolver that does not
		 * answer must not cost a whole timeout per query) */
		a.ms = mx_now_ms() - q->started;
		q->held = a;
		q->main_done = 1;
		if (q->adq == NULL) {
			deliver_held(q);
		} else if (q->dns->timeout_ms - a.ms > AD_GRACE_MS) {
			struct timeval tv = {AD_GRACE_MS / 1000,
					     (AD_GRACE_MS % 1000) * 1000};

			evtimer_del(q->timer);
			evtimer_add(q->timer, &tv);
		}
		return;
	}
	q_unlink(q);
	deliver(q, &a);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq *q = arg;
	struct mx_dns_answer a;

	(void)fd;
	(void)what;
	memset(&a, 0, sizeof(a));
	if (q->main_done) {
		/* the AD answer did not come: not secure */
		q->ad = 0;
		deliver_held(q);
		return;
	}
	/* Its libunbound callback will not run after this. */
	ub_cancel(q->dns->ctx, q->async_id);
	q_unlink(q);
	a.status = MX_DNS_TIMEOUT;
	a.error = "timeout";
	mx_log_trace(q->dns->log, MX_TRACE_DNS, "dns: timeout id %d",
		     q->async_id);
	deliver(q, &a);
}

int mx_dns_query(struct mx_dns *dns, const char *name, int rrtype, mx_dns_cb cb,
		 void *arg)
{
	struct dnsq *q;
	struct timeval tv;
	int rc;

	if (dns == NULL || name == NULL || cb == NULL || mx_dns_gone(dns))
		return -1;
	q = xcalloc(1, sizeof(*q));
	q->dns = dns;
	q->rrtype = rrtype;
	q->cb = cb;
	q->arg = arg;
	q->started = mx_now_ms();
	q->timer = evtimer_new(dns->base, on_timeout, q);
	if (q->timer == NULL) {
		free(q);
		return -1;
	}
	rc = ub_resolve_async(dns->ctx, name, rrtype, CLASS_IN, q, on_answer,
			      &q->async_id);
	if (rc != 0) {
		mx_log_msg(dns->log, MX_LOG_WARN, "dns: query type %d: %s",
			   rrtype, ub_strerror(rc));
		q_free(q);
		return -1;
	}
	mx_log_trace(dns->log, MX_TRACE_DNS, "dns: query id %d %s type %d",
		     q->async_id, name, rrtype);
	if (dns->ad != NULL) {
		/* the AD-bit cache first (dns_ad.h): a name asked before
		 * within its TTL is not asked again */
		q->ad = mx_dns_ad_cached(dns->ad, name, rrtype);
		if (q->ad < 0)
			q->adq = mx_dns_adq_start(dns->ad, dns->base, name,
						  rrtype, on_ad, q);
		else
			mx_log_trace(dns->log, MX_TRACE_DNS,
				     "dns: id %d: resolver AD %d (cached)",
				     q->async_id, q->ad);
	}
	q->next = dns->queries;
	if (q->next)
		q->next->prev = q;
	dns->queries = q;
	dns->nqueries++;
	dns->root->nall++;
	tv.tv_sec = dns->timeout_ms / 1000;
	tv.tv_usec = (dns->timeout_ms % 1000) * 1000;
	evtimer_add(q->timer, &tv);
	update_fd_event(dns);
	return 0;
}

struct mx_dns *mx_dns_share(struct mx_dns *dns, int timeout_ms)
{
	struct mx_dns *s;

	if (dns == NULL || dns != dns->root || mx_dns_gone(dns))
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->root = dns;
	s->base = dns->base;
	s->ctx = dns->ctx;
	s->timeout_ms = timeout_ms > 0 ? timeout_ms : dns->timeout_ms;
	s->validating = dns->validating;
	s->ad = dns->ad;
	s->log = dns->log;
	dns->shares++;
	return s;
}

/* Cancel what the handle dns has out: its queries (their libunbound
 * and AD halves) and its target resolutions; no callback of theirs runs
 * afterwards. */
static void cancel_own(struct mx_dns *dns)
{
	while (dns->queries != NULL) {
		struct dnsq *q = dns->queries;

		if (!q->main_done)
			ub_cancel(dns->ctx, q->async_id);
		q_unlink(q);
		q_free(q);
	}
	mx_dns_resolve_cancel_all(dns);
}

/* The context goes once it is freed and its last share too; from inside
 * ub_process() only when that returns. */
static void release_root(struct mx_dns *r)
{
	if (!r->freed || r->shares > 0 || r->dying)
		return;
	if (r->in_process) {
		r->dying = 1;
		return;
	}
	really_free(r);
}

void mx_dns_free(struct mx_dns *dns)
{
	struct mx_dns *r;

	if (dns == NULL)
		return;
	r = dns->root;
	if (dns != r) {
		/* a share: its own queries only; the context stays */
		cancel_own(dns);
		free(dns);
		r->shares--;
		release_root(r);
		return;
	}
	if (r->freed || r->dying)
		return;
	cancel_own(r);
	r->freed = 1;
	release_root(r);
}
