// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * alerts: zombie, reaped and orphaned reports, end to end through the
 * collector.  Synthetic records (synth.h) and pa_collector_tick() drive it;
 * the JSON sink's lines are parsed back and checked field by field, the
 * text sink's lines compared whole.  What the collector learns from /proc
 * (the adopter of an orphan, the zombie parent's dossier) comes from a fake
 * /proc in a temporary directory (fixture.h).
 *
 * Times: boot + 0 s is 22:13:20 UTC; the shell's child 200 starts at 20 s
 * and, in most cases, exits at 21 s, so with the default --zombie-after of
 * 5 s it is due at 26 s (22:13:46).
 */
#include "fixture.h"

#include "detect_zombie.h"
#include "tree.h"

#define EXIT_NS (21 * NS_PER_SEC)
#define DUE_NS (EXIT_NS + PA_ZOMBIE_AFTER_DEFAULT_NS)

/* A child of the shell's child: the orphan of the orphan cases. */
static const struct synth_task grandchild = {
	.pid = 300, .ppid = 200, .start_ns = 25 * NS_PER_SEC, .comm = "sleep",
};

/* ---- helpers -------------------------------------------------------------- */

static void feed_exit(struct fixture *f, const struct synth_task *t, uint64_t ts_ns)
{
	struct pa_exit_event e = synth_exit(ts_ns, t, 0, true);

	FEED(f, e);
}

/* The FREE record: hdr.ppid is the parent at the end, the one that reaps. */
static void feed_free(struct fixture *f, const struct synth_task *t, uint32_t reaper, uint64_t ts_ns)
{
	struct synth_task last = *t;
	struct pa_free_event e;

	last.ppid = reaper;
	e = synth_free(ts_ns, &last);
	FEED(f, e);
}

static void feed_fork(struct fixture *f, const struct synth_task *t, const struct synth_task *parent)
{
	struct pa_fork_event e = synth_fork(t->start_ns, t, parent);

	FEED(f, e);
}

/* The shell known from the snapshot, its child 200 forked at 20 s and
 * exited at 21 s: a zombie from then on.  Output drained. */
static void child_exits(struct fixture *f)
{
	known(f, &init_task, "/sbin/init");
	known(f, &shell, "-bash");
	feed_fork(f, &child, &shell);
	feed_exit(f, &child, EXIT_NS);
	drain(f);
}

/* A task like t under another pid. */
static struct synth_task renumbered(const struct synth_task *t, uint32_t pid)
{
	struct synth_task n = *t;

	n.pid = pid;
	return n;
}

/* The only line drained, which must be an `action` line. */
static json_t *one_line(struct fixture *f, const char *action)
{
	char what[64];

	snprintf(what, sizeof(what), "lines drained (want one %s line)", action);
	CHECK_U(drain(f), 1, what);
	CHECK_JSTR(f->lines[0], "event.action", action);
	check_no_dotted_keys(f->lines[0]);
	return f->lines[0];
}

/* The parent's /proc entry, for the zombie's dossier. */
static void fake_parent(struct fixture *f, char state, const char *syscall, const char *wchan,
			uint64_t sig_ign, uint64_t sig_cgt)
{
	fake_proc_stat(f, 100, "bash", state, 1, 100, FAKE_TTY_PTS0);
	if (syscall)
		fake_proc_file(f, 100, "syscall", syscall);
	else
		fake_proc_unlink(f, 100, "syscall");
	fake_proc_file(f, 100, "wchan", wchan);
	fake_proc_status(f, &(struct fake_status){ .pid = 100, .ppid = 1, .nspid = "100",
						   .sig_blk = FAKE_SIGCHLD_BIT,
						   .sig_ign = sig_ign, .sig_cgt = sig_cgt });
}

/* ---- zombie: when ----------------------------------------------------------- */

static void test_zombie_not_before_threshold(void **state)
{
	struct fixture *f = *state;

	child_exits(f);
	pa_collector_tick(&f->c, EXIT_NS + 1);
	pa_collector_tick(&f->c, DUE_NS - 1);
	CHECK_U(drain(f), 0, "nothing before --zombie-after has passed");
	CHECK(!proc(f, 200)->zombie_reported, "not reported yet");
	pa_collector_tick(&f->c, DUE_NS);
	one_line(f, "zombie");
}

static void test_zombie_fields(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS + 250 * NS_PER_MS);
	o = one_line(f, "zombie");
	check_common(o, "zombie", "alert", "info");
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:13:46.250000Z");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JSTR(o, "process.name", "bash");
	CHECK_JSTR(o, "process.entity_id", proc(f, 200)->entity_id);
	CHECK_JINT(o, "process.parent.pid", 100);
	CHECK_JSTR(o, "process.parent.entity_id", proc(f, 100)->entity_id);
	CHECK_JABSENT(o, "process.exit_code");
	CHECK_JINT(o, "ptrace_agent.zombie.age_ms", 5250);
	CHECK_JINT(o, "ptrace_agent.zombie.parent_holds", 1);
	CHECK_JINT(o, "ptrace_agent.zombie.oldest_age_ms", 5250);
	CHECK_JABSENT(o, "ptrace_agent.zombie.summarized");
	CHECK_JABSENT(o, "ptrace_agent.zombie.parent"); /* no /proc: no dossier */
	CHECK(proc(f, 200)->zombie_reported, "marked reported");
}

