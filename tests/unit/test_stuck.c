// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Stuck threads: detect_stuck.c (each D-state block reported once) and the
 * collector's stuck reports (report_stuck.c) as the JSON and text sinks
 * write them.  The collector reads a fake /proc in a temporary directory
 * (thread files, an fd symlink, kallsyms) and kernel stacks from a fake
 * read_stack callback.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

#include "detect_stuck.h"

#define AFTER (10 * NS_PER_SEC) /* --stuck-after in these tests */
#define MAX_LOG 16

/* ======================================================================
 * detect_stuck.c
 * ====================================================================== */

struct stuck_log {
	struct pa_dthread got[MAX_LOG];
	size_t n;
};

static void log_stuck(void *ctx, const struct pa_dthread *d)
{
	struct stuck_log *log = ctx;

	if (log->n < MAX_LOG)
		log->got[log->n] = *d;
	log->n++;
}

/* One scan; returns how many threads it reported (the log keeps them). */
static size_t scan(struct pa_stuck_tracker *t, struct stuck_log *log, const struct pa_dthread *d,
		   size_t n, uint64_t now_ns)
{
	log->n = 0;
	pa_stuck_scan(t, d, n, now_ns, AFTER, log_stuck, log);
	return log->n;
}

static void test_below_threshold_nothing(void **state)
{
	struct pa_dthread d = { .tid = 301, .tgid = 300, .since_ns = 100 * NS_PER_SEC, .stack_id = 7 };
	struct pa_stuck_tracker t;
	struct stuck_log log;

	(void)state;
	pa_stuck_init(&t);
	CHECK_U(scan(&t, &log, &d, 1, 100 * NS_PER_SEC), 0, "reports just after blocking");
	CHECK_U(scan(&t, &log, &d, 1, 110 * NS_PER_SEC - 1), 0, "reports 1ns before the threshold");
	pa_stuck_free(&t);
}

static void test_at_threshold_once(void **state)
{
	struct pa_dthread d = { .tid = 301, .tgid = 300, .since_ns = 100 * NS_PER_SEC, .stack_id = 7 };
	struct pa_stuck_tracker t;
	struct stuck_log log;

	(void)state;
	pa_stuck_init(&t);
	CHECK_U(scan(&t, &log, &d, 1, 110 * NS_PER_SEC), 1, "reports exactly at the threshold");
	CHECK_U(log.got[0].tid, 301, "reported tid");
	CHECK_U(log.got[0].tgid, 300, "reported tgid");
	CHECK_U(log.got[0].since_ns, 100 * NS_PER_SEC, "reported since_ns");
	CHECK_I(log.got[0].stack_id, 7, "reported stack_id");
	pa_stuck_free(&t);

	/* Well past it, on a fresh tracker: reported too. */
	pa_stuck_init(&t);
	CHECK_U(scan(&t, &log, &d, 1, 500 * NS_PER_SEC), 1, "reports long after the threshold");
	pa_stuck_free(&t);
}

static void test_same_block_not_repeated(void **state)
{
	struct pa_dthread d = { .tid = 301, .tgid = 300, .since_ns = 100 * NS_PER_SEC, .stack_id = 7 };
	struct pa_stuck_tracker t;
	struct stuck_log log;

	(void)state;
	pa_stuck_init(&t);
	CHECK_U(scan(&t, &log, &d, 1, 111 * NS_PER_SEC), 1, "first scan past the threshold");
	CHECK_U(scan(&t, &log, &d, 1, 112 * NS_PER_SEC), 0, "second scan of the same block");
	CHECK_U(scan(&t, &log, &d, 1, 3600 * NS_PER_SEC), 0, "an hour later, same block");
	/* A new stack id alone does not make a new block. */
	d.stack_id = 9;
	CHECK_U(scan(&t, &log, &d, 1, 3601 * NS_PER_SEC), 0, "same since_ns, other stack id");
	pa_stuck_free(&t);
}

static void test_new_block_reported_again(void **state)
{
	struct pa_dthread d = { .tid = 301, .tgid = 300, .since_ns = 100 * NS_PER_SEC, .stack_id = 7 };
	struct pa_stuck_tracker t;
	struct stuck_log log;

	(void)state;
	pa_stuck_init(&t);
	CHECK_U(scan(&t, &log, &d, 1, 111 * NS_PER_SEC), 1, "the first block");
	/* It ran and blocked again between two scans: a new start. */
	d.since_ns = 150 * NS_PER_SEC;
	d.stack_id = 8;
	CHECK_U(scan(&t, &log, &d, 1, 155 * NS_PER_SEC), 0, "the new block, below the threshold");
	CHECK_U(scan(&t, &log, &d, 1, 160 * NS_PER_SEC), 1, "the new block, at the threshold");
	CHECK_U(log.got[0].since_ns, 150 * NS_PER_SEC, "the new block's start");
	CHECK_I(log.got[0].stack_id, 8, "the new block's stack");
	CHECK_U(scan(&t, &log, &d, 1, 170 * NS_PER_SEC), 0, "the new block, once");

	/* Blocked again, already past the threshold at the next scan. */
	d.since_ns = 171 * NS_PER_SEC;
	CHECK_U(scan(&t, &log, &d, 1, 190 * NS_PER_SEC), 1, "a third block");
	pa_stuck_free(&t);
}

