/*
 * send.c - names and destructor of the delivery facts (model/send.h).
 */
#include "model/send.h"

#include <stdlib.h>
#include <string.h>

const char *mx_send_stage_name(enum mx_send_stage s)
{
	static const char *const names[MX_SEND_STAGE__N] = {
		[MX_SEND_STAGE_NONE] = "none",
		[MX_SEND_STAGE_RESOLVE] = "resolve",
		[MX_SEND_STAGE_CONNECT] = "connect",
		[MX_SEND_STAGE_BANNER] = "banner",
		[MX_SEND_STAGE_EHLO] = "ehlo",
		[MX_SEND_STAGE_STARTTLS] = "starttls",
		[MX_SEND_STAGE_TLS] = "tls",
		[MX_SEND_STAGE_POLICY] = "policy",
		[MX_SEND_STAGE_AUTH] = "auth",
		[MX_SEND_STAGE_MAIL] = "mail",
		[MX_SEND_STAGE_RCPT] = "rcpt",
		[MX_SEND_STAGE_DATA] = "data",
		[MX_SEND_STAGE_QUIT] = "quit",
	};

	if ((unsigned)s >= MX_SEND_STAGE__N)
		return "?";
	return names[s];
}

const char *mx_send_status_name(enum mx_send_status s)
{
	switch (s) {
	case MX_SEND_DELIVERED:
		return "delivered";
	case MX_SEND_PARTIAL:
		return "partial";
	case MX_SEND_TEMPFAIL:
		return "tempfail";
	case MX_SEND_PERMFAIL:
		return "permfail";
	case MX_SEND_ERROR:
		return "error";
	}
	return "?";
}

/* ---- result ------------------------------------------------------------- */

static void attempt_clear(struct mx_send_attempt *a)
{
	size_t i;

	free(a->host);
	free(a->addr);
	mx_smtp_clear(&a->smtp);
	mx_tls_clear(&a->tls);
	for (i = 0; i < a->ntlsa; i++)
		free((void *)a->tlsa_rr[i].data);
	free(a->tlsa_rr);
	for (i = 0; i < MX_SEND_STAGE__N; i++)
		mx_reply_clear(&a->stage[i].reply);
	free(a->auth_mech);
	for (i = 0; i < a->nrcpts; i++) {
		free(a->rcpts[i].addr);
		mx_reply_clear(&a->rcpts[i].st.reply);
	}
	free(a->rcpts);
	memset(a, 0, sizeof(*a));
}

void mx_send_result_free(struct mx_send_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nattempts; i++)
		attempt_clear(&r->attempts[i]);
	free(r->attempts);
	free(r->policy_why);
	free(r->error);
	free(r->nexthop);
	mx_run_free(r->run);
	mx_findings_clear(&r->findings);
	free(r);
}

const struct mx_send_attempt *
mx_send_result_final(const struct mx_send_result *r)
{
	if (r == NULL || r->nattempts == 0)
		return NULL;
	return &r->attempts[r->final < r->nattempts ? r->final
						    : r->nattempts - 1];
}
