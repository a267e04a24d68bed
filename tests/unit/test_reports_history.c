/*
 * test_reports_history.c - the renderers of `mxprobe history`
 * (reports/history_text.c, reports/history_json.c).
 *
 * A view of three probes of two endpoints (one with drift, one without
 * TLS) and an id this mxprobe does not know: the text groups by key,
 * newest first, shows days left at each probe's own time, prints drift
 * in the one finding layout with "before -> after" and ends with the
 * status line; nothing outside printable ASCII reaches the output; the
 * JSON has the envelope, the endpoints in key order, the finding shape
 * plus before/after, null for what is not known, and the summary.
 * With HISTORY_JSON_OUT set, the JSON is also written there (for
 * tests/unit/check_schema.sh --schema history).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/xalloc.h"
#include "reports/history.h"

#define T0 ((time_t)1800000000) /* 2027-01-15 08:00:00 UTC */

static void set(char **field, const char *v)
{
	free(*field);
	*field = v != NULL ? xstrdup(v) : NULL;
}

static struct mx_snapshot *snap(const char *key, time_t at)
{
	struct mx_snapshot *s = mx_snapshot_new();

	set(&s->key, key);
	set(&s->target, "lab.test");
	set(&s->host, "mx1.lab.test");
	set(&s->addr, "127.0.0.31");
	s->port = 25;
	s->pref = 10;
	s->at = at;
	s->complete = 1;
	s->connected = 1;
	s->starttls = 1;
	set(&s->stop, "none");
	s->tls_ok = 1;
	set(&s->tls_version, "TLSv1.3");
	set(&s->suite, "TLS_AES_256_GCM_SHA384");
	set(&s->temp_key_type, "X25519");
	s->temp_key_bits = 253;
	set(&s->cert_sha256, "ab12");
	set(&s->cert_serial, "01A2");
	s->cert_not_after = T0 + 40 * 86400;
	set(&s->chain, "ab12,ee55");
	s->chain_len = 2;
	s->verify_ok = 1;
	s->dane = MX_DANE_OK;
	s->sts = MX_STS_OK;
	set(&s->sts_mode, "enforce");
	return s;
}

struct fx {
	struct mx_snapshot *s[3];
	const struct mx_snapshot *v[3];
	struct mx_history_view view;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	const char *k1 = "mx1.lab.test[127.0.0.31]:25/starttls";
	const char *k2 = "mx0.lab.test[127.0.0.30]:25/starttls";

	/* newest first, as the store lists them */
	f->s[0] = snap(k1, T0 + 86400);
	set(&f->s[0]->cert_serial, "03FF");
	f->s[0]->temp_key_bits = 1024;
	set(&f->s[0]->temp_key_type, "DH");
	f->s[0]->worst = MX_SEV_CRIT;
	mx_snap_add(&f->s[0]->findings, &f->s[0]->nfindings, "kex.dh_1024",
		    MX_SEV_CRIT, "DH 1024 bits", NULL, NULL);
	mx_snap_add(&f->s[0]->drift, &f->s[0]->ndrift,
		    "drift.temp_key_weakened", MX_SEV_CRIT,
		    "server temp key weakened: X25519 253 bits -> DH 1024 bits",
		    "X25519 253 bits", "DH 1024 bits");
	mx_snap_add(&f->s[0]->drift, &f->s[0]->ndrift, "drift.from_the_future",
		    MX_SEV_WARN, "a \x1b[2J b", "x", "y");
	f->s[1] = snap(k2, T0 + 600);
	f->s[1]->tls_ok = 0;
	set(&f->s[1]->stop, "connect_refused");
	f->s[1]->connected = 0;
	set(&f->s[1]->cert_sha256, NULL);
	f->s[1]->cert_not_after = 0;
	set(&f->s[1]->chain, NULL);
	set(&f->s[1]->temp_key_type, NULL);
	f->s[1]->starttls = -1;
	f->s[1]->pref = -1;
	f->s[2] = snap(k1, T0);
	for (int i = 0; i < 3; i++)
		f->v[i] = f->s[i];
	f->view.file = "/var/lib/x/history.sqlite";
	f->view.file_schema = 1;
	f->view.match = "lab.test";
	f->view.since = T0 - 86400;
	f->view.now = T0 + 2 * 86400;
	f->view.v = f->v;
	f->view.n = 3;
	f->view.exit_status = 2;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 3; i++)
		mx_snapshot_free(f->s[i]);
	free(f);
	return 0;
}

