/*
 * enum.h - cipher suite enumeration over the raw ClientHello engine.
 *
 * Purpose: for each protocol version a server speaks (SSLv3 .. TLS 1.3),
 * the suites it accepts in its preference order, the key exchange each
 * gives (DH size, which well-known prime, safe or not; ECDHE curve; TLS
 * 1.3 group), the groups it accepts and the certificate keys it has -
 * with the fewest connections - as facts in struct mx_enum
 * (model/enum.h).  Judging them is analyzers/suites.c's business.
 *
 * Connections are the cost (DESIGN.md): each one is TCP + banner + EHLO
 * + STARTTLS + hello.  So, per version:
 *   suite loop   offer every suite the registry knows for the version,
 *                the server picks one, remove it, repeat until the server
 *                refuses: accepted + 1 connections.  The server's order
 *                falls out of the picks.
 *   order check  if the picks did not follow our offer order the server
 *                enforces its own (0 extra connections); otherwise one
 *                extra connection offers the accepted suites reversed:
 *                the server keeps its first choice (server order) or
 *                takes our first (client order).
 *   group loop   TLS 1.3: offer the accepted suites with the groups not
 *                seen yet (a key share for the first one), the
 *                ServerHello or HelloRetryRequest names one group, remove
 *                it, repeat: new groups + 1 connections.  TLS 1.2 does the
 *                same over its ECDHE suites only when TLS 1.3 is refused.
 *                Counted apart (mx_enum_version.group_connections).
 *   split        a server that chokes on a large hello (FIN, RST,
 *                timeout, odd alert to the full offer of more than
 *                MX_ENUM_BIG_OFFER suites) is offered chunks of 128, then
 *                64 suites; if a chunk is answered the split is recorded
 *                (mx_enum.split_hello and the reason) and every version
 *                of the endpoint offers in chunks.  While one chain tests
 *                a large offer, other chains with large offers wait for
 *                its verdict, so an unsupported version that answers with
 *                FIN costs one connection, not three.  With picks from
 *                several chunks, one rank pass (accepted - 1 connections)
 *                recovers the server's order.
 * Independent version chains run concurrently through a connection pool
 * (per address and global caps, shared by every enumeration on the
 * loop); 421 greetings, refused connections and other SMTP-level
 * failures before the hello are retried a bounded number of times after
 * a growing backoff, which also drops the address's cap to 1.  What
 * could not be finished (retries exhausted, deadline) is marked
 * incomplete with the reason, never passed off as complete.  So is a
 * version <= TLS 1.2 whose every hello got FIN/RST/silence while a lower
 * version was accepted: a server must answer with its own best version
 * (RFC 5246 appendix E.1), so that is handshake intolerance (the
 * bisection names the trigger), not a refusal - the version is "not
 * known", not "refused".
 *
 * Three parts, each usable alone:
 *  1. The plan (pure, no I/O): struct mx_enum_chain, one per version;
 *     mx_enum_chain_next() says what to offer (or to wait, or done),
 *     mx_enum_chain_answer() takes what the server did.  Unit tests drive
 *     it with a scripted picker.  mx_enum_classify() turns a raw hello
 *     result into such an answer.
 *  2. The pool (struct mx_pool): connection slots on one loop.
 *  3. The enumerator: one endpoint's chains through the pool and the raw
 *     hello engine (probe/rawhello.h) on the caller's loop; facts into
 *     the caller's mx_enum.  The run engine (probe/engine.h) starts one
 *     per endpoint, all on one loop and one pool.
 *
 * Files: enum_offer.c (the offers in our order, the hello of an offer),
 * enum_plan.c (the plan, lane 1 included), enum_classify.c
 * (mx_enum_classify), enum_dh.c (the DH cache), enum_facts.c (what the
 * picks showed, written into struct mx_enum), enum.c (the enumerator);
 * enum_int.h is what they share and nobody else uses.
 *
 * Ownership: the enumerator borrows params strings, the pool and the
 * output struct (which it fills; mx_enum_free is the caller's).  Pool
 * waiters are embedded in the caller.  Everything else is owned inside.
 * Limits: MX_ENUM_MAX_OFFER suites and MX_ENUM_MAX_GROUPS groups per
 * version; retries per connection (params), backoff doubling from
 * params.backoff_ms, and params.deadline_ms for the whole enumeration.
 */
#ifndef MX_PROBE_ENUM_H
#define MX_PROBE_ENUM_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "model/conn.h"
#include "probe/pool.h"
#include "probe/rawhello.h"
#include "wire/tls_hello.h"

