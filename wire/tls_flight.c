/*
 * tls_flight.c - server flight parser; see tls_flight.h for the contract.
 *
 * Three layers, each through struct mx_cur: records (RFC 5246 §6.2.1,
 * RFC 8446 §5.1) are cut from an input buffer; handshake fragments are
 * appended to a reassembly buffer and complete messages (RFC 8446 §4,
 * Handshake { msg_type; uint24 length; body }) are cut from it; each
 * message body is parsed with sub-cursors per length-prefixed vector and
 * must be consumed exactly.
 */
#include "wire/tls_flight.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "wire/tls_registry.h"

#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
#define CT_HEARTBEAT 24

#define HS_HELLO_REQUEST 0
#define HS_SERVER_HELLO 2
#define HS_CERTIFICATE 11
#define HS_SERVER_KEY_EXCHANGE 12
#define HS_CERTIFICATE_REQUEST 13
#define HS_SERVER_HELLO_DONE 14
#define HS_CERTIFICATE_STATUS 22

struct mx_flight {
	struct mx_flight_facts facts;
	struct mx_buf in; /* bytes of a record not yet complete */
	struct mx_buf hs; /* handshake bytes not yet a whole message */
	size_t hs_total;  /* handshake bytes taken in, for the cap */
	int last_order;	  /* position of the last message after SH */
};

/* RFC 8446 §4.1.3: SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
	0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
	0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};
/* RFC 8446 §4.1.3: "DOWNGRD" and 01 (TLS 1.2) or 00 (below) */
static const uint8_t downgrade[7] = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44};

/* ---- record layer ------------------------------------------------------ */

enum mx_rec_status mx_tls_record_next(struct mx_cur *c,
				      struct mx_tls_record *out)
{
	struct mx_cur look = *c;
	uint8_t type;
	uint16_t version, len;

	if (!mx_cur_ok(c))
		return MX_REC_NOT_TLS;
	type = mx_cur_u8(&look);
	if (!mx_cur_ok(&look))
		return MX_REC_MORE;
	/* RFC 6101 Appendix E / RFC 6176: an SSLv2 record has the high bit
	 * of its 2-byte length set; a SERVER-HELLO is message type 4. */
	if (type & 0x80) {
		struct mx_cur v2 = look;

		if (mx_cur_left(&look) < 2)
			return MX_REC_MORE;
		(void)mx_cur_u8(&v2);
		if (mx_cur_u8(&v2) == 4)
			return MX_REC_SSLV2;
	}
	if (type < CT_CCS || type > CT_HEARTBEAT)
		return MX_REC_NOT_TLS;
	version = mx_cur_u16(&look);
	if (!mx_cur_ok(&look))
		return (mx_cur_left(c) >= 2 && c->p[1] != 3) ? MX_REC_NOT_TLS
							     : MX_REC_MORE;
	if ((version >> 8) != 3)
		return MX_REC_NOT_TLS;
	len = mx_cur_u16(&look);
	if (!mx_cur_ok(&look))
		return MX_REC_MORE;
	if (len > MX_TLS_MAX_RECORD)
		return MX_REC_OVERFLOW;
	if (mx_cur_left(&look) < len)
		return MX_REC_MORE;
	out->type = type;
	out->version = version;
	out->len = len;
	out->body = mx_cur_bytes(&look, len);
	*c = look;
	return MX_REC_OK;
}

/* ---- helpers ----------------------------------------------------------- */

