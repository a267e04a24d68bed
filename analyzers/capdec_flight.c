/*
 * capdec_flight.c - the server's side of a TLS round in a capture: the
 * flight parser (wire/tls_flight.h) takes the server's bytes after each
 * ClientHello until it is done (ServerHelloDone, a TLS 1.3 ServerHello or
 * a HelloRetryRequest), an alert ends it, or it complains; its facts
 * become events as they appear: ServerHello with JA3S, Certificate (DER
 * copied, at most MX_CAP_MAX_CERTS), the key exchange (DH size and the
 * prime's name from wire/tls_registry.h, the ECDHE group), ServerHelloDone,
 * warning alerts.  A resumed TLS 1.2 session (CCS right after the
 * ServerHello) goes on as encrypted.  What follows the flight is watched
 * by capdec_tls.c.
 */
#include "analyzers/capdec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "wire/ja3.h"
#include "wire/tls_registry.h"

/* The session's group and its name for the renderers (model/capture.h). */
static void set_group(struct mx_capsess *s, uint16_t id)
{
	const struct mx_group *g = mx_group_by_id(id);

	s->group = id;
	s->group_iana = g ? g->iana : NULL;
}

const char *cd_group_name(uint16_t id, char *buf, size_t len)
{
	const struct mx_group *g = mx_group_by_id(id);

	if (g)
		return g->iana;
	snprintf(buf, len, "0x%04x", id);
	return buf;
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
			 mx_tls_version_label(sh->version, b1, sizeof(b1)),
			 cd_group_name(sh->key_share_group, b2, sizeof(b2)));
		mx_capsess_event(s, ts, frame, MX_DIR_S2C, MX_CAP_EV_HRR, 0,
				 "%s", t);
		cd_note(fl, frame, MX_DIR_S2C, "%s", t);
		return;
	}
	s->server_hello = 1;
	s->version = sh->version;
	s->suite = sh->suite;
	s->sh_legacy_version = sh->legacy_version;
	s->version_name = mx_tls_version_name(sh->version);
	{
		const struct mx_suite *su = mx_suite_by_id(sh->suite);

		s->suite_iana = su ? su->iana : NULL;
		s->suite_openssl = su ? su->openssl : NULL;
	}
	if (sh->version == MX_TLS13)
		fl->tls13 = 1;
	if (sh->has_key_share && sh->key_share_group)
		set_group(s, sh->key_share_group);
	if (mx_ja3s_string(sh, ja3s, sizeof(ja3s)) == 0 &&
	    strlen(ja3s) < sizeof(s->ja3s)) {
		memcpy(s->ja3s, ja3s, strlen(ja3s) + 1);
		if (mx_ja3_md5(s->ja3s, s->ja3s_md5) != 0)
			s->ja3s_md5[0] = '\0';
	}
	snprintf(t, sizeof(t), "ServerHello %s %s",
		 mx_tls_version_label(sh->version, b1, sizeof(b1)),
		 mx_suite_label(sh->suite, b2, sizeof(b2)));
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
		set_group(s, k->group);
		snprintf(t, sizeof(t), "ServerKeyExchange ECDHE %s",
			 cd_group_name(k->group, b, sizeof(b)));
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
void cd_flight_events(struct cd_flow *fl, int64_t ts, uint64_t frame)
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
		cd_tls_alert(fl, MX_DIR_S2C, 1, x->warning_desc, ts, frame);
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
		cd_tls_alert(fl, MX_DIR_S2C, x->alert_level, x->alert_desc, ts,
			     frame);
		break;
	case MX_FLIGHT_NOT_TLS:
		cd_tls_not_tls(fl, MX_DIR_S2C, x->head, x->head_len, ts, frame);
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
size_t cd_flight_feed(struct cd_flow *fl, const uint8_t *p, size_t n,
		      int64_t ts, uint64_t frame)
{
	enum mx_flight_status st;
	size_t used = 0;

	st = mx_flight_feed(fl->fl, p, n, &used);
	cd_flight_events(fl, ts, frame);
	if (st == MX_FLIGHT_MORE)
		return n;
	fl->dir[MX_DIR_S2C].first_record_done = 1;
	flight_end(fl, st, ts, frame);
	/* Its facts are in the session now (certificates copied). */
	mx_flight_free(fl->fl);
	fl->fl = NULL;
	return used;
}

void cd_new_flight(struct cd_flow *fl)
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
