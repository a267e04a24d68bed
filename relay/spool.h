/*
 * spool.h - the relay's durable spool: one file per message.
 *
 * The listener answers "250" only after mx_spool_put() returned
 * MX_SPOOL_OK, and mx_spool_put() returns OK only after the message is on
 * disk under its final name: the file is written in tmp/, fsync'ed,
 * linked into queue/ (which fails rather than replace an existing name),
 * and queue/ is fsync'ed.  Delivery workers list queue/, load a message,
 * and end with mx_spool_done() (delivered: unlink + fsync of queue/),
 * mx_spool_update() (deferred: attempts, next attempt, last error,
 * rewritten as a whole in tmp/ and renamed over the old file, then
 * fsync) or mx_spool_bounce() (permanent failure or lifetime expired:
 * rewritten with the reason into dead/, then removed from queue/).
 *
 * Layout of the spool directory (created 0700, files 0600):
 *   lock      flock(2)ed by the one process that owns the spool
 *   tmp/      files being written; everything here is removed at open,
 *             since nothing in it was ever acknowledged
 *   queue/    acknowledged messages waiting for delivery
 *   dead/     bounced messages, with the reason
 *   corrupt/  files that could not be read back, moved aside untouched
 *
 * Recovery at open (not with MX_SPOOL_READONLY): tmp/ is emptied; a name
 * in queue/ that is not a spool ID is moved to corrupt/; a message in
 * both queue/ and dead/ (a crash inside mx_spool_bounce) is removed from
 * queue/.  A file that fails to parse when loaded is moved to corrupt/
 * and reported as MX_SPOOL_CORRUPT: one bad file never stops the others.
 *
 * IDs: "TTTTTTTTTTTT-CCCCCC-RRRRRRRR", 28 characters of lower-case hex:
 * the envelope's `created` time (seconds), a per-handle counter, and 32
 * bits from the injected random source; names sort by creation time.
 *
 * File format, version 1 (all integers big-endian):
 *   "MXSPOOL1"                         magic and version
 *   u32 E, then E octets of envelope records, each
 *       u8 tag, u16 length L, L octets
 *       1 id (28)          2 from (0..512, "" = null sender)
 *       3 rcpt (1..512; 1..MX_SPOOL_MAX_RCPTS of them, in order)
 *       4 next_hop (0..255)                5 policy (0..64)
 *       6 created (8, int64)               7 attempts (4)
 *       8 next_attempt (8, int64)          9 last_error (0..1024)
 *      10 dead_reason (0..1024)
 *     every tag but rcpt at most once; 1, 2, 3, 6, 7, 8 required; an
 *     unknown tag makes the file corrupt (a new field is a new version)
 *   u32 M, then M octets: the message as received (CRLF, not stuffed)
 *   u64 FNV-1a-64 of every octet before it
 * and nothing after.  The parser reads it through struct mx_cur with
 * these limits (E <= MX_SPOOL_MAX_ENVELOPE, M <= MX_SPOOL_MAX_MESSAGE);
 * envelope text is printable ASCII or UTF-8, no control characters.
 *
 * No secrets: the envelope has no field for credentials, and a next hop
 * with user information ("smtp://user:pw@host") is refused
 * (MX_SPOOL_INVALID).  AUTH passwords are looked up at delivery time.
 *
 * One process owns a spool (the lock); MX_SPOOL_READONLY opens it
 * without the lock, without recovery and without writing (mxprobe queue
 * while the relay runs).  Every call is synchronous and returns a status
 * with the detail in a caller-provided diag (errno in diag->err).
 *
 * Ownership: mx_spool_open() returns a handle freed by mx_spool_free();
 * a loaded envelope is freed by mx_envelope_clear(), a loaded message by
 * free(), a list by mx_spool_list_free().  Envelopes passed in are
 * borrowed.
 */
#ifndef MX_RELAY_SPOOL_H
#define MX_RELAY_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifndef MX_RANDOM_FN_DEFINED
#define MX_RANDOM_FN_DEFINED
/* An injected random source: fill out[0..n) and return 1, or return 0.
 * (Also declared, identically, by relay/message.h.) */
typedef int (*mx_random_fn)(void *ctx, uint8_t *out, size_t n);
#endif

#define MX_SPOOL_ID_LEN 28
#define MX_SPOOL_MAX_RCPTS 1000
#define MX_SPOOL_MAX_ADDR 512
#define MX_SPOOL_MAX_HOP 255
#define MX_SPOOL_MAX_POLICY 64
#define MX_SPOOL_MAX_TEXT 1024 /* last_error, dead_reason (truncated) */
#define MX_SPOOL_MAX_ENVELOPE (1024u * 1024u)
#define MX_SPOOL_MAX_MESSAGE (128u * 1024u * 1024u)

