/*
 * confirm.c - real handshakes for the client simulation and the advice;
 * see confirm.h for the contract.
 *
 * Each session is the SMTP client engine on the caller's event base,
 * driven with EVLOOP_ONCE until its done callback, so other events on the
 * base are left alone and nothing runs concurrently.  The prediction is
 * compared on version, suite and key exchange group (or DH size); two
 * failures agree whatever the words.
 */
#include "probe/confirm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/bisect.h"
#include "probe/smtp_client.h"
#include "wire/tls_registry.h"

#define DEFAULT_TIMEOUT_MS 10000

struct run {
	struct event_base *base;
	int done;
};

static void on_ready(void *arg, struct mx_smtp_client *c)
{
	(void)arg;
	mx_smtp_client_quit(c);
}

static void on_done(void *arg, struct mx_smtp_client *c)
{
	struct run *r = arg;

	(void)c;
	r->done = 1;
	event_base_loopbreak(r->base);
}

int mx_confirm_handshake(struct event_base *base, const struct mx_endpoint *ep,
			 const struct mx_tls_backend *be,
			 const struct mx_tls_params *tp,
			 const struct mx_clients_params *p, struct mx_tls *out)
{
	static const struct mx_smtp_client_cbs cbs = {on_ready, on_done};
	struct event_base *own = NULL;
	struct mx_smtp_params sp;
	struct mx_tls_params tls = *tp;
	struct mx_smtp smtp;
	struct mx_smtp_client *c;
	struct run r = {0};
	int timeout = p->timeout_ms > 0 ? p->timeout_ms : DEFAULT_TIMEOUT_MS;
	int64_t limit = mx_now_ms() + 6 * (int64_t)timeout;
	int i, ok;

	if (base == NULL)
		base = own = event_base_new();
	if (base == NULL)
		return 0;
	memset(&smtp, 0, sizeof(smtp));
	if (tls.sni == NULL)
		tls.sni = ep->host;
	if (tls.ca_file == NULL && tls.ca_path == NULL) {
		tls.ca_file = p->ca_file;
		tls.ca_path = p->ca_path;
	}
	memset(&sp, 0, sizeof(sp));
	sp.host = ep->host;
	sp.addr = ep->addr;
	sp.port = ep->port;
	sp.mode = ep->mode == MX_MODE_IMPLICIT ? MX_MODE_IMPLICIT
					       : MX_MODE_STARTTLS;
	sp.helo = p->helo ? p->helo : "mxprobe.invalid";
	sp.starttls = 1;
	sp.require_tls = 1;
	sp.handshake_only = 1;
	sp.tls = be;
	sp.tls_params = &tls;
	sp.connect_timeout_ms = sp.greeting_timeout_ms = timeout;
	sp.command_timeout_ms = sp.tls_timeout_ms = timeout;
	sp.deadline_ms = p->deadline_ms > 0 && p->deadline_ms < limit
				 ? p->deadline_ms
				 : limit;
	sp.log = p->log;
	r.base = base;
	c = mx_smtp_client_new(base, &sp, &smtp, out, &cbs, &r);
	if (c == NULL || mx_smtp_client_start(c) < 0) {
		mx_smtp_client_free(c);
		mx_smtp_clear(&smtp);
		if (own)
			event_base_free(own);
		return 0;
	}
	/* One event at a time until done; a base with nothing pending
	 * cannot make progress (a bug): give up rather than spin. */
	for (i = 0; !r.done && i < 1000000; i++)
		if (event_base_loop(base, EVLOOP_ONCE) != 0 && !r.done)
			break;
	mx_smtp_client_free(c);
	if (!out->attempted && smtp.stop != MX_STOP_NONE) {
		/* Never got to TLS: say why in the TLS facts. */
		free(out->fail_detail);
		out->fail_detail = xasprintf("no handshake: %s%s%s",
					     mx_stop_name(smtp.stop),
					     smtp.error ? ": " : "",
					     smtp.error ? smtp.error : "");
		out->fail = MX_TLS_FAIL_OTHER;
	}
	ok = out->completed && out->fail == MX_TLS_FAIL_NONE;
	mx_smtp_clear(&smtp);
	if (own)
		event_base_free(own);
	return ok;
}

/* ---- comparing a prediction with a real handshake ----------------------- */

static void describe(const struct mx_tls *t, int ok, char *buf, size_t len)
{
	if (ok)
		snprintf(buf, len, "%s %s %s%s%s",
			 t->version ? t->version : "?",
			 t->suite_iana ? t->suite_iana : "?",
			 t->temp_key_type ? t->temp_key_type : "no temp key",
			 t->temp_key_group ? " " : "",
			 t->temp_key_group ? t->temp_key_group : "");
	else
		snprintf(buf, len, "failed (%s%s%s)%s%s",
			 mx_tls_fail_name(t->fail), t->alert ? ", alert " : "",
			 t->alert ? mx_tls_alert_name((uint8_t)t->alert) : "",
			 t->fail_detail ? ": " : "",
			 t->fail_detail ? t->fail_detail : "");
	if (ok && t->temp_key_type && strcmp(t->temp_key_type, "DH") == 0 &&
	    t->temp_key_group == NULL) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, " %d", t->temp_key_bits);
	}
}

/* Does the predicted key exchange ("ECDH x25519", "DH 1024 (...)", "DH
 * ffdhe2048", "RSA") match what the handshake used? */
