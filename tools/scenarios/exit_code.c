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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CODE 255
#define EXIT_USAGE 2
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

int main(int argc, char **argv)
{
	pid_t child;
	long code;
	int status;

	if (argc != 2 || parse_long(argv[1], 0, MAX_CODE, &code)) {
		fprintf(stderr, "usage: exit_code CODE (CODE 0..%d)\n",
			MAX_CODE);
		return EXIT_USAGE;
	}

	child = fork();
	if (child < 0) {
		fprintf(stderr, "exit_code: fork: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	if (child == 0)
		_exit((int)code);

	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "exit_code: waitpid: %s\n",
				strerror(errno));
			return EXIT_FAILURE;
		}
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
