// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tree: a synthetic table rendered to exact multi-line strings, ASCII and
 * Unicode: connectors, order by pid, --pid subtrees, column truncation,
 * kernel threads, thread counts and the depth cap; and the live view's
 * options: thread rows and folded subtrees with their hidden counts.
 */
#include <stdio.h>

#include "synth.h"

#include "proc_table.h"
#include "strbuf.h"
#include "tree.h"

#define START_NS 1000000000ULL

struct fixture {
	struct pa_table table;
	struct strbuf out;
};

static int setup(void **state)
{
	struct fixture *f = malloc(sizeof(*f));

	if (!f)
		return -1;
	pa_table_init(&f->table, "boot");
	sb_init(&f->out);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pa_table_free(&f->table);
	sb_free(&f->out);
	free(f);
	return 0;
}

/* cmdline NULL: unknown (a kernel thread, or a process /proc did not show). */
static struct pa_proc *add(struct fixture *f, uint32_t pid, uint32_t ppid, const char *comm,
			   char state, const char *cmdline)
{
	struct pa_proc_info info = {
		.pid = pid,
		.ppid = ppid,
		.start_ns = START_NS,
		.comm = comm,
		.state = state,
		.nr_threads = 1,
		.cmdline = cmdline,
	};
	struct pa_proc *p = pa_table_upsert(&f->table, &info);

	assert_non_null(p);
	return p;
}

static const char *render(struct fixture *f, bool unicode, bool followed_only, size_t width)
{
	struct pa_tree_opts o = { .followed_only = followed_only, .unicode = unicode, .width = width };

	sb_reset(&f->out);
	CHECK_I(pa_tree_render(&f->table, &o, &f->out), 0, "pa_tree_render");
	return f->out.buf ? f->out.buf : "";
}

/*
 * init,1
 *  |- sshd,10
 *  |- bash,20
 *  |   |- vim,21
 *  |   `- make,22 (3 threads)
 *  |       `- cc,23
 *  `- cron,30
 *      `- at,31
 * Inserted children first and out of pid order, then linked.
 */
static void add_small_tree(struct fixture *f)
{
	struct pa_proc *make;

	add(f, 31, 30, "at", 'S', "at now");
	add(f, 23, 22, "cc", 'R', "cc -c x.c");
	add(f, 30, 1, "cron", 'S', "/usr/sbin/cron -f");
	make = add(f, 22, 20, "make", 'S', "make -j4");
	make->nr_threads = 3;
	add(f, 21, 20, "vim", 'T', "vim notes");
	add(f, 20, 1, "bash", 'S', "-bash");
	add(f, 10, 1, "sshd", 'S', "/usr/sbin/sshd -D");
	add(f, 1, 0, "init", 'S', "/sbin/init");
	pa_table_link_orphans(&f->table);
}

static const char small_ascii[] =
	"init,1 S /sbin/init\n"
	"|-sshd,10 S /usr/sbin/sshd -D\n"
	"|-bash,20 S -bash\n"
	"| |-vim,21 T vim notes\n"
	"| `-make,22 S make -j4 {3 threads}\n"
	"|   `-cc,23 R cc -c x.c\n"
	"`-cron,30 S /usr/sbin/cron -f\n"
	"  `-at,31 S at now\n";

static const char small_unicode[] =
	"init,1 S /sbin/init\n"
	"├─sshd,10 S /usr/sbin/sshd -D\n"
	"├─bash,20 S -bash\n"
	"│ ├─vim,21 T vim notes\n"
	"│ └─make,22 S make -j4 {3 threads}\n"
	"│   └─cc,23 R cc -c x.c\n"
	"└─cron,30 S /usr/sbin/cron -f\n"
	"  └─at,31 S at now\n";

static void test_small_tree_ascii(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	CHECK_STR(render(f, false, false, 0), small_ascii, "ASCII tree");
}

static void test_small_tree_unicode(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	CHECK_STR(render(f, true, false, 0), small_unicode, "Unicode tree");
}

/* The same processes inserted top-down, in yet another order. */
static void test_sorted_by_pid_regardless_of_insert_order(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *make;

	add(f, 1, 0, "init", 'S', "/sbin/init");
	add(f, 30, 1, "cron", 'S', "/usr/sbin/cron -f");
	add(f, 20, 1, "bash", 'S', "-bash");
	make = add(f, 22, 20, "make", 'S', "make -j4");
	make->nr_threads = 3;
	add(f, 10, 1, "sshd", 'S', "/usr/sbin/sshd -D");
	add(f, 31, 30, "at", 'S', "at now");
	add(f, 23, 22, "cc", 'R', "cc -c x.c");
	add(f, 21, 20, "vim", 'T', "vim notes");
	CHECK_STR(render(f, false, false, 0), small_ascii, "top-down insert, same tree");
}

