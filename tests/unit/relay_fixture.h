/*
 * relay_fixture.h - test support: throwaway spools and a captured
 * relay log for the relay tests (test_listener.c, test_workers.c).
 *
 * API:
 *   rfx_spool_open(s, name, rnd): a spool in a new directory
 *     /tmp/<name>.XXXXXX whose IDs come from rfx_random(rnd), a counter
 *     the spools of one test may share, so the IDs are the same on every
 *     run; rfx_spool_close() frees it and removes the directory.
 *   rfx_spool_count(): the messages in one area of a spool.
 *   rfx_log_sink(): an mx_rlog sink appending each line and '\n' to the
 *     struct mx_buf given as its arg; rfx_log_has() searches it.
 *
 * Ownership: struct rfx_spool owns its spool and directory; the counter
 * and the log buffer belong to the caller and must outlive the spool and
 * the sink.  A failed step fails the current cmocka test.
 */
#ifndef MX_TEST_RELAY_FIXTURE_H
#define MX_TEST_RELAY_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "relay/relaylog.h"
#include "relay/spool.h"

struct rfx_spool {
	char dir[64];
	struct mx_spool *spool; /* NULL: not opened */
};

/* mx_random_fn with ctx a uint32_t counter: deterministic bytes. */
int rfx_random(void *ctx, uint8_t *out, size_t n);

void rfx_spool_open(struct rfx_spool *s, const char *name, uint32_t *rnd);
void rfx_spool_close(struct rfx_spool *s);
size_t rfx_spool_count(struct mx_spool *sp, enum mx_spool_area area);

/* mx_rlog_fn with arg a struct mx_buf. */
void rfx_log_sink(void *arg, enum mx_rlog_level level, const char *line);
int rfx_log_has(struct mx_buf *log, const char *needle);

#endif
