/*
 * test_capture_live.c - live capture on lo (probe/capture.c) and the
 * privilege drop, against TCP listeners the test starts on loopback.
 *
 * Needs root (CAP_NET_RAW and the uid change): without it every case
 * skips, and under CI=true it fails instead (a skip proves nothing).
 *
 *  - a capture on lo filtered to one listener's port sees the SYN and the
 *    data of a connection to it and nothing of a second listener the test
 *    also talks to, over IPv4 and IPv6, and the frames come in through
 *    the caller's event loop;
 *  - the interface that routes to a loopback target or to one of the
 *    host's own addresses is lo; an unknown interface, a non-numeric
 *    target and filter syntax in a target are refused;
 *  - a new filter on a running handle (also after the drop) takes over;
 *  - the store cap counts frames it did not keep;
 *  - in a child: capture opened, privileges dropped to nobody, and then
 *    /proc/self/status shows CapEff, CapPrm, CapInh, CapAmb and CapBnd 0,
 *    NoNewPrivs 1 and uid/gid nobody - and the open handle still captures,
 *    while a second open fails with the CAP_NET_RAW message;
 *  - an unknown user is refused before anything is dropped;
 *  - threads: a uid change from root clears a running thread's
 *    capabilities; with file capabilities (no uid change) the drop works
 *    without threads and is refused, naming the thread, with one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe/capture.h"

static const char payload[] = "EHLO capture-test\r\n";
static const char decoy[] = "NOT IN THE FILTER\r\n";

static int need_root(void)
{
	const char *ci = getenv("CI");

	if (geteuid() == 0)
		return 1;
	if (ci != NULL && strcmp(ci, "true") == 0)
		fail_msg("needs root (CAP_NET_RAW); CI=true: a skip is a "
			 "failure");
	return 0;
}

#define REQUIRE_ROOT()                                                         \
	do {                                                                   \
		if (!need_root()) {                                            \
			skip();                                                \
			return;                                                \
		}                                                              \
	} while (0)

/* ---- a listener and one exchange --------------------------------------- */

static int listen_on(int af, const char *addr, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s->sin_addr);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		len = sizeof(*s);
	}
	fd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

/* Connect to addr:port, send msg, read it on the accepted side, close. */
static int exchange(int af, const char *addr, int lfd, uint16_t port,
		    const char *msg)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[128];
	size_t n = strlen(msg);
	int c, a, rc = -1;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s->sin_addr);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		len = sizeof(*s);
	}
	c = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&ss, len) != 0) {
		close(c);
		return -1;
	}
	a = accept(lfd, NULL, NULL);
	if (a >= 0 && write(c, msg, n) == (ssize_t)n &&
	    read(a, buf, sizeof(buf)) == (ssize_t)n)
		rc = 0;
	close(c);
	if (a >= 0)
		close(a);
	return rc;
}

/* ---- reading frames back (Ethernet on lo) ------------------------------ */

struct seg {
	uint16_t sport, dport;
	uint8_t flags;
	const uint8_t *data;
	size_t dlen;
};

/* Minimal: Ethernet, IPv4 or IPv6 without extension headers, TCP. */
static int parse(const struct mx_live_frame *f, struct seg *s)
{
	const uint8_t *p = f->bytes;
	size_t n = f->caplen, ihl, thl, iplen;
	uint16_t et;
	uint8_t proto;

	if (n < 14)
		return -1;
	et = (uint16_t)(p[12] << 8 | p[13]);
	p += 14;
	n -= 14;
	if (et == 0x0800) {
		if (n < 20 || (p[0] >> 4) != 4)
			return -1;
		ihl = (size_t)(p[0] & 15) * 4;
		iplen = (size_t)(p[2] << 8 | p[3]);
		proto = p[9];
	} else if (et == 0x86dd) {
		if (n < 40)
			return -1;
		ihl = 40;
		iplen = 40 + (size_t)(p[4] << 8 | p[5]);
		proto = p[6];
	} else {
		return -1;
	}
	if (proto != 6 || n < ihl + 20 || iplen > n || iplen < ihl + 20)
		return -1;
	p += ihl;
	thl = (size_t)(p[12] >> 4) * 4;
	if (thl < 20 || iplen - ihl < thl)
		return -1;
	s->sport = (uint16_t)(p[0] << 8 | p[1]);
	s->dport = (uint16_t)(p[2] << 8 | p[3]);
	s->flags = p[13];
	s->data = p + thl;
	s->dlen = iplen - ihl - thl;
	return 0;
}

