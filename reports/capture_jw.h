/*
 * capture_jw.h - the small JSON writer behind the capture object (not a
 * public API; reports/capture_json.c is its one user).
 *
 * The capture object is described once, through a small writer with two
 * backends: a jansson tree (mx_capsess_json(), for live reports) or JSON
 * text written straight to a FILE, laid out as jansson's JSON_INDENT(2)
 * (the pcap stream: a busy capture has hundreds of thousands of sessions
 * and a tree per session would cost more than decoding them).  In text,
 * a string is written as jansson writes it, except that a byte outside
 * printable ASCII becomes '?' (model text is escaped ASCII already; the
 * same last guard as mx_j_str()).
 */
#ifndef MX_REPORTS_CAPTURE_JW_H
#define MX_REPORTS_CAPTURE_JW_H

#include <stdio.h>

#include <jansson.h>

#include "reports/jsonutil.h"

#define JW_DEPTH 8

struct jw {
	struct mx_jc *c; /* tree backend when out == NULL */
	json_t *stack[JW_DEPTH];
	json_t *root;
	FILE *out; /* text backend */
	int base;  /* text: indent of the object's own lines */
	unsigned char empty[JW_DEPTH];
	int depth, err;
};

void mx_jw_add(struct jw *w, const char *key, json_t *v);
void mx_jw_begin(struct jw *w, const char *key, int array);
void mx_jw_end(struct jw *w, int array);
void mx_jw_str(struct jw *w, const char *key, const char *v);
void mx_jw_int(struct jw *w, const char *key, long long v);
void mx_jw_lit(struct jw *w, const char *key, int v);
void mx_jw_json(struct jw *w, const char *key, json_t *v);
#define jw_bool(w, k, v) mx_jw_lit((w), (k), (v) ? 1 : 0)
#define jw_null(w, k) mx_jw_lit((w), (k), -1)

#endif
