/*
 * fuzz_spool.c - fuzz target for the spool file parser (relay/spool.h,
 * mx_spool_parse).
 *
 * A spool file is read back after a crash, a full disk or a hand edit, so
 * its parser gets the same treatment as a network parser.  Checked: a
 * parsed envelope respects the limits and holds no control characters,
 * the message lies inside the input, and re-encoding the result gives a
 * file that parses to the same thing.  Checksums stop most mutations
 * early, so the corpus also holds files whose structure is damaged but
 * whose checksum is right (the parser checks structure first).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static void clean(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL)
		return;
	for (; s[n]; n++)
		CHECK((unsigned char)s[n] >= 0x20 && s[n] != 0x7f);
	CHECK(n <= max);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *id = "0000673c61a0-000001-0a0b0c0d";
	struct mx_envelope env, again;
	struct mx_spool_diag d;
	const uint8_t *msg, *msg2;
	size_t mlen, mlen2, flen, i;
	uint8_t *file;

	if (mx_spool_parse(data, size, NULL, &env, &msg, &mlen, &d) !=
	    MX_SPOOL_OK) {
		CHECK(env.from == NULL && env.nrcpts == 0 && msg == NULL);
		return 0;
	}
	CHECK(msg >= data && mlen <= size && msg + mlen <= data + size);
	CHECK(env.nrcpts >= 1 && env.nrcpts <= MX_SPOOL_MAX_RCPTS);
	clean(env.from, MX_SPOOL_MAX_ADDR);
	for (i = 0; i < env.nrcpts; i++)
		clean(env.rcpts[i], MX_SPOOL_MAX_ADDR);
	clean(env.next_hop, MX_SPOOL_MAX_HOP);
	clean(env.policy, MX_SPOOL_MAX_POLICY);
	clean(env.last_error, MX_SPOOL_MAX_TEXT);
	clean(env.dead_reason, MX_SPOOL_MAX_TEXT);
	/* Re-encode (a next hop with user information is refused there,
	 * and negative/huge creation times: both are fine outcomes). */
	if (mx_spool_encode(&env, id, msg, mlen, &file, &flen, &d) ==
	    MX_SPOOL_OK) {
		CHECK(mx_spool_parse(file, flen, id, &again, &msg2, &mlen2,
				     &d) == MX_SPOOL_OK);
		CHECK(mlen2 == mlen && memcmp(msg2, msg, mlen) == 0);
		CHECK(again.nrcpts == env.nrcpts);
		CHECK(strcmp(again.from, env.from) == 0);
		CHECK(again.attempts == env.attempts);
		CHECK(again.created == env.created);
		mx_envelope_clear(&again);
		free(file);
	}
	mx_envelope_clear(&env);
	return 0;
}
