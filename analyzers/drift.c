/*
 * drift.c - what changed between two results of one endpoint
 * (analyzers/drift.h).
 *
 * A table of rules, each comparing one aspect of the previous and the
 * current snapshot and adding at most one drift finding (drift.* ids of
 * model/catalogue.c) with one line of evidence that states the value
 * before and after ("X -> Y"), and the two values in before/after.
 * Pure: no I/O, no clock; the certificate's days left are counted from
 * each snapshot's own `at`.
 *
 * Rules compare only what both snapshots know: a fact that is NULL/0 on
 * one side (not reached, not looked up) is no change.  A snapshot of a
 * cancelled probe (complete == 0), on either side, gives no drift: what
 * it lacks was never measured.
 * Severities (the catalogue's default unless said):
 *   cert_replaced info; chain_changed warning (info when the new chain
 *   is no shorter and still verifies); cert_expiry info at 30 days,
 *   warning at 14 and 7; tls_version warning when older, else info;
 *   suite info, warning when the new suite has more weak marks (no
 *   forward secrecy, CBC, RC4, 3DES, NULL, EXPORT, anon);
 *   temp_key_weakened warning, critical when the new key is DH under
 *   2048 bits; starttls_gone, tls_gone, dane_match_lost, new_critical
 *   critical; mtasts_changed info, warning when the policy weakened
 *   (enforce to testing/none, or a policy that applied no longer does).
 */
#include "analyzers/drift.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/severity.h"

#define FP_SHOW 16 /* hex digits of a fingerprint shown in evidence */

static const int expiry_marks[] = {30, 14, 7};

static int same(const char *a, const char *b)
{
	return a == NULL || b == NULL || strcmp(a, b) == 0;
}

static const char *nz(const char *s, const char *dflt)
{
	return s != NULL && s[0] != '\0' ? s : dflt;
}

/* "ab12cd34ef56ab12.." (the first FP_SHOW hex digits). */
static void short_fp(const char *fp, char *out, size_t len)
{
	if (fp == NULL) {
		snprintf(out, len, "?");
		return;
	}
	if (strlen(fp) > FP_SHOW)
		snprintf(out, len, "%.*s..", FP_SHOW, fp);
	else
		snprintf(out, len, "%s", fp);
}

static void add(struct mx_snapshot *cur, const char *id, enum mx_severity sev,
		const char *evidence, const char *before, const char *after)
{
	mx_snap_add(&cur->drift, &cur->ndrift, id, sev, evidence, before,
		    after);
}

/* ---- certificate ------------------------------------------------------ */

static void rule_cert_replaced(const struct mx_snapshot *p,
			       struct mx_snapshot *c)
{
	char a[32], b[32];

	if (p->cert_sha256 == NULL || c->cert_sha256 == NULL ||
	    strcmp(p->cert_sha256, c->cert_sha256) == 0)
		return;
	short_fp(p->cert_sha256, a, sizeof(a));
	short_fp(c->cert_sha256, b, sizeof(b));
	char *ev = xasprintf(
		"leaf certificate replaced: serial %s (sha256 %s) -> serial "
		"%s (sha256 %s)",
		nz(p->cert_serial, "?"), a, nz(c->cert_serial, "?"), b);
	char *before = xasprintf("serial %s sha256 %s", nz(p->cert_serial, "?"),
				 p->cert_sha256);
	char *after = xasprintf("serial %s sha256 %s", nz(c->cert_serial, "?"),
				c->cert_sha256);
	add(c, "drift.cert_replaced", MX_SEV_INFO, ev, before, after);
	free(ev);
	free(before);
	free(after);
}

/* The chain without its leaf: what follows the first ','. */
static const char *chain_tail(const char *chain)
{
	const char *comma = strchr(chain, ',');

	return comma != NULL ? comma + 1 : "";
}

/* "2 certificates (ab12..., cd34...)" of a leaf-first list. */
static char *chain_text(const char *chain, int n)
{
	char *out = xasprintf("%d certificate%s", n, n == 1 ? "" : "s");
	const char *p = chain_tail(chain);
	char fp[32];

	if (*p == '\0')
		return out;
	char *acc = xasprintf("%s: leaf", out);
	free(out);
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		char *one = xstrndup(p, len);
		short_fp(one, fp, sizeof(fp));
		free(one);
		char *next = xasprintf("%s, %s", acc, fp);
		free(acc);
		acc = next;
		p += len;
		if (*p == ',')
			p++;
	}
	return acc;
}

