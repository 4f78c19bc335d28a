// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The deadlock scan over a fake /proc: futex notes checked against each
 * thread's syscall file (stale ones forgotten, young ones left alone),
 * mutex owners read from a fake mem file, file-lock waits from /proc/locks
 * text counted from their first sighting; each cycle reported once, with
 * its members described.
 */
#include <sys/stat.h>
#include <time.h>

#include "detect_deadlock.h"
#include "fake_proc.h"
#include "fake_tree.h"

#define NS_PER_SEC 1000000000ULL
#define NOW (100 * NS_PER_SEC)
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define MAX_SEEN 8

struct seen {
	struct pa_deadlock_member members[MAX_SEEN][4];
	unsigned nr[MAX_SEEN];
	unsigned reports;
	uint32_t forgotten[MAX_SEEN];
	unsigned nr_forgotten;
};

static void on_cycle(void *ctx, const struct pa_deadlock_info *info, uint64_t now_ns)
{
	struct seen *s = ctx;

	(void)now_ns;
	assert_true(s->reports < MAX_SEEN && info->nr <= 4);
	memcpy(s->members[s->reports], info->members, info->nr * sizeof(*info->members));
	s->nr[s->reports++] = info->nr;
}

static void on_forget(void *ctx, uint32_t tid)
{
	struct seen *s = ctx;

	assert_true(s->nr_forgotten < MAX_SEEN);
	s->forgotten[s->nr_forgotten++] = tid;
}

/* Thread tid of process 500, named worker, asleep in futex(uaddr) or running. */
static void fake_thread(const char *root, uint32_t tid, uint64_t uaddr)
{
	char rel[64], line[512];

	fake_stat_line(line, sizeof(line), tid, "worker", 'S', 1, 500, 0, 2, 100);
	snprintf(rel, sizeof(rel), "500/task/%u/stat", tid);
	fake_tree_write(root, rel, line, strlen(line));
	if (uaddr)
		snprintf(line, sizeof(line), "202 0x%llx 0x80 0x2 0x0 0x0 0x0 0x7ffd0000 0x7f000000\n",
			 (unsigned long long)uaddr);
	else
		snprintf(line, sizeof(line), "running\n");
	snprintf(rel, sizeof(rel), "500/task/%u/syscall", tid);
	fake_tree_write(root, rel, line, strlen(line));
	snprintf(rel, sizeof(rel), "500/task/%u/wchan", tid);
	fake_tree_write(root, rel, "futex_do_wait", 13);
	snprintf(rel, sizeof(rel), "500/task/%u/comm", tid);
	fake_tree_write(root, rel, "worker\n", 7);
}

