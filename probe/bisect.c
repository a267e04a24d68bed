/*
 * bisect.c - handshake intolerance bisection; see bisect.h.
 *
 * A hello is described by a `struct mx_bisect_spec` (suites, TLS 1.3
 * offer, extension flags, padding; probe/bisect_hello.c builds it); each one is
 * sent on its own connection by the raw engine (probe/rawhello.h) once
 * the run's pool grants a slot; the steps follow one another through
 * completion callbacks on the caller's loop.  Only a complete server
 * flight counts as "works"; an alert, FIN, RST, silence or garbage is a
 * failure of that hello.
 */
#include "probe/bisect.h"

#include "probe/bisect_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/handshakes.h"
#include "probe/rawhello.h"
#include "wire/tls_registry.h"

/* TLS alert protocol_version (RFC 8446 section 6.2). */
#define ALERT_PROTOCOL_VERSION 70

enum phase { PH_FULL = 0, PH_BASE, PH_PART, PH_ADVISE, PH_DONE };

struct mx_bisect {
	struct event_base *base;
	struct mx_pool *pool;
	struct mx_endpoint *ep;
	struct mx_bisect_params p;
	mx_bisect_done_fn done;
	void *arg;
	enum phase ph;
	size_t b, i; /* current base, current part */
	int step;    /* attempts so far: the connection purpose's K */
	int found;   /* part index, -1 none */
	int rc;	     /* 1 intolerant */
	int cancelled;
	struct mx_bisect_spec cur;
	char dropped[64];
	struct mx_pool_wait w;
	int waiting;
	struct mx_rawhello *rh;
	struct mx_connrec *rec; /* the current hello's (the endpoint's) */
	struct mx_buf hello;
	enum mx_raw_reaction full_reaction;
	char full_what[160];
	/* the advice check */
	struct mx_tls_params tp;
	char suites13[128];
	struct mx_hs hs;
	struct mx_hs_batch *hb;
	struct event *ev_done;
};

static void advance(struct mx_bisect *bs, int works,
		    enum mx_raw_reaction reaction, unsigned alert);

static int deadline_passed(const struct mx_bisect *bs)
{
	return bs->p.deadline_ms > 0 && mx_now_ms() >= bs->p.deadline_ms;
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_bisect *bs = arg;

	(void)fd;
	(void)what;
	bs->done(bs->arg, bs->rc); /* may free bs */
}

static void finish(struct mx_bisect *bs)
{
	struct timeval zero = {0, 0};

	if (bs->ph == PH_DONE)
		return;
	bs->ph = PH_DONE;
	event_add(bs->ev_done, &zero);
}

/* The reaction in our words, for the display text. */
static void describe(const struct mx_raw_result *r, char *buf, size_t len)
{
	switch (r->reaction) {
	case MX_RAW_FLIGHT:
		snprintf(buf, len, "ServerHello");
		break;
	case MX_RAW_ALERT:
		snprintf(buf, len, "alert %s (%u) after ClientHello",
			 r->flight && mx_tls_alert_name(r->flight->alert_desc)
				 ? mx_tls_alert_name(r->flight->alert_desc)
				 : "?",
			 r->flight ? r->flight->alert_desc : 0);
		break;
	case MX_RAW_FIN:
		snprintf(buf, len, "FIN after ClientHello");
		break;
	case MX_RAW_RST:
		snprintf(buf, len, "RST after ClientHello");
		break;
	case MX_RAW_TIMEOUT:
		snprintf(buf, len, "no answer after ClientHello (timeout)");
		break;
	case MX_RAW_NOT_TLS:
	case MX_RAW_BROKEN:
		snprintf(buf, len, "%s answer after ClientHello",
			 r->reaction == MX_RAW_NOT_TLS ? "non-TLS" : "broken");
		break;
	case MX_RAW_NOT_SENT:
		snprintf(buf, len, "hello not sent (%s)",
			 mx_stop_name(r->smtp.stop));
		break;
	}
}

static void on_raw_done(void *arg, struct mx_rawhello *rh,
			const struct mx_raw_result *r)
{
	struct mx_bisect *bs = arg;
	enum mx_raw_reaction reaction = r->reaction;
	unsigned alert = 0;

	if (reaction == MX_RAW_ALERT && r->flight != NULL)
		alert = r->flight->alert_desc;
	if (bs->ph == PH_FULL)
		describe(r, bs->full_what, sizeof(bs->full_what));
	mx_rawhello_free(rh);
	bs->rh = NULL;
	mx_pool_release(bs->pool, bs->ep->addr);
	advance(bs, reaction == MX_RAW_FLIGHT, reaction, alert);
}

