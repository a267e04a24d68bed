/*
 * log.h - the developer log (stderr), with trace switches.
 *
 * This is not the product's output: transcripts and findings are data in
 * the model.  A struct mx_log is created by src/ and passed by pointer to
 * every engine that wants to log; a NULL log discards everything, so
 * library code and tests never need a logger.
 *
 * Trace facilities are bits (--trace=smtp,tls,dns,pcap,sched).  Peer text
 * must be escaped before it is logged (common/escape.h).
 */
#ifndef MX_COMMON_LOG_H
#define MX_COMMON_LOG_H

#include <stdio.h>

enum mx_trace {
	MX_TRACE_SMTP = 1u << 0,
	MX_TRACE_TLS = 1u << 1,
	MX_TRACE_DNS = 1u << 2,
	MX_TRACE_PCAP = 1u << 3,
	MX_TRACE_SCHED = 1u << 4,
	MX_TRACE_RELAY = 1u << 5,
	MX_TRACE_ALL = 0xffffu,
};

enum mx_log_level { MX_LOG_ERROR = 0, MX_LOG_WARN, MX_LOG_INFO, MX_LOG_DEBUG };

struct mx_log {
	FILE *fp;	/* usually stderr; NULL discards */
	int level;	/* messages above this level are dropped */
	unsigned trace; /* enum mx_trace bits */
};

void mx_log_init(struct mx_log *log, FILE *fp, int level, unsigned trace);
/* printf into a caller's error buffer (err may be NULL with errlen 0):
 * the "char *err, size_t errlen" convention of every *_new that can
 * fail. */
void mx_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Parse "smtp,tls,..." or "all" into bits; returns -1 on an unknown name. */
int mx_log_parse_trace(const char *spec, unsigned *bits);

void mx_log_msg(const struct mx_log *log, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mx_log_trace(const struct mx_log *log, unsigned facility, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

#endif
