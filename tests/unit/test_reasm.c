/*
 * test_reasm.c - TCP reassembly per flow with caps (analyzers/reasm.h).
 *
 * Segments are built directly as struct mx_pkt values (no frame
 * decoding).  A recorder logs every callback as a short token - "O1"
 * open flow 1, "P1c" packet client to server, "D1s:5" 5 bytes server to
 * client, "E1c:gap:10" an event, "C1:fin" close - so the order of
 * callbacks is asserted as a string; the bytes delivered per flow and
 * direction are collected and compared, and each flow is copied at close
 * so its counters can be checked afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "analyzers/reasm.h"

#define MAXF 8
#define OUTMAX 8192

struct rec {
	char log[8192];
	size_t loglen;
	uint8_t out[MAXF][2][OUTMAX];
	size_t outn[MAXF][2];
	uint64_t delivered[MAXF][2]; /* all data bytes, even past OUTMAX */
	struct mx_flow at_close[MAXF];
	int closed[MAXF];
	int quiet_packets; /* do not log "P" tokens */
	int log_full;
	/* payload bytes are the low byte of their sequence number: check
	 * that each delivered byte follows the last one and the GAPs */
	int check_bytes;
	int have[MAXF][2];
	uint8_t nextb[MAXF][2];
	unsigned events[MX_FLOW_EV_CAP + 1]; /* by kind */
};

static void logf_(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->log_full)
		return;
	if (r->loglen > 0 && r->loglen < sizeof(r->log) - 1)
		r->log[r->loglen++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(r->log + r->loglen, sizeof(r->log) - r->loglen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(r->log) - r->loglen) {
		r->log_full = 1; /* long runs: a cut log (short ones compare) */
		return;
	}
	r->loglen += (size_t)n;
}

static char dc(int dir)
{
	return dir == MX_DIR_C2S ? 'c' : 's';
}

static void cb_open(void *arg, struct mx_flow *f)
{
	struct rec *r = arg;

	assert_true(f->id < MAXF);
	assert_int_equal(f->closed, 0);
	logf_(r, "O%u", f->id);
}

static void cb_packet(void *arg, struct mx_flow *f, int dir,
		      const struct mx_pkt *p, int64_t ts_us, uint64_t frame)
{
	struct rec *r = arg;

	(void)p;
	(void)ts_us;
	(void)frame;
	assert_false(r->closed[f->id]);
	if (!r->quiet_packets)
		logf_(r, "P%u%c", f->id, dc(dir));
}

static void cb_data(void *arg, struct mx_flow *f, int dir, const uint8_t *b,
		    size_t n, int64_t ts_us, uint64_t frame)
{
	struct rec *r = arg;
	size_t *on = &r->outn[f->id][dir];

	(void)ts_us;
	(void)frame;
	assert_false(r->closed[f->id]);
	assert_true(n > 0);
	logf_(r, "D%u%c:%zu", f->id, dc(dir), n);
	for (size_t i = 0; r->check_bytes && i < n; i++) {
		if (r->have[f->id][dir])
			assert_int_equal(b[i], r->nextb[f->id][dir]);
		r->have[f->id][dir] = 1;
		r->nextb[f->id][dir] = (uint8_t)(b[i] + 1);
	}
	if (*on + n <= OUTMAX) {
		memcpy(r->out[f->id][dir] + *on, b, n);
		*on += n;
	}
	r->delivered[f->id][dir] += n;
}

static void cb_event(void *arg, struct mx_flow *f, int dir,
		     enum mx_flow_event ev, uint64_t n, int64_t ts_us,
		     uint64_t frame)
{
	struct rec *r = arg;

	(void)ts_us;
	(void)frame;
	assert_false(r->closed[f->id]);
	assert_true(ev >= MX_FLOW_EV_FIN && ev <= MX_FLOW_EV_CAP);
	r->events[ev]++;
	if (ev == MX_FLOW_EV_GAP)
		r->nextb[f->id][dir] = (uint8_t)(r->nextb[f->id][dir] + n);
	logf_(r, "E%u%c:%s:%llu", f->id, dc(dir), mx_flow_event_name(ev),
	      (unsigned long long)n);
}

static void cb_close(void *arg, struct mx_flow *f)
{
	struct rec *r = arg;

	assert_false(r->closed[f->id]);
	logf_(r, "C%u:%s", f->id, mx_flow_close_name(f->closed));
	r->closed[f->id] = 1;
	r->at_close[f->id] = *f;
}

static void cb_late(void *arg, unsigned id, int dir, const struct mx_pkt *p,
		    int64_t ts_us, uint64_t frame)
{
	struct rec *r = arg;

	(void)p;
	(void)ts_us;
	(void)frame;
	assert_true(id < MAXF && r->closed[id]);
	logf_(r, "L%u%c", id, dc(dir));
}

/* One TCP connection's endpoints, to build segments from. */
struct conn {
	int family;
	uint8_t c[16], s[16];
	uint16_t cport, sport;
};

