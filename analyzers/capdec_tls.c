/*
 * capdec_tls.c - TLS in a capture, both directions.
 *
 * Client: records (mx_tls_record_next), handshake messages reassembled
 * across records (up to CD_HELLO_MAX), every ClientHello parsed by
 * wire/tls_chello.h (an SSLv2-framed one as the first record too), JA3.
 * Each ClientHello starts a round with a fresh server flight parser.
 *
 * Server: the flight parser (wire/tls_flight.h) takes the bytes until it
 * is done (ServerHelloDone, a TLS 1.3 ServerHello or an HRR), an alert
 * ends it, or it complains; its facts become events as they appear
 * (ServerHello with JA3S, Certificate with the DER copied, the key
 * exchange with the DH prime's name, ServerHelloDone).  After it, and for
 * records no flight takes, the records are watched here: ChangeCipherSpec,
 * plaintext alerts (2 bytes), the first encrypted record, handshake
 * messages in the clear (NewSessionTicket).  A resumed TLS 1.2 session
 * (CCS right after the ServerHello) goes on as encrypted.
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

static const char *version_name(uint16_t v, char *buf, size_t len)
{
	const char *n = mx_tls_version_name(v);

	if (n)
		return n;
	snprintf(buf, len, "0x%04x", v);
	return buf;
}

static const char *suite_name(uint16_t id, char *buf, size_t len)
{
	const struct mx_suite *su = mx_suite_by_id(id);

	if (su)
		return su->openssl ? su->openssl : su->iana;
	snprintf(buf, len, "0x%04X", id);
	return buf;
}

static const char *group_name(uint16_t id, char *buf, size_t len)
{
	const struct mx_group *g = mx_group_by_id(id);

	if (g)
		return g->iana;
	snprintf(buf, len, "0x%04x", id);
	return buf;
}

static void alert(struct cd_flow *fl, int dir, uint8_t level, uint8_t desc,
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
		s->alert_dir = (uint8_t)dir;
	}
	snprintf(t, sizeof(t), "alert %s %s (%s)", lvl ? lvl : "level?",
		 name ? name : "unassigned", cd_side(dir));
	mx_capsess_event(s, ts, frame, dir, MX_CAP_EV_ALERT, 2, "%s", t);
	cd_note(fl, frame, dir, "%s", t);
}

static void not_tls(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
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

/* ---- the server flight ------------------------------------------------- */

static void server_hello(struct cd_flow *fl, const struct mx_server_hello *sh,
			 int64_t ts, uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	char b1[16], b2[16], t[MX_CAP_TEXT], ja3s[MX_JA3_STR_MAX];

	s->tls = 1;
	if (sh->hrr) {
		s->hrr = 1;
		snprintf(t, sizeof(t), "HelloRetryRequest %s, group %s",
			 version_name(sh->version, b1, sizeof(b1)),
			 group_name(sh->key_share_group, b2, sizeof(b2)));
		mx_capsess_event(s, ts, frame, MX_DIR_S2C, MX_CAP_EV_HRR, 0,
				 "%s", t);
		cd_note(fl, frame, MX_DIR_S2C, "%s", t);
		return;
	}
	s->server_hello = 1;
	s->version = sh->version;
	s->suite = sh->suite;
	s->sh_legacy_version = sh->legacy_version;
	if (sh->version == MX_TLS13)
		fl->tls13 = 1;
	if (sh->has_key_share && sh->key_share_group)
		s->group = sh->key_share_group;
	if (mx_ja3s_string(sh, ja3s, sizeof(ja3s)) == 0 &&
	    strlen(ja3s) < sizeof(s->ja3s)) {
		memcpy(s->ja3s, ja3s, strlen(ja3s) + 1);
		if (mx_ja3_md5(s->ja3s, s->ja3s_md5) != 0)
			s->ja3s_md5[0] = '\0';
	}
	snprintf(t, sizeof(t), "ServerHello %s %s",
		 version_name(sh->version, b1, sizeof(b1)),
		 suite_name(sh->suite, b2, sizeof(b2)));
	mx_capsess_event(s, ts, frame, MX_DIR_S2C, MX_CAP_EV_SERVER_HELLO, 0,
			 "%s", t);
	cd_note(fl, frame, MX_DIR_S2C, "%s", t);
}

