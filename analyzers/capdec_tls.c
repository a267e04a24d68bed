/*
 * capdec_tls.c - TLS in a capture, both directions.
 *
 * Client: records (mx_tls_record_next), handshake messages reassembled
 * across records (up to CD_HELLO_MAX), every ClientHello parsed by
 * wire/tls_chello.h (an SSLv2-framed one as the first record too), JA3.
 * Each ClientHello starts a round with a fresh server flight parser.
 *
 * Server: the flight of each round is capdec_flight.c's.  After it, and
 * for records no flight takes, the records are watched here:
 * ChangeCipherSpec, plaintext alerts (2 bytes), the first encrypted
 * record, handshake messages in the clear (NewSessionTicket).
 *
 * A close right after the hello: the server's FIN or RST after the last
 * ClientHello with no server byte in between (close_after_hello_us).
 */
#include "analyzers/capdec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "wire/ja3.h"
#include "wire/tls_chello.h"
#include "wire/tls_registry.h"

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23 };

int cd_tls_sniff(const uint8_t *p, size_t n)
{
	if (p == NULL || n < 3)
		return -1;
	if (p[0] == CT_HANDSHAKE && p[1] == 3 && p[2] <= 4)
		return 1;
	/* RFC 6101 appendix E.2: 2-byte length with the high bit, then
	 * msg_type 1 (CLIENT-HELLO) or 4 (SERVER-HELLO). */
	if ((p[0] & 0x80) && p[2] == 1)
		return 1;
	if ((p[0] & 0x80) && p[2] == 4)
		return 2;
	if (p[0] >= CT_CCS && p[0] <= 24 && p[1] == 3 && p[2] <= 4)
		return 2;
	return 0;
}

void cd_tls_alert(struct cd_flow *fl, int dir, uint8_t level, uint8_t desc,
		  int64_t ts, uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	const char *name = mx_tls_alert_name(desc);
	const char *lvl = mx_tls_alert_level_name(level);
	char t[MX_CAP_TEXT];

	if (s->alert < 0 || (level == 2 && s->alert_level != 2)) {
		s->alert = desc;
		s->alert_level = level;
		s->alert_desc = desc;
		s->alert_name = name;
		s->alert_dir = (uint8_t)dir;
	}
	snprintf(t, sizeof(t), "alert %s %s (%s)", lvl ? lvl : "level?",
		 name ? name : "unassigned", cd_side(dir));
	mx_capsess_event(s, ts, frame, dir, MX_CAP_EV_ALERT, 2, "%s", t);
	cd_note(fl, frame, dir, "%s", t);
}

void cd_tls_not_tls(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		    int64_t ts, uint64_t frame)
{
	char *esc = mx_escape(p, n < 40 ? n : 40, 80);

	mx_capsess_event(fl->s, ts, frame, dir, MX_CAP_EV_NOT_TLS,
			 (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n),
			 "%s sent bytes that are not TLS: '%s'", cd_side(dir),
			 esc);
	cd_note(fl, frame, dir, "not TLS: '%s'", esc);
	free(esc);
	fl->dir[dir].mode = CD_DEAD;
}

/* ---- the client's hellos ---------------------------------------------- */

