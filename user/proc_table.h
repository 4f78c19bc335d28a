/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The process table: the agent's model of every process and thread.
 * Filled from /proc at start, then only from events.  A process is named by
 * (pid, start time): a pid seen again with another start time is a new
 * process, so pid reuse never merges two lives.  Pure C: no libbpf, no
 * kernel, so tests drive it with synthetic events.
 */
#ifndef PA_PROC_TABLE_H
#define PA_PROC_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include "hash.h"

#include "container.h"
#include "pa_events.h"

/* /proc/PID/stat counts start times in USER_HZ ticks.  The kernel exports
 * USER_HZ = 100 on every mainstream architecture (x86, arm64, ppc, s390,
 * riscv), whatever its internal HZ.  Identities are compared at this
 * precision so that a process read from /proc matches the same process
 * seen by BPF in nanoseconds. */
#define PA_USER_HZ 100
#define PA_NS_PER_TICK (1000000000ULL / PA_USER_HZ)

/* Execs remembered per process (the newest win): enough to show a
 * shell -> wrapper -> binary chain without growing without bound. */
#define PA_EXEC_HISTORY 4
/* A reaped process stays this long so that short-lived children are still
 * seen by the tree and can be named as parents by late events. */
#define PA_REAPED_LINGER_NS (2ULL * 1000000000ULL)
#define PA_ENTITY_ID_LEN 96

/* The strings of a pa_proc (filename, cmdline, cwd) come from
 * shared_str.h: counted, never written to, only replaced. */
struct pa_exec_record {
	uint64_t ts_ns;
	char *filename;
};

/* A process as the live view samples it from /proc once a second
 * (proc_sample.c).  Zero until the first sample. */
struct pa_proc_sample {
	uint64_t at_ns;         /* boot clock of the last sample; 0: never sampled */
	uint64_t cpu_ticks;     /* utime + stime of the whole thread group, USER_HZ ticks */
	uint32_t cpu_permille;  /* share of one CPU over the last interval, in 1/1000 */
	uint32_t uid;           /* real uid */
	uint64_t runs;          /* times its main thread was scheduled in (schedstat) */
	uint64_t active_ns;     /* last sample that found it had run since the one before */
	bool idle_since_start;  /* not seen running since sampling began: active_ns is the first sample */
};

/* The last signal sent to a process that would end it, and who sent it:
 * its exit names the sender when the exit status shows that signal. */
struct pa_kill {
	int sig;                  /* 0: none seen */
	uint32_t pid, tid;        /* the sender */
	char comm[PA_COMM_LEN];
};

struct pa_proc {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ticks;  /* identity with pid: USER_HZ ticks since boot, as /proc/PID/stat */
	uint64_t start_ns;     /* boot-clock ns (tick precision when it came from /proc) */
	char comm[PA_COMM_LEN];
	char state;            /* R S D T t Z X I, as /proc shows it */
	uint32_t nr_threads;   /* live threads, the leader included */
	char *cmdline;         /* argv joined by spaces; NULL for kernel threads */
	bool cmdline_truncated;
	struct pa_exec_record execs[PA_EXEC_HISTORY]; /* ring, newest at (nr_execs - 1) */
	uint32_t nr_execs;     /* execs seen in its life */
	bool exited;
	uint32_t exit_status;  /* wait(2) status */
	uint64_t exit_ns;
	uint64_t time_ns[PA_NR_TIMES]; /* at exit: running, runnable, sleeping, D */
	bool blocked_partial;  /* it started before tracing did: its D time counts only since then */
	bool reaped;
	uint64_t reaped_ns;
	bool zombie_reported;  /* a zombie alert counted it (named or summarized) */
	bool zombie_named;     /* a zombie alert named it: its reap is reported too */
	bool exit_unseen;      /* a zombie already when tracing began: exit_ns is a lower bound */
	bool reparent_pending; /* its parent exited and /proc did not show the adopter yet */
	uint32_t orphaned_from; /* the parent whose exit orphaned it, 0 if none */
	bool followed;         /* selected by --pid (itself or an ancestor) */
	bool in_kernel_filter; /* its tgid was handed to the kernel's --pid filter */
	bool seen;             /* scratch flag for /proc resyncs */
	/* Threads in D at the last stuck scan, and when the longest-blocked
	 * of them entered D (boot clock); 0 threads: none. */
	uint32_t dstate_threads;
	uint64_t dstate_since_ns;
	uint32_t dstate_tid;      /* that thread, and the stack it blocked in */
	int32_t dstate_stack_id;
	struct pa_proc_sample sample; /* what the live view last read of it in /proc */
	struct pa_kill kill;      /* the latest fatal signal sent to it */
	char entity_id[PA_ENTITY_ID_LEN];
	/* Who it is: the kernel's word at its fork and exec, /proc's for the
	 * snapshot (pa_table_set_ids).  A fixed-size ABI struct, so a record
	 * file can carry it as it is. */
	struct pa_task_ids ids;
	bool ids_known;
	struct pa_container container; /* from ids.cgroup; id "" when none recognised */
	char *cwd;             /* working directory where known, else NULL */
	uint32_t cwd_key;      /* the ids.cwd_key cwd was read for; 0: not tied to one */

	struct pa_proc *parent;
	TAILQ_HEAD(pa_children, pa_proc) children;
	TAILQ_ENTRY(pa_proc) sibling;
	/* In pa_table.zombies from its exit to its reap, then in .reaped. */
	TAILQ_ENTRY(pa_proc) end_link;
	UT_hash_handle hh;
};

struct pa_thread {
	uint32_t tid;
	uint32_t tgid;
	uint64_t start_ns;
	char comm[PA_COMM_LEN];
	char state;
	UT_hash_handle hh;
};

