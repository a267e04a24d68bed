/*
 * fuzz_destinations.c - fuzz target for the relay's configuration parsers:
 * the destination table (relay/workers.h mx_dest_parse), the retry
 * schedule (mx_retry_parse), durations, and the --allow / --listen
 * parsers of relay/listener.h.
 *
 * The whole input is a destination file; its first line (NUL-terminated
 * copy, capped) is also tried as a retry schedule, a duration, a client
 * network and a listen address.  A table that parses must keep its
 * invariants (lower-case domains, limits, "line N" in order), and every
 * row's domain must route back to that row.  Any broken invariant traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "relay/listener.h"
#include "relay/workers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static void check_table(const struct mx_dest_table *t)
{
	size_t i, j;

	CHECK(t->n <= MX_DEST_MAX_ROWS);
	for (i = 0; i < t->n; i++) {
		const struct mx_dest *d = &t->v[i];
		struct mx_route r;

		CHECK(d->domain != NULL);
		CHECK(d->nfp <= MX_DEST_MAX_FP);
		CHECK(d->max_conc <= MX_DEST_MAX_CONC);
		CHECK(d->auth >= -1 && d->auth <= 1);
		CHECK(i == 0 || d->line > t->v[i - 1].line);
		for (j = 0; d->domain[j]; j++)
			CHECK(!(d->domain[j] >= 'A' && d->domain[j] <= 'Z'));
		if (d->kind == MX_DEST_DOMAIN) {
			mx_route_for(t, "smtps://relay.test", MX_POLICY_MAY, 1,
				     d->domain, &r);
			CHECK(r.row == d);
			CHECK(r.nexthop != NULL && r.nexthop[0] != 0);
			CHECK(r.max_conc >= 1 &&
			      r.max_conc <= MX_DEST_MAX_CONC);
			CHECK(!d->has_policy || r.policy == d->policy);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_dest_table t;
	char err[256], line[300], addr[64];
	unsigned sched[MX_RETRY_MAX], dur;
	size_t n = 0;
	uint16_t port;
	struct mx_net net;

	err[0] = 0;
	if (mx_dest_parse(data, size, &t, err, sizeof(err)) == 0) {
		check_table(&t);
		mx_dest_table_free(&t);
	} else {
		CHECK(t.n == 0 && t.v == NULL);
		CHECK(memchr(err, 0, sizeof(err)) != NULL);
	}

	while (n < size && n < sizeof(line) - 1 && data[n] != '\n' &&
	       data[n] != 0)
		n++;
	memcpy(line, data, n);
	line[n] = 0;
	if (mx_retry_parse(line, sched, MX_RETRY_MAX, &n, err, sizeof(err)) ==
	    0) {
		CHECK(n >= 1 && n <= MX_RETRY_MAX);
		CHECK(sched[0] >= 1 && sched[n - 1] <= MX_RETRY_MAX_DELAY);
		CHECK(mx_retry_delay(sched, n, 1000) == sched[n - 1]);
	}
	if (mx_duration_parse(line, &dur) == 0)
		CHECK(dur >= 1 && dur <= 365u * 86400u);
	if (mx_net_parse(line, &net) == 0)
		CHECK((net.family == AF_INET && net.prefix <= 32) ||
		      (net.family == AF_INET6 && net.prefix <= 128));
	if (mx_listen_parse(line, addr, sizeof(addr), &port) == 0)
		CHECK(port != 0 && memchr(addr, 0, sizeof(addr)) != NULL);
	return 0;
}
