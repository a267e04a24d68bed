/*
 * cmd_queue.c - `mxprobe queue --spool DIR [--json]`: what the relay holds,
 * and why.
 *
 * Opens the spool read-only (relay/spool.h MX_SPOOL_READONLY: no lock, no
 * recovery, no writes), so it can run while the relay runs.  For every
 * message in queue/: MID, envelope, size, age, attempts, when the next
 * attempt is due and the last error, with a one-line "why" (new and not
 * tried yet / due now / waiting for the retry after N failed attempts);
 * for dead/: the reason it was bounced; for corrupt/: the file names.
 *
 * Text by default; --json writes one object (jansson escapes it):
 *   {"spool": DIR, "queue": [{"mid", "from", "rcpts", "size", "created",
 *    "attempts", "next_attempt", "next_in_s", "last_error", "state",
 *    "why"}], "dead": [{"mid", "from", "rcpts", "size", "created",
 *    "attempts", "reason"}], "corrupt": [NAME...]}
 * Times are Unix seconds; state is "new", "due" or "deferred".  Envelope
 * text is escaped (common/escape.h) before it is shown either way.
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

#include <jansson.h>

#include "common/clock.h"
#include "common/escape.h"
#include "relay/spool.h"
#include "src/commands.h"

#define TEXT_MAX 600

struct entry {
	char id[MX_SPOOL_ID_LEN + 1];
	struct mx_envelope env;
	long long size;
	int ok;
};

static long long file_size(const char *dir, const char *area, const char *id)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, area, id);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void human_delay(long long s, char *out, size_t len)
{
	if (s < 0)
		s = -s;
	if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm %llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%lldh %lldm", s / 3600, (s % 3600) / 60);
	else
		snprintf(out, len, "%lldd %lldh", s / 86400,
			 (s % 86400) / 3600);
}

static void stamp(time_t t, char *out, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static const char *state_of(const struct mx_envelope *e, time_t now)
{
	if (e->attempts == 0)
		return now >= e->next_attempt ? "new" : "deferred";
	return now >= e->next_attempt ? "due" : "deferred";
}

static void why_of(const struct mx_envelope *e, time_t now, char *out,
		   size_t len)
{
	char d[64];

	if (e->attempts == 0 && now >= e->next_attempt) {
		snprintf(out, len, "new: not tried yet, delivery is due now");
	} else if (now >= e->next_attempt) {
		human_delay(now - e->next_attempt, d, sizeof(d));
		snprintf(out, len,
			 "due: %u failed attempt(s), the retry was due %s ago "
			 "(the relay is busy or not running)",
			 (unsigned)e->attempts, d);
	} else {
		human_delay(e->next_attempt - now, d, sizeof(d));
		snprintf(out, len,
			 "deferred: %u failed attempt(s), next attempt in %s",
			 (unsigned)e->attempts, d);
	}
}

static size_t load_area(struct mx_spool *sp, enum mx_spool_area area,
			const char *dir, const char *sub, struct entry **out)
{
	struct mx_spool_list l;
	struct mx_spool_diag d;
	struct entry *v;
	size_t i;

	memset(&l, 0, sizeof(l));
	*out = NULL;
	if (mx_spool_list(sp, area, &l, &d) != MX_SPOOL_OK)
		return 0;
	v = calloc(l.n ? l.n : 1, sizeof(*v));
	if (v == NULL) {
		mx_spool_list_free(&l);
		return 0;
	}
	for (i = 0; i < l.n; i++) {
		snprintf(v[i].id, sizeof(v[i].id), "%s", l.ids[i]);
		v[i].ok = mx_spool_load(sp, area, l.ids[i], &v[i].env, NULL,
					NULL, &d) == MX_SPOOL_OK;
		v[i].size = file_size(dir, sub, l.ids[i]);
	}
	*out = v;
	i = l.n;
	mx_spool_list_free(&l);
	return i;
}

static void free_area(struct entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mx_envelope_clear(&v[i].env);
	free(v);
}

static char *esc(const char *s)
{
	return mx_escape_str(s ? s : "", TEXT_MAX);
}

static void text_envelope(FILE *fp, const struct entry *e, time_t now)
{
	char created[64], age[64];
	char *from = esc(e->env.from);
	size_t i;

	stamp(e->env.created, created, sizeof(created));
	human_delay(now - e->env.created, age, sizeof(age));
	fprintf(fp, "MID %s  %lld octets\n", e->id, e->size);
	fprintf(fp, "  from  <%s>\n", from);
	for (i = 0; i < e->env.nrcpts; i++) {
		char *r = esc(e->env.rcpts[i]);

		fprintf(fp, "  to    <%s> (RID %zu)\n", r, i);
		free(r);
	}
	fprintf(fp, "  queued %s (%s ago), %u attempt(s)\n", created, age,
		(unsigned)e->env.attempts);
	free(from);
}

static void print_text(FILE *fp, const char *dir, struct entry *q, size_t nq,
		       struct entry *dd, size_t nd,
		       const struct mx_spool_list *c, time_t now)
{
	char *edir = esc(dir), why[300], next[64];
	size_t i;

	fprintf(fp,
		"Spool %s: %zu message(s) queued, %zu bounced (dead/), %zu "
		"unreadable (corrupt/)\n",
		edir, nq, nd, c->n);
	free(edir);
	for (i = 0; i < nq; i++) {
		fputc('\n', fp);
		if (!q[i].ok) {
			fprintf(fp,
				"MID %s  unreadable (the relay moves it to "
				"corrupt/ when it tries it)\n",
				q[i].id);
			continue;
		}
		text_envelope(fp, &q[i], now);
		stamp(q[i].env.next_attempt, next, sizeof(next));
		why_of(&q[i].env, now, why, sizeof(why));
		fprintf(fp, "  next   %s\n", next);
		if (q[i].env.last_error) {
			char *e = esc(q[i].env.last_error);

			fprintf(fp, "  last error: %s\n", e);
			free(e);
		}
		fprintf(fp, "  why    %s\n", why);
	}
	if (nd > 0)
		fprintf(fp, "\nBounced (dead/): not delivered, kept for "
			    "inspection\n");
	for (i = 0; i < nd; i++) {
		char *e;

		fputc('\n', fp);
		if (!dd[i].ok) {
			fprintf(fp, "MID %s  unreadable\n", dd[i].id);
			continue;
		}
		text_envelope(fp, &dd[i], now);
		e = esc(dd[i].env.dead_reason);
		fprintf(fp, "  reason %s\n", e);
		free(e);
	}
	if (c->n > 0) {
		fprintf(fp, "\nUnreadable files (corrupt/), moved aside "
			    "untouched:\n");
		for (i = 0; i < c->n; i++) {
			char *e = esc(c->ids[i]);

			fprintf(fp, "  %s\n", e);
			free(e);
		}
	}
}

static json_t *jstr(const char *s)
{
	char *e = esc(s);
	json_t *j = json_string(e);

	free(e);
	return j ? j : json_null();
}

static json_t *json_entry(const struct entry *e)
{
	json_t *o = json_object(), *r = json_array();
	size_t i;

	json_object_set_new(o, "mid", json_string(e->id));
	json_object_set_new(o, "readable", json_boolean(e->ok));
	json_object_set_new(o, "size", json_integer(e->size));
	if (!e->ok) {
		json_decref(r);
		return o;
	}
	json_object_set_new(o, "from", jstr(e->env.from));
	for (i = 0; i < e->env.nrcpts; i++)
		json_array_append_new(r, jstr(e->env.rcpts[i]));
	json_object_set_new(o, "rcpts", r);
	json_object_set_new(o, "created", json_integer(e->env.created));
	json_object_set_new(o, "attempts", json_integer(e->env.attempts));
	return o;
}

static int print_json(FILE *fp, const char *dir, struct entry *q, size_t nq,
		      struct entry *dd, size_t nd,
		      const struct mx_spool_list *c, time_t now)
{
	json_t *root = json_object(), *jq = json_array(), *jd = json_array(),
	       *jc = json_array();
	char why[300];
	size_t i;
	int r;

	json_object_set_new(root, "spool", jstr(dir));
	json_object_set_new(root, "now", json_integer(now));
	for (i = 0; i < nq; i++) {
		json_t *o = json_entry(&q[i]);

		if (q[i].ok) {
			json_object_set_new(
				o, "next_attempt",
				json_integer(q[i].env.next_attempt));
			json_object_set_new(
				o, "next_in_s",
				json_integer(q[i].env.next_attempt > now
						     ? q[i].env.next_attempt -
							       now
						     : 0));
			json_object_set_new(o, "last_error",
					    q[i].env.last_error
						    ? jstr(q[i].env.last_error)
						    : json_null());
			json_object_set_new(
				o, "state",
				json_string(state_of(&q[i].env, now)));
			why_of(&q[i].env, now, why, sizeof(why));
			json_object_set_new(o, "why", json_string(why));
		}
		json_array_append_new(jq, o);
	}
	for (i = 0; i < nd; i++) {
		json_t *o = json_entry(&dd[i]);

		if (dd[i].ok)
			json_object_set_new(o, "reason",
					    jstr(dd[i].env.dead_reason));
		json_array_append_new(jd, o);
	}
	for (i = 0; i < c->n; i++)
		json_array_append_new(jc, jstr(c->ids[i]));
	json_object_set_new(root, "queue", jq);
	json_object_set_new(root, "dead", jd);
	json_object_set_new(root, "corrupt", jc);
	r = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	json_decref(root);
	return r;
}

int cmd_queue(struct mx_opts *o)
{
	struct mx_spool_params sp;
	struct mx_spool *spool = NULL;
	struct mx_spool_diag d;
	struct mx_spool_list corrupt;
	struct entry *q = NULL, *dd = NULL;
	size_t nq, nd, i;
	time_t now = mx_wall_now();
	FILE *out;
	int rc = 0;

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
		char *e = esc(d.text);

		fprintf(stderr, "mxprobe queue: %s\n", e);
		free(e);
		return 3;
	}
	memset(&corrupt, 0, sizeof(corrupt));
	nq = load_area(spool, MX_SPOOL_AREA_QUEUE, o->spool, "queue", &q);
	nd = load_area(spool, MX_SPOOL_AREA_DEAD, o->spool, "dead", &dd);
	if (mx_spool_list(spool, MX_SPOOL_AREA_CORRUPT, &corrupt, &d) !=
	    MX_SPOOL_OK)
		memset(&corrupt, 0, sizeof(corrupt));
	for (i = 0; i < nq; i++)
		if (q[i].ok && q[i].env.attempts > 0 && rc < 1)
			rc = 1;
	if (nd > 0 || corrupt.n > 0)
		rc = 2;
	for (i = 0; i < nq; i++)
		if (!q[i].ok)
			rc = 2;
	out = mx_cli_open_output(o);
	if (out == NULL) {
		rc = 3;
	} else {
		if (o->json) {
			if (print_json(out, o->spool, q, nq, dd, nd, &corrupt,
				       now) < 0)
				rc = 3;
		} else {
			print_text(out, o->spool, q, nq, dd, nd, &corrupt, now);
		}
		if (mx_cli_close_output(out, o) < 0)
			rc = 3;
	}
	free_area(q, nq);
	free_area(dd, nd);
	mx_spool_list_free(&corrupt);
	mx_spool_free(spool);
	return rc;
}
