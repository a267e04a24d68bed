/*
 * endpoint_tls.c - the endpoint rule for a failed TLS handshake: the
 * alert registry with what each alert means and its fix, the alerts we
 * send, and the ways a handshake ends without an alert (FIN, RST, a
 * timeout, bytes that are not TLS).  See endpoint_int.h.
 */
#include "analyzers/endpoint_int.h"

#include "analyzers/clients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- rule: TLS handshake failure -------------------------------------- */

/* TLS alert registry (IANA; RFC 8446 section 6, RFC 5246 section 7.2). */
static const struct alert_rule {
	int alert;
	const char *name;
	const char *fix; /* NULL: the failure kind's fix */
} alert_rules[] = {
	{0, "close_notify", NULL},
	{10, "unexpected_message", NULL},
	{20, "bad_record_mac", NULL},
	{22, "record_overflow", NULL},
	{40, "handshake_failure",
	 "The server found nothing in common with the ClientHello (cipher "
	 "suites, groups or signature algorithms): compare the suites the "
	 "server enables with the senders' lists, and enable modern ECDHE "
	 "suites with AES-GCM on the server."},
	{42, "bad_certificate", NULL},
	{43, "unsupported_certificate", NULL},
	{44, "certificate_revoked", NULL},
	{45, "certificate_expired", NULL},
	{46, "certificate_unknown", NULL},
	{47, "illegal_parameter",
	 "The server rejected a field of the ClientHello: an old TLS stack "
	 "that does not tolerate newer extensions or groups. Update the "
	 "server's TLS library; as a client workaround cap the version at "
	 "TLS 1.2."},
	{48, "unknown_ca", NULL},
	{49, "access_denied", NULL},
	{50, "decode_error",
	 "The server could not parse the ClientHello: handshake intolerance "
	 "of an old TLS stack. Update the server's TLS library; as a client "
	 "workaround send a shorter hello (fewer suites, TLS 1.2 at most)."},
	{51, "decrypt_error", NULL},
	{70, "protocol_version",
	 "The server supports none of the offered TLS versions: enable TLS "
	 "1.2 and 1.3 on the server."},
	{71, "insufficient_security",
	 "The server requires stronger cipher suites than offered: align "
	 "the client's cipher list with the server's."},
	{80, "internal_error",
	 "The server's TLS stack failed internally, most often because the "
	 "MTA cannot load its certificate or key: check the MTA log and the "
	 "key/certificate files and permissions."},
	{86, "inappropriate_fallback", NULL},
	{90, "user_canceled", NULL},
	{109, "missing_extension", NULL},
	{110, "unsupported_extension", NULL},
	{112, "unrecognized_name",
	 "The server does not recognise the SNI name: configure a "
	 "certificate for the MX host name, or let the server ignore "
	 "unknown names."},
	{116, "certificate_required",
	 "The server requires a client certificate (mutual TLS); configure "
	 "one on the sender or relax the server's client-certificate "
	 "requirement."},
	{120, "no_application_protocol", NULL},
};

static const struct alert_rule *alert_lookup(int alert)
{
	size_t i;

	for (i = 0; i < sizeof(alert_rules) / sizeof(alert_rules[0]); i++)
		if (alert_rules[i].alert == alert)
			return &alert_rules[i];
	return NULL;
}

/* Why we aborted (alert sent), by the library's error text. */
static const struct sent_rule {
	const char *needle; /* in fail_detail, case-insensitive */
	const char *what;
	const char *fix;
} sent_rules[] = {
	{"dh key too small",
	 "the server's DHE group is too small for the client's security "
	 "level",
	 "Server: serve a DH group of at least 2048 bits (Postfix: "
	 "smtpd_tls_dh1024_param_file with ffdhe2048) or prefer ECDHE. "
	 "Client workaround: a cipher list without DHE suites (OpenSSL "
	 "-cipher and Exim tls_require_ciphers with OpenSSL: !kDHE "
	 "appended; Postfix: smtp_tls_exclude_ciphers = kDHE; GnuTLS and "
	 "Exim with GnuTLS: -DHE-RSA in the priority); 'mxprobe check "
	 "--deep' tests one against the server."},
	{"ee key too small",
	 "the server certificate's key is too small for the client's "
	 "security level",
	 "Reissue the certificate with an RSA key of at least 2048 bits or "
	 "an EC P-256 key."},
	{"ca md too weak",
	 "a certificate is signed with a digest the client refuses (MD5 or "
	 "SHA-1)",
	 "Reissue the certificate (and chain) with SHA-256 signatures."},
	{"unsupported protocol",
	 "the server offers only TLS versions the client has disabled",
	 "Enable TLS 1.2 and 1.3 on the server; TLS 1.0/1.1 are disabled "
	 "by current clients (RFC 8996)."},
	{"wrong version number",
	 "the server's answer is not a TLS record (plain text on a TLS "
	 "port?)",
	 NULL},
};

