/*
 * enum_offer.c - what the enumeration offers: the registry's suites and
 * groups for a version in our offer order, and the ClientHello that
 * carries one offer; see enum.h for the API.
 *
 * Contract: pure functions of the registry (wire/tls_registry.h) and
 * their arguments, no I/O.  The offer order is a table of preferred
 * groups and a sort key for suites (sound before broken, forward
 * secrecy, AEAD, more bits); every suite the registry lists for a
 * version is offered, signalling values excluded.  The hello
 * (mx_enum_build_hello, enum_int.h) is the raw hello of one offer as
 * wire/tls_hello.h encodes it: SSLv3 without extensions, TLS 1.0-1.2
 * with SNI, groups, point formats, renegotiation_info and EMS, TLS 1.3
 * with supported_versions and one key share; randomness from the
 * params' source (the OpenSSL RNG when none), so tests get byte-exact
 * hellos.
 * Limits: MX_ENUM_MAX_OFFER suites; hellos padded to 512 bytes (RFC
 * 7685); the caller's buffer caps the hello.
 */
#include "probe/enum_int.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/xalloc.h"
#include "probe/target.h"
#include "wire/tls_hello.h"
#include "wire/tls_registry.h"

/* ---- offers ------------------------------------------------------------ */

/* Groups a real client would put first; the rest follow by code point. */
static const uint16_t group_pref[] = {
	0x001d,					/* x25519 */
	0x0017,					/* secp256r1 */
	0x0018,					/* secp384r1 */
	0x0019,					/* secp521r1 */
	0x001e,					/* x448 */
	0x11ec,					/* X25519MLKEM768 */
	0x11eb,					/* SecP256r1MLKEM768 */
	0x11ed,					/* SecP384r1MLKEM1024 */
	0x0100, 0x0101, 0x0102, 0x0103, 0x0104, /* ffdhe2048..8192 */
	0x001a, 0x001b, 0x001c,			/* brainpool (TLS 1.2) */
	0x001f, 0x0020, 0x0021,			/* brainpool (TLS 1.3) */
};

static int group_rank(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(group_pref) / sizeof(group_pref[0]); i++)
		if (group_pref[i] == id)
			return (int)i;
	return 1000 + id;
}

static int group_usable(enum mx_enum_ver v, const struct mx_group *g)
{
	if (v == MX_EV_SSL3)
		return 0; /* SSLv3 hellos carry no extensions */
	if (v == MX_EV_TLS13)
		return g->tls13 && g->kind != MX_GROUP_OTHER;
	/* TLS <= 1.2: the RFC 8422 curves only; no ffdhe (RFC 7919 §4
	 * would let the server hide its own DH group from us). */
	return g->kind == MX_GROUP_EC && g->id <= 0x001e;
}

size_t mx_enum_offer_groups(enum mx_enum_ver v, uint16_t *out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < mx_group_count() && n < max; i++) {
		const struct mx_group *g = mx_group_at(i);

		if (group_usable(v, g))
			out[n++] = g->id;
	}
	/* insertion sort by preference (n is small) */
	for (i = 1; i < n; i++) {
		uint16_t x = out[i];

		for (j = i; j > 0 && group_rank(out[j - 1]) > group_rank(x);
		     j--)
			out[j] = out[j - 1];
		out[j] = x;
	}
	return n;
}

static int suite_usable(enum mx_enum_ver v, const struct mx_suite *s)
{
	if (s->flags & MX_SUITE_SCSV)
		return 0;
	if (v == MX_EV_TLS13)
		return (s->flags & MX_SUITE_TLS13) != 0;
	if (s->flags & MX_SUITE_TLS13)
		return 0;
	return s->min_version <= mx_enum_ver_code(v);
}

/* Higher is offered earlier: sound before broken, forward secrecy,
 * AEAD, more bits, certificate-authenticated before PSK/SRP/KRB5. */
static long suite_key(const struct mx_suite *s)
{
	const uint32_t broken = MX_SUITE_NULL | MX_SUITE_ANON |
				MX_SUITE_EXPORT | MX_SUITE_RC4 | MX_SUITE_DES |
				MX_SUITE_RC2;
	const uint32_t keyed = MX_SUITE_PSK | MX_SUITE_SRP | MX_SUITE_KRB5;
	long k = 0;

	k += (s->flags & broken) ? 0 : 1L << 20;
	k += (s->flags & keyed) ? 0 : 1L << 19;
	k += (s->flags & MX_SUITE_3DES) ? 0 : 1L << 18;
	k += (s->flags & MX_SUITE_FS) ? 1L << 17 : 0;
	k += (s->flags & MX_SUITE_AEAD) ? 1L << 16 : 0;
	k += (s->flags & MX_SUITE_UNOFFICIAL) ? 0 : 1L << 15;
	k += (long)(s->bits > 1023 ? 1023 : s->bits) << 5;
	return k;
}

