/*
 * fuzz_tls_openssl.c - the OpenSSL backend (probe/tls_openssl.c, over the
 * memory-BIO core probe/tls_membio.c) fed arbitrary server bytes after
 * its ClientHello.
 *
 * What is under test is our side, as in fuzz_tls_gnutls.c: the input cap
 * of push_input, the info callback that keeps the first alert read and
 * written, the verify callback, the failure classification and its
 * escaped detail, facts() on whatever state OpenSSL ends in (chain as
 * sent decoded by probe/x509.c, temp key, version, suite), read() after
 * a failed or finished handshake, and session_free() on every state
 * (LeakSanitizer).  The first input byte splits the rest into two pushes,
 * so records cut at any point are covered.
 *
 * Nothing is loaded per input: no_trust_store (the system store costs
 * ~30 ms per session), two EC groups only (no finite-field key share).
 * Seeds: tests/fuzz/corpus/tls_openssl/ (server flights, an alert, SMTP
 * text, HTTP text).
 */
#include <stddef.h>
#include <stdint.h>

#include "model/result.h"
#include "probe/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The standalone driver (make check) runs fewer mutations of this slow
 * target (tests/fuzz/driver.c). */
const unsigned long fuzz_driver_iterations = 2000;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mx_tls_backend *b = &mx_tls_openssl;
	struct mx_tls_params p = {.security_level = -1,
				  .sni = "mx1.lab.test",
				  .groups = "X25519:P-256",
				  .no_trust_store = 1};
	struct mx_tls_session *s;
	struct mx_tls t = {0};
	uint8_t out[4096], buf[512];
	size_t cut, got = 0;
	int i;

	s = b->session_new(&p, NULL, 0);
	if (s == NULL)
		return 0;
	(void)b->handshake(s); /* the ClientHello */
	while (b->pull_output(s, out, sizeof(out)) > 0)
		;
	cut = size > 0 ? data[0] : 0;
	if (size > 0) {
		data++;
		size--;
	}
	if (cut > size)
		cut = size;
	(void)b->push_input(s, data, cut);
	(void)b->handshake(s);
	(void)b->push_input(s, data + cut, size - cut);
	for (i = 0; i < 4; i++) {
		enum mx_tls_io r = b->handshake(s);

		while (b->pull_output(s, out, sizeof(out)) > 0)
			;
		if (r != MX_TLS_IO_WANT_READ)
			break;
	}
	b->facts(s, &t);
	(void)b->read(s, buf, sizeof(buf), &got);
	b->facts(s, &t); /* twice: replaces, never leaks */
	mx_tls_clear(&t);
	b->session_free(s);
	return 0;
}
