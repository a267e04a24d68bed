/*
 * test_history.c - the SQLite history file (store/history.c,
 * store/history_read.c).
 *
 * Round trip of every snapshot field, findings and drift through add,
 * latest and list (since, match by key/host/address/target, max, newest
 * first); the schema: a new file, an empty (0-byte) file migrated to
 * MX_HISTORY_SCHEMA, read-only opens that never migrate, a file of a
 * newer mxprobe refused and left as it was, an SQLite file of someone
 * else refused, views in place of our tables refused; files that are not
 * SQLite or are corrupted give one line and no crash; strings with
 * quotes, SQL and format characters round-trip exactly, and hostile rows
 * written behind our back (control bytes, over-long text, values over
 * SQLite's length limit, out-of-range numbers, unknown names) come back
 * capped, printable and clamped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "common/xalloc.h"
#include "store/history.h"
#include "store/history_int.h"

/* The newest stored snapshot that `match` names (mx_history_list with
 * max 1) into *out, NULL when none; 0 or -1 with err. */
static int latest(struct mx_history *h, const char *match,
		  struct mx_snapshot **out, char *err, size_t errlen)
{
	struct mx_history_list l = {0};
	int rc = mx_history_list(h, match, 0, 1, &l, err, errlen);

	*out = NULL;
	if (rc == 0 && l.n > 0) {
		*out = l.v[0];
		l.v[0] = NULL;
	}
	mx_history_list_free(&l);
	return rc;
}

#define T0 ((time_t)1800000000)

struct fx {
	char dir[64];
	char path[128];
	char err[512];
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_history.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/h.sqlite", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[160];
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void set(char **field, const char *v)
{
	free(*field);
	*field = v != NULL ? xstrdup(v) : NULL;
}

static struct mx_snapshot *snap(const char *host, const char *addr, time_t at)
{
	struct mx_snapshot *s = mx_snapshot_new();
	char key[256];

