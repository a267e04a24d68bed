/*
 * result.h - the result model: what a run found, as plain data.
 *
 * Probe code fills the *facts* parts (what the wire said, with timings);
 * analyzers fill the *judgement* parts (findings, column verdicts,
 * confidence, exit status); renderers read everything and write nothing.
 *
 * Ownership: every char * in here is owned by the struct that holds it
 * (malloc'ed, freed by the matching *_free / mx_run_free).  Strings that
 * came from a peer are escaped (common/escape.h) before they are stored,
 * so renderers never see control bytes.  Arrays are `T *v; size_t n, cap`.
 */
#ifndef MX_MODEL_RESULT_H
#define MX_MODEL_RESULT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model/capture.h"
#include "model/conn.h"
#include "model/enum.h"
#include "model/finding.h"

/* ---- SMTP facts -------------------------------------------------------- */

/* One parsed SMTP reply (RFC 5321 §4.2, RFC 3463 enhanced codes). */
struct mx_reply {
	int code;     /* 3-digit code; 0 if none parsed */
	char enh[16]; /* "4.7.0" or "" (first line's enhanced code) */
	size_t nlines;
	char *text; /* escaped, lines joined by '\n', codes stripped */
};

/* EHLO capabilities (RFC 5321 §4.1.1.1 and extensions).  `flags` holds
 * the MX_SMTP_CAP_* bits of wire/smtp.h (the model does not include wire/;
 * renderers show `keywords`). */
struct mx_caps {
	int valid;	 /* an EHLO reply was parsed into this */
	unsigned flags;	 /* MX_SMTP_CAP_* bits (wire/smtp.h) */
	uint64_t size;	 /* SIZE parameter; 0 = none/unlimited */
	char *auth;	 /* escaped AUTH mechanism list, "" if none */
	char **keywords; /* escaped, every keyword line as sent */
	size_t nkeywords, capkeywords;
};

/* One line of the SMTP/TLS transcript. */
enum mx_tx_dir { MX_TX_SENT, MX_TX_RECV, MX_TX_NOTE };
struct mx_tx_line {
	enum mx_tx_dir dir;
	int64_t t_ms; /* since the endpoint probe started */
	char *text;   /* escaped (secrets already redacted) */
};
struct mx_transcript {
	struct mx_tx_line *v;
	size_t n, cap;
	size_t dropped; /* lines not kept because of the cap */
};

/* A timed step of the dialogue. */
enum mx_step_state {
	MX_STEP_NOT_RUN = 0, /* never reached */
	MX_STEP_OK,	     /* completed as the protocol expects */
	MX_STEP_FAILED,	     /* attempted and failed (see endpoint error) */
	MX_STEP_SKIPPED,     /* not applicable (e.g. no STARTTLS offered) */
};
struct mx_step {
	enum mx_step_state state;
	int64_t ms; /* duration of the step */
};

/* Why an endpoint probe stopped early: a fact, judged by analyzers. */
enum mx_stop {
	MX_STOP_NONE = 0, /* ran to QUIT */
	MX_STOP_CONNECT_REFUSED,
	MX_STOP_CONNECT_TIMEOUT,
	MX_STOP_CONNECT_ERROR, /* unreachable, other errno */
	MX_STOP_GREETING_TIMEOUT,
	MX_STOP_GREETING_REJECTED, /* 421/554 (or other non-220) */
	MX_STOP_REPLY_TIMEOUT,	   /* a later reply never came */
	MX_STOP_REPLY_LIMIT,	   /* reply exceeded a line/size cap */
	MX_STOP_REPLY_MALFORMED,   /* not an SMTP reply */
	MX_STOP_PEER_CLOSED,	   /* FIN in the SMTP dialogue */
	MX_STOP_PEER_RESET,	   /* RST in the SMTP dialogue */
	MX_STOP_EHLO_REJECTED,	   /* EHLO and HELO both refused */
	MX_STOP_STARTTLS_REJECTED, /* 454/5xx to STARTTLS */
	MX_STOP_TLS_FAILED,	   /* see mx_tls.fail */
	MX_STOP_TARGET_DEADLINE,   /* per-target deadline expired */
	MX_STOP_INTERNAL,	   /* our own error (see error) */
	MX_STOP_CANCELLED,	   /* the run was cancelled (SIGINT) first */
	MX_STOP_LOCAL,		   /* our own TLS setup failed before a byte
				    * of TLS went out (a trust store that
				    * cannot load): not the server's fault */
};

