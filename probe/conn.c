/*
 * conn.c - TCP connection with optional TLS over memory I/O; see conn.h.
 */
#include "probe/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/xalloc.h"

#define MX_CONN_READ_CHUNK 16384

enum tls_state { TLS_OFF = 0, TLS_HANDSHAKE, TLS_UP, TLS_DEAD };

struct mx_conn {
	struct event_base *base;
	const struct mx_conn_cbs *cbs;
	void *arg;
	const struct mx_log *log;
	int fd;
	int connecting;
	struct event *ev_read;
	struct event *ev_write;
	struct mx_buf in;  /* plaintext received */
	struct mx_buf out; /* raw bytes to send */
	const struct mx_tls_backend *be;
	struct mx_tls_session *tls;
	enum tls_state tls_state;
	int connect_err; /* connect() failed at once with this errno */
	int in_cb;	 /* inside a user callback */
	int dead;	 /* freed from inside a callback */
	int closed;	 /* a closed callback was delivered */
	size_t bytes_out, bytes_in; /* raw socket counters */
};

static void real_free(struct mx_conn *c)
{
	/* Best effort: what is queued (a TLS Finished, a QUIT) leaves
	 * before the close, so the peer sees a complete exchange. */
	if (c->fd >= 0 && !c->connecting && c->out.len > 0)
		(void)send(c->fd, c->out.p, c->out.len,
			   MSG_NOSIGNAL | MSG_DONTWAIT);
	if (c->ev_read)
		event_free(c->ev_read);
	if (c->ev_write)
		event_free(c->ev_write);
	if (c->fd >= 0)
		close(c->fd);
	if (c->tls)
		c->be->session_free(c->tls);
	mx_buf_free(&c->in);
	mx_buf_free(&c->out);
	free(c);
}

void mx_conn_free(struct mx_conn *c)
{
	if (c == NULL)
		return;
	if (c->in_cb) {
		/* Stop all I/O now; release memory when the handler returns. */
		c->dead = 1;
		if (c->ev_read)
			event_del(c->ev_read);
		if (c->ev_write)
			event_del(c->ev_write);
		return;
	}
	real_free(c);
}

/* Run a user callback; returns nonzero if the connection is gone. */
#define CALLBACK(c, call)                                                      \
	do {                                                                   \
		(c)->in_cb++;                                                  \
		call;                                                          \
		(c)->in_cb--;                                                  \
		if ((c)->dead && (c)->in_cb == 0) {                            \
			real_free(c);                                          \
			return;                                                \
		}                                                              \
	} while (0)

static void want_write(struct mx_conn *c)
{
	if (c->out.len > 0 && c->fd >= 0 && !c->dead)
		event_add(c->ev_write, NULL);
}

/* Move ciphertext the TLS session produced into the raw output. */
static void tls_flush(struct mx_conn *c)
{
	uint8_t tmp[MX_CONN_READ_CHUNK];
	size_t n;

	if (c->tls == NULL)
		return;
	while ((n = c->be->pull_output(c->tls, tmp, sizeof(tmp))) > 0)
		mx_buf_push(&c->out, tmp, n);
	want_write(c);
}

static void deliver_close(struct mx_conn *c, enum mx_conn_end end, int err)
{
	if (c->closed)
		return;
	c->closed = 1;
	event_del(c->ev_read);
	event_del(c->ev_write);
	CALLBACK(c, c->cbs->closed(c->arg, end, err));
}

/* Decrypt whatever the session can give us into `in`. Returns an end
 * reason when the TLS layer closed, 0 otherwise. */
static int tls_drain(struct mx_conn *c)
{
	uint8_t tmp[MX_CONN_READ_CHUNK];

	for (;;) {
		size_t got = 0;
		enum mx_tls_io r = c->be->read(c->tls, tmp, sizeof(tmp), &got);

		if (got > 0 && !mx_buf_push(&c->in, tmp, got))
			return MX_CONN_END_OVERFLOW;
		if (r == MX_TLS_IO_OK && got > 0)
			continue;
		if (r == MX_TLS_IO_CLOSED)
			return MX_CONN_END_TLS_CLOSE;
		if (r == MX_TLS_IO_ERROR) {
			c->tls_state = TLS_DEAD;
			return MX_CONN_END_TLS;
		}
		return 0;
	}
}

static void on_readable(struct mx_conn *c)
{
	uint8_t tmp[MX_CONN_READ_CHUNK];
	ssize_t n;
	int end = 0;

	n = recv(c->fd, tmp, sizeof(tmp), 0);
	if (n > 0)
		c->bytes_in += (size_t)n;
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (c->tls_state == TLS_HANDSHAKE) {
			c->tls_state = TLS_DEAD;
			CALLBACK(c, c->cbs->tls_done(c->arg, 0));
		}
		deliver_close(c,
			      errno == ECONNRESET ? MX_CONN_END_RESET
						  : MX_CONN_END_ERROR,
			      errno);
		return;
	}
	if (n == 0) {
		if (c->tls_state == TLS_HANDSHAKE) {
			c->tls_state = TLS_DEAD;
			CALLBACK(c, c->cbs->tls_done(c->arg, 0));
		}
		deliver_close(c, MX_CONN_END_EOF, 0);
		return;
	}
	if (c->tls_state == TLS_OFF) {
		if (!mx_buf_push(&c->in, tmp, (size_t)n)) {
			deliver_close(c, MX_CONN_END_OVERFLOW, 0);
			return;
		}
		CALLBACK(c, c->cbs->readable(c->arg));
		return;
	}
	if (c->tls_state == TLS_DEAD)
		return;
	if (c->be->push_input(c->tls, tmp, (size_t)n) < 0) {
		deliver_close(c, MX_CONN_END_OVERFLOW, 0);
		return;
	}
	if (c->tls_state == TLS_HANDSHAKE) {
		enum mx_tls_io r = c->be->handshake(c->tls);

		tls_flush(c);
		if (r == MX_TLS_IO_WANT_READ)
			return;
		if (r != MX_TLS_IO_OK) {
			c->tls_state = TLS_DEAD;
			CALLBACK(c, c->cbs->tls_done(c->arg, 0));
			return;
		}
		c->tls_state = TLS_UP;
		CALLBACK(c, c->cbs->tls_done(c->arg, 1));
	}
	end = tls_drain(c);
	tls_flush(c);
	if (c->in.len > 0)
		CALLBACK(c, c->cbs->readable(c->arg));
	if (end)
		deliver_close(c, (enum mx_conn_end)end, 0);
}

