/*
 * validate.c - every option value and argument checked before any I/O;
 * see validate.h.
 *
 * Three tables drive it:
 *  - vopts[]: each option's name, where its value lives in struct
 *    mx_opts (one string, a repeated list, a flag) and the function that
 *    checks one value.  A checker returns 0, or -1 with the problem in
 *    `why`; the driver writes "OPTION VALUE: why" with VALUE escaped.
 *  - rules[]: options that need (or exclude) each other, per command
 *    (selected by the command's enum mx_opt_extra bits).
 *  - the command's own arg_kind/min_args/max_args (src/main.c) for the
 *    positional arguments.
 *
 * Order: positional counts, then the rules, then each value in vopts[]
 * order, then the positional values; the first problem is reported.
 *
 * RFC references: RFC 5321 §4.1.2 (Domain, address-literal, Mailbox),
 * §4.1.3 (address literals), RFC 4033/4034 §5.3/§2.2 (DS, DNSKEY
 * presentation), RFC 5891 (IDNA, via libidn2), RFC 1035 §5.1 (master
 * file: comments, parentheses).
 */
#include "src/validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <idn2.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "analyzers/policy.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "model/policy.h"
#include "probe/target.h"
#include "relay/listener.h"
#include "relay/message.h"
#include "relay/spool.h"
#include "relay/workers.h"
#include "src/commands.h"
#include "src/validate_anchor.h"
#include "wire/smtp_data.h"

#define TA_MAX_FILE (1024u * 1024u)
#define BODY_MAX (16u * 1024u * 1024u) /* src/cmd_send.c MAX_BODY */
#define AUTH_USER_MAX 255

struct vctx {
	const struct mx_cmd *cmd;
	const struct mx_opts *o;
};

typedef int (*vcheck_fn)(const struct vctx *c, const char *v, char *why,
			 size_t whylen);

