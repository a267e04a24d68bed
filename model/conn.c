/*
 * conn.c - connection records; see conn.h.
 */
#include "model/conn.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NAME(v, tab)                                                           \
	((size_t)(v) < sizeof(tab) / sizeof(tab[0]) && tab[v] != NULL          \
		 ? tab[v]                                                      \
		 : "unknown")

const char *mx_conn_kind_name(enum mx_conn_kind k)
{
	static const char *const t[] = {
		[MX_CONN_PROBE] = "probe",   [MX_CONN_ENUM] = "enum",
		[MX_CONN_ORDER] = "order",   [MX_CONN_RANK] = "rank",
		[MX_CONN_GROUPS] = "groups", [MX_CONN_BISECT] = "bisect",
		[MX_CONN_RETRY] = "retry",   [MX_CONN_CONFIRM] = "confirm",
		[MX_CONN_ADVICE] = "advice", [MX_CONN_SEND] = "send",
	};
	return NAME(k, t);
}

const char *mx_conn_mark_name(enum mx_conn_mark m)
{
	static const char *const t[] = {
		[MX_MARK_CONNECTED] = "connected",
		[MX_MARK_GREETING] = "greeting",
		[MX_MARK_EHLO] = "ehlo",
		[MX_MARK_STARTTLS] = "starttls",
		[MX_MARK_HELLO_SENT] = "hello_sent",
		[MX_MARK_FIRST_RECORD] = "first_record",
		[MX_MARK_END] = "end",
	};
	return NAME(m, t);
}

const char *mx_conn_how_name(enum mx_conn_how h)
{
	static const char *const t[] = {
		[MX_HOW_NONE] = "none",
		[MX_HOW_WE_CLOSED] = "we_closed",
		[MX_HOW_PEER_FIN] = "peer_fin",
		[MX_HOW_PEER_RST] = "peer_rst",
		[MX_HOW_TIMEOUT] = "timeout",
		[MX_HOW_REFUSED] = "refused",
		[MX_HOW_ERROR] = "error",
		[MX_HOW_ALERT_RECV] = "alert_recv",
		[MX_HOW_ALERT_SENT] = "alert_sent",
		[MX_HOW_CANCELLED] = "cancelled",
	};
	return NAME(h, t);
}

const char *mx_conn_version_name(uint16_t v)
{
	static const struct {
		uint16_t code;
		const char *name;
	} t[] = {
		{0x0200, "SSLv2"},   {0x0300, "SSLv3"},	  {0x0301, "TLSv1"},
		{0x0302, "TLSv1.1"}, {0x0303, "TLSv1.2"}, {0x0304, "TLSv1.3"},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == v)
			return t[i].name;
	return NULL;
}

static int64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void mx_connrec_init(struct mx_connrec *r, unsigned id,
		     const struct mx_conn_purpose *p)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->id = id;
	if (p != NULL)
		r->purpose = *p;
	else
		r->purpose.step = -1;
	/* Fixed-size strings from the caller: always terminated. */
	r->purpose.dropped[sizeof(r->purpose.dropped) - 1] = 0;
	r->purpose.profile[sizeof(r->purpose.profile) - 1] = 0;
	r->purpose.stack[sizeof(r->purpose.stack) - 1] = 0;
	for (i = 0; i < MX_MARK__N; i++)
		r->mark_us[i] = -1;
	r->alert = -1;
}

void mx_connrec_start(struct mx_connrec *r)
{
	if (r->start_wall_us != 0)
		return;
	r->start_wall_us = clock_us(CLOCK_REALTIME);
	r->start_mono_us = clock_us(CLOCK_MONOTONIC);
}

void mx_connrec_mark(struct mx_connrec *r, enum mx_conn_mark m)
{
	int64_t d;

	if ((unsigned)m >= MX_MARK__N || r->start_wall_us == 0 ||
	    r->mark_us[m] >= 0)
		return;
	d = clock_us(CLOCK_MONOTONIC) - r->start_mono_us;
	r->mark_us[m] = d < 0 ? 0 : d;
}

