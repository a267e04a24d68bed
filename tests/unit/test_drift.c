/*
 * test_drift.c - the drift analyzer (analyzers/drift.c) and the snapshot
 * helpers (model/snapshot.c).
 *
 * Table-driven: every drift id is triggered (with its severity and the
 * "before -> after" in its evidence) and not triggered by a near miss;
 * a NULL or cancelled previous result gives no drift; the expiry marks
 * 30/14/7 are counted from each snapshot's own time; judging twice
 * replaces the drift; mx_snapshot_from_endpoint copies the model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/drift.h"
#include "common/xalloc.h"
#include "model/severity.h"
#include "model/snapshot.h"

#define DAY 86400
#define T0 ((time_t)1800000000) /* 2027-01-15 */

static void set(char **field, const char *v)
{
	free(*field);
	*field = v != NULL ? xstrdup(v) : NULL;
}

/* A healthy STARTTLS endpoint: TLS 1.3, X25519, a 2-certificate chain
 * that verifies, 90 days left, DANE ok, MTA-STS enforce. */
static struct mx_snapshot *base(time_t at)
{
	struct mx_snapshot *s = mx_snapshot_new();

	set(&s->key, "mx1.lab.test[127.0.0.31]:25/starttls");
	set(&s->target, "lab.test");
	set(&s->host, "mx1.lab.test");
	set(&s->addr, "127.0.0.31");
	s->port = 25;
	s->mode = MX_MODE_STARTTLS;
	s->pref = 10;
	s->at = at;
	s->complete = 1;
	s->connected = 1;
	s->starttls = 1;
	set(&s->stop, "none");
	s->tls_ok = 1;
	set(&s->tls_version, "TLSv1.3");
	set(&s->suite, "TLS_AES_256_GCM_SHA384");
	set(&s->temp_key_type, "X25519");
	set(&s->temp_key_group, "X25519");
	s->temp_key_bits = 253;
	set(&s->cert_sha256, "aa11aa11aa11aa11aa11aa11aa11aa11"
			     "aa11aa11aa11aa11aa11aa11aa11aa11");
	set(&s->cert_serial, "01A2");
	set(&s->cert_subject, "CN=mx1.lab.test");
	set(&s->cert_issuer, "CN=Lab Intermediate");
	s->cert_not_after = T0 + 90 * DAY;
	set(&s->chain, "aa11aa11aa11aa11aa11aa11aa11aa11"
		       "aa11aa11aa11aa11aa11aa11aa11aa11,"
		       "bb22bb22bb22bb22bb22bb22bb22bb22"
		       "bb22bb22bb22bb22bb22bb22bb22bb22");
	s->chain_len = 2;
	s->verify_ok = 1;
	s->dane = MX_DANE_OK;
	s->sts = MX_STS_OK;
	set(&s->sts_mode, "enforce");
	set(&s->sts_id, "20260101");
	return s;
}

typedef void (*mutate)(struct mx_snapshot *p, struct mx_snapshot *c);

