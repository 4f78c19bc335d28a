// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Scheduler states.  Every context switch and wake-up updates the thread's
 * task-local state and time-in-state; nothing is sent per switch.  Sent:
 * changes into and out of T and t (and every change of followed processes
 * under --transitions), and the end of a long D block.  Threads in D right
 * now are kept in dstate (entry time, kernel stack), which user space scans
 * for stuck threads.
 */
#include "common.bpf.h"
#include "core_fixes.bpf.h"

/* include/linux/sched.h; unchanged since 4.14 */
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define __TASK_STOPPED 0x0004
#define __TASK_TRACED 0x0008
#define TASK_NOLOAD 0x0400 /* D that is really idle: shown as I, never stuck */
#define JOBCTL_STOP_SIGMASK 0xffff /* include/linux/sched/jobctl.h */
#define E2BIG 7

/* Threads blocked at once that we can follow; more is a machine in deep
 * trouble, and the overflow is counted. */
#define PA_MAX_DSTATE 16384
#define PA_MAX_STACKS 8192

/* Our letter for "on a CPU": ps shows R for both running and runnable,
 * but their times go in different buckets. */
#define ON_CPU 'r'

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

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PA_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PA_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* The ps letter for the state a task leaves the CPU in. */
static __always_inline __u8 state_letter(unsigned int s)
{
	if (s & __TASK_TRACED)
		return 't';
	if (s & __TASK_STOPPED)
		return 'T';
	if (s & TASK_UNINTERRUPTIBLE)
		return (s & TASK_NOLOAD) ? 'I' : 'D';
	if (s & TASK_INTERRUPTIBLE)
		return 'S';
	if (s == 0)
		return 'R';
	return 'S'; /* parked kthreads and the like: asleep */
}

static __always_inline bool is_stopped(__u8 s)
{
	return s == 'T' || s == 't';
}

static __always_inline void report_state(struct task_struct *task, __u8 from, __u8 to, __u64 from_ns)
{
	struct pa_state_event *e;

	if (from == to || !tgid_followed(task->tgid))
		return;
	if (!all_transitions && !is_stopped(from) && !is_stopped(to))
		return;
	/* Under --transitions, ps-level changes only: on-CPU and runnable
	 * are both R. */
	if (from == ON_CPU)
		from = 'R';
	if (to == ON_CPU)
		to = 'R';
	if (from == to)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return;
	}
	fill_header(&e->hdr, PA_EV_STATE, sizeof(*e), task);
	e->from = from;
	e->to = to;
	e->stop_signal = is_stopped(to) ? (task->jobctl & JOBCTL_STOP_SIGMASK) : 0;
	e->reserved = 0;
	e->from_ns = from_ns;
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
}

/* Move ts to a new state at now, accounting the old one. */
static __always_inline void enter(struct task_struct *task, struct task_sched *ts, __u8 to, __u64 now)
{
	__u8 from = ts->state;
	__u64 from_ns = now > ts->since_ns ? now - ts->since_ns : 0;

	account(ts, now);
	ts->state = to;
	if (from)
		report_state(task, from, to, from_ns);
}

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

/* The thread left D (it was woken, or runs again): drop its dstate entry. */
static __always_inline void leave_dstate(struct task_struct *task, struct task_sched *ts, __u64 now)
{
	__u32 tid = task->pid;
	struct pa_dstate *d;

	if (!ts->in_dstate)
		return;
	ts->in_dstate = 0;
	d = bpf_map_lookup_elem(&dstate, &tid);
	if (!d)
		return;
	if (now - d->since_ns >= stuck_after_ns && tgid_followed(task->tgid))
		report_unstuck(task, d, now);
	bpf_map_delete_elem(&dstate, &tid);
}

static __always_inline void enter_dstate(void *ctx, struct task_struct *task, struct task_sched *ts,
					 __u64 now)
{
	__u32 tid = task->pid;
	struct pa_dstate entry = {
		.since_ns = now,
		.tgid = task->tgid,
		/* task is current here: this is the stack it blocked in. */
		.stack_id = bpf_get_stackid(ctx, &stacks, 0),
	};

	if (!tgid_followed(task->tgid))
		return;
	if (bpf_map_update_elem(&dstate, &tid, &entry, BPF_NOEXIST) == -E2BIG) {
		__sync_fetch_and_add(&dstate_overflow, 1);
		return;
	}
	ts->in_dstate = 1;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct task_sched *ts;
	unsigned int prev_state;
	__u8 to;

	prev_state = switch_has_prev_state ? (unsigned int)ctx[3] : task_state(prev);
	to = preempt ? 'R' : state_letter(prev_state);
	ts = bpf_task_storage_get(&sched_of, prev, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts) {
		enter(prev, ts, to, now);
		if (to == 'D')
			enter_dstate(ctx, prev, ts, now);
	}

	ts = bpf_task_storage_get(&sched_of, next, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts) {
		leave_dstate(next, ts, now);
		enter(next, ts, ON_CPU, now);
	}
	return 0;
}

static __always_inline int on_wakeup(struct task_struct *p)
{
	struct task_sched *ts = bpf_task_storage_get(&sched_of, p, NULL, 0);
	__u64 now;

	if (!ts || ts->state == 'R' || ts->state == ON_CPU)
		return 0;
	now = bpf_ktime_get_boot_ns();
	leave_dstate(p, ts, now);
	enter(p, ts, 'R', now);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(handle_wakeup, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(handle_wakeup_new, struct task_struct *p)
{
	return on_wakeup(p);
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
