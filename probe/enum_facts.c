/*
 * enum_facts.c - what the enumeration's handshakes showed, written into
 * struct mx_enum (model/enum.h); see enum_int.h.
 *
 * Contract: mx_enum_record_pick() keeps, per suite picked, what its
 * ServerHello flight showed (key exchange and its size, DH prime and
 * whether it is a well-known one, curve or TLS 1.3 group, certificate
 * key); mx_enum_write_facts() turns the chains' findings into the
 * versions, suites, groups, orders, connection counts and incomplete
 * reasons of the output, once, when the enumeration ends (the DH
 * safe-prime checks run then).  No I/O.
 * Ownership: strings in the output are allocated here and owned by the
 * output (mx_enum_free).
 */
#include "probe/enum_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/x509.h"
#include "wire/tls_registry.h"

/* ---- what each pick showed ------------------------------------------------ */

static void add_cert_key(struct mx_enum *out, const char *k)
{
	size_t i;

	for (i = 0; i < out->ncert_keys; i++)
		if (strcmp(out->cert_keys[i], k) == 0)
			return;
	MX_GROW(out->cert_keys, out->ncert_keys, out->capcert_keys);
	out->cert_keys[out->ncert_keys++] = xstrdup(k);
}

static const char *group_kx(const struct mx_group *g)
{
	switch (g->kind) {
	case MX_GROUP_FFDHE:
		return "DH";
	case MX_GROUP_KEM:
		return "KEM";
	case MX_GROUP_HYBRID:
		return "ECDH+KEM";
	default:
		return "ECDH";
	}
}

/* What the pick of a suite showed: key exchange and certificate key. */
void mx_enum_record_pick(struct mx_enumerator *en, struct mx_enum_slot *s,
			 const struct mx_flight_facts *f)
{
	const struct mx_suite *su = mx_suite_by_id(f->sh.suite);
	const struct mx_group *g;
	struct mx_enum_pick *d;
	size_t i;

	for (i = 0; i < s->ndet; i++)
		if (s->det[i].suite == f->sh.suite)
			return;
	if (s->ndet >= MX_ENUM_MAX_OFFER)
		return;
	d = &s->det[s->ndet++];
	memset(d, 0, sizeof(*d));
	d->suite = f->sh.suite;
	d->dh_idx = -1;
	if (s->ver == MX_EV_TLS13) {
		g = mx_group_by_id(f->sh.key_share_group);
		d->group = f->sh.key_share_group;
		snprintf(d->kx, sizeof(d->kx), "%s", g ? group_kx(g) : "?");
		d->kx_bits = g ? g->bits : 0;
	} else if (f->ske.seen && f->ske.kind == MX_SKE_DHE) {
		snprintf(d->kx, sizeof(d->kx), "DH");
		d->kx_bits = (int)f->ske.dh_bits;
		d->prime = mx_dh_prime_by_p(f->ske.dh_p.p, f->ske.dh_p.len);
		d->dh_idx = (long)mx_enum_dhcache_note(
			en->dh, f->ske.dh_p.p, f->ske.dh_p.len, d->prime);
	} else if (f->ske.seen && f->ske.kind == MX_SKE_ECDHE) {
		g = mx_group_by_id(f->ske.group);
		snprintf(d->kx, sizeof(d->kx), "ECDH");
		d->group = f->ske.group;
		d->kx_bits = g ? g->bits : 0;
	} else if (f->ske.seen && f->ske.kind == MX_SKE_RSA) {
		snprintf(d->kx, sizeof(d->kx), "RSA");
		d->kx_bits = (int)f->ske.rsa_bits; /* export temp key */
	} else if (su != NULL) {
		snprintf(d->kx, sizeof(d->kx), "%s", mx_kx_name(su->kx));
	}
	if (f->ncerts > 0) {
		struct mx_cert c;

		memset(&c, 0, sizeof(c));
		if (mx_x509_decode(f->certs[0].p, f->certs[0].len, &c) == 0 &&
		    c.key_type != NULL) {
			snprintf(d->auth_key, sizeof(d->auth_key), "%s %d",
				 c.key_type, c.key_bits);
			add_cert_key(en->out, d->auth_key);
		}
		mx_cert_clear(&c);
	}
}

/* ---- writing the facts ---------------------------------------------------- */

static void add_group(struct mx_enum *out, uint16_t id, enum mx_enum_ver v)
{
	const struct mx_group *g = mx_group_by_id(id);
	struct mx_enum_group *eg;
	size_t i;

	for (i = 0; i < out->ngroups; i++)
		if (out->groups[i].id == id) {
			out->groups[i].versions |= 1u << v;
			return;
		}
	eg = mx_enum_add_group(out);
	eg->id = id;
	eg->kx_bits = g ? g->bits : 0;
	eg->name = g ? xstrdup(g->iana) : xasprintf("0x%04x", id);
	eg->versions = 1u << v;
}

