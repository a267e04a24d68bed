/*
 * test_reports_pem.c - PEM export of a chain (reports/pem.c), with the
 * real test PKI of tests/data/certs (leaf, intermediate, root): file
 * names from the CN, sanitising hostile CNs, collisions, refusal to
 * overwrite, --force, symbolic links and FIFOs, and PEM that OpenSSL
 * reads back to the same DER.  Every case runs in its own mkdtemp dir.
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
#include <ftw.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "reports/pem.h"

/* ---- fixtures ---------------------------------------------------------- */

/* Load tests/data/certs/<name>.pem into a model certificate. */
static void load_cert(struct mx_chain *ch, const char *name)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096], cn[256];
	struct mx_cert *c;
	FILE *fp;
	X509 *x;
	unsigned char *der = NULL;
	int len;

	snprintf(path, sizeof(path), "%s/certs/%s.pem",
		 dir ? dir : "tests/data", name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	len = i2d_X509(x, &der);
	assert_true(len > 0);
	c = mx_chain_add(ch);
	c->der = xmalloc((size_t)len);
	memcpy(c->der, der, (size_t)len);
	c->der_len = (size_t)len;
	OPENSSL_free(der);
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
				      cn, sizeof(cn)) < 0)
		cn[0] = '\0';
	c->cn = xstrdup(cn);
	c->subject = xasprintf("CN=%s", cn);
	c->is_ca = X509_check_ca(x) != 0;
	X509_free(x);
}

static void lab_chain(struct mx_chain *ch)
{
	memset(ch, 0, sizeof(*ch));
	load_cert(ch, "leaf");
	load_cert(ch, "int");
	load_cert(ch, "root");
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

struct tmp {
	char base[64];
	char out[128];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->base, sizeof(t->base), "/tmp/mxprobe-pem-XXXXXX");
	assert_non_null(mkdtemp(t->base));
	snprintf(t->out, sizeof(t->out), "%s/export", t->base);
}

static void tmp_free(struct tmp *t)
{
	nftw(t->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_in(const struct tmp *t, const char *name)
{
	return xasprintf("%s/%s", t->out, name);
}

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		n = 0;
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void write_all(const char *path, const char *s)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

/* Every certificate in the PEM file, in order, equals ch->v[first..]. */
static void assert_pem_holds(const char *path, const struct mx_chain *ch,
			     size_t first, size_t n)
{
	FILE *fp = fopen(path, "r");
	size_t i;

	assert_non_null(fp);
	for (i = 0; i < n; i++) {
		X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
		unsigned char *der = NULL;
		int len;

		assert_non_null(x);
		len = i2d_X509(x, &der);
		assert_int_equal((size_t)len, ch->v[first + i].der_len);
		assert_memory_equal(der, ch->v[first + i].der, (size_t)len);
		OPENSSL_free(der);
		X509_free(x);
	}
	assert_null(PEM_read_X509(fp, NULL, NULL, NULL));
	fclose(fp);
}

/* ---- tests ------------------------------------------------------------- */

static void test_stem_table(void **state)
{
	static const struct {
		const char *cn;
		size_t index;
		const char *want;
	} cases[] = {
		{"mx1.lab.test", 0, "mx1.lab.test"},
		{"mxprobe Test Intermediate CA", 1,
		 "mxprobe_Test_Intermediate_CA"},
		{"*.lab.test", 0, "_.lab.test"},
		{"../../etc/passwd", 0, "_.._etc_passwd"},
		{"/etc/passwd", 0, "_etc_passwd"},
		{"..", 2, "cert-2"},
		{".", 2, "cert-2"},
		{"...---", 5, "cert-5"},
		{".hidden", 0, "hidden"},
		{"-rf", 0, "rf"},
		{"", 3, "cert-3"},
		{NULL, 0, "cert-0"},
		{"a\\x00b", 0, "a_x00b"},
		{"R3 (2024)", 1, "R3__2024_"},
		{"Bu\\xc3\\xbccher", 0, "Bu_xc3_xbccher"},
	};
	char out[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mx_export_stem(cases[i].cn, cases[i].index, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("stem of '%s': '%s' want '%s'",
				 cases[i].cn ? cases[i].cn : "(null)", out,
				 cases[i].want);
	}
}

/* Hostile lengths and bytes: the stem is always a safe, bounded name. */
static void test_stem_sweep(void **state)
{
	char cn[400], out[80];
	size_t len, i;
	unsigned seed = 12345;

	(void)state;
	for (len = 0; len < sizeof(cn); len++) {
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			cn[i] = (char)(1 + (seed >> 16) % 255);
		}
		cn[len] = '\0';
		mx_export_stem(cn, len, out, sizeof(out));
		assert_true(strlen(out) >= 1 && strlen(out) <= 64);
		assert_true(out[0] != '.' && out[0] != '-');
		for (i = 0; out[i]; i++)
			assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789._-",
					       out[i]));
	}
	/* a small output buffer is respected */
	mx_export_stem("mx1.lab.test", 0, out, 4);
	assert_string_equal(out, "mx1");
}