static struct conn conn4(const char *c, uint16_t cport, const char *s,
			 uint16_t sport)
{
	struct conn k;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, c, k.c), 1);
	assert_int_equal(inet_pton(AF_INET, s, k.s), 1);
	k.cport = cport;
	k.sport = sport;
	return k;
}

/* A segment from the client (c2s) or the server. */
static struct mx_pkt seg(const struct conn *k, int c2s, uint8_t flags,
			 uint32_t seq, uint32_t ack, const char *data)
{
	struct mx_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = k->family;
	memcpy(p.src, c2s ? k->c : k->s, 16);
	memcpy(p.dst, c2s ? k->s : k->c, 16);
	p.sport = c2s ? k->cport : k->sport;
	p.dport = c2s ? k->sport : k->cport;
	p.seq = seq;
	p.ack = ack;
	p.flags = flags;
	p.window = 65535;
	p.wscale = 0xff;
	p.payload = (const uint8_t *)data;
	p.payload_len = data ? strlen(data) : 0;
	p.ttl = 64;
	return p;
}

struct env {
	struct rec *rec;
	struct mx_reasm *r;
	uint64_t frame;
	int64_t ts;
};

static void env_init(struct env *e, const struct mx_reasm_limits *l)
{
	struct mx_reasm_cb cb = {0};

	e->rec = calloc(1, sizeof(*e->rec));
	assert_non_null(e->rec);
	cb.arg = e->rec;
	cb.open = cb_open;
	cb.packet = cb_packet;
	cb.data = cb_data;
	cb.event = cb_event;
	cb.close = cb_close;
	cb.late = cb_late;
	e->r = mx_reasm_new(l, &cb);
	assert_non_null(e->r);
	e->frame = 0;
	e->ts = 1000000000000000; /* 2001 */
}

static void env_free(struct env *e)
{
	mx_reasm_free(e->r);
	free(e->rec);
}

/* Feed one segment, 1 ms after the previous one. */
static void feed(struct env *e, struct mx_pkt p)
{
	e->ts += 1000;
	mx_reasm_packet(e->r, &p, e->ts, ++e->frame);
}

static void assert_out(struct env *e, unsigned id, int dir, const char *s)
{
	size_t n = strlen(s);

	assert_int_equal(e->rec->outn[id][dir], n);
	assert_memory_equal(e->rec->out[id][dir], s, n);
}

#define A MX_TCP_ACK
#define S MX_TCP_SYN
#define F MX_TCP_FIN
#define R MX_TCP_RST
#define PA (MX_TCP_PSH | MX_TCP_ACK)

enum { CI = 1000, SI = 5000 }; /* the ISNs of most tests */

/* The three-way handshake of k. */
static void handshake(struct env *e, const struct conn *k)
{
	feed(e, seg(k, 1, S, CI, 0, NULL));
	feed(e, seg(k, 0, S | A, SI, CI + 1, NULL));
	feed(e, seg(k, 1, A, CI + 1, SI + 1, NULL));
}

static void test_handshake_both_ways(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	const struct mx_reasm_stats *st;
	struct mx_flow *f;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	feed(&e, seg(&k, 0, PA, SI + 1, CI + 1, "220 hi\r\n"));
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 9, "EHLO x\r\n"));
	feed(&e, seg(&k, 0, PA, SI + 9, CI + 9, "250 ok\r\n"));
	feed(&e, seg(&k, 1, PA, CI + 9, SI + 17, "QUIT\r\n"));
	feed(&e, seg(&k, 0, F | A, SI + 17, CI + 15, NULL));
	feed(&e, seg(&k, 1, F | A, CI + 15, SI + 18, NULL));
	feed(&e, seg(&k, 0, A, SI + 18, CI + 16, NULL)); /* the last ACK */
	assert_string_equal(e.rec->log,
			    "O1 P1c P1s P1c P1s D1s:8 P1c D1c:8 P1s D1s:8 "
			    "P1c D1c:6 P1s E1s:fin:0 P1c E1c:fin:0 C1:fin L1s");
	assert_out(&e, 1, MX_DIR_C2S, "EHLO x\r\nQUIT\r\n");
	assert_out(&e, 1, MX_DIR_S2C, "220 hi\r\n250 ok\r\n");
	f = &e.rec->at_close[1];
	assert_int_equal(f->id, 1);
	assert_int_equal(f->family, AF_INET);
	assert_memory_equal(f->client, k.c, 4);
	assert_memory_equal(f->server, k.s, 4);
	assert_int_equal(f->cport, 51234);
	assert_int_equal(f->sport, 25);
	assert_true(f->saw_syn && f->saw_synack);
	assert_false(f->midstream || f->guessed);
	assert_int_equal(f->packets, 9);
	assert_int_equal(f->first_frame, 1);
	assert_int_equal(f->last_frame, 9);
	assert_int_equal(f->dir[0].bytes, 14);
	assert_int_equal(f->dir[1].bytes, 16);
	assert_int_equal(f->dir[0].segments, 2);
	assert_int_equal(f->dir[1].fin, 1);
	assert_int_equal(f->dir[1].fin_frame, 8);
	assert_int_equal(f->dir[0].fin_frame, 9);
	assert_true(f->dir[0].first_data_us > 0 &&
		    f->dir[0].last_data_us > f->dir[0].first_data_us);
	assert_int_equal(f->dir[0].retrans + f->dir[0].gaps + f->dir[0].ooo, 0);
	st = mx_reasm_stats(e.r);
	assert_int_equal(st->packets, 10);
	assert_int_equal(st->flows, 1);
	assert_int_equal(st->flows_now, 0);
	assert_int_equal(st->flows_peak, 1);
	assert_int_equal(st->late, 1);
	assert_int_equal(st->held_bytes_peak, 0);
	mx_reasm_finish(e.r);
	/* nothing more at finish: the flow is gone */
	assert_true(strstr(e.rec->log, "L1s") + 3 ==
		    e.rec->log + e.rec->loglen);
	env_free(&e);
}

