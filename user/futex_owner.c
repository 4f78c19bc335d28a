// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "futex_owner.h"
#include "procfs_read.h"

/*
 * glibc's struct __pthread_mutex_s (sysdeps/nptl/bits/struct_mutex.h), the
 * same at these offsets on x86_64 and aarch64: int __lock, unsigned
 * __count, int __owner, unsigned __nusers, int __kind.
 */
#if defined(__x86_64__) || defined(__aarch64__)
#define HAVE_GLIBC_MUTEX_LAYOUT 1
#endif
#define MUTEX_LOCK_OFF 0
#define MUTEX_OWNER_OFF 8
#define MUTEX_KIND_OFF 16
#define MUTEX_READ_SIZE 20

/* __kind (nptl/pthreadP.h): the type in the low bits, then flags. */
#define GLIBC_MUTEX_TYPE_MAX 3  /* TIMED, RECURSIVE, ERRORCHECK, ADAPTIVE */
#define GLIBC_MUTEX_ROBUST 16
#define GLIBC_MUTEX_PSHARED 128 /* PTHREAD_MUTEX_PSHARED_BIT */
/* Lock elision hints: they change nothing in how a waiter blocks. */
#define GLIBC_MUTEX_ELISION (256 | 512)
/* lll_lock_wait's value: "locked, and there may be waiters". */
#define GLIBC_LLL_LOCK_WAIT 2

/* Linux 5.14; older headers lack it, the number is the ABI. */
#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

/* /proc/TID/status: Tgid comes in the first few lines. */
#define STATUS_BUF_SIZE 1024

static bool path_exists(const char *proc_root, const char *fmt, uint32_t a, uint32_t b)
{
	char path[PATH_MAX];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s/", proc_root);

	if (n < 0 || (size_t)n >= sizeof(path))
		return false;
	if (snprintf(path + n, sizeof(path) - n, fmt, a, b) >= (int)(sizeof(path) - n))
		return false;
	return !stat(path, &st);
}

/* Tgid: of any thread, listed in /proc or not (/proc/TID resolves for
 * every tid).  0 when it is gone. */
