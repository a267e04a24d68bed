/*
 * exporter_int.h - what cmd_exporter.c and exporter_http.c share: the
 * exporter's state and its HTTP helpers (src/ only, not an API).
 *
 * Ownership: struct exporter lives on cmd_exporter()'s stack; every
 * pointer in it is owned by it and freed by cmd_exporter.c.
 */
#ifndef MX_SRC_EXPORTER_INT_H
#define MX_SRC_EXPORTER_INT_H

#include <stddef.h>
#include <time.h>

#include "common/log.h"
#include "src/options.h"

struct evhttp_request;
struct probe_req;

#define X_NBUCKETS 9

struct exporter {
	struct event_base *base;
	struct evhttp *http;
	const struct mx_opts *o;
	struct mx_pool *pool;
	void *x509_store;   /* the trust store every probe shares */
	struct mx_dns *dns; /* the DNS context every probe shares */
	struct mx_log log;
	struct mx_confirm_client *clients;
	size_t nclients;
	struct mx_xsend_cfg *send; /* module=send; NULL without --to */
	char **allow;
	size_t nallow;
	int max_probes, inflight;
	int stopping; /* SIGINT/SIGTERM: cancel what runs, then end */
	struct probe_req *running; /* the probes in flight */
	time_t started;
	/* counters for /metrics */
	unsigned long req_probe, req_metrics, req_other;
	unsigned long resp[6]; /* 200 400 403 404 503 other */
	unsigned long hist[X_NBUCKETS];
	unsigned long hcount;
	double hsum;
};

/* Answer req with code and body (counted for /metrics). */
void mx_x_reply(struct exporter *x, struct evhttp_request *req, int code,
		const char *reason, const char *ctype, const char *body,
		size_t len);
/* The same with one line of text/plain. */
void mx_x_reply_line(struct exporter *x, struct evhttp_request *req, int code,
		     const char *reason, const char *line);
/* 1 when target matches the --allow list (or there is none). */
int mx_x_allowed(const struct exporter *x, const char *target);
/* A probe took dur seconds: the /metrics histogram. */
void mx_x_observe(struct exporter *x, double dur);
/* GET /metrics. */
void mx_x_self_metrics(struct exporter *x, struct evhttp_request *req);
/* --allow FILE: one pattern (fnmatch, case-insensitive) per line; 0, or
 * -1 after printing why. */
int mx_x_load_allow(struct exporter *x, const char *path);
/* 1 when addr is a loopback address. */
int mx_x_is_loopback(const char *addr);

#endif
