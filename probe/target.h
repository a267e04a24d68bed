/*
 * target.h - parse what the user typed into a target (no DNS here).
 *
 * Forms (the scheme fixes the port and the TLS mode):
 *   lab.test                  domain: MX lookup, port 25, STARTTLS
 *   mx1.lab.test:2587         host, given port, STARTTLS
 *   smtp://host[:port]        host, 25, STARTTLS
 *   submission://host[:port]  host, 587, STARTTLS
 *   smtps://host[:port]       host, 465, implicit TLS (RFC 8314)
 *   [::1]:25, 127.0.0.1, ::1  address literals (hosts)
 * A bare name is a domain (its MX records are looked up; a name without
 * MX falls back to its own address as RFC 5321 §5.1 says).  Names are
 * checked as LDH labels (underscore allowed), at most 253 bytes, labels
 * at most 63; ports 1..65535.
 *
 * Ownership: mx_target_parse fills spec, name (malloc'ed, owned by the
 * target) and kind, port, mode.
 */
#ifndef MX_PROBE_TARGET_H
#define MX_PROBE_TARGET_H

#include <stddef.h>

#include "model/result.h"

/* Returns 0, or -1 with a one-line reason in err. */
int mx_target_parse(const char *spec, struct mx_target *out, char *err,
		    size_t errlen);
/* Nonzero if s is an IPv4 or IPv6 address literal (no brackets). */
int mx_is_ip_literal(const char *s);

#endif
