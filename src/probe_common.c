/*
 * probe_common.c - what `check` and `certs` share: targets, the probe
 * run (one engine on the program's one event loop, SIGINT/SIGTERM,
 * the progress line), the analysis, the output file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/analyze.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "probe/client_play.h"
#include "probe/enum.h"
#include "probe/engine.h"
#include "probe/target.h"
#include "probe/tls.h"
#include "analyzers/clients.h"
#include "reports/junit.h"
#include "src/commands.h"

struct mx_run *mx_cli_build_run(const struct mx_opts *o)
{
	struct mx_run *run = mx_run_new();
	char hn[256];
	int i;

	run->tool_version = xstrdup(PACKAGE_VERSION);
	if (o->helo) {
		run->helo = xstrdup(o->helo);
	} else if (gethostname(hn, sizeof(hn)) == 0 &&
		   memchr(hn, 0, sizeof(hn)) && strchr(hn, '.') != NULL) {
		run->helo = xstrdup(hn);
	} else {
		run->helo = xstrdup("mxprobe.invalid");
	}
	run->timeout_ms = o->timeout_s * 1000;
	for (i = 0; i < o->nargs; i++) {
		struct mx_target *t = mx_run_add_target(run);
		char err[256];

		if (mx_target_parse(o->args[i], t, err, sizeof(err)) < 0) {
			fprintf(stderr, "mxprobe: bad target '%s': %s\n",
				o->args[i], err);
			mx_run_free(run);
			return NULL;
		}
	}
	return run;
}

void mx_cli_names_are_hosts(struct mx_run *run)
{
	size_t i;

	for (i = 0; i < run->ntargets; i++)
		if (run->targets[i].kind == MX_TARGET_DOMAIN)
			run->targets[i].kind = MX_TARGET_HOST;
}

/* ---- one run on the program's loop ---------------------------------- */

struct cli_run {
	struct event_base *base;
	struct mx_engine *engine;
	struct mx_cli_capture *cap; /* --capture, or NULL */
	int capture_failed;	    /* the capture could not open: exit 3 */
	int show_progress;
	int64_t last_progress;
	int progress_shown;
	int interrupted;
};

static void progress_line(struct cli_run *cr, int force)
{
	struct mx_engine_stats st;
	int64_t now = mx_now_ms();

	if (!cr->show_progress || (!force && now - cr->last_progress < 200))
		return;
	cr->last_progress = now;
	mx_engine_stats(cr->engine, &st);
	fprintf(stderr,
		"\r\033[Kmxprobe: %zu/%zu endpoints done (probe %zu, enum %zu, "
		"clients %zu), %u connections",
		st.endpoints_done, st.endpoints, st.per_stage[MX_STAGE_PROBE],
		st.per_stage[MX_STAGE_ENUM], st.per_stage[MX_STAGE_CLIENTS],
		st.connections);
	if (st.targets_resolved < st.targets)
		fprintf(stderr, ", %zu/%zu targets resolved",
			st.targets_resolved, st.targets);
	fflush(stderr);
	cr->progress_shown = 1;
}

static void cancel_soon(evutil_socket_t fd, short what, void *arg)
{
	struct cli_run *cr = arg;

	(void)fd;
	(void)what;
	mx_engine_cancel(cr->engine);
}

static void on_progress(void *arg, const struct mx_target *t,
			const struct mx_endpoint *ep, enum mx_stage st)
{
	struct cli_run *cr = arg;

	(void)t;
	/* Queued comes before the endpoint's first connection: its
	 * address joins the capture filter now. */
	if (cr->cap != NULL && st == MX_STAGE_QUEUED &&
	    mx_cli_capture_endpoint(cr->cap, ep) < 0 && !cr->capture_failed) {
		static const struct timeval now = {0, 0};

		/* not from inside the engine's own callback */
		cr->capture_failed = 1;
		event_base_once(cr->base, -1, EV_TIMEOUT, cancel_soon, cr,
				&now);
	}
	progress_line(arg, 0);
}

