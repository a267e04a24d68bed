/*
 * finding.c - finding instances; see finding.h.
 */
#include "model/finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/severity.h"

struct mx_finding *mx_findings_add(struct mx_findings *fs, const char *id,
				   const char *where, const char *fmt, ...)
{
	const struct mx_finding_def *def = mx_finding_def(id);
	struct mx_finding *f;
	va_list ap;
	char *ev = NULL;

	if (def == NULL)
		mx_fatal(__func__, id);
	MX_GROW(fs->v, fs->n, fs->cap);
	f = &fs->v[fs->n++];
	memset(f, 0, sizeof(*f));
	f->def = def;
	f->severity = def->severity;
	f->where = xstrdup(where ? where : "");
	if (fmt) {
		va_start(ap, fmt);
		if (vasprintf(&ev, fmt, ap) < 0)
			mx_fatal(__func__, "out of memory");
		va_end(ap);
	}
	f->evidence = ev ? ev : xstrdup("");
	return f;
}

void mx_finding_set_fix(struct mx_finding *f, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		mx_fatal(__func__, "out of memory");
	va_end(ap);
	free(f->fix);
	f->fix = s;
}

int mx_findings_has(const struct mx_findings *fs, const char *id)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].def->id, id) == 0)
			return 1;
	return 0;
}

enum mx_severity mx_findings_worst(const struct mx_findings *fs)
{
	enum mx_severity w = MX_SEV_OK;
	size_t i;

	for (i = 0; i < fs->n; i++)
		w = mx_severity_worse(w, fs->v[i].severity);
	return w;
}

void mx_findings_clear(struct mx_findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].where);
		free(fs->v[i].evidence);
		free(fs->v[i].fix);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

const char *mx_severity_name(enum mx_severity s)
{
	switch (s) {
	case MX_SEV_OK:
		return "ok";
	case MX_SEV_INFO:
		return "info";
	case MX_SEV_WARN:
		return "warning";
	case MX_SEV_CRIT:
		return "critical";
	case MX_SEV_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}
