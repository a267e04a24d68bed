/*
 * workers.c - delivery workers of the relay; see workers.h for the
 * destination table format, the retry rules and the log lines.
 *
 * In memory the workers keep an index of the spool's queue/ (one item per
 * message: ID, created, attempts, next attempt, route), built at start
 * from the spool and extended by mx_workers_add().  The spool stays the
 * truth: every decision is written there first (done / update / bounce),
 * the index follows.  Scheduling runs from the event loop only (a kick
 * event and one timer for the earliest next attempt), never from inside
 * a callback of the listener or the sender.
 */
#include "relay/workers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/cursor.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "model/result.h"
#include "probe/target.h"
#include "relay/message.h"
#include "relay/sender.h"
#include "wire/smtp_data.h"

static const unsigned default_retry[] = {60, 300, 900, 1800, 3600};
#define DEFAULT_LIFETIME (5u * 24u * 3600u)
#define DEFAULT_DELIVERIES 10
#define SPLIT_RETRY_S 60

/* ---- the destination table --------------------------------------------- */

static void dest_clear(struct mx_dest *d)
{
	size_t i;

	free(d->domain);
	free(d->via);
	for (i = 0; i < d->nfp; i++)
		free(d->fp[i]);
	memset(d, 0, sizeof(*d));
}

void mx_dest_table_free(struct mx_dest_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		dest_clear(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int lineerr(char *err, size_t errlen, unsigned line, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
static int lineerr(char *err, size_t errlen, unsigned line, const char *fmt,
		   ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "line %u: %s", line, why);
	return -1;
}

/* A token as shown in an error: escaped, capped. */
static void show(char *out, size_t outlen, const char *s, size_t n)
{
	char *e = mx_escape(s, n, 60);

	snprintf(out, outlen, "%s", e);
	free(e);
}

static int parse_domain(struct mx_dest *d, const char *tok, size_t n,
			unsigned line, char *err, size_t errlen)
{
	char shown[80];
	int utf8 = 0;
	size_t i, label;

	if (n == 7 && strncasecmp(tok, "default", 7) == 0) {
		d->kind = MX_DEST_DEFAULT;
		d->domain = xstrdup("");
		return 0;
	}
	d->kind = MX_DEST_DOMAIN;
	if (tok[0] == '.') {
		d->kind = MX_DEST_SUBDOMAINS;
		tok++;
		n--;
	}
	show(shown, sizeof(shown), tok, n);
	if (n == 0 || n > 253 || !mx_smtp_domain_ok(tok, n, &utf8))
		return lineerr(err, errlen, line, "not a domain: \"%s\"",
			       shown);
	if (utf8)
		return lineerr(err, errlen, line,
			       "write \"%s\" as A-labels (xn--...)", shown);
	/* RFC 1035 §2.3.4: labels are at most 63 octets. */
	for (i = 0, label = 0; i < n; i++) {
		label = tok[i] == '.' ? 0 : label + 1;
		if (label > 63)
			return lineerr(err, errlen, line,
				       "a label longer than 63 octets in "
				       "\"%s\"",
				       shown);
	}
	d->domain = xstrndup(tok, n);
	for (i = 0; i < n; i++)
		if (d->domain[i] >= 'A' && d->domain[i] <= 'Z')
			d->domain[i] = (char)(d->domain[i] - 'A' + 'a');
	return 0;
}

static int parse_uint(const char *s, size_t n, unsigned lo, unsigned hi,
		      unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 6)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int via_ok(const char *v, char *why, size_t whylen)
{
	struct mx_run *run;
	struct mx_target *t;
	int r;

	if (strcmp(v, "mx") == 0)
		return 0;
	if (strchr(v, '@') != NULL) {
		snprintf(why, whylen, "no user information in a next hop");
		return -1;
	}
	run = mx_run_new();
	t = mx_run_add_target(run);
	r = mx_target_parse(v, t, why, whylen);
	mx_run_free(run);
	return r;
}

/* A fingerprint: 64 hex digits, colons allowed between them. */
static int fp_ok(const char *s, size_t n)
{
	size_t i, hex = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == ':' && i > 0 && i + 1 < n && s[i - 1] != ':')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return 0;
		hex++;
	}
	return hex == 64;
}

enum {
	K_VIA = 1u << 0,
	K_TLS = 1u << 1,
	K_CONC = 1u << 2,
	K_AUTH = 1u << 3,
};

static int parse_option(struct mx_dest *d, const char *tok, size_t n,
			unsigned *seen, unsigned line, char *err, size_t errlen)
{
	const char *eq = memchr(tok, '=', n);
	char shown[80], why[200];
	const char *val;
	size_t klen, vlen;

	show(shown, sizeof(shown), tok, n);
	if (eq == NULL)
		return lineerr(err, errlen, line, "\"%s\" is not key=value",
			       shown);
	klen = (size_t)(eq - tok);
	val = eq + 1;
	vlen = n - klen - 1;
	if (vlen == 0)
		return lineerr(err, errlen, line, "\"%s\" has no value", shown);
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(tok, s, klen) == 0)
#define ONCE(bit)                                                              \
	do {                                                                   \
		if (*seen & (bit))                                             \
			return lineerr(err, errlen, line,                      \
				       "\"%.*s\" given twice", (int)klen,      \
				       tok);                                   \
		*seen |= (bit);                                                \
	} while (0)
	if (KEY("via")) {
		ONCE(K_VIA);
		if (vlen > MX_SPOOL_MAX_HOP)
			return lineerr(err, errlen, line, "via= too long");
		d->via = xstrndup(val, vlen);
		if (via_ok(d->via, why, sizeof(why)) < 0)
			return lineerr(err, errlen, line, "via=%s: %s",
				       shown + 4, why);
	} else if (KEY("tls")) {
		char name[16];

		ONCE(K_TLS);
		if (vlen >= sizeof(name))
			return lineerr(err, errlen, line,
				       "unknown TLS level in \"%s\"", shown);
		memcpy(name, val, vlen);
		name[vlen] = 0;
		if (mx_tls_policy_parse(name, &d->policy) < 0)
			return lineerr(err, errlen, line,
				       "unknown TLS level in \"%s\" (none, "
				       "may, encrypt, verify, secure, dane, "
				       "dane-only, fingerprint)",
				       shown);
		d->has_policy = 1;
	} else if (KEY("max-conc")) {
		ONCE(K_CONC);
		if (parse_uint(val, vlen, 1, MX_DEST_MAX_CONC, &d->max_conc) <
		    0)
			return lineerr(err, errlen, line,
				       "max-conc wants 1 to %d",
				       MX_DEST_MAX_CONC);
	} else if (KEY("auth")) {
		ONCE(K_AUTH);
		if (vlen == 3 && memcmp(val, "yes", 3) == 0)
			d->auth = 1;
		else if (vlen == 2 && memcmp(val, "no", 2) == 0)
			d->auth = 0;
		else
			return lineerr(err, errlen, line,
				       "auth wants yes or no");
	} else if (KEY("fp")) {
		if (d->nfp >= MX_DEST_MAX_FP)
			return lineerr(err, errlen, line,
				       "at most %d fingerprints",
				       MX_DEST_MAX_FP);
		if (!fp_ok(val, vlen))
			return lineerr(err, errlen, line,
				       "fp wants a SHA-256 fingerprint (64 hex "
				       "digits)");
		d->fp[d->nfp++] = xstrndup(val, vlen);
	} else {
		return lineerr(err, errlen, line, "unknown key in \"%s\"",
			       shown);
	}
