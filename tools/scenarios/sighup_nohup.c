// SPDX-License-Identifier: GPL-2.0
/*
 * sighup_nohup
 *
 * What happens to a session when its terminal goes away, as when an ssh
 * connection drops.  A child becomes a session leader on a new
 * pseudo-terminal (as a login shell would) and starts two jobs in its
 * foreground process group: "plain", and "nohup", which ignores SIGHUP as
 * nohup(1) makes it.  Then we close the terminal's master side: the kernel
 * hangs the terminal up and sends SIGHUP to the session leader, which
 * dies of it; its exit sends SIGHUP to the foreground group, which ends
 * plain while nohup lives on.  We are the child subreaper, so the
 * orphaned jobs come back to us.
 *
 * Prints "leader=L", "plain=P", "nohup=N", then after the hangup
 * "leader_signal=S", "plain_signal=S" (the signal that ended each, 0 if
 * none), "nohup_alive=1|0"; then kills what is left and reaps it all.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../scenario_io.h"

#define WAIT_STEP_MS 10
#define WAIT_MAX_MS 10000

/* A job of the session: sleeps until a signal ends it. */
static pid_t job(bool ignore_hup)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (ignore_hup)
			signal(SIGHUP, SIG_IGN);
		for (;;)
			pause();
	}
	return pid;
}

/* The session leader: a new session whose controlling terminal is the
 * pty's slave side; its jobs start in its process group, the foreground one. */
static void leader(int master, const char *slave, int report_fd)
{
	pid_t pids[2];
	int fd;

	close(master); /* the hangup comes when the last master fd closes: ours */
	setsid();
	fd = open(slave, O_RDWR); /* the first terminal a leader opens becomes its own */
	if (fd < 0)
		_exit(1);
	pids[0] = job(false);
	pids[1] = job(true);
	if (write(report_fd, pids, sizeof(pids)) != sizeof(pids))
		_exit(1);
	for (;;)
		pause();
}

/* Reap pid (bounded wait); the signal that ended it, 0 if none or not yet. */
static int ended_by(pid_t pid)
{
	int status;

	for (int waited = 0; waited < WAIT_MAX_MS; waited += WAIT_STEP_MS) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		sleep_ms(WAIT_STEP_MS);
	}
	return 0;
}

int main(void)
{
	pid_t lead, pids[2];
	int master, report[2];
	char *slave;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || !(slave = ptsname(master)) ||
	    pipe(report)) {
		perror("pty");
		return 1;
	}
	lead = fork();
	if (lead == 0)
		leader(master, slave, report[1]);
	if (read(report[0], pids, sizeof(pids)) != sizeof(pids)) {
		fprintf(stderr, "sighup_nohup: the session did not start\n");
		return 1;
	}
	emit("leader=%d", (int)lead);
	emit("plain=%d", (int)pids[0]);
	emit("nohup=%d", (int)pids[1]);
	sleep_ms(100); /* let the jobs reach pause() and their SIG_IGN */
	close(master);   /* hang up */
	emit("leader_signal=%d", ended_by(lead));
	emit("plain_signal=%d", ended_by(pids[0]));
	emit("nohup_alive=%d", kill(pids[1], 0) == 0);
	/* Whatever the hangup left alive goes now; as the subreaper we reap
	 * them all, the leader's orphans included. */
	kill(pids[1], SIGKILL);
	kill(pids[0], SIGKILL);
	kill(lead, SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
