/*
 * target.c - parse what the user typed into a target; see target.h.
 *
 * Purpose: turn one command-line word into (kind, name, port, mode) with
 * no DNS and no I/O, rejecting anything odd with a one-line reason.
 *
 * Forms, tried in this order:
 *   scheme://authority        smtp (25), submission (587), smtps (465);
 *                             scheme case-insensitive (RFC 3986 §3.1);
 *                             no user-info, path, query or fragment.
 *                             Always a HOST target.
 *   [v6]  [v6]:port           bracketed IPv6 literal (RFC 3986 §3.2.2)
 *   v6                        bare IPv6 literal (two or more colons): the
 *                             whole word is the address, port 25; to give
 *                             a port, use brackets.
 *   name:port  v4:port        HOST target with that port
 *   v4                        IPv4 literal (dotted quad only): HOST, 25
 *   name                      DOMAIN target: MX lookup, port 25
 *
 * TLS mode: STARTTLS, except implicit TLS (RFC 8314 §3.3) for the smtps://
 * scheme and for a scheme-less `host:465` / `host:2465`, because no server
 * speaks STARTTLS on those ports (465 is the RFC 8314 submissions port;
 * 2465 is the usual alternative smarthost port).  An explicit smtp:// or
 * submission:// scheme is obeyed as written, even on 465.  Nothing is
 * printed about this choice; the mode is in the model.
 *
 * Names: LDH labels (RFC 1123 §2.1) with underscore also allowed; no label
 * starts or ends with '-'; labels 1..63 bytes, the name at most 253 bytes
 * (RFC 1035 §2.3.4, without the trailing dot); the last label must not be
 * all digits (RFC 3696 §2), so "999.1.1.1" is rejected rather than looked
 * up.  Names are lower-cased and one trailing dot is stripped.  Ports are
 * 1..65535, decimal digits only (at most 5).  A spec longer than
 * MX_TARGET_SPEC_MAX bytes is rejected.
 *
 * IDN (RFC 5890, RFC 5891): a spec with bytes >= 0x80 is taken as UTF-8;
 * its host part is converted to the A-label with libidn2 (IDNA 2008,
 * UTS #46 non-transitional mapping, so "BÜCHER.example" becomes
 * "xn--bcher-kva.example") and the ASCII spec is parsed as above.
 * out->name (what DNS looks up) is the A-label; out->spec keeps what the
 * user wrote, the U-label, so reports show both.  Non-ASCII anywhere but
 * the host (scheme, port, brackets) or a name libidn2 refuses is an
 * error.
 *
 * Ownership: on success out->spec and out->name are malloc'ed copies owned
 * by the target (freed with the run); on failure `out` is not touched and
 * nothing is allocated.  Error text quotes user input only escaped.
 */
#include "probe/target.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "common/log.h"
#include "common/escape.h"
#include "common/xalloc.h"

#define MX_TARGET_SPEC_MAX 1024
#define NAME_MAX_LEN 253 /* RFC 1035 §2.3.4, presentation, no dot */
#define LABEL_MAX_LEN 63

struct scheme {
	const char *name;
	uint16_t port;
	enum mx_tls_mode mode;
};

static const struct scheme schemes[] = {
	{"smtp", 25, MX_MODE_STARTTLS},
	{"submission", 587, MX_MODE_STARTTLS}, /* RFC 6409 */
	{"smtps", 465, MX_MODE_IMPLICIT},      /* RFC 8314 §3.3 */
};

/* Ports on which a scheme-less host:port means implicit TLS. */
static const uint16_t implicit_ports[] = {465, 2465};

/* Same, with the user's text escaped and capped into the message. */
static void set_err_q(char *err, size_t errlen, const char *what, const char *p,
		      size_t len)
{
	char *q = mx_escape(p, len, 64);

	mx_set_err(err, errlen, "%s '%s'", what, q);
	free(q);
}

