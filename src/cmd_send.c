/*
 * cmd_send.c - `mxprobe send`: build the test message, deliver it with
 * the relay engine under a TLS policy (with AUTH), explain failures,
 * report per stage; optionally confirm arrival in a Maildir.  Wiring
 * only; also what `check --send-test` shares (mx_cli_send).
 *
 * Secrets: the password comes from --auth-password-file (refused when
 * group or other may read it) or --auth-password-env VAR, never from
 * argv; it lives in one buffer that is wiped (explicit_bzero) before
 * return and is handed to the sender as a borrowed pointer.
 *
 * Exit status (doc/exit-status.md): 0 delivered, 1 delivered to some
 * recipients only, 3 bad usage, 10 + stage for the stage that failed:
 * 10 resolve, 11 connect, 12 banner, 13 EHLO, 14 STARTTLS, 15 TLS,
 * 16 policy, 17 AUTH, 18 MAIL, 19 RCPT, 20 DATA; 21 delivered but not
 * found in the Maildir in time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/mtasts.h"
#include "analyzers/policy.h"
#include "analyzers/smtp_failures.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "probe/dns.h"
#include "probe/mtasts.h"
#include "probe/target.h"
#include "relay/message.h"
#include "relay/sender.h"
#include "reports/send.h"
#include "reports/textutil.h"
#include "src/commands.h"

#define MAX_BODY (16u * 1024 * 1024)

/* ---- the password ----------------------------------------------------- */

int mx_cli_read_password(const struct mx_opts *o, char *pw, size_t pwlen)
{
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	pw[0] = '\0';
	if (o->auth_password_file && o->auth_password_env) {
		fprintf(stderr, "mxprobe: give the password either in a file "
				"or in the environment, not both\n");
		return -1;
	}
	if (o->auth_password_env) {
		const char *v = getenv(o->auth_password_env);

		if (v == NULL || v[0] == '\0') {
			fprintf(stderr,
				"mxprobe: environment variable %s is "
				"not set or empty\n",
				o->auth_password_env);
			return -1;
		}
		if (strlen(v) >= pwlen) {
			fprintf(stderr,
				"mxprobe: the password in %s is "
				"too long\n",
				o->auth_password_env);
			return -1;
		}
		memcpy(pw, v, strlen(v) + 1);
		return 0;
	}
	if (o->auth_password_file == NULL) {
		fprintf(stderr, "mxprobe: --auth-user needs "
				"--auth-password-file FILE or "
				"--auth-password-env VAR (never on the command "
				"line)\n");
		return -1;
	}
	fd = open(o->auth_password_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "mxprobe: cannot read %s: %s\n",
			o->auth_password_file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "mxprobe: %s is not a regular file\n",
			o->auth_password_file);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		fprintf(stderr,
			"mxprobe: refusing the password file %s: group or "
			"others may access it (mode %04o); run 'chmod 600 %s'\n",
			o->auth_password_file, (unsigned)(st.st_mode & 07777),
			o->auth_password_file);
		close(fd);
		return -1;
	}
	n = read(fd, pw, pwlen - 1);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "mxprobe: cannot read %s: %s\n",
			o->auth_password_file, strerror(errno));
		explicit_bzero(pw, pwlen);
		return -1;
	}
	if ((size_t)n == pwlen - 1) {
		fprintf(stderr, "mxprobe: %s: the password is too long\n",
			o->auth_password_file);
		explicit_bzero(pw, pwlen);
		return -1;
	}
	pw[n] = '\0';
	/* the first line; a trailing CR LF is not part of it */
	len = strcspn(pw, "\r\n");
	explicit_bzero(pw + len, pwlen - len);
	if (len == 0) {
		fprintf(stderr, "mxprobe: %s holds no password\n",
			o->auth_password_file);
		return -1;
	}
	return 0;
}

/* ---- the policy option ----------------------------------------------- */

/* Cisco ESA destination-control TLS settings (doc/policies.md). */
static const struct {
	const char *esa;
	enum mx_tls_policy level;
} esa_map[] = {
	{"off", MX_POLICY_NONE},
	{"preferred", MX_POLICY_MAY},
	{"required", MX_POLICY_ENCRYPT},
	{"preferred-verify", MX_POLICY_VERIFY},
	{"required-verify", MX_POLICY_SECURE},
};

