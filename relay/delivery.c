/*
 * delivery.c - one delivery of the relay's workers: load the message,
 * hand it to the sender (relay/sender.h), and act on the outcome in the
 * spool first, the index after: delivered -> done; some recipients
 * refused -> the refused ones requeued or bounced alone; permanent ->
 * bounced into dead/; temporary -> retried on the schedule, or bounced
 * ("expired") past the queue lifetime; interrupted by a shutdown -> left
 * as it was (not an attempt).  See workers.h for the rules and
 * workers_int.h for the shared state.
 *
 * Ownership: the item owns its sender, envelope and message while busy;
 * they are dropped when the delivery ends (the sender inside its own done
 * callback, which sender.h allows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "relay/message.h"
#include "relay/workers_int.h"
#include "wire/smtp_data.h"

static void busy_add(struct mx_workers *w, struct mx_wk_item *it)
{
	MX_GROW(w->busy, w->nbusy, w->capbusy);
	w->busy[w->nbusy++] = it;
	w->active++;
}

static void busy_del(struct mx_workers *w, struct mx_wk_item *it)
{
	size_t i;

	for (i = 0; i < w->nbusy; i++) {
		if (w->busy[i] == it) {
			w->busy[i] = w->busy[--w->nbusy];
			break;
		}
	}
	w->active--;
}

static unsigned need_bits(const struct mx_envelope *env, const uint8_t *msg,
			  size_t len)
{
	unsigned need = 0;
	size_t i;
	int utf8 = 0;

	for (i = 0; i < len; i++)
		if (msg[i] >= 0x80) {
			need |= MX_MSG_NEED_8BITMIME;
			break;
		}
	if (env->from[0])
		mx_smtp_mailbox_ok(env->from, strlen(env->from), &utf8);
	for (i = 0; !utf8 && i < env->nrcpts; i++)
		mx_smtp_mailbox_ok(env->rcpts[i], strlen(env->rcpts[i]), &utf8);
	if (utf8)
		need |= MX_MSG_NEED_SMTPUTF8 | MX_MSG_NEED_8BITMIME;
	return need;
}

static void delivery_done(struct mx_wk_item *it, enum mx_send_status st,
			  const struct mx_send_result *r, const char *error);

static void on_done(void *arg, struct mx_sender *s,
		    const struct mx_send_result *r)
{
	struct mx_wk_item *it = arg;

	(void)s;
	delivery_done(it, r->status, r, r->error);
}

static const struct mx_sender_cbs sender_cbs = {mx_wk_on_event, on_done};

/* The error of a result as one line for the spool and the log. */
static void result_error(const struct mx_send_result *r, const char *error,
			 char *out, size_t outlen)
{
	const struct mx_send_attempt *a = r ? mx_send_result_final(r) : NULL;
	char rep[400] = "";

	if (a != NULL && a->failed != MX_SEND_STAGE_NONE &&
	    a->stage[a->failed].reply.code != 0)
		mx_wk_reply_text(&a->stage[a->failed].reply, rep, sizeof(rep));
	if (r != NULL && r->policy_why != NULL)
		snprintf(out, outlen, "%s: TLS policy %s: %s",
			 mx_send_stage_name(r->failed_stage),
			 mx_tls_policy_name(r->policy), r->policy_why);
	else if (rep[0] && r != NULL)
		snprintf(out, outlen, "%s: %s",
			 mx_send_stage_name(r->failed_stage), rep);
	else if (r != NULL)
		snprintf(out, outlen, "%s: %s",
			 mx_send_stage_name(r->failed_stage),
			 error ? error : "failed");
	else
		snprintf(out, outlen, "%s", error ? error : "failed");
	/* The spool keeps printable text only. */
	{
		char *e = mx_escape_str(out, MX_SPOOL_MAX_TEXT - 8);

		snprintf(out, outlen, "%s", e);
		free(e);
	}
}

