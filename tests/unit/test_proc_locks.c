// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * File-lock waits from /proc/locks (proc_locks.c): the text as 6.x kernels
 * write it (flock, POSIX, OFD, leases, blocked requests at two levels),
 * lines it must skip, the blocked thread found in a fake /proc under a
 * temporary directory, and the whole-file reader.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "synth.h"
#include "fake_tree.h"

#include "proc_locks.h"

#define MAX_EDGES 16
#define DEV_FE00 PA_DEV(0xfe, 0x00)
/* Bigger than the reader's first buffer, so that it must grow. */
#define BIG_LINES 5000

struct locks_fixture {
	char root[64];
	struct pa_wait_edge e[MAX_EDGES];
	struct pa_locks_stats st;
};

static int setup(void **state)
{
	struct locks_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/pa_locks_XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct locks_fixture *f = *state;

	fake_tree_rm(f->root);
	free(f);
	return 0;
}

static size_t parse(struct locks_fixture *f, const char *text, const char *proc_root)
{
	memset(&f->st, 0, sizeof(f->st));
	memset(f->e, 0, sizeof(f->e));
	return pa_proc_locks_parse(text, strlen(text), proc_root, f->e, MAX_EDGES, &f->st);
}

static void check_edge(const struct pa_wait_edge *e, uint32_t waiter, uint32_t holder,
		       enum pa_wait_kind kind, uint32_t dev, uint64_t ino)
{
	CHECK_U(e->waiter_tgid, waiter, "waiter process");
	CHECK_U(e->waiter_tid, waiter, "waiter thread (no proc root: the pid)");
	CHECK_U(e->holder_tgid, holder, "holder process");
	CHECK_U(e->holder_tid, 0, "holder thread unknown");
	CHECK_STR(pa_wait_kind_name(e->kind), pa_wait_kind_name(kind), "kind");
	CHECK_U(e->resource_dev, dev, "device");
	CHECK_U(e->resource, ino, "inode");
	CHECK_U(e->since_ns, 0, "start unknown");
}

/* From a 6.18 kernel: a flock with one waiter and one behind it. */
static const char flock_text[] =
	"1: FLOCK  ADVISORY  WRITE 565 fe:00:10952712 0 EOF\n"
	"2: FLOCK  ADVISORY  WRITE 608 fe:00:10952718 0 EOF\n"
	"2: -> FLOCK  ADVISORY  WRITE 2577 fe:00:10952718 0 EOF\n"
	"2:  -> FLOCK  ADVISORY  WRITE 2592 fe:00:10952718 0 EOF\n";

static void test_flock_waiters(void **state)
{
	struct locks_fixture *f = *state;

	CHECK_U(parse(f, flock_text, NULL), 2, "one edge per blocked request");
	check_edge(&f->e[0], 2577, 608, PA_WAIT_FLOCK, DEV_FE00, 10952718);
	/* Blocked behind 2577's request: still waits until 608 lets go. */
	check_edge(&f->e[1], 2592, 608, PA_WAIT_FLOCK, DEV_FE00, 10952718);
	CHECK_U(f->st.lines, 4, "lines");
	CHECK_U(f->st.bad_lines, 0, "bad lines");
	CHECK_U(f->st.orphans, 0, "orphans");
}

static void test_posix_ofd_lease(void **state)
{
	struct locks_fixture *f = *state;
	static const char text[] =
		"1: POSIX  ADVISORY  WRITE 3000 08:02:5678 100 199\n"
		"1: -> POSIX  ADVISORY  WRITE 3001 08:02:5678 150 EOF\n"
		"2: OFDLCK ADVISORY  READ  -1 08:02:1311 0 EOF\n"
		"2: -> OFDLCK ADVISORY  WRITE -1 08:02:1311 0 EOF\n"
		/* Kernels before 4.13 showed the OFD lock's opener. */
		"3: OFDLCK ADVISORY  WRITE 3100 103:05:77 0 EOF\n"
		"3: -> POSIX  ADVISORY  WRITE 3101 103:05:77 0 9\n"
		"4: LEASE  BREAKING  READ  3200 08:02:1400 0 EOF\n"
		"4: -> LEASE  BREAKER   UNLCK 3201 08:02:1400 0 EOF\n"
		"5: DELEG  ACTIVE    READ  3300 08:02:1401 0 EOF\n"
		"6: POSIX  MANDATORY WRITE 0 08:02:1500 0 EOF\n"
		"6: -> POSIX  MANDATORY WRITE 3401 08:02:1500 0 EOF\n";

	CHECK_U(parse(f, text, NULL), 2, "edges for the POSIX and the old-style OFD waits");
	check_edge(&f->e[0], 3001, 3000, PA_WAIT_POSIX_LOCK, PA_DEV(8, 2), 5678);
	/* The kind is the waiter's: its request is POSIX, on an OFD lock. */
	check_edge(&f->e[1], 3101, 3100, PA_WAIT_POSIX_LOCK, PA_DEV(0x103, 5), 77);
	CHECK_U(f->st.unknown_pid, 2, "OFD pids -1 and a holder shown as 0");
	CHECK_U(f->st.unsupported, 1, "the lease breaker");
	CHECK_U(f->st.bad_lines, 0, "bad lines");
}

