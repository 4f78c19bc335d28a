// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tui_view: the live tree's model on a synthetic table and a fake screen.
 * Which rows show (folds by process identity, kernel threads folded,
 * thread rows, --pid subtrees), where the selection goes when rows come
 * and go, scrolling, search and next-zombie/D with wrap and unfolding,
 * colour classes at their boundaries, and every line's exact text.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>

#include "synth.h"

#include "clock.h"
#include "proc_table.h"
#include "strbuf.h"
#include "tui_view.h"

#define NS 1000000000ULL
#define MS 1000000ULL
/* Tick-aligned times (USER_HZ 100), so identities compare exactly. */
#define NOW_NS (100000 * NS)
#define TRACE_NS (NOW_NS - 3600 * NS)          /* tracing began */
#define START_NS (NOW_NS - 900 * NS)           /* most processes: 15m00s old */
#define OTHER_START_NS (NOW_NS - 300 * NS)     /* a later life of a reused pid */
/* Boot time 0 is 2023-11-14T22:13:20Z; START_NS is 2023-11-16T01:45:00Z. */
#define WALL_AT_BOOT (1700000000ULL * NS)
#define NO_SUCH_UID 54321           /* not in /etc/passwd */

struct fixture {
	struct pa_table table;
	struct pa_view view;
	struct pa_view_ctx ctx;
	struct strbuf out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	pa_table_init(&f->table, "boot");
	pa_view_init(&f->view);
	f->ctx.now_ns = NOW_NS;
	f->ctx.tracing_since_ns = TRACE_NS;
	sb_init(&f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pa_view_free(&f->view);
	pa_table_free(&f->table);
	sb_free(&f->out);
	free(f);
	return 0;
}

/* cmdline NULL: none (kernel threads). */
static struct pa_proc *add_at(struct fixture *f, uint32_t pid, uint32_t ppid, const char *comm,
			      const char *cmdline, uint64_t start_ns)
{
	struct pa_proc_info info = {
		.pid = pid,
		.ppid = ppid,
		.start_ns = start_ns,
		.comm = comm,
		.state = 'S',
		.nr_threads = 1,
		.cmdline = cmdline,
	};
	struct pa_proc *p = pa_table_upsert(&f->table, &info);

	assert_non_null(p);
	return p;
}

static struct pa_proc *add(struct fixture *f, uint32_t pid, uint32_t ppid, const char *comm,
			   const char *cmdline)
{
	return add_at(f, pid, ppid, comm, cmdline, START_NS);
}

static struct pa_proc *proc(struct fixture *f, uint32_t pid)
{
	struct pa_proc *p = pa_table_find(&f->table, pid);

	assert_non_null(p);
	return p;
}

/*
 * init,1
 *  |- sshd,10
 *  |- bash,20
 *  |   |- vim,21
 *  |   `- make,22
 *  |       `- cc,23
 *  `- cron,30
 *      `- at,31
 * [kthreadd],2
 *  |- [kworker/0:1],3
 *  `- [rcu_gp],4
 */
static void add_tree(struct fixture *f)
{
	add(f, 1, 0, "init", "/sbin/init");
	add(f, 2, 0, "kthreadd", NULL);
	add(f, 3, 2, "kworker/0:1", NULL);
	add(f, 4, 2, "rcu_gp", NULL);
	add(f, 10, 1, "sshd", "/usr/sbin/sshd -D");
	add(f, 20, 1, "bash", "-bash");
	add(f, 21, 20, "vim", "vim notes.txt");
	add(f, 22, 20, "make", "make -j4");
	add(f, 23, 22, "cc", "cc -c x.c");
	add(f, 30, 1, "cron", "/usr/sbin/cron -f");
	add(f, 31, 30, "at", "at now");
}

static void rebuild(struct fixture *f)
{
	CHECK_I(pa_view_rebuild(&f->view, &f->table), 0, "pa_view_rebuild");
}

/* The rows as "1 10 20+3 t25": pid, "+N" when N processes are folded
 * under it, "t" before a thread row's tid. */
static const char *rows(struct fixture *f)
{
	sb_reset(&f->out);
	for (size_t i = 0; i < f->view.tree.count; i++) {
		const struct pa_tree_row *r = &f->view.tree.rows[i];

		if (i)
			sb_putc(&f->out, ' ');
		if (r->thread)
			sb_printf(&f->out, "t%u", r->thread->tid);
		else
			sb_printf(&f->out, "%u", r->proc->pid);
		if (r->hidden)
			sb_printf(&f->out, "+%u", r->hidden);
	}
	return f->out.len ? f->out.buf : "";
}

static size_t index_of(struct fixture *f, uint32_t pid)
{
	for (size_t i = 0; i < f->view.tree.count; i++) {
		if (!f->view.tree.rows[i].thread && f->view.tree.rows[i].proc->pid == pid)
			return i;
	}
	fail_msg("pid %u has no row", pid);
	return 0;
}

static void select_pid(struct fixture *f, uint32_t pid)
{
	size_t i = index_of(f, pid);

	pa_view_home(&f->view);
	pa_view_move(&f->view, (long)i);
	CHECK_U(f->view.selected, i, "selected the row");
}

static uint32_t selected_pid(struct fixture *f)
{
	const struct pa_proc *p = pa_view_selected(&f->view);

	return p ? p->pid : 0;
}

static const char *row_text(struct fixture *f, uint32_t pid, size_t width)
{
	sb_reset(&f->out);
	pa_view_format_row(&f->view, &f->out, &f->view.tree.rows[index_of(f, pid)], &f->ctx, width);
	return f->out.len ? f->out.buf : "";
}

static const char *row_text_at(struct fixture *f, size_t i, size_t width)
{
	sb_reset(&f->out);
	pa_view_format_row(&f->view, &f->out, &f->view.tree.rows[i], &f->ctx, width);
	return f->out.len ? f->out.buf : "";
}

/* ---- which rows ----------------------------------------------------------- */

static void test_kernel_threads_folded_by_default(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20 21 22 23 30 31 2+2", "kthreadd folded, its 2 children counted");
	CHECK(!f->view.kthreads_open, "closed after init");
	select_pid(f, 2);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "kthreadd can be opened");
	CHECK(f->view.kthreads_open, "opening kthreadd is kthreads_open");
	CHECK_STR(rows(f), "1 10 20 21 22 23 30 31 2 3 4", "kernel threads shown");
	CHECK_U(selected_pid(f), 2, "selection stays on kthreadd");
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "and closed again");
	CHECK(!f->view.kthreads_open, "closed");
	CHECK_STR(rows(f), "1 10 20 21 22 23 30 31 2+2", "folded again");
}