static void m_none(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	(void)c;
}
static void m_cert(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->cert_sha256, "cc33cc33cc33cc33cc33cc33cc33cc33"
			     "cc33cc33cc33cc33cc33cc33cc33cc33");
	set(&c->cert_serial, "03FF");
	set(&c->chain, "cc33cc33cc33cc33cc33cc33cc33cc33"
		       "cc33cc33cc33cc33cc33cc33cc33cc33,"
		       "bb22bb22bb22bb22bb22bb22bb22bb22"
		       "bb22bb22bb22bb22bb22bb22bb22bb22");
}
/* the serial text changes but not the fingerprint: no replacement */
static void m_cert_same_fp(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->cert_subject, "CN=other");
}
static void m_chain_lost(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->chain, "aa11aa11aa11aa11aa11aa11aa11aa11"
		       "aa11aa11aa11aa11aa11aa11aa11aa11");
	c->chain_len = 1;
	c->verify_ok = 0;
	set(&c->verify_error, "unable to get local issuer certificate");
}
static void m_chain_grew(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->chain, "aa11aa11aa11aa11aa11aa11aa11aa11"
		       "aa11aa11aa11aa11aa11aa11aa11aa11,"
		       "bb22bb22bb22bb22bb22bb22bb22bb22"
		       "bb22bb22bb22bb22bb22bb22bb22bb22,dd44dd44");
	c->chain_len = 3;
}
/* 35 days left then 28, each at its own time: 30 crossed */
static void m_exp30(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->cert_not_after = p->at + 35 * DAY;
	c->cert_not_after = p->cert_not_after;
	c->at = p->at + 7 * DAY;
}
static void m_exp14(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->cert_not_after = p->at + 15 * DAY;
	c->cert_not_after = p->cert_not_after;
	c->at = p->at + 2 * DAY;
}
/* 31 -> 5: 30, 14 and 7 crossed at once; the smallest mark is said */
static void m_exp7(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->cert_not_after = p->at + 31 * DAY + 100;
	c->cert_not_after = p->cert_not_after;
	c->at = p->at + 26 * DAY;
}
/* 20 -> 15 days: no mark crossed */
static void m_exp_none(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->cert_not_after = p->at + 20 * DAY;
	c->cert_not_after = p->cert_not_after;
	c->at = p->at + 5 * DAY;
}
/* a renewal moves the expiry up: nothing crossed downwards */
static void m_exp_renewed(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->cert_not_after = p->at + 5 * DAY;
	c->cert_not_after = p->at + 95 * DAY;
	c->at = p->at + DAY;
}
static void m_ver_down(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->tls_version, "TLSv1.2");
	set(&c->suite, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
}
static void m_ver_up(struct mx_snapshot *p, struct mx_snapshot *c)
{
	set(&p->tls_version, "TLSv1.2");
	set(&p->suite, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	(void)c;
}
static void m_suite_weak(struct mx_snapshot *p, struct mx_snapshot *c)
{
	set(&p->tls_version, "TLSv1.2");
	set(&p->suite, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	set(&c->tls_version, "TLSv1.2");
	set(&c->suite, "TLS_RSA_WITH_AES_128_CBC_SHA");
}
static void m_suite_peer(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->suite, "TLS_AES_128_GCM_SHA256");
}
static void m_dh1024(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->temp_key_type, "DH");
	set(&c->temp_key_group, NULL);
	c->temp_key_bits = 1024;
}
static void m_dh_smaller(struct mx_snapshot *p, struct mx_snapshot *c)
{
	set(&p->temp_key_type, "DH");
	set(&p->temp_key_group, "ffdhe4096");
	p->temp_key_bits = 4096;
	set(&c->temp_key_type, "DH");
	set(&c->temp_key_group, "ffdhe3072");
	c->temp_key_bits = 3072;
}
static void m_no_key(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->temp_key_type, NULL);
	set(&c->temp_key_group, NULL);
	c->temp_key_bits = 0;
}
/* X25519 (253 bits) -> P-256 (256): the same strength */
static void m_curve_peer(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->temp_key_type, "ECDH");
	set(&c->temp_key_group, "P-256");
	c->temp_key_bits = 256;
}
static void m_p256_x25519(struct mx_snapshot *p, struct mx_snapshot *c)
{
	set(&p->temp_key_type, "ECDH");
	set(&p->temp_key_group, "P-256");
	p->temp_key_bits = 256;
	(void)c;
}
static void m_starttls_gone(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	c->starttls = 0;
	c->tls_ok = 0;
	set(&c->tls_version, NULL);
	set(&c->suite, NULL);
}
/* not applicable (implicit TLS) is not "gone" */
static void m_starttls_na(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	c->starttls = -1;
}
static void m_tls_gone(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	c->tls_ok = 0;
	set(&c->stop, "tls_failed");
}
static void m_dane_lost(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	c->dane = MX_DANE_MISMATCH;
}
static void m_dane_not_asked(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	c->dane = MX_DANE_NOT_LOOKED_UP;
}
static void m_sts_testing(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->sts_mode, "testing");
	set(&c->sts_id, "20260202");
}
static void m_sts_id(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->sts_id, "20260303");
}
static void m_sts_not_asked(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	c->sts = MX_STS_NOT_LOOKED_UP;
	set(&c->sts_mode, NULL);
	set(&c->sts_id, NULL);
}
static void m_new_crit(struct mx_snapshot *p, struct mx_snapshot *c)
{
	mx_snap_add(&p->findings, &p->nfindings, "cert.expiring_soon",
		    MX_SEV_WARN, "expires in 3 days", NULL, NULL);
	mx_snap_add(&c->findings, &c->nfindings, "cert.expired", MX_SEV_CRIT,
		    "expired 1 day ago", NULL, NULL);
	mx_snap_add(&c->findings, &c->nfindings, "cert.expired", MX_SEV_CRIT,
		    "twice", NULL, NULL);
}
/* the same critical finding in both: not new */
static void m_old_crit(struct mx_snapshot *p, struct mx_snapshot *c)
{
	mx_snap_add(&p->findings, &p->nfindings, "cert.untrusted", MX_SEV_CRIT,
		    "x", NULL, NULL);
	mx_snap_add(&c->findings, &c->nfindings, "cert.untrusted", MX_SEV_CRIT,
		    "y", NULL, NULL);
	mx_snap_add(&c->findings, &c->nfindings, "smtp.greeting_slow",
		    MX_SEV_WARN, "z", NULL, NULL);
}
/* TLS failed before: a version, suite or key now is no "change" */
static void m_prev_no_tls(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->tls_ok = 0;
	set(&p->tls_version, NULL);
	set(&p->suite, NULL);
	set(&p->temp_key_type, NULL);
	set(&c->tls_version, "TLSv1.2");
	set(&c->suite, "TLS_RSA_WITH_AES_128_CBC_SHA");
}
/* STARTTLS was not offered before either */
static void m_starttls_never(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->starttls = 0;
	p->tls_ok = 0;
	c->starttls = 0;
	c->tls_ok = 0;
}
/* a warning that is new is not a new critical */
static void m_new_warn(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	mx_snap_add(&c->findings, &c->nfindings, "cert.expiring_soon",
		    MX_SEV_WARN, "expires in 10 days", NULL, NULL);
}
/* a chain whose fingerprints are not known (NULL) on one side */
static void m_chain_unknown(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	set(&c->chain, NULL);
	set(&c->cert_sha256, NULL);
}