static char *render_text(const struct mx_history_view *v, int color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(mx_report_history_text(fp, v, "1.0", color), 0);
	fclose(fp);
	return buf;
}

static void test_text(void **state)
{
	struct fx *f = *state;
	char *t = render_text(&f->view, 0);
	const char *mx0, *mx1, *newest, *oldest, *drift, *status;

	assert_non_null(strstr(t, "History: /var/lib/x/history.sqlite "
				  "(schema 1), 2 endpoints, 3 probes, "
				  "matching lab.test, since 2027-01-14"));
	/* keys in byte order; mx1's probes newest first */
	mx0 = strstr(t, "\nmx0.lab.test[127.0.0.30]:25/starttls  (target "
			"lab.test)\n");
	mx1 = strstr(t, "\nmx1.lab.test[127.0.0.31]:25/starttls  (target "
			"lab.test, MX 10)\n");
	assert_non_null(mx0);
	assert_non_null(mx1);
	assert_true(mx0 < mx1);
	assert_non_null(strstr(mx0, "no TLS (connect_refused)"));
	newest = strstr(mx1, "2027-01-16 08:00:00 UTC  CRITICAL");
	oldest = strstr(mx1, "2027-01-15 08:00:00 UTC  OK");
	assert_non_null(newest);
	assert_non_null(oldest);
	assert_true(newest < oldest);
	/* days left at each probe's time: 39 then 40; the drift marker */
	assert_non_null(strstr(newest, "DH 1024"));
	assert_non_null(strstr(newest, "   39  03FF  drift 2\n"));
	assert_non_null(strstr(oldest, "   40  01A2\n"));
	/* the one finding layout, before -> after in the evidence */
	drift = strstr(t, "\nDrift:\n");
	assert_non_null(drift);
	assert_true(drift > mx1);
	assert_non_null(strstr(
		drift, "\nCRITICAL drift.temp_key_weakened  "
		       "mx1.lab.test[127.0.0.31]:25/starttls at 2027-01-16 "
		       "08:00:00 UTC\n  The server's temporary key exchange"));
	assert_non_null(strstr(drift, "  Evidence:      server temp key "
				      "weakened: X25519 253 bits -> DH 1024 "
				      "bits\n  Fix:"));
	assert_non_null(strstr(drift, "WARNING  drift.from_the_future"));
	assert_non_null(
		strstr(drift, "(a finding this version does not know)"));
	/* the status line, last; no control byte anywhere */
	status = strstr(t, "\nStatus: CRITICAL (exit 2)\n");
	assert_non_null(status);
	assert_string_equal(status, "\nStatus: CRITICAL (exit 2)\n");
	for (const char *p = t; *p; p++)
		assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	free(t);

	/* colour only when asked */
	t = render_text(&f->view, 1);
	assert_non_null(strchr(t, '\x1b'));
	free(t);
}

static void test_text_empty(void **state)
{
	struct fx *f = *state;
	struct mx_history_view v = f->view;
	char *t;

	v.n = 0;
	v.match = NULL;
	v.since = 0;
	v.exit_status = 0;
	t = render_text(&v, 0);
	assert_non_null(strstr(t, "0 endpoints, 0 probes\n\nNo probes stored"));
	assert_non_null(strstr(t, "\nStatus: OK (exit 0)\n"));
	assert_null(strstr(t, "left out"));
	free(t);
	/* a list cut by the store says so under the header */
	v = f->view;
	v.truncated = 1;
	t = render_text(&v, 0);
	assert_non_null(strstr(t, "since 2027-01-14 08:00:00 UTC\n(more probes "
				  "match than are shown: the oldest are left "
				  "out; narrow with TARGET or --since)\n"));
	free(t);
}

