/*
 * sender_mail.c - the mail transaction of a delivery (sender.h,
 * sender_int.h): AUTH (RFC 4954, relay/auth.h), MAIL FROM with the
 * extensions the message needs (RFC 1870, 6152, 6531), RCPT TO per
 * recipient, DATA with the dot-stuffed message, and the stage records:
 * each stage's time, state and the reply that ended it (a reply cut at a
 * limit keeps its code).
 */
#include "relay/sender_int.h"

#include <string.h>

#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/smtp_client.h"
#include "relay/auth.h"
#include "relay/message.h"
#include "wire/smtp.h"

void snd_fail_stage(struct mx_sender *s, enum mx_send_stage st, int temporary)
{
	struct mx_send_attempt *a = s->cur;

	if (a->failed == MX_SEND_STAGE_NONE) {
		a->failed = st;
		a->temporary = temporary;
	}
	if (st > MX_SEND_STAGE_POLICY && st < MX_SEND_STAGE__N &&
	    a->stage[st].step.state != MX_STEP_FAILED) {
		a->stage[st].step.state = MX_STEP_FAILED;
		a->stage[st].step.ms = mx_now_ms() - s->stage_t0;
	}
}

static void stage_begin(struct mx_sender *s, enum mx_send_stage st)
{
	s->stage = st;
	s->stage_t0 = mx_now_ms();
}

static void stage_ok(struct mx_sender *s, enum mx_send_stage st,
		     const struct mx_smtp_reply *rep)
{
	struct mx_send_step *x = &s->cur->stage[st];

	x->step.state = MX_STEP_OK;
	x->step.ms = mx_now_ms() - s->stage_t0;
	if (rep) {
		mx_reply_clear(&x->reply);
		mx_reply_from_wire(&x->reply, rep);
	}
}

static void stage_reply(struct mx_sender *s, enum mx_send_stage st,
			const struct mx_smtp_reply *rep)
{
	struct mx_send_step *x = &s->cur->stage[st];

	mx_reply_clear(&x->reply);
	if (rep)
		mx_reply_from_wire(&x->reply, rep);
	snd_fail_stage(s, st, rep == NULL || rep->code < 500);
}

/* A command got no reply: the session stopped (silence, FIN, RST, a
 * reply over a limit; the engine's stop and error say which).  A reply
 * cut at a limit still said its code: keep it, so a 550 stays a
 * permanent 550 (the engine's error names the limit). */
static void no_reply(struct mx_sender *s, struct mx_smtp_client *c,
		     enum mx_send_stage st)
{
	const struct mx_smtp_reply *cut = mx_smtp_client_cut_reply(c);

	if (cut == NULL) {
		snd_fail_stage(s, st, 1);
		return;
	}
	stage_reply(s, st, cut);
	s->cur->stage[st].cut = 1;
}

static void refuse(struct mx_sender *s, enum mx_send_stage st,
		   enum mx_send_refusal why, int temporary, const char *what)
{
	s->cur->refusal = why;
	snd_fail_stage(s, st, temporary);
	snd_set_error(s->r, "%s", what);
	mx_smtp_client_quit(s->client);
}

void snd_quit(struct mx_sender *s)
{
	mx_smtp_client_quit(s->client);
}

static void send_rcpt(struct mx_sender *s);

static void data_done_cb(void *arg, struct mx_smtp_client *c,
			 const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_DATA);
		return;
	}
	if (rep->code == 250) {
		stage_ok(s, MX_SEND_STAGE_DATA, rep);
		s->r->delivered = 1;
		s->r->encrypted = mx_smtp_client_tls_active(s->client);
		snd_quit(s);
		return;
	}
	stage_reply(s, MX_SEND_STAGE_DATA, rep);
	snd_quit(s);
}

static void data_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_DATA);
		return;
	}
	if (rep->code != 354) {
		stage_reply(s, MX_SEND_STAGE_DATA, rep);
		snd_quit(s);
		return;
	}
	if (mx_smtp_client_data(c, s->payload.p, s->payload.len, data_done_cb,
				s) < 0) {
		snd_fail_stage(s, MX_SEND_STAGE_DATA, 1);
		snd_set_error(s->r, "cannot send the message");
		mx_smtp_client_abort(c, "cannot send the message");
	}
}

static void rcpt_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;
	struct mx_send_rcpt *rc = &s->cur->rcpts[s->rcpt_i];

	if (rep == NULL) {
		const struct mx_smtp_reply *cut = mx_smtp_client_cut_reply(c);

		if (cut) {
			rc->st.step.ms = mx_now_ms() - s->stage_t0;
			rc->st.step.state = MX_STEP_FAILED;
			rc->st.cut = 1;
			mx_reply_from_wire(&rc->st.reply, cut);
		}
		no_reply(s, c, MX_SEND_STAGE_RCPT);
		return;
	}
	rc->st.step.ms = mx_now_ms() - s->stage_t0;
	mx_reply_from_wire(&rc->st.reply, rep);
	if (rep->code == 250 || rep->code == 251) {
		rc->st.step.state = MX_STEP_OK;
		rc->accepted = 1;
		s->naccepted++;
	} else {
		rc->st.step.state = MX_STEP_FAILED;
	}
	s->rcpt_i++;
	send_rcpt(s);
}

