/*
 * test_spool.c - the durable spool in a mkdtemp directory: put / list /
 * load / update / done / bounce round trips, reopen, the lock, recovery
 * after a simulated crash, quarantine of corrupt files at every
 * truncation length (the others stay deliverable), the file format on
 * its own, and no secrets on disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relay/spool.h"

struct fixture {
	char dir[256];
	uint8_t seed;
};

static int counting_random(void *ctx, uint8_t *out, size_t n)
{
	uint8_t *next = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (*next)++;
	return 1;
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char sub[600];

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	snprintf(f->dir, sizeof(f->dir), "%s/mxspool.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	/* The spool makes its own directory: use one inside. */
	strncat(f->dir, "/spool", sizeof(f->dir) - strlen(f->dir) - 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *slash = strrchr(f->dir, '/');

	rm_rf(f->dir);
	*slash = 0;
	rm_rf(f->dir);
	free(f);
	return 0;
}

static struct mx_spool *open_spool(struct fixture *f)
{
	struct mx_spool_params p = {f->dir, 0, counting_random, &f->seed};
	struct mx_spool *sp = NULL;
	struct mx_spool_diag d;

	if (mx_spool_open(&p, &sp, &d) != MX_SPOOL_OK)
		fail_msg("open: %s", d.text);
	return sp;
}

static void env_make(struct mx_envelope *e, const char *from,
		     const char *const *rcpts, size_t n, time_t created)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	e->from = strdup(from);
	e->rcpts = calloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		e->rcpts[i] = strdup(rcpts[i]);
	e->nrcpts = n;
	e->next_hop = strdup("smtps://smtp.lab.test:465");
	e->policy = strdup("verify");
	e->created = created;
	e->next_attempt = created;
}

static void path_of(const struct fixture *f, const char *sub, const char *name,
		    char *out, size_t n)
{
	snprintf(out, n, "%s/%s/%s", f->dir, sub, name);
}

static size_t count(const struct fixture *f, const char *sub)
{
	char path[600];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", f->dir, sub);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *p;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = malloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static void spit(const char *path, const uint8_t *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	if (n)
		assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

static const char *const rcpts2[] = {"b@lab.test", "c@lab.test"};
static const uint8_t msg1[] = "Subject: one\r\n\r\nbody\r\n.dot\r\n";

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct mx_spool *sp = open_spool(f);
	struct mx_envelope e, got;
	struct mx_spool_list l;
	struct mx_spool_diag d;
	char ids[3][MX_SPOOL_ID_LEN + 1];
	uint8_t *m;
	size_t mlen, i;
	struct stat sb;
	char path[600];

	env_make(&e, "a@lab.test", rcpts2, 2, 1732010400);
	assert_int_equal(mx_spool_put(sp, &e, msg1, sizeof(msg1) - 1, ids[0],
				      &d),
			 MX_SPOOL_OK);
	assert_int_equal(mx_spool_put(sp, &e, msg1, 5, ids[1], &d),
			 MX_SPOOL_OK);
	e.created = 1732010399; /* earlier: sorts first */
	free(e.from);
	e.from = strdup(""); /* null reverse-path */
	assert_int_equal(mx_spool_put(sp, &e, (const uint8_t *)"", 0, ids[2],
				      &d),
			 MX_SPOOL_OK);
	for (i = 0; i < 3; i++)
		assert_true(mx_spool_id_ok(ids[i]));
	assert_string_not_equal(ids[0], ids[1]);
	assert_memory_equal(ids[0], "0000673c61a0-000001-", 20);

	/* Durable files are private. */
	path_of(f, "queue", ids[0], path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(count(f, "tmp"), 0);

	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_QUEUE, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.ids[0], ids[2]);
	assert_string_equal(l.ids[1], ids[0]);
	assert_string_equal(l.ids[2], ids[1]);
	mx_spool_list_free(&l);

	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, ids[0], &got,
				       &m, &mlen, &d),
			 MX_SPOOL_OK);
	assert_string_equal(got.from, "a@lab.test");
	assert_int_equal(got.nrcpts, 2);
	assert_string_equal(got.rcpts[1], "c@lab.test");
	assert_string_equal(got.next_hop, "smtps://smtp.lab.test:465");
	assert_string_equal(got.policy, "verify");
	assert_int_equal(got.created, 1732010400);
	assert_int_equal(got.attempts, 0);
	assert_null(got.last_error);
	assert_int_equal(mlen, sizeof(msg1) - 1);
	assert_memory_equal(m, msg1, mlen);
	mx_envelope_clear(&got);
	free(m);

	/* Deferred: attempts, next attempt, last error; message kept. */
	assert_int_equal(mx_spool_update(sp, ids[0], 3, 1732011000,
					 "421 4.7.0 try again later", &d),
			 MX_SPOOL_OK);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, ids[0], &got,
				       &m, &mlen, &d),
			 MX_SPOOL_OK);
	assert_int_equal(got.attempts, 3);
	assert_int_equal(got.next_attempt, 1732011000);
	assert_string_equal(got.last_error, "421 4.7.0 try again later");
	assert_memory_equal(m, msg1, mlen);
	mx_envelope_clear(&got);
	free(m);
	assert_int_equal(count(f, "tmp"), 0);

	/* Delivered. */
	assert_int_equal(mx_spool_done(sp, ids[1], &d), MX_SPOOL_OK);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, ids[1], &got,
				       NULL, NULL, &d),
			 MX_SPOOL_NOT_FOUND);
	assert_int_equal(mx_spool_done(sp, ids[1], &d), MX_SPOOL_NOT_FOUND);

	/* Bounced: into dead/ with the reason. */
	assert_int_equal(mx_spool_bounce(sp, ids[2],
					 "554 5.7.1 Message rejected: Email "
					 "address is not verified",
					 &d),
			 MX_SPOOL_OK);
	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_QUEUE, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], ids[0]);
	mx_spool_list_free(&l);
	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_DEAD, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 1);
	mx_spool_list_free(&l);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_DEAD, ids[2], &got,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_string_equal(got.from, "");
	assert_non_null(strstr(got.dead_reason, "not verified"));
	mx_envelope_clear(&got);
	mx_spool_free(sp);

	/* What was acknowledged survives a reopen. */
	sp = open_spool(f);
	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_QUEUE, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], ids[0]);
	mx_spool_list_free(&l);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, ids[0], &got,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	assert_int_equal(got.attempts, 3);
	mx_envelope_clear(&got);
	mx_spool_free(sp);
	mx_envelope_clear(&e);
}

