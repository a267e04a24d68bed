/*
 * capdec.c - the capture decoder's frame path; see capdec.h and
 * capdec_int.h.
 *
 * Each frame: wire/pkt.h decodes it to a TCP segment (other frames are
 * counted and skipped), analyzers/reasm.h orders the bytes per flow and
 * calls back here: open makes the session, packet notes the TCP flags,
 * data goes to the direction's decoder (SMTP lines in capdec_smtp.c, TLS
 * records in capdec_tls.c), events record FIN/RST/retransmissions/gaps/
 * zero windows, close finishes the session and queues it for delivery.
 *
 * What a direction carries is decided by its first bytes, never by the
 * port: a TLS handshake record (0x16 0x03 0x00-0x04) or an SSLv2-framed
 * ClientHello from the client means implicit TLS; three digits from the
 * server mean SMTP; other text is SMTP until shown otherwise; anything
 * else is not decoded.
 *
 * Delivery: sessions leave in order of their flow's first packet.  A
 * finished session waits for earlier-started ones; when more than
 * CD_MAX_WAITING finished sessions wait behind one long-lived flow, the
 * oldest of them are delivered ahead of it (memory stays bounded; the
 * order is then by first packet among the delivered ones only).
 *
 * Every TCP frame gets at least one note: its flags ("SYN", "SYN-ACK",
 * "FIN", "RST", "ACK"), what its payload completed ("SMTP: EHLO x",
 * "ClientHello 312 B"), or "<kind> data N B".
 */
#include "analyzers/capdec_int.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/xalloc.h"
#include "wire/pkt.h"

const char *cd_side(int dir)
{
	return dir == MX_DIR_C2S ? "client" : "server";
}

void cd_delay(int64_t us, char *out, size_t outlen)
{
	if (us < 0)
		us = 0;
	if (us < 1000)
		snprintf(out, outlen, "%lld us", (long long)us);
	else if (us < 10 * 1000 * 1000)
		snprintf(out, outlen, "%lld ms", (long long)(us / 1000));
	else
		snprintf(out, outlen, "%.1f s", (double)us / 1e6);
}

void cd_error(struct cd_flow *fl, const char *fmt, ...)
{
	va_list ap;

	if (fl->s->decode_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(fl->s->decode_error, sizeof(fl->s->decode_error), fmt, ap);
	va_end(ap);
}

/* ---- what a direction carries ----------------------------------------- */

static int is_text(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' &&
		     p[i] != '\t') ||
		    p[i] >= 0x7f)
			return 0;
	return 1;
}

static void set_kind(struct cd_flow *fl, const char *kind)
{
	if (strcmp(fl->kind, "TCP") == 0 || strcmp(kind, "TLS") == 0)
		fl->kind = kind;
}

static int mail_port(uint16_t port)
{
	static const uint16_t ports[] = {25, 465, 587, 2465, 2525, 2587};
	size_t i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (port == ports[i])
			return 1;
	return 0;
}

void cd_not_mail(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		 uint64_t frame)
{
	char *esc = mx_escape(p, n < 40 ? n : 40, 100);

	fl->dir[dir].mode = CD_OTHER;
	cd_note(fl, frame, dir, "neither SMTP nor TLS: '%s'", esc);
	if (dir == MX_DIR_S2C && mail_port(fl->s->sport))
		cd_error(fl,
			 "the server's bytes are neither SMTP nor TLS: '%s'",
			 esc);
	free(esc);
}

/* Decide the mode of an undecided direction from its first 3 bytes;
 * consumes nothing of p (bytes buffered earlier are replayed). */
static size_t decide(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		     int64_t ts, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir], *other = &fl->dir[!dir];
	uint8_t head[3], tmp[3];
	size_t hl = dd->buf.len;
	int k;

	if (hl + n < 3) {
		if (!mx_buf_push(&dd->buf, p, n))
			dd->mode = CD_DEAD;
		return n;
	}
	if (hl)
		memcpy(head, dd->buf.p, hl);
	memcpy(head + hl, p, 3 - hl);
	memcpy(tmp, head, hl);
	mx_buf_reset(&dd->buf);
	k = cd_tls_sniff(head, 3);
	if (k > 0) {
		dd->mode = CD_TLS;
		set_kind(fl, "TLS");
		/* The client's first bytes are a hello: implicit TLS. */
		if (k == 1 && dir == MX_DIR_C2S)
			fl->s->implicit_tls = 1;
		if (other->mode == CD_UNDECIDED && other->buf.len == 0)
			other->mode = CD_TLS;
	} else if (is_text(head, 3)) {
		dd->mode = CD_SMTP;
		set_kind(fl, "SMTP");
		/* A server that speaks first in text: SMTP both ways. */
		if (dir == MX_DIR_S2C && other->mode == CD_UNDECIDED &&
		    other->buf.len == 0)
			other->mode = CD_SMTP;
	} else {
		if (hl)
			cd_not_mail(fl, dir, tmp, hl, frame);
		else
			cd_not_mail(fl, dir, p, n, frame);
	}
	if (hl)
		cd_feed(fl, dir, tmp, hl, ts, frame);
	return 0;
}