#undef KEY
#undef ONCE
	return 0;
}

static int parse_line(struct mx_dest_table *t, const char *s, size_t n,
		      unsigned line, char *err, size_t errlen)
{
	struct mx_dest d;
	size_t i = 0, ntok = 0, j;
	unsigned seen = 0;

	memset(&d, 0, sizeof(d));
	d.auth = -1;
	d.line = line;
	for (;;) {
		size_t start;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n || s[i] == '#')
			break;
		start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (ntok == 0) {
			if (parse_domain(&d, s + start, i - start, line, err,
					 errlen) < 0)
				goto fail;
		} else if (parse_option(&d, s + start, i - start, &seen, line,
					err, errlen) < 0) {
			goto fail;
		}
		if (++ntok > 2 + 4 + MX_DEST_MAX_FP) {
			lineerr(err, errlen, line, "too many fields");
			goto fail;
		}
	}
	if (ntok == 0)
		return 0; /* blank or comment */
	if (d.has_policy && d.policy == MX_POLICY_FINGERPRINT && d.nfp == 0) {
		lineerr(err, errlen, line, "tls=fingerprint needs fp=");
		goto fail;
	}
	for (j = 0; j < t->n; j++) {
		if (t->v[j].kind == d.kind &&
		    strcmp(t->v[j].domain, d.domain) == 0) {
			lineerr(err, errlen, line,
				"destination given before on line %u",
				t->v[j].line);
			goto fail;
		}
	}
	if (t->n >= MX_DEST_MAX_ROWS) {
		lineerr(err, errlen, line, "more than %d destinations",
			MX_DEST_MAX_ROWS);
		goto fail;
	}
	MX_GROW(t->v, t->n, t->cap);
	t->v[t->n++] = d;
	return 0;
fail:
	dest_clear(&d);
	return -1;
}

int mx_dest_parse(const uint8_t *p, size_t len, struct mx_dest_table *t,
		  char *err, size_t errlen)
{
	struct mx_cur c;
	unsigned line = 0;

	memset(t, 0, sizeof(*t));
	if (len > MX_DEST_MAX_FILE) {
		snprintf(err, errlen, "larger than %u octets",
			 MX_DEST_MAX_FILE);
		return -1;
	}
	mx_cur_init(&c, p, len);
	while (mx_cur_left(&c) > 0) {
		size_t left = mx_cur_left(&c), n = 0, body;
		const uint8_t *lp;
		size_t k;

		line++;
		while (n < left && c.p[n] != '\n')
			n++;
		body = n;
		lp = mx_cur_bytes(&c, n);
		if (n < left)
			mx_cur_skip(&c, 1); /* the LF */
		if (body > 0 && lp[body - 1] == '\r')
			body--; /* CRLF files */
		if (body > MX_DEST_MAX_LINE) {
			lineerr(err, errlen, line, "longer than %d octets",
				MX_DEST_MAX_LINE);
			goto fail;
		}
		for (k = 0; k < body; k++) {
			if ((lp[k] < 0x20 && lp[k] != '\t') || lp[k] == 0x7f) {
				lineerr(err, errlen, line,
					"control character 0x%02x at column "
					"%zu",
					lp[k], k + 1);
				goto fail;
			}
		}
		if (parse_line(t, (const char *)lp, body, line, err, errlen) <
		    0)
			goto fail;
	}
	if (!mx_cur_ok(&c)) {
		snprintf(err, errlen, "unreadable");
		goto fail;
	}
	return 0;
fail:
	mx_dest_table_free(t);
	return -1;
}