/* In order without a handshake, many small segments, finish closes. */
static void test_in_order_stream(void **state)
{
	struct conn k = conn4("10.0.0.1", 40000, "10.0.0.2", 587);
	char buf[3];
	uint32_t seq = 777;
	struct env e;
	int i;

	(void)state;
	env_init(&e, NULL);
	e.rec->quiet_packets = 1;
	for (i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "%02d", i);
		feed(&e, seg(&k, 1, PA, seq, 1, buf));
		seq += 2;
	}
	mx_reasm_finish(e.r);
	assert_int_equal(e.rec->outn[1][0], 200);
	assert_memory_equal(e.rec->out[1][0], "00010203", 8);
	assert_memory_equal(e.rec->out[1][0] + 196, "9899", 4);
	assert_true(e.rec->at_close[1].midstream);
	assert_int_equal(e.rec->at_close[1].closed, MX_FLOW_CLOSE_END);
	assert_int_equal(e.rec->at_close[1].dir[0].bytes, 200);
	assert_int_equal(mx_reasm_stats(e.r)->flows_now, 0);
	env_free(&e);
}

static void test_retrans_exact_and_partial(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_flow *f;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "abcd"));
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "abcd"));   /* exact */
	feed(&e, seg(&k, 1, PA, CI + 3, SI + 1, "cdefgh")); /* partial */
	feed(&e, seg(&k, 1, PA, CI + 2, SI + 1, "bc"));	    /* inside */
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log,
			    "P1c D1c:4 P1c E1c:retrans:4 P1c D1c:4 "
			    "E1c:retrans:2 P1c E1c:retrans:2 C1:end");
	assert_out(&e, 1, 0, "abcdefgh");
	f = &e.rec->at_close[1];
	assert_int_equal(f->dir[0].retrans, 3);
	assert_int_equal(f->dir[0].retrans_bytes, 8);
	assert_int_equal(f->dir[0].segments, 4);
	assert_int_equal(f->dir[0].bytes, 8);
	env_free(&e);
}

static void test_ooo_then_fill(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_flow *f;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 9, SI + 1, "ijkl"));     /* third */
	feed(&e, seg(&k, 1, PA, CI + 5, SI + 1, "efgh"));     /* second */
	feed(&e, seg(&k, 1, PA, CI + 9, SI + 1, "ijkl"));     /* dup held */
	feed(&e, seg(&k, 1, PA, CI + 7, SI + 1, "ghijklmn")); /* overlaps */
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "abcdef"));   /* fills */
	assert_string_equal(
		e.rec->log,
		"P1c E1c:ooo:4 P1c E1c:ooo:4 P1c E1c:retrans:4 "
		"P1c E1c:retrans:6 E1c:ooo:2 P1c D1c:4 D1c:4 D1c:4 D1c:2 "
		"E1c:retrans:2");
	assert_out(&e, 1, 0, "abcdefghijklmn");
	assert_int_equal(mx_reasm_stats(e.r)->held_bytes_peak, 10);
	mx_reasm_finish(e.r);
	f = &e.rec->at_close[1];
	assert_int_equal(f->dir[0].ooo, 3);
	assert_int_equal(f->dir[0].retrans, 3);
	assert_int_equal(f->dir[0].retrans_bytes, 12);
	assert_int_equal(f->dir[0].gaps, 0);
	assert_int_equal(f->dir[0].bytes, 14);
	env_free(&e);
}

/* A hole never filled: given up at the FIN, with its size. */
static void test_gap_at_fin(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_flow *f;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 0, PA, SI + 1, CI + 1, "220 a\r\n"));	/* 7 */
	feed(&e, seg(&k, 0, PA, SI + 18, CI + 1, "250 b\r\n")); /* 10 lost */
	feed(&e, seg(&k, 0, F | A, SI + 25, CI + 1, NULL));
	/* the lost bytes come later: too late, a retransmission */
	feed(&e, seg(&k, 0, PA, SI + 8, CI + 1, "0123456789"));
	assert_string_equal(e.rec->log,
			    "P1s D1s:7 P1s E1s:ooo:7 P1s E1s:gap:10 D1s:7 "
			    "E1s:fin:0 P1s E1s:retrans:10");
	assert_out(&e, 1, 1, "220 a\r\n250 b\r\n");
	mx_reasm_finish(e.r);
	f = &e.rec->at_close[1];
	assert_int_equal(f->dir[1].gaps, 1);
	assert_int_equal(f->dir[1].gap_bytes, 10);
	assert_int_equal(f->dir[1].bytes, 14);
	assert_int_equal(f->dir[1].fin, 1);
	assert_int_equal(f->closed, MX_FLOW_CLOSE_END);
	env_free(&e);
}

