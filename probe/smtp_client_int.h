/*
 * smtp_client_int.h - the inside of the SMTP client engine
 * (probe/smtp_client.h), shared by its three files and by nothing else:
 *
 *   smtp_client.c      the dialogue: the states, what each reply leads
 *                      to, connection events, the public API;
 *   smtp_client_io.c   lines out and replies in: commands with the
 *                      transcript and redaction, the reply reader with
 *                      its limits and unsolicited replies, wire replies
 *                      and EHLO keywords into the model;
 *   smtp_client_end.c  time and the end: step timers and the deadline,
 *                      the TLS facts and the connection record's answer,
 *                      sc_finish() (the single exit) and the done
 *                      callback from the loop.
 *
 * Every function here takes the client it works on; none is re-entered
 * from a callback it makes.
 */
#ifndef MX_PROBE_SMTP_CLIENT_INT_H
#define MX_PROBE_SMTP_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "probe/smtp_client.h"
#include "wire/smtp.h"

#define DEFAULT_TIMEOUT_MS 30000
#define QUIT_TIMEOUT_MS 3000
#define PEER_QUOTE_MAX 160 /* escaped peer bytes quoted in `error` */
#define PEER_RAW_MAX 4096  /* raw peer bytes kept for the quote */
#define MAX_UNSOLICITED 8  /* unsolicited replies skipped, then a stop */

enum st {
	ST_INIT = 0,
	ST_CONNECT,
	ST_TLS_IMPLICIT,
	ST_GREETING,
	ST_EHLO,
	ST_HELO,
	ST_STARTTLS,
	ST_TLS,
	ST_EHLO_TLS,
	ST_READY,
	ST_CMD,
	ST_DATA,
	ST_QUIT,
	ST_RAW, /* handed over, or about to be (raw_ready) */
	ST_DONE,
};

struct mx_smtp_client {
	struct event_base *base;
	struct mx_smtp_params p;
	struct mx_smtp *smtp;
	struct mx_tls *tls;
	const struct mx_smtp_client_cbs *cbs;
	void *arg;
	struct mx_conn *conn;
	struct event *ev_timer;
	struct event *ev_finish;
	enum st st;
	int64_t t0;	 /* start, monotonic ms */
	int64_t step_t0; /* start of the current step */
	struct mx_smtp_reply reply;
	mx_smtp_reply_cb cmd_cb;
	void *cmd_arg;
	int tls_up;
	int clipped; /* the step timer was cut by the deadline */
	int finishing;
	int done_called;
	enum mx_stop pending_tls_stop; /* TLS failed; finish is scheduled */
	/* Unsolicited input (RFC 5321 §4.3, §2.1: a reply answers the
	 * command sent before it; nothing else may be taken for it).
	 * `stale` counts the bytes that had arrived, unread, when our last
	 * command went out: a reply that starts among them was sent before
	 * the server saw the command.  `stray` marks the reply being read
	 * as such; `nstray` counts those skipped. */
	size_t stale;
	int stray;
	unsigned nstray;
};

/* ---- smtp_client_io.c ---------------------------------------------------- */

/* Milliseconds since the start (the transcript's clock). */
int64_t sc_now_rel(const struct mx_smtp_client *c);
/* A note (our words) in the transcript. */
void sc_note(struct mx_smtp_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One command line (CRLF added), into the transcript (redacted past the
 * verb when asked) and the trace; -1 when it cannot be sent. */
int sc_send_line(struct mx_smtp_client *c, const char *line, int redact);
/* Send a dialogue command, wait in state st with a step timer. */
void sc_send_cmd(struct mx_smtp_client *c, enum st st, const char *line,
		 int timeout_ms);
/* EHLO (or HELO, for st ST_HELO) with the configured name. */
void sc_send_ehlo(struct mx_smtp_client *c, enum st st);
/* The capabilities of an EHLO reply into the model. */
void sc_caps_from_wire(struct mx_caps *caps, const struct mx_smtp_reply *r);
/* probe/conn.h readable callback: reads replies, calls sc_on_reply(). */
void sc_conn_readable(void *arg);

/* ---- smtp_client.c --------------------------------------------------------- */

/* A complete reply to what the state waits on is in c->reply. */
void sc_on_reply(struct mx_smtp_client *c);
/* Start the TLS handshake (or hand the connection over, raw_ready). */
void sc_start_tls(struct mx_smtp_client *c, enum st st);

/* ---- smtp_client_end.c ---------------------------------------------------- */

/* Arm the step timer (clipped by the deadline); the step starts now. */
void sc_arm(struct mx_smtp_client *c, int step_ms);
int64_t sc_step_ms(const struct mx_smtp_client *c);
void sc_step_set(struct mx_smtp_client *c, struct mx_step *s,
		 enum mx_step_state st);
/* The step record of the state we are waiting in, or NULL. */
struct mx_step *sc_current_step(struct mx_smtp_client *c);
/* The TLS facts of the session into the model and the record. */
void sc_record_tls_facts(struct mx_smtp_client *c);
/* The single exit: record the stop and its detail, close, fail the
 * command outstanding, schedule the done callback. */
void sc_finish(struct mx_smtp_client *c, enum mx_stop stop, const char *fmt,
	       ...) __attribute__((format(printf, 3, 4)));
/* sc_finish() quoting peer bytes a then b as evidence (see there). */
void sc_finish_quoting(struct mx_smtp_client *c, enum mx_stop stop,
		       const char *what, const uint8_t *a, size_t alen,
		       const uint8_t *b, size_t blen);
/* The step timer (doubles as the deferred TLS-failure finish) and the
 * done callback, for evtimer_new(). */
void sc_timer_cb(evutil_socket_t fd, short what, void *arg);
void sc_finish_cb(evutil_socket_t fd, short what, void *arg);

#endif
