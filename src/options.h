/*
 * options.h - the options every subcommand shares, parsed one way.
 *
 * Shared: --resolver IP[:PORT], --trust-anchor FILE, --ca-file FILE,
 * --ca-path DIR, --helo NAME, --timeout SECONDS, --deadline SECONDS,
 * --json, -o/--output FILE, -v/--verbose, --trace LIST, --no-color,
 * -h/--help.  Subcommands add theirs through `extra` flags.
 *
 * Ownership: strings point into argv.
 */
#ifndef MX_SRC_OPTIONS_H
#define MX_SRC_OPTIONS_H

#include <stdio.h>

enum mx_opt_extra {
	MX_OPT_TRANSCRIPT = 1u << 0, /* --transcript */
	MX_OPT_EXPORT = 1u << 1,     /* --export DIR, --force */
	MX_OPT_CONNCAP = 1u << 2,    /* --max-conn-per-host N */
	MX_OPT_DEEP = 1u << 3,	     /* check: --deep (enumeration) */
	/* --capture[=IFACE], --pcap-out FILE, --user NAME, --force */
	MX_OPT_CAPTURE = 1u << 4,
	MX_OPT_PCAP = 1u << 5, /* pcap: --max-flows N */
	/* send: --to (repeatable), --from, --via, --subject, --body-file,
	 * --header (repeatable), --size, --maildir DIR, --transcript */
	MX_OPT_SEND = 1u << 8,
	/* --auth-user, --auth-password-file, --auth-password-env VAR,
	 * --allow-plaintext-auth */
	MX_OPT_AUTH = 1u << 9,
	/* --tls-policy LEVEL, --esa-policy NAME */
	MX_OPT_TLSLEVEL = 1u << 10,
	/* --fingerprint (repeatable), --secure-match NAME (repeatable) */
	MX_OPT_TLSMATCH = 1u << 12,
	MX_OPT_TLSPOLICY = MX_OPT_TLSLEVEL | MX_OPT_TLSMATCH,
	/* check: --send-test RCPT (with the send, auth and policy options) */
	MX_OPT_SENDTEST = 1u << 11,
	/* check, ciphers: --nagios, -w/--warning DAYS, -c/--critical DAYS,
	 * --junit FILE (issue 12: monitoring plugins and CI) */
	MX_OPT_MONITOR = 1u << 13,
	/* relay: --listen, --spool, --smarthost, --tls-cert, --tls-key,
	 * --destinations, --log (twice at most), --max-message-size,
	 * --max-recipients, --allow (repeatable), --max-queue-lifetime,
	 * --retry-schedule, --max-deliveries */
	MX_OPT_RELAY = 1u << 16,
	/* queue: --spool */
	MX_OPT_QUEUE = 1u << 17,
	/* scan (issue 12): -f/--file FILE, --jsonl FILE, --state FILE,
	 * --shard I/N, --concurrency N, --rate-per-host N */
	MX_OPT_SCAN = 1u << 24,
	/* exporter (issue 12): --listen ADDR:PORT, --listen-any,
	 * --max-probes N, --allow FILE (target patterns) */
	MX_OPT_EXPORTER = 1u << 25,
	/* watch (issue 10): -f/--file FILE, --interval DURATION, --ascii,
	 * --deep, --history FILE, --no-history */
	MX_OPT_WATCH = 1u << 26,
	/* history (issue 10): --since DURATION, --history FILE */
	MX_OPT_HISTORY = 1u << 27,
};

#define MX_OPTS_MAX_REPEAT 64