static void test_bad_lines_skipped(void **state)
{
	struct locks_fixture *f = *state;
	static const char text[] =
		"\n"
		"garbage\n"
		"1: FLOCK\n"
		"x: FLOCK  ADVISORY  WRITE 1 08:02:3 0 EOF\n"
		"1 FLOCK  ADVISORY  WRITE 1 08:02:3 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE 1 zz:02:3 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE 1 08:02 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE 1 08:02:3x 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE 12a 08:02:3 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE -2 08:02:3 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE 99999999999 08:02:3 0 EOF\n"
		"1: FLOCK  ADVISORY  SHARE 1 08:02:3 0 EOF\n"
		"1: BOGUS  ADVISORY  WRITE 1 08:02:3 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE 1 08:02:3 0 EOF extra\n"
		"1: FLOCK  ADVISORY  WRITE 1 08:02:3 x EOF\n"
		"1: -> -> -> -> -> -> -> -> -> FLOCK ADVISORY WRITE 1 08:02:3 0 EOF\n"
		"1: FLOCK  ADVISORY  WRITE 1 123456789:02:3 0 EOF\n"
		"\x01\xff\x80 \t\t -> ->\n"
		/* A lock and its waiter after all that: still found. */
		"7: FLOCK  ADVISORY  WRITE 500 08:02:9 0 EOF\n"
		"7: -> FLOCK  ADVISORY  READ 501 08:02:9 0 EOF\n"
		/* Cut off by a short read. */
		"7: -> FLOCK  ADVISORY  WRI";

	CHECK_U(parse(f, text, NULL), 1, "only the good pair makes an edge");
	check_edge(&f->e[0], 501, 500, PA_WAIT_FLOCK, PA_DEV(8, 2), 9);
	CHECK_U(f->st.bad_lines, 18, "every bad line counted, the empty one not");
	CHECK_U(f->st.lines, 20, "non-empty lines");
}

static void test_orphan_waiters(void **state)
{
	struct locks_fixture *f = *state;
	static const char text[] =
		"1: -> FLOCK  ADVISORY  WRITE 601 08:02:9 0 EOF\n"
		"2: FLOCK  ADVISORY  WRITE 600 08:02:9 0 EOF\n"
		"3: -> FLOCK  ADVISORY  WRITE 602 08:02:9 0 EOF\n"
		"3: FLOCK  ADVISORY  WRITE 603 08:02:10 0 EOF\n"
		"3: -> FLOCK  ADVISORY  WRITE 604 08:02:10 0 EOF";

	CHECK_U(parse(f, text, NULL), 1, "only the waiter under its own lock");
	check_edge(&f->e[0], 604, 603, PA_WAIT_FLOCK, PA_DEV(8, 2), 10);
	CHECK_U(f->st.orphans, 2, "waiters without their lock's line");
}

static void test_cap_on_edges(void **state)
{
	struct locks_fixture *f = *state;
	struct pa_wait_edge one[1];

	memset(&f->st, 0, sizeof(f->st));
	CHECK_U(pa_proc_locks_parse(flock_text, strlen(flock_text), NULL, one, 1, &f->st), 1,
		"edges at the cap");
	CHECK_U(one[0].waiter_tgid, 2577, "the first");
	CHECK_U(f->st.dropped, 1, "the rest counted");
	CHECK_U(pa_proc_locks_parse(flock_text, strlen(flock_text), NULL, one, 0, NULL), 0,
		"no room, no stats");
}

/* PROC_ROOT/pid/task/tid/syscall saying the thread is in syscall nr
 * (-1: not in a syscall, -2: running). */
