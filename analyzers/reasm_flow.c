/*
 * reasm_flow.c - one direction of a TCP flow: segments in, ordered bytes
 * out (see analyzers/reasm.h for the contract, reasm_int.h for the state).
 *
 * A segment is worked off front to back against the direction's state
 * until nothing of it is left:
 *   - bytes before `next` were seen already: trimmed, counted as
 *     retransmitted (RETRANS once per segment, n = those bytes);
 *   - bytes at `next` are delivered straight from the caller's packet,
 *     up to the first held piece, which is then drained with everything
 *     contiguous behind it;
 *   - bytes beyond `next` fill a hole between held pieces: copied into a
 *     new held piece (OOO once per segment, n = the bytes that arrived
 *     ahead), unless that would pass max_ooo_segments, max_ooo_bytes or
 *     the reassembler's max_held_bytes: then the first hole is given up
 *     (GAP, n = its size; the pieces behind it are delivered) and the
 *     segment is looked at again.
 * Bytes the snap length cut (payload_missing) are a hole nobody can fill:
 * a GAP right where they belong.
 *
 * The per-direction cap: bytes past max_bytes_per_dir are not handed to
 * `data` (CAP once, n = the cap) but are still reassembled and counted
 * in mx_flow_dir.bytes, which is therefore the length of the stream as
 * far as it was seen in order; held pieces of a capped direction keep no
 * bytes.
 *
 * FIN (RFC 9293 §3.10.7.4: the FIN occupies the sequence number after
 * the last byte): everything held before it is delivered, each hole
 * given up, then the FIN event.  Bytes beyond the FIN are ignored.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzers/reasm_int.h"
#include "common/xalloc.h"

/* The part of a segment not worked off yet. */
struct piece {
	int64_t off;
	const uint8_t *p; /* NULL: no bytes (capped) */
	size_t len, miss;
	int64_t ts_us;
	uint64_t frame;
};

static size_t piece_total(const struct piece *s)
{
	return s->len + s->miss;
}

/* Drop the first k bytes of s (k <= total). */
static void piece_trim(struct piece *s, size_t k)
{
	if (k <= s->len) {
		if (s->p != NULL)
			s->p += k;
		s->len -= k;
	} else {
		s->miss -= k - s->len;
		s->len = 0;
	}
	s->off += (int64_t)k;
}

/* The first k bytes of s as a piece of their own. */
static struct piece piece_head(const struct piece *s, size_t k)
{
	struct piece h = *s;

	if (k <= s->len) {
		h.len = k;
		h.miss = 0;
	} else {
		h.miss = k - s->len;
	}
	return h;
}

/* Signed distance from 32-bit sequence number `from` to `to`. */
static int64_t seq_diff(uint32_t to, uint32_t from)
{
	uint32_t u = to - from;

	return u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000ll;
}

void mx_rflow_event(struct mx_reasm *r, struct mx_rflow *f, int dir,
		    enum mx_flow_event ev, uint64_t n, int64_t ts_us,
		    uint64_t frame)
{
	if (r->cb.event != NULL)
		r->cb.event(r->cb.arg, &f->pub, dir, ev, n, ts_us, frame);
}

static void gap(struct mx_reasm *r, struct mx_rflow *f, int dir, uint64_t n,
		int64_t ts_us, uint64_t frame)
{
	struct mx_flow_dir *fd = &f->pub.dir[dir];

	fd->gaps++;
	fd->gap_bytes += n;
	f->d[dir].next += (int64_t)n;
	mx_rflow_event(r, f, dir, MX_FLOW_EV_GAP, n, ts_us, frame);
}

/* Hand over a piece that starts at next: its bytes (up to the cap), then
 * a GAP for what the capture cut. */
static void deliver(struct mx_reasm *r, struct mx_rflow *f, int dir,
		    const struct piece *s)
{
	struct mx_flow_dir *fd = &f->pub.dir[dir];
	size_t cap = r->lim.max_bytes_per_dir, n;

	if (s->len > 0) {
		if (!fd->capped) {
			n = fd->bytes < cap ? cap - fd->bytes : 0;
			if (n > s->len)
				n = s->len;
			if (n > 0 && r->cb.data != NULL)
				r->cb.data(r->cb.arg, &f->pub, dir, s->p, n,
					   s->ts_us, s->frame);
			if (n < s->len) {
				fd->capped = 1;
				mx_rflow_event(r, f, dir, MX_FLOW_EV_CAP, cap,
					       s->ts_us, s->frame);
			}
		}
		fd->bytes += s->len;
		f->d[dir].next += (int64_t)s->len;
	}
	if (s->miss > 0)
		gap(r, f, dir, s->miss, s->ts_us, s->frame);
}

