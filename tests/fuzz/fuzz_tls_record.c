/*
 * fuzz_tls_record.c - fuzz target for the TLS record layer
 * (mx_tls_record_next() in wire/tls_flight.c).
 *
 * Reads records from the input until the reader stops, and checks the
 * contract of every answer: OK moves the cursor by exactly 5 + len with
 * the body inside the input and len <= 2^14 + 2048, a known content type
 * and a 3.x version; any other answer leaves the cursor where it was;
 * MORE only when the input really ends inside the record header or body.
 * Corpus: tests/fuzz/corpus/tls_record/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cursor.h"
#include "wire/tls_flight.h"

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
	struct mx_cur c;
	size_t guard = 0;

	mx_cur_init(&c, data, size);
	for (;;) {
		struct mx_tls_record r;
		const uint8_t *before = c.p;
		size_t left = mx_cur_left(&c);
		enum mx_rec_status st = mx_tls_record_next(&c, &r);

		CHECK(guard++ <= size);
		if (st != MX_REC_OK) {
			CHECK(c.p == before);
			CHECK(mx_cur_left(&c) == left);
			if (st == MX_REC_MORE) {
				/* Header incomplete, or body shorter than
				 * its declared length. */
				CHECK(left < 5 ||
				      left < 5 + (size_t)((before[3] << 8) |
							  before[4]));
			}
			if (st == MX_REC_OVERFLOW)
				CHECK(left >= 5 &&
				      ((size_t)(before[3] << 8) | before[4]) >
					      MX_TLS_MAX_RECORD);
			break;
		}
		CHECK(r.type >= 20 && r.type <= 24);
		CHECK((r.version >> 8) == 3);
		CHECK(r.len <= MX_TLS_MAX_RECORD);
		CHECK(r.body == before + 5);
		CHECK(c.p == before + 5 + r.len);
		CHECK(r.body + r.len <= data + size);
	}
	return 0;
}
