/*
 * tls_gnutls.c - the GnuTLS TLS client backend over memory buffers; see
 * tls.h for the interface.
 *
 * Purpose: run a client handshake exactly as a GnuTLS-based sender (Exim,
 * gnutls-cli, many appliances) would, with the caller's priority string,
 * and report what happened as the same facts the OpenSSL backend gives
 * (struct mx_tls): version, suite (IANA code point), the server's
 * ephemeral key, the chain exactly as sent, verification against the
 * trust store, and for a failure who aborted and why.
 *
 * How: gnutls_transport_set_push_function() appends what GnuTLS sends to
 * our output buffer (drained by pull_output), and the pull function
 * reads from our input buffer (filled by push_input); an empty input
 * buffer answers EAGAIN, so GnuTLS returns GNUTLS_E_AGAIN and the
 * caller's event loop decides what to do (the caller owns EOF).  The
 * handshake never verifies (probing must see the server's whole answer);
 * facts() runs gnutls_certificate_verify_peers2() against the store
 * afterwards.  When GnuTLS itself refuses the server (e.g. a DH prime
 * below the priority's minimum), we send the alert GnuTLS maps that
 * error to, as gnutls-cli and Exim do, and record it as ALERT_SENT.
 *
 * Parameters: priority (NULL: "NORMAL"); min_version/max_version narrow
 * the protocol versions by appending ":-VERS-ALL:+VERS-..." to it;
 * cipher_list, ciphersuites, groups and security_level are OpenSSL's and
 * are ignored here (GnuTLS expresses all of them in the priority).
 *
 * verify_code: GnuTLS reports a status bit mask, not OpenSSL's numbers.
 * We keep OpenSSL's X509_V_ERR_* numbers where the meaning is the same,
 * so the analyzers judge both stacks alike (table `verify_map` below):
 *   issuer not found   -> 20 (unable to get local issuer certificate),
 *                         18 for a lone self-signed leaf, 19 when the
 *                         sent chain ends in a self-signed root
 *   expired            -> 10, not yet valid -> 9
 *   signature failure  -> 7, revoked -> 23, signer not a CA -> 24,
 *   signer constraints -> 25 (path length), purpose mismatch -> 26,
 *   insecure algorithm -> 68 (CA md too weak)
 *   anything else      -> 1 (unspecified)
 * verify_error is GnuTLS's own readable text for the status.
 * verify_depth is the first sent certificate the status concerns (the
 * first out of its validity period for time errors, the end of the sent
 * chain for an unknown issuer), since GnuTLS does not report a depth.
 * verified_chain_len is the sent chain plus the anchor from the store
 * when verification succeeds, else the sent certificates in issuing
 * order from the leaf (GnuTLS does not expose the chain it built).
 *
 * API: the `mx_tls_gnutls` backend table (tls.h).
 *
 * Ownership: session_new() returns a session that session_free() frees
 * with its GnuTLS session, credentials and buffers.  facts() replaces the
 * fields it sets in `out` (freeing earlier values) and leaves the others
 * (handshake_ms, the caller's EOF/RESET/TIMEOUT) alone.
 *
 * Limits: at most MX_TLS_MAX_INPUT bytes of unread ciphertext (push_input
 * refuses more), MX_TLS_MAX_OUTPUT of unsent output; at most
 * MX_TLS_MAX_CHAIN sent certificates recorded; texts escaped and capped.
 * No global state: GnuTLS initialises itself on load (3.3+).
 */
#include "probe/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "common/buf.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/x509.h"
#include "wire/tls_flight.h"
#include "wire/tls_registry.h"

#define MX_TLS_MAX_INPUT (1024 * 1024)
#define MX_TLS_MAX_OUTPUT (4 * 1024 * 1024)
#define MX_TLS_MAX_CHAIN 32
#define MX_TLS_MAX_TEXT 512

