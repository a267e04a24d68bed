/*
 * ciphers.c - the cipher enumeration as text and JSON; see ciphers.h.
 *
 * All text goes through mx_out_text()/mx_out_fmt() (reports/textutil.h),
 * which pass printable ASCII and newlines and turn anything else into
 * '?'; colour sequences are written only by mx_colour_on()/_off() and
 * only with opts.color.
 */
#include "reports/ciphers.h"
#include "reports/wire_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/where.h"
#include "reports/clients.h"
#include "reports/jsonutil.h"
#include "reports/textutil.h"
#include "reports/util.h"

static enum mx_colour grade_colour(int g)
{
	switch (g) {
	case MX_GRADE_GOOD:
		return MX_C_GREEN;
	case MX_GRADE_WEAK:
		return MX_C_YELLOW;
	case MX_GRADE_INSECURE:
		return MX_C_RED;
	default:
		return MX_C_NONE;
	}
}

static const char *mode_name(enum mx_tls_mode m)
{
	return m == MX_MODE_IMPLICIT ? "implicit TLS"
	       : m == MX_MODE_PLAIN  ? "plain"
				     : "STARTTLS";
}

/* "DH 1024 (RFC 2409 group 2)", "ECDH x25519", "RSA". */
static void kx_text(const struct mx_enum_suite *s, char *out, size_t len)
{
	if (s->kx == NULL) {
		snprintf(out, len, "-");
	} else if (strcmp(s->kx, "DH") == 0 && s->kx_bits > 0) {
		snprintf(out, len, "DH %d (%s%s)", s->kx_bits,
			 s->dh_prime ? s->dh_prime : "custom prime",
			 s->dh_safe_prime == 0 ? ", not a safe prime" : "");
	} else if (s->group != NULL) {
		snprintf(out, len, "%s %s", s->kx, s->group);
	} else if (s->kx_bits > 0) {
		snprintf(out, len, "%s %d", s->kx, s->kx_bits);
	} else {
		snprintf(out, len, "%s", s->kx);
	}
}

static const char *state_text(int st)
{
	return st == 1 ? "accepted" : st == 0 ? "refused" : "not known";
}

/* "70 ms", "1.2 s": below a second in milliseconds, so a quick run does
 * not read "0.0 s"; above, tenths rounded to nearest. */
static void duration_text(int64_t ms, char *out, size_t len)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000) {
		snprintf(out, len, "%lld ms", (long long)ms);
		return;
	}
	ms = (ms + 50) / 100; /* tenths */
	snprintf(out, len, "%lld.%01lld s", (long long)(ms / 10),
		 (long long)(ms % 10));
}

static int untested_in(const struct mx_enum *e, enum mx_enum_ver v)
{
	return e->untested_class != NULL &&
	       (e->untested_versions & (1u << v)) != 0;
}

static void version_head(FILE *out, const struct mx_ciphers_opts *o,
			 const struct mx_enum *e, enum mx_enum_ver v,
			 const struct mx_enum_version *ver)
{
	mx_colour_on(out, o && o->color, MX_C_BOLD);
	mx_out_fmt(out, "  %-8s", mx_enum_ver_name(v));
	mx_colour_off(out, o && o->color, MX_C_BOLD);
	mx_out_fmt(out, " %s", state_text(ver->state));
	if (ver->state != 1 && ver->refusal)
		mx_out_fmt(out, ": %s", ver->refusal);
	if (ver->state == 1)
		mx_out_fmt(out, ", %zu suite%s, %s", ver->n,
			   ver->n == 1 ? "" : "s",
			   ver->server_order == 1   ? "server order"
			   : ver->server_order == 0 ? "client order"
						    : "order not known");
	if (ver->connections > 0 || ver->group_connections > 0)
		mx_out_fmt(out, "; %zu connection%s", ver->connections,
			   ver->connections == 1 ? "" : "s");
	if (ver->order_connections > 0)
		mx_out_fmt(out, " (%zu for the order)", ver->order_connections);
	if (ver->group_connections > 0)
		mx_out_fmt(out, " + %zu for groups", ver->group_connections);
	mx_out_fmt(out, "\n");
	if (ver->state == 1 && ver->order_method && ver->n > 1)
		mx_out_fmt(out, "           %s\n", ver->order_method);
	if (untested_in(e, v)) {
		mx_colour_on(out, o && o->color, MX_C_YELLOW);
		mx_out_fmt(out,
			   "           %s untested: enumerated again without "
			   "them, the server drops hellos offering them\n",
			   e->untested_class);
		mx_colour_off(out, o && o->color, MX_C_YELLOW);
	}
}