static void test_lock_and_readonly(void **state)
{
	struct fixture *f = *state;
	struct mx_spool *sp = open_spool(f), *sp2 = NULL, *ro = NULL;
	struct mx_spool_params p = {f->dir, 0, counting_random, &f->seed};
	struct mx_spool_params rop = {f->dir, MX_SPOOL_READONLY, NULL, NULL};
	struct mx_spool_diag d;
	struct mx_envelope e, got;
	struct mx_spool_list l;
	char id[MX_SPOOL_ID_LEN + 1], id2[MX_SPOOL_ID_LEN + 1];

	assert_int_equal(mx_spool_open(&p, &sp2, &d), MX_SPOOL_BUSY);
	assert_null(sp2);
	env_make(&e, "a@lab.test", rcpts2, 1, 1732010400);
	assert_int_equal(mx_spool_put(sp, &e, msg1, 10, id, &d), MX_SPOOL_OK);

	/* mxprobe queue while the relay runs. */
	assert_int_equal(mx_spool_open(&rop, &ro, &d), MX_SPOOL_OK);
	assert_int_equal(mx_spool_list(ro, MX_SPOOL_AREA_QUEUE, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 1);
	mx_spool_list_free(&l);
	assert_int_equal(mx_spool_load(ro, MX_SPOOL_AREA_QUEUE, id, &got, NULL,
				       NULL, &d),
			 MX_SPOOL_OK);
	mx_envelope_clear(&got);
	assert_int_equal(mx_spool_put(ro, &e, msg1, 10, id2, &d),
			 MX_SPOOL_READONLY_ERR);
	assert_int_equal(mx_spool_done(ro, id, &d), MX_SPOOL_READONLY_ERR);
	mx_spool_free(ro);

	/* The lock goes with the owner. */
	mx_spool_free(sp);
	assert_int_equal(mx_spool_open(&p, &sp2, &d), MX_SPOOL_OK);
	mx_spool_free(sp2);
	mx_envelope_clear(&e);

	rop.dir = "/nonexistent/mxprobe-spool";
	assert_int_equal(mx_spool_open(&rop, &ro, &d), MX_SPOOL_NOT_FOUND);
}

/* A crash at any point of put/update/bounce leaves files that recovery
 * at open sorts out. */
static void test_crash_recovery(void **state)
{
	struct fixture *f = *state;
	struct mx_spool *sp = open_spool(f);
	struct mx_spool_diag d;
	struct mx_envelope e;
	struct mx_spool_list l;
	char id[MX_SPOOL_ID_LEN + 1], id2[MX_SPOOL_ID_LEN + 1];
	char path[600], dpath[600];
	uint8_t *file;
	size_t flen;
	const struct mx_spool_recovery *rec;

	env_make(&e, "a@lab.test", rcpts2, 2, 1732010400);
	assert_int_equal(mx_spool_put(sp, &e, msg1, 10, id, &d), MX_SPOOL_OK);
	assert_int_equal(mx_spool_put(sp, &e, msg1, 10, id2, &d), MX_SPOOL_OK);
	mx_spool_free(sp);

	/* Killed during a put (never acknowledged) and during an update. */
	path_of(f, "tmp", "0000674c6ba0-0000ff-01020304", path, sizeof(path));
	spit(path, (const uint8_t *)"MXSPOOL1 half written", 21);
	path_of(f, "tmp", "whatever.queue", path, sizeof(path));
	spit(path, (const uint8_t *)"", 0);
	/* Killed inside a bounce: the dead/ copy was written. */
	path_of(f, "queue", id2, path, sizeof(path));
	path_of(f, "dead", id2, dpath, sizeof(dpath));
	file = slurp(path, &flen);
	spit(dpath, file, flen);
	free(file);
	/* Not ours. */
	path_of(f, "queue", "core.1234", path, sizeof(path));
	spit(path, (const uint8_t *)"x", 1);

	sp = open_spool(f);
	rec = mx_spool_recovered(sp);
	assert_int_equal(rec->tmp_removed, 2);
	assert_int_equal(rec->stale_removed, 1);
	assert_int_equal(rec->bad_names, 1);
	assert_int_equal(count(f, "tmp"), 0);
	assert_int_equal(count(f, "corrupt"), 1);
	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_QUEUE, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], id);
	mx_spool_list_free(&l);
	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_DEAD, &l, &d),
			 MX_SPOOL_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.ids[0], id2);
	mx_spool_list_free(&l);
	assert_int_equal(mx_spool_list(sp, MX_SPOOL_AREA_CORRUPT, &l, &d),
			 MX_SPOOL_OK);
	assert_string_equal(l.ids[0], "core.1234");
	mx_spool_list_free(&l);
	mx_spool_free(sp);
	mx_envelope_clear(&e);
}

