/*
 * validate_names.c - checkers of values that reach the wire or name
 * things: --helo (RFC 5321 §4.1.1.1 Domain or §4.1.3 address literal,
 * ASCII: an IDN is written as its A-label, RFC 5891), mail addresses
 * (§4.1.2 Mailbox), targets (probe/target.h, IDN converted there),
 * message parts (the message builder's own verdict, relay/message.h),
 * the AUTH user and password sources, TLS policy names, fingerprints,
 * the resolver address, and the relay's numbers, durations and networks.
 * See validate_int.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <idn2.h>

#include "analyzers/policy.h"
#include "common/escape.h"
#include "model/policy.h"
#include "probe/target.h"
#include "relay/message.h"
#include "relay/netaddr.h"
#include "relay/retry.h"
#include "relay/spool.h"
#include "src/commands.h"
#include "src/validate_int.h"
#include "wire/smtp_data.h"

#define BODY_MAX (16u * 1024u * 1024u) /* src/cmd_send.c MAX_BODY */
#define AUTH_USER_MAX 255

/* ---- helpers ------------------------------------------------------ */

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
		mx_v_why(why, whylen, "empty name");
		return -1;
	}
	if (has_ctl(v)) {
		mx_v_why(why, whylen, "control character in a name");
		return -1;
	}
	if (has_non_ascii(v)) {
		char *a = NULL;

		if (idn2_to_ascii_8z(v, &a, IDN2_NONTRANSITIONAL) == IDN2_OK) {
			mx_v_why(why, whylen, "not ASCII; write the A-label %s",
				 a);
			idn2_free(a);
		} else {
			mx_v_why(why, whylen,
				 "not ASCII and not a valid internationalized "
				 "name");
		}
		return -1;
	}
	if (!mx_smtp_domain_ok(v, strlen(v), &utf8) || utf8) {
		mx_v_why(why, whylen,
			 "not an RFC 5321 domain (letters, digits, '-', labels "
			 "of 1 to 63 separated by dots)");
		return -1;
	}
	return 0;
}

int mx_vc_helo(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	(void)c;
	if (v[0] == '[') {
		if (has_ctl(v) || !addr_literal_ok(v)) {
			mx_v_why(why, whylen,
				 "not an address literal ([192.0.2.1] or "
				 "[IPv6:2001:db8::1])");
			return -1;
		}
		return 0;
	}
	if (is_v4(v)) {
		mx_v_why(why, whylen, "an address is sent as a literal: [%s]",
			 v);
		return -1;
	}
	if (is_v6(v)) {
		mx_v_why(why, whylen,
			 "an address is sent as a literal: [IPv6:%s]", v);
		return -1;
	}
	return ascii_domain_ok(v, why, whylen);
}

int mx_vc_mailbox(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	int utf8 = 0;

	(void)c;
	if (v[0] == '\0') {
		mx_v_why(why, whylen, "empty address");
		return -1;
	}
	if (has_ctl(v)) {
		mx_v_why(why, whylen, "control character in an address");
		return -1;
	}
	if (v[0] == '<') {
		mx_v_why(why, whylen, "write the address without <>");
		return -1;
	}
	if (!mx_smtp_mailbox_ok(v, strlen(v), &utf8)) {
		mx_v_why(
			why, whylen,
			"not an RFC 5321 mailbox (local-part@domain, at most 64 "
			"and 255 octets)");
		return -1;
	}
	return 0;
}

int mx_vc_secure_match(const struct vctx *c, const char *v, char *why,
		       size_t whylen)
{
	(void)c;
	return ascii_domain_ok(v[0] == '.' ? v + 1 : v, why, whylen);
}

int mx_vc_auth_user(const struct vctx *c, const char *v, char *why,
		    size_t whylen)
{
	(void)c;
	if (v[0] == '\0') {
		mx_v_why(why, whylen, "empty user name");
		return -1;
	}
	if (has_ctl(v)) {
		mx_v_why(why, whylen, "control character in the user name");
		return -1;
	}
	if (strlen(v) > AUTH_USER_MAX) {
		mx_v_why(why, whylen, "longer than %d octets", AUTH_USER_MAX);
		return -1;
	}
	return 0;
}

/* A probe target (probe/target.h); a U-label name is converted there. */
int mx_vc_target(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	struct mx_run *run = mx_run_new();
	int r;

	(void)c;
	r = mx_target_parse(v, mx_run_add_target(run), why, whylen);
	mx_run_free(run);
	return r;
}

int mx_vc_smarthost(const struct vctx *c, const char *v, char *why,
		    size_t whylen)
{
	if (strchr(v, '@') != NULL) {
		mx_v_why(why, whylen,
			 "takes no user information; use --auth-user and "
			 "--auth-password-file");
		return -1;
	}
	return mx_vc_target(c, v, why, whylen);
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
		mx_v_why(why, whylen, "%s", md.text[0] ? md.text : "refused");
		return -1;
	}
	return 0;
}

int mx_vc_subject(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	(void)c;
	if (has_ctl(v) && strchr(v, '\t') == NULL) {
		mx_v_why(why, whylen, "control character in the subject");
		return -1;
	}
	return trial_msg(v, NULL, NULL, 0, why, whylen);
}

int mx_vc_header(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	const char *colon = strchr(v, ':');

	(void)c;
	if (colon == NULL || colon == v) {
		mx_v_why(why, whylen, "want 'Name: value'");
		return -1;
	}
	return trial_msg(NULL, v, NULL, 0, why, whylen);
}

