/*
 * json.c - the JSON report; see json.h, doc/json.md and the schema
 * doc/mxprobe-check.schema.json (which a unit test validates the golden
 * output against).
 *
 * Every fact and every judgement of the model is written; keys appear in
 * the order they are set here (jansson keeps insertion order).  Absent
 * strings are null, times are ISO 8601 UTC, enums are their stable model
 * names (mx_*_name()).  Certificates carry their DER as base64.
 *
 * Model strings are escaped ASCII already; should a string still not be
 * valid UTF-8, json_string() refuses it and it is written with every
 * byte outside printable ASCII replaced by '?'.
 *
 * Any allocation failure inside jansson makes the whole report fail
 * (-1); nothing partial is written in that case.
 */
#include "reports/capture_json.h"
#include "reports/json.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/xalloc.h"
#include "reports/ciphers.h"
#include "reports/jsonutil.h"
#include "reports/util.h"

/* Base64 of DER (RFC 4648 section 4), one line. */
static json_t *jb64(struct mx_jc *c, const uint8_t *p, size_t len)
{
	unsigned char *out;
	json_t *j;

	if (p == NULL || len == 0)
		return mx_j_str(c, "");
	if (len > (size_t)INT32_MAX / 2) {
		c->err = 1;
		return NULL;
	}
	out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock(out, p, (int)len);
	j = mx_j_str(c, (char *)out);
	free(out);
	return j;
}

/* ---- model pieces ----------------------------------------------------- */

static json_t *j_reply(struct mx_jc *c, const struct mx_reply *r)
{
	json_t *o;

	if (r->code == 0 && r->text == NULL && r->nlines == 0)
		return mx_j_null(c);
	o = mx_j_obj(c);
	mx_j_set(c, o, "code", mx_j_int(c, r->code));
	mx_j_set(c, o, "enhanced", mx_j_str(c, r->enh[0] ? r->enh : NULL));
	mx_j_set(c, o, "lines", mx_j_int(c, (long long)r->nlines));
	mx_j_set(c, o, "text", mx_j_str(c, r->text));
	return o;
}

static json_t *j_caps(struct mx_jc *c, const struct mx_caps *k)
{
	json_t *o;

	if (!k->valid)
		return mx_j_null(c);
	o = mx_j_obj(c);
	mx_j_set(c, o, "flags", mx_j_int(c, k->flags));
	mx_j_set(c, o, "size",
		 mx_j_int(c, k->size > (uint64_t)INT64_MAX
				     ? INT64_MAX
				     : (long long)k->size));
	mx_j_set(c, o, "auth", mx_j_str(c, k->auth));
	mx_j_set(c, o, "keywords", mx_j_strv(c, k->keywords, k->nkeywords));
	return o;
}

static json_t *j_step(struct mx_jc *c, const struct mx_step *s)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "state", mx_j_str(c, mx_step_state_name(s->state)));
	mx_j_set(c, o, "ms", mx_j_int(c, s->ms));
	return o;
}

static json_t *j_transcript(struct mx_jc *c, const struct mx_transcript *tx)
{
	static const char *const dir[] = {[MX_TX_SENT] = "sent",
					  [MX_TX_RECV] = "recv",
					  [MX_TX_NOTE] = "note"};
	json_t *o = mx_j_obj(c), *a = mx_j_arr(c);
	size_t i;

	for (i = 0; i < tx->n; i++) {
		json_t *l = mx_j_obj(c);

		mx_j_set(c, l, "dir",
			 mx_j_str(c, (size_t)tx->v[i].dir < 3
					     ? dir[tx->v[i].dir]
					     : "note"));
		mx_j_set(c, l, "t_ms", mx_j_int(c, tx->v[i].t_ms));
		mx_j_set(c, l, "text", mx_j_str(c, tx->v[i].text));
		mx_j_push(c, a, l);
	}
	mx_j_set(c, o, "lines", a);
	mx_j_set(c, o, "dropped", mx_j_int(c, (long long)tx->dropped));
	return o;
}

