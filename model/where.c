/*
 * where.c - the "where" text of an endpoint; see where.h.
 */
#include "model/where.h"

#include <stdio.h>
#include <string.h>

#include "model/result.h"

const char *mx_where(char *buf, size_t len, const char *host, const char *addr,
		     unsigned port)
{
	int has_host = host != NULL && host[0] != '\0';
	int has_addr = addr != NULL && addr[0] != '\0';

	if (len == 0)
		return buf;
	if (has_host && has_addr && strcmp(host, addr) != 0)
		snprintf(buf, len, "%s [%s]:%u", host, addr, port);
	else if (has_addr)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else if (has_host && strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", host, port);
	else if (has_host)
		snprintf(buf, len, "%s:%u", host, port);
	else
		snprintf(buf, len, "?:%u", port);
	return buf;
}

const char *mx_endpoint_where_buf(char *buf, size_t len,
				  const struct mx_endpoint *ep)
{
	return mx_where(buf, len, ep->host, ep->addr, ep->port);
}
