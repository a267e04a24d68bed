/*
 * relay.h - the relay engine: the SMTP listener (relay/listener.h) and the
 * delivery workers (relay/workers.h) around one durable spool
 * (relay/spool.h), on one event_base.
 *
 * Start: the spool is opened (which takes its lock and recovers: tmp/ is
 * emptied - nothing there was acknowledged - and bad names are moved to
 * corrupt/), the workers index every message in queue/ (attempt counts
 * and next attempts as stored), then the listener starts accepting.  A
 * message the relay acknowledged with "250" before a crash is therefore
 * delivered after the restart.
 *
 * Stop (SIGTERM or SIGINT when `signals` is set, or mx_relay_stop()):
 * graceful - the listener stops accepting and ends its sessions with 421
 * (a message in the middle of DATA is not acknowledged), deliveries in
 * flight get drain_ms to finish and are then cancelled (their messages
 * stay queued), and params.stopped(arg, 0) is called from the loop.  A
 * second signal stops at once: stopped(arg, 1).  The caller owns the
 * loop (it runs it and ends it in `stopped`); the relay never stops it.  Nothing is lost either way: the spool is the truth.
 *
 * Log: startup, recovery, shutdown lines and everything the listener and
 * workers log go to params.log (relay/relaylog.h).
 *
 * Ownership: mx_relay_new/mx_relay_free.  The event base, the params and
 * everything they point to are borrowed (the listener's and workers'
 * params are copied; their spool, log and queued fields are set here).
 */
#ifndef MX_RELAY_RELAY_H
#define MX_RELAY_RELAY_H

#include <stddef.h>

#include "relay/listener.h"
#include "relay/relaylog.h"
#include "relay/spool.h"
#include "relay/workers.h"

struct event_base;
struct mx_relay;

struct mx_relay_params {
	const char *spool_dir;
	mx_random_fn random; /* spool IDs; required */
	void *random_ctx;
	struct mx_listener_params listen; /* spool/log/queued set here */
	struct mx_workers_params work;	  /* spool/log set here */
	struct mx_rlog log;
	int drain_ms; /* 0: 10000 */
	int signals;  /* handle SIGTERM and SIGINT */
	/* The relay has stopped: forced 0 after a graceful stop (drained),
	 * 1 after a second signal (stop at once; the queue is kept). */
	void (*stopped)(void *arg, int forced);
	void *stopped_arg;
};

/* Open the spool, start the workers and the listener.  NULL with the
 * reason in err (spool busy or unwritable, bind failed, ...). */
struct mx_relay *mx_relay_new(struct event_base *base,
			      const struct mx_relay_params *p, char *err,
			      size_t errlen);
/* Begin a graceful stop (from the loop or a callback). */
void mx_relay_stop(struct mx_relay *r);
struct mx_listener *mx_relay_listener(struct mx_relay *r);
struct mx_workers *mx_relay_workers(struct mx_relay *r);
struct mx_spool *mx_relay_spool(struct mx_relay *r);
void mx_relay_free(struct mx_relay *r);

#endif