int mx_dest_load(const char *path, struct mx_dest_table *t, char *err,
		 size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct stat st;
	char why[300];
	int fd, r = -1;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > (off_t)MX_DEST_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u octets", path,
			 MX_DEST_MAX_FILE);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: read: %s", path,
				 n < 0 ? strerror(errno) : "short file");
			goto out;
		}
		len += (size_t)n;
	}
	if (mx_dest_parse(buf, len, t, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

static int ends_with_label(const char *domain, const char *suffix)
{
	size_t dl = strlen(domain), sl = strlen(suffix);

	return dl > sl + 1 && domain[dl - sl - 1] == '.' &&
	       strcasecmp(domain + dl - sl, suffix) == 0;
}

void mx_route_for(const struct mx_dest_table *t, const char *smarthost,
		  enum mx_tls_policy policy, int have_auth, const char *domain,
		  struct mx_route *out)
{
	const struct mx_dest *exact = NULL, *sub = NULL, *def = NULL, *row;
	const char *via, *def_via;
	size_t i;

	for (i = 0; t != NULL && i < t->n; i++) {
		const struct mx_dest *d = &t->v[i];

		if (d->kind == MX_DEST_DEFAULT)
			def = d;
		else if (d->kind == MX_DEST_DOMAIN &&
			 strcasecmp(d->domain, domain) == 0)
			exact = d;
		else if (d->kind == MX_DEST_SUBDOMAINS &&
			 ends_with_label(domain, d->domain) &&
			 (sub == NULL ||
			  strlen(d->domain) > strlen(sub->domain)))
			sub = d;
	}
	row = exact ? exact : sub ? sub : def;
	memset(out, 0, sizeof(*out));
	out->row = row;
	/* Each attribute: the row, else the default row, else the command
	 * line. */
	def_via = def && def->via ? def->via : smarthost ? smarthost : "mx";
	via = row && row->via ? row->via : def_via;
	out->nexthop = strcmp(via, "mx") == 0 ? domain : via;
	if (row && row->has_policy)
		out->policy = row->policy;
	else if (def && def->has_policy)
		out->policy = def->policy;
	else
		out->policy = policy;
	if (row && row->max_conc)
		out->max_conc = row->max_conc;
	else if (def && def->max_conc)
		out->max_conc = def->max_conc;
	else
		out->max_conc = MX_DEST_DEFAULT_CONC;
	/* Credentials only where they are meant to go. */
	if (row && row->auth >= 0)
		out->auth = row->auth;
	else if (def && def->auth >= 0 && strcmp(via, def_via) == 0)
		out->auth = def->auth;
	else
		out->auth = smarthost != NULL && strcmp(via, smarthost) == 0;
	if (!have_auth)
		out->auth = 0;
}

/* ---- retry schedule ---------------------------------------------------- */

static int duration(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned mult = 1, v;

	if (n == 0)
		return -1;
	switch (s[n - 1]) {
	case 's':
		n--;
		break;
	case 'm':
		mult = 60;
		n--;
		break;
	case 'h':
		mult = 3600;
		n--;
		break;
	case 'd':
		mult = 86400;
		n--;
		break;
	default:
		break;
	}
	if (parse_uint(s, n, 1, 999999, &v) < 0)
		return -1;
	if (v > max / mult)
		return -1;
	*out = v * mult;
	return 0;
}

int mx_duration_parse(const char *s, unsigned *out)
{
	return duration(s, strlen(s), 365u * 86400u, out);
}

int mx_retry_parse(const char *s, unsigned *out, size_t max, size_t *n,
		   char *err, size_t errlen)
{
	size_t k = 0;

	*n = 0;
	if (max > MX_RETRY_MAX)
		max = MX_RETRY_MAX;
	for (;;) {
		size_t len = strcspn(s, ",");

		if (k >= max) {
			snprintf(err, errlen, "at most %zu retry intervals",
				 max);
			return -1;
		}
		if (duration(s, len, MX_RETRY_MAX_DELAY, &out[k]) < 0) {
			char shown[80];

			show(shown, sizeof(shown), s, len);
			snprintf(err, errlen,
				 "\"%s\" is not a delay from 1s to 7d "
				 "(60, 90s, 5m, 1h, 1d)",
				 shown);
			return -1;
		}
		k++;
		if (s[len] == 0)
			break;
		s += len + 1;
	}
	*n = k;
	return 0;
}

unsigned mx_retry_delay(const unsigned *sched, size_t n, uint32_t attempts)
{
	if (n == 0)
		return 60;
	if (attempts == 0)
		return 0;
	return sched[attempts > n ? n - 1 : attempts - 1];
}

/* ---- the workers -------------------------------------------------------- */

enum istate {
	IT_NEW = 0, /* not routed yet */
	IT_WAIT,    /* routed, waiting for its next attempt */
	IT_BUSY,    /* a delivery is running */
};

struct item {
	struct mx_workers *w;
	char id[MX_SPOOL_ID_LEN + 1];
	enum istate state;
	time_t created, next;
	uint32_t attempts;
	/* route (IT_WAIT, IT_BUSY) */
	char *nexthop;
	char *key; /* destination key: row + next hop */
	enum mx_tls_policy policy;
	int auth;
	unsigned max_conc;
	const struct mx_dest *row;
	/* delivery (IT_BUSY) */
	struct mx_sender *sender;
	struct mx_envelope env;
	uint8_t *msg;
	size_t len;
	unsigned long dcid;
	int cancelled;
};

struct mx_workers {
	struct event_base *base;
	struct mx_workers_params p;
	const unsigned *retry;
	size_t nretry;
	struct item **v;
	size_t n, cap;
	struct item **busy; /* the items with a delivery running */
	size_t nbusy, capbusy;
	size_t active;
	unsigned long next_dcid;
	struct event *ev_kick, *ev_timer, *ev_grace;
	int shutting;
	void (*drained)(void *arg);
	void *drained_arg;
	struct mx_workers_stats stats;
};

static void kick(struct mx_workers *w)
{
	if (!w->shutting || w->active == 0)
		event_active(w->ev_kick, EV_TIMEOUT, 0);
}

static struct item *item_add(struct mx_workers *w, const char *id,
			     time_t created, time_t next, uint32_t attempts)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->w = w;
	snprintf(it->id, sizeof(it->id), "%s", id);
	it->created = created;
	it->next = next;
	it->attempts = attempts;
	MX_GROW(w->v, w->n, w->cap);
	w->v[w->n++] = it;
	return it;
}

static void item_free(struct item *it)
{
	if (it->sender)
		mx_sender_free(it->sender);
	mx_envelope_clear(&it->env);
	free(it->msg);
	free(it->nexthop);
	free(it->key);
	free(it);
}

static void item_remove(struct mx_workers *w, struct item *it)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (w->v[i] == it) {
			w->v[i] = w->v[--w->n];
			break;
		}
	}
	item_free(it);
}

/* "[0, 1, 2]", capped. */
static void rid_list(size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	o += (size_t)snprintf(out, outlen, "[");
	for (i = 0; i < n && o + 16 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%zu",
				      i ? ", " : "", i);
	if (i < n && o + 5 < outlen)
		o += (size_t)snprintf(out + o, outlen - o, ", ...");
	snprintf(out + o, outlen - o, "]");
}

