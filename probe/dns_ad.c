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
 * bit is the verdict.  Nothing after the question is read: the records
 * themselves come from libunbound.
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

#define ANSWER_MAX 4096
#define LINE_MAX_RC 512

struct mx_dns_ad {
	struct sockaddr_storage sa;
	socklen_t salen;
	char server[INET6_ADDRSTRLEN + 8];
};

struct mx_dns_adq {
	int fd;
	struct event *ev;
	uint8_t q[MX_DNS_AD_QUERY_MAX];
	size_t qlen;
	mx_dns_ad_cb cb;
	void *arg;
	int answered;
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
	return ad;
}

void mx_dns_ad_free(struct mx_dns_ad *ad)
{
	free(ad);
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

int mx_dns_ad_parse(const uint8_t *p, size_t len, const uint8_t *q, size_t qlen)
{
	struct mx_cur c, qc;
	uint16_t id, qid, qd;
	uint8_t f1, f2;
	const uint8_t *a, *b;
	size_t n;

	if (p == NULL || q == NULL || qlen < 12)
		return -1;
	mx_cur_init(&c, p, len);
	mx_cur_init(&qc, q, qlen);
	id = mx_cur_u16(&c);
	qid = mx_cur_u16(&qc);
	f1 = mx_cur_u8(&c);
	f2 = mx_cur_u8(&c);
	qd = mx_cur_u16(&c);
	mx_cur_skip(&c, 6); /* AN, NS, AR counts: not read */
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
	return (f2 & 0x20) != 0;
}

/* ---- the query on the loop -------------------------------------------- */

static uint16_t new_id(void)
{
	uint16_t id = 0;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != (ssize_t)sizeof(id))
		id = (uint16_t)(mx_now_ms() * 2654435761u);
	return id;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct mx_dns_adq *q = arg;
	uint8_t buf[ANSWER_MAX];
	ssize_t n;
	int ad;

	(void)what;
	if (q->answered)
		return;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return; /* ICMP refusal or nothing: the caller's timer decides */
	ad = mx_dns_ad_parse(buf, (size_t)n, q->q, q->qlen);
	if (ad < 0)
		return; /* not our answer: keep listening */
	q->answered = 1;
	event_del(q->ev);
	q->cb(q->arg, ad);
}

struct mx_dns_adq *mx_dns_adq_start(struct mx_dns_ad *ad,
				    struct event_base *base, const char *name,
				    int rrtype, mx_dns_ad_cb cb, void *arg)
{
	struct mx_dns_adq *q;
	int len;

	if (ad == NULL || base == NULL || name == NULL || cb == NULL)
		return NULL;
	q = xcalloc(1, sizeof(*q));
	q->fd = -1;
	q->cb = cb;
	q->arg = arg;
	len = mx_dns_ad_build(q->q, sizeof(q->q), new_id(), name, rrtype);
	if (len < 0)
		goto fail;
	q->qlen = (size_t)len;
	q->fd = socket(ad->sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || evutil_make_socket_nonblocking(q->fd) < 0 ||
	    connect(q->fd, (struct sockaddr *)&ad->sa, ad->salen) < 0 ||
	    send(q->fd, q->q, q->qlen, 0) != (ssize_t)q->qlen)
		goto fail;
	q->ev = event_new(base, q->fd, EV_READ | EV_PERSIST, on_read, q);
	if (q->ev == NULL || event_add(q->ev, NULL) < 0)
		goto fail;
	return q;
fail:
	mx_dns_adq_free(q);
	return NULL;
}

void mx_dns_adq_free(struct mx_dns_adq *q)
{
	if (q == NULL)
		return;
	if (q->ev != NULL)
		event_free(q->ev);
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}
