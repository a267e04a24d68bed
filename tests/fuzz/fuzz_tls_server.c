/*
 * fuzz_tls_server.c - the relay's server-side TLS (relay/tls_server.c,
 * over the memory-BIO core probe/tls_membio.c) fed arbitrary client bytes
 * after STARTTLS: a ClientHello and whatever follows it.
 *
 * What is under test is our side: the input cap of push, the handshake,
 * read and shutdown driven on whatever state OpenSSL ends in, the error
 * text (escaped, one line), version() and cipher() after a failure, and
 * mx_tls_server_free() on every state (LeakSanitizer).  The first input
 * byte splits the rest into two pushes, so records cut at any point are
 * covered.
 *
 * The server context (certificate and key, tests/data/certs/ec256.*) is
 * loaded once, in LLVMFuzzerInitialize - the harness's one-time setup,
 * the only mutable static of the target; each input gets a fresh session.
 * The data directory is $TEST_DATA_DIR (make check) or the source tree's
 * tests/data (FUZZ_DATA_DIR, compiled in).  Seeds:
 * tests/fuzz/corpus/tls_server/ (TLS 1.2 and 1.3 ClientHellos, SMTP
 * text, an alert, HTTP).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay/tls_server.h"

#ifndef FUZZ_DATA_DIR
#define FUZZ_DATA_DIR "tests/data"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static struct mx_tls_server_ctx *server_ctx; /* one-time setup */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char cert[1024], key[1024], err[256];

	(void)argc;
	(void)argv;
	if (dir == NULL || *dir == '\0')
		dir = FUZZ_DATA_DIR;
	snprintf(cert, sizeof(cert), "%s/certs/ec256.pem", dir);
	snprintf(key, sizeof(key), "%s/certs/ec256.key", dir);
	server_ctx = mx_tls_server_ctx_new(cert, key, err, sizeof(err));
	if (server_ctx == NULL) {
		/* a target that fuzzes nothing must not pass */
		fprintf(stderr, "fuzz_tls_server: %s\n", err);
		abort();
	}
	return 0;
}

static void check_line(const char *s)
{
	if (s == NULL)
		return;
	for (; *s; s++)
		CHECK((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_tls_server *s;
	uint8_t out[4096], buf[512];
	size_t cut, got = 0;
	int i;

	if (server_ctx == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	s = mx_tls_server_new(server_ctx, NULL, 0);
	if (s == NULL)
		return 0;
	cut = size > 0 ? data[0] : 0;
	if (size > 0) {
		data++;
		size--;
	}
	if (cut > size)
		cut = size;
	(void)mx_tls_server_push(s, data, cut);
	(void)mx_tls_server_handshake(s);
	while (mx_tls_server_pull(s, out, sizeof(out)) > 0)
		;
	(void)mx_tls_server_push(s, data + cut, size - cut);
	for (i = 0; i < 4; i++) {
		enum mx_tls_io r = mx_tls_server_handshake(s);

		while (mx_tls_server_pull(s, out, sizeof(out)) > 0)
			;
		if (r != MX_TLS_IO_WANT_READ)
			break;
	}
	(void)mx_tls_server_read(s, buf, sizeof(buf), &got);
	CHECK(got <= sizeof(buf));
	check_line(mx_tls_server_error(s));
	check_line(mx_tls_server_version(s));
	check_line(mx_tls_server_cipher(s));
	mx_tls_server_shutdown(s);
	while (mx_tls_server_pull(s, out, sizeof(out)) > 0)
		;
	mx_tls_server_free(s);
	return 0;
}
