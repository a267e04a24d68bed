/*
 * hostname.h - RFC 6125 host name matching of a reference identity
 * against a certificate (pure; no I/O).
 *
 * Rules (RFC 6125 section 6.4; RFC 9525 section 6.3 for addresses):
 *  - A DNS reference is compared with the dNSName SANs when the
 *    certificate has any; only when it has none is the subject CN used
 *    (section 6.4.4).
 *  - Comparison is ASCII case-insensitive (section 6.4.1); one trailing
 *    dot on either side is ignored (an absolute name is the same name).
 *  - A wildcard is accepted only as the complete left-most label of a
 *    pattern ("*.lab.test"), matches exactly one non-empty label, and only
 *    when at least two labels follow it (section 6.4.3; "*.test" is too
 *    broad).  "f*.lab.test", "*.*.test", "a.*.test" and "xn--*.test"
 *    (partial A-label) never match.
 *  - An IP address reference (IPv4 or IPv6 literal, "[...]" allowed)
 *    matches only iPAddress SANs, compared as binary addresses; never a
 *    dNSName or the CN.
 *
 * Inputs are the escaped strings of struct mx_cert; nothing is kept.
 * Names longer than 253 characters (RFC 1035 section 2.3.4) never match.
 */
#ifndef MX_ANALYZERS_HOSTNAME_H
#define MX_ANALYZERS_HOSTNAME_H

#include "model/result.h"

/* Nonzero when `ref` is an IPv4 or IPv6 address literal. */
int mx_name_is_ip(const char *ref);

/* Nonzero when the DNS-ID `pattern` (a dNSName or CN, wildcard allowed as
 * above) matches the reference host name `ref`. */
int mx_name_match_pattern(const char *pattern, const char *ref);

/* Nonzero when the certificate names `ref` (DNS name or IP literal). */
int mx_cert_matches_name(const struct mx_cert *c, const char *ref);

#endif
