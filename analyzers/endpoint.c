/*
 * endpoint.c - judgement of one endpoint: SMTP dialogue, TLS handshake,
 * key exchange, certificate chain and host name.
 *
 * API: mx_analyze_endpoint() (analyze.h).  It clears and then fills
 * ep->findings and ep->col[]; it reads only facts and the params.
 *
 * Structure (STYLE habit 8): the diagnosis is a list of rules (the
 * certificate rules are in endpoint_cert.c, endpoint_int.h)
 * (`ep_rules`), each a small predicate that emits findings through
 * mx_ep_emit(); the variation inside a rule lives in tables - why the dialogue
 * stopped (`stop_rules`), how the handshake failed (`tls_fail_rules`),
 * which alert the server sent (`alert_rules`), why we aborted
 * (`sent_rules`), which verification error (`verify_rules`), which
 * version is legacy (`legacy_versions`), which temporary key is which
 * family (`key_families`).
 *
 * Column verdicts: every finding is emitted against a summary column;
 * a column's verdict is the worst of its findings (critical -> FAIL,
 * warning -> WARN, info -> OK) and at least OK when the column's step was
 * reached, NONE ("-") when it was not.  So the table and the findings can
 * never disagree.
 *
 * One root cause, one finding: a self-signed leaf is cert.self_signed and
 * not also cert.untrusted; an expiry the verifier reports is
 * cert.expired only; a handshake that died of a small DH group is
 * tls.handshake_failed (with the DH evidence), not also kex.temp_key_weak.
 *
 * Evidence strings are built from escaped model text and our own ASCII.
 */
#include "analyzers/analyze.h"
#include "analyzers/clients.h"
#include "analyzers/capcorr.h"
#include "analyzers/dane.h"
#include "analyzers/endpoint_int.h"
#include "analyzers/suites.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzers/smtp_failures.h"
#include "common/buf.h"
#include "common/xalloc.h"
#include "model/where.h"
#include "wire/smtp.h"

/* ---- helpers ----------------------------------------------------------- */

static enum mx_verdict verdict_for(enum mx_severity s)
{
	static const enum mx_verdict t[] = {
		[MX_SEV_OK] = MX_V_OK,	      [MX_SEV_INFO] = MX_V_OK,
		[MX_SEV_WARN] = MX_V_WARN,    [MX_SEV_CRIT] = MX_V_FAIL,
		[MX_SEV_UNKNOWN] = MX_V_WARN,
	};
	return (size_t)s < sizeof(t) / sizeof(t[0]) ? t[s] : MX_V_WARN;
}

void mx_ep_mark(struct ep_ctx *c, int col, enum mx_verdict v)
{
	if (col >= 0 && col < MX_COL__N && v > c->worst[col])
		c->worst[col] = v;
}

/* Add finding `id` against column `col`; sev MX_SEV_OK keeps the
 * catalogue's severity; fix NULL keeps the catalogue's fix. */
struct mx_finding *mx_ep_emit(struct ep_ctx *c, int col, const char *id,
			      enum mx_severity sev, const char *fix,
			      const char *fmt, ...)
{
	struct mx_finding *f;
	char *ev = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&ev, fmt, ap) < 0)
		mx_fatal(__func__, "out of memory");
	va_end(ap);
	f = mx_findings_add(&c->ep->findings, id, c->where, "%s", ev);
	free(ev);
	if (sev != MX_SEV_OK)
		f->severity = sev;
	if (fix != NULL)
		mx_finding_set_fix(f, "%s", fix);
	mx_ep_mark(c, col, verdict_for(f->severity));
	return f;
}

/* Escaped model text as one bounded line: '\n' between reply lines
 * becomes " | ".  Returns a malloc'ed string. */
static char *oneline(const char *s)
{
	struct mx_buf b;
	char *r;

	mx_buf_init(&b, 0);
	mx_buf_push(&b, "", 0);
	for (; s != NULL && *s; s++) {
		if (b.len >= EV_TEXT_MAX) {
			mx_buf_push_str(&b, "...");
			break;
		}
		if (*s == '\n')
			mx_buf_push_str(&b, " | ");
		else if (*s != '\r')
			mx_buf_push(&b, s, 1);
	}
	r = (char *)mx_buf_take(&b, NULL);
	return r ? r : xstrdup("");
}

const char *mx_ep_nz(const char *s)
{
	return s ? s : "";
}

void mx_ep_fmt_date(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, len, "@%lld", (long long)t);
}