struct mx_tls_session {
	gnutls_session_t gs;
	gnutls_certificate_credentials_t cred;
	struct mx_buf in;  /* ciphertext from the network, unread */
	struct mx_buf out; /* ciphertext to send */
	char *sni;
	int attempted, completed;
	int failed;	/* first fatal error; later calls return ERROR */
	int fail_code;	/* the GNUTLS_E_* of that failure */
	int alert_recv; /* fatal alert received, -1: none */
	int alert_sent; /* fatal alert we sent, -1: none */
	int closed;	/* close_notify seen */
	int first_byte; /* first byte received, -1: none yet */
	/* The server's first flight, parsed as it passes (wire/tls_flight):
	 * GnuTLS forgets the suite of a handshake that failed, the facts
	 * must not. */
	struct mx_flight *flight;
	int flight_over;
	char fail_text[256];
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

/* ---- transport callbacks (state through the session pointer) ------------ */

static ssize_t push_cb(gnutls_transport_ptr_t ptr, const void *p, size_t n)
{
	struct mx_tls_session *s = ptr;

	if (s->out.len + n > MX_TLS_MAX_OUTPUT ||
	    mx_buf_push(&s->out, p, n) < 0) {
		gnutls_transport_set_errno(s->gs, ENOBUFS);
		return -1;
	}
	return (ssize_t)n;
}

static ssize_t pull_cb(gnutls_transport_ptr_t ptr, void *p, size_t n)
{
	struct mx_tls_session *s = ptr;

	if (s->in.len == 0) {
		/* Nothing yet: "try again", never EOF (the caller owns
		 * EOF and sets it in the facts itself). */
		gnutls_transport_set_errno(s->gs, EAGAIN);
		return -1;
	}
	if (n > s->in.len)
		n = s->in.len;
	memcpy(p, s->in.p, n);
	mx_buf_consume(&s->in, n);
	return (ssize_t)n;
}

/* ---- session ------------------------------------------------------------ */

static void gt_free(struct mx_tls_session *s)
{
	if (s == NULL)
		return;
	if (s->gs != NULL)
		gnutls_deinit(s->gs);
	if (s->cred != NULL)
		gnutls_certificate_free_credentials(s->cred);
	mx_buf_free(&s->in);
	mx_buf_free(&s->out);
	mx_flight_free(s->flight);
	free(s->sni);
	free(s);
}

/* Protocol versions as GnuTLS priority keywords, with the wire code. */
static const struct {
	int code;
	const char *kw;
} vers_kw[] = {
	{0x0300, "VERS-SSL3.0"}, {0x0301, "VERS-TLS1.0"},
	{0x0302, "VERS-TLS1.1"}, {0x0303, "VERS-TLS1.2"},
	{0x0304, "VERS-TLS1.3"},
};

/* The priority string: the caller's (or NORMAL), narrowed to
 * [min_version, max_version] when either is set.  Malloc'ed. */
static char *build_priority(const struct mx_tls_params *p)
{
	const char *base = p->priority != NULL ? p->priority : "NORMAL";
	struct mx_buf b;
	size_t i, len;
	char *r;

	mx_buf_init(&b, 4096);
	mx_buf_push_str(&b, base);
	if (p->min_version != 0 || p->max_version != 0) {
		mx_buf_push_str(&b, ":-VERS-ALL");
		for (i = 0; i < sizeof(vers_kw) / sizeof(vers_kw[0]); i++) {
			if (p->min_version != 0 &&
			    vers_kw[i].code < p->min_version)
				continue;
			if (p->max_version != 0 &&
			    vers_kw[i].code > p->max_version)
				continue;
			mx_buf_printf(&b, ":+%s", vers_kw[i].kw);
		}
	}
	mx_buf_push_u8(&b, 0);
	if (b.err) {
		mx_buf_free(&b);
		return NULL;
	}
	r = (char *)mx_buf_take(&b, &len);
	return r;
}

static int version_ok(int v)
{
	size_t i;

	if (v == 0)
		return 1;
	for (i = 0; i < sizeof(vers_kw) / sizeof(vers_kw[0]); i++)
		if (vers_kw[i].code == v)
			return 1;
	return 0;
}

static struct mx_tls_session *gt_new(const struct mx_tls_params *p, char *err,
				     size_t errlen)
{
	struct mx_tls_session *s = xcalloc(1, sizeof(*s));
	const struct mx_tls_params none = {.security_level = -1};
	const char *errpos = NULL;
	char *prio = NULL;
	int r;

	if (p == NULL)
		p = &none;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	s->alert_recv = s->alert_sent = -1;
	s->first_byte = -1;
	s->flight = mx_flight_new();
	mx_buf_init(&s->in, MX_TLS_MAX_INPUT);
	mx_buf_init(&s->out, MX_TLS_MAX_OUTPUT);

	if (!version_ok(p->min_version) || !version_ok(p->max_version)) {
		snprintf(err, err ? errlen : 0, "bad %s",
			 version_ok(p->min_version) ? "max_version"
						    : "min_version");
		goto fail;
	}
	r = gnutls_init(&s->gs, GNUTLS_CLIENT);
	if (r < 0) {
		s->gs = NULL;
		snprintf(err, err ? errlen : 0, "gnutls_init failed: %s",
			 gnutls_strerror(r));
		goto fail;
	}
	prio = build_priority(p);
	if (prio == NULL) {
		snprintf(err, err ? errlen : 0, "priority string too long");
		goto fail;
	}
	r = gnutls_priority_set_direct(s->gs, prio, &errpos);
	if (r < 0) {
		snprintf(err, err ? errlen : 0,
			 "bad priority \"%.120s\" at \"%.40s\": %s", prio,
			 errpos ? errpos : "?", gnutls_strerror(r));
		goto fail;
	}
	r = gnutls_certificate_allocate_credentials(&s->cred);
	if (r < 0) {
		s->cred = NULL;
		snprintf(err, err ? errlen : 0, "no credentials: %s",
			 gnutls_strerror(r));
		goto fail;
	}
	if (p->ca_file != NULL && !p->no_trust_store) {
		r = gnutls_certificate_set_x509_trust_file(s->cred, p->ca_file,
							   GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			snprintf(err, err ? errlen : 0,
				 "cannot load trust store \"%.200s\": %s",
				 p->ca_file,
				 r < 0 ? gnutls_strerror(r)
				       : "no certificate in it");
			goto fail;
		}
	}
	if (p->ca_path != NULL && !p->no_trust_store) {
		r = gnutls_certificate_set_x509_trust_dir(s->cred, p->ca_path,
							  GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			snprintf(err, err ? errlen : 0,
				 "cannot load trust store \"%.200s\": %s",
				 p->ca_path,
				 r < 0 ? gnutls_strerror(r)
				       : "no certificate in it");
			goto fail;
		}
	}
	if (p->ca_file == NULL && p->ca_path == NULL && !p->no_trust_store) {
		r = gnutls_certificate_set_x509_system_trust(s->cred);
		if (r < 0) {
			snprintf(err, err ? errlen : 0,
				 "cannot load the default trust store: %s",
				 gnutls_strerror(r));
			goto fail;
		}
	}
	r = gnutls_credentials_set(s->gs, GNUTLS_CRD_CERTIFICATE, s->cred);
	if (r < 0) {
		snprintf(err, err ? errlen : 0, "credentials: %s",
			 gnutls_strerror(r));
		goto fail;
	}
	if (p->sni != NULL && p->sni[0] != '\0' && !is_ip_literal(p->sni)) {
		/* RFC 6066 §3: no trailing dot in the HostName. */
		size_t n = strlen(p->sni);

		if (n > 1 && p->sni[n - 1] == '.')
			n--;
		s->sni = xstrndup(p->sni, n);
		r = gnutls_server_name_set(s->gs, GNUTLS_NAME_DNS, s->sni, n);
		if (r < 0) {
			snprintf(err, err ? errlen : 0, "bad SNI name: %s",
				 gnutls_strerror(r));
			goto fail;
		}
	}
	gnutls_transport_set_ptr(s->gs, s);
	gnutls_transport_set_push_function(s->gs, push_cb);
	gnutls_transport_set_pull_function(s->gs, pull_cb);
	free(prio);
	return s;
fail:
	free(prio);
	gt_free(s);
	return NULL;
}

/* ---- memory I/O --------------------------------------------------------- */

static int gt_push_input(struct mx_tls_session *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n > MX_TLS_MAX_INPUT || s->in.len > MX_TLS_MAX_INPUT - n)
		return -1;
	if (s->first_byte < 0)
		s->first_byte = p[0];
	if (!s->flight_over) {
		size_t used = 0;

		if (mx_flight_feed(s->flight, p, n, &used) != MX_FLIGHT_MORE)
			s->flight_over = 1;
	}
	return mx_buf_push(&s->in, p, n) < 0 ? -1 : 0;
}

