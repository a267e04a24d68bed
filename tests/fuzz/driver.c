/*
 * driver.c - standalone main for fuzz targets (when not using libFuzzer).
 *
 * Each tests/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput(); linked
 * with this file it becomes a deterministic regression test that runs
 * under `make check` (and so under ASan/UBSan when configured with
 * --enable-sanitizers):
 *   1. every regular file of $FUZZ_CORPUS_DIR/<name>/ is replayed, in
 *      name order (<name> is the program's base name without "fuzz_");
 *   2. FUZZ_ITERATIONS (default 20000, or the target's own
 *      fuzz_driver_iterations when it defines one) mutated inputs are
 *      run: bit flips, interesting bytes, byte inserts and deletes,
 *      truncations, chunk duplication and splices of corpus inputs,
 *      drawn from a fixed-seed PRNG (FUZZ_SEED overrides the seed), so
 *      every run is the same.
 * It prints TAP: "1..1" and "ok 1 - fuzz_<name>: N inputs".  A crash or an
 * abort() in the target fails the test.
 *
 * Usage: fuzz_<name> [FILE|DIR]...   replays the given files (or the
 * files of the given directories) instead of the corpus and runs no
 * mutations - the way to reproduce a crash found by libFuzzer.
 * FUZZ_DUMP=path writes each input to `path` before running it, so after
 * a crash `path` holds the input that caused it.
 *
 * Limits: corpus files larger than FUZZ_MAX_LEN are skipped; mutated
 * inputs never grow beyond FUZZ_MAX_LEN.  All state is local (no
 * globals).  A target's LLVMFuzzerInitialize(), if it has one, runs once
 * before the first input, as under libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer: one-time setup (weak, so
 * targets without it still link). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Optional in a target: its default mutation count under this driver,
 * for targets too slow for FUZZ_DEFAULT_ITERATIONS in `make check`
 * (FUZZ_ITERATIONS still overrides it). */
extern const unsigned long fuzz_driver_iterations __attribute__((weak));

#define FUZZ_MAX_LEN (128u * 1024u)
#define FUZZ_DEFAULT_ITERATIONS 20000ul
#define FUZZ_DEFAULT_SEED 0x6d7870726f6265ull /* "mxprobe" */

struct input {
	uint8_t *p;
	size_t len;
};

struct corpus {
	struct input *v;
	size_t n, cap;
};

/* xorshift64* in a local struct: deterministic, no global state. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Uniform enough in [0, n); n > 0. */
static size_t rng_below(struct rng *r, size_t n)
{
	return (size_t)(rng_next(r) % n);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL) {
		fprintf(stderr, "fuzz driver: out of memory\n");
		abort();
	}
	return q;
}

static int read_file(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL)
		return -1;
	for (;;) {
		size_t got;

		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			p = xrealloc(p, cap);
		}
		got = fread(p + len, 1, cap - len, f);
		len += got;
		if (got == 0 || len > FUZZ_MAX_LEN)
			break;
	}
	if (ferror(f) || len > FUZZ_MAX_LEN) {
		fclose(f);
		free(p);
		return -1;
	}
	fclose(f);
	in->p = p;
	in->len = len;
	return 0;
}

static void corpus_add(struct corpus *c, const struct input *in)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = *in;
}

static void corpus_free(struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].p);
	free(c->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load path: a regular file, or every regular file (not dot-files) of a
 * directory, in name order.  Returns the number loaded or -1. */
static long load_path(struct corpus *c, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	long loaded = 0;

	if (stat(path, &st) != 0)
		return -1;
	if (S_ISREG(st.st_mode)) {
		struct input in;

		if (read_file(path, &in) != 0)
			return -1;
		corpus_add(c, &in);
		return 1;
	}
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n] = xrealloc(NULL, strlen(de->d_name) + 1);
		memcpy(names[n], de->d_name, strlen(de->d_name) + 1);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		size_t pl = strlen(path) + 1 + strlen(names[i]) + 1;
		char *full = xrealloc(NULL, pl);
		struct input in;

		(void)snprintf(full, pl, "%s/%s", path, names[i]);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (read_file(full, &in) == 0) {
				corpus_add(c, &in);
				loaded++;
			} else {
				fprintf(stdout, "# skipped %s\n", full);
			}
		}
		free(full);
		free(names[i]);
	}
	free(names);
	return loaded;
}

static int env_u64(const char *name, uint64_t *out)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (uint64_t)v;
	return 1;
}

static void run_one(const uint8_t *p, size_t len, const char *dump)
{
	if (dump != NULL) {
		FILE *f = fopen(dump, "wb");

		if (f != NULL) {
			if (len > 0)
				(void)fwrite(p, 1, len, f);
			fclose(f);
		}
	}
	(void)LLVMFuzzerTestOneInput(p, len);
}

/* ---- mutations ------------------------------------------------------ */

/* Bytes that matter to the parsers here: line ends, separators, code
 * digits, NUL, escape, high bytes. */
static const uint8_t interesting[] = {
	0x00, 0xff, '\r', '\n', ' ', '-',  '=',	 '.',  '\t', '0',  '2',
	'4',  '5',  '9',  'A',	'z', 0x1b, 0x7f, 0x80, 0x16, 0x03,
};

/* The input being mutated; p has room for FUZZ_MAX_LEN bytes. */
struct mbuf {
	uint8_t *p;
	size_t len;
};