void mx_connrec_end(struct mx_connrec *r, enum mx_conn_how how, int alert,
		    int err)
{
	if (r->how != MX_HOW_NONE || how == MX_HOW_NONE)
		return;
	r->how = how;
	r->alert = alert;
	r->err = err;
	mx_connrec_mark(r, MX_MARK_END);
}

void mx_connrec_alert(struct mx_connrec *r, enum mx_conn_how how, int alert)
{
	if (how != MX_HOW_ALERT_RECV && how != MX_HOW_ALERT_SENT)
		return;
	switch (r->how) {
	case MX_HOW_NONE:
		mx_connrec_end(r, how, alert, 0);
		return;
	case MX_HOW_WE_CLOSED:
	case MX_HOW_PEER_FIN:
	case MX_HOW_PEER_RST:
	case MX_HOW_ERROR:
		/* The TCP close the alert caused: the alert says more.  The
		 * END mark and errno of that close stay. */
		r->how = how;
		r->alert = alert;
		return;
	default:
		return;
	}
}

void mx_connrec_answer(struct mx_connrec *r, const char *answer,
		       uint16_t version, uint16_t suite, uint16_t group)
{
	if (r->answer[0] != 0 || answer == NULL || answer[0] == 0)
		return;
	snprintf(r->answer, sizeof(r->answer), "%s", answer);
	r->answer_version = version;
	r->answer_suite = suite;
	r->answer_group = group;
}

/* ---- describing ------------------------------------------------------- */

static void version_text(uint16_t v, char *buf, size_t len)
{
	const char *n = mx_conn_version_name(v);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "0x%04x", v);
}

char *mx_conn_purpose_describe(const struct mx_conn_purpose *p, char *buf,
			       size_t len)
{
	static const char *const what[] = {
		[MX_CONN_PROBE] = "probe",
		[MX_CONN_ENUM] = "enumeration",
		[MX_CONN_ORDER] = "server order check",
		[MX_CONN_RANK] = "rank",
		[MX_CONN_GROUPS] = "group probe",
		[MX_CONN_BISECT] = "bisection",
		[MX_CONN_RETRY] = "enumeration",
		[MX_CONN_CONFIRM] = "confirmation",
		[MX_CONN_ADVICE] = "advice test",
		[MX_CONN_SEND] = "delivery",
	};
	char ver[16] = "";
	char off[64] = "";
	size_t n;

	if (len == 0)
		return buf;
	if (p->version)
		version_text(p->version, ver, sizeof(ver));
	if (p->nsuites && p->ngroups)
		snprintf(off, sizeof(off), "%u suites, %u groups offered",
			 p->nsuites, p->ngroups);
	else if (p->nsuites)
		snprintf(off, sizeof(off), "%u suites offered", p->nsuites);
	else if (p->ngroups)
		snprintf(off, sizeof(off), "%u groups offered", p->ngroups);
	snprintf(buf, len, "%s", NAME(p->kind, what));
	n = strlen(buf);
	if (p->kind == MX_CONN_BISECT && p->step >= 0 && n < len)
		n += (size_t)snprintf(buf + n, len - n, " step %d", p->step);
	if ((p->kind == MX_CONN_CONFIRM || p->kind == MX_CONN_ADVICE) &&
	    p->profile[0] && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %s", p->profile);
	if (p->stack[0] && n < len)
		n += (size_t)snprintf(buf + n, len - n, " (%s)", p->stack);
	if (ver[0] && n < len)
		n += (size_t)snprintf(buf + n, len - n, " %s", ver);
	if (p->dropped[0] && n < len)
		n += (size_t)snprintf(buf + n, len - n, ", %s %s",
				      p->kind == MX_CONN_RETRY ? "without"
							       : "testing",
				      p->dropped);
	if (off[0] && n < len)
		snprintf(buf + n, len - n, " (%s)", off);
	return buf;
}

char *mx_connrec_describe(const struct mx_connrec *r, char *buf, size_t len)
{
	char what[200];
	int n;

	if (len == 0)
		return buf;
	mx_conn_purpose_describe(&r->purpose, what, sizeof(what));
	n = snprintf(buf, len, "conn %u, %s", r->id, what);
	(void)n;
	return buf;
}
