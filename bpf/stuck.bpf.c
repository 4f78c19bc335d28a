// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Threads stuck in D state.  On every context switch: a thread leaving the
 * CPU uninterruptibly gets an entry (entry time, kernel stack) in dstate;
 * a thread coming back onto the CPU loses its entry.  Nothing is sent per
 * switch: user space scans dstate, which holds only the threads blocked
 * right now, and hears from us only when a long block ends.
 */
#include "common.bpf.h"
#include "core_fixes.bpf.h"

/* include/linux/sched.h; unchanged since 4.14 */
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NOLOAD 0x0400 /* D that is really idle: shown as I, never stuck */
#define E2BIG 7

/* Threads blocked at once that we can follow; more is a machine in deep
 * trouble, and the overflow is counted. */
#define PA_MAX_DSTATE 16384
#define PA_MAX_STACKS 8192

const volatile __u64 stuck_after_ns = 10ULL * 1000000000ULL;
/* sched_switch has a prev_state argument since Linux 5.18. */
const volatile bool switch_has_prev_state = false;

__u64 dstate_overflow = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_DSTATE);
	__type(key, __u32);
	__type(value, struct pa_dstate);
} dstate SEC(".maps");

/* Per task: is it in dstate?  A task-local look-up on the next task costs
 * a pointer test for the many that never blocked in D, where a dstate
 * hash look-up on every switch-in would cost a hash. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} in_dstate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PA_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PA_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

static __always_inline void report_unstuck(struct task_struct *task, const struct pa_dstate *d,
					   __u64 now)
{
	struct pa_unstuck_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_lost();
		return;
	}
	fill_header(&e->hdr, PA_EV_UNSTUCK, sizeof(*e), task);
	e->d_since_ns = d->since_ns;
	e->blocked_ns = now - d->since_ns;
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 next_tid = next->pid, prev_tid = prev->pid;
	unsigned int prev_state;
	struct pa_dstate *d;
	__u64 now = 0, *mark;

	mark = bpf_task_storage_get(&in_dstate, next, NULL, 0);
	if (mark && *mark) {
		*mark = 0;
		d = bpf_map_lookup_elem(&dstate, &next_tid);
		if (d) {
			now = bpf_ktime_get_boot_ns();
			if (now - d->since_ns >= stuck_after_ns && tgid_followed(next->tgid))
				report_unstuck(next, d, now);
			bpf_map_delete_elem(&dstate, &next_tid);
		}
	}

	if (preempt)
		return 0;
	prev_state = switch_has_prev_state ? (unsigned int)ctx[3] : task_state(prev);
	if (!(prev_state & TASK_UNINTERRUPTIBLE) || (prev_state & TASK_NOLOAD))
		return 0;
	if (!tgid_followed(prev->tgid))
		return 0;

	struct pa_dstate entry = {
		.since_ns = now ? now : bpf_ktime_get_boot_ns(),
		.tgid = prev->tgid,
		/* prev is current here: this is the stack it blocked in. */
		.stack_id = bpf_get_stackid(ctx, &stacks, 0),
	};

	if (bpf_map_update_elem(&dstate, &prev_tid, &entry, BPF_NOEXIST) == -E2BIG) {
		__sync_fetch_and_add(&dstate_overflow, 1);
		return 0;
	}
	mark = bpf_task_storage_get(&in_dstate, prev, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (mark)
		*mark = 1;
	return 0;
}

/* The kernel's own watchdog (khungtaskd) found a task in D for
 * hung_task_timeout_secs: pass its verdict on. */
SEC("tp_btf/sched_process_hang")
int BPF_PROG(handle_hang, struct task_struct *task)
{
	struct pa_hung_event *e;

	if (!tgid_followed(task->tgid))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_header(&e->hdr, PA_EV_HUNG, sizeof(*e), task);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}
