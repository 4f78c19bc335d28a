// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc_table: identity at tick precision, pid reuse, parent links, exec
 * history, threads, the exit/reap/expire life cycle and --pid following.
 * Every case starts from an empty table (setup/teardown).
 */
#include <stdio.h>

#include "synth.h"

#include "entity_id.h"
#include "proc_table.h"
#include "shared_str.h"

#define BOOT_ID "0b7d5e1a-2c4f-4e8a-9d3b-5f6a7b8c9d0e"
#define NS_PER_TICK 10000000ULL /* USER_HZ 100 */
/* Start times on a tick boundary, so "same tick" and "next tick" are exact. */
#define START_A (1000 * NS_PER_TICK)
#define START_B (2000 * NS_PER_TICK)

static int setup(void **state)
{
	struct pa_table *t = malloc(sizeof(*t));

	if (!t)
		return -1;
	pa_table_init(t, BOOT_ID);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	pa_table_free(*state);
	free(*state);
	return 0;
}

static struct pa_proc *add(struct pa_table *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			   const char *comm)
{
	struct pa_proc_info info = {
		.pid = pid,
		.ppid = ppid,
		.start_ns = start_ns,
		.comm = comm,
		.state = 'S',
		.nr_threads = 1,
		.cmdline = NULL,
	};
	struct pa_proc *p = pa_table_upsert(t, &info);

	assert_non_null(p);
	return p;
}

static unsigned count_children(const struct pa_proc *p)
{
	const struct pa_proc *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &p->children, sibling)
		n++;
	return n;
}

static bool has_child(const struct pa_proc *p, const struct pa_proc *child)
{
	const struct pa_proc *c;

	TAILQ_FOREACH(c, &p->children, sibling) {
		if (c == child)
			return true;
	}
	return false;
}

/* ---- what a child shares with its parent -------------------------------- */

/* The child sees the parent's strings; either may replace its own later
 * and either may go first, without touching the other's (ASan and
 * valgrind catch a double free or a leak of the shared copies). */
static void test_child_shares_then_replaces(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *parent = add(t, 100, 1, 10, "bash");
	struct pa_proc *child = add(t, 200, 100, 20, "bash");
	struct pa_proc *grandchild = add(t, 300, 200, 30, "bash");

	pa_table_set_cmdline(parent, "bash -l", true);
	pa_table_record_exec(parent, 5, "/bin/bash");
	pa_table_set_cwd(parent, "/home/op", 77);
	pa_table_inherit(child, parent);
	pa_table_share_cwd(child, parent);
	CHECK_STR(child->cmdline, "bash -l", "command line inherited");
	CHECK(child->cmdline_truncated, "with its truncation");
	CHECK_STR(pa_proc_last_exec(child)->filename, "/bin/bash", "the program inherited");
	CHECK_U(child->nr_execs, 1, "one exec known");
	CHECK_STR(child->cwd, "/home/op", "working directory shared");
	CHECK_U(child->cwd_key, 77, "with its key");
	pa_table_inherit(grandchild, child);

	/* The parent execs and moves: the child keeps what it had. */
	pa_table_set_cmdline(parent, "vim notes", false);
	pa_table_record_exec(parent, 6, "/usr/bin/vim");
	pa_table_set_cwd(parent, "/tmp", 78);
	CHECK_STR(child->cmdline, "bash -l", "child's command line unchanged");
	CHECK_U(pa_str_len(child->cmdline), 7, "its length, kept with it");
	CHECK_U(pa_str_len(parent->cmdline), 9, "the parent's new one's");
	CHECK_U(pa_str_len(pa_proc_last_exec(parent)->filename), 12, "a file name's");
	CHECK_STR(pa_proc_last_exec(child)->filename, "/bin/bash", "child's program unchanged");
	CHECK_STR(child->cwd, "/home/op", "child's directory unchanged");
	CHECK_STR(parent->cmdline, "vim notes", "parent's replaced");

	/* The child goes first; the grandchild still holds the strings. */
	pa_table_remove(t, child);
	CHECK_STR(grandchild->cmdline, "bash -l", "grandchild's copy outlives the child");
	CHECK_STR(pa_proc_last_exec(grandchild)->filename, "/bin/bash", "and its program");
	pa_table_clear_cwd(parent);
}

