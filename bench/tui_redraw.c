/*
 * tui_redraw.c - how long the dashboard takes to redraw the overview of
 * 1,000 endpoints, and how much memory the process holds (issue 10: at
 * most 20 ms per redraw, under 100 MiB).
 *
 * It builds a synthetic model with the model's constructors only (every
 * endpoint "rich": a two-certificate chain, an enumeration with client
 * simulation, findings, a transcript, a connection record, a capture
 * session and a history snapshot with drift - more than a real watch
 * holds), runs the real dashboard (tui/) on a pseudo-terminal whose
 * output a thread drains, and times mx_tui_draw() from the call to the
 * return (curses writes to the pty inside it), per size:
 *   idle     mx_tui_draw() with nothing changed (draws nothing)
 *   force    a forced redraw of an unchanged screen (erase, rebuild the
 *            frame, diff: what every draw costs at least)
 *   move     the selection moves one row per frame (a small diff)
 *   rows     mx_tui_set_rows() of all rows (filter + sort) and a draw:
 *            what a finished probe costs
 *   repaint  Ctrl-L before each frame: the whole screen is sent again
 * and prints median and p95 in ms, then the maximum RSS (getrusage).
 *
 * Usage: bench/tui_redraw [-n FRAMES] [-e ENDPOINTS]   (defaults 300,
 * 1000).  Build: `make bench/tui_redraw` in a configured build dir.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/test_tui_fixture.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum mode { M_IDLE, M_FORCE, M_MOVE, M_ROWS, M_REPAINT, M__N };
static const char *const mode_name[M__N] = {"idle", "force", "move", "rows",
					    "repaint"};

static void run(const char *size, struct mx_tui *tui, struct tui_model *m,
		int frames, time_t now)
{
	double *t = calloc((size_t)frames, sizeof(double));
	int mode, i;

	if (t == NULL)
		return;
	for (mode = 0; mode < M__N; mode++) {
		mx_tui_key(tui, 'g');
		for (i = 0; i < frames; i++) {
			double t0 = now_ms();

			if (mode == M_MOVE)
				mx_tui_key(tui, i % 100 < 50 ? 'j' : 'k');
			else if (mode == M_ROWS)
				mx_tui_set_rows(tui, m->rows, m->nrows);
			else if (mode == M_REPAINT)
				mx_tui_key(tui, 0x0c);
			mx_tui_draw(tui, now, mode == M_FORCE);
			t[i] = now_ms() - t0;
		}
		qsort(t, (size_t)frames, sizeof(double), dcmp);
		printf("%-8s %-8s %6d frames  median %7.3f ms  p95 %7.3f ms  "
		       "max %7.3f ms\n",
		       size, mode_name[mode], frames, t[frames / 2],
		       t[(frames * 95) / 100], t[frames - 1]);
	}
	free(t);
}

int main(int argc, char **argv)
{
	static const struct {
		int rows, cols;
	} sizes[] = {{60, 200}, {24, 80}};
	int frames = 300, n = 1000, c, i;
	struct tui_term term;
	struct tui_model m;
	struct mx_tui_params p;
	struct mx_tui *tui;
	struct rusage ru;
	char err[256];
	time_t now = time(NULL);
	double t0;

	while ((c = getopt(argc, argv, "n:e:")) != -1) {
		if (c == 'n')
			frames = (int)strtol(optarg, NULL, 10);
		else if (c == 'e')
			n = (int)strtol(optarg, NULL, 10);
		else {
			fprintf(stderr,
				"usage: %s [-n FRAMES] [-e ENDPOINTS]\n",
				argv[0]);
			return 2;
		}
	}
	if (frames < 1 || n < 1)
		return 2;
	t0 = now_ms();
	tui_model_build(&m, (size_t)n, 1, now);
	getrusage(RUSAGE_SELF, &ru);
	printf("model: %zu endpoints built in %.1f ms; max RSS so far %.1f "
	       "MiB\n",
	       m.nrows, now_ms() - t0, (double)ru.ru_maxrss / 1024.0);
	for (i = 0; i < 2; i++) {
		if (tui_term_open(&term, "xterm-256color", sizes[i].rows,
				  sizes[i].cols) != 0) {
			fprintf(stderr, "cannot open a pty\n");
			return 1;
		}
		memset(&p, 0, sizeof(p));
		p.color = 1;
		p.interval_s = 300;
		p.out = term.out;
		p.in = term.in;
		tui = mx_tui_new(&p, NULL, NULL, err, sizeof(err));
		if (tui == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		mx_tui_set_rows(tui, m.rows, m.nrows);
		mx_tui_draw(tui, now, 1);
		{
			char size[16];

			snprintf(size, sizeof(size), "%dx%d", sizes[i].cols,
				 sizes[i].rows);
			run(size, tui, &m, frames, now);
		}
		mx_tui_free(tui);
		tui_term_close(&term);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("max RSS: %.1f MiB (model of %zu rich endpoints included)\n",
	       (double)ru.ru_maxrss / 1024.0, m.nrows);
	tui_model_free(&m);
	return 0;
}
