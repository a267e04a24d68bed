/*
 * cmd_history.c - `mxprobe history [TARGET] [--since 7d] [--json]
 * [--history FILE]`: what `watch` stored, and what drifted.  Wiring only:
 * the history file (src/history_path.h) opened read-only
 * (store/history.h: a reader beside a running `watch` is fine), its
 * snapshots listed newest first, rendered (reports/history.h).
 *
 * What this expects from the option parser (src/options.c, owned by the
 * watch wiring) and main.c's command table:
 *   - o->args[0] (o->nargs 0 or 1, MX_ARGS_WORD): an endpoint key
 *     ("mx1.lab.test[127.0.0.31]:25/starttls"), a host name, an address
 *     or a target spec as given to `watch`; none: every endpoint;
 *   - o->since_s: --since DURATION in seconds (0: everything);
 *   - o->history_path: --history FILE (NULL: the default file);
 *   - o->json, o->no_color and -o FILE (mx_cli_open_output) as in every
 *     command.
 * At most HISTORY_SHOW_MAX probes, the newest, are shown.
 * Exit (doc/history.md): 3 when the file cannot be read (one line on
 * stderr); else the worst, over the listed endpoints, of each one's
 * newest probe: its findings' worst severity and its drift findings
 * (critical 2, warning 1, unknown 3, otherwise 0); 0 when nothing is
 * stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzers/drift.h"
#include "common/clock.h"
#include "common/escape.h"
#include "model/severity.h"
#include "reports/history.h"
#include "src/commands.h"
#include "src/history_path.h"
#include "store/history.h"

/* The newest probes shown at most: a report of every probe of a long
 * watch is neither readable nor cheap (the JSON of 10000 probes takes
 * ~150 MB to build); the report says when it was cut (narrow with
 * TARGET or --since). */
#define HISTORY_SHOW_MAX 10000

static int exit_of(enum mx_severity s)
{
	switch (s) {
	case MX_SEV_CRIT:
		return 2;
	case MX_SEV_WARN:
		return 1;
	case MX_SEV_UNKNOWN:
		return 3;
	default:
		return 0;
	}
}

/* The newest probe of each key decides (the list is newest first). */
static int judge_exit(const struct mx_history_list *l)
{
	enum mx_severity w = MX_SEV_OK;

	for (size_t i = 0; i < l->n; i++) {
		const struct mx_snapshot *s = l->v[i];
		int newer = 0;
		for (size_t j = 0; j < i && !newer; j++)
			newer = strcmp(l->v[j]->key, s->key) == 0;
		if (newer)
			continue;
		w = mx_severity_worse(w, s->worst);
		w = mx_severity_worse(w, mx_drift_worst(s));
	}
	return exit_of(w);
}

int cmd_history(struct mx_opts *o)
{
	char err[1024];
	char *path, *name = NULL, *match_e = NULL;
	struct mx_history *h;
	struct mx_history_list l;
	struct mx_history_view v;
	const char *match = o->nargs > 0 ? o->args[0] : NULL;
	FILE *out;
	int rc;

	if (o->nargs > 1) {
		fprintf(stderr, "mxprobe history: at most one TARGET (try "
				"'mxprobe history --help')\n");
		return 3;
	}
	path = mx_cli_history_path(o, err, sizeof(err));
	if (path == NULL) {
		fprintf(stderr, "mxprobe history: %s\n", err);
		return 3;
	}
	h = mx_history_open(path, 1, err, sizeof(err));
	if (h == NULL) {
		fprintf(stderr, "mxprobe history: %s\n", err);
		free(path);
		return 3;
	}
	memset(&v, 0, sizeof(v));
	v.now = mx_wall_now();
	if (o->since_s > 0)
		v.since = v.now - (time_t)o->since_s;
	if (mx_history_list(h, match, v.since, HISTORY_SHOW_MAX, &l, err,
			    sizeof(err)) != 0) {
		fprintf(stderr, "mxprobe history: %s\n", err);
		mx_history_close(h);
		free(path);
		return 3;
	}
	name = mx_escape_str(path, 1024);
	match_e = match != NULL ? mx_escape_str(match, 1024) : NULL;
	v.file = name;
	v.file_schema = mx_history_schema(h);
	v.match = match_e;
	v.v = (const struct mx_snapshot *const *)l.v;
	v.n = l.n;
	v.truncated = l.truncated;
	v.exit_status = judge_exit(&l);
	rc = v.exit_status;
	out = mx_cli_open_output(o);
	if (out == NULL) {
		rc = 3;
	} else {
		if ((o->json ? mx_report_history_json(out, &v, PACKAGE_VERSION)
			     : mx_report_history_text(out, &v, PACKAGE_VERSION,
						      mx_cli_use_color(out,
								       o))) < 0)
			rc = 3;
		if (mx_cli_close_output(out, o) < 0)
			rc = 3;
	}
	mx_history_list_free(&l);
	mx_history_close(h);
	free(name);
	free(match_e);
	free(path);
	return rc;
}
