/*
 * auth.c - SMTP AUTH client mechanisms; see auth.h.
 *
 * RFC 4954 (SMTP AUTH), RFC 4616 (PLAIN), RFC 2195 (CRAM-MD5), RFC 5802
 * and RFC 7677 (SCRAM-SHA-256).  Crypto from OpenSSL (HMAC, PBKDF2,
 * digests); base64 from common/base64.h; the SCRAM attribute parser is
 * here, reading through struct mx_cur.  Every buffer that held a secret
 * or a key derived from it is wiped with explicit_bzero before it goes
 * out of scope.
 */
#include "relay/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64.h"
#include "common/cursor.h"
#include "common/xalloc.h"

#define SCRAM_NONCE_RAW 18 /* 24 base64 characters */
#define SHA256_LEN 32

struct mx_auth {
	enum mx_auth_mech mech;
	char user[MX_AUTH_MAX_CRED + 1];
	char pass[MX_AUTH_MAX_CRED + 1];
	mx_random_fn random;
	void *random_ctx;
	int steps; /* challenges answered */
	/* SCRAM state */
	char cnonce[64];
	char client_first_bare[MX_AUTH_MAX_CRED * 3 + 96];
	uint8_t server_sig[SHA256_LEN];
	int server_verified;
	int final_sent;
};

static const char *const mech_names[MX_AUTH__N] = {
	[MX_AUTH_SCRAM_SHA256] = "SCRAM-SHA-256",
	[MX_AUTH_CRAM_MD5] = "CRAM-MD5",
	[MX_AUTH_PLAIN] = "PLAIN",
	[MX_AUTH_LOGIN] = "LOGIN",
};

const char *mx_auth_mech_name(enum mx_auth_mech m)
{
	if ((unsigned)m >= MX_AUTH__N)
		return "?";
	return mech_names[m];
}

int mx_auth_mech_parse(const char *s, enum mx_auth_mech *out)
{
	size_t i;

	for (i = 0; s && i < MX_AUTH__N; i++) {
		if (strcasecmp(s, mech_names[i]) == 0) {
			*out = (enum mx_auth_mech)i;
			return 0;
		}
	}
	return -1;
}