static void test_absent_thread_forgotten(void **state)
{
	struct pa_dthread d = { .tid = 301, .tgid = 300, .since_ns = 100 * NS_PER_SEC, .stack_id = 7 };
	struct pa_stuck_tracker t;
	struct stuck_log log;

	(void)state;
	pa_stuck_init(&t);
	CHECK_U(scan(&t, &log, &d, 1, 111 * NS_PER_SEC), 1, "reported");
	CHECK_U(scan(&t, &log, NULL, 0, 112 * NS_PER_SEC), 0, "a scan without it");
	/* Same start as before: only possible as a new block here, since the
	 * tracker was told it left D; it must not be taken for the old one. */
	CHECK_U(scan(&t, &log, &d, 1, 113 * NS_PER_SEC), 1, "back with the old since_ns");
	CHECK_U(scan(&t, &log, &d, 1, 114 * NS_PER_SEC), 0, "and then once only");
	pa_stuck_free(&t);
}

static void test_several_threads(void **state)
{
	struct pa_dthread d[] = {
		{ .tid = 301, .tgid = 300, .since_ns = 100 * NS_PER_SEC, .stack_id = 1 },
		{ .tid = 302, .tgid = 300, .since_ns = 105 * NS_PER_SEC, .stack_id = 2 },
		{ .tid = 401, .tgid = 401, .since_ns = 90 * NS_PER_SEC, .stack_id = -1 },
	};
	struct pa_stuck_tracker t;
	struct stuck_log log;

	(void)state;
	pa_stuck_init(&t);
	CHECK_U(scan(&t, &log, d, 3, 112 * NS_PER_SEC), 2, "two of three past the threshold");
	CHECK_U(log.got[0].tid, 301, "first reported, in map order");
	CHECK_U(log.got[1].tid, 401, "second reported");
	CHECK_U(scan(&t, &log, d, 3, 115 * NS_PER_SEC), 1, "the third reaches it");
	CHECK_U(log.got[0].tid, 302, "the third");
	CHECK_U(scan(&t, &log, d, 3, 116 * NS_PER_SEC), 0, "all three already reported");

	/* 301 left D; the others stay and are not reported again. */
	CHECK_U(scan(&t, &log, d + 1, 2, 117 * NS_PER_SEC), 0, "301 gone, others known");
	CHECK_U(scan(&t, &log, d, 3, 118 * NS_PER_SEC), 1, "301 back: reported, the others not");
	CHECK_U(log.got[0].tid, 301, "301 again");
	pa_stuck_free(&t);
}

static void test_free_with_entries(void **state)
{
	struct pa_dthread d[64];
	struct pa_stuck_tracker t;
	struct stuck_log log;

	(void)state;
	for (uint32_t i = 0; i < 64; i++)
		d[i] = (struct pa_dthread){ .tid = 1000 + i, .tgid = 1000, .since_ns = NS_PER_SEC, .stack_id = -1 };
	pa_stuck_init(&t);
	scan(&t, &log, d, 64, 20 * NS_PER_SEC);
	CHECK_U(log.n, 64, "every thread reported once");
	pa_stuck_free(&t); /* the leak checkers see that this frees all */
	CHECK(t.seen == NULL, "empty after free");
}

/* ======================================================================
 * The collector's stuck reports
 * ====================================================================== */

/* The process: dd (300) with a second thread 301, started at 50s. */
static const struct synth_task dd = {
	.pid = 300, .ppid = 1, .start_ns = 50 * NS_PER_SEC, .comm = "dd",
};
static const struct synth_task dd_thread = {
	.pid = 301, .tgid = 300, .ppid = 1, .start_ns = 50 * NS_PER_SEC, .task_start_ns = 51 * NS_PER_SEC,
	.comm = "dd",
};

#define SINCE (100 * NS_PER_SEC)
#define NOW (112500 * NS_PER_MS) /* 12.5 s after SINCE */
#define STACK_ID 7
#define FILE_TARGET "/var/lib/db/x.wal"