static void test_json(void **state)
{
	struct fx *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	json_error_t je;
	json_t *root, *eps, *p, *d;
	const char *out = getenv("HISTORY_JSON_OUT");

	assert_int_equal(mx_report_history_json(fp, &f->view, "1.0"), 0);
	fclose(fp);
	root = json_loads(buf, 0, &je);
	if (root == NULL)
		fail_msg("not JSON: %s", je.text);
	assert_string_equal(json_string_value(json_object_get(root, "schema")),
			    "https://mxprobe.invalid/schema/history/1");
	assert_string_equal(json_string_value(json_object_get(root, "status")),
			    "critical");
	assert_int_equal(
		json_integer_value(json_object_get(root, "file_schema")), 1);
	assert_string_equal(json_string_value(json_object_get(root, "since")),
			    "2027-01-14T08:00:00Z");
	assert_true(json_is_false(json_object_get(root, "truncated")));
	eps = json_object_get(root, "endpoints");
	assert_int_equal(json_array_size(eps), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(eps, 0), "key")),
			    "mx0.lab.test[127.0.0.30]:25/starttls");
	/* mx0: no TLS, nothing known is null */
	p = json_array_get(json_object_get(json_array_get(eps, 0), "probes"),
			   0);
	assert_true(json_is_null(json_object_get(p, "certificate")));
	assert_true(json_is_null(json_object_get(p, "temp_key")));
	assert_true(json_is_null(json_object_get(p, "starttls")));
	assert_true(json_is_false(json_object_get(p, "tls_completed")));
	assert_int_equal(json_array_size(json_object_get(p, "chain")), 0);
	assert_true(json_is_null(
		json_object_get(json_array_get(eps, 0), "preference")));
	/* mx1: two probes, newest first, the drift with before/after */
	eps = json_object_get(json_array_get(eps, 1), "probes");
	assert_int_equal(json_array_size(eps), 2);
	p = json_array_get(eps, 0);
	assert_string_equal(json_string_value(json_object_get(p, "at")),
			    "2027-01-16T08:00:00Z");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(p, "certificate"), "days_left")),
		39);
	assert_int_equal(json_array_size(json_object_get(p, "chain")), 2);
	d = json_array_get(json_object_get(p, "drift"), 0);
	assert_string_equal(json_string_value(json_object_get(d, "id")),
			    "drift.temp_key_weakened");
	assert_string_equal(json_string_value(json_object_get(d, "before")),
			    "X25519 253 bits");
	assert_string_equal(json_string_value(json_object_get(d, "after")),
			    "DH 1024 bits");
	assert_string_equal(
		json_string_value(json_object_get(d, "default_severity")),
		"warning");
	assert_non_null(json_string_value(json_object_get(d, "fix")));
	d = json_array_get(json_object_get(p, "drift"), 1);
	assert_true(json_is_null(json_object_get(d, "default_severity")));
	assert_true(json_is_null(json_object_get(d, "title")));
	d = json_object_get(json_object_get(root, "summary"), "drift");
	assert_int_equal(json_integer_value(json_object_get(d, "critical")), 1);
	assert_int_equal(json_integer_value(json_object_get(d, "warning")), 1);
	for (size_t i = 0; i < len; i++)
		assert_true(buf[i] == '\n' ||
			    (buf[i] >= 0x20 && (unsigned char)buf[i] < 0x7f));
	if (out != NULL) {
		FILE *o = fopen(out, "w");
		assert_non_null(o);
		fputs(buf, o);
		fclose(o);
	}
	json_decref(root);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
