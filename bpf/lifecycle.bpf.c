// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Process life cycle: fork, exec, exit, reap.  Each handler reads what it
 * needs, drops what the --pid filter does not follow, and sends one record.
 */
#include "common.bpf.h"

/* Linux include/linux/sched/signal.h; unchanged since 2.6 (a macro, so not in BTF). */
#define SIGNAL_GROUP_EXIT 0x00000004
/* include/linux/kdev_t.h: the minor number's bits inside a dev_t. */
#define MINORBITS 20

/* Masks that keep the verifier sure the exec copy stays inside the scratch
 * buffer: the filename length is below 512 and the argv length below
 * 2 * PA_ARGS_MAX. */
#define FILENAME_MASK (2 * PA_FILENAME_MAX - 1)
#define ARGS_MASK (2 * PA_ARGS_MAX - 1)
#define EXEC_SCRATCH_SIZE (sizeof(struct pa_exec_event) + 2 * PA_FILENAME_MAX + 2 * PA_ARGS_MAX)

/* An exec record is too large for the BPF stack: build it here, then copy
 * only the used bytes into the ring with bpf_ringbuf_output.  One slot per
 * CPU (sized by user space before load); not a PERCPU_ARRAY, whose values
 * are limited to 32 KiB. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[EXEC_SCRATCH_SIZE]);
} exec_scratch SEC(".maps");

/* The pid a struct pid has at a namespace level: numbers[] is a flexible
 * array indexed by a run-time level, which the verifier allows only
 * through a probe read. */
static __always_inline __u32 pid_nr_at(struct pid *pid, unsigned int level)
{
	struct upid up = {};

	if (!pid)
		return 0;
	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[level]);
	return up.nr;
}

/* A device number as stat(2) and /proc/PID/stat show it: new_encode_dev()
 * of include/linux/kdev_t.h. */
