/*
 * clients_predict.c - what a client profile gets from a server, from the
 * enumeration facts alone; part of analyzers/clients.h.
 *
 * Contract: mx_client_predict(profile, enum, &prediction) is pure (no
 * I/O, no allocation): the few rules a TLS server applies when it picks
 * (RFC 8446 §4.1.1, RFC 5246 §7.4.1.3): the highest common version; with
 * server preference the first of its suites the client offers, else the
 * client's first the server accepts; an ECDHE suite only with a common
 * curve (RFC 8422 §5.1); a TLS 1.3 group from the client's key shares,
 * else any common group through a HelloRetryRequest (RFC 8446 §4.1.4).
 * Then the client's own checks of what it got: DH group size floors and
 * ceilings, EC size; and first of all whether the client's hello carries
 * what an intolerant server drops.  A failure says why in the client's
 * own words (mx_client_prediction.why, bounded by its buffer).
 *
 * The working set (struct mx_client_work, clients_int.h) lets the advice
 * (clients_advice.c) predict again with a filtered suite list.
 *
 * Limits: predictions cover the handshake only; a verifying client's
 * certificate checks are the chain and name findings' business.
 */
#include "analyzers/clients_int.h"

#include <stdio.h>
#include <string.h>

#include "model/enum.h"
#include "wire/tls_registry.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *mx_client_fail_name(enum mx_client_fail f)
{
	static const char *const n[] = {
		[MX_CF_NONE] = "none",
		[MX_CF_UNKNOWN] = "unknown",
		[MX_CF_VERSION] = "version",
		[MX_CF_NO_SUITE] = "no_suite",
		[MX_CF_NO_GROUP] = "no_group",
		[MX_CF_DH_SMALL] = "dh_small",
		[MX_CF_DH_LARGE] = "dh_large",
		[MX_CF_EC_SMALL] = "ec_small",
		[MX_CF_INTOLERANCE] = "intolerance",
	};
	return (unsigned)f < N(n) ? n[f] : "unknown";
}

void mx_client_work_init(struct mx_client_work *w,
			 const struct mx_client_profile *p)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->p = p;
	for (i = 0; i < p->nsuites && w->nsuites < N(w->suites); i++)
		w->suites[w->nsuites++] = p->suites[i];
}

static int offers_suite(const struct mx_client_work *w, uint16_t id)
{
	size_t i;

	for (i = 0; i < w->nsuites; i++)
		if (w->suites[i] == id)
			return 1;
	return 0;
}

int mx_client_version_index(uint16_t v)
{
	return v >= MX_SSL3 && v <= MX_TLS13 ? (int)(v - MX_SSL3) : -1;
}

static int server_has_group(const struct mx_enum *e, uint16_t id)
{
	size_t i;

	for (i = 0; i < e->ngroups; i++)
		if (e->groups[i].id == id)
			return 1;
	return 0;
}

static uint16_t group_id(const char *name)
{
	const struct mx_group *g = mx_group_by_name(name);

	return g != NULL ? g->id : 0;
}

static int client_has_group(const struct mx_client_profile *p, uint16_t id)
{
	size_t i;

	for (i = 0; i < p->ngroups; i++)
		if (group_id(p->groups[i]) == id)
			return 1;
	return 0;
}

/* The group of an (EC)DHE exchange with named groups.  TLS 1.3: a key
 * share the server accepts, else any common group (HelloRetryRequest).
 * TLS 1.2 ECDHE: the curve the server took for the enumeration's offer if
 * this client offers it too, else the client's first common one.  0 when
 * there is no common group; `kind` restricts to EC or FFDHE (0: any). */
static uint16_t pick_group(const struct mx_client_profile *p,
			   const struct mx_enum *e,
			   const struct mx_enum_suite *seen, int tls13)
{
	size_t i;

	if (e->ngroups == 0) {
		/* Groups not enumerated: trust what the suite showed. */
		uint16_t g = seen && seen->group ? group_id(seen->group) : 0;

		return g != 0 && client_has_group(p, g) ? g : 0;
	}
	if (tls13) {
		for (i = 0; i < p->nkey_shares && i < p->ngroups; i++)
			if (server_has_group(e, group_id(p->groups[i])))
				return group_id(p->groups[i]);
	} else if (seen != NULL && seen->group != NULL) {
		uint16_t g = group_id(seen->group);

		if (g != 0 && client_has_group(p, g) && server_has_group(e, g))
			return g;
	}
	for (i = 0; i < p->ngroups; i++) {
		const struct mx_group *g = mx_group_by_name(p->groups[i]);

		if (g == NULL || !server_has_group(e, g->id))
			continue;
		if (!tls13 && g->kind != MX_GROUP_EC)
			continue; /* TLS 1.2 ECDHE takes curves only */
		return g->id;
	}
	return 0;
}

