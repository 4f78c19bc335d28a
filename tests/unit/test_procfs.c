// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The /proc reader against fake proc trees built in a temporary directory,
 * and once against the real /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_proc.h"
#include "fake_tree.h"
#include "procfs.h"
#include "sink.h" /* pa_sig_disposition_name() */
#include "syscall_names.h"

#define NS_PER_TICK (1000000000ULL / PA_USER_HZ)

struct fake_proc {
	uint32_t pid;
	uint32_t ppid;
	const char *comm;
	char state;
	uint32_t nr_threads; /* 0: 1 */
	uint64_t ticks;
	const char *const *argv; /* NULL: a kernel thread's empty cmdline */
};

/* ---- the fake tree ------------------------------------------------------ */

static void fake_path(const struct proc_fixture *f, char *buf, size_t size, const char *rel)
{
	fake_tree_path(f->root, buf, size, rel);
}

static void write_file(const struct proc_fixture *f, const char *rel, const void *data, size_t len)
{
	fake_tree_write(f->root, rel, data, len);
}

static void write_text(const struct proc_fixture *f, const char *rel, const char *text)
{
	fake_tree_write(f->root, rel, text, strlen(text));
}

static void make_dir(const struct proc_fixture *f, const char *rel)
{
	fake_tree_mkdir(f->root, rel);
}

/* A stat line shaped like the kernel's: 52 fields; its own session, no tty. */
static void format_stat(char *buf, size_t size, uint32_t pid, const char *comm, char state,
			uint32_t ppid, uint32_t nr_threads, uint64_t ticks)
{
	fake_stat_line(buf, size, pid, comm, state, ppid, pid, 0, nr_threads, ticks);
}

static void write_stat(const struct proc_fixture *f, const char *rel, uint32_t pid, const char *comm,
		       char state, uint32_t ppid, uint32_t nr_threads, uint64_t ticks)
{
	char line[512];

	format_stat(line, sizeof(line), pid, comm, state, ppid, nr_threads, ticks);
	write_text(f, rel, line);
}

/* argv as the kernel shows it: every string followed by its NUL. */
static void write_argv(const struct proc_fixture *f, uint32_t pid, const char *const *argv)
{
	char rel[64], data[8192];
	size_t len = 0;

	for (; argv && *argv; argv++) {
		size_t n = strlen(*argv) + 1;

		assert_true(len + n <= sizeof(data));
		memcpy(data + len, *argv, n);
		len += n;
	}
	snprintf(rel, sizeof(rel), "%u/cmdline", pid);
	write_file(f, rel, data, len);
}

static void add_proc(const struct proc_fixture *f, const struct fake_proc *fp)
{
	uint32_t nr_threads = fp->nr_threads ? fp->nr_threads : 1;
	char rel[64];

	snprintf(rel, sizeof(rel), "%u/stat", fp->pid);
	write_stat(f, rel, fp->pid, fp->comm, fp->state, fp->ppid, nr_threads, fp->ticks);
	/* The leader is listed under task/ too, as in the kernel. */
	snprintf(rel, sizeof(rel), "%u/task/%u/stat", fp->pid, fp->pid);
	write_stat(f, rel, fp->pid, fp->comm, fp->state, fp->ppid, nr_threads, fp->ticks);
	write_argv(f, fp->pid, fp->argv);
}

static void add_thread(const struct proc_fixture *f, uint32_t pid, uint32_t tid, const char *comm,
		       char state, uint64_t ticks)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%u/task/%u/stat", pid, tid);
	write_stat(f, rel, tid, comm, state, 1, 1, ticks);
}

static void rm_rel(const struct proc_fixture *f, const char *rel)
{
	char path[PATH_MAX];

	fake_path(f, path, sizeof(path), rel);
	fake_tree_rm(path);
}

static struct pa_proc *must_find(const struct proc_fixture *f, uint32_t pid)
{
	struct pa_proc *p = pa_table_find(&f->t, pid);

	if (!p)
		fail_msg("pid %u: expected in the table, not found", pid);
	return p;
}

static bool is_child(const struct pa_proc *parent, const struct pa_proc *child)
{
	const struct pa_proc *c;

	TAILQ_FOREACH(c, &parent->children, sibling) {
		if (c == child)
			return true;
	}
	return false;
}

static unsigned int nr_children(const struct pa_proc *p)
{
	const struct pa_proc *c;
	unsigned int n = 0;

	TAILQ_FOREACH(c, &p->children, sibling)
		n++;
	return n;
}

/* ---- snapshot ----------------------------------------------------------- */

static void test_snapshot_fields(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p;

	add_proc(f, &(struct fake_proc){ 1, 0, "init", 'S', 1, 5,
					 (const char *const[]){ "/sbin/init", "splash", NULL } });
	add_proc(f, &(struct fake_proc){ 42, 1, "bash", 'R', 1, 123456,
					 (const char *const[]){ "bash", "-c", "echo hi", NULL } });

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 2);
	p = must_find(f, 42);
	assert_int_equal(p->pid, 42);
	assert_int_equal(p->ppid, 1);
	assert_int_equal(p->state, 'R');
	assert_string_equal(p->comm, "bash");
	assert_int_equal(p->start_ns, 123456 * NS_PER_TICK);
	assert_int_equal(p->nr_threads, 1);
	assert_non_null(p->cmdline);
	assert_string_equal(p->cmdline, "bash -c echo hi");
	assert_false(p->cmdline_truncated);
	assert_true(p->seen);
	assert_false(p->exited);
	assert_string_equal(must_find(f, 1)->cmdline, "/sbin/init splash");
}

