// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * detect_zombie: a pure function of the process table and the clock.  A
 * synthetic table (processes inserted as a snapshot would, then marked
 * exited or reaped as the collector marks them) is scanned; the callback
 * copies what it is handed, and the cases check the groups: who is
 * reported, when, how often, grouped how and in which order.
 */
#include "synth.h"

#include "detect_zombie.h"
#include "proc_table.h"

#define NS_PER_SEC 1000000000ULL
#define AFTER (5 * NS_PER_SEC)
#define MAX_GROUPS 8
#define MAX_CALLS 8

/* One callback's group, copied: the pointers are only valid during the call. */
struct seen_group {
	uint32_t ppid;
	uint32_t nr_fresh;
	uint32_t nr_held;
	uint64_t oldest_exit_ns;
	uint32_t oldest_fresh;
	uint32_t fresh[PA_ZOMBIE_LIST_MAX];
	uint32_t nr_listed;
};

struct fixture {
	struct pa_table t;
	struct seen_group groups[MAX_GROUPS];
	unsigned nr_groups;
	unsigned nr_calls;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	pa_table_init(&f->t, "test-boot");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pa_table_free(&f->t);
	free(f);
	return 0;
}

static void record(void *ctx, const struct pa_zombie_group *g)
{
	struct fixture *f = ctx;
	struct seen_group *s;

	f->nr_calls++;
	assert_true(f->nr_groups < MAX_GROUPS);
	s = &f->groups[f->nr_groups++];
	memset(s, 0, sizeof(*s));
	s->ppid = g->ppid;
	s->nr_fresh = g->nr_fresh;
	s->nr_held = g->nr_held;
	s->oldest_exit_ns = g->oldest_exit_ns;
	assert_non_null(g->oldest_fresh);
	s->oldest_fresh = g->oldest_fresh->pid;
	s->nr_listed = g->nr_fresh < PA_ZOMBIE_LIST_MAX ? g->nr_fresh : PA_ZOMBIE_LIST_MAX;
	for (uint32_t i = 0; i < s->nr_listed; i++) {
		assert_non_null(g->fresh[i]);
		s->fresh[i] = g->fresh[i]->pid;
	}
}

/* One scan; the groups it handed over replace the previous scan's. */
static unsigned scan(struct fixture *f, uint64_t now_ns)
{
	f->nr_groups = 0;
	return pa_detect_zombies(&f->t, now_ns, AFTER, record, f);
}

static struct pa_proc *add(struct fixture *f, uint32_t pid, uint32_t ppid)
{
	struct pa_proc_info info = {
		.pid = pid,
		.ppid = ppid,
		.start_ns = NS_PER_SEC,
		.comm = "proc",
		.state = 'S',
		.nr_threads = 1,
	};
	struct pa_proc *p = pa_table_upsert(&f->t, &info);

	assert_non_null(p);
	return p;
}

/* A child of ppid that exited at exit_ns and was not reaped. */
static struct pa_proc *zombie(struct fixture *f, uint32_t pid, uint32_t ppid, uint64_t exit_ns)
{
	struct pa_proc *p = add(f, pid, ppid);

	assert_true(pa_table_mark_exited(&f->t, p, 0, exit_ns));
	return p;
}

static const struct seen_group *group_for(struct fixture *f, uint32_t ppid)
{
	for (unsigned i = 0; i < f->nr_groups; i++) {
		if (f->groups[i].ppid == ppid)
			return &f->groups[i];
	}
	print_error("no group for parent %u among %u\n", ppid, f->nr_groups);
	fail();
	return NULL;
}

static void check_fresh(const struct seen_group *g, const uint32_t *want, uint32_t n)
{
	CHECK_U(g->nr_listed, n, "pids listed");
	for (uint32_t i = 0; i < n; i++) {
		if (g->fresh[i] != want[i]) {
			print_error("fresh[%u]: got %u, want %u\n", i, g->fresh[i], want[i]);
			fail();
		}
	}
}

/* ---- when ---------------------------------------------------------------- */

static void test_empty_table_no_call(void **state)
{
	struct fixture *f = *state;

	CHECK_U(scan(f, 100 * NS_PER_SEC), 0, "nothing reported");
	CHECK_U(f->nr_calls, 0, "no call");
}

