/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A report is one event as the collector understood it, after it was
 * applied to the process table.  Every sink gets the same reports; a sink
 * formats them and hands the bytes to its pa_output.
 */
#ifndef PA_SINK_H
#define PA_SINK_H

#include <stdint.h>

#include "clock.h"
#include "decode.h"
#include "output.h"
#include "proc_table.h"
#include "procfs.h"
#include "syscall_stats.h"
#include "ustack.h"

enum pa_action {
	PA_ACT_FORK,
	PA_ACT_EXEC,
	PA_ACT_EXIT,
	PA_ACT_LOST,
	PA_ACT_ZOMBIE,   /* alert: exited, not reaped past --zombie-after */
	PA_ACT_REAPED,   /* a reported zombie was finally reaped */
	PA_ACT_ORPHANED, /* alert: a live process lost its parent */
	PA_ACT_STUCK,    /* alert: a thread in D past --stuck-after (or its end) */
	PA_ACT_STATE,    /* a thread's scheduler state changed */
	PA_ACT_SYSCALLS, /* --syscalls: a process's syscall statistics */
	PA_ACT_SIGNAL,   /* a signal sent, or taken by its target */
	PA_ACT_EXEC_FAILED, /* --failed-execs: an execve that returned an error */
	PA_ACT_DEADLOCK, /* alert: threads waiting on each other in a cycle */
};

/* A signal sent to proc (generation) or taken by it (delivery). */
struct pa_signal_info {
	uint32_t tid;            /* the target thread */
	int sig;
	int code;                /* si_code */
	bool delivery;           /* taken by the target (signal_deliver), not sent */
	bool group;              /* sent to the whole process */
	bool blocked;            /* the target blocks it: it waits pending */
	bool fatal;              /* queued with a default action that ends the process */
	unsigned result;         /* enum pa_sig_result */
	unsigned action;         /* the target's disposition: enum pa_sig_action */
	uint32_t sender_pid;     /* its process; 0: unknown (a delivery of a kernel-made signal) */
	uint32_t sender_tid;
	const char *sender_comm; /* "" when unknown */
};

struct pa_exec_failed_info {
	int error;               /* positive errno */
	const char *filename;    /* as the caller passed it */
};

/* One thread of a deadlock cycle: what it waits for and who holds it. */
struct pa_deadlock_member {
	uint32_t tid, tgid;
	char comm[PA_COMM_LEN];
	char state;               /* as /proc showed it */
	uint64_t waited_ns;       /* since its wait began; a lower bound for file locks */
	const char *waits_for;    /* "mutex", "futex", "flock", "posix_lock", "ofd_lock" */
	char resource[48];        /* "0x7f12..." (futex address) or "08:02:1234" (dev:inode) */
	uint32_t held_by;         /* the holding thread (the next member) */
	uint32_t held_by_pid;
	long syscall;             /* -1 unknown */
	char wchan[64];
	const struct pa_ustack *ustack; /* its user stack as far as found, or NULL */
};

struct pa_deadlock_info {
	const struct pa_deadlock_member *members; /* in cycle order */
	unsigned nr;
};

struct pa_syscalls_info {
	uint64_t interval_ns;                /* the time the figures cover */
	const struct pa_sys_summary *sum;
};

struct pa_state_info {
	uint32_t tid;
	char from, to;        /* ps letters */
	int stop_signal;      /* into T/t: the stopping signal, 0 if unknown */
	uint64_t from_ns;     /* time spent in `from` */
};

#define PA_STACK_FRAMES_MAX 32

struct pa_stuck_info {
	uint32_t tid;
	uint64_t blocked_ns;
	const char *const *frames;         /* "symbol+0xoff", innermost first */
	unsigned nr_frames;
	const struct pa_task_info *task;   /* syscall, arguments, wchan; NULL if gone */
	const char *file;                  /* what the syscall's fd points at, or NULL */
	bool ended;                        /* the follow-up: it ran again */
	bool hung_task;                    /* the kernel's hung-task watchdog said so */
};

/* Who has not reaped a zombie, and what it is doing instead. */
struct pa_zombie_info {
	uint64_t age_ns;          /* this zombie's time unreaped */
	bool age_at_least;        /* it was a zombie before tracing began */
	uint32_t parent_holds;    /* zombies the parent holds now */
	uint64_t oldest_age_ns;   /* the parent's oldest zombie */
	uint32_t summarized;      /* >0: one line for this many new zombies of the parent */
	const struct pa_task_info *parent; /* NULL when /proc could not tell */
};

struct pa_orphan_info {
	uint32_t previous_parent;
	bool adopter_is_init;     /* else a child subreaper (PR_SET_CHILD_SUBREAPER) */
	bool daemon;              /* setsid() and no controlling terminal: on purpose */
};

struct pa_report {
	enum pa_action action;
	uint64_t ts_ns;               /* boot clock */
	const struct pa_proc *proc;   /* the process; NULL for lost */
	const struct pa_proc *parent; /* its parent's record, when the table has it */
	uint32_t parent_pid;          /* fork: the forking process; else the parent at the time */
	const char *executable;       /* exec */
	const struct pa_args *args;   /* exec */
	uint32_t exit_status;         /* exit: wait(2) status */
	uint64_t lost;                /* lost: records the kernel could not deliver */
	struct pa_zombie_info zombie; /* zombie, reaped (age_ns) */
	uint32_t reaper_pid;          /* reaped */
	struct pa_orphan_info orphan; /* orphaned; parent_pid is the adopter */
	struct pa_stuck_info stuck;   /* stuck */
	struct pa_state_info state;   /* state */
	struct pa_syscalls_info syscalls; /* syscalls */
	const struct pa_kill *killed_by;  /* exit: the fatal signal's sender, if seen */
	struct pa_signal_info signal;     /* signal */
	struct pa_exec_failed_info exec_failed; /* exec_failed */
	struct pa_deadlock_info deadlock; /* deadlock; proc is the first member's process */
};

/* What every sink needs to know about where it runs. */
struct pa_sink_env {
	const struct pa_clock *clock;
	const char *hostname;
};

struct pa_sink {
	const char *name;
	void (*emit)(struct pa_sink *s, const struct pa_report *r);
	void (*destroy)(struct pa_sink *s);
	const struct pa_sink_env *env;
	struct pa_output *out;
};

/* The sinks write into out (not owned). NULL on allocation failure. */
struct pa_sink *pa_sink_text_new(const struct pa_sink_env *env, struct pa_output *out);
struct pa_sink *pa_sink_json_new(const struct pa_sink_env *env, struct pa_output *out);
void pa_sink_destroy(struct pa_sink *s);

const char *pa_action_name(enum pa_action a);
const char *pa_sig_disposition_name(enum pa_sig_disposition d);

#endif
