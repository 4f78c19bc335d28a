// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --failed-execs: an execve/execveat that returned an error, with the
 * filename the caller asked for.  No scheduler tracepoint fires for a
 * failed exec, so this runs at every system call's exit (the raw
 * sys_exit tracepoint: the per-syscall ones need tracefs mounted, which
 * many servers do not have) and looks only at the exec calls.  Any
 * syscall tracepoint sends every system call of the box through the
 * kernel's traced path, which is why this is an option (bpf_agent.c
 * loads it only when asked).  The arguments are still in the saved user
 * registers at exit: a failed exec changed nothing but the return value.
 */
#include "common.bpf.h"

#define MAX_ERRNO 4095
/* arch/x86/entry/syscalls/syscall_64.tbl */
#define NR_EXECVE_X86_64 59
#define NR_EXECVEAT_X86_64 322

SEC("tp_btf/sys_exit")
int BPF_PROG(handle_exec_failed, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task;
	struct pa_exec_failed_event *e;
	unsigned long filename;

	if (ret >= 0 || ret < -MAX_ERRNO)
		return 0;
	if (regs->orig_ax == NR_EXECVE_X86_64)
		filename = regs->di;
	else if (regs->orig_ax == NR_EXECVEAT_X86_64)
		filename = regs->si;
	else
		return 0;
	task = bpf_get_current_task_btf();
	if (!tgid_followed(task->tgid))
		return 0;
	e = reserve_record(sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->hdr, PA_EV_EXEC_FAILED, sizeof(*e), task);
	e->error = -ret;
	e->reserved = 0;
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), (void *)filename) <= 0)
		e->filename[0] = '\0';
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
#endif
	return 0;
}
