// SPDX-License-Identifier: GPL-2.0
/*
 * stop_cont STOP_MS
 *
 * Forks a child that sleeps, stops it with SIGSTOP, keeps it stopped for
 * STOP_MS milliseconds (1..60000), continues it with SIGCONT and lets it
 * exit.  Prints "child=C".  A tracer sees the child go into T and out.
 *
 * Example: stop_cont 500
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../scenario_io.h"

#define MAX_MS 60000


int main(int argc, char **argv)
{
	long ms;
	int status;
	pid_t child;

	if (argc != 2 || parse_long(argv[1], 1, MAX_MS, &ms))
		return usage("stop_cont STOP_MS (STOP_MS 1..%d)", MAX_MS);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		sleep_ms(ms + 1000); /* stopped for a while in the middle of this */
		_exit(0);
	}
	emit("child=%d", (int)child);
	sleep_ms(50);
	kill(child, SIGSTOP);
	/* Sure it is stopped before the clock starts. */
	if (waitpid(child, &status, WUNTRACED) != child || !WIFSTOPPED(status))
		return 1;
	sleep_ms(ms);
	kill(child, SIGCONT);
	wait_child(child, &status);
	return 0;
}
