/*
 * scanlist.c - the targets file of `mxprobe scan` (see scanlist.h), and
 * scan's option values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "src/options.h"
#include "src/scanlist.h"

void mx_scanlist_init(struct mx_scanlist *l, FILE *fp)
{
	memset(l, 0, sizeof(*l));
	l->fp = fp;
}

void mx_scanlist_clear(struct mx_scanlist *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int mx_scanlist_line(char *s, size_t n, const char **line, char *why,
		     size_t whylen)
{
	size_t a = 0, b = n, i;

	*line = NULL;
	if (n > MX_SCANLIST_MAX) {
		snprintf(why, whylen, "longer than %d bytes", MX_SCANLIST_MAX);
		return -1;
	}
	while (a < b && blank(s[a]))
		a++;
	if (a < b && s[a] == '#')
		return 0;
	/* a comment after the target: '#' after a blank */
	for (i = a; i < b; i++) {
		if (s[i] == '#' && i > a && blank(s[i - 1])) {
			b = i;
			break;
		}
	}
	while (b > a && blank(s[b - 1]))
		b--;
	if (a == b)
		return 0;
	for (i = a; i < b; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0 || c < 0x20 || c == 0x7f) {
			snprintf(why, whylen, "control character 0x%02x", c);
			return -1;
		}
		if (blank(s[i])) {
			snprintf(why, whylen,
				 "blank inside the target "
				 "(one target a line)");
			return -1;
		}
	}
	s[b] = 0;
	*line = s + a;
	return 1;
}

int mx_scanlist_next(struct mx_scanlist *l, const char **line, char *why,
		     size_t whylen)
{
	for (;;) {
		ssize_t n = getline(&l->buf, &l->cap, l->fp);
		int r;

		if (n < 0)
			return 0;
		l->lineno++;
		if (n > 0 && l->buf[n - 1] == '\n')
			n--;
		r = mx_scanlist_line(l->buf, (size_t)n, line, why, whylen);
		if (r != 0)
			return r;
	}
}

static int parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int mx_scanlist_shard(const char *s, int *i, int *n)
{
	const char *slash = strchr(s, '/');
	char a[16];
	long vi, vn;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = 0;
	if (parse_num(a, 0, 65535, &vi) < 0 ||
	    parse_num(slash + 1, 1, 65536, &vn) < 0 || vi >= vn)
		return -1;
	*i = (int)vi;
	*n = (int)vn;
	return 0;
}

int mx_scanlist_shard_of(const char *const *addrs, size_t naddrs, int n)
{
	const char *min = NULL;
	uint32_t h = 2166136261u;
	size_t k;

	for (k = 0; k < naddrs; k++)
		if (addrs[k] && (min == NULL || strcmp(addrs[k], min) < 0))
			min = addrs[k];
	if (min == NULL || n <= 0)
		return 0;
	for (; *min; min++) {
		h ^= (unsigned char)*min;
		h *= 16777619u;
	}
	return (int)(h % (uint32_t)n);
}

int mx_opts_scan(int which, const char *v, struct mx_opts *o, char *err,
		 size_t errlen)
{
	long x;

	switch (which) {
	case 0:
		o->scan_file = v;
		return 0;
	case 1:
		o->jsonl = v;
		return 0;
	case 2:
		o->state = v;
		return 0;
	case 3:
		if (mx_scanlist_shard(v, &o->shard_i, &o->shard_n) < 0) {
			snprintf(err, errlen,
				 "--shard wants I/N with 0 <= I < N <= 65536");
			return -1;
		}
		return 0;
	case 4:
		if (parse_num(v, 1, 4096, &x) < 0) {
			snprintf(err, errlen, "--concurrency wants 1 to 4096");
			return -1;
		}
		o->concurrency = (int)x;
		return 0;
	default:
		if (parse_num(v, 1, 1000, &x) < 0) {
			snprintf(err, errlen,
				 "--rate-per-host wants 1 to 1000 new "
				 "connections a second");
			return -1;
		}
		o->rate_per_host = (int)x;
		return 0;
	}
}
