// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * syscall_stats: map reads as bpf/syscalls.bpf.c leaves them (per-CPU
 * values, any order) turned into per-process summaries: sums over CPUs,
 * deltas between reads, top-N by time and by count with ties broken the
 * same way every time, names for numbers, a process whose entries went
 * away, the overflow counter; then the summary as the JSON and text sinks
 * print it.
 */
#include <sys/syscall.h>

#include "fixture.h"

#include "syscall_stats.h"

#define E(tgid, nr, count, errors, time_ns) \
	((struct pa_sys_entry){ { (tgid), (nr) }, { (count), (errors), (time_ns) } })

/* The summaries of one read, in tgid order. */
static size_t summaries(const struct pa_sysstats *s, bool delta, enum pa_sys_sort sort, unsigned top,
			struct pa_sys_summary *out, size_t max)
{
	size_t pos = 0, n = 0;

	while (n < max && pa_sysstats_next(s, &pos, delta, sort, top, &out[n]))
		n++;
	return n;
}

static void test_sum_over_cpus(void **state)
{
	const struct pa_sys_val cpus[3] = { { 5, 1, 100 }, { 0, 0, 0 }, { 7, 2, 50 } };
	struct pa_sys_val v = pa_sys_sum_cpus(cpus, 3);

	(void)state;
	CHECK_U(v.count, 12, "count summed");
	CHECK_U(v.errors, 3, "errors summed");
	CHECK_U(v.time_ns, 150, "time summed");
	v = pa_sys_sum_cpus(cpus, 0);
	CHECK_U(v.count + v.errors + v.time_ns, 0, "no CPUs, nothing");
}

static void test_totals_and_deltas(void **state)
{
	struct pa_sysstats s;
	struct pa_sys_summary sum[4];
	const struct pa_sys_entry r1[] = { E(20, SYS_read, 10, 1, 1000), E(10, SYS_getppid, 5, 0, 50),
					   E(20, SYS_write, 4, 0, 4000) };
	const struct pa_sys_entry r2[] = { E(20, SYS_write, 6, 0, 5000), E(10, SYS_getppid, 5, 0, 50),
					   E(20, SYS_read, 15, 3, 1500), E(20, SYS_close, 2, 2, 20) };

	(void)state;
	pa_sysstats_init(&s);
	CHECK_I(pa_sysstats_update(&s, r1, 3, 0), 0, "first read");
	CHECK_U(summaries(&s, true, PA_SYS_SORT_TIME, 10, sum, 4), 2, "two processes");
	CHECK_U(sum[0].tgid, 10, "in tgid order");
	CHECK_U(sum[0].total.count, 5, "first read: the delta is everything");
	CHECK_U(sum[1].total.count, 14, "20's total count");
	CHECK_U(sum[1].total.errors, 1, "20's errors");
	CHECK_U(sum[1].total.time_ns, 5000, "20's time");

	CHECK_I(pa_sysstats_update(&s, r2, 4, 0), 0, "second read");
	CHECK_U(summaries(&s, true, PA_SYS_SORT_TIME, 10, sum, 4), 1, "10 did nothing new: skipped");
	CHECK_U(sum[0].tgid, 20, "only 20");
	CHECK_U(sum[0].total.count, 2 + 5 + 2, "new calls");
	CHECK_U(sum[0].total.errors, 2 + 2, "new errors");
	CHECK_U(sum[0].total.time_ns, 1000 + 500 + 20, "new time");
	CHECK_U(sum[0].nr_top, 3, "three syscalls");
	CHECK_STR(sum[0].top[0].name, "write", "most time new: write");
	CHECK_U(sum[0].top[0].val.count, 2, "write's new count");

	CHECK_U(summaries(&s, false, PA_SYS_SORT_TIME, 10, sum, 4), 2, "totals: both processes");
	CHECK_U(sum[1].total.count, 23, "20's totals");
	CHECK_U(sum[1].total.time_ns, 6520, "20's total time");
	pa_sysstats_free(&s);
}

