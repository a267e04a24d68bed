/*
 * validate.c - every option value and argument checked before any I/O;
 * see validate.h.
 *
 * The checkers of single values live in validate_names.c and
 * validate_files.c (validate_int.h); this file holds the tables and the
 * driver.  Three tables drive it:
 *  - vopts[]: each option's name, where its value lives in struct
 *    mx_opts (one string, a repeated list, a flag) and the function that
 *    checks one value.  A checker returns 0, or -1 with the problem in
 *    `why`; the driver writes "OPTION VALUE: why" with VALUE escaped.
 *  - rules[]: options that need (or exclude) each other, per command
 *    (selected by the command's enum mx_opt_extra bits).
 *  - the command's own arg_kind/min_args/max_args (src/main.c) for the
 *    positional arguments.
 *
 * Order: positional counts, then the rules, then each value in vopts[]
 * order, then the positional values, then outputs that would overwrite
 * an input; the first problem is reported.
 */
#include "src/validate.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/escape.h"
#include "model/policy.h"
#include "src/validate_int.h"

void mx_v_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ---- the option table ----------------------------------------------------- */

enum vid {
	V_RESOLVER,
	V_TRUST_ANCHOR,
	V_CA_FILE,
	V_CA_PATH,
	V_HELO,
	V_OUTPUT,
	V_EXPORT,
	V_FORCE,
	V_JSON,
	V_CAPTURE,
	V_CAPTURE_IFACE,
	V_PCAP_OUT,
	V_USER,
	V_TO,
	V_FROM,
	V_VIA,
	V_SUBJECT,
	V_BODY_FILE,
	V_HEADER,
	V_SIZE,
	V_MAILDIR,
	V_AUTH_USER,
	V_AUTH_PWFILE,
	V_AUTH_PWENV,
	V_ALLOW_PLAIN,
	V_TLS_POLICY,
	V_ESA_POLICY,
	V_FINGERPRINT,
	V_SECURE_MATCH,
	V_SEND_TEST,
	V_LISTEN,
	V_SPOOL,
	V_SMARTHOST,
	V_TLS_CERT,
	V_TLS_KEY,
	V_DESTINATIONS,
	V_LOG,
	V_MAX_MSG,
	V_MAX_RCPTS,
	V_ALLOW,
	V_LIFETIME,
	V_RETRY,
	V_MAX_DELIV,
	V_JUNIT,
	V__N,
	V_NONE = V__N,
};

enum vfield {
	F_STR,	/* const char * */
	F_LIST, /* const char *[], int count at noff */
	F_INT,	/* int flag */
	F_LONG, /* long */
};

struct vopt {
	const char *name;
	enum vfield field;
	size_t off, noff;
	vcheck_fn check; /* NULL: nothing more to check */
};

#define STR(f) F_STR, offsetof(struct mx_opts, f), 0
#define LIST(f, n)                                                             \
	F_LIST, offsetof(struct mx_opts, f), offsetof(struct mx_opts, n)
#define INT(f) F_INT, offsetof(struct mx_opts, f), 0
#define LONG(f) F_LONG, offsetof(struct mx_opts, f), 0

