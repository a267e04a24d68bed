/*
 * endpoint_int.h - inside the endpoint analyzer: the context every rule
 * gets, the helpers that emit findings and format evidence, and the rules
 * that live in their own files (endpoint_cert.c: validity, self-signed,
 * chain, chain order, host name; endpoint_tls.c: a failed handshake).
 * endpoint.c has the SMTP, negotiated-TLS and key exchange rules, the
 * rule list and the columns.
 */
#ifndef MX_ANALYZERS_ENDPOINT_INT_H
#define MX_ANALYZERS_ENDPOINT_INT_H

#include <stddef.h>
#include <time.h>

#include "analyzers/analyze.h"
#include "model/result.h"

#define EV_TEXT_MAX 300 /* peer text quoted in evidence */
#define EV_NAMES_MAX 16 /* certificate names listed in evidence */
#define NO_COL (-1)

struct ep_ctx {
	struct mx_endpoint *ep;
	const struct mx_analyze_params *p;
	char *where;
	enum mx_verdict worst[MX_COL__N]; /* from findings */
	int expired_seen;		  /* cert.expired emitted */
};

/* Add finding `id` (severity: the catalogue's, or `sev` when not
 * MX_SEV_OK) against summary column `col` (NO_COL: none). */
struct mx_finding *mx_ep_emit(struct ep_ctx *c, int col, const char *id,
			      enum mx_severity sev, const char *fix,
			      const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* s, or "" for NULL. */
const char *mx_ep_nz(const char *s);
/* t as YYYY-MM-DD into out. */
void mx_ep_fmt_date(time_t t, char *out, size_t len);

/* endpoint_cert.c */
/* Raise column col's verdict to at least v. */
void mx_ep_mark(struct ep_ctx *c, int col, enum mx_verdict v);
/* analyzers/endpoint_tls.c */
void mx_ep_rule_tls_failed(struct ep_ctx *c);
void mx_ep_rule_validity(struct ep_ctx *c);
void mx_ep_rule_self_signed(struct ep_ctx *c);
void mx_ep_rule_chain(struct ep_ctx *c);
void mx_ep_rule_chain_order(struct ep_ctx *c);
void mx_ep_rule_name(struct ep_ctx *c);

#endif
