/*
 * test_tui_fixture.h - what the dashboard's unit test and its benchmark
 * share: a pseudo-terminal the real dashboard draws on (the master side
 * drained by a thread that keeps what it read), and a synthetic model
 * built with the model's constructors only.
 *
 * Ownership: tui_term_open()/tui_term_close() pair; the model fixture is
 * one struct mx_run (freed by tui_model_free) plus the rows array and
 * the snapshots that point into nothing else.
 */
#ifndef MX_TESTS_TEST_TUI_FIXTURE_H
#define MX_TESTS_TEST_TUI_FIXTURE_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "model/result.h"
#include "model/snapshot.h"
#include "tui/tui.h"

struct tui_term {
	int master, slave;
	FILE *out, *in;
	pthread_t drain;
	int running;
	pthread_mutex_t mu;
	char *seen; /* everything the dashboard wrote (capped) */
	size_t nseen, capseen;
};

/* A pty of rows x cols with TERM set to term (e.g. "xterm-256color");
 * 0 on success. */
int tui_term_open(struct tui_term *t, const char *term, int rows, int cols);
/* Change the window size (as a terminal emulator does on resize). */
void tui_term_resize(struct tui_term *t, int rows, int cols);
/* Type bytes at the terminal; waits (up to 2 s) until the slave side
 * can read them. */
void tui_term_type(struct tui_term *t, const char *bytes, size_t len);
/* Nonzero if the bytes occurred in what the dashboard wrote. */
int tui_term_saw(struct tui_term *t, const void *needle, size_t len);
void tui_term_forget(struct tui_term *t);
void tui_term_close(struct tui_term *t);

struct tui_model {
	struct mx_run *run;
	struct mx_tui_row *rows;
	size_t nrows;
	struct mx_snapshot **snaps;	 /* owned, one per row (some NULL) */
	const struct mx_snapshot **hist; /* per row: pointers into snaps */
	char **keys;
};

/* n endpoints over n/4 + 1 domain targets; `rich` adds chain,
 * enumeration, clients, findings, transcript, connection records, a
 * capture session and history with drift to every endpoint. */
void tui_model_build(struct tui_model *m, size_t n, int rich, time_t now);
void tui_model_free(struct tui_model *m);

#endif
