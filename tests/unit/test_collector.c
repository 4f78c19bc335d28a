// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * collector: synthetic ABI records, built as the BPF side builds them, go
 * through pa_collector_handle() into the process table and out of a sink
 * into a memfd.  JSON lines are parsed back with jansson and checked
 * field by field against /work/shared/EVENTS.md; the text stream is
 * checked line by line.  proc_root is NULL (no /proc reads) except in the
 * reparenting case, which builds a fake /proc.
 */
#include "fixture.h"

/* A thread of the shell's child. */
static struct synth_task thread_of(const struct synth_task *leader, uint32_t tid, uint64_t task_start)
{
	struct synth_task t = *leader;

	t.pid = tid;
	t.tgid = leader->pid;
	t.task_start_ns = task_start;
	return t;
}

/* ---- fork --------------------------------------------------------------- */

static void test_fork_fields(void **state)
{
	struct fixture *f = *state;
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC + 123456789, &child, &shell);
	json_t *o;

	FEED(f, e);
	CHECK_U(drain(f), 1, "one line for a fork");
	o = f->lines[0];
	check_common(o, "fork", "event", "start");
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:13:50.123456Z");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JINT(o, "process.parent.pid", 100);
	CHECK_JSTR(o, "process.name", "bash");
	CHECK_JSTR(o, "process.entity_id", proc(f, 200)->entity_id);
	CHECK_JSTR(o, "process.start", "2023-11-14T22:13:40.000000Z");
	CHECK_JABSENT(o, "process.parent.entity_id");
	CHECK_JABSENT(o, "process.executable");
	CHECK_JABSENT(o, "process.exit_code");
	CHECK_JABSENT(o, "ptrace_agent");
	CHECK_U(f->c.nr_records, 1, "nr_records");
}

/* A forked child runs its parent's program: it inherits executable and
 * command line, and names its parent's entity. */
static void test_fork_inherits_from_known_parent(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *parent = known(f, &shell, "-bash");
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC, &child, &shell);
	json_t *o;

	pa_table_record_exec(parent, 11 * NS_PER_SEC, "/usr/bin/bash");
	FEED(f, e);
	CHECK_U(drain(f), 1, "one line");
	o = f->lines[0];
	CHECK_JSTR(o, "process.parent.entity_id", parent->entity_id);
	CHECK_JSTR(o, "process.executable", "/usr/bin/bash");
	CHECK_JSTR(o, "process.command_line", "-bash");
	CHECK(proc(f, 200)->parent == parent, "child linked under its parent");
	CHECK_STR(proc(f, 200)->cmdline, "-bash", "child's cmdline in the table");
}

static void test_fork_of_followed_parent_is_followed(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *parent = known(f, &shell, "-bash");
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC, &child, &shell);

	pa_table_follow_subtree(parent);
	FEED(f, e);
	CHECK(proc(f, 200)->followed, "a child of a followed process is followed");
}

/* ---- exec --------------------------------------------------------------- */

static void test_exec_fields(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	feed_exec(f, synth_exec(31 * NS_PER_SEC, &child, 200, "/usr/bin/ls", ARGS("ls\0-l\0/tmp\0"), 3, 0));
	CHECK_U(drain(f), 1, "one line for an exec");
	o = f->lines[0];
	check_common(o, "exec", "event", "start");
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:13:51.000000Z");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JINT(o, "process.parent.pid", 100);
	CHECK_JSTR(o, "process.executable", "/usr/bin/ls");
	CHECK_JSTRS(o, "process.args", "ls", "-l", "/tmp");
	CHECK_JINT(o, "process.args_count", 3);
	CHECK_JSTR(o, "process.command_line", "ls -l /tmp");
	CHECK_JABSENT(o, "ptrace_agent");
}

static void test_exec_empty_args_kept(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	feed_exec(f, synth_exec(31 * NS_PER_SEC, &child, 200, "/bin/prog", ARGS("prog\0\0x\0\0"), 4, 0));
	CHECK_U(drain(f), 1, "one line");
	o = f->lines[0];
	CHECK_JSTRS(o, "process.args", "prog", "", "x", "");
	CHECK_JINT(o, "process.args_count", 4);
	CHECK_JSTR(o, "process.command_line", "prog  x ");
}

/* The kernel cut argv at --max-args-bytes: the last string has no NUL,
 * argc is still the true count. */
static void test_exec_truncated_last_arg(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	feed_exec(f, synth_exec(31 * NS_PER_SEC, &child, 200, "/usr/bin/cc",
				ARGS("cc\0-o\0/very/lo"), 7, PA_F_ARGS_TRUNC));
	CHECK_U(drain(f), 1, "one line");
	o = f->lines[0];
	CHECK_JSTRS(o, "process.args", "cc", "-o", "/very/lo");
	CHECK_JINT(o, "process.args_count", 7);
	CHECK_JSTR(o, "process.command_line", "cc -o /very/lo");
	CHECK_JBOOL(o, "ptrace_agent.args_truncated", true);
	CHECK(proc(f, 200)->cmdline_truncated, "table cmdline marked truncated");
}

