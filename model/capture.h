/*
 * capture.h - what a packet capture showed about one TCP connection: the
 * model shared by `mxprobe pcap FILE` and live `--capture` correlation.
 *
 * Purpose: facts only.  analyzers/capdec.c fills a struct mx_capsess
 * from the reassembled streams of one flow (analyzers/reasm.h) with the
 * same wire/ parsers the live probe uses; analyzers/capjudge.c turns
 * sessions into findings; reports/ render them (text timeline, JSON
 * `capture` objects, pcapng comments).
 *
 * Times are capture timestamps in microseconds since the epoch; offsets
 * shown to users are relative to the session's first packet.
 *
 * Ownership: a struct mx_capsess owns its certificate DER copies and the
 * strings in its transcript; mx_capsess_clear() releases them (then
 * free() the struct if it was allocated).  A struct
 * mx_capture owns its sessions.  Bounded: MX_CAP_MAX_EVENTS timeline
 * events and MX_CAP_MAX_SMTP transcript lines per session (more are
 * counted in *_dropped), MX_CAP_MAX_CERTS certificates per chain.
 * The model layer: uses only common/.
 */
#ifndef MX_MODEL_CAPTURE_H
#define MX_MODEL_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define MX_CAP_MAX_EVENTS 96
#define MX_CAP_MAX_SMTP 64
#define MX_CAP_MAX_CERTS 16
#define MX_CAP_MAX_HELLOS 4 /* ClientHellos kept per session (HRR, retry) */
#define MX_CAP_TEXT 160

enum mx_cap_ev_kind {
	MX_CAP_EV_SYN = 1,	/* client SYN */
	MX_CAP_EV_SYNACK,	/* server SYN+ACK */
	MX_CAP_EV_SMTP,		/* one SMTP line (text holds it, escaped) */
	MX_CAP_EV_STARTTLS,	/* 220 to STARTTLS: TLS starts after it */
	MX_CAP_EV_CLIENT_HELLO, /* text: "ClientHello 312 B, TLSv1.2, 44
				 * suites" */
	MX_CAP_EV_SERVER_HELLO,
	MX_CAP_EV_HRR,
	MX_CAP_EV_CERTIFICATE,
	MX_CAP_EV_SKE, /* ServerKeyExchange */
	MX_CAP_EV_HELLO_DONE,
	MX_CAP_EV_CCS,	     /* ChangeCipherSpec */
	MX_CAP_EV_ENCRYPTED, /* first encrypted record of a direction */
	MX_CAP_EV_ALERT,
	MX_CAP_EV_FIN,
	MX_CAP_EV_RST,
	MX_CAP_EV_RETRANS,
	MX_CAP_EV_GAP,
	MX_CAP_EV_ZERO_WINDOW,
	MX_CAP_EV_NOT_TLS,  /* bytes after STARTTLS that are not TLS */
	MX_CAP_EV_AUTH_CUT, /* AUTH exchange payload withheld */
};

struct mx_cap_event {
	int64_t t_us;		/* capture time */
	uint64_t frame;		/* 1-based frame number in the capture */
	uint8_t dir;		/* 0 client to server, 1 server to client */
	uint8_t kind;		/* enum mx_cap_ev_kind */
	uint32_t bytes;		/* size of what the event describes, 0 none */
	char text[MX_CAP_TEXT]; /* our words; peer text escaped */
};

struct mx_cap_smtp_line {
	int64_t t_us;
	uint8_t dir;
	int code;   /* reply code for server lines, 0 for client lines */
	char *text; /* escaped, at most 512 bytes; AUTH payload replaced by
		     * "[AUTH data withheld]" */
};

struct mx_cap_hello {
	int64_t t_us;
	uint64_t frame;
	size_t len; /* handshake message bytes */
	uint16_t legacy_version, max_version;
	unsigned nsuites, ngroups, next;
	uint16_t suites[64]; /* the first 64 suites offered */
	/* Names of the numbers above from wire/'s registries, set by the
	 * decoder for the renderers (static strings; NULL: not known). */
	const char *legacy_version_name, *max_version_name;
	const char *suite_iana[64];
	char sni[256]; /* escaped */
	char *ja3;     /* the JA3 string, owned (NULL: none) */
	char ja3_md5[33];
};