static void test_pem_encode(void **state)
{
	struct mx_chain ch;
	struct mx_buf b;
	BIO *bio;
	X509 *x;
	unsigned char *der = NULL;
	const char *line;
	int len;

	(void)state;
	lab_chain(&ch);
	mx_buf_init(&b, 0);
	mx_pem_encode(&b, ch.v[0].der, ch.v[0].der_len);
	mx_buf_push_u8(&b, 0);
	assert_int_equal(b.err, 0);
	assert_int_equal(
		strncmp((char *)b.p, "-----BEGIN CERTIFICATE-----\n", 28), 0);
	/* RFC 7468: 64 characters a line, the last one shorter */
	for (line = strchr((char *)b.p, '\n') + 1; *line;) {
		const char *nl = strchr(line, '\n');

		assert_non_null(nl);
		assert_true(nl - line <= 64);
		if (strncmp(line, "-----END", 8) != 0 && nl[1] != '-')
			assert_int_equal(nl - line, 64);
		line = nl + 1;
	}
	bio = BIO_new_mem_buf(b.p, (int)b.len - 1);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	len = i2d_X509(x, &der);
	assert_memory_equal(der, ch.v[0].der, (size_t)len);
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);
	mx_buf_free(&b);
	mx_chain_clear(&ch);
}

static void test_export_lab_chain(void **state)
{
	struct mx_chain ch;
	struct mx_export_result res;
	struct tmp t;
	char err[256];
	struct stat st;
	char *p;

	(void)state;
	lab_chain(&ch);
	tmp_make(&t);
	/* the directory does not exist yet: it is created */
	assert_int_equal(mx_export_chain(&ch, t.out, 0, &res, err, sizeof(err)),
			 0);
	assert_int_equal(res.n, 3);
	assert_string_equal(res.v[0].name, "mx1.lab.test.pem");
	assert_string_equal(res.v[1].name, "mxprobe_Test_Intermediate_CA.pem");
	assert_string_equal(res.v[2].name, "mxprobe_Test_Root_CA.pem");
	assert_string_equal(res.v[0].subject, "CN=mx1.lab.test");
	assert_false(res.v[0].is_ca);
	assert_true(res.v[1].is_ca);
	assert_true(res.v[2].is_ca);
	assert_string_equal(res.chain_name, "chain.pem");
	p = path_in(&t, "mx1.lab.test.pem");
	assert_pem_holds(p, &ch, 0, 1);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	free(p);
	p = path_in(&t, "mxprobe_Test_Intermediate_CA.pem");
	assert_pem_holds(p, &ch, 1, 1);
	free(p);
	p = path_in(&t, "chain.pem");
	assert_pem_holds(p, &ch, 0, 3);
	free(p);
	mx_export_result_free(&res);
	tmp_free(&t);
	mx_chain_clear(&ch);
}

