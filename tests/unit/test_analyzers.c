/*
 * test_analyzers.c - the judgement (analyzers/): endpoint rules as a
 * table of realistic fact mutations (ids, severities, column verdicts,
 * evidence and fix), target DNS rules, the exit status precedence, the
 * confidence worked examples of doc/confidence.md, idempotency, and the
 * agreement of model/catalogue.c with doc/findings.md.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/analyze.h"
#include "common/xalloc.h"
#include "tests/unit/test_analyzers_fixtures.h"
#include "wire/smtp.h"

/* ---- helpers ----------------------------------------------------------- */

static struct mx_analyze_params params(void)
{
	struct mx_analyze_params p;

	mx_analyze_params_init(&p, FIX_NOW);
	return p;
}

/* Finding ids, space separated, in the order emitted. */
static void ids_of(const struct mx_findings *fs, char *out, size_t len)
{
	size_t i, off = 0;

	out[0] = '\0';
	for (i = 0; i < fs->n && off < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%s",
					i ? " " : "", fs->v[i].def->id);
}

/* Columns as 7 characters: O ok, W warn, F fail, - not reached. */
/* The session's columns (the DANE column, judged from TLSA facts these
 * fixtures do not have, is tests/unit/test_dane.c's). */
static void cols_of(const struct mx_endpoint *ep, char *out)
{
	static const char ch[] = {'-', 'O', 'W', 'F'};
	int i;

	for (i = 0; i < MX_COL_DANE; i++)
		out[i] = ch[ep->col[i]];
	out[MX_COL_DANE] = '\0';
}

static const struct mx_finding *find(const struct mx_findings *fs,
				     const char *id)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].def->id, id) == 0)
			return &fs->v[i];
	return NULL;
}

/* ---- endpoint mutations ----------------------------------------------- */

#define CUT_BANNER 1
#define CUT_EHLO 2
#define CUT_STARTTLS 3
#define CUT_TLS 4
#define CUT_EHLO_TLS 5
#define CUT_QUIT 6

static void m_none(struct mx_endpoint *ep)
{
	(void)ep;
}

static void m_refused(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_BANNER);
	mx_tx_clear(&ep->smtp.tx);
	ep->smtp.connect = (struct mx_step){MX_STEP_FAILED, 0};
	ep->smtp.stop = MX_STOP_CONNECT_REFUSED;
	fix_set(&ep->smtp.error, "Connection refused");
}

static void m_conn_timeout(struct mx_endpoint *ep)
{
	m_refused(ep);
	ep->smtp.connect.ms = 5000;
	ep->smtp.stop = MX_STOP_CONNECT_TIMEOUT;
	fix_set(&ep->smtp.error, NULL);
}

static void m_unreachable(struct mx_endpoint *ep)
{
	m_refused(ep);
	ep->smtp.stop = MX_STOP_CONNECT_ERROR;
	fix_set(&ep->smtp.error, "Network is unreachable");
}

static void m_greet_timeout(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_BANNER);
	mx_tx_clear(&ep->smtp.tx);
	ep->smtp.banner = (struct mx_step){MX_STEP_FAILED, 2000};
	ep->smtp.stop = MX_STOP_GREETING_TIMEOUT;
}

static void m_greet_timeout_465(struct mx_endpoint *ep)
{
	m_greet_timeout(ep);
	ep->port = 465;
}

static void m_greet_554(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO);
	ep->smtp.banner.state = MX_STEP_FAILED;
	ep->smtp.greeting.code = 554;
	snprintf(ep->smtp.greeting.enh, sizeof(ep->smtp.greeting.enh), "5.7.1");
	fix_set(&ep->smtp.greeting.text, "mx.lab.test no service for you\n"
					 "listed at bl.lab.test");
	ep->smtp.greeting.nlines = 2;
	ep->smtp.stop = MX_STOP_GREETING_REJECTED;
}

static void m_greet_slow(struct mx_endpoint *ep)
{
	ep->smtp.banner.ms = 6000;
}

static void m_greet_at_threshold(struct mx_endpoint *ep)
{
	ep->smtp.banner.ms = 5000;
}

static void m_ehlo_limit(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO);
	ep->smtp.ehlo = (struct mx_step){MX_STEP_FAILED, 5000};
	ep->smtp.stop = MX_STOP_REPLY_LIMIT;
	fix_set(&ep->smtp.error, "too many lines in one reply (100)");
	fix_tx(ep, MX_TX_RECV, 5000, "250-X-FILLER-100");
}

/* As the client records it: the error quotes the bytes (escaped once),
 * the transcript holds them as received. */
static void m_greet_garbage(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_BANNER);
	mx_tx_clear(&ep->smtp.tx);
	ep->smtp.banner = (struct mx_step){MX_STEP_FAILED, 1};
	ep->smtp.stop = MX_STOP_REPLY_MALFORMED;
	fix_set(&ep->smtp.error,
		"not an SMTP reply: \"HTTP/1.1 400 Bad Request\\r\\n\\x1b[2J\"");
	fix_tx(ep, MX_TX_RECV, 1, "HTTP/1.1 400 Bad Request\r\n\x1b[2J");
}

static void m_fin_at_starttls(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_STARTTLS);
	ep->smtp.starttls = (struct mx_step){MX_STEP_FAILED, 3};
	ep->smtp.stop = MX_STOP_PEER_CLOSED;
}

static void m_rst_at_ehlo(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO);
	ep->smtp.ehlo = (struct mx_step){MX_STEP_FAILED, 1};
	ep->smtp.stop = MX_STOP_PEER_RESET;
}

static void m_timeout_ehlo_tls(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO_TLS);
	ep->smtp.ehlo_tls = (struct mx_step){MX_STEP_FAILED, 5000};
	ep->smtp.stop = MX_STOP_REPLY_TIMEOUT;
}

static void m_deadline(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO);
	ep->smtp.stop = MX_STOP_TARGET_DEADLINE;
}

/* The transcript of a refused EHLO: greeting, EHLO and its reply, then
 * the given tail (HELO and its reply; QUIT and 221 unless 421). */
static void ehlo_refused_tx(struct mx_endpoint *ep, const char *ehlo_reply,
			    const char *helo_reply, int quit)
{
	fix_cut_after(ep, CUT_EHLO);
	mx_tx_clear(&ep->smtp.tx);
	ep->smtp.ehlo = (struct mx_step){MX_STEP_FAILED, 1};
	ep->smtp.stop = MX_STOP_EHLO_REJECTED;
	fix_tx(ep, MX_TX_RECV, 2, "220 mx1.lab.test ESMTP");
	fix_tx(ep, MX_TX_SENT, 2, "EHLO probe.mxprobe.invalid");
	fix_tx(ep, MX_TX_RECV, 3, ehlo_reply);
	if (helo_reply) {
		fix_tx(ep, MX_TX_SENT, 3, "HELO probe.mxprobe.invalid");
		fix_tx(ep, MX_TX_RECV, 4, helo_reply);
	}
	if (quit) {
		fix_tx(ep, MX_TX_SENT, 4, "QUIT");
		fix_tx(ep, MX_TX_RECV, 5, "221 2.0.0 Bye");
	}
}

static void m_ehlo_rejected(struct mx_endpoint *ep)
{
	ehlo_refused_tx(ep, "502 5.5.2 Error: command not recognized",
			"550 5.7.1 HELO rejected", 1);
}

/* Issue 13: a 4xx to EHLO is temporary; HELO is never sent. */
static void m_ehlo_451(struct mx_endpoint *ep)
{
	ehlo_refused_tx(ep, "451 4.3.2 Please try again later", NULL, 1);
}

static void m_ehlo_451_too_many(struct mx_endpoint *ep)
{
	ehlo_refused_tx(ep, "451 4.7.1 Too many connections from your address",
			NULL, 1);
}

static void m_ehlo_421(struct mx_endpoint *ep)
{
	ehlo_refused_tx(ep, "421 4.3.2 Service shutting down", NULL, 0);
}

static void m_ehlo_502_helo_451(struct mx_endpoint *ep)
{
	ehlo_refused_tx(ep, "502 5.5.2 Error: command not recognized",
			"451 4.3.0 try later", 1);
}