static size_t gt_pull_output(struct mx_tls_session *s, uint8_t *p, size_t max)
{
	size_t n = s->out.len < max ? s->out.len : max;

	if (n == 0)
		return 0;
	memcpy(p, s->out.p, n);
	mx_buf_consume(&s->out, n);
	return n;
}

static size_t gt_pending_output(struct mx_tls_session *s)
{
	return s->out.len;
}

/* ---- handshake and data ------------------------------------------------- */

/* Record the first fatal error; for our own objections send the alert
 * GnuTLS maps the error to (RFC 8446 §6.2: abort with an alert). */
static void record_failure(struct mx_tls_session *s, int e)
{
	if (s->failed)
		return;
	s->failed = 1;
	s->fail_code = e;
	if (e == GNUTLS_E_FATAL_ALERT_RECEIVED) {
		s->alert_recv = (int)gnutls_alert_get(s->gs);
		snprintf(s->fail_text, sizeof(s->fail_text),
			 "alert received: %s (%d)",
			 gnutls_alert_get_name(gnutls_alert_get(s->gs)),
			 s->alert_recv);
		return;
	}
	snprintf(s->fail_text, sizeof(s->fail_text), "%s (%s)",
		 gnutls_strerror(e), gnutls_strerror_name(e));
	if (e != GNUTLS_E_PREMATURE_TERMINATION && e != GNUTLS_E_PUSH_ERROR &&
	    e != GNUTLS_E_PULL_ERROR) {
		int level = 0;
		int alert = gnutls_error_to_alert(e, &level);

		if (alert >= 0 && level == GNUTLS_AL_FATAL &&
		    gnutls_alert_send(s->gs, GNUTLS_AL_FATAL,
				      (gnutls_alert_description_t)alert) ==
			    GNUTLS_E_SUCCESS)
			s->alert_sent = alert;
	}
}