static json_t *j_smtp(struct mx_jc *c, const struct mx_smtp *s)
{
	json_t *o = mx_j_obj(c), *st = mx_j_obj(c);

	mx_j_set(c, st, "connect", j_step(c, &s->connect));
	mx_j_set(c, st, "banner", j_step(c, &s->banner));
	mx_j_set(c, st, "ehlo", j_step(c, &s->ehlo));
	mx_j_set(c, st, "starttls", j_step(c, &s->starttls));
	mx_j_set(c, st, "tls", j_step(c, &s->tls));
	mx_j_set(c, st, "ehlo_tls", j_step(c, &s->ehlo_tls));
	mx_j_set(c, st, "quit", j_step(c, &s->quit));
	mx_j_set(c, o, "steps", st);
	mx_j_set(c, o, "greeting", j_reply(c, &s->greeting));
	mx_j_set(c, o, "starttls_reply", j_reply(c, &s->starttls_reply));
	mx_j_set(c, o, "used_helo", mx_j_bool(c, s->used_helo));
	mx_j_set(c, o, "caps", j_caps(c, &s->caps));
	mx_j_set(c, o, "caps_tls", j_caps(c, &s->caps_tls));
	mx_j_set(c, o, "stop", mx_j_str(c, mx_stop_name(s->stop)));
	mx_j_set(c, o, "error", mx_j_str(c, s->error));
	mx_j_set(c, o, "transcript", j_transcript(c, &s->tx));
	return o;
}

static json_t *j_cert(struct mx_jc *c, const struct mx_cert *k)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "subject", mx_j_str(c, k->subject));
	mx_j_set(c, o, "issuer", mx_j_str(c, k->issuer));
	mx_j_set(c, o, "cn", mx_j_str(c, k->cn));
	mx_j_set(c, o, "serial", mx_j_str(c, k->serial));
	mx_j_set(c, o, "not_before", mx_j_time(c, k->not_before));
	mx_j_set(c, o, "not_after", mx_j_time(c, k->not_after));
	mx_j_set(c, o, "key_type", mx_j_str(c, k->key_type));
	mx_j_set(c, o, "key_bits", mx_j_int(c, k->key_bits));
	mx_j_set(c, o, "sig_alg", mx_j_str(c, k->sig_alg));
	mx_j_set(c, o, "san_dns", mx_j_strv(c, k->san_dns, k->nsan_dns));
	mx_j_set(c, o, "san_ip", mx_j_strv(c, k->san_ip, k->nsan_ip));
	mx_j_set(c, o, "aia_ca_issuers", mx_j_str(c, k->aia_ca_issuers));
	mx_j_set(c, o, "aia_ocsp", mx_j_str(c, k->aia_ocsp));
	mx_j_set(c, o, "sha256", mx_j_str(c, k->sha256));
	mx_j_set(c, o, "spki_sha256", mx_j_str(c, k->spki_sha256));
	mx_j_set(c, o, "is_ca", mx_j_bool(c, k->is_ca));
	mx_j_set(c, o, "self_issued", mx_j_bool(c, k->self_issued));
	mx_j_set(c, o, "self_signed", mx_j_bool(c, k->self_signed));
	mx_j_set(c, o, "der_base64", jb64(c, k->der, k->der_len));
	return o;
}

