// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User stacks from /proc (ustack.c): a thread of this process blocked in
 * read() through a chain of named functions, read back through the real
 * /proc; a running thread, a gone one, and a fake /proc whose thread runs.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "synth.h"
#include "fake_tree.h"

#include "ustack.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#define WAIT_TRIES 5000 /* of WAIT_STEP_NS: 5 s for a thread to get where we want it */
#define WAIT_STEP_NS 1000000L
#define SYSCALL_BUF 256
/* As much stack as pa_ustack_read scans (its STACK_WINDOW). */
#define SCRUB_LEN (16 * 1024)

static volatile int sink;

/* Code addresses that are not return addresses, for the stack to hold
 * where the scan looks: the start of a function (after the previous
 * one's padding) and the end of an indirect jump, FF /4, which differs
 * from the indirect call FF /2 only in the ModRM reg field. */
__asm__(".text\n"
	".type decoy_start, @function\n"
	"decoy_start:\n"
	"\tret\n"
	".size decoy_start, . - decoy_start\n"
	".type decoy_jmp, @function\n"
	"decoy_jmp:\n"
	"\tjmp *%rax\n"
	"decoy_after_jmp:\n"
	"\tret\n"
	".size decoy_jmp, . - decoy_jmp\n");
extern const char decoy_start[], decoy_after_jmp[];

/* The chain the stack must show: not inlined, and a use of each result
 * after the call so that no call becomes a jump. */
__attribute__((noinline)) static int middle(int fd)
{
	char c;
	ssize_t n = read(fd, &c, 1);

	sink = (int)n;
	return (int)n;
}

__attribute__((noinline)) static int deep_wait(int fd)
{
	volatile uintptr_t decoys[] = { (uintptr_t)decoy_start, (uintptr_t)decoy_after_jmp };
	int n = middle(fd);

	sink += n + (int)(decoys[0] & 1);
	return n;
}

struct worker {
	pthread_t thread;
	int pipe[2];
	atomic_uint tid;
	atomic_bool stop;
};

/* Under ASan the thread's start-up (TLS set-up, sigaltstack) leaves a
 * dozen return addresses in stack memory that the read interceptor's
 * frame later spans without writing: the scan cannot tell them from live
 * ones and they fill the 16 frames before middle() is reached; so does
 * the interceptor's own first call in a thread.  Make that call, then zero
 * the stack the chain will use, so that the test is about live frames. */
__attribute__((noinline, no_sanitize_address)) static void scrub_stack(void)
{
	volatile char junk[SCRUB_LEN];

	memset((char *)junk, 0, sizeof(junk));
	sink = junk[0];
}

static void *blocked_main(void *arg)
{
	struct worker *w = arg;

	atomic_store(&w->tid, (unsigned)syscall(SYS_gettid));
	sink = (int)read(w->pipe[0], NULL, 0);
	scrub_stack();
	deep_wait(w->pipe[0]);
	return NULL;
}

static void *spin_main(void *arg)
{
	struct worker *w = arg;

	atomic_store(&w->tid, (unsigned)syscall(SYS_gettid));
	while (!atomic_load(&w->stop))
		;
	return NULL;
}

static void *exit_main(void *arg)
{
	struct worker *w = arg;

	atomic_store(&w->tid, (unsigned)syscall(SYS_gettid));
	return NULL;
}

static void nap(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = WAIT_STEP_NS };

	nanosleep(&ts, NULL);
}

static uint32_t start_worker(struct worker *w, void *(*fn)(void *))
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(pipe(w->pipe), 0);
	assert_int_equal(pthread_create(&w->thread, NULL, fn, w), 0);
	for (int i = 0; i < WAIT_TRIES && !atomic_load(&w->tid); i++)
		nap();
	assert_true(atomic_load(&w->tid) != 0);
	return atomic_load(&w->tid);
}

static void stop_worker(struct worker *w)
{
	atomic_store(&w->stop, true);
	assert_int_equal(write(w->pipe[1], "x", 1), 1);
	assert_int_equal(pthread_join(w->thread, NULL), 0);
	close(w->pipe[0]);
	close(w->pipe[1]);
}

