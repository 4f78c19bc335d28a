// SPDX-License-Identifier: GPL-2.0
/*
 * exit_code CODE
 *
 * Forks a child that _exit()s with CODE (0..255), reaps it and prints
 * "child=P status=S code=C": S is the raw wait status, C its WEXITSTATUS.
 *
 * Example: exit_code 42
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../scenario_io.h"

#define MAX_CODE 255

int main(int argc, char **argv)
{
	pid_t child;
	long code;
	int status;

	if (argc != 2 || parse_long(argv[1], 0, MAX_CODE, &code))
		return usage("exit_code CODE (CODE 0..%d)", MAX_CODE);

	child = fork();
	if (child < 0) {
		fprintf(stderr, "exit_code: fork: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (child == 0)
		_exit((int)code);

	if (wait_child(child, &status) < 0) {
		fprintf(stderr, "exit_code: waitpid: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (!WIFEXITED(status)) {
		emit("child=%d status=%d code=-1", (int)child, status);
		fprintf(stderr, "exit_code: child %d did not exit normally\n",
			(int)child);
		return EXIT_FAILURE;
	}
	emit("child=%d status=%d code=%d", (int)child, status,
	     WEXITSTATUS(status));
	return EXIT_SUCCESS;
}
