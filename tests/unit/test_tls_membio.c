/*
 * test_tls_membio.c - probe/tls_membio: the OpenSSL memory-BIO core that
 * the client backend and the relay's server side share, and the one
 * formatter of OpenSSL's error queue.
 *
 * A client and a server core are joined in memory (the server's SSL_CTX
 * from the TLS fixture, certs/leaf): handshake, data both ways,
 * close_notify.  Hostile input: bytes that are not TLS fail the
 * handshake once (the first error kept, every later call ERROR, the
 * error queue left clean); a sweep of input lengths around the cap;
 * error texts with and without an argument (escaped), truncated, and
 * with no error in the queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "probe/tls_membio.h"
#include "tests/unit/tls_fixture.h"

#define CAP 64

static SSL_CTX *server_ctx(void)
{
	struct tlsfx_conf c = {.cert = "leaf"};
	SSL_CTX *ctx = tlsfx_ctx_new(&c);

	assert_non_null(ctx);
	return ctx;
}

static SSL_CTX *client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	assert_non_null(ctx);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

/* Move what one side wrote to the other; returns the bytes moved. */
static size_t move(struct mx_membio *from, struct mx_membio *to)
{
	uint8_t buf[4096];
	size_t n, total = 0;

	while ((n = mx_membio_pull(from, buf, sizeof(buf))) > 0) {
		assert_int_equal(mx_membio_push(to, buf, n), 0);
		total += n;
	}
	return total;
}

/* ---- error text --------------------------------------------------------- */

static void test_errf(void **state)
{
	SSL_CTX *ctx = client_ctx();
	char err[200], small[5];

	(void)state;
	/* an error in the queue, an argument with a control character */
	assert_int_equal(SSL_CTX_set_cipher_list(ctx, "NO-SUCH-CIPHER"), 0);
	assert_int_not_equal(ERR_peek_error(), 0);
	mx_ossl_errf(err, sizeof(err), "no usable cipher", "a\x1b[2Jb");
	assert_non_null(strstr(err, "no usable cipher \"a\\x1b[2Jb\": error:"));
	assert_int_equal(ERR_peek_error(), 0); /* queue left clean */

	/* nothing in the queue, no argument: just the words */
	mx_ossl_errf(err, sizeof(err), "SSL_new failed", NULL);
	assert_string_equal(err, "SSL_new failed");
	mx_ossl_errf(err, sizeof(err), "cannot load", "x.pem");
	assert_string_equal(err, "cannot load \"x.pem\"");

	/* truncated, NUL-terminated */
	mx_ossl_errf(small, sizeof(small), "SSL_new failed", NULL);
	assert_string_equal(small, "SSL_");

	/* no buffer: the queue is still cleared */
	assert_int_equal(SSL_CTX_set_cipher_list(ctx, "NO-SUCH-CIPHER"), 0);
	mx_ossl_errf(NULL, 0, "x", NULL);
	assert_int_equal(ERR_peek_error(), 0);

	/* one code */
	mx_ossl_err_text(0, err, sizeof(err));
	assert_string_equal(err, "");
	mx_ossl_err_text(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_WRONG_VERSION_NUMBER),
			 err, sizeof(err));
	assert_non_null(strstr(err, "wrong version number"));
	mx_ossl_err_text(1, NULL, 0); /* no buffer: nothing happens */
	SSL_CTX_free(ctx);
}

/* ---- memory I/O --------------------------------------------------------- */

/* Every input length around the cap, in one push and in two. */
static void test_push_cap_sweep(void **state)
{
	SSL_CTX *ctx = server_ctx();
	uint8_t junk[CAP + 8];
	size_t n, k;

	(void)state;
	memset(junk, 0x16, sizeof(junk));
	for (n = 0; n <= sizeof(junk); n++) {
		struct mx_membio m;

		assert_int_equal(mx_membio_init(&m, ctx, CAP), 0);
		assert_int_equal(mx_membio_push(&m, junk, n),
				 n <= CAP ? 0 : -1);
		mx_membio_clear(&m);
		for (k = 0; k <= n; k++) {
			int ok = n <= CAP;

			assert_int_equal(mx_membio_init(&m, ctx, CAP), 0);
			assert_int_equal(mx_membio_push(&m, junk, k),
					 k <= CAP ? 0 : -1);
			if (k <= CAP)
				assert_int_equal(mx_membio_push(&m, junk + k,
								n - k),
						 ok ? 0 : -1);
			mx_membio_clear(&m);
		}
	}
	SSL_CTX_free(ctx);
}

static void test_nothing_yet(void **state)
{
	SSL_CTX *ctx = server_ctx();
	struct mx_membio m;
	uint8_t buf[16];
	size_t got = 99;

	(void)state;
	assert_int_equal(mx_membio_init(&m, ctx, CAP), 0);
	SSL_set_accept_state(m.ssl);
	assert_int_equal(mx_membio_pending(&m), 0);
	assert_int_equal(mx_membio_pull(&m, buf, sizeof(buf)), 0);
	assert_int_equal(mx_membio_pull(&m, buf, 0), 0);
	/* no input: "retry", not EOF and not a failure */
	assert_int_equal(mx_membio_handshake(&m), MX_TLS_IO_WANT_READ);
	assert_int_equal(mx_membio_read(&m, buf, sizeof(buf), &got),
			 MX_TLS_IO_WANT_READ);
	assert_int_equal(got, 0);
	assert_int_equal(mx_membio_read(&m, buf, 0, &got), MX_TLS_IO_OK);
	assert_int_equal(m.failed, 0);
	assert_int_equal(m.completed, 0);
	assert_int_equal(m.attempted, 1);
	mx_membio_shutdown(&m); /* before the handshake: nothing queued */
	assert_int_equal(mx_membio_pending(&m), 0);
	assert_int_equal(ERR_peek_error(), 0);
	mx_membio_clear(&m);
	mx_membio_clear(&m); /* twice is harmless */
	SSL_CTX_free(ctx);
}

