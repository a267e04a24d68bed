/*
 * cmd_relay.c - `mxprobe relay`: run the relay engine (relay/relay.h) in
 * the foreground.  Wiring only: check the options, read the password,
 * load the destination table, open the log sinks, hand everything to the
 * engine, run until SIGTERM/SIGINT.
 *
 *   mxprobe relay --listen 127.0.0.1:2525 --spool DIR
 *       [--smarthost TARGET] [--auth-user U --auth-password-file F]
 *       [--tls-policy LEVEL] [--tls-cert F --tls-key F]
 *       [--destinations FILE] [--log FILE] [--log -]
 *       [--max-message-size N] [--max-recipients N] [--allow NET]...
 *       [--max-queue-lifetime D] [--retry-schedule LIST]
 *       [--max-deliveries N]
 *
 * Log lines (relay/relaylog.h) are written with a timestamp and level,
 * "Mon Nov 23 08:00:00 2026 Info: New SMTP ICID 1 ...", and flushed line
 * by line, to --log FILE (appended, created 0600) and/or stderr ("--log
 * -", the default).  The password is read once from a 0600 file or an
 * environment variable (src/cmd_send.c), kept in one buffer for the
 * engine, and wiped at exit; it is never logged.
 *
 * Exit: 0 after a graceful stop, 1 after a forced one (second signal),
 * 3 bad options or the relay could not start (spool locked, port busy).
 */
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

#include "analyzers/policy.h"
#include "common/escape.h"
#include "common/log.h"
#include "model/result.h"
#include "probe/dns.h"
#include "probe/target.h"
#include "relay/message.h"
#include "relay/relay.h"
#include "src/commands.h"

struct sinks {
	FILE *fp[2];
	size_t n;
	int debug; /* -v: Debug lines too */
};

static void log_line(void *arg, enum mx_rlog_level level, const char *line)
{
	struct sinks *s = arg;
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (level == MX_RLOG_DEBUG && !s->debug)
		return;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y", &tm);
	for (i = 0; i < s->n; i++) {
		fprintf(s->fp[i], "%s %s: %s\n", stamp,
			mx_rlog_level_name(level), line);
		fflush(s->fp[i]);
	}
}

static int parse_size(const char *opt, const char *s, unsigned long lo,
		      unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v, mult = 1;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoul(s, &end, 10);
	if (errno)
		goto bad;
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1024 * 1024, end++;
	if (*end || v > hi / mult || v * mult < lo)
		goto bad;
	*out = v * mult;
	return 0;
bad:
	fprintf(stderr,
		"mxprobe relay: %s wants %lu to %lu (k and M "
		"suffixes allowed), not '%s'\n",
		opt, lo, hi, s);
	return -1;
}

