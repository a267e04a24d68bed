/*
 * test_smtp_failures.c - analyzers/smtp_failures: a table of real-world
 * refusals (Postfix, Exchange, AWS SES, Gmail wording) with the phase
 * they came in, and the finding id each must give; the SES fixes; the
 * sender's own refusals; escaped evidence; every id exists in the
 * catalogue (mx_findings_add aborts on an unknown id).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/smtp_failures.h"
#include "common/xalloc.h"

struct tcase {
	enum mx_smtp_phase ph;
	int code;
	const char *enh;
	const char *text;
	const char *id;	     /* NULL: no finding */
	const char *fix_has; /* a fragment of the specific fix, or NULL */
};

static const struct tcase cases[] = {
	{MX_PH_MAIL, 530, "5.7.0", "Must issue a STARTTLS command first",
	 "smtp.tls_required", NULL},
	{MX_PH_AUTH, 530, "5.7.0", "Must issue a STARTTLS command first",
	 "smtp.tls_required", NULL},
	{MX_PH_MAIL, 530, "5.7.0", "Authentication required",
	 "smtp.auth_required", NULL},
	{MX_PH_AUTH, 535, "", "Authentication Credentials Invalid",
	 "smtp.auth_failed", "NOT the IAM access key"},
	{MX_PH_AUTH, 535, "5.7.8",
	 "Error: authentication failed: "
	 "authentication failure",
	 "smtp.auth_failed", NULL},
	{MX_PH_AUTH, 534, "5.7.9", "Please log in with your web browser",
	 "smtp.auth_mech_weak", NULL},
	{MX_PH_AUTH, 538, "5.7.11",
	 "Encryption required for requested "
	 "authentication mechanism",
	 "smtp.auth_required_tls", NULL},
	{MX_PH_AUTH, 454, "4.7.0", "Temporary authentication failure",
	 "smtp.auth_temp_failure", NULL},
	{MX_PH_STARTTLS, 454, "4.7.0",
	 "TLS not available due to temporary "
	 "reason",
	 "smtp.starttls_rejected", NULL},
	{MX_PH_DATA, 454, "",
	 "Throttling failure: Maximum sending rate "
	 "exceeded.",
	 "smtp.rate_limited", NULL},
	{MX_PH_MAIL, 454, "",
	 "Throttling failure: Daily message quota "
	 "exceeded.",
	 "smtp.rate_limited", NULL},
	{MX_PH_GREETING, 421, "4.7.0",
	 "mx.example.com Error: too many "
	 "connections from 192.0.2.1",
	 "smtp.rate_limited", NULL},
	{MX_PH_RCPT, 421, "4.7.0", "Try again later, closing connection.",
	 "smtp.rate_limited", "421"},
	{MX_PH_RCPT, 450, "4.7.1", "Rate limit exceeded", "smtp.rate_limited",
	 NULL},
	{MX_PH_DATA, 554, "",
	 "Message rejected: Email address is not "
	 "verified. The following identities failed "
	 "the check in region EU-WEST-1: a@lab.test",
	 "smtp.sender_unverified", NULL},
	{MX_PH_MAIL, 554, "5.7.1",
	 "Message rejected: Email address is not "
	 "verified.",
	 "smtp.sender_unverified", NULL},
	{MX_PH_DATA, 552, "5.3.4", "Message size exceeds fixed limit",
	 "smtp.size_exceeded", NULL},
	{MX_PH_MAIL, 552, "5.3.4",
	 "Message size exceeds fixed maximum "
	 "message size",
	 "smtp.size_exceeded", NULL},
	{MX_PH_DATA, 554, "5.3.4", "Message too big for system",
	 "smtp.size_exceeded", NULL},
	{MX_PH_MAIL, 553, "5.7.1",
	 "<a@x.test>: Sender address rejected: "
	 "not owned by user labuser",
	 "smtp.sender_rejected", NULL},
	{MX_PH_MAIL, 550, "5.1.8", "Sender address rejected: Domain not found",
	 "smtp.sender_rejected", NULL},
	{MX_PH_RCPT, 550, "5.1.1",
	 "<nobody@lab.test>: Recipient address "
	 "rejected: User unknown",
	 "smtp.recipient_rejected", NULL},
	{MX_PH_RCPT, 554, "5.7.1", "<x@y.test>: Relay access denied",
	 "smtp.recipient_rejected", NULL},
	{MX_PH_DATA, 554, "5.7.1", "Message rejected as spam",
	 "smtp.message_rejected", NULL},
	{MX_PH_DATA, 550, "5.7.26",
	 "Unauthenticated email is not accepted "
	 "(DMARC)",
	 "smtp.message_rejected", NULL},
	{MX_PH_RCPT, 450, "4.2.0", "Recipient address rejected: Greylisted",
	 "smtp.temp_failure", NULL},
	{MX_PH_DATA, 451, "4.3.0", "Error: queue file write error",
	 "smtp.temp_failure", NULL},
	{MX_PH_GREETING, 554, "5.7.1", "No SMTP service here",
	 "smtp.greeting_rejected", NULL},
	{MX_PH_EHLO, 501, "5.5.4", "Syntax: EHLO hostname",
	 "smtp.ehlo_rejected", NULL},
	/* not refusals */
	{MX_PH_MAIL, 250, "2.1.0", "Ok", NULL, NULL},
	{MX_PH_DATA, 354, "", "End data with <CR><LF>.<CR><LF>", NULL, NULL},
	{MX_PH_AUTH, 235, "2.7.0", "Authentication successful", NULL, NULL},
	{MX_PH_QUIT, 500, "", "what?", NULL, NULL},
	{MX_PH_MAIL, 0, "", "", NULL, NULL},
	{MX_PH_MAIL, 999, "", "", NULL, NULL},
};

