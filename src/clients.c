/*
 * clients.c - the clients step: the analyzers' profile table turned into
 * the probe's real-handshake settings; see clients.h.
 */
#include "src/clients.h"

#include <stdlib.h>
#include <string.h>

#include "analyzers/clients.h"
#include "common/clock.h"
#include "common/xalloc.h"
#include "probe/confirm.h"

int mx_cli_clients(struct event_base *base, struct mx_endpoint *ep,
		   const struct mx_opts *o, const char *helo,
		   const struct mx_log *log)
{
	size_t i, n = mx_client_profile_count();
	struct mx_confirm_client *cc = xcalloc(n, sizeof(*cc));
	struct mx_clients_params p;
	int rc;

	for (i = 0; i < n; i++) {
		const struct mx_client_profile *pr = mx_client_profile_at(i);
		struct mx_tls_params *t = &cc[i].tls;

		cc[i].id = pr->id;
		t->security_level = -1;
		t->min_version = pr->min_version;
		t->max_version = pr->max_version;
		switch (pr->stack) {
		case MX_STACK_OPENSSL:
			cc[i].be = &mx_tls_openssl;
			t->cipher_list = pr->ossl_ciphers;
			t->ciphersuites = pr->ossl_ciphersuites;
			t->groups = pr->ossl_groups;
			t->security_level = pr->ossl_seclevel;
			break;
		case MX_STACK_GNUTLS:
			cc[i].be = &mx_tls_gnutls;
			t->priority = pr->gnutls_priority;
			break;
		case MX_STACK_NONE:
			cc[i].be = NULL;
			break;
		}
	}
	memset(&p, 0, sizeof(p));
	p.helo = helo;
	p.timeout_ms = o->timeout_s > 0 ? o->timeout_s * 1000 : 10000;
	p.max_conn = o->per_host;
	p.deadline_ms = o->deadline_s > 0
				? mx_now_ms() + (int64_t)o->deadline_s * 1000
				: 0;
	p.log = log;
	p.clients = cc;
	p.nclients = n;
	p.bisect = 1;
	p.simulate = mx_clients_simulate;
	rc = mx_clients_run(base, ep, &p);
	free(cc);
	return rc;
}
