// SPDX-License-Identifier: GPL-2.0
/*
 * die_by_signal SIGNAL [--core]
 *
 * Forks a child that kills itself with SIGNAL (a name such as SIGSEGV or
 * SEGV, or a number), reaps it and prints
 * "child=P status=S signal=N core=0|1" from the raw wait status.
 *
 * With --core the child may dump core: unlimited RLIMIT_CORE, dumpable, and
 * its working directory a fresh /tmp/die_by_signal.XXXXXX, which is removed
 * with any core file in it afterwards.  Without --core the child is made
 * non-dumpable so that core=0 whatever the caller's limits.
 *
 * Signals whose default action is not to terminate (SIGCHLD, SIGCONT,
 * SIGSTOP, ...) are refused: the child would never end.
 *
 * Example: die_by_signal SIGSEGV --core
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../scenario_io.h"

/* The child outlived its own signal: not a code any signal produces. */
#define EXIT_SURVIVED 125
#define CORE_DIR_TEMPLATE "/tmp/die_by_signal.XXXXXX"

/* Default action ignore or stop: raising them would not end the child. */
static const int non_fatal[] = {
	SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU,
};

/* Accepts "SIGTERM", "TERM" (any case) or a number; 0 if unknown. */
static int parse_signal(const char *s)
{
	const char *abbrev;
	char *end;
	long v;
	int sig;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end != s) {
		if (errno || *end || v < 1 || v >= NSIG)
			return 0;
		return (int)v;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (sig = 1; sig < NSIG; sig++) {
		abbrev = sigabbrev_np(sig);
		if (abbrev && !strcasecmp(s, abbrev))
			return sig;
	}
	return 0;
}

static bool is_fatal(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(non_fatal) / sizeof(non_fatal[0]); i++) {
		if (non_fatal[i] == sig)
			return false;
	}
	return true;
}

static void allow_core(const char *dir)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	if (setrlimit(RLIMIT_CORE, &unlimited))
		fprintf(stderr, "die_by_signal: setrlimit(RLIMIT_CORE): %s\n",
			strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		fprintf(stderr, "die_by_signal: PR_SET_DUMPABLE: %s\n",
			strerror(errno));
	/* A relative core_pattern ("core") then writes into our temp dir. */
	if (chdir(dir))
		fprintf(stderr, "die_by_signal: chdir %s: %s\n", dir,
			strerror(errno));
}

static void forbid_core(void)
{
	struct rlimit none = { 0, 0 };

	/* Non-dumpable also stops dumps to a core_pattern pipe. */
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static void __attribute__((noreturn)) child_main(int sig, const char *core_dir)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	if (core_dir)
		allow_core(core_dir);
	else
		forbid_core();

	/* An inherited handler or mask would keep the default action away. */
	if (sig != SIGKILL)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/*
	 * kill(), not raise(): glibc's raise() refuses the signals it keeps
	 * for itself (32, 33), whose default action still terminates.
	 */
	kill(getpid(), sig);
	_exit(EXIT_SURVIVED);
}

static int remove_dir(const char *path)
{
	struct dirent *de;
	int err = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(dir), de->d_name, 0)) {
			fprintf(stderr, "die_by_signal: cannot remove %s/%s: %s\n",
				path, de->d_name, strerror(errno));
			err = -1;
		}
	}
	closedir(dir);
	if (rmdir(path)) {
		fprintf(stderr, "die_by_signal: rmdir %s: %s\n", path,
			strerror(errno));
		err = -1;
	}
	return err;
}

static int reap(pid_t child, int *status)
{
	if (wait_child(child, status) < 0) {
		fprintf(stderr, "die_by_signal: waitpid: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int report(pid_t child, int status)
{
	if (!WIFSIGNALED(status)) {
		emit("child=%d status=%d signal=0 core=0", (int)child, status);
		fprintf(stderr, "die_by_signal: child %d was not killed by a signal\n",
			(int)child);
		return EXIT_FAILURE;
	}
	emit("child=%d status=%d signal=%d core=%d", (int)child, status,
	     WTERMSIG(status), WCOREDUMP(status) ? 1 : 0);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	char core_dir[] = CORE_DIR_TEMPLATE;
	bool want_core = false;
	pid_t child;
	int sig, status, ret;

	if (argc == 3 && !strcmp(argv[2], "--core"))
		want_core = true;
	sig = (argc == 2 || want_core) ? parse_signal(argv[1]) : 0;
	if (!sig || !is_fatal(sig))
		return usage("die_by_signal SIGNAL [--core] (SIGNAL: name or 1..%d, one whose default action terminates)",
			     NSIG - 1);
	if (want_core && !mkdtemp(core_dir)) {
		fprintf(stderr, "die_by_signal: mkdtemp %s: %s\n", core_dir,
			strerror(errno));
		return EXIT_FAILURE;
	}

	child = fork();
	if (child < 0) {
		fprintf(stderr, "die_by_signal: fork: %s\n", strerror(errno));
		ret = EXIT_FAILURE;
	} else if (child == 0) {
		child_main(sig, want_core ? core_dir : NULL);
	} else {
		ret = reap(child, &status) ? EXIT_FAILURE : report(child, status);
	}

	if (want_core && remove_dir(core_dir))
		ret = EXIT_FAILURE;
	return ret;
}