static void on_done(void *arg)
{
	struct cli_run *cr = arg;

	/* src/ owns the loop: stopping it is ours to do. */
	event_base_loopexit(cr->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct cli_run *cr = arg;

	(void)what;
	if (cr->interrupted) /* a second one: stop at once */
		event_base_loopbreak(cr->base);
	cr->interrupted = (int)sig;
	mx_engine_cancel(cr->engine);
}

int mx_cli_run(struct mx_run *run, const struct mx_opts *o, unsigned flags)
{
	struct event_base *base;
	struct event *ev_int = NULL, *ev_term = NULL;
	struct mx_engine_params ep;
	struct mx_engine_cbs cbs = {on_progress, on_done};
	struct mx_analyze_params ap;
	struct mx_confirm_client *clients = NULL;
	struct mx_log log;
	struct cli_run cr;
	char err[256];
	int64_t t0 = mx_now_ms();
	size_t nclients = 0;
	int rc = 0;

	mx_log_init(&log, stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	base = event_base_new();
	if (base == NULL) {
		fprintf(stderr, "mxprobe: cannot create the event loop\n");
		return -1;
	}
	memset(&ep, 0, sizeof(ep));
	ep.resolver = o->resolver;
	ep.trust_anchor = o->trust_anchor;
	ep.helo = run->helo;
	ep.step_timeout_ms = o->timeout_s * 1000;
	ep.endpoint_deadline_ms = o->deadline_s * 1000;
	ep.dns_timeout_ms = o->timeout_s * 1000 < 10000 ? o->timeout_s * 1000
							: 10000;
	ep.per_host = o->per_host;
	ep.global = 16;
	ep.tls = &mx_tls_openssl;
	ep.tls_params.ca_file = o->ca_file;
	ep.tls_params.ca_path = o->ca_path;
	/* one trust store for every session of the run (probe/tls.h); on
	 * failure each session loads and reports it as before */
	ep.tls_params.x509_store = mx_tls_openssl_store_new(
		o->ca_file, o->ca_path, err, sizeof(err));
	/* Gather facts: complete the handshake with whatever the server
	 * offers (legacy versions, small DH groups), then judge it.  What
	 * a strict client would do is the client simulation's business. */
	ep.tls_params.security_level = 0;
	ep.tls_params.cipher_list = "ALL:@SECLEVEL=0";
	ep.tls_params.min_version = 0x0301; /* TLS 1.0 */
	ep.handshake_only = (flags & MX_PROBE_TLS_ONLY) != 0;
	ep.log = &log;
	if (flags &
	    (MX_PROBE_ENUM | MX_PROBE_ENUM_COMPLETED | MX_PROBE_INTOLERANCE)) {
		ep.enumerate = (flags & MX_PROBE_ENUM_COMPLETED)
				       ? MX_ENGINE_ENUM_COMPLETED
			       : (flags & MX_PROBE_ENUM)
				       ? MX_ENGINE_ENUM_ATTEMPTED
				       : MX_ENGINE_ENUM_NONE;
		ep.intolerance = (flags & MX_PROBE_INTOLERANCE) != 0;
		ep.hello_timeout_ms = o->timeout_s < 10 ? o->timeout_s * 1000
							: 10000;
		/* The enumeration of one endpoint costs dozens of
		 * connections: every stage of an endpoint (probe,
		 * enumeration, bisection, confirmations) ends within twice
		 * the per-endpoint deadline - a promise (--help). */
		ep.job_deadline_ms = o->deadline_s * 2000;
		/* Plain check bisects a hello that was dropped: that is
		 * still one endpoint of `check`, and --deadline is its
		 * limit in all (the hostile suite's stall mid-handshake
		 * took twice it), with 5 % (at most 0.5 s) kept for the
		 * analysis and the report. */
		if (!(flags & (MX_PROBE_ENUM | MX_PROBE_ENUM_COMPLETED))) {
			int d = o->deadline_s * 1000;
			ep.job_deadline_ms = d - (d / 20 < 500 ? d / 20 : 500);
		}
		clients = mx_confirm_client_table(&nclients);
		ep.clients = clients;
		ep.nclients = nclients;
		ep.simulate = mx_clients_simulate;
	}
	memset(&cr, 0, sizeof(cr));
	cr.base = base;
	/* A progress line on a terminal that can erase a line (not
	 * TERM=dumb), and not mixed into a developer log. */
	cr.show_progress = isatty(STDERR_FILENO) && !o->verbose && !o->trace &&
			   getenv("TERM") != NULL &&
			   strcmp(getenv("TERM"), "dumb") != 0;
	cr.engine = mx_engine_new(base, run, &ep, &cbs, &cr, err, sizeof(err));
	if (cr.engine == NULL) {
		fprintf(stderr, "mxprobe: %s\n", err);
		free(clients);
		event_base_free(base);
		return -1;
	}
	if (o->capture && (mx_cli_capture_open(o, run, &cr.cap) < 0 ||
			   mx_cli_capture_start(cr.cap, base) < 0)) {
		rc = -1;
		goto out;
	}
	ev_int = evsignal_new(base, SIGINT, on_signal, &cr);
	ev_term = evsignal_new(base, SIGTERM, on_signal, &cr);
	if (ev_int == NULL || ev_term == NULL || event_add(ev_int, NULL) < 0 ||
	    event_add(ev_term, NULL) < 0) {
		fprintf(stderr, "mxprobe: cannot watch for signals\n");
		rc = -1;
		goto out;
	}
	run->started = mx_wall_now();
	mx_engine_start(cr.engine);
	event_base_dispatch(base);
	if (cr.progress_shown)
		fprintf(stderr, "\r\033[K");
	if (cr.capture_failed) {
		rc = -1;
		goto out;
	}
	if (cr.interrupted) {
		fprintf(stderr,
			"mxprobe: interrupted (%s): reporting what was "
			"found, the rest is marked incomplete\n",
			cr.interrupted == SIGTERM ? "SIGTERM" : "SIGINT");
		run->interrupted = 1;
		rc = 1;
	}
	run->elapsed_ms = mx_now_ms() - t0;
	if (cr.cap != NULL && mx_cli_capture_finish(cr.cap, run) < 0)
		rc = -1;
	mx_analyze_params_init(&ap, mx_wall_now());
	/* check -w/-c DAYS (issue 12): -c alone keeps the warning at
	 * least as far out as the critical threshold */
	if (o->warn_days > 0)
		ap.expiring_soon_days = o->warn_days;
	else if (o->crit_days > ap.expiring_soon_days)
		ap.expiring_soon_days = o->crit_days;
	ap.expiring_crit_days = o->crit_days;
	mx_analyze_run(run, &ap);
	if (run->interrupted)
		run->exit_status = MX_EXIT_UNKNOWN;
out:
	if (ev_int)
		event_free(ev_int);
	if (ev_term)
		event_free(ev_term);
	mx_cli_capture_free(cr.cap);
	mx_engine_free(cr.engine);
	mx_tls_openssl_store_free(ep.tls_params.x509_store);
	free(clients);
	event_base_free(base);
	return rc;
}

int mx_cli_probe(struct mx_run *run, const struct mx_opts *o, unsigned flags)
{
	return mx_cli_run(run, o, flags) < 0 ? -1 : 0;
}

/* -o FILE is written atomically: into FILE.tmp.PID beside it, renamed
 * over FILE once complete, so an interrupted or failed run never leaves
 * half a file. */
static void tmp_name(const struct mx_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s.tmp.%ld", o->output, (long)getpid());
}

static int to_stdout(const struct mx_opts *o)
{
	return o->output == NULL || strcmp(o->output, "-") == 0;
}

static int is_regular_or_new(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 || S_ISREG(st.st_mode);
}

/* Written in place, not through a temporary file renamed over it: a
 * device or FIFO (-o /dev/null, -o /dev/stderr, a pipe) - renaming over
 * one would replace it with a regular file - and --capture runs, which
 * open the file as root before dropping to --user, who may not write
 * the directory. */
static int in_place(const struct mx_opts *o)
{
	return o->capture || !is_regular_or_new(o->output);
}

FILE *mx_cli_open_output(const struct mx_opts *o)
{
	char tmp[4200];
	FILE *fp;
	int fd;

	if (to_stdout(o))
		return stdout;
	tmp_name(o, tmp, sizeof(tmp));
	if (in_place(o)) /* see in_place() */
		fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
	else
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "mxprobe: cannot write %s: %s\n", o->output,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			if (!in_place(o))
				unlink(tmp);
		}
		return NULL;
	}
	return fp;
}

