// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Enrichment with the real BPF programs: the in_container scenario puts a
 * child in a docker-named cgroup and a new pid namespace, as another user,
 * in a directory of its own, with a password on its command line; the
 * agent must report the container id, the pid inside the namespace, the
 * user, the working directory and the session leader, and never the
 * password, in JSON or text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define SCENARIO_TIMEOUT_MS 30000
#define REPORT_TIMEOUT_MS 10000
/* A uid no test machine logs in as. */
#define NOBODY "65534"


static void run_traced(const char *const argv[])
{
	assert_int_equal(h_trace(&agent, &held, &events, argv, NULL, NULL), 0);
}

/* The whole output file: no secret anywhere, in any field. */
static void assert_no_secret(const char *path)
{
	static char buf[1 << 22];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_true(n > 0);
	if (strstr(buf, "hunter2") || strstr(buf, "s3cr3t"))
		fail_msg("a secret of the scenario's argv reached the output");
}

static bool have_cgroup2(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " - cgroup2 ") != NULL;
	fclose(f);
	return found;
}

static void assert_args_masked(json_t *exec)
{
	json_t *args = h_get(exec, "process.args");

	assert_int_equal(json_array_size(args), 4);
	assert_string_equal(json_string_value(json_array_get(args, 0)), "in_container-target");
	assert_string_equal(json_string_value(json_array_get(args, 1)), "--password");
	assert_string_equal(json_string_value(json_array_get(args, 2)), "REDACTED");
	assert_string_equal(json_string_value(json_array_get(args, 3)), "token=REDACTED");
	assert_string_equal(h_str(exec, "process.command_line"),
			    "in_container-target --password REDACTED token=REDACTED");
	assert_int_equal(h_int(exec, "process.args_count"), 4);
}

static void test_container_namespace_user_cwd(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/in_container"), "--cgroup", "--pidns",
			       "--uid", NOBODY, NULL };
	char container[80], cgroup[120], cwd[96];
	json_t *fork, *exec, *exit;
	long child;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	if (!have_cgroup2()) {
		print_message("SKIPPED: no cgroup2 hierarchy mounted\n");
		skip();
	}
	run_traced(argv);
	assert_int_equal(h_kv_long(held.out, "status", 0), 0);
	child = h_kv_long(held.out, "child", 0);
	assert_true(child > 0);
	assert_true(h_kv(held.out, "container", 0, container, sizeof(container)));
	assert_true(h_kv(held.out, "cgroup", 0, cgroup, sizeof(cgroup)));
	assert_true(h_kv(held.out, "cwd", 0, cwd, sizeof(cwd)));
	assert_int_equal(h_kv_long(held.out, "sid", 0), held.pid);

	/* The fork: already in the container's cgroup, pid 1 of its namespace. */
	fork = h_find(&events, "fork", child, 0);
	assert_non_null(fork);
	assert_string_equal(h_str(fork, "container.id"), container);
	assert_string_equal(h_str(fork, "container.runtime"), "docker");
	assert_string_equal(h_str(fork, "ptrace_agent.cgroup.name"), cgroup);
	assert_int_equal(h_int(fork, "process.vpid"), 1);
	assert_string_equal(h_str(fork, "process.user.id"), "0");
	assert_string_equal(h_str(fork, "process.working_directory"), cwd);
	/* The scenario called setsid(): it leads its child's session. */
	assert_int_equal(h_int(fork, "process.session_leader.pid"), held.pid);
	assert_string_equal(h_str(fork, "process.session_leader.entity_id"),
			    h_str(h_find(&events, "exit", held.pid, 0), "process.entity_id"));
	assert_false(json_is_true(h_get(fork, "process.session_leader.same_as_process")));

	/* The exec: as nobody, the password masked. */
	exec = h_find(&events, "exec", child, 0);
	assert_non_null(exec);
	assert_string_equal(h_str(exec, "process.user.id"), NOBODY);
	assert_string_equal(h_str(exec, "process.real_user.id"), NOBODY);
	assert_string_equal(h_str(exec, "process.group.id"), NOBODY);
	assert_string_equal(h_str(exec, "process.real_group.id"), NOBODY);
	assert_int_equal(h_int(exec, "process.vpid"), 1);
	assert_string_equal(h_str(exec, "container.id"), container);
	assert_string_equal(h_str(exec, "process.working_directory"), cwd);
	assert_args_masked(exec);

	/* Its end still says who it was; the parent's name is the scenario's. */
	exit = h_find(&events, "exit", child, 0);
	assert_non_null(exit);
	assert_string_equal(h_str(exit, "process.user.id"), NOBODY);
	assert_string_equal(h_str(exit, "container.id"), container);
	assert_string_equal(h_str(exit, "process.parent.name"), "in_container");
	assert_no_secret(agent.out_path);
	h_agent_cleanup(&agent);
}

