/*
 * capture_json.h - what a capture showed, as JSON: the `capture` object
 * of one connection (reused by live --capture reports) and the document
 * of `mxprobe pcap FILE --json` (doc/mxprobe-pcap.schema.json).
 *
 * Purpose: mx_capsess_json() is the one shape of a captured session
 * (addresses, times, SMTP transcript, STARTTLS, hellos with JA3, server
 * hello with JA3S, key exchange, chain as sent, alert, TCP, timeline).
 * The pcap document streams: sessions are written one by one to a
 * temporary file as they arrive (mx_pcap_json_session()), so memory stays
 * bounded whatever the size of the capture; mx_pcap_json_end() writes
 * the envelope (whose status is only known at the end), the totals, the
 * sessions copied from the temporary file, the capture-level findings
 * and the summary.
 *
 * Ownership: mx_capsess_json() returns a new reference; a struct
 * mx_pcap_json owns its temporary file (mx_pcap_json_free()).
 * Views (struct mx_pcap_sess, struct mx_pcap_summary) are borrowed, see
 * reports/capture_text.h.
 */
#ifndef MX_REPORTS_CAPTURE_JSON_H
#define MX_REPORTS_CAPTURE_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "model/capture.h"
#include "reports/capture_text.h"

json_t *mx_capsess_json(const struct mx_capsess *s);

struct mx_pcap_json;

/* NULL when no temporary file could be made (errno set). */
struct mx_pcap_json *mx_pcap_json_new(void);
/* 0, or -1 when building or writing failed (sticky: _end fails too). */
int mx_pcap_json_session(struct mx_pcap_json *j, const struct mx_pcap_sess *ps);
/* The whole document to out; 0 or -1. */
int mx_pcap_json_end(struct mx_pcap_json *j, FILE *out,
		     const struct mx_pcap_summary *sum);
void mx_pcap_json_free(struct mx_pcap_json *j);

#endif
