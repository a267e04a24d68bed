/*
 * dns_adcache.c - the cache of AD-bit answers; see dns_adcache.h.
 *
 * A chained hash table (FNV-1a over the lower-cased name and the type)
 * with a fixed number of buckets; every entry is also on one list so
 * that a full cache can find what to drop (expired first, else the
 * soonest to expire) in one pass.  Lookups drop an expired entry they
 * meet.
 */
#include "probe/dns_adcache.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

#define NBUCKETS 1024
#define NAME_MAX_OCTETS 253

struct ent {
	struct ent *hnext;	 /* bucket chain */
	struct ent *prev, *next; /* all entries */
	uint32_t hash;
	int rrtype;
	int ad;
	int64_t expires_ms;
	char name[NAME_MAX_OCTETS + 1];
};

struct mx_dns_adcache {
	struct ent *buckets[NBUCKETS];
	struct ent *all;
	size_t n, cap;
};

struct mx_dns_adcache *mx_dns_adcache_new(size_t cap)
{
	struct mx_dns_adcache *c = xcalloc(1, sizeof(*c));

	c->cap = cap > 0 ? cap : MX_DNS_ADCACHE_CAP;
	return c;
}

void mx_dns_adcache_free(struct mx_dns_adcache *c)
{
	if (c == NULL)
		return;
	while (c->all != NULL) {
		struct ent *e = c->all;

		c->all = e->next;
		free(e);
	}
	free(c);
}

size_t mx_dns_adcache_count(const struct mx_dns_adcache *c)
{
	return c ? c->n : 0;
}

/* The key: the name lower-cased without a trailing dot into out.
 * Returns -1 when it is empty or too long. */
static int key(const char *name, char *out, int rrtype, uint32_t *hash)
{
	size_t n, i;
	uint32_t h = 2166136261u;

	if (name == NULL)
		return -1;
	n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > NAME_MAX_OCTETS)
		return -1;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		out[i] = ch;
		h = (h ^ (uint8_t)ch) * 16777619u;
	}
	out[n] = '\0';
	h = (h ^ (uint32_t)(rrtype & 0xff)) * 16777619u;
	h = (h ^ (uint32_t)((rrtype >> 8) & 0xff)) * 16777619u;
	*hash = h;
	return 0;
}

static void drop(struct mx_dns_adcache *c, struct ent *e)
{
	struct ent **pp = &c->buckets[e->hash % NBUCKETS];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		c->all = e->next;
	if (e->next)
		e->next->prev = e->prev;
	c->n--;
	free(e);
}

static struct ent *find(struct mx_dns_adcache *c, const char *k, int rrtype,
			uint32_t hash)
{
	struct ent *e;

	for (e = c->buckets[hash % NBUCKETS]; e != NULL; e = e->hnext)
		if (e->hash == hash && e->rrtype == rrtype &&
		    strcmp(e->name, k) == 0)
			return e;
	return NULL;
}

int mx_dns_adcache_get(struct mx_dns_adcache *c, const char *name, int rrtype,
		       int64_t now_ms)
{
	char k[NAME_MAX_OCTETS + 1];
	uint32_t hash;
	struct ent *e;

	if (c == NULL || key(name, k, rrtype, &hash) < 0)
		return -1;
	e = find(c, k, rrtype, hash);
	if (e == NULL)
		return -1;
	if (now_ms >= e->expires_ms) {
		drop(c, e);
		return -1;
	}
	return e->ad;
}

/* Room for one more: the expired go, else the soonest to expire. */
static void make_room(struct mx_dns_adcache *c, int64_t now_ms)
{
	struct ent *e, *next, *soonest = NULL;

	for (e = c->all; e != NULL; e = next) {
		next = e->next;
		if (now_ms >= e->expires_ms)
			drop(c, e);
		else if (soonest == NULL || e->expires_ms < soonest->expires_ms)
			soonest = e;
	}
	if (c->n >= c->cap && soonest != NULL)
		drop(c, soonest);
}

void mx_dns_adcache_put(struct mx_dns_adcache *c, const char *name, int rrtype,
			int ad, uint32_t ttl_s, int negative, int64_t now_ms)
{
	char k[NAME_MAX_OCTETS + 1];
	uint32_t hash, cap;
	struct ent *e;

	if (c == NULL || key(name, k, rrtype, &hash) < 0)
		return;
	cap = negative ? MX_DNS_ADCACHE_NEG_TTL_MAX : MX_DNS_ADCACHE_TTL_MAX;
	if (ttl_s > cap)
		ttl_s = cap;
	e = find(c, k, rrtype, hash);
	if (ttl_s == 0) {
		if (e != NULL)
			drop(c, e); /* not to be kept: what was is stale */
		return;
	}
	if (e == NULL) {
		if (c->n >= c->cap)
			make_room(c, now_ms);
		e = xcalloc(1, sizeof(*e));
		memcpy(e->name, k, strlen(k) + 1);
		e->hash = hash;
		e->rrtype = rrtype;
		e->hnext = c->buckets[hash % NBUCKETS];
		c->buckets[hash % NBUCKETS] = e;
		e->next = c->all;
		if (e->next)
			e->next->prev = e;
		c->all = e;
		c->n++;
	}
	e->ad = ad != 0;
	e->expires_ms = now_ms + (int64_t)ttl_s * 1000;
}
