/*
 * chain.c - the chain as sent, as text; see chain.h.
 */
#include "reports/chain.h"

#include <stdlib.h>

#include "common/buf.h"
#include "model/where.h"
#include "reports/util.h"

static void cert_block(FILE *out, size_t i, const struct mx_cert *c, time_t now)
{
	char nb[32], na[32];
	long days = (long)((c->not_after - now) / 86400);
	size_t k;

	mx_rep_date(c->not_before, nb, sizeof(nb));
	mx_rep_date(c->not_after, na, sizeof(na));
	fprintf(out, "[%zu] %s%s\n", i, c->subject ? c->subject : "?",
		c->is_ca ? "  (CA certificate)" : "");
	fprintf(out, "    issuer:    %s\n", c->issuer ? c->issuer : "?");
	fprintf(out, "    serial:    %s\n", c->serial ? c->serial : "?");
	fprintf(out, "    valid:     %s .. %s (%s%ld days)\n", nb, na,
		days < 0 ? "expired " : "", days < 0 ? -days : days);
	fprintf(out, "    key:       %s %d bits, signed with %s\n",
		c->key_type ? c->key_type : "?", c->key_bits,
		c->sig_alg ? c->sig_alg : "?");
	if (c->nsan_dns > 0) {
		fprintf(out, "    names:    ");
		for (k = 0; k < c->nsan_dns; k++)
			fprintf(out, " %s", c->san_dns[k]);
		fputc('\n', out);
	}
	if (c->self_signed)
		fprintf(out, "    self-signed\n");
	fprintf(out, "    sha256:    %s\n", c->sha256 ? c->sha256 : "?");
}

int mx_report_chain(FILE *out, const struct mx_endpoint *ep, time_t now,
		    const char *dir, const struct mx_export_result *exported,
		    int show_pem)
{
	char where[MX_WHERE_MAX];
	size_t i;

	fprintf(out, "%s  %s %s\n",
		mx_endpoint_where_buf(where, sizeof(where), ep),
		ep->tls.version ? ep->tls.version : "",
		ep->tls.suite_iana ? ep->tls.suite_iana : "");
	fprintf(out, "%zu certificate%s sent%s\n\n", ep->tls.chain.n,
		ep->tls.chain.n == 1 ? "" : "s",
		ep->tls.verify_done
			? (ep->tls.verify_code == 0 ? ", chain verified"
						    : ", chain NOT verified")
			: "");
	if (ep->tls.verify_done && ep->tls.verify_code != 0)
		fprintf(out, "verify error %ld at depth %d: %s\n\n",
			ep->tls.verify_code, ep->tls.verify_depth,
			ep->tls.verify_error ? ep->tls.verify_error : "?");
	for (i = 0; i < ep->tls.chain.n; i++) {
		cert_block(out, i, &ep->tls.chain.v[i], now);
		if (show_pem) {
			struct mx_buf b;

			mx_buf_init(&b, 0);
			mx_pem_encode(&b, ep->tls.chain.v[i].der,
				      ep->tls.chain.v[i].der_len);
			fwrite(b.p, 1, b.len, out);
			mx_buf_free(&b);
		}
		fputc('\n', out);
	}
	if (exported) {
		fprintf(out, "Exported to %s:\n", dir);
		for (i = 0; i < exported->n; i++)
			fprintf(out, "  %-40s %s%s\n", exported->v[i].name,
				exported->v[i].is_ca ? "CA      " : "leaf    ",
				exported->v[i].subject);
		if (exported->chain_name)
			fprintf(out, "  %-40s the whole chain, in sent order\n",
				exported->chain_name);
		fprintf(out, "CA certificates go into a sender's trust store; "
			     "the leaf identifies this server.\n");
	}
	return ferror(out) ? -1 : 0;
}