static enum mx_flight_status fail(struct mx_flight *f, enum mx_flight_status st,
				  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum mx_flight_status fail(struct mx_flight *f, enum mx_flight_status st,
				  const char *fmt, ...)
{
	va_list ap;

	if (f->facts.status != MX_FLIGHT_MORE)
		return f->facts.status;
	f->facts.status = st;
	va_start(ap, fmt);
	vsnprintf(f->facts.detail, sizeof(f->facts.detail), fmt, ap);
	va_end(ap);
	return st;
}

/* A cursor error inside a message is always INVALID: the message length
 * was known, so a short read means an inner length lied. */
static enum mx_flight_status cur_fail(struct mx_flight *f,
				      const struct mx_cur *c, const char *where)
{
	return fail(f, MX_FLIGHT_INVALID, "%s: %s", where,
		    mx_cur_strerror(c->err));
}

static void copy_bytes(struct mx_bytes *b, const struct mx_cur *c)
{
	size_t n = mx_cur_left(c);

	free(b->p);
	b->p = xmalloc(n ? n : 1);
	if (n)
		memcpy(b->p, c->p, n);
	b->len = n;
}

static unsigned bit_length(const uint8_t *p, size_t len)
{
	size_t i = 0;
	unsigned bits;
	uint8_t top;

	while (i < len && p[i] == 0)
		i++;
	if (i == len)
		return 0;
	bits = (unsigned)(len - i - 1) * 8;
	for (top = p[i]; top; top >>= 1)
		bits++;
	return bits;
}

static const char *hs_name(uint8_t t)
{
	const char *n = mx_tls_handshake_name(t);

	return n ? n : "unknown";
}

/* ---- ServerHello ------------------------------------------------------- */

static int seen_ext(const struct mx_server_hello *sh, uint16_t t, size_t upto)
{
	size_t i;

	for (i = 0; i < upto && i < MX_FLIGHT_MAX_EXTS; i++)
		if (sh->ext[i] == t)
			return 1;
	return 0;
}

/* One extension of a ServerHello / HRR; `d` is its body. */
static enum mx_flight_status sh_ext(struct mx_flight *f, uint16_t type,
				    struct mx_cur *d)
{
	struct mx_server_hello *sh = &f->facts.sh;
	struct mx_cur v, name;

	switch (type) {
	case 43: /* supported_versions, RFC 8446 §4.2.1 */
		sh->has_supported_versions = 1;
		sh->version = mx_cur_u16(d);
		break;
	case 51: /* key_share, RFC 8446 §4.2.8 */
		sh->has_key_share = 1;
		sh->key_share_group = mx_cur_u16(d);
		if (!sh->hrr) {
			mx_cur_sub16(d, &v);
			sh->key_share_len = mx_cur_left(&v);
			if (mx_cur_ok(d) && sh->key_share_len == 0)
				return fail(f, MX_FLIGHT_INVALID,
					    "ServerHello: empty key_share");
		}
		break;
	case 23: /* extended_master_secret, RFC 7627 §5.2: empty */
		sh->ems = 1;
		break;
	case 22: /* encrypt_then_mac, RFC 7366 §2: empty */
		sh->etm = 1;
		break;
	case 35: /* session_ticket, RFC 5077 §3.2: empty */
		sh->session_ticket = 1;
		break;
	case 5: /* status_request, RFC 6066 §8: empty */
		sh->status_request = 1;
		break;
	case 0xff01: /* renegotiation_info, RFC 5746 §3.2 */
		sh->reneg_info = 1;
		mx_cur_sub8(d, &v);
		sh->reneg_info_len = mx_cur_left(&v);
		break;
	case 16: /* ALPN, RFC 7301 §3.1: exactly one name */
		sh->has_alpn = 1;
		mx_cur_sub16(d, &v);
		mx_cur_sub8(&v, &name);
		if (mx_cur_ok(&v) && mx_cur_left(&name) == 0)
			return fail(f, MX_FLIGHT_INVALID,
				    "ServerHello: empty ALPN name");
		sh->alpn_len = mx_cur_left(&name);
		mx_cur_copy(&name, sh->alpn, sh->alpn_len);
		if (!mx_cur_done(&v))
			return fail(f, MX_FLIGHT_INVALID,
				    "ServerHello: ALPN must name one protocol");
		break;
	case 11: /* ec_point_formats, RFC 8422 §5.2 */
		sh->has_point_formats = 1;
		mx_cur_sub8(d, &v);
		if (mx_cur_ok(d) && mx_cur_left(&v) == 0)
			return fail(f, MX_FLIGHT_INVALID,
				    "ServerHello: empty ec_point_formats");
		sh->npoint_formats = mx_cur_left(&v);
		if (sh->npoint_formats > sizeof(sh->point_formats))
			sh->npoint_formats = sizeof(sh->point_formats);
		mx_cur_copy(&v, sh->point_formats, sh->npoint_formats);
		mx_cur_skip(&v, mx_cur_left(&v));
		break;
	default: /* recorded by type, body not interpreted */
		mx_cur_skip(d, mx_cur_left(d));
		break;
	}
	if (!mx_cur_done(d))
		return fail(f, MX_FLIGHT_INVALID,
			    "ServerHello: extension %u: %s", type,
			    mx_cur_strerror(d->err));
	return MX_FLIGHT_MORE;
}

static enum mx_flight_status server_hello(struct mx_flight *f, struct mx_cur *m)
{
	struct mx_server_hello *sh = &f->facts.sh;
	struct mx_cur sid, exts;
	size_t i = 0;

	sh->seen = 1;
	/* RFC 8446 §4.1.3 / RFC 5246 §7.4.1.3 */
	sh->legacy_version = mx_cur_u16(m);
	mx_cur_copy(m, sh->random, 32);
	mx_cur_sub8(m, &sid);
	sh->suite = mx_cur_u16(m);
	sh->compression = mx_cur_u8(m);
	if (!mx_cur_ok(m))
		return cur_fail(f, m, "ServerHello");
	if (mx_cur_left(&sid) > 32) /* legacy_session_id<0..32> */
		return fail(f, MX_FLIGHT_INVALID,
			    "ServerHello: session id of %zu bytes",
			    mx_cur_left(&sid));
	sh->session_id_len = mx_cur_left(&sid);
	mx_cur_copy(&sid, sh->session_id, sh->session_id_len);
	sh->hrr = memcmp(sh->random, hrr_random, 32) == 0;
	if (memcmp(sh->random + 24, downgrade, 7) == 0) {
		sh->downgrade_tls12 = sh->random[31] == 1;
		sh->downgrade_tls11 = sh->random[31] == 0;
	}
	sh->version = sh->legacy_version;

	if (mx_cur_left(m) > 0) { /* extensions are optional <= 1.2 */
		mx_cur_sub16(m, &exts);
		if (!mx_cur_ok(m))
			return cur_fail(f, m, "ServerHello extensions");
		while (mx_cur_left(&exts) > 0) {
			uint16_t t = mx_cur_u16(&exts);
			struct mx_cur d;
			enum mx_flight_status st;

			mx_cur_sub16(&exts, &d);
			if (!mx_cur_ok(&exts))
				return cur_fail(f, &exts,
						"ServerHello extension");
			/* RFC 8446 §4.2: at most one of each type */
			if (seen_ext(sh, t, i))
				return fail(f, MX_FLIGHT_INVALID,
					    "ServerHello: extension %u twice",
					    t);
			if (i < MX_FLIGHT_MAX_EXTS)
				sh->ext[sh->next++] = t;
			else
				return fail(f, MX_FLIGHT_TOO_BIG,
					    "ServerHello: more than %d "
					    "extensions",
					    MX_FLIGHT_MAX_EXTS);
			i++;
			st = sh_ext(f, t, &d);
			if (st != MX_FLIGHT_MORE)
				return st;
		}
	}
	if (!mx_cur_done(m))
		return cur_fail(f, m, "ServerHello");

	if ((sh->legacy_version >> 8) != 3)
		return fail(f, MX_FLIGHT_INVALID, "ServerHello: version 0x%04x",
			    sh->legacy_version);
	if (sh->has_supported_versions) {
		/* RFC 8446 §4.2.1: a pre-1.3 selected_version is fatal */
		if (sh->version < MX_TLS13)
			return fail(f, MX_FLIGHT_INVALID,
				    "ServerHello: supported_versions selects "
				    "0x%04x",
				    sh->version);
		if (sh->compression != 0)
			return fail(f, MX_FLIGHT_INVALID,
				    "TLS 1.3 ServerHello with compression %u",
				    sh->compression);
		return MX_FLIGHT_DONE; /* the rest is encrypted */
	}
	if (sh->hrr)
		return fail(f, MX_FLIGHT_INVALID,
			    "HelloRetryRequest without supported_versions");
	if (sh->legacy_version > MX_TLS12)
		return fail(f, MX_FLIGHT_UNSUPPORTED,
			    "ServerHello: version 0x%04x without "
			    "supported_versions",
			    sh->legacy_version);
	return MX_FLIGHT_MORE;
}

/* ---- Certificate, ServerKeyExchange ------------------------------------ */

static enum mx_flight_status certificate(struct mx_flight *f, struct mx_cur *m)
{
	struct mx_cur list, cert;

	f->facts.has_certificate = 1;
	/* RFC 5246 §7.4.2: ASN.1Cert certificate_list<0..2^24-1> */
	mx_cur_sub24(m, &list);
	if (!mx_cur_done(m))
		return cur_fail(f, m, "Certificate");
	while (mx_cur_left(&list) > 0) {
		mx_cur_sub24(&list, &cert);
		if (!mx_cur_ok(&list))
			return cur_fail(f, &list, "Certificate entry");
		if (mx_cur_left(&cert) == 0)
			return fail(f, MX_FLIGHT_INVALID,
				    "Certificate: empty entry %zu",
				    f->facts.ncerts);
		if (f->facts.ncerts == MX_FLIGHT_MAX_CERTS)
			return fail(f, MX_FLIGHT_TOO_BIG,
				    "Certificate: more than %d certificates",
				    MX_FLIGHT_MAX_CERTS);
		copy_bytes(&f->facts.certs[f->facts.ncerts++], &cert);
	}
	return MX_FLIGHT_MORE;
}

/* ServerDHParams, RFC 5246 §7.4.3: dh_p, dh_g, dh_Ys <1..2^16-1> */
static enum mx_flight_status dh_params(struct mx_flight *f, struct mx_cur *m)
{
	struct mx_ske *k = &f->facts.ske;
	struct mx_cur p, g, ys;

	k->kind = MX_SKE_DHE;
	mx_cur_sub16(m, &p);
	mx_cur_sub16(m, &g);
	mx_cur_sub16(m, &ys);
	if (!mx_cur_ok(m))
		return cur_fail(f, m, "ServerKeyExchange DH params");
	if (!mx_cur_left(&p) || !mx_cur_left(&g) || !mx_cur_left(&ys))
		return fail(f, MX_FLIGHT_INVALID,
			    "ServerKeyExchange: empty DH value");
	copy_bytes(&k->dh_p, &p);
	copy_bytes(&k->dh_g, &g);
	copy_bytes(&k->dh_ys, &ys);
	k->dh_bits = bit_length(k->dh_p.p, k->dh_p.len);
	return MX_FLIGHT_MORE;
}

/* ServerECDHParams, RFC 8422 §5.4 */
static enum mx_flight_status ec_params(struct mx_flight *f, struct mx_cur *m)
{
	struct mx_ske *k = &f->facts.ske;
	struct mx_cur pt;

	k->kind = MX_SKE_ECDHE;
	k->curve_type = mx_cur_u8(m);
	if (!mx_cur_ok(m))
		return cur_fail(f, m, "ServerKeyExchange EC params");
	if (k->curve_type == 1 || k->curve_type == 2)
		return fail(f, MX_FLIGHT_UNSUPPORTED,
			    "ServerKeyExchange: explicit curve (type %u)",
			    k->curve_type);
	if (k->curve_type != 3)
		return fail(f, MX_FLIGHT_INVALID,
			    "ServerKeyExchange: curve type %u", k->curve_type);
	k->group = mx_cur_u16(m);
	mx_cur_sub8(m, &pt);
	if (!mx_cur_ok(m))
		return cur_fail(f, m, "ServerKeyExchange EC point");
	if (mx_cur_left(&pt) == 0)
		return fail(f, MX_FLIGHT_INVALID,
			    "ServerKeyExchange: empty EC point");
	copy_bytes(&k->point, &pt);
	return MX_FLIGHT_MORE;
}

static enum mx_flight_status server_key_exchange(struct mx_flight *f,
						 struct mx_cur *m)
{
	struct mx_ske *k = &f->facts.ske;
	const struct mx_suite *s = mx_suite_by_id(f->facts.sh.suite);
	struct mx_cur v, sig;
	enum mx_flight_status st = MX_FLIGHT_MORE;
	int psk_hint = 0;

	k->seen = 1;
	if (s == NULL)
		return fail(f, MX_FLIGHT_UNSUPPORTED,
			    "ServerKeyExchange for unknown suite 0x%04x",
			    f->facts.sh.suite);
	k->has_signature = !(s->flags & (MX_SUITE_ANON | MX_SUITE_PSK));
	if (s->flags & MX_SUITE_PSK) {
		/* RFC 4279 §2: psk_identity_hint<0..2^16-1> first */
		psk_hint = 1;
		k->kind = MX_SKE_PSK;
		mx_cur_sub16(m, &v);
		if (!mx_cur_ok(m))
			return cur_fail(f, m, "ServerKeyExchange PSK hint");
		copy_bytes(&k->psk_hint, &v);
	}
	switch (s->kx) {
	case MX_KX_DHE:
	case MX_KX_DHE_PSK:
		st = dh_params(f, m);
		break;
	case MX_KX_ECDHE:
	case MX_KX_ECDHE_PSK:
		st = ec_params(f, m);
		break;
	case MX_KX_RSA:
		/* RFC 4346 §7.4.3 (export): ServerRSAParams */
		k->kind = MX_SKE_RSA;
		mx_cur_sub16(m, &v);
		copy_bytes(&k->rsa_modulus, &v);
		mx_cur_sub16(m, &v);
		copy_bytes(&k->rsa_exponent, &v);
		if (!mx_cur_ok(m))
			return cur_fail(f, m, "ServerKeyExchange RSA params");
		k->rsa_bits = bit_length(k->rsa_modulus.p, k->rsa_modulus.len);
		break;
	case MX_KX_PSK:
	case MX_KX_RSA_PSK:
		if (!psk_hint)
			return fail(f, MX_FLIGHT_INVALID,
				    "ServerKeyExchange: PSK without hint");
		break;
	default:
		return fail(f, MX_FLIGHT_UNSUPPORTED,
			    "ServerKeyExchange for %s key exchange",
			    mx_kx_name(s->kx));
	}
	if (st != MX_FLIGHT_MORE)
		return st;
	if (k->has_signature) {
		/* RFC 5246 §7.4.3 digitally-signed: TLS 1.2 prefixes the
		 * SignatureAndHashAlgorithm; earlier versions do not. */
		if (f->facts.sh.version >= MX_TLS12)
			k->sig_scheme = mx_cur_u16(m);
		mx_cur_sub16(m, &sig);
		k->sig_len = mx_cur_left(&sig);
	}
	if (!mx_cur_done(m))
		return cur_fail(f, m, "ServerKeyExchange");
	return MX_FLIGHT_MORE;
}

/* ---- message dispatch -------------------------------------------------- */

/* Position of each message allowed after a TLS <= 1.2 ServerHello
 * (RFC 5246 §7.3, RFC 6066 §8); 0: not allowed here. */
static int order_of(uint8_t t)
{
	switch (t) {
	case HS_CERTIFICATE:
		return 1;
	case HS_CERTIFICATE_STATUS:
		return 2;
	case HS_SERVER_KEY_EXCHANGE:
		return 3;
	case HS_CERTIFICATE_REQUEST:
		return 4;
	case HS_SERVER_HELLO_DONE:
		return 5;
	}
	return 0;
}

static enum mx_flight_status message(struct mx_flight *f, uint8_t t,
				     struct mx_cur *m)
{
	struct mx_flight_facts *x = &f->facts;
	struct mx_cur v;
	int ord;

	if (x->nhs < sizeof(x->hs_types))
		x->hs_types[x->nhs++] = t;
	/* RFC 5246 §7.4.1.1: a client may ignore HelloRequest. */
	if (t == HS_HELLO_REQUEST) {
		if (!mx_cur_done(m))
			return cur_fail(f, m, "HelloRequest");
		return MX_FLIGHT_MORE;
	}
	if (!x->sh.seen) {
		if (t != HS_SERVER_HELLO)
			return fail(f, MX_FLIGHT_INVALID,
				    "expected ServerHello, got %s (%u)",
				    hs_name(t), t);
		return server_hello(f, m);
	}
	ord = order_of(t);
	if (ord == 0) {
		if (t == HS_SERVER_HELLO)
			return fail(f, MX_FLIGHT_INVALID, "second ServerHello");
		return fail(f, MX_FLIGHT_UNSUPPORTED,
			    "%s (%u) in the server flight", hs_name(t), t);
	}
	if (ord <= f->last_order)
		return fail(f, MX_FLIGHT_INVALID, "%s (%u) out of order",
			    hs_name(t), t);
	f->last_order = ord;
	switch (t) {
	case HS_CERTIFICATE:
		return certificate(f, m);
	case HS_CERTIFICATE_STATUS:
		/* RFC 6066 §8: status_type, then OCSPResponse<1..2^24-1> */
		x->has_cert_status = 1;
		(void)mx_cur_u8(m);
		mx_cur_sub24(m, &v);
		break;
	case HS_SERVER_KEY_EXCHANGE:
		return server_key_exchange(f, m);
	case HS_CERTIFICATE_REQUEST:
		x->has_cert_request = 1; /* body not interpreted */
		mx_cur_skip(m, mx_cur_left(m));
		break;
	case HS_SERVER_HELLO_DONE:
		x->has_done = 1;
		if (!mx_cur_done(m))
			return cur_fail(f, m, "ServerHelloDone");
		return MX_FLIGHT_DONE;
	}
	if (!mx_cur_done(m))
		return cur_fail(f, m, hs_name(t));
	return MX_FLIGHT_MORE;
}

/* Cut whole handshake messages from the reassembly buffer. */
static enum mx_flight_status drain_handshake(struct mx_flight *f)
{
	while (f->hs.len >= 4) {
		struct mx_cur c, m;
		uint8_t t;
		size_t len;
		enum mx_flight_status st;

		mx_cur_init(&c, f->hs.p, f->hs.len);
		t = mx_cur_u8(&c);
		len = mx_cur_u24(&c);
		if (len > MX_FLIGHT_MAX_BYTES)
			return fail(f, MX_FLIGHT_TOO_BIG, "%s of %zu bytes",
				    hs_name(t), len);
		if (mx_cur_left(&c) < len)
			return MX_FLIGHT_MORE;
		mx_cur_subn(&c, &m, len);
		st = message(f, t, &m);
		mx_buf_consume(&f->hs, 4 + len);
		if (st != MX_FLIGHT_MORE)
			return fail(f, st, "%s", "");
	}
	return MX_FLIGHT_MORE;
}

static enum mx_flight_status record(struct mx_flight *f,
				    const struct mx_tls_record *r)
{
	struct mx_flight_facts *x = &f->facts;

	if (x->records++ == 0)
		x->record_version = r->version;
	if (r->len > 16384)
		x->oversized_records++;
	/* RFC 8446 §5.1: no interleaving while a message is incomplete. */
	if (f->hs.len > 0 && r->type != CT_HANDSHAKE)
		return fail(f, MX_FLIGHT_INVALID,
			    "record type %u inside a split handshake message",
			    r->type);
	switch (r->type) {
	case CT_ALERT:
		/* RFC 5246 §7.2: AlertLevel level; AlertDescription */
		if (r->len != 2)
			return fail(f, MX_FLIGHT_INVALID,
				    "alert record of %zu bytes", r->len);
		/* A warning other than close_notify does not end the
		 * handshake (an unrecognized_name warning is common). */
		if (r->body[0] == 1 && r->body[1] != 0) {
			x->warnings++;
			x->warning_desc = r->body[1];
			return MX_FLIGHT_MORE;
		}
		x->alert = 1;
		x->alert_level = r->body[0];
		x->alert_desc = r->body[1];
		return fail(f, MX_FLIGHT_ALERT, "alert %u/%u", r->body[0],
			    r->body[1]);
	case CT_HANDSHAKE:
		if (r->len == 0) /* RFC 8446 §5.1, RFC 5246 §6.2.1 */
			return fail(f, MX_FLIGHT_INVALID,
				    "zero-length handshake record");
		if (r->len > MX_FLIGHT_MAX_BYTES - f->hs_total)
			return fail(f, MX_FLIGHT_TOO_BIG,
				    "more than %d bytes of handshake",
				    MX_FLIGHT_MAX_BYTES);
		f->hs_total += r->len;
		if (!mx_buf_push(&f->hs, r->body, r->len))
			return fail(f, MX_FLIGHT_TOO_BIG,
				    "handshake reassembly buffer full");
		return drain_handshake(f);
	case CT_CCS:
		if (x->sh.seen)
			return fail(f, MX_FLIGHT_UNSUPPORTED,
				    "ChangeCipherSpec before ServerHelloDone "
				    "(abbreviated handshake)");
		return fail(f, MX_FLIGHT_INVALID,
			    "ChangeCipherSpec before ServerHello");
	case CT_APPDATA:
		return fail(f, MX_FLIGHT_INVALID,
			    "application data during the handshake");
	default:
		return fail(f, MX_FLIGHT_UNSUPPORTED, "record type %u",
			    r->type);
	}
}

/* Parse every complete record in f->in; returns the status and sets
 * *left to the bytes of f->in that were not consumed. */
static enum mx_flight_status parse_in(struct mx_flight *f, size_t *left)
{
	struct mx_cur c;
	enum mx_flight_status st = MX_FLIGHT_MORE;

	mx_cur_init(&c, f->in.p, f->in.len);
	while (st == MX_FLIGHT_MORE) {
		struct mx_tls_record r;
		enum mx_rec_status rs = mx_tls_record_next(&c, &r);

		if (rs == MX_REC_MORE)
			break;
		if (rs == MX_REC_NOT_TLS)
			st = f->facts.records == 0
				     ? fail(f, MX_FLIGHT_NOT_TLS,
					    "first bytes are not a TLS record")
				     : fail(f, MX_FLIGHT_INVALID,
					    "record %zu is not a TLS record",
					    f->facts.records + 1);
		else if (rs == MX_REC_SSLV2)
			st = f->facts.records == 0
				     ? fail(f, MX_FLIGHT_UNSUPPORTED,
					    "SSLv2 server hello")
				     : fail(f, MX_FLIGHT_INVALID,
					    "SSLv2 framing after TLS records");
		else if (rs == MX_REC_OVERFLOW)
			st = fail(f, MX_FLIGHT_RECORD_OVERFLOW,
				  "record %zu longer than %d bytes",
				  f->facts.records + 1, MX_TLS_MAX_RECORD);
		else
			st = record(f, &r);
	}
	*left = mx_cur_left(&c);
	mx_buf_consume(&f->in, f->in.len - *left);
	return st;
}

/* ---- public ------------------------------------------------------------ */

struct mx_flight *mx_flight_new(void)
{
	struct mx_flight *f = xcalloc(1, sizeof(*f));

	/* A partial record (header + 2^14 + 2048) at most. */
	mx_buf_init(&f->in, 5 + MX_TLS_MAX_RECORD);
	mx_buf_init(&f->hs, MX_FLIGHT_MAX_BYTES);
	return f;
}

static void free_bytes(struct mx_bytes *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

void mx_flight_free(struct mx_flight *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->facts.ncerts; i++)
		free_bytes(&f->facts.certs[i]);
	free_bytes(&f->facts.ske.psk_hint);
	free_bytes(&f->facts.ske.dh_p);
	free_bytes(&f->facts.ske.dh_g);
	free_bytes(&f->facts.ske.dh_ys);
	free_bytes(&f->facts.ske.point);
	free_bytes(&f->facts.ske.rsa_modulus);
	free_bytes(&f->facts.ske.rsa_exponent);
	mx_buf_free(&f->in);
	mx_buf_free(&f->hs);
	free(f);
}

enum mx_flight_status mx_flight_feed(struct mx_flight *f, const uint8_t *p,
				     size_t n, size_t *used)
{
	size_t taken = 0;
	enum mx_flight_status st = f->facts.status;

	if (used)
		*used = 0;
	while (st == MX_FLIGHT_MORE && taken < n) {
		size_t room = f->in.max - f->in.len;
		size_t chunk = n - taken < room ? n - taken : room;
		size_t left, h;

		h = MX_FLIGHT_HEAD - f->facts.head_len;
		if (h > 0 && taken < n) {
			h = h < n - taken ? h : n - taken;
			memcpy(f->facts.head + f->facts.head_len, p + taken, h);
			f->facts.head_len += h;
		}
		mx_buf_push(&f->in, p + taken, chunk);
		taken += chunk;
		st = parse_in(f, &left);
		if (st != MX_FLIGHT_MORE) {
			/* Bytes after the flight's last record stay with the
			 * caller; all of them came from this chunk. */
			taken -= left < chunk ? left : chunk;
			mx_buf_reset(&f->in);
		}
	}
	f->facts.bytes += taken;
	if (used)
		*used = taken;
	return st;
}

enum mx_flight_status mx_flight_eof(struct mx_flight *f)
{
	if (f->facts.status != MX_FLIGHT_MORE)
		return f->facts.status;
	if (f->facts.bytes == 0)
		return fail(f, MX_FLIGHT_EMPTY, "closed before any byte");
	if (f->in.len > 0)
		return fail(f, MX_FLIGHT_TRUNCATED,
			    "closed inside record %zu (%zu bytes of it)",
			    f->facts.records + 1, f->in.len);
	if (f->hs.len > 0)
		return fail(f, MX_FLIGHT_TRUNCATED,
			    "closed inside a handshake message");
	return fail(f, MX_FLIGHT_TRUNCATED, "closed before %s",
		    f->facts.sh.seen ? "ServerHelloDone" : "ServerHello");
}

const struct mx_flight_facts *mx_flight_facts(const struct mx_flight *f)
{
	return &f->facts;
}

const char *mx_flight_status_name(enum mx_flight_status s)
{
	switch (s) {
	case MX_FLIGHT_MORE:
		return "more";
	case MX_FLIGHT_DONE:
		return "done";
	case MX_FLIGHT_ALERT:
		return "alert";
	case MX_FLIGHT_NOT_TLS:
		return "not TLS";
	case MX_FLIGHT_EMPTY:
		return "empty";
	case MX_FLIGHT_TRUNCATED:
		return "truncated";
	case MX_FLIGHT_INVALID:
		return "invalid";
	case MX_FLIGHT_UNSUPPORTED:
		return "unsupported";
	case MX_FLIGHT_RECORD_OVERFLOW:
		return "record overflow";
	case MX_FLIGHT_TOO_BIG:
		return "too big";
	}
	return "?";
}

const char *mx_tls_alert_level_name(uint8_t level)
{
	return level == 1 ? "warning" : level == 2 ? "fatal" : NULL;
}
