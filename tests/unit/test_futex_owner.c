// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Futex owners (futex_owner.c), on this test's own process: real glibc
 * mutexes (plain, PI, robust) held by one thread while another blocks on
 * them, the blocked thread's futex(2) arguments read back from
 * /proc/self/task/TID/syscall as the agent would get them; condition
 * variables and fake lock words in our memory for what is not a lock;
 * bad addresses and gone processes.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "synth.h"

#include "futex_owner.h"

/* Blocking takes microseconds; valgrind and a busy machine stretch it. */
#define BLOCK_DEADLINE_MS 10000
#define POLL_MS 1
/* An address no program maps: the first page, aligned for a futex. */
#define UNMAPPED_ADDR 0x1000
/* glibc's __kind flags, as futex_owner.c knows them. */
#define KIND_PI 32
#define KIND_PSHARED 128

/* A thread that locks m: as holder it keeps m until told, as waiter it
 * blocks on it. */
struct locker {
	pthread_t thread;
	pthread_mutex_t *m;
	bool holder;
	pid_t tid;
	sem_t ready;    /* tid known, and m held for a holder */
	int release[2]; /* a holder unlocks when a byte arrives */
};

static void *locker_main(void *arg)
{
	struct locker *l = arg;
	char c;

	l->tid = gettid();
	if (!l->holder)
		sem_post(&l->ready);
	if (pthread_mutex_lock(l->m))
		return NULL;
	if (l->holder) {
		sem_post(&l->ready);
		while (read(l->release[0], &c, 1) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_unlock(l->m);
	return NULL;
}

static void locker_start(struct locker *l, pthread_mutex_t *m, bool holder)
{
	memset(l, 0, sizeof(*l));
	l->m = m;
	l->holder = holder;
	assert_int_equal(sem_init(&l->ready, 0, 0), 0);
	assert_int_equal(pipe(l->release), 0);
	assert_int_equal(pthread_create(&l->thread, NULL, locker_main, l), 0);
	while (sem_wait(&l->ready) && errno == EINTR)
		;
}

static void locker_stop(struct locker *l)
{
	if (l->holder)
		assert_int_equal(write(l->release[1], "x", 1), 1);
	pthread_join(l->thread, NULL);
	close(l->release[0]);
	close(l->release[1]);
	sem_destroy(&l->ready);
}

/* The futex(2) call thread tid is blocked in, on an address in
 * [lo, lo + size), as its syscall file shows it. */
struct futex_call {
	uint64_t uaddr;
	uint32_t op;
	uint32_t val;
};

static void wait_blocked(pid_t tid, const void *lo, size_t size, struct futex_call *call)
{
	struct timespec poll = { 0, POLL_MS * 1000000L };
	char path[64], buf[256];
	unsigned long long a0, a1, a2;
	long nr;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	for (int ms = 0; ms < BLOCK_DEADLINE_MS; ms += POLL_MS) {
		FILE *fp = fopen(path, "r");
		bool got = fp && fgets(buf, sizeof(buf), fp) &&
			   sscanf(buf, "%ld %llx %llx %llx", &nr, &a0, &a1, &a2) == 4;

		if (fp)
			fclose(fp);
		if (got && nr == SYS_futex && a0 >= (uintptr_t)lo && a0 < (uintptr_t)lo + size) {
			*call = (struct futex_call){ a0, (uint32_t)a1, (uint32_t)a2 };
			return;
		}
		nanosleep(&poll, NULL);
	}
	fail_msg("thread %d never blocked in futex() on %p", (int)tid, lo);
}

struct owner_result {
	int ret;
	enum pa_wait_kind kind;
	uint32_t owner;
	uint32_t owner_tgid;
};

static struct owner_result owner_of(uint32_t waiter, uint64_t uaddr, uint32_t op, uint32_t val)
{
	struct owner_result r = { .kind = 99, .owner = 12345, .owner_tgid = 12345 };

	r.ret = pa_futex_owner("/proc", getpid(), waiter, uaddr, op, val, &r.kind, &r.owner,
			       &r.owner_tgid);
	return r;
}

/* A held mutex, a thread blocked on it, and who the owner is said to be. */
static void check_real_mutex(pthread_mutex_t *m, enum pa_wait_kind want_kind, const char *what)
{
	struct locker holder, waiter;
	struct futex_call call;
	struct owner_result r;

	locker_start(&holder, m, true);
	locker_start(&waiter, m, false);
	wait_blocked(waiter.tid, m, sizeof(*m), &call);
	r = owner_of(waiter.tid, call.uaddr, call.op, call.val);
	CHECK_I(r.ret, 0, what);
	CHECK_STR(pa_wait_kind_name(r.kind), pa_wait_kind_name(want_kind), what);
	CHECK_U(r.owner, holder.tid, "the holding thread");
	CHECK_U(r.owner_tgid, getpid(), "in this process");
	locker_stop(&holder);
	locker_stop(&waiter);
}

static void test_plain_mutex(void **state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	(void)state;
	check_real_mutex(&m, PA_WAIT_MUTEX, "a held default mutex");
	pthread_mutex_destroy(&m);
}

static void test_mutex_with_attr(int protocol, int robust, enum pa_wait_kind kind, const char *what)
{
	pthread_mutexattr_t attr;
	pthread_mutex_t m;

	pthread_mutexattr_init(&attr);
	assert_int_equal(pthread_mutexattr_setprotocol(&attr, protocol), 0);
	assert_int_equal(pthread_mutexattr_setrobust(&attr, robust), 0);
	assert_int_equal(pthread_mutex_init(&m, &attr), 0);
	check_real_mutex(&m, kind, what);
	pthread_mutex_destroy(&m);
	pthread_mutexattr_destroy(&attr);
}

static void test_pi_mutex(void **state)
{
	(void)state;
	test_mutex_with_attr(PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_STALLED, PA_WAIT_PI_FUTEX,
			     "a held priority-inheritance mutex");
}

static void test_robust_mutex(void **state)
{
	(void)state;
	test_mutex_with_attr(PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST, PA_WAIT_MUTEX,
			     "a held robust mutex");
}

/* A thread waiting on a condition variable, whose mutex is free. */
struct cond_waiter {
	pthread_mutex_t m;
	pthread_cond_t c;
	bool go;
	pid_t tid;
};

static void *cond_main(void *arg)
{
	struct cond_waiter *w = arg;

	pthread_mutex_lock(&w->m);
	w->tid = gettid();
	while (!w->go)
		pthread_cond_wait(&w->c, &w->m);
	pthread_mutex_unlock(&w->m);
	return NULL;
}

static void test_condvar_not_lock(void **state)
{
	struct cond_waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0 };
	struct futex_call call;
	struct owner_result r;
	pid_t tid;
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, cond_main, &w), 0);
	do {
		pthread_mutex_lock(&w.m);
		tid = w.tid;
		pthread_mutex_unlock(&w.m);
	} while (!tid);
	wait_blocked(tid, &w.c, sizeof(w.c), &call);

	r = owner_of(tid, call.uaddr, call.op, call.val);
	CHECK_I(r.ret, PA_FUTEX_NOT_LOCK, "the condvar wait, as made");
	r = owner_of(tid, (uintptr_t)&w.c, FUTEX_WAIT_PRIVATE, 2);
	CHECK_I(r.ret, PA_FUTEX_NOT_LOCK, "the condvar's start, waited on like a mutex");
	r = owner_of(tid, (uintptr_t)&w.m, FUTEX_WAIT_PRIVATE, 2);
	CHECK_I(r.ret, PA_FUTEX_NOT_LOCK, "a free mutex");

	pthread_mutex_lock(&w.m);
	w.go = true;
	pthread_cond_signal(&w.c);
	pthread_mutex_unlock(&w.m);
	pthread_join(t, NULL);
}