/* Run the caller's loop until the capture holds frames (at most 2 s). */
static void loop_until_frames(struct event_base *base,
			      struct mx_live_capture *c, size_t want)
{
	struct timespec ms = {0, 10 * 1000 * 1000};
	int i;

	for (i = 0; i < 200 && mx_live_capture_nframes(c) < want; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		nanosleep(&ms, NULL);
	}
}

/* Every frame is TCP to or from port; the SYN and the payload are seen. */
static void check_frames(struct mx_live_capture *c, uint16_t port)
{
	size_t i, n = mx_live_capture_nframes(c);
	int syn = 0, data = 0, fin = 0;
	struct seg s = {0};

	assert_true(n >= 4);
	for (i = 0; i < n; i++) {
		const struct mx_live_frame *f = mx_live_capture_frame(c, i);
		assert_non_null(f);
		assert_true(f->caplen == f->wirelen);
		assert_true(f->ts_us > 1600000000LL * 1000000);
		assert_int_equal(parse(f, &s), 0);
		assert_true(s.sport == port || s.dport == port);
		if (s.dport == port && (s.flags & 0x12) == 0x02)
			syn++;
		if (s.dport == port && s.dlen == strlen(payload) &&
		    memcmp(s.data, payload, s.dlen) == 0)
			data++;
		if (s.flags & 0x01)
			fin++;
		assert_null(memmem(f->bytes, f->caplen, decoy, strlen(decoy)));
	}
	assert_null(mx_live_capture_frame(c, n));
	assert_int_equal(syn, 1);
	assert_int_equal(data, 1);
	assert_true(fin >= 1);
}

static void capture_roundtrip(int af, const char *addr)
{
	struct mx_capture_target tg;
	struct mx_capture_targets ts = {&tg, 1};
	struct mx_live_capture *c = NULL;
	struct mx_live_stats st;
	struct event_base *base;
	char err[256], want[128];
	uint16_t port, dport;
	int lfd, dfd;

	lfd = listen_on(af, addr, &port);
	dfd = listen_on(af, addr, &dport);
	if (lfd < 0 || dfd < 0) {
		if (af == AF_INET6) {
			skip(); /* no ::1 here */
			return;
		}
		fail_msg("listen on %s: %s", addr, strerror(errno));
	}
	tg.addr = addr;
	tg.port = port;
	base = event_base_new();
	assert_non_null(base);
	err[0] = '\0';
	if (mx_live_capture_open(&c, NULL, &ts, 0, 0, err, sizeof(err)) !=
	    MX_CAPTURE_OK)
		fail_msg("open: %s", err);
	assert_string_equal(mx_live_capture_iface(c), "lo");
	assert_int_equal(mx_live_capture_linktype(c), 1);
	assert_int_equal(mx_live_capture_snaplen(c), 262144);
	snprintf(want, sizeof(want), "tcp and ((host %s and port %u))", addr,
		 port);
	assert_string_equal(mx_live_capture_filter(c), want);
	assert_int_equal(mx_live_capture_start(c, base), 0);
	assert_int_equal(mx_live_capture_start(c, base), -1); /* once */

	assert_int_equal(exchange(af, addr, dfd, dport, decoy), 0);
	assert_int_equal(exchange(af, addr, lfd, port, payload), 0);
	assert_int_equal(exchange(af, addr, dfd, dport, decoy), 0);
	/* through the loop, not only through stop's drain */
	loop_until_frames(base, c, 3);
	assert_true(mx_live_capture_nframes(c) >= 3);
	mx_live_capture_stop(c);
	mx_live_capture_stop(c); /* idempotent */
	check_frames(c, port);
	mx_live_capture_stats(c, &st);
	assert_true(st.received >= mx_live_capture_nframes(c));
	assert_int_equal(st.kernel_drop, 0);
	assert_int_equal(st.store_dropped, 0);
	assert_true(st.store_bytes > 0);
	assert_null(mx_live_capture_error(c));

	mx_live_capture_free(c);
	event_base_free(base);
	close(lfd);
	close(dfd);
}

