/*
 * capcorr.h - join a live capture to the run that caused it (issue 9,
 * point 4).
 *
 * Purpose: each TCP flow the capture decoder saw (struct mx_capsess) is
 * matched to the connection record (model/conn.h) with the same 4-tuple -
 * our local address and port, the server's address and port - whose
 * wall-clock start lies within the flow's time span (ports are reused in
 * long runs, so the 4-tuple alone is not enough).  The session then hangs
 * on that connection's endpoint (ep->caps, s->conn_id set), where the
 * analyzers judge it and the reports draw its timeline.
 *
 * Judgement: mx_capcorr_judge_endpoint() adds the wire's findings to an
 * endpoint (tcp.fin_after_client_hello, tcp.reset_by_peer,
 * tcp.retransmissions, tcp.zero_window), one finding per id with the
 * first connection's evidence and how many connections showed it - the
 * TLS and key-exchange findings the live probe already made are not
 * repeated.  mx_capcorr_judge_run() adds capture.dropped when the kernel
 * or mxprobe's store lost packets.
 *
 * Ownership: mx_capcorr_attach() takes s when it returns 0; on -1 (no
 * connection matches) the caller keeps it.
 */
#ifndef MX_ANALYZERS_CAPCORR_H
#define MX_ANALYZERS_CAPCORR_H

#include "model/capture.h"
#include "model/result.h"

/* The record s belongs to, and its endpoint; NULL when none matches. */
struct mx_connrec *mx_capcorr_find(struct mx_run *run,
				   const struct mx_capsess *s,
				   struct mx_endpoint **ep_out);
int mx_capcorr_attach(struct mx_run *run, struct mx_capsess *s);
/* Did this connection fail or end in a way a user should see on the
 * wire?  (Peer FIN/RST, timeouts, errors, alerts on the probe's own
 * connection; FIN/RST right after a hello on any connection.) */
int mx_capcorr_unexpected(const struct mx_connrec *r,
			  const struct mx_capsess *s);
void mx_capcorr_judge_endpoint(struct mx_endpoint *ep, const char *where);
void mx_capcorr_judge_run(struct mx_run *run);

#endif
