/*
 * fuzz_chello.c - fuzz target for the ClientHello parser
 * (wire/tls_chello.c) and JA3 (wire/ja3.c).
 *
 * The input is read both as a handshake body (mx_chello_parse) and as a
 * record (mx_chello_parse_record); JA3 is computed on both results,
 * whatever their status.  Checks: every list within its array and its
 * *_total, SNI and ALPN NUL-terminated inside their arrays, a session id
 * of at most 32 bytes, a detail on every outcome but OK, a JA3 string
 * NUL-terminated within MX_JA3_STR_MAX and its MD5 32 hex digits; and a
 * body that parses is framed into a record and parsed again to the same
 * suites and extensions.  Corpus: tests/fuzz/corpus/chello/ (the golden
 * hellos of tests/data/tls/ as records and as bodies, an SSLv3 hello, a
 * TLS 1.0 hello with SNI, an SSLv2-framed hello).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/ja3.h"
#include "wire/tls_chello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

static void contract(enum mx_chello_status st, const struct mx_chello *ch,
		     const char *detail)
{
	char s[MX_JA3_STR_MAX], h[MX_JA3_HEX];
	size_t i, j;
	int r;

	CHECK(st >= MX_CHELLO_OK && st <= MX_CHELLO_UNSUPPORTED);
	CHECK(strcmp(mx_chello_status_name(st), "?") != 0);
	CHECK((st == MX_CHELLO_OK) == (detail[0] == '\0'));
	CHECK(ch->nsuites <= MX_CHELLO_MAX_SUITES);
	CHECK(ch->nsuites <= ch->nsuites_total);
	CHECK(ch->next <= MX_CHELLO_MAX_EXTS && ch->next <= ch->next_total);
	CHECK(ch->ngroups <= MX_CHELLO_MAX_LIST);
	CHECK(ch->ngroups <= ch->ngroups_total);
	CHECK(ch->nsigalgs <= MX_CHELLO_MAX_LIST);
	CHECK(ch->nsigalgs <= ch->nsigalgs_total);
	CHECK(ch->nversions <= MX_CHELLO_MAX_LIST);
	CHECK(ch->nkey_shares <= MX_CHELLO_MAX_LIST);
	CHECK(ch->ncompression <= sizeof(ch->compression));
	CHECK(ch->npoint_formats <= sizeof(ch->point_formats));
	CHECK(ch->session_id_len <= 32);
	CHECK(memchr(ch->sni, 0, sizeof(ch->sni)) != NULL);
	CHECK(ch->alpn_len < sizeof(ch->alpn));
	CHECK(ch->alpn[ch->alpn_len] == 0);
	if (st == MX_CHELLO_OK) {
		CHECK(!ch->sslv2);
		CHECK(ch->nsuites > 0 && ch->ncompression > 0);
		CHECK(ch->max_version >= ch->legacy_version);
		for (i = 0; i < ch->next; i++)
			for (j = i + 1; j < ch->next; j++)
				CHECK(ch->ext[i] != ch->ext[j]);
	}
	if (st == MX_CHELLO_UNSUPPORTED)
		CHECK(ch->sslv2 && ch->nsuites == 0);
	r = mx_ja3_string(ch, s, sizeof(s));
	CHECK(r == 0 || r == -1);
	CHECK(strlen(s) < sizeof(s));
	CHECK(mx_ja3_md5(s, h) == 0);
	CHECK(strlen(h) == 32 && strspn(h, "0123456789abcdef") == 32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_chello a, b;
	uint8_t rec[16384 + 5];
	char detail[128];
	enum mx_chello_status st;

	st = mx_chello_parse(data, size, &a, detail, sizeof(detail));
	contract(st, &a, detail);
	CHECK(a.msg_len == size || st != MX_CHELLO_OK);
	contract(mx_chello_parse_record(data, size, &b, detail, sizeof(detail)),
		 &b, detail);
	if (st != MX_CHELLO_OK || size + 4 > 16384)
		return 0;
	/* the same body framed in a record */
	rec[0] = 22;
	rec[1] = 3;
	rec[2] = 1;
	rec[3] = (uint8_t)((size + 4) >> 8);
	rec[4] = (uint8_t)(size + 4);
	rec[5] = 1;
	rec[6] = 0;
	rec[7] = (uint8_t)(size >> 8);
	rec[8] = (uint8_t)size;
	memcpy(rec + 9, data, size);
	CHECK(mx_chello_parse_record(rec, size + 9, &b, detail,
				     sizeof(detail)) == MX_CHELLO_OK);
	CHECK(b.nsuites == a.nsuites && b.next == a.next);
	CHECK(memcmp(b.suites, a.suites, a.nsuites * 2) == 0);
	CHECK(memcmp(b.ext, a.ext, a.next * 2) == 0);
	CHECK(strcmp(b.sni, a.sni) == 0 && b.max_version == a.max_version);
	return 0;
}
