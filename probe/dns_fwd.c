/*
 * dns_fwd.c - the --resolver forms into what ub_ctx_set_fwd() wants
 * (for probe/dns.c; declared in dns_int.h).
 *
 * "IP", "IP:PORT", "[v6]:PORT", "[v6]" or a bare v6 become "IP" or
 * "IP@PORT"; anything else is refused with a reason (the input escaped,
 * at most 80 octets of it).  Ports 1..65535, digits only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/log.h"
#include "probe/dns_int.h"

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/*
 * "IP", "IP:PORT", "[v6]:PORT", "[v6]" or a bare v6 -> "IP" / "IP@PORT"
 * as ub_ctx_set_fwd() wants.  Returns 0 or -1 with a reason.
 */
int mx_dns_fwd_spec(const char *res, char *out, size_t outlen, char *err,
		    size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	char *q;
	struct in6_addr a6;
	struct in_addr a4;
	unsigned p = 0;
	size_t hlen;
	int v6;

	if (res[0] == '[') {
		const char *close = strchr(res, ']');

		if (close == NULL)
			goto bad;
		hlen = (size_t)(close - res - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != 0)
			goto bad;
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, res + 1, hlen);
		host[hlen] = 0;
		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto bad;
	} else {
		const char *colon = strchr(res, ':');

		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hlen = (size_t)(colon - res);
			port = colon + 1;
		} else {
			hlen = strlen(res);
		}
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, res, hlen);
		host[hlen] = 0;
		v6 = strchr(host, ':') != NULL;
		if (v6 ? inet_pton(AF_INET6, host, &a6) != 1
		       : inet_pton(AF_INET, host, &a4) != 1)
			goto bad;
	}
	if (port != NULL && parse_port(port, &p) < 0)
		goto bad;
	if (p)
		snprintf(out, outlen, "%s@%u", host, p);
	else
		snprintf(out, outlen, "%s", host);
	return 0;
bad:
	q = mx_escape_str(res, 80);
	mx_set_err(err, errlen,
		   "bad resolver '%s' (want IP, IP:PORT or [IPv6]:PORT)", q);
	free(q);
	return -1;
}
