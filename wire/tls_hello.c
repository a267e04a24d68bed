/*
 * tls_hello.c - raw ClientHello builder; see tls_hello.h for the contract.
 *
 * The hello is built in two passes over struct mx_buf: first the
 * handshake message (RFC 8446 §4 Handshake { msg_type; length; body }),
 * then it is cut into TLSPlaintext records (RFC 8446 §5.1).  Every
 * length-prefixed vector is an mx_buf block, back-filled on close, so a
 * vector that overflows its prefix sets the buffer's sticky error instead
 * of writing a wrong length.
 */
#include "wire/tls_hello.h"

#include <string.h>

#include "wire/tls_registry.h"

#define HS_CLIENT_HELLO 1
#define CT_HANDSHAKE 22
#define MAX_FRAGMENT 16384 /* 2^14, RFC 8446 §5.1 */

static enum mx_hello_status bad(struct mx_hello_diag *d, const char *what)
{
	if (d)
		d->what = what;
	return MX_HELLO_BAD_PARAMS;
}

/* Open an extension: type, then a 2-byte length block. */
static size_t ext_open(struct mx_buf *b, uint16_t type)
{
	mx_buf_push_u16(b, type);
	return mx_buf_block_open(b, 2);
}

static void ext_close(struct mx_buf *b, size_t mark)
{
	mx_buf_block_close(b, mark, 2);
}

static void push_u16_list(struct mx_buf *b, const uint16_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mx_buf_push_u16(b, v[i]);
}

static enum mx_hello_status check(const struct mx_hello_params *p,
				  struct mx_hello_diag *d)
{
	size_t i;

	if (p->random == NULL)
		return bad(d, "no random source");
	if (p->legacy_version < MX_SSL3 || p->legacy_version > MX_TLS12)
		return bad(d, "legacy_version outside 0x0300..0x0303");
	if (p->record_version != 0 && (p->record_version >> 8) != 3)
		return bad(d, "record version is not 3.x");
	if (p->suites == NULL || p->nsuites == 0)
		return bad(d, "no cipher suites");
	if (p->session_id_len > 32 ||
	    (p->session_id == NULL && p->session_id_len != 0))
		return bad(d, "session id longer than 32 bytes");
	if (p->compression && p->ncompression == 0)
		return bad(d, "empty compression list");
	if (p->record_max > MAX_FRAGMENT)
		return bad(d, "record_max above 2^14");
	if (p->sni) {
		size_t n = strlen(p->sni);

		if (n == 0 || n > 255)
			return bad(d, "SNI host name not 1..255 bytes");
	}
	for (i = 0; i < p->nalpn; i++) {
		size_t n = p->alpn[i] ? strlen(p->alpn[i]) : 0;

		if (n == 0 || n > 255)
			return bad(d, "ALPN name not 1..255 bytes");
	}
	for (i = 0; i < p->nkey_shares; i++)
		if (p->key_shares[i].key == NULL || p->key_shares[i].len == 0)
			return bad(d, "empty key share");
	if ((p->nversions && p->versions == NULL) ||
	    (p->ngroups && p->groups == NULL) ||
	    (p->nsigschemes && p->sigschemes == NULL) ||
	    (p->npoint_formats && p->point_formats == NULL) ||
	    (p->nkey_shares && p->key_shares == NULL) ||
	    (p->nalpn && p->alpn == NULL))
		return bad(d, "list length without list");
	return MX_HELLO_OK;
}

