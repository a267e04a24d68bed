/*
 * base64.c - base64 encoder and strict decoder; see base64.h for the
 * contract.  The decoder reads through struct mx_cur, one 4-character
 * quantum at a time.
 */
#include "common/base64.h"

#include <limits.h>

#include "common/cursor.h"

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int mx_b64_encode(const uint8_t *in, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0, need;

	if (n > (size_t)INT_MAX / 4 * 3 - 3)
		return -1;
	need = MX_B64_ENCODED_LEN(n) + 1;
	if (outlen < need)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = b64chars[v >> 6 & 63];
		out[o++] = b64chars[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = b64chars[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int b64val(uint8_t ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int mx_b64_decode(const char *in, size_t n, uint8_t *out, size_t outlen)
{
	struct mx_cur c;
	size_t o = 0;

	if (n % 4 != 0 || n > (size_t)INT_MAX)
		return -1;
	mx_cur_init(&c, (const uint8_t *)in, n);
	while (mx_cur_left(&c) > 0) {
		const uint8_t *q = mx_cur_bytes(&c, 4);
		int v[4], k, pad = 0;

		if (q == NULL)
			return -1;
		for (k = 0; k < 4; k++) {
			if (q[k] == '=' && k >= 2 && mx_cur_left(&c) == 0) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = b64val(q[k])) < 0)
				return -1;
		}
		if (pad == 1 && q[2] == '=')
			return -1; /* "x=y=" is not padding */
		/* canonical: the bits after the last octet are zero (RFC
		 * 4648 section 3.5), so one value has one encoding */
		if ((pad == 2 && (v[1] & 15) != 0) ||
		    (pad == 1 && (v[2] & 3) != 0))
			return -1;
		if (o + 3 - (size_t)pad > outlen)
			return -1;
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
	}
	return mx_cur_ok(&c) ? (int)o : -1;
}
