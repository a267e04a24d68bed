/*
 * validate_anchor.c - check the text of a DNSSEC trust anchor file; see
 * validate_anchor.h.
 *
 * RFC 1035 §5.1 master-file syntax as far as anchors need it, records
 * per RFC 4034 §2.2 (DNSKEY) and §5.3 (DS).  The text is read through
 * an index bounded by len; tokens are (pointer, length) slices of it.
 */
#include "src/validate_anchor.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/escape.h"

#define TA_MAX_TOKENS 256

static void whyf(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void whyf(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

struct tok {
	const char *p;
	size_t len;
};

static int tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && strncasecmp(t->p, s, t->len) == 0;
}

static int tok_num(const struct tok *t, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (t->len == 0 || t->len > 10)
		return -1;
	for (i = 0; i < t->len; i++) {
		if (t->p[i] < '0' || t->p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(t->p[i] - '0');
	}
	if (v > max)
		return -1;
	if (out)
		*out = v;
	return 0;
}

/* An algorithm: a number or a mnemonic (RSASHA256, ECDSAP256SHA256). */
static int tok_alg(const struct tok *t)
{
	size_t i;

	if (tok_num(t, 255, NULL) == 0)
		return 0;
	for (i = 0; i < t->len; i++)
		if (!isalnum((unsigned char)t->p[i]) && t->p[i] != '-')
			return -1;
	return t->len ? 0 : -1;
}

static int tok_ttl(const struct tok *t)
{
	size_t i;

	if (t->len == 0 || !isdigit((unsigned char)t->p[0]))
		return 0;
	for (i = 0; i < t->len; i++)
		if (!isdigit((unsigned char)t->p[i]) &&
		    !strchr("smhdwSMHDW", t->p[i]))
			return 0;
	return 1;
}

static int tok_class(const struct tok *t)
{
	return tok_is(t, "IN") || tok_is(t, "CH") || tok_is(t, "HS") ||
	       (t->len > 5 && strncasecmp(t->p, "CLASS", 5) == 0);
}

/* The rest of the record (tokens k..n) joined is made of chars in set;
 * returns its length, or 0 if a byte is outside the set. */
static size_t rest_len(const struct tok *t, size_t k, size_t n,
		       int (*in_set)(int))
{
	size_t total = 0, i, j;

	for (i = k; i < n; i++)
		for (j = 0; j < t[i].len; j++, total++)
			if (!in_set((unsigned char)t[i].p[j]))
				return 0;
	return total;
}

static int is_b64(int ch)
{
	return isalnum(ch) || ch == '+' || ch == '/' || ch == '=';
}

static int is_hex(int ch)
{
	return isxdigit(ch);
}

/* One record of n tokens that started on `line`.  Returns 1 for a DS or
 * DNSKEY, 0 for a directive, -1 with why. */
static int ta_record(const struct tok *t, size_t n, int owner_omitted,
		     unsigned line, char *why, size_t whylen)
{
	size_t k = 0, i, dlen;
	unsigned long dt, proto;

	if (t[0].p[0] == '$') {
		if ((tok_is(&t[0], "$ORIGIN") || tok_is(&t[0], "$TTL")) &&
		    n == 2)
			return 0;
		whyf(why, whylen, "line %u: directive not understood", line);
		return -1;
	}
	if (!owner_omitted)
		k++; /* the owner name */
	for (i = 0; i < 2 && k < n; i++)
		if (tok_ttl(&t[k]) || tok_class(&t[k]))
			k++;
	if (k >= n) {
		whyf(why, whylen, "line %u: not a DS or DNSKEY record", line);
		return -1;
	}
	if (tok_is(&t[k], "DS")) {
		/* RFC 4034 §5.3: key tag, algorithm, digest type, digest */
		if (n - k < 5 || tok_num(&t[k + 1], 65535, NULL) < 0 ||
		    tok_alg(&t[k + 2]) < 0 ||
		    tok_num(&t[k + 3], 255, &dt) < 0) {
			whyf(why, whylen,
			     "line %u: a DS record wants key tag, algorithm, "
			     "digest type and digest",
			     line);
			return -1;
		}
		dlen = rest_len(t, k + 4, n, is_hex);
		if (dlen == 0 || dlen % 2 || (dt == 1 && dlen != 40) ||
		    (dt == 2 && dlen != 64) || (dt == 4 && dlen != 96)) {
			whyf(why, whylen,
			     "line %u: the DS digest is not hex of the length "
			     "its type wants",
			     line);
			return -1;
		}
		return 1;
	}
	if (tok_is(&t[k], "DNSKEY")) {
		/* RFC 4034 §2.2: flags, protocol (3), algorithm, key */
		if (n - k < 5 || tok_num(&t[k + 1], 65535, NULL) < 0 ||
		    tok_num(&t[k + 2], 255, &proto) < 0 || proto != 3 ||
		    tok_alg(&t[k + 3]) < 0 ||
		    rest_len(t, k + 4, n, is_b64) < 4) {
			whyf(why, whylen,
			     "line %u: a DNSKEY record wants flags, protocol "
			     "3, algorithm and a base64 key",
			     line);
			return -1;
		}
		return 1;
	}
	{
		char *q = mx_escape(t[k].p, t[k].len, 20);

		whyf(why, whylen,
		     "line %u: a %s record; a trust anchor is DS or DNSKEY",
		     line, q);
		free(q);
	}
	return -1;
}

/* RFC 1035 §5.1 master-file syntax, as far as anchors need it:
 * ';' comments, ( ) across lines, a blank first column repeats the
 * owner. */
int mx_anchor_check(const char *p, size_t len, char *why, size_t whylen)
{
	struct tok t[TA_MAX_TOKENS];
	size_t i = 0, n = 0, line_start = 0;
	unsigned line = 1, rec_line = 1;
	int depth = 0, omitted = 0, anchors = 0, r;

	while (i <= len) {
		unsigned char ch = i < len ? (unsigned char)p[i] : '\n';

		if (ch == ';') {
			while (i < len && p[i] != '\n')
				i++;
			continue;
		}
		if (ch == '(' || ch == ')') {
			if (ch == ')' && depth == 0) {
				whyf(why, whylen, "line %u: unbalanced ')'",
				     line);
				return -1;
			}
			depth += ch == '(' ? 1 : -1;
			i++;
			continue;
		}
		if (ch == '\n') {
			if (i == len && depth > 0) {
				whyf(why, whylen, "line %u: unbalanced '('",
				     rec_line);
				return -1;
			}
			if (depth == 0 && n > 0) {
				r = ta_record(t, n, omitted, rec_line, why,
					      whylen);
				if (r < 0)
					return -1;
				anchors += r;
				n = 0;
			}
			line++;
			i++;
			line_start = i;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			i++;
			continue;
		}
		if (ch < 0x20 || ch >= 0x7f) {
			whyf(why, whylen, "line %u: not text (byte \\x%02x)",
			     line, ch);
			return -1;
		}
		if (n == TA_MAX_TOKENS) {
			whyf(why, whylen, "line %u: record too long", line);
			return -1;
		}
		if (n == 0) {
			rec_line = line;
			omitted = i != line_start;
		}
		t[n].p = p + i;
		while (i < len && !strchr(" \t\r\n;()", p[i])) {
			ch = (unsigned char)p[i];
			if (ch < 0x20 || ch >= 0x7f) {
				whyf(why, whylen,
				     "line %u: not text (byte \\x%02x)", line,
				     ch);
				return -1;
			}
			i++;
		}
		t[n].len = (size_t)(p + i - t[n].p);
		n++;
	}
	if (anchors == 0) {
		whyf(why, whylen, "holds no DS or DNSKEY record");
		return -1;
	}
	return anchors;
}
