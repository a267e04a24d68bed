/*
 * dns.c - asynchronous DNS with libunbound on the libevent loop; see dns.h.
 *
 * Purpose: MX, A, AAAA, TLSA and TXT lookups that never block the probe,
 * each with its own timeout, status, DNSSEC flag and timing; and
 * mx_resolve_target(), which turns a parsed target into the hosts and
 * endpoints of the result model.
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
 * over the data.  Without one nothing is secure: libunbound sets the AD
 * bit of the answers it hands back from its own validation only and
 * drops the forwarder's, so "trust the resolver's AD bit" cannot be done
 * through libunbound.
 *
 * Status mapping (in this order): libunbound error -> MX_DNS_ERROR (error =
 * ub_strerror); bogus -> BOGUS; rcode NOERROR with data -> OK, without ->
 * NODATA; NXDOMAIN; SERVFAIL; any other rcode -> ERROR (error = its name).
 * An OK answer whose every record fails to decode becomes ERROR
 * ("malformed rdata"); bad records among good ones are counted in
 * nmalformed and skipped.
 *
 * Rdata decoding (mx_dns_rdata_decode) reads only through struct mx_cur:
 * MX (RFC 1035 §3.3.9) u16 preference + a name; A (§3.4.1) exactly 4
 * bytes; AAAA (RFC 3596 §2.2) exactly 16; TLSA (RFC 6698 §2.1) usage,
 * selector, matching type, then at least one byte of data; TXT (RFC 1035
 * §3.3.14) one or more character-strings, concatenated into one string as
 * RFC 7208 §3.3 and RFC 8461 §3.1 read them (a NUL byte makes the record
 * malformed: it could not be a C string).  Names are uncompressed wire
 * format (libunbound expands compression): compression pointers and
 * extended label types (RFC 1035 §4.1.4, RFC 6891 §5) are rejected, as is
 * a name over 255 octets (RFC 1035 §3.1).  Names come out dotted, lower
 * case, without the trailing dot ("" for the root); a label byte other
 * than letter, digit, '-' or '_' is written \xNN, so the text is always
 * clean, and a name with such a byte is never looked up.
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
 * Ownership: an answer passed to a callback is ours and freed after the
 * callback returns.  mx_dns_free() cancels whatever is outstanding; no
 * callback runs after it.  It may be called from inside a callback.
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

#include "common/buf.h"
#include "common/clock.h"
#include "common/cursor.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/target.h"

#define MX_DNS_DEFAULT_TIMEOUT_MS 5000
#define MX_DNS_MAX_MX 32
#define MX_DNS_MAX_ADDRS 16
#define WHY_BOGUS_MAX 512

enum {
	RR_A = 1,
	RR_MX = 15,
	RR_TXT = 16,
	RR_AAAA = 28,
	RR_TLSA = 52,
	CLASS_IN = 1,
};

/* One outstanding query. */
struct dnsq {
	struct mx_dns *dns;
	struct dnsq *prev, *next;
	int async_id;
	int rrtype;
	struct event *timer;
	int64_t started;
	mx_dns_cb cb;
	void *arg;
};

struct rjob;

struct mx_dns {
	struct event_base *base;
	struct ub_ctx *ctx;
	struct event *ev; /* ub_fd readable */
	int ev_added;
	int timeout_ms;
	int validating;
	const struct mx_log *log;
	struct dnsq *queries; /* outstanding */
	size_t nqueries;
	struct rjob *jobs; /* mx_resolve_target in progress */
	int in_process;	   /* inside ub_process() */
	int dying;	   /* freed from inside ub_process() */
};

/* ---- rdata decoding ---------------------------------------------------- */