static int cipher_excluded(const struct mx_suite *s, uint32_t exclude)
{
	return s->cipher < 32 && (exclude & (UINT32_C(1) << s->cipher)) != 0;
}

int mx_enum_suite_excluded(uint16_t id, uint32_t exclude)
{
	const struct mx_suite *s = mx_suite_by_id(id);

	return s != NULL && cipher_excluded(s, exclude);
}

size_t mx_enum_offer_suites(enum mx_enum_ver v, uint16_t *out, size_t max)
{
	return mx_enum_offer_suites_without(v, 0, out, max);
}

size_t mx_enum_offer_suites_without(enum mx_enum_ver v, uint32_t exclude,
				    uint16_t *out, size_t max)
{
	const struct mx_suite *tmp[MX_ENUM_MAX_OFFER];
	size_t i, j, n = 0;

	for (i = 0; i < mx_suite_count() && n < max && n < MX_ENUM_MAX_OFFER;
	     i++) {
		const struct mx_suite *s = mx_suite_at(i);

		if (suite_usable(v, s) && !cipher_excluded(s, exclude))
			tmp[n++] = s;
	}
	/* stable insertion sort: key descending, code point ascending */
	for (i = 1; i < n; i++) {
		const struct mx_suite *x = tmp[i];

		for (j = i; j > 0 && suite_key(tmp[j - 1]) < suite_key(x); j--)
			tmp[j] = tmp[j - 1];
		tmp[j] = x;
	}
	for (i = 0; i < n; i++)
		out[i] = tmp[i]->id;
	return n;
}

/* ---- the hello of an offer ------------------------------------------------ */

#define SHARE_MAX 2048

static void rand_openssl(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	if (RAND_bytes(out, (int)n) != 1)
		mx_fatal(__func__, "RAND_bytes failed");
}

static size_t sig_list(enum mx_enum_ver v, uint16_t *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < mx_sigscheme_count() && n < max; i++) {
		const struct mx_sigscheme *s = mx_sigscheme_at(i);

		if (v == MX_EV_TLS13 && s->legacy)
			continue;
		out[n++] = s->id;
	}
	return n;
}

int mx_enum_build_hello(const struct mx_enum_params *p, enum mx_enum_ver v,
			const struct mx_offer *o, struct mx_buf *out, char *err,
			size_t errlen)
{
	static const uint8_t pf[] = {0}; /* uncompressed (RFC 8422 §5.1.2) */
	static const uint16_t v13[] = {MX_TLS13};
	struct mx_hello_params hp;
	struct mx_hello_diag d = {0};
	struct mx_hello_key_share ks;
	uint16_t sigs[128];
	uint8_t share[SHARE_MAX];
	size_t i;

	memset(&hp, 0, sizeof(hp));
	mx_buf_reset(out);
	hp.random = p->random ? p->random : rand_openssl;
	hp.random_ctx = p->random ? p->random_ctx : NULL;
	hp.suites = o->suites;
	hp.nsuites = o->nsuites;
	if (v == MX_EV_SSL3) {
		/* RFC 6101: no extensions. */
		hp.record_version = MX_SSL3;
		hp.legacy_version = MX_SSL3;
	} else {
		hp.record_version = MX_TLS10;
		hp.legacy_version = v == MX_EV_TLS13 ? MX_TLS12
						     : mx_enum_ver_code(v);
		if (p->host && !mx_is_ip_literal(p->host) &&
		    strlen(p->host) <= 255)
			hp.sni = p->host;
		hp.groups = o->groups;
		hp.ngroups = o->ngroups;
		/* RFC 7685: keep the hello out of 256..511 bytes, which
		 * some load balancers cannot read. */
		hp.pad_to = 512;
		if (v == MX_EV_TLS12 || v == MX_EV_TLS13) {
			hp.sigschemes = sigs;
			hp.nsigschemes = sig_list(v, sigs, 128);
		}
		if (v == MX_EV_TLS13) {
			hp.versions = v13;
			hp.nversions = 1;
			hp.ext = MX_HELLO_PSK_MODES |
				 MX_HELLO_RANDOM_SESSION_ID;
			/* One key share, for the first group we can make
			 * one for (RFC 8446 §4.2.8). */
			for (i = 0; i < o->ngroups; i++) {
				ks.len = mx_keyshare_make(o->groups[i],
							  hp.random,
							  hp.random_ctx, share,
							  sizeof(share));
				if (ks.len > 0) {
					ks.group = o->groups[i];
					ks.key = share;
					hp.key_shares = &ks;
					hp.nkey_shares = 1;
					break;
				}
			}
		} else {
			hp.point_formats = pf;
			hp.npoint_formats = 1;
			hp.ext = MX_HELLO_RENEG_INFO | MX_HELLO_EMS;
		}
	}
	if (mx_hello_build(&hp, out, &d) != MX_HELLO_OK || out->err) {
		snprintf(err, errlen, "cannot build the hello: %s",
			 d.what ? d.what : "too big");
		return -1;
	}
	return 0;
}