static void whyf(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void whyf(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ---- small helpers ------------------------------------------------------ */

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

static int has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static int parse_port(const char *s)
{
	size_t i, n = strlen(s);
	long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? 0 : -1;
}

static int is_v4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

static int is_v6(const char *s)
{
	struct in6_addr a;

	return inet_pton(AF_INET6, s, &a) == 1;
}

/* stat + type + access; why is errno text or the type problem. */
enum ftype { FT_FILE, FT_DIR };

static int path_ok(const char *path, enum ftype t, int amode, char *why,
		   size_t whylen)
{
	struct stat st;

	if (path[0] == '\0') {
		whyf(why, whylen, "empty path");
		return -1;
	}
	if (stat(path, &st) < 0) {
		whyf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (t == FT_FILE && S_ISDIR(st.st_mode)) {
		whyf(why, whylen, "is a directory, not a file");
		return -1;
	}
	if (t == FT_FILE && !S_ISREG(st.st_mode)) {
		whyf(why, whylen, "not a regular file");
		return -1;
	}
	if (t == FT_DIR && !S_ISDIR(st.st_mode)) {
		whyf(why, whylen, "not a directory");
		return -1;
	}
	if (access(path, amode) < 0) {
		whyf(why, whylen, "%s", strerror(errno));
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
		whyf(why, whylen, "empty path");
		return -1;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			whyf(why, whylen, "is a directory, not a file");
			return -1;
		}
		if (access(path, W_OK) < 0) {
			whyf(why, whylen, "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		whyf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	return parent_writable(path, why, whylen);
}

/* A directory that is used as it is or created (one level). */
static int dir_or_creatable(const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (path[0] == '\0') {
		whyf(why, whylen, "empty path");
		return -1;
	}
	if (stat(path, &st) == 0)
		return path_ok(path, FT_DIR, W_OK | X_OK, why, whylen);
	if (errno != ENOENT) {
		whyf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	return parent_writable(path, why, whylen);
}

/* Read a whole regular file of at most max bytes (NUL-terminated copy).
 * Returns the buffer (free it) or NULL with why. */
static char *slurp(const char *path, size_t max, size_t *len, char *why,
		   size_t whylen)
{
	FILE *fp;
	char *buf;
	size_t n;

	if (path_ok(path, FT_FILE, R_OK, why, whylen) < 0)
		return NULL;
	fp = fopen(path, "rb");
	if (fp == NULL) {
		whyf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp)) {
		whyf(why, whylen, "%s", strerror(errno));
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	if (n > max) {
		whyf(why, whylen, "larger than %zu bytes", max);
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

/* ---- names that reach the wire ------------------------------------------ */

/* RFC 5321 §4.1.3 address literal: [IPv4] or [IPv6:addr]. */
static int addr_literal_ok(const char *v)
{
	char in[INET6_ADDRSTRLEN + 8];
	size_t n = strlen(v);

	if (n < 3 || v[0] != '[' || v[n - 1] != ']' || n - 2 >= sizeof(in))
		return 0;
	memcpy(in, v + 1, n - 2);
	in[n - 2] = '\0';
	if (strncasecmp(in, "IPv6:", 5) == 0)
		return is_v6(in + 5);
	return is_v4(in);
}

/* An ASCII RFC 5321 Domain; non-ASCII gets the A-label as a hint. */
static int ascii_domain_ok(const char *v, char *why, size_t whylen)
{
	int utf8 = 0;

	if (v[0] == '\0') {
		whyf(why, whylen, "empty name");
		return -1;
	}
	if (has_ctl(v)) {
		whyf(why, whylen, "control character in a name");
		return -1;
	}
	if (has_non_ascii(v)) {
		char *a = NULL;

		if (idn2_to_ascii_8z(v, &a, IDN2_NONTRANSITIONAL) == IDN2_OK) {
			whyf(why, whylen, "not ASCII; write the A-label %s", a);
			idn2_free(a);
		} else {
			whyf(why, whylen,
			     "not ASCII and not a valid internationalized "
			     "name");
		}
		return -1;
	}
	if (!mx_smtp_domain_ok(v, strlen(v), &utf8) || utf8) {
		whyf(why, whylen,
		     "not an RFC 5321 domain (letters, digits, '-', labels "
		     "of 1 to 63 separated by dots)");
		return -1;
	}
	return 0;
}

static int chk_helo(const struct vctx *c, const char *v, char *why,
		    size_t whylen)
{
	(void)c;
	if (v[0] == '[') {
		if (has_ctl(v) || !addr_literal_ok(v)) {
			whyf(why, whylen,
			     "not an address literal ([192.0.2.1] or "
			     "[IPv6:2001:db8::1])");
			return -1;
		}
		return 0;
	}
	if (is_v4(v)) {
		whyf(why, whylen, "an address is sent as a literal: [%s]", v);
		return -1;
	}
	if (is_v6(v)) {
		whyf(why, whylen, "an address is sent as a literal: [IPv6:%s]",
		     v);
		return -1;
	}
	return ascii_domain_ok(v, why, whylen);
}

static int chk_mailbox(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	int utf8 = 0;

	(void)c;
	if (v[0] == '\0') {
		whyf(why, whylen, "empty address");
		return -1;
	}
	if (has_ctl(v)) {
		whyf(why, whylen, "control character in an address");
		return -1;
	}
	if (v[0] == '<') {
		whyf(why, whylen, "write the address without <>");
		return -1;
	}
	if (!mx_smtp_mailbox_ok(v, strlen(v), &utf8)) {
		whyf(why, whylen,
		     "not an RFC 5321 mailbox (local-part@domain, at most 64 "
		     "and 255 octets)");
		return -1;
	}
	return 0;
}

static int chk_secure_match(const struct vctx *c, const char *v, char *why,
			    size_t whylen)
{
	(void)c;
	return ascii_domain_ok(v[0] == '.' ? v + 1 : v, why, whylen);
}

static int chk_auth_user(const struct vctx *c, const char *v, char *why,
			 size_t whylen)
{
	(void)c;
	if (v[0] == '\0') {
		whyf(why, whylen, "empty user name");
		return -1;
	}
	if (has_ctl(v)) {
		whyf(why, whylen, "control character in the user name");
		return -1;
	}
	if (strlen(v) > AUTH_USER_MAX) {
		whyf(why, whylen, "longer than %d octets", AUTH_USER_MAX);
		return -1;
	}
	return 0;
}

/* A probe target (probe/target.h); a U-label name is converted there. */
static int chk_target(const struct vctx *c, const char *v, char *why,
		      size_t whylen)
{
	struct mx_run *run = mx_run_new();
	int r;

	(void)c;
	r = mx_target_parse(v, mx_run_add_target(run), why, whylen);
	mx_run_free(run);
	return r;
}

static int chk_smarthost(const struct vctx *c, const char *v, char *why,
			 size_t whylen)
{
	if (strchr(v, '@') != NULL) {
		whyf(why, whylen,
		     "takes no user information; use --auth-user and "
		     "--auth-password-file");
		return -1;
	}
	return chk_target(c, v, why, whylen);
}

/* ---- the message ---------------------------------------------------------- */

/* Build a message from the defaults plus one user part, to get the
 * message builder's own verdict on it (relay/message.h). */
static int trial_msg(const char *subject, const char *header,
		     const uint8_t *body, size_t body_len, char *why,
		     size_t whylen)
{
	static const char *const to[1] = {"postmaster@mxprobe.invalid"};
	const char *hdr[1];
	struct mx_msg_params mp;
	struct mx_msg_diag md;
	struct mx_msg *msg = NULL;
	enum mx_msg_status st;

	memset(&mp, 0, sizeof(mp));
	memset(&md, 0, sizeof(md));
	mp.from = "mxprobe@mxprobe.invalid";
	mp.to = to;
	mp.nto = 1;
	mp.subject = subject;
	if (header) {
		hdr[0] = header;
		mp.headers = hdr;
		mp.nheaders = 1;
	}
	mp.body = body;
	mp.body_len = body_len;
	mp.date = 0;
	mp.random = mx_relay_random_os;
	st = mx_msg_new(&mp, &msg, &md);
	mx_msg_free(msg);
	if (st != MX_MSG_OK) {
		whyf(why, whylen, "%s", md.text[0] ? md.text : "refused");
		return -1;
	}
	return 0;
}

static int chk_subject(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	(void)c;
	if (has_ctl(v) && strchr(v, '\t') == NULL) {
		whyf(why, whylen, "control character in the subject");
		return -1;
	}
	return trial_msg(v, NULL, NULL, 0, why, whylen);
}

static int chk_header(const struct vctx *c, const char *v, char *why,
		      size_t whylen)
{
	const char *colon = strchr(v, ':');

	(void)c;
	if (colon == NULL || colon == v) {
		whyf(why, whylen, "want 'Name: value'");
		return -1;
	}
	return trial_msg(NULL, v, NULL, 0, why, whylen);
}

static int chk_body_file(const struct vctx *c, const char *v, char *why,
			 size_t whylen)
{
	size_t len = 0;
	char *body;
	int rc;

	(void)c;
	body = slurp(v, BODY_MAX - 1, &len, why, whylen);
	if (body == NULL)
		return -1;
	rc = trial_msg(NULL, NULL, (const uint8_t *)body, len, why, whylen);
	free(body);
	return rc;
}

/* ---- secrets ------------------------------------------------------------ */

static int chk_pwfile(const struct vctx *c, const char *v, char *why,
		      size_t whylen)
{
	char pw[MX_PW_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	(void)c;
	fd = open(v, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		whyf(why, whylen, "%s",
		     errno == ELOOP ? "a symbolic link; name the file itself"
				    : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		whyf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		whyf(why, whylen, "%s",
		     S_ISDIR(st.st_mode) ? "is a directory, not a file"
					 : "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		char *q = mx_escape_str(v, 80);

		whyf(why, whylen,
		     "refused: group or others may access it (mode %04o); run "
		     "'chmod 600 %s'",
		     (unsigned)(st.st_mode & 07777), q);
		free(q);
		close(fd);
		return -1;
	}
	n = read(fd, pw, sizeof(pw) - 1);
	close(fd);
	if (n < 0) {
		whyf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	pw[n] = '\0';
	if ((size_t)n == sizeof(pw) - 1 && strcspn(pw, "\r\n") == (size_t)n)
		whyf(why, whylen, "the password is longer than %d octets",
		     MX_PW_MAX - 2);
	else if (strcspn(pw, "\r\n") == 0)
		whyf(why, whylen,
		     "holds no password (the first line is "
		     "empty)");
	else
		why[0] = '\0';
	explicit_bzero(pw, sizeof(pw));
	return why[0] ? -1 : 0;
}

static int chk_pwenv(const struct vctx *c, const char *v, char *why,
		     size_t whylen)
{
	const char *p, *val;

	(void)c;
	for (p = v; *p; p++)
		if (!(isalpha((unsigned char)*p) || *p == '_' ||
		      (p > v && isdigit((unsigned char)*p))))
			break;
	if (v[0] == '\0' || *p) {
		whyf(why, whylen, "not an environment variable name");
		return -1;
	}
	val = getenv(v);
	if (val == NULL || val[0] == '\0') {
		whyf(why, whylen, "not set or empty");
		return -1;
	}
	if (strlen(val) >= MX_PW_MAX) {
		whyf(why, whylen, "the password is longer than %d octets",
		     MX_PW_MAX - 1);
		return -1;
	}
	return 0;
}

/* ---- TLS material --------------------------------------------------------- */

/* PEM with at least one certificate, as the TLS backends load it. */
static int chk_ca_file(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
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
		whyf(why, whylen, "%s", strerror(errno ? errno : EIO));
		ERR_clear_error();
		return -1;
	}
	inf = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
	BIO_free(b);
	if (inf == NULL) {
		whyf(why, whylen, "not PEM certificates (%s)", ossl_reason());
		return -1;
	}
	for (i = 0; i < sk_X509_INFO_num(inf); i++)
		if (sk_X509_INFO_value(inf, i)->x509 != NULL)
			ncert++;
	sk_X509_INFO_pop_free(inf, X509_INFO_free);
	ERR_clear_error();
	if (ncert == 0) {
		whyf(why, whylen, "holds no PEM certificate");
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

static int chk_ca_path(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	struct dirent *e;
	DIR *d;
	int found = 0;

	(void)c;
	if (path_ok(v, FT_DIR, R_OK | X_OK, why, whylen) < 0)
		return -1;
	d = opendir(v);
	if (d == NULL) {
		whyf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	while (!found && (e = readdir(d)) != NULL)
		found = hashed_name(e->d_name);
	closedir(d);
	if (!found) {
		whyf(why, whylen,
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
		whyf(why, whylen, "OpenSSL: %s", ossl_reason());
		return -1;
	}
	SSL_CTX_set_default_passwd_cb(ctx, no_password);
	ERR_clear_error();
	if (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		whyf(why, whylen, "not a PEM certificate chain (%s)",
		     ossl_reason());
	else if (key &&
		 SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		/* with a certificate loaded OpenSSL also checks the pair */
		if (cert)
			whyf(why, whylen,
			     "does not match the certificate of "
			     "--tls-cert (%s)",
			     ossl_reason());
		else
			whyf(why, whylen,
			     "not an unencrypted PEM private key (%s)",
			     ossl_reason());
	} else if (cert && key && SSL_CTX_check_private_key(ctx) != 1)
		whyf(why, whylen,
		     "does not match the certificate of "
		     "--tls-cert");
	else
		rc = 0;
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return rc;
}

static int chk_tls_cert(const struct vctx *c, const char *v, char *why,
			size_t whylen)
{
	(void)c;
	if (path_ok(v, FT_FILE, R_OK, why, whylen) < 0)
		return -1;
	return load_cert_key(v, NULL, why, whylen);
}

static int chk_tls_key(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	if (path_ok(v, FT_FILE, R_OK, why, whylen) < 0 ||
	    load_cert_key(NULL, v, why, whylen) < 0)
		return -1;
	/* --tls-cert was checked first: now the pair */
	return c->o->tls_cert ? load_cert_key(c->o->tls_cert, v, why, whylen)
			      : 0;
}

/* ---- DNSSEC trust anchor (src/validate_anchor.c) --------------------- */

static int chk_trust_anchor(const struct vctx *c, const char *v, char *why,
			    size_t whylen)
{
	size_t len = 0;
	char *buf;
	int rc;

	(void)c;
	buf = slurp(v, TA_MAX_FILE, &len, why, whylen);
	if (buf == NULL)
		return -1;
	rc = mx_anchor_check(buf, len, why, whylen);
	free(buf);
	return rc < 0 ? -1 : 0;
}

/* ---- DNS, policies, relay settings ---------------------------------------- */

static int chk_resolver(const struct vctx *c, const char *v, char *why,
			size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *colon;
	size_t hlen;
	int ok;

	(void)c;
	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL)
			goto bad;
		hlen = (size_t)(close - v - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad;
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, v + 1, hlen);
		host[hlen] = '\0';
		ok = is_v6(host);
	} else {
		colon = strchr(v, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hlen = (size_t)(colon - v);
			port = colon + 1;
		} else {
			hlen = strlen(v);
		}
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, v, hlen);
		host[hlen] = '\0';
		ok = strchr(host, ':') ? is_v6(host) : is_v4(host);
	}
	if (ok && (port == NULL || parse_port(port) == 0))
		return 0;
bad:
	whyf(why, whylen, "want IP, IP:PORT or [IPv6]:PORT (1..65535)");
	return -1;
}

static int chk_tls_policy(const struct vctx *c, const char *v, char *why,
			  size_t whylen)
{
	enum mx_tls_policy p;

	(void)c;
	if (mx_tls_policy_parse(v, &p) == 0)
		return 0;
	whyf(why, whylen,
	     "takes none, may, encrypt, verify, secure, dane, dane-only or "
	     "fingerprint");
	return -1;
}

static int chk_esa_policy(const struct vctx *c, const char *v, char *why,
			  size_t whylen)
{
	static const char *const names[] = {"off", "preferred", "required",
					    "preferred-verify",
					    "required-verify"};
	size_t i;

	(void)c;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			return 0;
	whyf(why, whylen,
	     "takes off, preferred, required, preferred-verify or "
	     "required-verify");
	return -1;
}

static int chk_fingerprint(const struct vctx *c, const char *v, char *why,
			   size_t whylen)
{
	char buf[160];

	(void)c;
	if (mx_policy_fp_normalize(v, buf, sizeof(buf)) == 0)
		return 0;
	whyf(why, whylen,
	     "not a fingerprint (SHA-256: 64 hex digits, colons allowed)");
	return -1;
}

static int chk_listen(const struct vctx *c, const char *v, char *why,
		      size_t whylen)
{
	char addr[64];
	uint16_t port;

	(void)c;
	if (mx_listen_parse(v, addr, sizeof(addr), &port) == 0)
		return 0;
	whyf(why, whylen, "want ADDRESS:PORT (127.0.0.1:2525, [::1]:2525)");
	return -1;
}

static int chk_allow(const struct vctx *c, const char *v, char *why,
		     size_t whylen)
{
	struct mx_net net;

	(void)c;
	if (mx_net_parse(v, &net) == 0)
		return 0;
	whyf(why, whylen,
	     "want a network (127.0.0.0/8, ::1, 192.0.2.0/24; host bits "
	     "zero)");
	return -1;
}

/* Octets or a count with k/M suffixes, lo..hi (src/cmd_relay.c). */
static int size_in(const char *v, unsigned long lo, unsigned long hi, char *why,
		   size_t whylen)
{
	unsigned long n, mult = 1;
	char *end;

	errno = 0;
	if (v[0] >= '0' && v[0] <= '9') {
		n = strtoul(v, &end, 10);
		if (*end == 'k' || *end == 'K')
			mult = 1024, end++;
		else if (*end == 'M' || *end == 'm')
			mult = 1024 * 1024, end++;
		if (!errno && *end == '\0' && n <= hi / mult && n * mult >= lo)
			return 0;
	}
	whyf(why, whylen, "want %lu to %lu (k and M suffixes allowed)", lo, hi);
	return -1;
}

static int chk_max_msg(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	(void)c;
	return size_in(v, 1024, MX_SPOOL_MAX_MESSAGE, why, whylen);
}

static int chk_max_rcpts(const struct vctx *c, const char *v, char *why,
			 size_t whylen)
{
	(void)c;
	return size_in(v, 1, MX_SPOOL_MAX_RCPTS, why, whylen);
}

static int chk_max_deliv(const struct vctx *c, const char *v, char *why,
			 size_t whylen)
{
	(void)c;
	return size_in(v, 1, 1000, why, whylen);
}

static int chk_lifetime(const struct vctx *c, const char *v, char *why,
			size_t whylen)
{
	unsigned s;

	(void)c;
	if (mx_duration_parse(v, &s) == 0)
		return 0;
	whyf(why, whylen, "want a duration from 1s to 365d (3600, 90m, 5d)");
	return -1;
}

static int chk_retry(const struct vctx *c, const char *v, char *why,
		     size_t whylen)
{
	unsigned sched[MX_RETRY_MAX];
	size_t n;

	(void)c;
	return mx_retry_parse(v, sched, MX_RETRY_MAX, &n, why, whylen);
}

static int chk_destinations(const struct vctx *c, const char *v, char *why,
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

static int chk_output(const struct vctx *c, const char *v, char *why,
		      size_t whylen)
{
	(void)c;
	return output_ok(v, why, whylen);
}

static int chk_dir_new(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	(void)c;
	return dir_or_creatable(v, why, whylen);
}

static int chk_dir_read(const struct vctx *c, const char *v, char *why,
			size_t whylen)
{
	(void)c;
	return path_ok(v, FT_DIR, R_OK | X_OK, why, whylen);
}

/* relay creates its spool (one level, 0700); queue only reads one. */
static int chk_spool(const struct vctx *c, const char *v, char *why,
		     size_t whylen)
{
	if (c->cmd->extra & MX_OPT_RELAY)
		return dir_or_creatable(v, why, whylen);
	return path_ok(v, FT_DIR, R_OK | X_OK, why, whylen);
}

static int chk_message_arg(const struct vctx *c, const char *v, char *why,
			   size_t whylen)
{
	(void)c;
	if (strcmp(v, "-") == 0)
		return 0;
	return path_ok(v, FT_FILE, R_OK, why, whylen);
}

/* ---- the option table ----------------------------------------------------- */

enum vid {
	V_RESOLVER,
	V_TRUST_ANCHOR,
	V_CA_FILE,
	V_CA_PATH,
	V_HELO,
	V_OUTPUT,
	V_EXPORT,
	V_FORCE,
	V_JSON,
	V_TO,
	V_FROM,
	V_VIA,
	V_SUBJECT,
	V_BODY_FILE,
	V_HEADER,
	V_SIZE,
	V_MAILDIR,
	V_AUTH_USER,
	V_AUTH_PWFILE,
	V_AUTH_PWENV,
	V_ALLOW_PLAIN,
	V_TLS_POLICY,
	V_ESA_POLICY,
	V_FINGERPRINT,
	V_SECURE_MATCH,
	V_SEND_TEST,
	V_LISTEN,
	V_SPOOL,
	V_SMARTHOST,
	V_TLS_CERT,
	V_TLS_KEY,
	V_DESTINATIONS,
	V_LOG,
	V_MAX_MSG,
	V_MAX_RCPTS,
	V_ALLOW,
	V_LIFETIME,
	V_RETRY,
	V_MAX_DELIV,
	V__N,
	V_NONE = V__N,
};

enum vfield {
	F_STR,	/* const char * */
	F_LIST, /* const char *[], int count at noff */
	F_INT,	/* int flag */
	F_LONG, /* long */
};

struct vopt {
	const char *name;
	enum vfield field;
	size_t off, noff;
	vcheck_fn check; /* NULL: nothing more to check */
};

#define STR(f) F_STR, offsetof(struct mx_opts, f), 0
#define LIST(f, n)                                                             \
	F_LIST, offsetof(struct mx_opts, f), offsetof(struct mx_opts, n)
#define INT(f) F_INT, offsetof(struct mx_opts, f), 0
#define LONG(f) F_LONG, offsetof(struct mx_opts, f), 0

/* In the order values are checked. */
static const struct vopt vopts[V__N] = {
	[V_RESOLVER] = {"--resolver", STR(resolver), chk_resolver},
	[V_TRUST_ANCHOR] = {"--trust-anchor", STR(trust_anchor),
			    chk_trust_anchor},
	[V_CA_FILE] = {"--ca-file", STR(ca_file), chk_ca_file},
	[V_CA_PATH] = {"--ca-path", STR(ca_path), chk_ca_path},
	[V_HELO] = {"--helo", STR(helo), chk_helo},
	[V_OUTPUT] = {"-o", STR(output), chk_output},
	[V_EXPORT] = {"--export", STR(export_dir), chk_dir_new},
	[V_FORCE] = {"--force", INT(force), NULL},
	[V_JSON] = {"--json", INT(json), NULL},
	[V_TO] = {"--to", LIST(to, nto), chk_mailbox},
	[V_FROM] = {"--from", STR(from), chk_mailbox},
	[V_VIA] = {"--via", STR(via), chk_target},
	[V_SUBJECT] = {"--subject", STR(subject), chk_subject},
	[V_BODY_FILE] = {"--body-file", STR(body_file), chk_body_file},
	[V_HEADER] = {"--header", LIST(header, nheader), chk_header},
	[V_SIZE] = {"--size", LONG(size), NULL},
	[V_MAILDIR] = {"--maildir", STR(maildir), chk_dir_read},
	[V_AUTH_USER] = {"--auth-user", STR(auth_user), chk_auth_user},
	[V_AUTH_PWFILE] = {"--auth-password-file", STR(auth_password_file),
			   chk_pwfile},
	[V_AUTH_PWENV] = {"--auth-password-env", STR(auth_password_env),
			  chk_pwenv},
	[V_ALLOW_PLAIN] = {"--allow-plaintext-auth", INT(allow_plaintext_auth),
			   NULL},
	[V_TLS_POLICY] = {"--tls-policy", STR(tls_policy), chk_tls_policy},
	[V_ESA_POLICY] = {"--esa-policy", STR(esa_policy), chk_esa_policy},
	[V_FINGERPRINT] = {"--fingerprint", LIST(fingerprint, nfingerprint),
			   chk_fingerprint},
	[V_SECURE_MATCH] = {"--secure-match", LIST(secure_match, nsecure_match),
			    chk_secure_match},
	[V_SEND_TEST] = {"--send-test", STR(send_test), chk_mailbox},
	[V_LISTEN] = {"--listen", STR(listen), chk_listen},
	[V_SPOOL] = {"--spool", STR(spool), chk_spool},
	[V_SMARTHOST] = {"--smarthost", STR(smarthost), chk_smarthost},
	[V_TLS_CERT] = {"--tls-cert", STR(tls_cert), chk_tls_cert},
	[V_TLS_KEY] = {"--tls-key", STR(tls_key), chk_tls_key},
	[V_DESTINATIONS] = {"--destinations", STR(destinations),
			    chk_destinations},
	[V_LOG] = {"--log", LIST(log_file, nlog_file), chk_output},
	[V_MAX_MSG] = {"--max-message-size", STR(max_message_size),
		       chk_max_msg},
	[V_MAX_RCPTS] = {"--max-recipients", STR(max_recipients),
			 chk_max_rcpts},
	[V_ALLOW] = {"--allow", LIST(allow, nallow), chk_allow},
	[V_LIFETIME] = {"--max-queue-lifetime", STR(max_queue_lifetime),
			chk_lifetime},
	[V_RETRY] = {"--retry-schedule", STR(retry_schedule), chk_retry},
	[V_MAX_DELIV] = {"--max-deliveries", STR(max_deliveries),
			 chk_max_deliv},
};

/* The n-th value of option id, or NULL past the last. */
static const char *value_of(const struct mx_opts *o, enum vid id, int i)
{
	const struct vopt *d = &vopts[id];
	const char *base = (const char *)o;

	switch (d->field) {
	case F_STR:
		return i == 0 ? *(const char *const *)(base + d->off) : NULL;
	case F_LIST:
		if (i >= *(const int *)(base + d->noff))
			return NULL;
		return ((const char *const *)(base + d->off))[i];
	default:
		return NULL;
	}
}

static int given(const struct mx_opts *o, enum vid id)
{
	const struct vopt *d = &vopts[id];
	const char *base = (const char *)o;

	switch (d->field) {
	case F_STR:
		return *(const char *const *)(base + d->off) != NULL;
	case F_LIST:
		return *(const int *)(base + d->noff) > 0;
	case F_INT:
		return *(const int *)(base + d->off) != 0;
	case F_LONG:
		return *(const long *)(base + d->off) != 0;
	}
	return 0;
}

/* ---- options that need each other ---------------------------------------- */

enum vrule_kind {
	R_NEEDS,     /* a needs b (or alt) */
	R_EXCLUDES,  /* not a and b together */
	R_REQUIRED,  /* the command needs b */
	R_SEND_TEST, /* check: a only goes with --send-test */
};

struct vrule {
	enum vrule_kind kind;
	enum vid a, b, alt;
	unsigned only; /* commands with one of these extra bits; 0: all */
	const char *why;
};

static const struct vrule rules[] = {
	{R_REQUIRED, V_NONE, V_TO, V_NONE, MX_OPT_SEND,
	 "--to ADDR is required (try 'mxprobe send --help')"},
	{R_REQUIRED, V_NONE, V_SPOOL, V_NONE, MX_OPT_RELAY | MX_OPT_QUEUE,
	 "--spool DIR is required"},
	{R_NEEDS, V_AUTH_PWFILE, V_AUTH_USER, V_NONE, 0,
	 "without it no AUTH is done"},
	{R_NEEDS, V_AUTH_PWENV, V_AUTH_USER, V_NONE, 0,
	 "without it no AUTH is done"},
	{R_NEEDS, V_ALLOW_PLAIN, V_AUTH_USER, V_NONE, 0, "it is about AUTH"},
	{R_NEEDS, V_AUTH_USER, V_AUTH_PWFILE, V_AUTH_PWENV, 0,
	 "the password is never taken from the command line"},
	{R_EXCLUDES, V_AUTH_PWFILE, V_AUTH_PWENV, V_NONE, 0,
	 "give the password one way"},
	{R_EXCLUDES, V_TLS_POLICY, V_ESA_POLICY, V_NONE, 0,
	 "give the level one way"},
	{R_NEEDS, V_FORCE, V_EXPORT, V_NONE, 0, "it overwrites exported files"},
	{R_NEEDS, V_TLS_CERT, V_TLS_KEY, V_NONE, 0, "they go together"},
	{R_NEEDS, V_TLS_KEY, V_TLS_CERT, V_NONE, 0, "they go together"},
	{R_SEND_TEST, V_FROM, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_SUBJECT, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_BODY_FILE, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_HEADER, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_SIZE, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_MAILDIR, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_AUTH_USER, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_TLS_POLICY, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_ESA_POLICY, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST, NULL},
	{R_SEND_TEST, V_FINGERPRINT, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST,
	 NULL},
	{R_SEND_TEST, V_SECURE_MATCH, V_SEND_TEST, V_NONE, MX_OPT_SENDTEST,
	 NULL},
};

static int rule_broken(const struct vrule *r, const struct vctx *c, char *err,
		       size_t errlen)
{
	const struct mx_opts *o = c->o;

	if (r->only && !(c->cmd->extra & r->only))
		return 0;
	switch (r->kind) {
	case R_REQUIRED:
		if (given(o, r->b))
			return 0;
		snprintf(err, errlen, "%s", r->why);
		return 1;
	case R_NEEDS:
		if (!given(o, r->a) || given(o, r->b) ||
		    (r->alt != V_NONE && given(o, r->alt)))
			return 0;
		if (r->alt != V_NONE)
			snprintf(err, errlen, "%s needs %s or %s: %s",
				 vopts[r->a].name, vopts[r->b].name,
				 vopts[r->alt].name, r->why);
		else
			snprintf(err, errlen, "%s needs %s: %s",
				 vopts[r->a].name, vopts[r->b].name, r->why);
		return 1;
	case R_EXCLUDES:
		if (!given(o, r->a) || !given(o, r->b))
			return 0;
		snprintf(err, errlen, "%s and %s exclude each other: %s",
			 vopts[r->a].name, vopts[r->b].name, r->why);
		return 1;
	case R_SEND_TEST:
		if (!given(o, r->a) || given(o, r->b))
			return 0;
		snprintf(err, errlen,
			 "%s is for the test message: it needs --send-test "
			 "RCPT",
			 vopts[r->a].name);
		return 1;
	}
	return 0;
}

/* Rules that look at values, not only at presence. */
static int special_rules(const struct vctx *c, char *err, size_t errlen)
{
	const struct mx_opts *o = c->o;
	enum mx_tls_policy level = MX_POLICY_MAY;
	int sends = (c->cmd->extra & (MX_OPT_SEND | MX_OPT_SENDTEST)) != 0;

	if (o->tls_policy && mx_tls_policy_parse(o->tls_policy, &level) == 0 &&
	    level == MX_POLICY_FINGERPRINT && o->nfingerprint == 0) {
		snprintf(err, errlen,
			 "--tls-policy fingerprint needs --fingerprint "
			 "SHA256");
		return 1;
	}
	/* send, check --send-test: a fingerprint only counts at that
	 * level (relay's destination rows may use it; policy judges it). */
	if (sends && o->nfingerprint > 0 && level != MX_POLICY_FINGERPRINT) {
		snprintf(err, errlen,
			 "--fingerprint needs --tls-policy fingerprint "
			 "(other levels ignore it)");
		return 1;
	}
	if ((c->cmd->extra & MX_OPT_SENDTEST) && o->send_test && o->json &&
	    (o->output == NULL || strcmp(o->output, "-") == 0)) {
		snprintf(err, errlen,
			 "--send-test with --json needs -o FILE (the send "
			 "test goes to FILE.send-test.json)");
		return 1;
	}
	/* send without --via: the next hop is the first recipient's
	 * domain, which must be a target. */
	if ((c->cmd->extra & MX_OPT_SEND) && o->via == NULL && o->nto > 0) {
		const char *at = strrchr(o->to[0], '@');
		char why[256];

		if (at && chk_target(c, at + 1, why, sizeof(why)) < 0) {
			char *q = mx_escape_str(o->to[0], 80);

			snprintf(err, errlen,
				 "--to %s: its domain is no next hop (%s); "
				 "give --via",
				 q, why);
			free(q);
			return 1;
		}
	}
	return 0;
}

/* ---- the driver ------------------------------------------------------------ */

/* "NAME VALUE: why", the value escaped and quoted when it would not
 * read as one word. */
static void fail(char *err, size_t errlen, const char *name, const char *v,
		 const char *why)
{
	char *q = mx_escape_str(v, 80);
	int quote = q[0] == '\0' || strpbrk(q, " '\"") != NULL;

	snprintf(err, errlen, quote ? "%s '%s': %s" : "%s %s: %s", name, q,
		 why);
	free(q);
}

static int check_args(const struct vctx *c, char *err, size_t errlen)
{
	const struct mx_cmd *cmd = c->cmd;
	const struct mx_opts *o = c->o;

	if (cmd->arg_kind == MX_ARGS_NONE && o->nargs > 0) {
		char *q = mx_escape_str(o->args[0], 80);

		snprintf(err, errlen,
			 "unexpected argument '%s' (only options; see "
			 "'mxprobe %s --help')",
			 q, cmd->name);
		free(q);
		return -1;
	}
	if (o->nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && o->nargs > cmd->max_args)) {
		const char *what = cmd->arg_kind == MX_ARGS_MESSAGE
					   ? "a message FILE (or - for "
					     "standard input)"
					   : "a target";

		if (cmd->max_args == 1)
			snprintf(err, errlen, "name exactly one %s, not %d",
				 cmd->arg_kind == MX_ARGS_MESSAGE ? "FILE"
								  : "target",
				 o->nargs);
		else
			snprintf(err, errlen,
				 "name %s (try 'mxprobe %s --help')", what,
				 cmd->name);
		return -1;
	}
	return 0;
}

static int check_arg_values(const struct vctx *c, char *err, size_t errlen)
{
	const struct mx_opts *o = c->o;
	vcheck_fn fn = c->cmd->arg_kind == MX_ARGS_TARGET    ? chk_target
		       : c->cmd->arg_kind == MX_ARGS_MESSAGE ? chk_message_arg
							     : NULL;
	char why[512];
	int i;

	for (i = 0; fn && i < o->nargs; i++) {
		why[0] = '\0';
		if (fn(c, o->args[i], why, sizeof(why)) < 0) {
			fail(err, errlen,
			     c->cmd->arg_kind == MX_ARGS_TARGET ? "target"
								: "FILE",
			     o->args[i], why);
			return -1;
		}
	}
	return 0;
}

/* -o and --log must not name a file that is also read: writing the
 * report would destroy the input. */
static int same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

static int output_is_input(const struct vctx *c, char *err, size_t errlen)
{
	static const enum vid outs[] = {V_OUTPUT, V_LOG};
	static const enum vid ins[] = {V_BODY_FILE,    V_CA_FILE,
				       V_TRUST_ANCHOR, V_DESTINATIONS,
				       V_AUTH_PWFILE,  V_TLS_CERT,
				       V_TLS_KEY};
	const struct mx_opts *o = c->o;
	const char *out, *in;
	size_t i, k;
	int j;

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		for (j = 0; (out = value_of(o, outs[i], j)) != NULL; j++) {
			const char *inname = NULL;

			if (strcmp(out, "-") == 0)
				continue;
			for (k = 0; !inname && k < sizeof(ins) / sizeof(ins[0]);
			     k++)
				if ((in = value_of(o, ins[k], 0)) != NULL &&
				    same_file(out, in))
					inname = vopts[ins[k]].name;
			if (!inname && c->cmd->arg_kind == MX_ARGS_MESSAGE &&
			    o->nargs > 0 && same_file(out, o->args[0]))
				inname = "the message FILE";
			if (inname) {
				fail(err, errlen, vopts[outs[i]].name, out,
				     "is also read");
				snprintf(err + strlen(err),
					 errlen - strlen(err),
					 " (%s); writing would destroy it",
					 inname);
				return -1;
			}
		}
	return 0;
}

int mx_validate(const struct mx_cmd *cmd, const struct mx_opts *o, char *err,
		size_t errlen)
{
	struct vctx c = {cmd, o};
	char why[512];
	size_t i;
	int j;

	if (check_args(&c, err, errlen) < 0)
		return -1;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rule_broken(&rules[i], &c, err, errlen))
			return -1;
	if (special_rules(&c, err, errlen))
		return -1;
	for (i = 0; i < V__N; i++) {
		const char *v;

		if (vopts[i].check == NULL)
			continue;
		for (j = 0; (v = value_of(o, (enum vid)i, j)) != NULL; j++) {
			why[0] = '\0';
			if (vopts[i].check(&c, v, why, sizeof(why)) == 0)
				continue;
			fail(err, errlen, vopts[i].name, v,
			     why[0] ? why : "not valid");
			return -1;
		}
	}
	if (check_arg_values(&c, err, errlen) < 0)
		return -1;
	return output_is_input(&c, err, errlen);
}
