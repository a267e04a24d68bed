/*
 * test_confirm.c - probe/confirm.c and probe/bisect.c against a real TLS
 * server on loopback.
 *
 * The server is a thread here: an OpenSSL server speaking SMTP over
 * implicit TLS (220 greeting, EHLO, QUIT) on 127.0.0.1 with the test PKI
 * of tests/data/certs.  In "GCM-intolerant" mode it first peeks at the
 * ClientHello (MSG_PEEK, nothing consumed) and closes the connection -
 * a FIN - when the hello offers any AES-GCM suite, as the Exchange-2013
 * front of DESIGN.md and the lab's intolerant.lab.test do; otherwise the
 * real handshake goes on.  So the bisection sends real hellos with the
 * raw engine and the confirmations run real OpenSSL and GnuTLS handshakes
 * through the SMTP client engine; nothing is mocked.  The server counts
 * connections, so the tests also pin how many each step costs.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "analyzers/analyze.h"
#include "analyzers/clients.h"
#include "model/enum.h"
#include "model/result.h"
#include <event2/event.h>

#include "analyzers/confirm_judge.h"
#include "probe/bisect.h"
#include "probe/client_play.h"
#include "probe/confirm.h"
#include "probe/enum.h"
#include "probe/pool.h"
#include "tests/unit/tls_fixture.h"
#include "wire/tls_registry.h"

/* ---- the server --------------------------------------------------------- */

struct tsrv {
	int lfd;
	uint16_t port;
	int gcm_intolerant;
	int dhe1024; /* ECDHE preferred, then DHE with a 1024-bit group */
	SSL_CTX *ctx;
	pthread_t th;
	int stop_pipe[2];
	pthread_mutex_t mu;
	int conns;	/* accepted */
	int dropped;	/* closed at the hello */
	int handshakes; /* completed */
};

/* Wait until the first TLS record is complete in the socket buffer and
 * return its bytes without consuming them. */
static ssize_t peek_record(int fd, uint8_t *buf, size_t max)
{
	int i;

	for (i = 0; i < 500; i++) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		ssize_t n;
		size_t need;

		if (poll(&pf, 1, 20) < 0)
			return -1;
		n = recv(fd, buf, max, MSG_PEEK);
		if (n <= 0)
			return n;
		if (n >= 5) {
			need = 5 + ((size_t)buf[3] << 8 | buf[4]);
			if ((size_t)n >= need || need > max)
				return n;
		}
	}
	return -1;
}

/* Does the ClientHello in rec offer an AES-GCM suite?  RFC 8446 §4.1.2:
 * record(5) handshake(4) version(2) random(32) session_id<0..32>
 * cipher_suites<2..2^16-2>. */
static int offers_gcm(const uint8_t *rec, size_t n)
{
	size_t off = 5 + 4 + 2 + 32, len, i;

	if (n < off + 1 || rec[0] != 22 || rec[5] != 1)
		return 0;
	off += 1 + rec[off];
	if (n < off + 2)
		return 0;
	len = (size_t)rec[off] << 8 | rec[off + 1];
	off += 2;
	for (i = 0; i + 1 < len && off + i + 1 < n; i += 2) {
		const struct mx_suite *s = mx_suite_by_id(
			(uint16_t)(rec[off + i] << 8 | rec[off + i + 1]));

		if (s != NULL && s->cipher == MX_CIPHER_AES_GCM)
			return 1;
	}
	return 0;
}