/* In the order values are checked. */
static const struct vopt vopts[V__N] = {
	[V_RESOLVER] = {"--resolver", STR(resolver), mx_vc_resolver},
	[V_TRUST_ANCHOR] = {"--trust-anchor", STR(trust_anchor),
			    mx_vc_trust_anchor},
	[V_CA_FILE] = {"--ca-file", STR(ca_file), mx_vc_ca_file},
	[V_CA_PATH] = {"--ca-path", STR(ca_path), mx_vc_ca_path},
	[V_HELO] = {"--helo", STR(helo), mx_vc_helo},
	[V_OUTPUT] = {"-o", STR(output), mx_vc_output},
	[V_EXPORT] = {"--export", STR(export_dir), mx_vc_dir_new},
	[V_FORCE] = {"--force", INT(force), NULL},
	[V_JSON] = {"--json", INT(json), NULL},
	[V_CAPTURE] = {"--capture", INT(capture), NULL},
	[V_CAPTURE_IFACE] = {"--capture", STR(capture_iface), mx_vc_iface},
	[V_PCAP_OUT] = {"--pcap-out", STR(pcap_out), mx_vc_pcap_out},
	[V_USER] = {"--user", STR(user), mx_vc_user},
	[V_TO] = {"--to", LIST(to, nto), mx_vc_mailbox},
	[V_FROM] = {"--from", STR(from), mx_vc_mailbox},
	[V_VIA] = {"--via", STR(via), mx_vc_target},
	[V_SUBJECT] = {"--subject", STR(subject), mx_vc_subject},
	[V_BODY_FILE] = {"--body-file", STR(body_file), mx_vc_body_file},
	[V_HEADER] = {"--header", LIST(header, nheader), mx_vc_header},
	[V_SIZE] = {"--size", LONG(size), NULL},
	[V_MAILDIR] = {"--maildir", STR(maildir), mx_vc_dir_read},
	[V_AUTH_USER] = {"--auth-user", STR(auth_user), mx_vc_auth_user},
	[V_AUTH_PWFILE] = {"--auth-password-file", STR(auth_password_file),
			   mx_vc_pwfile},
	[V_AUTH_PWENV] = {"--auth-password-env", STR(auth_password_env),
			  mx_vc_pwenv},
	[V_ALLOW_PLAIN] = {"--allow-plaintext-auth", INT(allow_plaintext_auth),
			   NULL},
	[V_TLS_POLICY] = {"--tls-policy", STR(tls_policy), mx_vc_tls_policy},
	[V_ESA_POLICY] = {"--esa-policy", STR(esa_policy), mx_vc_esa_policy},
	[V_FINGERPRINT] = {"--fingerprint", LIST(fingerprint, nfingerprint),
			   mx_vc_fingerprint},
	[V_SECURE_MATCH] = {"--secure-match", LIST(secure_match, nsecure_match),
			    mx_vc_secure_match},
	[V_SEND_TEST] = {"--send-test", STR(send_test), mx_vc_mailbox},
	[V_LISTEN] = {"--listen", STR(listen), mx_vc_listen},
	[V_SPOOL] = {"--spool", STR(spool), mx_vc_spool},
	[V_SMARTHOST] = {"--smarthost", STR(smarthost), mx_vc_smarthost},
	[V_TLS_CERT] = {"--tls-cert", STR(tls_cert), mx_vc_tls_cert},
	[V_TLS_KEY] = {"--tls-key", STR(tls_key), mx_vc_tls_key},
	[V_DESTINATIONS] = {"--destinations", STR(destinations),
			    mx_vc_destinations},
	[V_LOG] = {"--log", LIST(log_file, nlog_file), mx_vc_output},
	[V_MAX_MSG] = {"--max-message-size", STR(max_message_size),
		       mx_vc_max_msg},
	[V_MAX_RCPTS] = {"--max-recipients", STR(max_recipients),
			 mx_vc_max_rcpts},
	[V_ALLOW] = {"--allow", LIST(allow, nallow), mx_vc_allow},
	[V_LIFETIME] = {"--max-queue-lifetime", STR(max_queue_lifetime),
			mx_vc_lifetime},
	[V_RETRY] = {"--retry-schedule", STR(retry_schedule), mx_vc_retry},
	[V_MAX_DELIV] = {"--max-deliveries", STR(max_deliveries),
			 mx_vc_max_deliv},
	[V_JUNIT] = {"--junit", STR(junit), mx_vc_output},
};

/* The n-th value of option id, or NULL past the last. */
static const char *value_of(const struct mx_opts *o, enum vid id, int i)
{
	const struct vopt *d = &vopts[id];
	const char *base = (const char *)o;

	switch (d->field) {
	case F_STR:
		return i == 0 ? *(const char *const *)(base + d->off) : NULL;
	case F_LIST:
		if (i >= *(const int *)(base + d->noff))
			return NULL;
		return ((const char *const *)(base + d->off))[i];
	default:
		return NULL;
	}
}

static int given(const struct mx_opts *o, enum vid id)
{
	const struct vopt *d = &vopts[id];
	const char *base = (const char *)o;

	switch (d->field) {
	case F_STR:
		return *(const char *const *)(base + d->off) != NULL;
	case F_LIST:
		return *(const int *)(base + d->noff) > 0;
	case F_INT:
		return *(const int *)(base + d->off) != 0;
	case F_LONG:
		return *(const long *)(base + d->off) != 0;
	}
	return 0;
}