static __always_inline __u32 encode_dev(__u32 major, __u32 minor)
{
	minor &= (1U << MINORBITS) - 1;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* /proc/PID/stat's tty_nr: MKDEV(major, minor_start + index) (fs/proc/array.c). */
static __always_inline __u32 tty_nr_of(struct signal_struct *sig)
{
	struct tty_struct *tty = sig->tty;

	if (!tty)
		return 0;
	return encode_dev(tty->driver->major, tty->driver->minor_start + tty->index);
}

/* The working directory's key (pa_events.h): its inode and the device
 * stat(2) reports for it (the superblock's). */
static __always_inline __u32 cwd_key_of(struct task_struct *task)
{
	struct fs_struct *fs = task->fs;
	struct inode *inode;
	__u32 dev;

	if (!fs)
		return 0;
	inode = fs->pwd.dentry->d_inode;
	if (!inode)
		return 0;
	dev = inode->i_sb->s_dev;
	return pa_cwd_key(encode_dev(dev >> MINORBITS, dev), inode->i_ino);
}

/*
 * Identity facts of task's process.  The session's struct pid is read at
 * level 0 (the initial namespace, where the agent sees pids); the
 * process's own pid at its deepest level, as the process itself sees it.
 * The cgroup's leaf name is enough to tell a container's scope; the full
 * path would need a walk of unbounded depth.
 */
static __always_inline void fill_ids(struct pa_task_ids *ids, struct task_struct *task)
{
	struct task_struct *leader = task->group_leader;
	const struct cred *cred = task->real_cred;
	struct signal_struct *sig = task->signal;
	struct pid *pid = leader->thread_pid;

	ids->uid = cred->uid.val;
	ids->euid = cred->euid.val;
	ids->gid = cred->gid.val;
	ids->egid = cred->egid.val;
	ids->sid = pid_nr_at(sig->pids[PIDTYPE_SID], 0);
	ids->vpid = pid ? pid_nr_at(pid, pid->level) : 0;
	ids->tty_nr = tty_nr_of(sig);
	ids->cwd_key = cwd_key_of(task);
	/* The read leaves the room past the NUL as it was (a ring buffer's
	 * older records): zeroed, it costs the record file nothing. */
	__builtin_memset(ids->cgroup, 0, sizeof(ids->cgroup));
	if (bpf_probe_read_kernel_str(ids->cgroup, sizeof(ids->cgroup),
				      task->cgroups->dfl_cgrp->kn->name) <= 0)
		ids->cgroup[0] = '\0';
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = parent->tgid;
	__u32 child_tgid = child->tgid;
	struct pa_fork_event *e;

	if (!tgid_followed(parent_tgid))
		return 0;
	if (filter_by_pid && child_tgid != parent_tgid) {
		__u8 yes = 1;

		bpf_map_update_elem(&traced_tgids, &child_tgid, &yes, BPF_ANY);
	}

	e = reserve_record(sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->hdr, PA_EV_FORK, sizeof(*e), child);
	if (child_tgid == parent_tgid)
		e->hdr.flags |= PA_F_THREAD;
	e->parent_pid = parent->pid;
	e->parent_tgid = parent_tgid;
	e->parent_start_ns = parent->group_leader->start_boottime;
	e->task_start_ns = child->start_boottime;
	fill_ids(&e->ids, child);
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
	return 0;
}

/* Copy argv from the new mm's argument area in one read. At this
 * tracepoint the kernel has just written those pages, so they are present
 * and a non-sleeping read succeeds. */
static __always_inline __u32 read_args(struct pa_exec_event *e, char *dst,
				       struct task_struct *task)
{
	unsigned long arg_start = task->mm->arg_start;
	unsigned long arg_end = task->mm->arg_end;
	__u64 len = arg_end > arg_start ? arg_end - arg_start : 0;

	if (len > args_max_bytes) {
		len = args_max_bytes;
		e->hdr.flags |= PA_F_ARGS_TRUNC;
	}
	len &= ARGS_MASK;
	if (len && bpf_probe_read_user(dst, len, (void *)arg_start)) {
		e->hdr.flags |= PA_F_ARGS_FAULT;
		return 0;
	}
	return len;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct pa_exec_event *e;
	long name_len;
	__u32 args_len;
	__u64 size;

	if (!tgid_followed(task->tgid))
		return 0;
	e = bpf_map_lookup_elem(&exec_scratch, &cpu);
	if (!e)
		return 0;

	fill_header(&e->hdr, PA_EV_EXEC, 0, task);
	e->old_pid = old_pid;
	e->argc = bprm->argc;
	e->reserved = 0;
	fill_ids(&e->ids, task);

	name_len = bpf_probe_read_kernel_str(e->data, PA_FILENAME_MAX, bprm->filename);
	if (name_len <= 0) {
		e->data[0] = '\0';
		name_len = 1;
	}
	name_len &= FILENAME_MASK;
	args_len = read_args(e, e->data + name_len, task);

	e->filename_len = name_len;
	e->args_len = args_len;
	size = sizeof(*e) + name_len + args_len;
	e->hdr.size = size;
	if (size > EXEC_SCRATCH_SIZE)
		return 0; /* cannot happen; tells the verifier the bound */
	if (bpf_ringbuf_output(&events, e, size, ringbuf_wakeup_flags()))
		count_lost();
	return 0;
}

/* The process's wait(2) status, as its parent will see it. */
static __always_inline __u32 exit_status_of(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;

	if (sig->flags & SIGNAL_GROUP_EXIT)
		return sig->group_exit_code;
	return task->group_leader->exit_code;
}

/* Where the thread's life went.  On-CPU and runnable time are the
 * scheduler's own accounts (what /proc/PID/schedstat shows), D time ours
 * (sched.bpf.c, since tracing began), sleeping the rest.  The last
 * thread's record carries the whole process's: threads that ended before
 * it left theirs on the group leader, whose task_struct lives until the
 * process is reaped. */
static __always_inline void thread_times(struct pa_exit_event *e, struct task_struct *task)
{
	struct pa_task_sched *ts = bpf_task_storage_get(&sched_of, task, NULL, 0);
	__u64 life = e->hdr.ts_ns - task->start_boottime, used;

	e->time_ns[PA_T_RUNNING] = task->se.sum_exec_runtime;
	e->time_ns[PA_T_RUNNABLE] = bpf_core_field_exists(task->sched_info.run_delay) ?
					    task->sched_info.run_delay : 0;
	e->time_ns[PA_T_BLOCKED] = ts ? ts->blocked_ns : 0;
	used = e->time_ns[PA_T_RUNNING] + e->time_ns[PA_T_RUNNABLE] + e->time_ns[PA_T_BLOCKED];
	e->time_ns[PA_T_SLEEPING] = life > used ? life - used : 0;
}

static __always_inline void fill_times(struct pa_exit_event *e, struct task_struct *task,
				       bool group_dead)
{
	__u64 *ended;
	int i;

	thread_times(e, task);
	ended = bpf_task_storage_get(&ended_times, task->group_leader, NULL,
				     group_dead ? 0 : BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ended)
		return;
	for (i = 0; i < PA_NR_TIMES; i++) {
		if (group_dead)
			e->time_ns[i] += ended[i];
		else
			__sync_fetch_and_add(&ended[i], e->time_ns[i]);
	}
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct pa_exit_event *e;
	bool group_dead;

	if (!tgid_followed(tgid))
		return 0;
	if (exit_has_group_dead)
		group_dead = ctx[1];
	else /* older kernels: may report twice when threads race; user space dedups */
		group_dead = task->signal->live.counter == 0;

	e = reserve_record(sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->hdr, PA_EV_EXIT, sizeof(*e), task);
	if (group_dead)
		e->hdr.flags |= PA_F_GROUP_DEAD;
	if (task->pid != tgid)
		e->hdr.flags |= PA_F_THREAD;
	e->exit_status = group_dead ? exit_status_of(task) : task->exit_code;
	e->reserved = 0;
	e->task_start_ns = task->start_boottime;
	fill_times(e, task, group_dead);
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
	return 0;
}

/* Fires for every task after an RCU grace period once it was released; a
 * leader's release means its parent (or init) has reaped the process. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(handle_free, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct pa_free_event *e;

	if (task->pid != tgid)
		return 0;
	if (!tgid_followed(tgid))
		return 0;
	if (filter_by_pid)
		bpf_map_delete_elem(&traced_tgids, &tgid);

	e = reserve_record(sizeof(*e));
	if (!e)
		return 0;
	fill_header(&e->hdr, PA_EV_FREE, sizeof(*e), task);
	bpf_ringbuf_submit(e, ringbuf_wakeup_flags());
	return 0;
}
