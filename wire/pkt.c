/*
 * pkt.c - one captured frame down to its TCP segment; see pkt.h for the
 * contract.
 *
 * Three layers, each read through struct mx_cur: the link header gives an
 * EtherType (or an IP version), the IP layer gives a cursor over the IP
 * payload as far as the IP length says and the frame holds, and TCP reads
 * its header from that cursor.  Where the frame ends before the IP length
 * does (the snap length cut it), a header that runs off the end is
 * TRUNCATED; where the IP length itself ends inside a header, the length
 * contradicts the header: INVALID.
 *
 * Reading of pkt.h's "anything else UNSUPPORTED" for IPv6: an extension
 * header we do not walk (ESP, AH, mobility, HIP, shim6, experiments) is
 * UNSUPPORTED; an upper-layer protocol other than TCP (UDP, ICMPv6, no
 * next header) is NOT_TCP, as it is for IPv4.  IPv4 total length 0 (TSO
 * on the capturing host) is INVALID; checksums are not checked (offload).
 */
#include "wire/pkt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/cursor.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100	    /* IEEE 802.1Q */
#define ETH_QINQ 0x88a8	    /* IEEE 802.1ad */
#define ETH_QINQ_OLD 0x9100 /* pre-standard double tagging */
#define ETH_MIN_TYPE 0x0600 /* below: an IEEE 802.3 length field */
#define MAX_VLAN_TAGS 2

#define IPPROTO_TCP_NUM 6
#define V6_HOPOPTS 0
#define V6_ROUTING 43
#define V6_FRAGMENT 44
#define V6_DSTOPTS 60
#define V6_NONE 59

/* What the link layer found. */
enum net {
	NET_IPV4,
	NET_IPV6,
	NET_IP_ANY, /* RAW: the version nibble decides */
	NET_OTHER,
};

struct ctx {
	struct mx_cur c; /* the frame from the current header on */
	struct mx_pkt *out;
	char *detail;
	size_t detail_len;
};

static enum mx_pkt_status fail(struct ctx *x, enum mx_pkt_status st,
			       const char *what)
{
	if (x->detail && x->detail_len)
		snprintf(x->detail, x->detail_len, "%s", what);
	return st;
}

/* ---- link layer ------------------------------------------------------ */

static enum net net_of_ethertype(uint16_t t)
{
	if (t == ETH_IPV4)
		return NET_IPV4;
	if (t == ETH_IPV6)
		return NET_IPV6;
	return NET_OTHER;
}

/* IEEE 802.1Q / 802.1ad: TCI, then the inner EtherType; at most two. */
static enum mx_pkt_status vlan_tags(struct ctx *x, uint16_t *type)
{
	int n = 0;

	while (*type == ETH_VLAN || *type == ETH_QINQ ||
	       *type == ETH_QINQ_OLD) {
		if (n++ == MAX_VLAN_TAGS)
			return fail(x, MX_PKT_UNSUPPORTED,
				    "more than two VLAN tags");
		(void)mx_cur_u16(&x->c); /* TCI */
		*type = mx_cur_u16(&x->c);
		if (!mx_cur_ok(&x->c))
			return fail(x, MX_PKT_TRUNCATED,
				    "frame ends inside a VLAN tag");
	}
	return MX_PKT_OK;
}

/* BSD loopback: the address family in host order of the capturing
 * machine, which may not be ours; AF_INET6 differs between systems. */
static enum net net_of_af(uint32_t raw)
{
	uint32_t af = raw;

	if (af & 0xffff0000u)
		af = ((raw & 0xff) << 24) | ((raw & 0xff00) << 8) |
		     ((raw >> 8) & 0xff00) | (raw >> 24);
	switch (af) {
	case 2:
		return NET_IPV4;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* Darwin */
		return NET_IPV6;
	default:
		return NET_OTHER;
	}
}

static enum mx_pkt_status link_layer(struct ctx *x, int linktype, enum net *net)
{
	enum mx_pkt_status st;
	uint16_t type = 0;

