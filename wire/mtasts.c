/*
 * mtasts.c - MTA-STS TXT and policy, TLS-RPT TXT; see mtasts.h.
 *
 * Every parser walks the input with a struct mx_cur, one line (policy)
 * or one field (TXT) at a time; a field is copied into a bounded local
 * buffer before it is looked at, so nothing reads past the input and no
 * value longer than its buffer is accepted.
 */
#include "wire/mtasts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/xalloc.h"

#define LINE_MAX_LEN 1024

static void err_add(struct mx_sts_errors *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void err_add(struct mx_sts_errors *e, const char *fmt, ...)
{
	va_list ap;

	if (e->n < MX_STS_MAX_ERRORS) {
		va_start(ap, fmt);
		vsnprintf(e->v[e->n], MX_STS_ERR_LEN, fmt, ap);
		va_end(ap);
	}
	e->n++;
}

static int is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Read up to the next LF (consumed) into buf without the CR before it.
 * *toolong is set when the line did not fit; returns the length, or -1
 * at the end of input. */
static long read_line(struct mx_cur *c, char *buf, size_t cap, int *toolong)
{
	size_t n = 0;

	*toolong = 0;
	if (mx_cur_left(c) == 0)
		return -1;
	while (mx_cur_left(c) > 0) {
		uint8_t b = mx_cur_u8(c);

		if (b == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = (char)b;
		else
			*toolong = 1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (long)n;
}

/* An RFC 1035 style host name: labels of letters, digits and hyphens,
 * 1..63 each, at most 253 in all; with `wild`, "*." may come first. */
static int valid_domain(const char *s, int wild)
{
	size_t lab = 0, total = strlen(s), i;

	if (wild && s[0] == '*' && s[1] == '.')
		s += 2, total -= 2;
	if (total == 0 || total > 253 || s[0] == '.' || s[total - 1] == '.')
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if (++lab > 63)
			return 0;
	}
	return 1;
}

static void set_mode(struct mx_sts_policy *p, const char *v, unsigned line)
{
	if (strcmp(v, "enforce") == 0)
		p->mode = MX_STS_PMODE_ENFORCE;
	else if (strcmp(v, "testing") == 0)
		p->mode = MX_STS_PMODE_TESTING;
	else if (strcmp(v, "none") == 0)
		p->mode = MX_STS_PMODE_NONE;
	else
		err_add(&p->err,
			"line %u: mode is not enforce, testing or none", line);
}

static void set_max_age(struct mx_sts_policy *p, const char *v, unsigned line)
{
	size_t i, n = strlen(v);
	long a = 0;

	if (n == 0 || n > 10) {
		err_add(&p->err, "line %u: max_age is not 1 to 10 digits",
			line);
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			err_add(&p->err, "line %u: max_age is not a number",
				line);
			return;
		}
		a = a * 10 + (v[i] - '0');
		if (a > MX_STS_MAX_AGE_LIMIT) {
			err_add(&p->err,
				"line %u: max_age over 31557600 (one year)",
				line);
			return;
		}
	}
	p->max_age = a;
}

static void add_mx(struct mx_sts_policy *p, const char *v, unsigned line)
{
	char *s;
	size_t i;

	if (!valid_domain(v, 1)) {
		err_add(&p->err,
			"line %u: mx is not a host name or *.domain "
			"pattern",
			line);
		return;
	}
	if (p->nmx >= MX_STS_MAX_MX) {
		err_add(&p->err, "line %u: more than %d mx lines", line,
			MX_STS_MAX_MX);
		return;
	}
	s = xstrdup(v);
	for (i = 0; s[i]; i++)
		s[i] = (char)lower((unsigned char)s[i]);
	p->mx = xreallocarray(p->mx, p->nmx + 1, sizeof(*p->mx));
	p->mx[p->nmx++] = s;
}

/* One "key: value" line. */
static void policy_line(struct mx_sts_policy *p, char *l, unsigned line,
			int *seen_mode, int *seen_age)
{
	char *colon = strchr(l, ':'), *k = l, *v, *e;
	size_t i;

	if (colon == NULL) {
		err_add(&p->err, "line %u: no ':' (not key: value)", line);
		return;
	}
	*colon = '\0';
	e = colon;
	while (e > k && is_wsp((unsigned char)e[-1]))
		*--e = '\0';
	v = colon + 1;
	while (is_wsp((unsigned char)*v))
		v++;
	e = v + strlen(v);
	while (e > v && is_wsp((unsigned char)e[-1]))
		*--e = '\0';
	if (k[0] == '\0' || strlen(k) > 32 || !is_alnum((unsigned char)k[0])) {
		err_add(&p->err, "line %u: malformed key", line);
		return;
	}
	for (i = 1; k[i]; i++)
		if (!is_alnum((unsigned char)k[i]) && k[i] != '_' &&
		    k[i] != '-' && k[i] != '.') {
			err_add(&p->err, "line %u: malformed key", line);
			return;
		}
	for (i = 0; v[i]; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e) {
			if (!is_wsp((unsigned char)v[i])) {
				err_add(&p->err,
					"line %u: control or non-ASCII byte "
					"in the value",
					line);
				return;
			}
		}
	if (strcmp(k, "version") == 0) {
		if (p->has_version)
			err_add(&p->err, "line %u: version repeated", line);
		else if (strcmp(v, "STSv1") == 0)
			p->has_version = 1;
		else
			err_add(&p->err, "line %u: version is not STSv1", line);
	} else if (strcmp(k, "mode") == 0) {
		if (*seen_mode)
			err_add(&p->err, "line %u: mode repeated", line);
		else
			set_mode(p, v, line);
		*seen_mode = 1;
	} else if (strcmp(k, "max_age") == 0) {
		if (*seen_age)
			err_add(&p->err, "line %u: max_age repeated", line);
		else
			set_max_age(p, v, line);
		*seen_age = 1;
	} else if (strcmp(k, "mx") == 0) {
		add_mx(p, v, line);
	} else {
		p->nunknown++;
	}
}

int mx_sts_policy_parse(const uint8_t *b, size_t len, struct mx_sts_policy *p)
{
	struct mx_cur c;
	char buf[LINE_MAX_LEN];
	unsigned line = 0;
	int toolong, seen_mode = 0, seen_age = 0;
	long n;

	memset(p, 0, sizeof(*p));
	p->max_age = -1;
	mx_cur_init(&c, b, b ? len : 0);
	while ((n = read_line(&c, buf, sizeof(buf), &toolong)) >= 0) {
		line++;
		if (toolong) {
			err_add(&p->err, "line %u: longer than %d bytes", line,
				LINE_MAX_LEN - 1);
			continue;
		}
		if (n == 0)
			continue; /* blank lines are tolerated */
		if (memchr(buf, '\0', (size_t)n) != NULL) {
			err_add(&p->err, "line %u: NUL byte", line);
			continue;
		}
		policy_line(p, buf, line, &seen_mode, &seen_age);
	}
	if (line == 0)
		err_add(&p->err, "empty policy");
	if (!p->has_version)
		err_add(&p->err, "no valid 'version: STSv1'");
	if (p->mode == MX_STS_PMODE_MISSING)
		err_add(&p->err, "no valid mode");
	if (p->max_age < 0)
		err_add(&p->err, "no valid max_age");
	if (p->nmx == 0 && p->mode != MX_STS_PMODE_NONE)
		err_add(&p->err, "no valid mx");
	p->valid = p->has_version && p->mode != MX_STS_PMODE_MISSING &&
		   p->max_age >= 0 &&
		   (p->nmx > 0 || p->mode == MX_STS_PMODE_NONE);
	return p->valid ? 0 : -1;
}

void mx_sts_policy_free(struct mx_sts_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	p->mx = NULL;
	p->nmx = 0;
}

/* ---- TXT records --------------------------------------------------------- */

/* The next ';'-separated field, blanks around it dropped; -1 at the end.
 * *toolong when it did not fit in buf. */
static long next_field(struct mx_cur *c, char *buf, size_t cap, int *toolong)
{
	size_t n = 0;

	*toolong = 0;
	while (mx_cur_left(c) > 0 && is_wsp(*c->p))
		mx_cur_skip(c, 1);
	if (mx_cur_left(c) == 0)
		return -1;
	while (mx_cur_left(c) > 0) {
		uint8_t b = mx_cur_u8(c);

		if (b == ';')
			break;
		if (n + 1 < cap)
			buf[n++] = (char)b;
		else
			*toolong = 1;
	}
	while (n > 0 && is_wsp((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	return (long)n;
}

static int starts_with(const uint8_t *b, size_t len, const char *pfx)
{
	size_t n = strlen(pfx);

	return b != NULL && len >= n && memcmp(b, pfx, n) == 0;
}

/* "v=STSv1" exactly, followed by the end, blanks or ';'. */
static int version_is(const uint8_t *b, size_t len, const char *v)
{
	size_t n = strlen(v);

	return starts_with(b, len, v) &&
	       (len == n || b[n] == ';' || is_wsp(b[n]));
}

int mx_sts_txt_is_sts(const uint8_t *b, size_t len)
{
	return version_is(b, len, "v=STSv1");
}

int mx_tlsrpt_is_rpt(const uint8_t *b, size_t len)
{
	return version_is(b, len, "v=TLSRPTv1");
}

/* An extension "name=value" (RFC 8461 section 3.1 sts-ext-*, RFC 8460
 * tlsrpt-ext-*): name 1..32 of alnum _ - ., value 1+ of 0x21..0x7e but
 * ';' and '='. */
static int valid_ext(const char *f)
{
	const char *eq = strchr(f, '=');
	size_t i;

	if (eq == NULL || eq == f || eq - f > 32 || eq[1] == '\0')
		return 0;
	for (i = 0; f + i < eq; i++)
		if (!is_alnum((unsigned char)f[i]) &&
		    (i == 0 || (f[i] != '_' && f[i] != '-' && f[i] != '.')))
			return 0;
	for (i = 1; eq[i]; i++)
		if ((unsigned char)eq[i] < 0x21 ||
		    (unsigned char)eq[i] > 0x7e || eq[i] == '=')
			return 0;
	return 1;
}

int mx_sts_txt_parse(const uint8_t *b, size_t len, struct mx_sts_txt *t)
{
	struct mx_cur c;
	char f[512];
	long n;
	int toolong, nf = 0, has_id = 0;

	memset(t, 0, sizeof(*t));
	mx_cur_init(&c, b, b ? len : 0);
	if (b != NULL && memchr(b, 0, len) != NULL)
		err_add(&t->err, "NUL byte in the record");
	while ((n = next_field(&c, f, sizeof(f), &toolong)) >= 0) {
		nf++;
		if (toolong) {
			err_add(&t->err, "field %d too long", nf);
			continue;
		}
		if (nf == 1) {
			if (strcmp(f, "v=STSv1") != 0 ||
			    !mx_sts_txt_is_sts(b, len))
				err_add(&t->err, "does not start with v=STSv1");
			continue;
		}
		if (n == 0) {
			/* only a trailing ';' may leave an empty field */
			if (mx_cur_left(&c) > 0)
				err_add(&t->err, "empty field %d", nf);
			continue;
		}
		if (strncmp(f, "id=", 3) == 0) {
			size_t i, l = strlen(f + 3);

			if (has_id) {
				err_add(&t->err, "id repeated");
				continue;
			}
			for (i = 0; i < l; i++)
				if (!is_alnum((unsigned char)f[3 + i]))
					break;
			if (l == 0 || l > 32 || i < l) {
				err_add(&t->err,
					"id is not 1 to 32 letters or digits");
				continue;
			}
			memcpy(t->id, f + 3, l + 1);
			has_id = 1;
		} else if (!valid_ext(f)) {
			err_add(&t->err, "field %d is not name=value", nf);
		}
	}
	if (nf == 0)
		err_add(&t->err, "empty record");
	if (!has_id)
		err_add(&t->err, "no valid id=");
	t->valid = t->err.n == 0;
	return t->valid ? 0 : -1;
}

/* mailto:addr or https://host..., printable, no blanks or ',' / ';'. */
static int valid_rua(const char *u)
{
	size_t i, n = strlen(u);

	if (n == 0 || n >= MX_STS_URI_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] < 0x21 || (unsigned char)u[i] > 0x7e ||
		    u[i] == ',' || u[i] == ';')
			return 0;
	if (strncmp(u, "mailto:", 7) == 0)
		return n > 7 && strchr(u + 7, '@') != NULL;
	if (strncmp(u, "https://", 8) == 0)
		return n > 8 && u[8] != '/';
	return 0;
}

static void add_rua(struct mx_tlsrpt_rec *r, const char *list)
{
	char u[MX_STS_URI_LEN];
	size_t i = 0, n;

	for (;;) {
		const char *comma = strchr(list + i, ',');
		size_t end = comma ? (size_t)(comma - list) : strlen(list);
		size_t s = i, e = end;

		while (s < e && is_wsp((unsigned char)list[s]))
			s++;
		while (e > s && is_wsp((unsigned char)list[e - 1]))
			e--;
		n = e - s;
		if (n == 0 || n >= sizeof(u)) {
			err_add(&r->err, "rua: empty or overlong URI");
		} else {
			memcpy(u, list + s, n);
			u[n] = '\0';
			if (!valid_rua(u))
				err_add(&r->err,
					"rua: a URI that is not mailto: or "
					"https:");
			else if (r->nrua < MX_STS_MAX_RUA) {
				r->rua = xreallocarray(r->rua, r->nrua + 1,
						       sizeof(*r->rua));
				r->rua[r->nrua++] = xstrdup(u);
			}
		}
		if (comma == NULL)
			break;
		i = end + 1;
	}
}

int mx_tlsrpt_parse(const uint8_t *b, size_t len, struct mx_tlsrpt_rec *r)
{
	struct mx_cur c;
	char f[2048];
	long n;
	int toolong, nf = 0, has_rua = 0;

	memset(r, 0, sizeof(*r));
	mx_cur_init(&c, b, b ? len : 0);
	if (b != NULL && memchr(b, 0, len) != NULL)
		err_add(&r->err, "NUL byte in the record");
	while ((n = next_field(&c, f, sizeof(f), &toolong)) >= 0) {
		nf++;
		if (toolong) {
			err_add(&r->err, "field %d too long", nf);
			continue;
		}
		if (nf == 1) {
			if (strcmp(f, "v=TLSRPTv1") != 0 ||
			    !mx_tlsrpt_is_rpt(b, len))
				err_add(&r->err,
					"does not start with v=TLSRPTv1");
			continue;
		}
		if (n == 0) {
			if (mx_cur_left(&c) > 0)
				err_add(&r->err, "empty field %d", nf);
			continue;
		}
		if (strncmp(f, "rua=", 4) == 0) {
			if (has_rua) {
				err_add(&r->err, "rua repeated");
				continue;
			}
			has_rua = 1;
			add_rua(r, f + 4);
		} else if (!valid_ext(f)) {
			err_add(&r->err, "field %d is not name=value", nf);
		}
	}
	if (nf == 0)
		err_add(&r->err, "empty record");
	if (!has_rua)
		err_add(&r->err, "no rua=");
	r->valid = r->err.n == 0 && r->nrua > 0;
	return r->valid ? 0 : -1;
}

void mx_tlsrpt_free(struct mx_tlsrpt_rec *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrua; i++)
		free(r->rua[i]);
	free(r->rua);
	r->rua = NULL;
	r->nrua = 0;
}

/* ---- MX patterns --------------------------------------------------------- */

static int eq_ci(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

int mx_sts_mx_match(const char *pattern, const char *host)
{
	size_t pl, hl;
	const char *dot;

	if (pattern == NULL || host == NULL)
		return 0;
	pl = strlen(pattern);
	hl = strlen(host);
	if (pl > 0 && pattern[pl - 1] == '.')
		pl--;
	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (pl == 0 || hl == 0)
		return 0;
	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* one leftmost label of the host, then the rest exactly */
		dot = memchr(host, '.', hl);
		if (dot == NULL || dot == host)
			return 0;
		return (size_t)(host + hl - dot) == pl - 1 &&
		       eq_ci(dot, pattern + 1, pl - 1);
	}
	return pl == hl && eq_ci(pattern, host, hl);
}

const char *mx_sts_pmode_name(enum mx_sts_pmode m)
{
	switch (m) {
	case MX_STS_PMODE_ENFORCE:
		return "enforce";
	case MX_STS_PMODE_TESTING:
		return "testing";
	case MX_STS_PMODE_NONE:
		return "none";
	default:
		return "missing";
	}
}
