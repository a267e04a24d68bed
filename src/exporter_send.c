/*
 * exporter_send.c - module=send of `mxprobe exporter` (see
 * exporter_send.h): the config from the options at start, then per
 * scrape a fresh test message (its own token), the relay sender on the
 * exporter's loop with the scrape's budget as its deadline, the failures
 * explained (analyzers/smtp_failures.h), and with --maildir a poll of
 * the Maildir every 100 ms, on the loop, until the token is found or the
 * budget is spent.  Wiring only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/policy.h"
#include "analyzers/smtp_failures.h"
#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/target.h"
#include "relay/message.h"
#include "relay/sender.h"
#include "reports/metrics.h"
#include "src/commands.h"
#include "src/exporter_send.h"

#define XS_POLL_MS 100

struct mx_xsend_cfg {
	const struct mx_opts *o;
	const struct mx_log *log;
	enum mx_tls_policy level;
	char helo[256];
	char from[300];
	char pw[MX_PW_MAX]; /* wiped by cfg_free */
};

struct mx_xsend {
	const struct mx_xsend_cfg *c;
	struct event_base *base;
	struct mx_dns *dns; /* a share of the exporter's */
	struct mx_msg *msg;
	struct mx_sender *snd;
	struct mx_send_result *res;
	struct event *poll;
	void (*done)(void *arg);
	void *arg;
	int64_t t0, end_ms;
	int called;
	int e2e_checked, e2e_found;
	double e2e_s;
};

int mx_xsend_cfg_new(const struct mx_opts *o, const struct mx_log *log,
		     struct mx_xsend_cfg **out)
{
	struct mx_xsend_cfg *c;

	*out = NULL;
	if (o->nto == 0) {
		if (o->auth_user || o->from || o->maildir || o->tls_policy ||
		    o->esa_policy || o->subject || o->nheader || o->size) {
			fprintf(stderr, "mxprobe exporter: the send options "
					"need --to ADDRESS (the probe "
					"recipient of module=send)\n");
			return -1;
		}
		return 0;
	}
	/* --via, --body-file, --transcript: refused by src/options.c */
	c = xcalloc(1, sizeof(*c));
	c->o = o;
	c->log = log;
	if (mx_cli_policy(o, &c->level) < 0)
		goto fail;
	if (c->level == MX_POLICY_MTA_STS) {
		fprintf(stderr, "mxprobe exporter: --tls-policy mta-sts is "
				"not supported by module=send\n");
		goto fail;
	}
	if (o->auth_user && mx_cli_read_password(o, c->pw, sizeof(c->pw)) < 0)
		goto fail;
	if (o->helo)
		snprintf(c->helo, sizeof(c->helo), "%s", o->helo);
	else if (gethostname(c->helo, sizeof(c->helo)) < 0 ||
		 memchr(c->helo, 0, sizeof(c->helo)) == NULL ||
		 strchr(c->helo, '.') == NULL)
		snprintf(c->helo, sizeof(c->helo), "mxprobe.invalid");
	if (o->from)
		snprintf(c->from, sizeof(c->from), "%s", o->from);
	else
		snprintf(c->from, sizeof(c->from), "mxprobe@%s", c->helo);
	*out = c;
	return 0;
fail:
	mx_xsend_cfg_free(c);
	return -1;
}

void mx_xsend_cfg_free(struct mx_xsend_cfg *c)
{
	if (c == NULL)
		return;
	explicit_bzero(c->pw, sizeof(c->pw));
	free(c);
}

static void call_done(struct mx_xsend *s)
{
	if (s->called)
		return;
	s->called = 1;
	if (s->poll)
		event_del(s->poll);
	s->done(s->arg);
}

/* One look at the Maildir (a scan, no wait), then again in 100 ms
 * until the budget is spent. */
static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct mx_xsend *s = arg;
	struct timeval tv = {0, XS_POLL_MS * 1000};
	char path[4096];

	(void)fd;
	(void)what;
	if (mx_cli_maildir_wait(s->c->o->maildir, s->msg->token, 0, path,
				sizeof(path))) {
		s->e2e_found = 1;
		s->e2e_s = (double)(mx_now_ms() - s->t0) / 1000.0;
		call_done(s);
	} else if (mx_now_ms() + XS_POLL_MS >= s->end_ms) {
		call_done(s);
	} else {
		evtimer_add(s->poll, &tv);
	}
}

