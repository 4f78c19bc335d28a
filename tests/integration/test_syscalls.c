// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --syscalls with the real BPF programs: tools/scenarios/syscall_loop makes
 * exactly N getppid() calls and N failing close(-1) calls; the agent,
 * following only it, must count exactly those, by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define LOOPS "5000"
#define NR_LOOPS 5000
#define WAIT_MS 20000


/* The row of the summary's top list for syscall name, or NULL. */
static json_t *top_row(json_t *ev, const char *name)
{
	json_t *top = h_get(ev, "ptrace_agent.syscalls.top");
	size_t i;
	json_t *row;

	json_array_foreach(top, i, row) {
		const char *n = json_string_value(json_object_get(row, "name"));

		if (n && !strcmp(n, name))
			return row;
	}
	return NULL;
}

static void test_counts_exactly(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/syscall_loop"), LOOPS, NULL };
	const char *extra[] = { "--syscalls", "--syscalls-top", "64", NULL };
	json_t *ev, *getppid, *close_row;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_trace(&agent, &held, &events, argv, extra, NULL), 0);
	assert_true(WIFEXITED(held.status));
	assert_int_equal(h_kv_long(held.out, "pid", 0), held.pid);

	/* Stopped after its exit: one summary, its totals, at the agent's exit. */
	ev = h_find(&events, "syscalls", held.pid, 0);
	assert_non_null(ev);
	assert_int_equal(h_count(&events, "syscalls", held.pid), 1);
	assert_string_equal(h_str(ev, "event.kind"), "metric");
	assert_string_equal(h_str(ev, "process.name"), "syscall_loop");
	getppid = top_row(ev, "getppid");
	close_row = top_row(ev, "close");
	assert_non_null(getppid);
	assert_non_null(close_row);
	assert_int_equal(h_int(getppid, "count"), NR_LOOPS);
	assert_int_equal(h_int(getppid, "errors"), 0);
	assert_int_equal(h_int(close_row, "errors"), NR_LOOPS);
	assert_true(h_int(ev, "ptrace_agent.syscalls.total.count") >= 2 * NR_LOOPS);
	assert_true(h_int(ev, "ptrace_agent.syscalls.total.errors") >= NR_LOOPS);
	assert_true(h_int(ev, "ptrace_agent.syscalls.interval_ms") > 0);
	/* The --pid filter applies in the kernel: nobody else is counted. */
	for (size_t i = 0; i < events.n; i++) {
		const char *action = h_str(events.ev[i], "event.action");

		if (action && !strcmp(action, "syscalls"))
			assert_int_equal(h_int(events.ev[i], "process.pid"), held.pid);
	}
}

static void test_text_line(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/syscall_loop"), LOOPS, NULL };
	const char *args[] = { "--syscalls", "--syscalls-sort", "count", "-p", NULL, NULL };
	char pid[16], want[96], row[64], exit_line[32];
	char *text;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_held_spawn(&held, argv), 0);
	snprintf(pid, sizeof(pid), "%d", held.pid);
	args[4] = pid;
	assert_int_equal(h_agent_start_as(&agent, false, args), 0);
	h_held_release(&held);
	assert_int_equal(h_held_wait(&held, WAIT_MS), 0);
	snprintf(exit_line, sizeof(exit_line), "exit   %d ", held.pid);
	assert_true(h_wait_for_line(agent.out_path, exit_line, NULL, WAIT_MS));
	assert_int_equal(h_agent_stop(&agent), 0);

	text = h_slurp(agent.out_path, NULL);
	snprintf(want, sizeof(want), " syscalls pid=%d comm=syscall_loop: ", held.pid);
	snprintf(row, sizeof(row), "getppid %d (", NR_LOOPS);
	if (!strstr(text, want) || !strstr(text, row) || !strstr(text, "close "))
		fprintf(stderr, "agent wrote:\n%s\n", text);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(strstr(text, want), row));
	snprintf(row, sizeof(row), "%d err, ", NR_LOOPS);
	assert_non_null(strstr(strstr(text, want), row));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_counts_exactly, h_teardown),
		cmocka_unit_test_teardown(test_text_line, h_teardown),
	};

	return cmocka_run_group_tests_name("syscalls", tests, NULL, NULL);
}
