/*
 * clients.c - the client simulation into the model and the client
 * findings; see clients.h for the contract.
 *
 * Contract: mx_clients_simulate() replaces e->clients with one record per
 * profile of the table (model/client_profiles.h) in table order: the
 * prediction (clients_predict.c) and the advice (clients_advice.c), with
 * confirmed = -1 and advice_*_ok = -1 until the probe's real handshakes
 * fill them.  mx_analyze_clients() first lets confirm_judge.c compare
 * those handshakes with the predictions, then turns the records into
 * findings: client.prediction_mismatch, client.fails (a warning for a
 * common sender, info otherwise, the tested advice as the fix),
 * tls.hello_intolerance.  No I/O; the records are owned by the enum.
 */
#include "analyzers/clients.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/analyze.h"
#include "analyzers/confirm_judge.h"
#include "common/xalloc.h"
#include "model/finding.h"
#include "wire/tls_registry.h"

static void clients_clear(struct mx_enum *e)
{
	size_t i;

	for (i = 0; i < e->nclients; i++) {
		struct mx_client_sim *c = &e->clients[i];

		free(c->profile);
		free(c->name);
		free(c->version);
		free(c->kx);
		free(c->why);
		free(c->confirm_detail);
		free(c->advice_openssl);
		free(c->advice_openssl_tls13);
		free(c->advice_gnutls);
	}
	e->nclients = 0;
}

void mx_clients_simulate(struct mx_enum *e)
{
	size_t i;

	if (e == NULL)
		return;
	clients_clear(e);
	for (i = 0; i < mx_client_profile_count(); i++) {
		const struct mx_client_profile *p = mx_client_profile_at(i);
		struct mx_client_prediction pr;
		struct mx_client_sim *c = mx_enum_add_client(e);

		mx_client_predict(p, e, &pr);
		c->profile = xstrdup(p->id);
		c->name = xstrdup(p->name);
		c->ok = pr.ok;
		c->version = pr.version
				     ? xstrdup(mx_tls_version_name(pr.version))
				     : NULL;
		c->suite = pr.suite; /* the server's pick, even if refused */
		c->kx = pr.kx[0] ? xstrdup(pr.kx) : NULL;
		c->why = pr.ok ? NULL : xstrdup(pr.why);
		c->confirmed = -1;
		c->advice_openssl_ok = c->advice_gnutls_ok = -1;
		mx_client_advise(p, e, &pr, &c->advice_openssl,
				 &c->advice_gnutls);
		if (c->advice_openssl != NULL)
			c->advice_openssl_tls13 =
				mx_client_advise_tls13(p, e, &pr);
	}
}

/* ---- findings ----------------------------------------------------------- */

/* Append printf text to the owned string *dst. */
static void cat(char **dst, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void cat(char **dst, const char *fmt, ...)
{
	va_list ap;
	char buf[1024], *n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = xasprintf("%s%s", *dst ? *dst : "", buf);
	free(*dst);
	*dst = n;
}

static int same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Where each setting goes, for the clients that send mail (the knobs as
 * the software names them). */
static const char where_openssl[] =
	" Where: OpenSSL clients take the cipher list with -cipher "
	"(SSL_CTX_set_cipher_list) and the TLS 1.3 suites apart with "
	"-ciphersuites (SSL_CTX_set_ciphersuites); Postfix: the cipher list "
	"in tls_high_cipherlist with smtp_tls_ciphers = high and "
	"smtp_tls_mandatory_ciphers = high (it has no TLS 1.3 suite "
	"parameter: Ciphersuites in an OpenSSL configuration file, read with "
	"tls_config_file from Postfix 3.9); Exim built with OpenSSL: "
	"tls_require_ciphers on the smtp transport (TLS 1.3 suites through "
	"the OpenSSL configuration file).";
static const char where_gnutls[] =
	" GnuTLS clients take the priority string with --priority "
	"(gnutls_priority_set_direct); Exim built with GnuTLS: "
	"tls_require_ciphers on the smtp transport.";

/* The OpenSSL advice of c as it is configured: the cipher list and, when
 * it has its own, the TLS 1.3 suites - each quoted alone (pasteable). */
static void cat_openssl(char **dst, const char *list, const char *tls13,
			int max12)
{
	cat(dst, "OpenSSL cipher list '%s'", list);
	if (tls13 != NULL)
		cat(dst, " with TLS 1.3 ciphersuites '%s'", tls13);
	if (max12)
		cat(dst, " with TLS 1.2 as the highest version");
}

char *mx_clients_tested_settings(const struct mx_enum *e)
{
	const struct mx_client_sim *o = NULL, *g = NULL;
	char *out = NULL;
	size_t i;

	if (e == NULL)
		return NULL;
	for (i = 0; i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];

		if (o == NULL && c->advice_openssl && c->advice_openssl_ok == 1)
			o = c;
		if (g == NULL && c->advice_gnutls && c->advice_gnutls_ok == 1)
			g = c;
	}
	if (e->intolerance_advice_openssl && e->intolerance_advice_ok == 1) {
		cat_openssl(&out, e->intolerance_advice_openssl,
			    e->intolerance_advice_tls13,
			    e->intolerance_advice_max_tls12);
	} else if (o != NULL) {
		cat_openssl(&out, o->advice_openssl, o->advice_openssl_tls13,
			    0);
	}
	if (g != NULL)
		cat(&out, "%sGnuTLS priority '%s'", out ? "; " : "",
		    g->advice_gnutls);
	if (out == NULL)
		return NULL;
	cat(&out, ".%s%s", where_openssl, g ? where_gnutls : "");
	return out;
}

