/*
 * send.h - the facts of one delivery (relay/sender.h fills them): per
 * stage steps and replies, per recipient replies, every endpoint tried
 * with its SMTP and TLS facts, the policy verdict, and the outcome.
 * Renderers (reports/send.c) and analyzers (analyzers/smtp_failures.c)
 * read it; only the sender writes it.
 *
 * Ownership: every pointer is owned by the result and freed by
 * mx_send_result_free(); peer text is escaped.  No secrets: the sender
 * never stores a password or an AUTH payload here.
 */
#ifndef MX_MODEL_SEND_H
#define MX_MODEL_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "model/finding.h"
#include "model/policy.h"
#include "model/result.h"

/* Stages of a delivery, in order; each maps to one exit status of
 * `mxprobe send` (doc/exit-status.md). */
enum mx_send_stage {
	MX_SEND_STAGE_NONE = 0, /* nothing failed */
	MX_SEND_STAGE_RESOLVE,	/* next hop / MX / A / TLSA lookup */
	MX_SEND_STAGE_CONNECT,
	MX_SEND_STAGE_BANNER,
	MX_SEND_STAGE_EHLO,
	MX_SEND_STAGE_STARTTLS,
	MX_SEND_STAGE_TLS,
	MX_SEND_STAGE_POLICY, /* the TLS policy refused the session */
	MX_SEND_STAGE_AUTH,
	MX_SEND_STAGE_MAIL,
	MX_SEND_STAGE_RCPT,
	MX_SEND_STAGE_DATA,
	MX_SEND_STAGE_QUIT,
	MX_SEND_STAGE__N
};
/* "resolve", "connect", ..., "none". */
const char *mx_send_stage_name(enum mx_send_stage s);

enum mx_send_status {
	MX_SEND_DELIVERED = 0, /* DATA accepted for every recipient */
	MX_SEND_PARTIAL,       /* DATA accepted, some recipients refused */
	MX_SEND_TEMPFAIL,      /* try later (4xx, network, TLS, policy) */
	MX_SEND_PERMFAIL,      /* 5xx: do not retry, bounce */
	MX_SEND_ERROR,	       /* bad params or our own failure */
};
const char *mx_send_status_name(enum mx_send_status s);

/* One stage: its step and the reply that ended it (code 0 if none).
 * `cut`: the reply went over a limit (lines, line length, bytes) and the
 * session stopped there; `reply` holds the code and the lines read. */
struct mx_send_step {
	struct mx_step step;
	struct mx_reply reply;
	int cut;
};

struct mx_send_rcpt {
	char *addr; /* as given (escaped) */
	struct mx_send_step st;
	int accepted;
};

/* One endpoint tried. */
struct mx_send_attempt {
	char *host; /* MX host name or address */
	char *addr;
	uint16_t port;
	enum mx_tls_mode mode;
	int pref;	    /* MX preference or -1 */
	int64_t started_ms; /* since the sender started */
	int64_t total_ms;
	struct mx_smtp smtp; /* engine facts, transcript */
	struct mx_tls tls;
	enum mx_tlsa_state tlsa;    /* for dane levels */
	struct mx_tlsa_rr *tlsa_rr; /* the TLSA RRset (data owned) */
	size_t ntlsa;
	struct mx_policy_verdict verdict;
	int judged; /* verdict is set */
	/* stages this attempt reached (connect..ehlo also in smtp) */
	struct mx_send_step stage[MX_SEND_STAGE__N];
	char *auth_mech; /* mechanism used, or NULL */
	struct mx_send_rcpt *rcpts;
	size_t nrcpts;
	enum mx_send_stage failed;    /* NONE if it got through */
	enum mx_send_refusal refusal; /* the sender's own stop, if any */
	int temporary;		      /* the failure is temporary */
};

struct mx_send_result {
	enum mx_send_status status;
	enum mx_send_stage failed_stage; /* of the deciding attempt */
	int delivered;			 /* DATA got 250 */
	int encrypted;			 /* ... over TLS */
	int permanent;			 /* failure is permanent (5xx) */
	int cancelled;			 /* stopped by mx_sender_cancel */
	enum mx_tls_policy policy;	 /* as asked */
	enum mx_tls_policy effective;	 /* after dane fallback */
	char *policy_why;		 /* why the policy deferred, or NULL */
	const char *policy_reason_id;	 /* finding id, or NULL */
	char *error;			 /* one line: what failed (escaped) */
	/* next hop */
	char *nexthop;		  /* domain or host used for `secure` */
	struct mx_target *target; /* resolution facts (DNS, endpoints),
					 * owned through `run` */
	struct mx_run *run;	  /* holds `target`; freed with r */
	struct mx_send_attempt *attempts;
	size_t nattempts, capattempts;
	size_t final; /* index of the deciding attempt */
	int64_t total_ms;
	size_t message_len; /* octets sent in DATA (unstuffed) */
	/* judgement, filled by analyzers/smtp_failures (not the sender) */
	struct mx_findings findings;
};

void mx_send_result_free(struct mx_send_result *r);
/* The deciding attempt, or NULL when none was made. */
const struct mx_send_attempt *
mx_send_result_final(const struct mx_send_result *r);

#endif