/* A FIN beyond a hole with nothing held: the GAP runs up to the FIN. */
static void test_gap_before_bare_fin(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, F | A, CI + 101, SI + 1, NULL));
	assert_string_equal(e.rec->log, "P1c E1c:gap:100 E1c:fin:0");
	env_free(&e);
}

/* A hole never filled: given up at the end of the capture. */
static void test_gap_at_finish(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "ab"));
	feed(&e, seg(&k, 1, PA, CI + 6, SI + 1, "fg"));
	feed(&e, seg(&k, 1, PA, CI + 10, SI + 1, "jk"));
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log,
			    "P1c D1c:2 P1c E1c:ooo:2 P1c E1c:ooo:2 "
			    "E1c:gap:3 D1c:2 E1c:gap:2 D1c:2 C1:end");
	assert_out(&e, 1, 0, "abfgjk");
	assert_int_equal(e.rec->at_close[1].dir[0].gaps, 2);
	assert_int_equal(e.rec->at_close[1].dir[0].gap_bytes, 5);
	env_free(&e);
}

/* ISNs just below 2^32: data and a hole across the wrap. */
static void test_seq_wrap(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	uint32_t c = 0xfffffff8u, s = 0xfffffffeu;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	feed(&e, seg(&k, 1, S, c, 0, NULL));
	feed(&e, seg(&k, 0, S | A, s, c + 1, NULL));
	feed(&e, seg(&k, 1, A, c + 1, s + 1, NULL));
	e.rec->loglen = 0;
	feed(&e, seg(&k, 0, PA, s + 1, c + 1, "0123456789"));
	feed(&e, seg(&k, 1, PA, c + 11, s + 11, "klmnop")); /* past 2^32 */
	feed(&e, seg(&k, 1, PA, c + 1, s + 11, "abcdefghij"));
	feed(&e, seg(&k, 1, PA, c + 5, s + 11, "efgh")); /* retrans */
	assert_string_equal(e.rec->log,
			    "P1s D1s:10 P1c E1c:ooo:6 P1c D1c:10 D1c:6 "
			    "P1c E1c:retrans:4");
	assert_out(&e, 1, 0, "abcdefghijklmnop");
	assert_out(&e, 1, 1, "0123456789");
	env_free(&e);
}

/* Midstream: roles guessed by mail port, then by the lower port. */
static void test_midstream_roles(void **state)
{
	static const struct {
		uint16_t a, b; /* first sender's port, receiver's */
		uint16_t cport, sport;
	} cases[] = {
		{51234, 25, 51234, 25},	      {25, 51234, 51234, 25},
		{1025, 2587, 1025, 2587},     {2587, 1025, 1025, 2587},
		{465, 40000, 40000, 465},     {40000, 50000, 50000, 40000},
		{50000, 40000, 50000, 40000}, {25, 587, 587, 25},
		{7000, 7000, 7000, 7000},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conn k =
			conn4("192.0.2.1", cases[i].a, "192.0.2.2", cases[i].b);
		struct mx_flow *f;
		struct env e;

		env_init(&e, NULL);
		feed(&e, seg(&k, 1, PA, 123456, 654321, "data"));
		mx_reasm_finish(e.r);
		f = &e.rec->at_close[1];
		assert_true(f->midstream && f->guessed);
		assert_false(f->saw_syn || f->saw_synack);
		assert_int_equal(f->cport, cases[i].cport);
		assert_int_equal(f->sport, cases[i].sport);
		/* the bytes went the way the roles say */
		assert_int_equal(e.rec->outn[1][cases[i].a == cases[i].cport
							? MX_DIR_C2S
							: MX_DIR_S2C],
				 4);
		env_free(&e);
	}
}

/* The capture starts at the SYN-ACK: roles and both ISNs are known. */
static void test_synack_first(void **state)
{
	struct conn k = conn4("127.0.0.1", 2525, "127.0.0.2", 60000);
	struct mx_flow *f;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	feed(&e, seg(&k, 0, S | A, SI, CI + 1, NULL));
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "hello"));
	feed(&e, seg(&k, 1, S, CI, 0, NULL)); /* the SYN, retransmitted */
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log, "O1 P1s P1c D1c:5 P1c C1:end");
	f = &e.rec->at_close[1];
	assert_int_equal(f->cport, 2525);
	assert_int_equal(f->sport, 60000);
	assert_false(f->midstream || f->guessed);
	assert_true(f->saw_synack && f->saw_syn);
	env_free(&e);
}