/* Does client d have c's tested OpenSSL (gnutls 0) or GnuTLS setting? */
static int same_setting(const struct mx_client_sim *d,
			const struct mx_client_sim *c, int gnutls)
{
	if (gnutls)
		return d->advice_gnutls_ok == 1 &&
		       same(d->advice_gnutls, c->advice_gnutls);
	return d->advice_openssl_ok == 1 &&
	       same(d->advice_openssl, c->advice_openssl) &&
	       same(d->advice_openssl_tls13, c->advice_openssl_tls13);
}

/* Was client i's setting named already by a client in [first, i)
 * failing for the same cause (nw: the normalised whys)? */
static int seen_setting(const struct mx_enum *e, char *const *nw, size_t first,
			size_t i, int gnutls)
{
	size_t j;

	for (j = first; j < i; j++)
		if (!e->clients[j].ok && strcmp(nw[j], nw[i]) == 0 &&
		    same_setting(&e->clients[j], &e->clients[i], gnutls))
			return 1;
	return 0;
}

/* " for A, B": the clients from i on failing for i's cause that share
 * its setting. */
static void cat_whom(char **dst, const struct mx_enum *e, char *const *nw,
		     size_t i, int gnutls)
{
	size_t j;
	int n = 0;

	for (j = i; j < e->nclients; j++) {
		const struct mx_client_sim *d = &e->clients[j];

		if (d->ok || strcmp(nw[j], nw[i]) != 0 ||
		    !same_setting(d, &e->clients[i], gnutls))
			continue;
		cat(dst, "%s%s", n++ ? ", " : " for ", d->name ? d->name : "?");
	}
}

/* c's why with its own name put as "the client", so that clients
 * failing for the same reason compare equal.  Malloc'ed. */
static char *norm_why(const struct mx_client_sim *c)
{
	const char *w = c->why ? c->why : "?", *hit;
	size_t nl;

	if (c->name == NULL || (nl = strlen(c->name)) == 0 ||
	    (hit = strstr(w, c->name)) == NULL)
		return xstrdup(w);
	return xasprintf("%.*sthe client%s", (int)(hit - w), w, hit + nl);
}

/* One client.fails per cause (the same normalised why): the clients it
 * hits, the settings real handshakes confirmed for them (never an
 * untested one). */