/* A spool file cut at every length, or with any one octet changed, is
 * quarantined; the other message stays deliverable throughout. */
static void test_corrupt_files(void **state)
{
	struct fixture *f = *state;
	struct mx_spool *sp = open_spool(f);
	struct mx_spool_diag d;
	struct mx_envelope e, got;
	char good[MX_SPOOL_ID_LEN + 1], victim[MX_SPOOL_ID_LEN + 1];
	char path[600], cpath[600];
	uint8_t *file, *m;
	size_t flen, n, mlen;

	env_make(&e, "a@lab.test", rcpts2, 2, 1732010400);
	assert_int_equal(mx_spool_put(sp, &e, msg1, sizeof(msg1) - 1, good, &d),
			 MX_SPOOL_OK);
	assert_int_equal(mx_spool_put(sp, &e, msg1, sizeof(msg1) - 1, victim,
				      &d),
			 MX_SPOOL_OK);
	path_of(f, "queue", victim, path, sizeof(path));
	path_of(f, "corrupt", victim, cpath, sizeof(cpath));
	file = slurp(path, &flen);
	for (n = 0; n < flen + 8; n++) {
		uint8_t *bad = malloc(flen + 1);

		if (n < flen) {
			spit(path, file, n); /* truncated at n */
		} else {
			/* one octet changed, at 8 spread positions */
			size_t at = (n - flen) * (flen - 1) / 7;

			memcpy(bad, file, flen);
			bad[at] ^= 0x20;
			spit(path, bad, flen);
		}
		free(bad);
		if (mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, victim, &got, &m,
				  &mlen, &d) != MX_SPOOL_CORRUPT)
			fail_msg("length/variant %zu: %s", n, d.text);
		assert_true(access(path, F_OK) != 0); /* moved aside */
		assert_int_equal(access(cpath, F_OK), 0);
		unlink(cpath);
		/* The good one is untouched. */
		assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, good,
					       &got, &m, &mlen, &d),
				 MX_SPOOL_OK);
		assert_memory_equal(m, msg1, mlen);
		mx_envelope_clear(&got);
		free(m);
	}
	/* The intact file still loads (the sweep did not fool itself). */
	spit(path, file, flen);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, victim, &got,
				       NULL, NULL, &d),
			 MX_SPOOL_OK);
	mx_envelope_clear(&got);
	/* A file under another message's name is not that message. */
	path_of(f, "queue", good, path, sizeof(path));
	path_of(f, "queue", "0000674c6ba0-000999-00000000", cpath,
		sizeof(cpath));
	free(file);
	file = slurp(path, &flen);
	spit(cpath, file, flen);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE,
				       "0000674c6ba0-000999-00000000", &got,
				       NULL, NULL, &d),
			 MX_SPOOL_CORRUPT);
	assert_non_null(strstr(d.text, "id does not match"));
	/* A symbolic link is not a spool file. */
	assert_int_equal(symlink(path, cpath), 0);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE,
				       "0000674c6ba0-000999-00000000", &got,
				       NULL, NULL, &d),
			 MX_SPOOL_CORRUPT);
	free(file);
	mx_spool_free(sp);
	mx_envelope_clear(&e);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;
	struct mx_spool *sp = open_spool(f);
	struct mx_spool_diag d;
	struct mx_envelope e, got;
	char id[MX_SPOOL_ID_LEN + 1], path[600];
	char long_err[3000];
	static const char *const bad_rcpt[] = {"b@lab.test\r\nRCPT TO:<x>"};
	size_t i;

	env_make(&e, "a@lab.test", rcpts2, 2, 1732010400);
	/* Credentials never reach the disk. */
	free(e.next_hop);
	e.next_hop = strdup("smtps://labuser:canary-pw-7f3a@smtp.lab.test");
	assert_int_equal(mx_spool_put(sp, &e, msg1, 10, id, &d),
			 MX_SPOOL_INVALID);
	assert_non_null(strstr(d.text, "credentials"));
	free(e.next_hop);
	e.next_hop = strdup("smtp.lab.test:587");

	e.nrcpts = 0;
	assert_int_equal(mx_spool_put(sp, &e, msg1, 10, id, &d),
			 MX_SPOOL_INVALID);
	e.nrcpts = 2;
	{
		struct mx_envelope e2 = e;

		e2.rcpts = (char **)bad_rcpt;
		e2.nrcpts = 1;
		assert_int_equal(mx_spool_put(sp, &e2, msg1, 10, id, &d),
				 MX_SPOOL_INVALID);
	}
	assert_int_equal(mx_spool_put(sp, &e, msg1, MX_SPOOL_MAX_MESSAGE + 1u,
				      id, &d),
			 MX_SPOOL_TOO_BIG);
	e.created = -5;
	assert_int_equal(mx_spool_put(sp, &e, msg1, 10, id, &d),
			 MX_SPOOL_INVALID);
	e.created = 1732010400;

	/* Nothing was written by the refusals. */
	assert_int_equal(count(f, "queue"), 0);
	assert_int_equal(count(f, "tmp"), 0);

	/* IDs from outside are checked: no path games. */
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, "../lock", &got,
				       NULL, NULL, &d),
			 MX_SPOOL_INVALID);
	assert_int_equal(mx_spool_done(sp, "0000674c6ba0-000001-0000000G", &d),
			 MX_SPOOL_INVALID);

	assert_int_equal(mx_spool_put(sp, &e, msg1, 10, id, &d), MX_SPOOL_OK);
	assert_int_equal(mx_spool_update(sp, id, 1, 0, "bad\x1b[2J", &d),
			 MX_SPOOL_INVALID);
	assert_int_equal(mx_spool_bounce(sp, id, NULL, &d), MX_SPOOL_INVALID);
	memset(long_err, 'e', sizeof(long_err) - 1);
	long_err[sizeof(long_err) - 1] = 0;
	assert_int_equal(mx_spool_update(sp, id, 1, 0, long_err, &d),
			 MX_SPOOL_OK);
	assert_int_equal(mx_spool_load(sp, MX_SPOOL_AREA_QUEUE, id, &got, NULL,
				       NULL, &d),
			 MX_SPOOL_OK);
	assert_int_equal(strlen(got.last_error), MX_SPOOL_MAX_TEXT);
	mx_envelope_clear(&got);

	/* The canary is in no file of the spool. */
	{
		static const char *subs[] = {"queue", "dead", "tmp", "corrupt"};

		for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
			DIR *dir;
			struct dirent *de;
			char dpath[600];
			size_t files = 0;

			snprintf(dpath, sizeof(dpath), "%s/%s", f->dir,
				 subs[i]);
			dir = opendir(dpath);
			assert_non_null(dir);
			while ((de = readdir(dir)) != NULL) {
				uint8_t *p;
				size_t n;

				if (de->d_name[0] == '.')
					continue;
				path_of(f, subs[i], de->d_name, path,
					sizeof(path));
				p = slurp(path, &n);
				assert_null(memmem(p, n, "canary", 6));
				free(p);
				files++;
			}
			closedir(dir);
			if (i == 0)
				assert_int_equal(files, 1);
		}
	}
	mx_spool_free(sp);
	mx_envelope_clear(&e);
}

