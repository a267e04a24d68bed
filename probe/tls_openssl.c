/*
 * tls_openssl.c - the OpenSSL TLS client backend over memory BIOs; see
 * tls.h for the interface.
 *
 * Purpose: run a client handshake exactly as an OpenSSL-based sender
 * would (with the caller's cipher list, suites, groups, versions and
 * security level), never touching a socket, and report what happened as
 * facts (struct mx_tls): negotiated version and suite, the server's
 * ephemeral key, the chain exactly as sent, verification against the
 * trust store, and for a failure who aborted and why.
 *
 * How: each session has its own SSL_CTX and SSL, run by the memory-BIO
 * core shared with the relay's server side (probe/tls_membio.h): the SSL
 * reads from one BIO_s_mem (filled by push_input) and writes to another
 * (drained by pull_output).  Both return "retry" when empty, so the SSL
 * says WANT_READ and the caller's event loop decides what to do.
 * Verification runs with SSL_VERIFY_NONE, so the handshake completes
 * whatever the chain (probing must see the server's whole answer), but
 * the store is loaded and a verify callback keeps the first error and its
 * depth, so SSL_get_verify_result() is meaningful.  An info callback
 * records the first fatal alert read and written.  All per-connection
 * state lives in the session (SSL app data); nothing is global.
 *
 * API: the `mx_tls_openssl` backend table (tls.h).
 *
 * Ownership: session_new() returns a session that session_free() frees
 * with its SSL, SSL_CTX and BIOs.  facts() replaces the fields it sets in
 * `out` (freeing earlier values) and leaves the others (handshake_ms, the
 * caller's EOF/RESET/TIMEOUT) alone.
 *
 * Limits: at most MX_TLS_MAX_INPUT bytes of unread ciphertext are
 * buffered (push_input refuses more); at most MX_TLS_MAX_CHAIN sent
 * certificates are recorded; a handshake message, the certificate list
 * included, may be at most MX_TLS_MAX_CERT_LIST bytes (512 KiB, set with
 * SSL_CTX_set_max_cert_list; OpenSSL's default of 100 KiB refused real
 * 200 KiB chains).  A larger one fails the handshake with a detail that
 * names this limit, never as "no certificate".  Error text is escaped and
 * capped.  The library error queue is cleared before each SSL call that
 * can fail and after a failure has been recorded.
 */
#include "probe/tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/tls_membio.h"
#include "probe/x509.h"

#define MX_TLS_MAX_INPUT (1024 * 1024)
#define MX_TLS_MAX_CHAIN 32
#define MX_TLS_MAX_TEXT 512
/* Largest handshake message accepted, the Certificate message included
 * (RFC 8446 §4.4.2: up to 2^24-1 bytes on the wire). */
#define MX_TLS_MAX_CERT_LIST (512 * 1024)

struct mx_tls_session {
	SSL_CTX *ctx;
	struct mx_membio m; /* the SSL, its BIOs, the first failure */
	char *sni;	    /* name sent in server_name, or NULL */
	/* Verify callback: did verification run, first error's depth. */
	int verify_ran;
	int verify_failed;
	int verify_depth;
	/* Info callback: first fatal alert each way, -1 if none. */
	int alert_recv, alert_sent;
};

/* ---- small helpers ------------------------------------------------------ */

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? mx_escape_str(s, MX_TLS_MAX_TEXT) : NULL;
}

/* RFC 6066 §3: the server_name is a DNS host name, never an address
 * literal. */
static int is_ip_literal(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

/* ---- callbacks (state through SSL app data, never globals) -------------- */

static int verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct mx_tls_session *s = ssl ? SSL_get_app_data(ssl) : NULL;

	if (s != NULL) {
		s->verify_ran = 1;
		if (!ok && !s->verify_failed) {
			s->verify_failed = 1;
			s->verify_depth = X509_STORE_CTX_get_error_depth(sctx);
		}
	}
	/* Stop at the first error, so the verify result is that error;
	 * with SSL_VERIFY_NONE the handshake goes on regardless. */
	return ok;
}

/* RFC 8446 §6 / RFC 5246 §7.2: an alert is (level, description); level
 * 2 is fatal.  `ret` carries level << 8 | description. */