struct mx_smtp {
	struct mx_step connect, banner, ehlo, starttls, tls, ehlo_tls, quit;
	struct mx_reply greeting;
	struct mx_reply starttls_reply;
	int used_helo;		 /* EHLO refused, HELO accepted */
	struct mx_caps caps;	 /* before TLS */
	struct mx_caps caps_tls; /* after TLS */
	enum mx_stop stop;
	char *error; /* escaped detail for `stop` */
	struct mx_transcript tx;
	/* Bytes the server sent after its 220 to STARTTLS, before the
	 * handshake: discarded (RFC 3207 section 4.2), judged by the
	 * analyzers (smtp.starttls_pipelined). */
	size_t starttls_dropped;
};

/* ---- TLS facts --------------------------------------------------------- */

enum mx_tls_fail {
	MX_TLS_FAIL_NONE = 0,
	MX_TLS_FAIL_ALERT_RECV, /* server sent a fatal alert */
	MX_TLS_FAIL_ALERT_SENT, /* we aborted (e.g. dh key too small) */
	MX_TLS_FAIL_EOF,	/* FIN during the handshake */
	MX_TLS_FAIL_RESET,	/* RST during the handshake */
	MX_TLS_FAIL_TIMEOUT,
	MX_TLS_FAIL_PROTOCOL, /* garbage / not TLS */
	MX_TLS_FAIL_OTHER,
	MX_TLS_FAIL_LOCAL, /* our setup (trust store, settings) failed */
};

struct mx_cert {
	uint8_t *der;
	size_t der_len;
	char *subject; /* RFC 2253-ish one line, escaped */
	char *issuer;
	char *cn;     /* subject CN or "" */
	char *serial; /* hex */
	time_t not_before, not_after;
	char *key_type; /* "RSA", "EC", "Ed25519", ... */
	int key_bits;
	char *sig_alg;	/* "sha256WithRSAEncryption" */
	char **san_dns; /* dNSName SANs, escaped */
	size_t nsan_dns;
	char **san_ip; /* iPAddress SANs as text */
	size_t nsan_ip;
	char *aia_ca_issuers; /* caIssuers URL or NULL */
	char *aia_ocsp;	      /* OCSP URL or NULL */
	char *sha256;	      /* hex fingerprint of the DER */
	char *spki_sha256;    /* hex SHA-256 of the SubjectPublicKeyInfo */
	int is_ca;	      /* basicConstraints CA:TRUE */
	int self_issued;      /* subject == issuer */
	int self_signed;      /* self-issued and its own key verifies it */
};

struct mx_chain {
	struct mx_cert *v; /* in the order the server sent them */
	size_t n, cap;
};

struct mx_tls {
	int attempted;
	int completed;
	char *backend; /* "openssl" / "gnutls" */
	char *sni;
	char *version;	      /* "TLSv1.3" */
	uint16_t suite_id;    /* IANA code point */
	char *suite_iana;     /* "TLS_AES_256_GCM_SHA384" */
	char *suite_openssl;  /* "TLS_AES_256_GCM_SHA384" / "ECDHE-RSA-..." */
	char *temp_key_type;  /* "ECDH", "DH", "X25519", or NULL */
	char *temp_key_group; /* "X25519", "P-256", "ffdhe2048", NULL */
	int temp_key_bits;
	char *alpn;
	enum mx_tls_fail fail;
	int alert;	   /* TLS alert number when fail is ALERT_* */
	char *fail_detail; /* library error text, escaped */
	int64_t handshake_ms;
	struct mx_chain chain; /* as sent */
	/* Verification, done by the probe against the trust store. */
	int verify_done;
	long verify_code;	/* X509_V_OK (0) or the X509_V_ERR_* */
	char *verify_error;	/* X509_verify_cert_error_string() */
	int verify_depth;	/* depth at which verification failed */
	int verified_chain_len; /* length of the chain the verifier built */
	/* Where the sent chain ends: is the issuer of the last certificate
	 * sent found in the trust store?  Tells a missing intermediate
	 * (issuer is an intermediate nobody has) from an untrusted root. */
	int top_issuer_in_store;
	int top_is_self_signed;
	/* Order of the sent chain: each cert issued by the next one. */
	int chain_in_order;
};

/* ---- targets, DNS, endpoints ------------------------------------------ */

enum mx_tls_mode {
	MX_MODE_STARTTLS = 0, /* smtp://, submission://, host:port */
	MX_MODE_IMPLICIT,     /* smtps:// (RFC 8314) */
	MX_MODE_PLAIN,	      /* no TLS attempt */
};

