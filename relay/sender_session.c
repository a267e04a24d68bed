/*
 * sender_session.c - one endpoint of a delivery (sender.h, sender_int.h):
 * its TLSA records for the dane levels (RFC 7672 section 2.2, through
 * probe/tlsa.h), the SMTP session (probe/smtp_client.h) with the TLS the
 * level wants, the policy judgement once the session is ready, and what
 * the engine's stop means for the stages when it ended early.  The mail
 * transaction itself is sender_mail.c's.
 */
#include "relay/sender_int.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/smtp_client.h"
#include "model/conn.h"
#include "probe/dns.h"
#include "probe/target.h"
#include "probe/tlsa.h"
#include "relay/auth.h"
#include "wire/smtp.h"

/* ---- policy ------------------------------------------------------------- */

static void fill_facts(struct mx_sender *s, struct mx_policy_facts *f)
{
	struct mx_send_attempt *a = s->cur;
	struct mx_target *t = s->r->target;

	memset(f, 0, sizeof(*f));
	f->mode = a->mode;
	f->session_ok = a->smtp.ehlo.state == MX_STEP_OK;
	f->starttls_offered = (a->smtp.caps.flags & MX_SMTP_CAP_STARTTLS) != 0;
	f->starttls_code = a->smtp.starttls_reply.code;
	f->tls = a->tls.attempted ? &a->tls : NULL;
	f->mx_host = a->host;
	f->mx_host_secure = t->kind == MX_TARGET_DOMAIN ? t->mx_dnssec_secure
							: 0;
	f->nexthop = s->r->nexthop;
	f->match = s->p.secure_match;
	f->nmatch = s->p.nsecure_match;
	f->fingerprints = s->p.fingerprints;
	f->nfingerprints = s->p.nfingerprints;
	f->tlsa = a->tlsa;
	f->tlsa_rr = a->tlsa_rr;
	f->ntlsa_rr = a->ntlsa;
	f->now = mx_wall_now();
	f->sts_mode = s->p.sts_mode;
	f->sts_mx = s->p.sts_mx;
	f->nsts_mx = s->p.nsts_mx;
}

void snd_judge(struct mx_sender *s)
{
	struct mx_policy_facts f;
	struct mx_send_attempt *a = s->cur;

	if (s->p.policy == MX_POLICY_NONE && s->p.judge == NULL) {
		memset(&a->verdict, 0, sizeof(a->verdict));
		a->verdict.decision = a->tls.completed
					      ? MX_POLICY_DELIVER_TLS
					      : MX_POLICY_DELIVER_CLEAR;
		a->verdict.effective = MX_POLICY_NONE;
		snprintf(a->verdict.why, sizeof(a->verdict.why),
			 "none: TLS is not used at this level");
		a->judged = 1;
		return;
	}
	fill_facts(s, &f);
	s->p.judge(s->p.policy, &f, &a->verdict);
	a->judged = 1;
}

/* Does the level (after the TLSA lookup) make TLS mandatory? */
static int tls_required(const struct mx_sender *s,
			const struct mx_send_attempt *a)
{
	switch (s->p.policy) {
	case MX_POLICY_NONE:
	case MX_POLICY_MAY:
		return 0;
	case MX_POLICY_DANE:
		return a->tlsa == MX_TLSA_USABLE;
	default:
		return 1;
	}
}

/* ---- the SMTP session -------------------------------------------------- */

static void client_ready(void *arg, struct mx_smtp_client *c)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;

	(void)c;
	if (a->tls.completed)
		snd_event_out(s, MX_SEND_EV_TLS_OK);
	snd_judge(s);
	if (a->verdict.decision == MX_POLICY_DEFER) {
		a->stage[MX_SEND_STAGE_POLICY].step.state = MX_STEP_FAILED;
		snd_fail_stage(s, MX_SEND_STAGE_POLICY, 1);
		snd_set_error(s->r, "TLS policy %s: %s",
			      mx_tls_policy_name(s->p.policy), a->verdict.why);
		snd_quit(s);
		return;
	}
	a->stage[MX_SEND_STAGE_POLICY].step.state = MX_STEP_OK;
	if (s->p.auth_user) {
		snd_start_auth(s);
		return;
	}
	a->stage[MX_SEND_STAGE_AUTH].step.state = MX_STEP_SKIPPED;
	snd_send_mail(s);
}

