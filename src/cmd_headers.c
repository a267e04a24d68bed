/*
 * cmd_headers.c - `mxprobe headers FILE`: the Received chain of a
 * message (oldest hop first) with TLS per hop and the delay between hops,
 * and its Authentication-Results / ARC-Authentication-Results.  Wiring
 * only: parsing is wire/mailhdr.c's (escaped text out), the model
 * analyzers/headers.c's, rendering reports/headers.c's (text, or JSON
 * with --json).  FILE "-" reads standard input.
 *
 * Exit status: 0 parsed, 1 parsed but some hop went in clear text or the
 * header section is damaged or over a limit (the fields before it are
 * shown), 3 the file cannot be read or has no header field to show (the
 * message names the limit when one stopped the first field).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "analyzers/headers.h"
#include "common/xalloc.h"
#include "reports/headers.h"
#include "src/commands.h"
#include "wire/mailhdr.h"

static uint8_t *read_all(FILE *fp, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	uint8_t *buf = xmalloc(cap);

	/* the header section is at most MX_HDR_MAX_BYTES; read a little
	 * more so the parser can tell "too big" */
	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n > MX_HDR_MAX_BYTES + 1024)
			break;
		if (n == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
	}
	*len = n;
	return buf;
}

int cmd_headers(struct mx_opts *o)
{
	struct mx_mailhdr *h;
	struct mx_headers *hv;
	uint8_t *data;
	size_t len;
	FILE *fp, *out;
	struct mx_rep_meta meta;
	time_t started = mx_wall_now();
	int status = 0;

	if (o->nargs != 1) {
		fprintf(stderr, "mxprobe headers: name one message file (or "
				"- for standard input)\n");
		return 3;
	}
	fp = strcmp(o->args[0], "-") == 0 ? stdin : fopen(o->args[0], "rb");
	if (fp == NULL) {
		fprintf(stderr, "mxprobe headers: cannot read %s: %s\n",
			o->args[0], strerror(errno));
		return 3;
	}
	data = read_all(fp, &len);
	if (fp != stdin)
		fclose(fp);
	h = mx_mailhdr_parse(data, len);
	free(data);
	if (h == NULL || h->nfields == 0) {
		/* Say which limit stopped the parser before its first field,
		 * rather than "no header section" (issue 13). */
		if (h != NULL && h->status == MX_HDR_FIELD_TOO_BIG)
			fprintf(stderr,
				"mxprobe headers: %s: the first header field is "
				"over the limit of %u bytes (one field, "
				"unfolded); nothing to show\n",
				o->args[0], MX_HDR_MAX_FIELD);
		else if (h != NULL && h->status == MX_HDR_TOO_BIG)
			fprintf(stderr,
				"mxprobe headers: %s: the header section is over "
				"the limit of %u bytes before its first field "
				"ends; nothing to show\n",
				o->args[0], MX_HDR_MAX_BYTES);
		else if (h != NULL && h->status == MX_HDR_MALFORMED)
			fprintf(stderr,
				"mxprobe headers: %s has no header section (its "
				"first line is not a header field)\n",
				o->args[0]);
		else
			fprintf(stderr,
				"mxprobe headers: %s has no header section\n",
				o->args[0]);
		mx_mailhdr_free(h);
		return 3;
	}
	hv = mx_headers_from_parse(h);
	mx_mailhdr_free(h);
	if (!hv->complete || hv->clear_hops > 0)
		status = 1;
	out = mx_cli_open_output(o);
	if (out == NULL) {
		mx_headers_free(hv);
		return 3;
	}
	meta.tool_version = PACKAGE_VERSION;
	meta.started = started;
	meta.exit_status = status;
	meta.color = mx_cli_use_color(out, o);
	if ((o->json ? mx_report_headers_json(out, hv, o->args[0], &meta)
		     : mx_report_headers_text(out, hv, o->args[0], &meta)) < 0)
		status = 3;
	if (mx_cli_close_output(out, o) < 0)
		status = 3;
	mx_headers_free(hv);
	return status;
}
