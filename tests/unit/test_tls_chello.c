/*
 * test_tls_chello.c - the ClientHello parser (wire/tls_chello.h).
 *
 * Round trip: hellos built by mx_hello_build() (wire/tls_hello.h) for
 * SSLv3, TLS 1.0, TLS 1.2 with GREASE and padding, TLS 1.3 with key
 * shares and a 255-byte SNI, and one spread over several records, are
 * parsed back and every field compared with the parameters they were
 * built from.  The golden hellos of tests/data/tls/ are parsed too.
 * Malformed: every truncation of every hello (body and record), every
 * length field the parser reads moved by +1 and -1, a duplicated
 * extension, and the rest by name (session id, empty lists, odd lists,
 * trailing bytes, SSLv2 framing, wrong record or handshake type).
 * Limits: lists longer than the arrays are cut and counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "wire/tls_chello.h"
#include "wire/tls_hello.h"

/* ---- building ----------------------------------------------------------- */

struct counter {
	unsigned next;
};

static void counter_random(void *ctx, uint8_t *out, size_t n)
{
	struct counter *c = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(c->next++);
}

static const uint16_t s_ssl3[] = {0x000a, 0x0005, 0x0004, 0x00ff};
static const uint16_t s_tls10[] = {0xc014, 0x0035, 0x002f, 0x5600};
static const uint16_t s_grease[] = {0x3a3a, 0xc02b, 0xc02f, 0x009e, 0x0a0a};
static const uint16_t s_tls13[] = {0xdada, 0x1301, 0x1302, 0x1303, 0xc02b};
static const uint16_t g_tls10[] = {23, 24};
static const uint16_t g_grease[] = {0x4a4a, 29, 23};
static const uint16_t g_tls13[] = {0x6a6a, 29, 23, 256};
static const uint16_t sigs[] = {0x0403, 0x0804, 0x0401, 0x0201};
static const uint16_t v13[] = {0x5a5a, 0x0304, 0x0303};
static const uint8_t pf3[] = {0, 1, 2};
static const uint8_t comp2[] = {1, 0};
static const char *const alpn2[] = {"smtp", "h2"};
static const uint8_t key1[] = {0};
static uint8_t key32[32];
static uint8_t key65[65];
static const struct mx_hello_key_share shares[] = {
	{0x6a6a, key1, 1}, {29, key32, 32}, {23, key65, 65}};

enum { C_SSL3, C_TLS10, C_TLS12, C_TLS13, C_MULTI, NCASES };

static char long_sni[256];

static void params(int which, struct mx_hello_params *p, struct counter *r)
{
	memset(p, 0, sizeof(*p));
	r->next = 0;
	p->random = counter_random;
	p->random_ctx = r;
	switch (which) {
	case C_SSL3:
		p->legacy_version = 0x0300;
		p->suites = s_ssl3;
		p->nsuites = 4;
		break;
	case C_TLS10:
		p->legacy_version = 0x0301;
		p->suites = s_tls10;
		p->nsuites = 4;
		p->sni = "mail.example.org";
		p->groups = g_tls10;
		p->ngroups = 2;
		p->point_formats = pf3;
		p->npoint_formats = 3;
		p->ext = MX_HELLO_RENEG_INFO | MX_HELLO_SESSION_TICKET;
		break;
	case C_TLS12:
		p->legacy_version = 0x0303;
		p->suites = s_grease;
		p->nsuites = 5;
		p->compression = comp2;
		p->ncompression = 2;
		p->groups = g_grease;
		p->ngroups = 3;
		p->sigschemes = sigs;
		p->nsigschemes = 4;
		p->alpn = alpn2;
		p->nalpn = 2;
		p->sni = "mx1.lab.test";
		p->ext = MX_HELLO_EMS | MX_HELLO_ETM | MX_HELLO_STATUS_REQUEST;
		p->pad_to = 512;
		break;
	default: /* C_TLS13, C_MULTI */
		memset(long_sni, 'a', 255);
		long_sni[255] = '\0';
		p->legacy_version = 0x0303;
		p->suites = s_tls13;
		p->nsuites = 5;
		p->versions = v13;
		p->nversions = 3;
		p->groups = g_tls13;
		p->ngroups = 4;
		p->sigschemes = sigs;
		p->nsigschemes = 4;
		p->key_shares = shares;
		p->nkey_shares = 3;
		p->point_formats = pf3;
		p->npoint_formats = 1;
		p->sni = long_sni;
		p->ext = MX_HELLO_PSK_MODES | MX_HELLO_RANDOM_SESSION_ID |
			 MX_HELLO_EMS | MX_HELLO_RENEG_INFO;
		if (which == C_MULTI)
			p->record_max = 100;
		break;
	}
}