/* Everything in the extensions block except padding. */
static void put_extensions(const struct mx_hello_params *p, struct mx_buf *b)
{
	size_t e, l, i;

	if (p->sni) {
		/* RFC 6066 §3: ServerNameList { NameType host_name(0);
		 * HostName opaque<1..2^16-1> } */
		e = ext_open(b, MX_EXT_SERVER_NAME);
		l = mx_buf_block_open(b, 2);
		mx_buf_push_u8(b, 0);
		i = mx_buf_block_open(b, 2);
		mx_buf_push_str(b, p->sni);
		mx_buf_block_close(b, i, 2);
		mx_buf_block_close(b, l, 2);
		ext_close(b, e);
	}
	if (p->npoint_formats) {
		/* RFC 8422 §5.1.2: ECPointFormat list<1..2^8-1> */
		e = ext_open(b, MX_EXT_EC_POINT_FORMATS);
		l = mx_buf_block_open(b, 1);
		mx_buf_push(b, p->point_formats, p->npoint_formats);
		mx_buf_block_close(b, l, 1);
		ext_close(b, e);
	}
	if (p->ngroups) {
		/* RFC 8446 §4.2.7: NamedGroup named_group_list<2..2^16-1> */
		e = ext_open(b, MX_EXT_SUPPORTED_GROUPS);
		l = mx_buf_block_open(b, 2);
		push_u16_list(b, p->groups, p->ngroups);
		mx_buf_block_close(b, l, 2);
		ext_close(b, e);
	}
	if (p->ext & MX_HELLO_SESSION_TICKET) {
		/* RFC 5077 §3.2: empty ticket asks for a new one */
		e = ext_open(b, MX_EXT_SESSION_TICKET);
		ext_close(b, e);
	}
	if (p->nalpn) {
		/* RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1> */
		e = ext_open(b, MX_EXT_ALPN);
		l = mx_buf_block_open(b, 2);
		for (i = 0; i < p->nalpn; i++) {
			size_t n = mx_buf_block_open(b, 1);

			mx_buf_push_str(b, p->alpn[i]);
			mx_buf_block_close(b, n, 1);
		}
		mx_buf_block_close(b, l, 2);
		ext_close(b, e);
	}
	if (p->ext & MX_HELLO_ETM) {
		e = ext_open(b, MX_EXT_ETM); /* RFC 7366 §2: empty */
		ext_close(b, e);
	}
	if (p->ext & MX_HELLO_EMS) {
		e = ext_open(b, MX_EXT_EMS); /* RFC 7627 §5.1: empty */
		ext_close(b, e);
	}
	if (p->nsigschemes) {
		/* RFC 8446 §4.2.3: supported_signature_algorithms<2..2^16-2> */
		e = ext_open(b, MX_EXT_SIGNATURE_ALGORITHMS);
		l = mx_buf_block_open(b, 2);
		push_u16_list(b, p->sigschemes, p->nsigschemes);
		mx_buf_block_close(b, l, 2);
		ext_close(b, e);
	}
	if (p->ext & MX_HELLO_STATUS_REQUEST) {
		/* RFC 6066 §8: status_type ocsp(1), empty responder_id_list,
		 * empty request_extensions */
		e = ext_open(b, MX_EXT_STATUS_REQUEST);
		mx_buf_push_u8(b, 1);
		mx_buf_push_u16(b, 0);
		mx_buf_push_u16(b, 0);
		ext_close(b, e);
	}
	if (p->nversions) {
		/* RFC 8446 §4.2.1: ProtocolVersion versions<2..254> */
		e = ext_open(b, MX_EXT_SUPPORTED_VERSIONS);
		l = mx_buf_block_open(b, 1);
		push_u16_list(b, p->versions, p->nversions);
		mx_buf_block_close(b, l, 1);
		ext_close(b, e);
	}
	if (p->ext & MX_HELLO_PSK_MODES) {
		/* RFC 8446 §4.2.9: ke_modes<1..255> = { psk_dhe_ke(1) } */
		e = ext_open(b, MX_EXT_PSK_MODES);
		l = mx_buf_block_open(b, 1);
		mx_buf_push_u8(b, 1);
		mx_buf_block_close(b, l, 1);
		ext_close(b, e);
	}
	if (p->nkey_shares) {
		/* RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>,
		 * KeyShareEntry { NamedGroup group; opaque key_exchange<1..2^16-1> } */
		e = ext_open(b, MX_EXT_KEY_SHARE);
		l = mx_buf_block_open(b, 2);
		for (i = 0; i < p->nkey_shares; i++) {
			size_t k;

			mx_buf_push_u16(b, p->key_shares[i].group);
			k = mx_buf_block_open(b, 2);
			mx_buf_push(b, p->key_shares[i].key,
				    p->key_shares[i].len);
			mx_buf_block_close(b, k, 2);
		}
		mx_buf_block_close(b, l, 2);
		ext_close(b, e);
	}
	if (p->ext & MX_HELLO_RENEG_INFO) {
		/* RFC 5746 §3.4: renegotiated_connection<0..255>, empty */
		e = ext_open(b, MX_EXT_RENEGOTIATION_INFO);
		mx_buf_push_u8(b, 0);
		ext_close(b, e);
	}
}

