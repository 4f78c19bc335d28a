// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --deadlocks with the real BPF programs: two threads on two mutexes in
 * opposite order, three threads in a ring, two processes with flock in
 * opposite order: each must come out as one `deadlock` alert naming
 * exactly its threads, in cycle order, each waiting on what the next one
 * holds.  A thread waiting on a mutex whose holder is busy (running, not
 * waiting) must raise nothing.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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

#define REPORT_MS 15000
#define MAX_MEMBERS 4


/* A scenario running on its own, its stdout read as it goes. */
static struct scenario {
	pid_t pid;
	int out_fd;
	char out[4096];
	size_t len;
} sc = { .pid = -1, .out_fd = -1 };

static int teardown(void **state)
{
	h_teardown(state);
	if (sc.pid > 0) {
		kill(sc.pid, SIGTERM);
		waitpid(sc.pid, NULL, 0);
	}
	if (sc.out_fd >= 0)
		close(sc.out_fd);
	memset(&sc, 0, sizeof(sc));
	sc.pid = -1;
	sc.out_fd = -1;
	return 0;
}

static void start_scenario(const char *const argv[])
{
	int out[2];

	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	sc.pid = fork();
	assert_true(sc.pid >= 0);
	if (sc.pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	sc.out_fd = out[0];
}

/* Read the scenario's output until it holds `word` (bounded by its own
 * timeouts: the scenarios give up after 10 s). */
static void read_until(const char *word)
{
	while (!strstr(sc.out, word)) {
		ssize_t n = read(sc.out_fd, sc.out + sc.len, sizeof(sc.out) - 1 - sc.len);

		assert_true(n > 0);
		sc.len += (size_t)n;
		sc.out[sc.len] = '\0';
	}
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Start the agent with --deadlocks, then the scenario; wait until it is
 * deadlocked and the agent said so; stop the agent and load its events. */
static json_t *expect_deadlock(const char *const argv[], const char *key, long *want, size_t n)
{
	const char *args[] = { "--deadlocks", NULL };
	char needle[128];
	int len;

	assert_int_equal(h_agent_start(&agent, args), 0);
	start_scenario(argv);
	read_until("deadlocked");
	for (size_t i = 0; i < n; i++)
		want[i] = h_kv_long(sc.out, key, (int)i);
	qsort(want, n, sizeof(*want), cmp_long);
	len = snprintf(needle, sizeof(needle), "\"threads\":[");
	for (size_t i = 0; i < n; i++)
		len += snprintf(needle + len, sizeof(needle) - len, "%s%ld", i ? "," : "", want[i]);
	snprintf(needle + len, sizeof(needle) - len, "]");
	if (!h_wait_for_line(agent.out_path, "\"action\":\"deadlock\"", needle, REPORT_MS))
		fprintf(stderr, "no deadlock alert with %s; agent stderr: %s\n", needle,
			h_agent_stderr(&agent));
	assert_int_equal(h_agent_stop(&agent), 0);
	assert_int_equal(h_events_load(&events, agent.out_path), 0);
	for (size_t i = 0; i < events.n; i++) {
		json_t *ev = events.ev[i];
		json_t *threads = h_get(ev, "ptrace_agent.deadlock.threads");

		if (!threads || json_array_size(threads) != n)
			continue;
		if (json_integer_value(json_array_get(threads, 0)) == want[0])
			return ev;
	}
	fail_msg("no deadlock event for the scenario's threads (%s)", needle);
	return NULL;
}

/* Each edge: thread i waits on kind, held by thread i + 1; all waited >= 1 s. */
static void check_cycle(json_t *ev, const char *kind, const long *sorted, size_t n)
{
	json_t *threads = h_get(ev, "ptrace_agent.deadlock.threads");
	json_t *edges = h_get(ev, "ptrace_agent.deadlock.edges");
	long seen[MAX_MEMBERS];

	assert_string_equal(h_str(ev, "event.kind"), "alert");
	assert_int_equal(json_array_size(edges), n);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(edges, i);
		long next = json_integer_value(json_array_get(threads, (i + 1) % n));

		seen[i] = json_integer_value(json_array_get(threads, i));
		assert_int_equal(h_int(e, "thread"), seen[i]);
		assert_int_equal(h_int(e, "held_by"), next);
		assert_string_equal(h_str(e, "waits_for"), kind);
		assert_true(h_int(e, "waited_ms") >= 1000);
		assert_string_equal(h_str(e, "state"), "S");
	}
	/* Exactly the scenario's threads, each once. */
	qsort(seen, n, sizeof(*seen), cmp_long);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], sorted[i]);
}

/* A frame of the first thread's user stack holds text. */
static bool stack_has(json_t *ev, const char *text)
{
	json_t *edge = json_array_get(h_get(ev, "ptrace_agent.deadlock.edges"), 0);
	json_t *stack = json_object_get(edge, "user_stack");
	json_t *frame;
	size_t i;

	json_array_foreach(stack, i, frame) {
		if (strstr(json_string_value(frame), text))
			return true;
	}
	fprintf(stderr, "no frame with %s in %s\n", text, json_dumps(stack, 0));
	return false;
}

static void test_mutex_pair(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/mutex_pair"), NULL };
	long want[2];
	json_t *ev;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	ev = expect_deadlock(argv, "thread", want, 2);
	check_cycle(ev, "mutex", want, 2);
	assert_int_equal(h_int(ev, "process.pid"), sc.pid);
	assert_string_equal(h_str(json_array_get(h_get(ev, "ptrace_agent.deadlock.edges"), 0), "syscall"),
			    "futex");
	assert_int_equal(h_count(&events, "deadlock", -1), 1); /* reported once while it lasts */
	/* Where in the program it waits: glibc's lock, called from the scenario. */
	assert_true(stack_has(ev, "pthread_mutex_lock+"));
	assert_true(stack_has(ev, "/mutex_pair)"));
}

static void test_mutex_ring3(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/mutex_ring3"), NULL };
	long want[3];

	(void)state;
	H_SKIP_WITHOUT_BPF();
	check_cycle(expect_deadlock(argv, "thread", want, 3), "mutex", want, 3);
}

static void test_flock_pair(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/flock_pair"), NULL };
	long want[2];
	json_t *ev;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	ev = expect_deadlock(argv, "pid", want, 2);
	check_cycle(ev, "flock", want, 2);
	/* Two processes: each edge's holder is the other process. */
	assert_int_equal(h_int(json_array_get(h_get(ev, "ptrace_agent.deadlock.edges"), 0),
			       "held_by_pid"),
			 want[1]);
	assert_true(stack_has(ev, "flock+"));
}

/* A waiter on a lock whose holder runs is not a deadlock. */
static void test_busy_holder_no_alarm(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/busy_holder"), "4", NULL };
	const char *args[] = { "--deadlocks", NULL };
	int status;
	pid_t pid;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_agent_start(&agent, args), 0);
	start_scenario(argv);
	read_until("waiter=");
	pid = sc.pid;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	sc.pid = -1;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(h_agent_stop(&agent), 0);
	assert_int_equal(h_events_load(&events, agent.out_path), 0);
	assert_int_equal(h_count(&events, "deadlock", pid), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mutex_pair, teardown),
		cmocka_unit_test_teardown(test_mutex_ring3, teardown),
		cmocka_unit_test_teardown(test_flock_pair, teardown),
		cmocka_unit_test_teardown(test_busy_holder_no_alarm, teardown),
	};

	return cmocka_run_group_tests_name("deadlock", tests, NULL, NULL);
}
