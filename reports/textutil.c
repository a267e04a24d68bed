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
