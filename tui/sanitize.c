/*
 * sanitize.c - the dashboard's output fence; see sanitize.h for the
 * rules.  UTF-8 decoding follows RFC 3629 section 4 (no overlong forms,
 * no surrogates, nothing above U+10FFFF).
 */
#include "tui/sanitize.h"

#include <stdint.h>
#include <string.h>
#include <wchar.h>

/* Decode one UTF-8 sequence at s; returns its length (1..4) with *cp
 * set, or 0 when it is not well-formed (*bad set to the bytes to
 * replace, at least 1). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp, size_t *bad)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t v, min;

	*bad = 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0; /* continuation, 0xc0/0xc1 (overlong), 0xf5.. */
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*bad = i; /* the bytes before the intruder */
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*bad = n;
		return 0;
	}
	*cp = v;
	return n;
}

size_t mx_tui_sanitize(const char *s, char *out, size_t outlen, size_t maxcols,
		       int utf8)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0, cols = 0;

	if (outlen == 0)
		return 0;
	while (*p != 0) {
		unsigned char c = *p;
		uint32_t cp = 0;
		size_t n = 0, bad = 1, k;
		int w = -1;

		if (c >= 0x20 && c < 0x7f) {
			n = 1;
			w = 1;
		} else if (c == '\t') {
			c = ' ';
			bad = 0;
			n = 1;
			w = 1;
		} else if (c >= 0x80 && utf8) {
			n = utf8_decode(p, &cp, &bad);
			if (n > 0 && cp >= 0x80 && cp <= 0x9f)
				w = -1; /* C1 control */
			else if (n > 0)
				w = wcwidth((wchar_t)cp);
			if (n > 0 && w <= 0) {
				bad = n;
				n = 0;
			}
		}
		if (n == 0 || w <= 0) {
			/* one '?' per byte consumed */
			for (k = 0; k < bad && p[k] != 0; k++) {
				if ((maxcols && cols + 1 > maxcols) ||
				    o + 1 >= outlen)
					goto done;
				out[o++] = '?';
				cols++;
			}
			p += k;
			continue;
		}
		if ((maxcols && cols + (size_t)w > maxcols) || o + n >= outlen)
			break;
		if (n == 1)
			out[o] = (char)c;
		else
			memcpy(out + o, p, n);
		o += n;
		cols += (size_t)w;
		p += n;
	}
done:
	out[o] = 0;
	return cols;
}
