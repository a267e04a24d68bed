/*
 * dns_ad.c - one UDP question to the resolver for its AD bit; see
 * dns_ad.h.
 *
 * The query: a 12-octet header (RFC 1035 section 4.1.1) with RD and AD
 * set (RFC 6840 section 5.7: AD in a query asks for AD in the answer),
 * one question, and an OPT record (RFC 6891) with the DO bit (RFC 3225)
 * and a 1232-octet payload size.  The answer is accepted only from the
 * connected resolver address, with our id, QR set, opcode QUERY and our
 * question echoed (names compared without case, RFC 4343); then its AD
 * bit is the verdict.  After the question only the records' owner names
 * (skipped, pointers included), types and TTLs are read, and the SOA's
 * MINIMUM of a negative answer, for how long the verdict may be cached
 * (mx_dns_ad_parse_ttl); the records themselves come from libunbound.
 *
 * On the loop: a `flight` is one question on the wire; each mx_dns_adq
 * for its name and type waits on it.  The answer goes to the cache
 * (dns_adcache.h), then to each waiter (whose callback may free other
 * waiters, or the handle: freed after the delivery).  A flight is
 * dropped with its last waiter: no socket outlives its queries.
 */
#include "probe/dns_ad.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/cursor.h"
#include "common/xalloc.h"
#include "probe/dns_adcache.h"

#define ANSWER_MAX 4096
#define LINE_MAX_RC 512

struct flight;

struct mx_dns_ad {
	struct sockaddr_storage sa;
	socklen_t salen;
	char server[INET6_ADDRSTRLEN + 8];
	struct mx_dns_adcache *cache;
	struct flight *flights; /* questions out */
	int delivering;		/* inside flight_answered() */
	int dying;		/* freed from a callback */
};

/* One question on the wire; every query for it waits on it. */
struct flight {
	struct mx_dns_ad *ad;
	struct flight *prev, *next;
	char name[256];
	int rrtype;
	int fd;
	struct event *ev;
	uint8_t q[MX_DNS_AD_QUERY_MAX];
	size_t qlen;
	struct mx_dns_adq *waiters;
	int delivering; /* answered: off ad->flights, telling its waiters */
};

/* A caller's query: a waiter on a flight. */
struct mx_dns_adq {
	struct flight *f; /* NULL once answered */
	struct mx_dns_adq *prev, *next;
	mx_dns_ad_cb cb;
	void *arg;
};

/* ---- the resolver ------------------------------------------------------ */

static int set_addr(struct mx_dns_ad *ad, const char *ip, unsigned port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ad->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ad->sa;

	memset(&ad->sa, 0, sizeof(ad->sa));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		ad->salen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		ad->salen = sizeof(*s6);
	} else {
		return -1;
	}
	snprintf(ad->server, sizeof(ad->server), "%s@%u", ip, port);
	return 0;
}

/* "IP" or "IP@PORT" */
static int parse_fwd(struct mx_dns_ad *ad, const char *fwd)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *at = strchr(fwd, '@');
	size_t n = at ? (size_t)(at - fwd) : strlen(fwd);
	unsigned long port = 53;

	if (n == 0 || n >= sizeof(ip))
		return -1;
	memcpy(ip, fwd, n);
	ip[n] = '\0';
	if (at != NULL) {
		char *end = NULL;

		errno = 0;
		port = strtoul(at + 1, &end, 10);
		if (errno || end == at + 1 || *end != '\0' || port == 0 ||
		    port > 65535)
			return -1;
	}
	return set_addr(ad, ip, (unsigned)port);
}

/* The first usable "nameserver ADDR" line of a resolv.conf. */
static int parse_resolv_conf(struct mx_dns_ad *ad, const char *path)
{
	char line[LINE_MAX_RC];
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (f == NULL)
		return -1;
	while (rc < 0 && fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *e;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "nameserver", 10) != 0 ||
		    (p[10] != ' ' && p[10] != '\t'))
			continue;
		p += 10;
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e && *e != ' ' && *e != '\t' && *e != '\n' &&
			    *e != '\r' && *e != '#' && *e != ';';
		     e++)
			;
		*e = '\0';
		/* a scoped IPv6 address (fe80::1%eth0) is not for us */
		if (*p && strchr(p, '%') == NULL)
			rc = set_addr(ad, p, 53);
	}
	fclose(f);
	return rc;
}