/* ---- basics ------------------------------------------------------------- */

static void test_init_is_empty(void **state)
{
	struct pa_table *t = *state;
	struct pa_table other;

	CHECK_STR(t->boot_id, BOOT_ID, "boot id kept");
	CHECK_U(t->nr_live, 0, "nr_live");
	CHECK_U(t->nr_replaced, 0, "nr_replaced");
	CHECK(pa_table_find(t, 1) == NULL, "no process in a new table");
	pa_table_init(&other, NULL);
	CHECK_STR(other.boot_id, "", "NULL boot id becomes empty");
	pa_table_free(&other);
}

static void test_ns_to_ticks(void **state)
{
	(void)state;
	CHECK_U(PA_NS_PER_TICK, NS_PER_TICK, "USER_HZ 100: 10 ms a tick");
	CHECK_U(pa_ns_to_ticks(0), 0, "0 ns");
	CHECK_U(pa_ns_to_ticks(NS_PER_TICK - 1), 0, "just under a tick");
	CHECK_U(pa_ns_to_ticks(NS_PER_TICK), 1, "one tick");
	CHECK_U(pa_ns_to_ticks(1234567890ULL), 123, "1.23456789 s");
}

static void test_upsert_then_find(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc_info info = { .pid = 42, .ppid = 1, .start_ns = START_A + 5, .comm = "bash" };
	struct pa_proc *p = pa_table_upsert(t, &info);

	assert_non_null(p);
	CHECK(pa_table_find(t, 42) == p, "find by pid returns the record");
	CHECK_U(p->pid, 42, "pid");
	CHECK_U(p->ppid, 1, "ppid");
	CHECK_U(p->start_ns, START_A + 5, "start_ns kept at full precision");
	CHECK_U(p->start_ticks, START_A / NS_PER_TICK, "start_ticks");
	CHECK_STR(p->comm, "bash", "comm");
	CHECK_I(p->state, 'R', "state defaults to R");
	CHECK_U(p->nr_threads, 1, "nr_threads defaults to 1");
	CHECK(p->cmdline == NULL, "no cmdline given");
	CHECK_U(t->nr_live, 1, "nr_live");
	CHECK(pa_table_find(t, 43) == NULL, "another pid is not found");
}

static void test_upsert_keeps_cmdline_when_given(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc_info info = { .pid = 42, .start_ns = START_A, .comm = "sh", .cmdline = "sh -c x" };
	struct pa_proc *p = pa_table_upsert(t, &info);

	assert_non_null(p);
	CHECK_STR(p->cmdline, "sh -c x", "cmdline copied");
	CHECK(p->cmdline != info.cmdline, "cmdline is a copy");
	info.cmdline = NULL;
	pa_table_upsert(t, &info);
	CHECK_STR(p->cmdline, "sh -c x", "a refresh without cmdline keeps the old one");
}

static void test_comm_is_cut_to_fit(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 42, 1, START_A, "a-very-long-command-name");

	CHECK_STR(p->comm, "a-very-long-com", "comm cut to PA_COMM_LEN - 1");
}

static void test_upsert_same_identity_refreshes(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 42, 1, START_A, "old");
	struct pa_proc *q = add(t, 42, 1, START_A + NS_PER_TICK - 1, "new");

	CHECK(p == q, "the same life is the same record");
	CHECK_STR(q->comm, "new", "comm refreshed");
	CHECK_U(t->nr_live, 1, "nr_live not counted twice");
	CHECK_U(t->nr_replaced, 0, "nothing replaced");
}

/* ---- identity ----------------------------------------------------------- */