void mx_wk_start_delivery(struct mx_workers *w, struct mx_wk_item *it)
{
	struct mx_send_params sp;
	struct mx_spool_diag d;
	char err[300];

	memset(&d, 0, sizeof(d));
	memset(&it->env, 0, sizeof(it->env));
	if (mx_spool_load(w->p.spool, MX_SPOOL_AREA_QUEUE, it->id, &it->env,
			  &it->msg, &it->len, &d) != MX_SPOOL_OK) {
		mx_wk_lost(w, it, &d);
		return;
	}
	it->state = IT_BUSY;
	it->cancelled = 0;
	busy_add(w, it);
	w->stats.attempts++;
	memset(&sp, 0, sizeof(sp));
	sp.nexthop = it->nexthop;
	sp.from = it->env.from;
	sp.rcpts = (const char *const *)it->env.rcpts;
	sp.nrcpts = it->env.nrcpts;
	sp.msg = it->msg;
	sp.msg_len = it->len;
	sp.need = need_bits(&it->env, it->msg, it->len);
	sp.policy = it->policy;
	sp.judge = w->p.judge;
	if (it->row != NULL && it->row->nfp > 0) {
		sp.fingerprints = (const char *const *)it->row->fp;
		sp.nfingerprints = it->row->nfp;
	} else {
		sp.fingerprints = w->p.fingerprints;
		sp.nfingerprints = w->p.nfingerprints;
	}
	sp.ca_file = w->p.ca_file;
	sp.ca_path = w->p.ca_path;
	sp.tls = w->p.tls;
	if (it->auth && w->p.auth_user != NULL) {
		sp.auth_user = w->p.auth_user;
		sp.auth_password = w->p.auth_password;
	}
	sp.allow_plaintext_auth = w->p.allow_plaintext_auth;
	sp.helo = w->p.helo;
	sp.step_timeout_ms = w->p.step_timeout_ms;
	sp.data_timeout_ms = w->p.data_timeout_ms;
	sp.dns = w->p.dns;
	sp.log = w->p.devlog;
	it->dcid = 0;
	err[0] = 0;
	it->sender =
		mx_sender_new(w->base, &sp, &sender_cbs, it, err, sizeof(err));
	if (it->sender == NULL) {
		/* The sender refuses this message itself (an address it
		 * cannot send to, ...): retrying cannot help. */
		char *e = mx_escape_str(err[0] ? err : "refused", 300);

		snprintf(err, sizeof(err), "message refused by the sender: %s",
			 e);
		free(e);
		delivery_done(it, MX_SEND_PERMFAIL, NULL, err);
	} else if (mx_sender_start(it->sender, err, sizeof(err)) < 0) {
		char *e = mx_escape_str(err[0] ? err : "cannot start", 300);

		snprintf(err, sizeof(err), "%s", e);
		free(e);
		delivery_done(it, MX_SEND_ERROR, NULL, err);
	}
}

/* After a failed attempt: retry later, or bounce when too old.  Returns
 * 1 when the item was removed. */
static int defer_or_bounce(struct mx_workers *w, struct mx_wk_item *it,
			   const char *why, const char *rids)
{
	struct mx_spool_diag d;
	time_t now = mx_wall_now();
	uint32_t attempts = it->attempts + 1;
	unsigned delay = mx_retry_delay(w->retry, w->nretry, attempts);

	memset(&d, 0, sizeof(d));
	if (now - it->created >= (time_t)w->p.max_lifetime_s) {
		char reason[MX_SPOOL_MAX_TEXT];

		snprintf(reason, sizeof(reason),
			 "expired: %lds in the queue (limit %us) after %u "
			 "attempts; last error: %s",
			 (long)(now - it->created), w->p.max_lifetime_s,
			 (unsigned)attempts, why);
		if (mx_spool_bounce(w->p.spool, it->id, reason, &d) ==
		    MX_SPOOL_OK) {
			w->stats.bounced++;
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"Bounced: DCID %lu MID %s to RID %s - %s (moved "
				"to dead/)",
				it->dcid, it->id, rids, reason);
			mx_wk_item_remove(w, it);
			return 1;
		}
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s bounce failed: %s; kept in the queue", it->id,
			d.text);
	}
	if (mx_spool_update(w->p.spool, it->id, attempts, now + (time_t)delay,
			    why, &d) != MX_SPOOL_OK) {
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s spool update failed: %s", it->id, d.text);
		if (d.status == MX_SPOOL_NOT_FOUND ||
		    d.status == MX_SPOOL_CORRUPT) {
			mx_wk_lost(w, it, &d);
			return 1;
		}
	}
	w->stats.deferred++;
	it->attempts = attempts;
	it->next = now + (time_t)delay;
	it->state = IT_WAIT;
	mx_rlog(&w->p.log, MX_RLOG_INFO,
		"Delayed: DCID %lu MID %s to RID %s - %s - next attempt in %us "
		"(attempt %u)",
		it->dcid, it->id, rids, why, delay, (unsigned)attempts + 1);
	return 0;
}

