/*
 * finding.h - the finding vocabulary: stable ids, severities, instances.
 *
 * A finding is a judgement an analyzer made: a stable id (what CI health
 * checks assert on, e.g. "cert.hostname_mismatch"), a severity, the
 * evidence that led to it and the fix.  The catalogue (catalogue.c) is the
 * one table of every id with its default severity, title, generic fix and
 * reference; doc/findings.md is written from the same facts and a unit
 * test checks they agree.
 *
 * Ownership: a struct mx_findings owns its findings and their strings;
 * `def` points into the static catalogue and is never freed.
 */
#ifndef MX_MODEL_FINDING_H
#define MX_MODEL_FINDING_H

#include <stddef.h>

enum mx_severity {
	MX_SEV_OK = 0, /* nothing to report (used for "worst") */
	MX_SEV_INFO,
	MX_SEV_WARN,
	MX_SEV_CRIT,
	MX_SEV_UNKNOWN, /* could not test (exit status 3) */
};

struct mx_finding_def {
	const char *id; /* stable, dotted: "kex.temp_key_weak" */
	enum mx_severity severity;
	const char *title;     /* one line, what is wrong */
	const char *fix;       /* generic fix */
	const char *reference; /* RFC section or document */
};

struct mx_finding {
	const struct mx_finding_def *def;
	enum mx_severity severity; /* usually def->severity */
	char *where;	/* "mx1.lab.test [127.0.0.31]:25" or domain */
	char *evidence; /* what was seen (already escaped) */
	char *fix;	/* specific fix, or NULL to use def->fix */
};

struct mx_findings {
	struct mx_finding *v;
	size_t n, cap;
};

/* Catalogue lookup; NULL for an unknown id. */
const struct mx_finding_def *mx_finding_def(const char *id);
/* The whole catalogue, for docs and tests. */
const struct mx_finding_def *mx_finding_catalogue(size_t *n);

/* Add a finding by id (aborts on an unknown id: a programming error).
 * `evidence` is a printf format; its arguments must be escaped text. */
struct mx_finding *mx_findings_add(struct mx_findings *fs, const char *id,
				   const char *where, const char *evidence_fmt,
				   ...) __attribute__((format(printf, 4, 5)));
void mx_finding_set_fix(struct mx_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mx_findings_has(const struct mx_findings *fs, const char *id);
/* The worst severity in fs by mx_severity_rank() (model/severity.h). */
enum mx_severity mx_findings_worst(const struct mx_findings *fs);
void mx_findings_clear(struct mx_findings *fs);

const char *mx_severity_name(enum mx_severity s);

#endif
