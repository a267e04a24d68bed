/*
 * reasm_int.h - inside the TCP reassembler (analyzers/reasm.h): the flow
 * record, the per-direction stream state, and the stream functions of
 * reasm_flow.c.  reasm.c owns the flow table (hash + LRU lists), the
 * roles, the handshake and the life cycle of a flow; reasm_flow.c turns
 * the segments of one direction into in-order bytes.
 *
 * Offsets: a direction's bytes are numbered from 0 (the byte after the
 * SYN, or the first byte seen); `next` is the offset of the next byte to
 * deliver.  A 32-bit sequence number becomes an offset relative to
 * `next` (the nearest one, RFC 9293 §3.4 sequence arithmetic), so streams
 * longer than 4 GiB and ISNs near 2^32 both work.
 */
#ifndef MX_ANALYZERS_REASM_INT_H
#define MX_ANALYZERS_REASM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyzers/reasm.h"

/* One held (out-of-order) piece of a stream.  len bytes at off, then
 * miss bytes the capture cut (snap length).  nodata: the direction was
 * capped when it was held, so its len bytes are counted, not stored. */
struct mx_rseg {
	struct mx_rseg *next;
	int64_t off;
	size_t len, miss;
	int nodata;
	int64_t ts_us;
	uint64_t frame;
	uint8_t data[];
};

struct mx_rdir {
	int init;	      /* base known */
	uint32_t base;	      /* sequence number of offset 0 */
	int64_t next;	      /* offset of the next byte to deliver */
	struct mx_rseg *held; /* by offset, disjoint, all beyond next */
	size_t nheld, nbytes; /* pieces held, bytes stored */
	int zw_run;	      /* inside a run of zero windows */
};

struct mx_rlink {
	struct mx_rflow *prev, *next;
};

struct mx_rlist {
	struct mx_rflow *head, *tail; /* head: the oldest */
	size_t n;
};

struct mx_rflow {
	struct mx_flow pub;
	struct mx_rflow *hnext; /* hash chain */
	struct mx_rlink lru;	/* r->lru (open) or r->tombs (closed) */
	struct mx_rlink all;	/* r->all: open flows by id */
	/* the 4-tuple in canonical order: (addr[0], port[0]) is the lower */
	uint8_t addr[2][16];
	uint16_t port[2];
	unsigned hash;
	int tomb;	 /* closed by FIN or RST: absorbs late segments */
	int c_isn_known; /* the client's ISN (from its SYN or the SYN-ACK) */
	uint32_t c_isn;
	struct mx_rdir d[2]; /* MX_DIR_C2S, MX_DIR_S2C */
};

struct mx_reasm {
	struct mx_reasm_limits lim;
	struct mx_reasm_cb cb;
	struct mx_reasm_stats st;
	struct mx_rflow **tab;
	size_t tabmask;
	struct mx_rlist lru;   /* open flows, least recently seen first */
	struct mx_rlist tombs; /* closed by FIN/RST, oldest first */
	struct mx_rlist all;   /* open flows, oldest id first */
	uint32_t seed;	       /* of the hash: from the handle's address */
	unsigned next_id;
	size_t held_now; /* bytes stored by every flow */
};

/* One segment's payload (and FIN) for direction `dir` of f.  seq is the
 * sequence number of its first payload byte (after the SYN's). */
struct mx_rsegin {
	uint32_t seq;
	const uint8_t *p;
	size_t len, miss;
	int fin;
	int64_t ts_us;
	uint64_t frame;
};

void mx_rdir_segment(struct mx_reasm *r, struct mx_rflow *f, int dir,
		     const struct mx_rsegin *s);
/* Give up every hole of a direction: deliver what is held, a GAP before
 * each piece.  Events carry ts_us and frame. */
void mx_rdir_flush(struct mx_reasm *r, struct mx_rflow *f, int dir,
		   int64_t ts_us, uint64_t frame);
/* Free what a direction holds (no callbacks). */
void mx_rdir_drop(struct mx_reasm *r, struct mx_rdir *d);
void mx_rflow_event(struct mx_reasm *r, struct mx_rflow *f, int dir,
		    enum mx_flow_event ev, uint64_t n, int64_t ts_us,
		    uint64_t frame);

#endif
