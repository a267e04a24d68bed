/*
 * commands.h - the subcommands, and what they share.
 */
#ifndef MX_SRC_COMMANDS_H
#define MX_SRC_COMMANDS_H

#include <stdio.h>

#include "model/result.h"
#include "src/options.h"

int cmd_check(struct mx_opts *o);
int cmd_certs(struct mx_opts *o);
int cmd_ciphers(struct mx_opts *o);
int cmd_send(struct mx_opts *o);
int cmd_policy(struct mx_opts *o);
int cmd_headers(struct mx_opts *o);
int cmd_relay(struct mx_opts *o);
int cmd_queue(struct mx_opts *o);
int cmd_pcap(struct mx_opts *o);
int cmd_scan(struct mx_opts *o);
int cmd_exporter(struct mx_opts *o); /* issue 12 */
int cmd_watch(struct mx_opts *o);    /* issue 10 */
int cmd_history(struct mx_opts *o);  /* issue 10 */

/* Shared by the probing subcommands (src/probe_common.c). */

/* Parse every positional argument into a target of a new run.  On a bad
 * target prints one line to stderr and returns NULL. */
struct mx_run *mx_cli_build_run(const struct mx_opts *o);
/* `ciphers`, `certs`: a bare name is the host to probe (port 25,
 * STARTTLS), not a domain whose MX records are looked up. */
void mx_cli_names_are_hosts(struct mx_run *run);
/* Resolve and probe every target (and, with the MX_PROBE_ENUM flags,
 * enumerate and run the clients step), all on one event loop made here,
 * with a progress line on a terminal; analyze.  SIGINT or SIGTERM cancel
 * the run: what was found is kept, the rest is marked incomplete,
 * run->interrupted is set and the exit status is 3.  Returns 0, 1 when
 * interrupted, or -1 after printing why the run could not start.
 * flags: MX_PROBE_TLS_ONLY ends each session once TLS is up;
 * MX_PROBE_ENUM enumerates every endpoint whose handshake was attempted
 * (`ciphers`, `check --deep`), MX_PROBE_ENUM_COMPLETED those where it
 * completed. */
#define MX_PROBE_TLS_ONLY 1u
#define MX_PROBE_ENUM 2u
#define MX_PROBE_ENUM_COMPLETED 4u
/* `check`: an endpoint whose handshake failed without an alert gets the
 * enumeration and clients step (bisection, tested advice) */
#define MX_PROBE_INTOLERANCE 8u
int mx_cli_run(struct mx_run *run, const struct mx_opts *o, unsigned flags);
/* mx_cli_run, with an interrupted run counted as success (0/-1). */
int mx_cli_probe(struct mx_run *run, const struct mx_opts *o, unsigned flags);
/* Open -o FILE (atomically: see mx_cli_close_output) or stdout; NULL
 * after printing why.  With --capture the file is opened before the run
 * (privileges are dropped once the capture is open) and written in
 * place, not renamed. */
FILE *mx_cli_open_output(const struct mx_opts *o);
/* Flush and close; -o FILE is renamed into place only now.  0, or -1
 * after printing why. */
int mx_cli_close_output(FILE *fp, const struct mx_opts *o);
/* A run that fails before its report: remove a half-made -o FILE. */
void mx_cli_abort_output(FILE *fp, const struct mx_opts *o);
/* --junit FILE: a second output opened before the run (like -o, and
 * before --capture drops privileges) into jo (a copy of o naming the
 * JUnit file); NULL without --junit or after printing why.  close writes
 * the JUnit report of run and closes (atomically, as -o); 0 or -1. */
FILE *mx_cli_open_junit(const struct mx_opts *o, struct mx_opts *jo);
int mx_cli_close_junit(FILE *jf, const struct mx_opts *jo,
		       const struct mx_run *run);
/* Colour on a terminal only, never with NO_COLOR or --no-color. */
int mx_cli_use_color(FILE *fp, const struct mx_opts *o);

/* --capture (src/capture_cli.c).  open: the device, --pcap-out, then
 * privileges dropped; 0, or -1 after printing why (exit 3).  endpoint:
 * called as the engine queues an endpoint, before its first connection:
 * its address joins the filter (the device opens on the first one when
 * the targets were names); -1 after printing why: cancel the run.
 * finish: after the loop - decode, correlate into run (run->capture,
 * ep->caps), write --pcap-out; -1 after printing why. */
struct mx_cli_capture;
struct event_base;
/* run may be NULL (no target known yet: send). */
int mx_cli_capture_open(const struct mx_opts *o, const struct mx_run *run,
			struct mx_cli_capture **out);
int mx_cli_capture_endpoint(struct mx_cli_capture *c,
			    const struct mx_endpoint *ep);
/* The same for one address and port (send's attempts). */
int mx_cli_capture_addr(struct mx_cli_capture *c, const char *addr,
			uint16_t port);
int mx_cli_capture_start(struct mx_cli_capture *c, struct event_base *base);
int mx_cli_capture_finish(struct mx_cli_capture *c, struct mx_run *run);
/* send: judge the attempts' wire (analyzers/capcorr.h) and print their
 * timelines and the capture line (the check reports do this themselves). */
void mx_cli_capture_report(FILE *out, int color, struct mx_run *run);
void mx_cli_capture_free(struct mx_cli_capture *c);
/* watch --capture: as open (the device now when an interface or an
 * address target is given, else routed to the first endpoint queued;
 * privileges dropped right after), then quiet: later errors are kept for
 * mx_cli_capture_error() instead of printed.  The capture stays open for
 * the whole watch.  finish_one, as each target's probe ends: decode the
 * frames of run's connections since from_us (wall clock, us) into run
 * (run->capture, ep->caps), then release every frame before
 * keep_from_us (the start of the oldest probe still in flight, or now). */
int mx_cli_capture_open_watch(const struct mx_opts *o, const struct mx_run *run,
			      size_t max_store, struct mx_cli_capture **out);
const char *mx_cli_capture_error(const struct mx_cli_capture *c);
int mx_cli_capture_finish_one(struct mx_cli_capture *c, struct mx_run *run,
			      int64_t from_us, int64_t keep_from_us);
struct mx_cli_capture_store {
	const char *iface; /* NULL: no capture */
	uint64_t frames_held, bytes_held, frames_released;
	uint64_t store_dropped, kernel_dropped;
};
void mx_cli_capture_store(const struct mx_cli_capture *c,
			  struct mx_cli_capture_store *out);

/* Sending (src/cmd_send.c), shared with check --send-test and relay. */
#define MX_PW_MAX 256
/* The AUTH password from --auth-password-file (refused when group or
 * others may read it) or --auth-password-env; 0, or -1 after printing
 * why.  The caller wipes pw. */
int mx_cli_read_password(const struct mx_opts *o, char *pw, size_t pwlen);
/* --tls-policy / --esa-policy (default may); 0 or -1 after printing. */
#include "model/policy.h"
int mx_cli_policy(const struct mx_opts *o, enum mx_tls_policy *out);
/* Poll a Maildir tree for a file holding token, at most timeout_ms;
 * 1 found (path set) or 0. */
int mx_cli_maildir_wait(const char *dir, const char *token, int timeout_ms,
			char *path, size_t pathlen);
/* Build, send, explain and report one test message; returns the send
 * exit status (doc/exit-status.md). */
int mx_cli_send(const struct mx_opts *o, const char *nexthop,
		const char *const *rcpts, size_t nrcpts, FILE *out, int json);

#endif
