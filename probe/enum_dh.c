/*
 * enum_dh.c - the DH cache of a run: each distinct DH prime the
 * enumerations saw, and whether it is a safe prime; see enum.h
 * (mx_enum_dhcache_new/_free) and enum_int.h (note, safe).
 *
 * Contract: noting a prime is cheap (a copy, compared byte for byte);
 * the safe-prime check is done on first demand, once per distinct prime
 * and run, never between the connections.  No I/O.
 * Ownership: the cache owns its copies of the primes; one owner frees it
 * (the run, or the enumerator that made its own).
 * Limits: grows with the distinct primes seen (a handful per server).
 */
#include "probe/enum_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "wire/tls_registry.h"

struct dh_seen {
	uint8_t *p;
	size_t len;
	int safe; /* 1, 0, -1 not checked, -2 to be checked */
};

struct mx_enum_dhcache {
	struct dh_seen *v;
	size_t n, cap;
};

struct mx_enum_dhcache *mx_enum_dhcache_new(void)
{
	return xcalloc(1, sizeof(struct mx_enum_dhcache));
}

void mx_enum_dhcache_free(struct mx_enum_dhcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		free(c->v[i].p);
	free(c->v);
	free(c);
}

/* Remember p; returns its index.  A published prime of the table is
 * looked up (mx_dh_prime_known_safe: safe or not up to 2048 bits, -1
 * above: their safety is the publisher's claim).  The safe-prime check of
 * a custom prime (hundreds of milliseconds for 2048 bits, seconds for
 * 3072) is left for the end of the enumeration, so it never stalls the
 * connections, and is done once per distinct p and run. */
size_t mx_enum_dhcache_note(struct mx_enum_dhcache *c, const uint8_t *p,
			    size_t len, const struct mx_dh_prime *known)
{
	struct dh_seen *d;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].len == len && memcmp(c->v[i].p, p, len) == 0)
			return i;
	MX_GROW(c->v, c->n, c->cap);
	d = &c->v[c->n];
	d->p = xmalloc(len ? len : 1);
	memcpy(d->p, p, len);
	d->len = len;
	/* A published prime is looked up, not checked (the table's claim is
	 * verified by test_tls_registry); only custom primes cost a check. */
	if (known != NULL)
		d->safe = mx_dh_prime_known_safe(known);
	else
		d->safe = -2;
	return c->n++;
}

int mx_enum_dhcache_safe(struct mx_enum_dhcache *c, size_t i)
{
	struct dh_seen *d = &c->v[i];

	if (d->safe != -2)
		return d->safe;
	switch (mx_dh_is_safe_prime(d->p, d->len)) {
	case MX_DH_SAFE_PRIME:
		d->safe = 1;
		break;
	case MX_DH_PRIME_NOT_SAFE:
	case MX_DH_NOT_PRIME:
		d->safe = 0;
		break;
	default:
		d->safe = -1;
		break;
	}
	return d->safe;
}