/* procfs.c converts ticks with PA_USER_HZ, proc_table.c back with its own
 * constant: identities only match if the two agree. */
static void test_user_hz_agrees_with_table(void **state)
{
	struct proc_fixture *f = *state;
	const uint64_t ticks = 987654321;
	struct pa_proc *p;

	add_proc(f, &(struct fake_proc){ 7, 1, "x", 'S', 1, ticks, NULL });
	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 1);
	p = must_find(f, 7);
	assert_int_equal(p->start_ticks, ticks);
	assert_int_equal(pa_ns_to_ticks(p->start_ns), ticks);
	assert_ptr_equal(pa_table_find_identity(&f->t, 7, ticks * NS_PER_TICK + 1234), p);
}

static void test_comm_with_spaces_and_parens(void **state)
{
	struct proc_fixture *f = *state;

	add_proc(f, &(struct fake_proc){ 10, 1, "a) (b c", 'S', 1, 1, NULL });
	add_proc(f, &(struct fake_proc){ 11, 1, ") )", 'S', 1, 1, NULL });
	add_proc(f, &(struct fake_proc){ 12, 1, "", 'S', 1, 1, NULL });
	/* Kernel threads show names longer than TASK_COMM_LEN. */
	add_proc(f, &(struct fake_proc){ 13, 2, "kworker/u8:3-events_unbound", 'I', 1, 1, NULL });

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 4);
	assert_string_equal(must_find(f, 10)->comm, "a) (b c");
	assert_int_equal(must_find(f, 10)->state, 'S');
	assert_int_equal(must_find(f, 10)->ppid, 1);
	assert_string_equal(must_find(f, 11)->comm, ") )");
	assert_string_equal(must_find(f, 12)->comm, "");
	assert_string_equal(must_find(f, 13)->comm, "kworker/u8:3-ev");
	assert_int_equal(must_find(f, 13)->state, 'I');
}

static void test_kernel_thread_has_no_cmdline(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p;

	add_proc(f, &(struct fake_proc){ 2, 0, "kthreadd", 'S', 1, 0, NULL });
	add_proc(f, &(struct fake_proc){ 3, 2, "rcu_gp", 'I', 1, 0, NULL });

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 2);
	p = must_find(f, 3);
	assert_null(p->cmdline);
	assert_false(p->cmdline_truncated);
	assert_null(must_find(f, 2)->cmdline);
	assert_ptr_equal(p->parent, must_find(f, 2));
}

static void test_cmdline_join(void **state)
{
	struct proc_fixture *f = *state;
	/* setproctitle() rewrites argv in place and pads it with NULs. */
	static const char title[] = "nginx: worker process\0\0\0\0\0\0";

	add_proc(f, &(struct fake_proc){ 20, 1, "x", 'S', 1, 1,
					 (const char *const[]){ "a", "b c", "", "d", NULL } });
	add_proc(f, &(struct fake_proc){ 21, 1, "nginx", 'S', 1, 1, NULL });
	write_file(f, "21/cmdline", title, sizeof(title) - 1);

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 2);
	assert_string_equal(must_find(f, 20)->cmdline, "a b c  d");
	assert_string_equal(must_find(f, 21)->cmdline, "nginx: worker process");
}

static void test_cmdline_truncated(void **state)
{
	struct proc_fixture *f = *state;
	static char long_arg[5000], exact_arg[PA_PROCFS_CMDLINE_MAX];
	struct pa_proc *p;

	memset(long_arg, 'x', sizeof(long_arg) - 1);
	/* With its NUL, exactly the cap: nothing is lost. */
	memset(exact_arg, 'y', sizeof(exact_arg) - 1);
	add_proc(f, &(struct fake_proc){ 30, 1, "long", 'S', 1, 1,
					 (const char *const[]){ "prog", long_arg, NULL } });
	add_proc(f, &(struct fake_proc){ 31, 1, "exact", 'S', 1, 1,
					 (const char *const[]){ exact_arg, NULL } });

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 2);
	p = must_find(f, 30);
	assert_true(p->cmdline_truncated);
	assert_int_equal(strlen(p->cmdline), PA_PROCFS_CMDLINE_MAX);
	assert_memory_equal(p->cmdline, "prog xxx", 8);
	p = must_find(f, 31);
	assert_false(p->cmdline_truncated);
	assert_int_equal(strlen(p->cmdline), PA_PROCFS_CMDLINE_MAX - 1);
}

static void test_threads_added(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_thread *th;

	add_proc(f, &(struct fake_proc){ 100, 1, "server", 'S', 4, 50,
					 (const char *const[]){ "server", NULL } });
	add_thread(f, 100, 101, "worker 1", 'S', 60);
	add_thread(f, 100, 102, "worker)2", 'R', 70);
	make_dir(f, "100/task/103"); /* exited between listing and reading */
	add_proc(f, &(struct fake_proc){ 200, 1, "single", 'S', 1, 80, NULL });

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 2);
	assert_int_equal(must_find(f, 100)->nr_threads, 4);
	th = pa_table_find_thread(&f->t, 101);
	assert_non_null(th);
	assert_int_equal(th->tgid, 100);
	assert_int_equal(th->start_ns, 60 * NS_PER_TICK);
	assert_string_equal(th->comm, "worker 1");
	assert_int_equal(th->state, 'S');
	th = pa_table_find_thread(&f->t, 102);
	assert_non_null(th);
	assert_string_equal(th->comm, "worker)2");
	assert_int_equal(th->state, 'R');
	assert_null(pa_table_find_thread(&f->t, 100)); /* leaders are not threads */
	assert_null(pa_table_find_thread(&f->t, 103));
	assert_null(pa_table_find_thread(&f->t, 200));
	assert_int_equal(HASH_COUNT(f->t.threads), 2);

	/* A second read refreshes, never duplicates. */
	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 2);
	assert_int_equal(HASH_COUNT(f->t.threads), 2);
	assert_int_equal(HASH_COUNT(f->t.procs), 2);
}

