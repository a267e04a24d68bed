/*
 * analyze.c - the entry point of the judgement: defaults, the run, and
 * the mapping from severities to the exit status (doc/exit-status.md).
 *
 * Precedence (as the monitoring plugins' max_state_alt): critical beats
 * warning beats unknown beats info beats ok.  A definite failure
 * somewhere is worth more than "could not test" elsewhere; info never
 * changes an OK run.
 */
#include "analyzers/analyze.h"
#include "analyzers/capcorr.h"

#include <string.h>

void mx_analyze_params_init(struct mx_analyze_params *p, time_t now)
{
	memset(p, 0, sizeof(*p));
	p->now = now;
	p->expiring_soon_days = 14;
	p->greeting_slow_ms = 5000;
	p->dh_crit_bits = 1024;
	p->dh_min_bits = 2048;
	p->ec_min_bits = 224;
}

enum mx_exit mx_exit_for_severity(enum mx_severity s)
{
	static const enum mx_exit ex[] = {
		[MX_SEV_OK] = MX_EXIT_OK,
		[MX_SEV_INFO] = MX_EXIT_OK,
		[MX_SEV_WARN] = MX_EXIT_WARNING,
		[MX_SEV_CRIT] = MX_EXIT_CRITICAL,
		[MX_SEV_UNKNOWN] = MX_EXIT_UNKNOWN,
	};
	return (size_t)s < sizeof(ex) / sizeof(ex[0]) ? ex[s] : MX_EXIT_UNKNOWN;
}

enum mx_exit mx_analyze_chain_verdict(const struct mx_endpoint *ep,
				      const struct mx_finding **v, size_t max,
				      size_t *n)
{
	enum mx_severity worst = MX_SEV_OK;
	size_t i;

	*n = 0;
	for (i = 0; i < ep->findings.n; i++) {
		const struct mx_finding *f = &ep->findings.v[i];

		if (strncmp(f->def->id, "cert.", 5) != 0 &&
		    strncmp(f->def->id, "local.", 6) != 0)
			continue;
		worst = mx_severity_worse(worst, f->severity);
		if (*n < max)
			v[(*n)++] = f;
	}
	return mx_exit_for_severity(worst);
}

void mx_analyze_run(struct mx_run *run, const struct mx_analyze_params *p)
{
	enum mx_severity worst = MX_SEV_OK;
	size_t i, k;

	run->cert_days_known = 0;
	run->cert_days_left = 0;
	run->cert_warn_days = p->expiring_soon_days;
	run->cert_crit_days = p->expiring_crit_days;
	for (i = 0; i < run->ntargets; i++) {
		mx_analyze_target(&run->targets[i], p);
		worst = mx_severity_worse(worst, run->targets[i].worst);
		for (k = 0; k < run->targets[i].nendpoints; k++) {
			const struct mx_chain *ch =
				&run->targets[i].endpoints[k].tls.chain;
			int64_t left;
			long days;

			if (ch->n == 0 || ch->v[0].not_after == 0)
				continue;
			left = (int64_t)ch->v[0].not_after - (int64_t)p->now;
			/* whole days, rounded down (also below zero) */
			days = (long)(left >= 0 ? left / 86400
						: -((-left + 86399) / 86400));
			if (!run->cert_days_known || days < run->cert_days_left)
				run->cert_days_left = days;
			run->cert_days_known = 1;
		}
	}
	/* --capture: packets the capture missed (analyzers/capcorr.c) */
	mx_capcorr_judge_run(run);
	if (run->ntargets > 0)
		worst = mx_severity_worse(worst, run->targets[0].worst);
	/* No target at all: nothing could be tested. */
	run->exit_status = run->ntargets == 0 ? MX_EXIT_UNKNOWN
					      : mx_exit_for_severity(worst);
}
