// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent as a user meets it: command-line errors, privileges, the tree
 * snapshot, the text stream, clean stops that leave nothing attached,
 * drops reported rather than hidden, and process identities that survive
 * an agent restart.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define RUN_TIMEOUT_MS 30000
#define NOBODY 65534

static pid_t sleepers[2];

static int teardown(void **state)
{
	h_teardown(state);
	for (int i = 0; i < 2; i++) {
		if (sleepers[i] > 0) {
			kill(sleepers[i], SIGKILL);
			waitpid(sleepers[i], NULL, 0);
			sleepers[i] = 0;
		}
	}
	return 0;
}

static void run_agent(struct h_run *r, const char *a1, const char *a2, const char *a3)
{
	const char *argv[] = { h_build_path("ptrace-agent"), a1, a2, a3, NULL };

	assert_true(h_run(r, argv, -1, RUN_TIMEOUT_MS) >= 0);
}

static void assert_usage_error(const char *a1, const char *a2, const char *mention)
{
	static struct h_run r;

	run_agent(&r, a1, a2, NULL);
	assert_true(WIFEXITED(r.status));
	assert_int_equal(WEXITSTATUS(r.status), 2);
	assert_int_equal(h_lines(r.err), 1);
	assert_non_null(strstr(r.err, "ptrace-agent: "));
	assert_non_null(strstr(r.err, mention));
	assert_string_equal(r.out, "");
}

static void test_usage_errors_exit_2_with_one_line(void **state)
{
	(void)state;
	assert_usage_error("--bogus", NULL, "--bogus");
	assert_usage_error("-d", "5x", "--duration");
	assert_usage_error("--pid", "abc", "--pid");
	assert_usage_error("--ringbuf-size", "3M", "--ringbuf-size");
	assert_usage_error("--once", NULL, "--tree");
	assert_usage_error("stray", NULL, "stray");
}

static void test_help_and_version_exit_0(void **state)
{
	static struct h_run r;

	(void)state;
	run_agent(&r, "--help", NULL, NULL);
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_non_null(strstr(r.out, "Usage: ptrace-agent"));
	run_agent(&r, "-V", NULL, NULL);
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_non_null(strstr(r.out, "ptrace-agent "));
	assert_non_null(strstr(r.out, "event ABI 4"));
}

static void test_unwritable_output_exits_1(void **state)
{
	static struct h_run r;

	(void)state;
	run_agent(&r, "-o", "/nonexistent-dir/events.json", NULL);
	assert_int_equal(WEXITSTATUS(r.status), 1);
	assert_int_equal(h_lines(r.err), 1);
	assert_non_null(strstr(r.err, "cannot open output /nonexistent-dir/events.json"));
}

static void test_unprivileged_user_told_to_use_root(void **state)
{
	static struct h_run r;
	char copy[] = "/tmp/pa-unpriv-XXXXXX";
	char bin[64], cmd[256];
	const char *argv[] = { bin, NULL };

	(void)state;
	if (geteuid() != 0) {
		print_message("SKIPPED: needs root to drop to an unprivileged user\n");
		skip();
	}
	/* A copy any user may run: the build tree may sit under /root. */
	assert_non_null(mkdtemp(copy));
	chmod(copy, 0755);
	snprintf(bin, sizeof(bin), "%s/ptrace-agent", copy);
	snprintf(cmd, sizeof(cmd), "install -m 0755 '%s' '%s'", h_build_path("ptrace-agent"), bin);
	assert_int_equal(system(cmd), 0);
	assert_true(h_run(&r, argv, NOBODY, RUN_TIMEOUT_MS) >= 0);
	unlink(bin);
	rmdir(copy);
	assert_int_equal(WEXITSTATUS(r.status), 1);
	assert_int_equal(h_lines(r.err), 1);
	assert_non_null(strstr(r.err, "must run as root"));
}

static void test_missing_pid_exits_1(void **state)
{
	static struct h_run r;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	/* Above the kernel's pid_max limit (4194304): never a live process. */
	run_agent(&r, "-p", "999999999", NULL);
	assert_int_equal(WEXITSTATUS(r.status), 1);
	assert_non_null(strstr(r.err, "no process with pid 999999999"));
}