/* ---- options that need each other ---------------------------------------- */

enum vrule_kind {
	R_NEEDS,     /* a needs b (or alt) */
	R_EXCLUDES,  /* not a and b together */
	R_REQUIRED,  /* the command needs b */
	R_SEND_TEST, /* check: a only goes with --send-test */
};

struct vrule {
	enum vrule_kind kind;
	enum vid a, b, alt;
	unsigned only; /* commands with one of these extra bits; 0: all */
	const char *why;
};

static const struct vrule rules[] = {
	{R_REQUIRED, V_NONE, V_TO, V_NONE, MX_OPT_SEND,
	 "--to ADDR is required (try 'mxprobe send --help')"},
	{R_REQUIRED, V_NONE, V_SPOOL, V_NONE, MX_OPT_RELAY | MX_OPT_QUEUE,
	 "--spool DIR is required"},
	{R_NEEDS, V_AUTH_PWFILE, V_AUTH_USER, V_NONE, 0,
	 "without it no AUTH is done"},
	{R_NEEDS, V_AUTH_PWENV, V_AUTH_USER, V_NONE, 0,
	 "without it no AUTH is done"},
	{R_NEEDS, V_ALLOW_PLAIN, V_AUTH_USER, V_NONE, 0, "it is about AUTH"},
	{R_NEEDS, V_AUTH_USER, V_AUTH_PWFILE, V_AUTH_PWENV, 0,
	 "the password is never taken from the command line"},
	{R_EXCLUDES, V_AUTH_PWFILE, V_AUTH_PWENV, V_NONE, 0,
	 "give the password one way"},
	{R_EXCLUDES, V_TLS_POLICY, V_ESA_POLICY, V_NONE, 0,
	 "give the level one way"},
	{R_NEEDS, V_FORCE, V_EXPORT, V_PCAP_OUT, 0,
	 "it overwrites exported files or the capture file"},
	{R_NEEDS, V_USER, V_CAPTURE, V_NONE, 0,
	 "privileges are dropped only after opening a capture"},
	{R_NEEDS, V_TLS_CERT, V_TLS_KEY, V_NONE, 0, "they go together"},
	{R_NEEDS, V_TLS_KEY, V_TLS_CERT, V_NONE, 0, "they go together"},
	{R_SEND_TEST, V_FROM, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_SUBJECT, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_BODY_FILE, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_HEADER, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_SIZE, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_MAILDIR, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_AUTH_USER, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_TLS_POLICY, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_ESA_POLICY, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_FINGERPRINT, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST,
	 NULL},
	{R_SEND_TEST, V_SECURE_MATCH, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST,
	 NULL},
};

static int rule_broken(const struct vrule *r, const struct vctx *c, char *err,
		       size_t errlen)
{
	const struct mx_opts *o = c->o;

	if (r->only && !(c->cmd->extra & r->only))
		return 0;
	switch (r->kind) {
	case R_REQUIRED:
		/* exporter: --to is optional (only module=send needs it) */
		if (given(o, r->b) ||
		    (r->b == V_TO && (c->cmd->extra & MX_OPT_EXPORTER)))
			return 0;
		snprintf(err, errlen, "%s", r->why);
		return 1;
	case R_NEEDS:
		if (!given(o, r->a) || given(o, r->b) ||
		    (r->alt != V_NONE && given(o, r->alt)))
			return 0;
		if (r->alt != V_NONE)
			snprintf(err, errlen, "%s needs %s or %s: %s",
				 vopts[r->a].name, vopts[r->b].name,
				 vopts[r->alt].name, r->why);
		else
			snprintf(err, errlen, "%s needs %s: %s",
				 vopts[r->a].name, vopts[r->b].name, r->why);
		return 1;
	case R_EXCLUDES:
		if (!given(o, r->a) || !given(o, r->b))
			return 0;
		snprintf(err, errlen, "%s and %s exclude each other: %s",
			 vopts[r->a].name, vopts[r->b].name, r->why);
		return 1;
	case R_SEND_TEST:
		if (!given(o, r->a) || given(o, r->b))
			return 0;
		snprintf(err, errlen,
			 "%s is for the test message: it needs --send-test "
			 "RCPT",
			 vopts[r->a].name);
		return 1;
	}
	return 0;
}

