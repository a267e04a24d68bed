/*
 * history_read.c - reading snapshots back from the history file
 * (mx_history_list, mx_history_list_endpoint; store/history.h).
 *
 * Everything read is treated as untrusted: the file may be corrupted or
 * written by someone else.  The limits are in store/history_int.h: text
 * cut to its cap and reduced to printable ASCII, integers clamped, enum
 * names mapped, findings and rows counted.  A row that SQLite cannot
 * read (a corrupted page, a value over the length limit) ends the call
 * with SQLite's message; nothing is half-returned.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "store/history_int.h"

char *mx_hist_text(sqlite3_stmt *st, int col, size_t cap)
{
	const unsigned char *p;
	size_t len, n;
	char *out;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	p = sqlite3_column_text(st, col);
	if (p == NULL) /* out of memory converting: treated as empty */
		return xstrdup("");
	len = (size_t)sqlite3_column_bytes(st, col);
	n = len > cap ? cap - 3 : len;
	out = xmalloc(n + 4);
	for (size_t i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	if (len > cap)
		memcpy(out + n, "...", 4);
	else
		out[n] = '\0';
	return out;
}

static long long clamp(sqlite3_stmt *st, int col, long long lo, long long hi,
		       long long dflt)
{
	long long v;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return dflt;
	v = sqlite3_column_int64(st, col);
	return v < lo ? lo : v > hi ? hi : v;
}

/* time_t from a column: 64-bit seconds; a time_t narrower than 64 bits
 * gets what fits. */
static time_t clamp_time(sqlite3_stmt *st, int col)
{
	long long v = clamp(st, col, -(1LL << 40), 1LL << 40, 0);

	return (time_t)v;
}

static int read_findings(struct mx_history *h, int64_t probe_id,
			 const char *kind, struct mx_snap_finding **v,
			 size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *st = h->sel_findings;
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (sqlite3_bind_int64(st, 1, probe_id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, MX_HIST_FINDINGS_MAX) != SQLITE_OK) {
		mx_hist_err(h, err, errlen, "cannot read findings");
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *id = mx_hist_text(st, 1, MX_HIST_TEXT_MAX);
		char *sev = mx_hist_text(st, 2, 32);
		char *ev = mx_hist_text(st, 3, MX_HIST_TEXT_MAX);
		char *before = mx_hist_text(st, 4, MX_HIST_TEXT_MAX);
		char *after = mx_hist_text(st, 5, MX_HIST_TEXT_MAX);

		mx_snap_add(v, n, id != NULL ? id : "", mx_hist_severity(sev),
			    ev, before, after);
		free(id);
		free(sev);
		free(ev);
		free(before);
		free(after);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		mx_hist_err(h, err, errlen, "cannot read findings");
		return -1;
	}
	return 0;
}

