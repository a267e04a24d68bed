/*
 * capture_cli.c - --capture for check, ciphers, certs, send and watch:
 * wiring only (issue 9, points 1, 2 and 4; issue 10 point 3).
 *
 * Order, which is the point of this file:
 *   1. open the capture device (probe/capture.h) with a filter on the
 *      targets known so far, and the --pcap-out file (0600, O_EXCL);
 *   2. drop privileges (--user, default nobody as root; every capability
 *      cleared) - everything after runs unprivileged;
 *   3. as the engine queues each endpoint (before its first connection)
 *      its address and port join the filter;
 *   4. the capture's fd is on the run's one loop;
 *   5. after the run: drain, decode every frame (analyzers/capdec.h),
 *      join each flow to its connection record (analyzers/capcorr.h),
 *      and write the pcapng with a comment on every packet naming the
 *      connection and step ("conn 7, enumeration TLSv1.2 (44 suites
 *      offered): ClientHello 312 B"); the payload of frames that carried
 *      an AUTH exchange is cut before it reaches the file.
 *
 * watch keeps one capture open for days (steps 1-4 once): as each
 * target's probe ends, mx_cli_capture_finish_one() decodes the frames of
 * that probe's connections (4-tuples, since its start) into its run, then
 * releases every frame older than the oldest probe still in flight, so
 * the store holds only what probes in flight may still need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzers/analyze.h"
#include "analyzers/capcorr.h"
#include "analyzers/capdec.h"
#include "common/xalloc.h"
#include "probe/capture.h"
#include "probe/target.h"
#include "reports/pcapng.h"
#include "reports/wire_text.h"
#include "src/commands.h"
#include "wire/pkt.h"

#define NOTE_MAX 480 /* bytes of notes kept per frame */

struct frame_note {
	unsigned flow; /* 0: not a TCP frame of any flow */
	int secret;
	char *text; /* "; "-joined notes, or NULL */
};

struct flow_desc {
	unsigned flow;
	int ours;	/* matched to one of the run's connections */
	char desc[200]; /* "conn 7, enumeration TLSv1.2 (44 suites ...)" */
};

struct mx_cli_capture {
	const struct mx_opts *o;
	struct mx_live_capture *live; /* NULL until opened */
	struct event_base *base;      /* set by start */
	int failed;		      /* a deferred open failed */
	size_t max_store;	      /* 0: the default (64 MiB) */
	struct mx_live_stats seen;    /* watch: counters at the last finish */
	int quiet;		      /* watch: errors kept, not printed */
	char errmsg[512];	      /* the last error, "" none */
	struct mx_pcapng *png;
	char **addr; /* owned copies, parallel to tg */
	struct mx_capture_target *tg;
	size_t ntg, captg;
	/* decoding */
	struct mx_run *run;
	struct frame_note *notes;
	size_t nnotes;
	struct flow_desc *flows;
	size_t nflows, capflows;
};

static int add_target(struct mx_cli_capture *c, const char *addr, uint16_t port)
{
	size_t i;

	for (i = 0; i < c->ntg; i++)
		if (c->tg[i].port == port && strcmp(c->addr[i], addr) == 0)
			return 0;
	if (c->ntg >= MX_CAPTURE_MAX_TARGETS)
		return 0; /* the filter stays as it is: ports still match */
	if (c->ntg == c->captg) {
		c->captg = c->captg ? c->captg * 2 : 8;
		c->tg = xreallocarray(c->tg, c->captg, sizeof(*c->tg));
		c->addr = xreallocarray(c->addr, c->captg, sizeof(*c->addr));
	}
	c->addr[c->ntg] = xstrdup(addr);
	/* the table points into addr[]: refresh every entry after a move */
	for (i = 0; i <= c->ntg; i++)
		c->tg[i].addr = c->addr[i];
	c->tg[c->ntg].port = port;
	c->ntg++;
	return 1;
}

static void targets_of(const struct mx_cli_capture *c,
		       struct mx_capture_targets *out)
{
	out->v = c->tg;
	out->n = c->ntg;
}

/* Does this process hold CAP_NET_RAW (bit 13 of CapEff)?  Root without
 * it (a container) fails here too, before any DNS query is made. */
