/*
 * retry.c - the relay's retry schedule and durations; see retry.h.
 */
#include "relay/retry.h"

#include <stdio.h>
#include <string.h>

#include "relay/cfgtok.h"

static int duration(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned mult = 1, v;

	if (n == 0)
		return -1;
	switch (s[n - 1]) {
	case 's':
		n--;
		break;
	case 'm':
		mult = 60;
		n--;
		break;
	case 'h':
		mult = 3600;
		n--;
		break;
	case 'd':
		mult = 86400;
		n--;
		break;
	default:
		break;
	}
	if (mx_cfg_uint(s, n, 1, 999999, &v) < 0)
		return -1;
	if (v > max / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int mx_duration_parse(const char *s, unsigned *out)
{
	return duration(s, strlen(s), 365u * 86400u, out);
}

int mx_retry_parse(const char *s, unsigned *out, size_t max, size_t *n,
		   char *err, size_t errlen)
{
	size_t k = 0;

	*n = 0;
	if (max > MX_RETRY_MAX)
		max = MX_RETRY_MAX;
	for (;;) {
		size_t len = strcspn(s, ",");

		if (k >= max) {
			snprintf(err, errlen, "at most %zu retry intervals",
				 max);
			return -1;
		}
		if (duration(s, len, MX_RETRY_MAX_DELAY, &out[k]) < 0) {
			char shown[80];

			mx_cfg_show(shown, sizeof(shown), s, len);
			snprintf(err, errlen,
				 "\"%s\" is not a delay from 1s to 7d "
				 "(60, 90s, 5m, 1h, 1d)",
				 shown);
			return -1;
		}
		k++;
		if (s[len] == 0)
			break;
		s += len + 1;
	}
	*n = k;
	return 0;
}

unsigned mx_retry_delay(const unsigned *sched, size_t n, uint32_t attempts)
{
	if (n == 0)
		return 60;
	if (attempts == 0)
		return 0;
	return sched[attempts > n ? n - 1 : attempts - 1];
}
