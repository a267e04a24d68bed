/*
 * fuzz_dns_rdata.c - libFuzzer entry for mx_dns_rdata_decode (probe/dns.c).
 *
 * Input: one byte choosing the record type (MX, A, AAAA, TXT, TLSA, or an
 * undecoded type), then the rdata.  The rdata is copied into a buffer of
 * exactly its length so ASan sees any read past the end.  Checks the
 * decoder's promises: -1 leaves the answer unchanged, 0 adds exactly one
 * record, decoded MX names are printable ASCII of at most 4 x 255 bytes,
 * and mx_dns_answer_clear frees everything (LeakSanitizer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int types[] = {15, 1, 28, 16, 52, 5};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_dns_answer a;
	uint8_t *rd;
	size_t len, before, after;
	int type, rc;
	const char *p;

	if (size < 1 || size > 70000)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	len = size - 1;
	rd = malloc(len ? len : 1);
	if (rd == NULL)
		return 0;
	memcpy(rd, data + 1, len);
	memset(&a, 0, sizeof(a));
	before = a.nmx + a.naddrs + a.ntlsa + a.ntxt;
	rc = mx_dns_rdata_decode(&a, type, rd, len);
	after = a.nmx + a.naddrs + a.ntlsa + a.ntxt;
	if ((rc == 0 && after != before + 1) || (rc != 0 && after != before))
		abort();
	if (a.nmx == 1) {
		if (strlen(a.mx[0].name) > 4 * 255)
			abort();
		for (p = a.mx[0].name; *p; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p >= 0x7f)
				abort();
	}
	mx_dns_answer_clear(&a);
	free(rd);
	return 0;
}
