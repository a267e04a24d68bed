/*
 * send.h - renderers of a delivery (`mxprobe send`, `check --send-test`)
 * and of a policy table (`mxprobe policy`): text and JSON.
 *
 * Text: one headline (delivered or not, where, TLS), the message's token
 * and Message-ID, the policy verdict, then a per-stage table like swaks
 * and CheckTLS (connect, banner, EHLO, STARTTLS, TLS, policy, AUTH, MAIL,
 * RCPT per recipient, DATA, QUIT: OK/FAIL/skip, milliseconds, the reply),
 * the endpoints tried, findings with fixes, and with `transcript` the
 * SMTP dialogue (AUTH payloads appear as <redacted>: the model never
 * holds them).  JSON: doc/mxprobe-send.schema.json; the `policy`
 * document is described in the same file under $defs/policy_report.
 *
 * Renderers read the model only (model/send.h, model/policy.h) and judge
 * nothing; peer text in the model is already escaped, and JSON goes
 * through jansson.
 *
 * Ownership: everything borrowed for the call.
 */
#ifndef MX_REPORTS_SEND_H
#define MX_REPORTS_SEND_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "model/policy.h"
#include "model/result.h"
#include "model/send.h"

/* doc/mxprobe-send.schema.json, doc/mxprobe-policy.schema.json */
#define MX_SEND_SCHEMA_VERSION 2
#define MX_POLICY_SCHEMA_VERSION 2

struct mx_send_report {
	const struct mx_send_result *r;
	const char *tool_version;
	time_t started;
	int exit_status;
	const char *exit_reason; /* one line */
	/* the message */
	const char *token;
	const char *message_id;
	const char *from;
	const char *const *rcpts;
	size_t nrcpts;
	/* end-to-end confirmation (Maildir) */
	int e2e_checked;
	int e2e_found;
	int64_t e2e_ms;	      /* send start to found */
	const char *e2e_path; /* file found (escaped) or NULL */
};

struct mx_send_text_opts {
	int color;
	int transcript;
	int no_status; /* check --send-test: check writes the status line */
};

int mx_report_send_text(FILE *out, const struct mx_send_report *rep,
			const struct mx_send_text_opts *o);
int mx_report_send_json(FILE *out, const struct mx_send_report *rep);

/* One endpoint judged at every level (`mxprobe policy`). */
struct mx_policy_row {
	const char *host;
	const char *addr;
	uint16_t port;
	int pref;
	const char *tls_version; /* NULL: no TLS */
	const char *tls_suite;
	enum mx_tlsa_state tlsa;
	struct mx_policy_verdict v[MX_POLICY__N];
};

struct mx_policy_report {
	const char *target;
	const char *tool_version;
	time_t started;
	int exit_status;
	const struct mx_policy_row *rows;
	size_t nrows;
	const struct mx_findings *findings;
};

int mx_report_policy_text(FILE *out, const struct mx_policy_report *rep,
			  int color);
int mx_report_policy_json(FILE *out, const struct mx_policy_report *rep);

#endif