/* What a /proc snapshot or a fork tells about a process. */
struct pa_proc_info {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ns;
	const char *comm;
	char state;
	uint32_t nr_threads;
	const char *cmdline; /* NULL when unknown */
};

struct pa_table {
	struct pa_proc *procs;     /* uthash head, by pid */
	struct pa_thread *threads; /* uthash head, by tid (leaders not included) */
	char boot_id[40];          /* for entity ids */
	uint32_t nr_live;          /* processes not yet exited */
	uint64_t nr_replaced;      /* records dropped because their pid was reused */
	/* Zombies (exited, not reaped) in the order of their exits, and
	 * reaped processes in the order of their reaps: the zombie scan and
	 * expiry look at these, not at the whole table.  Not to be copied. */
	TAILQ_HEAD(pa_ended, pa_proc) zombies, reaped;
};

uint64_t pa_ns_to_ticks(uint64_t ns);

void pa_table_init(struct pa_table *t, const char *boot_id);
void pa_table_free(struct pa_table *t);

struct pa_proc *pa_table_find(const struct pa_table *t, uint32_t pid);
/* The process with this pid if it is the same life (start time matches at
 * tick precision), else NULL. */
struct pa_proc *pa_table_find_identity(const struct pa_table *t, uint32_t pid, uint64_t start_ns);

/* Insert or refresh a process.  A record under the same pid with another
 * start time is a previous life: it is dropped first.  Links the process
 * under its parent when the parent is known; pa_table_link_orphans() links
 * the rest after a bulk load. */
struct pa_proc *pa_table_upsert(struct pa_table *t, const struct pa_proc_info *info);
void pa_table_link_orphans(struct pa_table *t);
/* Move p under the process newppid (the kernel reparented it). */
void pa_table_reparent(struct pa_table *t, struct pa_proc *p, uint32_t newppid);

void pa_table_set_cmdline(struct pa_proc *p, const char *cmdline, bool truncated);
/* A forked child runs its parent's program until it execs: it takes the
 * parent's command line and last exec (shared, not copied; the strings
 * of a pa_proc are never written to, only replaced). */
void pa_table_inherit(struct pa_proc *child, const struct pa_proc *parent);
/* The child works where its parent does: the same path, shared. */
void pa_table_share_cwd(struct pa_proc *child, const struct pa_proc *parent);
/* Identity facts (fork, exec, /proc); the container id is derived here. */
void pa_table_set_ids(struct pa_proc *p, const struct pa_task_ids *ids);
/* The working directory, copied, read while the directory's key
 * (pa_cwd_key) was key (0: unknown); a failed copy keeps the old one. */
void pa_table_set_cwd(struct pa_proc *p, const char *cwd, uint32_t key);
/* It moved and the new one could not be read: unknown. */
void pa_table_clear_cwd(struct pa_proc *p);

/*
 * The leader of p's session (ECS process.session_leader): the process
 * whose pid is the session id, found among p and its ancestors (a session
 * is created by setsid() and inherited by children).  NULL when the table
 * does not have it (it ended, or p's session is unknown).
 */
const struct pa_proc *pa_proc_session_leader(const struct pa_proc *p);
/*
 * ECS process.entry_leader, "the first process from a terminal or remote
 * access, or a service directly started by init": following session
 * leaders upward (the session leader of each one's parent) to the one
 * started by init (pid 1, or its pid namespace's init), the outermost of
 * them with a controlling terminal (a login: the shell sshd or login
 * started), else the one started by init (a service, or a container's
 * init).  NULL when the chain is not complete in the table.
 */
const struct pa_proc *pa_proc_entry_leader(const struct pa_proc *p);
/* The same from p's session leader (NULL: none), for a caller that has it. */
const struct pa_proc *pa_proc_entry_leader_of_session(const struct pa_proc *session_leader);
void pa_table_record_exec(struct pa_proc *p, uint64_t ts_ns, const char *filename);
const struct pa_exec_record *pa_proc_last_exec(const struct pa_proc *p);

/* Threads other than the leader. */
struct pa_thread *pa_table_add_thread(struct pa_table *t, uint32_t tid, uint32_t tgid,
				      uint64_t start_ns, const char *comm, char state);
/* Forget a thread; returns false if it was not known. */
bool pa_table_remove_thread(struct pa_table *t, uint32_t tid);
struct pa_thread *pa_table_find_thread(const struct pa_table *t, uint32_t tid);
/* Forget every thread of a process (it exec'd, or its record is dropped). */
void pa_table_remove_threads_of(struct pa_table *t, uint32_t tgid);

/* The process ended (its last thread exited); it is a zombie until reaped.
 * Returns false if it had already been marked (a repeated report). */
bool pa_table_mark_exited(struct pa_table *t, struct pa_proc *p, uint32_t status, uint64_t ts_ns);
void pa_table_mark_reaped(struct pa_table *t, struct pa_proc *p, uint64_t ts_ns);
/* Drop processes reaped more than PA_REAPED_LINGER_NS before now. */
void pa_table_expire(struct pa_table *t, uint64_t now_ns);
void pa_table_remove(struct pa_table *t, struct pa_proc *p);

/* Mark p and all its descendants as followed (--pid). */
void pa_table_follow_subtree(struct pa_proc *p);

#define pa_table_foreach(t, p, tmp) HASH_ITER(hh, (t)->procs, p, tmp)
/* Every zombie: exited, not yet reaped. */
#define pa_table_foreach_zombie(t, p) TAILQ_FOREACH(p, &(t)->zombies, end_link)

#endif /* PA_PROC_TABLE_H */
