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
#include "reports/util.h"

struct jctx {
	int err; /* sticky: a jansson allocation failed */
};

static json_t *chk(struct jctx *c, json_t *j)
{
	if (j == NULL)
		c->err = 1;
	return j;
}

static void set(struct jctx *c, json_t *o, const char *key, json_t *v)
{
	if (v == NULL || o == NULL) {
		c->err = 1;
		json_decref(v);
		return;
	}
	if (json_object_set_new(o, key, v) != 0)
		c->err = 1;
}

static void push(struct jctx *c, json_t *a, json_t *v)
{
	if (v == NULL || a == NULL) {
		c->err = 1;
		json_decref(v);
		return;
	}
	if (json_array_append_new(a, v) != 0)
		c->err = 1;
}

static json_t *jstr(struct jctx *c, const char *s)
{
	json_t *j;
	char *safe;
	size_t i;

	if (s == NULL)
		return chk(c, json_null());
	j = json_string(s);
	if (j != NULL)
		return j;
	safe = xstrdup(s);
	for (i = 0; safe[i]; i++)
		if ((unsigned char)safe[i] < 0x20 ||
		    (unsigned char)safe[i] >= 0x7f)
			safe[i] = '?';
	j = json_string(safe);
	free(safe);
	return chk(c, j);
}

static json_t *jint(struct jctx *c, long long v)
{
	return chk(c, json_integer((json_int_t)v));
}

static json_t *jbool(struct jctx *c, int v)
{
	return chk(c, json_boolean(v));
}

static json_t *jtime(struct jctx *c, time_t t)
{
	char buf[32];

	mx_rep_iso8601(t, buf, sizeof(buf));
	return buf[0] ? jstr(c, buf) : chk(c, json_null());
}

static json_t *jobj(struct jctx *c)
{
	return chk(c, json_object());
}

static json_t *jarr(struct jctx *c)
{
	return chk(c, json_array());
}

static json_t *jstrv(struct jctx *c, char *const *v, size_t n)
{
	json_t *a = jarr(c);
	size_t i;

	for (i = 0; i < n; i++)
		push(c, a, jstr(c, v[i]));
	return a;
}

/* Base64 of DER (RFC 4648 section 4), one line. */
static json_t *jb64(struct jctx *c, const uint8_t *p, size_t len)
{
	unsigned char *out;
	json_t *j;

	if (p == NULL || len == 0)
		return jstr(c, "");
	if (len > (size_t)INT32_MAX / 2) {
		c->err = 1;
		return NULL;
	}
	out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock(out, p, (int)len);
	j = jstr(c, (char *)out);
	free(out);
	return j;
}

/* ---- model pieces ----------------------------------------------------- */

static json_t *j_finding(struct jctx *c, const struct mx_finding *f)
{
	json_t *o = jobj(c);

	set(c, o, "id", jstr(c, f->def->id));
	set(c, o, "severity", jstr(c, mx_severity_name(f->severity)));
	set(c, o, "default_severity",
	    jstr(c, mx_severity_name(f->def->severity)));
	set(c, o, "title", jstr(c, f->def->title));
	set(c, o, "where", jstr(c, f->where));
	set(c, o, "evidence", jstr(c, f->evidence));
	set(c, o, "fix", jstr(c, f->fix ? f->fix : f->def->fix));
	set(c, o, "reference", jstr(c, f->def->reference));
	return o;
}

static json_t *j_findings(struct jctx *c, const struct mx_findings *fs)
{
	json_t *a = jarr(c);
	size_t i;

	for (i = 0; i < fs->n; i++)
		push(c, a, j_finding(c, &fs->v[i]));
	return a;
}

static json_t *j_reply(struct jctx *c, const struct mx_reply *r)
{
	json_t *o;

	if (r->code == 0 && r->text == NULL && r->nlines == 0)
		return chk(c, json_null());
	o = jobj(c);
	set(c, o, "code", jint(c, r->code));
	set(c, o, "enhanced", jstr(c, r->enh[0] ? r->enh : NULL));
	set(c, o, "lines", jint(c, (long long)r->nlines));
	set(c, o, "text", jstr(c, r->text));
	return o;
}