static void info_cb(const SSL *ssl, int where, int ret)
{
	struct mx_tls_session *s = SSL_get_app_data(ssl);
	int level = (ret >> 8) & 0xff, desc = ret & 0xff;

	if (s == NULL || !(where & SSL_CB_ALERT) || level != SSL3_AL_FATAL)
		return;
	if ((where & SSL_CB_READ) && s->alert_recv < 0)
		s->alert_recv = desc;
	if ((where & SSL_CB_WRITE) && s->alert_sent < 0)
		s->alert_sent = desc;
}

/* ---- session ------------------------------------------------------------ */

static void ossl_free(struct mx_tls_session *s)
{
	if (s == NULL)
		return;
	mx_membio_clear(&s->m);
	SSL_CTX_free(s->ctx);
	free(s->sni);
	free(s);
}

static struct mx_tls_session *ossl_new(const struct mx_tls_params *p, char *err,
				       size_t errlen)
{
	struct mx_tls_session *s = xcalloc(1, sizeof(*s));
	const struct mx_tls_params none = {.security_level = -1};

	if (p == NULL)
		p = &none;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	s->alert_recv = s->alert_sent = -1;
	s->verify_depth = -1;
	ERR_clear_error();

	s->ctx = SSL_CTX_new(TLS_client_method());
	if (s->ctx == NULL) {
		mx_ossl_errf(err, errlen, "SSL_CTX_new failed", NULL);
		goto fail;
	}
	SSL_CTX_set_max_cert_list(s->ctx, MX_TLS_MAX_CERT_LIST);
	if (p->security_level >= 0)
		SSL_CTX_set_security_level(s->ctx, p->security_level);
	if (p->min_version != 0 &&
	    !SSL_CTX_set_min_proto_version(s->ctx, p->min_version)) {
		mx_ossl_errf(err, errlen, "bad min_version", NULL);
		goto fail;
	}
	if (p->max_version != 0 &&
	    !SSL_CTX_set_max_proto_version(s->ctx, p->max_version)) {
		mx_ossl_errf(err, errlen, "bad max_version", NULL);
		goto fail;
	}
	if (p->cipher_list != NULL &&
	    !SSL_CTX_set_cipher_list(s->ctx, p->cipher_list)) {
		mx_ossl_errf(err, errlen, "no usable cipher in cipher_list",
			     p->cipher_list);
		goto fail;
	}
	if (p->ciphersuites != NULL &&
	    !SSL_CTX_set_ciphersuites(s->ctx, p->ciphersuites)) {
		mx_ossl_errf(err, errlen, "bad ciphersuites", p->ciphersuites);
		goto fail;
	}
	if (p->groups != NULL && !SSL_CTX_set1_groups_list(s->ctx, p->groups)) {
		mx_ossl_errf(err, errlen, "bad groups", p->groups);
		goto fail;
	}
	if (p->no_trust_store) {
		/* negotiation only: no store (see tls.h) */
	} else if (p->x509_store != NULL) {
		/* the run's store: one reference per context */
		if (!X509_STORE_up_ref(p->x509_store)) {
			mx_ossl_errf(err, errlen,
				     "cannot share the trust store", NULL);
			goto fail;
		}
		SSL_CTX_set_cert_store(s->ctx, p->x509_store);
	} else if (p->ca_file != NULL || p->ca_path != NULL) {
		if (!SSL_CTX_load_verify_locations(s->ctx, p->ca_file,
						   p->ca_path)) {
			mx_ossl_errf(err, errlen, "cannot load trust store",
				     p->ca_file ? p->ca_file : p->ca_path);
			goto fail;
		}
	} else if (!SSL_CTX_set_default_verify_paths(s->ctx)) {
		mx_ossl_errf(err, errlen, "cannot load the default trust store",
			     NULL);
		goto fail;
	}
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_NONE, verify_cb);

	if (mx_membio_init(&s->m, s->ctx, MX_TLS_MAX_INPUT) < 0) {
		mx_ossl_errf(err, errlen, "SSL_new failed", NULL);
		goto fail;
	}
	SSL_set_app_data(s->m.ssl, s);
	SSL_set_info_callback(s->m.ssl, info_cb);
	SSL_set_connect_state(s->m.ssl);

	if (p->sni != NULL && p->sni[0] != '\0' && !is_ip_literal(p->sni)) {
		/* RFC 6066 §3: no trailing dot in the HostName. */
		size_t n = strlen(p->sni);
		char *name = xstrndup(
			p->sni, n > 1 && p->sni[n - 1] == '.' ? n - 1 : n);

		if (!SSL_set_tlsext_host_name(s->m.ssl, name)) {
			mx_ossl_errf(err, errlen, "bad SNI name", NULL);
			free(name);
			goto fail;
		}
		s->sni = name;
	}
	return s;
