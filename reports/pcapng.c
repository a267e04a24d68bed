/*
 * pcapng.c - the pcapng writer (see pcapng.h for the contract).
 *
 * Each block is built in memory the way it looks on disk (type, total
 * length, body, options, total length again), its length back-filled,
 * then written with one fwrite.  Host byte order throughout; readers learn
 * it from the Section Header Block's byte-order magic.
 */
#include "reports/pcapng.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/buf.h"
#include "common/xalloc.h"

/* draft-ietf-opsawg-pcapng §4.1, §4.2, §4.3: block types. */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
/* §3.5 options: common, then per block. */
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define TSRESOL_MICRO 6 /* 10^-6 s */

#define MAX_IFACES 64
#define BLOCK_MAX (MX_PCAPNG_MAX_PACKET + MX_PCAPNG_MAX_COMMENT + 256)

struct mx_pcapng {
	FILE *f;
	unsigned nif;
	int failed;
	char err[256];
};

static void fail(struct mx_pcapng *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct mx_pcapng *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	w->failed = 1;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
}

/* ---- block building ----------------------------------------------------- */

static void put16(struct mx_buf *b, uint16_t v)
{
	mx_buf_push(b, &v, sizeof(v));
}

static void put32(struct mx_buf *b, uint32_t v)
{
	mx_buf_push(b, &v, sizeof(v));
}

static void pad32(struct mx_buf *b)
{
	static const uint8_t zero[4];
	size_t rem = b->len % 4;

	if (rem != 0)
		mx_buf_push(b, zero, 4 - rem);
}

/* §3.5: code, length (unpadded), value padded to 32 bits. */
static void put_opt(struct mx_buf *b, uint16_t code, const void *v, size_t len)
{
	put16(b, code);
	put16(b, (uint16_t)len);
	mx_buf_push(b, v, len);
	pad32(b);
}

static void block_open(struct mx_buf *b, uint32_t type)
{
	mx_buf_init(b, BLOCK_MAX);
	put32(b, type);
	put32(b, 0); /* back-filled by block_write */
}

/* Trailer, back-filled length, one write. */
static int block_write(struct mx_pcapng *w, struct mx_buf *b)
{
	uint32_t total;

	pad32(b);
	total = (uint32_t)(b->len + 4);
	put32(b, total);
	if (b->err) {
		fail(w, "pcapng: block too large");
		goto out;
	}
	memcpy(b->p + 4, &total, sizeof(total));
	if (fwrite(b->p, 1, b->len, w->f) != b->len)
		fail(w, "pcapng: write: %s", strerror(errno));
out:
	mx_buf_free(b);
	return w->failed ? -1 : 0;
}

/* Length of s cut to at most max bytes at a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* ---- API ---------------------------------------------------------------- */

