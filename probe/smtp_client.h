/*
 * smtp_client.h - the SMTP client engine (handle + params + callbacks).
 *
 * One engine drives the dialogue for `check`, `certs`, the relay and the
 * end-to-end sender: TCP connect, (implicit TLS,) greeting, EHLO with HELO
 * fallback, STARTTLS when offered and wanted (RFC 3207), the TLS
 * handshake through a backend (probe/tls.h), EHLO again, then `ready`.
 * From `ready` the caller issues commands one at a time (no pipelining:
 * the engine never sends a command before the previous reply, so it never
 * pipelines beyond what a server advertised nor past STARTTLS), sends a
 * DATA payload, and QUITs.
 *
 * Facts go straight into the caller's model structs (struct mx_smtp and
 * struct mx_tls, model/result.h): steps with milliseconds, replies,
 * capabilities before and after TLS, the escaped transcript, TLS facts,
 * and why it stopped.  The engine judges nothing; a refused STARTTLS is
 * recorded and the session continues in clear unless `require_tls`.
 *
 * Replies (RFC 5321 §4.3, §2.1): a reply answers the command sent before
 * it.  A complete reply that began in bytes already received when the
 * command went out, or whose code cannot answer it (a "220" while EHLO is
 * outstanding), is unsolicited: it is kept in the transcript with a note
 * starting "unsolicited reply, " (analyzers report smtp.unsolicited_reply),
 * skipped, and the real reply is read; more than 8 stop the session
 * (MX_STOP_REPLY_LIMIT).  EHLO falls back to HELO after a 5xx only (RFC
 * 5321 §4.1.4); after a 4xx it stops (MX_STOP_EHLO_REJECTED), and after a
 * 421 it closes without QUIT (§3.8).  A connection the server resets as
 * soon as it accepted it is MX_STOP_PEER_RESET with the connect step OK,
 * not a connect failure.
 *
 * Evidence text: `smtp->error` quotes the peer's bytes (a malformed line
 * from its first byte, the start of an over-long line) escaped exactly
 * once, in double quotes, at most 160 escaped bytes with "..." marking a
 * cut; the transcript holds the same bytes as received.
 *
 * Deadlines: each step (connect, greeting, each reply, handshake) has its
 * own timeout, all bounded by an absolute per-target deadline; a server
 * that never answers or answers forever costs at most that.
 *
 * Callbacks come from the event loop only.  on_done is the last one; the
 * caller frees the client in or after it.
 *
 * Raw hand-over (for the raw ClientHello engine, probe/rawhello.h): with
 * params.raw_ready set the engine does not start a TLS handshake; on
 * "220" to STARTTLS (or right after the TCP connect for implicit TLS) it
 * calls params.raw_ready, whose callee takes the live connection with
 * mx_smtp_client_take_conn() and drives the bytes itself.  After the
 * hand-over the client is inert (no done callback); the SMTP facts up to
 * STARTTLS stay in the caller's struct mx_smtp.  The callee must not
 * free the client inside raw_ready (free it later, from the loop).
 *
 * Evidence (model/conn.h): with params.rec set, the connection's record
 * gets, besides what probe/conn.h records, the GREETING, EHLO (first
 * EHLO/HELO reply) and STARTTLS (its reply) marks; `timeout` when a step
 * timer fires; a TLS alert received or sent (number from the TLS
 * facts); and for a library handshake the answer: "handshake" with
 * version, suite and group, or the failure ("alert", "alert_sent",
 * "fin", "rst", "timeout", "not_tls", "error").  --trace=smtp lines
 * start with "conn N: ".  The record follows the connection through a
 * raw hand-over.
 *
 * Ownership: mx_smtp_client_new/free.  params strings, the backend, the
 * TLS params, the record and the fact structs are borrowed and must
 * outlive the client.  Command lines marked MX_SMTP_REDACT appear in the transcript
 * as "<redacted>" (AUTH secrets never reach the model).
 */
#ifndef MX_PROBE_SMTP_CLIENT_H
#define MX_PROBE_SMTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "probe/tls.h"
#include "wire/smtp.h"

struct event_base;
struct mx_smtp_client;