fail:
	ossl_free(s);
	return NULL;
}

/* ---- memory I/O, handshake and data (probe/tls_membio.c) ---------------- */

static int ossl_push_input(struct mx_tls_session *s, const uint8_t *p, size_t n)
{
	return mx_membio_push(&s->m, p, n);
}

static size_t ossl_pull_output(struct mx_tls_session *s, uint8_t *p, size_t max)
{
	return mx_membio_pull(&s->m, p, max);
}

static size_t ossl_pending_output(struct mx_tls_session *s)
{
	return mx_membio_pending(&s->m);
}

static enum mx_tls_io ossl_handshake(struct mx_tls_session *s)
{
	return mx_membio_handshake(&s->m);
}

static enum mx_tls_io ossl_write(struct mx_tls_session *s, const uint8_t *p,
				 size_t n)
{
	return mx_membio_write(&s->m, p, n);
}

static enum mx_tls_io ossl_read(struct mx_tls_session *s, uint8_t *p,
				size_t max, size_t *got)
{
	return mx_membio_read(&s->m, p, max, got);
}

static void ossl_shutdown(struct mx_tls_session *s)
{
	mx_membio_shutdown(&s->m);
}

/* ---- facts -------------------------------------------------------------- */

/* Temp key type names of the model, by EVP_PKEY id. */
static const struct {
	int id;
	const char *type;
} tmp_key_types[] = {
	{EVP_PKEY_DH, "DH"},	 {EVP_PKEY_DHX, "DH"},
	{EVP_PKEY_EC, "ECDH"},	 {EVP_PKEY_X25519, "X25519"},
	{EVP_PKEY_X448, "X448"},
};

/* Record-layer errors that mean "this is not TLS at all" (RFC 8446 §5.1
 * record header checks): the peer is not speaking TLS, rather than
 * speaking it badly. */
static const int protocol_reasons[] = {
	SSL_R_WRONG_VERSION_NUMBER,
	SSL_R_PACKET_LENGTH_TOO_LONG,
	SSL_R_HTTP_REQUEST,
	SSL_R_HTTPS_PROXY_REQUEST,
	SSL_R_UNKNOWN_PROTOCOL,
	SSL_R_RECORD_LENGTH_MISMATCH,
	SSL_R_ENCRYPTED_LENGTH_TOO_LONG,
	SSL_R_BAD_RECORD_TYPE,
	SSL_R_WRONG_SSL_VERSION,
};

static int is_protocol_error(unsigned long e)
{
	size_t i;

	if (e == 0 || ERR_GET_LIB(e) != ERR_LIB_SSL)
		return 0;
	for (i = 0; i < sizeof(protocol_reasons) / sizeof(protocol_reasons[0]);
	     i++)
		if (ERR_GET_REASON(e) == protocol_reasons[i])
			return 1;
	return 0;
}

static void temp_key_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	EVP_PKEY *pk = NULL;
	const char *type = NULL;
	char group[80];
	size_t glen = 0, i;
	int id;

	set_str(&out->temp_key_type, NULL);
	set_str(&out->temp_key_group, NULL);
	out->temp_key_bits = 0;
	if (!SSL_get_peer_tmp_key(s->m.ssl, &pk) || pk == NULL) {
		ERR_clear_error();
		return;
	}
	id = EVP_PKEY_get_base_id(pk);
	for (i = 0; i < sizeof(tmp_key_types) / sizeof(tmp_key_types[0]); i++)
		if (tmp_key_types[i].id == id)
			type = tmp_key_types[i].type;
	if (type == NULL)
		type = EVP_PKEY_get0_type_name(pk);
	set_str(&out->temp_key_type, type);
	out->temp_key_bits = EVP_PKEY_get_bits(pk);

	if (id == EVP_PKEY_X25519 || id == EVP_PKEY_X448) {
		set_str(&out->temp_key_group, type);
	} else if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) ==
			   1 &&
		   glen > 0) {
		/* EC: "prime256v1" -> "P-256" (the NIST name, RFC 8422 §5.1.1
		 * secp256r1); DH: "ffdhe2048" when the group is named. */
		const char *nist = NULL;

		if (id == EVP_PKEY_EC)
			nist = EC_curve_nid2nist(OBJ_sn2nid(group));
		set_str(&out->temp_key_group, nist ? nist : group);
	}
	EVP_PKEY_free(pk);
	ERR_clear_error();
}