struct event_base;

#define MX_ENUM_MAX_OFFER 512
#define MX_ENUM_MAX_GROUPS 64
#define MX_ENUM_BIG_OFFER 128 /* more suites than this: a "large" hello */
#define MX_ENUM_SPLIT_MIN 64  /* smallest chunk tried */

/* ---- 1. the plan --------------------------------------------------------- */

enum mx_answer_kind {
	MX_ANS_PICK = 1, /* the server chose `suite` (and `group`) */
	MX_ANS_REFUSED,	 /* clean refusal: alert handshake_failure,
			  * protocol_version, insufficient_security,
			  * inappropriate_fallback, or another version */
	MX_ANS_ODD,	 /* FIN, RST, timeout, not TLS, a broken flight, any
			  * other alert: maybe intolerance */
};

struct mx_answer {
	enum mx_answer_kind kind;
	uint16_t suite; /* PICK */
	uint16_t group; /* PICK: TLS 1.3 key_share / HRR group, ECDHE
			  * curve; 0 when none */
	char what[120]; /* REFUSED/ODD: the reaction in our words */
};

enum mx_offer_purpose {
	MX_OFFER_SUITES = 1, /* the suite loop */
	MX_OFFER_RANK,	     /* rank pass after a split */
	MX_OFFER_ORDER,	     /* order check */
	MX_OFFER_GROUPS,     /* group loop */
};

struct mx_offer {
	enum mx_enum_ver ver;
	enum mx_offer_purpose purpose;
	const uint16_t *suites; /* borrowed from the chain until the answer */
	size_t nsuites;
	const uint16_t *groups;
	size_t ngroups;
};

/* What the chains of one endpoint learn together. */
struct mx_enum_shared {
	int big_state;	 /* 0 unknown, 1 large offers answered, 2 split */
	size_t big_ok;	 /* largest offer answered */
	size_t split_at; /* chunk size once split */
	int prober;	 /* 1 + version of the chain testing a large offer */
	int tls13;	 /* -1 not known yet, 0 refused, 1 accepted */
	char split_reason[240];
};

enum mx_chain_step { MX_CHAIN_OFFER = 0, MX_CHAIN_WAIT, MX_CHAIN_DONE };

enum mx_enum_flags {
	MX_ENUM_NO_ORDER = 1u << 0,  /* skip the order check */
	MX_ENUM_NO_GROUPS = 1u << 1, /* skip the group loop */
};

struct mx_enum_chain {
	enum mx_enum_ver ver;
	unsigned flags;
	struct mx_enum_shared *sh;
	int phase;
	uint16_t all[MX_ENUM_MAX_OFFER]; /* the first offer, our order */
	size_t nall;
	uint16_t cand[MX_ENUM_MAX_OFFER]; /* not picked, not refused */
	size_t ncand;
	uint16_t picks[MX_ENUM_MAX_OFFER]; /* accepted, order found */
	size_t npicks;
	uint16_t offer[MX_ENUM_MAX_OFFER]; /* the offer out */
	size_t noffer;
	size_t chunk;	    /* 0: whole offers; else chunk size */
	size_t chunks_done; /* chunks refused or exhausted */
	size_t pick_chunk;  /* chunk index of the last pick + 1 */
	int multi_chunk;    /* picks came from more than one chunk */
	size_t big_fail_n;  /* the large offer that got an odd answer */
	char big_fail_what[120];
	uint16_t gall[MX_ENUM_MAX_GROUPS]; /* groups offered in the loop */
	size_t ngall;
	uint16_t gcand[MX_ENUM_MAX_GROUPS]; /* groups not seen yet */
	size_t ngcand;
	uint16_t gfound[MX_ENUM_MAX_GROUPS]; /* groups negotiated */
	size_t ngfound;
	uint16_t gsuites[MX_ENUM_MAX_OFFER]; /* suites for the group loop */
	size_t ngsuites;
	int state;	  /* 1 accepted, 0 refused, -1 unknown */
	size_t clean;	  /* suite-loop answers that were PICK or REFUSED */
	int server_order; /* 1, 0, -1 unknown */
	char order_method[160];
	char refusal[120];
	int incomplete;
	char reason[160];
	/* Lane 1: a second connection at once for this version's suite
	 * loop (mx_enum_chain_next_lane1). */
	int lane1;     /* LANE1_* in enum_plan.c */
	int lane1_out; /* a lane-1 offer awaits its answer */
	int lane0_out; /* a suite-loop offer of lane 0 awaits its answer */
	int lane0_done;
	/* Both lanes named the same suite: it was the last acceptable one
	 * in both offers (client order), so none is left but that is not
	 * taken on trust - one offer of the rest confirms it, the other
	 * lane waits (a budget of accepted + 2 holds). */
	int ends_one;
	int nosplit;
	uint16_t probe_first, probe_last;   /* the order probe's two picks */
	uint16_t offer1[MX_ENUM_MAX_OFFER]; /* lane 1's offer out */
	size_t noffer1;
	size_t conns;	    /* answers in the suite loop + rank + order */
	size_t order_conns; /* of conns: the order check */
	size_t group_conns; /* answers in the group loop */
	/* Group lane: the group loop beside the suite loop
	 * (mx_enum_chain_next_glane), on its own offer buffer. */
	int glane;     /* GLANE_* in enum_plan.c */
	int glane_out; /* a group-lane offer awaits its answer */
	uint16_t gloffer[MX_ENUM_MAX_OFFER];
	size_t ngloffer;
};

