/*
 * confirm_judge.h - compare each client's prediction with the real
 * handshake that played it.
 *
 * Purpose: probe/confirm.c records what a real OpenSSL or GnuTLS session
 * with a profile's settings got (mx_client_sim.real_*: version, suite,
 * key exchange, or the failure and alert); this analyzer says whether
 * that agrees with the simulation's prediction, on version, suite and key
 * exchange group (or DH size) - two failures agree whatever the words -
 * and sets confirmed (1 agree, 0 disagree, -1 no real handshake ran) and
 * confirm_detail (both sides in words), which the client.prediction_mismatch
 * finding quotes.
 *
 * Pure: no I/O; idempotent (the analysis may run more than once).
 */
#ifndef MX_ANALYZERS_CONFIRM_JUDGE_H
#define MX_ANALYZERS_CONFIRM_JUDGE_H

#include "model/enum.h"

/* Judge every client of e that a real handshake played. */
void mx_judge_confirmations(struct mx_enum *e);

#endif