static void test_top_by_time_and_count(void **state)
{
	struct pa_sysstats s;
	struct pa_sys_summary sum;
	const struct pa_sys_entry r[] = {
		E(7, SYS_read, 100, 0, 300), E(7, SYS_write, 10, 0, 9000), E(7, SYS_openat, 50, 5, 800),
		E(7, SYS_close, 50, 0, 800), E(7, SYS_futex, 100, 0, 200), E(7, SYS_mmap, 1, 0, 1),
	};

	(void)state;
	pa_sysstats_init(&s);
	pa_sysstats_update(&s, r, 6, 0);
	CHECK_U(summaries(&s, false, PA_SYS_SORT_TIME, 4, &sum, 1), 1, "one process");
	CHECK_U(sum.nr_top, 4, "top 4");
	CHECK_STR(sum.top[0].name, "write", "time 1");
	/* openat and close tie on time and count: the lower number first. */
	CHECK_STR(sum.top[1].name, "close", "time 2 (tie: lower number)");
	CHECK_STR(sum.top[2].name, "openat", "time 3 (tie)");
	CHECK_STR(sum.top[3].name, "read", "time 4");
	CHECK_U(sum.total.count, 311, "totals count all, not only the top");

	CHECK_U(summaries(&s, false, PA_SYS_SORT_COUNT, 3, &sum, 1), 1, "by count");
	CHECK_U(sum.nr_top, 3, "top 3");
	/* read and futex tie on count: more time first. */
	CHECK_STR(sum.top[0].name, "read", "count 1 (tie: more time)");
	CHECK_STR(sum.top[1].name, "futex", "count 2");
	CHECK_STR(sum.top[2].name, "close", "count 3 (tie with openat: lower number)");

	CHECK_U(summaries(&s, false, PA_SYS_SORT_COUNT, 1000, &sum, 1), 1, "top past the maximum");
	CHECK_U(sum.nr_top, 6, "all six");
	pa_sysstats_free(&s);
}

static void test_names(void **state)
{
	struct pa_sysstats s;
	struct pa_sys_summary sum;
	const struct pa_sys_entry r[] = { E(3, SYS_getppid, 2, 0, 9), E(3, 99999, 1, 1, 1) };

	(void)state;
	pa_sysstats_init(&s);
	pa_sysstats_update(&s, r, 2, 0);
	summaries(&s, false, PA_SYS_SORT_TIME, 10, &sum, 1);
	CHECK_STR(sum.top[0].name, "getppid", "named");
	CHECK_U(sum.top[0].nr, SYS_getppid, "and numbered");
	CHECK(sum.top[1].name == NULL, "an unknown number has no name");
	CHECK_U(sum.top[1].nr, 99999, "but keeps its number");
	pa_sysstats_free(&s);
}

/* A process whose entries left the map is no longer summarised; one that
 * took its pid anew (counters below the old ones) is counted from zero. */
static void test_process_that_ended(void **state)
{
	struct pa_sysstats s;
	struct pa_sys_summary sum[2];
	const struct pa_sys_entry r1[] = { E(5, SYS_read, 100, 0, 1000), E(6, SYS_read, 9, 0, 90) };
	const struct pa_sys_entry r2[] = { E(5, SYS_read, 3, 0, 30) };

	(void)state;
	pa_sysstats_init(&s);
	pa_sysstats_update(&s, r1, 2, 0);
	pa_sysstats_update(&s, r2, 1, 0);
	CHECK_U(summaries(&s, true, PA_SYS_SORT_TIME, 10, sum, 2), 1, "6 is gone");
	CHECK_U(sum[0].tgid, 5, "5, a new process");
	CHECK_U(sum[0].total.count, 3, "counted from zero, not negative");
	CHECK_U(sum[0].total.time_ns, 30, "its time");
	pa_sysstats_update(&s, NULL, 0, 0);
	CHECK_U(summaries(&s, true, PA_SYS_SORT_TIME, 10, sum, 2), 0, "an empty read");
	pa_sysstats_free(&s);
}

static void test_overflow(void **state)
{
	struct pa_sysstats s;

	(void)state;
	pa_sysstats_init(&s);
	pa_sysstats_update(&s, NULL, 0, 7);
	CHECK_U(s.overflow, 7, "the kernel's count");
	CHECK_U(s.overflow_new, 7, "all new");
	pa_sysstats_update(&s, NULL, 0, 10);
	CHECK_U(s.overflow_new, 3, "since the last read");
	pa_sysstats_update(&s, NULL, 0, 10);
	CHECK_U(s.overflow_new, 0, "nothing new");
	pa_sysstats_free(&s);
}

