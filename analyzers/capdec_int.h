/*
 * capdec_int.h - the pieces of the capture decoder (analyzers/capdec.h)
 * shared by capdec.c (frames, reassembly callbacks, TCP events, notes,
 * session delivery), capdec_smtp.c (SMTP lines in both directions, AUTH
 * withheld) and capdec_tls.c (TLS records, ClientHello, server flight).
 *
 * One struct cd_flow per TCP flow (flow->user), owning the session it
 * fills until the flow closes.  Each direction has a mode: undecided
 * until its first bytes (or the other side's) say what it carries, then
 * SMTP lines, held bytes (client bytes after STARTTLS, before its reply),
 * TLS records, something else, or dead (decoding stopped after a gap or
 * a parser complaint; bytes are still counted by the reassembly).
 *
 * Limits: an SMTP line keeps CD_LINE_MAX bytes (the rest is cut and
 * noted); client handshake messages are reassembled up to CD_HELLO_MAX;
 * a direction's undecoded bytes (a partial record, held bytes) at most
 * CD_BUF_MAX; at most CD_NOTES_PER_FRAME content notes per frame (then
 * one "+N more"); SMTP line events leave CD_EV_RESERVE timeline slots for
 * TCP and TLS events.
 *
 * Files: capdec.c (frames, callbacks, modes), capdec_out.c (notes,
 * secrets, session delivery), capdec_smtp.c, capdec_tls.c (records,
 * hellos), capdec_flight.c (the server flight).
 */
#ifndef MX_ANALYZERS_CAPDEC_INT_H
#define MX_ANALYZERS_CAPDEC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyzers/capdec.h"
#include "common/buf.h"
#include "wire/smtp.h"
#include "wire/tls_flight.h"

#define CD_LINE_MAX 4096
#define CD_HELLO_MAX (64 * 1024)
#define CD_BUF_MAX (256 * 1024)
#define CD_CMDS 16 /* client commands waiting for their reply */
#define CD_NOTES_PER_FRAME 4
#define CD_EV_RESERVE 24
#define CD_LINE_FRAMES 1024 /* frames remembered for one line */
#define CD_MAX_WAITING 256  /* finished sessions held for the order */

enum cd_mode {
	CD_UNDECIDED = 0,
	CD_SMTP,
	CD_HOLD, /* client bytes after STARTTLS, before the reply */
	CD_TLS,
	CD_OTHER,
	CD_DEAD,
};

struct cd_dir {
	enum cd_mode mode;
	struct mx_buf buf; /* a partial line or record, held bytes */
	/* SMTP line assembly */
	size_t line_cut;  /* bytes of the current line beyond the cap */
	uint64_t *frames; /* frames that carried the current line */
	size_t nframes, capframes;
	int resync;	    /* after a gap: drop bytes up to the next LF */
	uint64_t bdat_left; /* client: BDAT chunk bytes still to skip */
	/* TLS */
	int first_record_done;
	int ccs;	 /* ChangeCipherSpec sent: records encrypted */
	int enc_noted;	 /* first encrypted record noted */
	int64_t last_us; /* time and frame of the last byte taken */
	uint64_t last_frame;
};

struct cd_flow {
	struct mx_capdec *d;
	struct mx_capsess *s;
	struct cd_flow *prev, *next; /* the decoder's live flows */
	struct cd_dir dir[2];
	/* SMTP */
	char cmds[CD_CMDS][12]; /* verbs waiting for replies, oldest first */
	size_t ncmds;
	unsigned replies;      /* server replies completed */
	unsigned client_lines; /* client lines seen */
	int auth;	       /* inside an AUTH exchange */
	int data; /* the client sends message content (after 354) */
	uint64_t data_lines, data_bytes;
	struct mx_smtp_reply reply;
	uint64_t last_secret; /* the last frame reported as secret */
	int line_ev;	      /* SMTP events added */
	/* TLS */
	struct mx_buf hs;     /* client handshake bytes, reassembled */
	struct mx_flight *fl; /* the server flight of this round */
	int fl_active;	      /* fl still takes bytes */
	size_t fl_warnings;   /* warning alerts already turned into events */
	int fl_sh, fl_cert, fl_ske, fl_done; /* flight events added */
	unsigned rounds;		     /* ClientHellos parsed */
	int server_since_hello; /* server bytes after the last ClientHello */
	int64_t last_hello_us;
	int tls13; /* a TLS 1.3 ServerHello (not an HRR) was seen */
	unsigned retrans_ev[2], gap_ev[2], zwin_ev[2];
	/* notes */
	uint64_t note_frame;
	unsigned note_count, note_skipped;
	int note_dir;
	const char *kind; /* what this flow's data is, for fallback notes */
};

