/*
 * send.c - text and JSON renderers of a delivery and of a policy table;
 * see send.h.
 */
#include "reports/send.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/xalloc.h"
#include "model/where.h"
#include "reports/textutil.h"
#include "reports/util.h"

/* ---- text ----------------------------------------------------------------- */

static const char *state_word(enum mx_step_state s)
{
	switch (s) {
	case MX_STEP_OK:
		return "OK";
	case MX_STEP_FAILED:
		return "FAIL";
	case MX_STEP_SKIPPED:
		return "skip";
	default:
		return "-";
	}
}

static void reply_line(FILE *out, const struct mx_reply *r)
{
	const char *nl;

	if (r->code == 0)
		return;
	fprintf(out, "%d", r->code);
	if (r->enh[0])
		fprintf(out, " %s", r->enh);
	if (r->text && r->text[0]) {
		nl = strchr(r->text, '\n');
		fprintf(out, " %.*s%s", nl ? (int)(nl - r->text) : 100, r->text,
			nl ? " ..." : "");
	}
}

static void stage_row(FILE *out, const struct mx_send_attempt *a,
		      enum mx_send_stage st, int color)
{
	const struct mx_send_step *x = &a->stage[st];
	enum mx_colour c = x->step.state == MX_STEP_FAILED ? MX_C_RED
			   : x->step.state == MX_STEP_OK   ? MX_C_GREEN
							   : MX_C_NONE;

	fprintf(out, "  %-9s %s%-5s%s", mx_send_stage_name(st),
		mx_colour_code(color, c), state_word(x->step.state),
		mx_colour_reset(color, c));
	if (x->step.state == MX_STEP_OK || x->step.state == MX_STEP_FAILED)
		fprintf(out, " %6lld ms  ", (long long)x->step.ms);
	else
		fprintf(out, " %9s  ", "");
	if (st == MX_SEND_STAGE_TLS && a->tls.completed)
		fprintf(out, "%s %s", a->tls.version ? a->tls.version : "?",
			a->tls.suite_iana ? a->tls.suite_iana : "?");
	else if (st == MX_SEND_STAGE_TLS && a->tls.attempted)
		fprintf(out, "%s%s%s", mx_tls_fail_name(a->tls.fail),
			a->tls.fail_detail ? ": " : "",
			a->tls.fail_detail ? a->tls.fail_detail : "");
	else if (st == MX_SEND_STAGE_POLICY && a->judged)
		fprintf(out, "%s: %s",
			mx_policy_decision_name(a->verdict.decision),
			a->verdict.why);
	else if (st == MX_SEND_STAGE_AUTH && a->auth_mech)
		fprintf(out, "%s ", a->auth_mech);
	if (st != MX_SEND_STAGE_TLS && st != MX_SEND_STAGE_POLICY)
		reply_line(out, &x->reply);
	fputc('\n', out);
	if (st == MX_SEND_STAGE_RCPT) {
		size_t i;

		for (i = 0; i < a->nrcpts; i++) {
			fprintf(out, "    %-7s %-5s %6lld ms  ", "",
				state_word(a->rcpts[i].st.step.state),
				(long long)a->rcpts[i].st.step.ms);
			reply_line(out, &a->rcpts[i].st.reply);
			fprintf(out, "  <%s>\n", a->rcpts[i].addr);
		}
	}
}

static const char *attempt_where(const struct mx_send_attempt *a, char *buf,
				 size_t len)
{
	return mx_where(buf, len, a->host, a->addr, (unsigned)a->port);
}