static void test_exec_args_fault(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	feed_exec(f, synth_exec(31 * NS_PER_SEC, &child, 200, "/bin/x", NULL, 0, 2, PA_F_ARGS_FAULT));
	CHECK_U(drain(f), 1, "one line");
	o = f->lines[0];
	CHECK_JSTR(o, "process.executable", "/bin/x");
	CHECK_JEMPTY(o, "process.args");
	CHECK_JINT(o, "process.args_count", 2);
	CHECK_JSTR(o, "process.command_line", "");
	CHECK_JBOOL(o, "ptrace_agent.args_truncated", true);
}

static void test_exec_updates_table(void **state)
{
	struct fixture *f = *state;
	struct synth_task after = child;
	struct pa_proc *p;

	after.comm = "ls";
	feed_exec(f, synth_exec(31 * NS_PER_SEC, &after, 200, "/usr/bin/ls", ARGS("ls\0-a\0"), 2, 0));
	p = proc(f, 200);
	CHECK_STR(p->comm, "ls", "comm after exec");
	CHECK_STR(p->cmdline, "ls -a", "cmdline from argv");
	CHECK(!p->cmdline_truncated, "not truncated");
	CHECK_STR(pa_proc_last_exec(p)->filename, "/usr/bin/ls", "exec history");
	CHECK_U(pa_proc_last_exec(p)->ts_ns, 31 * NS_PER_SEC, "exec time");
	CHECK_U(p->ppid, 100, "ppid from the header");
	CHECK_U(f->c.table.nr_live, 1, "an exec of an unknown process creates it");
}

/* Later events about the process carry what the exec set. */
static void test_exit_after_exec_names_program(void **state)
{
	struct fixture *f = *state;
	struct synth_task after = child;
	struct pa_exit_event x;

	after.comm = "sleep";
	feed_exec(f, synth_exec(31 * NS_PER_SEC, &after, 200, "/usr/bin/sleep", ARGS("sleep\0" "5\0"), 2, 0));
	x = synth_exit(36 * NS_PER_SEC, &after, 0, true);
	FEED(f, x);
	CHECK_U(drain(f), 2, "exec and exit");
	CHECK_JSTR(f->lines[1], "process.name", "sleep");
	CHECK_JSTR(f->lines[1], "process.executable", "/usr/bin/sleep");
	CHECK_JSTR(f->lines[1], "process.command_line", "sleep 5");
}

/* ---- exit --------------------------------------------------------------- */

static void test_exit_code(void **state)
{
	struct fixture *f = *state;
	struct pa_exit_event e = synth_exit(21500 * NS_PER_MS, &child, 3 << 8, true);
	json_t *o;

	FEED(f, e);
	CHECK_U(drain(f), 1, "one line for a process exit");
	o = f->lines[0];
	check_common(o, "exit", "event", "end");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JINT(o, "process.parent.pid", 100);
	CHECK_JINT(o, "process.exit_code", 3);
	CHECK_JSTR(o, "process.end", "2023-11-14T22:13:41.500000Z");
	CHECK_JABSENT(o, "ptrace_agent.exit.signal");
	CHECK_JBOOL(o, "ptrace_agent.exit.core_dumped", false);
	CHECK_JINT(o, "ptrace_agent.exit.runtime_ms", 1500);
	CHECK(proc(f, 200)->exited, "table: exited");
	CHECK_I(proc(f, 200)->state, 'Z', "table: zombie until reaped");
}

static void test_exit_killed_by_sigkill(void **state)
{
	struct fixture *f = *state;
	struct pa_exit_event e = synth_exit(21 * NS_PER_SEC, &child, 9, true);
	json_t *o;

	FEED(f, e);
	CHECK_U(drain(f), 1, "one line");
	o = f->lines[0];
	CHECK_JINT(o, "process.exit_code", 137);
	CHECK_JSTR(o, "ptrace_agent.exit.signal", "SIGKILL");
	CHECK_JBOOL(o, "ptrace_agent.exit.core_dumped", false);
}

static void test_exit_core_dumped(void **state)
{
	struct fixture *f = *state;
	struct pa_exit_event e = synth_exit(21 * NS_PER_SEC, &child, 11 | 0x80, true);
	json_t *o;

	FEED(f, e);
	CHECK_U(drain(f), 1, "one line");
	o = f->lines[0];
	CHECK_JINT(o, "process.exit_code", 139);
	CHECK_JSTR(o, "ptrace_agent.exit.signal", "SIGSEGV");
	CHECK_JBOOL(o, "ptrace_agent.exit.core_dumped", true);
}

static void test_thread_exit_emits_nothing(void **state)
{
	struct fixture *f = *state;
	struct synth_task th = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct pa_fork_event fork = synth_fork(25 * NS_PER_SEC, &th, &child);
	struct pa_exit_event ex = synth_exit(26 * NS_PER_SEC, &th, 0, false);

	known(f, &child, "worker");
	FEED(f, fork);
	FEED(f, ex);
	CHECK_U(drain(f), 0, "no line for a thread's fork or exit");
	CHECK(!proc(f, 200)->exited, "the process lives on");
	CHECK_U(f->c.nr_records, 2, "both records accepted");
}

