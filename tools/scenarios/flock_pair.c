// SPDX-License-Identifier: GPL-2.0
/*
 * flock_pair [DIR]
 *
 * Two processes deadlocked on flock(2): the parent holds file A and asks
 * for file B, its child holds B and asks for A (each through its own open
 * file, as flock locks belong to open files).  The files are made in DIR
 * (default /tmp).  Prints "pid=P1" (the parent), "pid=P2" (the child),
 * then "deadlocked" once both are blocked in flock(), and hangs.
 *
 * SIGTERM, SIGINT or SIGHUP to the parent kills the child, removes the
 * files and ends the parent by that signal.  The child dies with its
 * parent (PR_SET_PDEATHSIG), so SIGKILL leaves no process behind, only
 * the two files.
 *
 * Example: flock_pair /tmp
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>

#include "../lock_scenario.h"

#define DEFAULT_DIR "/tmp"

/* What the signal handler needs: only async-signal-safe use. */
static char path_a[PATH_MAX], path_b[PATH_MAX];
static volatile pid_t child_pid;

/* 0 in the child, which must not kill its own process group. */
static void cleanup(void)
{
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	if (path_a[0])
		unlink(path_a);
	if (path_b[0])
		unlink(path_b);
}

static void cleanup_and_die(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig); /* delivered when the handler returns: we die of sig */
}

static int make_file(const char *dir, char *path)
{
	int fd;

	if (snprintf(path, PATH_MAX, "%s/flock_pair.XXXXXX", dir) >= PATH_MAX) {
		path[0] = '\0';
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "flock_pair: cannot create a file in %s: %s\n", dir, strerror(errno));
		path[0] = '\0';
	}
	return fd;
}

static int lock_path(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 || flock(fd, LOCK_EX))
		return -1;
	return fd;
}

/* Holds B, tells the parent, waits for its go, then asks for A. */
static void child_main(pid_t parent, int ready, int go)
{
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	if (lock_path(path_b) < 0)
		_exit(1);
	if (write(ready, "b", 1) != 1 || read(go, &c, 1) != 1)
		_exit(1);
	lock_path(path_a); /* blocks for good */
	_exit(1);
}

/* Says "deadlocked" once both sides are blocked; kills the child (which
 * frees the parent) if they never are. */
static void *watch(void *arg)
{
	pid_t parent = getpid(), child = child_pid;
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (wait_all_in_syscall(parent, &parent, 1, SYS_flock) &&
	    wait_all_in_syscall(child, &child, 1, SYS_flock)) {
		emit("deadlocked");
		return NULL;
	}
	fprintf(stderr, "flock_pair: no deadlock within %d ms\n", BLOCK_TIMEOUT_MS);
	kill(child, SIGKILL);
	return NULL;
}

static void on_signals(void (*fn)(int))
{
	signal(SIGTERM, fn);
	signal(SIGINT, fn);
	signal(SIGHUP, fn);
}

int main(int argc, char **argv)
{
	const char *dir = argc == 2 ? argv[1] : DEFAULT_DIR;
	pid_t parent = getpid();
	int fa, fb, ready[2], go[2];
	pthread_t watcher;
	char c;

	if (argc > 2)
		return usage("flock_pair [DIR]");
	emit("pid=%d", (int)getpid());
	fa = make_file(dir, path_a);
	fb = fa < 0 ? -1 : make_file(dir, path_b);
	if (fb < 0 || pipe(ready) || pipe(go)) {
		cleanup();
		return 1;
	}
	/* Before fork: a signal from now on must clean up.  The child resets it. */
	on_signals(cleanup_and_die);
	child_pid = fork();
	if (child_pid < 0) {
		perror("fork");
		cleanup();
		return 1;
	}
	if (child_pid == 0) {
		on_signals(SIG_DFL);
		/* The parent's open files would keep its locks alive after it. */
		close(fa);
		close(fb);
		child_main(parent, ready[1], go[0]);
	}
	emit("pid=%d", (int)child_pid);
	if (flock(fa, LOCK_EX) || read(ready[0], &c, 1) != 1 || write(go[1], "a", 1) != 1 ||
	    pthread_create(&watcher, NULL, watch, NULL)) {
		cleanup();
		return 1;
	}
	flock(fb, LOCK_EX); /* blocks until the child dies: no deadlock then */
	pthread_join(watcher, NULL);
	cleanup();
	return 1;
}