static int kx_matches(const char *pred, const struct mx_tls *t)
{
	const struct mx_group *a, *b;

	if (pred == NULL || pred[0] == '\0')
		return 1;
	if (strncmp(pred, "ECDH ", 5) == 0) {
		a = mx_group_by_name(pred + 5);
		b = t->temp_key_group ? mx_group_by_name(t->temp_key_group)
				      : NULL;
		return a == NULL || b == NULL || a->id == b->id;
	}
	if (strncmp(pred, "DH ", 3) == 0) {
		if (t->temp_key_type == NULL || strcmp(t->temp_key_type, "DH"))
			return 0;
		if (isdigit((unsigned char)pred[3]))
			return strtol(pred + 3, NULL, 10) == t->temp_key_bits;
		a = mx_group_by_name(pred + 3);
		b = t->temp_key_group ? mx_group_by_name(t->temp_key_group)
				      : NULL;
		return a != NULL && b != NULL && a->id == b->id;
	}
	if (strcmp(pred, "RSA") == 0)
		return t->temp_key_type == NULL;
	return 1;
}

static const struct mx_confirm_client *
entry_for(const struct mx_clients_params *p, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < p->nclients; i++)
		if (p->clients[i].id != NULL &&
		    strcmp(p->clients[i].id, id) == 0)
			return &p->clients[i];
	return NULL;
}

static void confirm_one(struct event_base *base, const struct mx_endpoint *ep,
			const struct mx_clients_params *p,
			const struct mx_confirm_client *cc,
			struct mx_client_sim *c)
{
	struct mx_tls t;
	char real[400];
	int ok, agree;

	memset(&t, 0, sizeof(t));
	ok = mx_confirm_handshake(base, ep, cc->be, &cc->tls, p, &t);
	describe(&t, ok, real, sizeof(real));
	if (c->ok && ok) {
		const char *why = NULL;

		if (c->version && t.version && strcmp(c->version, t.version))
			why = "version";
		else if (c->suite != 0 && c->suite != t.suite_id)
			why = "suite";
		else if (!kx_matches(c->kx, &t))
			why = "key exchange";
		agree = why == NULL;
		free(c->confirm_detail);
		if (agree)
			c->confirm_detail =
				xasprintf("%s: %s", cc->be->name, real);
		else
			c->confirm_detail = xasprintf(
				"predicted %s %s 0x%04x %s; real handshake "
				"(%s): %s (the %s differs)",
				c->ok ? "success" : "failure",
				c->version ? c->version : "?", c->suite,
				c->kx ? c->kx : "", cc->be->name, real, why);
	} else {
		agree = c->ok == ok;
		free(c->confirm_detail);
		if (agree)
			c->confirm_detail = xasprintf("%s: %s as predicted",
						      cc->be->name, real);
		else
			c->confirm_detail = xasprintf(
				"predicted %s; real handshake (%s): %s",
				c->ok	 ? "success"
				: c->why ? c->why
					 : "failure",
				cc->be->name, real);
	}
	c->confirmed = agree;
	mx_tls_clear(&t);
}

/* Try an advice string with the profile's stack settings when the stack
 * is that library, else with the library's defaults. */
static int try_advice(struct event_base *base, const struct mx_endpoint *ep,
		      const struct mx_clients_params *p,
		      const struct mx_confirm_client *cc,
		      const struct mx_tls_backend *be, const char *advice)
{
	struct mx_tls_params tp;
	struct mx_tls t;
	int ok;

	memset(&tp, 0, sizeof(tp));
	tp.security_level = -1;
	if (cc != NULL && cc->be == be) {
		tp = cc->tls;
	} else if (cc != NULL) {
		/* Another stack plays it: keep the client's versions. */
		tp.min_version = cc->tls.min_version;
		tp.max_version = cc->tls.max_version;
	}
	if (be == &mx_tls_openssl)
		tp.cipher_list = advice;
	else
		tp.priority = advice;
	memset(&t, 0, sizeof(t));
	ok = mx_confirm_handshake(base, ep, be, &tp, p, &t);
	mx_tls_clear(&t);
	return ok;
}

void mx_confirm_clients(struct event_base *base, struct mx_endpoint *ep,
			const struct mx_clients_params *p)
{
	struct mx_enum *e = ep->enumr;
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nclients; i++) {
		struct mx_client_sim *c = &e->clients[i];
		const struct mx_confirm_client *cc = entry_for(p, c->profile);

		if (p->deadline_ms > 0 && mx_now_ms() >= p->deadline_ms)
			break;
		if (cc != NULL && cc->be != NULL)
			confirm_one(base, ep, p, cc, c);
		if (c->advice_openssl != NULL)
			c->advice_openssl_ok = try_advice(base, ep, p, cc,
							  &mx_tls_openssl,
							  c->advice_openssl);
		if (c->advice_gnutls != NULL)
			c->advice_gnutls_ok = try_advice(base, ep, p, cc,
							 &mx_tls_gnutls,
							 c->advice_gnutls);
	}
}

int mx_clients_run(struct event_base *base, struct mx_endpoint *ep,
		   const struct mx_clients_params *p)
{
	if (ep->enumr == NULL)
		return -1;
	if (p->deadline_ms > 0 && mx_now_ms() >= p->deadline_ms)
		return -1;
	if (p->bisect)
		(void)mx_bisect_run(base, ep, p);
	if (p->simulate != NULL)
		p->simulate(ep->enumr);
	mx_confirm_clients(base, ep, p);
	return 0;
}
