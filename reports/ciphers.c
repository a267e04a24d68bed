/*
 * ciphers.c - the cipher enumeration as text and JSON; see ciphers.h.
 *
 * All text goes through mx_out_text()/mx_out_fmt() (reports/textutil.h),
 * which pass printable ASCII and newlines and turn anything else into
 * '?'; colour sequences are written only by mx_colour_on()/_off() and
 * only with opts.color.
 */
#include "reports/ciphers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/where.h"
#include "reports/clients.h"
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
			} else {
				char where[MX_WHERE_MAX];

				mx_out_fmt(out, "\n%s - not enumerated (%s)\n",
					   mx_endpoint_where_buf(
						   where, sizeof(where), ep),
					   ep->smtp.error
						   ? ep->smtp.error
						   : "no TLS to enumerate");
			}
		}
		if (t->nendpoints == 0)
			mx_out_fmt(out, "\nno endpoint to enumerate%s%s\n",
				   t->dns_error ? ": " : "",
				   t->dns_error ? t->dns_error : "");
		if (o == NULL || o->findings)
			findings(out, o, t);
		mx_out_fmt(out, "\n");
	}
	mx_out_fmt(out, "Status: %s\n", mx_rep_exit_name(run->exit_status));
	return ferror(out) ? -1 : 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static int put(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static json_t *jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *jtri(int v)
{
	return v == 1 ? json_true() : v == 0 ? json_false() : json_null();
}

static json_t *j_suite(const struct mx_enum_suite *s)
{
	json_t *o = json_object();
	int bad = o == NULL;

	bad |= put(o, "id", json_integer(s->id)) < 0;
	bad |= put(o, "iana", jstr(s->iana)) < 0;
	bad |= put(o, "openssl", jstr(s->openssl)) < 0;
	bad |= put(o, "rank",
		   s->rank >= 0 ? json_integer(s->rank) : json_null()) < 0;
	bad |= put(o, "kx", jstr(s->kx)) < 0;
	bad |= put(o, "group", jstr(s->group)) < 0;
	bad |= put(o, "kx_bits", json_integer(s->kx_bits)) < 0;
	bad |= put(o, "dh_prime", jstr(s->dh_prime)) < 0;
	bad |= put(o, "dh_safe_prime", jtri(s->dh_safe_prime)) < 0;
	bad |= put(o, "auth_key", jstr(s->auth_key)) < 0;
	bad |= put(o, "cipher_bits", json_integer(s->cipher_bits)) < 0;
	bad |= put(o, "grade", json_string(mx_suite_grade_name(s->grade))) < 0;
	bad |= put(o, "grade_why", jstr(s->grade_why)) < 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *j_version(const struct mx_enum *e, enum mx_enum_ver v,
			 const struct mx_enum_version *ver)
{
	json_t *o = json_object(), *a = json_array();
	int bad = o == NULL || a == NULL;
	size_t i;

	for (i = 0; !bad && i < ver->n; i++) {
		json_t *s = j_suite(&ver->suites[i]);

		bad |= s == NULL || json_array_append_new(a, s) < 0;
	}
	bad |= put(o, "version", json_string(mx_enum_ver_name(v))) < 0;
	bad |= put(o, "code", json_integer(mx_enum_ver_code(v))) < 0;
	bad |= put(o, "state",
		   json_string(ver->state == 1	 ? "accepted"
			       : ver->state == 0 ? "refused"
						 : "unknown")) < 0;
	bad |= put(o, "refusal", jstr(ver->refusal)) < 0;
	bad |= put(o, "server_order", jtri(ver->server_order)) < 0;
	bad |= put(o, "order_method", jstr(ver->order_method)) < 0;
	bad |= put(o, "connections",
		   json_integer((json_int_t)ver->connections)) < 0;
	bad |= put(o, "order_connections",
		   json_integer((json_int_t)ver->order_connections)) < 0;
	bad |= put(o, "group_connections",
		   json_integer((json_int_t)ver->group_connections)) < 0;
	bad |= put(o, "untested",
		   jstr(untested_in(e, v) ? e->untested_class : NULL)) < 0;
	if (bad) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	if (put(o, "suites", a) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"suites", "versions", "note"} of what could not be tested, or null */
static json_t *j_untested(const struct mx_enum *e)
{
	json_t *o, *a;
	int bad, v;

	if (e->untested_class == NULL)
		return json_null();
	o = json_object();
	a = json_array();
	bad = o == NULL || a == NULL;
	for (v = MX_EV__N - 1; !bad && v >= 0; v--)
		if (e->untested_versions & (1u << v))
			bad |= json_array_append_new(
				       a, json_string(mx_enum_ver_name(v))) < 0;
	if (bad) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	bad |= put(o, "suites", json_string(e->untested_class)) < 0;
	bad |= put(o, "versions", a) < 0;
	bad |= put(o, "note", jstr(e->untested)) < 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *mx_json_enumeration(const struct mx_enum *e)
{
	json_t *o = json_object(), *vs = json_array(), *gs = json_array();
	json_t *keys = json_array();
	int bad = o == NULL || vs == NULL || gs == NULL || keys == NULL;
	size_t i;
	int v;

	for (v = MX_EV__N - 1; !bad && v >= 0; v--) {
		json_t *x = j_version(e, v, &e->v[v]);

		bad |= x == NULL || json_array_append_new(vs, x) < 0;
	}
	for (i = 0; !bad && i < e->ngroups; i++) {
		json_t *g = json_object(), *gv = json_array();
		int k;

		bad |= g == NULL || gv == NULL;
		for (k = MX_EV__N - 1; !bad && k >= 0; k--)
			if (e->groups[i].versions & (1u << k))
				bad |= json_array_append_new(
					       gv, json_string(mx_enum_ver_name(
							   k))) < 0;
		bad |= put(g, "id", json_integer(e->groups[i].id)) < 0;
		bad |= put(g, "name", jstr(e->groups[i].name)) < 0;
		bad |= put(g, "kx_bits", json_integer(e->groups[i].kx_bits)) <
		       0;
		bad |= put(g, "versions", gv) < 0;
		bad |= json_array_append_new(gs, g) < 0;
	}
	for (i = 0; !bad && i < e->ncert_keys; i++)
		bad |= json_array_append_new(keys,
					     json_string(e->cert_keys[i])) < 0;
	bad |= put(o, "ms", json_integer(e->ms)) < 0;
	bad |= put(o, "connections", json_integer((json_int_t)e->connections)) <
	       0;
	bad |= put(o, "retries", json_integer((json_int_t)e->retries)) < 0;
	bad |= put(o, "per_host_cap", json_integer(e->per_host_cap)) < 0;
	bad |= put(o, "incomplete", json_boolean(e->incomplete)) < 0;
	bad |= put(o, "incomplete_reason", jstr(e->incomplete_reason)) < 0;
	bad |= put(o, "split_hello", json_boolean(e->split_hello)) < 0;
	bad |= put(o, "split_reason", jstr(e->split_reason)) < 0;
	bad |= put(o, "untested", j_untested(e)) < 0;
	if (bad) {
		json_decref(o);
		json_decref(vs);
		json_decref(gs);
		json_decref(keys);
		return NULL;
	}
	/* put() steals each value, also when it fails */
	bad |= put(o, "versions", vs) < 0;
	bad |= put(o, "groups", gs) < 0;
	bad |= put(o, "cert_keys", keys) < 0;
	bad |= mx_json_add_clients(o, e) < 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