/* A pid 2 with a parent is not kthreadd (inside a pid namespace). */
static void test_pid2_with_parent_not_folded(void **state)
{
	struct fixture *f = *state;

	add(f, 1, 0, "init", "/sbin/init");
	add(f, 2, 1, "sh", "sh");
	add(f, 3, 2, "sleep", "sleep 9");
	rebuild(f);
	CHECK_STR(rows(f), "1 2 3", "an ordinary pid 2 is open");
}

static void test_fold_hides_and_counts(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 20);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "bash has children");
	CHECK_STR(rows(f), "1 10 20+3 30 31 2+2", "vim, make and cc hidden under bash");
	CHECK_U(selected_pid(f), 20, "selection stays on the folded row");
	add(f, 24, 22, "ld", "ld -o x");
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20+4 30 31 2+2", "a new grandchild is counted, not shown");
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "unfold");
	CHECK_STR(rows(f), "1 10 20 21 22 23 24 30 31 2+2", "all back, in pid order");
}

static void test_fold_leaf_refused(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 21);
	CHECK(!pa_view_toggle_fold(&f->view, &f->table), "vim has no children");
	CHECK_STR(rows(f), "1 10 20 21 22 23 30 31 2+2", "nothing changed");
}

static void test_nested_folds(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 22);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "fold make");
	select_pid(f, 20);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "fold bash");
	CHECK_STR(rows(f), "1 10 20+3 30 31 2+2", "the outer fold counts everything under it");
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "unfold bash");
	CHECK_STR(rows(f), "1 10 20 21 22+1 30 31 2+2", "the inner fold was kept");
}

static void test_pid_reuse_does_not_inherit_fold(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 22);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "fold make");
	CHECK_STR(rows(f), "1 10 20 21 22+1 30 31 2+2", "make folded");
	/* make and cc are gone; a new process gets pid 22 with its own child. */
	pa_table_remove(&f->table, proc(f, 23));
	pa_table_remove(&f->table, proc(f, 22));
	add_at(f, 22, 20, "python3", "python3 x.py", OTHER_START_NS);
	add_at(f, 25, 22, "sh", "sh -c true", OTHER_START_NS);
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20 21 22 25 30 31 2+2", "the new pid 22 is open");
	CHECK(f->view.folds == NULL, "the ended process's fold was dropped");
	/* And folding the new life works (the old entry does not block it). */
	select_pid(f, 22);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "fold the new 22");
	CHECK_STR(rows(f), "1 10 20 21 22+1 30 31 2+2", "new life folded");
}

/* The same, without a rebuild between the old life's end and the new one. */
static void test_pid_reuse_between_rebuilds(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 30);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "fold cron");
	add_at(f, 30, 1, "cron", "/usr/sbin/cron -f", OTHER_START_NS); /* replaces the record */
	add_at(f, 31, 30, "at", "at now", OTHER_START_NS);
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20 21 22 23 30 31 2+2", "another cron life is not folded");
}

static void test_threads_shown(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	proc(f, 22)->nr_threads = 3;
	assert_non_null(pa_table_add_thread(&f->table, 27, 22, START_NS + NS, "worker", 'S'));
	assert_non_null(pa_table_add_thread(&f->table, 26, 22, START_NS + NS, "worker", 'R'));
	assert_non_null(pa_table_add_thread(&f->table, 40, 31, START_NS, "helper", 'S'));
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20 21 22 23 30 31 2+2", "no thread rows unless asked");
	f->view.show_threads = true;
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20 21 22 t26 t27 23 30 31 t40 2+2",
		  "threads by tid right after their process, before its children");
	f->view.unicode = true;
	CHECK_STR(row_text_at(f, index_of(f, 22) + 1, 0),
		  "     26 R -        14m59s     -      │   ├─{worker}",
		  "a thread drawn as a child, not the last one: cc follows");
	CHECK_STR(row_text_at(f, index_of(f, 31) + 1, 0),
		  "     40 S -        15m00s     -          └─{helper}",
		  "the only thread of a childless process closes the branch");
	/* Folding make hides cc, not make's own threads. */
	select_pid(f, 22);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "fold make");
	CHECK_STR(rows(f), "1 10 20 21 22+1 t26 t27 30 31 t40 2+2", "threads stay under a fold");
	CHECK(f->view.tree.rows[index_of(f, 22) + 2].last, "the last thread is last now");
}

static void test_followed_only(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	pa_table_follow_subtree(proc(f, 20));
	f->view.followed_only = true;
	rebuild(f);
	CHECK_STR(rows(f), "20 21 22 23", "only bash's subtree");
	select_pid(f, 20);
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "fold bash");
	CHECK_STR(rows(f), "20+3", "hidden counts followed processes");
	CHECK(pa_view_toggle_fold(&f->view, &f->table), "unfold");
	proc(f, 23)->followed = false;
	rebuild(f);
	CHECK_STR(rows(f), "20 21 22", "cc no longer followed");
	select_pid(f, 22);
	CHECK(!pa_view_toggle_fold(&f->view, &f->table), "make's only child is not shown: nothing to fold");
	select_pid(f, 21);
	CHECK(!pa_view_find(&f->view, &f->table, "cron"), "unfollowed processes are not searched");
	CHECK_U(selected_pid(f), 21, "selection kept");
}

static void test_empty_table(void **state)
{
	struct fixture *f = *state;

	rebuild(f);
	CHECK_U(f->view.tree.count, 0, "no rows");
	CHECK(pa_view_selected(&f->view) == NULL, "nothing selected");
	pa_view_move(&f->view, 3);
	pa_view_end(&f->view);
	pa_view_scroll(&f->view, 10);
	CHECK_U(f->view.selected, 0, "moves on nothing");
	CHECK_U(f->view.top, 0, "top on nothing");
	CHECK(!pa_view_toggle_fold(&f->view, &f->table), "nothing to fold");
	CHECK(!pa_view_find(&f->view, &f->table, "x"), "nothing to find");
	CHECK(!pa_view_next_class(&f->view, &f->table, &f->ctx, PA_ROW_ZOMBIE), "no zombie");
}

/* ---- selection ----------------------------------------------------------- */

static void test_selection_survives_removal_above(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 31);
	CHECK_U(f->view.selected, 7, "at is row 7");
	pa_table_remove(&f->table, proc(f, 10));
	pa_table_remove(&f->table, proc(f, 21));
	rebuild(f);
	CHECK_U(selected_pid(f), 31, "still on at");
	CHECK_U(f->view.selected, 5, "two rows up");
	add(f, 11, 1, "getty", "/sbin/agetty tty1");
	rebuild(f);
	CHECK_U(selected_pid(f), 31, "still on at after a row was added above");
	CHECK_U(f->view.selected, 6, "one row down");
}

