/*
 * test_reports_queue.c - `mxprobe queue` without a spool: the verdict
 * (analyzers/queue.h) on a table of messages, the delay text
 * (model/queue.h), and both renderers (reports/queue.h), including hostile
 * envelope text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyzers/queue.h"
#include "model/queue.h"
#include "reports/queue.h"

#define NOW ((time_t)1700000000)

static char *rcpts1[] = {"postmaster@lab.test"};
static char *rcpts2[] = {"a@lab.test", "b\033[2J@lab.test"};

static struct mx_queue_msg msg(const char *mid, unsigned attempts,
			       long long next_in, int readable)
{
	struct mx_queue_msg m;

	memset(&m, 0, sizeof(m));
	snprintf(m.mid, sizeof(m.mid), "%s", mid);
	m.readable = readable;
	m.size = 1234;
	m.from = "sender@lab.test";
	m.rcpts = rcpts1;
	m.nrcpts = 1;
	m.created = NOW - 3700;
	m.attempts = attempts;
	m.next_attempt = NOW + next_in;
	return m;
}

static void test_judge_states(void **state)
{
	static const struct {
		unsigned attempts;
		long long next_in;
		enum mx_queue_state st;
		const char *why;
	} t[] = {
		{0, 0, MX_QUEUE_NEW, "new: not tried yet, delivery is due now"},
		{0, -10, MX_QUEUE_NEW, "new: not tried yet"},
		{0, 30, MX_QUEUE_DEFERRED, "next attempt in 30s"},
		{3, -125, MX_QUEUE_DUE,
		 "due: 3 failed attempt(s), the retry was due 2m 5s ago"},
		{2, 7260, MX_QUEUE_DEFERRED,
		 "deferred: 2 failed attempt(s), next attempt in 2h 1m"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mx_queue_msg m =
			msg("A", t[i].attempts, t[i].next_in, 1);
		struct mx_queue_view v = {.now = NOW, .queue = &m, .nqueue = 1};

		mx_queue_judge(&v);
		assert_int_equal(m.state, t[i].st);
		assert_non_null(strstr(m.why, t[i].why));
		assert_int_equal(v.exit_status, t[i].attempts > 0 ? 1 : 0);
	}
}

static void test_judge_exit(void **state)
{
	struct mx_queue_msg q[2], d[1];
	char *corrupt[] = {"x.tmp"};
	struct mx_queue_view v;

	(void)state;
	q[0] = msg("A", 0, 0, 1);
	q[1] = msg("B", 0, 0, 1);
	memset(&v, 0, sizeof(v));
	v.now = NOW;
	v.queue = q;
	v.nqueue = 2;
	mx_queue_judge(&v);
	assert_int_equal(v.exit_status, 0);
	q[1].readable = 0; /* unreadable in queue/ */
	mx_queue_judge(&v);
	assert_int_equal(v.exit_status, 2);
	q[1] = msg("B", 4, 60, 1);
	mx_queue_judge(&v);
	assert_int_equal(v.exit_status, 1);
	d[0] = msg("D", 5, 0, 1);
	v.dead = d;
	v.ndead = 1;
	mx_queue_judge(&v);
	assert_int_equal(v.exit_status, 2);
	v.ndead = 0;
	v.corrupt = corrupt;
	v.ncorrupt = 1;
	mx_queue_judge(&v);
	assert_int_equal(v.exit_status, 2);
}

static void test_delay_text(void **state)
{
	static const struct {
		long long s;
		const char *want;
	} t[] = {
		{0, "0s"},	    {59, "59s"},       {60, "1m 0s"},
		{-61, "1m 1s"},	    {3599, "59m 59s"}, {3600, "1h 0m"},
		{86399, "23h 59m"}, {86400, "1d 0h"},  {90061, "1d 1h"},
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		mx_queue_delay_text(t[i].s, buf, sizeof(buf));
		assert_string_equal(buf, t[i].want);
	}
	assert_string_equal(mx_queue_state_name(MX_QUEUE_DUE), "due");
}

