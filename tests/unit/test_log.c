// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * log: messages go to stderr with the prefix, to a redirect while a
 * full-screen view owns the terminal, and --verbose gates debug lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

struct captured {
	char line[256];
	int count;
};

static void capture(void *ctx, const char *line)
{
	struct captured *c = ctx;

	snprintf(c->line, sizeof(c->line), "%s", line);
	c->count++;
}

/* What pa_err wrote to stderr, read back through a pipe. */
static void stderr_of_err(char *buf, size_t size, const char *msg)
{
	int fds[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	dup2(fds[1], STDERR_FILENO);
	pa_err("%s", msg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, size - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
}

static void test_stderr_line(void **state)
{
	char out[256];

	(void)state;
	stderr_of_err(out, sizeof(out), "cannot open x: No such file");
	assert_string_equal(out, "ptrace-agent: cannot open x: No such file\n");
}

static void test_redirect_and_restore(void **state)
{
	struct captured c = { 0 };
	char out[256];

	(void)state;
	pa_log_redirect(capture, &c);
	stderr_of_err(out, sizeof(out), "lost 3 events");
	assert_string_equal(out, "");
	assert_string_equal(c.line, "lost 3 events");
	assert_int_equal(c.count, 1);
	pa_log_redirect(NULL, NULL);
	stderr_of_err(out, sizeof(out), "back");
	assert_string_equal(out, "ptrace-agent: back\n");
	assert_int_equal(c.count, 1);
}

static void test_debug_only_when_verbose(void **state)
{
	struct captured c = { 0 };

	(void)state;
	pa_log_redirect(capture, &c);
	pa_log_set_verbose(false);
	pa_debug("quiet %d", 1);
	assert_int_equal(c.count, 0);
	pa_log_set_verbose(true);
	assert_true(pa_log_verbose());
	pa_debug("loud %d", 2);
	assert_string_equal(c.line, "loud 2");
	pa_log_set_verbose(false);
	pa_log_redirect(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stderr_line),
		cmocka_unit_test(test_redirect_and_restore),
		cmocka_unit_test(test_debug_only_when_verbose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
