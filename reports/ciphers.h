/*
 * ciphers.h - the cipher enumeration of endpoints as text (`mxprobe
 * ciphers`, and appended to `check --deep`), and as a JSON object (the
 * "enumeration" of an endpoint in reports/json.c).
 *
 * Text, per enumerated endpoint:
 *   mx1.lab.test [127.0.0.31]:25 starttls - 27 connections, 1.2 s
 *   TLSv1.2  accepted, server order (its choices did not follow ours),
 *            13 connections + 5 for groups
 *     #  suite (IANA)                      OpenSSL name     key exchange
 *     1  TLS_ECDHE_RSA_WITH_AES_256_GCM..  ECDHE-RSA-AES..  ECDH x25519 ...
 *     3  TLS_DHE_RSA_WITH_AES_256_GCM_..   DHE-RSA-AES25..  DH 1024 (RFC
 *        2409 group 2)  256  RSA 2048  insecure: DH 1024
 *   TLSv1.1  refused: fatal alert 70 (protocol_version)
 *   Groups, certificate keys, hello split, incomplete (with the reason);
 * then the clients, tested advice and intolerance (reports/clients.h).
 * Versions go from TLS 1.3 down; suites in the server's order when it
 * has one (rank "1", "2" ...), else in the order found ("-").
 * mx_report_ciphers() renders a run: per target the endpoints above, the
 * findings sorted by severity with evidence and fix, and the status line.
 *
 * Renderers render: grades and findings come from the analyzers.  Model
 * strings are escaped already; output passes printable ASCII only; ANSI
 * colour only with opts.color.
 *
 * Ownership: mx_json_enumeration() returns a new jansson reference (NULL
 * only when jansson is out of memory).  Returns of the text functions:
 * 0, or -1 when writing failed.
 */
#ifndef MX_REPORTS_CIPHERS_H
#define MX_REPORTS_CIPHERS_H

#include <stdio.h>

#include <jansson.h>

#include "model/result.h"

struct mx_ciphers_opts {
	int color;
	int findings; /* mx_report_ciphers: list the findings (default 1) */
};

/* check --deep: "Cipher enumeration (--deep)" and every endpoint's
 * enumeration, no findings (the check report has them) and no status
 * line (the caller closes the report). */
int mx_report_ciphers_deep(FILE *out, const struct mx_run *run, int color);
int mx_report_ciphers_endpoint(FILE *out, const struct mx_endpoint *ep,
			       const struct mx_ciphers_opts *o);
int mx_report_ciphers(FILE *out, const struct mx_run *run,
		      const struct mx_ciphers_opts *o);

/* The "enumeration" object of an endpoint (schema $defs enumeration),
 * with "clients" and "intolerance" from reports/clients.h. */
json_t *mx_json_enumeration(const struct mx_enum *e);

#endif
