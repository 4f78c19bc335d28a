// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Zombie and orphan alerts from the real agent, against scenarios whose
 * ground truth (pids, who adopted whom) the scenarios print themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"


static void trace(const char *const argv[], const char *const wait_for[])
{
	const char *extra[] = { "--zombie-after", "1s", "--stuck-after", "1s", NULL };

	assert_int_equal(h_trace(&agent, &held, &events, argv, extra, wait_for), 0);
}

static void check_zombies_blame_parent(const char *mode, const char *want_sigchld)
{
	const char *argv[] = { h_build_path("tools/scenarios/zombie_parent"), "3", "2500", mode, NULL };
	const char *wait_for[] = { "\"action\":\"reaped\"", NULL };
	long parent;

	H_SKIP_WITHOUT_BPF();
	trace(argv, wait_for);
	parent = h_kv_long(held.out, "parent", 0);
	assert_int_equal(parent, held.pid);
	for (int i = 0; i < 3; i++) {
		long pid = h_kv_long(held.out, "zombie", i);
		json_t *z = h_find(&events, "zombie", pid, 0);
		json_t *r = h_find(&events, "reaped", pid, 0);

		assert_non_null(z);
		assert_int_equal(h_count(&events, "zombie", pid), 1);
		assert_string_equal(h_str(z, "event.kind"), "alert");
		assert_int_equal(h_int(z, "process.parent.pid"), parent);
		/* Overdue after 1 s, found by a scan that runs every second. */
		assert_true(h_int(z, "ptrace_agent.zombie.age_ms") >= 1000);
		assert_true(h_int(z, "ptrace_agent.zombie.age_ms") < 2500);
		assert_int_equal(h_int(z, "ptrace_agent.zombie.parent_holds"), 3);
		/* The parent sleeps instead of waiting: say so. */
		assert_string_equal(h_str(z, "ptrace_agent.zombie.parent.state"), "S");
		assert_string_equal(h_str(z, "ptrace_agent.zombie.parent.syscall"), "clock_nanosleep");
		assert_string_equal(h_str(z, "ptrace_agent.zombie.parent.sigchld"), want_sigchld);
		/* It reaped them in the end, after about 2.5 s. */
		assert_non_null(r);
		assert_int_equal(h_int(r, "ptrace_agent.reaped.by_pid"), parent);
		assert_true(h_int(r, "ptrace_agent.reaped.zombie_ms") >= 2400);
	}
}

static void test_zombies_blame_the_sleeping_parent(void **state)
{
	(void)state;
	check_zombies_blame_parent(NULL, "default");
}

static void test_zombies_with_sigchld_handled(void **state)
{
	(void)state;
	check_zombies_blame_parent("--handle-sigchld", "handled");
}

static void test_sigchld_ignored_leaves_no_zombie(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/zombie_parent"), "3", "1500",
			       "--ignore-sigchld", NULL };

	(void)state;
	H_SKIP_WITHOUT_BPF();
	trace(argv, NULL);
	/* The kernel reaps at once for a parent that ignores SIGCHLD. */
	assert_int_equal(h_kv_long(held.out, "reaped", 0), 0);
	assert_int_equal(h_count(&events, "zombie", -1), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(h_count(&events, "exit", h_kv_long(held.out, "zombie", i)), 1);
}

static void test_zombie_leak_is_summarized(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/zombie_parent"), "40", "2500", NULL };
	long named = 0, lines = 0;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	trace(argv, NULL);
	for (size_t i = 0; i < events.n; i++) {
		const char *a = h_str(events.ev[i], "event.action");
		long long summarized = h_int(events.ev[i], "ptrace_agent.zombie.summarized");

		if (strcmp(a, "zombie"))
			continue;
		lines++;
		named += summarized > 0 ? summarized : 1;
	}
	/* Every zombie accounted for, in far fewer lines than zombies. */
	assert_int_equal(named, 40);
	assert_true(lines <= 2 * 5);
}

/* Zombies of pid exist (its children file lists them, each in state Z). */
static bool has_zombies(pid_t pid, int want)
{
	char path[64], buf[256], stat[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return false;
	}
	fclose(f);
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n")) {
		snprintf(path, sizeof(path), "/proc/%s/stat", tok);
		f = fopen(path, "r");
		if (f && fgets(stat, sizeof(stat), f) && strstr(strrchr(stat, ')'), ") Z "))
			found++;
		if (f)
			fclose(f);
	}
	return found == want;
}

