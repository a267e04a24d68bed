/*
 * fuzz_escape.c - fuzz target for the escaper every peer-supplied byte
 * passes through before it enters the model (common/escape.c): banners,
 * replies, certificate fields, header fields, hello bytes.
 *
 * Input: u8 cap selector (0: no cap, else the cap in octets), then the
 * bytes to escape.  Checks the promises of escape.h, not just the absence
 * of crashes:
 *   - the result is NUL-terminated printable ASCII (0x20..0x7e) only;
 *   - uncapped, un-escaping it gives the input back exactly (nothing
 *     dropped, nothing escaped twice - issue 13's evidence bug);
 *   - capped, the result is at most cap + 3 octets, ends in "..." when
 *     cut, and un-escapes to a prefix of the input;
 *   - mx_is_clean() of a NUL-free input holds exactly when escaping
 *     leaves it unchanged; mx_escape_buf() appends what mx_escape()
 *     returns.
 * Corpus: tests/fuzz/corpus/escape/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Un-escape s (n octets) into out; returns the count, traps on a form
 * escape.h does not produce. */
static size_t unescape(const char *s, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		if (s[i] != '\\') {
			out[o++] = (uint8_t)s[i++];
			continue;
		}
		CHECK(n - i >= 2);
		switch (s[i + 1]) {
		case '\\':
			out[o++] = '\\';
			i += 2;
			break;
		case 't':
			out[o++] = '\t';
			i += 2;
			break;
		case 'r':
			out[o++] = '\r';
			i += 2;
			break;
		case 'n':
			out[o++] = '\n';
			i += 2;
			break;
		case 'x': {
			int hi, lo;

			CHECK(n - i >= 4);
			hi = hexval(s[i + 2]);
			lo = hexval(s[i + 3]);
			CHECK(hi >= 0 && lo >= 0);
			out[o] = (uint8_t)(hi * 16 + lo);
			/* only bytes that are not kept as they are */
			CHECK(out[o] < 0x20 || out[o] >= 0x7f);
			CHECK(out[o] != '\t' && out[o] != '\r' &&
			      out[o] != '\n');
			o++;
			i += 4;
			break;
		}
		default:
			CHECK(0);
		}
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap, n, i, got;
	char *e, *str;
	uint8_t *back;
	struct mx_buf b;

	if (size < 1)
		return 0;
	cap = data[0];
	data++;
	size--;

	e = mx_escape(data, size, cap);
	CHECK(e != NULL);
	n = strlen(e);
	for (i = 0; i < n; i++)
		CHECK(e[i] >= 0x20 && e[i] < 0x7f);
	back = malloc(n + 1);
	CHECK(back != NULL);
	if (cap == 0) {
		got = unescape(e, n, back);
		CHECK(got == size);
		CHECK(size == 0 || memcmp(back, data, size) == 0);
	} else {
		int cut = n >= 3 && memcmp(e + n - 3, "...", 3) == 0;

		CHECK(n <= cap + 3);
		/* a cut result un-escapes (without its "...") to a prefix;
		 * an input that ends in "..." may look cut and is a prefix
		 * of itself either way */
		got = unescape(e, cut ? n - 3 : n, back);
		CHECK(got <= size);
		CHECK(got == 0 || memcmp(back, data, got) == 0);
		if (!cut)
			CHECK(got == size);
	}

	/* mx_escape_buf appends exactly what mx_escape gives */
	mx_buf_init(&b, 0);
	mx_buf_push(&b, "ab", 2);
	mx_escape_buf(&b, data, size, cap);
	CHECK(!b.err);
	CHECK(b.len == n + 2 && memcmp(b.p + 2, e, n) == 0);
	mx_buf_free(&b);

	/* mx_is_clean on the NUL-free prefix */
	str = malloc(size + 1);
	CHECK(str != NULL);
	if (size)
		memcpy(str, data, size);
	str[size] = '\0';
	{
		char *es = mx_escape_str(str, 0);

		CHECK(mx_is_clean(str) == (strcmp(es, str) == 0));
		free(es);
	}
	free(str);
	free(back);
	free(e);
	return 0;
}
