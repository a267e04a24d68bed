/*
 * capchain.h - the server's chain as a capture showed it, verified
 * against a trust store: which certificates are missing.
 *
 * Purpose: `mxprobe pcap FILE --ca-file F` answers the appliance case
 * ("unable to find valid certification path"): the chain exactly as the
 * server sent it (DER from model/capture.h) is verified with OpenSSL's
 * X509_verify_cert() against the caller's X509_STORE, for the session's
 * SNI (no name check without one), at the capture's time.  When the
 * verifier cannot find the issuer of the last certificate sent, that
 * issuer is named - its subject DN and, when the last certificate has an
 * AIA caIssuers URL, where to fetch it - as the certificate the server
 * did not send and the trust store does not have.
 *
 * API:
 *   mx_capchain_verify(&p, der, len, n, &out)  facts only
 *   mx_capchain_judge(&out, findings, where)   cert.chain_incomplete,
 *        cert.untrusted, cert.expired, cert.hostname_mismatch with that
 *        evidence (nothing when verified or not verified at all)
 * Pure: no files are opened here; the caller loads the store (src/).
 * (A store made with a hashed directory, --ca-path, reads that directory
 * when OpenSSL looks an issuer up: the caller's choice of store.)
 *
 * Ownership: struct mx_capchain is plain data (fixed buffers), nothing
 * to free; der/len are borrowed for the call.
 * Limits: MX_CAP_MAX_CERTS certificates (model/capture.h); text fields
 * are escaped (common/escape.h) and cut to their buffers.
 */
#ifndef MX_ANALYZERS_CAPCHAIN_H
#define MX_ANALYZERS_CAPCHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "model/capture.h"
#include "model/finding.h"

#define MX_CAPCHAIN_TEXT 256

struct mx_capchain_cert {
	int parsed; /* 0: the DER did not parse (the rest is empty) */
	char subject[MX_CAPCHAIN_TEXT]; /* RFC 2253, escaped */
	char issuer[MX_CAPCHAIN_TEXT];
	char cn[MX_CAPCHAIN_TEXT];
	char sha256[65];		       /* hex of the DER as sent */
	char aia_ca_issuers[MX_CAPCHAIN_TEXT]; /* "" none */
	int is_ca, self_signed;
	time_t not_before, not_after;
};

struct mx_capchain_params {
	X509_STORE *store; /* borrowed; NULL: nothing is verified */
	const char *name;  /* host name to check (SNI), NULL/"": none */
	time_t at;	   /* verification time (capture time), 0: now */
};

struct mx_capchain {
	size_t n; /* certificates sent */
	struct mx_capchain_cert certs[MX_CAP_MAX_CERTS];
	int done;     /* verification ran */
	int verified; /* X509_V_OK */
	long code;    /* X509_V_OK or X509_V_ERR_* */
	char error[128];
	int depth;		 /* where it failed, -1 none */
	int verified_len;	 /* length of the path the verifier built */
	char name[256];		 /* the name checked, "" none (escaped) */
	time_t at;		 /* the verification time used */
	int top_self_signed;	 /* the last certificate sent */
	int top_issuer_in_store; /* its issuer is in the store */
	/* The certificate nobody has: the issuer of the last one sent, when
	 * the verifier could not find it (missing[0] == '\0': none). */
	char missing[MX_CAPCHAIN_TEXT];
	char missing_url[MX_CAPCHAIN_TEXT]; /* AIA caIssuers, "" none */
	int missing_is_intermediate;	    /* the last one sent is the leaf or
				      * an intermediate below it */
};

/* Fills out (always: certificate facts even when verification cannot
 * run).  Returns 0, or -1 when verification could not be set up (out of
 * memory, no store, no certificate, the leaf does not parse): out->done
 * is 0 then. */
int mx_capchain_verify(const struct mx_capchain_params *p,
		       const unsigned char *const *der, const size_t *len,
		       size_t n, struct mx_capchain *out);
/* The same for a session's chain (s->certs), with s's last SNI as the
 * name and its start as the time. */
int mx_capchain_verify_session(X509_STORE *store, const struct mx_capsess *s,
			       struct mx_capchain *out);
void mx_capchain_judge(const struct mx_capchain *c, struct mx_findings *fs,
		       const char *where);

#endif
