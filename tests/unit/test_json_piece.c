// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pieces the JSON formatter keeps from line to line (json_piece.h):
 * after every change a process can go through (exec renames it, new ids,
 * a new parent or pid reuse, a renamed leader, another clock offset), a
 * formatter that has rendered lines before must write exactly what a new
 * one writes, and what one without any kept pieces writes.  A stale piece
 * shows as a difference.
 */
#include <stdio.h>

#include "synth.h"

#include "clock.h"
#include "shared_str.h"
#include "sink_json.h"

#define NS_PER_SEC 1000000000ULL
/* Boot time 0 is 2023-11-14T22:13:20Z, so timestamps read easily. */
#define WALL_AT_BOOT (1700000000ULL * NS_PER_SEC)
#define TTY_PTS0 ((136u << 8) | 0u)
/* The members the shell shows as a relative, up to its name. */
#define SHELL_AS(name) "{\"pid\":100,\"entity_id\":\"ent-100-10\",\"name\":\"" name "\""

/* init, a login shell leading session 100, and the shell's child. */
struct world {
	struct pa_clock clock;
	struct pa_sink_env env;
	struct pa_proc init, shell, child, other;
	struct pa_json_fmt fmt; /* the formatter under test: it keeps pieces */
};

/* A pa_proc's strings are shared_str.h strings, replaced, never edited. */
static void set_str(char **slot, const char *text)
{
	pa_str_put(*slot);
	*slot = text ? pa_str_dup(text) : NULL;
	assert_true(!text || *slot);
}

/* n copies of c: a string too long for a kept piece. */
static void set_long_str(char **slot, char c, size_t n)
{
	char *text = malloc(n + 1);

	assert_non_null(text);
	memset(text, c, n);
	text[n] = '\0';
	set_str(slot, text);
	free(text);
}

static void set_proc(struct pa_proc *p, uint32_t pid, struct pa_proc *parent, uint64_t start_s,
		     const char *comm, uint32_t sid)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = parent ? parent->pid : 0;
	p->parent = parent;
	p->start_ns = start_s * NS_PER_SEC;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	snprintf(p->entity_id, sizeof(p->entity_id), "ent-%u-%llu", pid,
		 (unsigned long long)start_s);
	p->ids_known = true;
	p->ids = (struct pa_task_ids){ .uid = 1000, .euid = 1000, .gid = 1000, .egid = 1000,
				       .sid = sid, .vpid = pid };
}

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	w->clock.boot_to_wall_ns = (int64_t)WALL_AT_BOOT;
	w->env.clock = &w->clock;
	w->env.hostname = "testhost";
	set_proc(&w->init, 1, NULL, 1, "systemd", 1);
	set_proc(&w->shell, 100, &w->init, 10, "bash", 100);
	w->shell.ids.tty_nr = TTY_PTS0;
	set_proc(&w->child, 200, &w->shell, 20, "make", 100);
	/* 200 + 64: the same slot as the child in a table of 64. */
	set_proc(&w->other, 264, &w->shell, 21, "cc", 100);
	/* The child's program: what it exec'd, its argv, where it works. */
	set_str(&w->child.execs[0].filename, "/usr/bin/make");
	w->child.nr_execs = 1;
	set_str(&w->child.cmdline, "make -j2");
	set_str(&w->child.cwd, "/src");
	pa_json_fmt_init(&w->fmt);
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	pa_json_fmt_free(&w->fmt);
	set_str(&w->child.execs[0].filename, NULL);
	set_str(&w->child.cmdline, NULL);
	set_str(&w->child.cwd, NULL);
	set_str(&w->shell.execs[0].filename, NULL);
	free(w);
	return 0;
}

static struct pa_report report(struct pa_proc *p, enum pa_action a)
{
	return (struct pa_report){
		.action = a,
		.ts_ns = 30 * NS_PER_SEC,
		.proc = p,
		.parent = p->parent,
		.parent_pid = p->ppid,
	};
}

