/*
 * confidence.c - the confidence factor (doc/confidence.md has the formula
 * and worked examples; the unit tests check the same examples).
 *
 *   endpoint score = sum over columns of weight * credit
 *                    weights  Connect 20, Banner 10, EHLO 10,
 *                             TLS offered 15, TLS negotiated 15,
 *                             Cert 15, Name 15   (sum 100)
 *                    credit   OK 1, WARN 1/2, FAIL 0, not reached 0
 *                    DANE 15 more when TLSA records are published
 *                    (ep->dane.nrr > 0); the score is then scaled
 *                    back to 0..100 (sum / 115 * 100)
 *   host score     = mean of its endpoints' scores (0 without endpoints)
 *   domain         = sum(w_h * host_h) / sum(w_h), w_h = 1 / (rank_h + 1)
 *                    where rank_h counts the distinct MX preferences lower
 *                    than host h's (equal preferences share a rank)
 *   result         = rounded half up to an integer percentage, or -1 when
 *                    no endpoint was even attempted.
 *
 * Pure arithmetic on the column verdicts; nothing allocates.
 */
#include "analyzers/analyze.h"

static const int col_weight[MX_COL__N] = {
	[MX_COL_CONNECT] = 20,	      [MX_COL_BANNER] = 10,
	[MX_COL_EHLO] = 10,	      [MX_COL_TLS_OFFERED] = 15,
	[MX_COL_TLS_NEGOTIATED] = 15, [MX_COL_CERT] = 15,
	[MX_COL_NAME] = 15,	      [MX_COL_DANE] = 15,
};

/* DANE counts only where TLSA records are published: a domain without
 * DANE is not marked down for it. */
static int counts(const struct mx_endpoint *ep, int col)
{
	return col != MX_COL_DANE || ep->dane.nrr > 0;
}

double mx_endpoint_score(const struct mx_endpoint *ep)
{
	double s = 0, w = 0;
	int i;

	for (i = 0; i < MX_COL__N; i++) {
		if (!counts(ep, i))
			continue;
		w += col_weight[i];
		if (ep->col[i] == MX_V_OK)
			s += col_weight[i];
		else if (ep->col[i] == MX_V_WARN)
			s += col_weight[i] / 2.0;
	}
	return w > 100 ? s * 100.0 / w : s;
}

/* Half up; the epsilon keeps 87.5 computed as 87.4999... at 88. */
static int round_pct(double x)
{
	return x <= 0 ? 0 : (int)(x + 0.5 + 1e-9);
}

static int attempted(const struct mx_endpoint *ep)
{
	return ep->smtp.connect.state != MX_STEP_NOT_RUN ||
	       ep->smtp.stop == MX_STOP_CONNECT_REFUSED ||
	       ep->smtp.stop == MX_STOP_CONNECT_TIMEOUT ||
	       ep->smtp.stop == MX_STOP_CONNECT_ERROR;
}

static double host_score(const struct mx_target *t, const struct mx_host *h)
{
	double sum = 0;
	size_t i, n = 0;

	for (i = h->first_ep; i < h->first_ep + h->nep && i < t->nendpoints;
	     i++, n++)
		sum += mx_endpoint_score(&t->endpoints[i]);
	return n ? sum / (double)n : 0;
}

/* Number of distinct preferences lower than `pref` (the host's rank). */
static size_t pref_rank(const struct mx_target *t, int pref)
{
	size_t i, j, rank = 0;

	for (i = 0; i < t->nhosts; i++) {
		int seen = 0;

		if (t->hosts[i].pref >= pref)
			continue;
		for (j = 0; j < i; j++)
			if (t->hosts[j].pref == t->hosts[i].pref)
				seen = 1;
		rank += !seen;
	}
	return rank;
}

int mx_target_confidence(const struct mx_target *t)
{
	double num = 0, den = 0;
	size_t i;
	int any = 0;

	for (i = 0; i < t->nendpoints; i++)
		any |= attempted(&t->endpoints[i]);
	if (!any)
		return -1;
	if (t->nhosts == 0) {
		/* Endpoints without host records: one host of them all. */
		for (i = 0; i < t->nendpoints; i++)
			num += mx_endpoint_score(&t->endpoints[i]);
		return round_pct(num / (double)t->nendpoints);
	}
	for (i = 0; i < t->nhosts; i++) {
		double w = 1.0 / (double)(pref_rank(t, t->hosts[i].pref) + 1);

		num += w * host_score(t, &t->hosts[i]);
		den += w;
	}
	return round_pct(num / den);
}
