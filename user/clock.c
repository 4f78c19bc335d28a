// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
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
	return (uint64_t)((int64_t)boot_ns + c->boot_to_wall_ns);
}

size_t pa_format_rfc3339(char *buf, size_t size, uint64_t wall_ns)
{
	/* Events come in bursts within one second: format the date part
	 * once per second, not once per event. */
	static time_t cached_sec = -1;
	static char cached[24];
	time_t sec = wall_ns / NSEC_PER_SEC;
	unsigned usec = (wall_ns % NSEC_PER_SEC) / 1000;

	if (sec != cached_sec) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = sec;
	}
	/* 19 date-time chars, '.', 6 digits, 'Z': fixed width, so write
	 * the digits directly instead of a printf per timestamp. */
	char out[RFC3339_LEN + 1];
	size_t keep;

	memcpy(out, cached, 19);
	out[19] = '.';
	for (int i = 25; i >= 20; i--) {
		out[i] = '0' + usec % 10;
		usec /= 10;
	}
	out[26] = 'Z';
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