const char *mx_auth_status_name(enum mx_auth_status s)
{
	static const char *const names[] = {
		[MX_AUTH_OK] = "ok",
		[MX_AUTH_BAD_PARAM] = "bad_param",
		[MX_AUTH_BAD_CHALLENGE] = "bad_challenge",
		[MX_AUTH_BAD_SERVER] = "bad_server",
		[MX_AUTH_TOO_MANY] = "too_many_challenges",
		[MX_AUTH_NO_SPACE] = "no_space",
		[MX_AUTH_NO_MECH] = "no_mechanism",
		[MX_AUTH_INTERNAL] = "internal",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[s];
}

/* ---- choosing --------------------------------------------------------- */

enum mx_auth_status mx_auth_choose(const char *offered, const char *wanted,
				   enum mx_auth_mech *out)
{
	int have[MX_AUTH__N] = {0};
	const char *p = offered;
	enum mx_auth_mech w;
	size_t i;

	if (offered == NULL)
		return MX_AUTH_NO_MECH;
	while (*p) {
		char tok[32];
		size_t n = 0;

		while (*p == ' ')
			p++;
		while (*p && *p != ' ') {
			if (n + 1 < sizeof(tok))
				tok[n++] = *p;
			p++;
		}
		tok[n] = '\0';
		if (n > 0 && mx_auth_mech_parse(tok, &w) == 0)
			have[w] = 1;
	}
	if (wanted != NULL) {
		if (mx_auth_mech_parse(wanted, &w) < 0 || !have[w])
			return MX_AUTH_NO_MECH;
		*out = w;
		return MX_AUTH_OK;
	}
	for (i = 0; i < MX_AUTH__N; i++) {
		if (have[i]) {
			*out = (enum mx_auth_mech)i;
			return MX_AUTH_OK;
		}
	}
	return MX_AUTH_NO_MECH;
}

/* ---- handle ------------------------------------------------------------ */

static int cred_ok(const char *s)
{
	return s != NULL && strlen(s) <= MX_AUTH_MAX_CRED;
}

struct mx_auth *mx_auth_new(enum mx_auth_mech m, const char *user,
			    const char *password, mx_random_fn random,
			    void *random_ctx, enum mx_auth_status *st)
{
	struct mx_auth *a;

	if ((unsigned)m >= MX_AUTH__N || !cred_ok(user) || !cred_ok(password) ||
	    user[0] == '\0' || (m == MX_AUTH_SCRAM_SHA256 && random == NULL)) {
		*st = MX_AUTH_BAD_PARAM;
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->mech = m;
	memcpy(a->user, user, strlen(user) + 1);
	memcpy(a->pass, password, strlen(password) + 1);
	a->random = random;
	a->random_ctx = random_ctx;
	*st = MX_AUTH_OK;
	return a;
}

void mx_auth_free(struct mx_auth *a)
{
	if (a == NULL)
		return;
	explicit_bzero(a, sizeof(*a));
	free(a);
}

int mx_auth_start_secret(const struct mx_auth *a)
{
	return a->mech == MX_AUTH_PLAIN || a->mech == MX_AUTH_SCRAM_SHA256;
}

/* "AUTH <mech> " + base64(raw) into line. */
static enum mx_auth_status line_b64(char *line, size_t len, const char *prefix,
				    const uint8_t *raw, size_t n)
{
	size_t pl = strlen(prefix);

	if (pl >= len)
		return MX_AUTH_NO_SPACE;
	memcpy(line, prefix, pl);
	if (mx_b64_encode(raw, n, line + pl, len - pl) < 0) {
		explicit_bzero(line, len);
		return MX_AUTH_NO_SPACE;
	}
	return MX_AUTH_OK;
}

/* RFC 5802 section 5.1: saslname escapes ',' and '='. */
static int saslname(const char *user, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *user; user++) {
		const char *rep = *user == ','	 ? "=2C"
				  : *user == '=' ? "=3D"
						 : NULL;
		size_t k = rep ? 3 : 1;

		if (o + k >= outlen)
			return -1;
		if (rep)
			memcpy(out + o, rep, 3);
		else
			out[o] = *user;
		o += k;
	}
	out[o] = '\0';
	return 0;
}

enum mx_auth_status mx_auth_start(struct mx_auth *a, char *line, size_t len)
{
	uint8_t raw[2 * MX_AUTH_MAX_CRED + 2];
	enum mx_auth_status st;
	size_t ul, pl;
	char name[MX_AUTH_MAX_CRED * 3 + 1],
		cf[sizeof(a->client_first_bare) + 3];
	uint8_t nonce[SCRAM_NONCE_RAW];
	int n;

	switch (a->mech) {
	case MX_AUTH_PLAIN:
		/* RFC 4616 section 2: [authzid] NUL authcid NUL passwd */
		ul = strlen(a->user);
		pl = strlen(a->pass);
		raw[0] = 0;
		memcpy(raw + 1, a->user, ul);
		raw[1 + ul] = 0;
		memcpy(raw + 2 + ul, a->pass, pl);
		st = line_b64(line, len, "AUTH PLAIN ", raw, 2 + ul + pl);
		explicit_bzero(raw, sizeof(raw));
		return st;
	case MX_AUTH_LOGIN:
	case MX_AUTH_CRAM_MD5:
		n = snprintf(line, len, "AUTH %s", mech_names[a->mech]);
		return n < 0 || (size_t)n >= len ? MX_AUTH_NO_SPACE
						 : MX_AUTH_OK;
	case MX_AUTH_SCRAM_SHA256:
		if (a->cnonce[0] == '\0') {
			if (!a->random(a->random_ctx, nonce, sizeof(nonce)))
				return MX_AUTH_INTERNAL;
			mx_b64_encode(nonce, sizeof(nonce), a->cnonce,
				      sizeof(a->cnonce));
		}
		if (saslname(a->user, name, sizeof(name)) < 0)
			return MX_AUTH_BAD_PARAM;
		snprintf(a->client_first_bare, sizeof(a->client_first_bare),
			 "n=%s,r=%s", name, a->cnonce);
		n = snprintf(cf, sizeof(cf), "n,,%s", a->client_first_bare);
		if (n < 0 || (size_t)n >= sizeof(cf))
			return MX_AUTH_BAD_PARAM;
		return line_b64(line, len, "AUTH SCRAM-SHA-256 ",
				(const uint8_t *)cf, (size_t)n);
	default:
		return MX_AUTH_BAD_PARAM;
	}
}

/* ---- SCRAM-SHA-256 (RFC 5802 section 3, RFC 7677) ----------------------- */

struct scram_first {
	const uint8_t *nonce;
	size_t nonce_len;
	uint8_t salt[128];
	size_t salt_len;
	unsigned long iter;
};

/* server-first-message = [reserved-mext ","] nonce "," salt ","
 *                        iteration-count ["," extensions]
 * reserved-mext (m=) is a must-fail (RFC 5802 section 5.1). */
static int scram_parse_first(const uint8_t *msg, size_t len,
			     struct scram_first *sf)
{
	struct mx_cur c;
	int have_r = 0, have_s = 0, have_i = 0, idx = 0;

	memset(sf, 0, sizeof(*sf));
	mx_cur_init(&c, msg, len);
	while (mx_cur_left(&c) > 0 && mx_cur_ok(&c)) {
		const uint8_t *start = c.p, *v;
		size_t vlen = 0;
		uint8_t key, eq;

		(void)start;
		key = mx_cur_u8(&c);
		eq = mx_cur_u8(&c);
		if (!mx_cur_ok(&c) || eq != '=')
			return -1;
		v = c.p;
		while (mx_cur_left(&c) > 0 && *c.p != ',') {
			if (*c.p < 0x21 || *c.p > 0x7e)
				return -1;
			mx_cur_skip(&c, 1);
			vlen++;
		}
		if (mx_cur_left(&c) > 0)
			mx_cur_skip(&c, 1); /* the ',' */
		if (vlen == 0)
			return -1;
		if (key == 'm')
			return -1;
		if (idx == 0 && key == 'r') {
			sf->nonce = v;
			sf->nonce_len = vlen;
			have_r = 1;
		} else if (idx == 1 && key == 's') {
			int n = mx_b64_decode((const char *)v, vlen, sf->salt,
					      sizeof(sf->salt));
			if (n <= 0)
				return -1;
			sf->salt_len = (size_t)n;
			have_s = 1;
		} else if (idx == 2 && key == 'i') {
			unsigned long it = 0;
			size_t k;

			for (k = 0; k < vlen; k++) {
				if (v[k] < '0' || v[k] > '9' || it > 100000000)
					return -1;
				it = it * 10 + (unsigned long)(v[k] - '0');
			}
			sf->iter = it;
			have_i = 1;
		} else if (idx < 3) {
			return -1;
		}
		idx++;
	}
	return mx_cur_ok(&c) && have_r && have_s && have_i ? 0 : -1;
}

static int hmac256(const uint8_t *key, size_t klen, const void *msg,
		   size_t mlen, uint8_t out[SHA256_LEN])
{
	unsigned int olen = 0;

	return HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &olen) !=
				       NULL &&
			       olen == SHA256_LEN
		       ? 0
		       : -1;
}