void cd_feed(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
	     int64_t ts, uint64_t frame)
{
	if (dir == MX_DIR_S2C && n > 0) {
		if (!fl->server_since_hello && fl->rounds > 0)
			fl->s->hello_answer_us =
				ts > fl->last_hello_us ? ts - fl->last_hello_us
						       : 0;
		fl->server_since_hello = 1;
	}
	while (n > 0) {
		struct cd_dir *dd = &fl->dir[dir];
		size_t used = n;

		dd->last_us = ts;
		dd->last_frame = frame;
		switch (dd->mode) {
		case CD_UNDECIDED:
			used = decide(fl, dir, p, n, ts, frame);
			break;
		case CD_SMTP:
			used = cd_smtp_feed(fl, dir, p, n, ts, frame);
			break;
		case CD_HOLD:
			if (!mx_buf_push(&dd->buf, p, n)) {
				cd_error(fl,
					 "more than %d bytes from the "
					 "client before the reply to "
					 "STARTTLS: not decoded",
					 CD_BUF_MAX);
				dd->mode = CD_DEAD;
			}
			break;
		case CD_TLS:
			cd_tls_feed(fl, dir, p, n, ts, frame);
			break;
		default:
			break;
		}
		p += used;
		n -= used;
	}
}

/* ---- reassembly callbacks ----------------------------------------------- */

static void on_open(void *arg, struct mx_flow *f)
{
	struct mx_capdec *d = arg;
	struct cd_flow *fl = xcalloc(1, sizeof(*fl));
	struct mx_capsess *s = xmalloc(sizeof(*s));
	int i;

	mx_capsess_init(s);
	s->id = f->id;
	s->family = f->family;
	mx_pkt_addr_str(f->family, f->client, s->client, sizeof(s->client));
	mx_pkt_addr_str(f->family, f->server, s->server, sizeof(s->server));
	s->cport = f->cport;
	s->sport = f->sport;
	s->start_us = s->end_us = f->first_us;
	s->first_frame = s->last_frame = f->first_frame;
	s->saw_syn = f->saw_syn;
	s->midstream = f->midstream;
	fl->d = d;
	fl->s = s;
	fl->kind = "TCP";
	for (i = 0; i < 2; i++)
		mx_buf_init(&fl->dir[i].buf, CD_BUF_MAX);
	mx_buf_init(&fl->hs, CD_HELLO_MAX);
	mx_smtp_reply_init(&fl->reply);
	fl->next = d->live;
	if (d->live)
		d->live->prev = fl;
	d->live = fl;
	cd_queue_push(d, f->id, s);
	f->user = fl;
}

static void on_packet(void *arg, struct mx_flow *f, int dir,
		      const struct mx_pkt *p, int64_t ts, uint64_t frame)
{
	struct mx_capdec *d = arg;
	struct cd_flow *fl = f->user;
	uint8_t syn = p->flags & (MX_TCP_SYN | MX_TCP_ACK);
	char t[64];

	if (frame == d->cur_frame) {
		d->cur_flow = f->id;
		d->cur_dir = dir;
	}
	if (fl == NULL)
		return;
	if (syn == MX_TCP_SYN) {
		if (p->mss)
			snprintf(t, sizeof(t), "SYN (MSS %u)", p->mss);
		else
			snprintf(t, sizeof(t), "SYN");
		mx_capsess_event(fl->s, ts, frame, dir, MX_CAP_EV_SYN, 0, "%s",
				 t);
		cd_emit_note(d, frame, f->id, dir, t);
	} else if (syn == (MX_TCP_SYN | MX_TCP_ACK)) {
		mx_capsess_event(fl->s, ts, frame, dir, MX_CAP_EV_SYNACK, 0,
				 "SYN-ACK");
		cd_emit_note(d, frame, f->id, dir, "SYN-ACK");
	}
	if (p->flags & MX_TCP_RST)
		cd_emit_note(d, frame, f->id, dir, "RST");
	else if (p->flags & MX_TCP_FIN)
		cd_emit_note(d, frame, f->id, dir, "FIN");
	else if (p->payload_len == 0 && !(p->flags & MX_TCP_SYN))
		cd_emit_note(d, frame, f->id, dir, "ACK");
}

