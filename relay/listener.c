/*
 * listener.c - the relay's SMTP listener; see listener.h for the
 * dialogue, the error replies and the limits.
 *
 * One struct session per accepted connection: a non-blocking socket, a
 * read event (persistent), a write event, one timer (idle / data /
 * linger), the plaintext input not yet parsed (`in`), the raw output not
 * yet sent (`out`), and, after STARTTLS, a server TLS session over memory
 * BIOs (relay/tls_server.h).  Input is parsed one command line at a time
 * (wire/smtp_data.h), so the replies to pipelined commands come out in
 * order and the bytes after STARTTLS can be dropped (RFC 3207 §4.2).
 *
 * Sessions are freed only from their own event callbacks (never from
 * inside the parser), after which the callback returns at once.
 */
#include "relay/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "relay/tls_server.h"
#include "wire/smtp_data.h"

#define READ_CHUNK 16384
#define MAX_IN (256u * 1024u)
#define LINGER_MS 5000
#define DEFAULT_CMD_TIMEOUT_MS 300000
#define DEFAULT_DATA_TIMEOUT_MS 600000
#define DEFAULT_MAX_ERRORS 20

enum sstate {
	SS_CMD = 0, /* reading commands */
	SS_DATA,    /* reading the message after 354 */
	SS_CLOSING, /* last reply queued; close when it is sent */
};

enum tstate { TLS_OFF = 0, TLS_HANDSHAKE, TLS_UP };

struct session {
	struct mx_listener *l;
	struct session *prev, *next;
	unsigned long icid;
	int fd;
	struct event *ev_read, *ev_write, *ev_timer;
	struct mx_buf in;  /* plaintext not yet parsed */
	struct mx_buf out; /* raw bytes not yet sent */
	struct mx_tls_server *tls;
	enum tstate tls_state;
	enum sstate state;
	int paused; /* reading stopped: the client does not read */
	struct mx_smtp_cmd_reader cr;
	struct mx_smtp_data_reader dr;
	struct mx_buf msg; /* the message of the current DATA */
	/* SMTP state (RFC 5321 §4.1.4) */
	int helo;  /* EHLO or HELO done */
	int esmtp; /* EHLO (not HELO) */
	int have_mail;
	int smtputf8;
	char *from;
	char **rcpts;
	size_t nrcpts, rcpts_cap;
	size_t errors;
	char peer[INET6_ADDRSTRLEN];
	char local[INET6_ADDRSTRLEN];
	uint16_t peer_port;
};

struct mx_listener {
	struct event_base *base;
	struct mx_listener_params p;
	struct mx_net allow[MX_LISTENER_MAX_ALLOW];
	size_t nallow;
	char *hostname;
	int lfd;
	uint16_t port;
	struct event *ev_accept;
	struct mx_tls_server_ctx *tls_ctx;
	struct session *sessions;
	size_t nsessions;
	unsigned long next_icid;
	int shut;
	struct mx_listener_stats stats;
};

/* ---- networks and addresses ------------------------------------------- */

static int prefix_host_bits_zero(const uint8_t *a, size_t len, unsigned pfx)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned bit0 = (unsigned)i * 8;
		uint8_t mask;

		if (bit0 + 8 <= pfx)
			continue;
		mask = bit0 >= pfx ? 0xff : (uint8_t)(0xffu >> (pfx - bit0));
		if (a[i] & mask)
			return 0;
	}
	return 1;
}

int mx_net_parse(const char *s, struct mx_net *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned maxp;

	memset(out, 0, sizeof(*out));
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (inet_pton(AF_INET, host, out->addr) == 1) {
		out->family = AF_INET;
		maxp = 32;
	} else if (inet_pton(AF_INET6, host, out->addr) == 1) {
		out->family = AF_INET6;
		maxp = 128;
	} else {
		return -1;
	}
	out->prefix = maxp;
	if (slash) {
		const char *d = slash + 1;
		unsigned v = 0;

		if (*d == 0 || strlen(d) > 3)
			return -1;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -1;
			v = v * 10 + (unsigned)(*d - '0');
		}
		if (v > maxp)
			return -1;
		out->prefix = v;
	}
	if (!prefix_host_bits_zero(out->addr, maxp / 8, out->prefix))
		return -1;
	return 0;
}

static int net_contains(const struct mx_net *n, int family, const uint8_t *a)
{
	unsigned full = n->prefix / 8, rest = n->prefix % 8;

	if (n->family != family)
		return 0;
	if (memcmp(n->addr, a, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xffu << (8 - rest));

		if ((n->addr[full] & mask) != (a[full] & mask))
			return 0;
	}
	return 1;
}