static enum mx_auth_status scram_final(struct mx_auth *a, const uint8_t *msg,
				       size_t len, char *line, size_t linelen)
{
	struct scram_first sf;
	uint8_t salted[SHA256_LEN], ckey[SHA256_LEN], skey[SHA256_LEN];
	uint8_t stored[SHA256_LEN], csig[SHA256_LEN], proof[SHA256_LEN];
	char without[600], authmsg[2048], proof64[64];
	unsigned int dlen = 0;
	size_t cn = strlen(a->cnonce), i;
	int n, m;
	enum mx_auth_status st = MX_AUTH_INTERNAL;

	if (scram_parse_first(msg, len, &sf) < 0)
		return MX_AUTH_BAD_CHALLENGE;
	/* The server's nonce starts with ours and adds its own. */
	if (sf.nonce_len <= cn || memcmp(sf.nonce, a->cnonce, cn) != 0)
		return MX_AUTH_BAD_SERVER;
	if (sf.iter < 1 || sf.iter > MX_AUTH_SCRAM_MAX_ITER)
		return MX_AUTH_BAD_CHALLENGE;
	n = snprintf(without, sizeof(without), "c=biws,r=%.*s",
		     (int)sf.nonce_len, (const char *)sf.nonce);
	m = snprintf(authmsg, sizeof(authmsg), "%s,%.*s,%s",
		     a->client_first_bare, (int)len, (const char *)msg,
		     without);
	if (n < 0 || (size_t)n >= sizeof(without) || m < 0 ||
	    (size_t)m >= sizeof(authmsg))
		return MX_AUTH_BAD_CHALLENGE;
	/* SaltedPassword := Hi(Normalize(password), salt, i); the password
	 * is used as given (no SASLprep). */
	if (PKCS5_PBKDF2_HMAC(a->pass, (int)strlen(a->pass), sf.salt,
			      (int)sf.salt_len, (int)sf.iter, EVP_sha256(),
			      SHA256_LEN, salted) != 1)
		goto out;
	if (hmac256(salted, SHA256_LEN, "Client Key", 10, ckey) < 0 ||
	    EVP_Digest(ckey, SHA256_LEN, stored, &dlen, EVP_sha256(), NULL) !=
		    1 ||
	    hmac256(stored, SHA256_LEN, authmsg, (size_t)m, csig) < 0 ||
	    hmac256(salted, SHA256_LEN, "Server Key", 10, skey) < 0 ||
	    hmac256(skey, SHA256_LEN, authmsg, (size_t)m, a->server_sig) < 0)
		goto out;
	for (i = 0; i < SHA256_LEN; i++)
		proof[i] = ckey[i] ^ csig[i];
	mx_b64_encode(proof, SHA256_LEN, proof64, sizeof(proof64));
	{
		char fin[700];
		int k = snprintf(fin, sizeof(fin), "%s,p=%s", without, proof64);

		if (k < 0 || (size_t)k >= sizeof(fin)) {
			st = MX_AUTH_NO_SPACE;
			goto out;
		}
		st = line_b64(line, linelen, "", (const uint8_t *)fin,
			      (size_t)k);
		explicit_bzero(fin, sizeof(fin));
	}
	a->final_sent = 1;
out:
	explicit_bzero(salted, sizeof(salted));
	explicit_bzero(ckey, sizeof(ckey));
	explicit_bzero(skey, sizeof(skey));
	explicit_bzero(stored, sizeof(stored));
	explicit_bzero(csig, sizeof(csig));
	explicit_bzero(proof, sizeof(proof));
	explicit_bzero(proof64, sizeof(proof64));
	return st;
}

