/*
 * capjudge_cross.c - capture judgement across sessions (handshake
 * intolerance: a hello met by FIN/RST, then a different hello between
 * the same hosts that worked) and of the capture itself (dropped,
 * truncated, no mail, midstream).  See capjudge.h.
 */
#include "analyzers/capjudge.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "analyzers/capjudge_int.h"
#include "analyzers/smtp_failures.h"
#include "common/xalloc.h"
#include "wire/smtp.h"
#include "wire/tls_registry.h"

/* ---- across sessions ------------------------------------------------------ */

struct failed {
	char client[64], server[64];
	uint16_t sport;
	unsigned id;
	int64_t delay_us;
	int rst;
	struct mx_cap_hello h;
};

struct mx_capjudge {
	struct failed f[MX_CAPJUDGE_FAILED];
	size_t n, next;
};

struct mx_capjudge *mx_capjudge_new(void)
{
	return xcalloc(1, sizeof(struct mx_capjudge));
}

void mx_capjudge_free(struct mx_capjudge *j)
{
	free(j);
}

static int hello_differs(const struct mx_cap_hello *a,
			 const struct mx_cap_hello *b)
{
	if (a->ja3_md5[0] && b->ja3_md5[0])
		return strcmp(a->ja3_md5, b->ja3_md5) != 0;
	return a->len != b->len || a->nsuites != b->nsuites ||
	       a->max_version != b->max_version || a->next != b->next;
}

static int has_suite(const struct mx_cap_hello *h, uint16_t id)
{
	size_t i;

	for (i = 0; i < h->nsuites && i < 64; i++)
		if (h->suites[i] == id)
			return 1;
	return 0;
}

/* What only the refused hello had. */
static void only_in(const struct mx_cap_hello *bad,
		    const struct mx_cap_hello *good, char *b, size_t n)
{
	size_t i, shown = 0, more = 0;
	char sb[16];

	b[0] = '\0';
	if (bad->max_version > good->max_version)
		cj_cat(b, n, "; only the refused hello offered %s",
		       mx_tls_version_label(bad->max_version, sb, sizeof(sb)));
	for (i = 0; i < bad->nsuites && i < 64; i++) {
		if (mx_tls_grease(bad->suites[i]) ||
		    has_suite(good, bad->suites[i]))
			continue;
		if (shown < 6)
			cj_cat(b, n, "%s%s",
			       shown ? ", " : "; suites only in it: ",
			       mx_suite_label(bad->suites[i], sb, sizeof(sb)));
		else
			more++;
		shown++;
	}
	if (more)
		cj_cat(b, n, " (+%zu more)", more);
	if (bad->next > good->next)
		cj_cat(b, n, "; %u more extensions", bad->next - good->next);
	if (bad->len > good->len)
		cj_cat(b, n, "; %zu bytes larger", bad->len - good->len);
}

void mx_capjudge_capture(struct mx_capjudge *j, const struct mx_capsess *s,
			 struct mx_findings *out, const char *where)
{
	const struct mx_cap_hello *last;
	char hb[600], hg[600], diff[600], d[32], sb[16], vb[16];
	size_t i;

	if (j == NULL || s->nhellos == 0)
		return;
	last = &s->hellos[s->nhellos - 1];
	if (s->close_after_hello_us >= 0) {
		struct failed *f = &j->f[j->next];

		snprintf(f->client, sizeof(f->client), "%s", s->client);
		snprintf(f->server, sizeof(f->server), "%s", s->server);
		f->sport = s->sport;
		f->id = s->id;
		f->delay_us = s->close_after_hello_us;
		f->rst = s->close_after_hello_rst;
		f->h = *last;
		f->h.ja3 = NULL; /* owned by the session, which goes */
		j->next = (j->next + 1) % MX_CAPJUDGE_FAILED;
		if (j->n < MX_CAPJUDGE_FAILED)
			j->n++;
		return;
	}
	if (!s->server_hello)
		return;
	for (i = 0; i < j->n; i++) {
		struct failed *f = &j->f[i];

		if (f->id == 0 || f->sport != s->sport ||
		    strcmp(f->server, s->server) != 0 ||
		    strcmp(f->client, s->client) != 0 ||
		    !hello_differs(&f->h, last))
			continue;
		cj_hello_text(&f->h, hb, sizeof(hb));
		cj_hello_text(last, hg, sizeof(hg));
		only_in(&f->h, last, diff, sizeof(diff));
		cj_delay_text(f->delay_us, d, sizeof(d));
		mx_findings_add(out, "tls.hello_intolerance", where,
				"session %u: the ClientHello (%s) got a server "
				"%s %s later and no alert; session %u: a "
				"different ClientHello (%s) got ServerHello %s "
				"%s%s",
				f->id, hb, f->rst ? "RST" : "FIN", d, s->id, hg,
				mx_tls_version_label(s->version, vb,
						     sizeof(vb)),
				mx_suite_label(s->suite, sb, sizeof(sb)), diff);
		f->id = 0; /* reported */
	}
}

/* ---- the capture itself ------------------------------------------------- */

void mx_capjudge_totals(const struct mx_capture *c, struct mx_findings *out)
{
	uint64_t mail = c->mail_sessions, mid = c->midstream_sessions;
	uint64_t ml = 0, mdl = 0;
	size_t i;

	for (i = 0; i < c->nsess; i++) {
		const struct mx_capsess *s = c->sess[i];

		if (s->smtp || s->tls || s->encrypted) {
			ml++;
			if (s->midstream)
				mdl++;
		}
	}
	if (ml > mail)
		mail = ml;
	if (mdl > mid)
		mid = mdl;
	if (c->dropped + c->if_dropped > 0)
		mx_findings_add(
			out, "capture.dropped", "capture",
			"the capture missed %llu packets (kernel %llu, "
			"interface %llu): the timeline may be "
			"incomplete",
			(unsigned long long)(c->dropped + c->if_dropped),
			(unsigned long long)c->dropped,
			(unsigned long long)c->if_dropped);
	if (c->truncated)
		mx_findings_add(out, "capture.truncated", "capture",
				"the file ends inside a record after %llu "
				"frames%s%s",
				(unsigned long long)c->frames,
				c->file_error[0] ? ": " : "", c->file_error);
	if (mail == 0)
		mx_findings_add(out, "capture.no_mail", "capture",
				"no SMTP or TLS session in %llu frames (%llu "
				"TCP flows; %llu frames not TCP)",
				(unsigned long long)c->frames,
				(unsigned long long)(c->sessions > c->nsess
							     ? c->sessions
							     : c->nsess),
				(unsigned long long)c->not_tcp);
	if (mid > 0)
		mx_findings_add(out, "capture.midstream", "capture",
				"%llu session%s began before the capture did "
				"(no SYN): their start (greeting, STARTTLS, "
				"hellos) may be missing",
				(unsigned long long)mid, mid == 1 ? "" : "s");
}
