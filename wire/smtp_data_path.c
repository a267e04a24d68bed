/*
 * smtp_data_path.c - syntax of SMTP paths and domains (RFC 5321 §4.1.2):
 * Dot-string or Quoted-string local part, domain or address literal,
 * UTF-8 (RFC 6531 §3.3, flagged, well-formed per RFC 3629 §4).
 *
 * API: mx_smtp_mailbox_ok(), mx_smtp_domain_ok(), mx_utf8_seq()
 * (wire/smtp_data.h); mx_smtp_read_domain(), mx_smtp_read_mailbox()
 * for the command parser (internal, wire/smtp_data_int.h).
 * Ownership: pure; input borrowed, nothing allocated.
 * Limits: labels of at most 63 octets (RFC 1035 §2.3.4); the callers
 * apply local part 64, domain 255, path 256 (RFC 5321 §4.5.3.1).
 */
#include "wire/smtp_data.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "wire/smtp_data_int.h"

/* ---- syntax of paths (RFC 5321 §4.1.2) -------------------------------- */

/* Read one well-formed UTF-8 sequence (RFC 3629 §4) whose lead byte is
 * next; returns 0 and marks the cursor invalid otherwise. */
static int take_utf8(struct mx_cur *c)
{
	uint8_t b0 = mx_cur_u8(c), b1;
	size_t more, i;

	if (b0 >= 0xc2 && b0 <= 0xdf)
		more = 1;
	else if (b0 >= 0xe0 && b0 <= 0xef)
		more = 2;
	else if (b0 >= 0xf0 && b0 <= 0xf4)
		more = 3;
	else
		goto bad;
	if (peek(c) < 0)
		goto bad;
	b1 = (uint8_t)peek(c);
	/* No overlongs, no surrogates, nothing past U+10FFFF. */
	if ((b0 == 0xe0 && b1 < 0xa0) || (b0 == 0xed && b1 > 0x9f) ||
	    (b0 == 0xf0 && b1 < 0x90) || (b0 == 0xf4 && b1 > 0x8f))
		goto bad;
	for (i = 0; i < more; i++) {
		int ch = peek(c);

		if (ch < 0x80 || ch > 0xbf)
			goto bad;
		mx_cur_skip(c, 1);
	}
	return 1;
bad:
	mx_cur_invalid(c);
	return 0;
}

size_t mx_utf8_seq(const uint8_t *p, size_t n)
{
	struct mx_cur c;

	mx_cur_init(&c, p, n);
	if (n == 0 || p[0] < 0x80 || !take_utf8(&c))
		return 0;
	return n - mx_cur_left(&c);
}

