/*
 * reasm.c - TCP reassembly per flow with caps (analyzers/reasm.h): the
 * flow table, roles, handshake and the life of a flow.  The byte stream
 * of each direction is reasm_flow.c's.
 *
 * Flow table: a hash table keyed by the canonical 4-tuple (family, the
 * lower address:port first) with chains, sized for 2 x max_flows entries
 * (open flows and tombstones), plus three lists: open flows least
 * recently seen first (idle closing and eviction take from its head),
 * open flows by id (finish closes them in that order), and tombstones.
 * One packet costs a hash, a chain walk and O(1) list moves.
 *
 * Tombstones: a flow closed by both FINs or a RST stays in the table,
 * without its buffers, so that the last ACK, a retransmitted FIN or the
 * peer's answer to a RST do not open a new midstream flow; they are
 * counted in stats.late and only the `late` callback sees them.  A SYN
 * without ACK on that 4-tuple replaces it (port reuse), and so does a
 * SYN-ACK that acknowledges another ISN than the closed flow's client's.  Tombstones go after idle_us,
 * and the oldest goes when there are max_flows of them.
 *
 * Port reuse on an open flow: a SYN without ACK whose sequence number is
 * not the client's ISN (or on a flow without a known ISN, or where a
 * side sent FIN) closes the flow (MX_FLOW_CLOSE_REUSED) and opens a new
 * one; the same ISN again is a retransmitted SYN.
 *
 * Roles: the sender of a SYN without ACK is the client, the sender of a
 * SYN-ACK the server (a capture that starts at the SYN-ACK is not
 * midstream: both ISNs are known).  Otherwise guessed: the side on a mail
 * port (25, 465, 587, 2465, 2587) is the server; failing that (both or
 * neither) the lower port; equal ports: the first sender is the client.
 *
 * Order of callbacks for one packet: `packet`; ZERO_WINDOW (the first
 * segment of a run advertising window 0, RST and SYN not counted); then
 * the data the segment releases with GAP and CAP where they fall in the
 * stream; RETRANS (bytes seen already); OOO (bytes that arrived ahead);
 * FIN; for a RST, what both sides held, then RST, then close.  Closing
 * for any reason first delivers what is held (GAP before each piece).
 * Callbacks must not call back into the reassembler.
 *
 * Limits: see reasm.h; memory is the flow records (open and tombstones,
 * at most 2 x max_flows) plus the held bytes (max_held_bytes).
 * mx_reasm_free calls no callback: call mx_reasm_finish first.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyzers/reasm_int.h"
#include "common/xalloc.h"

static const uint16_t mail_ports[] = {25, 465, 587, 2465, 2587};

/* Payload bytes, and cut bytes, of one segment at most (an IPv6
 * jumbogram is below 4 GiB; more is a caller's bug and is ignored). */
#define MAX_SEG ((size_t)1 << 30)

void mx_reasm_limits_default(struct mx_reasm_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->max_flows = 4096;
	l->max_bytes_per_dir = (size_t)4 << 20;
	l->max_ooo_segments = 64;
	l->max_ooo_bytes = (size_t)256 << 10;
	l->idle_us = (int64_t)600 * 1000000;
	l->max_held_bytes = (size_t)16 << 20;
}

struct mx_reasm *mx_reasm_new(const struct mx_reasm_limits *l,
			      const struct mx_reasm_cb *cb)
{
	struct mx_reasm *r = xcalloc(1, sizeof(*r));
	size_t n = 64;

	if (l != NULL)
		r->lim = *l;
	else
		mx_reasm_limits_default(&r->lim);
	if (r->lim.max_flows == 0)
		r->lim.max_flows = 1;
	if (cb != NULL)
		r->cb = *cb;
	while (n < (size_t)1 << 20 && n / 2 < r->lim.max_flows)
		n *= 2;
	/* Flow keys come from the capture: a seed the file cannot know
	 * (ASLR) keeps crafted 4-tuples from piling into one chain. */
	r->seed = (uint32_t)(((uintptr_t)r >> 4) * 2654435761u);
	r->tab = xcalloc(n, sizeof(*r->tab));
	r->tabmask = n - 1;
	return r;
}

