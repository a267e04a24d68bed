/*
 * panes.c - drill-down panes, part one: summary with the timed steps,
 * the chain as sent, suites by version, simulated clients.
 *
 * Contract: each pane fills a line buffer from the row only (the model
 * as src/ handed it over); it judges nothing (the analyzers did) and
 * prints nothing itself.  Peer text is in the model escaped already and
 * is sanitised again when drawn.  Missing facts say so in words ("not
 * enumerated: press e") instead of drawing an empty pane.
 */
#include <stdio.h>
#include <string.h>

#include "model/where.h"
#include "tui/tui_int.h"

void tui_fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

void tui_add_text(struct tui_lines *out, int attr, const char *prefix,
		  const char *text)
{
	const char *p = text ? text : "", *nl;

	do {
		nl = strchr(p, '\n');
		tui_lines_add(out, attr, "%s%.*s", prefix,
			      nl ? (int)(nl - p) : (int)strlen(p), p);
		p = nl ? nl + 1 : NULL;
	} while (p != NULL && *p != 0);
}

const char *tui_s(const char *s)
{
	return s && *s ? s : "-";
}

static int step_attr(enum mx_step_state s)
{
	return s == MX_STEP_FAILED ? TA_CRIT
	       : s == MX_STEP_OK   ? TA_NORMAL
				   : TA_DIM;
}

static void steps(const struct mx_endpoint *ep, struct tui_lines *out)
{
	const struct {
		const char *name;
		const struct mx_step *st;
	} t[] = {
		{"connect", &ep->smtp.connect},
		{"banner", &ep->smtp.banner},
		{"EHLO", &ep->smtp.ehlo},
		{"STARTTLS", &ep->smtp.starttls},
		{"TLS", &ep->smtp.tls},
		{"EHLO (TLS)", &ep->smtp.ehlo_tls},
		{"QUIT", &ep->smtp.quit},
	};
	size_t i;

	tui_lines_add(out, TA_TITLE, "Steps");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].st->state == MX_STEP_NOT_RUN ||
		    t[i].st->state == MX_STEP_SKIPPED)
			tui_lines_add(out, TA_DIM, "  %-11s %-8s", t[i].name,
				      mx_step_state_name(t[i].st->state));
		else
			tui_lines_add(out, step_attr(t[i].st->state),
				      "  %-11s %-8s %6lld ms", t[i].name,
				      mx_step_state_name(t[i].st->state),
				      (long long)t[i].st->ms);
	}
	tui_lines_add(out, TA_NORMAL, "  %-11s %-8s %6lld ms", "total", "",
		      (long long)ep->total_ms);
	if (ep->smtp.stop != MX_STOP_NONE)
		tui_lines_add(out, TA_CRIT, "  stopped: %s%s%s",
			      mx_stop_name(ep->smtp.stop),
			      ep->smtp.error ? ": " : "",
			      ep->smtp.error ? ep->smtp.error : "");
}

static void tls_summary(const struct mx_tls *t, struct tui_lines *out)
{
	int show_group;

	tui_lines_add(out, TA_TITLE, "TLS");
	if (!t->attempted) {
		tui_lines_add(out, TA_DIM, "  not attempted");
		return;
	}
	if (!t->completed) {
		tui_lines_add(out, TA_CRIT, "  failed: %s, alert %d%s%s",
			      mx_tls_fail_name(t->fail), t->alert,
			      t->fail_detail ? ": " : "",
			      t->fail_detail ? t->fail_detail : "");
		return;
	}
	tui_lines_add(out, TA_NORMAL, "  %s  %s%s%s%s", tui_s(t->version),
		      tui_s(t->suite_iana), t->suite_openssl ? " (" : "",
		      t->suite_openssl ? t->suite_openssl : "",
		      t->suite_openssl ? ")" : "");
	show_group = t->temp_key_type && t->temp_key_group &&
		     strcmp(t->temp_key_type, t->temp_key_group) != 0;
	if (t->temp_key_type != NULL)
		tui_lines_add(out,
			      strcmp(t->temp_key_type, "DH") == 0 &&
					      t->temp_key_bits < 2048
				      ? TA_CRIT
				      : TA_NORMAL,
			      "  temp key: %s%s%s, %d bits", t->temp_key_type,
			      show_group ? " " : "",
			      show_group ? t->temp_key_group : "",
			      t->temp_key_bits);
	tui_lines_add(out, TA_NORMAL, "  backend %s, SNI %s, handshake %lld ms",
		      tui_s(t->backend), tui_s(t->sni),
		      (long long)t->handshake_ms);
	if (t->verify_done)
		tui_lines_add(out, t->verify_code == 0 ? TA_OK : TA_CRIT,
			      "  verify: %s",
			      t->verify_code == 0 ? "ok"
						  : tui_s(t->verify_error));
}

