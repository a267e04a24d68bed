/*
 * capture_jw.c - one description, two outputs: the JSON writer of the
 * capture object (reports/capture_jw.h).
 */
#include "reports/capture_jw.h"

#include <stdio.h>
#include <string.h>

static void jw_indent(struct jw *w)
{
	static const char pad[] = "                                        ";
	int n = w->base + 2 * w->depth;

	if (fputc('\n', w->out) == EOF ||
	    fwrite(pad, 1, (size_t)n, w->out) != (size_t)n)
		w->err = 1;
}

static void jw_text_str(struct jw *w, const char *s)
{
	const char *run;

	fputc('"', w->out);
	while (*s) {
		unsigned char ch;

		for (run = s;
		     *s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\'; s++)
			;
		if (s > run && fwrite(run, 1, (size_t)(s - run), w->out) !=
				       (size_t)(s - run))
			w->err = 1;
		if (*s == '\0')
			break;
		ch = (unsigned char)*s++;
		if (ch == '"' || ch == '\\')
			fprintf(w->out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", w->out);
		else if (ch == '\t')
			fputs("\\t", w->out);
		else if (ch == '\r')
			fputs("\\r", w->out);
		else if (ch < 0x20)
			fprintf(w->out, "\\u%04x", ch);
		else
			fputc('?', w->out);
	}
	if (fputc('"', w->out) == EOF)
		w->err = 1;
}

/* Text: the separator and the key of the next member. */
static void jw_member(struct jw *w, const char *key)
{
	if (w->depth == 0)
		return;
	if (!w->empty[w->depth - 1])
		fputc(',', w->out);
	w->empty[w->depth - 1] = 0;
	jw_indent(w);
	if (key != NULL) {
		jw_text_str(w, key);
		fputs(": ", w->out);
	}
}

/* Tree: v joins the open container (stolen). */
void mx_jw_add(struct jw *w, const char *key, json_t *v)
{
	json_t *top;

	if (w->depth == 0) {
		json_decref(w->root);
		w->root = v;
		return;
	}
	top = w->stack[w->depth - 1];
	if (json_is_object(top))
		mx_j_set(w->c, top, key, v);
	else
		mx_j_push(w->c, top, v);
}

void mx_jw_begin(struct jw *w, const char *key, int array)
{
	if (w->depth == JW_DEPTH) { /* a programming error */
		w->err = 1;
		return;
	}
	if (w->out != NULL) {
		jw_member(w, key);
		fputc(array ? '[' : '{', w->out);
		w->empty[w->depth++] = 1;
		return;
	}
	w->stack[w->depth] = array ? mx_j_arr(w->c) : mx_j_obj(w->c);
	json_incref(w->stack[w->depth]);
	mx_jw_add(w, key, w->stack[w->depth]);
	w->depth++;
}

void mx_jw_end(struct jw *w, int array)
{
	if (w->depth == 0)
		return;
	w->depth--;
	if (w->out == NULL) {
		json_decref(w->stack[w->depth]);
		return;
	}
	if (!w->empty[w->depth])
		jw_indent(w);
	if (fputc(array ? ']' : '}', w->out) == EOF)
		w->err = 1;
}

void mx_jw_str(struct jw *w, const char *key, const char *v)
{
	if (w->out == NULL) {
		mx_jw_add(w, key, mx_j_str(w->c, v));
		return;
	}
	jw_member(w, key);
	if (v == NULL)
		fputs("null", w->out);
	else
		jw_text_str(w, v);
}

void mx_jw_int(struct jw *w, const char *key, long long v)
{
	if (w->out == NULL) {
		mx_jw_add(w, key, mx_j_int(w->c, v));
		return;
	}
	jw_member(w, key);
	fprintf(w->out, "%lld", v);
}

void mx_jw_lit(struct jw *w, const char *key, int v) /* 1, 0, -1 null */
{
	if (w->out == NULL) {
		mx_jw_add(w, key, mx_j_tri(w->c, v));
		return;
	}
	jw_member(w, key);
	fputs(v > 0 ? "true" : v == 0 ? "false" : "null", w->out);
}

/* A jansson value (stolen) as a member. */
void mx_jw_json(struct jw *w, const char *key, json_t *v)
{
	char *text;
	const char *p, *nl;

	if (w->out == NULL) {
		mx_jw_add(w, key, v);
		return;
	}
	jw_member(w, key);
	text = v ? json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII |
					 JSON_ENCODE_ANY)
		 : NULL;
	json_decref(v);
	if (text == NULL) {
		w->err = 1;
		return;
	}
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		fwrite(p, 1, (size_t)(nl - p), w->out);
		jw_indent(w);
	}
	fputs(p, w->out);
	free(text);
}
