/*
 * chain.h - render a chain as sent, for `mxprobe certs`.
 *
 * One block per certificate in the order the server sent it (subject,
 * issuer, serial, validity with days left, key, signature, SANs, CA flag,
 * SHA-256), then, when the chain was exported, the files written and which
 * are CA certificates; with show_pem, each certificate as PEM (what
 * `openssl s_client -showcerts` prints).  Reads the model only.
 */
#ifndef MX_REPORTS_CHAIN_H
#define MX_REPORTS_CHAIN_H

#include <stdio.h>
#include <time.h>

#include "model/result.h"
#include "reports/pem.h"

int mx_report_chain(FILE *out, const struct mx_endpoint *ep, time_t now,
		    const char *dir, const struct mx_export_result *exported,
		    int show_pem);

#endif
