/*
 * cmd_scan.c - `mxprobe scan -f FILE`: the targets file, --state,
 * --shard, the output and the summary (doc/scan.md); the targets in
 * flight are src/scan_run.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "analyzers/clients.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/client_play.h"
#include "probe/dns.h"
#include "probe/target.h"
#include "probe/tls.h"
#include "src/commands.h"
#include "src/scan_int.h"
#include "src/scanlist.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The targets --state FILE holds: complete lines only (a line cut by a
 * kill has no newline and is not a finished target), sorted. */
static char **read_state(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "r");
	char **v = NULL, *buf = NULL;
	size_t nv = 0, cap = 0, bcap = 0;
	ssize_t len;

	*n = 0;
	if (fp == NULL)
		return NULL;
	while ((len = getline(&buf, &bcap, fp)) > 0) {
		if (buf[len - 1] != '\n')
			break;
		buf[len - 1] = 0;
		MX_GROW(v, nv, cap);
		v[nv++] = xstrdup(buf);
	}
	free(buf);
	fclose(fp);
	if (nv > 0)
		qsort(v, nv, sizeof(*v), cmp_str);
	*n = nv;
	return v;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Read -f into s->targets: bad lines reported, duplicates and targets the
 * state holds skipped.  Returns the number of bad lines, -1 if the file
 * cannot be read. */
static long read_targets(struct scan *s, size_t *skipped)
{
	const struct mx_opts *o = s->o;
	FILE *fp = strcmp(o->scan_file, "-") == 0 ? stdin
						  : fopen(o->scan_file, "r");
	int ferr = errno; /* before anything else may change it */
	struct mx_scanlist l;
	char **done = NULL, **seen;
	size_t ndone = 0, cap = 0, i, k;
	const char *line;
	long bad = 0;
	char *fname = mx_escape_str(o->scan_file, 256);

	*skipped = 0;
	if (fp == NULL) {
		fprintf(stderr, "mxprobe scan: cannot read %s: %s\n", fname,
			strerror(ferr));
		free(fname);
		return -1;
	}
	if (o->state)
		done = read_state(o->state, &ndone);
	mx_scanlist_init(&l, fp);
	while (mx_scanlist_next_target(&l, "scan", fname, &line, &bad)) {
		if (done && bsearch(&line, done, ndone, sizeof(*done),
				    cmp_str) != NULL) {
			(*skipped)++;
			continue;
		}
		MX_GROW(s->targets, s->ntargets, cap);
		s->targets[s->ntargets++] = xstrdup(line);
	}
	mx_scanlist_clear(&l);
	free(fname);
	if (fp != stdin)
		fclose(fp);
	free_strv(done, ndone);
	/* the same target twice: probed once (the first line) */
	if (s->ntargets > 1) {
		seen = xcalloc(s->ntargets, sizeof(*seen));
		memcpy(seen, s->targets, s->ntargets * sizeof(*seen));
		qsort(seen, s->ntargets, sizeof(*seen), cmp_str);
		for (i = 1; i < s->ntargets; i++) {
			if (strcmp(seen[i], seen[i - 1]) != 0)
				continue;
			for (k = s->ntargets; k-- > 0;) /* drop the last copy */
				if (s->targets[k] == seen[i]) {
					free(s->targets[k]);
					memmove(&s->targets[k],
						&s->targets[k + 1],
						(s->ntargets - k - 1) *
							sizeof(*s->targets));
					s->ntargets--;
					break;
				}
			seen[i] = seen[i - 1];
		}
		free(seen);
	}
	return bad;
}