int mx_cli_policy(const struct mx_opts *o, enum mx_tls_policy *out)
{
	size_t i;

	*out = MX_POLICY_MAY;
	if (o->tls_policy && o->esa_policy) {
		fprintf(stderr, "mxprobe: give --tls-policy or --esa-policy, "
				"not both\n");
		return -1;
	}
	if (o->esa_policy) {
		for (i = 0; i < sizeof(esa_map) / sizeof(esa_map[0]); i++) {
			if (strcmp(o->esa_policy, esa_map[i].esa) == 0) {
				*out = esa_map[i].level;
				return 0;
			}
		}
		fprintf(stderr, "mxprobe: --esa-policy takes off, preferred, "
				"required, preferred-verify or "
				"required-verify\n");
		return -1;
	}
	if (o->tls_policy && mx_tls_policy_parse(o->tls_policy, out) < 0) {
		fprintf(stderr, "mxprobe: --tls-policy takes none, may, "
				"encrypt, verify, secure, dane, dane-only, "
				"fingerprint or mta-sts\n");
		return -1;
	}
	if (*out == MX_POLICY_FINGERPRINT && o->nfingerprint == 0) {
		fprintf(stderr, "mxprobe: --tls-policy fingerprint needs "
				"--fingerprint SHA256\n");
		return -1;
	}
	return 0;
}

/* ---- Maildir ------------------------------------------------------------ */

static int file_has(const char *path, const char *token)
{
	FILE *fp = fopen(path, "rb");
	char buf[8192];
	size_t tl = strlen(token), keep = 0, n;
	int found = 0;

	if (fp == NULL)
		return 0;
	/* headers come first; 1 MiB is plenty */
	while (!found && ftell(fp) < 1024 * 1024 &&
	       (n = fread(buf + keep, 1, sizeof(buf) - 1 - keep, fp)) > 0) {
		n += keep;
		buf[n] = '\0';
		if (memmem(buf, n, token, tl))
			found = 1;
		keep = n >= tl ? tl - 1 : n;
		memmove(buf, buf + n - keep, keep);
	}
	fclose(fp);
	return found;
}

