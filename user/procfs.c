// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "proc_ident.h"
#include "procfs.h"
#include "procfs_read.h"
#include "redact.h"
#include "strbuf.h"

/* status is ~1.5 KiB; a long Groups line can make it far longer, and only
 * whole lines are used (read_status). */
#define STATUS_BUF_SIZE 8192
/* A boot id is a 36-character UUID and a newline. */
#define BOOT_ID_BUF_SIZE 64
/* "4294967295/task/4294967295/stat" and the like. */
#define REL_PATH_SIZE 64

/*
 * argv joined by spaces into line, secrets masked (redact.h); the
 * length, or -errno.  buf has room for PA_PROCFS_CMDLINE_MAX bytes and
 * one more: reading that one tells whether the command line was longer.
 * Trailing NULs are all dropped: setproctitle() users pad their rewritten
 * argv area with them.
 */
static ssize_t read_cmdline_at(int pid_fd, char buf[PA_PROCFS_CMDLINE_MAX + 1], bool *truncated,
			       struct strbuf *line)
{
	ssize_t n = pa_read_at(pid_fd, "cmdline", buf, PA_PROCFS_CMDLINE_MAX + 1);

	if (n < 0)
		return n;
	*truncated = n > PA_PROCFS_CMDLINE_MAX;
	if (*truncated)
		n = PA_PROCFS_CMDLINE_MAX;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	pa_redact_line(pa_redact_default(), buf, n, line);
	if (line->failed)
		return -ENOMEM;
	return line->len;
}

/* Threads other than the leader; one that vanishes meanwhile is skipped. */
static void load_threads(struct pa_table *t, int pid_fd, uint32_t pid)
{
	char path[REL_PATH_SIZE];
	struct pa_stat st;
	struct dirent *de;
	uint32_t tid;
	DIR *dir;
	int fd;

	fd = openat(pid_fd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (!pa_parse_id(de->d_name, &tid) || tid == pid)
			continue;
		snprintf(path, sizeof(path), "%u/stat", tid);
		if (pa_read_stat_at(dirfd(dir), path, tid, &st))
			continue;
		pa_table_add_thread(t, tid, pid, st.start_ns, st.comm, st.state);
	}
	closedir(dir);
}

/* One process into t; NULL if it vanished, is malformed or memory ran out.
 * Everything is read before the table is touched, so a process that goes
 * away halfway leaves no half-filled record. */
static struct pa_proc *load_process(struct pa_table *t, int root_fd, const char *name,
				   uint32_t pid)
{
	char cmdline[PA_PROCFS_CMDLINE_MAX + 1], cwd[PA_CWD_MAX];
	struct pa_proc_info info;
	struct pa_proc *p = NULL;
	struct pa_task_ids ids;
	struct strbuf line;
	struct pa_stat st;
	bool truncated, have_ids, have_cwd;
	uint32_t cwd_key;
	ssize_t len;
	int pid_fd;

	sb_init(&line);
	pid_fd = openat(root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_fd < 0)
		return NULL;
	if (pa_read_stat_at(pid_fd, "stat", pid, &st))
		goto out;
	len = read_cmdline_at(pid_fd, cmdline, &truncated, &line);
	if (len < 0)
		goto out;
	/* Who it is and where it works, as the kernel side tells at an exec;
	 * what cannot be read (it is going away) stays unknown. */
	have_ids = !pa_proc_read_ids_at(pid_fd, &st, &ids);
	have_cwd = !pa_proc_read_cwd_at(pid_fd, cwd, sizeof(cwd), &cwd_key);

	info = (struct pa_proc_info){
		.pid = pid,
		.ppid = st.ppid,
		.start_ns = st.start_ns,
		.comm = st.comm,
		.state = st.state,
		.nr_threads = st.nr_threads,
	};
	p = pa_table_upsert(t, &info);
	if (!p)
		goto out;
	/* Empty: a kernel thread (stays NULL) or a zombie, whose mm is gone;
	 * a resync must not wipe the command line we knew. */
	if (len > 0)
		pa_table_set_cmdline(p, line.buf, truncated);
	if (have_ids)
		pa_table_set_ids(p, &ids);
	if (have_cwd)
		pa_table_set_cwd(p, cwd, cwd_key);
	p->seen = true;
	/* Most processes have one thread: skip the task/ listing for them. */
	if (st.nr_threads > 1)
		load_threads(t, pid_fd, pid);
out:
	sb_free(&line);
	close(pid_fd);
	return p;
}

