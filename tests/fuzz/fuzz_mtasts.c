/*
 * fuzz_mtasts.c - fuzz target for wire/mtasts.c: the MTA-STS policy (an
 * HTTPS body), the _mta-sts and _smtp._tls TXT records (DNS) and the mx
 * pattern match, all untrusted.
 *
 * Input: the whole input is given to every parser; for the pattern
 * match it is split at its first NUL (pattern, host; both copied into
 * NUL-terminated buffers).
 * Checks: return values agree with `valid`; a valid policy has a mode
 * and a max_age in range and (mode other than none) mx patterns, every
 * kept pattern is lowercase [a-z0-9.*-] and matches a host made from it;
 * kept TXT ids are 1..32 alphanumerics; kept TLS-RPT URIs start with
 * mailto: or https:; parsing twice agrees; buffers are exact-size (ASan).
 * Corpus: tests/fuzz/corpus/mtasts/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/mtasts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static void check_policy(const uint8_t *d, size_t n)
{
	struct mx_sts_policy p, q;
	int rc = mx_sts_policy_parse(d, n, &p);
	size_t i, k;

	CHECK((rc == 0) == (p.valid != 0));
	if (p.valid) {
		CHECK(p.mode != MX_STS_PMODE_MISSING);
		CHECK(p.max_age >= 0 && p.max_age <= MX_STS_MAX_AGE_LIMIT);
		CHECK(p.nmx > 0 || p.mode == MX_STS_PMODE_NONE);
	}
	CHECK(p.nmx <= MX_STS_MAX_MX);
	for (i = 0; i < p.nmx; i++) {
		char host[300];
		const char *m = p.mx[i];

		for (k = 0; m[k]; k++)
			CHECK((m[k] >= 'a' && m[k] <= 'z') ||
			      (m[k] >= '0' && m[k] <= '9') || m[k] == '.' ||
			      m[k] == '-' || m[k] == '*');
		CHECK(k > 0 && k <= 255);
		if (m[0] == '*') {
			host[0] = 'x';
			memcpy(host + 1, m + 1, k); /* with the NUL */
		} else {
			memcpy(host, m, k + 1);
		}
		CHECK(mx_sts_mx_match(m, host));
	}
	CHECK(mx_sts_policy_parse(d, n, &q) == rc && q.nmx == p.nmx &&
	      q.err.n == p.err.n);
	mx_sts_policy_free(&q);
	mx_sts_policy_free(&p);
}

static void check_txt(const uint8_t *d, size_t n)
{
	struct mx_sts_txt t;
	struct mx_tlsrpt_rec r;
	size_t i, k;

	if (mx_sts_txt_parse(d, n, &t) == 0) {
		CHECK(t.valid && mx_sts_txt_is_sts(d, n));
		k = strlen(t.id);
		CHECK(k >= 1 && k <= 32);
	} else {
		CHECK(!t.valid && t.err.n > 0);
	}
	if (mx_tlsrpt_parse(d, n, &r) == 0) {
		CHECK(r.valid && r.nrua > 0 && mx_tlsrpt_is_rpt(d, n));
	} else {
		CHECK(!r.valid);
	}
	CHECK(r.nrua <= MX_STS_MAX_RUA);
	for (i = 0; i < r.nrua; i++)
		CHECK(strncmp(r.rua[i], "mailto:", 7) == 0 ||
		      strncmp(r.rua[i], "https://", 8) == 0);
	mx_tlsrpt_free(&r);
}

static void check_match(const uint8_t *d, size_t n)
{
	const uint8_t *z = memchr(d, 0, n);
	size_t pl = z ? (size_t)(z - d) : n;
	size_t hl = z ? n - pl - 1 : 0;
	char *pat = malloc(pl + 1), *host = malloc(hl + 1);

	if (pat == NULL || host == NULL) {
		free(pat);
		free(host);
		return;
	}
	memcpy(pat, d, pl);
	pat[pl] = '\0';
	if (hl > 0)
		memcpy(host, z + 1, hl);
	host[hl] = '\0';
	/* embedded NULs shorten the strings: fine */
	if (mx_sts_mx_match(pat, host))
		CHECK(pat[0] != '\0' && host[0] != '\0');
	free(pat);
	free(host);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d = calloc(1, size ? size : 1);

	if (d == NULL)
		return 0;
	if (size > 0)
		memcpy(d, data, size); /* exact-size copy for ASan */
	check_policy(d, size);
	check_txt(d, size);
	check_match(d, size);
	free(d);
	return 0;
}
