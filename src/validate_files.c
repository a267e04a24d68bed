/*
 * validate_files.c - checkers of files and directories: they exist, have
 * the right type, can be read (or written, or created one level deep)
 * and parse as what they claim: --ca-file PEM with a certificate and
 * --tls-cert/--tls-key loaded by OpenSSL as the TLS code loads them,
 * --ca-path with hashed names, --trust-anchor DS/DNSKEY text
 * (validate_anchor.h), --destinations the relay table.  Reads are
 * capped; nothing is written or created here.  See validate_int.h.
 */
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/escape.h"
#include "common/xalloc.h"
#include "relay/dest.h"
#include "src/options.h"
#include "src/validate_anchor.h"
#include "src/validate_int.h"

#define TA_MAX_FILE (1024u * 1024u)

/* stat + type + access; why is errno text or the type problem. */
enum ftype { FT_FILE, FT_DIR };

static int path_ok(const char *path, enum ftype t, int amode, char *why,
		   size_t whylen)
{
	struct stat st;

	if (path[0] == '\0') {
		mx_v_why(why, whylen, "empty path");
		return -1;
	}
	if (stat(path, &st) < 0) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (t == FT_FILE && S_ISDIR(st.st_mode)) {
		mx_v_why(why, whylen, "is a directory, not a file");
		return -1;
	}
	if (t == FT_FILE && !S_ISREG(st.st_mode)) {
		mx_v_why(why, whylen, "not a regular file");
		return -1;
	}
	if (t == FT_DIR && !S_ISDIR(st.st_mode)) {
		mx_v_why(why, whylen, "not a directory");
		return -1;
	}
	if (access(path, amode) < 0) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The directory a new file `path` would be created in must exist and
 * be writable. */
static int parent_writable(const char *path, char *why, size_t whylen)
{
	char *dir = xstrdup(path), *slash;
	char *q;
	int rc = 0;

	while ((slash = strrchr(dir, '/')) != NULL && slash[1] == '\0' &&
	       slash != dir)
		*slash = '\0'; /* "a/b/" is "a/b" */
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0'; /* "/x": the root */
	else
		*slash = '\0';
	if (path_ok(dir, FT_DIR, W_OK | X_OK, why, whylen) < 0) {
		char *w = xstrdup(why);

		q = mx_escape_str(dir, 80);
		snprintf(why, whylen, "cannot be created: %s: %s", q, w);
		free(w);
		free(q);
		rc = -1;
	}
	free(dir);
	return rc;
}

/* An output file: "-" (standard output), an existing file that can be
 * written (not a directory), or a new one in a writable directory. */
static int output_ok(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return 0;
	if (path[0] == '\0') {
		mx_v_why(why, whylen, "empty path");
		return -1;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			mx_v_why(why, whylen, "is a directory, not a file");
			return -1;
		}
		if (access(path, W_OK) < 0) {
			mx_v_why(why, whylen, "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		return -1;
	}
	return parent_writable(path, why, whylen);
}

/* A directory that is used as it is or created (one level). */
static int dir_or_creatable(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (path[0] == '\0') {
		mx_v_why(why, whylen, "empty path");
		return -1;
	}
	if (stat(path, &st) == 0)
		return path_ok(path, FT_DIR, W_OK | X_OK, why, whylen);
	if (errno != ENOENT) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		return -1;
	}
	return parent_writable(path, why, whylen);
}

/* Read a whole regular file of at most max bytes (NUL-terminated copy).
 * Returns the buffer (free it) or NULL with why. */
char *mx_v_slurp(const char *path, size_t max, size_t *len, char *why,
		 size_t whylen)
{
	FILE *fp;
	char *buf;
	size_t n;

	if (path_ok(path, FT_FILE, R_OK, why, whylen) < 0)
		return NULL;
	fp = fopen(path, "rb");
	if (fp == NULL) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp)) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	if (n > max) {
		mx_v_why(why, whylen, "larger than %zu bytes", max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The last OpenSSL error as text (the queue is cleared). */
static const char *ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

/* ---- TLS material --------------------------------------------------------- */

/* PEM with at least one certificate, as the TLS backends load it. */
int mx_vc_ca_file(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	STACK_OF(X509_INFO) * inf;
	BIO *b;
	int i, ncert = 0;

	(void)c;
	if (path_ok(v, FT_FILE, R_OK, why, whylen) < 0)
		return -1;
	ERR_clear_error();
	b = BIO_new_file(v, "r");
	if (b == NULL) {
		mx_v_why(why, whylen, "%s", strerror(errno ? errno : EIO));
		ERR_clear_error();
		return -1;
	}
	inf = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
	BIO_free(b);
	if (inf == NULL) {
		mx_v_why(why, whylen, "not PEM certificates (%s)",
			 ossl_reason());
		return -1;
	}
	for (i = 0; i < sk_X509_INFO_num(inf); i++)
		if (sk_X509_INFO_value(inf, i)->x509 != NULL)
			ncert++;
	sk_X509_INFO_pop_free(inf, X509_INFO_free);
	ERR_clear_error();
	if (ncert == 0) {
		mx_v_why(why, whylen, "holds no PEM certificate");
		return -1;
	}
	return 0;
}

/* OpenSSL's hashed names: 8 hex digits, '.', [r]digits. */
static int hashed_name(const char *n)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)n[i]))
			return 0;
	if (n[8] != '.')
		return 0;
	n += 9;
	if (*n == 'r')
		n++;
	if (!isdigit((unsigned char)*n))
		return 0;
	while (isdigit((unsigned char)*n))
		n++;
	return *n == '\0';
}

