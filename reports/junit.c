/*
 * junit.c - JUnit XML; see junit.h.
 */
#include "reports/junit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "model/severity.h"

void mx_junit_escape(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&apos;", fp);
			break;
		default:
			/* XML 1.0 allows tab and newline; the rest of the
			 * C0 range and DEL are not wanted, and bytes above
			 * ASCII could break UTF-8 */
			if ((ch < 0x20 && ch != '\t' && ch != '\n') ||
			    ch > 0x7e)
				fputc('?', fp);
			else
				fputc(ch, fp);
		}
	}
}

struct counts {
	size_t tests, failures, errors, skipped;
};

static void case_open(FILE *fp, const char *cls, const char *ep,
		      const char *name, int64_t ms)
{
	fputs("    <testcase classname=\"mxprobe.", fp);
	mx_junit_escape(fp, cls);
	if (ep) {
		fputc('.', fp);
		mx_junit_escape(fp, ep);
	}
	fputs("\" name=\"", fp);
	mx_junit_escape(fp, name);
	fprintf(fp, "\" time=\"%lld.%03lld\"", (long long)(ms / 1000),
		(long long)(ms % 1000));
}

static const char *const col_check[MX_COL__N] = {
	[MX_COL_CONNECT] = "connect",	 [MX_COL_BANNER] = "greeting",
	[MX_COL_EHLO] = "ehlo",		 [MX_COL_TLS_OFFERED] = "starttls",
	[MX_COL_TLS_NEGOTIATED] = "tls", [MX_COL_CERT] = "certificate",
	[MX_COL_NAME] = "name",		 [MX_COL_DANE] = "dane",
};

static int64_t col_ms(const struct mx_endpoint *ep, int col)
{
	const struct mx_step *st = NULL;

	switch (col) {
	case MX_COL_CONNECT:
		st = &ep->smtp.connect;
		break;
	case MX_COL_BANNER:
		st = &ep->smtp.banner;
		break;
	case MX_COL_EHLO:
		st = &ep->smtp.ehlo;
		break;
	case MX_COL_TLS_OFFERED:
		st = &ep->smtp.starttls;
		break;
	case MX_COL_TLS_NEGOTIATED:
		st = &ep->smtp.tls;
		break;
	default:
		return 0;
	}
	return st->ms > 0 ? st->ms : 0;
}

/* The findings of fs with this id, as lines "where: evidence". */
static void finding_lines(FILE *fp, const struct mx_findings *fs,
			  const char *id, enum mx_severity only)
{
	size_t j;

	for (j = 0; j < fs->n; j++) {
		const struct mx_finding *f = &fs->v[j];

		if (strcmp(f->def->id, id) != 0 || f->severity != only)
			continue;
		mx_junit_escape(fp, mx_severity_name(f->severity));
		fputs(": ", fp);
		mx_junit_escape(fp, f->where ? f->where : "-");
		fputs(": ", fp);
		mx_junit_escape(fp, f->evidence ? f->evidence : "");
		fputc('\n', fp);
	}
}

/* One testcase per finding id seen in fs (in first-seen order). */
static void finding_cases(FILE *fp, const struct mx_findings *fs,
			  const char *cls, const char *ep, struct counts *c)
{
	size_t j, k;

	for (j = 0; j < fs->n; j++) {
		const char *id = fs->v[j].def->id;
		enum mx_severity worst = MX_SEV_OK;
		const struct mx_finding *first = NULL;
		int seen = 0;

		for (k = 0; k < j && !seen; k++)
			seen = strcmp(fs->v[k].def->id, id) == 0;
		if (seen)
			continue;
		for (k = j; k < fs->n; k++)
			if (strcmp(fs->v[k].def->id, id) == 0)
				worst = mx_severity_worse(worst,
							  fs->v[k].severity);
		for (k = j; k < fs->n && first == NULL; k++)
			if (strcmp(fs->v[k].def->id, id) == 0 &&
			    fs->v[k].severity == worst)
				first = &fs->v[k];
		c->tests++;
		case_open(fp, cls, ep, id, 0);
		fputs(">\n", fp);
		if (worst == MX_SEV_CRIT || worst == MX_SEV_UNKNOWN) {
			const char *el = worst == MX_SEV_CRIT ? "failure"
							      : "error";

			if (worst == MX_SEV_CRIT)
				c->failures++;
			else
				c->errors++;
			fprintf(fp, "      <%s message=\"", el);
			mx_junit_escape(fp, first->def->title);
			fputs(": ", fp);
			mx_junit_escape(fp, first->evidence);
			fputs("\" type=\"", fp);
			mx_junit_escape(fp, id);
			fputs("\">", fp);
			finding_lines(fp, fs, id, worst);
			fprintf(fp, "</%s>\n", el);
		}
		fputs("      <system-out>", fp);
		for (k = MX_SEV_INFO; k <= MX_SEV_WARN; k++)
			finding_lines(fp, fs, id, (enum mx_severity)k);
		fputs("</system-out>\n    </testcase>\n", fp);
	}
}