static void test_selection_nearest_when_gone(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 22);
	CHECK_U(f->view.selected, 4, "make is row 4");
	pa_table_remove(&f->table, proc(f, 23));
	pa_table_remove(&f->table, proc(f, 22));
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20 21 30 31 2+2", "make and cc gone");
	CHECK_U(f->view.selected, 4, "the row now where make was");
	CHECK_U(selected_pid(f), 30, "which is cron");
	CHECK_U(f->view.sel_pid, 30, "and the selection follows cron from now on");
	CHECK_U(f->view.sel_start_ns, START_NS, "with its start time");
	add(f, 11, 1, "getty", "getty");
	add(f, 5, 0, "early", "early");
	rebuild(f);
	CHECK_STR(rows(f), "1 10 11 20 21 30 31 2+2 5", "a row above cron, a root at the end");
	CHECK_U(f->view.selected, 5, "cron followed down a row");
	pa_view_end(&f->view);
	CHECK_U(selected_pid(f), 5, "last row");
	pa_table_remove(&f->table, proc(f, 5));
	rebuild(f);
	CHECK_U(f->view.selected, f->view.tree.count - 1, "past the end: the last row");
	CHECK_U(selected_pid(f), 2, "which is kthreadd");
}

/* A reused pid is another process: the selection does not jump to it. */
static void test_selection_not_taken_by_reused_pid(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 21);
	add_at(f, 21, 1, "vim", "vim other", OTHER_START_NS);
	rebuild(f);
	CHECK_STR(rows(f), "1 10 20 22 23 21 30 31 2+2", "the new 21 is under init");
	CHECK_U(f->view.selected, 3, "the row where vim was");
	CHECK_U(selected_pid(f), 22, "is make: the new 21 is not vim");
}

static void test_selection_moves_to_folded_ancestor(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	f->view.kthreads_open = true;
	rebuild(f);
	select_pid(f, 4);
	f->view.kthreads_open = false;
	rebuild(f);
	CHECK_U(selected_pid(f), 2, "rcu_gp went under kthreadd's fold: kthreadd selected");
}

static void test_selection_on_thread_row(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	proc(f, 22)->nr_threads = 3;
	pa_table_add_thread(&f->table, 26, 22, START_NS, "worker", 'S');
	pa_table_add_thread(&f->table, 27, 22, START_NS, "worker", 'S');
	f->view.show_threads = true;
	rebuild(f);
	pa_view_home(&f->view);
	pa_view_move(&f->view, (long)index_of(f, 22) + 2);
	CHECK_U(f->view.sel_tid, 27, "thread row selected");
	CHECK_U(selected_pid(f), 22, "pa_view_selected is its process");
	pa_table_remove(&f->table, proc(f, 10));
	rebuild(f);
	CHECK(f->view.tree.rows[f->view.selected].thread != NULL, "still a thread row");
	CHECK_U(f->view.tree.rows[f->view.selected].thread->tid, 27, "the same thread");
	pa_table_remove_thread(&f->table, 27);
	rebuild(f);
	CHECK_U(f->view.selected, index_of(f, 22), "thread gone: its process's row");
	CHECK_U(f->view.sel_tid, 0, "a process row now");
}

static void test_moves_clamped(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	pa_view_move(&f->view, -5);
	CHECK_U(f->view.selected, 0, "up from the top");
	pa_view_move(&f->view, 3);
	CHECK_U(selected_pid(f), 21, "three down");
	pa_view_move(&f->view, 100);
	CHECK_U(f->view.selected, 8, "down past the end");
	pa_view_move(&f->view, -2);
	CHECK_U(f->view.selected, 6, "two up");
	pa_view_move(&f->view, LONG_MIN);
	CHECK_U(f->view.selected, 0, "LONG_MIN");
	pa_view_move(&f->view, LONG_MAX);
	CHECK_U(f->view.selected, 8, "LONG_MAX");
	f->view.following = true;
	pa_view_move(&f->view, 0);
	CHECK(!f->view.following, "a move stops following");
	f->view.following = true;
	pa_view_home(&f->view);
	CHECK(!f->view.following, "home stops following");
	f->view.following = true;
	pa_view_end(&f->view);
	CHECK(!f->view.following, "end stops following");
}

/* ---- scrolling ----------------------------------------------------------- */

#define SCREEN 5

/* init and 29 children: 30 rows. */
static void add_flat(struct fixture *f)
{
	add(f, 1, 0, "init", "/sbin/init");
	for (uint32_t pid = 100; pid < 129; pid++)
		add(f, pid, 1, "w", "w");
	rebuild(f);
	CHECK_U(f->view.tree.count, 30, "30 rows");
}

static void check_view(struct fixture *f, size_t selected, size_t top, const char *what)
{
	char label[96];

	pa_view_scroll(&f->view, SCREEN);
	snprintf(label, sizeof(label), "%s: selected", what);
	CHECK_U(f->view.selected, selected, label);
	snprintf(label, sizeof(label), "%s: top", what);
	CHECK_U(f->view.top, top, label);
}

static void test_scroll_follows_moves(void **state)
{
	struct fixture *f = *state;

	add_flat(f);
	check_view(f, 0, 0, "start");
	pa_view_move(&f->view, 4);
	check_view(f, 4, 0, "last line of the screen");
	pa_view_move(&f->view, 1);
	check_view(f, 5, 1, "one past: scrolls one");
	pa_view_move(&f->view, SCREEN);
	check_view(f, 10, 6, "page down");
	pa_view_move(&f->view, -1);
	check_view(f, 9, 6, "up within the screen: no scroll");
	pa_view_move(&f->view, -SCREEN);
	check_view(f, 4, 4, "page up: selection on the top line");
	pa_view_end(&f->view);
	check_view(f, 29, 25, "end: the last screenful");
	pa_view_move(&f->view, SCREEN);
	check_view(f, 29, 25, "page down at the end");
	pa_view_home(&f->view);
	check_view(f, 0, 0, "home");
}

static void test_scroll_no_empty_lines_at_bottom(void **state)
{
	struct fixture *f = *state;

	add_flat(f);
	pa_view_end(&f->view);
	check_view(f, 29, 25, "end");
	for (uint32_t pid = 110; pid < 129; pid++)
		pa_table_remove(&f->table, proc(f, pid));
	rebuild(f);
	CHECK_U(f->view.tree.count, 11, "11 rows left");
	check_view(f, 10, 6, "top pulled up so the screen is full");
	for (uint32_t pid = 103; pid < 110; pid++)
		pa_table_remove(&f->table, proc(f, pid));
	rebuild(f);
	check_view(f, 3, 0, "fewer rows than lines: top 0");
}