static void m_cancelled(struct mx_snapshot *p, struct mx_snapshot *c)
{
	(void)p;
	c->complete = 0;
	c->tls_ok = 0;
	c->starttls = 0;
}
static void m_prev_cancelled(struct mx_snapshot *p, struct mx_snapshot *c)
{
	p->complete = 0;
	c->tls_ok = 0;
}

struct dcase {
	const char *name;
	mutate m;
	const char *id; /* expected drift id, NULL: no drift at all */
	int present;	/* id present (1) or absent (0) */
	enum mx_severity sev;
	const char *ev; /* substring of the evidence */
	size_t ndrift;	/* exact number of drift findings, or 99 */
};

static const struct dcase cases[] = {
	{"same", m_none, NULL, 0, MX_SEV_OK, NULL, 0},
	{"cert replaced", m_cert, "drift.cert_replaced", 1, MX_SEV_INFO,
	 "leaf certificate replaced: serial 01A2 (sha256 aa11aa11aa11aa11..) "
	 "-> serial 03FF (sha256 cc33cc33cc33cc33..)",
	 1},
	{"same fingerprint", m_cert_same_fp, NULL, 0, MX_SEV_OK, NULL, 0},
	{"intermediate lost", m_chain_lost, "drift.chain_changed", 1,
	 MX_SEV_WARN,
	 "2 certificates: leaf, bb22bb22bb22bb22.. -> 1 certificate; "
	 "verification ok -> failed (unable to get local issuer",
	 1},
	{"chain grew", m_chain_grew, "drift.chain_changed", 1, MX_SEV_INFO,
	 "-> 3 certificates: leaf, bb22bb22bb22bb22.., dd44dd44", 1},
	{"leaf only changed", m_cert, "drift.chain_changed", 0, MX_SEV_OK, NULL,
	 99},
	{"expiry 30", m_exp30, "drift.cert_expiry", 1, MX_SEV_INFO,
	 "fewer than 30 days: 35 days left -> 28 days left", 1},
	{"expiry 14", m_exp14, "drift.cert_expiry", 1, MX_SEV_WARN,
	 "fewer than 14 days: 15 days left -> 13 days left", 1},
	{"expiry 7", m_exp7, "drift.cert_expiry", 1, MX_SEV_WARN,
	 "fewer than 7 days: 31 days left -> 5 days left", 1},
	{"expiry no mark", m_exp_none, "drift.cert_expiry", 0, MX_SEV_OK, NULL,
	 0},
	{"expiry renewed", m_exp_renewed, "drift.cert_expiry", 0, MX_SEV_OK,
	 NULL, 0},
	{"version down", m_ver_down, "drift.tls_version", 1, MX_SEV_WARN,
	 "went down: TLSv1.3 -> TLSv1.2", 2},
	{"version up", m_ver_up, "drift.tls_version", 1, MX_SEV_INFO,
	 "went up: TLSv1.2 -> TLSv1.3", 2},
	{"suite weaker", m_suite_weak, "drift.suite", 1, MX_SEV_WARN,
	 "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 -> "
	 "TLS_RSA_WITH_AES_128_CBC_SHA",
	 1},
	{"suite peer", m_suite_peer, "drift.suite", 1, MX_SEV_INFO,
	 "TLS_AES_256_GCM_SHA384 -> TLS_AES_128_GCM_SHA256", 1},
	{"dh 1024", m_dh1024, "drift.temp_key_weakened", 1, MX_SEV_CRIT,
	 "X25519 X25519 253 bits -> DH 1024 bits", 1},
	{"dh smaller", m_dh_smaller, "drift.temp_key_weakened", 1, MX_SEV_WARN,
	 "DH ffdhe4096 4096 bits -> DH ffdhe3072 3072 bits", 1},
	{"no temp key", m_no_key, "drift.temp_key_weakened", 1, MX_SEV_WARN,
	 "-> none (no forward secrecy)", 1},
	{"curve peer", m_curve_peer, "drift.temp_key_weakened", 0, MX_SEV_OK,
	 NULL, 0},
	{"p256 to x25519", m_p256_x25519, "drift.temp_key_weakened", 0,
	 MX_SEV_OK, NULL, 0},
	{"starttls gone", m_starttls_gone, "drift.starttls_gone", 1,
	 MX_SEV_CRIT, "offered -> not offered", 1},
	{"starttls gone, no tls_gone", m_starttls_gone, "drift.tls_gone", 0,
	 MX_SEV_OK, NULL, 1},
	{"starttls n/a", m_starttls_na, "drift.starttls_gone", 0, MX_SEV_OK,
	 NULL, 0},
	{"tls gone", m_tls_gone, "drift.tls_gone", 1, MX_SEV_CRIT,
	 "TLSv1.3 TLS_AES_256_GCM_SHA384 -> no TLS session (stop: "
	 "tls_failed)",
	 1},
	{"dane lost", m_dane_lost, "drift.dane_match_lost", 1, MX_SEV_CRIT,
	 "ok -> mismatch", 1},
	{"dane not asked", m_dane_not_asked, "drift.dane_match_lost", 0,
	 MX_SEV_OK, NULL, 0},
	{"sts testing", m_sts_testing, "drift.mtasts_changed", 1, MX_SEV_WARN,
	 "ok mode enforce id 20260101 -> ok mode testing id 20260202", 1},
	{"sts id", m_sts_id, "drift.mtasts_changed", 1, MX_SEV_INFO,
	 "id 20260101 -> ok mode enforce id 20260303", 1},
	{"sts not asked", m_sts_not_asked, "drift.mtasts_changed", 0, MX_SEV_OK,
	 NULL, 0},
	{"new critical", m_new_crit, "drift.new_critical", 1, MX_SEV_CRIT,
	 "new critical finding cert.expired: not reported -> expired 1 day", 1},
	{"old critical", m_old_crit, "drift.new_critical", 0, MX_SEV_OK, NULL,
	 0},
	{"prev no tls: version", m_prev_no_tls, "drift.tls_version", 0,
	 MX_SEV_OK, NULL, 0},
	{"prev no tls: suite", m_prev_no_tls, "drift.suite", 0, MX_SEV_OK, NULL,
	 0},
	{"starttls never", m_starttls_never, "drift.starttls_gone", 0,
	 MX_SEV_OK, NULL, 0},
	{"tls never", m_starttls_never, "drift.tls_gone", 0, MX_SEV_OK, NULL,
	 0},
	{"new warning", m_new_warn, "drift.new_critical", 0, MX_SEV_OK, NULL,
	 0},
	{"chain unknown", m_chain_unknown, "drift.chain_changed", 0, MX_SEV_OK,
	 NULL, 0},
	{"cert unknown", m_chain_unknown, "drift.cert_replaced", 0, MX_SEV_OK,
	 NULL, 0},
	{"cancelled", m_cancelled, NULL, 0, MX_SEV_OK, NULL, 0},
	{"prev cancelled", m_prev_cancelled, NULL, 0, MX_SEV_OK, NULL, 0},
};