/* r as a formatter without history writes it: a new one, and one that
 * keeps no pieces at all. */
static void check_fresh(struct world *w, const struct pa_report *r, const char *what)
{
	struct pa_json_fmt fresh, bare;
	char label[128];

	pa_json_fmt_init(&fresh);
	pa_json_fmt_init(&bare);
	pa_json_ident_cache_free(bare.ident);
	bare.ident = NULL;
	CHECK(pa_json_format_report(&w->fmt, &w->env, r), what);
	CHECK(pa_json_format_report(&fresh, &w->env, r), what);
	CHECK(pa_json_format_report(&bare, &w->env, r), what);
	snprintf(label, sizeof(label), "%s: as a new formatter writes it", what);
	synth_check_mem(w->fmt.w.buf, w->fmt.w.len, fresh.w.buf, fresh.w.len, label, __FILE__,
			__LINE__);
	snprintf(label, sizeof(label), "%s: as a formatter without pieces writes it", what);
	synth_check_mem(w->fmt.w.buf, w->fmt.w.len, bare.w.buf, bare.w.len, label, __FILE__,
			__LINE__);
	pa_json_fmt_free(&fresh);
	pa_json_fmt_free(&bare);
}

/* The line under test holds s. */
static void check_has(struct world *w, const char *s, const char *what)
{
	CHECK(strstr(jw_cstr(&w->fmt.w), s) != NULL, what);
}

static void format_twice(struct world *w, struct pa_proc *p, const char *what)
{
	struct pa_report r = report(p, PA_ACT_FORK);

	check_fresh(w, &r, what);
	r = report(p, PA_ACT_EXIT);
	check_fresh(w, &r, what);
}

static void test_exec_renames(void **state)
{
	struct world *w = *state;
	struct pa_report r;

	format_twice(w, &w->child, "before exec");
	check_has(w, "\"process\":{\"pid\":200,\"vpid\":200,\"name\":\"make\"", "the old name");
	snprintf(w->child.comm, sizeof(w->child.comm), "cc1");
	r = report(&w->child, PA_ACT_EXEC);
	r.executable = "/usr/bin/cc1";
	r.args = &(struct pa_args){ .count = 0 };
	check_fresh(w, &r, "exec");
	check_has(w, "\"process\":{\"pid\":200,\"vpid\":200,\"name\":\"cc1\"", "the new name");
	format_twice(w, &w->child, "after exec");
	/* A comm of 15 bytes fills the array: no NUL after it. */
	memset(w->child.comm, 'x', sizeof(w->child.comm));
	format_twice(w, &w->child, "a full comm");
	check_has(w, "\"name\":\"xxxxxxxxxxxxxxxx\"", "all of a full comm");
}

static void test_ids_change(void **state)
{
	struct world *w = *state;

	format_twice(w, &w->child, "before");
	w->child.ids.euid = 0;
	format_twice(w, &w->child, "set-user-ID exec");
	check_has(w, "\"user\":{\"id\":\"0\"},\"real_user\":{\"id\":\"1000\"}", "the new euid");
	w->child.ids.tty_nr = TTY_PTS0;
	format_twice(w, &w->child, "a terminal");
	check_has(w, "\"tty\":{\"char_device\":{\"major\":136,\"minor\":0}}", "the terminal");
	w->child.ids.vpid = 1;
	format_twice(w, &w->child, "a new pid namespace");
	check_has(w, "\"pid\":200,\"vpid\":1,", "the new vpid");
	w->child.ids_known = false;
	format_twice(w, &w->child, "ids unknown");
	check_has(w, "\"pid\":200,\"name\"", "no vpid");
}

static void test_start_and_clock(void **state)
{
	struct world *w = *state;

	format_twice(w, &w->child, "before");
	w->child.start_ns += 1000;
	format_twice(w, &w->child, "a finer start time");
	check_has(w, "\"start\":\"2023-11-14T22:13:40.000001Z\"", "the new start");
	w->child.start_ns = 0;
	format_twice(w, &w->child, "start unknown");
	w->clock.boot_to_wall_ns += NS_PER_SEC;
	format_twice(w, &w->child, "another clock offset");
	check_has(w, "\"parent\":{\"pid\":100,\"entity_id\":\"ent-100-10\",\"name\":\"bash\","
		     "\"start\":\"2023-11-14T22:13:31.000000Z\"",
		  "the parent's start on the new clock");
}

