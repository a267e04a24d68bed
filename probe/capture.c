/*
 * capture.c - live capture with libpcap (see capture.h for the contract);
 * the privilege drop that follows opening the device is in privdrop.c.
 *
 * The handle: pcap_create + immediate mode + non-blocking + a BPF filter
 * on the run's (address, port) pairs, read from the caller's libevent loop
 * whenever the selectable fd is readable.  Frames are copied into a
 * bounded array; nothing is decoded here.
 */
#include "probe/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/buf.h"
#include "common/xalloc.h"

#define FRAME_OVERHEAD sizeof(struct mx_live_frame)
#define KERNEL_BUFFER (4 * 1024 * 1024)
#define LINKTYPE_RAW 101

struct mx_live_capture {
	pcap_t *p;
	struct event *ev;
	char iface[IF_NAMESIZE + 16];
	char *filter;
	size_t snaplen;
	int linktype;
	size_t max_store;
	struct mx_live_frame *frames;
	size_t nframes, cap;
	struct mx_live_stats st;
	char read_err[PCAP_ERRBUF_SIZE]; /* first read error, "" none */
};

/* ---- the filter --------------------------------------------------------- */

/* A numeric address in canonical text (inet_ntop of inet_pton), so no
 * filter syntax can come in through a target.  Returns the family or 0. */
static int canon_addr(const char *in, char *out, size_t outlen)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (in == NULL)
		return 0;
	if (inet_pton(AF_INET, in, a) == 1 &&
	    inet_ntop(AF_INET, a, out, (socklen_t)outlen) != NULL)
		return AF_INET;
	if (inet_pton(AF_INET6, in, a) == 1 &&
	    inet_ntop(AF_INET6, a, out, (socklen_t)outlen) != NULL)
		return AF_INET6;
	return 0;
}

static char *take_str(struct mx_buf *b)
{
	uint8_t *p;
	size_t len;

	if (b->err) {
		mx_buf_free(b);
		return NULL;
	}
	p = mx_buf_take(b, &len);
	return (char *)p;
}

static char *build_filter(const struct mx_capture_targets *t, char *err,
			  size_t errlen)
{
	struct mx_buf b;
	char a[INET6_ADDRSTRLEN];
	size_t i;

	mx_buf_init(&b, 0);
	if (t == NULL || t->n == 0) {
		mx_buf_printf(&b, "tcp");
		return take_str(&b);
	}
	if (t->n > MX_CAPTURE_MAX_TARGETS) {
		mx_set_err(err, errlen, "capture: %zu targets, at most %d",
			   t->n, MX_CAPTURE_MAX_TARGETS);
		mx_buf_free(&b);
		return NULL;
	}
	mx_buf_printf(&b, "tcp and (");
	for (i = 0; i < t->n; i++) {
		if (canon_addr(t->v[i].addr, a, sizeof(a)) == 0) {
			mx_set_err(err, errlen,
				   "capture: target address '%.64s' is not a "
				   "numeric IPv4 or IPv6 address",
				   t->v[i].addr ? t->v[i].addr : "(null)");
			mx_buf_free(&b);
			return NULL;
		}
		if (i > 0)
			mx_buf_printf(&b, " or ");
		if (t->v[i].port != 0)
			mx_buf_printf(&b, "(host %s and port %u)", a,
				      (unsigned)t->v[i].port);
		else
			mx_buf_printf(&b, "(host %s)", a);
	}
	mx_buf_printf(&b, ")");
	if (b.err)
		mx_set_err(err, errlen, "capture: filter too long");
	return take_str(&b);
}

/* ---- the interface that routes to a target ------------------------------ */

static int sa_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a == NULL || b == NULL || a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)b)->sin_addr,
			      sizeof(struct in_addr)) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return 0;
}

/* The interface holding address sa, into name; 0 found, -1 not. */
static int iface_of(const struct ifaddrs *ifs, const struct sockaddr *sa,
		    char *name, size_t namelen)
{
	const struct ifaddrs *i;

	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_name != NULL && sa_same_addr(i->ifa_addr, sa)) {
			snprintf(name, namelen, "%s", i->ifa_name);
			return 0;
		}
	}
	return -1;
}

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
		return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
		return IN6_IS_ADDR_LOOPBACK(&s->sin6_addr);
	}
	return 0;
}

