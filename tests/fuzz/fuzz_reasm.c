/*
 * fuzz_reasm.c - fuzz target for TCP reassembly (analyzers/reasm.c).
 *
 * The input is a program of synthetic segments.  Its first 8 bytes set
 * small limits (so every cap is hit): max_flows 1-4, max_bytes_per_dir
 * 0-255, max_ooo_segments 0-7, max_ooo_bytes 0-63, max_held_bytes
 * 0-127, idle time, the ISN region (near 0 or near 2^32) and whether the
 * capture is finished half-way.  Then each 6-byte record is a segment:
 *   b0  4-tuple (2 bits: 4 connections, 2 of them on mail ports), bit 2:
 *       sent by the other side, bit 3: IPv6, bit 4: keep the cursor
 *   b1  TCP flags (low 6 bits); bit 6: window 0, bit 7: payload cut
 *   b2  signed distance from the direction's cursor
 *   b3  payload length (0-63) and truncated bytes (bits 6-7)
 *   b4  ack offset
 *   b5  time step (large steps make flows idle; 253 goes back 5 s,
 *       254 jumps between the ends of int64_t)
 * Every payload byte is the low byte of its own sequence number, so the
 * delivered stream checks itself: within a flow direction, each byte is
 * the one after the previous plus the GAP sizes between them.
 *
 * Checked: no callback for a flow before open or after close, each flow
 * closed once and all of them after finish; bytes delivered per
 * direction never exceed max_bytes_per_dir; CAP and FIN at most once per
 * direction, CAP exactly when `capped`; data in sequence as above; the
 * counters agree with what was delivered; held bytes and open flows
 * within their caps; chunks tagged with a frame already fed; `late`
 * only for closed flows.
 * Corpus: tests/fuzz/corpus/reasm/.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyzers/reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

struct fdir {
	uint64_t delivered;
	int have_next; /* next_byte known */
	uint8_t next_byte;
	int cap_ev, fin_ev;
};

struct fstate {
	int opened, closed;
	struct fdir d[2];
};

struct harness {
	struct mx_reasm_limits lim;
	struct fstate *fl;
	size_t nfl;
	unsigned opens, closes;
	uint64_t frame; /* the frame being fed */
	uint8_t pat[512];
};

static struct fstate *st_of(struct harness *h, const struct mx_flow *f)
{
	CHECK(f->id >= 1 && f->id < h->nfl);
	CHECK(f->user == &h->fl[f->id]);
	CHECK(h->fl[f->id].opened && !h->fl[f->id].closed);
	return &h->fl[f->id];
}

static void on_open(void *arg, struct mx_flow *f)
{
	struct harness *h = arg;

	CHECK(f->id == h->opens + 1);
	CHECK(f->id < h->nfl);
	CHECK(f->closed == 0 && f->user == NULL);
	CHECK(f->family == AF_INET || f->family == AF_INET6);
	h->fl[f->id].opened = 1;
	f->user = &h->fl[f->id];
	h->opens++;
}

static void on_packet(void *arg, struct mx_flow *f, int dir,
		      const struct mx_pkt *p, int64_t ts_us, uint64_t frame)
{
	struct harness *h = arg;

	(void)st_of(h, f);
	(void)ts_us;
	CHECK(dir == MX_DIR_C2S || dir == MX_DIR_S2C);
	CHECK(p != NULL && frame == h->frame);
}

static void on_data(void *arg, struct mx_flow *f, int dir, const uint8_t *b,
		    size_t n, int64_t ts_us, uint64_t frame)
{
	struct harness *h = arg;
	struct fdir *d = &st_of(h, f)->d[dir];
	size_t i;

	(void)ts_us;
	CHECK(n > 0 && b != NULL);
	CHECK(frame <= h->frame);
	CHECK(!d->cap_ev && !f->dir[dir].capped);
	d->delivered += n;
	CHECK(d->delivered <= h->lim.max_bytes_per_dir);
	CHECK(d->delivered <= f->dir[dir].bytes + n);
	for (i = 0; i < n; i++) {
		if (d->have_next)
			CHECK(b[i] == d->next_byte);
		d->have_next = 1;
		d->next_byte = (uint8_t)(b[i] + 1);
	}
}