static void test_following_keeps_screen_line(void **state)
{
	struct fixture *f = *state;

	add_flat(f);
	pa_view_move(&f->view, 12);
	check_view(f, 12, 8, "row 12 on the last line");
	pa_view_move(&f->view, -2);
	check_view(f, 10, 8, "row 10 on line 2");
	f->view.following = true;
	add(f, 50, 1, "new", "new");
	add(f, 51, 1, "new", "new");
	rebuild(f);
	check_view(f, 12, 10, "following: two rows above, top moves with the process");
	CHECK_U(selected_pid(f), 109, "the same process");
	f->view.following = false;
	add(f, 52, 1, "new", "new");
	add(f, 53, 1, "new", "new");
	rebuild(f);
	check_view(f, 14, 10, "not following: top stays, the selection moves down to line 4");
	add(f, 54, 1, "new", "new");
	rebuild(f);
	check_view(f, 15, 11, "pushed off the screen: scrolled just enough");
	CHECK_U(selected_pid(f), 109, "the same process throughout");
}

/* ---- search -------------------------------------------------------------- */

static void test_find_by_pid_comm_cmdline(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	CHECK(pa_view_find(&f->view, &f->table, "23"), "pid 23");
	CHECK_U(selected_pid(f), 23, "found cc by pid");
	CHECK(pa_view_find(&f->view, &f->table, "CRON"), "comm, any case");
	CHECK_U(selected_pid(f), 30, "found cron");
	CHECK(pa_view_find(&f->view, &f->table, "notes.TXT"), "cmdline, any case");
	CHECK_U(selected_pid(f), 21, "found vim by its argument");
	CHECK_STR(f->view.search, "notes.TXT", "the text is kept for the next search");
	CHECK(!pa_view_find(&f->view, &f->table, "emacs"), "no match");
	CHECK_U(selected_pid(f), 21, "selection kept on no match");
	CHECK(!pa_view_find(&f->view, &f->table, ""), "empty text");
}

/* A pid is an exact match, not a prefix. */
static void test_find_pid_is_exact(void **state)
{
	struct fixture *f = *state;

	add(f, 1, 0, "init", "/sbin/init");
	add(f, 12, 1, "a", "a");
	add(f, 120, 1, "b", "b");
	rebuild(f);
	CHECK(pa_view_find(&f->view, &f->table, "120"), "pid 120");
	CHECK_U(selected_pid(f), 120, "120, not 12");
	CHECK(pa_view_find(&f->view, &f->table, "12"), "pid 12");
	CHECK_U(selected_pid(f), 12, "12 exactly");
	CHECK(pa_view_find(&f->view, &f->table, "12"), "again");
	CHECK_U(selected_pid(f), 12, "the only match, found again by wrapping round");
}

static void test_find_wraps(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 10);
	/* "/usr/sbin/" is in sshd's and cron's command lines. */
	CHECK(pa_view_find(&f->view, &f->table, "/usr/sbin/"), "after sshd");
	CHECK_U(selected_pid(f), 30, "cron is the next match");
	CHECK(pa_view_find(&f->view, &f->table, f->view.search), "repeat with the kept text");
	CHECK_U(selected_pid(f), 10, "wrapped round to sshd");
}

static void test_find_unfolds(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	rebuild(f);
	select_pid(f, 22);
	pa_view_toggle_fold(&f->view, &f->table);
	select_pid(f, 20);
	pa_view_toggle_fold(&f->view, &f->table);
	CHECK_STR(rows(f), "1 10 20+3 30 31 2+2", "bash and make folded");
	CHECK(pa_view_find(&f->view, &f->table, "x.c"), "cc is inside two folds");
	CHECK_STR(rows(f), "1 10 20 21 22 23 30 31 2+2", "both ancestors unfolded");
	CHECK_U(selected_pid(f), 23, "cc selected");
	CHECK(pa_view_find(&f->view, &f->table, "rcu"), "a kernel thread");
	CHECK(f->view.kthreads_open, "kthreadd opened");
	CHECK_U(selected_pid(f), 4, "rcu_gp selected");
	CHECK_U(f->view.selected, 10, "its row");
}

static void test_next_zombie_and_d(void **state)
{
	struct fixture *f = *state;

	add_tree(f);
	pa_table_mark_exited(&f->table, proc(f, 21), 0, NOW_NS - 5 * NS);
	pa_table_mark_exited(&f->table, proc(f, 31), 0, NOW_NS - 5 * NS);
	pa_table_mark_exited(&f->table, proc(f, 10), 0, NOW_NS - 100 * MS); /* not yet a zombie */
	proc(f, 4)->dstate_threads = 1;
	proc(f, 4)->dstate_since_ns = NOW_NS - 3 * NS;
	rebuild(f);
	CHECK(pa_view_next_class(&f->view, &f->table, &f->ctx, PA_ROW_ZOMBIE), "a zombie");
	CHECK_U(selected_pid(f), 21, "vim, skipping sshd that exited just now");
	CHECK(pa_view_next_class(&f->view, &f->table, &f->ctx, PA_ROW_ZOMBIE), "next zombie");
	CHECK_U(selected_pid(f), 31, "at");
	CHECK(pa_view_next_class(&f->view, &f->table, &f->ctx, PA_ROW_ZOMBIE), "wraps");
	CHECK_U(selected_pid(f), 21, "back to vim");
	CHECK(pa_view_next_class(&f->view, &f->table, &f->ctx, PA_ROW_DSTATE), "a D process");
	CHECK_U(selected_pid(f), 4, "rcu_gp, inside the kthreadd fold");
	CHECK(f->view.kthreads_open, "kthreadd opened for it");
	CHECK(!pa_view_next_class(&f->view, &f->table, &f->ctx, PA_ROW_STOPPED), "none stopped");
	CHECK_U(selected_pid(f), 4, "selection kept");
}

/* ---- classes ------------------------------------------------------------- */

static enum pa_row_class class_of(struct fixture *f, const struct pa_proc *p)
{
	struct pa_tree_row row = { .proc = p };

	return pa_view_row_class(&row, &f->ctx);
}