static void test_identity_same_tick_matches(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 42, 1, START_A + 1234, "x");

	CHECK(pa_table_find_identity(t, 42, START_A + 1234) == p, "exact start");
	CHECK(pa_table_find_identity(t, 42, START_A) == p, "start of the same tick");
	CHECK(pa_table_find_identity(t, 42, START_A + NS_PER_TICK - 1) == p, "end of the same tick");
}

static void test_identity_other_tick_does_not_match(void **state)
{
	struct pa_table *t = *state;

	add(t, 42, 1, START_A, "x");
	CHECK(pa_table_find_identity(t, 42, START_A + NS_PER_TICK) == NULL, "next tick");
	CHECK(pa_table_find_identity(t, 42, START_A - 1) == NULL, "previous tick, 1 ns away");
	CHECK(pa_table_find_identity(t, 42, START_B) == NULL, "much later");
	CHECK(pa_table_find_identity(t, 43, START_A) == NULL, "another pid");
}

/* /proc says ticks, BPF says ns: the same process seen both ways is one. */
static void test_identity_proc_ticks_match_bpf_ns(void **state)
{
	struct pa_table *t = *state;
	uint64_t bpf_ns = 123456789012ULL;
	uint64_t proc_ns = bpf_ns / NS_PER_TICK * NS_PER_TICK;
	struct pa_proc *p = add(t, 42, 1, proc_ns, "x");

	CHECK(pa_table_find_identity(t, 42, bpf_ns) == p, "BPF ns matches /proc ticks");
}

/* ---- pid reuse ---------------------------------------------------------- */

static void test_pid_reuse_replaces_record(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p;

	add(t, 1, 0, START_A, "init");
	add(t, 100, 1, START_A, "old");
	CHECK_U(t->nr_live, 2, "nr_live before");
	p = add(t, 100, 1, START_B, "new");
	CHECK_U(t->nr_replaced, 1, "nr_replaced");
	CHECK_U(t->nr_live, 2, "old life dropped, new one counted");
	CHECK(pa_table_find(t, 100) == p, "the pid now names the new life");
	CHECK_U(p->start_ns, START_B, "start of the new life");
	CHECK_STR(p->comm, "new", "comm of the new life");
	CHECK(pa_table_find_identity(t, 100, START_A) == NULL, "old identity gone");
	CHECK(p->parent == pa_table_find(t, 1), "new life linked under its parent");
	CHECK_U(count_children(pa_table_find(t, 1)), 1, "parent has one child, not two");
}

static void test_pid_reuse_unlinks_old_children(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *c1, *c2, *p;

	add(t, 100, 1, START_A, "old");
	c1 = add(t, 101, 100, START_A, "c1");
	c2 = add(t, 102, 100, START_A, "c2");
	CHECK(c1->parent != NULL && c2->parent != NULL, "children linked before");
	p = add(t, 100, 1, START_B, "new");
	CHECK(c1->parent == NULL, "first child of the old life unlinked");
	CHECK(c2->parent == NULL, "second child of the old life unlinked");
	CHECK(pa_table_find(t, 101) == c1, "the children stay in the table");
	CHECK_U(count_children(p), 0, "the new life has no children");
}

static void test_pid_reuse_exited_old_life(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 100, 1, START_A, "old");

	pa_table_mark_exited(t, p, 0, START_A + 1);
	CHECK_U(t->nr_live, 0, "nr_live after exit");
	p = add(t, 100, 1, START_B, "new");
	CHECK_U(t->nr_live, 1, "exited old life was not live; the new one is");
	CHECK(!p->exited, "the new life is not exited");
}

static void test_entity_id_differs_on_pid_reuse(void **state)
{
	struct pa_table *t = *state;
	char old_id[PA_ENTITY_ID_LEN];
	struct pa_proc *p = add(t, 100, 1, START_A, "old");

	snprintf(old_id, sizeof(old_id), "%s", p->entity_id);
	p = add(t, 100, 1, START_B, "new");
	CHECK(strcmp(old_id, p->entity_id) != 0, "a new life gets a new entity_id");
}

