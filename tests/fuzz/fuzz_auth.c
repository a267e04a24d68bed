/*
 * fuzz_auth.c - fuzz target for relay/auth: the base64 decoder and the
 * SASL client state machines fed hostile server challenges.
 *
 * Input: first octet picks the mechanism; the rest is split at '\n' into
 * at most 5 challenges.  Each challenge is given raw (mostly invalid
 * base64) and, for SCRAM, also base64-encoded so the attribute parser
 * sees arbitrary bytes.  Invariants: base64 decode(encode(x)) == x; the
 * produced lines are NUL-terminated within their buffer; SCRAM never
 * reports success without a verified server signature.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static int fixed_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, 0x42, n);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char enc[4 * MX_AUTH_MAX_CHALLENGE];
	static uint8_t dec[4 * MX_AUTH_MAX_CHALLENGE];
	char line[MX_AUTH_LINE_MAX];
	enum mx_auth_status st;
	struct mx_auth *a;
	size_t off = 1, k;
	int n, m;

	if (size == 0)
		return 0;
	/* base64 round trip of the whole input (capped) */
	k = size > 2000 ? 2000 : size;
	n = mx_b64_encode(data, k, enc, sizeof(enc));
	CHECK(n >= 0);
	m = mx_b64_decode(enc, (size_t)n, dec, sizeof(dec));
	CHECK(m == (int)k && memcmp(dec, data, k) == 0);
	(void)mx_b64_decode((const char *)data, size, dec, sizeof(dec));

	a = mx_auth_new((enum mx_auth_mech)(data[0] % MX_AUTH__N), "user",
			"pencil", fixed_random, NULL, &st);
	CHECK(a != NULL);
	if (mx_auth_start(a, line, sizeof(line)) != MX_AUTH_OK) {
		mx_auth_free(a);
		return 0;
	}
	for (k = 0; k < 5 && off < size; k++) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
		char *ch = malloc(len * 2 + 8);

		CHECK(ch != NULL);
		if (data[0] & 0x80) {
			memcpy(ch, data + off, len);
			ch[len] = '\0';
		} else if (mx_b64_encode(data + off, len, ch, len * 2 + 8) <
			   0) {
			ch[0] = '\0';
		}
		st = mx_auth_step(a, ch, line, sizeof(line));
		CHECK(memchr(line, 0, sizeof(line)) != NULL);
		free(ch);
		if (st != MX_AUTH_OK)
			break;
		off += len + 1;
	}
	if (data[0] % MX_AUTH__N == MX_AUTH_SCRAM_SHA256)
		CHECK(mx_auth_success(a) != MX_AUTH_OK || k >= 2);
	mx_auth_free(a);
	return 0;
}
