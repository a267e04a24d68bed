/*
 * conn.h - the record every TCP connection leaves in the model.
 *
 * Purpose: evidence.  Each connection mxprobe opens (probe, enumeration,
 * order check, bisection step, confirmation, advice test ...) gets one
 * struct mx_connrec: why it was opened (structured, never prose), its
 * 4-tuple (getsockname/getpeername), wall-clock start with microseconds,
 * monotonic offsets of each step, bytes each way, how it ended, a summary
 * of the ClientHello that went out and of the server's answer.  Capture
 * correlation joins packets to it by 4-tuple and time; the dashboard
 * draws it as a timeline; JSON shows it (doc/json.md, `connections`).
 *
 * Who fills what:
 *   - the connection creator (scheduler, enumeration, bisection,
 *     confirmation) makes the record with mx_endpoint_conn_new()
 *     (model/result.h) and lends it to the engine;
 *   - probe/conn.c: start times, CONNECTED, addresses and ports, bytes,
 *     HELLO_SENT for library handshakes, FIRST_RECORD, the end at the
 *     socket (peer FIN/RST, refused, error) and `we_closed` at free;
 *   - probe/smtp_client.c: GREETING, EHLO, STARTTLS, step timeouts, TLS
 *     alerts, the answer of a library handshake;
 *   - probe/rawhello.c: HELLO_SENT, the hello summary, the answer
 *     (reaction, ServerHello version/suite/group, alert), timeouts.
 *
 * Rules: mx_connrec_mark() and mx_connrec_end() are first-call-wins, so
 * layers can each record what they see without ordering worries.  One
 * exception is explicit: mx_connrec_alert() records a TLS alert that the
 * library reports after the TCP close it caused (alert, then FIN), and
 * replaces a fin/rst/we_closed/error end with the alert.
 *
 * Clocks: start_wall_us is CLOCK_REALTIME, start_mono_us and every offset
 * CLOCK_MONOTONIC (the clock of common/clock.h), all in microseconds.
 *
 * Ownership: plain data, no pointers; an endpoint owns its records
 * (model/result.h), engines borrow them.  The model layer: uses only
 * common/.
 */
#ifndef MX_MODEL_CONN_H
#define MX_MODEL_CONN_H

#include <stddef.h>
#include <stdint.h>

enum mx_conn_kind {
	MX_CONN_PROBE = 1, /* the endpoint probe (check) */
	MX_CONN_ENUM,	   /* suite enumeration of one version */
	MX_CONN_ORDER,	   /* server-order check */
	MX_CONN_RANK,	   /* ranking the suites found */
	MX_CONN_GROUPS,	   /* group (curve / ffdhe) probe */
	MX_CONN_BISECT,	   /* intolerance bisection step */
	MX_CONN_RETRY,	   /* enumeration again without a suite class */
	MX_CONN_CONFIRM,   /* client profile confirmation (real stack) */
	MX_CONN_ADVICE,	   /* test of a recommended cipher string */
	MX_CONN_SEND,	   /* a delivery attempt (send, relay) */
};

/* Why the connection was opened: structured, never prose. */
struct mx_conn_purpose {
	enum mx_conn_kind kind;
	uint16_t version;	   /* wire code of the version enumerated or
				    * offered; 0 none */
	unsigned nsuites, ngroups; /* suites / groups offered; 0 none */
	int step;	  /* bisection step K (0-based), -1 otherwise */
	char dropped[64]; /* bisection: the part tested ("AES-GCM
				    * suites"); retry: the class left out */
	char profile[48]; /* confirm/advice: client profile id */
	char stack[16];	  /* confirm/advice: "openssl" / "gnutls" */
};

/* Steps of a connection, in the order they happen. */
enum mx_conn_mark {
	MX_MARK_CONNECTED,    /* TCP connect completed */
	MX_MARK_GREETING,     /* SMTP greeting received */
	MX_MARK_EHLO,	      /* first EHLO (or HELO) reply received */
	MX_MARK_STARTTLS,     /* reply to STARTTLS received */
	MX_MARK_HELLO_SENT,   /* ClientHello queued (handshake start) */
	MX_MARK_FIRST_RECORD, /* first bytes from the server after it */
	MX_MARK_END,	      /* the connection ended (see how) */
	MX_MARK__N
};

