/*
 * clients.h - the client table, tested advice and handshake intolerance of
 * an enumerated endpoint, as text and as JSON.
 *
 * Text (called from the ciphers / check --deep output, after the suite
 * tables):
 *   Clients
 *     profile                         result  version  suite / key exchange
 *     OpenSSL 3 default (level 2)     FAIL    TLSv1.2  DHE-RSA-AES128-GCM-SHA256 DH 1024
 *       why: DHE chosen ... aborts with `dh key too small`
 *       confirmed by a real handshake (openssl): failed as predicted
 *       advice: OpenSSL "DEFAULT:!kDHE..." PASS; GnuTLS "NORMAL:-DHE-RSA..." PASS
 *   Handshake intolerance
 *     FIN after ClientHello when the ClientHello offers AES-GCM suites
 *     avoid with: OpenSSL "DEFAULT:!AESGCM" PASS
 * PASS / FAIL are results of real handshakes (probe/confirm.c); "untested"
 * when none could be run.
 *
 * JSON: mx_json_add_clients(enumeration, e) sets "clients" (array) and
 * "intolerance" (object) on the endpoint's "enumeration" object; shapes in
 * doc/mxprobe-check.schema.json ($defs client, intolerance).
 *
 * Renderers only render: nothing here judges.  Model strings are escaped
 * already; text output still passes printable ASCII only.
 * Ownership: mx_json_* return new references (jansson); NULL only when
 * jansson is out of memory.
 */
#ifndef MX_REPORTS_CLIENTS_H
#define MX_REPORTS_CLIENTS_H

#include <stdio.h>

#include <jansson.h>

#include "model/enum.h"

/* Text: the client table, advice and intolerance (nothing when e is NULL
 * or has no clients and no intolerance).  Returns 0, -1 on a write
 * error. */
int mx_report_clients(FILE *out, const struct mx_enum *e);

json_t *mx_json_clients(const struct mx_enum *e);
json_t *mx_json_intolerance(const struct mx_enum *e);
/* Both into an existing "enumeration" object; 0 or -1. */
int mx_json_add_clients(json_t *enumeration, const struct mx_enum *e);

/* "PASS", "FAIL", "untested" for 1 / 0 / -1. */
const char *mx_report_pass_name(int ok);

#endif
