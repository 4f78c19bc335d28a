// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#define NSEC_PER_SEC 1000000000ULL
#define RFC3339_LEN 27 /* 2026-11-26T06:30:01.123456Z */

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

uint64_t pa_now_boot_ns(void)
{
	return now_ns(CLOCK_BOOTTIME);
}

uint64_t pa_now_mono_ns(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

void pa_clock_init(struct pa_clock *c)
{
	/* Bracket the realtime read by two boottime reads and take their
	 * midpoint, so the offset is off by at most half a syscall. */
	uint64_t b1 = now_ns(CLOCK_BOOTTIME);
	uint64_t wall = now_ns(CLOCK_REALTIME);
	uint64_t b2 = now_ns(CLOCK_BOOTTIME);

	c->boot_to_wall_ns = (int64_t)wall - (int64_t)(b1 + (b2 - b1) / 2);
}

uint64_t pa_clock_wall_ns(const struct pa_clock *c, uint64_t boot_ns)
{
	/* Unsigned: a damaged record file can hold any time, and wrapping
	 * gives a wrong date where signed overflow would be undefined. */
	return boot_ns + (uint64_t)c->boot_to_wall_ns;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * civil_from_days): arithmetic instead of gmtime_r and strftime, which
 * cost more than the rest of a JSON line (timestamps of many different
 * seconds alternate in one line: @timestamp, process.start...). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *at, uint64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		at[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* The six digits of the microseconds, two per division: every timestamp
 * has them, and a JSON line has two to five timestamps. */
static void put_micros(char *at, unsigned us)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	memcpy(at + 4, pairs + us % 100 * 2, 2);
	us /= 100;
	memcpy(at + 2, pairs + us % 100 * 2, 2);
	us /= 100;
	memcpy(at, pairs + us % 100 * 2, 2);
}

/* The date and time of one second, "2026-11-26T06:30:01" (19 bytes). */
static void format_second(char *out, uint64_t sec)
{
	uint64_t sod = sec % 86400;
	int64_t year;
	unsigned month, day;

	civil_from_days((int64_t)(sec / 86400), &year, &month, &day);
	put_digits(out, (uint64_t)year % 10000, 4);
	out[4] = '-';
	put_digits(out + 5, month, 2);
	out[7] = '-';
	put_digits(out + 8, day, 2);
	out[10] = 'T';
	put_digits(out + 11, sod / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, sod / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, sod % 60, 2);
}

/* A JSON line holds a few different seconds (the event's, the process's
 * start, its parent's and leaders'): a small cache of formatted seconds,
 * indexed by the second's low bits, saves most of the date arithmetic. */
#define SECOND_CACHE 8

size_t pa_format_rfc3339(char *buf, size_t size, uint64_t wall_ns)
{
	static struct {
		uint64_t sec;
		char text[19];
		bool valid;
	} cache[SECOND_CACHE];
	uint64_t sec = wall_ns / NSEC_PER_SEC;
	unsigned slot = (unsigned)(sec % SECOND_CACHE);
	/* 2026-11-26T06:30:01.123456Z: fixed width, digits written in place. */
	char out[RFC3339_LEN + 1];
	size_t keep;

	if (!cache[slot].valid || cache[slot].sec != sec) {
		format_second(cache[slot].text, sec);
		cache[slot].sec = sec;
		cache[slot].valid = true;
	}
	memcpy(out, cache[slot].text, 19);
	out[19] = '.';
	put_micros(out + 20, (unsigned)((wall_ns % NSEC_PER_SEC) / 1000));
	out[26] = 'Z';
	out[27] = '\0';
	if (!size)
		return RFC3339_LEN;
	keep = size - 1 < RFC3339_LEN ? size - 1 : RFC3339_LEN; /* cut like snprintf */
	memcpy(buf, out, keep);
	buf[keep] = '\0';
	return RFC3339_LEN;
}

size_t pa_format_clock(char *buf, size_t size, uint64_t wall_ns)
{
	time_t sec = wall_ns / NSEC_PER_SEC;
	unsigned msec = (wall_ns % NSEC_PER_SEC) / 1000000;
	struct tm tm;
	char hms[16];
	int n;

	localtime_r(&sec, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	n = snprintf(buf, size, "%s.%03u", hms, msec);
	return n < 0 ? 0 : (size_t)n;
}

/* Truncated, not rounded, so a value never shows as the next unit's
 * boundary ("1000.0ms" for 999.95 ms). */
size_t pa_format_span(char *buf, size_t size, uint64_t ns)
{
	unsigned long long us = ns / 1000, tenth_ms = ns / 100000, cs = ns / 10000000;
	unsigned long long sec = ns / NSEC_PER_SEC;
	int n;

	if (ns < 1000000ULL)
		n = snprintf(buf, size, "%lluus", us);
	else if (ns < NSEC_PER_SEC)
		n = snprintf(buf, size, "%llu.%llums", tenth_ms / 10, tenth_ms % 10);
	else if (ns < 60 * NSEC_PER_SEC)
		n = snprintf(buf, size, "%llu.%02llus", cs / 100, cs % 100);
	else if (ns < 3600 * NSEC_PER_SEC)
		n = snprintf(buf, size, "%llum%02llus", sec / 60, sec % 60);
	else
		n = snprintf(buf, size, "%lluh%02llum", sec / 3600, sec / 60 % 60);
	return n < 0 ? 0 : (size_t)n;
}
