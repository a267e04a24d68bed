/*
 * sender.h - the delivery engine: one message to one next hop under a TLS
 * policy, with AUTH (handle + params + callbacks, on the caller's loop).
 *
 * Flow (one mx_sender, one message):
 *   1. Next hop: params.nexthop is a target spec (probe/target.h): a
 *      domain ("lab.test": MX lookup, port 25, STARTTLS), a host
 *      ("mx1.lab.test:2525"), or a URL ("submission://smtp.lab.test",
 *      "smtps://host:2465", "smtp://[::1]:25").  Domains and host names
 *      are resolved with probe/dns.h (params.dns, required then).
 *   2. For dane/dane-only: the TLSA RRset _port._tcp.<mx host> (RFC 7672
 *      section 2.2), DNSSEC-validated; usable records go to the TLS
 *      backend (OpenSSL SSL_dane_*), no usable TLSA falls back as
 *      model/policy.h says.
 *   3. Endpoints are tried in MX preference order (at most max_attempts):
 *      a connection that fails before MAIL with a temporary error (TCP,
 *      greeting, 4xx, TLS, policy defer) moves on to the next endpoint, as
 *      an MTA does (RFC 5321 section 5.1); a 5xx, or anything after MAIL,
 *      ends the delivery.
 *   4. Per endpoint (probe/smtp_client.h): connect, banner, EHLO,
 *      STARTTLS/TLS as the level wants, EHLO again, then the policy judge
 *      (params.judge, see model/policy.h) decides deliver-encrypted /
 *      deliver-in-clear / defer from the session's facts.  On defer: QUIT,
 *      failed stage POLICY, result.policy_why says why.
 *   5. AUTH when auth_user is set (relay/auth.h: SCRAM-SHA-256, CRAM-MD5,
 *      PLAIN, LOGIN, best offered first), only under TLS unless
 *      allow_plaintext_auth; the transcript shows "AUTH PLAIN <redacted>"
 *      and every continuation line as "<redacted>".
 *   6. MAIL FROM (SIZE=, BODY=8BITMIME, SMTPUTF8 only when advertised
 *      and needed; a message needing an extension the server lacks is a
 *      permanent failure at MAIL, RFC 6152 section 3, RFC 6531 section
 *      3.4), RCPT TO per recipient, DATA with the dot-stuffed message
 *      (wire/smtp_data.h), QUIT.
 *
 * Result (model/send.h): per-stage steps (ms, OK/FAILED/SKIPPED/NOT_RUN) with the reply
 * of each stage, per-recipient replies, the failed stage, delivered,
 * encrypted, permanent vs temporary, the policy verdict, and every
 * attempt's SMTP and TLS facts (transcript, chain, version, cipher).  The
 * sender judges nothing beyond "did the server say 2xx": explanations of
 * failures are analyzers/smtp_failures.c's job, which fills
 * result.findings when the caller asks (src/ does).
 *
 * Callbacks: `event` (optional) reports progress for log lines in the
 * shape of mail appliances ("New SMTP DCID n ...", "DCID n TLS success
 * protocol TLSv1.3 cipher ..."): the attempt passed is the current one.
 * `done` is called once, from the event loop, never from inside
 * mx_sender_start(); the caller may free the sender in it.
 *
 * Secrets: auth_password is borrowed; the sender copies nothing of it
 * into the result, the transcript or the log, and wipes (explicit_bzero)
 * every buffer it encoded it into.  The caller wipes its own copy.
 *
 * Ownership: mx_sender_new/mx_sender_free; params and everything they
 * point to are borrowed and must outlive the sender.  The result is owned
 * by the sender (valid until mx_sender_free) unless taken over with
 * mx_sender_take_result(), then freed by mx_send_result_free().
 */
#ifndef MX_RELAY_SENDER_H
#define MX_RELAY_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/finding.h"
#include "model/policy.h"
#include "model/result.h"
#include "model/send.h"
#include "probe/tls.h"

#ifndef MX_RANDOM_FN_DEFINED
#define MX_RANDOM_FN_DEFINED
typedef int (*mx_random_fn)(void *ctx, uint8_t *out, size_t n);
#endif

struct event_base;
struct mx_dns;
struct mx_sender;

enum mx_send_event {
	MX_SEND_EV_CONNECTING,	 /* attempt: host/addr/port set */
	MX_SEND_EV_TLS_OK,	 /* attempt->tls has version and suite */
	MX_SEND_EV_TLS_FAILED,	 /* attempt->tls.fail / smtp.error */
	MX_SEND_EV_DELIVERY,	 /* MAIL FROM accepted: delivery started */
	MX_SEND_EV_ATTEMPT_DONE, /* this endpoint is finished */
};

struct mx_send_params {
	const char *nexthop; /* target spec (see above) */
	const char *from;    /* "" for the null reverse-path */
	const char *const *rcpts;
	size_t nrcpts;
	const uint8_t *msg; /* CRLF, NOT dot-stuffed */
	size_t msg_len;
	unsigned need; /* enum mx_msg_need bits (message.h) */
	/* TLS policy */
	enum mx_tls_policy policy;
	mx_policy_judge_fn judge; /* required unless policy is none */
	const char *const *fingerprints;
	size_t nfingerprints;
	const char *const *secure_match; /* NULL: nexthop, .nexthop */
	size_t nsecure_match;
	/* mta-sts: the next hop's MTA-STS policy as a sender applies it
	 * (model/policy.h mx_policy_facts.sts_*); src/ fetches it */
	int sts_mode;
	const char *const *sts_mx;
	size_t nsts_mx;
	const char *ca_file; /* NULL: system store */
	const char *ca_path;
	const struct mx_tls_backend *tls; /* NULL: mx_tls_openssl */
	/* AUTH (RFC 4954) */
	const char *auth_user;	   /* NULL: no AUTH */
	const char *auth_password; /* borrowed; the caller wipes it */
	const char *auth_mech;	   /* NULL: best offered */
	int allow_plaintext_auth;
	mx_random_fn random; /* SCRAM nonce; NULL: OS randomness */
	void *random_ctx;
	/* session */
	const char *helo;    /* NULL: "localhost" */
	int step_timeout_ms; /* each SMTP step; 0: 30000 */
	int data_timeout_ms; /* reply to the final dot; 0: 600000 */
	int deadline_ms;     /* whole delivery; 0: none */
	size_t max_attempts; /* endpoints tried; 0: 5 */
	struct mx_dns *dns;  /* borrowed; needed for names, dane */
	const struct mx_log *log;
};

struct mx_sender_cbs {
	void (*event)(void *arg, struct mx_sender *s, enum mx_send_event ev,
		      const struct mx_send_attempt *a);
	void (*done)(void *arg, struct mx_sender *s,
		     const struct mx_send_result *r);
};

/* NULL with a reason in err when the params are unusable (bad target,
 * no recipient, no judge, ...). */
struct mx_sender *mx_sender_new(struct event_base *base,
				const struct mx_send_params *p,
				const struct mx_sender_cbs *cbs, void *arg,
				char *err, size_t errlen);
/* Start; 0, or -1 with the reason in err (then done is not called). */
int mx_sender_start(struct mx_sender *s, char *err, size_t errlen);
/* Stop at once: the delivery ends as TEMPFAIL and done follows. */
void mx_sender_cancel(struct mx_sender *s);
void mx_sender_free(struct mx_sender *s);

/* The result (owned by the sender). */
const struct mx_send_result *mx_sender_result(const struct mx_sender *s);
/* Take the result over (after done); free with mx_send_result_free
 * (model/send.h). */
struct mx_send_result *mx_sender_take_result(struct mx_sender *s);

#endif
