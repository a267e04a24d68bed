/*
 * xalloc.c - allocation wrappers that abort on failure; see xalloc.h.
 */
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void mx_fatal(const char *fn, const char *what)
{
	fputs("mxprobe: fatal: ", stderr);
	fputs(fn, stderr);
	fputs(": ", stderr);
	fputs(what, stderr);
	fputs("\n", stderr);
	abort();
}

void *mx_xmalloc(size_t n, const char *fn)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		mx_fatal(fn, "out of memory");
	return p;
}

void *mx_xcalloc(size_t nmemb, size_t size, const char *fn)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		mx_fatal(fn, "out of memory");
	return p;
}

void *mx_xreallocarray(void *p, size_t nmemb, size_t size, const char *fn)
{
	void *np;

	if (size && nmemb > SIZE_MAX / size)
		mx_fatal(fn, "size overflow");
	np = realloc(p, (nmemb * size) != 0 ? nmemb * size : 1);
	if (np == NULL)
		mx_fatal(fn, "out of memory");
	return np;
}

char *mx_xstrdup(const char *s, const char *fn)
{
	char *r = strdup(s ? s : "");
	if (r == NULL)
		mx_fatal(fn, "out of memory");
	return r;
}

char *mx_xstrndup(const char *s, size_t n, const char *fn)
{
	char *r = strndup(s ? s : "", n);
	if (r == NULL)
		mx_fatal(fn, "out of memory");
	return r;
}

char *mx_xasprintf(const char *fn, const char *fmt, ...)
{
	va_list ap;
	char *r = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&r, fmt, ap);
	va_end(ap);
	if (n < 0 || r == NULL)
		mx_fatal(fn, "out of memory");
	return r;
}
