/*
 * mailhdr.c - header section, Received chain, Authentication-Results;
 * see mailhdr.h for the contract and the limits.
 *
 * Everything is read through struct mx_cur; a byte is looked at only
 * after mx_cur_left() said it exists.  Raw text is escaped on the way
 * into the result (esc()).
 */
#include "wire/mailhdr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/escape.h"
#include "common/xalloc.h"

/* ---- small helpers ---------------------------------------------------- */

static int peek(const struct mx_cur *c)
{
	return mx_cur_left(c) ? c->p[0] : -1;
}

static int is_wsp(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static char *esc(const uint8_t *p, size_t n, size_t max)
{
	return mx_escape(p, n, max);
}

static int word_is(const uint8_t *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp((const char *)p, w, n) == 0;
}

/* A comment at the cursor (which is on '('): consume through the
 * matching ')', quoted-pairs honoured (RFC 5322 §3.2.2).  *inner / *n
 * cover the text between the outer parentheses.  Returns 0 when the
 * comment is unterminated (everything left was consumed) or nests deeper
 * than MX_HDR_MAX_NEST. */
static int read_comment(struct mx_cur *c, const uint8_t **inner, size_t *n)
{
	const uint8_t *start;
	int depth = 1, ok = 1;

	mx_cur_skip(c, 1);
	start = c->p;
	while (mx_cur_left(c) > 0) {
		int ch = mx_cur_u8(c);

		if (ch == '\\') {
			if (mx_cur_left(c) > 0)
				mx_cur_skip(c, 1);
		} else if (ch == '(') {
			if (++depth > MX_HDR_MAX_NEST)
				ok = 0;
		} else if (ch == ')') {
			if (--depth == 0) {
				*inner = start;
				*n = (size_t)(c->p - start) - 1;
				return ok;
			}
		}
	}
	*inner = start;
	*n = (size_t)(c->p - start);
	return 0;
}

/* CFWS (RFC 5322 §3.2.2).  The first comment seen is reported through
 * cm/cn when cm is not NULL and *cm is still NULL.  Returns 0 if a comment
 * was malformed. */
static int skip_cfws(struct mx_cur *c, const uint8_t **cm, size_t *cn)
{
	int ok = 1;

	for (;;) {
		int ch = peek(c);

		if (is_space(ch)) {
			mx_cur_skip(c, 1);
		} else if (ch == '(') {
			const uint8_t *in;
			size_t n;

			if (!read_comment(c, &in, &n))
				ok = 0;
			if (cm && *cm == NULL) {
				*cm = in;
				*cn = n;
			}
		} else {
			return ok;
		}
	}
}

/* ---- dates (RFC 5322 §3.3, §4.3) -------------------------------------- */

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				     "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const wdays[] = {"mon", "tue", "wed", "thu",
				    "fri", "sat", "sun"};

