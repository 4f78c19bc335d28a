/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --deadlocks: once a second, the wait-for graph of the threads that wait
 * on locks, and a `deadlock` alert for each new cycle in it.  The edges
 * come from two sources: the kernel side's note of each lock-like futex
 * sleep (checked against /proc before it is believed, its holder read
 * from the lock itself, futex_owner.c) and /proc/locks's blocked file-lock
 * requests (proc_locks.c).  Nothing else of /proc is read: only the
 * threads that wait.  A new source only has to add edges (waitgraph.h).
 */
#ifndef PA_DETECT_DEADLOCK_H
#define PA_DETECT_DEADLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "pa_events.h"
#include "sink.h"
#include "waitgraph.h"

/* A thread is waiting, not just passing through a lock, after 1 s: long
 * past any healthy contention, and leaves the alert well inside the 5 s
 * users expect. */
#define PA_DEADLOCK_MIN_WAIT_NS 1000000000ULL
/* File-lock waits remembered from one scan to the next (their start is
 * not in /proc/locks: the first scan that saw one stands for it). */
#define PA_LOCK_SEEN_MAX 1024
/* Edges one scan takes: far more threads waiting on locks at once than a
 * sick server has. */
#define PA_DEADLOCK_MAX_EDGES 4096

/* One entry of the kernel side's futex_waits map. */
struct pa_futex_waiter {
	uint32_t tid;
	struct pa_futex_wait wait;
};

struct pa_lock_seen {
	uint32_t tid;
	uint32_t dev;
	uint64_t ino;
	uint64_t first_ns;
	bool still;           /* seen by the current scan */
};

struct pa_deadlock_detector {
	const char *proc_root;
	uint64_t min_wait_ns;
	struct pa_cycle_tracker *tracker;
	struct pa_wait_edge *edges;
	struct pa_wait_cycle *cycles;
	struct pa_lock_seen seen[PA_LOCK_SEEN_MAX];
	size_t nr_seen;
	/* The members of the cycle being reported, and their user stacks. */
	struct pa_deadlock_member members[PA_WG_MAX_CYCLE_LEN];
	struct pa_ustack ustacks[PA_WG_MAX_CYCLE_LEN];
	uint64_t reported;     /* cycles reported */
};

/* Called for each new cycle, members in cycle order. */
typedef void (*pa_deadlock_fn)(void *ctx, const struct pa_deadlock_info *info, uint64_t now_ns);
/* Called for a futex note that no longer holds (the thread woke since). */
typedef void (*pa_forget_fn)(void *ctx, uint32_t tid);

int pa_deadlock_detector_init(struct pa_deadlock_detector *d, const char *proc_root);
void pa_deadlock_detector_free(struct pa_deadlock_detector *d);

/*
 * One scan: the futex notes w[0..n) and the text of /proc/locks (may be
 * NULL).  Calls report for each cycle not reported while it lasted, forget
 * for each stale note.  Returns the number of new cycles, or -errno.
 */
int pa_deadlock_scan(struct pa_deadlock_detector *d, const struct pa_futex_waiter *w, size_t n,
		     const char *locks, size_t locks_len, uint64_t now_ns, pa_deadlock_fn report,
		     pa_forget_fn forget, void *ctx);

/* The alert for one cycle, through c's sinks. */
struct pa_collector;
void pa_collector_deadlock(struct pa_collector *c, const struct pa_deadlock_info *info,
			   uint64_t now_ns);

#endif