static void fake_syscall(const char *root, uint32_t pid, uint32_t tid, long nr)
{
	char rel[128], text[128];

	snprintf(rel, sizeof(rel), "%u/task/%u/syscall", pid, tid);
	if (nr == -2)
		snprintf(text, sizeof(text), "running\n");
	else
		snprintf(text, sizeof(text), "%ld 0x3 0x2 0x0 0x0 0x0 0x0 0x7ffc1e2a3b40 0x7f5e4a1b2c3d\n",
			 nr);
	fake_tree_write(root, rel, text, strlen(text));
}

static void test_waiter_thread(void **state)
{
	struct locks_fixture *f = *state;
	static const char text[] =
		"1: FLOCK  ADVISORY  WRITE 4900 08:02:9 0 EOF\n"
		"1: -> FLOCK  ADVISORY  WRITE 4000 08:02:9 0 EOF\n"
		"2: POSIX  ADVISORY  WRITE 4900 08:02:10 0 EOF\n"
		"2: -> POSIX  ADVISORY  WRITE 4200 08:02:10 0 EOF\n"
		"2: -> POSIX  ADVISORY  WRITE 4100 08:02:10 0 EOF\n";

	fake_syscall(f->root, 4000, 4000, SYS_read);
	fake_syscall(f->root, 4000, 4001, SYS_flock);
	fake_syscall(f->root, 4000, 4002, -2);
	fake_syscall(f->root, 4200, 4200, -1);
	fake_syscall(f->root, 4200, 4204, SYS_fcntl);
	fake_syscall(f->root, 4200, 4203, SYS_fcntl);
	/* 4100 has no /proc entry: gone, or hidden. */

	CHECK_U(parse(f, text, f->root), 3, "three waits");
	CHECK_U(f->e[0].waiter_tid, 4001, "the thread in flock()");
	CHECK_U(f->e[0].waiter_tgid, 4000, "its process");
	CHECK_U(f->e[1].waiter_tid, 4203, "the smallest thread in fcntl()");
	CHECK_U(f->e[2].waiter_tid, 4100, "no task directory: the pid");

	CHECK_U(pa_lock_waiter_tid(f->root, 4200), 4203, "direct call");
	CHECK_U(pa_lock_waiter_tid(f->root, 4300), 4300, "unknown pid");
	CHECK_U(pa_lock_waiter_tid("/nonexistent-proc", 4000), 4000, "no proc at all");
}

static void test_read_whole_file(void **state)
{
	struct locks_fixture *f = *state;
	const char *line = "1: FLOCK  ADVISORY  WRITE 565 fe:00:10952712 0 EOF\n";
	size_t line_len = strlen(line), len = 0;
	char path[128], *big, *text = NULL;

	big = malloc(BIG_LINES * line_len + 1);
	assert_non_null(big);
	for (size_t i = 0; i < BIG_LINES; i++)
		memcpy(big + i * line_len, line, line_len);
	fake_tree_write(f->root, "locks", big, BIG_LINES * line_len);
	snprintf(path, sizeof(path), "%s/locks", f->root);

	CHECK_I(pa_proc_locks_read(path, &text, &len), 0, "read a file bigger than the first buffer");
	CHECK_U(len, BIG_LINES * line_len, "all of it");
	CHECK(text && !memcmp(text, big, len), "byte for byte");
	CHECK(text && text[len] == '\0', "NUL-terminated");
	free(text);
	free(big);

	snprintf(path, sizeof(path), "%s/none", f->root);
	CHECK_I(pa_proc_locks_read(path, &text, &len), -ENOENT, "a missing file");
}

/* This host's own /proc/locks: whatever is in it is in the kernel's format. */
static void test_read_real_proc_locks(void **state)
{
	struct locks_fixture *f = *state;
	struct pa_wait_edge *e = calloc(4096, sizeof(*e));
	char *text = NULL;
	size_t len = 0;

	assert_non_null(e);
	CHECK_I(pa_proc_locks_read("/proc/locks", &text, &len), 0, "read /proc/locks");
	memset(&f->st, 0, sizeof(f->st));
	pa_proc_locks_parse(text, len, "/proc", e, 4096, &f->st);
	CHECK_U(f->st.bad_lines, 0, "lines of the real file not understood");
	free(text);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flock_waiters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posix_ofd_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_waiters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_on_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiter_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_whole_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_real_proc_locks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
