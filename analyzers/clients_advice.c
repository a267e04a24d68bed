/*
 * clients_advice.c - client settings that would work: cipher strings for
 * a failing client profile; part of analyzers/clients.h.
 *
 * Contract: mx_client_advise(profile, enum, prediction, &ossl, &gnutls)
 * is pure (no I/O): for a failing prediction, an OpenSSL cipher list and
 * a GnuTLS priority string that never name an insecure suite (NULL,
 * anon, EXPORT, RC4, DES, 3DES, MD5 MACs) and are predicted to negotiate
 * (by the prediction of clients_predict.c over the filtered suite list),
 * or NULL where no client cipher string helps (no common version,
 * nothing known).  The advice for handshake intolerance is not predicted
 * (the enumeration saw the drops as refusals): the real handshakes of
 * probe/confirm.c decide PASS or FAIL.
 *
 * Ownership: the strings are malloc'ed; the caller frees them.
 * Limits: an explicit suite list is cut at 1023 characters.
 */
#include "analyzers/clients_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/enum.h"
#include "wire/tls_registry.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Insecure by the list (NULL, anon, EXPORT, RC4, DES, 3DES) and
 * MD5 MACs: never in advice. */
static int insecure(const struct mx_suite *s)
{
	return (s->flags & (MX_SUITE_NULL | MX_SUITE_ANON | MX_SUITE_EXPORT |
			    MX_SUITE_RC4 | MX_SUITE_DES | MX_SUITE_3DES |
			    MX_SUITE_MD5)) != 0;
}

/* Drop from w the suites `drop` says no to. */
static void work_filter(struct mx_client_work *w,
			int (*drop)(const struct mx_suite *))
{
	size_t i, n = 0;

	for (i = 0; i < w->nsuites; i++) {
		const struct mx_suite *s = mx_suite_by_id(w->suites[i]);

		if (s != NULL && !drop(s))
			w->suites[n++] = w->suites[i];
	}
	w->nsuites = n;
}

static int is_dhe(const struct mx_suite *s)
{
	return s->kx == MX_KX_DHE || insecure(s);
}

/* The suites the server accepts in the profile's versions that are
 * secure and that a stack can name, in the server's order. */
static char *explicit_list(const struct mx_client_profile *p,
			   const struct mx_enum *e, int openssl)
{
	char buf[1024];
	size_t len = 0, i;
	int vi;

	buf[0] = '\0';
	for (vi = mx_client_version_index(p->max_version);
	     vi >= 0 && vi >= mx_client_version_index(p->min_version); vi--) {
		const struct mx_enum_version *v = &e->v[vi];

		if (v->state != 1 || mx_enum_ver_code(vi) == MX_TLS13)
			continue;
		for (i = 0; i < v->n; i++) {
			const struct mx_suite *s =
				mx_suite_by_id(v->suites[i].id);
			const char *name;
			int n;

			if (s == NULL || insecure(s) || s->kx == MX_KX_DHE)
				continue;
			name = openssl ? s->openssl : s->iana;
			if (name == NULL || strstr(buf, name) != NULL)
				continue;
			n = snprintf(buf + len, sizeof(buf) - len, "%s%s",
				     len ? ":" : "", name);
			if (n < 0 || (size_t)n >= sizeof(buf) - len)
				break;
			len += (size_t)n;
		}
	}
	return len > 0 ? xstrdup(buf) : NULL;
}

/* Client settings without the suite class the intolerant server drops
 * ("AES-GCM suites"): GnuTLS removes a cipher from every version, so its
 * string always applies; an OpenSSL cipher list does not reach TLS 1.3
 * suites, so it is offered only to clients that stop at TLS 1.2 or when
 * the class has no TLS 1.3 member.  Not predicted (the enumeration saw
 * the drops as refusals): the real handshake in probe/confirm.c decides
 * PASS or FAIL. */
static const struct {
	int cipher;	    /* enum mx_cipher: the trigger's class */
	const char *ossl;   /* cipher list exclusion */
	const char *gnutls; /* priority exclusions */
	int tls13;	    /* the class has TLS 1.3 suites */
} intol_map[] = {
	{MX_CIPHER_AES_GCM, "!AESGCM", "-AES-128-GCM:-AES-256-GCM", 1},
	{MX_CIPHER_CHACHA20_POLY1305, "!CHACHA20", "-CHACHA20-POLY1305", 1},
	{MX_CIPHER_AES_CCM, "!AESCCM",
	 "-AES-128-CCM:-AES-256-CCM:-AES-128-CCM-8:-AES-256-CCM-8", 1},
	{MX_CIPHER_CAMELLIA, "!CAMELLIA", "-CAMELLIA-128-CBC:-CAMELLIA-256-CBC",
	 0},
	{MX_CIPHER_ARIA_GCM, "!ARIA", NULL, 0},
	{MX_CIPHER_3DES, "!3DES", "-3DES-CBC", 0},
};

/* Whose settings the advice starts from: the profile's own, or those of
 * `advice_from` when its own list leaves nothing once the culprit goes
 * (a DHE-only list without DHE is empty). */
static const struct mx_client_profile *
advice_base(const struct mx_client_profile *p)
{
	const struct mx_client_profile *b =
		mx_client_profile_by_id(p->advice_from);

	return b != NULL ? b : p;
}

/* OpenSSL's default TLS 1.3 suites (SSL_CTX_set_ciphersuites), for a
 * profile that keeps the library's. */
