/*
 * clock.c - monotonic time; see clock.h.
 */
#include "common/clock.h"

int64_t mx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t mx_wall_now(void)
{
	return time(NULL);
}

int64_t mx_deadline_left(int64_t deadline_ms, int64_t now_ms)
{
	if (deadline_ms == 0)
		return -1;
	return deadline_ms > now_ms ? deadline_ms - now_ms : 0;
}

int64_t mx_deadline_min(int64_t a, int64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}