static void test_port_reuse(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	const struct mx_reasm_stats *st;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	feed(&e, seg(&k, 1, S, CI, 0, NULL)); /* retransmitted SYN */
	feed(&e, seg(&k, 1, F | A, CI + 1, SI + 1, NULL));
	feed(&e, seg(&k, 0, F | A, SI + 1, CI + 2, NULL));
	feed(&e, seg(&k, 1, A, CI + 2, SI + 2, NULL));
	/* the same 4-tuple again: a new flow */
	feed(&e, seg(&k, 1, S, 90000, 0, NULL));
	feed(&e, seg(&k, 0, S | A, 70000, 90001, NULL));
	feed(&e, seg(&k, 1, PA, 90001, 70001, "x"));
	/* and again, while it is open, with another ISN */
	feed(&e, seg(&k, 1, S, 123, 0, NULL));
	feed(&e, seg(&k, 1, PA, 124, 1, "y"));
	feed(&e, seg(&k, 1, F | A, 125, 7000, NULL));
	feed(&e, seg(&k, 0, F | A, 7000, 126, NULL));
	/* a SYN-ACK of the closed flow: late; of another SYN: a new flow */
	feed(&e, seg(&k, 0, S | A, 6999, 124, NULL));
	feed(&e, seg(&k, 0, S | A, 8000, 555, NULL));
	feed(&e, seg(&k, 1, PA, 555, 8001, "z"));
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log,
			    "O1 P1c P1s P1c P1c P1c E1c:fin:0 P1s E1s:fin:0 "
			    "C1:fin L1c O2 P2c P2s P2c D2c:1 C2:reused O3 P3c "
			    "P3c D3c:1 P3c E3c:fin:0 P3s E3s:fin:0 C3:fin L3s "
			    "O4 P4s P4c D4c:1 C4:end");
	st = mx_reasm_stats(e.r);
	assert_int_equal(st->flows, 4);
	assert_int_equal(st->late, 2);
	assert_int_equal(st->flows_peak, 1);
	assert_out(&e, 2, 0, "x");
	assert_out(&e, 3, 0, "y");
	assert_out(&e, 4, 0, "z");
	assert_false(e.rec->at_close[2].midstream);
	assert_true(e.rec->at_close[3].midstream == 0 &&
		    e.rec->at_close[3].saw_syn);
	assert_false(e.rec->at_close[4].midstream ||
		     e.rec->at_close[4].guessed);
	assert_int_equal(e.rec->at_close[4].cport, 51234);
	env_free(&e);
}

static void test_rst_close(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_flow *f;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "ab"));
	feed(&e, seg(&k, 1, PA, CI + 5, SI + 1, "ef"));	      /* held */
	feed(&e, seg(&k, 0, R | A, SI + 1, 0, "reset text")); /* not data */
	feed(&e, seg(&k, 1, R, CI + 7, 0, NULL));	      /* late */
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log,
			    "P1c D1c:2 P1c E1c:ooo:2 P1s E1c:gap:2 D1c:2 "
			    "E1s:rst:0 C1:rst L1c");
	f = &e.rec->at_close[1];
	assert_int_equal(f->closed, MX_FLOW_CLOSE_RST);
	assert_int_equal(f->dir[1].rst, 1);
	assert_int_equal(f->dir[1].rst_frame, 6);
	assert_int_equal(f->dir[0].rst, 0);
	assert_int_equal(f->dir[1].bytes, 0);
	assert_int_equal(mx_reasm_stats(e.r)->late, 1);
	env_free(&e);
}

static void test_zero_window(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_pkt p;
	struct env e;
	int i;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	for (i = 0; i < 3; i++) {
		p = seg(&k, 0, A, SI + 1, CI + 1, NULL);
		p.window = 0;
		feed(&e, p);
	}
	feed(&e, seg(&k, 0, A, SI + 1, CI + 1, NULL));
	p = seg(&k, 0, A, SI + 1, CI + 1, NULL);
	p.window = 0;
	feed(&e, p);
	p = seg(&k, 0, R, SI + 1, 0, NULL); /* a RST does not count */
	p.window = 0;
	feed(&e, p);
	assert_string_equal(e.rec->log,
			    "P1s E1s:zero_window:0 P1s P1s P1s P1s "
			    "E1s:zero_window:0 P1s E1s:rst:0 C1:rst");
	assert_int_equal(e.rec->at_close[1].dir[1].zero_windows, 4);
	assert_int_equal(e.rec->at_close[1].dir[0].zero_windows, 0);
	env_free(&e);
}

