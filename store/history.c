/*
 * history.c - the history file: open, schema migrations, add
 * (store/history.h; reading rows back is history_read.c).
 *
 * Schema: PRAGMA user_version holds the version; `migrations` below is
 * the one list of steps, step N taking a file from version N-1 to N,
 * applied in order in one transaction on open.  Version 0 is a file
 * without our tables (new, or empty); a file with tables of its own but
 * version 0 is not ours and is refused, as is a version above
 * MX_HISTORY_SCHEMA (a newer mxprobe wrote it: never rewritten).
 * A read-only open never migrates: a version-0 file reads as empty, an
 * older non-zero version is refused with a message (run `watch`).
 *
 * The connection: busy timeout (a reader beside the writing `watch`),
 * WAL journal and synchronous NORMAL when writable, foreign keys on, SQLite's defensive mode
 * and untrusted schema (a hostile file's views and triggers cannot call
 * functions with side effects), values capped at MX_HIST_VALUE_MAX; the
 * tables must be tables (not views).  Every statement with data is
 * prepared with bound parameters; the only SQL built at run time is
 * "PRAGMA user_version = N" with N one of our constants.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "common/escape.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "store/history_int.h"

#define BUSY_TIMEOUT_MS 5000

static const char *const migrations[] = {
	/* 1: the first schema (issue 10) */
	"CREATE TABLE probes ("
	" id INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL,"
	" target TEXT, host TEXT, addr TEXT,"
	" port INTEGER NOT NULL, mode TEXT NOT NULL, pref INTEGER NOT NULL,"
	" at INTEGER NOT NULL, total_ms INTEGER NOT NULL,"
	" worst TEXT NOT NULL, complete INTEGER NOT NULL,"
	" connected INTEGER NOT NULL, starttls INTEGER NOT NULL, stop TEXT,"
	" tls_ok INTEGER NOT NULL, tls_version TEXT, suite TEXT,"
	" temp_key_type TEXT, temp_key_group TEXT,"
	" temp_key_bits INTEGER NOT NULL,"
	" cert_sha256 TEXT, cert_serial TEXT, cert_subject TEXT,"
	" cert_issuer TEXT, cert_not_after INTEGER,"
	" chain TEXT, chain_len INTEGER NOT NULL,"
	" verify_ok INTEGER NOT NULL, verify_error TEXT,"
	" dane TEXT NOT NULL, sts TEXT NOT NULL, sts_mode TEXT, sts_id TEXT);"
	"CREATE INDEX probes_key_at ON probes(key, at);"
	"CREATE INDEX probes_at ON probes(at);"
	"CREATE TABLE findings ("
	" probe_id INTEGER NOT NULL REFERENCES probes(id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL CHECK (kind IN ('finding', 'drift')),"
	" seq INTEGER NOT NULL,"
	" id TEXT NOT NULL, severity TEXT NOT NULL, evidence TEXT,"
	" \"before\" TEXT, \"after\" TEXT,"
	" PRIMARY KEY (probe_id, kind, seq));",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == MX_HISTORY_SCHEMA,
	       "one migration per schema version");

/* SQLite's message may quote the file (a malformed schema's SQL): it is
 * escaped and capped like any text from a file. */
void mx_hist_err(const struct mx_history *h, char *err, size_t errlen,
		 const char *what)
{
	char *msg = mx_escape_str(
		h->db != NULL ? sqlite3_errmsg(h->db) : "no database", 200);

	mx_set_err(err, errlen, "%s: %s (%s)", h->name, what, msg);
	free(msg);
}

/* ---- enum names ----------------------------------------------------- */

enum mx_severity mx_hist_severity(const char *name)
{
	for (int s = MX_SEV_OK; s <= MX_SEV_UNKNOWN; s++)
		if (name != NULL &&
		    strcmp(name, mx_severity_name((enum mx_severity)s)) == 0)
			return (enum mx_severity)s;
	return MX_SEV_UNKNOWN;
}

enum mx_tls_mode mx_hist_mode(const char *name, enum mx_tls_mode dflt)
{
	for (int m = MX_MODE_STARTTLS; m <= MX_MODE_PLAIN; m++)
		if (name != NULL &&
		    strcmp(name, mx_tls_mode_name((enum mx_tls_mode)m)) == 0)
			return (enum mx_tls_mode)m;
	return dflt;
}

enum mx_dane_state mx_hist_dane(const char *name)
{
	for (int d = MX_DANE_NOT_LOOKED_UP; d <= MX_DANE_FAILED; d++)
		if (name != NULL &&
		    strcmp(name, mx_dane_state_name((enum mx_dane_state)d)) ==
			    0)
			return (enum mx_dane_state)d;
	return MX_DANE_NOT_LOOKED_UP;
}