static json_t *j_tls(struct mx_jc *c, const struct mx_tls *t)
{
	json_t *o = mx_j_obj(c), *tk = mx_j_obj(c), *ch = mx_j_arr(c),
	       *v = mx_j_obj(c);
	size_t i;

	mx_j_set(c, o, "attempted", mx_j_bool(c, t->attempted));
	mx_j_set(c, o, "completed", mx_j_bool(c, t->completed));
	mx_j_set(c, o, "backend", mx_j_str(c, t->backend));
	mx_j_set(c, o, "sni", mx_j_str(c, t->sni));
	mx_j_set(c, o, "version", mx_j_str(c, t->version));
	mx_j_set(c, o, "suite_id", mx_j_int(c, t->suite_id));
	mx_j_set(c, o, "suite_iana", mx_j_str(c, t->suite_iana));
	mx_j_set(c, o, "suite_openssl", mx_j_str(c, t->suite_openssl));
	mx_j_set(c, tk, "type", mx_j_str(c, t->temp_key_type));
	mx_j_set(c, tk, "group", mx_j_str(c, t->temp_key_group));
	mx_j_set(c, tk, "bits", mx_j_int(c, t->temp_key_bits));
	mx_j_set(c, o, "temp_key", tk);
	mx_j_set(c, o, "alpn", mx_j_str(c, t->alpn));
	mx_j_set(c, o, "fail", mx_j_str(c, mx_tls_fail_name(t->fail)));
	mx_j_set(c, o, "alert", mx_j_int(c, t->alert));
	mx_j_set(c, o, "fail_detail", mx_j_str(c, t->fail_detail));
	mx_j_set(c, o, "handshake_ms", mx_j_int(c, t->handshake_ms));
	for (i = 0; i < t->chain.n; i++)
		mx_j_push(c, ch, j_cert(c, &t->chain.v[i]));
	mx_j_set(c, o, "chain", ch);
	mx_j_set(c, v, "done", mx_j_bool(c, t->verify_done));
	mx_j_set(c, v, "code", mx_j_int(c, t->verify_code));
	mx_j_set(c, v, "error", mx_j_str(c, t->verify_error));
	mx_j_set(c, v, "depth", mx_j_int(c, t->verify_depth));
	mx_j_set(c, v, "verified_chain_len",
		 mx_j_int(c, t->verified_chain_len));
	mx_j_set(c, v, "top_issuer_in_store",
		 mx_j_bool(c, t->top_issuer_in_store));
	mx_j_set(c, v, "top_is_self_signed",
		 mx_j_bool(c, t->top_is_self_signed));
	mx_j_set(c, v, "chain_in_order", mx_j_bool(c, t->chain_in_order));
	mx_j_set(c, o, "verify", v);
	return o;
}

/* ---- connection records (model/conn.h) ---------------------------------- */

/* ISO 8601 UTC with microseconds: 2026-12-07T19:46:22.123456Z. */
static json_t *jtime_us(struct mx_jc *c, int64_t us)
{
	char buf[40], out[48];
	time_t t;

	if (us <= 0)
		return mx_j_null(c);
	t = (time_t)(us / 1000000);
	mx_rep_iso8601(t, buf, sizeof(buf));
	if (buf[0] == 0 || strlen(buf) < 2)
		return mx_j_null(c);
	buf[strlen(buf) - 1] = 0; /* the 'Z' */
	snprintf(out, sizeof(out), "%s.%06lldZ", buf,
		 (long long)(us % 1000000));
	return mx_j_str(c, out);
}

/* A version as its name ("TLSv1.2"), or "0x7f1c" when the model has
 * none; null for 0. */
static json_t *jversion(struct mx_jc *c, uint16_t v)
{
	char buf[8];
	const char *n;

	if (v == 0)
		return mx_j_null(c);
	n = mx_conn_version_name(v);
	if (n)
		return mx_j_str(c, n);
	snprintf(buf, sizeof(buf), "0x%04x", v);
	return mx_j_str(c, buf);
}

static json_t *j_conn_purpose(struct mx_jc *c, const struct mx_conn_purpose *p)
{
	json_t *o = mx_j_obj(c);

	/* Only the fields that mean something for this kind. */
	mx_j_set(c, o, "kind", mx_j_str(c, mx_conn_kind_name(p->kind)));
	if (p->version)
		mx_j_set(c, o, "version", jversion(c, p->version));
	if (p->nsuites)
		mx_j_set(c, o, "suites", mx_j_int(c, p->nsuites));
	if (p->ngroups)
		mx_j_set(c, o, "groups", mx_j_int(c, p->ngroups));
	if (p->step >= 0 && p->kind == MX_CONN_BISECT)
		mx_j_set(c, o, "step", mx_j_int(c, p->step));
	if (p->dropped[0])
		mx_j_set(c, o, "dropped", mx_j_str(c, p->dropped));
	if (p->profile[0])
		mx_j_set(c, o, "profile", mx_j_str(c, p->profile));
	if (p->stack[0])
		mx_j_set(c, o, "stack", mx_j_str(c, p->stack));
	return o;
}

static json_t *j_sockaddr(struct mx_jc *c, const char *addr, uint16_t port)
{
	json_t *o;

	if (addr[0] == 0)
		return mx_j_null(c);
	o = mx_j_obj(c);
	mx_j_set(c, o, "address", mx_j_str(c, addr));
	mx_j_set(c, o, "port", mx_j_int(c, port));
	return o;
}