/* max_bytes_per_dir: CAP once, nothing past it, counting goes on. */
static void test_byte_cap(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_reasm_limits l;
	struct mx_flow *f;
	struct env e;

	(void)state;
	mx_reasm_limits_default(&l);
	l.max_bytes_per_dir = 10;
	env_init(&e, &l);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "0123"));
	feed(&e, seg(&k, 1, PA, CI + 5, SI + 1, "4567"));
	feed(&e, seg(&k, 1, PA, CI + 13, SI + 1, "cdef")); /* ahead */
	feed(&e, seg(&k, 1, PA, CI + 9, SI + 1, "89ab"));
	feed(&e, seg(&k, 1, PA, CI + 17, SI + 1, "ghij"));
	feed(&e, seg(&k, 0, PA, SI + 1, CI + 1, "0123456789"));
	feed(&e, seg(&k, 0, PA, SI + 11, CI + 1, "X"));
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log,
			    "P1c D1c:4 P1c D1c:4 P1c E1c:ooo:4 P1c D1c:2 "
			    "E1c:cap:10 P1c P1s D1s:10 P1s E1s:cap:10 C1:end");
	assert_out(&e, 1, 0, "0123456789");
	f = &e.rec->at_close[1];
	assert_true(f->dir[0].capped && f->dir[1].capped);
	assert_int_equal(f->dir[0].bytes, 20);
	assert_int_equal(f->dir[0].segments, 5);
	assert_int_equal(f->dir[1].bytes, 11);
	env_free(&e);
}

/* max_ooo_segments and max_ooo_bytes: the first hole is given up. */
static void test_ooo_caps(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_reasm_limits l;
	struct env e;

	(void)state;
	mx_reasm_limits_default(&l);
	l.max_ooo_segments = 2;
	l.max_ooo_bytes = 6;
	env_init(&e, &l);
	handshake(&e, &k);
	e.rec->loglen = 0;
	/* segments: three ahead, each behind a hole of 1 */
	feed(&e, seg(&k, 1, PA, CI + 2, SI + 1, "b"));
	feed(&e, seg(&k, 1, PA, CI + 4, SI + 1, "d"));
	feed(&e, seg(&k, 1, PA, CI + 6, SI + 1, "f"));
	assert_string_equal(e.rec->log,
			    "P1c E1c:ooo:1 P1c E1c:ooo:1 P1c E1c:gap:1 D1c:1 "
			    "E1c:ooo:1");
	/* bytes: 2 held (d, f); 5 more do not fit in 6 */
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 8, SI + 1, "hijkl"));
	assert_string_equal(e.rec->log, "P1c E1c:gap:1 D1c:1 E1c:ooo:5");
	/* one segment larger than max_ooo_bytes: delivered behind a GAP */
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 20, SI + 1, "tuvwxyz"));
	assert_string_equal(e.rec->log,
			    "P1c E1c:gap:1 D1c:1 E1c:gap:1 D1c:5 E1c:gap:7 "
			    "D1c:7 E1c:ooo:7");
	assert_out(&e, 1, 0, "bdfhijkltuvwxyz");
	assert_int_equal(mx_reasm_stats(e.r)->held_bytes_peak, 6);
	mx_reasm_finish(e.r);
	assert_int_equal(e.rec->at_close[1].dir[0].gaps, 5);
	assert_int_equal(e.rec->at_close[1].dir[0].gap_bytes, 11);
	env_free(&e);
}

/* max_ooo_segments 0: nothing is held at all. */
static void test_no_holding(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_reasm_limits l;
	struct env e;

	(void)state;
	mx_reasm_limits_default(&l);
	l.max_ooo_segments = 0;
	env_init(&e, &l);
	handshake(&e, &k);
	e.rec->loglen = 0;
	feed(&e, seg(&k, 1, PA, CI + 3, SI + 1, "cd"));
	feed(&e, seg(&k, 1, PA, CI + 1, SI + 1, "ab"));
	assert_string_equal(e.rec->log, "P1c E1c:gap:2 D1c:2 E1c:ooo:2 P1c "
					"E1c:retrans:2");
	assert_int_equal(mx_reasm_stats(e.r)->held_bytes_peak, 0);
	env_free(&e);
}

/* max_flows: the least recently seen flow is evicted. */
static void test_max_flows_lru(void **state)
{
	struct conn a = conn4("127.0.0.1", 1001, "127.0.0.2", 25);
	struct conn b = conn4("127.0.0.1", 1002, "127.0.0.2", 25);
	struct conn c = conn4("127.0.0.1", 1003, "127.0.0.2", 25);
	struct mx_reasm_limits l;
	const struct mx_reasm_stats *st;
	struct env e;

	(void)state;
	mx_reasm_limits_default(&l);
	l.max_flows = 2;
	env_init(&e, &l);
	feed(&e, seg(&a, 1, PA, 1, 1, "a1"));
	feed(&e, seg(&b, 1, PA, 1, 1, "b1"));
	feed(&e, seg(&a, 1, PA, 3, 1, "a2"));
	feed(&e, seg(&c, 1, PA, 1, 1, "c1")); /* evicts b */
	feed(&e, seg(&b, 1, PA, 3, 1, "b2")); /* b again: evicts a */
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log,
			    "O1 P1c D1c:2 O2 P2c D2c:2 P1c D1c:2 C2:evicted "
			    "O3 P3c D3c:2 C1:evicted O4 P4c D4c:2 C3:end "
			    "C4:end");
	st = mx_reasm_stats(e.r);
	assert_int_equal(st->evicted, 2);
	assert_int_equal(st->flows, 4);
	assert_int_equal(st->flows_peak, 2);
	assert_true(e.rec->at_close[4].midstream);
	env_free(&e);
}