static void build(int which, struct mx_buf *out)
{
	struct mx_hello_params p;
	struct counter r;
	struct mx_hello_diag d;

	params(which, &p, &r);
	mx_buf_init(out, 0);
	assert_int_equal(mx_hello_build(&p, out, &d), MX_HELLO_OK);
}

/* The handshake body, reassembled from the records. */
static size_t body_of(const struct mx_buf *rec, uint8_t *body, size_t max)
{
	size_t off = 0, n = 0;

	while (off + 5 <= rec->len) {
		size_t l = (size_t)(rec->p[off + 3] << 8) | rec->p[off + 4];

		assert_true(n + l <= max);
		memcpy(body + n, rec->p + off + 5, l);
		n += l;
		off += 5 + l;
	}
	assert_int_equal(off, rec->len);
	assert_true(n >= 4);
	memmove(body, body + 4, n - 4);
	return n - 4;
}

/* Extension types in the builder's order (tls_hello.h). */
static size_t expected_exts(const struct mx_hello_params *p, uint16_t *e)
{
	size_t n = 0;

	if (p->sni)
		e[n++] = 0;
	if (p->npoint_formats)
		e[n++] = 11;
	if (p->ngroups)
		e[n++] = 10;
	if (p->ext & MX_HELLO_SESSION_TICKET)
		e[n++] = 35;
	if (p->nalpn)
		e[n++] = 16;
	if (p->ext & MX_HELLO_ETM)
		e[n++] = 22;
	if (p->ext & MX_HELLO_EMS)
		e[n++] = 23;
	if (p->nsigschemes)
		e[n++] = 13;
	if (p->ext & MX_HELLO_STATUS_REQUEST)
		e[n++] = 5;
	if (p->nversions)
		e[n++] = 43;
	if (p->ext & MX_HELLO_PSK_MODES)
		e[n++] = 45;
	if (p->nkey_shares)
		e[n++] = 51;
	if (p->ext & MX_HELLO_RENEG_INFO)
		e[n++] = 0xff01;
	if (p->pad_to)
		e[n++] = 21;
	return n;
}