static char *render(int json, const struct mx_queue_view *v)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	assert_non_null(fp);
	assert_int_equal(json ? mx_report_queue_json(fp, v, "9.9")
			      : mx_report_queue_text(fp, v, "9.9", 0),
			 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void fill(struct mx_queue_view *v, struct mx_queue_msg *q,
		 struct mx_queue_msg *d, char **corrupt)
{
	q[0] = msg("2024AAAA", 0, 0, 1);
	q[1] = msg("2024BBBB", 2, 600, 1);
	q[1].rcpts = rcpts2;
	q[1].nrcpts = 2;
	q[1].last_error = "451 4.7.0 try later";
	q[2] = msg("2024CCCC", 0, 0, 0);
	d[0] = msg("2024DDDD", 5, 0, 1);
	d[0].dead_reason = "550 5.1.1 no such user";
	memset(v, 0, sizeof(*v));
	v->spool = "/var/spool/mx";
	v->now = NOW;
	v->queue = q;
	v->nqueue = 3;
	v->dead = d;
	v->ndead = 1;
	v->corrupt = corrupt;
	v->ncorrupt = 1;
	mx_queue_judge(v);
}

static void test_text(void **state)
{
	struct mx_queue_msg q[3], d[1];
	char *corrupt[] = {"bad\033name"};
	struct mx_queue_view v;
	char *out;

	(void)state;
	fill(&v, q, d, corrupt);
	out = render(0, &v);
	assert_non_null(strstr(out, "Spool /var/spool/mx: 3 message(s) "
				    "queued, 1 bounced (dead/), 1 unreadable"));
	assert_non_null(strstr(out, "MID 2024AAAA  1234 octets\n"
				    "  from  <sender@lab.test>\n"
				    "  to    <postmaster@lab.test> (RID 0)\n"
				    "  queued 2023-11-14 21:11:40 UTC (1h 1m "
				    "ago), 0 attempt(s)\n"));
	assert_non_null(strstr(out, "  why    deferred: 2 failed attempt(s), "
				    "next attempt in 10m 0s\n"));
	assert_non_null(strstr(out, "  last error: 451 4.7.0 try later\n"));
	assert_non_null(strstr(out, "MID 2024CCCC  unreadable"));
	assert_non_null(strstr(out, "  reason 550 5.1.1 no such user\n"));
	/* peer text never reaches the terminal raw */
	assert_null(strchr(out, '\033'));
	assert_non_null(strstr(out, "<b\\x1b[2J@lab.test>"));
	free(out);
}

static void test_json(void **state)
{
	struct mx_queue_msg q[3], d[1];
	char *corrupt[] = {"bad\033name"};
	struct mx_queue_view v;
	json_error_t err;
	json_t *root, *m;
	char *out;

	(void)state;
	fill(&v, q, d, corrupt);
	out = render(1, &v);
	root = json_loads(out, 0, &err);
	assert_non_null(root);
	assert_string_equal(json_string_value(json_object_get(root, "spool")),
			    "/var/spool/mx");
	assert_int_equal(json_array_size(json_object_get(root, "queue")), 3);
	m = json_array_get(json_object_get(root, "queue"), 1);
	assert_string_equal(json_string_value(json_object_get(m, "state")),
			    "deferred");
	assert_int_equal(json_integer_value(json_object_get(m, "next_in_s")),
			 600);
	assert_int_equal(json_array_size(json_object_get(m, "recipients")), 2);
	m = json_array_get(json_object_get(root, "queue"), 2);
	assert_true(json_is_false(json_object_get(m, "readable")));
	assert_null(json_object_get(m, "from"));
	m = json_array_get(json_object_get(root, "dead"), 0);
	assert_string_equal(json_string_value(json_object_get(m, "reason")),
			    "550 5.1.1 no such user");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(root, "corrupt"), 0)),
			    "bad\\x1bname");
	json_decref(root);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge_states),
		cmocka_unit_test(test_judge_exit),
		cmocka_unit_test(test_delay_text),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