static const struct mx_snap_finding *find(const struct mx_snapshot *s,
					  const char *id)
{
	for (size_t i = 0; i < s->ndrift; i++)
		if (strcmp(s->drift[i].id, id) == 0)
			return &s->drift[i];
	return NULL;
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *k = &cases[i];
		struct mx_snapshot *p = base(T0), *c = base(T0 + 600);

		k->m(p, c);
		mx_drift_judge(p, c);
		if (k->ndrift != 99 && c->ndrift != k->ndrift) {
			for (size_t j = 0; j < c->ndrift; j++)
				print_message("  %s: %s\n", c->drift[j].id,
					      c->drift[j].evidence);
			fail_msg("%s: %zu drift findings, want %zu", k->name,
				 c->ndrift, k->ndrift);
		}
		if (k->id != NULL) {
			const struct mx_snap_finding *f = find(c, k->id);
			if (!k->present && f != NULL)
				fail_msg("%s: %s raised: %s", k->name, k->id,
					 f->evidence);
			if (k->present) {
				if (f == NULL)
					fail_msg("%s: %s missing", k->name,
						 k->id);
				if (f->severity != k->sev)
					fail_msg("%s: severity %s, want %s",
						 k->name,
						 mx_severity_name(f->severity),
						 mx_severity_name(k->sev));
				if (strstr(f->evidence, k->ev) == NULL)
					fail_msg("%s: evidence '%s' lacks "
						 "'%s'",
						 k->name, f->evidence, k->ev);
				assert_non_null(f->before);
				assert_non_null(f->after);
				assert_non_null(strstr(f->evidence, " -> "));
				assert_non_null(mx_finding_def(f->id));
				assert_true(
					mx_severity_rank(mx_drift_worst(c)) >=
					mx_severity_rank(f->severity));
			}
		}
		mx_snapshot_free(p);
		mx_snapshot_free(c);
	}
}