static int route_iface(const struct mx_capture_target *t, char *name,
		       size_t namelen, char *err, size_t errlen)
{
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen = sizeof(src);
	struct ifaddrs *ifs = NULL;
	int fd = -1, rc = -1;

	memset(&dst, 0, sizeof(dst));
	if (inet_pton(AF_INET, t->addr,
		      &((struct sockaddr_in *)&dst)->sin_addr) == 1) {
		struct sockaddr_in *s = (struct sockaddr_in *)&dst;
		s->sin_family = AF_INET;
		s->sin_port = htons(t->port ? t->port : 9);
		dlen = sizeof(*s);
	} else if (inet_pton(AF_INET6, t->addr,
			     &((struct sockaddr_in6 *)&dst)->sin6_addr) == 1) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&dst;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(t->port ? t->port : 9);
		dlen = sizeof(*s);
	} else {
		mx_set_err(err, errlen,
			   "capture: '%.64s' is not a numeric address",
			   t->addr);
		return -1;
	}
	if (is_loopback((struct sockaddr *)&dst)) {
		snprintf(name, namelen, "lo");
		return 0;
	}
	if (getifaddrs(&ifs) != 0) {
		mx_set_err(err, errlen, "capture: getifaddrs: %s",
			   strerror(errno));
		return -1;
	}
	/* Linux routes traffic to the host's own addresses over lo. */
	if (iface_of(ifs, (struct sockaddr *)&dst, name, namelen) == 0) {
		snprintf(name, namelen, "lo");
		rc = 0;
		goto out;
	}
	/* A UDP connect picks the route and source address; nothing is
	 * sent. */
	fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, dlen) != 0 ||
	    getsockname(fd, (struct sockaddr *)&src, &slen) != 0) {
		mx_set_err(err, errlen, "capture: no route to %.64s: %s",
			   t->addr, strerror(errno));
		goto out;
	}
	if (is_loopback((struct sockaddr *)&src)) {
		snprintf(name, namelen, "lo");
		rc = 0;
		goto out;
	}
	if (iface_of(ifs, (struct sockaddr *)&src, name, namelen) != 0) {
		mx_set_err(
			err, errlen,
			"capture: no interface holds the source address used "
			"towards %.64s; name one with --capture=IFACE",
			t->addr);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	freeifaddrs(ifs);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

static void on_frame(u_char *arg, const struct pcap_pkthdr *h,
		     const u_char *bytes)
{
	struct mx_live_capture *c = (struct mx_live_capture *)arg;
	struct mx_live_frame *f;
	uint8_t *copy;
	size_t need = (size_t)h->caplen + FRAME_OVERHEAD;

	if (c->st.store_bytes + need > c->max_store) {
		c->st.store_dropped++;
		return;
	}
	MX_GROW(c->frames, c->nframes, c->cap);
	copy = xmalloc(h->caplen ? h->caplen : 1);
	memcpy(copy, bytes, h->caplen);
	f = &c->frames[c->nframes++];
	f->ts_us = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
	f->caplen = h->caplen;
	f->wirelen = h->len;
	f->bytes = copy;
	c->st.store_bytes += need;
}

int mx_live_capture_poll(struct mx_live_capture *c)
{
	int n, total = 0;

	if (c == NULL || c->p == NULL || c->read_err[0] != '\0')
		return 0;
	/* Non-blocking: returns 0 once the kernel holds nothing more. */
	while ((n = pcap_dispatch(c->p, -1, on_frame, (u_char *)c)) > 0)
		total += n;
	if (n == PCAP_ERROR && c->read_err[0] == '\0') {
		/* The device went away or broke: keep what was read, stop
		 * watching the fd (it would stay readable), say why. */
		snprintf(c->read_err, sizeof(c->read_err), "%s",
			 pcap_geterr(c->p));
		if (c->read_err[0] == '\0')
			snprintf(c->read_err, sizeof(c->read_err),
				 "read error");
		if (c->ev != NULL)
			event_del(c->ev);
	}
	return total;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	mx_live_capture_poll(arg);
}

/* ---- open, start, stop -------------------------------------------------- */

static int activate_error(pcap_t *p, int rc, const char *iface, char *err,
			  size_t errlen)
{
	if (rc == PCAP_ERROR_PERM_DENIED) {
		mx_set_err(err, errlen, "%s", MX_CAPTURE_PERM_MSG);
		return MX_CAPTURE_PERM;
	}
	if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
		mx_set_err(err, errlen, "capture: no interface named '%.64s'",
			   iface);
		return MX_CAPTURE_ERROR;
	}
	if (rc == PCAP_ERROR_IFACE_NOT_UP) {
		mx_set_err(err, errlen, "capture: interface %.64s is down",
			   iface);
		return MX_CAPTURE_ERROR;
	}
	mx_set_err(err, errlen, "capture on %.64s: %s", iface, pcap_geterr(p));
	return MX_CAPTURE_ERROR;
}

