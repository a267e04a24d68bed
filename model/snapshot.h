/*
 * snapshot.h - one endpoint's result, flattened for history and drift.
 *
 * A snapshot is what `watch` stores after every probe of an endpoint and
 * what `history` lists: the facts and verdicts a mail administrator
 * compares between two rounds (certificate, chain, TLS version and
 * suite, temp key, STARTTLS, DANE, MTA-STS, findings), as plain strings
 * and numbers, so it survives the run it came from and round-trips
 * through the history store (store/history.h) unchanged.
 *
 * The drift analyzer (analyzers/drift.h) compares two snapshots of one
 * endpoint and fills `drift` of the newer one.
 *
 * Ownership: every char * and array here is owned by the snapshot and
 * freed by mx_snapshot_free(); strings are escaped text (they come from
 * the model, which stores peer text escaped).  NULL strings mean "not
 * known / not applicable".
 *
 * The endpoint key names one endpoint across rounds and restarts:
 *   "HOST[ADDR]:PORT/MODE"   e.g. "mx1.lab.test[127.0.0.31]:25/starttls"
 * with MODE one of mx_tls_mode_name() (model/result.h).
 */
#ifndef MX_MODEL_SNAPSHOT_H
#define MX_MODEL_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/finding.h"
#include "model/result.h"

/* One finding, or one drift finding, as stored: the id is a string (a
 * store written by a newer mxprobe may hold ids this one lacks). */
struct mx_snap_finding {
	char *id; /* "cert.untrusted", "drift.cert_replaced" */
	enum mx_severity severity;
	char *evidence; /* escaped one-line text */
	char *before;	/* drift only: the old value, else NULL */
	char *after;	/* drift only: the new value, else NULL */
};

struct mx_snapshot {
	int64_t id;   /* row id in the history store; 0: not stored */
	char *key;    /* endpoint key (above) */
	char *target; /* the target spec it came from ("lab.test") */
	char *host;   /* MX host name (or address) */
	char *addr;   /* numeric address */
	uint16_t port;
	enum mx_tls_mode mode;
	int pref;  /* MX preference, -1 if none */
	time_t at; /* wall clock of the probe */
	int64_t total_ms;
	enum mx_severity worst; /* worst severity of the endpoint's findings */
	int complete;		/* the probe ran to its end (not cancelled) */
	/* SMTP */
	int connected; /* TCP connected and a 220 greeting came */
	int starttls;  /* -1: not applicable (implicit/plain) or not
			 * reached; 0: not offered; 1: offered */
	char *stop;    /* mx_stop_name() of the probe, "none" when it ran */
	/* TLS */
	int tls_ok;	      /* handshake completed */
	char *tls_version;    /* "TLSv1.3" */
	char *suite;	      /* IANA name */
	char *temp_key_type;  /* "ECDH", "DH", "X25519" ... */
	char *temp_key_group; /* "X25519", "ffdhe2048" ... */
	int temp_key_bits;    /* 0 unknown */
	/* the leaf certificate as sent, and the chain */
	char *cert_sha256; /* hex fingerprint of the leaf DER */
	char *cert_serial; /* hex */
	char *cert_subject;
	char *cert_issuer;
	time_t cert_not_after; /* 0 unknown */
	char *chain;	       /* leaf-first sha256 fingerprints, ","-joined */
	int chain_len;
	int verify_ok;	    /* the chain verified against the store */
	char *verify_error; /* the verifier's text when it did not */
	/* DANE and MTA-STS (the domain's, copied to each of its endpoints) */
	enum mx_dane_state dane;
	enum mx_sts_state sts;
	char *sts_mode; /* "enforce" ... */
	char *sts_id;	/* the TXT id */
	/* judgement */
	struct mx_snap_finding *findings;
	size_t nfindings;
	struct mx_snap_finding *drift; /* analyzers/drift.h, vs the previous */
	size_t ndrift;
};

/* Build the snapshot of endpoint ep of target t as judged (the analyzers
 * have run), probed at wall-clock time `at`.  Never NULL (aborts on out
 * of memory as xalloc does). */
struct mx_snapshot *mx_snapshot_from_endpoint(const struct mx_target *t,
					      const struct mx_endpoint *ep,
					      time_t at);
/* An empty snapshot (for the store to fill). */
struct mx_snapshot *mx_snapshot_new(void);
void mx_snapshot_free(struct mx_snapshot *s);
/* The endpoint key of ep (malloc'ed): "HOST[ADDR]:PORT/MODE". */
char *mx_snapshot_key(const struct mx_endpoint *ep);
/* Append a finding (strings copied; before/after may be NULL). */
struct mx_snap_finding *mx_snap_add(struct mx_snap_finding **v, size_t *n,
				    const char *id, enum mx_severity sev,
				    const char *evidence, const char *before,
				    const char *after);
void mx_snap_findings_free(struct mx_snap_finding *v, size_t n);
/* Whole days left of the leaf at time `now` (negative once expired);
 * 0 with *known 0 when the expiry is not known. */
long mx_snapshot_days_left(const struct mx_snapshot *s, time_t now, int *known);

#endif
