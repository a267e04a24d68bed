/*
 * dest.h - the relay's destination table (like the Destination Controls
 * and SMTP Routes of a mail appliance) and the route of a recipient
 * domain through it.
 *
 * Purpose: where and how a message goes - next hop, TLS level,
 * concurrency, whether the AUTH credentials go there.  Read once at
 * start (`--destinations FILE`), then only looked up by the delivery
 * workers (relay/workers.h).
 *
 * The file, one row per line:
 *
 *     # comment
 *     DOMAIN [via=NEXTHOP] [tls=LEVEL] [max-conc=N] [auth=yes|no] [fp=HEX]...
 *
 *   DOMAIN    "lab.test" (that domain only), ".lab.test" (its subdomains,
 *             not itself), or "default" (everything else).  ASCII
 *             (A-labels), case-insensitive; each at most once.
 *   via=      the next hop: "mx" (the MX records of the recipient's
 *             domain), or a target (probe/target.h): "smtps://smtp.lab.test",
 *             "submission://host:2587", "smtp://[::1]:25", "host:2525",
 *             a domain.  No user information ("user:pw@"): credentials
 *             never live in files the relay writes or reads as config.
 *             Default: the default row's next hop, else --smarthost, else
 *             "mx".
 *   tls=      none|may|encrypt|verify|secure|dane|dane-only|fingerprint
 *             (model/policy.h; Postfix's meaning).  Default: --tls-policy.
 *   max-conc= deliveries at once to this destination (1..100, default
 *             10).
 *   auth=     send the AUTH credentials (--auth-user ...) to this next hop.
 *             Default: yes when the next hop is the smarthost, else no:
 *             credentials go only where they are meant to.
 *   fp=       a SHA-256 certificate or public-key fingerprint (64 hex
 *             digits, colons allowed) for tls=fingerprint; up to 8.
 *
 *   The most specific row wins: "sub.lab.test" over ".lab.test" over
 *   "default" over the command line.  Limits: file 1 MiB, line 1024
 *   octets, 1000 rows; a line with a control character, an unknown key,
 *   a repeated key or domain, or a bad value is an error naming the line.
 *
 * API: mx_dest_parse (bytes) / mx_dest_load (a file) fill a table;
 * mx_route_for looks a domain up; mx_dest_table_free frees a table.
 *
 * Ownership: a table owns its strings; a struct mx_route borrows from the
 * table and from its arguments.  Nothing is global.
 */
#ifndef MX_RELAY_DEST_H
#define MX_RELAY_DEST_H

#include <stddef.h>
#include <stdint.h>

#include "model/policy.h"

#define MX_DEST_MAX_FILE (1024u * 1024u)
#define MX_DEST_MAX_LINE 1024
#define MX_DEST_MAX_ROWS 1000
#define MX_DEST_MAX_FP 8
#define MX_DEST_MAX_CONC 100
#define MX_DEST_DEFAULT_CONC 10

enum mx_dest_kind {
	MX_DEST_DOMAIN = 0, /* "lab.test" */
	MX_DEST_SUBDOMAINS, /* ".lab.test" */
	MX_DEST_DEFAULT,    /* "default" */
};

struct mx_dest {
	enum mx_dest_kind kind;
	char *domain;	/* lower case, without the leading dot; "" default */
	char *via;	/* target spec, "mx", or NULL (inherit) */
	int has_policy; /* tls= given */
	enum mx_tls_policy policy;
	char *fp[MX_DEST_MAX_FP];
	size_t nfp;
	unsigned max_conc; /* 0: not given */
	int auth;	   /* -1 not given, 0 no, 1 yes */
	unsigned line;
};

struct mx_dest_table {
	struct mx_dest *v;
	size_t n, cap;
};

/* Parse a table from bytes (see the format above).  Returns 0, or -1
 * with "line N: why" in err; *t is then empty. */
int mx_dest_parse(const uint8_t *p, size_t len, struct mx_dest_table *t,
		  char *err, size_t errlen);
/* Read FILE (at most MX_DEST_MAX_FILE octets) and parse it. */
int mx_dest_load(const char *path, struct mx_dest_table *t, char *err,
		 size_t errlen);
void mx_dest_table_free(struct mx_dest_table *t);

/* The route of one recipient domain. */
struct mx_route {
	const struct mx_dest *row; /* NULL: the command-line default */
	const char *nexthop;	   /* target spec for the sender: the via, or
				    * the recipient domain for "mx" */
	enum mx_tls_policy policy;
	int auth;
	unsigned max_conc;
};

/* Route `domain` (lower or mixed case) through table t (may be NULL) and
 * the command-line defaults.  nexthop may point into domain. */
void mx_route_for(const struct mx_dest_table *t, const char *smarthost,
		  enum mx_tls_policy policy, int have_auth, const char *domain,
		  struct mx_route *out);

#endif