/* The ClientHello handshake message, header included, into hs. */
static void put_client_hello(const struct mx_hello_params *p, struct mx_buf *hs)
{
	static const uint8_t null_compression[] = {0};
	uint8_t rnd[32];
	size_t body, l, exts;
	struct mx_buf ext;

	mx_buf_push_u8(hs, HS_CLIENT_HELLO);
	body = mx_buf_block_open(hs, 3);

	/* RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2 */
	mx_buf_push_u16(hs, p->legacy_version);
	p->random(p->random_ctx, rnd, sizeof(rnd));
	mx_buf_push(hs, rnd, sizeof(rnd));

	l = mx_buf_block_open(hs, 1); /* legacy_session_id<0..32> */
	if (p->session_id) {
		mx_buf_push(hs, p->session_id, p->session_id_len);
	} else if (p->ext & MX_HELLO_RANDOM_SESSION_ID) {
		p->random(p->random_ctx, rnd, sizeof(rnd));
		mx_buf_push(hs, rnd, sizeof(rnd));
	}
	mx_buf_block_close(hs, l, 1);

	l = mx_buf_block_open(hs, 2); /* cipher_suites<2..2^16-2> */
	push_u16_list(hs, p->suites, p->nsuites);
	mx_buf_block_close(hs, l, 2);

	l = mx_buf_block_open(hs, 1); /* compression_methods<1..2^8-1> */
	if (p->compression)
		mx_buf_push(hs, p->compression, p->ncompression);
	else
		mx_buf_push(hs, null_compression, sizeof(null_compression));
	mx_buf_block_close(hs, l, 1);

	mx_buf_init(&ext, hs->max);
	put_extensions(p, &ext);
	if (ext.err)
		hs->err = 1;
	if (p->pad_to) {
		/* RFC 7685 §3: padding is zeros; its 4-byte header counts,
		 * and so does the block length it may bring along. */
		size_t now = ext.len ? hs->len + 2 + ext.len : hs->len;
		size_t with_block = hs->len + 2 + ext.len;

		if (now < p->pad_to) {
			size_t pad = p->pad_to > with_block + 4
					     ? p->pad_to - with_block - 4
					     : 0;

			exts = ext_open(&ext, MX_EXT_PADDING);
			while (pad-- > 0)
				mx_buf_push_u8(&ext, 0);
			ext_close(&ext, exts);
		}
	}
	if (ext.len > 0) {
		exts = mx_buf_block_open(hs, 2); /* extensions<0..2^16-1> */
		mx_buf_push(hs, ext.p, ext.len);
		mx_buf_block_close(hs, exts, 2);
	}
	mx_buf_free(&ext);
	mx_buf_block_close(hs, body, 3);
	memset(rnd, 0, sizeof(rnd));
}

enum mx_hello_status mx_hello_build(const struct mx_hello_params *p,
				    struct mx_buf *out,
				    struct mx_hello_diag *diag)
{
	enum mx_hello_status st;
	struct mx_buf hs;
	size_t off, frag, rec;
	uint16_t rv;

	if (diag)
		diag->what = NULL;
	if (p == NULL || out == NULL)
		return bad(diag, "no params or no output");
	st = check(p, diag);
	if (st != MX_HELLO_OK)
		return st;

	mx_buf_init(&hs, 0xffffff + 4);
	put_client_hello(p, &hs);
	if (hs.err) {
		mx_buf_free(&hs);
		if (diag)
			diag->what = "a vector does not fit its length field";
		return MX_HELLO_TOO_BIG;
	}

	/* RFC 8446 §5.1: legacy_record_version 0x0301 for the first hello
	 * (SSLv3 hellos carry 0x0300); fragments of at most 2^14 bytes. */
	rv = p->record_version
		     ? p->record_version
		     : (p->legacy_version == MX_SSL3 ? MX_SSL3 : MX_TLS10);
	frag = p->record_max ? p->record_max : MAX_FRAGMENT;
	for (off = 0; off < hs.len; off += frag) {
		size_t n = hs.len - off < frag ? hs.len - off : frag;

		mx_buf_push_u8(out, CT_HANDSHAKE);
		mx_buf_push_u16(out, rv);
		rec = mx_buf_block_open(out, 2);
		mx_buf_push(out, hs.p + off, n);
		mx_buf_block_close(out, rec, 2);
	}
	mx_buf_free(&hs);
	if (out->err) {
		if (diag)
			diag->what = "output buffer cap reached";
		return MX_HELLO_TOO_BIG;
	}
	return MX_HELLO_OK;
}

const char *mx_hello_status_name(enum mx_hello_status s)
{
	switch (s) {
	case MX_HELLO_OK:
		return "ok";
	case MX_HELLO_BAD_PARAMS:
		return "bad parameters";
	case MX_HELLO_TOO_BIG:
		return "too big";
	}
	return "?";
}
