/*
 * analyze.h - the judgement: facts of a struct mx_run in, findings,
 * column verdicts, confidence and exit status out.
 *
 * Analyzers are pure functions of the facts the probe recorded: no I/O,
 * no printing, no clock reads (`now` is a parameter), no allocation that
 * outlives the model.  They write only the judgement fields of the model
 * (mx_endpoint.col and .findings, mx_target.findings, .confidence,
 * .worst, mx_run.exit_status) and clear them first, so analysing a run
 * twice gives the same result.
 *
 * Entry point: mx_analyze_run().  The pieces are public for tests and for
 * callers that judge a single endpoint (the dashboard):
 *   mx_analyze_endpoint()   SMTP, TLS, key exchange, chain, host name
 *   mx_analyze_target()     DNS, endpoints, worst severity, confidence
 *   mx_endpoint_score()     per-endpoint confidence score (doc/confidence.md)
 *   mx_target_confidence()  preference-weighted domain confidence
 *   mx_severity_rank()      precedence used for "worst" and exit status
 *                           (model/severity.h, included here)
 *
 * Thresholds live in struct mx_analyze_params; mx_analyze_params_init()
 * sets the documented defaults.
 */
#ifndef MX_ANALYZERS_ANALYZE_H
#define MX_ANALYZERS_ANALYZE_H

#include <stdint.h>
#include <time.h>

#include "model/result.h"
#include "model/severity.h"

struct mx_analyze_params {
	time_t now;		/* wall clock for certificate validity */
	int expiring_soon_days; /* cert.expiring_soon below this (14) */
	/* cert.expiring_soon is critical below this; 0: never (check -c) */
	int expiring_crit_days;
	int64_t greeting_slow_ms; /* smtp.greeting_slow above this (5000) */
	int dh_crit_bits;	  /* DH below this: critical (1024) */
	int dh_min_bits;	  /* DH below this: warning (2048) */
	int ec_min_bits;	  /* EC below this: warning (224) */
};

/* Fill the defaults above with the given `now`. */
void mx_analyze_params_init(struct mx_analyze_params *p, time_t now);

/* `mxprobe certs`: the judgement of the chain alone.  The chain's
 * findings that mx_analyze_endpoint() made for ep (cert.*, and local.*:
 * a trust store that could not be used), at most max of them as borrowed
 * pointers in v (*n set), in the endpoint's order; returns the exit
 * status they give as `check` would (0 when there are none). */
enum mx_exit mx_analyze_chain_verdict(const struct mx_endpoint *ep,
				      const struct mx_finding **v, size_t max,
				      size_t *n);

/* Judge the whole run (every target, every endpoint) and set
 * run->exit_status. */
void mx_analyze_run(struct mx_run *run, const struct mx_analyze_params *p);

/* Judge one endpoint: clears and sets ep->col[] and ep->findings. */
void mx_analyze_endpoint(struct mx_endpoint *ep,
			 const struct mx_analyze_params *p);

/* Judge one target and all its endpoints: target findings, worst,
 * confidence. */
void mx_analyze_target(struct mx_target *t, const struct mx_analyze_params *p);

/* Confidence score of one endpoint from its column verdicts, 0..100
 * (may end in .5).  See doc/confidence.md. */
double mx_endpoint_score(const struct mx_endpoint *ep);

/* Confidence of a target, 0..100, or -1 when no endpoint was attempted
 * (nothing could be tested).  Uses the column verdicts already set. */
int mx_target_confidence(const struct mx_target *t);

/* Exit status for a worst severity. */
enum mx_exit mx_exit_for_severity(enum mx_severity s);

/* The "where" text of an endpoint: "mx1.lab.test [127.0.0.31]:25", or
 * "[127.0.0.31]:25" when the host is the address; malloc'ed. */
char *mx_endpoint_where(const struct mx_endpoint *ep);

#endif