struct mx_opts {
	const char *resolver;
	const char *trust_anchor;
	const char *ca_file;
	const char *ca_path;
	const char *helo;
	const char *output;
	const char *export_dir;
	int timeout_s;
	int deadline_s;
	int json;
	int verbose;
	unsigned trace;
	int transcript;
	int no_color;
	int force;
	int per_host;
	int deep; /* check --deep: enumerate every endpoint */
	/* --capture[=IFACE] (issue 9): capture is on; iface NULL = the
	 * interface that routes to the first target */
	int capture;
	const char *capture_iface;
	const char *pcap_out; /* --pcap-out FILE (implies --capture) */
	const char *user;     /* --user NAME: drop to it after opening */
	int max_flows;	      /* pcap --max-flows N, 0: the decoder's default */
	/* --nagios, -w/-c certificate days (0: not given), --junit FILE */
	int nagios;
	int warn_days;
	int crit_days;
	const char *junit;
	int help;
	/* send (issue #4); lists point into argv */
	const char *to[MX_OPTS_MAX_REPEAT];
	int nto;
	const char *from;
	const char *via;
	const char *subject;
	const char *body_file;
	const char *header[MX_OPTS_MAX_REPEAT];
	int nheader;
	long size;
	const char *maildir;
	const char *auth_user;
	const char *auth_password_file;
	const char *auth_password_env;
	int allow_plaintext_auth;
	const char *tls_policy;
	const char *esa_policy;
	const char *fingerprint[MX_OPTS_MAX_REPEAT];
	int nfingerprint;
	const char *secure_match[MX_OPTS_MAX_REPEAT];
	int nsecure_match;
	const char *send_test; /* check --send-test RCPT */
	/* relay and queue (issue #4); values are checked by the command */
	const char *listen;
	const char *spool;
	const char *smarthost;
	const char *tls_cert;
	const char *tls_key;
	const char *destinations;
	const char *log_file[2];
	int nlog_file;
	const char *max_message_size;
	const char *max_recipients;
	const char *allow[MX_OPTS_MAX_REPEAT];
	int nallow;
	const char *max_queue_lifetime;
	const char *retry_schedule;
	const char *max_deliveries;
	/* scan (issue 12); 0 / NULL: not given */
	const char *scan_file;
	const char *jsonl;
	const char *state;
	int shard_i, shard_n;
	int concurrency;
	int rate_per_host;
	/* exporter (issue 12); 0 / NULL: not given */
	int listen_any;
	int max_probes;
	const char *allow_file;
	/* watch and history (issue 10); 0 / NULL: not given */
	int interval_s;		  /* --interval 10m */
	int ascii;		  /* --ascii: no line drawing */
	const char *history_path; /* --history FILE */
	int no_history;		  /* --no-history: keep nothing on disk */
	long since_s;		  /* history --since 7d, in seconds */
	int rounds;		  /* watch --rounds N: stop after N; 0 never */
	char **args;		  /* positional arguments */
	int nargs;
};

/* What the positional arguments of a command are (src/validate.c checks
 * them before the command runs). */
enum mx_arg_kind {
	MX_ARGS_NONE = 0, /* only options */
	MX_ARGS_TARGET,	  /* probe targets (probe/target.h) */
	MX_ARGS_MESSAGE,  /* a message file, or - for standard input */
	MX_ARGS_WORD,	  /* words the command checks itself (history) */
};

struct mx_cmd {
	const char *name;
	int (*run)(struct mx_opts *o);
	unsigned extra;	  /* enum mx_opt_extra */
	const char *args; /* "TARGET..." */
	const char *summary;
	const char *help; /* subcommand-specific text */
	enum mx_arg_kind arg_kind;
	int min_args, max_args; /* max_args -1: any number */
};

/* Returns 0, or -1 with a one-line message in err (user bytes escaped).
 * Values are only taken here; src/validate.h checks them. */
int mx_opts_parse(int argc, char **argv, const struct mx_cmd *cmd,
		  struct mx_opts *o, char *err, size_t errlen);
void mx_opts_usage(FILE *fp, const struct mx_cmd *cmd);
/* scan's options (src/scanlist.c): which 0 -f, 1 --jsonl, 2 --state,
 * 3 --shard I/N, 4 --concurrency, 5 --rate-per-host; 0 or -1 with err. */
int mx_opts_scan(int which, const char *v, struct mx_opts *o, char *err,
		 size_t errlen);

#endif