static void test_parent_changes(void **state)
{
	struct world *w = *state;
	struct pa_proc *parent = &w->shell;

	format_twice(w, &w->child, "before");
	set_str(&parent->execs[0].filename, "/bin/bash");
	parent->nr_execs = 1;
	format_twice(w, &w->child, "the parent's program");
	check_has(w, "\"vpid\":100,\"executable\":\"/bin/bash\"}", "the parent's executable");
	set_str(&parent->execs[0].filename, "/bin/bazh");
	format_twice(w, &w->child, "the parent's program, same length");
	check_has(w, "\"vpid\":100,\"executable\":\"/bin/bazh\"}", "the parent's new executable");
	set_long_str(&parent->execs[0].filename, 'e', 599);
	format_twice(w, &w->child, "the parent's program, too long to keep");
	set_str(&parent->execs[0].filename, NULL);
	format_twice(w, &w->child, "the parent's exec file name lost");
	check_has(w, "\"vpid\":100,\"executable\":null}", "the parent's null executable");
	parent->nr_execs = 0;
	snprintf(parent->comm, sizeof(parent->comm), "zsh");
	format_twice(w, &w->child, "the parent exec'd");
	check_has(w, "\"parent\":" SHELL_AS("zsh"), "the parent's new name");
	/* pid 100 reused by another life. */
	set_proc(parent, 100, &w->init, 15, "zsh", 100);
	format_twice(w, &w->child, "pid reuse");
	check_has(w, "\"parent\":{\"pid\":100,\"entity_id\":\"ent-100-15\"", "the new life's id");
	/* Reparented to init. */
	w->child.parent = &w->init;
	w->child.ppid = 1;
	format_twice(w, &w->child, "reparented");
	check_has(w, "\"parent\":{\"pid\":1,\"entity_id\":\"ent-1-1\",\"name\":\"systemd\"",
		  "the adopter");
	w->child.parent = NULL;
	format_twice(w, &w->child, "the parent unknown");
}

static void test_leader_changes(void **state)
{
	struct world *w = *state;

	format_twice(w, &w->child, "before");
	check_has(w, "\"session_leader\":" SHELL_AS("bash"), "the leader");
	snprintf(w->shell.comm, sizeof(w->shell.comm), "tmux");
	format_twice(w, &w->child, "the leader renamed");
	check_has(w, "\"session_leader\":" SHELL_AS("tmux"), "the leader's new name");
	check_has(w, "\"entry_leader\":" SHELL_AS("tmux"), "the entry leader's new name");
	w->child.ids.sid = 200; /* setsid: it leads its own session */
	format_twice(w, &w->child, "setsid");
	check_has(w, "\"session_leader\":{\"pid\":200,\"entity_id\":\"ent-200-20\","
		     "\"name\":\"make\"", "itself as leader");
}

/* executable, command_line and working_directory are kept by their
 * strings' lengths: other strings of the same lengths, and strings too
 * long to keep. */
