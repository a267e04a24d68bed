/*
 * listener.h - the relay's SMTP listener (RFC 5321 server side, RFC 3207
 * STARTTLS, RFC 1870 SIZE, RFC 2920 PIPELINING), on libevent.
 *
 * Purpose: accept mail from allowed clients and put it in the durable
 * spool (relay/spool.h).  The one rule that matters: "250" to the end of
 * DATA is sent only after mx_spool_put() returned MX_SPOOL_OK, i.e. the
 * message is fsync'ed under its final name.  A failed put answers
 * "451 4.3.0" and the client keeps the message.  Nothing else the
 * listener does writes to the spool; bad input never does.
 *
 * Dialogue (replies with RFC 3463 enhanced codes):
 *   banner 220 <hostname> ESMTP mxprobe relay
 *   EHLO: SIZE <max>, 8BITMIME, SMTPUTF8, PIPELINING, ENHANCEDSTATUSCODES,
 *         STARTTLS (when a certificate is configured and TLS is not up)
 *   HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, STARTTLS
 *   VRFY/EXPN/HELP/AUTH/BDAT: 502 5.5.1 (not offered)
 * Bad input (and nothing reaches the spool):
 *   command line over 512 octets (RFC 5321 §4.5.3.1.4)   500 5.5.2
 *   bare LF / bare CR / NUL in a command (RFC 5321 §2.3.8) 500 5.5.2
 *   unknown command                                       500 5.5.1
 *   bad syntax, bad path                       501 5.5.4 / 5.1.7 / 5.1.3
 *   unknown or bad MAIL parameter                         555 5.5.4
 *   out of sequence (MAIL before EHLO, RCPT before MAIL)  503 5.5.1
 *   more than max_recipients (RFC 5321 §4.5.3.1.10)       452 4.5.3
 *   SIZE= or the data over max_message_size (RFC 1870)    552 5.3.4
 *   UTF-8 path without the SMTPUTF8 parameter (RFC 6531)  553 5.6.7
 *   in the data: bare LF, bare CR, NUL (RFC 5321 §2.3.8,
 *     "SMTP smuggling": only CRLF.CRLF ends the data)     554 5.6.0
 *   a data line over 998 octets (RFC 5321 §4.5.3.1.6)     500 5.5.2
 *   too many errors in one session                        421 4.7.0
 *   client not in an allowed network               554 5.7.1 and close
 *   too many clients at once                       421 4.3.2 and close
 *   idle past the command / data timeout           421 4.4.2 and close
 *
 * Client networks: `allow` (default loopback only: 127.0.0.0/8 and ::1);
 * an IPv4-mapped IPv6 peer is matched as IPv4 (relay/netaddr.h).
 *
 * Logging: ICID lines through relay/relaylog.h (New SMTP ICID, ACCEPT /
 * REJECT, TLS success / failed, MID ... From/To/ready/queued, rejections
 * with their reply, close).  Client text is escaped.
 *
 * Limits: a command line 512 octets, a data line 998, a message
 * max_message_size (<= MX_SPOOL_MAX_MESSAGE), recipients max_recipients
 * (<= MX_SPOOL_MAX_RCPTS), clients max_clients, replies queued but not
 * yet read by the client MX_LISTENER_MAX_OUT (reading pauses above it).
 *
 * Files: listener.c (accepting, sockets, TLS records, timers),
 * smtp_server.c (the SMTP dialogue of a session, and the message into
 * the spool), netaddr.c (networks and addresses); their shared state is
 * in listener_int.h.
 *
 * Ownership: mx_listener_new/mx_listener_free.  The spool, the event
 * base and the params' strings are borrowed and must outlive the
 * listener.  Callbacks come from the event loop.
 */
#ifndef MX_RELAY_LISTENER_H
#define MX_RELAY_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/netaddr.h"
#include "relay/relaylog.h"
#include "relay/spool.h"

struct event_base;
struct mx_listener;

#define MX_LISTENER_DEFAULT_SIZE (10u * 1024u * 1024u)
#define MX_LISTENER_DEFAULT_RCPTS 100
#define MX_LISTENER_DEFAULT_CLIENTS 100
#define MX_LISTENER_MAX_OUT (64u * 1024u)
#define MX_LISTENER_MAX_ALLOW 64

struct mx_listener_params {
	const char *addr;	    /* numeric bind address */
	uint16_t port;		    /* 0: any (tests; see mx_listener_port) */
	const char *hostname;	    /* banner and EHLO; NULL: "localhost" */
	size_t max_message_size;    /* 0: MX_LISTENER_DEFAULT_SIZE */
	size_t max_recipients;	    /* 0: MX_LISTENER_DEFAULT_RCPTS */
	size_t max_clients;	    /* 0: MX_LISTENER_DEFAULT_CLIENTS */
	size_t max_errors;	    /* 0: 20 */
	const struct mx_net *allow; /* NULL: loopback only */
	size_t nallow;
	const char *tls_cert; /* both or neither: STARTTLS offered */
	const char *tls_key;
	int command_timeout_ms; /* 0: 300000 (RFC 5321 §4.5.3.2.7) */
	int data_timeout_ms;	/* 0: 600000 */
	struct mx_spool *spool; /* required */
	struct mx_rlog log;
	/* A message is in the spool (after the "250" is queued). */
	void (*queued)(void *arg, const char *id, const struct mx_envelope *env,
		       size_t size);
	void *queued_arg;
};

struct mx_listener_stats {
	uint64_t connections;  /* accepted TCP connections */
	uint64_t refused;      /* not allowed / too many */
	uint64_t messages;     /* put in the spool */
	uint64_t rejected;     /* replies 4xx/5xx to client input */
	uint64_t spool_errors; /* puts that failed (451) */
	uint64_t tls;	       /* completed STARTTLS handshakes */
};

/* Bind, listen and start accepting.  NULL with a message in err. */
struct mx_listener *mx_listener_new(struct event_base *base,
				    const struct mx_listener_params *p,
				    char *err, size_t errlen);
/* The bound port (for port 0). */
uint16_t mx_listener_port(const struct mx_listener *l);
/* Stop accepting and end every session with 421 4.3.2 (a message in
 * the middle of DATA is not acknowledged, so the client keeps it). */
void mx_listener_shutdown(struct mx_listener *l);
size_t mx_listener_sessions(const struct mx_listener *l);
const struct mx_listener_stats *mx_listener_stats(const struct mx_listener *l);
void mx_listener_free(struct mx_listener *l);

#endif
