/*
 * test_enum_report.c - reports/ciphers.c: the enumeration as text and as
 * the JSON "enumeration" object.
 *
 * The facts are a DHE-1024-behind-ECDHE server (as the lab's dhe1024)
 * with a refused TLS 1.3, groups, two certificate keys, a split hello,
 * an incomplete reason and a simulated client; the real analyzers grade
 * them.  Text: the lines an administrator reads (version line, key
 * exchange with the prime's name, rank, grade, groups, keys, split,
 * incomplete, findings, status) and no byte outside printable ASCII.
 * JSON: the object is checked against the schema's own $defs
 * (doc/mxprobe-check.schema.json: required keys present, no key the
 * schema does not know, types and enums), so code and schema cannot
 * drift apart; and mx_report_json() carries it under the endpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "reports/ciphers.h"
#include "reports/json.h"

static struct mx_enum_suite *suite(struct mx_enum_version *v, uint16_t id,
				   const char *iana, const char *ossl,
				   const char *kx, const char *group, int bits,
				   const char *prime, int cbits)
{
	struct mx_enum_suite *s = mx_enum_add_suite(v);

	v->state = 1;
	s->id = id;
	s->rank = v->server_order == 1 ? (int)v->n - 1 : -1;
	s->iana = xstrdup(iana);
	s->openssl = ossl ? xstrdup(ossl) : NULL;
	s->kx = xstrdup(kx);
	s->group = group ? xstrdup(group) : NULL;
	s->kx_bits = bits;
	s->dh_prime = prime ? xstrdup(prime) : NULL;
	s->dh_safe_prime = prime ? 1 : -1;
	s->auth_key = xstrdup("RSA 2048");
	s->cipher_bits = cbits;
	return s;
}

static struct mx_run *fixture(void)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	struct mx_endpoint *ep;
	struct mx_enum *e;
	struct mx_enum_version *v;
	struct mx_enum_group *g;
	struct mx_client_sim *c;
	struct mx_analyze_params ap;

	t->kind = MX_TARGET_HOST;
	t->spec = xstrdup("smtp://dhe1024.lab.test");
	t->name = xstrdup("dhe1024.lab.test");
	ep = mx_target_add_endpoint(t);
	ep->host = xstrdup("dhe1024.lab.test");
	ep->addr = xstrdup("127.0.0.39");
	ep->port = 25;
	ep->mode = MX_MODE_STARTTLS;
	ep->pref = -1;
	e = ep->enumr = mx_enum_new();
	e->ms = 1234;
	e->connections = 19;
	e->per_host_cap = 2;
	v = &e->v[MX_EV_TLS12];
	v->server_order = 1;
	v->connections = 5;
	v->group_connections = 1;
	v->order_method = xstrdup("server order: its choices did not follow "
				  "our offer order (no extra connection)");
	suite(v, 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	      "ECDHE-RSA-AES256-GCM-SHA384", "ECDH", "x25519", 253, NULL, 256);
	suite(v, 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	      "ECDHE-RSA-AES128-GCM-SHA256", "ECDH", "x25519", 253, NULL, 128);
	suite(v, 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
	      "DHE-RSA-AES256-GCM-SHA384", "DH", NULL, 1024, "RFC 2409 group 2",
	      256);
	suite(v, 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
	      "DHE-RSA-AES128-GCM-SHA256", "DH", NULL, 1024, "RFC 2409 group 2",
	      128);
	e->v[MX_EV_TLS13].state = 0;
	e->v[MX_EV_TLS13].connections = 1;
	/* a peer string with a control byte that escaping missed */
	e->v[MX_EV_TLS13].refusal = xstrdup("fatal alert 70 \x1b[2J");
	e->v[MX_EV_TLS11].state = 0;
	e->v[MX_EV_TLS11].refusal =
		xstrdup("fatal alert 70 (protocol_version)");
	g = mx_enum_add_group(e);
	g->id = 0x001d;
	g->kx_bits = 253;
	g->name = xstrdup("x25519");
	g->versions = (1u << MX_EV_TLS13) | (1u << MX_EV_TLS12);
	e->cert_keys = xcalloc(2, sizeof(char *));
	e->cert_keys[0] = xstrdup("RSA 2048");
	e->cert_keys[1] = xstrdup("EC 256");
	e->ncert_keys = e->capcert_keys = 2;
	e->split_hello = 1;
	e->split_reason = xstrdup("TLSv1.2: a hello offering 349 suites got "
				  "FIN; hellos of 64 suites were answered");
	e->incomplete = 1;
	e->incomplete_reason = xstrdup("SSLv3: deadline reached");
	c = mx_enum_add_client(e);
	c->profile = xstrdup("openssl3-sl2");
	c->name = xstrdup("OpenSSL 3 default (security level 2)");
	c->ok = 1;
	c->version = xstrdup("TLSv1.2");
	c->suite = 0xc030;
	c->kx = xstrdup("ECDH x25519");
	mx_analyze_params_init(&ap, 1700000000);
	mx_analyze_run(run, &ap);
	return run;
}