/* Returns 1 when the item was removed. */
static int bounce(struct mx_workers *w, struct mx_wk_item *it, const char *why,
		  const char *rids)
{
	struct mx_spool_diag d;

	memset(&d, 0, sizeof(d));
	if (mx_spool_bounce(w->p.spool, it->id, why, &d) != MX_SPOOL_OK) {
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s bounce failed: %s; kept in the queue", it->id,
			d.text);
		it->state = IT_WAIT;
		it->next = mx_wall_now() + MX_WK_RETRY_S;
		return 0;
	}
	w->stats.bounced++;
	mx_rlog(&w->p.log, MX_RLOG_INFO,
		"Bounced: DCID %lu MID %s to RID %s - %s (moved to dead/)",
		it->dcid, it->id, rids, why);
	mx_wk_item_remove(w, it);
	return 1;
}

/* Some recipients took the message, others did not: the refused ones get
 * their own spool entries (permanent: bounced at once; temporary: retried),
 * then the original goes.  Returns 1 when the item was removed. */
static int partial(struct mx_workers *w, struct mx_wk_item *it,
		   const struct mx_send_result *r, const char *rids)
{
	const struct mx_send_attempt *a = mx_send_result_final(r);
	struct mx_envelope part;
	struct mx_spool_diag d;
	char **perm = NULL, **temp = NULL, why[MX_SPOOL_MAX_TEXT];
	char id[MX_SPOOL_ID_LEN + 1];
	size_t i, np = 0, nt = 0;
	int ok = 1;

	memset(&d, 0, sizeof(d));
	perm = xcalloc(it->env.nrcpts, sizeof(*perm));
	temp = xcalloc(it->env.nrcpts, sizeof(*temp));
	for (i = 0; a != NULL && i < a->nrcpts && i < it->env.nrcpts; i++) {
		if (a->rcpts[i].accepted)
			continue;
		if (a->rcpts[i].st.reply.code >= 500)
			perm[np++] = it->env.rcpts[i];
		else
			temp[nt++] = it->env.rcpts[i];
	}
	if (nt > 0) {
		part = it->env;
		part.rcpts = temp;
		part.nrcpts = nt;
		part.attempts = it->attempts + 1;
		part.next_attempt = mx_wall_now() +
				    (time_t)mx_retry_delay(w->retry, w->nretry,
							   it->attempts + 1);
		result_error(r, "some recipients deferred", why, sizeof(why));
		part.last_error = why;
		if (mx_spool_put(w->p.spool, &part, it->msg, it->len, id, &d) ==
		    MX_SPOOL_OK) {
			mx_wk_item_add(w, id, part.created, part.next_attempt,
				       part.attempts);
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"MID %s %zu deferred recipient(s) requeued as "
				"MID %s",
				it->id, nt, id);
		} else {
			ok = 0;
		}
	}
	if (ok && np > 0) {
		part = it->env;
		part.rcpts = perm;
		part.nrcpts = np;
		if (mx_spool_put(w->p.spool, &part, it->msg, it->len, id, &d) ==
		    MX_SPOOL_OK) {
			snprintf(why, sizeof(why), "recipient(s) refused");
			for (i = 0; a != NULL && i < a->nrcpts; i++) {
				char rep[300];
				size_t o = strlen(why);

				if (a->rcpts[i].accepted ||
				    a->rcpts[i].st.reply.code < 500)
					continue;
				mx_wk_reply_text(&a->rcpts[i].st.reply, rep,
						 sizeof(rep));
				snprintf(why + o, sizeof(why) - o,
					 "; RID %zu: %s", i, rep);
			}
			{
				char *e = mx_escape_str(why,
							MX_SPOOL_MAX_TEXT - 8);

				snprintf(why, sizeof(why), "%s", e);
				free(e);
			}
			if (mx_spool_bounce(w->p.spool, id, why, &d) ==
			    MX_SPOOL_OK) {
				w->stats.bounced++;
				mx_rlog(&w->p.log, MX_RLOG_INFO,
					"Bounced: DCID %lu MID %s (part of MID "
					"%s) - %s (moved to dead/)",
					it->dcid, id, it->id, why);
			} else {
				/* It stays queued and is retried: better
				 * than lost. */
				mx_wk_item_add(w, id, part.created,
					       part.created, part.attempts);
			}
		} else {
			ok = 0;
		}
	}
	free(perm);
	free(temp);
	if (!ok) {
		/* Keep the whole message: delivering twice beats losing. */
		result_error(r, "partial delivery", why, sizeof(why));
		return defer_or_bounce(w, it, why, rids);
	}
	mx_rlog(&w->p.log, MX_RLOG_INFO,
		"Message done DCID %lu MID %s to RID %s (partly)", it->dcid,
		it->id, rids);
	if (mx_spool_done(w->p.spool, it->id, &d) != MX_SPOOL_OK)
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s delivered but not removed: %s", it->id, d.text);
	w->stats.delivered++;
	mx_wk_item_remove(w, it);
	return 1;
}

