/*
 * suites.c - judgement of a cipher enumeration; see suites.h.
 *
 * Order of work: grade every accepted suite (a table of insecure
 * properties first, then key exchange strength, forward secrecy, MAC,
 * mode), then the rules, each emitting at most one finding per id for
 * the endpoint with the suites it concerns listed per version:
 *   rule_versions   version.sslv3 / tls10 / tls11 (table), no_tls13
 *   rule_insecure   suite.insecure, reasons grouped (table)
 *   rule_dh         kex.dh_1024 / kex.dh_weak_group, kex.dh_common_prime
 *                   (authenticated DHE only: an anonymous key exchange
 *                   is broken before its group size matters)
 *   rule_no_fs      suite.no_forward_secrecy
 *   rule_cbc        suite.cbc_legacy
 *   rule_order      order.client_preference
 *   rule_incomplete enum.incomplete
 * One root cause, one finding: a suite graded insecure is listed under
 * suite.insecure only, not again as lacking forward secrecy or as CBC.
 *
 * Evidence is our own ASCII plus model strings (escaped already).
 */
#include "analyzers/suites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "wire/tls_registry.h"

#define LIST_MAX 6 /* suites named per version before "and N more" */

struct sctx {
	struct mx_endpoint *ep;
	struct mx_enum *e;
	const struct mx_analyze_params *p;
	const char *where;
	enum mx_severity worst;
	int opportunistic; /* STARTTLS on port 25: an MX */
};

static struct mx_finding *add(struct sctx *c, const char *id,
			      enum mx_severity sev, const char *fix,
			      const char *ev)
{
	struct mx_finding *f;

	f = mx_findings_add(&c->ep->findings, id, c->where, "%s", ev);
	if (sev != MX_SEV_OK)
		f->severity = sev;
	if (fix != NULL)
		mx_finding_set_fix(f, "%s", fix);
	c->worst = mx_severity_worse(c->worst, f->severity);
	return f;
}

static const char *label(const struct mx_enum_suite *s)
{
	return s->openssl ? s->openssl : s->iana ? s->iana : "?";
}

static char *take(struct mx_buf *b)
{
	char *r = (char *)mx_buf_take(b, NULL);

	return r ? r : xstrdup("");
}

/* ---- grades ------------------------------------------------------------ */

/* Registry properties that make a suite insecure, and how bad each is
 * for suite.insecure (RFC 7465 RC4; RFC 7525 §4.1 NULL, anon, export,
 * < 112-bit ciphers; Sweet32 for 64-bit blocks). */
static const struct insecure_row {
	uint32_t flag;
	const char *why;
	const char *token; /* OpenSSL cipher string to exclude it */
	enum mx_severity sev;
} insecure_rows[] = {
	{MX_SUITE_NULL, "no encryption (NULL)", "eNULL", MX_SEV_CRIT},
	{MX_SUITE_EXPORT, "export grade", "EXPORT", MX_SEV_CRIT},
	{MX_SUITE_RC4, "RC4", "RC4", MX_SEV_CRIT},
	{MX_SUITE_RC2, "RC2", "RC2", MX_SEV_CRIT},
	{MX_SUITE_DES, "single DES", "DES", MX_SEV_CRIT},
	{MX_SUITE_3DES, "3DES (64-bit blocks, Sweet32)", "3DES", MX_SEV_WARN},
	{MX_SUITE_ANON, "anonymous (no server authentication)", "aNULL",
	 MX_SEV_WARN},
};
#define NINSECURE (sizeof(insecure_rows) / sizeof(insecure_rows[0]))

static const struct insecure_row *insecure_of(const struct mx_suite *su)
{
	size_t i;

	for (i = 0; su != NULL && i < NINSECURE; i++)
		if (su->flags & insecure_rows[i].flag)
			return &insecure_rows[i];
	return NULL;
}

static int is_dh(const struct mx_enum_suite *s)
{
	return s->kx != NULL && strcmp(s->kx, "DH") == 0 && s->kx_bits > 0;
}

