/*
 * bisect_hello.c - the hellos of the intolerance bisection: the parts of
 * a modern ClientHello tried one at a time, the minimal TLS 1.2 bases,
 * and the builder (wire/tls_hello.h) of a hello described by a spec; see
 * bisect_int.h.  Pure: no I/O (randomness from the OpenSSL RNG).
 */
#include "probe/bisect_int.h"

#include <string.h>

#include <openssl/rand.h>

#include "common/xalloc.h"
#include "probe/target.h"
#include "wire/tls_hello.h"

/* The parts of a modern hello, in the order they are tried.  `advice`
 * is the OpenSSL cipher list that avoids the part (NULL: no cipher list
 * can, e.g. an extension OpenSSL always sends). */
const struct mx_bisect_part mx_bisect_parts[] = {
	{"AES-GCM suites", MX_BP_CIPHER, MX_CIPHER_AES_GCM, 0,
	 "DEFAULT:!AESGCM"},
	{"CHACHA20-POLY1305 suites", MX_BP_CIPHER, MX_CIPHER_CHACHA20_POLY1305,
	 0, "DEFAULT:!CHACHA20"},
	{"AES-CCM suites", MX_BP_CIPHER, MX_CIPHER_AES_CCM, 0,
	 "DEFAULT:!AESCCM"},
	{"AES-CBC suites", MX_BP_CIPHER, MX_CIPHER_AES, 0,
	 "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20"},
	{"CAMELLIA-CBC suites", MX_BP_CIPHER, MX_CIPHER_CAMELLIA, 0,
	 "DEFAULT:!CAMELLIA"},
	{"ARIA-GCM suites", MX_BP_CIPHER, MX_CIPHER_ARIA_GCM, 0,
	 "DEFAULT:!ARIA"},
	{"3DES-EDE-CBC suites", MX_BP_CIPHER, MX_CIPHER_3DES, 0,
	 "DEFAULT:!3DES"},
	/* RFC 8446 §4.2.1, §4.2.8: what makes a hello a TLS 1.3 offer. */
	{"TLS 1.3 offer (supported_versions, key_share)", MX_BP_TLS13, 0, 0,
	 "DEFAULT"},
	/* RFC 6066 §8; OpenSSL sends it only when asked. */
	{"extension status_request", MX_BP_EXT, MX_HELLO_STATUS_REQUEST, 5,
	 "DEFAULT"},
	/* RFC 5077, RFC 7627, RFC 7366 */
	{"extension session_ticket", MX_BP_EXT, MX_HELLO_SESSION_TICKET, 35,
	 NULL},
	{"extension extended_master_secret", MX_BP_EXT, MX_HELLO_EMS, 23, NULL},
	{"extension encrypt_then_mac", MX_BP_EXT, MX_HELLO_ETM, 22, NULL},
	/* RFC 7685: some F5 devices choke on hellos of 256..511 bytes,
	 * others on big ones; OpenSSL does not pad by default. */
	{"hello size of 512 bytes or more", MX_BP_PAD, 512, 0, "DEFAULT"},
};

/* Minimal TLS 1.2 bases, tried in order until one works. */
static const uint16_t base_cbc[] = {0xc013, 0xc009, 0x002f, 0x0035};
static const uint16_t base_gcm[] = {0xc02f, 0xc02b, 0x009c};
static const uint16_t base_chacha[] = {0xcca8, 0xcca9};
const struct mx_bisect_base mx_bisect_bases[] = {
	{base_cbc, 4, MX_CIPHER_AES},
	{base_gcm, 3, MX_CIPHER_AES_GCM},
	{base_chacha, 2, MX_CIPHER_CHACHA20_POLY1305},
};

static const uint16_t groups[] = {0x001d, 0x0017,
				  0x0018}; /* x25519, P-256, P-384 */

static void rand_cb(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	if (RAND_bytes(out, (int)n) != 1)
		mx_fatal(__func__, "RAND_bytes failed");
}

/* Suites a sender might offer: ordinary key exchange and authentication,
 * no NULL/anon/export/PSK/SRP/KRB5 and nothing unofficial. */
static int offerable(const struct mx_suite *s)
{
	if (s->flags & (MX_SUITE_NULL | MX_SUITE_ANON | MX_SUITE_EXPORT |
			MX_SUITE_PSK | MX_SUITE_SRP | MX_SUITE_KRB5 |
			MX_SUITE_SCSV | MX_SUITE_UNOFFICIAL))
		return 0;
	return s->kx == MX_KX_RSA || s->kx == MX_KX_DHE ||
	       s->kx == MX_KX_ECDHE || s->kx == MX_KX_ANY;
}

