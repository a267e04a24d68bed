/*
 * validate_anchor.h - is this text a DNSSEC trust anchor file?
 *
 * Purpose: --trust-anchor FILE is handed to libunbound, which reads it
 * only at the first query and reports problems in its own words (or, for
 * a directory, spins).  mx_anchor_check() says up front whether the text
 * is what libunbound's trust-anchor-file takes: master-file records
 * (RFC 1035 §5.1: ';' comments, ( ) across lines, a blank first column
 * repeating the owner, $ORIGIN and $TTL) that are DS (RFC 4034 §5.3: key
 * tag, algorithm, digest type, hex digest of the type's length) or
 * DNSKEY (RFC 4034 §2.2: flags, protocol 3, algorithm, base64 key), at
 * least one of them.
 *
 * API: returns the number of anchors (> 0), or -1 with one line in why
 * ("line 3: a A record; a trust anchor is DS or DNSKEY").  Pure: no I/O,
 * no allocation kept; p need not be NUL-terminated.
 *
 * Limits: at most 256 tokens per record; text only (bytes 0x20..0x7e,
 * tab, CR, LF outside comments).
 */
#ifndef MX_SRC_VALIDATE_ANCHOR_H
#define MX_SRC_VALIDATE_ANCHOR_H

#include <stddef.h>

int mx_anchor_check(const char *p, size_t len, char *why, size_t whylen);

#endif
