/*
 * cursor.h - bounded read cursor with a sticky error.
 *
 * Every parser of bytes that came from the network or a file reads through
 * a struct mx_cur.  Reads check the remaining length first (as a
 * subtraction, never p + n > end); the first short read sets a sticky
 * error and every later read returns zero without touching memory, so a
 * parser checks mx_cur_ok() once per block instead of after every read.
 * Length-prefixed blocks are read through a sub-cursor (mx_cur_sub8/16/24)
 * which the caller must consume exactly (mx_cur_done()).
 *
 * Ownership: the cursor borrows its bytes; nothing here allocates.
 */
#ifndef MX_COMMON_CURSOR_H
#define MX_COMMON_CURSOR_H

#include <stddef.h>
#include <stdint.h>

enum mx_cur_err {
	MX_CUR_OK = 0,
	MX_CUR_TRUNCATED, /* a read wanted more bytes than remain */
	MX_CUR_INVALID,	  /* the caller marked the data as invalid */
	MX_CUR_TRAILING,  /* a block was not consumed exactly */
};

struct mx_cur {
	const uint8_t *p;
	const uint8_t *end;
	enum mx_cur_err err;
};

void mx_cur_init(struct mx_cur *c, const uint8_t *p, size_t len);
size_t mx_cur_left(const struct mx_cur *c);
int mx_cur_ok(const struct mx_cur *c);

uint8_t mx_cur_u8(struct mx_cur *c);
uint16_t mx_cur_u16(struct mx_cur *c);
uint32_t mx_cur_u24(struct mx_cur *c);
uint32_t mx_cur_u32(struct mx_cur *c);
/* Borrow n bytes; returns NULL (and sets the error) if fewer remain. */
const uint8_t *mx_cur_bytes(struct mx_cur *c, size_t n);
/* Copy n bytes into out; on a short read out is zeroed. */
int mx_cur_copy(struct mx_cur *c, void *out, size_t n);
void mx_cur_skip(struct mx_cur *c, size_t n);

/* Open a block whose length is an 8/16/24-bit prefix; the sub-cursor
 * covers exactly the block and the parent moves past it. */
void mx_cur_sub8(struct mx_cur *c, struct mx_cur *sub);
void mx_cur_sub16(struct mx_cur *c, struct mx_cur *sub);
void mx_cur_sub24(struct mx_cur *c, struct mx_cur *sub);
/* Sub-cursor over the next n bytes. */
void mx_cur_subn(struct mx_cur *c, struct mx_cur *sub, size_t n);

/* Mark the data invalid (sticky). */
void mx_cur_invalid(struct mx_cur *c);
/* End of a block: fails with MX_CUR_TRAILING if bytes remain. Returns
 * nonzero when the block parsed cleanly and was fully consumed. */
int mx_cur_done(struct mx_cur *c);
/* Propagate a sub-cursor's error to its parent. */
void mx_cur_join(struct mx_cur *parent, const struct mx_cur *sub);

const char *mx_cur_strerror(enum mx_cur_err e);

#endif
