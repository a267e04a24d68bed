/*
 * relaylog.h - the relay's operational log: one line per event, in the
 * shape administrators know from mail appliances (Cisco ESA mail_logs):
 *
 *   New SMTP ICID 3 interface 127.0.0.1 address 127.0.0.1 port 40112
 *   ICID 3 ACCEPT
 *   MID <spool id> ICID 3 From: <a@lab.test>
 *   MID <spool id> ICID 3 RID 0 To: <b@lab.test>
 *   MID <spool id> ready 1234 bytes from <a@lab.test>
 *   MID <spool id> queued for delivery
 *   New SMTP DCID 7 interface 127.0.0.1 address 127.0.0.37 port 465
 *   DCID 7 TLS success protocol TLSv1.3 cipher TLS_AES_256_GCM_SHA384
 *   Delivery start DCID 7 MID <spool id> to RID [0]
 *   Message done DCID 7 MID <spool id> to RID [0]
 *
 * A MID here is the spool ID (relay/spool.h), so it stays the same across
 * restarts and names the file in the spool; ICIDs (incoming connections)
 * and DCIDs (delivery connections) count from 1 per process.
 *
 * The relay layer never prints: every line goes to a sink the caller
 * provides (src/cmd_relay.c writes it with a timestamp to --log FILE
 * and/or stderr; tests collect it).  Lines are single-line printable
 * ASCII: callers escape peer text (common/escape.h) and never pass
 * credentials; mx_rlog() additionally escapes anything that is not
 * printable ASCII, so a line can never break the log format.
 *
 * Ownership: struct mx_rlog is a value (sink + arg); the sink's arg is
 * borrowed.  A NULL sink discards.
 */
#ifndef MX_RELAY_RELAYLOG_H
#define MX_RELAY_RELAYLOG_H

enum mx_rlog_level {
	MX_RLOG_INFO = 0,
	MX_RLOG_WARNING,
	MX_RLOG_CRITICAL,
	MX_RLOG_DEBUG,
};

typedef void (*mx_rlog_fn)(void *arg, enum mx_rlog_level level,
			   const char *line);

struct mx_rlog {
	mx_rlog_fn fn;
	void *arg;
};

#define MX_RLOG_MAX_LINE 1024

/* Format one line (capped at MX_RLOG_MAX_LINE, escaped) and hand it to
 * the sink. */
void mx_rlog(const struct mx_rlog *l, enum mx_rlog_level level, const char *fmt,
	     ...) __attribute__((format(printf, 3, 4)));
/* "Info", "Warning", "Critical", "Debug". */
const char *mx_rlog_level_name(enum mx_rlog_level level);

#endif
