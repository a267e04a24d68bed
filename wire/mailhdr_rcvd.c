/*
 * mailhdr_rcvd.c - one Received field (RFC 5321 §4.4, RFC 5322 §3.6.7):
 * from / by / via / with / id / for clauses, the date after the last
 * ';', the sending IP, the protocol (RFC 3848 / RFC 6531) and the TLS of
 * the hop (through mailhdr_tls.c).
 *
 * API: mx_received_parse(), mx_received_clear(), mx_rcvd_tls_name()
 * (wire/mailhdr.h).
 * Ownership: the caller's struct mx_received owns every string set in it;
 * the input is borrowed.
 * Limits: MAX_TOKENS tokens per field (more sets `malformed`); each item
 * is escaped and capped at MX_HDR_ITEM_MAX.
 */
#include "wire/mailhdr.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/xalloc.h"
#include "wire/mailhdr_int.h"

/* RFC 3848 / RFC 6531 §3.3 protocol names, and what they say. */
static const struct {
	const char *name;
	enum mx_rcvd_tls tls;
	int auth;
} protocols[] = {
	{"SMTP", MX_RCVD_TLS_NO, 0},
	{"ESMTP", MX_RCVD_TLS_NO, 0},
	{"ESMTPA", MX_RCVD_TLS_NO, 1},
	{"ESMTPS", MX_RCVD_TLS_YES, 0},
	{"ESMTPSA", MX_RCVD_TLS_YES, 1},
	{"LMTP", MX_RCVD_TLS_NO, 0},
	{"LMTPA", MX_RCVD_TLS_NO, 1},
	{"LMTPS", MX_RCVD_TLS_YES, 0},
	{"LMTPSA", MX_RCVD_TLS_YES, 1},
	{"UTF8SMTP", MX_RCVD_TLS_NO, 0},
	{"UTF8SMTPA", MX_RCVD_TLS_NO, 1},
	{"UTF8SMTPS", MX_RCVD_TLS_YES, 0},
	{"UTF8SMTPSA", MX_RCVD_TLS_YES, 1},
	{"UTF8LMTP", MX_RCVD_TLS_NO, 0},
	{"UTF8LMTPA", MX_RCVD_TLS_NO, 1},
	{"UTF8LMTPS", MX_RCVD_TLS_YES, 0},
	{"UTF8LMTPSA", MX_RCVD_TLS_YES, 1},
	/* not in RFC 3848, written by Gmail and Exchange */
	{"SMTPS", MX_RCVD_TLS_YES, 0},
	{"HTTPS", MX_RCVD_TLS_YES, 0},
	{"HTTP", MX_RCVD_TLS_NO, 0},
};

/* ---- Received ------------------------------------------------------------ */

enum tok_kind { T_WORD, T_COMMENT, T_SEMI };

struct tok {
	enum tok_kind kind;
	const uint8_t *p;
	size_t len;
};

#define MAX_TOKENS 256

enum clause { C_NONE = -1, C_FROM, C_BY, C_VIA, C_WITH, C_ID, C_FOR, C_N };

static const char *const clause_kw[C_N] = {"from", "by", "via",
					   "with", "id", "for"};

static void read_word(struct mx_cur *c, const uint8_t **w, size_t *n)
{
	const uint8_t *s = c->p;
	int quoted = 0;

	while (mx_cur_left(c) > 0) {
		int ch = peek(c);

		if (!quoted && (is_space(ch) || ch == '(' || ch == ';'))
			break;
		mx_cur_skip(c, 1);
		if (ch == '\\' && quoted && mx_cur_left(c) > 0)
			mx_cur_skip(c, 1);
		else if (ch == '"')
			quoted = !quoted;
	}
	*w = s;
	*n = (size_t)(c->p - s);
}

static void find_ip(const uint8_t *p, size_t n, char **out)
{
	const uint8_t *open = memchr(p, '[', n), *s = p, *close;
	char tmp[64];
	size_t len = n;
	unsigned char addr[16];

	if (*out || n == 0)
		return;
	if (open) {
		s = open + 1;
		close = memchr(s, ']', n - (size_t)(s - p));
		if (close == NULL)
			return;
		len = (size_t)(close - s);
		if (len > 5 && strncasecmp((const char *)s, "IPv6:", 5) == 0) {
			s += 5;
			len -= 5;
		}
	}
	if (len == 0 || len >= sizeof(tmp))
		return;
	memcpy(tmp, s, len);
	tmp[len] = 0;
	if (inet_pton(AF_INET, tmp, addr) == 1 ||
	    inet_pton(AF_INET6, tmp, addr) == 1)
		*out = xstrdup(tmp); /* inet_pton accepted: plain ASCII */
}