static void serve(struct tsrv *sv, int fd)
{
	uint8_t rec[17000];
	ssize_t n = peek_record(fd, rec, sizeof(rec));
	SSL *ssl;
	char line[512];

	if (n > 0 && sv->gcm_intolerant && offers_gcm(rec, (size_t)n)) {
		/* Read the hello, then close: a FIN (closing with unread
		 * data would be an RST). */
		if (recv(fd, rec, (size_t)n, 0) < 0)
			return;
		pthread_mutex_lock(&sv->mu);
		sv->dropped++;
		pthread_mutex_unlock(&sv->mu);
		return;
	}
	ssl = SSL_new(sv->ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) == 1) {
		size_t len = 0;

		pthread_mutex_lock(&sv->mu);
		sv->handshakes++;
		pthread_mutex_unlock(&sv->mu);
		SSL_write(ssl, "220 test.invalid ESMTP\r\n", 24);
		for (;;) {
			int r = SSL_read(ssl, line + len, 1);

			if (r <= 0)
				break;
			if (line[len] != '\n' && len + 2 < sizeof(line)) {
				len++;
				continue;
			}
			if (strncmp(line, "EHLO", 4) == 0)
				SSL_write(ssl, "250 test.invalid\r\n", 18);
			else if (strncmp(line, "QUIT", 4) == 0) {
				SSL_write(ssl, "221 bye\r\n", 9);
				break;
			} else
				SSL_write(ssl, "500 what\r\n", 10);
			len = 0;
		}
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	ERR_clear_error();
}

static void *srv_main(void *arg)
{
	struct tsrv *sv = arg;

	for (;;) {
		struct pollfd pf[2] = {{.fd = sv->lfd, .events = POLLIN},
				       {.fd = sv->stop_pipe[0],
					.events = POLLIN}};
		int fd;

		if (poll(pf, 2, 30000) <= 0 || pf[1].revents)
			break;
		fd = accept(sv->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&sv->mu);
		sv->conns++;
		pthread_mutex_unlock(&sv->mu);
		serve(sv, fd);
		close(fd);
	}
	return NULL;
}

static void srv_start2(struct tsrv *sv, int gcm_intolerant, int dhe1024);

static void srv_start(struct tsrv *sv, int gcm_intolerant)
{
	srv_start2(sv, gcm_intolerant, 0);
}