/* The suites / groups the registry knows for a version, in our offer
 * order (forward secrecy and AEAD first, then by strength; every suite
 * the registry lists for the version, signalling values excluded).
 * Returns the count written (at most max). */
size_t mx_enum_offer_suites(enum mx_enum_ver v, uint16_t *out, size_t max);
/* The same offer without the suites whose cipher (enum mx_cipher) has its
 * bit in `exclude` (1u << MX_CIPHER_*; 0: nothing left out), order kept.
 * A server that drops hellos offering one class (handshake intolerance)
 * can still be enumerated for the rest. */
size_t mx_enum_offer_suites_without(enum mx_enum_ver v, uint32_t exclude,
				    uint16_t *out, size_t max);
/* 1 when the registry suite `id` belongs to a class in `exclude`. */
int mx_enum_suite_excluded(uint16_t id, uint32_t exclude);
size_t mx_enum_offer_groups(enum mx_enum_ver v, uint16_t *out, size_t max);

void mx_enum_shared_init(struct mx_enum_shared *sh);
/* suites/groups: the initial offer (NULL: the registry's, above). */
void mx_enum_chain_init(struct mx_enum_chain *c, enum mx_enum_ver v,
			struct mx_enum_shared *sh, unsigned flags,
			const uint16_t *suites, size_t nsuites,
			const uint16_t *groups, size_t ngroups);
enum mx_chain_step mx_enum_chain_next(struct mx_enum_chain *c,
				      struct mx_offer *o);
void mx_enum_chain_answer(struct mx_enum_chain *c, const struct mx_answer *a);
/* The chain cannot go on (retries exhausted, deadline): incomplete. */
void mx_enum_chain_abort(struct mx_enum_chain *c, const char *why);

/* Lane 1 - a second connection for one version when a slot would idle.
 * A client-order server takes the first acceptable suite of each offer,
 * so the two ends of the candidates can be asked at the same time: lane
 * 0 offers them in our order (the server names the first acceptable
 * one), lane 1 in reverse (the last one); either's find leaves both
 * lists, and both lanes stay busy until the list is exhausted (accepted
 * suites + 2: a refusal per lane, or one suite named by both lanes at
 * the end and one refusal).  The lane first finds the order early: our last find offered
 * before our first - the server taking the one offered first uses the
 * client's order.  Only then, and only in the plain suite loop (no split
 * hellos), it takes the other end.  A server-order server keeps one lane
 * (its order is the order of the picks).  Returns MX_CHAIN_OFFER with *o filled, or
 * MX_CHAIN_WAIT when lane 1 has nothing to ask now.  `start` 0: only go
 * on with a lane already split (never begin one). */
enum mx_chain_step mx_enum_chain_next_lane1(struct mx_enum_chain *c,
					    struct mx_offer *o, int start);
void mx_enum_chain_answer_lane1(struct mx_enum_chain *c,
				const struct mx_answer *a);

/* Group lane - the group loop needs one accepted suite that uses a group
 * (an ECDHE suite in TLS 1.2 once TLS 1.3 is known to be refused; any
 * TLS 1.3 suite), not the whole suite loop: it can run beside it, in a
 * second connection slot, and the version ends sooner.  The lane offers the suites picked so far with the groups
 * not seen yet; each pick removes its group, a refusal ends the lane
 * (the group loop's own budget: new groups + 1).  Once the lane has
 * begun, the chain's own group loop is not run; the chain is done when
 * the lane is.  Not in split mode.  Returns MX_CHAIN_OFFER with *o
 * filled (suites and groups borrowed from the chain until the answer),
 * or MX_CHAIN_WAIT. */