/* A reply as one log line: "550 5.1.1 text / more text". */
static void reply_text(const struct mx_reply *r, char *out, size_t outlen)
{
	size_t i, o;

	if (r == NULL || r->code == 0) {
		snprintf(out, outlen, "no reply");
		return;
	}
	o = (size_t)snprintf(out, outlen, "%d%s%s %s", r->code,
			     r->enh[0] ? " " : "", r->enh,
			     r->text ? r->text : "");
	for (i = 0; i < o && i < outlen; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = '/';
}

/* The local address the kernel would use towards addr (no packet is
 * sent: a UDP socket's connect only picks the route). */
static void local_addr_for(const char *addr, char *out, size_t outlen)
{
	struct sockaddr_storage ss, local;
	socklen_t slen, llen = sizeof(local);
	int fd;

	snprintf(out, outlen, "unknown");
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) ==
	    1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(9);
		slen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(9);
		slen = sizeof(struct sockaddr_in6);
	} else {
		return;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&ss, slen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&local, &llen) == 0) {
		if (local.ss_family == AF_INET)
			inet_ntop(AF_INET,
				  &((struct sockaddr_in *)&local)->sin_addr,
				  out, (socklen_t)outlen);
		else
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)&local)->sin6_addr,
				  out, (socklen_t)outlen);
	}
	close(fd);
}

static const char *rcpt_domain(const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	return at ? at + 1 : "";
}

/* Route every recipient; returns the number of distinct destinations
 * and fills keys[i] (malloc'ed) for each recipient. */
static void route_rcpt(struct mx_workers *w, const char *rcpt,
		       struct mx_route *r, char **key)
{
	mx_route_for(w->p.dests, w->p.smarthost, w->p.policy,
		     w->p.auth_user != NULL, rcpt_domain(rcpt), r);
	*key = xasprintf("%u|%s|%s|%d", r->row ? r->row->line : 0, r->nexthop,
			 mx_tls_policy_name(r->policy), r->auth);
}

static void set_route(struct item *it, const struct mx_route *r,
		      const char *key)
{
	free(it->nexthop);
	free(it->key);
	it->nexthop = xstrdup(r->nexthop);
	it->key = xstrdup(key);
	it->policy = r->policy;
	it->auth = r->auth;
	it->max_conc = r->max_conc;
	it->row = r->row;
	it->state = IT_WAIT;
}

/* Drop an item whose file is gone or corrupt. */
static void lost(struct mx_workers *w, struct item *it,
		 const struct mx_spool_diag *d)
{
	if (d->status == MX_SPOOL_CORRUPT) {
		w->stats.corrupt++;
		mx_rlog(&w->p.log, MX_RLOG_CRITICAL,
			"MID %s unreadable spool file moved to corrupt/: %s",
			it->id, d->text);
	} else {
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s cannot be loaded: %s", it->id, d->text);
	}
	item_remove(w, it);
}

/* Route a new item; split it when its recipients go to more than one
 * destination (the parts replace it). */
static void route_item(struct mx_workers *w, struct item *it)
{
	struct mx_envelope env, env2;
	struct mx_spool_diag d;
	struct mx_route r = {0};
	char **keys = NULL, **sub = NULL;
	uint8_t *msg = NULL;
	size_t len = 0, i, j, g = 0, ngroups = 0, nrcpts;
	char(*made)[MX_SPOOL_ID_LEN + 1] = NULL;
	int ok = 1;

	memset(&env, 0, sizeof(env));
	memset(&env2, 0, sizeof(env2));
	memset(&d, 0, sizeof(d));
	if (mx_spool_load(w->p.spool, MX_SPOOL_AREA_QUEUE, it->id, &env, NULL,
			  NULL, &d) != MX_SPOOL_OK) {
		lost(w, it, &d);
		return;
	}
	nrcpts = env.nrcpts;
	it->created = env.created;
	it->attempts = env.attempts;
	it->next = env.next_attempt;
	keys = xcalloc(nrcpts, sizeof(*keys));
	for (i = 0; i < nrcpts; i++) {
		route_rcpt(w, env.rcpts[i], &r, &keys[i]);
		for (j = 0; j < i && strcmp(keys[j], keys[i]) != 0; j++)
			;
		if (j == i)
			ngroups++;
	}
	if (ngroups <= 1) {
		/* r is the route of every recipient */
		set_route(it, &r, keys[0]);
		goto out;
	}
	/* RFC 5321 §3.3 lets a relay deliver one copy per destination: one
	 * spool entry per group, each durable before the original goes. */
	if (mx_spool_load(w->p.spool, MX_SPOOL_AREA_QUEUE, it->id, &env2, &msg,
			  &len, &d) != MX_SPOOL_OK) {
		lost(w, it, &d);
		goto out;
	}
	made = xcalloc(ngroups, sizeof(*made));
	sub = xcalloc(nrcpts, sizeof(*sub));
	for (i = 0; i < nrcpts && ok; i++) {
		struct mx_envelope part = env;
		size_t ns = 0;

		for (j = 0; j < i && strcmp(keys[j], keys[i]) != 0; j++)
			;
		if (j < i)
			continue; /* group already written */
		for (j = i; j < nrcpts; j++)
			if (strcmp(keys[j], keys[i]) == 0)
				sub[ns++] = env.rcpts[j];
		part.rcpts = sub;
		part.nrcpts = ns;
		if (mx_spool_put(w->p.spool, &part, msg, len, made[g], &d) !=
		    MX_SPOOL_OK)
			ok = 0;
		else
			g++;
	}
	if (!ok) {
		struct mx_spool_diag d2;

		/* Undo the parts: the original stays whole. */
		for (i = 0; i < g; i++)
			mx_spool_done(w->p.spool, made[i], &d2);
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s split failed (%s); retrying in %ds", it->id,
			d.text, SPLIT_RETRY_S);
		it->next = mx_wall_now() + SPLIT_RETRY_S;
		it->state = IT_NEW;
		goto out;
	}
	if (mx_spool_done(w->p.spool, it->id, &d) != MX_SPOOL_OK)
		/* Both exist now: delivered twice at worst. */
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s could not be removed after the split: %s",
			it->id, d.text);
	w->stats.split++;
	for (i = 0; i < g; i++) {
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"MID %s split by destination: part MID %s", it->id,
			made[i]);
		item_add(w, made[i], env.created, env.next_attempt,
			 env.attempts);
	}
	item_remove(w, it);
