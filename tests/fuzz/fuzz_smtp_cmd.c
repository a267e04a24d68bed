/*
 * fuzz_smtp_cmd.c - fuzz target for wire/smtp_data: the server-side
 * command reader and parser, the DATA reader, and dot-stuffing.
 *
 * The input is used three ways: fed to the command reader in chunks whose
 * sizes come from the input itself (so line splitting is exercised), fed
 * to the DATA reader the same way, and dot-stuffed then read back, which
 * must give the input back with CRLF line ends (or a refusal for NUL and
 * over-long lines).  Any broken invariant traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "wire/smtp_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static size_t chunk_size(const uint8_t *data, size_t size, size_t off)
{
	return size ? 1 + data[off % size] % 64 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_smtp_cmd_reader r;
	struct mx_smtp_data_reader dr;
	struct mx_smtp_cmd cmd;
	struct mx_buf out, back;
	struct mx_data_stats st;
	size_t off = 0, used;
	enum mx_data_status ds;

	/* One whole line. */
	(void)mx_smtp_cmd_parse(data, size, &cmd);
	CHECK(cmd.arglen < sizeof(cmd.arg));
	CHECK(memchr(cmd.detail, 0, sizeof(cmd.detail)) != NULL);

	/* The command reader, in chunks. */
	mx_smtp_cmd_reader_init(&r);
	while (off < size) {
		size_t n = chunk_size(data, size, off);
		enum mx_cmd_status cs;

		if (n > size - off)
			n = size - off;
		cs = mx_smtp_cmd_feed(&r, data + off, n, &used, &cmd);
		CHECK(used <= n);
		CHECK(cs != MX_CMD_MORE || used == n);
		CHECK(cs == MX_CMD_MORE || used > 0);
		CHECK(mx_smtp_cmd_reader_pending(&r) <= MX_SMTP_CMD_MAX_LINE);
		off += used;
	}

	/* The DATA reader, in chunks, with a small size limit. */
	mx_buf_init(&out, 0);
	mx_smtp_data_reader_init(&dr, 4096, 0);
	off = 0;
	ds = MX_DATA_MORE;
	while (off < size && ds == MX_DATA_MORE) {
		size_t n = chunk_size(data, size, off + 1);

		if (n > size - off)
			n = size - off;
		ds = mx_smtp_data_feed(&dr, data + off, n, &used, &out);
		CHECK(used <= n);
		off += used;
	}
	CHECK(ds == MX_DATA_MORE || ds == MX_DATA_OK || out.len == 0);
	CHECK(out.len <= 4096);
	mx_buf_free(&out);

	/* Stuff, then read back: the same message, CRLF line ends. */
	mx_buf_init(&out, 0);
	ds = mx_smtp_dot_stuff(data, size, 0, &out, &st);
	if (ds == MX_DATA_OK) {
		mx_buf_init(&back, 0);
		mx_smtp_data_reader_init(&dr, 0, 0);
		CHECK(mx_smtp_data_feed(&dr, out.p, out.len, &used, &back) ==
		      MX_DATA_OK);
		CHECK(used == out.len);
		CHECK(back.len == st.octets);
		CHECK(dr.st.stuffed == st.stuffed);
		mx_buf_free(&back);
	} else {
		CHECK(ds == MX_DATA_NUL || ds == MX_DATA_LINE_TOO_LONG);
	}
	mx_buf_free(&out);
	return 0;
}