static void on_event(void *arg, struct mx_flow *f, int dir,
		     enum mx_flow_event ev, uint64_t n, int64_t ts_us,
		     uint64_t frame)
{
	struct harness *h = arg;
	struct fdir *d = &st_of(h, f)->d[dir];

	(void)ts_us;
	CHECK(frame <= h->frame);
	CHECK(strcmp(mx_flow_event_name(ev), "unknown") != 0);
	switch (ev) {
	case MX_FLOW_EV_GAP:
		CHECK(n > 0);
		d->next_byte = (uint8_t)(d->next_byte + n);
		break;
	case MX_FLOW_EV_CAP:
		CHECK(!d->cap_ev && f->dir[dir].capped);
		CHECK(n == h->lim.max_bytes_per_dir);
		CHECK(d->delivered == n);
		d->cap_ev = 1;
		break;
	case MX_FLOW_EV_FIN:
		CHECK(!d->fin_ev && f->dir[dir].fin);
		d->fin_ev = 1;
		break;
	case MX_FLOW_EV_RST:
		CHECK(f->dir[dir].rst);
		break;
	case MX_FLOW_EV_RETRANS:
	case MX_FLOW_EV_OOO:
		CHECK(n > 0);
		break;
	case MX_FLOW_EV_ZERO_WINDOW:
		CHECK(f->dir[dir].zero_windows > 0);
		break;
	}
}

static void on_close(void *arg, struct mx_flow *f)
{
	struct harness *h = arg;
	struct fstate *s = st_of(h, f);
	int dir;

	CHECK(strcmp(mx_flow_close_name(f->closed), "unknown") != 0);
	for (dir = 0; dir < 2; dir++) {
		CHECK(s->d[dir].cap_ev == f->dir[dir].capped);
		CHECK(s->d[dir].fin_ev == f->dir[dir].fin);
		CHECK(s->d[dir].delivered <= f->dir[dir].bytes);
		if (!f->dir[dir].capped)
			CHECK(s->d[dir].delivered == f->dir[dir].bytes);
		CHECK(f->dir[dir].retrans_bytes >= f->dir[dir].retrans);
		CHECK(f->dir[dir].gap_bytes >= f->dir[dir].gaps);
	}
	CHECK(f->packets > 0 && f->first_frame <= f->last_frame);
	s->closed = 1;
	h->closes++;
}

static void on_late(void *arg, unsigned id, int dir, const struct mx_pkt *p,
		    int64_t ts_us, uint64_t frame)
{
	struct harness *h = arg;

	(void)ts_us;
	CHECK(id >= 1 && id < h->nfl && h->fl[id].closed);
	CHECK(dir == MX_DIR_C2S || dir == MX_DIR_S2C);
	CHECK(p != NULL && frame == h->frame);
	CHECK((p->flags & (MX_TCP_SYN | MX_TCP_ACK | MX_TCP_RST)) !=
	      MX_TCP_SYN);
}

/* The 4 connections: two to mail ports, two between high ports. */
static const uint16_t ports[4][2] = {
	{51234, 25}, {40000, 2587}, {50000, 40000}, {60000, 465}};

static void build(struct harness *h, const uint8_t *rec, uint32_t isn_base,
		  uint32_t cursor[4][2][2], struct mx_pkt *p)
{
	int conn = rec[0] & 3, rev = (rec[0] >> 2) & 1, v6 = (rec[0] >> 3) & 1;
	uint8_t flags = rec[1] & 0x3f;
	uint32_t *cur = &cursor[conn][v6][rev], dseq;
	size_t len = rec[3] & 63;

	memset(p, 0, sizeof(*p));
	p->family = v6 ? AF_INET6 : AF_INET;
	p->src[0] = 127;
	p->src[v6 ? 15 : 3] = (uint8_t)(1 + rev);
	p->dst[0] = 127;
	p->dst[v6 ? 15 : 3] = (uint8_t)(2 - rev);
	p->sport = ports[conn][rev];
	p->dport = ports[conn][!rev];
	if (*cur == 0)
		*cur = isn_base + (uint32_t)conn * 0x1000u + (uint32_t)rev;
	p->seq = *cur + (uint32_t)(int32_t)(int8_t)rec[2];
	p->ack = cursor[conn][v6][!rev] + rec[4];
	p->flags = flags;
	p->window = (rec[1] & 0x40) ? 0 : 1024;
	p->wscale = 0xff;
	dseq = p->seq + ((flags & MX_TCP_SYN) ? 1 : 0);
	p->payload = len ? h->pat + (dseq & 255) : NULL;
	p->payload_len = len;
	p->payload_missing = (rec[1] & 0x80) ? (size_t)(rec[3] >> 6) * 7 : 0;
	if (!(rec[0] & 0x10))
		*cur = dseq + (uint32_t)(len + p->payload_missing) +
		       ((flags & MX_TCP_FIN) ? 1 : 0);
}

