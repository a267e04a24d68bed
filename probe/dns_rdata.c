/*
 * dns_rdata.c - decoding the rdata libunbound hands back; see dns.h.
 *
 * Purpose: mx_dns_rdata_decode() and mx_dns_answer_clear(): one record
 * of a known type into struct mx_dns_answer.
 *
 * Rdata decoding (mx_dns_rdata_decode) reads only through struct mx_cur:
 * MX (RFC 1035 §3.3.9) u16 preference + a name; A (§3.4.1) exactly 4
 * bytes; AAAA (RFC 3596 §2.2) exactly 16; TLSA (RFC 6698 §2.1) usage,
 * selector, matching type, then at least one byte of data; TXT (RFC 1035
 * §3.3.14) one or more character-strings, concatenated into one string as
 * RFC 7208 §3.3 and RFC 8461 §3.1 read them (a NUL byte makes the record
 * malformed: it could not be a C string).  Names are uncompressed wire
 * format (libunbound expands compression): compression pointers and
 * extended label types (RFC 1035 §4.1.4, RFC 6891 §5) are rejected, as is
 * a name over 255 octets (RFC 1035 §3.1).  Names come out dotted, lower
 * case, without the trailing dot ("" for the root); a label byte other
 * than letter, digit, '-' or '_' is written \xNN, so the text is always
 * clean, and a name with such a byte is never looked up.
 *
 * Ownership: what is appended to the answer is owned by it and released
 * by mx_dns_answer_clear(); the input is borrowed.
 * Limits: 255 octets per name (RFC 1035 §3.1); a bad record is refused
 * (-1), never half-appended.
 */
#include "probe/dns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/xalloc.h"
#include "probe/dns_int.h"

/* ---- rdata decoding ---------------------------------------------------- */