static void on_connected(struct mx_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	c->connecting = 0;
	if (c->connect_err)
		err = c->connect_err;
	else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0)
		event_add(c->ev_read, NULL);
	CALLBACK(c, c->cbs->connected(c->arg, err));
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mx_conn *c = arg;

	(void)fd;
	if (what & EV_WRITE) {
		if (c->connecting) {
			on_connected(c);
			return;
		}
		if (c->out.len > 0) {
			ssize_t n =
				send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				deliver_close(c,
					      errno == ECONNRESET ||
							      errno == EPIPE
						      ? MX_CONN_END_RESET
						      : MX_CONN_END_ERROR,
					      errno);
				return;
			}
			if (n > 0) {
				mx_buf_consume(&c->out, (size_t)n);
				c->bytes_out += (size_t)n;
			}
		}
		want_write(c);
	}
	if (what & EV_READ)
		on_readable(c);
}

struct mx_conn *mx_conn_new(struct event_base *base,
			    const struct mx_conn_cbs *cbs, void *arg,
			    const struct mx_log *log)
{
	struct mx_conn *c = xcalloc(1, sizeof(*c));

	c->base = base;
	c->cbs = cbs;
	c->arg = arg;
	c->log = log;
	c->fd = -1;
	mx_buf_init(&c->in, MX_CONN_MAX_IN);
	mx_buf_init(&c->out, 0);
	return c;
}

int mx_conn_connect(struct mx_conn *c, const char *addr, uint16_t port,
		    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) ==
	    1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		slen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		slen = sizeof(*s6);
	} else {
		snprintf(err, errlen, "not a numeric address: %s", addr);
		return -1;
	}
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->ev_read = event_new(c->base, c->fd, EV_READ | EV_PERSIST, io_cb, c);
	c->ev_write = event_new(c->base, c->fd, EV_WRITE, io_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL) {
		snprintf(err, errlen, "event_new failed");
		return -1;
	}
	c->connecting = 1;
	if (connect(c->fd, (struct sockaddr *)&ss, slen) < 0 &&
	    errno != EINPROGRESS) {
		/* Report through the callback like an asynchronous failure. */
		c->connect_err = errno;
		event_active(c->ev_write, EV_WRITE, 0);
		return 0;
	}
	event_add(c->ev_write, NULL);
	return 0;
}

int mx_conn_write(struct mx_conn *c, const void *p, size_t n)
{
	if (c->fd < 0 || c->dead || c->closed)
		return -1;
	if (c->tls_state == TLS_UP) {
		if (c->be->write(c->tls, p, n) != MX_TLS_IO_OK)
			return -1;
		tls_flush(c);
		return 0;
	}
	if (c->tls_state != TLS_OFF)
		return -1;
	if (!mx_buf_push(&c->out, p, n))
		return -1;
	want_write(c);
	return 0;
}

struct mx_buf *mx_conn_in(struct mx_conn *c)
{
	return &c->in;
}

int mx_conn_start_tls(struct mx_conn *c, const struct mx_tls_backend *be,
		      const struct mx_tls_params *p, size_t *dropped, char *err,
		      size_t errlen)
{
	enum mx_tls_io r;

	if (c->tls != NULL || c->fd < 0) {
		snprintf(err, errlen, "TLS already started or not connected");
		return -1;
	}
	/* RFC 3207 §4.2: anything the server sent before the handshake is
	 * not part of the TLS session; discard it. */
	*dropped = c->in.len;
	mx_buf_reset(&c->in);
	c->be = be;
	c->tls = be->session_new(p, err, errlen);
	if (c->tls == NULL)
		return -1;
	c->tls_state = TLS_HANDSHAKE;
	r = be->handshake(c->tls);
	tls_flush(c);
	if (r == MX_TLS_IO_ERROR) {
		/* Failed before sending anything: report from the loop. */
		c->tls_state = TLS_DEAD;
		snprintf(err, errlen, "TLS handshake could not start");
		return -1;
	}
	return 0;
}

struct mx_tls_session *mx_conn_tls(struct mx_conn *c)
{
	return c->tls;
}

const struct mx_tls_backend *mx_conn_tls_backend(struct mx_conn *c)
{
	return c->be;
}

int mx_conn_fd(const struct mx_conn *c)
{
	return c->fd;
}

void mx_conn_set_cbs(struct mx_conn *c, const struct mx_conn_cbs *cbs,
		     void *arg)
{
	c->cbs = cbs;
	c->arg = arg;
}

size_t mx_conn_bytes_out(const struct mx_conn *c)
{
	return c->bytes_out;
}

size_t mx_conn_bytes_in(const struct mx_conn *c)
{
	return c->bytes_in;
}
