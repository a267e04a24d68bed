/*
 * capcorr.c - join a live capture to the run's connection records, and
 * judge what the wire showed (analyzers/capcorr.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers/capcorr.h"
#include "analyzers/capjudge.h"
#include "common/xalloc.h"
#include "model/severity.h"

/* A record started this long before the flow's first captured packet
 * still matches (the SYN is the first packet; clocks are the same). */
#define SLACK_BEFORE_US (2 * 1000 * 1000)
#define SLACK_AFTER_US (1 * 1000 * 1000)

static int same_tuple(const struct mx_connrec *r, const struct mx_capsess *s)
{
	return r->local_port == s->cport && r->remote_port == s->sport &&
	       strcmp(r->local_addr, s->client) == 0 &&
	       strcmp(r->remote_addr, s->server) == 0;
}

struct mx_connrec *mx_capcorr_find(struct mx_run *run,
				   const struct mx_capsess *s,
				   struct mx_endpoint **ep_out)
{
	struct mx_connrec *best = NULL;
	int64_t best_d = INT64_MAX;
	size_t i, j, k;

	if (ep_out)
		*ep_out = NULL;
	for (i = 0; i < run->ntargets; i++) {
		struct mx_target *t = &run->targets[i];

		for (j = 0; j < t->nendpoints; j++) {
			struct mx_endpoint *ep = &t->endpoints[j];

			for (k = 0; k < ep->nconns; k++) {
				struct mx_connrec *r = ep->conns[k];
				int64_t d;

				if (r->start_wall_us == 0 || !same_tuple(r, s))
					continue;
				if (r->start_wall_us <
					    s->start_us - SLACK_BEFORE_US ||
				    r->start_wall_us >
					    s->end_us + SLACK_AFTER_US)
					continue;
				d = s->start_us - r->start_wall_us;
				if (d < 0)
					d = -d;
				if (d < best_d) {
					best_d = d;
					best = r;
					if (ep_out)
						*ep_out = ep;
				}
			}
		}
	}
	return best;
}

int mx_capcorr_attach(struct mx_run *run, struct mx_capsess *s)
{
	struct mx_endpoint *ep;
	struct mx_connrec *r = mx_capcorr_find(run, s, &ep);

	if (r == NULL)
		return -1;
	s->conn_id = r->id;
	MX_GROW(ep->caps, ep->ncaps, ep->capcaps);
	ep->caps[ep->ncaps++] = s;
	return 0;
}

int mx_capcorr_unexpected(const struct mx_connrec *r,
			  const struct mx_capsess *s)
{
	if (s != NULL && s->close_after_hello_us >= 0)
		return 1;
	if (s != NULL && (s->retrans[0] + s->retrans[1] > 0 ||
			  s->zero_windows[0] + s->zero_windows[1] > 0))
		return 1;
	if (r == NULL)
		return 0;
	/* Enumeration, bisection and the other probes of what a server
	 * refuses end in alerts by design; the probe and the client
	 * confirmations are expected to succeed. */
	switch (r->how) {
	case MX_HOW_PEER_FIN:
	case MX_HOW_PEER_RST:
	case MX_HOW_TIMEOUT:
	case MX_HOW_ERROR:
		return 1;
	case MX_HOW_ALERT_RECV:
	case MX_HOW_ALERT_SENT:
		return r->purpose.kind == MX_CONN_PROBE;
	default:
		return 0;
	}
}

/* ---- judgement ----------------------------------------------------- */

struct agg {
	const char *id;
	size_t first; /* index in the scratch list */
	unsigned count;
};

void mx_capcorr_judge_endpoint(struct mx_endpoint *ep, const char *where)
{
	struct mx_findings tmp = {0};
	struct agg agg[16];
	size_t nagg = 0, i, j;

	for (i = 0; i < ep->ncaps; i++) {
		size_t before = tmp.n;
		const struct mx_connrec *r = NULL;
		size_t k;

		for (k = 0; k < ep->nconns; k++)
			if (ep->conns[k]->id == ep->caps[i]->conn_id)
				r = ep->conns[k];
		ep->caps[i]->show_timeline =
			mx_capcorr_unexpected(r, ep->caps[i]);

		mx_capjudge_session(ep->caps[i], &tmp, where);
		/* Only what the wire alone can tell: the live probe has
		 * already judged TLS, key exchange and SMTP. */
		for (j = before; j < tmp.n; j++) {
			const char *id = tmp.v[j].def->id;
			size_t a;

			if (strncmp(id, "tcp.", 4) != 0)
				continue;
			for (a = 0; a < nagg; a++)
				if (strcmp(agg[a].id, id) == 0)
					break;
			if (a < nagg) {
				agg[a].count++;
			} else if (nagg < sizeof(agg) / sizeof(agg[0])) {
				agg[nagg].id = id;
				agg[nagg].first = j;
				agg[nagg].count = 1;
				nagg++;
			}
		}
	}
	for (i = 0; i < nagg; i++) {
		const struct mx_finding *f = &tmp.v[agg[i].first];
		struct mx_finding *nf;

		if (agg[i].count > 1)
			nf = mx_findings_add(&ep->findings, agg[i].id, where,
					     "%s (and %u more connection%s)",
					     f->evidence ? f->evidence : "",
					     agg[i].count - 1,
					     agg[i].count == 2 ? "" : "s");
		else
			nf = mx_findings_add(&ep->findings, agg[i].id, where,
					     "%s",
					     f->evidence ? f->evidence : "");
		nf->severity = f->severity;
		if (f->fix)
			mx_finding_set_fix(nf, "%s", f->fix);
	}
	mx_findings_clear(&tmp);
}

void mx_capcorr_judge_run(struct mx_run *run)
{
	const struct mx_capture_info *ci = &run->capture;
	struct mx_target *t;

	if (!ci->on || run->ntargets == 0)
		return;
	if (ci->dropped + ci->if_dropped + ci->store_dropped == 0)
		return;
	t = &run->targets[0];
	mx_findings_add(&t->findings, "capture.dropped", t->name,
			"the capture on %s missed packets (kernel dropped "
			"%llu, interface %llu, over mxprobe's memory cap "
			"%llu): wire timelines may be incomplete",
			ci->iface, (unsigned long long)ci->dropped,
			(unsigned long long)ci->if_dropped,
			(unsigned long long)ci->store_dropped);
	t->worst = mx_severity_worse(t->worst, mx_findings_worst(&t->findings));
}