	snprintf(key, sizeof(key), "%s[%s]:25/starttls", host, addr);
	set(&s->key, key);
	set(&s->target, "Lab.Test");
	set(&s->host, host);
	set(&s->addr, addr);
	s->port = 25;
	s->mode = MX_MODE_STARTTLS;
	s->pref = 10;
	s->at = at;
	s->total_ms = 123;
	s->worst = MX_SEV_WARN;
	s->complete = 1;
	s->connected = 1;
	s->starttls = 1;
	set(&s->stop, "none");
	s->tls_ok = 1;
	set(&s->tls_version, "TLSv1.3");
	set(&s->suite, "TLS_AES_256_GCM_SHA384");
	set(&s->temp_key_type, "X25519");
	set(&s->temp_key_group, "X25519");
	s->temp_key_bits = 253;
	set(&s->cert_sha256, "ab12");
	set(&s->cert_serial, "01A2");
	set(&s->cert_subject, "CN=mx1.lab.test");
	set(&s->cert_issuer, "CN=Lab CA");
	s->cert_not_after = at + 86400 * 40;
	set(&s->chain, "ab12,cd34");
	s->chain_len = 2;
	s->verify_ok = 0;
	set(&s->verify_error, "unable to get local issuer certificate");
	s->dane = MX_DANE_MISMATCH;
	s->sts = MX_STS_OK;
	set(&s->sts_mode, "enforce");
	set(&s->sts_id, "20260101");
	mx_snap_add(&s->findings, &s->nfindings, "cert.untrusted", MX_SEV_CRIT,
		    "chain does not verify", NULL, NULL);
	mx_snap_add(&s->findings, &s->nfindings, "smtp.greeting_slow",
		    MX_SEV_WARN, "2100 ms", NULL, NULL);
	mx_snap_add(&s->drift, &s->ndrift, "drift.cert_replaced", MX_SEV_INFO,
		    "leaf certificate replaced: a -> b", "a", "b");
	return s;
}

static void eq_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same(const struct mx_snapshot *a,
			const struct mx_snapshot *b)
{
	eq_str(a->key, b->key);
	eq_str(a->target, b->target);
	eq_str(a->host, b->host);
	eq_str(a->addr, b->addr);
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->pref, b->pref);
	assert_int_equal(a->at, b->at);
	assert_int_equal(a->total_ms, b->total_ms);
	assert_int_equal(a->worst, b->worst);
	assert_int_equal(a->complete, b->complete);
	assert_int_equal(a->connected, b->connected);
	assert_int_equal(a->starttls, b->starttls);
	eq_str(a->stop, b->stop);
	assert_int_equal(a->tls_ok, b->tls_ok);
	eq_str(a->tls_version, b->tls_version);
	eq_str(a->suite, b->suite);
	eq_str(a->temp_key_type, b->temp_key_type);
	eq_str(a->temp_key_group, b->temp_key_group);
	assert_int_equal(a->temp_key_bits, b->temp_key_bits);
	eq_str(a->cert_sha256, b->cert_sha256);
	eq_str(a->cert_serial, b->cert_serial);
	eq_str(a->cert_subject, b->cert_subject);
	eq_str(a->cert_issuer, b->cert_issuer);
	assert_int_equal(a->cert_not_after, b->cert_not_after);
	eq_str(a->chain, b->chain);
	assert_int_equal(a->chain_len, b->chain_len);
	assert_int_equal(a->verify_ok, b->verify_ok);
	eq_str(a->verify_error, b->verify_error);
	assert_int_equal(a->dane, b->dane);
	assert_int_equal(a->sts, b->sts);
	eq_str(a->sts_mode, b->sts_mode);
	eq_str(a->sts_id, b->sts_id);
	assert_int_equal(a->nfindings, b->nfindings);
	for (size_t i = 0; i < a->nfindings; i++) {
		eq_str(a->findings[i].id, b->findings[i].id);
		assert_int_equal(a->findings[i].severity,
				 b->findings[i].severity);
		eq_str(a->findings[i].evidence, b->findings[i].evidence);
		eq_str(a->findings[i].before, b->findings[i].before);
		eq_str(a->findings[i].after, b->findings[i].after);
	}
	assert_int_equal(a->ndrift, b->ndrift);
	for (size_t i = 0; i < a->ndrift; i++) {
		eq_str(a->drift[i].id, b->drift[i].id);
		assert_int_equal(a->drift[i].severity, b->drift[i].severity);
		eq_str(a->drift[i].evidence, b->drift[i].evidence);
		eq_str(a->drift[i].before, b->drift[i].before);
		eq_str(a->drift[i].after, b->drift[i].after);
	}
}