int mx_bisect_in_class(const struct mx_suite *s, unsigned cipher)
{
	if (cipher == MX_CIPHER_AES_CCM)
		return s->cipher == MX_CIPHER_AES_CCM ||
		       s->cipher == MX_CIPHER_AES_CCM8;
	return s->cipher == cipher;
}

void mx_bisect_add_suite(struct mx_bisect_spec *sp, uint16_t id)
{
	size_t i;

	for (i = 0; i < sp->nsuites; i++)
		if (sp->suites[i] == id)
			return;
	if (sp->nsuites < MX_BISECT_MAX_SUITES)
		sp->suites[sp->nsuites++] = id;
}

static void add_class(struct mx_bisect_spec *sp, unsigned cipher)
{
	size_t i;

	for (i = 0; i < mx_suite_count(); i++) {
		const struct mx_suite *s = mx_suite_at(i);

		if (offerable(s) && mx_bisect_in_class(s, cipher))
			mx_bisect_add_suite(sp, s->id);
	}
}

void mx_bisect_add_part(struct mx_bisect_spec *sp,
			const struct mx_bisect_part *pt)
{
	switch (pt->kind) {
	case MX_BP_CIPHER:
		add_class(sp, pt->what);
		break;
	case MX_BP_TLS13:
		sp->tls13 = 1;
		mx_bisect_add_suite(
			sp, 0x1301); /* RFC 8446 §B.4: TLS 1.3 needs its */
		mx_bisect_add_suite(sp, 0x1302); /* own suites in the offer */
		mx_bisect_add_suite(sp, 0x1303);
		break;
	case MX_BP_EXT:
		sp->ext |= pt->what;
		break;
	case MX_BP_PAD:
		sp->pad_to = pt->what;
		break;
	}
}

int mx_bisect_build(const struct mx_bisect_spec *sp, const char *host,
		    struct mx_buf *out)
{
	static const uint16_t vers[] = {MX_TLS13, MX_TLS12};
	static const uint8_t pf[] = {0};
	struct mx_hello_params hp;
	struct mx_hello_diag d = {0};
	struct mx_hello_key_share ks;
	uint16_t sigs[128];
	uint8_t share[256];
	size_t i, nsigs = 0;

	memset(&hp, 0, sizeof(hp));
	hp.random = rand_cb;
	hp.record_version = MX_TLS10;
	hp.legacy_version = MX_TLS12;
	hp.suites = sp->suites;
	hp.nsuites = sp->nsuites;
	hp.groups = groups;
	hp.ngroups = sizeof(groups) / sizeof(groups[0]);
	hp.point_formats = pf;
	hp.npoint_formats = 1;
	for (i = 0; i < mx_sigscheme_count() && nsigs < 128; i++)
		sigs[nsigs++] = mx_sigscheme_at(i)->id;
	hp.sigschemes = sigs;
	hp.nsigschemes = nsigs;
	if (host != NULL && !mx_is_ip_literal(host) && strlen(host) <= 255)
		hp.sni = host;
	hp.ext = sp->ext | MX_HELLO_RENEG_INFO;
	hp.pad_to = sp->pad_to;
	if (sp->tls13) {
		hp.versions = vers;
		hp.nversions = 2;
		hp.ext |= MX_HELLO_PSK_MODES | MX_HELLO_RANDOM_SESSION_ID;
		ks.group = 0x001d;
		ks.len = mx_keyshare_make(0x001d, rand_cb, NULL, share,
					  sizeof(share));
		ks.key = share;
		if (ks.len > 0) {
			hp.key_shares = &ks;
			hp.nkey_shares = 1;
		}
	}
	return mx_hello_build(&hp, out, &d) == MX_HELLO_OK && !out->err ? 0
									: -1;
}

size_t mx_bisect_part_count(void)
{
	return sizeof(mx_bisect_parts) / sizeof(mx_bisect_parts[0]);
}

size_t mx_bisect_base_count(void)
{
	return sizeof(mx_bisect_bases) / sizeof(mx_bisect_bases[0]);
}

size_t mx_bisect_ngroups(void)
{
	return sizeof(groups) / sizeof(groups[0]);
}