/* A kernel's text as kallsyms lists it, a module's BPF program first. */
static const char kallsyms[] =
	"ffffffffc0001000 t bpf_prog_6deef7357e7b4530_on_switch\t[bpf]\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 T bpf_trace_run4\n"
	"ffffffff81110000 t __bpf_trace_sched_switch\n"
	"ffffffff81200000 t __schedule\n"
	"ffffffff81250000 T schedule\n"
	"ffffffff82000000 D init_task\n"
	"ffffffff81260000 T io_schedule\n"
	"ffffffff81300000 T folio_wait_bit_common\n"
	"ffffffff81400000 T filemap_read\n"
	"ffffffff81500000 T vfs_read\n"
	"ffffffff81510000 T ksys_read\n"
	"ffffffff81600000 T do_syscall_64\n";

/* What bpf_get_stackid() stored in sched_switch: our program and the
 * tracepoint's call into it, then the thread's own path. */
static const uint64_t bpf_stack[] = {
	0xffffffffc0001044ULL, /* bpf_prog_..._on_switch+0x44 */
	0xffffffff8110008aULL, /* bpf_trace_run4+0x8a */
	0xffffffff81110020ULL, /* __bpf_trace_sched_switch+0x20 */
	0xffffffff812002a0ULL, /* __schedule+0x2a0 */
	0xffffffff8125004dULL, /* schedule+0x4d */
	0xffffffff81260012ULL, /* io_schedule+0x12 */
	0xffffffff813001a3ULL, /* folio_wait_bit_common+0x1a3 */
	0xffffffff814002c1ULL, /* filemap_read+0x2c1 */
	0xffffffff815001a0ULL, /* vfs_read+0x1a0 */
	0xffffffff8151006fULL, /* ksys_read+0x6f */
	0xffffffff8160005bULL, /* do_syscall_64+0x5b */
};

#define WANT_FRAMES                                                                            \
	"__schedule+0x2a0", "schedule+0x4d", "io_schedule+0x12", "folio_wait_bit_common+0x1a3", \
		"filemap_read+0x2c1", "vfs_read+0x1a0", "ksys_read+0x6f", "do_syscall_64+0x5b"

/* The kernel's /proc/PID/task/TID/stack for a thread in wait4. */
static const char proc_stack[] = "[<0>] do_wait+0x53/0x120\n"
				 "[<0>] kernel_wait4+0xaf/0x150\n"
				 "[<0>] __do_sys_wait4+0x89/0xa0\n"
				 "[<0>] do_syscall_64+0x5b/0x80\n"
				 "[<0>] entry_SYSCALL_64_after_hwframe+0x6e/0x76\n";

#define WANT_PROC_FRAMES \
	"do_wait+0x53", "kernel_wait4+0xaf", "__do_sys_wait4+0x89", "do_syscall_64+0x5b", \
		"entry_SYSCALL_64_after_hwframe+0x6e"

/* read(3, buf, 4096) */
static const char syscall_read[] = "0 0x3 0x7ffd1000 0x1000 0x0 0x0 0x0 0x7ffd0ff8 0x7f0012345678\n";

struct fake_stacks {
	const uint64_t *ips; /* NULL: the stack is not in the map (-1) */
	size_t n;
	unsigned calls;
	int32_t last_id;
};

/* The read_stack callback's state, set afresh by each setup (the shared
 * fixture has no room for it). */
static struct fake_stacks stacks;

static int fake_read_stack(void *ctx, int32_t stack_id, uint64_t *ips, unsigned max)
{
	struct fake_stacks *s = ctx;
	size_t n;

	s->calls++;
	s->last_id = stack_id;
	if (!s->ips)
		return -1;
	n = s->n < max ? s->n : max;
	memcpy(ips, s->ips, n * sizeof(*ips));
	return (int)n;
}

/* ---- the fake /proc ---------------------------------------------------- */

static void mkdirs(const char *path)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", buf, strerror(errno));
}

/* dir/rel holding text (replaced if there), its directories made. */
static void put_file(const struct fixture *f, const char *rel, const char *text)
{
	char path[256];
	char *slash;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->proc_dir, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	fp = fopen(path, "w");
	if (!fp)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void remove_file(const struct fixture *f, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", f->proc_dir, rel);
	assert_int_equal(unlink(path), 0);
}

/* TGID/task/TID/{stat,syscall,wchan,status} of a thread in D. */
static void put_thread(const struct fixture *f, uint32_t tgid, uint32_t tid, const char *syscall,
		       const char *wchan)
{
	char rel[64], text[512];

	snprintf(rel, sizeof(rel), "%u/task/%u/stat", tgid, tid);
	snprintf(text, sizeof(text),
		 "%u (dd) D 1 %u %u 0 -1 4194304 99 0 0 0 5 3 0 0 20 0 2 0 5000 "
		 "3133440 341 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 "
		 "0 0 0 0 0 0 0 0 0 0\n",
		 tid, tgid, tgid);
	put_file(f, rel, text);
	snprintf(rel, sizeof(rel), "%u/task/%u/syscall", tgid, tid);
	put_file(f, rel, syscall);
	snprintf(rel, sizeof(rel), "%u/task/%u/wchan", tgid, tid);
	put_file(f, rel, wchan);
	snprintf(rel, sizeof(rel), "%u/task/%u/status", tgid, tid);
	snprintf(text, sizeof(text),
		 "Name:\tdd\nUmask:\t0022\nState:\tD (disk sleep)\nTgid:\t%u\nNgid:\t0\nPid:\t%u\n"
		 "PPid:\t1\nTracerPid:\t0\nNSpid:\t%u\nSigQ:\t0/63448\nSigPnd:\t0000000000000000\n"
		 "ShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
		 "SigCgt:\t0000000000000000\n",
		 tgid, tid, tid);
	put_file(f, rel, text);
}

static void put_fd(const struct fixture *f, uint32_t tgid, int fd, const char *target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%u/fd", f->proc_dir, tgid);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/%u/fd/%d", f->proc_dir, tgid, fd);
	if (symlink(target, path))
		fail_msg("symlink %s: %s", path, strerror(errno));
}

