/*
 * fuzz_tls_gnutls.c - the GnuTLS backend (probe/tls_gnutls.c) fed
 * arbitrary server bytes after its ClientHello.
 *
 * What is under test is our side: the input buffer and its cap, the
 * first-flight observer (wire/tls_flight.h) that keeps version, suite and
 * ServerKeyExchange facts of a failed handshake, the failure
 * classification, the alert we send back, facts() on whatever state
 * GnuTLS ends in (chain, verification, temp key), and read() after it.
 * The first input byte splits the rest into two pushes, so records cut
 * at any point are covered.  Seeds: real server flights
 * (tests/data/tls), an alert, SMTP text.
 *
 * Nothing is loaded per input: the session is created with
 * no_trust_store, so verification runs against an empty store (issuer
 * unknown) instead of parsing the system store (about 150 certificates,
 * ~50 ms) for every input - that alone held the target at 10-17
 * executions/s.  Chain verification against a real root is the unit
 * test's business (tests/unit/test_tls_gnutls.c), not the fuzzer's.
 */
#include <stddef.h>
#include <stdint.h>

#include "model/result.h"
#include "probe/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mx_tls_backend *b = &mx_tls_gnutls;
	/* Two cheap EC key shares keep each run fast (no finite-field
	 * key share to generate); DHE suites are still offered.  No trust
	 * store: nothing is read from disk per input. */
	struct mx_tls_params p = {
		.security_level = -1,
		.sni = "mx1.lab.test",
		.priority = "NORMAL:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1",
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
