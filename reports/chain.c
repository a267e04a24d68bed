/*
 * chain.c - the chain as sent, as text; see chain.h.
 */
#include "reports/chain.h"

#include <stdlib.h>

#include "common/buf.h"
#include "model/where.h"
#include "reports/jsonutil.h"
#include "reports/textutil.h"
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

int mx_report_chain(FILE *out, const struct mx_chain_report *r)
{
	const struct mx_endpoint *ep = r->ep;
	char where[MX_WHERE_MAX];
	size_t i;

	mx_out_fmt(out, "%s  %s %s\n",
		   mx_endpoint_where_buf(where, sizeof(where), ep),
		   ep->tls.version ? ep->tls.version : "",
		   ep->tls.suite_iana ? ep->tls.suite_iana : "");
	mx_out_fmt(out, "%zu certificate%s sent%s\n\n", ep->tls.chain.n,
		   ep->tls.chain.n == 1 ? "" : "s",
		   ep->tls.verify_done
			   ? (ep->tls.verify_code == 0 ? ", chain verified"
						       : ", chain NOT verified")
			   : "");
	if (ep->tls.verify_done && ep->tls.verify_code != 0)
		mx_out_fmt(out, "verify error %ld at depth %d: %s\n\n",
			   ep->tls.verify_code, ep->tls.verify_depth,
			   ep->tls.verify_error ? ep->tls.verify_error : "?");
	for (i = 0; i < ep->tls.chain.n; i++) {
		cert_block(out, i, &ep->tls.chain.v[i], r->now);
		if (r->show_pem) {
			struct mx_buf b;

			mx_buf_init(&b, 0);
			mx_pem_encode(&b, ep->tls.chain.v[i].der,
				      ep->tls.chain.v[i].der_len);
			fwrite(b.p, 1, b.len, out);
			mx_buf_free(&b);
		}
		if (i + 1 < ep->tls.chain.n)
			fputc('\n', out);
	}
	if (r->exported) {
		mx_out_fmt(out, "\nExported to %s:\n", r->dir);
		for (i = 0; i < r->exported->n; i++)
			mx_out_fmt(out, "  %-40s %s%s\n",
				   r->exported->v[i].name,
				   r->exported->v[i].is_ca ? "CA      "
							   : "leaf    ",
				   r->exported->v[i].subject);
		if (r->exported->chain_name)
			mx_out_fmt(out,
				   "  %-40s the whole chain, in sent order\n",
				   r->exported->chain_name);
		mx_out_text(out, "CA certificates go into a sender's trust "
				 "store; the leaf identifies this server.\n");
	}
	mx_out_findings(out, r->meta.color, r->findings, r->nfindings);
	mx_out_status(out, r->meta.color, r->meta.exit_status);
	return ferror(out) ? -1 : 0;
}

static json_t *j_cert(struct mx_jc *c, const struct mx_cert *x)
{
	json_t *o = mx_j_obj(c);
	struct mx_buf b;

	mx_j_set(c, o, "subject", mx_j_str(c, x->subject));
	mx_j_set(c, o, "issuer", mx_j_str(c, x->issuer));
	mx_j_set(c, o, "serial", mx_j_str(c, x->serial));
	mx_j_set(c, o, "not_before", mx_j_time(c, x->not_before));
	mx_j_set(c, o, "not_after", mx_j_time(c, x->not_after));
	mx_j_set(c, o, "key_type", mx_j_str(c, x->key_type));
	mx_j_set(c, o, "key_bits", mx_j_int(c, x->key_bits));
	mx_j_set(c, o, "signature", mx_j_str(c, x->sig_alg));
	mx_j_set(c, o, "names", mx_j_strv(c, x->san_dns, x->nsan_dns));
	mx_j_set(c, o, "addresses", mx_j_strv(c, x->san_ip, x->nsan_ip));
	mx_j_set(c, o, "is_ca", mx_j_bool(c, x->is_ca));
	mx_j_set(c, o, "self_signed", mx_j_bool(c, x->self_signed));
	mx_j_set(c, o, "sha256", mx_j_str(c, x->sha256));
	mx_buf_init(&b, 0);
	mx_pem_encode(&b, x->der, x->der_len);
	mx_buf_push_u8(&b, 0);
	mx_j_set(c, o, "pem", mx_j_str(c, (const char *)b.p));
	mx_buf_free(&b);
	return o;
}

