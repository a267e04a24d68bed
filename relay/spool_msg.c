/*
 * spool_msg.c - one message in the spool (spool.h): put (written to tmp/,
 * fsynced, linked into queue/ under a fresh id), load (read and parsed; a
 * corrupt file is quarantined), update after an attempt, done, and bounce
 * to dead/ (each rewrite goes through tmp/ and a rename, then a directory
 * fsync).  Shares relay/spool_int.h with spool.c and spool_format.c.
 */
#include "relay/spool_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"

/* ---- reading and writing files -------------------------------------------- */

/* Write p[0..n) to tmp/name, fsync it, close it; on failure the file is
 * removed.  EEXIST is returned as MX_SPOOL_INVALID with err = EEXIST. */
static enum mx_spool_status write_tmp(struct mx_spool *sp, const char *name,
				      const uint8_t *p, size_t n,
				      struct mx_spool_diag *d)
{
	size_t off = 0;
	int fd, e;

	fd = openat(sp->tmpfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sp_fail(d,
			       errno == EEXIST ? MX_SPOOL_INVALID : MX_SPOOL_IO,
			       errno, "create tmp/%s", name);
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		e = errno;
		goto fail;
	}
	if (close(fd) != 0) {
		e = errno;
		fd = -1;
		goto fail;
	}
	return MX_SPOOL_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(sp->tmpfd, name, 0);
	return sp_fail(d, MX_SPOOL_IO, e, "write tmp/%s", name);
}

static enum mx_spool_status check_id(const char *id, struct mx_spool_diag *d)
{
	return mx_spool_id_ok(id)
		       ? MX_SPOOL_OK
		       : sp_fail(d, MX_SPOOL_INVALID, 0, "not a spool id");
}

static enum mx_spool_status check_rw(const struct mx_spool *sp,
				     struct mx_spool_diag *d)
{
	return (sp->flags & MX_SPOOL_READONLY)
		       ? sp_fail(d, MX_SPOOL_READONLY_ERR, 0,
				 "the spool is open read-only")
		       : MX_SPOOL_OK;
}

enum mx_spool_status mx_spool_put(struct mx_spool *sp,
				  const struct mx_envelope *env,
				  const uint8_t *msg, size_t len,
				  char id_out[MX_SPOOL_ID_LEN + 1],
				  struct mx_spool_diag *d)
{
	enum mx_spool_status st;
	int tries;

	sp_dclear(d);
	id_out[0] = 0;
	st = check_rw(sp, d);
	if (st != MX_SPOOL_OK)
		return st;
	st = sp_check_message(env, len, d);
	if (st != MX_SPOOL_OK)
		return st;
	for (tries = 0; tries < 4; tries++) {
		char id[MX_SPOOL_ID_LEN + 1];
		uint8_t rnd[4], *file;
		size_t flen;
		int qfd = sp->areafd[MX_SPOOL_AREA_QUEUE], e;

		if (!sp->random(sp->random_ctx, rnd, sizeof(rnd)))
			return sp_fail(d, MX_SPOOL_IO, 0,
				       "the random source failed");
		sp->counter = (sp->counter + 1) & 0xffffff;
		snprintf(id, sizeof(id), "%012llx-%06x-%02x%02x%02x%02x",
			 (unsigned long long)env->created,
			 (unsigned)sp->counter, rnd[0], rnd[1], rnd[2], rnd[3]);
		st = mx_spool_encode(env, id, msg, len, &file, &flen, d);
		if (st != MX_SPOOL_OK)
			return st;
		st = write_tmp(sp, id, file, flen, d);
		free(file);
		if (st == MX_SPOOL_INVALID)
			continue; /* the name exists in tmp/: another id */
		if (st != MX_SPOOL_OK)
			return st;
		/* linkat() fails instead of replacing an existing name. */
		if (linkat(sp->tmpfd, id, qfd, id, 0) != 0) {
			e = errno;
			unlinkat(sp->tmpfd, id, 0);
			if (e == EEXIST)
				continue;
			return sp_fail(d, MX_SPOOL_IO, e, "link queue/%s", id);
		}
		unlinkat(sp->tmpfd, id, 0);
		st = sp_sync_dir(qfd, "queue", d);
		if (st != MX_SPOOL_OK)
			return st; /* not acknowledged; may still deliver */
		memcpy(id_out, id, sizeof(id));
		return MX_SPOOL_OK;
	}
	return sp_fail(d, MX_SPOOL_IO, EEXIST, "no free spool id");
}