static void test_several_roots_sorted(void **state)
{
	struct fixture *f = *state;

	add(f, 300, 299, "orphan", 'S', "orphan");
	add(f, 2, 0, "kthreadd", 'S', NULL);
	add(f, 1, 0, "init", 'S', "/sbin/init");
	CHECK_STR(render(f, false, false, 0),
		  "init,1 S /sbin/init\n"
		  "[kthreadd],2 S\n"
		  "orphan,300 S orphan\n",
		  "roots by pid, an unknown parent makes a root");
}

static void test_empty_table(void **state)
{
	struct fixture *f = *state;

	CHECK_STR(render(f, true, false, 0), "", "no processes, no rows");
}

/* ---- selection ---------------------------------------------------------- */

static void test_followed_only(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	pa_table_follow_subtree(pa_table_find(&f->table, 20));
	CHECK_STR(render(f, false, true, 0),
		  "bash,20 S -bash\n"
		  "|-vim,21 T vim notes\n"
		  "`-make,22 S make -j4 {3 threads}\n"
		  "  `-cc,23 R cc -c x.c\n",
		  "the followed subtree, its top drawn as a root");
	CHECK_STR(render(f, false, false, 0), small_ascii, "without followed_only: everything");
}

static void test_followed_only_two_subtrees(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	pa_table_follow_subtree(pa_table_find(&f->table, 30));
	pa_table_follow_subtree(pa_table_find(&f->table, 21));
	CHECK_STR(render(f, true, true, 0),
		  "vim,21 T vim notes\n"
		  "cron,30 S /usr/sbin/cron -f\n"
		  "└─at,31 S at now\n",
		  "two followed subtrees, by pid");
}

static void test_followed_only_nothing_followed(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	CHECK_STR(render(f, false, true, 0), "", "nothing followed, nothing drawn");
}

/* ---- rows --------------------------------------------------------------- */

/* kthreadd (pid 2) and its children are kernel threads, shown as ps
 * shows them; a process merely without a command line is not one. */
static void test_kernel_threads_bracketed(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *zombie, *execd;

	add(f, 2, 0, "kthreadd", 'S', NULL);
	add(f, 3, 2, "kworker/0:1", 'I', NULL);
	add(f, 4, 2, "rcu_gp", 'I', "");
	zombie = add(f, 40, 0, "gone", 'S', NULL);
	pa_table_mark_exited(&f->table, zombie, 0, START_NS + 1);
	execd = add(f, 41, 0, "fresh", 'R', NULL);
	pa_table_record_exec(execd, START_NS + 2, "/bin/fresh");
	add(f, 42, 0, "nocmd", 'S', NULL);
	CHECK_STR(render(f, false, false, 0),
		  "[kthreadd],2 S\n"
		  "|-[kworker/0:1],3 I\n"
		  "`-[rcu_gp],4 I\n"
		  "gone,40 Z\n"
		  "fresh,41 R\n"
		  "nocmd,42 S\n",
		  "brackets for kthreadd's family only");
}

static void test_empty_cmdline_not_printed(void **state)
{
	struct fixture *f = *state;

	add(f, 5, 0, "zeroed", 'S', "");
	CHECK_STR(render(f, false, false, 0), "zeroed,5 S\n", "empty cmdline: no trailing space");
}

static void test_threads_suffix(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *one = add(f, 5, 0, "single", 'S', "single");
	struct pa_proc *many = add(f, 6, 0, "java", 'S', "java -jar x");
	struct pa_proc *quiet = add(f, 7, 0, "quiet", 'S', NULL);

	one->nr_threads = 1;
	many->nr_threads = 42;
	quiet->nr_threads = 2;
	CHECK_STR(render(f, false, false, 0),
		  "single,5 S single\n"
		  "java,6 S java -jar x {42 threads}\n"
		  "quiet,7 S {2 threads}\n",
		  "{N threads} only above one");
}