/* A zombie already in the /proc snapshot: its exit was never seen, so its
 * age counts from the snapshot and says it is a lower bound. */
static void test_zombie_from_snapshot(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *z;
	json_t *o;

	feed_fork(f, &child, &shell);
	z = proc(f, 200);
	z->state = 'Z';
	pa_collector_snapshot_zombies(&f->c, EXIT_NS);
	CHECK(z->exited && z->exit_unseen, "a snapshot zombie counts as exited, time unseen");
	CHECK_U(drain(f), 1, "only the fork line so far");
	pa_collector_tick(&f->c, DUE_NS);
	o = one_line(f, "zombie");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JINT(o, "ptrace_agent.zombie.age_ms", (DUE_NS - EXIT_NS) / NS_PER_MS);
	CHECK_JBOOL(o, "ptrace_agent.zombie.age_is_lower_bound", true);
}

/* --pid: a zombie outside the followed subtrees is not reported. */
static void test_zombie_not_followed_under_pid(void **state)
{
	struct fixture *f = *state;

	f->c.pid_filtered = true;
	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	CHECK_U(drain(f), 0, "no alert about a process --pid does not follow");
}

static void test_zombie_followed_under_pid(void **state)
{
	struct fixture *f = *state;

	f->c.pid_filtered = true;
	child_exits(f);
	proc(f, 200)->followed = true;
	pa_collector_tick(&f->c, DUE_NS);
	one_line(f, "zombie");
}

static void test_zombie_reported_once(void **state)
{
	struct fixture *f = *state;

	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	one_line(f, "zombie");
	for (int i = 1; i <= 5; i++)
		pa_collector_tick(&f->c, DUE_NS + i * NS_PER_SEC);
	CHECK_U(drain(f), 0, "later ticks say nothing more");
}

static void test_zombie_after_zero_turns_alerts_off(void **state)
{
	struct fixture *f = *state;

	f->c.zombie_after_ns = 0;
	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	pa_collector_tick(&f->c, 1000 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "--zombie-after 0: no alert");
}

static void test_zombie_after_configurable(void **state)
{
	struct fixture *f = *state;

	f->c.zombie_after_ns = 500 * NS_PER_MS;
	child_exits(f);
	pa_collector_tick(&f->c, EXIT_NS + 499 * NS_PER_MS);
	CHECK_U(drain(f), 0, "not yet");
	pa_collector_tick(&f->c, EXIT_NS + 500 * NS_PER_MS);
	CHECK_JINT(one_line(f, "zombie"), "ptrace_agent.zombie.age_ms", 500);
}

/* ---- zombie: many of one parent ---------------------------------------------- */

/* Children 200.. of the shell exit 100 ms apart, the oldest first. */
static void children_exit(struct fixture *f, unsigned n)
{
	known(f, &init_task, "/sbin/init");
	known(f, &shell, "-bash");
	for (unsigned i = 0; i < n; i++) {
		struct synth_task t = renumbered(&child, 200 + i);

		feed_fork(f, &t, &shell);
		feed_exit(f, &t, EXIT_NS + i * 100 * NS_PER_MS);
	}
	drain(f);
}

/* Up to PA_ZOMBIE_LIST_MAX new ones: a line each, the oldest first. */
static void test_zombies_up_to_list_max_each_named(void **state)
{
	struct fixture *f = *state;

	children_exit(f, PA_ZOMBIE_LIST_MAX);
	pa_collector_tick(&f->c, 30 * NS_PER_SEC);
	CHECK_U(drain(f), PA_ZOMBIE_LIST_MAX, "one line per zombie");
	for (unsigned i = 0; i < PA_ZOMBIE_LIST_MAX; i++) {
		json_t *o = f->lines[i];

		CHECK_JSTR(o, "event.action", "zombie");
		CHECK_JINT(o, "process.pid", 200 + i);
		CHECK_JINT(o, "process.parent.pid", 100);
		CHECK_JINT(o, "ptrace_agent.zombie.age_ms", 9000 - i * 100);
		CHECK_JINT(o, "ptrace_agent.zombie.parent_holds", PA_ZOMBIE_LIST_MAX);
		CHECK_JINT(o, "ptrace_agent.zombie.oldest_age_ms", 9000);
		CHECK_JABSENT(o, "ptrace_agent.zombie.summarized");
	}
}

/* One more than the list: a single summary line, naming the oldest. */
static void test_zombies_past_list_max_summarized(void **state)
{
	const unsigned n = PA_ZOMBIE_LIST_MAX + 2;
	struct fixture *f = *state;
	json_t *o;

	children_exit(f, n);
	pa_collector_tick(&f->c, 30 * NS_PER_SEC);
	o = one_line(f, "zombie");
	check_common(o, "zombie", "alert", "info");
	CHECK_JINT(o, "ptrace_agent.zombie.summarized", n);
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JINT(o, "process.parent.pid", 100);
	CHECK_JINT(o, "ptrace_agent.zombie.age_ms", 9000);
	CHECK_JINT(o, "ptrace_agent.zombie.parent_holds", n);
	CHECK_JINT(o, "ptrace_agent.zombie.oldest_age_ms", 9000);
	for (unsigned i = 0; i < n; i++) {
		if (!proc(f, 200 + i)->zombie_reported)
			fail_msg("pid %u: covered by the summary, so reported", 200 + i);
	}
	pa_collector_tick(&f->c, 31 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "the summarized ones are not named later");
}