static int is_ec(const struct mx_enum_suite *s)
{
	return s->kx != NULL && strncmp(s->kx, "ECDH", 4) == 0 &&
	       s->kx_bits > 0;
}

static void set_grade(struct mx_enum_suite *s, int g, const char *why)
{
	free(s->grade_why);
	s->grade = g;
	s->grade_why = why ? xstrdup(why) : NULL;
}

static void grade(struct sctx *c, enum mx_enum_ver v, struct mx_enum_suite *s)
{
	const struct mx_suite *su = mx_suite_by_id(s->id);
	const struct insecure_row *r = insecure_of(su);
	char why[64];

	if (su == NULL) {
		set_grade(s, MX_GRADE_WEAK, "not in the registry");
		return;
	}
	if (r != NULL) {
		set_grade(s, MX_GRADE_INSECURE, r->why);
		return;
	}
	if (is_dh(s) && s->kx_bits <= c->p->dh_crit_bits) {
		snprintf(why, sizeof(why), "DH %d", s->kx_bits);
		set_grade(s, MX_GRADE_INSECURE, why);
		return;
	}
	if (v != MX_EV_TLS13 && !(su->flags & MX_SUITE_FS)) {
		set_grade(s, MX_GRADE_WEAK, "no forward secrecy");
		return;
	}
	if (is_dh(s) && s->kx_bits < c->p->dh_min_bits) {
		snprintf(why, sizeof(why), "DH %d", s->kx_bits);
		set_grade(s, MX_GRADE_WEAK, why);
		return;
	}
	if (is_ec(s) && s->kx_bits < c->p->ec_min_bits) {
		snprintf(why, sizeof(why), "EC %d", s->kx_bits);
		set_grade(s, MX_GRADE_WEAK, why);
		return;
	}
	if (su->flags & MX_SUITE_MD5) {
		set_grade(s, MX_GRADE_WEAK, "HMAC-MD5");
		return;
	}
	if (!(su->flags & MX_SUITE_AEAD)) {
		set_grade(s, MX_GRADE_OK, "CBC");
		return;
	}
	set_grade(s, MX_GRADE_GOOD, NULL);
}

/* ---- lists ------------------------------------------------------------- */

/* "TLSv1.2: A, B and 3 more; TLSv1: C" of the suites pred() selects. */
typedef int (*suite_pred)(struct sctx *c, enum mx_enum_ver v,
			  const struct mx_enum_suite *s, const void *arg);

static size_t list_suites(struct sctx *c, struct mx_buf *b, suite_pred pred,
			  const void *arg)
{
	size_t total = 0;
	int v;

	for (v = MX_EV__N - 1; v >= 0; v--) {
		const struct mx_enum_version *ver = &c->e->v[v];
		size_t i, n = 0;

		for (i = 0; i < ver->n; i++) {
			if (!pred(c, v, &ver->suites[i], arg))
				continue;
			if (n == 0)
				mx_buf_printf(b, "%s%s: ", total ? "; " : "",
					      mx_enum_ver_name(v));
			if (n < LIST_MAX)
				mx_buf_printf(b, "%s%s", n ? ", " : "",
					      label(&ver->suites[i]));
			n++;
		}
		if (n > LIST_MAX)
			mx_buf_printf(b, " and %zu more", n - LIST_MAX);
		total += n;
	}
	return total;
}

/* ---- rules: versions ------------------------------------------------------ */

static const struct ver_row {
	enum mx_enum_ver v;
	const char *id;
	const char *rfc;
} ver_rows[] = {
	{MX_EV_SSL3, "version.sslv3", "RFC 7568 forbids it"},
	{MX_EV_TLS10, "version.tls10", "deprecated by RFC 8996"},
	{MX_EV_TLS11, "version.tls11", "deprecated by RFC 8996"},
};

