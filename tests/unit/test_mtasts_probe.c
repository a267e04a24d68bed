/*
 * test_mtasts_probe.c - probe/mtasts.c on the event loop: the lab's DNS
 * gives the policy host's address (127.0.0.56), and a TLS server forked
 * here on 127.0.0.56:<ephemeral port> (the lab's certificate for
 * mta-sts.stsok.lab.test) answers what the lab's nginx does not: a
 * redirect (recorded, not followed), a wrong Content-Type, a body over
 * 64 KiB with and without Content-Length (aborted: too_large), a
 * certificate for another name (a curl error, no HTTP status) and
 * silence (the total timeout).  Also: a domain without any record (no
 * fetch), and no DNS at all.  The lab cases skip when the lab's
 * certificates are not there (tests/lab/lab.sh start); under CI=true
 * that is a failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "probe/dns.h"
#include "probe/mtasts.h"

struct lab {
	const char *resolver;
	char ca[512], cert[512], key[512];
	int up;
};

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && v[0] ? v : dflt;
}

/* ---- the server (child process) ------------------------------------------ */

#define BIG 100000

static const char *const answers[] = {
	"HTTP/1.1 301 Moved Permanently\r\nLocation: "
	"https://elsewhere.lab.test/mta-sts.txt\r\nContent-Length: 0\r\n"
	"Connection: close\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 66\r\n"
	"Connection: close\r\n\r\nversion: STSv1\r\nmode: enforce\r\nmx: "
	"mx1.lab.test\r\nmax_age: 604800\r\n",
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n"
	"Connection: close\r\n\r\n",
	NULL, /* the wrong name: the handshake fails */
	NULL, /* silence */
};
#define NANSWERS (sizeof(answers) / sizeof(answers[0]))

static void serve(int lfd, const struct lab *lab)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	static char big[BIG];
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	memset(big, 'a', sizeof(big));
	if (ctx == NULL ||
	    SSL_CTX_use_certificate_chain_file(ctx, lab->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, lab->key, SSL_FILETYPE_PEM) != 1)
		_exit(2);
	for (i = 0; i < NANSWERS; i++) {
		int fd = accept(lfd, NULL, NULL);
		SSL *s;
		char req[4096];
		int n, got = 0;

		if (fd < 0)
			_exit(3);
		s = SSL_new(ctx);
		SSL_set_fd(s, fd);
		if (SSL_accept(s) == 1) {
			while (got < (int)sizeof(req) - 1 &&
			       (n = SSL_read(s, req + got,
					     (int)sizeof(req) - 1 - got)) > 0) {
				got += n;
				req[got] = '\0';
				if (strstr(req, "\r\n\r\n") != NULL)
					break;
			}
			if (answers[i] != NULL) {
				SSL_write(s, answers[i],
					  (int)strlen(answers[i]));
				if (i == 2)
					SSL_write(s, big, sizeof(big));
			} else {
				sleep(2);
			}
			SSL_shutdown(s);
		}
		SSL_free(s);
		close(fd);
	}
	SSL_CTX_free(ctx);
	_exit(0);
}

/* ---- the client ----------------------------------------------------------- */

struct done {
	int calls;
	struct event_base *base;
};

static void on_done(void *arg, struct mx_sts_lookup *l)
{
	struct done *d = arg;

	assert_non_null(l);
	d->calls++;
	event_base_loopbreak(d->base);
}

static void fetch(struct event_base *base, struct mx_dns *dns,
		  const char *domain, const struct lab *lab, int port,
		  struct mx_sts *out)
{
	struct mx_sts_params p = {0};
	struct done d = {0, base};
	struct mx_sts_lookup *l;

	p.ca_file = lab ? lab->ca : NULL;
	p.connect_timeout_ms = 2000;
	p.total_timeout_ms = 500;
	p.port = port;
	l = mx_sts_lookup_new(base, dns, domain, &p, on_done, &d);
	assert_non_null(l);
	assert_int_equal(d.calls, 0); /* never from inside _new() */
	event_base_dispatch(base);
	assert_int_equal(d.calls, 1);
	mx_sts_lookup_store(l, out);
	mx_sts_lookup_free(l);
}

static void test_no_dns(void **state)
{
	struct event_base *base = event_base_new();
	struct mx_sts s = {0};

	(void)state;
	assert_null(mx_sts_lookup_new(base, NULL, NULL, NULL, on_done, NULL));
	assert_null(
		mx_sts_lookup_new(base, NULL, "a\033b", NULL, on_done, NULL));
	fetch(base, NULL, "example.com", NULL, 0, &s);
	assert_true(s.looked_up);
	assert_false(s.fetched);
	assert_string_equal(
		s.policy_url,
		"https://mta-sts.example.com/.well-known/mta-sts.txt");
	assert_string_equal(s.txt.qname, "_mta-sts.example.com");
	assert_string_equal(s.rpt.qname, "_smtp._tls.example.com");
	mx_sts_clear(&s);
	event_base_free(base);
}

