/*
 * mtasts.c - MTA-STS and TLS-RPT facts of a domain; see mtasts.h.
 *
 * Four DNS queries go out at once (two TXT, A and AAAA of the policy
 * host); once both address answers are in, the HTTPS fetch starts when
 * there is an address (IPv4 first).  `pending` counts what is still out
 * (queries and the fetch); when it reaches zero a zero timer on the loop
 * runs `done`.
 *
 * libcurl on libevent: one multi handle per lookup with one easy handle.
 * The socket callback keeps one persistent event per socket curl wants
 * watched (struct sockev, curl_multi_assign()ed to the socket), the timer
 * callback arms one timer; both events call curl_multi_socket_action()
 * and then read the finished transfer (finish_fetch()), which removes the
 * easy handle at once.
 */
#include "probe/mtasts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/dns_int.h"

enum { Q_TXT, Q_RPT, Q_A, Q_AAAA, Q__N };

struct sq {
	struct mx_sts_lookup *l;
	int which;
};

struct sockev {
	struct mx_sts_lookup *l;
	curl_socket_t fd;
	struct event *ev;
	struct sockev *next;
};

struct mx_sts_lookup {
	struct event_base *base;
	struct mx_sts_params p;
	mx_sts_done_cb done;
	void *arg;
	struct mx_sts f; /* the facts */
	struct sq q[Q__N];
	char *addr[2];		  /* first A, first AAAA */
	enum mx_dns_status st[2]; /* A, AAAA */
	int naddr_answers;
	size_t pending;
	struct event *fire;
	/* the fetch */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *resolve;
	struct event *timer;
	struct sockev *socks;
	struct mx_buf body;
	char errbuf[CURL_ERROR_SIZE];
};

static void step_done(struct mx_sts_lookup *l)
{
	static const struct timeval zero = {0, 0};

	if (l->pending > 0 && --l->pending == 0 && l->fire != NULL)
		evtimer_add(l->fire, &zero);
}

static void on_fire(evutil_socket_t fd, short what, void *arg)
{
	struct mx_sts_lookup *l = arg;

	(void)fd;
	(void)what;
	event_free(l->fire);
	l->fire = NULL;
	l->done(l->arg, l);
}

/* ---- DNS ------------------------------------------------------------------ */

static void keep_txt(struct mx_txt_lookup *t, const struct mx_dns_answer *a)
{
	size_t i;

	t->status = a->status;
	t->secure = a->secure;
	t->ms = a->ms;
	if (a->ntxt == 0)
		return;
	t->v = xcalloc(a->ntxt, sizeof(*t->v));
	for (i = 0; i < a->ntxt; i++) {
		size_t n = strlen(a->txt[i]);

		t->v[i].raw = xmalloc(n + 1);
		memcpy(t->v[i].raw, a->txt[i], n + 1);
		t->v[i].len = n;
		t->v[i].text = mx_escape(a->txt[i], n, 1024);
	}
	t->n = a->ntxt;
}

static void start_fetch(struct mx_sts_lookup *l);

static void on_answer(void *arg, const struct mx_dns_answer *a)
{
	struct sq *q = arg;
	struct mx_sts_lookup *l = q->l;

	switch (q->which) {
	case Q_TXT:
		keep_txt(&l->f.txt, a);
		break;
	case Q_RPT:
		keep_txt(&l->f.rpt, a);
		break;
	default:
		if (a->status == MX_DNS_OK && a->naddrs > 0)
			l->addr[q->which == Q_AAAA] = xstrdup(a->addrs[0]);
		l->st[q->which == Q_AAAA] = a->status;
		if (++l->naddr_answers == 2) {
			/* an address, else the more telling failure */
			l->f.host_status = l->addr[0] || l->addr[1] ? MX_DNS_OK
					   : l->st[0] != MX_DNS_NODATA
						   ? l->st[0]
						   : l->st[1];
			start_fetch(l);
		}
		break;
	}
	step_done(l);
}

