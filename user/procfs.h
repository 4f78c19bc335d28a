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

#endif /* PA_PROCFS_H */
