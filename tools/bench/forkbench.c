// SPDX-License-Identifier: GPL-2.0
/*
 * forkbench fork-exit|fork-exec COUNT
 *
 * Process-lifecycle micro-benchmark: COUNT (1..10000000) times fork a child
 * and reap it.  In fork-exit the child _exit(0)s at once; in fork-exec it
 * execs /proc/self/exe as "forkbench-target" with three short arguments,
 * which exits 0 as its first action.  The loop is timed with
 * CLOCK_MONOTONIC and reported as one line:
 * "mode=M count=N elapsed_ns=E ns_per_op=X".
 *
 * Example: forkbench fork-exec 3000
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../scenario_io.h"

#define TARGET_NAME "forkbench-target"
#define MAX_COUNT 10000000L
#define EXIT_EXEC_FAILED 127
#define NSEC_PER_SEC 1000000000ULL

enum mode {
	MODE_FORK_EXIT,
	MODE_FORK_EXEC,
};

static const char *const mode_names[] = {
	[MODE_FORK_EXIT] = "fork-exit",
	[MODE_FORK_EXEC] = "fork-exec",
};

static int parse_mode(const char *s, enum mode *mode)
{
	if (!strcmp(s, mode_names[MODE_FORK_EXIT]))
		*mode = MODE_FORK_EXIT;
	else if (!strcmp(s, mode_names[MODE_FORK_EXEC]))
		*mode = MODE_FORK_EXEC;
	else
		return -1;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void __attribute__((noreturn)) child_main(enum mode mode)
{
	char *args[] = { TARGET_NAME, "a", "bb", "ccc", NULL };

	if (mode == MODE_FORK_EXEC)
		execv(SELF_EXE, args);
	_exit(mode == MODE_FORK_EXIT ? 0 : EXIT_EXEC_FAILED);
}

/* One fork and reap; a child that did not exit 0 spoils the measurement. */
static int one_op(enum mode mode)
{
	pid_t child;
	int status;

	child = fork();
	if (child < 0) {
		fprintf(stderr, "forkbench: fork: %s\n", strerror(errno));
		return -1;
	}
	if (child == 0)
		child_main(mode);
	if (wait_child(child, &status) < 0) {
		fprintf(stderr, "forkbench: waitpid: %s\n", strerror(errno));
		return -1;
	}
	if (status != 0) {
		fprintf(stderr, "forkbench: child %d ended with status %#x\n",
			(int)child, status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t start, elapsed;
	enum mode mode;
	long count, i;

	if (argc > 0 && !strcmp(argv[0], TARGET_NAME))
		_exit(0);
	if (argc != 3 || parse_mode(argv[1], &mode) ||
	    parse_long(argv[2], 1, MAX_COUNT, &count))
		return usage("forkbench fork-exit|fork-exec COUNT (COUNT 1..%ld)",
			     MAX_COUNT);

	start = now_ns();
	for (i = 0; i < count; i++) {
		if (one_op(mode))
			return EXIT_FAILURE;
	}
	elapsed = now_ns() - start;

	printf("mode=%s count=%ld elapsed_ns=%llu ns_per_op=%llu\n",
	       mode_names[mode], count, (unsigned long long)elapsed,
	       (unsigned long long)(elapsed / (uint64_t)count));
	return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}