static void test_lab_cases(void **state)
{
	const struct lab *lab = *state;
	struct event_base *base;
	struct mx_dns_params dp = {0};
	struct mx_dns *dns;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct mx_sts s = {0};
	char err[256];
	int lfd, port, st;
	pid_t pid;

	if (!lab->up)
		skip();
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = inet_addr("127.0.0.56");
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		serve(lfd, lab);
	close(lfd);

	base = event_base_new();
	dp.resolver = lab->resolver;
	dp.timeout_ms = 3000;
	dns = mx_dns_new(base, &dp, err, sizeof(err));
	assert_non_null(dns);

	/* 0: a redirect is recorded, not followed */
	fetch(base, dns, "stsok.lab.test", lab, port, &s);
	assert_true(s.fetched);
	assert_string_equal(s.policy_addr, "127.0.0.56");
	assert_int_equal(s.http_status, 301);
	assert_string_equal(s.location,
			    "https://elsewhere.lab.test/mta-sts.txt");
	assert_int_equal(s.body_len, 0);
	assert_int_equal(s.txt.n, 1); /* the lab's TXT record */
	assert_int_equal(s.rpt.n, 1);
	mx_sts_clear(&s);
	/* 1: the body and its content type */
	fetch(base, dns, "stsok.lab.test", lab, port, &s);
	assert_int_equal(s.http_status, 200);
	assert_string_equal(s.content_type, "text/html");
	assert_int_equal(s.body_len, 66);
	assert_null(s.curl_error);
	assert_non_null(s.policy_text);
	mx_sts_clear(&s);
	/* 2: 100000 bytes without Content-Length: aborted at 64 KiB */
	fetch(base, dns, "stsok.lab.test", lab, port, &s);
	assert_true(s.too_large);
	assert_non_null(s.curl_error);
	assert_true(s.body_len <= MX_STS_MAX_BODY);
	mx_sts_clear(&s);
	/* 3: Content-Length 100000: refused at once */
	fetch(base, dns, "stsok.lab.test", lab, port, &s);
	assert_true(s.too_large);
	assert_int_equal(s.body_len, 0);
	mx_sts_clear(&s);
	/* 4: a certificate for another name (WebPKI: no HTTP at all) */
	fetch(base, dns, "stsnocover.lab.test", lab, port, &s);
	assert_int_equal(s.http_status, 0);
	assert_non_null(s.curl_error);
	mx_sts_clear(&s);
	/* 5: silence: the total timeout (500 ms) */
	fetch(base, dns, "stsok.lab.test", lab, port, &s);
	assert_int_equal(s.http_status, 0);
	assert_non_null(s.curl_error);
	assert_true(s.total_ms < 1500);
	mx_sts_clear(&s);
	/* no address for mta-sts.DOMAIN: no fetch */
	fetch(base, dns, "good.lab.test", lab, port, &s);
	assert_false(s.fetched);
	assert_int_equal(s.host_status, MX_DNS_NXDOMAIN);
	assert_int_equal(s.txt.n, 0);
	mx_sts_clear(&s);

	mx_dns_free(dns);
	event_base_free(base);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

int main(void)
{
	const char *ci = getenv("CI");
	const char *certs =
		env_or("MXPROBE_LAB_CERTS", "/tmp/mxprobe-lab/certs");
	struct lab lab;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_dns),
		cmocka_unit_test_prestate(test_lab_cases, &lab),
	};

	memset(&lab, 0, sizeof(lab));
	lab.resolver = env_or("MXPROBE_LAB_RESOLVER", "127.0.0.21");
	snprintf(lab.ca, sizeof(lab.ca), "%s",
		 env_or("MXPROBE_LAB_CA", "/tmp/mxprobe-lab/certs/"
					  "ca-bundle.pem"));
	snprintf(lab.cert, sizeof(lab.cert), "%s/mtasts-stsok.certs.pem",
		 certs);
	snprintf(lab.key, sizeof(lab.key), "%s/mtasts-stsok.key", certs);
	lab.up = access(lab.ca, R_OK) == 0 && access(lab.cert, R_OK) == 0 &&
		 access(lab.key, R_OK) == 0;
	if (!lab.up) {
		if (ci && strcmp(ci, "true") == 0) {
			print_message(
				"Bail out! the lab's MTA-STS certificates "
				"are missing (CI=true: a skip is a "
				"failure; run tests/lab/lab.sh start)\n");
			return 1;
		}
		print_message("# the lab's MTA-STS certificates are missing: "
			      "the lab case skips\n");
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