struct mx_smtp_params {
	const char *host; /* name for SNI and the transcript */
	const char *addr; /* numeric address */
	uint16_t port;
	enum mx_tls_mode mode;
	const char *helo;   /* EHLO/HELO argument */
	int starttls;	    /* try STARTTLS when offered */
	int require_tls;    /* no TLS is a stop (relay policies) */
	int handshake_only; /* end the session once TLS is up (no
				 * greeting/EHLO over TLS): confirmations */
	const struct mx_tls_backend *tls;
	const struct mx_tls_params *tls_params;
	int connect_timeout_ms; /* each 0: 30000 */
	int greeting_timeout_ms;
	int command_timeout_ms;
	int tls_timeout_ms;
	int64_t deadline_ms; /* absolute monotonic; 0: none */
	const struct mx_log *log;
	/* Raw hand-over (above): when set, raw_ready(arg of the client)
	 * is called instead of a TLS handshake; call
	 * mx_smtp_client_take_conn() in it (otherwise the session stops
	 * with MX_STOP_INTERNAL and done follows). */
	void (*raw_ready)(void *arg, struct mx_smtp_client *c);
	/* Evidence record of the connection (borrowed); NULL: none. */
	struct mx_connrec *rec;
};

struct mx_smtp_client_cbs {
	/* The session is ready for mail commands (or for QUIT). */
	void (*ready)(void *arg, struct mx_smtp_client *c);
	/* The session is over (QUIT done, or it stopped: smtp->stop). */
	void (*done)(void *arg, struct mx_smtp_client *c);
};

/* Reply to a command: r is NULL when the session failed meanwhile (the
 * done callback follows). */
typedef void (*mx_smtp_reply_cb)(void *arg, struct mx_smtp_client *c,
				 const struct mx_smtp_reply *r);

enum { MX_SMTP_REDACT = 1 };

struct mx_smtp_client *
mx_smtp_client_new(struct event_base *base, const struct mx_smtp_params *p,
		   struct mx_smtp *smtp, struct mx_tls *tls,
		   const struct mx_smtp_client_cbs *cbs, void *arg);
void mx_smtp_client_free(struct mx_smtp_client *c);
int mx_smtp_client_start(struct mx_smtp_client *c);

/* After ready: one command line (no CRLF), its reply to cb. */
int mx_smtp_client_cmd(struct mx_smtp_client *c, const char *line, int flags,
		       mx_smtp_reply_cb cb, void *arg);
/* After a 354 to DATA: the dot-stuffed payload ending in ".\r\n". */
int mx_smtp_client_data(struct mx_smtp_client *c, const uint8_t *payload,
			size_t len, mx_smtp_reply_cb cb, void *arg);
/* Send QUIT, wait briefly for 221, close; then done. */
void mx_smtp_client_quit(struct mx_smtp_client *c);
/* Close at once (no QUIT); then done. */
void mx_smtp_client_abort(struct mx_smtp_client *c, const char *why);

/* In a reply callback called with NULL (the session stopped): when it
 * stopped because the reply being read went over a limit of wire/smtp.h
 * (line length, lines, bytes: MX_STOP_REPLY_LIMIT), the part read so far
 * -- its code and complete lines -- else NULL (no line was complete, or
 * the stop was something else).  A 550 cut at the line limit is still a
 * 550.  Borrowed until the callback returns. */
const struct mx_smtp_reply *
mx_smtp_client_cut_reply(const struct mx_smtp_client *c);

/* Milliseconds since the client started (transcript clock). */
int64_t mx_smtp_client_elapsed(const struct mx_smtp_client *c);
/* Whether the session is under TLS now. */
int mx_smtp_client_tls_active(const struct mx_smtp_client *c);
/* The capabilities in force (after TLS if TLS is up). */
const struct mx_caps *mx_smtp_client_caps(const struct mx_smtp_client *c);

/* Inside params.raw_ready: take the connection (now in raw mode: no TLS) and
 * route its events to cbs/arg.  Bytes the server sent after "220" and
 * before the hand-over are discarded (RFC 3207 §4.2) and counted in
 * *dropped.  Returns NULL outside raw_ready. */
struct mx_conn;
struct mx_conn_cbs;
struct mx_conn *mx_smtp_client_take_conn(struct mx_smtp_client *c,
					 const struct mx_conn_cbs *cbs,
					 void *arg, size_t *dropped);

/* Convert a wire reply into the model (escaped text). */
void mx_reply_from_wire(struct mx_reply *out, const struct mx_smtp_reply *r);

#endif