static void rule_chain_changed(const struct mx_snapshot *p,
			       struct mx_snapshot *c)
{
	enum mx_severity sev = MX_SEV_WARN;

	if (p->chain == NULL || c->chain == NULL ||
	    strcmp(chain_tail(p->chain), chain_tail(c->chain)) == 0)
		return;
	if (c->chain_len >= p->chain_len && (c->verify_ok || !p->verify_ok))
		sev = MX_SEV_INFO;
	char *before = chain_text(p->chain, p->chain_len);
	char *after = chain_text(c->chain, c->chain_len);
	char *ev;
	if (p->verify_ok != c->verify_ok)
		ev = xasprintf("chain as sent changed: %s -> %s; verification "
			       "%s -> %s%s%s%s",
			       before, after, p->verify_ok ? "ok" : "failed",
			       c->verify_ok ? "ok" : "failed",
			       c->verify_error != NULL ? " (" : "",
			       c->verify_error != NULL ? c->verify_error : "",
			       c->verify_error != NULL ? ")" : "");
	else
		ev = xasprintf("chain as sent changed: %s -> %s", before,
			       after);
	add(c, "drift.chain_changed", sev, ev, p->chain, c->chain);
	free(ev);
	free(before);
	free(after);
}

static void rule_cert_expiry(const struct mx_snapshot *p, struct mx_snapshot *c)
{
	int kp, kc;
	long dp = mx_snapshot_days_left(p, p->at, &kp);
	long dc = mx_snapshot_days_left(c, c->at, &kc);
	int mark = 0;

	if (!kp || !kc)
		return;
	/* the smallest mark crossed downwards: prev >= mark > cur */
	for (size_t i = 0; i < sizeof(expiry_marks) / sizeof(expiry_marks[0]);
	     i++)
		if (dp >= expiry_marks[i] && dc < expiry_marks[i])
			mark = expiry_marks[i];
	if (mark == 0)
		return;
	char before[32], after[32];
	snprintf(before, sizeof(before), "%ld days", dp);
	snprintf(after, sizeof(after), "%ld days", dc);
	char *ev = xasprintf("leaf certificate (serial %s) now expires in "
			     "fewer than %d days: %ld days left -> %ld days "
			     "left",
			     nz(c->cert_serial, "?"), mark, dp, dc);
	add(c, "drift.cert_expiry", mark >= 30 ? MX_SEV_INFO : MX_SEV_WARN, ev,
	    before, after);
	free(ev);
}

/* ---- TLS session -------------------------------------------------------- */

static int version_rank(const char *v)
{
	static const char *const order[] = {"SSLv2",   "SSLv3",	  "TLSv1",
					    "TLSv1.1", "TLSv1.2", "TLSv1.3"};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (strcmp(v, order[i]) == 0)
			return (int)i + 1;
	return 0;
}

static void rule_tls_version(const struct mx_snapshot *p, struct mx_snapshot *c)
{
	if (!p->tls_ok || !c->tls_ok || p->tls_version == NULL ||
	    c->tls_version == NULL || same(p->tls_version, c->tls_version))
		return;
	int rp = version_rank(p->tls_version),
	    rc = version_rank(c->tls_version);
	enum mx_severity sev = rc < rp ? MX_SEV_WARN : MX_SEV_INFO;
	char *ev = xasprintf("negotiated TLS version %s: %s -> %s",
			     rc < rp   ? "went down"
			     : rc > rp ? "went up"
				       : "changed",
			     p->tls_version, c->tls_version);
	add(c, "drift.tls_version", sev, ev, p->tls_version, c->tls_version);
	free(ev);
}

/* Marks of a weaker suite (IANA names). */
static int weak_marks(const char *suite)
{
	static const char *const marks[] = {"TLS_RSA_WITH_", "_CBC_",  "_RC4_",
					    "_3DES_",	     "_NULL_", "EXPORT",
					    "_anon_",	     "_DES_"};
	int n = 0;

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(suite, marks[i]) != NULL)
			n++;
	return n;
}

static void rule_suite(const struct mx_snapshot *p, struct mx_snapshot *c)
{
	if (!p->tls_ok || !c->tls_ok || p->suite == NULL || c->suite == NULL ||
	    same(p->suite, c->suite))
		return;
	enum mx_severity sev = weak_marks(c->suite) > weak_marks(p->suite)
				       ? MX_SEV_WARN
				       : MX_SEV_INFO;
	char *ev = xasprintf("negotiated cipher suite changed: %s -> %s",
			     p->suite, c->suite);
	add(c, "drift.suite", sev, ev, p->suite, c->suite);
	free(ev);
}