/* Children listed before and after their parents, by pid and by creation. */
static void test_parent_links_any_order(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *init, *p500, *p10, *p20;

	add_proc(f, &(struct fake_proc){ 10, 500, "child", 'S', 1, 30, NULL });
	add_proc(f, &(struct fake_proc){ 700, 10, "grandchild", 'S', 1, 40, NULL });
	add_proc(f, &(struct fake_proc){ 500, 1, "parent", 'S', 1, 20, NULL });
	add_proc(f, &(struct fake_proc){ 20, 1, "parent2", 'S', 1, 20, NULL });
	add_proc(f, &(struct fake_proc){ 40, 20, "c2", 'S', 1, 50, NULL });
	add_proc(f, &(struct fake_proc){ 30, 20, "c1", 'S', 1, 50, NULL });
	add_proc(f, &(struct fake_proc){ 1, 0, "init", 'S', 1, 1, NULL });

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 7);
	init = must_find(f, 1);
	p500 = must_find(f, 500);
	p10 = must_find(f, 10);
	p20 = must_find(f, 20);
	assert_null(init->parent);
	assert_ptr_equal(p500->parent, init);
	assert_ptr_equal(p10->parent, p500);
	assert_ptr_equal(must_find(f, 700)->parent, p10);
	assert_ptr_equal(p20->parent, init);
	assert_int_equal(nr_children(init), 2);
	assert_true(is_child(init, p500));
	assert_true(is_child(init, p20));
	assert_int_equal(nr_children(p500), 1);
	assert_true(is_child(p500, p10));
	assert_int_equal(nr_children(p20), 2);
	assert_true(is_child(p20, must_find(f, 30)));
	assert_true(is_child(p20, must_find(f, 40)));
}

static void test_malformed_stat_skipped(void **state)
{
	static const struct {
		uint32_t pid;
		const char *stat;
	} bad[] = {
		{ 11, "11 (x) S 1 11 11 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0" }, /* truncated */
		{ 12, "12 (x S 1 12 12 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 13, "13 (x) S abc 13 13 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 14, "" },
		{ 15, "99 (x) S 1 15 15 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 16, "16 (x) S -1 16 16 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 17, "17 (x) SS 1 17 17 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 18, "18 (x) S 1 18 18 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 "
		      "99999999999999999999999 0\n" },
		{ 19, "19 x S 1 19 19 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 20, "20 (x) S 1 20 20 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 x 0 5 0\n" },
		{ 21, "21 (x) S 1 21 21 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5" }, /* cut */
		{ 22, "(x) S 1 22 22 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 23, "23 (x) S 99999999999 23 23 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 24, "24 (x)  S 1 24 24 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n" },
		{ 25, "25 (x) S 1 25 25 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 1844674407370955162 0\n" },
	};
	static const char binary[] = "26 (\0\xff) \0 1\n\n\n";
	struct proc_fixture *f = *state;
	char rel[64];

	add_proc(f, &(struct fake_proc){ 10, 1, "good", 'S', 1, 5, NULL });
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		add_proc(f, &(struct fake_proc){ bad[i].pid, 1, "x", 'S', 1, 5, NULL });
		snprintf(rel, sizeof(rel), "%u/stat", bad[i].pid);
		write_text(f, rel, bad[i].stat);
	}
	add_proc(f, &(struct fake_proc){ 26, 1, "x", 'S', 1, 5, NULL });
	write_file(f, "26/stat", binary, sizeof(binary) - 1);

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 1);
	must_find(f, 10);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pa_table_find(&f->t, bad[i].pid))
			fail_msg("pid %u: malformed stat should be skipped", bad[i].pid);
	}
	assert_null(pa_table_find(&f->t, 26));
}

/* Cut a valid line at every length: it parses only when complete up to and
 * including the separator after starttime, and then with the right values. */
static void test_stat_cut_at_every_length(void **state)
{
	struct proc_fixture *f = *state;
	char line[512], rel[64];
	size_t len, need;
	uint32_t ppid;
	int rc;

	format_stat(line, sizeof(line), 77, "cut) me", 'S', 66, 1, 4321);
	len = strlen(line);
	need = strstr(line, " 4321 ") - line + strlen(" 4321 ");
	snprintf(rel, sizeof(rel), "%u/stat", 77);
	for (size_t cut = 0; cut <= len; cut++) {
		write_file(f, rel, line, cut);
		ppid = 0;
		rc = pa_procfs_read_ppid(f->root, 77, &ppid);
		if (cut >= need) {
			assert_int_equal(rc, 0);
			assert_int_equal(ppid, 66);
		} else if (rc != -EINVAL) {
			fail_msg("stat cut at %zu of %zu: want -EINVAL, got %d", cut, len, rc);
		}
	}
}

