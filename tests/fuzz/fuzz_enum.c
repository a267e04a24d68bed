/*
 * fuzz_enum.c - fuzz target for the enumeration plan (probe/enum.c, part
 * 1) driven by arbitrary server flights: the bytes a server answers go
 * through the flight parser (wire/tls_flight.c), are classified into an
 * answer (mx_enum_classify) and fed to the chain that asked - the same
 * path the enumerator takes, minus the sockets.
 *
 * Input:  byte 0  flags (bit 0: no order check, bit 1: no group loop)
 *         byte 1  versions (5 bits; 0: all)
 *         then steps: u8 chain selector, u16 length, that many bytes of
 *         server answer, u8 split point (the answer arrives in two
 *         pieces), repeated.  When the input ends, the chains still
 *         running are aborted (as the enumerator does at its deadline).
 * Checks: every chain ends within its budget of answers (a plan that does
 * not terminate is a bug); every pick was offered in the hello that got
 * it, once; offers are never empty; the shared state is released (no
 * prober left once every chain is done); the split chunk sizes are the
 * documented ones.
 * Corpus: tests/fuzz/corpus/enum/ (ServerHello flights for TLS 1.2 and
 * a HelloRetryRequest for TLS 1.3, alerts, FIN).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/enum.h"
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

/* A chain never needs more answers than suites + groups + a few. */
#define BUDGET (MX_ENUM_MAX_OFFER + MX_ENUM_MAX_GROUPS + 16)

/* The raw engine's mapping of a final flight status (rawhello.c). */
static enum mx_raw_reaction reaction_of(enum mx_flight_status st)
{
	switch (st) {
	case MX_FLIGHT_DONE:
		return MX_RAW_FLIGHT;
	case MX_FLIGHT_ALERT:
		return MX_RAW_ALERT;
	case MX_FLIGHT_NOT_TLS:
		return MX_RAW_NOT_TLS;
	case MX_FLIGHT_EMPTY:
		return MX_RAW_FIN;
	default:
		return MX_RAW_BROKEN;
	}
}

static int in(const uint16_t *v, size_t n, uint16_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_enum_shared sh;
	struct mx_enum_chain *ch;
	size_t answers[MX_EV__N] = {0};
	int active[MX_EV__N] = {0};
	unsigned flags, vers;
	size_t off = 2, i;
	int v, left;

	if (size < 2)
		return 0;
	flags = data[0] & 3u;
	vers = data[1] & 0x1fu;
	if (vers == 0)
		vers = 0x1f;
	ch = calloc(MX_EV__N, sizeof(*ch));
	CHECK(ch != NULL);
	mx_enum_shared_init(&sh);
	if (!(vers & (1u << MX_EV_TLS13)))
		sh.tls13 = 0;
	for (v = 0; v < MX_EV__N; v++)
		if (vers & (1u << v)) {
			mx_enum_chain_init(&ch[v], v, &sh, flags, NULL, 0, NULL,
					   0);
			active[v] = 1;
		}
	while (off + 3 <= size) {
		struct mx_offer o[MX_EV__N];
		int ready[MX_EV__N], nready = 0, pick;
		size_t len, cut, used = 0;
		struct mx_flight *f;
		struct mx_raw_result r;
		struct mx_answer a;
		enum mx_flight_status st;
		char why[200];
		uint16_t offered[MX_ENUM_MAX_OFFER];
		size_t noffered;

		for (v = 0; v < MX_EV__N; v++) {
			enum mx_chain_step s;

			ready[v] = 0;
			if (!active[v])
				continue;
			s = mx_enum_chain_next(&ch[v], &o[v]);
			if (s == MX_CHAIN_DONE) {
				active[v] = 0;
				continue;
			}
			if (s == MX_CHAIN_OFFER) {
				CHECK(o[v].nsuites > 0);
				CHECK(o[v].nsuites <= MX_ENUM_MAX_OFFER);
				CHECK(o[v].ver == (enum mx_enum_ver)v);
				if (o[v].purpose == MX_OFFER_SUITES &&
				    ch[v].chunk != 0)
					CHECK(ch[v].chunk ==
						      MX_ENUM_BIG_OFFER ||
					      ch[v].chunk == MX_ENUM_SPLIT_MIN);
				ready[v] = 1;
				nready++;
			}
		}
		if (nready == 0)
			break; /* all done, or all waiting: stop feeding */
		pick = data[off] % nready;
		for (v = 0; v < MX_EV__N; v++)
			if (ready[v] && pick-- == 0)
				break;
		len = ((size_t)data[off + 1] << 8) | data[off + 2];
		off += 3;
		if (len > size - off)
			len = size - off;
		cut = off + len < size ? data[off + len] : 0;
		cut = len ? cut % (len + 1) : 0;
		noffered = o[v].nsuites;
		memcpy(offered, o[v].suites, noffered * sizeof(*offered));

		f = mx_flight_new();
		st = mx_flight_feed(f, data + off, cut, &used);
		if (st == MX_FLIGHT_MORE) {
			size_t used2 = 0;

			CHECK(used <= cut);
			st = mx_flight_feed(f, data + off + used, len - used,
					    &used2);
		}
		if (st == MX_FLIGHT_MORE)
			st = mx_flight_eof(f);
		CHECK(st != MX_FLIGHT_MORE);
		memset(&r, 0, sizeof(r));
		r.reaction = reaction_of(st);
		r.flight = mx_flight_facts(f);
		snprintf(r.detail, sizeof(r.detail), "%s",
			 mx_flight_status_name(st));
		CHECK(mx_enum_classify(v, &r, &a, why, sizeof(why)) == 0);
		if (a.kind == MX_ANS_PICK && in(offered, noffered, a.suite) &&
		    o[v].purpose == MX_OFFER_SUITES)
			CHECK(!in(ch[v].picks, ch[v].npicks, a.suite));
		mx_enum_chain_answer(&ch[v], &a);
		mx_flight_free(f);
		CHECK(++answers[v] <= BUDGET);
		/* a pick of the suite loop was offered, and is kept once */
		for (i = 1; i < ch[v].npicks; i++)
			CHECK(!in(ch[v].picks, i, ch[v].picks[i]));
		off += len + (off + len < size ? 1 : 0);
	}
	/* The input is over: what still runs is aborted. */
	for (v = 0, left = 0; v < MX_EV__N; v++) {
		struct mx_offer o;

		if (!active[v])
			continue;
		mx_enum_chain_abort(&ch[v], "input over");
		CHECK(mx_enum_chain_next(&ch[v], &o) == MX_CHAIN_DONE);
		CHECK(ch[v].incomplete || ch[v].state != -1 ||
		      ch[v].npicks == 0);
		left++;
	}
	(void)left;
	CHECK(sh.prober == 0);
	for (v = 0; v < MX_EV__N; v++) {
		CHECK(ch[v].npicks <= ch[v].nall);
		CHECK(ch[v].state != 1 || ch[v].npicks > 0);
	}
	free(ch);
	return 0;
}