int mx_report_send_text(FILE *out, const struct mx_send_report *rep,
			const struct mx_send_text_opts *o)
{
	const struct mx_send_result *r = rep->r;
	const struct mx_send_attempt *a = mx_send_result_final(r);
	char where[600];
	size_t i;
	int color = o && o->color;

	if (r->delivered)
		fprintf(out, "%sDELIVERED%s to %s via %s, %s",
			mx_colour_code(color, MX_C_GREEN),
			mx_colour_reset(color, MX_C_GREEN),
			r->nexthop ? r->nexthop : "?",
			a ? attempt_where(a, where, sizeof(where)) : "?",
			r->encrypted ? "encrypted" : "in CLEAR TEXT");
	else
		fprintf(out, "%sNOT DELIVERED%s (%s, failed at %s) to %s",
			mx_colour_code(color, MX_C_RED),
			mx_colour_reset(color, MX_C_RED),
			mx_send_status_name(r->status),
			mx_send_stage_name(r->failed_stage),
			r->nexthop ? r->nexthop : "?");
	if (a && a->tls.completed)
		fprintf(out, " (%s, %s)", a->tls.version ? a->tls.version : "?",
			a->tls.suite_iana ? a->tls.suite_iana : "?");
	fputc('\n', out);
	if (r->error && !r->delivered)
		fprintf(out, "Reason:     %s\n", r->error);
	if (rep->message_id)
		fprintf(out, "Message-ID: %s\n", rep->message_id);
	if (rep->token)
		fprintf(out, "Token:      %s (header X-Mxprobe-Token)\n",
			rep->token);
	fprintf(out, "Policy:     %s", mx_tls_policy_name(r->policy));
	if (r->effective != r->policy)
		fprintf(out, " (acting as %s)",
			mx_tls_policy_name(r->effective));
	if (a && a->judged)
		fprintf(out, ": %s - %s",
			mx_policy_decision_name(a->verdict.decision),
			a->verdict.why);
	fputc('\n', out);
	if (a) {
		fprintf(out, "\nStages (%s):\n",
			attempt_where(a, where, sizeof(where)));
		for (i = MX_SEND_STAGE_CONNECT; i < MX_SEND_STAGE__N; i++)
			stage_row(out, a, (enum mx_send_stage)i, color);
	}
	if (r->nattempts > 1) {
		fprintf(out, "\nEndpoints tried:\n");
		for (i = 0; i < r->nattempts; i++) {
			const struct mx_send_attempt *x = &r->attempts[i];

			fprintf(out, "  %zu. %s  %s%s%s\n", i + 1,
				attempt_where(x, where, sizeof(where)),
				x->failed ? "failed at " : "ok",
				x->failed ? mx_send_stage_name(x->failed) : "",
				x->failed && x->temporary ? " (temporary)"
							  : "");
		}
	}
	if (rep->e2e_checked) {
		if (rep->e2e_found)
			fprintf(out,
				"\nEnd-to-end: arrived after %lld ms (%s)\n",
				(long long)rep->e2e_ms,
				rep->e2e_path ? rep->e2e_path : "");
		else
			fprintf(out, "\nEnd-to-end: NOT found in the mailbox "
				     "within the time allowed\n");
	}
	if (r->findings.n > 0) {
		const struct mx_finding **fs;
		size_t n;

		fs = mx_rep_sort_findings(&r->findings, &n);
		mx_out_findings(out, color, fs, n);
		free(fs);
	}
	if (o && o->transcript) {
		for (i = 0; i < r->nattempts; i++) {
			const struct mx_transcript *tx =
				&r->attempts[i].smtp.tx;
			size_t j;

			fprintf(out, "\nTranscript %s:\n",
				attempt_where(&r->attempts[i], where,
					      sizeof(where)));
			for (j = 0; j < tx->n; j++)
				fprintf(out, "  %6lld %s %s\n",
					(long long)tx->v[j].t_ms,
					tx->v[j].dir == MX_TX_SENT   ? "->"
					: tx->v[j].dir == MX_TX_RECV ? "<-"
								     : "**",
					tx->v[j].text);
		}
	}
	fprintf(out, "\nTotal %lld ms. Exit status %d%s%s\n",
		(long long)r->total_ms, rep->exit_status,
		rep->exit_reason ? ": " : "",
		rep->exit_reason ? rep->exit_reason : "");
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ----------------------------------------------------------------- */

struct jc {
	int err;
};

static json_t *js(struct jc *c, const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j == NULL) {
		/* not UTF-8 (should not happen: escaped) */
		char *safe = xstrdup(s);
		size_t i;

		for (i = 0; safe[i]; i++)
			if ((unsigned char)safe[i] >= 0x7f)
				safe[i] = '?';
		j = json_string(safe);
		free(safe);
	}
	if (j == NULL)
		c->err = 1;
	return j;
}

static void put(struct jc *c, json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		c->err = 1;
}

