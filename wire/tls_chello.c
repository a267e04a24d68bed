/*
 * tls_chello.c - ClientHello parser; see tls_chello.h for the contract.
 *
 * RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2 read through struct mx_cur.  The
 * message body is the outer cursor: a field that runs past its end is
 * TRUNCATED (a capture cut the hello short).  Every length-prefixed
 * vector inside it is a sub-cursor: a field that runs past its block, or
 * a block not consumed exactly, is a length that contradicts its block -
 * INVALID.
 *
 * Choices the header leaves open: mx_chello_parse_record() ignores bytes
 * after the record (they are the next record) but calls bytes after the
 * ClientHello inside its record INVALID, and a hello longer than its
 * record TRUNCATED (reassemble and call mx_chello_parse()).  Empty
 * cipher suite or compression lists, an empty server_name list and an
 * empty ALPN name are INVALID (RFC minimum lengths); other minimums are
 * not enforced.  session_id_len is set only when it is at most 32.
 * Extension contents we do not read (session_ticket, EMS, ETM,
 * status_request, pre_shared_key, early_data, unknown types) only set
 * flags or are skipped; pre_shared_key is not required to be last.
 */
#include "wire/tls_chello.h"
#include "wire/tls_registry.h"

#include <stdio.h>
#include <string.h>

#include "common/cursor.h"

#define HS_CLIENT_HELLO 1
#define CT_HANDSHAKE 22
#define SSL2_CLIENT_HELLO 1

#define SCSV_RENEG 0x00ff    /* RFC 5746 §3.3 */
#define SCSV_FALLBACK 0x5600 /* RFC 7507 §2 */

struct ctx {
	struct mx_chello *out;
	char *detail;
	size_t detail_len;
};

static enum mx_chello_status fail(struct ctx *x, enum mx_chello_status st,
				  const char *what)
{
	if (x->detail && x->detail_len)
		snprintf(x->detail, x->detail_len, "%s", what);
	return st;
}

/* The outer cursor's error: truncated when it ran out, else invalid. */
static enum mx_chello_status outer(struct ctx *x, const struct mx_cur *c,
				   const char *where)
{
	char buf[160];

	snprintf(buf, sizeof(buf), "%s: %s", where, mx_cur_strerror(c->err));
	return fail(x,
		    c->err == MX_CUR_TRUNCATED ? MX_CHELLO_TRUNCATED
					       : MX_CHELLO_INVALID,
		    buf);
}

