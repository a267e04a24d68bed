/*
 * dest.c - the relay's destination table: parser, loader and routing;
 * see dest.h for the file format and the precedence of rows.
 *
 * Lines are read through struct mx_cur; every token is checked before it
 * is kept, and every error names its line (the token escaped).
 */
#include "relay/dest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cursor.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "probe/target.h"
#include "relay/cfgtok.h"
#include "relay/spool.h"
#include "wire/smtp_data.h"

static void dest_clear(struct mx_dest *d)
{
	size_t i;

	free(d->domain);
	free(d->via);
	for (i = 0; i < d->nfp; i++)
		free(d->fp[i]);
	memset(d, 0, sizeof(*d));
}

void mx_dest_table_free(struct mx_dest_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		dest_clear(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int lineerr(char *err, size_t errlen, unsigned line, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
static int lineerr(char *err, size_t errlen, unsigned line, const char *fmt,
		   ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "line %u: %s", line, why);
	return -1;
}

static int parse_domain(struct mx_dest *d, const char *tok, size_t n,
			unsigned line, char *err, size_t errlen)
{
	char shown[80];
	int utf8 = 0;
	size_t i, label;

	if (n == 7 && strncasecmp(tok, "default", 7) == 0) {
		d->kind = MX_DEST_DEFAULT;
		d->domain = xstrdup("");
		return 0;
	}
	d->kind = MX_DEST_DOMAIN;
	if (tok[0] == '.') {
		d->kind = MX_DEST_SUBDOMAINS;
		tok++;
		n--;
	}
	mx_cfg_show(shown, sizeof(shown), tok, n);
	if (n == 0 || n > 253 || !mx_smtp_domain_ok(tok, n, &utf8))
		return lineerr(err, errlen, line, "not a domain: \"%s\"",
			       shown);
	if (utf8)
		return lineerr(err, errlen, line,
			       "write \"%s\" as A-labels (xn--...)", shown);
	/* RFC 1035 §2.3.4: labels are at most 63 octets. */
	for (i = 0, label = 0; i < n; i++) {
		label = tok[i] == '.' ? 0 : label + 1;
		if (label > 63)
			return lineerr(err, errlen, line,
				       "a label longer than 63 octets in "
				       "\"%s\"",
				       shown);
	}
	d->domain = xstrndup(tok, n);
	for (i = 0; i < n; i++)
		if (d->domain[i] >= 'A' && d->domain[i] <= 'Z')
			d->domain[i] = (char)(d->domain[i] - 'A' + 'a');
	return 0;
}

static int via_ok(const char *v, char *why, size_t whylen)
{
	struct mx_run *run;
	struct mx_target *t;
	int r;

	if (strcmp(v, "mx") == 0)
		return 0;
	if (strchr(v, '@') != NULL) {
		snprintf(why, whylen, "no user information in a next hop");
		return -1;
	}
	run = mx_run_new();
	t = mx_run_add_target(run);
	r = mx_target_parse(v, t, why, whylen);
	mx_run_free(run);
	return r;
}

/* A fingerprint: 64 hex digits, colons allowed between them. */
static int fp_ok(const char *s, size_t n)
{
	size_t i, hex = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == ':' && i > 0 && i + 1 < n && s[i - 1] != ':')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return 0;
		hex++;
	}
	return hex == 64;
}

enum {
	K_VIA = 1u << 0,
	K_TLS = 1u << 1,
	K_CONC = 1u << 2,
	K_AUTH = 1u << 3,
};

