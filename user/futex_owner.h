/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who holds the futex a thread waits on, read from the waiting process's
 * memory (PROC_ROOT/TGID/mem: needs the right to ptrace it, as root has).
 *
 * A PI futex holds its owner's tid by definition.  A plain FUTEX_WAIT may
 * be anything (condition variable, semaphore, barrier, a program's own
 * lock); it is taken for a glibc pthread mutex only when everything agrees:
 * glibc's lock wait value, a mutex type glibc knows, and an owner field
 * naming a live thread other than the waiter.  Anything else is "not a
 * lock": a missed deadlock rather than a false one.
 */
#ifndef PA_FUTEX_OWNER_H
#define PA_FUTEX_OWNER_H

#include <stdint.h>

#include "waitgraph.h"

/* pa_futex_owner()'s results besides 0 and -errno. */
enum {
	PA_FUTEX_NOT_LOCK = 1, /* not a lock we recognise: no owner to speak of */
	PA_FUTEX_UNOWNED = 2,  /* a PI lock that no live thread holds now */
};

/*
 * The owner of the futex at uaddr in process tgid, on which thread
 * waiter_tid waits with futex(2) op (FUTEX_CMD_MASK is applied) and, for
 * FUTEX_WAIT and FUTEX_WAIT_BITSET, val wait_val.  Returns 0 with *kind
 * (PA_WAIT_MUTEX or PA_WAIT_PI_FUTEX), *owner_tid and *owner_tgid set (a
 * process-shared lock's owner may be in another process);
 * PA_FUTEX_NOT_LOCK or PA_FUTEX_UNOWNED; -ESRCH when the process is gone;
 * -EFAULT when the address is not mapped; -EACCES or another -errno when
 * the memory cannot be read; -EINVAL for a misaligned address.
 */
int pa_futex_owner(const char *proc_root, uint32_t tgid, uint32_t waiter_tid, uint64_t uaddr,
		   uint32_t op, uint32_t wait_val, enum pa_wait_kind *kind, uint32_t *owner_tid,
		   uint32_t *owner_tgid);

#endif
