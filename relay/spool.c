/*
 * spool.c - the durable spool; see spool.h for the contract, the layout,
 * the file format and the crash rules.
 *
 * The spool directory: opening it (directories made, held open with
 * dirfd + *at() calls, so the spool does not depend on the current
 * directory and a directory fsync is an fsync of the held descriptor;
 * the lock), recovery at open (tmp/ emptied, unreadable queue files
 * quarantined), and listing an area.  One message's operations are
 * spool_msg.c's, the file format spool_format.c's; they share
 * relay/spool_int.h.
 */
#include "relay/spool_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"

static const char *const area_dir[] = {"queue", "dead", "corrupt"};

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
		return sp_fail(d, MX_SPOOL_IO, errno, "dup");
	dir = fdopendir(dfd);
	if (dir == NULL) {
		int e = errno;

		close(dfd);
		return sp_fail(d, MX_SPOOL_IO, e, "fdopendir");
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
enum mx_spool_status sp_sync_dir(int fd, const char *name,
				 struct mx_spool_diag *d)
{
	if (fsync(fd) != 0)
		return sp_fail(d, MX_SPOOL_IO, errno, "fsync %s/", name);
	return MX_SPOOL_OK;
}

static int open_dir_at(int at, const char *name, int create)
{
	if (create && mkdirat(at, name, 0700) != 0 && errno != EEXIST)
		return -1;
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Move area/name to corrupt/name, durably. */
enum mx_spool_status sp_quarantine(struct mx_spool *sp, int fromfd,
				   const char *name, struct mx_spool_diag *d)
{
	if (renameat(fromfd, name, sp->areafd[MX_SPOOL_AREA_CORRUPT], name) !=
	    0)
		return sp_fail(d, MX_SPOOL_IO, errno, "quarantine %s", name);
	if (sp_sync_dir(sp->areafd[MX_SPOOL_AREA_CORRUPT], "corrupt", d) !=
		    MX_SPOOL_OK ||
	    sp_sync_dir(fromfd, "queue", d) != MX_SPOOL_OK)
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
	if (sp_sync_dir(sp->tmpfd, "tmp", d) != MX_SPOOL_OK)
		return MX_SPOOL_IO;

	st = read_names(qfd, &l, d);
	if (st != MX_SPOOL_OK)
		return st;
	for (i = 0; i < l.n && st == MX_SPOOL_OK; i++) {
		struct stat sb;

		if (!mx_spool_id_ok(l.ids[i])) {
			st = sp_quarantine(sp, qfd, l.ids[i], d);
			sp->rec.bad_names++;
		} else if (fstatat(sp->areafd[MX_SPOOL_AREA_DEAD], l.ids[i],
				   &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			/* A crash inside mx_spool_bounce(): dead/ wins. */
			if (unlinkat(qfd, l.ids[i], 0) != 0)
				st = sp_fail(d, MX_SPOOL_IO, errno, "unlink %s",
					     l.ids[i]);
			sp->rec.stale_removed++;
		}
	}
	mx_spool_list_free(&l);
	if (st == MX_SPOOL_OK)
		st = sp_sync_dir(qfd, "queue", d);
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
	sp_dclear(d);
	if (p->dir == NULL || (!ro && p->random == NULL))
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "a directory and a random source are needed");
	sp = xcalloc(1, sizeof(*sp));
	sp->dirfd = sp->tmpfd = sp->lockfd = -1;
	for (i = 0; i < 3; i++)
		sp->areafd[i] = -1;
	sp->flags = p->flags;
	sp->random = p->random;
	sp->random_ctx = p->random_ctx;
	if (!ro && mkdir(p->dir, 0700) != 0 && errno != EEXIST) {
		st = sp_fail(d, MX_SPOOL_IO, errno, "mkdir %s", p->dir);
		goto out;
	}
	sp->dirfd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		st = sp_fail(d,
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
			st = sp_fail(d, MX_SPOOL_IO, errno, "open lock");
			goto out;
		}
		if (flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0) {
			st = sp_fail(d,
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
			st = sp_fail(d, MX_SPOOL_IO, errno,
				     "create the spool directories in %s",
				     p->dir);
			goto out;
		}
		st = sp_sync_dir(sp->dirfd, p->dir, d);
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

enum mx_spool_status mx_spool_list(struct mx_spool *sp, enum mx_spool_area area,
				   struct mx_spool_list *out,
				   struct mx_spool_diag *d)
{
	enum mx_spool_status st;
	size_t i, k = 0;

	sp_dclear(d);
	memset(out, 0, sizeof(*out));
	if ((unsigned)area > MX_SPOOL_AREA_CORRUPT)
		return sp_fail(d, MX_SPOOL_INVALID, 0, "bad area");
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