static char *render(const struct mx_run *run, int color)
{
	struct mx_ciphers_opts o = {color, 1};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(mx_report_ciphers(fp, run, &o), 0);
	fclose(fp);
	return buf;
}

static void has(const char *out, const char *needle)
{
	if (strstr(out, needle) == NULL)
		fail_msg("no '%s' in:\n%s", needle, out);
}

static void test_text(void **state)
{
	struct mx_run *run = fixture();
	char *out = render(run, 0);
	size_t i;

	(void)state;
	has(out, "=== smtp://dhe1024.lab.test ===");
	has(out, "dhe1024.lab.test [127.0.0.39]:25 STARTTLS - 19 connections "
		 "in 1.2 s, at most 2 at once");
	has(out, "TLSv1.3  refused: fatal alert 70 ?[2J; 1 connection");
	has(out, "TLSv1.2  accepted, 4 suites, server order; 5 connections + "
		 "1 for groups");
	has(out, "(no extra connection)");
	has(out, "DH 1024 (RFC 2409 group 2)");
	has(out, "ECDH x25519");
	has(out, "insecure: DH 1024");
	has(out, "    1   TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	has(out, "    4   TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	has(out, "good");
	has(out, "TLSv1.1  refused: fatal alert 70 (protocol_version)");
	has(out, "TLSv1    not known");
	has(out, "Groups: x25519 (TLSv1.3 TLSv1.2)");
	has(out, "Certificate keys: RSA 2048, EC 256");
	has(out, "Hello split: TLSv1.2: a hello offering 349 suites");
	has(out, "INCOMPLETE: SSLv3: deadline reached");
	has(out, "OpenSSL 3 default (security level 2)");
	has(out, "\nCRITICAL kex.dh_1024  ");
	has(out, "\nUNKNOWN  enum.incomplete  ");
	/* the one closing status line, last (issue 13) */
	has(out, "\nStatus: CRITICAL (exit 2)\n");
	assert_string_equal(strstr(out, "\nStatus: "),
			    "\nStatus: CRITICAL (exit 2)\n");
	for (i = 0; out[i]; i++)
		assert_true(out[i] == '\n' ||
			    (out[i] >= 0x20 && out[i] < 0x7f));
	free(out);
	/* colour: only our own ANSI sequences */
	out = render(run, 1);
	has(out, "\033[1;31minsecure\033[0m");
	assert_null(strstr(out, "\033[2J"));
	free(out);
	mx_run_free(run);
}

/* ---- the JSON object against the schema's $defs ------------------------ */

static json_t *schema_defs(void)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/../../doc/mxprobe-check.schema.json",
		 dir ? dir : "tests/data");
	doc = json_load_file(path, 0, &err);
	if (doc == NULL)
		fail_msg("cannot load %s: %s", path, err.text);
	return doc;
}

static int type_ok(const json_t *v, const char *t)
{
	if (strcmp(t, "string") == 0)
		return json_is_string(v);
	if (strcmp(t, "integer") == 0)
		return json_is_integer(v);
	if (strcmp(t, "boolean") == 0)
		return json_is_boolean(v);
	if (strcmp(t, "null") == 0)
		return json_is_null(v);
	if (strcmp(t, "array") == 0)
		return json_is_array(v);
	if (strcmp(t, "object") == 0)
		return json_is_object(v);
	return 0;
}

static void check_obj(json_t *defs, const char *def, json_t *obj);