static void check_against(int which, const struct mx_chello *ch)
{
	struct mx_hello_params p;
	struct counter r;
	uint16_t ext[32];
	uint8_t alpn[64];
	size_t i, n, al = 0;
	uint16_t maxv;

	params(which, &p, &r);
	assert_int_equal(ch->sslv2, 0);
	assert_int_equal(ch->legacy_version, p.legacy_version);
	for (i = 0; i < 32; i++)
		assert_int_equal(ch->random[i], i);
	assert_int_equal(ch->session_id_len,
			 p.ext & MX_HELLO_RANDOM_SESSION_ID ? 32 : 0);
	assert_int_equal(ch->nsuites, p.nsuites);
	assert_int_equal(ch->nsuites_total, p.nsuites);
	assert_memory_equal(ch->suites, p.suites, p.nsuites * 2);
	if (p.compression) {
		assert_int_equal(ch->ncompression, p.ncompression);
		assert_memory_equal(ch->compression, p.compression,
				    p.ncompression);
	} else {
		assert_int_equal(ch->ncompression, 1);
		assert_int_equal(ch->compression[0], 0);
	}
	n = expected_exts(&p, ext);
	assert_int_equal(ch->next, n);
	assert_int_equal(ch->next_total, n);
	assert_memory_equal(ch->ext, ext, n * 2);
	assert_int_equal(ch->has_sni, p.sni != NULL);
	assert_string_equal(ch->sni, p.sni ? p.sni : "");
	assert_int_equal(ch->ngroups, p.ngroups);
	assert_int_equal(ch->ngroups_total, p.ngroups);
	if (p.ngroups)
		assert_memory_equal(ch->groups, p.groups, p.ngroups * 2);
	assert_int_equal(ch->npoint_formats, p.npoint_formats);
	if (p.npoint_formats)
		assert_memory_equal(ch->point_formats, p.point_formats,
				    p.npoint_formats);
	assert_int_equal(ch->nsigalgs, p.nsigschemes);
	if (p.nsigschemes)
		assert_memory_equal(ch->sigalgs, p.sigschemes,
				    p.nsigschemes * 2);
	assert_int_equal(ch->nversions, p.nversions);
	if (p.nversions)
		assert_memory_equal(ch->versions, p.versions, p.nversions * 2);
	for (i = 0; i < p.nalpn; i++) {
		alpn[al++] = (uint8_t)strlen(p.alpn[i]);
		memcpy(alpn + al, p.alpn[i], strlen(p.alpn[i]));
		al += strlen(p.alpn[i]);
	}
	assert_int_equal(ch->has_alpn, p.nalpn > 0);
	assert_int_equal(ch->alpn_len, al);
	assert_memory_equal(ch->alpn, alpn, al);
	assert_int_equal(ch->alpn[al], 0);
	assert_int_equal(ch->nkey_shares, p.nkey_shares);
	for (i = 0; i < p.nkey_shares; i++)
		assert_int_equal(ch->key_shares[i], p.key_shares[i].group);
	assert_int_equal(ch->has_reneg_info, !!(p.ext & MX_HELLO_RENEG_INFO));
	assert_int_equal(ch->has_session_ticket,
			 !!(p.ext & MX_HELLO_SESSION_TICKET));
	assert_int_equal(ch->has_ems, !!(p.ext & MX_HELLO_EMS));
	assert_int_equal(ch->has_etm, !!(p.ext & MX_HELLO_ETM));
	assert_int_equal(ch->has_status_request,
			 !!(p.ext & MX_HELLO_STATUS_REQUEST));
	assert_int_equal(ch->has_psk, 0);
	assert_int_equal(ch->has_early_data, 0);
	assert_int_equal(ch->has_scsv_reneg, which == C_SSL3);
	assert_int_equal(ch->has_scsv_fallback, which == C_TLS10);
	if (p.pad_to) {
		/* RFC 7685: the handshake message padded to pad_to */
		assert_true(ch->padding_len > 0);
		assert_int_equal(ch->msg_len + 4, p.pad_to);
	} else {
		assert_int_equal(ch->padding_len, 0);
	}
	maxv = p.legacy_version;
	for (i = 0; i < p.nversions; i++)
		if ((p.versions[i] & 0x0f0f) != 0x0a0a && p.versions[i] > maxv)
			maxv = p.versions[i];
	assert_int_equal(ch->max_version, maxv);
}

/* ---- round trip ---------------------------------------------------------- */

static void test_round_trip(void **state)
{
	static uint8_t body[8192];
	int w;

	(void)state;
	for (w = 0; w < NCASES; w++) {
		struct mx_buf rec;
		struct mx_chello ch;
		char detail[128];
		size_t n;

		build(w, &rec);
		n = body_of(&rec, body, sizeof(body));
		assert_int_equal(mx_chello_parse(body, n, &ch, detail,
						 sizeof(detail)),
				 MX_CHELLO_OK);
		assert_string_equal(detail, "");
		assert_int_equal(ch.msg_len, n);
		check_against(w, &ch);
		if (w == C_MULTI) {
			/* the hello continues in the next record */
			assert_int_equal(mx_chello_parse_record(rec.p, rec.len,
								&ch, detail,
								sizeof(detail)),
					 MX_CHELLO_TRUNCATED);
		} else {
			assert_int_equal(mx_chello_parse_record(rec.p, rec.len,
								&ch, NULL, 0),
					 MX_CHELLO_OK);
			check_against(w, &ch);
		}
		mx_buf_free(&rec);
	}
}

