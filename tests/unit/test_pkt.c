/*
 * test_pkt.c - frame to TCP segment (wire/pkt.h).
 *
 * Every frame here is built by hand, field by field, by the small
 * builders below (link header, IPv4 or IPv6 with extension headers, TCP
 * with options, payload), for every link type the decoder knows, both IP
 * versions, VLAN tags, IPv6 extension headers, fragments, IPv4 options,
 * snap-length truncation and Ethernet padding.  Sweeps: every truncation
 * length of a good frame on every link type (TRUNCATED inside the
 * headers, OK with payload_missing inside the payload) and every byte of
 * a good frame overwritten with hostile values (no crash, payload within
 * the frame).  Malformed fields by name: IHL, data offset, total length,
 * payload length, version nibbles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sys/socket.h>

#include "wire/pkt.h"

/* ---- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t b[4096];
	size_t len;
};

struct spec {
	int link;
	int v6;
	uint32_t af;	     /* NULL/LOOP: the family word as written */
	int af_le;	     /* ... in little-endian order */
	int vlans;	     /* EN10MB, SLL, SLL2: number of 802.1Q tags */
	uint16_t ethertype;  /* 0: by IP version */
	uint8_t ihl;	     /* IPv4 header words; 0: 5 */
	int16_t total_adj;   /* added to the IPv4 total / IPv6 length */
	uint16_t frag;	     /* IPv4 flags+offset / IPv6 fragment word */
	int v6_frag;	     /* add an IPv6 fragment header */
	int v6_ext;	     /* hop-by-hop, dst opts, routing ... count */
	uint8_t proto;	     /* 0: TCP */
	uint8_t tcp_off;     /* TCP data offset words; 0: from options */
	uint8_t flags;	     /* TCP flags */
	const uint8_t *opts; /* TCP options */
	size_t nopts;
	size_t plen; /* payload bytes (pattern i & 0xff) */
	size_t pad;  /* bytes after the IP datagram */
};

static const uint8_t SRC4[4] = {192, 0, 2, 1};
static const uint8_t DST4[4] = {198, 51, 100, 25};
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t DST6[16] = {0x20, 0x01,	    0x0d,
				 0xb8, [14] = 0x12, [15] = 0x34};