/* One value against one property schema (types, enums, $ref, items). */
static void check_val(json_t *defs, const char *where, json_t *ps, json_t *v)
{
	json_t *t = json_object_get(ps, "type");
	json_t *en = json_object_get(ps, "enum");
	json_t *ref = json_object_get(ps, "$ref");
	json_t *items = json_object_get(ps, "items");
	size_t i;

	if (ref) {
		const char *r = json_string_value(ref);

		assert_non_null(strstr(r, "#/$defs/"));
		r += strlen("#/$defs/");
		if (strcmp(r, "clients") == 0 || strcmp(r, "intolerance") == 0)
			return; /* reports/clients.c's, tested there */
		check_obj(defs, r, v);
		return;
	}
	if (json_is_string(t) && !type_ok(v, json_string_value(t)))
		fail_msg("%s: not a %s", where, json_string_value(t));
	if (json_is_array(t)) {
		int any = 0;

		for (i = 0; i < json_array_size(t); i++)
			any |= type_ok(v,
				       json_string_value(json_array_get(t, i)));
		if (!any)
			fail_msg("%s: type not allowed", where);
	}
	if (en) {
		int any = 0;

		for (i = 0; i < json_array_size(en); i++)
			any |= json_equal(json_array_get(en, i), v);
		if (!any)
			fail_msg("%s: value not in the enum", where);
	}
	if (items && json_is_array(v))
		for (i = 0; i < json_array_size(v); i++)
			check_val(defs, where, items, json_array_get(v, i));
}

static void check_obj(json_t *defs, const char *def, json_t *obj)
{
	json_t *d = json_object_get(defs, def);
	json_t *props = json_object_get(d, "properties");
	json_t *req = json_object_get(d, "required");
	const char *k;
	json_t *v;
	size_t i;

	if (d == NULL)
		fail_msg("schema has no $defs/%s", def);
	assert_true(json_is_object(obj));
	for (i = 0; i < json_array_size(req); i++) {
		const char *name = json_string_value(json_array_get(req, i));

		if (json_object_get(obj, name) == NULL)
			fail_msg("%s: required key %s missing", def, name);
	}
	json_object_foreach(obj, k, v)
	{
		json_t *ps = json_object_get(props, k);
		char where[256];

		if (ps == NULL)
			fail_msg("%s: key %s is not in the schema", def, k);
		snprintf(where, sizeof(where), "%s.%s", def, k);
		check_val(defs, where, ps, v);
	}
}

static void test_json_matches_schema(void **state)
{
	struct mx_run *run = fixture();
	json_t *schema = schema_defs();
	json_t *defs = json_object_get(schema, "$defs");
	json_t *o = mx_json_enumeration(run->targets[0].endpoints[0].enumr);
	json_t *vs, *s;

	(void)state;
	assert_non_null(o);
	check_obj(defs, "enumeration", o);
	/* and a few values */
	vs = json_object_get(o, "versions");
	assert_int_equal(json_array_size(vs), MX_EV__N);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(vs, 0), "version")),
			    "TLSv1.3");
	s = json_array_get(json_object_get(json_array_get(vs, 1), "suites"), 2);
	assert_string_equal(json_string_value(json_object_get(s, "dh_prime")),
			    "RFC 2409 group 2");
	assert_int_equal(json_integer_value(json_object_get(s, "rank")), 2);
	assert_string_equal(json_string_value(json_object_get(s, "grade")),
			    "insecure");
	assert_true(json_is_true(json_object_get(s, "dh_safe_prime")));
	assert_true(json_is_array(json_object_get(o, "clients")));
	json_decref(o);
	/* the endpoint's "enumeration" in the whole document, and the
	 * endpoint def knows the key */
	assert_non_null(json_object_get(
		json_object_get(json_object_get(defs, "endpoint"),
				"properties"),
		"enumeration"));
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);
		json_t *doc, *ep;
		json_error_t err;

		assert_int_equal(mx_report_json(fp, run), 0);
		fclose(fp);
		doc = json_loads(buf, 0, &err);
		assert_non_null(doc);
		ep = json_array_get(
			json_object_get(
				json_array_get(json_object_get(doc, "targets"),
					       0),
				"endpoints"),
			0);
		check_obj(defs, "enumeration",
			  json_object_get(ep, "enumeration"));
		json_decref(doc);
		free(buf);
	}
	json_decref(schema);
	mx_run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json_matches_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
