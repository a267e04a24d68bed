/*
 * enum_classify.c - a raw hello result (probe/rawhello.h) as an answer
 * for the enumeration plan; see enum.h (mx_enum_classify).
 *
 * Contract: pure, no I/O.  A ServerHello for the version asked is a pick
 * (with the TLS 1.3 key share group or the ECDHE curve); one for another
 * version, or a fatal handshake_failure, insufficient_security,
 * protocol_version or inappropriate_fallback alert, a clean refusal;
 * anything else (FIN, RST, silence, other alerts, a flight without
 * ServerHello) an odd answer that may be intolerance.  A hello that was
 * not sent is worth a retry (refused or timed-out connection, 4xx, lost
 * connection) or not (no STARTTLS, 5xx, deadline).
 * Limits: the reaction text is cut to struct mx_answer's buffer.
 */
#include "probe/enum.h"

#include <stdio.h>
#include <string.h>

#include "wire/tls_registry.h"

/* ---- classify ----------------------------------------------------------- */

int mx_enum_classify(enum mx_enum_ver v, const struct mx_raw_result *r,
		     struct mx_answer *a, char *why, size_t whylen)
{
	const struct mx_flight_facts *f = r->flight;
	const struct mx_smtp *s = &r->smtp;
	uint16_t want = mx_enum_ver_code(v);
	int code;

	memset(a, 0, sizeof(*a));
	if (why && whylen)
		why[0] = 0;
	if (r->reaction == MX_RAW_NOT_SENT || f == NULL) {
		if (why)
			snprintf(why, whylen, "%s", r->detail);
		switch (s->stop) {
		case MX_STOP_CONNECT_REFUSED:
		case MX_STOP_CONNECT_TIMEOUT:
		case MX_STOP_CONNECT_ERROR:
		case MX_STOP_GREETING_TIMEOUT:
		case MX_STOP_REPLY_TIMEOUT:
		case MX_STOP_PEER_CLOSED:
		case MX_STOP_PEER_RESET:
			return 1;
		case MX_STOP_GREETING_REJECTED:
			return s->greeting.code / 100 == 4 ? 1 : -1;
		case MX_STOP_STARTTLS_REJECTED:
			if (s->starttls.state == MX_STEP_SKIPPED) {
				if (why)
					snprintf(why, whylen,
						 "STARTTLS not offered");
				return -1;
			}
			code = s->starttls_reply.code;
			return code / 100 == 4 ? 1 : -1;
		default:
			return -1;
		}
	}
	switch (r->reaction) {
	case MX_RAW_FLIGHT:
		if (!f->sh.seen) {
			a->kind = MX_ANS_ODD;
			snprintf(a->what, sizeof(a->what),
				 "a flight without ServerHello");
			return 0;
		}
		if (f->sh.version != want) {
			const char *vn = mx_tls_version_name(f->sh.version);

			a->kind = MX_ANS_REFUSED;
			snprintf(a->what, sizeof(a->what),
				 "a ServerHello for %s instead", vn ? vn : "?");
			return 0;
		}
		a->kind = MX_ANS_PICK;
		a->suite = f->sh.suite;
		if (v == MX_EV_TLS13)
			a->group = f->sh.key_share_group;
		else if (f->ske.seen && f->ske.kind == MX_SKE_ECDHE)
			a->group = f->ske.group;
		return 0;
	case MX_RAW_ALERT:
		/* RFC 8446 §6.2 / RFC 5246 §7.2.2: what a server says when
		 * nothing offered is acceptable. */
		if (f->alert_level == 2 &&
		    (f->alert_desc == 40 || f->alert_desc == 70 ||
		     f->alert_desc == 71 || f->alert_desc == 86))
			a->kind = MX_ANS_REFUSED;
		else
			a->kind = MX_ANS_ODD;
		snprintf(a->what, sizeof(a->what), "%.110s", r->detail);
		return 0;
	default:
		a->kind = MX_ANS_ODD;
		snprintf(a->what, sizeof(a->what), "%.110s", r->detail);
		return 0;
	}
}