/* ---- zombie: the parent's dossier from /proc --------------------------------- */

static void test_zombie_parent_dossier(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	fake_proc_root(f);
	fake_parent(f, 'S', "61 0x0 0x7ffd4d0bfe5c 0x0 0x0 0x0 0x0 0x7ffd4d0bfe48 0x7f1c2e0e3a2a\n",
		    "do_wait", 0, FAKE_SIGCHLD_BIT | 0x4a03);
	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	o = one_line(f, "zombie");
	CHECK_JSTR(o, "ptrace_agent.zombie.parent.state", "S");
	CHECK_JSTR(o, "ptrace_agent.zombie.parent.syscall", "wait4");
	CHECK_JABSENT(o, "ptrace_agent.zombie.parent.syscall_nr");
	CHECK_JSTR(o, "ptrace_agent.zombie.parent.wchan", "do_wait");
	CHECK_JSTR(o, "ptrace_agent.zombie.parent.sigchld", "handled");
	CHECK_JINT(o, "process.parent.pid", 100);
}

/* What /proc/PID/syscall may say, and what the alert makes of it. */
static const struct {
	char state;
	const char *file;     /* NULL: no syscall file (no permission) */
	const char *json;     /* ptrace_agent.zombie.parent.syscall; NULL: absent */
	long long json_nr;    /* ptrace_agent.zombie.parent.syscall_nr; -1: absent */
	const char *text;
} syscall_cases[] = {
	{ 'S', "61 0x0 0x7ffd4d0bfe5c 0x0 0x0 0x0 0x0 0x7ffd4d0bfe48 0x7f1c2e0e3a2a\n", "wait4", -1,
	  "in wait4" },
	{ 'R', "running\n", "running", -1, "running" },
	{ 'S', "-1 0x7ffd4d0bff58 0x7f1c2e0e3a2a\n", "none", -1, "blocked outside a syscall" },
	{ 'S', "999 0x0 0x0 0x0 0x0 0x0 0x0 0x7ffd4d0bfe48 0x7f1c2e0e3a2a\n", NULL, 999,
	  "in syscall 999" },
	{ 'S', NULL, NULL, -1, "doing something unknown" },
};

#define NR_SYSCALL_CASES (sizeof(syscall_cases) / sizeof(syscall_cases[0]))

/* Case i: child 200+i exits at (21 + 10 i) s while the parent's /proc
 * entry says case i; the tick that makes it due is the line's time. */
static void zombie_with_syscall_case(struct fixture *f, size_t i)
{
	struct synth_task t = renumbered(&child, 200 + i);

	t.start_ns = (20 + 10 * i) * NS_PER_SEC;
	fake_parent(f, syscall_cases[i].state, syscall_cases[i].file, "hrtimer_nanosleep", 0, 0);
	feed_fork(f, &t, &shell);
	feed_exit(f, &t, EXIT_NS + 10 * i * NS_PER_SEC);
	drain(f);
	pa_collector_tick(&f->c, DUE_NS + 10 * i * NS_PER_SEC);
}

/* Case i's zombie reaped a second after its alert, so that the next case's
 * parent holds one zombie again.  Its lines are dropped. */
static void reap_syscall_case(struct fixture *f, size_t i)
{
	struct synth_task t = renumbered(&child, 200 + i);

	t.start_ns = (20 + 10 * i) * NS_PER_SEC;
	feed_free(f, &t, 100, DUE_NS + (10 * i + 1) * NS_PER_SEC);
	drain(f);
}

static void test_zombie_parent_syscall_variants(void **state)
{
	struct fixture *f = *state;

	fake_proc_root(f);
	known(f, &shell, "-bash");
	for (size_t i = 0; i < NR_SYSCALL_CASES; i++) {
		char state_str[2] = { syscall_cases[i].state, '\0' };
		json_t *o;

		zombie_with_syscall_case(f, i);
		o = one_line(f, "zombie");
		CHECK_JINT(o, "process.pid", 200 + i);
		CHECK_JSTR(o, "ptrace_agent.zombie.parent.state", state_str);
		if (syscall_cases[i].json)
			CHECK_JSTR(o, "ptrace_agent.zombie.parent.syscall", syscall_cases[i].json);
		else
			CHECK_JABSENT(o, "ptrace_agent.zombie.parent.syscall");
		if (syscall_cases[i].json_nr >= 0)
			CHECK_JINT(o, "ptrace_agent.zombie.parent.syscall_nr", syscall_cases[i].json_nr);
		else
			CHECK_JABSENT(o, "ptrace_agent.zombie.parent.syscall_nr");
		CHECK_JSTR(o, "ptrace_agent.zombie.parent.wchan", "hrtimer_nanosleep");
		CHECK_JSTR(o, "ptrace_agent.zombie.parent.sigchld", "default");
		CHECK_JINT(o, "ptrace_agent.zombie.parent_holds", 1);
		reap_syscall_case(f, i);
	}
}