static void test_class_new_boundaries(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p = add_at(f, 5, 0, "x", "x", NOW_NS - PA_VIEW_NEW_NS);

	CHECK_I(class_of(f, p), PA_ROW_NORMAL, "exactly PA_VIEW_NEW_NS old: normal");
	f->ctx.now_ns = NOW_NS - 1;
	CHECK_I(class_of(f, p), PA_ROW_NEW, "1 ns younger: new");
	f->ctx.tracing_since_ns = p->start_ns + 1;
	CHECK_I(class_of(f, p), PA_ROW_NORMAL, "started before tracing: never new");
	f->ctx.tracing_since_ns = p->start_ns;
	CHECK_I(class_of(f, p), PA_ROW_NEW, "started when tracing began: new");
}

static void test_class_exit_boundaries(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p = add(f, 5, 0, "x", "x");

	pa_table_mark_exited(&f->table, p, 0, NOW_NS - PA_VIEW_ZOMBIE_NS + 1);
	CHECK_I(class_of(f, p), PA_ROW_EXITED, "unreaped just under PA_VIEW_ZOMBIE_NS: exited");
	p->exit_ns = NOW_NS - PA_VIEW_ZOMBIE_NS;
	CHECK_I(class_of(f, p), PA_ROW_ZOMBIE, "unreaped PA_VIEW_ZOMBIE_NS: zombie");
	p->exit_ns = NOW_NS + NS;
	CHECK_I(class_of(f, p), PA_ROW_EXITED, "an exit after now (clock skew): exited");
	p->exit_ns = NOW_NS - 10 * NS;
	pa_table_mark_reaped(&f->table, p, NOW_NS - NS);
	CHECK_I(class_of(f, p), PA_ROW_EXITED, "reaped: exited, however long it was a zombie");
}

static void test_class_precedence(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p = add_at(f, 5, 0, "x", "x", NOW_NS - MS); /* new */

	CHECK_I(class_of(f, p), PA_ROW_NEW, "new");
	p->state = 't';
	CHECK_I(class_of(f, p), PA_ROW_STOPPED, "stopped (t) over new");
	p->state = 'T';
	CHECK_I(class_of(f, p), PA_ROW_STOPPED, "stopped (T) over new");
	p->dstate_threads = 1;
	CHECK_I(class_of(f, p), PA_ROW_DSTATE, "D over stopped");
	pa_table_mark_exited(&f->table, p, 0, NOW_NS - 2 * NS);
	CHECK_I(class_of(f, p), PA_ROW_ZOMBIE, "zombie over D");
	p->exit_ns = NOW_NS;
	CHECK_I(class_of(f, p), PA_ROW_EXITED, "exited over D");
}

static void test_class_thread_rows(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p = add(f, 5, 0, "x", "x");
	struct pa_thread *th = pa_table_add_thread(&f->table, 6, 5, START_NS, "x", 'D');
	struct pa_tree_row row = { .proc = p, .thread = th };

	CHECK_I(pa_view_row_class(&row, &f->ctx), PA_ROW_DSTATE, "a thread in D");
	th->state = 'T';
	CHECK_I(pa_view_row_class(&row, &f->ctx), PA_ROW_STOPPED, "a stopped thread");
	th->state = 'S';
	CHECK_I(pa_view_row_class(&row, &f->ctx), PA_ROW_NORMAL, "an old sleeping thread");
	th->start_ns = NOW_NS - NS;
	CHECK_I(pa_view_row_class(&row, &f->ctx), PA_ROW_NEW, "a new thread");
}

/* ---- text ---------------------------------------------------------------- */

static void test_header(void **state)
{
	struct fixture *f = *state;

	pa_view_format_header(&f->out, 0);
	CHECK_STR(f->out.buf, "    PID S USER        AGE  CPU%  THR COMMAND", "column titles");
	sb_reset(&f->out);
	pa_view_format_header(&f->out, 12);
	CHECK_STR(f->out.buf, "    PID S US", "cut to 12 columns");
}

static void test_row_columns(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p;

	add_tree(f);
	p = proc(f, 22);
	p->sample.at_ns = NOW_NS - NS;
	p->sample.uid = 0;
	p->sample.cpu_permille = 1234;
	p->nr_threads = 4;
	proc(f, 23)->sample.at_ns = NOW_NS - NS;
	proc(f, 23)->sample.uid = NO_SUCH_UID;
	proc(f, 23)->state = 'R';
	rebuild(f);
	CHECK_STR(row_text(f, 1, 0), "      1 S -        15m00s     -    1 /sbin/init",
		  "a root, never sampled: no user, no CPU");
	CHECK_STR(row_text(f, 22, 0), "     22 S root     15m00s 123.4    4 | `-make -j4",
		  "user from the uid, CPU% with one decimal, ASCII connectors");
	CHECK_STR(row_text(f, 23, 0), "     23 R 54321    15m00s   0.0    1 |   `-cc -c x.c",
		  "a uid without a name is shown as a number");
	f->view.unicode = true;
	CHECK_STR(row_text(f, 23, 0), "     23 R 54321    15m00s   0.0    1 │   └─cc -c x.c",
		  "Unicode connectors");
	CHECK_STR(row_text(f, 2, 0), "      2 S -        15m00s     -    1 [kthreadd] [+2]",
		  "a kernel thread bracketed; folded children counted");
	proc(f, 23)->sample.uid = 4000000000u;
	CHECK_STR(row_text(f, 23, 0), "     23 R 40000000 15m00s   0.0    1 │   └─cc -c x.c",
		  "a long user cut to 8 columns");
}

static void test_row_age(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint64_t age_ns;
		const char *want;
	} cases[] = {
		{ 850 * MS, "850ms" },
		{ 12 * NS + 999 * MS, "12s" },
		{ 245 * NS, "4m05s" },
		{ (2 * 3600 + 13 * 60 + 59) * NS, "2h13m" },
		{ (3 * 86400 + 4 * 3600 + 59 * 60) * NS, "3d04h" },
		{ 0, "0ms" },
	};
	char want[96];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->ctx.now_ns = START_NS + cases[i].age_ns;
		if (!i) {
			add(f, 5, 0, "x", "x");
			rebuild(f);
		}
		snprintf(want, sizeof(want), "      5 S -        %6s     -    1 x", cases[i].want);
		CHECK_STR(row_text(f, 5, 0), want, cases[i].want);
	}
	f->ctx.now_ns = START_NS - NS;
	CHECK_STR(row_text(f, 5, 0), "      5 S -           0ms     -    1 x", "a start after now");
}