static void put8(struct frame *f, uint8_t v)
{
	assert_true(f->len < sizeof(f->b));
	f->b[f->len++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void putn(struct frame *f, const uint8_t *p, size_t n)
{
	while (n--)
		put8(f, *p++);
}

static void link_header(struct frame *f, const struct spec *s)
{
	uint16_t et = s->ethertype ? s->ethertype : s->v6 ? 0x86dd : 0x0800;
	int i;

	switch (s->link) {
	case MX_LINK_NULL:
	case MX_LINK_LOOP: {
		uint32_t af = s->af ? s->af : s->v6 ? 10 : 2;

		if (s->af_le) {
			put8(f, (uint8_t)af);
			put8(f, (uint8_t)(af >> 8));
			put8(f, (uint8_t)(af >> 16));
			put8(f, (uint8_t)(af >> 24));
		} else {
			put32(f, af);
		}
		return;
	}
	case MX_LINK_EN10MB:
		for (i = 0; i < 12; i++)
			put8(f, (uint8_t)(0x10 + i));
		break;
	case MX_LINK_LINUX_SLL:
		put16(f, 0); /* to us */
		put16(f, 1); /* ARPHRD_ETHER */
		put16(f, 6); /* address length */
		put32(f, 0xaabbccdd);
		put32(f, 0xeeff0000);
		break;
	case MX_LINK_LINUX_SLL2:
		put16(f, s->vlans ? 0x8100 : et);
		put16(f, 0); /* reserved */
		put32(f, 2); /* ifindex */
		put16(f, 1); /* ARPHRD_ETHER */
		put8(f, 4);  /* outgoing */
		put8(f, 6);  /* address length */
		put32(f, 0xaabbccdd);
		put32(f, 0xeeff0000);
		for (i = 0; i < s->vlans; i++) {
			put16(f, (uint16_t)(100 + i));
			put16(f, i + 1 < s->vlans ? 0x8100 : et);
		}
		return;
	default:
		return; /* RAW, IPV4, IPV6: no link header */
	}
	/* EN10MB and SLL: (tags) then the EtherType */
	for (i = 0; i < s->vlans; i++) {
		put16(f, i == 0 && s->vlans > 1 ? 0x88a8 : 0x8100);
		put16(f, (uint16_t)(100 + i));
	}
	put16(f, et);
}

static void tcp_segment(struct frame *f, const struct spec *s)
{
	size_t i, optw = (s->nopts + 3) / 4;
	uint8_t off = s->tcp_off ? s->tcp_off : (uint8_t)(5 + optw);

	put16(f, 49152);
	put16(f, 25);
	put32(f, 0x01020304);
	put32(f, 0xa0b0c0d0);
	put8(f, (uint8_t)(off << 4));
	put8(f, s->flags ? s->flags : MX_TCP_ACK | MX_TCP_PSH);
	put16(f, 64240);
	put16(f, 0); /* checksum */
	put16(f, 0); /* urgent */
	putn(f, s->opts, s->nopts);
	for (i = s->nopts; i < optw * 4; i++)
		put8(f, 0);
	for (i = 0; i < s->plen; i++)
		put8(f, (uint8_t)i);
}

static size_t l4_len(const struct spec *s)
{
	return 20 + (s->nopts + 3) / 4 * 4 + s->plen;
}

static void ipv4_header(struct frame *f, const struct spec *s)
{
	uint8_t ihl = s->ihl ? s->ihl : 5;
	size_t hl = (size_t)(ihl < 5 ? 5 : ihl) * 4, i;

	put8(f, (uint8_t)(0x40 | ihl));
	put8(f, 0);
	put16(f, (uint16_t)(hl + l4_len(s) + s->total_adj));
	put16(f, 0x1234);
	put16(f, s->frag);
	put8(f, 64);
	put8(f, s->proto ? s->proto : 6);
	put16(f, 0);
	putn(f, SRC4, 4);
	putn(f, DST4, 4);
	for (i = 20; i < hl; i++)
		put8(f, 1); /* NOP options */
}

static void ipv6_header(struct frame *f, const struct spec *s)
{
	static const uint8_t ext_types[] = {0, 60, 43};
	size_t ext = (size_t)s->v6_ext * 8 + (s->v6_frag ? 8 : 0);
	uint8_t last = s->proto ? s->proto : 6;
	int i;

	put32(f, 0x60000000);
	put16(f, (uint16_t)(ext + l4_len(s) + s->total_adj));
	if (s->v6_ext)
		put8(f, ext_types[0]);
	else
		put8(f, s->v6_frag ? 44 : last);
	put8(f, 57);
	putn(f, SRC6, 16);
	putn(f, DST6, 16);
	for (i = 0; i < s->v6_ext; i++) {
		uint8_t next = i + 1 < s->v6_ext ? ext_types[(i + 1) % 3]
			       : s->v6_frag	 ? 44
						 : last;

		put8(f, next);
		put8(f, 0); /* 8 bytes */
		put16(f, 0);
		put32(f, 0);
	}
	if (s->v6_frag) {
		put8(f, last);
		put8(f, 0);
		put16(f, s->frag);
		put32(f, 0xcafe);
	}
}

static void build(struct frame *f, const struct spec *s)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	link_header(f, s);
	if (s->v6)
		ipv6_header(f, s);
	else
		ipv4_header(f, s);
	tcp_segment(f, s);
	for (i = 0; i < s->pad; i++)
		put8(f, 0);
}

static enum mx_pkt_status decode(const struct frame *f, int link, size_t n,
				 struct mx_pkt *p)
{
	char detail[128];
	enum mx_pkt_status st;

	st = mx_pkt_decode(link, f->b, n, p, detail, sizeof(detail));
	if (st == MX_PKT_OK)
		assert_string_equal(detail, "");
	else
		assert_true(detail[0] != '\0');
	return st;
}

static void check_segment(const struct mx_pkt *p, const struct spec *s)
{
	size_t i;

	assert_int_equal(p->family, s->v6 ? AF_INET6 : AF_INET);
	if (s->v6) {
		assert_memory_equal(p->src, SRC6, 16);
		assert_memory_equal(p->dst, DST6, 16);
		assert_int_equal(p->ttl, 57);
	} else {
		assert_memory_equal(p->src, SRC4, 4);
		assert_memory_equal(p->dst, DST4, 4);
		assert_int_equal(p->ttl, 64);
	}
	assert_int_equal(p->sport, 49152);
	assert_int_equal(p->dport, 25);
	assert_int_equal(p->seq, 0x01020304);
	assert_int_equal(p->ack, 0xa0b0c0d0);
	assert_int_equal(p->window, 64240);
	assert_int_equal(p->flags, s->flags ? s->flags : 0x18);
	assert_int_equal(p->payload_len + p->payload_missing, s->plen);
	for (i = 0; i < p->payload_len; i++)
		assert_int_equal(p->payload[i], (uint8_t)i);
}

/* ---- every link type, both IP versions --------------------------------- */

static const int all_links[] = {
	MX_LINK_NULL, MX_LINK_EN10MB,	  MX_LINK_RAW_OLD12, MX_LINK_RAW_OLD14,
	MX_LINK_RAW,  MX_LINK_LOOP,	  MX_LINK_LINUX_SLL, MX_LINK_IPV4,
	MX_LINK_IPV6, MX_LINK_LINUX_SLL2,
};

static int link_carries(int link, int v6)
{
	return !(link == MX_LINK_IPV4 && v6) && !(link == MX_LINK_IPV6 && !v6);
}

static void test_every_link(void **state)
{
	size_t i;
	int v6;

	(void)state;
	for (i = 0; i < sizeof(all_links) / sizeof(all_links[0]); i++)
		for (v6 = 0; v6 < 2; v6++) {
			struct spec s = {
				.link = all_links[i], .v6 = v6, .plen = 100};
			struct frame f;
			struct mx_pkt p;

			if (!link_carries(s.link, v6))
				continue;
			build(&f, &s);
			assert_int_equal(decode(&f, s.link, f.len, &p),
					 MX_PKT_OK);
			check_segment(&p, &s);
			assert_int_equal(p.payload_missing, 0);
			assert_ptr_equal(p.payload, f.b + f.len - 100);
			assert_int_equal(p.wscale, 0xff);
			assert_int_equal(p.mss, 0);
			assert_non_null(mx_pkt_link_name(s.link));
		}
}

/* NULL/LOOP: either byte order; every AF_INET6 value in the wild. */
static void test_null_loop_af(void **state)
{
	static const uint32_t v6af[] = {10, 24, 28, 30};
	int link, le;
	size_t i;

	(void)state;
	for (link = 0; link < 2; link++)
		for (le = 0; le < 2; le++) {
			struct spec s = {.link = link ? MX_LINK_LOOP
						      : MX_LINK_NULL,
					 .af_le = le,
					 .plen = 3};
			struct frame f;
			struct mx_pkt p;

			build(&f, &s);
			assert_int_equal(decode(&f, s.link, f.len, &p),
					 MX_PKT_OK);
			check_segment(&p, &s);
			s.v6 = 1;
			for (i = 0; i < 4; i++) {
				s.af = v6af[i];
				build(&f, &s);
				assert_int_equal(decode(&f, s.link, f.len, &p),
						 MX_PKT_OK);
				check_segment(&p, &s);
			}
			s.af = 7; /* not IP */
			build(&f, &s);
			assert_int_equal(decode(&f, s.link, f.len, &p),
					 MX_PKT_NOT_TCP);
		}
}

static void test_vlan(void **state)
{
	static const int links[] = {MX_LINK_EN10MB, MX_LINK_LINUX_SLL,
				    MX_LINK_LINUX_SLL2};
	size_t i;
	int n, v6;

	(void)state;
	for (i = 0; i < 3; i++)
		for (n = 1; n <= 3; n++)
			for (v6 = 0; v6 < 2; v6++) {
				struct spec s = {.link = links[i],
						 .v6 = v6,
						 .vlans = n,
						 .plen = 10};
				struct frame f;
				struct mx_pkt p;
				enum mx_pkt_status st;

				build(&f, &s);
				st = decode(&f, s.link, f.len, &p);
				if (n <= 2) {
					assert_int_equal(st, MX_PKT_OK);
					check_segment(&p, &s);
				} else {
					assert_int_equal(st,
							 MX_PKT_UNSUPPORTED);
				}
			}
}

static void test_not_tcp(void **state)
{
	struct spec s = {.link = MX_LINK_EN10MB, .ethertype = 0x0806};
	struct frame f;
	struct mx_pkt p;

	(void)state;
	build(&f, &s); /* ARP */
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_NOT_TCP);
	s.ethertype = 0x0040; /* an 802.3 length */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_NOT_TCP);
	s.ethertype = 0;
	s.proto = 17; /* UDP over IPv4 */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_NOT_TCP);
	s.v6 = 1; /* UDP over IPv6, after two extension headers */
	s.v6_ext = 2;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_NOT_TCP);
	s.proto = 59; /* no next header */
	s.v6_ext = 0;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_NOT_TCP);
	s.proto = 50; /* ESP */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_UNSUPPORTED);
	assert_int_equal(decode(&f, 105 /* 802.11 */, f.len, &p),
			 MX_PKT_UNSUPPORTED);
	assert_null(mx_pkt_link_name(105));
}

