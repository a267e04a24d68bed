/*
 * jsonutil.c - the JSON helpers and the envelope; see jsonutil.h.
 */
#include "reports/jsonutil.h"

#include <stdlib.h>

#include "common/xalloc.h"
#include "reports/util.h"

json_t *mx_j_chk(struct mx_jc *c, json_t *j)
{
	if (j == NULL)
		c->err = 1;
	return j;
}

void mx_j_set(struct mx_jc *c, json_t *o, const char *key, json_t *v)
{
	if (v == NULL || o == NULL) {
		c->err = 1;
		json_decref(v);
		return;
	}
	if (json_object_set_new(o, key, v) != 0)
		c->err = 1;
}

void mx_j_push(struct mx_jc *c, json_t *a, json_t *v)
{
	if (v == NULL || a == NULL) {
		c->err = 1;
		json_decref(v);
		return;
	}
	if (json_array_append_new(a, v) != 0)
		c->err = 1;
}

json_t *mx_j_str(struct mx_jc *c, const char *s)
{
	json_t *j;
	char *safe;
	size_t i;

	if (s == NULL)
		return mx_j_chk(c, json_null());
	j = json_string(s);
	if (j != NULL)
		return j;
	safe = xstrdup(s);
	for (i = 0; safe[i]; i++)
		if ((unsigned char)safe[i] < 0x20 ||
		    (unsigned char)safe[i] >= 0x7f)
			safe[i] = '?';
	j = json_string(safe);
	free(safe);
	return mx_j_chk(c, j);
}

json_t *mx_j_int(struct mx_jc *c, long long v)
{
	return mx_j_chk(c, json_integer((json_int_t)v));
}

json_t *mx_j_bool(struct mx_jc *c, int v)
{
	return mx_j_chk(c, json_boolean(v));
}

json_t *mx_j_tri(struct mx_jc *c, int v)
{
	return mx_j_chk(c, v == 1   ? json_true()
			   : v == 0 ? json_false()
				    : json_null());
}

json_t *mx_j_time(struct mx_jc *c, time_t t)
{
	char buf[32];

	mx_rep_iso8601(t, buf, sizeof(buf));
	return buf[0] ? mx_j_str(c, buf) : mx_j_null(c);
}

json_t *mx_j_null(struct mx_jc *c)
{
	return mx_j_chk(c, json_null());
}

json_t *mx_j_obj(struct mx_jc *c)
{
	return mx_j_chk(c, json_object());
}

json_t *mx_j_arr(struct mx_jc *c)
{
	return mx_j_chk(c, json_array());
}

json_t *mx_j_strv(struct mx_jc *c, char *const *v, size_t n)
{
	json_t *a = mx_j_arr(c);
	size_t i;

	for (i = 0; i < n; i++)
		mx_j_push(c, a, mx_j_str(c, v[i]));
	return a;
}

json_t *mx_j_finding(struct mx_jc *c, const struct mx_finding *f)
{
	json_t *o = mx_j_obj(c);

	mx_j_set(c, o, "id", mx_j_str(c, f->def->id));
	mx_j_set(c, o, "severity", mx_j_str(c, mx_severity_name(f->severity)));
	mx_j_set(c, o, "default_severity",
		 mx_j_str(c, mx_severity_name(f->def->severity)));
	mx_j_set(c, o, "title", mx_j_str(c, f->def->title));
	mx_j_set(c, o, "where", mx_j_str(c, f->where));
	mx_j_set(c, o, "evidence", mx_j_str(c, f->evidence));
	mx_j_set(c, o, "fix", mx_j_str(c, f->fix ? f->fix : f->def->fix));
	mx_j_set(c, o, "reference", mx_j_str(c, f->def->reference));
	return o;
}

json_t *mx_j_findings(struct mx_jc *c, const struct mx_findings *fs)
{
	json_t *a = mx_j_arr(c);
	size_t i;

	for (i = 0; fs != NULL && i < fs->n; i++)
		mx_j_push(c, a, mx_j_finding(c, &fs->v[i]));
	return a;
}

json_t *mx_j_envelope(struct mx_jc *c, const char *command, int schema_version,
		      const char *tool_version, time_t started, int exit_status)
{
	json_t *root = mx_j_obj(c), *tool = mx_j_obj(c);
	char id[128];

	snprintf(id, sizeof(id), "%s%s/%d", MX_J_SCHEMA_BASE, command,
		 schema_version);
	mx_j_set(c, root, "schema", mx_j_str(c, id));
	mx_j_set(c, root, "schema_version", mx_j_int(c, schema_version));
	mx_j_set(c, tool, "name", mx_j_str(c, "mxprobe"));
	mx_j_set(c, tool, "version", mx_j_str(c, tool_version));
	mx_j_set(c, root, "tool", tool);
	mx_j_set(c, root, "started", mx_j_time(c, started));
	mx_j_set(c, root, "status",
		 mx_j_str(c, mx_rep_exit_name((enum mx_exit)exit_status)));
	mx_j_set(c, root, "exit_status", mx_j_int(c, exit_status));
	return root;
}

int mx_j_dump(struct mx_jc *c, FILE *out, json_t *root)
{
	int rc = -1;

	if (!c->err && root != NULL &&
	    json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 &&
	    fputc('\n', out) != EOF && fflush(out) == 0 && !ferror(out))
		rc = 0;
	json_decref(root);
	return rc;
}
