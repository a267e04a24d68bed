/*
 * cmd_queue.c - `mxprobe queue --spool DIR [--json]`: what the relay holds,
 * and why.  Wiring only: opens the spool read-only (relay/spool.h
 * MX_SPOOL_READONLY: no lock, no recovery, no writes, so it can run while
 * the relay runs), fills a struct mx_queue_view (model/queue.h) from
 * queue/, dead/ and corrupt/, has it judged (analyzers/queue.h: the state
 * and one-line "why" of each message, the exit status) and rendered
 * (reports/queue.h: text, or --json).
 *
 * Exit (for monitoring): 0 nothing waits after a failure, 1 messages are
 * deferred after failed attempts, 2 anything in dead/ or corrupt/, 3 the
 * spool cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyzers/queue.h"
#include "common/clock.h"
#include "common/escape.h"
#include "model/queue.h"
#include "relay/spool.h"
#include "reports/queue.h"
#include "src/commands.h"

_Static_assert(MX_SPOOL_ID_LEN < MX_QUEUE_MID_MAX, "spool ids fit mid[]");

/* One area's messages: the envelopes (owned here) and their view. */
struct area {
	struct mx_envelope *env;
	struct mx_queue_msg *msg;
	size_t n;
};

static long long file_size(const char *dir, const char *sub, const char *id)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, id);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void load_area(struct mx_spool *sp, enum mx_spool_area which,
		      const char *dir, const char *sub, struct area *a)
{
	struct mx_spool_list l;
	struct mx_spool_diag d;
	size_t i;

	memset(a, 0, sizeof(*a));
	memset(&l, 0, sizeof(l));
	if (mx_spool_list(sp, which, &l, &d) != MX_SPOOL_OK)
		return;
	a->env = calloc(l.n ? l.n : 1, sizeof(*a->env));
	a->msg = calloc(l.n ? l.n : 1, sizeof(*a->msg));
	if (a->env == NULL || a->msg == NULL) {
		free(a->env);
		free(a->msg);
		memset(a, 0, sizeof(*a));
		mx_spool_list_free(&l);
		return;
	}
	for (i = 0; i < l.n; i++) {
		struct mx_queue_msg *m = &a->msg[i];
		const struct mx_envelope *e = &a->env[i];

		snprintf(m->mid, sizeof(m->mid), "%s", l.ids[i]);
		m->readable = mx_spool_load(sp, which, l.ids[i], &a->env[i],
					    NULL, NULL, &d) == MX_SPOOL_OK;
		m->size = file_size(dir, sub, l.ids[i]);
		m->from = e->from;
		m->rcpts = e->rcpts;
		m->nrcpts = e->nrcpts;
		m->created = e->created;
		m->attempts = (unsigned)e->attempts;
		m->next_attempt = e->next_attempt;
		m->last_error = e->last_error;
		m->dead_reason = e->dead_reason;
	}
	a->n = l.n;
	mx_spool_list_free(&l);
}

static void free_area(struct area *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		mx_envelope_clear(&a->env[i]);
	free(a->env);
	free(a->msg);
}

int cmd_queue(struct mx_opts *o)
{
	struct mx_spool_params sp;
	struct mx_spool *spool = NULL;
	struct mx_spool_diag d;
	struct mx_spool_list corrupt;
	struct area q, dd;
	struct mx_queue_view v;
	FILE *out;
	int rc;

	if (o->spool == NULL || o->nargs != 0) {
		fprintf(stderr, "mxprobe queue: give the spool with --spool "
				"DIR (try 'mxprobe queue --help')\n");
		return 3;
	}
	memset(&sp, 0, sizeof(sp));
	sp.dir = o->spool;
	sp.flags = MX_SPOOL_READONLY;
	memset(&d, 0, sizeof(d));
	if (mx_spool_open(&sp, &spool, &d) != MX_SPOOL_OK) {
		char *e = mx_escape_str(d.text, MX_QUEUE_TEXT_MAX);

		fprintf(stderr, "mxprobe queue: %s\n", e);
		free(e);
		return 3;
	}
	memset(&corrupt, 0, sizeof(corrupt));
	load_area(spool, MX_SPOOL_AREA_QUEUE, o->spool, "queue", &q);
	load_area(spool, MX_SPOOL_AREA_DEAD, o->spool, "dead", &dd);
	if (mx_spool_list(spool, MX_SPOOL_AREA_CORRUPT, &corrupt, &d) !=
	    MX_SPOOL_OK)
		memset(&corrupt, 0, sizeof(corrupt));
	memset(&v, 0, sizeof(v));
	v.spool = o->spool;
	v.now = mx_wall_now();
	v.queue = q.msg;
	v.nqueue = q.n;
	v.dead = dd.msg;
	v.ndead = dd.n;
	v.corrupt = corrupt.ids;
	v.ncorrupt = corrupt.n;
	mx_queue_judge(&v);
	rc = v.exit_status;
	out = mx_cli_open_output(o);
	if (out == NULL) {
		rc = 3;
	} else {
		if ((o->json ? mx_report_queue_json(out, &v, PACKAGE_VERSION)
			     : mx_report_queue_text(out, &v, PACKAGE_VERSION,
						    mx_cli_use_color(out, o))) <
		    0)
			rc = 3;
		if (mx_cli_close_output(out, o) < 0)
			rc = 3;
	}
	free_area(&q);
	free_area(&dd);
	mx_spool_list_free(&corrupt);
	mx_spool_free(spool);
	return rc;
}