int mx_hist_read_row(struct mx_history *h, sqlite3_stmt *st,
		     struct mx_snapshot **out, char *err, size_t errlen)
{
	struct mx_snapshot *s = mx_snapshot_new();
	char *name;
	int c = 0;

#define TXT(f) s->f = mx_hist_text(st, c++, MX_HIST_TEXT_MAX)
	s->id = (int64_t)clamp(st, c++, 0, INT64_MAX, 0);
	TXT(key);
	if (s->key == NULL)
		s->key = xstrdup("");
	TXT(target);
	TXT(host);
	TXT(addr);
	s->port = (uint16_t)clamp(st, c++, 0, 65535, 0);
	name = mx_hist_text(st, c++, 32);
	s->mode = mx_hist_mode(name, MX_MODE_STARTTLS);
	free(name);
	s->pref = (int)clamp(st, c++, -1, 65535, -1);
	s->at = clamp_time(st, c++);
	s->total_ms = (int64_t)clamp(st, c++, 0, 1LL << 40, 0);
	name = mx_hist_text(st, c++, 32);
	s->worst = mx_hist_severity(name);
	free(name);
	s->complete = (int)clamp(st, c++, 0, 1, 0);
	s->connected = (int)clamp(st, c++, 0, 1, 0);
	s->starttls = (int)clamp(st, c++, -1, 1, -1);
	TXT(stop);
	s->tls_ok = (int)clamp(st, c++, 0, 1, 0);
	TXT(tls_version);
	TXT(suite);
	TXT(temp_key_type);
	TXT(temp_key_group);
	s->temp_key_bits = (int)clamp(st, c++, 0, 1 << 20, 0);
	TXT(cert_sha256);
	TXT(cert_serial);
	TXT(cert_subject);
	TXT(cert_issuer);
	s->cert_not_after = clamp_time(st, c++);
	s->chain = mx_hist_text(st, c++, MX_HIST_CHAIN_MAX);
	s->chain_len = (int)clamp(st, c++, 0, 1000, 0);
	s->verify_ok = (int)clamp(st, c++, 0, 1, 0);
	TXT(verify_error);
	name = mx_hist_text(st, c++, 32);
	s->dane = mx_hist_dane(name);
	free(name);
	name = mx_hist_text(st, c++, 32);
	s->sts = mx_hist_sts(name);
	free(name);
	TXT(sts_mode);
	TXT(sts_id);
#undef TXT
	if (read_findings(h, s->id, "finding", &s->findings, &s->nfindings, err,
			  errlen) != 0 ||
	    read_findings(h, s->id, "drift", &s->drift, &s->ndrift, err,
			  errlen) != 0) {
		mx_snapshot_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static size_t slen(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* The text a snapshot holds (for the list's byte budget). */
static size_t snap_bytes(const struct mx_snapshot *s)
{
	const char *const strs[] = {
		s->key,		s->target,	  s->host,
		s->addr,	s->stop,	  s->tls_version,
		s->suite,	s->temp_key_type, s->temp_key_group,
		s->cert_sha256, s->cert_serial,	  s->cert_subject,
		s->cert_issuer, s->chain,	  s->verify_error,
		s->sts_mode,	s->sts_id};
	size_t n = sizeof(*s);

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		n += slen(strs[i]);
	for (size_t i = 0; i < s->nfindings; i++)
		n += sizeof(*s->findings) + slen(s->findings[i].id) +
		     slen(s->findings[i].evidence) +
		     slen(s->findings[i].before) + slen(s->findings[i].after);
	for (size_t i = 0; i < s->ndrift; i++)
		n += sizeof(*s->drift) + slen(s->drift[i].id) +
		     slen(s->drift[i].evidence) + slen(s->drift[i].before) +
		     slen(s->drift[i].after);
	return n;
}

static int newest_first(const void *a, const void *b)
{
	const struct mx_snapshot *x = *(const struct mx_snapshot *const *)a;
	const struct mx_snapshot *y = *(const struct mx_snapshot *const *)b;

	if (x->at != y->at)
		return x->at > y->at ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

void mx_history_list_free(struct mx_history_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		mx_snapshot_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int mx_history_list(struct mx_history *h, const char *match, time_t since,
		    size_t max, struct mx_history_list *out, char *err,
		    size_t errlen)
{
	return mx_hist_list(h, match, NULL, since, max, MX_HIST_LIST_BYTES, out,
			    err, errlen);
}

int mx_history_list_endpoint(struct mx_history *h, const char *key,
			     const char *target, size_t max,
			     struct mx_history_list *out, char *err,
			     size_t errlen)
{
	return mx_hist_list(h, key, target != NULL ? target : "", 0, max,
			    MX_HIST_LIST_BYTES, out, err, errlen);
}

int mx_hist_list(struct mx_history *h, const char *match, const char *target,
		 time_t since, size_t max, size_t budget,
		 struct mx_history_list *out, char *err, size_t errlen)
{
	/* match: the key exactly, or the host, address or target spec as
	 * written (host names and targets without regard to case); target
	 * (when not NULL): only the probes made for that target spec */
	static const char sql[] =
		"SELECT " MX_HIST_PROBE_COLS " FROM probes "
		"WHERE (?1 = 0 OR at >= ?1) AND (?2 IS NULL OR key = ?2 OR addr = ?2 "
		"OR host = ?2 COLLATE NOCASE OR target = ?2 COLLATE NOCASE) "
		"AND (?4 IS NULL OR target = ?4) "
		"ORDER BY at DESC, id DESC LIMIT ?3";
	sqlite3_stmt *st = NULL;
	size_t limit = max == 0 || max > MX_HIST_LIST_MAX ? MX_HIST_LIST_MAX
							  : max;
	size_t bytes = 0;
	int rc, ret = -1;

	memset(out, 0, sizeof(*out));
	if (h->empty)
		return 0;
	if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, (sqlite3_int64)since) != SQLITE_OK ||
	    (match != NULL
		     ? sqlite3_bind_text(st, 2, match, -1, SQLITE_TRANSIENT)
		     : sqlite3_bind_null(st, 2)) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)limit + 1) != SQLITE_OK ||
	    (target != NULL
		     ? sqlite3_bind_text(st, 4, target, -1, SQLITE_TRANSIENT)
		     : sqlite3_bind_null(st, 4)) != SQLITE_OK) {
		mx_hist_err(h, err, errlen, "cannot read the history");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mx_snapshot *s = NULL;
		if (out->n == limit) { /* the one row past the limit */
			out->truncated = 1;
			rc = SQLITE_DONE;
			break;
		}
		if (mx_hist_read_row(h, st, &s, err, errlen) != 0)
			goto out;
		MX_GROW(out->v, out->n, out->cap);
		out->v[out->n++] = s;
		bytes += snap_bytes(s);
		if (bytes > budget) {
			out->truncated = 1;
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		mx_hist_err(h, err, errlen, "cannot read the history");
		goto out;
	}
	/* SQLite orders a text or real `at` apart from the integers (a
	 * hand-edited or corrupted file): the promise is kept here */
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), newest_first);
	ret = 0;
out:
	if (ret != 0)
		mx_history_list_free(out);
	sqlite3_finalize(st);
	return ret;
}
