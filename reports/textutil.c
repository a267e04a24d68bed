/*
 * textutil.c - output helpers shared by the text renderers; see
 * textutil.h.
 */
#include "reports/textutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "reports/util.h"

void mx_out_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		fputc((ch >= 0x20 && ch < 0x7f) || ch == '\n' ? ch : '?', out);
	}
}

void mx_out_fmt(FILE *out, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		mx_fatal(__func__, "out of memory");
	va_end(ap);
	mx_out_text(out, s);
	free(s);
}

const char *mx_nz(const char *s, const char *dflt)
{
	return s && s[0] ? s : dflt;
}

void mx_out_field(FILE *out, const char *indent, const char *label,
		  const char *value)
{
	const char *p = value ? value : "";
	size_t lw = strlen(label);

	mx_out_fmt(out, "%s%-*s ", indent, 14, label);
	for (;;) {
		const char *nl = strchr(p, '\n');
		char *line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);

		mx_out_text(out, line);
		mx_out_text(out, "\n");
		free(line);
		if (nl == NULL)
			break;
		p = nl + 1;
		mx_out_fmt(out, "%s%-*s ", indent, 14 > (int)lw ? 14 : (int)lw,
			   "");
	}
}

const char *mx_colour_code(int color, enum mx_colour c)
{
	static const char *const ansi[] = {
		[MX_C_NONE] = "",
		[MX_C_GREEN] = "\033[32m",
		[MX_C_YELLOW] = "\033[33m",
		[MX_C_RED] = "\033[1;31m",
		[MX_C_MAGENTA] = "\033[35m",
		[MX_C_CYAN] = "\033[36m",
		[MX_C_BOLD] = "\033[1m",
	};

	if (!color || (size_t)c >= sizeof(ansi) / sizeof(ansi[0]))
		return "";
	return ansi[c];
}

const char *mx_colour_reset(int color, enum mx_colour c)
{
	return color && c != MX_C_NONE ? "\033[0m" : "";
}

void mx_colour_on(FILE *out, int color, enum mx_colour c)
{
	fputs(mx_colour_code(color, c), out);
}

void mx_colour_off(FILE *out, int color, enum mx_colour c)
{
	fputs(mx_colour_reset(color, c), out);
}

enum mx_colour mx_severity_colour(enum mx_severity s)
{
	static const enum mx_colour c[] = {
		[MX_SEV_OK] = MX_C_GREEN,	 [MX_SEV_INFO] = MX_C_CYAN,
		[MX_SEV_WARN] = MX_C_YELLOW,	 [MX_SEV_CRIT] = MX_C_RED,
		[MX_SEV_UNKNOWN] = MX_C_MAGENTA,
	};
	return (size_t)s < sizeof(c) / sizeof(c[0]) ? c[s] : MX_C_NONE;
}

void mx_upper(const char *in, char *out, size_t len)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (in[i] >= 'a' && in[i] <= 'z') ? (char)(in[i] - 32)
							: in[i];
	out[i] = '\0';
}

void mx_out_finding(FILE *out, int color, const struct mx_finding *f)
{
	enum mx_colour c = mx_severity_colour(f->severity);
	char sev[16];

	mx_upper(mx_severity_name(f->severity), sev, sizeof(sev));
	mx_out_text(out, "\n");
	mx_colour_on(out, color, c);
	mx_out_fmt(out, "%-8s", sev);
	mx_colour_off(out, color, c);
	mx_out_fmt(out, " %s  %s\n", f->def->id, mx_nz(f->where, "-"));
	mx_out_fmt(out, "  %s\n", f->def->title);
	mx_out_field(out, "  ", "Evidence:", mx_nz(f->evidence, "-"));
	mx_out_field(out, "  ", "Fix:", f->fix ? f->fix : f->def->fix);
	mx_out_field(out, "  ", "Reference:", mx_nz(f->def->reference, "-"));
}

void mx_out_findings(FILE *out, int color, const struct mx_finding *const *v,
		     size_t n)
{
	size_t i;

	mx_out_text(out, n == 0 ? "\nFindings: none\n" : "\nFindings:\n");
	for (i = 0; i < n; i++)
		mx_out_finding(out, color, v[i]);
}

void mx_out_status(FILE *out, int color, int exit_status)
{
	static const enum mx_colour colour[] = {MX_C_GREEN, MX_C_YELLOW,
						MX_C_RED, MX_C_MAGENTA};
	const char *name = mx_rep_exit_name((enum mx_exit)exit_status);
	enum mx_colour c = colour[strcmp(name, "ok") == 0	  ? 0
				  : strcmp(name, "warning") == 0  ? 1
				  : strcmp(name, "critical") == 0 ? 2
								  : 3];
	char word[16];

	mx_upper(name, word, sizeof(word));
	mx_out_text(out, "\nStatus: ");
	mx_colour_on(out, color, c);
	mx_out_text(out, word);
	mx_colour_off(out, color, c);
	mx_out_fmt(out, " (exit %d)\n", exit_status);
}

