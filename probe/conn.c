/*
 * conn.c - TCP connection with optional TLS over memory I/O; see conn.h.
 */
#include "probe/conn.h"

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

#include "common/cursor.h"
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
	struct mx_connrec *rec;	    /* borrowed evidence record, or NULL */
};

/* ---- evidence ----------------------------------------------------------- */

/* A trace line, prefixed "conn N: " when a record is set. */
static void trace(const struct mx_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void trace(const struct mx_conn *c, const char *fmt, ...)
{
	char buf[300];
	va_list ap;

	if (c->log == NULL || !(c->log->trace & MX_TRACE_SCHED))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (c->rec)
		mx_log_trace(c->log, MX_TRACE_SCHED, "conn %u: %s", c->rec->id,
			     buf);
	else
		mx_log_trace(c->log, MX_TRACE_SCHED, "%s", buf);
}

static void sockaddr_text(const struct sockaddr_storage *ss, char *addr,
			  size_t addrlen, uint16_t *port)
{
	const void *a = NULL;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		a = &s4->sin_addr;
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		a = &s6->sin6_addr;
		*port = ntohs(s6->sin6_port);
	}
	if (a == NULL || inet_ntop(ss->ss_family, a, addr, addrlen) == NULL)
		addr[0] = 0;
}

/* getsockname (local) or getpeername (remote) into the record. */
static void rec_addr(struct mx_conn *c, int local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct mx_connrec *r = c->rec;
	int rc;

	if (r == NULL || c->fd < 0)
		return;
	memset(&ss, 0, sizeof(ss));
	rc = local ? getsockname(c->fd, (struct sockaddr *)&ss, &len)
		   : getpeername(c->fd, (struct sockaddr *)&ss, &len);
	if (rc < 0)
		return;
	if (local) {
		uint16_t port = 0;

		sockaddr_text(&ss, r->local_addr, sizeof(r->local_addr), &port);
		r->local_port = port;
	} else {
		uint16_t port = 0;

		sockaddr_text(&ss, r->remote_addr, sizeof(r->remote_addr),
			      &port);
		r->remote_port = port;
	}
}

static void rec_end(struct mx_conn *c, enum mx_conn_how how, int err)
{
	if (c->rec == NULL || c->rec->how != MX_HOW_NONE)
		return;
	mx_connrec_end(c->rec, how, -1, err);
	trace(c, "end: %s%s%s, %llu bytes out, %llu in", mx_conn_how_name(how),
	      err ? ": " : "", err ? strerror(err) : "",
	      (unsigned long long)c->rec->bytes_out,
	      (unsigned long long)c->rec->bytes_in);
}

static void count_out(struct mx_conn *c, size_t n)
{
	c->bytes_out += n;
	if (c->rec)
		c->rec->bytes_out += n;
}

static void count_in(struct mx_conn *c, size_t n)
{
	c->bytes_in += n;
	if (c->rec) {
		c->rec->bytes_in += n;
		if (c->rec->mark_us[MX_MARK_HELLO_SENT] >= 0)
			mx_connrec_mark(c->rec, MX_MARK_FIRST_RECORD);
	}
}

/* RFC 8701 §2: GREASE values are {0x0a0a, 0x1a1a, ..., 0xfafa}. */
static int is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

#define HELLO_MAX (64u * 1024) /* a ClientHello of ours is far smaller */

/* The handshake message of the ClientHello (RFC 8446 §4.1.2, RFC 5246
 * §7.4.1.2): fill the counts; returns 0 when it parsed cleanly. */
