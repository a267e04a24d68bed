/*
 * buf.c - growable byte buffer with a cap; see buf.h.
 */
#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MX_BUF_DEFAULT_MAX (16u * 1024 * 1024)

void mx_buf_init(struct mx_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : MX_BUF_DEFAULT_MAX;
}

void mx_buf_free(struct mx_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

void mx_buf_reset(struct mx_buf *b)
{
	b->len = 0;
	b->err = 0;
}

uint8_t *mx_buf_take(struct mx_buf *b, size_t *len)
{
	uint8_t *p = b->p;

	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = 0;
	return p;
}

/* Make room for n more bytes plus a NUL terminator. */
static int reserve(struct mx_buf *b, size_t n)
{
	size_t want, ncap;
	uint8_t *np;

	if (b->err)
		return 0;
	if (n > b->max || b->len > b->max - n) {
		b->err = 1;
		return 0;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 1;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
	np = realloc(b->p, ncap);
	if (np == NULL) {
		b->err = 1;
		return 0;
	}
	b->p = np;
	b->cap = ncap;
	return 1;
}

int mx_buf_push(struct mx_buf *b, const void *p, size_t n)
{
	if (!reserve(b, n))
		return 0;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
	return 1;
}

int mx_buf_push_u8(struct mx_buf *b, uint8_t v)
{
	return mx_buf_push(b, &v, 1);
}

int mx_buf_push_u16(struct mx_buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return mx_buf_push(b, x, 2);
}

int mx_buf_push_u24(struct mx_buf *b, uint32_t v)
{
	uint8_t x[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return mx_buf_push(b, x, 3);
}

int mx_buf_push_u32(struct mx_buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};
	return mx_buf_push(b, x, 4);
}

int mx_buf_push_str(struct mx_buf *b, const char *s)
{
	return mx_buf_push(b, s, strlen(s));
}

int mx_buf_printf(struct mx_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n)) {
		b->err = 1;
		return 0;
	}
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 1;
}

void mx_buf_consume(struct mx_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p)
		b->p[b->len] = 0;
}

size_t mx_buf_block_open(struct mx_buf *b, int width)
{
	static const uint8_t zero[3];
	size_t mark = b->len;

	mx_buf_push(b, zero, (size_t)width);
	return mark;
}

void mx_buf_block_close(struct mx_buf *b, size_t mark, int width)
{
	size_t body, i;

	if (b->err)
		return;
	body = b->len - mark - (size_t)width;
	if (width < 3 && body >> (8 * width)) {
		b->err = 1;
		return;
	}
	if (width == 3 && body > 0xffffff) {
		b->err = 1;
		return;
	}
	for (i = 0; i < (size_t)width; i++)
		b->p[mark + i] = (uint8_t)(body >> (8 * (width - 1 - (int)i)));
}
