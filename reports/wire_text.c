/*
 * wire_text.c - wire timelines of a captured run in the text reports
 * (reports/wire_text.h).
 */
#include <stdio.h>

#include "model/conn.h"
#include "model/where.h"
#include "reports/capture_text.h"
#include "reports/textutil.h"
#include "reports/wire_text.h"

static const struct mx_connrec *conn_of(const struct mx_endpoint *ep,
					unsigned id)
{
	size_t i;

	for (i = 0; i < ep->nconns; i++)
		if (ep->conns[i]->id == id)
			return ep->conns[i];
	return NULL;
}

void mx_report_wire_endpoint(FILE *out, int color, const struct mx_endpoint *ep)
{
	char where[MX_WHERE_MAX], desc[200];
	size_t i, shown = 0, marked = 0;

	for (i = 0; i < ep->ncaps; i++)
		marked += ep->caps[i]->show_timeline != 0;
	if (marked == 0)
		return;
	mx_out_fmt(out, "\nWire: %s\n",
		   mx_endpoint_where_buf(where, sizeof(where), ep));
	for (i = 0; i < ep->ncaps && shown < MX_WIRE_TEXT_MAX; i++) {
		const struct mx_capsess *s = ep->caps[i];
		const struct mx_connrec *r = conn_of(ep, s->conn_id);

		if (!s->show_timeline)
			continue;
		shown++;
		if (r != NULL)
			mx_connrec_describe(r, desc, sizeof(desc));
		else
			snprintf(desc, sizeof(desc), "flow %u", s->id);
		mx_colour_on(out, color, MX_C_BOLD);
		mx_out_fmt(out, "  %s\n", desc);
		mx_colour_off(out, color, MX_C_BOLD);
		mx_capsess_text_timeline(out, s, "    ");
	}
	if (marked > shown)
		mx_out_fmt(out,
			   "  (%zu more connection%s ended the same way or "
			   "worse: --json has every timeline, --pcap-out "
			   "every packet)\n",
			   marked - shown, marked - shown == 1 ? "" : "s");
}

void mx_report_wire_summary(FILE *out, const struct mx_run *run)
{
	const struct mx_capture_info *ci = &run->capture;

	if (!ci->on)
		return;
	mx_out_fmt(out,
		   "\nCapture: %s, %llu frames, %llu TCP flows (%llu not "
		   "mxprobe's), dropped %llu",
		   ci->iface, (unsigned long long)ci->frames,
		   (unsigned long long)ci->sessions,
		   (unsigned long long)ci->unmatched,
		   (unsigned long long)(ci->dropped + ci->if_dropped +
					ci->store_dropped));
	if (ci->pcap_out[0])
		mx_out_fmt(out, "; packets with step comments in %s",
			   ci->pcap_out);
	mx_out_text(out, "\n");
}