static void check_stats(struct harness *h, struct mx_reasm *r, uint64_t packets)
{
	const struct mx_reasm_stats *st = mx_reasm_stats(r);
	size_t per_dir = h->lim.max_ooo_bytes;

	CHECK(st->packets == packets);
	CHECK(st->flows == h->opens);
	CHECK(st->flows_now == h->opens - h->closes);
	CHECK(st->flows_now <= h->lim.max_flows);
	CHECK(st->flows_peak <= h->lim.max_flows);
	CHECK(st->held_bytes_peak <= 2 * h->lim.max_flows * per_dir);
	if (h->lim.max_held_bytes > 0)
		CHECK(st->held_bytes_peak <= h->lim.max_held_bytes);
	CHECK(st->evicted + st->idle <= st->flows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t cursor[4][2][2];
	struct mx_reasm_cb cb = {0};
	struct harness h;
	struct mx_reasm *r;
	struct mx_pkt p;
	uint32_t isn_base;
	uint64_t packets = 0;
	int64_t ts = 1000000, idle_unit;
	size_t i, nrec, half;

	if (size < 8)
		return 0;
	memset(&h, 0, sizeof(h));
	memset(cursor, 0, sizeof(cursor));
	for (i = 0; i < sizeof(h.pat); i++)
		h.pat[i] = (uint8_t)i;
	mx_reasm_limits_default(&h.lim);
	h.lim.max_flows = 1 + (data[0] & 3);
	h.lim.max_bytes_per_dir = data[1];
	h.lim.max_ooo_segments = data[2] & 7;
	h.lim.max_ooo_bytes = data[3] & 63;
	h.lim.max_held_bytes = data[4] & 127;
	idle_unit = (data[0] & 0x80) ? 0 : 1000;
	h.lim.idle_us = idle_unit * (1 + ((data[0] >> 2) & 31)) * 50;
	isn_base = (data[5] & 1) ? 0xffffff00u + data[6]
				 : (uint32_t)data[6] << 8;
	half = (data[7] & 1) ? 0 : (size - 8) / 12;
	data += 8;
	size -= 8;
	nrec = size / 6;
	h.nfl = nrec + 2;
	h.fl = calloc(h.nfl, sizeof(*h.fl));
	CHECK(h.fl != NULL);
	cb.arg = &h;
	cb.open = on_open;
	cb.packet = on_packet;
	cb.data = on_data;
	cb.event = on_event;
	cb.close = on_close;
	cb.late = on_late;
	r = mx_reasm_new(&h.lim, &cb);
	CHECK(r != NULL);
	for (i = 0; i < nrec; i++) {
		const uint8_t *rec = data + 6 * i;

		build(&h, rec, isn_base, cursor, &p);
		if (rec[5] == 253)
			ts -= 5000000; /* the capture's clock goes back */
		else if (rec[5] == 254)
			ts = ts < 0 ? INT64_MAX / 2 : INT64_MIN / 2;
		else
			ts += (int64_t)rec[5] * (rec[5] > 250 ? 1000000 : 10);
		h.frame = ++packets;
		mx_reasm_packet(r, &p, ts, h.frame);
		check_stats(&h, r, packets);
		if (half > 0 && i + 1 == half) {
			mx_reasm_finish(r);
			CHECK(h.opens == h.closes);
			check_stats(&h, r, packets);
		}
	}
	mx_reasm_finish(r);
	CHECK(h.opens == h.closes);
	check_stats(&h, r, packets);
	/* free with a flow still open: no callback, no leak */
	if (nrec > 0) {
		build(&h, data, isn_base, cursor, &p);
		h.frame = ++packets;
		mx_reasm_packet(r, &p, ts, h.frame);
	}
	mx_reasm_free(r);
	free(h.fl);
	return 0;
}