int mx_net_match(const struct mx_net *nets, size_t n, const struct sockaddr *sa)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0,    0,
					     0, 0, 0, 0, 0xff, 0xff};
	uint8_t a[16];
	int family;
	size_t i;

	if (sa->sa_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *b =
			((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (memcmp(b, v4mapped, sizeof(v4mapped)) == 0) {
			memcpy(a, b + 12, 4);
			family = AF_INET;
		} else {
			memcpy(a, b, 16);
			family = AF_INET6;
		}
	} else {
		return 0;
	}
	for (i = 0; i < n; i++)
		if (net_contains(&nets[i], family, a))
			return 1;
	return 0;
}

size_t mx_net_loopback(struct mx_net out[2])
{
	if (mx_net_parse("127.0.0.0/8", &out[0]) < 0 ||
	    mx_net_parse("::1", &out[1]) < 0)
		mx_fatal(__func__, "loopback networks do not parse");
	return 2;
}

int mx_listen_parse(const char *s, char *addr, size_t addrlen, uint16_t *port)
{
	const char *colon, *h = s, *pe;
	size_t hlen;
	unsigned long v = 0;
	uint8_t tmp[16];
	char host[INET6_ADDRSTRLEN];

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		h = s + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || memchr(s, ':', (size_t)(colon - s)))
			return -1; /* IPv6 needs brackets */
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host) || hlen >= addrlen)
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	if (inet_pton(AF_INET, host, tmp) != 1 &&
	    inet_pton(AF_INET6, host, tmp) != 1)
		return -1;
	pe = colon + 1;
	if (*pe == 0 || strlen(pe) > 5)
		return -1;
	for (; *pe; pe++) {
		if (*pe < '0' || *pe > '9')
			return -1;
		v = v * 10 + (unsigned long)(*pe - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	memcpy(addr, host, hlen + 1);
	*port = (uint16_t)v;
	return 0;
}

static void sa_text(const struct sockaddr_storage *ss, char *buf, size_t len,
		    uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
		if (port)
			*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
		if (port)
			*port = ntohs(s6->sin6_port);
	} else {
		snprintf(buf, len, "unknown");
		if (port)
			*port = 0;
	}
}

/* ---- session output ---------------------------------------------------- */

static void arm_timer(struct session *s, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(s->ev_timer, &tv);
}

static void want_write(struct session *s)
{
	if (s->out.len > 0 || s->state == SS_CLOSING)
		event_add(s->ev_write, NULL);
}

static void tls_flush(struct session *s)
{
	uint8_t tmp[READ_CHUNK];
	size_t n;

	while ((n = mx_tls_server_pull(s->tls, tmp, sizeof(tmp))) > 0)
		mx_buf_push(&s->out, tmp, n);
}

static void send_raw(struct session *s, const char *text, size_t n)
{
	if (s->tls_state == TLS_HANDSHAKE)
		return; /* no SMTP reply inside a handshake */
	if (s->tls_state == TLS_UP) {
		if (mx_tls_server_write(s->tls, (const uint8_t *)text, n) ==
		    MX_TLS_IO_OK)
			tls_flush(s);
	} else {
		mx_buf_push(&s->out, text, n);
	}
	want_write(s);
}

static void reply(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply(struct session *s, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)(sizeof(line) - 3);
	line[n] = '\r';
	line[n + 1] = '\n';
	send_raw(s, line, (size_t)n + 2);
}

static void clear_transaction(struct session *s)
{
	size_t i;

	free(s->from);
	s->from = NULL;
	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	s->nrcpts = 0;
	s->have_mail = 0;
	s->smtputf8 = 0;
	mx_buf_free(&s->msg);
}

/* Close after the last reply: no more input is read. */
static void closing(struct session *s)
{
	s->state = SS_CLOSING;
	event_del(s->ev_read);
	arm_timer(s, LINGER_MS);
	want_write(s);
}

/* A 4xx/5xx answer to client input.  Counts towards max_errors; beyond
 * it the session ends with 421 (RFC 5321 §4.2.2: 421 closes). */
