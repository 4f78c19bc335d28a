/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The /proc reader: fills the process table at start and re-syncs it after
 * events were lost.  Processes come and go while we read, so a pid that
 * vanishes or shows malformed content is skipped, never an error for the
 * whole scan.  proc_root is "/proc" in the agent, a fake tree in tests.
 */
#ifndef PA_PROCFS_H
#define PA_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include "proc_table.h"

/* argv bytes read per process; longer command lines are cut and flagged.
 * Matches the default exec-event limit (PA_ARGS_DEFAULT). */
#define PA_PROCFS_CMDLINE_MAX 4096

/* Load every process and thread under proc_root into t, then link parents.
 * Returns the number of processes read, or -errno if proc_root could not be
 * listed (the processes read before the failure stay in t). */
int pa_procfs_snapshot(struct pa_table *t, const char *proc_root);

/* Re-read proc_root after events were lost: upsert everything present, then
 * remove live (not exited) processes and the threads that proc_root no
 * longer has.  Exited processes stay until their reap event.  Returns the
 * number of processes removed, or -errno (then nothing is removed). */
int pa_procfs_resync(struct pa_table *t, const char *proc_root);

/* One process's current parent tgid (field 4 of stat).  0, or -ENOENT/-ESRCH
 * when it is gone, -EINVAL when stat is malformed, another -errno otherwise. */
int pa_procfs_read_ppid(const char *proc_root, uint32_t pid, uint32_t *ppid);

/* proc_root/sys/kernel/random/boot_id without its newline.  0, -ERANGE if
 * buf is too small, -EINVAL if the file is empty, another -errno otherwise. */
int pa_procfs_read_boot_id(const char *proc_root, char *buf, size_t size);

#define PA_SIGCHLD 17 /* the same on every Linux architecture but alpha, mips, sparc */
#define PA_SYSCALL_RUNNING (-1L) /* on a CPU in user space */
#define PA_SYSCALL_NONE (-2L)    /* blocked, but not inside a system call */
#define PA_SYSCALL_UNKNOWN (-3L) /* not readable (no permission, or gone) */

enum pa_sig_disposition {
	PA_SIG_UNKNOWN,
	PA_SIG_DEFAULT,
	PA_SIG_IGNORED,
	PA_SIG_HANDLED,
};

/* What a process is doing now, for the alerts' dossiers. */
struct pa_task_info {
	char state;
	uint32_t ppid;
	uint32_t session;   /* session id: == pid after setsid() */
	uint32_t tty_nr;    /* 0: no controlling terminal */
	uint32_t ns_pid;    /* its pid in its own pid namespace (NSpid's last) */
	long syscall;       /* the number, or a PA_SYSCALL_* value */
	uint64_t args[6];   /* its arguments, when in one */
	char wchan[64];     /* where the kernel waits ("0" or "" when running) */
	enum pa_sig_disposition sigchld;
};

/* Read pid's stat, syscall, wchan and status. 0, or -errno (gone, malformed). */
int pa_procfs_inspect(const char *proc_root, uint32_t pid, struct pa_task_info *info);
/* The same for one thread (proc_root/TGID/task/TID). */
int pa_procfs_inspect_thread(const char *proc_root, uint32_t tgid, uint32_t tid,
			     struct pa_task_info *info);
/* Where fd of pid points ("/var/lib/db/x.wal", "pipe:[123]"); 0 or -errno. */
int pa_procfs_fd_path(const char *proc_root, uint32_t pid, long fd, char *buf, size_t size);

#endif /* PA_PROCFS_H */
