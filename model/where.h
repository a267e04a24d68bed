/*
 * where.h - the one "where" text of the model: which server a line, a
 * finding or a row is about.
 *
 * Purpose: every layer names an endpoint the same way,
 *   "mx1.lab.test [127.0.0.31]:25"   host and address
 *   "[127.0.0.31]:25"                address only, or host == address
 *   "mx1.lab.test:25"                host only ("[2001:db8::1]:25" for
 *                                    a v6 literal)
 *   "?:25"                           neither
 * API: mx_where() writes into a caller buffer and returns it;
 * mx_endpoint_where_buf() is the same for a struct mx_endpoint.
 * Ownership: nothing allocated; the strings are borrowed for the call.
 * Limits: the text is cut to the buffer (always NUL-terminated);
 * MX_WHERE_MAX holds any host name (255) and address.
 */
#ifndef MX_MODEL_WHERE_H
#define MX_MODEL_WHERE_H

#include <stddef.h>

struct mx_endpoint;

#define MX_WHERE_MAX 320

const char *mx_where(char *buf, size_t len, const char *host, const char *addr,
		     unsigned port);
const char *mx_endpoint_where_buf(char *buf, size_t len,
				  const struct mx_endpoint *ep);

#endif
