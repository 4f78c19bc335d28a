// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The live view's /proc sampler against fake proc trees: CPU share over an
 * interval, activity and idleness, uid from the directory owner, state
 * refresh, pid reuse, and per-thread time accounting.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_proc.h"
#include "fake_tree.h"
#include "proc_sample.h"
#include "procfs.h"

#define SEC 1000000000ULL
#define START_TICKS 500 /* every fake process started 5 s after boot */

/* rel ("100/stat", "100/task/101/stat") with the given state and CPU ticks. */
static void write_stat(struct proc_fixture *f, const char *rel, uint32_t id, char state,
		       uint32_t nr_threads, uint64_t start_ticks, uint64_t cpu_ticks)
{
	char line[512];

	fake_stat_line_cpu(line, sizeof(line), id, "worker", state, 1, id, 0, nr_threads,
			   start_ticks, cpu_ticks);
	fake_tree_write(f->root, rel, line, strlen(line));
}

static void write_schedstat(struct proc_fixture *f, const char *rel, uint64_t run_ns, uint64_t wait_ns,
			    uint64_t runs)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "%llu %llu %llu\n", (unsigned long long)run_ns,
			 (unsigned long long)wait_ns, (unsigned long long)runs);

	fake_tree_write(f->root, rel, line, n);
}

static struct pa_proc *add_proc(struct proc_fixture *f, uint32_t pid)
{
	struct pa_proc_info info = {
		.pid = pid, .ppid = 1, .start_ns = START_TICKS * PA_NS_PER_TICK,
		.comm = "worker", .state = 'S', .nr_threads = 1,
	};

	return pa_table_upsert(&f->t, &info);
}

static int sample(struct proc_fixture *f, struct pa_proc *p, uint64_t now_ns)
{
	int root = open(f->root, O_RDONLY | O_DIRECTORY);
	int err;

	assert_true(root >= 0);
	err = pa_sample_proc(root, p, now_ns);
	close(root);
	return err;
}

static void test_cpu_share_over_interval(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p = add_proc(f, 100);

	write_stat(f, "100/stat", 100, 'R', 1, START_TICKS, 40);
	write_schedstat(f, "100/schedstat", 400000000, 0, 10);
	assert_int_equal(sample(f, p, 10 * SEC), 0);
	/* One sample cannot tell a share. */
	assert_int_equal(p->sample.cpu_permille, 0);
	assert_int_equal(p->sample.cpu_ticks, 40);
	/* 25 ticks (250 ms) more in 500 ms: half a CPU. */
	write_stat(f, "100/stat", 100, 'R', 1, START_TICKS, 65);
	assert_int_equal(sample(f, p, 10 * SEC + SEC / 2), 0);
	assert_int_equal(p->sample.cpu_permille, 500);
	/* Two CPUs' worth: multi-threaded processes go past 100%. */
	write_stat(f, "100/stat", 100, 'R', 4, START_TICKS, 265);
	assert_int_equal(sample(f, p, 11 * SEC + SEC / 2), 0);
	assert_int_equal(p->sample.cpu_permille, 2000);
	assert_int_equal(p->nr_threads, 4);
}

static void test_idle_and_active(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p = add_proc(f, 100);
	char path[PATH_MAX];

	write_stat(f, "100/stat", 100, 'S', 1, START_TICKS, 8);
	write_schedstat(f, "100/schedstat", 1000, 0, 3);
	assert_int_equal(sample(f, p, 10 * SEC), 0);
	assert_true(p->sample.idle_since_start);
	assert_int_equal(p->sample.active_ns, 10 * SEC);
	/* Nothing changed: still idle since the first sample. */
	assert_int_equal(sample(f, p, 70 * SEC), 0);
	assert_true(p->sample.idle_since_start);
	assert_int_equal(p->sample.active_ns, 10 * SEC);
	assert_int_equal(p->sample.cpu_permille, 0);
	/* It was scheduled in (a short wake-up below a tick of CPU time). */
	write_schedstat(f, "100/schedstat", 2000, 0, 4);
	assert_int_equal(sample(f, p, 71 * SEC), 0);
	assert_false(p->sample.idle_since_start);
	assert_int_equal(p->sample.active_ns, 71 * SEC);
	/* CPU ticks alone also count as activity (no schedstat file). */
	fake_tree_path(f->root, path, sizeof(path), "100/schedstat");
	assert_int_equal(unlink(path), 0);
	write_stat(f, "100/stat", 100, 'S', 1, START_TICKS, 9);
	assert_int_equal(sample(f, p, 90 * SEC), 0);
	assert_int_equal(p->sample.active_ns, 90 * SEC);
}

static void test_uid_and_state(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p = add_proc(f, 100);
	char path[PATH_MAX];

	write_stat(f, "100/stat", 100, 'T', 1, START_TICKS, 8);
	fake_tree_path(f->root, path, sizeof(path), "100");
	assert_int_equal(chown(path, 4321, 99), 0);
	assert_int_equal(sample(f, p, 10 * SEC), 0);
	assert_int_equal(p->sample.uid, 4321);
	assert_int_equal(p->state, 'T');
	assert_int_equal(p->sample.at_ns, 10 * SEC);
	/* An exited process keeps the state the events gave it. */
	pa_table_mark_exited(&f->t, p, 0, 11 * SEC);
	assert_int_equal(sample(f, p, 12 * SEC), 0);
	assert_int_equal(p->state, 'Z');
}