/* A fake glibc mutex: __lock, __count, __owner, __nusers, __kind. */
static int32_t fake_mutex[5] __attribute__((aligned(8)));

static struct owner_result fake_wait(int32_t lock, int32_t owner, int32_t kind, uint32_t val)
{
	fake_mutex[0] = lock;
	fake_mutex[2] = owner;
	fake_mutex[4] = kind;
	return owner_of(gettid(), (uintptr_t)fake_mutex, FUTEX_WAIT_BITSET_PRIVATE, val);
}

static void test_fake_mutexes(void **state)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	struct locker holder;
	struct owner_result r;
	pid_t child;

	(void)state;
	locker_start(&holder, &m, true);
	r = fake_wait(2, holder.tid, 0, 2);
	CHECK_I(r.ret, 0, "a mutex word with a live owner of this process");
	CHECK_U(r.owner, holder.tid, "that owner");
	CHECK_I(fake_wait(2, holder.tid, 0, 1).ret, PA_FUTEX_NOT_LOCK, "waited with 1, not 2");
	CHECK_I(fake_wait(0, holder.tid, 0, 2).ret, PA_FUTEX_NOT_LOCK, "the word is 0 now");
	CHECK_I(fake_wait(2, holder.tid, KIND_PI, 2).ret, PA_FUTEX_NOT_LOCK, "a PI mutex type");
	CHECK_I(fake_wait(2, holder.tid, 7, 2).ret, PA_FUTEX_NOT_LOCK, "an unknown type");
	CHECK_I(fake_wait(2, gettid(), 0, 2).ret, PA_FUTEX_NOT_LOCK, "owned by the waiter");
	CHECK_I(fake_wait(2, 0, 0, 2).ret, PA_FUTEX_NOT_LOCK, "no owner field");
	CHECK_I(fake_wait(2, -5, 0, 2).ret, PA_FUTEX_NOT_LOCK, "a negative owner field");

	/* Owned by another process: only a process-shared mutex may be. */
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		pause();
		_exit(0);
	}
	CHECK_I(fake_wait(2, child, 0, 2).ret, PA_FUTEX_NOT_LOCK, "a private mutex, foreign owner");
	r = fake_wait(2, child, KIND_PSHARED, 2);
	CHECK_I(r.ret, 0, "a process-shared mutex, foreign owner");
	CHECK_U(r.owner, child, "the owner");
	CHECK_U(r.owner_tgid, child, "the owner's process");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	CHECK_I(fake_wait(2, child, KIND_PSHARED, 2).ret, PA_FUTEX_NOT_LOCK, "the owner is gone");
	locker_stop(&holder);
}

