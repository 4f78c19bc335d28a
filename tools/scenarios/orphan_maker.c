// SPDX-License-Identifier: GPL-2.0
/*
 * orphan_maker [--subreaper] [--daemon]
 *
 * top -> middle -> grandchild; the middle exits while the grandchild
 * lives, so the kernel hands the grandchild to the nearest child subreaper
 * (the top, with --subreaper) or to init.  With --daemon the grandchild
 * calls setsid() first, as a double-forking daemon does.  Prints
 * "top=T", "middle=M", "grandchild=G" and, once the kernel moved it,
 * "adopter=A" (the grandchild's getppid(): the kernel's choice).  The top
 * reaps the middle and, as a subreaper, the grandchild too.
 *
 * Example: orphan_maker --subreaper
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../scenario_io.h"

/* Long enough for a tracer to look at the orphan after its parent died. */
#define ORPHAN_LIFE_MS 500
#define ADOPTION_TIMEOUT_MS 5000
#define POLL_MS 5

static void grandchild(pid_t middle, bool as_daemon, int ready_fd)
{
	char c = 'g';

	if (as_daemon && setsid() < 0)
		_exit(1);
	emit("grandchild=%d", (int)getpid());
	if (write(ready_fd, &c, 1) != 1)
		_exit(1);
	close(ready_fd);
	for (long waited = 0; getppid() == middle; waited += POLL_MS) {
		if (waited >= ADOPTION_TIMEOUT_MS)
			_exit(2);
		sleep_ms(POLL_MS);
	}
	emit("adopter=%d", (int)getppid());
	sleep_ms(ORPHAN_LIFE_MS);
	_exit(0);
}

static void middle(bool as_daemon)
{
	int ready[2];
	pid_t g;
	char c;

	if (pipe(ready))
		_exit(1);
	g = fork();
	if (g < 0)
		_exit(1);
	if (g == 0) {
		close(ready[0]);
		grandchild(getppid(), as_daemon, ready[1]);
	}
	close(ready[1]);
	/* Exit only once the grandchild has said who it is. */
	if (read(ready[0], &c, 1) != 1)
		_exit(1);
	emit("middle=%d", (int)getpid());
	_exit(0);
}

int main(int argc, char **argv)
{
	bool subreaper = false, as_daemon = false;
	int status;
	pid_t m;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--subreaper"))
			subreaper = true;
		else if (!strcmp(argv[i], "--daemon"))
			as_daemon = true;
		else
			return usage("orphan_maker [--subreaper] [--daemon]");
	}
	if (subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("prctl");
		return 1;
	}
	emit("top=%d", (int)getpid());
	m = fork();
	if (m < 0)
		return 1;
	if (m == 0)
		middle(as_daemon);
	wait_child(m, &status);
	/* As a subreaper we now own the grandchild: reap it too. */
	while (subreaper && (waitpid(-1, &status, 0) > 0 || errno == EINTR))
		;
	return 0;
}
