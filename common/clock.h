/*
 * clock.h - monotonic milliseconds and deadlines.
 *
 * All step timings in the model are monotonic milliseconds; wall-clock
 * time (mx_wall_now) is used only for certificate validity and reports.
 * A deadline of 0 means "none".
 */
#ifndef MX_COMMON_CLOCK_H
#define MX_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t mx_now_ms(void);
time_t mx_wall_now(void);
/* Milliseconds until `deadline_ms` (never negative); -1 if no deadline. */
int64_t mx_deadline_left(int64_t deadline_ms, int64_t now_ms);
/* The earlier of two deadlines, 0 meaning none. */
int64_t mx_deadline_min(int64_t a, int64_t b);

#endif