int mx_scan_emit(struct scan *s, const char *spec, const char *line, int status)
{
	size_t n = strlen(spec);
	char *rec;
	int rc = 0;

	if (fputs(line, s->out) == EOF || fputc('\n', s->out) == EOF ||
	    fflush(s->out) != 0)
		rc = -1;
	/* on disk before the state says the target is done (a crash must
	 * not lose a line the resume would skip); without --state the
	 * flush is enough - an fsync a line blocks the loop ~1 ms each,
	 * 10 s of a 10,000-target scan (bench/README.md, issue 12) */
	if (rc == 0 && s->out_is_file && s->state_fd >= 0)
		(void)fsync(fileno(s->out));
	if (rc == 0 && s->state_fd >= 0) {
		/* one write of the whole line, then fsync: a kill leaves
		 * either the line or a cut line (ignored on resume) */
		rec = xmalloc(n + 2);
		memcpy(rec, spec, n);
		rec[n] = '\n';
		if (write(s->state_fd, rec, n + 1) != (ssize_t)(n + 1) ||
		    fsync(s->state_fd) != 0)
			rc = -1;
		free(rec);
	}
	if (status < 0 || status > 3)
		status = 3;
	s->done++;
	s->nstatus[status]++;
	if (status >= 2)
		s->failed++;
	if (status > s->worst)
		s->worst = status;
	return rc;
}

static void engine_params(struct scan *s)
{
	const struct mx_opts *o = s->o;
	struct mx_engine_params *ep = &s->ep;

	memset(ep, 0, sizeof(*ep));
	ep->resolver = o->resolver;
	ep->trust_anchor = o->trust_anchor;
	ep->helo = s->helo;
	ep->step_timeout_ms = o->timeout_s * 1000;
	ep->endpoint_deadline_ms = o->deadline_s * 1000;
	ep->dns_timeout_ms = o->timeout_s * 1000 < 10000 ? o->timeout_s * 1000
							 : 10000;
	ep->pool = s->pool;
	ep->tls = &mx_tls_openssl;
	ep->tls_params.ca_file = o->ca_file;
	ep->tls_params.ca_path = o->ca_path;
	/* one trust store for the whole scan (probe/tls.h): loading the
	 * system store per connection cost ~20 ms each; NULL on failure,
	 * and each session then loads and reports it */
	ep->tls_params.x509_store =
		mx_tls_openssl_store_new(o->ca_file, o->ca_path, NULL, 0);
	/* as check: gather facts whatever the server offers */
	ep->tls_params.security_level = 0;
	ep->tls_params.cipher_list = "ALL:@SECLEVEL=0";
	ep->tls_params.min_version = 0x0301;
	ep->log = &s->log;
	if (o->deep) {
		ep->enumerate = MX_ENGINE_ENUM_COMPLETED;
		ep->hello_timeout_ms = o->timeout_s < 10 ? o->timeout_s * 1000
							 : 10000;
		ep->job_deadline_ms = o->deadline_s * 2000;
		ep->simulate = mx_clients_simulate;
	}
}

/* The DNS context every target's run shares (issue 12 point 1: DNS
 * answers cached across targets); 0 or -1 after printing why. */
static int scan_dns(struct scan *s)
{
	struct mx_dns_params dp;
	char err[256];

	memset(&dp, 0, sizeof(dp));
	dp.resolver = s->ep.resolver;
	dp.trust_anchor = s->ep.trust_anchor;
	dp.timeout_ms = s->ep.dns_timeout_ms;
	dp.log = s->ep.log;
	s->ep.dns = mx_dns_new(s->base, &dp, err, sizeof(err));
	if (s->ep.dns == NULL) {
		fprintf(stderr, "mxprobe scan: %s\n", err);
		return -1;
	}
	return 0;
}

