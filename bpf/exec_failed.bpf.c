// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --failed-execs: an execve/execveat that returned an error, with the
 * filename the caller asked for.  No scheduler tracepoint fires for a
 * failed exec, so this needs the per-syscall tracepoints; switching any of
 * them on sends every system call of every task through the kernel's
 * traced path, which is why it is an option (bpf_agent.c loads these
 * programs only when asked).
 */
#include "common.bpf.h"

/* Execs in flight at once (one per thread in the call). */
#define PA_MAX_EXECS_IN_FLIGHT 10240
#define MAX_ERRNO 4095

/* tid -> the user pointer to the filename it passed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PA_MAX_EXECS_IN_FLIGHT);
	__type(key, __u32);
	__type(value, __u64);
} exec_filename SEC(".maps");

static __always_inline void remember(__u64 filename)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;

	if (!tgid_followed(pid_tgid >> 32))
		return;
	bpf_map_update_elem(&exec_filename, &tid, &filename, BPF_ANY);
}

SEC("tracepoint/syscalls/sys_enter_execve")
int handle_execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	remember(ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int handle_execveat_enter(struct trace_event_raw_sys_enter *ctx)
{
	remember(ctx->args[1]);
	return 0;
}

static __always_inline void finish(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pa_exec_failed_event *e;
	__u64 *filename = bpf_map_lookup_elem(&exec_filename, &tid);

	if (!filename)
		return;
	if (ret >= 0 || ret < -MAX_ERRNO)
		goto done;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		goto done;
	}
	fill_header(&e->hdr, PA_EV_EXEC_FAILED, sizeof(*e), bpf_get_current_task_btf());
	e->error = -ret;
	e->reserved = 0;
	/* The caller's memory is still its own after a failed exec. */
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), (void *)*filename) <= 0)
		e->filename[0] = '\0';
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
done:
	bpf_map_delete_elem(&exec_filename, &tid);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int handle_execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	finish(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int handle_execveat_exit(struct trace_event_raw_sys_exit *ctx)
{
	finish(ctx->ret);
	return 0;
}