static uint8_t *read_data(const char *name, size_t *len)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tls/%s", dir ? dir : "tests/data",
		 name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_golden_files(void **state)
{
	static const char *files[] = {"hello_tls12.bin", "hello_tls13.bin",
				      "hello_tls13_hrr.bin"};
	size_t i, len;

	(void)state;
	for (i = 0; i < 3; i++) {
		uint8_t *p = read_data(files[i], &len);
		struct mx_chello ch;

		assert_int_equal(mx_chello_parse_record(p, len, &ch, NULL, 0),
				 MX_CHELLO_OK);
		assert_string_equal(ch.sni, "mx1.lab.test");
		assert_int_equal(ch.legacy_version, 0x0303);
		assert_int_equal(ch.max_version, i == 0 ? 0x0303 : 0x0304);
		assert_int_equal(ch.nsigalgs, 11);
		assert_int_equal(ch.nkey_shares, i == 0 ? 0 : i == 1 ? 2 : 1);
		if (i > 0) {
			assert_int_equal(ch.key_shares[0], 0x11ec);
			assert_int_equal(ch.alpn_len, 5);
			assert_memory_equal(ch.alpn, "\4smtp", 5);
		}
		assert_int_equal(ch.msg_len + 4 + 5, len);
		free(p);
	}
}

/* ---- malformed ------------------------------------------------------------ */

/* Where the extensions block starts in a builder's body. */
static size_t exts_offset(const uint8_t *b)
{
	size_t off = 2 + 32;

	off += 1 + b[off];
	off += 2 + (size_t)((b[off] << 8) | b[off + 1]);
	off += 1 + b[off];
	return off;
}

static void test_truncations(void **state)
{
	static uint8_t body[8192];
	int w;

	(void)state;
	for (w = 0; w < NCASES; w++) {
		struct mx_buf rec;
		struct mx_chello ch;
		size_t n, cut, eo;

		build(w, &rec);
		n = body_of(&rec, body, sizeof(body));
		eo = exts_offset(body);
		for (cut = 0; cut < n; cut++) {
			enum mx_chello_status st =
				mx_chello_parse(body, cut, &ch, NULL, 0);

			/* cut right before the extensions: a valid hello
			 * without them (RFC 5246 §7.4.1.2) */
			assert_int_equal(st, cut == eo ? MX_CHELLO_OK
						       : MX_CHELLO_TRUNCATED);
		}
		if (w != C_MULTI)
			for (cut = 0; cut < rec.len; cut++)
				assert_int_equal(
					mx_chello_parse_record(rec.p, cut, &ch,
							       NULL, 0),
					MX_CHELLO_TRUNCATED);
		mx_buf_free(&rec);
	}
}

struct lenfield {
	size_t off;
	int width;
	int inner; /* inside an extension: INVALID when moved */
};

static void add(struct lenfield *f, size_t *n, size_t off, int w, int inner)
{
	assert_true(*n < 64);
	f[*n].off = off;
	f[*n].width = w;
	f[*n].inner = inner;
	(*n)++;
}

static size_t get(const uint8_t *b, size_t off, int w)
{
	return w == 1 ? b[off] : (size_t)((b[off] << 8) | b[off + 1]);
}

/* Every length field the parser reads, found by walking the body. */
static size_t length_fields(const uint8_t *b, size_t len, struct lenfield *f)
{
	size_t n = 0, off = 2 + 32, end, i, k;

	add(f, &n, off, 1, 0);
	off += 1 + b[off];
	add(f, &n, off, 2, 0);
	off += 2 + get(b, off, 2);
	add(f, &n, off, 1, 0);
	off += 1 + b[off];
	if (off == len)
		return n;
	add(f, &n, off, 2, 0);
	off += 2;
	while (off < len) {
		uint16_t type = (uint16_t)get(b, off, 2);
		size_t d = off + 4, dl = get(b, off + 2, 2);

		add(f, &n, off + 2, 2, 1);
		end = d + dl;
		switch (type) {
		case 0: /* list, type, name */
			add(f, &n, d, 2, 1);
			add(f, &n, d + 3, 2, 1);
			break;
		case 10:
		case 13:
			add(f, &n, d, 2, 1);
			break;
		case 11:
		case 43:
		case 0xff01:
			add(f, &n, d, 1, 1);
			break;
		case 16: /* list, then each name */
			add(f, &n, d, 2, 1);
			for (i = d + 2; i < end; i += 1 + b[i])
				add(f, &n, i, 1, 1);
			break;
		case 51: /* list, then each share's key */
			add(f, &n, d, 2, 1);
			for (i = d + 2; i < end; i = k + 2 + get(b, k, 2)) {
				k = i + 2;
				add(f, &n, k, 2, 1);
			}
			break;
		default:
			break;
		}
		off = end;
	}
	assert_int_equal(off, len);
	return n;
}