/* A parent blocked on a pipe with one blocked child: a fixed tree to draw. */
static void make_sleepers(void)
{
	int gate[2], ready[2];
	char c;

	assert_int_equal(pipe(gate), 0);
	assert_int_equal(pipe(ready), 0);
	sleepers[0] = fork();
	if (sleepers[0] == 0) {
		pid_t child = fork();

		if (child == 0) {
			ssize_t n = read(gate[0], &c, 1);
			_exit(n < 0);
		}
		if (write(ready[1], &child, sizeof(child)) != sizeof(child))
			_exit(1);
		if (read(gate[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &sleepers[1], sizeof(sleepers[1])), sizeof(sleepers[1]));
	close(ready[0]);
	close(ready[1]);
	close(gate[0]);
	/* gate[1] stays open in us: they block until teardown kills them. */
}

static const char *line_with(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);

	while (p && p != text && p[-1] != '\n')
		p--;
	return p;
}

static void test_tree_once_shows_parent_child_and_state(void **state)
{
	static struct h_run r;
	char pid[16], parent[32], child[32];
	const char *pl, *cl;

	(void)state;
	make_sleepers();
	snprintf(pid, sizeof(pid), "%d", sleepers[0]);
	snprintf(parent, sizeof(parent), ",%d S", sleepers[0]);
	snprintf(child, sizeof(child), ",%d S", sleepers[1]);
	/* Not a terminal: --tree alone prints one snapshot and exits. */
	run_agent(&r, "--tree", "-p", pid);
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_int_equal(h_lines(r.out), 2);
	pl = line_with(r.out, parent);
	cl = line_with(r.out, child);
	assert_non_null(pl);
	assert_non_null(cl);
	assert_true(pl == r.out);       /* the followed process is the root */
	assert_true(cl > pl);           /* its child is drawn below it ... */
	assert_true(strncmp(cl, "└─", strlen("└─")) == 0 || strncmp(cl, "`-", 2) == 0); /* ... as its last child */
}

static void test_text_stream_reports_exit(void **state)
{
	const char *scen[] = { h_build_path("tools/scenarios/exit_code"), "42", NULL };
	const char *args[] = { "-d", "20s", NULL };
	static struct h_run s;
	char want[64];

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_agent_start_as(&agent, false, args), 0);
	assert_true(h_run(&s, scen, -1, RUN_TIMEOUT_MS) >= 0);
	snprintf(want, sizeof(want), "exit   %ld ", h_kv_long(s.out, "child", 0));
	assert_true(h_wait_for_line(agent.out_path, want, "exit 42 after", 10000));
	assert_int_equal(h_agent_stop(&agent), 0);
	assert_non_null(strstr(h_agent_stderr(&agent), "stopped after"));
	assert_true(h_wait_for_line(agent.out_path, "TIME         EVENT  PID", NULL, 0));
}

static void test_duration_stops_by_itself(void **state)
{
	static struct h_run r;
	long long started = h_now_ms();

	(void)state;
	H_SKIP_WITHOUT_BPF();
	run_agent(&r, "-d", "1s", "-o/dev/null");
	assert_int_equal(WEXITSTATUS(r.status), 0);
	assert_true(h_now_ms() - started >= 1000);
	assert_non_null(strstr(r.err, "stopped after"));
}

/* Names of the agent's BPF programs currently loaded in the kernel. */
static int agent_programs_loaded(void)
{
	FILE *p = popen("bpftool prog show 2>/dev/null", "r");
	char line[512];
	int n = 0;

	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		n += strstr(line, "handle_fork") || strstr(line, "handle_exec") ||
		     strstr(line, "handle_exit") || strstr(line, "handle_free");
	pclose(p);
	return n;
}

static void test_sigterm_stops_cleanly_and_detaches(void **state)
{
	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_agent_start(&agent, NULL), 0);
	assert_int_equal(agent_programs_loaded(), 4);
	kill(agent.pid, SIGTERM);
	assert_int_equal(waitpid(agent.pid, &agent.status, 0), agent.pid);
	agent.pid = 0;
	assert_true(WIFEXITED(agent.status));
	assert_int_equal(WEXITSTATUS(agent.status), 0);
	/* The kernel frees a detached program after an RCU grace period. */
	for (long long deadline = h_now_ms() + 5000; agent_programs_loaded() && h_now_ms() < deadline;)
		usleep(20000);
	assert_int_equal(agent_programs_loaded(), 0);
	assert_non_null(strstr(h_agent_stderr(&agent), "0 lost in the kernel"));
}

static long long sum_lost(void)
{
	long long total = 0;

	for (size_t i = 0; i < events.n; i++) {
		if (!strcmp(h_str(events.ev[i], "event.action"), "lost")) {
			assert_string_equal(h_str(events.ev[i], "event.kind"), "alert");
			total += h_int(events.ev[i], "ptrace_agent.lost.count");
		}
	}
	return total;
}

