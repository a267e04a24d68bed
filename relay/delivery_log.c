/*
 * delivery_log.c - the DCID log lines of a delivery (relay/relaylog.h):
 * connection, TLS success or failure, delivery start, the failed stage
 * with its reply, close.  See workers.h for examples.
 *
 * Server text (replies, TLS error details) comes from the network; the
 * model holds it escaped already (model/result.h), and the line breaks
 * of a multiline reply become '/', so one event is one log line.  The
 * password never reaches this file.
 */
#include <stdio.h>
#include <string.h>

#include "relay/netaddr.h"
#include "relay/workers_int.h"

/* "[0, 1, 2]", capped. */
void mx_wk_rid_list(size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	o += (size_t)snprintf(out, outlen, "[");
	for (i = 0; i < n && o + 16 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%zu",
				      i ? ", " : "", i);
	if (i < n && o + 5 < outlen)
		o += (size_t)snprintf(out + o, outlen - o, ", ...");
	snprintf(out + o, outlen - o, "]");
}

/* A reply as one log line: "550 5.1.1 text / more text". */
void mx_wk_reply_text(const struct mx_reply *r, char *out, size_t outlen)
{
	size_t i, o;

	if (r == NULL || r->code == 0) {
		snprintf(out, outlen, "no reply");
		return;
	}
	o = (size_t)snprintf(out, outlen, "%d%s%s %s", r->code,
			     r->enh[0] ? " " : "", r->enh,
			     r->text ? r->text : "");
	for (i = 0; i < o && i < outlen; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = '/';
}

void mx_wk_on_event(void *arg, struct mx_sender *s, enum mx_send_event ev,
		    const struct mx_send_attempt *a)
{
	struct mx_wk_item *it = arg;
	struct mx_workers *w = it->w;
	char rids[64], iface[64], text[400];

	(void)s;
	switch (ev) {
	case MX_SEND_EV_CONNECTING:
		it->dcid = w->next_dcid++;
		mx_local_addr_for(a->addr ? a->addr : "", iface, sizeof(iface));
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"New SMTP DCID %lu interface %s address %s port %u",
			it->dcid, iface, a->addr ? a->addr : "?",
			(unsigned)a->port);
		break;
	case MX_SEND_EV_TLS_OK:
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"DCID %lu TLS success protocol %s cipher %s", it->dcid,
			a->tls.version ? a->tls.version : "?",
			a->tls.suite_openssl ? a->tls.suite_openssl
			: a->tls.suite_iana  ? a->tls.suite_iana
					     : "?");
		break;
	case MX_SEND_EV_TLS_FAILED:
		mx_rlog(&w->p.log, MX_RLOG_INFO, "DCID %lu TLS failed: %s%s%s",
			it->dcid, mx_tls_fail_name(a->tls.fail),
			a->tls.fail_detail || a->smtp.error ? ": " : "",
			a->tls.fail_detail ? a->tls.fail_detail
			: a->smtp.error	   ? a->smtp.error
					   : "");
		break;
	case MX_SEND_EV_DELIVERY:
		mx_wk_rid_list(it->env.nrcpts, rids, sizeof(rids));
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"Delivery start DCID %lu MID %s to RID %s", it->dcid,
			it->id, rids);
		break;
	case MX_SEND_EV_ATTEMPT_DONE:
		if (a->failed != MX_SEND_STAGE_NONE) {
			const struct mx_reply *rep = &a->stage[a->failed].reply;

			mx_wk_reply_text(rep, text, sizeof(text));
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"DCID %lu failed at %s: %s%s%s", it->dcid,
				mx_send_stage_name(a->failed),
				rep->code ? text : "",
				rep->code && a->smtp.error ? " - " : "",
				a->smtp.error ? a->smtp.error
				: rep->code   ? ""
					      : "no reply");
		}
		mx_rlog(&w->p.log, MX_RLOG_INFO, "DCID %lu close", it->dcid);
		break;
	}
}