/* A locked glibc mutex at addr in 500's fake memory, owned by owner. */
static void fake_mutex(const char *root, uint64_t addr, int32_t owner)
{
	int32_t m[5] = { 2, 0, owner, 1, 0 }; /* __lock, __count, __owner, __nusers, __kind */
	char path[PATH_MAX];
	FILE *fp;

	fake_tree_mkparents(root, "500/mem");
	fake_tree_path(root, path, sizeof(path), "500/mem");
	fp = fopen(path, "r+");
	if (!fp)
		fp = fopen(path, "w+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, (long)addr, SEEK_SET), 0);
	assert_int_equal(fwrite(m, sizeof(m), 1, fp), 1);
	assert_int_equal(fclose(fp), 0);
}

static struct pa_futex_waiter waiter(uint32_t tid, uint64_t uaddr, uint64_t since)
{
	struct pa_futex_waiter w = { .tid = tid };

	w.wait = (struct pa_futex_wait){ .uaddr = uaddr, .since_ns = since, .tgid = 500,
					 .op = FUTEX_WAIT_PRIVATE, .val = 2 };
	return w;
}

static void test_mutex_cycle_once(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_deadlock_detector d;
	struct seen s = { 0 };
	struct pa_futex_waiter w[4];
	const struct pa_deadlock_member *m = s.members[0];

	fake_thread(f->root, 501, 0x1000);
	fake_thread(f->root, 502, 0x2000);
	fake_thread(f->root, 503, 0);        /* woke since: running */
	fake_thread(f->root, 504, 0x3000);   /* asleep only half a second */
	fake_mutex(f->root, 0x1000, 502);
	fake_mutex(f->root, 0x2000, 501);
	w[0] = waiter(502, 0x2000, NOW - 2 * NS_PER_SEC);
	w[1] = waiter(501, 0x1000, NOW - 3 * NS_PER_SEC);
	w[2] = waiter(503, 0x1000, NOW - 5 * NS_PER_SEC);
	w[3] = waiter(504, 0x3000, NOW - NS_PER_SEC / 2);
	assert_int_equal(pa_deadlock_detector_init(&d, f->root), 0);

	CHECK_I(pa_deadlock_scan(&d, w, 4, NULL, 0, NOW, on_cycle, on_forget, &s), 1, "one new cycle");
	CHECK_U(s.reports, 1, "reported once");
	CHECK_U(s.nr[0], 2, "two threads");
	CHECK_U(m[0].tid, 501, "smallest tid first");
	CHECK_U(m[0].tgid, 500, "its process");
	CHECK_STR(m[0].waits_for, "mutex", "a glibc mutex");
	CHECK_STR(m[0].resource, "0x1000", "the mutex's address");
	CHECK_U(m[0].held_by, 502, "held by the other thread");
	CHECK_U(m[0].held_by_pid, 500, "in the same process");
	CHECK_U(m[0].waited_ns, 3 * NS_PER_SEC, "since its futex sleep");
	CHECK_STR(m[0].comm, "worker", "thread name");
	CHECK_U(m[0].state, 'S', "state");
	CHECK_I(m[0].syscall, 202, "in futex");
	CHECK_STR(m[0].wchan, "futex_do_wait", "wchan");
	CHECK_U(m[1].tid, 502, "then the holder");
	CHECK_U(m[1].held_by, 501, "which waits on the first");
	CHECK_U(s.nr_forgotten, 1, "one stale note");
	CHECK_U(s.forgotten[0], 503, "the thread that woke");

	/* Still there a second later: not news. */
	CHECK_I(pa_deadlock_scan(&d, w, 2, NULL, 0, NOW + NS_PER_SEC, on_cycle, on_forget, &s), 0,
		"no new cycle");
	CHECK_U(s.reports, 1, "still reported once");
	pa_deadlock_detector_free(&d);
}

/* The holder runs (its note is stale): a chain, not a cycle. */
static void test_running_holder_no_cycle(void **state)
{
	struct proc_fixture *f = *state;
	struct pa_deadlock_detector d;
	struct seen s = { 0 };
	struct pa_futex_waiter w[2];

	fake_thread(f->root, 501, 0x1000);
	fake_thread(f->root, 502, 0);
	fake_mutex(f->root, 0x1000, 502);
	fake_mutex(f->root, 0x2000, 501);
	w[0] = waiter(501, 0x1000, NOW - 3 * NS_PER_SEC);
	w[1] = waiter(502, 0x2000, NOW - 3 * NS_PER_SEC);
	assert_int_equal(pa_deadlock_detector_init(&d, f->root), 0);
	CHECK_I(pa_deadlock_scan(&d, w, 2, NULL, 0, NOW, on_cycle, on_forget, &s), 0, "no cycle");
	CHECK_U(s.reports, 0, "nothing reported");
	pa_deadlock_detector_free(&d);
}

/* File locks: a wait counts from the first scan that saw it. */
static void test_flock_cycle_after_a_second(void **state)
{
	static const char locks[] = "1: FLOCK  ADVISORY  WRITE 600 08:02:131 0 EOF\n"
				    "1: -> FLOCK  ADVISORY  WRITE 700 08:02:131 0 EOF\n"
				    "2: FLOCK  ADVISORY  WRITE 700 08:02:132 0 EOF\n"
				    "2: -> FLOCK  ADVISORY  WRITE 600 08:02:132 0 EOF\n";
	struct proc_fixture *f = *state;
	struct pa_deadlock_detector d;
	struct seen s = { 0 };

	assert_int_equal(pa_deadlock_detector_init(&d, f->root), 0);
	CHECK_I(pa_deadlock_scan(&d, NULL, 0, locks, sizeof(locks) - 1, NOW, on_cycle, on_forget, &s),
		0, "first sighting: not yet");
	CHECK_I(pa_deadlock_scan(&d, NULL, 0, locks, sizeof(locks) - 1, NOW + NS_PER_SEC / 2,
				 on_cycle, on_forget, &s),
		0, "half a second: not yet");
	CHECK_I(pa_deadlock_scan(&d, NULL, 0, locks, sizeof(locks) - 1, NOW + NS_PER_SEC, on_cycle,
				 on_forget, &s),
		1, "a second after the first sighting");
	CHECK_U(s.nr[0], 2, "two processes");
	CHECK_U(s.members[0][0].tid, 600, "smallest first");
	CHECK_STR(s.members[0][0].waits_for, "flock", "kind");
	CHECK_STR(s.members[0][0].resource, "08:02:132", "dev:inode as /proc/locks shows it");
	CHECK_U(s.members[0][0].held_by, 700, "the other process");
	CHECK_U(s.members[0][0].waited_ns, NS_PER_SEC, "a lower bound: since first seen");
	/* Gone, then back: reported again, its wait counted afresh. */
	CHECK_I(pa_deadlock_scan(&d, NULL, 0, "", 0, NOW + 2 * NS_PER_SEC, on_cycle, on_forget, &s), 0,
		"gone");
	CHECK_I(pa_deadlock_scan(&d, NULL, 0, locks, sizeof(locks) - 1, NOW + 3 * NS_PER_SEC,
				 on_cycle, on_forget, &s),
		0, "back: young again");
	CHECK_I(pa_deadlock_scan(&d, NULL, 0, locks, sizeof(locks) - 1, NOW + 4 * NS_PER_SEC,
				 on_cycle, on_forget, &s),
		1, "reported again");
	pa_deadlock_detector_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mutex_cycle_once, proc_fixture_setup,
						proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_running_holder_no_cycle, proc_fixture_setup,
						proc_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_flock_cycle_after_a_second, proc_fixture_setup,
						proc_fixture_teardown),
	};

	return cmocka_run_group_tests_name("detect_deadlock", tests, NULL, NULL);
}
