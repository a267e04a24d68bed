/*
 * validate.h - check every option value and argument of a command before
 * it does any I/O (issue 13: a local mistake is never a server finding).
 *
 * Purpose: after mx_opts_parse() has taken the values, mx_validate()
 * checks what they mean, from tables (src/validate.c):
 *  - names that reach the wire are RFC 5321 domains or address literals
 *    with no control characters (--helo, addresses, --secure-match);
 *    targets parse as probe/target.h targets (a U-label domain becomes
 *    its A-label there);
 *  - files exist, are regular, readable and parse as what they claim
 *    (--ca-file: PEM with a certificate, loaded by OpenSSL; --trust-anchor:
 *    DS/DNSKEY records; --tls-cert/--tls-key: a chain and its key;
 *    --destinations: the relay table; --auth-password-file: a password,
 *    not readable by group or others; --body-file: a message body);
 *  - directories exist (--ca-path, --maildir, queue --spool) or can be
 *    created (--export, relay --spool); outputs can be written (-o, --log);
 *  - an output is not also an input (-o msg.eml msg.eml);
 *  - numbers, durations, networks and addresses are in range;
 *  - options that need each other come together, and an option that
 *    only matters with another one is refused without it.
 * The checkers live in validate_names.c and validate_files.c, the
 * DNSSEC anchor parser in validate_anchor.c.
 *
 * API: mx_validate() returns 0, or -1 with ONE line in err naming the
 * option (or argument) and the problem, user bytes escaped:
 *   "--ca-file /nonexistent: No such file or directory"
 * The caller (src/main.c) prefixes "mxprobe CMD: " and exits 3.
 *
 * Limits: files read here are capped (trust anchor 1 MiB, body 16 MiB,
 * password MX_PW_MAX); nothing is written, nothing is sent, no DNS.
 * Ownership: nothing is kept; the password read for the check is wiped.
 */
#ifndef MX_SRC_VALIDATE_H
#define MX_SRC_VALIDATE_H

#include <stddef.h>

#include "src/options.h"

int mx_validate(const struct mx_cmd *cmd, const struct mx_opts *o, char *err,
		size_t errlen);

#endif
