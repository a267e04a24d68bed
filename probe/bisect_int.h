/*
 * bisect_int.h - inside the intolerance bisection (probe/bisect.c, the
 * state machine; probe/bisect_hello.c, the hellos it sends).
 *
 * A spec describes a ClientHello: suites, whether it is a TLS 1.3 offer,
 * extension flags (MX_HELLO_* of wire/tls_hello.h), padding.  The parts
 * table lists what a modern hello carries, in the order the bisection
 * tries them on top of a minimal base that works; each part knows its
 * trigger words, its structured kind (model/enum.h mx_intol_trigger) and
 * the OpenSSL cipher list that avoids it.  Pure data and builders.
 */
#ifndef MX_PROBE_BISECT_INT_H
#define MX_PROBE_BISECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "wire/tls_registry.h"

#define MX_BISECT_MAX_SUITES 256

struct mx_bisect_spec {
	uint16_t suites[MX_BISECT_MAX_SUITES];
	size_t nsuites;
	int tls13;    /* supported_versions 1.3/1.2, key_share, psk modes */
	unsigned ext; /* MX_HELLO_* */
	size_t pad_to;
};

enum mx_bisect_part_kind { MX_BP_CIPHER, MX_BP_TLS13, MX_BP_EXT, MX_BP_PAD };

/* The parts of a modern hello, in the order they are tried.  `advice` is
 * the OpenSSL cipher list that avoids the part (NULL: no cipher list can,
 * e.g. an extension OpenSSL always sends). */
struct mx_bisect_part {
	const char *trigger;
	enum mx_bisect_part_kind kind;
	unsigned what;	    /* enum mx_cipher, MX_HELLO_* or a size */
	uint16_t ext_point; /* MX_BP_EXT: the extension's code point */
	const char *advice;
};
extern const struct mx_bisect_part mx_bisect_parts[];
size_t mx_bisect_part_count(void);

/* Minimal TLS 1.2 bases, tried in order until one works. */
struct mx_bisect_base {
	const uint16_t *s;
	size_t n;
	unsigned cipher; /* its class: never tried as a part on top */
};
extern const struct mx_bisect_base mx_bisect_bases[];
size_t mx_bisect_base_count(void);

/* The groups every bisection hello offers. */
size_t mx_bisect_ngroups(void);

/* Is suite s of the class `cipher` (AES-CCM covers AES-CCM-8)? */
int mx_bisect_in_class(const struct mx_suite *s, unsigned cipher);
void mx_bisect_add_suite(struct mx_bisect_spec *sp, uint16_t id);
void mx_bisect_add_part(struct mx_bisect_spec *sp,
			const struct mx_bisect_part *pt);
/* Build the hello records of sp for host (SNI unless an IP literal);
 * 0, or -1 when the builder refused. */
int mx_bisect_build(const struct mx_bisect_spec *sp, const char *host,
		    struct mx_buf *out);

#endif
