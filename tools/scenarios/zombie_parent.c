// SPDX-License-Identifier: GPL-2.0
/*
 * zombie_parent N HOLD_MS [--handle-sigchld | --ignore-sigchld] [--orphan-zombies]
 *
 * Forks N children (1..2000) that exit at once, then sleeps HOLD_MS
 * without reaping them: they stay zombies, and the parent sits in
 * clock_nanosleep.  Prints "parent=P" and one "zombie=Z" per child.  Then
 * it reaps them all and prints "reaped=N", or with --orphan-zombies exits
 * without reaping, so init (or a subreaper) must.
 *   --handle-sigchld  installs a SIGCHLD handler that does not wait
 *   --ignore-sigchld  sets SIGCHLD to SIG_IGN: the kernel reaps at once,
 *                     so no zombie ever exists
 *
 * Example: zombie_parent 3 2500
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../scenario_io.h"

#define MAX_CHILDREN 2000
#define MAX_HOLD_MS 60000

static void on_sigchld(int sig)
{
	(void)sig; /* noticed, and deliberately not reaped */
}

static int set_sigchld(const char *mode)
{
	struct sigaction sa = { 0 };

	if (!strcmp(mode, "--handle-sigchld"))
		sa.sa_handler = on_sigchld;
	else if (!strcmp(mode, "--ignore-sigchld"))
		sa.sa_handler = SIG_IGN;
	else
		return -1;
	sa.sa_flags = SA_RESTART;
	return sigaction(SIGCHLD, &sa, NULL);
}

int main(int argc, char **argv)
{
	long n, hold_ms, reaped = 0;
	int status;
	bool orphan_zombies = false;

	if (argc < 3 || parse_long(argv[1], 1, MAX_CHILDREN, &n) ||
	    parse_long(argv[2], 0, MAX_HOLD_MS, &hold_ms))
		return usage("zombie_parent N HOLD_MS [--handle-sigchld|--ignore-sigchld] [--orphan-zombies] (N 1..%d, HOLD_MS 0..%d)",
			     MAX_CHILDREN, MAX_HOLD_MS);
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--orphan-zombies"))
			orphan_zombies = true;
		else if (set_sigchld(argv[i]))
			return usage("zombie_parent: unknown option %s", argv[i]);
	}
	emit("parent=%d", (int)getpid());
	for (long i = 0; i < n; i++) {
		pid_t child = fork();

		if (child < 0) {
			perror("fork");
			return 1;
		}
		if (child == 0)
			_exit(0);
		emit("zombie=%d", (int)child);
	}
	sleep_ms(hold_ms);
	if (orphan_zombies)
		return 0;
	while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
		reaped++;
	emit("reaped=%ld", reaped);
	return 0;
}
