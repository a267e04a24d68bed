/*
 * capture_text.h - render what a capture showed, as text: the wire
 * timeline of one connection (reused by live --capture reports) and the
 * report of `mxprobe pcap FILE`.
 *
 * Purpose: mx_capsess_text_timeline() writes the events of one session
 * (model/capture.h) with millisecond offsets from its first packet, one
 * line each.  The pcap report streams: mx_pcap_text_session() writes one
 * session as it arrives (header line, timeline, hellos, key exchange,
 * chain as sent and its verification, how it ended, its findings in the
 * one finding layout); mx_pcap_text_end() writes the summary, the
 * capture-level findings and the closing status line.
 *
 * The view structs below are what src/ hands over: the session (model),
 * the verification of its chain (copied by src/ from the analyzer's
 * facts - the renderers read no analyzer), its findings.  Everything is
 * borrowed for the call.  Text in the model is escaped already; output
 * still goes through mx_out_text()'s guard (reports/textutil.h).
 */
#ifndef MX_REPORTS_CAPTURE_TEXT_H
#define MX_REPORTS_CAPTURE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "model/capture.h"
#include "model/finding.h"
#include "reports/pem.h"
#include "reports/util.h"

/* doc/mxprobe-pcap.schema.json */
#define MX_PCAP_SCHEMA_VERSION 1

struct mx_pcap_cert {
	const char *subject, *issuer; /* escaped; NULL: did not parse */
	const char *sha256;	      /* hex of the DER as sent */
	const char *aia_ca_issuers;   /* NULL or "" none */
	size_t bytes;
	int is_ca, self_signed;
};

/* The server's chain as sent and its verification (analyzers/capchain.h
 * facts, copied by src/). */
struct mx_pcap_verify {
	size_t n;
	struct mx_pcap_cert certs[MX_CAP_MAX_CERTS];
	int done, verified;
	long code;
	const char *error;
	int depth, verified_len;
	const char *name; /* checked host name (SNI), "" none */
	time_t at;	  /* verification time */
	const char *missing, *missing_url; /* "" none */
	int missing_is_intermediate;
};

struct mx_pcap_sess {
	const struct mx_capsess *s;
	const struct mx_pcap_verify *verify; /* NULL: no chain or no store */
	const struct mx_findings *findings;  /* the session's */
};

struct mx_pcap_summary {
	const char *file;		 /* as given ("-": standard input) */
	const char *linktype;		 /* "EN10MB", or NULL */
	const char *format;		 /* "pcap", "pcapng" or NULL */
	const struct mx_capture *totals; /* counts (sess unused) */
	uint64_t sessions_shown;	 /* with SMTP or TLS */
	uint64_t sessions_other; /* TCP flows with neither (not shown) */
	uint64_t findings_by_sev[MX_SEV_UNKNOWN + 1]; /* sessions' + capture's */
	const struct mx_findings *findings;	      /* capture-level */
	const char *trust_store; /* "system", a --ca-file/--ca-path, or NULL */
	size_t certs_distinct;	 /* distinct certificates seen */
	size_t certs_dropped;	 /* beyond the export cap */
	const char *export_dir;	 /* NULL: not exported */
	const struct mx_export_result *exported;
	struct mx_rep_meta meta;
};

/* One line per event: "<indent>+12.345 ms  server  220 mx.example ESMTP"
 * and a last line when events were dropped. */
void mx_capsess_text_timeline(FILE *out, const struct mx_capsess *s,
			      const char *indent);
/* A TLS version's name (model/capture.h), else its number in hex
 * ("0x7f1c", written into buf). */
const char *mx_cap_version_label(const char *name, uint16_t v, char *buf,
				 size_t len);
/* "192.0.2.10:51234 -> 192.0.2.25:25" ([v6]:port for IPv6). */
void mx_capsess_text_peers(const struct mx_capsess *s, char *buf, size_t len);

void mx_pcap_text_session(FILE *out, int color, const struct mx_pcap_sess *ps);
/* Returns 0, or -1 when writing failed. */
int mx_pcap_text_end(FILE *out, const struct mx_pcap_summary *sum);

#endif