/* A flow closed lately: late segments (the last ACK) still get a note. */
struct cd_tomb {
	unsigned id;
	int auth; /* AUTH was used: late payload is secret */
	int family;
	uint8_t client[16], server[16];
	uint16_t cport, sport;
};
#define CD_TOMBS 64

struct cd_slot {
	unsigned id;
	struct mx_capsess *s;
	int done;
};

struct mx_capdec {
	int linktype;
	struct mx_capdec_cb cb;
	struct mx_reasm *r;
	struct mx_capture tot;
	uint64_t frame;
	/* the frame being decoded */
	uint64_t cur_frame;
	unsigned cur_flow;
	int cur_dir, cur_noted;
	size_t cur_len;
	const char *cur_kind;
	struct cd_flow *live;
	struct cd_slot *q; /* sessions by order of first packet */
	size_t qhead, qlen, qcap, waiting;
	struct cd_tomb tombs[CD_TOMBS];
	size_t ntomb;
	int freeing;
};

/* capdec_out.c */
void cd_emit_note(struct mx_capdec *d, uint64_t frame, unsigned flow, int dir,
		  const char *text);
void cd_note(struct cd_flow *fl, uint64_t frame, int dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cd_notes_flush(struct cd_flow *fl);
void cd_secret(struct cd_flow *fl, uint64_t frame);
void cd_queue_push(struct mx_capdec *d, unsigned id, struct mx_capsess *s);
/* The session is finished: deliver what the order allows. */
void cd_queue_done(struct mx_capdec *d, struct mx_capsess *s);
void cd_deliver(struct mx_capdec *d);
void cd_tomb_add(struct mx_capdec *d, const struct mx_flow *f, int auth);
/* A segment the reassembly ignored: note it if its flow closed lately. */
void cd_late_note(struct mx_capdec *d, const struct mx_pkt *p);

/* capdec.c */
void cd_feed(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
	     int64_t ts, uint64_t frame);
/* The side is neither SMTP nor TLS: noted (and a decode_error when the
 * server of a mail port says so); decoding of that side stops. */
void cd_not_mail(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		 uint64_t frame);
void cd_error(struct cd_flow *fl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *cd_side(int dir); /* "client" / "server" */
/* "3 ms", "250 us", "12.5 s" */
void cd_delay(int64_t us, char *out, size_t outlen);

/* capdec_smtp.c */
size_t cd_smtp_feed(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		    int64_t ts, uint64_t frame);
void cd_smtp_resent(struct cd_flow *fl, int dir, uint64_t frame);
void cd_smtp_gap(struct cd_flow *fl, int dir);
void cd_smtp_close(struct cd_flow *fl);
void cd_smtp_free(struct cd_flow *fl);

/* capdec_tls.c */
/* What the first bytes of a direction are: -1 need more, 0 not TLS,
 * 1 a TLS (or SSLv2) ClientHello, 2 another TLS record. */
int cd_tls_sniff(const uint8_t *p, size_t n);
void cd_tls_feed(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		 int64_t ts, uint64_t frame);
/* The server sent FIN or RST: judge a close right after the hello.
 * Returns 1 when it was (and text holds the event's words). */
int cd_tls_server_closed(struct cd_flow *fl, int rst, int64_t ts, char *text,
			 size_t textlen);
void cd_tls_gap(struct cd_flow *fl, int dir);
void cd_tls_alert(struct cd_flow *fl, int dir, uint8_t level, uint8_t desc,
		  int64_t ts, uint64_t frame);
/* Bytes that are not TLS where TLS was due: an event, the side stops. */
void cd_tls_not_tls(struct cd_flow *fl, int dir, const uint8_t *p, size_t n,
		    int64_t ts, uint64_t frame);
void cd_tls_close(struct cd_flow *fl, int64_t ts, uint64_t frame);
void cd_tls_free(struct cd_flow *fl);

/* capdec_flight.c */
/* A fresh flight parser for a new round; server bytes not decoded yet
 * go to it. */
void cd_new_flight(struct cd_flow *fl);
/* Feed the flight; returns the bytes it took (the rest follows it). */
size_t cd_flight_feed(struct cd_flow *fl, const uint8_t *p, size_t n,
		      int64_t ts, uint64_t frame);
/* Events for what the flight parser learnt since the last call. */
void cd_flight_events(struct cd_flow *fl, int64_t ts, uint64_t frame);
/* Names, or the code point in hex in buf. */
const char *cd_group_name(uint16_t id, char *buf, size_t len);

#endif
