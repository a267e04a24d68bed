/*
 * mtasts.h - pure parsers of the MTA-STS TXT record and policy (RFC 8461
 * sections 3.1 and 3.2) and of the TLS-RPT TXT record (RFC 8460 section
 * 3), and the MX pattern match of RFC 8461 section 4.1.
 *
 * Input is untrusted bytes (from DNS or an HTTPS body), read through
 * common/cursor.h; nothing is assumed NUL-terminated.
 *
 * Policy (section 3.2): lines "key: value" ended by LF or CRLF (the last
 * terminator optional), blanks around the colon; keys and values are
 * case-sensitive.  version must be "STSv1", mode one of enforce, testing,
 * none, max_age 1..10 digits up to 31557600, mx an ["*."] domain (the
 * wildcard only as the whole leftmost label); unknown keys are ignored,
 * malformed lines noted and skipped.  A repeated version, mode or
 * max_age: the first counts, the repeat is noted.  The policy is
 * `valid` when version, mode and max_age are there and well-formed and
 * (mode other than none) at least one mx is; every problem is one line
 * in errors[] (at most MX_STS_MAX_ERRORS kept, nerrors counts all).
 * Error lines never quote the input (line numbers and reasons only);
 * mx patterns kept are made only of [A-Za-z0-9.*-] and are lowercased.
 *
 * TXT (section 3.1): "v=STSv1" first, then ";"-separated fields with
 * optional blanks, "id=" 1..32 letters/digits required, extensions
 * name=value ignored, a trailing ";" allowed.
 *
 * TLS-RPT (RFC 8460 section 3): "v=TLSRPTv1" first, "rua=" a comma list
 * of URIs (mailto: or https:), extensions ignored.
 *
 * Ownership: results are plain structs with fixed buffers and one
 * malloc'ed array (mx, rua) freed by the matching *_free().
 */
#ifndef MX_WIRE_MTASTS_H
#define MX_WIRE_MTASTS_H

#include <stddef.h>
#include <stdint.h>

#define MX_STS_MAX_ERRORS 8
#define MX_STS_ERR_LEN 96
#define MX_STS_MAX_MX 64
#define MX_STS_MAX_AGE_LIMIT 31557600L
#define MX_STS_MAX_RUA 16
#define MX_STS_URI_LEN 256

enum mx_sts_pmode {
	MX_STS_PMODE_MISSING = 0,
	MX_STS_PMODE_ENFORCE,
	MX_STS_PMODE_TESTING,
	MX_STS_PMODE_NONE,
};

struct mx_sts_errors {
	char v[MX_STS_MAX_ERRORS][MX_STS_ERR_LEN];
	size_t n; /* every error seen (only the first ones kept) */
};

struct mx_sts_policy {
	int valid;
	int has_version;
	enum mx_sts_pmode mode;
	long max_age; /* -1: missing or malformed */
	char **mx;    /* lowercased patterns, owned */
	size_t nmx;
	size_t nunknown; /* unknown keys ignored */
	struct mx_sts_errors err;
};

struct mx_sts_txt {
	int valid;
	char id[33];
	struct mx_sts_errors err;
};

struct mx_tlsrpt_rec {
	int valid;
	char **rua; /* owned, as written (printable ASCII only) */
	size_t nrua;
	struct mx_sts_errors err;
};

/* Returns 0 when valid, -1 otherwise (errors in p->err).  p is zeroed
 * first; free with mx_sts_policy_free() in both cases. */
int mx_sts_policy_parse(const uint8_t *b, size_t len, struct mx_sts_policy *p);
void mx_sts_policy_free(struct mx_sts_policy *p);

/* Does the record start with "v=STSv1" (RFC 8461 section 3.1: records
 * that do not are discarded)? */
int mx_sts_txt_is_sts(const uint8_t *b, size_t len);
int mx_sts_txt_parse(const uint8_t *b, size_t len, struct mx_sts_txt *t);

int mx_tlsrpt_is_rpt(const uint8_t *b, size_t len);
int mx_tlsrpt_parse(const uint8_t *b, size_t len, struct mx_tlsrpt_rec *r);
void mx_tlsrpt_free(struct mx_tlsrpt_rec *r);

/* RFC 8461 section 4.1: host (an MX host name, a trailing dot ignored)
 * against one pattern ("mx.example.com" or "*.example.com", the
 * wildcard matching exactly one leftmost label); case-insensitive.
 * Returns 1 on a match. */
int mx_sts_mx_match(const char *pattern, const char *host);

const char *mx_sts_pmode_name(enum mx_sts_pmode m);

#endif
