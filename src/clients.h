/*
 * clients.h - the clients step of `ciphers` and `check --deep`: wiring
 * only (src/ is the one place that knows both the analyzers' client
 * profiles and the probe's real handshakes).
 *
 * mx_cli_client_table() turns the profile table (analyzers/clients.h)
 * into the settings the probe plays them with (probe/confirm.h); the run
 * engine (probe/engine.h) gets it with mx_clients_simulate and runs the
 * clients step on each enumerated endpoint.  Findings come later from the
 * analysis (client.fails, client.prediction_mismatch,
 * tls.hello_intolerance).
 */
#ifndef MX_SRC_CLIENTS_H
#define MX_SRC_CLIENTS_H

#include <stddef.h>

#include "probe/confirm.h"

/* One entry per profile, in table order; *n_out the count.  The strings
 * are the table's (static); free() the array. */
struct mx_confirm_client *mx_cli_client_table(size_t *n_out);

#endif
