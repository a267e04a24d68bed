/*
 * x509.h - decode certificates into model facts, with OpenSSL.
 *
 * X.509 and ASN.1 are never parsed by hand here: OpenSSL's d2i_X509 does
 * it.  mx_x509_decode() fills every struct mx_cert field from the DER
 * (subject, issuer, CN, serial, validity, key type and size, signature
 * algorithm, SANs, AIA, fingerprints, CA flag, self-issued/self-signed);
 * all text is escaped.  Used by both TLS backends, `certs`, and later the
 * capture decoder.
 *
 * Ownership: out takes a copy of the DER; clear it with mx_cert_clear().
 */
#ifndef MX_PROBE_X509_H
#define MX_PROBE_X509_H

#include <stddef.h>
#include <stdint.h>

#include "model/result.h"

/* Returns 0, or -1 if the DER does not parse (out->der is still set). */
int mx_x509_decode(const uint8_t *der, size_t len, struct mx_cert *out);

/* Chain facts for a sent chain: is each certificate issued by the next
 * (by name and signature)?  Returns 1 in order, 0 otherwise. */
int mx_x509_chain_in_order(const struct mx_chain *ch);

#endif
