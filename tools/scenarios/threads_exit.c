// SPDX-License-Identifier: GPL-2.0
/*
 * threads_exit NTHREADS [--leader-first] [--code C]
 *
 * Starts NTHREADS (1..64) threads, prints "pid=P" and, once every thread
 * runs, one "tid=T" line per thread in creation order.  The threads then end
 * one at a time, in that order, about 5 ms apart: each waits until its
 * predecessor has left the kernel's task list before its own turn.  All but
 * the last call pthread_exit(); the last calls exit(C) (C 0..255, default 0),
 * so the process ends with code C.
 *
 * Without --leader-first the main thread just waits for that exit.  With
 * --leader-first it calls pthread_exit() right after printing, and the first
 * thread waits until the leader is a zombie, so the leader is gone while the
 * others still live.
 *
 * Example: threads_exit 4 --leader-first --code 7
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../scenario_io.h"

#define MAX_THREADS 64
#define MAX_CODE 255
/* Not a code --code can ask for by accident in the tests: distinct. */
#define EXIT_TIMEOUT 124
#define STAT_LEN 512
#define EXIT_INTERVAL_MS 5
#define POLL_INTERVAL_MS 1
/* A thread's exit takes microseconds; this only bounds a broken run. */
#define TASK_END_TIMEOUT_MS 5000
/* 64 threads at ~6 ms each end well within this. */
#define MAIN_WAIT_MS 30000

struct worker {
	pthread_t thread;
	pid_t tid;
	int index;
};

static struct {
	int nthreads;
	int code;
	bool leader_first;
	pid_t leader;
	struct worker workers[MAX_THREADS];
	/* Every worker has stored its tid: main may print them. */
	pthread_barrier_t started;
	/* Main has printed everything: workers may start to end. */
	pthread_barrier_t go;
} run;

static int parse_args(int argc, char **argv)
{
	bool have_count = false;
	long v;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--leader-first")) {
			run.leader_first = true;
		} else if (!strcmp(argv[i], "--code")) {
			if (++i >= argc || parse_long(argv[i], 0, MAX_CODE, &v))
				return -1;
			run.code = (int)v;
		} else if (!have_count) {
			if (parse_long(argv[i], 1, MAX_THREADS, &v))
				return -1;
			run.nthreads = (int)v;
			have_count = true;
		} else {
			return -1;
		}
	}
	return have_count ? 0 : -1;
}

/*
 * A task has ended for a tracer once it is a zombie or reaped: its exit
 * tracepoints have fired by then.  pthread_join() alone is not enough, the
 * kernel wakes joiners from exit_mm(), before the exit is traced.
 */
static bool task_ended(pid_t tid)
{
	char path[64], buf[STAT_LEN];
	const char *state;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	/* The state follows the comm, which may itself contain ')'. */
	state = strrchr(buf, ')');
	return state && (state[2] == 'Z' || state[2] == 'X');
}

static void wait_task_ended(pid_t tid)
{
	long waited;

	for (waited = 0; !task_ended(tid); waited += POLL_INTERVAL_MS) {
		if (waited >= TASK_END_TIMEOUT_MS) {
			fprintf(stderr, "threads_exit: task %d did not end within %d ms\n",
				(int)tid, TASK_END_TIMEOUT_MS);
			_exit(EXIT_TIMEOUT);
		}
		sleep_ms(POLL_INTERVAL_MS);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker *prev;

	w->tid = gettid();
	pthread_barrier_wait(&run.started);
	pthread_barrier_wait(&run.go);

	if (w->index > 0) {
		prev = &run.workers[w->index - 1];
		pthread_join(prev->thread, NULL);
		wait_task_ended(prev->tid);
	} else if (run.leader_first) {
		wait_task_ended(run.leader);
	}
	sleep_ms(EXIT_INTERVAL_MS);

	if (w->index == run.nthreads - 1)
		exit(run.code);
	pthread_exit(NULL);
}

static int start_workers(void)
{
	struct worker *w;
	int i, err;

	/* Workers plus main meet at both barriers. */
	err = pthread_barrier_init(&run.started, NULL, (unsigned)run.nthreads + 1);
	if (!err)
		err = pthread_barrier_init(&run.go, NULL, (unsigned)run.nthreads + 1);
	if (err) {
		fprintf(stderr, "threads_exit: pthread_barrier_init: %s\n",
			strerror(err));
		return -1;
	}
	for (i = 0; i < run.nthreads; i++) {
		w = &run.workers[i];
		w->index = i;
		err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			fprintf(stderr, "threads_exit: pthread_create: %s\n",
				strerror(err));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	if (parse_args(argc, argv))
		return usage("threads_exit NTHREADS [--leader-first] [--code C] (NTHREADS 1..%d, C 0..%d)",
			     MAX_THREADS, MAX_CODE);
	run.leader = getpid();
	emit("pid=%d", (int)run.leader);

	/* A worker that was created would wait at the barrier forever. */
	if (start_workers())
		_exit(EXIT_FAILURE);
	pthread_barrier_wait(&run.started);
	for (i = 0; i < run.nthreads; i++)
		emit("tid=%d", (int)run.workers[i].tid);
	pthread_barrier_wait(&run.go);

	if (run.leader_first)
		pthread_exit(NULL);

	/* The last worker's exit() ends us; waking up here means it did not. */
	sleep_ms(MAIN_WAIT_MS);
	fprintf(stderr, "threads_exit: threads did not finish within %d ms\n",
		MAIN_WAIT_MS);
	return EXIT_TIMEOUT;
}
