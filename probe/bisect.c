/*
 * bisect.c - handshake intolerance bisection; see bisect.h.
 *
 * A hello is described by a `struct spec` (suites, TLS 1.3 offer,
 * extension flags, padding) and built with wire/tls_hello.h; each one is
 * sent on its own connection by the raw engine (mx_rawhello_run, a
 * private event loop).  Only a complete server flight counts as "works";
 * an alert, FIN, RST, silence or garbage is a failure of that hello.
 */
#include "probe/bisect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/enum_retry.h"
#include "probe/rawhello.h"
#include "probe/target.h"
#include "wire/tls_hello.h"
#include "wire/tls_registry.h"

#define MAX_SUITES 256

struct spec {
	uint16_t suites[MAX_SUITES];
	size_t nsuites;
	int tls13;    /* supported_versions 1.3/1.2, key_share, psk modes */
	unsigned ext; /* MX_HELLO_* */
	size_t pad_to;
};

enum part_kind { P_CIPHER, P_TLS13, P_EXT, P_PAD };

/* The parts of a modern hello, in the order they are tried.  `advice`
 * is the OpenSSL cipher list that avoids the part (NULL: no cipher list
 * can, e.g. an extension OpenSSL always sends). */
static const struct part {
	const char *trigger;
	enum part_kind kind;
	unsigned what; /* enum mx_cipher, MX_HELLO_* or a size */
	const char *advice;
} parts[] = {
	{"AES-GCM suites", P_CIPHER, MX_CIPHER_AES_GCM, "DEFAULT:!AESGCM"},
	{"CHACHA20-POLY1305 suites", P_CIPHER, MX_CIPHER_CHACHA20_POLY1305,
	 "DEFAULT:!CHACHA20"},
	{"AES-CCM suites", P_CIPHER, MX_CIPHER_AES_CCM, "DEFAULT:!AESCCM"},
	{"AES-CBC suites", P_CIPHER, MX_CIPHER_AES,
	 "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20"},
	{"CAMELLIA-CBC suites", P_CIPHER, MX_CIPHER_CAMELLIA,
	 "DEFAULT:!CAMELLIA"},
	{"ARIA-GCM suites", P_CIPHER, MX_CIPHER_ARIA_GCM, "DEFAULT:!ARIA"},
	{"3DES-EDE-CBC suites", P_CIPHER, MX_CIPHER_3DES, "DEFAULT:!3DES"},
	/* RFC 8446 §4.2.1, §4.2.8: what makes a hello a TLS 1.3 offer. */
	{"TLS 1.3 offer (supported_versions, key_share)", P_TLS13, 0,
	 "DEFAULT"},
	/* RFC 6066 §8; OpenSSL sends it only when asked. */
	{"extension status_request", P_EXT, MX_HELLO_STATUS_REQUEST, "DEFAULT"},
	{"extension session_ticket", P_EXT, MX_HELLO_SESSION_TICKET, NULL},
	{"extension extended_master_secret", P_EXT, MX_HELLO_EMS, NULL},
	{"extension encrypt_then_mac", P_EXT, MX_HELLO_ETM, NULL},
	/* RFC 7685: some F5 devices choke on hellos of 256..511 bytes,
	 * others on big ones; OpenSSL does not pad by default. */
	{"hello size of 512 bytes or more", P_PAD, 512, "DEFAULT"},
};

/* Minimal TLS 1.2 bases, tried in order until one works. */
static const uint16_t base_cbc[] = {0xc013, 0xc009, 0x002f, 0x0035};
static const uint16_t base_gcm[] = {0xc02f, 0xc02b, 0x009c};
static const uint16_t base_chacha[] = {0xcca8, 0xcca9};
static const struct {
	const uint16_t *s;
	size_t n;
	unsigned cipher; /* its class: never tried as a part on top */
} bases[] = {
	{base_cbc, 4, MX_CIPHER_AES},
	{base_gcm, 3, MX_CIPHER_AES_GCM},
	{base_chacha, 2, MX_CIPHER_CHACHA20_POLY1305},
};

static const uint16_t groups[] = {0x001d, 0x0017, 0x0018}; /* x25519, P-256,
							      P-384 */

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

static int in_class(const struct mx_suite *s, unsigned cipher)
{
	if (cipher == MX_CIPHER_AES_CCM)
		return s->cipher == MX_CIPHER_AES_CCM ||
		       s->cipher == MX_CIPHER_AES_CCM8;
	return s->cipher == cipher;
}

static void add_suite(struct spec *sp, uint16_t id)
{
	size_t i;

	for (i = 0; i < sp->nsuites; i++)
		if (sp->suites[i] == id)
			return;
	if (sp->nsuites < MAX_SUITES)
		sp->suites[sp->nsuites++] = id;
}

static void add_class(struct spec *sp, unsigned cipher)
{
	size_t i;

	for (i = 0; i < mx_suite_count(); i++) {
		const struct mx_suite *s = mx_suite_at(i);

		if (offerable(s) && in_class(s, cipher))
			add_suite(sp, s->id);
	}
}

