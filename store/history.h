/*
 * history.h - results of repeated probes, kept in SQLite.
 *
 * `watch` adds a snapshot (model/snapshot.h) after every probe of an
 * endpoint, with the drift findings already judged; `history` lists and
 * diffs them.  The file is an embedded SQLite database (default
 * $XDG_STATE_HOME/mxprobe/history.sqlite, or ~/.local/state/...; chosen
 * by src/, not here) with a schema version (PRAGMA user_version) and
 * forward migrations applied on open; a file written by a newer mxprobe
 * (higher version) is refused with a message, never rewritten.
 *
 * Tables (doc/history.md documents them for sqlite3 users):
 *   probes    one row per snapshot (key, target, host, addr, port, mode,
 *             at, worst, the TLS and certificate facts ...)
 *   findings  (probe_id, kind 'finding'|'drift', id, severity, evidence,
 *             before, after)
 *
 * Errors: every function returns 0 or -1 with one line in err (the file
 * name and SQLite's message); nothing is printed.
 * Ownership: snapshots returned are the caller's (mx_snapshot_free /
 * mx_history_list_free); a snapshot given to add is borrowed (its id is
 * set).
 * Concurrency: one writer (the watch process); readers (`history`) may
 * open the same file at the same time (WAL, busy timeout).
 */
#ifndef MX_STORE_HISTORY_H
#define MX_STORE_HISTORY_H

#include <stddef.h>
#include <time.h>

#include "model/snapshot.h"

#define MX_HISTORY_SCHEMA 1

struct mx_history;

/* Open (creating the file and its tables unless readonly) and migrate.
 * NULL with a message in err. */
struct mx_history *mx_history_open(const char *path, int readonly, char *err,
				   size_t errlen);
void mx_history_close(struct mx_history *h);
int mx_history_schema(const struct mx_history *h); /* user_version */

/* Store s with its findings and drift (one transaction); sets s->id. */
int mx_history_add(struct mx_history *h, struct mx_snapshot *s, char *err,
		   size_t errlen);

struct mx_history_list {
	struct mx_snapshot **v; /* newest first */
	size_t n, cap;
	int truncated; /* more matched than max, or than the store's own
			* limits (store/history_int.h): the oldest are left
			* out */
};

/* Snapshots taken at or after `since` (0: all), newest first, at most
 * max (0: no limit but the store's own: MX_HIST_LIST_MAX snapshots and
 * MX_HIST_LIST_BYTES of text, store/history_int.h), of the endpoints
 * that `match` names: NULL for all, else an endpoint key, a host name,
 * an address or a target spec as the user wrote it. */
int mx_history_list(struct mx_history *h, const char *match, time_t since,
		    size_t max, struct mx_history_list *out, char *err,
		    size_t errlen);
/* The newest snapshots (at most max) of one endpoint key as probed for
 * one target spec (exact): what `watch` compares a new result with.  An
 * MX host shared by two domains is two histories, since each domain's
 * MTA-STS, DANE and findings differ. */
int mx_history_list_endpoint(struct mx_history *h, const char *key,
			     const char *target, size_t max,
			     struct mx_history_list *out, char *err,
			     size_t errlen);
void mx_history_list_free(struct mx_history_list *l);

#endif