/* RFC 5322 §4.3 obsolete zones; military letters count as -0000. */
static const struct {
	const char *name;
	int minutes;
} obs_zones[] = {
	{"UT", 0},     {"GMT", 0},    {"UTC", 0},    {"Z", 0},
	{"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
	{"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Up to maxd digits; returns the count read (0: none). */
static int read_num(struct mx_cur *c, int maxd, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (n < maxd && is_digit(peek(c))) {
		*v = *v * 10 + (mx_cur_u8(c) - '0');
		n++;
	}
	if (is_digit(peek(c)))
		return 0; /* too many digits */
	return n;
}

static size_t read_alpha(struct mx_cur *c, const uint8_t **w)
{
	size_t n = 0;

	*w = c->p;
	while (is_alpha(peek(c))) {
		mx_cur_skip(c, 1);
		n++;
	}
	return n;
}

int mx_mailhdr_parse_date(const uint8_t *p, size_t len, time_t *t,
			  int *tz_minutes)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	struct mx_cur c;
	const uint8_t *w;
	int64_t day, year, hour, min, sec = 0, z;
	int month = -1, zone = 0, nd, i;
	size_t n;

	mx_cur_init(&c, p, len);
	skip_cfws(&c, NULL, NULL);
	if (is_alpha(peek(&c))) {
		/* day-of-week "," */
		n = read_alpha(&c, &w);
		for (i = 0; i < 7; i++)
			if (word_is(w, n, wdays[i]))
				break;
		if (i == 7)
			return 0;
		skip_cfws(&c, NULL, NULL);
		if (peek(&c) != ',')
			return 0;
		mx_cur_skip(&c, 1);
		skip_cfws(&c, NULL, NULL);
	}
	if (read_num(&c, 2, &day) == 0)
		return 0;
	skip_cfws(&c, NULL, NULL);
	n = read_alpha(&c, &w);
	for (i = 0; i < 12; i++)
		if (word_is(w, n, months[i]))
			month = i + 1;
	if (month < 0)
		return 0;
	skip_cfws(&c, NULL, NULL);
	nd = read_num(&c, 4, &year);
	if (nd == 2)
		year += year < 50 ? 2000 : 1900; /* §4.3 */
	else if (nd == 3)
		year += 1900;
	else if (nd != 4 || year < 1900)
		return 0;
	skip_cfws(&c, NULL, NULL);
	if (read_num(&c, 2, &hour) == 0)
		return 0;
	skip_cfws(&c, NULL, NULL);
	if (peek(&c) != ':')
		return 0;
	mx_cur_skip(&c, 1);
	skip_cfws(&c, NULL, NULL);
	if (read_num(&c, 2, &min) == 0)
		return 0;
	skip_cfws(&c, NULL, NULL);
	if (peek(&c) == ':') {
		mx_cur_skip(&c, 1);
		skip_cfws(&c, NULL, NULL);
		if (read_num(&c, 2, &sec) == 0)
			return 0;
		skip_cfws(&c, NULL, NULL);
	}
	if (peek(&c) == '+' || peek(&c) == '-') {
		int sign = mx_cur_u8(&c) == '-' ? -1 : 1;

		if (read_num(&c, 4, &z) != 4 || z % 100 > 59)
			return 0;
		zone = sign * (int)(z / 100 * 60 + z % 100);
	} else {
		n = read_alpha(&c, &w);
		for (i = 0; i < (int)(sizeof(obs_zones) / sizeof(obs_zones[0]));
		     i++)
			if (word_is(w, n, obs_zones[i].name))
				break;
		if (i < (int)(sizeof(obs_zones) / sizeof(obs_zones[0])))
			zone = obs_zones[i].minutes;
		else if (n == 1 && (w[0] | 0x20) != 'j')
			zone = 0; /* military: "-0000" (§4.3) */
		else
			return 0;
	}
	skip_cfws(&c, NULL, NULL);
	if (!mx_cur_done(&c))
		return 0;
	if (day < 1 || day > mdays[month - 1] + (month == 2 && is_leap(year)) ||
	    hour > 23 || min > 59 || sec > 60)
		return 0;
	*t = (time_t)(days_from_civil(year, month, (int)day) * 86400 +
		      hour * 3600 + min * 60 + sec - (int64_t)zone * 60);
	*tz_minutes = zone;
	return 1;
}

/* ---- TLS versions and the TLS comment formats ------------------------- */

const char *mx_tls_version_norm(const char *s, size_t len)
{
	struct mx_cur c;
	int64_t major, minor = 0;
	int ssl;

	mx_cur_init(&c, (const uint8_t *)s, len);
	if (mx_cur_left(&c) < 3)
		return NULL;
	if (strncasecmp(s, "TLS", 3) == 0)
		ssl = 0;
	else if (strncasecmp(s, "SSL", 3) == 0)
		ssl = 1;
	else
		return NULL;
	mx_cur_skip(&c, 3);
	if (peek(&c) == 'v' || peek(&c) == 'V')
		mx_cur_skip(&c, 1);
	if (read_num(&c, 1, &major) == 0)
		return NULL;
	if (peek(&c) == '.' || peek(&c) == '_') {
		mx_cur_skip(&c, 1);
		if (read_num(&c, 1, &minor) == 0)
			return NULL;
	}
	if (!mx_cur_done(&c))
		return NULL;
	if (ssl)
		return major == 3 && minor == 0	  ? "SSLv3"
		       : major == 2 && minor == 0 ? "SSLv2"
						  : NULL;
	if (major != 1)
		return NULL;
	switch (minor) {
	case 0:
		return "TLSv1";
	case 1:
		return "TLSv1.1";
	case 2:
		return "TLSv1.2";
	case 3:
		return "TLSv1.3";
	}
	return NULL;
}

#define MAX_WORDS 48

/* A comment's text split into words at WSP, ',', '(' and ')'. */
struct words {
	const uint8_t *p[MAX_WORDS];
	size_t n[MAX_WORDS];
	size_t count;
};

static void split_words(const uint8_t *p, size_t len, struct words *w)
{
	struct mx_cur c;

	w->count = 0;
	mx_cur_init(&c, p, len);
	while (mx_cur_left(&c) > 0 && w->count < MAX_WORDS) {
		const uint8_t *s = c.p;
		size_t n = 0;

		while (mx_cur_left(&c) > 0 && !is_space(peek(&c)) &&
		       peek(&c) != ',' && peek(&c) != '(' && peek(&c) != ')') {
			mx_cur_skip(&c, 1);
			n++;
		}
		if (n) {
			w->p[w->count] = s;
			w->n[w->count++] = n;
		} else {
			mx_cur_skip(&c, 1);
		}
	}
}

struct tls_found {
	const uint8_t *version, *cipher, *verify, *kex;
	size_t version_len, cipher_len, verify_len, kex_len;
	int bits;
	int bare; /* says TLS, no details */
};

/* "256/256" or "256": the first number, 0 if none. */
static int parse_bits(const uint8_t *p, size_t n)
{
	struct mx_cur c;
	int64_t v;

	mx_cur_init(&c, p, n);
	if (read_num(&c, 5, &v) == 0)
		return 0;
	if (mx_cur_left(&c) > 0 && peek(&c) != '/')
		return 0;
	return (int)v;
}

/* Postfix: "using TLSv1.3 with cipher X (256/256 bits) key-exchange K
 * server-signature ..." */
static int tls_postfix(const struct words *w, struct tls_found *f)
{
	size_t i;

	if (w->count < 2 || !word_is(w->p[0], w->n[0], "using"))
		return 0;
	f->version = w->p[1];
	f->version_len = w->n[1];
	for (i = 2; i + 1 < w->count; i++) {
		if (word_is(w->p[i], w->n[i], "cipher") && !f->cipher) {
			f->cipher = w->p[i + 1];
			f->cipher_len = w->n[i + 1];
		} else if (word_is(w->p[i + 1], w->n[i + 1], "bits") &&
			   f->bits == 0) {
			f->bits = parse_bits(w->p[i], w->n[i]);
		} else if (word_is(w->p[i], w->n[i], "key-exchange") &&
			   !f->kex) {
			f->kex = w->p[i + 1];
			f->kex_len = w->n[i + 1];
		}
	}
	return 1;
}

/* Exchange "version=TLS1_2, cipher=...", Gmail "version=TLS1_3 cipher=...
 * bits=256/256", Sendmail "version=TLSv1.3 cipher=... bits=256
 * verify=NOT". */
static int tls_keyvalue(const struct words *w, struct tls_found *f)
{
	size_t i;

	for (i = 0; i < w->count; i++) {
		const uint8_t *eq = memchr(w->p[i], '=', w->n[i]);
		size_t kl, vl;

		if (eq == NULL)
			continue;
		kl = (size_t)(eq - w->p[i]);
		vl = w->n[i] - kl - 1;
		if (vl == 0)
			continue;
		if (word_is(w->p[i], kl, "version")) {
			f->version = eq + 1;
			f->version_len = vl;
		} else if (word_is(w->p[i], kl, "cipher")) {
			f->cipher = eq + 1;
			f->cipher_len = vl;
		} else if (word_is(w->p[i], kl, "bits")) {
			f->bits = parse_bits(eq + 1, vl);
		} else if (word_is(w->p[i], kl, "verify")) {
			f->verify = eq + 1;
			f->verify_len = vl;
		}
	}
	return f->version != NULL || f->cipher != NULL;
}

/* Exim: "(TLS1.3)" alone; the cipher follows "tls" in the with clause. */
static int tls_version_only(const struct words *w, struct tls_found *f)
{
	if (w->count != 1 ||
	    mx_tls_version_norm((const char *)w->p[0], w->n[0]) == NULL)
		return 0;
	f->version = w->p[0];
	f->version_len = w->n[0];
	return 1;
}

/* Comments that say TLS without details. */
static int tls_phrase(const struct words *w, struct tls_found *f)
{
	if (w->count == 3 && word_is(w->p[0], w->n[0], "Google") &&
	    word_is(w->p[1], w->n[1], "Transport") &&
	    word_is(w->p[2], w->n[2], "Security")) {
		f->bare = 1;
		return 1;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*match)(const struct words *w, struct tls_found *f);
} tls_formats[] = {
	{"postfix", tls_postfix},
	{"key=value", tls_keyvalue},	    /* Exchange, Gmail, Sendmail */
	{"version-only", tls_version_only}, /* Exim */
	{"phrase", tls_phrase},
};

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

static void set_str(char **dst, const uint8_t *p, size_t n)
{
	if (*dst == NULL)
		*dst = esc(p, n, MX_HDR_ITEM_MAX);
}

/* The address in "host [192.0.2.1]", "[IPv6:2001:db8::1]" or a bare
 * "2603:10b6:5:1d8::20"; validated with inet_pton. */
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

static void apply_tls(struct mx_received *r, const struct tls_found *f,
		      const uint8_t *text, size_t tlen)
{
	if (f->version && r->tls_version == NULL) {
		const char *v = mx_tls_version_norm((const char *)f->version,
						    f->version_len);

		r->tls_version =
			v ? xstrdup(v)
			  : esc(f->version, f->version_len, MX_HDR_ITEM_MAX);
	}
	if (f->cipher)
		set_str(&r->tls_cipher, f->cipher, f->cipher_len);
	if (f->verify)
		set_str(&r->tls_verify, f->verify, f->verify_len);
	if (f->kex)
		set_str(&r->tls_kex, f->kex, f->kex_len);
	if (f->bits && r->tls_bits == 0)
		r->tls_bits = f->bits;
	set_str(&r->tls_text, text, tlen);
	r->tls = MX_RCVD_TLS_YES;
}

static void scan_tls_comment(struct mx_received *r, const uint8_t *p, size_t n)
{
	struct words w;
	size_t i;

	split_words(p, n, &w);
	for (i = 0; i < sizeof(tls_formats) / sizeof(tls_formats[0]); i++) {
		struct tls_found f;

		memset(&f, 0, sizeof(f));
		if (tls_formats[i].match(&w, &f)) {
			apply_tls(r, &f, p, n);
			return;
		}
	}
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
			if (!read_comment(&c, &t->p, &t->len))
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
			scan_tls_comment(r, t->p, t->len);
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
				struct tls_found f;

				memset(&f, 0, sizeof(f));
				f.cipher = t->p;
				f.cipher_len = t->len;
				apply_tls(r, &f, t->p, t->len);
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

/* ---- Authentication-Results (RFC 8601 §2.2, RFC 8617 §4.1.2) ---------- */

/* value = token / quoted-string (RFC 2045 §5.1).  A token here is
 * anything up to CFWS, ';' or (with stop_eq) '=' - wider than RFC 2045's
 * token because real headers carry '@', '/' and base64 in values.  The
 * decoded text goes to out; returns 1 if it is not empty. */
static int ar_value(struct mx_cur *c, int stop_eq, struct mx_buf *out)
{
	mx_buf_reset(out);
	if (peek(c) == '"') {
		mx_cur_skip(c, 1);
		for (;;) {
			int ch = peek(c);

			if (ch < 0)
				return 0; /* unterminated */
			mx_cur_skip(c, 1);
			if (ch == '"')
				break;
			if (ch == '\\' && mx_cur_left(c) > 0)
				ch = mx_cur_u8(c);
			mx_buf_push_u8(out, (uint8_t)ch);
		}
		return out->len > 0 && !out->err;
	}
	while (mx_cur_left(c) > 0) {
		int ch = peek(c);

		if (is_space(ch) || ch == '(' || ch == ';' || ch == '"' ||
		    (stop_eq && ch == '='))
			break;
		mx_buf_push_u8(out, (uint8_t)mx_cur_u8(c));
	}
	return out->len > 0 && !out->err;
}

/* After a problem: move to the next ';' outside comments and quotes. */
static void ar_resync(struct mx_cur *c)
{
	while (mx_cur_left(c) > 0 && peek(c) != ';') {
		if (peek(c) == '(') {
			const uint8_t *in;
			size_t n;

			(void)read_comment(c, &in, &n);
		} else if (peek(c) == '"') {
			mx_cur_skip(c, 1);
			while (mx_cur_left(c) > 0 && peek(c) != '"') {
				if (mx_cur_u8(c) == '\\' && mx_cur_left(c) > 0)
					mx_cur_skip(c, 1);
			}
			if (mx_cur_left(c) > 0)
				mx_cur_skip(c, 1);
		} else {
			mx_cur_skip(c, 1);
		}
	}
}

static char *buf_esc(const struct mx_buf *b)
{
	return esc(b->p, b->len, MX_HDR_ITEM_MAX);
}

/* resinfo = methodspec [reasonspec] *propspec (after the ';').  Returns
 * 0 if it was malformed (the cursor is then resynchronised). */
static int ar_resinfo(struct mx_cur *c, struct mx_authres *a,
		      struct mx_buf *tmp)
{
	struct mx_ar_method *m = NULL;
	const uint8_t *cm = NULL, *slash;
	size_t cn = 0;

	if (!ar_value(c, 1, tmp))
		goto bad;
	if (a->nm >= MX_AR_MAX_METHODS)
		goto bad;
	MX_GROW(a->m, a->nm, a->capm);
	m = &a->m[a->nm++];
	memset(m, 0, sizeof(*m));
	/* methodspec = method [ "/" version ] "=" result */
	slash = memchr(tmp->p, '/', tmp->len);
	if (slash) {
		size_t ml = (size_t)(slash - tmp->p);

		m->method = esc(tmp->p, ml, MX_HDR_ITEM_MAX);
		m->version = esc(slash + 1, tmp->len - ml - 1, MX_HDR_ITEM_MAX);
	} else {
		m->method = buf_esc(tmp);
	}
	skip_cfws(c, NULL, NULL);
	if (peek(c) != '=')
		goto bad;
	mx_cur_skip(c, 1);
	skip_cfws(c, NULL, NULL);
	if (!ar_value(c, 1, tmp))
		goto bad;
	m->result = buf_esc(tmp);
	if (!skip_cfws(c, &cm, &cn))
		goto bad;
	if (cm)
		m->comment = esc(cm, cn, MX_HDR_ITEM_MAX);
	/* reasonspec / propspec: name "=" value */
	while (mx_cur_left(c) > 0 && peek(c) != ';') {
		char *name;

		if (!ar_value(c, 1, tmp))
			goto bad;
		name = buf_esc(tmp);
		skip_cfws(c, NULL, NULL);
		if (peek(c) != '=') {
			free(name);
			goto bad;
		}
		mx_cur_skip(c, 1);
		skip_cfws(c, NULL, NULL);
		if (!ar_value(c, 0, tmp)) {
			free(name);
			goto bad;
		}
		if (strcasecmp(name, "reason") == 0 && m->reason == NULL) {
			m->reason = buf_esc(tmp);
			free(name);
		} else if (m->nprops >= MX_AR_MAX_PROPS) {
			free(name);
			goto bad;
		} else {
			/* ptype "." property, or a vendor's own name such as
			 * Exchange's "action=none": kept as written. */
			MX_GROW(m->props, m->nprops, m->capprops);
			m->props[m->nprops].name = name;
			m->props[m->nprops].value = buf_esc(tmp);
			m->nprops++;
		}
		if (!skip_cfws(c, NULL, NULL))
			goto bad;
	}
	return 1;
bad:
	/* Keep a method whose result was understood; drop a partial one. */
	if (m != NULL && m->result == NULL) {
		free(m->method);
		free(m->version);
		a->nm--;
	}
	ar_resync(c);
	return 0;
}

void mx_authres_parse(const uint8_t *p, size_t len, int arc,
		      struct mx_authres *a)
{
	struct mx_cur c, save;
	struct mx_buf tmp;
	int need_semi = 1;

	memset(a, 0, sizeof(*a));
	a->arc = arc;
	mx_buf_init(&tmp, MX_HDR_MAX_FIELD);
	mx_cur_init(&c, p, len);
	skip_cfws(&c, NULL, NULL);
	if (arc) {
		/* RFC 8617 §4.1.2: "i=" instance ";" authres-payload */
		int64_t inst;

		if (peek(&c) != 'i' && peek(&c) != 'I')
			goto bad;
		mx_cur_skip(&c, 1);
		skip_cfws(&c, NULL, NULL);
		if (peek(&c) != '=')
			goto bad;
		mx_cur_skip(&c, 1);
		skip_cfws(&c, NULL, NULL);
		if (read_num(&c, 2, &inst) == 0 || inst < 1 || inst > 50)
			goto bad;
		a->instance = (int)inst;
		skip_cfws(&c, NULL, NULL);
		if (peek(&c) != ';')
			goto bad;
		mx_cur_skip(&c, 1);
		skip_cfws(&c, NULL, NULL);
	}
	/* authserv-id [ CFWS authres-version ] */
	save = c;
	if (!ar_value(&c, 1, &tmp))
		goto bad;
	skip_cfws(&c, NULL, NULL);
	if (peek(&c) == '=') {
		/* "spf=pass ...": Exchange Online writes no authserv-id. */
		c = save;
		a->no_authserv_id = 1;
		need_semi = 0;
	} else {
		a->authserv_id = buf_esc(&tmp);
		if (is_digit(peek(&c))) {
			int64_t v;

			if (read_num(&c, 3, &v) == 0)
				goto bad;
			a->version = (int)v;
			skip_cfws(&c, NULL, NULL);
		}
	}
	/* no-result = [CFWS] ";" [CFWS] "none" */
	while (mx_cur_left(&c) > 0) {
		if (!need_semi) {
			need_semi = 1;
			if (!ar_resinfo(&c, a, &tmp))
				a->malformed = 1;
			continue;
		}
		if (peek(&c) != ';') {
			a->malformed = 1;
			ar_resync(&c);
			continue;
		}
		mx_cur_skip(&c, 1);
		skip_cfws(&c, NULL, NULL);
		if (mx_cur_left(&c) == 0)
			break; /* a trailing ';' */
		if (a->nm == 0 && mx_cur_left(&c) >= 4 &&
		    strncasecmp((const char *)c.p, "none", 4) == 0) {
			save = c;
			mx_cur_skip(&c, 4);
			skip_cfws(&c, NULL, NULL);
			if (mx_cur_left(&c) == 0 || peek(&c) == ';') {
				a->none = 1;
				continue;
			}
			c = save;
		}
		if (!ar_resinfo(&c, a, &tmp))
			a->malformed = 1;
	}
	if (a->none && a->nm)
		a->malformed = 1;
	mx_buf_free(&tmp);
	return;
bad:
	a->malformed = 1;
	mx_buf_free(&tmp);
}

void mx_authres_clear(struct mx_authres *a)
{
	size_t i, j;

	for (i = 0; i < a->nm; i++) {
		struct mx_ar_method *m = &a->m[i];

		free(m->method);
		free(m->version);
		free(m->result);
		free(m->reason);
		free(m->comment);
		for (j = 0; j < m->nprops; j++) {
			free(m->props[j].name);
			free(m->props[j].value);
		}
		free(m->props);
	}
	free(a->m);
	free(a->authserv_id);
	memset(a, 0, sizeof(*a));
}

/* ---- the header section (RFC 5322 §2.2) ------------------------------- */

static void finish_field(struct mx_mailhdr *h, const uint8_t *name, size_t nlen,
			 const uint8_t *val, size_t vlen)
{
	struct mx_hdr_field *f;
	size_t idx = h->nfields;

	/* Trim the WSP around the unfolded value. */
	while (vlen > 0 && is_space(val[0])) {
		val++;
		vlen--;
	}
	while (vlen > 0 && is_space(val[vlen - 1]))
		vlen--;
	MX_GROW(h->fields, h->nfields, h->capfields);
	f = &h->fields[h->nfields++];
	f->name = esc(name, nlen, MX_HDR_ITEM_MAX);
	f->value = esc(val, vlen, MX_HDR_VALUE_MAX);
	if (word_is(name, nlen, "Received")) {
		if (h->nrcvd >= MX_HDR_MAX_RECEIVED) {
			h->rcvd_dropped++;
			return;
		}
		MX_GROW(h->rcvd, h->nrcvd, h->caprcvd);
		mx_received_parse(val, vlen, &h->rcvd[h->nrcvd]);
		h->rcvd[h->nrcvd++].field_index = idx;
	} else if (word_is(name, nlen, "Authentication-Results") ||
		   word_is(name, nlen, "ARC-Authentication-Results")) {
		if (h->nar >= MX_HDR_MAX_AUTHRES) {
			h->ar_dropped++;
			return;
		}
		MX_GROW(h->ar, h->nar, h->capar);
		mx_authres_parse(val, vlen,
				 word_is(name, nlen,
					 "ARC-Authentication-Results"),
				 &h->ar[h->nar]);
		h->ar[h->nar++].field_index = idx;
	}
}

/* Oldest hop first, then the delays between consecutive hops. */
static void order_chain(struct mx_mailhdr *h)
{
	size_t i;

	for (i = 0; i < h->nrcvd / 2; i++) {
		struct mx_received t = h->rcvd[i];

		h->rcvd[i] = h->rcvd[h->nrcvd - 1 - i];
		h->rcvd[h->nrcvd - 1 - i] = t;
	}
	for (i = 1; i < h->nrcvd; i++) {
		if (h->rcvd[i].has_date && h->rcvd[i - 1].has_date) {
			h->rcvd[i].has_delay = 1;
			h->rcvd[i].delay_s = (int64_t)h->rcvd[i].date -
					     (int64_t)h->rcvd[i - 1].date;
		}
	}
	if (h->nrcvd > 1 && h->rcvd[0].has_date &&
	    h->rcvd[h->nrcvd - 1].has_date) {
		h->has_total_delay = 1;
		h->total_delay_s = (int64_t)h->rcvd[h->nrcvd - 1].date -
				   (int64_t)h->rcvd[0].date;
	}
}

struct mx_mailhdr *mx_mailhdr_parse(const uint8_t *p, size_t len)
{
	struct mx_mailhdr *h = xcalloc(1, sizeof(*h));
	struct mx_buf name, value;
	struct mx_cur c;
	int have = 0;

	mx_buf_init(&name, MX_HDR_MAX_FIELD);
	mx_buf_init(&value, MX_HDR_MAX_FIELD);
	mx_cur_init(&c, p, len);
	h->status = MX_HDR_UNTERMINATED;
	/* An mbox "From " separator line is not a header field. */
	if (mx_cur_left(&c) >= 5 && memcmp(c.p, "From ", 5) == 0)
		h->mbox_from = 1;
	for (;;) {
		size_t left = mx_cur_left(&c), n = 0, content, i;
		const uint8_t *line;
		int lf;

		if (left == 0)
			break;
		while (n < left && c.p[n] != '\n')
			n++;
		lf = n < left;
		if ((size_t)(c.p - p) + n + lf > MX_HDR_MAX_BYTES) {
			h->status = MX_HDR_TOO_BIG;
			have = 0;
			break;
		}
		line = mx_cur_bytes(&c, n + lf);
		content = n;
		if (lf) {
			if (content > 0 && line[content - 1] == '\r')
				content--;
			else
				h->bare_lf++;
		}
		if (h->mbox_from && line == p) {
			h->header_bytes = n + lf;
			continue;
		}
		if (content == 0 && lf) {
			/* The empty line ends the header section. */
			h->status = MX_HDR_OK;
			h->header_bytes = (size_t)(c.p - p);
			h->body_offset = h->header_bytes;
			break;
		}
		if (is_wsp(line[0])) {
			/* Folding (§2.2.3): the line end goes, the WSP stays. */
			if (!have) {
				h->status = MX_HDR_MALFORMED;
				break;
			}
			if (!mx_buf_push(&value, line, content)) {
				h->status = MX_HDR_FIELD_TOO_BIG;
				have = 0;
				break;
			}
			h->header_bytes = (size_t)(c.p - p);
			continue;
		}
		if (have) {
			finish_field(h, name.p, name.len, value.p, value.len);
			have = 0;
		}
		/* field-name = 1*ftext (§3.6.8), then obsolete WSP (§4.5). */
		for (i = 0; i < content && line[i] >= 33 && line[i] <= 126 &&
			    line[i] != ':';
		     i++)
			;
		n = i;
		while (i < content && is_wsp(line[i]))
			i++;
		if (n == 0 || i == content || line[i] != ':') {
			h->status = MX_HDR_MALFORMED;
			break;
		}
		if (h->nfields >= MX_HDR_MAX_FIELDS) {
			h->status = MX_HDR_TOO_MANY_FIELDS;
			break;
		}
		mx_buf_reset(&name);
		mx_buf_reset(&value);
		mx_buf_push(&name, line, n);
		if (!mx_buf_push(&value, line + i + 1, content - i - 1)) {
			h->status = MX_HDR_FIELD_TOO_BIG;
			break;
		}
		have = 1;
		h->header_bytes = (size_t)(c.p - p);
	}
	if (have)
		finish_field(h, name.p, name.len, value.p, value.len);
	mx_buf_free(&name);
	mx_buf_free(&value);
	order_chain(h);
	return h;
}

void mx_mailhdr_free(struct mx_mailhdr *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nfields; i++) {
		free(h->fields[i].name);
		free(h->fields[i].value);
	}
	free(h->fields);
	for (i = 0; i < h->nrcvd; i++)
		mx_received_clear(&h->rcvd[i]);
	free(h->rcvd);
	for (i = 0; i < h->nar; i++)
		mx_authres_clear(&h->ar[i]);
	free(h->ar);
	free(h);
}

const char *mx_mailhdr_get(const struct mx_mailhdr *h, const char *name,
			   size_t nth)
{
	size_t i;

	for (i = 0; i < h->nfields; i++)
		if (strcasecmp(h->fields[i].name, name) == 0 && nth-- == 0)
			return h->fields[i].value;
	return NULL;
}

const char *mx_hdr_status_name(enum mx_hdr_status s)
{
	switch (s) {
	case MX_HDR_OK:
		return "ok";
	case MX_HDR_UNTERMINATED:
		return "unterminated";
	case MX_HDR_TOO_BIG:
		return "too_big";
	case MX_HDR_TOO_MANY_FIELDS:
		return "too_many_fields";
	case MX_HDR_FIELD_TOO_BIG:
		return "field_too_big";
	case MX_HDR_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
