/*
 * mtasts.h - the MTA-STS and TLS-RPT facts of a domain (RFC 8461,
 * RFC 8460), gathered on the caller's event loop.
 *
 * Purpose: for one domain, beside its probes,
 *   - TXT _mta-sts.DOMAIN and TXT _smtp._tls.DOMAIN through the run's
 *     DNS (probe/dns.h);
 *   - A and AAAA of mta-sts.DOMAIN through the same DNS, and, when it has
 *     an address, the policy https://mta-sts.DOMAIN/.well-known/mta-sts.txt
 *     with libcurl's multi interface driven by libevent events on the same
 *     loop (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION; no private
 *     loop, nothing blocks).  curl is handed the address with
 *     CURLOPT_RESOLVE, so no system resolver is asked and a lab run never
 *     leaves loopback.  WebPKI verification against ca_file / ca_path
 *     (the run's --ca-file/--ca-path; the system store when both are
 *     NULL), HTTPS only, no redirects (a 3xx is recorded with its
 *     Location), no proxy, a body limit (max_body, 64 KiB by default: the
 *     transfer is aborted and too_large set), connect and total timeouts.
 * The policy is fetched even without a TXT record (a policy nobody looks
 * for is a finding), but only when mta-sts.DOMAIN has an address.
 *
 * API: mx_sts_lookup_new() starts; `done` runs once from the loop when
 * every lookup and the fetch are over (never inside _new()).
 * mx_sts_lookup_store() moves the facts into a struct mx_sts of the model
 * (replacing what was there).  Facts only: analyzers/mtasts.c judges.
 *
 * Ownership: the lookup owns its facts until stored.  Free the lookup
 * after `done`, or after mx_dns_free() cancelled its DNS queries (the
 * HTTPS transfer is then aborted by the free) and before the loop is
 * freed.
 */
#ifndef MX_PROBE_MTASTS_H
#define MX_PROBE_MTASTS_H

#include <stddef.h>

#include "common/log.h"
#include "model/result.h"

#define MX_STS_MAX_BODY 65536
#define MX_STS_TEXT_CAP 8192 /* escaped policy text kept for renderers */

struct event_base;
struct mx_dns;
struct mx_sts_lookup;

struct mx_sts_params {
	const char *ca_file; /* NULL: system store (with ca_path NULL) */
	const char *ca_path;
	int connect_timeout_ms; /* 0: 10000 */
	int total_timeout_ms;	/* 0: 20000 */
	size_t max_body;	/* 0: MX_STS_MAX_BODY */
	int port;		/* 0: 443 (tests may pick another) */
	const struct mx_log *log;
};

typedef void (*mx_sts_done_cb)(void *arg, struct mx_sts_lookup *l);

/* NULL when base, domain or done is NULL or the domain does not fit a
 * DNS name.  dns may be NULL: nothing is looked up, `done` still runs. */
struct mx_sts_lookup *mx_sts_lookup_new(struct event_base *base,
					struct mx_dns *dns, const char *domain,
					const struct mx_sts_params *p,
					mx_sts_done_cb done, void *arg);
/* Move the facts into out (mx_sts_clear()ed first). */
void mx_sts_lookup_store(struct mx_sts_lookup *l, struct mx_sts *out);
void mx_sts_lookup_free(struct mx_sts_lookup *l);

#endif
