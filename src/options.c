/*
 * options.c - shared option parsing; see options.h.
 */
#include "src/options.h"

#include <errno.h>
#include <stdio.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/log.h"

enum {
	O_RESOLVER = 1000,
	O_TRUST_ANCHOR,
	O_CA_FILE,
	O_CA_PATH,
	O_HELO,
	O_TIMEOUT,
	O_DEADLINE,
	O_JSON,
	O_TRACE,
	O_NO_COLOR,
	O_TRANSCRIPT,
	O_EXPORT,
	O_FORCE,
	O_CONNCAP,
	O_DEEP,
	O_CAPTURE,
	O_PCAP_OUT,
	O_USER,
	O_MAX_FLOWS,
	O_NAGIOS,
	O_JUNIT,
	/* send (issue #4) */
	O_TO = 1100,
	O_FROM,
	O_VIA,
	O_SUBJECT,
	O_BODY_FILE,
	O_HEADER,
	O_SIZE,
	O_MAILDIR,
	O_AUTH_USER,
	O_AUTH_PWFILE,
	O_AUTH_PWENV,
	O_ALLOW_PLAIN_AUTH,
	O_TLS_POLICY,
	O_ESA_POLICY,
	O_FINGERPRINT,
	O_SECURE_MATCH,
	O_SEND_TEST,
	/* scan (issue 12) */
	O_JSONL = 1400,
	O_STATE,
	O_SHARD,
	O_CONCURRENCY,
	O_RATE_PER_HOST,
	/* exporter (issue 12) */
	O_LISTEN_ANY = 1500,
	O_MAX_PROBES,
	/* watch and history (issue 10) */
	O_INTERVAL = 1600,
	O_ASCII,
	O_HISTORY,
	O_NO_HISTORY,
	O_SINCE,
	O_ROUNDS,
	/* relay and queue (issue #4) */
	O_LISTEN = 1200,
	O_SPOOL,
	O_SMARTHOST,
	O_TLS_CERT,
	O_TLS_KEY,
	O_DESTINATIONS,
	O_LOG,
	O_MAX_MSG_SIZE,
	O_MAX_RCPTS,
	O_ALLOW,
	O_MAX_LIFETIME,
	O_RETRY,
	O_MAX_DELIVERIES,
};

/* Send options: which extra flag allows each (issue #4). */
static const struct {
	int opt;
	unsigned extra;
} send_opts[] = {
	{O_TO, MX_OPT_SEND},
	{O_FROM, MX_OPT_SEND | MX_OPT_SENDTEST},
	{O_VIA, MX_OPT_SEND},
	{O_SUBJECT, MX_OPT_SEND | MX_OPT_SENDTEST},
	{O_BODY_FILE, MX_OPT_SEND | MX_OPT_SENDTEST},
	{O_HEADER, MX_OPT_SEND | MX_OPT_SENDTEST},
	{O_SIZE, MX_OPT_SEND | MX_OPT_SENDTEST},
	{O_MAILDIR, MX_OPT_SEND | MX_OPT_SENDTEST},
	{O_AUTH_USER, MX_OPT_AUTH},
	{O_AUTH_PWFILE, MX_OPT_AUTH},
	{O_AUTH_PWENV, MX_OPT_AUTH},
	{O_ALLOW_PLAIN_AUTH, MX_OPT_AUTH},
	{O_TLS_POLICY, MX_OPT_TLSLEVEL},
	{O_ESA_POLICY, MX_OPT_TLSLEVEL},
	{O_FINGERPRINT, MX_OPT_TLSMATCH},
	{O_SECURE_MATCH, MX_OPT_TLSMATCH},
	{O_SEND_TEST, MX_OPT_SENDTEST},
};

/* "option X is not for 'cmd'", the option as typed, escaped. */
static int not_for(const char *arg, const struct mx_cmd *cmd, char *err,
		   size_t errlen)
{
	char *q = mx_escape_str(arg, 64);

	snprintf(err, errlen, "option %s is not for '%s'", q, cmd->name);
	free(q);
	return -1;
}

/* "WHAT 'value'" with the value escaped (it came from argv). */
static int bad_value(const char *what, const char *v, char *err, size_t errlen)
{
	char *q = mx_escape_str(v, 64);

	snprintf(err, errlen, "%s, not '%s'", what, q);
	free(q);
	return -1;
}

