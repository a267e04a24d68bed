/*
 * spool_format.c - the spool file format (spool.h, "File format"): the
 * envelope checked, encoded as tagged records with a checksum, and parsed
 * back through struct mx_cur (a broken file is MX_SPOOL_CORRUPT with the
 * reason); spool ids; the diagnostics every spool function fills.  Pure:
 * no I/O.
 */
#include "relay/spool_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/xalloc.h"

#define MAGIC "MXSPOOL1"
#define MAGIC_LEN 8

enum tag {
	TAG_ID = 1,
	TAG_FROM,
	TAG_RCPT,
	TAG_HOP,
	TAG_POLICY,
	TAG_CREATED,
	TAG_ATTEMPTS,
	TAG_NEXT,
	TAG_LAST_ERROR,
	TAG_DEAD_REASON,
	TAG__N
};

/* Length limits of each record (spool.h, "File format"). */
static const struct {
	size_t min, max;
} tag_len[TAG__N] = {
	[TAG_ID] = {MX_SPOOL_ID_LEN, MX_SPOOL_ID_LEN},
	[TAG_FROM] = {0, MX_SPOOL_MAX_ADDR},
	[TAG_RCPT] = {1, MX_SPOOL_MAX_ADDR},
	[TAG_HOP] = {0, MX_SPOOL_MAX_HOP},
	[TAG_POLICY] = {0, MX_SPOOL_MAX_POLICY},
	[TAG_CREATED] = {8, 8},
	[TAG_ATTEMPTS] = {4, 4},
	[TAG_NEXT] = {8, 8},
	[TAG_LAST_ERROR] = {0, MX_SPOOL_MAX_TEXT},
	[TAG_DEAD_REASON] = {0, MX_SPOOL_MAX_TEXT},
};

enum mx_spool_status sp_fail(struct mx_spool_diag *d, enum mx_spool_status st,
			     int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (d == NULL)
		return st;
	d->status = st;
	d->err = err;
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
	n = strlen(d->text);
	if (err && n + 3 < sizeof(d->text))
		snprintf(d->text + n, sizeof(d->text) - n, ": %s",
			 strerror(err));
	return st;
}

void sp_dclear(struct mx_spool_diag *d)
{
	if (d) {
		d->status = MX_SPOOL_OK;
		d->err = 0;
		d->text[0] = 0;
	}
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

int mx_spool_id_ok(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != MX_SPOOL_ID_LEN)
		return 0;
	for (i = 0; i < MX_SPOOL_ID_LEN; i++) {
		int dash = i == 12 || i == 19;

		if (dash ? s[i] != '-'
			 : !((s[i] >= '0' && s[i] <= '9') ||
			     (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* Envelope text: no control characters (they would reach logs and
 * terminals); printable ASCII and UTF-8 octets only. */
int sp_text_ok(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	return 1;
}

static int str_ok(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	return n >= min && n <= max && sp_text_ok((const uint8_t *)s, n);
}

/* "smtp://user:pw@host" carries a secret: it never goes to disk. */
static int has_userinfo(const char *hop)
{
	const char *s = hop ? strstr(hop, "://") : NULL;
	const char *at, *slash;

	s = s ? s + 3 : hop;
	if (s == NULL)
		return 0;
	at = strchr(s, '@');
	slash = strchr(s, '/');
	return at != NULL && (slash == NULL || at < slash);
}

static enum mx_spool_status check_env(const struct mx_envelope *e,
				      struct mx_spool_diag *d)
{
	size_t i;

	if (!str_ok(e->from ? e->from : "", 0, MX_SPOOL_MAX_ADDR))
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "sender: too long or control characters");
	if (e->nrcpts == 0 || e->nrcpts > MX_SPOOL_MAX_RCPTS ||
	    e->rcpts == NULL)
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "1 to %d recipients are needed",
			       MX_SPOOL_MAX_RCPTS);
	for (i = 0; i < e->nrcpts; i++)
		if (!str_ok(e->rcpts[i], 1, MX_SPOOL_MAX_ADDR))
			return sp_fail(d, MX_SPOOL_INVALID, 0,
				       "recipient %zu: empty, too long or "
				       "control characters",
				       i + 1);
	if (!str_ok(e->next_hop, 0, MX_SPOOL_MAX_HOP) ||
	    !str_ok(e->policy, 0, MX_SPOOL_MAX_POLICY))
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "next hop or policy: too long or control "
			       "characters");
	if (has_userinfo(e->next_hop))
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "next hop holds user information; credentials "
			       "are never written to the spool");
	if (!str_ok(e->last_error, 0, SIZE_MAX) ||
	    !str_ok(e->dead_reason, 0, SIZE_MAX))
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "error text with control characters");
	if (e->created < 0 || (uint64_t)e->created > 0xffffffffffffull)
		return sp_fail(d, MX_SPOOL_INVALID, 0,
			       "creation time out of "
			       "range");
	return MX_SPOOL_OK;
}