/* Random byte damage never crashes (ASan watches) and only yields 0 or -EINVAL. */
static void test_stat_random_damage(void **state)
{
	static const char alphabet[] = "()0123456789 \n\0-xZ\xff";
	struct proc_fixture *f = *state;
	char good[512], line[512];
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	uint32_t ppid;
	size_t len;
	int rc;

	format_stat(good, sizeof(good), 88, "fu zz", 'R', 1, 3, 999);
	len = strlen(good);
	for (int iter = 0; iter < 2000; iter++) {
		memcpy(line, good, len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			line[rng % len] = alphabet[(rng >> 32) % (sizeof(alphabet) - 1)];
		}
		write_file(f, "88/stat", line, len - (rng >> 40) % 8);
		rc = pa_procfs_read_ppid(f->root, 88, &ppid);
		if (rc != 0 && rc != -EINVAL)
			fail_msg("iteration %d: want 0 or -EINVAL, got %d", iter, rc);
	}
	write_argv(f, 88, NULL);
	assert_true(pa_procfs_snapshot(&f->t, f->root) >= 0);
}

static void test_vanished_pid_skipped(void **state)
{
	struct proc_fixture *f = *state;

	add_proc(f, &(struct fake_proc){ 10, 1, "good", 'S', 1, 5, NULL });
	write_text(f, "30/cmdline", "gone"); /* no stat: it exited */
	write_stat(f, "31/stat", 31, "half", 'S', 1, 1, 5); /* no cmdline any more */
	make_dir(f, "32");
	write_text(f, "55", "not a directory");
	make_dir(f, "self");
	make_dir(f, "sys/kernel");
	make_dir(f, "0");

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 1);
	must_find(f, 10);
	assert_null(pa_table_find(&f->t, 30));
	assert_null(pa_table_find(&f->t, 31));
	assert_null(pa_table_find(&f->t, 32));
	assert_null(pa_table_find(&f->t, 55));
	assert_int_equal(HASH_COUNT(f->t.procs), 1);
}

/* "007" names pid 7 too; only the canonical name counts. */
static void test_non_canonical_names_ignored(void **state)
{
	struct proc_fixture *f = *state;

	add_proc(f, &(struct fake_proc){ 7, 1, "seven", 'S', 1, 5, NULL });
	write_stat(f, "007/stat", 7, "impostor", 'S', 1, 1, 9);
	write_text(f, "007/cmdline", "");
	write_stat(f, "4294967296/stat", 0, "too big", 'S', 1, 1, 9);
	write_text(f, "4294967296/cmdline", "");

	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 1);
	assert_string_equal(must_find(f, 7)->comm, "seven");
	assert_int_equal(must_find(f, 7)->start_ticks, 5);
}

static void test_unreadable_root(void **state)
{
	struct proc_fixture *f = *state;
	char path[PATH_MAX];

	assert_int_equal(pa_procfs_snapshot(&f->t, "/nonexistent/pa-procfs"), -ENOENT);
	assert_int_equal(pa_procfs_resync(&f->t, "/nonexistent/pa-procfs"), -ENOENT);
	write_text(f, "file", "x");
	fake_path(f, path, sizeof(path), "file");
	assert_int_equal(pa_procfs_snapshot(&f->t, path), -ENOTDIR);
	assert_int_equal(HASH_COUNT(f->t.procs), 0);
}

/* ---- resync ------------------------------------------------------------- */

static void test_resync(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p;

	add_proc(f, &(struct fake_proc){ 1, 0, "init", 'S', 1, 1, NULL });
	add_proc(f, &(struct fake_proc){ 10, 1, "dies", 'S', 2, 10, NULL });
	add_thread(f, 10, 101, "dies-t", 'S', 11);
	add_proc(f, &(struct fake_proc){ 11, 1, "zombie", 'S', 1, 10, NULL });
	add_proc(f, &(struct fake_proc){ 12, 10, "orphan", 'S', 1, 12, NULL });
	add_proc(f, &(struct fake_proc){ 13, 1, "threads", 'S', 3, 13, NULL });
	add_thread(f, 13, 131, "t1", 'S', 14);
	add_thread(f, 13, 132, "t2", 'S', 15);
	add_proc(f, &(struct fake_proc){ 14, 1, "exiting", 'S', 1, 16,
					 (const char *const[]){ "exiting", "--now", NULL } });
	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 6);
	assert_int_equal(f->t.nr_live, 6);
	assert_ptr_equal(must_find(f, 12)->parent, must_find(f, 10));

	/* Events for 11's exit arrived; those for 10's exit, 13's thread
	 * exit and 20's fork were lost. 14 is a zombie nobody reported. */
	assert_true(pa_table_mark_exited(&f->t, must_find(f, 11), 0, 1000));
	rm_rel(f, "10");
	rm_rel(f, "11");
	write_stat(f, "12/stat", 12, "orphan", 'S', 1, 1, 12);
	write_stat(f, "13/stat", 13, "threads", 'S', 1, 2, 13);
	rm_rel(f, "13/task/132");
	write_stat(f, "14/stat", 14, "exiting", 'Z', 1, 1, 16);
	write_argv(f, 14, NULL);
	add_proc(f, &(struct fake_proc){ 20, 1, "new", 'R', 1, 20,
					 (const char *const[]){ "new", NULL } });

	assert_int_equal(pa_procfs_resync(&f->t, f->root), 1);
	assert_null(pa_table_find(&f->t, 10));
	p = must_find(f, 11);
	assert_true(p->exited);
	assert_false(p->seen);
	p = must_find(f, 12);
	assert_int_equal(p->ppid, 1);
	assert_ptr_equal(p->parent, must_find(f, 1));
	p = must_find(f, 14);
	assert_int_equal(p->state, 'Z');
	assert_string_equal(p->cmdline, "exiting --now");
	p = must_find(f, 20);
	assert_true(p->seen);
	assert_string_equal(p->cmdline, "new");
	assert_ptr_equal(p->parent, must_find(f, 1));
	assert_non_null(pa_table_find_thread(&f->t, 131));
	assert_null(pa_table_find_thread(&f->t, 132));
	assert_null(pa_table_find_thread(&f->t, 101));
	assert_int_equal(HASH_COUNT(f->t.procs), 6);
	assert_int_equal(f->t.nr_live, 5); /* 1 12 13 14 20 */

	/* Nothing more to do the second time. */
	assert_int_equal(pa_procfs_resync(&f->t, f->root), 0);
}

