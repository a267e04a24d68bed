/*
 * cfgtok.c - small tokens of the relay's configuration; see cfgtok.h.
 */
#include "relay/cfgtok.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/escape.h"

int mx_cfg_uint(const char *s, size_t n, unsigned lo, unsigned hi,
		unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 6)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

void mx_cfg_show(char *out, size_t outlen, const char *s, size_t n)
{
	char *e = mx_escape(s, n, MX_CFG_SHOW_MAX);

	snprintf(out, outlen, "%s", e);
	free(e);
}