/* Older kernels may report group_dead from two racing threads. */
static void test_duplicate_group_dead_exit_one_line(void **state)
{
	struct fixture *f = *state;
	struct synth_task th = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct pa_exit_event a = synth_exit(26 * NS_PER_SEC, &child, 0, true);
	struct pa_exit_event b = synth_exit(26 * NS_PER_SEC + 1, &th, 9, true);

	FEED(f, a);
	FEED(f, b);
	CHECK_U(drain(f), 1, "one exit line for two group-dead reports");
	CHECK_JINT(f->lines[0], "process.exit_code", 0);
	CHECK_U(proc(f, 200)->exit_status, 0, "the first report's status is kept");
	FEED(f, a);
	CHECK_U(drain(f), 0, "the very same record again: nothing");
}

static void test_exit_of_unknown_process_reported(void **state)
{
	struct fixture *f = *state;
	struct pa_exit_event e = synth_exit(21 * NS_PER_SEC, &child, 0, true);

	FEED(f, e);
	CHECK_U(drain(f), 1, "a process first seen at its exit is reported");
	CHECK_JSTR(f->lines[0], "process.name", "bash");
	CHECK_U(f->c.table.nr_live, 0, "created and exited");
}

/* ---- threads ------------------------------------------------------------ */

static void test_thread_fork_and_exit_count(void **state)
{
	struct fixture *f = *state;
	struct synth_task t1 = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct synth_task t2 = thread_of(&child, 202, 26 * NS_PER_SEC);
	struct pa_fork_event f1 = synth_fork(25 * NS_PER_SEC, &t1, &child);
	struct pa_fork_event f2 = synth_fork(26 * NS_PER_SEC, &t2, &t1);
	struct pa_exit_event x1 = synth_exit(27 * NS_PER_SEC, &t1, 0, false);
	struct pa_thread *th;

	known(f, &child, "worker");
	CHECK(f1.hdr.flags & PA_F_THREAD, "a thread's fork carries PA_F_THREAD");
	FEED(f, f1);
	CHECK_U(proc(f, 200)->nr_threads, 2, "after the first thread");
	FEED(f, f2);
	CHECK_U(proc(f, 200)->nr_threads, 3, "after the second thread");
	th = pa_table_find_thread(&f->c.table, 202);
	assert_non_null(th);
	CHECK_U(th->tgid, 200, "thread's tgid");
	CHECK_U(th->start_ns, 26 * NS_PER_SEC, "thread's own start");
	FEED(f, x1);
	CHECK_U(proc(f, 200)->nr_threads, 2, "after a thread exit");
	CHECK(pa_table_find_thread(&f->c.table, 201) == NULL, "exited thread forgotten");
	CHECK(pa_table_find_thread(&f->c.table, 202) != NULL, "the other thread stays");
	CHECK_U(drain(f), 0, "threads make no lines");
}

static void test_thread_fork_repeated_counts_once(void **state)
{
	struct fixture *f = *state;
	struct synth_task t1 = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct pa_fork_event e = synth_fork(25 * NS_PER_SEC, &t1, &child);

	known(f, &child, "worker");
	FEED(f, e);
	FEED(f, e);
	CHECK_U(proc(f, 200)->nr_threads, 2, "the same thread twice counts once");
}

/* An exit of a thread we never saw does not drive the count below 1. */
static void test_unknown_thread_exit_keeps_count(void **state)
{
	struct fixture *f = *state;
	struct synth_task t1 = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct pa_exit_event x = synth_exit(27 * NS_PER_SEC, &t1, 0, false);

	known(f, &child, "worker");
	FEED(f, x);
	CHECK_U(proc(f, 200)->nr_threads, 1, "still one thread");
}

/* The leader may end first; the process runs on as its other threads. */
static void test_leader_exits_before_threads(void **state)
{
	struct fixture *f = *state;
	struct synth_task t1 = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct pa_fork_event fork = synth_fork(25 * NS_PER_SEC, &t1, &child);
	struct pa_exit_event leader = synth_exit(26 * NS_PER_SEC, &child, 0, false);
	struct pa_exit_event last = synth_exit(27 * NS_PER_SEC, &t1, 5 << 8, true);

	known(f, &child, "worker");
	FEED(f, fork);
	FEED(f, leader);
	CHECK_U(drain(f), 0, "the leader's own exit is not a process exit");
	CHECK(!proc(f, 200)->exited, "still running");
	CHECK_U(proc(f, 200)->nr_threads, 1, "one thread left");
	FEED(f, last);
	CHECK_U(drain(f), 1, "the last thread's exit ends the process");
	CHECK_JINT(f->lines[0], "process.pid", 200);
	CHECK_JINT(f->lines[0], "process.exit_code", 5);
	CHECK(pa_table_find_thread(&f->c.table, 201) == NULL, "last thread forgotten");
}

/* A non-leader thread exec'd: it took the leader's pid, every other thread
 * is gone, and it is still the same process. */
