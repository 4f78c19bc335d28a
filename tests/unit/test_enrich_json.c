// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The enrichment as a pipeline sees it: synthetic fork and exec records
 * carrying identity go through the collector, and the JSON lines must
 * hold the ECS fields (process.user/group/vpid/tty/working_directory,
 * parent.*, session_leader, entry_leader, container.*, host.*, agent.*)
 * and never a secret from argv, in JSON or text.
 */
#include "fixture.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A login shell of init's on /dev/pts/0, leading its own session. */
static const struct pa_task_ids shell_ids = {
	.uid = 1000, .euid = 1000, .gid = 1000, .egid = 1000, .sid = 100, .vpid = 100,
	.tty_nr = FAKE_TTY_PTS0, .cgroup = "session-3.scope",
};
static const struct synth_task login = {
	.pid = 100, .ppid = 1, .start_ns = 10 * NS_PER_SEC, .comm = "bash", .ids = &shell_ids,
};

/* Its child, in a container scope, pid 1 of a new pid namespace, after
 * exec'ing a set-user-ID program (euid 0). */
static const struct pa_task_ids boxed_ids = {
	.uid = 1000, .euid = 0, .gid = 1000, .egid = 5, .sid = 100, .vpid = 1, .tty_nr = FAKE_TTY_PTS0,
	.cgroup = "docker-" HEX64 ".scope",
};
static const struct synth_task boxed = {
	.pid = 200, .ppid = 100, .start_ns = 20 * NS_PER_SEC, .comm = "su", .ids = &boxed_ids,
};

static json_t *fork_line(struct fixture *f, const struct synth_task *c, const struct synth_task *p)
{
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC, c, p);

	FEED(f, e);
	CHECK_U(drain(f), 1, "one line");
	return f->lines[0];
}

static void test_identity_fields(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	known(f, &init_task, "/sbin/init");
	fork_line(f, &login, &init_task);
	o = fork_line(f, &boxed, &login);
	check_common(o, "fork", "event", "start");
	check_no_dotted_keys(o);
	CHECK_JINT(o, "process.vpid", 1);
	CHECK_JSTR(o, "process.user.id", "0");
	CHECK_JSTR(o, "process.real_user.id", "1000");
	CHECK_JSTR(o, "process.group.id", "5");
	CHECK_JSTR(o, "process.real_group.id", "1000");
	CHECK_JINT(o, "process.tty.char_device.major", 136);
	CHECK_JINT(o, "process.tty.char_device.minor", 0);
	CHECK_JSTR(o, "container.id", HEX64);
	CHECK_JSTR(o, "container.runtime", "docker");
	CHECK_JSTR(o, "ptrace_agent.cgroup.name", "docker-" HEX64 ".scope");
	/* The parent as the table knows it. */
	CHECK_JSTR(o, "process.parent.name", "bash");
	CHECK_JSTR(o, "process.parent.start", "2023-11-14T22:13:30.000000Z");
	CHECK_JINT(o, "process.parent.vpid", 100);
	CHECK_JSTR(o, "process.parent.entity_id", proc(f, 100)->entity_id);
}

/* The exec's ids replace the fork's (set-user-ID programs), and later
 * events of the process show them. */
static void test_exec_then_exit_keep_ids(void **state)
{
	struct fixture *f = *state;
	struct synth_task before = boxed;
	struct pa_task_ids plain = boxed_ids;
	struct pa_exit_event x;

	plain.euid = 1000;
	plain.cgroup[0] = '\0';
	before.ids = &plain;
	known(f, &login, "-bash");
	fork_line(f, &before, &login);
	CHECK_JABSENT(f->lines[0], "container");
	CHECK_JABSENT(f->lines[0], "ptrace_agent");
	feed_exec(f, synth_exec(31 * NS_PER_SEC, &boxed, 200, "/usr/bin/su", ARGS("su\0-\0"), 2, 0));
	x = synth_exit(32 * NS_PER_SEC, &boxed, 0, true);
	FEED(f, x);
	CHECK_U(drain(f), 2, "exec and exit");
	CHECK_JSTR(f->lines[0], "process.user.id", "0");
	CHECK_JSTR(f->lines[1], "process.user.id", "0");
	CHECK_JINT(f->lines[1], "process.vpid", 1);
	CHECK_JSTR(f->lines[1], "container.id", HEX64);
	CHECK_JSTR(f->lines[1], "ptrace_agent.cgroup.name", "docker-" HEX64 ".scope");
	CHECK(json_is_object(jget(f->lines[1], "ptrace_agent.exit")), "exit details kept beside the cgroup");
}