/* The file format on its own: round trip, every truncation, crafted
 * damage. */
static void test_format(void **state)
{
	struct mx_envelope e, got;
	struct mx_spool_diag d;
	const char *id = "0000674c6ba0-000001-0a0b0c0d";
	uint8_t *file;
	const uint8_t *m;
	size_t flen, mlen, n;

	(void)state;
	env_make(&e, "a@lab.test", rcpts2, 2, 1732010400);
	e.attempts = 7;
	e.next_attempt = -1;
	e.last_error = strdup("451 4.3.0 j\xc3\xb6rg");
	assert_int_equal(mx_spool_encode(&e, id, msg1, sizeof(msg1) - 1, &file,
					 &flen, &d),
			 MX_SPOOL_OK);
	assert_memory_equal(file, "MXSPOOL1", 8);
	assert_int_equal(mx_spool_parse(file, flen, id, &got, &m, &mlen, &d),
			 MX_SPOOL_OK);
	assert_int_equal(got.attempts, 7);
	assert_int_equal(got.next_attempt, -1);
	assert_string_equal(got.last_error, "451 4.3.0 j\xc3\xb6rg");
	assert_null(got.dead_reason);
	assert_ptr_equal(m, file + flen - 8 - mlen);
	mx_envelope_clear(&got);
	/* Any id check is optional for the pure parser. */
	assert_int_equal(mx_spool_parse(file, flen, NULL, &got, &m, &mlen, &d),
			 MX_SPOOL_OK);
	mx_envelope_clear(&got);

	for (n = 0; n < flen; n++) {
		uint8_t *cut = malloc(n ? n : 1);

		memcpy(cut, file, n);
		assert_int_equal(mx_spool_parse(cut, n, id, &got, &m, &mlen,
						&d),
				 MX_SPOOL_CORRUPT);
		assert_null(got.from);
		assert_null(m);
		free(cut);
	}
	/* Trailing octet. */
	{
		uint8_t *more = malloc(flen + 1);

		memcpy(more, file, flen);
		more[flen] = 0;
		assert_int_equal(mx_spool_parse(more, flen + 1, id, &got, &m,
						&mlen, &d),
				 MX_SPOOL_CORRUPT);
		free(more);
	}
	free(file);
	mx_envelope_clear(&e);
}

