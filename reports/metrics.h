/*
 * metrics.h - the Prometheus text exposition format (version 0.0.4) of
 * one probe run, for `mxprobe exporter` (issue 12 point 3).
 *
 * Names follow blackbox_exporter where the meaning is the same
 * (probe_success, probe_duration_seconds, probe_ssl_earliest_cert_expiry,
 * probe_tls_version_info, probe_ssl_last_chain_info); mxprobe's own are
 * prefixed mxprobe_.  Per-endpoint series carry an `endpoint` label
 * ("mx1.example [192.0.2.25]:25"), so a domain with several MX hosts
 * never repeats a series.  Every family has HELP and TYPE lines; label
 * values are escaped (backslash, double quote, newline).
 *
 * Reads the model only; the run must have been analyzed.
 *
 * module=send (mx_report_send_metrics): one delivery (model/send.h,
 * explained by analyzers/smtp_failures.h) - probe_success (delivered to
 * every recipient), mxprobe_send_delivered, the deciding attempt's
 * stage durations, the failed stage and its reply code, encryption, TLS
 * version and leaf certificate, the findings, and the end-to-end time
 * when a Maildir check found the message.  Nothing secret is in the
 * model, so nothing secret can reach the metrics.
 */
#ifndef MX_REPORTS_METRICS_H
#define MX_REPORTS_METRICS_H

#include <stdio.h>

#include "model/result.h"
#include "model/send.h"

/* Write the metrics of run (one target, usually) to out; duration_s is
 * the wall time of the probe.  0, or -1 on a write error. */
int mx_report_metrics(FILE *out, const struct mx_run *run, double duration_s);

/* Write v as a label value body (no quotes), escaped per the format. */
void mx_metrics_label(FILE *out, const char *v);

/* 1 when the probe succeeded: at least one endpoint, and every endpoint
 * reached (TLS completed, or the SMTP dialogue ran to its end for a
 * plain endpoint), and the run was not interrupted. */
int mx_metrics_success(const struct mx_run *run);

/* One module=send scrape. */
struct mx_send_metrics {
	const struct mx_send_result *r; /* explained */
	double duration_s;		/* wall time of the scrape's work */
	int e2e_checked;		/* a Maildir was watched */
	int e2e_found;			/* ... and the message arrived */
	double e2e_s;			/* from the scrape's start to then */
};

/* Write the metrics of one delivery to out; 0, or -1 on a write error. */
int mx_report_send_metrics(FILE *out, const struct mx_send_metrics *m);

#endif