/* An orphan (its parent exited, the kernel moved it) says whose it was. */
static void test_orphan_marked(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *orphan;

	add(f, 1, 0, "init", 'S', "/sbin/init");
	orphan = add(f, 300, 1, "sleep", 'S', "sleep 99");
	orphan->orphaned_from = 200;
	orphan->nr_threads = 2;
	add(f, 301, 1, "other", 'S', "other");
	CHECK_STR(render(f, false, false, 0),
		  "init,1 S /sbin/init\n"
		  "|-sleep,300 S sleep 99 {2 threads} (orphan of 200)\n"
		  "`-other,301 S other\n",
		  "(orphan of N) after the thread count, only on the orphan");
}

static void test_controls_escaped(void **state)
{
	struct fixture *f = *state;

	add(f, 5, 0, "ev\x1bil", 'S', "printf '\x1b[2J'");
	CHECK_STR(render(f, false, false, 0), "ev\\x1bil,5 S printf '\\x1b[2J'\n",
		  "comm and cmdline escaped, not quoted");
}

/* ---- width -------------------------------------------------------------- */

static void test_width_ascii(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	CHECK_STR(render(f, false, false, 12),
		  "init,1 S /sb\n"
		  "|-sshd,10 S \n"
		  "|-bash,20 S \n"
		  "| |-vim,21 T\n"
		  "| `-make,22 \n"
		  "|   `-cc,23 \n"
		  "`-cron,30 S \n"
		  "  `-at,31 S \n",
		  "12 columns");
}

/* Connectors are 3 bytes and 1 column each: truncation counts columns. */
static void test_width_unicode_counts_columns(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	CHECK_STR(render(f, true, false, 12),
		  "init,1 S /sb\n"
		  "├─sshd,10 S \n"
		  "├─bash,20 S \n"
		  "│ ├─vim,21 T\n"
		  "│ └─make,22 \n"
		  "│   └─cc,23 \n"
		  "└─cron,30 S \n"
		  "  └─at,31 S \n",
		  "12 columns, not 12 bytes");
}

static void test_width_never_splits_a_character(void **state)
{
	struct fixture *f = *state;

	add(f, 5, 0, "x", 'S', "caf\xc3\xa9 cr\xc3\xa8me");
	CHECK_STR(render(f, false, false, 10), "x,5 S caf\xc3\xa9\n", "cut after the 10th column");
	CHECK_STR(render(f, false, false, 9), "x,5 S caf\n", "cut before a 2-byte character");
}

static void test_width_wider_than_row(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	CHECK_STR(render(f, true, false, 200), small_unicode, "a wide terminal cuts nothing");
}

/* ---- depth -------------------------------------------------------------- */

#define CHAIN_LEN (PA_TREE_MAX_DEPTH + 6)

static void add_chain(struct fixture *f)
{
	for (uint32_t i = 0; i < CHAIN_LEN; i++)
		add(f, 1000 + i, i ? 1000 + i - 1 : 0, "p", 'S', "c");
}

static void test_depth_capped_rows(void **state)
{
	struct fixture *f = *state;
	struct pa_tree_opts o = { 0 };
	struct pa_tree tree;
	char label[48];

	add_chain(f);
	pa_tree_init(&tree);
	CHECK_I(pa_tree_flatten(&f->table, &o, &tree), 0, "flatten");
	CHECK_U(tree.count, CHAIN_LEN, "one row per process");
	for (uint32_t i = 0; i < CHAIN_LEN; i++) {
		snprintf(label, sizeof(label), "depth of row %u", i);
		CHECK_U(tree.rows[i].depth, i < PA_TREE_MAX_DEPTH ? i : PA_TREE_MAX_DEPTH, label);
		CHECK_U(tree.rows[i].proc->pid, 1000 + i, "rows in chain order");
		CHECK(tree.rows[i].last, "an only child is the last child");
	}
	pa_tree_free(&tree);
}

