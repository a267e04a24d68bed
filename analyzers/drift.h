/*
 * drift.h - what changed between two results of one endpoint.
 *
 * A pure analyzer over two snapshots (model/snapshot.h): no I/O, no
 * clock.  `watch`, `history` and anything else that keeps results call
 * it with the previous and the current snapshot of one endpoint key; the
 * drift findings go into cur->drift (cleared first), each with a stable
 * id in the finding catalogue (model/catalogue.c, doc/findings.md), a
 * severity, one line of evidence and the value before and after:
 *
 *   drift.cert_replaced       leaf fingerprint changed (serial shown)
 *   drift.chain_changed       the chain as sent changed (not the leaf:
 *                             e.g. the intermediate went missing)
 *   drift.cert_expiry         days left crossed 30, 14 or 7
 *   drift.tls_version         negotiated version changed (worse: warn)
 *   drift.suite               negotiated suite changed
 *   drift.temp_key_weakened   temp key smaller or weaker (DH < 2048: crit)
 *   drift.starttls_gone       STARTTLS offered before, not now (crit)
 *   drift.tls_gone            TLS completed before, not now (crit)
 *   drift.dane_match_lost     DANE matched before, not now (crit)
 *   drift.mtasts_changed      MTA-STS mode or policy id changed
 *   drift.new_critical        a critical finding id that was not there
 *
 * prev may be NULL (first result: no drift).
 */
#ifndef MX_ANALYZERS_DRIFT_H
#define MX_ANALYZERS_DRIFT_H

#include "model/snapshot.h"

void mx_drift_judge(const struct mx_snapshot *prev, struct mx_snapshot *cur);

/* The snapshot to compare a new one with: the newest complete one of
 * v[0..n) (newest first, one endpoint key), or NULL.  A cancelled probe
 * (complete == 0) measured nothing, so comparing with it would hide what
 * changed since the last complete one (added for watch and history). */
const struct mx_snapshot *mx_drift_baseline(struct mx_snapshot *const *v,
					    size_t n);

/* The worst severity among cur's drift findings (MX_SEV_OK when none). */
enum mx_severity mx_drift_worst(const struct mx_snapshot *cur);

#endif
