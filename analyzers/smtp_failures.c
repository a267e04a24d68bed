/*
 * smtp_failures.c - SMTP refusals explained by a rule table; see
 * smtp_failures.h.  Reply codes: RFC 5321 section 4.2; enhanced codes:
 * RFC 3463; AUTH codes: RFC 4954 section 6; SIZE: RFC 1870 section 6.
 * mx_send_result_explain() puts the pieces together for one delivery.
 */
#include "analyzers/smtp_failures.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "analyzers/policy.h"
#include "model/where.h"

#define PH(x) (1u << (x))
#define PH_ANY 0xffffu
#define PH_ENVELOPE (PH(MX_PH_MAIL) | PH(MX_PH_RCPT) | PH(MX_PH_DATA))

struct rule {
	unsigned phases;      /* PH() bits */
	int code_lo, code_hi; /* inclusive */
	const char *enh;      /* enhanced code prefix or NULL */
	const char *text;     /* case-insensitive fragment or NULL */
	const char *id;
	const char *fix; /* specific fix or NULL */
};

static const char ses_creds_fix[] =
	"The server refused the user name or password. Amazon SES answers "
	"exactly '535 Authentication Credentials Invalid': SES SMTP "
	"credentials are NOT the IAM access key id and secret (create SMTP "
	"credentials in the SES console, or derive the password from the "
	"secret key with the SES algorithm), and they work only in the "
	"region whose endpoint (email-smtp.<region>.amazonaws.com) they were "
	"made for.";

static const struct rule rules[] = {
	/* TLS first (RFC 3207 section 4: 530 5.7.0 Must issue a STARTTLS
	 * command first) */
	{PH_ANY, 530, 530, NULL, "starttls", "smtp.tls_required", NULL},
	{PH_ANY, 530, 530, "5.7.11", NULL, "smtp.tls_required", NULL},
	{PH_ANY, 530, 530, NULL, "tls", "smtp.tls_required", NULL},
	{PH_ANY, 530, 530, NULL, NULL, "smtp.auth_required", NULL},
	/* AUTH (RFC 4954 section 6) */
	{PH_ANY, 535, 535, NULL, "credentials invalid", "smtp.auth_failed",
	 ses_creds_fix},
	{PH_ANY, 535, 535, NULL, NULL, "smtp.auth_failed", NULL},
	{PH_ANY, 534, 534, NULL, NULL, "smtp.auth_mech_weak", NULL},
	{PH_ANY, 538, 538, NULL, NULL, "smtp.auth_required_tls", NULL},
	/* Throttling, before the generic 454 rules (SES: 454 Throttling
	 * failure: Maximum sending rate exceeded / Daily message quota
	 * exceeded) */
	{PH_ANY, 400, 599, NULL, "throttl", "smtp.rate_limited", NULL},
	{PH_ANY, 400, 599, NULL, "rate limit", "smtp.rate_limited", NULL},
	{PH_ANY, 400, 599, NULL, "sending rate", "smtp.rate_limited", NULL},
	{PH_ANY, 400, 599, NULL, "too many", "smtp.rate_limited", NULL},
	{PH_ANY, 400, 599, NULL, "quota exceeded", "smtp.rate_limited", NULL},
	{PH(MX_PH_AUTH), 454, 454, NULL, NULL, "smtp.auth_temp_failure", NULL},
	{PH(MX_PH_STARTTLS), 400, 599, NULL, NULL, "smtp.starttls_rejected",
	 NULL},
	/* The identity is not verified (SES: 554 Message rejected: Email
	 * address is not verified. The following identities failed the
	 * check in region ...) */
	{PH_ANY, 500, 599, NULL, "not verified", "smtp.sender_unverified",
	 NULL},
	/* 421: the service closes the channel; most often a limit */
	{PH_ANY, 421, 421, NULL, NULL, "smtp.rate_limited",
	 "The server closed the session (421): usually a connection or "
	 "message rate limit, or the server is shutting down; retry later "
	 "and send more slowly."},
	/* Size (RFC 1870 section 6; RFC 3463 x.3.4) */
	{PH_ANY, 552, 552, NULL, NULL, "smtp.size_exceeded", NULL},
	{PH_ANY, 500, 599, "5.3.4", NULL, "smtp.size_exceeded", NULL},
	/* The greeting and EHLO */
	{PH(MX_PH_GREETING), 400, 599, NULL, NULL, "smtp.greeting_rejected",
	 NULL},
	{PH(MX_PH_EHLO), 400, 599, NULL, NULL, "smtp.ehlo_rejected", NULL},
	/* Permanent envelope and content refusals */
	{PH(MX_PH_MAIL), 500, 599, NULL, NULL, "smtp.sender_rejected", NULL},
	{PH(MX_PH_RCPT), 500, 599, NULL, NULL, "smtp.recipient_rejected", NULL},
	{PH(MX_PH_DATA), 500, 599, NULL, NULL, "smtp.message_rejected", NULL},
	/* AUTH refused otherwise */
	{PH(MX_PH_AUTH), 500, 599, NULL, NULL, "smtp.auth_failed", NULL},
	/* Temporary refusals (greylisting, resources) */
	{PH_ENVELOPE | PH(MX_PH_AUTH), 400, 499, NULL, NULL,
	 "smtp.temp_failure", NULL},
};

