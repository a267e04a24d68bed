/*
 * test_mailhdr.c - header section, Received chain (TLS per hop, delays),
 * Authentication-Results, dates; realistic samples from
 * $TEST_DATA_DIR/mail and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/mailhdr.h"

static uint8_t *load(const char *name, size_t *len)
{
	const char *dir = getenv("TEST_DATA_DIR");
	char path[1024];
	FILE *f;
	uint8_t *p;
	long n;

	snprintf(path, sizeof(path), "%s/mail/%s", dir ? dir : "tests/data",
		 name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (TEST_DATA_DIR?)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void assert_str(const char *got, const char *want)
{
	if (want == NULL) {
		if (got != NULL)
			fail_msg("want NULL, got \"%s\"", got);
		return;
	}
	if (got == NULL)
		fail_msg("want \"%s\", got NULL", want);
	assert_string_equal(got, want);
}

/* Everything the parser hands out is printable ASCII. */
static void assert_printable(const char *s)
{
	if (s == NULL)
		return;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			fail_msg("unescaped byte 0x%02x", (unsigned char)*s);
}

static void assert_all_printable(const struct mx_mailhdr *h)
{
	size_t i, j, k;

	for (i = 0; i < h->nfields; i++) {
		assert_printable(h->fields[i].name);
		assert_printable(h->fields[i].value);
	}
	for (i = 0; i < h->nrcvd; i++) {
		const struct mx_received *r = &h->rcvd[i];
		const char *s[] = {r->from,	   r->from_comment,
				   r->from_ip,	   r->by,
				   r->by_comment,  r->via,
				   r->with,	   r->protocol,
				   r->id,	   r->for_,
				   r->tls_version, r->tls_cipher,
				   r->tls_verify,  r->tls_kex,
				   r->tls_text,	   r->date_text};

		for (j = 0; j < sizeof(s) / sizeof(s[0]); j++)
			assert_printable(s[j]);
	}
	for (i = 0; i < h->nar; i++) {
		assert_printable(h->ar[i].authserv_id);
		for (j = 0; j < h->ar[i].nm; j++) {
			const struct mx_ar_method *m = &h->ar[i].m[j];

			assert_printable(m->method);
			assert_printable(m->version);
			assert_printable(m->result);
			assert_printable(m->reason);
			assert_printable(m->comment);
			for (k = 0; k < m->nprops; k++) {
				assert_printable(m->props[k].name);
				assert_printable(m->props[k].value);
			}
		}
	}
}

static const char *prop(const struct mx_ar_method *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nprops; i++)
		if (strcmp(m->props[i].name, name) == 0)
			return m->props[i].value;
	return NULL;
}

static size_t body_offset(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] == '\n' && p[i + 1] == '\n')
			return i + 2;
		if (i + 3 < n && memcmp(p + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	}
	return 0;
}

/* ---- realistic samples -------------------------------------------------- */