static void test_zombies_older_than_the_agent(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/zombie_parent"), "2", "4000", NULL };
	const char *args[] = { "-p", NULL, "--zombie-after", "1s", NULL };
	char pid[16];
	json_t *z;
	long long deadline;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	/* The zombies exist before the agent starts. */
	assert_int_equal(h_held_spawn(&held, argv), 0);
	h_held_release(&held);
	for (deadline = h_now_ms() + 3000; !has_zombies(held.pid, 2) && h_now_ms() < deadline;)
		usleep(10000);
	assert_true(has_zombies(held.pid, 2));
	snprintf(pid, sizeof(pid), "%d", held.pid);
	args[1] = pid;
	assert_int_equal(h_agent_start(&agent, args), 0);
	assert_int_equal(h_held_wait(&held, 30000), 0);
	assert_true(h_wait_for_line(agent.out_path, "\"action\":\"reaped\"", NULL, 10000));
	assert_int_equal(h_agent_stop(&agent), 0);
	assert_int_equal(h_events_load(&events, agent.out_path), 0);
	for (int i = 0; i < 2; i++) {
		long zpid = h_kv_long(held.out, "zombie", i);

		z = h_find(&events, "zombie", zpid, 0);
		assert_non_null(z);
		assert_int_equal(h_int(z, "process.parent.pid"), held.pid);
		/* Its exit was before tracing: the age is a lower bound. */
		assert_true(json_is_true(h_get(z, "ptrace_agent.zombie.age_is_lower_bound")));
		assert_true(h_int(z, "ptrace_agent.zombie.age_ms") >= 1000);
		assert_non_null(h_find(&events, "reaped", zpid, 0));
		assert_int_equal(h_int(h_find(&events, "reaped", zpid, 0), "ptrace_agent.reaped.by_pid"),
				 held.pid);
	}
}

static void check_orphan(const char *opt1, const char *opt2, bool want_daemon)
{
	const char *argv[] = { h_build_path("tools/scenarios/orphan_maker"), opt1, opt2, NULL };
	const char *wait_for[] = { "\"action\":\"orphaned\"", NULL };
	long grandchild, middle, adopter;
	json_t *o;

	H_SKIP_WITHOUT_BPF();
	trace(argv, wait_for);
	grandchild = h_kv_long(held.out, "grandchild", 0);
	middle = h_kv_long(held.out, "middle", 0);
	adopter = h_kv_long(held.out, "adopter", 0);
	assert_true(grandchild > 0 && middle > 0 && adopter > 0);
	o = h_find(&events, "orphaned", grandchild, 0);
	assert_non_null(o);
	assert_int_equal(h_count(&events, "orphaned", -1), 1);
	assert_string_equal(h_str(o, "event.kind"), "alert");
	assert_int_equal(h_int(o, "ptrace_agent.previous_parent.pid"), middle);
	/* The adopter is the kernel's choice, as the orphan itself saw it. */
	assert_int_equal(h_int(o, "process.parent.pid"), adopter);
	/* Without --subreaper, whoever adopts is init if it is pid 1, else
	 * a subreaper further up (none on a bare machine). */
	if (opt1 && !strcmp(opt1, "--subreaper"))
		assert_int_equal(adopter, held.pid);
	assert_string_equal(h_str(o, "ptrace_agent.orphan.adopter"),
			    adopter == held.pid || adopter != 1 ? "subreaper" : "init");
	assert_int_equal(json_is_true(h_get(o, "ptrace_agent.orphan.daemon")), want_daemon);
}

static void test_orphan_adopted_by_subreaper(void **state)
{
	(void)state;
	check_orphan("--subreaper", NULL, false);
}

static void test_orphan_adopted_by_init(void **state)
{
	(void)state;
	check_orphan(NULL, NULL, false);
}

static void test_daemon_orphan_is_marked(void **state)
{
	(void)state;
	check_orphan("--subreaper", "--daemon", true);
}

static bool stack_has(json_t *ev, const char *prefix)
{
	json_t *stack = h_get(ev, "ptrace_agent.kernel_stack"), *frame;
	size_t i;

	json_array_foreach(stack, i, frame) {
		if (!strncmp(json_string_value(frame), prefix, strlen(prefix)))
			return true;
	}
	return false;
}

