// SPDX-License-Identifier: GPL-2.0
/*
 * thread_exec
 *
 * Prints "pid=P", then a second thread prints "tid=T" and execs this
 * program's file as "thread_exec-target" while the main thread sleeps.  The
 * exec kills the main thread and the new image keeps pid P although a
 * non-leader thread called execve().  Started as "thread_exec-target" it
 * exits 0 at once.
 *
 * Example: thread_exec
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TARGET_NAME "thread_exec-target"
#define SELF_EXE "/proc/self/exe"
#define EXIT_EXEC_FAILED 127
/* Distinct from the target's 0 and from an exec failure. */
#define EXIT_TIMEOUT 124
/* The exec takes milliseconds; this only bounds a broken run. */
#define MAIN_WAIT_S 30
#define LINE_LEN 256

static void write_all(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* One write(2) per line: stdout may be shared with other processes. */
__attribute__((format(printf, 1, 2)))
static void emit(const char *fmt, ...)
{
	char line[LINE_LEN];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	write_all(line, (size_t)len);
}

/*
 * Exec our file by its real path rather than /proc/self/exe: the kernel
 * names the new image (comm) after the last path component, and "exe" would
 * hide which program ran.  /proc/self/exe remains the fallback when the file
 * is gone or was replaced since we started.
 */
static const char *self_path(char *buf, size_t size)
{
	ssize_t n = readlink(SELF_EXE, buf, size - 1);

	if (n <= 0 || (size_t)n >= size - 1)
		return SELF_EXE;
	buf[n] = '\0';
	return access(buf, X_OK) ? SELF_EXE : buf;
}

static void *exec_thread(void *arg)
{
	char *args[] = { TARGET_NAME, NULL };
	char path_buf[PATH_MAX];
	const char *path;

	(void)arg;
	path = self_path(path_buf, sizeof(path_buf));
	emit("tid=%d", (int)gettid());
	execv(path, args);
	fprintf(stderr, "thread_exec: execv %s: %s\n", path, strerror(errno));
	exit(EXIT_EXEC_FAILED);
}

int main(int argc, char **argv)
{
	struct timespec left = { MAIN_WAIT_S, 0 };
	pthread_t thread;
	int err;

	if (argc > 0 && !strcmp(argv[0], TARGET_NAME))
		return EXIT_SUCCESS;
	if (argc != 1) {
		fprintf(stderr, "usage: thread_exec (no arguments)\n");
		return 2;
	}

	emit("pid=%d", (int)getpid());
	err = pthread_create(&thread, NULL, exec_thread, NULL);
	if (err) {
		fprintf(stderr, "thread_exec: pthread_create: %s\n",
			strerror(err));
		return EXIT_FAILURE;
	}

	/* The exec in the other thread kills us while we sleep. */
	while (nanosleep(&left, &left) && errno == EINTR)
		;
	fprintf(stderr, "thread_exec: exec did not happen within %d s\n",
		MAIN_WAIT_S);
	return EXIT_TIMEOUT;
}