static void test_row_command_fallbacks(void **state)
{
	struct fixture *f = *state;

	add(f, 5, 0, "nocmd", NULL);
	add(f, 6, 0, "empty", "");
	add(f, 7, 0, "ev\x1bil", "printf '\x1b[2J'");
	add(f, 8, 0, "\x1b]0;x", NULL);
	rebuild(f);
	CHECK_STR(row_text(f, 5, 0), "      5 S -        15m00s     -    1 nocmd",
		  "no cmdline, not a kernel thread: comm, unbracketed");
	CHECK_STR(row_text(f, 6, 0), "      6 S -        15m00s     -    1 empty", "empty cmdline: comm");
	CHECK_STR(row_text(f, 7, 0), "      7 S -        15m00s     -    1 printf '\\x1b[2J'",
		  "cmdline escaped");
	CHECK_STR(row_text(f, 8, 0), "      8 S -        15m00s     -    1 \\x1b]0;x", "comm escaped");
}

static void test_row_marks(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *z, *d, *o, *idle;

	add(f, 1, 0, "init", "init");
	z = add(f, 5, 1, "z", "z");
	pa_table_mark_exited(&f->table, z, 0, NOW_NS - 12 * NS - 500 * MS);
	d = add(f, 6, 1, "d", "d");
	d->state = 'D';
	d->dstate_threads = 1;
	d->dstate_since_ns = NOW_NS - 3200 * MS;
	o = add(f, 7, 1, "o", "o");
	o->orphaned_from = 812;
	idle = add(f, 8, 1, "i", "i");
	idle->sample.at_ns = NOW_NS - NS;
	idle->sample.uid = 0;
	idle->sample.active_ns = NOW_NS - 5 * 60 * NS - 30 * NS;
	rebuild(f);
	CHECK_STR(row_text(f, 5, 0), "      5 Z -        15m00s     -    0 |-z zombie 12s",
		  "zombie with its age since exit");
	CHECK_STR(row_text(f, 6, 0), "      6 D -        15m00s     -    1 |-d D 3.20s",
		  "D with how long");
	d->dstate_threads = 3;
	CHECK_STR(row_text(f, 6, 0), "      6 D -        15m00s     -    1 |-d D 3.20s (3 threads)",
		  "D with its thread count");
	CHECK_STR(row_text(f, 7, 0), "      7 S -        15m00s     -    1 |-o (orphan of 812)", "orphan");
	CHECK_STR(row_text(f, 8, 0), "      8 S root     15m00s   0.0    1 `-i idle 5m", "idle");
	idle->sample.idle_since_start = true;
	CHECK_STR(row_text(f, 8, 0), "      8 S root     15m00s   0.0    1 `-i idle >=5m",
		  "idle since sampling began: a lower bound");
	f->view.unicode = true;
	CHECK_STR(row_text(f, 8, 0), "      8 S root     15m00s   0.0    1 └─i idle ≥5m", "Unicode ≥");
	idle->sample.active_ns = NOW_NS - PA_VIEW_IDLE_NS;
	CHECK_STR(row_text(f, 8, 0), "      8 S root     15m00s   0.0    1 └─i idle ≥1m", "idle exactly PA_VIEW_IDLE_NS");
	idle->sample.active_ns = NOW_NS - PA_VIEW_IDLE_NS + 1;
	CHECK_STR(row_text(f, 8, 0), "      8 S root     15m00s   0.0    1 └─i", "not idle long enough");
	idle->state = 'R';
	idle->sample.active_ns = NOW_NS - PA_VIEW_IDLE_NS;
	CHECK_STR(row_text(f, 8, 0), "      8 R root     15m00s   0.0    1 └─i", "only a sleeper is idle");
	idle->state = 'S';
	idle->sample.active_ns = 0;
	idle->sample.at_ns = NOW_NS;
	CHECK_STR(row_text(f, 8, 0), "      8 S root     15m00s   0.0    1 └─i", "never seen active: no mark");
	z->dstate_threads = 1; /* left from before it exited */
	z->dstate_since_ns = NOW_NS - 20 * NS;
	CHECK_STR(row_text(f, 5, 0), "      5 Z -        15m00s     -    0 ├─z zombie 12s",
		  "a dead process is not in D");
	z->exit_unseen = true;
	CHECK_STR(row_text(f, 5, 0), "      5 Z -        15m00s     -    0 ├─z zombie ≥12s",
		  "a zombie from the snapshot: age a lower bound");
	pa_table_mark_reaped(&f->table, z, NOW_NS - NS);
	CHECK_STR(row_text(f, 5, 0), "      5 X -        15m00s     -    0 ├─z", "reaped: X, no mark");
}

static void test_row_all_marks_in_order(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p;

	add(f, 1, 0, "init", "init");
	p = add_at(f, 5, 1, "p", "p", NOW_NS - 3 * 3600 * NS);
	add(f, 6, 5, "c", "c");
	p->dstate_threads = 2;
	p->dstate_since_ns = NOW_NS - 61 * NS;
	p->orphaned_from = 3;
	p->sample.at_ns = NOW_NS;
	p->sample.active_ns = NOW_NS - 2 * 3600 * NS;
	rebuild(f);
	select_pid(f, 5);
	pa_view_toggle_fold(&f->view, &f->table);
	CHECK_STR(row_text(f, 5, 0),
		  "      5 S root      3h00m   0.0    1 `-p D 1m01s (2 threads) (orphan of 3) idle 2h00m [+1]",
		  "D, orphan, idle, folded count, in that order");
}

static void test_row_width_utf8(void **state)
{
	struct fixture *f = *state;
	const char *prefix = "      5 S -        15m00s     -    1 ";

	add(f, 1, 0, "init", "init");
	add(f, 5, 1, "x", "caf\xc3\xa9 cr\xc3\xa8me");
	f->view.unicode = true;
	rebuild(f);
	CHECK_STR(row_text(f, 5, 0), "      5 S -        15m00s     -    1 └─café crème", "uncut");
	CHECK_U(strlen(prefix), 37, "the columns before the tree are 37 wide");
	CHECK_STR(row_text(f, 5, 43), "      5 S -        15m00s     -    1 └─café", "43 columns");
	CHECK_STR(row_text(f, 5, 42), "      5 S -        15m00s     -    1 └─caf", "42: never half a character");
	CHECK_STR(row_text(f, 5, 38), "      5 S -        15m00s     -    1 └", "38: cut inside the connector");
	CHECK_STR(row_text(f, 5, 7), "      5", "7");
	CHECK_STR(row_text(f, 5, 200), "      5 S -        15m00s     -    1 └─café crème", "wide screen");
}