static void rule_versions(struct sctx *c)
{
	const struct mx_enum_version *t13 = &c->e->v[MX_EV_TLS13];
	char ev[400];
	size_t i;
	int best = -1, v;

	for (i = 0; i < sizeof(ver_rows) / sizeof(ver_rows[0]); i++) {
		const struct mx_enum_version *ver = &c->e->v[ver_rows[i].v];

		if (ver->state != 1)
			continue;
		snprintf(ev, sizeof(ev),
			 "a %s ClientHello was accepted (%zu suites, first "
			 "%s); %s",
			 mx_enum_ver_name(ver_rows[i].v), ver->n,
			 ver->n ? label(&ver->suites[0]) : "none",
			 ver_rows[i].rfc);
		add(c, ver_rows[i].id, MX_SEV_OK, NULL, ev);
	}
	if (t13->state != 0)
		return;
	for (v = MX_EV_TLS12; v >= 0 && best < 0; v--)
		if (c->e->v[v].state == 1)
			best = v;
	snprintf(ev, sizeof(ev),
		 "a TLS 1.3 ClientHello got %s; the best version offered is "
		 "%s",
		 t13->refusal ? t13->refusal : "a refusal",
		 best >= 0 ? mx_enum_ver_name(best) : "none");
	add(c, "version.no_tls13", MX_SEV_OK, NULL, ev);
}

/* ---- rules: insecure suites ----------------------------------------------- */

static int pred_insecure_row(struct sctx *c, enum mx_enum_ver v,
			     const struct mx_enum_suite *s, const void *arg)
{
	(void)c;
	(void)v;
	return insecure_of(mx_suite_by_id(s->id)) == arg;
}

static void rule_insecure(struct sctx *c)
{
	struct mx_buf ev, pf, os;
	enum mx_severity sev = MX_SEV_OK;
	size_t i, nreasons = 0;
	char *e, *fix;
	int anon_dh_bits = 0, v;

	mx_buf_init(&ev, 0);
	mx_buf_init(&pf, 0);
	mx_buf_init(&os, 0);
	for (i = 0; i < NINSECURE; i++) {
		const struct insecure_row *r = &insecure_rows[i];
		enum mx_severity rs = r->sev;
		struct mx_buf one;
		size_t n, k;
		char *l;

		mx_buf_init(&one, 0);
		mx_buf_push(&one, "", 0);
		n = list_suites(c, &one, pred_insecure_row, r);
		l = take(&one);
		if (n == 0) {
			free(l);
			continue;
		}
		if (r->flag == MX_SUITE_ANON) {
			/* RFC 7435: opportunistic TLS on an MX is not
			 * authenticated anyway; Postfix offers aNULL there
			 * on purpose. */
			if (c->opportunistic)
				rs = MX_SEV_INFO;
			for (v = 0; v < MX_EV__N; v++)
				for (k = 0; k < c->e->v[v].n; k++) {
					const struct mx_enum_suite *s =
						&c->e->v[v].suites[k];

					if (pred_insecure_row(c, v, s, r) &&
					    is_dh(s) &&
					    (anon_dh_bits == 0 ||
					     s->kx_bits < anon_dh_bits))
						anon_dh_bits = s->kx_bits;
				}
		}
		mx_buf_printf(&ev, "%s%s: %s", nreasons ? " | " : "", r->why,
			      l);
		if (r->flag == MX_SUITE_ANON && anon_dh_bits > 0)
			mx_buf_printf(&ev, " (anonymous DH down to %d bits)",
				      anon_dh_bits);
		if (r->flag == MX_SUITE_ANON && c->opportunistic)
			mx_buf_printf(&ev, " (port 25: opportunistic TLS, "
					   "Postfix's default; verifying "
					   "senders never offer these)");
		mx_buf_printf(&pf, "%s%s", nreasons ? ", " : "", r->token);
		mx_buf_printf(&os, ":!%s", r->token);
		free(l);
		nreasons++;
		sev = mx_severity_worse(sev, rs);
	}
	if (nreasons > 0) {
		char *t = take(&pf), *o = take(&os);

		e = take(&ev);
		fix = xasprintf("Remove them from the server's cipher list "
				"(Postfix: smtpd_tls_exclude_ciphers = %s; an "
				"OpenSSL cipher string: append %s).",
				t, o);
		add(c, "suite.insecure", sev, fix, e);
		free(fix);
		free(e);
		free(t);
		free(o);
		return;
	}
	mx_buf_free(&ev);
	mx_buf_free(&pf);
	mx_buf_free(&os);
}