static void app(struct jc *c, json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		c->err = 1;
}

static json_t *jreply(struct jc *c, const struct mx_reply *r)
{
	json_t *o;

	if (r->code == 0)
		return json_null();
	o = json_object();
	put(c, o, "code", json_integer(r->code));
	put(c, o, "enhanced", js(c, r->enh));
	put(c, o, "text", js(c, r->text ? r->text : ""));
	return o;
}

static json_t *jverdict(struct jc *c, const struct mx_policy_verdict *v)
{
	json_t *o = json_object();

	put(c, o, "decision", js(c, mx_policy_decision_name(v->decision)));
	put(c, o, "effective", js(c, mx_tls_policy_name(v->effective)));
	put(c, o, "reason_id", js(c, v->reason_id));
	put(c, o, "why", js(c, v->why));
	return o;
}

static json_t *jfindings(struct jc *c, const struct mx_findings *fs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; fs && i < fs->n; i++) {
		const struct mx_finding *f = &fs->v[i];
		json_t *o = json_object();

		put(c, o, "id", js(c, f->def->id));
		put(c, o, "severity", js(c, mx_severity_name(f->severity)));
		put(c, o, "title", js(c, f->def->title));
		put(c, o, "where", js(c, f->where));
		put(c, o, "evidence", js(c, f->evidence));
		put(c, o, "fix", js(c, f->fix ? f->fix : f->def->fix));
		put(c, o, "reference", js(c, f->def->reference));
		app(c, a, o);
	}
	return a;
}

static json_t *jattempt(struct jc *c, const struct mx_send_attempt *a)
{
	json_t *o = json_object(), *st = json_array(), *rc = json_array(),
	       *tx = json_array(), *tls = json_object();
	size_t i;

	put(c, o, "host", js(c, a->host));
	put(c, o, "address", js(c, a->addr));
	put(c, o, "port", json_integer(a->port));
	put(c, o, "mode", js(c, mx_tls_mode_name(a->mode)));
	put(c, o, "preference",
	    a->pref >= 0 ? json_integer(a->pref) : json_null());
	put(c, o, "started_ms", json_integer(a->started_ms));
	put(c, o, "total_ms", json_integer(a->total_ms));
	put(c, o, "failed_stage", js(c, mx_send_stage_name(a->failed)));
	put(c, o, "temporary", json_boolean(a->temporary));
	put(c, o, "refusal", js(c, mx_send_refusal_name(a->refusal)));
	put(c, o, "auth_mechanism", js(c, a->auth_mech));
	put(c, o, "tlsa", js(c, mx_tlsa_state_name(a->tlsa)));
	put(c, o, "tlsa_records", json_integer((json_int_t)a->ntlsa));
	put(c, o, "policy", a->judged ? jverdict(c, &a->verdict) : json_null());
	put(c, tls, "attempted", json_boolean(a->tls.attempted));
	put(c, tls, "completed", json_boolean(a->tls.completed));
	put(c, tls, "version", js(c, a->tls.version));
	put(c, tls, "cipher", js(c, a->tls.suite_iana));
	put(c, tls, "failure",
	    a->tls.fail ? js(c, mx_tls_fail_name(a->tls.fail)) : json_null());
	put(c, tls, "failure_detail", js(c, a->tls.fail_detail));
	put(c, tls, "verify_code",
	    a->tls.verify_done ? json_integer(a->tls.verify_code)
			       : json_null());
	put(c, tls, "verify_error", js(c, a->tls.verify_error));
	put(c, tls, "certificates", json_integer((json_int_t)a->tls.chain.n));
	put(c, tls, "leaf_sha256",
	    js(c, a->tls.chain.n ? a->tls.chain.v[0].sha256 : NULL));
	put(c, o, "tls", tls);
	for (i = MX_SEND_STAGE_CONNECT; i < MX_SEND_STAGE__N; i++) {
		json_t *s = json_object();

		put(c, s, "stage", js(c, mx_send_stage_name(i)));
		put(c, s, "state",
		    js(c, mx_step_state_name(a->stage[i].step.state)));
		put(c, s, "ms", json_integer(a->stage[i].step.ms));
		put(c, s, "reply", jreply(c, &a->stage[i].reply));
		app(c, st, s);
	}
	put(c, o, "stages", st);
	for (i = 0; i < a->nrcpts; i++) {
		json_t *s = json_object();

		put(c, s, "address", js(c, a->rcpts[i].addr));
		put(c, s, "accepted", json_boolean(a->rcpts[i].accepted));
		put(c, s, "ms", json_integer(a->rcpts[i].st.step.ms));
		put(c, s, "reply", jreply(c, &a->rcpts[i].st.reply));
		app(c, rc, s);
	}
	put(c, o, "recipients", rc);
	for (i = 0; i < a->smtp.tx.n; i++) {
		json_t *s = json_object();
		const struct mx_tx_line *l = &a->smtp.tx.v[i];

		put(c, s, "t_ms", json_integer(l->t_ms));
		put(c, s, "dir",
		    js(c, l->dir == MX_TX_SENT	 ? "sent"
			  : l->dir == MX_TX_RECV ? "received"
						 : "note"));
		put(c, s, "text", js(c, l->text));
		app(c, tx, s);
	}
	put(c, o, "transcript", tx);
	return o;
}