/* ---- libcurl on the loop ------------------------------------------------- */

static void finish_fetch(struct mx_sts_lookup *l);

static void on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct mx_sts_lookup *l = arg;
	int running = 0, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(l->multi, fd, action, &running);
	finish_fetch(l);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mx_sts_lookup *l = arg;
	int running = 0;

	(void)fd;
	(void)what;
	curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	finish_fetch(l);
}

static void sockev_drop(struct mx_sts_lookup *l, struct sockev *se)
{
	struct sockev **pp;

	for (pp = &l->socks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == se) {
			*pp = se->next;
			break;
		}
	if (se->ev)
		event_free(se->ev);
	free(se);
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp,
		   void *socketp)
{
	struct mx_sts_lookup *l = userp;
	struct sockev *se = socketp;
	short kind = EV_PERSIST;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (se != NULL) {
			curl_multi_assign(l->multi, s, NULL);
			sockev_drop(l, se);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (se == NULL) {
		se = xcalloc(1, sizeof(*se));
		se->l = l;
		se->fd = s;
		se->next = l->socks;
		l->socks = se;
		curl_multi_assign(l->multi, s, se);
	} else if (se->ev != NULL) {
		event_free(se->ev);
	}
	se->ev = event_new(l->base, s, kind, on_sock, l);
	if (se->ev == NULL || event_add(se->ev, NULL) != 0)
		return -1;
	return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct mx_sts_lookup *l = userp;
	struct timeval tv;

	(void)m;
	if (timeout_ms < 0) {
		evtimer_del(l->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(l->timer, &tv) == 0 ? 0 : -1;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct mx_sts_lookup *l = userp;
	size_t n = size * nmemb;

	if (l->body.len + n > l->p.max_body) {
		l->f.too_large = 1;
		return 0; /* aborts the transfer (CURLE_WRITE_ERROR) */
	}
	mx_buf_push(&l->body, ptr, n);
	return l->body.err ? 0 : n;
}

/* Release the transfer's handles (the sockets close: REMOVE callbacks). */
static void curl_release(struct mx_sts_lookup *l)
{
	if (l->multi != NULL && l->easy != NULL)
		curl_multi_remove_handle(l->multi, l->easy);
	if (l->easy != NULL)
		curl_easy_cleanup(l->easy);
	l->easy = NULL;
	if (l->multi != NULL)
		curl_multi_cleanup(l->multi);
	l->multi = NULL;
	while (l->socks != NULL)
		sockev_drop(l, l->socks);
	if (l->timer != NULL)
		event_free(l->timer);
	l->timer = NULL;
	curl_slist_free_all(l->resolve);
	l->resolve = NULL;
}

static void finish_fetch(struct mx_sts_lookup *l)
{
	CURLMsg *m;
	int left;
	long code = 0;
	char *ct = NULL, *loc = NULL;
	curl_off_t t;

	if (l->multi == NULL)
		return;
	while ((m = curl_multi_info_read(l->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE || m->easy_handle != l->easy)
			continue;
		if (m->data.result == CURLE_FILESIZE_EXCEEDED)
			l->f.too_large = 1; /* Content-Length over the limit */
		if (m->data.result != CURLE_OK)
			l->f.curl_error = mx_escape_str(
				l->errbuf[0]
					? l->errbuf
					: curl_easy_strerror(m->data.result),
				512);
		curl_easy_getinfo(l->easy, CURLINFO_RESPONSE_CODE, &code);
		l->f.http_status = code;
		if (curl_easy_getinfo(l->easy, CURLINFO_CONTENT_TYPE, &ct) ==
			    CURLE_OK &&
		    ct != NULL)
			l->f.content_type = mx_escape_str(ct, 256);
		if (code >= 300 && code < 400 &&
		    curl_easy_getinfo(l->easy, CURLINFO_REDIRECT_URL, &loc) ==
			    CURLE_OK &&
		    loc != NULL)
			l->f.location = mx_escape_str(loc, 512);
		if (curl_easy_getinfo(l->easy, CURLINFO_CONNECT_TIME_T, &t) ==
		    CURLE_OK)
			l->f.connect_ms = (int64_t)(t / 1000);
		if (curl_easy_getinfo(l->easy, CURLINFO_APPCONNECT_TIME_T,
				      &t) == CURLE_OK)
			l->f.tls_ms = (int64_t)(t / 1000);
		if (curl_easy_getinfo(l->easy, CURLINFO_TOTAL_TIME_T, &t) ==
		    CURLE_OK)
			l->f.total_ms = (int64_t)(t / 1000);
		if (!l->body.err && l->body.len > 0) {
			l->f.body_len = l->body.len;
			l->f.body = xmalloc(l->body.len + 1);
			memcpy(l->f.body, l->body.p, l->body.len);
			l->f.body[l->body.len] = 0;
			l->f.policy_text = mx_escape(l->f.body, l->f.body_len,
						     MX_STS_TEXT_CAP);
		}
		curl_release(l);
		step_done(l);
		return;
	}
}

#define SETOPT(h, o, v)                                                        \
	do {                                                                   \
		if (curl_easy_setopt((h), (o), (v)) != CURLE_OK)               \
			goto fail;                                             \
	} while (0)

static void start_fetch(struct mx_sts_lookup *l)
{
	const char *a = l->addr[0] ? l->addr[0] : l->addr[1];
	char res[600];
	int v6 = l->addr[0] == NULL;

	if (a == NULL || l->f.policy_host == NULL)
		return; /* no address: no fetch (host_status says why) */
	l->f.policy_addr = xstrdup(a);
	if (snprintf(res, sizeof(res), v6 ? "%s:%d:[%s]" : "%s:%d:%s",
		     l->f.policy_host, l->p.port, a) >= (int)sizeof(res))
		return;
	l->resolve = curl_slist_append(NULL, res);
	l->multi = curl_multi_init();
	l->easy = curl_easy_init();
	l->timer = evtimer_new(l->base, on_timer, l);
	if (l->resolve == NULL || l->multi == NULL || l->easy == NULL ||
	    l->timer == NULL)
		goto fail;
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
	SETOPT(l->easy, CURLOPT_URL, l->f.policy_url);
	SETOPT(l->easy, CURLOPT_RESOLVE, l->resolve);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(l->easy, CURLOPT_PROTOCOLS_STR, "https");
#else
	SETOPT(l->easy, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SETOPT(l->easy, CURLOPT_PROXY, "");
	SETOPT(l->easy, CURLOPT_NOPROXY, "*");
	SETOPT(l->easy, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(l->easy, CURLOPT_NOSIGNAL, 1L);
	SETOPT(l->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(l->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (l->p.ca_file != NULL)
		SETOPT(l->easy, CURLOPT_CAINFO, l->p.ca_file);
	if (l->p.ca_path != NULL)
		SETOPT(l->easy, CURLOPT_CAPATH, l->p.ca_path);
	SETOPT(l->easy, CURLOPT_CONNECTTIMEOUT_MS,
	       (long)l->p.connect_timeout_ms);
	SETOPT(l->easy, CURLOPT_TIMEOUT_MS, (long)l->p.total_timeout_ms);
	SETOPT(l->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)l->p.max_body);
	SETOPT(l->easy, CURLOPT_USERAGENT, "mxprobe (MTA-STS policy fetch)");
	SETOPT(l->easy, CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(l->easy, CURLOPT_WRITEDATA, l);
	SETOPT(l->easy, CURLOPT_ERRORBUFFER, l->errbuf);
	if (curl_multi_add_handle(l->multi, l->easy) != CURLM_OK)
		goto fail;
	l->f.fetched = 1;
	l->pending++;
	mx_log_msg(l->p.log, MX_LOG_INFO, "mta-sts: fetching %s via %s",
		   l->f.policy_url, a);
	return;
fail:
	l->f.curl_error = xstrdup("could not set up the HTTPS request");
	curl_release(l);
}

/* ---- API ------------------------------------------------------------------ */

static int ask(struct mx_sts_lookup *l, struct mx_dns *dns, int which,
	       const char *name, int rr)
{
	l->q[which].l = l;
	l->q[which].which = which;
	l->pending++;
	if (mx_dns_query(dns, name, rr, on_answer, &l->q[which]) == 0)
		return 0;
	l->pending--;
	return -1;
}

struct mx_sts_lookup *mx_sts_lookup_new(struct event_base *base,
					struct mx_dns *dns, const char *domain,
					const struct mx_sts_params *p,
					mx_sts_done_cb done, void *arg)
{
	static const struct timeval zero = {0, 0};
	struct mx_sts_lookup *l;
	char n[300];
	size_t dl;

	if (base == NULL || domain == NULL || done == NULL)
		return NULL;
	dl = strlen(domain);
	if (dl == 0 || dl > 253 || !mx_is_clean(domain))
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->base = base;
	l->done = done;
	l->arg = arg;
	if (p != NULL)
		l->p = *p;
	if (l->p.connect_timeout_ms <= 0)
		l->p.connect_timeout_ms = 10000;
	if (l->p.total_timeout_ms <= 0)
		l->p.total_timeout_ms = 20000;
	if (l->p.max_body == 0)
		l->p.max_body = MX_STS_MAX_BODY;
	if (l->p.port <= 0)
		l->p.port = 443;
	l->f.max_age = -1;
	mx_buf_init(&l->body, l->p.max_body + 1);
	l->fire = evtimer_new(base, on_fire, l);
	if (l->fire == NULL) {
		free(l);
		return NULL;
	}
	l->f.looked_up = 1;
	snprintf(n, sizeof(n), "_mta-sts.%s", domain);
	l->f.txt.qname = xstrdup(n);
	snprintf(n, sizeof(n), "_smtp._tls.%s", domain);
	l->f.rpt.qname = xstrdup(n);
	snprintf(n, sizeof(n), "mta-sts.%s", domain);
	l->f.policy_host = xstrdup(n);
	if (l->p.port == 443)
		snprintf(n, sizeof(n),
			 "https://mta-sts.%s/.well-known/mta-sts.txt", domain);
	else
		snprintf(n, sizeof(n),
			 "https://mta-sts.%s:%d/.well-known/mta-sts.txt",
			 domain, l->p.port);
	l->f.policy_url = xstrdup(n);
	if (dns != NULL) {
		ask(l, dns, Q_TXT, l->f.txt.qname, RR_TXT);
		ask(l, dns, Q_RPT, l->f.rpt.qname, RR_TXT);
		if (ask(l, dns, Q_A, l->f.policy_host, RR_A) < 0)
			l->naddr_answers++;
		if (ask(l, dns, Q_AAAA, l->f.policy_host, RR_AAAA) < 0)
			l->naddr_answers++;
	}
	if (l->pending == 0)
		evtimer_add(l->fire, &zero);
	return l;
}

void mx_sts_lookup_store(struct mx_sts_lookup *l, struct mx_sts *out)
{
	if (l == NULL || out == NULL)
		return;
	mx_sts_clear(out);
	*out = l->f;
	memset(&l->f, 0, sizeof(l->f));
}

void mx_sts_lookup_free(struct mx_sts_lookup *l)
{
	if (l == NULL)
		return;
	curl_release(l);
	if (l->fire != NULL)
		event_free(l->fire);
	mx_sts_clear(&l->f);
	mx_buf_free(&l->body);
	free(l->addr[0]);
	free(l->addr[1]);
	free(l);
}
