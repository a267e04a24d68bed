/*
 * queue.h - what `mxprobe queue` reports about a relay spool: the
 * messages waiting in queue/, the bounced ones in dead/ and the files
 * moved to corrupt/, with the verdict on each waiting message.
 *
 * Purpose: the data the queue analyzer (analyzers/queue.h) judges and
 * the queue renderers (reports/queue.h) show, without either of them
 * knowing the spool's format (relay/spool.h); src/cmd_queue.c fills it.
 * API: the types; mx_queue_state_name(); mx_queue_delay_text() writes
 * "42s", "3m 5s", "2h 10m", "4d 1h" (the sign is dropped).
 * Ownership: a view borrows everything (strings, arrays) from whoever
 * filled it; `why` is a fixed array inside each message.  Envelope text
 * is raw spool data: renderers escape it.
 * Limits: MX_QUEUE_MID_MAX octets of message id, MX_QUEUE_WHY_MAX of
 * explanation.
 */
#ifndef MX_MODEL_QUEUE_H
#define MX_MODEL_QUEUE_H

#include <stddef.h>
#include <time.h>

#define MX_QUEUE_MID_MAX 64
#define MX_QUEUE_WHY_MAX 300

enum mx_queue_state {
	MX_QUEUE_NEW = 0,  /* not tried yet */
	MX_QUEUE_DUE,	   /* the retry time has passed */
	MX_QUEUE_DEFERRED, /* waiting for its next attempt */
};

struct mx_queue_msg {
	char mid[MX_QUEUE_MID_MAX];
	int readable;	  /* the envelope could be loaded */
	long long size;	  /* octets of the spool file, -1 unknown */
	const char *from; /* reverse-path without <>; "" null sender */
	char *const *rcpts;
	size_t nrcpts;
	time_t created;
	unsigned attempts;
	time_t next_attempt;
	const char *last_error;	 /* or NULL */
	const char *dead_reason; /* dead/ only */
	/* the judgement (analyzers/queue.h), queue/ only */
	enum mx_queue_state state;
	char why[MX_QUEUE_WHY_MAX];
};

struct mx_queue_view {
	const char *spool; /* the directory */
	time_t now;
	struct mx_queue_msg *queue;
	size_t nqueue;
	struct mx_queue_msg *dead;
	size_t ndead;
	char *const *corrupt; /* file names */
	size_t ncorrupt;
	int exit_status; /* analyzers/queue.h */
};

const char *mx_queue_state_name(enum mx_queue_state s);
void mx_queue_delay_text(long long s, char *out, size_t len);

#endif
