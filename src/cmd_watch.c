/*
 * cmd_watch.c - `mxprobe watch [TARGET...] [-f FILE]`: the dashboard
 * (issue 10).  Wiring only (see watch_int.h for the files around it).
 *
 * One event loop made here carries everything: every target's probes
 * (src/watch_run.c), the round timers, the terminal's input (stdin
 * readable -> mx_tui_input), SIGWINCH (-> mx_tui_resize), SIGINT and
 * SIGTERM, and one coalesced redraw event activated after any change
 * (mx_tui_draw draws only what is dirty; nothing is drawn from inside
 * the network path).  Idle, the only armed timers are the next rounds.
 *
 * With a terminal on standard input and output (and no --json): the
 * dashboard (tui/tui.h).  `q`, F10, SIGINT and SIGTERM quit: the probes
 * in flight are cancelled (not recorded), the terminal is restored, exit
 * 0 - a dashboard is stopped, not interrupted.  Otherwise: one report
 * per round (src/watch_out.c); SIGINT/SIGTERM end it with exit 0, or 3
 * when --rounds N was given and fewer rounds were reported; after N
 * rounds the exit status is the worst of the last round.
 *
 * --capture[=IFACE]: one capture for the whole watch (src/capture_cli.c),
 * opened after the history file and before the dashboard (for targets
 * that are all names: as the first endpoint is queued), privileges
 * dropped right after; its fd on this loop.  A device that cannot be
 * opened ends the watch with exit 3, its reason printed once the terminal
 * is back.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/escape.h"
#include "probe/target.h"
#include "src/commands.h"
#include "src/watch_int.h"
#include "tui/tui.h"

void mx_watch_stop(struct watch *w)
{
	w->quitting = 1;
	mx_watch_cancel_all(w);
	/* the probes cancelled end from the loop (their done callbacks
	 * free them); the loop ends once none is left */
	if (mx_watch_busy(w) == 0)
		event_base_loopexit(w->base, NULL);
}

/* ---- the dashboard's callbacks ------------------------------------------ */

static void cb_reprobe(void *arg, const char *key)
{
	struct watch *w = arg;
	struct wtarget *tg = mx_watch_find(w, key);

	if (tg == NULL)
		return;
	if (tg->engine != NULL)
		snprintf(w->msg, sizeof(w->msg),
			 "%s is being probed already (%s)", tg->spec,
			 tg->busy ? tg->busy : "busy");
	else if (mx_watch_probe(tg, w->o->deep) == 0)
		snprintf(w->msg, sizeof(w->msg),
			 "re-probing %s (all its endpoints)", tg->spec);
	mx_watch_refresh(w);
}

static void cb_enumerate(void *arg, const char *key)
{
	struct watch *w = arg;
	struct wtarget *tg = mx_watch_find(w, key);

	if (tg == NULL)
		return;
	if (tg->engine != NULL && tg->enumerating) {
		snprintf(w->msg, sizeof(w->msg), "%s is being enumerated",
			 tg->spec);
	} else if (tg->engine != NULL) {
		tg->want_enum = 1;
		snprintf(w->msg, sizeof(w->msg),
			 "%s: enumeration after the probe in flight", tg->spec);
	} else if (mx_watch_probe(tg, 1) == 0) {
		snprintf(w->msg, sizeof(w->msg),
			 "enumerating %s (versions, suites, DH groups, "
			 "clients)",
			 tg->spec);
	}
	mx_watch_refresh(w);
}

static void cb_pause(void *arg, int paused)
{
	struct watch *w = arg;

	w->paused = paused;
	snprintf(w->msg, sizeof(w->msg), "%s",
		 paused ? "paused: no new round starts (p resumes)"
			: "resumed");
	if (!paused)
		mx_watch_resume(w);
	mx_watch_refresh(w);
}

static void cb_quit(void *arg)
{
	mx_watch_stop(arg);
}

/* ---- loop events --------------------------------------------------------- */

static void on_rebuild(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	mx_watch_rebuild(arg);
}