static void test_zombie_parent_sigchld_ignored(void **state)
{
	struct fixture *f = *state;

	fake_proc_root(f);
	fake_parent(f, 'S', "-1 0x0 0x0\n", "0", FAKE_SIGCHLD_BIT, FAKE_SIGCHLD_BIT);
	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	CHECK_JSTR(one_line(f, "zombie"), "ptrace_agent.zombie.parent.sigchld", "ignored");
}

/* The parent already gone from /proc: the alert comes without a dossier. */
static void test_zombie_parent_gone_from_proc(void **state)
{
	struct fixture *f = *state;

	fake_proc_root(f);
	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	CHECK_JABSENT(one_line(f, "zombie"), "ptrace_agent.zombie.parent");
}

/* ---- reaped ------------------------------------------------------------------- */

static void test_reaped_after_zombie_report(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	one_line(f, "zombie");
	feed_free(f, &child, 100, 30 * NS_PER_SEC);
	o = one_line(f, "reaped");
	check_common(o, "reaped", "event", "end");
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:13:50.000000Z");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JSTR(o, "process.entity_id", proc(f, 200)->entity_id);
	CHECK_JINT(o, "process.parent.pid", 100);
	CHECK_JSTR(o, "process.parent.entity_id", proc(f, 100)->entity_id);
	CHECK_JINT(o, "ptrace_agent.reaped.by_pid", 100);
	CHECK_JINT(o, "ptrace_agent.reaped.zombie_ms", 9000);
	CHECK_JABSENT(o, "ptrace_agent.zombie");
	CHECK(proc(f, 200)->reaped, "table: reaped");
}

/* The parent died without reaping; init did it: by_pid is the FREE
 * record's ppid, not the parent the zombie alert named. */
static void test_reaped_by_adopter(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	one_line(f, "zombie");
	feed_free(f, &child, 1, 27500 * NS_PER_MS);
	o = one_line(f, "reaped");
	CHECK_JINT(o, "ptrace_agent.reaped.by_pid", 1);
	CHECK_JINT(o, "process.parent.pid", 1);
	CHECK_JSTR(o, "process.parent.entity_id", proc(f, 1)->entity_id);
	CHECK_JINT(o, "ptrace_agent.reaped.zombie_ms", 6500);
}

/* Reaped before it was due, or due but reaped before a tick saw it:
 * nothing was said about it as a zombie, so nothing about its reap. */
static void test_unreported_zombie_reap_silent(void **state)
{
	struct fixture *f = *state;
	struct synth_task late = renumbered(&child, 201);

	child_exits(f);
	feed_free(f, &child, 100, 22 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "reaped in time: no line");
	CHECK(proc(f, 200)->reaped, "table: reaped");

	feed_fork(f, &late, &shell);
	feed_exit(f, &late, EXIT_NS);
	drain(f);
	feed_free(f, &late, 100, 40 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "overdue but never reported: no line");
	pa_collector_tick(&f->c, 41 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "and no zombie alert afterwards");
}

/* The summary is there so that a parent leaking zombies by the thousand
 * gives a line per tick, not thousands (detect_zombie.h).  Their reaps
 * must not bring the thousands back: the zombies that were only counted
 * in a summary are not reported one by one when reaped.  At most the one
 * the summary named may get its own `reaped` line. */
static void test_summarized_zombies_reaped_quietly(void **state)
{
	const unsigned n = PA_ZOMBIE_LIST_MAX + 2;
	struct fixture *f = *state;
	size_t lines;

	children_exit(f, n);
	pa_collector_tick(&f->c, 30 * NS_PER_SEC);
	CHECK_JINT(one_line(f, "zombie"), "ptrace_agent.zombie.summarized", n);
	for (unsigned i = 0; i < n; i++) {
		struct synth_task t = renumbered(&child, 200 + i);

		feed_free(f, &t, 100, 31 * NS_PER_SEC);
	}
	lines = drain(f);
	if (lines > 1)
		fail_msg("%zu reaped lines for %u zombies reported in one summary line; want at most 1",
			 lines, n);
}

/* ---- pid reuse -------------------------------------------------------------- */

/* The zombie's FREE record was lost and its pid already names a new
 * process: the new one is alive, no alert may name it. */
static void test_pid_reuse_replaces_pending_zombie(void **state)
{
	struct fixture *f = *state;
	struct synth_task again = child;
	char old_id[PA_ENTITY_ID_LEN];

	child_exits(f);
	snprintf(old_id, sizeof(old_id), "%s", proc(f, 200)->entity_id);
	again.start_ns = 23 * NS_PER_SEC;
	feed_fork(f, &again, &shell);
	CHECK_U(drain(f), 1, "the new life's fork");
	CHECK(strcmp(proc(f, 200)->entity_id, old_id) != 0, "a new entity");
	CHECK(!proc(f, 200)->exited, "alive");
	pa_collector_tick(&f->c, DUE_NS);
	pa_collector_tick(&f->c, 60 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "no zombie alert: neither the old life (gone) nor the new (alive)");

	/* The old life's late FREE names nobody we know. */
	feed_free(f, &child, 100, 61 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "no reaped line");
	CHECK(!proc(f, 200)->reaped, "the new life is not marked reaped");
}