static void test_sort_parse(void **state)
{
	enum pa_sys_sort sort;

	(void)state;
	CHECK_I(pa_sys_sort_parse("count", &sort), 0, "count");
	CHECK_I(sort, PA_SYS_SORT_COUNT, "count parsed");
	CHECK_I(pa_sys_sort_parse("time", &sort), 0, "time");
	CHECK_I(sort, PA_SYS_SORT_TIME, "time parsed");
	CHECK_I(pa_sys_sort_parse("Time", &sort), -1, "case matters");
}

/* ---- through the sinks ----------------------------------------------------- */

static const struct pa_sys_entry busy[] = {
	E(200, SYS_read, 1200, 3, 15200000), E(200, SYS_write, 40, 0, 1100000),
	E(999, SYS_getppid, 2, 0, 2000), /* not in the table */
};

static void test_json_summary(void **state)
{
	struct fixture *f = *state;
	struct pa_sysstats s;
	json_t *o, *top;

	known(f, &child, "bash");
	pa_sysstats_init(&s);
	pa_sysstats_update(&s, busy, 3, 0);
	pa_collector_syscalls(&f->c, &s, true, PA_SYS_SORT_TIME, 10, 10 * NS_PER_SEC, 30 * NS_PER_SEC);
	CHECK_U(drain(f), 2, "one line per process");
	o = f->lines[0];
	check_common(o, "syscalls", "metric", "info");
	CHECK_JINT(o, "process.pid", 200);
	CHECK_JSTR(o, "process.name", "bash");
	CHECK_JINT(o, "ptrace_agent.syscalls.interval_ms", 10000);
	CHECK_JINT(o, "ptrace_agent.syscalls.total.count", 1240);
	CHECK_JINT(o, "ptrace_agent.syscalls.total.errors", 3);
	CHECK_JINT(o, "ptrace_agent.syscalls.total.time_ms", 16);
	top = jget(o, "ptrace_agent.syscalls.top");
	CHECK(json_is_array(top) && json_array_size(top) == 2, "two rows");
	CHECK_JSTR(json_array_get(top, 0), "name", "read");
	CHECK_JINT(json_array_get(top, 0), "nr", SYS_read);
	CHECK_JINT(json_array_get(top, 0), "count", 1200);
	CHECK_JINT(json_array_get(top, 0), "errors", 3);
	CHECK_JINT(json_array_get(top, 0), "time_us", 15200);
	CHECK_JSTR(json_array_get(top, 1), "name", "write");
	CHECK_JINT(f->lines[1], "process.pid", 999);
	CHECK_JSTR(f->lines[1], "process.name", "?");
	pa_sysstats_free(&s);
}

static void test_text_summary(void **state)
{
	struct fixture *f = *state;
	struct pa_sysstats s;

	known(f, &child, "bash");
	pa_sysstats_init(&s);
	pa_sysstats_update(&s, busy, 2, 0);
	pa_collector_syscalls(&f->c, &s, false, PA_SYS_SORT_TIME, 10, 10 * NS_PER_SEC, 30 * NS_PER_SEC);
	pa_sysstats_free(&s);
	CHECK_U(drain(f), 2, "header and one line");
	CHECK(strstr(f->text, " syscalls pid=200 comm=bash: 1240 in 10.00s, 3 failed: "
			      "read 1200 (3 err, 15.2ms), write 40 (1.1ms)\n") != NULL,
	      "the text line");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_over_cpus),
		cmocka_unit_test(test_totals_and_deltas),
		cmocka_unit_test(test_top_by_time_and_count),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_process_that_ended),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_sort_parse),
		cmocka_unit_test_setup_teardown(test_json_summary, setup_json, teardown),
		cmocka_unit_test_setup_teardown(test_text_summary, setup_text, teardown),
	};

	return cmocka_run_group_tests_name("syscall_stats", tests, NULL, NULL);
}