static void test_entity_id_stable_for_same_identity(void **state)
{
	struct pa_table *t = *state;
	struct pa_table other;
	char want[PA_ENTITY_ID_LEN];
	struct pa_proc *p = add(t, 100, 1, START_A + 17, "x");
	struct pa_proc *q;

	pa_entity_id(want, sizeof(want), BOOT_ID, 100, START_A / NS_PER_TICK);
	CHECK_STR(p->entity_id, want, "entity_id of (boot, pid, ticks)");
	/* Another agent on the same boot, seeing the start in ns of the same tick. */
	pa_table_init(&other, BOOT_ID);
	q = add(&other, 100, 1, START_A + NS_PER_TICK - 1, "x");
	CHECK_STR(q->entity_id, p->entity_id, "same identity, same id across tables");
	pa_table_free(&other);
	add(t, 100, 1, START_A, "refreshed");
	CHECK_STR(p->entity_id, want, "a refresh keeps the id");
}

/* ---- parents ------------------------------------------------------------ */

static void test_child_links_to_known_parent(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *parent = add(t, 10, 1, START_A, "parent");
	struct pa_proc *a = add(t, 11, 10, START_A, "a");
	struct pa_proc *b = add(t, 12, 10, START_A, "b");

	CHECK(a->parent == parent, "a under parent");
	CHECK(b->parent == parent, "b under parent");
	CHECK(TAILQ_FIRST(&parent->children) == a, "children in insertion order: a first");
	CHECK(TAILQ_NEXT(a, sibling) == b, "then b");
	CHECK(parent->parent == NULL, "parent's parent 1 is unknown");
}

static void test_link_orphans_after_out_of_order_inserts(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *grandchild, *child, *root, *other;

	/* Bottom-up, as a /proc scan in readdir order may see them. */
	grandchild = add(t, 300, 200, START_A, "gc");
	child = add(t, 200, 100, START_A, "c");
	other = add(t, 400, 999, START_A, "other");
	root = add(t, 100, 0, START_A, "root");
	CHECK(grandchild->parent == NULL, "grandchild inserted before its parent: unlinked");
	CHECK(child->parent == NULL, "child inserted before its parent: unlinked");
	pa_table_link_orphans(t);
	CHECK(grandchild->parent == child, "grandchild linked");
	CHECK(child->parent == root, "child linked");
	CHECK(root->parent == NULL, "ppid 0: a root");
	CHECK(other->parent == NULL, "parent 999 unknown: stays a root");
	CHECK_U(count_children(root), 1, "root's children");
	CHECK_U(count_children(child), 1, "child's children");
}

static void test_link_orphans_is_idempotent(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *child = add(t, 200, 100, START_A, "c");
	struct pa_proc *root = add(t, 100, 0, START_A, "root");

	pa_table_link_orphans(t);
	pa_table_link_orphans(t);
	CHECK(child->parent == root, "linked");
	CHECK_U(count_children(root), 1, "linked once, not twice");
}

static void test_self_parent_is_a_root(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 7, 7, START_A, "self");

	pa_table_link_orphans(t);
	CHECK(p->parent == NULL, "ppid == pid never links to itself");
	CHECK_U(count_children(p), 0, "no child either");
}

static void test_upsert_with_new_ppid_moves(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *a = add(t, 10, 0, START_A, "a");
	struct pa_proc *b = add(t, 20, 0, START_A, "b");
	struct pa_proc *c = add(t, 30, 10, START_A, "c");

	add(t, 30, 20, START_A, "c");
	CHECK(c->parent == b, "moved under the new ppid");
	CHECK_U(c->ppid, 20, "ppid");
	CHECK(!has_child(a, c), "gone from the old parent");
	CHECK(has_child(b, c), "listed under the new parent");
}

