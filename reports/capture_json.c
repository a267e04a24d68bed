/*
 * capture_json.c - the `capture` object of a session and the streamed
 * document of `mxprobe pcap FILE --json`; see capture_json.h.
 */
#include "reports/capture_json.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reports/jsonutil.h"
#include "wire/tls_registry.h"

struct mx_pcap_json {
	FILE *tmp; /* the sessions, each indented for the array */
	size_t n;
	int err;
};

/* ISO 8601 UTC with microseconds; null for 0. */
static json_t *jtime_us(struct mx_jc *c, int64_t us)
{
	char buf[40], out[48];
	size_t l;

	if (us <= 0)
		return mx_j_null(c);
	mx_rep_iso8601((time_t)(us / 1000000), buf, sizeof(buf));
	l = strlen(buf);
	if (l < 2)
		return mx_j_null(c);
	buf[l - 1] = '\0'; /* the 'Z' */
	snprintf(out, sizeof(out), "%s.%06lldZ", buf,
		 (long long)(us % 1000000));
	return mx_j_str(c, out);
}

/* A version's name, "0x7f1c" when it has none, null for 0. */
static json_t *jversion(struct mx_jc *c, uint16_t v)
{
	char buf[8];
	const char *n;

	if (v == 0)
		return mx_j_null(c);
	n = mx_tls_version_name(v);
	if (n == NULL) {
		snprintf(buf, sizeof(buf), "0x%04x", v);
		n = buf;
	}
	return mx_j_str(c, n);
}

static json_t *jsuite(struct mx_jc *c, uint16_t id)
{
	const struct mx_suite *s = mx_suite_by_id(id);
	char buf[8];

	if (s != NULL)
		return mx_j_str(c, s->iana);
	snprintf(buf, sizeof(buf), "0x%04x", id);
	return mx_j_str(c, buf);
}

static json_t *jdirs(struct mx_jc *c, const uint64_t v[2])
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "client", mx_j_int(c, (long long)v[0]));
	mx_j_set(c, o, "server", mx_j_int(c, (long long)v[1]));
	return o;
}

/* When each side sent FIN (or RST), as an offset from the start. */
static json_t *jclose(struct mx_jc *c, const int dir[2], const int64_t us[2],
		      int64_t start)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "client_us",
		 dir[0] ? mx_j_int(c, us[0] - start) : mx_j_null(c));
	mx_j_set(c, o, "server_us",
		 dir[1] ? mx_j_int(c, us[1] - start) : mx_j_null(c));
	return o;
}

static const char *dir_name(int d)
{
	return d ? "server" : "client";
}

static json_t *jpeer(struct mx_jc *c, const char *addr, unsigned port)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "address", mx_j_str(c, addr));
	mx_j_set(c, o, "port", mx_j_int(c, port));
	return o;
}

static json_t *jsmtp(struct mx_jc *c, const struct mx_capsess *s)
{
	json_t *o = mx_j_obj(c), *lines = mx_j_arr(c);
	size_t i;

	mx_j_set(c, o, "seen", mx_j_bool(c, s->smtp));
	mx_j_set(c, o, "starttls_offered", mx_j_bool(c, s->starttls_offered));
	mx_j_set(c, o, "starttls_sent", mx_j_bool(c, s->starttls_sent));
	mx_j_set(c, o, "starttls_reply",
		 s->starttls_reply ? mx_j_int(c, s->starttls_reply)
				   : mx_j_null(c));
	mx_j_set(c, o, "implicit_tls", mx_j_bool(c, s->implicit_tls));
	mx_j_set(c, o, "auth_seen", mx_j_bool(c, s->auth_seen));
	for (i = 0; i < s->nsmtp && i < MX_CAP_MAX_SMTP; i++) {
		const struct mx_cap_smtp_line *l = &s->smtp_lines[i];
		json_t *e = mx_j_obj(c);

		mx_j_set(c, e, "t_us", mx_j_int(c, l->t_us - s->start_us));
		mx_j_set(c, e, "dir", mx_j_str(c, dir_name(l->dir)));
		mx_j_set(c, e, "code",
			 l->code ? mx_j_int(c, l->code) : mx_j_null(c));
		mx_j_set(c, e, "text", mx_j_str(c, l->text ? l->text : ""));
		mx_j_push(c, lines, e);
	}
	mx_j_set(c, o, "transcript", lines);
	mx_j_set(c, o, "dropped", mx_j_int(c, (long long)s->smtp_dropped));
	return o;
}

