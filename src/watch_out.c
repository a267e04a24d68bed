/*
 * watch_out.c - `mxprobe watch` without a terminal (standard output is
 * no terminal, or --json): one report per round (see watch_int.h).
 *
 * Text: a header line
 *   "=== mxprobe watch: round K at 2026-12-08T01:23:45Z, N targets ==="
 * then the check report of every target (reports/text.h, without its
 * status line), then "Drift since the previous probe:" with one line per
 * drift finding (id, severity, endpoint key, evidence, before -> after)
 * or " none", and the closing status line of the round's worst status.
 * --json: one object per round on one line (JSON Lines):
 *   {"round":K,"at":"...","status":S,"targets":[<check document>...],
 *    "drift":[{"key","target","id","severity","evidence","before",
 *              "after"}...],
 *    "capture":{"interface","frames_held","bytes_held","frames_released",
 *               "store_dropped","kernel_dropped"}}   (--capture only:
 *    the frames the open capture holds after the round, and those given
 *    back since the start - each probe's own packets are in its target's
 *    document, per connection)
 * where each target is the document `check --json` writes (doc/json.md).
 * Strings from the model are escaped text already; jansson escapes JSON.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzers/drift.h"
#include "model/finding.h"
#include "reports/ciphers.h"
#include "reports/json.h"
#include "reports/text.h"
#include "reports/textutil.h"
#include "src/commands.h"
#include "src/watch_int.h"

static void iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The number of endpoints of the target's latest run, and the newest
 * snapshot of endpoint k of it. */
static size_t nsnaps(const struct wtarget *tg)
{
	return tg->run != NULL ? tg->run->targets[0].nendpoints : 0;
}

static const struct mx_snapshot *snap_of(const struct wtarget *tg, size_t k)
{
	const struct wep *e = &tg->eps[tg->epmap[k]];

	return e->nhist ? e->hist[0] : NULL;
}

/* The round's status: the worst exit status of the targets' runs, made
 * worse by their drift (a warning drift 1, a critical one 2). */
static int worst_status(const struct watch *w)
{
	int worst = 0;
	size_t i, k;

	for (i = 0; i < w->nt; i++) {
		const struct wtarget *tg = &w->t[i];
		int st = tg->run ? (int)tg->run->exit_status : 3;

		for (k = 0; k < nsnaps(tg); k++) {
			const struct mx_snapshot *s = snap_of(tg, k);
			enum mx_severity d = s ? mx_drift_worst(s) : MX_SEV_OK;

			if (d == MX_SEV_CRIT && st < 2)
				st = 2;
			else if (d == MX_SEV_WARN && st < 1)
				st = 1;
		}
		if (st > worst)
			worst = st;
	}
	return worst;
}

static int emit_text(struct watch *w, const char *at)
{
	struct mx_text_opts to = {0};
	const struct mx_snapshot *s;
	size_t i, k, j, ndrift = 0;

	to.color = mx_cli_use_color(w->out, w->o);
	to.details = 1;
	fprintf(w->out, "=== mxprobe watch: round %u at %s, %zu target%s ===\n",
		w->round + 1, at, w->nt, w->nt == 1 ? "" : "s");
	for (i = 0; i < w->nt; i++) {
		if (w->t[i].run == NULL)
			continue;
		if (mx_report_text_body(w->out, w->t[i].run, &to) < 0)
			return -1;
		/* --deep: the enumeration, as check --deep prints it */
		if (w->o->deep)
			mx_report_ciphers_deep(w->out, w->t[i].run, to.color);
	}
	fputs("\nDrift since the previous probe:", w->out);
	for (i = 0; i < w->nt; i++) {
		struct wtarget *tg = &w->t[i];

		for (k = 0; k < nsnaps(tg); k++) {
			s = snap_of(tg, k);
			for (j = 0; s != NULL && j < s->ndrift; j++) {
				const struct mx_snap_finding *d = &s->drift[j];

				mx_out_fmt(w->out, "\n  %s %s %s: %s", d->id,
					   mx_severity_name(d->severity),
					   s->key,
					   d->evidence ? d->evidence : "");
				if (d->before || d->after)
					mx_out_fmt(w->out, " (%s -> %s)",
						   d->before ? d->before : "-",
						   d->after ? d->after : "-");
				ndrift++;
			}
		}
	}
	fputs(ndrift ? "\n" : " none\n", w->out);
	mx_report_status(w->out, to.color, w->round_status);
	fputs("\n", w->out);
	return 0;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* --capture: the store of the capture open for the whole watch. */
static json_t *capture_store(const struct watch *w)
{
	struct mx_cli_capture_store cs;
	json_t *c = json_object();

	mx_cli_capture_store(w->cap, &cs);
	json_object_set_new(c, "interface", jstr(cs.iface));
	json_object_set_new(c, "frames_held", json_integer(cs.frames_held));
	json_object_set_new(c, "bytes_held", json_integer(cs.bytes_held));
	json_object_set_new(c, "frames_released",
			    json_integer(cs.frames_released));
	json_object_set_new(c, "store_dropped", json_integer(cs.store_dropped));
	json_object_set_new(c, "kernel_dropped",
			    json_integer(cs.kernel_dropped));
	return c;
}

static int emit_json(struct watch *w, const char *at)
{
	json_t *o = json_object(), *targets = json_array(),
	       *drift = json_array();
	const struct mx_snapshot *s;
	char *line;
	size_t i, k, j;
	int rc = 0;

	json_object_set_new(o, "round", json_integer(w->round + 1));
	json_object_set_new(o, "at", json_string(at));
	json_object_set_new(o, "status", json_integer(w->round_status));
	for (i = 0; i < w->nt; i++) {
		struct wtarget *tg = &w->t[i];
		json_t *doc;

		if (tg->run == NULL)
			continue;
		line = mx_report_json_line(tg->run);
		doc = line ? json_loads(line, 0, NULL) : NULL;
		free(line);
		if (doc == NULL) {
			rc = -1;
			continue;
		}
		json_array_append_new(targets, doc);
		for (k = 0; k < nsnaps(tg); k++) {
			s = snap_of(tg, k);
			for (j = 0; s != NULL && j < s->ndrift; j++) {
				const struct mx_snap_finding *d = &s->drift[j];
				json_t *x = json_object();

				json_object_set_new(x, "key", jstr(s->key));
				json_object_set_new(x, "target",
						    jstr(tg->spec));
				json_object_set_new(x, "id", jstr(d->id));
				json_object_set_new(
					x, "severity",
					json_string(
						mx_severity_name(d->severity)));
				json_object_set_new(x, "evidence",
						    jstr(d->evidence));
				json_object_set_new(x, "before",
						    jstr(d->before));
				json_object_set_new(x, "after", jstr(d->after));
				json_array_append_new(drift, x);
			}
		}
	}
	json_object_set_new(o, "targets", targets);
	json_object_set_new(o, "drift", drift);
	if (w->cap != NULL)
		json_object_set_new(o, "capture", capture_store(w));
	line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
				     JSON_PRESERVE_ORDER);
	json_decref(o);
	if (line == NULL)
		return -1;
	fprintf(w->out, "%s\n", line);
	free(line);
	return rc;
}

int mx_watch_emit_round(struct watch *w)
{
	char at[32];
	int rc;

	iso_time(time(NULL), at, sizeof(at));
	w->round_status = worst_status(w);
	rc = w->o->json ? emit_json(w, at) : emit_text(w, at);
	if (fflush(w->out) != 0 || ferror(w->out)) {
		fprintf(stderr, "mxprobe watch: error writing the report\n");
		return -1;
	}
	return rc;
}