static enum mx_tls_io io_result(struct mx_tls_session *s, int r)
{
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return MX_TLS_IO_WANT_READ;
	if (r == GNUTLS_E_WARNING_ALERT_RECEIVED) {
		/* RFC 5246 §7.2.1: close_notify is a warning alert. */
		if (gnutls_alert_get(s->gs) == GNUTLS_A_CLOSE_NOTIFY) {
			if (!s->completed)
				record_failure(s, r);
			s->closed = 1;
			return MX_TLS_IO_CLOSED;
		}
		return MX_TLS_IO_WANT_READ;
	}
	if (!gnutls_error_is_fatal(r) && r != GNUTLS_E_UNEXPECTED_PACKET)
		return MX_TLS_IO_WANT_READ;
	record_failure(s, r);
	return MX_TLS_IO_ERROR;
}

static enum mx_tls_io gt_handshake(struct mx_tls_session *s)
{
	int r, i;

	if (s->failed)
		return MX_TLS_IO_ERROR;
	if (s->completed)
		return MX_TLS_IO_OK;
	s->attempted = 1;
	/* Non-fatal results (a warning alert) call for another try at once;
	 * bounded so a peer cannot keep us here. */
	for (i = 0; i < 16; i++) {
		r = gnutls_handshake(s->gs);
		if (r == GNUTLS_E_SUCCESS) {
			s->completed = 1;
			return MX_TLS_IO_OK;
		}
		if (r == GNUTLS_E_WARNING_ALERT_RECEIVED &&
		    gnutls_alert_get(s->gs) != GNUTLS_A_CLOSE_NOTIFY)
			continue;
		if (r == GNUTLS_E_INTERRUPTED)
			continue;
		break;
	}
	return io_result(s, r);
}

static enum mx_tls_io gt_write(struct mx_tls_session *s, const uint8_t *p,
			       size_t n)
{
	size_t done = 0;

	if (s->failed)
		return MX_TLS_IO_ERROR;
	if (n == 0)
		return MX_TLS_IO_OK;
	s->attempted = 1;
	if (!s->completed)
		return MX_TLS_IO_ERROR;
	/* Our push function never blocks, so every record goes out. */
	while (done < n) {
		ssize_t r = gnutls_record_send(s->gs, p + done, n - done);

		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r == GNUTLS_E_INTERRUPTED)
			continue;
		record_failure(s, r == 0 ? GNUTLS_E_INTERNAL_ERROR : (int)r);
		return MX_TLS_IO_ERROR;
	}
	return MX_TLS_IO_OK;
}