/* Outside any namespace the pid is its own; no container is made up. */
static void test_host_process(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/in_container"), NULL };
	char machine_id[64] = "", boot_id[64] = "";
	struct utsname u;
	json_t *exec;
	long child;
	FILE *f;

	(void)state;
	H_SKIP_WITHOUT_BPF();
	run_traced(argv);
	child = h_kv_long(held.out, "child", 0);
	exec = h_find(&events, "exec", child, 0);
	assert_non_null(exec);
	assert_int_equal(h_int(exec, "process.vpid"), child);
	assert_null(h_get(exec, "container"));
	assert_string_equal(h_str(exec, "process.user.id"), "0");
	assert_args_masked(exec);

	/* host.* and agent.*, against the machine's own. */
	assert_int_equal(uname(&u), 0);
	assert_string_equal(h_str(exec, "host.os.kernel"), u.release);
	assert_string_equal(h_str(exec, "host.architecture"), u.machine);
	assert_string_equal(h_str(exec, "host.name"), h_str(exec, "host.hostname"));
	assert_string_equal(h_str(exec, "agent.type"), "ptrace-agent");
	assert_non_null(h_str(exec, "agent.version"));
	assert_non_null(h_str(exec, "agent.ephemeral_id"));
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	assert_non_null(f);
	assert_non_null(fgets(boot_id, sizeof(boot_id), f));
	fclose(f);
	boot_id[strcspn(boot_id, "\n")] = '\0';
	assert_string_equal(h_str(exec, "host.boot.id"), boot_id);
	f = fopen("/etc/machine-id", "r");
	if (f && fgets(machine_id, sizeof(machine_id), f)) {
		machine_id[strcspn(machine_id, "\n")] = '\0';
		assert_string_equal(h_str(exec, "host.id"), machine_id);
		assert_non_null(h_str(exec, "agent.id"));
	}
	if (f)
		fclose(f);
	h_agent_cleanup(&agent);
}

/* The text stream gets the same masked argv. */
static void test_text_stream_masked(void **state)
{
	const char *argv[] = { h_build_path("tools/scenarios/in_container"), NULL };
	const char *args[] = { "-p", NULL, NULL };
	char pid[16];

	(void)state;
	H_SKIP_WITHOUT_BPF();
	assert_int_equal(h_held_spawn(&held, argv), 0);
	snprintf(pid, sizeof(pid), "%d", held.pid);
	args[1] = pid;
	assert_int_equal(h_agent_start_as(&agent, false, args), 0);
	h_held_release(&held);
	assert_int_equal(h_held_wait(&held, SCENARIO_TIMEOUT_MS), 0);
	assert_true(h_wait_for_line(agent.out_path, "in_container-target --password REDACTED token=REDACTED",
				    NULL, REPORT_TIMEOUT_MS));
	assert_int_equal(h_agent_stop(&agent), 0);
	assert_no_secret(agent.out_path);
	h_agent_cleanup(&agent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_container_namespace_user_cwd, h_teardown),
		cmocka_unit_test_teardown(test_host_process, h_teardown),
		cmocka_unit_test_teardown(test_text_stream_masked, h_teardown),
	};

	return cmocka_run_group_tests_name("integration: enrichment", tests, NULL, NULL);
}