/* Hand-built files: each is well framed and checksummed, and wrong in
 * exactly one way. */
static size_t build(uint8_t *out, const uint8_t *recs, size_t rlen,
		    const char *msg)
{
	size_t n = 0, ml = strlen(msg), i;
	uint64_t h = 0xcbf29ce484222325ull;

	memcpy(out, "MXSPOOL1", 8);
	n = 8;
	out[n++] = (uint8_t)(rlen >> 24);
	out[n++] = (uint8_t)(rlen >> 16);
	out[n++] = (uint8_t)(rlen >> 8);
	out[n++] = (uint8_t)rlen;
	memcpy(out + n, recs, rlen);
	n += rlen;
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = (uint8_t)(ml >> 8);
	out[n++] = (uint8_t)ml;
	memcpy(out + n, msg, ml);
	n += ml;
	for (i = 0; i < n; i++) {
		h ^= out[i];
		h *= 0x100000001b3ull;
	}
	for (i = 0; i < 8; i++)
		out[n++] = (uint8_t)(h >> (56 - 8 * i));
	return n;
}

#define ID_REC                                                                 \
	"\x01\x00\x1c"                                                         \
	"0000674c6ba0-000001-0a0b0c0d"
#define FROM_REC                                                               \
	"\x02\x00\x01"                                                         \
	"a"
#define RCPT_REC                                                               \
	"\x03\x00\x01"                                                         \
	"b"