static enum mx_tls_io gt_read(struct mx_tls_session *s, uint8_t *p, size_t max,
			      size_t *got)
{
	ssize_t r;
	int i;

	*got = 0;
	if (s->failed)
		return MX_TLS_IO_ERROR;
	if (s->closed)
		return MX_TLS_IO_CLOSED;
	if (max == 0)
		return MX_TLS_IO_OK;
	s->attempted = 1;
	for (i = 0; i < 16; i++) {
		r = gnutls_record_recv(s->gs, p, max);
		if (r > 0) {
			*got = (size_t)r;
			return MX_TLS_IO_OK;
		}
		if (r == 0) { /* close_notify (RFC 8446 §6.1) */
			s->closed = 1;
			return MX_TLS_IO_CLOSED;
		}
		/* TLS 1.3 post-handshake messages (tickets, key updates)
		 * and renegotiation requests are not data: read on. */
		if (r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_REHANDSHAKE ||
		    (r == GNUTLS_E_AGAIN && s->in.len > 0))
			continue;
		if (r == GNUTLS_E_WARNING_ALERT_RECEIVED &&
		    gnutls_alert_get(s->gs) != GNUTLS_A_CLOSE_NOTIFY)
			continue;
		return io_result(s, (int)r);
	}
	return MX_TLS_IO_WANT_READ;
}

static void gt_shutdown(struct mx_tls_session *s)
{
	if (s->failed || !s->completed)
		return;
	/* GNUTLS_SHUT_WR: queue close_notify, do not wait for the peer's. */
	(void)gnutls_bye(s->gs, GNUTLS_SHUT_WR);
}

/* ---- facts -------------------------------------------------------------- */

/* Model names of the negotiated group (as the OpenSSL backend says them):
 * temp key type, group name, bits. */
static const struct {
	gnutls_group_t g;
	const char *type, *group;
	int bits;
} group_names[] = {
	{GNUTLS_GROUP_SECP192R1, "ECDH", "P-192", 192},
	{GNUTLS_GROUP_SECP224R1, "ECDH", "P-224", 224},
	{GNUTLS_GROUP_SECP256R1, "ECDH", "P-256", 256},
	{GNUTLS_GROUP_SECP384R1, "ECDH", "P-384", 384},
	{GNUTLS_GROUP_SECP521R1, "ECDH", "P-521", 521},
	{GNUTLS_GROUP_X25519, "X25519", "X25519", 253},
	{GNUTLS_GROUP_X448, "X448", "X448", 448},
	{GNUTLS_GROUP_FFDHE2048, "DH", "ffdhe2048", 2048},
	{GNUTLS_GROUP_FFDHE3072, "DH", "ffdhe3072", 3072},
	{GNUTLS_GROUP_FFDHE4096, "DH", "ffdhe4096", 4096},
	{GNUTLS_GROUP_FFDHE6144, "DH", "ffdhe6144", 6144},
	{GNUTLS_GROUP_FFDHE8192, "DH", "ffdhe8192", 8192},
};

static int kx_is_dhe(gnutls_kx_algorithm_t kx)
{
	return kx == GNUTLS_KX_DHE_RSA || kx == GNUTLS_KX_DHE_DSS ||
	       kx == GNUTLS_KX_ANON_DH || kx == GNUTLS_KX_DHE_PSK;
}

static int kx_is_ecdhe(gnutls_kx_algorithm_t kx)
{
	return kx == GNUTLS_KX_ECDHE_RSA || kx == GNUTLS_KX_ECDHE_ECDSA ||
	       kx == GNUTLS_KX_ANON_ECDH || kx == GNUTLS_KX_ECDHE_PSK;
}