static int repeat(const char **v, int *n, const char *arg, const char *name,
		  char *err, size_t errlen)
{
	if (*n >= MX_OPTS_MAX_REPEAT) {
		snprintf(err, errlen, "%s given more than %d times", name,
			 MX_OPTS_MAX_REPEAT);
		return -1;
	}
	v[(*n)++] = arg;
	return 0;
}

/* Returns 1 if ch was a send option (handled or failed with -1). */
static int send_opt(int ch, const struct mx_cmd *cmd, const char *optname,
		    struct mx_opts *o, char *err, size_t errlen)
{
	size_t i;
	char *end;

	for (i = 0; i < sizeof(send_opts) / sizeof(send_opts[0]); i++)
		if (send_opts[i].opt == ch)
			break;
	if (i == sizeof(send_opts) / sizeof(send_opts[0]))
		return 0;
	if (!(cmd->extra & send_opts[i].extra) ||
	    /* exporter: the target is the next hop, the message mxprobe's */
	    ((cmd->extra & MX_OPT_EXPORTER) &&
	     (ch == O_VIA || ch == O_BODY_FILE))) {
		return not_for(optname, cmd, err, errlen);
	}
	switch (ch) {
	case O_TO:
		return repeat(o->to, &o->nto, optarg, "--to", err, errlen) < 0
			       ? -1
			       : 1;
	case O_FROM:
		o->from = optarg;
		return 1;
	case O_VIA:
		o->via = optarg;
		return 1;
	case O_SUBJECT:
		o->subject = optarg;
		return 1;
	case O_BODY_FILE:
		o->body_file = optarg;
		return 1;
	case O_HEADER:
		return repeat(o->header, &o->nheader, optarg, "--header", err,
			      errlen) < 0
			       ? -1
			       : 1;
	case O_SIZE:
		errno = 0;
		o->size = strtol(optarg, &end, 10);
		if (errno || end == optarg || *end || o->size < 1 ||
		    o->size > 64L * 1024 * 1024) {
			return bad_value("--size wants octets from 1 to "
					 "67108864",
					 optarg, err, errlen);
		}
		return 1;
	case O_MAILDIR:
		o->maildir = optarg;
		return 1;
	case O_AUTH_USER:
		o->auth_user = optarg;
		return 1;
	case O_AUTH_PWFILE:
		o->auth_password_file = optarg;
		return 1;
	case O_AUTH_PWENV:
		o->auth_password_env = optarg;
		return 1;
	case O_ALLOW_PLAIN_AUTH:
		o->allow_plaintext_auth = 1;
		return 1;
	case O_TLS_POLICY:
		o->tls_policy = optarg;
		return 1;
	case O_ESA_POLICY:
		o->esa_policy = optarg;
		return 1;
	case O_FINGERPRINT:
		return repeat(o->fingerprint, &o->nfingerprint, optarg,
			      "--fingerprint", err, errlen) < 0
			       ? -1
			       : 1;
	case O_SECURE_MATCH:
		return repeat(o->secure_match, &o->nsecure_match, optarg,
			      "--secure-match", err, errlen) < 0
			       ? -1
			       : 1;
	case O_SEND_TEST:
		o->send_test = optarg;
		return 1;
	default:
		return 0;
	}
}

/* Relay and queue options (issue #4): the value is kept as given and
 * checked by the command.  Returns 1 if ch was one (-1 on error). */
static int relay_opt(int ch, const struct mx_cmd *cmd, const char *optname,
		     struct mx_opts *o, char *err, size_t errlen)
{
	static const struct {
		int opt;
		size_t off;
	} fields[] = {
		{O_LISTEN, offsetof(struct mx_opts, listen)},
		{O_SMARTHOST, offsetof(struct mx_opts, smarthost)},
		{O_TLS_CERT, offsetof(struct mx_opts, tls_cert)},
		{O_TLS_KEY, offsetof(struct mx_opts, tls_key)},
		{O_DESTINATIONS, offsetof(struct mx_opts, destinations)},
		{O_MAX_MSG_SIZE, offsetof(struct mx_opts, max_message_size)},
		{O_MAX_RCPTS, offsetof(struct mx_opts, max_recipients)},
		{O_MAX_LIFETIME, offsetof(struct mx_opts, max_queue_lifetime)},
		{O_RETRY, offsetof(struct mx_opts, retry_schedule)},
		{O_MAX_DELIVERIES, offsetof(struct mx_opts, max_deliveries)},
	};
	size_t i;

