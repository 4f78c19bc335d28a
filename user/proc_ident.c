// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_ident.h"

/* status is ~1.5 KiB; a long Groups line makes it longer, but Uid, Gid
 * and NSpid come before it and NSpid only just after: the first 4 KiB
 * always hold them. */
#define STATUS_HEAD 4096
/* /proc/PID/cgroup on a cgroup v2 system is one "0::PATH" line; v1
 * controllers add a line each. */
#define CGROUP_BUF 4096

/* The value after "\nName:" (or at the start) up to its newline. */
static const char *field(const char *text, const char *name, size_t *len)
{
	size_t nlen = strlen(name);
	const char *p = text, *end;

	while (p && *p) {
		if (!strncmp(p, name, nlen)) {
			p += nlen;
			end = strchr(p, '\n');
			*len = end ? (size_t)(end - p) : strlen(p);
			return p;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* "\t1000\t1000\t1000\t1000": the first n numbers. */
static int numbers(const char *s, size_t len, uint32_t *out, int n)
{
	size_t i = 0;

	for (int k = 0; k < n; k++) {
		size_t start;

		while (i < len && (s[i] == '\t' || s[i] == ' '))
			i++;
		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (!pa_parse_u32(s + start, i - start, &out[k]))
			return -1;
	}
	return 0;
}

/* NSpid's last number: the pid in the process's own namespace. */
static int last_number(const char *s, size_t len, uint32_t *out)
{
	size_t end = len, start;

	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	start = end;
	while (start > 0 && s[start - 1] >= '0' && s[start - 1] <= '9')
		start--;
	return pa_parse_u32(s + start, end - start, out) ? 0 : -1;
}

void pa_cgroup_leaf(const char *path, size_t len, char *buf, size_t size)
{
	size_t start = len;

	while (start > 0 && path[start - 1] != '/')
		start--;
	len -= start;
	if (len >= size)
		len = size - 1;
	memcpy(buf, path + start, len);
	buf[len] = '\0';
}

static void read_cgroup(int pid_fd, struct pa_task_ids *ids)
{
	char buf[CGROUP_BUF];
	ssize_t n = pa_read_at(pid_fd, "cgroup", buf, sizeof(buf) - 1);
	const char *path;
	size_t len;

	ids->cgroup[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* The unified hierarchy's line: "0::/path". */
	path = field(buf, "0::", &len);
	if (path)
		pa_cgroup_leaf(path, len, ids->cgroup, sizeof(ids->cgroup));
}

int pa_proc_read_ids_at(int pid_fd, const struct pa_stat *st, struct pa_task_ids *ids)
{
	char status[STATUS_HEAD];
	uint32_t v[2];
	const char *f;
	ssize_t n;
	size_t len;

	memset(ids, 0, sizeof(*ids));
	n = pa_read_at(pid_fd, "status", status, sizeof(status) - 1);
	if (n <= 0)
		return n < 0 ? (int)n : -ENODATA;
	status[n] = '\0';
	if (!(f = field(status, "Uid:", &len)) || numbers(f, len, v, 2))
		return -EINVAL;
	ids->uid = v[0];
	ids->euid = v[1];
	if (!(f = field(status, "Gid:", &len)) || numbers(f, len, v, 2))
		return -EINVAL;
	ids->gid = v[0];
	ids->egid = v[1];
	/* Without NSpid (kernels before 4.1) it is in the initial namespace. */
	if (!(f = field(status, "NSpid:", &len)) || last_number(f, len, &ids->vpid))
		ids->vpid = st->pid;
	ids->sid = st->session;
	ids->tty_nr = st->tty_nr;
	read_cgroup(pid_fd, ids);
	return 0;
}

int pa_proc_read_cwd_at(int pid_fd, char *buf, size_t size, uint32_t *key)
{
	ssize_t n = readlinkat(pid_fd, "cwd", buf, size - 1);
	struct stat st;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	/* The link followed: the directory itself, as the kernel side keys it.
	 * Some filesystems (btrfs, overlayfs) report another device than
	 * their superblock's: the keys then never match, costing a re-read. */
	*key = fstatat(pid_fd, "cwd", &st, 0) ? 0 : pa_cwd_key((uint32_t)st.st_dev, st.st_ino);
	return 0;
}

int pa_proc_read_cwd(const char *proc_root, uint32_t pid, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/%u/cwd", proc_root, pid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}