/* A process only the snapshot knew without its ids: nothing is made up. */
static void test_unknown_identity_absent(void **state)
{
	struct fixture *f = *state;
	struct pa_exit_event x = synth_exit(32 * NS_PER_SEC, &shell, 0, true);

	known(f, &shell, "-bash");
	FEED(f, x);
	CHECK_U(drain(f), 1, "one line");
	CHECK_JABSENT(f->lines[0], "process.vpid");
	CHECK_JABSENT(f->lines[0], "process.user");
	CHECK_JABSENT(f->lines[0], "process.tty");
	CHECK_JABSENT(f->lines[0], "process.session_leader");
	CHECK_JABSENT(f->lines[0], "process.entry_leader");
	CHECK_JABSENT(f->lines[0], "process.working_directory");
	CHECK_JABSENT(f->lines[0], "container");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.cgroup");
}

static void test_leaders(void **state)
{
	struct fixture *f = *state;
	struct pa_task_ids init_ids = { .sid = 1, .vpid = 1 };
	struct synth_task init = init_task;
	json_t *o;

	init.ids = &init_ids;
	known(f, &init, NULL);
	fork_line(f, &login, &init);
	o = f->lines[0];
	CHECK_JINT(o, "process.session_leader.pid", 100);
	CHECK_JBOOL(o, "process.session_leader.same_as_process", true);
	CHECK_JBOOL(o, "process.entry_leader.same_as_process", true);
	o = fork_line(f, &boxed, &login);
	CHECK_JINT(o, "process.session_leader.pid", 100);
	CHECK_JSTR(o, "process.session_leader.entity_id", proc(f, 100)->entity_id);
	CHECK_JSTR(o, "process.session_leader.name", "bash");
	CHECK_JSTR(o, "process.session_leader.start", "2023-11-14T22:13:30.000000Z");
	CHECK_JBOOL(o, "process.session_leader.same_as_process", false);
	CHECK_JINT(o, "process.entry_leader.pid", 100);
	CHECK_JSTR(o, "process.entry_leader.entity_id", proc(f, 100)->entity_id);
	CHECK_JBOOL(o, "process.entry_leader.same_as_process", false);
}

/* The session id is known, its leader is not in the table. */
static void test_leader_not_in_table(void **state)
{
	struct fixture *f = *state;
	struct pa_task_ids ids = shell_ids;
	struct synth_task c = child;
	json_t *o;

	ids.sid = 555;
	c.ids = &ids;
	o = fork_line(f, &c, &shell);
	CHECK_JINT(o, "process.session_leader.pid", 555);
	CHECK_JABSENT(o, "process.session_leader.entity_id");
	CHECK_JABSENT(o, "process.entry_leader");
}

/* The child's ids with the working directory's key set. */
static struct synth_task in_dir(struct pa_task_ids *ids, const struct synth_task *t, uint32_t key)
{
	struct synth_task c = *t;

	*ids = shell_ids;
	ids->cwd_key = key;
	c.ids = ids;
	return c;
}

