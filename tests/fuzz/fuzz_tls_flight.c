/*
 * fuzz_tls_flight.c - fuzz target for the server flight parser
 * (wire/tls_flight.c).
 *
 * The input is what a server might answer to our ClientHello.  It is
 * parsed twice: in one piece, and in chunks whose sizes come from a PRNG
 * seeded with a hash of the input (so split records and split handshake
 * messages are explored).  Both runs must reach the same status, and on
 * DONE or ALERT the same consumption and the same key facts; every result
 * must keep the parser's contract (final status after EOF, consumption
 * within the input, limits on certificates, DH and EC values present when
 * their kind says so).  A DHE p is also looked up in the DH registry.
 * Corpus: tests/fuzz/corpus/tls_flight/ (real s_server flights and
 * crafted edge cases).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/tls_flight.h"
#include "wire/tls_registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

static size_t next_chunk(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	switch ((*s >> 60) & 3) {
	case 0:
		return 1;
	case 1:
		return 1 + (size_t)((*s >> 33) % 8);
	case 2:
		return 1 + (size_t)((*s >> 33) % 300);
	default:
		return 1 + (size_t)((*s >> 33) % 20000);
	}
}

/* Feed data in chunks (0: one piece), then EOF; return the handle. */
static struct mx_flight *run(const uint8_t *data, size_t size, uint64_t seed,
			     size_t *used)
{
	struct mx_flight *f = mx_flight_new();
	enum mx_flight_status st = MX_FLIGHT_MORE;
	size_t off = 0;

	*used = 0;
	while (off < size && st == MX_FLIGHT_MORE) {
		size_t k = seed ? next_chunk(&seed) : size, u;

		if (k > size - off)
			k = size - off;
		st = mx_flight_feed(f, data + off, k, &u);
		CHECK(u <= k);
		CHECK(st != MX_FLIGHT_MORE || u == k);
		*used += u;
		off += k;
	}
	if (st == MX_FLIGHT_MORE) {
		st = mx_flight_eof(f);
		CHECK(st == MX_FLIGHT_TRUNCATED || st == MX_FLIGHT_EMPTY);
		CHECK((st == MX_FLIGHT_EMPTY) == (size == 0));
	}
	CHECK(st != MX_FLIGHT_MORE);
	CHECK(mx_flight_facts(f)->status == st);
	return f;
}

static void contract(const struct mx_flight_facts *x, size_t size)
{
	size_t i;

	CHECK(x->bytes <= size);
	CHECK(x->head_len <= MX_FLIGHT_HEAD && x->head_len <= size);
	CHECK(x->ncerts <= MX_FLIGHT_MAX_CERTS);
	for (i = 0; i < x->ncerts; i++)
		CHECK(x->certs[i].p != NULL && x->certs[i].len > 0);
	CHECK(x->sh.session_id_len <= 32);
	CHECK(x->sh.alpn_len <= 255);
	CHECK(x->sh.next <= MX_FLIGHT_MAX_EXTS);
	if (x->status == MX_FLIGHT_DONE) {
		CHECK(x->sh.seen);
		CHECK(x->has_done || x->sh.version >= MX_TLS13 || x->sh.hrr);
	}
	if (x->status == MX_FLIGHT_ALERT)
		CHECK(x->alert);
	if (x->status != MX_FLIGHT_MORE && x->status != MX_FLIGHT_DONE &&
	    x->status != MX_FLIGHT_EMPTY)
		CHECK(x->detail[0] != 0);
	if (x->ske.kind == MX_SKE_DHE && x->status == MX_FLIGHT_DONE) {
		CHECK(x->ske.dh_p.len > 0 && x->ske.dh_g.len > 0 &&
		      x->ske.dh_ys.len > 0);
		CHECK(x->ske.dh_bits <= 8 * x->ske.dh_p.len);
		(void)mx_dh_prime_by_p(x->ske.dh_p.p, x->ske.dh_p.len);
	}
	if (x->ske.kind == MX_SKE_ECDHE && x->status == MX_FLIGHT_DONE)
		CHECK(x->ske.curve_type == 3 && x->ske.point.len > 0);
	if (x->alert)
		(void)mx_tls_alert_name(x->alert_desc);
	(void)mx_flight_status_name(x->status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seed = 1469598103934665603ull;
	struct mx_flight *a, *b;
	const struct mx_flight_facts *x, *y;
	size_t i, ua, ub;

	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 1099511628211ull;
	a = run(data, size, 0, &ua);
	b = run(data, size, seed | 1, &ub);
	x = mx_flight_facts(a);
	y = mx_flight_facts(b);
	contract(x, size);
	contract(y, size);
	CHECK(x->status == y->status);
	if (x->status == MX_FLIGHT_DONE || x->status == MX_FLIGHT_ALERT) {
		CHECK(ua == ub);
		CHECK(x->sh.suite == y->sh.suite);
		CHECK(x->sh.version == y->sh.version);
		CHECK(x->ncerts == y->ncerts);
		for (i = 0; i < x->ncerts; i++)
			CHECK(x->certs[i].len == y->certs[i].len &&
			      memcmp(x->certs[i].p, y->certs[i].p,
				     x->certs[i].len) == 0);
		CHECK(x->ske.kind == y->ske.kind);
		CHECK(x->ske.dh_p.len == y->ske.dh_p.len);
		CHECK(x->alert_desc == y->alert_desc);
	}
	mx_flight_free(a);
	mx_flight_free(b);
	return 0;
}