static void test_reparent(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *init = add(t, 1, 0, START_A, "init");
	struct pa_proc *old = add(t, 10, 1, START_A, "old");
	struct pa_proc *c = add(t, 11, 10, START_A, "c");

	pa_table_reparent(t, c, 1);
	CHECK(c->parent == init, "c under init");
	CHECK_U(c->ppid, 1, "ppid");
	CHECK(!has_child(old, c), "old parent lost c");
	CHECK(has_child(init, c), "init has c");
	pa_table_reparent(t, c, 555);
	CHECK(c->parent == NULL, "unknown new parent: unlinked");
	CHECK_U(c->ppid, 555, "ppid still recorded");
	CHECK(!has_child(init, c), "init lost c");
}

static void test_remove_unlinks_both_ways(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *top = add(t, 1, 0, START_A, "top");
	struct pa_proc *mid = add(t, 2, 1, START_A, "mid");
	struct pa_proc *leaf = add(t, 3, 2, START_A, "leaf");

	CHECK_U(t->nr_live, 3, "nr_live before");
	pa_table_remove(t, mid);
	CHECK(pa_table_find(t, 2) == NULL, "removed");
	CHECK(leaf->parent == NULL, "its child unlinked");
	CHECK_U(count_children(top), 0, "its parent lost it");
	CHECK_U(t->nr_live, 2, "a live record removed");
}

/* ---- cmdline and exec history ------------------------------------------- */

static void test_set_cmdline(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 1, 0, START_A, "x");

	pa_table_set_cmdline(p, "a b c", false);
	CHECK_STR(p->cmdline, "a b c", "set");
	CHECK(!p->cmdline_truncated, "not truncated");
	pa_table_set_cmdline(p, "d", true);
	CHECK_STR(p->cmdline, "d", "replaced");
	CHECK(p->cmdline_truncated, "truncated flag");
	pa_table_set_cmdline(p, NULL, false);
	CHECK(p->cmdline == NULL, "cleared");
}

static void test_last_exec_none(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 1, 0, START_A, "x");

	CHECK(pa_proc_last_exec(p) == NULL, "no exec yet");
	CHECK_U(p->nr_execs, 0, "nr_execs");
}

static void test_exec_history_keeps_newest(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 1, 0, START_A, "x");
	const unsigned total = PA_EXEC_HISTORY + 2;
	char name[32];

	for (unsigned i = 1; i <= total; i++) {
		snprintf(name, sizeof(name), "/bin/e%u", i);
		pa_table_record_exec(p, i * 1000, name);
		CHECK_STR(pa_proc_last_exec(p)->filename, name, "last exec after each record");
	}
	CHECK_U(p->nr_execs, total, "nr_execs counts every exec");
	CHECK_U(pa_proc_last_exec(p)->ts_ns, total * 1000, "last exec time");
	/* Walk the ring back from the newest: e6, e5, e4, e3. */
	for (unsigned back = 0; back < PA_EXEC_HISTORY; back++) {
		const struct pa_exec_record *r = &p->execs[(p->nr_execs - 1 - back) % PA_EXEC_HISTORY];

		snprintf(name, sizeof(name), "/bin/e%u", total - back);
		CHECK_STR(r->filename, name, "ring holds the newest PA_EXEC_HISTORY");
		CHECK_U(r->ts_ns, (total - back) * 1000, "ring timestamps");
	}
}

static void test_record_exec_null_filename(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 1, 0, START_A, "x");

	pa_table_record_exec(p, 5, NULL);
	CHECK_STR(pa_proc_last_exec(p)->filename, "", "NULL filename stored as empty");
}

/* ---- threads ------------------------------------------------------------ */