enum mx_dns_status {
	MX_DNS_NOT_ASKED = 0,
	MX_DNS_OK,     /* NOERROR with data */
	MX_DNS_NODATA, /* NOERROR, no records of the type */
	MX_DNS_NXDOMAIN,
	MX_DNS_SERVFAIL,
	MX_DNS_TIMEOUT,
	MX_DNS_BOGUS, /* DNSSEC validation failed */
	MX_DNS_ERROR, /* other rcode / resolver error */
};

/* Verdict for one summary column (filled by analyzers). */
enum mx_verdict { MX_V_NONE = 0, MX_V_OK, MX_V_WARN, MX_V_FAIL };
enum mx_column {
	MX_COL_CONNECT = 0,
	MX_COL_BANNER,
	MX_COL_EHLO,
	MX_COL_TLS_OFFERED,
	MX_COL_TLS_NEGOTIATED,
	MX_COL_CERT,
	MX_COL_NAME,
	MX_COL_DANE, /* RFC 7672: the TLSA records against the chain */
	MX_COL__N
};

/* ---- DANE facts (RFC 6698, RFC 7671, RFC 7672) ------------------------ */

/* How one TLSA record fared against the chain as sent (analyzers/dane.c). */
enum mx_dane_rr_result {
	MX_DANE_RR_NOT_JUDGED = 0,
	MX_DANE_RR_MATCH,	/* matches, and (DANE-TA) the chain verifies */
	MX_DANE_RR_NO_MATCH,	/* matches nothing sent (or does not verify) */
	MX_DANE_RR_TA_NOT_SENT, /* DANE-TA naming a CA the server omits */
	MX_DANE_RR_UNUSABLE,	/* PKIX-TA/PKIX-EE or an unknown parameter */
	MX_DANE_RR_MALFORMED,	/* digest length wrong for its type */
};

/* One TLSA record (RFC 6698 section 2.1). */
struct mx_dane_rr {
	uint8_t usage, selector, mtype;
	uint8_t *data; /* owned */
	size_t len;
	enum mx_dane_rr_result result; /* judgement */
	char *why;		       /* judgement: one line, or NULL */
};

/* The endpoint's DANE state as a sender sees it (analyzers/dane.c). */
enum mx_dane_state {
	MX_DANE_NOT_LOOKED_UP = 0, /* no host name, or not asked */
	MX_DANE_NONE,		   /* no TLSA records: DANE not used */
	MX_DANE_OK,		   /* a usable record matches */
	MX_DANE_MISMATCH,	   /* usable records, none matches */
	MX_DANE_TA_NOT_SENT,	   /* only DANE-TA of a CA not sent */
	MX_DANE_NO_TLS,		   /* usable records but no TLS session */
	MX_DANE_INSECURE,	   /* records without DNSSEC: ignored */
	MX_DANE_UNUSABLE,	   /* records, none usable for SMTP */
	MX_DANE_FAILED,		   /* the lookup failed: senders defer */
};

/* The TLSA RRset of _PORT._tcp.HOST (facts, probe/tlsa.c), and the
 * verdict on it (judgement). */
struct mx_dane {
	int looked_up; /* a query was answered (or timed out) */
	char *qname;   /* "_25._tcp.mx.example" */
	enum mx_dns_status status;
	int secure;	 /* the TLSA answer was DNSSEC-validated */
	int via_ad;	 /* secure comes from the resolver's AD bit */
	int mx_insecure; /* RFC 7672 section 2.2.1: the MX RRset was
			      * not validated, which voids the records */
	char *why_bogus; /* escaped */
	int64_t ms;
	size_t nmalformed; /* records whose rdata did not decode */
	struct mx_dane_rr *rr;
	size_t nrr;
	enum mx_dane_state state; /* judgement */
};

/* ---- MTA-STS and TLS-RPT facts (RFC 8461, RFC 8460) ------------------ */

/* One TXT record: its bytes as received (strings joined; what the
 * analyzers parse) and their escaped form (what renderers show). */
struct mx_txt_rec {
	uint8_t *raw; /* owned, raw[len] == 0 */
	size_t len;
	char *text; /* escaped */
};

/* A TXT lookup made for MTA-STS or TLS-RPT. */
struct mx_txt_lookup {
	char *qname; /* "_mta-sts.example.com" */
	enum mx_dns_status status;
	int secure;
	int64_t ms;
	struct mx_txt_rec *v;
	size_t n;
};