static const char *const phase_names[MX_PH__N] = {
	[MX_PH_GREETING] = "greeting", [MX_PH_EHLO] = "ehlo",
	[MX_PH_STARTTLS] = "starttls", [MX_PH_AUTH] = "auth",
	[MX_PH_MAIL] = "mail",	       [MX_PH_RCPT] = "rcpt",
	[MX_PH_DATA] = "data",	       [MX_PH_QUIT] = "quit",
};

const char *mx_smtp_phase_name(enum mx_smtp_phase ph)
{
	if ((unsigned)ph >= MX_PH__N)
		return "?";
	return phase_names[ph];
}

/* Case-insensitive substring (the reply text is escaped ASCII). */
static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (hay == NULL)
		return 0;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

const char *mx_smtp_failure_id(enum mx_smtp_phase ph, const struct mx_reply *r,
			       const char **fix)
{
	size_t i;

	if (fix)
		*fix = NULL;
	if (r == NULL || r->code < 400 || r->code > 599 ||
	    (unsigned)ph >= MX_PH__N)
		return NULL;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *u = &rules[i];

		if (!(u->phases & PH(ph)) || r->code < u->code_lo ||
		    r->code > u->code_hi)
			continue;
		if (u->enh && strncmp(r->enh, u->enh, strlen(u->enh)) != 0)
			continue;
		if (u->text && !contains_ci(r->text, u->text))
			continue;
		if (fix)
			*fix = u->fix;
		return u->id;
	}
	return NULL;
}

const char *mx_smtp_failure_explain(struct mx_findings *fs, const char *where,
				    enum mx_smtp_phase ph,
				    const struct mx_reply *r)
{
	const char *fix, *id = mx_smtp_failure_id(ph, r, &fix);
	struct mx_finding *f;

	if (id == NULL)
		return NULL;
	f = mx_findings_add(fs, id, where, "%s: %d%s%s %.300s",
			    mx_smtp_phase_name(ph), r->code,
			    r->enh[0] ? " " : "", r->enh,
			    r->text ? r->text : "");
	if (fix)
		mx_finding_set_fix(f, "%s", fix);
	return id;
}

struct refusal_rule {
	enum mx_send_refusal why;
	const char *id;
	const char *what;
};

static const struct refusal_rule refusals[] = {
	{MX_REFUSE_AUTH_NOT_OFFERED, "smtp.auth_unavailable",
	 "the server offers no AUTH in its EHLO reply"},
	{MX_REFUSE_AUTH_NO_MECH, "smtp.auth_unavailable",
	 "no offered AUTH mechanism is supported"},
	{MX_REFUSE_AUTH_NEEDS_TLS, "smtp.auth_required_tls",
	 "AUTH not sent: the session is not encrypted and "
	 "--allow-plaintext-auth was not given"},
	{MX_REFUSE_NEED_8BITMIME, "smtp.extension_missing",
	 "the message has an 8-bit body and the server lacks 8BITMIME"},
	{MX_REFUSE_NEED_SMTPUTF8, "smtp.extension_missing",
	 "an address is UTF-8 and the server lacks SMTPUTF8"},
	{MX_REFUSE_SIZE, "smtp.size_exceeded",
	 "the message is larger than the server's SIZE limit"},
	{MX_REFUSE_AUTH_PROTOCOL, "smtp.auth_failed",
	 "the server broke the authentication exchange"},
};

const char *mx_send_refusal_explain(struct mx_findings *fs, const char *where,
				    enum mx_send_refusal why,
				    const char *detail)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		if (refusals[i].why != why)
			continue;
		mx_findings_add(fs, refusals[i].id, where, "%s%s%.300s",
				refusals[i].what, detail ? ": " : "",
				detail ? detail : "");
		return refusals[i].id;
	}
	return NULL;
}

/* ---- a whole delivery ------------------------------------------------------ */

