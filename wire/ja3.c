/*
 * ja3.c - JA3 / JA3S strings and their MD5; see ja3.h for the contract.
 *
 * The method (Salesforce, BSD-3-Clause): decimal values, fields joined by
 * ',', values within a field by '-', an absent list an empty field, GREASE
 * values (RFC 8701) left out of the suites, extensions and groups.  The
 * strings are written through struct mx_buf capped at the caller's size,
 * one value at a time, so an overflow cuts at a value boundary.
 */
#include "wire/ja3.h"

#include <openssl/evp.h>
#include <string.h>

struct out {
	char *s;
	size_t cap, len;
	int cut;
};

/* Append text if it fits with the NUL; otherwise mark the string cut. */
static void put(struct out *o, const char *t)
{
	size_t n = strlen(t);

	if (o->cut || o->cap - o->len <= n) {
		o->cut = 1;
		return;
	}
	memcpy(o->s + o->len, t, n + 1);
	o->len += n;
}

static void put_num(struct out *o, unsigned v, int first)
{
	char t[8];
	size_t i = sizeof(t);

	t[--i] = '\0';
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 1);
	if (!first)
		t[--i] = '-';
	put(o, t + i);
}

static void put_u16_list(struct out *o, const uint16_t *v, size_t n)
{
	size_t i;
	int first = 1;

	for (i = 0; i < n; i++) {
		if (mx_tls_is_grease(v[i]))
			continue;
		put_num(o, v[i], first);
		first = 0;
	}
}

static int start(struct out *o, char *s, size_t cap)
{
	o->s = s;
	o->cap = cap;
	o->len = 0;
	o->cut = 0;
	if (s == NULL || cap == 0)
		return -1;
	s[0] = '\0';
	return 0;
}

int mx_ja3_string(const struct mx_chello *ch, char *out, size_t outlen)
{
	struct out o;
	size_t i;

	if (start(&o, out, outlen) != 0)
		return -1;
	put_num(&o, ch->legacy_version, 1);
	put(&o, ",");
	put_u16_list(&o, ch->suites, ch->nsuites);
	put(&o, ",");
	put_u16_list(&o, ch->ext, ch->next);
	put(&o, ",");
	put_u16_list(&o, ch->groups, ch->ngroups);
	put(&o, ",");
	for (i = 0; i < ch->npoint_formats; i++)
		put_num(&o, ch->point_formats[i], i == 0);
	/* a list the parser had to cut is not the client's fingerprint */
	if (o.cut || ch->sslv2 || ch->nsuites < ch->nsuites_total ||
	    ch->next < ch->next_total || ch->ngroups < ch->ngroups_total)
		return -1;
	return 0;
}

int mx_ja3s_string(const struct mx_server_hello *sh, char *out, size_t outlen)
{
	struct out o;

	if (start(&o, out, outlen) != 0)
		return -1;
	put_num(&o, sh->legacy_version, 1);
	put(&o, ",");
	put_num(&o, sh->suite, 1);
	put(&o, ",");
	put_u16_list(&o, sh->ext, sh->next);
	return o.cut ? -1 : 0;
}

int mx_ja3_md5(const char *s, char out[MX_JA3_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (s == NULL ||
	    EVP_Digest(s, strlen(s), md, &mdlen, EVP_md5(), NULL) != 1 ||
	    mdlen != 16)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	return 0;
}