enum mx_chain_step mx_enum_chain_next_glane(struct mx_enum_chain *c,
					    struct mx_offer *o);
void mx_enum_chain_answer_glane(struct mx_enum_chain *c,
				const struct mx_answer *a);
/* The lane's hello could not be sent: the lane ends. */
void mx_enum_chain_glane_drop(struct mx_enum_chain *c);

/* A raw hello result as an answer for a chain of version v.  Returns 0
 * with *a set; 1 when the hello was not sent for a reason worth a retry
 * (refused or timed-out connection, 4xx greeting or STARTTLS reply, lost
 * connection); -1 when not sent for good (no STARTTLS, 5xx, deadline);
 * `why` gets the reason for both. */
int mx_enum_classify(enum mx_enum_ver v, const struct mx_raw_result *r,
		     struct mx_answer *a, char *why, size_t whylen);

/* ---- 2. the pool: probe/pool.h ------------------------------------------ */

/* ---- 3. the enumerator -------------------------------------------------- */

struct mx_enum_params {
	const char *host; /* SNI (unless an IP literal) and transcript */
	const char *addr;
	uint16_t port;
	enum mx_tls_mode mode; /* STARTTLS or IMPLICIT */
	const char *helo;
	int step_timeout_ms;	  /* connect, greeting, replies; 0: 30000 */
	int hello_timeout_ms;	  /* answer to a hello; 0: 10000 */
	int64_t deadline_ms;	  /* absolute monotonic; 0: none */
	int retries;		  /* per connection; 0: 3; < 0: none */
	int backoff_ms;		  /* first backoff, doubling; 0: 1000 */
	unsigned versions;	  /* bits (1u << MX_EV_*); 0: all five */
	unsigned flags;		  /* enum mx_enum_flags */
	uint32_t exclude_ciphers; /* bits (1u << MX_CIPHER_*) of suite
				   * classes never offered; 0: none */
	mx_random_fn random;	  /* hello randoms, key shares; NULL: the
				 * OpenSSL RNG */
	void *random_ctx;
	struct mx_enum_dhcache *dh_cache; /* shared; NULL: our own */
	/* Connection records (model/conn.h) go into this endpoint, ids
	 * from the pool; NULL: none.  record_kind (enum mx_conn_kind, 0:
	 * by the offer's purpose) and record_what (the class left out)
	 * override the purpose for a re-enumeration. */
	struct mx_endpoint *record_in;
	int record_kind;
	const char *record_what;
	const struct mx_log *log;
};

struct mx_enumerator;
typedef void (*mx_enum_done_fn)(void *arg, struct mx_enumerator *en);

/* DH primes seen and whether they are safe primes, shared by the
 * enumerations of a run so each distinct p is checked once (2048 bits
 * cost ~0.2 s, 3072 bits over a second); the checks run when an
 * enumeration ends, not between its connections.  Published groups
 * above 2048 bits are not checked (dh_safe_prime -1). */
struct mx_enum_dhcache;
struct mx_enum_dhcache *mx_enum_dhcache_new(void);
void mx_enum_dhcache_free(struct mx_enum_dhcache *c);

struct mx_enumerator *mx_enumerator_new(struct event_base *base,
					struct mx_pool *pool,
					const struct mx_enum_params *p,
					struct mx_enum *out,
					mx_enum_done_fn done, void *arg);
/* Starts; done(arg, en) follows from the loop (free en in it or later). */
void mx_enumerator_start(struct mx_enumerator *en);
/* Cancels what still runs (no done callback then). */
void mx_enumerator_free(struct mx_enumerator *en);

/* Stop early: every chain still going is marked incomplete with `why`
 * ("cancelled", "deadline reached"), hellos in flight are dropped (their
 * records end as cancelled), the facts so far are written and done
 * follows from the loop. */
void mx_enumerator_cancel(struct mx_enumerator *en, const char *why);
/* Bound the answer to every hello sent from now on (the run engine
 * starts an enumeration beside the endpoint's probe and tightens this
 * once the probe measured the server's handshake time). */
void mx_enumerator_set_hello_timeout(struct mx_enumerator *en, int ms);

/* The hello timeout for ep: reuse what its probe learnt - 20 times the
 * handshake time it measured (at least 2 s, at most cap; 0: 10 s), so
 * a server that goes silent does not cost the full timeout per hello. */
int mx_enum_hello_timeout(const struct mx_endpoint *ep, int cap);

#endif
