/*
 * fuzz_conn_hello.c - fuzz target for the ClientHello summary of the
 * connection records (mx_connrec_hello_summary() in probe/conn.c).
 *
 * The summary reads our own hello bytes, but through a bounded cursor
 * like every parser, so it is fuzzed like one.  Checks the contract:
 * hello_len is always the input length; on failure every count is 0;
 * on success the counts fit the input (a suite or group is two bytes)
 * and min <= max when both are set.
 * Corpus: tests/fuzz/corpus/conn_hello/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/conn.h"
#include "probe/conn.h"

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
	struct mx_connrec r;
	int rc;

	mx_connrec_init(&r, 1, NULL);
	rc = mx_connrec_hello_summary(&r, data, size);
	CHECK(rc == 0 || rc == -1);
	CHECK(r.hello_len == size);
	if (rc != 0) {
		CHECK(r.hello_nsuites == 0 && r.hello_ngroups == 0);
		CHECK(r.hello_min_version == 0 && r.hello_max_version == 0);
		return 0;
	}
	CHECK((size_t)r.hello_nsuites * 2 <= size);
	CHECK((size_t)r.hello_ngroups * 2 <= size);
	CHECK(r.hello_min_version == 0 ||
	      r.hello_min_version <= r.hello_max_version);
	return 0;
}
