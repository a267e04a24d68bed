/*
 * fuzz_smtp_reply.c - fuzz target for the SMTP reply parser (wire/smtp.c).
 *
 * The input is a byte stream as a server might send it, possibly several
 * pipelined replies.  It is parsed twice: once in chunks whose sizes come
 * from a PRNG seeded with a hash of the input (so the fuzzer also explores
 * split points), once with every reply fed in one piece.  Both must agree
 * on every status, byte count, code and line, and each result must keep
 * the parser's contract (limits, consumption, code range, RFC 3463 code
 * shape); any difference abort()s.  EHLO parsing runs on every complete
 * reply.  Corpus: tests/fuzz/corpus/smtp_reply/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise names itself, then aborts (libFuzzer and the driver
 * both report the abort). */
#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

/* Chunk-size source for one input: FNV-1a of the input seeds an LCG. */
struct chunker {
	uint64_t s;
};

static size_t next_chunk(struct chunker *ch)
{
	ch->s = ch->s * 6364136223846793005ull + 1442695040888963407ull;
	switch ((ch->s >> 60) & 3) {
	case 0:
		return 1;
	case 1:
		return 1 + (size_t)((ch->s >> 33) % 8);
	case 2:
		return 1 + (size_t)((ch->s >> 33) % 300);
	default:
		return 1 + (size_t)((ch->s >> 33) % 5000);
	}
}

static void check_reply(const struct mx_smtp_reply *r, enum mx_smtp_status st,
			size_t used, size_t offered)
{
	size_t i, sum = 0;

	CHECK(r->status == st);
	CHECK(used <= offered);
	CHECK(r->nlines <= MX_SMTP_MAX_LINES);
	CHECK(r->bytes <= MX_SMTP_MAX_REPLY_BYTES);
	CHECK(r->bare_lf <= r->nlines);
	for (i = 0; i < r->nlines; i++) {
		CHECK(r->lines[i].len + 4 <= MX_SMTP_MAX_LINE);
		CHECK(r->lines[i].text[r->lines[i].len] == '\0');
		/* code, separator or not, text, CR or not, LF */
		sum += r->lines[i].len + 4;
	}
	CHECK(sum <= r->bytes);
	if (st == MX_SMTP_DONE) {
		char enh[16];
		size_t n;

		CHECK(r->nlines >= 1);
		CHECK(r->code >= 200 && r->code <= 599);
		n = mx_smtp_parse_enhanced(r->lines[0].text, r->lines[0].len,
					   r->code, enh);
		CHECK(strcmp(enh, r->enh) == 0 && strlen(enh) == n);
		CHECK(n == 0 || (n >= 5 && n <= 9 && enh[1] == '.'));
		/* at most a separator and a CR more than the minimum */
		CHECK(r->bytes <= sum + 2 * r->nlines);
	}
	if (st == MX_SMTP_MORE)
		CHECK(used == offered);
	else
		CHECK(mx_smtp_status_name(st) != NULL);
}

static void check_ehlo(const struct mx_smtp_reply *r)
{
	struct mx_smtp_ehlo e;
	size_t i, n;

	mx_smtp_parse_ehlo(r, &e);
	n = strnlen(e.auth, sizeof(e.auth));
	CHECK(n < sizeof(e.auth));
	for (i = 0; i < n; i++) {
		char c = e.auth[i];

		CHECK((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == ' ');
	}
	CHECK(n == 0 || (e.auth[0] != ' ' && e.auth[n - 1] != ' '));
	CHECK(strstr(e.auth, "  ") == NULL);
	if (!(e.flags & MX_SMTP_CAP_AUTH))
		CHECK(n == 0);
	if (!(e.flags & MX_SMTP_CAP_SIZE))
		CHECK(e.size == 0);
	for (i = 0; i < 32; i++)
		if (e.flags & (1u << i))
			CHECK(mx_smtp_cap_name(1u << i) != NULL);
}

static int same(const struct mx_smtp_reply *a, const struct mx_smtp_reply *b)
{
	size_t i;

	if (a->status != b->status || a->bytes != b->bytes ||
	    a->code != b->code || a->nlines != b->nlines ||
	    a->bare_lf != b->bare_lf || strcmp(a->enh, b->enh) != 0)
		return 0;
	for (i = 0; i < a->nlines; i++)
		if (a->lines[i].len != b->lines[i].len ||
		    memcmp(a->lines[i].text, b->lines[i].text,
			   a->lines[i].len) != 0)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_smtp_reply a, b;
	struct chunker ch = {0xcbf29ce484222325ull};
	static const uint8_t empty[1];
	size_t off = 0, i;

	if (data == NULL)
		data = empty;
	for (i = 0; i < size; i++)
		ch.s = (ch.s ^ data[i]) * 0x100000001b3ull;
	mx_smtp_reply_init(&a);
	mx_smtp_reply_init(&b);
	for (;;) {
		enum mx_smtp_status sa = MX_SMTP_MORE, sb;
		size_t ua = 0, ub, u;

		/* a: random chunks until the reply ends or the input does. */
		while (sa == MX_SMTP_MORE && off + ua < size) {
			size_t n = next_chunk(&ch);

			if (n > size - off - ua)
				n = size - off - ua;
			sa = mx_smtp_reply_feed(&a, data + off + ua, n, &u);
			CHECK(u <= n);
			ua += u;
		}
		/* b: the same bytes in one piece. */
		sb = mx_smtp_reply_feed(&b, data + off, size - off, &ub);
		check_reply(&b, sb, ub, size - off);
		CHECK(sa == sb && ua == ub && same(&a, &b));
		/* a sticky status consumes nothing more */
		if (sa != MX_SMTP_MORE) {
			CHECK(mx_smtp_reply_feed(&a, data, size, &u) == sa);
			CHECK(u == 0);
		}
		if (sa != MX_SMTP_DONE)
			break;
		check_ehlo(&a);
		off += ua;
		mx_smtp_reply_reset(&a);
		mx_smtp_reply_reset(&b);
	}
	mx_smtp_reply_free(&a);
	mx_smtp_reply_free(&b);
	return 0;
}
