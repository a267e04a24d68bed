/*
 * severity.c - the precedence of severities; see severity.h.
 */
#include "model/severity.h"

#include <stddef.h>

int mx_severity_rank(enum mx_severity s)
{
	static const int rank[] = {
		[MX_SEV_OK] = 0,   [MX_SEV_INFO] = 1, [MX_SEV_UNKNOWN] = 2,
		[MX_SEV_WARN] = 3, [MX_SEV_CRIT] = 4,
	};
	return (size_t)s < sizeof(rank) / sizeof(rank[0]) ? rank[s] : 2;
}

enum mx_severity mx_severity_worse(enum mx_severity a, enum mx_severity b)
{
	return mx_severity_rank(b) > mx_severity_rank(a) ? b : a;
}

int mx_severity_cmp(enum mx_severity a, enum mx_severity b)
{
	return mx_severity_rank(b) - mx_severity_rank(a);
}