static void m_ehlo_tls_refused(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO_TLS);
	ep->smtp.ehlo_tls = (struct mx_step){MX_STEP_FAILED, 1};
	ep->smtp.stop = MX_STOP_EHLO_REJECTED;
	mx_tx_clear(&ep->smtp.tx);
	fix_tx(ep, MX_TX_SENT, 2, "EHLO probe.mxprobe.invalid");
	fix_tx(ep, MX_TX_RECV, 3, "250-mx1.lab.test");
	fix_tx(ep, MX_TX_RECV, 3, "250 STARTTLS");
	fix_tx(ep, MX_TX_SENT, 3, "STARTTLS");
	fix_tx(ep, MX_TX_RECV, 4, "220 go ahead");
	fix_tx(ep, MX_TX_SENT, 9, "EHLO probe.mxprobe.invalid");
	fix_tx(ep, MX_TX_RECV, 10, "554 5.7.0 not over TLS");
	fix_tx(ep, MX_TX_SENT, 10, "QUIT");
	fix_tx(ep, MX_TX_RECV, 11, "221 Bye");
}

/* Issue 13: accepted, then reset before the greeting (the client's
 * record of it). */
static void m_accept_then_rst(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO);
	mx_tx_clear(&ep->smtp.tx);
	ep->smtp.banner = (struct mx_step){MX_STEP_FAILED, 0};
	ep->smtp.stop = MX_STOP_PEER_RESET;
	fix_set(&ep->smtp.error, "connection reset by the server as soon as "
				 "it was accepted, before the greeting");
}

/* A connect error that is not "unreachable": no routing advice. */
static void m_connect_error_other(struct mx_endpoint *ep)
{
	m_refused(ep);
	ep->smtp.stop = MX_STOP_CONNECT_ERROR;
	fix_set(&ep->smtp.error, "connect to 127.0.0.31 port 25: Cannot "
				 "assign requested address");
}

/* Unreachable known from the connection record, not the text. */
static void m_unreachable_record(struct mx_endpoint *ep)
{
	struct mx_conn_purpose pu = {.kind = MX_CONN_PROBE, .step = -1};
	struct mx_connrec *r;

	m_refused(ep);
	ep->smtp.stop = MX_STOP_CONNECT_ERROR;
	fix_set(&ep->smtp.error, "connect to ::1 port 25: (localised text)");
	r = mx_endpoint_conn_new(ep, 1, &pu);
	r->how = MX_HOW_ERROR;
	r->err = EHOSTUNREACH;
}

/* Issue 13: a second greeting line before EHLO, skipped by the client. */
static void m_unsolicited(struct mx_endpoint *ep)
{
	fix_tx(ep, MX_TX_NOTE, 4,
	       "unsolicited reply, came before EHLO was sent: "
	       "'220 mx1.lab.test second greeting'");
}

static void m_helo_only(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_STARTTLS);
	mx_caps_clear(&ep->smtp.caps);
	ep->smtp.used_helo = 1;
}

static void m_no_starttls(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_STARTTLS);
	mx_caps_clear(&ep->smtp.caps);
	mx_caps_add_keyword(&ep->smtp.caps, "PIPELINING");
	mx_caps_add_keyword(&ep->smtp.caps, "SIZE 10240000");
	ep->smtp.caps.valid = 1;
	ep->smtp.caps.flags = MX_SMTP_CAP_PIPELINING | MX_SMTP_CAP_SIZE;
	ep->smtp.starttls.state = MX_STEP_SKIPPED;
}

/* A bare "250 mx.lab.test" EHLO reply: no extensions at all. */
static void m_ehlo_bare(struct mx_endpoint *ep)
{
	m_no_starttls(ep);
	mx_caps_clear(&ep->smtp.caps);
	ep->smtp.caps.valid = 1;
}

/* STARTTLS advertised as a keyword only (flags not parsed) counts. */
static void m_starttls_kw_only(struct mx_endpoint *ep)
{
	ep->smtp.caps.flags = 0;
}

static void m_implicit(struct mx_endpoint *ep)
{
	ep->mode = MX_MODE_IMPLICIT;
	ep->port = 465;
	ep->smtp.starttls = (struct mx_step){MX_STEP_SKIPPED, 0};
	ep->smtp.ehlo_tls = (struct mx_step){MX_STEP_SKIPPED, 0};
	mx_reply_clear(&ep->smtp.starttls_reply);
	/* the EHLO over TLS lists no STARTTLS - right for smtps */
	mx_caps_clear(&ep->smtp.caps);
	mx_caps_add_keyword(&ep->smtp.caps, "PIPELINING");
	ep->smtp.caps.valid = 1;
}

static void m_454(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_TLS);
	ep->smtp.starttls = (struct mx_step){MX_STEP_FAILED, 1};
	ep->smtp.starttls_reply.code = 454;
	snprintf(ep->smtp.starttls_reply.enh,
		 sizeof(ep->smtp.starttls_reply.enh), "4.7.0");
	fix_set(&ep->smtp.starttls_reply.text,
		"TLS not available due to temporary reason");
	ep->smtp.stop = MX_STOP_STARTTLS_REJECTED;
}

static void m_fin_at_quit(struct mx_endpoint *ep)
{
	ep->smtp.quit = (struct mx_step){MX_STEP_FAILED, 0};
	ep->smtp.stop = MX_STOP_PEER_CLOSED;
}

static void m_internal(struct mx_endpoint *ep)
{
	fix_cut_after(ep, CUT_EHLO);
	ep->smtp.stop = MX_STOP_INTERNAL;
	fix_set(&ep->smtp.error, "socket: Too many open files");
}

/* TLS failures: the handshake started after STARTTLS 220. */
static void tls_fail(struct mx_endpoint *ep, enum mx_tls_fail f, int alert,
		     const char *detail)
{
	struct mx_tls *t = &ep->tls;

	fix_cut_after(ep, CUT_EHLO_TLS);
	mx_chain_clear(&t->chain);
	t->completed = 0;
	t->verify_done = 0;
	fix_set(&t->version, NULL);
	fix_set(&t->suite_iana, NULL);
	fix_set(&t->suite_openssl, NULL);
	fix_set(&t->temp_key_type, NULL);
	fix_set(&t->temp_key_group, NULL);
	t->temp_key_bits = 0;
	t->fail = f;
	t->alert = alert;
	fix_set(&t->fail_detail, detail);
	ep->smtp.tls = (struct mx_step){MX_STEP_FAILED, 12};
	ep->smtp.stop = MX_STOP_TLS_FAILED;
}

static void m_alert40(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_ALERT_RECV, 40,
		 "sslv3 alert handshake failure");
}

static void m_alert_unassigned(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_ALERT_RECV, 250, NULL);
}

static void m_dh_too_small(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_ALERT_SENT, 40, "dh key too small");
	fix_set(&ep->tls.temp_key_type, "DH");
	ep->tls.temp_key_bits = 1024;
}

/* No library text, but the temp key says it: still the DH diagnosis. */
static void m_dh_small_no_detail(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_ALERT_SENT, 71, NULL);
	fix_set(&ep->tls.temp_key_type, "DH");
	ep->tls.temp_key_bits = 1024;
}

static void m_fin_after_hello(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_EOF, 0, "unexpected eof while reading");
}

static void m_rst_in_hs(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_RESET, 0, NULL);
}

static void m_hs_timeout(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_TIMEOUT, 0, NULL);
}

static void m_not_tls_implicit(struct mx_endpoint *ep)
{
	m_implicit(ep);
	fix_cut_after(ep, CUT_BANNER);
	ep->smtp.connect.state = MX_STEP_OK;
	ep->tls.attempted = 1;
	ep->tls.fail = MX_TLS_FAIL_PROTOCOL;
	ep->tls.fail_detail = xstrdup("packet length too long");
	ep->smtp.tls = (struct mx_step){MX_STEP_FAILED, 2};
	ep->smtp.stop = MX_STOP_TLS_FAILED;
}

static void m_not_tls_starttls(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_PROTOCOL, 0, "record layer failure");
}

/* A stop reason without step states: the dialogue still gets a
 * finding, at the step in progress. */
static void m_hs_eof_as_peer_closed(struct mx_endpoint *ep)
{
	tls_fail(ep, MX_TLS_FAIL_EOF, 0, NULL);
	ep->smtp.stop = MX_STOP_PEER_CLOSED;
}

static void set_version(struct mx_endpoint *ep, const char *v)
{
	fix_set(&ep->tls.version, v);
}

static void m_sslv3(struct mx_endpoint *ep)
{
	set_version(ep, "SSLv3");
}

static void m_tls10(struct mx_endpoint *ep)
{
	set_version(ep, "TLSv1");
	fix_set(&ep->tls.suite_iana, "TLS_RSA_WITH_AES_128_CBC_SHA");
}