static void test_threads_add_find_remove(void **state)
{
	struct pa_table *t = *state;
	struct pa_thread *th = pa_table_add_thread(t, 101, 100, START_A + 5, "worker", 0);

	assert_non_null(th);
	CHECK(pa_table_find_thread(t, 101) == th, "found");
	CHECK_U(th->tgid, 100, "tgid");
	CHECK_U(th->start_ns, START_A + 5, "start");
	CHECK_STR(th->comm, "worker", "comm");
	CHECK_I(th->state, 'R', "state defaults to R");
	CHECK(pa_table_find_thread(t, 102) == NULL, "unknown tid");
	CHECK(pa_table_remove_thread(t, 101), "remove a known thread");
	CHECK(pa_table_find_thread(t, 101) == NULL, "gone");
	CHECK(!pa_table_remove_thread(t, 101), "second remove says unknown");
}

static void test_thread_add_twice_updates(void **state)
{
	struct pa_table *t = *state;
	struct pa_thread *a = pa_table_add_thread(t, 101, 100, START_A, "one", 'S');
	struct pa_thread *b = pa_table_add_thread(t, 101, 100, START_A, "two", 'D');

	CHECK(a == b, "same tid, same record");
	CHECK_STR(b->comm, "two", "comm updated");
	CHECK_I(b->state, 'D', "state updated");
	CHECK_U(HASH_COUNT(t->threads), 1, "one thread in the table");
}

static void test_remove_threads_of(void **state)
{
	struct pa_table *t = *state;

	pa_table_add_thread(t, 101, 100, START_A, "a", 'S');
	pa_table_add_thread(t, 102, 100, START_A, "b", 'S');
	pa_table_add_thread(t, 201, 200, START_A, "c", 'S');
	pa_table_remove_threads_of(t, 100);
	CHECK(pa_table_find_thread(t, 101) == NULL, "first thread of 100 gone");
	CHECK(pa_table_find_thread(t, 102) == NULL, "second thread of 100 gone");
	CHECK(pa_table_find_thread(t, 201) != NULL, "a thread of 200 stays");
	pa_table_remove_threads_of(t, 999);
	CHECK_U(HASH_COUNT(t->threads), 1, "a tgid without threads changes nothing");
}

/* A dropped record takes its threads along. */
static void test_remove_drops_threads(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 100, 1, START_A, "x");

	p->nr_threads = 2;
	pa_table_add_thread(t, 101, 100, START_A, "w", 'S');
	pa_table_remove(t, p);
	CHECK(pa_table_find_thread(t, 101) == NULL, "thread of the removed process gone");
}

static void test_pid_reuse_forgets_old_threads(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc_info old = { .pid = 100, .ppid = 1, .start_ns = START_A, .comm = "old", .nr_threads = 2 };
	struct pa_proc_info new = { .pid = 100, .ppid = 1, .start_ns = START_B, .comm = "new", .nr_threads = 1 };

	assert_non_null(pa_table_upsert(t, &old));
	pa_table_add_thread(t, 101, 100, START_A, "w", 'S');
	assert_non_null(pa_table_upsert(t, &new));
	CHECK(pa_table_find_thread(t, 101) == NULL, "the old life's thread is gone with it");
}

/* ---- exit, reap, expire ------------------------------------------------- */

static void test_mark_exited_once(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 100, 1, START_A, "x");

	p->nr_threads = 3;
	CHECK_U(t->nr_live, 1, "nr_live before");
	CHECK(pa_table_mark_exited(t, p, 3 << 8, START_B), "first report");
	CHECK(p->exited, "exited");
	CHECK_U(p->exit_status, 3 << 8, "status");
	CHECK_U(p->exit_ns, START_B, "exit time");
	CHECK_I(p->state, 'Z', "a zombie until reaped");
	CHECK_U(p->nr_threads, 0, "no live threads");
	CHECK_U(t->nr_live, 0, "nr_live after");
	CHECK(!pa_table_mark_exited(t, p, 9, START_B + 1), "second report refused");
	CHECK_U(p->exit_status, 3 << 8, "first status kept");
	CHECK_U(p->exit_ns, START_B, "first time kept");
	CHECK_U(t->nr_live, 0, "nr_live not decremented twice");
}

