/*
 * cmd_pcap.c - `mxprobe pcap FILE [--ca-file F] [--ca-path D]
 * [--export DIR] [--json] [-o FILE] [--max-flows N]`: wiring only.
 *
 * Reads a capture taken anywhere (pcap or pcapng, "-" for standard
 * input) with libpcap, timestamps in microseconds also for
 * nanosecond files, and feeds every frame to the capture decoder
 * (analyzers/capdec.h).  Each finished session - in order of its first
 * packet - is judged (analyzers/capjudge.h; its chain verified against
 * the trust store by analyzers/capchain.h) and rendered at once: text
 * printed as it goes, JSON streamed through a temporary file
 * (reports/capture_json.h), so memory is bounded by the flows open at
 * once, never by the size of the capture.  Only counts, the worst
 * severity and the distinct certificates (for --export, capped) are kept
 * across sessions.  Flows with neither SMTP nor TLS are counted, not
 * shown.
 *
 * The trust store is loaded here (files): --ca-file / --ca-path, else
 * the system default, as `certs` does.
 *
 * Exit: 0/1/2 from the worst finding (doc/exit-status.md); 3 when the
 * file cannot be opened or is no capture, the trust store does not
 * load, the export fails, or nothing in the capture could be judged.
 * A capture cut short is reported with what could be read
 * (capture.truncated), never a crash.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "analyzers/analyze.h"
#include "analyzers/capchain.h"
#include "analyzers/capdec.h"
#include "analyzers/capjudge.h"
#include "common/clock.h"
#include "common/escape.h"
#include "model/result.h"
#include "model/severity.h"
#include "model/where.h"
#include "probe/x509.h"
#include "reports/capture_json.h"
#include "reports/capture_text.h"
#include "reports/pem.h"
#include "src/commands.h"

#define PCAP_MAX_SEEN 4096  /* distinct certificate hashes counted */
#define PCAP_MAX_EXPORT 256 /* distinct certificates kept for --export */
#define PCAP_MAX_SECONDS 253402300799LL /* 9999-12-31T23:59:59Z */
#define PCAP_DEFAULT_FLOWS 512
#define PCAP_VCACHE 16 /* verifications remembered (same chain) */

/* A busy relay's capture repeats the same few chains: one verification
 * per (chain, name, day) instead of one per session. */
struct vcache_ent {
	unsigned char key[32];
	uint64_t used; /* 0: empty; else the tick of the last use */
	struct mx_capchain cc;
};

struct pcap_run {
	const struct mx_opts *o;
	FILE *out;
	int color;
	struct mx_pcap_json *json;
	X509_STORE *store;
	struct mx_capjudge *judge; /* cross-session state */
	uint64_t shown, other;
	uint64_t by_sev[MX_SEV_UNKNOWN + 1];
	enum mx_severity worst;
	int write_failed;
	/* distinct certificates */
	char (*seen)[65];
	size_t nseen, seen_dropped;
	struct mx_chain export;	   /* decoded copies, for mx_export_chain */
	struct vcache_ent *vcache; /* PCAP_VCACHE entries */
	uint64_t tick;
};

static void count_findings(struct pcap_run *r, const struct mx_findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		enum mx_severity s = fs->v[i].severity;

		if ((size_t)s <= MX_SEV_UNKNOWN)
			r->by_sev[s]++;
		r->worst = mx_severity_worse(r->worst, s);
	}
}

/* Count each distinct certificate; keep a decoded copy for --export. */
static void remember_certs(struct pcap_run *r, const struct mx_pcap_verify *v,
			   const struct mx_capsess *s)
{
	size_t i, k;

	for (i = 0; i < v->n && i < s->ncerts; i++) {
		const char *h = v->certs[i].sha256;

		if (h == NULL || h[0] == '\0')
			continue;
		for (k = 0; k < r->nseen; k++)
			if (strcmp(r->seen[k], h) == 0)
				break;
		if (k < r->nseen)
			continue;
		if (r->nseen == PCAP_MAX_SEEN) {
			r->seen_dropped++;
			continue;
		}
		snprintf(r->seen[r->nseen++], 65, "%s", h);
		if (r->o->export_dir == NULL)
			continue;
		if (r->export.n >= PCAP_MAX_EXPORT) {
			r->seen_dropped++;
			continue;
		}
		if (mx_x509_decode(s->certs[i], s->cert_len[i],
				   mx_chain_add(&r->export)) < 0)
			mx_cert_clear(&r->export.v[--r->export.n]);
	}
}

