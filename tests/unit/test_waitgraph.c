// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The wait-for graph (waitgraph.c): cycles found once each, rotated to
 * their smallest tid, across processes through file-lock holders, never
 * through a holder that runs; the caps; and the tracker (cycle_tracker.c)
 * that says which cycles are new.
 */
#include <errno.h>
#include <time.h>

#include "synth.h"

#include "waitgraph.h"

#define MAX_OUT PA_WG_MAX_CYCLES
#define ADDR(n) (0x7f0000001000ULL + (n) * 0x40)
#define DEV_SDA2 PA_DEV(8, 2)
/* A search on a few thousand edges takes milliseconds; ASan and valgrind
 * slow it down tenfold or more, and the machine is shared. */
#define FAST_ENOUGH_NS (5ULL * 1000000000ULL)

/* tid waits on the mutex at ADDR(res), which holder holds. */
static struct pa_wait_edge mx(uint32_t tid, uint32_t tgid, uint32_t res, uint32_t holder,
			      uint32_t holder_tgid)
{
	return (struct pa_wait_edge){ .waiter_tid = tid, .waiter_tgid = tgid, .kind = PA_WAIT_MUTEX,
				      .resource = ADDR(res), .holder_tid = holder,
				      .holder_tgid = holder_tgid };
}

/* tid waits on a flock of inode ino, which process holder_tgid holds. */
static struct pa_wait_edge fl(uint32_t tid, uint32_t tgid, uint64_t ino, uint32_t holder_tgid)
{
	return (struct pa_wait_edge){ .waiter_tid = tid, .waiter_tgid = tgid, .kind = PA_WAIT_FLOCK,
				      .resource = ino, .resource_dev = DEV_SDA2,
				      .holder_tgid = holder_tgid };
}

static struct pa_wait_cycle out[MAX_OUT];

static int find(const struct pa_wait_edge *e, size_t n, struct pa_wg_stats *st)
{
	memset(st, 0, sizeof(*st));
	return pa_wait_cycles(e, n, out, MAX_OUT, st);
}

/* c's threads are tids[0..len), in that order, and each edge's holder is
 * the next thread (or, for a process holder, the next thread's process). */
static void check_cycle(const struct pa_wait_cycle *c, const uint32_t *tids, uint32_t len,
			const char *what)
{
	CHECK_U(c->len, len, what);
	for (uint32_t i = 0; i < len; i++) {
		const struct pa_wait_edge *e = &c->edges[i], *next = &c->edges[(i + 1) % len];

		CHECK_U(e->waiter_tid, tids[i], what);
		if (e->holder_tid)
			CHECK_U(e->holder_tid, next->waiter_tid, "a thread holder is the next thread");
		else
			CHECK_U(e->holder_tgid, next->waiter_tgid, "a process holder is the next's process");
	}
}

static void check_no_caps(const struct pa_wg_stats *st)
{
	CHECK_U(st->cycles_capped, 0, "cycles capped");
	CHECK_U(st->too_long, 0, "paths cut as too long");
	CHECK_U(st->steps_capped, 0, "searches out of steps");
}

static void test_empty(void **state)
{
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(NULL, 0, &st), 0, "cycles in no edges");
	check_no_caps(&st);
	CHECK_I(pa_wait_cycles(NULL, 0, out, MAX_OUT, NULL), 0, "without stats");
}

static void test_two_cycle(void **state)
{
	/* Listed holder first: the cycle still starts at the smaller tid. */
	struct pa_wait_edge e[] = { mx(102, 100, 2, 101, 100), mx(101, 100, 1, 102, 100) };
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 2, &st), 1, "one 2-cycle");
	check_cycle(&out[0], (uint32_t[]){ 101, 102 }, 2, "101 <-> 102");
	CHECK_U(out[0].edges[0].resource, ADDR(1), "101 waits on mutex 1");
	CHECK_U(out[0].edges[1].resource, ADDR(2), "102 waits on mutex 2");
	check_no_caps(&st);
}

static void test_ring3(void **state)
{
	struct pa_wait_edge e[] = {
		mx(303, 300, 3, 301, 300), mx(302, 300, 2, 303, 300), mx(301, 300, 1, 302, 300),
	};
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 3, &st), 1, "one 3-ring, found once and not three times");
	check_cycle(&out[0], (uint32_t[]){ 301, 302, 303 }, 3, "ring rotated to 301");
	check_no_caps(&st);
}

