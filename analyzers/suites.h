/*
 * suites.h - judgement of a cipher enumeration (struct mx_enum): protocol
 * versions, suites, key exchange, order, completeness.
 *
 * API: mx_analyze_enum(ep, p, where) is called by mx_analyze_endpoint()
 * when ep->enumr is set.  It grades every accepted suite (the judgement
 * fields grade / grade_why of struct mx_enum_suite, overwritten on every
 * run) and adds to ep->findings: kex.dh_1024, kex.dh_weak_group,
 * kex.dh_common_prime, suite.insecure, suite.no_forward_secrecy,
 * suite.cbc_legacy, version.sslv3, version.tls10, version.tls11,
 * version.no_tls13, order.client_preference, enum.incomplete.  It
 * returns the worst severity it added (MX_SEV_OK for none), which the
 * caller folds into the TLS column.
 *
 * Rules are tables (STYLE habit 8): which registry flags make a suite
 * insecure and how badly, which version is deprecated by which RFC.
 * Anonymous suites are judged apart: on port 25 they are Postfix's
 * deliberate default for opportunistic TLS (RFC 7435) and rated info,
 * elsewhere warning; their (unauthenticated) DH group is not a kex.*
 * finding, it is shown in the suite.insecure evidence.
 *
 * Pure: reads the facts and the registry (wire/tls_registry.h), no I/O.
 */
#ifndef MX_ANALYZERS_SUITES_H
#define MX_ANALYZERS_SUITES_H

#include "analyzers/analyze.h"
#include "model/result.h"

enum mx_severity mx_analyze_enum(struct mx_endpoint *ep,
				 const struct mx_analyze_params *p,
				 const char *where);

#endif