static void test_capture_ipv4(void **state)
{
	(void)state;
	REQUIRE_ROOT();
	capture_roundtrip(AF_INET, "127.0.0.1");
}

static void test_capture_ipv6(void **state)
{
	(void)state;
	REQUIRE_ROOT();
	capture_roundtrip(AF_INET6, "::1");
}

/* ---- opening: interfaces, targets, the filter --------------------------- */

static void test_open_errors(void **state)
{
	struct mx_capture_target bad[] = {
		{"127.0.0.1) or (tcp", 25},
		{"mx1.example", 25},
		{NULL, 25},
	};
	struct mx_capture_target ok = {"127.0.0.1", 25};
	struct mx_capture_targets ts = {&ok, 1};
	struct mx_live_capture *c = (struct mx_live_capture *)&ts;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mx_capture_targets bt = {&bad[i], 1};
		err[0] = '\0';
		assert_int_equal(mx_live_capture_open(&c, "lo", &bt, 0, 0, err,
						      sizeof(err)),
				 MX_CAPTURE_ERROR);
		assert_null(c);
		assert_non_null(strstr(err, "numeric"));
	}
	assert_int_equal(mx_live_capture_open(&c, NULL, NULL, 0, 0, err,
					      sizeof(err)),
			 MX_CAPTURE_ERROR);
	assert_int_equal(mx_live_capture_open(&c, "lo", &ts, 10, 0, err,
					      sizeof(err)),
			 MX_CAPTURE_ERROR);
	assert_non_null(strstr(err, "snap length"));
	REQUIRE_ROOT();
	assert_int_equal(mx_live_capture_open(&c, "mxnosuch0", &ts, 0, 0, err,
					      sizeof(err)),
			 MX_CAPTURE_ERROR);
	assert_null(c);
	assert_non_null(strstr(err, "mxnosuch0"));
}

static void test_filter_many(void **state)
{
	struct mx_capture_target tg[] = {
		{"127.0.0.1", 25},
		{"0:0::1", 465},
		{"127.0.0.2", 0},
	};
	struct mx_capture_targets ts = {tg, 3};
	struct mx_live_capture *c = NULL;
	char err[256];

	(void)state;
	REQUIRE_ROOT();
	if (mx_live_capture_open(&c, "lo", &ts, 1500, 0, err, sizeof(err)) !=
	    MX_CAPTURE_OK)
		fail_msg("open: %s", err);
	assert_string_equal(mx_live_capture_filter(c),
			    "tcp and ((host 127.0.0.1 and port 25) or "
			    "(host ::1 and port 465) or (host 127.0.0.2))");
	assert_int_equal(mx_live_capture_snaplen(c), 1500);
	assert_int_equal(mx_live_capture_nframes(c), 0);
	mx_live_capture_stop(c); /* stop without start */
	mx_live_capture_free(c);
}

/* A new filter on a running capture: the old port's traffic is no
 * longer kept, the new one's is; a bad target keeps the old filter. */