static void test_working_directory(void **state)
{
	struct fixture *f = *state;
	struct pa_task_ids ids;
	struct synth_task c = in_dir(&ids, &child, 11);

	fake_proc_root(f);
	fake_proc_link(f, 200, "cwd", "/home/me/src");
	CHECK_JSTR(fork_line(f, &c, &shell), "process.working_directory", "/home/me/src");
	/* It moved before exec (another key): /proc tells where. */
	c = in_dir(&ids, &child, 12);
	fake_proc_link(f, 200, "cwd", "/tmp");
	feed_exec(f, synth_exec(31 * NS_PER_SEC, &c, 200, "/bin/ls", ARGS("ls\0"), 1, 0));
	CHECK_U(drain(f), 1, "exec");
	CHECK_JSTR(f->lines[0], "process.working_directory", "/tmp");
	/* Gone by the next exec, same key: the same directory, no /proc needed. */
	fake_proc_unlink(f, 200, "cwd");
	feed_exec(f, synth_exec(32 * NS_PER_SEC, &c, 200, "/bin/true", ARGS("true\0"), 1, 0));
	CHECK_U(drain(f), 1, "exec");
	CHECK_JSTR(f->lines[0], "process.working_directory", "/tmp");
	/* Gone, and elsewhere: unknown, never the old path. */
	c = in_dir(&ids, &child, 13);
	feed_exec(f, synth_exec(33 * NS_PER_SEC, &c, 200, "/bin/id", ARGS("id\0"), 1, 0));
	CHECK_U(drain(f), 1, "exec");
	CHECK_JABSENT(f->lines[0], "process.working_directory");
}

/* A child gone before its fork was read works where its parent did; the
 * parent's path then serves its next children in that directory without
 * a look at /proc. */
static void test_working_directory_of_parent(void **state)
{
	struct fixture *f = *state;
	struct pa_task_ids ids;
	struct synth_task c = in_dir(&ids, &child, 21);

	known(f, &shell, "-bash");
	fake_proc_root(f);
	fake_proc_link(f, 100, "cwd", "/srv");
	CHECK_JSTR(fork_line(f, &c, &shell), "process.working_directory", "/srv");
	fake_proc_unlink(f, 100, "cwd");
	c.pid = 201;
	c.start_ns += NS_PER_SEC;
	CHECK_JSTR(fork_line(f, &c, &shell), "process.working_directory", "/srv");
	/* The parent moved (another key), nothing readable: unknown. */
	c = in_dir(&ids, &child, 22);
	c.pid = 202;
	c.start_ns += 2 * NS_PER_SEC;
	CHECK_JABSENT(fork_line(f, &c, &shell), "process.working_directory");
}

static const char secret_args[] = "mysql\0--password\0hunter2\0-psecret\0"
				  "https://bob:pw@db.example/x?token=t0k&page=2\0";

static void check_no_secret(const char *text)
{
	static const char *const leaks[] = { "hunter2", "bob", ":pw@", "t0k" };

	for (size_t i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++) {
		if (strstr(text, leaks[i]))
			fail_msg("\"%s\" leaked: %s", leaks[i], text);
	}
}

static void test_redacted_everywhere(void **state)
{
	struct fixture *f = *state;
	struct synth_task grandchild = { .pid = 300, .ppid = 200, .start_ns = 40 * NS_PER_SEC, .comm = "mysql" };
	struct pa_fork_event fk = synth_fork(41 * NS_PER_SEC, &grandchild, &child);
	struct pa_exit_event x = synth_exit(42 * NS_PER_SEC, &child, 0, true);

	known(f, &shell, "-bash");
	feed_exec(f, synth_exec(30 * NS_PER_SEC, &child, 200, "/usr/bin/mysql",
				secret_args, sizeof(secret_args) - 1, 5, 0));
	FEED(f, fk);
	FEED(f, x);
	CHECK_U(drain(f), 3, "exec, fork, exit");
	check_no_secret(f->text);
	CHECK_JSTRS(f->lines[0], "process.args", "mysql", "--password", "REDACTED", "-psecret",
		    "https://REDACTED:REDACTED@db.example/x?token=REDACTED&page=2");
	CHECK_JINT(f->lines[0], "process.args_count", 5);
	CHECK_JSTR(f->lines[0], "process.command_line",
		   "mysql --password REDACTED -psecret https://REDACTED:REDACTED@db.example/x?token=REDACTED&page=2");
	/* What the table kept, for the child and the process's own end. */
	CHECK_JSTR(f->lines[1], "process.command_line", json_string_value(jget(f->lines[0], "process.command_line")));
	CHECK_JSTR(f->lines[2], "process.command_line", json_string_value(jget(f->lines[0], "process.command_line")));
}