static void srv_start2(struct tsrv *sv, int gcm_intolerant, int dhe1024)
{
	static const struct tlsfx_conf good_conf = {.cert = "leaf",
						    .extra = {"int", "root"}};
	static const struct tlsfx_conf dhe1024_conf = {
		.cert = "leaf",
		.extra = {"int", "root"},
		.cipher_list = "ECDHE-RSA-AES256-GCM-SHA384:"
			       "ECDHE-RSA-AES128-GCM-SHA256:"
			       "DHE-RSA-AES256-GCM-SHA384:"
			       "DHE-RSA-AES128-GCM-SHA256:"
			       "DHE-RSA-AES128-SHA",
		.weak = 1,
		.dh = "dh1024"};
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int one = 1;

	memset(sv, 0, sizeof(*sv));
	sv->gcm_intolerant = gcm_intolerant;
	pthread_mutex_init(&sv->mu, NULL);
	/* leaf + intermediate + root, as fullchain.pem; with dhe1024, the
	 * lab's dhe1024.lab.test: DHE with a 1024-bit group placed after
	 * ECDHE, in the server's order. */
	sv->ctx = tlsfx_ctx_new(dhe1024 ? &dhe1024_conf : &good_conf);
	if (dhe1024)
		SSL_CTX_set_options(sv->ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	sv->dhe1024 = dhe1024;
	sv->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(sv->lfd >= 0);
	setsockopt(sv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sv->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(sv->lfd, 16), 0);
	assert_int_equal(getsockname(sv->lfd, (struct sockaddr *)&sa, &sl), 0);
	sv->port = ntohs(sa.sin_port);
	assert_int_equal(pipe(sv->stop_pipe), 0);
	assert_int_equal(pthread_create(&sv->th, NULL, srv_main, sv), 0);
}

static void srv_stop(struct tsrv *sv)
{
	assert_int_equal(write(sv->stop_pipe[1], "x", 1), 1);
	pthread_join(sv->th, NULL);
	close(sv->stop_pipe[0]);
	close(sv->stop_pipe[1]);
	close(sv->lfd);
	SSL_CTX_free(sv->ctx);
	pthread_mutex_destroy(&sv->mu);
}

/* ---- the probe side ----------------------------------------------------- */

static void ep_init(struct mx_endpoint *ep, const struct tsrv *sv)
{
	memset(ep, 0, sizeof(*ep));
	ep->host = strdup("mx1.lab.test");
	ep->addr = strdup("127.0.0.1");
	ep->port = sv->port;
	ep->mode = MX_MODE_IMPLICIT;
	ep->enumr = mx_enum_new();
}

static void params_init(struct mx_clients_params *p)
{
	memset(p, 0, sizeof(*p));
	p->helo = "probe.invalid";
	p->timeout_ms = 5000;
}

/* ---- driving the engines on one loop, as src/ does ------------------ */

struct box {
	struct event_base *base;
	int rc, done;
};

static void bisect_done(void *arg, int rc)
{
	struct box *b = arg;

	b->rc = rc;
	b->done = 1;
	event_base_loopexit(b->base, NULL);
}

static int run_bisect2(struct mx_endpoint *ep,
		       const struct mx_clients_params *p, int precheck)
{
	struct box b = {event_base_new(), 0, 0};
	struct mx_pool *pool = mx_pool_new(b.base, 2, 16);
	struct mx_bisect_params bp = {p->helo, p->timeout_ms, p->deadline_ms,
				      p->log, precheck};
	struct mx_bisect *bs =
		mx_bisect_new(b.base, pool, ep, &bp, bisect_done, &b);

	mx_bisect_start(bs);
	event_base_dispatch(b.base);
	assert_int_equal(b.done, 1);
	mx_bisect_free(bs);
	mx_pool_free(pool);
	event_base_free(b.base);
	return b.rc;
}

static int run_bisect(struct mx_endpoint *ep, const struct mx_clients_params *p)
{
	return run_bisect2(ep, p, 0);
}

static void step_done(void *arg)
{
	struct box *b = arg;

	b->done = 1;
	event_base_loopexit(b->base, NULL);
}

/* The clients step; -1 when the endpoint had nothing to run on. */
static int run_step(struct mx_endpoint *ep, const struct mx_clients_params *p)
{
	struct box b = {event_base_new(), 0, 0};
	struct mx_pool *pool = mx_pool_new(b.base, 2, 16);
	struct mx_clients_step *cs =
		mx_clients_step_new(b.base, pool, ep, p, step_done, &b);
	int had = ep->enumr != NULL;

	mx_clients_step_start(cs);
	event_base_dispatch(b.base);
	assert_int_equal(b.done, 1);
	mx_clients_step_free(cs);
	mx_pool_free(pool);
	event_base_free(b.base);
	/* the judgement is the analyzers' */
	if (ep->enumr != NULL)
		mx_judge_confirmations(ep->enumr);
	return had ? 0 : -1;
}

/* Confirmations and advice tests only (the simulation already ran). */
static void run_confirm(struct mx_endpoint *ep,
			const struct mx_clients_params *p)
{
	struct mx_clients_params q = *p;

	q.bisect = 0;
	q.simulate = NULL;
	(void)run_step(ep, &q);
}

static void test_bisect_tolerant(void **state)
{
	struct tsrv sv;
	struct mx_endpoint ep;
	struct mx_clients_params p;

	(void)state;
	srv_start(&sv, 0);
	ep_init(&ep, &sv);
	params_init(&p);
	assert_int_equal(run_bisect(&ep, &p), 0);
	assert_int_equal(ep.enumr->intolerant, 0);
	assert_null(ep.enumr->intolerance_trigger);
	srv_stop(&sv);
	/* one hello, answered: one connection */
	assert_int_equal(sv.conns, 1);
	assert_int_equal(sv.dropped, 0);
	mx_endpoint_clear(&ep);
}

/* `check` after silence: one small hello asks whether the server answers
 * at all (rc 2), writing no intolerance facts. */
static void test_bisect_precheck(void **state)
{
	struct tsrv sv;
	struct mx_endpoint ep;
	struct mx_clients_params p;

	(void)state;
	srv_start(&sv, 1);
	ep_init(&ep, &sv);
	params_init(&p);
	assert_int_equal(run_bisect2(&ep, &p, 1), 2);
	assert_int_equal(ep.enumr->intolerant, 0);
	assert_null(ep.enumr->intolerance_trigger);
	srv_stop(&sv);
	/* the minimal CBC hello, answered: one connection, recorded */
	assert_int_equal(sv.conns, 1);
	assert_int_equal(sv.dropped, 0);
	assert_int_equal(ep.nconns, 1);
	mx_endpoint_clear(&ep);
}

static void test_bisect_gcm_intolerant(void **state)
{
	struct tsrv sv;
	struct mx_endpoint ep;
	struct mx_clients_params p;

	(void)state;
	srv_start(&sv, 1);
	ep_init(&ep, &sv);
	params_init(&p);
	assert_int_equal(run_bisect(&ep, &p), 1);
	print_message("# trigger=%s reaction=%s advice=%s ok=%d conns=%d\n",
		      ep.enumr->intolerance_trigger,
		      ep.enumr->intolerance_reaction,
		      ep.enumr->intolerance_advice_openssl,
		      ep.enumr->intolerance_advice_ok, sv.conns);
	assert_int_equal(ep.enumr->intolerant, 1);
	assert_string_equal(ep.enumr->intolerance_trigger, "AES-GCM suites");
	/* the trigger as a structured value, for the analyzers */
	assert_int_equal(ep.enumr->trigger.kind, MX_INTOL_CIPHER);
	assert_int_equal(ep.enumr->trigger.cipher, MX_CIPHER_AES_GCM);
	assert_string_equal(ep.enumr->intolerance_reaction,
			    "FIN after ClientHello");
	/* each setting apart, pasteable: the list, the TLS 1.3 suites */
	assert_string_equal(ep.enumr->intolerance_advice_openssl,
			    "DEFAULT:!AESGCM");
	assert_string_equal(ep.enumr->intolerance_advice_tls13,
			    "TLS_CHACHA20_POLY1305_SHA256");
	assert_int_equal(ep.enumr->intolerance_advice_max_tls12, 0);
	/* confirmed by a real OpenSSL handshake */
	assert_int_equal(ep.enumr->intolerance_advice_ok, 1);
	srv_stop(&sv);
	/* full (FIN), CBC base (ok), + GCM (FIN), advice handshake */
	assert_int_equal(sv.conns, 4);
	assert_int_equal(sv.dropped, 2);
	assert_int_equal(sv.handshakes, 1);
	mx_endpoint_clear(&ep);
}

static struct mx_client_sim *client(struct mx_enum *e, const char *id, int ok,
				    const char *version, uint16_t suite,
				    const char *kx)
{
	struct mx_client_sim *c = mx_enum_add_client(e);

	c->profile = strdup(id);
	c->name = strdup(id);
	c->ok = ok;
	c->version = version ? strdup(version) : NULL;
	c->suite = suite;
	c->kx = kx ? strdup(kx) : NULL;
	c->why = ok ? NULL : strdup("no DHE suite on the server");
	c->advice_openssl_ok = c->advice_gnutls_ok = -1;
	return c;
}

static void test_confirm(void **state)
{
	const struct mx_confirm_client cc[] = {
		{"good", &mx_tls_openssl, {.security_level = -1}},
		{"wrong", &mx_tls_openssl, {.security_level = -1}},
		{"fails",
		 &mx_tls_openssl,
		 {.security_level = -1,
		  .cipher_list = "DHE",
		  .max_version = 0x0303}},
		{"gnutls", &mx_tls_gnutls, {.security_level = -1}},
		{"java", NULL, {.security_level = -1}},
	};
	struct tsrv sv;
	struct mx_endpoint ep;
	struct mx_clients_params p;
	struct mx_client_sim *c;
	size_t i;

	(void)state;
	srv_start(&sv, 0);
	ep_init(&ep, &sv);
	params_init(&p);
	p.clients = cc;
	p.nclients = sizeof(cc) / sizeof(cc[0]);
	client(ep.enumr, "good", 1, "TLSv1.3", 0x1302, "ECDH x25519");
	client(ep.enumr, "wrong", 1, "TLSv1.2", 0xc030, "ECDH x25519");
	c = client(ep.enumr, "fails", 0, "TLSv1.2", 0x009e, NULL);
	c->advice_openssl = strdup("DEFAULT:!kDHE");
	c->advice_gnutls = strdup("NORMAL:-CIPHER-ALL:+3DES-CBC");
	client(ep.enumr, "gnutls", 1, "TLSv1.3", 0x1302, "ECDH secp256r1");
	client(ep.enumr, "java", 1, "TLSv1.3", 0x1302, NULL);
	run_confirm(&ep, &p);
	for (i = 0; i < ep.enumr->nclients; i++)
		print_message("# %s: confirmed=%d %s | advice %d %d\n",
			      ep.enumr->clients[i].profile,
			      ep.enumr->clients[i].confirmed,
			      ep.enumr->clients[i].confirm_detail
				      ? ep.enumr->clients[i].confirm_detail
				      : "-",
			      ep.enumr->clients[i].advice_openssl_ok,
			      ep.enumr->clients[i].advice_gnutls_ok);
	c = ep.enumr->clients;
	assert_int_equal(c[0].confirmed, 1);
	assert_string_equal(c[0].confirm_detail,
			    "openssl: TLSv1.3 TLS_AES_256_GCM_SHA384 X25519 "
			    "X25519");
	assert_int_equal(c[1].confirmed, 0);
	assert_non_null(strstr(c[1].confirm_detail, "(the version differs)"));
	assert_int_equal(c[2].confirmed, 1);
	assert_non_null(strstr(c[2].confirm_detail, "as predicted"));
	assert_non_null(strstr(c[2].confirm_detail, "handshake failure"));
	assert_int_equal(c[2].advice_openssl_ok, 1); /* PASS */
	assert_int_equal(c[2].advice_gnutls_ok, 0);  /* FAIL */
	assert_int_equal(c[3].confirmed, 1);
	assert_non_null(strstr(c[3].confirm_detail, "gnutls: TLSv1.3"));
	assert_int_equal(c[4].confirmed, -1); /* no stack plays Java */
	assert_null(c[4].confirm_detail);
	srv_stop(&sv);
	/* four confirmations and two advice tests; "good" and "wrong" play
	 * the same settings, so one handshake answers both */
	assert_int_equal(sv.conns, 5);
	mx_endpoint_clear(&ep);
}

static int simulated;

static void fake_simulate(struct mx_enum *e)
{
	simulated++;
	client(e, "good", 1, "TLSv1.3", 0x1302, "ECDH x25519");
}

static void test_clients_run(void **state)
{
	const struct mx_confirm_client cc[] = {
		{"good", &mx_tls_openssl, {.security_level = -1}},
	};
	struct tsrv sv;
	struct mx_endpoint ep;
	struct mx_clients_params p;

	(void)state;
	srv_start(&sv, 0);
	ep_init(&ep, &sv);
	params_init(&p);
	p.clients = cc;
	p.nclients = 1;
	p.bisect = 1;
	p.simulate = fake_simulate;
	simulated = 0;
	assert_int_equal(run_step(&ep, &p), 0);
	assert_int_equal(simulated, 1);
	assert_int_equal(ep.enumr->intolerant, 0);
	assert_int_equal(ep.enumr->nclients, 1);
	assert_int_equal(ep.enumr->clients[0].confirmed, 1);
	srv_stop(&sv);
	assert_int_equal(sv.conns, 2); /* the full hello, one confirmation */
	/* Without an enumeration nothing runs. */
	mx_enum_free(ep.enumr);
	ep.enumr = NULL;
	assert_int_equal(run_step(&ep, &p), -1);
	assert_int_equal(run_bisect(&ep, &p), -1);
	assert_int_equal(simulated, 1);
	mx_endpoint_clear(&ep);
}

/* A closed port: nothing to confirm, nothing hangs, facts say why. */
static void test_nobody_listens(void **state)
{
	const struct mx_confirm_client cc[] = {
		{"good", &mx_tls_openssl, {.security_level = -1}},
	};
	struct tsrv sv;
	struct mx_endpoint ep;
	struct mx_clients_params p;
	uint16_t port;

	(void)state;
	srv_start(&sv, 0);
	port = sv.port;
	srv_stop(&sv);
	ep_init(&ep, &sv);
	ep.port = port;
	params_init(&p);
	p.clients = cc;
	p.nclients = 1;
	p.timeout_ms = 1000;
	client(ep.enumr, "good", 1, "TLSv1.3", 0x1302, NULL);
	assert_int_equal(run_bisect(&ep, &p), 0);
	run_confirm(&ep, &p);
	assert_int_equal(ep.enumr->clients[0].confirmed, 0);
	assert_non_null(strstr(ep.enumr->clients[0].confirm_detail,
			       "no handshake: connect_refused"));
	mx_endpoint_clear(&ep);
}

/* ---- the whole clients step after a real enumeration --------------------- */

/* The profiles as the probe plays them (probe/client_play.h), checked
 * against the table (model/client_profiles.h) row by row. */
static struct mx_confirm_client *profiles_as_settings(size_t *n)
{
	struct mx_confirm_client *cc = mx_confirm_client_table(n);
	size_t i;

	assert_non_null(cc);
	assert_int_equal(*n, mx_client_profile_count());
	for (i = 0; i < *n; i++) {
		const struct mx_client_profile *pr = mx_client_profile_at(i);
		const struct mx_tls_params *t = &cc[i].tls;

		assert_string_equal(cc[i].id, pr->id);
		assert_int_equal(t->min_version, pr->min_version);
		assert_int_equal(t->max_version, pr->max_version);
		switch (pr->stack) {
		case MX_STACK_OPENSSL:
			assert_ptr_equal(cc[i].be, &mx_tls_openssl);
			assert_ptr_equal(t->cipher_list, pr->ossl_ciphers);
			assert_ptr_equal(t->ciphersuites,
					 pr->ossl_ciphersuites);
			assert_ptr_equal(t->groups, pr->ossl_groups);
			assert_int_equal(t->security_level, pr->ossl_seclevel);
			assert_null(t->priority);
			break;
		case MX_STACK_GNUTLS:
			assert_ptr_equal(cc[i].be, &mx_tls_gnutls);
			assert_ptr_equal(t->priority, pr->gnutls_priority);
			assert_null(t->cipher_list);
			assert_int_equal(t->security_level, -1);
			break;
		case MX_STACK_NONE:
			assert_null(cc[i].be);
			break;
		}
	}
	return cc;
}

static const struct mx_client_sim *sim(const struct mx_enum *e, const char *id)
{
	size_t i;

	for (i = 0; i < e->nclients; i++)
		if (strcmp(e->clients[i].profile, id) == 0)
			return &e->clients[i];
	fail_msg("no client %s", id);
	return NULL;
}

static void enum_done(void *arg, struct mx_enumerator *en)
{
	(void)en;
	step_done(arg);
}

/* DESIGN.md's seed problem end to end: enumerate the DHE-1024 server,
 * bisect (tolerant), simulate every profile, confirm each playable one
 * with a real handshake, test the advice, judge.  Every prediction must
 * survive its real handshake. */
static void test_dhe1024_end_to_end(void **state)
{
	struct tsrv sv;
	struct mx_endpoint ep;
	struct mx_enum_params ep_;
	struct box b;
	struct mx_pool *pool;
	struct mx_enumerator *en;
	struct mx_clients_params p;
	struct mx_analyze_params ap;
	struct mx_confirm_client *cc;
	const struct mx_client_sim *c;
	size_t n, i;

	(void)state;
	srv_start2(&sv, 0, 1);
	ep_init(&ep, &sv);
	memset(&ep_, 0, sizeof(ep_));
	ep_.helo = "probe.invalid";
	ep_.step_timeout_ms = 5000;
	ep_.hello_timeout_ms = 5000;
	ep_.log = NULL;
	ep_.host = ep.host;
	ep_.addr = ep.addr;
	ep_.port = ep.port;
	ep_.mode = ep.mode;
	ep_.record_in = &ep;
	b.base = event_base_new();
	b.done = 0;
	pool = mx_pool_new(b.base, 2, 4);
	en = mx_enumerator_new(b.base, pool, &ep_, ep.enumr, enum_done, &b);
	mx_enumerator_start(en);
	event_base_dispatch(b.base);
	assert_int_equal(b.done, 1);
	mx_enumerator_free(en);
	mx_pool_free(pool);
	event_base_free(b.base);
	/* every connection left a record */
	assert_int_equal(ep.nconns, ep.enumr->connections);
	params_init(&p);
	cc = profiles_as_settings(&n);
	p.clients = cc;
	p.nclients = n;
	p.bisect = 1;
	p.simulate = mx_clients_simulate;
	assert_int_equal(run_step(&ep, &p), 0);
	for (i = 0; i < ep.enumr->nclients; i++) {
		const struct mx_client_sim *x = &ep.enumr->clients[i];

		print_message("# %-18s ok=%d %s 0x%04x %s | %s | confirmed=%d "
			      "%s | advice %s=%d %s=%d\n",
			      x->profile, x->ok, x->version ? x->version : "-",
			      x->suite, x->kx ? x->kx : "-",
			      x->why ? x->why : "-", x->confirmed,
			      x->confirm_detail ? x->confirm_detail : "-",
			      x->advice_openssl ? x->advice_openssl : "-",
			      x->advice_openssl_ok,
			      x->advice_gnutls ? x->advice_gnutls : "-",
			      x->advice_gnutls_ok);
	}
	assert_int_equal(ep.enumr->intolerant, 0);
	c = sim(ep.enumr, "openssl3-sl2");
	assert_int_equal(c->ok, 1);
	assert_int_equal(c->confirmed, 1);
	c = sim(ep.enumr, "gnutls-normal");
	assert_int_equal(c->ok, 1);
	assert_int_equal(c->confirmed, 1);
	/* the appliance: predicted and really refused, advice PASS */
	c = sim(ep.enumr, "openssl3-sl2-dhe");
	assert_int_equal(c->ok, 0);
	assert_non_null(strstr(c->why, "dh key too small"));
	assert_non_null(strstr(c->kx, "DH 1024"));
	assert_int_equal(c->confirmed, 1);
	assert_non_null(strstr(c->confirm_detail, "dh key too small"));
	assert_string_equal(c->advice_openssl,
			    "DEFAULT:!kDHE:!aNULL:!eNULL:!EXPORT:!RC4:!DES:"
			    "!3DES:!MD5");
	assert_int_equal(c->advice_openssl_ok, 1);
	assert_int_equal(c->advice_gnutls_ok, 1);
	/* every playable profile was confirmed, none contradicted */
	for (i = 0; i < ep.enumr->nclients; i++) {
		const struct mx_client_profile *pr =
			mx_client_profile_by_id(ep.enumr->clients[i].profile);

		assert_int_equal(ep.enumr->clients[i].confirmed,
				 pr->stack == MX_STACK_NONE ? -1 : 1);
	}
	mx_analyze_params_init(&ap, 1700000000);
	mx_analyze_endpoint(&ep, &ap);
	assert_true(mx_findings_has(&ep.findings, "client.fails"));
	assert_false(
		mx_findings_has(&ep.findings, "client.prediction_mismatch"));
	assert_false(mx_findings_has(&ep.findings, "tls.hello_intolerance"));
	free(cc);
	srv_stop(&sv);
	mx_endpoint_clear(&ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bisect_tolerant),
		cmocka_unit_test(test_bisect_precheck),
		cmocka_unit_test(test_bisect_gcm_intolerant),
		cmocka_unit_test(test_confirm),
		cmocka_unit_test(test_clients_run),
		cmocka_unit_test(test_nobody_listens),
		cmocka_unit_test(test_dhe1024_end_to_end),
	};
	/* The test servers write to clients that may already have closed
	 * (a confirmation ends right after its handshake), as real servers
	 * do, they must not die of SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