struct mx_dns_ad *mx_dns_ad_new(const char *fwd, const char *resolv_conf)
{
	struct mx_dns_ad *ad = xcalloc(1, sizeof(*ad));
	int rc;

	if (fwd != NULL && fwd[0] != '\0')
		rc = parse_fwd(ad, fwd);
	else
		rc = parse_resolv_conf(ad, resolv_conf ? resolv_conf
						       : "/etc/resolv.conf");
	if (rc < 0) {
		free(ad);
		return NULL;
	}
	ad->cache = mx_dns_adcache_new(0);
	return ad;
}

const char *mx_dns_ad_server(const struct mx_dns_ad *ad)
{
	return ad ? ad->server : "";
}

/* ---- the query, pure ------------------------------------------------- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int mx_dns_ad_build(uint8_t *out, size_t outlen, uint16_t id, const char *name,
		    int rrtype)
{
	/* header 12, name <= 255, type and class 4, OPT 11 */
	size_t nlen, i, at, label;

	if (name == NULL || rrtype < 0 || rrtype > 65535)
		return -1;
	nlen = strlen(name);
	if (nlen > 0 && name[nlen - 1] == '.')
		nlen--;
	if (nlen == 0 || nlen > 253 || outlen < 12 + nlen + 2 + 4 + 11)
		return -1;
	memset(out, 0, 12);
	put16(out, id);
	out[2] = 0x01; /* RD */
	out[3] = 0x20; /* AD */
	put16(out + 4, 1);
	put16(out + 10, 1);
	at = 12;
	label = at++;
	for (i = 0; i <= nlen; i++) {
		if (i == nlen || name[i] == '.') {
			size_t ll = at - label - 1;

			if (ll == 0 || ll > 63)
				return -1;
			out[label] = (uint8_t)ll;
			label = at++;
			continue;
		}
		out[at++] = (uint8_t)name[i];
	}
	out[label] = 0; /* the root label */
	put16(out + at, (unsigned)rrtype);
	put16(out + at + 2, 1); /* IN */
	at += 4;
	/* OPT: root name, type 41, payload 1232, ext-rcode 0, version 0,
	 * flags DO, no options */
	out[at++] = 0;
	put16(out + at, 41);
	put16(out + at + 2, 1232);
	out[at + 4] = 0;
	out[at + 5] = 0;
	put16(out + at + 6, 0x8000);
	put16(out + at + 8, 0);
	at += 10;
	return (int)at;
}

/* Skip a (possibly compressed) owner name. */
static void skip_name(struct mx_cur *c)
{
	int i;

	for (i = 0; i < 128 && mx_cur_ok(c); i++) {
		uint8_t l = mx_cur_u8(c);

		if (l == 0)
			return;
		if ((l & 0xc0) == 0xc0) {
			mx_cur_skip(c, 1); /* a pointer ends the name */
			return;
		}
		if ((l & 0xc0) != 0) {
			mx_cur_invalid(c);
			return;
		}
		mx_cur_skip(c, l);
	}
	mx_cur_invalid(c);
}

/*
 * How long the answer may be kept (RFC 2308 section 5): the lowest TTL
 * of the answer records; for NXDOMAIN or NODATA the lower of the SOA's
 * TTL and MINIMUM in the authority section; 0 when it must not be kept
 * (truncated, another rcode, a negative answer without SOA, records
 * that do not parse).  c is just past the question.
 */
static uint32_t answer_ttl(struct mx_cur *c, unsigned rcode, int tc,
			   uint16_t an, uint16_t ns, int *negative)
{
	uint32_t best = UINT32_MAX;
	unsigned i;

	*negative = rcode == 3 || (rcode == 0 && an == 0);
	if (tc || (rcode != 0 && rcode != 3))
		return 0;
	for (i = 0; i < (unsigned)an + (*negative ? ns : 0); i++) {
		struct mx_cur rd;
		uint16_t type;
		uint32_t ttl;

		skip_name(c);
		type = mx_cur_u16(c);
		mx_cur_skip(c, 2); /* class */
		ttl = mx_cur_u32(c);
		mx_cur_sub16(c, &rd);
		if (!mx_cur_ok(c))
			return 0;
		if (ttl > 0x7fffffffu) /* RFC 2181 section 8: as 0 */
			ttl = 0;
		if (i < an) {
			if (ttl < best)
				best = ttl;
		} else if (type == 6) {
			/* SOA: MNAME RNAME SERIAL REFRESH RETRY EXPIRE
			 * MINIMUM (RFC 1035 section 3.3.13) */
			uint32_t min;

			skip_name(&rd);
			skip_name(&rd);
			mx_cur_skip(&rd, 16);
			min = mx_cur_u32(&rd);
			if (!mx_cur_ok(&rd))
				return 0;
			if (min < ttl)
				ttl = min;
			if (ttl < best)
				best = ttl;
		}
	}
	return best == UINT32_MAX ? 0 : best;
}