static void test_depth_capped_drawing(void **state)
{
	struct fixture *f = *state;
	struct strbuf want;
	const char *out, *line;
	char row[32];

	add_chain(f);
	out = render(f, false, false, 0);
	/* Every row from depth PA_TREE_MAX_DEPTH on is drawn the same. */
	sb_init(&want);
	for (int d = 1; d < PA_TREE_MAX_DEPTH; d++)
		sb_puts(&want, "  ");
	snprintf(row, sizeof(row), "`-p,%u S c\n", 1000 + CHAIN_LEN - 1);
	sb_puts(&want, row);
	line = strstr(out, want.buf);
	CHECK(line != NULL, "the deepest row is indented PA_TREE_MAX_DEPTH levels");
	CHECK(line > out && line[-1] == '\n', "a whole line");
	CHECK_STR(line, want.buf, "the deepest row is the last line");
	snprintf(row, sizeof(row), "`-p,%u S c\n", 1000 + PA_TREE_MAX_DEPTH);
	sb_reset(&want);
	for (int d = 1; d < PA_TREE_MAX_DEPTH; d++)
		sb_puts(&want, "  ");
	sb_puts(&want, row);
	CHECK(strstr(out, want.buf) != NULL, "the first capped row has the same indent");
	sb_free(&want);
}

/* ---- flatten ------------------------------------------------------------ */

static void test_flatten_fields(void **state)
{
	struct fixture *f = *state;
	struct pa_tree_opts o = { 0 };
	struct pa_tree tree;
	static const struct {
		uint32_t pid;
		uint16_t depth;
		bool last;
		uint64_t more;
	} want[] = {
		{ 1, 0, true, 0 },   { 10, 1, false, 0 }, { 20, 1, false, 0 }, { 21, 2, false, 1 },
		{ 22, 2, true, 1 },  { 23, 3, true, 1 },  { 30, 1, true, 0 },  { 31, 2, true, 0 },
	};
	char label[48];

	add_small_tree(f);
	pa_tree_init(&tree);
	CHECK_I(pa_tree_flatten(&f->table, &o, &tree), 0, "flatten");
	CHECK_U(tree.count, sizeof(want) / sizeof(want[0]), "rows");
	for (size_t i = 0; i < tree.count; i++) {
		snprintf(label, sizeof(label), "row %zu: pid", i);
		CHECK_U(tree.rows[i].proc->pid, want[i].pid, label);
		snprintf(label, sizeof(label), "row %zu: depth", i);
		CHECK_U(tree.rows[i].depth, want[i].depth, label);
		snprintf(label, sizeof(label), "row %zu: last", i);
		CHECK_U(tree.rows[i].last, want[i].last, label);
		snprintf(label, sizeof(label), "row %zu: more", i);
		CHECK_U(tree.rows[i].more, want[i].more, label);
	}
	/* A second flatten into the same tree starts over. */
	CHECK_I(pa_tree_flatten(&f->table, &o, &tree), 0, "flatten again");
	CHECK_U(tree.count, sizeof(want) / sizeof(want[0]), "rows after reuse");
	pa_tree_free(&tree);
}

/* ---- threads and folds (the live view's options) ------------------------ */

static void add_threads(struct fixture *f)
{
	/* make's two threads, inserted out of tid order, and one of at's. */
	assert_non_null(pa_table_add_thread(&f->table, 26, 22, START_NS, "worker", 'R'));
	assert_non_null(pa_table_add_thread(&f->table, 25, 22, START_NS, "worker", 'S'));
	assert_non_null(pa_table_add_thread(&f->table, 32, 31, START_NS, "at\x1b", 'D'));
}

static void test_threads_not_shown_by_default(void **state)
{
	struct fixture *f = *state;

	add_small_tree(f);
	add_threads(f);
	CHECK_STR(render(f, false, false, 0), small_ascii, "the --once tree has no thread rows");
}

static void test_thread_rows(void **state)
{
	struct fixture *f = *state;
	struct pa_tree_opts o = { .unicode = true, .threads = true };

	add_small_tree(f);
	add_threads(f);
	sb_reset(&f->out);
	CHECK_I(pa_tree_render(&f->table, &o, &f->out), 0, "render");
	CHECK_STR(f->out.buf,
		  "init,1 S /sbin/init\n"
		  "├─sshd,10 S /usr/sbin/sshd -D\n"
		  "├─bash,20 S -bash\n"
		  "│ ├─vim,21 T vim notes\n"
		  "│ └─make,22 S make -j4 {3 threads}\n"
		  "│   ├─{worker},25 S\n"
		  "│   ├─{worker},26 R\n"
		  "│   └─cc,23 R cc -c x.c\n"
		  "└─cron,30 S /usr/sbin/cron -f\n"
		  "  └─at,31 S at now\n"
		  "    └─{at\\x1b},32 D\n",
		  "threads by tid before the child processes; the last row closes the branch");
}

