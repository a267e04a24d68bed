/*
 * netaddr.h - addresses of the relay: client networks ("--allow"), the
 * listen address ("--listen"), and socket addresses as text.
 *
 * Purpose: the listener (relay/listener.h) admits clients by network and
 * binds to a numeric address; the delivery log (relay/workers.h) names
 * the local interface towards a next hop.  Parsers of command-line text:
 * numeric addresses only (no name lookups), bounded lengths, digits only.
 *
 * API:
 *   mx_net_parse / mx_net_match / mx_net_loopback   client networks; an
 *       IPv4-mapped IPv6 peer is matched as IPv4.
 *   mx_listen_parse     "127.0.0.1:2525", "[::1]:2525".
 *   mx_sockaddr_text    numeric text and port of a socket address
 *       ("unknown" for another family).
 *   mx_local_addr_for   the local address the kernel would use towards a
 *       numeric address (a UDP socket's connect picks the route; no
 *       packet is sent); "unknown" when there is none.
 *
 * Limits: MX_LISTENER_MAX_ALLOW networks are kept by the listener; a
 * prefix is at most 3 digits, a port 5 (1..65535).
 *
 * Ownership: the caller owns every buffer; nothing is allocated.
 */
#ifndef MX_RELAY_NETADDR_H
#define MX_RELAY_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A client network: address and prefix length. */
struct mx_net {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	unsigned prefix;
};

/* "127.0.0.0/8", "10.1.2.3" (/32), "::1", "[2001:db8::]/32".  Host bits
 * beyond the prefix must be zero.  Returns 0, or -1. */
int mx_net_parse(const char *s, struct mx_net *out);
/* Nonzero if the address is inside one of the networks. */
int mx_net_match(const struct mx_net *nets, size_t n,
		 const struct sockaddr *sa);
/* The default: 127.0.0.0/8 and ::1/128; fills out[0..2) and returns 2. */
size_t mx_net_loopback(struct mx_net out[2]);

/* "127.0.0.1:2525", "[::1]:2525" into a numeric address and a port
 * (1..65535).  Returns 0, or -1. */
int mx_listen_parse(const char *s, char *addr, size_t addrlen, uint16_t *port);

/* Numeric text of ss into buf; its port into *port when port != NULL. */
void mx_sockaddr_text(const struct sockaddr_storage *ss, char *buf, size_t len,
		      uint16_t *port);
/* The local address towards the numeric address addr, as text. */
void mx_local_addr_for(const char *addr, char *out, size_t outlen);

#endif