static void on_data(void *arg, struct mx_flow *f, int dir, const uint8_t *b,
		    size_t n, int64_t ts, uint64_t frame)
{
	struct mx_capdec *d = arg;
	struct cd_flow *fl = f->user;

	if (fl == NULL)
		return;
	cd_feed(fl, dir, b, n, ts, frame);
	if (frame == d->cur_frame && !d->cur_noted)
		cd_note(fl, frame, dir, "%s data %zu B", fl->kind, n);
	cd_notes_flush(fl);
}

/* At most 3 timeline events of a kind per direction; counts are kept. */
static int ev_ok(unsigned *count)
{
	return (*count)++ < 3;
}

static void on_event(void *arg, struct mx_flow *f, int dir,
		     enum mx_flow_event ev, uint64_t n, int64_t ts,
		     uint64_t frame)
{
	struct cd_flow *fl = f->user;
	struct mx_capsess *s;
	char t[MX_CAP_TEXT];
	int rst = ev == MX_FLOW_EV_RST;

	(void)arg;
	if (fl == NULL)
		return;
	s = fl->s;
	dir = dir ? 1 : 0;
	switch (ev) {
	case MX_FLOW_EV_FIN:
	case MX_FLOW_EV_RST:
		if (rst && !s->rst_dir[dir]) {
			s->rst_dir[dir] = 1;
			s->rst_us[dir] = ts;
		} else if (!rst && !s->fin_dir[dir]) {
			s->fin_dir[dir] = 1;
			s->fin_us[dir] = ts;
		}
		snprintf(t, sizeof(t), "%s %s", cd_side(dir),
			 rst ? "RST" : "FIN");
		if (dir == MX_DIR_S2C &&
		    cd_tls_server_closed(fl, rst, ts, t, sizeof(t)))
			cd_note(fl, frame, dir, "%s", t);
		mx_capsess_event(s, ts, frame, dir,
				 rst ? MX_CAP_EV_RST : MX_CAP_EV_FIN, 0, "%s",
				 t);
		break;
	case MX_FLOW_EV_GAP:
		s->gaps[dir]++;
		s->gap_bytes[dir] += n;
		if (ev_ok(&fl->gap_ev[dir]))
			mx_capsess_event(s, ts, frame, dir, MX_CAP_EV_GAP,
					 (uint32_t)(n > UINT32_MAX ? UINT32_MAX
								   : n),
					 "%llu %s bytes never captured",
					 (unsigned long long)n, cd_side(dir));
		cd_note(fl, frame, dir, "%llu bytes missing before this",
			(unsigned long long)n);
		if (fl->dir[dir].mode == CD_SMTP)
			cd_smtp_gap(fl, dir);
		else if (fl->dir[dir].mode == CD_TLS)
			cd_tls_gap(fl, dir);
		else
			fl->dir[dir].mode = CD_DEAD;
		break;
	case MX_FLOW_EV_RETRANS:
		s->retrans[dir]++;
		if (ev_ok(&fl->retrans_ev[dir]))
			mx_capsess_event(s, ts, frame, dir, MX_CAP_EV_RETRANS,
					 (uint32_t)n,
					 "%s retransmission of %llu B",
					 cd_side(dir), (unsigned long long)n);
		cd_note(fl, frame, dir, "retransmission %llu B",
			(unsigned long long)n);
		if (n > 0 && (fl->dir[dir].mode == CD_SMTP ||
			      fl->dir[dir].mode == CD_HOLD))
			cd_smtp_resent(fl, dir, frame);
		break;
	case MX_FLOW_EV_OOO:
		cd_note(fl, frame, dir, "out of order, %llu B held",
			(unsigned long long)n);
		if (fl->dir[dir].mode == CD_SMTP ||
		    fl->dir[dir].mode == CD_HOLD)
			cd_smtp_resent(fl, dir, frame);
		break;
	case MX_FLOW_EV_ZERO_WINDOW:
		s->zero_windows[dir]++;
		if (ev_ok(&fl->zwin_ev[dir]))
			mx_capsess_event(s, ts, frame, dir,
					 MX_CAP_EV_ZERO_WINDOW, 0,
					 "%s advertised a zero window",
					 cd_side(dir));
		cd_note(fl, frame, dir, "zero window");
		break;
	case MX_FLOW_EV_CAP:
		s->capped = 1;
		cd_note(fl, frame, dir,
			"byte cap of the flow reached: not decoded further");
		break;
	}
	cd_notes_flush(fl);
}

static void flow_free(struct mx_capdec *d, struct cd_flow *fl)
{
	int i;

	if (fl->prev)
		fl->prev->next = fl->next;
	else
		d->live = fl->next;
	if (fl->next)
		fl->next->prev = fl->prev;
	for (i = 0; i < 2; i++) {
		mx_buf_free(&fl->dir[i].buf);
		free(fl->dir[i].frames);
	}
	cd_smtp_free(fl);
	cd_tls_free(fl);
	mx_buf_free(&fl->hs);
	free(fl);
}