static void m_tls11(struct mx_endpoint *ep)
{
	set_version(ep, "TLSv1.1");
}

static void m_tls12(struct mx_endpoint *ep)
{
	set_version(ep, "TLSv1.2");
}

static void set_key(struct mx_endpoint *ep, const char *type, const char *group,
		    int bits)
{
	fix_set(&ep->tls.temp_key_type, type);
	fix_set(&ep->tls.temp_key_group, group);
	ep->tls.temp_key_bits = bits;
	fix_set(&ep->tls.suite_iana, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
}

static void m_dh512(struct mx_endpoint *ep)
{
	set_key(ep, "DH", NULL, 512);
}

static void m_dh1023(struct mx_endpoint *ep)
{
	set_key(ep, "DH", NULL, 1023);
}

static void m_dh1024(struct mx_endpoint *ep)
{
	set_key(ep, "DH", NULL, 1024);
}

static void m_dh2047(struct mx_endpoint *ep)
{
	set_key(ep, "DH", NULL, 2047);
}

static void m_dh2048(struct mx_endpoint *ep)
{
	set_key(ep, "DH", "ffdhe2048", 2048);
}

static void m_ec192(struct mx_endpoint *ep)
{
	set_key(ep, "ECDH", "P-192", 192);
}

static void m_ec224(struct mx_endpoint *ep)
{
	set_key(ep, "ECDH", "P-224", 224);
}

static void m_hybrid_kem(struct mx_endpoint *ep)
{
	set_key(ep, "X25519MLKEM768", "X25519MLKEM768", 0);
}

static void m_expired_leaf(struct mx_endpoint *ep)
{
	ep->tls.chain.v[0].not_after = FIX_NOW - 10 * FIX_DAY;
	ep->tls.verify_code = 10; /* X509_V_ERR_CERT_HAS_EXPIRED */
	fix_set(&ep->tls.verify_error, "certificate has expired");
}

static void m_not_yet_valid(struct mx_endpoint *ep)
{
	ep->tls.chain.v[0].not_before = FIX_NOW + 2 * FIX_DAY;
	ep->tls.verify_code = 9; /* X509_V_ERR_CERT_NOT_YET_VALID */
	fix_set(&ep->tls.verify_error, "certificate is not yet valid");
}

static void m_expired_intermediate(struct mx_endpoint *ep)
{
	ep->tls.chain.v[1].not_after = FIX_NOW - 1;
	ep->tls.verify_code = 10;
	ep->tls.verify_depth = 1;
}

static void m_expiring_13d(struct mx_endpoint *ep)
{
	ep->tls.chain.v[0].not_after = FIX_NOW + 13 * FIX_DAY + 3600;
}

static void m_expiring_14d(struct mx_endpoint *ep)
{
	ep->tls.chain.v[0].not_after = FIX_NOW + 14 * FIX_DAY;
}

static void m_self_signed(struct mx_endpoint *ep)
{
	struct mx_cert *leaf;

	mx_chain_clear(&ep->tls.chain);
	leaf = fix_add_cert(ep, ep->host, ep->host, 0, FIX_NOW - FIX_DAY,
			    FIX_NOW + 365 * FIX_DAY);
	leaf->san_dns = xcalloc(1, sizeof(char *));
	leaf->san_dns[0] = xstrdup(ep->host);
	leaf->nsan_dns = 1;
	ep->tls.verify_code = 18; /* DEPTH_ZERO_SELF_SIGNED_CERT */
	fix_set(&ep->tls.verify_error, "self-signed certificate");
	ep->tls.top_is_self_signed = 1;
	ep->tls.top_issuer_in_store = 0;
}

static void m_missing_intermediate(struct mx_endpoint *ep)
{
	mx_cert_clear(&ep->tls.chain.v[1]);
	ep->tls.chain.n = 1;
	ep->tls.verify_code = 20; /* UNABLE_TO_GET_ISSUER_CERT_LOCALLY */
	fix_set(&ep->tls.verify_error,
		"unable to get local issuer certificate");
	ep->tls.verify_depth = 0;
	ep->tls.top_issuer_in_store = 0;
	ep->tls.verified_chain_len = 1;
}

static void m_missing_intermediate_21(struct mx_endpoint *ep)
{
	m_missing_intermediate(ep);
	ep->tls.verify_code = 21;
	fix_set(&ep->tls.verify_error,
		"unable to verify the first certificate");
}

static void m_untrusted_root(struct mx_endpoint *ep)
{
	fix_add_cert(ep, "mxprobe lab root", "mxprobe lab root", 1,
		     FIX_NOW - 900 * FIX_DAY, FIX_NOW + 9000 * FIX_DAY);
	ep->tls.verify_code = 19; /* SELF_SIGNED_CERT_IN_CHAIN */
	fix_set(&ep->tls.verify_error,
		"self-signed certificate in certificate chain");
	ep->tls.verify_depth = 2;
	ep->tls.top_is_self_signed = 1;
	ep->tls.top_issuer_in_store = 0;
}

/* Leaf and intermediate sent, the root unknown to the store: servers
 * rarely send roots, so this is an untrusted root, not a missing
 * intermediate (the evidence names the other possibility). */
static void m_unknown_root_not_sent(struct mx_endpoint *ep)
{
	ep->tls.verify_code = 20;
	fix_set(&ep->tls.verify_error,
		"unable to get local issuer certificate");
	ep->tls.verify_depth = 1;
	ep->tls.top_issuer_in_store = 0;
}

static void m_issuer_in_store_mismatch(struct mx_endpoint *ep)
{
	ep->tls.verify_code = 20;
	fix_set(&ep->tls.verify_error,
		"unable to get local issuer certificate");
	ep->tls.verify_depth = 1;
	ep->tls.top_issuer_in_store = 1;
}

static void m_bad_signature(struct mx_endpoint *ep)
{
	ep->tls.verify_code = 7; /* CERT_SIGNATURE_FAILURE */
	fix_set(&ep->tls.verify_error, "certificate signature failure");
}

static void m_verify_hostname(struct mx_endpoint *ep)
{
	ep->tls.verify_code = 62; /* HOSTNAME_MISMATCH, judged by name */
	fix_set(&ep->tls.verify_error, "hostname mismatch");
}

static void m_out_of_order(struct mx_endpoint *ep)
{
	ep->tls.chain_in_order = 0;
}

static void m_single_cert_order(struct mx_endpoint *ep)
{
	m_missing_intermediate(ep);
	ep->tls.verify_code = 0;
	ep->tls.top_issuer_in_store = 1;
	ep->tls.chain_in_order = 0; /* one certificate: no order to judge */
}

static void m_name_mismatch(struct mx_endpoint *ep)
{
	fix_set(&ep->host, "mx4.lab.test");
}

static void m_name_wildcard(struct mx_endpoint *ep)
{
	fix_set(&ep->tls.chain.v[0].san_dns[0], "*.lab.test");
}

static void m_name_ip(struct mx_endpoint *ep)
{
	fix_set(&ep->host, "::1");
	fix_set(&ep->addr, "::1");
}

static void m_name_ip_san(struct mx_endpoint *ep)
{
	struct mx_cert *c = &ep->tls.chain.v[0];

	fix_set(&ep->host, "127.0.0.31");
	c->san_ip = xcalloc(1, sizeof(char *));
	c->san_ip[0] = xstrdup("127.0.0.31");
	c->nsan_ip = 1;
}

/* Two independent defects: both reported, each in its column. */
static void m_expired_and_mismatch(struct mx_endpoint *ep)
{
	m_expired_leaf(ep);
	m_name_mismatch(ep);
}

static const struct ep_case {
	const char *name;
	void (*mutate)(struct mx_endpoint *ep);
	const char *ids;      /* expected finding ids, in order */
	const char *sev;      /* severity of the first finding */
	const char *cols;     /* Connect Banner EHLO Offered Negotiated
				 * Cert Name: O W F - */
	const char *evidence; /* substring of the first's evidence */
	const char *fix;      /* substring of the first's fix, or NULL */
} ep_cases[] = {
	{"good", m_none, "", NULL, "OOOOOOO", NULL, NULL},
	{"refused", m_refused, "smtp.connect_failed", "critical", "F------",
	 "connection refused", "listens"},
	{"connect timeout", m_conn_timeout, "smtp.connect_failed", "critical",
	 "F------",
	 "no answer to the SYN during the TCP connect (after 5000 ms)",
	 "silently drops"},
	{"unreachable", m_unreachable, "smtp.connect_failed", "critical",
	 "F------", "unreachable", "route"},
	{"greeting timeout", m_greet_timeout, "smtp.greeting_timeout",
	 "critical", "OF-----", "no greeting arrived during the greeting",
	 "tarpitting"},
	{"greeting timeout on 465", m_greet_timeout_465,
	 "smtp.greeting_timeout", "critical", "OF-----", "no greeting",
	 "smtps://"},
	{"greeting 554", m_greet_554, "smtp.greeting_rejected", "critical",
	 "OF-----",
	 "554 5.7.1 'mx.lab.test no service for you | listed at "
	 "bl.lab.test'",
	 "blocklists"},
	{"greeting slow", m_greet_slow, "smtp.greeting_slow", "warning",
	 "OWOOOOO", "took 6000 ms (threshold 5000 ms)", NULL},
	{"greeting at threshold", m_greet_at_threshold, "", NULL, "OOOOOOO",
	 NULL, NULL},
	{"EHLO endless", m_ehlo_limit, "smtp.reply_limit_exceeded", "critical",
	 "OOF----", "during EHLO (after 5000 ms): too many lines", "512"},
	{"greeting garbage", m_greet_garbage, "smtp.reply_malformed",
	 "critical", "OF-----",
	 "the server's answer during the greeting (after 1 ms): not an SMTP "
	 "reply: \"HTTP/1.1 400 Bad Request\\r\\n\\x1b[2J\"",
	 "HTTP"},
	{"FIN at STARTTLS", m_fin_at_starttls, "smtp.connection_lost",
	 "critical", "OOOOF--",
	 "closed the connection (TCP FIN) during "
	 "STARTTLS",
	 NULL},
	{"RST at EHLO", m_rst_at_ehlo, "smtp.connection_lost", "critical",
	 "OOF----", "reset the connection (TCP RST) during EHLO", NULL},
	{"timeout at EHLO after TLS", m_timeout_ehlo_tls, "smtp.timeout",
	 "critical", "OOFOOOO", "no reply arrived during EHLO after TLS", NULL},
	{"target deadline", m_deadline, "smtp.timeout", "critical", "OOF----",
	 "per-target deadline expired during EHLO", NULL},
	{"EHLO and HELO refused", m_ehlo_rejected, "smtp.ehlo_rejected",
	 "critical", "OOF----",
	 "EHLO was answered with '502 5.5.2 Error: command not recognized' "
	 "and HELO with '550 5.7.1 HELO rejected'",
	 "--helo"},
	{"EHLO 451", m_ehlo_451, "smtp.temp_failure", "warning", "OOW----",
	 "EHLO was answered with '451 4.3.2 Please try again later': a "
	 "temporary refusal, so HELO was not tried (it replaces EHLO only "
	 "after a 5xx, RFC 5321 section 4.1.4); TLS could not be tested",
	 "retries later"},
	{"EHLO 421", m_ehlo_421, "smtp.rate_limited", "warning", "OOW----",
	 "EHLO was answered with '421 4.3.2 Service shutting down': a "
	 "temporary refusal (421: the server is closing the connection, RFC "
	 "5321 section 3.8), so HELO was not tried",
	 "closed the session (421)"},
	{"EHLO 451 too many", m_ehlo_451_too_many, "smtp.rate_limited",
	 "warning", "OOW----",
	 "EHLO was answered with '451 4.7.1 Too many connections from your "
	 "address'",
	 NULL},
	{"EHLO 502, HELO 451", m_ehlo_502_helo_451, "smtp.temp_failure",
	 "warning", "OOW----",
	 "EHLO was answered with '502 5.5.2 Error: command not recognized' "
	 "and HELO with '451 4.3.0 try later': a temporary refusal, so the "
	 "dialogue stopped",
	 NULL},
	{"EHLO after TLS refused", m_ehlo_tls_refused, "smtp.ehlo_rejected",
	 "critical", "OOFOOOO",
	 "EHLO after TLS was answered with '554 5.7.0 not over TLS'", NULL},
	{"accepted, then RST", m_accept_then_rst, "smtp.connection_lost",
	 "critical", "OF-----",
	 "the server reset the connection (TCP RST) during the greeting "
	 "(after 0 ms): connection reset by the server as soon as it was "
	 "accepted, before the greeting",
	 NULL},
	{"connect error, not unreachable", m_connect_error_other,
	 "smtp.connect_failed", "critical", "F------",
	 "the network reported an error during the TCP connect (after 0 ms): "
	 "connect to 127.0.0.31 port 25: Cannot assign requested address",
	 "no firewall"},
	{"unreachable by the record", m_unreachable_record,
	 "smtp.connect_failed", "critical", "F------",
	 "host or network unreachable", "IPv6"},
	{"unsolicited reply", m_unsolicited, "smtp.unsolicited_reply",
	 "warning", "OOWOOOO",
	 "the server sent 1 unsolicited reply; the first came before EHLO was "
	 "sent: '220 mx1.lab.test second greeting'",
	 "desynchronise"},
	{"HELO only", m_helo_only,
	 "smtp.ehlo_unsupported smtp.starttls_missing", "warning", "OOWW---",
	 "HELO accepted", NULL},
	{"no STARTTLS", m_no_starttls, "smtp.starttls_missing", "warning",
	 "OOOW---",
	 "advertises only: PIPELINING, SIZE 10240000, but not "
	 "STARTTLS",
	 "smtpd_tls_security_level"},
	{"bare EHLO reply", m_ehlo_bare, "smtp.starttls_missing", "warning",
	 "OOOW---", "advertises no extension at all, STARTTLS included", NULL},
	{"STARTTLS keyword only", m_starttls_kw_only, "", NULL, "OOOOOOO", NULL,
	 NULL},
	{"implicit TLS lists no STARTTLS", m_implicit, "", NULL, "OOOOOOO",
	 NULL, NULL},
	{"454 to STARTTLS", m_454, "smtp.starttls_rejected", "critical",
	 "OOOOF--", "454 4.7.0 'TLS not available due to temporary reason'",
	 "certificate or key"},
	{"FIN at QUIT", m_fin_at_quit, "", NULL, "OOOOOOO", NULL, NULL},
	{"internal error", m_internal, "probe.internal_error", "unknown",
	 "OO-----", "Too many open files", NULL},
	{"alert 40", m_alert40, "tls.handshake_failed", "critical", "OOOOF--",
	 "fatal alert 40 (handshake_failure) (after 12 ms, library",
	 "nothing in common"},
	{"alert unassigned", m_alert_unassigned, "tls.handshake_failed",
	 "critical", "OOOOF--", "alert 250 (unassigned)", "alert names"},
	{"dh key too small", m_dh_too_small, "tls.handshake_failed", "critical",
	 "OOOOF--",
	 "aborted the handshake (alert sent) 40 (handshake_failure): the "
	 "server's DHE group is too small",
	 "kDHE"},
	{"small DH, no detail", m_dh_small_no_detail, "tls.handshake_failed",
	 "critical", "OOOOF--", ", server temp key DH 1024 bits)", "kDHE"},
	{"FIN after ClientHello", m_fin_after_hello, "tls.handshake_failed",
	 "critical", "OOOOF--",
	 "(TCP FIN) during the handshake without an "
	 "alert: possible handshake intolerance",
	 "Exchange 2013"},
	{"RST in handshake", m_rst_in_hs, "tls.handshake_failed", "critical",
	 "OOOOF--", "reset (TCP RST)", "middlebox"},
	{"handshake timeout", m_hs_timeout, "tls.handshake_failed", "critical",
	 "OOOOF--", "no answer to the ClientHello", "filtering"},
	{"implicit port speaks plain", m_not_tls_implicit,
	 "tls.handshake_failed", "critical", "O--FF--",
	 "not TLS (after 0 ms, library: 'packet length too long')",
	 "STARTTLS port"},
	{"STARTTLS then not TLS", m_not_tls_starttls, "tls.handshake_failed",
	 "critical", "OOOOF--", "not TLS", "strips STARTTLS"},
	{"EOF recorded as peer closed", m_hs_eof_as_peer_closed,
	 "tls.handshake_failed", "critical", "OOOOF--", "TCP FIN", NULL},
	{"SSLv3", m_sslv3, "tls.legacy_version", "critical", "OOOOFOO",
	 "negotiated SSLv3", NULL},
	{"TLSv1", m_tls10, "tls.legacy_version", "warning", "OOOOWOO",
	 "TLSv1 (suite TLS_RSA_WITH_AES_128_CBC_SHA)", NULL},
	{"TLSv1.1", m_tls11, "tls.legacy_version", "warning", "OOOOWOO",
	 "TLSv1.1", NULL},
	{"TLSv1.2", m_tls12, "", NULL, "OOOOOOO", NULL, NULL},
	{"DH 512", m_dh512, "kex.temp_key_weak", "critical", "OOOOFOO",
	 "DH key has 512 bits (minimum 2048)", "ffdhe2048"},
	{"DH 1023", m_dh1023, "kex.temp_key_weak", "critical", "OOOOFOO",
	 "1023 bits", NULL},
	{"DH 1024", m_dh1024, "kex.temp_key_weak", "warning", "OOOOWOO",
	 "1024 bits", "!kDHE appended"},
	{"DH 2047", m_dh2047, "kex.temp_key_weak", "warning", "OOOOWOO",
	 "2047 bits", NULL},
	{"DH 2048", m_dh2048, "", NULL, "OOOOOOO", NULL, NULL},
	{"EC 192", m_ec192, "kex.temp_key_weak", "warning", "OOOOWOO",
	 "EC key has 192 bits (curve P-192) (minimum 224)", "X25519"},
	{"EC 224", m_ec224, "", NULL, "OOOOOOO", NULL, NULL},
	{"hybrid KEM", m_hybrid_kem, "", NULL, "OOOOOOO", NULL, NULL},
	{"expired leaf", m_expired_leaf, "cert.expired", "critical", "OOOOOFO",
	 "leaf certificate 'CN=mx1.lab.test,O=mxprobe lab' "
	 "expired on 2025-02-19 12:00:00 UTC (10 days ago)",
	 "Renew"},
	{"not yet valid", m_not_yet_valid, "cert.expired", "critical",
	 "OOOOOFO", "not valid before 2025-03-03 12:00:00 UTC (in 2 days)",
	 "clock"},
	{"expired intermediate", m_expired_intermediate, "cert.expired",
	 "critical", "OOOOOFO", "intermediate certificate #1", NULL},
	{"expiring in 13 days", m_expiring_13d, "cert.expiring_soon", "warning",
	 "OOOOOWO", "(in 13 days; threshold 14 days)", NULL},
	{"expiring in 14 days", m_expiring_14d, "", NULL, "OOOOOOO", NULL,
	 NULL},
	{"self-signed", m_self_signed, "cert.self_signed", "warning", "OOOOOWO",
	 "leaf certificate 'CN=mx1.lab.test,O=mxprobe lab' is "
	 "signed by its own key",
	 "DANE"},
	{"missing intermediate", m_missing_intermediate,
	 "cert.chain_incomplete", "critical", "OOOOOFO",
	 "missing issuer 'CN=mxprobe lab intermediate,O=mxprobe lab': the "
	 "last certificate sent ('CN=mx1.lab.test,O=mxprobe lab', 1 of 1)",
	 "Send the missing certificate 'CN=mxprobe lab intermediate,O=mxprobe "
	 "lab' after the leaf"},
	{"missing intermediate (21)", m_missing_intermediate_21,
	 "cert.chain_incomplete", "critical", "OOOOOFO", "verify error 21",
	 "smtpd_tls_chain_files"},
	{"untrusted root", m_untrusted_root, "cert.untrusted", "critical",
	 "OOOOOFO",
	 "verify error 19 'self-signed certificate in certificate "
	 "chain' at depth 2: the chain ends in a self-signed root",
	 "mxprobe certs"},
	{"root not sent, unknown", m_unknown_root_not_sent, "cert.untrusted",
	 "critical", "OOOOOFO",
	 "ends with the CA certificate 'CN=mxprobe lab intermediate,O=mxprobe "
	 "lab', issued by 'CN=mxprobe lab root,O=mxprobe lab', which is not "
	 "in the trust store",
	 "private CA"},
	{"issuer in store does not verify", m_issuer_in_store_mismatch,
	 "cert.untrusted", "critical", "OOOOOFO",
	 "an issuer named 'CN=mxprobe lab root,O=mxprobe lab' is in the "
	 "trust store but does not verify",
	 "outdated intermediate"},
	{"bad signature", m_bad_signature, "cert.untrusted", "critical",
	 "OOOOOFO", "signature does not verify", "wrong or outdated"},
	{"verifier name check", m_verify_hostname, "", NULL, "OOOOOOO", NULL,
	 NULL},
	{"out of order", m_out_of_order, "cert.chain_order", "warning",
	 "OOOOOWO",
	 "sent order: [0] 'CN=mx1.lab.test,O=mxprobe lab' issued by "
	 "'CN=mxprobe lab intermediate,O=mxprobe lab', [1]",
	 NULL},
	{"one cert, no order", m_single_cert_order, "", NULL, "OOOOOOO", NULL,
	 NULL},
	{"name mismatch", m_name_mismatch, "cert.hostname_mismatch", "warning",
	 "OOOOOOW",
	 "'mx4.lab.test' is not among the names the certificate carries: "
	 "DNS:mx1.lab.test; CN 'mx1.lab.test' (not used: SANs present)",
	 "subjectAltName"},
	{"wildcard SAN", m_name_wildcard, "", NULL, "OOOOOOO", NULL, NULL},
	{"address target", m_name_ip, "cert.hostname_mismatch", "warning",
	 "OOOOOOW",
	 "the target was the address ::1, which only an "
	 "iPAddress subjectAltName can match",
	 "iPAddress"},
	{"address with IP SAN", m_name_ip_san, "", NULL, "OOOOOOO", NULL, NULL},
	{"expired and mismatch", m_expired_and_mismatch,
	 "cert.expired cert.hostname_mismatch", "critical", "OOOOOFW",
	 "expired", NULL},
};

/* Report every mismatching case, then fail once. */
#define MISMATCH(...)                                                          \
	do {                                                                   \
		print_error(__VA_ARGS__);                                      \
		print_error("\n");                                             \
		bad++;                                                         \
	} while (0)

static void test_endpoint_table(void **state)
{
	struct mx_analyze_params p = params();
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(ep_cases) / sizeof(ep_cases[0]); i++) {
		const struct ep_case *k = &ep_cases[i];
		struct mx_run *run = mx_run_new();
		struct mx_target *t = fix_domain(run, "lab.test");
		struct mx_endpoint *ep =
			fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
		char ids[512], cols[MX_COL__N + 1];

		k->mutate(ep);
		mx_analyze_endpoint(ep, &p);
		ids_of(&ep->findings, ids, sizeof(ids));
		cols_of(ep, cols);
		if (strcmp(ids, k->ids) != 0) {
			MISMATCH("%s: ids '%s', want '%s'", k->name, ids,
				 k->ids);
			mx_run_free(run);
			continue;
		}
		if (strcmp(cols, k->cols) != 0)
			MISMATCH("%s: columns %s, want %s", k->name, cols,
				 k->cols);
		if (k->sev &&
		    strcmp(mx_severity_name(ep->findings.v[0].severity),
			   k->sev) != 0)
			MISMATCH("%s: severity %s, want %s", k->name,
				 mx_severity_name(ep->findings.v[0].severity),
				 k->sev);
		if (k->evidence &&
		    strstr(ep->findings.v[0].evidence, k->evidence) == NULL)
			MISMATCH("%s: evidence '%s' lacks '%s'", k->name,
				 ep->findings.v[0].evidence, k->evidence);
		if (k->fix) {
			const struct mx_finding *f = &ep->findings.v[0];
			const char *fix = f->fix ? f->fix : f->def->fix;

			if (strstr(fix, k->fix) == NULL)
				MISMATCH("%s: fix '%s' lacks '%s'", k->name,
					 fix, k->fix);
		}
		if (ep->findings.n > 0) {
			char *where = mx_endpoint_where(ep);

			assert_string_equal(ep->findings.v[0].where, where);
			free(where);
		}
		/* Evidence is escaped ASCII: no control bytes from peers. */
		{
			size_t j;
			const char *e;

			for (j = 0; j < ep->findings.n; j++)
				for (e = ep->findings.v[j].evidence; *e; e++)
					assert_true(*e >= 0x20 && *e < 0x7f);
		}
		mx_run_free(run);
	}
	assert_int_equal(bad, 0);
}