static json_t *jhello(struct mx_jc *c, const struct mx_capsess *s,
		      const struct mx_cap_hello *h)
{
	json_t *o = mx_j_obj(c), *suites = mx_j_arr(c);
	unsigned i;

	mx_j_set(c, o, "t_us", mx_j_int(c, h->t_us - s->start_us));
	mx_j_set(c, o, "frame", mx_j_int(c, (long long)h->frame));
	mx_j_set(c, o, "bytes", mx_j_int(c, (long long)h->len));
	mx_j_set(c, o, "legacy_version", jversion(c, h->legacy_version));
	mx_j_set(c, o, "max_version", jversion(c, h->max_version));
	mx_j_set(c, o, "sni", h->sni[0] ? mx_j_str(c, h->sni) : mx_j_null(c));
	mx_j_set(c, o, "suite_count", mx_j_int(c, h->nsuites));
	for (i = 0; i < h->nsuites && i < 64; i++)
		mx_j_push(c, suites, jsuite(c, h->suites[i]));
	mx_j_set(c, o, "suites", suites);
	mx_j_set(c, o, "group_count", mx_j_int(c, h->ngroups));
	mx_j_set(c, o, "extension_count", mx_j_int(c, h->next));
	mx_j_set(c, o, "ja3", mx_j_str(c, h->ja3));
	mx_j_set(c, o, "ja3_md5", mx_j_str(c, h->ja3_md5));
	return o;
}