static void test_exec_from_non_leader_thread(void **state)
{
	struct fixture *f = *state;
	struct synth_task t1 = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct synth_task t2 = thread_of(&child, 202, 26 * NS_PER_SEC);
	struct pa_fork_event f1 = synth_fork(25 * NS_PER_SEC, &t1, &child);
	struct pa_fork_event f2 = synth_fork(26 * NS_PER_SEC, &t2, &child);
	struct pa_proc *p = known(f, &child, "worker");
	char id[PA_ENTITY_ID_LEN];

	snprintf(id, sizeof(id), "%s", p->entity_id);
	FEED(f, f1);
	FEED(f, f2);
	CHECK_U(p->nr_threads, 3, "three threads before exec");
	feed_exec(f, synth_exec(30 * NS_PER_SEC, &child, 201, "/bin/true", ARGS("true\0"), 1, 0));
	CHECK(pa_table_find(&f->c.table, 200) == p, "same record under the same pid");
	CHECK_STR(p->entity_id, id, "same entity");
	CHECK_U(p->nr_threads, 1, "one thread after exec");
	CHECK(pa_table_find_thread(&f->c.table, 201) == NULL, "the exec'ing thread's old tid is gone");
	CHECK(pa_table_find_thread(&f->c.table, 202) == NULL, "the other thread is gone");
	CHECK_U(drain(f), 1, "one exec line");
	CHECK_JINT(f->lines[0], "process.pid", 200);
	CHECK_JSTR(f->lines[0], "process.entity_id", id);
}

/* A thread's exit record was lost; when the process ends, none of its
 * threads can be alive, so none may stay in the table (a stale entry
 * would hide the next thread that reuses the tid, and is never expired). */
static void test_group_exit_forgets_lost_threads(void **state)
{
	struct fixture *f = *state;
	struct synth_task t1 = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct pa_fork_event fork = synth_fork(25 * NS_PER_SEC, &t1, &child);
	struct pa_exit_event last = synth_exit(27 * NS_PER_SEC, &child, 0, true);

	known(f, &child, "worker");
	FEED(f, fork);
	/* t1's own exit record is lost here. */
	FEED(f, last);
	CHECK_U(drain(f), 1, "the process exit is reported");
	CHECK(pa_table_find_thread(&f->c.table, 201) == NULL, "the ended process's thread is forgotten");
}

/* ---- pid reuse ---------------------------------------------------------- */

static void test_pid_reuse_fresh_entity_id(void **state)
{
	struct fixture *f = *state;
	struct synth_task again = child;
	struct pa_fork_event first = synth_fork(20 * NS_PER_SEC, &child, &shell);
	struct pa_exit_event ex = synth_exit(21 * NS_PER_SEC, &child, 0, true);
	struct pa_free_event fr = synth_free(21 * NS_PER_SEC + 5, &child);
	struct pa_fork_event second;
	char old_id[PA_ENTITY_ID_LEN];

	FEED(f, first);
	FEED(f, ex);
	FEED(f, fr);
	again.start_ns = 40 * NS_PER_SEC;
	second = synth_fork(40 * NS_PER_SEC, &again, &shell);
	FEED(f, second);
	CHECK_U(drain(f), 3, "fork, exit, fork");
	CHECK_JINT(f->lines[0], "process.pid", 200);
	CHECK_JINT(f->lines[2], "process.pid", 200);
	snprintf(old_id, sizeof(old_id), "%s", json_string_value(jget(f->lines[0], "process.entity_id")));
	CHECK(strcmp(old_id, json_string_value(jget(f->lines[2], "process.entity_id"))) != 0,
	      "a reused pid gets a fresh entity_id");
	CHECK_JSTR(f->lines[1], "process.entity_id", old_id);
	CHECK_U(f->c.table.nr_replaced, 1, "the old life was replaced");
	CHECK(!proc(f, 200)->exited, "the new life is running");
	CHECK_U(proc(f, 200)->start_ns, 40 * NS_PER_SEC, "the new life's start");
}

/* The exits of the old life's threads were lost; a thread of the new life
 * reusing one of their tids must still be counted. */
static void test_thread_count_after_pid_reuse(void **state)
{
	struct fixture *f = *state;
	struct synth_task again = child;
	struct synth_task old_thread = thread_of(&child, 201, 25 * NS_PER_SEC);
	struct synth_task new_thread;
	struct pa_fork_event e;

	known(f, &child, "old");
	e = synth_fork(25 * NS_PER_SEC, &old_thread, &child);
	FEED(f, e);
	CHECK_U(proc(f, 200)->nr_threads, 2, "old life: two threads");
	again.start_ns = 40 * NS_PER_SEC;
	e = synth_fork(40 * NS_PER_SEC, &again, &shell);
	FEED(f, e);
	CHECK_U(proc(f, 200)->nr_threads, 1, "new life: one thread");
	new_thread = thread_of(&again, 201, 41 * NS_PER_SEC);
	e = synth_fork(41 * NS_PER_SEC, &new_thread, &again);
	FEED(f, e);
	CHECK_U(proc(f, 200)->nr_threads, 2, "new life: its new thread counted");
}

