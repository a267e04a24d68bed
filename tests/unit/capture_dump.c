/*
 * capture_dump.c - the live capture and the pcapng writer end to end, for
 * tests/integration/capture_live.sh (not a unit test by itself).
 *
 *   capture_dump [--force] [--user NAME] OUT.pcapng
 *
 * In the order a capturing command works: listen on 127.0.0.1 (random
 * port), open the capture filtered to that port, create OUT (before the
 * privilege drop: the dropped user may not write where the caller does),
 * drop privileges (to NAME, default nobody when root), run one exchange
 * on the event loop (connect, "EHLO capture-test", "250 capture-ok",
 * close), stop, and write every frame with the comment
 * "capture_dump frame N: <flags> <payload> B".  Prints the frame count
 * and the CapEff line of /proc/self/status on stdout.
 *
 * Exit: 0 done, 3 capture could not be opened (the error on stderr,
 * CAP_NET_RAW named when that is why), 1 anything else.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe/capture.h"
#include "reports/pcapng.h"

static const char hello[] = "EHLO capture-test\r\n";
static const char reply[] = "250 capture-ok\r\n";

static int loopback_listener(uint16_t *port)
{
	struct sockaddr_in s;
	socklen_t len = sizeof(s);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&s, len) != 0 ||
	    listen(fd, 1) != 0 ||
	    getsockname(fd, (struct sockaddr *)&s, &len) != 0)
		return -1;
	*port = ntohs(s.sin_port);
	return fd;
}

static int exchange(int lfd, uint16_t port)
{
	struct sockaddr_in s;
	char buf[64];
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), a = -1, rc = -1;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c >= 0 && connect(c, (struct sockaddr *)&s, sizeof(s)) == 0 &&
	    (a = accept(lfd, NULL, NULL)) >= 0 &&
	    write(c, hello, strlen(hello)) == (ssize_t)strlen(hello) &&
	    read(a, buf, sizeof(buf)) > 0 &&
	    write(a, reply, strlen(reply)) == (ssize_t)strlen(reply) &&
	    read(c, buf, sizeof(buf)) > 0)
		rc = 0;
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	return rc;
}

/* "SYN", "SYN+ACK", "ACK", "PSH+ACK 19 B", ... from an Ethernet/IPv4
 * frame on lo. */
static void describe(const struct mx_live_frame *f, char *out, size_t len)
{
	static const char *names[] = {"FIN", "SYN", "RST", "PSH", "ACK"};
	const uint8_t *p = f->bytes;
	size_t ihl, thl, iplen, i, o = 0;

	if (f->caplen < 14 + 20 || p[12] != 0x08 || p[13] != 0x00) {
		snprintf(out, len, "not IPv4");
		return;
	}
	p += 14;
	ihl = (size_t)(p[0] & 15) * 4;
	iplen = (size_t)(p[2] << 8 | p[3]);
	if (f->caplen < 14 + ihl + 20 || iplen < ihl + 20) {
		snprintf(out, len, "short");
		return;
	}
	thl = (size_t)(p[ihl + 12] >> 4) * 4;
	out[0] = '\0';
	for (i = 0; i < 5; i++)
		if (p[ihl + 13] & (1u << i))
			o += (size_t)snprintf(out + o, len - o, "%s%s",
					      o ? "+" : "", names[i]);
	if (iplen > ihl + thl && o < len)
		snprintf(out + o, len - o, " %zu B", iplen - ihl - thl);
}

int main(int argc, char **argv)
{
	struct mx_capture_target tg = {"127.0.0.1", 0};
	struct mx_capture_targets ts = {&tg, 1};
	struct mx_live_capture *c = NULL;
	struct mx_live_stats st;
	struct mx_pcapng *w = NULL;
	struct event_base *base = NULL;
	const char *user = NULL, *out = NULL;
	char err[256], what[64], comment[128], line[128];
	int force = 0, rc = 1, ifx, i, lfd;
	uint16_t port;
	size_t k;
	FILE *f;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			user = argv[++i];
		else
			out = argv[i];
	}
	if (out == NULL) {
		fprintf(stderr, "usage: capture_dump [--force] [--user NAME] "
				"OUT.pcapng\n");
		return 1;
	}
	lfd = loopback_listener(&port);
	if (lfd < 0) {
		perror("listen on 127.0.0.1");
		return 1;
	}
	tg.port = port;
	if (mx_live_capture_open(&c, NULL, &ts, 0, 0, err, sizeof(err)) !=
	    MX_CAPTURE_OK) {
		fprintf(stderr, "capture_dump: %s\n", err);
		close(lfd);
		return 3;
	}
	w = mx_pcapng_open(out, force, err, sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "capture_dump: %s\n", err);
		goto out;
	}
	if (mx_drop_privileges(user, err, sizeof(err)) != 0) {
		fprintf(stderr, "capture_dump: %s\n", err);
		goto out;
	}
	base = event_base_new();
	if (base == NULL || mx_live_capture_start(c, base) != 0)
		goto out;
	if (exchange(lfd, port) != 0) {
		perror("exchange on 127.0.0.1");
		goto out;
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
	mx_live_capture_stop(c);

	ifx = mx_pcapng_interface(w, mx_live_capture_linktype(c),
				  (uint32_t)mx_live_capture_snaplen(c),
				  mx_live_capture_iface(c));
	if (ifx < 0)
		goto write_failed;
	for (k = 0; k < mx_live_capture_nframes(c); k++) {
		const struct mx_live_frame *fr = mx_live_capture_frame(c, k);
		describe(fr, what, sizeof(what));
		snprintf(comment, sizeof(comment), "capture_dump frame %zu: %s",
			 k + 1, what);
		if (mx_pcapng_packet(w, (unsigned)ifx, fr->ts_us, fr->caplen,
				     fr->wirelen, fr->bytes, comment) != 0)
			goto write_failed;
	}
	if (mx_pcapng_close(w) != 0)
		goto write_failed;
	mx_live_capture_stats(c, &st);
	printf("frames %zu port %u kernel_drop %llu store_dropped %llu\n",
	       mx_live_capture_nframes(c), (unsigned)port,
	       (unsigned long long)st.kernel_drop,
	       (unsigned long long)st.store_dropped);
	f = fopen("/proc/self/status", "re");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapEff:", 7) == 0 ||
		    strncmp(line, "Uid:", 4) == 0)
			fputs(line, stdout);
	if (f != NULL)
		fclose(f);
	rc = 0;
	goto out;
write_failed:
	fprintf(stderr, "capture_dump: %s: %s\n", out,
		mx_pcapng_error(w) ? mx_pcapng_error(w) : "write refused");
out:
	mx_pcapng_free(w);
	mx_live_capture_free(c);
	if (base != NULL)
		event_base_free(base);
	close(lfd);
	return rc;
}
