/*
 * capture.h - live capture of the run's own TCP traffic with libpcap, and
 * the privilege drop that follows opening the device.
 *
 * Purpose: `--capture[=IFACE]` (issue 9 point 1).  The capture is opened
 * and confirmed running before the first connection, its fd sits on the
 * run's one event loop, and every frame is copied into a bounded
 * in-memory store that the decoder (analyzers/capdec.h) and the pcapng
 * writer (reports/pcapng.h) read after the run.  Facts only: frames,
 * timestamps, drop counters.
 *
 * API:
 *   rc = mx_live_capture_open(&c, iface, &targets, snaplen, max_store,
 *                             err, errlen);
 *        iface NULL: the interface that routes to the first target ("lo"
 *        for loopback and for the host's own addresses, which Linux routes
 *        over lo).  BPF filter: tcp and ((host A and port P) or ...).
 *        snaplen 0: 262144; max_store 0: 64 MiB.  The handle is in
 *        immediate, non-blocking mode with the filter set when this
 *        returns MX_CAPTURE_OK.
 *   mx_drop_privileges(user, err, errlen);   right after opening
 *   mx_live_capture_start(c, base);  an EV_READ|EV_PERSIST event on the
 *        caller's loop (engines never make their own loop)
 *   ... the run ...
 *   mx_live_capture_stop(c);  drains what the kernel still holds, reads
 *        pcap_stats, removes the event; frames stay readable
 *   mx_live_capture_nframes / _frame / _stats / _linktype / ...
 *   mx_live_capture_free(c);
 * A capture open for a whole watch instead reads as it goes:
 *   mx_live_capture_refresh(c) as each probe ends (drain + counters, the
 *   event stays), then mx_live_capture_drop_before(c, ts) to give back the
 *   frames of the probes that ended.
 *
 * Return values of mx_live_capture_open (src/ exits 3 on either error):
 *   MX_CAPTURE_OK         *out set
 *   MX_CAPTURE_ERROR      bad target, no such interface, filter error ...
 *   MX_CAPTURE_PERM       the process lacks CAP_NET_RAW; err names the
 *                         capability and how to grant it
 *
 * Ownership: the handle owns its frames; a struct mx_live_frame returned
 * by mx_live_capture_frame() is borrowed until mx_live_capture_free(), or
 * until the next poll or mx_live_capture_drop_before() on a capture that
 * stays open (watch: the store moves and shrinks).
 * Target addresses are read during open only.
 *
 * Limits: the store holds at most max_store bytes (frame bytes plus a
 * fixed per-frame overhead); frames beyond are counted in store_dropped,
 * never kept.  At most MX_CAPTURE_MAX_TARGETS (address, port) pairs go
 * into the filter.
 *
 * Link type: mx_live_capture_linktype() returns the LINKTYPE_ value of the
 * capture file formats (wire/pkt.h MX_LINK_*), not the DLT_ value: they
 * differ for DLT_RAW (12 or 14) -> LINKTYPE_RAW (101).
 */
#ifndef MX_PROBE_CAPTURE_H
#define MX_PROBE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define MX_CAPTURE_DEFAULT_SNAPLEN 262144
#define MX_CAPTURE_DEFAULT_STORE (64u * 1024 * 1024)
#define MX_CAPTURE_MAX_TARGETS 256

/* Message for a missing capability (a prefix of err on MX_CAPTURE_PERM). */
#define MX_CAPTURE_PERM_MSG                                                    \
	"capture needs CAP_NET_RAW (run as root or grant the capability: "     \
	"setcap cap_net_raw+ep mxprobe)"

enum mx_capture_status {
	MX_CAPTURE_OK = 0,
	MX_CAPTURE_ERROR = -1,
	MX_CAPTURE_PERM = -2,
};

struct event_base;
struct mx_live_capture;

/* One (address, port) the run will contact.  addr is numeric (IPv4 or
 * IPv6, no scope); port 0 means any port of that address. */
struct mx_capture_target {
	const char *addr;
	uint16_t port;
};

struct mx_capture_targets {
	const struct mx_capture_target *v;
	size_t n;
};