/* ---- free and housekeeping ---------------------------------------------- */

static void test_free_marks_reaped(void **state)
{
	struct fixture *f = *state;
	struct pa_exit_event ex = synth_exit(21 * NS_PER_SEC, &child, 0, true);
	struct pa_free_event fr = synth_free(22 * NS_PER_SEC, &child);
	struct pa_proc *p;

	FEED(f, ex);
	FEED(f, fr);
	p = proc(f, 200);
	CHECK(p->reaped, "reaped");
	CHECK_U(p->reaped_ns, 22 * NS_PER_SEC, "reap time");
	CHECK_I(p->state, 'X', "state X");
	CHECK_U(drain(f), 1, "free makes no line of its own");
	pa_collector_tick(&f->c, 22 * NS_PER_SEC + PA_REAPED_LINGER_NS - 1);
	CHECK(pa_table_find(&f->c.table, 200) == p, "kept while it lingers");
	pa_collector_tick(&f->c, 22 * NS_PER_SEC + PA_REAPED_LINGER_NS);
	CHECK(pa_table_find(&f->c.table, 200) == NULL, "forgotten after the linger");
}

static void test_free_of_unknown_or_other_life_ignored(void **state)
{
	struct fixture *f = *state;
	struct synth_task other_life = child;
	struct pa_free_event unknown = synth_free(22 * NS_PER_SEC, &shell);
	struct pa_free_event stale;

	known(f, &child, "x");
	other_life.start_ns = 5 * NS_PER_SEC;
	stale = synth_free(22 * NS_PER_SEC, &other_life);
	FEED(f, unknown);
	FEED(f, stale);
	CHECK(pa_table_find(&f->c.table, 100) == NULL, "a free does not create a process");
	CHECK(!proc(f, 200)->reaped, "a free of another life leaves this one alone");
	CHECK_U(drain(f), 0, "no line");
}

/* ---- lost --------------------------------------------------------------- */

static void test_lost_alert(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	pa_collector_lost(&f->c, 5, 50 * NS_PER_SEC);
	CHECK_U(drain(f), 1, "one line for lost records");
	o = f->lines[0];
	check_common(o, "lost", "alert", "info");
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:14:10.000000Z");
	CHECK_JINT(o, "ptrace_agent.lost.count", 5);
	CHECK_JABSENT(o, "process");
	CHECK_U(f->c.nr_lost, 5, "nr_lost");
	pa_collector_lost(&f->c, 7, 51 * NS_PER_SEC);
	CHECK_U(drain(f), 1, "another report");
	CHECK_JINT(f->lines[0], "ptrace_agent.lost.count", 7);
	CHECK_U(f->c.nr_lost, 12, "nr_lost accumulates");
}

static void test_lost_zero_silent(void **state)
{
	struct fixture *f = *state;

	pa_collector_lost(&f->c, 0, 50 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "nothing lost, nothing said");
	CHECK_U(f->c.nr_lost, 0, "nr_lost");
}

/* ---- malformed records -------------------------------------------------- */

static void check_refused(struct fixture *f, const void *rec, size_t size, uint64_t nr_bad,
			  const char *what)
{
	CHECK_I(pa_collector_handle(&f->c, rec, size), -1, what);
	CHECK_U(f->c.nr_bad, nr_bad, what);
	CHECK_U(f->c.nr_records, 0, what);
	CHECK_U(drain(f), 0, what);
	CHECK(pa_table_find(&f->c.table, 200) == NULL, what);
}

static void test_short_record_refused(void **state)
{
	struct fixture *f = *state;
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC, &child, &shell);

	check_refused(f, &e, 8, 1, "8 bytes");
	check_refused(f, &e, sizeof(e.hdr) - 1, 2, "a header less one byte");
	e.hdr.size = sizeof(e.hdr);
	check_refused(f, &e, sizeof(e), 3, "a fork the size of a header");
}

static void test_bad_size_refused(void **state)
{
	struct fixture *f = *state;
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC, &child, &shell);
	struct pa_exit_event x = synth_exit(30 * NS_PER_SEC, &child, 0, true);

	check_refused(f, &e, sizeof(e) - 4, 1, "hdr.size past the bytes");
	e.hdr.size = 4;
	check_refused(f, &e, sizeof(e), 2, "hdr.size below a header");
	x.hdr.size = sizeof(x) - 8;
	check_refused(f, &x, sizeof(x), 3, "an exit cut short");
}

static void test_bad_filename_len_refused(void **state)
{
	struct fixture *f = *state;
	struct pa_exec_event *e = synth_exec(31 * NS_PER_SEC, &child, 200, "/bin/ls", ARGS("ls\0"), 1, 0);

	e->filename_len += 1;
	check_refused(f, e, e->hdr.size, 1, "filename_len past the record");
	e->filename_len -= 2;
	e->args_len += 1;
	check_refused(f, e, e->hdr.size, 2, "filename field without its NUL");
	e->filename_len = 0;
	e->args_len = e->hdr.size - sizeof(*e);
	check_refused(f, e, e->hdr.size, 3, "filename_len 0");
	free(e);
}