void mx_received_parse(const uint8_t *p, size_t len, struct mx_received *r)
{
	struct tok toks[MAX_TOKENS];
	struct mx_buf words[C_N];
	const uint8_t *first_comment[C_N] = {NULL};
	size_t first_comment_len[C_N] = {0};
	const uint8_t *proto = NULL;
	size_t ntok = 0, i, semi = 0, proto_len = 0;
	int have_semi = 0, tls_next = 0;
	enum clause cur = C_NONE;
	struct mx_cur c;

	memset(r, 0, sizeof(*r));
	mx_cur_init(&c, p, len);
	while (mx_cur_left(&c) > 0) {
		int ch = peek(&c);
		struct tok *t;

		if (is_space(ch)) {
			mx_cur_skip(&c, 1);
			continue;
		}
		if (ntok == MAX_TOKENS) {
			r->malformed = 1;
			break;
		}
		t = &toks[ntok++];
		if (ch == '(') {
			t->kind = T_COMMENT;
			if (!mx_hdr_read_comment(&c, &t->p, &t->len))
				r->malformed = 1;
		} else if (ch == ';') {
			t->kind = T_SEMI;
			t->p = c.p;
			t->len = 1;
			mx_cur_skip(&c, 1);
			semi = ntok - 1;
			have_semi = 1;
		} else {
			t->kind = T_WORD;
			read_word(&c, &t->p, &t->len);
		}
	}
	/* RFC 5322 §3.6.7: the date follows the last ';'. */
	if (have_semi) {
		const uint8_t *d = toks[semi].p + 1;
		size_t dl = len - (size_t)(d - p);

		while (dl > 0 && is_space(d[0])) {
			d++;
			dl--;
		}
		r->date_text = esc(d, dl, MX_HDR_ITEM_MAX);
		r->has_date =
			mx_mailhdr_parse_date(d, dl, &r->date, &r->tz_minutes);
		if (!r->has_date)
			r->malformed = 1;
	} else {
		semi = ntok;
		r->malformed = 1;
	}

	for (i = 0; i < C_N; i++)
		mx_buf_init(&words[i], MX_HDR_ITEM_MAX);
	for (i = 0; i < semi; i++) {
		const struct tok *t = &toks[i];
		int k;

		if (t->kind == T_COMMENT) {
			if (cur != C_NONE && first_comment[cur] == NULL) {
				first_comment[cur] = t->p;
				first_comment_len[cur] = t->len;
			}
			mx_hdr_scan_tls_comment(r, t->p, t->len);
			continue;
		}
		if (t->kind == T_SEMI) {
			r->malformed = 1; /* a ';' before the last */
			cur = C_NONE;
			continue;
		}
		for (k = 0; k < C_N; k++)
			if (word_is(t->p, t->len, clause_kw[k]))
				break;
		if (k < C_N) {
			cur = (enum clause)k;
			tls_next = 0;
			continue;
		}
		if (cur == C_NONE) {
			r->malformed = 1;
			continue;
		}
		if (cur == C_WITH) {
			if (words[C_WITH].len == 0) {
				proto = t->p;
				proto_len = t->len;
			} else if (tls_next) {
				/* Exim: "with esmtps (TLS1.3) tls CIPHER" */
				struct mx_hdr_tls_found f;

				memset(&f, 0, sizeof(f));
				f.cipher = t->p;
				f.cipher_len = t->len;
				mx_hdr_apply_tls(r, &f, t->p, t->len);
			}
			tls_next = word_is(t->p, t->len, "tls");
		}
		if (words[cur].len)
			mx_buf_push_u8(&words[cur], ' ');
		mx_buf_push(&words[cur], t->p, t->len);
	}
	for (i = 0; i < C_N; i++) {
		char **dst[C_N] = {&r->from, &r->by, &r->via,
				   &r->with, &r->id, &r->for_};

		if (words[i].len)
			*dst[i] =
				esc(words[i].p, words[i].len, MX_HDR_ITEM_MAX);
		mx_buf_free(&words[i]);
	}
	if (first_comment[C_FROM])
		r->from_comment = esc(first_comment[C_FROM],
				      first_comment_len[C_FROM],
				      MX_HDR_ITEM_MAX);
	if (first_comment[C_BY])
		r->by_comment = esc(first_comment[C_BY],
				    first_comment_len[C_BY], MX_HDR_ITEM_MAX);
	if (first_comment[C_FROM])
		find_ip(first_comment[C_FROM], first_comment_len[C_FROM],
			&r->from_ip);
	if (r->from && r->from[0] == '[')
		find_ip((const uint8_t *)r->from, strlen(r->from), &r->from_ip);
	if (proto) {
		for (i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
			if (word_is(proto, proto_len, protocols[i].name))
				break;
		if (i < sizeof(protocols) / sizeof(protocols[0])) {
			r->protocol = xstrdup(protocols[i].name);
			r->auth = protocols[i].auth;
			if (r->tls == MX_RCVD_TLS_UNKNOWN)
				r->tls = protocols[i].tls;
		}
	}
}

void mx_received_clear(struct mx_received *r)
{
	free(r->from);
	free(r->from_comment);
	free(r->from_ip);
	free(r->by);
	free(r->by_comment);
	free(r->via);
	free(r->with);
	free(r->protocol);
	free(r->id);
	free(r->for_);
	free(r->tls_version);
	free(r->tls_cipher);
	free(r->tls_verify);
	free(r->tls_kex);
	free(r->tls_text);
	free(r->date_text);
	memset(r, 0, sizeof(*r));
}

const char *mx_rcvd_tls_name(enum mx_rcvd_tls t)
{
	switch (t) {
	case MX_RCVD_TLS_UNKNOWN:
		return "unknown";
	case MX_RCVD_TLS_NO:
		return "no";
	case MX_RCVD_TLS_YES:
		return "yes";
	}
	return "unknown";
}
