/*
 * queue.c - text and JSON of a relay spool; see queue.h.
 */
#include "reports/queue.h"

#include <stdlib.h>

#include <jansson.h>

#include "common/escape.h"
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

int mx_report_queue_text(FILE *fp, const struct mx_queue_view *v)
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
	return ferror(fp) ? -1 : 0;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	char *e = esc(s);
	json_t *j = json_string(e);

	free(e);
	return j ? j : json_null();
}

static json_t *json_entry(const struct mx_queue_msg *m)
{
	json_t *o = json_object(), *r;
	size_t i;

	json_object_set_new(o, "mid", jstr(m->mid));
	json_object_set_new(o, "readable", json_boolean(m->readable));
	json_object_set_new(o, "size", json_integer(m->size));
	if (!m->readable)
		return o;
	r = json_array();
	json_object_set_new(o, "from", jstr(m->from));
	for (i = 0; i < m->nrcpts; i++)
		json_array_append_new(r, jstr(m->rcpts[i]));
	json_object_set_new(o, "rcpts", r);
	json_object_set_new(o, "created", json_integer(m->created));
	json_object_set_new(o, "attempts", json_integer(m->attempts));
	return o;
}

int mx_report_queue_json(FILE *fp, const struct mx_queue_view *v)
{
	json_t *root = json_object(), *jq = json_array(), *jd = json_array(),
	       *jc = json_array();
	size_t i;
	int r;

	json_object_set_new(root, "spool", jstr(v->spool));
	json_object_set_new(root, "now", json_integer(v->now));
	for (i = 0; i < v->nqueue; i++) {
		const struct mx_queue_msg *m = &v->queue[i];
		json_t *o = json_entry(m);

		if (m->readable) {
			json_object_set_new(o, "next_attempt",
					    json_integer(m->next_attempt));
			json_object_set_new(
				o, "next_in_s",
				json_integer(m->next_attempt > v->now
						     ? m->next_attempt - v->now
						     : 0));
			json_object_set_new(o, "last_error",
					    m->last_error ? jstr(m->last_error)
							  : json_null());
			json_object_set_new(
				o, "state",
				json_string(mx_queue_state_name(m->state)));
			json_object_set_new(o, "why", jstr(m->why));
		}
		json_array_append_new(jq, o);
	}
	for (i = 0; i < v->ndead; i++) {
		const struct mx_queue_msg *m = &v->dead[i];
		json_t *o = json_entry(m);

		if (m->readable)
			json_object_set_new(o, "reason", jstr(m->dead_reason));
		json_array_append_new(jd, o);
	}
	for (i = 0; i < v->ncorrupt; i++)
		json_array_append_new(jc, jstr(v->corrupt[i]));
	json_object_set_new(root, "queue", jq);
	json_object_set_new(root, "dead", jd);
	json_object_set_new(root, "corrupt", jc);
	r = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	json_decref(root);
	return r < 0 || ferror(fp) ? -1 : 0;
}
