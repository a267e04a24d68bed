/*
 * reasm.h - TCP reassembly per flow, with caps.
 *
 * Purpose: turn decoded segments (wire/pkt.h) into two ordered byte
 * streams per connection for the mail session decoder, and record what
 * the wire did on the way: retransmissions, out-of-order segments, gaps
 * (bytes the capture never saw), FIN and RST with their direction and
 * time, zero windows, and whether the capture started in the middle of a
 * flow (no SYN seen: the client is then guessed, see below).
 *
 * API (engine style, callbacks, no I/O):
 *   r = mx_reasm_new(&limits, &cb);      limits NULL: the defaults below
 *   mx_reasm_packet(r, &pkt, ts_us, frame);  for every MX_PKT_OK frame,
 *                                        in capture order
 *   mx_reasm_finish(r);                  end of capture: flush and close
 *                                        every flow
 *   mx_reasm_free(r);
 * Callbacks, all optional, in this order for one flow: open (first packet
 * of a new flow), then for each packet `packet` (every segment, even pure
 * ACKs, before any data it releases), `data` (in-order bytes, each chunk
 * tagged with the frame that carried it), `event`; then close (both sides
 * FIN, RST, idle eviction, the flow cap, or finish).  The struct mx_flow
 * is valid from open to the end of close; `user` is the caller's.
 *
 * Client and server: the sender of a SYN without ACK is the client.  With
 * no SYN seen (midstream), the side whose port is a well-known mail port
 * (25, 465, 587, 2465, 2587) is the server; failing that the lower port.
 *
 * Sequence numbers: relative to the ISN when the SYN was seen, else to the
 * first segment of each direction; 32-bit wrap handled.  A segment whose
 * bytes were all delivered already is a retransmission (counted, not
 * delivered again); one that partly overlaps is trimmed.  Segments ahead
 * of the next expected byte are held (at most max_ooo_segments and
 * max_ooo_bytes per direction); when the hole cannot be filled (the cap,
 * a FIN or the end of the capture), a GAP event with the missing byte
 * count is emitted and delivery skips ahead.
 *
 * Caps (memory is bounded by max_flows x (2 x max_ooo_bytes) plus the
 * flow structs): max_bytes_per_dir stops delivering a direction's bytes
 * (event MX_FLOW_EV_CAP once; counting goes on); a new flow beyond
 * max_flows evicts the least recently seen flow (closed first) and counts
 * it in stats.evicted.  Idle flows (no packet for idle_us, by capture
 * time) are closed as packets arrive.
 *
 * In detail (reasm.c, reasm_flow.c): mx_flow_dir.bytes goes on counting
 * past the cap (the stream as far as it was seen in order; `data` got at
 * most max_bytes_per_dir of it).  RETRANS n is the bytes of the segment
 * that were seen already (all of them for a plain retransmission, the
 * overlap for a partial one); OOO n the bytes that arrived ahead.  Bytes
 * the snap length cut (payload_missing) are a GAP where they belong.  A
 * capture that starts at the SYN-ACK is not midstream (both ISNs known).
 * A flow closed by FIN or RST leaves a tombstone that swallows late
 * segments (the last ACK: stats.late) until a new SYN reuses the 4-tuple.
 */
#ifndef MX_ANALYZERS_REASM_H
#define MX_ANALYZERS_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "wire/pkt.h"

enum { MX_DIR_C2S = 0, MX_DIR_S2C = 1 };

enum mx_flow_event {
	MX_FLOW_EV_FIN = 1,	/* n: 0 */
	MX_FLOW_EV_RST,		/* n: 0 */
	MX_FLOW_EV_GAP,		/* n: bytes never seen */
	MX_FLOW_EV_RETRANS,	/* n: payload bytes of the segment */
	MX_FLOW_EV_OOO,		/* n: payload bytes held */
	MX_FLOW_EV_ZERO_WINDOW, /* n: 0; the sender advertised window 0 */
	MX_FLOW_EV_CAP,		/* n: max_bytes_per_dir */
};

enum mx_flow_close {
	MX_FLOW_CLOSE_FIN = 1, /* both sides sent FIN */
	MX_FLOW_CLOSE_RST,     /* a RST */
	MX_FLOW_CLOSE_IDLE,    /* idle_us passed */
	MX_FLOW_CLOSE_EVICTED, /* max_flows reached, this was the oldest */
	MX_FLOW_CLOSE_END,     /* end of capture, still open */
	MX_FLOW_CLOSE_REUSED,  /* a new SYN on the same 4-tuple (port reuse) */
};