static int sent_verb(const struct mx_tx_line *l, const char *verb)
{
	size_t n = strlen(verb);

	return l->dir == MX_TX_SENT && strncasecmp(l->text, verb, n) == 0 &&
	       (l->text[n] == ' ' || l->text[n] == '\0');
}

/* The text of the last line the server sent before our QUIT (the
 * answer to QUIT says nothing about why the dialogue stopped), or NULL. */
static const char *last_recv(const struct mx_transcript *tx)
{
	const char *last = NULL;
	size_t i;

	for (i = 0; i < tx->n && !sent_verb(&tx->v[i], "QUIT"); i++)
		if (tx->v[i].dir == MX_TX_RECV)
			last = tx->v[i].text;
	return last;
}

/* A transcript line of a reply is "xyz-text" or "xyz text" / "xyz";
 * the last line of a reply has no '-'. */
static int reply_code(const char *t)
{
	if (t[0] < '2' || t[0] > '5' || t[1] < '0' || t[1] > '9' ||
	    t[2] < '0' || t[2] > '9')
		return 0;
	return (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
}

static int reply_last_line(const char *t)
{
	return t[3] != '-';
}

/*
 * The reply to the first command `verb` in the transcript: the last
 * complete reply received between that command and the next one we sent
 * (replies the client recorded as unsolicited come before it).  Returns
 * its code (0: none) and sets *text to the reply lines joined by " | "
 * (malloc'ed, bounded), or NULL.
 */
static int reply_to(const struct mx_transcript *tx, const char *verb,
		    char **text)
{
	size_t i, start = 0, from = 0, to = 0;
	int found = 0, code = 0;
	struct mx_buf b;

	*text = NULL;
	for (i = 0; i < tx->n && !sent_verb(&tx->v[i], verb); i++)
		;
	if (i == tx->n)
		return 0;
	for (start = ++i; i < tx->n && tx->v[i].dir != MX_TX_SENT; i++) {
		const char *t = tx->v[i].text;

		if (tx->v[i].dir != MX_TX_RECV)
			continue;
		if (reply_code(t) && reply_last_line(t)) {
			from = start;
			to = i + 1;
			code = reply_code(t);
			found = 1;
			start = i + 1;
		}
	}
	if (!found)
		return 0;
	mx_buf_init(&b, 0);
	mx_buf_push(&b, "", 0);
	for (i = from; i < to && b.len < EV_TEXT_MAX; i++)
		if (tx->v[i].dir == MX_TX_RECV)
			mx_buf_printf(&b, "%s%s", b.len ? " | " : "",
				      tx->v[i].text);
	if (b.len >= EV_TEXT_MAX)
		mx_buf_push_str(&b, "...");
	*text = (char *)mx_buf_take(&b, NULL);
	return code;
}

char *mx_endpoint_where(const struct mx_endpoint *ep)
{
	char buf[MX_WHERE_MAX];

	return xstrdup(mx_endpoint_where_buf(buf, sizeof(buf), ep));
}

/* ---- steps, in the order each mode runs them -------------------------- */

enum step_id {
	ST_CONNECT,
	ST_BANNER,
	ST_EHLO,
	ST_STARTTLS,
	ST_TLS,
	ST_EHLO_TLS,
	ST_QUIT,
	ST__N
};

static const struct step_info {
	const char *name; /* for evidence */
	int col;	  /* summary column the step belongs to */
} steps[ST__N] = {
	[ST_CONNECT] = {"the TCP connect", MX_COL_CONNECT},
	[ST_BANNER] = {"the greeting", MX_COL_BANNER},
	[ST_EHLO] = {"EHLO", MX_COL_EHLO},
	[ST_STARTTLS] = {"STARTTLS", MX_COL_TLS_NEGOTIATED},
	[ST_TLS] = {"the TLS handshake", MX_COL_TLS_NEGOTIATED},
	[ST_EHLO_TLS] = {"EHLO after TLS", MX_COL_EHLO},
	[ST_QUIT] = {"QUIT", NO_COL},
};

static const enum step_id order_starttls[] = {ST_CONNECT, ST_BANNER,
					      ST_EHLO,	  ST_STARTTLS,
					      ST_TLS,	  ST_EHLO_TLS,
					      ST_QUIT};
/* RFC 8314 section 3.3: TLS first, then the SMTP dialogue. */
static const enum step_id order_implicit[] = {ST_CONNECT, ST_TLS, ST_BANNER,
					      ST_EHLO, ST_QUIT};
static const enum step_id order_plain[] = {ST_CONNECT, ST_BANNER, ST_EHLO,
					   ST_QUIT};

static const struct mx_step *step_of(const struct mx_smtp *s, enum step_id i)
{
	const struct mx_step *t[ST__N] = {
		&s->connect, &s->banner,   &s->ehlo, &s->starttls,
		&s->tls,     &s->ehlo_tls, &s->quit,
	};
	return t[i];
}

/* The step the dialogue stopped in: the first FAILED one, else the first
 * never run one; ST__N when every step completed. */
static enum step_id failing_step(const struct mx_endpoint *ep)
{
	const enum step_id *o = order_starttls;
	size_t n = sizeof(order_starttls) / sizeof(order_starttls[0]), i;

	if (ep->mode == MX_MODE_IMPLICIT) {
		o = order_implicit;
		n = sizeof(order_implicit) / sizeof(order_implicit[0]);
	} else if (ep->mode == MX_MODE_PLAIN) {
		o = order_plain;
		n = sizeof(order_plain) / sizeof(order_plain[0]);
	}
	for (i = 0; i < n; i++)
		if (step_of(&ep->smtp, o[i])->state == MX_STEP_FAILED)
			return o[i];
	for (i = 0; i < n; i++)
		if (step_of(&ep->smtp, o[i])->state == MX_STEP_NOT_RUN)
			return o[i];
	return ST__N;
}

/* ---- rule: why the SMTP dialogue stopped ------------------------------ */

static const struct stop_rule {
	enum mx_stop stop;
	const char *id;
	const char *what;
	const char *fix;			     /* NULL: the catalogue's */
	enum { AT_STEP, AT_CONNECT, AT_NOWHERE } at; /* its column */
} stop_rules[] = {
	{MX_STOP_CONNECT_REFUSED, "smtp.connect_failed",
	 "connection refused: the host answered the SYN with a reset (RST)",
	 "Nothing listens on this address and port, or a firewall rejects "
	 "the connection: check that the MTA runs and listens here (ss "
	 "-ltnp) and the firewall rules for this port.",
	 AT_CONNECT},
	{MX_STOP_CONNECT_TIMEOUT, "smtp.connect_failed",
	 "connection timed out: no answer to the SYN",
	 "A firewall silently drops the connection, the host is down, or the "
	 "address is stale: check the A/AAAA records, routing and firewall "
	 "rules (many networks block outbound port 25).",
	 AT_CONNECT},
	/* Another socket error; unreachable: see unreach_errnos. */
	{MX_STOP_CONNECT_ERROR, "smtp.connect_failed",
	 "the network reported an error", NULL, AT_CONNECT},
	{MX_STOP_GREETING_TIMEOUT, "smtp.greeting_timeout",
	 "the TCP connection was accepted but no greeting arrived", NULL,
	 AT_STEP},
	{MX_STOP_REPLY_TIMEOUT, "smtp.timeout", "no reply arrived", NULL,
	 AT_STEP},
	{MX_STOP_TARGET_DEADLINE, "smtp.timeout",
	 "the per-target deadline expired", NULL, AT_STEP},
	{MX_STOP_REPLY_LIMIT, "smtp.reply_limit_exceeded",
	 "the reply exceeded a line length, line count or size limit", NULL,
	 AT_STEP},
	/* the error says "not an SMTP reply" and quotes the bytes */
	{MX_STOP_REPLY_MALFORMED, "smtp.reply_malformed", "the server's answer",
	 NULL, AT_STEP},
	{MX_STOP_PEER_CLOSED, "smtp.connection_lost",
	 "the server closed the connection (TCP FIN)", NULL, AT_STEP},
	{MX_STOP_PEER_RESET, "smtp.connection_lost",
	 "the server reset the connection (TCP RST)", NULL, AT_STEP},
	/* MX_STOP_EHLO_REJECTED: rule_ehlo_refused (which reply to what). */
	/* our own failure says nothing about the server's columns */
	{MX_STOP_INTERNAL, "probe.internal_error", "mxprobe failed internally",
	 NULL, AT_NOWHERE},
	{MX_STOP_LOCAL, "local.tls_setup",
	 "mxprobe could not set up TLS on this machine", NULL, AT_NOWHERE},
	{MX_STOP_CANCELLED, "probe.cancelled",
	 "the run was interrupted before this test finished", NULL, AT_NOWHERE},
	/* MX_STOP_GREETING_REJECTED, MX_STOP_STARTTLS_REJECTED and
	 * MX_STOP_TLS_FAILED have rules of their own below. */
};

/* Connect errors that mean "no route": only these get routing advice. */
static const int unreach_errnos[] = {EHOSTUNREACH, ENETUNREACH};

/* The errno of the endpoint probe's failed connect, from its connection
 * record, else recognised in the error text; 0 unknown. */
static int connect_errno(const struct mx_endpoint *ep)
{
	size_t i;

	for (i = 0; i < ep->nconns; i++)
		if (ep->conns[i]->purpose.kind == MX_CONN_PROBE &&
		    ep->conns[i]->err != 0)
			return ep->conns[i]->err;
	for (i = 0; i < sizeof(unreach_errnos) / sizeof(unreach_errnos[0]); i++)
		if (ep->smtp.error &&
		    strstr(ep->smtp.error, strerror(unreach_errnos[i])))
			return unreach_errnos[i];
	return 0;
}

static int unreachable(const struct mx_endpoint *ep)
{
	int e = connect_errno(ep);
	size_t i;

	for (i = 0; i < sizeof(unreach_errnos) / sizeof(unreach_errnos[0]); i++)
		if (e == unreach_errnos[i])
			return 1;
	return 0;
}

static void rule_stop(struct ep_ctx *c)
{
	const struct mx_endpoint *ep = c->ep;
	const struct stop_rule *r = NULL;
	enum step_id st;
	const struct mx_step *sp = NULL;
	char *last = NULL;
	const char *fix, *what;
	size_t i;
	int col;

	for (i = 0; i < sizeof(stop_rules) / sizeof(stop_rules[0]); i++)
		if (stop_rules[i].stop == ep->smtp.stop)
			r = &stop_rules[i];
	if (r == NULL)
		return;
	st = r->at == AT_CONNECT ? ST_CONNECT : failing_step(ep);
	/* A dialogue that ended during QUIT has been tested in full. */
	if (st == ST_QUIT && ep->smtp.stop != MX_STOP_INTERNAL &&
	    ep->smtp.stop != MX_STOP_CANCELLED &&
	    ep->smtp.stop != MX_STOP_LOCAL)
		return;
	/* A handshake that died is judged by the TLS rule. */
	if (st == ST_TLS && ep->tls.attempted && !ep->tls.completed &&
	    r->at != AT_NOWHERE)
		return;
	col = st < ST__N && r->at != AT_NOWHERE ? steps[st].col : NO_COL;
	if (st < ST__N)
		sp = step_of(&ep->smtp, st);
	fix = r->fix;
	what = r->what;
	if (r->stop == MX_STOP_CONNECT_ERROR && unreachable(ep)) {
		what = "the network reported the host or network unreachable";
		fix = "Check the route to this address (an IPv6 address "
		      "without IPv6 connectivity is a common case) and the "
		      "A/AAAA records.";
	}
	/* RFC 8314 section 3.3: an implicit-TLS port waits for the
	 * ClientHello and never greets a STARTTLS client. */
	if (r->stop == MX_STOP_GREETING_TIMEOUT &&
	    ep->mode == MX_MODE_STARTTLS &&
	    (ep->port == 465 || ep->port == 2465))
		fix = "This port looks like an implicit-TLS (smtps) port, "
		      "which waits for a TLS ClientHello and sends no "
		      "plain-text greeting: probe it as smtps://HOST:PORT.";
	/* The last line received, unless the error quotes the peer's bytes
	 * already (the client quotes them in double quotes; its own texts
	 * have none). */
	if (ep->smtp.stop != MX_STOP_CONNECT_REFUSED &&
	    ep->smtp.stop != MX_STOP_CONNECT_ERROR &&
	    !(ep->smtp.error && strchr(ep->smtp.error, '"')))
		last = oneline(last_recv(&ep->smtp.tx));
	mx_ep_emit(c, col, r->id, MX_SEV_OK, fix,
		   "%s during %s (after %lld ms)%s%s%s%s%s", what,
		   st < ST__N ? steps[st].name : "the dialogue",
		   sp ? (long long)sp->ms : (long long)ep->total_ms,
		   ep->smtp.error ? ": " : "", mx_ep_nz(ep->smtp.error),
		   last && last[0] ? "; last line received: '" : "",
		   last && last[0] ? last : "", last && last[0] ? "'" : "");
	free(last);
}

/* ---- rules: greeting, EHLO, STARTTLS ---------------------------------- */

static void rule_greeting(struct ep_ctx *c)
{
	const struct mx_smtp *s = &c->ep->smtp;
	char *text;

	/* RFC 5321 section 3.1: 220 greets; 554 (or 421) refuses. */
	if (s->stop == MX_STOP_GREETING_REJECTED ||
	    (s->greeting.code != 0 && s->greeting.code != 220)) {
		text = oneline(s->greeting.text);
		mx_ep_emit(c, MX_COL_BANNER, "smtp.greeting_rejected",
			   MX_SEV_OK, NULL,
			   "the server greeted with %d%s%s '%s'",
			   s->greeting.code, s->greeting.enh[0] ? " " : "",
			   s->greeting.enh, text);
		free(text);
		return;
	}
	if (s->banner.state == MX_STEP_OK &&
	    s->banner.ms > c->p->greeting_slow_ms)
		mx_ep_emit(c, MX_COL_BANNER, "smtp.greeting_slow", MX_SEV_OK,
			   NULL,
			   "the 220 greeting took %lld ms (threshold %lld ms)",
			   (long long)s->banner.ms,
			   (long long)c->p->greeting_slow_ms);
}

/* A transcript reply ("451 4.7.1 text | ...") as the model holds one,
 * for the refusal table of analyzers/smtp_failures.c. */
static void reply_of(struct mx_reply *r, int code, const char *text)
{
	const char *t = strlen(text) > 4 ? text + 4 : "";
	size_t el;

	memset(r, 0, sizeof(*r));
	r->code = code;
	r->nlines = 1;
	el = mx_smtp_parse_enhanced(t, strlen(t), code, r->enh);
	r->text = (char *)(el > 0 && t[el] == ' ' ? t + el + 1 : t);
}

/*
 * EHLO (or HELO) was refused: say which command got which reply.  RFC
 * 5321 section 4.1.4 / 3.2: HELO is the fallback for a 5xx ("command not
 * recognized"); a 4xx is temporary (421: the service is closing, section
 * 3.8), so the client stops without HELO and TLS stays untested.  The id
 * of a 4xx comes from the refusal table `send` uses (analyzers/
 * smtp_failures.h: 421 or a throttling text -> smtp.rate_limited), else
 * smtp.temp_failure; a 5xx is smtp.ehlo_rejected.
 */
static void rule_ehlo_refused(struct ep_ctx *c)
{
	const struct mx_smtp *s = &c->ep->smtp;
	const struct mx_transcript *tx = &s->tx;
	struct mx_transcript tail = *tx;
	char *ehlo = NULL, *helo = NULL;
	int tls = s->ehlo_tls.state == MX_STEP_FAILED;
	int ecode, hcode = 0, final;
	const char *id = "smtp.ehlo_rejected", *fix = NULL, *ftext;
	char why[200] = "";
	size_t i;

	if (s->stop != MX_STOP_EHLO_REJECTED)
		return;
	if (tls) {
		/* The EHLO after TLS is the last EHLO sent; no HELO then. */
		for (i = tx->n; i > 0 && !sent_verb(&tx->v[i - 1], "EHLO"); i--)
			;
		if (i > 0) {
			tail.v += i - 1;
			tail.n -= i - 1;
		}
	} else {
		hcode = reply_to(tx, "HELO", &helo);
	}
	ecode = reply_to(&tail, "EHLO", &ehlo);
	final = hcode ? hcode : ecode;
	ftext = hcode ? helo : ehlo;
	if (final >= 400 && final < 500) {
		struct mx_reply r;
		const char *t;

		reply_of(&r, final, ftext);
		t = mx_smtp_failure_id(MX_PH_EHLO, &r, &fix);
		id = t && strcmp(t, "smtp.rate_limited") == 0
			     ? t
			     : "smtp.temp_failure";
		if (strcmp(id, "smtp.temp_failure") == 0)
			fix = NULL;
		snprintf(why, sizeof(why),
			 ": a temporary refusal%s, so %s; TLS could not be "
			 "tested",
			 final == 421 ? " (421: the server is closing the "
					"connection, RFC 5321 section 3.8)"
				      : "",
			 hcode ? "the dialogue stopped"
			       : "HELO was not tried (it replaces EHLO only "
				 "after a 5xx, RFC 5321 section 4.1.4)");
	}
	if (final != 0)
		mx_ep_emit(c, MX_COL_EHLO, id, MX_SEV_OK, fix,
			   "%s was answered with '%s'%s%s%s%s",
			   tls ? "EHLO after TLS" : "EHLO", mx_ep_nz(ehlo),
			   hcode ? " and HELO with '" : "",
			   hcode ? mx_ep_nz(helo) : "", hcode ? "'" : "", why);
	else
		mx_ep_emit(
			c, MX_COL_EHLO, id, MX_SEV_OK, NULL,
			"%s was refused (the reply is not in the transcript)",
			tls ? "EHLO after TLS" : "EHLO");
	free(ehlo);
	free(helo);
}

/*
 * Replies that answered nothing we sent (the client skipped them and
 * noted each as "unsolicited reply, ..."; RFC 5321 sections 4.3 and
 * 2.1).  One finding, quoting the first; a client that takes such a
 * line for the answer desynchronises.
 */
static void rule_unsolicited(struct ep_ctx *c)
{
	static const char tag[] = "unsolicited reply, ";
	const struct mx_transcript *tx = &c->ep->smtp.tx;
	const char *first = NULL;
	size_t i, n = 0;
	char *text;

	for (i = 0; i < tx->n; i++)
		if (tx->v[i].dir == MX_TX_NOTE &&
		    strncmp(tx->v[i].text, tag, sizeof(tag) - 1) == 0) {
			if (first == NULL)
				first = tx->v[i].text + sizeof(tag) - 1;
			n++;
		}
	if (n == 0)
		return;
	text = oneline(first);
	mx_ep_emit(c, MX_COL_EHLO, "smtp.unsolicited_reply", MX_SEV_OK, NULL,
		   "the server sent %zu unsolicited %s; the first %s", n,
		   n == 1 ? "reply" : "replies", text);
	free(text);
}

/* RFC 3207 section 4.2: nothing may follow "220" to STARTTLS before the
 * handshake; bytes there are a broken MTA or an injecting middlebox. */
static void rule_starttls_pipelined(struct ep_ctx *c)
{
	size_t n = c->ep->smtp.starttls_dropped;

	if (n == 0)
		return;
	mx_ep_emit(
		c, NO_COL, "smtp.starttls_pipelined", MX_SEV_OK, NULL,
		"%zu byte%s of plaintext followed the server's 220 to STARTTLS "
		"before the handshake; mxprobe discarded them, as a client must",
		n, n == 1 ? "" : "s");
}

static void rule_helo_only(struct ep_ctx *c)
{
	if (c->ep->smtp.used_helo)
		mx_ep_emit(
			c, MX_COL_EHLO, "smtp.ehlo_unsupported", MX_SEV_OK,
			NULL,
			"EHLO was refused and HELO accepted: the server speaks "
			"SMTP without extensions");
}

static int caps_have_starttls(const struct mx_caps *k)
{
	size_t i;

	if (!k->valid)
		return 0;
	if (k->flags & MX_SMTP_CAP_STARTTLS)
		return 1;
	for (i = 0; i < k->nkeywords; i++)
		if (strcasecmp(k->keywords[i], "STARTTLS") == 0)
			return 1;
	return 0;
}

/* RFC 3207 section 4: STARTTLS is offered in the EHLO reply. */
static void rule_starttls_missing(struct ep_ctx *c)
{
	const struct mx_smtp *s = &c->ep->smtp;
	struct mx_buf b;
	size_t i;
	char *kw;

	if (c->ep->mode != MX_MODE_STARTTLS || s->ehlo.state != MX_STEP_OK ||
	    caps_have_starttls(&s->caps))
		return;
	if (s->used_helo) {
		mx_ep_emit(
			c, MX_COL_TLS_OFFERED, "smtp.starttls_missing",
			MX_SEV_OK,
			"Enable ESMTP (EHLO) and STARTTLS on the server; without "
			"EHLO no extension, STARTTLS included, can be offered.",
			"the server accepted only HELO, so it cannot advertise "
			"STARTTLS");
		return;
	}
	mx_buf_init(&b, 0);
	mx_buf_push(&b, "", 0);
	for (i = 0; i < s->caps.nkeywords && b.len < EV_TEXT_MAX; i++)
		mx_buf_printf(&b, "%s%s", i ? ", " : "", s->caps.keywords[i]);
	kw = (char *)mx_buf_take(&b, NULL);
	if (kw && kw[0])
		mx_ep_emit(c, MX_COL_TLS_OFFERED, "smtp.starttls_missing",
			   MX_SEV_OK, NULL,
			   "the EHLO reply advertises only: %s, but not "
			   "STARTTLS",
			   kw);
	else
		mx_ep_emit(c, MX_COL_TLS_OFFERED, "smtp.starttls_missing",
			   MX_SEV_OK, NULL,
			   "the EHLO reply advertises no extension at all, "
			   "STARTTLS included");
	free(kw);
}

static void rule_starttls_rejected(struct ep_ctx *c)
{
	const struct mx_smtp *s = &c->ep->smtp;
	char *text;

	if (s->stop != MX_STOP_STARTTLS_REJECTED &&
	    s->starttls_reply.code < 400)
		return;
	text = oneline(s->starttls_reply.text);
	mx_ep_emit(
		c, MX_COL_TLS_NEGOTIATED, "smtp.starttls_rejected", MX_SEV_OK,
		s->starttls_reply.code >= 500
			? "The server refuses TLS permanently for this client: "
			  "check its TLS configuration (certificate and key "
			  "loaded, TLS enabled for this listener) and access "
			  "rules; the MTA log tells why."
			: NULL,
		"STARTTLS was answered with %d%s%s '%s'",
		s->starttls_reply.code, s->starttls_reply.enh[0] ? " " : "",
		s->starttls_reply.enh, text);
	free(text);
}

/* ---- rules: negotiated parameters ------------------------------------- */

/* RFC 8996 deprecates TLS 1.0 and 1.1; RFC 7568 forbids SSLv3 and
 * RFC 6176 SSLv2, so those are critical. */
static const struct legacy_version {
	const char *name;
	enum mx_severity sev;
} legacy_versions[] = {
	{"SSLv2", MX_SEV_CRIT},	  {"SSLv3", MX_SEV_CRIT},
	{"TLSv1", MX_SEV_WARN},	  {"TLSv1.0", MX_SEV_WARN},
	{"TLSv1.1", MX_SEV_WARN},
};

static void rule_legacy_version(struct ep_ctx *c)
{
	const struct mx_tls *t = &c->ep->tls;
	size_t i;

	if (!t->completed || t->version == NULL)
		return;
	for (i = 0; i < sizeof(legacy_versions) / sizeof(legacy_versions[0]);
	     i++)
		if (strcasecmp(t->version, legacy_versions[i].name) == 0) {
			mx_ep_emit(c, MX_COL_TLS_NEGOTIATED,
				   "tls.legacy_version", legacy_versions[i].sev,
				   NULL, "the server negotiated %s (suite %s)",
				   t->version,
				   t->suite_iana ? t->suite_iana : "unknown");
			return;
		}
}

enum key_family { KEY_DH, KEY_EC };
static const struct key_family_row {
	const char *type;
	enum key_family fam;
} key_families[] = {
	{"DH", KEY_DH},	  {"DHE", KEY_DH},   {"FFDHE", KEY_DH},
	{"ECDH", KEY_EC}, {"ECDHE", KEY_EC}, {"X25519", KEY_EC},
	{"X448", KEY_EC},
};

/* RFC 7919 / RFC 8422: ephemeral key strength. */
static void rule_temp_key(struct ep_ctx *c)
{
	const struct mx_tls *t = &c->ep->tls;
	const struct key_family_row *k = NULL;
	size_t i;

	if (!t->completed || t->temp_key_type == NULL || t->temp_key_bits <= 0)
		return;
	for (i = 0; i < sizeof(key_families) / sizeof(key_families[0]); i++)
		if (strcasecmp(t->temp_key_type, key_families[i].type) == 0)
			k = &key_families[i];
	if (k == NULL)
		return;
	if (k->fam == KEY_DH && t->temp_key_bits < c->p->dh_min_bits)
		mx_ep_emit(
			c, MX_COL_TLS_NEGOTIATED, "kex.temp_key_weak",
			t->temp_key_bits < c->p->dh_crit_bits ? MX_SEV_CRIT
							      : MX_SEV_WARN,
			"Serve a DH group of at least 2048 bits (Postfix: "
			"smtpd_tls_dh1024_param_file with the RFC 7919 "
			"ffdhe2048 group) or prefer ECDHE suites. Clients at "
			"OpenSSL security level 2 abort with 'dh key too small'; "
			"their workaround is a cipher list without DHE suites "
			"(!kDHE appended for OpenSSL, Exim with OpenSSL "
			"tls_require_ciphers; Postfix smtp_tls_exclude_ciphers "
			"= kDHE; -DHE-RSA in a GnuTLS priority); 'mxprobe "
			"check --deep' tests one against the server.",
			"the server's ephemeral DH key has %d bits%s%s%s "
			"(minimum %d) with %s",
			t->temp_key_bits, t->temp_key_group ? " (group " : "",
			mx_ep_nz(t->temp_key_group),
			t->temp_key_group ? ")" : "", c->p->dh_min_bits,
			t->suite_iana ? t->suite_iana : "unknown suite");
	else if (k->fam == KEY_EC && t->temp_key_bits < c->p->ec_min_bits)
		mx_ep_emit(
			c, MX_COL_TLS_NEGOTIATED, "kex.temp_key_weak",
			MX_SEV_OK,
			"Configure the server's ECDHE groups to X25519, P-256 "
			"and P-384 (Postfix: tls_eecdh_auto_curves).",
			"the server's ephemeral EC key has %d bits%s%s%s "
			"(minimum %d)",
			t->temp_key_bits, t->temp_key_group ? " (curve " : "",
			mx_ep_nz(t->temp_key_group),
			t->temp_key_group ? ")" : "", c->p->ec_min_bits);
}

/* ---- the rule list and the columns ------------------------------------ */

static const struct ep_rule {
	const char *name;
	void (*run)(struct ep_ctx *c);
} ep_rules[] = {
	{"stop", rule_stop},
	{"greeting", rule_greeting},
	{"ehlo_refused", rule_ehlo_refused},
	{"unsolicited", rule_unsolicited},
	{"starttls_pipelined", rule_starttls_pipelined},
	{"helo_only", rule_helo_only},
	{"starttls_missing", rule_starttls_missing},
	{"starttls_rejected", rule_starttls_rejected},
	{"tls_failed", mx_ep_rule_tls_failed},
	{"legacy_version", rule_legacy_version},
	{"temp_key", rule_temp_key},
	{"validity", mx_ep_rule_validity},
	{"self_signed", mx_ep_rule_self_signed},
	{"chain", mx_ep_rule_chain},
	{"chain_order", mx_ep_rule_chain_order},
	{"name", mx_ep_rule_name},
	{"dane", mx_ep_rule_dane}, /* analyzers/dane.c */
};

/* Which columns the probe reached (verdict at least OK). */
static void reached(const struct mx_endpoint *ep, int *r)
{
	const struct mx_smtp *s = &ep->smtp;
	const struct mx_tls *t = &ep->tls;
	int tls_spoke = t->completed || t->fail == MX_TLS_FAIL_ALERT_RECV ||
			t->fail == MX_TLS_FAIL_ALERT_SENT;

	r[MX_COL_CONNECT] = s->connect.state != MX_STEP_NOT_RUN;
	r[MX_COL_BANNER] = s->banner.state != MX_STEP_NOT_RUN;
	r[MX_COL_EHLO] = s->ehlo.state != MX_STEP_NOT_RUN;
	switch (ep->mode) {
	case MX_MODE_STARTTLS:
		r[MX_COL_TLS_OFFERED] = s->ehlo.state == MX_STEP_OK;
		break;
	case MX_MODE_IMPLICIT:
		r[MX_COL_TLS_OFFERED] = t->attempted && tls_spoke;
		break;
	case MX_MODE_PLAIN:
		r[MX_COL_TLS_OFFERED] = caps_have_starttls(&s->caps);
		break;
	}
	r[MX_COL_TLS_NEGOTIATED] = t->attempted ||
				   s->starttls.state == MX_STEP_OK ||
				   s->starttls.state == MX_STEP_FAILED;
	r[MX_COL_CERT] = t->chain.n > 0;
	r[MX_COL_NAME] = t->chain.n > 0 && ep->host != NULL && ep->host[0];
	r[MX_COL_DANE] = 0; /* its findings set it (analyzers/dane.c) */
}

void mx_analyze_endpoint(struct mx_endpoint *ep,
			 const struct mx_analyze_params *p)
{
	struct ep_ctx c;
	int r[MX_COL__N];
	size_t i;

	memset(&c, 0, sizeof(c));
	c.ep = ep;
	c.p = p;
	c.where = mx_endpoint_where(ep);
	mx_findings_clear(&ep->findings);
	for (i = 0; i < sizeof(ep_rules) / sizeof(ep_rules[0]); i++)
		ep_rules[i].run(&c);
	/* Client simulation findings when enumerated (analyzers/clients.c;
	 * no summary column: the summary is about this probe's session). */
	mx_analyze_clients(ep);
	/* Enumeration findings (analyzers/suites.c), likewise without a
	 * column: what the server accepts, not what this session got. */
	if (ep->enumr != NULL)
		(void)mx_analyze_enum(ep, p, c.where);
	/* --capture: what the wire showed (analyzers/capcorr.c). */
	if (ep->ncaps > 0)
		mx_capcorr_judge_endpoint(ep, c.where);
	reached(ep, r);
	for (i = 0; i < MX_COL__N; i++) {
		enum mx_verdict v = r[i] ? MX_V_OK : MX_V_NONE;

		ep->col[i] = c.worst[i] > v ? c.worst[i] : v;
	}
	free(c.where);
}
