/*
 * cmd_exporter.c - `mxprobe exporter`: a Prometheus exporter in the
 * multi-target pattern of blackbox_exporter (issue 12 point 3).
 *
 *   GET /probe?target=T&module=check|deep   one probe run of T on the
 *       program's one event loop (several at once share one pool), the
 *       metrics of reports/metrics.h
 *   GET /probe?target=T&module=send         one test message through T
 *       (src/exporter_send.h), on the same loop; the envelope and the
 *       credentials are the exporter's options (--to, --from,
 *       --auth-user, ...), never the query's; 400 without --to
 *   GET /metrics                            the exporter's own metrics
 *   GET /                                   a page with links
 *
 * Wiring only: evhttp (libevent_extra) on the loop, the engine
 * (probe/engine.h), the analyzers, the renderer.  Bound to loopback
 * unless --listen-any; --max-probes N at once (503 beyond); --allow FILE
 * of target patterns (403 outside); a bad or missing target is 400.
 * The deadline of a probe is the scrape's
 * X-Prometheus-Scrape-Timeout-Seconds minus half a second (else
 * --deadline, else 10 s).  One DNS context for the process (probe/dns.h:
 * libunbound's cache and the AD-bit cache, by TTL): every probe works on
 * a share of it, with its own DNS timeout.  Answers, /metrics and the
 * --allow list: src/exporter_http.c (state in src/exporter_int.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>

#include "analyzers/analyze.h"
#include "analyzers/clients.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "probe/client_play.h"
#include "probe/dns.h"
#include "probe/engine.h"
#include "probe/target.h"
#include "relay/netaddr.h"
#include "reports/metrics.h"
#include "probe/tls.h"
#include "src/commands.h"
#include "src/exporter_int.h"
#include "src/exporter_send.h"

struct probe_req {
	struct exporter *x;
	struct evhttp_request *req;
	struct mx_run *run;
	struct mx_engine *engine;
	struct mx_xsend *send; /* module=send instead of run/engine */
	struct event *timer;
	int64_t t0;
	struct probe_req *next;
};

/* The probe's budget in ms: the scrape timeout minus a margin. */
static int budget_ms(const struct exporter *x, struct evhttp_request *req)
{
	const char *h =
		evhttp_find_header(evhttp_request_get_input_headers(req),
				   "X-Prometheus-Scrape-Timeout-Seconds");
	double s;
	char *end;

	if (h != NULL) {
		s = strtod(h, &end);
		if (end != h && s > 0 && s < 86400) {
			s -= 0.5;
			return s < 1 ? 1000 : (int)(s * 1000);
		}
	}
	return x->o->deadline_s > 0 ? x->o->deadline_s * 1000 : 10000;
}

static void probe_finish(struct probe_req *pr)
{
	struct exporter *x = pr->x;
	struct mx_analyze_params ap;
	double dur = (double)(mx_now_ms() - pr->t0) / 1000.0;
	char *buf = NULL;
	size_t len = 0;
	FILE *mf;

	if (pr->run != NULL) {
		pr->run->elapsed_ms = mx_now_ms() - pr->t0;
		mx_analyze_params_init(&ap, mx_wall_now());
		mx_analyze_run(pr->run, &ap);
	}
	mf = open_memstream(&buf, &len);
	if (mf == NULL ||
	    (pr->send ? mx_xsend_metrics(pr->send, mf, dur)
		      : mx_report_metrics(mf, pr->run, dur)) < 0) {
		if (mf)
			fclose(mf);
		free(buf);
		mx_x_reply_line(x, pr->req, 500, "Internal Server Error",
				"cannot render the metrics");
	} else {
		fclose(mf);
		mx_x_reply(x, pr->req, 200, "OK", "text/plain; version=0.0.4",
			   buf, len);
		free(buf);
	}
	mx_x_observe(x, dur);
	x->inflight--;
	for (struct probe_req **pp = &x->running; *pp; pp = &(*pp)->next)
		if (*pp == pr) {
			*pp = pr->next;
			break;
		}
}

static void probe_free(struct probe_req *pr)
{
	if (pr->timer)
		event_free(pr->timer);
	mx_engine_free(pr->engine);
	mx_xsend_free(pr->send);
	mx_run_free(pr->run);
	free(pr);
}