#define OSSL_TLS13_DEFAULT                                                     \
	"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"                 \
	"TLS_AES_128_GCM_SHA256"

/* The profile's TLS 1.3 suites without those of the class `cipher`, as
 * an OpenSSL ciphersuites setting; NULL when none is left (or the list
 * is too long).  An OpenSSL cipher list never reaches TLS 1.3 suites:
 * this is the second, separate setting of the same advice. */
static char *tls13_without(const struct mx_client_profile *p, int cipher)
{
	const char *in = p->ossl_ciphersuites ? p->ossl_ciphersuites
					      : OSSL_TLS13_DEFAULT;
	char buf[512], name[96];
	size_t len = 0;
	const char *q = in;

	buf[0] = '\0';
	while (*q != '\0') {
		size_t n = strcspn(q, ":");
		const struct mx_suite *s;

		if (n > 0 && n < sizeof(name)) {
			memcpy(name, q, n);
			name[n] = '\0';
			s = mx_suite_by_name(name);
			if (s != NULL && s->cipher != cipher &&
			    !(cipher == MX_CIPHER_AES_CCM &&
			      s->cipher == MX_CIPHER_AES_CCM8) &&
			    len + n + 2 < sizeof(buf))
				len += (size_t)snprintf(buf + len,
							sizeof(buf) - len,
							"%s%s", len ? ":" : "",
							name);
		}
		q += n;
		if (*q == ':')
			q++;
	}
	return len > 0 ? xstrdup(buf) : NULL;
}

/* The intol_map row of the trigger, or NULL. */
static int intol_row(const struct mx_enum *e)
{
	size_t i;

	for (i = 0; i < N(intol_map); i++)
		if (e->trigger.kind == MX_INTOL_CIPHER &&
		    e->trigger.cipher == intol_map[i].cipher)
			return (int)i;
	return -1;
}

char *mx_client_advise_tls13(const struct mx_client_profile *p,
			     const struct mx_enum *e,
			     const struct mx_client_prediction *pred)
{
	int r;

	if (pred->ok || pred->fail != MX_CF_INTOLERANCE ||
	    p->max_version <= MX_TLS12 || (r = intol_row(e)) < 0 ||
	    !intol_map[r].tls13)
		return NULL;
	return tls13_without(advice_base(p), intol_map[r].cipher);
}

static void intolerance_advice(const struct mx_client_profile *p,
			       const struct mx_enum *e, const char *obase,
			       const char *gbase, char **advice_openssl,
			       char **advice_gnutls)
{
	size_t i;

	for (i = 0; i < N(intol_map); i++) {
		char *t13;

		if (e->trigger.kind != MX_INTOL_CIPHER ||
		    e->trigger.cipher != intol_map[i].cipher)
			continue;
		/* A TLS 1.3 client needs its TLS 1.3 suites set apart
		 * (mx_client_advise_tls13); none left: no OpenSSL
		 * advice. */
		t13 = intol_map[i].tls13 && p->max_version > MX_TLS12
			      ? tls13_without(advice_base(p),
					      intol_map[i].cipher)
			      : NULL;
		if (!intol_map[i].tls13 || p->max_version <= MX_TLS12 ||
		    t13 != NULL)
			*advice_openssl =
				xasprintf("%s:%s", obase, intol_map[i].ossl);
		free(t13);
		if (intol_map[i].gnutls != NULL)
			*advice_gnutls =
				xasprintf("%s:%s", gbase, intol_map[i].gnutls);
		return;
	}
}

void mx_client_advise(const struct mx_client_profile *p,
		      const struct mx_enum *e,
		      const struct mx_client_prediction *pred,
		      char **advice_openssl, char **advice_gnutls)
{
	const struct mx_client_profile *b = advice_base(p);
	const char *obase = b->ossl_ciphers ? b->ossl_ciphers : "DEFAULT";
	const char *gbase = b->gnutls_priority ? b->gnutls_priority : "NORMAL";
	struct mx_client_prediction again;
	struct mx_client_work w;

	*advice_openssl = *advice_gnutls = NULL;
	if (pred->ok)
		return;
	switch (pred->fail) {
	case MX_CF_DH_SMALL:
	case MX_CF_DH_LARGE:
		/* The seed problem of DESIGN.md: a client list without
		 * DHE, so the server's (EC)DHE or RSA choice comes next. */
		mx_client_work_init(&w, advice_base(p));
		w.p = p; /* the client's own limits, the base's suites */
		work_filter(&w, is_dhe);
		mx_client_predict_work(&w, e, &again);
		if (!again.ok)
			return;
		*advice_openssl = xasprintf(
			"%s:!kDHE:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES:!MD5",
			obase);
		*advice_gnutls = xasprintf("%s:-DHE-RSA:-DHE-DSS", gbase);
		return;
	case MX_CF_NO_SUITE:
	case MX_CF_NO_GROUP:
	case MX_CF_EC_SMALL:
		/* Name exactly the secure suites the server accepts. */
		*advice_openssl = explicit_list(p, e, 1);
		if (*advice_openssl != NULL)
			*advice_gnutls = xstrdup("NORMAL");
		return;
	case MX_CF_INTOLERANCE:
		intolerance_advice(p, e, obase, gbase, advice_openssl,
				   advice_gnutls);
		return;
	default:
		/* Versions, unknown: no client cipher string fixes these. */
		return;
	}
}