static void client_fails(struct mx_endpoint *ep, const char *where,
			 char *const *nw, size_t first, unsigned char *done)
{
	const struct mx_enum *e = ep->enumr;
	char *names = NULL, *fix = NULL;
	size_t i, failed = 0, untested = 0, n = 0;
	int common = 0, any_gnutls = 0, any_openssl = 0;
	struct mx_finding *f;

	for (i = first; i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];
		const struct mx_client_profile *p =
			mx_client_profile_by_id(c->profile);

		if (c->ok || done[i] || strcmp(nw[i], nw[first]) != 0)
			continue;
		done[i] = 1;
		n++;
		common |= p == NULL || p->common;
		cat(&names, "%s%s", names ? ", " : "", c->name ? c->name : "?");
	}
	/* One client: its own words; several: the cause once. */
	f = mx_findings_add(
		&ep->findings, "client.fails", where, "%s: %s",
		names ? names : "?",
		n > 1 ? nw[first]
		      : (e->clients[first].why ? e->clients[first].why : "?"));
	if (!common)
		f->severity = MX_SEV_INFO;
	/* The distinct settings that negotiated, each once, with whom. */
	for (i = first; i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];

		if (c->ok || strcmp(nw[i], nw[first]) != 0)
			continue;
		failed += (c->advice_openssl && c->advice_openssl_ok == 0) +
			  (c->advice_gnutls && c->advice_gnutls_ok == 0);
		untested += (c->advice_openssl && c->advice_openssl_ok < 0) +
			    (c->advice_gnutls && c->advice_gnutls_ok < 0);
		if (c->advice_openssl && c->advice_openssl_ok == 1 &&
		    !seen_setting(e, nw, first, i, 0)) {
			cat(&fix, "%s", fix ? "; " : " ");
			cat_openssl(&fix, c->advice_openssl,
				    c->advice_openssl_tls13, 0);
			cat_whom(&fix, e, nw, i, 0);
			any_openssl = 1;
		}
		if (c->advice_gnutls && c->advice_gnutls_ok == 1 &&
		    !seen_setting(e, nw, first, i, 1)) {
			cat(&fix, "%sGnuTLS priority '%s'", fix ? "; " : " ",
			    c->advice_gnutls);
			cat_whom(&fix, e, nw, i, 1);
			any_gnutls = 1;
		}
	}
	if (fix != NULL)
		mx_finding_set_fix(
			f,
			"Server: fix the cause (see the evidence). Client "
			"settings a real handshake negotiated with in this "
			"run:%s.%s%s%s",
			fix, any_openssl ? where_openssl : "",
			any_gnutls ? where_gnutls : "",
			failed ? " Other settings tried failed." : "");
	else if (failed + untested > 0)
		mx_finding_set_fix(f,
				   "Server: fix the cause (see the evidence). "
				   "No client setting %s in this run: fix the "
				   "server.",
				   failed ? "tried negotiated"
					  : "could be tested");
	free(names);
	free(fix);
}

void mx_analyze_clients(struct mx_endpoint *ep)
{
	const struct mx_enum *e = ep->enumr;
	unsigned char *done;
	char *where, **nw;
	size_t i;

	if (e == NULL)
		return;
	/* The real handshakes' facts against the predictions first. */
	mx_judge_confirmations(ep->enumr);
	where = mx_endpoint_where(ep);
	done = xcalloc(e->nclients + 1, 1);
	nw = xcalloc(e->nclients + 1, sizeof(*nw));
	for (i = 0; i < e->nclients; i++)
		nw[i] = norm_why(&e->clients[i]);
	for (i = 0; i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];

		if (c->confirmed == 0)
			mx_findings_add(
				&ep->findings, "client.prediction_mismatch",
				where, "%s: %s", c->name ? c->name : "?",
				c->confirm_detail ? c->confirm_detail : "?");
	}
	for (i = 0; i < e->nclients; i++)
		if (!e->clients[i].ok && !done[i])
			client_fails(ep, where, nw, i, done);
	for (i = 0; i < e->nclients; i++)
		free(nw[i]);
	free(nw);
	free(done);
	if (e->intolerant) {
		struct mx_finding *f = mx_findings_add(
			&ep->findings, "tls.hello_intolerance", where,
			"%s when the ClientHello offers %s; a hello without "
			"them is answered",
			e->intolerance_reaction ? e->intolerance_reaction
						: "no answer",
			e->intolerance_trigger ? e->intolerance_trigger : "?");
		char *ts = mx_clients_tested_settings(e);

		if (ts != NULL)
			mx_finding_set_fix(
				f,
				"Upgrade or fix the server (or the middlebox in "
				"front of it). Until then clients avoid the "
				"trigger with settings a real handshake "
				"negotiated with in this run: %s",
				ts);
		free(ts);
	}
	free(where);
}