static int dump(struct jc *c, FILE *out, json_t *root)
{
	int rc = -1;

	if (!c->err &&
	    json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 &&
	    fputc('\n', out) != EOF)
		rc = 0;
	json_decref(root);
	return rc;
}

int mx_report_send_json(FILE *out, const struct mx_send_report *rep)
{
	const struct mx_send_result *r = rep->r;
	const struct mx_send_attempt *fa = mx_send_result_final(r);
	struct jc c = {0};
	json_t *root = json_object(), *msg = json_object(),
	       *env = json_object(), *rc = json_array(), *at = json_array(),
	       *pol = json_object(), *e2e = json_object();
	char ts[40];
	size_t i;

	put(&c, root, "$schema", js(&c, MX_SEND_SCHEMA_ID));
	put(&c, root, "schema_version", json_integer(1));
	put(&c, root, "tool_version", js(&c, rep->tool_version));
	mx_rep_iso8601(rep->started, ts, sizeof(ts));
	put(&c, root, "started", js(&c, ts));
	put(&c, root, "nexthop", js(&c, r->nexthop));
	put(&c, root, "status", js(&c, mx_send_status_name(r->status)));
	put(&c, root, "exit_status", json_integer(rep->exit_status));
	put(&c, root, "delivered", json_boolean(r->delivered));
	put(&c, root, "encrypted", json_boolean(r->encrypted));
	put(&c, root, "permanent", json_boolean(r->permanent));
	put(&c, root, "failed_stage",
	    js(&c, mx_send_stage_name(r->failed_stage)));
	put(&c, root, "error", js(&c, r->error));
	put(&c, root, "total_ms", json_integer(r->total_ms));
	put(&c, pol, "level", js(&c, mx_tls_policy_name(r->policy)));
	put(&c, pol, "effective", js(&c, mx_tls_policy_name(r->effective)));
	put(&c, pol, "decision",
	    fa && fa->judged
		    ? js(&c, mx_policy_decision_name(fa->verdict.decision))
		    : json_null());
	put(&c, pol, "reason_id", js(&c, r->policy_reason_id));
	put(&c, pol, "why",
	    fa && fa->judged ? js(&c, fa->verdict.why) : json_null());
	put(&c, root, "policy", pol);
	put(&c, msg, "token", js(&c, rep->token));
	put(&c, msg, "message_id", js(&c, rep->message_id));
	put(&c, msg, "size", json_integer((json_int_t)r->message_len));
	put(&c, root, "message", msg);
	put(&c, env, "from", js(&c, rep->from));
	for (i = 0; i < rep->nrcpts; i++)
		app(&c, rc, js(&c, rep->rcpts[i]));
	put(&c, env, "recipients", rc);
	put(&c, root, "envelope", env);
	for (i = 0; i < r->nattempts; i++)
		app(&c, at, jattempt(&c, &r->attempts[i]));
	put(&c, root, "attempts", at);
	put(&c, root, "final_attempt",
	    r->nattempts ? json_integer((json_int_t)r->final) : json_null());
	put(&c, e2e, "checked", json_boolean(rep->e2e_checked));
	put(&c, e2e, "found", json_boolean(rep->e2e_found));
	put(&c, e2e, "ms",
	    rep->e2e_found ? json_integer(rep->e2e_ms) : json_null());
	put(&c, e2e, "path", js(&c, rep->e2e_path));
	put(&c, root, "end_to_end", e2e);
	put(&c, root, "findings", jfindings(&c, &r->findings));
	return dump(&c, out, root);
}