	switch (linktype) {
	case MX_LINK_NULL:
	case MX_LINK_LOOP:
		*net = net_of_af(mx_cur_u32(&x->c));
		break;
	case MX_LINK_EN10MB:
		mx_cur_skip(&x->c, 12); /* destination, source */
		type = mx_cur_u16(&x->c);
		break;
	case MX_LINK_LINUX_SLL:
		/* packet type, ARPHRD, address length, 8 address bytes */
		mx_cur_skip(&x->c, 14);
		type = mx_cur_u16(&x->c);
		break;
	case MX_LINK_LINUX_SLL2:
		/* protocol, reserved, ifindex, ARPHRD, packet type, address
		 * length, 8 address bytes */
		type = mx_cur_u16(&x->c);
		mx_cur_skip(&x->c, 18);
		break;
	case MX_LINK_RAW:
	case MX_LINK_RAW_OLD12:
	case MX_LINK_RAW_OLD14:
		*net = NET_IP_ANY;
		break;
	case MX_LINK_IPV4:
		*net = NET_IPV4;
		break;
	case MX_LINK_IPV6:
		*net = NET_IPV6;
		break;
	default:
		return fail(x, MX_PKT_UNSUPPORTED, "link type not decoded");
	}
	if (!mx_cur_ok(&x->c))
		return fail(x, MX_PKT_TRUNCATED,
			    "frame ends inside the link header");
	if (linktype == MX_LINK_EN10MB || linktype == MX_LINK_LINUX_SLL ||
	    linktype == MX_LINK_LINUX_SLL2) {
		st = vlan_tags(x, &type);
		if (st != MX_PKT_OK)
			return st;
		*net = type < ETH_MIN_TYPE ? NET_OTHER : net_of_ethertype(type);
	}
	return MX_PKT_OK;
}

/* ---- IP -------------------------------------------------------------- */

/* Bound the cursor to the `ip_len` bytes the IP header announces from
 * here: frame bytes beyond are padding; missing ones were cut. */
static void bound(struct ctx *x, size_t ip_len)
{
	size_t have = mx_cur_left(&x->c);

	if (have > ip_len)
		x->c.end = x->c.p + ip_len;
	else
		x->out->payload_missing = ip_len - have;
}

/* A header ran past the bounded cursor: cut by the snap length, or the
 * IP length is wrong. */
static enum mx_pkt_status short_header(struct ctx *x, const char *trunc,
				       const char *inval)
{
	if (x->out->payload_missing)
		return fail(x, MX_PKT_TRUNCATED, trunc);
	return fail(x, MX_PKT_INVALID, inval);
}

/* RFC 791 §3.1. */
static enum mx_pkt_status ipv4(struct ctx *x, uint8_t *proto)
{
	struct mx_cur h = x->c;
	uint8_t vihl;
	uint16_t total, frag;
	size_t hlen;

	vihl = mx_cur_u8(&h);
	(void)mx_cur_u8(&h); /* DSCP, ECN */
	total = mx_cur_u16(&h);
	(void)mx_cur_u16(&h); /* identification */
	frag = mx_cur_u16(&h);
	x->out->ttl = mx_cur_u8(&h);
	*proto = mx_cur_u8(&h);
	(void)mx_cur_u16(&h); /* checksum: offloads leave it unset */
	mx_cur_copy(&h, x->out->src, 4);
	mx_cur_copy(&h, x->out->dst, 4);
	if (!mx_cur_ok(&h))
		return fail(x, MX_PKT_TRUNCATED,
			    "frame ends inside the IPv4 header");
	if (vihl >> 4 != 4)
		return fail(x, MX_PKT_INVALID, "IPv4 header with version != 4");
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20)
		return fail(x, MX_PKT_INVALID, "IPv4 header length below 20");
	if (total < hlen)
		return fail(x, MX_PKT_INVALID,
			    "IPv4 total length below the header length");
	x->out->family = AF_INET;
	bound(x, total);
	mx_cur_skip(&x->c, hlen); /* options skipped */
	if (!mx_cur_ok(&x->c))
		return fail(x, MX_PKT_TRUNCATED,
			    "frame ends inside the IPv4 options");
	/* RFC 791: fragment offset in 8-byte units; MF with offset 0 is the
	 * first fragment, which holds the TCP header. */
	if ((frag & 0x1fff) != 0)
		return fail(x, MX_PKT_FRAGMENT,
			    "IPv4 fragment after the first");
	return MX_PKT_OK;
}