/* Read a whole spool file of area; *buf is malloc'ed. */
static enum mx_spool_status read_file(struct mx_spool *sp, int afd,
				      const char *id, uint8_t **buf,
				      size_t *len, struct mx_spool_diag *d)
{
	struct stat sb;
	size_t off = 0, max = MX_SPOOL_MAX_MESSAGE + MX_SPOOL_MAX_ENVELOPE + 64;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = openat(afd, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return sp_fail(d, MX_SPOOL_NOT_FOUND, 0,
				       "no message %s", id);
		if (errno == ELOOP)
			return sp_fail(d, MX_SPOOL_CORRUPT, 0,
				       "corrupt spool file: a symbolic link");
		return sp_fail(d, MX_SPOOL_IO, errno, "open %s", id);
	}
	if (fstat(fd, &sb) != 0) {
		int e = errno;

		close(fd);
		return sp_fail(d, MX_SPOOL_IO, e, "fstat %s", id);
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max) {
		close(fd);
		return sp_fail(d, MX_SPOOL_CORRUPT, 0,
			       "corrupt spool file: not a regular file or too "
			       "big");
	}
	*buf = xmalloc((size_t)sb.st_size + 1);
	while (off < (size_t)sb.st_size) {
		ssize_t r = read(fd, *buf + off, (size_t)sb.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			free(*buf);
			*buf = NULL;
			return sp_fail(d, MX_SPOOL_IO, e, "read %s", id);
		}
		if (r == 0)
			break; /* shrank: the parser will say truncated */
		off += (size_t)r;
	}
	close(fd);
	*len = off;
	(void)sp;
	return MX_SPOOL_OK;
}

enum mx_spool_status mx_spool_load(struct mx_spool *sp, enum mx_spool_area area,
				   const char *id, struct mx_envelope *env,
				   uint8_t **msg, size_t *len,
				   struct mx_spool_diag *d)
{
	enum mx_spool_status st;
	const uint8_t *m;
	uint8_t *buf;
	size_t n, mlen;
	int afd;

	sp_dclear(d);
	memset(env, 0, sizeof(*env));
	if (msg)
		*msg = NULL;
	if (len)
		*len = 0;
	st = check_id(id, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (area != MX_SPOOL_AREA_QUEUE && area != MX_SPOOL_AREA_DEAD)
		return sp_fail(d, MX_SPOOL_INVALID, 0, "bad area");
	afd = sp->areafd[area];
	if (afd < 0)
		return sp_fail(d, MX_SPOOL_NOT_FOUND, 0, "no message %s", id);
	st = read_file(sp, afd, id, &buf, &n, d);
	if (st == MX_SPOOL_OK)
		st = mx_spool_parse(buf, n, id, env, &m, &mlen, d);
	if (st == MX_SPOOL_CORRUPT) {
		free(buf);
		/* Moved aside, never deleted, never retried. */
		if (!(sp->flags & MX_SPOOL_READONLY)) {
			struct mx_spool_diag qd;

			if (sp_quarantine(sp, afd, id, &qd) != MX_SPOOL_OK &&
			    d != NULL) {
				size_t k = strlen(d->text);

				snprintf(d->text + k, sizeof(d->text) - k,
					 " (not moved: %s)", qd.text);
			}
		}
		return MX_SPOOL_CORRUPT;
	}
	if (st != MX_SPOOL_OK) {
		free(buf);
		return st;
	}
	if (msg) {
		/* The message moves to the front of the buffer it is in. */
		memmove(buf, m, mlen);
		*msg = buf;
		if (len)
			*len = mlen;
	} else {
		free(buf);
	}
	return MX_SPOOL_OK;
}

/* Rewrite queue/id with changed envelope fields, via tmp/ and a rename
 * into `tofd` (queue/ for an update, dead/ for a bounce). */
static enum mx_spool_status rewrite(struct mx_spool *sp, const char *id,
				    const struct mx_envelope *env,
				    const uint8_t *msg, size_t mlen, int tofd,
				    const char *suffix, struct mx_spool_diag *d)
{
	char name[MX_SPOOL_ID_LEN + 8];
	enum mx_spool_status st;
	uint8_t *file;
	size_t flen;

	snprintf(name, sizeof(name), "%s.%s", id, suffix);
	st = mx_spool_encode(env, id, msg, mlen, &file, &flen, d);
	if (st != MX_SPOOL_OK)
		return st;
	unlinkat(sp->tmpfd, name, 0); /* a leftover of a failed call */
	st = write_tmp(sp, name, file, flen, d);
	free(file);
	if (st != MX_SPOOL_OK)
		return st;
	if (renameat(sp->tmpfd, name, tofd, id) != 0) {
		int e = errno;

		unlinkat(sp->tmpfd, name, 0);
		return sp_fail(d, MX_SPOOL_IO, e, "rename %s", name);
	}
	return sp_sync_dir(tofd, suffix, d);
}

static char *text_dup(const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	return xstrndup(s, n > MX_SPOOL_MAX_TEXT ? MX_SPOOL_MAX_TEXT : n);
}

enum mx_spool_status mx_spool_update(struct mx_spool *sp, const char *id,
				     uint32_t attempts, time_t next_attempt,
				     const char *last_error,
				     struct mx_spool_diag *d)
{
	struct mx_envelope env;
	enum mx_spool_status st;
	uint8_t *msg = NULL;
	size_t mlen = 0;