void tui_pane_summary(const struct mx_tui_row *r, time_t now,
		      struct tui_lines *out)
{
	const struct mx_endpoint *ep = r->ep;
	char when[64], age[16], where[MX_WHERE_MAX], pref[40] = "";
	int known;
	long days = tui_row_days(r, now, &known);

	tui_fmt_time(r->last, when, sizeof(when));
	tui_age(now, r->last, age, sizeof(age));
	tui_lines_add(out, TA_NORMAL, "target   %s", tui_s(r->target));
	tui_lines_add(out, tui_state_attr(tui_row_state(r)), "state    %s%s%s",
		      tui_state_label(tui_row_state(r)), r->busy ? ": " : "",
		      r->busy ? r->busy : "");
	tui_lines_add(out, TA_NORMAL, "probed   %s (%s ago)", when, age);
	if (ep == NULL) {
		if (r->t != NULL)
			tui_lines_add(out, TA_NORMAL, "DNS      %s%s%s",
				      mx_dns_status_name(r->t->mx_status),
				      r->t->dns_error ? ": " : "",
				      r->t->dns_error ? r->t->dns_error : "");
		else
			tui_lines_add(out, TA_DIM, "no result yet");
		return;
	}
	if (ep->pref >= 0)
		snprintf(pref, sizeof(pref), "  MX preference %d", ep->pref);
	tui_lines_add(out, TA_NORMAL, "host     %s  %s%s",
		      mx_endpoint_where_buf(where, sizeof(where), ep),
		      mx_tls_mode_name(ep->mode), pref);
	if (known)
		tui_lines_add(out,
			      days <= 7	   ? TA_CRIT
			      : days <= 30 ? TA_WARN
					   : TA_NORMAL,
			      "cert     %ld days left", days);
	tui_lines_add(out, TA_NORMAL, "DANE     %s   MTA-STS %s",
		      mx_dane_state_name(ep->dane.state),
		      r->t ? mx_sts_state_name(r->t->sts.state) : "-");
	if (ep->smtp.greeting.code != 0)
		tui_lines_add(out, TA_NORMAL, "greeting %d %s",
			      ep->smtp.greeting.code,
			      tui_s(ep->smtp.greeting.text));
	steps(ep, out);
	tls_summary(&ep->tls, out);
}

static void cert_lines(const struct mx_cert *c, size_t i, time_t now,
		       struct tui_lines *out)
{
	char nb[64], na[64];
	long left = (long)(c->not_after - now) / 86400;
	size_t k;