static int is_name_byte(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/*
 * A wire-format name (RFC 1035 §3.1) to dotted text; see the file comment.
 * Returns a malloc'ed string, or NULL with the cursor's error set.
 */
static char *decode_name(struct mx_cur *c)
{
	struct mx_buf b;
	size_t wire = 0;
	char *out;

	mx_buf_init(&b, 0);
	for (;;) {
		uint8_t len = mx_cur_u8(c);
		const uint8_t *lab;
		size_t i;

		if (!mx_cur_ok(c))
			break;
		wire += 1 + (size_t)len;
		if (wire > 255) { /* RFC 1035 §3.1: 255 octets */
			mx_cur_invalid(c);
			break;
		}
		if (len == 0)
			break;
		if (len & 0xc0) {
			/* 11: compression pointer (RFC 1035 §4.1.4), never
			 * in rdata handed over by libunbound; 01/10:
			 * extended label types (RFC 6891 §5). */
			mx_cur_invalid(c);
			break;
		}
		lab = mx_cur_bytes(c, len);
		if (lab == NULL)
			break;
		if (b.len > 0)
			mx_buf_push_u8(&b, '.');
		for (i = 0; i < len; i++) {
			uint8_t ch = lab[i];

			if (is_name_byte(ch)) {
				if (ch >= 'A' && ch <= 'Z')
					ch = (uint8_t)(ch - 'A' + 'a');
				mx_buf_push_u8(&b, ch);
			} else {
				mx_buf_printf(&b, "\\x%02x", ch);
			}
		}
	}
	if (!mx_cur_ok(c) || b.err) {
		mx_buf_free(&b);
		if (mx_cur_ok(c))
			mx_cur_invalid(c);
		return NULL;
	}
	mx_buf_push(&b, "", 0);
	out = (char *)mx_buf_take(&b, NULL);
	return out ? out : xstrdup("");
}

static int decode_mx(struct mx_dns_answer *a, struct mx_cur *c)
{
	uint16_t pref = mx_cur_u16(c);
	char *name;

	if (!mx_cur_ok(c))
		return -1;
	name = decode_name(c);
	if (name == NULL || !mx_cur_done(c)) {
		free(name);
		return -1;
	}
	a->mx = xreallocarray(a->mx, a->nmx + 1, sizeof(*a->mx));
	a->mx[a->nmx].pref = pref;
	a->mx[a->nmx].name = name;
	a->nmx++;
	return 0;
}

static int decode_addr(struct mx_dns_answer *a, struct mx_cur *c, int af)
{
	size_t n = af == AF_INET ? 4 : 16;
	char text[INET6_ADDRSTRLEN];
	const uint8_t *p;

	if (mx_cur_left(c) != n) /* exactly, nothing trailing */
		return -1;
	p = mx_cur_bytes(c, n);
	if (p == NULL || inet_ntop(af, p, text, sizeof(text)) == NULL)
		return -1;
	a->addrs = xreallocarray(a->addrs, a->naddrs + 1, sizeof(*a->addrs));
	a->addrs[a->naddrs++] = xstrdup(text);
	return 0;
}

static int decode_tlsa(struct mx_dns_answer *a, struct mx_cur *c)
{
	struct mx_dns_tlsa t;
	const uint8_t *p;

	t.usage = mx_cur_u8(c);
	t.selector = mx_cur_u8(c);
	t.mtype = mx_cur_u8(c);
	t.len = mx_cur_left(c);
	if (!mx_cur_ok(c) || t.len == 0)
		return -1;
	p = mx_cur_bytes(c, t.len);
	if (p == NULL || !mx_cur_done(c))
		return -1;
	t.data = xmalloc(t.len);
	memcpy(t.data, p, t.len);
	a->tlsa = xreallocarray(a->tlsa, a->ntlsa + 1, sizeof(*a->tlsa));
	a->tlsa[a->ntlsa++] = t;
	return 0;
}

static int decode_txt(struct mx_dns_answer *a, struct mx_cur *c)
{
	struct mx_buf b;
	char *s;

	if (mx_cur_left(c) == 0) /* at least one character-string */
		return -1;
	mx_buf_init(&b, 0);
	while (mx_cur_left(c) > 0) {
		struct mx_cur sub;
		size_t n;
		const uint8_t *p;

		mx_cur_sub8(c, &sub);
		n = mx_cur_left(&sub);
		p = mx_cur_bytes(&sub, n);
		if (!mx_cur_ok(c) || (n > 0 && p == NULL) ||
		    (n > 0 && memchr(p, 0, n) != NULL)) {
			mx_buf_free(&b);
			return -1;
		}
		if (n > 0)
			mx_buf_push(&b, p, n);
	}
	mx_buf_push(&b, "", 0);
	if (b.err || !mx_cur_done(c)) {
		mx_buf_free(&b);
		return -1;
	}
	s = (char *)mx_buf_take(&b, NULL);
	a->txt = xreallocarray(a->txt, a->ntxt + 1, sizeof(*a->txt));
	a->txt[a->ntxt++] = s ? s : xstrdup("");
	return 0;
}

int mx_dns_rdata_decode(struct mx_dns_answer *ans, int rrtype, const uint8_t *p,
			size_t len)
{
	struct mx_cur c;

	if (p == NULL && len > 0)
		return -1;
	mx_cur_init(&c, p, len);
	switch (rrtype) {
	case RR_MX:
		return decode_mx(ans, &c);
	case RR_A:
		return decode_addr(ans, &c, AF_INET);
	case RR_AAAA:
		return decode_addr(ans, &c, AF_INET6);
	case RR_TLSA:
		return decode_tlsa(ans, &c);
	case RR_TXT:
		return decode_txt(ans, &c);
	default:
		return -1;
	}
}

void mx_dns_answer_clear(struct mx_dns_answer *a)
{
	size_t i;

	for (i = 0; i < a->nmx; i++)
		free(a->mx[i].name);
	free(a->mx);
	for (i = 0; i < a->naddrs; i++)
		free(a->addrs[i]);
	free(a->addrs);
	for (i = 0; i < a->ntlsa; i++)
		free(a->tlsa[i].data);
	free(a->tlsa);
	for (i = 0; i < a->ntxt; i++)
		free(a->txt[i]);
	free(a->txt);
	free(a->why_bogus);
	memset(a, 0, sizeof(*a));
}

/* ---- the context -------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/*
 * "IP", "IP:PORT", "[v6]:PORT", "[v6]" or a bare v6 -> "IP" / "IP@PORT"
 * as ub_ctx_set_fwd() wants.  Returns 0 or -1 with a reason.
 */
static int fwd_spec(const char *res, char *out, size_t outlen, char *err,
		    size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	char *q;
	struct in6_addr a6;
	struct in_addr a4;
	unsigned p = 0;
	size_t hlen;
	int v6;

	if (res[0] == '[') {
		const char *close = strchr(res, ']');

		if (close == NULL)
			goto bad;
		hlen = (size_t)(close - res - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != 0)
			goto bad;
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, res + 1, hlen);
		host[hlen] = 0;
		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto bad;
	} else {
		const char *colon = strchr(res, ':');

		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hlen = (size_t)(colon - res);
			port = colon + 1;
		} else {
			hlen = strlen(res);
		}
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, res, hlen);
		host[hlen] = 0;
		v6 = strchr(host, ':') != NULL;
		if (v6 ? inet_pton(AF_INET6, host, &a6) != 1
		       : inet_pton(AF_INET, host, &a4) != 1)
			goto bad;
	}
	if (port != NULL && parse_port(port, &p) < 0)
		goto bad;
	if (p)
		snprintf(out, outlen, "%s@%u", host, p);
	else
		snprintf(out, outlen, "%s", host);
	return 0;