/*
 * Golden evidence (issue 13): the model texts the SMTP client records for
 * hostile peer bytes (the table of tests/unit/test_smtp_client.c,
 * test_golden_evidence, asserts peer bytes -> these texts) and the exact
 * evidence of the finding they give.  Peer bytes appear once escaped,
 * nothing dropped, never a control byte.  `nA` 'A' follow `text` and
 * `expA` follow the expected prefix, for the long lines.
 */
static const struct golden_ev {
	const char *name;
	char what; /* 'G' greeting 554 with this text, 'M' malformed, 'L'
		    * reply limit: the client's error */
	const char *text;
	size_t nA;
	const char *text_tail;
	const char *expect;
	size_t expA;
	const char *expect_tail;
} golden_evs[] = {
	{"HTTP reply", 'M',
	 "not an SMTP reply: \"HTTP/1.1 400 Bad Request\\r\\nServer: "
	 "x\\r\\n\\r\\n\"",
	 0, "",
	 "the server's answer during the greeting (after 0 ms): not an SMTP "
	 "reply: \"HTTP/1.1 400 Bad Request\\r\\nServer: x\\r\\n\\r\\n\"",
	 0, ""},
	{"NUL first", 'M', "not an SMTP reply: \"\\x00220 hi\\r\\n\"", 0, "",
	 "the server's answer during the greeting (after 0 ms): not an SMTP "
	 "reply: \"\\x00220 hi\\r\\n\"",
	 0, ""},
	{"NUL in text", 'G', "no\\x00pe", 0, "",
	 "the server greeted with 554 'no\\x00pe'", 0, ""},
	{"ESC[2J in text", 'G', "\\x1b[2Jgo away", 0, "",
	 "the server greeted with 554 '\\x1b[2Jgo away'", 0, ""},
	{"ESC[2J first", 'M', "not an SMTP reply: \"\\x1b[2J\\r\\n\"", 0, "",
	 "the server's answer during the greeting (after 0 ms): not an SMTP "
	 "reply: \"\\x1b[2J\\r\\n\"",
	 0, ""},
	{"OSC title", 'G', "\\x1b]0;title\\x07 bye", 0, "",
	 "the server greeted with 554 '\\x1b]0;title\\x07 bye'", 0, ""},
	{"bare LF", 'G', "bare lf", 0, "",
	 "the server greeted with 554 'bare lf'", 0, ""},
	{"bare LF garbage", 'M', "not an SMTP reply: \"hello\\nworld\\n\"", 0,
	 "",
	 "the server's answer during the greeting (after 0 ms): not an SMTP "
	 "reply: \"hello\\nworld\\n\"",
	 0, ""},
	{"CR alone", 'G', "a\\rb", 0, "", "the server greeted with 554 'a\\rb'",
	 0, ""},
	{"8-bit bytes", 'G', "caf\\xc3\\xa9 \\xff", 0, "",
	 "the server greeted with 554 'caf\\xc3\\xa9 \\xff'", 0, ""},
	{"backslash", 'G', "C:\\\\temp", 0, "",
	 "the server greeted with 554 'C:\\\\temp'", 0, ""},
	{"bad third digit", 'M', "not an SMTP reply: \"25X ok\\r\\n\"", 0, "",
	 "the server's answer during the greeting (after 0 ms): not an SMTP "
	 "reply: \"25X ok\\r\\n\"",
	 0, ""},
	{"very long line", 'M', "not an SMTP reply: \"", 160, "...\"",
	 "the server's answer during the greeting (after 0 ms): not an SMTP "
	 "reply: \"",
	 160, "...\""},
	{"very long reply line", 'L',
	 "reply limit exceeded (line_too_long) after 0 lines, 2048 bytes: "
	 "\"554 ",
	 156, "...\"",
	 "the reply exceeded a line length, line count or size limit during "
	 "the greeting (after 0 ms): reply limit exceeded (line_too_long) "
	 "after 0 lines, 2048 bytes: \"554 ",
	 156, "...\""},
};