static void test_nr_live_accounting(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *a = add(t, 1, 0, START_A, "a");
	struct pa_proc *b = add(t, 2, 1, START_A, "b");
	struct pa_proc *c = add(t, 3, 1, START_A, "c");

	CHECK_U(t->nr_live, 3, "three live");
	pa_table_mark_exited(t, b, 0, START_B);
	CHECK_U(t->nr_live, 2, "one exited");
	pa_table_remove(t, b);
	CHECK_U(t->nr_live, 2, "removing an exited one changes nothing");
	pa_table_remove(t, c);
	CHECK_U(t->nr_live, 1, "removing a live one counts");
	pa_table_remove(t, a);
	CHECK_U(t->nr_live, 0, "all gone");
}

static void test_mark_reaped_detaches_children(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 100, 1, START_A, "parent");
	struct pa_proc *c = add(t, 101, 100, START_A, "child");

	pa_table_mark_exited(t, p, 0, START_B);
	pa_table_mark_reaped(t, p, START_B + 5);
	CHECK(p->reaped, "reaped");
	CHECK_U(p->reaped_ns, START_B + 5, "reap time");
	CHECK_I(p->state, 'X', "state X");
	CHECK(c->parent == NULL, "child no longer under the reaped record");
	CHECK_U(count_children(p), 0, "reaped record has no children");
	CHECK(pa_table_find(t, 100) == p, "still in the table until expired");
}

static void test_expire_before_linger_keeps(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 100, 1, START_A, "x");

	pa_table_mark_exited(t, p, 0, START_B);
	pa_table_mark_reaped(t, p, START_B);
	pa_table_expire(t, START_B + PA_REAPED_LINGER_NS - 1);
	CHECK(pa_table_find(t, 100) == p, "kept 1 ns before the linger ends");
}

static void test_expire_after_linger_removes(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *reaped = add(t, 100, 1, START_A, "reaped");
	struct pa_proc *zombie = add(t, 200, 1, START_A, "zombie");
	struct pa_proc *live = add(t, 300, 1, START_A, "live");

	pa_table_mark_exited(t, reaped, 0, START_B);
	pa_table_mark_reaped(t, reaped, START_B);
	pa_table_mark_exited(t, zombie, 0, START_B);
	pa_table_expire(t, START_B + PA_REAPED_LINGER_NS);
	CHECK(pa_table_find(t, 100) == NULL, "reaped record gone once the linger is over");
	CHECK(pa_table_find(t, 200) == zombie, "an unreaped zombie stays");
	CHECK(pa_table_find(t, 300) == live, "a live process stays");
	CHECK_U(t->nr_live, 1, "nr_live");
}

/* A reap without an exit (the exit event was lost) still leaves nr_live right. */
static void test_expire_reaped_without_exit(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *p = add(t, 100, 1, START_A, "x");

	pa_table_mark_reaped(t, p, START_B);
	CHECK_U(t->nr_live, 1, "not exited: still counted");
	pa_table_expire(t, START_B + PA_REAPED_LINGER_NS);
	CHECK(pa_table_find(t, 100) == NULL, "expired");
	CHECK_U(t->nr_live, 0, "nr_live after expiring a never-exited record");
}

/* Expiry takes the oldest reaps first and stops at the first still in its
 * linger; a record dropped otherwise (its pid reused) leaves the queue. */
static void test_expire_in_reap_order(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *a = add(t, 100, 1, START_A, "a");
	struct pa_proc *b = add(t, 200, 1, START_A, "b");
	struct pa_proc *c = add(t, 300, 1, START_A, "c");
	struct pa_proc_info reuse = { .pid = 200, .ppid = 1, .start_ns = START_B + 1, .comm = "new" };

	pa_table_mark_reaped(t, a, START_B);
	pa_table_mark_reaped(t, b, START_B + 10);
	pa_table_mark_reaped(t, c, START_B + 20);
	pa_table_mark_reaped(t, a, START_B + 30); /* a second reap moves it last */
	assert_non_null(pa_table_upsert(t, &reuse)); /* drops b's record */
	pa_table_expire(t, START_B + 25 + PA_REAPED_LINGER_NS);
	CHECK(pa_table_find(t, 300) == NULL, "c's linger is over");
	CHECK(pa_table_find(t, 100) == a, "a was reaped again later: kept");
	CHECK_STR(pa_table_find(t, 200)->comm, "new", "the new life under b's pid stays");
	pa_table_expire(t, START_B + 30 + PA_REAPED_LINGER_NS);
	CHECK(pa_table_find(t, 100) == NULL, "then a");
}

