/*
 * history_json.c - `mxprobe history --json` (reports/history.h), schema
 * doc/mxprobe-history.schema.json, described in doc/history.md.
 *
 * After the envelope: file, file_schema, match, since, truncated (more
 * probes matched than were read: the oldest are left out), endpoints (one
 * per key, keys in strcmp order: key, target, host, address, port, mode,
 * preference, probes newest first), summary (endpoints, probes, drift
 * findings per severity).  A probe: id, at, worst, complete, connected,
 * starttls (null: not applicable), stop, tls_completed, tls_version,
 * cipher, temp_key, certificate (with days_left at the probe's time),
 * chain (leaf-first fingerprints), verified, verify_error, dane,
 * mta_sts, total_ms, findings (the one finding shape) and drift (the
 * same shape plus before and after).  A finding id this mxprobe does not
 * know keeps its id and severity; its default_severity, title, fix and
 * reference are null.
 * Ownership: nothing kept.
 */
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/finding.h"
#include "reports/history.h"
#include "reports/jsonutil.h"

static json_t *finding(struct mx_jc *c, const struct mx_snapshot *s,
		       const struct mx_snap_finding *f, int drift)
{
	const struct mx_finding_def *def = mx_finding_def(f->id);
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "id", mx_j_str(c, f->id));
	mx_j_set(c, o, "severity", mx_j_str(c, mx_severity_name(f->severity)));
	mx_j_set(c, o, "default_severity",
		 def != NULL ? mx_j_str(c, mx_severity_name(def->severity))
			     : mx_j_null(c));
	mx_j_set(c, o, "title", mx_j_str(c, def != NULL ? def->title : NULL));
	mx_j_set(c, o, "where", mx_j_str(c, s->key));
	mx_j_set(c, o, "evidence", mx_j_str(c, f->evidence));
	mx_j_set(c, o, "fix", mx_j_str(c, def != NULL ? def->fix : NULL));
	mx_j_set(c, o, "reference",
		 mx_j_str(c, def != NULL ? def->reference : NULL));
	if (drift) {
		mx_j_set(c, o, "before", mx_j_str(c, f->before));
		mx_j_set(c, o, "after", mx_j_str(c, f->after));
	}
	return o;
}

static json_t *chain(struct mx_jc *c, const char *list)
{
	json_t *a = mx_j_arr(c);

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, ',');
		size_t len = end != NULL ? (size_t)(end - list) : strlen(list);
		char *one = xstrndup(list, len);
		mx_j_push(c, a, mx_j_str(c, one));
		free(one);
		list += len;
		if (*list == ',')
			list++;
	}
	return a;
}

static json_t *probe(struct mx_jc *c, const struct mx_snapshot *s)
{
	json_t *o = mx_j_obj(c), *a;
	int known;
	long days = mx_snapshot_days_left(s, s->at, &known);

	mx_j_set(c, o, "id", mx_j_int(c, s->id));
	mx_j_set(c, o, "at", mx_j_time(c, s->at));
	mx_j_set(c, o, "worst", mx_j_str(c, mx_severity_name(s->worst)));
	mx_j_set(c, o, "complete", mx_j_bool(c, s->complete));
	mx_j_set(c, o, "connected", mx_j_bool(c, s->connected));
	mx_j_set(c, o, "starttls", mx_j_tri(c, s->starttls));
	mx_j_set(c, o, "stop", mx_j_str(c, s->stop));
	mx_j_set(c, o, "tls_completed", mx_j_bool(c, s->tls_ok));
	mx_j_set(c, o, "tls_version", mx_j_str(c, s->tls_version));
	mx_j_set(c, o, "cipher", mx_j_str(c, s->suite));
	if (s->temp_key_type != NULL) {
		json_t *k = mx_j_obj(c);
		mx_j_set(c, k, "type", mx_j_str(c, s->temp_key_type));
		mx_j_set(c, k, "group", mx_j_str(c, s->temp_key_group));
		mx_j_set(c, k, "bits", mx_j_int(c, s->temp_key_bits));
		mx_j_set(c, o, "temp_key", k);
	} else
		mx_j_set(c, o, "temp_key", mx_j_null(c));
	if (s->cert_sha256 != NULL || s->cert_not_after != 0) {
		json_t *k = mx_j_obj(c);
		mx_j_set(c, k, "sha256", mx_j_str(c, s->cert_sha256));
		mx_j_set(c, k, "serial", mx_j_str(c, s->cert_serial));
		mx_j_set(c, k, "subject", mx_j_str(c, s->cert_subject));
		mx_j_set(c, k, "issuer", mx_j_str(c, s->cert_issuer));
		mx_j_set(c, k, "not_after",
			 known ? mx_j_time(c, s->cert_not_after)
			       : mx_j_null(c));
		mx_j_set(c, k, "days_left",
			 known ? mx_j_int(c, days) : mx_j_null(c));
		mx_j_set(c, o, "certificate", k);
	} else
		mx_j_set(c, o, "certificate", mx_j_null(c));
	mx_j_set(c, o, "chain", chain(c, s->chain));
	mx_j_set(c, o, "verified", mx_j_bool(c, s->verify_ok));
	mx_j_set(c, o, "verify_error", mx_j_str(c, s->verify_error));
	mx_j_set(c, o, "dane", mx_j_str(c, mx_dane_state_name(s->dane)));
	{
		json_t *k = mx_j_obj(c);
		mx_j_set(c, k, "state", mx_j_str(c, mx_sts_state_name(s->sts)));
		mx_j_set(c, k, "mode", mx_j_str(c, s->sts_mode));
		mx_j_set(c, k, "id", mx_j_str(c, s->sts_id));
		mx_j_set(c, o, "mta_sts", k);
	}
	mx_j_set(c, o, "total_ms", mx_j_int(c, s->total_ms));
	a = mx_j_arr(c);
	for (size_t i = 0; i < s->nfindings; i++)
		mx_j_push(c, a, finding(c, s, &s->findings[i], 0));
	mx_j_set(c, o, "findings", a);
	a = mx_j_arr(c);
	for (size_t i = 0; i < s->ndrift; i++)
		mx_j_push(c, a, finding(c, s, &s->drift[i], 1));
	mx_j_set(c, o, "drift", a);
	return o;
}