const struct mx_reasm_stats *mx_reasm_stats(const struct mx_reasm *r)
{
	return &r->st;
}

/* ---- lists ---------------------------------------------------------- */

/* A flow's link in one of the lists: the member at offset `off`. */
static struct mx_rlink *lk(struct mx_rflow *f, size_t off)
{
	return (struct mx_rlink *)((char *)f + off);
}

#define LRU offsetof(struct mx_rflow, lru)
#define ALL offsetof(struct mx_rflow, all)

static void list_push(struct mx_rlist *l, struct mx_rflow *f, size_t off)
{
	struct mx_rlink *k = lk(f, off);

	k->next = NULL;
	k->prev = l->tail;
	if (l->tail != NULL)
		lk(l->tail, off)->next = f;
	else
		l->head = f;
	l->tail = f;
	l->n++;
}

static void list_del(struct mx_rlist *l, struct mx_rflow *f, size_t off)
{
	struct mx_rlink *k = lk(f, off);

	if (k->prev != NULL)
		lk(k->prev, off)->next = k->next;
	else
		l->head = k->next;
	if (k->next != NULL)
		lk(k->next, off)->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = k->next = NULL;
	l->n--;
}

/* ---- the table ------------------------------------------------------ */

struct key {
	int family;
	uint8_t addr[2][16];
	uint16_t port[2];
};

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Canonical: the lower (address, port) first. */
static void make_key(const struct mx_pkt *p, struct key *k)
{
	size_t alen = addr_len(p->family);
	int c, swap;

	memset(k, 0, sizeof(*k));
	k->family = p->family;
	c = memcmp(p->src, p->dst, alen);
	swap = c > 0 || (c == 0 && p->sport > p->dport);
	memcpy(k->addr[swap], p->src, alen);
	memcpy(k->addr[!swap], p->dst, alen);
	k->port[swap] = p->sport;
	k->port[!swap] = p->dport;
}

static unsigned key_hash(const struct key *k, uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed; /* FNV-1a */
	size_t i, alen = addr_len(k->family);

	for (i = 0; i < alen; i++)
		h = (h ^ k->addr[0][i]) * 16777619u;
	for (i = 0; i < alen; i++)
		h = (h ^ k->addr[1][i]) * 16777619u;
	h = (h ^ k->port[0]) * 16777619u;
	h = (h ^ k->port[1]) * 16777619u;
	h = (h ^ (uint32_t)k->family) * 16777619u;
	return h ^ (h >> 15);
}

static int key_eq(const struct mx_rflow *f, const struct key *k)
{
	return f->pub.family == k->family && f->port[0] == k->port[0] &&
	       f->port[1] == k->port[1] &&
	       memcmp(f->addr, k->addr, sizeof(f->addr)) == 0;
}

static struct mx_rflow *lookup(struct mx_reasm *r, const struct key *k,
			       unsigned h)
{
	struct mx_rflow *f;

	for (f = r->tab[h & r->tabmask]; f != NULL; f = f->hnext)
		if (f->hash == h && key_eq(f, k))
			return f;
	return NULL;
}

static void unhash(struct mx_reasm *r, struct mx_rflow *f)
{
	struct mx_rflow **pp = &r->tab[f->hash & r->tabmask];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
}

/* ---- life cycle ----------------------------------------------------- */

static void tomb_free(struct mx_reasm *r, struct mx_rflow *f)
{
	unhash(r, f);
	list_del(&r->tombs, f, LRU);
	free(f);
}

/* Close an open flow: deliver what is held, call close, then keep a
 * tombstone (FIN, RST) or free it. */
static void flow_close(struct mx_reasm *r, struct mx_rflow *f,
		       enum mx_flow_close why)
{
	int dir;