/* server-final-message = ("e=" server-error-value) / ("v=" verifier) */
static enum mx_auth_status scram_verify(struct mx_auth *a, const uint8_t *msg,
					size_t len)
{
	uint8_t sig[64];
	size_t vlen = len;
	int n;

	if (len >= 2 && msg[0] == 'e' && msg[1] == '=')
		return MX_AUTH_BAD_SERVER;
	if (len < 3 || msg[0] != 'v' || msg[1] != '=')
		return MX_AUTH_BAD_CHALLENGE;
	/* extensions after the verifier are allowed */
	if (memchr(msg, ',', len))
		vlen = (size_t)((const uint8_t *)memchr(msg, ',', len) - msg);
	n = mx_b64_decode((const char *)msg + 2, vlen - 2, sig, sizeof(sig));
	if (n != SHA256_LEN ||
	    CRYPTO_memcmp(sig, a->server_sig, SHA256_LEN) != 0)
		return MX_AUTH_BAD_SERVER;
	a->server_verified = 1;
	return MX_AUTH_OK;
}

enum mx_auth_status mx_auth_step(struct mx_auth *a, const char *challenge,
				 char *line, size_t len)
{
	uint8_t dec[MX_AUTH_MAX_CHALLENGE];
	size_t clen = challenge ? strlen(challenge) : 0;
	enum mx_auth_status st;
	int n = 0;

	if (len == 0)
		return MX_AUTH_NO_SPACE;
	line[0] = '\0';
	if (++a->steps > 4)
		return MX_AUTH_TOO_MANY;
	if (clen > MX_AUTH_MAX_CHALLENGE)
		return MX_AUTH_BAD_CHALLENGE;
	/* An empty challenge is "334 " alone (RFC 4954 section 4). */
	if (clen > 0) {
		n = mx_b64_decode(challenge, clen, dec, sizeof(dec));
		if (n < 0 && a->mech != MX_AUTH_LOGIN)
			return MX_AUTH_BAD_CHALLENGE;
	}
	switch (a->mech) {
	case MX_AUTH_PLAIN:
		/* The server ignored the initial response: send it again. */
		if (a->steps > 1)
			return MX_AUTH_TOO_MANY;
		{
			char tmp[MX_AUTH_LINE_MAX];

			st = mx_auth_start(a, tmp, sizeof(tmp));
			if (st == MX_AUTH_OK) {
				size_t tl = strlen(tmp + 11);

				if (tl + 1 > len)
					st = MX_AUTH_NO_SPACE;
				else
					memcpy(line, tmp + 11, tl + 1);
			}
			explicit_bzero(tmp, sizeof(tmp));
			return st;
		}
	case MX_AUTH_LOGIN:
		/* "Username:" then "Password:"; servers word them
		 * differently, so the order decides. */
		if (a->steps == 1)
			return line_b64(line, len, "", (const uint8_t *)a->user,
					strlen(a->user));
		if (a->steps == 2)
			return line_b64(line, len, "", (const uint8_t *)a->pass,
					strlen(a->pass));
		return MX_AUTH_TOO_MANY;
	case MX_AUTH_CRAM_MD5: {
		/* RFC 2195: user SP hex(HMAC-MD5(password, challenge)) */
		uint8_t mac[EVP_MAX_MD_SIZE];
		unsigned int ml = 0, i;
		char resp[MX_AUTH_MAX_CRED + 2 + 33];
		size_t ul = strlen(a->user);

		if (a->steps > 1)
			return MX_AUTH_TOO_MANY;
		if (n <= 0)
			return MX_AUTH_BAD_CHALLENGE;
		if (HMAC(EVP_md5(), a->pass, (int)strlen(a->pass), dec,
			 (size_t)n, mac, &ml) == NULL ||
		    ml != 16)
			return MX_AUTH_INTERNAL;
		memcpy(resp, a->user, ul);
		resp[ul] = ' ';
		for (i = 0; i < 16; i++)
			snprintf(resp + ul + 1 + 2 * i, 3, "%02x", mac[i]);
		st = line_b64(line, len, "", (const uint8_t *)resp, ul + 33);
		explicit_bzero(mac, sizeof(mac));
		explicit_bzero(resp, sizeof(resp));
		return st;
	}
	case MX_AUTH_SCRAM_SHA256:
		if (a->steps == 1) {
			if (n <= 0)
				return MX_AUTH_BAD_CHALLENGE;
			return scram_final(a, dec, (size_t)n, line, len);
		}
		if (a->steps == 2 && a->final_sent) {
			if (n <= 0)
				return MX_AUTH_BAD_CHALLENGE;
			st = scram_verify(a, dec, (size_t)n);
			line[0] = '\0'; /* empty response, then 235 */
			return st;
		}
		return MX_AUTH_TOO_MANY;
	default:
		return MX_AUTH_BAD_PARAM;
	}
}

int mx_auth_set_nonce(struct mx_auth *a, const char *nonce)
{
	size_t n = strlen(nonce), i;

	if (n == 0 || n >= sizeof(a->cnonce))
		return -1;
	for (i = 0; i < n; i++)
		if (nonce[i] < 0x21 || nonce[i] > 0x7e || nonce[i] == ',')
			return -1;
	memcpy(a->cnonce, nonce, n + 1);
	return 0;
}

enum mx_auth_status mx_auth_success(const struct mx_auth *a)
{
	if (a->mech == MX_AUTH_SCRAM_SHA256 && !a->server_verified)
		return MX_AUTH_BAD_SERVER;
	return MX_AUTH_OK;
}