/* RFC 5322 §3.2.3 atext. */
static int is_atext(int ch)
{
	return ch > 0 && (is_alpha(ch) || is_digit(ch) ||
			  strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

/* Domain at the cursor, stopping at the first octet that cannot belong
 * to it; returns its length, 0 if invalid (RFC 5321 §4.1.2: sub-domain =
 * Let-dig [Ldh-str]; RFC 1035 §2.3.4: labels of at most 63 octets).
 * allow_us tolerates '_' (seen in EHLO names of Windows hosts). */
size_t mx_smtp_read_domain(struct mx_cur *c, int allow_us, int *utf8)
{
	const uint8_t *start = c->p;
	size_t label = 0;
	int last = 0; /* last octet of the current label */

	for (;;) {
		const uint8_t *before = c->p;
		int ch = peek(c);

		if (ch >= 0x80) {
			if (!take_utf8(c))
				return 0;
			*utf8 = 1;
			last = 'a';
		} else if (is_alpha(ch) || is_digit(ch) ||
			   (allow_us && ch == '_')) {
			mx_cur_skip(c, 1);
			last = ch;
		} else if (ch == '-') {
			if (label == 0)
				return 0; /* Let-dig first */
			mx_cur_skip(c, 1);
			last = ch;
		} else if (ch == '.') {
			if (label == 0 || last == '-')
				return 0;
			mx_cur_skip(c, 1);
			label = 0;
			last = 0;
			continue;
		} else {
			break;
		}
		label += (size_t)(c->p - before);
		if (label > 63)
			return 0;
	}
	if (c->p == start || label == 0 || last == '-')
		return 0;
	return (size_t)(c->p - start);
}

/* address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" dcontent ) "]" */
int mx_smtp_read_address_literal(struct mx_cur *c)
{
	char tmp[64];
	const uint8_t *s;
	size_t n = 0, left;

	if (mx_cur_u8(c) != '[')
		return 0;
	left = mx_cur_left(c);
	s = c->p;
	while (n < left && s[n] != ']' && n < sizeof(tmp) - 1)
		n++;
	if (n == left || s[n] != ']' || n == 0)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	mx_cur_skip(c, n + 1);
	if (n > 5 && strncasecmp(tmp, "IPv6:", 5) == 0) {
		struct in6_addr a6;
		return inet_pton(AF_INET6, tmp + 5, &a6) == 1;
	}
	if (is_digit(tmp[0])) {
		struct in_addr a4;
		return inet_pton(AF_INET, tmp, &a4) == 1;
	}
	/* General-address-literal: Standardized-tag ":" 1*dcontent */
	{
		size_t i = 0;
		while (i < n &&
		       (is_alpha(tmp[i]) || is_digit(tmp[i]) || tmp[i] == '-'))
			i++;
		if (i == 0 || i >= n || tmp[i] != ':' || i + 1 >= n)
			return 0;
		for (i++; i < n; i++)
			if (tmp[i] < 33 || tmp[i] > 126 || tmp[i] == '[' ||
			    tmp[i] == '\\')
				return 0;
	}
	return 1;
}

/* Local-part = Dot-string / Quoted-string; reads it and returns its
 * length, 0 if invalid. */
static size_t read_local(struct mx_cur *c, int *utf8)
{
	const uint8_t *start = c->p;
	int ch = peek(c);

	if (ch == '"') {
		mx_cur_skip(c, 1);
		for (;;) {
			ch = peek(c);
			if (ch < 0)
				return 0;
			if (ch == '"') {
				mx_cur_skip(c, 1);
				break;
			}
			if (ch == '\\') {
				/* quoted-pairSMTP = "\" %d32-126 */
				mx_cur_skip(c, 1);
				ch = peek(c);
				if (ch < 32 || ch > 126)
					return 0;
				mx_cur_skip(c, 1);
			} else if (ch >= 0x80) {
				if (!take_utf8(c))
					return 0;
				*utf8 = 1;
			} else if (ch >= 32 && ch <= 126) {
				mx_cur_skip(c, 1);
			} else {
				return 0;
			}
		}
		return (size_t)(c->p - start);
	}
	/* Dot-string = Atom *("." Atom) */
	for (;;) {
		size_t atom = 0;

		for (;;) {
			ch = peek(c);
			if (ch >= 0x80) {
				if (!take_utf8(c))
					return 0;
				*utf8 = 1;
			} else if (is_atext(ch)) {
				mx_cur_skip(c, 1);
			} else {
				break;
			}
			atom++;
		}
		if (atom == 0)
			return 0;
		if (peek(c) != '.')
			break;
		mx_cur_skip(c, 1);
	}
	return (size_t)(c->p - start);
}

/* Mailbox = Local-part "@" ( Domain / address-literal ).  With
 * allow_bare, a local part alone is accepted (RCPT TO:<postmaster>) and
 * flagged.  Returns 1 if valid. */
int mx_smtp_read_mailbox(struct mx_cur *c, int allow_bare,
			 struct mx_smtp_mbox *m)
{
	memset(m, 0, sizeof(*m));
	m->local_len = read_local(c, &m->utf8);
	if (m->local_len == 0 || !mx_cur_ok(c))
		return 0;
	if (peek(c) != '@') {
		if (!allow_bare)
			return 0;
		m->no_domain = 1;
		return 1;
	}
	mx_cur_skip(c, 1);
	if (peek(c) == '[') {
		const uint8_t *s = c->p;

		if (!mx_smtp_read_address_literal(c))
			return 0;
		m->literal = 1;
		m->domain_len = (size_t)(c->p - s);
		return 1;
	}
	m->domain_len = mx_smtp_read_domain(c, 0, &m->utf8);
	return m->domain_len > 0 && mx_cur_ok(c);
}

int mx_smtp_mailbox_ok(const char *s, size_t len, int *utf8)
{
	struct mx_cur c;
	struct mx_smtp_mbox m;

	mx_cur_init(&c, (const uint8_t *)s, len);
	if (!mx_smtp_read_mailbox(&c, 0, &m) || !mx_cur_done(&c))
		return 0;
	if (m.local_len > MX_SMTP_MAX_LOCAL ||
	    m.domain_len > MX_SMTP_MAX_DOMAIN)
		return 0;
	if (utf8)
		*utf8 = m.utf8;
	return 1;
}

int mx_smtp_domain_ok(const char *s, size_t len, int *utf8)
{
	struct mx_cur c;
	int u = 0;
	size_t n;

	mx_cur_init(&c, (const uint8_t *)s, len);
	n = mx_smtp_read_domain(&c, 0, &u);
	if (n == 0 || n > MX_SMTP_MAX_DOMAIN || !mx_cur_done(&c))
		return 0;
	if (utf8)
		*utf8 = u;
	return 1;
}
