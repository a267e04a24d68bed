/*
 * queue.c - text and JSON of a relay spool; see queue.h.
 */
#include "reports/queue.h"

#include <stdlib.h>

#include <jansson.h>

#include "common/escape.h"
#include "reports/jsonutil.h"
#include "reports/textutil.h"
#include "reports/util.h"

static char *esc(const char *s)
{
	return mx_escape_str(s ? s : "", MX_QUEUE_TEXT_MAX);
}

/* ---- text --------------------------------------------------------------- */

static void text_envelope(FILE *fp, const struct mx_queue_msg *m, time_t now)
{
	char created[64], age[64];
	char *from = esc(m->from);
	size_t i;

	mx_rep_date(m->created, created, sizeof(created));
	mx_queue_delay_text(now - m->created, age, sizeof(age));
	mx_out_fmt(fp, "MID %s  %lld octets\n", m->mid, m->size);
	mx_out_fmt(fp, "  from  <%s>\n", from);
	for (i = 0; i < m->nrcpts; i++) {
		char *r = esc(m->rcpts[i]);

		mx_out_fmt(fp, "  to    <%s> (RID %zu)\n", r, i);
		free(r);
	}
	mx_out_fmt(fp, "  queued %s (%s ago), %u attempt(s)\n", created, age,
		   m->attempts);
	free(from);
}

int mx_report_queue_text(FILE *fp, const struct mx_queue_view *v,
			 const char *tool_version, int color)
{
	char *edir = esc(v->spool), next[64];
	size_t i;

	mx_out_fmt(fp,
		   "Spool %s: %zu message(s) queued, %zu bounced (dead/), %zu "
		   "unreadable (corrupt/)\n",
		   edir, v->nqueue, v->ndead, v->ncorrupt);
	free(edir);
	for (i = 0; i < v->nqueue; i++) {
		const struct mx_queue_msg *m = &v->queue[i];

		mx_out_text(fp, "\n");
		if (!m->readable) {
			mx_out_fmt(fp,
				   "MID %s  unreadable (the relay moves it to "
				   "corrupt/ when it tries it)\n",
				   m->mid);
			continue;
		}
		text_envelope(fp, m, v->now);
		mx_rep_date(m->next_attempt, next, sizeof(next));
		mx_out_fmt(fp, "  next   %s\n", next);
		if (m->last_error) {
			char *e = esc(m->last_error);

			mx_out_fmt(fp, "  last error: %s\n", e);
			free(e);
		}
		mx_out_fmt(fp, "  why    %s\n", m->why);
	}
	if (v->ndead > 0)
		mx_out_text(fp, "\nBounced (dead/): not delivered, kept for "
				"inspection\n");
	for (i = 0; i < v->ndead; i++) {
		const struct mx_queue_msg *m = &v->dead[i];
		char *e;

		mx_out_text(fp, "\n");
		if (!m->readable) {
			mx_out_fmt(fp, "MID %s  unreadable\n", m->mid);
			continue;
		}
		text_envelope(fp, m, v->now);
		e = esc(m->dead_reason);
		mx_out_fmt(fp, "  reason %s\n", e);
		free(e);
	}
	if (v->ncorrupt > 0) {
		mx_out_text(fp, "\nUnreadable files (corrupt/), moved aside "
				"untouched:\n");
		for (i = 0; i < v->ncorrupt; i++) {
			char *e = esc(v->corrupt[i]);

			mx_out_fmt(fp, "  %s\n", e);
			free(e);
		}
	}
	(void)tool_version; /* the text's first line names the spool */
	mx_out_status(fp, color, v->exit_status);
	return ferror(fp) ? -1 : 0;
}

/* ---- JSON --------------------------------------------------------------- */

/* Escaped again here: envelope text is the spool's, not the model's. */
static json_t *jesc(struct mx_jc *c, const char *s)
{
	char *e = esc(s);
	json_t *j = mx_j_str(c, e);

	free(e);
	return j;
}

static json_t *json_entry(struct mx_jc *c, const struct mx_queue_msg *m)
{
	json_t *o = mx_j_obj(c), *r;
	size_t i;

	mx_j_set(c, o, "mid", jesc(c, m->mid));
	mx_j_set(c, o, "readable", mx_j_bool(c, m->readable));
	mx_j_set(c, o, "size", mx_j_int(c, m->size));
	if (!m->readable)
		return o;
	r = mx_j_arr(c);
	mx_j_set(c, o, "from", jesc(c, m->from));
	for (i = 0; i < m->nrcpts; i++)
		mx_j_push(c, r, jesc(c, m->rcpts[i]));
	mx_j_set(c, o, "recipients", r);
	mx_j_set(c, o, "created", mx_j_time(c, m->created));
	mx_j_set(c, o, "attempts", mx_j_int(c, m->attempts));
	return o;
}

int mx_report_queue_json(FILE *fp, const struct mx_queue_view *v,
			 const char *tool_version)
{
	struct mx_jc c = {0};
	json_t *root, *jq = mx_j_arr(&c), *jd = mx_j_arr(&c),
		      *jc = mx_j_arr(&c);
	size_t i;

	root = mx_j_envelope(&c, "queue", MX_QUEUE_SCHEMA_VERSION, tool_version,
			     v->now, v->exit_status);
	mx_j_set(&c, root, "spool", jesc(&c, v->spool));
	for (i = 0; i < v->nqueue; i++) {
		const struct mx_queue_msg *m = &v->queue[i];
		json_t *o = json_entry(&c, m);

		if (m->readable) {
			mx_j_set(&c, o, "next_attempt",
				 mx_j_time(&c, m->next_attempt));
			mx_j_set(&c, o, "next_in_s",
				 mx_j_int(&c, m->next_attempt > v->now
						      ? m->next_attempt - v->now
						      : 0));
			mx_j_set(&c, o, "last_error",
				 m->last_error ? jesc(&c, m->last_error)
					       : mx_j_null(&c));
			mx_j_set(&c, o, "state",
				 mx_j_str(&c, mx_queue_state_name(m->state)));
			mx_j_set(&c, o, "why", jesc(&c, m->why));
		}
		mx_j_push(&c, jq, o);
	}
	for (i = 0; i < v->ndead; i++) {
		const struct mx_queue_msg *m = &v->dead[i];
		json_t *o = json_entry(&c, m);

		if (m->readable)
			mx_j_set(&c, o, "reason", jesc(&c, m->dead_reason));
		mx_j_push(&c, jd, o);
	}
	for (i = 0; i < v->ncorrupt; i++)
		mx_j_push(&c, jc, jesc(&c, v->corrupt[i]));
	mx_j_set(&c, root, "queue", jq);
	mx_j_set(&c, root, "dead", jd);
	mx_j_set(&c, root, "corrupt", jc);
	return mx_j_dump(&c, fp, root);
}