static int open_sinks(const struct mx_opts *o, struct sinks *s)
{
	int i;

	s->n = 0;
	if (o->nlog_file == 0) {
		s->fp[s->n++] = stderr;
		return 0;
	}
	for (i = 0; i < o->nlog_file; i++) {
		int fd;
		FILE *fp;

		if (strcmp(o->log_file[i], "-") == 0) {
			s->fp[s->n++] = stderr;
			continue;
		}
		fd = open(o->log_file[i],
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
				  O_NOFOLLOW,
			  0600);
		if (fd < 0 || (fp = fdopen(fd, "a")) == NULL) {
			fprintf(stderr,
				"mxprobe relay: cannot open the log %s: "
				"%s\n",
				o->log_file[i], strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		s->fp[s->n++] = fp;
	}
	return 0;
}

static void close_sinks(struct sinks *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->fp[i] != stderr)
			fclose(s->fp[i]);
	s->n = 0;
}

/* The smarthost must be a target mxprobe understands, without
 * credentials in it. */
static int check_smarthost(const char *spec)
{
	struct mx_run *run;
	char err[256];
	int r;

	if (strchr(spec, '@') != NULL) {
		fprintf(stderr, "mxprobe relay: --smarthost takes no user "
				"information; use --auth-user and "
				"--auth-password-file\n");
		return -1;
	}
	run = mx_run_new();
	r = mx_target_parse(spec, mx_run_add_target(run), err, sizeof(err));
	mx_run_free(run);
	if (r < 0)
		fprintf(stderr, "mxprobe relay: --smarthost %s: %s\n", spec,
			err);
	return r;
}

struct relay_state {
	struct event_base *base;
	int forced;
};

/* The relay stopped (drained, or a second signal): end the loop. */
static void relay_stopped(void *arg, int forced)
{
	struct relay_state *st = arg;

	st->forced = forced;
	if (forced)
		event_base_loopbreak(st->base);
	else
		event_base_loopexit(st->base, NULL);
}

int cmd_relay(struct mx_opts *o)
{
	struct relay_state st = {NULL, 0};
	struct mx_relay_params rp;
	struct mx_relay *relay = NULL;
	struct mx_dest_table dests;
	struct mx_net nets[MX_OPTS_MAX_REPEAT];
	struct mx_dns_params dp;
	struct mx_dns *dns = NULL;
	struct event_base *base = NULL;
	struct mx_log devlog;
	struct sinks sinks = {{NULL, NULL}, 0, 0};
	enum mx_tls_policy level;
	unsigned retry[MX_RETRY_MAX], lifetime = 0;
	size_t nretry = 0;
	unsigned long size = 0, rcpts = 0, deliveries = 0;
	char addr[64], err[512], pw[MX_PW_MAX], hn[256];
	uint16_t port;
	int i, rc = 3;

	memset(&dests, 0, sizeof(dests));
	memset(pw, 0, sizeof(pw));
	if (o->nargs != 0) {
		fprintf(stderr, "mxprobe relay: no arguments, only options "
				"(try 'mxprobe relay --help')\n");
		return 3;
	}
	if (o->spool == NULL) {
		fprintf(stderr, "mxprobe relay: --spool DIR is required\n");
		return 3;
	}
	if (mx_listen_parse(o->listen ? o->listen : "127.0.0.1:2525", addr,
			    sizeof(addr), &port) < 0) {
		fprintf(stderr,
			"mxprobe relay: --listen wants ADDRESS:PORT "
			"(127.0.0.1:2525, [::1]:2525), not '%s'\n",
			o->listen);
		return 3;
	}
	if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
		fprintf(stderr, "mxprobe relay: --tls-cert and --tls-key go "
				"together\n");
		return 3;
	}
	if (o->smarthost && check_smarthost(o->smarthost) < 0)
		return 3;
	if (mx_cli_policy(o, &level) < 0)
		return 3;
	if (level == MX_POLICY_MTA_STS) {
		/* the relay's workers do not fetch MTA-STS policies (yet) */
		fprintf(stderr, "mxprobe relay: --tls-policy mta-sts is for "
				"send and policy only\n");
		return 3;
	}
	if (o->max_message_size &&
	    parse_size("--max-message-size", o->max_message_size, 1024,
		       MX_SPOOL_MAX_MESSAGE, &size) < 0)
		return 3;
	if (o->max_recipients &&
	    parse_size("--max-recipients", o->max_recipients, 1,
		       MX_SPOOL_MAX_RCPTS, &rcpts) < 0)
		return 3;
	if (o->max_deliveries &&
	    parse_size("--max-deliveries", o->max_deliveries, 1, 1000,
		       &deliveries) < 0)
		return 3;
	if (o->max_queue_lifetime &&
	    mx_duration_parse(o->max_queue_lifetime, &lifetime) < 0) {
		fprintf(stderr, "mxprobe relay: --max-queue-lifetime wants a "
				"duration from 1s to 365d (3600, 90m, 5d)\n");
		return 3;
	}
	if (o->retry_schedule &&
	    mx_retry_parse(o->retry_schedule, retry, MX_RETRY_MAX, &nretry, err,
			   sizeof(err)) < 0) {
		fprintf(stderr, "mxprobe relay: --retry-schedule: %s\n", err);
		return 3;
	}
	for (i = 0; i < o->nallow; i++) {
		if (mx_net_parse(o->allow[i], &nets[i]) < 0) {
			fprintf(stderr,
				"mxprobe relay: --allow wants a network "
				"(127.0.0.0/8, ::1, 192.0.2.0/24), "
				"not '%s'\n",
				o->allow[i]);
			return 3;
		}
	}
	if (o->destinations &&
	    mx_dest_load(o->destinations, &dests, err, sizeof(err)) < 0) {
		fprintf(stderr, "mxprobe relay: --destinations %s\n", err);
		return 3;
	}
	if (o->auth_user && mx_cli_read_password(o, pw, sizeof(pw)) < 0)
		goto out;
	if (open_sinks(o, &sinks) < 0)
		goto out;
	sinks.debug = o->verbose > 0;
	/* A client that goes away must not kill the relay. */
	signal(SIGPIPE, SIG_IGN);
	mx_log_init(&devlog, stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	base = event_base_new();
	if (base == NULL) {
		fprintf(stderr, "mxprobe relay: cannot create the event "
				"loop\n");
		goto out;
	}
	memset(&dp, 0, sizeof(dp));
	dp.resolver = o->resolver;
	dp.trust_anchor = o->trust_anchor;
	dp.timeout_ms = o->timeout_s * 1000 < 10000 ? o->timeout_s * 1000
						    : 10000;
	dp.log = &devlog;
	dns = mx_dns_new(base, &dp, err, sizeof(err));
	if (dns == NULL) {
		fprintf(stderr, "mxprobe relay: DNS: %s\n", err);
		goto out;
	}
	if (o->helo == NULL && gethostname(hn, sizeof(hn)) == 0) {
		hn[sizeof(hn) - 1] = 0;
		if (!mx_is_clean(hn))
			snprintf(hn, sizeof(hn), "localhost");
	} else {
		snprintf(hn, sizeof(hn), "%s", o->helo ? o->helo : "localhost");
	}

	memset(&rp, 0, sizeof(rp));
	rp.spool_dir = o->spool;
	rp.random = mx_relay_random_os;
	rp.log.fn = log_line;
	rp.log.arg = &sinks;
	rp.signals = 1;
	rp.stopped = relay_stopped;
	rp.stopped_arg = &st;
	rp.listen.addr = addr;
	rp.listen.port = port;
	rp.listen.hostname = hn;
	rp.listen.max_message_size = size;
	rp.listen.max_recipients = rcpts;
	rp.listen.allow = o->nallow ? nets : NULL;
	rp.listen.nallow = (size_t)o->nallow;
	rp.listen.tls_cert = o->tls_cert;
	rp.listen.tls_key = o->tls_key;
	rp.work.dests = dests.n ? &dests : NULL;
	rp.work.smarthost = o->smarthost;
	rp.work.policy = level;
	rp.work.retry = nretry ? retry : NULL;
	rp.work.nretry = nretry;
	rp.work.max_lifetime_s = lifetime;
	rp.work.max_deliveries = deliveries;
	rp.work.judge = mx_policy_judge;
	rp.work.fingerprints = o->fingerprint;
	rp.work.nfingerprints = (size_t)o->nfingerprint;
	rp.work.ca_file = o->ca_file;
	rp.work.ca_path = o->ca_path;
	rp.work.auth_user = o->auth_user;
	rp.work.auth_password = o->auth_user ? pw : NULL;
	rp.work.allow_plaintext_auth = o->allow_plaintext_auth;
	rp.work.helo = hn;
	rp.work.step_timeout_ms = o->timeout_s * 1000;
	rp.work.dns = dns;
	rp.work.devlog = &devlog;
	relay = mx_relay_new(base, &rp, err, sizeof(err));
	if (relay == NULL) {
		char *e = mx_escape_str(err, 400);

		fprintf(stderr, "mxprobe relay: %s\n", e);
		free(e);
		goto out;
	}
	mx_rlog(&rp.log, MX_RLOG_INFO,
		"relay ready: next hop %s, TLS policy %s%s, %zu destination "
		"row(s)",
		o->smarthost ? o->smarthost : "MX of each recipient domain",
		mx_tls_policy_name(level),
		o->auth_user ? ", AUTH as configured" : "", dests.n);
	/* src/ owns the loop: it runs until the relay says it stopped. */
	st.base = base;
	event_base_dispatch(base);
	rc = st.forced ? 1 : 0;
out:
	mx_relay_free(relay);
	mx_dns_free(dns);
	if (base)
		event_base_free(base);
	mx_dest_table_free(&dests);
	close_sinks(&sinks);
	explicit_bzero(pw, sizeof(pw));
	return rc;
}