static void hello(struct cd_flow *fl, const struct mx_chello *ch,
		  enum mx_chello_status st, const char *detail, size_t len,
		  int64_t ts, uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	struct mx_cap_hello *h = NULL, tmp;
	char t[MX_CAP_TEXT], b[16], *sni = NULL;
	size_t i;

	s->tls = 1;
	fl->rounds++;
	fl->server_since_hello = 0;
	fl->last_hello_us = ts;
	s->hello_answer_us = -1;
	h = s->nhellos < MX_CAP_MAX_HELLOS ? &s->hellos[s->nhellos++] : &tmp;
	memset(h, 0, sizeof(*h));
	h->t_us = ts;
	h->frame = frame;
	h->len = len;
	if (st == MX_CHELLO_OK || ch->sslv2) {
		h->legacy_version = ch->legacy_version;
		h->max_version = ch->max_version;
		h->legacy_version_name = mx_tls_version_name(h->legacy_version);
		h->max_version_name = mx_tls_version_name(h->max_version);
	}
	if (st == MX_CHELLO_OK) {
		h->nsuites = (unsigned)ch->nsuites_total;
		h->ngroups = (unsigned)ch->ngroups_total;
		h->next = (unsigned)ch->next_total;
		for (i = 0; i < ch->nsuites && i < 64; i++)
			h->suites[i] = ch->suites[i];
		for (i = 0; i < 64; i++) {
			const struct mx_suite *su =
				mx_suite_by_id(h->suites[i]);

			h->suite_iana[i] = su ? su->iana : NULL;
		}
		if (ch->has_sni) {
			sni = mx_escape_str(ch->sni, sizeof(h->sni) - 1);
			snprintf(h->sni, sizeof(h->sni), "%s", sni);
		}
		{
			/* on the heap: a few hundred bytes as a rule, up to
			 * MX_JA3_STR_MAX for a hello with hundreds of suites */
			char ja3[MX_JA3_STR_MAX];
			int cut = mx_ja3_string(ch, ja3, sizeof(ja3)) != 0;

			free(h->ja3);
			h->ja3 = xstrdup(ja3);
			if (cut || mx_ja3_md5(ja3, h->ja3_md5) != 0)
				h->ja3_md5[0] = '\0';
		}
		snprintf(t, sizeof(t),
			 "ClientHello %zu B, %s max, %u suites%s%.80s", len,
			 mx_tls_version_label(ch->max_version, b, sizeof(b)),
			 h->nsuites, sni ? ", SNI " : "", sni ? sni : "");
	} else if (ch->sslv2) {
		snprintf(t, sizeof(t),
			 "ClientHello %zu B (SSLv2 format), %s max", len,
			 mx_tls_version_label(ch->max_version, b, sizeof(b)));
	} else {
		snprintf(t, sizeof(t), "ClientHello %zu B (%s: %s)", len,
			 mx_chello_status_name(st), detail);
		cd_error(fl, "ClientHello %s: %s", mx_chello_status_name(st),
			 detail);
	}
	free(sni);
	if (h == &tmp) /* over MX_CAP_MAX_HELLOS: noted, not kept */
		free(tmp.ja3);
	mx_capsess_event(s, ts, frame, MX_DIR_C2S, MX_CAP_EV_CLIENT_HELLO,
			 (uint32_t)len, "%s", t);
	cd_note(fl, frame, MX_DIR_C2S, "%s", t);
	cd_new_flight(fl);
}

static void client_handshake(struct cd_flow *fl, const uint8_t *p, size_t n,
			     int64_t ts, uint64_t frame)
{
	struct mx_chello ch;
	char detail[128];

	if (!mx_buf_push(&fl->hs, p, n)) {
		cd_error(fl, "a client handshake message over %d bytes",
			 CD_HELLO_MAX);
		fl->dir[MX_DIR_C2S].mode = CD_DEAD;
		return;
	}
	while (fl->hs.len >= 4) {
		struct mx_cur c;
		uint8_t type;
		size_t len;

		mx_cur_init(&c, fl->hs.p, fl->hs.len);
		type = mx_cur_u8(&c);
		len = mx_cur_u24(&c);
		if (len > CD_HELLO_MAX - 4) {
			cd_error(fl, "a client handshake message of %zu bytes",
				 len);
			fl->dir[MX_DIR_C2S].mode = CD_DEAD;
			return;
		}
		if (mx_cur_left(&c) < len)
			return;
		if (type == 1) {
			enum mx_chello_status st = mx_chello_parse(
				c.p, len, &ch, detail, sizeof(detail));

			hello(fl, &ch, st, detail, len + 4, ts, frame);
		} else {
			const char *name = mx_tls_handshake_name(type);

			cd_note(fl, frame, MX_DIR_C2S, "%s %zu B",
				name ? name : "handshake message", len + 4);
		}
		mx_buf_consume(&fl->hs, len + 4);
	}
}

static void sslv2_hello(struct cd_flow *fl, const uint8_t *p, size_t n,
			int64_t ts, uint64_t frame)
{
	struct mx_chello ch;
	char detail[128];
	enum mx_chello_status st =
		mx_chello_parse_record(p, n, &ch, detail, sizeof(detail));

	hello(fl, &ch, st, detail, n, ts, frame);
}

/* ---- records ------------------------------------------------------------ */