static json_t *j_connrec(struct mx_jc *c, const struct mx_connrec *r)
{
	json_t *o = mx_j_obj(c), *st = mx_j_obj(c), *end = mx_j_obj(c), *h, *a;
	char key[32];
	int m;

	mx_j_set(c, o, "id", mx_j_int(c, r->id));
	mx_j_set(c, o, "purpose", j_conn_purpose(c, &r->purpose));
	mx_j_set(c, o, "local", j_sockaddr(c, r->local_addr, r->local_port));
	mx_j_set(c, o, "remote", j_sockaddr(c, r->remote_addr, r->remote_port));
	mx_j_set(c, o, "started", jtime_us(c, r->start_wall_us));
	for (m = 0; m < MX_MARK__N; m++) {
		snprintf(key, sizeof(key), "%s_us", mx_conn_mark_name(m));
		mx_j_set(c, st, key,
			 r->mark_us[m] >= 0 ? mx_j_int(c, r->mark_us[m])
					    : mx_j_null(c));
	}
	mx_j_set(c, o, "steps", st);
	mx_j_set(c, o, "bytes_out",
		 mx_j_int(c, r->bytes_out > (uint64_t)INT64_MAX
				     ? INT64_MAX
				     : (long long)r->bytes_out));
	mx_j_set(c, o, "bytes_in",
		 mx_j_int(c, r->bytes_in > (uint64_t)INT64_MAX
				     ? INT64_MAX
				     : (long long)r->bytes_in));
	mx_j_set(c, end, "how", mx_j_str(c, mx_conn_how_name(r->how)));
	if (r->alert >= 0)
		mx_j_set(c, end, "alert", mx_j_int(c, r->alert));
	if (r->err != 0)
		mx_j_set(c, end, "errno", mx_j_int(c, r->err));
	mx_j_set(c, o, "end", end);
	if (r->hello_len > 0) {
		h = mx_j_obj(c);
		mx_j_set(c, h, "length", mx_j_int(c, (long long)r->hello_len));
		mx_j_set(c, h, "min_version",
			 jversion(c, r->hello_min_version));
		mx_j_set(c, h, "max_version",
			 jversion(c, r->hello_max_version));
		mx_j_set(c, h, "suites", mx_j_int(c, r->hello_nsuites));
		mx_j_set(c, h, "groups", mx_j_int(c, r->hello_ngroups));
	} else {
		h = mx_j_null(c);
	}
	mx_j_set(c, o, "hello", h);
	if (r->answer[0]) {
		a = mx_j_obj(c);
		mx_j_set(c, a, "reaction", mx_j_str(c, r->answer));
		mx_j_set(c, a, "version", jversion(c, r->answer_version));
		mx_j_set(c, a, "suite_id",
			 r->answer_suite ? mx_j_int(c, r->answer_suite)
					 : mx_j_null(c));
		mx_j_set(c, a, "group_id",
			 r->answer_group ? mx_j_int(c, r->answer_group)
					 : mx_j_null(c));
	} else {
		a = mx_j_null(c);
	}
	mx_j_set(c, o, "answer", a);
	return o;
}

static json_t *j_capture_info(struct mx_jc *c, const struct mx_capture_info *ci)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "interface", mx_j_str(c, ci->iface));
	mx_j_set(c, o, "frames", mx_j_int(c, (long long)ci->frames));
	mx_j_set(c, o, "flows", mx_j_int(c, (long long)ci->sessions));
	mx_j_set(c, o, "flows_not_ours", mx_j_int(c, (long long)ci->unmatched));
	mx_j_set(c, o, "kernel_dropped", mx_j_int(c, (long long)ci->dropped));
	mx_j_set(c, o, "interface_dropped",
		 mx_j_int(c, (long long)ci->if_dropped));
	mx_j_set(c, o, "store_dropped",
		 mx_j_int(c, (long long)ci->store_dropped));
	mx_j_set(c, o, "pcap_out",
		 ci->pcap_out[0] ? mx_j_str(c, ci->pcap_out) : mx_j_null(c));
	return o;
}

static json_t *j_connections(struct mx_jc *c, const struct mx_endpoint *ep)
{
	json_t *a = mx_j_arr(c);
	size_t i;

	for (i = 0; i < ep->nconns; i++) {
		json_t *o = j_connrec(c, ep->conns[i]);
		size_t k;

		/* --capture: the wire side of this connection */
		for (k = 0; k < ep->ncaps; k++)
			if (ep->caps[k]->conn_id == ep->conns[i]->id) {
				mx_j_set(c, o, "capture",
					 mx_capsess_json(ep->caps[k]));
				break;
			}
		mx_j_push(c, a, o);
	}
	return a;
}