static void test_resync_pid_reused(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p;

	add_proc(f, &(struct fake_proc){ 50, 1, "old", 'S', 1, 100,
					 (const char *const[]){ "old", NULL } });
	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 1);
	add_proc(f, &(struct fake_proc){ 50, 1, "new", 'S', 1, 200,
					 (const char *const[]){ "new", NULL } });

	assert_int_equal(pa_procfs_resync(&f->t, f->root), 0);
	p = must_find(f, 50);
	assert_int_equal(p->start_ticks, 200);
	assert_string_equal(p->comm, "new");
	assert_string_equal(p->cmdline, "new");
	assert_int_equal(f->t.nr_replaced, 1);
}

static void test_resync_unreadable_root_removes_nothing(void **state)
{
	struct proc_fixture *f = *state;

	add_proc(f, &(struct fake_proc){ 10, 1, "a", 'S', 2, 1, NULL });
	add_thread(f, 10, 11, "a-t", 'S', 2);
	assert_int_equal(pa_procfs_snapshot(&f->t, f->root), 1);

	assert_int_equal(pa_procfs_resync(&f->t, "/nonexistent/pa-procfs"), -ENOENT);
	must_find(f, 10);
	assert_non_null(pa_table_find_thread(&f->t, 11));
}

/* ---- single reads ------------------------------------------------------- */

static void test_read_ppid(void **state)
{
	struct proc_fixture *f = *state;
	uint32_t ppid = 0;

	add_proc(f, &(struct fake_proc){ 40, 33, "a (b) c", 'S', 1, 1, NULL });
	write_text(f, "41/stat", "41 (x) S");

	assert_int_equal(pa_procfs_read_ppid(f->root, 40, &ppid), 0);
	assert_int_equal(ppid, 33);
	assert_int_equal(pa_procfs_read_ppid(f->root, 41, &ppid), -EINVAL);
	assert_int_equal(pa_procfs_read_ppid(f->root, 42, &ppid), -ENOENT);
}

static void test_read_boot_id(void **state)
{
	static const char id[] = "e120821b-06f7-463d-aba2-908c5081ca16";
	struct proc_fixture *f = *state;
	char buf[40], small[10];

	assert_int_equal(pa_procfs_read_boot_id(f->root, buf, sizeof(buf)), -ENOENT);
	write_text(f, "sys/kernel/random/boot_id", "");
	assert_int_equal(pa_procfs_read_boot_id(f->root, buf, sizeof(buf)), -EINVAL);
	write_text(f, "sys/kernel/random/boot_id", "e120821b-06f7-463d-aba2-908c5081ca16\n");
	assert_int_equal(pa_procfs_read_boot_id(f->root, buf, sizeof(buf)), 0);
	assert_string_equal(buf, id);
	assert_int_equal(pa_procfs_read_boot_id(f->root, small, sizeof(small)), -ERANGE);
	/* Exactly the room for the id and its NUL. */
	assert_int_equal(pa_procfs_read_boot_id(f->root, buf, sizeof(id)), 0);
	assert_string_equal(buf, id);
}

/* ---- inspect: what a process is doing ------------------------------------ */

static void write_stat_tty(const struct proc_fixture *f, uint32_t pid, char state, uint32_t ppid,
			   uint32_t session, uint32_t tty_nr)
{
	char rel[64], line[512];

	fake_stat_line(line, sizeof(line), pid, "srv", state, ppid, session, tty_nr, 1, 5);
	snprintf(rel, sizeof(rel), "%u/stat", pid);
	write_text(f, rel, line);
}

static void write_status(const struct proc_fixture *f, const struct fake_status *st)
{
	char rel[64], text[8192];

	fake_status_text(text, sizeof(text), st);
	snprintf(rel, sizeof(rel), "%u/status", st->pid);
	write_text(f, rel, text);
}

static void write_pid_file(const struct proc_fixture *f, uint32_t pid, const char *name, const char *text)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%u/%s", pid, name);
	write_text(f, rel, text);
}

static void remove_pid_file(const struct proc_fixture *f, uint32_t pid, const char *name)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%u/%s", pid, name);
	rm_rel(f, rel);
}

static struct pa_task_info must_inspect(const struct proc_fixture *f, uint32_t pid)
{
	struct pa_task_info info;
	int rc;

	memset(&info, 0xa5, sizeof(info));
	rc = pa_procfs_inspect(f->root, pid, &info);
	if (rc)
		fail_msg("pa_procfs_inspect(%u): %d, want 0", pid, rc);
	return info;
}