static void on_draw(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;

	(void)fd;
	(void)what;
	if (w->tui != NULL && !w->quitting)
		mx_tui_draw(w->tui, mx_wall_now(), 0);
}

static void on_input(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;

	(void)fd;
	(void)what;
	if (w->quitting)
		return;
	mx_tui_input(w->tui);
	if (!w->quitting)
		mx_tui_draw(w->tui, mx_wall_now(), 0);
}

static void on_winch(evutil_socket_t sig, short what, void *arg)
{
	struct watch *w = arg;

	(void)sig;
	(void)what;
	if (w->tui == NULL || w->quitting)
		return;
	mx_tui_resize(w->tui);
	mx_tui_draw(w->tui, mx_wall_now(), 1);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct watch *w = arg;

	(void)what;
	if (w->quitting) /* a second one: stop at once */
		event_base_loopbreak(w->base);
	w->interrupted = (int)sig;
	mx_watch_stop(w);
}

/* ---- the command ----------------------------------------------------------- */

struct loop_events {
	struct event *sig[3], *input;
};

static int add_signals(struct watch *w, struct loop_events *le, int tty)
{
	static const int sigs[3] = {SIGINT, SIGTERM, SIGWINCH};
	int i;

	for (i = 0; i < (tty ? 3 : 2); i++) {
		le->sig[i] = evsignal_new(
			w->base, sigs[i],
			sigs[i] == SIGWINCH ? on_winch : on_signal, w);
		if (le->sig[i] == NULL || event_add(le->sig[i], NULL) < 0)
			return -1;
	}
	return 0;
}

static void free_events(struct loop_events *le)
{
	int i;

	for (i = 0; i < 3; i++)
		if (le->sig[i])
			event_free(le->sig[i]);
	if (le->input)
		event_free(le->input);
}

/* Colour on the dashboard unless NO_COLOR or --no-color. */
static int tui_color(const struct mx_opts *o)
{
	const char *nc = getenv("NO_COLOR");

	return !o->no_color && (nc == NULL || nc[0] == '\0');
}

static int start_tui(struct watch *w, struct loop_events *le)
{
	struct mx_tui_params tp = {0};
	struct mx_tui_cbs cbs = {cb_reprobe, cb_enumerate, cb_pause, cb_quit,
				 NULL};
	char err[512];

	tp.color = tui_color(w->o);
	tp.ascii = w->o->ascii;
	tp.interval_s = w->interval_s;
	tp.history_path = w->hist_path;
	/* the terminal's character set (LANG/LC_*): UTF-8 text and line
	 * drawing in a UTF-8 terminal; only LC_CTYPE, so numbers and times
	 * in reports keep the C conventions */
	setlocale(LC_CTYPE, "");
	w->tui = mx_tui_new(&tp, &cbs, w, err, sizeof(err));
	if (w->tui == NULL) {
		fprintf(stderr, "mxprobe watch: %s\n", err);
		return -1;
	}
	w->ev_draw = event_new(w->base, -1, 0, on_draw, w);
	w->ev_rebuild = evtimer_new(w->base, on_rebuild, w);
	le->input = event_new(w->base, mx_tui_fd(w->tui), EV_READ | EV_PERSIST,
			      on_input, w);
	if (w->ev_draw == NULL || w->ev_rebuild == NULL || le->input == NULL ||
	    event_add(le->input, NULL) < 0) {
		mx_tui_free(w->tui);
		w->tui = NULL;
		fprintf(stderr, "mxprobe watch: cannot watch the terminal\n");
		return -1;
	}
	return 0;
}

/* The capture, open for the whole watch: the device on --capture's
 * interface or routed to the first address target now; for names, routed
 * to the first endpoint queued (src/capture_cli.c, as check does). */