/* Which engine step failed, as a send stage. */
static enum mx_send_stage engine_stage(const struct mx_smtp *m)
{
	if (m->connect.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_CONNECT;
	if (m->banner.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_BANNER;
	if (m->ehlo.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_EHLO;
	if (m->starttls.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_STARTTLS;
	if (m->tls.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_TLS;
	if (m->ehlo_tls.state == MX_STEP_FAILED)
		return MX_SEND_STAGE_EHLO;
	return MX_SEND_STAGE_NONE;
}

static void copy_engine_steps(struct mx_send_attempt *a)
{
	struct mx_smtp *m = &a->smtp;

	a->stage[MX_SEND_STAGE_CONNECT].step = m->connect;
	a->stage[MX_SEND_STAGE_BANNER].step = m->banner;
	mx_reply_clear(&a->stage[MX_SEND_STAGE_BANNER].reply);
	if (m->greeting.code) {
		struct mx_reply *d = &a->stage[MX_SEND_STAGE_BANNER].reply;

		*d = m->greeting;
		d->text = m->greeting.text ? xstrdup(m->greeting.text) : NULL;
	}
	a->stage[MX_SEND_STAGE_EHLO].step = m->ehlo;
	if (m->ehlo_tls.state == MX_STEP_FAILED)
		a->stage[MX_SEND_STAGE_EHLO].step = m->ehlo_tls;
	a->stage[MX_SEND_STAGE_STARTTLS].step = m->starttls;
	mx_reply_clear(&a->stage[MX_SEND_STAGE_STARTTLS].reply);
	if (m->starttls_reply.code) {
		struct mx_reply *d = &a->stage[MX_SEND_STAGE_STARTTLS].reply;

		*d = m->starttls_reply;
		d->text = m->starttls_reply.text
				  ? xstrdup(m->starttls_reply.text)
				  : NULL;
	}
	a->stage[MX_SEND_STAGE_TLS].step = m->tls;
	a->stage[MX_SEND_STAGE_TLS].step.ms = a->tls.handshake_ms;
	a->stage[MX_SEND_STAGE_QUIT].step = m->quit;
}

/* Length of the first line of an escaped reply text, at most 300. */
static int first_line_len(const char *t)
{
	size_t n = 0;

	while (t && t[n] && t[n] != '\n' && n < 300)
		n++;
	return (int)n;
}

static void client_done(void *arg, struct mx_smtp_client *c)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;
	enum mx_send_stage es;

	(void)c;
	copy_engine_steps(a);
	if (a->tls.attempted && !a->tls.completed)
		snd_event_out(s, MX_SEND_EV_TLS_FAILED);
	es = engine_stage(&a->smtp);
	if (a->failed == MX_SEND_STAGE_NONE && !s->r->delivered) {
		/* The engine stopped before we were done. */
		if (!a->judged && snd_policy_needs_judge(s->p.policy) &&
		    (a->smtp.stop == MX_STOP_STARTTLS_REJECTED ||
		     a->smtp.stop == MX_STOP_TLS_FAILED))
			snd_judge(s);
		if (a->smtp.stop == MX_STOP_STARTTLS_REJECTED &&
		    a->smtp.starttls_reply.code == 0) {
			/* STARTTLS not offered, TLS required: the policy */
			a->stage[MX_SEND_STAGE_POLICY].step.state =
				MX_STEP_FAILED;
			snd_fail_stage(s, MX_SEND_STAGE_POLICY, 1);
		} else if (es != MX_SEND_STAGE_NONE) {
			int temp = 1;

			if (es == MX_SEND_STAGE_BANNER &&
			    a->smtp.greeting.code >= 500)
				temp = 0;
			if (es == MX_SEND_STAGE_STARTTLS &&
			    a->smtp.starttls_reply.code >= 500)
				temp = 1; /* other MX may do TLS */
			snd_fail_stage(s, es, temp);
		} else if (s->stage != MX_SEND_STAGE_NONE) {
			snd_fail_stage(s, s->stage, 1);
		} else {
			snd_fail_stage(s, MX_SEND_STAGE_CONNECT, 1);
		}
		if (a->judged && a->verdict.decision == MX_POLICY_DEFER)
			snd_set_error(s->r, "TLS policy %s: %s",
				      mx_tls_policy_name(s->p.policy),
				      a->verdict.why);
		else if (a->smtp.error)
			snd_set_error(s->r, "%s", a->smtp.error);
	} else if (a->failed != MX_SEND_STAGE_NONE && !s->r->delivered &&
		   a->refusal == MX_REFUSE_NONE) {
		const struct mx_send_step *x = &a->stage[a->failed];

		if ((x->reply.code == 0 || x->cut) && a->smtp.error)
			/* A command callback saw the step fail without a
			 * whole reply (a timeout, the connection lost, a
			 * reply over a limit): the engine's error says
			 * which. */
			snd_set_error(s->r, "%s", a->smtp.error);
		else if (x->reply.code != 0 && s->r->error == NULL)
			/* A refusal: its first line is the error. */
			snd_set_error(s->r, "%s refused: %03d%s%s %.*s",
				      mx_send_stage_name(a->failed),
				      x->reply.code, x->reply.enh[0] ? " " : "",
				      x->reply.enh,
				      first_line_len(x->reply.text),
				      x->reply.text ? x->reply.text : "");
	}
	mx_smtp_client_free(s->client);
	s->client = NULL;
	mx_auth_free(s->auth);
	s->auth = NULL;
	s->stage = MX_SEND_STAGE_NONE;
	snd_attempt_over(s);
}

static const struct mx_smtp_client_cbs client_cbs = {
	.ready = client_ready,
	.done = client_done,
};

void snd_start_session(struct mx_sender *s)
{
	struct mx_send_attempt *a = s->cur;
	struct mx_smtp_params sp;
	struct mx_tls_params *tp = &s->tp;
	char err[256];

	memset(tp, 0, sizeof(*tp));
	tp->sni = mx_is_ip_literal(a->host) ? NULL : a->host;
	tp->ca_file = s->p.ca_file;
	tp->ca_path = s->p.ca_path;
	tp->security_level = -1;
	memset(&sp, 0, sizeof(sp));
	sp.host = a->host;
	sp.addr = a->addr;
	sp.port = a->port;
	sp.mode = a->mode;
	sp.helo = s->p.helo;
	sp.starttls = s->p.policy != MX_POLICY_NONE;
	sp.require_tls = tls_required(s, a);
	sp.tls = s->p.tls;
	sp.tls_params = tp;
	sp.connect_timeout_ms = s->p.step_timeout_ms;
	sp.greeting_timeout_ms = s->p.step_timeout_ms;
	sp.command_timeout_ms = s->p.step_timeout_ms;
	sp.tls_timeout_ms = s->p.step_timeout_ms;
	sp.deadline_ms = s->p.deadline_ms > 0 ? s->t0 + s->p.deadline_ms : 0;
	sp.log = s->p.log;
	/* Evidence: the attempt's connection record lives on its endpoint
	 * (model/conn.h), which --capture joins packets to. */
	if (s->next_ep > 0 && s->next_ep <= s->r->target->nendpoints) {
		struct mx_conn_purpose pu;

		memset(&pu, 0, sizeof(pu));
		pu.kind = MX_CONN_SEND;
		pu.step = -1;
		sp.rec = mx_endpoint_conn_new(
			&s->r->target->endpoints[s->next_ep - 1], ++s->nconn,
			&pu);
	}
	snd_event_out(s, MX_SEND_EV_CONNECTING);
	s->client = mx_smtp_client_new(s->base, &sp, &a->smtp, &a->tls,
				       &client_cbs, s);
	if (s->client == NULL || mx_smtp_client_start(s->client) < 0) {
		snprintf(err, sizeof(err), "cannot start an SMTP session");
		snd_set_error(s->r, "%s", err);
		if (s->client) {
			mx_smtp_client_free(s->client);
			s->client = NULL;
		}
		snd_fail_stage(s, MX_SEND_STAGE_CONNECT, 1);
		snd_attempt_over(s);
	}
}

/* ---- TLSA (RFC 7672 section 2.2) ----------------------------------------- */

void snd_tlsa_cb(void *arg, const struct mx_dns_answer *ans)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;

	s->tlsa_pending = 0;
	if (s->canceled) {
		snd_fail_stage(s, MX_SEND_STAGE_RESOLVE, 1);
		snd_attempt_over(s);
		return;
	}
	a->tlsa = mx_tlsa_mx_rule(s->r->target, mx_tlsa_state_of(ans));
	if (ans->status == MX_DNS_OK)
		a->ntlsa = mx_tlsa_rrs_copy(ans, &a->tlsa_rr);
	if (a->tlsa == MX_TLSA_FAILED && s->p.policy != MX_POLICY_NONE) {
		snd_judge(s);
		a->stage[MX_SEND_STAGE_POLICY].step.state = MX_STEP_FAILED;
		snd_fail_stage(s, MX_SEND_STAGE_RESOLVE, 1);
		snd_set_error(s->r, "TLSA lookup for %s failed: %s", a->host,
			      ans->error ? ans->error
					 : mx_dns_status_name(ans->status));
		snd_attempt_over(s);
		return;
	}
	snd_start_session(s);
}
