/*
 * scale_server.c - the many-endpoint target of bench/scale.sh (issue 12
 * point 5): one process, one thread, one epoll loop, listening on N
 * loopback addresses 127.10.X.Y:PORT (Y = 1..250, X = 0, 1, ...) and
 * speaking scripted SMTP with STARTTLS (OpenSSL, non-blocking) on each.
 *
 *   scale_server -n N -p PORT -c CERT -k KEY [-m greet|tarpit] [-t SECS]
 *
 * greet:  "220" at once; EHLO/HELO -> 250 lines (STARTTLS before TLS);
 *         STARTTLS -> 220 then a TLS handshake; QUIT -> 221 and close;
 *         NOOP/RSET/MAIL/RCPT -> 250; anything else -> 502.
 * tarpit: accept and never write; close when the client closes.
 *
 * It binds only 127.10.0.0/16 (loopback: Linux answers all of 127/8 on
 * lo without configuration), prints "ready N" on stdout once every
 * listener is bound, exits after -t seconds (default 900) or on
 * SIGTERM/SIGINT, and prints its counters on stderr at exit.  Replies are
 * a few bytes: a write that would block is dropped (counted), which on
 * loopback with an idle client does not happen.  Bench code, not part of
 * mxprobe; built by bench/scale.sh with cc ... -lssl -lcrypto.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum { ST_PLAIN, ST_HANDSHAKE, ST_TLS };

struct conn {
	int fd, listener, state;
	SSL *ssl;
	char buf[1024];
	size_t len;
};

static volatile sig_atomic_t stop;
static unsigned long n_accept, n_tls, n_tls_fail, n_short_write, n_closed;

/* A decimal argument in [lo, hi], else -1. */
static long num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != 0 || v < lo || v > hi)
		return -1;
	return v;
}

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static void conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	free(c);
	n_closed++;
}

static int say(struct conn *c, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	if (c->state == ST_TLS)
		w = SSL_write(c->ssl, s, (int)n);
	else
		w = send(c->fd, s, n, MSG_NOSIGNAL);
	if (w != (ssize_t)n) {
		n_short_write++;
		return -1;
	}
	return 0;
}

/* One command line (CRLF stripped).  -1: close the connection. */
static int command(struct conn *c, SSL_CTX *ctx, const char *l)
{
	if (strncasecmp(l, "EHLO", 4) == 0) {
		if (c->state == ST_PLAIN)
			return say(c, "250-scale.bench\r\n250-PIPELINING\r\n"
				      "250-SIZE 10240000\r\n250-STARTTLS\r\n"
				      "250 8BITMIME\r\n");
		return say(c, "250-scale.bench\r\n250-PIPELINING\r\n"
			      "250-SIZE 10240000\r\n250 8BITMIME\r\n");
	}
	if (strncasecmp(l, "HELO", 4) == 0)
		return say(c, "250 scale.bench\r\n");
	if (strncasecmp(l, "STARTTLS", 8) == 0 && c->state == ST_PLAIN) {
		if (say(c, "220 2.0.0 Ready to start TLS\r\n") < 0)
			return -1;
		c->ssl = SSL_new(ctx);
		if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
			return -1;
		c->state = ST_HANDSHAKE;
		c->len = 0; /* nothing pipelined past STARTTLS is kept */
		return 1;
	}
	if (strncasecmp(l, "QUIT", 4) == 0) {
		say(c, "221 2.0.0 Bye\r\n");
		return -1;
	}
	if (strncasecmp(l, "NOOP", 4) == 0 || strncasecmp(l, "RSET", 4) == 0 ||
	    strncasecmp(l, "MAIL", 4) == 0 || strncasecmp(l, "RCPT", 4) == 0)
		return say(c, "250 2.0.0 Ok\r\n");
	return say(c, "502 5.5.2 Error: command not recognized\r\n");
}