/* MTA-STS as a sending MTA sees it (analyzers/mtasts.c). */
enum mx_sts_state {
	MX_STS_NOT_LOOKED_UP = 0,
	MX_STS_NOT_PUBLISHED, /* no TXT, no policy */
	MX_STS_UNUSABLE,      /* published, but senders apply no policy */
	MX_STS_MODE_NONE,     /* a valid policy in mode none */
	MX_STS_OK,	      /* every MX covered, every certificate valid */
	MX_STS_FAILING,	      /* an MX not covered or its TLS fails */
};

/* TLS-RPT (RFC 8460) as judged. */
enum mx_rpt_state {
	MX_RPT_NOT_LOOKED_UP = 0,
	MX_RPT_NONE,
	MX_RPT_INVALID,
	MX_RPT_OK,
};

/* MTA-STS and TLS-RPT of a domain target: facts (probe/mtasts.c) and
 * judgement (analyzers/mtasts.c). */
struct mx_sts {
	int looked_up;
	struct mx_txt_lookup txt; /* _mta-sts.DOMAIN */
	struct mx_txt_lookup rpt; /* _smtp._tls.DOMAIN */
	/* the policy, https://mta-sts.DOMAIN/.well-known/mta-sts.txt */
	char *policy_host; /* mta-sts.DOMAIN */
	char *policy_url;
	enum mx_dns_status host_status; /* its A/AAAA via the run's DNS */
	char *policy_addr;		/* the address curl was given */
	int fetched;			/* an HTTPS request was made */
	long http_status;		/* 0: no HTTP response */
	char *content_type;		/* escaped, NULL when none */
	char *location;			/* escaped Location of a 3xx */
	char *curl_error;		/* escaped, NULL when none */
	int too_large;			/* body over the limit: aborted */
	uint8_t *body;			/* raw, owned, body[body_len] == 0 */
	size_t body_len;
	char *policy_text; /* escaped, capped */
	int64_t connect_ms, tls_ms, total_ms;
	/* judgement */
	enum mx_sts_state state;
	int txt_valid;	  /* exactly one valid v=STSv1 record */
	char *txt_id;	  /* its id */
	int policy_valid; /* fetched with 200 and parsed valid */
	char *mode;	  /* "enforce", "testing", "none", NULL */
	long max_age;	  /* -1: none */
	char **mx;	  /* patterns */
	size_t nmx;
	char **errors; /* what the parsers and fetch rules found */
	size_t nerrors;
	enum mx_rpt_state rpt_state;
	char **rpt_uris;
	size_t nrpt_uris;
};

struct mx_endpoint {
	char *host; /* MX host name (SNI, name check); may be an IP */
	char *addr; /* numeric address */
	int family; /* AF_INET / AF_INET6 */
	uint16_t port;
	enum mx_tls_mode mode;
	int pref;	    /* MX preference, -1 if not from an MX record */
	int64_t started_ms; /* monotonic start of this probe */
	int64_t total_ms;
	struct mx_smtp smtp;
	struct mx_tls tls;
	struct mx_enum *enumr; /* NULL unless enumerated (issue #3) */
	/* Every TCP connection opened for this endpoint, in creation order
	 * (model/conn.h).  Pointers: a record stays put while this grows. */
	struct mx_connrec **conns;
	size_t nconns, capconns;
	/* --capture (issue 9): the wire side of this endpoint's
	 * connections, owned; s->conn_id names the record. */
	struct mx_capsess **caps;
	size_t ncaps, capcaps;
	/* DANE: TLSA facts (probe/tlsa.c) and their state (analyzers) */
	struct mx_dane dane;
	/* judgement */
	enum mx_verdict col[MX_COL__N];
	struct mx_findings findings;
};

/* One MX host (or the implicit MX, or the single host of a host target). */
struct mx_host {
	char *name;
	int pref; /* -1 when not from MX */
	enum mx_dns_status a_status, aaaa_status;
	int dnssec_secure; /* A/AAAA answers validated */
	int64_t dns_ms;
	size_t first_ep, nep; /* slice of mx_target.endpoints */
};

enum mx_target_kind {
	MX_TARGET_DOMAIN, /* look up MX */
	MX_TARGET_HOST,	  /* one host (name or address), no MX lookup */
};

