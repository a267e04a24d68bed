/*
 * capdec.h - the capture decoder: frames in, mail sessions out.
 *
 * Purpose: one pipeline for `mxprobe pcap FILE` and live --capture.
 * Each frame goes through wire/pkt.h (link, IP, TCP), analyzers/reasm.h
 * (per-flow reassembly with caps) and a per-flow session decoder: SMTP
 * lines before STARTTLS (wire/smtp.h), TLS records wherever the bytes are
 * a TLS handshake - after a 220 to STARTTLS, from the first byte (465,
 * 2465, or any port: detected by content, not by port) - with the
 * ClientHello parsed by wire/tls_chello.h, the server's flight by
 * wire/tls_flight.h (ServerHello, HRR, Certificate, ServerKeyExchange,
 * alerts), JA3/JA3S (wire/ja3.h), FIN/RST direction and timing.  The
 * result of each flow is a struct mx_capsess (model/capture.h).
 *
 * API (no I/O: the caller reads the file or the live handle):
 *   d = mx_capdec_new(linktype, limits, &cb);    limits NULL: defaults
 *   mx_capdec_frame(d, bytes, caplen, wirelen, ts_us);  every frame, in
 *        capture order; frame numbers count from 1 in call order
 *   mx_capdec_finish(d);                         end of the capture
 *   totals = mx_capdec_totals(d);                counts (sessions not kept)
 *   mx_capdec_free(d);
 *
 * Callbacks:
 *   session(arg, s)  a finished session; ownership passes to the callee
 *                    (free with mx_capsess_clear() + free()).  Sessions
 *                    are delivered in order of their first packet: a
 *                    finished session waits for every earlier-started
 *                    one, so memory stays bounded by concurrent flows -
 *                    except that when more than 256 finished sessions
 *                    wait behind one long-open connection, the oldest
 *                    of them go out ahead of it (memory first).
 *                    Flows that carried neither SMTP nor TLS are still
 *                    delivered (smtp == 0 && tls == 0) so callers can
 *                    count them; renderers may skip them.
 *   note(arg, frame, flow_id, dir, text)
 *                    what frame number `frame` carried, in our words
 *                    ("SYN", "ClientHello 312 B, TLSv1.2, 44 suites",
 *                    "server FIN 3 ms after ClientHello, no alert",
 *                    "SMTP: 250-STARTTLS"); zero or more per frame, maybe
 *                    after later frames (out-of-order delivery).  Every
 *                    TCP frame of a flow gets at least its flow id once
 *                    (text may be "ACK").
 *   secret(arg, frame)
 *                    the frame's TCP payload carries part of an AUTH
 *                    exchange (the command's initial response, 334
 *                    continuations and the client's answers): anything
 *                    written to disk must cut its payload.
 */
#ifndef MX_ANALYZERS_CAPDEC_H
#define MX_ANALYZERS_CAPDEC_H

#include <stddef.h>
#include <stdint.h>

#include "analyzers/reasm.h"
#include "model/capture.h"

struct mx_capdec_cb {
	void *arg;
	void (*session)(void *arg, struct mx_capsess *s);
	void (*note)(void *arg, uint64_t frame, unsigned flow_id, int dir,
		     const char *text);
	void (*secret)(void *arg, uint64_t frame);
};

struct mx_capdec;

struct mx_capdec *mx_capdec_new(int linktype, const struct mx_reasm_limits *l,
				const struct mx_capdec_cb *cb);
void mx_capdec_frame(struct mx_capdec *d, const uint8_t *frame, size_t caplen,
		     size_t wirelen, int64_t ts_us);
void mx_capdec_finish(struct mx_capdec *d);
/* Counts only: frames, bytes, skipped frames, evicted flows.  sess is
 * empty (sessions go to the callback). */
const struct mx_capture *mx_capdec_totals(const struct mx_capdec *d);
void mx_capdec_free(struct mx_capdec *d);

#endif
