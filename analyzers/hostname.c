/*
 * hostname.c - RFC 6125 host name matching; see hostname.h for the rules.
 *
 * Everything works on bounded local copies (253 bytes, RFC 1035 section
 * 2.3.4, plus the optional trailing dot); nothing allocates.
 */
#include "analyzers/hostname.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define NAME_MAX_LEN 253

static char lower_ascii(char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* Copy `s` lower-cased into out[NAME_MAX_LEN + 1] without one trailing
 * dot.  Fails (0) on an empty name, an empty label (leading dot, "..")
 * or an over-long name. */
static int normalize(const char *s, char *out)
{
	size_t len, i;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')
		len--; /* RFC 1034 section 3.1: the absolute form, same name */
	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.' && (i == 0 || s[i - 1] == '.'))
			return 0;
		out[i] = lower_ascii(s[i]);
	}
	if (out[len - 1] == '.')
		return 0; /* "name.." */
	out[len] = '\0';
	return 1;
}

/* Parse an address literal, IPv6 optionally in brackets.  Returns the
 * address family and fills `bin` (16 bytes), or 0. */
static int parse_ip(const char *s, unsigned char *bin)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	size_t len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	if (len >= sizeof(tmp))
		return 0;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
	} else {
		memcpy(tmp, s, len + 1);
	}
	if (inet_pton(AF_INET, tmp, bin) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, tmp, bin) == 1)
		return AF_INET6;
	return 0;
}

int mx_name_is_ip(const char *ref)
{
	unsigned char bin[16];

	return parse_ip(ref, bin) != 0;
}

int mx_name_match_pattern(const char *pattern, const char *ref)
{
	char p[NAME_MAX_LEN + 1], r[NAME_MAX_LEN + 1];
	const char *prest, *rrest;

	if (!normalize(pattern, p) || !normalize(ref, r))
		return 0;
	if (strchr(r, '*') != NULL)
		return 0; /* a reference identity is never a pattern */
	if (strchr(p, '*') == NULL)
		return strcmp(p, r) == 0;
	/* RFC 6125 section 6.4.3: only "*" as the complete left-most label;
	 * no second wildcard; at least two labels after it. */
	if (p[0] != '*' || p[1] != '.')
		return 0;
	prest = p + 1; /* ".lab.test" */
	if (strchr(prest, '*') != NULL || strchr(prest + 1, '.') == NULL)
		return 0;
	rrest = strchr(r, '.');
	if (rrest == NULL || rrest == r)
		return 0; /* the wildcard matches exactly one non-empty label */
	return strcmp(prest, rrest) == 0;
}

int mx_cert_matches_name(const struct mx_cert *c, const char *ref)
{
	unsigned char want[16], have[16];
	int fam;
	size_t i;

	if (c == NULL || ref == NULL)
		return 0;
	fam = parse_ip(ref, want);
	if (fam != 0) {
		/* RFC 9525 section 6.3 / RFC 5280 section 4.2.1.6: an
		 * address is matched against iPAddress SANs only. */
		size_t alen = fam == AF_INET ? 4 : 16;

		for (i = 0; i < c->nsan_ip; i++)
			if (parse_ip(c->san_ip[i], have) == fam &&
			    memcmp(want, have, alen) == 0)
				return 1;
		return 0;
	}
	if (c->nsan_dns > 0) {
		for (i = 0; i < c->nsan_dns; i++)
			if (mx_name_match_pattern(c->san_dns[i], ref))
				return 1;
		return 0;
	}
	/* RFC 6125 section 6.4.4: the CN only without any DNS-ID. */
	return c->cn != NULL && c->cn[0] != '\0' &&
	       mx_name_match_pattern(c->cn, ref);
}