/* Idle flows close by capture time, before the packet that shows it. */
static void test_idle_close(void **state)
{
	struct conn a = conn4("127.0.0.1", 1001, "127.0.0.2", 25);
	struct conn b = conn4("127.0.0.1", 1002, "127.0.0.2", 25);
	struct mx_reasm_limits l;
	struct mx_pkt p;
	struct env e;

	(void)state;
	mx_reasm_limits_default(&l);
	l.idle_us = 5000000;
	env_init(&e, &l);
	feed(&e, seg(&a, 1, PA, 1, 1, "a"));
	feed(&e, seg(&b, 1, PA, 1, 1, "b"));
	e.ts += 4000000;
	feed(&e, seg(&b, 1, PA, 2, 1, "b"));
	e.ts += 2000000; /* a: 6 s, b: 2 s */
	p = seg(&b, 1, PA, 3, 1, "b");
	feed(&e, p);
	e.ts += 10000000;
	feed(&e, seg(&a, 1, PA, 2, 1, "a")); /* b idle; a is new */
	mx_reasm_finish(e.r);
	assert_string_equal(e.rec->log,
			    "O1 P1c D1c:1 O2 P2c D2c:1 P2c D2c:1 C1:idle "
			    "P2c D2c:1 C2:idle O3 P3c D3c:1 C3:end");
	assert_int_equal(mx_reasm_stats(e.r)->idle, 2);
	assert_int_equal(e.rec->at_close[1].closed, MX_FLOW_CLOSE_IDLE);
	env_free(&e);
}

/* Bytes the snap length cut are a gap where they belong. */
static void test_truncated_payload(void **state)
{
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	struct mx_pkt p;
	struct env e;

	(void)state;
	env_init(&e, NULL);
	handshake(&e, &k);
	e.rec->loglen = 0;
	p = seg(&k, 0, PA, SI + 1, CI + 1, "abc");
	p.payload_missing = 97;
	feed(&e, p);
	feed(&e, seg(&k, 0, PA, SI + 101, CI + 1, "xyz"));
	assert_string_equal(e.rec->log, "P1s D1s:3 E1s:gap:97 P1s D1s:3");
	assert_out(&e, 1, 1, "abcxyz");
	mx_reasm_finish(e.r);
	assert_int_equal(e.rec->at_close[1].dir[1].bytes, 6);
	assert_int_equal(e.rec->at_close[1].dir[1].gap_bytes, 97);
	env_free(&e);
}

/* IPv6 and addresses that differ only by port: separate flows. */
static void test_ipv6_and_keys(void **state)
{
	struct conn k6, k4 = conn4("127.0.0.1", 1000, "127.0.0.1", 25);
	struct env e;

	(void)state;
	memset(&k6, 0, sizeof(k6));
	k6.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "::1", k6.c), 1);
	assert_int_equal(inet_pton(AF_INET6, "::1", k6.s), 1);
	k6.cport = 1000;
	k6.sport = 25;
	env_init(&e, NULL);
	feed(&e, seg(&k6, 1, PA, 1, 1, "six"));
	feed(&e, seg(&k4, 1, PA, 1, 1, "four"));
	feed(&e, seg(&k6, 0, PA, 1, 4, "6"));
	feed(&e, seg(&k4, 0, PA, 1, 5, "4"));
	mx_reasm_finish(e.r);
	assert_int_equal(mx_reasm_stats(e.r)->flows, 2);
	assert_out(&e, 1, 0, "six");
	assert_out(&e, 1, 1, "6");
	assert_out(&e, 2, 0, "four");
	assert_out(&e, 2, 1, "4");
	assert_int_equal(e.rec->at_close[1].family, AF_INET6);
	env_free(&e);
}

/* Many flows, no callbacks: the table holds them all; free without
 * finish frees everything (no callback). */
static void test_many_flows_free(void **state)
{
	struct mx_reasm_limits l;
	struct mx_reasm *r;
	struct mx_pkt p;
	struct conn k;
	unsigned i;

	(void)state;
	mx_reasm_limits_default(&l);
	l.max_flows = 1000;
	r = mx_reasm_new(&l, NULL);
	for (i = 0; i < 3000; i++) {
		k = conn4("10.1.0.1", (uint16_t)(1024 + i), "10.1.0.2", 25);
		p = seg(&k, 1, PA, 5, 1, "abc");
		mx_reasm_packet(r, &p, 1000 + i, i + 1);
		p = seg(&k, 1, PA, 12, 1, "held");
		mx_reasm_packet(r, &p, 1000 + i, i + 1);
	}
	assert_int_equal(mx_reasm_stats(r)->flows, 3000);
	assert_int_equal(mx_reasm_stats(r)->flows_now, 1000);
	assert_int_equal(mx_reasm_stats(r)->evicted, 2000);
	assert_int_equal(mx_reasm_stats(r)->held_bytes_peak, 4000);
	mx_reasm_free(r);
	mx_reasm_free(NULL);
}