int mx_cli_close_output(FILE *fp, const struct mx_opts *o)
{
	char tmp[4200];
	int bad = ferror(fp);

	if (fp == stdout) {
		bad |= fflush(fp) != 0;
	} else {
		bad |= fflush(fp) != 0;
		/* a device or FIFO cannot be synced (EINVAL): not an error */
		bad |= fsync(fileno(fp)) != 0 && errno != EINVAL;
		bad |= fclose(fp) != 0;
		tmp_name(o, tmp, sizeof(tmp));
		if (!in_place(o) && !bad && rename(tmp, o->output) != 0)
			bad = 1;
		if (bad && !in_place(o))
			unlink(tmp);
	}
	if (bad) {
		fprintf(stderr, "mxprobe: error writing %s\n",
			o->output ? o->output : "standard output");
		return -1;
	}
	return 0;
}

void mx_cli_abort_output(FILE *fp, const struct mx_opts *o)
{
	char tmp[4200];

	if (fp == NULL || fp == stdout)
		return;
	fclose(fp);
	tmp_name(o, tmp, sizeof(tmp));
	if (!in_place(o))
		unlink(tmp);
	else if (is_regular_or_new(o->output))
		unlink(o->output);
}

/* --junit FILE (issue 12): a second output, written atomically like -o
 * (FILE.tmp.PID renamed, or in place for a device or FIFO).  Opened
 * before the run: --capture may drop privileges. */
FILE *mx_cli_open_junit(const struct mx_opts *o, struct mx_opts *jo)
{
	if (o->junit == NULL)
		return NULL;
	*jo = *o;
	jo->output = o->junit;
	return mx_cli_open_output(jo);
}

int mx_cli_close_junit(FILE *jf, const struct mx_opts *jo,
		       const struct mx_run *run)
{
	if (mx_report_junit(jf, run) < 0) {
		mx_cli_abort_output(jf, jo);
		fprintf(stderr, "mxprobe: error writing %s\n", jo->output);
		return -1;
	}
	return mx_cli_close_output(jf, jo);
}

int mx_cli_use_color(FILE *fp, const struct mx_opts *o)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	/* NO_COLOR (no-color.org), and a terminal that says it cannot
	 * (TERM=dumb, or no TERM at all) */
	if (o->no_color || (nc != NULL && nc[0] != '\0'))
		return 0;
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(fp));
}