static void test_export_hostile_cn(void **state)
{
	struct mx_chain ch;
	struct mx_export_result res;
	struct tmp t;
	char err[256];
	char *p;

	(void)state;
	lab_chain(&ch);
	free(ch.v[0].cn);
	ch.v[0].cn = xstrdup("../../etc/passwd");
	free(ch.v[1].cn);
	ch.v[1].cn = xstrdup("chain");
	free(ch.v[2].cn);
	ch.v[2].cn = xstrdup("");
	tmp_make(&t);
	assert_int_equal(mx_export_chain(&ch, t.out, 0, &res, err, sizeof(err)),
			 0);
	assert_string_equal(res.v[0].name, "_.._etc_passwd.pem");
	assert_string_equal(res.v[1].name, "chain-2.pem");
	assert_string_equal(res.v[2].name, "cert-2.pem");
	p = path_in(&t, "_.._etc_passwd.pem");
	assert_pem_holds(p, &ch, 0, 1);
	free(p);
	/* nothing escaped the directory */
	p = xasprintf("%s/etc", t.base);
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	p = path_in(&t, "chain.pem");
	assert_pem_holds(p, &ch, 0, 3);
	free(p);
	mx_export_result_free(&res);
	tmp_free(&t);
	mx_chain_clear(&ch);
}

static void test_export_collisions(void **state)
{
	struct mx_chain ch;
	struct mx_export_result res;
	struct tmp t;
	char err[256];

	(void)state;
	lab_chain(&ch);
	load_cert(&ch, "int");
	free(ch.v[0].cn);
	ch.v[0].cn = xstrdup("R3");
	free(ch.v[1].cn);
	ch.v[1].cn = xstrdup("R3");
	free(ch.v[2].cn);
	ch.v[2].cn = xstrdup("r3");
	tmp_make(&t);
	assert_int_equal(mx_export_chain(&ch, t.out, 0, &res, err, sizeof(err)),
			 0);
	assert_int_equal(res.n, 4);
	assert_string_equal(res.v[0].name, "R3.pem");
	assert_string_equal(res.v[1].name, "R3-2.pem");
	assert_string_equal(res.v[2].name, "r3-3.pem");
	assert_string_equal(res.v[3].name, "mxprobe_Test_Intermediate_CA.pem");
	mx_export_result_free(&res);
	tmp_free(&t);
	mx_chain_clear(&ch);
}