static void on_sent(void *arg, struct mx_sender *snd,
		    const struct mx_send_result *r)
{
	struct mx_xsend *s = arg;

	(void)r;
	s->res = mx_sender_take_result(snd);
	mx_send_result_explain(s->res);
	if (s->res->delivered && s->c->o->maildir && !s->res->cancelled) {
		s->e2e_checked = 1;
		s->poll = evtimer_new(s->base, on_poll, s);
		if (s->poll != NULL) {
			on_poll(-1, 0, s);
			return;
		}
	}
	call_done(s);
}

struct mx_xsend *mx_xsend_start(const struct mx_xsend_cfg *c,
				struct event_base *base, struct mx_dns *dns,
				const char *target, int budget_ms,
				void (*done)(void *arg), void *arg, char *err,
				size_t errlen)
{
	const struct mx_opts *o = c->o;
	struct mx_xsend *s = xcalloc(1, sizeof(*s));
	struct mx_sender_cbs cbs = {NULL, on_sent};
	struct mx_msg_params mp;
	struct mx_msg_diag md;
	struct mx_send_params sp;
	int step = o->timeout_s * 1000;

	s->c = c;
	s->base = base;
	s->done = done;
	s->arg = arg;
	s->t0 = mx_now_ms();
	s->end_ms = s->t0 + budget_ms;
	if (step <= 0 || step > budget_ms)
		step = budget_ms;
	memset(&mp, 0, sizeof(mp));
	mp.from = c->from;
	mp.to = o->to;
	mp.nto = (size_t)o->nto;
	mp.subject = o->subject;
	mp.headers = o->header;
	mp.nheaders = (size_t)o->nheader;
	mp.pad_to_size = (size_t)o->size;
	mp.date = mx_wall_now();
	mp.random = mx_relay_random_os;
	mp.hostname = mx_is_ip_literal(c->helo) ? NULL : c->helo;
	if (mx_msg_new(&mp, &s->msg, &md) != MX_MSG_OK) {
		snprintf(err, errlen, "cannot build the test message: %s",
			 md.text);
		goto fail;
	}
	s->dns = mx_dns_share(dns, step < 10000 ? step : 10000);
	memset(&sp, 0, sizeof(sp));
	sp.nexthop = target;
	sp.from = c->from;
	sp.rcpts = o->to;
	sp.nrcpts = (size_t)o->nto;
	sp.msg = s->msg->data;
	sp.msg_len = s->msg->len;
	sp.need = s->msg->need;
	sp.policy = c->level;
	sp.judge = mx_policy_judge;
	sp.ca_file = o->ca_file;
	sp.ca_path = o->ca_path;
	sp.auth_user = o->auth_user;
	sp.auth_password = o->auth_user ? c->pw : NULL;
	sp.allow_plaintext_auth = o->allow_plaintext_auth;
	sp.helo = c->helo;
	sp.step_timeout_ms = step;
	sp.data_timeout_ms = budget_ms;
	sp.deadline_ms = budget_ms;
	sp.dns = s->dns;
	sp.log = c->log;
	s->snd = mx_sender_new(base, &sp, &cbs, s, err, errlen);
	if (s->snd == NULL || mx_sender_start(s->snd, err, errlen) < 0)
		goto fail;
	return s;
fail:
	mx_xsend_free(s);
	return NULL;
}

void mx_xsend_cancel(struct mx_xsend *s)
{
	if (s->res == NULL && s->snd != NULL)
		mx_sender_cancel(s->snd); /* on_sent follows */
	else if (s->res != NULL)
		call_done(s); /* the Maildir wait stops */
}

int mx_xsend_metrics(struct mx_xsend *s, FILE *out, double duration_s)
{
	struct mx_send_metrics m;

	if (s->res == NULL)
		return -1;
	memset(&m, 0, sizeof(m));
	m.r = s->res;
	m.duration_s = duration_s;
	m.e2e_checked = s->e2e_checked;
	m.e2e_found = s->e2e_found;
	m.e2e_s = s->e2e_s;
	return mx_report_send_metrics(out, &m);
}

void mx_xsend_free(struct mx_xsend *s)
{
	if (s == NULL)
		return;
	if (s->poll)
		event_free(s->poll);
	mx_sender_free(s->snd);
	mx_send_result_free(s->res);
	mx_dns_free(s->dns);
	mx_msg_free(s->msg);
	free(s);
}
