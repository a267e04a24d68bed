/*
 * scan_int.h - what the files of `mxprobe scan` share (src/cmd_scan.c:
 * the command, the list, the state, the shards; src/scan_run.c: the
 * targets in flight on the loop).
 */
#ifndef MX_SRC_SCAN_INT_H
#define MX_SRC_SCAN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "probe/engine.h"
#include "src/options.h"

struct job;

struct scan {
	const struct mx_opts *o;
	struct event_base *base;
	struct mx_pool *pool;
	struct mx_engine_params ep;
	struct mx_log log;
	const char *helo;
	int window; /* targets in flight at most (--concurrency) */
	/* the targets to probe, in file order (strings owned) */
	char **targets;
	size_t ntargets, next;
	struct job *jobs;
	size_t inflight;
	/* output */
	FILE *out;
	int out_is_file;
	int state_fd; /* -1: no --state */
	/* figures */
	size_t total, done, failed, nstatus[4];
	int worst;
	int64_t t0, last_progress;
	int show_progress, progress_shown;
	int interrupted, failed_start, write_failed;
};

/* Run every target of s->targets on s->base (src/scan_run.c): 0, or -1
 * when an engine could not start. */
int mx_scan_probe(struct scan *s);
/* --shard I/N (src/scan_shard.c): resolve every target of s->targets
 * (MX, A/AAAA, the engine's DNS layer) and keep those whose smallest
 * address hashes to I (a target without an address: its spec).  0 or
 * -1 after printing why. */
int mx_scan_shard(struct scan *s);
/* One target done: its line to the output, then its spec to the state;
 * counts.  0 or -1 (write failed). */
int mx_scan_emit(struct scan *s, const char *spec, const char *line,
		 int status);

#endif