/* ---- rules: DH groups ------------------------------------------------------ */

static int authenticated_dhe(const struct mx_enum_suite *s)
{
	const struct mx_suite *su = mx_suite_by_id(s->id);

	return su != NULL && is_dh(s) && !(su->flags & MX_SUITE_ANON);
}

static int pred_dh_below(struct sctx *c, enum mx_enum_ver v,
			 const struct mx_enum_suite *s, const void *arg)
{
	(void)c;
	(void)v;
	return authenticated_dhe(s) && s->kx_bits < *(const int *)arg;
}

/* The version where ECDHE is preferred to DHE, if the server says so. */
static int ecdhe_first(struct sctx *c, enum mx_enum_ver *out,
		       const char **ec_group)
{
	int v;

	for (v = MX_EV_TLS12; v >= 0; v--) {
		const struct mx_enum_version *ver = &c->e->v[v];
		size_t i;

		if (ver->state != 1 || ver->server_order != 1)
			continue;
		for (i = 0; i < ver->n; i++) {
			const struct mx_enum_suite *s = &ver->suites[i];

			if (authenticated_dhe(s))
				break;
			if (is_ec(s)) {
				*out = v;
				*ec_group = s->group ? s->group : "?";
				return 1;
			}
		}
	}
	return 0;
}

static void rule_dh(struct sctx *c)
{
	const struct mx_enum_suite *weakest = NULL;
	const struct mx_enum_suite *common = NULL;
	struct mx_buf ev;
	enum mx_enum_ver ecv = MX_EV_TLS12;
	const char *ecg = NULL;
	int v, limit;
	size_t i;
	char *e, *l;

	for (v = 0; v < MX_EV__N; v++)
		for (i = 0; i < c->e->v[v].n; i++) {
			const struct mx_enum_suite *s = &c->e->v[v].suites[i];

			if (!authenticated_dhe(s))
				continue;
			if (weakest == NULL || s->kx_bits < weakest->kx_bits)
				weakest = s;
			if (s->dh_prime != NULL && s->kx_bits <= 1024 &&
			    common == NULL)
				common = s;
		}
	if (weakest == NULL || weakest->kx_bits >= c->p->dh_min_bits)
		return;
	limit = weakest->kx_bits <= c->p->dh_crit_bits ? c->p->dh_crit_bits + 1
						       : c->p->dh_min_bits;
	mx_buf_init(&ev, 0);
	mx_buf_printf(&ev, "DHE suites get DH %d (%s%s%s): ", weakest->kx_bits,
		      weakest->dh_prime ? weakest->dh_prime : "a custom prime",
		      weakest->dh_safe_prime == 1   ? ", a safe prime"
		      : weakest->dh_safe_prime == 0 ? ", NOT a safe prime"
						    : "",
		      "");
	{
		struct mx_buf one;

		mx_buf_init(&one, 0);
		mx_buf_push(&one, "", 0);
		list_suites(c, &one, pred_dh_below, &limit);
		l = take(&one);
		mx_buf_push_str(&ev, l);
		free(l);
	}
	if (ecdhe_first(c, &ecv, &ecg))
		mx_buf_printf(&ev,
			      ". The server prefers ECDHE (%s): a client that "
			      "offers ECDHE gets ECDH %s, one that offers only "
			      "DHE gets DH %d",
			      mx_enum_ver_name(ecv), ecg, weakest->kx_bits);
	if (weakest->kx_bits <= c->p->dh_crit_bits)
		mx_buf_printf(&ev, ". OpenSSL clients at security level 2 "
				   "abort such a handshake with 'dh key too "
				   "small'");
	e = take(&ev);
	add(c,
	    weakest->kx_bits <= c->p->dh_crit_bits ? "kex.dh_1024"
						   : "kex.dh_weak_group",
	    MX_SEV_OK, NULL, e);
	free(e);
	if (common != NULL) {
		e = xasprintf("%s (%d bits) is a published prime that many "
			      "servers share: one precomputation breaks all "
			      "their key exchanges (Logjam); seen with %s",
			      common->dh_prime, common->kx_bits, label(common));
		add(c, "kex.dh_common_prime", MX_SEV_OK, NULL, e);
		free(e);
	}
}

