/*
 * queue.c - why each message of a spool waits; see queue.h.
 */
#include "analyzers/queue.h"

#include <stdio.h>

static void judge_msg(struct mx_queue_msg *m, time_t now)
{
	char d[64];

	if (m->attempts == 0 && now >= m->next_attempt) {
		m->state = MX_QUEUE_NEW;
		snprintf(m->why, sizeof(m->why),
			 "new: not tried yet, delivery is due now");
	} else if (now >= m->next_attempt) {
		m->state = MX_QUEUE_DUE;
		mx_queue_delay_text(now - m->next_attempt, d, sizeof(d));
		snprintf(m->why, sizeof(m->why),
			 "due: %u failed attempt(s), the retry was due %s ago "
			 "(the relay is busy or not running)",
			 m->attempts, d);
	} else {
		m->state = MX_QUEUE_DEFERRED;
		mx_queue_delay_text(m->next_attempt - now, d, sizeof(d));
		snprintf(m->why, sizeof(m->why),
			 "deferred: %u failed attempt(s), next attempt in %s",
			 m->attempts, d);
	}
}

void mx_queue_judge(struct mx_queue_view *view)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < view->nqueue; i++) {
		struct mx_queue_msg *m = &view->queue[i];

		if (!m->readable) {
			rc = 2;
			continue;
		}
		judge_msg(m, view->now);
		if (m->attempts > 0 && rc < 1)
			rc = 1;
	}
	if (view->ndead > 0 || view->ncorrupt > 0)
		rc = 2;
	view->exit_status = rc;
}