static void test_live_processes_are_not_zombies(void **state)
{
	struct fixture *f = *state;

	add(f, 1, 0);
	add(f, 100, 1);
	add(f, 200, 100);
	CHECK_U(scan(f, 1000 * NS_PER_SEC), 0, "nothing reported");
	CHECK_U(f->nr_calls, 0, "no call");
}

/* Due at exit + after, not a nanosecond before. */
static void test_no_alert_before_threshold(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *z;

	add(f, 100, 1);
	z = zombie(f, 200, 100, 20 * NS_PER_SEC);
	CHECK_U(scan(f, 20 * NS_PER_SEC), 0, "at the exit");
	CHECK_U(scan(f, 20 * NS_PER_SEC + AFTER - 1), 0, "1 ns before the threshold");
	CHECK_U(f->nr_calls, 0, "no call before the threshold");
	CHECK(!z->zombie_reported, "not marked reported");
	CHECK_U(scan(f, 20 * NS_PER_SEC + AFTER), 1, "exactly at the threshold");
	CHECK_U(f->nr_calls, 1, "one call");
	CHECK_U(f->groups[0].ppid, 100, "the parent that has not reaped");
	CHECK_U(f->groups[0].nr_fresh, 1, "one new zombie");
	check_fresh(&f->groups[0], (const uint32_t[]){ 200 }, 1);
	CHECK(z->zombie_reported, "marked reported");
}

static void test_alert_once_per_zombie(void **state)
{
	struct fixture *f = *state;

	add(f, 100, 1);
	zombie(f, 200, 100, 20 * NS_PER_SEC);
	CHECK_U(scan(f, 30 * NS_PER_SEC), 1, "first scan past the threshold");
	for (int i = 1; i <= 5; i++)
		CHECK_U(scan(f, (30 + i) * NS_PER_SEC), 0, "later scans");
	CHECK_U(f->nr_calls, 1, "one call over six scans");
}

/* A parent that goes on leaking: each scan names only the new ones, and
 * says how many it holds in all and since when. */
static void test_new_zombie_of_reported_parent(void **state)
{
	struct fixture *f = *state;
	const struct seen_group *g;

	add(f, 100, 1);
	zombie(f, 200, 100, 20 * NS_PER_SEC);
	CHECK_U(scan(f, 25 * NS_PER_SEC), 1, "the first");
	zombie(f, 201, 100, 26 * NS_PER_SEC);
	CHECK_U(scan(f, 30 * NS_PER_SEC), 0, "the second is not due yet");
	CHECK_U(f->nr_calls, 1, "no call for the parent meanwhile");
	CHECK_U(scan(f, 31 * NS_PER_SEC), 1, "the second, when due");
	CHECK_U(f->nr_groups, 1, "one group");
	g = &f->groups[0];
	CHECK_U(g->nr_fresh, 1, "only the new one is fresh");
	check_fresh(g, (const uint32_t[]){ 201 }, 1);
	CHECK_U(g->nr_held, 2, "the parent holds both");
	CHECK_U(g->oldest_exit_ns, 20 * NS_PER_SEC, "oldest: the reported one");
	CHECK_U(g->oldest_fresh, 201, "oldest fresh: the new one");
}

/* The not-yet-due zombies count in nr_held and oldest, but are neither
 * named nor marked. */
static void test_held_counts_young_zombies(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *young;
	const struct seen_group *g;

	add(f, 100, 1);
	young = zombie(f, 201, 100, 29 * NS_PER_SEC);
	zombie(f, 200, 100, 20 * NS_PER_SEC);
	CHECK_U(scan(f, 30 * NS_PER_SEC), 1, "only the due one");
	g = &f->groups[0];
	CHECK_U(g->nr_fresh, 1, "one fresh");
	check_fresh(g, (const uint32_t[]){ 200 }, 1);
	CHECK_U(g->nr_held, 2, "held: due and young");
	CHECK_U(g->oldest_exit_ns, 20 * NS_PER_SEC, "oldest exit");
	CHECK(!young->zombie_reported, "the young one is not marked");
	CHECK_U(scan(f, 34 * NS_PER_SEC), 1, "the young one when due");
	check_fresh(&f->groups[0], (const uint32_t[]){ 201 }, 1);
}