/* Security strength in bits (NIST SP 800-57 part 1, table 2): finite
 * field DH by its modulus, elliptic curves by their size (X25519's 253
 * and P-256's 256 bits are both 128); 0 when the size is not known; -1
 * when there is no temp key at all (RSA key exchange: no forward
 * secrecy). */
static int key_strength(const struct mx_snapshot *s)
{
	static const struct level {
		int bits, strength;
	} ff[] = {{15360, 256}, {7680, 192}, {3072, 128},
		  {2048, 112},	{1024, 80},  {0, 40}},
	  ec[] = {{512, 256}, {384, 192}, {250, 128},
		  {224, 112}, {160, 80},  {0, 40}};
	const struct level *t = ec;

	if (s->temp_key_type == NULL)
		return -1;
	if (s->temp_key_bits <= 0)
		return 0;
	if (strcmp(s->temp_key_type, "DH") == 0)
		t = ff;
	for (size_t i = 0;; i++)
		if (s->temp_key_bits >= t[i].bits)
			return t[i].strength;
}

static void key_text(const struct mx_snapshot *s, char *out, size_t len)
{
	if (s->temp_key_type == NULL) {
		snprintf(out, len, "none (no forward secrecy)");
		return;
	}
	snprintf(out, len, "%s%s%s %d bits", s->temp_key_type,
		 s->temp_key_group != NULL ? " " : "",
		 s->temp_key_group != NULL ? s->temp_key_group : "",
		 s->temp_key_bits);
}

static void rule_temp_key(const struct mx_snapshot *p, struct mx_snapshot *c)
{
	int sp, sc;
	int dh_small;
	char before[160], after[160];

	if (!p->tls_ok || !c->tls_ok)
		return;
	sp = key_strength(p);
	sc = key_strength(c);
	if (sp == 0 || sc == 0 || sp == -1) /* unknown, or nothing to lose */
		return;
	dh_small = c->temp_key_type != NULL &&
		   strcmp(c->temp_key_type, "DH") == 0 &&
		   c->temp_key_bits < 2048;
	/* weaker: no temp key now, a lower strength, or a DH group with
	 * fewer bits (4096 -> 3072; curves of one strength are peers) */
	if (!(sc == -1 || sc < sp ||
	      (c->temp_key_type != NULL &&
	       strcmp(p->temp_key_type, "DH") == 0 &&
	       strcmp(c->temp_key_type, "DH") == 0 &&
	       c->temp_key_bits < p->temp_key_bits)))
		return;
	key_text(p, before, sizeof(before));
	key_text(c, after, sizeof(after));
	char *ev =
		xasprintf("server temp key weakened: %s -> %s", before, after);
	add(c, "drift.temp_key_weakened", dh_small ? MX_SEV_CRIT : MX_SEV_WARN,
	    ev, before, after);
	free(ev);
}

/* ---- reachability of TLS ----------------------------------------------- */

static void rule_starttls_gone(const struct mx_snapshot *p,
			       struct mx_snapshot *c)
{
	if (p->starttls != 1 || c->starttls != 0)
		return;
	add(c, "drift.starttls_gone", MX_SEV_CRIT,
	    "STARTTLS no longer offered in the EHLO reply: offered -> not "
	    "offered",
	    "offered", "not offered");
}

static void rule_tls_gone(const struct mx_snapshot *p, struct mx_snapshot *c)
{
	if (!p->tls_ok || c->tls_ok || (p->starttls == 1 && c->starttls == 0))
		return; /* STARTTLS gone says it already */
	char *before =
		xasprintf("%s %s", nz(p->tls_version, "TLS"), nz(p->suite, ""));
	char *after = xasprintf("no TLS session (stop: %s)", nz(c->stop, "?"));
	char *ev = xasprintf("TLS handshake no longer completes: %s -> %s",
			     before, after);
	add(c, "drift.tls_gone", MX_SEV_CRIT, ev, before, after);
	free(ev);
	free(before);
	free(after);
}

static void rule_dane(const struct mx_snapshot *p, struct mx_snapshot *c)
{
	if (p->dane != MX_DANE_OK || c->dane == MX_DANE_OK ||
	    c->dane == MX_DANE_NOT_LOOKED_UP)
		return;
	const char *b = mx_dane_state_name(p->dane);
	const char *a = mx_dane_state_name(c->dane);
	char *ev = xasprintf("DANE TLSA records no longer match what the "
			     "server sends: %s -> %s",
			     b, a);
	add(c, "drift.dane_match_lost", MX_SEV_CRIT, ev, b, a);
	free(ev);
}