static const struct tls_fail_rule {
	enum mx_tls_fail fail;
	const char *what;
	const char *fix; /* NULL: the catalogue's */
} tls_fail_rules[] = {
	{MX_TLS_FAIL_ALERT_RECV, "the server sent a fatal alert", NULL},
	{MX_TLS_FAIL_ALERT_SENT,
	 "the client aborted the handshake (alert sent)", NULL},
	{MX_TLS_FAIL_EOF,
	 "the server closed the connection (TCP FIN) during the handshake "
	 "without an alert: possible handshake intolerance",
	 "A FIN right after the ClientHello is the signature of handshake "
	 "intolerance: an old server TLS stack (e.g. Exchange 2013 on an "
	 "unpatched Windows) drops a ClientHello it cannot parse - too many "
	 "cipher suites, TLS 1.3 or unknown extensions, a large hello. "
	 "Update or patch the server.  'mxprobe check' bisects the hello "
	 "and tests client settings against the server when its handshake "
	 "ends like this; this run did not (see the evidence)."},
	{MX_TLS_FAIL_RESET,
	 "the connection was reset (TCP RST) during the handshake",
	 "A reset during the handshake comes from the server's TLS stack "
	 "refusing the ClientHello or from a middlebox (firewall, IPS, "
	 "load balancer) inspecting it: check the device in front of the "
	 "server and its logs; try a shorter hello (TLS 1.2, fewer "
	 "suites)."},
	{MX_TLS_FAIL_TIMEOUT, "no answer to the ClientHello arrived in time",
	 "A filtering device may hold the handshake, or the server waits "
	 "for something else (plain SMTP on a port probed as implicit TLS?): "
	 "check the port's protocol and any device in between."},
	{MX_TLS_FAIL_PROTOCOL, "the server's answer is not TLS", NULL},
	{MX_TLS_FAIL_OTHER, "the handshake did not complete", NULL},
	{MX_TLS_FAIL_NONE, "the handshake did not complete", NULL},
};

static const char fix_not_tls_implicit[] =
	"This port answers in plain text: it is a STARTTLS port (25, 587), "
	"not implicit TLS. Probe it with STARTTLS, or use the server's "
	"implicit-TLS port (465, RFC 8314).";
static const char fix_not_tls_starttls[] =
	"After '220 Ready to start TLS' the server did not speak TLS: a "
	"broken MTA TLS setup or a middlebox that strips STARTTLS; check "
	"the MTA log and any SMTP proxy or firewall 'SMTP fixup' feature.";

/* A failure without an alert (FIN, RST; silence with --deep): the run
 * bisected and tested client settings for this endpoint; the fix
 * names what a real handshake negotiated with (never an untested
 * string), or says that nothing tried did. */
static void silent_fix(struct ep_ctx *c, struct mx_finding *f)
{
	const struct mx_enum *e = c->ep->enumr;
	const struct mx_tls *t = &c->ep->tls;
	const char *cause;
	char *ts;

	if (f == NULL || e == NULL ||
	    (t->fail != MX_TLS_FAIL_EOF && t->fail != MX_TLS_FAIL_RESET &&
	     t->fail != MX_TLS_FAIL_TIMEOUT))
		return; /* a timeout: with --deep or from `ciphers` */
	cause = e->intolerant && e->intolerance_trigger ? e->intolerance_trigger
							: NULL;
	ts = mx_clients_tested_settings(e);
	if (ts != NULL)
		mx_finding_set_fix(
			f,
			"%s%s%sUpdate or patch the server. Until then, client "
			"settings a real handshake negotiated with in this "
			"run: %s",
			cause ? "The server drops ClientHellos offering " : "",
			cause ? cause : "",
			cause ? " (bisected in this run). " : "", ts);
	else
		mx_finding_set_fix(
			f,
			"%s%s%sUpdate or patch the server, or check the device "
			"in front of it. No client setting tried in this run "
			"negotiated%s.",
			cause ? "The server drops ClientHellos offering " : "",
			cause ? cause : "",
			cause ? " (bisected in this run). " : "",
			cause ? ""
			      : ", and the bisection found no one part of "
				"the hello to blame (a server or device that "
				"drops every ClientHello; see the connection "
				"records)");
	free(ts);
}