int mx_live_capture_open(struct mx_live_capture **out, const char *iface,
			 const struct mx_capture_targets *t, size_t snaplen,
			 size_t max_store_bytes, char *err, size_t errlen)
{
	struct mx_live_capture *c = NULL;
	struct bpf_program prog;
	char ebuf[PCAP_ERRBUF_SIZE];
	int rc = MX_CAPTURE_ERROR, arc;

	*out = NULL;
	if (snaplen == 0)
		snaplen = MX_CAPTURE_DEFAULT_SNAPLEN;
	if (snaplen > MX_CAPTURE_DEFAULT_SNAPLEN || snaplen < 64) {
		mx_set_err(err, errlen,
			   "capture: snap length %zu out of range "
			   "(64..262144)",
			   snaplen);
		return MX_CAPTURE_ERROR;
	}
	c = xcalloc(1, sizeof(*c));
	c->snaplen = snaplen;
	c->max_store = max_store_bytes ? max_store_bytes
				       : MX_CAPTURE_DEFAULT_STORE;
	c->filter = build_filter(t, err, errlen);
	if (c->filter == NULL)
		goto out;
	if (iface != NULL && iface[0] != '\0') {
		if (strlen(iface) >= IF_NAMESIZE) {
			mx_set_err(err, errlen,
				   "capture: interface name too long");
			goto out;
		}
		snprintf(c->iface, sizeof(c->iface), "%s", iface);
	} else if (t == NULL || t->n == 0) {
		mx_set_err(err, errlen,
			   "capture: no target to route to; name an "
			   "interface");
		goto out;
	} else if (route_iface(&t->v[0], c->iface, sizeof(c->iface), err,
			       errlen) != 0) {
		goto out;
	}

	ebuf[0] = '\0';
	c->p = pcap_create(c->iface, ebuf);
	if (c->p == NULL) {
		mx_set_err(err, errlen, "capture on %s: %s", c->iface, ebuf);
		goto out;
	}
	if (pcap_set_snaplen(c->p, (int)snaplen) != 0 ||
	    pcap_set_promisc(c->p, 0) != 0 ||
	    pcap_set_immediate_mode(c->p, 1) != 0 ||
	    pcap_set_buffer_size(c->p, KERNEL_BUFFER) != 0 ||
	    pcap_set_timeout(c->p, 100) != 0) {
		mx_set_err(err, errlen, "capture on %s: cannot set options",
			   c->iface);
		goto out;
	}
	arc = pcap_activate(c->p);
	if (arc < 0) {
		rc = activate_error(c->p, arc, c->iface, err, errlen);
		goto out;
	}
	c->linktype = pcap_datalink(c->p);
	if (c->linktype == DLT_RAW)
		c->linktype = LINKTYPE_RAW;
	if (pcap_compile(c->p, &prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) !=
	    0) {
		mx_set_err(err, errlen, "capture filter '%.200s': %s",
			   c->filter, pcap_geterr(c->p));
		goto out;
	}
	arc = pcap_setfilter(c->p, &prog);
	pcap_freecode(&prog);
	if (arc != 0) {
		mx_set_err(err, errlen,
			   "capture on %s: cannot set the filter: %s", c->iface,
			   pcap_geterr(c->p));
		goto out;
	}
	if (pcap_setnonblock(c->p, 1, ebuf) != 0) {
		mx_set_err(err, errlen, "capture on %s: %s", c->iface, ebuf);
		goto out;
	}
	if (pcap_get_selectable_fd(c->p) < 0) {
		mx_set_err(err, errlen,
			   "capture on %s: no selectable descriptor", c->iface);
		goto out;
	}
	*out = c;
	c = NULL;
	rc = MX_CAPTURE_OK;
out:
	mx_live_capture_free(c);
	return rc;
}

int mx_live_capture_start(struct mx_live_capture *c, struct event_base *base)
{
	if (c == NULL || c->p == NULL || base == NULL || c->ev != NULL)
		return -1;
	c->ev = event_new(base, pcap_get_selectable_fd(c->p),
			  EV_READ | EV_PERSIST, on_readable, c);
	if (c->ev == NULL)
		return -1;
	if (event_add(c->ev, NULL) != 0) {
		event_free(c->ev);
		c->ev = NULL;
		return -1;
	}
	return 0;
}