static json_t *j_caps(struct jctx *c, const struct mx_caps *k)
{
	json_t *o;

	if (!k->valid)
		return chk(c, json_null());
	o = jobj(c);
	set(c, o, "flags", jint(c, k->flags));
	set(c, o, "size",
	    jint(c, k->size > (uint64_t)INT64_MAX ? INT64_MAX
						  : (long long)k->size));
	set(c, o, "auth", jstr(c, k->auth));
	set(c, o, "keywords", jstrv(c, k->keywords, k->nkeywords));
	return o;
}

static json_t *j_step(struct jctx *c, const struct mx_step *s)
{
	json_t *o = jobj(c);

	set(c, o, "state", jstr(c, mx_step_state_name(s->state)));
	set(c, o, "ms", jint(c, s->ms));
	return o;
}

static json_t *j_transcript(struct jctx *c, const struct mx_transcript *tx)
{
	static const char *const dir[] = {[MX_TX_SENT] = "sent",
					  [MX_TX_RECV] = "recv",
					  [MX_TX_NOTE] = "note"};
	json_t *o = jobj(c), *a = jarr(c);
	size_t i;

	for (i = 0; i < tx->n; i++) {
		json_t *l = jobj(c);

		set(c, l, "dir",
		    jstr(c, (size_t)tx->v[i].dir < 3 ? dir[tx->v[i].dir]
						     : "note"));
		set(c, l, "t_ms", jint(c, tx->v[i].t_ms));
		set(c, l, "text", jstr(c, tx->v[i].text));
		push(c, a, l);
	}
	set(c, o, "lines", a);
	set(c, o, "dropped", jint(c, (long long)tx->dropped));
	return o;
}

static json_t *j_smtp(struct jctx *c, const struct mx_smtp *s)
{
	json_t *o = jobj(c), *st = jobj(c);

	set(c, st, "connect", j_step(c, &s->connect));
	set(c, st, "banner", j_step(c, &s->banner));
	set(c, st, "ehlo", j_step(c, &s->ehlo));
	set(c, st, "starttls", j_step(c, &s->starttls));
	set(c, st, "tls", j_step(c, &s->tls));
	set(c, st, "ehlo_tls", j_step(c, &s->ehlo_tls));
	set(c, st, "quit", j_step(c, &s->quit));
	set(c, o, "steps", st);
	set(c, o, "greeting", j_reply(c, &s->greeting));
	set(c, o, "starttls_reply", j_reply(c, &s->starttls_reply));
	set(c, o, "used_helo", jbool(c, s->used_helo));
	set(c, o, "caps", j_caps(c, &s->caps));
	set(c, o, "caps_tls", j_caps(c, &s->caps_tls));
	set(c, o, "stop", jstr(c, mx_stop_name(s->stop)));
	set(c, o, "error", jstr(c, s->error));
	set(c, o, "transcript", j_transcript(c, &s->tx));
	return o;
}

static json_t *j_cert(struct jctx *c, const struct mx_cert *k)
{
	json_t *o = jobj(c);

	set(c, o, "subject", jstr(c, k->subject));
	set(c, o, "issuer", jstr(c, k->issuer));
	set(c, o, "cn", jstr(c, k->cn));
	set(c, o, "serial", jstr(c, k->serial));
	set(c, o, "not_before", jtime(c, k->not_before));
	set(c, o, "not_after", jtime(c, k->not_after));
	set(c, o, "key_type", jstr(c, k->key_type));
	set(c, o, "key_bits", jint(c, k->key_bits));
	set(c, o, "sig_alg", jstr(c, k->sig_alg));
	set(c, o, "san_dns", jstrv(c, k->san_dns, k->nsan_dns));
	set(c, o, "san_ip", jstrv(c, k->san_ip, k->nsan_ip));
	set(c, o, "aia_ca_issuers", jstr(c, k->aia_ca_issuers));
	set(c, o, "aia_ocsp", jstr(c, k->aia_ocsp));
	set(c, o, "sha256", jstr(c, k->sha256));
	set(c, o, "spki_sha256", jstr(c, k->spki_sha256));
	set(c, o, "is_ca", jbool(c, k->is_ca));
	set(c, o, "self_issued", jbool(c, k->self_issued));
	set(c, o, "self_signed", jbool(c, k->self_signed));
	set(c, o, "der_base64", jb64(c, k->der, k->der_len));
	return o;
}