static void test_pid_reused_or_gone(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *p = add_proc(f, 100);

	assert_int_equal(sample(f, p, 10 * SEC), -ENOENT);
	assert_int_equal(p->sample.at_ns, 0);
	/* Another life under the same pid, started a tick later. */
	write_stat(f, "100/stat", 100, 'R', 1, START_TICKS + 1, 8);
	assert_int_equal(sample(f, p, 10 * SEC), -ESRCH);
	assert_int_equal(p->sample.at_ns, 0);
	assert_int_equal(p->state, 'S');
}

static void test_sample_table(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_proc *a = add_proc(f, 100), *b = add_proc(f, 200), *gone = add_proc(f, 300);
	struct pa_proc *dead = add_proc(f, 400);

	write_stat(f, "100/stat", 100, 'S', 1, START_TICKS, 8);
	write_stat(f, "200/stat", 200, 'D', 1, START_TICKS, 8);
	write_stat(f, "400/stat", 400, 'Z', 1, START_TICKS, 8);
	pa_table_mark_exited(&f->t, dead, 0, SEC);
	/* 300 has no directory; 400 exited: neither is sampled. */
	assert_int_equal(pa_sample_table(&f->t, f->root, 10 * SEC), 2);
	assert_int_equal(a->sample.at_ns, 10 * SEC);
	assert_int_equal(b->state, 'D');
	assert_int_equal(gone->sample.at_ns, 0);
	assert_int_equal(dead->sample.at_ns, 0);
	assert_int_equal(pa_sample_table(&f->t, "/nonexistent/proc", SEC), -ENOENT);
}

static uint64_t fake_blocked(void *ctx, uint32_t tid, uint64_t now_ns)
{
	(void)ctx;
	assert_int_equal(now_ns, 20 * SEC);
	return tid == 101 ? 3 * SEC : 0;
}

static void test_thread_times(void **state)
{
	struct proc_fixture *f = *state;
	uint64_t times[PA_NR_TIMES] = { 0 };

	/* Leader: 15 s old at 20 s, 2 s on CPU, 1 s runnable. */
	write_stat(f, "100/task/100/stat", 100, 'S', 2, START_TICKS, 200);
	write_schedstat(f, "100/task/100/schedstat", 2 * SEC, 1 * SEC, 50);
	/* Worker: started at 10 s, 1 s on CPU, 3 s in D. */
	write_stat(f, "100/task/101/stat", 101, 'D', 2, 1000, 100);
	write_schedstat(f, "100/task/101/schedstat", 1 * SEC, 0, 20);
	/* A thread whose schedstat is unreadable is left out, not guessed. */
	write_stat(f, "100/task/102/stat", 102, 'S', 2, 1000, 0);
	assert_int_equal(pa_sample_thread_times(f->root, 100, 20 * SEC, fake_blocked, NULL, times), 0);
	assert_int_equal(times[PA_T_RUNNING], 3 * SEC);
	assert_int_equal(times[PA_T_RUNNABLE], 1 * SEC);
	assert_int_equal(times[PA_T_BLOCKED], 3 * SEC);
	/* (15 - 3) + (10 - 4) */
	assert_int_equal(times[PA_T_SLEEPING], 18 * SEC);
	/* Without the kernel's D time, it counts as sleeping. */
	memset(times, 0, sizeof(times));
	assert_int_equal(pa_sample_thread_times(f->root, 100, 20 * SEC, NULL, NULL, times), 0);
	assert_int_equal(times[PA_T_BLOCKED], 0);
	assert_int_equal(times[PA_T_SLEEPING], 21 * SEC);
	assert_int_equal(pa_sample_thread_times(f->root, 999, 20 * SEC, NULL, NULL, times), -ENOENT);
}

static void test_malformed_schedstat(void **state)
{
	struct proc_fixture *f = *state;
	uint64_t times[PA_NR_TIMES] = { 0 };
	const char *bad[] = { "", "12 34\n", "12 x 5\n", "1 2 3", "-1 2 3\n" };

	write_stat(f, "100/task/100/stat", 100, 'S', 1, START_TICKS, 8);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_tree_write(f->root, "100/task/100/schedstat", bad[i], strlen(bad[i]));
		assert_int_equal(pa_sample_thread_times(f->root, 100, 20 * SEC, NULL, NULL, times), 0);
		assert_int_equal(times[PA_T_SLEEPING], 0);
	}
}

/* The real /proc: our own process is found, has a uid and ran. */
static void test_real_proc(void **state)
{
	struct proc_fixture *f = *state;
	uint64_t times[PA_NR_TIMES] = { 0 };
	struct pa_proc *self;

	assert_true(pa_procfs_snapshot(&f->t, "/proc") > 0);
	self = pa_table_find(&f->t, getpid());
	assert_non_null(self);
	assert_int_equal(pa_sample_table(&f->t, "/proc", 1000 * SEC) >= 1, 1);
	assert_int_equal(self->sample.uid, geteuid());
	assert_int_equal(pa_sample_thread_times("/proc", getpid(), UINT64_MAX / 2, NULL, NULL, times), 0);
	assert_true(times[PA_T_RUNNING] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpu_share_over_interval, proc_fixture_setup, proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_idle_and_active, proc_fixture_setup, proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_uid_and_state, proc_fixture_setup, proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pid_reused_or_gone, proc_fixture_setup, proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_sample_table, proc_fixture_setup, proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_thread_times, proc_fixture_setup, proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_schedstat, proc_fixture_setup, proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_real_proc, proc_fixture_setup, proc_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