static void on_grant(void *arg)
{
	struct mx_bisect *bs = arg;
	struct mx_endpoint *ep = bs->ep;
	struct mx_rawhello_params rp;
	struct mx_conn_purpose pu;

	bs->waiting = 0;
	if (bs->cancelled || deadline_passed(bs)) {
		mx_pool_release(bs->pool, ep->addr);
		advance(bs, 0, MX_RAW_NOT_SENT, 0);
		return;
	}
	mx_buf_reset(&bs->hello);
	if (mx_bisect_build(&bs->cur, ep->host, &bs->hello) < 0) {
		mx_pool_release(bs->pool, ep->addr);
		advance(bs, 0, MX_RAW_NOT_SENT, 0);
		return;
	}
	memset(&pu, 0, sizeof(pu));
	pu.kind = MX_CONN_BISECT;
	pu.version = bs->cur.tls13 ? MX_TLS13 : MX_TLS12;
	pu.nsuites = (unsigned)bs->cur.nsuites;
	pu.ngroups = mx_bisect_ngroups();
	pu.step = bs->step++;
	snprintf(pu.dropped, sizeof(pu.dropped), "%s", bs->dropped);
	memset(&rp, 0, sizeof(rp));
	rp.host = ep->host;
	rp.addr = ep->addr;
	rp.port = ep->port;
	rp.mode = ep->mode == MX_MODE_IMPLICIT ? MX_MODE_IMPLICIT
					       : MX_MODE_STARTTLS;
	rp.helo = bs->p.helo;
	rp.hello = bs->hello.p;
	rp.hello_len = bs->hello.len;
	rp.connect_timeout_ms = rp.greeting_timeout_ms = bs->p.timeout_ms;
	rp.command_timeout_ms = rp.hello_timeout_ms = bs->p.timeout_ms;
	rp.deadline_ms = bs->p.deadline_ms;
	rp.log = bs->p.log;
	rp.rec = bs->rec =
		mx_endpoint_conn_new(ep, mx_pool_conn_id(bs->pool), &pu);
	bs->rh = mx_rawhello_new(bs->base, &rp, on_raw_done, bs);
	mx_rawhello_start(bs->rh);
}

/* Send the hello described by bs->cur on its own connection. */
static void try_cur(struct mx_bisect *bs, const char *what)
{
	snprintf(bs->dropped, sizeof(bs->dropped), "%s", what);
	bs->waiting = 1;
	mx_pool_acquire(bs->pool, &bs->w);
}

static void base_spec(struct mx_bisect *bs)
{
	size_t i;

	memset(&bs->cur, 0, sizeof(bs->cur));
	for (i = 0; i < mx_bisect_bases[bs->b].n; i++)
		mx_bisect_add_suite(&bs->cur, mx_bisect_bases[bs->b].s[i]);
}

/* Try part i on top of the base that works, skipping the base's own
 * class; none left: the combination is the trigger. */
static void next_part(struct mx_bisect *bs);

static void on_advice(void *arg)
{
	struct mx_bisect *bs = arg;

	bs->ep->enumr->intolerance_advice_ok = bs->hs.skipped ? -1 : bs->hs.ok;
	mx_tls_clear(&bs->hs.out);
	mx_hs_batch_free(bs->hb);
	bs->hb = NULL;
	finish(bs);
}