/* ---- handshake ---------------------------------------------------------- */

static void test_pair(void **state)
{
	SSL_CTX *sctx = server_ctx(), *cctx = client_ctx();
	struct mx_membio c, s;
	uint8_t buf[64];
	size_t got = 0;
	int i;

	(void)state;
	assert_int_equal(mx_membio_init(&c, cctx, 1024 * 1024), 0);
	assert_int_equal(mx_membio_init(&s, sctx, 1024 * 1024), 0);
	SSL_set_connect_state(c.ssl);
	SSL_set_accept_state(s.ssl);
	for (i = 0; i < 16 && !(c.completed && s.completed); i++) {
		enum mx_tls_io rc = mx_membio_handshake(&c);
		enum mx_tls_io rs;

		assert_true(rc == MX_TLS_IO_OK || rc == MX_TLS_IO_WANT_READ);
		move(&c, &s);
		rs = mx_membio_handshake(&s);
		assert_true(rs == MX_TLS_IO_OK || rs == MX_TLS_IO_WANT_READ);
		move(&s, &c);
	}
	assert_true(c.completed && s.completed);
	assert_int_equal(mx_membio_handshake(&c), MX_TLS_IO_OK);

	/* data both ways */
	assert_int_equal(mx_membio_write(&c, (const uint8_t *)"EHLO a\r\n", 8),
			 MX_TLS_IO_OK);
	assert_int_equal(mx_membio_write(&c, buf, 0), MX_TLS_IO_OK);
	assert_true(mx_membio_pending(&c) > 0);
	move(&c, &s);
	assert_int_equal(mx_membio_read(&s, buf, sizeof(buf), &got),
			 MX_TLS_IO_OK);
	assert_int_equal(got, 8);
	assert_memory_equal(buf, "EHLO a\r\n", 8);
	assert_int_equal(mx_membio_write(&s, (const uint8_t *)"250 ok\r\n", 8),
			 MX_TLS_IO_OK);
	move(&s, &c);
	assert_int_equal(mx_membio_read(&c, buf, sizeof(buf), &got),
			 MX_TLS_IO_OK);
	assert_memory_equal(buf, "250 ok\r\n", 8);

	/* close_notify: the server reads CLOSED, which is no failure */
	mx_membio_shutdown(&c);
	move(&c, &s);
	assert_int_equal(mx_membio_read(&s, buf, sizeof(buf), &got),
			 MX_TLS_IO_CLOSED);
	assert_int_equal(s.failed, 0);
	assert_int_equal(c.failed, 0);
	assert_int_equal(ERR_peek_error(), 0);
	mx_membio_clear(&c);
	mx_membio_clear(&s);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
}

/* Not TLS at all (a client that speaks SMTP after STARTTLS): the first
 * failure is kept, every later call is ERROR, the queue is clean. */
static void test_not_tls(void **state)
{
#define IN(s)                                                                  \
	{                                                                      \
		s, sizeof(s) - 1                                               \
	}
	static const struct {
		const char *p;
		size_t n;
	} inputs[] = {
		IN("EHLO client.example\r\n"),
		IN("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		IN("\x15\x03\x03\x00\x02\x02\x28"), /* a fatal alert */
		IN("\x17\x03\x03\x00\x01\x41"),	    /* data before hello */
		IN("\x16\x03\x03\x00\x04\x01\x00\x00\x00"), /* empty hello */
	};
#undef IN
	SSL_CTX *ctx = server_ctx();
	uint8_t buf[16];
	size_t i, got;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct mx_membio m;
		char first[sizeof(m.fail_text)];

		assert_int_equal(mx_membio_init(&m, ctx, CAP), 0);
		SSL_set_accept_state(m.ssl);
		assert_int_equal(mx_membio_push(&m,
						(const uint8_t *)inputs[i].p,
						inputs[i].n),
				 0);
		assert_int_equal(mx_membio_handshake(&m), MX_TLS_IO_ERROR);
		assert_int_equal(m.failed, 1);
		assert_int_equal(m.completed, 0);
		assert_true(m.fail_text[0] != '\0');
		assert_int_equal(ERR_peek_error(), 0);
		memcpy(first, m.fail_text, sizeof(first));
		assert_int_equal(mx_membio_handshake(&m), MX_TLS_IO_ERROR);
		assert_int_equal(mx_membio_read(&m, buf, sizeof(buf), &got),
				 MX_TLS_IO_ERROR);
		assert_int_equal(mx_membio_write(&m, buf, 1), MX_TLS_IO_ERROR);
		assert_string_equal(m.fail_text, first);
		mx_membio_clear(&m);
	}
	SSL_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errf),
		cmocka_unit_test(test_push_cap_sweep),
		cmocka_unit_test(test_nothing_yet),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_not_tls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
