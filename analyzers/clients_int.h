/*
 * clients_int.h - what the prediction (clients_predict.c) lends the
 * advice (clients_advice.c): a profile as a working set of suites that
 * the advice may filter, and the prediction over such a set.  Internal
 * to analyzers/clients*.c; the public API is analyzers/clients.h.
 */
#ifndef MX_ANALYZERS_CLIENTS_INT_H
#define MX_ANALYZERS_CLIENTS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyzers/clients.h"

/* A profile as a working set: resolved suite ids (possibly filtered, for
 * advice), groups. */
struct mx_client_work {
	const struct mx_client_profile *p;
	uint16_t suites[128];
	size_t nsuites;
};

/* w = p's suites (the first 128), in the client's order. */
void mx_client_work_init(struct mx_client_work *w,
			 const struct mx_client_profile *p);
/* mx_client_predict() over the working set's suites (w->p's limits). */
void mx_client_predict_work(const struct mx_client_work *w,
			    const struct mx_enum *e,
			    struct mx_client_prediction *out);
/* The index into mx_enum.v of wire version v (SSLv3 .. TLS 1.3), or -1. */
int mx_client_version_index(uint16_t v);

#endif
