/*
 * wire_text.c - wire timelines of a captured run in the text reports
 * (reports/wire_text.h).
 */
#include <stdio.h>

#include "model/conn.h"
#include "model/where.h"
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

/* The live report's timeline is the TLS part of the story: the SMTP
 * dialogue before STARTTLS is in --transcript and the pcapng, so only
 * replies that refused something (4xx/5xx) are kept from it. */
static int brief_event(const struct mx_capsess *s, const struct mx_cap_event *e)
{
	size_t i;

	switch ((enum mx_cap_ev_kind)e->kind) {
	case MX_CAP_EV_SYN:
	case MX_CAP_EV_SYNACK:
	case MX_CAP_EV_STARTTLS:
		return 0;
	case MX_CAP_EV_SMTP:
		for (i = 0; i < s->nsmtp; i++)
			if (s->smtp_lines[i].t_us == e->t_us &&
			    s->smtp_lines[i].code >= 400)
				return 1;
		return 0;
	default:
		return 1;
	}
}

static void brief_timeline(FILE *out, const struct mx_capsess *s)
{
	size_t i;

	for (i = 0; i < s->nev && i < MX_CAP_MAX_EVENTS; i++) {
		const struct mx_cap_event *e = &s->ev[i];
		int64_t d = e->t_us - s->start_us;

		if (!brief_event(s, e))
			continue;
		if (d < 0)
			d = 0;
		mx_out_fmt(out, "    %+9.3f ms  %-6s  %s\n", (double)d / 1000.0,
			   e->dir ? "server" : "client",
			   e->text[0] ? e->text
				      : mx_cap_ev_name(
						(enum mx_cap_ev_kind)e->kind));
	}
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
		brief_timeline(out, s);
	}
	if (marked > shown)
		mx_out_fmt(out,
			   "  (%zu more such connection%s: every timeline is "
			   "in --json, every packet in --pcap-out)\n",
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
