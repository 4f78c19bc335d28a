// SPDX-License-Identifier: GPL-2.0
/*
 * in_container [--cgroup] [--pidns] [--uid N]
 *
 * Looks to the agent like a process started in a container, without a
 * container runtime: it leads a new session (setsid), works in a fresh
 * directory, with --cgroup moves itself into a cgroup v2 directory named
 * as docker names a container's ("docker-<64 hex>.scope", under the
 * cgroup2 mount), with --pidns forks its child into a new pid namespace
 * (the child is pid 1 there), and with --uid drops the child to uid and
 * gid N.  The child then re-executes this file as "in_container-target"
 * with a password-looking argv, lives 300 ms (long enough for the agent
 * to read its working directory) and exits 0.
 *
 * Prints "pid=P sid=S cwd=DIR", with --cgroup "cgroup=NAME container=ID",
 * then "child=C" (C as the agent sees it) and at the end "status=N".
 * Everything it made (the cgroup, the directory) is removed before it
 * exits, also when a step fails.  Needs root for --cgroup, --pidns, --uid.
 *
 * Example: in_container --cgroup --pidns --uid 65534
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../scenario_io.h"

#define TARGET_NAME "in_container-target"
/* The target's life: the agent drains its ring every 5 ms; 300 ms leaves
 * room for a loaded machine to read /proc/PID/cwd while it exists. */
#define TARGET_LIFE_MS 300
#define MOUNTINFO_LINE 4096

struct opts {
	bool cgroup, pidns;
	long uid; /* -1: keep */
};

struct made {
	char cgroup_dir[PATH_MAX];  /* "" when none */
	char home_cgroup[PATH_MAX]; /* the cgroup.procs we came from */
	char cwd[64];
};

static int parse(int argc, char **argv, struct opts *o)
{
	o->cgroup = o->pidns = false;
	o->uid = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cgroup"))
			o->cgroup = true;
		else if (!strcmp(argv[i], "--pidns"))
			o->pidns = true;
		else if (!strcmp(argv[i], "--uid") && i + 1 < argc)
			o->uid = parse_long(argv[++i], 0, 65535, &o->uid) ? -2 : o->uid;
		else
			return -1;
	}
	return o->uid == -2 ? -1 : 0;
}

/* Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid system). */
static int cgroup2_mount(char *buf, size_t size)
{
	char line[MOUNTINFO_LINE], mnt[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (sep && !strncmp(sep + 3, "cgroup2 ", 8) && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(buf, size, "%s", mnt);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

static int write_pid(const char *dir, pid_t pid)
{
	char path[PATH_MAX + 16], num[16];
	int fd, n, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = snprintf(num, sizeof(num), "%d", (int)pid);
	ok = write(fd, num, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

/* Our own cgroup v2 directory, from /proc/self/cgroup's "0::" line. */
static int home_cgroup(const char *mnt, char *buf, size_t size)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			found = snprintf(buf, size, "%s%s", mnt, line + 3) < (int)size ? 0 : -1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* A docker-like scope with an id nobody else uses: the pid and the clock. */
static int enter_cgroup(struct made *m)
{
	char mnt[PATH_MAX], id[65];
	struct timespec ts;

	if (cgroup2_mount(mnt, sizeof(mnt)) || home_cgroup(mnt, m->home_cgroup, sizeof(m->home_cgroup)))
		return -1;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(id, sizeof(id), "%016llx%016llx%016llx%016llx", 0x7e57ULL, (unsigned long long)getpid(),
		 (unsigned long long)ts.tv_sec, (unsigned long long)ts.tv_nsec);
	if (snprintf(m->cgroup_dir, sizeof(m->cgroup_dir), "%s/docker-%s.scope", mnt, id) >=
		    (int)sizeof(m->cgroup_dir) ||
	    mkdir(m->cgroup_dir, 0755)) {
		m->cgroup_dir[0] = '\0';
		return -1;
	}
	if (write_pid(m->cgroup_dir, getpid()))
		return -1;
	emit("cgroup=docker-%s.scope container=%s", id, id);
	return 0;
}

static void cleanup(struct made *m)
{
	if (m->cgroup_dir[0]) {
		/* A cgroup with a process in it cannot be removed. */
		write_pid(m->home_cgroup, getpid());
		if (rmdir(m->cgroup_dir))
			fprintf(stderr, "in_container: rmdir %s: %s\n", m->cgroup_dir, strerror(errno));
	}
	if (m->cwd[0] && chdir("/") == 0)
		rmdir(m->cwd);
}

static int child(const struct opts *o)
{
	char self[PATH_MAX];

	if (o->uid >= 0 && (setgid((gid_t)o->uid) || setuid((uid_t)o->uid))) {
		perror("in_container: setuid");
		_exit(1);
	}
	execl(self_path(self, sizeof(self)), TARGET_NAME, "--password", "hunter2", "token=s3cr3t",
	      (char *)NULL);
	perror("in_container: exec");
	_exit(1);
}

int main(int argc, char **argv)
{
	struct made m = { .cgroup_dir = "" };
	struct opts o;
	int status = -1;
	pid_t pid;

	if (!strcmp(argv[0], TARGET_NAME)) {
		sleep_ms(TARGET_LIFE_MS);
		return 0;
	}
	if (parse(argc, argv, &o))
		return usage("in_container [--cgroup] [--pidns] [--uid N]");
	setsid();
	snprintf(m.cwd, sizeof(m.cwd), "/tmp/pa-cwd-XXXXXX");
	if (!mkdtemp(m.cwd) || chdir(m.cwd)) {
		m.cwd[0] = '\0';
		perror("in_container: working directory");
		return 1;
	}
	emit("pid=%d sid=%d cwd=%s", (int)getpid(), (int)getsid(0), m.cwd);
	if (o.cgroup && enter_cgroup(&m)) {
		perror("in_container: cgroup");
		goto out;
	}
	/* The next child is pid 1 of a new namespace; we stay in ours. */
	if (o.pidns && unshare(CLONE_NEWPID)) {
		perror("in_container: unshare");
		goto out;
	}
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0)
		return child(&o);
	emit("child=%d", (int)pid);
	if (wait_child(pid, &status) < 0)
		status = -1;
out:
	cleanup(&m);
	emit("status=%d", status);
	return status == 0 ? 0 : 1;
}