enum mx_spool_status {
	MX_SPOOL_OK = 0,
	MX_SPOOL_IO,	       /* a system call failed (diag.err) */
	MX_SPOOL_BUSY,	       /* another process holds the lock */
	MX_SPOOL_NOT_FOUND,    /* no such message / no spool (read-only) */
	MX_SPOOL_CORRUPT,      /* unreadable file, moved to corrupt/ */
	MX_SPOOL_INVALID,      /* bad argument (envelope, id, ...) */
	MX_SPOOL_TOO_BIG,      /* message over MX_SPOOL_MAX_MESSAGE */
	MX_SPOOL_READONLY_ERR, /* a write on a read-only handle */
};

struct mx_spool_diag {
	enum mx_spool_status status;
	int err; /* errno of the failed call, or 0 */
	char text[256];
};

#define MX_SPOOL_READONLY 1u

struct mx_spool_params {
	const char *dir;
	unsigned flags;	     /* MX_SPOOL_READONLY */
	mx_random_fn random; /* required unless read-only */
	void *random_ctx;
};

/* What recovery at open did. */
struct mx_spool_recovery {
	size_t tmp_removed;
	size_t bad_names;     /* moved from queue/ to corrupt/ */
	size_t stale_removed; /* in queue/ and dead/: removed from queue/ */
};

struct mx_envelope {
	char *from; /* reverse-path without <>; "" null sender */
	char **rcpts;
	size_t nrcpts;
	char *next_hop; /* "" or NULL: route by recipient domain */
	char *policy;	/* TLS policy name; "" or NULL: default */
	time_t created;
	uint32_t attempts;
	time_t next_attempt;
	char *last_error;  /* escaped text or NULL */
	char *dead_reason; /* set by mx_spool_bounce() */
};

void mx_envelope_clear(struct mx_envelope *e);

struct mx_spool;

enum mx_spool_area {
	MX_SPOOL_AREA_QUEUE = 0,
	MX_SPOOL_AREA_DEAD,
	MX_SPOOL_AREA_CORRUPT,
};

struct mx_spool_list {
	char **ids; /* sorted; for CORRUPT: file names as found */
	size_t n, cap;
};

enum mx_spool_status mx_spool_open(const struct mx_spool_params *p,
				   struct mx_spool **out,
				   struct mx_spool_diag *d);
void mx_spool_free(struct mx_spool *sp);
const struct mx_spool_recovery *mx_spool_recovered(const struct mx_spool *sp);

/* Store a message; on MX_SPOOL_OK it is durable and id_out holds its ID.
 * env->attempts, next_attempt, last_error and dead_reason are stored as
 * given (a new message normally has 0, created, NULL, NULL). */
enum mx_spool_status mx_spool_put(struct mx_spool *sp,
				  const struct mx_envelope *env,
				  const uint8_t *msg, size_t len,
				  char id_out[MX_SPOOL_ID_LEN + 1],
				  struct mx_spool_diag *d);
enum mx_spool_status mx_spool_list(struct mx_spool *sp, enum mx_spool_area area,
				   struct mx_spool_list *out,
				   struct mx_spool_diag *d);
void mx_spool_list_free(struct mx_spool_list *l);
/* Load a message from the QUEUE or DEAD area; msg may be NULL (envelope only; the
 * whole file is still checked).  A file that does not parse is moved to
 * corrupt/ (unless read-only) and MX_SPOOL_CORRUPT is returned. */
enum mx_spool_status mx_spool_load(struct mx_spool *sp, enum mx_spool_area area,
				   const char *id, struct mx_envelope *env,
				   uint8_t **msg, size_t *len,
				   struct mx_spool_diag *d);
enum mx_spool_status mx_spool_update(struct mx_spool *sp, const char *id,
				     uint32_t attempts, time_t next_attempt,
				     const char *last_error,
				     struct mx_spool_diag *d);
enum mx_spool_status mx_spool_done(struct mx_spool *sp, const char *id,
				   struct mx_spool_diag *d);
enum mx_spool_status mx_spool_bounce(struct mx_spool *sp, const char *id,
				     const char *reason,
				     struct mx_spool_diag *d);

/* The file format on its own (pure), for tests and fuzzing: encode to a
 * malloc'ed buffer; parse into *env (owned) with *msg pointing into p.
 * id is written into the file / compared with it (NULL: not compared). */
enum mx_spool_status mx_spool_encode(const struct mx_envelope *env,
				     const char *id, const uint8_t *msg,
				     size_t len, uint8_t **out, size_t *outlen,
				     struct mx_spool_diag *d);
enum mx_spool_status mx_spool_parse(const uint8_t *p, size_t n, const char *id,
				    struct mx_envelope *env,
				    const uint8_t **msg, size_t *msglen,
				    struct mx_spool_diag *d);
/* Nonzero if s is a well-formed spool ID. */
int mx_spool_id_ok(const char *s);
const char *mx_spool_status_name(enum mx_spool_status s);

#endif