/* ---- rules: forward secrecy, CBC -------------------------------------------- */

static int pred_no_fs(struct sctx *c, enum mx_enum_ver v,
		      const struct mx_enum_suite *s, const void *arg)
{
	(void)c;
	(void)arg;
	return v != MX_EV_TLS13 && s->grade == MX_GRADE_WEAK && s->grade_why &&
	       strcmp(s->grade_why, "no forward secrecy") == 0;
}

static void rule_no_fs(struct sctx *c)
{
	struct mx_buf ev;
	size_t n;
	int v;
	char *e;

	mx_buf_init(&ev, 0);
	mx_buf_push(&ev, "", 0);
	n = list_suites(c, &ev, pred_no_fs, NULL);
	for (v = MX_EV_TLS12; v >= 0 && n > 0; v--) {
		const struct mx_enum_version *ver = &c->e->v[v];

		if (ver->state != 1 || ver->n == 0)
			continue;
		if (ver->server_order == 1 &&
		    pred_no_fs(c, v, &ver->suites[0], NULL))
			mx_buf_printf(&ev,
				      ". The server's first choice in %s "
				      "is %s, without forward secrecy",
				      mx_enum_ver_name(v),
				      label(&ver->suites[0]));
		break;
	}
	e = take(&ev);
	if (n > 0)
		add(c, "suite.no_forward_secrecy", MX_SEV_OK, NULL, e);
	free(e);
}

static int pred_cbc(struct sctx *c, enum mx_enum_ver v,
		    const struct mx_enum_suite *s, const void *arg)
{
	const struct mx_suite *su = mx_suite_by_id(s->id);

	(void)c;
	(void)arg;
	return v != MX_EV_TLS13 && su != NULL && (su->flags & MX_SUITE_CBC) &&
	       s->grade != MX_GRADE_INSECURE;
}

static void rule_cbc(struct sctx *c)
{
	struct mx_buf ev;
	enum mx_severity sev = MX_SEV_OK; /* catalogue: info */
	size_t n, i;
	int v, aead = 0;
	char *e;

	mx_buf_init(&ev, 0);
	mx_buf_push(&ev, "", 0);
	n = list_suites(c, &ev, pred_cbc, NULL);
	if (n == 0) {
		mx_buf_free(&ev);
		return;
	}
	for (v = 0; v < MX_EV__N; v++)
		for (i = 0; i < c->e->v[v].n; i++) {
			const struct mx_suite *su =
				mx_suite_by_id(c->e->v[v].suites[i].id);

			if (su && (su->flags & MX_SUITE_AEAD))
				aead = 1;
		}
	/* Worse when a modern client gets CBC: the server picks it first in
	 * its best version below TLS 1.3, or has nothing else. */
	for (v = MX_EV_TLS12; v >= 0; v--) {
		const struct mx_enum_version *ver = &c->e->v[v];

		if (ver->state != 1 || ver->n == 0)
			continue;
		if (ver->server_order == 1 &&
		    pred_cbc(c, v, &ver->suites[0], NULL) &&
		    c->e->v[MX_EV_TLS13].state != 1) {
			mx_buf_printf(&ev,
				      ". The server's first choice in %s "
				      "is CBC (%s)",
				      mx_enum_ver_name(v),
				      label(&ver->suites[0]));
			sev = MX_SEV_WARN;
		}
		break;
	}
	if (!aead) {
		mx_buf_printf(&ev, ". No AEAD suite is offered at all");
		sev = MX_SEV_WARN;
	}
	e = take(&ev);
	add(c, "suite.cbc_legacy", sev, NULL, e);
	free(e);
}

