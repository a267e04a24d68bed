/*
 * test_pcapng.c - the pcapng writer (reports/pcapng.c): the bytes of every
 * block (types, both length fields, 32-bit padding, options), a read-back
 * with libpcap's own pcapng reader (timestamps, lengths, bytes), comment
 * cutting at a UTF-8 boundary, argument checks, and the file rules: mode
 * 0600, O_EXCL refusal, --force overwrite, symlink and FIFO refusal, a
 * failed write reported by close.  Every case runs in its own mkdtemp dir.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/pcapng.h"

/* ---- fixtures ---------------------------------------------------------- */

struct tmp {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s", "/tmp/test_pcapng.XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/out.pcapng", t->dir);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char p[160];
	const char *names[] = {"out.pcapng", "target", "link", "fifo"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", t->dir, names[i]);
		unlink(p);
	}
	rmdir(t->dir);
	free(t);
	return 0;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* One block at off: checks both length fields and the alignment,
 * returns its type and sets *body / *body_len (between the two lengths). */
static uint32_t block_at(const uint8_t *f, size_t flen, size_t *off,
			 const uint8_t **body, size_t *body_len)
{
	uint32_t type, len;

	assert_true(flen - *off >= 12);
	type = rd32(f + *off);
	len = rd32(f + *off + 4);
	assert_int_equal(len % 4, 0);
	assert_true(len >= 12 && len <= flen - *off);
	assert_int_equal(rd32(f + *off + len - 4), len);
	*body = f + *off + 8;
	*body_len = len - 12;
	*off += len;
	return type;
}

/* Options from p: returns the value of `code` (and its length), NULL if
 * absent; checks padding, that the list ends with opt_endofopt and
 * exactly fills the space. */
static const uint8_t *opt_find(const uint8_t *p, size_t len, uint16_t code,
			       size_t *vlen)
{
	const uint8_t *found = NULL;
	size_t off = 0;

	for (;;) {
		uint16_t c, l;
		size_t padded;

		assert_true(len - off >= 4);
		c = rd16(p + off);
		l = rd16(p + off + 2);
		if (c == 0) {
			assert_int_equal(l, 0);
			assert_int_equal(off + 4, len);
			return found;
		}
		padded = ((size_t)l + 3) & ~(size_t)3;
		assert_true(len - off - 4 >= padded);
		for (size_t i = l; i < padded; i++)
			assert_int_equal(p[off + 4 + i], 0);
		if (c == code) {
			found = p + off + 4;
			*vlen = l;
		}
		off += 4 + padded;
	}
}

/* ---- the bytes and a read-back with libpcap ---------------------------- */

struct pkt {
	unsigned ifx;
	int64_t ts_us;
	uint32_t caplen, wirelen;
	const char *comment;
};

static const struct pkt pkts[] = {
	{0, 1765000000123456LL, 60, 60,
	 "conn 7, enumeration TLSv1.2 (44 suites offered): ClientHello 312 B"},
	{1, 1765000000123999LL, 61, 61, NULL},
	{0, 1765000001000001LL, 1, 1, "caf\xc3\xa9"}, /* UTF-8 é */
	{1, 1765000002000000LL, 40, 1500, "cut by the snap length"},
	{0, 1765000003999999LL, 0, 0, "x"},
};
#define NPKTS (sizeof(pkts) / sizeof(pkts[0]))

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7);
}

static void write_sample(const char *path)
{
	char err[256];
	uint8_t data[64];
	struct mx_pcapng *w = mx_pcapng_open(path, 0, err, sizeof(err));
	size_t i;

	assert_non_null(w);
	assert_int_equal(mx_pcapng_interface(w, 1, 262144, "lo"), 0);
	assert_int_equal(mx_pcapng_interface(w, 1, 262144, "eth0"), 1);
	for (i = 0; i < NPKTS; i++) {
		fill(data, pkts[i].caplen, (unsigned)i);
		assert_int_equal(mx_pcapng_packet(w, pkts[i].ifx, pkts[i].ts_us,
						  pkts[i].caplen,
						  pkts[i].wirelen, data,
						  pkts[i].comment),
				 0);
	}
	assert_int_equal(mx_pcapng_close(w), 0);
	assert_null(mx_pcapng_error(w));
	mx_pcapng_free(w);
}

