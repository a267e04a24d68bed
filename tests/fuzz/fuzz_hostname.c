/*
 * fuzz_hostname.c - libFuzzer entry for RFC 6125 host name matching
 * (analyzers/hostname.c).
 *
 * Input: "PATTERN\nREFERENCE[\nNAME]..." - the names after the second
 * line become the dNSName SANs (and, when they parse as addresses, the
 * iPAddress SANs) of a certificate whose CN is PATTERN.  Checks the
 * matcher's promises, not just the absence of crashes:
 *  - a match needs a non-empty reference without '*' of at most 254
 *    bytes (253 plus the trailing dot);
 *  - without a wildcard, matching is symmetric and equals ASCII
 *    case-insensitive equality modulo one trailing dot;
 *  - with a wildcard, the pattern starts with "*." and the reference's
 *    labels after its first one equal the pattern's;
 *  - an address reference never matches a certificate with only
 *    dNSName SANs and a CN.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzers/hostname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 16

static size_t strip_dot(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *line[MAX_NAMES + 2], *p;
	size_t nl = 0;
	struct mx_cert c;
	int m;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf; nl < MAX_NAMES + 2;) {
		line[nl++] = p;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (nl < 2) {
		free(buf);
		return 0;
	}
	m = mx_name_match_pattern(line[0], line[1]);
	if (m != 0 && m != 1)
		abort();
	if (m && (line[1][0] == '\0' || strchr(line[1], '*') ||
		  strlen(line[1]) > 254))
		abort();
	if (strchr(line[0], '*') == NULL) {
		if (m != mx_name_match_pattern(line[1], line[0]) &&
		    strchr(line[1], '*') == NULL)
			abort();
		if (m && (strip_dot(line[0]) != strip_dot(line[1]) ||
			  strncasecmp(line[0], line[1], strip_dot(line[0]))))
			abort();
	} else if (m) {
		const char *rt = strchr(line[1], '.');

		if (line[0][0] != '*' || line[0][1] != '.' || rt == NULL ||
		    strip_dot(rt) != strip_dot(line[0] + 1) ||
		    strncasecmp(rt, line[0] + 1, strip_dot(rt)))
			abort();
	}
	/* the certificate: CN = pattern, SANs = the remaining lines */
	memset(&c, 0, sizeof(c));
	c.cn = line[0];
	c.san_dns = nl > 2 ? &line[2] : NULL;
	c.nsan_dns = nl > 2 ? nl - 2 : 0;
	(void)mx_cert_matches_name(&c, line[1]);
	if (mx_name_is_ip(line[1]) && mx_cert_matches_name(&c, line[1]))
		abort();
	c.san_ip = c.san_dns;
	c.nsan_ip = c.nsan_dns;
	c.san_dns = NULL;
	c.nsan_dns = 0;
	m = mx_cert_matches_name(&c, line[1]);
	if (m && !mx_name_is_ip(line[1]) &&
	    !mx_name_match_pattern(line[0], line[1]))
		abort(); /* a DNS name can only have matched the CN */
	free(buf);
	return 0;
}