int mx_dns_ad_parse_ttl(const uint8_t *p, size_t len, const uint8_t *q,
			size_t qlen, uint32_t *ttl, int *negative)
{
	struct mx_cur c, qc;
	uint16_t id, qid, qd, an, ns;
	uint8_t f1, f2;
	const uint8_t *a, *b;
	size_t n;

	if (ttl != NULL)
		*ttl = 0;
	if (negative != NULL)
		*negative = 0;
	if (p == NULL || q == NULL || qlen < 12)
		return -1;
	mx_cur_init(&c, p, len);
	mx_cur_init(&qc, q, qlen);
	id = mx_cur_u16(&c);
	qid = mx_cur_u16(&qc);
	f1 = mx_cur_u8(&c);
	f2 = mx_cur_u8(&c);
	qd = mx_cur_u16(&c);
	an = mx_cur_u16(&c);
	ns = mx_cur_u16(&c);
	mx_cur_skip(&c, 2); /* AR count: not read */
	mx_cur_skip(&qc, 10);
	if (!mx_cur_ok(&c) || !mx_cur_ok(&qc))
		return -1;
	/* QR, opcode 0, our id, one question */
	if (id != qid || (f1 & 0x80) == 0 || (f1 & 0x78) != 0 || qd != 1)
		return -1;
	/* the question: labels then type and class, as we sent them */
	for (;;) {
		uint8_t l = mx_cur_u8(&c), ql = mx_cur_u8(&qc);

		if (!mx_cur_ok(&c) || !mx_cur_ok(&qc) || l != ql || l > 63)
			return -1;
		if (l == 0)
			break;
		a = mx_cur_bytes(&c, l);
		b = mx_cur_bytes(&qc, l);
		if (a == NULL || b == NULL)
			return -1;
		for (n = 0; n < l; n++) {
			uint8_t x = a[n], y = b[n];

			if (x >= 'A' && x <= 'Z')
				x = (uint8_t)(x + 32);
			if (y >= 'A' && y <= 'Z')
				y = (uint8_t)(y + 32);
			if (x != y)
				return -1;
		}
	}
	a = mx_cur_bytes(&c, 4);
	b = mx_cur_bytes(&qc, 4);
	if (a == NULL || b == NULL || memcmp(a, b, 4) != 0)
		return -1;
	if (ttl != NULL && negative != NULL)
		*ttl = answer_ttl(&c, f2 & 0x0f, (f1 & 0x02) != 0, an, ns,
				  negative);
	return (f2 & 0x20) != 0;
}

int mx_dns_ad_parse(const uint8_t *p, size_t len, const uint8_t *q, size_t qlen)
{
	return mx_dns_ad_parse_ttl(p, len, q, qlen, NULL, NULL);
}

/* ---- the query on the loop -------------------------------------------- */

static uint16_t new_id(void)
{
	uint16_t id = 0;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = (uint16_t)(mx_now_ms() * 2654435761u);
	return id;
}

int mx_dns_ad_cached(struct mx_dns_ad *ad, const char *name, int rrtype)
{
	return ad ? mx_dns_adcache_get(ad->cache, name, rrtype, mx_now_ms())
		  : -1;
}

static void waiter_unlink(struct mx_dns_adq *w)
{
	struct flight *f = w->f;

	if (w->prev)
		w->prev->next = w->next;
	else
		f->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->f = NULL;
}

/* Its network half: the socket and its event; and f itself if `all`. */
static void flight_close(struct flight *f, int all)
{
	if (f->ev != NULL)
		event_free(f->ev);
	f->ev = NULL;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (all)
		free(f);
}

static void flight_unlink(struct flight *f)
{
	struct mx_dns_ad *ad = f->ad;

	if (f->prev)
		f->prev->next = f->next;
	else
		ad->flights = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->prev = f->next = NULL;
}

static void ad_really_free(struct mx_dns_ad *ad)
{
	while (ad->flights != NULL) {
		struct flight *f = ad->flights;

		while (f->waiters != NULL)
			waiter_unlink(f->waiters);
		flight_unlink(f);
		flight_close(f, 1);
	}
	mx_dns_adcache_free(ad->cache);
	free(ad);
}