static void seg_free(struct mx_reasm *r, struct mx_rdir *d, struct mx_rseg *g)
{
	size_t stored = g->nodata ? 0 : g->len;

	d->nheld--;
	d->nbytes -= stored;
	r->held_now -= stored;
	free(g);
}

/* Deliver the held pieces that start at or before next; bytes of them
 * already delivered count in *dup. */
static void drain(struct mx_reasm *r, struct mx_rflow *f, int dir,
		  uint64_t *dup)
{
	struct mx_rdir *d = &f->d[dir];
	struct mx_rseg *g;
	struct piece s;
	size_t k;

	while ((g = d->held) != NULL && g->off <= d->next) {
		d->held = g->next;
		s = (struct piece){g->off,   g->nodata ? NULL : g->data,
				   g->len,   g->miss,
				   g->ts_us, g->frame};
		k = (size_t)(d->next - s.off);
		if (k >= piece_total(&s)) {
			*dup += piece_total(&s);
		} else {
			*dup += k;
			piece_trim(&s, k);
			deliver(r, f, dir, &s);
		}
		seg_free(r, d, g);
	}
}

/* Give up the first hole: GAP up to the first held piece or `to`,
 * whichever comes first, then deliver what is contiguous. */
static void skip_hole(struct mx_reasm *r, struct mx_rflow *f, int dir,
		      int64_t to, int64_t ts_us, uint64_t frame, uint64_t *dup)
{
	struct mx_rdir *d = &f->d[dir];

	if (d->held != NULL && d->held->off < to)
		to = d->held->off;
	if (to > d->next)
		gap(r, f, dir, (uint64_t)(to - d->next), ts_us, frame);
	drain(r, f, dir, dup);
}

static int room(const struct mx_reasm *r, const struct mx_rdir *d,
		size_t stored)
{
	const struct mx_reasm_limits *l = &r->lim;

	if (d->nheld >= l->max_ooo_segments)
		return 0;
	if (stored > l->max_ooo_bytes || d->nbytes > l->max_ooo_bytes - stored)
		return 0;
	if (l->max_held_bytes > 0 && (stored > l->max_held_bytes ||
				      r->held_now > l->max_held_bytes - stored))
		return 0;
	return 1;
}

/* Hold piece h (it fits before *at). */
static void hold(struct mx_reasm *r, struct mx_rdir *d, struct mx_rseg **at,
		 const struct piece *h)
{
	size_t stored = h->p != NULL ? h->len : 0;
	struct mx_rseg *g = xmalloc(sizeof(*g) + stored);

	g->off = h->off;
	g->len = h->len;
	g->miss = h->miss;
	g->nodata = h->p == NULL;
	g->ts_us = h->ts_us;
	g->frame = h->frame;
	if (stored > 0)
		memcpy(g->data, h->p, stored);
	g->next = *at;
	*at = g;
	d->nheld++;
	d->nbytes += stored;
	r->held_now += stored;
	if (r->held_now > r->st.held_bytes_peak)
		r->st.held_bytes_peak = r->held_now;
}

/* Work off a piece that starts beyond next, one step (work() loops):
 * skip what is held already, or hold the part that fills a hole, or give
 * up the first hole when there is no room. */
static void ahead(struct mx_reasm *r, struct mx_rflow *f, int dir,
		  struct piece *s, uint64_t *dup)
{
	struct mx_rdir *d = &f->d[dir];
	struct mx_rseg **at = &d->held, *g;
	struct piece h;
	size_t n = piece_total(s), stored;
	int64_t end;

	/* the first held piece that ends after s begins */
	while ((g = *at) != NULL &&
	       g->off + (int64_t)(g->len + g->miss) <= s->off)
		at = &g->next;
	if (g != NULL && g->off <= s->off) {
		end = g->off + (int64_t)(g->len + g->miss);
		if ((uint64_t)(end - s->off) < n)
			n = (size_t)(end - s->off);
		*dup += n;
		piece_trim(s, n);
		return;
	}
	if (g != NULL && (uint64_t)(g->off - s->off) < n)
		n = (size_t)(g->off - s->off);
	h = piece_head(s, n);
	if (f->pub.dir[dir].capped)
		h.p = NULL;
	stored = h.p != NULL ? h.len : 0;
	if (!room(r, d, stored)) {
		skip_hole(r, f, dir, s->off, s->ts_us, s->frame, dup);
		return;
	}
	hold(r, d, at, &h);
	piece_trim(s, n);
}