static void after_done(evutil_socket_t fd, short what, void *arg)
{
	struct probe_req *pr = arg;
	struct exporter *x = pr->x;

	(void)fd;
	(void)what;
	probe_free(pr);
	if (x->stopping && x->inflight == 0)
		event_base_loopexit(x->base, NULL);
}

static void on_done(void *arg)
{
	struct probe_req *pr = arg;
	static const struct timeval now = {0, 0};

	probe_finish(pr);
	/* freed from the loop, not inside the engine's own callback */
	if (pr->timer)
		event_del(pr->timer);
	event_base_once(pr->x->base, -1, EV_TIMEOUT, after_done, pr, &now);
}

static void probe_cancel(struct probe_req *pr)
{
	if (pr->send)
		mx_xsend_cancel(pr->send); /* done follows */
	else
		mx_engine_cancel(pr->engine);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	probe_cancel(arg); /* done follows */
}

static void probe_running(struct exporter *x, struct probe_req *pr, int budget)
{
	struct timeval tv = {budget / 1000, (budget % 1000) * 1000};

	x->inflight++;
	pr->next = x->running;
	x->running = pr;
	evtimer_add(pr->timer, &tv);
}

/* module=send: the envelope is the exporter's (x->send), the target
 * only the next hop. */
static void start_send(struct exporter *x, struct evhttp_request *req,
		       const char *target)
{
	struct probe_req *pr = xcalloc(1, sizeof(*pr));
	int budget = budget_ms(x, req);
	char err[400], line[512];

	pr->x = x;
	pr->req = req;
	pr->t0 = mx_now_ms();
	pr->timer = evtimer_new(x->base, on_timeout, pr);
	if (pr->timer != NULL)
		pr->send = mx_xsend_start(x->send, x->base, x->dns, target,
					  budget, on_done, pr, err,
					  sizeof(err));
	if (pr->send == NULL) {
		snprintf(line, sizeof(line), "cannot send through %s: %s",
			 target, pr->timer ? err : "no timer");
		mx_x_reply_line(x, req, 400, "Bad Request", line);
		probe_free(pr);
		return;
	}
	probe_running(x, pr, budget);
}

static void start_probe(struct exporter *x, struct evhttp_request *req,
			const char *target, int deep)
{
	const struct mx_opts *o = x->o;
	struct mx_engine_params ep;
	struct mx_engine_cbs cbs = {NULL, on_done};
	struct probe_req *pr = xcalloc(1, sizeof(*pr));
	struct mx_target *t;
	char err[256];
	int budget = budget_ms(x, req);

	pr->x = x;
	pr->req = req;
	pr->run = mx_run_new();
	pr->run->tool_version = xstrdup(PACKAGE_VERSION);
	pr->run->helo = xstrdup(o->helo ? o->helo : "mxprobe.invalid");
	pr->run->timeout_ms = o->timeout_s * 1000;
	t = mx_run_add_target(pr->run);
	if (mx_target_parse(target, t, err, sizeof(err)) < 0) {
		char line[400];

		snprintf(line, sizeof(line), "bad target: %s", err);
		mx_x_reply_line(x, req, 400, "Bad Request", line);
		probe_free(pr);
		return;
	}
	memset(&ep, 0, sizeof(ep));
	ep.resolver = o->resolver;
	ep.trust_anchor = o->trust_anchor;
	ep.helo = pr->run->helo;
	ep.step_timeout_ms = o->timeout_s * 1000 < budget ? o->timeout_s * 1000
							  : budget;
	ep.endpoint_deadline_ms = budget;
	ep.dns_timeout_ms = ep.step_timeout_ms < 10000 ? ep.step_timeout_ms
						       : 10000;
	ep.pool = x->pool;
	ep.dns = x->dns;
	ep.tls = &mx_tls_openssl;
	ep.tls_params.ca_file = o->ca_file;
	ep.tls_params.ca_path = o->ca_path;
	ep.tls_params.x509_store = x->x509_store;
	ep.tls_params.security_level = 0;
	ep.tls_params.cipher_list = "ALL:@SECLEVEL=0";
	ep.tls_params.min_version = 0x0301;
	ep.log = &x->log;
	if (deep) {
		ep.enumerate = MX_ENGINE_ENUM_COMPLETED;
		ep.hello_timeout_ms = ep.step_timeout_ms;
		ep.job_deadline_ms = budget;
		ep.clients = x->clients;
		ep.nclients = x->nclients;
		ep.simulate = mx_clients_simulate;
	}
	pr->engine = mx_engine_new(x->base, pr->run, &ep, &cbs, pr, err,
				   sizeof(err));
	pr->timer = evtimer_new(x->base, on_timeout, pr);
	if (pr->engine == NULL || pr->timer == NULL) {
		mx_x_reply_line(x, req, 500, "Internal Server Error",
				pr->engine ? "cannot start a timer" : err);
		probe_free(pr);
		return;
	}
	pr->t0 = mx_now_ms();
	pr->run->started = mx_wall_now();
	probe_running(x, pr, budget);
	mx_engine_start(pr->engine);
}