/* ---- fixture ------------------------------------------------------------ */

/* fixture.h's collector and sink, plus a fake /proc holding dd in D and
 * the stack callback; the table learns of dd and its thread. */
static int setup_stuck(void **state, bool json)
{
	struct pa_fork_event fork_proc = synth_fork(60 * NS_PER_SEC, &dd, &init_task);
	struct pa_fork_event fork_thread = synth_fork(61 * NS_PER_SEC, &dd_thread, &dd);
	struct fixture *f;

	if (fixture_setup(state, json))
		return -1;
	f = *state;
	fake_proc_root(f);
	f->c.stuck_after_ns = AFTER;
	f->c.read_stack = fake_read_stack;
	f->c.read_stack_ctx = &stacks;
	stacks = (struct fake_stacks){
		.ips = bpf_stack,
		.n = sizeof(bpf_stack) / sizeof(bpf_stack[0]),
		.last_id = -100,
	};

	/* dd, in read(3) on a file, blocked in the page cache. */
	put_file(f, "kallsyms", kallsyms);
	put_thread(f, dd.pid, dd_thread.pid, syscall_read, "folio_wait_bit_common");
	put_fd(f, dd.pid, 3, FILE_TARGET);

	/* The table learns of dd and its thread the usual way. */
	FEED(f, fork_proc);
	FEED(f, fork_thread);
	if (!pa_table_find_identity(&f->c.table, dd.pid, dd.start_ns))
		return -1;
	drain(f);
	return 0;
}

static int setup_stuck_json(void **state)
{
	return setup_stuck(state, true);
}

static int setup_stuck_text(void **state)
{
	return setup_stuck(state, false);
}

/* One scan of the dstate map holding only dd's thread. */
static void scan_thread(struct fixture *f, int32_t stack_id, uint64_t now_ns)
{
	struct pa_dthread d = { .tid = dd_thread.pid, .tgid = dd.pid, .since_ns = SINCE, .stack_id = stack_id };

	pa_collector_stuck_scan(&f->c, &d, 1, now_ns);
}

static struct pa_unstuck_event synth_unstuck(uint64_t ts_ns, const struct synth_task *t,
					     uint64_t since_ns)
{
	struct pa_unstuck_event e;

	memset(&e, 0, sizeof(e));
	synth_header(&e.hdr, PA_EV_UNSTUCK, sizeof(e), ts_ns, t);
	e.d_since_ns = since_ns;
	e.blocked_ns = ts_ns - since_ns;
	return e;
}

static struct pa_hung_event synth_hung(uint64_t ts_ns, const struct synth_task *t)
{
	struct pa_hung_event e;

	memset(&e, 0, sizeof(e));
	synth_header(&e.hdr, PA_EV_HUNG, sizeof(e), ts_ns, t);
	return e;
}

/* ---- JSON checks (the rest are fixture.h's) ----------------------------- */

#define CHECK_JINTS(o, path, ...)                                                           \
	check_jints((o), (path), (const long long[]){ __VA_ARGS__ },                        \
		    sizeof((const long long[]){ __VA_ARGS__ }) / sizeof(long long), __FILE__, \
		    __LINE__)

static void check_jints(json_t *o, const char *path, const long long *want, size_t n,
			const char *file, int line)
{
	json_t *v = jget(o, path);
	char what[128];

	if (!json_is_array(v)) {
		print_error("%s: missing or not an array (want %zu integers)\n", path, n);
		_fail(file, line);
	}
	for (size_t i = 0; i < json_array_size(v) && i < n; i++) {
		json_t *e = json_array_get(v, i);

		snprintf(what, sizeof(what), "%s[%zu]", path, i);
		if (!json_is_integer(e)) {
			print_error("%s: not an integer (want %lld)\n", what, want[i]);
			_fail(file, line);
		}
		synth_check_i(json_integer_value(e), want[i], what, file, line);
	}
	snprintf(what, sizeof(what), "%s: element count", path);
	synth_check_u(json_array_size(v), n, what, file, line);
}