static void sha256_hex(const unsigned char *p, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	out[0] = '\0';
	if (p == NULL || EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1)
		return;
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static json_t *jtls(struct mx_jc *c, const struct mx_capsess *s)
{
	json_t *o, *hs, *chain, *dh = NULL, *alert = NULL;
	const struct mx_group *g;
	char hex[65];
	size_t i;

	if (!s->tls)
		return mx_j_null(c);
	o = mx_j_obj(c);
	hs = mx_j_arr(c);
	for (i = 0; i < s->nhellos && i < MX_CAP_MAX_HELLOS; i++)
		mx_j_push(c, hs, jhello(c, s, &s->hellos[i]));
	mx_j_set(c, o, "client_hellos", hs);
	mx_j_set(c, o, "server_hello", mx_j_bool(c, s->server_hello));
	mx_j_set(c, o, "hello_retry_request", mx_j_bool(c, s->hrr));
	mx_j_set(c, o, "tls_version",
		 s->server_hello ? jversion(c, s->version) : mx_j_null(c));
	mx_j_set(c, o, "cipher",
		 s->server_hello ? jsuite(c, s->suite) : mx_j_null(c));
	mx_j_set(c, o, "cipher_id",
		 s->server_hello ? mx_j_int(c, s->suite) : mx_j_null(c));
	mx_j_set(c, o, "ja3s",
		 s->ja3s[0] ? mx_j_str(c, s->ja3s) : mx_j_null(c));
	mx_j_set(c, o, "ja3s_md5",
		 s->ja3s_md5[0] ? mx_j_str(c, s->ja3s_md5) : mx_j_null(c));
	g = s->group ? mx_group_by_id(s->group) : NULL;
	mx_j_set(c, o, "group",
		 s->group == 0 ? mx_j_null(c)
		 : g	       ? mx_j_str(c, g->iana)
			       : mx_j_int(c, s->group));
	if (s->dh_bits > 0) {
		dh = mx_j_obj(c);
		mx_j_set(c, dh, "bits", mx_j_int(c, s->dh_bits));
		mx_j_set(c, dh, "prime",
			 s->dh_prime_name[0] ? mx_j_str(c, s->dh_prime_name)
					     : mx_j_null(c));
		mx_j_set(c, dh, "known_safe_prime",
			 mx_j_bool(c, s->dh_prime_known_safe));
	}
	mx_j_set(c, o, "dh", dh ? dh : mx_j_null(c));
	chain = mx_j_arr(c);
	for (i = 0; i < s->ncerts && i < MX_CAP_MAX_CERTS; i++) {
		json_t *e = mx_j_obj(c);

		sha256_hex(s->certs[i], s->cert_len[i], hex);
		mx_j_set(c, e, "bytes", mx_j_int(c, (long long)s->cert_len[i]));
		mx_j_set(c, e, "sha256", mx_j_str(c, hex));
		mx_j_set(c, e, "subject", mx_j_null(c));
		mx_j_set(c, e, "issuer", mx_j_null(c));
		mx_j_set(c, e, "is_ca", mx_j_null(c));
		mx_j_set(c, e, "aia_ca_issuers", mx_j_null(c));
		mx_j_push(c, chain, e);
	}
	mx_j_set(c, o, "chain", chain);
	mx_j_set(c, o, "verification", mx_j_null(c));
	if (s->alert >= 0) {
		const char *an = mx_tls_alert_name(s->alert_desc);

		alert = mx_j_obj(c);
		mx_j_set(c, alert, "from", mx_j_str(c, dir_name(s->alert_dir)));
		mx_j_set(c, alert, "level",
			 mx_j_str(c,
				  s->alert_level == 2 ? "fatal" : "warning"));
		mx_j_set(c, alert, "description", mx_j_int(c, s->alert_desc));
		mx_j_set(c, alert, "name", mx_j_str(c, an ? an : "unknown"));
	}
	mx_j_set(c, o, "alert", alert ? alert : mx_j_null(c));
	mx_j_set(c, o, "encrypted", mx_j_bool(c, s->encrypted));
	return o;
}

static json_t *jtcp(struct mx_jc *c, const struct mx_capsess *s)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "saw_syn", mx_j_bool(c, s->saw_syn));
	mx_j_set(c, o, "midstream", mx_j_bool(c, s->midstream));
	mx_j_set(c, o, "fin", jclose(c, s->fin_dir, s->fin_us, s->start_us));
	mx_j_set(c, o, "rst", jclose(c, s->rst_dir, s->rst_us, s->start_us));
	mx_j_set(c, o, "retransmissions", jdirs(c, s->retrans));
	mx_j_set(c, o, "gaps", jdirs(c, s->gaps));
	mx_j_set(c, o, "gap_bytes", jdirs(c, s->gap_bytes));
	mx_j_set(c, o, "zero_windows", jdirs(c, s->zero_windows));
	mx_j_set(c, o, "capped", mx_j_bool(c, s->capped));
	mx_j_set(c, o, "close_after_hello_us",
		 s->close_after_hello_us >= 0
			 ? mx_j_int(c, s->close_after_hello_us)
			 : mx_j_null(c));
	mx_j_set(c, o, "close_after_hello",
		 s->close_after_hello_us < 0
			 ? mx_j_null(c)
			 : mx_j_str(c,
				    s->close_after_hello_rst ? "rst" : "fin"));
	return o;
}

static json_t *jevents(struct mx_jc *c, const struct mx_capsess *s)
{
	json_t *a = mx_j_arr(c);
	size_t i;

	for (i = 0; i < s->nev && i < MX_CAP_MAX_EVENTS; i++) {
		const struct mx_cap_event *e = &s->ev[i];
		json_t *o = mx_j_obj(c);

		mx_j_set(c, o, "t_us", mx_j_int(c, e->t_us - s->start_us));
		mx_j_set(c, o, "frame", mx_j_int(c, (long long)e->frame));
		mx_j_set(c, o, "dir", mx_j_str(c, dir_name(e->dir)));
		mx_j_set(c, o, "kind",
			 mx_j_str(c, mx_cap_ev_name(
					     (enum mx_cap_ev_kind)e->kind)));
		mx_j_set(c, o, "bytes", mx_j_int(c, e->bytes));
		mx_j_set(c, o, "text", mx_j_str(c, e->text));
		mx_j_push(c, a, o);
	}
	return a;
}

