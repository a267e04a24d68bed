/*
 * sender_int.h - the inside of the delivery engine (relay/sender.h),
 * shared by its three files and by nothing else:
 *
 *   sender.c          the delivery as a whole: params, the next hop, the
 *                     endpoints in order, the outcome;
 *   sender_session.c  one endpoint: TLSA, the SMTP session, the policy
 *                     judgement, what an early stop of the engine means;
 *   sender_mail.c     the mail transaction (AUTH, MAIL, RCPT, DATA) and
 *                     the stage records.
 */
#ifndef MX_RELAY_SENDER_INT_H
#define MX_RELAY_SENDER_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "common/buf.h"
#include "relay/sender.h"

struct mx_auth;
struct mx_dns_answer;
struct mx_smtp_client;

#define DEFAULT_STEP_MS 30000
#define DEFAULT_DATA_MS 600000
#define DEFAULT_ATTEMPTS 5

struct mx_sender {
	struct event_base *base;
	struct mx_send_params p;
	struct mx_sender_cbs cbs;
	void *arg;
	struct mx_send_result *r;
	struct event *ev_kick; /* start / next step from the loop */
	struct event *ev_done;
	int64_t t0;
	size_t next_ep;		     /* next endpoint to try */
	unsigned nconn;		     /* connection records made */
	struct mx_send_attempt *cur; /* current attempt (in r->attempts) */
	size_t cur_idx;
	struct mx_smtp_client *client;
	struct mx_auth *auth;
	size_t rcpt_i;
	size_t naccepted;
	int64_t stage_t0;
	enum mx_send_stage stage; /* our own stage in progress */
	int decided;		  /* attempt outcome decided */
	int finished;		  /* done scheduled */
	int resolving, tlsa_pending;
	int canceled;
	struct mx_buf payload;	 /* dot-stuffed message */
	struct mx_tls_params tp; /* borrowed by the engine */
};

/* ---- sender.c -------------------------------------------------------------- */

/* The result's one-line error (our words and model strings, escaped
 * already; a stray control byte is escaped). */
void snd_set_error(struct mx_send_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether the level needs a policy judge (all but none). */
int snd_policy_needs_judge(enum mx_tls_policy p);
/* The event callback, for the current attempt. */
void snd_event_out(struct mx_sender *s, enum mx_send_event ev);
/* The current attempt is over: the next endpoint, or the outcome. */
void snd_attempt_over(struct mx_sender *s);

/* ---- sender_session.c ------------------------------------------------------ */

/* The policy verdict of the current attempt from its session's facts. */
void snd_judge(struct mx_sender *s);
/* Start the SMTP session of the current attempt. */
void snd_start_session(struct mx_sender *s);
/* probe/dns.h callback: the TLSA answer of the current attempt's host. */
void snd_tlsa_cb(void *arg, const struct mx_dns_answer *ans);

/* ---- sender_mail.c --------------------------------------------------------- */

/* The current attempt failed at stage st (the first failure decides). */
void snd_fail_stage(struct mx_sender *s, enum mx_send_stage st, int temporary);
/* QUIT the session (its end is the engine's done callback). */
void snd_quit(struct mx_sender *s);
/* The transaction from AUTH (when a user is set) or from MAIL. */
void snd_start_auth(struct mx_sender *s);
void snd_send_mail(struct mx_sender *s);

#endif