static void test_retarget(void **state)
{
	struct mx_capture_target tg = {"127.0.0.1", 0};
	struct mx_capture_target bad = {"not-an-address", 1};
	struct mx_capture_targets ts = {&tg, 1}, bts = {&bad, 1};
	struct mx_live_capture *c = NULL;
	struct event_base *base;
	char err[256], want[96];
	uint16_t a, b;
	int afd, bfd;

	(void)state;
	REQUIRE_ROOT();
	afd = listen_on(AF_INET, "127.0.0.1", &a);
	bfd = listen_on(AF_INET, "127.0.0.1", &b);
	assert_true(afd >= 0 && bfd >= 0);
	tg.port = a;
	base = event_base_new();
	if (mx_live_capture_open(&c, "lo", &ts, 0, 0, err, sizeof(err)) !=
	    MX_CAPTURE_OK)
		fail_msg("open: %s", err);
	assert_int_equal(mx_live_capture_start(c, base), 0);
	tg.port = b;
	assert_int_equal(mx_live_capture_retarget(c, &ts, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "tcp and ((host 127.0.0.1 and port %u))",
		 b);
	assert_string_equal(mx_live_capture_filter(c), want);
	assert_int_equal(mx_live_capture_retarget(c, &bts, err, sizeof(err)),
			 -1);
	assert_string_equal(mx_live_capture_filter(c), want);
	assert_int_equal(exchange(AF_INET, "127.0.0.1", afd, a, decoy), 0);
	assert_int_equal(exchange(AF_INET, "127.0.0.1", bfd, b, payload), 0);
	mx_live_capture_stop(c);
	check_frames(c, b);
	mx_live_capture_free(c);
	event_base_free(base);
	close(afd);
	close(bfd);
}

/* One of the host's own non-loopback addresses routes over lo. */
static void test_own_address_is_lo(void **state)
{
	struct ifaddrs *ifs = NULL, *i;
	struct mx_capture_target tg = {NULL, 25};
	struct mx_capture_targets ts = {&tg, 1};
	struct mx_live_capture *c = NULL;
	char addr[INET6_ADDRSTRLEN] = "", err[256];

	(void)state;
	REQUIRE_ROOT();
	assert_int_equal(getifaddrs(&ifs), 0);
	for (i = ifs; i != NULL && addr[0] == '\0'; i = i->ifa_next) {
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, "lo") != 0)
			inet_ntop(
				AF_INET,
				&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				addr, sizeof(addr));
	}
	freeifaddrs(ifs);
	if (addr[0] == '\0') {
		skip(); /* only lo here */
		return;
	}
	tg.addr = addr;
	if (mx_live_capture_open(&c, NULL, &ts, 0, 0, err, sizeof(err)) !=
	    MX_CAPTURE_OK)
		fail_msg("open for %s: %s", addr, err);
	assert_string_equal(mx_live_capture_iface(c), "lo");
	mx_live_capture_free(c);
}

static void test_store_cap(void **state)
{
	struct mx_capture_target tg = {"127.0.0.1", 0};
	struct mx_capture_targets ts = {&tg, 1};
	struct mx_live_capture *c = NULL;
	struct mx_live_stats st;
	struct event_base *base;
	char err[256];
	uint16_t port;
	int lfd, i;

	(void)state;
	REQUIRE_ROOT();
	lfd = listen_on(AF_INET, "127.0.0.1", &port);
	assert_true(lfd >= 0);
	tg.port = port;
	base = event_base_new();
	if (mx_live_capture_open(&c, "lo", &ts, 0, 300, err, sizeof(err)) !=
	    MX_CAPTURE_OK)
		fail_msg("open: %s", err);
	assert_int_equal(mx_live_capture_start(c, base), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(
			exchange(AF_INET, "127.0.0.1", lfd, port, payload), 0);
	mx_live_capture_stop(c);
	mx_live_capture_stats(c, &st);
	assert_true(mx_live_capture_nframes(c) >= 1);
	assert_true(st.store_bytes <= 300);
	assert_true(st.store_dropped >= 1);
	/* the kernel's count: on lo it also counts the outgoing copy of
	 * every packet, which libpcap skips */
	assert_true(st.received >=
		    mx_live_capture_nframes(c) + st.store_dropped);
	mx_live_capture_free(c);
	event_base_free(base);
	close(lfd);
}

/* ---- privileges --------------------------------------------------------- */

/* The hex value of a "Key:\t..." line of /proc/self/status; -1 none. */
static long long status_hex(const char *key)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t kl = strlen(key);
	long long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			v = strtoll(line + kl + 1, NULL, 16);
	fclose(f);
	return v;
}