enum mx_spool_status sp_check_message(const struct mx_envelope *env, size_t len,
				      struct mx_spool_diag *d)
{
	if (len > MX_SPOOL_MAX_MESSAGE)
		return sp_fail(d, MX_SPOOL_TOO_BIG, 0, "message over %u octets",
			       MX_SPOOL_MAX_MESSAGE);
	return check_env(env, d);
}

void mx_envelope_clear(struct mx_envelope *e)
{
	size_t i;

	free(e->from);
	for (i = 0; i < e->nrcpts; i++)
		free(e->rcpts[i]);
	free(e->rcpts);
	free(e->next_hop);
	free(e->policy);
	free(e->last_error);
	free(e->dead_reason);
	memset(e, 0, sizeof(*e));
}

/* ---- the file format ---------------------------------------------------- */

static void push_rec(struct mx_buf *b, uint8_t tag, const void *p, size_t n)
{
	mx_buf_push_u8(b, tag);
	mx_buf_push_u16(b, (uint16_t)n);
	mx_buf_push(b, p, n);
}

static void push_text(struct mx_buf *b, uint8_t tag, const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	push_rec(b, tag, s, n > max ? max : n);
}

static void push_i64(struct mx_buf *b, uint8_t tag, int64_t v)
{
	uint64_t u = (uint64_t)v;

	mx_buf_push_u8(b, tag);
	mx_buf_push_u16(b, 8);
	mx_buf_push_u32(b, (uint32_t)(u >> 32));
	mx_buf_push_u32(b, (uint32_t)u);
}

enum mx_spool_status mx_spool_encode(const struct mx_envelope *env,
				     const char *id, const uint8_t *msg,
				     size_t len, uint8_t **out, size_t *outlen,
				     struct mx_spool_diag *d)
{
	struct mx_buf b;
	enum mx_spool_status st;
	size_t elen_at, i, e;
	uint64_t sum;

	*out = NULL;
	*outlen = 0;
	if (!mx_spool_id_ok(id))
		return sp_fail(d, MX_SPOOL_INVALID, 0, "bad spool id");
	st = sp_check_message(env, len, d);
	if (st != MX_SPOOL_OK)
		return st;
	mx_buf_init(&b, MX_SPOOL_MAX_MESSAGE + MX_SPOOL_MAX_ENVELOPE + 64);
	mx_buf_push(&b, MAGIC, MAGIC_LEN);
	elen_at = b.len;
	mx_buf_push_u32(&b, 0); /* back-filled below */
	push_text(&b, TAG_ID, id, MX_SPOOL_ID_LEN);
	push_text(&b, TAG_FROM, env->from ? env->from : "", MX_SPOOL_MAX_ADDR);
	for (i = 0; i < env->nrcpts; i++)
		push_text(&b, TAG_RCPT, env->rcpts[i], MX_SPOOL_MAX_ADDR);
	push_text(&b, TAG_HOP, env->next_hop, MX_SPOOL_MAX_HOP);
	push_text(&b, TAG_POLICY, env->policy, MX_SPOOL_MAX_POLICY);
	push_i64(&b, TAG_CREATED, (int64_t)env->created);
	mx_buf_push_u8(&b, TAG_ATTEMPTS);
	mx_buf_push_u16(&b, 4);
	mx_buf_push_u32(&b, env->attempts);
	push_i64(&b, TAG_NEXT, (int64_t)env->next_attempt);
	push_text(&b, TAG_LAST_ERROR, env->last_error, MX_SPOOL_MAX_TEXT);
	push_text(&b, TAG_DEAD_REASON, env->dead_reason, MX_SPOOL_MAX_TEXT);
	if (!b.err) {
		e = b.len - elen_at - 4;
		b.p[elen_at] = (uint8_t)(e >> 24);
		b.p[elen_at + 1] = (uint8_t)(e >> 16);
		b.p[elen_at + 2] = (uint8_t)(e >> 8);
		b.p[elen_at + 3] = (uint8_t)e;
	}
	mx_buf_push_u32(&b, (uint32_t)len);
	mx_buf_push(&b, msg, len);
	if (b.err) {
		mx_buf_free(&b);
		return sp_fail(d, MX_SPOOL_TOO_BIG, 0, "spool file too big");
	}
	sum = fnv1a(b.p, b.len);
	mx_buf_push_u32(&b, (uint32_t)(sum >> 32));
	mx_buf_push_u32(&b, (uint32_t)sum);
	*out = mx_buf_take(&b, outlen);
	return MX_SPOOL_OK;
}

static int64_t cur_i64(struct mx_cur *c)
{
	uint64_t hi = mx_cur_u32(c);

	return (int64_t)(hi << 32 | mx_cur_u32(c));
}

static enum mx_spool_status corrupt(struct mx_envelope *env,
				    struct mx_spool_diag *d, const char *why)
{
	mx_envelope_clear(env);
	return sp_fail(d, MX_SPOOL_CORRUPT, 0, "corrupt spool file: %s", why);
}

enum mx_spool_status mx_spool_parse(const uint8_t *p, size_t n, const char *id,
				    struct mx_envelope *env,
				    const uint8_t **msg, size_t *msglen,
				    struct mx_spool_diag *d)
{
	struct mx_cur c, body, recs;
	const uint8_t *magic, *m;
	unsigned seen = 0;
	uint32_t elen, mlen;
	uint64_t sum;
	int have_id = 0;

