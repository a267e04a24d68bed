/*
 * test_fix_strings.c - every fix that names a literal client setting
 * names one the run tried against that server (issue 11 point 4).
 *
 * Walks the JSON documents of real lab runs (tests/data/labruns, *.json
 * written by the real mxprobe against the lab by labruns/record.sh, not
 * by hand): for every finding of every target and endpoint, every quoted
 * string ('...') that is a client setting - a cipher list, TLS 1.3
 * ciphersuites or a GnuTLS priority string, told by its shape: no blank,
 * only the characters such strings use, and a ':' joining two or more
 * items - must be among the strings that run tested against that
 * endpoint (the run's confirmation records: enumeration.clients[]
 * advice_openssl / advice_openssl_ciphersuites / advice_gnutls with a
 * PASS or FAIL, enumeration.intolerance advice with advice_ok).  A
 * target's own findings may name what any of its endpoints tested.
 * Fragments to append ('!kDHE', '!kRSA') are no setting on their own.
 * A quoted setting followed by a note inside the same quotes is not
 * pasteable and fails too.
 *
 * The classifier is itself tested on the untested string the FIN fix
 * used to print, so a walk that checks nothing cannot pass.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#define MAX_TESTED 512

struct tested {
	const char *s[MAX_TESTED];
	size_t n;
};

static void add(struct tested *t, json_t *o, const char *key,
		const char *ok_key)
{
	json_t *v = json_object_get(o, key);
	json_t *ok = json_object_get(o, ok_key);

	/* tried: a PASS or FAIL; null is untested */
	if (!json_is_string(v) || !json_is_boolean(ok) || t->n >= MAX_TESTED)
		return;
	t->s[t->n++] = json_string_value(v);
}

static void collect(struct tested *t, json_t *ep)
{
	json_t *en = json_object_get(ep, "enumeration"), *c, *in;
	size_t i;

	if (!json_is_object(en))
		return;
	json_array_foreach(json_object_get(en, "clients"), i, c)
	{
		add(t, c, "advice_openssl", "advice_openssl_ok");
		add(t, c, "advice_openssl_ciphersuites", "advice_openssl_ok");
		add(t, c, "advice_gnutls", "advice_gnutls_ok");
	}
	in = json_object_get(en, "intolerance");
	if (json_is_object(in)) {
		add(t, in, "advice_openssl", "advice_ok");
		add(t, in, "advice_openssl_ciphersuites", "advice_ok");
	}
}

/* Is s (len n) a client setting by its shape? */
static int setting_shaped(const char *s, size_t n)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				 "qrstuvwxyz0123456789_-+!@%:=.";
	size_t i, colons = 0;

	if (n < 3)
		return 0;
	for (i = 0; i < n; i++) {
		if (strchr(ok, s[i]) == NULL)
			return 0;
		colons += s[i] == ':';
	}
	return colons > 0 && s[0] != ':' && s[n - 1] != ':';
}

static int is_tested(const struct tested *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strlen(t->s[i]) == n && memcmp(t->s[i], s, n) == 0)
			return 1;
	return 0;
}

/* The client settings in fix that t lacks (counted; each printed). */
static int untested_in(const char *fix, const struct tested *t,
		       const char *what, size_t *seen)
{
	const char *p = fix, *q;
	int bad = 0;

	while (p != NULL && (p = strchr(p, '\'')) != NULL) {
		q = strchr(p + 1, '\'');
		if (q == NULL)
			break;
		{
			size_t len = (size_t)(q - p - 1),
			       head = strcspn(p + 1, " ");

			if (head < len && setting_shaped(p + 1, head)) {
				/* a setting with a note inside the quotes: not
			 * pasteable */
				print_message("# not pasteable in %s: '%.*s'\n",
					      what, (int)len, p + 1);
				bad++;
				p = q + 1;
			} else if (setting_shaped(p + 1, len)) {
				(*seen)++;
				if (!is_tested(t, p + 1, (size_t)(q - p - 1))) {
					print_message(
						"# untested in %s: '%.*s'\n",
						what, (int)(q - p - 1), p + 1);
					bad++;
				}
				p = q + 1;
			} else {
				p = p + 1; /* an apostrophe, or prose */
			}
		}
	}
	return bad;
}

