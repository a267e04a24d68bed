/*
 * sched.h - run a probe plan: resolve every target, then probe every
 * endpoint on one event loop, concurrently under connection caps.
 *
 * This is the engine behind `check` and `certs`.  For each target it
 * resolves hosts and endpoints (probe/dns.h), then runs one SMTP client
 * (probe/smtp_client.h) per endpoint: connect, greeting, EHLO, STARTTLS
 * or implicit TLS, EHLO again, QUIT.  At most `per_host` connections run
 * at once to one address and `global` in all (MX servers rate-limit and
 * tarpit clients that connect too often).  Each endpoint's probe is
 * bounded by its step timeouts and by `endpoint_deadline_ms`.
 *
 * Facts land in the run's model; nothing is judged here.
 *
 * Ownership: borrows everything; the run is filled in place.
 */
#ifndef MX_PROBE_SCHED_H
#define MX_PROBE_SCHED_H

#include <stddef.h>

#include "common/log.h"
#include "model/result.h"
#include "probe/dns.h"
#include "probe/tls.h"

struct event_base;

struct mx_sched_params {
	const char *resolver; /* NULL: /etc/resolv.conf */
	const char *trust_anchor;
	const char *helo;
	int step_timeout_ms;	  /* each SMTP/TLS step */
	int endpoint_deadline_ms; /* whole endpoint probe */
	int dns_timeout_ms;
	int per_host; /* 0: 2 */
	int global;   /* 0: 16 */
	const struct mx_tls_backend *tls;
	struct mx_tls_params tls_params; /* ca_file, ca_path, ...; sni is
					  * set per endpoint */
	const struct mx_log *log;
	/* 1: end each session once TLS is up - no greeting wait after
	 * implicit TLS, no EHLO after STARTTLS (`ciphers`, which reports
	 * TLS facts only). */
	int handshake_only;
};

/* Resolve and probe every target of the run.  Returns 0, or -1 with a
 * message in err when the engine itself could not start (DNS context,
 * event loop); per-target failures are facts in the model. */
int mx_probe_run(struct event_base *base, struct mx_run *run,
		 const struct mx_sched_params *p, char *err, size_t errlen);

#endif