static void test_inspect_fields(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_task_info info;

	write_stat_tty(f, 500, 'S', 1, 480, FAKE_TTY_PTS0);
	write_pid_file(f, 500, "syscall",
		       "61 0xffffffff 0x7ffd4d0bfe5c 0x0 0x0 0x0 0x0 0x7ffd4d0bfe48 0x7f1c2e0e3a2a\n");
	write_pid_file(f, 500, "wchan", "do_wait");
	write_status(f, &(struct fake_status){ .pid = 500, .ppid = 1, .nspid = "500\t3",
					       .sig_cgt = FAKE_SIGCHLD_BIT });

	info = must_inspect(f, 500);
	assert_int_equal(info.state, 'S');
	assert_int_equal(info.ppid, 1);
	assert_int_equal(info.session, 480);
	assert_int_equal(info.tty_nr, FAKE_TTY_PTS0);
	assert_int_equal(info.syscall, 61);
	assert_string_equal(info.wchan, "do_wait");
	assert_int_equal(info.sigchld, PA_SIG_HANDLED);
	assert_int_equal(info.ns_pid, 3);
}

/* A daemon's stat: session == its pid, tty_nr 0. */
static void test_inspect_session_and_tty(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_task_info info;

	write_stat_tty(f, 600, 'S', 1, 600, 0);
	info = must_inspect(f, 600);
	assert_int_equal(info.session, 600);
	assert_int_equal(info.tty_nr, 0);
	write_stat_tty(f, 600, 'R', 1, 77, 1025);
	info = must_inspect(f, 600);
	assert_int_equal(info.state, 'R');
	assert_int_equal(info.session, 77);
	assert_int_equal(info.tty_nr, 1025);
}

static void test_inspect_syscall_variants(void **state)
{
	static const struct {
		const char *file; /* NULL: no syscall file */
		long want;
	} cases[] = {
		{ "running\n", PA_SYSCALL_RUNNING },
		{ "-1 0x7ffd4d0bff58 0x7f1c2e0e3a2a\n", PA_SYSCALL_NONE },
		{ "61 0x0 0x7ffd4d0bfe5c 0x0 0x0 0x0 0x0 0x7ffd4d0bfe48 0x7f1c2e0e3a2a\n", 61 },
		{ "0 0x3 0x7fba03ebe000 0x20000 0x0 0x0 0x0 0x7ffee458ced8 0x7fba040382ad\n", 0 },
		{ NULL, PA_SYSCALL_UNKNOWN },
		{ "", PA_SYSCALL_UNKNOWN },
		{ "garbage\n", PA_SYSCALL_UNKNOWN },
		{ "-2 0x0 0x0\n", PA_SYSCALL_UNKNOWN },
	};
	struct proc_fixture *f = *state;

	write_stat_tty(f, 500, 'S', 1, 500, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pa_task_info info;

		if (cases[i].file)
			write_pid_file(f, 500, "syscall", cases[i].file);
		else
			remove_pid_file(f, 500, "syscall");
		info = must_inspect(f, 500);
		if (info.syscall != cases[i].want)
			fail_msg("syscall file \"%s\": got %ld, want %ld",
				 cases[i].file ? cases[i].file : "(missing)", info.syscall, cases[i].want);
	}
}