static void test_thread_row_fields(void **state)
{
	struct fixture *f = *state;
	struct pa_tree_opts o = { .threads = true };
	struct pa_tree tree;

	add_small_tree(f);
	add_threads(f);
	pa_tree_init(&tree);
	CHECK_I(pa_tree_flatten(&f->table, &o, &tree), 0, "flatten");
	CHECK_U(tree.count, 11, "8 processes, 3 threads");
	CHECK(tree.rows[4].thread == NULL, "make's own row is a process row");
	CHECK(tree.rows[5].thread != NULL, "then a thread row");
	CHECK_U(tree.rows[5].thread->tid, 25, "tid 25 first");
	CHECK_U(tree.rows[5].proc->pid, 22, "a thread row names its process");
	CHECK_U(tree.rows[5].depth, 3, "one deeper than its process");
	CHECK(!tree.rows[5].last, "not last: a thread and a child follow");
	CHECK(!tree.rows[6].last, "not last: cc follows");
	CHECK_U(tree.rows[7].proc->pid, 23, "cc after the threads");
	CHECK(tree.rows[10].last, "at's only thread is last");
	pa_tree_free(&tree);
}

static bool fold_pids(const struct pa_proc *p, void *ctx)
{
	const uint32_t *pids = ctx;

	for (; *pids; pids++) {
		if (*pids == p->pid)
			return true;
	}
	return false;
}

static void test_folded_rows(void **state)
{
	struct fixture *f = *state;
	uint32_t folded[] = { 20, 31, 0 };
	struct pa_tree_opts o = { .folded = fold_pids, .ctx = folded };
	struct pa_tree tree;

	add_small_tree(f);
	sb_reset(&f->out);
	CHECK_I(pa_tree_render(&f->table, &o, &f->out), 0, "render");
	CHECK_STR(f->out.buf,
		  "init,1 S /sbin/init\n"
		  "|-sshd,10 S /usr/sbin/sshd -D\n"
		  "|-bash,20 S -bash [+3]\n"
		  "`-cron,30 S /usr/sbin/cron -f\n"
		  "  `-at,31 S at now\n",
		  "bash's three descendants hidden and counted; a folded leaf hides nothing");
	pa_tree_init(&tree);
	CHECK_I(pa_tree_flatten(&f->table, &o, &tree), 0, "flatten");
	CHECK_U(tree.rows[2].hidden, 3, "hidden under bash");
	CHECK_U(tree.rows[4].hidden, 0, "nothing under at");
	folded[0] = 1;
	CHECK_I(pa_tree_flatten(&f->table, &o, &tree), 0, "flatten");
	CHECK_U(tree.count, 1, "init folded: one row");
	CHECK_U(tree.rows[0].hidden, 7, "everything else under it");
	pa_tree_free(&tree);
}

static void test_folded_counts_followed_only(void **state)
{
	struct fixture *f = *state;
	uint32_t folded[] = { 20, 0 };
	struct pa_tree_opts o = { .followed_only = true, .folded = fold_pids, .ctx = folded };

	add_small_tree(f);
	pa_table_follow_subtree(pa_table_find(&f->table, 20));
	pa_table_find(&f->table, 23)->followed = false;
	sb_reset(&f->out);
	CHECK_I(pa_tree_render(&f->table, &o, &f->out), 0, "render");
	CHECK_STR(f->out.buf, "bash,20 S -bash [+2]\n", "only followed processes are counted");
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_small_tree_ascii),
		T(test_small_tree_unicode),
		T(test_sorted_by_pid_regardless_of_insert_order),
		T(test_several_roots_sorted),
		T(test_empty_table),
		T(test_followed_only),
		T(test_followed_only_two_subtrees),
		T(test_followed_only_nothing_followed),
		T(test_kernel_threads_bracketed),
		T(test_empty_cmdline_not_printed),
		T(test_threads_suffix),
		T(test_orphan_marked),
		T(test_controls_escaped),
		T(test_width_ascii),
		T(test_width_unicode_counts_columns),
		T(test_width_never_splits_a_character),
		T(test_width_wider_than_row),
		T(test_depth_capped_rows),
		T(test_depth_capped_drawing),
		T(test_flatten_fields),
		T(test_threads_not_shown_by_default),
		T(test_thread_rows),
		T(test_thread_row_fields),
		T(test_folded_rows),
		T(test_folded_counts_followed_only),
	};
#undef T

	return cmocka_run_group_tests_name("tree", tests, NULL, NULL);
}