int mx_report_chain_json(FILE *out, const struct mx_chain_report *r)
{
	const struct mx_endpoint *ep = r->ep;
	struct mx_jc c = {0};
	json_t *root, *e = mx_j_obj(&c), *v = mx_j_obj(&c),
		      *certs = mx_j_arr(&c), *fs = mx_j_arr(&c), *x;
	size_t i;

	root = mx_j_envelope(&c, "certs", MX_CERTS_SCHEMA_VERSION,
			     r->meta.tool_version, r->meta.started,
			     r->meta.exit_status);
	mx_j_set(&c, root, "target", mx_j_str(&c, r->target));
	mx_j_set(&c, e, "host", mx_j_str(&c, ep->host));
	mx_j_set(&c, e, "address", mx_j_str(&c, ep->addr));
	mx_j_set(&c, e, "port", mx_j_int(&c, ep->port));
	mx_j_set(&c, e, "mode", mx_j_str(&c, mx_tls_mode_name(ep->mode)));
	mx_j_set(&c, e, "preference",
		 ep->pref >= 0 ? mx_j_int(&c, ep->pref) : mx_j_null(&c));
	mx_j_set(&c, e, "tls_version", mx_j_str(&c, ep->tls.version));
	mx_j_set(&c, e, "cipher", mx_j_str(&c, ep->tls.suite_iana));
	mx_j_set(&c, root, "endpoint", e);
	mx_j_set(&c, v, "done", mx_j_bool(&c, ep->tls.verify_done));
	mx_j_set(&c, v, "verified",
		 mx_j_bool(&c,
			   ep->tls.verify_done && ep->tls.verify_code == 0));
	mx_j_set(&c, v, "code",
		 ep->tls.verify_done ? mx_j_int(&c, ep->tls.verify_code)
				     : mx_j_null(&c));
	mx_j_set(&c, v, "error", mx_j_str(&c, ep->tls.verify_error));
	mx_j_set(&c, v, "depth",
		 ep->tls.verify_done && ep->tls.verify_code != 0
			 ? mx_j_int(&c, ep->tls.verify_depth)
			 : mx_j_null(&c));
	mx_j_set(&c, root, "verification", v);
	for (i = 0; i < ep->tls.chain.n; i++)
		mx_j_push(&c, certs, j_cert(&c, &ep->tls.chain.v[i]));
	mx_j_set(&c, root, "certificates", certs);
	if (r->exported) {
		json_t *files = mx_j_arr(&c);

		x = mx_j_obj(&c);
		mx_j_set(&c, x, "directory", mx_j_str(&c, r->dir));
		for (i = 0; i < r->exported->n; i++) {
			json_t *f = mx_j_obj(&c);

			mx_j_set(&c, f, "name",
				 mx_j_str(&c, r->exported->v[i].name));
			mx_j_set(&c, f, "is_ca",
				 mx_j_bool(&c, r->exported->v[i].is_ca));
			mx_j_set(&c, f, "subject",
				 mx_j_str(&c, r->exported->v[i].subject));
			mx_j_push(&c, files, f);
		}
		mx_j_set(&c, x, "files", files);
		mx_j_set(&c, x, "chain_file",
			 mx_j_str(&c, r->exported->chain_name));
	} else {
		x = mx_j_null(&c);
	}
	mx_j_set(&c, root, "export", x);
	for (i = 0; i < r->nfindings; i++)
		mx_j_push(&c, fs, mx_j_finding(&c, r->findings[i]));
	mx_j_set(&c, root, "findings", fs);
	return mx_j_dump(&c, out, root);
}
