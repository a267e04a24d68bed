/*
 * retry.h - the relay's retry schedule and durations.
 *
 * Purpose: when the delivery workers (relay/workers.h) try a deferred
 * message again.  After the k-th failed attempt the next one is
 * retry[min(k, n) - 1] seconds later ("60,300,900,3600" = 1m, 5m, 15m,
 * then hourly).
 *
 * API: mx_retry_parse (a schedule), mx_duration_parse (one duration, e.g.
 * the queue lifetime), mx_retry_delay (the wait after an attempt).
 *
 * Limits: 1..MX_RETRY_MAX entries, each 1 s .. MX_RETRY_MAX_DELAY; a
 * duration 1 s .. 365 d.  Errors name the token, escaped.
 *
 * Ownership: the caller owns every array; nothing is allocated.
 */
#ifndef MX_RELAY_RETRY_H
#define MX_RELAY_RETRY_H

#include <stddef.h>
#include <stdint.h>

#define MX_RETRY_MAX 32
#define MX_RETRY_MAX_DELAY (7u * 24u * 3600u)

/* "60,300,900,3600" or "1m,5m,15m,1h" (s, m, h, d suffixes), 1..32
 * entries, each 1 s .. 7 d.  Returns 0, or -1 with why in err. */
int mx_retry_parse(const char *s, unsigned *out, size_t max, size_t *n,
		   char *err, size_t errlen);
/* One duration: "3600", "90s", "15m", "2h", "5d"; 1 s .. 365 d. */
int mx_duration_parse(const char *s, unsigned *out);
/* Seconds to wait after the attempts-th failed attempt (attempts >= 1). */
unsigned mx_retry_delay(const unsigned *sched, size_t n, uint32_t attempts);

#endif