/* ---- IPv6 extension headers, fragments --------------------------------- */

static void test_v6_ext(void **state)
{
	struct frame f;
	struct mx_pkt p;
	int n;

	(void)state;
	for (n = 0; n <= MX_PKT_MAX_V6_EXT + 1; n++) {
		struct spec s = {
			.link = MX_LINK_RAW, .v6 = 1, .v6_ext = n, .plen = 20};

		build(&f, &s);
		if (n <= MX_PKT_MAX_V6_EXT) {
			assert_int_equal(decode(&f, s.link, f.len, &p),
					 MX_PKT_OK);
			check_segment(&p, &s);
		} else {
			assert_int_equal(decode(&f, s.link, f.len, &p),
					 MX_PKT_UNSUPPORTED);
		}
	}
	/* the fragment header counts as one of them */
	{
		struct spec s = {.link = MX_LINK_RAW,
				 .v6 = 1,
				 .v6_ext = MX_PKT_MAX_V6_EXT,
				 .v6_frag = 1};

		build(&f, &s);
		assert_int_equal(decode(&f, s.link, f.len, &p),
				 MX_PKT_UNSUPPORTED);
	}
	/* an extension header beyond the payload length */
	{
		struct spec s = {.link = MX_LINK_RAW,
				 .v6 = 1,
				 .v6_ext = 3,
				 .total_adj = -(int16_t)(20 + 8 + 1)};

		build(&f, &s);
		assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	}
}

