/*
 * spool.c - the durable spool; see spool.h for the contract, the layout,
 * the file format and the crash rules.
 *
 * Every directory is held open (dirfd + *at() calls), so the spool does
 * not depend on the current directory and a directory fsync is an fsync
 * of the held descriptor.  Spool files are parsed through struct mx_cur.
 */
#include "relay/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/xalloc.h"

#define MAGIC "MXSPOOL1"
#define MAGIC_LEN 8

enum tag {
	TAG_ID = 1,
	TAG_FROM,
	TAG_RCPT,
	TAG_HOP,
	TAG_POLICY,
	TAG_CREATED,
	TAG_ATTEMPTS,
	TAG_NEXT,
	TAG_LAST_ERROR,
	TAG_DEAD_REASON,
	TAG__N
};

/* Length limits of each record (spool.h, "File format"). */
static const struct {
	size_t min, max;
} tag_len[TAG__N] = {
	[TAG_ID] = {MX_SPOOL_ID_LEN, MX_SPOOL_ID_LEN},
	[TAG_FROM] = {0, MX_SPOOL_MAX_ADDR},
	[TAG_RCPT] = {1, MX_SPOOL_MAX_ADDR},
	[TAG_HOP] = {0, MX_SPOOL_MAX_HOP},
	[TAG_POLICY] = {0, MX_SPOOL_MAX_POLICY},
	[TAG_CREATED] = {8, 8},
	[TAG_ATTEMPTS] = {4, 4},
	[TAG_NEXT] = {8, 8},
	[TAG_LAST_ERROR] = {0, MX_SPOOL_MAX_TEXT},
	[TAG_DEAD_REASON] = {0, MX_SPOOL_MAX_TEXT},
};

static const char *const area_dir[] = {"queue", "dead", "corrupt"};

struct mx_spool {
	int dirfd, tmpfd, lockfd;
	int areafd[3]; /* enum mx_spool_area */
	unsigned flags;
	mx_random_fn random;
	void *random_ctx;
	uint32_t counter;
	struct mx_spool_recovery rec;
};