/* The old life was reported as a zombie; the new life exits and is
 * reaped in time: no reaped line for it (it was never a reported zombie). */
static void test_pid_reuse_after_report(void **state)
{
	struct fixture *f = *state;
	struct synth_task again = child;

	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	one_line(f, "zombie");
	again.start_ns = 30 * NS_PER_SEC;
	feed_fork(f, &again, &shell);
	feed_exit(f, &again, 31 * NS_PER_SEC);
	feed_free(f, &again, 100, 32 * NS_PER_SEC);
	CHECK_U(drain(f), 2, "fork and exit of the new life, nothing else");
	CHECK_JSTR(f->lines[0], "event.action", "fork");
	CHECK_JSTR(f->lines[1], "event.action", "exit");
	CHECK(!proc(f, 200)->zombie_reported, "the new life inherits no report");
}

/* ---- orphaned ------------------------------------------------------------- */

/* init, the shell, its child 200 and 200's child 300, as a snapshot. */
static void family(struct fixture *f)
{
	known(f, &init_task, "/sbin/init");
	known(f, &shell, "-bash");
	known(f, &child, "bash");
	known(f, &grandchild, "sleep 1");
}

/* The shell (pid 100 in its own namespace too) is a child subreaper;
 * 200 exits and 300, its child, moves to the shell. */
static void subreaper_adopts(struct fixture *f)
{
	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 100, 100, FAKE_TTY_PTS0);
	fake_proc_stat(f, 100, "bash", 'S', 1, 100, FAKE_TTY_PTS0);
	fake_proc_status(f, &(struct fake_status){ .pid = 100, .ppid = 1, .nspid = "100" });
	family(f);
	feed_exit(f, &child, 30 * NS_PER_SEC);
}

static void test_orphan_adopted_by_init(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 1, 100, FAKE_TTY_PTS0);
	family(f);
	feed_exit(f, &child, 30 * NS_PER_SEC);
	CHECK_U(drain(f), 2, "the exit, then the orphan");
	CHECK_JSTR(f->lines[0], "event.action", "exit");
	CHECK_JINT(f->lines[0], "process.pid", 200);
	o = f->lines[1];
	check_no_dotted_keys(o);
	check_common(o, "orphaned", "alert", "change");
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:13:50.000000Z");
	CHECK_JINT(o, "process.pid", 300);
	CHECK_JSTR(o, "process.name", "sleep");
	CHECK_JSTR(o, "process.entity_id", proc(f, 300)->entity_id);
	CHECK_JINT(o, "process.parent.pid", 1);
	CHECK_JSTR(o, "process.parent.entity_id", proc(f, 1)->entity_id);
	CHECK_JINT(o, "ptrace_agent.previous_parent.pid", 200);
	CHECK_JSTR(o, "ptrace_agent.orphan.adopter", "init");
	CHECK_JBOOL(o, "ptrace_agent.orphan.daemon", false);
	CHECK(proc(f, 300)->parent == proc(f, 1), "table: under init");
	CHECK_U(proc(f, 300)->orphaned_from, 200, "table: orphaned_from");
	pa_collector_tick(&f->c, 31 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "said once");
}

/* A child subreaper (PR_SET_CHILD_SUBREAPER) adopts: the shell, which is
 * pid 100 in its own namespace too. */
static void test_orphan_adopted_by_subreaper(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	subreaper_adopts(f);
	CHECK_U(drain(f), 2, "the exit, then the orphan");
	o = f->lines[1];
	check_common(o, "orphaned", "alert", "change");
	CHECK_JINT(o, "process.pid", 300);
	CHECK_JINT(o, "process.parent.pid", 100);
	CHECK_JINT(o, "ptrace_agent.previous_parent.pid", 200);
	CHECK_JSTR(o, "ptrace_agent.orphan.adopter", "subreaper");
	CHECK(proc(f, 300)->parent == proc(f, 100), "table: under the subreaper");
}

/* A container's init: pid 4000 outside, 1 inside (NSpid's last value). */
static void test_orphan_adopted_by_container_init(void **state)
{
	struct fixture *f = *state;
	struct synth_task cinit = { .pid = 4000, .ppid = 1, .start_ns = 2 * NS_PER_SEC, .comm = "tini" };

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 4000, 100, 0);
	fake_proc_stat(f, 4000, "tini", 'S', 1, 4000, 0);
	fake_proc_status(f, &(struct fake_status){ .pid = 4000, .ppid = 1, .nspid = "4000\t1" });
	known(f, &cinit, "/sbin/tini");
	family(f);
	feed_exit(f, &child, 30 * NS_PER_SEC);
	CHECK_U(drain(f), 2, "the exit, then the orphan");
	CHECK_JINT(f->lines[1], "process.parent.pid", 4000);
	CHECK_JSTR(f->lines[1], "ptrace_agent.orphan.adopter", "init");
}