static void add_part(struct spec *sp, const struct part *pt)
{
	switch (pt->kind) {
	case P_CIPHER:
		add_class(sp, pt->what);
		break;
	case P_TLS13:
		sp->tls13 = 1;
		add_suite(sp, 0x1301); /* RFC 8446 §B.4: TLS 1.3 needs its */
		add_suite(sp, 0x1302); /* own suites in the offer */
		add_suite(sp, 0x1303);
		break;
	case P_EXT:
		sp->ext |= pt->what;
		break;
	case P_PAD:
		sp->pad_to = pt->what;
		break;
	}
}

static int build(const struct spec *sp, const char *host, struct mx_buf *out)
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

struct attempt {
	enum mx_raw_reaction reaction;
	unsigned alert; /* alert description when reaction is ALERT */
	char what[160]; /* "FIN after ClientHello" */
};

/* TLS alert protocol_version (RFC 8446 section 6.2). */
#define ALERT_PROTOCOL_VERSION 70

/* Send one hello; returns 1 when a full server flight came back. */
static int try_spec(const struct mx_endpoint *ep,
		    const struct mx_clients_params *p, const struct spec *sp,
		    struct attempt *a)
{
	struct mx_rawhello_params rp;
	struct mx_rawhello *rh;
	const struct mx_raw_result *r;
	struct mx_buf hello;
	int works = 0;

	memset(a, 0, sizeof(*a));
	a->reaction = MX_RAW_NOT_SENT;
	mx_buf_init(&hello, 64 * 1024);
	if (build(sp, ep->host, &hello) < 0) {
		mx_buf_free(&hello);
		snprintf(a->what, sizeof(a->what), "hello not built");
		return 0;
	}
	memset(&rp, 0, sizeof(rp));
	rp.host = ep->host;
	rp.addr = ep->addr;
	rp.port = ep->port;
	rp.mode = ep->mode == MX_MODE_IMPLICIT ? MX_MODE_IMPLICIT
					       : MX_MODE_STARTTLS;
	rp.helo = p->helo;
	rp.hello = hello.p;
	rp.hello_len = hello.len;
	rp.connect_timeout_ms = rp.greeting_timeout_ms = p->timeout_ms;
	rp.command_timeout_ms = rp.hello_timeout_ms = p->timeout_ms;
	rp.deadline_ms = p->deadline_ms;
	rp.log = p->log;
	rh = mx_rawhello_run(&rp);
	mx_buf_free(&hello);
	if (rh == NULL)
		return 0;
	r = mx_rawhello_result(rh);
	a->reaction = r->reaction;
	switch (r->reaction) {
	case MX_RAW_FLIGHT:
		works = 1;
		snprintf(a->what, sizeof(a->what), "ServerHello");
		break;
	case MX_RAW_ALERT:
		a->alert = r->flight ? r->flight->alert_desc : 0;
		snprintf(a->what, sizeof(a->what),
			 "alert %s (%u) after ClientHello",
			 r->flight && mx_tls_alert_name(r->flight->alert_desc)
				 ? mx_tls_alert_name(r->flight->alert_desc)
				 : "?",
			 r->flight ? r->flight->alert_desc : 0);
		break;
	case MX_RAW_FIN:
		snprintf(a->what, sizeof(a->what), "FIN after ClientHello");
		break;
	case MX_RAW_RST:
		snprintf(a->what, sizeof(a->what), "RST after ClientHello");
		break;
	case MX_RAW_TIMEOUT:
		snprintf(a->what, sizeof(a->what),
			 "no answer after ClientHello (timeout)");
		break;
	case MX_RAW_NOT_TLS:
	case MX_RAW_BROKEN:
		snprintf(a->what, sizeof(a->what),
			 "%s answer after ClientHello",
			 r->reaction == MX_RAW_NOT_TLS ? "non-TLS" : "broken");
		break;
	case MX_RAW_NOT_SENT:
		snprintf(a->what, sizeof(a->what), "hello not sent (%s)",
			 mx_stop_name(r->smtp.stop));
		break;
	}
	mx_rawhello_free(rh);
	return works;
}

static void full_spec(struct spec *sp)
{
	size_t i;

	memset(sp, 0, sizeof(*sp));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		add_part(sp, &parts[i]);
}

