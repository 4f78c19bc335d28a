/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every BPF program of the agent shares: the ring buffer, the pid
 * filter, the tunables set from user space before load, and the helpers
 * that fill a record header.  The maps and globals are defined once, in
 * maps.bpf.c; every other object sees them through these extern
 * declarations and `bpftool gen object` links them into one.
 */
#ifndef PA_COMMON_BPF_H
#define PA_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "pa_events.h"

/* Max processes the kernel-side --pid filter can follow at once. */
#define PA_MAX_TRACED 65536

#ifdef PA_DEFINE_MAPS
#define PA_EXTERN
#else
#define PA_EXTERN extern
#endif

PA_EXTERN struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized from --ringbuf-size before load */
} events SEC(".maps");

/* tgids followed under --pid; children are added at fork. */
PA_EXTERN struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_TRACED);
	__type(key, __u32);
	__type(value, __u8);
} traced_tgids SEC(".maps");


PA_EXTERN struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pa_task_sched);
} sched_of SEC(".maps");

/* Per process (on its group leader): the times of its threads that ended. */
PA_EXTERN struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64[PA_NR_TIMES]);
} ended_times SEC(".maps");

/* Set by user space before load (skel->rodata). */
PA_EXTERN const volatile bool filter_by_pid;
/* Force a consumer wake-up once this many bytes wait in the ring; below it
 * the consumer drains on its own timer (see user/event_loop.c for why). */
PA_EXTERN const volatile __u64 wakeup_bytes;
PA_EXTERN const volatile __u32 args_max_bytes;
/* sched_process_exit has a group_dead argument (Linux 6.x): probed from BTF
 * in user space, since reading a missing tracepoint argument fails the verifier. */
PA_EXTERN const volatile bool exit_has_group_dead;

/* --transitions: a state event for every change of followed processes. */
PA_EXTERN const volatile bool all_transitions;

/* Records that did not fit in the ring buffer; read by user space through
 * the mmap'd .bss and reported as `lost` events. */
PA_EXTERN __u64 lost_events;

static __always_inline bool tgid_followed(__u32 tgid)
{
	if (!filter_by_pid)
		return true;
	return bpf_map_lookup_elem(&traced_tgids, &tgid) != NULL;
}

static __always_inline void count_lost(void)
{
	__sync_fetch_and_add(&lost_events, 1);
}

/* Room in the ring for a record of size bytes, or NULL with the loss
 * counted (user space reports it as a `lost` event). */
static __always_inline void *reserve_record(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		count_lost();
	return e;
}

/* Flags for bpf_ringbuf_submit/output: no wake-up per record, which costs
 * ~15 µs each, unless the ring is filling up. */
static __always_inline __u64 ringbuf_wakeup_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * The tp_btf handlers get BTF-typed task pointers: plain member loads are
 * CO-RE relocated (vmlinux.h marks every struct preserve_access_index) and
 * compile to direct loads the verifier guards, several times cheaper than
 * one bpf_probe_read_kernel call per field as BPF_CORE_READ would make.
 */
static __always_inline void fill_header(struct pa_event_header *hdr, __u16 type,
					__u16 size, struct task_struct *task)
{
	hdr->type = type;
	hdr->size = size;
	hdr->flags = 0;
	hdr->ts_ns = bpf_ktime_get_boot_ns();
	hdr->pid = task->pid;
	hdr->tgid = task->tgid;
	hdr->ppid = task->real_parent->tgid;
	hdr->reserved = 0;
	hdr->start_ns = task->group_leader->start_boottime;
	__builtin_memcpy(hdr->comm, task->comm, sizeof(hdr->comm));
}

#endif /* PA_COMMON_BPF_H */