static void test_ring_overflow_is_reported(void **state)
{
	const char *args[] = { "--ringbuf-size", "64K", NULL };
	const char *storm[] = { h_build_path("tools/bench/forkbench"), "fork-exit", "3000", NULL };
	static struct h_run r;
	char summary[64];
	long long lost;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_agent_start(&agent, args), 0);
	/* A stopped reader cannot drain: 3000 forks make ~9000 records,
	 * far more than 64 KiB holds. */
	kill(agent.pid, SIGSTOP);
	assert_true(h_run(&r, storm, -1, RUN_TIMEOUT_MS) >= 0);
	kill(agent.pid, SIGCONT);
	assert_true(h_wait_for_line(agent.out_path, "\"action\":\"lost\"", NULL, 10000));
	assert_int_equal(h_agent_stop(&agent), 0);
	assert_int_equal(h_events_load(&events, agent.out_path), 0);
	lost = sum_lost();
	assert_true(lost > 0);
	/* The exit summary tells the same total. */
	snprintf(summary, sizeof(summary), "%lld lost in the kernel", lost);
	assert_non_null(strstr(h_agent_stderr(&agent), summary));
}

/* Two agent runs see the same process: its entity id must be the same. */
static void test_entity_id_stable_across_restarts(void **state)
{
	char pid[16];
	const char *args[] = { "-p", pid, NULL };
	char first[128];
	int gate[2];
	char c = 'x';

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(pipe(gate), 0);
	sleepers[0] = fork();
	if (sleepers[0] == 0) {
		/* On each byte: fork a child that exits at once. */
		while (read(gate[0], &c, 1) == 1) {
			pid_t k = fork();

			if (k == 0)
				_exit(0);
			waitpid(k, NULL, 0);
		}
		_exit(0);
	}
	close(gate[0]);
	snprintf(pid, sizeof(pid), "%d", sleepers[0]);
	for (int run = 0; run < 2; run++) {
		json_t *fork;

		assert_int_equal(h_agent_start(&agent, args), 0);
		assert_int_equal(write(gate[1], &c, 1), 1);
		assert_true(h_wait_for_line(agent.out_path, "\"action\":\"exit\"", NULL, 10000));
		assert_int_equal(h_agent_stop(&agent), 0);
		assert_int_equal(h_events_load(&events, agent.out_path), 0);
		fork = h_find(&events, "fork", -1, 0);
		assert_non_null(fork);
		assert_int_equal(h_int(fork, "process.parent.pid"), sleepers[0]);
		if (run == 0)
			snprintf(first, sizeof(first), "%s", h_str(fork, "process.parent.entity_id"));
		else
			assert_string_equal(h_str(fork, "process.parent.entity_id"), first);
		h_events_free(&events);
		h_agent_cleanup(&agent);
	}
	close(gate[1]);
}

/* The object as built carries exit_has_group_dead = false, so loading it
 * as is verifies the exit path for kernels before 6.16 (signal->live),
 * which the agent never loads on this kernel. */
static void test_pre_6_16_exit_path_verifies(void **state)
{
	char pin[64], cmd[512];
	int rc;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	if (system("mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf") != 0) {
		print_message("SKIPPED: no bpffs at /sys/fs/bpf to pin programs in\n");
		skip();
	}
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/pa-verify-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "bpftool prog loadall '%s' '%s' >/dev/null 2>&1",
		 h_build_path("agent.bpf.o"), pin);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pin);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_usage_errors_exit_2_with_one_line, teardown),
		cmocka_unit_test_teardown(test_help_and_version_exit_0, teardown),
		cmocka_unit_test_teardown(test_unwritable_output_exits_1, teardown),
		cmocka_unit_test_teardown(test_unprivileged_user_told_to_use_root, teardown),
		cmocka_unit_test_teardown(test_missing_pid_exits_1, teardown),
		cmocka_unit_test_teardown(test_tree_once_shows_parent_child_and_state, teardown),
		cmocka_unit_test_teardown(test_text_stream_reports_exit, teardown),
		cmocka_unit_test_teardown(test_duration_stops_by_itself, teardown),
		cmocka_unit_test_teardown(test_sigterm_stops_cleanly_and_detaches, teardown),
		cmocka_unit_test_teardown(test_ring_overflow_is_reported, teardown),
		cmocka_unit_test_teardown(test_entity_id_stable_across_restarts, teardown),
		cmocka_unit_test_teardown(test_pre_6_16_exit_path_verifies, teardown),
	};

	return cmocka_run_group_tests_name("integration: agent", tests, NULL, NULL);
}
