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
 * Destinations (like the Destination Controls and SMTP Routes of a mail
 * appliance), from `--destinations FILE`, one row per line:
 *
 *     # comment
 *     DOMAIN [via=NEXTHOP] [tls=LEVEL] [max-conc=N] [auth=yes|no] [fp=HEX]...
 *
 *   DOMAIN    "lab.test" (that domain only), ".lab.test" (its subdomains,
 *             not itself), or "default" (everything else).  ASCII
 *             (A-labels), case-insensitive; each at most once.
 *   via=      the next hop: "mx" (the MX records of the recipient's
 *             domain), or a target (probe/target.h): "smtps://smtp.lab.test",
 *             "submission://host:2587", "smtp://[::1]:25", "host:2525",
 *             a domain.  No user information ("user:pw@"): credentials
 *             never live in files the relay writes or reads as config.
 *             Default: the default row's next hop, else --smarthost, else
 *             "mx".
 *   tls=      none|may|encrypt|verify|secure|dane|dane-only|fingerprint
 *             (model/policy.h; Postfix's meaning).  Default: --tls-policy.
 *   max-conc= deliveries at once to this destination (1..100, default
 *             10).
 *   auth=     send the AUTH credentials (--auth-user ...) to this next hop.
 *             Default: yes when the next hop is the smarthost, else no:
 *             credentials go only where they are meant to.
 *   fp=       a SHA-256 certificate or public-key fingerprint (64 hex
 *             digits, colons allowed) for tls=fingerprint; up to 8.
 *
 *   The most specific row wins: "sub.lab.test" over ".lab.test" over
 *   "default" over the command line.  Limits: file 1 MiB, line 1024
 *   octets, 1000 rows; a line with a control character, an unknown key,
 *   a repeated key or domain, or a bad value is an error naming the line.
 *
 * A message whose recipients route to different destinations is split
 * into one spool entry per destination (each put is durable before the
 * original is removed; a crash in between delivers twice, not never).
 * Concurrency: at most max_deliveries at once, at most the row's
 * max-conc to one destination (next hop + row).
 *
 * Retry schedule: after the k-th failed attempt the next one is
 * retry[min(k, n) - 1] seconds later ("60,300,900,3600" = 1m, 5m, 15m,
 * then hourly); a temporary failure of a message older than max_lifetime
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
#include "relay/relaylog.h"
#include "relay/spool.h"

struct event_base;
struct mx_dns;
struct mx_workers;

#define MX_DEST_MAX_FILE (1024u * 1024u)
#define MX_DEST_MAX_LINE 1024
#define MX_DEST_MAX_ROWS 1000
#define MX_DEST_MAX_FP 8
#define MX_DEST_MAX_CONC 100
#define MX_DEST_DEFAULT_CONC 10
#define MX_RETRY_MAX 32
#define MX_RETRY_MAX_DELAY (7u * 24u * 3600u)

/* ---- the destination table --------------------------------------------- */

enum mx_dest_kind {
	MX_DEST_DOMAIN = 0, /* "lab.test" */
	MX_DEST_SUBDOMAINS, /* ".lab.test" */
	MX_DEST_DEFAULT,    /* "default" */
};

struct mx_dest {
	enum mx_dest_kind kind;
	char *domain;	/* lower case, without the leading dot; "" default */
	char *via;	/* target spec, "mx", or NULL (inherit) */
	int has_policy; /* tls= given */
	enum mx_tls_policy policy;
	char *fp[MX_DEST_MAX_FP];
	size_t nfp;
	unsigned max_conc; /* 0: not given */
	int auth;	   /* -1 not given, 0 no, 1 yes */
	unsigned line;
};

struct mx_dest_table {
	struct mx_dest *v;
	size_t n, cap;
};

/* Parse a table from bytes (see the format above).  Returns 0, or -1
 * with "line N: why" in err; *t is then empty. */
int mx_dest_parse(const uint8_t *p, size_t len, struct mx_dest_table *t,
		  char *err, size_t errlen);
/* Read FILE (at most MX_DEST_MAX_FILE octets) and parse it. */
int mx_dest_load(const char *path, struct mx_dest_table *t, char *err,
		 size_t errlen);
void mx_dest_table_free(struct mx_dest_table *t);

/* The route of one recipient domain. */
struct mx_route {
	const struct mx_dest *row; /* NULL: the command-line default */
	const char *nexthop;	   /* target spec for the sender: the via, or
				    * the recipient domain for "mx" */
	enum mx_tls_policy policy;
	int auth;
	unsigned max_conc;
};

/* Route `domain` (lower or mixed case) through table t (may be NULL) and
 * the command-line defaults.  nexthop may point into domain. */
void mx_route_for(const struct mx_dest_table *t, const char *smarthost,
		  enum mx_tls_policy policy, int have_auth, const char *domain,
		  struct mx_route *out);

/* ---- retry schedule and durations -------------------------------------- */

/* "60,300,900,3600" or "1m,5m,15m,1h" (s, m, h, d suffixes), 1..32
 * entries, each 1 s .. 7 d.  Returns 0, or -1 with why in err. */
int mx_retry_parse(const char *s, unsigned *out, size_t max, size_t *n,
		   char *err, size_t errlen);
/* One duration: "3600", "90s", "15m", "2h", "5d"; 1 s .. 365 d. */
int mx_duration_parse(const char *s, unsigned *out);
/* Seconds to wait after the attempts-th failed attempt (attempts >= 1). */
unsigned mx_retry_delay(const unsigned *sched, size_t n, uint32_t attempts);

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