static void handle_probe(struct exporter *x, struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq params;
	const char *target, *module;
	int deep = 0; /* 1 deep, 2 send */

	x->req_probe++;
	TAILQ_INIT(&params);
	if (q == NULL || evhttp_parse_query_str(q, &params) < 0 ||
	    (target = evhttp_find_header(&params, "target")) == NULL ||
	    target[0] == '\0') {
		mx_x_reply_line(x, req, 400, "Bad Request",
				"missing target (GET /probe?target=...)");
		evhttp_clear_headers(&params);
		return;
	}
	module = evhttp_find_header(&params, "module");
	if (module == NULL || strcmp(module, "check") == 0) {
		deep = 0;
	} else if (strcmp(module, "deep") == 0) {
		deep = 1;
	} else if (strcmp(module, "send") == 0) {
		deep = 2;
	} else {
		mx_x_reply_line(x, req, 400, "Bad Request",
				"unknown module (check, deep or send)");
		evhttp_clear_headers(&params);
		return;
	}
	if (deep == 2 && x->send == NULL) {
		mx_x_reply_line(
			x, req, 400, "Bad Request",
			"module=send needs the exporter started with --to "
			"ADDRESS (the envelope never comes from the "
			"scrape)");
	} else if (!mx_x_allowed(x, target)) {
		mx_x_reply_line(x, req, 403, "Forbidden",
				"target not in the --allow list");
	} else if (x->inflight >= x->max_probes || x->stopping) {
		mx_x_reply_line(x, req, 503, "Service Unavailable",
				"too many probes at once (--max-probes)");
	} else if (deep == 2) {
		start_send(x, req, target);
	} else {
		start_probe(x, req, target, deep);
	}
	evhttp_clear_headers(&params);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct exporter *x = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	static const char page[] =
		"<html><head><title>mxprobe exporter</title></head><body>\n"
		"<h1>mxprobe exporter</h1>\n"
		"<p><a href=\"/probe?target=example.org&amp;module=check\">"
		"/probe?target=example.org&amp;module=check</a> (module check, "
		"deep or send)</p>\n"
		"<p><a href=\"/metrics\">/metrics</a></p>\n</body></html>\n";

	if (path == NULL || path[0] == '\0')
		path = "/";
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		x->req_other++;
		mx_x_reply_line(x, req, 405, "Method Not Allowed", "GET only");
	} else if (strcmp(path, "/probe") == 0) {
		handle_probe(x, req);
	} else if (strcmp(path, "/metrics") == 0) {
		mx_x_self_metrics(x, req);
	} else if (strcmp(path, "/") == 0) {
		x->req_other++;
		mx_x_reply(x, req, 200, "OK", "text/html; charset=utf-8", page,
			   sizeof(page) - 1);
	} else {
		x->req_other++;
		mx_x_reply_line(
			x, req, 404, "Not Found",
			"not found (try /probe?target=... or /metrics)");
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct exporter *x = arg;

	struct probe_req *pr;

	(void)sig;
	(void)what;
	if (x->stopping) { /* a second one: at once */
		event_base_loopbreak(x->base);
		return;
	}
	/* no new probe; those running are cancelled (done follows from
	 * the loop) and answered with what they found */
	x->stopping = 1;
	for (pr = x->running; pr; pr = pr->next)
		probe_cancel(pr);
	if (x->inflight == 0)
		event_base_loopexit(x->base, NULL);
}

