/*
 * enum.h - facts of a cipher enumeration, client simulation and advice
 * (issue #3), attached to an endpoint when `mxprobe ciphers` or
 * `check --deep` runs.
 *
 * Probe code (probe/enum.c, the raw ClientHello engine) fills the facts:
 * per protocol version the suites the server accepted, in its preference
 * order when it enforces one, with the key exchange each produced (DH
 * group size and which well-known prime, EC group), the groups accepted,
 * how many connections it took, and whether the result is incomplete.
 * Client simulation (analyzers/clients.c) fills `clients` with a
 * prediction per profile; probe/confirm.c adds the real-handshake
 * confirmation and the tested advice strings.
 *
 * Ownership: all strings are owned (malloc'ed) and freed by
 * mx_enum_free(); peer-derived text is escaped.
 */
#ifndef MX_MODEL_ENUM_H
#define MX_MODEL_ENUM_H

#include <stddef.h>
#include <stdint.h>

/* Protocol versions in enumeration order. */
enum mx_enum_ver {
	MX_EV_SSL3 = 0,
	MX_EV_TLS10,
	MX_EV_TLS11,
	MX_EV_TLS12,
	MX_EV_TLS13,
	MX_EV__N
};

struct mx_enum_suite {
	uint16_t id;	   /* IANA code point */
	int rank;	   /* server preference rank, 0 first; -1 if
				 * the server uses the client's order */
	char *kx;	   /* key exchange seen: "DH", "ECDH", "RSA",
				 * "X25519", ... */
	char *group;	   /* "ffdhe2048", "secp256r1", "x25519"; for
				 * custom DH: NULL */
	int kx_bits;	   /* DH modulus bits / EC field bits */
	char *dh_prime;	   /* well-known prime name, or NULL */
	int dh_safe_prime; /* 1 safe, 0 not safe, -1 not checked */
	char *auth_key;	   /* certificate key: "RSA 2048", "EC 256" */
	/* Registry facts the probe copies, so renderers need no wire/. */
	char *iana;	 /* IANA name */
	char *openssl;	 /* OpenSSL name, or NULL when it has none */
	int cipher_bits; /* effective cipher key bits (0 for NULL) */
	/* Judgement (analyzers/suites.c), cleared and set on each run. */
	int grade;	 /* enum mx_suite_grade */
	char *grade_why; /* short reason: "3DES", "no forward secrecy" */
};

/* Strength of one accepted suite, as analyzers/suites.c judges it. */
enum mx_suite_grade {
	MX_GRADE_NONE = 0, /* not judged */
	MX_GRADE_GOOD,	   /* AEAD with forward secrecy, strong group */
	MX_GRADE_OK,	   /* forward secrecy, CBC (legacy but sound) */
	MX_GRADE_WEAK,	   /* no forward secrecy, DH < 2048, SHA-1 CBC
				 * in TLS 1.0 ... */
	MX_GRADE_INSECURE, /* NULL, anon, EXPORT, RC4, DES, 3DES, DH
				 * <= 1024 */
};

struct mx_enum_version {
	int state;		      /* 1 supported, 0 refused, -1 unknown */
	struct mx_enum_suite *suites; /* server order if server_order */
	size_t n, cap;
	int server_order;	  /* 1 server's order, 0 client's, -1 unknown */
	size_t connections;	  /* suite loop + order check (incl. retries) */
	char *refusal;		  /* how the server refused (alert 70, FIN) */
	size_t order_connections; /* of `connections`: order check (0-1) */
	size_t group_connections; /* group loop, not in `connections` */
	char *order_method;	  /* how server_order was told (our words) */
	/* 1 when every answer of the suite loop was FIN, RST, silence or
	 * another odd reaction: no pick and no clean refusal (alert,
	 * another version).  A refusal that may be intolerance. */
	int odd_only;
	/* This version's part of mx_enum.incomplete_reason (an exact
	 * substring of it, "; "-separated there), or NULL. */
	char *incomplete_reason;
};

struct mx_enum_group {
	uint16_t id; /* named group code point */
	int kx_bits;
	char *name;	   /* registry name: "x25519", "secp256r1" */
	unsigned versions; /* bit (1u << enum mx_enum_ver) per version
				 * the group was negotiated in */
};

/* What part of a ClientHello an intolerant server drops: a structured
 * value (probe/bisect.c writes it, analyzers read it; the words in
 * mx_enum.intolerance_trigger are only for display). */
enum mx_intol_kind {
	MX_INTOL_NONE = 0,
	MX_INTOL_CIPHER,      /* suites of one cipher class */
	MX_INTOL_TLS13,	      /* the TLS 1.3 offer (supported_versions,
			       * key_share) */
	MX_INTOL_EXTENSION,   /* one extension */
	MX_INTOL_SIZE,	      /* a hello of `size` bytes or more */
	MX_INTOL_COMBINATION, /* no single part alone */
};
struct mx_intol_trigger {
	enum mx_intol_kind kind;
	int cipher;	    /* CIPHER: enum mx_cipher (wire/tls_registry.h);
			     * AES-CCM covers AES-CCM-8 too */
	uint16_t extension; /* EXTENSION: its code point */
	unsigned size;	    /* SIZE: bytes */
};