/* "Uid:" / "Gid:": all four ids equal want. */
static int status_ids(const char *key, long want)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t kl = strlen(key);
	long a = -1, b = -1, c = -1, d = -1;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':')
			sscanf(line + kl + 1, "%ld %ld %ld %ld", &a, &b, &c,
			       &d);
	fclose(f);
	return a == want && b == want && c == want && d == want;
}

/* Child: open, drop, prove it, keep capturing.  Exit code = first failed
 * step (0 all good). */
static int drop_child(void)
{
	struct passwd *pw = getpwnam("nobody");
	struct mx_capture_target tg = {"127.0.0.1", 0};
	struct mx_capture_targets ts = {&tg, 1};
	struct mx_live_capture *c = NULL, *c2 = NULL;
	char err[256];
	uint16_t port;
	long long had;
	int lfd, rc;

	if (pw == NULL)
		return 2;
	had = status_hex("CapEff");
	lfd = listen_on(AF_INET, "127.0.0.1", &port);
	if (lfd < 0)
		return 3;
	tg.port = (uint16_t)(port ^ 1); /* retargeted after the drop */
	if (mx_live_capture_open(&c, NULL, &ts, 0, 0, err, sizeof(err)) !=
	    MX_CAPTURE_OK)
		return 4;
	if (mx_drop_privileges(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "drop: %s\n", err);
		return 5;
	}
	if (status_hex("CapEff") != 0 || status_hex("CapPrm") != 0 ||
	    status_hex("CapInh") != 0)
		return 6;
	/* the bounding set too, where CAP_SETPCAP (8) allowed dropping it */
	if ((had & (1LL << 8)) && status_hex("CapBnd") != 0)
		return 15;
	if (status_hex("CapAmb") > 0 || status_hex("NoNewPrivs") != 1)
		return 7;
	if (!status_ids("Uid", (long)pw->pw_uid) ||
	    !status_ids("Gid", (long)pw->pw_gid))
		return 8;
	if (getuid() != 65534 && pw->pw_uid == 65534)
		return 9;
	/* a new filter needs no privilege */
	tg.port = port;
	if (mx_live_capture_retarget(c, &ts, err, sizeof(err)) != 0) {
		fprintf(stderr, "retarget: %s\n", err);
		return 16;
	}
	/* the open handle keeps capturing */
	if (exchange(AF_INET, "127.0.0.1", lfd, port, payload) != 0)
		return 10;
	mx_live_capture_stop(c);
	if (mx_live_capture_nframes(c) < 4)
		return 11;
	/* a new open is refused, naming the capability */
	err[0] = '\0';
	rc = mx_live_capture_open(&c2, "lo", &ts, 0, 0, err, sizeof(err));
	if (rc != MX_CAPTURE_PERM || c2 != NULL)
		return 12;
	if (strstr(err, "CAP_NET_RAW") == NULL ||
	    strstr(err, "setcap cap_net_raw+ep") == NULL)
		return 13;
	/* root does not come back */
	if (setuid(0) == 0 || seteuid(0) == 0)
		return 14;
	mx_live_capture_free(c);
	close(lfd);
	return 0;
}

static int run_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_drop_privileges(void **state)
{
	(void)state;
	REQUIRE_ROOT();
	assert_int_equal(run_child(drop_child), 0);
	/* the parent is untouched */
	assert_int_equal(geteuid(), 0);
}