static void test_fragments(void **state)
{
	struct frame f;
	struct mx_pkt p;
	struct spec s = {.link = MX_LINK_EN10MB, .plen = 40};

	(void)state;
	s.frag = 0x2000; /* MF, offset 0: the first fragment */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	check_segment(&p, &s);
	s.frag = 0x4000; /* DF */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	s.frag = 0x2000 | 185; /* MF, offset 1480 */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_FRAGMENT);
	s.frag = 185; /* last fragment */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_FRAGMENT);

	s.v6 = 1;
	s.v6_frag = 1;
	s.v6_ext = 1;
	s.frag = 1; /* M, offset 0 */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	check_segment(&p, &s);
	s.frag = (uint16_t)(185 << 3); /* offset 1480, last */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_FRAGMENT);
}

static void test_ipv4_options(void **state)
{
	struct spec s = {.link = MX_LINK_IPV4, .ihl = 15, .plen = 7};
	struct frame f;
	struct mx_pkt p;

	(void)state;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	check_segment(&p, &s);
	assert_ptr_equal(p.payload, f.b + 60 + 20);
}

/* ---- TCP options -------------------------------------------------------- */

static void test_tcp_options(void **state)
{
	/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7 */
	static const uint8_t syn_opts[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					   0, 1, 0,    0,    0, 0, 1, 3,  3, 7};
	static const uint8_t bad_opts[] = {1, 5, 0, 2, 4, 0x05, 0xb4, 0};
	struct spec s = {.link = MX_LINK_EN10MB,
			 .flags = MX_TCP_SYN,
			 .opts = syn_opts,
			 .nopts = sizeof(syn_opts)};
	struct frame f;
	struct mx_pkt p;

	(void)state;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	check_segment(&p, &s);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.wscale, 7);
	assert_int_equal(p.payload_len, 0);

	s.flags = MX_TCP_SYN | MX_TCP_ACK;
	s.v6 = 1;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	assert_int_equal(p.mss, 1460);
	assert_int_equal(p.wscale, 7);

	s.flags = MX_TCP_ACK; /* options only read on a SYN */
	s.plen = 5;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	check_segment(&p, &s);
	assert_int_equal(p.mss, 0);
	assert_int_equal(p.wscale, 0xff);

	s.flags = MX_TCP_SYN; /* a length below 2 ends the scan */
	s.opts = bad_opts;
	s.nopts = sizeof(bad_opts);
	s.plen = 0;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	assert_int_equal(p.mss, 0);
}