static json_t *endpoint(struct mx_jc *c, const struct mx_history_view *v,
			const size_t *idx, size_t from, size_t to)
{
	const struct mx_snapshot *s = v->v[idx[from]];
	json_t *o = mx_j_obj(c), *a = mx_j_arr(c);

	mx_j_set(c, o, "key", mx_j_str(c, s->key));
	mx_j_set(c, o, "target", mx_j_str(c, s->target));
	mx_j_set(c, o, "host", mx_j_str(c, s->host));
	mx_j_set(c, o, "address", mx_j_str(c, s->addr));
	mx_j_set(c, o, "port", mx_j_int(c, s->port));
	mx_j_set(c, o, "mode", mx_j_str(c, mx_tls_mode_name(s->mode)));
	mx_j_set(c, o, "preference",
		 s->pref >= 0 ? mx_j_int(c, s->pref) : mx_j_null(c));
	for (size_t i = from; i < to; i++)
		mx_j_push(c, a, probe(c, v->v[idx[i]]));
	mx_j_set(c, o, "probes", a);
	return o;
}

int mx_report_history_json(FILE *out, const struct mx_history_view *v,
			   const char *tool_version)
{
	struct mx_jc c = {0};
	size_t *starts = NULL, ng = 0;
	size_t *idx = mx_history_groups(v, &starts, &ng);
	long long by_sev[MX_SEV_UNKNOWN + 1] = {0};
	json_t *root, *eps, *sum, *drift;
	int rc;

	root = mx_j_envelope(&c, "history", MX_HISTORY_JSON_SCHEMA_VERSION,
			     tool_version, v->now, v->exit_status);
	mx_j_set(&c, root, "file", mx_j_str(&c, v->file));
	mx_j_set(&c, root, "file_schema", mx_j_int(&c, v->file_schema));
	mx_j_set(&c, root, "match", mx_j_str(&c, v->match));
	mx_j_set(&c, root, "since",
		 v->since != 0 ? mx_j_time(&c, v->since) : mx_j_null(&c));
	eps = mx_j_arr(&c);
	for (size_t g = 0; g < ng; g++)
		mx_j_push(&c, eps,
			  endpoint(&c, v, idx, starts[g],
				   g + 1 < ng ? starts[g + 1] : v->n));
	mx_j_set(&c, root, "truncated", mx_j_bool(&c, v->truncated));
	mx_j_set(&c, root, "endpoints", eps);
	for (size_t i = 0; i < v->n; i++)
		for (size_t k = 0; k < v->v[i]->ndrift; k++)
			if ((int)v->v[i]->drift[k].severity >= 0 &&
			    v->v[i]->drift[k].severity <= MX_SEV_UNKNOWN)
				by_sev[v->v[i]->drift[k].severity]++;
	sum = mx_j_obj(&c);
	mx_j_set(&c, sum, "endpoints", mx_j_int(&c, (long long)ng));
	mx_j_set(&c, sum, "probes", mx_j_int(&c, (long long)v->n));
	drift = mx_j_obj(&c);
	mx_j_set(&c, drift, "critical", mx_j_int(&c, by_sev[MX_SEV_CRIT]));
	mx_j_set(&c, drift, "warning", mx_j_int(&c, by_sev[MX_SEV_WARN]));
	mx_j_set(&c, drift, "info", mx_j_int(&c, by_sev[MX_SEV_INFO]));
	mx_j_set(&c, sum, "drift", drift);
	mx_j_set(&c, root, "summary", sum);
	rc = mx_j_dump(&c, out, root);
	free(idx);
	free(starts);
	return rc;
}