static void test_postfix_gmail(void **state)
{
	size_t len;
	uint8_t *p = load("postfix_gmail.eml", &len);
	struct mx_mailhdr *h = mx_mailhdr_parse(p, len);
	const struct mx_received *r;
	const struct mx_ar_method *m;

	(void)state;
	assert_int_equal(h->status, MX_HDR_OK);
	assert_int_equal(h->header_bytes, body_offset(p, len));
	assert_memory_equal(p + h->body_offset, "Are you free", 12);
	assert_int_equal(h->nfields, 17);
	assert_int_equal(h->bare_lf, 36);
	assert_str(mx_mailhdr_get(h, "subject", 0), "lunch?");
	assert_str(mx_mailhdr_get(h, "Authentication-Results", 2),
		   "mx1.lab.test; dmarc=pass (p=none dis=none) "
		   "header.from=gmail.com");
	assert_null(mx_mailhdr_get(h, "Authentication-Results", 3));
	/* Unfolded: line ends gone, the WSP kept. */
	assert_non_null(strstr(mx_mailhdr_get(h, "DKIM-Signature", 0),
			       "cc:subject         :date"));

	assert_int_equal(h->nrcvd, 3);
	/* Oldest: Gmail's own hop, clear text by its protocol name. */
	r = &h->rcvd[0];
	assert_null(r->from);
	assert_str(r->by, "mail-ej1-f54.google.com");
	assert_str(r->protocol, "SMTP");
	assert_int_equal(r->tls, MX_RCVD_TLS_NO);
	assert_str(r->id, "a640c23a62f3a-aa4d257eb68so123456766b.0");
	assert_str(r->for_, "<alice@lab.test>");
	assert_true(r->has_date);
	assert_int_equal(r->date, 1732010400);
	assert_int_equal(r->tz_minutes, -480);
	assert_false(r->has_delay);
	assert_false(r->malformed);
	/* Postfix MX: the TLS comment. */
	r = &h->rcvd[1];
	assert_str(r->from, "mail-ej1-f54.google.com");
	assert_str(r->from_comment, "mail-ej1-f54.google.com [209.85.218.54]");
	assert_str(r->from_ip, "209.85.218.54");
	assert_str(r->by, "mx1.lab.test");
	assert_str(r->by_comment, "Postfix");
	assert_str(r->with, "ESMTPS");
	assert_str(r->protocol, "ESMTPS");
	assert_false(r->auth);
	assert_int_equal(r->tls, MX_RCVD_TLS_YES);
	assert_str(r->tls_version, "TLSv1.3");
	assert_str(r->tls_cipher, "TLS_AES_128_GCM_SHA256");
	assert_int_equal(r->tls_bits, 128);
	assert_str(r->tls_kex, "X25519");
	assert_null(r->tls_verify);
	assert_str(r->id, "4XtF2v0QJDz9sWR");
	assert_int_equal(r->date, 1732010402);
	assert_int_equal(r->tz_minutes, 60);
	assert_true(r->has_delay);
	assert_int_equal(r->delay_s, 2);
	assert_int_equal(r->field_index, 3);
	/* Dovecot LMTP. */
	r = &h->rcvd[2];
	assert_str(r->protocol, "LMTP");
	assert_int_equal(r->tls, MX_RCVD_TLS_NO);
	assert_str(r->id, "8Jq1NhdkPGdpGQAAqNq5dQ");
	assert_int_equal(r->delay_s, 1);
	assert_true(h->has_total_delay);
	assert_int_equal(h->total_delay_s, 3);

	assert_int_equal(h->nar, 3);
	assert_str(h->ar[0].authserv_id, "mx1.lab.test");
	assert_false(h->ar[0].arc);
	assert_false(h->ar[0].malformed);
	assert_int_equal(h->ar[0].nm, 2);
	m = &h->ar[0].m[0];
	assert_str(m->method, "dkim");
	assert_str(m->result, "pass");
	assert_str(m->comment, "2048-bit key; unprotected");
	assert_int_equal(m->nprops, 5);
	assert_str(prop(m, "header.d"), "gmail.com");
	assert_str(prop(m, "header.i"), "@gmail.com");
	assert_str(prop(m, "header.b"), "Xb3cQ2pL");
	assert_str(h->ar[0].m[1].method, "dkim-atps");
	assert_str(h->ar[0].m[1].result, "neutral");
	m = &h->ar[1].m[0];
	assert_false(h->ar[1].malformed);
	assert_str(m->method, "spf");
	assert_str(m->comment, "sender SPF authorized");
	assert_int_equal(m->nprops, 1);
	assert_str(prop(m, "smtp.mailfrom"), "gmail.com");
	m = &h->ar[2].m[0];
	assert_str(m->method, "dmarc");
	assert_str(m->comment, "p=none dis=none");
	assert_str(prop(m, "header.from"), "gmail.com");
	assert_all_printable(h);
	mx_mailhdr_free(h);
	free(p);
}

static void test_gmail_from_ses(void **state)
{
	size_t len;
	uint8_t *p = load("gmail_from_ses.eml", &len);
	struct mx_mailhdr *h = mx_mailhdr_parse(p, len);
	const struct mx_received *r;
	const struct mx_authres *a;

	(void)state;
	assert_int_equal(h->status, MX_HDR_OK);
	assert_int_equal(h->header_bytes, body_offset(p, len));
	assert_int_equal(h->nrcvd, 3); /* X-Received is not Received */
	r = &h->rcvd[0];
	assert_str(r->from, "appliance.example.com");
	assert_str(r->from_ip, "203.0.113.10");
	assert_str(r->by, "email-smtp.amazonaws.com");
	assert_null(r->by_comment);
	assert_str(r->protocol, "SMTP");
	assert_int_equal(r->tls, MX_RCVD_TLS_NO);
	assert_str(r->id, "7nJqEwlBkPF3xX2Wd9aL");
	assert_str(r->for_, "carol@gmail.com");
	assert_int_equal(r->date, 1732010403);
	r = &h->rcvd[1];
	assert_str(r->from, "a8-30.smtp-out.amazonses.com");
	assert_str(r->from_ip, "54.240.8.30");
	assert_str(r->by, "mx.google.com");
	assert_str(r->protocol, "ESMTPS");
	assert_str(r->tls_version, "TLSv1.3");
	assert_str(r->tls_cipher, "TLS_AES_128_GCM_SHA256");
	assert_int_equal(r->tls_bits, 128);
	assert_str(r->tls_text,
		   "version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128");
	assert_str(r->for_, "<carol@gmail.com>");
	assert_int_equal(r->delay_s, 1);
	r = &h->rcvd[2];
	assert_str(r->by, "2002:a05:7000:a1c4:b0:5f1:2c3e:81d7");
	assert_str(r->id, "ds4csp1234567mab");
	assert_int_equal(r->date, 1732010405);
	assert_int_equal(r->delay_s, 1);
	assert_int_equal(h->total_delay_s, 2);

	assert_int_equal(h->nar, 2);
	a = &h->ar[0];
	assert_true(a->arc);
	assert_int_equal(a->instance, 1);
	assert_str(a->authserv_id, "mx.google.com");
	assert_false(a->malformed);
	assert_int_equal(a->nm, 4);
	assert_str(a->m[0].method, "dkim");
	assert_str(prop(&a->m[0], "header.i"), "@example.com");
	assert_str(prop(&a->m[1], "header.i"), "@amazonses.com");
	assert_str(a->m[2].method, "spf");
	assert_str(a->m[3].method, "dmarc");
	assert_str(a->m[3].result, "pass");
	assert_str(a->m[3].comment, "p=QUARANTINE sp=QUARANTINE dis=NONE");
	assert_false(h->ar[1].arc);
	assert_int_equal(h->ar[1].instance, 0);
	assert_int_equal(h->ar[1].nm, 4);
	assert_all_printable(h);
	mx_mailhdr_free(h);
	free(p);
}