void mx_ep_rule_tls_failed(struct ep_ctx *c)
{
	const struct mx_tls *t = &c->ep->tls;
	const struct tls_fail_rule *r = NULL;
	const struct alert_rule *a = NULL;
	const struct sent_rule *s = NULL;
	char alert_txt[64] = "", key_txt[96] = "";
	struct mx_finding *f;
	const char *fix;
	size_t i;

	if (!t->attempted || t->completed)
		return;
	/* Ours, not the server's (local.tls_setup, from the stop rule). */
	if (t->fail == MX_TLS_FAIL_LOCAL ||
	    c->ep->smtp.stop == MX_STOP_CANCELLED)
		return;
	for (i = 0; i < sizeof(tls_fail_rules) / sizeof(tls_fail_rules[0]); i++)
		if (tls_fail_rules[i].fail == t->fail) {
			r = &tls_fail_rules[i];
			break;
		}
	if (r == NULL)
		r = &tls_fail_rules[sizeof(tls_fail_rules) /
					    sizeof(tls_fail_rules[0]) -
				    1];
	fix = r->fix;
	if (t->fail == MX_TLS_FAIL_ALERT_RECV ||
	    t->fail == MX_TLS_FAIL_ALERT_SENT) {
		a = alert_lookup(t->alert);
		snprintf(alert_txt, sizeof(alert_txt), " %d (%s)", t->alert,
			 a ? a->name : "unassigned");
		if (t->fail == MX_TLS_FAIL_ALERT_RECV && a && a->fix)
			fix = a->fix;
	}
	if (t->fail == MX_TLS_FAIL_ALERT_SENT || t->fail == MX_TLS_FAIL_OTHER ||
	    t->fail == MX_TLS_FAIL_PROTOCOL) {
		for (i = 0; i < sizeof(sent_rules) / sizeof(sent_rules[0]); i++)
			if (t->fail_detail &&
			    strcasestr(t->fail_detail, sent_rules[i].needle)) {
				s = &sent_rules[i];
				break;
			}
		if (s == NULL && t->fail == MX_TLS_FAIL_ALERT_SENT &&
		    t->temp_key_type && t->temp_key_bits > 0 &&
		    strcasecmp(t->temp_key_type, "DH") == 0 &&
		    t->temp_key_bits < c->p->dh_min_bits)
			s = &sent_rules[0]; /* a small DH group is why */
		if (s && s->fix)
			fix = s->fix;
	}
	if (t->temp_key_type && t->temp_key_bits > 0)
		snprintf(key_txt, sizeof(key_txt),
			 ", server temp key %s %d bits", t->temp_key_type,
			 t->temp_key_bits);
	if (t->fail == MX_TLS_FAIL_PROTOCOL && fix == NULL)
		fix = c->ep->mode == MX_MODE_IMPLICIT ? fix_not_tls_implicit
						      : fix_not_tls_starttls;
	/* An implicit-TLS port that does not speak TLS does not offer it. */
	if (c->ep->mode == MX_MODE_IMPLICIT && t->fail == MX_TLS_FAIL_PROTOCOL)
		mx_ep_mark(c, MX_COL_TLS_OFFERED, MX_V_FAIL);
	f = mx_ep_emit(c, MX_COL_TLS_NEGOTIATED, "tls.handshake_failed",
		       MX_SEV_OK, fix, "%s%s%s%s (after %lld ms%s%s%s%s)",
		       r->what, alert_txt, s ? ": " : "", s ? s->what : "",
		       (long long)t->handshake_ms, key_txt,
		       t->fail_detail ? ", library: '" : "",
		       mx_ep_nz(t->fail_detail), t->fail_detail ? "'" : "");
	silent_fix(c, f);
}