/* What every stuck alert about dd's thread says, whatever else it holds. */
static void check_stuck_common(json_t *o, uint32_t tid)
{
	CHECK_JSTR(o, "event.action", "stuck");
	CHECK_JSTR(o, "event.kind", "alert");
	CHECK_JINT(o, "process.pid", dd.pid);
	CHECK_JSTR(o, "process.name", "dd");
	CHECK_JINT(o, "process.thread.id", tid);
	CHECK_JINT(o, "process.parent.pid", 1);
	CHECK_JSTR(o, "host.hostname", HOSTNAME);
}

/* ---- scans -------------------------------------------------------------- */

static void test_stuck_json_dossier(void **state)
{
	struct fixture *f = *state;
	json_t *o;

	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	o = f->lines[0];
	check_stuck_common(o, dd_thread.pid);
	CHECK_JSTR(o, "@timestamp", "2023-11-14T22:15:12.500000Z");
	CHECK_JINT(o, "ptrace_agent.blocked_ms", 12500);
	CHECK_JSTRS(o, "ptrace_agent.kernel_stack", WANT_FRAMES);
	CHECK_JSTR(o, "ptrace_agent.syscall", "read");
	CHECK_JSTR(o, "ptrace_agent.file", FILE_TARGET);
	CHECK_JSTR(o, "ptrace_agent.wchan", "folio_wait_bit_common");
	CHECK_JBOOL(o, "ptrace_agent.stuck.ended", false);
	CHECK_JSTR(o, "ptrace_agent.stuck.source", "sched_switch");
	CHECK_JINTS(o, "ptrace_agent.syscall_args", 3, 0x7ffd1000, 0x1000, 0, 0, 0);
	CHECK_U(stacks.calls, 1, "read_stack calls");
	CHECK_I(stacks.last_id, STACK_ID, "read_stack asked for the map's stack id");

	/* The same block at the next scans: nothing more. */
	scan_thread(f, STACK_ID, NOW + NS_PER_SEC);
	scan_thread(f, STACK_ID, NOW + 60 * NS_PER_SEC);
	CHECK_U(drain(f), 0, "no repeat for the same block");
	CHECK_U(stacks.calls, 1, "no stack read for a block already reported");
}

static void test_stuck_below_threshold(void **state)
{
	struct fixture *f = *state;

	scan_thread(f, STACK_ID, SINCE + AFTER - 1);
	CHECK_U(drain(f), 0, "no line before --stuck-after");
	CHECK_U(stacks.calls, 0, "no stack read before --stuck-after");
	CHECK(!f->c.ksyms_tried, "kallsyms not read before the first stuck thread");
}

/* A tracing frame deeper in the stack is the thread's own: kept. */
static void test_stuck_only_leading_bpf_frames_dropped(void **state)
{
	struct fixture *f = *state;
	static const uint64_t ips[] = {
		0xffffffff8110008aULL, /* bpf_trace_run4+0x8a */
		0xffffffff8125004dULL, /* schedule+0x4d */
		0xffffffff81110020ULL, /* __bpf_trace_sched_switch+0x20 */
		0xffffffffc0001044ULL, /* bpf_prog_...+0x44 */
	};

	stacks.ips = ips;
	stacks.n = sizeof(ips) / sizeof(ips[0]);
	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	CHECK_JSTRS(f->lines[0], "ptrace_agent.kernel_stack", "schedule+0x4d", "__bpf_trace_sched_switch+0x20",
		    "bpf_prog_6deef7357e7b4530_on_switch+0x44");
}

static void test_stuck_proc_stack_when_read_stack_fails(void **state)
{
	struct fixture *f = *state;

	put_file(f, "300/task/301/stack", proc_stack);
	stacks.ips = NULL; /* evicted from the stack map */
	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	CHECK_U(stacks.calls, 1, "read_stack tried first");
	CHECK_JSTRS(f->lines[0], "ptrace_agent.kernel_stack", WANT_PROC_FRAMES);
	CHECK_JSTR(f->lines[0], "ptrace_agent.syscall", "read");
}

