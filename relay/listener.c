/*
 * listener.c - the relay's SMTP listener: accepting clients (allowed
 * networks, the client cap), the sockets, TLS records, timers, shutdown;
 * see listener.h for the dialogue, the error replies and the limits.
 *
 * The session (listener_int.h) is read into `in` and written from `out`;
 * after STARTTLS the bytes pass through the server TLS session first.
 * The SMTP dialogue itself is smtp_server.c.
 *
 * Sessions are freed only from their own event callbacks (never from
 * inside the parser), after which the callback returns at once.
 */
#include "relay/listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/escape.h"
#include "common/xalloc.h"
#include "relay/listener_int.h"
#include "relay/netaddr.h"
#include "relay/tls_server.h"

#define READ_CHUNK 16384
#define MAX_IN (256u * 1024u)
#define LINGER_MS 5000
#define DEFAULT_CMD_TIMEOUT_MS 300000
#define DEFAULT_DATA_TIMEOUT_MS 600000
#define DEFAULT_MAX_ERRORS 20

/* ---- session output and state ------------------------------------------ */

void mx_ls_arm_timer(struct mx_ls_session *s, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(s->ev_timer, &tv);
}

void mx_ls_want_write(struct mx_ls_session *s)
{
	if (s->out.len > 0 || s->state == SS_CLOSING)
		event_add(s->ev_write, NULL);
}

void mx_ls_tls_flush(struct mx_ls_session *s)
{
	uint8_t tmp[READ_CHUNK];
	size_t n;

	while ((n = mx_tls_server_pull(s->tls, tmp, sizeof(tmp))) > 0)
		mx_buf_push(&s->out, tmp, n);
}

/* Close after the last reply: no more input is read. */
void mx_ls_closing(struct mx_ls_session *s)
{
	s->state = SS_CLOSING;
	event_del(s->ev_read);
	mx_ls_arm_timer(s, LINGER_MS);
	mx_ls_want_write(s);
}

static void session_free(struct mx_ls_session *s)
{
	struct mx_listener *l = s->l;

	if (s->prev)
		s->prev->next = s->next;
	else
		l->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	l->nsessions--;
	mx_ls_clear_transaction(s);
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

static void session_end(struct mx_ls_session *s, const char *why)
{
	mx_rlog(&s->l->p.log, MX_RLOG_INFO, "ICID %lu close%s%s", s->icid,
		why ? ": " : "", why ? why : "");
	session_free(s);
}

/* ---- I/O --------------------------------------------------------------- */

static void tls_handshake_step(struct mx_ls_session *s)
{
	struct mx_listener *l = s->l;
	enum mx_tls_io r = mx_tls_server_handshake(s->tls);

	mx_ls_tls_flush(s);
	mx_ls_want_write(s);
	if (r == MX_TLS_IO_WANT_READ)
		return;
	if (r != MX_TLS_IO_OK) {
		mx_rlog(&l->p.log, MX_RLOG_INFO, "ICID %lu TLS failed: %s",
			s->icid, mx_tls_server_error(s->tls));
		mx_ls_closing(s);
		return;
	}
	s->tls_state = TLS_UP;
	l->stats.tls++;
	mx_rlog(&l->p.log, MX_RLOG_INFO,
		"ICID %lu TLS success protocol %s cipher %s", s->icid,
		mx_tls_server_version(s->tls), mx_tls_server_cipher(s->tls));
}

/* Returns -1 when the session must end (the reason in *why). */
static int tls_input(struct mx_ls_session *s, const uint8_t *p, size_t n,
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
		mx_ls_tls_flush(s);
		mx_ls_want_write(s);
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

static void on_read(struct mx_ls_session *s)
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
		mx_ls_arm_timer(s, s->state == SS_DATA
					   ? s->l->p.data_timeout_ms
					   : s->l->p.command_timeout_ms);
	mx_ls_process(s);
}

static void on_write(struct mx_ls_session *s)
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
		mx_ls_process(s);
	}
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_ls_session *s = arg;

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
	struct mx_ls_session *s = arg;

	(void)fd;
	(void)what;
	if (s->state == SS_CLOSING) {
		session_end(s, "client did not read the last reply");
		return;
	}
	/* RFC 5321 §4.5.3.2.7: the server may close an idle session. */
	mx_ls_reply(s, "421 4.4.2 %s Error: timeout exceeded", s->l->hostname);
	mx_rlog(&s->l->p.log, MX_RLOG_INFO, "ICID %lu timeout%s", s->icid,
		s->state == SS_DATA ? " during DATA (nothing queued)" : "");
	mx_ls_closing(s);
}

/* ---- accept ------------------------------------------------------------ */

static struct mx_ls_session *session_new(struct mx_listener *l, int fd,
					 const struct sockaddr_storage *peer)
{
	struct mx_ls_session *s = xcalloc(1, sizeof(*s));
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);

	s->l = l;
	s->fd = fd;
	s->icid = l->next_icid++;
	mx_buf_init(&s->in, MAX_IN);
	mx_buf_init(&s->out, 0);
	mx_smtp_cmd_reader_init(&s->cr);
	mx_sockaddr_text(peer, s->peer, sizeof(s->peer), &s->peer_port);
	memset(&local, 0, sizeof(local));
	if (getsockname(fd, (struct sockaddr *)&local, &len) == 0)
		mx_sockaddr_text(&local, s->local, sizeof(s->local), NULL);
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
		struct mx_ls_session *s;
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
			mx_ls_reply(s,
				    "554 5.7.1 %s Error: access denied for %s",
				    l->hostname, s->peer);
			mx_ls_closing(s);
			continue;
		}
		if (l->nsessions > l->p.max_clients) {
			l->stats.refused++;
			mx_rlog(&l->p.log, MX_RLOG_INFO,
				"ICID %lu REJECT too many clients (%zu)",
				s->icid, l->p.max_clients);
			mx_ls_reply(s,
				    "421 4.3.2 %s Error: too many connections, "
				    "try again later",
				    l->hostname);
			mx_ls_closing(s);
			continue;
		}
		mx_rlog(&l->p.log, MX_RLOG_INFO, "ICID %lu ACCEPT", s->icid);
		event_add(s->ev_read, NULL);
		mx_ls_arm_timer(s, l->p.command_timeout_ms);
		mx_ls_reply(s, "220 %s ESMTP mxprobe relay", l->hostname);
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
		mx_sockaddr_text(&ss, text, sizeof(text), &l->port);
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
	struct mx_ls_session *s;

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
			mx_ls_reply(s, "421 4.3.2 %s Service shutting down",
				    l->hostname);
		mx_ls_closing(s);
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
