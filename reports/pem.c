/*
 * pem.c - export a certificate chain as PEM files; see pem.h for the
 * naming and overwrite rules.
 *
 * Safety: every file is opened relative to one directory descriptor
 * (openat), with O_NOFOLLOW so a planted symbolic link is never
 * followed, O_NONBLOCK so a planted FIFO cannot hang us, and checked to
 * be a regular file (fstat) before it is truncated.  Without `force` all
 * names are checked first and nothing is written if any exists; O_EXCL
 * still catches a file that appears in between.
 *
 * The directory is created (mode 0755) when it does not exist; its parent
 * must exist.
 */
#include "reports/pem.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"

#define STEM_MAX 64
#define CHAIN_STEM "chain"

void mx_pem_encode(struct mx_buf *b, const uint8_t *der, size_t len)
{
	unsigned char line[65];
	size_t off;

	/* RFC 7468 section 2: 64 base64 characters a line. */
	mx_buf_push_str(b, "-----BEGIN CERTIFICATE-----\n");
	for (off = 0; off < len; off += 48) {
		size_t n = len - off < 48 ? len - off : 48;
		int out = EVP_EncodeBlock(line, der + off, (int)n);

		mx_buf_push(b, line, (size_t)out);
		mx_buf_push_u8(b, '\n');
	}
	mx_buf_push_str(b, "-----END CERTIFICATE-----\n");
}

void mx_export_stem(const char *cn, size_t index, char *out, size_t outlen)
{
	size_t n = 0, max = outlen - 1 < STEM_MAX ? outlen - 1 : STEM_MAX;
	const char *p = cn ? cn : "";

	for (; *p && n < max; p++) {
		char ch = *p;
		int keep = (ch >= 'A' && ch <= 'Z') ||
			   (ch >= 'a' && ch <= 'z') ||
			   (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
			   ch == '-';

		/* no leading dot (hidden, ".", "..") nor dash (an option) */
		if (n == 0 && (ch == '.' || ch == '-'))
			continue;
		out[n++] = keep ? ch : '_';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outlen, "cert-%zu", index);
}

static int name_taken(char names[][STEM_MAX + 16], size_t n, const char *s)
{
	size_t i;

	if (strcasecmp(s, CHAIN_STEM ".pem") == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (strcasecmp(names[i], s) == 0)
			return 1;
	return 0;
}

static void add_result(struct mx_export_result *res, const char *name,
		       const struct mx_cert *k)
{
	struct mx_export_file *f;

	MX_GROW(res->v, res->n, res->cap);
	f = &res->v[res->n++];
	f->name = xstrdup(name);
	f->subject = xstrdup(k->subject ? k->subject : "");
	f->is_ca = k->is_ca;
}

/* Check that `name` may be written: absent, or with force a regular
 * file that is not a symbolic link. */
static int precheck(int dfd, const char *dir, const char *name, int force,
		    char *err, size_t errlen)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	if (!force) {
		snprintf(err, errlen,
			 "%s/%s exists; refusing to overwrite (use --force)",
			 dir, name);
		return -1;
	}
	if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen,
			 "%s/%s is %s; refusing to write through it", dir, name,
			 S_ISLNK(st.st_mode) ? "a symbolic link"
					     : "not a regular file");
		return -1;
	}
	return 0;
}

static int write_file(int dfd, const char *dir, const char *name, int force,
		      const uint8_t *p, size_t len, char *err, size_t errlen)
{
	struct stat st;
	int fd, flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC | (force ? 0 : O_EXCL);
	size_t off = 0;

	fd = openat(dfd, name, flags, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s/%s: %s", dir, name,
			 errno == ELOOP ? "is a symbolic link; refusing"
					: strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    ftruncate(fd, 0) != 0 || fchmod(fd, 0644) != 0) {
		snprintf(err, errlen, "%s/%s: not a writable regular file", dir,
			 name);
		close(fd);
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s/%s: %s", dir, name,
				 n < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_dir(const char *dir, char *err, size_t errlen)
{
	int dfd;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return dfd;
}

int mx_export_chain(const struct mx_chain *ch, const char *dir, int force,
		    struct mx_export_result *res, char *err, size_t errlen)
{
	char(*names)[STEM_MAX + 16] = NULL;
	struct mx_buf all, one;
	int dfd = -1, rc = -1;
	size_t i;

	memset(res, 0, sizeof(*res));
	mx_buf_init(&all, 0);
	mx_buf_init(&one, 0);
	if (ch == NULL || ch->n == 0) {
		snprintf(err, errlen, "no certificates to export");
		goto out;
	}
	names = xcalloc(ch->n, sizeof(*names));
	for (i = 0; i < ch->n; i++) {
		char stem[STEM_MAX + 1];
		unsigned k;

		if (ch->v[i].der == NULL || ch->v[i].der_len == 0) {
			snprintf(err, errlen, "certificate %zu has no DER", i);
			goto out;
		}
		mx_export_stem(ch->v[i].cn, i, stem, sizeof(stem));
		snprintf(names[i], sizeof(names[i]), "%s.pem", stem);
		for (k = 2; name_taken(names, i, names[i]); k++)
			snprintf(names[i], sizeof(names[i]), "%s-%u.pem", stem,
				 k);
	}
	dfd = open_dir(dir, err, errlen);
	if (dfd < 0)
		goto out;
	for (i = 0; i < ch->n; i++)
		if (precheck(dfd, dir, names[i], force, err, errlen) < 0)
			goto out;
	if (precheck(dfd, dir, CHAIN_STEM ".pem", force, err, errlen) < 0)
		goto out;
	for (i = 0; i < ch->n; i++) {
		mx_buf_reset(&one);
		mx_pem_encode(&one, ch->v[i].der, ch->v[i].der_len);
		mx_pem_encode(&all, ch->v[i].der, ch->v[i].der_len);
		if (one.err || all.err) {
			snprintf(err, errlen, "certificate %zu is too large",
				 i);
			goto out;
		}
		if (write_file(dfd, dir, names[i], force, one.p, one.len, err,
			       errlen) < 0)
			goto out;
		add_result(res, names[i], &ch->v[i]);
	}
	if (write_file(dfd, dir, CHAIN_STEM ".pem", force, all.p, all.len, err,
		       errlen) < 0)
		goto out;
	res->chain_name = xstrdup(CHAIN_STEM ".pem");
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	free(names);
	mx_buf_free(&all);
	mx_buf_free(&one);
	return rc;
}

void mx_export_result_free(struct mx_export_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->n; i++) {
		free(res->v[i].name);
		free(res->v[i].subject);
	}
	free(res->v);
	free(res->chain_name);
	memset(res, 0, sizeof(*res));
}
