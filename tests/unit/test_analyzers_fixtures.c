/*
 * test_analyzers_fixtures.c - hand-built facts; see the header.
 */
#include "tests/unit/test_analyzers_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/xalloc.h"
#include "wire/smtp.h"

void fix_set(char **field, const char *value)
{
	free(*field);
	*field = value ? xstrdup(value) : NULL;
}

struct mx_cert *fix_add_cert(struct mx_endpoint *ep, const char *cn,
			     const char *issuer_cn, int is_ca, time_t nb,
			     time_t na)
{
	struct mx_cert *c = mx_chain_add(&ep->tls.chain);
	size_t i;

	c->der_len = 64;
	c->der = xmalloc(c->der_len);
	for (i = 0; i < c->der_len; i++)
		c->der[i] = (uint8_t)(0x30 + i * 7 + ep->tls.chain.n);
	c->subject = xasprintf("CN=%s,O=mxprobe lab", cn);
	c->issuer = xasprintf("CN=%s,O=mxprobe lab", issuer_cn);
	c->cn = xstrdup(cn);
	c->serial = xasprintf("%02X1F2E3D4C5B", (unsigned)ep->tls.chain.n);
	c->not_before = nb;
	c->not_after = na;
	c->key_type = xstrdup(is_ca ? "EC" : "RSA");
	c->key_bits = is_ca ? 256 : 2048;
	c->sig_alg = xstrdup(is_ca ? "ecdsa-with-SHA256"
				   : "sha256WithRSAEncryption");
	c->sha256 = xasprintf("%064x", (unsigned)(ep->tls.chain.n * 0x11));
	c->spki_sha256 = xasprintf("%064x", (unsigned)(ep->tls.chain.n * 0x22));
	c->is_ca = is_ca;
	c->self_issued = strcmp(cn, issuer_cn) == 0;
	c->self_signed = c->self_issued;
	return c;
}

void fix_tx(struct mx_endpoint *ep, enum mx_tx_dir dir, long long ms,
	    const char *text)
{
	mx_tx_add(&ep->smtp.tx, dir, ms, text, strlen(text));
}

static void caps(struct mx_caps *k, int starttls)
{
	static const char *const kw[] = {"PIPELINING", "SIZE 10240000",
					 "STARTTLS",   "ENHANCEDSTATUSCODES",
					 "8BITMIME",   "SMTPUTF8"};
	size_t i;

	k->valid = 1;
	k->flags = MX_SMTP_CAP_PIPELINING | MX_SMTP_CAP_SIZE |
		   MX_SMTP_CAP_ENHANCEDSTATUSCODES | MX_SMTP_CAP_8BITMIME |
		   MX_SMTP_CAP_SMTPUTF8 | (starttls ? MX_SMTP_CAP_STARTTLS : 0);
	k->size = 10240000;
	k->auth = xstrdup("");
	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (starttls || strcmp(kw[i], "STARTTLS") != 0)
			mx_caps_add_keyword(k, kw[i]);
}

