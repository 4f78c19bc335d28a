/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --syscalls: the kernel's per-process syscall counters (bpf/syscalls.bpf.c)
 * turned into summaries.  Each read of the map hands every {tgid, nr}
 * entry, its per-CPU values summed, to pa_sysstats_update; the module keeps
 * that read and the one before, so a summary shows either the totals since
 * tracing began or what happened between the two reads.  Pure C: the tests
 * feed it entries without a kernel.
 */
#ifndef PA_SYSCALL_STATS_H
#define PA_SYSCALL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pa_events.h"

struct pa_sys_entry {
	struct pa_sys_key key;
	struct pa_sys_val val; /* summed over the CPUs */
};

enum pa_sys_sort {
	PA_SYS_SORT_TIME,
	PA_SYS_SORT_COUNT,
};

/* --syscalls-top: at most this many syscalls per summary line. */
#define PA_SYS_TOP_MAX 64
#define PA_SYS_TOP_DEFAULT 10

struct pa_sys_row {
	uint32_t nr;
	const char *name; /* pa_syscall_name, or NULL for a number it does not know */
	struct pa_sys_val val;
};

/* One process: its totals over all syscalls and its top rows. */
struct pa_sys_summary {
	uint32_t tgid;
	struct pa_sys_val total;
	unsigned nr_top;
	struct pa_sys_row top[PA_SYS_TOP_MAX];
};

struct pa_sysstats {
	struct pa_sys_entry *cur, *prev; /* sorted by {tgid, nr} */
	size_t nr_cur, nr_prev, cap_cur, cap_prev;
	uint64_t overflow;     /* the kernel's count of pairs it could not keep */
	uint64_t overflow_new; /* ... since the read before */
	bool failed;           /* out of memory: the last update was dropped */
};

/* The map keeps one value per CPU: their sum. */
struct pa_sys_val pa_sys_sum_cpus(const struct pa_sys_val *percpu, unsigned ncpus);

void pa_sysstats_init(struct pa_sysstats *s);
void pa_sysstats_free(struct pa_sysstats *s);
/* A complete read of the map (any order) and the kernel's overflow count.
 * 0, or -1 when out of memory (the previous read is kept). */
int pa_sysstats_update(struct pa_sysstats *s, const struct pa_sys_entry *e, size_t n,
		       uint64_t overflow);
/* The next process of the last read, from *pos (start at 0): totals since
 * tracing began (delta false) or since the read before (delta true; a
 * process with nothing new is skipped).  1 with *out filled, 0 at the end. */
int pa_sysstats_next(const struct pa_sysstats *s, size_t *pos, bool delta, enum pa_sys_sort sort,
		     unsigned top, struct pa_sys_summary *out);
/* "time", "count" -> sort; -1 for anything else. */
int pa_sys_sort_parse(const char *s, enum pa_sys_sort *sort);

#endif
