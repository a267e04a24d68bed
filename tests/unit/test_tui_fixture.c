/*
 * test_tui_fixture.c - the pseudo-terminal and the synthetic model that
 * test_tui.c and bench/tui_redraw.c drive the real dashboard with; see
 * test_tui_fixture.h.
 *
 * The pty: the dashboard gets the slave side as its out/in FILEs; a
 * thread reads the master side so curses never blocks on a full pty
 * buffer, and keeps up to 4 MiB of what was written so tests can assert
 * that no raw peer byte reached the terminal.  Keys are typed by writing
 * to the master.
 */
/* posix_openpt, ptsname_r, memmem: _GNU_SOURCE comes from config.h */
#include "tests/unit/test_tui_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "model/enum.h"
#include "model/finding.h"

#define SEEN_MAX (4u << 20)

static void *drain(void *arg)
{
	struct tui_term *t = arg;
	char buf[8192];

	for (;;) {
		ssize_t n = read(t->master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EIO once the slave is closed */
		pthread_mutex_lock(&t->mu);
		if (t->nseen + (size_t)n <= SEEN_MAX) {
			if (t->nseen + (size_t)n > t->capseen) {
				t->capseen = (t->nseen + (size_t)n) * 2;
				t->seen = xreallocarray(t->seen, t->capseen, 1);
			}
			memcpy(t->seen + t->nseen, buf, (size_t)n);
			t->nseen += (size_t)n;
		}
		pthread_mutex_unlock(&t->mu);
	}
	return NULL;
}

int tui_term_open(struct tui_term *t, const char *term, int rows, int cols)
{
	char name[128];

	memset(t, 0, sizeof(*t));
	t->master = t->slave = -1;
	setenv("TERM", term, 1);
	unsetenv("LINES");
	unsetenv("COLUMNS");
	t->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (t->master < 0 || grantpt(t->master) != 0 ||
	    unlockpt(t->master) != 0 ||
	    ptsname_r(t->master, name, sizeof(name)) != 0)
		goto fail;
	t->slave = open(name, O_RDWR | O_NOCTTY);
	if (t->slave < 0)
		goto fail;
	tui_term_resize(t, rows, cols);
	t->out = fdopen(t->slave, "w");
	t->in = fdopen(dup(t->slave), "r");
	if (t->out == NULL || t->in == NULL)
		goto fail;
	pthread_mutex_init(&t->mu, NULL);
	if (pthread_create(&t->drain, NULL, drain, t) != 0)
		goto fail;
	t->running = 1;
	return 0;
fail:
	tui_term_close(t);
	return -1;
}

void tui_term_resize(struct tui_term *t, int rows, int cols)
{
	struct winsize ws;

	memset(&ws, 0, sizeof(ws));
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	ioctl(t->master, TIOCSWINSZ, &ws);
}

void tui_term_type(struct tui_term *t, const char *bytes, size_t len)
{
	struct pollfd p;
	int i;

	if (write(t->master, bytes, len) != (ssize_t)len)
		return;
	p.fd = fileno(t->in);
	p.events = POLLIN;
	for (i = 0; i < 200; i++) { /* 2 s */
		p.revents = 0;
		if (poll(&p, 1, 10) > 0)
			break;
	}
	usleep(2000); /* let a multi-byte key arrive whole */
}

int tui_term_saw(struct tui_term *t, const void *needle, size_t len)
{
	int found;

	pthread_mutex_lock(&t->mu);
	found = t->seen != NULL && len > 0 &&
		memmem(t->seen, t->nseen, needle, len) != NULL;
	pthread_mutex_unlock(&t->mu);
	return found;
}

void tui_term_forget(struct tui_term *t)
{
	pthread_mutex_lock(&t->mu);
	t->nseen = 0;
	pthread_mutex_unlock(&t->mu);
}

void tui_term_close(struct tui_term *t)
{
	if (t->out != NULL)
		fclose(t->out); /* closes slave */
	else if (t->slave >= 0)
		close(t->slave);
	if (t->in != NULL)
		fclose(t->in);
	t->out = t->in = NULL;
	t->slave = -1;
	if (t->running) {
		pthread_join(t->drain, NULL); /* read() ends with EIO */
		pthread_mutex_destroy(&t->mu);
		t->running = 0;
	}
	if (t->master >= 0)
		close(t->master);
	t->master = -1;
	free(t->seen);
	t->seen = NULL;
}

/* ---- the synthetic model ---------------------------------------------- */

static void add_cert(struct mx_tls *tls, const char *cn, time_t not_after,
		     int leaf)
{
	struct mx_cert *c = mx_chain_add(&tls->chain);

	c->subject = xasprintf("CN=%s", cn);
	c->issuer = xstrdup(leaf ? "CN=Lab Intermediate CA" : "CN=Lab Root CA");
	c->cn = xstrdup(cn);
	c->serial = xstrdup(leaf ? "0A1B2C3D" : "01");
	c->not_before = not_after - 90 * 86400;
	c->not_after = not_after;
	c->key_type = xstrdup("RSA");
	c->key_bits = 2048;
	c->sig_alg = xstrdup("sha256WithRSAEncryption");
	c->sha256 =
		xstrdup("5f3c9d0e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
			"708192a3b4c5");
	if (leaf) {
		c->san_dns = xcalloc(1, sizeof(char *));
		c->san_dns[0] = xstrdup(cn);
		c->nsan_dns = 1;
	} else {
		c->is_ca = 1;
	}
}

static void add_enum(struct mx_endpoint *ep)
{
	struct mx_enum *e = mx_enum_new();
	struct mx_enum_suite *s;
	struct mx_client_sim *c;
	struct mx_enum_group *g;

	e->ms = 1234;
	e->connections = 9;
	e->v[MX_EV_TLS12].state = 1;
	e->v[MX_EV_TLS12].server_order = 1;
	s = mx_enum_add_suite(&e->v[MX_EV_TLS12]);
	s->id = 0xc02f;
	s->iana = xstrdup("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	s->kx = xstrdup("ECDH");
	s->group = xstrdup("x25519");
	s->kx_bits = 253;
	s->grade = MX_GRADE_GOOD;
	s = mx_enum_add_suite(&e->v[MX_EV_TLS12]);
	s->id = 0x0033;
	s->rank = 1;
	s->iana = xstrdup("TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
	s->kx = xstrdup("DH");
	s->kx_bits = 1024;
	s->grade = MX_GRADE_INSECURE;
	s->grade_why = xstrdup("DH <= 1024");
	e->v[MX_EV_TLS10].state = 0;
	e->v[MX_EV_TLS10].refusal = xstrdup("alert 70");
	g = mx_enum_add_group(e);
	g->name = xstrdup("x25519");
	g->kx_bits = 253;
	c = mx_enum_add_client(e);
	c->profile = xstrdup("java8");
	c->name = xstrdup("Java 8");
	c->ok = 0;
	c->why = xstrdup("dh key too small");
	c->suite = 0x0033;
	c->confirmed = 1;
	c->advice_openssl = xstrdup("DEFAULT:!DHE");
	c->advice_openssl_ok = 1;
	ep->enumr = e;
}

static void add_wire(struct mx_endpoint *ep, unsigned id)
{
	struct mx_conn_purpose p;
	struct mx_connrec *r;
	struct mx_capsess *s;

	memset(&p, 0, sizeof(p));
	p.kind = MX_CONN_PROBE;
	p.step = -1;
	r = mx_endpoint_conn_new(ep, id, &p);
	snprintf(r->local_addr, sizeof(r->local_addr), "127.0.0.1");
	r->local_port = 40000;
	snprintf(r->remote_addr, sizeof(r->remote_addr), "%s", ep->addr);
	r->remote_port = ep->port;
	r->start_wall_us = 1;
	r->mark_us[MX_MARK_CONNECTED] = 150;
	r->mark_us[MX_MARK_GREETING] = 900;
	r->mark_us[MX_MARK_END] = 5000;
	r->how = MX_HOW_WE_CLOSED;
	snprintf(r->answer, sizeof(r->answer), "handshake");
	s = xcalloc(1, sizeof(*s));
	mx_capsess_init(s);
	s->id = id;
	s->conn_id = id;
	s->start_us = 1000000;
	mx_capsess_event(s, 1000000, 1, 0, MX_CAP_EV_SYN, 0, "SYN");
	mx_capsess_event(s, 1000300, 2, 1, MX_CAP_EV_SYNACK, 0, "SYN+ACK");
	mx_capsess_event(s, 1004000, 9, 1, MX_CAP_EV_FIN, 0, "FIN");
	ep->caps = xcalloc(1, sizeof(*ep->caps));
	ep->caps[0] = s;
	ep->ncaps = ep->capcaps = 1;
}

static void fill_endpoint(struct mx_endpoint *ep, size_t i, int rich,
			  time_t now)
{
	static const char *const states[] = {"ok", "warn", "crit", "info"};
	const char *kind = states[i % 4];

	ep->host = xasprintf("mx%zu.d%zu.lab.test", i % 4, i / 4);
	ep->addr = xasprintf("127.0.%zu.%zu", (i / 250) % 256, i % 250 + 1);
	ep->family = 2;
	ep->port = i % 5 == 4 ? 465 : 25;
	ep->mode = i % 5 == 4 ? MX_MODE_IMPLICIT : MX_MODE_STARTTLS;
	ep->pref = (int)(i % 4) * 10;
	ep->total_ms = 40 + (int64_t)(i % 17);
	ep->smtp.connect.state = MX_STEP_OK;
	ep->smtp.connect.ms = 1;
	ep->smtp.banner.state = MX_STEP_OK;
	ep->smtp.banner.ms = 3;
	ep->smtp.tls.state = MX_STEP_OK;
	ep->smtp.tls.ms = 12;
	ep->smtp.greeting.code = 220;
	ep->smtp.greeting.text = xasprintf("%s ESMTP Postfix", ep->host);
	ep->tls.attempted = ep->tls.completed = 1;
	ep->tls.version = xstrdup(i % 3 ? "TLSv1.3" : "TLSv1.2");
	ep->tls.suite_iana =
		xstrdup(i % 3 ? "TLS_AES_256_GCM_SHA384"
			      : "TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
	ep->tls.temp_key_type = xstrdup(i % 3 ? "X25519" : "DH");
	ep->tls.temp_key_bits = i % 3 ? 253 : 1024;
	ep->tls.verify_done = 1;
	ep->dane.state = (enum mx_dane_state)(i % 3);
	add_cert(&ep->tls, ep->host, now + (time_t)(i % 120) * 86400 - 86400,
		 1);
	if (strcmp(kind, "warn") == 0)
		mx_findings_add(&ep->findings, "cert.expiring_soon", ep->host,
				"expires in %zu days", i % 30);
	if (strcmp(kind, "crit") == 0)
		mx_findings_add(&ep->findings, "cert.expired", ep->host,
				"expired %zu days ago", i % 7 + 1);
	if (!rich)
		return;
	add_cert(&ep->tls, "Lab Intermediate CA", now + 3650 * 86400, 0);
	add_enum(ep);
	add_wire(ep, (unsigned)i + 1);
	mx_findings_add(&ep->findings, "cert.self_signed", ep->host,
			"subject CN=%s", ep->host);
	mx_tx_add(&ep->smtp.tx, MX_TX_RECV, 3, "220 mx ESMTP", 12);
	mx_tx_add(&ep->smtp.tx, MX_TX_SENT, 4, "EHLO probe", 10);
	mx_tx_add(&ep->smtp.tx, MX_TX_NOTE, 5, "TLS handshake", 13);
}

void tui_model_build(struct tui_model *m, size_t n, int rich, time_t now)
{
	size_t nt = n / 4 + 1, ti, e, k = 0;

	memset(m, 0, sizeof(*m));
	m->run = mx_run_new();
	m->rows = xcalloc(n ? n : 1, sizeof(*m->rows));
	m->snaps = xcalloc(n ? n : 1, sizeof(*m->snaps));
	m->hist = xcalloc(n ? n : 1, sizeof(*m->hist));
	m->keys = xcalloc(n ? n : 1, sizeof(*m->keys));
	/* all targets and endpoints first: the arrays move as they grow */
	for (ti = 0; ti < nt && k < n; ti++) {
		struct mx_target *t = mx_run_add_target(m->run);
		size_t ne = n - k < 4 ? n - k : 4;

		t->spec = xasprintf("d%zu.lab.test", ti);
		t->name = xstrdup(t->spec);
		t->mx_status = MX_DNS_OK;
		t->sts.state = (enum mx_sts_state)(ti % 6);
		for (e = 0; e < ne; e++, k++)
			fill_endpoint(mx_target_add_endpoint(t), k, rich, now);
	}
	k = 0;
	for (ti = 0; ti < m->run->ntargets; ti++) {
		struct mx_target *t = &m->run->targets[ti];

		for (e = 0; e < t->nendpoints; e++, k++) {
			struct mx_tui_row *r = &m->rows[k];
			struct mx_snapshot *s;

			r->ep = &t->endpoints[e];
			r->t = t;
			r->target = t->spec;
			m->keys[k] = mx_snapshot_key(r->ep);
			r->key = m->keys[k];
			r->last = now - (time_t)(k % 600);
			r->busy = k % 10 == 9 ? "probe" : NULL;
			if (!rich)
				continue;
			s = mx_snapshot_new();
			s->key = xstrdup(r->key);
			s->at = now - 300;
			s->tls_ok = 1;
			s->tls_version = xstrdup("TLSv1.2");
			s->temp_key_type = xstrdup("DH");
			s->temp_key_bits = 1024;
			s->cert_not_after = now + 20 * 86400;
			mx_snap_add(&s->drift, &s->ndrift,
				    "drift.cert_replaced", MX_SEV_WARN,
				    "certificate replaced", "serial 01",
				    "serial 0A1B2C3D");
			m->snaps[k] = s;
			m->hist[k] = s;
			r->snap = s;
			r->hist = &m->hist[k];
			r->nhist = 1;
			r->drifted = 1;
		}
	}
	m->nrows = k;
}

void tui_model_free(struct tui_model *m)
{
	size_t i;

	for (i = 0; i < m->nrows; i++) {
		mx_snapshot_free(m->snaps[i]);
		free(m->keys[i]);
	}
	free(m->snaps);
	free(m->hist);
	free(m->keys);
	free(m->rows);
	mx_run_free(m->run);
	memset(m, 0, sizeof(*m));
}