/* Daemon: its own session (session id == its pid) and no terminal. */
static void test_orphan_daemon_hint(void **state)
{
	static const struct {
		uint32_t session;
		uint32_t tty_nr;
		bool daemon;
	} cases[] = {
		{ 300, 0, true },
		{ 300, FAKE_TTY_PTS0, false },
		{ 100, 0, false },
		{ 100, FAKE_TTY_PTS0, false },
	};
	struct fixture *f = *state;

	fake_proc_root(f);
	known(f, &init_task, "/sbin/init");
	known(f, &shell, "-bash");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct synth_task parent = renumbered(&child, 200 + i);
		struct synth_task orphan = renumbered(&grandchild, 300 + i);

		orphan.ppid = parent.pid;
		fake_proc_stat(f, orphan.pid, "sleep", 'S', 1, cases[i].session == 300 ? orphan.pid : 100,
			       cases[i].tty_nr);
		known(f, &parent, "bash");
		known(f, &orphan, "sleep 1");
		feed_exit(f, &parent, 30 * NS_PER_SEC);
		CHECK_U(drain(f), 2, "the exit, then the orphan");
		CHECK_JINT(f->lines[1], "process.pid", orphan.pid);
		CHECK_JBOOL(f->lines[1], "ptrace_agent.orphan.daemon", cases[i].daemon);
	}
}

/* The exit record is drained before the kernel moved the child: /proc
 * still names the dead parent.  Nothing is said until a tick sees the
 * adopter. */
static void test_orphan_pending_until_tick(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 200, 300, 0);
	family(f);
	feed_exit(f, &child, 30 * NS_PER_SEC);
	CHECK_U(drain(f), 1, "the exit only");
	CHECK_JSTR(f->lines[0], "event.action", "exit");
	CHECK(proc(f, 300)->reparent_pending, "waiting for the kernel");
	pa_collector_tick(&f->c, 31 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "the stat still shows the old parent: nothing");

	fake_proc_stat(f, 300, "sleep", 'S', 1, 300, 0);
	pa_collector_tick(&f->c, 32 * NS_PER_SEC);
	o = one_line(f, "orphaned");
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:13:52.000000Z");
	CHECK_JINT(o, "process.pid", 300);
	CHECK_JINT(o, "process.parent.pid", 1);
	CHECK_JINT(o, "ptrace_agent.previous_parent.pid", 200);
	CHECK_JSTR(o, "ptrace_agent.orphan.adopter", "init");
	CHECK_JBOOL(o, "ptrace_agent.orphan.daemon", true);
	CHECK(!proc(f, 300)->reparent_pending, "settled");
	CHECK(proc(f, 300)->parent == proc(f, 1), "table: under init");
	pa_collector_tick(&f->c, 33 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "said once");
}

/* A zombie child moves to its new parent (who must reap it now) but is
 * not an orphan. */
static void test_zombie_child_reparented_without_orphan_alert(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'Z', 1, 300, 0);
	family(f);
	feed_exit(f, &grandchild, 26 * NS_PER_SEC);
	feed_exit(f, &child, 30 * NS_PER_SEC);
	CHECK_U(drain(f), 2, "two exits, no orphan");
	CHECK_JINT(f->lines[0], "process.pid", 300);
	CHECK_JINT(f->lines[1], "process.pid", 200);
	CHECK_U(proc(f, 300)->ppid, 1, "moved to init");
	CHECK(proc(f, 300)->parent == proc(f, 1), "table: under init");
	CHECK_U(proc(f, 300)->orphaned_from, 0, "not marked an orphan");

	/* Due at 31 s: init is the parent that has not reaped it. */
	pa_collector_tick(&f->c, 31 * NS_PER_SEC);
	o = one_line(f, "zombie");
	CHECK_JINT(o, "process.pid", 300);
	CHECK_JINT(o, "process.parent.pid", 1);
}

/* Two live children and a zombie one: two alerts, one per live child. */
static void test_orphans_of_one_exit(void **state)
{
	struct fixture *f = *state;
	struct synth_task second = renumbered(&grandchild, 301);
	struct synth_task dead = renumbered(&grandchild, 302);

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 1, 100, 0);
	fake_proc_stat(f, 301, "sleep", 'S', 1, 100, 0);
	fake_proc_stat(f, 302, "sleep", 'Z', 1, 100, 0);
	family(f);
	known(f, &second, "sleep 2");
	known(f, &dead, "sleep 3");
	feed_exit(f, &dead, 26 * NS_PER_SEC);
	drain(f);
	feed_exit(f, &child, 30 * NS_PER_SEC);
	CHECK_U(drain(f), 3, "the exit and two orphans");
	CHECK_JSTR(f->lines[1], "event.action", "orphaned");
	CHECK_JSTR(f->lines[2], "event.action", "orphaned");
	CHECK_JINT(f->lines[1], "process.pid", 300);
	CHECK_JINT(f->lines[2], "process.pid", 301);
}

