/*
 * queue.h - the verdict on a relay spool (pure): why each waiting
 * message waits, and the exit status of `mxprobe queue`.
 *
 * Purpose: per message in queue/ a state and a one-line "why":
 *   new       not tried yet, its first attempt is due
 *   due       N failed attempts and the retry time has passed: the relay
 *             is busy or not running
 *   deferred  N failed attempts, the next one in <delay>
 * and for the whole spool the exit status for monitoring: 0 nothing
 * waits after a failure, 1 messages are deferred after failed attempts,
 * 2 anything in dead/ or corrupt/ or an unreadable envelope in queue/
 * (3, the spool cannot be read, is the caller's).
 * API: mx_queue_judge() fills msg->state / msg->why of view->queue and
 * view->exit_status, from view->now (no clock read).
 * Ownership: writes only those fields.
 * Limits: why is cut to MX_QUEUE_WHY_MAX.
 */
#ifndef MX_ANALYZERS_QUEUE_H
#define MX_ANALYZERS_QUEUE_H

#include "model/queue.h"

void mx_queue_judge(struct mx_queue_view *view);

#endif
