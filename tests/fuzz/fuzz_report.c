/*
 * fuzz_report.c - libFuzzer entry for the judgement and the renderers:
 * arbitrary facts -> mx_analyze_run() -> text and JSON reports.
 *
 * The input is decoded through a bounded cursor into a struct mx_run
 * (targets, MX hosts, endpoints with every step state, stop reason, TLS
 * failure kind, alert, verification code, chain with names and dates);
 * strings are raw input bytes, so control bytes and invalid UTF-8 reach
 * the model even though the probe would have escaped them - the
 * renderers must still hold their promises:
 *  - the text report without colour is printable ASCII and newlines;
 *  - the JSON report parses back and carries the run's exit status;
 *  - every column verdict, severity, exit status and confidence is in
 *    range, and analysing twice gives the same findings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzers/analyze.h"
#include "common/cursor.h"
#include "common/xalloc.h"
#include "reports/json.h"
#include "reports/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((time_t)1740830400)

/* A u8-length-prefixed string, NULs dropped; NULL for length 255. */
static char *str(struct mx_cur *c)
{
	struct mx_cur s;
	size_t n, i, k = 0;
	const uint8_t *p;
	char *r;

	if (mx_cur_left(c) > 0 && c->p[0] == 255) {
		mx_cur_skip(c, 1);
		return NULL;
	}
	mx_cur_sub8(c, &s);
	n = mx_cur_left(&s);
	p = mx_cur_bytes(&s, n);
	r = xmalloc(n + 1);
	for (i = 0; p && i < n; i++)
		if (p[i])
			r[k++] = (char)p[i];
	r[k] = '\0';
	return r;
}

static void step(struct mx_cur *c, struct mx_step *s)
{
	s->state = (enum mx_step_state)(mx_cur_u8(c) % 4);
	s->ms = mx_cur_u16(c);
}

static void cert(struct mx_cur *c, struct mx_tls *t)
{
	struct mx_cert *k = mx_chain_add(&t->chain);
	uint8_t f;
	size_t i, n;

	k->cn = str(c);
	k->subject = str(c);
	k->issuer = str(c);
	k->not_before = NOW + (int32_t)mx_cur_u32(c);
	k->not_after = NOW + (int32_t)mx_cur_u32(c);
	f = mx_cur_u8(c);
	k->self_signed = f & 1;
	k->self_issued = (f >> 1) & 1;
	k->is_ca = (f >> 2) & 1;
	k->key_bits = mx_cur_u16(c);
	k->aia_ca_issuers = (f & 8) ? str(c) : NULL;
	n = mx_cur_u8(c) % 4;
	k->san_dns = xcalloc(n ? n : 1, sizeof(char *));
	for (i = 0; i < n; i++)
		k->san_dns[k->nsan_dns++] = str(c);
	n = mx_cur_u8(c) % 3;
	k->san_ip = xcalloc(n ? n : 1, sizeof(char *));
	for (i = 0; i < n; i++)
		k->san_ip[k->nsan_ip++] = str(c);
	for (i = 0; i < k->nsan_dns; i++)
		if (k->san_dns[i] == NULL)
			k->san_dns[i] = xstrdup("");
	for (i = 0; i < k->nsan_ip; i++)
		if (k->san_ip[i] == NULL)
			k->san_ip[i] = xstrdup("");
	k->der_len = mx_cur_u8(c);
	k->der = xcalloc(k->der_len ? k->der_len : 1, 1);
	mx_cur_copy(c, k->der, k->der_len);
}

static void endpoint(struct mx_cur *c, struct mx_target *t, int pref)
{
	struct mx_endpoint *ep = mx_target_add_endpoint(t);
	struct mx_smtp *s = &ep->smtp;
	struct mx_tls *tl = &ep->tls;
	uint8_t f;
	size_t i, n;

	ep->host = str(c);
	ep->addr = str(c);
	ep->mode = (enum mx_tls_mode)(mx_cur_u8(c) % 3);
	ep->port = mx_cur_u16(c);
	ep->pref = pref;
	step(c, &s->connect);
	step(c, &s->banner);
	step(c, &s->ehlo);
	step(c, &s->starttls);
	step(c, &s->tls);
	step(c, &s->ehlo_tls);
	step(c, &s->quit);
	s->stop = (enum mx_stop)(mx_cur_u8(c) % 16);
	s->error = str(c);
	s->greeting.code = mx_cur_u16(c) % 1000;
	s->greeting.text = str(c);
	s->starttls_reply.code = mx_cur_u16(c) % 1000;
	s->starttls_reply.text = str(c);
	f = mx_cur_u8(c);
	s->used_helo = f & 1;
	s->caps.valid = (f >> 1) & 1;
	s->caps.flags = (f >> 2) & 1; /* MX_SMTP_CAP_STARTTLS */
	n = mx_cur_u8(c) % 4;
	for (i = 0; i < n; i++) {
		char *k = str(c);

		mx_caps_add_keyword(&s->caps, k ? k : "");
		free(k);
	}
	n = mx_cur_u8(c) % 4;
	for (i = 0; i < n; i++) {
		uint8_t b = mx_cur_u8(c);

		mx_tx_add(&s->tx, (enum mx_tx_dir)(b % 3), b, c->p,
			  mx_cur_left(c) < b ? mx_cur_left(c) : b);
		mx_cur_skip(c, mx_cur_left(c) < b ? mx_cur_left(c) : b);
	}
	f = mx_cur_u8(c);
	tl->attempted = f & 1;
	tl->completed = (f >> 1) & 1;
	tl->verify_done = (f >> 2) & 1;
	tl->top_issuer_in_store = (f >> 3) & 1;
	tl->top_is_self_signed = (f >> 4) & 1;
	tl->chain_in_order = (f >> 5) & 1;
	tl->fail = (enum mx_tls_fail)(mx_cur_u8(c) % 8);
	tl->alert = mx_cur_u8(c);
	tl->fail_detail = str(c);
	tl->version = str(c);
	tl->suite_iana = str(c);
	tl->temp_key_type = str(c);
	tl->temp_key_bits = mx_cur_u16(c);
	tl->handshake_ms = mx_cur_u16(c);
	tl->verify_code = mx_cur_u8(c);
	tl->verify_error = str(c);
	tl->verify_depth = mx_cur_u8(c);
	n = mx_cur_u8(c) % 4;
	for (i = 0; i < n; i++)
		cert(c, tl);
}

