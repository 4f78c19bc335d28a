// SPDX-License-Identifier: GPL-2.0
/*
 * signal_storm N
 *
 * Forks a child with a SIGUSR1 handler, then sends it N SIGUSR1 with
 * kill(2) as fast as it can (1..1000000).  Standard signals do not queue:
 * a SIGUSR1 sent while one is pending merges into it, so the child runs
 * its handler at most N times.  Then SIGUSR2 asks the child for its count
 * and ends it.  Prints "sender=P", "target=C", "sent=N", "handled=H".
 *
 * Example: signal_storm 2000
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../scenario_io.h"

#define MAX_SIGNALS 1000000

static volatile sig_atomic_t handled;
static volatile sig_atomic_t asked;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void on_usr2(int sig)
{
	(void)sig;
	asked = 1;
}

/* The child: count SIGUSR1s until SIGUSR2, then say how many. */
static void target(int ready_fd, int count_fd)
{
	struct sigaction sa;
	sigset_t none;
	long n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	sigemptyset(&none);
	while (!asked)
		sigsuspend(&none);
	n = handled;
	_exit(write(count_fd, &n, sizeof(n)) == sizeof(n) ? 0 : 1);
}

int main(int argc, char **argv)
{
	int ready[2], count[2], status;
	long n, got = -1;
	sigset_t both, old;
	pid_t child;
	char c;

	if (argc != 2 || parse_long(argv[1], 1, MAX_SIGNALS, &n))
		return usage("signal_storm N (N 1..%d)", MAX_SIGNALS);
	if (pipe(ready) || pipe(count)) {
		perror("pipe");
		return 1;
	}
	/* Blocked until the child has its handlers: an early SIGUSR1 would kill it. */
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	sigprocmask(SIG_BLOCK, &both, &old);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		target(ready[1], count[1]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "signal_storm: the child did not start\n");
		return 1;
	}
	emit("sender=%d", (int)getpid());
	emit("target=%d", (int)child);
	for (long i = 0; i < n; i++)
		kill(child, SIGUSR1);
	emit("sent=%ld", n);
	kill(child, SIGUSR2);
	if (read(count[0], &got, sizeof(got)) != sizeof(got))
		got = -1;
	wait_child(child, &status);
	emit("handled=%ld", got);
	return got < 0;
}