static void test_stuck_proc_stack_without_stack_id(void **state)
{
	struct fixture *f = *state;

	put_file(f, "300/task/301/stack", proc_stack);
	scan_thread(f, -14 /* -EFAULT from bpf_get_stackid */, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	CHECK_U(stacks.calls, 0, "read_stack not asked for a negative stack id");
	CHECK_JSTRS(f->lines[0], "ptrace_agent.kernel_stack", WANT_PROC_FRAMES);
}

/* Nothing left once our own frames are dropped: the kernel's view instead. */
static void test_stuck_proc_stack_when_only_bpf_frames(void **state)
{
	struct fixture *f = *state;

	put_file(f, "300/task/301/stack", proc_stack);
	stacks.n = 3; /* bpf_prog, bpf_trace_run4, __bpf_trace_sched_switch */
	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	CHECK_JSTRS(f->lines[0], "ptrace_agent.kernel_stack", WANT_PROC_FRAMES);
}

static void test_stuck_no_stack_at_all(void **state)
{
	struct fixture *f = *state;

	stacks.ips = NULL;
	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line, even without a stack");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.kernel_stack");
	CHECK_JSTR(f->lines[0], "ptrace_agent.syscall", "read");
	CHECK_JINT(f->lines[0], "ptrace_agent.blocked_ms", 12500);
}

/* Not root: no kallsyms.  Frames stay addresses (so ours cannot be told
 * apart and are kept); the alert still goes out. */
static void test_stuck_without_kallsyms(void **state)
{
	struct fixture *f = *state;

	remove_file(f, "kallsyms");
	stacks.n = 5;
	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	CHECK_JSTRS(f->lines[0], "ptrace_agent.kernel_stack", "0xffffffffc0001044", "0xffffffff8110008a",
		    "0xffffffff81110020", "0xffffffff812002a0", "0xffffffff8125004d");
	CHECK_JSTR(f->lines[0], "ptrace_agent.file", FILE_TARGET);
}

/* The thread exited between the map scan and our look at /proc. */
static void test_stuck_thread_gone_from_proc(void **state)
{
	struct fixture *f = *state;
	struct pa_dthread d = { .tid = 302, .tgid = dd.pid, .since_ns = SINCE, .stack_id = STACK_ID };

	pa_collector_stuck_scan(&f->c, &d, 1, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	check_stuck_common(f->lines[0], 302);
	CHECK_JSTRS(f->lines[0], "ptrace_agent.kernel_stack", WANT_FRAMES);
	CHECK_JABSENT(f->lines[0], "ptrace_agent.syscall");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.syscall_args");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.wchan");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.file");
}

/* wait4's first argument is a pid, not a file descriptor. */
static void test_stuck_no_file_for_other_syscalls(void **state)
{
	struct fixture *f = *state;

	put_thread(f, dd.pid, dd_thread.pid, "61 0x3 0x7ffd1000 0x0 0x0 0x0 0x0 0x7ffd0ff8 0x7f0012345678\n",
		   "do_wait");
	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	CHECK_JSTR(f->lines[0], "ptrace_agent.syscall", "wait4");
	CHECK_JSTR(f->lines[0], "ptrace_agent.wchan", "do_wait");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.file");
}

/* The fd was closed (by another thread) since: no file, the rest stays. */
static void test_stuck_fd_gone(void **state)
{
	struct fixture *f = *state;

	remove_file(f, "300/fd/3");
	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line");
	CHECK_JSTR(f->lines[0], "ptrace_agent.syscall", "read");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.file");
}

static void test_stuck_new_block_reported_again(void **state)
{
	struct fixture *f = *state;
	struct pa_dthread d = { .tid = dd_thread.pid, .tgid = dd.pid, .since_ns = SINCE, .stack_id = STACK_ID };

	pa_collector_stuck_scan(&f->c, &d, 1, NOW);
	CHECK_U(drain(f), 1, "the first block");
	d.since_ns = 200 * NS_PER_SEC;
	pa_collector_stuck_scan(&f->c, &d, 1, 230 * NS_PER_SEC);
	CHECK_U(drain(f), 1, "the second block");
	CHECK_JINT(f->lines[0], "ptrace_agent.blocked_ms", 30000);
	CHECK_JSTR(f->lines[0], "@timestamp", "2023-11-14T22:17:10.000000Z");
}

/* A map entry of a process the table does not know: not reported. */
static void test_stuck_unknown_process(void **state)
{
	struct fixture *f = *state;
	struct pa_dthread d = { .tid = 999, .tgid = 999, .since_ns = SINCE, .stack_id = STACK_ID };

	put_thread(f, 999, 999, syscall_read, "folio_wait_bit_common");
	pa_collector_stuck_scan(&f->c, &d, 1, NOW);
	CHECK_U(drain(f), 0, "nothing for an unknown process");
}

/* ---- records -------------------------------------------------------------- */