static json_t *j_tls(struct jctx *c, const struct mx_tls *t)
{
	json_t *o = jobj(c), *tk = jobj(c), *ch = jarr(c), *v = jobj(c);
	size_t i;

	set(c, o, "attempted", jbool(c, t->attempted));
	set(c, o, "completed", jbool(c, t->completed));
	set(c, o, "backend", jstr(c, t->backend));
	set(c, o, "sni", jstr(c, t->sni));
	set(c, o, "version", jstr(c, t->version));
	set(c, o, "suite_id", jint(c, t->suite_id));
	set(c, o, "suite_iana", jstr(c, t->suite_iana));
	set(c, o, "suite_openssl", jstr(c, t->suite_openssl));
	set(c, tk, "type", jstr(c, t->temp_key_type));
	set(c, tk, "group", jstr(c, t->temp_key_group));
	set(c, tk, "bits", jint(c, t->temp_key_bits));
	set(c, o, "temp_key", tk);
	set(c, o, "alpn", jstr(c, t->alpn));
	set(c, o, "fail", jstr(c, mx_tls_fail_name(t->fail)));
	set(c, o, "alert", jint(c, t->alert));
	set(c, o, "fail_detail", jstr(c, t->fail_detail));
	set(c, o, "handshake_ms", jint(c, t->handshake_ms));
	for (i = 0; i < t->chain.n; i++)
		push(c, ch, j_cert(c, &t->chain.v[i]));
	set(c, o, "chain", ch);
	set(c, v, "done", jbool(c, t->verify_done));
	set(c, v, "code", jint(c, t->verify_code));
	set(c, v, "error", jstr(c, t->verify_error));
	set(c, v, "depth", jint(c, t->verify_depth));
	set(c, v, "verified_chain_len", jint(c, t->verified_chain_len));
	set(c, v, "top_issuer_in_store", jbool(c, t->top_issuer_in_store));
	set(c, v, "top_is_self_signed", jbool(c, t->top_is_self_signed));
	set(c, v, "chain_in_order", jbool(c, t->chain_in_order));
	set(c, o, "verify", v);
	return o;
}

/* ---- connection records (model/conn.h) ---------------------------------- */

/* ISO 8601 UTC with microseconds: 2026-12-07T19:46:22.123456Z. */
static json_t *jtime_us(struct jctx *c, int64_t us)
{
	char buf[40], out[48];
	time_t t;

	if (us <= 0)
		return chk(c, json_null());
	t = (time_t)(us / 1000000);
	mx_rep_iso8601(t, buf, sizeof(buf));
	if (buf[0] == 0 || strlen(buf) < 2)
		return chk(c, json_null());
	buf[strlen(buf) - 1] = 0; /* the 'Z' */
	snprintf(out, sizeof(out), "%s.%06lldZ", buf,
		 (long long)(us % 1000000));
	return jstr(c, out);
}

/* A version as its name ("TLSv1.2"), or "0x7f1c" when the model has
 * none; null for 0. */
static json_t *jversion(struct jctx *c, uint16_t v)
{
	char buf[8];
	const char *n;

	if (v == 0)
		return chk(c, json_null());
	n = mx_conn_version_name(v);
	if (n)
		return jstr(c, n);
	snprintf(buf, sizeof(buf), "0x%04x", v);
	return jstr(c, buf);
}

static json_t *j_conn_purpose(struct jctx *c, const struct mx_conn_purpose *p)
{
	json_t *o = jobj(c);

	/* Only the fields that mean something for this kind. */
	set(c, o, "kind", jstr(c, mx_conn_kind_name(p->kind)));
	if (p->version)
		set(c, o, "version", jversion(c, p->version));
	if (p->nsuites)
		set(c, o, "suites", jint(c, p->nsuites));
	if (p->ngroups)
		set(c, o, "groups", jint(c, p->ngroups));
	if (p->step >= 0 && p->kind == MX_CONN_BISECT)
		set(c, o, "step", jint(c, p->step));
	if (p->dropped[0])
		set(c, o, "dropped", jstr(c, p->dropped));
	if (p->profile[0])
		set(c, o, "profile", jstr(c, p->profile));
	if (p->stack[0])
		set(c, o, "stack", jstr(c, p->stack));
	return o;
}