static void on_close(void *arg, struct mx_flow *f)
{
	struct mx_capdec *d = arg;
	struct cd_flow *fl = f->user;
	struct mx_capsess *s;
	int i;

	if (fl == NULL)
		return;
	f->user = NULL;
	s = fl->s;
	cd_tomb_add(d, f, s->auth_seen);
	if (!d->freeing) {
		cd_smtp_close(fl);
		cd_tls_close(fl, f->last_us, f->last_frame);
		cd_notes_flush(fl);
	}
	s->end_us = f->last_us;
	s->last_frame = f->last_frame;
	s->saw_syn = f->saw_syn;
	s->midstream = f->midstream;
	for (i = 0; i < 2; i++) {
		const struct mx_flow_dir *fd = &f->dir[i];

		s->retrans[i] = fd->retrans;
		s->gaps[i] = fd->gaps;
		s->gap_bytes[i] = fd->gap_bytes;
		s->zero_windows[i] = fd->zero_windows;
		s->capped |= fd->capped;
		if (fd->fin && !s->fin_dir[i]) {
			s->fin_dir[i] = 1;
			s->fin_us[i] = fd->fin_us;
		}
		if (fd->rst && !s->rst_dir[i]) {
			s->rst_dir[i] = 1;
			s->rst_us[i] = fd->rst_us;
		}
	}
	flow_free(d, fl);
	if (d->freeing)
		return; /* the queue frees the session */
	cd_queue_done(d, s);
}

/* ---- public ------------------------------------------------------------- */

struct mx_capdec *mx_capdec_new(int linktype, const struct mx_reasm_limits *l,
				const struct mx_capdec_cb *cb)
{
	struct mx_capdec *d = xcalloc(1, sizeof(*d));
	struct mx_reasm_cb rcb;

	d->linktype = linktype;
	d->tot.linktype = linktype;
	if (cb)
		d->cb = *cb;
	memset(&rcb, 0, sizeof(rcb));
	rcb.arg = d;
	rcb.open = on_open;
	rcb.packet = on_packet;
	rcb.data = on_data;
	rcb.event = on_event;
	rcb.close = on_close;
	d->r = mx_reasm_new(l, &rcb);
	return d;
}

void mx_capdec_frame(struct mx_capdec *d, const uint8_t *frame, size_t caplen,
		     size_t wirelen, int64_t ts_us)
{
	struct mx_pkt pkt;
	enum mx_pkt_status st;
	char t[48];

	d->frame++;
	d->tot.frames++;
	d->tot.bytes += wirelen > caplen ? wirelen : caplen;
	st = mx_pkt_decode(d->linktype, frame, caplen, &pkt, NULL, 0);
	switch (st) {
	case MX_PKT_OK:
		break;
	case MX_PKT_NOT_TCP:
		d->tot.not_tcp++;
		return;
	case MX_PKT_FRAGMENT:
		d->tot.fragments++;
		return;
	default:
		d->tot.undecodable++;
		return;
	}
	d->cur_frame = d->frame;
	d->cur_flow = 0;
	d->cur_noted = 0;
	d->cur_dir = 0;
	mx_reasm_packet(d->r, &pkt, ts_us, d->frame);
	d->tot.flows_evicted = mx_reasm_stats(d->r)->evicted;
	/* A segment of a flow closed lately (the last ACK after both FINs):
	 * the reassembly ignores it, the note still names the flow. */
	if (d->cur_flow == 0 && !d->cur_noted)
		cd_late_note(d, &pkt);
	/* A segment whose payload was neither decoded nor explained (the
	 * reassembly kept it back). */
	if (d->cur_flow && !d->cur_noted) {
		snprintf(t, sizeof(t), "data %zu B", pkt.payload_len);
		cd_emit_note(d, d->cur_frame, d->cur_flow, d->cur_dir,
			     pkt.payload_len ? t : "ACK");
	}
	d->cur_frame = 0;
}

void mx_capdec_finish(struct mx_capdec *d)
{
	mx_reasm_finish(d->r);
	d->tot.flows_evicted = mx_reasm_stats(d->r)->evicted;
	cd_deliver(d);
}

const struct mx_capture *mx_capdec_totals(const struct mx_capdec *d)
{
	return &d->tot;
}

void mx_capdec_free(struct mx_capdec *d)
{
	size_t i;

	if (d == NULL)
		return;
	d->freeing = 1;
	mx_reasm_free(d->r);
	while (d->live)
		flow_free(d, d->live);
	for (i = 0; i < d->qlen; i++) {
		struct mx_capsess *s = d->q[d->qhead + i].s;

		if (s) {
			mx_capsess_clear(s);
			free(s);
		}
	}
	free(d->q);
	free(d);
}