/* How the connection ended. */
enum mx_conn_how {
	MX_HOW_NONE = 0,   /* not ended yet */
	MX_HOW_WE_CLOSED,  /* we closed it (done, or gave up) */
	MX_HOW_PEER_FIN,   /* the server closed (EOF) */
	MX_HOW_PEER_RST,   /* the server reset (ECONNRESET/EPIPE) */
	MX_HOW_TIMEOUT,	   /* a step timed out, we closed */
	MX_HOW_REFUSED,	   /* connect refused (RST to our SYN) */
	MX_HOW_ERROR,	   /* another socket error: err says which */
	MX_HOW_ALERT_RECV, /* the server sent a fatal TLS alert */
	MX_HOW_ALERT_SENT, /* we sent a fatal TLS alert */
	MX_HOW_CANCELLED,  /* freed before the connect completed */
};

#define MX_CONN_ADDR_MAX 64 /* holds INET6_ADDRSTRLEN (46) */
#define MX_CONN_ANSWER_MAX 24

struct mx_connrec {
	unsigned id; /* unique in the run, from 1 */
	struct mx_conn_purpose purpose;
	char local_addr[MX_CONN_ADDR_MAX]; /* getsockname; "" unknown */
	uint16_t local_port;
	char remote_addr[MX_CONN_ADDR_MAX]; /* getpeername, or the target
					     * when connect failed */
	uint16_t remote_port;
	int64_t start_wall_us;	      /* CLOCK_REALTIME, us since the epoch;
					 * 0: never started */
	int64_t start_mono_us;	      /* CLOCK_MONOTONIC, us */
	int64_t mark_us[MX_MARK__N];  /* offsets from start; -1 not reached */
	uint64_t bytes_out, bytes_in; /* raw socket bytes */
	enum mx_conn_how how;
	int alert; /* TLS alert number, -1 none */
	int err;   /* errno, or 0 */
	/* The ClientHello sent (hello_len 0: none went out / unknown). */
	uint16_t hello_min_version, hello_max_version;
	unsigned hello_nsuites, hello_ngroups;
	size_t hello_len; /* bytes on the wire, record headers included */
	/* The server's answer: "" none, else one of "handshake" (library
	 * handshake completed), "flight" (a raw hello's complete first
	 * flight), "alert", "alert_sent", "fin", "rst", "timeout",
	 * "not_tls", "broken", "error". */
	char answer[MX_CONN_ANSWER_MAX];
	uint16_t answer_version, answer_suite, answer_group; /* 0 unknown */
};

/* Stable lower-case names, used in JSON ("enum", "hello_sent",
 * "peer_fin"); "unknown" out of range. */
const char *mx_conn_kind_name(enum mx_conn_kind k);
const char *mx_conn_mark_name(enum mx_conn_mark m);
const char *mx_conn_how_name(enum mx_conn_how h);
/* "TLSv1.2", "SSLv3", or NULL for a code the model does not name. */
const char *mx_conn_version_name(uint16_t v);

/* Zero the record, set id and purpose (p may be NULL: kind 0, step -1),
 * every mark to -1, alert to -1. */
void mx_connrec_init(struct mx_connrec *r, unsigned id,
		     const struct mx_conn_purpose *p);
/* Take the start times now (first call wins). */
void mx_connrec_start(struct mx_connrec *r);
/* Record step m at the current monotonic time (first call wins; ignored
 * before mx_connrec_start). */
void mx_connrec_mark(struct mx_connrec *r, enum mx_conn_mark m);
/* How it ended (first call wins); marks END. alert -1 none, err 0 none. */
void mx_connrec_end(struct mx_connrec *r, enum mx_conn_how how, int alert,
		    int err);
/* A TLS alert (how MX_HOW_ALERT_RECV or _SENT): ends the record if it
 * has not ended, or replaces an end of we_closed/peer_fin/peer_rst/error
 * (the close the alert caused); a timeout, refusal or cancel stays. */
void mx_connrec_alert(struct mx_connrec *r, enum mx_conn_how how, int alert);
/* Set the answer summary (first non-empty answer wins). */
void mx_connrec_answer(struct mx_connrec *r, const char *answer,
		       uint16_t version, uint16_t suite, uint16_t group);

/* "conn 7, enumeration TLSv1.2 (44 suites offered)" into buf; returns
 * buf (always NUL-terminated when len > 0). */
char *mx_connrec_describe(const struct mx_connrec *r, char *buf, size_t len);
/* The same without "conn N, " (the purpose alone). */
char *mx_conn_purpose_describe(const struct mx_conn_purpose *p, char *buf,
			       size_t len);

#endif
