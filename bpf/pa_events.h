/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The event ABI: the only contract between the BPF programs (bpf/) and the
 * collector (user/).  Fixed-width types only, so that a record means the
 * same on every architecture and can be written to a file and read back.
 *
 * Every record starts with struct pa_event_header; hdr.size is the length of
 * the whole record, so a reader can skip a type it does not know.  Change a
 * layout only together with PA_ABI_VERSION.
 */
#ifndef PA_EVENTS_H
#define PA_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* 2: exit records carry time-in-state; state and stuck records.
 * 3: fork and exec records carry the task's identity (struct pa_task_ids).
 * 4: signal and failed-exec records. */
#define PA_ABI_VERSION 4

#define PA_COMM_LEN 16
/* Bytes of bprm->filename kept; PATH_MAX is 4096 but real exec paths are short. */
#define PA_FILENAME_MAX 256
/* Hard cap of the argv bytes one exec event may carry (a power of two so
 * the BPF side can bound the copy with a mask). The run-time limit
 * (--max-args-bytes) is at most this. */
#define PA_ARGS_MAX 32768
#define PA_ARGS_DEFAULT 4096
/* Bytes of the cgroup v2 leaf name kept, its NUL included.  The longest
 * container scope, "cri-containerd-<64 hex>.scope", has 85. */
#define PA_CGROUP_NAME_LEN 96

enum pa_event_type {
	PA_EV_FORK = 1, /* a task was created: a process, or a thread (PA_F_THREAD) */
	PA_EV_EXEC = 2, /* a successful execve/execveat */
	PA_EV_EXIT = 3, /* a task exited; PA_F_GROUP_DEAD when it was the last thread */
	PA_EV_FREE = 4, /* a thread-group leader was reaped and freed */
	PA_EV_UNSTUCK = 5, /* a thread left D state after at least stuck_after_ns */
	PA_EV_HUNG = 6,    /* the kernel's hung-task detector reported a thread */
	PA_EV_STATE = 7,   /* a thread changed scheduler state (see pa_state_event) */
	PA_EV_SIGNAL = 8,  /* a signal generated, or delivered (PA_F_SIG_DELIVER) */
	PA_EV_EXEC_FAILED = 9, /* execve/execveat returned an error (--failed-execs) */
	PA_EV_TYPE_MAX,
};

#define PA_F_THREAD (1u << 0)      /* fork/exit: the task is not the whole process */
#define PA_F_GROUP_DEAD (1u << 1)  /* exit: the last thread exited: the process ended */
#define PA_F_ARGS_TRUNC (1u << 2)  /* exec: argv was longer than the limit */
#define PA_F_ARGS_FAULT (1u << 3)  /* exec: argv could not be read at all */
#define PA_F_SIG_DELIVER (1u << 4) /* signal: the target dequeued it (signal_deliver) */
#define PA_F_SIG_GROUP (1u << 5)   /* signal: sent to the whole process, not one thread */
#define PA_F_SIG_BLOCKED (1u << 6) /* signal: the target blocks it; it waits pending */
#define PA_F_SIG_FATAL (1u << 7)   /* signal: queued with the default action of ending the process */

struct pa_event_header {
	__u16 type;     /* enum pa_event_type */
	__u16 size;     /* bytes of the whole record, this header included */
	__u32 flags;    /* PA_F_* */
	__u64 ts_ns;    /* bpf_ktime_get_boot_ns() when it happened */
	__u32 pid;      /* kernel tid of the task concerned */
	__u32 tgid;     /* its process (thread group) id */
	__u32 ppid;     /* tgid of the process's real parent at that moment */
	__u32 reserved;
	__u64 start_ns; /* group leader's start_boottime: (tgid, start_ns) names a process */
	char comm[PA_COMM_LEN];
};

/*
 * Who a process is, read from the kernel at fork and exec: it may be gone
 * before user space could ask /proc.  Ids are the kernel's (the initial
 * user and pid namespaces), as /proc shows them to the agent.
 */