/* DANE: the TLSA facts of the endpoint and the verdict on each record
 * (doc/json.md "dane"). */
static json_t *j_dane(struct mx_jc *c, const struct mx_dane *d)
{
	static const char hex[] = "0123456789abcdef";
	json_t *o = mx_j_obj(c), *rs = mx_j_arr(c);
	size_t i, k;

	mx_j_set(c, o, "looked_up", mx_j_bool(c, d->looked_up));
	mx_j_set(c, o, "qname", mx_j_str(c, d->qname));
	mx_j_set(c, o, "dns_status",
		 mx_j_str(c, mx_dns_status_name(d->status)));
	mx_j_set(c, o, "secure", mx_j_bool(c, d->secure));
	mx_j_set(c, o, "validation",
		 !d->looked_up ? mx_j_null(c)
		 : d->via_ad   ? mx_j_str(c, "resolver_ad")
			       : mx_j_str(c, "trust_anchor"));
	mx_j_set(c, o, "mx_secure", mx_j_bool(c, !d->mx_insecure));
	mx_j_set(c, o, "why_bogus", mx_j_str(c, d->why_bogus));
	mx_j_set(c, o, "ms", mx_j_int(c, d->ms));
	mx_j_set(c, o, "malformed", mx_j_int(c, (long long)d->nmalformed));
	mx_j_set(c, o, "state", mx_j_str(c, mx_dane_state_name(d->state)));
	for (i = 0; i < d->nrr; i++) {
		const struct mx_dane_rr *rr = &d->rr[i];
		json_t *r = mx_j_obj(c);
		char *h = xmalloc(2 * rr->len + 1);

		for (k = 0; k < rr->len; k++) {
			h[2 * k] = hex[rr->data[k] >> 4];
			h[2 * k + 1] = hex[rr->data[k] & 15];
		}
		h[2 * rr->len] = '\0';
		mx_j_set(c, r, "usage", mx_j_int(c, rr->usage));
		mx_j_set(c, r, "usage_name",
			 mx_j_str(c, mx_dane_usage_name(rr->usage)));
		mx_j_set(c, r, "selector", mx_j_int(c, rr->selector));
		mx_j_set(c, r, "matching_type", mx_j_int(c, rr->mtype));
		mx_j_set(c, r, "data", mx_j_str(c, h));
		mx_j_set(c, r, "result",
			 mx_j_str(c, mx_dane_rr_result_name(rr->result)));
		mx_j_set(c, r, "why", mx_j_str(c, rr->why));
		mx_j_push(c, rs, r);
		free(h);
	}
	mx_j_set(c, o, "records", rs);
	return o;
}

static const char *family_name(int family)
{
	return family == AF_INET    ? "ipv4"
	       : family == AF_INET6 ? "ipv6"
				    : "unspec";
}

static json_t *j_endpoint(struct mx_jc *c, const struct mx_endpoint *ep)
{
	json_t *o = mx_j_obj(c), *cols = mx_j_obj(c);
	int i;

	mx_j_set(c, o, "host", mx_j_str(c, ep->host));
	mx_j_set(c, o, "addr", mx_j_str(c, ep->addr));
	mx_j_set(c, o, "family", mx_j_str(c, family_name(ep->family)));
	mx_j_set(c, o, "port", mx_j_int(c, ep->port));
	mx_j_set(c, o, "mode", mx_j_str(c, mx_tls_mode_name(ep->mode)));
	mx_j_set(c, o, "pref", mx_j_int(c, ep->pref));
	mx_j_set(c, o, "started_ms", mx_j_int(c, ep->started_ms));
	mx_j_set(c, o, "total_ms", mx_j_int(c, ep->total_ms));
	for (i = 0; i < MX_COL__N; i++)
		mx_j_set(c, cols, mx_column_name(i),
			 mx_j_str(c, mx_verdict_name(ep->col[i])));
	mx_j_set(c, o, "columns", cols);
	mx_j_set(c, o, "smtp", j_smtp(c, &ep->smtp));
	mx_j_set(c, o, "tls", j_tls(c, &ep->tls));
	mx_j_set(c, o, "dane", j_dane(c, &ep->dane));
	/* Only when enumerated (`ciphers`, `check --deep`). */
	if (ep->enumr != NULL)
		mx_j_set(c, o, "enumeration", mx_json_enumeration(ep->enumr));
	mx_j_set(c, o, "connections", j_connections(c, ep));
	mx_j_set(c, o, "findings", mx_j_findings(c, &ep->findings));
	return o;
}