	memset(env, 0, sizeof(*env));
	*msg = NULL;
	*msglen = 0;
	mx_cur_init(&c, p, n);
	if (n < MAGIC_LEN + 4 + 4 + 8)
		return corrupt(env, d, "truncated");
	mx_cur_subn(&c, &body, n - 8);
	magic = mx_cur_bytes(&body, MAGIC_LEN);
	if (magic == NULL || memcmp(magic, MAGIC, MAGIC_LEN) != 0)
		return corrupt(env, d, "not a version 1 spool file");
	elen = mx_cur_u32(&body);
	if (elen > MX_SPOOL_MAX_ENVELOPE)
		return corrupt(env, d, "envelope too big");
	mx_cur_subn(&body, &recs, elen);
	if (!mx_cur_ok(&body))
		return corrupt(env, d, "truncated envelope");
	while (mx_cur_left(&recs) > 0) {
		struct mx_cur rec;
		uint8_t tag = mx_cur_u8(&recs);
		size_t len;
		const uint8_t *v;
		char *s;

		mx_cur_sub16(&recs, &rec);
		if (!mx_cur_ok(&recs))
			return corrupt(env, d, "truncated record");
		if (tag == 0 || tag >= TAG__N)
			return corrupt(env, d, "unknown record");
		len = mx_cur_left(&rec);
		if (len < tag_len[tag].min || len > tag_len[tag].max)
			return corrupt(env, d, "record length out of range");
		if (tag != TAG_RCPT && (seen & (1u << tag)))
			return corrupt(env, d, "record repeated");
		seen |= 1u << tag;
		switch (tag) {
		case TAG_CREATED:
			env->created = (time_t)cur_i64(&rec);
			break;
		case TAG_NEXT:
			env->next_attempt = (time_t)cur_i64(&rec);
			break;
		case TAG_ATTEMPTS:
			env->attempts = mx_cur_u32(&rec);
			break;
		default:
			v = mx_cur_bytes(&rec, len);
			if (!sp_text_ok(v, len))
				return corrupt(env, d, "control characters");
			s = xmalloc(len + 1);
			if (len)
				memcpy(s, v, len);
			s[len] = 0;
			switch (tag) {
			case TAG_ID:
				have_id = 1;
				if (id && strcmp(s, id) != 0) {
					free(s);
					return corrupt(env, d,
						       "id does not match the "
						       "file name");
				}
				free(s);
				break;
			case TAG_FROM:
				env->from = s;
				break;
			case TAG_RCPT:
				if (env->nrcpts == MX_SPOOL_MAX_RCPTS) {
					free(s);
					return corrupt(env, d,
						       "too many recipients");
				}
				env->rcpts = xreallocarray(env->rcpts,
							   env->nrcpts + 1,
							   sizeof(char *));
				env->rcpts[env->nrcpts++] = s;
				break;
			case TAG_HOP:
				env->next_hop = s;
				break;
			case TAG_POLICY:
				env->policy = s;
				break;
			case TAG_LAST_ERROR:
				env->last_error = s;
				break;
			default:
				env->dead_reason = s;
				break;
			}
		}
		if (!mx_cur_done(&rec))
			return corrupt(env, d, "bad record");
	}
	if (!have_id || !(seen & (1u << TAG_FROM)) ||
	    !(seen & (1u << TAG_RCPT)) || !(seen & (1u << TAG_CREATED)) ||
	    !(seen & (1u << TAG_ATTEMPTS)) || !(seen & (1u << TAG_NEXT)))
		return corrupt(env, d, "a required record is missing");
	mlen = mx_cur_u32(&body);
	if (mlen > MX_SPOOL_MAX_MESSAGE)
		return corrupt(env, d, "message too big");
	m = mx_cur_bytes(&body, mlen);
	if (!mx_cur_done(&body))
		return corrupt(env, d,
			       mx_cur_ok(&body) ? "trailing bytes"
						: "truncated message");
	sum = (uint64_t)mx_cur_u32(&c) << 32;
	sum |= mx_cur_u32(&c);
	if (!mx_cur_done(&c))
		return corrupt(env, d, "truncated checksum");
	if (sum != fnv1a(p, n - 8))
		return corrupt(env, d, "checksum mismatch");
	*msg = m;
	*msglen = mlen;
	return MX_SPOOL_OK;
}

const char *mx_spool_status_name(enum mx_spool_status s)
{
	switch (s) {
	case MX_SPOOL_OK:
		return "ok";
	case MX_SPOOL_IO:
		return "io";
	case MX_SPOOL_BUSY:
		return "busy";
	case MX_SPOOL_NOT_FOUND:
		return "not_found";
	case MX_SPOOL_CORRUPT:
		return "corrupt";
	case MX_SPOOL_INVALID:
		return "invalid";
	case MX_SPOOL_TOO_BIG:
		return "too_big";
	case MX_SPOOL_READONLY_ERR:
		return "read_only";
	}
	return "unknown";
}