/* One simulated client (profile) against this endpoint. */
struct mx_client_sim {
	char *profile;	      /* stable id: "openssl3-sl2", "java8", ... */
	char *name;	      /* "OpenSSL 3 default (security level 2)" */
	int ok;		      /* predicted to connect */
	char *version;	      /* predicted version, e.g. "TLSv1.2" */
	uint16_t suite;	      /* predicted suite */
	char *kx;	      /* "DH 1024", "ECDH x25519" */
	char *why;	      /* why it fails, e.g. "dh key too small" */
	int confirmed;	      /* 1 a real handshake agreed, 0 disagreed,
				 * -1 not checked (stack cannot express it) */
	char *confirm_detail; /* analyzers/confirm_judge.c's words */
	/* The real handshake that played this profile (probe facts, judged
	 * against the prediction by analyzers/confirm_judge.c). */
	int real_run;	       /* 1 a real handshake ran for it */
	int real_ok;	       /* it completed without a failure */
	char *real_stack;      /* "openssl", "gnutls" */
	char *real_version;    /* "TLSv1.2" */
	uint16_t real_suite;   /* IANA code point, 0 none */
	char *real_suite_name; /* IANA name */
	char *real_kx_type;    /* "ECDH", "DH", NULL: none (RSA kx) */
	char *real_kx_group;   /* "x25519", "ffdhe2048", NULL */
	int real_kx_bits;
	int real_fail;	/* enum mx_tls_fail of model/result.h */
	int real_alert; /* alert number, 0 none */
	char *real_fail_detail;
	/* tested advice for a failing profile */
	char *advice_openssl; /* cipher string */
	/* with it, the TLS 1.3 suites (SSL_CTX_set_ciphersuites, openssl
	 * -ciphersuites); NULL: the library's own */
	char *advice_openssl_tls13;
	int advice_openssl_ok; /* 1 a real handshake negotiated with it */
	char *advice_gnutls;   /* priority string */
	int advice_gnutls_ok;
};

struct mx_enum {
	int64_t ms;
	size_t connections; /* TCP connections the enumeration opened */
	struct mx_enum_version v[MX_EV__N];
	struct mx_enum_group *groups; /* accepted groups */
	size_t ngroups, capgroups;
	char **cert_keys; /* distinct certificate keys seen */
	size_t ncert_keys, capcert_keys;
	int incomplete;
	char *incomplete_reason;
	int split_hello; /* offers had to be split (large hello) */
	char *split_reason;
	size_t retries;	  /* connections repeated after 421, refusal */
	int per_host_cap; /* connections at once to this address */
	/* handshake intolerance, bisected */
	int intolerant;
	struct mx_intol_trigger trigger;  /* what the server drops */
	char *intolerance_trigger;	  /* the trigger in words (display) */
	char *intolerance_reaction;	  /* "FIN after ClientHello" */
	char *intolerance_advice_openssl; /* the cipher list alone */
	/* the TLS 1.3 suites tested with it (NULL: the library's own) and
	 * whether it was tested with TLS 1.2 at most */
	char *intolerance_advice_tls13;
	int intolerance_advice_max_tls12;
	int intolerance_advice_ok;
	/* Versions the intolerance blocked, enumerated again without the
	 * dropped suite class (probe/enum_retry.c): that class is untested
	 * in those versions. */
	char *untested_class;	    /* "AES-GCM suites", or NULL */
	unsigned untested_versions; /* bit (1u << enum mx_enum_ver) each */
	char *untested;		    /* "AES-GCM suites untested in TLSv1.2:
				     * the server drops hellos offering
				     * them", or NULL */
	struct mx_client_sim *clients;
	size_t nclients, capclients;
};

struct mx_enum *mx_enum_new(void);
void mx_enum_free(struct mx_enum *e);
struct mx_enum_suite *mx_enum_add_suite(struct mx_enum_version *v);
/* Frees what v owns and resets it to "not known" (state -1). */
void mx_enum_version_clear(struct mx_enum_version *v);
/* Append text to the owned string *dst as "old; text" (or set it). */
void mx_enum_join(char **dst, const char *text);
struct mx_client_sim *mx_enum_add_client(struct mx_enum *e);
struct mx_enum_group *mx_enum_add_group(struct mx_enum *e);
const char *mx_enum_ver_name(enum mx_enum_ver v); /* "TLSv1.2" */
uint16_t mx_enum_ver_code(enum mx_enum_ver v);	  /* 0x0303 */
const char *mx_suite_grade_name(int grade);	  /* "good", "insecure" */

#endif