enum mx_sts_state mx_hist_sts(const char *name)
{
	for (int s = MX_STS_NOT_LOOKED_UP; s <= MX_STS_FAILING; s++)
		if (name != NULL &&
		    strcmp(name, mx_sts_state_name((enum mx_sts_state)s)) == 0)
			return (enum mx_sts_state)s;
	return MX_STS_NOT_LOOKED_UP;
}

/* ---- open ------------------------------------------------------------ */

static int exec(struct mx_history *h, const char *sql, char *err, size_t errlen,
		const char *what)
{
	if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		mx_hist_err(h, err, errlen, what);
		return -1;
	}
	return 0;
}

/* One integer from a statement without parameters; -1 on error. */
static int query_int(struct mx_history *h, const char *sql, long long *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* The schema version and the number of schema objects, read together
 * (inside the caller's transaction); a file that is not SQLite, or whose
 * schema does not parse, fails here.  Checks what every open refuses. */
static int read_version(struct mx_history *h, long long *v, long long *nobjects,
			char *err, size_t errlen)
{
	if (query_int(h, "PRAGMA user_version", v) != 0) {
		mx_hist_err(h, err, errlen, "not an mxprobe history file");
		return -1;
	}
	/* reading the schema parses it: a malformed one fails here */
	if (query_int(h, "SELECT count(*) FROM sqlite_schema", nobjects) != 0) {
		mx_hist_err(h, err, errlen,
			    "not an mxprobe history file (cannot read its "
			    "schema)");
		return -1;
	}
	if (*v > MX_HISTORY_SCHEMA) {
		mx_set_err(err, errlen,
			   "%s: written by a newer mxprobe (history schema "
			   "%lld; this one reads up to %d): not changed",
			   h->name, *v, MX_HISTORY_SCHEMA);
		return -1;
	}
	if (*v < 0) {
		mx_set_err(err, errlen,
			   "%s: not an mxprobe history file (schema version "
			   "%lld)",
			   h->name, *v);
		return -1;
	}
	if (*v == 0 && *nobjects != 0) {
		mx_set_err(err, errlen,
			   "%s: not an mxprobe history file (an SQLite "
			   "database with other tables)",
			   h->name);
		return -1;
	}
	return 0;
}

/* Under the write lock, from the version found then (another watch may
 * have migrated the file since it was first read). */
static int migrate(struct mx_history *h, char *err, size_t errlen)
{
	long long from = 0, nobjects = 0;
	char sql[64];

	if (exec(h, "BEGIN IMMEDIATE", err, errlen, "cannot lock") != 0)
		return -1;
	if (read_version(h, &from, &nobjects, err, errlen) != 0)
		goto fail;
	for (long long v = from + 1; v <= MX_HISTORY_SCHEMA; v++)
		if (exec(h, migrations[v - 1], err, errlen,
			 "cannot create or migrate the history tables") != 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		 MX_HISTORY_SCHEMA);
	if (exec(h, sql, err, errlen, "cannot set the schema version") != 0 ||
	    exec(h, "COMMIT", err, errlen, "cannot commit the migration") != 0)
		goto fail;
	h->schema = MX_HISTORY_SCHEMA;
	return 0;
fail:
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Our two names must be tables, not views a hostile file put there. */
static int check_tables(struct mx_history *h, char *err, size_t errlen)
{
	long long n = 0;

	if (query_int(h,
		      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
		      "AND name IN ('probes', 'findings')",
		      &n) != 0) {
		mx_hist_err(h, err, errlen,
			    "not an mxprobe history file (cannot read its "
			    "schema)");
		return -1;
	}
	if (n != 2) {
		mx_set_err(err, errlen,
			   "%s: not an mxprobe history file (its tables "
			   "'probes' and 'findings' are missing)",
			   h->name);
		return -1;
	}
	return 0;
}

static int prepare(struct mx_history *h, char *err, size_t errlen)
{
	static const char ins_probe[] =
		"INSERT INTO probes (" MX_HIST_PROBE_COLS ") VALUES (NULL, "
		"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char ins_finding[] =
		"INSERT INTO findings (probe_id, kind, seq, id, severity, "
		"evidence, \"before\", \"after\") VALUES (?, ?, ?, ?, ?, ?, ?, "
		"?)";
	static const char sel_findings[] =
		"SELECT kind, id, severity, evidence, \"before\", \"after\" "
		"FROM findings WHERE probe_id = ? AND kind = ? ORDER BY seq "
		"LIMIT ?";

	if ((!h->readonly &&
	     (sqlite3_prepare_v2(h->db, ins_probe, -1, &h->ins_probe, NULL) !=
		      SQLITE_OK ||
	      sqlite3_prepare_v2(h->db, ins_finding, -1, &h->ins_finding,
				 NULL) != SQLITE_OK)) ||
	    sqlite3_prepare_v2(h->db, sel_findings, -1, &h->sel_findings,
			       NULL) != SQLITE_OK) {
		mx_hist_err(h, err, errlen,
			    "not an mxprobe history file (its tables do not "
			    "have the expected columns)");
		return -1;
	}
	return 0;
}

static int configure_db(struct mx_history *h, char *err, size_t errlen)
{
	sqlite3_extended_result_codes(h->db, 1);
	sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
	sqlite3_limit(h->db, SQLITE_LIMIT_LENGTH, MX_HIST_VALUE_MAX);
	sqlite3_limit(h->db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_db_config(h->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(h->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(h->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(h->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	if (exec(h, "PRAGMA foreign_keys = ON", err, errlen,
		 "cannot configure the database") != 0)
		return -1;
	return 0;
}

static int open_schema(struct mx_history *h, char *err, size_t errlen)
{
	long long v = 0, nobjects = 0;

	/* one read transaction: the version and the tables agree even when
	 * a watch creates the file at this moment */
	if (exec(h, "BEGIN", err, errlen, "cannot read") != 0)
		return -1;
	if (read_version(h, &v, &nobjects, err, errlen) != 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (exec(h, "COMMIT", err, errlen, "cannot read") != 0)
		return -1;
	h->schema = (int)v;
	if (h->readonly) {
		if (v == 0) {
			h->empty = 1;
			return 0;
		}
		if (v < MX_HISTORY_SCHEMA) {
			mx_set_err(err, errlen,
				   "%s: history schema %lld is older than %d; "
				   "`mxprobe watch` migrates it",
				   h->name, v, MX_HISTORY_SCHEMA);
			return -1;
		}
	} else {
		/* WAL: readers beside the writer; "wal" comes back.  With WAL,
		 * synchronous NORMAL keeps the file consistent on a crash and
		 * spares an fsync per probe (a power loss may lose the last
		 * probes, never the file) */
		if (exec(h, "PRAGMA journal_mode = WAL", err, errlen,
			 "cannot switch to WAL") != 0 ||
		    exec(h, "PRAGMA synchronous = NORMAL", err, errlen,
			 "cannot configure the database") != 0)
			return -1;
		if (v < MX_HISTORY_SCHEMA && migrate(h, err, errlen) != 0)
			return -1;
	}
	if (check_tables(h, err, errlen) != 0)
		return -1;
	return prepare(h, err, errlen);
}

struct mx_history *mx_history_open(const char *path, int readonly, char *err,
				   size_t errlen)
{
	struct mx_history *h = xcalloc(1, sizeof(*h));
	struct stat st;
	int flags = readonly ? SQLITE_OPEN_READONLY
			     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	h->name = mx_escape_str(path != NULL ? path : "", 512);
	h->readonly = readonly;
	if (path == NULL || path[0] == '\0') {
		mx_set_err(err, errlen, "history: no file name");
		goto fail;
	}
	if (stat(path, &st) != 0) {
		int e = errno;
		if (readonly || e != ENOENT) {
			mx_set_err(err, errlen, "%s: %s%s", h->name,
				   strerror(e),
				   e == ENOENT ? " (no history yet: "
						 "`mxprobe watch` writes it)"
					       : "");
			goto fail;
		}
		/* a new file: only its owner reads it */
		int fd = open(path,
			      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				      O_CLOEXEC,
			      0600);
		if (fd < 0 && errno != EEXIST) {
			mx_set_err(err, errlen, "%s: cannot create: %s",
				   h->name, strerror(errno));
			goto fail;
		}
		if (fd >= 0)
			close(fd);
	} else if (!S_ISREG(st.st_mode)) {
		mx_set_err(err, errlen, "%s: not a regular file", h->name);
		goto fail;
	}
	if (sqlite3_open_v2(path, &h->db, flags, NULL) != SQLITE_OK) {
		mx_hist_err(h, err, errlen, "cannot open");
		goto fail;
	}
	if (configure_db(h, err, errlen) != 0 ||
	    open_schema(h, err, errlen) != 0)
		goto fail;
	return h;
fail:
	mx_history_close(h);
	return NULL;
}

void mx_history_close(struct mx_history *h)
{
	if (h == NULL)
		return;
	sqlite3_finalize(h->ins_probe);
	sqlite3_finalize(h->ins_finding);
	sqlite3_finalize(h->sel_findings);
	if (h->db != NULL)
		sqlite3_close(h->db);
	free(h->name);
	free(h);
}

int mx_history_schema(const struct mx_history *h)
{
	return h->schema;
}

/* ---- add ------------------------------------------------------------- */

/* Bind s (NULL: SQL NULL), cut to cap with "..." as history_read.c reads
 * it back. */
static int bind_text(sqlite3_stmt *st, int i, const char *s, size_t cap)
{
	size_t len;

	if (s == NULL)
		return sqlite3_bind_null(st, i);
	len = strlen(s);
	if (len <= cap)
		return sqlite3_bind_text(st, i, s, (int)len, SQLITE_TRANSIENT);
	char *cut = xmalloc(cap + 1);
	memcpy(cut, s, cap - 3);
	memcpy(cut + cap - 3, "...", 4);
	int rc = sqlite3_bind_text(st, i, cut, (int)cap, SQLITE_TRANSIENT);
	free(cut);
	return rc;
}

static int bind_probe(sqlite3_stmt *st, const struct mx_snapshot *s)
{
	int i = 1, rc = SQLITE_OK;
#define T(v) rc |= bind_text(st, i++, (v), MX_HIST_TEXT_MAX)
#define I(v) rc |= sqlite3_bind_int64(st, i++, (sqlite3_int64)(v))
	T(s->key != NULL ? s->key : "");
	T(s->target);
	T(s->host);
	T(s->addr);
	I(s->port);
	T(mx_tls_mode_name(s->mode));
	I(s->pref);
	I(s->at);
	I(s->total_ms);
	T(mx_severity_name(s->worst));
	I(s->complete != 0);
	I(s->connected != 0);
	I(s->starttls < 0 ? -1 : s->starttls != 0);
	T(s->stop);
	I(s->tls_ok != 0);
	T(s->tls_version);
	T(s->suite);
	T(s->temp_key_type);
	T(s->temp_key_group);
	I(s->temp_key_bits);
	T(s->cert_sha256);
	T(s->cert_serial);
	T(s->cert_subject);
	T(s->cert_issuer);
	if (s->cert_not_after != 0)
		I(s->cert_not_after);
	else
		rc |= sqlite3_bind_null(st, i++);
	rc |= bind_text(st, i++, s->chain, MX_HIST_CHAIN_MAX);
	I(s->chain_len);
	I(s->verify_ok != 0);
	T(s->verify_error);
	T(mx_dane_state_name(s->dane));
	T(mx_sts_state_name(s->sts));
	T(s->sts_mode);
	T(s->sts_id);
#undef T
#undef I
	return rc;
}

static int add_findings(struct mx_history *h, sqlite3_int64 probe_id,
			const char *kind, const struct mx_snap_finding *v,
			size_t n, char *err, size_t errlen)
{
	sqlite3_stmt *st = h->ins_finding;

	for (size_t k = 0; k < n && k < MX_HIST_FINDINGS_MAX; k++) {
		int rc = SQLITE_OK;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		rc |= sqlite3_bind_int64(st, 1, probe_id);
		rc |= sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		rc |= sqlite3_bind_int64(st, 3, (sqlite3_int64)k);
		rc |= bind_text(st, 4, v[k].id != NULL ? v[k].id : "",
				MX_HIST_TEXT_MAX);
		rc |= bind_text(st, 5, mx_severity_name(v[k].severity),
				MX_HIST_TEXT_MAX);
		rc |= bind_text(st, 6, v[k].evidence, MX_HIST_TEXT_MAX);
		rc |= bind_text(st, 7, v[k].before, MX_HIST_TEXT_MAX);
		rc |= bind_text(st, 8, v[k].after, MX_HIST_TEXT_MAX);
		if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
			mx_hist_err(h, err, errlen, "cannot store a finding");
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	return 0;
}

int mx_history_add(struct mx_history *h, struct mx_snapshot *s, char *err,
		   size_t errlen)
{
	sqlite3_int64 id;

	if (h->readonly) {
		mx_set_err(err, errlen, "%s: opened read-only", h->name);
		return -1;
	}
	if (exec(h, "BEGIN IMMEDIATE", err, errlen, "cannot lock") != 0)
		return -1;
	sqlite3_reset(h->ins_probe);
	sqlite3_clear_bindings(h->ins_probe);
	if (bind_probe(h->ins_probe, s) != SQLITE_OK ||
	    sqlite3_step(h->ins_probe) != SQLITE_DONE) {
		mx_hist_err(h, err, errlen, "cannot store the probe");
		sqlite3_reset(h->ins_probe);
		goto fail;
	}
	sqlite3_reset(h->ins_probe);
	id = sqlite3_last_insert_rowid(h->db);
	if (add_findings(h, id, "finding", s->findings, s->nfindings, err,
			 errlen) != 0 ||
	    add_findings(h, id, "drift", s->drift, s->ndrift, err, errlen) != 0)
		goto fail;
	if (exec(h, "COMMIT", err, errlen, "cannot commit") != 0)
		goto fail;
	s->id = (int64_t)id;
	return 0;
fail:
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