static void test_row_appends(void **state)
{
	struct fixture *f = *state;

	add(f, 5, 0, "x", "x");
	rebuild(f);
	sb_puts(&f->out, "keep:");
	pa_view_format_row(&f->view, &f->out, &f->view.tree.rows[0], &f->ctx, 10);
	CHECK_STR(f->out.buf, "keep:      5 S ", "appended; the width counts only the row");
}

static void test_user_cache(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p = add(f, 5, 0, "x", "x");

	p->sample.at_ns = NOW_NS;
	p->sample.uid = 0;
	rebuild(f);
	CHECK(strstr(row_text(f, 5, 0), " root ") != NULL, "uid 0 is root");
	CHECK(f->view.users != NULL, "looked up once and kept");
	p->sample.uid = NO_SUCH_UID;
	CHECK(strstr(row_text(f, 5, 0), " 54321 ") != NULL, "unknown uid: its number");
	p->sample.uid = 0;
	CHECK(strstr(row_text(f, 5, 0), " root ") != NULL, "root again, from the cache");
	pa_view_forget_users(&f->view);
	CHECK(f->view.users == NULL, "forgotten");
	CHECK(strstr(row_text(f, 5, 0), " root ") != NULL, "looked up again");
}

static void test_status_line(void **state)
{
	struct fixture *f = *state;
	struct pa_view_status st = {
		.processes = 312, .threads = 1021, .zombies = 2, .dstate_threads = 1,
		.events_per_s = 1534, .lost = 0,
	};

	pa_view_format_status(&f->out, &st, 0);
	CHECK_STR(f->out.buf, "312 processes  1021 threads  2 zombies  1 in D  1534 events/s  0 lost",
		  "status");
	sb_reset(&f->out);
	st = (struct pa_view_status){ .processes = 1, .threads = 1, .zombies = 1, .lost = 7,
				      .message = "sent SIGTERM to 1234" };
	pa_view_format_status(&f->out, &st, 0);
	CHECK_STR(f->out.buf,
		  "1 process  1 thread  1 zombie  0 in D  0 events/s  7 lost  sent SIGTERM to 1234",
		  "singulars and a message");
	sb_reset(&f->out);
	pa_view_format_status(&f->out, &st, 20);
	CHECK_STR(f->out.buf, "1 process  1 thread ", "cut to 20 columns");
}

/* ---- detail pane --------------------------------------------------------- */

static const char *detail(struct fixture *f, const struct pa_proc *p, const struct pa_view_detail *d,
			  size_t width)
{
	sb_reset(&f->out);
	pa_view_format_detail(&f->out, p, d, &f->ctx, width);
	return f->out.len ? f->out.buf : "";
}

static void use_utc_clock(struct fixture *f, struct pa_clock *clock)
{
	setenv("TZ", "UTC", 1);
	tzset();
	clock->boot_to_wall_ns = (int64_t)WALL_AT_BOOT;
	f->ctx.clock = clock;
}

static void test_detail_live_process(void **state)
{
	struct fixture *f = *state;
	static const char *const frames[] = { "pipe_read", "vfs_read", "ksys_read" };
	struct pa_task_info task = { .state = 'S', .syscall = SYS_read, .args = { 3 } };
	struct pa_view_detail d = { .task = &task, .have_times = true, .frames = frames, .nr_frames = 3 };
	struct pa_clock clock;
	struct pa_proc *p;

	use_utc_clock(f, &clock);
	snprintf(task.wchan, sizeof(task.wchan), "pipe_read");
	d.times_ns[PA_T_RUNNING] = 1200 * MS;
	d.times_ns[PA_T_RUNNABLE] = 50 * MS;
	d.times_ns[PA_T_SLEEPING] = 181 * NS;
	add(f, 1, 0, "systemd", "/sbin/init");
	add(f, 512, 1, "sshd", "sshd");
	add(f, 900, 512, "bash", "-bash");
	p = add(f, 1000, 900, "make", "make");
	p->sample.at_ns = NOW_NS;
	p->sample.uid = 1000;
	pa_table_record_exec(p, NOW_NS - 3 * 60 * NS, "/bin/sh");
	pa_table_record_exec(p, NOW_NS - 2 * 60 * NS, "/usr/bin/make");
	CHECK_STR(detail(f, p, &d, 0),
		  "pid 1000 (make) started 01:45:00, 15m00s ago, uid 1000\n"
		  "ancestry: systemd(1) > sshd(512) > bash(900) > make(1000)\n"
		  "exec: /usr/bin/make 2m00s ago; /bin/sh 3m00s ago\n"
		  "time: on CPU 1.20s, runnable 50.0ms, sleeping 3m01s, D 0s\n"
		  "syscall: read(3, ...) wchan pipe_read\n"
		  "kernel stack:\n"
		  "  pipe_read\n"
		  "  vfs_read\n"
		  "  ksys_read\n",
		  "every line of a blocked reader");
	CHECK_STR(detail(f, p, &d, 24),
		  "pid 1000 (make) started \n"
		  "ancestry: systemd(1) > s\n"
		  "exec: /usr/bin/make 2m00\n"
		  "time: on CPU 1.20s, runn\n"
		  "syscall: read(3, ...) wc\n"
		  "kernel stack:\n"
		  "  pipe_read\n"
		  "  vfs_read\n"
		  "  ksys_read\n",
		  "each line cut to 24 columns");
	f->ctx.clock = NULL;
	p->sample.at_ns = 0;
	CHECK_STR(detail(f, p, NULL, 0),
		  "pid 1000 (make) started 15m00s ago\n"
		  "ancestry: systemd(1) > sshd(512) > bash(900) > make(1000)\n"
		  "exec: /usr/bin/make 2m00s ago; /bin/sh 3m00s ago\n",
		  "no clock, no sample, no /proc details");
	CHECK_STR(detail(f, NULL, &d, 0), "", "nothing selected");
}

static void test_detail_old_process_dated(void **state)
{
	struct fixture *f = *state;
	struct pa_clock clock;
	struct pa_proc *p = add_at(f, 5, 0, "x", "x", 1000 * NS);

	use_utc_clock(f, &clock);
	CHECK_STR(detail(f, p, NULL, 0),
		  "pid 5 (x) started 2023-11-14 22:30:00, 1d03h ago\n"
		  "ancestry: x(5)\n",
		  "a day or more ago: the date too");
}