static void test_exchange_online(void **state)
{
	size_t len;
	uint8_t *p = load("exchange_online.eml", &len);
	struct mx_mailhdr *h = mx_mailhdr_parse(p, len);
	const struct mx_received *r;
	const struct mx_authres *a;
	static const int64_t delays[] = {0, 2, 1, 0, 1};
	size_t i;

	(void)state;
	assert_int_equal(h->status, MX_HDR_OK);
	assert_int_equal(h->bare_lf, 0); /* CRLF file */
	assert_int_equal(h->nrcvd, 5);
	for (i = 1; i < 5; i++)
		assert_int_equal(h->rcvd[i].delay_s, delays[i]);
	assert_int_equal(h->total_delay_s, 4);
	r = &h->rcvd[0];
	assert_str(r->from, "[127.0.0.1]");
	assert_str(r->from_ip, "127.0.0.1");
	assert_str(r->protocol, "ESMTPSA");
	assert_true(r->auth);
	assert_int_equal(r->tls, MX_RCVD_TLS_YES);
	assert_null(r->tls_version);
	assert_int_equal(r->date, 1732010405);
	r = &h->rcvd[1];
	assert_str(r->from, "mx1.lab.test");
	assert_str(r->from_ip, "192.0.2.25");
	assert_str(r->by, "BN2PEPF000044A9.mail.protection.outlook.com");
	assert_str(r->by_comment, "10.167.243.154");
	assert_str(r->with, "Microsoft SMTP Server");
	assert_null(r->protocol);
	assert_int_equal(r->tls, MX_RCVD_TLS_YES);
	assert_str(r->tls_version, "TLSv1.3");
	assert_str(r->tls_cipher, "TLS_AES_256_GCM_SHA384");
	assert_str(r->id, "15.20.8182.16");
	assert_str(r->via, "Frontend Transport");
	r = &h->rcvd[2];
	assert_str(r->from_ip, "2603:10b6:408:fe:cafe::6f");
	assert_str(r->by, "BN9PR03CA0123.outlook.office365.com");
	r = &h->rcvd[3];
	assert_str(r->tls_version, "TLSv1.2");
	assert_str(r->tls_cipher, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	assert_str(r->date_text, "Tue, 19 Nov 2024 10:00:08 +0000");
	r = &h->rcvd[4];
	assert_str(r->protocol, "HTTPS");
	assert_int_equal(r->tls, MX_RCVD_TLS_YES);
	assert_int_equal(r->date, 1732010409);

	/* Exchange Online writes no authserv-id and "action=none". */
	assert_int_equal(h->nar, 1);
	a = &h->ar[0];
	assert_true(a->no_authserv_id);
	assert_null(a->authserv_id);
	assert_false(a->malformed);
	assert_int_equal(a->nm, 4);
	assert_str(a->m[0].method, "spf");
	assert_str(a->m[0].comment, "sender IP is 192.0.2.25");
	assert_str(prop(&a->m[0], "smtp.mailfrom"), "lab.test");
	assert_str(a->m[1].comment, "signature was verified");
	assert_str(prop(&a->m[1], "header.d"), "lab.test");
	assert_str(prop(&a->m[2], "action"), "none");
	assert_str(prop(&a->m[2], "header.from"), "lab.test");
	assert_str(a->m[3].method, "compauth");
	assert_str(a->m[3].reason, "100");
	assert_all_printable(h);
	mx_mailhdr_free(h);
	free(p);
}

static void test_sendmail_exim_ses(void **state)
{
	size_t len;
	uint8_t *p;
	struct mx_mailhdr *h;
	const struct mx_received *r;
	const struct mx_authres *a;

	(void)state;
	p = load("sendmail.eml", &len);
	h = mx_mailhdr_parse(p, len);
	assert_int_equal(h->status, MX_HDR_OK);
	assert_int_equal(h->nrcvd, 3);
	r = &h->rcvd[0]; /* two-digit year and "UT" (RFC 5322 §4.3) */
	assert_str(r->protocol, "ESMTP");
	assert_int_equal(r->tls, MX_RCVD_TLS_NO);
	assert_int_equal(r->date, 1732010434);
	r = &h->rcvd[1];
	assert_str(r->from_comment, "[203.0.113.44]");
	assert_str(r->from_ip, "203.0.113.44");
	assert_str(r->protocol, "ESMTPSA");
	assert_true(r->auth);
	assert_str(r->tls_version, "TLSv1.2");
	assert_str(r->tls_cipher, "ECDHE-RSA-AES256-GCM-SHA384");
	assert_int_equal(r->tls_bits, 256);
	assert_str(r->tls_verify, "NO");
	assert_int_equal(r->delay_s, -3); /* clocks disagree */
	r = &h->rcvd[2];
	assert_str(r->by_comment, "8.17.1.9/8.17.1.9");
	assert_str(r->tls_version, "TLSv1.3");
	assert_str(r->tls_verify, "NOT");
	assert_int_equal(r->delay_s, 2);
	assert_all_printable(h);
	mx_mailhdr_free(h);
	free(p);

	p = load("exim.eml", &len);
	h = mx_mailhdr_parse(p, len);
	assert_int_equal(h->status, MX_HDR_OK);
	assert_int_equal(h->nrcvd, 1);
	r = &h->rcvd[0];
	assert_str(r->from_ip, "198.51.100.20");
	assert_str(r->protocol, "ESMTPS");
	assert_str(r->with, "esmtps tls TLS_AES_256_GCM_SHA384");
	assert_str(r->tls_version, "TLSv1.3");
	assert_str(r->tls_cipher, "TLS_AES_256_GCM_SHA384");
	assert_str(r->id, "1tDXyZ-00AbCd-1x");
	assert_str(r->for_, "grace@example.net");
	assert_int_equal(r->date, 1732010440);
	assert_false(r->malformed);
	a = &h->ar[0];
	assert_false(a->malformed);
	assert_int_equal(a->nm, 5);
	assert_str(a->m[0].method, "iprev");
	assert_str(a->m[0].comment, "mail.example.org");
	assert_str(prop(&a->m[0], "smtp.remote-ip"), "198.51.100.20");
	assert_str(a->m[2].result, "fail");
	assert_str(a->m[2].reason, "signature verification failed");
	assert_int_equal(a->m[2].nprops, 3);
	assert_str(a->m[4].method, "arc");
	assert_str(a->m[4].result, "none");
	mx_mailhdr_free(h);
	free(p);

	p = load("ses_to_postfix.eml", &len);
	h = mx_mailhdr_parse(p, len);
	assert_int_equal(h->status, MX_HDR_OK);
	assert_str(mx_mailhdr_get(h, "x-mxprobe-token", 0),
		   "0123456789abcdef0123456789abcdef");
	assert_int_equal(h->nrcvd, 2);
	assert_str(h->rcvd[1].tls_version, "TLSv1.2");
	assert_str(h->rcvd[1].tls_cipher, "ECDHE-RSA-AES128-GCM-SHA256");
	assert_int_equal(h->rcvd[1].delay_s, 3);
	assert_true(h->ar[0].none);
	assert_int_equal(h->ar[0].nm, 0);
	assert_false(h->ar[0].malformed);
	mx_mailhdr_free(h);
	free(p);
}

/* Every prefix of every sample, in an exactly sized copy: no over-read,
 * never OK before the empty line, the full result from there on. */
static void test_sample_truncations(void **state)
{
	static const char *files[] = {"postfix_gmail.eml",
				      "gmail_from_ses.eml",
				      "exchange_online.eml",
				      "sendmail.eml",
				      "exim.eml",
				      "ses_to_postfix.eml"};
	size_t f, n;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len, full_fields, hb;
		uint8_t *p = load(files[f], &len);
		struct mx_mailhdr *h = mx_mailhdr_parse(p, len);

		full_fields = h->nfields;
		hb = h->header_bytes;
		mx_mailhdr_free(h);
		for (n = 0; n <= len; n++) {
			uint8_t *q = malloc(n ? n : 1);

			memcpy(q, p, n);
			h = mx_mailhdr_parse(q, n);
			if (n < hb) {
				assert_true(h->status == MX_HDR_UNTERMINATED ||
					    h->status == MX_HDR_MALFORMED);
				assert_true(h->nfields <= full_fields);
			} else {
				assert_int_equal(h->status, MX_HDR_OK);
				assert_int_equal(h->nfields, full_fields);
			}
			assert_true(h->header_bytes <= n);
			assert_all_printable(h);
			mx_mailhdr_free(h);
			free(q);
		}
		free(p);
	}
}

