/*
 * capture.c - what a capture showed about one TCP connection; see
 * capture.h.
 *
 * Sessions are plain data: init sets the "none" values (alert -1,
 * close_after_hello_us -1, hello_answer_us -1), clear frees what a session owns (certificate
 * DER copies, transcript texts) and leaves it initialised.  Events are
 * bounded (MX_CAP_MAX_EVENTS; more are counted in ev_dropped) and their
 * text is cut at MX_CAP_TEXT - 1 bytes.
 */
#include "model/capture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

void mx_capsess_init(struct mx_capsess *s)
{
	memset(s, 0, sizeof(*s));
	s->alert = -1;
	s->close_after_hello_us = -1;
	s->hello_answer_us = -1;
}

void mx_capsess_clear(struct mx_capsess *s)
{
	size_t i;

	for (i = 0; i < s->ncerts && i < MX_CAP_MAX_CERTS; i++)
		free(s->certs[i]);
	for (i = 0; i < s->nsmtp && i < MX_CAP_MAX_SMTP; i++)
		free(s->smtp_lines[i].text);
	for (i = 0; i < s->nhellos && i < MX_CAP_MAX_HELLOS; i++)
		free(s->hellos[i].ja3);
	mx_capsess_init(s);
}

void mx_capsess_event(struct mx_capsess *s, int64_t t_us, uint64_t frame,
		      int dir, enum mx_cap_ev_kind kind, uint32_t bytes,
		      const char *fmt, ...)
{
	struct mx_cap_event *e;
	va_list ap;

	if (s->nev >= MX_CAP_MAX_EVENTS) {
		s->ev_dropped++;
		return;
	}
	e = &s->ev[s->nev++];
	e->t_us = t_us;
	e->frame = frame;
	e->dir = dir ? 1 : 0;
	e->kind = (uint8_t)kind;
	e->bytes = bytes;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

const char *mx_cap_ev_name(enum mx_cap_ev_kind k)
{
	static const char *const t[] = {
		[MX_CAP_EV_SYN] = "syn",
		[MX_CAP_EV_SYNACK] = "synack",
		[MX_CAP_EV_SMTP] = "smtp",
		[MX_CAP_EV_STARTTLS] = "starttls",
		[MX_CAP_EV_CLIENT_HELLO] = "client_hello",
		[MX_CAP_EV_SERVER_HELLO] = "server_hello",
		[MX_CAP_EV_HRR] = "hello_retry_request",
		[MX_CAP_EV_CERTIFICATE] = "certificate",
		[MX_CAP_EV_SKE] = "server_key_exchange",
		[MX_CAP_EV_HELLO_DONE] = "server_hello_done",
		[MX_CAP_EV_CCS] = "change_cipher_spec",
		[MX_CAP_EV_ENCRYPTED] = "encrypted",
		[MX_CAP_EV_ALERT] = "alert",
		[MX_CAP_EV_FIN] = "fin",
		[MX_CAP_EV_RST] = "rst",
		[MX_CAP_EV_RETRANS] = "retransmission",
		[MX_CAP_EV_GAP] = "gap",
		[MX_CAP_EV_ZERO_WINDOW] = "zero_window",
		[MX_CAP_EV_NOT_TLS] = "not_tls",
		[MX_CAP_EV_AUTH_CUT] = "auth_withheld",
	};

	if ((size_t)k >= sizeof(t) / sizeof(t[0]) || t[k] == NULL)
		return "unknown";
	return t[k];
}

struct mx_capture *mx_capture_new(void)
{
	return xcalloc(1, sizeof(struct mx_capture));
}

void mx_capture_add(struct mx_capture *c, struct mx_capsess *s)
{
	MX_GROW(c->sess, c->nsess, c->capsess);
	c->sess[c->nsess++] = s;
}

void mx_capture_free(struct mx_capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsess; i++) {
		mx_capsess_clear(c->sess[i]);
		free(c->sess[i]);
	}
	free(c->sess);
	free(c);
}