	for (dir = 0; dir < 2; dir++)
		mx_rdir_flush(r, f, dir, f->pub.last_us, f->pub.last_frame);
	f->pub.closed = why;
	if (r->cb.close != NULL)
		r->cb.close(r->cb.arg, &f->pub);
	f->pub.user = NULL;
	for (dir = 0; dir < 2; dir++)
		mx_rdir_drop(r, &f->d[dir]);
	list_del(&r->lru, f, LRU);
	list_del(&r->all, f, ALL);
	r->st.flows_now--;
	if (why != MX_FLOW_CLOSE_FIN && why != MX_FLOW_CLOSE_RST) {
		unhash(r, f);
		free(f);
		return;
	}
	f->tomb = 1;
	list_push(&r->tombs, f, LRU);
	if (r->tombs.n > r->lim.max_flows)
		tomb_free(r, r->tombs.head);
}

/* now - then > idle_us, without overflow (capture times are input). */
static int idle_at(const struct mx_reasm *r, const struct mx_rflow *f,
		   int64_t now)
{
	int64_t then = f->pub.last_us;

	return now > then &&
	       (uint64_t)now - (uint64_t)then > (uint64_t)r->lim.idle_us;
}

/* Close flows and drop tombstones idle for more than idle_us at `now`.
 * The lists are in arrival order, which is time order unless the
 * capture's clock went back; then a flow may close a little late. */
static void expire(struct mx_reasm *r, int64_t now)
{
	struct mx_rflow *f;

	if (r->lim.idle_us <= 0)
		return;
	while ((f = r->lru.head) != NULL && idle_at(r, f, now)) {
		r->st.idle++;
		flow_close(r, f, MX_FLOW_CLOSE_IDLE);
	}
	while ((f = r->tombs.head) != NULL && idle_at(r, f, now))
		tomb_free(r, f);
}

static int is_mail_port(uint16_t port)
{
	size_t i;

	for (i = 0; i < sizeof(mail_ports) / sizeof(mail_ports[0]); i++)
		if (mail_ports[i] == port)
			return 1;
	return 0;
}

/* 1 when the packet's source is the client. */
static int src_is_client(const struct mx_pkt *p, int *guessed)
{
	int ms = is_mail_port(p->sport), md = is_mail_port(p->dport);

	*guessed = 0;
	if (p->flags & MX_TCP_SYN)
		return !(p->flags & MX_TCP_ACK);
	*guessed = 1;
	if (ms != md)
		return md;
	return p->sport >= p->dport;
}

static struct mx_rflow *flow_open(struct mx_reasm *r, const struct mx_pkt *p,
				  const struct key *k, unsigned h,
				  int64_t ts_us, uint64_t frame)
{
	struct mx_rflow *f;
	size_t alen = addr_len(p->family);
	int client, guessed;

	if (r->lru.n >= r->lim.max_flows) {
		r->st.evicted++;
		flow_close(r, r->lru.head, MX_FLOW_CLOSE_EVICTED);
	}
	f = xcalloc(1, sizeof(*f));
	memcpy(f->addr, k->addr, sizeof(f->addr));
	memcpy(f->port, k->port, sizeof(f->port));
	f->hash = h;
	f->hnext = r->tab[h & r->tabmask];
	r->tab[h & r->tabmask] = f;
	list_push(&r->lru, f, LRU);
	list_push(&r->all, f, ALL);

	client = src_is_client(p, &guessed);
	f->pub.id = ++r->next_id;
	f->pub.family = p->family;
	memcpy(f->pub.client, client ? p->src : p->dst, alen);
	memcpy(f->pub.server, client ? p->dst : p->src, alen);
	f->pub.cport = client ? p->sport : p->dport;
	f->pub.sport = client ? p->dport : p->sport;
	f->pub.guessed = guessed;
	f->pub.midstream = !(p->flags & MX_TCP_SYN);
	f->pub.first_us = ts_us;
	f->pub.first_frame = frame;
	r->st.flows++;
	r->st.flows_now++;
	if (r->st.flows_now > r->st.flows_peak)
		r->st.flows_peak = r->st.flows_now;
	if (r->cb.open != NULL)
		r->cb.open(r->cb.arg, &f->pub);
	return f;
}

static int dir_of(const struct mx_rflow *f, const struct mx_pkt *p)
{
	size_t alen = addr_len(p->family);

	if (p->sport == f->pub.cport && p->dport == f->pub.sport &&
	    memcmp(p->src, f->pub.client, alen) == 0)
		return MX_DIR_C2S;
	return MX_DIR_S2C;
}

