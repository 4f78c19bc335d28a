/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Zombies: processes that exited and were not reaped for longer than a
 * threshold.  A pure function of the table and the clock: it groups the
 * zombies by the parent that has not reaped them and hands each parent
 * with newly overdue zombies to a callback, once per zombie.
 */
#ifndef PA_DETECT_ZOMBIE_H
#define PA_DETECT_ZOMBIE_H

#include <stdint.h>

#include "proc_table.h"

/* Newly overdue zombies of one parent named one by one up to this many per
 * scan; beyond it the parent gets one summary, so a server leaking
 * thousands of zombies a second gives a line a second, not thousands. */
#define PA_ZOMBIE_LIST_MAX 5

struct pa_zombie_group {
	uint32_t ppid;
	struct pa_proc *fresh[PA_ZOMBIE_LIST_MAX]; /* newly overdue, oldest first */
	uint32_t nr_fresh;     /* newly overdue in this scan (may exceed the list) */
	uint32_t nr_held;      /* zombies the parent holds now, reported or not */
	uint64_t oldest_exit_ns;
	struct pa_proc *oldest_fresh;
};

typedef void (*pa_zombie_fn)(void *ctx, const struct pa_zombie_group *g);

/* Calls fn for each parent holding zombies older than after_ns that were
 * not reported yet, then marks them reported.  Returns how many were
 * newly reported. */
unsigned pa_detect_zombies(struct pa_table *t, uint64_t now_ns, uint64_t after_ns, pa_zombie_fn fn,
			   void *ctx);

#endif