/* ---- snap length, padding, truncation sweep ----------------------------- */

static void test_snaplen_and_padding(void **state)
{
	struct spec s = {.link = MX_LINK_EN10MB, .plen = 1000};
	struct frame f;
	struct mx_pkt p;

	(void)state;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, 14 + 20 + 20 + 96, &p), MX_PKT_OK);
	assert_int_equal(p.payload_len, 96);
	assert_int_equal(p.payload_missing, 904);
	check_segment(&p, &s);

	/* a 6-byte segment padded to Ethernet's 60-byte minimum */
	s.plen = 6;
	s.pad = 60 - (14 + 20 + 20 + 6) + 4;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	assert_int_equal(p.payload_len, 6);
	assert_int_equal(p.payload_missing, 0);
	s.v6 = 1;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	assert_int_equal(p.payload_len, 6);
	/* a bare ACK with padding: no payload at all */
	s.plen = 0;
	s.v6 = 0;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_OK);
	assert_int_equal(p.payload_len, 0);
	assert_null(p.payload);
}

/* Every cut of a good frame: inside the headers TRUNCATED, inside the
 * payload OK with the rest counted as missing. */
static void sweep(const struct spec *s)
{
	struct frame f;
	struct mx_pkt p;
	size_t cut, hdr;

	build(&f, s);
	hdr = f.len - s->plen;
	for (cut = 0; cut < f.len; cut++) {
		enum mx_pkt_status st = decode(&f, s->link, cut, &p);

		if (cut < hdr) {
			assert_int_equal(st, MX_PKT_TRUNCATED);
		} else {
			assert_int_equal(st, MX_PKT_OK);
			assert_int_equal(p.payload_len, cut - hdr);
			assert_int_equal(p.payload_missing, f.len - cut);
		}
	}
}

static void test_truncation_sweep(void **state)
{
	static const uint8_t mss[] = {2, 4, 0x05, 0xb4};
	size_t i;
	int v6;

	(void)state;
	for (i = 0; i < sizeof(all_links) / sizeof(all_links[0]); i++)
		for (v6 = 0; v6 < 2; v6++) {
			struct spec s = {.link = all_links[i],
					 .v6 = v6,
					 .plen = 30,
					 .opts = mss,
					 .nopts = 4,
					 .flags = MX_TCP_SYN,
					 .ihl = 6,
					 .v6_ext = 2,
					 .v6_frag = 1,
					 .vlans = all_links[i] ==
						  MX_LINK_EN10MB};

			if (link_carries(s.link, v6))
				sweep(&s);
		}
}

/* ---- malformed fields ---------------------------------------------------- */

