/*
 * netaddr.c - client networks, listen addresses and socket address text
 * of the relay; see netaddr.h for the contract.
 */
#include "relay/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "relay/cfgtok.h"

static int prefix_host_bits_zero(const uint8_t *a, size_t len, unsigned pfx)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned bit0 = (unsigned)i * 8;
		uint8_t mask;

		if (bit0 + 8 <= pfx)
			continue;
		mask = bit0 >= pfx ? 0xff : (uint8_t)(0xffu >> (pfx - bit0));
		if (a[i] & mask)
			return 0;
	}
	return 1;
}

int mx_net_parse(const char *s, struct mx_net *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned maxp;

	memset(out, 0, sizeof(*out));
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		maxp = 128;
	} else {
		return -1;
	}
	out->prefix = maxp;
	if (slash) {
		const char *d = slash + 1;

		if (strlen(d) > 3 ||
		    mx_cfg_uint(d, strlen(d), 0, maxp, &out->prefix) < 0)
			return -1;
	}
	if (!prefix_host_bits_zero(out->addr, maxp / 8, out->prefix))
		return -1;
	return 0;
}

static int net_contains(const struct mx_net *n, int family, const uint8_t *a)
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;

	if (n->family != family)
		return 0;
	if (memcmp(n->addr, a, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xffu << (8 - rest));

		if ((n->addr[full] & mask) != (a[full] & mask))
			return 0;
	}
	return 1;
}

int mx_net_match(const struct mx_net *nets, size_t n, const struct sockaddr *sa)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0,    0,
					     0, 0, 0, 0, 0xff, 0xff};
	uint8_t a[16];
	int family;
	size_t i;

	if (sa->sa_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *b =
			((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (memcmp(b, v4mapped, sizeof(v4mapped)) == 0) {
			memcpy(a, b + 12, 4);
			family = AF_INET;
		} else {
			memcpy(a, b, 16);
			family = AF_INET6;
		}
	} else {
		return 0;
	}
	for (i = 0; i < n; i++)
		if (net_contains(&nets[i], family, a))
			return 1;
	return 0;
}

size_t mx_net_loopback(struct mx_net out[2])
{
	if (mx_net_parse("127.0.0.0/8", &out[0]) < 0 ||
	    mx_net_parse("::1", &out[1]) < 0)
		mx_fatal(__func__, "loopback networks do not parse");
	return 2;
}

int mx_listen_parse(const char *s, char *addr, size_t addrlen, uint16_t *port)
{
	const char *colon, *h = s, *pe;
	size_t hlen;
	unsigned v = 0;
	uint8_t tmp[16];
	char host[INET6_ADDRSTRLEN];

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)))
			return -1; /* IPv6 needs brackets */
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host) || hlen >= addrlen)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	if (inet_pton(AF_INET, host, tmp) != 1 &&
	    inet_pton(AF_INET6, host, tmp) != 1)
		return -1;
	pe = colon + 1;
	if (strlen(pe) > 5 || mx_cfg_uint(pe, strlen(pe), 1, 65535, &v) < 0)
		return -1;
	memcpy(addr, host, hlen + 1);
	*port = (uint16_t)v;
	return 0;
}

void mx_sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t len,
		      uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
		if (port)
			*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
		if (port)
			*port = ntohs(s6->sin6_port);
	} else {
		snprintf(buf, len, "unknown");
		if (port)
			*port = 0;
	}
}

/* The local address the kernel would use towards addr (no packet is
 * sent: a UDP socket's connect only picks the route). */
void mx_local_addr_for(const char *addr, char *out, size_t outlen)
{
	struct sockaddr_storage ss, local;
	socklen_t slen, llen = sizeof(local);
	int fd;

	snprintf(out, outlen, "unknown");
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) ==
	    1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(9);
		slen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(9);
		slen = sizeof(struct sockaddr_in6);
	} else {
		return;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&ss, slen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&local, &llen) == 0)
		mx_sockaddr_text(&local, out, outlen, NULL);
	close(fd);
}