	if (ch < O_LISTEN || ch > O_MAX_DELIVERIES)
		return 0;
	if (!(cmd->extra & MX_OPT_RELAY) &&
	    !(ch == O_SPOOL && (cmd->extra & MX_OPT_QUEUE))) {
		return not_for(optname, cmd, err, errlen);
	}
	if (ch == O_SPOOL) {
		o->spool = optarg;
		return 1;
	}
	if (ch == O_ALLOW)
		return repeat(o->allow, &o->nallow, optarg, "--allow", err,
			      errlen) < 0
			       ? -1
			       : 1;
	if (ch == O_LOG) {
		if (o->nlog_file >= 2) {
			snprintf(err, errlen,
				 "--log at most twice (a file "
				 "and -)");
			return -1;
		}
		o->log_file[o->nlog_file++] = optarg;
		return 1;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].opt == ch)
			*(const char **)((char *)o + fields[i].off) = optarg;
	return 1;
}

/*
 * getopt_long failed: ch ':' (missing argument) or '?' (unknown).  For a
 * short option optopt holds the byte (any byte: shown escaped, so -\350
 * prints as -\xe8); for a long one the option's value, or 0 when the
 * name is unknown, and `arg` is the word as typed.
 */
static int opt_error(int ch, const struct option *longopts, const char *arg,
		     char *err, size_t errlen)
{
	const struct option *lo;
	char *q = NULL;

	for (lo = longopts; optopt >= 256 && lo->name; lo++)
		if (lo->val == optopt)
			break;
	if (optopt >= 256 && lo->name) {
		snprintf(err, errlen, "option --%s needs an argument",
			 lo->name);
		return -1;
	}
	if (optopt > 0 || optopt < 0) {
		unsigned char b = (unsigned char)optopt;

		q = mx_escape(&b, 1, 0);
		snprintf(err, errlen,
			 ch == ':' ? "option -%s needs an argument"
				   : "unknown option -%s",
			 q);
	} else {
		q = mx_escape_str(arg ? arg : "", 64);
		snprintf(err, errlen,
			 ch == ':' ? "option %s needs an argument"
				   : "unknown option %s",
			 q);
	}
	free(q);
	return -1;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * A duration: a whole number with a unit s, m, h or d (a bare number is
 * seconds): "30s", "10m", "1h", "7d".  0 with *out in seconds, or -1.
 */
static int parse_duration(const char *s, long lo, long hi, long *out)
{
	static const struct {
		char unit;
		long mult;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	char *end;
	long v, mult = 1;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end != '\0') {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (units[i].unit == *end)
				break;
		if (i == sizeof(units) / sizeof(units[0]) || end[1] != '\0')
			return -1;
		mult = units[i].mult;
	}
	if (v > hi / mult || v * mult < lo || v * mult > hi)
		return -1;
	*out = v * mult;
	return 0;
}

/* watch and history (issue 10): --interval, --ascii, --history,
 * --no-history, --since, --rounds.  0 or -1 with err. */
static int watch_opt(int ch, const struct mx_cmd *cmd, const char *optname,
		     struct mx_opts *o, char *err, size_t errlen)
{
	unsigned need = ch == O_HISTORY ? MX_OPT_WATCH | MX_OPT_HISTORY
			: ch == O_SINCE ? MX_OPT_HISTORY
					: MX_OPT_WATCH;
	long v;

	if (!(cmd->extra & need))
		return not_for(optname, cmd, err, errlen);
	switch (ch) {
	case O_INTERVAL:
		if (parse_duration(optarg, 5, 7 * 86400L, &v) < 0)
			return bad_value("--interval wants a duration from 5s "
					 "to 7d, such as 30s, 10m, 1h",
					 optarg, err, errlen);
		o->interval_s = (int)v;
		return 0;
	case O_SINCE:
		if (parse_duration(optarg, 1, 3650 * 86400L, &v) < 0)
			return bad_value("--since wants a duration from 1s to "
					 "3650d, such as 90m, 12h, 7d",
					 optarg, err, errlen);
		o->since_s = v;
		return 0;
	case O_ROUNDS:
		if (parse_int(optarg, 0, 1000000, &o->rounds) < 0)
			return bad_value("--rounds wants 0 (forever) to "
					 "1000000",
					 optarg, err, errlen);
		return 0;
	case O_ASCII:
		o->ascii = 1;
		return 0;
	case O_HISTORY:
		o->history_path = optarg;
		return 0;
	default:
		o->no_history = 1;
		return 0;
	}
}

int mx_opts_parse(int argc, char **argv, const struct mx_cmd *cmd,
		  struct mx_opts *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{"resolver", required_argument, NULL, O_RESOLVER},
		{"trust-anchor", required_argument, NULL, O_TRUST_ANCHOR},
		{"ca-file", required_argument, NULL, O_CA_FILE},
		{"ca-path", required_argument, NULL, O_CA_PATH},
		{"helo", required_argument, NULL, O_HELO},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"deadline", required_argument, NULL, O_DEADLINE},
		{"json", no_argument, NULL, O_JSON},
		{"output", required_argument, NULL, 'o'},
		{"verbose", no_argument, NULL, 'v'},
		{"trace", required_argument, NULL, O_TRACE},
		{"no-color", no_argument, NULL, O_NO_COLOR},
		{"transcript", no_argument, NULL, O_TRANSCRIPT},
		{"export", required_argument, NULL, O_EXPORT},
		{"force", no_argument, NULL, O_FORCE},
		{"max-conn-per-host", required_argument, NULL, O_CONNCAP},
		{"deep", no_argument, NULL, O_DEEP},
		{"capture", optional_argument, NULL, O_CAPTURE},
		{"pcap-out", required_argument, NULL, O_PCAP_OUT},
		{"user", required_argument, NULL, O_USER},
		{"max-flows", required_argument, NULL, O_MAX_FLOWS},
		{"to", required_argument, NULL, O_TO},
		{"from", required_argument, NULL, O_FROM},
		{"via", required_argument, NULL, O_VIA},
		{"subject", required_argument, NULL, O_SUBJECT},
		{"body-file", required_argument, NULL, O_BODY_FILE},
		{"header", required_argument, NULL, O_HEADER},
		{"size", required_argument, NULL, O_SIZE},
		{"maildir", required_argument, NULL, O_MAILDIR},
		{"auth-user", required_argument, NULL, O_AUTH_USER},
		{"auth-password-file", required_argument, NULL, O_AUTH_PWFILE},
		{"auth-password-env", required_argument, NULL, O_AUTH_PWENV},
		{"allow-plaintext-auth", no_argument, NULL, O_ALLOW_PLAIN_AUTH},
		{"tls-policy", required_argument, NULL, O_TLS_POLICY},
		{"esa-policy", required_argument, NULL, O_ESA_POLICY},
		{"fingerprint", required_argument, NULL, O_FINGERPRINT},
		{"secure-match", required_argument, NULL, O_SECURE_MATCH},
		{"send-test", required_argument, NULL, O_SEND_TEST},
		{"listen", required_argument, NULL, O_LISTEN},
		{"spool", required_argument, NULL, O_SPOOL},
		{"smarthost", required_argument, NULL, O_SMARTHOST},
		{"tls-cert", required_argument, NULL, O_TLS_CERT},
		{"tls-key", required_argument, NULL, O_TLS_KEY},
		{"destinations", required_argument, NULL, O_DESTINATIONS},
		{"log", required_argument, NULL, O_LOG},
		{"max-message-size", required_argument, NULL, O_MAX_MSG_SIZE},
		{"max-recipients", required_argument, NULL, O_MAX_RCPTS},
		{"allow", required_argument, NULL, O_ALLOW},
		{"max-queue-lifetime", required_argument, NULL, O_MAX_LIFETIME},
		{"retry-schedule", required_argument, NULL, O_RETRY},
		{"max-deliveries", required_argument, NULL, O_MAX_DELIVERIES},
		{"nagios", no_argument, NULL, O_NAGIOS},
		{"warning", required_argument, NULL, 'w'},
		{"critical", required_argument, NULL, 'c'},
		{"junit", required_argument, NULL, O_JUNIT},
		{"file", required_argument, NULL, 'f'},
		{"jsonl", required_argument, NULL, O_JSONL},
		{"state", required_argument, NULL, O_STATE},
		{"shard", required_argument, NULL, O_SHARD},
		{"concurrency", required_argument, NULL, O_CONCURRENCY},
		{"rate-per-host", required_argument, NULL, O_RATE_PER_HOST},
		{"listen-any", no_argument, NULL, O_LISTEN_ANY},
		{"max-probes", required_argument, NULL, O_MAX_PROBES},
		{"interval", required_argument, NULL, O_INTERVAL},
		{"ascii", no_argument, NULL, O_ASCII},
		{"history", required_argument, NULL, O_HISTORY},
		{"no-history", no_argument, NULL, O_NO_HISTORY},
		{"since", required_argument, NULL, O_SINCE},
		{"rounds", required_argument, NULL, O_ROUNDS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char optname[64];
	int ch, li = -1;

	memset(o, 0, sizeof(*o));
	o->timeout_s = 30;
	o->deadline_s = 0;
	o->per_host = 2;
	optind = 1;
	opterr = 0;
	/* A leading ':' in the short options: a missing argument is ':',
	 * an unknown option '?'. */
	while ((ch = getopt_long(argc, argv, ":o:vhw:c:f:", longopts, &li)) !=
	       -1) {
		int sr;

		/* the option's name, for "not for" (argv may hold its
		 * value by now) */
		if (li >= 0)
			snprintf(optname, sizeof(optname), "--%s",
				 longopts[li].name);
		else
			snprintf(optname, sizeof(optname), "-%c",
				 ch > 0 && ch < 128 ? ch : '?');
		li = -1;
		/* exporter (issue 12): --listen, and --allow names a file
		 * of target patterns there */
		if ((cmd->extra & MX_OPT_EXPORTER) &&
		    (ch == O_LISTEN || ch == O_ALLOW)) {
			if (ch == O_LISTEN)
				o->listen = optarg;
			else
				o->allow_file = optarg;
			continue;
		}
		/* watch -f FILE: the targets file, read as scan's */
		if (ch == 'f' && (cmd->extra & MX_OPT_WATCH)) {
			o->scan_file = optarg;
			continue;
		}
		sr = send_opt(ch, cmd, optname, o, err, errlen);
		if (sr == 0)
			sr = relay_opt(ch, cmd, optname, o, err, errlen);
		if (sr < 0)
			return -1;
		if (sr > 0)
			continue;
		switch (ch) {
		case O_RESOLVER:
			o->resolver = optarg;
			break;
		case O_TRUST_ANCHOR:
			o->trust_anchor = optarg;
			break;
		case O_CA_FILE:
			o->ca_file = optarg;
			break;
		case O_CA_PATH:
			o->ca_path = optarg;
			break;
		case O_HELO:
			o->helo = optarg;
			break;
		case O_TIMEOUT:
			if (parse_int(optarg, 1, 3600, &o->timeout_s) < 0) {
				return bad_value("--timeout wants seconds "
						 "from 1 to 3600",
						 optarg, err, errlen);
			}
			break;
		case O_DEADLINE:
			if (parse_int(optarg, 1, 86400, &o->deadline_s) < 0) {
				return bad_value("--deadline wants seconds "
						 "from 1 to 86400",
						 optarg, err, errlen);
			}
			break;
		case O_JSON:
			o->json = 1;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case O_TRACE:
			if (mx_log_parse_trace(optarg, &o->trace) < 0) {
				return bad_value("--trace takes a list of "
						 "smtp, tls, dns, pcap, "
						 "sched, relay or all",
						 optarg, err, errlen);
			}
			break;
		case O_NO_COLOR:
			o->no_color = 1;
			break;
		case O_TRANSCRIPT:
		case O_EXPORT:
		case O_FORCE:
		case O_CONNCAP:
			if ((ch == O_TRANSCRIPT &&
			     (!(cmd->extra &
				(MX_OPT_TRANSCRIPT | MX_OPT_SEND)) ||
			      (cmd->extra & MX_OPT_EXPORTER))) ||
			    (ch == O_EXPORT && !(cmd->extra & MX_OPT_EXPORT)) ||
			    (ch == O_FORCE &&
			     !(cmd->extra & (MX_OPT_EXPORT | MX_OPT_CAPTURE))) ||
			    (ch == O_CONNCAP &&
			     !(cmd->extra & MX_OPT_CONNCAP))) {
				return not_for(optname, cmd, err, errlen);
			}
			if (ch == O_TRANSCRIPT)
				o->transcript = 1;
			else if (ch == O_EXPORT)
				o->export_dir = optarg;
			else if (ch == O_FORCE)
				o->force = 1;
			else if (parse_int(optarg, 1, 64, &o->per_host) < 0) {
				return bad_value("--max-conn-per-host wants "
						 "1 to 64",
						 optarg, err, errlen);
			}
			break;
		case O_DEEP:
			if (!(cmd->extra & MX_OPT_DEEP)) {
				return not_for(optname, cmd, err, errlen);
			}
			o->deep = 1;
			break;
		case O_CAPTURE:
		case O_PCAP_OUT:
		case O_USER:
			if (!(cmd->extra & MX_OPT_CAPTURE))
				return not_for(optname, cmd, err, errlen);
			if (ch == O_CAPTURE) {
				o->capture = 1;
				o->capture_iface = optarg; /* NULL: routed */
			} else if (ch == O_PCAP_OUT) {
				o->capture = 1;
				o->pcap_out = optarg;
			} else {
				o->user = optarg;
			}
			break;
		case O_MAX_FLOWS:
			if (!(cmd->extra & MX_OPT_PCAP))
				return not_for(optname, cmd, err, errlen);
			if (parse_int(optarg, 1, 1000000, &o->max_flows) < 0) {
				return bad_value(
					"--max-flows wants 1 to 1000000",
					optarg, err, errlen);
			}
			break;
		case O_NAGIOS:
		case O_JUNIT:
		case 'w':
		case 'c':
			if (!(cmd->extra & MX_OPT_MONITOR))
				return not_for(optname, cmd, err, errlen);
			if (ch == O_NAGIOS)
				o->nagios = 1;
			else if (ch == O_JUNIT)
				o->junit = optarg;
			else if (parse_int(optarg, 1, 100000,
					   ch == 'w' ? &o->warn_days
						     : &o->crit_days) < 0)
				return bad_value(
					ch == 'w' ? "-w/--warning wants "
						    "days from 1 to "
						    "100000"
						  : "-c/--critical wants "
						    "days from 1 to "
						    "100000",
					optarg, err, errlen);
			break;
		case 'f':
		case O_JSONL:
		case O_STATE:
		case O_SHARD:
		case O_CONCURRENCY:
		case O_RATE_PER_HOST:
			if (!(cmd->extra & MX_OPT_SCAN))
				return not_for(optname, cmd, err, errlen);
			if (mx_opts_scan(ch == 'f'	       ? 0
					 : ch == O_JSONL       ? 1
					 : ch == O_STATE       ? 2
					 : ch == O_SHARD       ? 3
					 : ch == O_CONCURRENCY ? 4
							       : 5,
					 optarg, o, err, errlen) < 0)
				return -1;
			break;
		case O_LISTEN_ANY:
		case O_MAX_PROBES:
			if (!(cmd->extra & MX_OPT_EXPORTER))
				return not_for(optname, cmd, err, errlen);
			if (ch == O_LISTEN_ANY)
				o->listen_any = 1;
			else if (parse_int(optarg, 1, 1024, &o->max_probes) < 0)
				return bad_value("--max-probes wants 1 to 1024",
						 optarg, err, errlen);
			break;
		case O_INTERVAL:
		case O_ASCII:
		case O_HISTORY:
		case O_NO_HISTORY:
		case O_SINCE:
		case O_ROUNDS:
			if (watch_opt(ch, cmd, optname, o, err, errlen) < 0)
				return -1;
			break;
		case 'h':
			o->help = 1;
			return 0;
		case ':':
		case '?':
		default:
			return opt_error(ch, longopts, argv[optind - 1], err,
					 errlen);
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->deadline_s == 0)
		o->deadline_s = o->timeout_s * 4 > 600 ? 600 : o->timeout_s * 4;
	return 0;
}