out:
	for (i = 0; keys && i < nrcpts; i++)
		free(keys[i]);
	free(keys);
	free(sub);
	free(made);
	free(msg);
	mx_envelope_clear(&env);
	mx_envelope_clear(&env2);
}

/* Deliveries running to one destination: only the busy items are
 * looked at (at most max_deliveries), not the whole queue. */
static size_t conc(const struct mx_workers *w, const char *key)
{
	size_t i, n = 0;

	for (i = 0; i < w->nbusy; i++)
		if (strcmp(w->busy[i]->key, key) == 0)
			n++;
	return n;
}

static void busy_add(struct mx_workers *w, struct item *it)
{
	MX_GROW(w->busy, w->nbusy, w->capbusy);
	w->busy[w->nbusy++] = it;
	w->active++;
}

static void busy_del(struct mx_workers *w, struct item *it)
{
	size_t i;

	for (i = 0; i < w->nbusy; i++) {
		if (w->busy[i] == it) {
			w->busy[i] = w->busy[--w->nbusy];
			break;
		}
	}
	w->active--;
}

static unsigned need_bits(const struct mx_envelope *env, const uint8_t *msg,
			  size_t len)
{
	unsigned need = 0;
	size_t i;
	int utf8 = 0;

	for (i = 0; i < len; i++)
		if (msg[i] >= 0x80) {
			need |= MX_MSG_NEED_8BITMIME;
			break;
		}
	if (env->from[0])
		mx_smtp_mailbox_ok(env->from, strlen(env->from), &utf8);
	for (i = 0; !utf8 && i < env->nrcpts; i++)
		mx_smtp_mailbox_ok(env->rcpts[i], strlen(env->rcpts[i]), &utf8);
	if (utf8)
		need |= MX_MSG_NEED_SMTPUTF8 | MX_MSG_NEED_8BITMIME;
	return need;
}

static void delivery_done(struct item *it, enum mx_send_status st,
			  const struct mx_send_result *r, const char *error);

static void on_event(void *arg, struct mx_sender *s, enum mx_send_event ev,
		     const struct mx_send_attempt *a)
{
	struct item *it = arg;
	struct mx_workers *w = it->w;
	char rids[64], iface[64], text[400];

	(void)s;
	switch (ev) {
	case MX_SEND_EV_CONNECTING:
		it->dcid = w->next_dcid++;
		local_addr_for(a->addr ? a->addr : "", iface, sizeof(iface));
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"New SMTP DCID %lu interface %s address %s port %u",
			it->dcid, iface, a->addr ? a->addr : "?",
			(unsigned)a->port);
		break;
	case MX_SEND_EV_TLS_OK:
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"DCID %lu TLS success protocol %s cipher %s", it->dcid,
			a->tls.version ? a->tls.version : "?",
			a->tls.suite_openssl ? a->tls.suite_openssl
			: a->tls.suite_iana  ? a->tls.suite_iana
					     : "?");
		break;
	case MX_SEND_EV_TLS_FAILED:
		mx_rlog(&w->p.log, MX_RLOG_INFO, "DCID %lu TLS failed: %s%s%s",
			it->dcid, mx_tls_fail_name(a->tls.fail),
			a->tls.fail_detail || a->smtp.error ? ": " : "",
			a->tls.fail_detail ? a->tls.fail_detail
			: a->smtp.error	   ? a->smtp.error
					   : "");
		break;
	case MX_SEND_EV_DELIVERY:
		rid_list(it->env.nrcpts, rids, sizeof(rids));
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"Delivery start DCID %lu MID %s to RID %s", it->dcid,
			it->id, rids);
		break;
	case MX_SEND_EV_ATTEMPT_DONE:
		if (a->failed != MX_SEND_STAGE_NONE) {
			const struct mx_reply *rep = &a->stage[a->failed].reply;

			reply_text(rep, text, sizeof(text));
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"DCID %lu failed at %s: %s%s%s", it->dcid,
				mx_send_stage_name(a->failed),
				rep->code ? text : "",
				rep->code && a->smtp.error ? " - " : "",
				a->smtp.error ? a->smtp.error
				: rep->code   ? ""
					      : "no reply");
		}
		mx_rlog(&w->p.log, MX_RLOG_INFO, "DCID %lu close", it->dcid);
		break;
	}
}

static void on_done(void *arg, struct mx_sender *s,
		    const struct mx_send_result *r)
{
	struct item *it = arg;

	(void)s;
	delivery_done(it, r->status, r, r->error);
}

static const struct mx_sender_cbs sender_cbs = {on_event, on_done};

/* The error of a result as one line for the spool and the log. */
static void result_error(const struct mx_send_result *r, const char *error,
			 char *out, size_t outlen)
{
	const struct mx_send_attempt *a = r ? mx_send_result_final(r) : NULL;
	char rep[400] = "";

	if (a != NULL && a->failed != MX_SEND_STAGE_NONE &&
	    a->stage[a->failed].reply.code != 0)
		reply_text(&a->stage[a->failed].reply, rep, sizeof(rep));
	if (r != NULL && r->policy_why != NULL)
		snprintf(out, outlen, "%s: TLS policy %s: %s",
			 mx_send_stage_name(r->failed_stage),
			 mx_tls_policy_name(r->policy), r->policy_why);
	else if (rep[0] && r != NULL)
		snprintf(out, outlen, "%s: %s",
			 mx_send_stage_name(r->failed_stage), rep);
	else if (r != NULL)
		snprintf(out, outlen, "%s: %s",
			 mx_send_stage_name(r->failed_stage),
			 error ? error : "failed");
	else
		snprintf(out, outlen, "%s", error ? error : "failed");
	/* The spool keeps printable text only. */
	{
		char *e = mx_escape_str(out, MX_SPOOL_MAX_TEXT - 8);

		snprintf(out, outlen, "%s", e);
		free(e);
	}
}