static void test_unknown_type_skipped(void **state)
{
	struct fixture *f = *state;
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC, &child, &shell);
	struct pa_fork_event ok = e;

	e.hdr.type = PA_EV_TYPE_MAX + 3;
	CHECK_I(pa_collector_handle(&f->c, &e, sizeof(e)), 0, "a newer type is skipped, not an error");
	CHECK_U(f->c.nr_bad, 0, "not counted as bad");
	CHECK_U(f->c.nr_records, 0, "not counted as handled");
	CHECK_U(drain(f), 0, "no line");
	CHECK(pa_table_find(&f->c.table, 200) == NULL, "no process created");
	FEED(f, ok);
	CHECK_U(drain(f), 1, "the next record is handled");
}

/* ---- the stream as a whole ---------------------------------------------- */

static void test_every_line_follows_the_contract(void **state)
{
	struct fixture *f = *state;
	struct pa_fork_event fork = synth_fork(20 * NS_PER_SEC, &child, &shell);
	struct pa_exit_event ex = synth_exit(22 * NS_PER_SEC, &child, 9, true);

	known(f, &shell, "-bash");
	FEED(f, fork);
	feed_exec(f, synth_exec(21 * NS_PER_SEC, &child, 200, "/bin/sleep", ARGS("sleep\0" "9\0"), 2, 0));
	FEED(f, ex);
	pa_collector_lost(&f->c, 1, 23 * NS_PER_SEC);
	CHECK_U(drain(f), 4, "fork, exec, exit, lost");
	for (size_t i = 0; i < f->nr_lines; i++) {
		json_t *o = f->lines[i];

		check_no_dotted_keys(o);
		check_rfc3339_us(o, "@timestamp");
		CHECK_JSTRS(o, "event.category", "process");
		CHECK_JSTR(o, "host.hostname", HOSTNAME);
		if (i < 3) {
			CHECK_JINT(o, "process.pid", 200);
			CHECK_JINT(o, "process.parent.pid", 100);
			CHECK_JSTR(o, "process.entity_id", proc(f, 200)->entity_id);
			CHECK(json_is_string(jget(o, "process.name")), "process.name");
		}
	}
	CHECK_JSTR(f->lines[0], "event.action", "fork");
	CHECK_JSTR(f->lines[1], "event.action", "exec");
	CHECK_JSTR(f->lines[2], "event.action", "exit");
	CHECK_JSTR(f->lines[3], "event.action", "lost");
}

static void test_add_sink_limits(void **state)
{
	struct fixture *f = *state;
	struct pa_sink *extra;

	CHECK_I(pa_collector_add_sink(&f->c, NULL), -1, "a NULL sink (failed allocation) is refused");
	while (f->c.nr_sinks < PA_MAX_SINKS)
		CHECK_I(pa_collector_add_sink(&f->c, pa_sink_text_new(&f->env, &f->out)), 0, "add");
	extra = pa_sink_text_new(&f->env, &f->out);
	CHECK_I(pa_collector_add_sink(&f->c, extra), -1, "PA_MAX_SINKS reached");
	pa_sink_destroy(extra);
}

/* ---- reparenting through /proc ------------------------------------------ */

/* On a process exit the kernel hands its live children to a new parent;
 * the collector asks proc_root who that is.  One child has a stat saying
 * ppid 1, the other no stat at all (gone): it stays where it was. */
static void test_exit_reparents_children_from_proc_root(void **state)
{
	struct fixture *f = *state;
	struct synth_task c1 = { .pid = 300, .ppid = 200, .start_ns = 25 * NS_PER_SEC, .comm = "sleep" };
	struct synth_task c2 = { .pid = 301, .ppid = 200, .start_ns = 25 * NS_PER_SEC, .comm = "sleep" };
	struct pa_exit_event ex = synth_exit(30 * NS_PER_SEC, &child, 0, true);
	struct pa_proc *init, *parent, *p1, *p2;

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 1, 300, 0);

	init = known(f, &init_task, "/sbin/init");
	parent = known(f, &child, "bash");
	p1 = known(f, &c1, "sleep 1");
	p2 = known(f, &c2, "sleep 2");
	CHECK(p1->parent == parent && p2->parent == parent, "both children under 200 before");
	FEED(f, ex);
	CHECK(p1->parent == init, "300 moved under init, as its stat says");
	CHECK_U(p1->ppid, 1, "300's ppid");
	CHECK(p2->parent == parent, "301 (no stat) left where it was");
}

/* A damaged record file (the fuzzer made one) can name a child with its
 * parent's pid: the child's upsert drops the parent's record, which must
 * not be used after, nor a process be its own parent. */