#define TIMES_REC                                                              \
	"\x06\x00\x08\x00\x00\x00\x00\x67\x4c\x6b\xa0"                         \
	"\x07\x00\x04\x00\x00\x00\x00"                                         \
	"\x08\x00\x08\x00\x00\x00\x00\x67\x4c\x6b\xa0"

static void test_format_crafted(void **state)
{
	static const struct {
		const char *recs;
		size_t len;
		int ok;
	} cases[] = {
		{ID_REC FROM_REC RCPT_REC TIMES_REC,
		 sizeof(ID_REC FROM_REC RCPT_REC TIMES_REC) - 1, 1},
		/* rcpt missing */
		{ID_REC FROM_REC TIMES_REC,
		 sizeof(ID_REC FROM_REC TIMES_REC) - 1, 0},
		/* empty rcpt */
		{ID_REC FROM_REC "\x03\x00\x00" TIMES_REC,
		 sizeof(ID_REC FROM_REC "\x03\x00\x00" TIMES_REC) - 1, 0},
		/* from twice */
		{ID_REC FROM_REC FROM_REC RCPT_REC TIMES_REC,
		 sizeof(ID_REC FROM_REC FROM_REC RCPT_REC TIMES_REC) - 1, 0},
		/* unknown tag 11 */
		{ID_REC FROM_REC RCPT_REC TIMES_REC "\x0b\x00\x00",
		 sizeof(ID_REC FROM_REC RCPT_REC TIMES_REC "\x0b\x00\x00") - 1,
		 0},
		/* tag 0 */
		{"\x00\x00\x00" ID_REC FROM_REC RCPT_REC TIMES_REC,
		 sizeof("\x00\x00\x00" ID_REC FROM_REC RCPT_REC TIMES_REC) - 1,
		 0},
		/* control character in from */
		{ID_REC "\x02\x00\x01\n" RCPT_REC TIMES_REC,
		 sizeof(ID_REC "\x02\x00\x01\n" RCPT_REC TIMES_REC) - 1, 0},
		/* created of 7 octets */
		{ID_REC FROM_REC RCPT_REC
		 "\x06\x00\x07\x00\x00\x00\x00\x67\x4c\x6b",
		 sizeof(ID_REC FROM_REC RCPT_REC
			"\x06\x00\x07\x00\x00\x00\x00\x67\x4c\x6b") -
			 1,
		 0},
		/* a record claiming more than the block */
		{ID_REC FROM_REC RCPT_REC TIMES_REC "\x09\x00\x10"
						    "ab",
		 sizeof(ID_REC FROM_REC RCPT_REC TIMES_REC "\x09\x00\x10"
							   "ab") -
			 1,
		 0},
		/* id of another message */
		{"\x01\x00\x1c"
		 "0000674c6ba0-000002-0a0b0c0d" FROM_REC RCPT_REC TIMES_REC,
		 sizeof("\x01\x00\x1c"
			"0000674c6ba0-000002-0a0b0c0d" FROM_REC RCPT_REC
				TIMES_REC) -
			 1,
		 0},
	};
	uint8_t buf[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_envelope got;
		struct mx_spool_diag d;
		const uint8_t *m;
		size_t mlen, n = build(buf, (const uint8_t *)cases[i].recs,
				       cases[i].len, "hi\r\n");
		enum mx_spool_status st =
			mx_spool_parse(buf, n, "0000674c6ba0-000001-0a0b0c0d",
				       &got, &m, &mlen, &d);

		if ((st == MX_SPOOL_OK) != cases[i].ok)
			fail_msg("case %zu: %s (%s)", i,
				 mx_spool_status_name(st), d.text);
		if (st == MX_SPOOL_OK) {
			assert_string_equal(got.from, "a");
			assert_int_equal(mlen, 4);
		}
		mx_envelope_clear(&got);
	}
}

static void test_ids(void **state)
{
	(void)state;
	assert_true(mx_spool_id_ok("0000674c6ba0-000001-0a0b0c0d"));
	assert_false(mx_spool_id_ok("0000674c6ba0-000001-0a0b0c0"));
	assert_false(mx_spool_id_ok("0000674C6BA0-000001-0a0b0c0d"));
	assert_false(mx_spool_id_ok("0000674c6ba0_000001-0a0b0c0d"));
	assert_false(mx_spool_id_ok("../../../../../../etc/passwd"));
	assert_false(mx_spool_id_ok(""));
	assert_false(mx_spool_id_ok(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_readonly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_crafted),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