static enum mx_spool_status sfail(struct mx_spool_diag *d,
				  enum mx_spool_status st, int err,
				  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum mx_spool_status sfail(struct mx_spool_diag *d,
				  enum mx_spool_status st, int err,
				  const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (d == NULL)
		return st;
	d->status = st;
	d->err = err;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
	n = strlen(d->text);
	if (err && n + 3 < sizeof(d->text))
		snprintf(d->text + n, sizeof(d->text) - n, ": %s",
			 strerror(err));
	return st;
}

static void dclear(struct mx_spool_diag *d)
{
	if (d) {
		d->status = MX_SPOOL_OK;
		d->err = 0;
		d->text[0] = 0;
	}
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int mx_spool_id_ok(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != MX_SPOOL_ID_LEN)
		return 0;
	for (i = 0; i < MX_SPOOL_ID_LEN; i++) {
		int dash = i == 12 || i == 19;

		if (dash ? s[i] != '-'
			 : !((s[i] >= '0' && s[i] <= '9') ||
			     (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* Envelope text: no control characters (they would reach logs and
 * terminals); printable ASCII and UTF-8 octets only. */
static int text_ok(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

static int str_ok(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= min && n <= max && text_ok((const uint8_t *)s, n);
}

/* "smtp://user:pw@host" carries a secret: it never goes to disk. */
static int has_userinfo(const char *hop)
{
	const char *s = hop ? strstr(hop, "://") : NULL;
	const char *at, *slash;

	s = s ? s + 3 : hop;
	if (s == NULL)
		return 0;
	at = strchr(s, '@');
	slash = strchr(s, '/');
	return at != NULL && (slash == NULL || at < slash);
}

static enum mx_spool_status check_env(const struct mx_envelope *e,
				      struct mx_spool_diag *d)
{
	size_t i;

	if (!str_ok(e->from ? e->from : "", 0, MX_SPOOL_MAX_ADDR))
		return sfail(d, MX_SPOOL_INVALID, 0,
			     "sender: too long or control characters");
	if (e->nrcpts == 0 || e->nrcpts > MX_SPOOL_MAX_RCPTS ||
	    e->rcpts == NULL)
		return sfail(d, MX_SPOOL_INVALID, 0,
			     "1 to %d recipients are needed",
			     MX_SPOOL_MAX_RCPTS);
	for (i = 0; i < e->nrcpts; i++)
		if (!str_ok(e->rcpts[i], 1, MX_SPOOL_MAX_ADDR))
			return sfail(d, MX_SPOOL_INVALID, 0,
				     "recipient %zu: empty, too long or "
				     "control characters",
				     i + 1);
	if (!str_ok(e->next_hop, 0, MX_SPOOL_MAX_HOP) ||
	    !str_ok(e->policy, 0, MX_SPOOL_MAX_POLICY))
		return sfail(d, MX_SPOOL_INVALID, 0,
			     "next hop or policy: too long or control "
			     "characters");
	if (has_userinfo(e->next_hop))
		return sfail(d, MX_SPOOL_INVALID, 0,
			     "next hop holds user information; credentials "
			     "are never written to the spool");
	if (!str_ok(e->last_error, 0, SIZE_MAX) ||
	    !str_ok(e->dead_reason, 0, SIZE_MAX))
		return sfail(d, MX_SPOOL_INVALID, 0,
			     "error text with control characters");
	if (e->created < 0 || (uint64_t)e->created > 0xffffffffffffull)
		return sfail(d, MX_SPOOL_INVALID, 0,
			     "creation time out of "
			     "range");
	return MX_SPOOL_OK;
}

void mx_envelope_clear(struct mx_envelope *e)
{
	size_t i;

	free(e->from);
	for (i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	free(e->next_hop);
	free(e->policy);
	free(e->last_error);
	free(e->dead_reason);
	memset(e, 0, sizeof(*e));
}

/* ---- the file format ---------------------------------------------------- */

static void push_rec(struct mx_buf *b, uint8_t tag, const void *p, size_t n)
{
	mx_buf_push_u8(b, tag);
	mx_buf_push_u16(b, (uint16_t)n);
	mx_buf_push(b, p, n);
}

static void push_text(struct mx_buf *b, uint8_t tag, const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	push_rec(b, tag, s, n > max ? max : n);
}

static void push_i64(struct mx_buf *b, uint8_t tag, int64_t v)
{
	uint64_t u = (uint64_t)v;

	mx_buf_push_u8(b, tag);
	mx_buf_push_u16(b, 8);
	mx_buf_push_u32(b, (uint32_t)(u >> 32));
	mx_buf_push_u32(b, (uint32_t)u);
}

enum mx_spool_status mx_spool_encode(const struct mx_envelope *env,
				     const char *id, const uint8_t *msg,
				     size_t len, uint8_t **out, size_t *outlen,
				     struct mx_spool_diag *d)
{
	struct mx_buf b;
	enum mx_spool_status st;
	size_t elen_at, i, e;
	uint64_t sum;

	*out = NULL;
	*outlen = 0;
	if (!mx_spool_id_ok(id))
		return sfail(d, MX_SPOOL_INVALID, 0, "bad spool id");
	if (len > MX_SPOOL_MAX_MESSAGE)
		return sfail(d, MX_SPOOL_TOO_BIG, 0, "message over %u octets",
			     MX_SPOOL_MAX_MESSAGE);
	st = check_env(env, d);
	if (st != MX_SPOOL_OK)
		return st;
	mx_buf_init(&b, MX_SPOOL_MAX_MESSAGE + MX_SPOOL_MAX_ENVELOPE + 64);
	mx_buf_push(&b, MAGIC, MAGIC_LEN);
	elen_at = b.len;
	mx_buf_push_u32(&b, 0); /* back-filled below */
	push_text(&b, TAG_ID, id, MX_SPOOL_ID_LEN);
	push_text(&b, TAG_FROM, env->from ? env->from : "", MX_SPOOL_MAX_ADDR);
	for (i = 0; i < env->nrcpts; i++)
		push_text(&b, TAG_RCPT, env->rcpts[i], MX_SPOOL_MAX_ADDR);
	push_text(&b, TAG_HOP, env->next_hop, MX_SPOOL_MAX_HOP);
	push_text(&b, TAG_POLICY, env->policy, MX_SPOOL_MAX_POLICY);
	push_i64(&b, TAG_CREATED, (int64_t)env->created);
	mx_buf_push_u8(&b, TAG_ATTEMPTS);
	mx_buf_push_u16(&b, 4);
	mx_buf_push_u32(&b, env->attempts);
	push_i64(&b, TAG_NEXT, (int64_t)env->next_attempt);
	push_text(&b, TAG_LAST_ERROR, env->last_error, MX_SPOOL_MAX_TEXT);
	push_text(&b, TAG_DEAD_REASON, env->dead_reason, MX_SPOOL_MAX_TEXT);
	if (!b.err) {
		e = b.len - elen_at - 4;
		b.p[elen_at] = (uint8_t)(e >> 24);
		b.p[elen_at + 1] = (uint8_t)(e >> 16);
		b.p[elen_at + 2] = (uint8_t)(e >> 8);
		b.p[elen_at + 3] = (uint8_t)e;
	}
	mx_buf_push_u32(&b, (uint32_t)len);
	mx_buf_push(&b, msg, len);
	if (b.err) {
		mx_buf_free(&b);
		return sfail(d, MX_SPOOL_TOO_BIG, 0, "spool file too big");
	}
	sum = fnv1a(b.p, b.len);
	mx_buf_push_u32(&b, (uint32_t)(sum >> 32));
	mx_buf_push_u32(&b, (uint32_t)sum);
	*out = mx_buf_take(&b, outlen);
	return MX_SPOOL_OK;
}

static int64_t cur_i64(struct mx_cur *c)
{
	uint64_t hi = mx_cur_u32(c);

	return (int64_t)(hi << 32 | mx_cur_u32(c));
}

static enum mx_spool_status corrupt(struct mx_envelope *env,
				    struct mx_spool_diag *d, const char *why)
{
	mx_envelope_clear(env);
	return sfail(d, MX_SPOOL_CORRUPT, 0, "corrupt spool file: %s", why);
}

enum mx_spool_status mx_spool_parse(const uint8_t *p, size_t n, const char *id,
				    struct mx_envelope *env,
				    const uint8_t **msg, size_t *msglen,
				    struct mx_spool_diag *d)
{
	struct mx_cur c, body, recs;
	const uint8_t *magic, *m;
	unsigned seen = 0;
	uint32_t elen, mlen;
	uint64_t sum;
	int have_id = 0;

	memset(env, 0, sizeof(*env));
	*msg = NULL;
	*msglen = 0;
	mx_cur_init(&c, p, n);
	if (n < MAGIC_LEN + 4 + 4 + 8)
		return corrupt(env, d, "truncated");
	mx_cur_subn(&c, &body, n - 8);
	magic = mx_cur_bytes(&body, MAGIC_LEN);
	if (magic == NULL || memcmp(magic, MAGIC, MAGIC_LEN) != 0)
		return corrupt(env, d, "not a version 1 spool file");
	elen = mx_cur_u32(&body);
	if (elen > MX_SPOOL_MAX_ENVELOPE)
		return corrupt(env, d, "envelope too big");
	mx_cur_subn(&body, &recs, elen);
	if (!mx_cur_ok(&body))
		return corrupt(env, d, "truncated envelope");
	while (mx_cur_left(&recs) > 0) {
		struct mx_cur rec;
		uint8_t tag = mx_cur_u8(&recs);
		size_t len;
		const uint8_t *v;
		char *s;

		mx_cur_sub16(&recs, &rec);
		if (!mx_cur_ok(&recs))
			return corrupt(env, d, "truncated record");
		if (tag == 0 || tag >= TAG__N)
			return corrupt(env, d, "unknown record");
		len = mx_cur_left(&rec);
		if (len < tag_len[tag].min || len > tag_len[tag].max)
			return corrupt(env, d, "record length out of range");
		if (tag != TAG_RCPT && (seen & (1u << tag)))
			return corrupt(env, d, "record repeated");
		seen |= 1u << tag;
		switch (tag) {
		case TAG_CREATED:
			env->created = (time_t)cur_i64(&rec);
			break;
		case TAG_NEXT:
			env->next_attempt = (time_t)cur_i64(&rec);
			break;
		case TAG_ATTEMPTS:
			env->attempts = mx_cur_u32(&rec);
			break;
		default:
			v = mx_cur_bytes(&rec, len);
			if (!text_ok(v, len))
				return corrupt(env, d, "control characters");
			s = xmalloc(len + 1);
			if (len)
				memcpy(s, v, len);
			s[len] = 0;
			switch (tag) {
			case TAG_ID:
				have_id = 1;
				if (id && strcmp(s, id) != 0) {
					free(s);
					return corrupt(env, d,
						       "id does not match the "
						       "file name");
				}
				free(s);
				break;
			case TAG_FROM:
				env->from = s;
				break;
			case TAG_RCPT:
				if (env->nrcpts == MX_SPOOL_MAX_RCPTS) {
					free(s);
					return corrupt(env, d,
						       "too many recipients");
				}
				env->rcpts = xreallocarray(env->rcpts,
							   env->nrcpts + 1,
							   sizeof(char *));
				env->rcpts[env->nrcpts++] = s;
				break;
			case TAG_HOP:
				env->next_hop = s;
				break;
			case TAG_POLICY:
				env->policy = s;
				break;
			case TAG_LAST_ERROR:
				env->last_error = s;
				break;
			default:
				env->dead_reason = s;
				break;
			}
		}
		if (!mx_cur_done(&rec))
			return corrupt(env, d, "bad record");
	}
	if (!have_id || !(seen & (1u << TAG_FROM)) ||
	    !(seen & (1u << TAG_RCPT)) || !(seen & (1u << TAG_CREATED)) ||
	    !(seen & (1u << TAG_ATTEMPTS)) || !(seen & (1u << TAG_NEXT)))
		return corrupt(env, d, "a required record is missing");
	mlen = mx_cur_u32(&body);
	if (mlen > MX_SPOOL_MAX_MESSAGE)
		return corrupt(env, d, "message too big");
	m = mx_cur_bytes(&body, mlen);
	if (!mx_cur_done(&body))
		return corrupt(env, d,
			       mx_cur_ok(&body) ? "trailing bytes"
						: "truncated message");
	sum = (uint64_t)mx_cur_u32(&c) << 32;
	sum |= mx_cur_u32(&c);
	if (!mx_cur_done(&c))
		return corrupt(env, d, "truncated checksum");
	if (sum != fnv1a(p, n - 8))
		return corrupt(env, d, "checksum mismatch");
	*msg = m;
	*msglen = mlen;
	return MX_SPOOL_OK;
}

/* ---- directories ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every name in the directory held by fd, sorted. */
static enum mx_spool_status read_names(int fd, struct mx_spool_list *out,
				       struct mx_spool_diag *d)
{
	struct dirent *de;
	DIR *dir;
	int dfd;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return MX_SPOOL_OK;
	dfd = dup(fd);
	if (dfd < 0)
		return sfail(d, MX_SPOOL_IO, errno, "dup");
	dir = fdopendir(dfd);
	if (dir == NULL) {
		int e = errno;

		close(dfd);
		return sfail(d, MX_SPOOL_IO, e, "fdopendir");
	}
	rewinddir(dir);
	errno = 0;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		MX_GROW(out->ids, out->n, out->cap);
		out->ids[out->n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	if (out->n)
		qsort(out->ids, out->n, sizeof(char *), cmp_str);
	return MX_SPOOL_OK;
}

void mx_spool_list_free(struct mx_spool_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->ids[i]);
	free(l->ids);
	memset(l, 0, sizeof(*l));
}

/* fsync of a held directory: makes creations, renames and unlinks in it
 * durable. */
static enum mx_spool_status sync_dir(int fd, const char *name,
				     struct mx_spool_diag *d)
{
	if (fsync(fd) != 0)
		return sfail(d, MX_SPOOL_IO, errno, "fsync %s/", name);
	return MX_SPOOL_OK;
}

static int open_dir_at(int at, const char *name, int create)
{
	if (create && mkdirat(at, name, 0700) != 0 && errno != EEXIST)
		return -1;
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Move area/name to corrupt/name, durably. */
static enum mx_spool_status quarantine(struct mx_spool *sp, int fromfd,
				       const char *name,
				       struct mx_spool_diag *d)
{
	if (renameat(fromfd, name, sp->areafd[MX_SPOOL_AREA_CORRUPT], name) !=
	    0)
		return sfail(d, MX_SPOOL_IO, errno, "quarantine %s", name);
	if (sync_dir(sp->areafd[MX_SPOOL_AREA_CORRUPT], "corrupt", d) !=
		    MX_SPOOL_OK ||
	    sync_dir(fromfd, "queue", d) != MX_SPOOL_OK)
		return MX_SPOOL_IO;
	return MX_SPOOL_OK;
}

/* Recovery at open (spool.h). */
static enum mx_spool_status recover(struct mx_spool *sp,
				    struct mx_spool_diag *d)
{
	struct mx_spool_list l;
	enum mx_spool_status st;
	int qfd = sp->areafd[MX_SPOOL_AREA_QUEUE];
	size_t i;

	/* tmp/: never acknowledged. */
	st = read_names(sp->tmpfd, &l, d);
	if (st != MX_SPOOL_OK)
		return st;
	for (i = 0; i < l.n; i++) {
		if (unlinkat(sp->tmpfd, l.ids[i], 0) == 0 ||
		    unlinkat(sp->tmpfd, l.ids[i], AT_REMOVEDIR) == 0)
			sp->rec.tmp_removed++;
	}
	mx_spool_list_free(&l);
	if (sync_dir(sp->tmpfd, "tmp", d) != MX_SPOOL_OK)
		return MX_SPOOL_IO;

	st = read_names(qfd, &l, d);
	if (st != MX_SPOOL_OK)
		return st;
	for (i = 0; i < l.n && st == MX_SPOOL_OK; i++) {
		struct stat sb;

		if (!mx_spool_id_ok(l.ids[i])) {
			st = quarantine(sp, qfd, l.ids[i], d);
			sp->rec.bad_names++;
		} else if (fstatat(sp->areafd[MX_SPOOL_AREA_DEAD], l.ids[i],
				   &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			/* A crash inside mx_spool_bounce(): dead/ wins. */
			if (unlinkat(qfd, l.ids[i], 0) != 0)
				st = sfail(d, MX_SPOOL_IO, errno, "unlink %s",
					   l.ids[i]);
			sp->rec.stale_removed++;
		}
	}
	mx_spool_list_free(&l);
	if (st == MX_SPOOL_OK)
		st = sync_dir(qfd, "queue", d);
	return st;
}

enum mx_spool_status mx_spool_open(const struct mx_spool_params *p,
				   struct mx_spool **out,
				   struct mx_spool_diag *d)
{
	struct mx_spool *sp;
	enum mx_spool_status st = MX_SPOOL_OK;
	int ro = (p->flags & MX_SPOOL_READONLY) != 0, i;

	*out = NULL;
	dclear(d);
	if (p->dir == NULL || (!ro && p->random == NULL))
		return sfail(d, MX_SPOOL_INVALID, 0,
			     "a directory and a random source are needed");
	sp = xcalloc(1, sizeof(*sp));
	sp->dirfd = sp->tmpfd = sp->lockfd = -1;
	for (i = 0; i < 3; i++)
		sp->areafd[i] = -1;
	sp->flags = p->flags;
	sp->random = p->random;
	sp->random_ctx = p->random_ctx;
	if (!ro && mkdir(p->dir, 0700) != 0 && errno != EEXIST) {
		st = sfail(d, MX_SPOOL_IO, errno, "mkdir %s", p->dir);
		goto out;
	}
	sp->dirfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		st = sfail(d,
			   errno == ENOENT ? MX_SPOOL_NOT_FOUND : MX_SPOOL_IO,
			   errno, "open %s", p->dir);
		goto out;
	}
	if (!ro) {
		/* One owner: the lock goes with the descriptor, so a killed
		 * relay never leaves it behind. */
		sp->lockfd = openat(sp->dirfd, "lock",
				    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
				    0600);
		if (sp->lockfd < 0) {
			st = sfail(d, MX_SPOOL_IO, errno, "open lock");
			goto out;
		}
		if (flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0) {
			st = sfail(d,
				   errno == EWOULDBLOCK ? MX_SPOOL_BUSY
							: MX_SPOOL_IO,
				   errno, "spool %s is in use", p->dir);
			goto out;
		}
	}
	sp->tmpfd = open_dir_at(sp->dirfd, "tmp", !ro);
	for (i = 0; i < 3; i++)
		sp->areafd[i] = open_dir_at(sp->dirfd, area_dir[i], !ro);
	if (!ro) {
		if (sp->tmpfd < 0 || sp->areafd[0] < 0 || sp->areafd[1] < 0 ||
		    sp->areafd[2] < 0) {
			st = sfail(d, MX_SPOOL_IO, errno,
				   "create the spool directories in %s",
				   p->dir);
			goto out;
		}
		st = sync_dir(sp->dirfd, p->dir, d);
		if (st == MX_SPOOL_OK)
			st = recover(sp, d);
	}
out:
	if (st != MX_SPOOL_OK) {
		mx_spool_free(sp);
		return st;
	}
	*out = sp;
	return MX_SPOOL_OK;
}

void mx_spool_free(struct mx_spool *sp)
{
	int i;

	if (sp == NULL)
		return;
	for (i = 0; i < 3; i++)
		if (sp->areafd[i] >= 0)
			close(sp->areafd[i]);
	if (sp->tmpfd >= 0)
		close(sp->tmpfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd); /* releases the flock */
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp);
}

const struct mx_spool_recovery *mx_spool_recovered(const struct mx_spool *sp)
{
	return &sp->rec;
}

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
		return sfail(d,
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
	return sfail(d, MX_SPOOL_IO, e, "write tmp/%s", name);
}

static enum mx_spool_status check_id(const char *id, struct mx_spool_diag *d)
{
	return mx_spool_id_ok(id)
		       ? MX_SPOOL_OK
		       : sfail(d, MX_SPOOL_INVALID, 0, "not a spool id");
}

static enum mx_spool_status check_rw(const struct mx_spool *sp,
				     struct mx_spool_diag *d)
{
	return (sp->flags & MX_SPOOL_READONLY)
		       ? sfail(d, MX_SPOOL_READONLY_ERR, 0,
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

	dclear(d);
	id_out[0] = 0;
	st = check_rw(sp, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (len > MX_SPOOL_MAX_MESSAGE)
		return sfail(d, MX_SPOOL_TOO_BIG, 0, "message over %u octets",
			     MX_SPOOL_MAX_MESSAGE);
	st = check_env(env, d);
	if (st != MX_SPOOL_OK)
		return st;
	for (tries = 0; tries < 4; tries++) {
		char id[MX_SPOOL_ID_LEN + 1];
		uint8_t rnd[4], *file;
		size_t flen;
		int qfd = sp->areafd[MX_SPOOL_AREA_QUEUE], e;

		if (!sp->random(sp->random_ctx, rnd, sizeof(rnd)))
			return sfail(d, MX_SPOOL_IO, 0,
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
			return sfail(d, MX_SPOOL_IO, e, "link queue/%s", id);
		}
		unlinkat(sp->tmpfd, id, 0);
		st = sync_dir(qfd, "queue", d);
		if (st != MX_SPOOL_OK)
			return st; /* not acknowledged; may still deliver */
		memcpy(id_out, id, sizeof(id));
		return MX_SPOOL_OK;
	}
	return sfail(d, MX_SPOOL_IO, EEXIST, "no free spool id");
}

enum mx_spool_status mx_spool_list(struct mx_spool *sp, enum mx_spool_area area,
				   struct mx_spool_list *out,
				   struct mx_spool_diag *d)
{
	enum mx_spool_status st;
	size_t i, k = 0;

	dclear(d);
	memset(out, 0, sizeof(*out));
	if ((unsigned)area > MX_SPOOL_AREA_CORRUPT)
		return sfail(d, MX_SPOOL_INVALID, 0, "bad area");
	st = read_names(sp->areafd[area], out, d);
	if (st != MX_SPOOL_OK || area == MX_SPOOL_AREA_CORRUPT)
		return st;
	/* Only spool IDs: anything else is not ours (recovered at open). */
	for (i = 0; i < out->n; i++) {
		if (mx_spool_id_ok(out->ids[i]))
			out->ids[k++] = out->ids[i];
		else
			free(out->ids[i]);
	}
	out->n = k;
	return MX_SPOOL_OK;
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
			return sfail(d, MX_SPOOL_NOT_FOUND, 0, "no message %s",
				     id);
		if (errno == ELOOP)
			return sfail(d, MX_SPOOL_CORRUPT, 0,
				     "corrupt spool file: a symbolic link");
		return sfail(d, MX_SPOOL_IO, errno, "open %s", id);
	}
	if (fstat(fd, &sb) != 0) {
		int e = errno;

		close(fd);
		return sfail(d, MX_SPOOL_IO, e, "fstat %s", id);
	}
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max) {
		close(fd);
		return sfail(d, MX_SPOOL_CORRUPT, 0,
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
			return sfail(d, MX_SPOOL_IO, e, "read %s", id);
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

	dclear(d);
	memset(env, 0, sizeof(*env));
	if (msg)
		*msg = NULL;
	if (len)
		*len = 0;
	st = check_id(id, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (area != MX_SPOOL_AREA_QUEUE && area != MX_SPOOL_AREA_DEAD)
		return sfail(d, MX_SPOOL_INVALID, 0, "bad area");
	afd = sp->areafd[area];
	if (afd < 0)
		return sfail(d, MX_SPOOL_NOT_FOUND, 0, "no message %s", id);
	st = read_file(sp, afd, id, &buf, &n, d);
	if (st == MX_SPOOL_OK)
		st = mx_spool_parse(buf, n, id, env, &m, &mlen, d);
	if (st == MX_SPOOL_CORRUPT) {
		free(buf);
		/* Moved aside, never deleted, never retried. */
		if (!(sp->flags & MX_SPOOL_READONLY)) {
			struct mx_spool_diag qd;

			if (quarantine(sp, afd, id, &qd) != MX_SPOOL_OK &&
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
		return sfail(d, MX_SPOOL_IO, e, "rename %s", name);
	}
	return sync_dir(tofd, suffix, d);
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

	dclear(d);
	st = check_rw(sp, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (last_error &&
	    !text_ok((const uint8_t *)last_error, strlen(last_error)))
		return sfail(d, MX_SPOOL_INVALID, 0,
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

	dclear(d);
	st = check_rw(sp, d);
	if (st == MX_SPOOL_OK)
		st = check_id(id, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (unlinkat(qfd, id, 0) != 0)
		return sfail(d,
			     errno == ENOENT ? MX_SPOOL_NOT_FOUND : MX_SPOOL_IO,
			     errno, "unlink queue/%s", id);
	return sync_dir(qfd, "queue", d);
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

	dclear(d);
	st = check_rw(sp, d);
	if (st != MX_SPOOL_OK)
		return st;
	if (reason == NULL || !text_ok((const uint8_t *)reason, strlen(reason)))
		return sfail(d, MX_SPOOL_INVALID, 0,
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
		return sfail(d, MX_SPOOL_IO, errno, "unlink queue/%s", id);
	return sync_dir(qfd, "queue", d);
}

const char *mx_spool_status_name(enum mx_spool_status s)
{
	switch (s) {
	case MX_SPOOL_OK:
		return "ok";
	case MX_SPOOL_IO:
		return "io";
	case MX_SPOOL_BUSY:
		return "busy";
	case MX_SPOOL_NOT_FOUND:
		return "not_found";
	case MX_SPOOL_CORRUPT:
		return "corrupt";
	case MX_SPOOL_INVALID:
		return "invalid";
	case MX_SPOOL_TOO_BIG:
		return "too_big";
	case MX_SPOOL_READONLY_ERR:
		return "read_only";
	}
	return "unknown";
}
