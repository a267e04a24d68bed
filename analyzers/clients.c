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

#include <stdlib.h>

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
	}
}

/* ---- findings ----------------------------------------------------------- */

static const char *pass_fail(int ok)
{
	return ok == 1 ? "PASS" : ok == 0 ? "FAIL" : "not tested";
}

void mx_analyze_clients(struct mx_endpoint *ep)
{
	const struct mx_enum *e = ep->enumr;
	char *where;
	size_t i;

	if (e == NULL)
		return;
	/* The real handshakes' facts against the predictions first. */
	mx_judge_confirmations(ep->enumr);
	where = mx_endpoint_where(ep);
	for (i = 0; i < e->nclients; i++) {
		const struct mx_client_sim *c = &e->clients[i];
		const struct mx_client_profile *p =
			mx_client_profile_by_id(c->profile);
		struct mx_finding *f;

		if (c->confirmed == 0)
			mx_findings_add(
				&ep->findings, "client.prediction_mismatch",
				where, "%s: %s", c->name ? c->name : "?",
				c->confirm_detail ? c->confirm_detail : "?");
		if (c->ok)
			continue;
		f = mx_findings_add(&ep->findings, "client.fails", where,
				    "%s: %s", c->name ? c->name : "?",
				    c->why ? c->why : "?");
		if (p != NULL && !p->common)
			f->severity = MX_SEV_INFO;
		if (c->advice_openssl != NULL || c->advice_gnutls != NULL)
			mx_finding_set_fix(
				f,
				"Server: fix the cause (see the evidence). "
				"Client: OpenSSL cipher list '%s' (%s), GnuTLS "
				"priority '%s' (%s).",
				c->advice_openssl ? c->advice_openssl : "-",
				pass_fail(c->advice_openssl_ok),
				c->advice_gnutls ? c->advice_gnutls : "-",
				pass_fail(c->advice_gnutls_ok));
	}
	if (e->intolerant) {
		struct mx_finding *f = mx_findings_add(
			&ep->findings, "tls.hello_intolerance", where,
			"%s when the ClientHello offers %s; a hello without "
			"them is answered",
			e->intolerance_reaction ? e->intolerance_reaction
						: "no answer",
			e->intolerance_trigger ? e->intolerance_trigger : "?");

		if (e->intolerance_advice_openssl != NULL)
			mx_finding_set_fix(
				f,
				"Upgrade or fix the server (or the middlebox in "
				"front of it). Until then clients can avoid "
				"the trigger with the OpenSSL cipher list "
				"'%s' (%s).",
				e->intolerance_advice_openssl,
				pass_fail(e->intolerance_advice_ok));
	}
	free(where);
}
