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
#include "reports/jsonutil.h"
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
	if (x->cut)
		fprintf(out, " (cut: over the reply limit)");
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
	mx_out_fmt(out, "\nTotal %lld ms%s%s\n", (long long)r->total_ms,
		   rep->exit_reason ? ": " : "",
		   rep->exit_reason ? rep->exit_reason : "");
	if (o == NULL || !o->no_status)
		mx_out_status(out, color, rep->exit_status);
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *jreply(struct mx_jc *c, const struct mx_reply *r)
{
	json_t *o;

	if (r->code == 0)
		return mx_j_null(c);
	o = mx_j_obj(c);
	mx_j_set(c, o, "code", mx_j_int(c, r->code));
	mx_j_set(c, o, "enhanced", mx_j_str(c, r->enh));
	mx_j_set(c, o, "text", mx_j_str(c, r->text ? r->text : ""));
	return o;
}

static json_t *jverdict(struct mx_jc *c, const struct mx_policy_verdict *v)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "decision",
		 mx_j_str(c, mx_policy_decision_name(v->decision)));
	mx_j_set(c, o, "effective",
		 mx_j_str(c, mx_tls_policy_name(v->effective)));
	mx_j_set(c, o, "reason_id", mx_j_str(c, v->reason_id));
	mx_j_set(c, o, "why", mx_j_str(c, v->why));
	return o;
}

static json_t *jattempt(struct mx_jc *c, const struct mx_send_attempt *a)
{
	json_t *o = mx_j_obj(c), *st = mx_j_arr(c), *rc = mx_j_arr(c),
	       *tx = mx_j_arr(c), *tls = mx_j_obj(c);
	size_t i;

	mx_j_set(c, o, "host", mx_j_str(c, a->host));
	mx_j_set(c, o, "address", mx_j_str(c, a->addr));
	mx_j_set(c, o, "port", mx_j_int(c, a->port));
	mx_j_set(c, o, "mode", mx_j_str(c, mx_tls_mode_name(a->mode)));
	mx_j_set(c, o, "preference",
		 a->pref >= 0 ? mx_j_int(c, a->pref) : mx_j_null(c));
	mx_j_set(c, o, "started_ms", mx_j_int(c, a->started_ms));
	mx_j_set(c, o, "total_ms", mx_j_int(c, a->total_ms));
	mx_j_set(c, o, "failed_stage",
		 mx_j_str(c, mx_send_stage_name(a->failed)));
	mx_j_set(c, o, "temporary", mx_j_bool(c, a->temporary));
	mx_j_set(c, o, "refusal",
		 mx_j_str(c, mx_send_refusal_name(a->refusal)));
	mx_j_set(c, o, "auth_mechanism", mx_j_str(c, a->auth_mech));
	mx_j_set(c, o, "tlsa", mx_j_str(c, mx_tlsa_state_name(a->tlsa)));
	mx_j_set(c, o, "tlsa_records", mx_j_int(c, (long long)a->ntlsa));
	mx_j_set(c, o, "policy",
		 a->judged ? jverdict(c, &a->verdict) : mx_j_null(c));
	mx_j_set(c, tls, "attempted", mx_j_bool(c, a->tls.attempted));
	mx_j_set(c, tls, "completed", mx_j_bool(c, a->tls.completed));
	mx_j_set(c, tls, "version", mx_j_str(c, a->tls.version));
	mx_j_set(c, tls, "cipher", mx_j_str(c, a->tls.suite_iana));
	mx_j_set(c, tls, "failure",
		 a->tls.fail ? mx_j_str(c, mx_tls_fail_name(a->tls.fail))
			     : mx_j_null(c));
	mx_j_set(c, tls, "failure_detail", mx_j_str(c, a->tls.fail_detail));
	mx_j_set(c, tls, "verify_code",
		 a->tls.verify_done ? mx_j_int(c, a->tls.verify_code)
				    : mx_j_null(c));
	mx_j_set(c, tls, "verify_error", mx_j_str(c, a->tls.verify_error));
	mx_j_set(c, tls, "certificates",
		 mx_j_int(c, (long long)a->tls.chain.n));
	mx_j_set(c, tls, "leaf_sha256",
		 mx_j_str(c, a->tls.chain.n ? a->tls.chain.v[0].sha256 : NULL));
	mx_j_set(c, o, "tls", tls);
	for (i = MX_SEND_STAGE_CONNECT; i < MX_SEND_STAGE__N; i++) {
		json_t *s = mx_j_obj(c);

		mx_j_set(c, s, "stage", mx_j_str(c, mx_send_stage_name(i)));
		mx_j_set(c, s, "state",
			 mx_j_str(c,
				  mx_step_state_name(a->stage[i].step.state)));
		mx_j_set(c, s, "ms", mx_j_int(c, a->stage[i].step.ms));
		mx_j_set(c, s, "reply", jreply(c, &a->stage[i].reply));
		mx_j_push(c, st, s);
	}
	mx_j_set(c, o, "stages", st);
	for (i = 0; i < a->nrcpts; i++) {
		json_t *s = mx_j_obj(c);

		mx_j_set(c, s, "address", mx_j_str(c, a->rcpts[i].addr));
		mx_j_set(c, s, "accepted", mx_j_bool(c, a->rcpts[i].accepted));
		mx_j_set(c, s, "ms", mx_j_int(c, a->rcpts[i].st.step.ms));
		mx_j_set(c, s, "reply", jreply(c, &a->rcpts[i].st.reply));
		mx_j_push(c, rc, s);
	}
	mx_j_set(c, o, "recipients", rc);
	for (i = 0; i < a->smtp.tx.n; i++) {
		json_t *s = mx_j_obj(c);
		const struct mx_tx_line *l = &a->smtp.tx.v[i];

		mx_j_set(c, s, "t_ms", mx_j_int(c, l->t_ms));
		mx_j_set(c, s, "dir",
			 mx_j_str(c, l->dir == MX_TX_SENT   ? "sent"
				     : l->dir == MX_TX_RECV ? "received"
							    : "note"));
		mx_j_set(c, s, "text", mx_j_str(c, l->text));
		mx_j_push(c, tx, s);
	}
	mx_j_set(c, o, "transcript", tx);
	return o;
}