static void test_bytes(void **state)
{
	struct tmp *t = *state;
	const uint8_t *body, *v;
	uint8_t *f, data[64];
	size_t flen = 0, off = 0, blen, vlen, i;
	uint64_t sect;

	write_sample(t->path);
	f = slurp(t->path, &flen);
	assert_non_null(f);
	assert_int_equal(flen % 4, 0);

	/* Section Header Block */
	assert_int_equal(block_at(f, flen, &off, &body, &blen), 0x0A0D0D0A);
	assert_int_equal(rd32(body), 0x1A2B3C4D);
	assert_int_equal(rd16(body + 4), 1);
	assert_int_equal(rd16(body + 6), 0);
	memcpy(&sect, body + 8, 8);
	assert_true(sect == UINT64_MAX);
	v = opt_find(body + 16, blen - 16, 4, &vlen);
	assert_non_null(v);
	assert_int_equal(vlen, 7);
	assert_memory_equal(v, "mxprobe", 7);

	/* two Interface Description Blocks */
	for (i = 0; i < 2; i++) {
		const char *name = i == 0 ? "lo" : "eth0";
		assert_int_equal(block_at(f, flen, &off, &body, &blen), 1);
		assert_int_equal(rd16(body), 1);     /* LINKTYPE_ETHERNET */
		assert_int_equal(rd16(body + 2), 0); /* reserved */
		assert_int_equal(rd32(body + 4), 262144);
		v = opt_find(body + 8, blen - 8, 2, &vlen);
		assert_non_null(v);
		assert_int_equal(vlen, strlen(name));
		assert_memory_equal(v, name, vlen);
		v = opt_find(body + 8, blen - 8, 9, &vlen);
		assert_non_null(v);
		assert_int_equal(vlen, 1);
		assert_int_equal(v[0], 6);
	}

	/* Enhanced Packet Blocks */
	for (i = 0; i < NPKTS; i++) {
		size_t padded = (pkts[i].caplen + 3u) & ~3u;
		uint64_t ts;

		assert_int_equal(block_at(f, flen, &off, &body, &blen), 6);
		assert_int_equal(rd32(body), pkts[i].ifx);
		ts = (uint64_t)rd32(body + 4) << 32 | rd32(body + 8);
		assert_true(ts == (uint64_t)pkts[i].ts_us);
		assert_int_equal(rd32(body + 12), pkts[i].caplen);
		assert_int_equal(rd32(body + 16), pkts[i].wirelen);
		fill(data, pkts[i].caplen, (unsigned)i);
		assert_memory_equal(body + 20, data, pkts[i].caplen);
		for (size_t k = pkts[i].caplen; k < padded; k++)
			assert_int_equal(body[20 + k], 0);
		assert_true(blen >= 20 + padded);
		if (pkts[i].comment == NULL) {
			assert_int_equal(blen, 20 + padded); /* no options */
			continue;
		}
		v = opt_find(body + 20 + padded, blen - 20 - padded, 1, &vlen);
		assert_non_null(v);
		assert_int_equal(vlen, strlen(pkts[i].comment));
		assert_memory_equal(v, pkts[i].comment, vlen);
	}
	assert_int_equal(off, flen);
	free(f);
}

static void test_libpcap_reads_back(void **state)
{
	struct tmp *t = *state;
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	uint8_t data[64];
	pcap_t *p;
	size_t i = 0;
	int rc;

	write_sample(t->path);
	p = pcap_open_offline_with_tstamp_precision(
		t->path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL)
		fail_msg("libpcap: %s", ebuf);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
		assert_true(i < NPKTS);
		assert_int_equal(h->ts.tv_sec, pkts[i].ts_us / 1000000);
		assert_int_equal(h->ts.tv_usec, pkts[i].ts_us % 1000000);
		assert_int_equal(h->caplen, pkts[i].caplen);
		assert_int_equal(h->len, pkts[i].wirelen);
		fill(data, pkts[i].caplen, (unsigned)i);
		assert_memory_equal(bytes, data, pkts[i].caplen);
		i++;
	}
	assert_int_equal(rc, PCAP_ERROR_BREAK); /* clean end of file */
	assert_int_equal(i, NPKTS);
	pcap_close(p);
}

