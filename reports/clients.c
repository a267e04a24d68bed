/*
 * clients.c - text and JSON for the client simulation, its confirmation,
 * the tested advice and handshake intolerance; see clients.h.
 */
#include "reports/clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/jsonutil.h"
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
			if (c->advice_openssl && c->advice_openssl_tls13)
				mx_out_fmt(out,
					   "      advice: OpenSSL cipher list "
					   "\"%s\" with TLS 1.3 ciphersuites "
					   "\"%s\" %s\n",
					   c->advice_openssl,
					   c->advice_openssl_tls13,
					   mx_report_pass_name(
						   c->advice_openssl_ok));
			else if (c->advice_openssl)
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
				"  avoid with: OpenSSL cipher list \"%s\"%s%s%s%s "
				"%s\n",
				e->intolerance_advice_openssl,
				e->intolerance_advice_tls13
					? " with TLS 1.3 ciphersuites \""
					: "",
				e->intolerance_advice_tls13
					? e->intolerance_advice_tls13
					: "",
				e->intolerance_advice_tls13 ? "\"" : "",
				e->intolerance_advice_max_tls12
					? " with TLS 1.2 as the highest version"
					: "",
				mx_report_pass_name(e->intolerance_advice_ok));
	}
	return ferror(out) ? -1 : 0;
}

/* ---- JSON --------------------------------------------------------------- */

json_t *mx_json_clients(const struct mx_enum *e)
{
	struct mx_jc c = {0};
	json_t *a = mx_j_arr(&c);
	size_t i;

	for (i = 0; e != NULL && i < e->nclients; i++) {
		const struct mx_client_sim *cl = &e->clients[i];
		const struct mx_enum_suite *s = find_suite(e, cl->suite);
		json_t *o = mx_j_obj(&c);

		mx_j_set(&c, o, "profile", mx_j_str(&c, cl->profile));
		mx_j_set(&c, o, "name", mx_j_str(&c, cl->name));
		mx_j_set(&c, o, "ok", mx_j_bool(&c, cl->ok));
		mx_j_set(&c, o, "version", mx_j_str(&c, cl->version));
		mx_j_set(&c, o, "suite_id",
			 cl->suite ? mx_j_int(&c, cl->suite) : mx_j_null(&c));
		mx_j_set(&c, o, "suite", mx_j_str(&c, s ? s->iana : NULL));
		mx_j_set(&c, o, "kx", mx_j_str(&c, cl->kx));
		mx_j_set(&c, o, "why", mx_j_str(&c, cl->why));
		mx_j_set(&c, o, "confirmed", mx_j_tri(&c, cl->confirmed));
		mx_j_set(&c, o, "confirm_detail",
			 mx_j_str(&c, cl->confirm_detail));
		mx_j_set(&c, o, "advice_openssl",
			 mx_j_str(&c, cl->advice_openssl));
		mx_j_set(&c, o, "advice_openssl_ciphersuites",
			 mx_j_str(&c, cl->advice_openssl_tls13));
		mx_j_set(&c, o, "advice_openssl_ok",
			 mx_j_tri(&c, cl->advice_openssl ? cl->advice_openssl_ok
							 : -1));
		mx_j_set(&c, o, "advice_gnutls",
			 mx_j_str(&c, cl->advice_gnutls));
		mx_j_set(&c, o, "advice_gnutls_ok",
			 mx_j_tri(&c, cl->advice_gnutls ? cl->advice_gnutls_ok
							: -1));
		mx_j_push(&c, a, o);
	}
	if (c.err) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *mx_json_intolerance(const struct mx_enum *e)
{
	struct mx_jc c = {0};
	json_t *o = mx_j_obj(&c);

	mx_j_set(&c, o, "intolerant", mx_j_bool(&c, e && e->intolerant));
	mx_j_set(&c, o, "trigger",
		 mx_j_str(&c, e ? e->intolerance_trigger : NULL));
	mx_j_set(&c, o, "reaction",
		 mx_j_str(&c, e ? e->intolerance_reaction : NULL));
	mx_j_set(&c, o, "advice_openssl",
		 mx_j_str(&c, e ? e->intolerance_advice_openssl : NULL));
	mx_j_set(&c, o, "advice_openssl_ciphersuites",
		 mx_j_str(&c, e ? e->intolerance_advice_tls13 : NULL));
	mx_j_set(&c, o, "advice_max_tls12",
		 mx_j_bool(&c, e && e->intolerance_advice_max_tls12));
	mx_j_set(&c, o, "advice_ok",
		 mx_j_tri(&c, e && e->intolerance_advice_openssl
				      ? e->intolerance_advice_ok
				      : -1));
	if (c.err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int mx_json_add_clients(json_t *enumeration, const struct mx_enum *e)
{
	struct mx_jc c = {0};

	mx_j_set(&c, enumeration, "clients", mx_json_clients(e));
	mx_j_set(&c, enumeration, "intolerance", mx_json_intolerance(e));
	return c.err ? -1 : 0;
}
