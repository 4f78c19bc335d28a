// SPDX-License-Identifier: GPL-2.0
/*
 * thread_exec
 *
 * Prints "pid=P", then a second thread prints "tid=T" and execs this
 * program's file as "thread_exec-target" while the main thread sleeps.  The
 * exec kills the main thread and the new image keeps pid P although a
 * non-leader thread called execve().  Started as "thread_exec-target" it
 * exits 0 at once.
 *
 * Example: thread_exec
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../scenario_io.h"

#define TARGET_NAME "thread_exec-target"
#define EXIT_EXEC_FAILED 127
/* Distinct from the target's 0 and from an exec failure. */
#define EXIT_TIMEOUT 124
/* The exec takes milliseconds; this only bounds a broken run. */
#define MAIN_WAIT_S 30

static void *exec_thread(void *arg)
{
	char *args[] = { TARGET_NAME, NULL };
	char path_buf[PATH_MAX];
	const char *path;

	(void)arg;
	path = self_path(path_buf, sizeof(path_buf));
	emit("tid=%d", (int)gettid());
	execv(path, args);
	fprintf(stderr, "thread_exec: execv %s: %s\n", path, strerror(errno));
	exit(EXIT_EXEC_FAILED);
}

int main(int argc, char **argv)
{
	pthread_t thread;
	int err;

	if (argc > 0 && !strcmp(argv[0], TARGET_NAME))
		return EXIT_SUCCESS;
	if (argc != 1)
		return usage("thread_exec (no arguments)");

	emit("pid=%d", (int)getpid());
	err = pthread_create(&thread, NULL, exec_thread, NULL);
	if (err) {
		fprintf(stderr, "thread_exec: pthread_create: %s\n",
			strerror(err));
		return EXIT_FAILURE;
	}

	/* The exec in the other thread kills us while we sleep. */
	sleep_ms(MAIN_WAIT_S * 1000L);
	fprintf(stderr, "thread_exec: exec did not happen within %d s\n",
		MAIN_WAIT_S);
	return EXIT_TIMEOUT;
}