static void test_vfork_parent_stuck_in_d(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/vfork_sleeper"), "3000", NULL };
	json_t *alert = NULL, *end = NULL;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	trace(argv, NULL);
	for (size_t i = 0; i < events.n; i++) {
		json_t *ev = events.ev[i];

		if (strcmp(h_str(ev, "event.action"), "stuck") || h_int(ev, "process.thread.id") != held.pid)
			continue;
		if (json_is_true(h_get(ev, "ptrace_agent.stuck.ended")))
			end = ev;
		else
			alert = ev;
	}
	/* One alert while it waits for its vfork child ... */
	assert_non_null(alert);
	assert_string_equal(h_str(alert, "event.kind"), "alert");
	assert_int_equal(h_int(alert, "process.pid"), held.pid);
	assert_true(h_int(alert, "ptrace_agent.blocked_ms") >= 1000);
	assert_true(h_int(alert, "ptrace_agent.blocked_ms") < 3000);
	assert_string_equal(h_str(alert, "ptrace_agent.syscall"), "vfork");
	assert_true(json_array_size(h_get(alert, "ptrace_agent.kernel_stack")) > 2);
	/* ... the stack it blocked in, not our BPF program's ... */
	assert_false(stack_has(alert, "bpf_prog_"));
	assert_true(stack_has(alert, "__x64_sys_vfork") || stack_has(alert, "kernel_clone"));
	assert_string_equal(h_str(alert, "ptrace_agent.stuck.source"), "sched_switch");
	/* ... and the end: 3 s in D in all. */
	assert_non_null(end);
	assert_true(h_int(end, "ptrace_agent.blocked_ms") >= 2900);
	assert_true(h_int(end, "ptrace_agent.blocked_ms") < 10000);
}

static void test_stop_and_continue_are_state_events(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/stop_cont"), "700", NULL };
	json_t *into = NULL, *out = NULL, *exit;
	long child;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	trace(argv, NULL);
	child = h_kv_long(held.out, "child", 0);
	for (size_t i = 0; i < events.n; i++) {
		json_t *ev = events.ev[i];

		if (strcmp(h_str(ev, "event.action"), "state") || h_int(ev, "process.pid") != child)
			continue;
		if (!strcmp(h_str(ev, "ptrace_agent.state.to"), "T"))
			into = ev;
		else if (!strcmp(h_str(ev, "ptrace_agent.state.from"), "T"))
			out = ev;
	}
	assert_non_null(into);
	assert_string_equal(h_str(into, "ptrace_agent.state.signal"), "SIGSTOP");
	assert_int_equal(h_int(into, "process.thread.id"), child);
	assert_non_null(out);
	/* Stopped for the 700 ms the scenario held it. */
	assert_true(h_int(out, "ptrace_agent.state.from_ms") >= 690);
	assert_true(h_int(out, "ptrace_agent.state.from_ms") < 5000);
	/* Only stops and continues without --transitions: nothing for S or R. */
	assert_int_equal(h_count(&events, "state", child), 2);
	/* Its exit accounts where its life went: mostly asleep and stopped. */
	exit = h_find(&events, "exit", child, 0);
	assert_non_null(exit);
	assert_true(h_int(exit, "ptrace_agent.exit.time_ms.sleeping") >= 690);
	assert_true(h_int(exit, "ptrace_agent.exit.time_ms.running") < 500);
	assert_null(h_get(exit, "ptrace_agent.exit.blocked_partial"));
}

static void test_transitions_flag_reports_sleeps(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/stop_cont"), "100", NULL };
	const char *extra[] = { "--transitions", NULL };
	long child, to_s = 0;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_trace(&agent, &held, &events, argv, extra, NULL), 0);
	child = h_kv_long(held.out, "child", 0);
	for (size_t i = 0; i < events.n; i++) {
		json_t *ev = events.ev[i];

		if (!strcmp(h_str(ev, "event.action"), "state") && h_int(ev, "process.pid") == child &&
		    !strcmp(h_str(ev, "ptrace_agent.state.to"), "S"))
			to_s++;
	}
	/* The child's nanosleep makes it go to S at least once. */
	assert_true(to_s >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_zombies_blame_the_sleeping_parent, h_teardown),
		cmocka_unit_test_teardown(test_zombies_with_sigchld_handled, h_teardown),
		cmocka_unit_test_teardown(test_sigchld_ignored_leaves_no_zombie, h_teardown),
		cmocka_unit_test_teardown(test_zombie_leak_is_summarized, h_teardown),
		cmocka_unit_test_teardown(test_zombies_older_than_the_agent, h_teardown),
		cmocka_unit_test_teardown(test_orphan_adopted_by_subreaper, h_teardown),
		cmocka_unit_test_teardown(test_orphan_adopted_by_init, h_teardown),
		cmocka_unit_test_teardown(test_daemon_orphan_is_marked, h_teardown),
		cmocka_unit_test_teardown(test_vfork_parent_stuck_in_d, h_teardown),
		cmocka_unit_test_teardown(test_stop_and_continue_are_state_events, h_teardown),
		cmocka_unit_test_teardown(test_transitions_flag_reports_sleeps, h_teardown),
	};

	return cmocka_run_group_tests_name("integration: alerts", tests, NULL, NULL);
}
