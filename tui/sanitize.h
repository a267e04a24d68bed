/*
 * sanitize.h - the one fence every string passes before the dashboard
 * draws it (STYLE.md habit 6).
 *
 * The model already escapes peer text (common/escape.h); this is the
 * second fence, so that nothing - a banner carrying ESC[2J, a C1 CSI
 * (0x9b), a broken or overlong UTF-8 sequence - reaches the terminal
 * raw.  Rules:
 *   - printable ASCII 0x20..0x7e is kept; TAB becomes one space;
 *   - every other byte below 0x20, and 0x7f, becomes '?';
 *   - with utf8 set, a well-formed UTF-8 sequence (shortest form, not a
 *     surrogate, at most U+10FFFF) of a code point that is not a C1
 *     control (U+0080..U+009F) and that wcwidth() says is printable
 *     (width 1 or 2, in the current locale) is kept; anything else -
 *     a stray continuation byte, a truncated or overlong sequence, C1,
 *     a zero-width or unprintable code point - becomes one '?' per byte
 *     it consumed;
 *   - with utf8 0 (the locale is not UTF-8) every byte >= 0x80 is '?'.
 * Output never splits a kept sequence and never exceeds maxcols display
 * columns (0: no column limit) nor outlen - 1 bytes.
 *
 * Ownership: writes into the caller's buffer; no allocation, no state.
 */
#ifndef MX_TUI_SANITIZE_H
#define MX_TUI_SANITIZE_H

#include <stddef.h>

/* Sanitise s (NUL-terminated; NULL is drawn as "") into out (outlen > 0,
 * always NUL-terminated).  Returns the display columns written. */
size_t mx_tui_sanitize(const char *s, char *out, size_t outlen, size_t maxcols,
		       int utf8);

#endif