/* The enumeration's record of a suite in a version, or NULL. */
static const struct mx_enum_suite *seen_suite(const struct mx_enum_version *v,
					      uint16_t id)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->suites[i].id == id)
			return &v->suites[i];
	return NULL;
}

/* The suite the server picks for this client in version v, or NULL. */
static const struct mx_enum_suite *pick_suite(const struct mx_client_work *w,
					      const struct mx_enum *e,
					      const struct mx_enum_version *v,
					      int tls13)
{
	const struct mx_enum_suite *best = NULL;
	size_t i;

	if (v->server_order != 0) {
		/* Server preference (or unknown: the enumeration lists
		 * the server's order when it has one). */
		for (i = 0; i < v->n; i++) {
			const struct mx_enum_suite *s = &v->suites[i];
			const struct mx_suite *r = mx_suite_by_id(s->id);

			if (!offers_suite(w, s->id))
				continue;
			if (!tls13 && r && r->kx == MX_KX_ECDHE &&
			    e->ngroups > 0 && pick_group(w->p, e, s, 0) == 0)
				continue; /* RFC 8422 §5.1: no common curve */
			if (best == NULL || (s->rank >= 0 && best->rank >= 0 &&
					     s->rank < best->rank))
				best = s;
		}
		return best;
	}
	for (i = 0; i < w->nsuites; i++) {
		const struct mx_enum_suite *s = seen_suite(v, w->suites[i]);
		const struct mx_suite *r = mx_suite_by_id(w->suites[i]);

		if (s == NULL)
			continue;
		if (!tls13 && r && r->kx == MX_KX_ECDHE && e->ngroups > 0 &&
		    pick_group(w->p, e, s, 0) == 0)
			continue;
		return s;
	}
	return NULL;
}

static const char *group_label(uint16_t id)
{
	const struct mx_group *g = mx_group_by_id(id);

	return g != NULL ? g->iana : "unknown group";
}

/* Does this client's hello carry what the intolerant server drops?  A
 * suite class: when the client offers a suite of it; the TLS 1.3 offer:
 * when the client speaks TLS 1.3; an extension, the hello size or the
 * combination: every modern (TLS 1.2+) hello carries them. */
static int hits_intolerance(const struct mx_client_work *w,
			    const struct mx_enum *e)
{
	size_t i;

	if (!e->intolerant)
		return 0;
	switch (e->trigger.kind) {
	case MX_INTOL_NONE:
		return 0;
	case MX_INTOL_TLS13:
		return w->p->max_version >= MX_TLS13;
	case MX_INTOL_EXTENSION:
	case MX_INTOL_SIZE:
	case MX_INTOL_COMBINATION:
		return w->p->max_version >= MX_TLS12;
	case MX_INTOL_CIPHER:
		break;
	}
	for (i = 0; i < w->nsuites; i++) {
		const struct mx_suite *s = mx_suite_by_id(w->suites[i]);

		if (s == NULL)
			continue;
		if ((int)s->cipher == e->trigger.cipher)
			return 1;
		/* the AES-CCM class covers CCM_8 too */
		if (s->cipher == MX_CIPHER_AES_CCM8 &&
		    e->trigger.cipher == MX_CIPHER_AES_CCM)
			return 1;
	}
	return 0;
}

void mx_client_predict_work(const struct mx_client_work *w,
			    const struct mx_enum *e,
			    struct mx_client_prediction *out)
{
	const struct mx_client_profile *p = w->p;
	const struct mx_enum_version *v = NULL;
	const struct mx_enum_suite *s;
	const struct mx_suite *r;
	int vi, hi = -1, lo = -1, known = 0;
	uint16_t ver;