/* Run SQL on the file directly (as sqlite3 would). */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -99;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	struct mx_history *h =
		mx_history_open(f->path, 0, f->err, sizeof(f->err));
	struct mx_snapshot *a = snap("mx1.lab.test", "127.0.0.31", T0);
	struct mx_snapshot *b = snap("mx1.lab.test", "127.0.0.31", T0 + 60);
	struct mx_snapshot *c = snap("mx2.lab.test", "127.0.0.32", T0 + 30);
	struct mx_snapshot *got = NULL;
	struct mx_history_list l, el = {0};

	if (h == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(mx_history_schema(h), MX_HISTORY_SCHEMA);
	/* NULLs and defaults round-trip too */
	set(&c->tls_version, NULL);
	set(&c->chain, NULL);
	c->cert_not_after = 0;
	c->starttls = -1;
	c->pref = -1;
	mx_snap_findings_free(c->drift, c->ndrift);
	c->drift = NULL;
	c->ndrift = 0;
	assert_int_equal(mx_history_add(h, a, f->err, sizeof(f->err)), 0);
	assert_int_equal(mx_history_add(h, b, f->err, sizeof(f->err)), 0);
	assert_int_equal(mx_history_add(h, c, f->err, sizeof(f->err)), 0);
	assert_true(a->id > 0 && b->id > a->id && c->id > b->id);

	assert_int_equal(mx_history_list_endpoint(h, a->key, a->target, 1, &el,
						  f->err, sizeof(f->err)),
			 0);
	assert_int_equal(el.n, 1);
	got = el.v[0];
	assert_int_equal(got->id, b->id);
	assert_same(got, b);
	mx_history_list_free(&el);
	/* the same key probed for another target is another history */
	assert_int_equal(mx_history_list_endpoint(h, a->key, "other.test", 1,
						  &el, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(el.n, 0);
	mx_history_list_free(&el);
	assert_int_equal(mx_history_list_endpoint(h, "nothing", a->target, 1,
						  &el, f->err, sizeof(f->err)),
			 0);
	assert_int_equal(el.n, 0);
	mx_history_list_free(&el);
	mx_history_close(h);

	/* read-only, as `history` opens it */
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	assert_non_null(h);
	assert_int_equal(mx_history_add(h, a, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "read-only"));
	assert_int_equal(
		mx_history_list(h, NULL, 0, 0, &l, f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 3); /* newest first */
	assert_same(l.v[0], b);
	assert_same(l.v[1], c);
	assert_same(l.v[2], a);
	mx_history_list_free(&l);
	/* since */
	assert_int_equal(mx_history_list(h, NULL, T0 + 30, 0, &l, f->err,
					 sizeof(f->err)),
			 0);
	assert_int_equal(l.n, 2);
	mx_history_list_free(&l);
	/* max; truncated says when more matched */
	assert_int_equal(
		mx_history_list(h, NULL, 0, 1, &l, f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0]->id, b->id);
	assert_int_equal(l.truncated, 1);
	mx_history_list_free(&l);
	assert_int_equal(
		mx_history_list(h, NULL, 0, 3, &l, f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.truncated, 0);
	mx_history_list_free(&l);
	/* the byte budget: the row that passes it is the last read */
	assert_int_equal(mx_hist_list(h, NULL, NULL, 0, 0, 1, &l, f->err,
				      sizeof(f->err)),
			 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.truncated, 1);
	mx_history_list_free(&l);
	assert_int_equal(mx_hist_list(h, NULL, NULL, 0, 0, 1 << 20, &l, f->err,
				      sizeof(f->err)),
			 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.truncated, 0);
	mx_history_list_free(&l);
	/* match: key, host (any case), address, target (any case) */
	static const struct {
		const char *match;
		size_t n;
	} m[] = {{"mx1.lab.test[127.0.0.31]:25/starttls", 2},
		 {"MX2.lab.test", 1},
		 {"127.0.0.31", 2},
		 {"lab.test", 3},
		 {"mx1.lab.test[127.0.0.31]:25", 0},
		 {"' OR 1=1 --", 0}};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		assert_int_equal(mx_history_list(h, m[i].match, 0, 0, &l,
						 f->err, sizeof(f->err)),
				 0);
		if (l.n != m[i].n)
			fail_msg("match %s: %zu rows, want %zu", m[i].match,
				 l.n, m[i].n);
		mx_history_list_free(&l);
	}
	mx_history_close(h);
	/* the file is WAL, and only its owner may read it */
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 MX_HISTORY_SCHEMA);
	assert_int_equal(raw_int(f->path,
				 "SELECT count(*) FROM findings WHERE kind = "
				 "'drift'"),
			 2);
	assert_int_equal(access(f->path, R_OK), 0);
	/* --history may name a symbolic link to the file */
	{
		char link[160];
		snprintf(link, sizeof(link), "%s/link.sqlite", f->dir);
		assert_int_equal(symlink("h.sqlite", link), 0);
		h = mx_history_open(link, 1, f->err, sizeof(f->err));
		if (h == NULL)
			fail_msg("%s", f->err);
		assert_int_equal(mx_history_list(h, NULL, 0, 0, &l, f->err,
						 sizeof(f->err)),
				 0);
		assert_int_equal(l.n, 3);
		mx_history_list_free(&l);
		mx_history_close(h);
		unlink(link);
	}
	mx_snapshot_free(a);
	mx_snapshot_free(b);
	mx_snapshot_free(c);
}

/* A 0-byte file is a version-0 database: read-only it is empty,
 * writable it is migrated; a missing file read-only is an error. */
static void test_migration(void **state)
{
	struct fx *f = *state;
	struct mx_history *h;
	struct mx_history_list l;

	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	assert_null(h);
	assert_non_null(strstr(f->err, "no history yet"));

	write_file(f->path, "", 0);
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	if (h == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(mx_history_schema(h), 0);
	assert_int_equal(
		mx_history_list(h, NULL, 0, 0, &l, f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(mx_history_list_endpoint(h, "k", "t", 1, &l, f->err,
						  sizeof(f->err)),
			 0);
	assert_int_equal(l.n, 0);
	mx_history_list_free(&l);
	mx_history_close(h);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 0);

	h = mx_history_open(f->path, 0, f->err, sizeof(f->err));
	if (h == NULL)
		fail_msg("%s", f->err);
	assert_int_equal(mx_history_schema(h), MX_HISTORY_SCHEMA);
	mx_history_close(h);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 MX_HISTORY_SCHEMA);
	assert_int_equal(
		raw_int(f->path,
			"SELECT count(*) FROM sqlite_schema WHERE type = "
			"'table'"),
		2);
	/* opening again changes nothing */
	h = mx_history_open(f->path, 0, f->err, sizeof(f->err));
	assert_non_null(h);
	mx_history_close(h);
	assert_int_equal(raw_int(f->path, "SELECT journal_mode = 'wal' FROM "
					  "pragma_journal_mode()"),
			 1);
}

static void test_future_version(void **state)
{
	struct fx *f = *state;
	struct mx_history *h;
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "CREATE TABLE probes (x); CREATE TABLE findings (y); "
		 "PRAGMA user_version = %d;",
		 MX_HISTORY_SCHEMA + 1);
	raw_sql(f->path, sql);
	for (int ro = 0; ro <= 1; ro++) {
		h = mx_history_open(f->path, ro, f->err, sizeof(f->err));
		assert_null(h);
		assert_non_null(strstr(f->err, "newer mxprobe"));
		assert_null(strchr(f->err, '\n'));
	}
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 MX_HISTORY_SCHEMA + 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM probes"), 0);
}

/* Files that are not ours: an SQLite database of other tables, our
 * names as views, our tables with other columns, a negative version. */
static void test_not_ours(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *sql, *why;
	} c[] = {
		{"CREATE TABLE notes (a, b);", "other tables"},
		{"CREATE TABLE t (a); CREATE VIEW probes AS SELECT * FROM t; "
		 "CREATE VIEW findings AS SELECT * FROM t; "
		 "PRAGMA user_version = 1;",
		 "are missing"},
		{"CREATE TABLE probes (a); CREATE TABLE findings (b); "
		 "PRAGMA user_version = 1;",
		 "expected columns"},
		{"PRAGMA user_version = -3;", "schema version -3"},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		unlink(f->path);
		raw_sql(f->path, c[i].sql);
		for (int ro = 0; ro <= 1; ro++) {
			struct mx_history *h = mx_history_open(
				f->path, ro, f->err, sizeof(f->err));
			if (h != NULL)
				fail_msg("case %zu opened", i);
			if (strstr(f->err, c[i].why) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, f->err,
					 c[i].why);
		}
	}
}

/* Not SQLite at all, truncated, or with pages overwritten. */
static void test_corrupted(void **state)
{
	struct fx *f = *state;
	struct mx_history *h;
	struct mx_history_list l;
	static const char text[] = "hello, this is not a database\n";
	uint8_t junk[8192];
	FILE *fp;
	long size;

	write_file(f->path, text, sizeof(text) - 1);
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	assert_null(h);
	assert_non_null(strstr(f->err, "not an mxprobe history file"));
	assert_null(strchr(f->err, '\n'));
	h = mx_history_open(f->path, 0, f->err, sizeof(f->err));
	assert_null(h);

	/* a schema whose SQL holds a newline: SQLite quotes it in its
	 * message, which must stay one line (found by fuzz_history) */
	{
		const char *dir = getenv("FUZZ_CORPUS_DIR");
		char src[512];
		FILE *in;
		uint8_t buf[8192];
		size_t n;

		snprintf(src, sizeof(src), "%s/history/regress_schema_newline",
			 dir != NULL ? dir : "tests/fuzz/corpus");
		in = fopen(src, "rb");
		if (in == NULL)
			fail_msg("cannot read %s (FUZZ_CORPUS_DIR)", src);
		n = fread(buf, 1, sizeof(buf), in);
		fclose(in);
		write_file(f->path, buf, n);
		for (int ro = 1; ro >= 0; ro--) {
			h = mx_history_open(f->path, ro, f->err,
					    sizeof(f->err));
			assert_null(h);
			assert_non_null(
				strstr(f->err, "not an mxprobe history file"));
			assert_null(strchr(f->err, '\n'));
		}
	}

	/* a directory */
	h = mx_history_open(f->dir, 1, f->err, sizeof(f->err));
	assert_null(h);
	assert_non_null(strstr(f->err, "not a regular file"));

	/* a real history with many rows, then pages overwritten */
	unlink(f->path);
	h = mx_history_open(f->path, 0, f->err, sizeof(f->err));
	assert_non_null(h);
	for (int i = 0; i < 200; i++) {
		struct mx_snapshot *s =
			snap("mx1.lab.test", "127.0.0.31", T0 + i);
		assert_int_equal(mx_history_add(h, s, f->err, sizeof(f->err)),
				 0);
		mx_snapshot_free(s);
	}
	mx_history_close(h);
	raw_sql(f->path, "PRAGMA wal_checkpoint(TRUNCATE); "
			 "PRAGMA journal_mode = DELETE;");
	fp = fopen(f->path, "r+b");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	assert_true(size > 3 * 4096);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	fseek(fp, 2 * 4096, SEEK_SET);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	fclose(fp);
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	if (h != NULL) {
		int r = mx_history_list(h, NULL, 0, 0, &l, f->err,
					sizeof(f->err));
		if (r != 0) {
			assert_non_null(strstr(f->err, "h.sqlite"));
			assert_int_equal(l.n, 0);
		}
		mx_history_list_free(&l);
		mx_history_close(h);
	}

	/* the first page only: a truncated copy */
	fp = fopen(f->path, "r+b");
	assert_non_null(fp);
	assert_int_equal(ftruncate(fileno(fp), 1000), 0);
	fclose(fp);
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	if (h != NULL) {
		if (mx_history_list(h, NULL, 0, 0, &l, f->err,
				    sizeof(f->err)) == 0)
			mx_history_list_free(&l);
		mx_history_close(h);
	} else {
		assert_null(strchr(f->err, '\n'));
	}
}

/* Text with quotes, SQL, format and escape characters round-trips as
 * it was; rows written behind our back come back capped and clamped. */
static void test_odd_strings(void **state)
{
	struct fx *f = *state;
	struct mx_history *h;
	struct mx_snapshot *s =
		snap("x'); DROP TABLE probes; --", "%s%n%x", T0);
	struct mx_snapshot *got = NULL;
	struct mx_history_list l;
	char *big;

	set(&s->cert_subject, "CN=\"quoted\", O=back\\slash\\x1b[2J");
	set(&s->findings[0].evidence, "50% of 'x' \"y\" ; -- /* */");
	h = mx_history_open(f->path, 0, f->err, sizeof(f->err));
	assert_non_null(h);
	assert_int_equal(mx_history_add(h, s, f->err, sizeof(f->err)), 0);
	assert_int_equal(latest(h, s->key, &got, f->err, sizeof(f->err)), 0);
	assert_non_null(got);
	assert_same(got, s);
	mx_snapshot_free(got);

	/* over the cap: cut with "..." (written and read the same way) */
	big = xmalloc(10001);
	memset(big, 'A', 10000);
	big[10000] = '\0';
	set(&s->cert_subject, big);
	assert_int_equal(mx_history_add(h, s, f->err, sizeof(f->err)), 0);
	assert_int_equal(latest(h, s->key, &got, f->err, sizeof(f->err)), 0);
	assert_int_equal(strlen(got->cert_subject), 4096);
	assert_string_equal(got->cert_subject + 4093, "...");
	mx_snapshot_free(got);
	free(big);
	mx_history_close(h);

	/* a hostile writer: control bytes, a NUL, huge numbers, names we
	 * do not know, too many findings */
	raw_sql(f->path,
		"INSERT INTO probes (key, port, mode, pref, at, total_ms, "
		"worst, complete, connected, starttls, tls_ok, temp_key_bits, "
		"chain_len, verify_ok, dane, sts, cert_subject, suite, chain) "
		"VALUES ('evil', 99999, 'carrier-pigeon', -50, "
		"9000000000000000000, -5, 'apocalyptic', 7, -1, 9, 2, "
		"99999999, 1000000, 5, 'maybe', 'perhaps', "
		"'a' || char(27) || '[2J' || char(0) || 'b' || char(10), "
		"CAST(x'00ff1b41' AS TEXT), zeroblob(100000));"
		"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM "
		"n WHERE i < 999) INSERT INTO findings (probe_id, kind, seq, "
		"id, severity) SELECT (SELECT id FROM probes WHERE key = "
		"'evil'), 'finding', i, 'x' || char(7), 'bogus' FROM n;");
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	assert_non_null(h);
	assert_int_equal(latest(h, "evil", &got, f->err, sizeof(f->err)), 0);
	assert_non_null(got);
	assert_int_equal(got->port, 65535);
	assert_int_equal(got->mode, MX_MODE_STARTTLS);
	assert_int_equal(got->pref, -1);
	assert_int_equal(got->total_ms, 0);
	assert_int_equal(got->worst, MX_SEV_UNKNOWN);
	assert_int_equal(got->complete, 1);
	assert_int_equal(got->connected, 0);
	assert_int_equal(got->starttls, 1);
	assert_int_equal(got->chain_len, 1000);
	assert_int_equal(got->dane, MX_DANE_NOT_LOOKED_UP);
	assert_int_equal(got->sts, MX_STS_NOT_LOOKED_UP);
	assert_string_equal(got->cert_subject, "a?[2J?b?");
	assert_string_equal(got->suite, "???A");
	assert_int_equal(strlen(got->chain), 8192);
	assert_int_equal(got->nfindings, 512);
	assert_string_equal(got->findings[0].id, "x?");
	assert_int_equal(got->findings[0].severity, MX_SEV_UNKNOWN);
	mx_snapshot_free(got);
	mx_history_close(h);

	/* `at` as text sorts apart in SQL; the list is still newest first
	 * (found by fuzz_history) */
	raw_sql(f->path,
		"UPDATE probes SET at = '-5' WHERE key = 'evil'; "
		"UPDATE probes SET at = CAST(at AS TEXT) WHERE id = 1;");
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	assert_non_null(h);
	assert_int_equal(
		mx_history_list(h, NULL, 0, 0, &l, f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 3);
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.v[i - 1]->at >= l.v[i]->at);
	assert_int_equal(l.v[2]->at, -5);
	mx_history_list_free(&l);
	mx_history_close(h);

	/* a value over SQLite's length limit (1 MiB): an error, no row */
	raw_sql(f->path, "INSERT INTO probes (key, port, mode, pref, at, "
			 "total_ms, worst, complete, connected, starttls, "
			 "tls_ok, temp_key_bits, chain_len, verify_ok, dane, "
			 "sts, chain) VALUES ('huge', 25, 'starttls', 1, 1, "
			 "1, 'ok', 1, 1, 1, 1, 1, 1, 1, 'none', 'none', "
			 "zeroblob(2000000));");
	h = mx_history_open(f->path, 1, f->err, sizeof(f->err));
	assert_non_null(h);
	assert_int_equal(mx_history_list(h, "huge", 0, 0, &l, f->err,
					 sizeof(f->err)),
			 -1);
	assert_non_null(strstr(f->err, "too big"));
	assert_int_equal(l.n, 0);
	mx_history_close(h);
	mx_snapshot_free(s);
}

/* Several writers open a new file at once (watch started twice, or
 * from cron): one creates the tables, the others find them; every add
 * lands. */
static void test_concurrent_open(void **state)
{
	struct fx *f = *state;
	enum { N = 6, ADDS = 20 };
	pid_t pid[N];
	int status;

	for (int i = 0; i < N; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			char err[512];
			struct mx_history *h =
				mx_history_open(f->path, 0, err, sizeof(err));
			int bad = h == NULL;
			for (int k = 0; h != NULL && k < ADDS; k++) {
				struct mx_snapshot *s = snap(
					"mx1.lab.test", "127.0.0.31", T0 + k);
				bad |= mx_history_add(h, s, err, sizeof(err)) !=
				       0;
				mx_snapshot_free(s);
			}
			if (bad)
				fprintf(stderr, "child %d: %s\n", i, err);
			mx_history_close(h);
			_exit(bad);
		}
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM probes"),
			 N * ADDS);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"),
			 MX_HISTORY_SCHEMA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migration, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_future_version, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_odd_strings, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_open, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
