/*
 * test_tlsa.c - probe/tlsa.c: TLSA owner names, the DANE state of each
 * answer, RFC 7672 §2.2.1 (an insecure MX voids TLSA), callbacks only
 * from the loop.
 *
 * Without a resolver: the name table, a lookup with no mx_dns, and a
 * resolver on 127.0.0.1 that never answers (a UDP socket this program
 * binds and never reads) for FAILED.  With the lab's validating unbound
 * (tests/lab/lab.sh; MXPROBE_LAB_RESOLVER, MXPROBE_LAB_TRUST_ANCHOR,
 * MXPROBE_LAB_DOMAIN as in test_dns.c): _25._tcp.mx1 has "TLSA 3 1 1"
 * and "TLSA 2 1 1", mx3 has none.  Those cases skip when the lab
 * resolver does not answer, and fail instead under CI=true.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "model/result.h"
#include "probe/dns.h"
#include "probe/tlsa.h"

#define HANG_GUARD_S 30

struct lab {
	const char *resolver, *ta, *domain;
	int up;
};

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && v[0] ? v : dflt;
}

struct done {
	int calls;
	struct event_base *base;
};

static void on_done(void *arg, struct mx_tlsa_lookup *l)
{
	struct done *d = arg;

	assert_non_null(l);
	d->calls++;
	event_base_loopbreak(d->base);
}

static void add_ep(struct mx_target *t, const char *host, const char *addr,
		   uint16_t port)
{
	struct mx_endpoint *ep = mx_target_add_endpoint(t);

	ep->host = strdup(host);
	ep->addr = strdup(addr);
	ep->port = port;
}

/* Look up every endpoint of t; returns the lookup after `done` ran once. */
static struct mx_tlsa_lookup *
lookup(struct event_base *base, struct mx_dns *dns, const struct mx_target *t)
{
	struct done d = {0, base};
	struct mx_tlsa_lookup *l =
		mx_tlsa_lookup_new(base, dns, t, on_done, &d);

	assert_non_null(l);
	assert_int_equal(d.calls, 0); /* never from inside _new() */
	alarm(HANG_GUARD_S);
	event_base_dispatch(base);
	alarm(0);
	assert_int_equal(d.calls, 1);
	return l;
}

static struct mx_dns *new_dns(struct event_base *base, const char *resolver,
			      const char *ta, int timeout_ms)
{
	struct mx_dns_params p = {.resolver = resolver,
				  .trust_anchor = ta,
				  .timeout_ms = timeout_ms};
	char err[256] = "";
	struct mx_dns *dns = mx_dns_new(base, &p, err, sizeof(err));

	if (dns == NULL)
		print_message("mx_dns_new: %s\n", err);
	assert_non_null(dns);
	return dns;
}

/* ---- without a resolver ------------------------------------------------ */

