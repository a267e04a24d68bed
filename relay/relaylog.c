/*
 * relaylog.c - the relay's operational log lines; see relaylog.h.
 */
#include "relay/relaylog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/escape.h"

/* Printable ASCII only (a backslash is fine: it is how escaped text
 * already looks). */
static int printable(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f)
			return 0;
	}
	return 1;
}

void mx_rlog(const struct mx_rlog *l, enum mx_rlog_level level, const char *fmt,
	     ...)
{
	char line[MX_RLOG_MAX_LINE];
	va_list ap;

	if (l == NULL || l->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (printable(line)) {
		l->fn(l->arg, level, line);
	} else {
		/* Belt and braces: callers escape peer text already. */
		char *esc = mx_escape_str(line, MX_RLOG_MAX_LINE);

		l->fn(l->arg, level, esc);
		free(esc);
	}
}

const char *mx_rlog_level_name(enum mx_rlog_level level)
{
	switch (level) {
	case MX_RLOG_INFO:
		return "Info";
	case MX_RLOG_WARNING:
		return "Warning";
	case MX_RLOG_CRITICAL:
		return "Critical";
	case MX_RLOG_DEBUG:
		return "Debug";
	}
	return "Info";
}
