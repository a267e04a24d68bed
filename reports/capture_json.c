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

#include "reports/capture_jw.h"
#include "reports/jsonutil.h"

struct mx_pcap_json {
	FILE *tmp; /* the sessions, each indented for the array */
	size_t n;
	int err;
};

/* ---- the capture object ------------------------------------------------ */

static const char *dir_name(int d)
{
	return d ? "server" : "client";
}

/* ISO 8601 UTC with microseconds; null for 0. */
static void jw_time_us(struct jw *w, const char *key, int64_t us)
{
	char buf[40], out[48];
	size_t l;

	if (us <= 0) {
		jw_null(w, key);
		return;
	}
	mx_rep_iso8601((time_t)(us / 1000000), buf, sizeof(buf));
	l = strlen(buf);
	if (l < 2) {
		jw_null(w, key);
		return;
	}
	buf[l - 1] = '\0'; /* the 'Z' */
	snprintf(out, sizeof(out), "%s.%06lldZ", buf,
		 (long long)(us % 1000000));
	mx_jw_str(w, key, out);
}

/* A version's name, "0x7f1c" when it has none, null for 0. */
static void jw_version(struct jw *w, const char *key, uint16_t v,
		       const char *name)
{
	char buf[8];

	if (v == 0) {
		jw_null(w, key);
		return;
	}
	mx_jw_str(w, key, mx_cap_version_label(name, v, buf, sizeof(buf)));
}

/* A suite's IANA name (model/capture.h), else "0x00ff". */
static void jw_suite(struct jw *w, const char *key, uint16_t id,
		     const char *iana)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "0x%04x", id);
	mx_jw_str(w, key, iana != NULL ? iana : buf);
}

static void jw_dirs(struct jw *w, const char *key, const uint64_t v[2])
{
	mx_jw_begin(w, key, 0);
	mx_jw_int(w, "client", (long long)v[0]);
	mx_jw_int(w, "server", (long long)v[1]);
	mx_jw_end(w, 0);
}

/* When each side sent FIN (or RST), as an offset from the start. */
static void jw_close(struct jw *w, const char *key, const int dir[2],
		     const int64_t us[2], int64_t start)
{
	mx_jw_begin(w, key, 0);
	if (dir[0])
		mx_jw_int(w, "client_us", us[0] - start);
	else
		jw_null(w, "client_us");
	if (dir[1])
		mx_jw_int(w, "server_us", us[1] - start);
	else
		jw_null(w, "server_us");
	mx_jw_end(w, 0);
}

static void jw_peer(struct jw *w, const char *key, const char *addr,
		    unsigned port)
{
	mx_jw_begin(w, key, 0);
	mx_jw_str(w, "address", addr);
	mx_jw_int(w, "port", port);
	mx_jw_end(w, 0);
}

static void jw_smtp(struct jw *w, const struct mx_capsess *s)
{
	size_t i;

	mx_jw_begin(w, "smtp", 0);
	jw_bool(w, "seen", s->smtp);
	jw_bool(w, "starttls_offered", s->starttls_offered);
	jw_bool(w, "starttls_sent", s->starttls_sent);
	if (s->starttls_reply)
		mx_jw_int(w, "starttls_reply", s->starttls_reply);
	else
		jw_null(w, "starttls_reply");
	jw_bool(w, "implicit_tls", s->implicit_tls);
	jw_bool(w, "auth_seen", s->auth_seen);
	mx_jw_begin(w, "transcript", 1);
	for (i = 0; i < s->nsmtp && i < MX_CAP_MAX_SMTP; i++) {
		const struct mx_cap_smtp_line *l = &s->smtp_lines[i];

		mx_jw_begin(w, NULL, 0);
		mx_jw_int(w, "t_us", l->t_us - s->start_us);
		mx_jw_str(w, "dir", dir_name(l->dir));
		if (l->code)
			mx_jw_int(w, "code", l->code);
		else
			jw_null(w, "code");
		mx_jw_str(w, "text", l->text ? l->text : "");
		mx_jw_end(w, 0);
	}
	mx_jw_end(w, 1);
	mx_jw_int(w, "dropped", (long long)s->smtp_dropped);
	mx_jw_end(w, 0);
}