static void test_lengths_off_by_one(void **state)
{
	static uint8_t body[8192], m[8192];
	struct lenfield f[64];
	int w, d;

	(void)state;
	for (w = 0; w < NCASES; w++) {
		struct mx_buf rec;
		size_t n, nf, i;

		build(w, &rec);
		n = body_of(&rec, body, sizeof(body));
		nf = length_fields(body, n, f);
		assert_true(nf >= 3);
		for (i = 0; i < nf; i++)
			for (d = -1; d <= 1; d += 2) {
				size_t v = get(body, f[i].off, f[i].width);
				struct mx_chello ch;
				char detail[128];
				enum mx_chello_status st;

				if (v == 0 && d < 0)
					continue;
				v += (size_t)d;
				memcpy(m, body, n);
				if (f[i].width == 1) {
					m[f[i].off] = (uint8_t)v;
				} else {
					m[f[i].off] = (uint8_t)(v >> 8);
					m[f[i].off + 1] = (uint8_t)v;
				}
				st = mx_chello_parse(m, n, &ch, detail,
						     sizeof(detail));
				if (st == MX_CHELLO_OK)
					fail_msg("case %d field at %zu (%s1) "
						 "parsed OK",
						 w, f[i].off,
						 d > 0 ? "+" : "-");
				assert_true(detail[0] != '\0');
				if (f[i].inner)
					assert_int_equal(st, MX_CHELLO_INVALID);
			}
		mx_buf_free(&rec);
	}
}

/* A hand-made body: version, random, session id, suites, compression,
 * then `ext` as the extensions block contents (ext_len < 0: none). */
static size_t hand(uint8_t *b, size_t sid, const uint8_t *suites,
		   size_t nsuites, size_t ncomp, const uint8_t *ext,
		   long ext_len)
{
	struct mx_buf o;
	size_t i, l, len;

	mx_buf_init(&o, 0);
	mx_buf_push_u16(&o, 0x0303);
	for (i = 0; i < 32; i++)
		mx_buf_push_u8(&o, 0x11);
	mx_buf_push_u8(&o, (uint8_t)sid);
	for (i = 0; i < sid; i++)
		mx_buf_push_u8(&o, 0x22);
	mx_buf_push_u16(&o, (uint16_t)nsuites);
	mx_buf_push(&o, suites, nsuites);
	mx_buf_push_u8(&o, (uint8_t)ncomp);
	for (i = 0; i < ncomp; i++)
		mx_buf_push_u8(&o, 0);
	if (ext_len >= 0) {
		l = mx_buf_block_open(&o, 2);
		mx_buf_push(&o, ext, (size_t)ext_len);
		mx_buf_block_close(&o, l, 2);
	}
	assert_int_equal(o.err, 0);
	len = o.len;
	memcpy(b, o.p, len);
	mx_buf_free(&o);
	return len;
}

static enum mx_chello_status try_ext(const uint8_t *ext, long len,
				     struct mx_chello *ch, char *detail)
{
	static const uint8_t s[] = {0xc0, 0x2f};
	uint8_t b[70000];
	size_t n = hand(b, 0, s, 2, 1, ext, len);

	return mx_chello_parse(b, n, ch, detail, 128);
}