/* ---- comments, arguments ------------------------------------------------ */

static void test_comment_cut_utf8(void **state)
{
	struct tmp *t = *state;
	char err[256], *c;
	const char *euro = "\xe2\x82\xac"; /* 3 bytes */
	const uint8_t *body, *v;
	uint8_t *f, b = 0x42;
	size_t flen, off = 0, blen, vlen, i, n = 2000;
	struct mx_pcapng *w;

	c = malloc(n * 3 + 1);
	assert_non_null(c);
	for (i = 0; i < n; i++)
		memcpy(c + i * 3, euro, 3);
	c[n * 3] = '\0';
	w = mx_pcapng_open(t->path, 0, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(mx_pcapng_interface(w, 101, 0, NULL), 0);
	assert_int_equal(mx_pcapng_packet(w, 0, 0, 1, 1, &b, c), 0);
	assert_int_equal(mx_pcapng_close(w), 0);
	mx_pcapng_free(w);
	free(c);

	f = slurp(t->path, &flen);
	assert_non_null(f);
	block_at(f, flen, &off, &body, &blen);
	assert_int_equal(block_at(f, flen, &off, &body, &blen), 1);
	assert_int_equal(rd16(body), 101);
	assert_int_equal(rd32(body + 4), 0);
	assert_null(opt_find(body + 8, blen - 8, 2, &vlen)); /* no if_name */
	assert_int_equal(block_at(f, flen, &off, &body, &blen), 6);
	v = opt_find(body + 24, blen - 24, 1, &vlen);
	assert_non_null(v);
	/* 4096 is not a character boundary: 1365 characters, 4095 bytes */
	assert_int_equal(vlen, 4095);
	assert_memory_equal(v + vlen - 3, euro, 3);
	free(f);
}

static void test_bad_arguments(void **state)
{
	struct tmp *t = *state;
	char err[256];
	uint8_t b[8] = {0};
	struct mx_pcapng *w = mx_pcapng_open(t->path, 0, err, sizeof(err));

	assert_non_null(w);
	/* no interface yet */
	assert_int_equal(mx_pcapng_packet(w, 0, 1, 8, 8, b, NULL), -1);
	assert_int_equal(mx_pcapng_interface(w, -1, 0, "x"), -1);
	assert_int_equal(mx_pcapng_interface(w, 0x10000, 0, "x"), -1);
	assert_int_equal(mx_pcapng_interface(w, 1, 65535, "x"), 0);
	assert_int_equal(mx_pcapng_packet(w, 1, 1, 8, 8, b, NULL), -1);
	assert_int_equal(mx_pcapng_packet(w, 0, -1, 8, 8, b, NULL), -1);
	assert_int_equal(mx_pcapng_packet(w, 0, 1, 9, 8, b, NULL), -1);
	assert_int_equal(mx_pcapng_packet(w, 0, 1, 8, 8, NULL, NULL), -1);
	assert_int_equal(mx_pcapng_packet(w, 0, 1, MX_PCAPNG_MAX_PACKET + 1,
					  MX_PCAPNG_MAX_PACKET + 1, b, NULL),
			 -1);
	/* refused arguments do not poison the file */
	assert_int_equal(mx_pcapng_packet(w, 0, 1, 8, 8, b, ""), 0);
	assert_int_equal(mx_pcapng_close(w), 0);
	assert_int_equal(mx_pcapng_close(w), 0); /* twice is harmless */
	assert_int_equal(mx_pcapng_packet(w, 0, 1, 8, 8, b, NULL), -1);
	mx_pcapng_free(w);
	mx_pcapng_free(NULL);
	assert_int_equal(mx_pcapng_close(NULL), -1);
}

/* ---- the file rules ----------------------------------------------------- */

static void test_mode_0600(void **state)
{
	struct tmp *t = *state;
	char err[256];
	struct stat st;
	mode_t old = umask(0);
	struct mx_pcapng *w = mx_pcapng_open(t->path, 0, err, sizeof(err));

	umask(old);
	assert_non_null(w);
	assert_int_equal(mx_pcapng_close(w), 0);
	mx_pcapng_free(w);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(S_ISREG(st.st_mode));
}

static void test_excl_and_force(void **state)
{
	struct tmp *t = *state;
	char err[256];
	struct stat st;
	FILE *f = fopen(t->path, "w");
	struct mx_pcapng *w;
	size_t len;
	uint8_t *p;

	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	assert_int_equal(chmod(t->path, 0644), 0);

	err[0] = '\0';
	w = mx_pcapng_open(t->path, 0, err, sizeof(err));
	assert_null(w);
	assert_non_null(strstr(err, "exists"));
	assert_non_null(strstr(err, "--force"));
	p = slurp(t->path, &len);
	assert_non_null(p);
	assert_int_equal(len, 8); /* untouched */
	free(p);

	w = mx_pcapng_open(t->path, 1, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(mx_pcapng_close(w), 0);
	mx_pcapng_free(w);
	p = slurp(t->path, &len);
	assert_non_null(p);
	assert_int_equal(rd32(p), 0x0A0D0D0A); /* replaced, not appended */
	assert_int_equal(len, rd32(p + 4));
	free(p);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_symlink_refused(void **state)
{
	struct tmp *t = *state;
	char err[256], target[160], link[160];
	struct stat st;
	FILE *f;
	int force;

	snprintf(target, sizeof(target), "%s/target", t->dir);
	snprintf(link, sizeof(link), "%s/link", t->dir);
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	assert_int_equal(symlink(target, link), 0);
	for (force = 0; force <= 1; force++) {
		err[0] = '\0';
		assert_null(mx_pcapng_open(link, force, err, sizeof(err)));
		assert_true(err[0] != '\0');
		assert_int_equal(stat(target, &st), 0);
		assert_int_equal(st.st_size, 4);
	}
	/* a dangling link is not created through either */
	assert_int_equal(unlink(target), 0);
	for (force = 0; force <= 1; force++) {
		assert_null(mx_pcapng_open(link, force, err, sizeof(err)));
		assert_int_equal(stat(target, &st), -1);
	}
}

static void test_fifo_refused(void **state)
{
	struct tmp *t = *state;
	char err[256], fifo[160];

	snprintf(fifo, sizeof(fifo), "%s/fifo", t->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* no reader: must neither hang nor write */
	assert_null(mx_pcapng_open(fifo, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	assert_null(mx_pcapng_open(fifo, 0, err, sizeof(err)));
	assert_null(mx_pcapng_open("/dev/null", 1, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
}

/* A write that fails (file size limit) makes the writer sticky-failed
 * and close reports it.  In a child: the limit is process-wide. */
static void test_write_failure(void **state)
{
	struct tmp *t = *state;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};
		static uint8_t big[2000];
		char err[256];
		struct mx_pcapng *w;
		int i, failed = 0;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(10);
		w = mx_pcapng_open(t->path, 0, err, sizeof(err));
		if (w == NULL || mx_pcapng_interface(w, 1, 0, "lo") != 0)
			_exit(11);
		for (i = 0; i < 20; i++)
			if (mx_pcapng_packet(w, 0, i, sizeof(big), sizeof(big),
					     big, "c") != 0)
				failed = 1;
		/* stdio may buffer the failure until close */
		if (mx_pcapng_close(w) != -1)
			_exit(12);
		if (mx_pcapng_error(w) == NULL)
			_exit(13);
		if (failed && mx_pcapng_packet(w, 0, 1, 1, 1, big, NULL) != -1)
			_exit(14);
		mx_pcapng_free(w);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libpcap_reads_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_comment_cut_utf8, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mode_0600, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_excl_and_force, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fifo_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
