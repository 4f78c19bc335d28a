// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The real agent, with its real BPF programs, traces the scenario programs
 * from tools/scenarios; each test compares what the agent reported with the
 * ground truth the scenario printed about itself.
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

#define SCENARIO_TIMEOUT_MS 30000


static void run_traced(const char *const argv[], const char *const extra[], struct h_held *h)
{
	assert_int_equal(h_trace(&agent, h, &events, argv, extra, NULL), 0);
	h_agent_cleanup(&agent);
}

static void assert_common_fields(json_t *ev)
{
	assert_non_null(h_str(ev, "@timestamp"));
	assert_non_null(h_str(ev, "host.hostname"));
	assert_non_null(h_str(ev, "process.entity_id"));
	assert_string_equal(json_string_value(json_array_get(h_get(ev, "event.category"), 0)), "process");
}

static void test_fork_chain_parents_and_exit_codes(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/fork_chain"), "3", NULL };

	(void)state;
	H_SKIP_WITHOUT_BPF();
	run_traced(argv, NULL, &held);
	assert_true(WIFEXITED(held.status));

	/* The held process exec'd the scenario: the top keeps its pid. */
	assert_int_equal(h_kv_long(held.out, "pid", 0), held.pid);
	assert_non_null(h_find(&events, "exec", held.pid, 0));
	for (int level = 1; level <= 3; level++) {
		long pid = h_kv_long(held.out, "pid", level);
		long ppid = h_kv_long(held.out, "ppid", level);
		json_t *fork = h_find(&events, "fork", pid, 0);
		json_t *exit = h_find(&events, "exit", pid, 0);

		assert_true(pid > 0);
		assert_non_null(fork);
		assert_non_null(exit);
		assert_common_fields(fork);
		assert_int_equal(h_int(fork, "process.parent.pid"), ppid);
		assert_int_equal(h_int(exit, "process.exit_code"), level);
		assert_int_equal(h_count(&events, "exit", pid), 1);
		/* The parent's entity id in the fork is the one its own events carry. */
		assert_string_equal(h_str(fork, "process.parent.entity_id"),
				    h_str(h_find(&events, "exit", ppid, 0), "process.entity_id"));
	}
	assert_int_equal(h_int(h_find(&events, "exit", held.pid, 0), "process.exit_code"), 0);
}

static int hex_decode(const char *hex, char *out, size_t size)
{
	size_t n = strlen(hex) / 2;

	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", (unsigned char *)&out[i]);
	out[n] = '\0';
	return (int)n;
}