static enum mx_smtp_phase phase_of(enum mx_send_stage st)
{
	switch (st) {
	case MX_SEND_STAGE_BANNER:
		return MX_PH_GREETING;
	case MX_SEND_STAGE_EHLO:
		return MX_PH_EHLO;
	case MX_SEND_STAGE_STARTTLS:
		return MX_PH_STARTTLS;
	case MX_SEND_STAGE_AUTH:
		return MX_PH_AUTH;
	case MX_SEND_STAGE_MAIL:
		return MX_PH_MAIL;
	case MX_SEND_STAGE_RCPT:
		return MX_PH_RCPT;
	case MX_SEND_STAGE_DATA:
		return MX_PH_DATA;
	default:
		return MX_PH_QUIT;
	}
}

/* A step that failed without a reply: the server went silent, closed or
 * reset, or sent more than a reply may hold.  The SMTP engine's stop says
 * which (the same ids `check` uses). */
static const struct {
	enum mx_stop stop;
	const char *id;
	const char *what;
} no_reply[] = {
	{MX_STOP_GREETING_TIMEOUT, "smtp.timeout", "no greeting arrived"},
	{MX_STOP_REPLY_TIMEOUT, "smtp.timeout", "no reply arrived"},
	{MX_STOP_TARGET_DEADLINE, "smtp.timeout", "the deadline expired"},
	{MX_STOP_PEER_CLOSED, "smtp.connection_lost",
	 "the server closed the connection (TCP FIN)"},
	{MX_STOP_PEER_RESET, "smtp.connection_lost",
	 "the server reset the connection (TCP RST)"},
	{MX_STOP_REPLY_LIMIT, "smtp.reply_limit_exceeded",
	 "the reply exceeded a line length, line count or size limit"},
	{MX_STOP_REPLY_MALFORMED, "smtp.reply_malformed",
	 "the answer is not an SMTP reply"},
};

static void no_reply_explain(struct mx_send_result *r,
			     const struct mx_send_attempt *a, const char *where)
{
	size_t i;

	for (i = 0; i < sizeof(no_reply) / sizeof(no_reply[0]); i++) {
		if (no_reply[i].stop != a->smtp.stop)
			continue;
		mx_findings_add(&r->findings, no_reply[i].id, where,
				"%s during %s%s%s", no_reply[i].what,
				mx_send_stage_name(a->failed),
				a->smtp.error ? ": " : "",
				a->smtp.error ? a->smtp.error : "");
		return;
	}
}

void mx_send_result_explain(struct mx_send_result *r)
{
	const struct mx_send_attempt *a = mx_send_result_final(r);
	char where[MX_WHERE_MAX];
	size_t i;

	if (a == NULL)
		return;
	mx_where(where, sizeof(where), a->host, a->addr, (unsigned)a->port);
	/* Stopped by us (SIGINT/SIGTERM): not the server's failure. */
	if (r->cancelled && a->failed != MX_SEND_STAGE_NONE &&
	    a->stage[a->failed].reply.code == 0) {
		mx_findings_add(&r->findings, "probe.cancelled", where,
				"the delivery was stopped (interrupted) during "
				"%s, after %lld ms",
				mx_send_stage_name(a->failed),
				(long long)r->total_ms);
		return;
	}
	if (a->refusal != MX_REFUSE_NONE)
		mx_send_refusal_explain(&r->findings, where, a->refusal,
					r->error);
	else if (a->failed != MX_SEND_STAGE_NONE &&
		 a->failed != MX_SEND_STAGE_POLICY &&
		 a->failed != MX_SEND_STAGE_TLS &&
		 a->failed != MX_SEND_STAGE_RCPT)
		mx_smtp_failure_explain(&r->findings, where,
					phase_of(a->failed),
					&a->stage[a->failed].reply);
	if (a->failed == MX_SEND_STAGE_CONNECT)
		mx_findings_add(&r->findings, "smtp.connect_failed", where,
				"%s", r->error ? r->error : "connect failed");
	else if (a->failed != MX_SEND_STAGE_NONE &&
		 (a->stage[a->failed].reply.code == 0 ||
		  a->stage[a->failed].cut))
		no_reply_explain(r, a, where); /* a cut reply: both */
	if (a->failed == MX_SEND_STAGE_TLS)
		mx_findings_add(&r->findings, "tls.handshake_failed", where,
				"%s%s%s", mx_tls_fail_name(a->tls.fail),
				a->tls.fail_detail ? ": " : "",
				a->tls.fail_detail ? a->tls.fail_detail : "");
	for (i = 0; i < a->nrcpts; i++)
		if (!a->rcpts[i].accepted && a->rcpts[i].st.reply.code)
			mx_smtp_failure_explain(&r->findings, where, MX_PH_RCPT,
						&a->rcpts[i].st.reply);
	if (a->judged)
		mx_policy_add_finding(&r->findings, where, r->policy,
				      &a->verdict);
}
