/*
 * fuzz_scanlist.c - libFuzzer entry for the targets file of `mxprobe
 * scan` (src/scanlist.c): the input is a whole file.  Checks the
 * reader's promises: every target it returns is a non-empty line of at
 * most MX_SCANLIST_MAX bytes without blanks, control bytes or a leading
 * '#'; every bad line has a reason; line numbers only grow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/scanlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_scanlist l;
	const char *line;
	unsigned long last = 0;
	char why[128];
	FILE *fp;
	int r;

	if (size == 0 || size > 65536)
		return 0;
	fp = fmemopen((void *)data, size, "r");
	if (fp == NULL)
		return 0;
	mx_scanlist_init(&l, fp);
	while ((r = mx_scanlist_next(&l, &line, why, sizeof(why))) != 0) {
		if (l.lineno <= last)
			abort();
		last = l.lineno;
		if (r < 0) {
			if (why[0] == 0)
				abort();
			continue;
		}
		if (line == NULL || line[0] == 0 || line[0] == '#' ||
		    strlen(line) > MX_SCANLIST_MAX)
			abort();
		for (; *line; line++)
			if ((unsigned char)*line <= 0x20 || *line == 0x7f)
				abort();
	}
	mx_scanlist_clear(&l);
	fclose(fp);
	return 0;
}
