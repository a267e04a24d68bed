/*
 * fuzz_target.c - libFuzzer entry for mx_target_parse (probe/target.c).
 *
 * The input is one target spec (NUL-terminated copy of the bytes; an
 * embedded NUL simply ends the spec early, as it would on a command line).
 * Checks the parser's promises: it returns 0 or -1; on success the name
 * obeys the RFC 1035 limits and contains no byte outside what a name or
 * an address literal may hold; on failure the target is untouched and the
 * reason is one printable line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/result.h"
#include "probe/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_run *run;
	struct mx_target *t;
	char err[256];
	char *spec;
	const char *p;
	int rc;

	if (size > 4096)
		return 0;
	spec = malloc(size + 1);
	if (spec == NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = 0;
	run = mx_run_new();
	t = mx_run_add_target(run);
	rc = mx_target_parse(spec, t, err, sizeof(err));
	if (rc == 0) {
		if (t->name == NULL || strlen(t->name) > 253 || t->port == 0)
			abort();
		for (p = t->name; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.:",
				    *p))
				abort();
		if (t->kind == MX_TARGET_DOMAIN && mx_is_ip_literal(t->name))
			abort();
	} else {
		if (rc != -1 || t->name != NULL || t->spec != NULL ||
		    err[0] == 0)
			abort();
		for (p = err; *p; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p >= 0x7f)
				abort();
	}
	mx_run_free(run);
	free(spec);
	return 0;
}