static void test_across_processes_file_locks(void **state)
{
	/* 500 (threads 500, 501) and 600: 501 waits on 600's flock, 600 on 500's.
	 * 500 itself runs: the process edge reaches 501 only. */
	struct pa_wait_edge e[] = { fl(600, 600, 12, 500), fl(501, 500, 11, 600) };
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 2, &st), 1, "one cycle through two processes");
	check_cycle(&out[0], (uint32_t[]){ 501, 600 }, 2, "501 -> process 600 -> process 500");
	CHECK_U(out[0].edges[0].kind, PA_WAIT_FLOCK, "kind");
	CHECK_U(out[0].edges[0].resource_dev, DEV_SDA2, "device");
	check_no_caps(&st);
}

static void test_process_holder_reaches_every_waiting_thread(void **state)
{
	/* As above, and 600's thread 601 waits on a mutex thread 600 holds:
	 * either thread of 600 could release flock 11, and neither runs. */
	struct pa_wait_edge e[] = { fl(501, 500, 11, 600), mx(601, 600, 5, 600, 600),
				    fl(600, 600, 12, 500) };
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 3, &st), 2, "a cycle through each waiting thread of 600");
	check_cycle(&out[0], (uint32_t[]){ 501, 600 }, 2, "through thread 600");
	check_cycle(&out[1], (uint32_t[]){ 501, 601, 600 }, 3, "through thread 601");
	CHECK_U(out[1].edges[1].kind, PA_WAIT_MUTEX, "601's wait is the mutex");
	check_no_caps(&st);
}

static void test_chain_into_busy_holder(void **state)
{
	/* 703 and process 800 hold and run: nothing waits on them in turn. */
	struct pa_wait_edge e[] = {
		mx(701, 700, 1, 702, 700), mx(702, 700, 2, 703, 700),
		fl(901, 900, 13, 800), fl(902, 900, 14, 800),
	};
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 4, &st), 0, "chains ending at running holders are no cycles");
	check_no_caps(&st);
}

static void test_two_disjoint_cycles(void **state)
{
	struct pa_wait_edge e[] = {
		mx(22, 20, 3, 20, 20), mx(11, 10, 2, 10, 10), mx(21, 20, 2, 22, 20),
		mx(20, 20, 1, 21, 20), mx(10, 10, 1, 11, 10),
	};
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 5, &st), 2, "two cycles");
	check_cycle(&out[0], (uint32_t[]){ 10, 11 }, 2, "the smaller first tid first");
	check_cycle(&out[1], (uint32_t[]){ 20, 21, 22 }, 3, "then the other");
}

static void test_cycle_with_tails(void **state)
{
	struct pa_wait_edge e[] = {
		mx(40, 30, 9, 31, 30), mx(41, 30, 8, 40, 30), mx(42, 30, 7, 32, 30),
		mx(31, 30, 1, 32, 30), mx(32, 30, 2, 31, 30), mx(29, 30, 6, 42, 30),
	};
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 6, &st), 1, "the tails are not part of the cycle");
	check_cycle(&out[0], (uint32_t[]){ 31, 32 }, 2, "31 <-> 32");
}

static void test_self_deadlock_and_duplicates(void **state)
{
	/* The same wait seen twice (two sources) is one edge. */
	struct pa_wait_edge e[] = { mx(50, 50, 1, 50, 50), mx(50, 50, 1, 50, 50) };
	struct pa_wait_edge f = fl(60, 60, 3, 60);
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 2, &st), 1, "a thread waiting on itself, once");
	check_cycle(&out[0], (uint32_t[]){ 50 }, 1, "self-deadlock");
	/* A single-threaded process waiting on its own flock (another open file). */
	CHECK_I(find(&f, 1, &st), 1, "a process waiting on its own file lock");
	check_cycle(&out[0], (uint32_t[]){ 60 }, 1, "file-lock self-deadlock");
}

