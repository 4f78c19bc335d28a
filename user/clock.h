/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel timestamps are CLOCK_BOOTTIME ns (bpf_ktime_get_boot_ns, which
 * keeps counting through suspend); they become wall time once, here.
 */
#ifndef PA_CLOCK_H
#define PA_CLOCK_H

#include <stddef.h>
#include <stdint.h>

struct pa_clock {
	int64_t boot_to_wall_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME, sampled at start */
};

void pa_clock_init(struct pa_clock *c);
uint64_t pa_clock_wall_ns(const struct pa_clock *c, uint64_t boot_ns);
uint64_t pa_now_boot_ns(void);
uint64_t pa_now_mono_ns(void);

/* "2026-11-26T06:30:01.123456Z" (UTC, microseconds); returns the length. */
size_t pa_format_rfc3339(char *buf, size_t size, uint64_t wall_ns);
/* "06:30:01.123" in local time, for the text stream. */
size_t pa_format_clock(char *buf, size_t size, uint64_t wall_ns);
/* "850us", "12.5ms", "3.20s", "4m05s", "2h13m": for humans. */
size_t pa_format_span(char *buf, size_t size, uint64_t ns);

#endif