static void add_cert(struct mx_chain *ch, X509 *x)
{
	unsigned char *der = NULL;
	int n;

	if (ch->n >= MX_TLS_MAX_CHAIN)
		return;
	n = i2d_X509(x, &der); /* the encoding as received */
	if (n <= 0) {
		ERR_clear_error();
		return;
	}
	(void)mx_x509_decode(der, (size_t)n, mx_chain_add(ch));
	OPENSSL_free(der);
}

/* The chain exactly as sent.  On the client, SSL_get_peer_cert_chain()
 * already starts with the leaf (unlike on a server); record it once. */
static void chain_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	X509 *leaf = SSL_get0_peer_certificate(s->m.ssl);
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s->m.ssl);
	int i = 0, n = sk != NULL ? sk_X509_num(sk) : 0;

	mx_chain_clear(&out->chain);
	if (leaf != NULL) {
		add_cert(&out->chain, leaf);
		if (n > 0 && X509_cmp(sk_X509_value(sk, 0), leaf) == 0)
			i = 1;
	}
	for (; i < n; i++)
		add_cert(&out->chain, sk_X509_value(sk, i));
}

/* Is the issuer of the last sent certificate in the trust store?  Tells
 * a missing intermediate from an unknown root. */
static int top_issuer_in_store(struct mx_tls_session *s)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s->m.ssl);
	X509 *leaf = SSL_get0_peer_certificate(s->m.ssl);
	X509 *top, *issuer = NULL;
	X509_STORE_CTX *sc;
	int found = 0;

	if (leaf == NULL)
		return 0;
	top = sk != NULL && sk_X509_num(sk) > 0
		      ? sk_X509_value(sk, sk_X509_num(sk) - 1)
		      : leaf;
	sc = X509_STORE_CTX_new();
	if (sc == NULL)
		return 0;
	if (X509_STORE_CTX_init(sc, SSL_CTX_get_cert_store(s->ctx), leaf, sk) ==
		    1 &&
	    X509_STORE_CTX_get1_issuer(&issuer, sc, top) == 1 && issuer != NULL)
		found = 1;
	X509_free(issuer);
	X509_STORE_CTX_free(sc);
	ERR_clear_error();
	return found;
}

static void verify_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	STACK_OF(X509) * vc;

	set_str(&out->verify_error, NULL);
	out->verify_done = s->verify_ran;
	out->verify_code = 0;
	out->verify_depth = -1;
	out->verified_chain_len = 0;
	if (!s->verify_ran)
		return;
	out->verify_code = SSL_get_verify_result(s->m.ssl);
	set_str(&out->verify_error,
		X509_verify_cert_error_string(out->verify_code));
	if (out->verify_code != X509_V_OK)
		out->verify_depth = s->verify_depth;
	vc = SSL_get0_verified_chain(s->m.ssl);
	out->verified_chain_len = vc != NULL ? sk_X509_num(vc) : 0;
}

static void fail_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	set_str(&out->fail_detail, NULL);
	out->fail = MX_TLS_FAIL_NONE;
	out->alert = 0;
	if (!s->m.failed)
		return;
	if (s->alert_recv >= 0) {
		out->fail = MX_TLS_FAIL_ALERT_RECV;
		out->alert = s->alert_recv;
	} else if (is_protocol_error(s->m.fail_code)) {
		out->fail = MX_TLS_FAIL_PROTOCOL;
	} else if (s->alert_sent >= 0) {
		out->fail = MX_TLS_FAIL_ALERT_SENT;
		out->alert = s->alert_sent;
	} else {
		out->fail = MX_TLS_FAIL_OTHER;
	}
	if (ERR_GET_LIB(s->m.fail_code) == ERR_LIB_SSL &&
	    ERR_GET_REASON(s->m.fail_code) == SSL_R_EXCESSIVE_MESSAGE_SIZE) {
		/* Our own limit, not the peer's silence: say which. */
		char buf[MX_TLS_MAX_TEXT];

		snprintf(buf, sizeof(buf),
			 "a handshake message (the certificate chain, or a "
			 "bogus length) is larger than the probe's limit of "
			 "%d KiB (%.200s)",
			 MX_TLS_MAX_CERT_LIST / 1024, s->m.fail_text);
		set_str(&out->fail_detail, buf);
		return;
	}
	set_str(&out->fail_detail, s->m.fail_text);
}