	memset(out, 0, sizeof(*out));
	/* First: a hello the server drops never gets to version or suite
	 * choice (and the enumeration may have taken the drop for a
	 * refused version). */
	if (hits_intolerance(w, e)) {
		out->fail = MX_CF_INTOLERANCE;
		snprintf(out->why, sizeof(out->why),
			 "the server drops hellos offering %s (%s): handshake "
			 "intolerance",
			 e->intolerance_trigger,
			 e->intolerance_reaction ? e->intolerance_reaction
						 : "no answer");
		return;
	}
	/* RFC 8446 §4.2.1 / RFC 5246 §7.4.1.2: the highest common version. */
	for (ver = p->max_version; ver >= p->min_version && ver >= MX_SSL3;
	     ver--) {
		vi = mx_client_version_index(ver);
		if (vi >= 0 && e->v[vi].state == 1) {
			v = &e->v[vi];
			break;
		}
	}
	for (vi = 0; vi < MX_EV__N; vi++) {
		if (e->v[vi].state == 1) {
			if (lo < 0)
				lo = vi;
			hi = vi;
		}
		if (e->v[vi].state >= 0)
			known = 1;
	}
	if (v == NULL) {
		out->fail = known ? MX_CF_VERSION : MX_CF_UNKNOWN;
		if (!known)
			snprintf(out->why, sizeof(out->why),
				 "no enumeration facts to predict from");
		else if (lo < 0)
			snprintf(out->why, sizeof(out->why),
				 "the server accepted no protocol version");
		else
			snprintf(out->why, sizeof(out->why),
				 "no common protocol version: the server "
				 "speaks %s..%s, the client %s..%s",
				 mx_enum_ver_name(lo), mx_enum_ver_name(hi),
				 mx_tls_version_name(p->min_version),
				 mx_tls_version_name(p->max_version));
		return;
	}
	out->version = ver;
	out->server_order = v->server_order;
	s = pick_suite(w, e, v, ver == MX_TLS13);
	if (s == NULL) {
		out->fail = MX_CF_NO_SUITE;
		snprintf(out->why, sizeof(out->why),
			 "no cipher suite in common in %s: the server accepts "
			 "%zu suites, none of them offered by the client (the "
			 "server sends handshake_failure)",
			 mx_tls_version_name(ver), v->n);
		return;
	}
	out->suite = s->id;
	r = mx_suite_by_id(s->id);
	if (ver == MX_TLS13) {
		const struct mx_group *g;

		out->group = pick_group(p, e, s, 1);
		if (out->group == 0 && e->ngroups > 0) {
			out->fail = MX_CF_NO_GROUP;
			snprintf(out->why, sizeof(out->why),
				 "no common key exchange group in TLSv1.3 "
				 "(the server sends handshake_failure)");
			return;
		}
		g = mx_group_by_id(out->group);
		snprintf(out->kx, sizeof(out->kx), "%s %s",
			 g && g->kind == MX_GROUP_FFDHE ? "DH" : "ECDH",
			 group_label(out->group));
	} else if (r != NULL && r->kx == MX_KX_DHE) {
		int bits = s->kx_bits;
		char prime[80] = "";

		if (s->dh_prime != NULL)
			snprintf(prime, sizeof(prime), " (%s)", s->dh_prime);
		snprintf(out->kx, sizeof(out->kx), "DH %d%s", bits, prime);
		if (bits > 0 && bits < p->dh_min_bits) {
			out->fail = MX_CF_DH_SMALL;
			snprintf(out->why, sizeof(out->why),
				 "DHE chosen (%s) with a %d-bit group%s: %s "
				 "needs at least %d bits and aborts with `%s`",
				 r->iana, bits, prime, p->name, p->dh_min_bits,
				 p->dh_error);
			return;
		}
		if (bits > 0 && p->dh_max_bits > 0 && bits > p->dh_max_bits) {
			out->fail = MX_CF_DH_LARGE;
			snprintf(out->why, sizeof(out->why),
				 "DHE chosen (%s) with a %d-bit group: %s "
				 "handles at most %d bits",
				 r->iana, bits, p->name, p->dh_max_bits);
			return;
		}
	} else if (r != NULL && r->kx == MX_KX_ECDHE) {
		const struct mx_group *g;

		out->group = pick_group(p, e, s, 0);
		g = mx_group_by_id(out->group);
		snprintf(out->kx, sizeof(out->kx), "ECDH %s",
			 out->group ? group_label(out->group)
				    : (s->group ? s->group : "?"));
		if (g != NULL && g->bits < p->ec_min_bits) {
			out->fail = MX_CF_EC_SMALL;
			snprintf(out->why, sizeof(out->why),
				 "ECDHE on %s (%u bits): %s needs at least %d",
				 g->iana, g->bits, p->name, p->ec_min_bits);
			return;
		}
	} else if (r != NULL) {
		snprintf(out->kx, sizeof(out->kx), "%s", mx_kx_name(r->kx));
	}
	out->ok = 1;
}

void mx_client_predict(const struct mx_client_profile *p,
		       const struct mx_enum *e,
		       struct mx_client_prediction *out)
{
	struct mx_client_work w;

	mx_client_work_init(&w, p);
	mx_client_predict_work(&w, e, out);
}