/* ---- the header section: malformed and hostile -------------------------- */

static void test_section_table(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		enum mx_hdr_status want;
		size_t nfields;
		const char *name0, *value0;
	} cases[] = {
		{" folded first\nSubject: x\n\n", 0, MX_HDR_MALFORMED, 0, NULL,
		 NULL},
		{"Subject: x\nnot a header\nTo: y\n\n", 0, MX_HDR_MALFORMED, 1,
		 "Subject", "x"},
		{"Subject: x\nTo: y", 0, MX_HDR_UNTERMINATED, 2, "Subject",
		 "x"},
		{"Subject: x\n", 0, MX_HDR_UNTERMINATED, 1, "Subject", "x"},
		{"", 0, MX_HDR_UNTERMINATED, 0, NULL, NULL},
		{"\n", 0, MX_HDR_OK, 0, NULL, NULL},
		{"\r\n", 0, MX_HDR_OK, 0, NULL, NULL},
		{": novalue\n\n", 0, MX_HDR_MALFORMED, 0, NULL, NULL},
		{"Sub ject: x\n\n", 0, MX_HDR_MALFORMED, 0, NULL, NULL},
		{"Subject : x\n\n", 0, MX_HDR_OK, 1, "Subject", "x"},
		{"Subject:\n\n", 0, MX_HDR_OK, 1, "Subject", ""},
		{"Subject: a\n  b\n\tc\n\n", 0, MX_HDR_OK, 1, "Subject",
		 "a  b\\tc"},
		{"From sender@example.com Tue Nov 19 10:00:00 2024\nSubject: "
		 "x\n\n",
		 0, MX_HDR_OK, 1, "Subject", "x"},
		{"X: \x1b[2J\x07\n\n", 0, MX_HDR_OK, 1, "X", "\\x1b[2J\\x07"},
		{"X: a\0b\n\n", 8, MX_HDR_OK, 1, "X", "a\\x00b"},
		{"X\xff: v\n\n", 0, MX_HDR_MALFORMED, 0, NULL, NULL},
		{"X: a\rb\r\n\r\n", 0, MX_HDR_OK, 1, "X", "a\\rb"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = cases[i].len ? cases[i].len : strlen(cases[i].in);
		struct mx_mailhdr *h =
			mx_mailhdr_parse((const uint8_t *)cases[i].in, n);

		if (h->status != cases[i].want)
			fail_msg("case %zu: status %s, want %s", i,
				 mx_hdr_status_name(h->status),
				 mx_hdr_status_name(cases[i].want));
		assert_int_equal(h->nfields, cases[i].nfields);
		if (cases[i].name0) {
			assert_string_equal(h->fields[0].name, cases[i].name0);
			assert_string_equal(h->fields[0].value,
					    cases[i].value0);
		}
		mx_mailhdr_free(h);
	}
}