/* ---- what is a zombie ---------------------------------------------------- */

static void test_reaped_are_not_zombies(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *gone;
	const struct seen_group *g;

	add(f, 100, 1);
	gone = zombie(f, 200, 100, 20 * NS_PER_SEC);
	pa_table_mark_reaped(&f->t, gone, 21 * NS_PER_SEC);
	CHECK_U(scan(f, 60 * NS_PER_SEC), 0, "a reaped process is not a zombie");
	CHECK_U(f->nr_calls, 0, "no call");
	CHECK(!gone->zombie_reported, "not marked");

	/* Nor does it count among the parent's zombies. */
	zombie(f, 201, 100, 30 * NS_PER_SEC);
	CHECK_U(scan(f, 60 * NS_PER_SEC), 1, "the other one");
	g = group_for(f, 100);
	CHECK_U(g->nr_held, 1, "the reaped one is not held");
	CHECK_U(g->oldest_exit_ns, 30 * NS_PER_SEC, "nor the oldest");
}

/* Reaped between two scans: never reported, even though overdue. */
static void test_reaped_before_scan_never_reported(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *z;

	add(f, 100, 1);
	z = zombie(f, 200, 100, 20 * NS_PER_SEC);
	CHECK_U(scan(f, 24 * NS_PER_SEC), 0, "not due");
	pa_table_mark_reaped(&f->t, z, 40 * NS_PER_SEC);
	CHECK_U(scan(f, 41 * NS_PER_SEC), 0, "reaped meanwhile");
	CHECK_U(f->nr_calls, 0, "no call");
}

/* The scan looks at the table's zombie queue: a record dropped while a
 * zombie (its pid reused) leaves it, and an exit seen after the reap (a
 * record crossing another CPU's) does not make a zombie. */
static void test_zombie_queue_follows_the_table(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *dropped, *late;

	add(f, 100, 1);
	dropped = zombie(f, 200, 100, 20 * NS_PER_SEC);
	pa_table_remove(&f->t, dropped);
	late = add(f, 201, 100);
	pa_table_mark_reaped(&f->t, late, 21 * NS_PER_SEC);
	CHECK(pa_table_mark_exited(&f->t, late, 0, 20 * NS_PER_SEC), "the exit is taken");
	zombie(f, 202, 100, 22 * NS_PER_SEC);
	CHECK_U(scan(f, 60 * NS_PER_SEC), 1, "only the real zombie");
	check_fresh(&f->groups[0], (const uint32_t[]){ 202 }, 1);
	CHECK_U(group_for(f, 100)->nr_held, 1, "held: one");
}

/* ---- grouping and order ---------------------------------------------------- */

static void test_grouped_per_parent(void **state)
{
	struct fixture *f = *state;
	const struct seen_group *g;

	add(f, 100, 1);
	add(f, 101, 1);
	zombie(f, 200, 100, 12 * NS_PER_SEC);
	zombie(f, 300, 101, 15 * NS_PER_SEC);
	zombie(f, 201, 100, 10 * NS_PER_SEC);
	zombie(f, 202, 100, 11 * NS_PER_SEC);
	CHECK_U(scan(f, 30 * NS_PER_SEC), 4, "four newly reported");
	CHECK_U(f->nr_calls, 2, "one call per parent");
	g = group_for(f, 100);
	CHECK_U(g->nr_fresh, 3, "100: three");
	CHECK_U(g->nr_held, 3, "100 holds three");
	CHECK_U(g->oldest_exit_ns, 10 * NS_PER_SEC, "100: oldest exit");
	CHECK_U(g->oldest_fresh, 201, "100: oldest fresh");
	check_fresh(g, (const uint32_t[]){ 201, 202, 200 }, 3);
	g = group_for(f, 101);
	CHECK_U(g->nr_fresh, 1, "101: one");
	CHECK_U(g->nr_held, 1, "101 holds one");
	CHECK_U(g->oldest_exit_ns, 15 * NS_PER_SEC, "101: oldest exit");
	check_fresh(g, (const uint32_t[]){ 300 }, 1);
}

