/*
 * ja3.h - JA3 and JA3S fingerprints (BSD-3-Clause method by Salesforce).
 *
 * JA3 string: SSLVersion,Ciphers,Extensions,EllipticCurves,
 * EllipticCurvePointFormats - decimal values joined by '-', GREASE values
 * (RFC 8701) left out, SSLVersion the ClientHello's legacy client_version.
 * JA3S string: SSLVersion,Cipher,Extensions of the ServerHello.  The
 * fingerprint is the lower-case hex MD5 of the string (libcrypto EVP, so
 * programs that call mx_ja3_md5 link $(OPENSSL_LIBS)).
 *
 * Only JA3/JA3S: the FoxIO-licensed JA4+ family is deliberately absent.
 *
 * Limits: out must hold MX_JA3_STR_MAX bytes; a list that would overflow
 * is cut at a value boundary and the function returns -1 (the string is
 * still NUL-terminated and usable as a label, not as a fingerprint).
 */
#ifndef MX_WIRE_JA3_H
#define MX_WIRE_JA3_H

#include <stddef.h>

#include "wire/tls_chello.h"
#include "wire/tls_flight.h"

#define MX_JA3_STR_MAX 4096
#define MX_JA3_HEX 33 /* 32 hex digits + NUL */

int mx_ja3_string(const struct mx_chello *ch, char *out, size_t outlen);
int mx_ja3s_string(const struct mx_server_hello *sh, char *out, size_t outlen);
/* MD5 of s as 32 lower-case hex digits; returns 0, -1 if libcrypto
 * refused (out is then ""). */
int mx_ja3_md5(const char *s, char out[MX_JA3_HEX]);

#endif
