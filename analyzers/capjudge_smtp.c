/*
 * capjudge_smtp.c - the SMTP rules of the capture judgement: replies
 * paired with the commands they answer, explained as the live probe and
 * send explain them (analyzers/smtp_failures.h).  See capjudge.h.
 */
#include "analyzers/capjudge.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "analyzers/capjudge_int.h"
#include "analyzers/smtp_failures.h"
#include "common/xalloc.h"
#include "wire/smtp.h"
#include "wire/tls_registry.h"

/* ---- SMTP ------------------------------------------------------------------ */

static int phase_of(const char *text)
{
	static const struct {
		const char *verb;
		int ph;
	} map[] = {
		{"EHLO", MX_PH_EHLO}, {"HELO", MX_PH_EHLO},
		{"LHLO", MX_PH_EHLO}, {"STARTTLS", MX_PH_STARTTLS},
		{"AUTH", MX_PH_AUTH}, {"MAIL", MX_PH_MAIL},
		{"RCPT", MX_PH_RCPT}, {"DATA", MX_PH_DATA},
		{"BDAT", MX_PH_DATA}, {"QUIT", MX_PH_QUIT},
	};
	char v[16];
	size_t i;

	if (strncmp(text, "[message", 8) == 0)
		return MX_PH_DATA; /* the final dot (capdec_smtp.c) */

	for (i = 0; i + 1 < sizeof(v) && text[i] && text[i] != ' '; i++)
		v[i] = (char)toupper((unsigned char)text[i]);
	v[i] = '\0';
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(v, map[i].verb) == 0)
			return map[i].ph;
	return -1;
}

static void explain(struct mx_findings *out, const char *where, int ph,
		    int code, const char *enh, const char *text)
{
	struct mx_reply r;
	const char *id;
	size_t i;

	if (ph < 0 || code < 400)
		return;
	memset(&r, 0, sizeof(r));
	r.code = code;
	r.nlines = 1;
	r.text = (char *)text;
	snprintf(r.enh, sizeof(r.enh), "%s", enh);
	id = mx_smtp_failure_id((enum mx_smtp_phase)ph, &r, NULL);
	if (id == NULL)
		return;
	for (i = 0; i < out->n; i++)
		if (strcmp(out->v[i].def->id, id) == 0 &&
		    strcmp(out->v[i].where, where ? where : "") == 0)
			return; /* one per id and session */
	mx_smtp_failure_explain(out, where, (enum mx_smtp_phase)ph, &r);
}

/* Replies paired with the commands they answer, as the live client
 * holds them (struct mx_reply: enhanced code apart, lines joined by
 * newlines without their codes). */
void cj_rule_smtp(const struct mx_capsess *s, struct mx_findings *out,
		  const char *where)
{
	int pend[16], greeted = 0, ehlo_ok = 0;
	size_t npend = 0, i;
	char text[1024] = "", enh[16] = "";

	for (i = 0; i < s->nsmtp && i < MX_CAP_MAX_SMTP; i++) {
		const struct mx_cap_smtp_line *l = &s->smtp_lines[i];
		const char *t = l->text ? l->text : "", *body;
		char e[16];
		size_t el;
		int ph, final;

		if (l->dir == 0) {
			if (strncmp(t, "[AUTH data withheld]", 20) == 0)
				continue;
			if (npend < sizeof(pend) / sizeof(pend[0]))
				pend[npend++] = phase_of(t);
			continue;
		}
		if (l->code == 0 || strlen(t) < 3)
			continue;
		final = t[3] != '-';
		body = t[3] ? t + 4 : "";
		el = mx_smtp_parse_enhanced(body, strlen(body), l->code, e);
		if (text[0] == '\0' && enh[0] == '\0' && el > 0)
			memcpy(enh, e, sizeof(enh));
		if (el > 0 && body[el] == ' ')
			body += el + 1;
		else if (el > 0 && body[el] == '\0')
			body += el;
		cj_cat(text, sizeof(text), "%s%s", text[0] ? "\n" : "", body);
		if (!final)
			continue;
		if (npend == 0) {
			ph = greeted ? -1 : MX_PH_GREETING;
		} else {
			ph = pend[0];
			if (l->code != 334) { /* 334: AUTH goes on */
				memmove(pend, pend + 1,
					(npend - 1) * sizeof(pend[0]));
				npend--;
			}
		}
		greeted = 1;
		if (ph == MX_PH_EHLO && l->code == 250)
			ehlo_ok = 1;
		explain(out, where, ph, l->code, enh, text);
		text[0] = enh[0] = '\0';
	}
	/* RFC 3207: an EHLO reply in the clear without STARTTLS. */
	if (ehlo_ok && !s->starttls_offered && !s->starttls_sent &&
	    !s->implicit_tls)
		mx_findings_add(out, "smtp.starttls_missing", where,
				"the EHLO reply does not list STARTTLS: this "
				"session ran in clear text%s",
				s->auth_seen ? ", AUTH included" : "");
}
