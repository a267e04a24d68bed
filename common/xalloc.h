/*
 * xalloc.h - allocation that cannot return NULL.
 *
 * Out of memory is a broken invariant for a diagnostics tool: these abort
 * with the caller's function name instead of letting NULL spread.  Sizes
 * are checked for overflow (xcalloc, xreallocarray).
 */
#ifndef MX_COMMON_XALLOC_H
#define MX_COMMON_XALLOC_H

#include <stddef.h>

void *mx_xmalloc(size_t n, const char *fn);
void *mx_xcalloc(size_t nmemb, size_t size, const char *fn);
void *mx_xreallocarray(void *p, size_t nmemb, size_t size, const char *fn);
char *mx_xstrdup(const char *s, const char *fn);
char *mx_xstrndup(const char *s, size_t n, const char *fn);
char *mx_xasprintf(const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Abort naming the function: for broken invariants only. */
_Noreturn void mx_fatal(const char *fn, const char *what);

#define xmalloc(n) mx_xmalloc((n), __func__)
#define xcalloc(a, b) mx_xcalloc((a), (b), __func__)
#define xreallocarray(p, a, b) mx_xreallocarray((p), (a), (b), __func__)
#define xstrdup(s) mx_xstrdup((s), __func__)
#define xstrndup(s, n) mx_xstrndup((s), (n), __func__)
#define xasprintf(...) mx_xasprintf(__func__, __VA_ARGS__)

/* Grow an array of `*cap` elements so that index n fits. */
#define MX_GROW(arr, n, cap)                                                   \
	do {                                                                   \
		if ((n) >= (cap)) {                                            \
			size_t mx_ncap_ = (cap) ? (cap)*2 : 8;                 \
			(arr) = xreallocarray((arr), mx_ncap_,                 \
					      sizeof(*(arr)));                 \
			(cap) = mx_ncap_;                                      \
		}                                                              \
	} while (0)

#endif
