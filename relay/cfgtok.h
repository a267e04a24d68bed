/*
 * cfgtok.h - small tokens of the relay's configuration (internal to
 * relay/): a bounded decimal number, and a token as an error shows it.
 *
 * Purpose: one copy of what the destination table (relay/dest.c), the
 * retry schedule (relay/retry.c) and the address parsers
 * (relay/netaddr.c) all read.  The text comes from files and the command
 * line, so it is never trusted: numbers are digits only, bounded in
 * length and range; a token shown in an error is escaped and capped.
 *
 * API:
 *   mx_cfg_uint(s, n, lo, hi, &v)   n octets (1..6), all '0'..'9', value
 *       in lo..hi: 0; else -1 and v untouched.
 *   mx_cfg_show(out, outlen, s, n)  the escaped token (common/escape.h):
 *       at most MX_CFG_SHOW_MAX octets of escaped text, then "..." when
 *       capped; NUL-terminated within outlen.
 *
 * Ownership: nothing is allocated that outlives a call; the caller owns
 * every buffer.
 */
#ifndef MX_RELAY_CFGTOK_H
#define MX_RELAY_CFGTOK_H

#include <stddef.h>

#define MX_CFG_SHOW_MAX 60

int mx_cfg_uint(const char *s, size_t n, unsigned lo, unsigned hi,
		unsigned *out);
void mx_cfg_show(char *out, size_t outlen, const char *s, size_t n);

#endif
