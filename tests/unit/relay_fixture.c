/*
 * relay_fixture.c - throwaway spools and a captured relay log for the
 * relay tests; see the header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/relay_fixture.h"

int rfx_random(void *ctx, uint8_t *out, size_t n)
{
	uint32_t *rnd = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(++*rnd * 2654435761u >> 24);
	return 1;
}

void rfx_spool_open(struct rfx_spool *s, const char *name, uint32_t *rnd)
{
	struct mx_spool_params sp;
	struct mx_spool_diag d;

	snprintf(s->dir, sizeof(s->dir), "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(s->dir));
	memset(&sp, 0, sizeof(sp));
	sp.dir = s->dir;
	sp.random = rfx_random;
	sp.random_ctx = rnd;
	assert_int_equal(mx_spool_open(&sp, &s->spool, &d), MX_SPOOL_OK);
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[512];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

void rfx_spool_close(struct rfx_spool *s)
{
	if (s->spool == NULL)
		return;
	mx_spool_free(s->spool);
	s->spool = NULL;
	rm_tree(s->dir);
}

size_t rfx_spool_count(struct mx_spool *sp, enum mx_spool_area area)
{
	struct mx_spool_list l;
	struct mx_spool_diag d;
	size_t n;

	memset(&l, 0, sizeof(l));
	assert_int_equal(mx_spool_list(sp, area, &l, &d), MX_SPOOL_OK);
	n = l.n;
	mx_spool_list_free(&l);
	return n;
}

void rfx_log_sink(void *arg, enum mx_rlog_level level, const char *line)
{
	struct mx_buf *log = arg;

	(void)level;
	mx_buf_push_str(log, line);
	mx_buf_push_u8(log, '\n');
}

int rfx_log_has(struct mx_buf *log, const char *needle)
{
	mx_buf_push_u8(log, 0);
	log->len--;
	return strstr((const char *)log->p, needle) != NULL;
}