static void test_export_refuse_and_force(void **state)
{
	struct mx_chain ch;
	struct mx_export_result res;
	struct tmp t;
	char err[256];
	char *leaf, *chain, *inter, *s;

	(void)state;
	lab_chain(&ch);
	tmp_make(&t);
	assert_int_equal(mkdir(t.out, 0755), 0);
	leaf = path_in(&t, "mx1.lab.test.pem");
	chain = path_in(&t, "chain.pem");
	inter = path_in(&t, "mxprobe_Test_Intermediate_CA.pem");
	/* only chain.pem exists: refused, and nothing at all is written */
	write_all(chain, "old chain\n");
	assert_int_equal(mx_export_chain(&ch, t.out, 0, &res, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "chain.pem exists"));
	assert_non_null(strstr(err, "--force"));
	assert_int_equal(res.n, 0);
	assert_int_not_equal(access(leaf, F_OK), 0);
	s = read_all(chain);
	assert_string_equal(s, "old chain\n");
	free(s);
	/* --force overwrites regular files, truncating them */
	{
		FILE *fp = fopen(leaf, "wb");
		int i;

		assert_non_null(fp);
		for (i = 0; i < 8192; i++)
			fputc('.', fp); /* longer than the PEM: must truncate */
		fclose(fp);
	}
	chmod(leaf, 0600);
	assert_int_equal(mx_export_chain(&ch, t.out, 1, &res, err, sizeof(err)),
			 0);
	assert_pem_holds(leaf, &ch, 0, 1);
	assert_pem_holds(chain, &ch, 0, 3);
	assert_pem_holds(inter, &ch, 1, 1);
	{
		struct stat st;

		assert_int_equal(stat(leaf, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0644);
	}
	mx_export_result_free(&res);
	/* and a second export without --force is refused again */
	assert_int_equal(mx_export_chain(&ch, t.out, 0, &res, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "mx1.lab.test.pem exists"));
	mx_export_result_free(&res);
	free(leaf);
	free(chain);
	free(inter);
	tmp_free(&t);
	mx_chain_clear(&ch);
}

static void test_export_symlink_and_fifo(void **state)
{
	struct mx_chain ch;
	struct mx_export_result res;
	struct tmp t;
	char err[256];
	char *victim, *link, *s, *fifo;

	(void)state;
	lab_chain(&ch);
	tmp_make(&t);
	assert_int_equal(mkdir(t.out, 0755), 0);
	victim = xasprintf("%s/victim", t.base);
	write_all(victim, "precious\n");
	link = path_in(&t, "mx1.lab.test.pem");
	assert_int_equal(symlink(victim, link), 0);
	/* without force: exists */
	assert_int_equal(mx_export_chain(&ch, t.out, 0, &res, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "exists"));
	/* with force: never through the link */
	assert_int_equal(mx_export_chain(&ch, t.out, 1, &res, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(res.n, 0);
	s = read_all(victim);
	assert_string_equal(s, "precious\n");
	free(s);
	/* a dangling link is refused just the same */
	unlink(victim);
	assert_int_equal(mx_export_chain(&ch, t.out, 1, &res, err, sizeof(err)),
			 -1);
	assert_int_not_equal(access(victim, F_OK), 0);
	unlink(link);
	/* a FIFO where a file should go: refused, no hang */
	fifo = path_in(&t, "chain.pem");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(mx_export_chain(&ch, t.out, 1, &res, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "not a regular file"));
	free(fifo);
	free(victim);
	free(link);
	tmp_free(&t);
	mx_chain_clear(&ch);
}

static void test_export_errors(void **state)
{
	struct mx_chain ch, empty;
	struct mx_export_result res;
	struct tmp t;
	char err[256];
	char *file;

	(void)state;
	memset(&empty, 0, sizeof(empty));
	tmp_make(&t);
	assert_int_equal(
		mx_export_chain(&empty, t.out, 0, &res, err, sizeof(err)), -1);
	assert_string_equal(err, "no certificates to export");
	assert_int_equal(
		mx_export_chain(NULL, t.out, 0, &res, err, sizeof(err)), -1);
	lab_chain(&ch);
	free(ch.v[1].der);
	ch.v[1].der = NULL;
	ch.v[1].der_len = 0;
	assert_int_equal(mx_export_chain(&ch, t.out, 0, &res, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "certificate 1 has no DER");
	assert_int_not_equal(access(t.out, F_OK), 0); /* nothing created */
	mx_chain_clear(&ch);
	/* the directory is a file; its parent does not exist */
	lab_chain(&ch);
	file = xasprintf("%s/file", t.base);
	write_all(file, "x");
	assert_int_equal(mx_export_chain(&ch, file, 0, &res, err, sizeof(err)),
			 -1);
	free(file);
	file = xasprintf("%s/no/such/dir", t.base);
	assert_int_equal(mx_export_chain(&ch, file, 0, &res, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "No such file"));
	free(file);
	mx_export_result_free(&res);
	mx_export_result_free(NULL);
	mx_chain_clear(&ch);
	tmp_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stem_table),
		cmocka_unit_test(test_stem_sweep),
		cmocka_unit_test(test_pem_encode),
		cmocka_unit_test(test_export_lab_chain),
		cmocka_unit_test(test_export_hostile_cn),
		cmocka_unit_test(test_export_collisions),
		cmocka_unit_test(test_export_refuse_and_force),
		cmocka_unit_test(test_export_symlink_and_fifo),
		cmocka_unit_test(test_export_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