static void append_reason(struct mx_enum *out, const char *r)
{
	out->incomplete = 1;
	mx_enum_join(&out->incomplete_reason, r);
}

/* A reason of version v: said in the enumeration's reason and kept with
 * v, so a later re-run of v (probe/enum_retry.c) can take it back. */
static void version_reason(struct mx_enum *out, struct mx_enum_version *v,
			   const char *r)
{
	append_reason(out, r);
	mx_enum_join(&v->incomplete_reason, r);
}

static void write_version(struct mx_enumerator *en, struct mx_enum_slot *s)
{
	struct mx_enum_version *v = &en->out->v[s->ver];
	const struct mx_enum_chain *c = &s->ch;
	size_t i, j;

	v->state = c->state;
	/* RFC 5246 appendix E.1: a server that speaks a lower version must
	 * answer with it; only odd reactions while a lower version works is
	 * intolerance, not a refusal. */
	if (c->state == 0 && c->clean == 0 && s->ver <= MX_EV_TLS12) {
		int w;

		for (w = (int)s->ver - 1; w >= 0; w--)
			if (en->slots[w].ch.state == 1)
				break;
		if (w >= 0) {
			char r[240];

			snprintf(r, sizeof(r),
				 "%s: every hello got %.60s while %s was "
				 "accepted - handshake intolerance, not a "
				 "refusal (RFC 5246 appendix E.1); its suites "
				 "are not known",
				 mx_enum_ver_name(s->ver), c->refusal,
				 mx_enum_ver_name(w));
			v->state = -1;
			v->refusal = xstrdup(c->refusal);
			version_reason(en->out, v, r);
		}
	}
	v->odd_only = c->conns > 0 && c->clean == 0 && c->npicks == 0;
	v->server_order = c->state == 1 ? c->server_order : -1;
	v->connections = s->conns;
	v->order_connections = c->order_conns;
	v->group_connections = s->gconns;
	if (c->order_method[0])
		v->order_method = xstrdup(c->order_method);
	if (v->state == 0 && c->refusal[0])
		v->refusal = xstrdup(c->refusal);
	/* One reason for all, said once. */
	if (c->incomplete &&
	    (en->fatal[0] == 0 || strstr(c->reason, en->fatal) == NULL))
		version_reason(en->out, v, c->reason);
	for (i = 0; i < c->npicks; i++) {
		const struct mx_suite *su = mx_suite_by_id(c->picks[i]);
		const struct mx_enum_pick *d = NULL;
		struct mx_enum_suite *es = mx_enum_add_suite(v);

		for (j = 0; j < s->ndet; j++)
			if (s->det[j].suite == c->picks[i])
				d = &s->det[j];
		es->id = c->picks[i];
		es->rank = v->server_order == 1 ? (int)i : -1;
		es->iana = su ? xstrdup(su->iana)
			      : xasprintf("0x%04x", c->picks[i]);
		es->openssl = su && su->openssl ? xstrdup(su->openssl) : NULL;
		es->cipher_bits = su ? su->bits : 0;
		if (d == NULL)
			continue;
		es->kx = d->kx[0] ? xstrdup(d->kx) : NULL;
		if (d->group) {
			const struct mx_group *g = mx_group_by_id(d->group);

			es->group = g ? xstrdup(g->iana)
				      : xasprintf("0x%04x", d->group);
		} else if (d->prime != NULL &&
			   strncmp(d->prime->name, "ffdhe", 5) == 0) {
			es->group = xstrdup(d->prime->name);
		}
		es->kx_bits = d->kx_bits;
		es->dh_prime = d->prime ? xstrdup(d->prime->name) : NULL;
		es->dh_safe_prime =
			d->dh_idx >= 0 ? mx_enum_dhcache_safe(en->dh,
							      (size_t)d->dh_idx)
				       : -1;
		es->auth_key = d->auth_key[0] ? xstrdup(d->auth_key) : NULL;
		if (d->group)
			add_group(en->out, d->group, s->ver);
	}
	for (i = 0; i < c->ngfound; i++)
		add_group(en->out, c->gfound[i], s->ver);
}

void mx_enum_write_facts(struct mx_enumerator *en)
{
	int i;

	if (en->fatal[0])
		append_reason(en->out, en->fatal);
	for (i = 0; i < MX_EV__N; i++)
		if (en->slots[i].ch.nall > 0 || en->slots[i].active ||
		    en->slots[i].conns > 0)
			write_version(en, &en->slots[i]);
	if (en->sh.big_state == 2) {
		en->out->split_hello = 1;
		en->out->split_reason = xstrdup(en->sh.split_reason);
	}
	en->out->per_host_cap = mx_pool_cap(en->pool, en->p.addr);
	en->out->ms = mx_now_ms() - en->t0;
}
