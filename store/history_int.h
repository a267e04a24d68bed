/*
 * history_int.h - what history.c (open, migrations, add) and
 * history_read.c (the lists, reading rows back) share; internal to
 * store/.
 *
 * Limits on what is read back (a hostile or corrupted file must not make
 * us allocate without bound, crash or put control bytes on a terminal):
 *   - SQLite refuses any value over MX_HIST_VALUE_MAX bytes
 *     (SQLITE_LIMIT_LENGTH), before we see it;
 *   - every text column is cut to its cap (MX_HIST_TEXT_MAX, the chain
 *     MX_HIST_CHAIN_MAX), a cut value ending in "...", and every byte
 *     outside printable ASCII becomes '?';
 *   - integers are clamped to their field's range, enum names we do not
 *     know map to a neutral value (severity: unknown);
 *   - at most MX_HIST_FINDINGS_MAX findings and as many drift findings
 *     per probe, and at most MX_HIST_LIST_MAX snapshots and
 *     MX_HIST_LIST_BYTES of text per list (the list says truncated).
 * The same caps apply when writing, so a value round-trips unchanged when
 * it fits.
 */
#ifndef MX_STORE_HISTORY_INT_H
#define MX_STORE_HISTORY_INT_H

#include <sqlite3.h>

#include "store/history.h"

#define MX_HIST_VALUE_MAX (1 << 20)
#define MX_HIST_TEXT_MAX 4096
#define MX_HIST_CHAIN_MAX 8192
#define MX_HIST_FINDINGS_MAX 512
#define MX_HIST_LIST_MAX 100000
#define MX_HIST_LIST_BYTES (64u << 20)

struct mx_history {
	sqlite3 *db;
	char *name; /* the path, escaped, for messages */
	int readonly;
	int schema; /* PRAGMA user_version after migration */
	int empty;  /* read-only and never written: no tables (schema 0) */
	sqlite3_stmt *ins_probe, *ins_finding, *sel_findings;
};

/* The columns of probes in the order history_read.c decodes them. */
#define MX_HIST_PROBE_COLS                                                     \
	"id, key, target, host, addr, port, mode, pref, at, total_ms, "        \
	"worst, complete, connected, starttls, stop, tls_ok, tls_version, "    \
	"suite, temp_key_type, temp_key_group, temp_key_bits, cert_sha256, "   \
	"cert_serial, cert_subject, cert_issuer, cert_not_after, chain, "      \
	"chain_len, verify_ok, verify_error, dane, sts, sts_mode, sts_id"

/* "FILE: what (SQLite's message)" into err. */
void mx_hist_err(const struct mx_history *h, char *err, size_t errlen,
		 const char *what);

/* Names of enums stored as text, and back (unknown: dflt). */
enum mx_severity mx_hist_severity(const char *name);
enum mx_tls_mode mx_hist_mode(const char *name, enum mx_tls_mode dflt);
enum mx_dane_state mx_hist_dane(const char *name);
enum mx_sts_state mx_hist_sts(const char *name);

/* A text column read back: NULL for SQL NULL, else a malloc'ed copy cut
 * to cap (ending in "..." when cut) with non-printable bytes as '?'. */
char *mx_hist_text(sqlite3_stmt *st, int col, size_t cap);

/* mx_history_list with the byte budget given (the API uses
 * MX_HIST_LIST_BYTES; tests use a small one). */
int mx_hist_list(struct mx_history *h, const char *match, const char *target,
		 time_t since, size_t max, size_t budget,
		 struct mx_history_list *out, char *err, size_t errlen);

/* Decode one row of MX_HIST_PROBE_COLS and its findings. */
int mx_hist_read_row(struct mx_history *h, sqlite3_stmt *st,
		     struct mx_snapshot **out, char *err, size_t errlen);

#endif