static void send_rcpt(struct mx_sender *s)
{
	char line[600];
	struct mx_send_attempt *a = s->cur;
	size_t i;

	if (s->rcpt_i < s->p.nrcpts) {
		stage_begin(s, MX_SEND_STAGE_RCPT);
		snprintf(line, sizeof(line), "RCPT TO:<%s>",
			 s->p.rcpts[s->rcpt_i]);
		if (mx_smtp_client_cmd(s->client, line, 0, rcpt_cb, s) < 0)
			mx_smtp_client_abort(s->client, "cannot send RCPT");
		return;
	}
	/* All recipients answered: the RCPT stage as a whole. */
	a->stage[MX_SEND_STAGE_RCPT].step.ms = 0;
	for (i = 0; i < a->nrcpts; i++)
		a->stage[MX_SEND_STAGE_RCPT].step.ms += a->rcpts[i].st.step.ms;
	if (s->naccepted == 0) {
		/* the last refusal is the stage's reply; permanent only if
		 * every refusal was */
		int temp = 0;

		for (i = 0; i < a->nrcpts; i++)
			temp |= a->rcpts[i].st.reply.code < 500;
		mx_reply_clear(&a->stage[MX_SEND_STAGE_RCPT].reply);
		a->stage[MX_SEND_STAGE_RCPT].reply.code =
			a->rcpts[a->nrcpts - 1].st.reply.code;
		memcpy(a->stage[MX_SEND_STAGE_RCPT].reply.enh,
		       a->rcpts[a->nrcpts - 1].st.reply.enh,
		       sizeof(a->stage[MX_SEND_STAGE_RCPT].reply.enh));
		a->stage[MX_SEND_STAGE_RCPT].reply.text =
			xstrdup(a->rcpts[a->nrcpts - 1].st.reply.text
					? a->rcpts[a->nrcpts - 1].st.reply.text
					: "");
		a->stage[MX_SEND_STAGE_RCPT].reply.nlines = 1;
		snd_fail_stage(s, MX_SEND_STAGE_RCPT, temp);
		a->stage[MX_SEND_STAGE_RCPT].step.state = MX_STEP_FAILED;
		snd_quit(s);
		return;
	}
	a->stage[MX_SEND_STAGE_RCPT].step.state =
		s->naccepted == s->p.nrcpts ? MX_STEP_OK : MX_STEP_FAILED;
	stage_begin(s, MX_SEND_STAGE_DATA);
	if (mx_smtp_client_cmd(s->client, "DATA", 0, data_cb, s) < 0)
		mx_smtp_client_abort(s->client, "cannot send DATA");
}

static void mail_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;
	struct mx_send_attempt *a = s->cur;
	size_t i;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_MAIL);
		return;
	}
	if (rep->code != 250) {
		stage_reply(s, MX_SEND_STAGE_MAIL, rep);
		snd_quit(s);
		return;
	}
	stage_ok(s, MX_SEND_STAGE_MAIL, rep);
	snd_event_out(s, MX_SEND_EV_DELIVERY);
	a->rcpts = xcalloc(s->p.nrcpts, sizeof(*a->rcpts));
	a->nrcpts = s->p.nrcpts;
	for (i = 0; i < s->p.nrcpts; i++)
		a->rcpts[i].addr = mx_escape_str(s->p.rcpts[i], 600);
	s->rcpt_i = 0;
	s->naccepted = 0;
	send_rcpt(s);
}

void snd_send_mail(struct mx_sender *s)
{
	const struct mx_caps *caps = mx_smtp_client_caps(s->client);
	char line[700];
	size_t n;

	stage_begin(s, MX_SEND_STAGE_MAIL);
	/* RFC 1870 section 6: do not send what the server said it will
	 * refuse; RFC 6152 section 3 / RFC 6531 section 3.4: an 8-bit body
	 * or a UTF-8 address needs the extension. */
	if ((s->p.need & MX_MSG_NEED_SMTPUTF8) &&
	    !(caps->flags & MX_SMTP_CAP_SMTPUTF8)) {
		refuse(s, MX_SEND_STAGE_MAIL, MX_REFUSE_NEED_SMTPUTF8, 0,
		       "the message needs SMTPUTF8, which the server lacks");
		return;
	}
	if ((s->p.need & MX_MSG_NEED_8BITMIME) &&
	    !(caps->flags & MX_SMTP_CAP_8BITMIME)) {
		refuse(s, MX_SEND_STAGE_MAIL, MX_REFUSE_NEED_8BITMIME, 0,
		       "the message needs 8BITMIME, which the server lacks");
		return;
	}
	if ((caps->flags & MX_SMTP_CAP_SIZE) && caps->size > 0 &&
	    s->p.msg_len > caps->size) {
		refuse(s, MX_SEND_STAGE_MAIL, MX_REFUSE_SIZE, 0,
		       "the message is larger than the server's SIZE");
		return;
	}
	n = (size_t)snprintf(line, sizeof(line), "MAIL FROM:<%s>", s->p.from);
	if (caps->flags & MX_SMTP_CAP_SIZE)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " SIZE=%zu",
				      s->p.msg_len);
	if ((s->p.need & MX_MSG_NEED_8BITMIME) && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n,
				      " BODY=8BITMIME");
	if ((s->p.need & MX_MSG_NEED_SMTPUTF8) && n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, " SMTPUTF8");
	if (mx_smtp_client_cmd(s->client, line, 0, mail_cb, s) < 0)
		mx_smtp_client_abort(s->client, "cannot send MAIL");
}