/* Whether thread tid of this process is in system call nr. */
static bool in_syscall(uint32_t tid, long nr)
{
	char path[SYSCALL_BUF], buf[SYSCALL_BUF];
	FILE *f;
	bool in;

	snprintf(path, sizeof(path), "/proc/self/task/%u/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	in = fgets(buf, sizeof(buf), f) && strtol(buf, NULL, 10) == nr;
	fclose(f);
	return in;
}

/* The index of the first frame that names fn, or -1. */
static int frame_of(const struct pa_ustack *st, const char *fn)
{
	for (unsigned i = 0; i < st->nr; i++) {
		if (strstr(st->frames[i], fn))
			return (int)i;
	}
	return -1;
}

static void show(const struct pa_ustack *st)
{
	for (unsigned i = 0; i < st->nr; i++)
		print_message("  #%u %s\n", i, st->frames[i]);
}

static void test_blocked_read_shows_chain(void **state)
{
	struct pa_ustack st;
	struct worker w;
	uint32_t tid = start_worker(&w, blocked_main);
	int rc, at_middle, at_deep;

	(void)state;
	for (int i = 0; i < WAIT_TRIES && !in_syscall(tid, SYS_read); i++)
		nap();
	assert_true(in_syscall(tid, SYS_read));
	rc = pa_ustack_read("/proc", (uint32_t)getpid(), tid, &st);
	stop_worker(&w);
	if (getenv("PA_USTACK_SHOW"))
		show(&st);
	CHECK_I(rc, 0, "pa_ustack_read of a thread blocked in read()");
	CHECK(st.nr >= 1 && st.nr <= PA_USTACK_MAX, "frame count");
	if (RUNNING_ON_VALGRIND) {
		/* The thread really blocks on valgrind's own stack: nothing of ours there. */
		return;
	}
	at_middle = frame_of(&st, "middle");
	at_deep = frame_of(&st, "deep_wait");
	if (at_middle < 0 || at_deep < at_middle)
		show(&st);
	CHECK(at_middle > 0, "middle() is a frame below the pc");
	CHECK(at_deep > at_middle, "deep_wait() is a frame above middle()");
	CHECK(frame_of(&st, "decoy_") < 0, "no code address that does not follow a call");
	for (unsigned i = 1; i < st.nr; i++)
		CHECK(strcmp(st.frames[i], st.frames[i - 1]) != 0, "no consecutive duplicates");
}

static void test_running_thread_again(void **state)
{
	struct pa_ustack st;
	struct worker w;
	uint32_t tid = start_worker(&w, spin_main);
	int rc = 0;

	(void)state;
	/* Native threads spin in TASK_RUNNING all along; under valgrind a
	 * spinner also waits its turn for the big lock, in a system call. */
	for (int i = 0; i < WAIT_TRIES && rc != -EAGAIN; i++)
		rc = pa_ustack_read("/proc", (uint32_t)getpid(), tid, &st);
	stop_worker(&w);
	CHECK_I(rc, -EAGAIN, "pa_ustack_read of a running thread");
	CHECK_U(st.nr, 0, "frames of a running thread");
}

static void test_gone_thread(void **state)
{
	char path[SYSCALL_BUF];
	struct pa_ustack st;
	struct worker w;
	uint32_t tid = start_worker(&w, exit_main);

	(void)state;
	stop_worker(&w);
	/* pthread_join returns when the thread clears its tid, a little
	 * before the kernel lets go of it. */
	snprintf(path, sizeof(path), "/proc/self/task/%u", tid);
	for (int i = 0; i < WAIT_TRIES && access(path, F_OK) == 0; i++)
		nap();
	CHECK_I(pa_ustack_read("/proc", (uint32_t)getpid(), tid, &st), -ENOENT,
		"pa_ustack_read of a thread that is gone");
	CHECK_U(st.nr, 0, "frames of a gone thread");
}

static int setup_root(void **state)
{
	char *root = malloc(PATH_MAX);

	if (!root)
		return -1;
	snprintf(root, PATH_MAX, "/tmp/pa_ustack_XXXXXX");
	if (!mkdtemp(root)) {
		free(root);
		return -1;
	}
	*state = root;
	return 0;
}

static int teardown_root(void **state)
{
	fake_tree_rm(*state);
	free(*state);
	return 0;
}

static void test_fake_running(void **state)
{
	static const char running[] = "running\n";
	struct pa_ustack st;

	fake_tree_write(*state, "4242/task/4243/syscall", running, strlen(running));
	CHECK_I(pa_ustack_read(*state, 4242, 4243, &st), -EAGAIN, "syscall file says running");
	CHECK_U(st.nr, 0, "frames of a running thread");
}

static void test_fake_blocked_without_maps(void **state)
{
	static const char blocked[] = "0 0x3 0x7ffc0 0x1 0x0 0x0 0x0 0x7ffd1000 0x7f0000001234\n";
	struct pa_ustack st;

	fake_tree_write(*state, "4242/task/4243/syscall", blocked, strlen(blocked));
	CHECK_I(pa_ustack_read(*state, 4242, 4243, &st), -ENOENT, "no maps file");
	CHECK_U(st.nr, 0, "frames without maps");
}

static void test_fake_no_user_regs(void **state)
{
	static const char none[] = "-1 0x0 0x0\n";
	struct pa_ustack st;

	fake_tree_write(*state, "4242/task/4243/syscall", none, strlen(none));
	CHECK_I(pa_ustack_read(*state, 4242, 4243, &st), -ENODATA, "sp and pc 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_read_shows_chain),
		cmocka_unit_test(test_running_thread_again),
		cmocka_unit_test(test_gone_thread),
		cmocka_unit_test_setup_teardown(test_fake_running, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_fake_blocked_without_maps, setup_root,
						teardown_root),
		cmocka_unit_test_setup_teardown(test_fake_no_user_regs, setup_root, teardown_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