/* RFC 8200 §4: hop-by-hop, routing, destination options (length in
 * 8-byte units, not counting the first 8) and fragment (8 bytes). */
static enum mx_pkt_status ipv6_ext(struct ctx *x, uint8_t *nh)
{
	int n;

	for (n = 0;; n++) {
		uint8_t next, len;
		uint16_t off;

		switch (*nh) {
		case V6_HOPOPTS:
		case V6_ROUTING:
		case V6_DSTOPTS:
		case V6_FRAGMENT:
			break;
		case IPPROTO_TCP_NUM:
			return MX_PKT_OK;
		case 50:  /* ESP */
		case 51:  /* AH */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
		case 253: /* experiments */
		case 254:
			return fail(x, MX_PKT_UNSUPPORTED,
				    "IPv6 extension header not decoded");
		default:
			return MX_PKT_OK; /* an upper layer: not TCP */
		}
		if (n == MX_PKT_MAX_V6_EXT)
			return fail(x, MX_PKT_UNSUPPORTED,
				    "too many IPv6 extension headers");
		next = mx_cur_u8(&x->c);
		len = mx_cur_u8(&x->c);
		if (*nh == V6_FRAGMENT) {
			off = mx_cur_u16(&x->c);
			mx_cur_skip(&x->c, 4); /* identification */
			if (mx_cur_ok(&x->c) && (off >> 3) != 0)
				return fail(x, MX_PKT_FRAGMENT,
					    "IPv6 fragment after the first");
		} else {
			mx_cur_skip(&x->c, (size_t)len * 8 + 6);
		}
		if (!mx_cur_ok(&x->c))
			return short_header(
				x, "frame ends inside an IPv6 extension header",
				"IPv6 extension header beyond the payload "
				"length");
		*nh = next;
	}
}

/* RFC 8200 §3. */
static enum mx_pkt_status ipv6(struct ctx *x, uint8_t *proto)
{
	struct mx_cur h = x->c;
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh;

	vtf = mx_cur_u32(&h);
	plen = mx_cur_u16(&h);
	nh = mx_cur_u8(&h);
	x->out->ttl = mx_cur_u8(&h);
	mx_cur_copy(&h, x->out->src, 16);
	mx_cur_copy(&h, x->out->dst, 16);
	if (!mx_cur_ok(&h))
		return fail(x, MX_PKT_TRUNCATED,
			    "frame ends inside the IPv6 header");
	if (vtf >> 28 != 6)
		return fail(x, MX_PKT_INVALID, "IPv6 header with version != 6");
	if (plen == 0 && nh == V6_HOPOPTS)
		return fail(x, MX_PKT_UNSUPPORTED, "IPv6 jumbogram");
	x->out->family = AF_INET6;
	x->c = h;
	bound(x, plen);
	*proto = nh;
	return ipv6_ext(x, proto);
}

/* ---- TCP ------------------------------------------------------------- */

/* RFC 9293 §3.2: MSS (kind 2, length 4) and window scale (RFC 7323 §2.2:
 * kind 3, length 3) on a SYN.  A malformed option list ends the scan (the
 * segment is still usable; the options are not). */
static void tcp_options(struct mx_cur *o, struct mx_pkt *p)
{
	while (mx_cur_left(o) > 0) {
		uint8_t kind = mx_cur_u8(o), len;
		const uint8_t *v;

		if (kind == 0)
			return;
		if (kind == 1)
			continue;
		len = mx_cur_u8(o);
		if (len < 2 || (v = mx_cur_bytes(o, len - 2u)) == NULL)
			return;
		if (kind == 2 && len == 4)
			p->mss = (uint16_t)((v[0] << 8) | v[1]);
		else if (kind == 3 && len == 3)
			p->wscale = v[0];
	}
}

static enum mx_pkt_status tcp(struct ctx *x)
{
	struct mx_pkt *p = x->out;
	struct mx_cur opt;
	uint8_t off;
	size_t hlen;