static void test_section_limits(void **state)
{
	size_t n = (MX_HDR_MAX_FIELDS + 5) * 6 + 1, i;
	uint8_t *p = malloc(
		n > MX_HDR_MAX_BYTES + 65536 ? n : MX_HDR_MAX_BYTES + 65536);
	struct mx_mailhdr *h;

	(void)state;
	/* Too many fields: stops at the limit, keeps what it had. */
	for (i = 0; i < MX_HDR_MAX_FIELDS + 5; i++)
		memcpy(p + i * 6, "X: a\r\n", 6);
	p[n - 1] = '\n';
	h = mx_mailhdr_parse(p, n);
	assert_int_equal(h->status, MX_HDR_TOO_MANY_FIELDS);
	assert_int_equal(h->nfields, MX_HDR_MAX_FIELDS);
	mx_mailhdr_free(h);

	/* One field folded past MX_HDR_MAX_FIELD. */
	memcpy(p, "X: a", 4);
	for (i = 4; i + 3 <= 2 * MX_HDR_MAX_FIELD; i += 3)
		memcpy(p + i, "\n b", 3);
	h = mx_mailhdr_parse(p, i);
	assert_int_equal(h->status, MX_HDR_FIELD_TOO_BIG);
	assert_int_equal(h->nfields, 0);
	mx_mailhdr_free(h);

	/* A section over MX_HDR_MAX_BYTES. */
	for (i = 0; i + 6 <= MX_HDR_MAX_BYTES + 60; i += 6)
		memcpy(p + i, "Y: bb\n", 6);
	h = mx_mailhdr_parse(p, i);
	assert_true(h->status == MX_HDR_TOO_BIG ||
		    h->status == MX_HDR_TOO_MANY_FIELDS);
	mx_mailhdr_free(h);
	/* One line longer than a field may be (issue 13: a 5 MiB field
	 * was "no header section"): the field limit, and the whole field
	 * before it kept. */
	memset(p, 'z', MX_HDR_MAX_BYTES + 50);
	memcpy(p, "Z: ", 3);
	h = mx_mailhdr_parse(p, MX_HDR_MAX_BYTES + 50);
	assert_int_equal(h->status, MX_HDR_FIELD_TOO_BIG);
	assert_int_equal(h->nfields, 0);
	mx_mailhdr_free(h);
	memcpy(p, "A: b\r\nZ: ", 9);
	h = mx_mailhdr_parse(p, MX_HDR_MAX_BYTES + 50);
	assert_int_equal(h->status, MX_HDR_FIELD_TOO_BIG);
	assert_int_equal(h->nfields, 1);
	assert_string_equal(mx_mailhdr_get(h, "A", 0), "b");
	mx_mailhdr_free(h);
	/* ... but not a field the long line continues. */
	memcpy(p, "A: b\r\n   ", 9);
	h = mx_mailhdr_parse(p, MX_HDR_MAX_BYTES + 50);
	assert_int_equal(h->status, MX_HDR_FIELD_TOO_BIG);
	assert_int_equal(h->nfields, 0);
	mx_mailhdr_free(h);
	/* A section over MX_HDR_MAX_BYTES in fields under the field limit:
	 * the fields before the one that crosses it are kept. */
	for (i = 0; i + 32768 <= MX_HDR_MAX_BYTES + 40000; i += 32768) {
		memset(p + i, 'w', 32768);
		memcpy(p + i, "W: ", 3);
		memcpy(p + i + 32766, "\r\n", 2);
	}
	h = mx_mailhdr_parse(p, i);
	assert_int_equal(h->status, MX_HDR_TOO_BIG);
	assert_int_equal(h->nfields, MX_HDR_MAX_BYTES / 32768);
	mx_mailhdr_free(h);

	/* More Received fields than are parsed: counted, not lost. */
	for (i = 0; i < MX_HDR_MAX_RECEIVED + 3; i++)
		memcpy(p + i * 10, "Received:\n", 10);
	p[i * 10] = '\n';
	h = mx_mailhdr_parse(p, i * 10 + 1);
	assert_int_equal(h->status, MX_HDR_OK);
	assert_int_equal(h->nrcvd, MX_HDR_MAX_RECEIVED);
	assert_int_equal(h->rcvd_dropped, 3);
	assert_true(h->rcvd[0].malformed);
	mx_mailhdr_free(h);
	free(p);
}