struct mx_capsess {
	unsigned id; /* the flow id, from 1 */
	int family;
	char client[64], server[64]; /* numeric addresses */
	uint16_t cport, sport;
	int64_t start_us, end_us;
	uint64_t first_frame, last_frame;
	int saw_syn, midstream;
	/* SMTP before TLS */
	int smtp;	      /* SMTP seen (a 220 greeting or commands) */
	int starttls_offered; /* in the EHLO reply */
	int starttls_sent;    /* client sent STARTTLS */
	int starttls_reply;   /* its reply code, 0 none */
	int implicit_tls;     /* TLS from the first byte */
	int auth_seen;	      /* AUTH used: payload withheld */
	struct mx_cap_smtp_line smtp_lines[MX_CAP_MAX_SMTP];
	size_t nsmtp, smtp_dropped;
	/* TLS */
	int tls; /* a TLS handshake was seen */
	struct mx_cap_hello hellos[MX_CAP_MAX_HELLOS];
	size_t nhellos;
	int server_hello; /* seen */
	int hrr;
	uint16_t version; /* negotiated */
	uint16_t suite;
	uint16_t sh_legacy_version;
	/* Names of version, suite, group and alert_desc from wire/'s
	 * registries, set by the decoder for the renderers (static
	 * strings; NULL: not in the registry). */
	const char *version_name, *suite_iana, *suite_openssl;
	const char *group_iana, *alert_name;
	char ja3s[1024];
	char ja3s_md5[33];
	uint16_t group;		/* ECDHE curve from SKE or key_share */
	unsigned dh_bits;	/* DHE p size, 0 none */
	char dh_prime_name[64]; /* "RFC 2409 group 2 (1024 bit)", "" unknown */
	int dh_prime_known_safe;
	unsigned char *certs[MX_CAP_MAX_CERTS]; /* DER as sent, owned */
	size_t cert_len[MX_CAP_MAX_CERTS];
	size_t ncerts;
	int alert; /* -1 none */
	uint8_t alert_level, alert_desc, alert_dir;
	int encrypted; /* encrypted records followed */
	/* TCP */
	int fin_dir[2], rst_dir[2]; /* who sent FIN / RST */
	int64_t fin_us[2], rst_us[2];
	uint64_t retrans[2], gaps[2], gap_bytes[2], zero_windows[2];
	int capped; /* a per-flow byte cap was reached */
	/* A FIN or RST from the server after the last ClientHello with no
	 * server handshake bytes in between: how long after, in us; -1 none */
	int64_t close_after_hello_us;
	int close_after_hello_rst;
	/* timeline */
	struct mx_cap_event ev[MX_CAP_MAX_EVENTS];
	size_t nev, ev_dropped;
	char decode_error[MX_CAP_TEXT]; /* first parser complaint, our words */
	/* Live runs: the connection record (model/conn.h) this session is
	 * the wire side of; 0 none (set by analyzers/capcorr.c). */
	unsigned conn_id;
	/* Live runs: the analyzers ask the reports to draw this session's
	 * timeline (it failed or ended unexpectedly). */
	int show_timeline;
	/* How long after the last ClientHello the server's first byte came,
	 * in us; -1 none (silence, or a close: close_after_hello_us). */
	int64_t hello_answer_us;
};

/* Live capture of a probe run (--capture): what the run's report says
 * about the capture itself.  Sessions hang on their endpoints
 * (struct mx_endpoint caps). */
struct mx_capture_info {
	int on;		/* the run was captured */
	char iface[32]; /* interface name */
	int linktype;
	uint64_t frames;	/* frames captured */
	uint64_t dropped;	/* the kernel dropped (pcap_stats ps_drop) */
	uint64_t if_dropped;	/* the interface dropped (ps_ifdrop) */
	uint64_t store_dropped; /* over mxprobe's in-memory cap */
	uint64_t sessions;	/* TCP flows decoded */
	uint64_t unmatched;	/* flows not matched to a connection */
	char pcap_out[256];	/* the file written, "" none */
};

struct mx_capture {
	int linktype;
	uint64_t frames, bytes;
	uint64_t not_tcp, fragments, undecodable; /* frames skipped */
	uint64_t flows_evicted;
	int truncated;	      /* the file ended inside a record */
	char file_error[256]; /* what the reader said, "" none */
	uint64_t dropped;     /* live: packets the kernel dropped */
	uint64_t if_dropped;
	struct mx_capsess **sess; /* in order of first packet */
	size_t nsess, capsess;
	/* Counted by the decoder as it delivers sessions (so a caller that
	 * streams them keeps none): every session, those with SMTP or TLS
	 * (smtp, tls or encrypted set), and those of them that began before
	 * the capture did (midstream). */
	uint64_t sessions, mail_sessions, midstream_sessions;
};

void mx_capsess_init(struct mx_capsess *s);
void mx_capsess_clear(struct mx_capsess *s); /* frees owned memory */
/* Append an event (dropped and counted when full); fmt: our words, with
 * already-escaped arguments. */
void mx_capsess_event(struct mx_capsess *s, int64_t t_us, uint64_t frame,
		      int dir, enum mx_cap_ev_kind kind, uint32_t bytes,
		      const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
const char *mx_cap_ev_name(enum mx_cap_ev_kind k);

struct mx_capture *mx_capture_new(void);
/* Takes ownership of s (allocated with malloc, initialised). */
void mx_capture_add(struct mx_capture *c, struct mx_capsess *s);
void mx_capture_free(struct mx_capture *c);

#endif