static void start_delivery(struct mx_workers *w, struct item *it)
{
	struct mx_send_params sp;
	struct mx_spool_diag d;
	char err[300];

	memset(&d, 0, sizeof(d));
	memset(&it->env, 0, sizeof(it->env));
	if (mx_spool_load(w->p.spool, MX_SPOOL_AREA_QUEUE, it->id, &it->env,
			  &it->msg, &it->len, &d) != MX_SPOOL_OK) {
		lost(w, it, &d);
		return;
	}
	it->state = IT_BUSY;
	it->cancelled = 0;
	busy_add(w, it);
	w->stats.attempts++;
	memset(&sp, 0, sizeof(sp));
	sp.nexthop = it->nexthop;
	sp.from = it->env.from;
	sp.rcpts = (const char *const *)it->env.rcpts;
	sp.nrcpts = it->env.nrcpts;
	sp.msg = it->msg;
	sp.msg_len = it->len;
	sp.need = need_bits(&it->env, it->msg, it->len);
	sp.policy = it->policy;
	sp.judge = w->p.judge;
	if (it->row != NULL && it->row->nfp > 0) {
		sp.fingerprints = (const char *const *)it->row->fp;
		sp.nfingerprints = it->row->nfp;
	} else {
		sp.fingerprints = w->p.fingerprints;
		sp.nfingerprints = w->p.nfingerprints;
	}
	sp.ca_file = w->p.ca_file;
	sp.ca_path = w->p.ca_path;
	sp.tls = w->p.tls;
	if (it->auth && w->p.auth_user != NULL) {
		sp.auth_user = w->p.auth_user;
		sp.auth_password = w->p.auth_password;
	}
	sp.allow_plaintext_auth = w->p.allow_plaintext_auth;
	sp.helo = w->p.helo;
	sp.step_timeout_ms = w->p.step_timeout_ms;
	sp.data_timeout_ms = w->p.data_timeout_ms;
	sp.dns = w->p.dns;
	sp.log = w->p.devlog;
	it->dcid = 0;
	err[0] = 0;
	it->sender =
		mx_sender_new(w->base, &sp, &sender_cbs, it, err, sizeof(err));
	if (it->sender == NULL) {
		/* The sender refuses this message itself (an address it
		 * cannot send to, ...): retrying cannot help. */
		char *e = mx_escape_str(err[0] ? err : "refused", 300);

		snprintf(err, sizeof(err), "message refused by the sender: %s",
			 e);
		free(e);
		delivery_done(it, MX_SEND_PERMFAIL, NULL, err);
	} else if (mx_sender_start(it->sender, err, sizeof(err)) < 0) {
		char *e = mx_escape_str(err[0] ? err : "cannot start", 300);

		snprintf(err, sizeof(err), "%s", e);
		free(e);
		delivery_done(it, MX_SEND_ERROR, NULL, err);
	}
}

/* After a failed attempt: retry later, or bounce when too old.  Returns
 * 1 when the item was removed. */
static int defer_or_bounce(struct mx_workers *w, struct item *it,
			   const char *why, const char *rids)
{
	struct mx_spool_diag d;
	time_t now = mx_wall_now();
	uint32_t attempts = it->attempts + 1;
	unsigned delay = mx_retry_delay(w->retry, w->nretry, attempts);

	memset(&d, 0, sizeof(d));
	if (now - it->created >= (time_t)w->p.max_lifetime_s) {
		char reason[MX_SPOOL_MAX_TEXT];

		snprintf(reason, sizeof(reason),
			 "expired: %lds in the queue (limit %us) after %u "
			 "attempts; last error: %s",
			 (long)(now - it->created), w->p.max_lifetime_s,
			 (unsigned)attempts, why);
		if (mx_spool_bounce(w->p.spool, it->id, reason, &d) ==
		    MX_SPOOL_OK) {
			w->stats.bounced++;
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"Bounced: DCID %lu MID %s to RID %s - %s (moved "
				"to dead/)",
				it->dcid, it->id, rids, reason);
			item_remove(w, it);
			return 1;
		}
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s bounce failed: %s; kept in the queue", it->id,
			d.text);
	}
	if (mx_spool_update(w->p.spool, it->id, attempts, now + (time_t)delay,
			    why, &d) != MX_SPOOL_OK) {
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s spool update failed: %s", it->id, d.text);
		if (d.status == MX_SPOOL_NOT_FOUND ||
		    d.status == MX_SPOOL_CORRUPT) {
			lost(w, it, &d);
			return 1;
		}
	}
	w->stats.deferred++;
	it->attempts = attempts;
	it->next = now + (time_t)delay;
	it->state = IT_WAIT;
	mx_rlog(&w->p.log, MX_RLOG_INFO,
		"Delayed: DCID %lu MID %s to RID %s - %s - next attempt in %us "
		"(attempt %u)",
		it->dcid, it->id, rids, why, delay, (unsigned)attempts + 1);
	return 0;
}

/* Returns 1 when the item was removed. */
static int bounce(struct mx_workers *w, struct item *it, const char *why,
		  const char *rids)
{
	struct mx_spool_diag d;

	memset(&d, 0, sizeof(d));
	if (mx_spool_bounce(w->p.spool, it->id, why, &d) != MX_SPOOL_OK) {
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s bounce failed: %s; kept in the queue", it->id,
			d.text);
		it->state = IT_WAIT;
		it->next = mx_wall_now() + SPLIT_RETRY_S;
		return 0;
	}
	w->stats.bounced++;
	mx_rlog(&w->p.log, MX_RLOG_INFO,
		"Bounced: DCID %lu MID %s to RID %s - %s (moved to dead/)",
		it->dcid, it->id, rids, why);
	item_remove(w, it);
	return 1;
}

/* Some recipients took the message, others did not: the refused ones get
 * their own spool entries (permanent: bounced at once; temporary: retried),
 * then the original goes.  Returns 1 when the item was removed. */