static void test_malformed_by_name(void **state)
{
	static const uint8_t s[] = {0xc0, 0x2f, 0x00, 0x2f};
	static const uint8_t dup[] = {0, 23, 0, 0,  0xff, 1, 0,
				      1, 0,  0, 23, 0,	  0};
	static const uint8_t sni_empty[] = {0, 0, 0, 2, 0, 0};
	static const uint8_t sni_second[] = {
		0, 0, 0, 13, 0, 11, 9, 0, 2, 'x', 'y', 0, 0, 3, 'a', '.', 'b'};
	static const uint8_t alpn_empty_name[] = {0, 16, 0,   6,   0,
						  4, 2,	 'h', '2', 0};
	static const uint8_t versions_odd[] = {0, 43, 0, 4, 3, 3, 4, 3};
	static const uint8_t odd_block[] = {0};
	static const uint8_t early_psk[] = {0, 42, 0, 0, 0, 41, 0, 1, 0};
	uint8_t b[512];
	struct mx_chello ch;
	char detail[128];
	size_t n;

	(void)state;
	n = hand(b, 33, s, 4, 1, NULL, -1);
	assert_int_equal(mx_chello_parse(b, n, &ch, detail, 128),
			 MX_CHELLO_INVALID);
	n = hand(b, 32, s, 4, 1, NULL, -1);
	assert_int_equal(mx_chello_parse(b, n, &ch, detail, 128), MX_CHELLO_OK);
	assert_int_equal(ch.session_id_len, 32);
	assert_int_equal(ch.next, 0);
	n = hand(b, 0, s, 3, 1, NULL, -1); /* odd suite list */
	assert_int_equal(mx_chello_parse(b, n, &ch, detail, 128),
			 MX_CHELLO_INVALID);
	n = hand(b, 0, s, 0, 1, NULL, -1); /* no suites */
	assert_int_equal(mx_chello_parse(b, n, &ch, detail, 128),
			 MX_CHELLO_INVALID);
	n = hand(b, 0, s, 4, 0, NULL, -1); /* no compression */
	assert_int_equal(mx_chello_parse(b, n, &ch, detail, 128),
			 MX_CHELLO_INVALID);
	n = hand(b, 0, s, 4, 1, NULL, 0); /* empty extensions block */
	assert_int_equal(mx_chello_parse(b, n, &ch, detail, 128), MX_CHELLO_OK);
	b[n++] = 0; /* a trailing byte */
	assert_int_equal(mx_chello_parse(b, n, &ch, detail, 128),
			 MX_CHELLO_INVALID);

	assert_int_equal(try_ext(dup, sizeof(dup), &ch, detail),
			 MX_CHELLO_INVALID);
	assert_non_null(strstr(detail, "twice"));
	assert_int_equal(try_ext(dup, sizeof(dup) - 4, &ch, detail),
			 MX_CHELLO_OK);
	assert_int_equal(try_ext(sni_empty, sizeof(sni_empty), &ch, detail),
			 MX_CHELLO_INVALID);
	assert_int_equal(try_ext(sni_second, sizeof(sni_second), &ch, detail),
			 MX_CHELLO_OK);
	assert_string_equal(ch.sni, "a.b");
	assert_int_equal(try_ext(alpn_empty_name, sizeof(alpn_empty_name), &ch,
				 detail),
			 MX_CHELLO_INVALID);
	assert_int_equal(try_ext(versions_odd, sizeof(versions_odd), &ch,
				 detail),
			 MX_CHELLO_INVALID);
	assert_int_equal(try_ext(odd_block, sizeof(odd_block), &ch, detail),
			 MX_CHELLO_INVALID);
	assert_int_equal(try_ext(early_psk, sizeof(early_psk), &ch, detail),
			 MX_CHELLO_OK);
	assert_int_equal(ch.has_early_data, 1);
	assert_int_equal(ch.has_psk, 1);
	assert_string_equal(mx_chello_status_name(MX_CHELLO_INVALID),
			    "invalid");
	assert_string_equal(mx_chello_status_name(MX_CHELLO_UNSUPPORTED),
			    "unsupported");
}

static void test_sni_cut(void **state)
{
	uint8_t ext[4 + 5 + 300];
	struct mx_chello ch;
	char detail[128];
	size_t i;

	(void)state;
	ext[0] = 0;
	ext[1] = 0;
	ext[2] = (5 + 300) >> 8;
	ext[3] = (5 + 300) & 0xff;
	ext[4] = (3 + 300) >> 8;
	ext[5] = (3 + 300) & 0xff;
	ext[6] = 0;
	ext[7] = 300 >> 8;
	ext[8] = 300 & 0xff;
	for (i = 0; i < 300; i++)
		ext[9 + i] = (uint8_t)('a' + i % 26);
	assert_int_equal(try_ext(ext, sizeof(ext), &ch, detail), MX_CHELLO_OK);
	assert_int_equal(ch.has_sni, 1);
	assert_int_equal(strlen(ch.sni), 255);
	assert_memory_equal(ch.sni, ext + 9, 255);
}

