/*
 * rawhello.h - the raw ClientHello engine: one connection, one hello, and
 * exactly what the server did about it.
 *
 * Purpose: the enumeration (probe/enum.h), the intolerance bisection and
 * the client simulation send hellos no TLS library would send (export,
 * RC4, NULL, anon suites; chosen extension sets) and need the server's
 * reaction as a fact: its first flight parsed (ServerHello, Certificate,
 * ServerKeyExchange ... through wire/tls_flight.h), or an alert, a FIN,
 * an RST, silence, or bytes that are not TLS - with timings.
 *
 * One run: TCP connect; for STARTTLS the SMTP dialogue of the SMTP client
 * engine (greeting, EHLO, STARTTLS - probe/smtp_client.h, raw hand-over);
 * for implicit TLS nothing; then the caller's hello bytes (built with
 * wire/tls_hello.h: records, not just the handshake message) are written
 * as they are, and the answer is fed to the flight parser until it is
 * final.  The connection is then closed (no alert is sent: we never
 * finish a handshake).  SMTP-level refusals before the hello (connection
 * refused, 421 greeting, 454 to STARTTLS) end the run with reaction
 * MX_RAW_NOT_SENT and the SMTP facts in result.smtp.
 *
 * API (engine style: handle + params + callback, on the caller's loop):
 *   rh = mx_rawhello_new(base, &params, done, arg);
 *   mx_rawhello_start(rh);
 *   ... done(arg, rh, result) is called once, from the loop; the callee
 *   may mx_rawhello_free(rh) inside it (the result dies with it).
 *
 * Evidence (model/conn.h): with params.rec set, the record gets what
 * probe/conn.h and probe/smtp_client.h record, plus HELLO_SENT when the
 * hello is written, the hello summary (our own bytes parsed:
 * mx_connrec_hello_summary), `timeout` when the answer does not come in
 * time, an alert received with its number, and the answer: the reaction
 * name (mx_raw_reaction_name) with the ServerHello's version and suite
 * and the group (key_share, else ServerKeyExchange).  --trace lines
 * start with "conn N: ".
 *
 * Ownership: params strings and the record are borrowed until done; the hello bytes are
 * copied at mx_rawhello_new.  The result, its flight facts (certificate
 * DER, DH values) and its SMTP facts belong to the handle.
 * Limits: the flight parser's (256 KiB of handshake data, 32 certs); the
 * answer to the hello is awaited at most hello_timeout_ms (default 10 s)
 * and never past deadline_ms.
 */
#ifndef MX_PROBE_RAWHELLO_H
#define MX_PROBE_RAWHELLO_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "wire/tls_flight.h"

struct event_base;
struct mx_rawhello;

struct mx_rawhello_params {
	const char *host; /* name for the transcript; may be an IP */
	const char *addr; /* numeric address */
	uint16_t port;
	enum mx_tls_mode mode; /* MX_MODE_STARTTLS or MX_MODE_IMPLICIT */
	const char *helo;      /* EHLO argument; NULL: "mxprobe.invalid" */
	const uint8_t *hello;  /* ClientHello records to send (copied) */
	size_t hello_len;
	int connect_timeout_ms; /* each 0: 30000 */
	int greeting_timeout_ms;
	int command_timeout_ms;
	int hello_timeout_ms; /* answer to the hello; 0: 10000 */
	int64_t deadline_ms;  /* absolute monotonic; 0: none */
	const struct mx_log *log;
	struct mx_connrec *rec; /* evidence record (borrowed); NULL: none */
};

enum mx_raw_reaction {
	MX_RAW_NOT_SENT = 0, /* never got to send: result.smtp.stop says why */
	MX_RAW_FLIGHT,	     /* a complete first flight (flight->status DONE) */
	MX_RAW_ALERT,	     /* a fatal alert (or close_notify) */
	MX_RAW_FIN,	     /* closed without a byte of answer */
	MX_RAW_RST,	     /* reset (with or without a partial answer) */
	MX_RAW_TIMEOUT,	     /* no complete answer in time */
	MX_RAW_NOT_TLS,	     /* the answer is not TLS (SMTP text, HTTP) */
	MX_RAW_BROKEN,	     /* truncated, invalid, unsupported or oversized
				 * flight: flight->status and ->detail say */
};

struct mx_raw_result {
	enum mx_raw_reaction reaction;
	/* The flight parser's facts; NULL when the hello was not sent. */
	const struct mx_flight_facts *flight;
	struct mx_smtp smtp; /* dialogue facts up to the hand-over */
	size_t dropped;	     /* bytes after "220" discarded (RFC 3207) */
	size_t hello_len;    /* bytes of hello written */
	size_t bytes_in;     /* bytes received after the hello */
	int64_t ms_connect;  /* TCP connect */
	int64_t ms_ready;    /* start to hello sent (TCP, SMTP, STARTTLS) */
	int64_t ms_answer;   /* hello sent to the reaction */
	int64_t ms_total;
	char detail[200]; /* our words: "alert 40 (handshake_failure)",
				 * "FIN right after the ClientHello" */
};

typedef void (*mx_rawhello_done_fn)(void *arg, struct mx_rawhello *rh,
				    const struct mx_raw_result *r);

struct mx_rawhello *mx_rawhello_new(struct event_base *base,
				    const struct mx_rawhello_params *p,
				    mx_rawhello_done_fn done, void *arg);
/* Returns 0; failures (bad address ...) arrive through done. */
int mx_rawhello_start(struct mx_rawhello *rh);
/* Cancels a run still going (no done callback then). */
void mx_rawhello_free(struct mx_rawhello *rh);
const struct mx_raw_result *mx_rawhello_result(const struct mx_rawhello *rh);

/* "flight", "alert", "fin", "rst", "timeout", "not_tls", "broken",
 * "not_sent" (stable: used in JSON and by the intolerance bisection). */
const char *mx_raw_reaction_name(enum mx_raw_reaction r);

#endif
