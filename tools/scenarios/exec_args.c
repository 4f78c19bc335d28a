// SPDX-License-Identifier: GPL-2.0
/*
 * exec_args [--count N] [--len L]
 *
 * Re-executes its own file (same pid) with an argv that is hard to report
 * faithfully: argv[0] "exec_args-target", an empty argument, spaces, quotes
 * and backslashes, tab and newline, UTF-8, invalid UTF-8, a password-looking
 * option, then N (0..2000, default 8) generated arguments "a<i>-" padded with
 * 'x' to exactly L bytes (1..4096, default 16; a prefix longer than L is cut
 * to L bytes).
 *
 * Before the exec it prints "pid=P argc=K", then one "arg=HEX" line per
 * argument in argv order (lowercase hex of its bytes; the empty argument is
 * "arg=").  Started as "exec_args-target" it exits 0 at once.
 *
 * execve() takes at most 6 MiB of arguments: the soft stack limit is raised
 * as far as that needs, and larger N*L (e.g. 2000 x 4096) is refused with
 * exit code 2 before anything is printed.
 *
 * Example: exec_args --count 100 --len 64
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../scenario_io.h"

#define TARGET_NAME "exec_args-target"
#define DEFAULT_COUNT 8
#define DEFAULT_LEN 16
#define MAX_COUNT 2000
#define MAX_LEN 4096

/*
 * execve() limits argv+envp to a quarter of RLIMIT_STACK, capped at 3/4 of
 * the kernel's 8 MiB _STK_LIM and never below ARG_MAX (32 pages); see
 * bprm_stack_limits() in fs/exec.c.
 */
#define KERNEL_STK_LIM (8UL << 20)
#define ARG_STACK_CAP (KERNEL_STK_LIM / 4 * 3)
#define ARG_FLOOR (32UL * 4096)
/* Slack for the stack top the kernel reserves before copying strings. */
#define ARG_SLACK 4096UL

static const char *const fixed_args[] = {
	"",
	"with space",
	"quote\"and\\backslash",
	"tab\tnewline\n",
	"utf8-\xc3\xa9",
	"bad-\xff\xfe-bytes",
	"--password=hunter2",
};

#define NR_FIXED (sizeof(fixed_args) / sizeof(fixed_args[0]))

extern char **environ;

static int parse_args(int argc, char **argv, long *count, long *len)
{
	int i;

	*count = DEFAULT_COUNT;
	*len = DEFAULT_LEN;
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--count")) {
			if (parse_long(argv[i + 1], 0, MAX_COUNT, count))
				return -1;
		} else if (!strcmp(argv[i], "--len")) {
			if (parse_long(argv[i + 1], 1, MAX_LEN, len))
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Bytes execve() will need on the new stack for @args and the environment. */
static size_t exec_footprint(const char *path, char **args, int nargs)
{
	size_t total = strlen(path) + 1 + ARG_SLACK;
	char **env;
	int i;

	for (i = 0; i < nargs; i++)
		total += strlen(args[i]) + 1 + sizeof(char *);
	for (env = environ; *env; env++)
		total += strlen(*env) + 1 + sizeof(char *);
	return total;
}

static size_t arg_limit(const struct rlimit *rl)
{
	size_t limit = ARG_STACK_CAP;

	if (rl->rlim_cur != RLIM_INFINITY && rl->rlim_cur / 4 < limit)
		limit = rl->rlim_cur / 4;
	return limit > ARG_FLOOR ? limit : ARG_FLOOR;
}

/*
 * Large --count/--len need more than the default 8 MiB stack allows, so
 * raise the soft stack limit when the hard one permits; fail before printing
 * anything rather than print ground truth for an exec that cannot happen.
 */
static int make_room(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_STACK, &rl))
		return -1;
	if (need <= arg_limit(&rl))
		return 0;
	if (need > ARG_STACK_CAP)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max / 4 < need)
		return -1;
	rl.rlim_cur = need * 4;
	return setrlimit(RLIMIT_STACK, &rl);
}

static char **build_argv(long count, long len, int *nargs)
{
	char **args;
	char *pool;
	size_t i;
	long g;

	*nargs = 1 + (int)NR_FIXED + (int)count;
	args = calloc((size_t)*nargs + 1, sizeof(*args));
	pool = malloc((size_t)count * (size_t)(len + 1) + 1);
	if (!args || !pool)
		return NULL;

	args[0] = TARGET_NAME;
	for (i = 0; i < NR_FIXED; i++)
		args[1 + i] = (char *)fixed_args[i];
	for (g = 0; g < count; g++) {
		char *a = pool + g * (len + 1);
		int n = snprintf(a, (size_t)len + 1, "a%ld-", g);

		if (n < len)
			memset(a + n, 'x', (size_t)(len - n));
		a[len] = '\0';
		args[1 + NR_FIXED + g] = a;
	}
	return args;
}

static void print_arg(const char *arg, char *line)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)arg;
	size_t n = 4;

	memcpy(line, "arg=", n);
	for (; *p; p++) {
		line[n++] = hex[*p >> 4];
		line[n++] = hex[*p & 0xf];
	}
	line[n++] = '\n';
	write_all(line, n);
}

int main(int argc, char **argv)
{
	char path_buf[PATH_MAX];
	const char *path;
	long count, len;
	char **args;
	char *line;
	int nargs, i;

	if (argc > 0 && !strcmp(argv[0], TARGET_NAME))
		return EXIT_SUCCESS;

	if (parse_args(argc, argv, &count, &len))
		return usage("exec_args [--count N] [--len L] (N 0..%d, L 1..%d)",
			     MAX_COUNT, MAX_LEN);

	args = build_argv(count, len, &nargs);
	line = malloc(4 + 2 * MAX_LEN + 2);
	if (!args || !line) {
		fprintf(stderr, "exec_args: out of memory\n");
		return EXIT_FAILURE;
	}
	path = self_path(path_buf, sizeof(path_buf));
	if (make_room(exec_footprint(path, args, nargs))) {
		fprintf(stderr,
			"exec_args: %d arguments of %ld bytes exceed the execve size limit (at most %lu KiB); lower --count or --len\n",
			nargs, len, ARG_STACK_CAP >> 10);
		return EXIT_USAGE;
	}

	emit("pid=%d argc=%d", (int)getpid(), nargs);
	for (i = 0; i < nargs; i++)
		print_arg(args[i], line);

	execv(path, args);
	fprintf(stderr, "exec_args: execv %s: %s\n", path, strerror(errno));
	return EXIT_FAILURE;
}
