/*
 * client_play.h - the client profiles (model/client_profiles.h) as the
 * settings the clients step plays them with (probe/confirm.h).
 *
 * Purpose: a profile is data; playing it is a backend and its settings.
 * An OpenSSL-based profile becomes mx_tls_openssl with the profile's
 * cipher list, TLS 1.3 suites, groups, security level and versions; a
 * GnuTLS-based one mx_tls_gnutls with its priority string and versions;
 * a profile no local stack can express (Java, Schannel) gets no backend
 * (be == NULL: simulated, never confirmed).
 *
 * API: cc = mx_confirm_client_table(&n); ... free(cc);
 * Ownership: one malloc'ed array per call, one entry per profile in table
 * order; the strings in it are the table's (static), so free() the array
 * only.
 */
#ifndef MX_PROBE_CLIENT_PLAY_H
#define MX_PROBE_CLIENT_PLAY_H

#include <stddef.h>

#include "probe/confirm.h"

struct mx_confirm_client *mx_confirm_client_table(size_t *n_out);

#endif
