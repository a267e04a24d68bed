/*
 * buf.h - growable byte buffer with a hard cap and a sticky error.
 *
 * Encoders write through struct mx_buf.  A push that would exceed `max`
 * (or fail to allocate) sets `err` and is dropped; callers check once at
 * the end.  Length-prefixed blocks are written with mx_buf_block_open()
 * and back-filled by mx_buf_block_close(), so encoders read like the wire
 * format (picotls ptls_buffer_push_block).
 *
 * Ownership: the buffer owns p; mx_buf_free() releases it.  mx_buf_take()
 * hands p to the caller and resets the buffer.
 */
#ifndef MX_COMMON_BUF_H
#define MX_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

struct mx_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max; /* hard cap on len; 0 means 16 MiB */
	int err;    /* sticky: set when a push was dropped */
};

void mx_buf_init(struct mx_buf *b, size_t max);
void mx_buf_free(struct mx_buf *b);
void mx_buf_reset(struct mx_buf *b);
/* Returns p (NUL-terminated beyond len when err == 0) and resets b. */
uint8_t *mx_buf_take(struct mx_buf *b, size_t *len);

int mx_buf_push(struct mx_buf *b, const void *p, size_t n);
int mx_buf_push_u8(struct mx_buf *b, uint8_t v);
int mx_buf_push_u16(struct mx_buf *b, uint16_t v);
int mx_buf_push_u24(struct mx_buf *b, uint32_t v);
int mx_buf_push_u32(struct mx_buf *b, uint32_t v);
int mx_buf_push_str(struct mx_buf *b, const char *s);
int mx_buf_printf(struct mx_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Remove the first n bytes. */
void mx_buf_consume(struct mx_buf *b, size_t n);

/* Open a block with a `width`-byte (1, 2 or 3) length prefix; returns the
 * offset to pass to mx_buf_block_close(), which writes the length (or
 * sets err if it does not fit the width). */
size_t mx_buf_block_open(struct mx_buf *b, int width);
void mx_buf_block_close(struct mx_buf *b, size_t mark, int width);

#endif
