/*
 * clients.h - the clients step of `ciphers` and `check --deep`: wiring
 * only (src/ is the one place that knows both the analyzers' client
 * profiles and the probe's real handshakes).
 *
 * Call mx_cli_clients() for each endpoint right after the enumeration
 * filled ep->enumr and before mx_analyze_run(): it runs the intolerance
 * bisection, the client simulation (analyzers/clients.c), the real
 * handshakes that confirm it and the advice tests (probe/confirm.c),
 * sequentially on `base` (NULL: private loops).  Findings come later
 * from the analysis (client.fails, client.prediction_mismatch,
 * tls.hello_intolerance); the text report prints mx_report_clients(), the
 * JSON report mx_json_add_clients() (reports/clients.h).
 */
#ifndef MX_SRC_CLIENTS_H
#define MX_SRC_CLIENTS_H

#include "common/log.h"
#include "model/result.h"
#include "src/options.h"

struct event_base;

/* Returns 0, or -1 when the endpoint has no enumeration. */
int mx_cli_clients(struct event_base *base, struct mx_endpoint *ep,
		   const struct mx_opts *o, const char *helo,
		   const struct mx_log *log);

#endif