static json_t *capsess(struct mx_jc *c, const struct mx_capsess *s)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "id", mx_j_int(c, s->id));
	mx_j_set(c, o, "family",
		 mx_j_str(c, s->family == AF_INET6 ? "ipv6" : "ipv4"));
	mx_j_set(c, o, "client", jpeer(c, s->client, s->cport));
	mx_j_set(c, o, "server", jpeer(c, s->server, s->sport));
	mx_j_set(c, o, "started", jtime_us(c, s->start_us));
	mx_j_set(c, o, "duration_us", mx_j_int(c, s->end_us - s->start_us));
	mx_j_set(c, o, "first_frame", mx_j_int(c, (long long)s->first_frame));
	mx_j_set(c, o, "last_frame", mx_j_int(c, (long long)s->last_frame));
	mx_j_set(c, o, "smtp", jsmtp(c, s));
	mx_j_set(c, o, "tls", jtls(c, s));
	mx_j_set(c, o, "tcp", jtcp(c, s));
	mx_j_set(c, o, "events", jevents(c, s));
	mx_j_set(c, o, "events_dropped", mx_j_int(c, (long long)s->ev_dropped));
	mx_j_set(c, o, "decode_error",
		 s->decode_error[0] ? mx_j_str(c, s->decode_error)
				    : mx_j_null(c));
	return o;
}

