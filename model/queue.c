/*
 * queue.c - names and delay text of the queue report; see queue.h.
 */
#include "model/queue.h"

#include <stdio.h>

const char *mx_queue_state_name(enum mx_queue_state s)
{
	switch (s) {
	case MX_QUEUE_NEW:
		return "new";
	case MX_QUEUE_DUE:
		return "due";
	case MX_QUEUE_DEFERRED:
		return "deferred";
	}
	return "deferred";
}

void mx_queue_delay_text(long long s, char *out, size_t len)
{
	if (s < 0)
		s = -s;
	if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm %llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%lldh %lldm", s / 3600, (s % 3600) / 60);
	else
		snprintf(out, len, "%lldd %lldh", s / 86400,
			 (s % 86400) / 3600);
}