int mx_vc_body_file(const struct vctx *c, const char *v, char *why,
		    size_t whylen)
{
	size_t len = 0;
	char *body;
	int rc;

	(void)c;
	body = mx_v_slurp(v, BODY_MAX - 1, &len, why, whylen);
	if (body == NULL)
		return -1;
	rc = trial_msg(NULL, NULL, (const uint8_t *)body, len, why, whylen);
	free(body);
	return rc;
}

/* ---- secrets ------------------------------------------------------------ */

int mx_vc_pwfile(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	char pw[MX_PW_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	(void)c;
	fd = open(v, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		mx_v_why(why, whylen, "%s",
			 errno == ELOOP
				 ? "a symbolic link; name the file itself"
				 : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		mx_v_why(why, whylen, "%s",
			 S_ISDIR(st.st_mode) ? "is a directory, not a file"
					     : "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		char *q = mx_escape_str(v, 80);

		mx_v_why(
			why, whylen,
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
		mx_v_why(why, whylen, "%s", strerror(errno));
		return -1;
	}
	pw[n] = '\0';
	if ((size_t)n == sizeof(pw) - 1 && strcspn(pw, "\r\n") == (size_t)n)
		mx_v_why(why, whylen, "the password is longer than %d octets",
			 MX_PW_MAX - 2);
	else if (strcspn(pw, "\r\n") == 0)
		mx_v_why(why, whylen,
			 "holds no password (the first line is "
			 "empty)");
	else
		why[0] = '\0';
	explicit_bzero(pw, sizeof(pw));
	return why[0] ? -1 : 0;
}

int mx_vc_pwenv(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	const char *p, *val;

	(void)c;
	for (p = v; *p; p++)
		if (!(isalpha((unsigned char)*p) || *p == '_' ||
		      (p > v && isdigit((unsigned char)*p))))
			break;
	if (v[0] == '\0' || *p) {
		mx_v_why(why, whylen, "not an environment variable name");
		return -1;
	}
	val = getenv(v);
	if (val == NULL || val[0] == '\0') {
		mx_v_why(why, whylen, "not set or empty");
		return -1;
	}
	if (strlen(val) >= MX_PW_MAX) {
		mx_v_why(why, whylen, "the password is longer than %d octets",
			 MX_PW_MAX - 1);
		return -1;
	}
	return 0;
}

/* ---- DNS, policies, relay settings ---------------------------------------- */

int mx_vc_resolver(const struct vctx *c, const char *v, char *why,
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
	mx_v_why(why, whylen, "want IP, IP:PORT or [IPv6]:PORT (1..65535)");
	return -1;
}

int mx_vc_tls_policy(const struct vctx *c, const char *v, char *why,
		     size_t whylen)
{
	enum mx_tls_policy p;

	(void)c;
	if (mx_tls_policy_parse(v, &p) == 0)
		return 0;
	mx_v_why(why, whylen,
		 "takes none, may, encrypt, verify, secure, dane, dane-only, "
		 "fingerprint or mta-sts");
	return -1;
}

int mx_vc_esa_policy(const struct vctx *c, const char *v, char *why,
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
	mx_v_why(why, whylen,
		 "takes off, preferred, required, preferred-verify or "
		 "required-verify");
	return -1;
}

int mx_vc_fingerprint(const struct vctx *c, const char *v, char *why,
		      size_t whylen)
{
	char buf[160];

	(void)c;
	if (mx_policy_fp_normalize(v, buf, sizeof(buf)) == 0)
		return 0;
	mx_v_why(why, whylen,
		 "not a fingerprint (SHA-256: 64 hex digits, colons allowed)");
	return -1;
}

int mx_vc_listen(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	char addr[64];
	uint16_t port;

	(void)c;
	if (mx_listen_parse(v, addr, sizeof(addr), &port) == 0)
		return 0;
	mx_v_why(why, whylen, "want ADDRESS:PORT (127.0.0.1:2525, [::1]:2525)");
	return -1;
}

int mx_vc_allow(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	struct mx_net net;

	(void)c;
	if (mx_net_parse(v, &net) == 0)
		return 0;
	mx_v_why(why, whylen,
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
	mx_v_why(why, whylen, "want %lu to %lu (k and M suffixes allowed)", lo,
		 hi);
	return -1;
}

int mx_vc_max_msg(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	(void)c;
	return size_in(v, 1024, MX_SPOOL_MAX_MESSAGE, why, whylen);
}

int mx_vc_max_rcpts(const struct vctx *c, const char *v, char *why,
		    size_t whylen)
{
	(void)c;
	return size_in(v, 1, MX_SPOOL_MAX_RCPTS, why, whylen);
}

int mx_vc_max_deliv(const struct vctx *c, const char *v, char *why,
		    size_t whylen)
{
	(void)c;
	return size_in(v, 1, 1000, why, whylen);
}

int mx_vc_lifetime(const struct vctx *c, const char *v, char *why,
		   size_t whylen)
{
	unsigned s;

	(void)c;
	if (mx_duration_parse(v, &s) == 0)
		return 0;
	mx_v_why(why, whylen,
		 "want a duration from 1s to 365d (3600, 90m, 5d)");
	return -1;
}

int mx_vc_retry(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	unsigned sched[MX_RETRY_MAX];
	size_t n;

	(void)c;
	return mx_retry_parse(v, sched, MX_RETRY_MAX, &n, why, whylen);
}