struct mx_target {
	char *spec; /* as the user wrote it */
	enum mx_target_kind kind;
	char *name; /* domain or host name, or address literal */
	uint16_t port;
	enum mx_tls_mode mode;
	/* DNS facts for a domain target */
	enum mx_dns_status mx_status;
	int mx_dnssec_secure;
	int null_mx;	 /* RFC 7505 */
	int implicit_mx; /* no MX: the domain itself (RFC 5321 §5.1) */
	int64_t dns_ms;
	char *dns_error;
	struct mx_host *hosts; /* preference order */
	size_t nhosts, caphosts;
	struct mx_endpoint *endpoints;
	size_t nendpoints, capendpoints;
	/* MTA-STS and TLS-RPT of a domain (probe/mtasts.c, analyzers) */
	struct mx_sts sts;
	/* judgement */
	struct mx_findings findings;
	int confidence; /* 0..100, -1 when nothing could be tested */
	enum mx_severity worst;
};

enum mx_exit {
	MX_EXIT_OK = 0,
	MX_EXIT_WARNING = 1,
	MX_EXIT_CRITICAL = 2,
	MX_EXIT_UNKNOWN = 3,
};

struct mx_run {
	char *tool_version;
	time_t started; /* wall clock */
	int64_t elapsed_ms;
	char *helo;
	int timeout_ms;
	struct mx_target *targets;
	size_t ntargets, captargets;
	enum mx_exit exit_status; /* analyzers */
	int interrupted; /* SIGINT/SIGTERM cancelled the run: what is not
			  * finished is marked incomplete; exit status 3 */
	struct mx_capture_info capture; /* --capture; on 0 otherwise */
	/* judgement (issue 12, --nagios/--junit): the fewest whole days
	 * left of any leaf certificate sent (negative once expired;
	 * cert_days_known 0: no leaf seen), and the day thresholds the
	 * analyzers used (crit 0: only expired certificates) */
	int cert_days_known;
	long cert_days_left;
	int cert_warn_days, cert_crit_days;
};

/* Constructors and destructors. */
struct mx_run *mx_run_new(void);
void mx_run_free(struct mx_run *run);
struct mx_target *mx_run_add_target(struct mx_run *run);
struct mx_host *mx_target_add_host(struct mx_target *t);
/* Note: adding endpoints may move the array; do not keep pointers across. */
struct mx_endpoint *mx_target_add_endpoint(struct mx_target *t);

void mx_reply_clear(struct mx_reply *r);
void mx_caps_clear(struct mx_caps *c);
void mx_caps_add_keyword(struct mx_caps *c, const char *escaped);
void mx_cert_clear(struct mx_cert *c);
void mx_chain_clear(struct mx_chain *ch);
struct mx_cert *mx_chain_add(struct mx_chain *ch);
void mx_tls_clear(struct mx_tls *t);
void mx_smtp_clear(struct mx_smtp *s);
void mx_endpoint_clear(struct mx_endpoint *ep);
/* A new connection record (mx_connrec_init'ed with id and purpose p),
 * appended to ep->conns and owned by the endpoint; the pointer returned
 * is borrowed and stays valid until the endpoint is cleared (it does not
 * move when ep->conns grows, nor when the endpoint array moves). */
struct mx_connrec *mx_endpoint_conn_new(struct mx_endpoint *ep, unsigned id,
					const struct mx_conn_purpose *p);

/* Transcript: text is escaped here (raw bytes in); capped lines/bytes. */
#define MX_TX_MAX_LINES 400
void mx_tx_add(struct mx_transcript *tx, enum mx_tx_dir dir, int64_t t_ms,
	       const void *raw, size_t len);
void mx_tx_clear(struct mx_transcript *tx);

/* Names for enums, for renderers (stable strings, used in JSON). */
const char *mx_step_state_name(enum mx_step_state s);
const char *mx_stop_name(enum mx_stop s);
const char *mx_tls_fail_name(enum mx_tls_fail f);
const char *mx_tls_mode_name(enum mx_tls_mode m);
const char *mx_dns_status_name(enum mx_dns_status s);
const char *mx_verdict_name(enum mx_verdict v);
const char *mx_column_name(enum mx_column c);
const char *mx_dane_state_name(enum mx_dane_state s);
const char *mx_dane_rr_result_name(enum mx_dane_rr_result r);
/* TLSA usage 0..3: "PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"; other
 * values "private/unknown" (static strings). */
const char *mx_dane_usage_name(uint8_t usage);
void mx_dane_clear(struct mx_dane *d);
void mx_txt_lookup_clear(struct mx_txt_lookup *l);
/* Frees everything (facts and judgement) and zeroes s. */
void mx_sts_clear(struct mx_sts *s);
/* Frees only the judgement fields (and resets them). */
void mx_sts_judgement_clear(struct mx_sts *s);
const char *mx_sts_state_name(enum mx_sts_state s);
const char *mx_rpt_state_name(enum mx_rpt_state s);

#endif