static void suite_rows(FILE *out, const struct mx_ciphers_opts *o,
		       const struct mx_enum_version *ver)
{
	size_t i;

	mx_out_fmt(out, "    %-3s %-46s %-30s %-34s %4s  %-9s %s\n", "#",
		   "suite (IANA)", "OpenSSL name", "key exchange", "bits",
		   "cert key", "grade");
	for (i = 0; i < ver->n; i++) {
		const struct mx_enum_suite *s = &ver->suites[i];
		char kx[96], rank[16];

		kx_text(s, kx, sizeof(kx));
		if (s->rank >= 0)
			snprintf(rank, sizeof(rank), "%d", s->rank + 1);
		else
			snprintf(rank, sizeof(rank), "-");
		mx_out_fmt(out, "    %-3s %-46s %-30s %-34s %4d  %-9s ", rank,
			   s->iana ? s->iana : "?",
			   s->openssl ? s->openssl : "-", kx, s->cipher_bits,
			   s->auth_key ? s->auth_key : "-");
		mx_colour_on(out, o && o->color, grade_colour(s->grade));
		mx_out_fmt(out, "%s", mx_suite_grade_name(s->grade));
		mx_colour_off(out, o && o->color, grade_colour(s->grade));
		if (s->grade_why)
			mx_out_fmt(out, ": %s", s->grade_why);
		mx_out_fmt(out, "\n");
	}
}

static void version_names(FILE *out, unsigned mask)
{
	int v, first = 1;

	for (v = MX_EV__N - 1; v >= 0; v--)
		if (mask & (1u << v)) {
			mx_out_fmt(out, "%s%s", first ? "" : " ",
				   mx_enum_ver_name(v));
			first = 0;
		}
}

int mx_report_ciphers_endpoint(FILE *out, const struct mx_endpoint *ep,
			       const struct mx_ciphers_opts *o)
{
	const struct mx_enum *e = ep->enumr;
	char took[32], where[MX_WHERE_MAX];
	size_t i;
	int v;

	if (e == NULL)
		return 0;
	duration_text(e->ms, took, sizeof(took));
	mx_colour_on(out, o && o->color, MX_C_BOLD);
	mx_out_fmt(out, "\n%s %s",
		   mx_endpoint_where_buf(where, sizeof(where), ep),
		   mode_name(ep->mode));
	mx_colour_off(out, o && o->color, MX_C_BOLD);
	mx_out_fmt(out, " - %zu connection%s in %s, at most %d at once",
		   e->connections, e->connections == 1 ? "" : "s", took,
		   e->per_host_cap);
	if (e->retries)
		mx_out_fmt(out, ", %zu retried", e->retries);
	mx_out_fmt(out, "\n");
	for (v = MX_EV__N - 1; v >= 0; v--) {
		const struct mx_enum_version *ver = &e->v[v];

		version_head(out, o, e, v, ver);
		if (ver->n > 0)
			suite_rows(out, o, ver);
	}
	if (e->ngroups > 0) {
		mx_out_fmt(out, "  Groups:");
		for (i = 0; i < e->ngroups; i++) {
			mx_out_fmt(out, "%s %s (", i ? "," : "",
				   e->groups[i].name ? e->groups[i].name : "?");
			version_names(out, e->groups[i].versions);
			mx_out_fmt(out, ")");
		}
		mx_out_fmt(out, "\n");
	}
	if (e->ncert_keys > 0) {
		mx_out_fmt(out, "  Certificate keys:");
		for (i = 0; i < e->ncert_keys; i++)
			mx_out_fmt(out, "%s %s", i ? "," : "", e->cert_keys[i]);
		mx_out_fmt(out, "\n");
	}
	if (e->split_hello)
		mx_out_fmt(out, "  Hello split: %s\n",
			   e->split_reason ? e->split_reason : "yes");
	if (e->incomplete) {
		mx_colour_on(out, o && o->color, MX_C_YELLOW);
		mx_out_fmt(out, "  INCOMPLETE: %s\n",
			   e->incomplete_reason ? e->incomplete_reason : "?");
		mx_colour_off(out, o && o->color, MX_C_YELLOW);
	}
	if (mx_report_clients(out, e) < 0)
		return -1;
	/* under "Handshake intolerance", the last part of the above */
	if (e->intolerant && e->untested)
		mx_out_fmt(out, "  %s\n", e->untested);
	return ferror(out) ? -1 : 0;
}