static json_t *j_host(struct mx_jc *c, const struct mx_host *h)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "name", mx_j_str(c, h->name));
	mx_j_set(c, o, "pref", mx_j_int(c, h->pref));
	mx_j_set(c, o, "a_status",
		 mx_j_str(c, mx_dns_status_name(h->a_status)));
	mx_j_set(c, o, "aaaa_status",
		 mx_j_str(c, mx_dns_status_name(h->aaaa_status)));
	mx_j_set(c, o, "dnssec_secure", mx_j_bool(c, h->dnssec_secure));
	mx_j_set(c, o, "dns_ms", mx_j_int(c, h->dns_ms));
	mx_j_set(c, o, "first_endpoint", mx_j_int(c, (long long)h->first_ep));
	mx_j_set(c, o, "endpoint_count", mx_j_int(c, (long long)h->nep));
	return o;
}

/* MTA-STS and TLS-RPT of a domain (doc/json.md "mta_sts", "tls_rpt"). */
static json_t *j_txt(struct mx_jc *c, const struct mx_txt_lookup *l)
{
	json_t *o = mx_j_obj(c), *a = mx_j_arr(c);
	size_t i;

	mx_j_set(c, o, "qname", mx_j_str(c, l->qname));
	mx_j_set(c, o, "dns_status",
		 mx_j_str(c, mx_dns_status_name(l->status)));
	mx_j_set(c, o, "secure", mx_j_bool(c, l->secure));
	mx_j_set(c, o, "ms", mx_j_int(c, l->ms));
	for (i = 0; i < l->n; i++)
		mx_j_push(c, a, mx_j_str(c, l->v[i].text));
	mx_j_set(c, o, "records", a);
	return o;
}

static void j_sts(struct mx_jc *c, json_t *o, const struct mx_sts *s)
{
	json_t *m = mx_j_obj(c), *p = mx_j_obj(c), *r = mx_j_obj(c);

	mx_j_set(c, m, "txt", j_txt(c, &s->txt));
	mx_j_set(c, m, "txt_valid", mx_j_bool(c, s->txt_valid));
	mx_j_set(c, m, "id", mx_j_str(c, s->txt_id));
	mx_j_set(c, p, "url", mx_j_str(c, s->policy_url));
	mx_j_set(c, p, "host_dns_status",
		 mx_j_str(c, mx_dns_status_name(s->host_status)));
	mx_j_set(c, p, "address", mx_j_str(c, s->policy_addr));
	mx_j_set(c, p, "fetched", mx_j_bool(c, s->fetched));
	mx_j_set(c, p, "http_status",
		 s->http_status ? mx_j_int(c, s->http_status) : mx_j_null(c));
	mx_j_set(c, p, "content_type", mx_j_str(c, s->content_type));
	mx_j_set(c, p, "location", mx_j_str(c, s->location));
	mx_j_set(c, p, "error", mx_j_str(c, s->curl_error));
	mx_j_set(c, p, "too_large", mx_j_bool(c, s->too_large));
	mx_j_set(c, p, "bytes", mx_j_int(c, (long long)s->body_len));
	mx_j_set(c, p, "text", mx_j_str(c, s->policy_text));
	mx_j_set(c, p, "connect_ms", mx_j_int(c, s->connect_ms));
	mx_j_set(c, p, "tls_ms", mx_j_int(c, s->tls_ms));
	mx_j_set(c, p, "total_ms", mx_j_int(c, s->total_ms));
	mx_j_set(c, p, "valid", mx_j_bool(c, s->policy_valid));
	mx_j_set(c, p, "mode", mx_j_str(c, s->mode));
	mx_j_set(c, p, "max_age",
		 s->max_age >= 0 ? mx_j_int(c, s->max_age) : mx_j_null(c));
	mx_j_set(c, p, "mx", mx_j_strv(c, s->mx, s->nmx));
	mx_j_set(c, m, "policy", p);
	mx_j_set(c, m, "errors", mx_j_strv(c, s->errors, s->nerrors));
	mx_j_set(c, m, "state", mx_j_str(c, mx_sts_state_name(s->state)));
	mx_j_set(c, o, "mta_sts", m);
	mx_j_set(c, r, "txt", j_txt(c, &s->rpt));
	mx_j_set(c, r, "rua", mx_j_strv(c, s->rpt_uris, s->nrpt_uris));
	mx_j_set(c, r, "state", mx_j_str(c, mx_rpt_state_name(s->rpt_state)));
	mx_j_set(c, o, "tls_rpt", r);
}