static void test_inspect_wchan(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_task_info info;
	char longer[100];

	write_stat_tty(f, 500, 'S', 1, 500, 0);
	write_pid_file(f, 500, "wchan", "hrtimer_nanosleep");
	assert_string_equal(must_inspect(f, 500).wchan, "hrtimer_nanosleep");
	write_pid_file(f, 500, "wchan", "0");
	assert_string_equal(must_inspect(f, 500).wchan, "0");
	remove_pid_file(f, 500, "wchan");
	assert_string_equal(must_inspect(f, 500).wchan, "");

	memset(longer, 'w', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	write_pid_file(f, 500, "wchan", longer);
	info = must_inspect(f, 500);
	assert_int_equal(strlen(info.wchan), sizeof(info.wchan) - 1);
	assert_memory_equal(info.wchan, longer, sizeof(info.wchan) - 1);
}

/* SIGCHLD is signal 17: bit 16 of the masks.  Ignoring wins over a
 * handler (the kernel cannot have both; ignored is what matters for
 * zombies), a blocked SIGCHLD is still the default disposition. */
static void test_inspect_sigchld(void **state)
{
	static const struct {
		uint64_t blk, ign, cgt;
		enum pa_sig_disposition want;
	} cases[] = {
		{ 0, FAKE_SIGCHLD_BIT, 0, PA_SIG_IGNORED },
		{ 0, 0, FAKE_SIGCHLD_BIT, PA_SIG_HANDLED },
		{ 0, 0x1000, 0x180014a03ULL, PA_SIG_HANDLED }, /* bash: SIGPIPE ignored, SIGCHLD caught */
		{ 0, 0, 0, PA_SIG_DEFAULT },
		{ FAKE_SIGCHLD_BIT, 0, 0, PA_SIG_DEFAULT },
		{ 0, FAKE_SIGCHLD_BIT >> 1 | FAKE_SIGCHLD_BIT << 1, FAKE_SIGCHLD_BIT >> 1, PA_SIG_DEFAULT },
		{ 0, FAKE_SIGCHLD_BIT, FAKE_SIGCHLD_BIT, PA_SIG_IGNORED },
		{ 0, ~FAKE_SIGCHLD_BIT, ~FAKE_SIGCHLD_BIT, PA_SIG_DEFAULT },
	};
	struct proc_fixture *f = *state;
	struct pa_task_info info;

	write_stat_tty(f, 500, 'S', 1, 500, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_status(f, &(struct fake_status){ .pid = 500, .ppid = 1, .nspid = "500",
						       .sig_blk = cases[i].blk, .sig_ign = cases[i].ign,
						       .sig_cgt = cases[i].cgt });
		info = must_inspect(f, 500);
		if (info.sigchld != cases[i].want)
			fail_msg("SigBlk %016llx SigIgn %016llx SigCgt %016llx: got %s, want %s",
				 (unsigned long long)cases[i].blk, (unsigned long long)cases[i].ign,
				 (unsigned long long)cases[i].cgt, pa_sig_disposition_name(info.sigchld),
				 pa_sig_disposition_name(cases[i].want));
	}

	write_status(f, &(struct fake_status){ .pid = 500, .ppid = 1, .nspid = "500",
					       .no_sig_masks = true });
	assert_int_equal(must_inspect(f, 500).sigchld, PA_SIG_UNKNOWN);
	remove_pid_file(f, 500, "status");
	assert_int_equal(must_inspect(f, 500).sigchld, PA_SIG_UNKNOWN);
}

/* NSpid lists the pid in each namespace from the outermost in: the last
 * is the pid in its own (1 for a container's init). */
static void test_inspect_ns_pid(void **state)
{
	static const struct {
		const char *nspid; /* NULL: no NSpid line (kernel before 4.1) */
		uint32_t want;
	} cases[] = {
		{ "500", 500 },
		{ "500\t1", 1 },
		{ "500\t42", 42 },
		{ "500\t42\t7", 7 },
		{ NULL, 500 },
	};
	struct proc_fixture *f = *state;
	struct pa_task_info info;

	write_stat_tty(f, 500, 'S', 1, 500, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_status(f, &(struct fake_status){ .pid = 500, .ppid = 1, .nspid = cases[i].nspid });
		info = must_inspect(f, 500);
		if (info.ns_pid != cases[i].want)
			fail_msg("NSpid \"%s\": got %u, want %u", cases[i].nspid ? cases[i].nspid : "(none)",
				 info.ns_pid, cases[i].want);
	}
	remove_pid_file(f, 500, "status");
	assert_int_equal(must_inspect(f, 500).ns_pid, 500);
}

static void test_inspect_errors(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_task_info info;

	memset(&info, 0xa5, sizeof(info));
	assert_int_equal(pa_procfs_inspect(f->root, 500, &info), -ENOENT);
	assert_int_equal(info.state, 0);
	assert_int_equal(info.syscall, 0);
	make_dir(f, "501");
	assert_int_equal(pa_procfs_inspect(f->root, 501, &info), -ENOENT);
	write_stat_tty(f, 502, 'S', 1, 502, 0);
	write_pid_file(f, 503, "stat", "502 (srv) S 1 502 502 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 1 0 5 0\n");
	assert_int_equal(pa_procfs_inspect(f->root, 503, &info), -EINVAL);
	write_pid_file(f, 504, "stat", "504 (srv) S");
	assert_int_equal(pa_procfs_inspect(f->root, 504, &info), -EINVAL);
	write_pid_file(f, 505, "syscall", "61 0x0\n"); /* the rest of the entry, but no stat */
	assert_int_equal(pa_procfs_inspect(f->root, 505, &info), -ENOENT);
	assert_int_equal(pa_procfs_inspect("/nonexistent/pa-procfs", 1, &info), -ENOENT);
}

#define CUT_GROUPS_MAX 4096

/* 4242's status with a Groups line of pad bytes ("11111 11111 ..."),
 * NSpid 4242 outside and 17 inside, SigCgt sig_cgt; inspected. */
static struct pa_task_info inspect_with_groups(struct proc_fixture *f, size_t pad, uint64_t sig_cgt)
{
	char groups[CUT_GROUPS_MAX];

	for (size_t i = 0; i < pad; i++)
		groups[i] = i % 6 == 5 ? ' ' : '1';
	groups[pad] = '\0';
	write_status(f, &(struct fake_status){ .pid = 4242, .ppid = 1, .groups = groups,
					       .nspid = "4242\t17", .sig_cgt = sig_cgt });
	return must_inspect(f, 4242);
}

/* A status file longer than what is read (a long Groups line: a user in
 * a few hundred groups) is cut somewhere.  Wherever the cut falls, the
 * answer is the true one or "unknown", never a number read off a cut
 * line.  Groups comes before NSpid and the signal masks. */
static void test_inspect_status_cut_sigchld(void **state)
{
	struct proc_fixture *f = *state;

	write_stat_tty(f, 4242, 'S', 1, 4242, 0);
	for (size_t pad = 0; pad < CUT_GROUPS_MAX - 1; pad++) {
		struct pa_task_info info = inspect_with_groups(f, pad, FAKE_SIGCHLD_BIT);

		if (info.sigchld != PA_SIG_HANDLED && info.sigchld != PA_SIG_UNKNOWN)
			fail_msg("Groups line of %zu bytes: SIGCHLD %s, want handled or unknown", pad,
				 pa_sig_disposition_name(info.sigchld));
	}
}

static void test_inspect_status_cut_ns_pid(void **state)
{
	struct proc_fixture *f = *state;

	write_stat_tty(f, 4242, 'S', 1, 4242, 0);
	for (size_t pad = 0; pad < CUT_GROUPS_MAX - 1; pad++) {
		struct pa_task_info info = inspect_with_groups(f, pad, 0);

		if (info.ns_pid != 17 && info.ns_pid != 4242)
			fail_msg("Groups line of %zu bytes: ns_pid %u, want 17 (or 4242: unknown)", pad,
				 info.ns_pid);
	}
}

/* Our own process: what the kernel really writes. */
static void test_inspect_real_proc(void **state)
{
	struct sigaction saved, sa;
	struct pa_task_info info;

	(void)state;
	assert_int_equal(pa_procfs_inspect("/proc", getpid(), &info), 0);
	assert_int_equal(info.state, 'R');
	assert_int_equal(info.ppid, getppid());
	assert_int_equal(info.session, getsid(0));
	assert_int_equal(info.ns_pid, getpid());
	/* Reading its own syscall file, a task is in read(2) - unless the
	 * file is not readable here (no CONFIG_HAVE_ARCH_TRACEHOOK). */
	if (info.syscall != PA_SYSCALL_UNKNOWN)
		assert_string_equal(pa_syscall_name(info.syscall), "read");
	assert_true(info.sigchld != PA_SIG_UNKNOWN);

	assert_int_equal(sigaction(SIGCHLD, NULL, &saved), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGCHLD, &sa, NULL), 0);
	assert_int_equal(pa_procfs_inspect("/proc", getpid(), &info), 0);
	assert_int_equal(info.sigchld, PA_SIG_IGNORED);
	sa.sa_handler = SIG_DFL;
	assert_int_equal(sigaction(SIGCHLD, &sa, NULL), 0);
	assert_int_equal(pa_procfs_inspect("/proc", getpid(), &info), 0);
	assert_int_equal(info.sigchld, PA_SIG_DEFAULT);
	/* Any function will do: it is never called (no children). */
	sa.sa_handler = (void (*)(int))abort;
	assert_int_equal(sigaction(SIGCHLD, &sa, NULL), 0);
	assert_int_equal(pa_procfs_inspect("/proc", getpid(), &info), 0);
	assert_int_equal(info.sigchld, PA_SIG_HANDLED);
	assert_int_equal(sigaction(SIGCHLD, &saved, NULL), 0);
}

