/*
 * mailhdr_date.c - RFC 5322 §3.3 date-time with the obsolete forms of
 * §4.3 (two-digit years, UT/GMT/EST... and military zones, comments).
 *
 * Purpose: the date of a Received hop (and any Date field) as UTC time_t
 * plus the zone as written; no TZ database is involved.
 * API: mx_mailhdr_parse_date() (wire/mailhdr.h).
 * Ownership: pure; the input is borrowed, nothing is allocated.
 * Limits: years 1900 and later; day checked against the month (leap
 * years included); a leap second (60) is accepted.
 */
#include "wire/mailhdr.h"

#include "common/cursor.h"
#include "wire/mailhdr_int.h"

/* ---- dates (RFC 5322 §3.3, §4.3) -------------------------------------- */

static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				     "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const wdays[] = {"mon", "tue", "wed", "thu",
				    "fri", "sat", "sun"};

/* RFC 5322 §4.3 obsolete zones; military letters count as -0000. */
static const struct {
	const char *name;
	int minutes;
} obs_zones[] = {
	{"UT", 0},     {"GMT", 0},    {"UTC", 0},    {"Z", 0},
	{"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
	{"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int mx_mailhdr_parse_date(const uint8_t *p, size_t len, time_t *t,
			  int *tz_minutes)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	struct mx_cur c;
	const uint8_t *w;
	int64_t day, year, hour, min, sec = 0, z;
	int month = -1, zone = 0, nd, i;
	size_t n;

	mx_cur_init(&c, p, len);
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (is_alpha(peek(&c))) {
		/* day-of-week "," */
		n = mx_hdr_read_alpha(&c, &w);
		for (i = 0; i < 7; i++)
			if (word_is(w, n, wdays[i]))
				break;
		if (i == 7)
			return 0;
		mx_hdr_skip_cfws(&c, NULL, NULL);
		if (peek(&c) != ',')
			return 0;
		mx_cur_skip(&c, 1);
		mx_hdr_skip_cfws(&c, NULL, NULL);
	}
	if (mx_hdr_read_num(&c, 2, &day) == 0)
		return 0;
	mx_hdr_skip_cfws(&c, NULL, NULL);
	n = mx_hdr_read_alpha(&c, &w);
	for (i = 0; i < 12; i++)
		if (word_is(w, n, months[i]))
			month = i + 1;
	if (month < 0)
		return 0;
	mx_hdr_skip_cfws(&c, NULL, NULL);
	nd = mx_hdr_read_num(&c, 4, &year);
	if (nd == 2)
		year += year < 50 ? 2000 : 1900; /* §4.3 */
	else if (nd == 3)
		year += 1900;
	else if (nd != 4 || year < 1900)
		return 0;
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (mx_hdr_read_num(&c, 2, &hour) == 0)
		return 0;
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (peek(&c) != ':')
		return 0;
	mx_cur_skip(&c, 1);
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (mx_hdr_read_num(&c, 2, &min) == 0)
		return 0;
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (peek(&c) == ':') {
		mx_cur_skip(&c, 1);
		mx_hdr_skip_cfws(&c, NULL, NULL);
		if (mx_hdr_read_num(&c, 2, &sec) == 0)
			return 0;
		mx_hdr_skip_cfws(&c, NULL, NULL);
	}
	if (peek(&c) == '+' || peek(&c) == '-') {
		int sign = mx_cur_u8(&c) == '-' ? -1 : 1;

		if (mx_hdr_read_num(&c, 4, &z) != 4 || z % 100 > 59)
			return 0;
		zone = sign * (int)(z / 100 * 60 + z % 100);
	} else {
		n = mx_hdr_read_alpha(&c, &w);
		for (i = 0; i < (int)(sizeof(obs_zones) / sizeof(obs_zones[0]));
		     i++)
			if (word_is(w, n, obs_zones[i].name))
				break;
		if (i < (int)(sizeof(obs_zones) / sizeof(obs_zones[0])))
			zone = obs_zones[i].minutes;
		else if (n == 1 && (w[0] | 0x20) != 'j')
			zone = 0; /* military: "-0000" (§4.3) */
		else
			return 0;
	}
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (!mx_cur_done(&c))
		return 0;
	if (day < 1 || day > mdays[month - 1] + (month == 2 && is_leap(year)) ||
	    hour > 23 || min > 59 || sec > 60)
		return 0;
	*t = (time_t)(days_from_civil(year, month, (int)day) * 86400 +
		      hour * 3600 + min * 60 + sec - (int64_t)zone * 60);
	*tz_minutes = zone;
	return 1;
}