json_t *mx_capsess_json(const struct mx_capsess *s)
{
	struct mx_jc c = {0};
	json_t *o = capsess(&c, s);

	if (c.err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- the pcap document ------------------------------------------------- */

/* The chain with what the analyzer read from it, and the verification. */
static void add_verify(struct mx_jc *c, json_t *tls,
		       const struct mx_pcap_verify *v)
{
	json_t *chain = json_object_get(tls, "chain"), *o;
	size_t i;

	for (i = 0; i < v->n && i < json_array_size(chain); i++) {
		json_t *e = json_array_get(chain, i);
		const struct mx_pcap_cert *k = &v->certs[i];

		mx_j_set(c, e, "subject", mx_j_str(c, k->subject));
		mx_j_set(c, e, "issuer", mx_j_str(c, k->issuer));
		mx_j_set(c, e, "is_ca",
			 k->subject ? mx_j_bool(c, k->is_ca) : mx_j_null(c));
		mx_j_set(c, e, "aia_ca_issuers",
			 k->aia_ca_issuers && k->aia_ca_issuers[0]
				 ? mx_j_str(c, k->aia_ca_issuers)
				 : mx_j_null(c));
	}
	o = mx_j_obj(c);
	mx_j_set(c, o, "done", mx_j_bool(c, v->done));
	mx_j_set(c, o, "verified", mx_j_bool(c, v->verified));
	mx_j_set(c, o, "code", v->done ? mx_j_int(c, v->code) : mx_j_null(c));
	mx_j_set(c, o, "error",
		 v->done && v->error ? mx_j_str(c, v->error) : mx_j_null(c));
	mx_j_set(c, o, "depth",
		 v->done && !v->verified ? mx_j_int(c, v->depth)
					 : mx_j_null(c));
	mx_j_set(c, o, "verified_length", mx_j_int(c, v->verified_len));
	mx_j_set(c, o, "name",
		 v->name && v->name[0] ? mx_j_str(c, v->name) : mx_j_null(c));
	mx_j_set(c, o, "at", mx_j_time(c, v->at));
	if (v->missing && v->missing[0]) {
		json_t *m = mx_j_obj(c);

		mx_j_set(c, m, "subject", mx_j_str(c, v->missing));
		mx_j_set(c, m, "url",
			 v->missing_url && v->missing_url[0]
				 ? mx_j_str(c, v->missing_url)
				 : mx_j_null(c));
		mx_j_set(c, m, "intermediate",
			 mx_j_bool(c, v->missing_is_intermediate));
		mx_j_set(c, o, "missing", m);
	} else {
		mx_j_set(c, o, "missing", mx_j_null(c));
	}
	mx_j_set(c, tls, "verification", o);
}

/* Writes s with every line after the first indented by `indent` spaces
 * (at most 8). */
static int write_indented(FILE *out, const char *s, int indent)
{
	static const char pad[] = "        ";
	const char *nl;

	for (; (nl = strchr(s, '\n')) != NULL; s = nl + 1)
		if (fwrite(s, 1, (size_t)(nl - s) + 1, out) !=
			    (size_t)(nl - s) + 1 ||
		    fwrite(pad, 1, (size_t)indent, out) != (size_t)indent)
			return -1;
	return fputs(s, out) == EOF ? -1 : 0;
}

struct mx_pcap_json *mx_pcap_json_new(void)
{
	struct mx_pcap_json *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return NULL;
	j->tmp = tmpfile();
	if (j->tmp == NULL) {
		free(j);
		return NULL;
	}
	return j;
}

int mx_pcap_json_session(struct mx_pcap_json *j, const struct mx_pcap_sess *ps)
{
	struct mx_jc c = {0};
	json_t *o;
	char *text;

	if (j->err)
		return -1;
	o = capsess(&c, ps->s);
	if (ps->verify != NULL && json_is_object(json_object_get(o, "tls")))
		add_verify(&c, json_object_get(o, "tls"), ps->verify);
	mx_j_set(&c, o, "findings", mx_j_findings(&c, ps->findings));
	text = c.err ? NULL : json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(o);
	if (text == NULL ||
	    fprintf(j->tmp, "%s    ", j->n > 0 ? ",\n" : "") < 0 ||
	    write_indented(j->tmp, text, 4) < 0)
		j->err = 1;
	free(text);
	j->n++;
	return j->err ? -1 : 0;
}

static json_t *jtotals(struct mx_jc *c, const struct mx_pcap_summary *sum)
{
	const struct mx_capture *t = sum->totals;
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "frames", mx_j_int(c, t ? (long long)t->frames : 0));
	mx_j_set(c, o, "bytes", mx_j_int(c, t ? (long long)t->bytes : 0));
	mx_j_set(c, o, "not_tcp", mx_j_int(c, t ? (long long)t->not_tcp : 0));
	mx_j_set(c, o, "fragments",
		 mx_j_int(c, t ? (long long)t->fragments : 0));
	mx_j_set(c, o, "undecodable",
		 mx_j_int(c, t ? (long long)t->undecodable : 0));
	mx_j_set(c, o, "flows_evicted",
		 mx_j_int(c, t ? (long long)t->flows_evicted : 0));
	return o;
}

static json_t *jsummary(struct mx_jc *c, const struct mx_pcap_summary *sum)
{
	static const char *const names[] = {"ok", "info", "warning", "critical",
					    "unknown"};
	json_t *o = mx_j_obj(c), *f = mx_j_obj(c);
	size_t i;

	mx_j_set(c, o, "sessions", mx_j_int(c, (long long)sum->sessions_shown));
	mx_j_set(c, o, "other_flows",
		 mx_j_int(c, (long long)sum->sessions_other));
	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		mx_j_set(c, f, names[i],
			 mx_j_int(c, (long long)sum->findings_by_sev[i]));
	mx_j_set(c, o, "findings", f);
	mx_j_set(c, o, "certificates",
		 mx_j_int(c, (long long)sum->certs_distinct));
	return o;
}

static json_t *jexport(struct mx_jc *c, const struct mx_pcap_summary *sum)
{
	json_t *o, *files;
	size_t i;

	if (sum->export_dir == NULL || sum->exported == NULL)
		return mx_j_null(c);
	o = mx_j_obj(c);
	files = mx_j_arr(c);
	mx_j_set(c, o, "directory", mx_j_str(c, sum->export_dir));
	for (i = 0; i < sum->exported->n; i++) {
		json_t *e = mx_j_obj(c);

		mx_j_set(c, e, "name", mx_j_str(c, sum->exported->v[i].name));
		mx_j_set(c, e, "subject",
			 mx_j_str(c, sum->exported->v[i].subject));
		mx_j_set(c, e, "is_ca",
			 mx_j_bool(c, sum->exported->v[i].is_ca));
		mx_j_push(c, files, e);
	}
	mx_j_set(c, o, "files", files);
	mx_j_set(c, o, "chain_file", mx_j_str(c, sum->exported->chain_name));
	return o;
}

static int copy_sessions(struct mx_pcap_json *j, FILE *out)
{
	char buf[65536];
	size_t n;

	if (fputs("[", out) == EOF)
		return -1;
	if (j->n > 0) {
		if (fflush(j->tmp) != 0 || fseek(j->tmp, 0, SEEK_SET) != 0 ||
		    fputs("\n", out) == EOF)
			return -1;
		while ((n = fread(buf, 1, sizeof(buf), j->tmp)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				return -1;
		if (ferror(j->tmp) || fputs("\n  ", out) == EOF)
			return -1;
	}
	return fputs("]", out) == EOF ? -1 : 0;
}

int mx_pcap_json_end(struct mx_pcap_json *j, FILE *out,
		     const struct mx_pcap_summary *sum)
{
	struct mx_jc c = {0};
	const struct mx_capture *t = sum->totals;
	json_t *root, *v;
	const char *key;
	int first = 1, rc = -1;

	root = mx_j_envelope(&c, "pcap", MX_PCAP_SCHEMA_VERSION,
			     sum->meta.tool_version, sum->meta.started,
			     sum->meta.exit_status);
	mx_j_set(&c, root, "file", mx_j_str(&c, sum->file));
	mx_j_set(&c, root, "format", mx_j_str(&c, sum->format));
	mx_j_set(&c, root, "linktype", mx_j_str(&c, sum->linktype));
	mx_j_set(&c, root, "truncated", mx_j_bool(&c, t && t->truncated));
	mx_j_set(&c, root, "file_error",
		 t && t->file_error[0] ? mx_j_str(&c, t->file_error)
				       : mx_j_null(&c));
	mx_j_set(&c, root, "trust_store", mx_j_str(&c, sum->trust_store));
	mx_j_set(&c, root, "totals", jtotals(&c, sum));
	mx_j_set(&c, root, "sessions", mx_j_null(&c)); /* streamed */
	mx_j_set(&c, root, "findings", mx_j_findings(&c, sum->findings));
	mx_j_set(&c, root, "export", jexport(&c, sum));
	mx_j_set(&c, root, "summary", jsummary(&c, sum));
	if (c.err || j->err || fputs("{", out) == EOF)
		goto out;
	json_object_foreach(root, key, v)
	{
		char *text = NULL;
		int w;

		if (fprintf(out, "%s\n  \"%s\": ", first ? "" : ",", key) < 0)
			goto out;
		first = 0;
		if (strcmp(key, "sessions") == 0) {
			if (copy_sessions(j, out) < 0)
				goto out;
			continue;
		}
		text = json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII |
					     JSON_ENCODE_ANY);
		w = text != NULL ? write_indented(out, text, 2) : -1;
		free(text);
		if (w < 0)
			goto out;
	}
	if (fputs("\n}\n", out) != EOF && fflush(out) == 0 && !ferror(out))
		rc = 0;
out:
	json_decref(root);
	return rc;
}

void mx_pcap_json_free(struct mx_pcap_json *j)
{
	if (j == NULL)
		return;
	if (j->tmp != NULL)
		fclose(j->tmp);
	free(j);
}
