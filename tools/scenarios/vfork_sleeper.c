// SPDX-License-Identifier: GPL-2.0
/*
 * vfork_sleeper MS
 *
 * vfork()s a child that sleeps MS milliseconds (1..60000) before it
 * _exit()s.  Until then the parent waits in the kernel for the child to
 * release its memory, uninterruptibly: a thread in D state for MS ms,
 * made on purpose and harmless.  Prints "parent=P" and "child=C".
 *
 * Example: vfork_sleeper 3000
 */
#include <errno.h>
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
		return usage("vfork_sleeper MS (MS 1..%d)", MAX_MS);
	emit("parent=%d", (int)getpid());
	child = vfork();
	if (child < 0) {
		perror("vfork");
		return 1;
	}
	if (child == 0) {
		/* Only async-signal-safe calls in a vfork child: write and nanosleep. */
		emit("child=%d", (int)getpid());
		sleep_ms(ms);
		_exit(0);
	}
	wait_child(child, &status);
	return 0;
}
