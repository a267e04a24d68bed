/*
 * log.c - developer log; see log.h.
 */
#include "common/log.h"

#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const struct {
	const char *name;
	unsigned bit;
} trace_names[] = {
	{"smtp", MX_TRACE_SMTP},   {"tls", MX_TRACE_TLS},
	{"dns", MX_TRACE_DNS},	   {"pcap", MX_TRACE_PCAP},
	{"sched", MX_TRACE_SCHED}, {"relay", MX_TRACE_RELAY},
	{"all", MX_TRACE_ALL},
};

void mx_log_init(struct mx_log *log, FILE *fp, int level, unsigned trace)
{
	log->fp = fp;
	log->level = level;
	log->trace = trace;
}

int mx_log_parse_trace(const char *spec, unsigned *bits)
{
	const char *p = spec;

	*bits = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i;
		int found = 0;

		for (i = 0; i < sizeof(trace_names) / sizeof(trace_names[0]);
		     i++) {
			if (strlen(trace_names[i].name) == n &&
			    strncmp(trace_names[i].name, p, n) == 0) {
				*bits |= trace_names[i].bit;
				found = 1;
			}
		}
		if (!found && n > 0)
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void vlog(const struct mx_log *log, const char *tag, const char *fmt,
		 va_list ap)
{
	fputs("mxprobe: ", log->fp);
	fputs(tag, log->fp);
	vfprintf(log->fp, fmt, ap);
	fputc('\n', log->fp);
}

void mx_log_msg(const struct mx_log *log, int level, const char *fmt, ...)
{
	static const char *const tags[] = {"error: ", "warning: ", "",
					   "debug: "};
	va_list ap;

	if (log == NULL || log->fp == NULL || level > log->level)
		return;
	va_start(ap, fmt);
	vlog(log, tags[level < 0 ? 0 : level > 3 ? 3 : level], fmt, ap);
	va_end(ap);
}

void mx_log_trace(const struct mx_log *log, unsigned facility, const char *fmt,
		  ...)
{
	struct timeval tv;
	struct tm tm;
	char tag[40];
	va_list ap;

	if (log == NULL || log->fp == NULL || !(log->trace & facility))
		return;
	/* Wall-clock time of day to the millisecond, as tcpdump prints it:
	 * lines from separate steps (and a capture) line up. */
	gettimeofday(&tv, NULL);
	if (localtime_r(&tv.tv_sec, &tm) != NULL)
		snprintf(tag, sizeof(tag), "trace: %02d:%02d:%02d.%03ld ",
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long)(tv.tv_usec / 1000));
	else
		snprintf(tag, sizeof(tag), "trace: ");
	va_start(ap, fmt);
	vlog(log, tag, fmt, ap);
	va_end(ap);
}

void mx_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
