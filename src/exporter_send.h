/*
 * exporter_send.h - `mxprobe exporter`'s module=send: one test message
 * through the scrape's target, on the exporter's event loop (the relay
 * sender, relay/sender.h), rendered as metrics (reports/metrics.h).
 *
 * Safety: the envelope (--from, --to), the AUTH credentials and the TLS
 * policy come from the exporter's own options, read once at start
 * (mx_xsend_cfg_new); a scrape names only the next hop (its target), so
 * nobody who reaches the exporter can make it mail anyone else.  The
 * password lives in one buffer of the config, wiped when it is freed,
 * lent to each sender, never logged nor rendered.
 *
 * Ownership: cfg_new/cfg_free; start/free.  A probe borrows its config,
 * loop and DNS context, which must outlive it.  `done` is called once,
 * from the loop (never inside mx_xsend_start); the caller frees the
 * probe after it (not inside it).
 */
#ifndef MX_SRC_EXPORTER_SEND_H
#define MX_SRC_EXPORTER_SEND_H

#include <stddef.h>
#include <stdio.h>

#include "common/log.h"
#include "src/options.h"

struct event_base;
struct mx_dns;
struct mx_xsend_cfg;
struct mx_xsend;

/* The module's config from the exporter's options.  0 with *out NULL
 * when no --to was given (module=send is then refused), 0 with *out
 * set, or -1 after printing why (exit 3). */
int mx_xsend_cfg_new(const struct mx_opts *o, const struct mx_log *log,
		     struct mx_xsend_cfg **out);
void mx_xsend_cfg_free(struct mx_xsend_cfg *c);

/* Deliver one message to target within budget_ms (the Maildir wait
 * included).  NULL with a one-line reason in err (a bad target: 400). */
struct mx_xsend *mx_xsend_start(const struct mx_xsend_cfg *c,
				struct event_base *base, struct mx_dns *dns,
				const char *target, int budget_ms,
				void (*done)(void *arg), void *arg, char *err,
				size_t errlen);
/* Stop now: the delivery ends (as a temporary failure) or the Maildir
 * wait stops; done follows if it has not been called. */
void mx_xsend_cancel(struct mx_xsend *s);
/* After done: the metrics of the scrape; 0, or -1 on a write error. */
int mx_xsend_metrics(struct mx_xsend *s, FILE *out, double duration_s);
void mx_xsend_free(struct mx_xsend *s);

#endif