	p->sport = mx_cur_u16(&x->c);
	p->dport = mx_cur_u16(&x->c);
	p->seq = mx_cur_u32(&x->c);
	p->ack = mx_cur_u32(&x->c);
	off = mx_cur_u8(&x->c);
	p->flags = mx_cur_u8(&x->c) & 0x3f;
	p->window = mx_cur_u16(&x->c);
	mx_cur_skip(&x->c, 4); /* checksum, urgent pointer */
	if (!mx_cur_ok(&x->c))
		return short_header(x, "frame ends inside the TCP header",
				    "TCP header beyond the IP length");
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < 20)
		return fail(x, MX_PKT_INVALID, "TCP data offset below 5");
	mx_cur_subn(&x->c, &opt, hlen - 20);
	if (!mx_cur_ok(&x->c))
		return short_header(x, "frame ends inside the TCP options",
				    "TCP options beyond the IP length");
	if (p->flags & MX_TCP_SYN)
		tcp_options(&opt, p);
	p->payload_len = mx_cur_left(&x->c);
	p->payload = p->payload_len ? x->c.p : NULL;
	return MX_PKT_OK;
}

/* ---- entry points ---------------------------------------------------- */

enum mx_pkt_status mx_pkt_decode(int linktype, const uint8_t *frame,
				 size_t caplen, struct mx_pkt *out,
				 char *detail, size_t detail_len)
{
	struct ctx x;
	enum mx_pkt_status st;
	enum net net = NET_OTHER;
	uint8_t proto = 0;

	memset(out, 0, sizeof(*out));
	out->wscale = 0xff;
	if (detail && detail_len)
		detail[0] = '\0';
	mx_cur_init(&x.c, frame, frame ? caplen : 0);
	x.out = out;
	x.detail = detail;
	x.detail_len = detail_len;

	st = link_layer(&x, linktype, &net);
	if (st != MX_PKT_OK)
		return st;
	if (net == NET_IP_ANY) {
		if (mx_cur_left(&x.c) == 0)
			return fail(&x, MX_PKT_TRUNCATED, "empty IP packet");
		switch (x.c.p[0] >> 4) {
		case 4:
			net = NET_IPV4;
			break;
		case 6:
			net = NET_IPV6;
			break;
		default:
			return fail(&x, MX_PKT_INVALID,
				    "raw packet with IP version not 4 or 6");
		}
	}
	if (net == NET_OTHER)
		return fail(&x, MX_PKT_NOT_TCP, "not IP");
	st = net == NET_IPV4 ? ipv4(&x, &proto) : ipv6(&x, &proto);
	if (st != MX_PKT_OK)
		return st;
	if (proto != IPPROTO_TCP_NUM)
		return fail(&x, MX_PKT_NOT_TCP, "IP without TCP");
	return tcp(&x);
}

const char *mx_pkt_status_name(enum mx_pkt_status s)
{
	switch (s) {
	case MX_PKT_OK:
		return "ok";
	case MX_PKT_NOT_TCP:
		return "not_tcp";
	case MX_PKT_FRAGMENT:
		return "fragment";
	case MX_PKT_TRUNCATED:
		return "truncated";
	case MX_PKT_INVALID:
		return "invalid";
	case MX_PKT_UNSUPPORTED:
		return "unsupported";
	}
	return "?";
}

const char *mx_pkt_link_name(int linktype)
{
	switch (linktype) {
	case MX_LINK_NULL:
		return "NULL";
	case MX_LINK_EN10MB:
		return "EN10MB";
	case MX_LINK_RAW_OLD12:
	case MX_LINK_RAW_OLD14:
	case MX_LINK_RAW:
		return "RAW";
	case MX_LINK_LOOP:
		return "LOOP";
	case MX_LINK_LINUX_SLL:
		return "LINUX_SLL";
	case MX_LINK_IPV4:
		return "IPV4";
	case MX_LINK_IPV6:
		return "IPV6";
	case MX_LINK_LINUX_SLL2:
		return "LINUX_SLL2";
	}
	return NULL;
}

char *mx_pkt_addr_str(int family, const uint8_t addr[16], char *out,
		      size_t outlen)
{
	if (outlen == 0)
		return out;
	if ((family != AF_INET && family != AF_INET6) ||
	    inet_ntop(family, addr, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "?");
	return out;
}