int mx_tls_is_grease(uint16_t v)
{
	/* RFC 8701 §2: 0x?A?A with both bytes equal */
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* A list of u16 values filling a whole block; kept up to max. */
static void u16_list(struct mx_cur *b, uint16_t *v, size_t max, size_t *n,
		     size_t *total)
{
	size_t t = 0;

	*n = 0;
	if (mx_cur_left(b) % 2)
		mx_cur_invalid(b);
	while (mx_cur_ok(b) && mx_cur_left(b) > 0) {
		uint16_t x = mx_cur_u16(b);

		if (*n < max)
			v[(*n)++] = x;
		t++;
	}
	if (total)
		*total = t;
}

/* RFC 6066 §3: ServerNameList; the first host_name(0) entry is kept. */
static void ext_sni(struct mx_cur *d, struct mx_chello *o)
{
	struct mx_cur list, name;

	mx_cur_sub16(d, &list);
	if (mx_cur_ok(d) && mx_cur_left(&list) == 0)
		mx_cur_invalid(d);
	while (mx_cur_ok(&list) && mx_cur_left(&list) > 0) {
		uint8_t type = mx_cur_u8(&list);
		size_t n;

		mx_cur_sub16(&list, &name);
		n = mx_cur_left(&name);
		if (!mx_cur_ok(&list))
			break;
		if (type == 0 && !o->has_sni) {
			if (n >= sizeof(o->sni))
				n = sizeof(o->sni) - 1;
			memcpy(o->sni, name.p, n);
			o->sni[n] = '\0';
			o->has_sni = 1;
		}
	}
	mx_cur_join(d, &list);
}

/* RFC 7301 §3.1: protocol_name_list, copied raw (each name with its
 * length byte), cut at a name boundary to fit alpn[] with a NUL. */
static void ext_alpn(struct mx_cur *d, struct mx_chello *o)
{
	struct mx_cur list, name;
	int full = 0;

	mx_cur_sub16(d, &list);
	o->has_alpn = 1;
	o->alpn_len = 0;
	while (mx_cur_ok(&list) && mx_cur_left(&list) > 0) {
		const uint8_t *start = list.p;
		size_t n;

		mx_cur_sub8(&list, &name);
		n = mx_cur_left(&name);
		if (!mx_cur_ok(&list))
			break;
		if (n == 0) {
			mx_cur_invalid(&list);
			break;
		}
		if (!full && o->alpn_len + n + 1 < sizeof(o->alpn)) {
			memcpy(o->alpn + o->alpn_len, start, n + 1);
			o->alpn_len += n + 1;
		} else {
			full = 1;
		}
	}
	o->alpn[o->alpn_len] = 0;
	mx_cur_join(d, &list);
}

/* RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1>. */
static void ext_key_share(struct mx_cur *d, struct mx_chello *o)
{
	struct mx_cur list, key;

	mx_cur_sub16(d, &list);
	o->nkey_shares = 0;
	while (mx_cur_ok(&list) && mx_cur_left(&list) > 0) {
		uint16_t g = mx_cur_u16(&list);

		mx_cur_sub16(&list, &key);
		if (mx_cur_ok(&list) && o->nkey_shares < MX_CHELLO_MAX_LIST)
			o->key_shares[o->nkey_shares++] = g;
	}
	mx_cur_join(d, &list);
}

static void ext_u8_list(struct mx_cur *d, uint8_t *v, size_t max, size_t *n)
{
	struct mx_cur list;

	mx_cur_sub8(d, &list);
	*n = 0;
	while (mx_cur_ok(&list) && mx_cur_left(&list) > 0) {
		uint8_t b = mx_cur_u8(&list);

		if (*n < max)
			v[(*n)++] = b;
	}
}

/* One extension's data, in its own block d. */
static void ext_body(uint16_t type, struct mx_cur *d, struct mx_chello *o)
{
	struct mx_cur list;

	switch (type) {
	case MX_EXT_SERVER_NAME:
		ext_sni(d, o);
		break;
	case MX_EXT_SUPPORTED_VERSIONS: /* RFC 8446 §4.2.1 */
		mx_cur_sub8(d, &list);
		u16_list(&list, o->versions, MX_CHELLO_MAX_LIST, &o->nversions,
			 NULL);
		mx_cur_join(d, &list);
		break;
	case MX_EXT_SUPPORTED_GROUPS: /* RFC 8446 §4.2.7 */
		mx_cur_sub16(d, &list);
		u16_list(&list, o->groups, MX_CHELLO_MAX_LIST, &o->ngroups,
			 &o->ngroups_total);
		mx_cur_join(d, &list);
		break;
	case MX_EXT_EC_POINT_FORMATS: /* RFC 8422 §5.1.2 */
		ext_u8_list(d, o->point_formats, sizeof(o->point_formats),
			    &o->npoint_formats);
		break;
	case MX_EXT_SIGNATURE_ALGORITHMS: /* RFC 8446 §4.2.3 */
		mx_cur_sub16(d, &list);
		u16_list(&list, o->sigalgs, MX_CHELLO_MAX_LIST, &o->nsigalgs,
			 &o->nsigalgs_total);
		mx_cur_join(d, &list);
		break;
	case MX_EXT_ALPN:
		ext_alpn(d, o);
		break;
	case MX_EXT_KEY_SHARE:
		ext_key_share(d, o);
		break;
	case MX_EXT_RENEGOTIATION_INFO: /* RFC 5746 §3.2 */
		mx_cur_sub8(d, &list);
		o->has_reneg_info = 1;
		break;
	case MX_EXT_PADDING:
		o->padding_len = mx_cur_left(d);
		mx_cur_skip(d, o->padding_len);
		break;
	default:
		/* flags only; their contents are not needed */
		o->has_session_ticket |= type == MX_EXT_SESSION_TICKET;
		o->has_ems |= type == MX_EXT_EMS;
		o->has_etm |= type == MX_EXT_ETM;
		o->has_status_request |= type == MX_EXT_STATUS_REQUEST;
		o->has_psk |= type == MX_EXT_PRE_SHARED_KEY;
		o->has_early_data |= type == MX_EXT_EARLY_DATA;
		mx_cur_skip(d, mx_cur_left(d));
		break;
	}
}

/* The extensions block: type, data<0..2^16-1>, no type twice (RFC 8446
 * §4.2; RFC 5246 §7.4.1.4). */
static enum mx_chello_status extensions(struct ctx *x, struct mx_cur *exts)
{
	uint8_t seen[65536 / 8];
	char buf[96];

	memset(seen, 0, sizeof(seen));
	while (mx_cur_left(exts) > 0) {
		struct mx_cur d;
		uint16_t type = mx_cur_u16(exts);

		mx_cur_sub16(exts, &d);
		if (!mx_cur_ok(exts))
			return fail(x, MX_CHELLO_INVALID,
				    "extension longer than the extensions "
				    "block");
		if (seen[type >> 3] & (1u << (type & 7))) {
			snprintf(buf, sizeof(buf), "extension %u twice",
				 (unsigned)type);
			return fail(x, MX_CHELLO_INVALID, buf);
		}
		seen[type >> 3] |= (uint8_t)(1u << (type & 7));
		if (x->out->next < MX_CHELLO_MAX_EXTS)
			x->out->ext[x->out->next++] = type;
		x->out->next_total++;
		ext_body(type, &d, x->out);
		if (!mx_cur_done(&d)) {
			snprintf(buf, sizeof(buf),
				 "extension %u: length contradicts its "
				 "contents",
				 (unsigned)type);
			return fail(x, MX_CHELLO_INVALID, buf);
		}
	}
	if (!mx_cur_ok(exts))
		return fail(x, MX_CHELLO_INVALID, "odd extensions block");
	return MX_CHELLO_OK;
}

static void finish(struct mx_chello *o)
{
	size_t i;

	o->max_version = o->legacy_version;
	for (i = 0; i < o->nversions; i++)
		if (!mx_tls_is_grease(o->versions[i]) &&
		    o->versions[i] > o->max_version)
			o->max_version = o->versions[i];
}

enum mx_chello_status mx_chello_parse(const uint8_t *body, size_t len,
				      struct mx_chello *out, char *detail,
				      size_t detail_len)
{
	struct ctx x = {out, detail, detail_len};
	struct mx_cur c, sid, suites, comp, exts;
	enum mx_chello_status st;

	memset(out, 0, sizeof(*out));
	if (detail && detail_len)
		detail[0] = '\0';
	mx_cur_init(&c, body, body ? len : 0);
	out->msg_len = len;

	out->legacy_version = mx_cur_u16(&c);
	mx_cur_copy(&c, out->random, sizeof(out->random));
	mx_cur_sub8(&c, &sid); /* legacy_session_id<0..32> */
	if (!mx_cur_ok(&c))
		return outer(&x, &c, "session id");
	if (mx_cur_left(&sid) > 32)
		return fail(&x, MX_CHELLO_INVALID,
			    "session id longer than 32 bytes");
	out->session_id_len = mx_cur_left(&sid);

	mx_cur_sub16(&c, &suites); /* cipher_suites<2..2^16-2> */
	if (!mx_cur_ok(&c))
		return outer(&x, &c, "cipher suites");
	if (mx_cur_left(&suites) == 0 || mx_cur_left(&suites) % 2)
		return fail(&x, MX_CHELLO_INVALID,
			    "cipher suite list empty or of odd length");
	while (mx_cur_left(&suites) > 0) {
		uint16_t s = mx_cur_u16(&suites);

		if (out->nsuites < MX_CHELLO_MAX_SUITES)
			out->suites[out->nsuites++] = s;
		out->nsuites_total++;
		out->has_scsv_reneg |= s == SCSV_RENEG;
		out->has_scsv_fallback |= s == SCSV_FALLBACK;
	}

	mx_cur_sub8(&c, &comp); /* compression_methods<1..2^8-1> */
	if (!mx_cur_ok(&c))
		return outer(&x, &c, "compression methods");
	if (mx_cur_left(&comp) == 0)
		return fail(&x, MX_CHELLO_INVALID,
			    "empty compression method list");
	while (mx_cur_left(&comp) > 0) {
		uint8_t m = mx_cur_u8(&comp);

		if (out->ncompression < sizeof(out->compression))
			out->compression[out->ncompression++] = m;
	}

	/* RFC 5246 §7.4.1.2: the extensions block may be absent */
	if (mx_cur_left(&c) > 0) {
		mx_cur_sub16(&c, &exts);
		if (!mx_cur_ok(&c))
			return outer(&x, &c, "extensions");
		st = extensions(&x, &exts);
		if (st != MX_CHELLO_OK)
			return st;
	}
	if (!mx_cur_done(&c))
		return outer(&x, &c, "after the extensions");
	finish(out);
	return MX_CHELLO_OK;
}

/* SSLv2 CLIENT-HELLO (RFC 6101 appendix E.2): 2-byte header with the high
 * bit set, msg_type 1, version; we only say what it is. */
static enum mx_chello_status sslv2(struct ctx *x, struct mx_cur *c)
{
	uint16_t len = mx_cur_u16(c) & 0x7fff;
	uint8_t type = mx_cur_u8(c);

	x->out->legacy_version = mx_cur_u16(c);
	if (!mx_cur_ok(c))
		return outer(x, c, "SSLv2 hello header");
	if (type != SSL2_CLIENT_HELLO || len < 3)
		return fail(x, MX_CHELLO_INVALID,
			    "SSLv2 record that is not a CLIENT-HELLO");
	x->out->sslv2 = 1;
	x->out->msg_len = len;
	x->out->max_version = x->out->legacy_version;
	return fail(x, MX_CHELLO_UNSUPPORTED, "SSLv2-framed ClientHello");
}

enum mx_chello_status mx_chello_parse_record(const uint8_t *rec, size_t len,
					     struct mx_chello *out,
					     char *detail, size_t detail_len)
{
	struct ctx x = {out, detail, detail_len};
	struct mx_cur c, frag, body;
	uint8_t type, hs;
	uint16_t version;

	memset(out, 0, sizeof(*out));
	if (detail && detail_len)
		detail[0] = '\0';
	mx_cur_init(&c, rec, rec ? len : 0);
	if (mx_cur_left(&c) > 0 && (c.p[0] & 0x80))
		return sslv2(&x, &c);

	/* RFC 8446 §5.1: TLSPlaintext { type; legacy_record_version;
	 * length; fragment } */
	type = mx_cur_u8(&c);
	version = mx_cur_u16(&c);
	mx_cur_sub16(&c, &frag);
	if (!mx_cur_ok(&c))
		return outer(&x, &c, "record");
	if (type != CT_HANDSHAKE || (version >> 8) != 3)
		return fail(&x, MX_CHELLO_INVALID,
			    "not a TLS handshake record");
	/* RFC 8446 §4: Handshake { msg_type; length<u24>; body } */
	hs = mx_cur_u8(&frag);
	mx_cur_sub24(&frag, &body);
	if (!mx_cur_ok(&frag))
		return fail(&x, MX_CHELLO_TRUNCATED,
			    "handshake message continues past the record");
	if (hs != HS_CLIENT_HELLO)
		return fail(&x, MX_CHELLO_INVALID,
			    "handshake message is not a ClientHello");
	if (!mx_cur_done(&frag))
		return fail(&x, MX_CHELLO_INVALID,
			    "bytes after the ClientHello in its record");
	return mx_chello_parse(body.p, mx_cur_left(&body), out, detail,
			       detail_len);
}

const char *mx_chello_status_name(enum mx_chello_status s)
{
	switch (s) {
	case MX_CHELLO_OK:
		return "ok";
	case MX_CHELLO_TRUNCATED:
		return "truncated";
	case MX_CHELLO_INVALID:
		return "invalid";
	case MX_CHELLO_UNSUPPORTED:
		return "unsupported";
	}
	return "?";
}