/* Every numeric entry of root into t; the count read or -errno. */
static int scan(struct pa_table *t, DIR *root)
{
	struct dirent *de;
	int count = 0, err;
	uint32_t pid;

	for (;;) {
		errno = 0;
		de = readdir(root);
		if (!de) {
			err = errno;
			break;
		}
		if (pa_parse_id(de->d_name, &pid) && load_process(t, dirfd(root), de->d_name, pid))
			count++;
	}
	/* Children listed before their parent are linked now. */
	pa_table_link_orphans(t);
	return err ? -err : count;
}

int pa_procfs_snapshot(struct pa_table *t, const char *proc_root)
{
	DIR *root = opendir(proc_root);
	int ret;

	if (!root)
		return -errno;
	ret = scan(t, root);
	closedir(root);
	return ret;
}

/* Live processes the scan did not see ended while events were lost.
 * Exited ones stay: their reap event is still to come. */
static int drop_gone_procs(struct pa_table *t)
{
	struct pa_proc *p, *tmp;
	int removed = 0;

	pa_table_foreach(t, p, tmp) {
		if (p->seen || p->exited)
			continue;
		pa_table_remove(t, p);
		removed++;
	}
	return removed;
}

/* pa_thread has no scratch flag, so ask /proc about each known thread;
 * only a definite ENOENT removes one. */
static void drop_gone_threads(struct pa_table *t, int root_fd)
{
	struct pa_thread *th, *tmp;
	char path[REL_PATH_SIZE];

	HASH_ITER(hh, t->threads, th, tmp) {
		snprintf(path, sizeof(path), "%u/task/%u", th->tgid, th->tid);
		if (faccessat(root_fd, path, F_OK, 0) && errno == ENOENT)
			pa_table_remove_thread(t, th->tid);
	}
}

int pa_procfs_resync(struct pa_table *t, const char *proc_root)
{
	struct pa_proc *p, *tmp;
	DIR *root;
	int ret;

	root = opendir(proc_root);
	if (!root)
		return -errno;
	pa_table_foreach(t, p, tmp)
		p->seen = false;
	ret = scan(t, root);
	/* An incomplete listing proves nothing gone. */
	if (ret >= 0) {
		ret = drop_gone_procs(t);
		drop_gone_threads(t, dirfd(root));
	}
	closedir(root);
	return ret;
}