static void certificates(struct cd_flow *fl, const struct mx_flight_facts *x,
			 int64_t ts, uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	size_t i, total = 0;

	for (i = 0; i < x->ncerts; i++)
		total += x->certs[i].len;
	if (s->ncerts == 0)
		for (i = 0; i < x->ncerts && s->ncerts < MX_CAP_MAX_CERTS;
		     i++) {
			if (x->certs[i].len == 0 || x->certs[i].p == NULL)
				continue;
			s->certs[s->ncerts] = xmalloc(x->certs[i].len);
			memcpy(s->certs[s->ncerts], x->certs[i].p,
			       x->certs[i].len);
			s->cert_len[s->ncerts++] = x->certs[i].len;
		}
	mx_capsess_event(s, ts, frame, MX_DIR_S2C, MX_CAP_EV_CERTIFICATE,
			 (uint32_t)total, "Certificate: %zu cert%s", x->ncerts,
			 x->ncerts == 1 ? "" : "s");
	cd_note(fl, frame, MX_DIR_S2C, "Certificate: %zu cert%s, %zu B",
		x->ncerts, x->ncerts == 1 ? "" : "s", total);
}

static void key_exchange(struct cd_flow *fl, const struct mx_ske *k, int64_t ts,
			 uint64_t frame)
{
	struct mx_capsess *s = fl->s;
	const struct mx_dh_prime *e;
	char t[MX_CAP_TEXT], b[16];

	switch (k->kind) {
	case MX_SKE_DHE:
		s->dh_bits = k->dh_bits;
		e = mx_dh_prime_by_p(k->dh_p.p, k->dh_p.len);
		if (e) {
			snprintf(s->dh_prime_name, sizeof(s->dh_prime_name),
				 "%s (%u bit)", e->name, (unsigned)e->bits);
			s->dh_prime_known_safe = mx_dh_prime_known_safe(e);
		} else {
			s->dh_prime_name[0] = '\0';
			s->dh_prime_known_safe = -1;
		}
		snprintf(t, sizeof(t), "ServerKeyExchange DH %u bits (%s)",
			 k->dh_bits, e ? e->name : "custom prime");
		break;
	case MX_SKE_ECDHE:
		s->group = k->group;
		snprintf(t, sizeof(t), "ServerKeyExchange ECDHE %s",
			 group_name(k->group, b, sizeof(b)));
		break;
	case MX_SKE_RSA:
		snprintf(t, sizeof(t), "ServerKeyExchange RSA %u bits (export)",
			 k->rsa_bits);
		break;
	case MX_SKE_PSK:
		snprintf(t, sizeof(t), "ServerKeyExchange PSK identity hint");
		break;
	default:
		snprintf(t, sizeof(t), "ServerKeyExchange");
		break;
	}
	mx_capsess_event(s, ts, frame, MX_DIR_S2C, MX_CAP_EV_SKE, 0, "%s", t);
	cd_note(fl, frame, MX_DIR_S2C, "%s", t);
}

/* Turn what the flight parser learnt since last time into events. */
static void flight_events(struct cd_flow *fl, int64_t ts, uint64_t frame)
{
	const struct mx_flight_facts *x = mx_flight_facts(fl->fl);

	if (x->sh.seen && !fl->fl_sh) {
		fl->fl_sh = 1;
		server_hello(fl, &x->sh, ts, frame);
	}
	if (x->has_certificate && !fl->fl_cert) {
		fl->fl_cert = 1;
		certificates(fl, x, ts, frame);
	}
	if (x->ske.seen && !fl->fl_ske) {
		fl->fl_ske = 1;
		key_exchange(fl, &x->ske, ts, frame);
	}
	if (x->has_done && !fl->fl_done) {
		fl->fl_done = 1;
		mx_capsess_event(fl->s, ts, frame, MX_DIR_S2C,
				 MX_CAP_EV_HELLO_DONE, 0, "ServerHelloDone");
		cd_note(fl, frame, MX_DIR_S2C, "ServerHelloDone");
	}
	if (x->warnings > fl->fl_warnings) {
		fl->fl_warnings = x->warnings;
		alert(fl, MX_DIR_S2C, 1, x->warning_desc, ts, frame);
	}
}

static void flight_end(struct cd_flow *fl, enum mx_flight_status st, int64_t ts,
		       uint64_t frame)
{
	const struct mx_flight_facts *x = mx_flight_facts(fl->fl);
	struct cd_dir *sd = &fl->dir[MX_DIR_S2C];

	fl->fl_active = 0;
	switch (st) {
	case MX_FLIGHT_DONE:
	case MX_FLIGHT_MORE:
	case MX_FLIGHT_EMPTY:
		break;
	case MX_FLIGHT_ALERT:
		alert(fl, MX_DIR_S2C, x->alert_level, x->alert_desc, ts, frame);
		break;
	case MX_FLIGHT_NOT_TLS:
		not_tls(fl, MX_DIR_S2C, x->head, x->head_len, ts, frame);
		break;
	case MX_FLIGHT_UNSUPPORTED:
		/* A resumed TLS 1.2 session: CCS right after ServerHello. */
		if (x->sh.seen && strstr(x->detail, "ChangeCipherSpec")) {
			sd->ccs = 1;
			mx_capsess_event(fl->s, ts, frame, MX_DIR_S2C,
					 MX_CAP_EV_CCS, 0,
					 "server ChangeCipherSpec (resumed "
					 "session)");
			cd_note(fl, frame, MX_DIR_S2C, "ChangeCipherSpec");
			break;
		}
		/* fall through */
	default:
		cd_error(fl, "server TLS flight %s: %s",
			 mx_flight_status_name(st), x->detail);
		sd->mode = CD_DEAD;
		break;
	}
}