/* ---- syscall names ------------------------------------------------------- */

static void test_syscall_names(void **state)
{
	(void)state;
	assert_string_equal(pa_syscall_name(0), "read");
	assert_string_equal(pa_syscall_name(61), "wait4");
	assert_null(pa_syscall_name(-1));
	assert_null(pa_syscall_name(PA_SYSCALL_UNKNOWN));
	assert_null(pa_syscall_name(100000));
	assert_null(pa_syscall_name(LONG_MAX));
	assert_null(pa_syscall_name(LONG_MIN));
}

/* ---- the real /proc ----------------------------------------------------- */

static void test_real_proc(void **state)
{
	struct proc_fixture *f = *state;
	struct timespec now;
	struct pa_proc *p;
	uint32_t ppid = 0;
	char boot_id[40];
	int n;

	/* The USER_HZ assumption documented in procfs.h. */
	assert_int_equal(sysconf(_SC_CLK_TCK), PA_USER_HZ);

	n = pa_procfs_snapshot(&f->t, "/proc");
	assert_true(n >= 2);
	p = must_find(f, 1);
	assert_int_equal(p->ppid, 0);
	p = must_find(f, getpid());
	assert_int_equal(p->ppid, getppid());
	assert_non_null(p->cmdline);
	assert_int_equal(clock_gettime(CLOCK_BOOTTIME, &now), 0);
	assert_true(p->start_ns <= (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec);
	if (pa_table_find(&f->t, getppid()))
		assert_true(is_child(pa_table_find(&f->t, getppid()), p));

	assert_int_equal(pa_procfs_read_ppid("/proc", getpid(), &ppid), 0);
	assert_int_equal(ppid, getppid());
	assert_int_equal(pa_procfs_read_boot_id("/proc", boot_id, sizeof(boot_id)), 0);
	assert_int_equal(strlen(boot_id), 36);

	/* Nothing ended that we are sure about: our own process stays. */
	assert_true(pa_procfs_resync(&f->t, "/proc") >= 0);
	must_find(f, getpid());
	must_find(f, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, proc_fixture_setup, proc_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_snapshot_fields),
		T(test_user_hz_agrees_with_table),
		T(test_comm_with_spaces_and_parens),
		T(test_kernel_thread_has_no_cmdline),
		T(test_cmdline_join),
		T(test_cmdline_truncated),
		T(test_threads_added),
		T(test_parent_links_any_order),
		T(test_malformed_stat_skipped),
		T(test_stat_cut_at_every_length),
		T(test_stat_random_damage),
		T(test_vanished_pid_skipped),
		T(test_non_canonical_names_ignored),
		T(test_unreadable_root),
		T(test_resync),
		T(test_resync_pid_reused),
		T(test_resync_unreadable_root_removes_nothing),
		T(test_read_ppid),
		T(test_read_boot_id),
		T(test_inspect_fields),
		T(test_inspect_session_and_tty),
		T(test_inspect_syscall_variants),
		T(test_inspect_wchan),
		T(test_inspect_sigchld),
		T(test_inspect_ns_pid),
		T(test_inspect_errors),
		T(test_inspect_status_cut_sigchld),
		T(test_inspect_status_cut_ns_pid),
		T(test_inspect_real_proc),
		T(test_syscall_names),
		T(test_real_proc),
	};

	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
