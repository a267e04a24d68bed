/*
 * smtp_failures.h - explain SMTP refusals met while sending (pure).
 *
 * A refusal is (phase, reply): the phase of the dialogue in which the
 * reply came, and the reply as the model holds it (code, enhanced code,
 * escaped text).  The explanation is a TABLE of rules, first match wins:
 * {phases, code range, enhanced-code prefix, text fragment} -> finding id
 * (model/catalogue.c) with an optional specific fix.  It knows:
 *   530 + "STARTTLS" -> smtp.tls_required; 530 -> smtp.auth_required
 *   535 -> smtp.auth_failed (SES: SMTP credentials are not IAM keys and
 *          are per region)
 *   534 -> smtp.auth_mech_weak; 538 -> smtp.auth_required_tls
 *   454 at AUTH -> smtp.auth_temp_failure; 454 at STARTTLS ->
 *          smtp.starttls_rejected; 454 "Throttling" (SES) ->
 *          smtp.rate_limited
 *   421, 4xx/5xx with "rate"/"too many"/"quota" -> smtp.rate_limited
 *   5xx "not verified" (SES 554 Message rejected: Email address is not
 *          verified) -> smtp.sender_unverified
 *   552, x.3.4 -> smtp.size_exceeded
 *   5xx at MAIL / RCPT / DATA -> smtp.sender_rejected /
 *          smtp.recipient_rejected / smtp.message_rejected
 *   4xx at MAIL/RCPT/DATA -> smtp.temp_failure
 *   non-220 greeting -> smtp.greeting_rejected; EHLO/HELO refused ->
 *          smtp.ehlo_rejected
 * Refusals by the sender itself (enum mx_send_refusal, model/policy.h)
 * have their own small table.
 *
 * mx_send_result_explain() applies both tables (and the TLS policy
 * verdict, analyzers/policy.h) to a whole delivery (model/send.h).
 *
 * The evidence quotes the reply (already escaped in the model), at most
 * 300 octets of it.
 */
#ifndef MX_ANALYZERS_SMTP_FAILURES_H
#define MX_ANALYZERS_SMTP_FAILURES_H

#include "model/finding.h"
#include "model/policy.h"
#include "model/result.h"
#include "model/send.h"

enum mx_smtp_phase {
	MX_PH_GREETING = 0,
	MX_PH_EHLO,
	MX_PH_STARTTLS,
	MX_PH_AUTH,
	MX_PH_MAIL,
	MX_PH_RCPT,
	MX_PH_DATA, /* the DATA command or the final dot */
	MX_PH_QUIT,
	MX_PH__N
};
const char *mx_smtp_phase_name(enum mx_smtp_phase ph);

/* The finding id that explains this refusal, and the specific fix (or
 * NULL for the catalogue's); NULL when the reply is not a refusal
 * (2xx/3xx) or nothing applies. */
const char *mx_smtp_failure_id(enum mx_smtp_phase ph, const struct mx_reply *r,
			       const char **fix);

/* Add the explaining finding to fs; returns its id or NULL. */
const char *mx_smtp_failure_explain(struct mx_findings *fs, const char *where,
				    enum mx_smtp_phase ph,
				    const struct mx_reply *r);

/* The sender's own refusal; returns the id added, or NULL for NONE. */
const char *mx_send_refusal_explain(struct mx_findings *fs, const char *where,
				    enum mx_send_refusal why,
				    const char *detail);

/* Explain a finished delivery into r->findings: the sender's own refusal
 * or the server's reply at the stage that failed, a failed connect or
 * TLS handshake, each refused recipient, and the TLS policy verdict of
 * the final attempt - each with the attempt's "where". */
void mx_send_result_explain(struct mx_send_result *r);

#endif