	sp_dclear(d);
	st = check_rw(sp, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (last_error &&
	    !sp_text_ok((const uint8_t *)last_error, strlen(last_error)))
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "error text with control characters (escape "
			       "it)");
	st = mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, id, &env, &msg, &mlen, d);
	if (st != MX_SPOOL_OK)
		return st;
	env.attempts = attempts;
	env.next_attempt = next_attempt;
	free(env.last_error);
	env.last_error = text_dup(last_error);
	st = rewrite(sp, id, &env, msg, mlen, sp->areafd[MX_SPOOL_AREA_QUEUE],
		     "queue", d);
	mx_envelope_clear(&env);
	free(msg);
	return st;
}

enum mx_spool_status mx_spool_done(struct mx_spool *sp, const char *id,
				   struct mx_spool_diag *d)
{
	enum mx_spool_status st;
	int qfd = sp->areafd[MX_SPOOL_AREA_QUEUE];

	sp_dclear(d);
	st = check_rw(sp, d);
	if (st == MX_SPOOL_OK)
		st = check_id(id, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (unlinkat(qfd, id, 0) != 0)
		return sp_fail(
			d, errno == ENOENT ? MX_SPOOL_NOT_FOUND : MX_SPOOL_IO,
			errno, "unlink queue/%s", id);
	return sp_sync_dir(qfd, "queue", d);
}

enum mx_spool_status mx_spool_bounce(struct mx_spool *sp, const char *id,
				     const char *reason,
				     struct mx_spool_diag *d)
{
	struct mx_envelope env;
	enum mx_spool_status st;
	uint8_t *msg = NULL;
	size_t mlen = 0;
	int qfd = sp->areafd[MX_SPOOL_AREA_QUEUE];

	sp_dclear(d);
	st = check_rw(sp, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (reason == NULL ||
	    !sp_text_ok((const uint8_t *)reason, strlen(reason)))
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "a reason without control characters is "
			       "needed");
	st = mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, id, &env, &msg, &mlen, d);
	if (st != MX_SPOOL_OK)
		return st;
	free(env.dead_reason);
	env.dead_reason = text_dup(reason);
	/* dead/ first: a crash before the unlink leaves both, and recovery
	 * at open keeps the dead/ one. */
	st = rewrite(sp, id, &env, msg, mlen, sp->areafd[MX_SPOOL_AREA_DEAD],
		     "dead", d);
	mx_envelope_clear(&env);
	free(msg);
	if (st != MX_SPOOL_OK)
		return st;
	if (unlinkat(qfd, id, 0) != 0)
		return sp_fail(d, MX_SPOOL_IO, errno, "unlink queue/%s", id);
	return sp_sync_dir(qfd, "queue", d);
}