static int scan(const char *dir, const char *token, int depth, char *out,
		size_t outlen)
{
	DIR *d;
	struct dirent *e;
	int found = 0;

	if (depth > 5 || (d = opendir(dir)) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		/* Maildir: tmp/ holds files still being written; only new/
		 * and cur/ hold delivered mail */
		if (e->d_name[0] == '.' || strcmp(e->d_name, "tmp") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			found = scan(path, token, depth + 1, out, outlen);
		else if (S_ISREG(st.st_mode) && file_has(path, token)) {
			snprintf(out, outlen, "%s", path);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

int mx_cli_maildir_wait(const char *dir, const char *token, int timeout_ms,
			char *path, size_t pathlen)
{
	int64_t end = mx_now_ms() + timeout_ms;
	struct timespec ts = {0, 100 * 1000 * 1000};

	for (;;) {
		if (scan(dir, token, 0, path, pathlen))
			return 1;
		if (mx_now_ms() >= end)
			return 0;
		nanosleep(&ts, NULL);
	}
}

static int exit_for(const struct mx_send_result *r)
{
	if (r->status == MX_SEND_DELIVERED)
		return 0;
	if (r->status == MX_SEND_PARTIAL)
		return 1;
	if (r->failed_stage == MX_SEND_STAGE_NONE)
		return 3;
	return 9 + (int)r->failed_stage;
}

/* ---- running ------------------------------------------------------------ */

struct run {
	struct event_base *base;
	int done;
	struct mx_cli_capture *cap; /* --capture, or NULL */
	int capture_failed;
	struct mx_sender *snd;
	int interrupted; /* the signal, 0 none */
};

/* SIGINT/SIGTERM: the delivery stops at once (the open session is
 * closed, it ends as a temporary failure) and the report says what
 * happened; a second signal stops without a report.  Exit 3, as for the
 * probing commands (doc/exit-status.md). */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct run *run = arg;

	(void)what;
	if (run->interrupted)
		event_base_loopbreak(run->base);
	run->interrupted = (int)sig;
	if (run->snd != NULL)
		mx_sender_cancel(run->snd);
}

/* --capture: each attempt's address joins the filter before it
 * connects (the device opens on the first). */
static void on_event(void *arg, struct mx_sender *s, enum mx_send_event ev,
		     const struct mx_send_attempt *a)
{
	struct run *run = arg;

	(void)s;
	if (run->cap != NULL && ev == MX_SEND_EV_CONNECTING && a != NULL &&
	    mx_cli_capture_addr(run->cap, a->addr, a->port) < 0)
		run->capture_failed = 1;
}

static void on_done(void *arg, struct mx_sender *s,
		    const struct mx_send_result *r)
{
	struct run *run = arg;

	(void)s;
	(void)r;
	run->done = 1;
	event_base_loopbreak(run->base);
}

static const char *default_helo(char *buf, size_t len)
{
	if (gethostname(buf, len) == 0 && memchr(buf, 0, len) &&
	    strchr(buf, '.') != NULL)
		return buf;
	return "mxprobe.invalid";
}

static uint8_t *slurp_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	size_t n = 0, cap = 65536, got;

	if (fp == NULL)
		return NULL;
	buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= MAX_BODY) {
				free(buf);
				fclose(fp);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
	}
	fclose(fp);
	*len = n;
	return buf;
}

static void sts_fetched(void *arg, struct mx_sts_lookup *l)
{
	(void)l;
	event_base_loopbreak(arg);
}

/* --tls-policy mta-sts: the next hop's MTA-STS policy (RFC 8461), fetched
 * on the run's loop before the delivery and read as a sender applies it
 * into t (t->name borrows domain).  -1 when the next hop is not a
 * domain or nothing could be started. */
static int sts_fetch(const struct mx_opts *o, struct event_base *base,
		     struct mx_dns *dns, const char *domain,
		     struct mx_target *t)
{
	struct mx_sts_params p;
	struct mx_sts_lookup *l;

	if (o->via != NULL || domain == NULL ||
	    strpbrk(domain, ":/[]@") != NULL || mx_is_ip_literal(domain)) {
		fprintf(stderr, "mxprobe: --tls-policy mta-sts needs the "
				"recipient's domain as the next hop (not --via "
				"HOST)\n");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.ca_file = o->ca_file;
	p.ca_path = o->ca_path;
	p.connect_timeout_ms = o->timeout_s * 1000;
	p.total_timeout_ms = 2 * o->timeout_s * 1000;
	l = mx_sts_lookup_new(base, dns, domain, &p, sts_fetched, base);
	if (l == NULL) {
		fprintf(stderr,
			"mxprobe: cannot look up the MTA-STS policy of "
			"%s\n",
			domain);
		return -1;
	}
	event_base_dispatch(base);
	t->kind = MX_TARGET_DOMAIN;
	t->name = (char *)domain;
	mx_sts_lookup_store(l, &t->sts);
	mx_sts_lookup_free(l);
	mx_sts_judge(t);
	return 0;
}

int mx_cli_send(const struct mx_opts *o, const char *nexthop,
		const char *const *rcpts, size_t nrcpts, FILE *out, int json)
{
	struct mx_msg_params mp;
	struct mx_msg *msg = NULL;
	struct mx_msg_diag md;
	struct mx_send_params sp;
	struct mx_sender_cbs cbs = {on_event, on_done};
	struct mx_sender *snd = NULL;
	struct mx_send_result *res = NULL;
	struct mx_send_report rep;
	struct mx_send_text_opts to = {0, 0, 0};
	struct mx_dns_params dp;
	struct mx_dns *dns = NULL;
	struct mx_log log;
	struct run run = {NULL, 0, NULL, 0, NULL, 0};
	struct event *ev_int = NULL, *ev_term = NULL;
	enum mx_tls_policy level;
	char pw[MX_PW_MAX], err[512], hn[256], from_buf[300], found[4096];
	uint8_t *body = NULL;
	size_t body_len = 0;
	const char *helo, *from;
	time_t started = mx_wall_now();
	int64_t t0 = mx_now_ms();
	int status = 3;
	struct mx_target sts_t; /* mta-sts: the next hop's policy */

	memset(pw, 0, sizeof(pw));
	memset(&sts_t, 0, sizeof(sts_t));
	if (mx_cli_policy(o, &level) < 0)
		return 3;
	if (o->auth_user && mx_cli_read_password(o, pw, sizeof(pw)) < 0)
		return 3;
	helo = o->helo ? o->helo : default_helo(hn, sizeof(hn));
	from = o->from;
	if (from == NULL) {
		snprintf(from_buf, sizeof(from_buf), "mxprobe@%s", helo);
		from = from_buf;
	}
	if (o->body_file &&
	    (body = slurp_file(o->body_file, &body_len)) == NULL) {
		fprintf(stderr, "mxprobe: cannot read %s: %s\n", o->body_file,
			strerror(errno));
		goto out;
	}
	memset(&mp, 0, sizeof(mp));
	mp.from = from;
	mp.to = rcpts;
	mp.nto = nrcpts;
	mp.subject = o->subject;
	mp.body = body;
	mp.body_len = body_len;
	mp.headers = o->header;
	mp.nheaders = (size_t)o->nheader;
	mp.pad_to_size = (size_t)o->size;
	mp.date = started;
	mp.random = mx_relay_random_os;
	mp.hostname = mx_is_ip_literal(helo) ? NULL : helo;
	if (mx_msg_new(&mp, &msg, &md) != MX_MSG_OK) {
		fprintf(stderr, "mxprobe: cannot build the test message: %s\n",
			md.text);
		goto out;
	}
	mx_log_init(&log, stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	run.base = event_base_new();
	if (run.base == NULL) {
		fprintf(stderr, "mxprobe: cannot create the event loop\n");
		goto out;
	}
	/* check --send-test: the capture is check's (not this one) */
	if (o->capture && o->send_test == NULL &&
	    (mx_cli_capture_open(o, NULL, &run.cap) < 0 ||
	     mx_cli_capture_start(run.cap, run.base) < 0))
		goto out;
	memset(&dp, 0, sizeof(dp));
	dp.resolver = o->resolver;
	dp.trust_anchor = o->trust_anchor;
	dp.timeout_ms = o->timeout_s * 1000 < 10000 ? o->timeout_s * 1000
						    : 10000;
	dp.log = &log;
	dns = mx_dns_new(run.base, &dp, err, sizeof(err));
	if (dns == NULL) {
		fprintf(stderr, "mxprobe: DNS: %s\n", err);
		goto out;
	}
	if (level == MX_POLICY_MTA_STS &&
	    sts_fetch(o, run.base, dns, nexthop, &sts_t) < 0)
		goto out;
	memset(&sp, 0, sizeof(sp));
	sp.sts_mode = mx_sts_sender_mode(&sts_t.sts);
	sp.sts_mx = (const char *const *)sts_t.sts.mx;
	sp.nsts_mx = sts_t.sts.nmx;
	sp.nexthop = nexthop;
	sp.from = from;
	sp.rcpts = rcpts;
	sp.nrcpts = nrcpts;
	sp.msg = msg->data;
	sp.msg_len = msg->len;
	sp.need = msg->need;
	sp.policy = level;
	sp.judge = mx_policy_judge;
	sp.fingerprints = o->fingerprint;
	sp.nfingerprints = (size_t)o->nfingerprint;
	sp.secure_match = o->nsecure_match ? o->secure_match : NULL;
	sp.nsecure_match = (size_t)o->nsecure_match;
	sp.ca_file = o->ca_file;
	sp.ca_path = o->ca_path;
	sp.auth_user = o->auth_user;
	sp.auth_password = o->auth_user ? pw : NULL;
	sp.allow_plaintext_auth = o->allow_plaintext_auth;
	sp.helo = helo;
	sp.step_timeout_ms = o->timeout_s * 1000;
	sp.deadline_ms = o->deadline_s * 1000;
	sp.dns = dns;
	sp.log = &log;
	snd = mx_sender_new(run.base, &sp, &cbs, &run, err, sizeof(err));
	run.snd = snd;
	ev_int = evsignal_new(run.base, SIGINT, on_signal, &run);
	ev_term = evsignal_new(run.base, SIGTERM, on_signal, &run);
	if (ev_int == NULL || ev_term == NULL || event_add(ev_int, NULL) < 0 ||
	    event_add(ev_term, NULL) < 0) {
		fprintf(stderr, "mxprobe: cannot watch for signals\n");
		goto out;
	}
	if (snd == NULL || mx_sender_start(snd, err, sizeof(err)) < 0) {
		fprintf(stderr, "mxprobe send: %s\n", err);
		goto out;
	}
	event_base_dispatch(run.base);
	explicit_bzero(pw, sizeof(pw));
	if (run.interrupted && !run.done) /* second signal: no report */
		goto out;
	res = mx_sender_take_result(snd);
	mx_sender_free(snd);
	snd = NULL;
	mx_send_result_explain(res);
	status = exit_for(res);
	if (run.interrupted) {
		fprintf(stderr,
			"mxprobe: interrupted (%s): the delivery was stopped; "
			"the report says how far it got\n",
			run.interrupted == SIGTERM ? "SIGTERM" : "SIGINT");
		status = 3;
	}
	if (run.cap != NULL && (run.capture_failed ||
				mx_cli_capture_finish(run.cap, res->run) < 0))
		status = 3;
	memset(&rep, 0, sizeof(rep));
	if (res->delivered && o->maildir) {
		int wait_ms = o->timeout_s * 1000;

		rep.e2e_checked = 1;
		rep.e2e_found = mx_cli_maildir_wait(
			o->maildir, msg->token, wait_ms, found, sizeof(found));
		rep.e2e_ms = mx_now_ms() - t0;
		if (!rep.e2e_found)
			status = 21;
	}
	{
		char *path = rep.e2e_found ? mx_escape_str(found, 0) : NULL;

		rep.r = res;
		rep.tool_version = PACKAGE_VERSION;
		rep.started = started;
		rep.exit_status = status;
		rep.token = msg->token;
		rep.message_id = msg->message_id;
		rep.from = from;
		rep.rcpts = rcpts;
		rep.nrcpts = nrcpts;
		rep.e2e_path = path;
		to.color = mx_cli_use_color(out, o);
		to.transcript = o->transcript;
		/* check --send-test closes the report with its status */
		to.no_status = o->send_test != NULL || run.cap != NULL;
		if (json)
			mx_report_send_json(out, &rep);
		else
			mx_report_send_text(out, &rep, &to);
		if (run.cap != NULL && !json) {
			/* the wire after the delivery, then the status */
			mx_cli_capture_report(out, to.color, res->run);
			if (o->send_test == NULL)
				mx_out_status(out, to.color, status);
		}
		free(path);
	}
out:
	explicit_bzero(pw, sizeof(pw));
	mx_sts_clear(&sts_t.sts);
	mx_findings_clear(&sts_t.findings);
	if (ev_int)
		event_free(ev_int);
	if (ev_term)
		event_free(ev_term);
	mx_cli_capture_free(run.cap);
	mx_sender_free(snd);
	mx_send_result_free(res);
	mx_dns_free(dns);
	if (run.base)
		event_base_free(run.base);
	mx_msg_free(msg);
	free(body);
	return status;
}

int cmd_send(struct mx_opts *o)
{
	const char *nexthop = o->via;
	char dom[300];
	FILE *out;
	int status;

	if (o->nto < 1) {
		fprintf(stderr, "mxprobe send: name a recipient with --to "
				"(try 'mxprobe send --help')\n");
		return 3;
	}
	if (o->nargs > 0) {
		fprintf(stderr,
			"mxprobe send: unexpected argument '%s' (the "
			"next hop is --via)\n",
			o->args[0]);
		return 3;
	}
	if (nexthop == NULL) {
		const char *at = strrchr(o->to[0], '@');

		if (at == NULL || at[1] == '\0') {
			fprintf(stderr,
				"mxprobe send: --to %s has no domain; "
				"give --via\n",
				o->to[0]);
			return 3;
		}
		snprintf(dom, sizeof(dom), "%s", at + 1);
		nexthop = dom;
	}
	out = mx_cli_open_output(o);
	if (out == NULL)
		return 3;
	status = mx_cli_send(o, nexthop, o->to, (size_t)o->nto, out, o->json);
	if (mx_cli_close_output(out, o) < 0 && status == 0)
		status = 3;
	return status;
}
