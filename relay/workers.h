/*
 * workers.h - the relay's delivery workers: pick due messages from the
 * spool, route them through a per-destination table, deliver them with
 * the sender (relay/sender.h), and retry, bounce or finish them.
 *
 * Purpose: the delivery half of relay mode.  A message stays in the spool
 * (relay/spool.h) until a delivery ended: delivered -> mx_spool_done();
 * temporary failure -> mx_spool_update() (attempts + 1, next attempt after
 * the retry schedule, last error); permanent failure, or a temporary one
 * past the queue lifetime -> mx_spool_bounce() into dead/ with the reason.
 * A crash between "delivered" and mx_spool_done() delivers the message
 * again after the restart: at-least-once, never at-most-once.
 *
 * Destinations: relay/dest.h (the table format, `--destinations FILE`).
 *
 * A message whose recipients route to different destinations is split
 * into one spool entry per destination (each put is durable before the
 * original is removed; a crash in between delivers twice, not never).
 * Concurrency: at most max_deliveries at once, at most the row's
 * max-conc to one destination (next hop + row).
 *
 * Retry schedule (relay/retry.h): after the k-th failed attempt the next
 * one is retry[min(k, n) - 1] seconds later ("60,300,900,3600" = 1m, 5m,
 * 15m, then hourly); a temporary failure of a message older than max_lifetime
 * bounces it ("expired").  Messages found in the spool at start (recovery)
 * keep their attempt count and next attempt.
 *
 * Log lines (relay/relaylog.h), e.g.:
 *   New SMTP DCID 4 interface 127.0.0.1 address 127.0.0.37 port 465
 *   DCID 4 TLS success protocol TLSv1.3 cipher TLS_AES_256_GCM_SHA384
 *   DCID 4 TLS failed: verify failed: unable to get local issuer ...
 *   Delivery start DCID 4 MID <id> to RID [0, 1]
 *   Message done DCID 4 MID <id> to RID [0, 1] [250 2.0.0 Ok: queued as X]
 *   Delayed: DCID 4 MID <id> to RID [0] - 451 4.3.0 ... - next attempt in
 *       300s (attempt 2)
 *   Bounced: DCID 4 MID <id> to RID [0] - 535 5.7.8 ... (moved to dead/)
 *   DCID 4 close
 * Secrets never appear: the password is passed to the sender only.
 *
 * Files: workers.c (the queue index and the scheduling), workers_route.c
 * (routing and the split by destination), delivery.c (one delivery and
 * its outcome), delivery_log.c (the DCID log lines); their shared state
 * is in workers_int.h.
 *
 * Ownership: mx_workers_new/mx_workers_free; the spool, the table, the
 * DNS handle and every params string (the password too) are borrowed and
 * must outlive the workers.  A loaded table is freed with
 * mx_dest_table_free().  Callbacks come from the event loop.
 */
#ifndef MX_RELAY_WORKERS_H
#define MX_RELAY_WORKERS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/log.h"
#include "model/policy.h"
#include "probe/tls.h"
#include "relay/dest.h"
#include "relay/relaylog.h"
#include "relay/retry.h"
#include "relay/spool.h"

struct event_base;
struct mx_dns;
struct mx_workers;

/* ---- the workers -------------------------------------------------------- */

struct mx_workers_params {
	struct mx_spool *spool;		   /* required */
	const struct mx_dest_table *dests; /* NULL: none */
	const char *smarthost;		   /* default next hop; NULL: "mx" */
	enum mx_tls_policy policy;	   /* default level */
	const unsigned *retry;		   /* NULL: 60,300,900,1800,3600 */
	size_t nretry;
	unsigned max_lifetime_s; /* 0: 5 days */
	size_t max_deliveries;	 /* at once; 0: 10 */
	/* for the sender (relay/sender.h) */
	mx_policy_judge_fn judge; /* required unless every level is none */
	/* tls=fingerprint where the destination row gives no fp= */
	const char *const *fingerprints;
	size_t nfingerprints;
	const char *ca_file;
	const char *ca_path;
	const struct mx_tls_backend *tls; /* NULL: OpenSSL */
	const char *auth_user;		  /* NULL: no AUTH anywhere */
	const char *auth_password;	  /* borrowed */
	int allow_plaintext_auth;
	const char *helo;
	int step_timeout_ms; /* 0: the sender's default */
	int data_timeout_ms;
	struct mx_dns *dns; /* for names and dane */
	const struct mx_log *devlog;
	struct mx_rlog log;
};

struct mx_workers_stats {
	uint64_t attempts;  /* deliveries started */
	uint64_t delivered; /* messages (or split parts) done */
	uint64_t deferred;
	uint64_t bounced;
	uint64_t split;	  /* messages split by destination */
	uint64_t corrupt; /* spool files moved to corrupt/ */
};

/* NULL with a reason in err (bad schedule, no judge, ...). */
struct mx_workers *mx_workers_new(struct event_base *base,
				  const struct mx_workers_params *p, char *err,
				  size_t errlen);
/* Recovery: index every message in queue/ and schedule them.  Returns
 * the number found, or -1 with err. */
long mx_workers_start(struct mx_workers *w, char *err, size_t errlen);
/* A new message in the spool (the listener's `queued` callback). */
void mx_workers_add(struct mx_workers *w, const char *id,
		    const struct mx_envelope *env);
/* Start no more deliveries; those in flight get grace_ms to finish, then
 * are cancelled (their messages stay queued, the attempt not counted).
 * `drained` is called from the loop when none is left. */
void mx_workers_shutdown(struct mx_workers *w, int grace_ms,
			 void (*drained)(void *arg), void *arg);
size_t mx_workers_queued(const struct mx_workers *w); /* in queue/ */
size_t mx_workers_active(const struct mx_workers *w); /* in flight */
const struct mx_workers_stats *mx_workers_stats(const struct mx_workers *w);
void mx_workers_free(struct mx_workers *w);

#endif