static void findings(FILE *out, const struct mx_ciphers_opts *o,
		     const struct mx_target *t)
{
	size_t n;
	const struct mx_finding **fs = mx_rep_sorted_findings(t, &n);

	if (n > 0)
		mx_out_findings(out, o && o->color, fs, n);
	free(fs);
}

int mx_report_ciphers(FILE *out, const struct mx_run *run,
		      const struct mx_ciphers_opts *o)
{
	size_t i, j;

	for (i = 0; i < run->ntargets; i++) {
		const struct mx_target *t = &run->targets[i];

		mx_colour_on(out, o && o->color, MX_C_BOLD);
		mx_out_fmt(out, "=== %s ===\n", t->spec ? t->spec : t->name);
		mx_colour_off(out, o && o->color, MX_C_BOLD);
		for (j = 0; j < t->nendpoints; j++) {
			const struct mx_endpoint *ep = &t->endpoints[j];

			if (ep->enumr != NULL) {
				if (mx_report_ciphers_endpoint(out, ep, o) < 0)
					return -1;
				mx_report_wire_endpoint(out, o && o->color, ep);
			} else {
				char where[MX_WHERE_MAX];

				mx_out_fmt(out, "\n%s - not enumerated (%s)\n",
					   mx_endpoint_where_buf(
						   where, sizeof(where), ep),
					   ep->smtp.error
						   ? ep->smtp.error
						   : "no TLS to enumerate");
				mx_report_wire_endpoint(out, o && o->color, ep);
			}
		}
		if (t->nendpoints == 0)
			mx_out_fmt(out, "\nno endpoint to enumerate%s%s\n",
				   t->dns_error ? ": " : "",
				   t->dns_error ? t->dns_error : "");
		if (o == NULL || o->findings)
			findings(out, o, t);
		if (i + 1 < run->ntargets)
			mx_out_fmt(out, "\n");
	}
	mx_report_wire_summary(out, run);
	mx_out_status(out, o ? o->color : 0, (int)run->exit_status);
	return ferror(out) ? -1 : 0;
}

int mx_report_ciphers_deep(FILE *out, const struct mx_run *run, int color)
{
	struct mx_ciphers_opts co = {color, 0};
	size_t i, j;

	mx_out_text(out, "\nCipher enumeration (--deep)\n");
	for (i = 0; i < run->ntargets; i++)
		for (j = 0; j < run->targets[i].nendpoints; j++)
			if (mx_report_ciphers_endpoint(
				    out, &run->targets[i].endpoints[j], &co) <
			    0)
				return -1;
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *j_suite(struct mx_jc *c, const struct mx_enum_suite *s)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "id", mx_j_int(c, s->id));
	mx_j_set(c, o, "iana", mx_j_str(c, s->iana));
	mx_j_set(c, o, "openssl", mx_j_str(c, s->openssl));
	mx_j_set(c, o, "rank",
		 s->rank >= 0 ? mx_j_int(c, s->rank) : mx_j_null(c));
	mx_j_set(c, o, "kx", mx_j_str(c, s->kx));
	mx_j_set(c, o, "group", mx_j_str(c, s->group));
	mx_j_set(c, o, "kx_bits", mx_j_int(c, s->kx_bits));
	mx_j_set(c, o, "dh_prime", mx_j_str(c, s->dh_prime));
	mx_j_set(c, o, "dh_safe_prime", mx_j_tri(c, s->dh_safe_prime));
	mx_j_set(c, o, "auth_key", mx_j_str(c, s->auth_key));
	mx_j_set(c, o, "cipher_bits", mx_j_int(c, s->cipher_bits));
	mx_j_set(c, o, "grade", mx_j_str(c, mx_suite_grade_name(s->grade)));
	mx_j_set(c, o, "grade_why", mx_j_str(c, s->grade_why));
	return o;
}

static json_t *j_version(struct mx_jc *c, const struct mx_enum *e,
			 enum mx_enum_ver v, const struct mx_enum_version *ver)
{
	json_t *o = mx_j_obj(c), *a = mx_j_arr(c);
	size_t i;