static void m_insert(struct mbuf *b, size_t at, const uint8_t *src, size_t n)
{
	if (n > FUZZ_MAX_LEN - b->len)
		n = FUZZ_MAX_LEN - b->len;
	if (n == 0)
		return;
	memmove(b->p + at + n, b->p + at, b->len - at);
	memcpy(b->p + at, src, n);
	b->len += n;
}

static void mutate_once(struct mbuf *b, const struct corpus *c, struct rng *r)
{
	size_t at = b->len ? rng_below(r, b->len) : 0;
	uint8_t tmp[16];
	size_t n, i;

	switch (rng_below(r, 8)) {
	case 0: /* flip one bit */
		if (b->len)
			b->p[at] ^= (uint8_t)(1u << rng_below(r, 8));
		break;
	case 1: /* overwrite with an interesting byte */
		if (b->len)
			b->p[at] =
				interesting[rng_below(r, sizeof(interesting))];
		break;
	case 2: /* insert 1..8 bytes, random or interesting */
		n = 1 + rng_below(r, 8);
		for (i = 0; i < n; i++)
			tmp[i] = rng_below(r, 2)
					 ? (uint8_t)rng_next(r)
					 : interesting[rng_below(
						   r, sizeof(interesting))];
		m_insert(b, b->len ? rng_below(r, b->len + 1) : 0, tmp, n);
		break;
	case 3: /* delete 1..16 bytes */
		if (b->len) {
			n = 1 + rng_below(r, 16);
			if (n > b->len - at)
				n = b->len - at;
			memmove(b->p + at, b->p + at + n, b->len - at - n);
			b->len -= n;
		}
		break;
	case 4: /* truncate */
		b->len = at;
		break;
	case 5: /* splice: keep a prefix, append the tail of a corpus input */
		if (c->n) {
			const struct input *o = &c->v[rng_below(r, c->n)];
			size_t from = o->len ? rng_below(r, o->len) : 0;

			b->len = at;
			m_insert(b, b->len, o->p + from, o->len - from);
		}
		break;
	case 6: /* duplicate a chunk 1..8 times (long lines, many lines) */
		if (b->len) {
			size_t times = 1 + rng_below(r, 8), k;

			n = 1 + rng_below(r, b->len - at);
			for (k = 0; k < times; k++)
				m_insert(b, at + n, b->p + at, n);
		}
		break;
	default: /* copy a chunk over another place */
		if (b->len) {
			size_t to = rng_below(r, b->len);

			n = 1 + rng_below(r, b->len - at);
			if (n > b->len - to)
				n = b->len - to;
			memmove(b->p + to, b->p + at, n);
		}
		break;
	}
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const char *name, *dir, *dump = getenv("FUZZ_DUMP");
	struct corpus c = {NULL, 0, 0};
	struct mbuf b = {NULL, 0};
	struct rng r;
	uint64_t iters = FUZZ_DEFAULT_ITERATIONS, seed = FUZZ_DEFAULT_SEED;
	uint64_t it, total = 0;
	size_t i;
	int k;

	base = base ? base + 1 : argv[0];
	name = strncmp(base, "fuzz_", 5) == 0 ? base + 5 : base;
	if (&fuzz_driver_iterations != NULL)
		iters = fuzz_driver_iterations;
	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	if (env_u64("FUZZ_ITERATIONS", &iters) < 0 ||
	    env_u64("FUZZ_SEED", &seed) < 0) {
		printf("1..1\nnot ok 1 - %s: bad FUZZ_ITERATIONS or "
		       "FUZZ_SEED\n",
		       base);
		return 1;
	}
	printf("1..1\n");
	fflush(stdout);

	if (argc > 1) {
		/* Reproduce: replay the given inputs only. */
		for (k = 1; k < argc; k++)
			if (load_path(&c, argv[k]) < 0) {
				printf("not ok 1 - %s: cannot read %s\n", base,
				       argv[k]);
				corpus_free(&c);
				return 1;
			}
		iters = 0;
	} else if ((dir = getenv("FUZZ_CORPUS_DIR")) != NULL && *dir) {
		size_t pl = strlen(dir) + 1 + strlen(name) + 1;
		char *path = xrealloc(NULL, pl);
		long got;

		(void)snprintf(path, pl, "%s/%s", dir, name);
		got = load_path(&c, path);
		if (got < 0) {
			printf("not ok 1 - %s: no corpus at %s\n", base, path);
			free(path);
			return 1;
		}
		printf("# %ld corpus files from %s\n", got, path);
		free(path);
	} else {
		printf("# FUZZ_CORPUS_DIR not set: mutating the empty input\n");
	}

	for (i = 0; i < c.n; i++, total++)
		run_one(c.v[i].p, c.v[i].len, dump);

	b.p = xrealloc(NULL, FUZZ_MAX_LEN);
	r.s = seed ? seed : FUZZ_DEFAULT_SEED;
	for (it = 0; it < iters; it++, total++) {
		size_t m = 1 + rng_below(&r, 4);

		b.len = 0;
		if (c.n) {
			const struct input *o = &c.v[rng_below(&r, c.n)];

			memcpy(b.p, o->p, o->len);
			b.len = o->len;
		}
		while (m--)
			mutate_once(&b, &c, &r);
		run_one(b.p, b.len, dump);
	}
	free(b.p);
	corpus_free(&c);
	printf("ok 1 - %s: %llu inputs\n", base, (unsigned long long)total);
	printf("# seed %#llx, %llu mutations\n", (unsigned long long)seed,
	       (unsigned long long)iters);
	return 0;
}