/* The advice for a trigger, confirmed by a real OpenSSL handshake. */
static void advise(struct event_base *base, struct mx_endpoint *ep,
		   const struct mx_clients_params *p, const struct part *pt)
{
	struct mx_enum *e = ep->enumr;
	struct mx_tls_params tp;
	struct mx_tls t;
	char suites13[128] = "";
	static const struct {
		uint16_t id;
		const char *name;
	} s13[] = {
		{0x1302, "TLS_AES_256_GCM_SHA384"},
		{0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
		{0x1301, "TLS_AES_128_GCM_SHA256"},
	};
	size_t i;
	int tls12_only = pt->kind == P_TLS13;

	if (pt->advice == NULL)
		return;
	memset(&tp, 0, sizeof(tp));
	tp.security_level = -1;
	tp.cipher_list = pt->advice;
	if (pt->kind == P_CIPHER) {
		/* TLS 1.3 suites are not in the cipher list: keep only
		 * those outside the trigger's class. */
		size_t len = 0, kept = 0, total = 0;

		for (i = 0; i < sizeof(s13) / sizeof(s13[0]); i++) {
			const struct mx_suite *s = mx_suite_by_id(s13[i].id);

			total++;
			if (s == NULL || in_class(s, pt->what))
				continue;
			len += (size_t)snprintf(suites13 + len,
						sizeof(suites13) - len, "%s%s",
						kept ? ":" : "", s13[i].name);
			kept++;
		}
		if (kept == 0)
			tls12_only = 1;
		else if (kept < total)
			tp.ciphersuites = suites13;
	}
	if (tls12_only)
		tp.max_version = MX_TLS12;
	free(e->intolerance_advice_openssl);
	if (tls12_only)
		e->intolerance_advice_openssl =
			xasprintf("%s (TLS 1.2 at most)", pt->advice);
	else if (tp.ciphersuites != NULL)
		e->intolerance_advice_openssl = xasprintf(
			"%s (TLS 1.3 suites: %s)", pt->advice, suites13);
	else
		e->intolerance_advice_openssl = xstrdup(pt->advice);
	memset(&t, 0, sizeof(t));
	e->intolerance_advice_ok =
		mx_confirm_handshake(base, ep, &mx_tls_openssl, &tp, p, &t);
	mx_tls_clear(&t);
}

/* The enum mx_cipher bits of a suite class, as in_class() sees it. */
static uint32_t class_mask(unsigned cipher)
{
	uint32_t m = UINT32_C(1) << cipher;

	if (cipher == MX_CIPHER_AES_CCM)
		m |= UINT32_C(1) << MX_CIPHER_AES_CCM8;
	return m;
}

/* The versions the trigger kept the enumeration from, again without the
 * trigger's suites (probe/enum_retry.h). */
static void reenumerate(struct mx_endpoint *ep,
			const struct mx_clients_params *p,
			const struct part *pt)
{
	struct mx_enum_retry_params rp;

	memset(&rp, 0, sizeof(rp));
	rp.helo = p->helo;
	rp.timeout_ms = p->timeout_ms;
	rp.deadline_ms = p->deadline_ms;
	rp.log = p->log;
	(void)mx_enum_retry_without(ep, class_mask(pt->what), pt->trigger, &rp);
}

int mx_bisect_run(struct event_base *base, struct mx_endpoint *ep,
		  const struct mx_clients_params *p)
{
	struct mx_enum *e = ep->enumr;
	struct spec full, sp;
	struct attempt a_full, a;
	size_t b, i;
	int found = -1;

	if (e == NULL)
		return -1;
	full_spec(&full);
	if (try_spec(ep, p, &full, &a_full) ||
	    a_full.reaction == MX_RAW_NOT_SENT)
		return 0; /* tolerant, or never got to say hello */
	/* protocol_version is the server's explicit answer that it shares
	 * no version with this hello (a TLS 1.0/1.1-only server offered
	 * TLS 1.3 and 1.2): version negotiation, not intolerance. */
	if (a_full.reaction == MX_RAW_ALERT &&
	    a_full.alert == ALERT_PROTOCOL_VERSION)
		return 0;
	for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		memset(&sp, 0, sizeof(sp));
		for (i = 0; i < bases[b].n; i++)
			add_suite(&sp, bases[b].s[i]);
		if (try_spec(ep, p, &sp, &a))
			break;
	}
	if (b == sizeof(bases) / sizeof(bases[0]))
		return 0; /* nothing works: a refusal, not intolerance */
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const struct part *pt = &parts[i];

		if (p->deadline_ms > 0 && mx_now_ms() >= p->deadline_ms)
			break;
		if (pt->kind == P_CIPHER && pt->what == bases[b].cipher)
			continue; /* the base has it and works */
		memset(&sp, 0, sizeof(sp));
		for (size_t j = 0; j < bases[b].n; j++)
			add_suite(&sp, bases[b].s[j]);
		add_part(&sp, pt);
		if (!try_spec(ep, p, &sp, &a) &&
		    a.reaction != MX_RAW_NOT_SENT) {
			found = (int)i;
			break;
		}
	}
	e->intolerant = 1;
	free(e->intolerance_reaction);
	e->intolerance_reaction = xstrdup(a_full.what);
	free(e->intolerance_trigger);
	e->intolerance_trigger =
		xstrdup(found >= 0 ? parts[found].trigger
				   : "the full hello (no single part alone)");
	if (found >= 0)
		advise(base, ep, p, &parts[found]);
	if (found >= 0 && parts[found].kind == P_CIPHER)
		reenumerate(ep, p, &parts[found]);
	return 1;
}