static void temp_key_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	gnutls_kx_algorithm_t kx = gnutls_kx_get(s->gs);
	gnutls_protocol_t v = gnutls_protocol_get_version(s->gs);
	gnutls_group_t g = gnutls_group_get(s->gs);
	size_t i;

	set_str(&out->temp_key_type, NULL);
	set_str(&out->temp_key_group, NULL);
	out->temp_key_bits = 0;
	if (!s->completed) {
		/* GnuTLS keeps no key of a handshake it refused; the
		 * ServerKeyExchange we saw pass says what the server sent. */
		const struct mx_ske *k = &mx_flight_facts(s->flight)->ske;
		const struct mx_group *gr;

		if (k->seen && k->kind == MX_SKE_DHE) {
			set_str(&out->temp_key_type, "DH");
			out->temp_key_bits = (int)k->dh_bits;
		} else if (k->seen && k->kind == MX_SKE_ECDHE &&
			   (gr = mx_group_by_id(k->group)) != NULL) {
			for (size_t j = 0;
			     j < sizeof(group_names) / sizeof(group_names[0]);
			     j++) {
				const char *gn =
					gnutls_group_get_name(group_names[j].g);

				if (gn != NULL &&
				    (strcasecmp(gn, gr->iana) == 0 ||
				     (gr->openssl != NULL &&
				      strcasecmp(gn, gr->openssl) == 0))) {
					set_str(&out->temp_key_type,
						group_names[j].type);
					set_str(&out->temp_key_group,
						group_names[j].group);
					out->temp_key_bits =
						group_names[j].bits;
				}
			}
		}
		return;
	}
	/* TLS 1.3 always has an ephemeral group; TLS <= 1.2 only with
	 * (EC)DHE suites (static RSA has no temp key). */
	if (v != GNUTLS_TLS1_3 && !kx_is_dhe(kx) && !kx_is_ecdhe(kx))
		return;
	for (i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++) {
		if (group_names[i].g == g && g != GNUTLS_GROUP_INVALID) {
			set_str(&out->temp_key_type, group_names[i].type);
			set_str(&out->temp_key_group, group_names[i].group);
			out->temp_key_bits = group_names[i].bits;
			return;
		}
	}
	if (kx_is_dhe(kx)) {
		/* A private (unnamed) DH group, as TLS 1.2 servers send. */
		int bits = gnutls_dh_get_prime_bits(s->gs);

		if (bits > 0) {
			set_str(&out->temp_key_type, "DH");
			out->temp_key_bits = bits;
		}
	} else if (g != GNUTLS_GROUP_INVALID && gnutls_group_get_name(g)) {
		set_str(&out->temp_key_type, "ECDH");
		set_str(&out->temp_key_group, gnutls_group_get_name(g));
	}
}

/* The negotiated suite's name; gnutls_ciphersuite_get() is only safe
 * (and only answers) once the handshake completed. */
static const char *cs_name(struct mx_tls_session *s)
{
	return s->completed ? gnutls_ciphersuite_get(s->gs) : NULL;
}

static const char *version_name(gnutls_protocol_t v)
{
	switch (v) {
	case GNUTLS_SSL3:
		return "SSLv3";
	case GNUTLS_TLS1_0:
		return "TLSv1";
	case GNUTLS_TLS1_1:
		return "TLSv1.1";
	case GNUTLS_TLS1_2:
		return "TLSv1.2";
	case GNUTLS_TLS1_3:
		return "TLSv1.3";
	default:
		return NULL;
	}
}

/* The IANA code point of the negotiated suite: GnuTLS names it
 * ("TLS_ECDHE_RSA_AES_128_GCM_SHA256"); its suite table maps names
 * (without the "TLS_" prefix for TLS <= 1.2) to the two bytes. */
static uint16_t suite_id(struct mx_tls_session *s)
{
	const char *name = cs_name(s);
	const char *n;
	unsigned char id[2];
	gnutls_kx_algorithm_t kx;
	gnutls_cipher_algorithm_t c;
	gnutls_mac_algorithm_t mac;
	gnutls_protocol_t minv;
	size_t i;

	const struct mx_suite *st;

	if (name == NULL)
		return 0;
	/* 3.7 names TLS 1.2 suites as IANA does. */
	st = mx_suite_by_name(name);
	if (st != NULL)
		return st->id;
	for (i = 0; i < 4096; i++) {
		n = gnutls_cipher_suite_info(i, id, &kx, &c, &mac, &minv);
		if (n == NULL)
			break;
		if (strcmp(n, name) == 0 ||
		    (strncmp(name, "TLS_", 4) == 0 && strcmp(n, name + 4) == 0))
			return (uint16_t)(id[0] << 8 | id[1]);
	}
	return 0;
}