static void test_pi_words(void **state)
{
	static uint32_t word __attribute__((aligned(4)));
	uint32_t me = gettid();
	struct owner_result r;

	(void)state;
	word = 0;
	r = owner_of(me, (uintptr_t)&word, FUTEX_LOCK_PI_PRIVATE, 0);
	CHECK_I(r.ret, PA_FUTEX_UNOWNED, "a PI word of 0");
	word = me | FUTEX_WAITERS;
	CHECK_I(owner_of(me, (uintptr_t)&word, FUTEX_LOCK_PI, 0).ret, PA_FUTEX_UNOWNED,
		"owned by the waiter");
	word = 0x3ffffff0 | FUTEX_OWNER_DIED;
	CHECK_I(owner_of(me + 1, (uintptr_t)&word, FUTEX_LOCK_PI, 0).ret, PA_FUTEX_UNOWNED,
		"an owner that does not exist");
	word = getpid() | FUTEX_WAITERS;
	r = owner_of(me + 1, (uintptr_t)&word, FUTEX_TRYLOCK_PI_PRIVATE, 0);
	CHECK_I(r.ret, 0, "the flags are masked off");
	CHECK_U(r.owner, getpid(), "the owner");
	CHECK_I(owner_of(me, (uintptr_t)&word, FUTEX_WAKE, 0).ret, PA_FUTEX_NOT_LOCK, "not a wait");
	CHECK_I(owner_of(me, (uintptr_t)&word, FUTEX_WAIT_REQUEUE_PI, 0).ret, PA_FUTEX_NOT_LOCK,
		"a condvar's PI wait");
}

static void test_bad_address(void **state)
{
	enum pa_wait_kind kind;
	uint32_t owner, otgid;

	(void)state;
	CHECK_I(owner_of(gettid(), UNMAPPED_ADDR, FUTEX_LOCK_PI, 0).ret, -EFAULT, "unmapped, PI");
	CHECK_I(owner_of(gettid(), UNMAPPED_ADDR, FUTEX_WAIT, 2).ret, -EFAULT, "unmapped, wait");
	CHECK_I(owner_of(gettid(), (uintptr_t)fake_mutex + 1, FUTEX_WAIT, 2).ret, -EINVAL,
		"misaligned");
	CHECK_I(pa_futex_owner("/proc", getpid(), gettid(), 0x7ffffffffffffff0ULL, FUTEX_WAIT, 2,
			       &kind, &owner, &otgid),
		-EFAULT, "beyond any mapping");
}

static void test_gone_process(void **state)
{
	enum pa_wait_kind kind;
	uint32_t owner, otgid;
	pid_t child;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);
	CHECK_I(pa_futex_owner("/proc", child, child, (uintptr_t)fake_mutex, FUTEX_WAIT, 2, &kind,
			       &owner, &otgid),
		-ESRCH, "a reaped process");
	CHECK_I(pa_futex_owner("/nonexistent", getpid(), gettid(), (uintptr_t)fake_mutex,
			       FUTEX_LOCK_PI, 0, &kind, &owner, &otgid),
		-ESRCH, "no such proc root");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_mutex),
		cmocka_unit_test(test_pi_mutex),
		cmocka_unit_test(test_robust_mutex),
		cmocka_unit_test(test_condvar_not_lock),
		cmocka_unit_test(test_fake_mutexes),
		cmocka_unit_test(test_pi_words),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_gone_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
