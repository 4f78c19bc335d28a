/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The identity facts the kernel side sends at fork and exec (struct
 * pa_task_ids), read from /proc instead: for processes that were already
 * there when tracing began, and for the working directory, which a
 * tracepoint cannot read (it needs bpf_d_path, allowed only in a few
 * LSM and fentry hooks).
 */
#ifndef PA_PROC_IDENT_H
#define PA_PROC_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "pa_events.h"
#include "procfs_read.h"

/* A working directory as readlink(2) gives it: at most PATH_MAX bytes. */
#define PA_CWD_MAX 4096

/*
 * ids from the process directory pid_fd (opened on proc_root/PID) and its
 * already-read stat: uids and gids from status (Uid, Gid), vpid from
 * NSpid's last number, session and tty from stat, the cgroup v2 leaf from
 * cgroup's "0::" line (cut to PA_CGROUP_NAME_LEN - 1 bytes, as the
 * kernel side cuts it).  0, or -errno when status could not be read
 * (the process is gone): then ids is not to be used.
 */
int pa_proc_read_ids_at(int pid_fd, const struct pa_stat *st, struct pa_task_ids *ids);

/* readlink of pid_fd's "cwd" into buf (NUL-terminated), and its
 * pa_cwd_key from stat(2) (0 if that failed); 0 or -errno (gone, no
 * permission). */
int pa_proc_read_cwd_at(int pid_fd, char *buf, size_t size, uint32_t *key);
/* The same for proc_root/PID. */
int pa_proc_read_cwd(const char *proc_root, uint32_t pid, char *buf, size_t size);

/* The leaf of a cgroup path ("/system.slice/x.service" -> "x.service";
 * "/" -> "") into buf, cut to size - 1 bytes. */
void pa_cgroup_leaf(const char *path, size_t len, char *buf, size_t size);

#endif
