// SPDX-License-Identifier: GPL-2.0
/*
 * fork_chain DEPTH
 *
 * Builds a chain of nested children DEPTH (1..64) levels below the top
 * process.  Every process prints "level=L pid=P ppid=Q" before it forks,
 * waits for its own child and exits with code L, so every exit in the chain
 * carries a distinct, checkable code.  After reaping its child the top
 * prints "level=0 done=1".
 *
 * Example: fork_chain 3
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../scenario_io.h"

#define MIN_DEPTH 1
/* Levels double as exit codes; 64 keeps them clear of EXIT_BROKEN. */
#define MAX_DEPTH 64
/* Above every level, so a broken link is never mistaken for a level. */
#define EXIT_BROKEN 100

/* Reap @child and check it exited with the code of its level. */
static int reap_level(pid_t child, int level)
{
	int status;

	if (wait_child(child, &status) < 0) {
		fprintf(stderr, "fork_chain: level %d: waitpid: %s\n",
			level, strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != level + 1) {
		fprintf(stderr,
			"fork_chain: level %d: child %d ended with status %#x, want exit code %d\n",
			level, (int)child, status, level + 1);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pid_t child;
	long depth;
	int level;

	if (argc != 2 || parse_long(argv[1], MIN_DEPTH, MAX_DEPTH, &depth))
		return usage("fork_chain DEPTH (DEPTH %d..%d)", MIN_DEPTH,
			     MAX_DEPTH);

	/* Each iteration runs in the child the previous one forked. */
	for (level = 0;; level++) {
		emit("level=%d pid=%d ppid=%d", level, (int)getpid(),
		     (int)getppid());
		if (level == depth)
			return level;
		child = fork();
		if (child < 0) {
			fprintf(stderr, "fork_chain: level %d: fork: %s\n",
				level, strerror(errno));
			return EXIT_BROKEN;
		}
		if (child > 0)
			break;
	}

	if (reap_level(child, level))
		return EXIT_BROKEN;
	if (level == 0)
		emit("level=0 done=1");
	return level;
}