static void encrypted(struct cd_flow *fl, int dir, const char *what, size_t len,
		      int64_t ts, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];

	if (!dd->enc_noted) {
		dd->enc_noted = 1;
		fl->s->encrypted = 1;
		mx_capsess_event(fl->s, ts, frame, dir, MX_CAP_EV_ENCRYPTED,
				 (uint32_t)len, "encrypted records follow (%s)",
				 cd_side(dir));
	}
	cd_note(fl, frame, dir, "%s %zu B", what, len);
}

static void record(struct cd_flow *fl, int dir, const struct mx_tls_record *r,
		   int64_t ts, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];
	int clear_hs;

	switch (r->type) {
	case CT_CCS:
		if (!dd->ccs)
			mx_capsess_event(fl->s, ts, frame, dir, MX_CAP_EV_CCS,
					 0, "%s ChangeCipherSpec",
					 cd_side(dir));
		dd->ccs = 1;
		cd_note(fl, frame, dir, "ChangeCipherSpec");
		break;
	case CT_ALERT:
		/* An encrypted alert is longer than its 2 bytes. */
		if (r->len == 2) {
			cd_tls_alert(fl, dir, r->body[0], r->body[1], ts,
				     frame);
		} else {
			mx_capsess_event(fl->s, ts, frame, dir, MX_CAP_EV_ALERT,
					 (uint32_t)r->len,
					 "alert (%s, encrypted record)",
					 cd_side(dir));
			cd_note(fl, frame, dir, "encrypted alert %zu B",
				r->len);
		}
		break;
	case CT_HANDSHAKE:
		/* In the clear until the side's CCS (TLS <= 1.2; after an
		 * HRR the client's CCS precedes its second hello) and
		 * before a TLS 1.3 ServerHello. */
		clear_hs = !fl->tls13 && !(dd->ccs && !fl->s->hrr);
		if (dir == MX_DIR_S2C)
			clear_hs = !fl->tls13 && !dd->ccs;
		if (!clear_hs) {
			encrypted(fl, dir, "encrypted handshake", r->len, ts,
				  frame);
		} else if (dir == MX_DIR_C2S) {
			client_handshake(fl, r->body, r->len, ts, frame);
		} else {
			const char *name =
				r->len ? mx_tls_handshake_name(r->body[0])
				       : NULL;

			cd_note(fl, frame, dir, "%s %zu B",
				name ? name : "handshake record", r->len);
		}
		break;
	case CT_APPDATA:
		encrypted(fl, dir, "TLS application data", r->len, ts, frame);
		break;
	default:
		cd_note(fl, frame, dir, "TLS record type %u, %zu B", r->type,
			r->len);
		break;
	}
}

static void records(struct cd_flow *fl, int dir, int64_t ts, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];
	size_t off = 0;

	while (dd->mode == CD_TLS && off < dd->buf.len) {
		const uint8_t *b = dd->buf.p + off;
		size_t left = dd->buf.len - off;
		struct mx_tls_record r;
		enum mx_rec_status rs;
		struct mx_cur c;

		/* RFC 6101 appendix E.2: an SSLv2-framed ClientHello. */
		if (dir == MX_DIR_C2S && !dd->first_record_done &&
		    (b[0] & 0x80)) {
			size_t rl;

			if (left < 3)
				break;
			rl = 2 + ((size_t)(b[0] & 0x7f) << 8 | b[1]);
			if (left < rl)
				break;
			dd->first_record_done = 1;
			sslv2_hello(fl, b, rl, ts, frame);
			off += rl;
			continue;
		}
		mx_cur_init(&c, b, left);
		rs = mx_tls_record_next(&c, &r);
		if (rs == MX_REC_MORE)
			break;
		if (rs == MX_REC_OK) {
			off += left - mx_cur_left(&c);
			dd->first_record_done = 1;
			record(fl, dir, &r, ts, frame);
			continue;
		}
		if (rs == MX_REC_NOT_TLS) {
			if (dd->first_record_done)
				cd_error(fl,
					 "the %s sent bytes that are not a "
					 "TLS record after TLS records",
					 cd_side(dir));
			cd_tls_not_tls(fl, dir, b, left, ts, frame);
		} else if (rs == MX_REC_SSLV2) {
			cd_error(fl, "SSLv2 server hello: not decoded");
			dd->mode = CD_DEAD;
		} else {
			cd_error(fl, "a %s TLS record longer than %d bytes",
				 cd_side(dir), MX_TLS_MAX_RECORD);
			dd->mode = CD_DEAD;
		}
	}
	if (dd->mode == CD_TLS)
		mx_buf_consume(&dd->buf, off);
	else
		mx_buf_reset(&dd->buf);
	/* Many flows stay open with nothing pending: give the room back. */
	if (dd->buf.len == 0 && dd->buf.cap > 4096) {
		mx_buf_free(&dd->buf);
		mx_buf_init(&dd->buf, CD_BUF_MAX);
	}
	if (dir == MX_DIR_C2S && fl->hs.len == 0 && fl->hs.cap > 4096) {
		mx_buf_free(&fl->hs);
		mx_buf_init(&fl->hs, CD_HELLO_MAX);
	}
}