/* The advice for the trigger, confirmed by a real OpenSSL handshake. */
static void advise(struct mx_bisect *bs, const struct mx_bisect_part *pt)
{
	struct mx_enum *e = bs->ep->enumr;
	struct mx_tls_params *tp = &bs->hs.tls;
	static const struct {
		uint16_t id;
		const char *name;
	} s13[] = {
		{0x1302, "TLS_AES_256_GCM_SHA384"},
		{0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
		{0x1301, "TLS_AES_128_GCM_SHA256"},
	};
	struct mx_hs_params hp;
	size_t i;
	int tls12_only = pt->kind == MX_BP_TLS13;

	if (pt->advice == NULL || bs->cancelled) {
		finish(bs);
		return;
	}
	memset(&bs->hs, 0, sizeof(bs->hs));
	tp->security_level = -1;
	tp->cipher_list = pt->advice;
	bs->suites13[0] = '\0';
	if (pt->kind == MX_BP_CIPHER) {
		/* TLS 1.3 suites are not in the cipher list: keep only
		 * those outside the trigger's class. */
		size_t len = 0, kept = 0, total = 0;

		for (i = 0; i < sizeof(s13) / sizeof(s13[0]); i++) {
			const struct mx_suite *s = mx_suite_by_id(s13[i].id);

			total++;
			if (s == NULL || mx_bisect_in_class(s, pt->what))
				continue;
			len += (size_t)snprintf(bs->suites13 + len,
						sizeof(bs->suites13) - len,
						"%s%s", kept ? ":" : "",
						s13[i].name);
			kept++;
		}
		if (kept == 0)
			tls12_only = 1;
		else if (kept < total)
			tp->ciphersuites = bs->suites13;
	}
	if (tls12_only)
		tp->max_version = MX_TLS12;
	/* Each setting apart, as a client is configured (pasteable): the
	 * cipher list, the TLS 1.3 suites, the version cap. */
	free(e->intolerance_advice_openssl);
	free(e->intolerance_advice_tls13);
	e->intolerance_advice_openssl = xstrdup(pt->advice);
	e->intolerance_advice_tls13 =
		tp->ciphersuites != NULL ? xstrdup(bs->suites13) : NULL;
	e->intolerance_advice_max_tls12 = tls12_only;
	bs->hs.be = &mx_tls_openssl;
	bs->hs.purpose.kind = MX_CONN_ADVICE;
	bs->hs.purpose.step = -1;
	snprintf(bs->hs.purpose.profile, sizeof(bs->hs.purpose.profile),
		 "intolerance");
	snprintf(bs->hs.purpose.stack, sizeof(bs->hs.purpose.stack), "openssl");
	memset(&hp, 0, sizeof(hp));
	hp.helo = bs->p.helo;
	hp.timeout_ms = bs->p.timeout_ms;
	hp.deadline_ms = bs->p.deadline_ms;
	hp.log = bs->p.log;
	bs->ph = PH_ADVISE;
	bs->hb = mx_hs_batch_new(bs->base, bs->pool, bs->ep, &hp, &bs->hs, 1,
				 on_advice, bs);
	mx_hs_batch_start(bs->hb);
}

/* The bisection has its answer: write the facts. */
static void conclude(struct mx_bisect *bs)
{
	struct mx_enum *e = bs->ep->enumr;
	const struct mx_bisect_part *pt =
		bs->found >= 0 ? &mx_bisect_parts[bs->found] : NULL;

	bs->rc = 1;
	e->intolerant = 1;
	free(e->intolerance_reaction);
	e->intolerance_reaction = xstrdup(bs->full_what);
	free(e->intolerance_trigger);
	e->intolerance_trigger = xstrdup(
		pt ? pt->trigger : "the full hello (no single part alone)");
	memset(&e->trigger, 0, sizeof(e->trigger));
	if (pt == NULL) {
		e->trigger.kind = MX_INTOL_COMBINATION;
	} else {
		switch (pt->kind) {
		case MX_BP_CIPHER:
			e->trigger.kind = MX_INTOL_CIPHER;
			e->trigger.cipher = (int)pt->what;
			break;
		case MX_BP_TLS13:
			e->trigger.kind = MX_INTOL_TLS13;
			break;
		case MX_BP_EXT:
			e->trigger.kind = MX_INTOL_EXTENSION;
			e->trigger.extension = pt->ext_point;
			break;
		case MX_BP_PAD:
			e->trigger.kind = MX_INTOL_SIZE;
			e->trigger.size = pt->what;
			break;
		}
	}
	if (pt != NULL)
		advise(bs, pt);
	else
		finish(bs);
}

static void next_part(struct mx_bisect *bs)
{
	for (; bs->i < mx_bisect_part_count(); bs->i++) {
		const struct mx_bisect_part *pt = &mx_bisect_parts[bs->i];

		if (pt->kind == MX_BP_CIPHER &&
		    pt->what == mx_bisect_bases[bs->b].cipher)
			continue; /* the base has it and works */
		base_spec(bs);
		mx_bisect_add_part(&bs->cur, pt);
		try_cur(bs, pt->trigger);
		return;
	}
	conclude(bs);
}

static void advance(struct mx_bisect *bs, int works,
		    enum mx_raw_reaction reaction, unsigned alert)
{
	if (bs->cancelled) {
		finish(bs);
		return;
	}
	switch (bs->ph) {
	case PH_FULL:
		bs->full_reaction = reaction;
		/* Tolerant, or never got to say hello.  protocol_version is
		 * the server's explicit answer that it shares no version
		 * with this hello (a TLS 1.0/1.1-only server offered TLS 1.3
		 * and 1.2): version negotiation, not intolerance. */
		if (works || reaction == MX_RAW_NOT_SENT ||
		    (reaction == MX_RAW_ALERT &&
		     alert == ALERT_PROTOCOL_VERSION)) {
			finish(bs);
			return;
		}
		bs->ph = PH_BASE;
		bs->b = 0;
		base_spec(bs);
		try_cur(bs, "minimal TLS 1.2 hello");
		return;
	case PH_BASE:
		if (bs->p.precheck) {
			bs->rc = works || reaction == MX_RAW_ALERT ? 2 : 0;
			finish(bs);
			return;
		}
		if (works) {
			bs->ph = PH_PART;
			bs->i = 0;
			next_part(bs);
			return;
		}
		if (++bs->b == mx_bisect_base_count()) {
			finish(bs); /* nothing works: a refusal */
			return;
		}
		base_spec(bs);
		try_cur(bs, "minimal TLS 1.2 hello");
		return;
	case PH_PART:
		if (!works && reaction != MX_RAW_NOT_SENT) {
			bs->found = (int)bs->i;
			conclude(bs);
			return;
		}
		if (deadline_passed(bs)) {
			conclude(bs);
			return;
		}
		bs->i++;
		next_part(bs);
		return;
	case PH_ADVISE:
	case PH_DONE:
		return;
	}
}

struct mx_bisect *mx_bisect_new(struct event_base *base, struct mx_pool *pool,
				struct mx_endpoint *ep,
				const struct mx_bisect_params *p,
				mx_bisect_done_fn done, void *arg)
{
	struct mx_bisect *bs = xcalloc(1, sizeof(*bs));

	bs->base = base;
	bs->pool = pool;
	bs->ep = ep;
	bs->p = *p;
	bs->done = done;
	bs->arg = arg;
	bs->found = -1;
	bs->w.addr = ep->addr;
	bs->w.grant = on_grant;
	bs->w.arg = bs;
	mx_buf_init(&bs->hello, 64 * 1024);
	bs->ev_done = evtimer_new(base, done_cb, bs);
	if (bs->ev_done == NULL)
		mx_fatal(__func__, "evtimer_new");
	return bs;
}

void mx_bisect_start(struct mx_bisect *bs)
{
	if (bs->ep->enumr == NULL) {
		bs->rc = -1;
		finish(bs);
		return;
	}
	if (bs->p.precheck) {
		bs->ph = PH_BASE;
		bs->b = 0;
		base_spec(bs);
		try_cur(bs, "minimal TLS 1.2 hello");
		return;
	}
	bs->ph = PH_FULL;
	memset(&bs->cur, 0, sizeof(bs->cur));
	{
		size_t i;

		for (i = 0; i < mx_bisect_part_count(); i++)
			mx_bisect_add_part(&bs->cur, &mx_bisect_parts[i]);
	}
	try_cur(bs, "");
}

void mx_bisect_cancel(struct mx_bisect *bs, const char *why)
{
	if (bs->cancelled || bs->ph == PH_DONE)
		return;
	bs->cancelled = 1;
	if (bs->waiting) {
		mx_pool_cancel(bs->pool, &bs->w);
		bs->waiting = 0;
		finish(bs);
	} else if (bs->rh != NULL) {
		if (bs->rec != NULL)
			mx_connrec_end(bs->rec, MX_HOW_CANCELLED, -1, 0);
		mx_rawhello_free(bs->rh);
		bs->rh = NULL;
		mx_pool_release(bs->pool, bs->ep->addr);
		finish(bs);
	} else if (bs->hb != NULL) {
		mx_hs_batch_cancel(bs->hb, why);
	}
}

void mx_bisect_free(struct mx_bisect *bs)
{
	if (bs == NULL)
		return;
	if (bs->waiting)
		mx_pool_cancel(bs->pool, &bs->w);
	if (bs->rh != NULL) {
		mx_rawhello_free(bs->rh);
		mx_pool_release(bs->pool, bs->ep->addr);
	}
	if (bs->hb != NULL) {
		mx_hs_batch_free(bs->hb);
		mx_tls_clear(&bs->hs.out);
	}
	mx_buf_free(&bs->hello);
	event_free(bs->ev_done);
	free(bs);
}

uint32_t mx_bisect_class_mask(int cipher)
{
	uint32_t m = UINT32_C(1) << cipher;

	if (cipher == MX_CIPHER_AES_CCM)
		m |= UINT32_C(1) << MX_CIPHER_AES_CCM8;
	return m;
}
