/*
 * escape.c - vis-style escaping of untrusted bytes; see escape.h.
 */
#include "common/escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

void mx_escape_buf(struct mx_buf *b, const void *vp, size_t len, size_t max)
{
	const uint8_t *p = vp;
	size_t start = b->len, i;
	char tmp[5];

	for (i = 0; i < len; i++) {
		uint8_t ch = p[i];
		const char *s = tmp;
		size_t n;

		if (ch == '\\')
			s = "\\\\";
		else if (ch == '\t')
			s = "\\t";
		else if (ch == '\r')
			s = "\\r";
		else if (ch == '\n')
			s = "\\n";
		else if (ch >= 0x20 && ch < 0x7f) {
			tmp[0] = (char)ch;
			tmp[1] = 0;
		} else
			snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
		n = strlen(s);
		if (max && b->len - start + n > max) {
			mx_buf_push_str(b, "...");
			return;
		}
		mx_buf_push(b, s, n);
	}
}

char *mx_escape(const void *p, size_t len, size_t max)
{
	struct mx_buf b;
	char *r;

	mx_buf_init(&b, 0);
	mx_buf_push(&b, "", 0);
	mx_escape_buf(&b, p, len, max);
	if (b.err) {
		mx_buf_free(&b);
		return xstrdup("<escape failed>");
	}
	r = (char *)mx_buf_take(&b, NULL);
	return r ? r : xstrdup("");
}

char *mx_escape_str(const char *s, size_t max)
{
	return mx_escape(s, s ? strlen(s) : 0, max);
}

int mx_is_clean(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			return 0;
	}
	return 1;
}