int mx_vc_ca_path(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	struct dirent *e;
	DIR *d;
	int found = 0;

	(void)c;
	if (path_ok(v, FT_DIR, R_OK | X_OK, why, whylen) < 0)
		return -1;
	d = opendir(v);
	if (d == NULL) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		return -1;
	}
	while (!found && (e = readdir(d)) != NULL)
		found = hashed_name(e->d_name);
	closedir(d);
	if (!found) {
		mx_v_why(why, whylen,
			 "holds no hashed certificate names (run 'openssl "
			 "rehash' on it)");
		return -1;
	}
	return 0;
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0; /* an encrypted key cannot be used unattended */
}

/* Load a chain and/or a key the way the relay listener does. */
static int load_cert_key(const char *cert, const char *key, char *why,
			 size_t whylen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int rc = -1;

	if (ctx == NULL) {
		mx_v_why(why, whylen, "OpenSSL: %s", ossl_reason());
		return -1;
	}
	SSL_CTX_set_default_passwd_cb(ctx, no_password);
	ERR_clear_error();
	if (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		mx_v_why(why, whylen, "not a PEM certificate chain (%s)",
			 ossl_reason());
	else if (key &&
		 SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		/* with a certificate loaded OpenSSL also checks the pair */
		if (cert)
			mx_v_why(why, whylen,
				 "does not match the certificate of "
				 "--tls-cert (%s)",
				 ossl_reason());
		else
			mx_v_why(why, whylen,
				 "not an unencrypted PEM private key (%s)",
				 ossl_reason());
	} else if (cert && key && SSL_CTX_check_private_key(ctx) != 1)
		mx_v_why(why, whylen,
			 "does not match the certificate of "
			 "--tls-cert");
	else
		rc = 0;
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return rc;
}

int mx_vc_tls_cert(const struct vctx *c, const char *v, char *why,
		   size_t whylen)
{
	(void)c;
	if (path_ok(v, FT_FILE, R_OK, why, whylen) < 0)
		return -1;
	return load_cert_key(v, NULL, why, whylen);
}

int mx_vc_tls_key(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	if (path_ok(v, FT_FILE, R_OK, why, whylen) < 0 ||
	    load_cert_key(NULL, v, why, whylen) < 0)
		return -1;
	/* --tls-cert was checked first: now the pair */
	return c->o->tls_cert ? load_cert_key(c->o->tls_cert, v, why, whylen)
			      : 0;
}

/* ---- DNSSEC trust anchor (src/validate_anchor.c) --------------------- */

int mx_vc_trust_anchor(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	size_t len = 0;
	char *buf;
	int rc;

	(void)c;
	buf = mx_v_slurp(v, TA_MAX_FILE, &len, why, whylen);
	if (buf == NULL)
		return -1;
	rc = mx_anchor_check(buf, len, why, whylen);
	free(buf);
	return rc < 0 ? -1 : 0;
}

int mx_vc_destinations(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	struct mx_dest_table t;
	int rc;

	(void)c;
	if (path_ok(v, FT_FILE, R_OK, why, whylen) < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	rc = mx_dest_load(v, &t, why, whylen);
	mx_dest_table_free(&t);
	/* mx_dest_load names the file; the option line does already */
	if (rc < 0 && strncmp(why, v, strlen(v)) == 0 &&
	    strncmp(why + strlen(v), ": ", 2) == 0)
		memmove(why, why + strlen(v) + 2,
			strlen(why + strlen(v) + 2) + 1);
	return rc;
}

/* ---- files and directories ---------------------------------------------- */

int mx_vc_output(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	(void)c;
	return output_ok(v, why, whylen);
}

int mx_vc_dir_new(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	(void)c;
	return dir_or_creatable(v, why, whylen);
}

int mx_vc_dir_read(const struct vctx *c, const char *v, char *why,
		   size_t whylen)
{
	(void)c;
	return path_ok(v, FT_DIR, R_OK | X_OK, why, whylen);
}

/* relay creates its spool (one level, 0700); queue only reads one. */
int mx_vc_spool(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	if (c->cmd->extra & MX_OPT_RELAY)
		return dir_or_creatable(v, why, whylen);
	return path_ok(v, FT_DIR, R_OK | X_OK, why, whylen);
}

int mx_vc_message_arg(const struct vctx *c, const char *v, char *why,
		      size_t whylen)
{
	(void)c;
	if (strcmp(v, "-") == 0)
		return 0;
	return path_ok(v, FT_FILE, R_OK, why, whylen);
}