static void test_records(void **state)
{
	/* SSLv2 CLIENT-HELLO (RFC 6101 E.2): length 0x2e, type 1, 3.1 */
	static const uint8_t v2[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0x00,
				     0x15, 0x00, 0x00, 0x00, 0x10};
	struct mx_buf rec;
	struct mx_chello ch;
	char detail[128];
	uint8_t m[1024];

	(void)state;
	assert_int_equal(mx_chello_parse_record(v2, sizeof(v2), &ch, detail,
						sizeof(detail)),
			 MX_CHELLO_UNSUPPORTED);
	assert_int_equal(ch.sslv2, 1);
	assert_int_equal(ch.legacy_version, 0x0301);
	assert_int_equal(ch.nsuites, 0);
	assert_int_equal(mx_chello_parse_record(v2, 3, &ch, detail,
						sizeof(detail)),
			 MX_CHELLO_TRUNCATED);

	build(C_TLS10, &rec);
	assert_true(rec.len + 1 < sizeof(m));
	memcpy(m, rec.p, rec.len);
	m[rec.len] = 0x17; /* the next record begins: ignored */
	assert_int_equal(mx_chello_parse_record(m, rec.len + 1, &ch, NULL, 0),
			 MX_CHELLO_OK);
	m[0] = 23; /* application data */
	assert_int_equal(mx_chello_parse_record(m, rec.len, &ch, detail,
						sizeof(detail)),
			 MX_CHELLO_INVALID);
	m[0] = 22;
	m[1] = 2; /* record version 2.1 */
	assert_int_equal(mx_chello_parse_record(m, rec.len, &ch, NULL, 0),
			 MX_CHELLO_INVALID);
	m[1] = 3;
	m[5] = 2; /* ServerHello */
	assert_int_equal(mx_chello_parse_record(m, rec.len, &ch, NULL, 0),
			 MX_CHELLO_INVALID);
	m[5] = 1;
	m[8]--; /* the hello is a byte shorter than its record */
	assert_int_equal(mx_chello_parse_record(m, rec.len, &ch, detail,
						sizeof(detail)),
			 MX_CHELLO_INVALID);
	mx_buf_free(&rec);
}

static void test_limits(void **state)
{
	static uint16_t suites[600], groups[200];
	static uint8_t ext[200 * 4 + 4 + 400 + 2];
	struct mx_hello_params p;
	struct counter r;
	struct mx_buf rec;
	struct mx_chello ch;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < 600; i++)
		suites[i] = (uint16_t)(0x1000 + i);
	for (i = 0; i < 200; i++)
		groups[i] = (uint16_t)(0x2000 + i);
	params(C_TLS12, &p, &r);
	p.suites = suites;
	p.nsuites = 600;
	p.groups = groups;
	p.ngroups = 200;
	p.pad_to = 0;
	mx_buf_init(&rec, 0);
	assert_int_equal(mx_hello_build(&p, &rec, NULL), MX_HELLO_OK);
	assert_int_equal(mx_chello_parse_record(rec.p, rec.len, &ch, NULL, 0),
			 MX_CHELLO_OK);
	assert_int_equal(ch.nsuites, MX_CHELLO_MAX_SUITES);
	assert_int_equal(ch.nsuites_total, 600);
	assert_int_equal(ch.suites[511], 0x1000 + 511);
	assert_int_equal(ch.ngroups, MX_CHELLO_MAX_LIST);
	assert_int_equal(ch.ngroups_total, 200);
	mx_buf_free(&rec);

	/* 200 distinct empty extensions */
	for (i = 0; i < 200; i++) {
		ext[n++] = (uint8_t)((0x3000 + i) >> 8);
		ext[n++] = (uint8_t)(0x3000 + i);
		ext[n++] = 0;
		ext[n++] = 0;
	}
	assert_int_equal(try_ext(ext, (long)n, &ch, (char[128]){0}),
			 MX_CHELLO_OK);
	assert_int_equal(ch.next, MX_CHELLO_MAX_EXTS);
	assert_int_equal(ch.next_total, 200);
}

static void test_grease(void **state)
{
	unsigned v, n = 0;

	(void)state;
	for (v = 0; v < 0x10000; v++)
		if (mx_tls_is_grease((uint16_t)v)) {
			assert_int_equal(v & 0xff, v >> 8);
			assert_int_equal(v & 0x0f, 0x0a);
			n++;
		}
	assert_int_equal(n, 16);
	assert_true(mx_tls_is_grease(0x0a0a));
	assert_true(mx_tls_is_grease(0xfafa));
	assert_false(mx_tls_is_grease(0x0a1a));
	assert_false(mx_tls_is_grease(0x0303));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_golden_files),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_lengths_off_by_one),
		cmocka_unit_test(test_malformed_by_name),
		cmocka_unit_test(test_sni_cut),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_grease),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