static int write_shb(struct mx_pcapng *w)
{
	static const char appl[] = "mxprobe";
	struct mx_buf b;
	uint64_t section_len = UINT64_MAX; /* -1: not specified */

	block_open(&b, BT_SHB);
	put32(&b, BYTE_ORDER_MAGIC);
	put16(&b, 1); /* major */
	put16(&b, 0); /* minor */
	mx_buf_push(&b, &section_len, sizeof(section_len));
	put_opt(&b, OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	put_opt(&b, OPT_ENDOFOPT, NULL, 0);
	return block_write(w, &b);
}

struct mx_pcapng *mx_pcapng_open(const char *path, int force, char *err,
				 size_t errlen)
{
	struct mx_pcapng *w;
	struct stat st;
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK; /* a FIFO without reader: ENXIO, no hang */
	int fd;

	flags |= force ? O_TRUNC : O_EXCL;
	fd = open(path, flags, 0600);
	if (fd < 0) {
		int e = errno;
		if (e == EEXIST)
			mx_set_err(err, errlen,
				   "%s: exists (use --force to overwrite)",
				   path);
		else if (e == ENXIO)
			mx_set_err(err, errlen, "%s: not a regular file", path);
		else if (e == ELOOP)
			mx_set_err(err, errlen,
				   "%s: is a symbolic link, refusing to follow "
				   "it",
				   path);
		else
			mx_set_err(err, errlen, "%s: %s", path, strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		mx_set_err(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	/* --force on an existing file keeps its old mode: set ours. */
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
		mx_set_err(err, errlen, "%s: chmod 0600: %s", path,
			   strerror(errno));
		close(fd);
		return NULL;
	}
	w = xcalloc(1, sizeof(*w));
	w->f = fdopen(fd, "wb");
	if (w->f == NULL) {
		mx_set_err(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		free(w);
		return NULL;
	}
	if (write_shb(w) != 0) {
		mx_set_err(err, errlen, "%s: %s", path, w->err);
		mx_pcapng_free(w);
		return NULL;
	}
	return w;
}

int mx_pcapng_interface(struct mx_pcapng *w, int linktype, uint32_t snaplen,
			const char *ifname)
{
	static const uint8_t tsresol = TSRESOL_MICRO;
	struct mx_buf b;

	if (w == NULL || w->f == NULL || w->failed)
		return -1;
	if (linktype < 0 || linktype > 0xffff || w->nif >= MAX_IFACES)
		return -1;
	block_open(&b, BT_IDB);
	put16(&b, (uint16_t)linktype);
	put16(&b, 0); /* reserved */
	put32(&b, snaplen);
	if (ifname != NULL && ifname[0] != '\0')
		put_opt(&b, OPT_IF_NAME, ifname, utf8_cut(ifname, 255));
	put_opt(&b, OPT_IF_TSRESOL, &tsresol, 1);
	put_opt(&b, OPT_ENDOFOPT, NULL, 0);
	if (block_write(w, &b) != 0)
		return -1;
	return (int)w->nif++;
}

int mx_pcapng_packet(struct mx_pcapng *w, unsigned ifindex, int64_t ts_us,
		     uint32_t caplen, uint32_t wirelen, const uint8_t *bytes,
		     const char *comment)
{
	struct mx_buf b;
	uint64_t ts;

	if (w == NULL || w->f == NULL || w->failed)
		return -1;
	if (ifindex >= w->nif || ts_us < 0 || caplen > wirelen ||
	    caplen > MX_PCAPNG_MAX_PACKET || (caplen > 0 && bytes == NULL))
		return -1;
	ts = (uint64_t)ts_us;
	block_open(&b, BT_EPB);
	put32(&b, ifindex);
	put32(&b, (uint32_t)(ts >> 32));
	put32(&b, (uint32_t)(ts & 0xffffffffu));
	put32(&b, caplen);
	put32(&b, wirelen);
	if (caplen > 0)
		mx_buf_push(&b, bytes, caplen);
	pad32(&b);
	if (comment != NULL && comment[0] != '\0') {
		put_opt(&b, OPT_COMMENT, comment,
			utf8_cut(comment, MX_PCAPNG_MAX_COMMENT));
		put_opt(&b, OPT_ENDOFOPT, NULL, 0);
	}
	return block_write(w, &b);
}

int mx_pcapng_close(struct mx_pcapng *w)
{
	if (w == NULL)
		return -1;
	if (w->f != NULL) {
		if (fflush(w->f) != 0 || ferror(w->f))
			fail(w, "pcapng: write: %s", strerror(errno));
		if (fclose(w->f) != 0)
			fail(w, "pcapng: close: %s", strerror(errno));
		w->f = NULL;
	}
	return w->failed ? -1 : 0;
}

const char *mx_pcapng_error(const struct mx_pcapng *w)
{
	return w != NULL && w->failed ? w->err : NULL;
}

void mx_pcapng_free(struct mx_pcapng *w)
{
	if (w == NULL)
		return;
	if (w->f != NULL)
		fclose(w->f);
	free(w);
}