static void reply(struct mx_reply *r, const struct tcase *c)
{
	memset(r, 0, sizeof(*r));
	r->code = c->code;
	snprintf(r->enh, sizeof(r->enh), "%s", c->enh);
	r->text = (char *)c->text;
	r->nlines = 1;
}

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		struct mx_reply r;
		struct mx_findings fs = {0};
		const char *fix, *id, *added;

		reply(&r, c);
		id = mx_smtp_failure_id(c->ph, &r, &fix);
		if ((id == NULL) != (c->id == NULL) ||
		    (id && strcmp(id, c->id) != 0))
			fail_msg("case %zu (%s %d %s): got %s, want %s", i,
				 mx_smtp_phase_name(c->ph), c->code, c->text,
				 id ? id : "none", c->id ? c->id : "none");
		if (c->fix_has &&
		    (fix == NULL || strstr(fix, c->fix_has) == NULL))
			fail_msg("case %zu: fix lacks '%s'", i, c->fix_has);
		added = mx_smtp_failure_explain(&fs, "where", c->ph, &r);
		assert_int_equal(fs.n, c->id ? 1 : 0);
		if (c->id) {
			assert_string_equal(added, c->id);
			assert_string_equal(fs.v[0].where, "where");
			/* the evidence quotes phase and reply */
			assert_non_null(strstr(fs.v[0].evidence,
					       mx_smtp_phase_name(c->ph)));
			assert_non_null(strstr(fs.v[0].evidence, c->text));
		}
		mx_findings_clear(&fs);
	}
}

static void test_refusals(void **state)
{
	static const struct {
		enum mx_send_refusal why;
		const char *id;
	} v[] = {
		{MX_REFUSE_AUTH_NOT_OFFERED, "smtp.auth_unavailable"},
		{MX_REFUSE_AUTH_NO_MECH, "smtp.auth_unavailable"},
		{MX_REFUSE_AUTH_NEEDS_TLS, "smtp.auth_required_tls"},
		{MX_REFUSE_NEED_8BITMIME, "smtp.extension_missing"},
		{MX_REFUSE_NEED_SMTPUTF8, "smtp.extension_missing"},
		{MX_REFUSE_SIZE, "smtp.size_exceeded"},
		{MX_REFUSE_AUTH_PROTOCOL, "smtp.auth_failed"},
	};
	struct mx_findings fs = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_string_equal(mx_send_refusal_explain(&fs, "w", v[i].why,
							    "detail"),
				    v[i].id);
		assert_string_equal(fs.v[fs.n - 1].def->id, v[i].id);
		assert_non_null(strstr(fs.v[fs.n - 1].evidence, "detail"));
	}
	assert_null(mx_send_refusal_explain(&fs, "w", MX_REFUSE_NONE, NULL));
	assert_int_equal(fs.n, sizeof(v) / sizeof(v[0]));
	mx_findings_clear(&fs);
}

/* A long reply is quoted at most 300 octets; phases out of range. */
static void test_limits(void **state)
{
	struct mx_findings fs = {0};
	struct mx_reply r;
	char *big = xmalloc(5001);
	size_t n;

	(void)state;
	memset(big, 'x', 5000);
	big[5000] = '\0';
	memset(&r, 0, sizeof(r));
	r.code = 550;
	r.text = big;
	for (n = 0; n <= 5000; n += 250) {
		big[n] = '\0';
		mx_smtp_failure_explain(&fs, "w", MX_PH_RCPT, &r);
		assert_true(strlen(fs.v[fs.n - 1].evidence) < 340);
		big[n] = 'x';
	}
	assert_null(mx_smtp_failure_id(MX_PH__N, &r, NULL));
	assert_null(mx_smtp_failure_id(MX_PH_MAIL, NULL, NULL));
	r.text = NULL;
	assert_string_equal(mx_smtp_failure_id(MX_PH_MAIL, &r, NULL),
			    "smtp.sender_rejected");
	assert_string_equal(mx_smtp_phase_name(MX_PH_RCPT), "rcpt");
	assert_string_equal(mx_smtp_phase_name(MX_PH__N), "?");
	mx_findings_clear(&fs);
	free(big);
}

/* A whole delivery (mx_send_result_explain): each way it can end gives
 * its finding, with the attempt's where. */