	tui_fmt_time(c->not_before, nb, sizeof(nb));
	tui_fmt_time(c->not_after, na, sizeof(na));
	tui_lines_add(out, TA_TITLE, "#%zu %s", i, tui_s(c->subject));
	tui_lines_add(out, TA_NORMAL, "   issuer     %s", tui_s(c->issuer));
	tui_lines_add(out, TA_NORMAL, "   serial     %s", tui_s(c->serial));
	tui_lines_add(out, TA_NORMAL, "   not before %s", nb);
	tui_lines_add(out,
		      c->not_after < now ? TA_CRIT
		      : left <= 30	 ? TA_WARN
					 : TA_NORMAL,
		      "   not after  %s (%ld days)", na, left);
	tui_lines_add(out, TA_NORMAL, "   key        %s %d, %s",
		      tui_s(c->key_type), c->key_bits, tui_s(c->sig_alg));
	tui_lines_add(out, TA_NORMAL, "   sha256     %s", tui_s(c->sha256));
	for (k = 0; k < c->nsan_dns && k < 50; k++)
		tui_lines_add(out, TA_NORMAL, "   SAN        %s",
			      c->san_dns[k]);
	if (c->nsan_dns > 50)
		tui_lines_add(out, TA_DIM, "   (%zu more SANs)",
			      c->nsan_dns - 50);
	if (c->is_ca || c->self_signed)
		tui_lines_add(out, TA_NORMAL, "   %s%s", c->is_ca ? "CA " : "",
			      c->self_signed ? "self-signed" : "");
}

void tui_pane_chain(const struct mx_tui_row *r, time_t now,
		    struct tui_lines *out)
{
	const struct mx_tls *t = r->ep ? &r->ep->tls : NULL;
	size_t i;

	if (t == NULL || t->chain.n == 0) {
		tui_lines_add(out, TA_DIM, "no certificate was sent%s",
			      t && !t->completed ? " (no TLS session)" : "");
		return;
	}
	tui_lines_add(out, TA_NORMAL, "Chain as sent: %zu certificate%s%s",
		      t->chain.n, t->chain.n == 1 ? "" : "s",
		      t->chain_in_order ? "" : " (NOT in issuing order)");
	for (i = 0; i < t->chain.n; i++)
		cert_lines(&t->chain.v[i], i, now, out);
	if (!t->verify_done)
		return;
	if (t->verify_code == 0)
		tui_lines_add(out, TA_OK,
			      "verified against the trust store (chain of %d)",
			      t->verified_chain_len);
	else
		tui_lines_add(out, TA_CRIT, "verify error %ld at depth %d: %s",
			      t->verify_code, t->verify_depth,
			      tui_s(t->verify_error));
	if (t->verify_code != 0 && !t->top_issuer_in_store &&
	    !t->top_is_self_signed)
		tui_lines_add(out, TA_WARN,
			      "the issuer of the last certificate sent is not "
			      "in the trust store (missing intermediate?)");
}

static const char *ver_state(int s)
{
	return s == 1 ? "supported" : s == 0 ? "refused" : "unknown";
}

static void version_lines(const struct mx_enum_version *v, enum mx_enum_ver ev,
			  struct tui_lines *out)
{
	size_t i;

	tui_lines_add(out, v->state == 1 ? TA_TITLE : TA_DIM,
		      "%s: %s%s%s%s (%zu connections)", mx_enum_ver_name(ev),
		      ver_state(v->state),
		      v->state == 1 && v->server_order == 1   ? ", server order"
		      : v->state == 1 && v->server_order == 0 ? ", client order"
							      : "",
		      v->refusal ? ", " : "", v->refusal ? v->refusal : "",
		      v->connections);
	for (i = 0; i < v->n; i++) {
		const struct mx_enum_suite *s = &v->suites[i];
		int a = s->grade == MX_GRADE_INSECURE ? TA_CRIT
			: s->grade == MX_GRADE_WEAK   ? TA_WARN
						      : TA_NORMAL;
		char rank[16] = "-";

		if (s->rank >= 0)
			snprintf(rank, sizeof(rank), "%d", s->rank + 1);
		tui_lines_add(out, a, "  %3s %-40s %-6s %-9s %5d %s%s%s", rank,
			      s->iana ? s->iana : tui_s(s->openssl),
			      tui_s(s->kx),
			      tui_s(s->group ? s->group : s->dh_prime),
			      s->kx_bits, mx_suite_grade_name(s->grade),
			      s->grade_why ? ": " : "",
			      s->grade_why ? s->grade_why : "");
	}
	if (v->incomplete_reason)
		tui_lines_add(out, TA_WARN, "  incomplete: %s",
			      v->incomplete_reason);
}