/* What our JSON writer must make of a byte string: invalid UTF-8 bytes become U+FFFD. */
static void expected_utf8(const char *in, char *out)
{
	for (const unsigned char *s = (const unsigned char *)in; *s; s++) {
		if (*s == 0xff || *s == 0xfe) {
			memcpy(out, "\xef\xbf\xbd", 3);
			out += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static void check_exec_args(const char *count, const char *len, bool want_truncated)
{
	const char *argv[] = { h_build_path("tools/scenarios/exec_args"), "--count", count, "--len", len, NULL };
	json_t *exec, *args;
	long argc;
	size_t shown;

	H_SKIP_WITHOUT_BPF();
	run_traced(argv, NULL, &held);
	argc = h_kv_long(held.out, "argc", 0);
	/* Two execs: the held child into the scenario, the scenario into its target. */
	exec = h_find(&events, "exec", held.pid, 1);
	assert_non_null(exec);
	assert_int_equal(h_int(exec, "process.args_count"), argc);
	assert_string_equal(h_str(exec, "process.name"), "exec_args");
	args = h_get(exec, "process.args");
	shown = json_array_size(args);
	assert_true(shown > 0);
	assert_true(want_truncated ? shown < (size_t)argc : shown == (size_t)argc);
	assert_int_equal(json_is_true(h_get(exec, "ptrace_agent.args_truncated")), want_truncated);
	for (size_t i = 0; i < shown; i++) {
		static char raw[8192], want[3 * 8192];
		char hex[16384];
		const char *got = json_string_value(json_array_get(args, i));

		assert_true(h_kv(held.out, "arg", i, hex, sizeof(hex)));
		assert_true(hex_decode(hex, raw, sizeof(raw)) >= 0);
		/* The scenario's password-looking option is masked by default. */
		if (!strcmp(raw, "--password=hunter2"))
			strcpy(raw, "--password=REDACTED");
		expected_utf8(raw, want);
		if (want_truncated && i == shown - 1) /* the cut may fall inside the last one */
			assert_int_equal(strncmp(got, want, strlen(got)), 0);
		else
			assert_string_equal(got, want);
	}
}

static void test_exec_args_exact(void **state)
{
	(void)state;
	check_exec_args("20", "40", false);
}

static void test_exec_args_truncated_keeps_count(void **state)
{
	(void)state;
	/* 600 args of 100 bytes: far past the default 4096-byte limit. */
	check_exec_args("600", "100", true);
}

static void test_exit_code(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/exit_code"), "42", NULL };
	json_t *exit;
	long child;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	run_traced(argv, NULL, &held);
	child = h_kv_long(held.out, "child", 0);
	exit = h_find(&events, "exit", child, 0);
	assert_non_null(exit);
	assert_int_equal(h_int(exit, "process.exit_code"), h_kv_long(held.out, "code", 0));
	assert_int_equal(h_int(exit, "process.exit_code"), 42);
	assert_null(h_get(exit, "ptrace_agent.exit.signal"));
	assert_int_equal(h_int(exit, "process.parent.pid"), held.pid);
}

static void check_signal_death(const char *sig, bool core, const char *want_name, int want_code)
{
	const char *argv[] = { h_build_path("tools/scenarios/die_by_signal"), sig, core ? "--core" : NULL, NULL };
	json_t *exit;
	long child;

	H_SKIP_WITHOUT_BPF();
	run_traced(argv, NULL, &held);
	child = h_kv_long(held.out, "child", 0);
	exit = h_find(&events, "exit", child, 0);
	assert_non_null(exit);
	assert_int_equal(h_int(exit, "process.exit_code"), want_code);
	assert_string_equal(h_str(exit, "ptrace_agent.exit.signal"), want_name);
	/* Whether a core was really written is the scenario's ground truth
	 * (WCOREDUMP); the agent must agree with it. */
	assert_int_equal(json_is_true(h_get(exit, "ptrace_agent.exit.core_dumped")),
			 h_kv_long(held.out, "core", 0));
	if (core && h_kv_long(held.out, "core", 0) != 1)
		print_message("note: no core was written (core_pattern?), checked core_dumped=false\n");
}

static void test_killed_by_sigkill(void **state)
{
	(void)state;
	check_signal_death("SIGKILL", false, "SIGKILL", 128 + 9);
}

static void test_core_dump(void **state)
{
	(void)state;
	check_signal_death("SIGSEGV", true, "SIGSEGV", 128 + 11);
}

static void check_threads(bool leader_first)
{
	const char *argv[] = { h_build_path("tools/scenarios/threads_exit"), "4", "--code", "5",
			       leader_first ? "--leader-first" : NULL, NULL };
	json_t *exit;

	H_SKIP_WITHOUT_BPF();
	run_traced(argv, NULL, &held);
	/* A thread's end is not a process's end: one exit, with the code the last thread gave. */
	assert_int_equal(h_count(&events, "exit", held.pid), 1);
	exit = h_find(&events, "exit", held.pid, 0);
	assert_int_equal(h_int(exit, "process.exit_code"), 5);
	for (int i = 0; i < 4; i++) {
		long tid = h_kv_long(held.out, "tid", i);

		assert_true(tid > 0);
		assert_int_equal(h_count(&events, "exit", tid), 0);
		assert_int_equal(h_count(&events, "fork", tid), 0);
	}
}

static void test_threads_exit_is_one_process_exit(void **state)
{
	(void)state;
	check_threads(false);
}

static void test_leader_exits_first(void **state)
{
	(void)state;
	check_threads(true);
}

static void test_exec_from_thread_keeps_pid(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/thread_exec"), NULL };
	json_t *exec;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	run_traced(argv, NULL, &held);
	assert_true(h_kv_long(held.out, "tid", 0) != held.pid);
	/* held -> thread_exec, then the thread's exec into the target. */
	exec = h_find(&events, "exec", held.pid, 1);
	assert_non_null(exec);
	assert_string_equal(json_string_value(json_array_get(h_get(exec, "process.args"), 0)),
			    "thread_exec-target");
	assert_int_equal(h_count(&events, "exit", held.pid), 1);
	assert_int_equal(h_int(h_find(&events, "exit", held.pid, 0), "process.exit_code"), 0);
}

static void test_pid_filter_excludes_others(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/exit_code"), "1", NULL };
	const char *other_argv[] = { h_build_path("tools/scenarios/exit_code"), "2", NULL };
	struct h_held other;
	long child;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	/* An unrelated process runs at the same time, outside the filter. */
	assert_int_equal(h_held_spawn(&other, other_argv), 0);
	h_held_release(&other);
	run_traced(argv, NULL, &held);
	assert_int_equal(h_held_wait(&other, SCENARIO_TIMEOUT_MS), 0);
	child = h_kv_long(held.out, "child", 0);
	for (size_t i = 0; i < events.n; i++) {
		long long pid = h_int(events.ev[i], "process.pid");

		if (pid != held.pid && pid != child)
			fail_msg("event for pid %lld outside the --pid %d subtree", pid, held.pid);
	}
	assert_int_equal(h_count(&events, "exit", h_kv_long(other.out, "child", 0)), 0);
	assert_int_equal(h_count(&events, "exit", child), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fork_chain_parents_and_exit_codes, h_teardown),
		cmocka_unit_test_teardown(test_exec_args_exact, h_teardown),
		cmocka_unit_test_teardown(test_exec_args_truncated_keeps_count, h_teardown),
		cmocka_unit_test_teardown(test_exit_code, h_teardown),
		cmocka_unit_test_teardown(test_killed_by_sigkill, h_teardown),
		cmocka_unit_test_teardown(test_core_dump, h_teardown),
		cmocka_unit_test_teardown(test_threads_exit_is_one_process_exit, h_teardown),
		cmocka_unit_test_teardown(test_leader_exits_first, h_teardown),
		cmocka_unit_test_teardown(test_exec_from_thread_keeps_pid, h_teardown),
		cmocka_unit_test_teardown(test_pid_filter_excludes_others, h_teardown),
	};

	return cmocka_run_group_tests_name("integration: lifecycle", tests, NULL, NULL);
}