/* ---- Received ---------------------------------------------------------- */

static void test_received_malformed(void **state)
{
	static const struct {
		const char *in;
		int has_date;
		const char *from, *by;
	} cases[] = {
		{"from a (unclosed comment; Tue, 19 Nov 2024 10:00:00 +0000", 0,
		 "a", NULL},
		{"from a by b with ESMTP", 0, "a", "b"},
		{"from a by b; not a date", 0, "a", "b"},
		{"junk from a by b; Tue, 19 Nov 2024 10:00:00 +0000", 1, "a",
		 "b"},
		{"from a by b; x; Tue, 19 Nov 2024 10:00:00 +0000", 1, "a",
		 "b"},
		{"from a ((((((((((((((((((((deep)))))))))))))))))))) by b; "
		 "Tue, 19 Nov 2024 10:00:00 +0000",
		 1, "a", "b"},
		{"", 0, NULL, NULL},
		{";", 0, NULL, NULL},
		{"from \"unterminated by b; Tue, 19 Nov 2024 10:00:00 +0000", 0,
		 "\"unterminated by b; Tue, 19 Nov 2024 10:00:00 +0000", NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_received r;

		mx_received_parse((const uint8_t *)cases[i].in,
				  strlen(cases[i].in), &r);
		if (!r.malformed)
			fail_msg("case %zu not flagged", i);
		if (r.has_date != cases[i].has_date)
			fail_msg("case %zu: has_date %d", i, r.has_date);
		assert_str(r.from, cases[i].from);
		assert_str(r.by, cases[i].by);
		mx_received_clear(&r);
	}
}

static void test_received_hostile(void **state)
{
	struct mx_received r;
	char big[4000];
	size_t i;

	(void)state;
	/* Peer bytes come out escaped. */
	mx_received_parse(
		(const uint8_t *)"from evil\x1b[2J (x [10.0.0.1]) by b (using "
				 "TLSv1.3\x07 with cipher C\x1b) with ESMTPS; "
				 "Tue, 19 Nov 2024 10:00:00 +0000",
		strlen("from evil\x1b[2J (x [10.0.0.1]) by b (using "
		       "TLSv1.3\x07 with cipher C\x1b) with ESMTPS; "
		       "Tue, 19 Nov 2024 10:00:00 +0000"),
		&r);
	assert_str(r.from, "evil\\x1b[2J");
	assert_str(r.from_ip, "10.0.0.1");
	assert_str(r.tls_version, "TLSv1.3\\x07");
	assert_str(r.tls_cipher, "C\\x1b");
	assert_false(r.malformed);
	mx_received_clear(&r);

	/* A bogus address in brackets is not an address. */
	mx_received_parse((const uint8_t *)"from a (a [999.1.1.1]) by b; "
					   "Tue, 19 Nov 2024 10:00:00 +0000",
			  strlen("from a (a [999.1.1.1]) by b; "
				 "Tue, 19 Nov 2024 10:00:00 +0000"),
			  &r);
	assert_null(r.from_ip);
	mx_received_clear(&r);

	/* More tokens than the tokenizer keeps. */
	for (i = 0; i + 2 <= sizeof(big); i += 2)
		memcpy(big + i, "x ", 2);
	mx_received_parse((const uint8_t *)big, sizeof(big), &r);
	assert_true(r.malformed);
	assert_false(r.has_date);
	mx_received_clear(&r);
}

/* ---- Authentication-Results --------------------------------------------- */

static void test_authres_table(void **state)
{
	static const struct {
		const char *in;
		int arc;
		int malformed;
		const char *id;
		size_t nm;
		const char *m0, *r0;
	} cases[] = {
		{"", 0, 1, NULL, 0, NULL, NULL},
		{"mx.example; none", 0, 0, "mx.example", 0, NULL, NULL},
		{"mx.example 1; spf=pass", 0, 0, "mx.example", 1, "spf",
		 "pass"},
		{"mx.example; spf=pass;", 0, 0, "mx.example", 1, "spf", "pass"},
		{"mx.example; spf", 0, 1, "mx.example", 0, NULL, NULL},
		{"mx.example; spf=", 0, 1, "mx.example", 0, NULL, NULL},
		{"mx.example; spf=pass smtp.mailfrom", 0, 1, "mx.example", 1,
		 "spf", "pass"},
		{"mx.example; spf=pass junk; dkim=fail", 0, 1, "mx.example", 2,
		 "spf", "pass"},
		{"mx.example; spf=pass; dkim=fail (unclosed", 0, 1,
		 "mx.example", 2, "spf", "pass"},
		{"mx.example; spf=pass x=\"open", 0, 1, "mx.example", 1, "spf",
		 "pass"},
		{"\"quoted id\"; dkim/1=pass", 0, 0, "quoted id", 1, "dkim",
		 "pass"},
		{"i=2; mx.example; arc=pass", 1, 0, "mx.example", 1, "arc",
		 "pass"},
		{"i=0; mx.example; arc=pass", 1, 1, NULL, 0, NULL, NULL},
		{"i=51; mx.example; arc=pass", 1, 1, NULL, 0, NULL, NULL},
		{"mx.example; arc=pass", 1, 1, NULL, 0, NULL, NULL},
		{"mx.example; none; spf=pass", 0, 1, "mx.example", 1, "spf",
		 "pass"},
		{"mx.example; spf=pass x; ;;", 0, 1, "mx.example", 1, "spf",
		 "pass"},
		{"mx\x1b[2J; spf=p\x07ss", 0, 0, "mx\\x1b[2J", 1, "spf",
		 "p\\x07ss"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_authres a;

		mx_authres_parse((const uint8_t *)cases[i].in,
				 strlen(cases[i].in), cases[i].arc, &a);
		if (a.malformed != cases[i].malformed)
			fail_msg("case %zu: malformed %d", i, a.malformed);
		assert_str(a.authserv_id, cases[i].id);
		assert_int_equal(a.nm, cases[i].nm);
		if (cases[i].nm) {
			assert_str(a.m[0].method, cases[i].m0);
			assert_str(a.m[0].result, cases[i].r0);
		}
		mx_authres_clear(&a);
	}
}

static void test_authres_details(void **state)
{
	static const char in[] =
		"mx.example; dkim/1=pass reason=\"good \\\"sig\\\"\" "
		"header.b=AbC+/de= header.d=example.com";
	struct mx_authres a;
	char many[2000];
	size_t i, n = 0;

	(void)state;
	mx_authres_parse((const uint8_t *)in, sizeof(in) - 1, 0, &a);
	assert_false(a.malformed);
	assert_str(a.m[0].version, "1");
	assert_str(a.m[0].reason, "good \"sig\"");
	assert_str(prop(&a.m[0], "header.b"), "AbC+/de=");
	assert_str(prop(&a.m[0], "header.d"), "example.com");
	mx_authres_clear(&a);

	/* More methods than are kept. */
	n = (size_t)snprintf(many, sizeof(many), "mx.example");
	for (i = 0; i < MX_AR_MAX_METHODS + 6; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "; m%zu=pass",
				      i);
	mx_authres_parse((const uint8_t *)many, n, 0, &a);
	assert_int_equal(a.nm, MX_AR_MAX_METHODS);
	assert_true(a.malformed);
	mx_authres_clear(&a);
}

/* ---- dates and versions ------------------------------------------------- */

static void test_dates(void **state)
{
	static const struct {
		const char *in;
		int ok;
		int64_t t;
		int tz;
	} cases[] = {
		{"Tue, 19 Nov 2024 10:00:00 +0000", 1, 1732010400, 0},
		{"19 Nov 2024 10:00 +0000", 1, 1732010400, 0},
		{"Tue, 19 Nov 24 02:00:00 PST", 1, 1732010400, -480},
		{"Tue, 19 Nov 2024 11:00:00 +0100 (CET)", 1, 1732010400, 60},
		{"  Tue,19 Nov 2024 10:00:00 Z", 1, 1732010400, 0},
		{"Tue, 19 Nov 2024 10:00:00 A", 1, 1732010400, 0},
		{"(c) Tue, 19 (c) Nov 2024 10 : 00 : 00 GMT (c)", 1, 1732010400,
		 0},
		{"Tue, 19 nov 2024 05:30:00 -0430", 1, 1732010400, -270},
		{"Thu, 29 Feb 2024 00:00:00 +0000", 1, 1709164800, 0},
		{"Sat, 01 Jan 00 00:00:00 +0000", 1, 946684800, 0},
		{"1 Jan 1970 00:00:00 +0000", 1, 0, 0},
		{"Mon, 31 Dec 2068 23:59:59 -1200", 1, 3124267199, -720},
		{"Fri, 29 Feb 2023 00:00:00 +0000", 0, 0, 0},
		{"Tue, 31 Nov 2024 00:00:00 +0000", 0, 0, 0},
		{"Tue, 19 Nov 2024 24:00:00 +0000", 0, 0, 0},
		{"Tue, 19 Nov 2024 10:60:00 +0000", 0, 0, 0},
		{"Tue, 19 Nov 2024 10:00:00", 0, 0, 0},
		{"Tue, 19 Nov 2024 10:00:00 +01", 0, 0, 0},
		{"Tue, 19 Nov 2024 10:00:00 +0060", 0, 0, 0},
		{"Tue, 19 Foo 2024 10:00:00 +0000", 0, 0, 0},
		{"Tue, 19 Nov 2024 10:00:00 +0000 trailing", 0, 0, 0},
		{"Xyz, 19 Nov 2024 10:00:00 +0000", 0, 0, 0},
		{"Tue 19 Nov 2024 10:00:00 +0000", 0, 0, 0},
		{"Tue, 19 Nov 1899 10:00:00 +0000", 0, 0, 0},
		{"Tue, 19 Nov 20245 10:00:00 +0000", 0, 0, 0},
		{"Tue, 0 Nov 2024 10:00:00 +0000", 0, 0, 0},
		{"Sat, 01 Jan 2000 00:00:00 J", 0, 0, 0},
		{"Tue, 19 Nov 2024 10:00:00 (unclosed", 0, 0, 0},
		{"", 0, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_t t = 12345;
		int tz = 99;
		int ok = mx_mailhdr_parse_date((const uint8_t *)cases[i].in,
					       strlen(cases[i].in), &t, &tz);

		if (ok != cases[i].ok)
			fail_msg("case %zu \"%s\": %d", i, cases[i].in, ok);
		if (ok) {
			assert_true((int64_t)t == cases[i].t);
			assert_int_equal(tz, cases[i].tz);
		}
	}
}

static void test_tls_versions(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"TLS1_2", "TLSv1.2"}, {"TLSv1.3", "TLSv1.3"},
		{"TLS1.3", "TLSv1.3"}, {"tlsv1", "TLSv1"},
		{"TLSv1.0", "TLSv1"},  {"TLS1_1", "TLSv1.1"},
		{"SSLv3", "SSLv3"},    {"TLS1_4", NULL},
		{"TLS", NULL},	       {"TLSv1.2x", NULL},
		{"TLSv12", NULL},      {"", NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_str(mx_tls_version_norm(cases[i].in,
					       strlen(cases[i].in)),
			   cases[i].out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postfix_gmail),
		cmocka_unit_test(test_gmail_from_ses),
		cmocka_unit_test(test_exchange_online),
		cmocka_unit_test(test_sendmail_exim_ses),
		cmocka_unit_test(test_sample_truncations),
		cmocka_unit_test(test_section_table),
		cmocka_unit_test(test_section_limits),
		cmocka_unit_test(test_received_malformed),
		cmocka_unit_test(test_received_hostile),
		cmocka_unit_test(test_authres_table),
		cmocka_unit_test(test_authres_details),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_tls_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
