/*
 * mailhdr_tls.c - the TLS of a Received hop, from the comment formats
 * MTAs write (Postfix, Exchange, Gmail, Sendmail, Exim), and TLS version
 * names normalised to OpenSSL's ("TLS1_2" -> "TLSv1.2").
 *
 * Purpose: one table of formats (tls_formats) tried in order on each
 * comment of a Received field; the first that matches fills the hop.
 * API: mx_tls_version_norm() (wire/mailhdr.h); mx_hdr_scan_tls_comment(),
 * mx_hdr_apply_tls(), mx_hdr_set_str() (internal, wire/mailhdr_int.h).
 * Ownership: the strings set in struct mx_received are escaped copies
 * owned by it (released by mx_received_clear()).
 * Limits: a comment is split into at most MAX_WORDS words; the rest is
 * ignored.
 */
#include "wire/mailhdr.h"

#include "common/cursor.h"
#include "common/xalloc.h"
#include "wire/mailhdr_int.h"

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
	if (mx_hdr_read_num(&c, 1, &major) == 0)
		return NULL;
	if (peek(&c) == '.' || peek(&c) == '_') {
		mx_cur_skip(&c, 1);
		if (mx_hdr_read_num(&c, 1, &minor) == 0)
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

/* "256/256" or "256": the first number, 0 if none. */
static int parse_bits(const uint8_t *p, size_t n)
{
	struct mx_cur c;
	int64_t v;

	mx_cur_init(&c, p, n);
	if (mx_hdr_read_num(&c, 5, &v) == 0)
		return 0;
	if (mx_cur_left(&c) > 0 && peek(&c) != '/')
		return 0;
	return (int)v;
}

/* Postfix: "using TLSv1.3 with cipher X (256/256 bits) key-exchange K
 * server-signature ..." */
static int tls_postfix(const struct words *w, struct mx_hdr_tls_found *f)
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
static int tls_keyvalue(const struct words *w, struct mx_hdr_tls_found *f)
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
static int tls_version_only(const struct words *w, struct mx_hdr_tls_found *f)
{
	if (w->count != 1 ||
	    mx_tls_version_norm((const char *)w->p[0], w->n[0]) == NULL)
		return 0;
	f->version = w->p[0];
	f->version_len = w->n[0];
	return 1;
}

/* Comments that say TLS without details. */
static int tls_phrase(const struct words *w, struct mx_hdr_tls_found *f)
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
	int (*match)(const struct words *w, struct mx_hdr_tls_found *f);
} tls_formats[] = {
	{"postfix", tls_postfix},
	{"key=value", tls_keyvalue},	    /* Exchange, Gmail, Sendmail */
	{"version-only", tls_version_only}, /* Exim */
	{"phrase", tls_phrase},
};

void mx_hdr_set_str(char **dst, const uint8_t *p, size_t n)
{
	if (*dst == NULL)
		*dst = esc(p, n, MX_HDR_ITEM_MAX);
}

/* The address in "host [192.0.2.1]", "[IPv6:2001:db8::1]" or a bare
 * "2603:10b6:5:1d8::20"; validated with inet_pton. */
void mx_hdr_apply_tls(struct mx_received *r, const struct mx_hdr_tls_found *f,
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
		mx_hdr_set_str(&r->tls_cipher, f->cipher, f->cipher_len);
	if (f->verify)
		mx_hdr_set_str(&r->tls_verify, f->verify, f->verify_len);
	if (f->kex)
		mx_hdr_set_str(&r->tls_kex, f->kex, f->kex_len);
	if (f->bits && r->tls_bits == 0)
		r->tls_bits = f->bits;
	mx_hdr_set_str(&r->tls_text, text, tlen);
	r->tls = MX_RCVD_TLS_YES;
}

void mx_hdr_scan_tls_comment(struct mx_received *r, const uint8_t *p, size_t n)
{
	struct words w;
	size_t i;

	split_words(p, n, &w);
	for (i = 0; i < sizeof(tls_formats) / sizeof(tls_formats[0]); i++) {
		struct mx_hdr_tls_found f;

		memset(&f, 0, sizeof(f));
		if (tls_formats[i].match(&w, &f)) {
			mx_hdr_apply_tls(r, &f, p, n);
			return;
		}
	}
}