static int same_file(const char *a, const char *b);

/* Rules that look at values, not only at presence. */
static int special_rules(const struct vctx *c, char *err, size_t errlen)
{
	const struct mx_opts *o = c->o;
	enum mx_tls_policy level = MX_POLICY_MAY;
	int sends = (c->cmd->extra & (MX_OPT_SEND | MX_OPT_SENDTEST)) != 0;

	if (o->tls_policy && mx_tls_policy_parse(o->tls_policy, &level) == 0 &&
	    level == MX_POLICY_FINGERPRINT && o->nfingerprint == 0) {
		snprintf(err, errlen,
			 "--tls-policy fingerprint needs --fingerprint "
			 "SHA256");
		return 1;
	}
	/* send, check --send-test: a fingerprint only counts at that
	 * level (relay's destination rows may use it; policy judges it). */
	if (sends && o->nfingerprint > 0 && level != MX_POLICY_FINGERPRINT) {
		snprintf(err, errlen,
			 "--fingerprint needs --tls-policy fingerprint "
			 "(other levels ignore it)");
		return 1;
	}
	if ((c->cmd->extra & MX_OPT_SENDTEST) && o->send_test && o->json &&
	    (o->output == NULL || strcmp(o->output, "-") == 0)) {
		snprintf(err, errlen,
			 "--send-test with --json needs -o FILE (the send "
			 "test goes to FILE.send-test.json)");
		return 1;
	}
	/* issue 12: the monitoring thresholds */
	if (o->warn_days > 0 && o->crit_days > 0 &&
	    o->warn_days < o->crit_days) {
		snprintf(err, errlen,
			 "-w %d is below -c %d: the warning threshold "
			 "must be at least the critical one",
			 o->warn_days, o->crit_days);
		return 1;
	}
	if (o->nagios && o->json) {
		snprintf(err, errlen,
			 "--nagios and --json both choose the report: "
			 "give one");
		return 1;
	}
	if (o->junit && strcmp(o->junit, "-") == 0) {
		snprintf(err, errlen,
			 "--junit wants a FILE, not '-' (the report goes "
			 "to standard output)");
		return 1;
	}
	if (o->junit && o->output && strcmp(o->output, "-") != 0 &&
	    (strcmp(o->junit, o->output) == 0 ||
	     same_file(o->junit, o->output))) {
		snprintf(err, errlen, "--junit and -o name the same file");
		return 1;
	}
	return 0;
}

/* send without --via: the next hop is the first recipient's domain,
 * which must be a target (checked once the addresses are). */
static int nexthop_rule(const struct vctx *c, char *err, size_t errlen)
{
	const struct mx_opts *o = c->o;

	if ((c->cmd->extra & MX_OPT_SEND) && o->via == NULL && o->nto > 0) {
		const char *at = strrchr(o->to[0], '@');
		char why[256];

		if (at && mx_vc_target(c, at + 1, why, sizeof(why)) < 0) {
			char *q = mx_escape_str(o->to[0], 80);

			snprintf(err, errlen,
				 "--to %s: its domain is no next hop (%s); "
				 "give --via",
				 q, why);
			free(q);
			return 1;
		}
	}
	return 0;
}

/* ---- the driver ------------------------------------------------------------ */

/* "NAME VALUE: why", the value escaped and quoted when it would not
 * read as one word. */
static void fail(char *err, size_t errlen, const char *name, const char *v,
		 const char *why)
{
	char *q = mx_escape_str(v, 80);
	int quote = q[0] == '\0' || strpbrk(q, " '\"") != NULL;

	snprintf(err, errlen, quote ? "%s '%s': %s" : "%s %s: %s", name, q,
		 why);
	free(q);
}

