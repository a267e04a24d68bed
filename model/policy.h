/*
 * policy.h - delivery TLS policy levels and the judgement interface.
 *
 * The levels are Postfix's (smtp_tls_security_level, postconf(5)), with
 * their exact meaning:
 *   none        no TLS, even if offered
 *   may         TLS if STARTTLS is offered; clear text only if STARTTLS is
 *               not offered or refused before "220"; never after a failed
 *               handshake (that session is lost: defer)
 *   encrypt     TLS required, certificate not checked
 *   verify      TLS required, chain verified, name = the MX host name
 *               (Postfix smtp_tls_verify_cert_match default "hostname")
 *   secure      TLS required, chain verified, name = next-hop domain or a
 *               subdomain of it (smtp_tls_secure_cert_match default
 *               "nexthop, dot-nexthop"), or the given match names
 *   dane        RFC 7672: usable TLSA (DNSSEC-validated) -> TLS required
 *               and authenticated by DANE-TA(2)/DANE-EE(3); no usable TLSA
 *               -> as "may"; TLSA lookup failed (bogus/servfail) -> defer
 *   dane-only   as dane, but no usable TLSA -> defer
 *   fingerprint TLS required, the leaf certificate's SHA-256 or its public
 *               key's SHA-256 must equal one of the given fingerprints
 *   mta-sts     RFC 8461 (not a Postfix level): the domain's MTA-STS
 *               policy in mode enforce -> the MX host must match one of
 *               its mx patterns, TLS required, chain verified, name = the
 *               MX host (section 4); testing, none or no usable policy
 *               -> as "may" (testing only reports)
 *
 * DANE matching (RFC 7671, RFC 7672 section 3) is part of the judgement:
 * analyzers/policy.c matches the TLSA RRset against the chain exactly as
 * the server sent it (DER in struct mx_tls), with OpenSSL's X509 API:
 * DANE-EE(3) against the leaf, names and dates ignored (RFC 7671 section
 * 5.1); DANE-TA(2) against a certificate of the chain that then anchors
 * an X509_verify_cert of the leaf, with the names checked (the MX host
 * and the next-hop domain, RFC 7672 section 3.2.2).  So `mxprobe policy`
 * judges dane from the same probe as every other level, and the sender
 * judges it after the handshake, before MAIL, like verify.
 *
 * The JUDGEMENT lives in analyzers/policy.c (pure).  The relay layer must
 * not include analyzers (DESIGN.md), so the sender receives the judge as
 * a function pointer (mx_policy_judge_fn) that src/ wires in; the types
 * they share are here, in the model.
 *
 * Ownership: struct mx_policy_facts borrows everything; the verdict is a
 * value with fixed-size text.
 */
#ifndef MX_MODEL_POLICY_H
#define MX_MODEL_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/result.h"

enum mx_tls_policy {
	MX_POLICY_NONE = 0,
	MX_POLICY_MAY,
	MX_POLICY_ENCRYPT,
	MX_POLICY_VERIFY,
	MX_POLICY_SECURE,
	MX_POLICY_DANE,
	MX_POLICY_DANE_ONLY,
	MX_POLICY_FINGERPRINT,
	MX_POLICY_MTA_STS, /* RFC 8461 (appended: values above are stable) */
	MX_POLICY__N
};

/* "none", "may", ...; "?" out of range. */
const char *mx_tls_policy_name(enum mx_tls_policy p);
/* Parse a level name (case-insensitive).  Returns 0 or -1. */
int mx_tls_policy_parse(const char *s, enum mx_tls_policy *out);

/* What the DANE TLSA lookup found (RFC 7672 section 2.2). */
enum mx_tlsa_state {
	MX_TLSA_NOT_LOOKED_UP = 0,
	MX_TLSA_NONE,	  /* secure denial of existence: no TLSA */
	MX_TLSA_INSECURE, /* answer (or MX/A) not DNSSEC-validated */
	MX_TLSA_UNUSABLE, /* secure, but no record usable (PKIX-*, bad) */
	MX_TLSA_USABLE,	  /* secure, at least one DANE-TA/DANE-EE */
	MX_TLSA_FAILED,	  /* lookup failed: SERVFAIL, bogus, timeout */
};
const char *mx_tlsa_state_name(enum mx_tlsa_state s);

