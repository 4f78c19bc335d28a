// SPDX-License-Identifier: GPL-2.0
/*
 * busy_holder SECONDS
 *
 * A long wait that is not a deadlock: the holder thread takes a mutex and
 * spins on the CPU (running, never blocked) for SECONDS (1..600); the
 * waiter thread blocks on the mutex meanwhile and gets it when the holder
 * lets go.  Prints "pid=P", "holder=T", and "waiter=T" once the waiter is
 * blocked in futex(); exits 0 after about SECONDS.  A deadlock detector
 * must report nothing.
 *
 * Example: busy_holder 5
 */
#include <time.h>

#include "../lock_scenario.h"

#define MAX_SECONDS 600
#define NS_PER_SEC 1000000000LL

static struct {
	pthread_mutex_t m;
	pthread_barrier_t held; /* the holder holds m, both tids are known */
	long seconds;
	pid_t holder, waiter;
} run = { .m = PTHREAD_MUTEX_INITIALIZER };

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void *holder_main(void *arg)
{
	long long end;

	(void)arg;
	run.holder = (pid_t)gettid();
	pthread_mutex_lock(&run.m);
	pthread_barrier_wait(&run.held);
	/* Busy, on purpose: the holder runs the whole time. */
	end = now_ns() + run.seconds * NS_PER_SEC;
	while (now_ns() < end)
		;
	pthread_mutex_unlock(&run.m);
	return NULL;
}

static void *waiter_main(void *arg)
{
	(void)arg;
	run.waiter = (pid_t)gettid();
	pthread_barrier_wait(&run.held);
	pthread_mutex_lock(&run.m);
	pthread_mutex_unlock(&run.m);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t holder, waiter;

	if (argc != 2 || parse_long(argv[1], 1, MAX_SECONDS, &run.seconds))
		return usage("busy_holder SECONDS (SECONDS 1..%d)", MAX_SECONDS);
	emit("pid=%d", (int)getpid());
	pthread_barrier_init(&run.held, NULL, 3);
	if (pthread_create(&holder, NULL, holder_main, NULL) ||
	    pthread_create(&waiter, NULL, waiter_main, NULL)) {
		perror("pthread_create");
		return 1;
	}
	pthread_barrier_wait(&run.held);
	emit("holder=%d", (int)run.holder);
	/* Best effort: a starved waiter may block late; the line comes anyway. */
	wait_all_in_syscall(getpid(), &run.waiter, 1, SYS_futex);
	emit("waiter=%d", (int)run.waiter);
	pthread_join(holder, NULL);
	pthread_join(waiter, NULL);
	return 0;
}