struct mx_endpoint *fix_good_endpoint(struct mx_target *t, const char *host,
				      const char *addr, int pref)
{
	struct mx_endpoint *ep = mx_target_add_endpoint(t);
	struct mx_smtp *s = &ep->smtp;
	struct mx_tls *tl = &ep->tls;
	struct mx_cert *leaf;
	char line[256];

	ep->host = xstrdup(host);
	ep->addr = xstrdup(addr);
	ep->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	ep->port = 25;
	ep->mode = MX_MODE_STARTTLS;
	ep->pref = pref;
	ep->started_ms = 1000;
	ep->total_ms = 31;
	s->connect = (struct mx_step){MX_STEP_OK, 1};
	s->banner = (struct mx_step){MX_STEP_OK, 3};
	s->ehlo = (struct mx_step){MX_STEP_OK, 2};
	s->starttls = (struct mx_step){MX_STEP_OK, 1};
	s->tls = (struct mx_step){MX_STEP_OK, 12};
	s->ehlo_tls = (struct mx_step){MX_STEP_OK, 2};
	s->quit = (struct mx_step){MX_STEP_OK, 1};
	s->greeting.code = 220;
	s->greeting.nlines = 1;
	s->greeting.text = xasprintf("%s ESMTP Postfix (Debian/GNU)", host);
	s->starttls_reply.code = 220;
	snprintf(s->starttls_reply.enh, sizeof(s->starttls_reply.enh), "2.0.0");
	s->starttls_reply.nlines = 1;
	s->starttls_reply.text = xstrdup("Ready to start TLS");
	caps(&s->caps, 1);
	caps(&s->caps_tls, 0);
	snprintf(line, sizeof(line), "220 %s ESMTP Postfix (Debian/GNU)", host);
	fix_tx(ep, MX_TX_RECV, 4, line);
	fix_tx(ep, MX_TX_SENT, 4, "EHLO probe.mxprobe.invalid");
	snprintf(line, sizeof(line), "250-%s", host);
	fix_tx(ep, MX_TX_RECV, 6, line);
	fix_tx(ep, MX_TX_RECV, 6, "250-PIPELINING");
	fix_tx(ep, MX_TX_RECV, 6, "250-STARTTLS");
	fix_tx(ep, MX_TX_RECV, 6, "250 SMTPUTF8");
	fix_tx(ep, MX_TX_SENT, 6, "STARTTLS");
	fix_tx(ep, MX_TX_RECV, 7, "220 2.0.0 Ready to start TLS");
	fix_tx(ep, MX_TX_NOTE, 19, "TLSv1.3 TLS_AES_256_GCM_SHA384");
	fix_tx(ep, MX_TX_SENT, 19, "QUIT");
	fix_tx(ep, MX_TX_RECV, 20, "221 2.0.0 Bye");

	tl->attempted = 1;
	tl->completed = 1;
	tl->backend = xstrdup("openssl");
	tl->sni = xstrdup(host);
	tl->version = xstrdup("TLSv1.3");
	tl->suite_id = 0x1302;
	tl->suite_iana = xstrdup("TLS_AES_256_GCM_SHA384");
	tl->suite_openssl = xstrdup("TLS_AES_256_GCM_SHA384");
	tl->temp_key_type = xstrdup("X25519");
	tl->temp_key_group = xstrdup("X25519");
	tl->temp_key_bits = 253;
	tl->handshake_ms = 12;
	leaf = fix_add_cert(ep, host, "mxprobe lab intermediate", 0,
			    FIX_NOW - 30 * FIX_DAY, FIX_NOW + 300 * FIX_DAY);
	leaf->san_dns = xcalloc(1, sizeof(char *));
	leaf->san_dns[0] = xstrdup(host);
	leaf->nsan_dns = 1;
	leaf->aia_ca_issuers = xstrdup("http://ca.lab.test/intermediate.der");
	leaf->aia_ocsp = xstrdup("http://ocsp.lab.test/");
	fix_add_cert(ep, "mxprobe lab intermediate", "mxprobe lab root", 1,
		     FIX_NOW - 400 * FIX_DAY, FIX_NOW + 3000 * FIX_DAY);
	tl->verify_done = 1;
	tl->verify_code = 0;
	tl->verify_error = xstrdup("ok");
	tl->verified_chain_len = 3;
	tl->top_issuer_in_store = 1;
	tl->top_is_self_signed = 0;
	tl->chain_in_order = 1;
	return ep;
}

struct mx_host *fix_host(struct mx_target *t, const char *name, int pref,
			 size_t first, size_t n)
{
	struct mx_host *h = mx_target_add_host(t);

	h->name = xstrdup(name);
	h->pref = pref;
	h->a_status = MX_DNS_OK;
	h->aaaa_status = MX_DNS_NODATA;
	h->dns_ms = 2;
	h->first_ep = first;
	h->nep = n;
	return h;
}

struct mx_target *fix_domain(struct mx_run *run, const char *name)
{
	struct mx_target *t = mx_run_add_target(run);

	t->spec = xstrdup(name);
	t->kind = MX_TARGET_DOMAIN;
	t->name = xstrdup(name);
	t->port = 25;
	t->mode = MX_MODE_STARTTLS;
	t->mx_status = MX_DNS_OK;
	t->dns_ms = 4;
	return t;
}

void fix_cut_after(struct mx_endpoint *ep, int from)
{
	struct mx_step *st[] = {&ep->smtp.connect, &ep->smtp.banner,
				&ep->smtp.ehlo,	   &ep->smtp.starttls,
				&ep->smtp.tls,	   &ep->smtp.ehlo_tls,
				&ep->smtp.quit};
	int i;

	for (i = from; i < 7; i++)
		*st[i] = (struct mx_step){MX_STEP_NOT_RUN, 0};
	if (from <= 4)
		mx_tls_clear(&ep->tls);
	if (from <= 5)
		mx_caps_clear(&ep->smtp.caps_tls);
	if (from <= 3)
		mx_reply_clear(&ep->smtp.starttls_reply);
	if (from <= 2)
		mx_caps_clear(&ep->smtp.caps);
	if (from <= 1)
		mx_reply_clear(&ep->smtp.greeting);
}