int mx_is_ip_literal(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (s == NULL)
		return 0;
	return inet_pton(AF_INET, s, &a4) == 1 ||
	       inet_pton(AF_INET6, s, &a6) == 1;
}

/* Port: 1..5 decimal digits, value 1..65535.  Returns 0 or -1. */
static int parse_port(const char *p, size_t len, uint16_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int is_ldh(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/*
 * Check a host name of len bytes (one trailing dot allowed) and return a
 * lower-cased copy without the dot, or NULL with a reason in err.
 */
static char *check_name(const char *p, size_t len, char *err, size_t errlen)
{
	size_t i, lab_start = 0, lab_len;
	int all_digits = 1;
	char *out;

	if (len > 0 && p[len - 1] == '.')
		len--; /* one trailing dot: the root */
	if (len == 0) {
		mx_set_err(err, errlen, "empty host name");
		return NULL;
	}
	if (len > NAME_MAX_LEN) {
		mx_set_err(err, errlen,
			   "host name longer than %d bytes (RFC 1035 2.3.4)",
			   NAME_MAX_LEN);
		return NULL;
	}
	for (i = 0; i <= len; i++) {
		unsigned char ch = i < len ? (unsigned char)p[i] : '.';

		if (ch != '.') {
			if (!is_ldh(ch)) {
				set_err_q(err, errlen,
					  "bad character in host name", p + i,
					  1);
				return NULL;
			}
			if (ch < '0' || ch > '9')
				all_digits = 0;
			continue;
		}
		lab_len = i - lab_start;
		if (lab_len == 0) {
			mx_set_err(err, errlen, "empty label in host name");
			return NULL;
		}
		if (lab_len > LABEL_MAX_LEN) {
			mx_set_err(err, errlen,
				   "label longer than %d bytes in host name "
				   "(RFC 1035 2.3.4)",
				   LABEL_MAX_LEN);
			return NULL;
		}
		/* RFC 1123 §2.1 / RFC 952: no hyphen at either end. */
		if (p[lab_start] == '-' || p[i - 1] == '-') {
			mx_set_err(
				err, errlen,
				"label starts or ends with '-' in host name");
			return NULL;
		}
		if (i < len)
			all_digits = 1; /* only the last label counts */
		lab_start = i + 1;
	}
	if (all_digits) {
		/* RFC 3696 §2: a top-level label is never all-numeric, so
		 * this is a mistyped address, not a name. */
		set_err_q(err, errlen, "not an IPv4 address nor a host name", p,
			  len);
		return NULL;
	}
	out = xstrndup(p, len);
	for (i = 0; i < len; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

static char *lower_dup(const char *p, size_t len)
{
	char *out = xstrndup(p, len);
	size_t i;

	for (i = 0; i < len; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

static int is_ipv6(const char *p, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	struct in6_addr a6;

	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, p, len);
	tmp[len] = 0;
	return inet_pton(AF_INET6, tmp, &a6) == 1;
}

static int is_ipv4(const char *p, size_t len)
{
	char tmp[INET_ADDRSTRLEN + 1];
	struct in_addr a4;

	if (len == 0 || len >= sizeof(tmp))
		return 0;
	memcpy(tmp, p, len);
	tmp[len] = 0;
	return inet_pton(AF_INET, tmp, &a4) == 1;
}

static size_t count_char(const char *p, size_t len, char c)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] == c;
	return n;
}

/*
 * Parse an authority: [v6]:port, [v6], v6, host:port, host.  `url` says
 * whether we are inside a URL (where a bare IPv6 needs brackets, RFC 3986
 * §3.2.2).  Fills *name (malloc'ed), *port if one was given (*have_port).
 */
static int parse_authority(const char *p, size_t len, int url, char **name,
			   uint16_t *port, int *have_port, int *literal,
			   char *err, size_t errlen)
{
	const char *host = p, *colon;
	size_t hlen = len;

	*have_port = 0;
	*literal = 0;
	if (len == 0) {
		mx_set_err(err, errlen, "empty host");
		return -1;
	}
	if (p[0] == '[') {
		const char *close = memchr(p, ']', len);

		if (close == NULL) {
			mx_set_err(err, errlen, "unbalanced '[' in target");
			return -1;
		}
		host = p + 1;
		hlen = (size_t)(close - host);
		if (memchr(host, '[', hlen) != NULL) {
			mx_set_err(err, errlen, "unbalanced '[' in target");
			return -1;
		}
		if (hlen == 0) {
			mx_set_err(err, errlen, "empty host");
			return -1;
		}
		if (!is_ipv6(host, hlen)) {
			/* RFC 3986 §3.2.2: brackets hold IPv6 only. */
			set_err_q(err, errlen,
				  "brackets must hold an IPv6 address, got",
				  host, hlen);
			return -1;
		}
		if ((size_t)(close - p) + 1 < len) {
			const char *rest = close + 1;
			size_t rlen = len - (size_t)(rest - p);

			if (rest[0] != ':') {
				mx_set_err(err, errlen,
					   "unexpected text after ']' "
					   "(want ]:port)");
				return -1;
			}
			if (parse_port(rest + 1, rlen - 1, port) < 0) {
				set_err_q(err, errlen, "bad port", rest + 1,
					  rlen - 1);
				return -1;
			}
			*have_port = 1;
		}
		*name = lower_dup(host, hlen);
		*literal = 1;
		return 0;
	}
	if (memchr(p, ']', len) != NULL) {
		mx_set_err(err, errlen, "unbalanced ']' in target");
		return -1;
	}
	if (count_char(p, len, ':') >= 2) {
		if (!url && is_ipv6(p, len)) {
			*name = lower_dup(p, len);
			*literal = 1;
			return 0;
		}
		set_err_q(err, errlen,
			  "bad IPv6 address (write [address]:port)", p, len);
		return -1;
	}
	colon = memchr(p, ':', len);
	if (colon != NULL) {
		size_t plen = len - (size_t)(colon - p) - 1;

		hlen = (size_t)(colon - p);
		if (hlen == 0) {
			mx_set_err(err, errlen, "empty host");
			return -1;
		}
		if (parse_port(colon + 1, plen, port) < 0) {
			set_err_q(err, errlen, "bad port", colon + 1, plen);
			return -1;
		}
		*have_port = 1;
	}
	if (is_ipv4(host, hlen)) {
		*name = xstrndup(host, hlen);
		*literal = 1;
		return 0;
	}
	*name = check_name(host, hlen, err, errlen);
	return *name ? 0 : -1;
}

/*
 * spec (len bytes, no control bytes) holds non-ASCII: return a malloc'ed
 * copy with the host part as its A-label, or NULL with a reason.
 */
static char *idn_to_ascii(const char *spec, size_t len, char *err,
			  size_t errlen)
{
	const char *sep = strstr(spec, "://");
	const char *host = sep ? sep + 3 : spec;
	size_t pre = (size_t)(host - spec), hlen, i;
	const char *colon;
	char *u, *a = NULL, *out;
	int rc;

	colon = memchr(host, ':', len - pre);
	hlen = colon ? (size_t)(colon - host) : len - pre;
	for (i = 0; i < len; i++)
		if ((unsigned char)spec[i] >= 0x80 &&
		    (i < pre || i >= pre + hlen || host[0] == '[')) {
			set_err_q(err, errlen, "bad character in target",
				  spec + i, 1);
			return NULL;
		}
	u = xstrndup(host, hlen);
	rc = idn2_to_ascii_8z(u, &a, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		char *q = mx_escape(host, hlen, 64);

		mx_set_err(
			err, errlen,
			"not a valid internationalized domain name '%s' (%s)",
			q, idn2_strerror(rc));
		free(q);
		free(u);
		return NULL;
	}
	out = xmalloc(len + strlen(a) + 1);
	memcpy(out, spec, pre);
	memcpy(out + pre, a, strlen(a));
	memcpy(out + pre + strlen(a), host + hlen, len - pre - hlen);
	out[pre + strlen(a) + len - pre - hlen] = '\0';
	idn2_free(a);
	free(u);
	return out;
}

int mx_target_parse(const char *spec, struct mx_target *out, char *err,
		    size_t errlen)
{
	const struct scheme *sch = NULL;
	const char *auth = spec, *sep;
	size_t len, alen, i;
	char *name = NULL;
	uint16_t port = 25;
	int have_port = 0, literal = 0;
	enum mx_target_kind kind;
	enum mx_tls_mode mode = MX_MODE_STARTTLS;

	if (err && errlen)
		err[0] = 0;
	if (spec == NULL || spec[0] == 0) {
		mx_set_err(err, errlen, "empty target");
		return -1;
	}
	len = strnlen(spec, MX_TARGET_SPEC_MAX + 1);
	if (len > MX_TARGET_SPEC_MAX) {
		mx_set_err(err, errlen, "target longer than %d bytes",
			   MX_TARGET_SPEC_MAX);
		return -1;
	}
	/* Control bytes and blanks are never part of a target; non-ASCII
	 * only in an IDN host name. */
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)spec[i];

		if (ch <= 0x20 || ch == 0x7f) {
			set_err_q(err, errlen, "bad character in target",
				  spec + i, 1);
			return -1;
		}
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)spec[i] >= 0x80)
			break;
	if (i < len) {
		char *ascii = idn_to_ascii(spec, len, err, errlen);
		int rc;

		if (ascii == NULL)
			return -1;
		rc = mx_target_parse(ascii, out, err, errlen);
		free(ascii);
		if (rc == 0) {
			free(out->spec);
			out->spec = xstrndup(spec, len); /* the U-label */
		}
		return rc;
	}

	sep = strstr(spec, "://");
	if (sep != NULL) {
		size_t slen = (size_t)(sep - spec);

		for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
			if (strlen(schemes[i].name) == slen &&
			    strncasecmp(spec, schemes[i].name, slen) == 0)
				sch = &schemes[i];
		if (sch == NULL) {
			set_err_q(err, errlen,
				  "unknown scheme (want smtp, submission or "
				  "smtps):",
				  spec, slen);
			return -1;
		}
		auth = sep + 3;
		port = sch->port;
		mode = sch->mode;
	}
	alen = len - (size_t)(auth - spec);
	if (sch != NULL) {
		if (memchr(auth, '@', alen) != NULL) {
			mx_set_err(err, errlen,
				   "user-info ('user@') in a target "
				   "URL is not supported");
			return -1;
		}
		if (strpbrk(auth, "/?#") != NULL) {
			mx_set_err(err, errlen,
				   "path, query or fragment in a "
				   "target URL is not supported");
			return -1;
		}
	} else {
		/* Without a scheme these only show a mistyped URL or mail
		 * address; say so instead of "bad character". */
		if (memchr(auth, '@', alen) != NULL) {
			mx_set_err(err, errlen,
				   "'@' in target: give a domain or "
				   "host, not a mail address");
			return -1;
		}
		if (strpbrk(auth, "/?#") != NULL) {
			mx_set_err(err, errlen,
				   "'/' '?' or '#' in target "
				   "(a URL needs smtp://, submission:// or "
				   "smtps://)");
			return -1;
		}
	}
	if (parse_authority(auth, alen, sch != NULL, &name, &port, &have_port,
			    &literal, err, errlen) < 0)
		return -1;

	if (sch == NULL && have_port)
		for (i = 0;
		     i < sizeof(implicit_ports) / sizeof(implicit_ports[0]);
		     i++)
			if (port == implicit_ports[i])
				mode = MX_MODE_IMPLICIT;
	kind = (sch == NULL && !have_port && !literal) ? MX_TARGET_DOMAIN
						       : MX_TARGET_HOST;

	out->spec = xstrndup(spec, len);
	out->name = name;
	out->kind = kind;
	out->port = port;
	out->mode = mode;
	return 0;
}