static void test_detail_syscall_states(void **state)
{
	struct fixture *f = *state;
	struct pa_task_info task = { .syscall = PA_SYSCALL_RUNNING };
	struct pa_view_detail d = { .task = &task };
	struct pa_proc *p = add(f, 5, 0, "x", "x");
	const char *head = "pid 5 (x) started 15m00s ago\nancestry: x(5)\n";
	char want[256];

	snprintf(task.wchan, sizeof(task.wchan), "0");
	snprintf(want, sizeof(want), "%ssyscall: running in user space\n", head);
	CHECK_STR(detail(f, p, &d, 0), want, "on a CPU; wchan 0 left out");
	task.syscall = PA_SYSCALL_NONE;
	snprintf(task.wchan, sizeof(task.wchan), "do_signal_stop");
	snprintf(want, sizeof(want), "%ssyscall: not in a syscall wchan do_signal_stop\n", head);
	CHECK_STR(detail(f, p, &d, 0), want, "blocked outside a syscall");
	task.syscall = PA_SYSCALL_UNKNOWN;
	task.wchan[0] = '\0';
	snprintf(want, sizeof(want), "%ssyscall: unknown\n", head);
	CHECK_STR(detail(f, p, &d, 0), want, "unreadable");
	task.syscall = 100000;
	task.args[0] = 0x7ffc0000;
	snprintf(want, sizeof(want), "%ssyscall: #100000(0x7ffc0000, ...)\n", head);
	CHECK_STR(detail(f, p, &d, 0), want, "a number without a name; an address in hex");
}

static void test_detail_exited_orphan(void **state)
{
	struct fixture *f = *state;
	struct pa_view_detail d = { .have_times = true, .times_ns = { 9 * NS } };
	struct pa_proc *p;

	add(f, 1, 0, "init", "/sbin/init");
	p = add(f, 300, 1, "sleep", "sleep 99");
	p->orphaned_from = 812;
	pa_table_mark_exited(&f->table, p, 9 /* SIGKILL */, NOW_NS - 12 * NS);
	p->time_ns[PA_T_RUNNING] = 2 * MS;
	p->time_ns[PA_T_SLEEPING] = 30 * NS;
	CHECK_STR(detail(f, p, &d, 0),
		  "pid 300 (sleep) started 15m00s ago\n"
		  "ancestry: init(1) > sleep(300)\n"
		  "orphaned: previous parent 812, adopted by 1\n"
		  "exited 12s ago: killed by SIGKILL; not reaped\n"
		  "time: on CPU 2.0ms, runnable 0s, sleeping 30.00s, D 0s\n",
		  "an exited process: its own times, not the caller's");
	pa_table_mark_reaped(&f->table, p, NOW_NS - 2 * NS);
	p->exit_status = 1 << 8;
	CHECK(strstr(detail(f, p, &d, 0), "exited 12s ago: code 1; reaped 2s ago\n") != NULL,
	      "exit code and reap");
	p->exit_unseen = true;
	CHECK_STR(detail(f, p, &d, 0),
		  "pid 300 (sleep) started 15m00s ago\n"
		  "ancestry: init(1) > sleep(300)\n"
		  "orphaned: previous parent 812, adopted by 1\n"
		  "exited before tracing began, at least 12s ago; reaped 2s ago\n",
		  "exit not seen: no status, no times");
}

static void test_detail_exec_ring(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p = add(f, 5, 0, "x", "x");
	char name[16];

	for (int i = 1; i <= 6; i++) {
		snprintf(name, sizeof(name), "/bin/e%d", i);
		pa_table_record_exec(p, NOW_NS - (10 - i) * NS, name);
	}
	CHECK(strstr(detail(f, p, NULL, 0),
		     "exec: /bin/e6 4s ago; /bin/e5 5s ago; /bin/e4 6s ago; /bin/e3 7s ago; 2 earlier\n") !=
		      NULL,
	      "the 4 newest, newest first, and how many fell out of the ring");
}

static void test_detail_long_ancestry_and_escapes(void **state)
{
	struct fixture *f = *state;
	static const char *const frames[] = { "evil\x1b[2J" };
	struct pa_view_detail d = { .frames = frames, .nr_frames = 1 };
	struct pa_proc *p = NULL;
	const char *out;

	for (uint32_t i = 0; i < 20; i++)
		p = add(f, 100 + i, i ? 100 + i - 1 : 0, "p", "p");
	snprintf(p->comm, sizeof(p->comm), "b\x1b[1m");
	out = detail(f, p, &d, 0);
	CHECK(strstr(out,
		     "ancestry: ... > p(104) > p(105) > p(106) > p(107) > p(108) > p(109) > p(110) > "
		     "p(111) > p(112) > p(113) > p(114) > p(115) > p(116) > p(117) > p(118) > "
		     "b\\x1b[1m(119)\n") != NULL,
	      "the 16 nearest, the rest elided");
	CHECK(strstr(out, "pid 119 (b\\x1b[1m) started") == out, "comm escaped in the first line");
	CHECK(strstr(out, "kernel stack:\n  evil\\x1b[2J\n") != NULL, "frames escaped");
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_kernel_threads_folded_by_default),
		T(test_pid2_with_parent_not_folded),
		T(test_fold_hides_and_counts),
		T(test_fold_leaf_refused),
		T(test_nested_folds),
		T(test_pid_reuse_does_not_inherit_fold),
		T(test_pid_reuse_between_rebuilds),
		T(test_threads_shown),
		T(test_followed_only),
		T(test_empty_table),
		T(test_selection_survives_removal_above),
		T(test_selection_nearest_when_gone),
		T(test_selection_not_taken_by_reused_pid),
		T(test_selection_moves_to_folded_ancestor),
		T(test_selection_on_thread_row),
		T(test_moves_clamped),
		T(test_scroll_follows_moves),
		T(test_scroll_no_empty_lines_at_bottom),
		T(test_following_keeps_screen_line),
		T(test_find_by_pid_comm_cmdline),
		T(test_find_pid_is_exact),
		T(test_find_wraps),
		T(test_find_unfolds),
		T(test_next_zombie_and_d),
		T(test_class_new_boundaries),
		T(test_class_exit_boundaries),
		T(test_class_precedence),
		T(test_class_thread_rows),
		T(test_header),
		T(test_row_columns),
		T(test_row_age),
		T(test_row_command_fallbacks),
		T(test_row_marks),
		T(test_row_all_marks_in_order),
		T(test_row_width_utf8),
		T(test_row_appends),
		T(test_user_cache),
		T(test_status_line),
		T(test_detail_live_process),
		T(test_detail_old_process_dated),
		T(test_detail_syscall_states),
		T(test_detail_exited_orphan),
		T(test_detail_exec_ring),
		T(test_detail_long_ancestry_and_escapes),
	};
#undef T

	return cmocka_run_group_tests_name("tui_view", tests, NULL, NULL);
}
