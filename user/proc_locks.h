/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * File-lock waits from /proc/locks, as wait-for edges (waitgraph.h).  The
 * kernel lists each lock held, then the requests blocked on it as "->"
 * lines (fs/locks.c, lock_get_status):
 *
 *   1: FLOCK  ADVISORY  WRITE 1234 08:02:131 0 EOF
 *   1: -> FLOCK  ADVISORY  WRITE 1235 08:02:131 0 EOF
 *
 * A lock names only a process, so the edges have holder_tid 0; the
 * blocked thread is looked up in /proc (pa_lock_waiter_tid).
 */
#ifndef PA_PROC_LOCKS_H
#define PA_PROC_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "waitgraph.h"

/* What a parse left out, line by line. */
struct pa_locks_stats {
	uint32_t lines;      /* lines seen */
	uint32_t bad_lines;  /* not in the kernel's format: skipped */
	uint32_t unknown_pid; /* a waiter or holder shown as -1 (OFD locks) or 0 (gone or
			       * in another pid namespace): no edge */
	uint32_t orphans;    /* "->" lines without their lock's line before them */
	uint32_t unsupported; /* waits on leases, delegations and the like: no edge */
	uint32_t dropped;    /* edges beyond the caller's array */
};

/*
 * The waits in text[0..len) (the whole of /proc/locks) into out[0..max):
 * one edge per blocked request, on the lock listed above it under the same
 * number (a request blocked behind another blocked request is shown
 * indented, and waits on that same lock).  proc_root ("/proc", or a fake
 * tree) resolves the blocked threads; NULL takes each waiter's pid as its
 * tid.  Returns the number of edges; stats, if not NULL, is added to.
 */
size_t pa_proc_locks_parse(const char *text, size_t len, const char *proc_root,
			   struct pa_wait_edge *out, size_t max, struct pa_locks_stats *stats);

/* The thread of process pid that is in flock(2) or fcntl(2) now, by
 * PROC_ROOT/PID/task/TID/syscall (the smallest such tid); pid when none is
 * (a single-threaded process, or not readable). */
uint32_t pa_lock_waiter_tid(const char *proc_root, uint32_t pid);

/* The whole of path (normally "/proc/locks"), NUL-terminated, into a
 * malloc'd *text of *len bytes.  0 or -errno. */
int pa_proc_locks_read(const char *path, char **text, size_t *len);

#endif
