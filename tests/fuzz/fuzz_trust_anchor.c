/*
 * fuzz_trust_anchor.c - fuzz target for the trust anchor check
 * (src/validate_anchor.c): any bytes, as a file given to --trust-anchor.
 *
 * The contract: the result is -1 or a positive count of anchors, a
 * refusal comes with a one-line printable reason, and the check reads
 * nothing past the input (the input is copied into an exact-size buffer
 * without a terminating NUL, so ASan sees any overread).
 * Corpus: tests/fuzz/corpus/trust_anchor/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/validate_anchor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	char why[256];
	size_t i;
	int n;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	why[0] = '\0';
	n = mx_anchor_check(copy, size, why, sizeof(why));
	CHECK(n == -1 || n > 0);
	if (n < 0) {
		CHECK(why[0] != '\0');
		for (i = 0; why[i]; i++)
			CHECK(why[i] >= 0x20 && why[i] < 0x7f);
	}
	free(copy);
	return 0;
}