/* ---- AUTH (RFC 4954) --------------------------------------------------- */

static void auth_cb(void *arg, struct mx_smtp_client *c,
		    const struct mx_smtp_reply *rep)
{
	struct mx_sender *s = arg;
	char line[MX_AUTH_LINE_MAX];
	enum mx_auth_status st;

	if (rep == NULL) {
		no_reply(s, c, MX_SEND_STAGE_AUTH);
		return;
	}
	if (rep->code == 334) {
		const char *ch = rep->nlines > 0 ? rep->lines[0].text : "";

		st = mx_auth_step(s->auth, ch, line, sizeof(line));
		if (st != MX_AUTH_OK) {
			explicit_bzero(line, sizeof(line));
			/* RFC 4954 section 4: "*" cancels the exchange */
			s->cur->refusal = MX_REFUSE_AUTH_PROTOCOL;
			snd_set_error(s->r, "AUTH %s: %s", s->cur->auth_mech,
				      mx_auth_status_name(st));
			snd_fail_stage(s, MX_SEND_STAGE_AUTH, 0);
			if (mx_smtp_client_cmd(c, "*", 0, auth_cb, s) < 0)
				mx_smtp_client_abort(c, "AUTH canceled");
			return;
		}
		if (mx_smtp_client_cmd(c, line, MX_SMTP_REDACT, auth_cb, s) < 0)
			mx_smtp_client_abort(c, "cannot send AUTH");
		explicit_bzero(line, sizeof(line));
		return;
	}
	if (s->cur->failed == MX_SEND_STAGE_AUTH) {
		/* the reply to our "*" */
		stage_reply(s, MX_SEND_STAGE_AUTH, rep);
		snd_quit(s);
		return;
	}
	if (rep->code == 235) {
		if (mx_auth_success(s->auth) != MX_AUTH_OK) {
			stage_reply(s, MX_SEND_STAGE_AUTH, rep);
			s->cur->refusal = MX_REFUSE_AUTH_PROTOCOL;
			snd_fail_stage(s, MX_SEND_STAGE_AUTH, 0);
			snd_set_error(s->r, "the server accepted SCRAM without "
					    "proving it knows the password");
			snd_quit(s);
			return;
		}
		stage_ok(s, MX_SEND_STAGE_AUTH, rep);
		mx_auth_free(s->auth);
		s->auth = NULL;
		snd_send_mail(s);
		return;
	}
	stage_reply(s, MX_SEND_STAGE_AUTH, rep);
	snd_quit(s);
}

void snd_start_auth(struct mx_sender *s)
{
	const struct mx_caps *caps = mx_smtp_client_caps(s->client);
	enum mx_auth_mech mech;
	enum mx_auth_status st;
	char line[MX_AUTH_LINE_MAX];

	stage_begin(s, MX_SEND_STAGE_AUTH);
	if (!mx_smtp_client_tls_active(s->client) &&
	    !s->p.allow_plaintext_auth) {
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_NEEDS_TLS, 1,
		       "AUTH refused in clear text (no TLS; "
		       "--allow-plaintext-auth not given)");
		return;
	}
	if (!(caps->flags & MX_SMTP_CAP_AUTH) || caps->auth == NULL ||
	    caps->auth[0] == '\0') {
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_NOT_OFFERED, 1,
		       "the server offers no AUTH");
		return;
	}
	if (mx_auth_choose(caps->auth, s->p.auth_mech, &mech) != MX_AUTH_OK) {
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_NO_MECH, 0,
		       "no offered AUTH mechanism is supported");
		return;
	}
	s->cur->auth_mech = xstrdup(mx_auth_mech_name(mech));
	s->auth = mx_auth_new(mech, s->p.auth_user, s->p.auth_password,
			      s->p.random, s->p.random_ctx, &st);
	if (s->auth == NULL ||
	    (st = mx_auth_start(s->auth, line, sizeof(line))) != MX_AUTH_OK) {
		explicit_bzero(line, sizeof(line));
		refuse(s, MX_SEND_STAGE_AUTH, MX_REFUSE_AUTH_PROTOCOL, 0,
		       "the credentials cannot be used (too long?)");
		return;
	}
	if (mx_smtp_client_cmd(s->client, line,
			       mx_auth_start_secret(s->auth) ? MX_SMTP_REDACT
							     : 0,
			       auth_cb, s) < 0)
		mx_smtp_client_abort(s->client, "cannot send AUTH");
	explicit_bzero(line, sizeof(line));
}