/* ---- rules: order, completeness -------------------------------------------- */

static void rule_order(struct sctx *c)
{
	struct mx_buf ev;
	enum mx_severity sev = MX_SEV_OK;
	const struct mx_enum_suite *bad = NULL;
	size_t n = 0, i;
	int v;
	char *e;

	mx_buf_init(&ev, 0);
	mx_buf_push(&ev, "", 0);
	for (v = MX_EV__N - 1; v >= 0; v--) {
		const struct mx_enum_version *ver = &c->e->v[v];

		if (ver->state != 1 || ver->server_order != 0 || ver->n < 2)
			continue;
		mx_buf_printf(&ev, "%s%s", n ? ", " : "", mx_enum_ver_name(v));
		n++;
		for (i = 0; i < ver->n && bad == NULL; i++) {
			const struct mx_enum_suite *s = &ver->suites[i];

			if (s->grade == MX_GRADE_WEAK ||
			    (s->grade == MX_GRADE_INSECURE &&
			     !(c->opportunistic && s->grade_why &&
			       strncmp(s->grade_why, "anonymous", 9) == 0)))
				bad = s;
		}
	}
	if (n == 0) {
		mx_buf_free(&ev);
		return;
	}
	mx_buf_printf(&ev, ": the server takes the client's first choice");
	for (v = MX_EV__N - 1; v >= 0; v--)
		if (c->e->v[v].server_order == 0 && c->e->v[v].order_method) {
			mx_buf_printf(&ev, " (%s)", c->e->v[v].order_method);
			break;
		}
	if (bad != NULL) {
		mx_buf_printf(&ev,
			      "; a client that lists %s first gets it (%s)",
			      label(bad),
			      bad->grade_why ? bad->grade_why : "weak");
		sev = MX_SEV_WARN;
	}
	e = take(&ev);
	add(c, "order.client_preference", sev, NULL, e);
	free(e);
}

static void rule_incomplete(struct sctx *c)
{
	char *e;

	if (!c->e->incomplete)
		return;
	e = xasprintf("%s; %zu connections were made. Versions and suites "
		      "listed were seen; what is missing is unknown",
		      c->e->incomplete_reason ? c->e->incomplete_reason
					      : "the enumeration stopped early",
		      c->e->connections);
	add(c, "enum.incomplete", MX_SEV_OK, NULL, e);
	free(e);
}

/* ---- entry --------------------------------------------------------------- */

enum mx_severity mx_analyze_enum(struct mx_endpoint *ep,
				 const struct mx_analyze_params *p,
				 const char *where)
{
	struct sctx c;
	size_t i;
	int v;

	if (ep->enumr == NULL)
		return MX_SEV_OK;
	memset(&c, 0, sizeof(c));
	c.ep = ep;
	c.e = ep->enumr;
	c.p = p;
	c.where = where;
	c.worst = MX_SEV_OK;
	c.opportunistic = ep->mode == MX_MODE_STARTTLS && ep->port == 25;
	for (v = 0; v < MX_EV__N; v++)
		for (i = 0; i < c.e->v[v].n; i++)
			grade(&c, v, &c.e->v[v].suites[i]);
	rule_versions(&c);
	rule_insecure(&c);
	rule_dh(&c);
	rule_no_fs(&c);
	rule_cbc(&c);
	rule_order(&c);
	rule_incomplete(&c);
	return c.worst;
}