struct mx_live_frame {
	int64_t ts_us;	  /* capture time, microseconds since the epoch */
	uint32_t caplen;  /* bytes stored */
	uint32_t wirelen; /* bytes on the wire */
	const uint8_t *bytes;
};

struct mx_live_stats {
	uint64_t received;	/* pcap_stats ps_recv: the kernel's count, which
				 * on lo includes the outgoing copies libpcap
				 * skips; not a frame count */
	uint64_t kernel_drop;	/* ps_drop: buffer overflow in the kernel */
	uint64_t if_drop;	/* ps_ifdrop: dropped by the interface */
	uint64_t store_dropped; /* frames over max_store, not kept */
	uint64_t store_bytes;	/* bytes held by the store */
	uint64_t released;	/* frames given back by _drop_before */
};

int mx_live_capture_open(struct mx_live_capture **out, const char *iface,
			 const struct mx_capture_targets *t, size_t snaplen,
			 size_t max_store_bytes, char *err, size_t errlen);
/* 0, or -1 when the event could not be added (err of open not needed:
 * only a broken loop fails here). */
int mx_live_capture_start(struct mx_live_capture *c, struct event_base *base);
/* Drain, read the statistics, remove the event.  Idempotent. */
void mx_live_capture_stop(struct mx_live_capture *c);
void mx_live_capture_free(struct mx_live_capture *c);

int mx_live_capture_linktype(const struct mx_live_capture *c);
size_t mx_live_capture_snaplen(const struct mx_live_capture *c);
const char *mx_live_capture_iface(const struct mx_live_capture *c);
/* The BPF filter expression in use (for logs and reports). */
const char *mx_live_capture_filter(const struct mx_live_capture *c);
/* NULL, or why reading stopped during the run (the device went down):
 * the frames before it are kept, the timeline may be incomplete. */
const char *mx_live_capture_error(const struct mx_live_capture *c);
size_t mx_live_capture_nframes(const struct mx_live_capture *c);
/* Frame i (0-based, capture order); NULL past the end. */
const struct mx_live_frame *
mx_live_capture_frame(const struct mx_live_capture *c, size_t i);
/* Kernel counters are read by mx_live_capture_stop(); before it they
 * are those of the last call (0 at first). */
void mx_live_capture_stats(const struct mx_live_capture *c,
			   struct mx_live_stats *st);
/* Let the loop read now (also used by stop): returns frames read. */
int mx_live_capture_poll(struct mx_live_capture *c);
/* A capture that stays open (watch): read what the kernel holds now and
 * its counters (pcap_stats), keeping the event on the loop. */
void mx_live_capture_refresh(struct mx_live_capture *c);
/* Give back every frame captured before ts_us (those of probes that
 * ended), so a capture open for days stays bounded; the frames after it
 * are renumbered from 0.  Returns the frames released. */
size_t mx_live_capture_drop_before(struct mx_live_capture *c, int64_t ts_us);

/*
 * Give up every privilege once the capture device is open: supplementary
 * groups, gid, uid (to `user`; NULL: "nobody" when running as uid 0, else
 * keep the uid), every capability (bounding set where CAP_SETPCAP allows,
 * ambient, inheritable, permitted, effective) and set no_new_privs.  The
 * open pcap handle keeps working.  Returns 0, or -1 with err set (unknown
 * user, a set*id call refused, capabilities still held afterwards - by
 * this thread or any other).
 *
 * Threads: set*id changes are process-wide (glibc), but capabilities, the
 * bounding set and no_new_privs are per thread.  Switching away from root
 * clears every thread's capabilities; a non-root process with file
 * capabilities (setcap) must call this before starting any thread (the
 * resolver's), else the call fails naming the thread that kept them.
 */
int mx_drop_privileges(const char *user, char *err, size_t errlen);

/* Replace the filter of an open (maybe started, maybe unprivileged)
 * capture with one on t's (address, port) pairs: src/ adds each endpoint
 * as the engine queues it, before its first connection.  0, or -1 with
 * err set (the old filter stays). */
int mx_live_capture_retarget(struct mx_live_capture *c,
			     const struct mx_capture_targets *t, char *err,
			     size_t errlen);

#endif