struct pa_task_ids {
	__u32 uid, euid;  /* real and effective, from task->real_cred */
	__u32 gid, egid;
	__u32 sid;        /* session id; 0: the kernel's own session (kernel threads) */
	__u32 vpid;       /* the process's pid in its own pid namespace */
	__u32 tty_nr;     /* controlling terminal as /proc/PID/stat encodes it; 0: none */
	__u32 cwd_key;    /* pa_cwd_key() of the working directory; 0: unknown */
	/* cgroup v2 leaf name, NUL-terminated; "" for the root or unknown */
	char cgroup[PA_CGROUP_NAME_LEN];
};

/*
 * The working directory's identity, not its path (a tracepoint cannot
 * build the path): a hash of its device and inode, computed alike by the
 * BPF side (from the inode) and by user space (from stat(2)), so that a
 * path read once from /proc is reused while the key stays the same.
 * dev is encoded as stat(2) reports it (new_encode_dev).  Never 0.
 */
static inline __u32 pa_cwd_key(__u32 dev, __u64 ino)
{
	__u64 x = ino * 0x9e3779b97f4a7c15ULL ^ dev;

	/* splitmix64's finalizer: every input bit reaches the low 32. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (__u32)x ? (__u32)x : 1;
}

/* hdr is about the new task; the parent fields name the task that forked. */
struct pa_fork_event {
	struct pa_event_header hdr;
	__u32 parent_pid;
	__u32 parent_tgid;
	__u64 parent_start_ns;  /* the forking process's identity */
	__u64 task_start_ns;    /* the new task's own start (a thread's differs from hdr.start_ns) */
	struct pa_task_ids ids; /* the new process's (a thread's: its process's) */
};

/* Followed by data[]: filename_len bytes of NUL-terminated bprm->filename,
 * then args_len bytes of the argv area exactly as in the new mm (strings
 * separated by NUL; the last may lack its NUL when truncated). */
struct pa_exec_event {
	struct pa_event_header hdr;
	__u32 old_pid;      /* tid that called exec; != hdr.pid when a non-leader thread did */
	__u32 argc;         /* bprm->argc: the true count, even when argv is truncated */
	__u16 filename_len;
	__u16 args_len;
	__u32 reserved;
	struct pa_task_ids ids; /* after exec: a set-user-ID program's euid shows here */
	char data[];
};

/* Where a thread's time went, as the scheduler saw it. */
enum pa_time_kind {
	PA_T_RUNNING,   /* on a CPU */
	PA_T_RUNNABLE,  /* ready, waiting for a CPU */
	PA_T_SLEEPING,  /* S, and stopped or idle waits */
	PA_T_BLOCKED,   /* D */
	PA_NR_TIMES,
};

struct pa_exit_event {
	struct pa_event_header hdr;
	__u32 exit_status;    /* wait(2) status: code << 8, or signal | 0x80 if core dumped */
	__u32 reserved;
	__u64 task_start_ns;  /* the exiting task's own start */
	/* The exiting thread's times; for the last thread, the whole
	 * process's (every thread's summed as it ended). */
	__u64 time_ns[PA_NR_TIMES];
};

/* A scheduler state change: always into and out of T and t, every change
 * for --transitions.  States are the letters ps shows (R S D T t I). */
struct pa_state_event {
	struct pa_event_header hdr;
	__u8 from;
	__u8 to;
	__u16 stop_signal;    /* into T/t: the signal that stopped it, if known */
	__u32 reserved;
	__u64 from_ns;        /* time spent in `from` */
};

/* signal_generate's result (enum trace_signal_result, include/trace/events/signal.h). */
enum pa_sig_result {
	PA_SIGRES_DELIVERED,       /* queued to the target */
	PA_SIGRES_IGNORED,         /* the target ignores it: dropped at once */
	PA_SIGRES_ALREADY_PENDING, /* a standard signal already pending: merged into it */
	PA_SIGRES_OVERFLOW_FAIL,   /* real-time signal queue full: lost */
	PA_SIGRES_LOSE_INFO,       /* queued without its siginfo */
	PA_SIGRES_NR,
};

/* What the target does with the signal (its sigaction at that moment). */
enum pa_sig_action {
	PA_SIGACT_DEFAULT,
	PA_SIGACT_IGNORE,
	PA_SIGACT_HANDLER,
};

/* hdr is about the target thread; the sender is the task that was running
 * when the signal was generated (for a kernel-made signal such as SIGSEGV
 * or a terminal's SIGHUP: the task whose action caused it). */
struct pa_signal_event {
	struct pa_event_header hdr;
	__u32 sender_pid;
	__u32 sender_tgid;
	__u64 sender_start_ns;
	char sender_comm[PA_COMM_LEN];
	__u32 sig;
	__s32 code;     /* si_code: SI_USER, SI_KERNEL, SI_TKILL, ... */
	__u8 result;    /* enum pa_sig_result; PA_SIGRES_DELIVERED at delivery */
	__u8 action;    /* enum pa_sig_action */
	__u16 reserved;
	__u32 reserved2;
};

/* An execve/execveat that failed: filename as the caller passed it. */
struct pa_exec_failed_event {
	struct pa_event_header hdr;
	__s32 error;    /* positive errno */
	__u32 reserved;
	char filename[PA_FILENAME_MAX]; /* NUL-terminated */
};

struct pa_free_event {
	struct pa_event_header hdr;
};

/* hdr is about the thread; blocked_ns is its whole time in D. */
struct pa_unstuck_event {
	struct pa_event_header hdr;
	__u64 d_since_ns;
	__u64 blocked_ns;
};

struct pa_hung_event {
	struct pa_event_header hdr;
};

/*
 * A thread in D state, kept in the dstate map (key: tid) from the moment it
 * blocks until it runs again: user space scans only these, never every
 * thread.  stack_id indexes the stacks map (negative: not captured).
 */
struct pa_dstate {
	__u64 since_ns;
	__u32 tgid;
	__s32 stack_id;
};

/*
 * The sched_of task storage's value: per thread, only for threads in a
 * state worth following (D, T, t, or any state of a followed process under
 * --transitions): which, since when, and the thread's total time in D.
 * Threads that only run and sleep never get one, so the common context
 * switch stays a pointer test.  User space reads it by pidfd (the live
 * view's time in D).
 */
struct pa_task_sched {
	__u64 since_ns;
	__u64 blocked_ns; /* all its D time, closed blocks */
	__u8 state;       /* a ps letter; 0 = nothing followed now */
	__u8 in_dstate;   /* it has an entry in dstate */
};

/* The syscall statistics map (syscalls.bpf.c, --syscalls): per process
 * and syscall number, summed by user space over the CPUs. */
struct pa_sys_key {
	__u32 tgid;
	__u32 nr;
};

struct pa_sys_val {
	__u64 count;
	__u64 errors;   /* returned -1..-4095 */
	__u64 time_ns;  /* enter to exit */
};

/*
 * --deadlocks: a thread that went to sleep in a futex call that looks like
 * a lock wait (FUTEX_WAIT with val 2 as glibc's mutexes wait, a robust
 * mutex's wait, FUTEX_LOCK_PI), kept in the futex_waits map (key: tid) from
 * its latest such sleep.  Entries are not removed at wake-up (that would
 * cost a lookup on every switch): user space checks that the thread is
 * still in that call before it believes one, and deletes stale ones.
 */
/* Threads the futex_waits map can hold: far more than wait on locks at
 * once on a healthy box; the overflow is counted. */
#define PA_MAX_FUTEX_WAITS 16384

struct pa_futex_wait {
	__u64 uaddr;
	__u64 since_ns;
	__u32 tgid;
	__u32 op;       /* the futex op as passed */
	__u32 val;      /* the value it waited on */
	__u32 reserved;
};

/* Frames kept per kernel stack (the stack map's value size). */
#define PA_STACK_DEPTH 32

#endif /* PA_EVENTS_H */