static void test_fork_of_a_child_with_the_parents_pid(void **state)
{
	struct fixture *f = *state;
	struct synth_task reborn = shell;
	struct pa_fork_event e;
	struct pa_proc *p;

	reborn.start_ns = 30 * NS_PER_SEC;
	known(f, &shell, "bash -l");
	e = synth_fork(30 * NS_PER_SEC, &reborn, &shell);
	e.hdr.flags &= ~PA_F_THREAD;
	FEED(f, e);
	p = pa_table_find(&f->c.table, shell.pid);
	assert_non_null(p);
	CHECK_U(p->start_ticks, pa_ns_to_ticks(reborn.start_ns), "the new life under pid 100");
	CHECK(p->cmdline == NULL, "nothing inherited from the dropped record");
	CHECK(p->parent != p, "not its own parent");

	e = synth_fork(31 * NS_PER_SEC, &reborn, &reborn); /* its own parent, same life */
	e.hdr.flags &= ~PA_F_THREAD;
	FEED(f, e);
	p = pa_table_find(&f->c.table, shell.pid);
	CHECK(p && p->parent != p, "still not its own parent");
}

/* A child already reaped lingers under its parent for the tree, but it is
 * gone: its pid may be a new process's by now.  The parent's exit must not
 * read /proc for it, nor move it under whatever owns that pid now. */
static void test_exit_leaves_reaped_children_alone(void **state)
{
	struct fixture *f = *state;
	struct synth_task c1 = { .pid = 300, .ppid = 200, .start_ns = 25 * NS_PER_SEC, .comm = "true" };
	struct pa_exit_event c1_exit = synth_exit(26 * NS_PER_SEC, &c1, 0, true);
	struct pa_free_event c1_free = synth_free(26 * NS_PER_SEC + 5, &c1);
	struct pa_exit_event ex = synth_exit(27 * NS_PER_SEC, &child, 0, true);
	struct pa_proc *parent, *p1;

	fake_proc_root(f);
	/* pid 300 reused by a process under init */
	fake_proc_stat(f, 300, "other", 'S', 1, 300, 0);
	known(f, &init_task, "/sbin/init");
	parent = known(f, &child, "bash");
	p1 = known(f, &c1, "true");
	FEED(f, c1_exit);
	FEED(f, c1_free);
	CHECK(p1->reaped && p1->parent == parent, "reaped 300 lingers under 200");
	FEED(f, ex);
	CHECK(p1->parent == parent, "the exit of 200 did not move its reaped child");
	CHECK_U(p1->ppid, 200, "nor take the ppid of the pid's new owner");
	CHECK_U(p1->orphaned_from, 0, "and called it no orphan");
}

static void test_exit_without_proc_root_keeps_links(void **state)
{
	struct fixture *f = *state;
	struct synth_task c1 = { .pid = 300, .ppid = 200, .start_ns = 25 * NS_PER_SEC, .comm = "sleep" };
	struct pa_exit_event ex = synth_exit(30 * NS_PER_SEC, &child, 0, true);
	struct pa_proc *parent, *p1;

	CHECK(f->c.proc_root == NULL, "tests run without /proc");
	parent = known(f, &child, "bash");
	p1 = known(f, &c1, "sleep 1");
	FEED(f, ex);
	CHECK(p1->parent == parent, "no proc_root: nothing re-read, nothing moved");
}

/* ---- the text stream ---------------------------------------------------- */

static void test_text_header_once(void **state)
{
	struct fixture *f = *state;
	struct pa_fork_event a = synth_fork(30 * NS_PER_SEC, &child, &shell);
	struct pa_exit_event b = synth_exit(31 * NS_PER_SEC, &child, 0, true);

	FEED(f, a);
	FEED(f, b);
	CHECK_U(drain(f), 3, "header and two events");
	CHECK(strncmp(f->text, text_header, sizeof(text_header) - 1) == 0, "the header comes first");
	CHECK(strstr(f->text + 1, "TIME ") == NULL, "and only once");
	pa_collector_lost(&f->c, 1, 32 * NS_PER_SEC);
	CHECK_U(drain(f), 1, "later events: no header again");
}

static void test_text_fork_line(void **state)
{
	struct fixture *f = *state;
	struct pa_fork_event e = synth_fork(30 * NS_PER_SEC + 250 * NS_PER_MS, &child, &shell);

	FEED(f, e);
	drain(f);
	CHECK_STR(f->text,
		  "TIME         EVENT  PID     PPID    COMM             DETAIL\n"
		  "22:13:50.250 fork   200     100     bash\n",
		  "header and fork line (TZ=UTC)");
}

static void test_text_exec_line_quotes_args(void **state)
{
	struct fixture *f = *state;
	struct synth_task sh = child;

	sh.comm = "sh";
	feed_exec(f, synth_exec(30 * NS_PER_SEC, &sh, 200, "/bin/sh",
				ARGS("sh\0-c\0echo 'hi' > /tmp/x\0\0"), 4, 0));
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:13:50.000 exec   200     100     sh               sh -c 'echo '\\''hi'\\'' > /tmp/x' ''\n",
		  "args shell-quoted, the empty one as ''");
}

static void test_text_exec_truncated_shows_count(void **state)
{
	struct fixture *f = *state;

	feed_exec(f, synth_exec(30 * NS_PER_SEC, &child, 200, "/usr/bin/cc",
				ARGS("cc\0-o\0/very/lo"), 7, PA_F_ARGS_TRUNC));
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:13:50.000 exec   200     100     bash             cc -o /very/lo ... (7 args)\n",
		  "truncated argv and the true count");
}

