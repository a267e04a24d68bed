/*
 * fuzz_clients.c - client simulation, advice, findings and their text and
 * JSON rendering over arbitrary enumeration facts.
 *
 * The input describes a server as the enumeration would: per version a
 * state, an order flag and suites (code point, DH bits, a well-known
 * prime or not, a group index), accepted groups, an intolerance trigger
 * from a small table, and confirmation / advice results.  Whatever the
 * facts - unknown code points, impossible sizes, empty lists - the
 * prediction, the advice, the analyzer rule and both renderers must hold
 * (no crash, no leak, ASan/UBSan clean).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzers/analyze.h"
#include "analyzers/clients.h"
#include "common/cursor.h"
#include "model/enum.h"
#include "model/result.h"
#include "reports/clients.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const groups[] = {"x25519",	  "secp256r1",	"secp384r1",
				     "ffdhe2048", "ffdhe3072",	"x448",
				     "secp521r1", "nosuchgroup"};
static const char *const triggers[] = {
	"AES-GCM suites",
	"CHACHA20-POLY1305 suites",
	"AES-CCM suites",
	"TLS 1.3 suites",
	"TLS 1.3 offer (supported_versions, key_share)",
	"extension status_request",
	" suites",
	""};

/* Past the end the sticky cursor reads 0: fine for a fuzz input, whose
 * tail is simply "nothing more". */
static uint8_t u8(struct mx_cur *c)
{
	return mx_cur_u8(c);
}

static uint16_t u16(struct mx_cur *c)
{
	return mx_cur_u16(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_cur c;
	struct mx_endpoint ep;
	struct mx_analyze_params ap;
	struct mx_enum *e = mx_enum_new();
	FILE *devnull;
	json_t *j;
	size_t i, v, n;

	mx_cur_init(&c, data, size);
	for (v = 0; v < MX_EV__N; v++) {
		uint8_t st = u8(&c);

		e->v[v].state = (int)(st % 3) - 1;
		e->v[v].server_order = (int)((st >> 2) % 3) - 1;
		n = (st >> 4) % 8;
		for (i = 0; i < n; i++) {
			struct mx_enum_suite *s = mx_enum_add_suite(&e->v[v]);
			uint8_t f = u8(&c);

			s->id = u16(&c);
			s->rank = (int)i;
			s->kx_bits = (int)u16(&c);
			if (f & 1)
				s->dh_prime = strdup("RFC 2409 group 2");
			if (f & 2)
				s->group = strdup(groups[(f >> 2) % 8]);
			if (f & 0x20)
				s->openssl = strdup("SOME-OPENSSL-NAME");
		}
	}
	n = u8(&c) % 6;
	for (i = 0; i < n; i++) {
		struct mx_enum_group *g = mx_enum_add_group(e);

		g->id = u16(&c);
		g->kx_bits = (int)u8(&c) * 16;
	}
	if (u8(&c) & 1) {
		uint8_t t = u8(&c);

		e->intolerant = 1;
		e->intolerance_trigger = strdup(triggers[t % 8]);
		if (t & 8)
			e->intolerance_reaction =
				strdup("FIN after ClientHello");
		if (t & 16)
			e->intolerance_advice_openssl =
				strdup("DEFAULT:!AESGCM");
		e->intolerance_advice_ok = (int)((t >> 5) % 3) - 1;
	}
	mx_clients_simulate(e);
	for (i = 0; i < e->nclients; i++) {
		uint8_t r = u8(&c);

		e->clients[i].confirmed = (int)(r % 3) - 1;
		if (r & 4)
			e->clients[i].confirm_detail = strdup("detail");
		e->clients[i].advice_openssl_ok = (int)((r >> 3) % 3) - 1;
		e->clients[i].advice_gnutls_ok = (int)((r >> 5) % 3) - 1;
	}

	memset(&ep, 0, sizeof(ep));
	ep.host = strdup("mx.fuzz.invalid");
	ep.addr = strdup("192.0.2.1");
	ep.port = 25;
	ep.enumr = e;
	mx_analyze_params_init(&ap, 1700000000);
	mx_analyze_endpoint(&ep, &ap);
	devnull = fopen("/dev/null", "w");
	if (devnull != NULL) {
		(void)mx_report_clients(devnull, e);
		fclose(devnull);
	}
	j = json_object();
	if (j != NULL) {
		(void)mx_json_add_clients(j, e);
		json_decref(j);
	}
	mx_endpoint_clear(&ep);
	return 0;
}
