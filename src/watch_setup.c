/*
 * watch_setup.c - `mxprobe watch`: the targets (command line and -f
 * FILE, read as scan reads it), the engine parameters every probe shares
 * (one pool, one trust store; `e` and --deep as check --deep), the
 * history file (src/history_path.h, store/history.h), and their release
 * (see watch_int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/clients.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/client_play.h"
#include "probe/dns.h"
#include "probe/engine.h"
#include "probe/target.h"
#include "probe/tls.h"
#include "src/commands.h"
#include "src/history_path.h"
#include "src/scanlist.h"
#include "src/watch_int.h"
#include "store/history.h"

static void add_target(struct watch *w, size_t *cap, const char *spec)
{
	size_t i;

	for (i = 0; i < w->nt; i++)
		if (strcmp(w->t[i].spec, spec) == 0)
			return; /* the same target twice: watched once */
	MX_GROW(w->t, w->nt, *cap);
	memset(&w->t[w->nt], 0, sizeof(w->t[w->nt]));
	w->t[w->nt].spec = xstrdup(spec);
	w->nt++;
}

/* -f FILE: one target a line, as scan reads it; bad lines reported and
 * skipped.  0 or -1 when the file cannot be read. */
static int read_file(struct watch *w, size_t *cap, char *err, size_t errlen)
{
	const char *path = w->o->scan_file;
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *fname = mx_escape_str(path, 256);
	struct mx_scanlist l;
	const char *line;
	long bad = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", fname,
			 strerror(errno));
		free(fname);
		return -1;
	}
	mx_scanlist_init(&l, fp);
	while (mx_scanlist_next_target(&l, "watch", fname, &line, &bad))
		add_target(w, cap, line);
	mx_scanlist_clear(&l);
	free(fname);
	if (fp != stdin)
		fclose(fp);
	return 0;
}

static void engine_params(struct watch *w)
{
	const struct mx_opts *o = w->o;
	struct mx_engine_params *ep = &w->ep;
	char err[256];

	memset(ep, 0, sizeof(*ep));
	ep->resolver = o->resolver;
	ep->trust_anchor = o->trust_anchor;
	ep->helo = w->helo;
	ep->step_timeout_ms = o->timeout_s * 1000;
	ep->endpoint_deadline_ms = o->deadline_s * 1000;
	ep->dns_timeout_ms = o->timeout_s * 1000 < 10000 ? o->timeout_s * 1000
							 : 10000;
	ep->pool = w->pool;
	ep->tls = &mx_tls_openssl;
	ep->tls_params.ca_file = o->ca_file;
	ep->tls_params.ca_path = o->ca_path;
	/* one trust store for every session of every probe */
	ep->tls_params.x509_store = mx_tls_openssl_store_new(
		o->ca_file, o->ca_path, err, sizeof(err));
	/* gather facts as check does; the analyzers judge */
	ep->tls_params.security_level = 0;
	ep->tls_params.cipher_list = "ALL:@SECLEVEL=0";
	ep->tls_params.min_version = 0x0301;
	ep->log = &w->log;
	/* `e` and --deep: as check --deep */
	w->ep_deep = *ep;
	w->ep_deep.enumerate = MX_ENGINE_ENUM_COMPLETED;
	w->ep_deep.hello_timeout_ms = o->timeout_s < 10 ? o->timeout_s * 1000
							: 10000;
	w->ep_deep.job_deadline_ms = o->deadline_s * 2000;
	w->clients = mx_confirm_client_table(&w->nclients);
	w->ep_deep.clients = w->clients;
	w->ep_deep.nclients = w->nclients;
	w->ep_deep.simulate = mx_clients_simulate;
}

int mx_watch_setup(struct watch *w, char *err, size_t errlen)
{
	const struct mx_opts *o = w->o;
	size_t cap = 0, i;
	char hn[256];
	int k;

	for (k = 0; k < o->nargs; k++)
		add_target(w, &cap, o->args[k]);
	if (o->scan_file != NULL && read_file(w, &cap, err, errlen) < 0)
		return -1;
	if (w->nt == 0) {
		snprintf(err, errlen,
			 "no target to watch (name one, or -f FILE; try "
			 "'mxprobe watch --help')");
		return -1;
	}
	if (o->helo)
		w->helo = xstrdup(o->helo);
	else if (gethostname(hn, sizeof(hn)) == 0 &&
		 memchr(hn, 0, sizeof(hn)) && strchr(hn, '.') != NULL)
		w->helo = xstrdup(hn);
	else
		w->helo = xstrdup("mxprobe.invalid");
	w->interval_s = o->interval_s > 0 ? o->interval_s : 300;
	w->rng = (uint64_t)mx_now_ms() * 0x9E3779B97F4A7C15ull ^
		 (uint64_t)getpid();
	if (w->rng == 0)
		w->rng = 1;
	if (!o->no_history) {
		w->hist_path = mx_cli_history_path(o, err, errlen);
		if (w->hist_path == NULL)
			return -1;
		w->hist = mx_history_open(w->hist_path, 0, err, errlen);
		if (w->hist == NULL)
			return -1;
	}
	w->pool = mx_pool_new(w->base, o->per_host, 16);
	engine_params(w);
	/* one DNS context for the whole watch: every probe of every target
	 * asks through it (a share each), so its caches serve them all */
	{
		struct mx_dns_params dp;

		memset(&dp, 0, sizeof(dp));
		dp.resolver = w->ep.resolver;
		dp.trust_anchor = w->ep.trust_anchor;
		dp.timeout_ms = w->ep.dns_timeout_ms;
		dp.log = w->ep.log;
		w->ep.dns = mx_dns_new(w->base, &dp, err, errlen);
		if (w->ep.dns == NULL)
			return -1;
		w->ep_deep.dns = w->ep.dns;
	}
	for (i = 0; i < w->nt; i++) {
		w->t[i].w = w;
		w->t[i].index = i;
		w->t[i].timer = mx_watch_timer_new(&w->t[i]);
		if (w->t[i].timer == NULL) {
			snprintf(err, errlen, "cannot make a timer");
			return -1;
		}
	}
	return 0;
}

void mx_watch_teardown(struct watch *w)
{
	size_t i, k;

	for (i = 0; i < w->nt; i++) {
		struct wtarget *tg = &w->t[i];

		if (tg->timer)
			event_free(tg->timer);
		mx_engine_free(tg->engine);
		mx_run_free(tg->cur);
		mx_run_free(tg->run);
		for (k = 0; k < tg->neps; k++)
			mx_watch_wep_clear(&tg->eps[k]);
		free(tg->eps);
		free(tg->epmap);
		free(tg->spec);
	}
	for (i = 0; i < w->nstale; i++)
		mx_run_free(w->stale[i]);
	free(w->stale);
	w->stale = NULL;
	w->nstale = 0;
	free(w->t);
	free(w->rows);
	mx_dns_free(w->ep.dns); /* after the last engine */
	w->ep.dns = w->ep_deep.dns = NULL;
	mx_cli_capture_free(w->cap);
	if (w->pool)
		mx_pool_free(w->pool);
	mx_tls_openssl_store_free(w->ep.tls_params.x509_store);
	free(w->clients);
	if (w->hist)
		mx_history_close(w->hist);
	free(w->hist_path);
	free(w->helo);
}