/* head, then n 'A', then tail; malloc'ed */
static char *with_as(const char *head, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *r = xmalloc(hl + n + tl + 1);

	memcpy(r, head, hl);
	memset(r + hl, 'A', n);
	memcpy(r + hl + n, tail, tl + 1);
	return r;
}

static void test_golden_evidence(void **state)
{
	struct mx_analyze_params p = params();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(golden_evs) / sizeof(golden_evs[0]); i++) {
		const struct golden_ev *g = &golden_evs[i];
		struct mx_run *run = mx_run_new();
		struct mx_target *t = fix_domain(run, "lab.test");
		struct mx_endpoint *ep =
			fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
		char *text = with_as(g->text, g->nA, g->text_tail);
		char *want = with_as(g->expect, g->expA, g->expect_tail);
		const char *e;

		fix_cut_after(ep, CUT_EHLO);
		mx_tx_clear(&ep->smtp.tx);
		ep->smtp.banner = (struct mx_step){MX_STEP_FAILED, 0};
		if (g->what == 'G') {
			ep->smtp.greeting.code = 554;
			fix_set(&ep->smtp.greeting.text, text);
			ep->smtp.greeting.nlines = 1;
			ep->smtp.stop = MX_STOP_GREETING_REJECTED;
		} else {
			ep->smtp.stop = g->what == 'M' ? MX_STOP_REPLY_MALFORMED
						       : MX_STOP_REPLY_LIMIT;
			fix_set(&ep->smtp.error, text);
			/* the client records the bytes as received too */
			fix_tx(ep, MX_TX_RECV, 0, "raw bytes");
		}
		mx_analyze_endpoint(ep, &p);
		assert_true(ep->findings.n >= 1);
		if (strcmp(ep->findings.v[0].evidence, want) != 0)
			print_error("%s: evidence '%s', want '%s'\n", g->name,
				    ep->findings.v[0].evidence, want);
		assert_string_equal(ep->findings.v[0].evidence, want);
		for (e = ep->findings.v[0].evidence; *e; e++)
			assert_true(*e >= 0x20 && *e < 0x7f);
		free(text);
		free(want);
		mx_run_free(run);
	}
}