static int parse_client_hello(struct mx_connrec *r, struct mx_cur *m)
{
	struct mx_cur sid, suites, comp, exts;
	unsigned nsuites = 0, ngroups = 0;
	uint16_t vmin = 0, vmax = 0, legacy;

	if (mx_cur_u8(m) != 1) /* client_hello */
		return -1;
	{
		struct mx_cur body;

		mx_cur_sub24(m, &body);
		if (!mx_cur_ok(m) || !mx_cur_done(m))
			return -1;
		*m = body;
	}
	legacy = mx_cur_u16(m); /* the maximum offered (pre-1.3) */
	mx_cur_skip(m, 32);	/* random */
	mx_cur_sub8(m, &sid);
	mx_cur_sub16(m, &suites);
	mx_cur_sub8(m, &comp);
	if (!mx_cur_ok(m) || mx_cur_left(&suites) % 2 != 0)
		return -1;
	while (mx_cur_left(&suites) > 0) {
		uint16_t s = mx_cur_u16(&suites);

		if (s != 0x00ff && s != 0x5600 && !is_grease(s))
			nsuites++;
	}
	if (mx_cur_left(m) > 0) {
		mx_cur_sub16(m, &exts);
		while (mx_cur_ok(&exts) && mx_cur_left(&exts) > 0) {
			uint16_t type = mx_cur_u16(&exts);
			struct mx_cur e, l;

			mx_cur_sub16(&exts, &e);
			if (type == 43) { /* supported_versions */
				mx_cur_sub8(&e, &l);
				while (mx_cur_ok(&l) && mx_cur_left(&l) > 0) {
					uint16_t v = mx_cur_u16(&l);

					if (is_grease(v))
						continue;
					if (vmin == 0 || v < vmin)
						vmin = v;
					if (v > vmax)
						vmax = v;
				}
				mx_cur_join(&e, &l);
				(void)mx_cur_done(&l);
			} else if (type == 10) { /* supported_groups */
				mx_cur_sub16(&e, &l);
				if (mx_cur_left(&l) % 2 != 0)
					mx_cur_invalid(&l);
				while (mx_cur_ok(&l) && mx_cur_left(&l) > 0)
					if (!is_grease(mx_cur_u16(&l)))
						ngroups++;
				mx_cur_join(&e, &l);
			} else {
				mx_cur_skip(&e, mx_cur_left(&e));
			}
			if (!mx_cur_done(&e))
				mx_cur_invalid(&exts);
		}
		mx_cur_join(m, &exts);
	}
	if (!mx_cur_done(m))
		return -1;
	r->hello_nsuites = nsuites;
	r->hello_ngroups = ngroups;
	/* Without supported_versions (RFC 8446 §4.2.1) client_version is
	 * the highest version offered and the lowest is not on the wire. */
	r->hello_min_version = vmin;
	r->hello_max_version = vmax ? vmax : legacy;
	return 0;
}

int mx_connrec_hello_summary(struct mx_connrec *r, const uint8_t *p, size_t len)
{
	struct mx_cur rec;
	struct mx_buf hs;
	int rc = -1;

	r->hello_len = len;
	r->hello_nsuites = r->hello_ngroups = 0;
	r->hello_min_version = r->hello_max_version = 0;
	/* Reassemble the handshake fragments of the records (RFC 8446
	 * §5.1): record headers first, then one ClientHello message. */
	mx_buf_init(&hs, HELLO_MAX);
	mx_cur_init(&rec, p, len);
	while (mx_cur_ok(&rec) && mx_cur_left(&rec) > 0) {
		struct mx_cur frag;
		uint8_t type = mx_cur_u8(&rec);

		(void)mx_cur_u16(&rec); /* record version */
		mx_cur_sub16(&rec, &frag);
		if (!mx_cur_ok(&rec) || type != 22 ||
		    !mx_buf_push(&hs, frag.p, mx_cur_left(&frag)))
			goto out;
	}
	if (mx_cur_ok(&rec) && hs.len > 0) {
		struct mx_cur m;

		mx_cur_init(&m, hs.p, hs.len);
		rc = parse_client_hello(r, &m);
	}
out:
	mx_buf_free(&hs);
	return rc;
}

void mx_conn_set_record(struct mx_conn *c, struct mx_connrec *r)
{
	c->rec = r;
}

struct mx_connrec *mx_conn_record(const struct mx_conn *c)
{
	return c->rec;
}