static void test_text_exec_without_args_shows_executable(void **state)
{
	struct fixture *f = *state;

	feed_exec(f, synth_exec(30 * NS_PER_SEC, &child, 200, "/opt/my tool", NULL, 0, 1, PA_F_ARGS_FAULT));
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:13:50.000 exec   200     100     bash             '/opt/my tool'\n",
		  "argv unreadable: the executable, quoted");
}

static void test_text_exit_code_line(void **state)
{
	struct fixture *f = *state;
	struct pa_exit_event e = synth_exit(21500 * NS_PER_MS, &child, 3 << 8, true);

	FEED(f, e);
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:13:41.500 exit   200     100     bash             exit 3 after 1.50s\n",
		  "exit code and run time");
}

static void test_text_killed_lines(void **state)
{
	struct fixture *f = *state;
	struct synth_task a = child, b = child, c = child;
	struct pa_exit_event ea, eb, ec;

	b.pid = 201;
	c.pid = 202;
	ea = synth_exit(21 * NS_PER_SEC, &a, 9, true);
	eb = synth_exit(21 * NS_PER_SEC, &b, 11 | 0x80, true);
	ec = synth_exit(21 * NS_PER_SEC, &c, 9 | 0x80, true);
	FEED(f, ea);
	FEED(f, eb);
	FEED(f, ec);
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:13:41.000 exit   200     100     bash             killed by SIGKILL after 1.00s\n"
		  "22:13:41.000 exit   201     100     bash             killed by SIGSEGV (core dumped) after 1.00s\n"
		  "22:13:41.000 exit   202     100     bash             killed by SIGKILL (core dumped) after 1.00s\n",
		  "killed, with and without a core");
}

static void test_text_lost_line(void **state)
{
	struct fixture *f = *state;

	pa_collector_lost(&f->c, 42, 50 * NS_PER_SEC);
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:14:10.000 lost   -       -       -                42 events lost: ring buffer full (raise --ringbuf-size)\n",
		  "lost line");
}

static void test_text_escapes_controls(void **state)
{
	struct fixture *f = *state;
	struct synth_task evil = child;

	evil.comm = "x\x1b[2J";
	feed_exec(f, synth_exec(30 * NS_PER_SEC, &evil, 200, "/bin/echo", ARGS("echo\0\x1b]0;pwned\x07\0"), 2, 0));
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:13:50.000 exec   200     100     x\\x1b[2J         echo '\\x1b]0;pwned\\x07'\n",
		  "escape sequences in comm and argv made harmless");
}

int main(void)
{
#define J(t) cmocka_unit_test_setup_teardown(t, setup_json, teardown)
#define T(t) cmocka_unit_test_setup_teardown(t, setup_text, teardown)
	const struct CMUnitTest tests[] = {
		J(test_fork_fields),
		J(test_fork_inherits_from_known_parent),
		J(test_fork_of_followed_parent_is_followed),
		J(test_exec_fields),
		J(test_exec_empty_args_kept),
		J(test_exec_truncated_last_arg),
		J(test_exec_args_fault),
		J(test_exec_updates_table),
		J(test_exit_after_exec_names_program),
		J(test_exit_code),
		J(test_exit_killed_by_sigkill),
		J(test_exit_core_dumped),
		J(test_thread_exit_emits_nothing),
		J(test_duplicate_group_dead_exit_one_line),
		J(test_exit_of_unknown_process_reported),
		J(test_thread_fork_and_exit_count),
		J(test_thread_fork_repeated_counts_once),
		J(test_unknown_thread_exit_keeps_count),
		J(test_leader_exits_before_threads),
		J(test_exec_from_non_leader_thread),
		J(test_group_exit_forgets_lost_threads),
		J(test_pid_reuse_fresh_entity_id),
		J(test_thread_count_after_pid_reuse),
		J(test_free_marks_reaped),
		J(test_free_of_unknown_or_other_life_ignored),
		J(test_lost_alert),
		J(test_lost_zero_silent),
		J(test_short_record_refused),
		J(test_bad_size_refused),
		J(test_bad_filename_len_refused),
		J(test_unknown_type_skipped),
		J(test_every_line_follows_the_contract),
		J(test_add_sink_limits),
		J(test_exit_reparents_children_from_proc_root),
		J(test_exit_leaves_reaped_children_alone),
		J(test_fork_of_a_child_with_the_parents_pid),
		J(test_exit_without_proc_root_keeps_links),
		T(test_text_header_once),
		T(test_text_fork_line),
		T(test_text_exec_line_quotes_args),
		T(test_text_exec_truncated_shows_count),
		T(test_text_exec_without_args_shows_executable),
		T(test_text_exit_code_line),
		T(test_text_killed_lines),
		T(test_text_lost_line),
		T(test_text_escapes_controls),
	};
#undef J
#undef T

	/* The text stream prints local time: pin the zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("collector", tests, NULL, NULL);
}