/* ---- MTA-STS -------------------------------------------------------------- */

static int sts_applies(const struct mx_snapshot *s)
{
	return s->sts == MX_STS_OK || s->sts == MX_STS_FAILING;
}

static int sts_mode_rank(const char *mode)
{
	if (mode == NULL)
		return 0;
	if (strcmp(mode, "enforce") == 0)
		return 3;
	if (strcmp(mode, "testing") == 0)
		return 2;
	return 1;
}

static char *sts_text(const struct mx_snapshot *s)
{
	return xasprintf("%s mode %s id %s", mx_sts_state_name(s->sts),
			 nz(s->sts_mode, "-"), nz(s->sts_id, "-"));
}

static void rule_mtasts(const struct mx_snapshot *p, struct mx_snapshot *c)
{
	if (p->sts == MX_STS_NOT_LOOKED_UP || c->sts == MX_STS_NOT_LOOKED_UP)
		return;
	int mode_diff = (p->sts_mode == NULL) != (c->sts_mode == NULL) ||
			!same(p->sts_mode, c->sts_mode);
	int id_diff = (p->sts_id == NULL) != (c->sts_id == NULL) ||
		      !same(p->sts_id, c->sts_id);
	int applies_diff = sts_applies(p) != sts_applies(c);
	if (!mode_diff && !id_diff && !applies_diff)
		return;
	enum mx_severity sev = MX_SEV_INFO;
	if ((sts_applies(p) && !sts_applies(c)) ||
	    sts_mode_rank(c->sts_mode) < sts_mode_rank(p->sts_mode))
		sev = MX_SEV_WARN;
	char *before = sts_text(p), *after = sts_text(c);
	char *ev = xasprintf("MTA-STS policy changed: %s -> %s", before, after);
	add(c, "drift.mtasts_changed", sev, ev, before, after);
	free(ev);
	free(before);
	free(after);
}

/* ---- findings ------------------------------------------------------------- */

static int had_critical(const struct mx_snapshot *p, const char *id)
{
	for (size_t i = 0; i < p->nfindings; i++)
		if (p->findings[i].severity == MX_SEV_CRIT &&
		    strcmp(p->findings[i].id, id) == 0)
			return 1;
	return 0;
}

static void rule_new_critical(const struct mx_snapshot *p,
			      struct mx_snapshot *c)
{
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct mx_snap_finding *f = &c->findings[i];
		int dup = 0;

		if (f->severity != MX_SEV_CRIT ||
		    strncmp(f->id, "drift.", 6) == 0 || had_critical(p, f->id))
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = c->findings[j].severity == MX_SEV_CRIT &&
			      strcmp(c->findings[j].id, f->id) == 0;
		if (dup)
			continue;
		char *ev = xasprintf("new critical finding %s: not reported "
				     "-> %s",
				     f->id, nz(f->evidence, "critical"));
		add(c, "drift.new_critical", MX_SEV_CRIT, ev, "absent", f->id);
		free(ev);
	}
}

/* ---- the table ------------------------------------------------------------ */

typedef void (*drift_rule)(const struct mx_snapshot *p, struct mx_snapshot *c);

static const drift_rule rules[] = {
	rule_starttls_gone, rule_tls_gone,	rule_dane,
	rule_cert_replaced, rule_chain_changed, rule_cert_expiry,
	rule_tls_version,   rule_suite,		rule_temp_key,
	rule_mtasts,	    rule_new_critical,
};

void mx_drift_judge(const struct mx_snapshot *prev, struct mx_snapshot *cur)
{
	mx_snap_findings_free(cur->drift, cur->ndrift);
	cur->drift = NULL;
	cur->ndrift = 0;
	if (prev == NULL || !prev->complete || !cur->complete)
		return;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		rules[i](prev, cur);
}

const struct mx_snapshot *mx_drift_baseline(struct mx_snapshot *const *v,
					    size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL && v[i]->complete)
			return v[i];
	return NULL;
}

enum mx_severity mx_drift_worst(const struct mx_snapshot *cur)
{
	enum mx_severity w = MX_SEV_OK;

	for (size_t i = 0; i < cur->ndrift; i++)
		w = mx_severity_worse(w, cur->drift[i].severity);
	return w;
}
