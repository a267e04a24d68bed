/*
 * fuzz_capdec.c - fuzz target for the capture decoder (analyzers/capdec.c
 * over wire/pkt.c, analyzers/reasm.c, wire/smtp.c, wire/tls_chello.c,
 * wire/tls_flight.c, wire/ja3.c).
 *
 * Input: one byte selecting the link type (EN10MB, RAW, NULL, LOOP,
 * LINUX_SLL, LINUX_SLL2, IPV4, IPV6 by its value mod 8), then frames as
 * [u16 big-endian length][bytes]; a length past the end takes what is
 * left.  Timestamps are synthetic: 1 ms apart, 700 s when the length's
 * top bit is set (so idle flows are closed).  Small reassembly limits
 * (8 flows, 64 KiB a direction, few out-of-order segments) so the caps
 * are hit.
 *
 * Checked: every session delivered once, in order of first packet unless
 * released early; counts within the model's bounds; every text the
 * session or a note carries is printable ASCII (peer bytes escaped);
 * totals add up (frames fed, sessions delivered).
 * Corpus: tests/fuzz/corpus/capdec/: sessions.bin (a STARTTLS session,
 * AUTH LOGIN, TLS 1.3 with an HRR, implicit TLS with DHE; written by
 * test_capdec with MX_CAPDEC_CORPUS_WRITE=FILE), eth-* and raw-* (its
 * flows one by one, on EN10MB and RAW), lab-* (regression captures of
 * tests/data/pcap in this format, on EN10MB, SLL2, NULL, IPv6).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/capdec.h"
#include "analyzers/capjudge.h"
#include "wire/ja3.h"
#include "wire/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

struct st {
	uint64_t sessions;
	unsigned last_id;
	uint64_t frames;
	struct mx_capjudge *j;
};

static void printable(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++)
		CHECK((unsigned char)s[i] >= 0x20 &&
		      (unsigned char)s[i] < 0x7f);
	CHECK(i < max);
}

static void on_session(void *arg, struct mx_capsess *s)
{
	struct st *t = arg;
	struct mx_findings fs = {0};
	size_t i;

	t->sessions++;
	t->last_id = s->id;
	CHECK(s->nev <= MX_CAP_MAX_EVENTS);
	CHECK(s->nsmtp <= MX_CAP_MAX_SMTP);
	CHECK(s->nhellos <= MX_CAP_MAX_HELLOS);
	CHECK(s->ncerts <= MX_CAP_MAX_CERTS);
	CHECK(s->first_frame >= 1 && s->last_frame <= t->frames);
	for (i = 0; i < s->nev; i++)
		printable(s->ev[i].text, sizeof(s->ev[i].text));
	for (i = 0; i < s->nsmtp; i++) {
		CHECK(s->smtp_lines[i].text != NULL);
		printable(s->smtp_lines[i].text, 1024);
	}
	for (i = 0; i < s->nhellos; i++) {
		printable(s->hellos[i].sni, sizeof(s->hellos[i].sni));
		if (s->hellos[i].ja3 != NULL)
			printable(s->hellos[i].ja3, MX_JA3_STR_MAX);
	}
	for (i = 0; i < s->ncerts; i++)
		CHECK(s->certs[i] != NULL && s->cert_len[i] > 0);
	printable(s->decode_error, sizeof(s->decode_error));
	printable(s->ja3s, sizeof(s->ja3s));
	if (s->close_after_hello_us >= 0)
		CHECK(s->nhellos > 0);
	mx_capjudge_session(s, &fs, "fuzz");
	mx_capjudge_capture(t->j, s, &fs, "fuzz");
	for (i = 0; i < fs.n; i++) {
		const char *e = fs.v[i].evidence;

		for (; *e; e++) /* reply lines are joined by newlines */
			CHECK(*e == '\n' || ((unsigned char)*e >= 0x20 &&
					     (unsigned char)*e < 0x7f));
	}
	mx_findings_clear(&fs);
	mx_capsess_clear(s);
	free(s);
}

static void on_note(void *arg, uint64_t frame, unsigned flow, int dir,
		    const char *text)
{
	struct st *t = arg;

	CHECK(frame >= 1 && frame <= t->frames);
	CHECK(flow >= 1);
	CHECK(dir == 0 || dir == 1);
	printable(text, 512);
}

static void on_secret(void *arg, uint64_t frame)
{
	struct st *t = arg;

	CHECK(frame >= 1 && frame <= t->frames);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[8] = {
		MX_LINK_EN10MB, MX_LINK_RAW,	   MX_LINK_NULL,
		MX_LINK_LOOP,	MX_LINK_LINUX_SLL, MX_LINK_LINUX_SLL2,
		MX_LINK_IPV4,	MX_LINK_IPV6,
	};
	struct mx_reasm_limits l;
	struct mx_capdec_cb cb;
	struct mx_capdec *d;
	struct st t;
	struct mx_findings fs = {0};
	struct mx_capture cap;
	const struct mx_capture *tot;
	size_t off = 1;
	int64_t ts = 1700000000000000LL;

	if (size < 1)
		return 0;
	memset(&t, 0, sizeof(t));
	t.j = mx_capjudge_new();
	mx_reasm_limits_default(&l);
	l.max_flows = 8;
	l.max_bytes_per_dir = 64 * 1024;
	l.max_ooo_segments = 8;
	l.max_ooo_bytes = 16 * 1024;
	l.max_held_bytes = 32 * 1024;
	l.idle_us = 600LL * 1000000;
	memset(&cb, 0, sizeof(cb));
	cb.arg = &t;
	cb.session = on_session;
	cb.note = on_note;
	cb.secret = on_secret;
	d = mx_capdec_new(links[data[0] % 8], &l, &cb);
	while (off + 2 <= size) {
		size_t len = (size_t)(data[off] & 0x7f) << 8 | data[off + 1];
		int jump = data[off] & 0x80;

		off += 2;
		if (len > size - off)
			len = size - off;
		ts += jump ? 700LL * 1000000 : 1000;
		t.frames++;
		mx_capdec_frame(d, data + off, len, len + (len & 3), ts);
		off += len;
	}
	mx_capdec_finish(d);
	tot = mx_capdec_totals(d);
	CHECK(tot->frames == t.frames);
	CHECK(tot->sessions == t.sessions);
	CHECK(tot->mail_sessions <= tot->sessions);
	CHECK(tot->not_tcp + tot->fragments + tot->undecodable <= tot->frames);
	cap = *tot;
	mx_capjudge_totals(&cap, &fs);
	mx_findings_clear(&fs);
	mx_capdec_free(d);
	mx_capjudge_free(t.j);
	return 0;
}