static json_t *j_sockaddr(struct jctx *c, const char *addr, uint16_t port)
{
	json_t *o;

	if (addr[0] == 0)
		return chk(c, json_null());
	o = jobj(c);
	set(c, o, "address", jstr(c, addr));
	set(c, o, "port", jint(c, port));
	return o;
}

static json_t *j_connrec(struct jctx *c, const struct mx_connrec *r)
{
	json_t *o = jobj(c), *st = jobj(c), *end = jobj(c), *h, *a;
	char key[32];
	int m;

	set(c, o, "id", jint(c, r->id));
	set(c, o, "purpose", j_conn_purpose(c, &r->purpose));
	set(c, o, "local", j_sockaddr(c, r->local_addr, r->local_port));
	set(c, o, "remote", j_sockaddr(c, r->remote_addr, r->remote_port));
	set(c, o, "started", jtime_us(c, r->start_wall_us));
	for (m = 0; m < MX_MARK__N; m++) {
		snprintf(key, sizeof(key), "%s_us", mx_conn_mark_name(m));
		set(c, st, key,
		    r->mark_us[m] >= 0 ? jint(c, r->mark_us[m])
				       : chk(c, json_null()));
	}
	set(c, o, "steps", st);
	set(c, o, "bytes_out",
	    jint(c, r->bytes_out > (uint64_t)INT64_MAX
			    ? INT64_MAX
			    : (long long)r->bytes_out));
	set(c, o, "bytes_in",
	    jint(c, r->bytes_in > (uint64_t)INT64_MAX
			    ? INT64_MAX
			    : (long long)r->bytes_in));
	set(c, end, "how", jstr(c, mx_conn_how_name(r->how)));
	if (r->alert >= 0)
		set(c, end, "alert", jint(c, r->alert));
	if (r->err != 0)
		set(c, end, "errno", jint(c, r->err));
	set(c, o, "end", end);
	if (r->hello_len > 0) {
		h = jobj(c);
		set(c, h, "length", jint(c, (long long)r->hello_len));
		set(c, h, "min_version", jversion(c, r->hello_min_version));
		set(c, h, "max_version", jversion(c, r->hello_max_version));
		set(c, h, "suites", jint(c, r->hello_nsuites));
		set(c, h, "groups", jint(c, r->hello_ngroups));
	} else {
		h = chk(c, json_null());
	}
	set(c, o, "hello", h);
	if (r->answer[0]) {
		a = jobj(c);
		set(c, a, "reaction", jstr(c, r->answer));
		set(c, a, "version", jversion(c, r->answer_version));
		set(c, a, "suite_id",
		    r->answer_suite ? jint(c, r->answer_suite)
				    : chk(c, json_null()));
		set(c, a, "group_id",
		    r->answer_group ? jint(c, r->answer_group)
				    : chk(c, json_null()));
	} else {
		a = chk(c, json_null());
	}
	set(c, o, "answer", a);
	return o;
}

static json_t *j_connections(struct jctx *c, const struct mx_endpoint *ep)
{
	json_t *a = jarr(c);
	size_t i;

	for (i = 0; i < ep->nconns; i++)
		push(c, a, j_connrec(c, ep->conns[i]));
	return a;
}

static const char *family_name(int family)
{
	return family == AF_INET    ? "ipv4"
	       : family == AF_INET6 ? "ipv6"
				    : "unspec";
}

static json_t *j_endpoint(struct jctx *c, const struct mx_endpoint *ep)
{
	json_t *o = jobj(c), *cols = jobj(c);
	int i;

	set(c, o, "host", jstr(c, ep->host));
	set(c, o, "addr", jstr(c, ep->addr));
	set(c, o, "family", jstr(c, family_name(ep->family)));
	set(c, o, "port", jint(c, ep->port));
	set(c, o, "mode", jstr(c, mx_tls_mode_name(ep->mode)));
	set(c, o, "pref", jint(c, ep->pref));
	set(c, o, "started_ms", jint(c, ep->started_ms));
	set(c, o, "total_ms", jint(c, ep->total_ms));
	for (i = 0; i < MX_COL__N; i++)
		set(c, cols, mx_column_name(i),
		    jstr(c, mx_verdict_name(ep->col[i])));
	set(c, o, "columns", cols);
	set(c, o, "smtp", j_smtp(c, &ep->smtp));
	set(c, o, "tls", j_tls(c, &ep->tls));
	/* Only when enumerated (`ciphers`, `check --deep`). */
	if (ep->enumr != NULL)
		set(c, o, "enumeration", mx_json_enumeration(ep->enumr));
	set(c, o, "connections", j_connections(c, ep));
	set(c, o, "findings", j_findings(c, &ep->findings));
	return o;
}

