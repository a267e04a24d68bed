/*
 * pkt.h - decode one captured frame down to its TCP segment.
 *
 * Purpose: the capture decoder (mxprobe pcap, live --capture) turns each
 * frame into a struct mx_pkt - addresses, ports, sequence numbers, flags,
 * window and the TCP payload - whatever the link type it was captured on.
 * Pure: no sockets, no files, no allocation; the payload points into the
 * caller's frame.
 *
 * Link types (the LINKTYPE_ values of the pcap/pcapng formats, which
 * libpcap also returns for DLT_ on Linux): NULL (0) and LOOP (108) with a
 * 4-byte address family in host or network order, EN10MB (1) with up to
 * two 802.1Q/802.1ad tags, RAW (101, and the historical DLT_RAW 12/14),
 * LINUX_SLL (113), LINUX_SLL2 (276), IPV4 (228), IPV6 (229).
 *
 * IP: IPv4 (header length and total length checked, fragments other than
 * the first reported as MX_PKT_FRAGMENT, options skipped) and IPv6 (at most
 * MX_PKT_MAX_V6_EXT extension headers: hop-by-hop, routing, destination
 * options, fragment; anything else UNSUPPORTED).  TCP: data offset
 * checked, options skipped except that the payload starts after them.
 *
 * Truncation: a frame cut short by the snap length still decodes when the
 * TCP header is complete; payload_len is then what was captured and
 * payload_missing how many bytes the IP length says were cut.  Ethernet
 * padding (frame longer than the IP total length) is not payload.
 *
 * Outcomes (STYLE habit 4):
 *   MX_PKT_OK           a TCP segment (payload may be empty)
 *   MX_PKT_NOT_TCP      a valid frame that carries something else (ARP,
 *                       UDP, ICMP ...): skip it
 *   MX_PKT_FRAGMENT     an IP fragment after the first: skip (counted)
 *   MX_PKT_TRUNCATED    the frame ends inside a header
 *   MX_PKT_INVALID      a length or version field contradicts the frame
 *   MX_PKT_UNSUPPORTED  a link type or header chain we do not decode
 * `detail` (when not NULL) gets our own words saying where.
 */
#ifndef MX_WIRE_PKT_H
#define MX_WIRE_PKT_H

#include <stddef.h>
#include <stdint.h>

#define MX_PKT_MAX_V6_EXT 8

/* LINKTYPE_ numbers (https://www.tcpdump.org/linktypes.html). */
enum {
	MX_LINK_NULL = 0,
	MX_LINK_EN10MB = 1,
	MX_LINK_RAW_OLD12 = 12, /* DLT_RAW on some BSDs */
	MX_LINK_RAW_OLD14 = 14, /* DLT_RAW on others */
	MX_LINK_RAW = 101,
	MX_LINK_LOOP = 108,
	MX_LINK_LINUX_SLL = 113,
	MX_LINK_IPV4 = 228,
	MX_LINK_IPV6 = 229,
	MX_LINK_LINUX_SLL2 = 276,
};

enum mx_pkt_status {
	MX_PKT_OK = 0,
	MX_PKT_NOT_TCP,
	MX_PKT_FRAGMENT,
	MX_PKT_TRUNCATED,
	MX_PKT_INVALID,
	MX_PKT_UNSUPPORTED,
};

/* TCP flags (RFC 9293 §3.1). */
#define MX_TCP_FIN 0x01
#define MX_TCP_SYN 0x02
#define MX_TCP_RST 0x04
#define MX_TCP_PSH 0x08
#define MX_TCP_ACK 0x10
#define MX_TCP_URG 0x20

struct mx_pkt {
	int family;	 /* AF_INET or AF_INET6 */
	uint8_t src[16]; /* network order; IPv4 uses the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;		/* MX_TCP_* */
	uint16_t window;	/* raw, unscaled */
	uint8_t wscale;		/* window scale option on a SYN; 0xff none */
	uint16_t mss;		/* MSS option on a SYN; 0 none */
	const uint8_t *payload; /* borrowed from the frame */
	size_t payload_len;	/* bytes present in the frame */
	size_t payload_missing; /* bytes the IP length announces but the
				 * snap length cut */
	uint8_t ttl;		/* IPv4 TTL / IPv6 hop limit */
};

enum mx_pkt_status mx_pkt_decode(int linktype, const uint8_t *frame,
				 size_t caplen, struct mx_pkt *out,
				 char *detail, size_t detail_len);

/* "ok", "not_tcp", "fragment", "truncated", "invalid", "unsupported". */
const char *mx_pkt_status_name(enum mx_pkt_status s);
/* "EN10MB", "LINUX_SLL2", ... or NULL for a link type we do not decode. */
const char *mx_pkt_link_name(int linktype);

/* Print "192.0.2.1" / "2001:db8::1" (no brackets) into out (at least
 * 46 bytes); returns out. */
char *mx_pkt_addr_str(int family, const uint8_t addr[16], char *out,
		      size_t outlen);

#endif
