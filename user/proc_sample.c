// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc_sample.h"
#include "procfs_read.h"

/* "sum_exec_runtime run_delay pcount\n": three numbers of at most 20 digits. */
#define SCHEDSTAT_BUF_SIZE 96

struct schedstat {
	uint64_t run_ns;   /* on a CPU */
	uint64_t wait_ns;  /* runnable, waiting for one */
	uint64_t runs;     /* times it was scheduled in */
};

static int read_schedstat(int dir_fd, const char *path, struct schedstat *s)
{
	char buf[SCHEDSTAT_BUF_SIZE];
	uint64_t v[3];
	ssize_t n = pa_read_at(dir_fd, path, buf, sizeof(buf));
	const char *p = buf, *end;

	if (n < 0)
		return n;
	end = buf + n;
	for (int i = 0; i < 3; i++) {
		const char *field = p;

		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (p == end || !pa_parse_u64(field, p - field, &v[i]))
			return -EINVAL;
		p++;
	}
	s->run_ns = v[0];
	s->wait_ns = v[1];
	s->runs = v[2];
	return 0;
}

/* A first sample only starts the clock: idleness and CPU share need two. */
static void update_sample(struct pa_proc_sample *s, uint64_t cpu_ticks, uint64_t runs,
			  uint64_t now_ns)
{
	if (!s->at_ns || now_ns <= s->at_ns) {
		s->active_ns = now_ns;
		s->idle_since_start = true;
	} else {
		uint64_t busy_ticks = cpu_ticks > s->cpu_ticks ? cpu_ticks - s->cpu_ticks : 0;

		s->cpu_permille = busy_ticks * PA_NS_PER_TICK * 1000 / (now_ns - s->at_ns);
		if (cpu_ticks != s->cpu_ticks || runs != s->runs) {
			s->active_ns = now_ns;
			s->idle_since_start = false;
		}
	}
	s->at_ns = now_ns;
	s->cpu_ticks = cpu_ticks;
	s->runs = runs;
}

int pa_sample_proc(int proc_root_fd, struct pa_proc *p, uint64_t now_ns)
{
	struct schedstat ss = { 0 };
	char name[16];
	struct pa_stat st;
	struct stat dir_stat;
	int dir, err;

	snprintf(name, sizeof(name), "%u", p->pid);
	dir = openat(proc_root_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	err = pa_read_stat_at(dir, "stat", p->pid, &st);
	if (!err && pa_ns_to_ticks(st.start_ns) != p->start_ticks)
		err = -ESRCH;
	/* The directory's owner is the effective uid, the USER column of ps. */
	if (!err && fstat(dir, &dir_stat))
		err = -errno;
	/* Without schedstat (no CONFIG_SCHED_INFO) CPU time alone tells activity. */
	if (!err)
		read_schedstat(dir, "schedstat", &ss);
	close(dir);
	if (err)
		return err;
	p->sample.uid = dir_stat.st_uid;
	update_sample(&p->sample, st.cpu_ticks, ss.runs, now_ns);
	if (!p->exited) {
		p->state = st.state;
		p->nr_threads = st.nr_threads;
	}
	return 0;
}

int pa_sample_table(struct pa_table *t, const char *proc_root, uint64_t now_ns)
{
	int root = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct pa_proc *p, *tmp;
	int count = 0;

	if (root < 0)
		return -errno;
	pa_table_foreach(t, p, tmp) {
		if (!p->exited && !pa_sample_proc(root, p, now_ns))
			count++;
	}
	close(root);
	return count;
}

static void add_thread_times(int task_fd, uint32_t tid, uint64_t now_ns, pa_blocked_fn blocked,
			     void *ctx, uint64_t times[PA_NR_TIMES])
{
	char path[48];
	struct schedstat ss;
	struct pa_stat st;
	uint64_t life, d = 0, accounted;

	snprintf(path, sizeof(path), "%u/stat", tid);
	if (pa_read_stat_at(task_fd, path, tid, &st))
		return;
	snprintf(path, sizeof(path), "%u/schedstat", tid);
	if (read_schedstat(task_fd, path, &ss))
		return;
	if (blocked)
		d = blocked(ctx, tid, now_ns);
	life = now_ns > st.start_ns ? now_ns - st.start_ns : 0;
	accounted = ss.run_ns + ss.wait_ns + d;
	times[PA_T_RUNNING] += ss.run_ns;
	times[PA_T_RUNNABLE] += ss.wait_ns;
	times[PA_T_BLOCKED] += d;
	/* Start times have tick precision: a young thread can look slightly
	 * older or younger than its accounted time. */
	times[PA_T_SLEEPING] += life > accounted ? life - accounted : 0;
}

int pa_sample_thread_times(const char *proc_root, uint32_t pid, uint64_t now_ns,
			   pa_blocked_fn blocked, void *ctx, uint64_t times[PA_NR_TIMES])
{
	char path[PATH_MAX];
	struct dirent *de;
	uint32_t tid;
	DIR *dir;

	if (snprintf(path, sizeof(path), "%s/%u/task", proc_root, pid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (pa_parse_id(de->d_name, &tid))
			add_thread_times(dirfd(dir), tid, now_ns, blocked, ctx, times);
	}
	closedir(dir);
	return 0;
}