static void test_invalid(void **state)
{
	struct spec s = {.link = MX_LINK_EN10MB, .plen = 10};
	struct frame f;
	struct mx_pkt p;

	(void)state;
	s.ihl = 4; /* IHL below 5 */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.ihl = 0;
	s.tcp_off = 4; /* data offset below 5 */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.v6 = 1;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.v6 = 0;
	s.tcp_off = 15; /* options beyond the IP length */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.tcp_off = 0;
	s.total_adj = -(int16_t)(20 + 10 + 1); /* total below IHL */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.total_adj = -(int16_t)(10 + 1); /* total cuts the TCP header */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.v6 = 1; /* IPv6 payload length cuts the TCP header */
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.total_adj = 0;

	/* a version nibble that contradicts the EtherType */
	s.v6 = 0;
	s.ethertype = 0x86dd;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	s.v6 = 1;
	s.ethertype = 0x0800;
	build(&f, &s);
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	/* RAW: neither 4 nor 6 */
	s.link = MX_LINK_RAW;
	s.ethertype = 0;
	build(&f, &s);
	f.b[0] = 0x50;
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_INVALID);
	/* IPv6 jumbogram (RFC 2675): payload length 0 and hop-by-hop */
	s.v6_ext = 1;
	build(&f, &s);
	f.b[4] = f.b[5] = 0;
	assert_int_equal(decode(&f, s.link, f.len, &p), MX_PKT_UNSUPPORTED);
	/* no frame at all */
	assert_int_equal(mx_pkt_decode(MX_LINK_RAW, NULL, 100, &p, NULL, 0),
			 MX_PKT_TRUNCATED);
}

/* Every byte of a good frame set to hostile values: no crash, and an OK
 * result keeps its payload inside the frame. */
static void test_hostile_bytes(void **state)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x0f, 0x45, 0x60,
				       0x7f, 0x80, 0xf0, 0xff};
	size_t i, k, l;

	(void)state;
	for (l = 0; l < sizeof(all_links) / sizeof(all_links[0]); l++) {
		struct spec s = {.link = all_links[l],
				 .plen = 12,
				 .v6 = all_links[l] != MX_LINK_IPV4,
				 .v6_ext = 1,
				 .vlans = 1};
		struct frame f, g;
		struct mx_pkt p;

		build(&f, &s);
		for (i = 0; i < f.len; i++)
			for (k = 0; k < sizeof(vals); k++) {
				g = f;
				g.b[i] = vals[k];
				if (mx_pkt_decode(s.link, g.b, g.len, &p, NULL,
						  0) != MX_PKT_OK)
					continue;
				assert_true(p.payload_len <= g.len);
				if (p.payload_len)
					assert_true(p.payload >= g.b &&
						    p.payload + p.payload_len <=
							    g.b + g.len);
			}
	}
}

static void test_names(void **state)
{
	uint8_t a4[16] = {192, 0, 2, 1}, a6[16] = {0x20, 0x01, 0x0d, 0xb8};
	char buf[64];
	int s;

	(void)state;
	a6[15] = 1;
	assert_string_equal(mx_pkt_addr_str(AF_INET, a4, buf, sizeof(buf)),
			    "192.0.2.1");
	assert_string_equal(mx_pkt_addr_str(AF_INET6, a6, buf, sizeof(buf)),
			    "2001:db8::1");
	assert_string_equal(mx_pkt_addr_str(0, a6, buf, sizeof(buf)), "?");
	assert_string_equal(mx_pkt_addr_str(AF_INET6, a6, buf, 4), "?");
	assert_string_equal(mx_pkt_link_name(MX_LINK_LINUX_SLL2), "LINUX_SLL2");
	assert_string_equal(mx_pkt_link_name(MX_LINK_RAW_OLD14), "RAW");
	assert_string_equal(mx_pkt_status_name(MX_PKT_OK), "ok");
	assert_string_equal(mx_pkt_status_name(MX_PKT_NOT_TCP), "not_tcp");
	for (s = MX_PKT_OK; s <= MX_PKT_UNSUPPORTED; s++)
		assert_string_not_equal(
			mx_pkt_status_name((enum mx_pkt_status)s), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_link),
		cmocka_unit_test(test_null_loop_af),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_not_tcp),
		cmocka_unit_test(test_v6_ext),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_tcp_options),
		cmocka_unit_test(test_snaplen_and_padding),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
