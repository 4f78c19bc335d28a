/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the deadlock scenarios (tools/scenarios/mutex_pair.c,
 * mutex_ring3.c, flock_pair.c, busy_holder.c): knowing that a thread has
 * blocked in a given system call, and a ring of threads each holding one
 * mutex and waiting for the next.  Static inline, as in scenario_io.h.
 */
#ifndef LOCK_SCENARIO_H
#define LOCK_SCENARIO_H

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "scenario_io.h"

/* Blocking takes microseconds; this only bounds a broken or starved run. */
#define BLOCK_TIMEOUT_MS 10000
#define BLOCK_POLL_MS 1
/* "NNN 0x... 0x...": only the number is read. */
#define SYSCALL_LINE_MAX 256
#define RING_MAX 8

/* Is thread tid of process tgid inside system call nr?  Its syscall
 * file's first field is the number, or "running". */
static inline bool in_syscall(pid_t tgid, pid_t tid, long nr)
{
	char path[64], buf[SYSCALL_LINE_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)tgid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return buf[0] >= '0' && buf[0] <= '9' && strtol(buf, NULL, 10) == nr;
}

/* Wait until every one of tids[0..n) (of process tgid) is in system call
 * nr; false after BLOCK_TIMEOUT_MS. */
static inline bool wait_all_in_syscall(pid_t tgid, const pid_t *tids, int n, long nr)
{
	for (long ms = 0; ms < BLOCK_TIMEOUT_MS; ms += BLOCK_POLL_MS) {
		int i = 0;

		while (i < n && in_syscall(tgid, tids[i], nr))
			i++;
		if (i == n)
			return true;
		sleep_ms(BLOCK_POLL_MS);
	}
	return false;
}

/* Thread i holds mutex i and then takes mutex i + 1 (mod n). */
struct ring {
	int n;
	pthread_mutex_t m[RING_MAX];
	pid_t tids[RING_MAX];
	pthread_barrier_t held; /* every thread holds its first mutex */
};

struct ring_arg {
	struct ring *r;
	int i;
};

static inline void *ring_thread(void *p)
{
	struct ring_arg *a = p;
	struct ring *r = a->r;

	r->tids[a->i] = (pid_t)gettid();
	pthread_mutex_lock(&r->m[a->i]);
	/* Nobody takes a second mutex before everyone holds a first: the
	 * deadlock is certain, not a race. */
	pthread_barrier_wait(&r->held);
	pthread_mutex_lock(&r->m[(a->i + 1) % r->n]);
	return NULL; /* never reached */
}

/*
 * Prints "pid=P", one "thread=T" per thread, and "deadlocked" once every
 * thread is blocked in futex(); then hangs until killed.  Returns 1 when
 * the deadlock does not happen in time.
 */
static inline int run_mutex_ring(int n)
{
	static struct ring r;
	static struct ring_arg args[RING_MAX];
	pthread_t t;

	emit("pid=%d", (int)getpid());
	r.n = n;
	pthread_barrier_init(&r.held, NULL, n + 1);
	for (int i = 0; i < n; i++) {
		pthread_mutex_init(&r.m[i], NULL);
		args[i] = (struct ring_arg){ &r, i };
		if (pthread_create(&t, NULL, ring_thread, &args[i])) {
			perror("pthread_create");
			return 1;
		}
	}
	pthread_barrier_wait(&r.held);
	for (int i = 0; i < n; i++)
		emit("thread=%d", (int)r.tids[i]);
	if (!wait_all_in_syscall(getpid(), r.tids, n, SYS_futex)) {
		fprintf(stderr, "mutex ring: the threads did not block within %d ms\n",
			BLOCK_TIMEOUT_MS);
		return 1;
	}
	emit("deadlocked");
	for (;;)
		pause();
}

#endif /* LOCK_SCENARIO_H */
