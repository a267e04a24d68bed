/*
 * listener_int.h - the listener's shared state (internal to the
 * listener's files; not a public header).
 *
 * Purpose: the listener is split by job - listener.c (accepting, the
 * socket, TLS records, timers, shutdown) and smtp_server.c (the SMTP
 * dialogue of one session and the message into the spool).  They share
 * the handle and the session declared here and call each other only
 * through the mx_ls_* functions below.
 *
 * One struct mx_ls_session per accepted connection: a non-blocking
 * socket, a read event (persistent), a write event, one timer (idle /
 * data / linger), the plaintext input not yet parsed (`in`), the raw
 * output not yet sent (`out`), and, after STARTTLS, a server TLS session
 * over memory BIOs (relay/tls_server.h).
 *
 * Ownership: the listener owns its sessions (a doubly linked list); a
 * session owns its socket, events, buffers, TLS session and transaction.
 * Sessions are freed only from their own event callbacks in listener.c,
 * never from inside the dialogue.  Nothing is global.
 */
#ifndef MX_RELAY_LISTENER_INT_H
#define MX_RELAY_LISTENER_INT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "relay/listener.h"
#include "relay/tls_server.h"
#include "wire/smtp_data.h"

struct event;

enum sstate {
	SS_CMD = 0, /* reading commands */
	SS_DATA,    /* reading the message after 354 */
	SS_CLOSING, /* last reply queued; close when it is sent */
};

enum tstate { TLS_OFF = 0, TLS_HANDSHAKE, TLS_UP };

struct mx_ls_session {
	struct mx_listener *l;
	struct mx_ls_session *prev, *next;
	unsigned long icid;
	int fd;
	struct event *ev_read, *ev_write, *ev_timer;
	struct mx_buf in;  /* plaintext not yet parsed */
	struct mx_buf out; /* raw bytes not yet sent */
	struct mx_tls_server *tls;
	enum tstate tls_state;
	enum sstate state;
	int paused; /* reading stopped: the client does not read */
	struct mx_smtp_cmd_reader cr;
	struct mx_smtp_data_reader dr;
	struct mx_buf msg; /* the message of the current DATA */
	/* SMTP state (RFC 5321 §4.1.4) */
	int helo;  /* EHLO or HELO done */
	int esmtp; /* EHLO (not HELO) */
	int have_mail;
	int smtputf8;
	char *from;
	char **rcpts;
	size_t nrcpts, rcpts_cap;
	size_t errors;
	char peer[INET6_ADDRSTRLEN];
	char local[INET6_ADDRSTRLEN];
	uint16_t peer_port;
};

struct mx_listener {
	struct event_base *base;
	struct mx_listener_params p;
	struct mx_net allow[MX_LISTENER_MAX_ALLOW];
	size_t nallow;
	char *hostname;
	int lfd;
	uint16_t port;
	struct event *ev_accept;
	struct mx_tls_server_ctx *tls_ctx;
	struct mx_ls_session *sessions;
	size_t nsessions;
	unsigned long next_icid;
	int shut;
	struct mx_listener_stats stats;
};

/* listener.c: output and session state */
void mx_ls_arm_timer(struct mx_ls_session *s, int ms);
/* Send what is queued in `out` once the socket takes it. */
void mx_ls_want_write(struct mx_ls_session *s);
/* Move the TLS session's records to `out`. */
void mx_ls_tls_flush(struct mx_ls_session *s);
/* Close after the last reply: no more input is read. */
void mx_ls_closing(struct mx_ls_session *s);

/* smtp_server.c: the dialogue */
/* One reply line (CRLF added), through TLS once it is up. */
void mx_ls_reply(struct mx_ls_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A 4xx/5xx answer to client input (counted, logged; too many: 421). */
void mx_ls_reject(struct mx_ls_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forget the transaction (MAIL, RCPT, the message). */
void mx_ls_clear_transaction(struct mx_ls_session *s);
/* Parse what is buffered in `in`, as far as the state allows. */
void mx_ls_process(struct mx_ls_session *s);

#endif