/* ---- an MX's IPv4 and IPv6 endpoints that say the same ------------------ */

static int same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_finding(const struct mx_finding *a, const struct mx_finding *b)
{
	return a->def == b->def && a->severity == b->severity &&
	       same_str(a->evidence, b->evidence) && same_str(a->fix, b->fix);
}

int mx_out_same_answers(const struct mx_endpoint *a,
			const struct mx_endpoint *b)
{
	const struct mx_tls *x = &a->tls, *y = &b->tls;
	size_t i;
	int c;

	if (a->family == b->family || a->port != b->port ||
	    a->mode != b->mode || a->host == NULL ||
	    !same_str(a->host, b->host) || a->enumr != NULL || b->enumr != NULL)
		return 0;
	for (c = 0; c < MX_COL__N; c++)
		if (a->col[c] != b->col[c])
			return 0;
	if (a->smtp.greeting.code != b->smtp.greeting.code ||
	    !same_str(a->smtp.greeting.text, b->smtp.greeting.text) ||
	    a->smtp.stop != b->smtp.stop ||
	    a->smtp.caps.nkeywords != b->smtp.caps.nkeywords ||
	    a->smtp.caps_tls.nkeywords != b->smtp.caps_tls.nkeywords ||
	    x->attempted != y->attempted || x->completed != y->completed ||
	    x->fail != y->fail || x->alert != y->alert ||
	    x->suite_id != y->suite_id || !same_str(x->version, y->version) ||
	    !same_str(x->temp_key_group, y->temp_key_group) ||
	    x->verify_code != y->verify_code || x->chain.n != y->chain.n ||
	    a->dane.nrr != b->dane.nrr || a->findings.n != b->findings.n)
		return 0;
	for (i = 0; i < a->smtp.caps.nkeywords; i++)
		if (!same_str(a->smtp.caps.keywords[i],
			      b->smtp.caps.keywords[i]))
			return 0;
	for (i = 0; i < x->chain.n; i++)
		if (!same_str(x->chain.v[i].sha256, y->chain.v[i].sha256))
			return 0;
	for (i = 0; i < a->findings.n; i++)
		if (!same_finding(&a->findings.v[i], &b->findings.v[i]))
			return 0;
	return 1;
}

size_t *mx_out_twins(const struct mx_target *t)
{
	size_t *tw = xcalloc(t->nendpoints + 1, sizeof(*tw));
	size_t i, j;

	for (i = 0; i < t->nendpoints; i++)
		tw[i] = (size_t)-1;
	for (i = 0; i < t->nendpoints; i++)
		for (j = i + 1; j < t->nendpoints && tw[i] == (size_t)-1; j++)
			if (tw[j] == (size_t)-1 &&
			    mx_out_same_answers(&t->endpoints[i],
						&t->endpoints[j])) {
				tw[i] = j;
				tw[j] = i;
			}
	return tw;
}

/* Which endpoint of t owns finding f (its index), or -1: the target's. */
static long owner(const struct mx_target *t, const struct mx_finding *f)
{
	size_t i;

	for (i = 0; i < t->nendpoints; i++) {
		const struct mx_findings *fs = &t->endpoints[i].findings;

		if (fs->n > 0 && f >= fs->v && f < fs->v + fs->n)
			return (long)i;
	}
	return -1;
}

void mx_out_findings_grouped(FILE *out, int color, const struct mx_target *t,
			     const size_t *twins,
			     const struct mx_finding *const *v, size_t n)
{
	size_t i;

	mx_out_text(out, n == 0 ? "\nFindings: none\n" : "\nFindings:\n");
	for (i = 0; i < n; i++) {
		long o = owner(t, v[i]);
		const struct mx_endpoint *a, *b;
		struct mx_finding f;
		char *where;

		if (o < 0 || twins[o] == (size_t)-1) {
			mx_out_finding(out, color, v[i]);
			continue;
		}
		if (twins[o] < (size_t)o) /* the twin's copy says it */
			continue;
		a = &t->endpoints[o];
		b = &t->endpoints[twins[o]];
		where = xasprintf("%s [%s]:%u and [%s]:%u", a->host, a->addr,
				  a->port, b->addr, b->port);
		f = *v[i];
		f.where = where;
		mx_out_finding(out, color, &f);
		free(where);
	}
}