static void test_no_proc_root_no_orphan_alert(void **state)
{
	struct fixture *f = *state;

	family(f);
	feed_exit(f, &child, 30 * NS_PER_SEC);
	CHECK_U(drain(f), 1, "the exit only: without /proc the adopter is unknown");
	pa_collector_tick(&f->c, 31 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "nor later");
}

/* The tree marks the orphan where it now hangs. */
static void test_tree_marks_orphan(void **state)
{
	struct fixture *f = *state;
	struct pa_tree_opts o = { .unicode = false };
	struct strbuf out;

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 1, 300, 0);
	family(f);
	feed_exit(f, &child, 30 * NS_PER_SEC);
	drain(f);
	sb_init(&out);
	CHECK_I(pa_tree_render(&f->c.table, &o, &out), 0, "pa_tree_render");
	CHECK_STR(out.buf,
		  "systemd,1 S /sbin/init\n"
		  "|-bash,100 S -bash\n"
		  "| `-bash,200 Z bash\n"
		  "`-sleep,300 S sleep 1 (orphan of 200)\n",
		  "the orphan under init, marked");
	sb_free(&out);
}

/* ---- the text stream ---------------------------------------------------------- */

static void test_text_zombie_line(void **state)
{
	struct fixture *f = *state;

	child_exits(f);
	CHECK(strncmp(f->text, text_header, sizeof(text_header) - 1) == 0, "header first");
	pa_collector_tick(&f->c, DUE_NS);
	drain(f);
	CHECK_STR(f->text,
		  "22:13:46.000 zombie 200     100     bash             "
		  "not reaped for 5.00s; parent 100; it holds 1 zombie, oldest 5.00s\n",
		  "zombie line without a dossier");
}

static void test_text_zombie_line_with_dossier(void **state)
{
	struct fixture *f = *state;

	fake_proc_root(f);
	fake_parent(f, 'S', "61 0x0 0x7ffd4d0bfe5c 0x0 0x0 0x0 0x0 0x7ffd4d0bfe48 0x7f1c2e0e3a2a\n",
		    "do_wait", FAKE_SIGCHLD_BIT, 0);
	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	drain(f);
	CHECK_STR(f->text,
		  "22:13:46.000 zombie 200     100     bash             "
		  "not reaped for 5.00s; parent 100 is S in wait4, SIGCHLD ignored; "
		  "it holds 1 zombie, oldest 5.00s\n",
		  "zombie line with the parent's state, syscall and SIGCHLD");
}

static void test_text_zombie_syscall_variants(void **state)
{
	struct fixture *f = *state;
	char want[256];

	fake_proc_root(f);
	known(f, &shell, "-bash");
	drain(f);
	for (size_t i = 0; i < NR_SYSCALL_CASES; i++) {
		zombie_with_syscall_case(f, i);
		drain(f);
		snprintf(want, sizeof(want),
			 "22:%02zu:%02zu.000 zombie %-7zu 100     bash             "
			 "not reaped for 5.00s; parent 100 is %c %s, SIGCHLD default; "
			 "it holds 1 zombie, oldest 5.00s\n",
			 13 + (46 + 10 * i) / 60, (46 + 10 * i) % 60, 200 + i, syscall_cases[i].state,
			 syscall_cases[i].text);
		CHECK_STR(f->text, want, "zombie line");
		reap_syscall_case(f, i);
	}
}

static void test_text_zombie_summary_line(void **state)
{
	struct fixture *f = *state;

	children_exit(f, PA_ZOMBIE_LIST_MAX + 2);
	pa_collector_tick(&f->c, 30 * NS_PER_SEC);
	drain(f);
	CHECK_STR(f->text,
		  "22:13:50.000 zombie 200     100     bash             "
		  "not reaped for 9.00s; parent 100; it holds 7 zombies, oldest 9.00s "
		  "(7 new ones, summarized)\n",
		  "one summary line");
}

static void test_text_reaped_line(void **state)
{
	struct fixture *f = *state;

	child_exits(f);
	pa_collector_tick(&f->c, DUE_NS);
	feed_free(f, &child, 100, 30 * NS_PER_SEC);
	drain(f);
	CHECK_STR(f->text,
		  "22:13:46.000 zombie 200     100     bash             "
		  "not reaped for 5.00s; parent 100; it holds 1 zombie, oldest 5.00s\n"
		  "22:13:50.000 reaped 200     100     bash             "
		  "reaped by 100 after 9.00s as a zombie\n",
		  "zombie, then reaped");
}

static void test_text_orphan_lines(void **state)
{
	struct fixture *f = *state;
	struct synth_task second = renumbered(&grandchild, 301);

	fake_proc_root(f);
	fake_proc_stat(f, 300, "sleep", 'S', 1, 300, 0);
	fake_proc_stat(f, 301, "sleep", 'S', 1, 100, FAKE_TTY_PTS0);
	family(f);
	known(f, &second, "sleep 2");
	feed_exit(f, &child, 30 * NS_PER_SEC);
	drain(f);
	CHECK_STR(f->text,
		  "TIME         EVENT  PID     PPID    COMM             DETAIL\n"
		  "22:13:50.000 exit   200     100     bash             exit 0 after 10.00s\n"
		  "22:13:50.000 orphan 300     1       sleep            "
		  "parent 200 exited; adopted by init 1 (daemon: own session, no terminal)\n"
		  "22:13:50.000 orphan 301     1       sleep            "
		  "parent 200 exited; adopted by init 1\n",
		  "orphaned cut to the 6-column event field");
}

