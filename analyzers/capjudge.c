/*
 * capjudge.c - findings from what a capture showed; see capjudge.h.
 *
 * Each rule reads only the session's facts (model/capture.h); texts
 * quoted from the session (SMTP lines, SNI, event texts) were escaped by
 * the decoder.  Thresholds are those of the live analyzers
 * (mx_analyze_params_init): DH of at most dh_crit_bits is kex.dh_1024
 * (analyzers/suites.c), below dh_min_bits kex.temp_key_weak, EC below
 * ec_min_bits kex.temp_key_weak (analyzers/endpoint.c).
 */
#include "analyzers/capjudge.h"
#include "analyzers/capjudge_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "analyzers/smtp_failures.h"
#include "common/xalloc.h"
#include "wire/smtp.h"
#include "wire/tls_registry.h"

void cj_cat(char *b, size_t n, const char *fmt, ...)
{
	size_t l = strlen(b);
	va_list ap;

	if (l + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(b + l, n - l, fmt, ap);
	va_end(ap);
}

void cj_delay_text(int64_t us, char *out, size_t outlen)
{
	if (us < 1000)
		snprintf(out, outlen, "%lld us", (long long)(us < 0 ? 0 : us));
	else
		snprintf(out, outlen, "%lld ms", (long long)(us / 1000));
}

/* What a hello offered, in a few words: a suite counts when its cipher,
 * one of its flags or its key exchange is the row's (-1 / 0: unused). */
static const struct offer {
	const char *name;
	int cipher;
	uint32_t flag;
	int kx;
} offers[] = {
	{"AES-GCM", MX_CIPHER_AES_GCM, 0, -1},
	{"ChaCha20", MX_CIPHER_CHACHA20_POLY1305, 0, -1},
	{"CBC", -1, MX_SUITE_CBC, -1},
	{"3DES", -1, MX_SUITE_3DES, -1},
	{"RC4", -1, MX_SUITE_RC4, -1},
	{"ECDHE", -1, 0, MX_KX_ECDHE},
	{"DHE", -1, 0, MX_KX_DHE},
	{"static RSA", -1, 0, MX_KX_RSA},
};

static int offer_has(const struct offer *o, const struct mx_suite *s)
{
	return (o->cipher >= 0 && s->cipher == o->cipher) ||
	       (o->flag && (s->flags & o->flag)) ||
	       (o->kx >= 0 && s->kx == o->kx);
}

void cj_hello_text(const struct mx_cap_hello *h, char *b, size_t n)
{
	size_t i, k, first = 1;
	unsigned seen = 0;
	char vb[16];

	b[0] = '\0';
	cj_cat(b, n, "%zu B, %s max, %u suites", h->len,
	       mx_tls_version_label(h->max_version, vb, sizeof(vb)),
	       h->nsuites);
	for (i = 0; i < h->nsuites && i < 64; i++) {
		const struct mx_suite *s = mx_suite_by_id(h->suites[i]);

		for (k = 0; s && k < sizeof(offers) / sizeof(offers[0]); k++)
			if (offer_has(&offers[k], s))
				seen |= 1u << k;
	}
	for (k = 0; k < sizeof(offers) / sizeof(offers[0]); k++)
		if (seen & (1u << k)) {
			cj_cat(b, n, "%s%s", first ? " (" : ", ",
			       offers[k].name);
			first = 0;
		}
	cj_cat(b, n, "%s%s TLS 1.3)", first ? " (" : "; ",
	       h->max_version >= MX_TLS13 ? "offers" : "no");
	cj_cat(b, n, ", %u extensions, %u groups", h->next, h->ngroups);
	if (h->sni[0])
		cj_cat(b, n, ", SNI %s", h->sni);
	if (h->ja3_md5[0])
		cj_cat(b, n, ", JA3 %s", h->ja3_md5);
}

/* ---- TCP ------------------------------------------------------------------ */

static void rule_close_after_hello(const struct mx_capsess *s,
				   struct mx_findings *out, const char *where)
{
	char h[600], d[32];

	if (s->close_after_hello_us < 0)
		return;
	cj_delay_text(s->close_after_hello_us, d, sizeof(d));
	if (s->nhellos > 0)
		cj_hello_text(&s->hellos[s->nhellos - 1], h, sizeof(h));
	else
		snprintf(h, sizeof(h), "not decoded");
	mx_findings_add(out, "tcp.fin_after_client_hello", where,
			"the server sent %s %s after the ClientHello, with no "
			"alert (the hello: %s)%s%s",
			s->close_after_hello_rst ? "RST" : "FIN", d, h,
			s->nhellos > 1 ? "; it was not the session's first "
					 "hello"
				       : "",
			s->implicit_tls && s->smtp
				? "; the server had greeted in plain SMTP, so "
				  "this port wants STARTTLS, not TLS at once"
				: "");
}

/* A RST from the server, unless it ends a teardown that had begun: the
 * server's own FIN first (OpenSSL s_client and Postfix: FIN after 221,
 * then a RST for the client's close_notify), or the client's FIN or RST
 * first.  Right after the hello it is named here too (with the hello in
 * tcp.fin_after_client_hello). */
static void rule_reset(const struct mx_capsess *s, struct mx_findings *out,
		       const char *where)
{
	const struct mx_cap_event *last = NULL;
	int64_t t = s->rst_us[1];
	char d[32];
	size_t i;

	if (!s->rst_dir[1] || (s->fin_dir[1] && s->fin_us[1] <= t) ||
	    (s->fin_dir[0] && s->fin_us[0] <= t) ||
	    (s->rst_dir[0] && s->rst_us[0] <= t))
		return;
	if (s->close_after_hello_us >= 0 && s->close_after_hello_rst) {
		cj_delay_text(s->close_after_hello_us, d, sizeof(d));
		mx_findings_add(out, "tcp.reset_by_peer", where,
				"the server reset the connection %s after the "
				"ClientHello, with no alert: the server or a "
				"middlebox refuses that hello",
				d);
		return;
	}
	for (i = 0; i < s->nev; i++)
		if (s->ev[i].t_us <= t && s->ev[i].kind != MX_CAP_EV_RST)
			last = &s->ev[i];
	cj_delay_text(t - s->start_us, d, sizeof(d));
	mx_findings_add(out, "tcp.reset_by_peer", where,
			"the server reset the connection %s after its first "
			"packet%s%s",
			d, last ? "; the last thing before it: " : "",
			last ? last->text : "");
}

static void rule_retrans(const struct mx_capsess *s, struct mx_findings *out,
			 const char *where)
{
	uint64_t n = s->retrans[0] + s->retrans[1];
	uint64_t g = s->gap_bytes[0] + s->gap_bytes[1];
	char t[128] = "";

	if (n == 0)
		return;
	if (g)
		snprintf(t, sizeof(t), "; %llu bytes were never captured",
			 (unsigned long long)g);
	mx_findings_add(out, "tcp.retransmissions", where,
			"%llu retransmitted segments (client %llu, server "
			"%llu)%s",
			(unsigned long long)n,
			(unsigned long long)s->retrans[0],
			(unsigned long long)s->retrans[1], t);
}

static void rule_zero_window(const struct mx_capsess *s,
			     struct mx_findings *out, const char *where)
{
	if (s->zero_windows[0] + s->zero_windows[1] == 0)
		return;
	mx_findings_add(out, "tcp.zero_window", where,
			"zero receive window advertised %llu times by the "
			"server and %llu times by the client: that side "
			"stopped reading",
			(unsigned long long)s->zero_windows[1],
			(unsigned long long)s->zero_windows[0]);
}

/* ---- TLS ------------------------------------------------------------------ */

static const struct alert_fix {
	uint8_t desc;
	uint8_t dir; /* who sent it */
	const char *fix;
} alert_fixes[] = {
	{40, 1,
	 "The server found nothing it accepts in the ClientHello: no common "
	 "protocol version, cipher suite or group. Compare the hello's offer "
	 "with the server's configuration (mxprobe ciphers lists what it "
	 "accepts) and offer TLS 1.2 with ECDHE and AES-GCM suites."},
	{70, 1,
	 "The server refuses every protocol version the client offered: "
	 "enable TLS 1.2 (and 1.3) on both sides."},
	{71, 1,
	 "The server wants stronger suites than the client offered: offer "
	 "ECDHE with AES-GCM or ChaCha20."},
	{112, 1,
	 "The server has no certificate for the SNI name the client sent: "
	 "configure one for that name or fix the name the client uses."},
	{80, 1,
	 "The server's TLS stack failed: check the MTA's log at that time "
	 "(certificate and key files, TLS library errors)."},
	{42, 0, NULL},
	{43, 0, NULL},
	{45, 0, NULL},
	{46, 0, NULL},
	{48, 0, NULL},
};

static const char client_refused_fix[] =
	"The client refused the server's certificate chain (Java: 'unable to "
	"find valid certification path'; OpenSSL: 'unable to get local "
	"issuer certificate'): check the chain the server sent (the cert.* "
	"findings of this session) against the client's trust store, make the "
	"server send its intermediates, or import the missing CA into the "
	"client's store (mxprobe pcap FILE --export DIR writes each "
	"certificate).";

static const char small_dh_fix[] =
	"The client refused the server's small DH group (OpenSSL at security "
	"level 2: 'dh key too small'). Serve a DH group of at least 2048 bits "
	"(RFC 7919 ffdhe2048; Postfix: smtpd_tls_dh1024_param_file; Exim: "
	"tls_dhparam) or remove the DHE suites; until then the client's "
	"workaround is a cipher list with kDHE excluded (OpenSSL -cipher and "
	"Exim tls_require_ciphers with OpenSSL: !kDHE; Postfix: "
	"smtp_tls_exclude_ciphers = kDHE; GnuTLS: -DHE-RSA in the priority). "
	"A capture tests nothing: 'mxprobe ciphers HOST' tries such a list "
	"against the server.";

static void rule_alert(const struct mx_capsess *s, struct mx_findings *out,
		       const char *where)
{
	const char *name, *fix = NULL;
	struct mx_finding *f;
	char h[600] = "";
	size_t i;

	/* A close_notify instead of a ServerHello refuses as a fatal alert
	 * would. */
	int refused = s->alert_dir == 1 && s->alert_desc == 0 &&
		      !s->server_hello && !s->encrypted;

	if (s->alert < 0 || (s->alert_level != 2 && !refused))
		return;
	/* The client's alert after the server closed on its hello (OpenSSL
	 * writes decode_error then) is not the cause. */
	if (s->alert_dir == 0 && s->close_after_hello_us >= 0)
		return;
	name = mx_tls_alert_name(s->alert_desc);
	for (i = 0; i < sizeof(alert_fixes) / sizeof(alert_fixes[0]); i++)
		if (alert_fixes[i].desc == s->alert_desc &&
		    alert_fixes[i].dir == s->alert_dir)
			fix = alert_fixes[i].fix ? alert_fixes[i].fix
						 : client_refused_fix;
	if (s->alert_dir == 0 && s->dh_bits > 0 && s->dh_bits < 2048)
		fix = small_dh_fix; /* OpenSSL's 'dh key too small' */
	if (s->alert_dir == 1 && s->nhellos > 0)
		cj_hello_text(&s->hellos[s->nhellos - 1], h, sizeof(h));
	f = mx_findings_add(out, "tls.handshake_failed", where,
			    "the %s sent %s alert %u (%s)%s%s%s",
			    s->alert_dir ? "server" : "client",
			    s->alert_level == 2 ? "fatal" : "warning",
			    s->alert_desc, name ? name : "unassigned",
			    h[0] ? " after the ClientHello (" : "", h,
			    h[0] ? ")" : "");
	if (fix)
		mx_finding_set_fix(f, "%s", fix);
}

static void rule_not_tls(const struct mx_capsess *s, struct mx_findings *out,
			 const char *where)
{
	struct mx_finding *f;
	size_t i;

	for (i = 0; i < s->nev; i++)
		if (s->ev[i].kind == MX_CAP_EV_NOT_TLS && s->ev[i].dir == 1)
			break;
	if (i < s->nev) {
		f = mx_findings_add(out, "tls.handshake_failed", where, "%s%s",
				    s->ev[i].text,
				    s->starttls_reply ? " (after STARTTLS)"
						      : "");
		mx_finding_set_fix(
			f, "%s",
			s->starttls_reply
				? "After its 220 to STARTTLS the server (or an "
				  "SMTP-fixup middlebox) did not speak TLS: "
				  "check the MTA's TLS setup and disable SMTP "
				  "inspection on firewalls in between."
				: "The port does not speak TLS at once: it is "
				  "a plain or STARTTLS port, so use STARTTLS "
				  "there (or the implicit-TLS port 465).");
		return;
	}
	/* A client that started TLS at once on a port whose server greets
	 * in plain SMTP. */
	if (s->implicit_tls && !s->server_hello)
		for (i = 0; i < s->nsmtp; i++)
			if (s->smtp_lines[i].dir == 1) {
				f = mx_findings_add(
					out, "tls.handshake_failed", where,
					"the client sent a ClientHello at once "
					"(implicit TLS) but the server speaks "
					"plain SMTP: '%.200s'",
					s->smtp_lines[i].text);
				mx_finding_set_fix(
					f, "%s",
					"This is a STARTTLS port: configure "
					"the client for STARTTLS here, or use "
					"the server's implicit-TLS port "
					"(465).");
				return;
			}
}

/* The server never answered the hello and the client gave up. */
static void rule_silence(const struct mx_capsess *s, struct mx_findings *out,
			 const char *where)
{
	const struct mx_cap_hello *h;
	struct mx_finding *f;
	int64_t t = -1;
	char hb[600], d[32];

	if (s->nhellos == 0 || s->hello_answer_us >= 0 ||
	    s->close_after_hello_us >= 0 || s->server_hello || s->hrr ||
	    s->alert >= 0)
		return;
	h = &s->hellos[s->nhellos - 1];
	if (s->fin_dir[0] && s->fin_us[0] >= h->t_us)
		t = s->fin_us[0];
	if (s->rst_dir[0] && s->rst_us[0] >= h->t_us &&
	    (t < 0 || s->rst_us[0] < t))
		t = s->rst_us[0];
	if (t < 0)
		return;
	cj_hello_text(h, hb, sizeof(hb));
	cj_delay_text(t - h->t_us, d, sizeof(d));
	f = mx_findings_add(out, "tls.handshake_failed", where,
			    "the server sent nothing after the ClientHello "
			    "(%s); the client gave up and closed %s later",
			    hb, d);
	mx_finding_set_fix(f, "%s",
			   "Something drops the hello silently: a firewall or "
			   "IPS that filters TLS, or a server stuck before "
			   "its ServerHello. Capture on the server side too "
			   "to see whether the hello arrives there.");
}

static void rule_key_exchange(const struct mx_capsess *s,
			      struct mx_findings *out, const char *where)
{
	struct mx_analyze_params p;
	char sb[16], prime[128];

	mx_analyze_params_init(&p, 0);
	if (s->dh_bits > 0) {
		snprintf(prime, sizeof(prime), "%s%s",
			 s->dh_prime_name[0] ? s->dh_prime_name
					     : "a custom prime",
			 s->dh_prime_known_safe == 1   ? ", a safe prime"
			 : s->dh_prime_known_safe == 0 ? ", NOT a safe prime"
						       : "");
		if ((int)s->dh_bits <= p.dh_crit_bits) {
			mx_findings_add(
				out, "kex.dh_1024", where,
				"the server's ServerKeyExchange has a %u-bit "
				"DH group (%s) for %s. OpenSSL clients at "
				"security level 2 abort such a handshake with "
				"'dh key too small'",
				s->dh_bits, prime,
				mx_suite_label(s->suite, sb, sizeof(sb)));
			if (s->dh_prime_name[0])
				mx_findings_add(
					out, "kex.dh_common_prime", where,
					"%s is a published prime that many "
					"servers share: one precomputation "
					"breaks all their key exchanges "
					"(Logjam)",
					s->dh_prime_name);
		} else if ((int)s->dh_bits < p.dh_min_bits) {
			mx_findings_add(out, "kex.temp_key_weak", where,
					"the server's ephemeral DH key has %u "
					"bits (%s; minimum %d) with %s",
					s->dh_bits, prime, p.dh_min_bits,
					mx_suite_label(s->suite, sb,
						       sizeof(sb)));
		}
	}
	if (s->group) {
		const struct mx_group *g = mx_group_by_id(s->group);

		if (g && g->kind == MX_GROUP_EC && g->bits > 0 &&
		    g->bits < p.ec_min_bits)
			mx_findings_add(out, "kex.temp_key_weak", where,
					"the server's ephemeral EC key has %u "
					"bits (curve %s; minimum %d)",
					(unsigned)g->bits, g->iana,
					p.ec_min_bits);
	}
}

void mx_capjudge_session(const struct mx_capsess *s, struct mx_findings *out,
			 const char *where)
{
	rule_close_after_hello(s, out, where);
	rule_reset(s, out, where);
	rule_retrans(s, out, where);
	rule_zero_window(s, out, where);
	rule_alert(s, out, where);
	rule_not_tls(s, out, where);
	rule_silence(s, out, where);
	rule_key_exchange(s, out, where);
	cj_rule_smtp(s, out, where);
}