/* The table is walked in insertion order; the list comes out by exit
 * time whatever that order, equal times in the order met. */
static void test_fresh_ordered_oldest_first(void **state)
{
	static const struct {
		uint32_t pid;
		uint64_t exit_s;
	} zs[] = { { 210, 14 }, { 211, 12 }, { 212, 15 }, { 213, 11 }, { 214, 12 } };
	struct fixture *f = *state;

	add(f, 100, 1);
	for (size_t i = 0; i < sizeof(zs) / sizeof(zs[0]); i++)
		zombie(f, zs[i].pid, 100, zs[i].exit_s * NS_PER_SEC);
	CHECK_U(scan(f, 30 * NS_PER_SEC), 5, "five");
	CHECK_U(f->groups[0].nr_fresh, 5, "exactly the list's size");
	check_fresh(&f->groups[0], (const uint32_t[]){ 213, 211, 214, 210, 212 }, 5);
	CHECK_U(f->groups[0].oldest_fresh, 213, "oldest fresh");
}

/* Past the list's size: nr_fresh still counts all of them, the list keeps
 * the oldest PA_ZOMBIE_LIST_MAX in order, and every one is marked. */
static void test_more_than_list_max(void **state)
{
	static const struct {
		uint32_t pid;
		uint64_t exit_s;
	} zs[] = { { 220, 17 }, { 221, 13 }, { 222, 19 }, { 223, 11 }, { 224, 16 },
		   { 225, 12 }, { 226, 18 }, { 227, 14 }, { 228, 10 } };
	const size_t n = sizeof(zs) / sizeof(zs[0]);
	struct fixture *f = *state;
	const struct seen_group *g;

	add(f, 100, 1);
	for (size_t i = 0; i < n; i++)
		zombie(f, zs[i].pid, 100, zs[i].exit_s * NS_PER_SEC);
	CHECK(n > PA_ZOMBIE_LIST_MAX, "more than the list holds");
	CHECK_U(scan(f, 30 * NS_PER_SEC), n, "all newly reported");
	CHECK_U(f->nr_calls, 1, "one call for the parent");
	g = &f->groups[0];
	CHECK_U(g->nr_fresh, n, "nr_fresh counts all");
	CHECK_U(g->nr_held, n, "nr_held");
	CHECK_U(g->oldest_exit_ns, 10 * NS_PER_SEC, "oldest exit");
	CHECK_U(g->oldest_fresh, 228, "oldest fresh");
	check_fresh(g, (const uint32_t[]){ 228, 223, 225, 221, 227 }, PA_ZOMBIE_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!pa_table_find(&f->t, zs[i].pid)->zombie_reported)
			fail_msg("pid %u not marked reported", zs[i].pid);
	}
	CHECK_U(scan(f, 40 * NS_PER_SEC), 0, "none again");
	CHECK_U(f->nr_calls, 1, "no second call");
}

/* A zombie whose parent died was handed to init: it is init's now. */
static void test_reparented_zombie_grouped_under_new_parent(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *z;

	add(f, 1, 0);
	add(f, 100, 1);
	z = zombie(f, 200, 100, 20 * NS_PER_SEC);
	pa_table_reparent(&f->t, z, 1);
	CHECK_U(scan(f, 30 * NS_PER_SEC), 1, "reported");
	CHECK_U(f->groups[0].ppid, 1, "under its new parent");
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_empty_table_no_call),
		T(test_live_processes_are_not_zombies),
		T(test_no_alert_before_threshold),
		T(test_alert_once_per_zombie),
		T(test_new_zombie_of_reported_parent),
		T(test_held_counts_young_zombies),
		T(test_reaped_are_not_zombies),
		T(test_reaped_before_scan_never_reported),
		T(test_zombie_queue_follows_the_table),
		T(test_grouped_per_parent),
		T(test_fresh_ordered_oldest_first),
		T(test_more_than_list_max),
		T(test_reparented_zombie_grouped_under_new_parent),
	};
#undef T

	return cmocka_run_group_tests_name("detect_zombie", tests, NULL, NULL);
}