static void reject(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reject(struct session *s, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	reply(s, "%s", line);
	s->l->stats.rejected++;
	mx_rlog(&s->l->p.log, MX_RLOG_INFO, "ICID %lu reply %s", s->icid, line);
	if (++s->errors >= s->l->p.max_errors && s->state != SS_CLOSING) {
		reply(s, "421 4.7.0 %s Error: too many errors", s->l->hostname);
		mx_rlog(&s->l->p.log, MX_RLOG_INFO,
			"ICID %lu too many errors (%zu), closing", s->icid,
			s->errors);
		closing(s);
	}
}

static void session_free(struct session *s)
{
	struct mx_listener *l = s->l;

	if (s->prev)
		s->prev->next = s->next;
	else
		l->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	l->nsessions--;
	clear_transaction(s);
	free(s->rcpts);
	if (s->ev_read)
		event_free(s->ev_read);
	if (s->ev_write)
		event_free(s->ev_write);
	if (s->ev_timer)
		event_free(s->ev_timer);
	if (s->fd >= 0)
		close(s->fd);
	mx_tls_server_free(s->tls);
	mx_buf_free(&s->in);
	mx_buf_free(&s->out);
	free(s);
}

static void session_end(struct session *s, const char *why)
{
	mx_rlog(&s->l->p.log, MX_RLOG_INFO, "ICID %lu close%s%s", s->icid,
		why ? ": " : "", why ? why : "");
	session_free(s);
}

/* ---- the message ------------------------------------------------------- */

static void end_data(struct session *s, enum mx_data_status st)
{
	struct mx_listener *l = s->l;
	struct mx_envelope env;
	struct mx_spool_diag d;
	char id[MX_SPOOL_ID_LEN + 1];
	size_t i, size = s->msg.len;
	char *from;

	s->state = SS_CMD;
	arm_timer(s, l->p.command_timeout_ms);
	switch (st) {
	case MX_DATA_OK:
		break;
	case MX_DATA_TOO_BIG:
		/* RFC 1870 §6.2 */
		reject(s,
		       "552 5.3.4 Error: message too large (limit %zu octets)",
		       l->p.max_message_size);
		goto out;
	case MX_DATA_LINE_TOO_LONG:
		/* RFC 5321 §4.5.3.1.6: 1000 octets with CRLF */
		reject(s,
		       "500 5.5.2 Error: message line longer than %d "
		       "octets",
		       MX_SMTP_DATA_MAX_LINE);
		goto out;
	case MX_DATA_BARE_LF:
	case MX_DATA_BARE_CR:
		/* RFC 5321 §2.3.8: CR and LF only as CRLF; anything else
		 * could smuggle a second message past another server. */
		reject(s,
		       "554 5.6.0 Error: bare %s received in the message "
		       "(RFC 5321 2.3.8)",
		       st == MX_DATA_BARE_LF ? "LF" : "CR");
		goto out;
	case MX_DATA_NUL:
		reject(s, "554 5.6.0 Error: NUL octet in the message");
		goto out;
	default:
		reject(s, "451 4.3.0 Error: message not accepted (%s)",
		       mx_data_status_name(st));
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.from = s->from;
	env.rcpts = s->rcpts;
	env.nrcpts = s->nrcpts;
	env.created = mx_wall_now();
	env.next_attempt = env.created;
	memset(&d, 0, sizeof(d));
	if (mx_spool_put(l->p.spool, &env, s->msg.p ? s->msg.p : (uint8_t *)"",
			 s->msg.len, id, &d) != MX_SPOOL_OK) {
		/* Not durable: the client must keep the message. */
		l->stats.spool_errors++;
		mx_rlog(&l->p.log, MX_RLOG_WARNING,
			"ICID %lu spool write failed: %s (%s)", s->icid,
			mx_spool_status_name(d.status), d.text);
		reject(s, "451 4.3.0 Error: queue file write error");
		goto out;
	}
	/* RFC 5321 §4.1.1.4 / §6.1: only now is the message ours. */
	reply(s, "250 2.0.0 Ok: queued as %s", id);
	l->stats.messages++;
	from = mx_escape_str(s->from, 600);
	mx_rlog(&l->p.log, MX_RLOG_INFO, "MID %s ICID %lu From: <%s>", id,
		s->icid, from);
	for (i = 0; i < s->nrcpts; i++) {
		char *r = mx_escape_str(s->rcpts[i], 600);

		mx_rlog(&l->p.log, MX_RLOG_INFO,
			"MID %s ICID %lu RID %zu To: <%s>", id, s->icid, i, r);
		free(r);
	}
	mx_rlog(&l->p.log, MX_RLOG_INFO, "MID %s ready %zu bytes from <%s>", id,
		size, from);
	mx_rlog(&l->p.log, MX_RLOG_INFO, "MID %s queued for delivery", id);
	free(from);
	if (l->p.queued)
		l->p.queued(l->p.queued_arg, id, &env, size);
out:
	clear_transaction(s);
}

/* ---- commands ---------------------------------------------------------- */

static void cmd_ehlo(struct session *s, const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;
	char *name = mx_escape(c->arg, c->arglen, 255);

	/* RFC 5321 §4.1.4: EHLO/HELO resets the transaction. */
	clear_transaction(s);
	s->helo = 1;
	s->esmtp = c->verb == MX_VERB_EHLO;
	if (!s->esmtp) {
		reply(s, "250 %s", l->hostname);
	} else {
		reply(s, "250-%s", l->hostname);
		reply(s, "250-PIPELINING");
		reply(s, "250-SIZE %zu", l->p.max_message_size);
		if (l->tls_ctx && s->tls_state == TLS_OFF)
			reply(s, "250-STARTTLS");
		reply(s, "250-8BITMIME");
		reply(s, "250-SMTPUTF8");
		reply(s, "250 ENHANCEDSTATUSCODES");
	}
	mx_rlog(&l->p.log, MX_RLOG_DEBUG, "ICID %lu %s %s", s->icid,
		s->esmtp ? "EHLO" : "HELO", name);
	free(name);
}

static void cmd_mail(struct session *s, const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;

	if (!s->helo) {
		reject(s, "503 5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->have_mail) {
		reject(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	/* RFC 1870 §6.2: a declared size over the limit. */
	if (c->has_size && c->size > l->p.max_message_size) {
		reject(s,
		       "552 5.3.4 Error: message size exceeds the limit of "
		       "%zu octets",
		       l->p.max_message_size);
		return;
	}
	/* RFC 6531 §3.4: a UTF-8 path needs the SMTPUTF8 parameter. */
	if (c->utf8 && !c->smtputf8) {
		reject(s, "553 5.6.7 Error: non-ASCII address without "
			  "SMTPUTF8");
		return;
	}
	if (c->arglen > MX_SPOOL_MAX_ADDR) {
		reject(s, "501 5.5.4 Error: address too long");
		return;
	}
	s->from = xstrndup(c->arg, c->arglen);
	s->have_mail = 1;
	s->smtputf8 = c->smtputf8;
	reply(s, "250 2.1.0 Ok");
}

static void cmd_rcpt(struct session *s, const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;

	if (!s->have_mail) {
		reject(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	/* RFC 5321 §4.5.3.1.10: 452 for too many recipients, so the client
	 * sends the rest in another transaction. */
	if (s->nrcpts >= l->p.max_recipients) {
		reject(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	if (c->utf8 && !s->smtputf8) {
		reject(s, "553 5.6.7 Error: non-ASCII address without "
			  "SMTPUTF8");
		return;
	}
	if (c->arglen == 0 || c->arglen > MX_SPOOL_MAX_ADDR) {
		reject(s, "501 5.1.3 Error: bad recipient address");
		return;
	}
	MX_GROW(s->rcpts, s->nrcpts, s->rcpts_cap);
	s->rcpts[s->nrcpts++] = xstrndup(c->arg, c->arglen);
	reply(s, "250 2.1.5 Ok");
}

static void cmd_data(struct session *s)
{
	struct mx_listener *l = s->l;

	if (!s->have_mail) {
		reject(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (s->nrcpts == 0) {
		reject(s, "503 5.5.1 Error: need RCPT command");
		return;
	}
	mx_smtp_data_reader_init(&s->dr, l->p.max_message_size, 0);
	/* The cap equals the limit: the reader counts and reports. */
	mx_buf_init(&s->msg, l->p.max_message_size);
	s->state = SS_DATA;
	arm_timer(s, l->p.data_timeout_ms);
	reply(s, "354 End data with <CR><LF>.<CR><LF>");
}

static void start_tls(struct session *s)
{
	struct mx_listener *l = s->l;
	char err[256];
	size_t dropped = s->in.len + mx_smtp_cmd_reader_pending(&s->cr);

	reply(s, "220 2.0.0 Ready to start TLS");
	/* RFC 3207 §4.2: anything the client sent after STARTTLS, before
	 * the handshake, is discarded, and all SMTP state is forgotten. */
	mx_buf_reset(&s->in);
	mx_smtp_cmd_reader_reset(&s->cr);
	if (dropped)
		mx_rlog(&l->p.log, MX_RLOG_INFO,
			"ICID %lu dropped %zu octets pipelined after STARTTLS",
			s->icid, dropped);
	clear_transaction(s);
	s->helo = s->esmtp = 0;
	s->tls = mx_tls_server_new(l->tls_ctx, err, sizeof(err));
	if (s->tls == NULL) {
		mx_rlog(&l->p.log, MX_RLOG_WARNING, "ICID %lu TLS failed: %s",
			s->icid, err);
		closing(s);
		return;
	}
	s->tls_state = TLS_HANDSHAKE;
}

static void handle(struct session *s, enum mx_cmd_status st,
		   const struct mx_smtp_cmd *c)
{
	struct mx_listener *l = s->l;

	switch (st) {
	case MX_CMD_OK:
		break;
	case MX_CMD_LINE_TOO_LONG:
		/* RFC 5321 §4.5.3.1.4: 512 octets with CRLF */
		reject(s, "500 5.5.2 Error: line too long");
		return;
	case MX_CMD_BARE_LF:
	case MX_CMD_BARE_CR:
	case MX_CMD_NUL:
		/* RFC 5321 §2.3.8 */
		reject(s, "500 5.5.2 Error: bad syntax: %s in the command",
		       st == MX_CMD_BARE_LF   ? "bare LF"
		       : st == MX_CMD_BARE_CR ? "bare CR"
					      : "NUL");
		return;
	case MX_CMD_UNKNOWN:
		reject(s, "500 5.5.1 Error: command not recognized");
		return;
	case MX_CMD_SYNTAX:
		reject(s, "501 5.5.4 Syntax error: %s", c->detail);
		return;
	case MX_CMD_BAD_PATH:
		reject(s, "501 %s Error: bad address syntax: %s",
		       c->verb == MX_VERB_MAIL ? "5.1.7" : "5.1.3", c->detail);
		return;
	case MX_CMD_PATH_TOO_LONG:
		reject(s, "501 5.5.4 Error: path too long: %s", c->detail);
		return;
	case MX_CMD_BAD_PARAM:
		reject(s, "555 5.5.4 Error: %s", c->detail);
		return;
	default:
		reject(s, "500 5.5.1 Error: %s", mx_cmd_status_name(st));
		return;
	}
	switch (c->verb) {
	case MX_VERB_EHLO:
	case MX_VERB_HELO:
		cmd_ehlo(s, c);
		break;
	case MX_VERB_MAIL:
		cmd_mail(s, c);
		break;
	case MX_VERB_RCPT:
		cmd_rcpt(s, c);
		break;
	case MX_VERB_DATA:
		cmd_data(s);
		break;
	case MX_VERB_RSET:
		clear_transaction(s);
		reply(s, "250 2.0.0 Ok");
		break;
	case MX_VERB_NOOP:
		reply(s, "250 2.0.0 Ok");
		break;
	case MX_VERB_QUIT:
		reply(s, "221 2.0.0 Bye");
		if (s->tls_state == TLS_UP) {
			mx_tls_server_shutdown(s->tls);
			tls_flush(s);
		}
		closing(s);
		break;
	case MX_VERB_STARTTLS:
		if (l->tls_ctx == NULL)
			reject(s, "502 5.5.1 Error: command not implemented");
		else if (s->tls_state != TLS_OFF)
			reject(s, "503 5.5.1 Error: TLS already active");
		else if (c->arglen > 0)
			reject(s, "501 5.5.4 Syntax: STARTTLS");
		else
			start_tls(s);
		break;
	default:
		/* VRFY EXPN HELP AUTH BDAT: not offered here. */
		reject(s, "502 5.5.1 Error: command not implemented");
		break;
	}
}

/* Parse what is buffered, as far as the state allows. */
static void process(struct session *s)
{
	while (s->in.len > 0 && s->state != SS_CLOSING &&
	       s->tls_state != TLS_HANDSHAKE && !s->paused) {
		size_t used = 0;

		if (s->state == SS_DATA) {
			enum mx_data_status st = mx_smtp_data_feed(
				&s->dr, s->in.p, s->in.len, &used, &s->msg);

			mx_buf_consume(&s->in, used);
			if (st != MX_DATA_MORE)
				end_data(s, st);
		} else {
			struct mx_smtp_cmd c;
			enum mx_cmd_status st;

			memset(&c, 0, sizeof(c));
			st = mx_smtp_cmd_feed(&s->cr, s->in.p, s->in.len, &used,
					      &c);
			mx_buf_consume(&s->in, used);
			if (st != MX_CMD_MORE)
				handle(s, st, &c);
		}
		if (s->out.len > MX_LISTENER_MAX_OUT && !s->paused &&
		    s->state != SS_CLOSING) {
			/* The client pipelines without reading replies. */
			s->paused = 1;
			event_del(s->ev_read);
		}
	}
}

/* ---- I/O --------------------------------------------------------------- */

static void tls_handshake_step(struct session *s)
{
	struct mx_listener *l = s->l;
	enum mx_tls_io r = mx_tls_server_handshake(s->tls);

	tls_flush(s);
	want_write(s);
	if (r == MX_TLS_IO_WANT_READ)
		return;
	if (r != MX_TLS_IO_OK) {
		mx_rlog(&l->p.log, MX_RLOG_INFO, "ICID %lu TLS failed: %s",
			s->icid, mx_tls_server_error(s->tls));
		closing(s);
		return;
	}
	s->tls_state = TLS_UP;
	l->stats.tls++;
	mx_rlog(&l->p.log, MX_RLOG_INFO,
		"ICID %lu TLS success protocol %s cipher %s", s->icid,
		mx_tls_server_version(s->tls), mx_tls_server_cipher(s->tls));
}

/* Returns -1 when the session must end (the reason in *why). */
static int tls_input(struct session *s, const uint8_t *p, size_t n,
		     const char **why)
{
	uint8_t tmp[READ_CHUNK];

	if (mx_tls_server_push(s->tls, p, n) < 0) {
		*why = "TLS input over the limit";
		return -1;
	}
	if (s->tls_state == TLS_HANDSHAKE) {
		tls_handshake_step(s);
		if (s->tls_state != TLS_UP)
			return 0;
	}
	for (;;) {
		size_t got = 0;
		enum mx_tls_io r =
			mx_tls_server_read(s->tls, tmp, sizeof(tmp), &got);

		if (got > 0 && !mx_buf_push(&s->in, tmp, got)) {
			*why = "input over the limit";
			return -1;
		}
		if (r == MX_TLS_IO_OK && got > 0)
			continue;
		tls_flush(s);
		want_write(s);
		if (r == MX_TLS_IO_CLOSED) {
			*why = "TLS close_notify";
			return -1;
		}
		if (r == MX_TLS_IO_ERROR) {
			*why = "TLS error";
			mx_rlog(&s->l->p.log, MX_RLOG_INFO,
				"ICID %lu TLS error: %s", s->icid,
				mx_tls_server_error(s->tls));
			return -1;
		}
		return 0;
	}
}

static void on_read(struct session *s)
{
	uint8_t tmp[READ_CHUNK];
	const char *why = NULL;
	ssize_t n;

	n = recv(s->fd, tmp, sizeof(tmp), 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		session_end(s, strerror(errno));
		return;
	}
	if (n == 0) {
		session_end(s, s->state == SS_DATA
				       ? "lost connection during DATA (nothing "
					 "queued)"
				       : NULL);
		return;
	}
	if (s->tls_state == TLS_OFF) {
		if (!mx_buf_push(&s->in, tmp, (size_t)n)) {
			session_end(s, "input over the limit");
			return;
		}
	} else if (tls_input(s, tmp, (size_t)n, &why) < 0) {
		session_end(s, why);
		return;
	}
	if (s->state != SS_CLOSING)
		arm_timer(s, s->state == SS_DATA ? s->l->p.data_timeout_ms
						 : s->l->p.command_timeout_ms);
	process(s);
}

static void on_write(struct session *s)
{
	if (s->out.len > 0) {
		ssize_t n = send(s->fd, s->out.p, s->out.len, MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			session_end(s, strerror(errno));
			return;
		}
		if (n > 0)
			mx_buf_consume(&s->out, (size_t)n);
	}
	if (s->out.len > 0) {
		event_add(s->ev_write, NULL);
		return;
	}
	if (s->state == SS_CLOSING) {
		session_end(s, NULL);
		return;
	}
	if (s->paused) {
		s->paused = 0;
		event_add(s->ev_read, NULL);
		process(s);
	}
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	if (what & EV_WRITE) {
		on_write(s);
		return; /* s may be gone */
	}
	if (what & EV_READ)
		on_read(s);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	if (s->state == SS_CLOSING) {
		session_end(s, "client did not read the last reply");
		return;
	}
	/* RFC 5321 §4.5.3.2.7: the server may close an idle session. */
	reply(s, "421 4.4.2 %s Error: timeout exceeded", s->l->hostname);
	mx_rlog(&s->l->p.log, MX_RLOG_INFO, "ICID %lu timeout%s", s->icid,
		s->state == SS_DATA ? " during DATA (nothing queued)" : "");
	closing(s);
}

/* ---- accept ------------------------------------------------------------ */

static struct session *session_new(struct mx_listener *l, int fd,
				   const struct sockaddr_storage *peer)
{
	struct session *s = xcalloc(1, sizeof(*s));
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);

	s->l = l;
	s->fd = fd;
	s->icid = l->next_icid++;
	mx_buf_init(&s->in, MAX_IN);
	mx_buf_init(&s->out, 0);
	mx_smtp_cmd_reader_init(&s->cr);
	sa_text(peer, s->peer, sizeof(s->peer), &s->peer_port);
	memset(&local, 0, sizeof(local));
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		sa_text(&local, s->local, sizeof(s->local), NULL);
	else
		snprintf(s->local, sizeof(s->local), "unknown");
	s->ev_read = event_new(l->base, fd, EV_READ | EV_PERSIST, io_cb, s);
	s->ev_write = event_new(l->base, fd, EV_WRITE, io_cb, s);
	s->ev_timer = event_new(l->base, -1, 0, timer_cb, s);
	if (s->ev_read == NULL || s->ev_write == NULL || s->ev_timer == NULL)
		mx_fatal(__func__, "event_new failed");
	s->next = l->sessions;
	if (l->sessions)
		l->sessions->prev = s;
	l->sessions = s;
	l->nsessions++;
	return s;
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct mx_listener *l = arg;
	int i;

	(void)what;
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		struct session *s;
		int fd, one = 1;

		memset(&peer, 0, sizeof(peer));
		fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or an error for this client only */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		l->stats.connections++;
		if (l->nsessions >= 2 * l->p.max_clients) {
			/* Flooded: not even a reply. */
			l->stats.refused++;
			close(fd);
			continue;
		}
		s = session_new(l, fd, &peer);
		mx_rlog(&l->p.log, MX_RLOG_INFO,
			"New SMTP ICID %lu interface %s address %s port %u",
			s->icid, s->local, s->peer, (unsigned)s->peer_port);
		if (!mx_net_match(l->allow, l->nallow,
				  (const struct sockaddr *)&peer)) {
			l->stats.refused++;
			mx_rlog(&l->p.log, MX_RLOG_INFO,
				"ICID %lu REJECT address %s not in the "
				"allowed networks",
				s->icid, s->peer);
			reply(s, "554 5.7.1 %s Error: access denied for %s",
			      l->hostname, s->peer);
			closing(s);
			continue;
		}
		if (l->nsessions > l->p.max_clients) {
			l->stats.refused++;
			mx_rlog(&l->p.log, MX_RLOG_INFO,
				"ICID %lu REJECT too many clients (%zu)",
				s->icid, l->p.max_clients);
			reply(s,
			      "421 4.3.2 %s Error: too many connections, "
			      "try again later",
			      l->hostname);
			closing(s);
			continue;
		}
		mx_rlog(&l->p.log, MX_RLOG_INFO, "ICID %lu ACCEPT", s->icid);
		event_add(s->ev_read, NULL);
		arm_timer(s, l->p.command_timeout_ms);
		reply(s, "220 %s ESMTP mxprobe relay", l->hostname);
	}
}

static int bind_listen(struct mx_listener *l, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN];
	socklen_t slen;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, l->p.addr,
		      &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->p.port);
		slen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, l->p.addr,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->p.port);
		slen = sizeof(*s6);
	} else {
		snprintf(err, errlen, "not a numeric address: %s", l->p.addr);
		return -1;
	}
	l->lfd = socket(ss.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->lfd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(l->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l->lfd, (struct sockaddr *)&ss, slen) < 0) {
		snprintf(err, errlen, "bind %s port %u: %s", l->p.addr,
			 (unsigned)l->p.port, strerror(errno));
		return -1;
	}
	if (listen(l->lfd, 128) < 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		return -1;
	}
	slen = sizeof(ss);
	if (getsockname(l->lfd, (struct sockaddr *)&ss, &slen) == 0)
		sa_text(&ss, text, sizeof(text), &l->port);
	return 0;
}

struct mx_listener *mx_listener_new(struct event_base *base,
				    const struct mx_listener_params *p,
				    char *err, size_t errlen)
{
	struct mx_listener *l = xcalloc(1, sizeof(*l));

	l->base = base;
	l->p = *p;
	l->lfd = -1;
	l->next_icid = 1;
	if (p->spool == NULL || p->addr == NULL) {
		snprintf(err, errlen,
			 "a listener needs a spool and an address");
		goto fail;
	}
	if (l->p.max_message_size == 0)
		l->p.max_message_size = MX_LISTENER_DEFAULT_SIZE;
	if (l->p.max_message_size > MX_SPOOL_MAX_MESSAGE) {
		snprintf(err, errlen, "the message size limit is at most %u",
			 MX_SPOOL_MAX_MESSAGE);
		goto fail;
	}
	if (l->p.max_recipients == 0)
		l->p.max_recipients = MX_LISTENER_DEFAULT_RCPTS;
	if (l->p.max_recipients > MX_SPOOL_MAX_RCPTS) {
		snprintf(err, errlen, "the recipient limit is at most %d",
			 MX_SPOOL_MAX_RCPTS);
		goto fail;
	}
	if (l->p.max_clients == 0)
		l->p.max_clients = MX_LISTENER_DEFAULT_CLIENTS;
	if (l->p.max_errors == 0)
		l->p.max_errors = DEFAULT_MAX_ERRORS;
	if (l->p.command_timeout_ms <= 0)
		l->p.command_timeout_ms = DEFAULT_CMD_TIMEOUT_MS;
	if (l->p.data_timeout_ms <= 0)
		l->p.data_timeout_ms = DEFAULT_DATA_TIMEOUT_MS;
	if (p->allow == NULL || p->nallow == 0) {
		l->nallow = mx_net_loopback(l->allow);
	} else {
		if (p->nallow > MX_LISTENER_MAX_ALLOW) {
			snprintf(err, errlen, "at most %d allowed networks",
				 MX_LISTENER_MAX_ALLOW);
			goto fail;
		}
		memcpy(l->allow, p->allow, p->nallow * sizeof(*p->allow));
		l->nallow = p->nallow;
	}
	if (p->hostname != NULL && !mx_is_clean(p->hostname)) {
		snprintf(err, errlen, "the host name must be printable ASCII");
		goto fail;
	}
	l->hostname = xstrdup(p->hostname ? p->hostname : "localhost");
	l->p.hostname = l->hostname;
	if (p->tls_cert != NULL || p->tls_key != NULL) {
		l->tls_ctx = mx_tls_server_ctx_new(p->tls_cert, p->tls_key, err,
						   errlen);
		if (l->tls_ctx == NULL)
			goto fail;
	}
	if (bind_listen(l, err, errlen) < 0)
		goto fail;
	l->ev_accept =
		event_new(base, l->lfd, EV_READ | EV_PERSIST, accept_cb, l);
	if (l->ev_accept == NULL) {
		snprintf(err, errlen, "event_new failed");
		goto fail;
	}
	event_add(l->ev_accept, NULL);
	return l;
fail:
	mx_listener_free(l);
	return NULL;
}

uint16_t mx_listener_port(const struct mx_listener *l)
{
	return l->port;
}

void mx_listener_shutdown(struct mx_listener *l)
{
	struct session *s;

	if (l->shut)
		return;
	l->shut = 1;
	if (l->ev_accept) {
		event_free(l->ev_accept);
		l->ev_accept = NULL;
	}
	if (l->lfd >= 0) {
		close(l->lfd);
		l->lfd = -1;
	}
	for (s = l->sessions; s; s = s->next) {
		if (s->state == SS_CLOSING)
			continue;
		if (s->state == SS_DATA)
			mx_rlog(&l->p.log, MX_RLOG_INFO,
				"ICID %lu shutdown during DATA (nothing "
				"queued)",
				s->icid);
		if (s->tls_state != TLS_HANDSHAKE)
			reply(s, "421 4.3.2 %s Service shutting down",
			      l->hostname);
		closing(s);
	}
}

size_t mx_listener_sessions(const struct mx_listener *l)
{
	return l->nsessions;
}

const struct mx_listener_stats *mx_listener_stats(const struct mx_listener *l)
{
	return &l->stats;
}

void mx_listener_free(struct mx_listener *l)
{
	if (l == NULL)
		return;
	while (l->sessions)
		session_free(l->sessions);
	if (l->ev_accept)
		event_free(l->ev_accept);
	if (l->lfd >= 0)
		close(l->lfd);
	mx_tls_server_ctx_free(l->tls_ctx);
	free(l->hostname);
	free(l);
}