static void test_several_out_edges(void **state)
{
	/* 70 waits on two things, held by 71 and 72, which both wait on 70. */
	struct pa_wait_edge e[] = {
		mx(70, 70, 1, 71, 70), mx(70, 70, 2, 72, 70), mx(71, 70, 3, 70, 70),
		mx(72, 70, 4, 70, 70),
	};
	struct pa_wg_stats st;

	(void)state;
	CHECK_I(find(e, 4, &st), 2, "one cycle per out-edge");
	check_cycle(&out[0], (uint32_t[]){ 70, 71 }, 2, "through mutex 1");
	check_cycle(&out[1], (uint32_t[]){ 70, 72 }, 2, "through mutex 2");
	CHECK_U(out[1].edges[0].resource, ADDR(2), "the second uses 70's other wait");
}

static void test_cap_on_cycles(void **state)
{
	struct pa_wait_edge e[20];
	struct pa_wait_cycle few[3];
	struct pa_wg_stats st = { 0 };

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		e[2 * i] = mx(1000 + 2 * i, 1000, 2 * i, 1001 + 2 * i, 1000);
		e[2 * i + 1] = mx(1001 + 2 * i, 1000, 2 * i + 1, 1000 + 2 * i, 1000);
	}
	CHECK_I(pa_wait_cycles(e, 20, few, 3, &st), 3, "cycles returned at the cap");
	CHECK_U(st.cycles_capped, 7, "cycles counted beyond the cap");
	check_cycle(&few[2], (uint32_t[]){ 1004, 1005 }, 2, "the first three in order");
}

static void ring(struct pa_wait_edge *e, uint32_t base, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		e[i] = mx(base + i, base, i, base + (i + 1) % len, base);
}