enum mx_policy_decision {
	MX_POLICY_DELIVER_TLS = 0, /* would deliver encrypted */
	MX_POLICY_DELIVER_CLEAR,   /* would deliver in clear text */
	MX_POLICY_DEFER,	   /* would not deliver (temporary) */
};
const char *mx_policy_decision_name(enum mx_policy_decision d);

/* One TLSA record (RFC 6698 section 2.1), data borrowed. */
struct mx_tlsa_rr {
	uint8_t usage, selector, mtype;
	const uint8_t *data;
	size_t len;
};

/* The facts of one session (or one probe) a judgement reads. */
struct mx_policy_facts {
	enum mx_tls_mode mode;	  /* STARTTLS / implicit / plain */
	int session_ok;		  /* greeting and EHLO succeeded */
	int starttls_offered;	  /* in the EHLO reply before TLS */
	int starttls_code;	  /* reply to STARTTLS, 0 if not sent */
	const struct mx_tls *tls; /* NULL when no handshake attempted */
	const char *mx_host;	  /* host connected to (MX name) */
	int mx_host_secure;	  /* the MX name came from DNSSEC data */
	const char *nexthop;	  /* next-hop domain (secure level) */
	const char *const *match; /* secure match names; NULL: nexthop,
					 * .nexthop */
	size_t nmatch;
	const char *const *fingerprints; /* hex, colons allowed */
	size_t nfingerprints;
	enum mx_tlsa_state tlsa;	  /* for dane / dane-only */
	const struct mx_tlsa_rr *tlsa_rr; /* the TLSA RRset (when looked up) */
	size_t ntlsa_rr;
	time_t now; /* for DANE-TA chain validity; 0: do
					 * not check times */
	/* mta-sts: the policy a sender applies (analyzers/mtasts.h
	 * mx_sts_sender_mode): 0 none (no usable policy, mode none), 1
	 * testing, 2 enforce; its mx patterns */
	int sts_mode;
	const char *const *sts_mx;
	size_t nsts_mx;
};

struct mx_policy_verdict {
	enum mx_policy_decision decision;
	/* Effective level after DANE fallback (dane without TLSA: may). */
	enum mx_tls_policy effective;
	/* Finding id that names the reason ("policy.would_defer",
	 * "policy.cleartext", ...), or NULL when there is nothing to say. */
	const char *reason_id;
	char why[320]; /* one line, peer text escaped */
};

/* Why the sender itself refused to go on (no server reply to explain);
 * a fact of relay/sender.h, explained by analyzers/smtp_failures.c. */
enum mx_send_refusal {
	MX_REFUSE_NONE = 0,
	MX_REFUSE_AUTH_NOT_OFFERED, /* no AUTH in the EHLO reply */
	MX_REFUSE_AUTH_NO_MECH,	    /* no offered mechanism we support */
	MX_REFUSE_AUTH_NEEDS_TLS,   /* AUTH in clear not allowed */
	MX_REFUSE_NEED_8BITMIME,    /* 8-bit body, no 8BITMIME */
	MX_REFUSE_NEED_SMTPUTF8,    /* UTF-8 address, no SMTPUTF8 */
	MX_REFUSE_SIZE,		    /* larger than the SIZE advertised */
	MX_REFUSE_AUTH_PROTOCOL,    /* the server broke the SASL exchange */
	MX_REFUSE__N
};
const char *mx_send_refusal_name(enum mx_send_refusal r);

typedef void (*mx_policy_judge_fn)(enum mx_tls_policy level,
				   const struct mx_policy_facts *f,
				   struct mx_policy_verdict *v);

#endif
