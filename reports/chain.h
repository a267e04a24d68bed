/*
 * chain.h - render a chain as sent, for `mxprobe certs`, with its
 * judgement: text or JSON (doc/mxprobe-certs.schema.json).
 *
 * Text: the endpoint, one block per certificate in the order the server
 * sent it (subject, issuer, serial, validity with days left, key,
 * signature, SANs, CA flag, SHA-256), with show_pem each certificate as
 * PEM (what `openssl s_client -showcerts` prints), when the chain was
 * exported the files written and which are CA certificates, then the
 * chain's findings in the one finding layout and the closing status line.
 * JSON: the envelope (reports/jsonutil.h), the endpoint, the
 * verification, the certificates (with their DER as PEM), the export and
 * the findings.  Reads the model only; the judgement is the analyzers'
 * (mx_analyze_chain_verdict(), analyzers/analyze.h).
 */
#ifndef MX_REPORTS_CHAIN_H
#define MX_REPORTS_CHAIN_H

#include <stdio.h>
#include <time.h>

#include "model/result.h"
#include "reports/pem.h"
#include "reports/util.h"

/* doc/mxprobe-certs.schema.json */
#define MX_CERTS_SCHEMA_VERSION 1

struct mx_chain_report {
	const char *target; /* as written on the command line */
	const struct mx_endpoint *ep;
	time_t now;				 /* for "days left" */
	const char *dir;			 /* --export DIR, or NULL */
	const struct mx_export_result *exported; /* NULL: not exported */
	int show_pem;
	const struct mx_finding *const *findings; /* the chain's, borrowed */
	size_t nfindings;
	struct mx_rep_meta meta;
};

int mx_report_chain(FILE *out, const struct mx_chain_report *r);
int mx_report_chain_json(FILE *out, const struct mx_chain_report *r);

#endif