static void jw_hello(struct jw *w, const struct mx_capsess *s,
		     const struct mx_cap_hello *h)
{
	unsigned i;

	mx_jw_begin(w, NULL, 0);
	mx_jw_int(w, "t_us", h->t_us - s->start_us);
	mx_jw_int(w, "frame", (long long)h->frame);
	mx_jw_int(w, "bytes", (long long)h->len);
	jw_version(w, "legacy_version", h->legacy_version,
		   h->legacy_version_name);
	jw_version(w, "max_version", h->max_version, h->max_version_name);
	mx_jw_str(w, "sni", h->sni[0] ? h->sni : NULL);
	mx_jw_int(w, "suite_count", h->nsuites);
	mx_jw_begin(w, "suites", 1);
	for (i = 0; i < h->nsuites && i < 64; i++)
		jw_suite(w, NULL, h->suites[i], h->suite_iana[i]);
	mx_jw_end(w, 1);
	mx_jw_int(w, "group_count", h->ngroups);
	mx_jw_int(w, "extension_count", h->next);
	mx_jw_str(w, "ja3", h->ja3);
	mx_jw_str(w, "ja3_md5", h->ja3_md5);
	mx_jw_end(w, 0);
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

/* The chain as sent; with v, what the analyzer read from each. */
static void jw_chain(struct jw *w, const struct mx_capsess *s,
		     const struct mx_pcap_verify *v)
{
	char hex[65];
	size_t i;

	mx_jw_begin(w, "chain", 1);
	for (i = 0; i < s->ncerts && i < MX_CAP_MAX_CERTS; i++) {
		const struct mx_pcap_cert *k =
			v != NULL && i < v->n ? &v->certs[i] : NULL;

		mx_jw_begin(w, NULL, 0);
		mx_jw_int(w, "bytes", (long long)s->cert_len[i]);
		if (k != NULL && k->sha256 != NULL)
			snprintf(hex, sizeof(hex), "%s", k->sha256);
		else
			sha256_hex(s->certs[i], s->cert_len[i], hex);
		mx_jw_str(w, "sha256", hex);
		mx_jw_str(w, "subject", k ? k->subject : NULL);
		mx_jw_str(w, "issuer", k ? k->issuer : NULL);
		mx_jw_lit(w, "is_ca", k && k->subject ? k->is_ca != 0 : -1);
		mx_jw_str(w, "aia_ca_issuers",
			  k && k->aia_ca_issuers && k->aia_ca_issuers[0]
				  ? k->aia_ca_issuers
				  : NULL);
		mx_jw_end(w, 0);
	}
	mx_jw_end(w, 1);
}

static void jw_verify(struct jw *w, const struct mx_pcap_verify *v)
{
	char at[40];

	if (v == NULL) {
		jw_null(w, "verification");
		return;
	}
	mx_jw_begin(w, "verification", 0);
	jw_bool(w, "done", v->done);
	jw_bool(w, "verified", v->verified);
	if (v->done)
		mx_jw_int(w, "code", v->code);
	else
		jw_null(w, "code");
	mx_jw_str(w, "error", v->done ? v->error : NULL);
	if (v->done && !v->verified)
		mx_jw_int(w, "depth", v->depth);
	else
		jw_null(w, "depth");
	mx_jw_int(w, "verified_length", v->verified_len);
	mx_jw_str(w, "name", v->name && v->name[0] ? v->name : NULL);
	mx_rep_iso8601(v->at, at, sizeof(at));
	mx_jw_str(w, "at", at[0] ? at : NULL);
	if (v->missing && v->missing[0]) {
		mx_jw_begin(w, "missing", 0);
		mx_jw_str(w, "subject", v->missing);
		mx_jw_str(w, "url",
			  v->missing_url && v->missing_url[0] ? v->missing_url
							      : NULL);
		jw_bool(w, "intermediate", v->missing_is_intermediate);
		mx_jw_end(w, 0);
	} else {
		jw_null(w, "missing");
	}
	mx_jw_end(w, 0);
}

static void jw_tls(struct jw *w, const struct mx_capsess *s,
		   const struct mx_pcap_verify *v)
{
	size_t i;

	if (!s->tls) {
		jw_null(w, "tls");
		return;
	}
	mx_jw_begin(w, "tls", 0);
	mx_jw_begin(w, "client_hellos", 1);
	for (i = 0; i < s->nhellos && i < MX_CAP_MAX_HELLOS; i++)
		jw_hello(w, s, &s->hellos[i]);
	mx_jw_end(w, 1);
	jw_bool(w, "server_hello", s->server_hello);
	jw_bool(w, "hello_retry_request", s->hrr);
	if (s->server_hello) {
		jw_version(w, "tls_version", s->version, s->version_name);
		jw_suite(w, "cipher", s->suite, s->suite_iana);
		mx_jw_int(w, "cipher_id", s->suite);
	} else {
		jw_null(w, "tls_version");
		jw_null(w, "cipher");
		jw_null(w, "cipher_id");
	}
	mx_jw_str(w, "ja3s", s->ja3s[0] ? s->ja3s : NULL);
	mx_jw_str(w, "ja3s_md5", s->ja3s_md5[0] ? s->ja3s_md5 : NULL);
	if (s->group == 0)
		jw_null(w, "group");
	else if (s->group_iana != NULL)
		mx_jw_str(w, "group", s->group_iana);
	else
		mx_jw_int(w, "group", s->group);
	if (s->dh_bits > 0) {
		mx_jw_begin(w, "dh", 0);
		mx_jw_int(w, "bits", s->dh_bits);
		mx_jw_str(w, "prime",
			  s->dh_prime_name[0] ? s->dh_prime_name : NULL);
		jw_bool(w, "known_safe_prime", s->dh_prime_known_safe);
		mx_jw_end(w, 0);
	} else {
		jw_null(w, "dh");
	}
	jw_chain(w, s, v);
	jw_verify(w, v);
	if (s->alert >= 0) {
		const char *an = s->alert_name;

		mx_jw_begin(w, "alert", 0);
		mx_jw_str(w, "from", dir_name(s->alert_dir));
		mx_jw_str(w, "level",
			  s->alert_level == 2 ? "fatal" : "warning");
		mx_jw_int(w, "description", s->alert_desc);
		mx_jw_str(w, "name", an ? an : "unknown");
		mx_jw_end(w, 0);
	} else {
		jw_null(w, "alert");
	}
	jw_bool(w, "encrypted", s->encrypted);
	mx_jw_end(w, 0);
}

static void jw_tcp(struct jw *w, const struct mx_capsess *s)
{
	mx_jw_begin(w, "tcp", 0);
	jw_bool(w, "saw_syn", s->saw_syn);
	jw_bool(w, "midstream", s->midstream);
	jw_close(w, "fin", s->fin_dir, s->fin_us, s->start_us);
	jw_close(w, "rst", s->rst_dir, s->rst_us, s->start_us);
	jw_dirs(w, "retransmissions", s->retrans);
	jw_dirs(w, "gaps", s->gaps);
	jw_dirs(w, "gap_bytes", s->gap_bytes);
	jw_dirs(w, "zero_windows", s->zero_windows);
	jw_bool(w, "capped", s->capped);
	if (s->close_after_hello_us >= 0) {
		mx_jw_int(w, "close_after_hello_us", s->close_after_hello_us);
		mx_jw_str(w, "close_after_hello",
			  s->close_after_hello_rst ? "rst" : "fin");
	} else {
		jw_null(w, "close_after_hello_us");
		jw_null(w, "close_after_hello");
	}
	mx_jw_end(w, 0);
}

static void jw_events(struct jw *w, const struct mx_capsess *s)
{
	size_t i;

	mx_jw_begin(w, "events", 1);
	for (i = 0; i < s->nev && i < MX_CAP_MAX_EVENTS; i++) {
		const struct mx_cap_event *e = &s->ev[i];

		mx_jw_begin(w, NULL, 0);
		mx_jw_int(w, "t_us", e->t_us - s->start_us);
		mx_jw_int(w, "frame", (long long)e->frame);
		mx_jw_str(w, "dir", dir_name(e->dir));
		mx_jw_str(w, "kind",
			  mx_cap_ev_name((enum mx_cap_ev_kind)e->kind));
		mx_jw_int(w, "bytes", e->bytes);
		mx_jw_str(w, "text", e->text);
		mx_jw_end(w, 0);
	}
	mx_jw_end(w, 1);
}

/* The capture object; with ps (the pcap stream) its chain as the
 * analyzer read it, the verification and the session's findings. */
static void capsess(struct jw *w, const struct mx_capsess *s,
		    const struct mx_pcap_sess *ps)
{
	mx_jw_begin(w, NULL, 0);
	mx_jw_int(w, "id", s->id);
	mx_jw_str(w, "family", s->family == AF_INET6 ? "ipv6" : "ipv4");
	jw_peer(w, "client", s->client, s->cport);
	jw_peer(w, "server", s->server, s->sport);
	jw_time_us(w, "started", s->start_us);
	mx_jw_int(w, "duration_us", s->end_us - s->start_us);
	mx_jw_int(w, "first_frame", (long long)s->first_frame);
	mx_jw_int(w, "last_frame", (long long)s->last_frame);
	jw_smtp(w, s);
	jw_tls(w, s, ps ? ps->verify : NULL);
	jw_tcp(w, s);
	jw_events(w, s);
	mx_jw_int(w, "events_dropped", (long long)s->ev_dropped);
	mx_jw_str(w, "decode_error",
		  s->decode_error[0] ? s->decode_error : NULL);
	if (ps != NULL)
		mx_jw_json(w, "findings", mx_j_findings(w->c, ps->findings));
	mx_jw_end(w, 0);
}

json_t *mx_capsess_json(const struct mx_capsess *s)
{
	struct mx_jc c = {0};
	struct jw w;

	memset(&w, 0, sizeof(w));
	w.c = &c;
	capsess(&w, s, NULL);
	if (c.err || w.err) {
		json_decref(w.root);
		return NULL;
	}
	return w.root;
}

/* ---- the pcap document ------------------------------------------------- */

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
	struct jw w;

	if (j->err)
		return -1;
	memset(&w, 0, sizeof(w));
	w.c = &c;
	w.out = j->tmp;
	w.base = 4;
	if (fputs(j->n > 0 ? ",\n    " : "    ", j->tmp) == EOF)
		j->err = 1;
	capsess(&w, ps->s, ps);
	if (w.err || c.err || ferror(j->tmp))
		j->err = 1;
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
