/*
 * client_play.c - the client profile table turned into the probe's
 * real-handshake settings; see client_play.h.
 */
#include "probe/client_play.h"

#include <stdlib.h>

#include "common/xalloc.h"
#include "model/client_profiles.h"
#include "probe/tls.h"

struct mx_confirm_client *mx_confirm_client_table(size_t *n_out)
{
	size_t i, n = mx_client_profile_count();
	struct mx_confirm_client *cc = xcalloc(n, sizeof(*cc));

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
	*n_out = n;
	return cc;
}