void tui_pane_suites(const struct mx_tui_row *r, time_t now,
		     struct tui_lines *out)
{
	const struct mx_enum *e = r->ep ? r->ep->enumr : NULL;
	size_t i;
	int v;

	(void)now;
	if (e == NULL) {
		tui_lines_add(out, TA_DIM, "not enumerated: press e");
		return;
	}
	tui_lines_add(out, TA_NORMAL,
		      "enumerated in %lld ms with %zu connections",
		      (long long)e->ms, e->connections);
	for (v = MX_EV__N - 1; v >= 0; v--)
		version_lines(&e->v[v], (enum mx_enum_ver)v, out);
	if (e->ngroups > 0)
		tui_lines_add(out, TA_TITLE, "Groups");
	for (i = 0; i < e->ngroups; i++)
		tui_lines_add(out, TA_NORMAL, "  %-12s %d bits",
			      tui_s(e->groups[i].name), e->groups[i].kx_bits);
	if (e->incomplete)
		tui_lines_add(out, TA_WARN, "incomplete: %s",
			      tui_s(e->incomplete_reason));
	if (e->intolerant)
		tui_lines_add(out, TA_CRIT, "intolerant: %s (%s); try %s",
			      tui_s(e->intolerance_trigger),
			      tui_s(e->intolerance_reaction),
			      tui_s(e->intolerance_advice_openssl));
	if (e->untested)
		tui_lines_add(out, TA_WARN, "%s", e->untested);
}

/* The suite name from the enumeration (the probe copied it there). */
static const char *suite_name(const struct mx_enum *e, uint16_t id)
{
	size_t v, i;

	for (v = 0; v < MX_EV__N; v++)
		for (i = 0; i < e->v[v].n; i++)
			if (e->v[v].suites[i].id == id)
				return tui_s(e->v[v].suites[i].iana);
	return NULL;
}

void tui_pane_clients(const struct mx_tui_row *r, time_t now,
		      struct tui_lines *out)
{
	const struct mx_enum *e = r->ep ? r->ep->enumr : NULL;
	size_t i;

	(void)now;
	if (e == NULL || e->nclients == 0) {
		tui_lines_add(out, TA_DIM,
			      "no client simulation: press e (or run with "
			      "--deep)");
		return;
	}
	for (i = 0; i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];
		const char *sn = suite_name(e, c->suite);

		tui_lines_add(out, c->ok ? TA_NORMAL : TA_CRIT,
			      "%-44.44s %-4s %-8s %s%s%s",
			      c->name ? c->name : tui_s(c->profile),
			      c->ok ? "ok" : "FAIL", tui_s(c->version),
			      sn ? sn : "-", c->kx ? " " : "",
			      c->kx ? c->kx : "");
		if (!c->ok && c->why)
			tui_lines_add(out, TA_NORMAL, "    why: %s", c->why);
		if (c->confirmed == 0)
			tui_lines_add(out, TA_WARN,
				      "    a real handshake disagreed: %s",
				      tui_s(c->confirm_detail));
		if (c->advice_openssl)
			tui_lines_add(out, TA_NORMAL,
				      "    OpenSSL cipher string%s: %s",
				      c->advice_openssl_ok ? " (tested)" : "",
				      c->advice_openssl);
		if (c->advice_gnutls)
			tui_lines_add(out, TA_NORMAL,
				      "    GnuTLS priority%s: %s",
				      c->advice_gnutls_ok ? " (tested)" : "",
				      c->advice_gnutls);
	}
}