static void test_cap_on_length(void **state)
{
	struct pa_wait_edge e[PA_WG_MAX_CYCLE_LEN + 1];
	struct pa_wg_stats st;

	(void)state;
	ring(e, 2000, PA_WG_MAX_CYCLE_LEN);
	CHECK_I(find(e, PA_WG_MAX_CYCLE_LEN, &st), 1, "a ring of the longest length");
	CHECK_U(out[0].len, PA_WG_MAX_CYCLE_LEN, "its length");
	check_no_caps(&st);

	ring(e, 2000, PA_WG_MAX_CYCLE_LEN + 1);
	CHECK_I(find(e, PA_WG_MAX_CYCLE_LEN + 1, &st), 0, "a ring one longer is left out");
	CHECK(st.too_long > 0, "and counted as too long");
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void test_cap_on_steps(void **state)
{
	/* Processes 1 and 2 with K waiting threads each, every one waiting on
	 * a flock of the other process: K * K 2-cycles and paths beyond count. */
	enum { K = 64 };
	static struct pa_wait_edge e[2 * K];
	struct pa_wg_stats st;
	uint64_t t0 = now_ns();

	(void)state;
	for (uint32_t i = 0; i < K; i++) {
		e[i] = fl(10000 + i, 10000, 1, 20000);
		e[K + i] = fl(20000 + i, 20000, 2, 10000);
	}
	CHECK_I(find(e, 2 * K, &st), MAX_OUT, "the cycle cap filled");
	CHECK_U(st.steps_capped, 1, "the search stopped at the step budget");
	CHECK(st.cycles_capped > 0, "cycles beyond the cap counted");
	CHECK(now_ns() - t0 < FAST_ENOUGH_NS, "bounded time");
}

static void test_large_graph_fast(void **state)
{
	/* 4000 edges: 500 4-rings among long chains; the first 64 rings returned. */
	enum { RINGS = 500, RING = 4, CHAINS = 2000 };
	static struct pa_wait_edge e[RINGS * RING + CHAINS];
	struct pa_wg_stats st;
	uint64_t t0 = now_ns();
	size_t n = 0;

	(void)state;
	for (uint32_t r = 0; r < RINGS; r++, n += RING)
		ring(&e[n], 100000 + r * 10, RING);
	/* Chains 200000 -> 200001 -> ... -> into the first ring. */
	for (uint32_t i = 0; i < CHAINS; i++)
		e[n++] = mx(200000 + i, 200000, i, i + 1 < CHAINS ? 200001 + i : 100000, 100000);
	CHECK_I(find(e, n, &st), MAX_OUT, "cycles up to the cap");
	CHECK_U(st.cycles_capped, RINGS - MAX_OUT, "the other rings counted");
	CHECK_U(st.steps_capped, 0, "no step cap on a sparse graph");
	check_cycle(&out[0], (uint32_t[]){ 100000, 100001, 100002, 100003 }, RING, "the first ring");
	CHECK(now_ns() - t0 < FAST_ENOUGH_NS, "4000 edges searched quickly");
}

/* ======================================================================
 * The tracker
 * ====================================================================== */

static int update(struct pa_cycle_tracker *t, const struct pa_wait_cycle *c, size_t n, bool *is_new)
{
	memset(is_new, 0xff, n * sizeof(*is_new));
	return pa_cycle_tracker__update(t, c, n, is_new);
}

static void test_tracker_once_forget_again(void **state)
{
	struct pa_wait_edge e[] = { mx(101, 100, 1, 102, 100), mx(102, 100, 2, 101, 100),
				    mx(201, 200, 1, 202, 200), mx(202, 200, 2, 201, 200) };
	struct pa_cycle_tracker *t = pa_cycle_tracker__new();
	struct pa_wait_cycle c[2];
	struct pa_wg_stats st;
	bool is_new[2];

	(void)state;
	assert_non_null(t);
	CHECK_I(find(e, 4, &st), 2, "two cycles");
	memcpy(c, out, sizeof(c));
	CHECK_I(update(t, c, 2, is_new), 2, "both new at first");
	CHECK(is_new[0] && is_new[1], "both marked new");
	CHECK_U(pa_cycle_tracker__count(t), 2, "both known");

	/* Same cycles, later: the waits' start times do not make them new. */
	c[0].edges[0].since_ns = 12345;
	CHECK_I(update(t, c, 2, is_new), 0, "none new in a second scan");
	CHECK(!is_new[0] && !is_new[1], "none marked new");

	/* The first one resolved: forgotten, the second stays known. */
	CHECK_I(update(t, &c[1], 1, is_new), 0, "the remaining one is not new");
	CHECK_U(pa_cycle_tracker__count(t), 1, "one known");
	CHECK_I(update(t, c, 2, is_new), 1, "the first one formed again: new");
	CHECK(is_new[0] && !is_new[1], "only the re-formed one is new");

	CHECK_I(update(t, NULL, 0, is_new), 0, "an empty scan");
	CHECK_U(pa_cycle_tracker__count(t), 0, "everything forgotten");
	pa_cycle_tracker__free(t);
}

static void test_tracker_key(void **state)
{
	struct pa_wait_edge e[] = { mx(101, 100, 1, 102, 100), mx(102, 100, 2, 101, 100) };
	struct pa_cycle_tracker *t = pa_cycle_tracker__new();
	struct pa_wait_cycle c[3];
	struct pa_wg_stats st;
	bool is_new[3];

	(void)state;
	assert_non_null(t);
	CHECK_I(find(e, 2, &st), 1, "one cycle");
	c[0] = c[1] = c[2] = out[0];
	/* Listed twice in one scan: new once.  Same threads on another mutex: another cycle. */
	c[2].edges[1].resource = ADDR(9);
	CHECK_I(update(t, c, 3, is_new), 2, "a repeat within a scan is not new");
	CHECK(is_new[0] && !is_new[1] && is_new[2], "the first listing and the other cycle");

	/* Rotated the other way round: the same set of waits. */
	c[1].edges[0] = out[0].edges[1];
	c[1].edges[1] = out[0].edges[0];
	CHECK_I(update(t, &c[1], 1, is_new), 0, "a rotation is the same cycle");
	pa_cycle_tracker__free(t);
	pa_cycle_tracker__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_two_cycle),
		cmocka_unit_test(test_ring3),
		cmocka_unit_test(test_across_processes_file_locks),
		cmocka_unit_test(test_process_holder_reaches_every_waiting_thread),
		cmocka_unit_test(test_chain_into_busy_holder),
		cmocka_unit_test(test_two_disjoint_cycles),
		cmocka_unit_test(test_cycle_with_tails),
		cmocka_unit_test(test_self_deadlock_and_duplicates),
		cmocka_unit_test(test_several_out_edges),
		cmocka_unit_test(test_cap_on_cycles),
		cmocka_unit_test(test_cap_on_length),
		cmocka_unit_test(test_cap_on_steps),
		cmocka_unit_test(test_large_graph_fast),
		cmocka_unit_test(test_tracker_once_forget_again),
		cmocka_unit_test(test_tracker_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