void cd_tls_feed(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		 int64_t ts, uint64_t frame)
{
	struct cd_dir *dd = &fl->dir[dir];

	if (dir == MX_DIR_S2C) {
		/* No ClientHello seen (the capture began after it): the
		 * flight is still worth reading. */
		if (fl->fl == NULL && fl->rounds == 0 && dd->buf.len == 0 &&
		    !dd->first_record_done && n > 0 && p[0] == CT_HANDSHAKE)
			cd_new_flight(fl);
		if (fl->fl_active) {
			size_t used = cd_flight_feed(fl, p, n, ts, frame);

			p += used;
			n -= used;
		}
	}
	if (n == 0 || dd->mode != CD_TLS)
		return;
	if (!mx_buf_push(&dd->buf, p, n)) {
		cd_error(fl, "more than %d undecoded %s TLS bytes", CD_BUF_MAX,
			 cd_side(dir));
		dd->mode = CD_DEAD;
		mx_buf_reset(&dd->buf);
		return;
	}
	records(fl, dir, ts, frame);
}

int cd_tls_server_closed(struct cd_flow *fl, int rst, int64_t ts, char *text,
			 size_t textlen)
{
	struct mx_capsess *s = fl->s;
	char dl[32];

	if (fl->rounds == 0 || fl->server_since_hello ||
	    s->close_after_hello_us >= 0)
		return 0;
	s->close_after_hello_us =
		ts > fl->last_hello_us ? ts - fl->last_hello_us : 0;
	s->close_after_hello_rst = rst;
	cd_delay(s->close_after_hello_us, dl, sizeof(dl));
	snprintf(text, textlen, "server %s %s after ClientHello, no alert",
		 rst ? "RST" : "FIN", dl);
	return 1;
}

void cd_tls_gap(struct cd_flow *fl, int dir)
{
	struct cd_dir *dd = &fl->dir[dir];

	if (!dd->enc_noted)
		cd_error(fl,
			 "bytes missing from the %s's TLS handshake: "
			 "decoding of that side stopped",
			 cd_side(dir));
	dd->mode = CD_DEAD;
	mx_buf_reset(&dd->buf);
	if (dir == MX_DIR_S2C)
		fl->fl_active = 0;
	else
		mx_buf_reset(&fl->hs);
}

void cd_tls_close(struct cd_flow *fl, int64_t ts, uint64_t frame)
{
	int dir;

	if (fl->fl_active) {
		enum mx_flight_status st = mx_flight_eof(fl->fl);

		cd_flight_events(fl, ts, frame);
		fl->fl_active = 0;
		if (st == MX_FLIGHT_TRUNCATED)
			cd_error(fl,
				 "the server's TLS flight is incomplete: %s",
				 mx_flight_facts(fl->fl)->detail);
	}
	if (fl->hs.len > 0)
		cd_error(fl,
			 "a client handshake message is incomplete (%zu "
			 "bytes)",
			 fl->hs.len);
	for (dir = 0; dir < 2; dir++) {
		struct cd_dir *dd = &fl->dir[dir];

		if (dd->mode == CD_TLS && dd->buf.len > 0 && !dd->enc_noted)
			cd_error(fl,
				 "the %s's last TLS record is incomplete "
				 "(%zu bytes)",
				 cd_side(dir), dd->buf.len);
	}
}

void cd_tls_free(struct cd_flow *fl)
{
	mx_flight_free(fl->fl);
	fl->fl = NULL;
}