int pa_procfs_read_ppid(const char *proc_root, uint32_t pid, uint32_t *ppid)
{
	char path[PATH_MAX];
	struct pa_stat st;
	int n, err;

	n = snprintf(path, sizeof(path), "%s/%u/stat", proc_root, pid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	err = pa_read_stat_at(AT_FDCWD, path, pid, &st);
	if (err)
		return err;
	*ppid = st.ppid;
	return 0;
}

int pa_procfs_read_boot_id(const char *proc_root, char *buf, size_t size)
{
	char id[BOOT_ID_BUF_SIZE];
	char path[PATH_MAX];
	ssize_t len;
	int n;

	n = snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", proc_root);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	len = pa_read_at(AT_FDCWD, path, id, sizeof(id));
	if (len < 0)
		return len;
	/* Filling the buffer means it is not a boot id. */
	if (len == sizeof(id))
		return -EINVAL;
	if (len > 0 && id[len - 1] == '\n')
		len--;
	if (len == 0)
		return -EINVAL;
	if ((size_t)len >= size)
		return -ERANGE;
	memcpy(buf, id, len);
	buf[len] = '\0';
	return 0;
}

/* "17 0x3 0x7f.. ..." (in a syscall: number, six arguments, sp, pc),
 * "running", or "-1 ..." (blocked outside one). */
static long parse_syscall(char *buf, ssize_t len, uint64_t args[6])
{
	char *end, *p;
	long nr;

	if (len <= 0)
		return PA_SYSCALL_UNKNOWN;
	buf[len] = '\0';
	if (!strncmp(buf, "running", 7))
		return PA_SYSCALL_RUNNING;
	nr = strtol(buf, &end, 10);
	if (end == buf || nr < -1)
		return PA_SYSCALL_UNKNOWN;
	if (nr < 0)
		return PA_SYSCALL_NONE;
	p = end;
	for (int i = 0; i < 6; i++) {
		args[i] = strtoull(p, &end, 16);
		if (end == p)
			break;
		p = end;
	}
	return nr;
}

/* Bit SIGCHLD-1 of the status file's SigIgn and SigCgt masks. */
static enum pa_sig_disposition parse_sigchld(const char *status)
{
	const char *ign = strstr(status, "\nSigIgn:\t");
	const char *cgt = strstr(status, "\nSigCgt:\t");
	unsigned long long bit = 1ULL << (PA_SIGCHLD - 1);

	if (!ign || !cgt)
		return PA_SIG_UNKNOWN;
	if (strtoull(ign + 9, NULL, 16) & bit)
		return PA_SIG_IGNORED;
	if (strtoull(cgt + 9, NULL, 16) & bit)
		return PA_SIG_HANDLED;
	return PA_SIG_DEFAULT;
}

/* "NSpid:\t4242\t1": the last number is the pid inside its own namespace. */
static uint32_t parse_ns_pid(const char *status, uint32_t pid)
{
	const char *line = strstr(status, "\nNSpid:");
	const char *end, *last;
	uint32_t v;

	if (!line)
		return pid;
	line += 7;
	end = strchr(line, '\n');
	if (!end)
		end = line + strlen(line);
	last = end;
	while (last > line && last[-1] != '\t' && last[-1] != ' ')
		last--;
	return pa_parse_u32(last, end - last, &v) ? v : pid;
}

static int inspect_dir(const char *path, uint32_t pid, struct pa_task_info *info);

int pa_procfs_inspect(const char *proc_root, uint32_t pid, struct pa_task_info *info)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%u", proc_root, pid);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return inspect_dir(path, pid, info);
}

int pa_procfs_fd_path(const char *proc_root, uint32_t pid, long fd, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;

	if (fd < 0 || snprintf(path, sizeof(path), "%s/%u/fd/%ld", proc_root, pid, fd) >= (int)sizeof(path))
		return -EINVAL;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int pa_procfs_inspect_thread(const char *proc_root, uint32_t tgid, uint32_t tid,
			     struct pa_task_info *info)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%u/task/%u", proc_root, tgid, tid);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return inspect_dir(path, tid, info);
}

/* status into buf, NUL-terminated, whole lines only: a long Groups line
 * can push SigIgn, SigCgt and NSpid past any fixed size, and a line cut in
 * its middle would read as a different number. */
static ssize_t read_status(int dir, char *buf, size_t size)
{
	ssize_t n = pa_read_at(dir, "status", buf, size - 1);
	char *nl;

	if (n <= 0) {
		buf[0] = '\0';
		return n;
	}
	if ((size_t)n == size - 1) {
		nl = memrchr(buf, '\n', n);
		n = nl ? nl - buf + 1 : 0;
	}
	buf[n] = '\0';
	return n;
}

static int inspect_dir(const char *path, uint32_t pid, struct pa_task_info *info)
{
	char buf[STAT_BUF_SIZE], status[STATUS_BUF_SIZE];
	struct pa_stat st;
	ssize_t n;
	int dir, err;

	memset(info, 0, sizeof(*info));
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	err = pa_read_stat_at(dir, "stat", pid, &st);
	if (err) {
		close(dir);
		return err;
	}
	info->state = st.state;
	info->ppid = st.ppid;
	info->session = st.session;
	info->tty_nr = st.tty_nr;
	n = pa_read_at(dir, "syscall", buf, sizeof(buf) - 1);
	info->syscall = parse_syscall(buf, n, info->args);
	n = pa_read_at(dir, "wchan", info->wchan, sizeof(info->wchan) - 1);
	info->wchan[n > 0 ? n : 0] = '\0';
	n = read_status(dir, status, sizeof(status));
	info->sigchld = parse_sigchld(status);
	info->ns_pid = parse_ns_pid(status, pid);
	close(dir);
	return 0;
}