static void delivery_done(struct mx_wk_item *it, enum mx_send_status st,
			  const struct mx_send_result *r, const char *error)
{
	struct mx_workers *w = it->w;
	struct mx_spool_diag d;
	char rids[64], why[MX_SPOOL_MAX_TEXT], rep[400];
	const struct mx_send_attempt *a = r ? mx_send_result_final(r) : NULL;
	int removed = 0;

	memset(&d, 0, sizeof(d));
	busy_del(w, it);
	mx_wk_rid_list(it->env.nrcpts, rids, sizeof(rids));
	switch (st) {
	case MX_SEND_DELIVERED:
		mx_wk_reply_text(a ? &a->stage[MX_SEND_STAGE_DATA].reply : NULL,
				 rep, sizeof(rep));
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"Message done DCID %lu MID %s to RID %s [%s]", it->dcid,
			it->id, rids, rep);
		if (mx_spool_done(w->p.spool, it->id, &d) != MX_SPOOL_OK)
			mx_rlog(&w->p.log, MX_RLOG_WARNING,
				"MID %s delivered but not removed: %s", it->id,
				d.text);
		w->stats.delivered++;
		mx_rlog(&w->p.log, MX_RLOG_INFO, "Message finished MID %s done",
			it->id);
		mx_wk_item_remove(w, it);
		removed = 1;
		break;
	case MX_SEND_PARTIAL:
		removed = partial(w, it, r, rids);
		break;
	case MX_SEND_PERMFAIL:
		result_error(r, error, why, sizeof(why));
		removed = bounce(w, it, why, rids);
		break;
	case MX_SEND_TEMPFAIL:
	case MX_SEND_ERROR:
	default:
		if (it->cancelled) {
			/* Shutdown: not an attempt; the message stays as it
			 * was. */
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"MID %s delivery interrupted by shutdown; "
				"stays queued",
				it->id);
			it->state = IT_WAIT;
			break;
		}
		result_error(r, error, why, sizeof(why));
		removed = defer_or_bounce(w, it, why, rids);
		break;
	}
	if (!removed) {
		/* Drop the delivery state.  The sender is freed inside its
		 * own done callback, which sender.h allows. */
		if (it->sender)
			mx_sender_free(it->sender);
		it->sender = NULL;
		mx_envelope_clear(&it->env);
		memset(&it->env, 0, sizeof(it->env));
		free(it->msg);
		it->msg = NULL;
		it->len = 0;
	}
	mx_wk_kick(w);
}