void mx_dns_ad_free(struct mx_dns_ad *ad)
{
	if (ad == NULL)
		return;
	if (ad->delivering > 0) {
		ad->dying = 1; /* from a callback: after the delivery */
		return;
	}
	ad_really_free(ad);
}

/* The answer is in: cache it, then tell every waiter (a callback may
 * free other waiters, or the whole handle). */
static void flight_answered(struct flight *f, int adbit, uint32_t ttl,
			    int negative)
{
	struct mx_dns_ad *ad = f->ad;
	struct mx_dns_adq *w;

	mx_dns_adcache_put(ad->cache, f->name, f->rrtype, adbit, ttl, negative,
			   mx_now_ms());
	flight_unlink(f);
	flight_close(f, 0);
	f->delivering = 1;
	ad->delivering++;
	while ((w = f->waiters) != NULL && !ad->dying) {
		waiter_unlink(w);
		w->cb(w->arg, adbit);
	}
	while (f->waiters != NULL)
		waiter_unlink(f->waiters);
	free(f);
	ad->delivering--;
	if (ad->dying && ad->delivering == 0)
		ad_really_free(ad);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct flight *f = arg;
	uint8_t buf[ANSWER_MAX];
	uint32_t ttl = 0;
	int negative = 0;
	ssize_t n;
	int adbit;

	(void)what;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return; /* ICMP refusal or nothing: the caller's timer decides */
	adbit = mx_dns_ad_parse_ttl(buf, (size_t)n, f->q, f->qlen, &ttl,
				    &negative);
	if (adbit < 0)
		return; /* not our answer: keep listening */
	flight_answered(f, adbit, ttl, negative);
}

static struct flight *flight_find(struct mx_dns_ad *ad, const char *name,
				  int rrtype)
{
	struct flight *f;

	for (f = ad->flights; f != NULL; f = f->next)
		if (f->rrtype == rrtype && strcasecmp(f->name, name) == 0)
			return f;
	return NULL;
}

static struct flight *flight_start(struct mx_dns_ad *ad,
				   struct event_base *base, const char *name,
				   int rrtype)
{
	struct flight *f;
	int len;

	if (strlen(name) >= sizeof(f->name))
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->fd = -1;
	f->ad = ad;
	f->rrtype = rrtype;
	memcpy(f->name, name, strlen(name) + 1);
	len = mx_dns_ad_build(f->q, sizeof(f->q), new_id(), name, rrtype);
	if (len < 0)
		goto fail;
	f->qlen = (size_t)len;
	f->fd = socket(ad->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (f->fd < 0 || evutil_make_socket_nonblocking(f->fd) < 0 ||
	    connect(f->fd, (struct sockaddr *)&ad->sa, ad->salen) < 0 ||
	    send(f->fd, f->q, f->qlen, 0) != (ssize_t)f->qlen)
		goto fail;
	f->ev = event_new(base, f->fd, EV_READ | EV_PERSIST, on_read, f);
	if (f->ev == NULL || event_add(f->ev, NULL) < 0)
		goto fail;
	f->next = ad->flights;
	if (f->next)
		f->next->prev = f;
	ad->flights = f;
	return f;
fail:
	flight_close(f, 1);
	return NULL;
}

struct mx_dns_adq *mx_dns_adq_start(struct mx_dns_ad *ad,
				    struct event_base *base, const char *name,
				    int rrtype, mx_dns_ad_cb cb, void *arg)
{
	struct mx_dns_adq *w;
	struct flight *f;

	if (ad == NULL || base == NULL || name == NULL || cb == NULL ||
	    ad->dying)
		return NULL;
	/* the same question already out: wait for its answer too */
	f = flight_find(ad, name, rrtype);
	if (f == NULL)
		f = flight_start(ad, base, name, rrtype);
	if (f == NULL)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->f = f;
	w->next = f->waiters;
	if (w->next)
		w->next->prev = w;
	f->waiters = w;
	return w;
}

void mx_dns_adq_free(struct mx_dns_adq *q)
{
	struct flight *f;

	if (q == NULL)
		return;
	f = q->f;
	if (f != NULL) {
		waiter_unlink(q);
		/* nobody waits any more: the question is dropped */
		if (f->waiters == NULL && !f->delivering) {
			flight_unlink(f);
			flight_close(f, 1);
		}
	}
	free(q);
}