static int is_name_byte(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/*
 * A wire-format name (RFC 1035 §3.1) to dotted text; see the file comment.
 * Returns a malloc'ed string, or NULL with the cursor's error set.
 */
static char *decode_name(struct mx_cur *c)
{
	struct mx_buf b;
	size_t wire = 0;
	char *out;

	mx_buf_init(&b, 0);
	for (;;) {
		uint8_t len = mx_cur_u8(c);
		const uint8_t *lab;
		size_t i;

		if (!mx_cur_ok(c))
			break;
		wire += 1 + (size_t)len;
		if (wire > 255) { /* RFC 1035 §3.1: 255 octets */
			mx_cur_invalid(c);
			break;
		}
		if (len == 0)
			break;
		if (len & 0xc0) {
			/* 11: compression pointer (RFC 1035 §4.1.4), never
			 * in rdata handed over by libunbound; 01/10:
			 * extended label types (RFC 6891 §5). */
			mx_cur_invalid(c);
			break;
		}
		lab = mx_cur_bytes(c, len);
		if (lab == NULL)
			break;
		if (b.len > 0)
			mx_buf_push_u8(&b, '.');
		for (i = 0; i < len; i++) {
			uint8_t ch = lab[i];

			if (is_name_byte(ch)) {
				if (ch >= 'A' && ch <= 'Z')
					ch = (uint8_t)(ch - 'A' + 'a');
				mx_buf_push_u8(&b, ch);
			} else {
				mx_buf_printf(&b, "\\x%02x", ch);
			}
		}
	}
	if (!mx_cur_ok(c) || b.err) {
		mx_buf_free(&b);
		if (mx_cur_ok(c))
			mx_cur_invalid(c);
		return NULL;
	}
	mx_buf_push(&b, "", 0);
	out = (char *)mx_buf_take(&b, NULL);
	return out ? out : xstrdup("");
}

static int decode_mx(struct mx_dns_answer *a, struct mx_cur *c)
{
	uint16_t pref = mx_cur_u16(c);
	char *name;

	if (!mx_cur_ok(c))
		return -1;
	name = decode_name(c);
	if (name == NULL || !mx_cur_done(c)) {
		free(name);
		return -1;
	}
	a->mx = xreallocarray(a->mx, a->nmx + 1, sizeof(*a->mx));
	a->mx[a->nmx].pref = pref;
	a->mx[a->nmx].name = name;
	a->nmx++;
	return 0;
}

static int decode_addr(struct mx_dns_answer *a, struct mx_cur *c, int af)
{
	size_t n = af == AF_INET ? 4 : 16;
	char text[INET6_ADDRSTRLEN];
	const uint8_t *p;

	if (mx_cur_left(c) != n) /* exactly, nothing trailing */
		return -1;
	p = mx_cur_bytes(c, n);
	if (p == NULL || inet_ntop(af, p, text, sizeof(text)) == NULL)
		return -1;
	a->addrs = xreallocarray(a->addrs, a->naddrs + 1, sizeof(*a->addrs));
	a->addrs[a->naddrs++] = xstrdup(text);
	return 0;
}

static int decode_tlsa(struct mx_dns_answer *a, struct mx_cur *c)
{
	struct mx_dns_tlsa t;
	const uint8_t *p;

	t.usage = mx_cur_u8(c);
	t.selector = mx_cur_u8(c);
	t.mtype = mx_cur_u8(c);
	t.len = mx_cur_left(c);
	if (!mx_cur_ok(c) || t.len == 0)
		return -1;
	p = mx_cur_bytes(c, t.len);
	if (p == NULL || !mx_cur_done(c))
		return -1;
	t.data = xmalloc(t.len);
	memcpy(t.data, p, t.len);
	a->tlsa = xreallocarray(a->tlsa, a->ntlsa + 1, sizeof(*a->tlsa));
	a->tlsa[a->ntlsa++] = t;
	return 0;
}

static int decode_txt(struct mx_dns_answer *a, struct mx_cur *c)
{
	struct mx_buf b;
	char *s;

	if (mx_cur_left(c) == 0) /* at least one character-string */
		return -1;
	mx_buf_init(&b, 0);
	while (mx_cur_left(c) > 0) {
		struct mx_cur sub;
		size_t n;
		const uint8_t *p;

		mx_cur_sub8(c, &sub);
		n = mx_cur_left(&sub);
		p = mx_cur_bytes(&sub, n);
		if (!mx_cur_ok(c) || (n > 0 && p == NULL) ||
		    (n > 0 && memchr(p, 0, n) != NULL)) {
			mx_buf_free(&b);
			return -1;
		}
		if (n > 0)
			mx_buf_push(&b, p, n);
	}
	mx_buf_push(&b, "", 0);
	if (b.err || !mx_cur_done(c)) {
		mx_buf_free(&b);
		return -1;
	}
	s = (char *)mx_buf_take(&b, NULL);
	a->txt = xreallocarray(a->txt, a->ntxt + 1, sizeof(*a->txt));
	a->txt[a->ntxt++] = s ? s : xstrdup("");
	return 0;
}

int mx_dns_rdata_decode(struct mx_dns_answer *ans, int rrtype, const uint8_t *p,
			size_t len)
{
	struct mx_cur c;

	if (p == NULL && len > 0)
		return -1;
	mx_cur_init(&c, p, len);
	switch (rrtype) {
	case RR_MX:
		return decode_mx(ans, &c);
	case RR_A:
		return decode_addr(ans, &c, AF_INET);
	case RR_AAAA:
		return decode_addr(ans, &c, AF_INET6);
	case RR_TLSA:
		return decode_tlsa(ans, &c);
	case RR_TXT:
		return decode_txt(ans, &c);
	default:
		return -1;
	}
}

void mx_dns_answer_clear(struct mx_dns_answer *a)
{
	size_t i;

	for (i = 0; i < a->nmx; i++)
		free(a->mx[i].name);
	free(a->mx);
	for (i = 0; i < a->naddrs; i++)
		free(a->addrs[i]);
	free(a->addrs);
	for (i = 0; i < a->ntlsa; i++)
		free(a->tlsa[i].data);
	free(a->tlsa);
	for (i = 0; i < a->ntxt; i++)
		free(a->txt[i]);
	free(a->txt);
	free(a->why_bogus);
	memset(a, 0, sizeof(*a));
}