static json_t *j_target(struct mx_jc *c, const struct mx_target *t)
{
	json_t *o = mx_j_obj(c), *dns = mx_j_obj(c), *hs = mx_j_arr(c),
	       *eps = mx_j_arr(c);
	size_t i;

	mx_j_set(c, o, "spec", mx_j_str(c, t->spec));
	mx_j_set(c, o, "kind",
		 mx_j_str(c, t->kind == MX_TARGET_DOMAIN ? "domain" : "host"));
	mx_j_set(c, o, "name", mx_j_str(c, t->name));
	mx_j_set(c, o, "port", mx_j_int(c, t->port));
	mx_j_set(c, o, "mode", mx_j_str(c, mx_tls_mode_name(t->mode)));
	mx_j_set(c, dns, "mx_status",
		 mx_j_str(c, mx_dns_status_name(t->mx_status)));
	mx_j_set(c, dns, "mx_dnssec_secure", mx_j_bool(c, t->mx_dnssec_secure));
	mx_j_set(c, dns, "null_mx", mx_j_bool(c, t->null_mx));
	mx_j_set(c, dns, "implicit_mx", mx_j_bool(c, t->implicit_mx));
	mx_j_set(c, dns, "dns_ms", mx_j_int(c, t->dns_ms));
	mx_j_set(c, dns, "error", mx_j_str(c, t->dns_error));
	mx_j_set(c, o, "dns", dns);
	for (i = 0; i < t->nhosts; i++)
		mx_j_push(c, hs, j_host(c, &t->hosts[i]));
	mx_j_set(c, o, "hosts", hs);
	for (i = 0; i < t->nendpoints; i++)
		mx_j_push(c, eps, j_endpoint(c, &t->endpoints[i]));
	mx_j_set(c, o, "endpoints", eps);
	if (t->sts.looked_up) /* check on a domain */
		j_sts(c, o, &t->sts);
	mx_j_set(c, o, "findings", mx_j_findings(c, &t->findings));
	mx_j_set(c, o, "worst", mx_j_str(c, mx_severity_name(t->worst)));
	mx_j_set(c, o, "confidence",
		 t->confidence >= 0 ? mx_j_int(c, t->confidence)
				    : mx_j_null(c));
	return o;
}

static json_t *check_root(struct mx_jc *c, const struct mx_run *run)
{
	json_t *root, *ts = mx_j_arr(c);
	size_t i;

	root = mx_j_envelope(c, "check", MX_JSON_SCHEMA_VERSION,
			     run->tool_version, run->started,
			     (int)run->exit_status);
	mx_j_set(c, root, "elapsed_ms", mx_j_int(c, run->elapsed_ms));
	mx_j_set(c, root, "helo", mx_j_str(c, run->helo));
	mx_j_set(c, root, "timeout_ms", mx_j_int(c, run->timeout_ms));
	/* SIGINT/SIGTERM cut the run short (doc/exit-status.md). */
	mx_j_set(c, root, "interrupted", mx_j_bool(c, run->interrupted));
	if (run->capture.on)
		mx_j_set(c, root, "capture", j_capture_info(c, &run->capture));
	for (i = 0; i < run->ntargets; i++)
		mx_j_push(c, ts, j_target(c, &run->targets[i]));
	mx_j_set(c, root, "targets", ts);
	return root;
}

int mx_report_json(FILE *out, const struct mx_run *run)
{
	struct mx_jc c = {0};

	return mx_j_dump(&c, out, check_root(&c, run));
}

char *mx_report_json_line(const struct mx_run *run)
{
	struct mx_jc c = {0};
	json_t *root = check_root(&c, run);
	char *s = NULL;

	if (!c.err && root != NULL)
		s = json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(root);
	return s;
}
