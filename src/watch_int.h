/*
 * watch_int.h - what the files of `mxprobe watch` share.
 *
 *   src/cmd_watch.c  the command: options, targets, the one event loop,
 *                    signals, the terminal (tui/tui.h) and its keys
 *   src/watch_run.c  the targets on the loop: one engine per target and
 *                    probe, all sharing one pool (politeness per address
 *                    across targets), the rounds and their timers, the
 *                    snapshots, drift and history of every endpoint, the
 *                    dashboard's rows
 *   src/watch_setup.c  the targets, the engine parameters, the pool and
 *                    the history file; their release
 *   src/watch_out.c  no terminal (or --json): one report per round
 *
 * Ownership: struct watch owns everything below it; a target owns its
 * latest judged run (what the rows point into), the run in progress and
 * its engine, and one state per endpoint key (the endpoint's recent
 * snapshots, newest first, at most WATCH_HIST).
 */
#ifndef MX_SRC_WATCH_INT_H
#define MX_SRC_WATCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "common/log.h"
#include "model/snapshot.h"
#include "probe/engine.h"
#include "src/options.h"

#define WATCH_HIST 32	  /* snapshots kept per endpoint for the drill-down */
#define WATCH_INFLIGHT 16 /* targets probed at once at most */
/* --capture: bytes of frames held at once (those of the probes in flight;
 * a probe's frames are released when it ends) */
#define WATCH_CAPTURE_STORE (32u * 1024 * 1024)

struct mx_cli_capture;
struct mx_history;
struct mx_tui;
struct mx_tui_row;
struct event;
struct event_base;

/* One endpoint key of a target, across rounds. */
#define WATCH_REBUILD_MS 100

struct wep {
	char *key;    /* the endpoint key (model/snapshot.h) */
	char *rowkey; /* "TARGET KEY": unique over targets sharing an MX */
	struct mx_snapshot **hist; /* WATCH_HIST slots, newest first */
	size_t nhist;
	int loaded;	  /* its history was read from the store */
	const char *busy; /* the stage of the probe in flight, or NULL */
	int seen;	  /* in the latest run */
};

struct wtarget {
	struct watch *w;
	char *spec;
	size_t index;
	struct mx_run *run;	  /* the latest judged run, or NULL */
	struct mx_run *cur;	  /* the run in flight, or NULL */
	struct mx_engine *engine; /* of cur */
	const char *busy;	  /* the target's stage while cur runs */
	int enumerating;	  /* cur enumerates */
	int want_enum;		  /* `e` pressed while busy: next is deep */
	struct event *timer;	  /* the next round of this target */
	time_t next_at;		  /* 0: none planned */
	int due;		  /* to start once a slot is free */
	int due_deep;		  /* ... enumerating */
	int due_manual;		  /* ... even while paused (r, e) */
	time_t last;		  /* wall clock of the last probe end */
	unsigned rounds;	  /* probes ended */
	int64_t t0;
	int64_t t0_wall_us; /* wall clock of cur's start (--capture) */
	struct wep *eps;
	size_t neps, capeps;
	size_t *epmap; /* run's endpoint i is eps[epmap[i]] */
};

struct watch {
	const struct mx_opts *o;
	struct event_base *base;
	struct mx_pool *pool;
	struct mx_engine_params ep, ep_deep;
	struct mx_confirm_client *clients;
	size_t nclients;
	struct mx_log log;
	char *helo;
	struct wtarget *t;
	size_t nt;
	/* history: NULL with --no-history */
	struct mx_history *hist;
	char *hist_path;
	/* --capture: open for the whole watch, or NULL */
	struct mx_cli_capture *cap;
	int cap_failed; /* the device could not be opened: exit 3 */
	/* the dashboard, or NULL (no terminal, or --json) */
	struct mx_tui *tui;
	struct mx_tui_row *rows;
	size_t nrows, caprows;
	struct event *ev_draw; /* a redraw from the loop, coalesced */
	/* Rows are rebuilt at most every WATCH_REBUILD_MS (a probe's
	 * progress, a target done, a key): one rebuild sorts every row, so
	 * doing it per event made a 10,000-endpoint round quadratic.  Runs
	 * a target replaced stay alive until the rebuild that stops the
	 * rows pointing into them. */
	struct event *ev_rebuild;
	int rebuild_pending;
	int64_t rebuilt_ms;    /* monotonic time of the last rebuild */
	struct mx_run **stale; /* replaced runs, freed at the rebuild */
	size_t nstale, capstale;
	/* no terminal: rounds in step, one report each */
	FILE *out;
	unsigned round; /* rounds reported */
	int round_status;
	int interval_s;
	int paused;
	int kick_pending; /* a start of due targets is scheduled */
	int quitting;
	int interrupted; /* a signal */
	int failed;	 /* an engine could not start, or output failed */
	uint64_t rng;	 /* jitter */
	char msg[1024];	 /* the dashboard's status line */
};

/* src/watch_setup.c: targets, engine parameters, pool, history; 0 or
 * -1 with one line in err.  teardown frees what setup made (also after
 * a setup that failed half way). */
int mx_watch_setup(struct watch *w, char *err, size_t errlen);
void mx_watch_teardown(struct watch *w);

/* src/watch_run.c */
void mx_watch_wep_clear(struct wep *e);
/* The round timer of target tg (tg->w and its base set). */
struct event *mx_watch_timer_new(struct wtarget *tg);
/* Start every target's first probe now. */
void mx_watch_start_all(struct watch *w);
/* Probe target tg now (deep: enumerate too); 0, or -1 when busy. */
int mx_watch_probe(struct wtarget *tg, int deep);
/* The target of a row key (endpoint key or target spec), or NULL. */
struct wtarget *mx_watch_find(struct watch *w, const char *key);
/* Cancel every probe in flight (their done follows from the loop). */
void mx_watch_cancel_all(struct watch *w);
/* Probes in flight. */
size_t mx_watch_busy(const struct watch *w);
/* Unpause: start what fell due meanwhile. */
void mx_watch_resume(struct watch *w);
/* Rebuild the rows and the header, ask for a redraw (dashboard only). */
void mx_watch_refresh(struct watch *w);
/* The rebuild itself (the ev_rebuild callback; also at teardown). */
void mx_watch_rebuild(struct watch *w);
/* Free run once the rows no longer point into it (at once without a
 * dashboard). */
void mx_watch_retire(struct watch *w, struct mx_run *run);
/* The next planned round (0: none). */
time_t mx_watch_next_round(const struct watch *w);

/* src/watch_out.c: round k of the text or JSON lines; 0 or -1. */
int mx_watch_emit_round(struct watch *w);

/* src/cmd_watch.c: the loop should end now (quit, rounds done). */
void mx_watch_stop(struct watch *w);

#endif
