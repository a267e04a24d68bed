/*
 * cursor.c - bounded read cursor; see cursor.h for the contract.
 */
#include "common/cursor.h"

#include <string.h>

void mx_cur_init(struct mx_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->end = p ? p + len : p;
	c->err = MX_CUR_OK;
}

size_t mx_cur_left(const struct mx_cur *c)
{
	if (c->err != MX_CUR_OK || c->p == NULL)
		return 0;
	return (size_t)(c->end - c->p);
}

int mx_cur_ok(const struct mx_cur *c)
{
	return c->err == MX_CUR_OK;
}

/* Take n bytes or fail; the one place that moves p forward. */
static const uint8_t *take(struct mx_cur *c, size_t n)
{
	const uint8_t *r;

	if (c->err != MX_CUR_OK)
		return NULL;
	if (mx_cur_left(c) < n) {
		c->err = MX_CUR_TRUNCATED;
		return NULL;
	}
	r = c->p;
	c->p += n;
	return r;
}

uint8_t mx_cur_u8(struct mx_cur *c)
{
	const uint8_t *b = take(c, 1);
	return b ? b[0] : 0;
}

uint16_t mx_cur_u16(struct mx_cur *c)
{
	const uint8_t *b = take(c, 2);
	return b ? (uint16_t)((b[0] << 8) | b[1]) : 0;
}

uint32_t mx_cur_u24(struct mx_cur *c)
{
	const uint8_t *b = take(c, 3);
	return b ? ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2] : 0;
}

uint32_t mx_cur_u32(struct mx_cur *c)
{
	const uint8_t *b = take(c, 4);
	return b ? ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
			       ((uint32_t)b[2] << 8) | b[3]
		 : 0;
}

const uint8_t *mx_cur_bytes(struct mx_cur *c, size_t n)
{
	return take(c, n);
}

int mx_cur_copy(struct mx_cur *c, void *out, size_t n)
{
	const uint8_t *b = take(c, n);

	if (b == NULL) {
		memset(out, 0, n);
		return 0;
	}
	memcpy(out, b, n);
	return 1;
}

void mx_cur_skip(struct mx_cur *c, size_t n)
{
	(void)take(c, n);
}

void mx_cur_subn(struct mx_cur *c, struct mx_cur *sub, size_t n)
{
	const uint8_t *b = take(c, n);

	if (b == NULL) {
		sub->p = sub->end = NULL;
		sub->err = c->err;
		return;
	}
	mx_cur_init(sub, b, n);
}

void mx_cur_sub8(struct mx_cur *c, struct mx_cur *sub)
{
	size_t n = mx_cur_u8(c);
	mx_cur_subn(c, sub, n);
}

void mx_cur_sub16(struct mx_cur *c, struct mx_cur *sub)
{
	size_t n = mx_cur_u16(c);
	mx_cur_subn(c, sub, n);
}

void mx_cur_sub24(struct mx_cur *c, struct mx_cur *sub)
{
	size_t n = mx_cur_u24(c);
	mx_cur_subn(c, sub, n);
}

void mx_cur_invalid(struct mx_cur *c)
{
	if (c->err == MX_CUR_OK)
		c->err = MX_CUR_INVALID;
}

int mx_cur_done(struct mx_cur *c)
{
	if (c->err == MX_CUR_OK && c->p != c->end)
		c->err = MX_CUR_TRAILING;
	return c->err == MX_CUR_OK;
}

void mx_cur_join(struct mx_cur *parent, const struct mx_cur *sub)
{
	if (parent->err == MX_CUR_OK && sub->err != MX_CUR_OK)
		parent->err = sub->err;
}

const char *mx_cur_strerror(enum mx_cur_err e)
{
	switch (e) {
	case MX_CUR_OK:
		return "ok";
	case MX_CUR_TRUNCATED:
		return "truncated";
	case MX_CUR_INVALID:
		return "invalid";
	case MX_CUR_TRAILING:
		return "trailing bytes";
	}
	return "unknown";
}
