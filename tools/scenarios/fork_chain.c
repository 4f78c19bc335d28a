// SPDX-License-Identifier: GPL-2.0
/*
 * fork_chain DEPTH
 *
 * Builds a chain of nested children DEPTH (1..64) levels below the top
 * process.  Every process prints "level=L pid=P ppid=Q" before it forks,
 * waits for its own child and exits with code L, so every exit in the chain
 * carries a distinct, checkable code.  After reaping its child the top
 * prints "level=0 done=1".
 *
 * Example: fork_chain 3
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIN_DEPTH 1
/* Levels double as exit codes; 64 keeps them clear of EXIT_BROKEN. */
#define MAX_DEPTH 64
#define EXIT_USAGE 2
/* Above every level, so a broken link is never mistaken for a level. */
#define EXIT_BROKEN 100
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

/*
 * One write(2) per line: the processes of the chain share stdout and a
 * line must never be split by another process's output.
 */
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

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Reap @child and check it exited with the code of its level. */
static int reap_level(pid_t child, int level)
{
	int status;

	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "fork_chain: level %d: waitpid: %s\n",
				level, strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != level + 1) {
		fprintf(stderr,
			"fork_chain: level %d: child %d ended with status %#x, want exit code %d\n",
			level, (int)child, status, level + 1);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pid_t child;
	long depth;
	int level;

	if (argc != 2 || parse_long(argv[1], MIN_DEPTH, MAX_DEPTH, &depth)) {
		fprintf(stderr, "usage: fork_chain DEPTH (DEPTH %d..%d)\n",
			MIN_DEPTH, MAX_DEPTH);
		return EXIT_USAGE;
	}

	/* Each iteration runs in the child the previous one forked. */
	for (level = 0;; level++) {
		emit("level=%d pid=%d ppid=%d", level, (int)getpid(),
		     (int)getppid());
		if (level == depth)
			return level;
		child = fork();
		if (child < 0) {
			fprintf(stderr, "fork_chain: level %d: fork: %s\n",
				level, strerror(errno));
			return EXIT_BROKEN;
		}
		if (child > 0)
			break;
	}

	if (reap_level(child, level))
		return EXIT_BROKEN;
	if (level == 0)
		emit("level=0 done=1");
	return level;
}
