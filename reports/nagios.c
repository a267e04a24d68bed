/*
 * nagios.c - the monitoring-plugin status line; see nagios.h.
 */
#include "reports/nagios.h"

#include <string.h>
#include <sys/socket.h>

#include "model/severity.h"

const char *mx_nagios_status_word(enum mx_exit e)
{
	switch (e) {
	case MX_EXIT_OK:
		return "OK";
	case MX_EXIT_WARNING:
		return "WARNING";
	case MX_EXIT_CRITICAL:
		return "CRITICAL";
	default:
		return "UNKNOWN";
	}
}

/* Text for the status line: no '|' (perfdata separator), no line break,
 * nothing outside printable ASCII. */
static void put_line_text(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '|')
			fputc('/', fp);
		else if (ch < 0x20 || ch > 0x7e)
			fputc('?', fp);
		else
			fputc(ch, fp);
	}
}

/* A perfdata label between single quotes: no quote, no '=', printable
 * ASCII only (the guidelines reserve both in labels). */
static void put_label_text(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\'' || ch == '=' || ch == '|' || ch < 0x20 ||
		    ch > 0x7e)
			fputc('_', fp);
		else
			fputc(ch, fp);
	}
}

typedef void (*finding_fn)(const struct mx_finding *f, void *arg);

static void each_finding(const struct mx_run *run, finding_fn fn, void *arg)
{
	size_t i, k, j;

	for (i = 0; i < run->ntargets; i++) {
		const struct mx_target *t = &run->targets[i];

		for (j = 0; j < t->findings.n; j++)
			fn(&t->findings.v[j], arg);
		for (k = 0; k < t->nendpoints; k++)
			for (j = 0; j < t->endpoints[k].findings.n; j++)
				fn(&t->endpoints[k].findings.v[j], arg);
	}
}

static void find_worst(const struct mx_finding *f, void *arg)
{
	enum mx_severity *w = arg;

	*w = mx_severity_worse(*w, f->severity);
}

struct summary {
	FILE *fp;
	enum mx_severity worst;
	const struct mx_finding *shown[MX_NAGIOS_MAX_IDS];
	size_t nshown, more;
};

static void summarize(const struct mx_finding *f, void *arg)
{
	struct summary *s = arg;

	if (f->severity != s->worst)
		return;
	if (s->nshown == MX_NAGIOS_MAX_IDS) {
		s->more++;
		return;
	}
	s->shown[s->nshown++] = f;
}

static void long_line(const struct mx_finding *f, void *arg)
{
	FILE *fp = arg;

	if (mx_severity_rank(f->severity) <= mx_severity_rank(MX_SEV_INFO))
		return;
	fprintf(fp, "[%s] %s at ",
		f->severity == MX_SEV_CRIT   ? "CRITICAL"
		: f->severity == MX_SEV_WARN ? "WARNING"
					     : "UNKNOWN",
		f->def->id);
	put_line_text(fp, f->where ? f->where : "-");
	fputs(": ", fp);
	put_line_text(fp, f->evidence ? f->evidence : "");
	fputc('\n', fp);
}

static size_t count_endpoints(const struct mx_run *run)
{
	size_t i, n = 0;

	for (i = 0; i < run->ntargets; i++)
		n += run->targets[i].nendpoints;
	return n;
}

static void put_summary(FILE *fp, const struct mx_run *run)
{
	struct summary s = {fp, MX_SEV_OK, {NULL}, 0, 0};
	size_t i, nep = count_endpoints(run);

	each_finding(run, find_worst, &s.worst);
	if (mx_severity_rank(s.worst) > mx_severity_rank(MX_SEV_INFO))
		each_finding(run, summarize, &s);
	if (s.nshown == 0) {
		if (run->ntargets == 0) {
			fputs("no target", fp);
			return;
		}
		put_line_text(fp, run->targets[0].spec);
		if (run->ntargets > 1)
			fprintf(fp, " and %zu more", run->ntargets - 1);
		fprintf(fp, ": %zu endpoint%s, %s", nep, nep == 1 ? "" : "s",
			run->interrupted ? "interrupted"
			: nep == 0	 ? "nothing tested"
					 : "no problem found");
		return;
	}
	for (i = 0; i < s.nshown; i++) {
		if (i > 0)
			fputs(", ", fp);
		fputs(s.shown[i]->def->id, fp);
		fputs(" at ", fp);
		put_line_text(fp, s.shown[i]->where ? s.shown[i]->where : "-");
	}
	if (s.more > 0)
		fprintf(fp, " (+%zu more)", s.more);
}

/* Has an earlier endpoint the same address and port?  Counts them, for
 * a unique label. */
static size_t earlier_same(const struct mx_run *run, size_t ti, size_t ki)
{
	const struct mx_endpoint *ep = &run->targets[ti].endpoints[ki];
	size_t i, k, n = 0;

	for (i = 0; i <= ti; i++)
		for (k = 0; k < run->targets[i].nendpoints; k++) {
			const struct mx_endpoint *o =
				&run->targets[i].endpoints[k];

			if (i == ti && k == ki)
				return n;
			if (o->port == ep->port && o->addr && ep->addr &&
			    strcmp(o->addr, ep->addr) == 0)
				n++;
		}
	return n;
}

static void put_steps(FILE *fp, const struct mx_run *run, size_t ti, size_t ki)
{
	const struct mx_endpoint *ep = &run->targets[ti].endpoints[ki];
	const struct {
		const char *name;
		const struct mx_step *st;
	} steps[] = {
		{"connect", &ep->smtp.connect},
		{"greeting", &ep->smtp.banner},
		{"ehlo", &ep->smtp.ehlo},
		{"starttls", &ep->smtp.starttls},
		{"tls", &ep->smtp.tls},
	};
	size_t n = earlier_same(run, ti, ki), i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].st->state != MX_STEP_OK &&
		    steps[i].st->state != MX_STEP_FAILED)
			continue;
		fputs(" '", fp);
		if (ep->family == AF_INET6)
			fputc('[', fp);
		put_label_text(fp, ep->addr ? ep->addr : "?");
		if (ep->family == AF_INET6)
			fputc(']', fp);
		fprintf(fp, ":%u", (unsigned)ep->port);
		if (n > 0)
			fprintf(fp, "#%zu", n + 1);
		fprintf(fp, " %s'=%lldms;;;0", steps[i].name,
			(long long)(steps[i].st->ms < 0 ? 0 : steps[i].st->ms));
	}
}

int mx_report_nagios(FILE *fp, const struct mx_run *run)
{
	size_t i, k;

	fprintf(fp, "MXPROBE %s - ", mx_nagios_status_word(run->exit_status));
	put_summary(fp, run);
	fprintf(fp, "|time=%lld.%03llds;;;0",
		(long long)(run->elapsed_ms < 0 ? 0 : run->elapsed_ms / 1000),
		(long long)(run->elapsed_ms < 0 ? 0 : run->elapsed_ms % 1000));
	if (run->cert_days_known) {
		fprintf(fp, " days_left=%ld;%d:;", run->cert_days_left,
			run->cert_warn_days);
		if (run->cert_crit_days > 0)
			fprintf(fp, "%d:", run->cert_crit_days);
		fputs(";;", fp);
	}
	for (i = 0; i < run->ntargets; i++)
		for (k = 0; k < run->targets[i].nendpoints; k++)
			put_steps(fp, run, i, k);
	fputc('\n', fp);
	each_finding(run, long_line, fp);
	return ferror(fp) ? -1 : 0;
}