static int has_net_raw(void)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *fp = fopen("/proc/self/status", "r");
	int found = 0;

	if (fp == NULL)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = 1;
			break;
		}
	fclose(fp);
	return found ? (eff >> 13) & 1 : geteuid() == 0;
}

/* Why the device could not be opened: on stderr, or (a dashboard on
 * the terminal) kept for mx_cli_capture_error(). */
static void fail(struct mx_cli_capture *c, const char *why)
{
	snprintf(c->errmsg, sizeof(c->errmsg), "%s", why);
	if (!c->quiet)
		fprintf(stderr, "mxprobe: %s\n", why);
}

/* Open the device on the targets known now, then drop privileges. */
static int open_device(struct mx_cli_capture *c)
{
	struct mx_capture_targets tt;
	char err[512];

	targets_of(c, &tt);
	if (mx_live_capture_open(&c->live, c->o->capture_iface, &tt, 0,
				 c->max_store, err,
				 sizeof(err)) != MX_CAPTURE_OK) {
		fail(c, err);
		return -1;
	}
	/* From here on nothing needs a privilege: connections, DNS, the
	 * report and the capture file (both opened before this). */
	if (mx_drop_privileges(c->o->user, err, sizeof(err)) < 0) {
		fail(c, err);
		return -1;
	}
	if (c->base != NULL && mx_live_capture_start(c->live, c->base) < 0) {
		fail(c, "cannot watch the capture");
		return -1;
	}
	return 0;
}

