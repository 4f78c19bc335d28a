/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Loading, attaching and reading the BPF side; the only user code that includes libbpf. */
#ifndef PA_BPF_AGENT_H
#define PA_BPF_AGENT_H

#include <stdint.h>

#include "config.h"
#include "detect_deadlock.h"
#include "detect_stuck.h"
#include "pa_events.h"
#include "syscall_stats.h"

struct agent_bpf;
struct ring_buffer;

struct pa_bpf {
	struct agent_bpf *skel;
	struct ring_buffer *rb;
	struct pa_sys_entry *sys_buf; /* --syscalls: the last map read */
	size_t sys_cap;
};

typedef int (*pa_record_fn)(void *ctx, void *data, size_t size);

/* Checks privileges and BTF, sets the tunables, loads and attaches.
 * Prints one line saying what to do on failure and returns -1. */
int pa_bpf_start(struct pa_bpf *b, const struct pa_config *cfg, pa_record_fn fn, void *ctx);
/* Follow tgid under --pid (the kernel adds its future children itself). */
int pa_bpf_follow(struct pa_bpf *b, uint32_t tgid);
/* An fd that becomes readable when the kernel forces a wake-up. */
int pa_bpf_epoll_fd(const struct pa_bpf *b);
/* Deliver every record waiting in the ring; returns how many, or -errno. */
int pa_bpf_drain(struct pa_bpf *b);
/* Total records the kernel could not put in the ring. */
uint64_t pa_bpf_lost(const struct pa_bpf *b);
/* --deadlocks: lock waits not noted because the futex_waits map was full. */
uint64_t pa_bpf_futex_overflow(const struct pa_bpf *b);
/* D-state blocks not followed because the dstate map was full. */
uint64_t pa_bpf_dstate_overflow(const struct pa_bpf *b);
void pa_bpf_stop(struct pa_bpf *b);
/* --syscalls: read the statistics map (per-CPU values summed) into s.
 * 0, or -errno. */
int pa_bpf_read_syscalls(struct pa_bpf *b, struct pa_sysstats *s);
/* The threads in D now (the dstate map): how many were copied into out. */
int pa_bpf_read_dstate(struct pa_bpf *b, struct pa_dthread *out, size_t max);
/* --deadlocks: the threads whose latest futex sleep looked like a lock
 * wait (the futex_waits map); how many were copied into out.  An entry may
 * be stale (the thread woke since): check before believing it, and forget
 * stale ones. */
int pa_bpf_read_futex_waits(struct pa_bpf *b, struct pa_futex_waiter *out, size_t max);
void pa_bpf_forget_futex_wait(struct pa_bpf *b, uint32_t tid);
/* A captured kernel stack (ctx: the struct pa_bpf): frames, or -1. */
int pa_bpf_read_stack(void *ctx, int32_t stack_id, uint64_t *ips, unsigned max);
/* A thread's time in D since tracing began, the current block included
 * (ctx: the struct pa_bpf; a pa_blocked_fn). */
uint64_t pa_bpf_blocked_ns(void *ctx, uint32_t tid, uint64_t now_ns);
/* Add the times of pid's threads that already ended (kept on its leader). */
int pa_bpf_ended_times(struct pa_bpf *b, uint32_t pid, uint64_t times[PA_NR_TIMES]);

#endif