static void test_where(void **state)
{
	struct mx_endpoint ep;
	char *w;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	ep.port = 25;
	ep.host = "mx1.lab.test";
	ep.addr = "127.0.0.31";
	w = mx_endpoint_where(&ep);
	assert_string_equal(w, "mx1.lab.test [127.0.0.31]:25");
	free(w);
	ep.host = "::1";
	ep.addr = "::1";
	w = mx_endpoint_where(&ep);
	assert_string_equal(w, "[::1]:25");
	free(w);
	ep.host = "mx1.lab.test";
	ep.addr = NULL;
	w = mx_endpoint_where(&ep);
	assert_string_equal(w, "mx1.lab.test:25");
	free(w);
}

/* The thresholds are parameters, not constants. */
static void test_params_thresholds(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "lab.test");
	struct mx_endpoint *ep =
		fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);

	(void)state;
	ep->smtp.banner.ms = 3000;
	ep->tls.chain.v[0].not_after = FIX_NOW + 20 * FIX_DAY;
	mx_analyze_endpoint(ep, &p);
	assert_int_equal(ep->findings.n, 0);
	p.greeting_slow_ms = 2000;
	p.expiring_soon_days = 30;
	mx_analyze_endpoint(ep, &p);
	assert_true(mx_findings_has(&ep->findings, "smtp.greeting_slow"));
	assert_true(mx_findings_has(&ep->findings, "cert.expiring_soon"));
	assert_int_equal(ep->findings.n, 2);
	/* "now" decides expiry: a year later the leaf has expired */
	p.now = FIX_NOW + 365 * FIX_DAY;
	mx_analyze_endpoint(ep, &p);
	assert_true(mx_findings_has(&ep->findings, "cert.expired"));
	assert_false(mx_findings_has(&ep->findings, "cert.expiring_soon"));
	mx_run_free(run);
}

/* Analysing twice gives the same judgement (nothing accumulates). */
static void test_idempotent(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "lab.test");
	struct mx_endpoint *ep =
		fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
	char a[512], b[512];

	(void)state;
	m_expired_and_mismatch(ep);
	fix_host(t, "mx1.lab.test", 10, 0, 1);
	mx_analyze_run(run, &p);
	ids_of(&t->endpoints[0].findings, a, sizeof(a));
	mx_analyze_run(run, &p);
	ids_of(&t->endpoints[0].findings, b, sizeof(b));
	assert_string_equal(a, b);
	assert_int_equal(t->findings.n, 0);
	assert_int_equal(run->exit_status, MX_EXIT_CRITICAL);
	mx_run_free(run);
}