struct mx_flow_dir {
	uint64_t bytes;	   /* payload bytes delivered in order */
	uint64_t segments; /* segments with payload */
	uint64_t retrans, retrans_bytes;
	uint64_t ooo;		       /* segments that arrived ahead */
	uint64_t gaps, gap_bytes;      /* holes skipped */
	uint64_t zero_windows;	       /* segments advertising window 0 */
	int capped;		       /* max_bytes_per_dir reached */
	int fin, rst;		       /* sent by this side */
	int64_t fin_us, rst_us;	       /* capture time, us since the epoch */
	uint64_t fin_frame, rst_frame; /* 1-based frame numbers */
	int64_t first_data_us, last_data_us; /* 0 none */
};

struct mx_flow {
	unsigned id; /* from 1, in order of first packet */
	int family;  /* AF_INET / AF_INET6 */
	uint8_t client[16], server[16];
	uint16_t cport, sport;
	int saw_syn; /* the client's SYN was captured */
	int saw_synack;
	int midstream; /* no SYN: the capture began inside the flow */
	int guessed;   /* client/server guessed (no SYN) */
	int64_t first_us, last_us;
	uint64_t first_frame, last_frame;
	uint64_t packets;
	struct mx_flow_dir dir[2]; /* MX_DIR_C2S, MX_DIR_S2C */
	enum mx_flow_close closed; /* 0 while open */
	void *user;		   /* the caller's */
};

struct mx_reasm_limits {
	size_t max_flows;	  /* default 4096 */
	size_t max_bytes_per_dir; /* default 4 MiB */
	size_t max_ooo_segments;  /* per direction, default 64 */
	size_t max_ooo_bytes;	  /* per direction, default 256 KiB */
	int64_t idle_us;	  /* default 600 s */
	/* Out-of-order bytes held by all flows together, default 16 MiB; 0:
	 * only the per-direction caps.  Reaching it is a cap like the
	 * per-direction ones (the hole is given up: GAP). */
	size_t max_held_bytes;
};

struct mx_reasm_cb {
	void *arg;
	void (*open)(void *arg, struct mx_flow *f);
	void (*packet)(void *arg, struct mx_flow *f, int dir,
		       const struct mx_pkt *p, int64_t ts_us, uint64_t frame);
	void (*data)(void *arg, struct mx_flow *f, int dir, const uint8_t *b,
		     size_t n, int64_t ts_us, uint64_t frame);
	void (*event)(void *arg, struct mx_flow *f, int dir,
		      enum mx_flow_event ev, uint64_t n, int64_t ts_us,
		      uint64_t frame);
	void (*close)(void *arg, struct mx_flow *f);
	/* A segment for a flow already closed by FIN or RST (the last ACK,
	 * a retransmitted FIN, the answer to a RST): not reassembled, and
	 * no other callback sees it; flow_id and dir are the closed flow's.
	 * Optional, like the others. */
	void (*late)(void *arg, unsigned flow_id, int dir,
		     const struct mx_pkt *p, int64_t ts_us, uint64_t frame);
};

struct mx_reasm_stats {
	uint64_t packets; /* segments given to mx_reasm_packet */
	uint64_t flows;	  /* flows opened */
	uint64_t evicted; /* flows closed by the max_flows cap */
	uint64_t idle;	  /* flows closed as idle */
	size_t flows_now, flows_peak;
	size_t held_bytes_peak; /* out-of-order bytes held at once */
	uint64_t late; /* segments for a flow closed by FIN or RST: ignored */
};

struct mx_reasm;

void mx_reasm_limits_default(struct mx_reasm_limits *l);
struct mx_reasm *mx_reasm_new(const struct mx_reasm_limits *l,
			      const struct mx_reasm_cb *cb);
void mx_reasm_packet(struct mx_reasm *r, const struct mx_pkt *p, int64_t ts_us,
		     uint64_t frame);
void mx_reasm_finish(struct mx_reasm *r);
const struct mx_reasm_stats *mx_reasm_stats(const struct mx_reasm *r);
void mx_reasm_free(struct mx_reasm *r);
const char *mx_flow_event_name(enum mx_flow_event ev);
const char *mx_flow_close_name(enum mx_flow_close c);

#endif