static int partial(struct mx_workers *w, struct item *it,
		   const struct mx_send_result *r, const char *rids)
{
	const struct mx_send_attempt *a = mx_send_result_final(r);
	struct mx_envelope part;
	struct mx_spool_diag d;
	char **perm = NULL, **temp = NULL, why[MX_SPOOL_MAX_TEXT];
	char id[MX_SPOOL_ID_LEN + 1];
	size_t i, np = 0, nt = 0;
	int ok = 1;

	memset(&d, 0, sizeof(d));
	perm = xcalloc(it->env.nrcpts, sizeof(*perm));
	temp = xcalloc(it->env.nrcpts, sizeof(*temp));
	for (i = 0; a != NULL && i < a->nrcpts && i < it->env.nrcpts; i++) {
		if (a->rcpts[i].accepted)
			continue;
		if (a->rcpts[i].st.reply.code >= 500)
			perm[np++] = it->env.rcpts[i];
		else
			temp[nt++] = it->env.rcpts[i];
	}
	if (nt > 0) {
		part = it->env;
		part.rcpts = temp;
		part.nrcpts = nt;
		part.attempts = it->attempts + 1;
		part.next_attempt = mx_wall_now() +
				    (time_t)mx_retry_delay(w->retry, w->nretry,
							   it->attempts + 1);
		result_error(r, "some recipients deferred", why, sizeof(why));
		part.last_error = why;
		if (mx_spool_put(w->p.spool, &part, it->msg, it->len, id, &d) ==
		    MX_SPOOL_OK) {
			item_add(w, id, part.created, part.next_attempt,
				 part.attempts);
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"MID %s %zu deferred recipient(s) requeued as "
				"MID %s",
				it->id, nt, id);
		} else {
			ok = 0;
		}
	}
	if (ok && np > 0) {
		part = it->env;
		part.rcpts = perm;
		part.nrcpts = np;
		if (mx_spool_put(w->p.spool, &part, it->msg, it->len, id, &d) ==
		    MX_SPOOL_OK) {
			snprintf(why, sizeof(why), "recipient(s) refused");
			for (i = 0; a != NULL && i < a->nrcpts; i++) {
				char rep[300];
				size_t o = strlen(why);

				if (a->rcpts[i].accepted ||
				    a->rcpts[i].st.reply.code < 500)
					continue;
				reply_text(&a->rcpts[i].st.reply, rep,
					   sizeof(rep));
				snprintf(why + o, sizeof(why) - o,
					 "; RID %zu: %s", i, rep);
			}
			{
				char *e = mx_escape_str(why,
							MX_SPOOL_MAX_TEXT - 8);

				snprintf(why, sizeof(why), "%s", e);
				free(e);
			}
			if (mx_spool_bounce(w->p.spool, id, why, &d) ==
			    MX_SPOOL_OK) {
				w->stats.bounced++;
				mx_rlog(&w->p.log, MX_RLOG_INFO,
					"Bounced: DCID %lu MID %s (part of MID "
					"%s) - %s (moved to dead/)",
					it->dcid, id, it->id, why);
			} else {
				/* It stays queued and is retried: better
				 * than lost. */
				item_add(w, id, part.created, part.created,
					 part.attempts);
			}
		} else {
			ok = 0;
		}
	}
	free(perm);
	free(temp);
	if (!ok) {
		/* Keep the whole message: delivering twice beats losing. */
		result_error(r, "partial delivery", why, sizeof(why));
		return defer_or_bounce(w, it, why, rids);
	}
	mx_rlog(&w->p.log, MX_RLOG_INFO,
		"Message done DCID %lu MID %s to RID %s (partly)", it->dcid,
		it->id, rids);
	if (mx_spool_done(w->p.spool, it->id, &d) != MX_SPOOL_OK)
		mx_rlog(&w->p.log, MX_RLOG_WARNING,
			"MID %s delivered but not removed: %s", it->id, d.text);
	w->stats.delivered++;
	item_remove(w, it);
	return 1;
}

static void delivery_done(struct item *it, enum mx_send_status st,
			  const struct mx_send_result *r, const char *error)
{
	struct mx_workers *w = it->w;
	struct mx_spool_diag d;
	char rids[64], why[MX_SPOOL_MAX_TEXT], rep[400];
	const struct mx_send_attempt *a = r ? mx_send_result_final(r) : NULL;
	int removed = 0;

	memset(&d, 0, sizeof(d));
	busy_del(w, it);
	rid_list(it->env.nrcpts, rids, sizeof(rids));
	switch (st) {
	case MX_SEND_DELIVERED:
		reply_text(a ? &a->stage[MX_SEND_STAGE_DATA].reply : NULL, rep,
			   sizeof(rep));
		mx_rlog(&w->p.log, MX_RLOG_INFO,
			"Message done DCID %lu MID %s to RID %s [%s]", it->dcid,
			it->id, rids, rep);
		if (mx_spool_done(w->p.spool, it->id, &d) != MX_SPOOL_OK)
			mx_rlog(&w->p.log, MX_RLOG_WARNING,
				"MID %s delivered but not removed: %s", it->id,
				d.text);
		w->stats.delivered++;
		mx_rlog(&w->p.log, MX_RLOG_INFO, "Message finished MID %s done",
			it->id);
		item_remove(w, it);
		removed = 1;
		break;
	case MX_SEND_PARTIAL:
		removed = partial(w, it, r, rids);
		break;
	case MX_SEND_PERMFAIL:
		result_error(r, error, why, sizeof(why));
		removed = bounce(w, it, why, rids);
		break;
	case MX_SEND_TEMPFAIL:
	case MX_SEND_ERROR:
	default:
		if (it->cancelled) {
			/* Shutdown: not an attempt; the message stays as it
			 * was. */
			mx_rlog(&w->p.log, MX_RLOG_INFO,
				"MID %s delivery interrupted by shutdown; "
				"stays queued",
				it->id);
			it->state = IT_WAIT;
			break;
		}
		result_error(r, error, why, sizeof(why));
		removed = defer_or_bounce(w, it, why, rids);
		break;
	}
	if (!removed) {
		/* Drop the delivery state.  The sender is freed inside its
		 * own done callback, which sender.h allows. */
		if (it->sender)
			mx_sender_free(it->sender);
		it->sender = NULL;
		mx_envelope_clear(&it->env);
		memset(&it->env, 0, sizeof(it->env));
		free(it->msg);
		it->msg = NULL;
		it->len = 0;
	}
	kick(w);
}

