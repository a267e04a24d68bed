/*
 * base64.h - base64 (RFC 4648 section 4, the standard alphabet with
 * padding), the one copy in the tree.
 *
 * Purpose: SMTP AUTH payloads and challenges (relay/auth.c, RFC 4954),
 * SCRAM attributes (RFC 5802), RFC 2047 "B" encoded-words in generated
 * headers (relay/message.c).
 *
 * API:
 *   mx_b64_encode(in, n, out, outlen)  writes the encoding of n octets and
 *       a NUL; returns the length written (without the NUL), or -1 when
 *       out cannot hold it (MX_B64_ENCODED_LEN(n) + 1 octets are enough).
 *   mx_b64_decode(in, n, out, outlen)  strict: no white space, no line
 *       breaks, padding required (n a multiple of 4), '=' only at the end,
 *       and the unused bits of the last quantum zero (RFC 4648 section
 *       3.5), so one value has exactly one encoding.  Returns the number
 *       of octets written, or -1 for malformed input or a full `out`.
 *
 * Limits: the input is read only through a bounded cursor; nothing is
 * written past outlen.  Lengths above INT_MAX are refused (-1).
 *
 * Ownership: nothing is allocated; the caller owns every buffer.
 */
#ifndef MX_COMMON_BASE64_H
#define MX_COMMON_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters of the encoding of n octets (without the NUL). */
#define MX_B64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

int mx_b64_encode(const uint8_t *in, size_t n, char *out, size_t outlen);
int mx_b64_decode(const char *in, size_t n, uint8_t *out, size_t outlen);

#endif