static int open_common(const struct mx_opts *o, const struct mx_run *run,
		       size_t max_store, struct mx_cli_capture **out)
{
	struct mx_cli_capture *c = xcalloc(1, sizeof(*c));
	char err[512];
	size_t i;

	*out = NULL;
	c->o = o;
	c->max_store = max_store;
	if (!has_net_raw()) {
		fprintf(stderr, "mxprobe: %s\n", MX_CAPTURE_PERM_MSG);
		mx_cli_capture_free(c);
		return -1;
	}
	for (i = 0; run != NULL && i < run->ntargets; i++) {
		const struct mx_target *t = &run->targets[i];

		if (t->name != NULL && mx_is_ip_literal(t->name))
			add_target(c, t->name, t->port);
	}
	if (o->pcap_out != NULL) {
		c->png =
			mx_pcapng_open(o->pcap_out, o->force, err, sizeof(err));
		if (c->png == NULL) {
			fprintf(stderr, "mxprobe: --pcap-out: %s\n", err);
			mx_cli_capture_free(c);
			return -1;
		}
	}
	/* A name's addresses are known only once resolved: the device is
	 * then opened when the engine queues the first endpoint (before
	 * its first connection), on the interface that routes to it. */
	if ((c->ntg > 0 || o->capture_iface != NULL) && open_device(c) < 0) {
		mx_cli_capture_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int mx_cli_capture_open(const struct mx_opts *o, const struct mx_run *run,
			struct mx_cli_capture **out)
{
	return open_common(o, run, 0, out);
}

int mx_cli_capture_open_watch(const struct mx_opts *o, const struct mx_run *run,
			      size_t max_store, struct mx_cli_capture **out)
{
	if (open_common(o, run, max_store, out) < 0)
		return -1;
	/* later failures (a deferred open) may happen under the dashboard:
	 * the caller prints them once the terminal is back */
	(*out)->quiet = 1;
	return 0;
}

const char *mx_cli_capture_error(const struct mx_cli_capture *c)
{
	return c != NULL && c->errmsg[0] ? c->errmsg : NULL;
}

int mx_cli_capture_addr(struct mx_cli_capture *c, const char *addr,
			uint16_t port)
{
	struct mx_capture_targets tt;
	char err[256];

	if (c == NULL || c->failed || addr == NULL ||
	    !add_target(c, addr, port))
		return 0;
	if (c->live == NULL) {
		if (open_device(c) < 0) {
			c->failed = 1;
			return -1;
		}
		return 0;
	}
	targets_of(c, &tt);
	if (mx_live_capture_retarget(c->live, &tt, err, sizeof(err)) < 0 &&
	    !c->quiet)
		fprintf(stderr, "mxprobe: capture filter: %s\n", err);
	return 0;
}

int mx_cli_capture_endpoint(struct mx_cli_capture *c,
			    const struct mx_endpoint *ep)
{
	return ep == NULL ? 0 : mx_cli_capture_addr(c, ep->addr, ep->port);
}

int mx_cli_capture_start(struct mx_cli_capture *c, struct event_base *base)
{
	c->base = base;
	if (c->live != NULL && mx_live_capture_start(c->live, base) < 0) {
		fail(c, "cannot watch the capture");
		return -1;
	}
	return 0;
}

/* ---- decoding -------------------------------------------------------- */

static struct frame_note *note_at(struct mx_cli_capture *c, uint64_t frame)
{
	if (frame == 0 || frame > c->nnotes)
		return NULL;
	return &c->notes[frame - 1];
}

static void on_note(void *arg, uint64_t frame, unsigned flow_id, int dir,
		    const char *text)
{
	struct mx_cli_capture *c = arg;
	struct frame_note *n = note_at(c, frame);
	size_t have, add;

	(void)dir;
	if (n == NULL)
		return;
	n->flow = flow_id;
	if (text == NULL || text[0] == '\0')
		return;
	have = n->text ? strlen(n->text) : 0;
	add = strlen(text);
	if (have + add + 3 > NOTE_MAX)
		return;
	n->text = xreallocarray(n->text, have + add + 3, 1);
	if (have > 0)
		memcpy(n->text + have, "; ", 2), have += 2;
	memcpy(n->text + have, text, add + 1);
}

static void on_secret(void *arg, uint64_t frame)
{
	struct frame_note *n = note_at(arg, frame);

	if (n != NULL)
		n->secret = 1;
}

static void on_session(void *arg, struct mx_capsess *s)
{
	struct mx_cli_capture *c = arg;
	struct mx_connrec *r = mx_capcorr_find(c->run, s, NULL);
	struct flow_desc *fd;

	c->run->capture.sessions++;
	MX_GROW(c->flows, c->nflows, c->capflows);
	fd = &c->flows[c->nflows++];
	fd->flow = s->id;
	fd->ours = r != NULL;
	if (r != NULL)
		mx_connrec_describe(r, fd->desc, sizeof(fd->desc));
	else
		snprintf(fd->desc, sizeof(fd->desc),
			 "flow %u (not an mxprobe connection)", s->id);
	if (mx_capcorr_attach(c->run, s) < 0) {
		c->run->capture.unmatched++;
		mx_capsess_clear(s);
		free(s);
	}
}

static int flow_ours(const struct mx_cli_capture *c, unsigned flow)
{
	size_t i;

	for (i = 0; i < c->nflows; i++)
		if (c->flows[i].flow == flow)
			return c->flows[i].ours;
	return 0;
}

static const char *flow_desc(const struct mx_cli_capture *c, unsigned flow)
{
	size_t i;

	for (i = 0; i < c->nflows; i++)
		if (c->flows[i].flow == flow)
			return c->flows[i].desc;
	return NULL;
}

/* Bytes of the frame up to the TCP payload (the payload of a secret frame
 * never reaches the file); the whole frame when it is not TCP. */
static uint32_t keep_len(int linktype, const struct mx_live_frame *f)
{
	struct mx_pkt p;

	if (mx_pkt_decode(linktype, f->bytes, f->caplen, &p, NULL, 0) !=
		    MX_PKT_OK ||
	    p.payload == NULL)
		return f->caplen;
	return (uint32_t)(p.payload - f->bytes);
}

static int write_pcapng(struct mx_cli_capture *c, int linktype)
{
	size_t i, n = mx_live_capture_nframes(c->live);
	char comment[800];
	int ifx;

	ifx = mx_pcapng_interface(c->png, linktype,
				  (uint32_t)mx_live_capture_snaplen(c->live),
				  mx_live_capture_iface(c->live));
	if (ifx < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct mx_live_frame *f =
			mx_live_capture_frame(c->live, i);
		const struct frame_note *fn = i < c->nnotes ? &c->notes[i]
							    : NULL;
		const char *desc = fn && fn->flow ? flow_desc(c, fn->flow)
						  : NULL;
		uint32_t caplen = f->caplen;
		const char *what = fn && fn->text ? fn->text : "";

		/* Only this run's connections reach the file: packets the
		 * filter let through before it was narrowed are not ours. */
		if (fn == NULL || fn->flow == 0 || !flow_ours(c, fn->flow))
			continue;

		if (fn && fn->secret) {
			caplen = keep_len(linktype, f);
			what = "AUTH exchange: payload cut by mxprobe";
		}
		if (desc != NULL)
			snprintf(comment, sizeof(comment), "%s%s%s", desc,
				 what[0] ? ": " : "", what);
		else
			snprintf(comment, sizeof(comment), "%s", what);
		if (mx_pcapng_packet(c->png, (unsigned)ifx, f->ts_us, caplen,
				     f->wirelen, f->bytes,
				     comment[0] ? comment : NULL) < 0)
			return -1;
	}
	return 0;
}

int mx_cli_capture_finish(struct mx_cli_capture *c, struct mx_run *run)
{
	struct mx_capdec_cb cb = {c, on_session, on_note, on_secret};
	struct mx_capture_info *ci = &run->capture;
	struct mx_live_stats st;
	struct mx_capdec *d;
	size_t i, n;
	int linktype, rc = 0;

	memset(ci, 0, sizeof(*ci));
	ci->on = 1;
	if (c->live == NULL) { /* no endpoint was ever queued */
		snprintf(ci->iface, sizeof(ci->iface), "%s", "none");
		if (c->png != NULL && mx_pcapng_close(c->png) < 0)
			rc = -1;
		return rc;
	}
	mx_live_capture_stop(c->live);
	if (mx_live_capture_error(c->live) != NULL)
		fprintf(stderr,
			"mxprobe: the capture stopped early (%s): wire "
			"timelines after that are missing\n",
			mx_live_capture_error(c->live));
	mx_live_capture_stats(c->live, &st);
	linktype = mx_live_capture_linktype(c->live);
	n = mx_live_capture_nframes(c->live);
	snprintf(ci->iface, sizeof(ci->iface), "%s",
		 mx_live_capture_iface(c->live));
	ci->linktype = linktype;
	ci->frames = n;
	ci->dropped = st.kernel_drop;
	ci->if_dropped = st.if_drop;
	ci->store_dropped = st.store_dropped;
	c->run = run;
	c->notes = xcalloc(n ? n : 1, sizeof(*c->notes));
	c->nnotes = n;
	d = mx_capdec_new(linktype, NULL, &cb);
	for (i = 0; i < n; i++) {
		const struct mx_live_frame *f =
			mx_live_capture_frame(c->live, i);

		mx_capdec_frame(d, f->bytes, f->caplen, f->wirelen, f->ts_us);
	}
	mx_capdec_finish(d);
	mx_capdec_free(d);
	if (c->png != NULL) {
		snprintf(ci->pcap_out, sizeof(ci->pcap_out), "%s",
			 c->o->pcap_out);
		if (write_pcapng(c, linktype) < 0 ||
		    mx_pcapng_close(c->png) < 0) {
			fprintf(stderr, "mxprobe: --pcap-out %s: %s\n",
				c->o->pcap_out, mx_pcapng_error(c->png));
			rc = -1;
		}
	}
	return rc;
}

/* ---- watch: one run at a time on a capture that stays open -------- */

/* Does frame f belong to one of run's connections (by 4-tuple)? */
static int frame_of_run(int linktype, const struct mx_live_frame *f,
			const struct mx_run *run)
{
	char sa[64], da[64];
	struct mx_pkt p;
	size_t i, j, k;

	if (mx_pkt_decode(linktype, f->bytes, f->caplen, &p, NULL, 0) !=
	    MX_PKT_OK)
		return 0;
	mx_pkt_addr_str(p.family, p.src, sa, sizeof(sa));
	mx_pkt_addr_str(p.family, p.dst, da, sizeof(da));
	for (i = 0; i < run->ntargets; i++)
		for (j = 0; j < run->targets[i].nendpoints; j++) {
			const struct mx_endpoint *ep =
				&run->targets[i].endpoints[j];

			for (k = 0; k < ep->nconns; k++) {
				const struct mx_connrec *r = ep->conns[k];

				if ((r->local_port == p.sport &&
				     r->remote_port == p.dport &&
				     strcmp(r->local_addr, sa) == 0 &&
				     strcmp(r->remote_addr, da) == 0) ||
				    (r->local_port == p.dport &&
				     r->remote_port == p.sport &&
				     strcmp(r->local_addr, da) == 0 &&
				     strcmp(r->remote_addr, sa) == 0))
					return 1;
			}
		}
	return 0;
}

int mx_cli_capture_finish_one(struct mx_cli_capture *c, struct mx_run *run,
			      int64_t from_us, int64_t keep_from_us)
{
	struct mx_capdec_cb cb = {c, on_session, on_note, on_secret};
	struct mx_capture_info *ci = &run->capture;
	struct mx_live_stats st;
	struct mx_capdec *d;
	size_t i, n;
	int linktype;

	memset(ci, 0, sizeof(*ci));
	ci->on = 1;
	if (c == NULL || c->live == NULL) {
		snprintf(ci->iface, sizeof(ci->iface), "%s", "none");
		return 0;
	}
	mx_live_capture_refresh(c->live);
	mx_live_capture_stats(c->live, &st);
	linktype = mx_live_capture_linktype(c->live);
	snprintf(ci->iface, sizeof(ci->iface), "%s",
		 mx_live_capture_iface(c->live));
	ci->linktype = linktype;
	/* what was lost since the previous probe ended (the counters run
	 * for the whole watch; a loss during probes that overlapped is
	 * told by the first of them to end) */
	ci->dropped = st.kernel_drop - c->seen.kernel_drop;
	ci->if_dropped = st.if_drop - c->seen.if_drop;
	ci->store_dropped = st.store_dropped - c->seen.store_dropped;
	c->seen = st;
	c->run = run;
	c->nflows = 0; /* the descriptions serve --pcap-out only */
	d = mx_capdec_new(linktype, NULL, &cb);
	n = mx_live_capture_nframes(c->live);
	for (i = 0; i < n; i++) {
		const struct mx_live_frame *f =
			mx_live_capture_frame(c->live, i);

		/* this run's window (a second of slack for the clocks) and
		 * its connections only: other targets probe meanwhile */
		if (f->ts_us < from_us - 1000000 ||
		    !frame_of_run(linktype, f, run))
			continue;
		ci->frames++;
		mx_capdec_frame(d, f->bytes, f->caplen, f->wirelen, f->ts_us);
	}
	mx_capdec_finish(d);
	mx_capdec_free(d);
	c->run = NULL;
	mx_live_capture_drop_before(c->live, keep_from_us);
	return 0;
}

void mx_cli_capture_store(const struct mx_cli_capture *c,
			  struct mx_cli_capture_store *out)
{
	struct mx_live_stats st;

	memset(out, 0, sizeof(*out));
	if (c == NULL || c->live == NULL)
		return;
	mx_live_capture_stats(c->live, &st);
	out->iface = mx_live_capture_iface(c->live);
	out->frames_held = mx_live_capture_nframes(c->live);
	out->bytes_held = st.store_bytes;
	out->frames_released = st.released;
	out->store_dropped = st.store_dropped;
	out->kernel_dropped = st.kernel_drop;
}

void mx_cli_capture_free(struct mx_cli_capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	mx_live_capture_free(c->live);
	mx_pcapng_free(c->png);
	for (i = 0; i < c->ntg; i++)
		free(c->addr[i]);
	free(c->addr);
	free(c->tg);
	for (i = 0; i < c->nnotes; i++)
		free(c->notes[i].text);
	free(c->notes);
	free(c->flows);
	free(c);
}

void mx_cli_capture_report(FILE *out, int color, struct mx_run *run)
{
	size_t i, j;

	for (i = 0; i < run->ntargets; i++)
		for (j = 0; j < run->targets[i].nendpoints; j++) {
			struct mx_endpoint *ep = &run->targets[i].endpoints[j];
			char *where;

			if (ep->ncaps == 0)
				continue;
			where = mx_endpoint_where(ep);
			mx_capcorr_judge_endpoint(ep, where);
			free(where);
			mx_report_wire_endpoint(out, color, ep);
		}
	mx_report_wire_summary(out, run);
}