static void test_null_prev(void **state)
{
	struct mx_snapshot *c = base(T0);

	(void)state;
	mx_snap_add(&c->drift, &c->ndrift, "drift.suite", MX_SEV_INFO, "old",
		    "a", "b");
	mx_drift_judge(NULL, c);
	assert_int_equal(c->ndrift, 0);
	assert_null(c->drift);
	assert_int_equal(mx_drift_worst(c), MX_SEV_OK);
	mx_snapshot_free(c);
}

/* Judging again clears the previous drift first. */
static void test_rejudge(void **state)
{
	struct mx_snapshot *p = base(T0), *c = base(T0 + 60);

	(void)state;
	m_dh1024(p, c);
	mx_drift_judge(p, c);
	assert_int_equal(c->ndrift, 1);
	assert_int_equal(mx_drift_worst(c), MX_SEV_CRIT);
	mx_drift_judge(c, c);
	assert_int_equal(c->ndrift, 0);
	mx_snapshot_free(p);
	mx_snapshot_free(c);
}

/* Many changes at once: each rule speaks once. */
static void test_everything(void **state)
{
	struct mx_snapshot *p = base(T0), *c = base(T0 + 60);
	static const char *const ids[] = {
		"drift.cert_replaced",	   "drift.chain_changed",
		"drift.tls_version",	   "drift.suite",
		"drift.temp_key_weakened", "drift.dane_match_lost",
		"drift.mtasts_changed",	   "drift.new_critical"};

	(void)state;
	m_cert(p, c);
	m_chain_lost(p, c);
	m_ver_down(p, c);
	m_dh1024(p, c);
	m_dane_lost(p, c);
	m_sts_testing(p, c);
	m_new_crit(p, c);
	mx_drift_judge(p, c);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (find(c, ids[i]) == NULL)
			fail_msg("%s missing", ids[i]);
	assert_int_equal(c->ndrift, sizeof(ids) / sizeof(ids[0]));
	assert_int_equal(mx_drift_worst(c), MX_SEV_CRIT);
	mx_snapshot_free(p);
	mx_snapshot_free(c);
}