/* The analyzer's chain facts, as the renderers' view (borrowed). */
static void verify_view(const struct mx_capchain *c, struct mx_pcap_verify *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	v->n = c->n;
	for (i = 0; i < c->n; i++) {
		const struct mx_capchain_cert *k = &c->certs[i];

		v->certs[i].subject = k->parsed ? k->subject : NULL;
		v->certs[i].issuer = k->parsed ? k->issuer : NULL;
		v->certs[i].sha256 = k->sha256;
		v->certs[i].aia_ca_issuers = k->aia_ca_issuers;
		v->certs[i].is_ca = k->is_ca;
		v->certs[i].self_signed = k->self_signed;
	}
	v->done = c->done;
	v->verified = c->verified;
	v->code = c->code;
	v->error = c->error;
	v->depth = c->depth;
	v->verified_len = c->verified_len;
	v->name = c->name;
	v->at = c->at;
	v->missing = c->missing;
	v->missing_url = c->missing_url;
	v->missing_is_intermediate = c->missing_is_intermediate;
}

/* The key of a session's chain: SHA-256 over the SNI, the day and each
 * certificate with its length.  0, or -1 when it cannot be made. */
static int vcache_key(const struct mx_capsess *s, unsigned char key[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char len[8];
	unsigned int kl = 0;
	int64_t day = s->start_us / 1000000 / 86400;
	size_t i, k;
	int ok;

	if (md == NULL)
		return -1;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
	for (i = s->nhellos; ok && i > 0; i--)
		if (s->hellos[i - 1].sni[0] != '\0') {
			ok = EVP_DigestUpdate(md, s->hellos[i - 1].sni,
					      strlen(s->hellos[i - 1].sni)) ==
			     1;
			break;
		}
	for (k = 0; k < 8; k++)
		len[k] = (unsigned char)((uint64_t)day >> (8 * k));
	ok = ok && EVP_DigestUpdate(md, "\0", 1) == 1 &&
	     EVP_DigestUpdate(md, len, sizeof(len)) == 1;
	for (i = 0; ok && i < s->ncerts && i < MX_CAP_MAX_CERTS; i++) {
		for (k = 0; k < 8; k++)
			len[k] = (unsigned char)((uint64_t)s->cert_len[i] >>
						 (8 * k));
		ok = EVP_DigestUpdate(md, len, sizeof(len)) == 1 &&
		     EVP_DigestUpdate(md, s->certs[i], s->cert_len[i]) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(md, key, &kl) == 1 && kl == 32;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* Verify s's chain, or take the verification of the same chain. */
static void verify_cached(struct pcap_run *r, const struct mx_capsess *s,
			  struct mx_capchain *cc)
{
	unsigned char key[32];
	struct vcache_ent *e, *victim = NULL;
	size_t i;

	if (r->vcache == NULL || vcache_key(s, key) < 0) {
		mx_capchain_verify_session(r->store, s, cc);
		return;
	}
	r->tick++;
	for (i = 0; i < PCAP_VCACHE; i++) {
		e = &r->vcache[i];
		if (e->used && memcmp(e->key, key, sizeof(key)) == 0) {
			e->used = r->tick;
			*cc = e->cc;
			return;
		}
		if (victim == NULL || e->used < victim->used)
			victim = &r->vcache[i];
	}
	mx_capchain_verify_session(r->store, s, cc);
	memcpy(victim->key, key, sizeof(key));
	victim->used = r->tick;
	victim->cc = *cc;
}

static void on_session(void *arg, struct mx_capsess *s)
{
	struct pcap_run *r = arg;
	struct mx_findings fs = {0};
	struct mx_capchain *cc = NULL;
	struct mx_pcap_verify *view = NULL;
	struct mx_pcap_sess ps;
	char where[MX_WHERE_MAX + 32], w[MX_WHERE_MAX];

	if (!s->smtp && !s->tls && !s->encrypted) {
		r->other++;
		goto out;
	}
	r->shown++;
	mx_where(w, sizeof(w), NULL, s->server, s->sport);
	snprintf(where, sizeof(where), "%s, session %u", w, s->id);
	mx_capjudge_session(s, &fs, where);
	mx_capjudge_capture(r->judge, s, &fs, where);
	if (s->ncerts > 0) {
		cc = malloc(sizeof(*cc));
		view = malloc(sizeof(*view));
		if (cc == NULL || view == NULL) {
			r->write_failed = 1;
			goto out;
		}
		verify_cached(r, s, cc);
		mx_capchain_judge(cc, &fs, where);
		verify_view(cc, view);
		remember_certs(r, view, s);
	}
	count_findings(r, &fs);
	ps.s = s;
	ps.verify = view;
	ps.findings = &fs;
	if (r->json != NULL) {
		if (mx_pcap_json_session(r->json, &ps) < 0)
			r->write_failed = 1;
	} else {
		mx_pcap_text_session(r->out, r->color, &ps);
	}
out:
	free(view);
	free(cc);
	mx_findings_clear(&fs);
	mx_capsess_clear(s);
	free(s);
}

/* --ca-file/--ca-path, else the system default (as `certs`); NULL after
 * printing why. */
static X509_STORE *load_store(const struct mx_opts *o, char *desc,
			      size_t desclen)
{
	X509_STORE *st = X509_STORE_new();
	int ok;

	if (st == NULL)
		return NULL;
	if (o->ca_file != NULL || o->ca_path != NULL) {
		ok = X509_STORE_load_locations(st, o->ca_file, o->ca_path);
		snprintf(desc, desclen, "%s%s%s%s",
			 o->ca_file ? "--ca-file " : "",
			 o->ca_file ? o->ca_file : "",
			 o->ca_file && o->ca_path ? ", --ca-path "
			 : o->ca_path		  ? "--ca-path "
						  : "",
			 o->ca_path ? o->ca_path : "");
	} else {
		ok = X509_STORE_set_default_paths(st);
		snprintf(desc, desclen, "the system default");
	}
	if (!ok) {
		char *q = mx_escape_str(o->ca_file ? o->ca_file : o->ca_path,
					128);

		fprintf(stderr,
			"mxprobe pcap: cannot load the trust store %s\n", q);
		free(q);
		X509_STORE_free(st);
		ERR_clear_error();
		return NULL;
	}
	return st;
}

static pcap_t *open_capture(const char *file, char *err)
{
	if (strcmp(file, "-") == 0)
		return pcap_fopen_offline_with_tstamp_precision(
			stdin, PCAP_TSTAMP_PRECISION_MICRO, err);
	return pcap_open_offline_with_tstamp_precision(
		file, PCAP_TSTAMP_PRECISION_MICRO, err);
}

/* A frame's time in microseconds, clamped to 1970..9999 so that a
 * hostile header (a pcapng if_tsresol, a negative second) cannot make
 * the arithmetic of the decoder or the renderers overflow. */
static int64_t frame_us(const struct timeval *tv)
{
	int64_t sec = (int64_t)tv->tv_sec, usec = (int64_t)tv->tv_usec;

	if (sec < 0)
		sec = 0;
	if (sec > PCAP_MAX_SECONDS)
		sec = PCAP_MAX_SECONDS;
	if (usec < 0 || usec > 999999)
		usec = 0;
	return sec * 1000000 + usec;
}

/* Frames to the decoder; a read error is kept in cap (what was read
 * before it is reported). */
static void read_frames(pcap_t *p, struct mx_capdec *d, struct mx_capture *cap)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	while ((rc = pcap_next_ex(p, &h, &data)) == 1)
		mx_capdec_frame(d, data, h->caplen, h->len, frame_us(&h->ts));
	if (rc == PCAP_ERROR) {
		char *q = mx_escape_str(pcap_geterr(p),
					sizeof(cap->file_error) - 4);

		cap->truncated = 1;
		snprintf(cap->file_error, sizeof(cap->file_error), "%s", q);
		free(q);
	}
}

int cmd_pcap(struct mx_opts *o)
{
	char err[PCAP_ERRBUF_SIZE + 64], store_desc[4200];
	struct mx_capdec_cb cb = {0};
	struct mx_reasm_limits lim;
	struct pcap_run r;
	struct mx_pcap_summary sum;
	struct mx_export_result res;
	struct mx_findings cfs = {0};
	struct mx_capture cap;
	struct mx_capdec *d = NULL;
	pcap_t *p;
	time_t started = mx_wall_now();
	int rc = 3, exported = 0;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	err[0] = '\0';
	p = open_capture(o->args[0], err);
	if (p == NULL) {
		char *f = mx_escape_str(o->args[0], 200);
		char *e = mx_escape_str(err, 300);

		fprintf(stderr,
			"mxprobe pcap: cannot read %s as a capture: %s\n", f,
			e);
		free(f);
		free(e);
		return 3;
	}
	r.o = o;
	r.store = load_store(o, store_desc, sizeof(store_desc));
	r.seen = calloc(PCAP_MAX_SEEN, sizeof(*r.seen));
	r.judge = mx_capjudge_new();
	r.vcache = calloc(PCAP_VCACHE, sizeof(*r.vcache));
	if (r.store == NULL || r.seen == NULL || r.judge == NULL)
		goto out;
	r.out = mx_cli_open_output(o);
	if (r.out == NULL)
		goto out;
	r.color = mx_cli_use_color(r.out, o);
	if (o->json && (r.json = mx_pcap_json_new()) == NULL) {
		fprintf(stderr,
			"mxprobe pcap: no temporary file for the JSON "
			"sessions: %s\n",
			strerror(errno));
		goto abort;
	}
	mx_reasm_limits_default(&lim);
	/* A flow costs its session (model/capture.h, about 40 KB) plus its
	 * reassembly buffers; flows a capture never sees close stay until
	 * evicted, so the cap is what bounds memory (issue 9: <= 64 MiB). */
	lim.max_flows = o->max_flows > 0 ? (size_t)o->max_flows
					 : PCAP_DEFAULT_FLOWS;
	cb.arg = &r;
	cb.session = on_session;
	d = mx_capdec_new(pcap_datalink(p), &lim, &cb);
	if (d == NULL) {
		fprintf(stderr,
			"mxprobe pcap: the decoder did not start (link type %d)\n",
			pcap_datalink(p));
		goto abort;
	}
	memset(&cap, 0, sizeof(cap));
	read_frames(p, d, &cap);
	mx_capdec_finish(d);
	{
		const struct mx_capture *t = mx_capdec_totals(d);
		int truncated = cap.truncated;
		char fe[sizeof(cap.file_error)];

		memcpy(fe, cap.file_error, sizeof(fe));
		cap = *t;
		cap.sess = NULL;
		cap.nsess = cap.capsess = 0;
		cap.truncated = cap.truncated || truncated;
		if (fe[0])
			memcpy(cap.file_error, fe, sizeof(fe));
	}
	mx_capjudge_totals(&cap, &cfs);
	count_findings(&r, &cfs);
	if (o->export_dir != NULL && r.export.n == 0) {
		exported = 1; /* nothing to write: an empty list */
	} else if (o->export_dir != NULL) {
		char why[512];

		if (mx_export_chain(&r.export, o->export_dir, o->force, &res,
				    why, sizeof(why)) < 0)
			fprintf(stderr, "mxprobe pcap: %s\n", why);
		else
			exported = 1;
	}
	rc = r.shown > 0 || cfs.n > 0 ? (int)mx_exit_for_severity(r.worst) : 3;
	if (o->export_dir != NULL && r.export.n > 0 && !exported)
		rc = 3;
	if (r.write_failed)
		rc = 3;

	memset(&sum, 0, sizeof(sum));
	sum.file = o->args[0];
	sum.linktype = pcap_datalink_val_to_name(pcap_datalink(p));
	sum.format = pcap_major_version(p) == 1 ? "pcapng" : "pcap";
	sum.totals = &cap;
	sum.sessions_shown = r.shown;
	sum.sessions_other = r.other;
	memcpy(sum.findings_by_sev, r.by_sev, sizeof(r.by_sev));
	sum.findings = &cfs;
	sum.trust_store = store_desc;
	sum.certs_distinct = r.nseen;
	sum.certs_dropped = r.seen_dropped;
	sum.export_dir = exported ? o->export_dir : NULL;
	sum.exported = exported ? &res : NULL;
	sum.meta.tool_version = PACKAGE_VERSION;
	sum.meta.started = started;
	sum.meta.exit_status = rc;
	sum.meta.color = r.color;
	if ((r.json ? mx_pcap_json_end(r.json, r.out, &sum)
		    : mx_pcap_text_end(r.out, &sum)) < 0)
		rc = 3;
	if (mx_cli_close_output(r.out, o) < 0)
		rc = 3;
	goto out;
abort: /* no report: no half-made -o FILE either */
	mx_cli_abort_output(r.out, o);
out:
	mx_capdec_free(d);
	mx_pcap_json_free(r.json);
	mx_capjudge_free(r.judge);
	mx_findings_clear(&cfs);
	mx_export_result_free(&res);
	mx_chain_clear(&r.export);
	free(r.seen);
	free(r.vcache);
	X509_STORE_free(r.store);
	pcap_close(p);
	return rc;
}
