/*
 * fuzz_history.c - libFuzzer entry for the history file
 * (store/history.c, store/history_read.c): the input is a whole file,
 * written to a temporary file and opened read-only (list everything, the
 * latest of the first key), then writable (migrate, add a snapshot, list
 * again).  Checks the store's promises on a hostile or corrupted file:
 * one line of error or a result, never a crash; every string read back
 * is printable ASCII within its cap; counts within their caps; a
 * snapshot added is found again by its key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "store/history.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* every input is a file written and opened twice: fewer mutations */
const unsigned long fuzz_driver_iterations = 1500;

#define TEXT_CAP 8192 /* the largest cap (the chain) */

static void check_str(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return;
	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] >= 0x7f)
			abort();
	if (n > TEXT_CAP)
		abort();
}

static void check_findings(const struct mx_snap_finding *v, size_t n)
{
	if (n > 512)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (v[i].id == NULL || v[i].severity > MX_SEV_UNKNOWN)
			abort();
		check_str(v[i].id);
		check_str(v[i].evidence);
		check_str(v[i].before);
		check_str(v[i].after);
	}
}

static void check_snap(const struct mx_snapshot *s)
{
	const char *const strs[] = {
		s->key,		s->target,	  s->host,
		s->addr,	s->stop,	  s->tls_version,
		s->suite,	s->temp_key_type, s->temp_key_group,
		s->cert_sha256, s->cert_serial,	  s->cert_subject,
		s->cert_issuer, s->chain,	  s->verify_error,
		s->sts_mode,	s->sts_id};

	if (s->key == NULL || s->mode > MX_MODE_PLAIN ||
	    s->worst > MX_SEV_UNKNOWN || s->starttls < -1 || s->starttls > 1 ||
	    s->pref < -1 || s->chain_len < 0 || s->temp_key_bits < 0)
		abort();
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		check_str(strs[i]);
	check_findings(s->findings, s->nfindings);
	check_findings(s->drift, s->ndrift);
}

static void check_error(const char *err)
{
	if (err[0] == '\0' || strchr(err, '\n') != NULL)
		abort();
}

static void list_all(struct mx_history *h)
{
	struct mx_history_list l;
	char err[512] = "";

	if (mx_history_list(h, NULL, 0, 50, &l, err, sizeof(err)) != 0) {
		check_error(err);
		if (l.n != 0)
			abort();
		return;
	}
	if (l.n > 50)
		abort();
	for (size_t i = 0; i < l.n; i++) {
		check_snap(l.v[i]);
		if (i > 0 && l.v[i]->at > l.v[i - 1]->at)
			abort(); /* newest first */
	}
	if (l.n > 0) {
		struct mx_snapshot *s = NULL;
		char *key = xstrdup(l.v[0]->key);
		if (latest(h, key, &s, err, sizeof(err)) == 0) {
			if (s != NULL)
				check_snap(s);
		} else
			check_error(err);
		mx_snapshot_free(s);
		free(key);
	}
	mx_history_list_free(&l);
}

static void add_one(struct mx_history *h)
{
	struct mx_snapshot *s = mx_snapshot_new(), *got = NULL;
	char err[512] = "";

	s->key = xstrdup("fuzz.test[127.0.0.1]:25/starttls");
	s->at = 1800000000;
	s->complete = 1;
	mx_snap_add(&s->drift, &s->ndrift, "drift.suite", MX_SEV_INFO, "a -> b",
		    "a", "b");
	if (mx_history_add(h, s, err, sizeof(err)) != 0)
		check_error(err); /* a corrupted file may refuse writes */
	else if (latest(h, s->key, &got, err, sizeof(err)) == 0 && got != NULL)
		check_snap(got);
	mx_snapshot_free(got);
	mx_snapshot_free(s);
}

static void remove_files(const char *path)
{
	static const char *const sfx[] = {"-wal", "-shm", "-journal"};
	char p[128];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz_history.XXXXXX";
	char err[512] = "";
	struct mx_history *h;
	int fd;

	if (size > 65536)
		return 0;
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	for (int ro = 1; ro >= 0; ro--) {
		err[0] = '\0';
		h = mx_history_open(path, ro, err, sizeof(err));
		if (h == NULL) {
			check_error(err);
			continue;
		}
		if (mx_history_schema(h) < 0 ||
		    mx_history_schema(h) > MX_HISTORY_SCHEMA)
			abort();
		list_all(h);
		if (!ro)
			add_one(h);
		mx_history_close(h);
	}
	remove_files(path);
	return 0;
}