/* The baseline skips cancelled probes: a change made while the last
 * probe was cancelled is still reported. */
static void test_baseline(void **state)
{
	struct mx_snapshot *v[3] = {base(T0 + 120), base(T0 + 60), base(T0)};
	struct mx_snapshot *c = base(T0 + 180);

	(void)state;
	assert_null(mx_drift_baseline(NULL, 0));
	v[0]->complete = 0;
	assert_ptr_equal(mx_drift_baseline(v, 3), v[1]);
	v[1]->complete = 0;
	assert_ptr_equal(mx_drift_baseline(v, 3), v[2]);
	m_cert(v[2], c);
	mx_drift_judge(mx_drift_baseline(v, 3), c);
	assert_non_null(find(c, "drift.cert_replaced"));
	v[2]->complete = 0;
	assert_null(mx_drift_baseline(v, 3));
	for (int i = 0; i < 3; i++)
		mx_snapshot_free(v[i]);
	mx_snapshot_free(c);
}

static void test_days_left(void **state)
{
	struct mx_snapshot *s = mx_snapshot_new();
	int known = 7;

	(void)state;
	assert_int_equal(mx_snapshot_days_left(s, T0, &known), 0);
	assert_int_equal(known, 0);
	s->cert_not_after = T0 + 10 * DAY + 5;
	assert_int_equal(mx_snapshot_days_left(s, T0, &known), 10);
	assert_int_equal(known, 1);
	assert_int_equal(mx_snapshot_days_left(s, T0 + 10 * DAY + 6, NULL), -1);
	assert_int_equal(mx_snapshot_days_left(s, T0 + 12 * DAY, NULL), -2);
	mx_snapshot_free(s);
}