static int unknown_user_child(void)
{
	char err[256] = "";

	if (mx_drop_privileges("mx-no-such-user", err, sizeof(err)) != -1)
		return 2;
	if (strstr(err, "unknown user 'mx-no-such-user'") == NULL)
		return 3;
	if (geteuid() != 0 || status_hex("CapEff") == 0)
		return 4; /* nothing was dropped */
	return 0;
}

/* A non-root process with no --user keeps its uid and still clears its
 * capabilities. */
static int keep_uid_child(void)
{
	char err[256];

	if (setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(65534, 65534, 65534) != 0)
		return 2;
	if (mx_drop_privileges(NULL, err, sizeof(err)) != 0)
		return 3;
	if (getuid() != 65534 || status_hex("CapEff") != 0 ||
	    status_hex("NoNewPrivs") != 1)
		return 4;
	/* switching to another user is refused */
	if (mx_drop_privileges("root", err, sizeof(err)) != -1)
		return 5;
	return 0;
}

/* ---- threads: capabilities are per thread ----------------------------- */

static void *parked(void *arg)
{
	char c;

	(void)!read(*(int *)arg, &c, 1); /* until the pipe closes */
	return NULL;
}

/* Like a non-root user of a binary with file capabilities: uid nobody,
 * permitted capabilities kept. */
static int become_capable_nobody(void)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
	    setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(65534, 65534, 65534) != 0)
		return -1;
	return status_hex("CapPrm") > 0 ? 0 : -1;
}

/* root with a thread already running: the uid change clears the
 * thread's capabilities too. */
static int root_thread_child(void)
{
	char err[256];
	pthread_t th;
	int p[2];

	if (pipe(p) != 0 || pthread_create(&th, NULL, parked, &p[0]) != 0)
		return 2;
	if (mx_drop_privileges(NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "drop: %s\n", err);
		return 3;
	}
	close(p[1]);
	pthread_join(th, NULL);
	return status_hex("CapEff") == 0 ? 0 : 4;
}

/* file capabilities, no thread: cleared; with a thread started before:
 * refused, naming the thread. */
static int filecaps_child(void)
{
	char err[256] = "";

	if (become_capable_nobody() != 0)
		return 2;
	if (mx_drop_privileges(NULL, err, sizeof(err)) != 0)
		return 3;
	if (status_hex("CapPrm") != 0 || status_hex("CapEff") != 0)
		return 4;
	return 0;
}

static int filecaps_thread_child(void)
{
	char err[256] = "";
	pthread_t th;
	int p[2], rc = 0;

	if (become_capable_nobody() != 0)
		return 2;
	if (pipe(p) != 0 || pthread_create(&th, NULL, parked, &p[0]) != 0)
		return 3;
	if (mx_drop_privileges(NULL, err, sizeof(err)) != -1)
		rc = 4;
	else if (strstr(err, "still holds capabilities") == NULL)
		rc = 5;
	close(p[1]);
	pthread_join(th, NULL);
	return rc;
}

static void test_drop_threads(void **state)
{
	(void)state;
	REQUIRE_ROOT();
	assert_int_equal(run_child(root_thread_child), 0);
	assert_int_equal(run_child(filecaps_child), 0);
	assert_int_equal(run_child(filecaps_thread_child), 0);
}

static void test_drop_errors(void **state)
{
	(void)state;
	REQUIRE_ROOT();
	assert_int_equal(run_child(unknown_user_child), 0);
	assert_int_equal(run_child(keep_uid_child), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_ipv4),
		cmocka_unit_test(test_capture_ipv6),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_filter_many),
		cmocka_unit_test(test_retarget),
		cmocka_unit_test(test_own_address_is_lo),
		cmocka_unit_test(test_store_cap),
		cmocka_unit_test(test_drop_privileges),
		cmocka_unit_test(test_drop_errors),
		cmocka_unit_test(test_drop_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