/* ---- following ---------------------------------------------------------- */

static void test_follow_subtree_marks_descendants_only(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *init = add(t, 1, 0, START_A, "init");
	struct pa_proc *a = add(t, 10, 1, START_A, "a");
	struct pa_proc *a1 = add(t, 11, 10, START_A, "a1");
	struct pa_proc *a2 = add(t, 12, 11, START_A, "a2");
	struct pa_proc *a3 = add(t, 13, 10, START_A, "a3");
	struct pa_proc *b = add(t, 20, 1, START_A, "b");
	struct pa_proc *b1 = add(t, 21, 20, START_A, "b1");

	pa_table_follow_subtree(a);
	CHECK(a->followed, "the chosen process");
	CHECK(a1->followed, "its child");
	CHECK(a2->followed, "its grandchild");
	CHECK(a3->followed, "its second child");
	CHECK(!init->followed, "not its parent");
	CHECK(!b->followed, "not its sibling");
	CHECK(!b1->followed, "not its sibling's child");
}

static void test_new_child_of_followed_is_followed(void **state)
{
	struct pa_table *t = *state;
	struct pa_proc *a = add(t, 10, 1, START_A, "a");
	struct pa_proc *c, *d;

	pa_table_follow_subtree(a);
	c = add(t, 11, 10, START_A, "c");
	d = add(t, 12, 99, START_A, "d");
	CHECK(c->followed, "forked under a followed process");
	CHECK(!d->followed, "elsewhere");
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init_is_empty),
		T(test_child_shares_then_replaces),
		cmocka_unit_test(test_ns_to_ticks),
		T(test_upsert_then_find),
		T(test_upsert_keeps_cmdline_when_given),
		T(test_comm_is_cut_to_fit),
		T(test_upsert_same_identity_refreshes),
		T(test_identity_same_tick_matches),
		T(test_identity_other_tick_does_not_match),
		T(test_identity_proc_ticks_match_bpf_ns),
		T(test_pid_reuse_replaces_record),
		T(test_pid_reuse_unlinks_old_children),
		T(test_pid_reuse_exited_old_life),
		T(test_entity_id_differs_on_pid_reuse),
		T(test_entity_id_stable_for_same_identity),
		T(test_child_links_to_known_parent),
		T(test_link_orphans_after_out_of_order_inserts),
		T(test_link_orphans_is_idempotent),
		T(test_self_parent_is_a_root),
		T(test_upsert_with_new_ppid_moves),
		T(test_reparent),
		T(test_remove_unlinks_both_ways),
		T(test_set_cmdline),
		T(test_last_exec_none),
		T(test_exec_history_keeps_newest),
		T(test_record_exec_null_filename),
		T(test_threads_add_find_remove),
		T(test_thread_add_twice_updates),
		T(test_remove_threads_of),
		T(test_remove_drops_threads),
		T(test_pid_reuse_forgets_old_threads),
		T(test_mark_exited_once),
		T(test_nr_live_accounting),
		T(test_mark_reaped_detaches_children),
		T(test_expire_before_linger_keeps),
		T(test_expire_after_linger_removes),
		T(test_expire_reaped_without_exit),
		T(test_expire_in_reap_order),
		T(test_follow_subtree_marks_descendants_only),
		T(test_new_child_of_followed_is_followed),
	};
#undef T

	return cmocka_run_group_tests_name("proc_table", tests, NULL, NULL);
}