static void test_program_changes(void **state)
{
	struct world *w = *state;

	format_twice(w, &w->child, "before");
	check_has(w, "\"executable\":\"/usr/bin/make\",\"command_line\":\"make -j2\","
		     "\"working_directory\":\"/src\"", "the program");
	set_str(&w->child.execs[0].filename, "/usr/bin/makr");
	format_twice(w, &w->child, "another executable, same length");
	check_has(w, "\"executable\":\"/usr/bin/makr\"", "the new executable");
	set_str(&w->child.cmdline, "make -j4");
	format_twice(w, &w->child, "another command line, same length");
	check_has(w, "\"command_line\":\"make -j4\"", "the new command line");
	set_str(&w->child.cwd, "/Src");
	format_twice(w, &w->child, "another directory, same length");
	check_has(w, "\"working_directory\":\"/Src\"", "the new directory");
	/* The file name could not be copied (out of memory): null. */
	set_str(&w->child.execs[0].filename, NULL);
	format_twice(w, &w->child, "exec file name lost");
	check_has(w, "\"executable\":null,\"command_line\"", "a null executable");
	set_str(&w->child.execs[0].filename, "/usr/bin/makr");
	set_str(&w->child.cwd, NULL);
	format_twice(w, &w->child, "directory unknown");
	set_str(&w->child.cmdline, NULL);
	format_twice(w, &w->child, "command line unknown");
	w->child.nr_execs = 0;
	format_twice(w, &w->child, "no exec seen");
	w->child.nr_execs = 1;
	set_str(&w->child.cmdline, "make -j4");
	set_long_str(&w->child.cwd, 'd', 599);
	format_twice(w, &w->child, "too long to keep");
	set_str(&w->child.cwd, "ddd");
	format_twice(w, &w->child, "short again");
	check_has(w, "\"working_directory\":\"ddd\"", "the short directory");
}

/* The leader's object differs between the leader's own lines and its
 * session's other processes only in same_as_process. */
static void test_leader_and_member_alternate(void **state)
{
	struct world *w = *state;

	for (int i = 0; i < 2; i++) {
		format_twice(w, &w->shell, "the leader's own line");
		check_has(w, "\"same_as_process\":true", "the leader is the process");
		format_twice(w, &w->child, "a member's line");
		check_has(w, "\"same_as_process\":false", "the leader is another process");
	}
}

/* Relatives the table does not have show their pid alone; two such pids
 * in one slot (64 apart) each show their own. */
static void test_unknown_relatives(void **state)
{
	struct world *w = *state;

	w->child.parent = NULL;
	w->child.ppid = 300;
	w->child.ids.sid = 555;
	format_twice(w, &w->child, "relatives unknown");
	check_has(w, "\"parent\":{\"pid\":300},\"session_leader\":{\"pid\":555}}",
		  "the pids alone");
	w->child.ppid = 364;
	w->child.ids.sid = 619;
	format_twice(w, &w->child, "other relatives unknown");
	check_has(w, "\"parent\":{\"pid\":364},\"session_leader\":{\"pid\":619}}",
		  "the other pids");
}

/* Two processes in one slot, alternating: each keeps its own members. */
static void test_slot_shared(void **state)
{
	struct world *w = *state;

	for (int i = 0; i < 3; i++) {
		format_twice(w, &w->child, "the first of a slot");
		check_has(w, "\"pid\":200,\"vpid\":200,\"name\":\"make\"", "the first's members");
		format_twice(w, &w->other, "the second of a slot");
		check_has(w, "\"pid\":264,\"vpid\":264,\"name\":\"cc\"", "the second's members");
	}
}

/* event.* is kept per action: every action writes its own. */
static void test_every_action(void **state)
{
	static const enum pa_action actions[] = {
		PA_ACT_FORK, PA_ACT_EXIT, PA_ACT_REAPED, PA_ACT_ORPHANED, PA_ACT_LOST, PA_ACT_FORK,
	};
	struct world *w = *state;

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		struct pa_report r = report(&w->child, actions[i]);

		if (actions[i] == PA_ACT_LOST) {
			r.proc = NULL;
			r.parent = NULL;
			r.lost = 3;
		}
		check_fresh(w, &r, pa_action_name(actions[i]));
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, world_setup, world_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_exec_renames),
		T(test_ids_change),
		T(test_start_and_clock),
		T(test_parent_changes),
		T(test_leader_changes),
		T(test_program_changes),
		T(test_leader_and_member_alternate),
		T(test_unknown_relatives),
		T(test_slot_shared),
		T(test_every_action),
	};

	return cmocka_run_group_tests_name("json_piece", tests, NULL, NULL);
}