/* Feed the flight; returns the bytes it took. */
static size_t flight_feed(struct cd_flow *fl, const uint8_t *p, size_t n,
			  int64_t ts, uint64_t frame)
{
	enum mx_flight_status st;
	size_t used = 0;

	st = mx_flight_feed(fl->fl, p, n, &used);
	flight_events(fl, ts, frame);
	if (st == MX_FLIGHT_MORE)
		return n;
	fl->dir[MX_DIR_S2C].first_record_done = 1;
	flight_end(fl, st, ts, frame);
	return used;
}

static void new_flight(struct cd_flow *fl)
{
	struct cd_dir *sd = &fl->dir[MX_DIR_S2C];

	mx_flight_free(fl->fl);
	fl->fl = mx_flight_new();
	fl->fl_active = 1;
	fl->fl_sh = fl->fl_cert = fl->fl_ske = fl->fl_done = 0;
	fl->fl_warnings = 0;
	/* Server bytes not decoded yet belong to the new round. */
	if (sd->mode == CD_TLS && sd->buf.len > 0) {
		size_t n = sd->buf.len;
		uint8_t *tmp = xmalloc(n);

		memcpy(tmp, sd->buf.p, n);
		mx_buf_reset(&sd->buf);
		cd_tls_feed(fl, MX_DIR_S2C, tmp, n, sd->last_us,
			    sd->last_frame);
		free(tmp);
	}
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
	h = s->nhellos < MX_CAP_MAX_HELLOS ? &s->hellos[s->nhellos++] : &tmp;
	memset(h, 0, sizeof(*h));
	h->t_us = ts;
	h->frame = frame;
	h->len = len;
	if (st == MX_CHELLO_OK || ch->sslv2) {
		h->legacy_version = ch->legacy_version;
		h->max_version = ch->max_version;
	}
	if (st == MX_CHELLO_OK) {
		h->nsuites = (unsigned)ch->nsuites_total;
		h->ngroups = (unsigned)ch->ngroups_total;
		h->next = (unsigned)ch->next_total;
		for (i = 0; i < ch->nsuites && i < 64; i++)
			h->suites[i] = ch->suites[i];
		if (ch->has_sni) {
			sni = mx_escape_str(ch->sni, sizeof(h->sni) - 1);
			snprintf(h->sni, sizeof(h->sni), "%s", sni);
		}
		if (mx_ja3_string(ch, h->ja3, sizeof(h->ja3)) == 0) {
			if (mx_ja3_md5(h->ja3, h->ja3_md5) != 0)
				h->ja3_md5[0] = '\0';
		}
		snprintf(t, sizeof(t),
			 "ClientHello %zu B, %s max, %u suites%s%.80s", len,
			 version_name(ch->max_version, b, sizeof(b)),
			 h->nsuites, sni ? ", SNI " : "", sni ? sni : "");
	} else if (ch->sslv2) {
		snprintf(t, sizeof(t),
			 "ClientHello %zu B (SSLv2 format), %s max", len,
			 version_name(ch->max_version, b, sizeof(b)));
	} else {
		snprintf(t, sizeof(t), "ClientHello %zu B (%s: %s)", len,
			 mx_chello_status_name(st), detail);
		cd_error(fl, "ClientHello %s: %s", mx_chello_status_name(st),
			 detail);
	}
	free(sni);
	mx_capsess_event(s, ts, frame, MX_DIR_C2S, MX_CAP_EV_CLIENT_HELLO,
			 (uint32_t)len, "%s", t);
	cd_note(fl, frame, MX_DIR_C2S, "%s", t);
	new_flight(fl);
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
			alert(fl, dir, r->body[0], r->body[1], ts, frame);
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
			not_tls(fl, dir, b, left, ts, frame);
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
			new_flight(fl);
		if (fl->fl_active) {
			size_t used = flight_feed(fl, p, n, ts, frame);

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

		flight_events(fl, ts, frame);
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