void mx_live_capture_stop(struct mx_live_capture *c)
{
	struct pcap_stat ps;
	struct timespec tiny = {0, 5 * 1000 * 1000};
	int i;

	if (c == NULL || c->p == NULL)
		return;
	/* Loopback frames arrive synchronously; a frame in flight on a
	 * real interface may need a moment.  Three empty rounds. */
	for (i = 0; i < 3; i++) {
		if (mx_live_capture_poll(c) > 0)
			i = -1;
		else
			nanosleep(&tiny, NULL);
	}
	memset(&ps, 0, sizeof(ps));
	if (pcap_stats(c->p, &ps) == 0) {
		c->st.received = ps.ps_recv;
		c->st.kernel_drop = ps.ps_drop;
		c->st.if_drop = ps.ps_ifdrop;
	}
	if (c->ev != NULL) {
		event_del(c->ev);
		event_free(c->ev);
		c->ev = NULL;
	}
}

void mx_live_capture_free(struct mx_live_capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->p != NULL)
		pcap_close(c->p);
	for (i = 0; i < c->nframes; i++)
		free((void *)c->frames[i].bytes);
	free(c->frames);
	free(c->filter);
	free(c);
}

void mx_live_capture_refresh(struct mx_live_capture *c)
{
	struct pcap_stat ps;

	if (c == NULL || c->p == NULL)
		return;
	mx_live_capture_poll(c);
	memset(&ps, 0, sizeof(ps));
	if (pcap_stats(c->p, &ps) == 0) {
		c->st.received = ps.ps_recv;
		c->st.kernel_drop = ps.ps_drop;
		c->st.if_drop = ps.ps_ifdrop;
	}
}

size_t mx_live_capture_drop_before(struct mx_live_capture *c, int64_t ts_us)
{
	size_t i, n = 0;

	if (c == NULL)
		return 0;
	/* capture order is time order, give or take the clock: stop at
	 * the first frame at or after ts_us */
	while (n < c->nframes && c->frames[n].ts_us < ts_us)
		n++;
	for (i = 0; i < n; i++) {
		c->st.store_bytes -=
			(uint64_t)c->frames[i].caplen + FRAME_OVERHEAD;
		free((void *)c->frames[i].bytes);
	}
	if (n > 0)
		memmove(c->frames, c->frames + n,
			(c->nframes - n) * sizeof(*c->frames));
	c->nframes -= n;
	c->st.released += n;
	return n;
}

/* ---- accessors ---------------------------------------------------------- */

int mx_live_capture_linktype(const struct mx_live_capture *c)
{
	return c->linktype;
}

size_t mx_live_capture_snaplen(const struct mx_live_capture *c)
{
	return c->snaplen;
}

const char *mx_live_capture_iface(const struct mx_live_capture *c)
{
	return c->iface;
}

const char *mx_live_capture_error(const struct mx_live_capture *c)
{
	return c->read_err[0] != '\0' ? c->read_err : NULL;
}

const char *mx_live_capture_filter(const struct mx_live_capture *c)
{
	return c->filter;
}

size_t mx_live_capture_nframes(const struct mx_live_capture *c)
{
	return c->nframes;
}

const struct mx_live_frame *
mx_live_capture_frame(const struct mx_live_capture *c, size_t i)
{
	return i < c->nframes ? &c->frames[i] : NULL;
}

void mx_live_capture_stats(const struct mx_live_capture *c,
			   struct mx_live_stats *st)
{
	*st = c->st;
}

/* ---- a new filter on an open handle ------------------------------------- */

int mx_live_capture_retarget(struct mx_live_capture *c,
			     const struct mx_capture_targets *t, char *err,
			     size_t errlen)
{
	struct bpf_program prog;
	char *f;
	int arc;

	if (c == NULL || c->p == NULL)
		return -1;
	f = build_filter(t, err, errlen);
	if (f == NULL)
		return -1;
	/* Setting a filter on a socket we already hold needs no
	 * privilege: this works after mx_drop_privileges(). */
	if (pcap_compile(c->p, &prog, f, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		mx_set_err(err, errlen, "capture filter '%.200s': %s", f,
			   pcap_geterr(c->p));
		free(f);
		return -1;
	}
	arc = pcap_setfilter(c->p, &prog);
	pcap_freecode(&prog);
	if (arc != 0) {
		mx_set_err(err, errlen,
			   "capture on %s: cannot set the filter: %s", c->iface,
			   pcap_geterr(c->p));
		free(f);
		return -1;
	}
	free(c->filter);
	c->filter = f;
	return 0;
}