bad:
	q = mx_escape_str(res, 80);
	set_err(err, errlen,
		"bad resolver '%s' (want IP, IP:PORT or [IPv6]:PORT)", q);
	free(q);
	return -1;
}

static void update_fd_event(struct mx_dns *dns)
{
	if (dns->nqueries > 0 && !dns->ev_added) {
		event_add(dns->ev, NULL);
		dns->ev_added = 1;
	} else if (dns->nqueries == 0 && dns->ev_added) {
		event_del(dns->ev);
		dns->ev_added = 0;
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
	update_fd_event(dns);
}

static void q_free(struct dnsq *q)
{
	if (q->timer)
		event_free(q->timer);
	free(q);
}

static void really_free(struct mx_dns *dns)
{
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
		set_err(err, errlen, "dns: no event base or parameters");
		return NULL;
	}
	dns = xcalloc(1, sizeof(*dns));
	dns->base = base;
	dns->log = p->log;
	dns->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms
					    : MX_DNS_DEFAULT_TIMEOUT_MS;
	dns->ctx = ub_ctx_create();
	if (dns->ctx == NULL) {
		set_err(err, errlen, "dns: cannot create a libunbound context");
		goto fail;
	}
	/* A worker thread, not a forked process: see the file comment. */
	if ((rc = ub_ctx_async(dns->ctx, 1)) != 0) {
		set_err(err, errlen, "dns: async mode: %s", ub_strerror(rc));
		goto fail;
	}
	/* Let the resolver answer for test. (RFC 6761 §6.2). */
	if ((rc = ub_ctx_set_option(dns->ctx,
				    "local-zone:", "test. transparent")) != 0) {
		set_err(err, errlen, "dns: local-zone: %s", ub_strerror(rc));
		goto fail;
	}
	if (p->resolver != NULL && p->resolver[0] != 0) {
		if (fwd_spec(p->resolver, fwd, sizeof(fwd), err, errlen) < 0)
			goto fail;
		if ((rc = ub_ctx_set_fwd(dns->ctx, fwd)) != 0) {
			set_err(err, errlen, "dns: resolver %s: %s", fwd,
				ub_strerror(rc));
			goto fail;
		}
	} else {
		if ((rc = ub_ctx_resolvconf(dns->ctx, NULL)) != 0) {
			set_err(err, errlen, "dns: /etc/resolv.conf: %s",
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

			set_err(err, errlen, "dns: trust anchor %s: %s", q,
				strerror(errno));
			free(q);
			goto fail;
		}
		fclose(f);
		if ((rc = ub_ctx_add_ta_file(dns->ctx, p->trust_anchor)) != 0) {
			set_err(err, errlen, "dns: trust anchor: %s",
				ub_strerror(rc));
			goto fail;
		}
		dns->validating = 1;
	}
	fd = ub_fd(dns->ctx);
	if (fd < 0) {
		set_err(err, errlen, "dns: libunbound gave no descriptor");
		goto fail;
	}
	dns->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, dns);
	if (dns->ev == NULL) {
		set_err(err, errlen, "dns: cannot create the fd event");
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

	a->ms = mx_now_ms() - q->started;
	q_free(q);
	/* q is gone and the dns may be freed by the callback: touch
	 * neither afterwards. */
	cb(arg, a);
	mx_dns_answer_clear(a);
}

static void on_answer(void *arg, int err, struct ub_result *r)
{
	struct dnsq *q = arg;
	struct mx_dns_answer a;

	memset(&a, 0, sizeof(a));
	q_unlink(q);
	fill_answer(&a, q->rrtype, err, r);
	if (r)
		ub_resolve_free(r);
	mx_log_trace(q->dns->log, MX_TRACE_DNS, "dns: answer id %d type %d: %s",
		     q->async_id, q->rrtype, mx_dns_status_name(a.status));
	deliver(q, &a);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct dnsq *q = arg;
	struct mx_dns_answer a;

	(void)fd;
	(void)what;
	memset(&a, 0, sizeof(a));
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

	if (dns == NULL || name == NULL || cb == NULL || dns->dying)
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
	q->next = dns->queries;
	if (q->next)
		q->next->prev = q;
	dns->queries = q;
	dns->nqueries++;
	tv.tv_sec = dns->timeout_ms / 1000;
	tv.tv_usec = (dns->timeout_ms % 1000) * 1000;
	evtimer_add(q->timer, &tv);
	update_fd_event(dns);
	return 0;
}

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

void mx_dns_free(struct mx_dns *dns)
{
	if (dns == NULL || dns->dying)
		return;
	while (dns->queries != NULL) {
		struct dnsq *q = dns->queries;

		ub_cancel(dns->ctx, q->async_id);
		q_unlink(q);
		q_free(q);
	}
	while (dns->jobs != NULL) {
		struct rjob *job = dns->jobs;

		job_unlink(job);
		job_free(job);
	}
	if (dns->in_process) {
		/* Inside ub_process(): the context goes when it returns. */
		dns->dying = 1;
		return;
	}
	really_free(dns);
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
	    dns->dying)
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
