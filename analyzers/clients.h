/*
 * clients.h - client simulation: what real senders would get from this
 * server, why some fail, and which client setting would work.
 *
 * Purpose: from the enumeration facts (struct mx_enum: versions, the
 * suites the server accepts in its order, DH group sizes, groups), predict
 * for each client profile the version, suite and key exchange it would
 * negotiate, or why it fails ("DHE chosen with a 1024-bit group: OpenSSL
 * at security level 2 aborts with `dh key too small`").  For a failing
 * profile, propose an OpenSSL cipher string and a GnuTLS priority string
 * that exclude insecure suites and, by the same prediction, negotiate;
 * probe/confirm.c then runs real handshakes with both stacks and records
 * whether prediction and advice hold.  Finally the analyzer rule turns the
 * result into findings: client.fails, client.prediction_mismatch,
 * tls.hello_intolerance.
 *
 * The profiles are data in model/client_profiles.h (a static const
 * table, each row with where its facts come from), which the probe reads
 * too, to play them in real handshakes.
 *
 * API:
 *   mx_client_predict(profile, enum, &prediction)  one profile, pure
 *   mx_client_advise(profile, enum, &prediction)   advice strings, pure
 *   mx_clients_simulate(enum)                     fills enum->clients
 *   mx_analyze_clients(ep)                        findings (called from
 *                                                  mx_analyze_endpoint)
 *
 * Files: clients_predict.c (mx_client_predict, mx_client_fail_name),
 * clients_advice.c (mx_client_advise), clients.c (mx_clients_simulate,
 * mx_analyze_clients); clients_int.h is what the first lends the second.
 *
 * Ownership: profiles are static; mx_clients_simulate() replaces
 * enum->clients (owned by the enum).  Nothing here does I/O.
 */
#ifndef MX_ANALYZERS_CLIENTS_H
#define MX_ANALYZERS_CLIENTS_H

#include <stddef.h>
#include <stdint.h>

#include "model/client_profiles.h"
#include "model/enum.h"
#include "model/result.h"

/* Why a prediction fails, for advice and fixes. */
enum mx_client_fail {
	MX_CF_NONE = 0,
	MX_CF_UNKNOWN,	   /* the enumeration has no usable facts */
	MX_CF_VERSION,	   /* no common protocol version */
	MX_CF_NO_SUITE,	   /* no common cipher suite */
	MX_CF_NO_GROUP,	   /* no common (EC/FF) group */
	MX_CF_DH_SMALL,	   /* the server's DHE group is below the floor */
	MX_CF_DH_LARGE,	   /* ... above what the client can do */
	MX_CF_EC_SMALL,	   /* EC group below the floor */
	MX_CF_INTOLERANCE, /* the server drops this client's hello */
};

struct mx_client_prediction {
	int ok; /* 1 connects, 0 fails */
	enum mx_client_fail fail;
	uint16_t version; /* wire code, 0 if none */
	uint16_t suite;	  /* IANA code point, 0 if none */
	uint16_t group;	  /* named group code point, 0 if none/custom */
	char kx[96];	  /* "ECDH x25519", "DH 1024 (RFC 2409 group 2)" */
	char why[320];	  /* for a failure: what and why */
	int server_order; /* the enumeration's server_order for version */
};

/* Predict what profile p gets from the server described by e. */
void mx_client_predict(const struct mx_client_profile *p,
		       const struct mx_enum *e,
		       struct mx_client_prediction *out);

/* For a failing prediction, advice strings that exclude insecure suites
 * and are predicted to negotiate (NULL when no cipher string can help,
 * e.g. no common version).  Malloc'ed; the caller frees. */
void mx_client_advise(const struct mx_client_profile *p,
		      const struct mx_enum *e,
		      const struct mx_client_prediction *pred,
		      char **advice_openssl, char **advice_gnutls);

/* The TLS 1.3 suites (an OpenSSL ciphersuites setting) that go with the
 * OpenSSL advice of a TLS 1.3 client the server's intolerance fails:
 * the cipher list does not reach TLS 1.3.  NULL when not needed. */
char *mx_client_advise_tls13(const struct mx_client_profile *p,
			     const struct mx_enum *e,
			     const struct mx_client_prediction *pred);

/* Replace e->clients with one simulated client per profile (predictions
 * and advice; confirmed = -1, advice_*_ok = -1 until probe/confirm.c). */
void mx_clients_simulate(struct mx_enum *e);

/* Findings of ep->enumr (nothing when it is NULL): one client.fails per
 * cause (the failing profiles with the same why), client.prediction_mismatch, tls.hello_intolerance. */
void mx_analyze_clients(struct mx_endpoint *ep);

const char *mx_client_fail_name(enum mx_client_fail f);

/* The client settings a real handshake of this run negotiated with (the
 * intolerance advice or a client's, OpenSSL and GnuTLS, PASS only), each
 * quoted alone, and where each goes (OpenSSL, Postfix, Exim, GnuTLS);
 * NULL when none.  Malloc'ed. */
char *mx_clients_tested_settings(const struct mx_enum *e);

#endif
