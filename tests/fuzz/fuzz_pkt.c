/*
 * fuzz_pkt.c - fuzz target for the frame decoder (wire/pkt.c).
 *
 * The first input byte picks the link type (modulo the table below), the
 * rest is the frame.  Checks: a known status with a name, a detail on
 * every outcome but OK, an OK segment's payload inside the frame and
 * its family printable; and cutting one byte off the end of an OK
 * segment's payload still decodes, with one byte less present and one
 * more missing.  Corpus: tests/fuzz/corpus/pkt/ (one frame per link type:
 * IPv4 and IPv6, SYN options, VLAN tags, IPv6 extension headers, a first
 * fragment, Ethernet padding), made with the frame layouts of
 * tests/unit/test_pkt.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wire/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

static const int links[] = {
	MX_LINK_NULL, MX_LINK_EN10MB,	  MX_LINK_RAW_OLD12, MX_LINK_RAW_OLD14,
	MX_LINK_RAW,  MX_LINK_LOOP,	  MX_LINK_LINUX_SLL, MX_LINK_IPV4,
	MX_LINK_IPV6, MX_LINK_LINUX_SLL2,
};

static enum mx_pkt_status run(int link, const uint8_t *f, size_t n,
			      struct mx_pkt *p)
{
	char detail[96];
	char addr[64];
	enum mx_pkt_status st;

	memset(detail, 'x', sizeof(detail));
	st = mx_pkt_decode(link, f, n, p, detail, sizeof(detail));
	CHECK(st >= MX_PKT_OK && st <= MX_PKT_UNSUPPORTED);
	CHECK(strcmp(mx_pkt_status_name(st), "?") != 0);
	CHECK(memchr(detail, 0, sizeof(detail)) != NULL);
	CHECK((st == MX_PKT_OK) == (detail[0] == '\0'));
	if (st != MX_PKT_OK)
		return st;
	CHECK(p->family == AF_INET || p->family == AF_INET6);
	CHECK(p->payload_len <= n);
	CHECK((p->payload == NULL) == (p->payload_len == 0));
	if (p->payload_len)
		CHECK(p->payload >= f && p->payload + p->payload_len <= f + n);
	CHECK((p->flags & ~0x3f) == 0);
	CHECK(p->wscale == 0xff || (p->flags & MX_TCP_SYN));
	CHECK(p->mss == 0 || (p->flags & MX_TCP_SYN));
	mx_pkt_addr_str(p->family, p->src, addr, sizeof(addr));
	CHECK(strlen(addr) > 0 && strlen(addr) < 46);
	mx_pkt_addr_str(p->family, p->dst, addr, sizeof(addr));
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_pkt p, q;
	const uint8_t *f;
	size_t n, end;
	int link;

	if (size == 0)
		return 0;
	link = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	CHECK(mx_pkt_link_name(link) != NULL);
	f = data + 1;
	n = size - 1;
	if (run(link, f, n, &p) != MX_PKT_OK || p.payload_len == 0)
		return 0;
	/* the snap length cuts one byte of payload */
	end = (size_t)(p.payload + p.payload_len - f);
	CHECK(run(link, f, end - 1, &q) == MX_PKT_OK);
	CHECK(q.payload_len == p.payload_len - 1);
	CHECK(q.payload_missing == p.payload_missing + 1);
	CHECK(q.seq == p.seq && q.sport == p.sport && q.dport == p.dport);
	return 0;
}
