/*
 * fuzz_dns_ad.c - fuzz target for the resolver's AD answer
 * (mx_dns_ad_parse and mx_dns_ad_build in probe/dns_ad.c): the answer
 * comes from the network, untrusted.
 *
 * Input: u8 n, then n octets of a query name (built with
 * mx_dns_ad_build; an invalid name falls back to "mx1.lab.test"), u16
 * type, then the answer.  When bit 0 of the first answer octet is set,
 * the answer is first overwritten by the query itself (its header turned
 * into a response), so the fuzzer reaches the question comparison.
 * Checks: the result is -1, 0 or 1; 0/1 only when the answer is at least
 * as long as header and question and carries the query's id and QR;
 * the same call twice agrees; the answer buffer is exact-size (ASan).
 * Corpus: tests/fuzz/corpus/dns_ad/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "probe/dns_ad.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t q[MX_DNS_AD_QUERY_MAX], *a;
	char name[256];
	struct mx_cur c;
	const uint8_t *p;
	size_t alen;
	uint16_t type;
	uint8_t n;
	int qlen, r;

	mx_cur_init(&c, data, size);
	n = mx_cur_u8(&c);
	p = mx_cur_bytes(&c, n);
	type = mx_cur_u16(&c);
	if (!mx_cur_ok(&c))
		return 0;
	memcpy(name, p, n);
	name[n] = '\0';
	qlen = mx_dns_ad_build(q, sizeof(q), 0x4242, name, type);
	if (qlen < 0)
		qlen = mx_dns_ad_build(q, sizeof(q), 0x4242, "mx1.lab.test",
				       type);
	CHECK(qlen > 12 && (size_t)qlen <= sizeof(q));
	alen = mx_cur_left(&c);
	a = malloc(alen ? alen : 1);
	if (a == NULL)
		return 0;
	if (alen)
		memcpy(a, mx_cur_bytes(&c, alen), alen);
	if (alen > 0 && (a[0] & 1)) {
		size_t k = alen < (size_t)qlen ? alen : (size_t)qlen;

		memcpy(a, q, k);
		if (k > 2)
			a[2] |= 0x80;
	}
	r = mx_dns_ad_parse(a, alen, q, (size_t)qlen);
	CHECK(r >= -1 && r <= 1);
	if (r >= 0) {
		CHECK(alen >= (size_t)qlen - 11);
		CHECK(a[0] == 0x42 && a[1] == 0x42 && (a[2] & 0x80));
	}
	CHECK(mx_dns_ad_parse(a, alen, q, (size_t)qlen) == r);
	/* the TTL reader (the AD-bit cache) agrees on the verdict */
	{
		uint32_t ttl = 1;
		int neg = 0;

		CHECK(mx_dns_ad_parse_ttl(a, alen, q, (size_t)qlen, &ttl,
					  &neg) == r);
		CHECK(r >= 0 || ttl == 0);
	}
	free(a);
	return 0;
}
