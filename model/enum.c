/*
 * enum.c - lifecycle of the enumeration facts; see enum.h.
 */
#include "model/enum.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

struct mx_enum *mx_enum_new(void)
{
	struct mx_enum *e = xcalloc(1, sizeof(*e));
	int i;

	for (i = 0; i < MX_EV__N; i++) {
		e->v[i].state = -1;
		e->v[i].server_order = -1;
	}
	return e;
}

static void suite_clear(struct mx_enum_suite *s)
{
	free(s->kx);
	free(s->group);
	free(s->dh_prime);
	free(s->auth_key);
	free(s->iana);
	free(s->openssl);
	free(s->grade_why);
}

static void client_clear(struct mx_client_sim *c)
{
	free(c->profile);
	free(c->name);
	free(c->version);
	free(c->kx);
	free(c->why);
	free(c->confirm_detail);
	free(c->real_stack);
	free(c->real_version);
	free(c->real_suite_name);
	free(c->real_kx_type);
	free(c->real_kx_group);
	free(c->real_fail_detail);
	free(c->advice_openssl);
	free(c->advice_openssl_tls13);
	free(c->advice_gnutls);
}

void mx_enum_version_clear(struct mx_enum_version *v)
{
	size_t j;

	for (j = 0; j < v->n; j++)
		suite_clear(&v->suites[j]);
	free(v->suites);
	free(v->refusal);
	free(v->order_method);
	free(v->incomplete_reason);
	memset(v, 0, sizeof(*v));
	v->state = -1;
	v->server_order = -1;
}

void mx_enum_free(struct mx_enum *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < MX_EV__N; i++)
		mx_enum_version_clear(&e->v[i]);
	for (i = 0; i < e->ngroups; i++)
		free(e->groups[i].name);
	free(e->groups);
	for (i = 0; i < e->ncert_keys; i++)
		free(e->cert_keys[i]);
	free(e->cert_keys);
	free(e->incomplete_reason);
	free(e->split_reason);
	free(e->intolerance_trigger);
	free(e->intolerance_reaction);
	free(e->intolerance_advice_openssl);
	free(e->intolerance_advice_tls13);
	free(e->untested_class);
	free(e->untested);
	for (i = 0; i < e->nclients; i++)
		client_clear(&e->clients[i]);
	free(e->clients);
	free(e);
}

struct mx_enum_suite *mx_enum_add_suite(struct mx_enum_version *v)
{
	struct mx_enum_suite *s;

	MX_GROW(v->suites, v->n, v->cap);
	s = &v->suites[v->n++];
	memset(s, 0, sizeof(*s));
	s->rank = -1;
	s->dh_safe_prime = -1;
	return s;
}

struct mx_enum_group *mx_enum_add_group(struct mx_enum *e)
{
	struct mx_enum_group *g;

	MX_GROW(e->groups, e->ngroups, e->capgroups);
	g = &e->groups[e->ngroups++];
	memset(g, 0, sizeof(*g));
	return g;
}

struct mx_client_sim *mx_enum_add_client(struct mx_enum *e)
{
	struct mx_client_sim *c;

	MX_GROW(e->clients, e->nclients, e->capclients);
	c = &e->clients[e->nclients++];
	memset(c, 0, sizeof(*c));
	c->confirmed = -1;
	return c;
}

const char *mx_enum_ver_name(enum mx_enum_ver v)
{
	static const char *const n[] = {"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2",
					"TLSv1.3"};
	return (unsigned)v < MX_EV__N ? n[v] : "unknown";
}

uint16_t mx_enum_ver_code(enum mx_enum_ver v)
{
	return (unsigned)v < MX_EV__N ? (uint16_t)(0x0300 + v) : 0;
}

const char *mx_suite_grade_name(int grade)
{
	static const char *const n[] = {
		[MX_GRADE_NONE] = "none",
		[MX_GRADE_GOOD] = "good",
		[MX_GRADE_OK] = "ok",
		[MX_GRADE_WEAK] = "weak",
		[MX_GRADE_INSECURE] = "insecure",
	};
	return grade >= 0 && (size_t)grade < sizeof(n) / sizeof(n[0]) ? n[grade]
								      : "none";
}

void mx_enum_join(char **dst, const char *text)
{
	char *n;

	if (*dst == NULL) {
		*dst = xstrdup(text);
		return;
	}
	n = xasprintf("%s; %s", *dst, text);
	free(*dst);
	*dst = n;
}