static void ossl_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(s->m.ssl);
	const unsigned char *alpn = NULL;
	unsigned int alpn_len = 0;

	out->attempted = s->m.attempted;
	out->completed = s->m.completed;
	set_str(&out->backend, "openssl");
	set_str(&out->sni, s->sni);

	/* Version and suite are known once a ServerHello was taken, even if
	 * the handshake failed later (e.g. at the DH key size check). */
	set_str(&out->version, NULL);
	set_str(&out->suite_iana, NULL);
	set_str(&out->suite_openssl, NULL);
	out->suite_id = 0;
	if (c == NULL) /* chosen in the ServerHello, not yet in use */
		c = SSL_get_pending_cipher(s->m.ssl);
	if (c != NULL) {
		set_str(&out->version, SSL_get_version(s->m.ssl));
		out->suite_id = SSL_CIPHER_get_protocol_id(c);
		set_str(&out->suite_iana, SSL_CIPHER_standard_name(c));
		set_str(&out->suite_openssl, SSL_CIPHER_get_name(c));
	}
	temp_key_facts(s, out);

	free(out->alpn);
	out->alpn = NULL;
	SSL_get0_alpn_selected(s->m.ssl, &alpn, &alpn_len);
	if (alpn != NULL && alpn_len > 0)
		out->alpn = mx_escape(alpn, alpn_len, MX_TLS_MAX_TEXT);

	chain_facts(s, out);
	out->top_issuer_in_store = top_issuer_in_store(s);
	out->top_is_self_signed = out->chain.n > 0 &&
				  out->chain.v[out->chain.n - 1].self_signed;
	out->chain_in_order = mx_x509_chain_in_order(&out->chain);
	verify_facts(s, out);
	fail_facts(s, out);
	ERR_clear_error();
}

/* The system store as X509_STORE_set_default_paths() finds it (the
 * SSL_CERT_FILE and SSL_CERT_DIR variables, else OpenSSL's default file
 * and hashed directory) without its third lookup, the OSSL_STORE one:
 * that one lists the whole directory (about 300 entries on Debian) each
 * time an issuer is not in the store - three times per self-signed or
 * unknown-CA chain, the largest CPU cost of a many-endpoint scan.  The
 * hashed directory still finds any CA the file lacks.  1 or 0. */
static int load_system_store(X509_STORE *st)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dir = getenv(X509_get_default_cert_dir_env());
	X509_LOOKUP *lk;

	if (file == NULL)
		file = X509_get_default_cert_file();
	if (dir == NULL)
		dir = X509_get_default_cert_dir();
	lk = X509_STORE_add_lookup(st, X509_LOOKUP_file());
	if (lk == NULL)
		return 0;
	/* a missing file is no error, as for set_default_paths */
	(void)X509_LOOKUP_load_file(lk, file, X509_FILETYPE_PEM);
	lk = X509_STORE_add_lookup(st, X509_LOOKUP_hash_dir());
	if (lk == NULL || !X509_LOOKUP_add_dir(lk, dir, X509_FILETYPE_PEM))
		return 0;
	ERR_clear_error();
	return 1;
}

void *mx_tls_openssl_store_new(const char *ca_file, const char *ca_path,
			       char *err, size_t errlen)
{
	X509_STORE *st = X509_STORE_new();

	if (st == NULL) {
		mx_ossl_errf(err, errlen, "X509_STORE_new failed", NULL);
		return NULL;
	}
	if (ca_file != NULL || ca_path != NULL) {
		if ((ca_file != NULL && !X509_STORE_load_file(st, ca_file)) ||
		    (ca_path != NULL && !X509_STORE_load_path(st, ca_path))) {
			mx_ossl_errf(err, errlen, "cannot load trust store",
				     ca_file ? ca_file : ca_path);
			X509_STORE_free(st);
			return NULL;
		}
	} else if (!load_system_store(st)) {
		mx_ossl_errf(err, errlen, "cannot load the default trust store",
			     NULL);
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

void mx_tls_openssl_store_free(void *store)
{
	X509_STORE_free(store);
}

const struct mx_tls_backend mx_tls_openssl = {
	.name = "openssl",
	.session_new = ossl_new,
	.session_free = ossl_free,
	.push_input = ossl_push_input,
	.pull_output = ossl_pull_output,
	.pending_output = ossl_pending_output,
	.handshake = ossl_handshake,
	.write = ossl_write,
	.read = ossl_read,
	.shutdown = ossl_shutdown,
	.facts = ossl_facts,
};
