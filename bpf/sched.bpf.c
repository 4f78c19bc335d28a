// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Scheduler states, from sched_switch alone.  A thread that only runs and
 * sleeps costs one task-storage pointer test per switch: only threads
 * entering D, T or t (or any state, for followed processes under
 * --transitions) get task-local state.  Sent: changes into and out of T and
 * t (every change under --transitions), and the end of a long D block.
 * Threads in D right now are kept in dstate (entry time, kernel stack),
 * which user space scans for stuck threads.  Time on CPU and runnable comes
 * from the kernel's own accounting at exit (lifecycle.bpf.c).
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

/* include/uapi/linux/futex.h */
#define FUTEX_WAIT 0
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_LOCK_PI2 13
#define FUTEX_CMD_MASK 0x7f /* without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */
#define FUTEX_WAITERS 0x80000000
/* glibc's lll_lock_wait sleeps on a mutex word of 2: "locked, with waiters". */
#define GLIBC_LOCKED_CONTENDED 2
#define NR_FUTEX_X86_64 202

/* Threads blocked at once that we can follow; more is a machine in deep
 * trouble, and the overflow is counted. */
#define PA_MAX_DSTATE 16384
#define PA_MAX_STACKS 8192

const volatile __u64 stuck_after_ns = 10ULL * 1000000000ULL;
/* sched_switch has a prev_state argument since Linux 5.18. */
const volatile bool switch_has_prev_state = false;

/* --deadlocks: note lock-like futex sleeps in futex_waits. */
const volatile bool track_futex_waits = false;

__u64 dstate_overflow = 0;
__u64 futex_overflow = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_FUTEX_WAITS);
	__type(key, __u32);
	__type(value, struct pa_futex_wait);
} futex_waits SEC(".maps");

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

	if (from == to)
		return;
	e = reserve_record(sizeof(*e));
	if (!e)
		return;
	fill_header(&e->hdr, PA_EV_STATE, sizeof(*e), task);
	e->from = from;
	e->to = to;
	e->stop_signal = is_stopped(to) ? (task->jobctl & JOBCTL_STOP_SIGMASK) : 0;
	e->reserved = 0;
	e->from_ns = from_ns;
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
}

static __always_inline void report_unstuck(struct task_struct *task, const struct pa_dstate *d,
					   __u64 now)
{
	struct pa_unstuck_event *e = reserve_record(sizeof(*e));

	if (!e)
		return;
	fill_header(&e->hdr, PA_EV_UNSTUCK, sizeof(*e), task);
	e->d_since_ns = d->since_ns;
	e->blocked_ns = now - d->since_ns;
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
}

/* The thread runs again after a D block: drop its dstate entry, count the
 * block, and tell user space if it was long. */
static __always_inline void leave_dstate(struct task_struct *task, struct pa_task_sched *ts, __u64 now)
{
	__u32 tid = task->pid;
	struct pa_dstate *d;

	ts->in_dstate = 0;
	ts->blocked_ns += now - ts->since_ns;
	d = bpf_map_lookup_elem(&dstate, &tid);
	if (!d)
		return;
	if (now - d->since_ns >= stuck_after_ns)
		report_unstuck(task, d, now);
	bpf_map_delete_elem(&dstate, &tid);
}

static __always_inline void enter_dstate(void *ctx, struct task_struct *task, struct pa_task_sched *ts,
					 __u64 now)
{
	__u32 tid = task->pid;
	struct pa_dstate entry = {
		.since_ns = now,
		.tgid = task->tgid,
		/* task is current here: this is the stack it blocked in. */
		.stack_id = bpf_get_stackid(ctx, &stacks, 0),
	};

	if (bpf_map_update_elem(&dstate, &tid, &entry, BPF_NOEXIST) == -E2BIG) {
		__sync_fetch_and_add(&dstate_overflow, 1);
		return;
	}
	ts->in_dstate = 1;
}

/* next gets the CPU.  Only a thread we marked has work here. */
static __always_inline void switch_in(struct task_struct *next)
{
	struct pa_task_sched *ts = bpf_task_storage_get(&sched_of, next, NULL, 0);
	__u64 now;

	if (!ts || !ts->state)
		return;
	now = bpf_ktime_get_boot_ns();
	if (ts->in_dstate)
		leave_dstate(next, ts, now);
	if (is_stopped(ts->state) || all_transitions)
		report_state(next, ts->state, 'R', now - ts->since_ns);
	/* Back to nothing to follow, unless --transitions follows it all. */
	ts->state = all_transitions ? 'R' : 0;
	ts->since_ns = now;
}

/*
 * prev goes to sleep: if it sleeps in a futex call that waits for a lock,
 * note the call's arguments, read from the registers saved at the system
 * call's entry (no syscall tracepoint needed).  Condition variables and
 * semaphores wait on other values and are not noted.
 */
static __always_inline void note_futex_wait(struct task_struct *prev)
{
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	struct pa_futex_wait w;
	__u32 tid = prev->pid, cmd;

	if (!regs || regs->orig_ax != NR_FUTEX_X86_64)
		return;
	w.op = regs->si;
	w.val = regs->dx;
	cmd = w.op & FUTEX_CMD_MASK;
	if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) {
		if (w.val != GLIBC_LOCKED_CONTENDED && !(w.val & FUTEX_WAITERS))
			return;
	} else if (cmd != FUTEX_LOCK_PI && cmd != FUTEX_LOCK_PI2) {
		return;
	}
	if (!tgid_followed(prev->tgid))
		return;
	w.uaddr = regs->di;
	w.since_ns = bpf_ktime_get_boot_ns();
	w.tgid = prev->tgid;
	w.reserved = 0;
	if (bpf_map_update_elem(&futex_waits, &tid, &w, BPF_ANY) == -E2BIG)
		__sync_fetch_and_add(&futex_overflow, 1);
#endif
}

/* prev leaves the CPU in state `to`. */
static __always_inline void switch_out(void *ctx, struct task_struct *prev, __u8 to)
{
	bool interesting = to == 'D' || is_stopped(to);
	struct pa_task_sched *ts;
	__u64 now, from_ns;
	__u8 from;

	if (to == 'S' && track_futex_waits)
		note_futex_wait(prev);
	/* The common case: running or sleeping, nobody asked for more. */
	if (!interesting && !all_transitions)
		return;
	if (!tgid_followed(prev->tgid))
		return;
	ts = bpf_task_storage_get(&sched_of, prev, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts)
		return;
	now = bpf_ktime_get_boot_ns();
	from = ts->state ? ts->state : 'R';
	from_ns = ts->state ? now - ts->since_ns : 0;
	ts->state = to;
	ts->since_ns = now;
	if (to == 'D')
		enter_dstate(ctx, prev, ts, now);
	if (is_stopped(to) || all_transitions)
		report_state(prev, from, to, from_ns);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(handle_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	unsigned int prev_state;

	switch_in(next);
	if (preempt) {
		switch_out(ctx, prev, 'R');
		return 0;
	}
	prev_state = switch_has_prev_state ? (unsigned int)ctx[3] : task_state(prev);
	switch_out(ctx, prev, state_letter(prev_state));
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
	e = reserve_record(sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->hdr, PA_EV_HUNG, sizeof(*e), task);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}