static int by_next(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a;
	const struct item *y = *(const struct item *const *)b;

	if (x->next != y->next)
		return x->next < y->next ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void arm(struct mx_workers *w, time_t when)
{
	time_t now = mx_wall_now();
	struct timeval tv;

	tv.tv_sec = when > now ? when - now : 0;
	tv.tv_usec = when > now ? 0 : 1000;
	event_add(w->ev_timer, &tv);
}

static void pick(struct mx_workers *w)
{
	time_t now, earliest = 0;
	size_t i;

	if (w->shutting) {
		if (w->active == 0 && w->drained) {
			void (*fn)(void *) = w->drained;

			w->drained = NULL;
			fn(w->drained_arg);
		}
		return;
	}
	/* Route what is new (may split and add items). */
	for (i = 0; i < w->n;) {
		struct item *it = w->v[i];
		size_t before = w->n;

		if (it->state == IT_NEW && it->next <= mx_wall_now()) {
			route_item(w, it);
			if (w->n != before || (i < w->n && w->v[i] != it))
				continue; /* the array changed at i */
		}
		i++;
	}
	if (w->n > 1)
		qsort(w->v, w->n, sizeof(*w->v), by_next);
	now = mx_wall_now();
	for (i = 0; i < w->n; i++) {
		struct item *it = w->v[i];

		if (it->state == IT_BUSY)
			continue;
		if (it->next > now || it->state == IT_NEW) {
			if (earliest == 0 || it->next < earliest)
				earliest = it->next;
			continue;
		}
		if (w->active >= w->p.max_deliveries)
			break; /* a finishing delivery picks again */
		if (conc(w, it->key) >= it->max_conc)
			continue;
		start_delivery(w, it);
		/* start_delivery may remove the item (lost): then another
		 * item took its place at i. */
		if (i < w->n && w->v[i] != it)
			i--;
	}
	if (earliest != 0)
		arm(w, earliest);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pick(arg);
}

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_workers *w = arg;
	size_t i;

	(void)fd;
	(void)what;
	/* Cancel what still runs; each done callback follows. */
	for (i = 0; i < w->n; i++) {
		struct item *it = w->v[i];

		if (it->state == IT_BUSY && it->sender && !it->cancelled) {
			it->cancelled = 1;
			mx_sender_cancel(it->sender);
		}
	}
	kick(w);
}

struct mx_workers *mx_workers_new(struct event_base *base,
				  const struct mx_workers_params *p, char *err,
				  size_t errlen)
{
	struct mx_workers *w = xcalloc(1, sizeof(*w));

	w->base = base;
	w->p = *p;
	w->next_dcid = 1;
	if (p->spool == NULL) {
		snprintf(err, errlen, "the workers need a spool");
		goto fail;
	}
	if (p->retry != NULL && p->nretry > 0) {
		w->retry = p->retry;
		w->nretry = p->nretry;
	} else {
		w->retry = default_retry;
		w->nretry = sizeof(default_retry) / sizeof(default_retry[0]);
	}
	if (w->p.max_lifetime_s == 0)
		w->p.max_lifetime_s = DEFAULT_LIFETIME;
	if (w->p.max_deliveries == 0)
		w->p.max_deliveries = DEFAULT_DELIVERIES;
	if (p->judge == NULL) {
		int need = p->policy != MX_POLICY_NONE;
		size_t i;

		for (i = 0; p->dests && i < p->dests->n; i++)
			if (p->dests->v[i].has_policy &&
			    p->dests->v[i].policy != MX_POLICY_NONE)
				need = 1;
		if (need) {
			snprintf(err, errlen, "a TLS policy needs a judge");
			goto fail;
		}
	}
	w->ev_kick = event_new(base, -1, 0, kick_cb, w);
	w->ev_timer = event_new(base, -1, 0, kick_cb, w);
	w->ev_grace = event_new(base, -1, 0, grace_cb, w);
	if (w->ev_kick == NULL || w->ev_timer == NULL || w->ev_grace == NULL) {
		snprintf(err, errlen, "event_new failed");
		goto fail;
	}
	return w;
fail:
	mx_workers_free(w);
	return NULL;
}

long mx_workers_start(struct mx_workers *w, char *err, size_t errlen)
{
	struct mx_spool_list l;
	struct mx_spool_diag d;
	size_t i;

	memset(&l, 0, sizeof(l));
	memset(&d, 0, sizeof(d));
	if (mx_spool_list(w->p.spool, MX_SPOOL_AREA_QUEUE, &l, &d) !=
	    MX_SPOOL_OK) {
		snprintf(err, errlen, "spool list: %s", d.text);
		return -1;
	}
	for (i = 0; i < l.n; i++) {
		size_t j;

		for (j = 0; j < w->n && strcmp(w->v[j]->id, l.ids[i]) != 0; j++)
			;
		if (j == w->n) /* the times come with the routing */
			item_add(w, l.ids[i], 0, 0, 0);
	}
	mx_spool_list_free(&l);
	kick(w);
	return (long)w->n;
}

void mx_workers_add(struct mx_workers *w, const char *id,
		    const struct mx_envelope *env)
{
	item_add(w, id, env->created, env->next_attempt, env->attempts);
	kick(w);
}

void mx_workers_shutdown(struct mx_workers *w, int grace_ms,
			 void (*drained)(void *arg), void *arg)
{
	struct timeval tv;

	w->shutting = 1;
	w->drained = drained;
	w->drained_arg = arg;
	event_del(w->ev_timer);
	if (w->active > 0) {
		tv.tv_sec = grace_ms / 1000;
		tv.tv_usec = (grace_ms % 1000) * 1000;
		event_add(w->ev_grace, &tv);
	}
	kick(w);
}

size_t mx_workers_queued(const struct mx_workers *w)
{
	return w->n;
}

size_t mx_workers_active(const struct mx_workers *w)
{
	return w->active;
}

const struct mx_workers_stats *mx_workers_stats(const struct mx_workers *w)
{
	return &w->stats;
}

void mx_workers_free(struct mx_workers *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		item_free(w->v[i]);
	free(w->v);
	free(w->busy);
	if (w->ev_kick)
		event_free(w->ev_kick);
	if (w->ev_timer)
		event_free(w->ev_timer);
	if (w->ev_grace)
		event_free(w->ev_grace);
	free(w);
}