static void exporter_free(struct exporter *x)
{
	size_t i;

	if (x->http)
		evhttp_free(x->http);
	if (x->pool)
		mx_pool_free(x->pool);
	/* after the last probe's engine (a share left behind by a second
	 * signal keeps the context until exit) */
	mx_dns_free(x->dns);
	mx_tls_openssl_store_free(x->x509_store);
	for (i = 0; i < x->nallow; i++)
		free(x->allow[i]);
	free(x->allow);
	free(x->clients);
	mx_xsend_cfg_free(x->send); /* wipes the password */
	if (x->base)
		event_base_free(x->base);
}

int cmd_exporter(struct mx_opts *o)
{
	struct exporter x;
	struct event *ev_int = NULL, *ev_term = NULL;
	const char *listen = o->listen ? o->listen : "127.0.0.1:9425";
	char addr[64];
	uint16_t port;
	int rc = 3;

	memset(&x, 0, sizeof(x));
	x.o = o;
	x.max_probes = o->max_probes > 0 ? o->max_probes : 8;
	x.started = time(NULL);
	mx_log_init(&x.log, stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	if (o->json || o->output) {
		fprintf(stderr, "mxprobe exporter: --json and -o are not for "
				"the exporter (it answers over HTTP)\n");
		return 3;
	}
	if (mx_listen_parse(listen, addr, sizeof(addr), &port) < 0) {
		fprintf(stderr, "mxprobe exporter: bad --listen\n");
		return 3;
	}
	if (!mx_x_is_loopback(addr) && !o->listen_any) {
		fprintf(stderr,
			"mxprobe exporter: %s is not a loopback address: "
			"anyone who reaches it could make this host probe "
			"any server; add --listen-any to mean it\n",
			addr);
		return 3;
	}
	if (o->allow_file && mx_x_load_allow(&x, o->allow_file) < 0)
		goto out;
	if (mx_xsend_cfg_new(o, &x.log, &x.send) < 0)
		goto out;
	x.base = event_base_new();
	if (x.base == NULL)
		goto out;
	x.pool = mx_pool_new(x.base, o->per_host, 16);
	/* loaded once at start (probe/tls.h); restart the exporter after
	 * changing --ca-file or the system store */
	x.x509_store =
		mx_tls_openssl_store_new(o->ca_file, o->ca_path, NULL, 0);
	x.clients = mx_confirm_client_table(&x.nclients);
	{
		struct mx_dns_params dp;
		char err[256];

		memset(&dp, 0, sizeof(dp));
		dp.resolver = o->resolver;
		dp.trust_anchor = o->trust_anchor;
		dp.timeout_ms = o->timeout_s * 1000 < 10000
					? o->timeout_s * 1000
					: 10000;
		dp.log = &x.log;
		x.dns = mx_dns_new(x.base, &dp, err, sizeof(err));
		if (x.dns == NULL) {
			fprintf(stderr, "mxprobe exporter: %s\n", err);
			goto out;
		}
	}
	x.http = evhttp_new(x.base);
	if (x.pool == NULL || x.http == NULL)
		goto out;
	evhttp_set_allowed_methods(x.http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(x.http, on_request, &x);
	if (evhttp_bind_socket(x.http, addr, port) < 0) {
		fprintf(stderr, "mxprobe exporter: cannot listen on %s\n",
			listen);
		goto out;
	}
	ev_int = evsignal_new(x.base, SIGINT, on_signal, &x);
	ev_term = evsignal_new(x.base, SIGTERM, on_signal, &x);
	if (ev_int == NULL || ev_term == NULL || event_add(ev_int, NULL) < 0 ||
	    event_add(ev_term, NULL) < 0)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "mxprobe exporter: listening on http://%s/\n", listen);
	event_base_dispatch(x.base);
	rc = 0;
out:
	if (ev_int)
		event_free(ev_int);
	if (ev_term)
		event_free(ev_term);
	exporter_free(&x);
	return rc;
}
