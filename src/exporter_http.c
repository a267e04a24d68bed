/*
 * exporter_http.c - the HTTP side of `mxprobe exporter` that is not a
 * probe (see exporter_int.h): answers and their counters, /metrics, the
 * --allow list, the loopback test.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "common/xalloc.h"
#include "src/exporter_int.h"

static const double x_buckets[X_NBUCKETS] = {0.1, 0.25, 0.5, 1, 2.5,
					     5,	  10,	30,  60};

static void count_code(struct exporter *x, int code)
{
	static const int codes[5] = {200, 400, 403, 404, 503};
	int i;

	for (i = 0; i < 5; i++)
		if (codes[i] == code)
			break;
	x->resp[i]++;
}

void mx_x_reply(struct exporter *x, struct evhttp_request *req, int code,
		const char *reason, const char *ctype, const char *body,
		size_t len)
{
	struct evbuffer *b = evbuffer_new();

	count_code(x, code);
	if (b == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(b, body, len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", ctype);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

void mx_x_reply_line(struct exporter *x, struct evhttp_request *req, int code,
		     const char *reason, const char *line)
{
	char body[512];
	int n = snprintf(body, sizeof(body), "%s\n", line);

	mx_x_reply(x, req, code, reason, "text/plain; charset=utf-8", body,
		   n < 0		       ? 0
		   : (size_t)n >= sizeof(body) ? sizeof(body) - 1
					       : (size_t)n);
}

int mx_x_allowed(const struct exporter *x, const char *target)
{
	size_t i;

	if (x->allow == NULL)
		return 1;
	for (i = 0; i < x->nallow; i++)
		if (fnmatch(x->allow[i], target, FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

void mx_x_observe(struct exporter *x, double dur)
{
	size_t i;

	for (i = 0; i < X_NBUCKETS; i++)
		if (dur <= x_buckets[i])
			x->hist[i]++;
	x->hcount++;
	x->hsum += dur;
}

void mx_x_self_metrics(struct exporter *x, struct evhttp_request *req)
{
	static const char *const codes[6] = {"200", "400", "403",
					     "404", "503", "other"};
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	x->req_metrics++;
	if (f == NULL) {
		mx_x_reply_line(x, req, 500, "Internal Server Error",
				"no memory");
		return;
	}
	fprintf(f,
		"# HELP mxprobe_exporter_requests_total HTTP requests by "
		"path.\n# TYPE mxprobe_exporter_requests_total counter\n"
		"mxprobe_exporter_requests_total{path=\"/probe\"} %lu\n"
		"mxprobe_exporter_requests_total{path=\"/metrics\"} %lu\n"
		"mxprobe_exporter_requests_total{path=\"other\"} %lu\n",
		x->req_probe, x->req_metrics, x->req_other);
	fputs("# HELP mxprobe_exporter_responses_total HTTP responses by "
	      "status code.\n# TYPE mxprobe_exporter_responses_total "
	      "counter\n",
	      f);
	for (i = 0; i < 6; i++)
		fprintf(f,
			"mxprobe_exporter_responses_total{code=\"%s\"} %lu\n",
			codes[i], x->resp[i]);
	fprintf(f,
		"# HELP mxprobe_exporter_probes_in_flight Probes running now.\n"
		"# TYPE mxprobe_exporter_probes_in_flight gauge\n"
		"mxprobe_exporter_probes_in_flight %d\n",
		x->inflight);
	fputs("# HELP mxprobe_exporter_probe_duration_seconds How long "
	      "probes took.\n# TYPE mxprobe_exporter_probe_duration_seconds "
	      "histogram\n",
	      f);
	for (i = 0; i < X_NBUCKETS; i++)
		fprintf(f,
			"mxprobe_exporter_probe_duration_seconds_bucket{le=\"%g\"}"
			" %lu\n",
			x_buckets[i], x->hist[i]);
	fprintf(f,
		"mxprobe_exporter_probe_duration_seconds_bucket{le=\"+Inf\"} "
		"%lu\nmxprobe_exporter_probe_duration_seconds_sum %.6f\n"
		"mxprobe_exporter_probe_duration_seconds_count %lu\n",
		x->hcount, x->hsum, x->hcount);
	fprintf(f,
		"# HELP process_start_time_seconds Start time of the process "
		"since the Unix epoch in seconds.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds %lld\n",
		(long long)x->started);
	fclose(f);
	mx_x_reply(x, req, 200, "OK", "text/plain; version=0.0.4", buf, len);
	free(buf);
}

/* --allow FILE: one pattern (fnmatch, case-insensitive) per line. */
int mx_x_load_allow(struct exporter *x, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t cap = 0;

	if (f == NULL) {
		fprintf(stderr, "mxprobe exporter: cannot read %s\n", path);
		return -1;
	}
	x->allow = xcalloc(1, sizeof(char *));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *e;

		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (x->nallow + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			x->allow = xreallocarray(x->allow, cap, sizeof(char *));
		}
		x->allow[x->nallow++] = xstrdup(s);
	}
	fclose(f);
	return 0;
}

int mx_x_is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}