static int parse_option(struct mx_dest *d, const char *tok, size_t n,
			unsigned *seen, unsigned line, char *err, size_t errlen)
{
	const char *eq = memchr(tok, '=', n);
	char shown[80], why[200];
	const char *val;
	size_t klen, vlen;

	mx_cfg_show(shown, sizeof(shown), tok, n);
	if (eq == NULL)
		return lineerr(err, errlen, line, "\"%s\" is not key=value",
			       shown);
	klen = (size_t)(eq - tok);
	val = eq + 1;
	vlen = n - klen - 1;
	if (vlen == 0)
		return lineerr(err, errlen, line, "\"%s\" has no value", shown);
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(tok, s, klen) == 0)
#define ONCE(bit)                                                              \
	do {                                                                   \
		if (*seen & (bit))                                             \
			return lineerr(err, errlen, line,                      \
				       "\"%.*s\" given twice", (int)klen,      \
				       tok);                                   \
		*seen |= (bit);                                                \
	} while (0)
	if (KEY("via")) {
		ONCE(K_VIA);
		if (vlen > MX_SPOOL_MAX_HOP)
			return lineerr(err, errlen, line, "via= too long");
		d->via = xstrndup(val, vlen);
		if (via_ok(d->via, why, sizeof(why)) < 0)
			return lineerr(err, errlen, line, "via=%s: %s",
				       shown + 4, why);
	} else if (KEY("tls")) {
		char name[16];

		ONCE(K_TLS);
		if (vlen >= sizeof(name))
			return lineerr(err, errlen, line,
				       "unknown TLS level in \"%s\"", shown);
		memcpy(name, val, vlen);
		name[vlen] = 0;
		if (mx_tls_policy_parse(name, &d->policy) < 0)
			return lineerr(err, errlen, line,
				       "unknown TLS level in \"%s\" (none, "
				       "may, encrypt, verify, secure, dane, "
				       "dane-only, fingerprint)",
				       shown);
		d->has_policy = 1;
	} else if (KEY("max-conc")) {
		ONCE(K_CONC);
		if (mx_cfg_uint(val, vlen, 1, MX_DEST_MAX_CONC, &d->max_conc) <
		    0)
			return lineerr(err, errlen, line,
				       "max-conc wants 1 to %d",
				       MX_DEST_MAX_CONC);
	} else if (KEY("auth")) {
		ONCE(K_AUTH);
		if (vlen == 3 && memcmp(val, "yes", 3) == 0)
			d->auth = 1;
		else if (vlen == 2 && memcmp(val, "no", 2) == 0)
			d->auth = 0;
		else
			return lineerr(err, errlen, line,
				       "auth wants yes or no");
	} else if (KEY("fp")) {
		if (d->nfp >= MX_DEST_MAX_FP)
			return lineerr(err, errlen, line,
				       "at most %d fingerprints",
				       MX_DEST_MAX_FP);
		if (!fp_ok(val, vlen))
			return lineerr(err, errlen, line,
				       "fp wants a SHA-256 fingerprint (64 hex "
				       "digits)");
		d->fp[d->nfp++] = xstrndup(val, vlen);
	} else {
		return lineerr(err, errlen, line, "unknown key in \"%s\"",
			       shown);
	}
#undef KEY
#undef ONCE
	return 0;
}

static int parse_line(struct mx_dest_table *t, const char *s, size_t n,
		      unsigned line, char *err, size_t errlen)
{
	struct mx_dest d;
	size_t i = 0, ntok = 0, j;
	unsigned seen = 0;

	memset(&d, 0, sizeof(d));
	d.auth = -1;
	d.line = line;
	for (;;) {
		size_t start;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n || s[i] == '#')
			break;
		start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (ntok == 0) {
			if (parse_domain(&d, s + start, i - start, line, err,
					 errlen) < 0)
				goto fail;
		} else if (parse_option(&d, s + start, i - start, &seen, line,
					err, errlen) < 0) {
			goto fail;
		}
		if (++ntok > 2 + 4 + MX_DEST_MAX_FP) {
			lineerr(err, errlen, line, "too many fields");
			goto fail;
		}
	}
	if (ntok == 0)
		return 0; /* blank or comment */
	if (d.has_policy && d.policy == MX_POLICY_FINGERPRINT && d.nfp == 0) {
		lineerr(err, errlen, line, "tls=fingerprint needs fp=");
		goto fail;
	}
	for (j = 0; j < t->n; j++) {
		if (t->v[j].kind == d.kind &&
		    strcmp(t->v[j].domain, d.domain) == 0) {
			lineerr(err, errlen, line,
				"destination given before on line %u",
				t->v[j].line);
			goto fail;
		}
	}
	if (t->n >= MX_DEST_MAX_ROWS) {
		lineerr(err, errlen, line, "more than %d destinations",
			MX_DEST_MAX_ROWS);
		goto fail;
	}
	MX_GROW(t->v, t->n, t->cap);
	t->v[t->n++] = d;
	return 0;
fail:
	dest_clear(&d);
	return -1;
}