/* The model endpoint as the analyzers leave it, flattened. */
static void test_from_endpoint(void **state)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	struct mx_endpoint *ep;
	struct mx_cert *c;
	struct mx_snapshot *s;

	(void)state;
	t->spec = xstrdup("lab.test");
	t->sts.state = MX_STS_OK;
	t->sts.mode = xstrdup("enforce");
	t->sts.txt_id = xstrdup("id1");
	ep = mx_target_add_endpoint(t);
	ep->host = xstrdup("mx1.lab.test");
	ep->addr = xstrdup("127.0.0.31");
	ep->port = 25;
	ep->mode = MX_MODE_STARTTLS;
	ep->pref = 10;
	ep->smtp.connect.state = MX_STEP_OK;
	ep->smtp.greeting.code = 220;
	ep->smtp.caps.valid = 1;
	mx_caps_add_keyword(&ep->smtp.caps, "PIPELINING");
	mx_caps_add_keyword(&ep->smtp.caps, "starttls");
	ep->tls.attempted = ep->tls.completed = 1;
	ep->tls.version = xstrdup("TLSv1.3");
	ep->tls.suite_iana = xstrdup("TLS_AES_128_GCM_SHA256");
	ep->tls.temp_key_type = xstrdup("X25519");
	ep->tls.temp_key_bits = 253;
	c = mx_chain_add(&ep->tls.chain);
	c->sha256 = xstrdup("aa");
	c->serial = xstrdup("0A");
	c->subject = xstrdup("CN=mx1");
	c->not_after = T0;
	c = mx_chain_add(&ep->tls.chain);
	c->sha256 = xstrdup("bb");
	ep->tls.verify_done = 1;
	ep->tls.verify_code = 20;
	ep->tls.verify_error = xstrdup("unable to get local issuer");
	ep->dane.state = MX_DANE_NONE;
	mx_findings_add(&ep->findings, "cert.untrusted", "w", "e %d", 1);
	mx_findings_add(&ep->findings, "smtp.greeting_slow", "w", "slow");

	s = mx_snapshot_from_endpoint(t, ep, T0 - 5);
	assert_string_equal(s->key, "mx1.lab.test[127.0.0.31]:25/starttls");
	assert_string_equal(s->target, "lab.test");
	assert_int_equal(s->pref, 10);
	assert_int_equal(s->at, T0 - 5);
	assert_int_equal(s->complete, 1);
	assert_int_equal(s->connected, 1);
	assert_int_equal(s->starttls, 1);
	assert_string_equal(s->stop, "none");
	assert_int_equal(s->tls_ok, 1);
	assert_string_equal(s->suite, "TLS_AES_128_GCM_SHA256");
	assert_string_equal(s->cert_sha256, "aa");
	assert_string_equal(s->cert_serial, "0A");
	assert_string_equal(s->chain, "aa,bb");
	assert_int_equal(s->chain_len, 2);
	assert_int_equal(s->verify_ok, 0);
	assert_string_equal(s->verify_error, "unable to get local issuer");
	assert_int_equal(s->cert_not_after, T0);
	assert_int_equal(s->dane, MX_DANE_NONE);
	assert_int_equal(s->sts, MX_STS_OK);
	assert_string_equal(s->sts_mode, "enforce");
	assert_string_equal(s->sts_id, "id1");
	assert_int_equal(s->nfindings, 2);
	assert_string_equal(s->findings[0].id, "cert.untrusted");
	assert_string_equal(s->findings[0].evidence, "e 1");
	assert_int_equal(s->worst, mx_finding_def("cert.untrusted")->severity);
	mx_snapshot_free(s);

	/* no STARTTLS keyword, nothing attempted: not offered */
	mx_caps_clear(&ep->smtp.caps);
	ep->smtp.caps.valid = 1;
	ep->tls.attempted = ep->tls.completed = 0;
	s = mx_snapshot_from_endpoint(t, ep, T0);
	assert_int_equal(s->starttls, 0);
	assert_int_equal(s->tls_ok, 0);
	assert_null(s->suite);
	mx_snapshot_free(s);
	/* implicit TLS: not applicable */
	ep->mode = MX_MODE_IMPLICIT;
	s = mx_snapshot_from_endpoint(NULL, ep, T0);
	assert_int_equal(s->starttls, -1);
	assert_null(s->target);
	assert_int_equal(s->sts, MX_STS_NOT_LOOKED_UP);
	assert_string_equal(s->key, "mx1.lab.test[127.0.0.31]:25/implicit");
	mx_snapshot_free(s);
	mx_run_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_null_prev),
		cmocka_unit_test(test_rejudge),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_days_left),
		cmocka_unit_test(test_from_endpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
