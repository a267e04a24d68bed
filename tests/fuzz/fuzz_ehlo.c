/*
 * fuzz_ehlo.c - fuzz target for EHLO keyword parsing (wire/smtp.c).
 *
 * Two passes over one input:
 *   1. the input as a raw server reply (realistic EHLO replies in the
 *      corpus), parsed by the reply parser, then mx_smtp_parse_ehlo();
 *   2. each LF-separated input line (a trailing CR and a "250-"/"250 "
 *      prefix dropped) wrapped into a well-formed 250 reply, so that
 *      mutations of the keyword text reach mx_smtp_parse_ehlo() even when
 *      they would break the reply grammar.
 * The result must keep the contract of struct mx_smtp_ehlo: only known
 * flag bits, size 0 without SIZE, an AUTH list of whole [A-Z0-9_-]
 * mechanisms separated by single spaces, NUL-terminated within `auth`.
 * Corpus: tests/fuzz/corpus/ehlo/.
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

/* Lines longer than the reply parser's limit are cut in pass 2. */
#define WRAP_MAX (MX_SMTP_MAX_REPLY_BYTES - 64)

static void check_ehlo(const struct mx_smtp_reply *r)
{
	struct mx_smtp_ehlo e;
	size_t i, n, w;

	memset(&e, 0x5a, sizeof(e));
	mx_smtp_parse_ehlo(r, &e);
	n = strnlen(e.auth, sizeof(e.auth));
	CHECK(n < sizeof(e.auth));
	for (i = 0, w = 0; i < n; i++) {
		char c = e.auth[i];

		if (c == ' ') {
			CHECK(w >= 1 && w <= 20);
			w = 0;
			continue;
		}
		CHECK((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_');
		w++;
	}
	CHECK(n == 0 || (w >= 1 && w <= 20));
	if (!(e.flags & MX_SMTP_CAP_AUTH))
		CHECK(n == 0);
	if (!(e.flags & MX_SMTP_CAP_SIZE))
		CHECK(e.size == 0);
	if (r->status != MX_SMTP_DONE || r->code != 250 || r->nlines < 2)
		CHECK(e.flags == 0);
	for (i = 0; i < 32; i++)
		if (e.flags & (1u << i))
			CHECK(mx_smtp_cap_name(1u << i) != NULL);
}

static void parse_and_check(const uint8_t *p, size_t len)
{
	struct mx_smtp_reply r;
	size_t used;

	mx_smtp_reply_init(&r);
	(void)mx_smtp_reply_feed(&r, p, len, &used);
	CHECK(used <= len);
	check_ehlo(&r);
	mx_smtp_reply_free(&r);
}

/* Pass 2: "250-fuzz\r\n" then one "250-" line per input line. */
static void wrapped(const uint8_t *data, size_t size)
{
	uint8_t *out = malloc(WRAP_MAX + 64);
	size_t n = 0, start = 0, i;

	if (out == NULL)
		return;
	memcpy(out, "250-fuzz\r\n", 10);
	n = 10;
	for (i = 0; i <= size; i++) {
		size_t len;
		const uint8_t *line;

		if (i < size && data[i] != '\n')
			continue;
		line = data + start;
		len = i - start;
		start = i + 1;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len >= 4 && line[0] == '2' && line[1] == '5' &&
		    line[2] == '0' && (line[3] == '-' || line[3] == ' ')) {
			line += 4;
			len -= 4;
		}
		if (len > MX_SMTP_MAX_LINE - 6)
			len = MX_SMTP_MAX_LINE - 6;
		if (n + len + 6 > WRAP_MAX)
			break;
		memcpy(out + n, "250-", 4);
		memcpy(out + n + 4, line, len);
		memcpy(out + n + 4 + len, "\r\n", 2);
		n += len + 6;
	}
	memcpy(out + n, "250 end\r\n", 9);
	n += 9;
	{
		struct mx_smtp_reply r;
		size_t used;

		mx_smtp_reply_init(&r);
		/* a line could hold an LF-less CR run, but never an LF: the
		 * reply is complete unless it has too many lines */
		(void)mx_smtp_reply_feed(&r, out, n, &used);
		CHECK(r.status == MX_SMTP_DONE ||
		      r.status == MX_SMTP_TOO_MANY_LINES ||
		      r.status == MX_SMTP_TOO_BIG);
		check_ehlo(&r);
		mx_smtp_reply_free(&r);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t empty[1];

	if (data == NULL)
		data = empty;
	parse_and_check(data, size);
	wrapped(data, size);
	return 0;
}
