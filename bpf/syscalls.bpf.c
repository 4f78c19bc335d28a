// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --syscalls: per-process system call statistics, counted in the kernel.
 * Every syscall of every thread passes here twice, so nothing goes to the
 * ring buffer: sys_enter keeps the entry time in the thread's task storage
 * (one pointer lookup, no hash), sys_exit adds to a per-CPU hash keyed by
 * {tgid, nr} (no atomics, no cache line shared between CPUs).  User space
 * reads the hash once per --syscalls-every and sums the CPUs
 * (user/syscall_stats.c).  Loaded only with --syscalls (bpf_agent.c).
 */
#include "common.bpf.h"

#define E2BIG 7
/* ret in [-MAX_ERRNO, -1] is an error (include/linux/err.h). */
#define MAX_ERRNO 4095
/* {process, syscall} pairs kept; past it new pairs are only counted in
 * syscall_overflow.  Entries of ended processes stay until the agent exits
 * so that the exit summary covers them. */
#define PA_MAX_SYSCALL_KEYS 65536

struct sys_slot {
	__u64 enter_ns; /* 0: not inside a syscall we saw enter */
	__u64 nr;
};

__u64 syscall_overflow = 0;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sys_slot);
} sys_slot_of SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PA_MAX_SYSCALL_KEYS);
	__type(key, struct pa_sys_key);
	__type(value, struct pa_sys_val);
} sys_stats SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(handle_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sys_slot *s;

	if (filter_by_pid && !tgid_followed(task->tgid))
		return 0;
	s = bpf_task_storage_get(&sys_slot_of, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	s->nr = id;
	s->enter_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sys_slot *s = bpf_task_storage_get(&sys_slot_of, task, NULL, 0);
	struct pa_sys_key key;
	struct pa_sys_val *v;
	__u64 delta;
	bool err = ret < 0 && ret >= -MAX_ERRNO;

	if (!s || !s->enter_ns)
		return 0;
	delta = bpf_ktime_get_ns() - s->enter_ns;
	s->enter_ns = 0;
	key.tgid = task->tgid;
	key.nr = (__u32)s->nr;
	v = bpf_map_lookup_elem(&sys_stats, &key);
	if (v) {
		v->count++;
		v->errors += err;
		v->time_ns += delta;
		return 0;
	}
	{
		struct pa_sys_val init = { .count = 1, .errors = err, .time_ns = delta };

		if (bpf_map_update_elem(&sys_stats, &key, &init, BPF_NOEXIST) == -E2BIG)
			__sync_fetch_and_add(&syscall_overflow, 1);
	}
	return 0;
}
