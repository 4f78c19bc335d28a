/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the scenario programs (tools/scenarios) and the
 * benchmark (tools/bench): line output, argument parsing, usage errors,
 * waiting.  Each program is a single file built on its own, so everything
 * here is static inline: a program that does not use a helper gets no
 * unused-function warning.
 */
#ifndef SCENARIO_IO_H
#define SCENARIO_IO_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bad arguments; 1 stays for a scenario that ran and failed. */
#define EXIT_USAGE 2
#define SELF_EXE "/proc/self/exe"
/*
 * emit()'s line buffer: far longer than any line a program prints (the
 * longest, exec_args's "arg=HEX" lines of up to 4 + 2 * 4096 + 1 bytes,
 * would fit too), so no line is ever cut; still small enough for the stack
 * of any thread that prints.
 */
#define SCENARIO_LINE_MAX (16 * 1024)

/* Write all of @buf to stdout; gives up silently if stdout is gone. */
static inline void write_all(const char *buf, size_t len)
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
 * Print one line to stdout with a single write(2), never through stdio:
 * stdout is often shared by several processes (a fork chain, the tests'
 * pipe) and a line must never be split by another process's output.  The
 * buffer is on the stack so that concurrent threads each have their own.
 */
__attribute__((format(printf, 1, 2)))
static inline void emit(const char *fmt, ...)
{
	char line[SCENARIO_LINE_MAX];
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

/* A whole decimal number in min..max into @out; -1 otherwise. */
static inline int parse_long(const char *s, long min, long max, long *out)
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

/*
 * Print "usage: <fmt>" as one line on stderr (one fprintf, so one write on
 * the unbuffered stream) and return EXIT_USAGE, for `return usage(...);`.
 */
__attribute__((format(printf, 1, 2)))
static inline int usage(const char *fmt, ...)
{
	char msg[SCENARIO_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: %s\n", msg);
	return EXIT_USAGE;
}

/* waitpid() for @child, retried when a signal interrupts it. */
static inline pid_t wait_child(pid_t child, int *status)
{
	pid_t ret;

	do
		ret = waitpid(child, status, 0);
	while (ret < 0 && errno == EINTR);
	return ret;
}

/* Sleep @ms milliseconds, even across signals. */
static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Exec our file by its real path rather than /proc/self/exe: the kernel
 * names the new image (comm) after the last path component, and "exe" would
 * hide which program ran.  /proc/self/exe remains the fallback when the file
 * is gone or was replaced since we started.
 */
static inline const char *self_path(char *buf, size_t size)
{
	ssize_t n = readlink(SELF_EXE, buf, size - 1);

	if (n <= 0 || (size_t)n >= size - 1)
		return SELF_EXE;
	buf[n] = '\0';
	return access(buf, X_OK) ? SELF_EXE : buf;
}

#endif /* SCENARIO_IO_H */
