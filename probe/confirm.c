/*
 * confirm.c - real handshakes for the client simulation and the advice;
 * see confirm.h for the contract.
 *
 * Each session is the SMTP client engine on the caller's event base,
 * driven with EVLOOP_ONCE until every session's done callback, so other
 * events on the base are left alone; up to max_conn sessions run at once.
 * The prediction is
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

/* One real session, queued, running or finished. */
struct session {
	const struct mx_tls_backend *be;
	struct mx_tls_params tls; /* the client keeps a pointer to it */
	struct mx_smtp smtp;
	struct mx_tls out;
	struct mx_smtp_client *c;
	int finished; /* the engine called on_done */
	int ok;	      /* handshake completed without a failure */
	int skipped;  /* never started (deadline) */
	int dup;      /* the same handshake as ss[dup_of]: not run again */
	size_t dup_of;
	/* what the result is for (mx_confirm_clients) */
	int kind;
	size_t idx;
};

static void on_ready(void *arg, struct mx_smtp_client *c)
{
	(void)arg;
	mx_smtp_client_quit(c);
}

static void on_done(void *arg, struct mx_smtp_client *c)
{
	struct session *s = arg;

	(void)c;
	s->finished = 1;
}

/* The engine is done (or never started): free it, fill the facts. */
static void session_end(struct session *s)
{
	mx_smtp_client_free(s->c);
	s->c = NULL;
	if (!s->out.attempted && s->smtp.stop != MX_STOP_NONE) {
		/* Never got to TLS: say why in the TLS facts. */
		free(s->out.fail_detail);
		s->out.fail_detail = xasprintf(
			"no handshake: %s%s%s", mx_stop_name(s->smtp.stop),
			s->smtp.error ? ": " : "",
			s->smtp.error ? s->smtp.error : "");
		s->out.fail = MX_TLS_FAIL_OTHER;
	}
	s->ok = s->out.completed && s->out.fail == MX_TLS_FAIL_NONE;
	mx_smtp_clear(&s->smtp);
}

/* Start one session; 0, or -1 when it could not start (ended). */
static int session_start(struct event_base *base, struct session *s,
			 const struct mx_endpoint *ep,
			 const struct mx_clients_params *p)
{
	static const struct mx_smtp_client_cbs cbs = {on_ready, on_done};
	struct mx_smtp_params sp;
	int timeout = p->timeout_ms > 0 ? p->timeout_ms : DEFAULT_TIMEOUT_MS;
	int64_t limit = mx_now_ms() + 6 * (int64_t)timeout;

	memset(&s->smtp, 0, sizeof(s->smtp));
	if (s->tls.sni == NULL)
		s->tls.sni = ep->host;
	/* Only "does it negotiate" is asked here: no trust store. */
	s->tls.no_trust_store = 1;
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
	sp.tls = s->be;
	sp.tls_params = &s->tls;
	sp.connect_timeout_ms = sp.greeting_timeout_ms = timeout;
	sp.command_timeout_ms = sp.tls_timeout_ms = timeout;
	sp.deadline_ms = p->deadline_ms > 0 && p->deadline_ms < limit
				 ? p->deadline_ms
				 : limit;
	sp.log = p->log;
	s->c = mx_smtp_client_new(base, &sp, &s->smtp, &s->out, &cbs, s);
	if (s->c == NULL || mx_smtp_client_start(s->c) < 0) {
		session_end(s);
		return -1;
	}
	return 0;
}

/* Run n sessions against ep, at most `cap` at once, on base (NULL: a
 * private loop).  One event at a time (EVLOOP_ONCE), so other events on
 * the caller's base are left alone.  Sessions not started before the
 * deadline are marked skipped. */
