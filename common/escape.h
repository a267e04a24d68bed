/*
 * escape.h - make untrusted text safe to show.
 *
 * Peer-supplied text (banners, replies, certificate fields, hello bytes)
 * is escaped before it enters the result model, so every renderer -
 * terminal, dashboard, log, JSON - shows only printable ASCII.  Printable
 * ASCII 0x20..0x7e is kept, except backslash, which doubles; tab, CR and
 * LF become \t \r \n; every other byte becomes \xNN.  An ESC[2J in a
 * banner therefore prints as \x1b[2J and clears nobody's screen.
 *
 * Output is capped at `max` bytes of escaped text (0: no cap); a capped
 * result ends in "..." so truncation is visible.
 *
 * Ownership: mx_escape() returns a malloc'ed NUL-terminated string the
 * caller frees.
 */
#ifndef MX_COMMON_ESCAPE_H
#define MX_COMMON_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

char *mx_escape(const void *p, size_t len, size_t max);
char *mx_escape_str(const char *s, size_t max);
/* Append the escaped form to b. */
void mx_escape_buf(struct mx_buf *b, const void *p, size_t len, size_t max);
/* Nonzero if s is made only of bytes mx_escape keeps as they are. */
int mx_is_clean(const char *s);

#endif