static void test_redacted_in_text(void **state)
{
	struct fixture *f = *state;

	feed_exec(f, synth_exec(30 * NS_PER_SEC, &child, 200, "/usr/bin/mysql",
				secret_args, sizeof(secret_args) - 1, 5, 0));
	CHECK_U(drain(f), 2, "header and exec");
	check_no_secret(f->text);
	CHECK(strstr(f->text, "--password REDACTED") != NULL, "the key stays, the value is masked");
}

/* --redact and --no-redact configure the agent's instance. */
static void test_redaction_configured(void **state)
{
	struct fixture *f = *state;

	pa_redact_disable(pa_redact_default());
	assert_int_equal(pa_redact_add(pa_redact_default(), "-psecret"), 0);
	feed_exec(f, synth_exec(30 * NS_PER_SEC, &child, 200, "/usr/bin/mysql",
				secret_args, sizeof(secret_args) - 1, 5, 0));
	CHECK_U(drain(f), 1, "exec");
	CHECK_JSTRS(f->lines[0], "process.args", "mysql", "--password", "hunter2", "-psecret", "REDACTED");
}

static void test_host_and_agent(void **state)
{
	struct fixture *f = *state;
	struct pa_host_info other = fake_host;
	json_t *o;

	o = fork_line(f, &child, &shell);
	CHECK_JSTR(o, "host.hostname", HOSTNAME);
	CHECK_JSTR(o, "host.name", HOSTNAME);
	CHECK_JSTR(o, "host.id", fake_host.id);
	CHECK_JSTR(o, "host.boot.id", BOOT_ID);
	CHECK_JSTR(o, "host.os.type", "linux");
	CHECK_JSTR(o, "host.os.kernel", "6.18.0-test");
	CHECK_JSTR(o, "host.architecture", "x86_64");
	CHECK_JSTR(o, "agent.type", "ptrace-agent");
	CHECK_JSTR(o, "agent.version", PA_VERSION);
	CHECK_JSTR(o, "agent.id", fake_host.agent_id);
	CHECK_JSTR(o, "agent.ephemeral_id", fake_host.ephemeral_id);
	/* Rendered once, and again when the facts change (a replay's). */
	snprintf(other.id, sizeof(other.id), "ffff");
	other.agent_id[0] = '\0';
	other.boot_id[0] = '\0';
	pa_host_info_set(&other);
	o = fork_line(f, &child, &shell);
	CHECK_JSTR(o, "host.id", "ffff");
	CHECK_JABSENT(o, "agent.id");
	CHECK_JABSENT(o, "host.boot");
	CHECK_JSTR(o, "host.hostname", HOSTNAME);
}

/* The lost record has no process but the same host and agent. */
static void test_host_on_lost(void **state)
{
	struct fixture *f = *state;

	pa_collector_lost(&f->c, 3, 50 * NS_PER_SEC);
	CHECK_U(drain(f), 1, "one line");
	CHECK_JSTR(f->lines[0], "agent.type", "ptrace-agent");
	CHECK_JSTR(f->lines[0], "host.os.kernel", "6.18.0-test");
	CHECK_JABSENT(f->lines[0], "container");
	CHECK_JINT(f->lines[0], "ptrace_agent.lost.count", 3);
}

int main(void)
{
#define J(t) cmocka_unit_test_setup_teardown(t, setup_json, teardown)
#define T(t) cmocka_unit_test_setup_teardown(t, setup_text, teardown)
	const struct CMUnitTest tests[] = {
		J(test_identity_fields),
		J(test_exec_then_exit_keep_ids),
		J(test_unknown_identity_absent),
		J(test_leaders),
		J(test_leader_not_in_table),
		J(test_working_directory),
		J(test_working_directory_of_parent),
		J(test_redacted_everywhere),
		T(test_redacted_in_text),
		J(test_redaction_configured),
		J(test_host_and_agent),
		J(test_host_on_lost),
	};

	return cmocka_run_group_tests_name("enrich: JSON", tests, NULL, NULL);
}