static int open_capture(struct watch *w)
{
	struct mx_run *tmp = mx_run_new();
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < w->nt; i++)
		if (mx_target_parse(w->t[i].spec, mx_run_add_target(tmp), err,
				    sizeof(err)) < 0)
			continue; /* checked when read: cannot happen */
	rc = mx_cli_capture_open_watch(w->o, tmp, WATCH_CAPTURE_STORE, &w->cap);
	mx_run_free(tmp);
	if (rc == 0 && mx_cli_capture_start(w->cap, w->base) < 0)
		rc = -1;
	return rc;
}

int cmd_watch(struct mx_opts *o)
{
	struct watch w;
	struct loop_events le;
	char err[1024];
	int tty, rc;

	if (o->output != NULL) {
		fprintf(stderr, "mxprobe watch: -o is not for 'watch' (without "
				"a terminal it writes one report per round to "
				"standard output: redirect it)\n");
		return 3;
	}
	if (o->pcap_out != NULL || o->force) {
		fprintf(stderr,
			"mxprobe watch: %s is not for 'watch' (--capture "
			"shows each probe's packets in the Wire pane; "
			"'mxprobe check --capture --pcap-out FILE TARGET' "
			"writes one probe's)\n",
			o->pcap_out != NULL ? "--pcap-out" : "--force");
		return 3;
	}
	memset(&w, 0, sizeof(w));
	memset(&le, 0, sizeof(le));
	w.o = o;
	w.out = stdout;
	/* the dashboard needs a terminal both ways; --json never draws */
	tty = !o->json && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	/* the developer log would tear the dashboard: only with -v, and
	 * only when stderr is not the dashboard's terminal */
	mx_log_init(&w.log, tty && isatty(STDERR_FILENO) ? NULL : stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	w.base = event_base_new();
	if (w.base == NULL) {
		fprintf(stderr, "mxprobe watch: cannot create the event "
				"loop\n");
		return 3;
	}
	if (mx_watch_setup(&w, err, sizeof(err)) < 0) {
		fprintf(stderr, "mxprobe watch: %s\n", err);
		rc = 3;
		goto out;
	}
	/* --capture: the device now, then privileges dropped - after the
	 * history file (and its WAL) is open, before any probe */
	if (o->capture && open_capture(&w) < 0) {
		rc = 3;
		goto out;
	}
	/* the loop's signal handlers go first: curses then leaves SIGINT,
	 * SIGTERM and SIGWINCH to them */
	if (add_signals(&w, &le, tty) < 0) {
		fprintf(stderr, "mxprobe watch: cannot watch for signals\n");
		rc = 3;
		goto out;
	}
	if (tty && start_tui(&w, &le) < 0) {
		rc = 3;
		goto out;
	}
	mx_watch_start_all(&w);
	if (w.tui != NULL)
		mx_tui_draw(w.tui, mx_wall_now(), 1);
	if (!w.quitting)
		event_base_dispatch(w.base);
	if (w.tui != NULL) {
		mx_tui_free(w.tui); /* the terminal back first */
		w.tui = NULL;
	}
	if (w.cap_failed) /* the terminal is back: say why */
		fprintf(stderr, "mxprobe watch: %s\n",
			mx_cli_capture_error(w.cap)
				? mx_cli_capture_error(w.cap)
				: "the capture could not be opened");
	if (w.failed || w.cap_failed)
		rc = 3;
	else if (tty)
		rc = 0;
	else if (o->rounds > 0 && w.round < (unsigned)o->rounds)
		rc = 3;
	else if (o->rounds > 0)
		rc = w.round_status;
	else
		rc = 0;
	if (w.interrupted && !tty && o->rounds > 0 &&
	    w.round < (unsigned)o->rounds)
		fprintf(stderr,
			"mxprobe watch: interrupted (%s) after %u of %d "
			"rounds\n",
			w.interrupted == SIGTERM ? "SIGTERM" : "SIGINT",
			w.round, o->rounds);
out:
	if (w.tui != NULL)
		mx_tui_free(w.tui);
	free_events(&le);
	if (w.ev_draw)
		event_free(w.ev_draw);
	if (w.ev_rebuild)
		event_free(w.ev_rebuild);
	mx_watch_teardown(&w);
	event_base_free(w.base);
	return rc;
}