static json_t *j_host(struct jctx *c, const struct mx_host *h)
{
	json_t *o = jobj(c);

	set(c, o, "name", jstr(c, h->name));
	set(c, o, "pref", jint(c, h->pref));
	set(c, o, "a_status", jstr(c, mx_dns_status_name(h->a_status)));
	set(c, o, "aaaa_status", jstr(c, mx_dns_status_name(h->aaaa_status)));
	set(c, o, "dnssec_secure", jbool(c, h->dnssec_secure));
	set(c, o, "dns_ms", jint(c, h->dns_ms));
	set(c, o, "first_endpoint", jint(c, (long long)h->first_ep));
	set(c, o, "endpoint_count", jint(c, (long long)h->nep));
	return o;
}

static json_t *j_target(struct jctx *c, const struct mx_target *t)
{
	json_t *o = jobj(c), *dns = jobj(c), *hs = jarr(c), *eps = jarr(c);
	size_t i;

	set(c, o, "spec", jstr(c, t->spec));
	set(c, o, "kind",
	    jstr(c, t->kind == MX_TARGET_DOMAIN ? "domain" : "host"));
	set(c, o, "name", jstr(c, t->name));
	set(c, o, "port", jint(c, t->port));
	set(c, o, "mode", jstr(c, mx_tls_mode_name(t->mode)));
	set(c, dns, "mx_status", jstr(c, mx_dns_status_name(t->mx_status)));
	set(c, dns, "mx_dnssec_secure", jbool(c, t->mx_dnssec_secure));
	set(c, dns, "null_mx", jbool(c, t->null_mx));
	set(c, dns, "implicit_mx", jbool(c, t->implicit_mx));
	set(c, dns, "dns_ms", jint(c, t->dns_ms));
	set(c, dns, "error", jstr(c, t->dns_error));
	set(c, o, "dns", dns);
	for (i = 0; i < t->nhosts; i++)
		push(c, hs, j_host(c, &t->hosts[i]));
	set(c, o, "hosts", hs);
	for (i = 0; i < t->nendpoints; i++)
		push(c, eps, j_endpoint(c, &t->endpoints[i]));
	set(c, o, "endpoints", eps);
	set(c, o, "findings", j_findings(c, &t->findings));
	set(c, o, "worst", jstr(c, mx_severity_name(t->worst)));
	set(c, o, "confidence",
	    t->confidence >= 0 ? jint(c, t->confidence) : chk(c, json_null()));
	return o;
}

int mx_report_json(FILE *out, const struct mx_run *run)
{
	struct jctx c = {0};
	json_t *root = jobj(&c), *tool = jobj(&c), *ts = jarr(&c);
	size_t i;
	int rc = -1;

	set(&c, root, "schema", jstr(&c, MX_JSON_SCHEMA_ID));
	set(&c, root, "schema_version", jint(&c, MX_JSON_SCHEMA_VERSION));
	set(&c, tool, "name", jstr(&c, "mxprobe"));
	set(&c, tool, "version", jstr(&c, run->tool_version));
	set(&c, root, "tool", tool);
	set(&c, root, "started", jtime(&c, run->started));
	set(&c, root, "elapsed_ms", jint(&c, run->elapsed_ms));
	set(&c, root, "helo", jstr(&c, run->helo));
	set(&c, root, "timeout_ms", jint(&c, run->timeout_ms));
	set(&c, root, "exit_status", jint(&c, (int)run->exit_status));
	set(&c, root, "status", jstr(&c, mx_rep_exit_name(run->exit_status)));
	/* SIGINT/SIGTERM cut the run short (doc/exit-status.md). */
	set(&c, root, "interrupted", chk(&c, json_boolean(run->interrupted)));
	for (i = 0; i < run->ntargets; i++)
		push(&c, ts, j_target(&c, &run->targets[i]));
	set(&c, root, "targets", ts);
	if (!c.err &&
	    json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 &&
	    fputc('\n', out) != EOF && fflush(out) == 0 && !ferror(out))
		rc = 0;
	json_decref(root);
	return rc;
}