/* Hostile values: sequence numbers at every distance that matters from
 * the next byte, lengths without payload, huge cut counts, flags in every
 * combination.  Nothing may crash, and the bytes handed over stay within
 * the cap and in sequence (each byte is the low byte of its number). */
static void test_hostile_sweep(void **state)
{
	static const int64_t dist[] = {0,
				       1,
				       -1,
				       63,
				       -63,
				       4096,
				       -4096,
				       0x7fffffff,
				       -0x7fffffff,
				       0x80000000,
				       0xffffffff,
				       0x7ffffff0,
				       -0x80000000ll,
				       1 << 20,
				       -(1 << 20)};
	static const uint32_t isns[] = {0, 0x7fffffff, 0xfffffff0u,
					0xffffffffu};
	struct conn k = conn4("127.0.0.1", 51234, "127.0.0.2", 25);
	uint8_t pat[512];
	struct mx_reasm_limits l;
	struct mx_pkt p;
	struct env e;
	size_t a, b, i;
	uint32_t seq;

	(void)state;
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)i;
	mx_reasm_limits_default(&l);
	l.max_bytes_per_dir = 300;
	l.max_ooo_segments = 3;
	l.max_ooo_bytes = 100;
	for (a = 0; a < sizeof(isns) / sizeof(isns[0]); a++) {
		env_init(&e, &l);
		e.rec->quiet_packets = 1;
		e.rec->check_bytes = 1;
		feed(&e, seg(&k, 1, S, isns[a], 0, NULL));
		for (b = 0; b < sizeof(dist) / sizeof(dist[0]); b++) {
			for (i = 0; i < 64; i++) {
				seq = isns[a] + 1 + (uint32_t)dist[b] +
				      (uint32_t)(i * 37);
				p = seg(&k, 1, (uint8_t)(A | (i & 0x28)), seq,
					0, NULL);
				p.payload = pat + (seq & 255);
				p.payload_len = i % 9 == 8 ? 0 : i * 3 % 200;
				if (i % 11 == 0)
					p.payload = NULL;
				if (i % 13 == 0)
					p.payload_missing = i * 5;
				p.window = (uint16_t)(i % 3);
				feed(&e, p);
			}
		}
		/* a cut count no segment can have, and a FIN past it */
		p = seg(&k, 1, A, seq + 1000, 0, NULL);
		p.payload_missing = (size_t)-1;
		feed(&e, p);
		p = seg(&k, 1, A, seq + 2000, 0, "abc");
		p.payload = NULL;
		p.payload_len = (size_t)-1;
		feed(&e, p);
		feed(&e, seg(&k, 1, F | A, seq + 3000, 0, NULL));
		mx_reasm_finish(e.r);
		assert_int_equal(mx_reasm_stats(e.r)->flows_now, 0);
		assert_int_equal(e.rec->events[MX_FLOW_EV_FIN], 1);
		assert_true(e.rec->events[MX_FLOW_EV_GAP] > 0);
		assert_true(e.rec->events[MX_FLOW_EV_RETRANS] > 0);
		assert_true(e.rec->events[MX_FLOW_EV_OOO] > 0);
		assert_true(e.rec->events[MX_FLOW_EV_CAP] <= 2);
		assert_int_equal(e.rec->delivered[1][0], 300);
		for (i = 2; i < MAXF; i++)
			assert_int_equal(e.rec->delivered[i][0], 0);
		env_free(&e);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mx_flow_event_name(MX_FLOW_EV_GAP), "gap");
	assert_string_equal(mx_flow_event_name(MX_FLOW_EV_ZERO_WINDOW),
			    "zero_window");
	assert_string_equal(mx_flow_event_name((enum mx_flow_event)0),
			    "unknown");
	assert_string_equal(mx_flow_event_name((enum mx_flow_event)99),
			    "unknown");
	assert_string_equal(mx_flow_close_name(MX_FLOW_CLOSE_EVICTED),
			    "evicted");
	assert_string_equal(mx_flow_close_name(MX_FLOW_CLOSE_REUSED), "reused");
	assert_string_equal(mx_flow_close_name((enum mx_flow_close) - 1),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_both_ways),
		cmocka_unit_test(test_in_order_stream),
		cmocka_unit_test(test_retrans_exact_and_partial),
		cmocka_unit_test(test_ooo_then_fill),
		cmocka_unit_test(test_gap_at_fin),
		cmocka_unit_test(test_gap_before_bare_fin),
		cmocka_unit_test(test_gap_at_finish),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_midstream_roles),
		cmocka_unit_test(test_synack_first),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_rst_close),
		cmocka_unit_test(test_zero_window),
		cmocka_unit_test(test_byte_cap),
		cmocka_unit_test(test_ooo_caps),
		cmocka_unit_test(test_no_holding),
		cmocka_unit_test(test_max_flows_lru),
		cmocka_unit_test(test_idle_close),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_ipv6_and_keys),
		cmocka_unit_test(test_many_flows_free),
		cmocka_unit_test(test_hostile_sweep),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