/* A SYN without ACK on an open flow: a new connection on the 4-tuple? */
static int reused(const struct mx_rflow *f, const struct mx_pkt *p)
{
	if (f->pub.dir[0].fin || f->pub.dir[1].fin)
		return 1;
	return !f->c_isn_known || f->c_isn != p->seq;
}

/* SYN and SYN-ACK: the ISNs.  Returns the sequence number of the first
 * payload byte. */
static uint32_t handshake(struct mx_rflow *f, int dir, const struct mx_pkt *p)
{
	struct mx_rdir *c = &f->d[MX_DIR_C2S];
	struct mx_rdir *d = &f->d[dir];

	if (!(p->flags & MX_TCP_SYN))
		return p->seq;
	if (!d->init) {
		d->init = 1;
		d->base = p->seq + 1;
	}
	if (!(p->flags & MX_TCP_ACK)) {
		f->pub.saw_syn = 1;
		f->c_isn_known = 1;
		f->c_isn = p->seq;
	} else if (dir == MX_DIR_S2C) {
		f->pub.saw_synack = 1;
		if (!c->init) {
			c->init = 1;
			c->base = p->ack;
		}
		if (!f->c_isn_known) {
			f->c_isn_known = 1;
			f->c_isn = p->ack - 1;
		}
	}
	return p->seq + 1;
}

/* A SYN-ACK on a tombstone that answers another SYN than the closed
 * flow's (its SYN was not captured): a new flow. */
static int new_synack(const struct mx_rflow *f, const struct mx_pkt *p)
{
	if ((p->flags & (MX_TCP_SYN | MX_TCP_ACK | MX_TCP_RST)) !=
	    (MX_TCP_SYN | MX_TCP_ACK))
		return 0;
	return !f->c_isn_known || f->c_isn != p->ack - 1;
}

static void late(struct mx_reasm *r, struct mx_rflow *f, const struct mx_pkt *p,
		 int64_t ts_us, uint64_t frame)
{
	r->st.late++;
	f->pub.last_us = ts_us;
	list_del(&r->tombs, f, LRU);
	list_push(&r->tombs, f, LRU);
	if (r->cb.late != NULL)
		r->cb.late(r->cb.arg, f->pub.id, dir_of(f, p), p, ts_us, frame);
}

static void zero_window(struct mx_reasm *r, struct mx_rflow *f, int dir,
			const struct mx_pkt *p, int64_t ts_us, uint64_t frame)
{
	struct mx_rdir *d = &f->d[dir];

	if (p->flags & (MX_TCP_RST | MX_TCP_SYN))
		return;
	if (p->window != 0) {
		d->zw_run = 0;
		return;
	}
	f->pub.dir[dir].zero_windows++;
	if (!d->zw_run)
		mx_rflow_event(r, f, dir, MX_FLOW_EV_ZERO_WINDOW, 0, ts_us,
			       frame);
	d->zw_run = 1;
}

static void reset(struct mx_reasm *r, struct mx_rflow *f, int dir,
		  int64_t ts_us, uint64_t frame)
{
	struct mx_flow_dir *fd = &f->pub.dir[dir];
	int i;

	for (i = 0; i < 2; i++)
		mx_rdir_flush(r, f, i, ts_us, frame);
	fd->rst = 1;
	fd->rst_us = ts_us;
	fd->rst_frame = frame;
	mx_rflow_event(r, f, dir, MX_FLOW_EV_RST, 0, ts_us, frame);
	flow_close(r, f, MX_FLOW_CLOSE_RST);
}

