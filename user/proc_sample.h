/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the live view shows of a process beyond what events tell: its
 * CPU share, its user, whether it ran lately, and where its threads' time
 * went.  Read from /proc once a second for the processes in the table, as
 * top and htop do; the events keep the tree itself exact between samples.
 */
#ifndef PA_PROC_SAMPLE_H
#define PA_PROC_SAMPLE_H

#include <stdint.h>

#include "proc_table.h"

/* Sample one process: p->sample, and p->state and p->nr_threads as /proc
 * shows them now.  A process whose pid now names another life (start time
 * differs) is not touched: -ESRCH.  0, or -errno when it is gone. */
int pa_sample_proc(int proc_root_fd, struct pa_proc *p, uint64_t now_ns);
/* Every live process of the table; the number sampled, or -errno when
 * proc_root cannot be opened. */
int pa_sample_table(struct pa_table *t, const char *proc_root, uint64_t now_ns);

/* A thread's time in D so far, as the kernel counted it (BPF task storage). */
typedef uint64_t (*pa_blocked_fn)(void *ctx, uint32_t tid, uint64_t now_ns);

/* Where the live threads of process pid spent their lives until now_ns,
 * added to times[]: on a CPU and runnable from each thread's schedstat,
 * in D from blocked() (NULL: not known, counted as sleeping), sleeping the
 * rest.  0, or -errno when the process is gone. */
int pa_sample_thread_times(const char *proc_root, uint32_t pid, uint64_t now_ns,
			   pa_blocked_fn blocked, void *ctx, uint64_t times[PA_NR_TIMES]);

#endif
