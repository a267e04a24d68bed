/*
 * scanlist.h - the targets file of `mxprobe scan`: one target a line,
 * blanks and comments ('#' at the start of a line or after blanks)
 * ignored, surrounding blanks trimmed.
 *
 * A line is bad (reported with its number, skipped) when it holds a NUL
 * byte or a control character, is longer than MX_SCANLIST_MAX bytes, or
 * holds blanks inside the target; whether the target itself parses is
 * probe/target.h's business (mx_target_parse).
 *
 * API:
 *   struct mx_scanlist l; mx_scanlist_init(&l, fp);
 *   while ((r = mx_scanlist_next(&l, &line, why, sizeof(why))) != 0)
 *       r > 0: line is a target; r < 0: bad line l.lineno (why)
 *   mx_scanlist_clear(&l);
 * Ownership: line points into l and is valid until the next call.
 */
#ifndef MX_SRC_SCANLIST_H
#define MX_SRC_SCANLIST_H

#include <stddef.h>
#include <stdio.h>

#define MX_SCANLIST_MAX 1024

struct mx_scanlist {
	FILE *fp;
	char *buf;
	size_t cap;
	unsigned long lineno;
};

void mx_scanlist_init(struct mx_scanlist *l, FILE *fp);
/* 1: a target in *line; 0: end of input; -1: bad line (why set). */
int mx_scanlist_next(struct mx_scanlist *l, const char **line, char *why,
		     size_t whylen);
/* The same on one line of n bytes (no newline); the line is edited in
 * place.  For the reader above and the fuzz target. */
int mx_scanlist_line(char *s, size_t n, const char **line, char *why,
		     size_t whylen);
void mx_scanlist_clear(struct mx_scanlist *l);
/* The next line that is a target mx_target_parse() accepts, in *line
 * (1), or 0 at the end; bad lines and targets that do not parse are
 * reported on stderr ("mxprobe CMD: FNAME:LINE: why (skipped)"),
 * counted in *bad and skipped.  In src/scanlist_targets.c. */
int mx_scanlist_next_target(struct mx_scanlist *l, const char *cmd,
			    const char *fname, const char **line, long *bad);

/* "I/N" with 0 <= I < N <= 65536; 0 or -1. */
int mx_scanlist_shard(const char *s, int *i, int *n);
/* The shard of an address list: FNV-1a of the smallest address, mod n. */
int mx_scanlist_shard_of(const char *const *addrs, size_t naddrs, int n);

#endif