int mx_dest_parse(const uint8_t *p, size_t len, struct mx_dest_table *t,
		  char *err, size_t errlen)
{
	struct mx_cur c;
	unsigned line = 0;

	memset(t, 0, sizeof(*t));
	if (len > MX_DEST_MAX_FILE) {
		snprintf(err, errlen, "larger than %u octets",
			 MX_DEST_MAX_FILE);
		return -1;
	}
	mx_cur_init(&c, p, len);
	while (mx_cur_left(&c) > 0) {
		size_t left = mx_cur_left(&c), n = 0, body;
		const uint8_t *lp;
		size_t k;

		line++;
		while (n < left && c.p[n] != '\n')
			n++;
		body = n;
		lp = mx_cur_bytes(&c, n);
		if (n < left)
			mx_cur_skip(&c, 1); /* the LF */
		if (body > 0 && lp[body - 1] == '\r')
			body--; /* CRLF files */
		if (body > MX_DEST_MAX_LINE) {
			lineerr(err, errlen, line, "longer than %d octets",
				MX_DEST_MAX_LINE);
			goto fail;
		}
		for (k = 0; k < body; k++) {
			if ((lp[k] < 0x20 && lp[k] != '\t') || lp[k] == 0x7f) {
				lineerr(err, errlen, line,
					"control character 0x%02x at column "
					"%zu",
					lp[k], k + 1);
				goto fail;
			}
		}
		if (parse_line(t, (const char *)lp, body, line, err, errlen) <
		    0)
			goto fail;
	}
	if (!mx_cur_ok(&c)) {
		snprintf(err, errlen, "unreadable");
		goto fail;
	}
	return 0;
fail:
	mx_dest_table_free(t);
	return -1;
}

int mx_dest_load(const char *path, struct mx_dest_table *t, char *err,
		 size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat st;
	char why[300];
	int fd, r = -1;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > (off_t)MX_DEST_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u octets", path,
			 MX_DEST_MAX_FILE);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: read: %s", path,
				 n < 0 ? strerror(errno) : "short file");
			goto out;
		}
		len += (size_t)n;
	}
	if (mx_dest_parse(buf, len, t, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

static int ends_with_label(const char *domain, const char *suffix)
{
	size_t dl = strlen(domain), sl = strlen(suffix);

	return dl > sl + 1 && domain[dl - sl - 1] == '.' &&
	       strcasecmp(domain + dl - sl, suffix) == 0;
}

void mx_route_for(const struct mx_dest_table *t, const char *smarthost,
		  enum mx_tls_policy policy, int have_auth, const char *domain,
		  struct mx_route *out)
{
	const struct mx_dest *exact = NULL, *sub = NULL, *def = NULL, *row;
	const char *via, *def_via;
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++) {
		const struct mx_dest *d = &t->v[i];

		if (d->kind == MX_DEST_DEFAULT)
			def = d;
		else if (d->kind == MX_DEST_DOMAIN &&
			 strcasecmp(d->domain, domain) == 0)
			exact = d;
		else if (d->kind == MX_DEST_SUBDOMAINS &&
			 ends_with_label(domain, d->domain) &&
			 (sub == NULL ||
			  strlen(d->domain) > strlen(sub->domain)))
			sub = d;
	}
	row = exact ? exact : sub ? sub : def;
	memset(out, 0, sizeof(*out));
	out->row = row;
	/* Each attribute: the row, else the default row, else the command
	 * line. */
	def_via = def && def->via ? def->via : smarthost ? smarthost : "mx";
	via = row && row->via ? row->via : def_via;
	out->nexthop = strcmp(via, "mx") == 0 ? domain : via;
	if (row && row->has_policy)
		out->policy = row->policy;
	else if (def && def->has_policy)
		out->policy = def->policy;
	else
		out->policy = policy;
	if (row && row->max_conc)
		out->max_conc = row->max_conc;
	else if (def && def->max_conc)
		out->max_conc = def->max_conc;
	else
		out->max_conc = MX_DEST_DEFAULT_CONC;
	/* Credentials only where they are meant to go. */
	if (row && row->auth >= 0)
		out->auth = row->auth;
	else if (def && def->auth >= 0 && strcmp(via, def_via) == 0)
		out->auth = def->auth;
	else
		out->auth = smarthost != NULL && strcmp(via, smarthost) == 0;
	if (!have_auth)
		out->auth = 0;
}