/* A local TLS setup failure (trust store) and an interrupted probe are
 * unknown, never a server finding, and blame no column. */
static void test_local_stops(void **state)
{
	static const enum mx_stop stops[] = {MX_STOP_LOCAL, MX_STOP_CANCELLED};
	static const char *const ids[] = {"local.tls_setup", "probe.cancelled"};
	size_t i, k;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct mx_analyze_params p = params();
		struct mx_run *run = mx_run_new();
		struct mx_target *t = fix_domain(run, "lab.test");
		struct mx_endpoint *ep =
			fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);

		fix_host(t, "mx1.lab.test", 10, 0, 1);
		ep->smtp.stop = stops[i];
		ep->smtp.tls.state = MX_STEP_FAILED;
		ep->smtp.ehlo_tls.state = MX_STEP_NOT_RUN;
		ep->smtp.quit.state = MX_STEP_NOT_RUN;
		ep->tls.completed = 0;
		ep->tls.fail = stops[i] == MX_STOP_LOCAL ? MX_TLS_FAIL_LOCAL
							 : MX_TLS_FAIL_NONE;
		mx_analyze_run(run, &p);
		assert_true(mx_findings_has(&ep->findings, ids[i]));
		for (k = 0; k < ep->findings.n; k++)
			assert_int_not_equal(ep->findings.v[k].severity,
					     MX_SEV_CRIT);
		assert_int_equal(run->exit_status, MX_EXIT_UNKNOWN);
		mx_run_free(run);
	}
}

/* ---- targets ----------------------------------------------------------- */

static void test_target_null_mx(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "nullmx.lab.test");

	(void)state;
	t->null_mx = 1;
	mx_analyze_run(run, &p);
	assert_int_equal(t->findings.n, 1);
	assert_string_equal(t->findings.v[0].def->id, "dns.null_mx");
	assert_int_equal(t->findings.v[0].severity, MX_SEV_INFO);
	assert_int_equal(t->worst, MX_SEV_INFO);
	assert_int_equal(t->confidence, -1);
	assert_int_equal(run->exit_status, MX_EXIT_OK);
	mx_run_free(run);
}

static void test_target_implicit_mx(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "nomx.lab.test");

	(void)state;
	t->implicit_mx = 1;
	t->mx_status = MX_DNS_NODATA;
	fix_good_endpoint(t, "nomx.lab.test", "127.0.0.31", -1);
	fix_host(t, "nomx.lab.test", -1, 0, 1);
	mx_analyze_run(run, &p);
	assert_true(mx_findings_has(&t->findings, "dns.no_mx"));
	assert_int_equal(t->findings.n, 1);
	assert_int_equal(t->confidence, 100);
	assert_int_equal(run->exit_status, MX_EXIT_OK);
	mx_run_free(run);
}

static void test_target_mx_lookup_failed(void **state)
{
	static const struct {
		enum mx_dns_status st;
		const char *evidence, *fix;
	} cases[] = {
		{MX_DNS_SERVFAIL, "answered SERVFAIL: SERVFAIL from 127.0.0.21",
		 "dig +trace"},
		{MX_DNS_NXDOMAIN, "does not exist (NXDOMAIN)", "spelling"},
		{MX_DNS_TIMEOUT, "timed out", "port 53"},
		{MX_DNS_BOGUS, "DNSSEC validation failed", "DS record"},
		{MX_DNS_ERROR, "resolver reported an error", "delegation"},
	};
	struct mx_analyze_params p = params();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_run *run = mx_run_new();
		struct mx_target *t = fix_domain(run, "servfail.lab.test");
		const struct mx_finding *f;

		t->mx_status = cases[i].st;
		t->dns_error = xstrdup("SERVFAIL from 127.0.0.21");
		mx_analyze_run(run, &p);
		f = find(&t->findings, "dns.lookup_failed");
		assert_non_null(f);
		assert_int_equal(t->findings.n, 1);
		assert_int_equal(f->severity, MX_SEV_UNKNOWN);
		if (strstr(f->evidence, cases[i].evidence) == NULL)
			fail_msg("evidence '%s'", f->evidence);
		if (strstr(f->fix ? f->fix : f->def->fix, cases[i].fix) == NULL)
			fail_msg("fix for %d lacks %s", (int)cases[i].st,
				 cases[i].fix);
		assert_string_equal(f->where, "servfail.lab.test");
		assert_int_equal(t->confidence, -1);
		assert_int_equal(run->exit_status, MX_EXIT_UNKNOWN);
		mx_run_free(run);
	}
}

/* One MX host of two cannot be resolved: a warning; the other is fine. */
static void test_target_one_host_unresolved(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "partial.lab.test");
	struct mx_host *h;
	const struct mx_finding *f;

	(void)state;
	fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10);
	fix_host(t, "mx1.lab.test", 10, 0, 1);
	h = fix_host(t, "missing.lab.test", 20, 1, 0);
	h->a_status = MX_DNS_NXDOMAIN;
	h->aaaa_status = MX_DNS_NXDOMAIN;
	mx_analyze_run(run, &p);
	f = find(&t->findings, "dns.lookup_failed");
	assert_non_null(f);
	assert_int_equal(f->severity, MX_SEV_WARN);
	assert_string_equal(f->where, "missing.lab.test");
	assert_non_null(strstr(f->evidence, "MX host missing.lab.test "
					    "(preference 20) has no usable "
					    "address: A nxdomain, AAAA "
					    "nxdomain"));
	assert_non_null(strstr(f->fix, "does not exist"));
	assert_int_equal(run->exit_status, MX_EXIT_WARNING);
	/* 100 for MX 10 (weight 1), 0 for MX 20 (weight 1/2): 66.67 */
	assert_int_equal(t->confidence, 67);
	mx_run_free(run);
}

/* Only NODATA for both: an MX host without address records. */
static void test_target_host_nodata(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "bad-mx.lab.test");
	struct mx_host *h;
	const struct mx_finding *f;

	(void)state;
	h = fix_host(t, "noaddr.lab.test", 10, 0, 0);
	h->a_status = MX_DNS_NODATA;
	h->aaaa_status = MX_DNS_NODATA;
	mx_analyze_run(run, &p);
	f = find(&t->findings, "dns.lookup_failed");
	assert_non_null(f);
	assert_int_equal(f->severity, MX_SEV_UNKNOWN);
	assert_non_null(strstr(f->fix, "CNAME"));
	assert_false(mx_findings_has(&t->findings, "probe.nothing_tested"));
	assert_int_equal(run->exit_status, MX_EXIT_UNKNOWN);
	mx_run_free(run);
}

/* Addresses known but no endpoint probed, no DNS failure to blame. */
static void test_target_nothing_tested(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "v6only.lab.test");
	struct mx_host *h;

	(void)state;
	h = fix_host(t, "mx6.lab.test", 10, 0, 0);
	h->a_status = MX_DNS_NODATA;
	h->aaaa_status = MX_DNS_OK;
	mx_analyze_run(run, &p);
	assert_true(mx_findings_has(&t->findings, "probe.nothing_tested"));
	assert_int_equal(t->worst, MX_SEV_UNKNOWN);
	assert_int_equal(run->exit_status, MX_EXIT_UNKNOWN);
	mx_run_free(run);
}

/* Every endpoint refused: tested, and critical (not unknown). */
static void test_target_all_refused(void **state)
{
	struct mx_analyze_params p = params();
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "down.lab.test");

	(void)state;
	m_refused(fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10));
	fix_host(t, "mx1.lab.test", 10, 0, 1);
	mx_analyze_run(run, &p);
	assert_int_equal(t->findings.n, 0);
	assert_int_equal(t->worst, MX_SEV_CRIT);
	assert_int_equal(t->confidence, 0);
	assert_int_equal(run->exit_status, MX_EXIT_CRITICAL);
	mx_run_free(run);
}