/* Readable (or handshake progress).  -1: close. */
static int on_data(struct conn *c, SSL_CTX *ctx, int tarpit)
{
	char tmp[512];
	ssize_t r;
	int rc;
	size_t i, start;

	if (c->state == ST_HANDSHAKE) {
		rc = SSL_accept(c->ssl);
		if (rc == 1) {
			c->state = ST_TLS;
			n_tls++;
		} else {
			int e = SSL_get_error(c->ssl, rc);

			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				return 0;
			n_tls_fail++;
			ERR_clear_error();
			return -1;
		}
	}
	for (;;) {
		if (c->state == ST_TLS) {
			rc = SSL_read(c->ssl, tmp, sizeof(tmp));
			if (rc <= 0) {
				int e = SSL_get_error(c->ssl, rc);

				ERR_clear_error();
				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					return 0;
				return -1;
			}
			r = rc;
		} else {
			r = recv(c->fd, tmp, sizeof(tmp), 0);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (r <= 0)
				return -1;
		}
		if (tarpit)
			continue; /* read and ignore */
		if (c->len + (size_t)r > sizeof(c->buf))
			return -1; /* a line longer than 1 KiB */
		memcpy(c->buf + c->len, tmp, (size_t)r);
		c->len += (size_t)r;
		start = 0;
		for (i = 0; i < c->len; i++) {
			if (c->buf[i] != '\n')
				continue;
			c->buf[i] = 0;
			if (i > start && c->buf[i - 1] == '\r')
				c->buf[i - 1] = 0;
			rc = command(c, ctx, c->buf + start);
			if (rc < 0)
				return -1;
			if (rc == 1) /* STARTTLS: the handshake next */
				return on_data(c, ctx, tarpit);
			start = i + 1;
		}
		memmove(c->buf, c->buf + start, c->len - start);
		c->len -= start;
	}
}

int main(int argc, char **argv)
{
	int n = 100, port = 2525, tarpit = 0, secs = 900, opt, ep, i;
	const char *cert = NULL, *key = NULL;
	SSL_CTX *ctx;
	struct epoll_event ev, evs[256];
	struct conn *lst;
	time_t t_end;

	while ((opt = getopt(argc, argv, "n:p:c:k:m:t:")) != -1) {
		switch (opt) {
		case 'n':
			n = (int)num(optarg, 1, 250 * 200);
			break;
		case 'p':
			port = (int)num(optarg, 1, 65535);
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'm':
			tarpit = strcmp(optarg, "tarpit") == 0;
			break;
		case 't':
			secs = (int)num(optarg, 1, 86400);
			break;
		default:
			fprintf(stderr, "usage: scale_server -n N -p PORT -c "
					"CERT -k KEY [-m greet|tarpit] [-t "
					"SECS]\n");
			return 2;
		}
	}
	if (n < 1 || n > 250 * 200 || port < 1 || port > 65535 || !cert ||
	    !key || secs < 1) {
		fprintf(stderr, "scale_server: bad arguments\n");
		return 2;
	}
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	signal(SIGPIPE, SIG_IGN);
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	ep = epoll_create1(0);
	lst = calloc((size_t)n, sizeof(*lst));
	if (ep < 0 || lst == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		struct sockaddr_in sa;
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0),
		    one = 1;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((unsigned short)port);
		sa.sin_addr.s_addr = htonl((127u << 24) | (10u << 16) |
					   ((unsigned)(i / 250) << 8) |
					   (unsigned)(i % 250 + 1));
		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			       sizeof(one)) < 0 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(fd, 64) < 0) {
			fprintf(stderr, "scale_server: listener %d: %s\n", i,
				strerror(errno));
			return 1;
		}
		lst[i].fd = fd;
		lst[i].listener = 1;
		ev.events = EPOLLIN;
		ev.data.ptr = &lst[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
	printf("ready %d\n", n);
	fflush(stdout);
	t_end = time(NULL) + secs;
	while (!stop && time(NULL) < t_end) {
		int k = epoll_wait(ep, evs, 256, 500);

		for (i = 0; i < k; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->listener) {
				int fd, one = 1;

				while ((fd = accept4(c->fd, NULL, NULL,
						     SOCK_NONBLOCK)) >= 0) {
					struct conn *nc =
						calloc(1, sizeof(*nc));

					if (nc == NULL) {
						close(fd);
						continue;
					}
					n_accept++;
					nc->fd = fd;
					/* replies and TLS records are small
					 * writes: no Nagle delay */
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
						   &one, sizeof(one));
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.ptr = nc;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
					if (!tarpit &&
					    say(nc,
						"220 scale.bench ESMTP\r\n") <
						    0)
						conn_close(ep, nc);
				}
				continue;
			}
			if (on_data(c, ctx, tarpit) < 0)
				conn_close(ep, c);
		}
	}
	fprintf(stderr,
		"scale_server: %lu accepted, %lu TLS handshakes, %lu failed, "
		"%lu closed, %lu short writes\n",
		n_accept, n_tls, n_tls_fail, n_closed, n_short_write);
	SSL_CTX_free(ctx);
	free(lst);
	close(ep);
	return 0;
}