static void run_sessions(struct event_base *base, const struct mx_endpoint *ep,
			 const struct mx_clients_params *p, struct session *ss,
			 size_t n, int cap)
{
	struct event_base *own = NULL;
	size_t next = 0, i;
	int running = 0;
	long spins;

	if (cap < 1)
		cap = 1;
	if (base == NULL)
		base = own = event_base_new();
	if (base == NULL) {
		for (i = 0; i < n; i++)
			ss[i].skipped = 1;
		return;
	}
	for (spins = 0; spins < 1000000; spins++) {
		while (next < n && running < cap) {
			struct session *s = &ss[next++];

			if (s->dup)
				continue;
			if (p->deadline_ms > 0 &&
			    mx_now_ms() >= p->deadline_ms) {
				s->skipped = 1;
				s->out.fail = MX_TLS_FAIL_OTHER;
				s->out.fail_detail = xstrdup(
					"not tried: the deadline was reached");
			} else if (session_start(base, s, ep, p) == 0)
				running++;
		}
		if (running == 0)
			break;
		/* A base with nothing pending cannot make progress (a
		 * bug): give up rather than spin. */
		if (event_base_loop(base, EVLOOP_ONCE) != 0) {
			for (i = 0; i < next; i++)
				if (ss[i].c != NULL)
					ss[i].finished = 1;
		}
		for (i = 0; i < next; i++)
			if (ss[i].c != NULL && ss[i].finished) {
				session_end(&ss[i]);
				running--;
			}
	}
	for (i = 0; i < n; i++)
		if (ss[i].c != NULL)
			session_end(&ss[i]);
	if (own)
		event_base_free(own);
}