/* Exit precedence across targets: critical > warning > unknown > ok. */
static void test_exit_precedence(void **state)
{
	static const struct {
		void (*a)(struct mx_endpoint *);
		int a_unknown;
		void (*b)(struct mx_endpoint *);
		enum mx_exit want;
	} cases[] = {
		{m_none, 0, m_none, MX_EXIT_OK},
		{m_greet_slow, 0, m_none, MX_EXIT_WARNING},
		{m_refused, 0, m_greet_slow, MX_EXIT_CRITICAL},
		{m_none, 1, m_none, MX_EXIT_UNKNOWN},
		{m_greet_slow, 1, m_none, MX_EXIT_WARNING},
		{m_refused, 1, m_none, MX_EXIT_CRITICAL},
		{m_internal, 0, m_none, MX_EXIT_UNKNOWN},
		{m_internal, 0, m_greet_slow, MX_EXIT_WARNING},
	};
	struct mx_analyze_params p = params();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_run *run = mx_run_new();
		struct mx_target *t = fix_domain(run, "a.lab.test");

		cases[i].a(
			fix_good_endpoint(t, "mx1.lab.test", "127.0.0.31", 10));
		fix_host(t, "mx1.lab.test", 10, 0, 1);
		t = fix_domain(run, "b.lab.test");
		cases[i].b(
			fix_good_endpoint(t, "mx2.lab.test", "127.0.0.32", 10));
		fix_host(t, "mx2.lab.test", 10, 0, 1);
		if (cases[i].a_unknown)
			(t = fix_domain(run, "c.lab.test"))->mx_status =
				MX_DNS_SERVFAIL;
		mx_analyze_run(run, &p);
		if (run->exit_status != cases[i].want)
			fail_msg("case %zu: exit %d want %d", i,
				 (int)run->exit_status, (int)cases[i].want);
		mx_run_free(run);
	}
	{
		struct mx_run *run = mx_run_new();

		mx_analyze_run(run, &p);
		assert_int_equal(run->exit_status, MX_EXIT_UNKNOWN);
		mx_run_free(run);
	}
	assert_true(mx_severity_rank(MX_SEV_CRIT) >
		    mx_severity_rank(MX_SEV_WARN));
	assert_true(mx_severity_rank(MX_SEV_WARN) >
		    mx_severity_rank(MX_SEV_UNKNOWN));
	assert_true(mx_severity_rank(MX_SEV_UNKNOWN) >
		    mx_severity_rank(MX_SEV_INFO));
	assert_int_equal(mx_exit_for_severity(MX_SEV_INFO), MX_EXIT_OK);
}

/* ---- confidence: the worked examples of doc/confidence.md -------------- */

static void set_cols(struct mx_endpoint *ep, const char *cols)
{
	int i;

	for (i = 0; i < MX_COL__N; i++)
		ep->col[i] = cols[i] == 'O'   ? MX_V_OK
			     : cols[i] == 'W' ? MX_V_WARN
			     : cols[i] == 'F' ? MX_V_FAIL
					      : MX_V_NONE;
}

static void test_endpoint_scores(void **state)
{
	static const struct {
		const char *cols;
		double want;
	} cases[] = {
		{"OOOOOOO", 100},  {"OOOOOFO", 85}, {"OWOOOOO", 95},
		{"OOOW---", 47.5}, {"F------", 0},  {"-------", 0},
		{"OOOOOWW", 85},   {"OOOOFFF", 55}, {"OF-----", 20},
		{"OOOOWOO", 92.5},
	};
	struct mx_endpoint ep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ep, 0, sizeof(ep));
		set_cols(&ep, cases[i].cols);
		if (mx_endpoint_score(&ep) != cases[i].want)
			fail_msg("%s: %.2f want %.2f", cases[i].cols,
				 mx_endpoint_score(&ep), cases[i].want);
	}
}

/* Example 3 of doc/confidence.md: four MX hosts, three preferences. */
static void test_confidence_weighted(void **state)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "example.test");
	struct mx_endpoint *ep;

	(void)state;
	/* MX 10 a: two endpoints, 100 and 85 -> 92.5 */
	ep = mx_target_add_endpoint(t);
	ep->smtp.connect.state = MX_STEP_OK;
	set_cols(ep, "OOOOOOO");
	ep = mx_target_add_endpoint(t);
	ep->smtp.connect.state = MX_STEP_OK;
	set_cols(ep, "OOOOOFO");
	fix_host(t, "a.example.test", 10, 0, 2);
	/* MX 20 b: connection refused -> 0 */
	ep = mx_target_add_endpoint(t);
	ep->smtp.connect.state = MX_STEP_FAILED;
	set_cols(ep, "F------");
	fix_host(t, "b.example.test", 20, 2, 1);
	/* MX 20 c: no address -> 0 */
	fix_host(t, "c.example.test", 20, 3, 0);
	/* MX 30 d: no STARTTLS -> 47.5 */
	ep = mx_target_add_endpoint(t);
	ep->smtp.connect.state = MX_STEP_OK;
	set_cols(ep, "OOOW---");
	fix_host(t, "d.example.test", 30, 3, 1);
	/* (1*92.5 + .5*0 + .5*0 + (1/3)*47.5) / (1 + .5 + .5 + 1/3) = 46.43 */
	assert_int_equal(mx_target_confidence(t), 46);

	/* Example 2: equal preferences share rank 0 and weight 1. */
	t->hosts[1].pref = 10;
	t->hosts[2].pref = 10;
	t->hosts[3].pref = 20;
	/* (92.5 + 0 + 0 + .5*47.5) / 3.5 = 33.21 */
	assert_int_equal(mx_target_confidence(t), 33);
	mx_run_free(run);
}

/* Example 1 and the rounding rule: 92.5 rounds half up to 93. */
static void test_confidence_rounding_and_none(void **state)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = fix_domain(run, "example.test");
	struct mx_endpoint *ep;

	(void)state;
	assert_int_equal(mx_target_confidence(t), -1);
	ep = mx_target_add_endpoint(t);
	set_cols(ep, "-------");
	assert_int_equal(mx_target_confidence(t), -1); /* not attempted */
	ep->smtp.connect.state = MX_STEP_OK;
	set_cols(ep, "OOOOOOO");
	ep = mx_target_add_endpoint(t);
	ep->smtp.connect.state = MX_STEP_OK;
	set_cols(ep, "OOOOOFO");
	/* no host records: one pseudo-host of all endpoints */
	assert_int_equal(mx_target_confidence(t), 93);
	fix_host(t, "a.example.test", 10, 0, 2);
	assert_int_equal(mx_target_confidence(t), 93);
	mx_run_free(run);
}

/* ---- the catalogue and doc/findings.md agree --------------------------- */

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len;

	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

static void test_catalogue_documented(void **state)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[4096], *doc, *line;
	size_t n, i, rows = 0;
	const struct mx_finding_def *cat = mx_finding_catalogue(&n);

	(void)state;
	if (dir == NULL)
		dir = "tests/data";
	snprintf(path, sizeof(path), "%s/../../doc/findings.md", dir);
	doc = slurp(path);
	if (doc == NULL)
		fail_msg("cannot read %s", path);
	/* every catalogue id has a row with its severity */
	for (i = 0; i < n; i++) {
		char key[128];
		const char *row;

		snprintf(key, sizeof(key), "| `%s` |", cat[i].id);
		row = strstr(doc, key);
		if (row == NULL)
			fail_msg("%s is not documented in doc/findings.md",
				 cat[i].id);
		{
			const char *eol = strchr(row, '\n');
			char *r = xstrndup(row, eol ? (size_t)(eol - row)
						    : strlen(row));
			snprintf(key, sizeof(key), "| %s |",
				 mx_severity_name(cat[i].severity));
			if (strstr(r, key) == NULL)
				fail_msg("%s: documented severity differs "
					 "(want %s)",
					 cat[i].id,
					 mx_severity_name(cat[i].severity));
			free(r);
		}
	}
	/* every documented id exists in the catalogue */
	for (line = doc; line && *line; line = strchr(line, '\n')) {
		char id[128];

		if (*line == '\n')
			line++;
		if (sscanf(line, "| `%127[^`]` |", id) == 1) {
			if (mx_finding_def(id) == NULL)
				fail_msg("doc/findings.md documents unknown "
					 "id %s",
					 id);
			rows++;
		}
	}
	assert_int_equal(rows, n);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint_table),
		cmocka_unit_test(test_local_stops),
		cmocka_unit_test(test_golden_evidence),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_params_thresholds),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_target_null_mx),
		cmocka_unit_test(test_target_implicit_mx),
		cmocka_unit_test(test_target_mx_lookup_failed),
		cmocka_unit_test(test_target_one_host_unresolved),
		cmocka_unit_test(test_target_host_nodata),
		cmocka_unit_test(test_target_nothing_tested),
		cmocka_unit_test(test_target_all_refused),
		cmocka_unit_test(test_exit_precedence),
		cmocka_unit_test(test_endpoint_scores),
		cmocka_unit_test(test_confidence_weighted),
		cmocka_unit_test(test_confidence_rounding_and_none),
		cmocka_unit_test(test_catalogue_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