static int open_output(struct scan *s)
{
	const struct mx_opts *o = s->o;

	s->state_fd = -1;
	if (o->jsonl == NULL || strcmp(o->jsonl, "-") == 0) {
		s->out = stdout;
	} else {
		/* appended: a resumed scan adds to what the first wrote */
		s->out = fopen(o->jsonl, "a");
		if (s->out == NULL) {
			fprintf(stderr, "mxprobe scan: cannot write %s: %s\n",
				o->jsonl, strerror(errno));
			return -1;
		}
		s->out_is_file = 1;
	}
	if (o->state) {
		s->state_fd =
			open(o->state, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (s->state_fd < 0) {
			fprintf(stderr, "mxprobe scan: cannot write %s: %s\n",
				o->state, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static const char *scan_helo(const struct mx_opts *o, char *hn, size_t len)
{
	if (o->helo)
		return o->helo;
	if (gethostname(hn, len) == 0 && memchr(hn, 0, len) &&
	    strchr(hn, '.') != NULL)
		return hn;
	return "mxprobe.invalid";
}

int cmd_scan(struct mx_opts *o)
{
	struct scan s;
	struct mx_confirm_client *clients = NULL;
	size_t nclients = 0, skipped = 0, listed;
	char hn[256];
	long bad;
	int rc = 0;

	if (o->scan_file == NULL) {
		fprintf(stderr, "mxprobe scan: name the targets file with -f "
				"FILE (or -f - for standard input)\n");
		return 3;
	}
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.state_fd = -1;
	s.helo = scan_helo(o, hn, sizeof(hn));
	s.window = o->concurrency > 0 ? o->concurrency : 16;
	mx_log_init(&s.log, stderr,
		    o->verbose ? MX_LOG_INFO + o->verbose - 1 : MX_LOG_WARN,
		    o->trace);
	bad = read_targets(&s, &skipped);
	if (bad < 0)
		return 3;
	s.base = event_base_new();
	if (s.base == NULL) {
		fprintf(stderr, "mxprobe: cannot create the event loop\n");
		free_strv(s.targets, s.ntargets);
		return 3;
	}
	s.pool = mx_pool_new(s.base, o->per_host, s.window);
	mx_pool_set_rate(s.pool, o->rate_per_host > 0 ? o->rate_per_host : 1);
	engine_params(&s);
	if (o->deep) {
		clients = mx_confirm_client_table(&nclients);
		s.ep.clients = clients;
		s.ep.nclients = nclients;
	}
	s.t0 = mx_now_ms();
	listed = s.ntargets;
	/* one DNS context for the whole scan (scan_run.c) */
	if (scan_dns(&s) < 0)
		rc = -1;
	if (rc == 0 && o->shard_n > 0 && mx_scan_shard(&s) < 0)
		rc = -1;
	s.total = s.ntargets;
	s.show_progress = isatty(STDERR_FILENO) && !o->verbose && !o->trace &&
			  getenv("TERM") != NULL &&
			  strcmp(getenv("TERM"), "dumb") != 0;
	if (rc == 0 && open_output(&s) < 0)
		rc = -1;
	if (rc == 0)
		rc = mx_scan_probe(&s);
	fprintf(stderr,
		"mxprobe scan: %zu target%s done in %.1fs: %zu ok, %zu "
		"warning, %zu critical, %zu unknown; %ld bad line%s, %zu "
		"already in the state file, %zu in other shards%s%s\n",
		s.done, s.done == 1 ? "" : "s",
		(double)(mx_now_ms() - s.t0) / 1000.0, s.nstatus[0],
		s.nstatus[1], s.nstatus[2], s.nstatus[3], bad,
		bad == 1 ? "" : "s", skipped, listed - s.ntargets,
		s.interrupted ? "; interrupted, " : "",
		s.interrupted ? "the rest is not recorded" : "");
	if (s.out && s.out != stdout && fclose(s.out) != 0)
		s.write_failed = 1;
	if (s.out == stdout && fflush(stdout) != 0)
		s.write_failed = 1;
	if (s.state_fd >= 0)
		close(s.state_fd);
	mx_dns_free(s.ep.dns); /* after the last engine */
	mx_pool_free(s.pool);
	mx_tls_openssl_store_free(s.ep.tls_params.x509_store);
	free(clients);
	event_base_free(s.base);
	free_strv(s.targets, s.ntargets);
	if (rc < 0 || s.write_failed || s.interrupted)
		return 3;
	return s.worst;
}
