/*
 * test_analyzers_fixtures.h - hand-built facts for the analyzer and
 * renderer tests.
 *
 * Analyzers are pure functions of facts, so their tests build the facts
 * the probe would record - realistic ones, modelled on the lab servers
 * (mx1.lab.test with a leaf and an intermediate, Postfix-like EHLO
 * keywords, a STARTTLS transcript) - and mutate them per case.
 *
 * Everything is allocated into the model (struct mx_run owns it);
 * mx_run_free() releases it.  FIX_NOW is the fixed "now" of every test.
 */
#ifndef MX_TEST_ANALYZERS_FIXTURES_H
#define MX_TEST_ANALYZERS_FIXTURES_H

#include <time.h>

#include "model/result.h"

#define FIX_NOW ((time_t)1740830400) /* 2025-03-01T12:00:00Z */
#define FIX_DAY ((time_t)86400)

/* A complete, healthy STARTTLS endpoint of host/addr (port 25, TLSv1.3,
 * X25519, leaf for `host` + intermediate, verified).  `pref` is the MX
 * preference or -1.  Returns the endpoint (valid until the next add). */
struct mx_endpoint *fix_good_endpoint(struct mx_target *t, const char *host,
				      const char *addr, int pref);

/* An MX host record covering the endpoints [first, first + n). */
struct mx_host *fix_host(struct mx_target *t, const char *name, int pref,
			 size_t first, size_t n);

/* A domain target "name" with MX lookup OK. */
struct mx_target *fix_domain(struct mx_run *run, const char *name);

/* Reset the TLS part of an endpoint to "not attempted" and all steps
 * from `from` on (connect=0 .. quit=6) to NOT_RUN. */
void fix_cut_after(struct mx_endpoint *ep, int from);

/* Replace a certificate's string field (frees the old one). */
void fix_set(char **field, const char *value);

/* Add a cert to the endpoint's chain. */
struct mx_cert *fix_add_cert(struct mx_endpoint *ep, const char *cn,
			     const char *issuer_cn, int is_ca, time_t nb,
			     time_t na);

/* Append a transcript line. */
void fix_tx(struct mx_endpoint *ep, enum mx_tx_dir dir, long long ms,
	    const char *text);

#endif