static void suite_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	gnutls_protocol_t v = gnutls_protocol_get_version(s->gs);
	const struct mx_suite *st;
	uint16_t id = 0;

	set_str(&out->version, NULL);
	set_str(&out->suite_iana, NULL);
	set_str(&out->suite_openssl, NULL);
	out->suite_id = 0;
	/* Known once a ServerHello was taken, even if the handshake failed
	 * later (e.g. at the DH prime check): then from the flight. */
	if (cs_name(s) != NULL) {
		set_str(&out->version, version_name(v));
		id = suite_id(s);
	} else {
		const struct mx_flight_facts *ff = mx_flight_facts(s->flight);

		if (!ff->sh.seen || ff->sh.hrr)
			return;
		set_str(&out->version, mx_tls_version_name(ff->sh.version));
		id = ff->sh.suite;
	}
	out->suite_id = id;
	st = id != 0 ? mx_suite_by_id(id) : NULL;
	if (st != NULL) {
		set_str(&out->suite_iana, st->iana);
		set_str(&out->suite_openssl, st->openssl);
	} else if (cs_name(s) != NULL) {
		set_str(&out->suite_iana, cs_name(s));
	}
}

static void chain_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	unsigned int n = 0, i;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(s->gs, &n);

	mx_chain_clear(&out->chain);
	if (certs == NULL)
		return;
	for (i = 0; i < n && i < MX_TLS_MAX_CHAIN; i++)
		(void)mx_x509_decode(certs[i].data, certs[i].size,
				     mx_chain_add(&out->chain));
}

/* Is the issuer of this certificate (DER) in the trust store? */
static int issuer_in_store(struct mx_tls_session *s, const struct mx_cert *c)
{
	gnutls_datum_t d = {c->der, (unsigned int)c->der_len};
	gnutls_x509_crt_t x = NULL, issuer = NULL;
	int found = 0;

	if (c->der == NULL || gnutls_x509_crt_init(&x) < 0)
		return 0;
	if (gnutls_x509_crt_import(x, &d, GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_certificate_get_issuer(s->cred, x, &issuer, 0) >= 0 &&
	    issuer != NULL)
		found = 1;
	/* Without GNUTLS_TL_GET_COPY the issuer belongs to the store. */
	gnutls_x509_crt_deinit(x);
	return found;
}

/* Length of the chain a verifier can build from the leaf: sent
 * certificates linked by issuer (in any order), plus the anchor from the
 * store when the last one is not self-signed and its issuer is there. */
static int built_chain_len(struct mx_tls_session *s, const struct mx_chain *ch)
{
	unsigned char used[MX_TLS_MAX_CHAIN] = {0};
	size_t cur = 0, j, len = 1;

	if (ch->n == 0)
		return 0;
	used[0] = 1;
	while (!ch->v[cur].self_signed && len < ch->n) {
		for (j = 1; j < ch->n && j < MX_TLS_MAX_CHAIN; j++) {
			struct mx_cert pair[2];
			struct mx_chain pc = {.v = pair, .n = 2, .cap = 2};

			if (used[j])
				continue;
			pair[0] = ch->v[cur];
			pair[1] = ch->v[j];
			if (mx_x509_chain_in_order(&pc))
				break;
		}
		if (j >= ch->n || j >= MX_TLS_MAX_CHAIN)
			break;
		used[j] = 1;
		cur = j;
		len++;
	}
	if (!ch->v[cur].self_signed && issuer_in_store(s, &ch->v[cur]))
		len++;
	return (int)len;
}

/* GnuTLS status bits -> OpenSSL X509_V_ERR_* numbers (see the header
 * comment); the first matching row wins. */
static const struct {
	unsigned bit;
	long code;
} verify_map[] = {
	{GNUTLS_CERT_REVOKED, 23},
	{GNUTLS_CERT_SIGNATURE_FAILURE, 7},
	{GNUTLS_CERT_EXPIRED, 10},
	{GNUTLS_CERT_NOT_ACTIVATED, 9},
	{GNUTLS_CERT_SIGNER_NOT_FOUND, 20},
	{GNUTLS_CERT_SIGNER_NOT_CA, 24},
	{GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, 25},
	{GNUTLS_CERT_PURPOSE_MISMATCH, 26},
	{GNUTLS_CERT_INSECURE_ALGORITHM, 68},
};

static void verify_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	const struct mx_chain *ch = &out->chain;
	unsigned int status = 0;
	gnutls_datum_t txt = {NULL, 0};
	time_t now = time(NULL);
	size_t i;
	int r;

	set_str(&out->verify_error, NULL);
	out->verify_done = 0;
	out->verify_code = 0;
	out->verify_depth = -1;
	out->verified_chain_len = 0;
	if (ch->n == 0)
		return;
	r = gnutls_certificate_verify_peers2(s->gs, &status);
	if (r < 0)
		return;
	out->verify_done = 1;
	if (gnutls_certificate_verification_status_print(
		    status, GNUTLS_CRT_X509, &txt, 0) >= 0 &&
	    txt.data != NULL) {
		set_str(&out->verify_error, (const char *)txt.data);
		gnutls_free(txt.data);
	}
	out->verified_chain_len = built_chain_len(s, ch);
	if (status == 0)
		return;
	out->verify_code = 1; /* unspecified */
	for (i = 0; i < sizeof(verify_map) / sizeof(verify_map[0]); i++) {
		if (status & verify_map[i].bit) {
			out->verify_code = verify_map[i].code;
			break;
		}
	}
	out->verify_depth = 0;
	if (out->verify_code == 10 || out->verify_code == 9) {
		for (i = 0; i < ch->n; i++) {
			if (now > ch->v[i].not_after ||
			    now < ch->v[i].not_before) {
				out->verify_depth = (int)i;
				break;
			}
		}
	} else if (out->verify_code == 20) {
		/* Where the chain a verifier can build from the leaf ends. */
		int end = out->verified_chain_len - 1;
		const struct mx_cert *top = &ch->v[ch->n - 1];

		out->verify_depth = end > 0 ? end : 0;
		if (top->self_signed && ch->n == 1)
			out->verify_code = 18;
		else if (top->self_signed && end == (int)ch->n - 1)
			out->verify_code = 19;
	}
}

