/*
 * client_profiles.h - the client profiles: what real senders offer and
 * refuse, as data that both the probe (to play them in real handshakes,
 * probe/confirm.h) and the analyzers (to simulate them,
 * analyzers/clients.h) read.
 *
 * Purpose: one static const table (variation in tables, STYLE 8), one row
 * per sender that matters (OpenSSL 3 at security levels 1 and 2, a
 * DHE-only appliance list, GnuTLS NORMAL, Exim, Postfix, AsyncOS, Java 8
 * and 17, Exchange/Schannel), each with where its facts come from
 * (`basis`).  Suite lists are IANA code points (named in comments) in the
 * client's order; the OpenSSL- and GnuTLS-based ones are exactly what
 * Debian 12's libraries expand the profile's settings to (a unit test,
 * tests/unit/test_clients.c, checks this against the linked libssl and
 * libgnutls).  Versions are wire codes (0x0301 TLS 1.0 .. 0x0304 TLS
 * 1.3); groups are IANA names.  The model does not include wire/: the
 * registry lookups of these code points and names are the readers'.
 *
 * API:
 *   mx_client_profile_count()   rows in the table
 *   mx_client_profile_at(i)     row i, NULL past the end
 *   mx_client_profile_by_id(id) the row with that stable id, or NULL
 *
 * Ownership: everything is static const; nothing to free.
 */
#ifndef MX_MODEL_CLIENT_PROFILES_H
#define MX_MODEL_CLIENT_PROFILES_H

#include <stddef.h>
#include <stdint.h>

/* Which real stack can play a profile (probe/confirm.c). */
enum mx_client_stack {
	MX_STACK_NONE = 0, /* no local stack expresses it: not confirmed */
	MX_STACK_OPENSSL,
	MX_STACK_GNUTLS,
};

struct mx_client_profile {
	const char *id;	   /* stable: "openssl3-sl2", "java8" */
	const char *name;  /* "OpenSSL 3 default (security level 2)" */
	const char *basis; /* where the facts come from */
	int common;	   /* widespread sender: client.fails is a warning */
	uint16_t min_version, max_version; /* wire codes 0x0301.. */
	const uint16_t *suites;		   /* IANA code points, client order */
	size_t nsuites;
	const char *const *groups; /* supported_groups, client order */
	size_t ngroups;
	size_t nkey_shares;   /* TLS 1.3 key shares: the first n groups */
	int dh_min_bits;      /* refuses a DHE group below this */
	int dh_max_bits;      /* refuses a DHE group above this; 0: none */
	int ec_min_bits;      /* refuses an EC group below this */
	const char *dh_error; /* the client's own words for a refused group */
	int verifies_name;    /* refuses a certificate not naming the host */
	/* How a real stack expresses it. */
	enum mx_client_stack stack;
	const char *ossl_ciphers;      /* OpenSSL cipher list (TLS <= 1.2) */
	const char *ossl_ciphersuites; /* TLS 1.3; NULL: library default */
	const char *ossl_groups;       /* NULL: library default */
	int ossl_seclevel;	       /* -1: library default */
	const char *gnutls_priority;   /* NULL: not GnuTLS-based */
	/* Advice starts from this profile's settings (NULL: its own). */
	const char *advice_from;
};

size_t mx_client_profile_count(void);
const struct mx_client_profile *mx_client_profile_at(size_t i);
const struct mx_client_profile *mx_client_profile_by_id(const char *id);

#endif