static void test_unstuck_json(void **state)
{
	struct fixture *f = *state;
	struct pa_unstuck_event e = synth_unstuck(NOW + 3 * NS_PER_SEC, &dd_thread, SINCE);

	CHECK_U(e.hdr.size, sizeof(struct pa_unstuck_event), "hdr.size is the whole record");
	FEED(f, e);
	CHECK_U(drain(f), 1, "one line for the end of the block");
	check_stuck_common(f->lines[0], dd_thread.pid);
	CHECK_JSTR(f->lines[0], "@timestamp", "2023-11-14T22:15:15.500000Z");
	CHECK_JINT(f->lines[0], "ptrace_agent.blocked_ms", 15500);
	CHECK_JBOOL(f->lines[0], "ptrace_agent.stuck.ended", true);
	CHECK_JSTR(f->lines[0], "ptrace_agent.stuck.source", "sched_switch");
	/* It runs again: its stack and system call are no longer the block's. */
	CHECK_JABSENT(f->lines[0], "ptrace_agent.kernel_stack");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.syscall");
	CHECK_JABSENT(f->lines[0], "ptrace_agent.file");
	CHECK_U(stacks.calls, 0, "no stack read for the end of a block");
}

/* blocked_ms is the record's, not recomputed from its timestamps. */
static void test_unstuck_blocked_from_record(void **state)
{
	struct fixture *f = *state;
	struct pa_unstuck_event e = synth_unstuck(NOW, &dd_thread, SINCE);

	e.blocked_ns = 42 * NS_PER_SEC + 7 * NS_PER_MS;
	FEED(f, e);
	CHECK_U(drain(f), 1, "one line");
	CHECK_JINT(f->lines[0], "ptrace_agent.blocked_ms", 42007);
}

/* The pid was reused since: the record's (tgid, start_ns) is not dd. */
static void test_unstuck_other_identity(void **state)
{
	struct fixture *f = *state;
	struct synth_task other = dd_thread;
	struct pa_unstuck_event e;

	other.start_ns = dd.start_ns + NS_PER_SEC;
	e = synth_unstuck(NOW, &other, SINCE);
	FEED(f, e);
	CHECK_U(drain(f), 0, "nothing for a process the table does not know");

	other = dd_thread;
	other.pid = 999;
	other.tgid = 999;
	e = synth_unstuck(NOW, &other, SINCE);
	FEED(f, e);
	CHECK_U(drain(f), 0, "nothing for an unknown pid");
}

static void test_hung_json(void **state)
{
	struct fixture *f = *state;
	struct pa_hung_event e = synth_hung(NOW, &dd_thread);

	put_file(f, "300/task/301/stack", proc_stack);
	FEED(f, e);
	CHECK_U(drain(f), 1, "one line for the hung task");
	check_stuck_common(f->lines[0], dd_thread.pid);
	CHECK_JSTR(f->lines[0], "@timestamp", "2023-11-14T22:15:12.500000Z");
	CHECK_JBOOL(f->lines[0], "ptrace_agent.stuck.ended", false);
	CHECK_JSTR(f->lines[0], "ptrace_agent.stuck.source", "hung_task");
	CHECK_JSTRS(f->lines[0], "ptrace_agent.kernel_stack", WANT_PROC_FRAMES);
	CHECK_JSTR(f->lines[0], "ptrace_agent.syscall", "read");
	CHECK_JSTR(f->lines[0], "ptrace_agent.file", FILE_TARGET);
	CHECK_JSTR(f->lines[0], "ptrace_agent.wchan", "folio_wait_bit_common");
	CHECK_U(stacks.calls, 0, "the hung-task record has no stack id");
}

static void test_hung_unknown_process(void **state)
{
	struct fixture *f = *state;
	struct synth_task other = dd_thread;
	struct pa_hung_event e;

	other.pid = 999;
	other.tgid = 999;
	e = synth_hung(NOW, &other);
	FEED(f, e);
	CHECK_U(drain(f), 0, "nothing for an unknown process");
}

/* A record cut short is refused, not read past its end. */
static void test_unstuck_short_record_refused(void **state)
{
	struct fixture *f = *state;
	struct pa_unstuck_event e = synth_unstuck(NOW, &dd_thread, SINCE);

	e.hdr.size = sizeof(e) - 8;
	CHECK_I(pa_collector_handle(&f->c, &e, sizeof(e) - 8), -1, "a short unstuck record");
	CHECK_U(drain(f), 0, "nothing for a refused record");
}

/* ---- the text sink -------------------------------------------------------- */

static void test_text_stuck_line(void **state)
{
	struct fixture *f = *state;

	scan_thread(f, STACK_ID, NOW);
	CHECK_U(drain(f), 1, "one stuck line (the header went out with the fork)");
	CHECK_STR(f->text,
		  "22:15:12.500 stuck  300     1       dd               "
			      "thread 301 in D for 12.50s, in read(fd 3: /var/lib/db/x.wal), "
			      "wchan folio_wait_bit_common; stack: __schedule+0x2a0 schedule+0x4d "
			      "io_schedule+0x12 folio_wait_bit_common+0x1a3 filemap_read+0x2c1 "
			      "vfs_read+0x1a0 ksys_read+0x6f do_syscall_64+0x5b\n",
		  "text line for a stuck thread (TZ=UTC)");
}

