/*
 * scanlist_targets.c - the targets of a -f FILE, as `scan` and `watch`
 * read them: the lines of src/scanlist.h that are targets
 * probe/target.h parses; every other line reported on stderr with its
 * number and skipped.
 *
 * Apart from scanlist.c so that the line reader (and its fuzz target)
 * links without the probe layer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/escape.h"
#include "model/result.h"
#include "probe/target.h"
#include "src/scanlist.h"

int mx_scanlist_next_target(struct mx_scanlist *l, const char *cmd,
			    const char *fname, const char **line, long *bad)
{
	char why[256];
	int r;

	while ((r = mx_scanlist_next(l, line, why, sizeof(why))) != 0) {
		struct mx_run *tmp;
		char err[256];
		int ok;

		if (r < 0) {
			fprintf(stderr, "mxprobe %s: %s:%lu: %s (skipped)\n",
				cmd, fname, l->lineno, why);
			(*bad)++;
			continue;
		}
		tmp = mx_run_new();
		ok = mx_target_parse(*line, mx_run_add_target(tmp), err,
				     sizeof(err)) == 0;
		mx_run_free(tmp);
		if (ok)
			return 1;
		{
			char *q = mx_escape_str(*line, 64);

			fprintf(stderr,
				"mxprobe %s: %s:%lu: bad target '%s': %s "
				"(skipped)\n",
				cmd, fname, l->lineno, q, err);
			free(q);
		}
		(*bad)++;
	}
	return 0;
}
