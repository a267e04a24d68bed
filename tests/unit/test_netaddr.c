/*
 * test_netaddr.c - relay/netaddr: client networks (--allow), the listen
 * address (--listen), socket addresses as text, and the local address
 * towards a peer.
 *
 * Parsers get valid and malformed input (host bits set, prefixes and
 * ports out of range or too long, missing brackets, names instead of
 * addresses), every octet value in a prefix and a port, and output
 * buffers too small.  The local address is asked for loopback only (a
 * UDP connect sends nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "relay/netaddr.h"

/* ---- parsers of --allow and --listen ---------------------------------- */

static void test_net_parse(void **state)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
		{"127.0.0.0/8", 1},
		{"10.1.2.3", 1},
		{"::1", 1},
		{"[::1]", 1},
		{"[2001:db8::]/32", 1},
		{"0.0.0.0/0", 1},
		{"::/0", 1},
		{"127.0.0.1/8", 0},
		{"10.0.0.0/33", 0},
		{"::1/129", 0},
		{"10.0.0.0/", 0},
		{"/8", 0},
		{"", 0},
		{"10.0.0.0/8x", 0},
		{"10.0.0.0/-1", 0},
		{"localhost", 0},
		{"1.2.3", 0},
		{"[10.0.0.1", 0},
		{"10.0.0.0/0008", 0},
		{"2001:db8::1/32", 0},
	};
	struct mx_net n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = mx_net_parse(cases[i].s, &n);

		if ((r == 0) != cases[i].ok)
			fail_msg("%s: got %d", cases[i].s, r);
	}
}

static void test_net_match(void **state)
{
	struct mx_net nets[3];
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	(void)state;
	assert_int_equal(mx_net_loopback(nets), 2);
	assert_int_equal(mx_net_parse("192.0.2.128/25", &nets[2]), 0);
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "127.9.8.7", &s4.sin_addr);
	assert_true(mx_net_match(nets, 3, (struct sockaddr *)&s4));
	inet_pton(AF_INET, "128.0.0.1", &s4.sin_addr);
	assert_false(mx_net_match(nets, 3, (struct sockaddr *)&s4));
	inet_pton(AF_INET, "192.0.2.200", &s4.sin_addr);
	assert_true(mx_net_match(nets, 3, (struct sockaddr *)&s4));
	inet_pton(AF_INET, "192.0.2.127", &s4.sin_addr);
	assert_false(mx_net_match(nets, 3, (struct sockaddr *)&s4));
	assert_false(mx_net_match(nets, 2, (struct sockaddr *)&s4));
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	assert_true(mx_net_match(nets, 2, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "::2", &s6.sin6_addr);
	assert_false(mx_net_match(nets, 2, (struct sockaddr *)&s6));
	/* IPv4-mapped IPv6 is matched as IPv4. */
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
	assert_true(mx_net_match(nets, 2, (struct sockaddr *)&s6));
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &s6.sin6_addr);
	assert_false(mx_net_match(nets, 2, (struct sockaddr *)&s6));
	/* An empty list allows nobody. */
	assert_false(mx_net_match(nets, 0, (struct sockaddr *)&s6));
}

static void test_listen_parse(void **state)
{
	static const struct {
		const char *s;
		const char *addr;
		unsigned port;
	} cases[] = {
		{"127.0.0.1:2525", "127.0.0.1", 2525},
		{"[::1]:25", "::1", 25},
		{"0.0.0.0:65535", "0.0.0.0", 65535},
		{"127.0.0.1:0", NULL, 0},
		{"127.0.0.1:65536", NULL, 0},
		{"127.0.0.1", NULL, 0},
		{"127.0.0.1:", NULL, 0},
		{":25", NULL, 0},
		{"::1:25", NULL, 0},
		{"[::1]25", NULL, 0},
		{"[::1:25", NULL, 0},
		{"localhost:25", NULL, 0},
		{"127.0.0.1:25x", NULL, 0},
		{"127.0.0.1:-1", NULL, 0},
		{"127.0.0.1:0000025", NULL, 0},
	};
	char addr[64];
	uint16_t port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = mx_listen_parse(cases[i].s, addr, sizeof(addr), &port);

		if (cases[i].addr == NULL) {
			if (r == 0)
				fail_msg("%s: accepted", cases[i].s);
			continue;
		}
		if (r != 0)
			fail_msg("%s: refused", cases[i].s);
		assert_string_equal(addr, cases[i].addr);
		assert_int_equal(port, cases[i].port);
	}
	/* Too small an output buffer is refused, not overrun. */
	assert_int_equal(mx_listen_parse("127.0.0.1:25", addr, 5, &port), -1);
}

/* Every octet value as the last character of a prefix and of a port. */
static void test_octet_sweep(void **state)
{
	char s[64];
	struct mx_net n;
	char addr[64];
	uint16_t port;
	int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		snprintf(s, sizeof(s), "0.0.0.0/%c", c);
		assert_int_equal(mx_net_parse(s, &n),
				 c >= '0' && c <= '9' ? 0 : -1);
		snprintf(s, sizeof(s), "127.0.0.1:2%c", c);
		assert_int_equal(mx_listen_parse(s, addr, sizeof(addr), &port),
				 c >= '0' && c <= '9' ? 0 : -1);
	}
}

static void test_sockaddr_text(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	char buf[INET6_ADDRSTRLEN];
	uint16_t port = 1;

	(void)state;
	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	s4->sin_port = htons(2525);
	inet_pton(AF_INET, "192.0.2.7", &s4->sin_addr);
	mx_sockaddr_text(&ss, buf, sizeof(buf), &port);
	assert_string_equal(buf, "192.0.2.7");
	assert_int_equal(port, 2525);
	mx_sockaddr_text(&ss, buf, sizeof(buf), NULL); /* no port wanted */
	assert_string_equal(buf, "192.0.2.7");

	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(25);
	inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
	mx_sockaddr_text(&ss, buf, sizeof(buf), &port);
	assert_string_equal(buf, "2001:db8::1");
	assert_int_equal(port, 25);

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	port = 1;
	mx_sockaddr_text(&ss, buf, sizeof(buf), &port);
	assert_string_equal(buf, "unknown");
	assert_int_equal(port, 0);
}

static void test_local_addr_for(void **state)
{
	char out[INET6_ADDRSTRLEN];

	(void)state;
	mx_local_addr_for("127.0.0.1", out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	mx_local_addr_for("127.0.0.37", out, sizeof(out));
	assert_string_equal(out, "127.0.0.1");
	/* not an address: no lookup, just "unknown" */
	mx_local_addr_for("localhost", out, sizeof(out));
	assert_string_equal(out, "unknown");
	mx_local_addr_for("", out, sizeof(out));
	assert_string_equal(out, "unknown");
	/* IPv6 loopback where the machine has it */
	mx_local_addr_for("::1", out, sizeof(out));
	assert_true(strcmp(out, "::1") == 0 || strcmp(out, "unknown") == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_parse),
		cmocka_unit_test(test_net_match),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_octet_sweep),
		cmocka_unit_test(test_sockaddr_text),
		cmocka_unit_test(test_local_addr_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
