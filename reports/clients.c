/*
 * clients.c - text and JSON for the client simulation, its confirmation,
 * the tested advice and handshake intolerance; see clients.h.
 */
#include "reports/clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/textutil.h"

const char *mx_report_pass_name(int ok)
{
	return ok == 1 ? "PASS" : ok == 0 ? "FAIL" : "untested";
}

/* The suite's names from the enumeration (the probe copied them from the
 * registry), so the renderer needs no wire/. */
static const struct mx_enum_suite *find_suite(const struct mx_enum *e,
					      uint16_t id)
{
	size_t v, i;

	for (v = 0; v < MX_EV__N; v++)
		for (i = 0; i < e->v[v].n; i++)
			if (e->v[v].suites[i].id == id)
				return &e->v[v].suites[i];
	return NULL;
}

static void suite_label(const struct mx_enum *e, uint16_t id, char *out,
			size_t len)
{
	const struct mx_enum_suite *s = find_suite(e, id);

	if (id == 0)
		snprintf(out, len, "-");
	else if (s != NULL && s->openssl != NULL)
		snprintf(out, len, "%s", s->openssl);
	else if (s != NULL && s->iana != NULL)
		snprintf(out, len, "%s", s->iana);
	else
		snprintf(out, len, "0x%04x", id);
}

static const char *confirm_text(int c)
{
	return c == 1	? "confirmed by a real handshake"
	       : c == 0 ? "a real handshake DISAGREED"
			: "not confirmed (no local stack plays this client)";
}

int mx_report_clients(FILE *out, const struct mx_enum *e)
{
	size_t i;

	if (e == NULL || (e->nclients == 0 && !e->intolerant))
		return 0;
	if (e->nclients > 0) {
		mx_out_fmt(out,
			   "\nClients (simulated from the enumeration%s)\n",
			   "; PASS/FAIL from real handshakes");
		mx_out_fmt(out, "  %-44s %-6s %-8s %s\n", "client", "result",
			   "version", "suite / key exchange");
		for (i = 0; i < e->nclients; i++) {
			const struct mx_client_sim *c = &e->clients[i];
			char suite[96];

			suite_label(e, c->suite, suite, sizeof(suite));
			mx_out_fmt(out, "  %-44.44s %-6s %-8s %s%s%s\n",
				   c->name ? c->name : c->profile,
				   c->ok ? "ok" : "FAIL",
				   c->version ? c->version : "-", suite,
				   c->kx ? " " : "", c->kx ? c->kx : "");
			if (!c->ok && c->why)
				mx_out_fmt(out, "      why: %s\n", c->why);
			mx_out_fmt(out, "      %s%s%s\n",
				   confirm_text(c->confirmed),
				   c->confirm_detail ? ": " : "",
				   c->confirm_detail ? c->confirm_detail : "");
			if (c->advice_openssl)
				mx_out_fmt(out,
					   "      advice: OpenSSL cipher list "
					   "\"%s\" %s\n",
					   c->advice_openssl,
					   mx_report_pass_name(
						   c->advice_openssl_ok));
			if (c->advice_gnutls)
				mx_out_fmt(
					out,
					"      %s GnuTLS priority \"%s\" %s\n",
					c->advice_openssl ? "       "
							  : "advice:",
					c->advice_gnutls,
					mx_report_pass_name(
						c->advice_gnutls_ok));
			if (!c->ok && !c->advice_openssl && !c->advice_gnutls) {
				mx_out_fmt(out,
					   "      advice: no client cipher "
					   "string helps; fix the server\n");
			}
		}
	}
	if (e->intolerant) {
		mx_out_fmt(out, "\nHandshake intolerance\n");
		mx_out_fmt(out, "  %s when the ClientHello offers %s\n",
			   e->intolerance_reaction ? e->intolerance_reaction
						   : "no answer",
			   e->intolerance_trigger ? e->intolerance_trigger
						  : "?");
		if (e->intolerance_advice_openssl)
			mx_out_fmt(
				out,
				"  avoid with: OpenSSL cipher list \"%s\" %s\n",
				e->intolerance_advice_openssl,
				mx_report_pass_name(e->intolerance_advice_ok));
	}
	return ferror(out) ? -1 : 0;
}

/* ---- JSON --------------------------------------------------------------- */

static int put(json_t *o, const char *k, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, k, v);
}

static json_t *jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* 1 / 0 / -1 as true / false / null. */
static json_t *jtri(int v)
{
	return v == 1 ? json_true() : v == 0 ? json_false() : json_null();
}

json_t *mx_json_clients(const struct mx_enum *e)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; e != NULL && i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];
		const struct mx_enum_suite *s = find_suite(e, c->suite);
		json_t *o = json_object();
		int bad = o == NULL;

		bad |= put(o, "profile", jstr(c->profile)) < 0;
		bad |= put(o, "name", jstr(c->name)) < 0;
		bad |= put(o, "ok", json_boolean(c->ok)) < 0;
		bad |= put(o, "version", jstr(c->version)) < 0;
		bad |= put(o, "suite_id",
			   c->suite ? json_integer(c->suite) : json_null()) < 0;
		bad |= put(o, "suite", jstr(s ? s->iana : NULL)) < 0;
		bad |= put(o, "kx", jstr(c->kx)) < 0;
		bad |= put(o, "why", jstr(c->why)) < 0;
		bad |= put(o, "confirmed", jtri(c->confirmed)) < 0;
		bad |= put(o, "confirm_detail", jstr(c->confirm_detail)) < 0;
		bad |= put(o, "advice_openssl", jstr(c->advice_openssl)) < 0;
		bad |= put(o, "advice_openssl_ok",
			   jtri(c->advice_openssl ? c->advice_openssl_ok
						  : -1)) < 0;
		bad |= put(o, "advice_gnutls", jstr(c->advice_gnutls)) < 0;
		bad |= put(o, "advice_gnutls_ok",
			   jtri(c->advice_gnutls ? c->advice_gnutls_ok : -1)) <
		       0;
		if (bad || json_array_append_new(a, o) < 0) {
			json_decref(o);
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *mx_json_intolerance(const struct mx_enum *e)
{
	json_t *o = json_object();
	int bad = o == NULL;

	if (bad)
		return NULL;
	bad |= put(o, "intolerant", json_boolean(e && e->intolerant)) < 0;
	bad |= put(o, "trigger", jstr(e ? e->intolerance_trigger : NULL)) < 0;
	bad |= put(o, "reaction", jstr(e ? e->intolerance_reaction : NULL)) < 0;
	bad |= put(o, "advice_openssl",
		   jstr(e ? e->intolerance_advice_openssl : NULL)) < 0;
	bad |= put(o, "advice_ok",
		   jtri(e && e->intolerance_advice_openssl
				? e->intolerance_advice_ok
				: -1)) < 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int mx_json_add_clients(json_t *enumeration, const struct mx_enum *e)
{
	json_t *c = mx_json_clients(e), *i = mx_json_intolerance(e);

	if (c == NULL || i == NULL) {
		json_decref(c);
		json_decref(i);
		return -1;
	}
	if (json_object_set_new(enumeration, "clients", c) < 0) {
		json_decref(i);
		return -1;
	}
	return json_object_set_new(enumeration, "intolerance", i) < 0 ? -1 : 0;
}