static void test_send_result(void **state)
{
	static const struct {
		enum mx_send_stage failed;
		enum mx_send_refusal refusal;
		int code; /* of the failed stage's reply, or of RCPT 1 */
		const char *text;
		const char *id;	   /* NULL: no finding */
		enum mx_stop stop; /* the engine's, for a step with no reply */
	} t[] = {
		{MX_SEND_STAGE_CONNECT, MX_REFUSE_NONE, 0, NULL,
		 "smtp.connect_failed", MX_STOP_NONE},
		{MX_SEND_STAGE_TLS, MX_REFUSE_NONE, 0, NULL,
		 "tls.handshake_failed", MX_STOP_NONE},
		{MX_SEND_STAGE_AUTH, MX_REFUSE_NONE, 535,
		 "Authentication Credentials Invalid", "smtp.auth_failed",
		 MX_STOP_NONE},
		{MX_SEND_STAGE_MAIL, MX_REFUSE_SIZE, 0, NULL,
		 "smtp.size_exceeded", MX_STOP_NONE},
		{MX_SEND_STAGE_RCPT, MX_REFUSE_NONE, 550, "5.1.1 no such user",
		 "smtp.recipient_rejected", MX_STOP_NONE},
		{MX_SEND_STAGE_NONE, MX_REFUSE_NONE, 0, NULL, NULL,
		 MX_STOP_NONE},
		/* a step that failed without a reply (issue 13) */
		{MX_SEND_STAGE_DATA, MX_REFUSE_NONE, 0, NULL, "smtp.timeout",
		 MX_STOP_REPLY_TIMEOUT},
		{MX_SEND_STAGE_DATA, MX_REFUSE_NONE, 0, NULL,
		 "smtp.connection_lost", MX_STOP_PEER_CLOSED},
		{MX_SEND_STAGE_MAIL, MX_REFUSE_NONE, 0, NULL,
		 "smtp.connection_lost", MX_STOP_PEER_RESET},
		{MX_SEND_STAGE_RCPT, MX_REFUSE_NONE, 0, NULL,
		 "smtp.reply_limit_exceeded", MX_STOP_REPLY_LIMIT},
		{MX_SEND_STAGE_EHLO, MX_REFUSE_NONE, 0, NULL,
		 "smtp.reply_malformed", MX_STOP_REPLY_MALFORMED},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mx_send_result r;
		struct mx_send_attempt a;
		struct mx_send_rcpt rc;

		memset(&r, 0, sizeof(r));
		memset(&a, 0, sizeof(a));
		memset(&rc, 0, sizeof(rc));
		a.host = "mx1.lab.test";
		a.addr = "127.0.0.31";
		a.port = 25;
		a.failed = t[i].failed;
		a.refusal = t[i].refusal;
		a.smtp.stop = t[i].stop;
		if (t[i].failed == MX_SEND_STAGE_RCPT) {
			rc.addr = "nobody@lab.test";
			rc.st.reply.code = t[i].code;
			rc.st.reply.text = (char *)t[i].text;
			a.rcpts = &rc;
			a.nrcpts = 1;
		} else {
			a.stage[t[i].failed].reply.code = t[i].code;
			a.stage[t[i].failed].reply.text = (char *)t[i].text;
		}
		r.attempts = &a;
		r.nattempts = 1;
		r.error = "connection refused";
		mx_send_result_explain(&r);
		if (t[i].id == NULL) {
			assert_int_equal(r.findings.n, 0);
			continue;
		}
		assert_true(mx_findings_has(&r.findings, t[i].id));
		assert_string_equal(r.findings.v[0].where,
				    "mx1.lab.test [127.0.0.31]:25");
		mx_findings_clear(&r.findings);
	}
	{
		/* A 550 cut at the reply limit (5,000 lines): the code is
		 * kept (the message was refused) and the limit is named. */
		struct mx_send_result r;
		struct mx_send_attempt a;

		memset(&r, 0, sizeof(r));
		memset(&a, 0, sizeof(a));
		a.host = "mx1.lab.test";
		a.addr = "127.0.0.31";
		a.port = 25;
		a.failed = MX_SEND_STAGE_DATA;
		a.smtp.stop = MX_STOP_REPLY_LIMIT;
		a.smtp.error = "reply limit exceeded (too_many_lines) after "
			       "100 lines, 10190 bytes of a 550 reply";
		a.stage[MX_SEND_STAGE_DATA].reply.code = 550;
		a.stage[MX_SEND_STAGE_DATA].reply.text = "rejected";
		a.stage[MX_SEND_STAGE_DATA].cut = 1;
		r.attempts = &a;
		r.nattempts = 1;
		mx_send_result_explain(&r);
		assert_true(
			mx_findings_has(&r.findings, "smtp.message_rejected"));
		assert_true(mx_findings_has(&r.findings,
					    "smtp.reply_limit_exceeded"));
		mx_findings_clear(&r.findings);
	}
	{
		struct mx_send_result r;

		memset(&r, 0, sizeof(r)); /* no attempt at all */
		mx_send_result_explain(&r);
		assert_int_equal(r.findings.n, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_send_result),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