static uint32_t thread_tgid(const char *proc_root, uint32_t tid)
{
	char path[PATH_MAX], buf[STATUS_BUF_SIZE];
	const char *p, *end;
	uint32_t tgid;
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/%u/status", proc_root, tid) >= (int)sizeof(path))
		return 0;
	n = pa_read_at(AT_FDCWD, path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:\t");
	if (!p)
		return 0;
	p += strlen("\nTgid:\t");
	end = p + strspn(p, "0123456789");
	return pa_parse_u32(p, end - p, &tgid) ? tgid : 0;
}

/* Where thread owner lives: in tgid itself, or, when the lock may be
 * shared between processes, anywhere.  0 when nowhere. */
static uint32_t owner_process(const char *proc_root, uint32_t tgid, uint32_t owner, bool shared)
{
	if (!owner)
		return 0;
	if (path_exists(proc_root, "%u/task/%u", tgid, owner))
		return tgid;
	return shared ? thread_tgid(proc_root, owner) : 0;
}

/* size bytes at uaddr in tgid's memory. */
static int read_mem(const char *proc_root, uint32_t tgid, uint64_t uaddr, void *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%u/mem", proc_root, tgid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (uaddr > (uint64_t)INT64_MAX - size) {
		close(fd);
		return -EFAULT;
	}
	do
		n = pread(fd, buf, size, (off_t)uaddr);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = errno == EIO ? -EFAULT : -errno;
	else if (n == 0)
		n = -ESRCH; /* a zombie: its memory is gone */
	else if ((size_t)n < size)
		n = -EFAULT;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static int32_t get_i32(const unsigned char *buf, size_t off)
{
	int32_t v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

/* FUTEX_LOCK_PI and friends: the word is the owner's tid, by contract
 * with the kernel; FUTEX_OWNER_DIED and FUTEX_WAITERS are flags. */
static int pi_owner(const char *proc_root, uint32_t tgid, uint32_t waiter, uint64_t uaddr,
		    bool shared, uint32_t *owner, uint32_t *owner_tgid)
{
	uint32_t word;
	int err = read_mem(proc_root, tgid, uaddr, &word, sizeof(word));

	if (err)
		return err;
	*owner = word & FUTEX_TID_MASK;
	if (!*owner || *owner == waiter)
		return PA_FUTEX_UNOWNED;
	*owner_tgid = owner_process(proc_root, tgid, *owner, shared);
	return *owner_tgid ? 0 : PA_FUTEX_UNOWNED;
}

/* Does the wait look like glibc's, for a mutex of this __kind? */
static bool glibc_mutex_wait(int32_t kind, uint32_t wait_val)
{
	int32_t type = kind & ~(GLIBC_MUTEX_PSHARED | GLIBC_MUTEX_ELISION);

	if (type >= 0 && type <= GLIBC_MUTEX_TYPE_MAX)
		return wait_val == GLIBC_LLL_LOCK_WAIT;
	/* Robust mutexes hold the owner's tid in the word, and a waiter
	 * waits on the word it saw, with FUTEX_WAITERS set. */
	if (type >= GLIBC_MUTEX_ROBUST && type <= (GLIBC_MUTEX_ROBUST | GLIBC_MUTEX_TYPE_MAX))
		return (wait_val & FUTEX_WAITERS) && (wait_val & FUTEX_TID_MASK);
	return false; /* priority inheritance or protection: not waited on like this */
}

static int mutex_owner(const char *proc_root, uint32_t tgid, uint32_t waiter, uint64_t uaddr,
		       uint32_t wait_val, uint32_t *owner, uint32_t *owner_tgid)
{
#ifdef HAVE_GLIBC_MUTEX_LAYOUT
	unsigned char m[MUTEX_READ_SIZE];
	int32_t lock, kind, field;
	int err = read_mem(proc_root, tgid, uaddr, m, sizeof(m));

	if (err)
		return err;
	lock = get_i32(m, MUTEX_LOCK_OFF);
	kind = get_i32(m, MUTEX_KIND_OFF);
	field = get_i32(m, MUTEX_OWNER_OFF);
	if (!lock || !glibc_mutex_wait(kind, wait_val))
		return PA_FUTEX_NOT_LOCK;
	if (kind & GLIBC_MUTEX_ROBUST)
		*owner = (uint32_t)lock & FUTEX_TID_MASK;
	else
		*owner = field > 0 ? (uint32_t)field : 0;
	if (*owner == waiter)
		return PA_FUTEX_NOT_LOCK;
	*owner_tgid = owner_process(proc_root, tgid, *owner, kind & GLIBC_MUTEX_PSHARED);
	return *owner_tgid ? 0 : PA_FUTEX_NOT_LOCK;
#else
	(void)proc_root, (void)tgid, (void)waiter, (void)uaddr, (void)wait_val;
	(void)owner, (void)owner_tgid;
	return PA_FUTEX_NOT_LOCK;
#endif
}

int pa_futex_owner(const char *proc_root, uint32_t tgid, uint32_t waiter_tid, uint64_t uaddr,
		   uint32_t op, uint32_t wait_val, enum pa_wait_kind *kind, uint32_t *owner_tid,
		   uint32_t *owner_tgid)
{
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	uint32_t owner = 0, otgid = 0;
	enum pa_wait_kind k;
	int ret;

	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	switch (op & FUTEX_CMD_MASK) {
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_TRYLOCK_PI:
		k = PA_WAIT_PI_FUTEX;
		ret = pi_owner(proc_root, tgid, waiter_tid, uaddr, shared, &owner, &otgid);
		break;
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		k = PA_WAIT_MUTEX;
		ret = mutex_owner(proc_root, tgid, waiter_tid, uaddr, wait_val, &owner, &otgid);
		break;
	default:
		return PA_FUTEX_NOT_LOCK;
	}
	if (ret)
		return ret;
	*kind = k;
	*owner_tid = owner;
	*owner_tgid = otgid;
	return 0;
}