static void test_qname(void **state)
{
	char big[300], out[300], tiny[8];

	(void)state;
	assert_int_equal(mx_tlsa_qname(out, sizeof(out), "mx1.lab.test", 25),
			 0);
	assert_string_equal(out, "_25._tcp.mx1.lab.test");
	assert_int_equal(mx_tlsa_qname(out, sizeof(out), "mx", 65535), 0);
	assert_string_equal(out, "_65535._tcp.mx");
	assert_int_equal(mx_tlsa_qname(out, sizeof(out), NULL, 25), -1);
	assert_string_equal(out, "");
	assert_int_equal(mx_tlsa_qname(out, sizeof(out), "", 25), -1);
	assert_int_equal(mx_tlsa_qname(tiny, sizeof(tiny), "mx1.lab.test", 25),
			 -1);
	assert_string_equal(tiny, "");
	assert_int_equal(mx_tlsa_qname(out, 0, "mx", 25), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(mx_tlsa_qname(out, sizeof(out), big, 25), -1);
}

/* No resolver: nothing looked up; `done` still comes from the loop; an
 * unvalidated MX voids even "not looked up" (RFC 7672 §2.2.1). */
static void test_no_dns(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	struct mx_tlsa_lookup *l;

	(void)state;
	t->kind = MX_TARGET_HOST;
	add_ep(t, "mx1.lab.test", "127.0.0.31", 25);
	l = lookup(base, NULL, t);
	assert_int_equal(mx_tlsa_lookup_result(l, 0)->state,
			 MX_TLSA_NOT_LOOKED_UP);
	assert_int_equal(mx_tlsa_lookup_result(l, 0)->nrr, 0);
	assert_null(mx_tlsa_lookup_result(l, 1));
	assert_null(mx_tlsa_lookup_result(NULL, 0));
	mx_tlsa_lookup_free(l);

	t->kind = MX_TARGET_DOMAIN;
	t->mx_dnssec_secure = 0;
	l = lookup(base, NULL, t);
	assert_int_equal(mx_tlsa_lookup_result(l, 0)->state, MX_TLSA_INSECURE);
	mx_tlsa_lookup_free(l);

	assert_null(mx_tlsa_lookup_new(NULL, NULL, t, on_done, NULL));
	assert_null(mx_tlsa_lookup_new(base, NULL, NULL, on_done, NULL));
	assert_null(mx_tlsa_lookup_new(base, NULL, t, NULL, NULL));
	mx_tlsa_lookup_free(NULL);
	mx_run_free(run);
	event_base_free(base);
}

/* A resolver that never answers: every endpoint FAILED, and FAILED is
 * not voided by an insecure MX. */
static void test_timeout_failed(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char res[64];
	struct event_base *base = event_base_new();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	struct mx_tlsa_lookup *l;
	struct mx_dns *dns;

	(void)state;
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	snprintf(res, sizeof(res), "127.0.0.1:%u", ntohs(sin.sin_port));
	t->kind = MX_TARGET_DOMAIN;
	add_ep(t, "mx1.lab.test", "127.0.0.31", 25);
	add_ep(t, "mx3.lab.test", "127.0.0.33", 25);
	dns = new_dns(base, res, NULL, 300);
	l = lookup(base, dns, t);
	assert_int_equal(mx_tlsa_lookup_result(l, 0)->state, MX_TLSA_FAILED);
	assert_int_equal(mx_tlsa_lookup_result(l, 1)->state, MX_TLSA_FAILED);
	mx_dns_free(dns);
	mx_tlsa_lookup_free(l);
	mx_run_free(run);
	event_base_free(base);
	close(fd);
}

/* ---- against the lab's resolver ---------------------------------------- */

static void lab_target(const struct lab *lab, struct mx_run *run,
		       struct mx_target **out)
{
	struct mx_target *t = mx_run_add_target(run);
	char h1[300], h3[300];

	snprintf(h1, sizeof(h1), "mx1.%s", lab->domain);
	snprintf(h3, sizeof(h3), "mx3.%s", lab->domain);
	t->kind = MX_TARGET_DOMAIN;
	t->mx_dnssec_secure = 1;
	add_ep(t, h1, "127.0.0.31", 25);
	add_ep(t, h3, "127.0.0.33", 25);
	add_ep(t, h1, "127.0.0.31", 587); /* no _587 record */
	*out = t;
}

static void test_lab_secure(void **state)
{
	const struct lab *lab = *state;
	struct event_base *base;
	struct mx_run *run;
	struct mx_target *t;
	struct mx_tlsa_lookup *l;
	const struct mx_tlsa_result *r;
	struct mx_dns *dns;

	if (!lab->up)
		skip();
	base = event_base_new();
	run = mx_run_new();
	lab_target(lab, run, &t);
	dns = new_dns(base, lab->resolver, lab->ta, 5000);
	l = lookup(base, dns, t);
	r = mx_tlsa_lookup_result(l, 0);
	assert_int_equal(r->state, MX_TLSA_USABLE);
	/* 3 1 1 of mx1's key and 2 1 1 of the intermediate, any order */
	assert_int_equal(r->nrr, 2);
	assert_int_equal(r->rr[0].usage + r->rr[1].usage, 5);
	assert_int_equal(r->rr[0].selector, 1);
	assert_int_equal(r->rr[0].mtype, 1);
	assert_int_equal(r->rr[0].len, 32); /* SHA-256 */
	assert_int_equal(r->rr[1].len, 32);
	assert_int_equal(mx_tlsa_lookup_result(l, 1)->state, MX_TLSA_NONE);
	assert_int_equal(mx_tlsa_lookup_result(l, 1)->nrr, 0);
	assert_int_equal(mx_tlsa_lookup_result(l, 2)->state, MX_TLSA_NONE);
	mx_dns_free(dns);
	mx_tlsa_lookup_free(l);

	/* RFC 7672 §2.2.1: the same answers under an unvalidated MX */
	t->mx_dnssec_secure = 0;
	dns = new_dns(base, lab->resolver, lab->ta, 5000);
	l = lookup(base, dns, t);
	assert_int_equal(mx_tlsa_lookup_result(l, 0)->state, MX_TLSA_INSECURE);
	assert_int_equal(mx_tlsa_lookup_result(l, 0)->nrr, 2); /* kept */
	assert_int_equal(mx_tlsa_lookup_result(l, 1)->state, MX_TLSA_INSECURE);
	mx_dns_free(dns);
	mx_tlsa_lookup_free(l);
	mx_run_free(run);
	event_base_free(base);
}

/* No trust anchor and a resolver that sets no AD bit (the lab's nsd,
 * authoritative): nothing validated, nothing usable. */
static void test_lab_unvalidated(void **state)
{
	const struct lab *lab = *state;
	struct event_base *base;
	struct mx_run *run;
	struct mx_target *t;
	struct mx_tlsa_lookup *l;
	struct mx_dns *dns;

	if (!lab->up)
		skip();
	base = event_base_new();
	run = mx_run_new();
	lab_target(lab, run, &t);
	t->kind = MX_TARGET_HOST; /* no MX rule: the answers alone */
	dns = new_dns(base, env_or("MXPROBE_LAB_AUTH_NS", "127.0.0.20"), NULL,
		      5000);
	l = lookup(base, dns, t);
	assert_int_equal(mx_tlsa_lookup_result(l, 0)->state, MX_TLSA_INSECURE);
	assert_int_equal(mx_tlsa_lookup_result(l, 1)->state, MX_TLSA_INSECURE);
	mx_dns_free(dns);
	mx_tlsa_lookup_free(l);
	mx_run_free(run);
	event_base_free(base);
}

/* Freeing the resolver with queries out cancels them: no `done`, and the
 * lookup can still be freed (before its loop). */
static void test_cancel(void **state)
{
	const struct lab *lab = *state;
	struct event_base *base;
	struct mx_run *run;
	struct mx_target *t;
	struct mx_tlsa_lookup *l;
	struct mx_dns *dns;
	struct done d = {0, NULL};

	if (!lab->up)
		skip();
	base = event_base_new();
	d.base = base;
	run = mx_run_new();
	lab_target(lab, run, &t);
	dns = new_dns(base, lab->resolver, lab->ta, 5000);
	l = mx_tlsa_lookup_new(base, dns, t, on_done, &d);
	assert_non_null(l);
	mx_dns_free(dns);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	assert_int_equal(d.calls, 0);
	mx_tlsa_lookup_free(l);
	mx_run_free(run);
	event_base_free(base);
}

static int lab_answers(const struct lab *lab)
{
	struct event_base *base = event_base_new();
	struct mx_dns_params p = {.resolver = lab->resolver,
				  .timeout_ms = 2000};
	char err[256];
	struct mx_dns *dns = mx_dns_new(base, &p, err, sizeof(err));
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	struct mx_tlsa_lookup *l;
	char h1[300];
	int ok = 0;

	snprintf(h1, sizeof(h1), "mx1.%s", lab->domain);
	t->kind = MX_TARGET_HOST;
	add_ep(t, h1, "127.0.0.31", 25);
	if (dns != NULL) {
		struct done d = {0, base};

		l = mx_tlsa_lookup_new(base, dns, t, on_done, &d);
		event_base_dispatch(base);
		ok = mx_tlsa_lookup_result(l, 0)->state != MX_TLSA_FAILED;
		mx_dns_free(dns);
		mx_tlsa_lookup_free(l);
	}
	mx_run_free(run);
	event_base_free(base);
	return ok;
}

int main(void)
{
	const char *ci = getenv("CI");
	struct lab lab;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qname),
		cmocka_unit_test(test_no_dns),
		cmocka_unit_test(test_timeout_failed),
		cmocka_unit_test_prestate(test_lab_secure, &lab),
		cmocka_unit_test_prestate(test_lab_unvalidated, &lab),
		cmocka_unit_test_prestate(test_cancel, &lab),
	};

	lab.resolver = env_or("MXPROBE_LAB_RESOLVER", "127.0.0.21");
	lab.ta = env_or("MXPROBE_LAB_TRUST_ANCHOR",
			"/tmp/mxprobe-lab/dns/lab.test.ds");
	lab.domain = env_or("MXPROBE_LAB_DOMAIN", "lab.test");
	lab.up = lab_answers(&lab);
	if (!lab.up) {
		if (ci && strcmp(ci, "true") == 0) {
			print_message("Bail out! lab resolver %s does not "
				      "answer (CI=true: a skip is a failure; "
				      "run tests/lab/lab.sh start)\n",
				      lab.resolver);
			return 1;
		}
		print_message("# lab resolver %s does not answer: the lab "
			      "cases skip (run tests/lab/lab.sh start)\n",
			      lab.resolver);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