static int walk_findings(json_t *fs, const struct tested *t, const char *file,
			 size_t *seen, size_t *nf)
{
	json_t *f;
	size_t i;
	int bad = 0;
	char what[512];

	json_array_foreach(fs, i, f)
	{
		json_t *fix = json_object_get(f, "fix");

		(*nf)++;
		if (!json_is_string(fix))
			continue;
		snprintf(
			what, sizeof(what), "%s %s at %s", file,
			json_string_value(json_object_get(f, "id")),
			json_is_string(json_object_get(f, "where"))
				? json_string_value(json_object_get(f, "where"))
				: "?");
		bad += untested_in(json_string_value(fix), t, what, seen);
	}
	return bad;
}

static int walk_doc(json_t *doc, const char *file, size_t *seen, size_t *nf)
{
	json_t *tg, *ep;
	size_t i, j;
	int bad = 0;

	json_array_foreach(json_object_get(doc, "targets"), i, tg)
	{
		struct tested all = {{0}, 0};

		json_array_foreach(json_object_get(tg, "endpoints"), j, ep)
		{
			struct tested t = {{0}, 0};

			collect(&t, ep);
			collect(&all, ep);
			bad += walk_findings(json_object_get(ep, "findings"),
					     &t, file, seen, nf);
		}
		bad += walk_findings(json_object_get(tg, "findings"), &all,
				     file, seen, nf);
	}
	return bad;
}

static void test_lab_runs(void **state)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[2048];
	struct dirent *de;
	DIR *d;
	size_t docs = 0, seen = 0, nf = 0;
	int bad = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/labruns", dir ? dir : "tests/data");
	d = opendir(path);
	if (d == NULL)
		fail_msg("cannot open %s", path);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char file[4096 + 256];
		json_error_t err;
		json_t *doc;

		if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		doc = json_load_file(file, 0, &err);
		if (doc == NULL)
			fail_msg("%s: %s", file, err.text);
		bad += walk_doc(doc, de->d_name, &seen, &nf);
		json_decref(doc);
		docs++;
	}
	closedir(d);
	print_message("# %zu lab runs, %zu findings, %zu client strings in "
		      "fixes, %d untested\n",
		      docs, nf, seen, bad);
	assert_true(docs >= 5);
	/* The intolerant front's fixes name tested strings: the walk saw
	 * some (a walk that checks nothing proves nothing). */
	assert_true(seen > 0);
	assert_int_equal(bad, 0);
}

/* The classifier flags what the FIN fix used to print untested, and
 * leaves prose, fragments and tested strings alone. */
static void test_classifier(void **state)
{
	struct tested t = {{"DEFAULT:!AESGCM", "NORMAL:-AES-128-GCM"}, 2};
	size_t seen = 0;

	(void)state;
	assert_int_equal(
		untested_in("use a short cipher list with TLS 1.2 at most, "
			    "e.g. 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-"
			    "AES128-GCM-SHA256:AES256-SHA'.",
			    &t, "old FIN fix", &seen),
		1);
	assert_int_equal(untested_in("OpenSSL cipher list 'DEFAULT:!AESGCM' "
				     "and GnuTLS priority "
				     "'NORMAL:-AES-128-GCM'; the server's "
				     "'!kRSA' and 'dh key too small'",
				     &t, "tested", &seen),
			 0);
	assert_int_equal(seen, 3);
	/* what the intolerance advice used to be: a note in the quotes */
	assert_int_equal(untested_in("'DEFAULT:!AESGCM (TLS 1.2 at most)'", &t,
				     "note inside quotes", &seen),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classifier),
		cmocka_unit_test(test_lab_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