static int check_args(const struct vctx *c, char *err, size_t errlen)
{
	const struct mx_cmd *cmd = c->cmd;
	const struct mx_opts *o = c->o;

	if (cmd->arg_kind == MX_ARGS_NONE && o->nargs > 0) {
		char *q = mx_escape_str(o->args[0], 80);

		snprintf(err, errlen,
			 "unexpected argument '%s' (only options; see "
			 "'mxprobe %s --help')",
			 q, cmd->name);
		free(q);
		return -1;
	}
	if (o->nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && o->nargs > cmd->max_args)) {
		const char *what = cmd->arg_kind == MX_ARGS_MESSAGE
					   ? "a message FILE (or - for "
					     "standard input)"
					   : "a target";

		if (cmd->max_args == 1)
			snprintf(err, errlen, "name exactly one %s, not %d",
				 cmd->arg_kind == MX_ARGS_MESSAGE ? "FILE"
								  : "target",
				 o->nargs);
		else
			snprintf(err, errlen,
				 "name %s (try 'mxprobe %s --help')", what,
				 cmd->name);
		return -1;
	}
	return 0;
}

static int check_arg_values(const struct vctx *c, char *err, size_t errlen)
{
	const struct mx_opts *o = c->o;
	vcheck_fn fn = c->cmd->arg_kind == MX_ARGS_TARGET    ? mx_vc_target
		       : c->cmd->arg_kind == MX_ARGS_MESSAGE ? mx_vc_message_arg
							     : NULL;
	char why[512];
	int i;

	for (i = 0; fn && i < o->nargs; i++) {
		why[0] = '\0';
		if (fn(c, o->args[i], why, sizeof(why)) < 0) {
			fail(err, errlen,
			     c->cmd->arg_kind == MX_ARGS_TARGET ? "target"
								: "FILE",
			     o->args[i], why);
			return -1;
		}
	}
	return 0;
}

/* -o and --log must not name a file that is also read: writing the
 * report would destroy the input. */
static int same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

static int output_is_input(const struct vctx *c, char *err, size_t errlen)
{
	static const enum vid outs[] = {V_OUTPUT, V_LOG, V_JUNIT};
	static const enum vid ins[] = {V_BODY_FILE,    V_CA_FILE,
				       V_TRUST_ANCHOR, V_DESTINATIONS,
				       V_AUTH_PWFILE,  V_TLS_CERT,
				       V_TLS_KEY};
	const struct mx_opts *o = c->o;
	const char *out, *in;
	size_t i, k;
	int j;

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		for (j = 0; (out = value_of(o, outs[i], j)) != NULL; j++) {
			const char *inname = NULL;

			if (strcmp(out, "-") == 0)
				continue;
			for (k = 0; !inname && k < sizeof(ins) / sizeof(ins[0]);
			     k++)
				if ((in = value_of(o, ins[k], 0)) != NULL &&
				    same_file(out, in))
					inname = vopts[ins[k]].name;
			if (!inname && c->cmd->arg_kind == MX_ARGS_MESSAGE &&
			    o->nargs > 0 && same_file(out, o->args[0]))
				inname = "the message FILE";
			if (inname) {
				fail(err, errlen, vopts[outs[i]].name, out,
				     "is also read");
				snprintf(err + strlen(err),
					 errlen - strlen(err),
					 " (%s); writing would destroy it",
					 inname);
				return -1;
			}
		}
	return 0;
}

int mx_validate(const struct mx_cmd *cmd, const struct mx_opts *o, char *err,
		size_t errlen)
{
	struct vctx c = {cmd, o};
	char why[512];
	size_t i;
	int j;

	if (check_args(&c, err, errlen) < 0)
		return -1;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rule_broken(&rules[i], &c, err, errlen))
			return -1;
	if (special_rules(&c, err, errlen))
		return -1;
	for (i = 0; i < V__N; i++) {
		const char *v;

		if (vopts[i].check == NULL)
			continue;
		for (j = 0; (v = value_of(o, (enum vid)i, j)) != NULL; j++) {
			why[0] = '\0';
			if (vopts[i].check(&c, v, why, sizeof(why)) == 0)
				continue;
			fail(err, errlen, vopts[i].name, v,
			     why[0] ? why : "not valid");
			return -1;
		}
	}
	if (nexthop_rule(&c, err, errlen) ||
	    check_arg_values(&c, err, errlen) < 0)
		return -1;
	return output_is_input(&c, err, errlen);
}