static void work(struct mx_reasm *r, struct mx_rflow *f, int dir,
		 struct piece *s, uint64_t *dup)
{
	struct mx_rdir *d = &f->d[dir];
	struct piece h;
	size_t n, k;

	while ((n = piece_total(s)) > 0) {
		if (s->off < d->next) {
			k = (uint64_t)(d->next - s->off) < n
				    ? (size_t)(d->next - s->off)
				    : n;
			*dup += k;
			piece_trim(s, k);
		} else if (s->off == d->next) {
			if (d->held != NULL &&
			    (uint64_t)(d->held->off - s->off) < n)
				n = (size_t)(d->held->off - s->off);
			h = piece_head(s, n);
			deliver(r, f, dir, &h);
			piece_trim(s, n);
			drain(r, f, dir, dup);
		} else {
			ahead(r, f, dir, s, dup);
		}
	}
}

/* Deliver everything held before `upto` (each hole given up), then drop
 * the rest. */
static void flush_upto(struct mx_reasm *r, struct mx_rflow *f, int dir,
		       int64_t upto, int64_t ts_us, uint64_t frame)
{
	struct mx_rdir *d = &f->d[dir];
	uint64_t dup = 0;

	while (d->held != NULL && d->held->off < upto)
		skip_hole(r, f, dir, upto, ts_us, frame, &dup);
	mx_rdir_drop(r, d);
	if (upto > d->next)
		gap(r, f, dir, (uint64_t)(upto - d->next), ts_us, frame);
}

void mx_rdir_flush(struct mx_reasm *r, struct mx_rflow *f, int dir,
		   int64_t ts_us, uint64_t frame)
{
	struct mx_rdir *d = &f->d[dir];
	uint64_t dup = 0;

	while (d->held != NULL)
		skip_hole(r, f, dir, INT64_MAX, ts_us, frame, &dup);
}

void mx_rdir_drop(struct mx_reasm *r, struct mx_rdir *d)
{
	struct mx_rseg *g;

	while ((g = d->held) != NULL) {
		d->held = g->next;
		seg_free(r, d, g);
	}
}

void mx_rdir_segment(struct mx_reasm *r, struct mx_rflow *f, int dir,
		     const struct mx_rsegin *in)
{
	struct mx_rdir *d = &f->d[dir];
	struct mx_flow_dir *fd = &f->pub.dir[dir];
	struct piece s = {0, in->p, in->len, in->miss, in->ts_us, in->frame};
	size_t total = in->len + in->miss;
	uint64_t dup = 0;
	int64_t end;
	int early;

	if (!d->init) {
		d->init = 1;
		d->base = in->seq;
		d->next = 0;
	}
	s.off = seq_diff(in->seq, d->base + (uint32_t)d->next) + d->next;
	end = s.off + (int64_t)total;
	if (total > 0) {
		fd->segments++;
		if (fd->fin) {
			/* after the FIN: a copy of old bytes, or nonsense */
			if (end <= d->next) {
				fd->retrans++;
				fd->retrans_bytes += total;
				mx_rflow_event(r, f, dir, MX_FLOW_EV_RETRANS,
					       total, in->ts_us, in->frame);
			}
			return;
		}
		if (end > d->next) {
			if (fd->first_data_us == 0)
				fd->first_data_us = in->ts_us;
			fd->last_data_us = in->ts_us;
		}
		early = s.off > d->next;
		work(r, f, dir, &s, &dup);
		if (dup > 0) {
			fd->retrans++;
			fd->retrans_bytes += dup;
			mx_rflow_event(r, f, dir, MX_FLOW_EV_RETRANS, dup,
				       in->ts_us, in->frame);
		}
		if (early && dup < total) {
			fd->ooo++;
			mx_rflow_event(r, f, dir, MX_FLOW_EV_OOO, total - dup,
				       in->ts_us, in->frame);
		}
	}
	if (in->fin && !fd->fin) {
		fd->fin = 1;
		fd->fin_us = in->ts_us;
		fd->fin_frame = in->frame;
		flush_upto(r, f, dir, end, in->ts_us, in->frame);
		mx_rflow_event(r, f, dir, MX_FLOW_EV_FIN, 0, in->ts_us,
			       in->frame);
	}
}