void mx_reasm_packet(struct mx_reasm *r, const struct mx_pkt *p, int64_t ts_us,
		     uint64_t frame)
{
	struct mx_rsegin s;
	struct mx_rflow *f;
	struct key k;
	unsigned h;
	int dir, syn_only;

	r->st.packets++;
	expire(r, ts_us);
	make_key(p, &k);
	h = key_hash(&k, r->seed);
	f = lookup(r, &k, h);
	syn_only = (p->flags & (MX_TCP_SYN | MX_TCP_ACK | MX_TCP_RST)) ==
		   MX_TCP_SYN;
	if (f != NULL && f->tomb) {
		if (!syn_only && !new_synack(f, p)) {
			late(r, f, p, ts_us, frame);
			return;
		}
		tomb_free(r, f);
		f = NULL;
	} else if (f != NULL && syn_only && reused(f, p)) {
		flow_close(r, f, MX_FLOW_CLOSE_REUSED);
		f = NULL;
	}
	if (f == NULL)
		f = flow_open(r, p, &k, h, ts_us, frame);
	dir = dir_of(f, p);
	f->pub.packets++;
	f->pub.last_us = ts_us;
	f->pub.last_frame = frame;
	list_del(&r->lru, f, LRU);
	list_push(&r->lru, f, LRU);
	if (r->cb.packet != NULL)
		r->cb.packet(r->cb.arg, &f->pub, dir, p, ts_us, frame);
	zero_window(r, f, dir, p, ts_us, frame);
	if (p->flags & MX_TCP_RST) {
		reset(r, f, dir, ts_us, frame);
		return;
	}
	s.seq = handshake(f, dir, p);
	s.p = p->payload;
	/* no TCP segment is that long: keep offsets far from overflow */
	s.len = p->payload_len > MAX_SEG ? MAX_SEG : p->payload_len;
	s.miss = p->payload_missing > MAX_SEG ? MAX_SEG : p->payload_missing;
	if (s.p == NULL) { /* bytes announced, none given: cut */
		s.miss = s.miss + s.len > MAX_SEG ? MAX_SEG : s.miss + s.len;
		s.len = 0;
	}
	s.fin = (p->flags & MX_TCP_FIN) != 0;
	s.ts_us = ts_us;
	s.frame = frame;
	mx_rdir_segment(r, f, dir, &s);
	if (f->pub.dir[0].fin && f->pub.dir[1].fin)
		flow_close(r, f, MX_FLOW_CLOSE_FIN);
}

void mx_reasm_finish(struct mx_reasm *r)
{
	struct mx_rflow *f;

	while ((f = r->all.head) != NULL)
		flow_close(r, f, MX_FLOW_CLOSE_END);
	while ((f = r->tombs.head) != NULL)
		tomb_free(r, f);
}

void mx_reasm_free(struct mx_reasm *r)
{
	struct mx_rflow *f;
	int dir;

	if (r == NULL)
		return;
	while ((f = r->all.head) != NULL) {
		for (dir = 0; dir < 2; dir++)
			mx_rdir_drop(r, &f->d[dir]);
		list_del(&r->all, f, ALL);
		list_del(&r->lru, f, LRU);
		unhash(r, f);
		free(f);
	}
	while ((f = r->tombs.head) != NULL)
		tomb_free(r, f);
	free(r->tab);
	free(r);
}

const char *mx_flow_event_name(enum mx_flow_event ev)
{
	static const char *const names[] = {
		[MX_FLOW_EV_FIN] = "fin",
		[MX_FLOW_EV_RST] = "rst",
		[MX_FLOW_EV_GAP] = "gap",
		[MX_FLOW_EV_RETRANS] = "retrans",
		[MX_FLOW_EV_OOO] = "ooo",
		[MX_FLOW_EV_ZERO_WINDOW] = "zero_window",
		[MX_FLOW_EV_CAP] = "cap",
	};

	if ((unsigned)ev < sizeof(names) / sizeof(names[0]) && names[ev])
		return names[ev];
	return "unknown";
}

const char *mx_flow_close_name(enum mx_flow_close c)
{
	static const char *const names[] = {
		[MX_FLOW_CLOSE_FIN] = "fin",
		[MX_FLOW_CLOSE_RST] = "rst",
		[MX_FLOW_CLOSE_IDLE] = "idle",
		[MX_FLOW_CLOSE_EVICTED] = "evicted",
		[MX_FLOW_CLOSE_END] = "end",
		[MX_FLOW_CLOSE_REUSED] = "reused",
	};

	if ((unsigned)c < sizeof(names) / sizeof(names[0]) && names[c])
		return names[c];
	return "unknown";
}