/* RFC 8446 §5.1 / RFC 5246 §6.2.1: a TLS record starts with a content
 * type of 20..24.  A failure on a stream that did not start so means the
 * peer is not speaking TLS at all (an SMTP reply, an HTTP error), rather
 * than speaking it badly. */
static int not_tls(const struct mx_tls_session *s)
{
	return s->first_byte >= 0 && (s->first_byte < 20 || s->first_byte > 24);
}

static void fail_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	set_str(&out->fail_detail, NULL);
	out->fail = MX_TLS_FAIL_NONE;
	out->alert = 0;
	if (!s->failed)
		return;
	set_str(&out->fail_detail, s->fail_text);
	if (s->alert_recv >= 0) {
		out->fail = MX_TLS_FAIL_ALERT_RECV;
		out->alert = s->alert_recv;
		return;
	}
	if (not_tls(s) && !s->completed) {
		out->fail = MX_TLS_FAIL_PROTOCOL;
	} else if (s->alert_sent >= 0) {
		out->fail = MX_TLS_FAIL_ALERT_SENT;
		out->alert = s->alert_sent;
	} else {
		out->fail = MX_TLS_FAIL_OTHER;
	}
}

static void gt_facts(struct mx_tls_session *s, struct mx_tls *out)
{
	gnutls_datum_t alpn = {NULL, 0};

	out->attempted = s->attempted;
	out->completed = s->completed;
	set_str(&out->backend, "gnutls");
	set_str(&out->sni, s->sni);
	suite_facts(s, out);
	temp_key_facts(s, out);
	free(out->alpn);
	out->alpn = NULL;
	if (s->completed &&
	    gnutls_alpn_get_selected_protocol(s->gs, &alpn) ==
		    GNUTLS_E_SUCCESS &&
	    alpn.size > 0)
		out->alpn = mx_escape(alpn.data, alpn.size, MX_TLS_MAX_TEXT);
	chain_facts(s, out);
	out->top_issuer_in_store =
		out->chain.n > 0 &&
		issuer_in_store(s, &out->chain.v[out->chain.n - 1]);
	out->top_is_self_signed = out->chain.n > 0 &&
				  out->chain.v[out->chain.n - 1].self_signed;
	out->chain_in_order = mx_x509_chain_in_order(&out->chain);
	verify_facts(s, out);
	fail_facts(s, out);
}

const struct mx_tls_backend mx_tls_gnutls = {
	.name = "gnutls",
	.session_new = gt_new,
	.session_free = gt_free,
	.push_input = gt_push_input,
	.pull_output = gt_pull_output,
	.pending_output = gt_pending_output,
	.handshake = gt_handshake,
	.write = gt_write,
	.read = gt_read,
	.shutdown = gt_shutdown,
	.facts = gt_facts,
};