int mx_confirm_handshake(struct event_base *base, const struct mx_endpoint *ep,
			 const struct mx_tls_backend *be,
			 const struct mx_tls_params *tp,
			 const struct mx_clients_params *p, struct mx_tls *out)
{
	struct session s;

	memset(&s, 0, sizeof(s));
	s.be = be;
	s.tls = *tp;
	run_sessions(base, ep, p, &s, 1, 1);
	*out = s.out; /* the caller owns the facts now */
	return s.ok;
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

/* Compare client c's prediction with the real handshake in s. */
static void judge_confirm(const struct session *s, struct mx_client_sim *c)
{
	const struct mx_tls *t = &s->out;
	char real[400];
	int ok = s->ok, agree;

	describe(t, ok, real, sizeof(real));
	if (c->ok && ok) {
		const char *why = NULL;

		if (c->version && t->version && strcmp(c->version, t->version))
			why = "version";
		else if (c->suite != 0 && c->suite != t->suite_id)
			why = "suite";
		else if (!kx_matches(c->kx, t))
			why = "key exchange";
		agree = why == NULL;
		free(c->confirm_detail);
		if (agree)
			c->confirm_detail =
				xasprintf("%s: %s", s->be->name, real);
		else
			c->confirm_detail = xasprintf(
				"predicted %s %s 0x%04x %s; real handshake "
				"(%s): %s (the %s differs)",
				c->ok ? "success" : "failure",
				c->version ? c->version : "?", c->suite,
				c->kx ? c->kx : "", s->be->name, real, why);
	} else {
		agree = c->ok == ok;
		free(c->confirm_detail);
		if (agree)
			c->confirm_detail = xasprintf("%s: %s as predicted",
						      s->be->name, real);
		else
			c->confirm_detail = xasprintf(
				"predicted %s; real handshake (%s): %s",
				c->ok	 ? "success"
				: c->why ? c->why
					 : "failure",
				s->be->name, real);
	}
	c->confirmed = agree;
}

/* An advice string tried with the profile's stack settings when the
 * stack is that library, else with the library's defaults. */
static void advice_session(struct session *s,
			   const struct mx_confirm_client *cc,
			   const struct mx_tls_backend *be, const char *advice)
{
	memset(&s->tls, 0, sizeof(s->tls));
	s->tls.security_level = -1;
	if (cc != NULL && cc->be == be) {
		s->tls = cc->tls;
	} else if (cc != NULL) {
		/* Another stack plays it: keep the client's versions. */
		s->tls.min_version = cc->tls.min_version;
		s->tls.max_version = cc->tls.max_version;
	}
	if (be == &mx_tls_openssl)
		s->tls.cipher_list = advice;
	else
		s->tls.priority = advice;
	s->be = be;
}

enum { K_CONFIRM = 1, K_ADVICE_OPENSSL, K_ADVICE_GNUTLS };

static int same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Would sessions a and b send the same hello and take it the same way? */
static int same_session(const struct session *a, const struct session *b)
{
	const struct mx_tls_params *x = &a->tls, *y = &b->tls;

	return a->be == b->be && same_str(x->sni, y->sni) &&
	       same_str(x->cipher_list, y->cipher_list) &&
	       same_str(x->ciphersuites, y->ciphersuites) &&
	       same_str(x->groups, y->groups) &&
	       same_str(x->priority, y->priority) &&
	       x->min_version == y->min_version &&
	       x->max_version == y->max_version &&
	       x->security_level == y->security_level &&
	       x->client_cert == y->client_cert;
}

/* Mark every session that repeats an earlier one (profiles that share a
 * stack's defaults, the same advice string for several clients): one
 * real handshake answers them all. */
static void mark_dups(struct session *ss, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (!ss[j].dup && same_session(&ss[i], &ss[j])) {
				ss[i].dup = 1;
				ss[i].dup_of = j;
				break;
			}
}

void mx_confirm_clients(struct event_base *base, struct mx_endpoint *ep,
			const struct mx_clients_params *p)
{
	struct mx_enum *e = ep->enumr;
	struct session *ss;
	size_t i, n = 0;

	if (e == NULL || e->nclients == 0)
		return;
	ss = xcalloc(3 * e->nclients, sizeof(*ss));
	for (i = 0; i < e->nclients; i++) {
		struct mx_client_sim *c = &e->clients[i];
		const struct mx_confirm_client *cc = entry_for(p, c->profile);

		if (cc != NULL && cc->be != NULL) {
			ss[n].be = cc->be;
			ss[n].tls = cc->tls;
			ss[n].kind = K_CONFIRM;
			ss[n++].idx = i;
		}
		if (c->advice_openssl != NULL) {
			advice_session(&ss[n], cc, &mx_tls_openssl,
				       c->advice_openssl);
			ss[n].kind = K_ADVICE_OPENSSL;
			ss[n++].idx = i;
		}
		if (c->advice_gnutls != NULL) {
			advice_session(&ss[n], cc, &mx_tls_gnutls,
				       c->advice_gnutls);
			ss[n].kind = K_ADVICE_GNUTLS;
			ss[n++].idx = i;
		}
	}
	/* Independent handshakes: as many at once as the host allows, each
	 * distinct one once. */
	mark_dups(ss, n);
	run_sessions(base, ep, p, ss, n, p->max_conn);
	for (i = 0; i < n; i++) {
		struct mx_client_sim *c = &e->clients[ss[i].idx];
		const struct session *r = ss[i].dup ? &ss[ss[i].dup_of]
						    : &ss[i];

		if (r->skipped) {
			/* not tried: leave it unconfirmed / untested */
		} else if (ss[i].kind == K_CONFIRM) {
			judge_confirm(r, c);
		} else if (ss[i].kind == K_ADVICE_OPENSSL) {
			c->advice_openssl_ok = r->ok;
		} else {
			c->advice_gnutls_ok = r->ok;
		}
	}
	for (i = 0; i < n; i++)
		mx_tls_clear(&ss[i].out);
	free(ss);
}

/* Is there anything for the intolerance bisection to explain?  Not when
 * the probe's own full OpenSSL hello (every suite, TLS 1.0 to 1.3) was
 * answered and every raw hello got a clean answer: that server tolerates
 * big, modern hellos. */
static int bisect_needed(const struct mx_endpoint *ep)
{
	const struct mx_enum *e = ep->enumr;
	int v;

	if (!ep->tls.completed || e->incomplete)
		return 1;
	for (v = 0; v < MX_EV__N; v++)
		if (e->v[v].odd_only)
			return 1;
	return 0;
}

int mx_clients_run(struct event_base *base, struct mx_endpoint *ep,
		   const struct mx_clients_params *p)
{
	if (ep->enumr == NULL)
		return -1;
	if (p->deadline_ms > 0 && mx_now_ms() >= p->deadline_ms)
		return -1;
	if (p->bisect && bisect_needed(ep))
		(void)mx_bisect_run(base, ep, p);
	if (p->simulate != NULL)
		p->simulate(ep->enumr);
	mx_confirm_clients(base, ep, p);
	return 0;
}