static void test_text_orphan_subreaper_line(void **state)
{
	struct fixture *f = *state;

	subreaper_adopts(f);
	drain(f);
	CHECK_STR(f->text + sizeof(text_header) - 1,
		  "22:13:50.000 exit   200     100     bash             exit 0 after 10.00s\n"
		  "22:13:50.000 orphan 300     100     sleep            "
		  "parent 200 exited; adopted by subreaper 100\n",
		  "adopted by a subreaper");
}

/* ---- --transitions: exit and reap as state changes -------------------------- */

static void test_transitions_report_z_and_x(void **state)
{
	struct fixture *f = *state;
	struct pa_free_event reap = synth_free(EXIT_NS + 3 * NS_PER_SEC, &child);
	json_t *o;

	f->c.all_transitions = true;
	known(f, &init_task, "/sbin/init");
	known(f, &shell, "-bash");
	pa_table_follow_subtree(proc(f, 100));
	feed_fork(f, &child, &shell);
	drain(f);
	feed_exit(f, &child, EXIT_NS);
	CHECK_U(drain(f), 2, "the exit, then its state change");
	CHECK_JSTR(f->lines[0], "event.action", "exit");
	o = f->lines[1];
	CHECK_JSTR(o, "event.action", "state");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JINT(o, "process.thread.id", 200);
	CHECK_JSTR(o, "ptrace_agent.state.from", "R");
	CHECK_JSTR(o, "ptrace_agent.state.to", "Z");
	FEED(f, reap);
	o = one_line(f, "state");
	CHECK_JSTR(o, "ptrace_agent.state.from", "Z");
	CHECK_JSTR(o, "ptrace_agent.state.to", "X");
	CHECK_JINT(o, "ptrace_agent.state.from_ms", 3000);
}

/* Without --transitions (or for a process not followed) the exit and
 * reaped events say it all: no state lines. */
static void test_no_z_x_state_by_default(void **state)
{
	struct fixture *f = *state;
	struct pa_free_event reap = synth_free(EXIT_NS + 3 * NS_PER_SEC, &child);
	struct synth_task other;

	child_exits(f);
	FEED(f, reap);
	CHECK_U(drain(f), 0, "a reap nobody was told about as a zombie stays quiet");
	f->c.all_transitions = true; /* on, but 201 is not followed */
	other = renumbered(&child, 201);
	feed_fork(f, &other, &shell);
	feed_exit(f, &other, EXIT_NS + 5 * NS_PER_SEC);
	CHECK_U(drain(f), 2, "fork and exit only");
	CHECK_JSTR(f->lines[1], "event.action", "exit");
}

int main(void)
{
#define J(t) cmocka_unit_test_setup_teardown(t, setup_json, teardown)
#define T(t) cmocka_unit_test_setup_teardown(t, setup_text, teardown)
	const struct CMUnitTest tests[] = {
		J(test_zombie_not_before_threshold),
		J(test_zombie_fields),
		J(test_zombie_from_snapshot),
		J(test_zombie_not_followed_under_pid),
		J(test_zombie_followed_under_pid),
		J(test_zombie_reported_once),
		J(test_zombie_after_zero_turns_alerts_off),
		J(test_zombie_after_configurable),
		J(test_zombies_up_to_list_max_each_named),
		J(test_zombies_past_list_max_summarized),
		J(test_zombie_parent_dossier),
		J(test_zombie_parent_syscall_variants),
		J(test_zombie_parent_sigchld_ignored),
		J(test_zombie_parent_gone_from_proc),
		J(test_reaped_after_zombie_report),
		J(test_reaped_by_adopter),
		J(test_unreported_zombie_reap_silent),
		J(test_summarized_zombies_reaped_quietly),
		J(test_pid_reuse_replaces_pending_zombie),
		J(test_pid_reuse_after_report),
		J(test_orphan_adopted_by_init),
		J(test_orphan_adopted_by_subreaper),
		J(test_orphan_adopted_by_container_init),
		J(test_orphan_daemon_hint),
		J(test_orphan_pending_until_tick),
		J(test_zombie_child_reparented_without_orphan_alert),
		J(test_orphans_of_one_exit),
		J(test_no_proc_root_no_orphan_alert),
		J(test_tree_marks_orphan),
		J(test_transitions_report_z_and_x),
		J(test_no_z_x_state_by_default),
		T(test_text_zombie_line),
		T(test_text_zombie_line_with_dossier),
		T(test_text_zombie_syscall_variants),
		T(test_text_zombie_summary_line),
		T(test_text_reaped_line),
		T(test_text_orphan_lines),
		T(test_text_orphan_subreaper_line),
	};
#undef J
#undef T

	/* The text stream prints local time: pin the zone. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("alerts", tests, NULL, NULL);
}
