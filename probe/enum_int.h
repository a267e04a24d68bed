/*
 * enum_int.h - what the files of the enumeration share and nobody else
 * uses (the public API is probe/enum.h).
 *
 *   enum.c          the enumerator: drives the slots below
 *   enum_facts.c    writes what the slots learnt into struct mx_enum
 *   enum_dh.c       the DH cache's bookkeeping (note a prime, is it safe)
 *   enum_offer.c    the ClientHello of one offer
 *
 * Ownership: an enumerator owns its slots (embedded) and their hello
 * buffers; the DH cache owns its copies of the primes.
 */
#ifndef MX_PROBE_ENUM_INT_H
#define MX_PROBE_ENUM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "probe/enum.h"
#include "wire/tls_flight.h"
#include "wire/tls_registry.h"

struct event;

/* ---- the hello of an offer (enum_offer.c) -------------------------------- */

/* The raw ClientHello that carries offer o for version v into out (reset
 * first): SNI from p->host unless an IP literal, randomness from
 * p->random (NULL: the OpenSSL RNG).  0, or -1 with the reason in err. */
int mx_enum_build_hello(const struct mx_enum_params *p, enum mx_enum_ver v,
			const struct mx_offer *o, struct mx_buf *out, char *err,
			size_t errlen);

/* ---- the DH cache (enum_dh.c) -------------------------------------------- */

/* Remember prime p (len bytes; known: the registry's entry or NULL);
 * returns its index in the cache. */
size_t mx_enum_dhcache_note(struct mx_enum_dhcache *c, const uint8_t *p,
			    size_t len, const struct mx_dh_prime *known);
/* Whether prime i is a safe prime: 1, 0, or -1 not checked (checked
 * here, once, on the first call). */
int mx_enum_dhcache_safe(struct mx_enum_dhcache *c, size_t i);

/* ---- the enumerator's state (enum.c) ------------------------------------- */

/* What the pick of one suite showed. */
struct mx_enum_pick {
	uint16_t suite;
	char kx[16];
	uint16_t group;
	int kx_bits;
	const struct mx_dh_prime *prime;
	long dh_idx; /* into the DH cache, -1: no DH */
	char auth_key[40];
};

/* One connection at a time for one version: lane 0 (the chain) or lane
 * 1 (a second connection for the owner's chain). */
struct mx_enum_slot {
	struct mx_enumerator *en;
	enum mx_enum_ver ver;
	int active;
	int busy;
	int granted;
	struct mx_enum_chain ch;    /* lane 0 only */
	int lane;		    /* 1: a lane-1 slot of owner's chain */
	int glane;		    /* 1: a group-lane slot of owner's chain */
	struct mx_enum_slot *owner; /* lanes 1 and group: the version's slot */
	struct mx_offer cur;
	int tries;
	struct mx_pool_wait w;
	struct mx_rawhello *rh;
	struct mx_connrec *rec; /* rh's record (the endpoint's), or NULL */
	struct mx_buf hello;
	struct mx_enum_pick det[MX_ENUM_MAX_OFFER];
	size_t ndet;
	size_t conns, gconns; /* TCP connections, retries included */
};

struct mx_enumerator {
	struct event_base *base;
	struct mx_pool *pool;
	struct mx_enum_params p;
	struct mx_enum *out;
	mx_enum_done_fn done;
	void *arg;
	struct mx_enum_shared sh;
	struct mx_enum_slot slots[MX_EV__N];
	struct mx_enum_slot aux[MX_EV__N];  /* lane 1 of each version */
	struct mx_enum_slot gaux[MX_EV__N]; /* group lane of each version */
	struct mx_enum_dhcache *dh;	    /* params.dh_cache or our own */
	int own_dh;
	struct event *ev_done;
	int64_t t0;
	size_t total_retries;
	char fatal[200]; /* why every chain stopped, if one reason */
	int finished;
};

/* ---- the facts (enum_facts.c) -------------------------------------------- */

/* Keep what flight f showed about the suite it picked, in s's details
 * (once per suite); a certificate key goes into en->out at once. */
void mx_enum_record_pick(struct mx_enumerator *en, struct mx_enum_slot *s,
			 const struct mx_flight_facts *f);
/* Write every chain's findings into en->out (once, at the end). */
void mx_enum_write_facts(struct mx_enumerator *en);

#endif