	for (i = 0; i < ver->n; i++)
		mx_j_push(c, a, j_suite(c, &ver->suites[i]));
	mx_j_set(c, o, "version", mx_j_str(c, mx_enum_ver_name(v)));
	mx_j_set(c, o, "code", mx_j_int(c, mx_enum_ver_code(v)));
	mx_j_set(c, o, "state",
		 mx_j_str(c, ver->state == 1   ? "accepted"
			     : ver->state == 0 ? "refused"
					       : "unknown"));
	mx_j_set(c, o, "refusal", mx_j_str(c, ver->refusal));
	mx_j_set(c, o, "server_order", mx_j_tri(c, ver->server_order));
	mx_j_set(c, o, "order_method", mx_j_str(c, ver->order_method));
	mx_j_set(c, o, "connections", mx_j_int(c, (long long)ver->connections));
	mx_j_set(c, o, "order_connections",
		 mx_j_int(c, (long long)ver->order_connections));
	mx_j_set(c, o, "group_connections",
		 mx_j_int(c, (long long)ver->group_connections));
	mx_j_set(c, o, "untested",
		 mx_j_str(c, untested_in(e, v) ? e->untested_class : NULL));
	mx_j_set(c, o, "suites", a);
	return o;
}

/* {"suites", "versions", "note"} of what could not be tested, or null */
static json_t *j_untested(struct mx_jc *c, const struct mx_enum *e)
{
	json_t *o, *a;
	int v;

	if (e->untested_class == NULL)
		return mx_j_null(c);
	o = mx_j_obj(c);
	a = mx_j_arr(c);
	for (v = MX_EV__N - 1; v >= 0; v--)
		if (e->untested_versions & (1u << v))
			mx_j_push(c, a, mx_j_str(c, mx_enum_ver_name(v)));
	mx_j_set(c, o, "suites", mx_j_str(c, e->untested_class));
	mx_j_set(c, o, "versions", a);
	mx_j_set(c, o, "note", mx_j_str(c, e->untested));
	return o;
}

json_t *mx_json_enumeration(const struct mx_enum *e)
{
	struct mx_jc c = {0};
	json_t *o = mx_j_obj(&c), *vs = mx_j_arr(&c), *gs = mx_j_arr(&c);
	size_t i;
	int v;

	for (v = MX_EV__N - 1; v >= 0; v--)
		mx_j_push(&c, vs, j_version(&c, e, v, &e->v[v]));
	for (i = 0; i < e->ngroups; i++) {
		json_t *g = mx_j_obj(&c), *gv = mx_j_arr(&c);
		int k;

		for (k = MX_EV__N - 1; k >= 0; k--)
			if (e->groups[i].versions & (1u << k))
				mx_j_push(&c, gv,
					  mx_j_str(&c, mx_enum_ver_name(k)));
		mx_j_set(&c, g, "id", mx_j_int(&c, e->groups[i].id));
		mx_j_set(&c, g, "name", mx_j_str(&c, e->groups[i].name));
		mx_j_set(&c, g, "kx_bits", mx_j_int(&c, e->groups[i].kx_bits));
		mx_j_set(&c, g, "versions", gv);
		mx_j_push(&c, gs, g);
	}
	mx_j_set(&c, o, "ms", mx_j_int(&c, e->ms));
	mx_j_set(&c, o, "connections", mx_j_int(&c, (long long)e->connections));
	mx_j_set(&c, o, "retries", mx_j_int(&c, (long long)e->retries));
	mx_j_set(&c, o, "per_host_cap", mx_j_int(&c, e->per_host_cap));
	mx_j_set(&c, o, "incomplete", mx_j_bool(&c, e->incomplete));
	mx_j_set(&c, o, "incomplete_reason",
		 mx_j_str(&c, e->incomplete_reason));
	mx_j_set(&c, o, "split_hello", mx_j_bool(&c, e->split_hello));
	mx_j_set(&c, o, "split_reason", mx_j_str(&c, e->split_reason));
	mx_j_set(&c, o, "untested", j_untested(&c, e));
	mx_j_set(&c, o, "versions", vs);
	mx_j_set(&c, o, "groups", gs);
	mx_j_set(&c, o, "cert_keys",
		 mx_j_strv(&c, e->cert_keys, e->ncert_keys));
	if (c.err || mx_json_add_clients(o, e) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
