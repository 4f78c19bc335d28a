/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A best-effort user-space stack of a thread blocked in a system call,
 * read from /proc when it is reported (once per deadlock, so no BPF stack
 * capture at every sleep and no frame pointers needed).
 */
#ifndef PA_USTACK_H
#define PA_USTACK_H

#include <stdint.h>

#define PA_USTACK_MAX 16
#define PA_USTACK_FRAME_LEN 128

struct pa_ustack {
	unsigned nr;
	char frames[PA_USTACK_MAX][PA_USTACK_FRAME_LEN]; /* "symbol+0xoff (file)" or "file+0xoff" when no symbol */
};

/* The likely call chain of thread tid of process tgid, blocked in a system call: its pc from
 * PROC_ROOT/TGID/task/TID/syscall (the last two fields are sp and pc), then return addresses
 * found by scanning the stack memory from sp upwards (PROC_ROOT/TGID/mem, a bounded window)
 * for words that point into an executable mapping (PROC_ROOT/TGID/maps) just after a call
 * instruction (x86-64: E8 rel32 five bytes before; FF /2 indirect forms 2, 3, 6 or 7 bytes
 * before: check the ModRM reg field is 2). 0, or -errno; a thread that is running gives -EAGAIN.
 * Stale return addresses left above the live frames may show up too: a hint, not proof. */
int pa_ustack_read(const char *proc_root, uint32_t tgid, uint32_t tid, struct pa_ustack *out);

#endif