static void endpoint_cases(FILE *fp, const struct mx_target *t,
			   const struct mx_endpoint *ep, struct counts *c)
{
	char name[300];
	int col;

	snprintf(name, sizeof(name), "%s%s%s:%u",
		 ep->family == AF_INET6 ? "[" : "", ep->addr ? ep->addr : "?",
		 ep->family == AF_INET6 ? "]" : "", (unsigned)ep->port);
	for (col = 0; col < MX_COL__N; col++) {
		c->tests++;
		case_open(fp, t->spec, name, col_check[col], col_ms(ep, col));
		switch (ep->col[col]) {
		case MX_V_NONE:
			c->skipped++;
			fputs(">\n      <skipped message=\"not reached or not "
			      "applicable\"/>\n    </testcase>\n",
			      fp);
			break;
		case MX_V_FAIL:
			c->failures++;
			fprintf(fp,
				">\n      <failure message=\"%s failed "
				"(see the critical findings of ",
				col_check[col]);
			mx_junit_escape(fp, name);
			fputs(")\" type=\"verdict\"/>\n    </testcase>\n", fp);
			break;
		case MX_V_WARN:
			fputs(">\n      <system-out>warning (see the findings)"
			      "</system-out>\n    </testcase>\n",
			      fp);
			break;
		default:
			fputs("/>\n", fp);
		}
	}
	finding_cases(fp, &ep->findings, t->spec, name, c);
}

static void suite_body(FILE *fp, const struct mx_target *t, struct counts *c)
{
	size_t k;

	if (t->nendpoints == 0) {
		c->tests++;
		c->skipped++;
		case_open(fp, t->spec, NULL, "endpoints", t->dns_ms);
		fputs(">\n      <skipped message=\"no endpoint to test\"/>\n"
		      "    </testcase>\n",
		      fp);
	}
	finding_cases(fp, &t->findings, t->spec, NULL, c);
	for (k = 0; k < t->nendpoints; k++)
		endpoint_cases(fp, t, &t->endpoints[k], c);
}

int mx_report_junit(FILE *fp, const struct mx_run *run)
{
	struct counts all = {0, 0, 0, 0}, *c;
	char stamp[32] = "1970-01-01T00:00:00";
	struct tm tm;
	char **buf;
	size_t *len, i;
	int64_t ms = run->elapsed_ms > 0 ? run->elapsed_ms : 0;
	int rc = 0;

	if (gmtime_r(&run->started, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* the totals come first: each suite is written to memory and
	 * counted, then the root element, then the suites */
	buf = calloc(run->ntargets + 1, sizeof(*buf));
	len = calloc(run->ntargets + 1, sizeof(*len));
	c = calloc(run->ntargets + 1, sizeof(*c));
	if (buf == NULL || len == NULL || c == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < run->ntargets; i++) {
		FILE *mem = open_memstream(&buf[i], &len[i]);

		if (mem == NULL) {
			rc = -1;
			break;
		}
		suite_body(mem, &run->targets[i], &c[i]);
		if (fclose(mem) != 0)
			rc = -1;
		all.tests += c[i].tests;
		all.failures += c[i].failures;
		all.errors += c[i].errors;
		all.skipped += c[i].skipped;
	}
	if (rc == 0) {
		fprintf(fp,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<testsuites name=\"mxprobe\" tests=\"%zu\" "
			"failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
			"time=\"%lld.%03lld\">\n",
			all.tests, all.failures, all.errors, all.skipped,
			(long long)(ms / 1000), (long long)(ms % 1000));
		for (i = 0; i < run->ntargets; i++) {
			fputs("  <testsuite name=\"", fp);
			mx_junit_escape(fp, run->targets[i].spec);
			fprintf(fp,
				"\" tests=\"%zu\" failures=\"%zu\" "
				"errors=\"%zu\" skipped=\"%zu\" "
				"time=\"%lld.%03lld\" timestamp=\"%s\">\n",
				c[i].tests, c[i].failures, c[i].errors,
				c[i].skipped, (long long)(ms / 1000),
				(long long)(ms % 1000), stamp);
			fwrite(buf[i], 1, len[i], fp);
			fputs("  </testsuite>\n", fp);
		}
		fputs("</testsuites>\n", fp);
	}
	for (i = 0; buf && i < run->ntargets; i++)
		free(buf[i]);
	free(buf);
	free(len);
	free(c);
	if (ferror(fp))
		rc = -1;
	return rc;
}
