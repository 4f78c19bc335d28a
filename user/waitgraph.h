/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Deadlocks as cycles of a wait-for graph.  Nodes are threads; an edge says
 * that a thread waits on a resource (a mutex, a PI futex, a file lock) and
 * who holds it.  A cycle of such edges is a set of threads that can never
 * run again.  Kernel-free: the caller gathers the edges (BPF, /proc/locks,
 * futex_owner.c) and reports the cycles; the tracker says which cycles are
 * new, so that each is reported once while it lasts.
 */
#ifndef PA_WAITGRAPH_H
#define PA_WAITGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pa_wait_kind {
	PA_WAIT_MUTEX,
	PA_WAIT_PI_FUTEX,
	PA_WAIT_FLOCK,
	PA_WAIT_POSIX_LOCK,
	PA_WAIT_OFD_LOCK,
};

/* "mutex", "futex", "flock", "posix_lock", "ofd_lock"; "unknown" otherwise. */
const char *pa_wait_kind_name(enum pa_wait_kind k);

/* The file locks' device as /proc/locks shows it: the kernel's dev_t
 * layout (MAJOR = dev >> 20, MINOR = dev & 0xfffff), as in the dev and
 * s_dev fields BPF reads. */
#define PA_DEV_MINOR_BITS 20
#define PA_DEV(major, minor) (((uint32_t)(major) << PA_DEV_MINOR_BITS) | (uint32_t)(minor))

/* waiter waits on resource, which holder holds. */
struct pa_wait_edge {
	uint32_t waiter_tid;
	uint32_t waiter_tgid;
	enum pa_wait_kind kind;
	uint64_t resource;     /* futex: user address; file lock: inode */
	uint32_t resource_dev; /* file lock: PA_DEV(); 0 for futexes */
	uint32_t holder_tid;   /* 0: only the holding process is known (file locks) */
	uint32_t holder_tgid;
	uint64_t since_ns;     /* when the wait began (boot clock); 0: unknown */
};

/* Longer cycles are left out (and counted): real deadlocks are of a few
 * threads, and a report must fit one line. */
#define PA_WG_MAX_CYCLE_LEN 16
/* Cycles a search returns: the size of the caller's array (pa_wait_cycles'
 * max_cycles) that the collector uses.  Dozens of deadlocks at once is
 * already a host to look at by hand; more would only repeat the news. */
#define PA_WG_MAX_CYCLES 64
/* Bounds the search on pathological graphs (thousands of threads waiting
 * on file locks of one another's processes: every path is a candidate);
 * when it runs out, the cycles found so far are returned. */
#define PA_WG_MAX_STEPS (1u << 20)

/*
 * An elementary cycle (no thread twice), rotated so that the smallest tid
 * waits first: edges[i] is what thread i waits on, and its holder is thread
 * i + 1 (edges[(i + 1) % len].waiter_tid), the one that thread resolved to
 * when edges[i] names only a process.  len 1 is a self-deadlock: a thread
 * waits on a lock its own thread (or, for a file lock, its own process)
 * holds.
 */
struct pa_wait_cycle {
	uint32_t len;
	struct pa_wait_edge edges[PA_WG_MAX_CYCLE_LEN];
};

/* What a search left out: each non-zero count means some cycles may be
 * missing from its result. */
struct pa_wg_stats {
	uint64_t cycles_capped; /* cycles beyond max_cycles, not returned */
	uint64_t too_long;      /* paths cut at PA_WG_MAX_CYCLE_LEN threads */
	uint64_t steps_capped;  /* searches stopped at PA_WG_MAX_STEPS */
};

/*
 * The elementary cycles of edges[0..n), at most max_cycles of them into
 * out, each once, ordered by their first (smallest) tid.  An edge with
 * holder_tid 0 points to every thread of holder_tgid that waits itself (a
 * process holding a file lock is stuck only if a thread of it waits).
 * Duplicate edges count once.  Returns the number of cycles written, or
 * -ENOMEM; stats, if not NULL, is added to.
 */
int pa_wait_cycles(const struct pa_wait_edge *edges, size_t n, struct pa_wait_cycle *out,
		   size_t max_cycles, struct pa_wg_stats *stats);

/*
 * Which cycles are new.  A cycle is known by the set of (waiter tid, kind,
 * resource, device) of its edges; one that a scan does not list is
 * forgotten, so it is new again if it forms again.  A scan whose search was
 * capped (pa_wg_stats) may miss a cycle that still exists: that cycle is
 * reported again when it shows up later.
 */
struct pa_cycle_tracker;

struct pa_cycle_tracker *pa_cycle_tracker__new(void);
void pa_cycle_tracker__free(struct pa_cycle_tracker *t);
/* Sets is_new[i] for each cycles[i] that the previous update did not list
 * (false for a repeat within cycles); returns how many are new, or -ENOMEM
 * with the tracker unchanged. */
int pa_cycle_tracker__update(struct pa_cycle_tracker *t, const struct pa_wait_cycle *cycles,
			     size_t n, bool *is_new);
/* Cycles known now. */
size_t pa_cycle_tracker__count(const struct pa_cycle_tracker *t);

#endif