/* ---- policy table ------------------------------------------------------- */

int mx_report_policy_text(FILE *out, const struct mx_policy_report *rep,
			  int color)
{
	char where[MX_WHERE_MAX];
	size_t i, l;

	fprintf(out,
		"TLS policy levels for %s (Postfix "
		"smtp_tls_security_level semantics)\n",
		rep->target);
	for (i = 0; i < rep->nrows; i++) {
		const struct mx_policy_row *w = &rep->rows[i];

		fprintf(out, "\n%s",
			mx_where(where, sizeof(where), w->host, w->addr,
				 (unsigned)w->port));
		if (w->pref >= 0)
			fprintf(out, " (MX %d)", w->pref);
		if (w->tls_version)
			fprintf(out, "  %s %s", w->tls_version,
				w->tls_suite ? w->tls_suite : "");
		fprintf(out, "  TLSA: %s\n", mx_tlsa_state_name(w->tlsa));
		for (l = 0; l < MX_POLICY__N; l++) {
			const struct mx_policy_verdict *v = &w->v[l];
			enum mx_colour c =
				v->decision == MX_POLICY_DEFER ? MX_C_RED
				: v->decision == MX_POLICY_DELIVER_CLEAR
					? MX_C_YELLOW
					: MX_C_GREEN;
			const char *word =
				v->decision == MX_POLICY_DEFER ? "defer"
				: v->decision == MX_POLICY_DELIVER_CLEAR
					? "clear"
					: "encrypted";

			fprintf(out, "  %-12s %s%-9s%s %s\n",
				mx_tls_policy_name((enum mx_tls_policy)l),
				mx_colour_code(color, c), word,
				mx_colour_reset(color, c), v->why);
		}
	}
	if (rep->findings && rep->findings->n) {
		const struct mx_finding **fs;
		size_t n;

		fs = mx_rep_sort_findings(rep->findings, &n);
		mx_out_findings(out, color, fs, n);
		free(fs);
	}
	fprintf(out, "\nExit status %d\n", rep->exit_status);
	return ferror(out) ? -1 : 0;
}

int mx_report_policy_json(FILE *out, const struct mx_policy_report *rep)
{
	struct jc c = {0};
	json_t *root = json_object(), *rows = json_array();
	char ts[40];
	size_t i, l;

	put(&c, root, "$schema",
	    js(&c, "https://mxprobe.invalid/schema/policy/1"));
	put(&c, root, "schema_version", json_integer(1));
	put(&c, root, "tool_version", js(&c, rep->tool_version));
	mx_rep_iso8601(rep->started, ts, sizeof(ts));
	put(&c, root, "started", js(&c, ts));
	put(&c, root, "target", js(&c, rep->target));
	put(&c, root, "exit_status", json_integer(rep->exit_status));
	for (i = 0; i < rep->nrows; i++) {
		const struct mx_policy_row *w = &rep->rows[i];
		json_t *o = json_object(), *lv = json_object();

		put(&c, o, "host", js(&c, w->host));
		put(&c, o, "address", js(&c, w->addr));
		put(&c, o, "port", json_integer(w->port));
		put(&c, o, "preference",
		    w->pref >= 0 ? json_integer(w->pref) : json_null());
		put(&c, o, "tls_version", js(&c, w->tls_version));
		put(&c, o, "cipher", js(&c, w->tls_suite));
		put(&c, o, "tlsa", js(&c, mx_tlsa_state_name(w->tlsa)));
		for (l = 0; l < MX_POLICY__N; l++)
			put(&c, lv, mx_tls_policy_name((enum mx_tls_policy)l),
			    jverdict(&c, &w->v[l]));
		put(&c, o, "levels", lv);
		app(&c, rows, o);
	}
	put(&c, root, "endpoints", rows);
	put(&c, root, "findings", jfindings(&c, rep->findings));
	return dump(&c, out, root);
}