int mx_report_send_json(FILE *out, const struct mx_send_report *rep)
{
	const struct mx_send_result *r = rep->r;
	const struct mx_send_attempt *fa = mx_send_result_final(r);
	struct mx_jc c = {0};
	json_t *root, *msg = mx_j_obj(&c), *env = mx_j_obj(&c),
		      *rc = mx_j_arr(&c), *at = mx_j_arr(&c),
		      *pol = mx_j_obj(&c), *e2e = mx_j_obj(&c);
	size_t i;

	root = mx_j_envelope(&c, "send", MX_SEND_SCHEMA_VERSION,
			     rep->tool_version, rep->started, rep->exit_status);
	mx_j_set(&c, root, "nexthop", mx_j_str(&c, r->nexthop));
	/* the delivery's own outcome (delivered, tempfail, ...); "status"
	 * is the envelope's */
	mx_j_set(&c, root, "delivery",
		 mx_j_str(&c, mx_send_status_name(r->status)));
	mx_j_set(&c, root, "delivered", mx_j_bool(&c, r->delivered));
	mx_j_set(&c, root, "encrypted", mx_j_bool(&c, r->encrypted));
	mx_j_set(&c, root, "permanent", mx_j_bool(&c, r->permanent));
	mx_j_set(&c, root, "failed_stage",
		 mx_j_str(&c, mx_send_stage_name(r->failed_stage)));
	mx_j_set(&c, root, "error", mx_j_str(&c, r->error));
	mx_j_set(&c, root, "total_ms", mx_j_int(&c, r->total_ms));
	mx_j_set(&c, pol, "level", mx_j_str(&c, mx_tls_policy_name(r->policy)));
	mx_j_set(&c, pol, "effective",
		 mx_j_str(&c, mx_tls_policy_name(r->effective)));
	mx_j_set(&c, pol, "decision",
		 fa && fa->judged ? mx_j_str(&c, mx_policy_decision_name(
							 fa->verdict.decision))
				  : mx_j_null(&c));
	mx_j_set(&c, pol, "reason_id", mx_j_str(&c, r->policy_reason_id));
	mx_j_set(&c, pol, "why",
		 fa && fa->judged ? mx_j_str(&c, fa->verdict.why)
				  : mx_j_null(&c));
	mx_j_set(&c, root, "policy", pol);
	mx_j_set(&c, msg, "token", mx_j_str(&c, rep->token));
	mx_j_set(&c, msg, "message_id", mx_j_str(&c, rep->message_id));
	mx_j_set(&c, msg, "size", mx_j_int(&c, (long long)r->message_len));
	mx_j_set(&c, root, "message", msg);
	mx_j_set(&c, env, "from", mx_j_str(&c, rep->from));
	for (i = 0; i < rep->nrcpts; i++)
		mx_j_push(&c, rc, mx_j_str(&c, rep->rcpts[i]));
	mx_j_set(&c, env, "recipients", rc);
	mx_j_set(&c, root, "envelope", env);
	for (i = 0; i < r->nattempts; i++)
		mx_j_push(&c, at, jattempt(&c, &r->attempts[i]));
	mx_j_set(&c, root, "attempts", at);
	mx_j_set(&c, root, "final_attempt",
		 r->nattempts ? mx_j_int(&c, (long long)r->final)
			      : mx_j_null(&c));
	mx_j_set(&c, e2e, "checked", mx_j_bool(&c, rep->e2e_checked));
	mx_j_set(&c, e2e, "found", mx_j_bool(&c, rep->e2e_found));
	mx_j_set(&c, e2e, "ms",
		 rep->e2e_found ? mx_j_int(&c, rep->e2e_ms) : mx_j_null(&c));
	mx_j_set(&c, e2e, "path", mx_j_str(&c, rep->e2e_path));
	mx_j_set(&c, root, "end_to_end", e2e);
	mx_j_set(&c, root, "findings", mx_j_findings(&c, &r->findings));
	return mx_j_dump(&c, out, root);
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
	mx_out_status(out, color, rep->exit_status);
	return ferror(out) ? -1 : 0;
}