static void real_free(struct mx_conn *c)
{
	/* Best effort: what is queued (a TLS Finished, a QUIT) leaves
	 * before the close, so the peer sees a complete exchange. */
	if (c->fd >= 0 && !c->connecting && c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.p, c->out.len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			count_out(c, (size_t)n);
	}
	if (c->fd >= 0)
		rec_end(c, c->connecting ? MX_HOW_CANCELLED : MX_HOW_WE_CLOSED,
			0);
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
		count_in(c, (size_t)n);
	if (n < 0) {
		int e = errno;

		if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
			return;
		rec_end(c, e == ECONNRESET ? MX_HOW_PEER_RST : MX_HOW_ERROR, e);
		if (c->tls_state == TLS_HANDSHAKE) {
			c->tls_state = TLS_DEAD;
			CALLBACK(c, c->cbs->tls_done(c->arg, 0));
		}
		deliver_close(c,
			      e == ECONNRESET ? MX_CONN_END_RESET
					      : MX_CONN_END_ERROR,
			      e);
		return;
	}
	if (n == 0) {
		rec_end(c, MX_HOW_PEER_FIN, 0);
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
	if (err == 0) {
		event_add(c->ev_read, NULL);
		rec_addr(c, 1);
		rec_addr(c, 0);
		if (c->rec) {
			mx_connrec_mark(c->rec, MX_MARK_CONNECTED);
			trace(c, "connected %s port %u -> %s port %u",
			      c->rec->local_addr, c->rec->local_port,
			      c->rec->remote_addr, c->rec->remote_port);
		}
	} else {
		/* ECONNRESET here: the server accepted, then reset before
		 * we saw the connect complete - a reset, not a refusal. */
		rec_end(c,
			err == ECONNREFUSED ? MX_HOW_REFUSED
			: err == ETIMEDOUT  ? MX_HOW_TIMEOUT
			: err == ECONNRESET ? MX_HOW_PEER_RST
					    : MX_HOW_ERROR,
			err);
	}
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
			int e = errno;

			if (n < 0 && e != EAGAIN && e != EINTR) {
				int rst = e == ECONNRESET || e == EPIPE;

				rec_end(c, rst ? MX_HOW_PEER_RST : MX_HOW_ERROR,
					e);
				deliver_close(c,
					      rst ? MX_CONN_END_RESET
						  : MX_CONN_END_ERROR,
					      e);
				return;
			}
			if (n > 0) {
				mx_buf_consume(&c->out, (size_t)n);
				count_out(c, (size_t)n);
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

	if (c->rec) {
		mx_connrec_start(c->rec);
		snprintf(c->rec->remote_addr, sizeof(c->rec->remote_addr), "%s",
			 addr);
		c->rec->remote_port = port;
	}
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
		if (c->rec)
			mx_connrec_end(c->rec, MX_HOW_ERROR, -1, EINVAL);
		return -1;
	}
	c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (c->fd < 0) {
		int e = errno;

		snprintf(err, errlen, "socket: %s", strerror(e));
		if (c->rec)
			mx_connrec_end(c->rec, MX_HOW_ERROR, -1, e);
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
		rec_addr(c, 1);
		trace(c, "connect %s port %u: %s", addr, port,
		      strerror(c->connect_err));
		event_active(c->ev_write, EV_WRITE, 0);
		return 0;
	}
	/* The SYN is out: the local port is known now, even if the connect
	 * is refused later (capture correlation needs it). */
	rec_addr(c, 1);
	if (c->rec)
		trace(c, "connect %s port %u from %s port %u", addr, port,
		      c->rec->local_addr, c->rec->local_port);
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
	size_t pre;

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
	pre = c->out.len;
	r = be->handshake(c->tls);
	tls_flush(c);
	if (c->rec && c->out.len > pre) {
		mx_connrec_mark(c->rec, MX_MARK_HELLO_SENT);
		(void)mx_connrec_hello_summary(c->rec, c->out.p + pre,
					       c->out.len - pre);
		trace(c, "ClientHello, %zu bytes", c->out.len - pre);
	}
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