static void target(struct mx_cur *c, struct mx_run *run)
{
	struct mx_target *t = mx_run_add_target(run);
	uint8_t f = mx_cur_u8(c);
	size_t i, j, n;

	t->kind = f & 1 ? MX_TARGET_HOST : MX_TARGET_DOMAIN;
	t->null_mx = (f >> 1) & 1;
	t->implicit_mx = (f >> 2) & 1;
	t->mode = (enum mx_tls_mode)((f >> 3) % 3);
	t->mx_status = (enum mx_dns_status)(mx_cur_u8(c) % 8);
	t->name = str(c);
	t->spec = t->name ? xstrdup(t->name) : NULL;
	t->dns_error = str(c);
	n = mx_cur_u8(c) % 4;
	for (i = 0; i < n; i++) {
		struct mx_host *h = mx_target_add_host(t);
		size_t nep;

		h->name = str(c);
		h->pref = mx_cur_u8(c) - 1; /* -1..254 */
		h->a_status = (enum mx_dns_status)(mx_cur_u8(c) % 8);
		h->aaaa_status = (enum mx_dns_status)(mx_cur_u8(c) % 8);
		nep = mx_cur_u8(c) % 3;
		h->first_ep = t->nendpoints;
		h->nep = nep;
		for (j = 0; j < nep; j++)
			endpoint(c, t, h->pref);
	}
}

static char *render(int json, const struct mx_run *run,
		    const struct mx_text_opts *o, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	if (fp == NULL)
		abort();
	if ((json ? mx_report_json(fp, run) : mx_report_text(fp, run, o)) != 0)
		abort();
	fclose(fp);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_analyze_params p;
	struct mx_text_opts o = {0, 1, 1};
	struct mx_run *run;
	struct mx_cur c;
	size_t i, j, n, len, nf;
	char *out;
	json_t *doc;
	json_error_t jerr;

	if (size > 4096)
		return 0;
	mx_cur_init(&c, data, size);
	run = mx_run_new();
	run->started = NOW;
	n = mx_cur_u8(&c) % 4;
	for (i = 0; i < n; i++)
		target(&c, run);
	mx_analyze_params_init(&p, NOW);
	mx_analyze_run(run, &p);
	if ((unsigned)run->exit_status > MX_EXIT_UNKNOWN)
		abort();
	for (i = 0, nf = 0; i < run->ntargets; i++) {
		const struct mx_target *t = &run->targets[i];

		if (t->confidence < -1 || t->confidence > 100)
			abort();
		nf += t->findings.n;
		for (j = 0; j < t->nendpoints; j++) {
			int k;

			for (k = 0; k < MX_COL__N; k++)
				if ((unsigned)t->endpoints[j].col[k] >
				    MX_V_FAIL)
					abort();
			nf += t->endpoints[j].findings.n;
		}
	}
	/* idempotent */
	mx_analyze_run(run, &p);
	for (i = 0, n = 0; i < run->ntargets; i++) {
		n += run->targets[i].findings.n;
		for (j = 0; j < run->targets[i].nendpoints; j++)
			n += run->targets[i].endpoints[j].findings.n;
	}
	if (n != nf)
		abort();
	out = render(0, run, &o, &len);
	for (i = 0; i < len; i++)
		if (!((out[i] >= 0x20 && out[i] < 0x7f) || out[i] == '\n'))
			abort();
	free(out);
	out = render(1, run, NULL, &len);
	doc = json_loadb(out, len, 0, &jerr);
	if (doc == NULL ||
	    json_integer_value(json_object_get(doc, "exit_status")) !=
		    (json_int_t)run->exit_status)
		abort();
	json_decref(doc);
	free(out);
	mx_run_free(run);
	return 0;
}