int mx_report_policy_json(FILE *out, const struct mx_policy_report *rep)
{
	struct mx_jc c = {0};
	json_t *root, *rows = mx_j_arr(&c);
	size_t i, l;

	root = mx_j_envelope(&c, "policy", MX_POLICY_SCHEMA_VERSION,
			     rep->tool_version, rep->started, rep->exit_status);
	mx_j_set(&c, root, "target", mx_j_str(&c, rep->target));
	for (i = 0; i < rep->nrows; i++) {
		const struct mx_policy_row *w = &rep->rows[i];
		json_t *o = mx_j_obj(&c), *lv = mx_j_obj(&c);

		mx_j_set(&c, o, "host", mx_j_str(&c, w->host));
		mx_j_set(&c, o, "address", mx_j_str(&c, w->addr));
		mx_j_set(&c, o, "port", mx_j_int(&c, w->port));
		mx_j_set(&c, o, "preference",
			 w->pref >= 0 ? mx_j_int(&c, w->pref) : mx_j_null(&c));
		mx_j_set(&c, o, "tls_version", mx_j_str(&c, w->tls_version));
		mx_j_set(&c, o, "cipher", mx_j_str(&c, w->tls_suite));
		mx_j_set(&c, o, "tlsa",
			 mx_j_str(&c, mx_tlsa_state_name(w->tlsa)));
		for (l = 0; l < MX_POLICY__N; l++)
			mx_j_set(&c, lv,
				 mx_tls_policy_name((enum mx_tls_policy)l),
				 jverdict(&c, &w->v[l]));
		mx_j_set(&c, o, "levels", lv);
		mx_j_push(&c, rows, o);
	}
	mx_j_set(&c, root, "endpoints", rows);
	mx_j_set(&c, root, "findings", mx_j_findings(&c, rep->findings));
	return mx_j_dump(&c, out, root);
}