static void test_text_unstuck_and_hung_lines(void **state)
{
	struct fixture *f = *state;
	struct pa_unstuck_event u = synth_unstuck(NOW + 3 * NS_PER_SEC, &dd_thread, SINCE);
	struct pa_hung_event h = synth_hung(NOW, &dd_thread);

	put_file(f, "300/task/301/stack", proc_stack);
	FEED(f, h);
	FEED(f, u);
	CHECK_U(drain(f), 2, "hung and unstuck lines");
	CHECK_STR(f->text,
		  "22:15:12.500 stuck  300     1       dd               "
			      "thread 301 reported hung by the kernel, in read(fd 3: /var/lib/db/x.wal), "
			      "wchan folio_wait_bit_common; stack: do_wait+0x53 kernel_wait4+0xaf "
			      "__do_sys_wait4+0x89 do_syscall_64+0x5b entry_SYSCALL_64_after_hwframe+0x6e\n"
			      "22:15:15.500 stuck  300     1       dd               "
			      "thread 301 ran again after 15.50s in D\n",
		  "text lines for hung and unstuck (TZ=UTC)");
}

/* A file name is escaped on the terminal: no raw control bytes. */
static void test_text_file_name_escaped(void **state)
{
	struct fixture *f = *state;
	const char *nl;

	remove_file(f, "300/fd/3");
	put_fd(f, dd.pid, 3, "/tmp/evil\n\x1b[2Jname");
	stacks.ips = NULL;
	scan_thread(f, STACK_ID, NOW);
	drain(f);
	nl = strchr(f->text, '\n');
	CHECK(nl && nl[1] == '\0', "one line only, the newline in the name escaped");
	CHECK(!strchr(f->text, '\x1b'), "no raw ESC byte");
	CHECK(strstr(f->text, "in read(fd 3: /tmp/evil") != NULL, "the file, escaped, is there");
}

/* Every thread in D marks its process for the tree, stuck or not yet;
 * a scan that no longer lists them clears the mark. */
static void test_scan_marks_dstate_processes(void **state)
{
	struct fixture *f = *state;
	struct pa_proc *p = pa_table_find(&f->c.table, dd.pid);
	struct pa_dthread d[] = {
		{ .tid = dd_thread.pid, .tgid = dd.pid, .since_ns = NOW - 1000, .stack_id = -1 },
		{ .tid = dd.pid, .tgid = dd.pid, .since_ns = NOW - 5000, .stack_id = -1 },
		{ .tid = 4242, .tgid = 4242, .since_ns = NOW - 10, .stack_id = -1 }, /* not in the table */
	};

	assert_non_null(p);
	pa_collector_stuck_scan(&f->c, d, 3, NOW);
	assert_int_equal(p->dstate_threads, 2);
	assert_int_equal(p->dstate_since_ns, NOW - 5000);
	assert_int_equal(p->dstate_tid, dd.pid);
	drain(f);
	CHECK(f->text[0] == '\0', "blocked for microseconds: no alert");
	pa_collector_stuck_scan(&f->c, d, 1, NOW + 1);
	assert_int_equal(p->dstate_threads, 1);
	assert_int_equal(p->dstate_since_ns, NOW - 1000);
	pa_collector_stuck_scan(&f->c, d, 0, NOW + 2);
	assert_int_equal(p->dstate_threads, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_threshold_nothing),
		cmocka_unit_test(test_at_threshold_once),
		cmocka_unit_test(test_same_block_not_repeated),
		cmocka_unit_test(test_new_block_reported_again),
		cmocka_unit_test(test_absent_thread_forgotten),
		cmocka_unit_test(test_several_threads),
		cmocka_unit_test(test_free_with_entries),
		cmocka_unit_test_setup_teardown(test_stuck_json_dossier, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_below_threshold, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_only_leading_bpf_frames_dropped, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_proc_stack_when_read_stack_fails, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_proc_stack_without_stack_id, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_proc_stack_when_only_bpf_frames, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_no_stack_at_all, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_without_kallsyms, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_thread_gone_from_proc, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_no_file_for_other_syscalls, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_fd_gone, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_new_block_reported_again, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_unknown_process, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_unstuck_json, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_unstuck_blocked_from_record, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_unstuck_other_identity, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_hung_json, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_hung_unknown_process, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_unstuck_short_record_refused, setup_stuck_json, teardown),
		cmocka_unit_test_setup_teardown(test_text_stuck_line, setup_stuck_text, teardown),
		cmocka_unit_test_setup_teardown(test_text_unstuck_and_hung_lines, setup_stuck_text, teardown),
		cmocka_unit_test_setup_teardown(test_text_file_name_escaped, setup_stuck_text, teardown),
		cmocka_unit_test_setup_teardown(test_scan_marks_dstate_processes, setup_stuck_json, teardown),
	};

	/* The text sink prints local time. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
